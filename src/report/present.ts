import { keepVocabulary, redactDeep, redactText, type Redactor, type Shown } from '../redact.js';
import type { Text } from '../text.js';
import type { Evidence, PreflightResult } from '../types.js';
import { shownLogLine } from './text.js';

/**
 * The edge: where a result becomes text that leaves the process. Every value from outside is redacted whole
 * (before any cut to display length), our own sentences are rendered with their values redacted, and nothing
 * after this point redacts again. Renderers take only what this returns, so none of them can print a raw value.
 */
export type ShownResult = Shown<PreflightResult>;
export type ShownEvidence = Shown<Evidence>;

/** What a run leaves besides its result, raw: the last lines of each log, the log file, the export choice. */
export interface SummaryExtras {
  tails: Array<{ source: string; lines: string[] }>;
  logFile?: string;
  /** Export OPENAI_BASE_URL / OPENAI_API_BASE for later steps on success. */
  exportEnv?: boolean;
}
export interface ShownExtras {
  tails: Array<{ source: string; lines: string[] }>;
  logFile?: string;
  exportEnv?: boolean;
}

export function presentResult(result: PreflightResult, redact: Redactor): ShownResult {
  return redactDeep(result, redact, keepVocabulary);
}

export function presentEvidence(evidence: Evidence, redact: Redactor): ShownEvidence {
  return redactDeep(evidence, redact, keepVocabulary);
}

export function presentExtras(extras: SummaryExtras, redact: Redactor): ShownExtras {
  const shown: ShownExtras = {
    tails: extras.tails.map((tail) => ({
      source: redactValueOf(tail.source, redact),
      lines: tail.lines.map((line) => shownLogLine(line, redact)),
    })),
  };
  if (extras.logFile !== undefined) shown.logFile = redactValueOf(extras.logFile, redact);
  if (extras.exportEnv !== undefined) shown.exportEnv = extras.exportEnv;
  return shown;
}

/** One of our sentences as it leaves: its values redacted, our words as written. */
export function presentText(text: Text, redact: Redactor): string {
  return redactText(text, redact);
}

function redactValueOf(value: string, redact: Redactor): string {
  return redactDeep(value, redact);
}
