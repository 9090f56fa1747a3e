import { SUMMARY_MAX_BYTES } from '../limits.js';
import { endpointStartup } from './startup.js';
import type { Redactor } from '../redact.js';
import type { PreflightResult } from '../types.js';
import {
  endpointTable,
  evidenceSection,
  logFileSection,
  logTailSection,
  notesSection,
  smokeSection,
  startupSection,
  timelineSection,
  verdictHead,
  warningSection,
} from './markdown-sections.js';
import {
  presentExtras,
  presentResult,
  type ShownExtras,
  type ShownResult,
  type SummaryExtras,
} from './present.js';

/**
 * The job summary. Pure: the Actions reporter writes it, tests read it. Built from sections so that, over the
 * size bound, whole sections are left out (last ones first) and no code fence or <details> is left open.
 */
export function renderSummary(result: ShownResult, extras: ShownExtras): string {
  const head = [...verdictHead(result), ...endpointTable(result.endpoints)];
  return fitSections(head.join('\n'), summarySections(result, extras));
}

/** The summary as the Actions reporter writes it: the result presented at the edge (present.ts), then rendered. */
export function renderRedactedSummary(
  result: PreflightResult,
  extras: SummaryExtras,
  redact: Redactor,
): string {
  return renderSummary(presentResult(result, redact), presentExtras(extras, redact));
}

/** Everything under the table, in reading order: the first ones are kept when the summary runs long. */
function summarySections(result: ShownResult, extras: ShownExtras): string[][] {
  const sections = [
    ...result.warnings.map(warningSection),
    ...result.endpoints.flatMap((e) => [smokeSection(e), notesSection(e)]),
    startupSection(endpointStartup(result.endpoints[0])),
    evidenceSection(result.finding),
    ...result.endpoints.map((e) => timelineSection(e, result.ready)),
    ...extras.tails.map(logTailSection),
    logFileSection(extras.logFile),
  ];
  return sections.filter((section) => section !== undefined);
}

export const SUMMARY_CUT_NOTE = '… (summary cut to stay under the size limit)';
/** Room for the note and the few characters around it. */
const SUMMARY_CUT_NOTE_BYTES = Buffer.byteLength(SUMMARY_CUT_NOTE) + 40;

/** The head, then each section that still fits under the bound; a note counts those left out. */
function fitSections(head: string, sections: readonly string[][]): string {
  let text = head;
  let left = 0;
  for (const section of sections) {
    const piece = '\n' + section.join('\n');
    if (Buffer.byteLength(text) + Buffer.byteLength(piece) + SUMMARY_CUT_NOTE_BYTES > SUMMARY_MAX_BYTES)
      left++;
    else text += piece;
  }
  if (left > 0) text += `\n\n${SUMMARY_CUT_NOTE} (${left} section${left === 1 ? '' : 's'} left out)`;
  // The head alone is over the bound only with thousands of endpoints: cut it at a line.
  if (Buffer.byteLength(text) > SUMMARY_MAX_BYTES) text = cutAtLine(text);
  return text + '\n';
}

function cutAtLine(text: string): string {
  let kept = '';
  for (const line of text.split('\n')) {
    if (Buffer.byteLength(kept) + Buffer.byteLength(line) + SUMMARY_CUT_NOTE_BYTES > SUMMARY_MAX_BYTES) break;
    kept += line + '\n';
  }
  return `${kept}\n${SUMMARY_CUT_NOTE}`;
}
