import type { Cause } from '../causes.js';
import { formatDuration } from '../config/duration.js';
import { decisiveLine, quotedLine } from '../diagnose/decisive-line.js';
import { settle, type DiagnoseContext } from '../diagnose/index.js';
import type { Redactor } from '../redact.js';
import { StepAnnotations } from '../report/actions/annotations.js';
import { afterGateSection, type ShownAfterGate } from '../report/markdown-sections.js';
import { presentText } from '../report/present.js';
import * as core from '../report/runner/runner-commands.js';
import { inertLine, shownLogLine } from '../report/text.js';
import { ours, text, type Text } from '../text.js';
import type { Evidence, Finding } from '../types.js';
import { lookAfterGate, type AfterGateLook } from './after-gate-sources.js';
import type { GateSnapshot } from './gate-state.js';

/** What became of the server after the gate, diagnosed; raw (the edge redacts). */
export interface AfterGateFinding {
  cause: Cause;
  /** `reported`: only a log file was watched, and it named a fatal error. */
  ended: 'died' | 'restarted' | 'reported';
  afterGateMs?: number;
  decisive?: { source: string; line: string };
  hint: Text;
}

/**
 * The post step's look at the server that passed the gate: it died, restarted or (a log file alone) named a
 * fatal error during the job, then one error annotation and a summary section; a server that stayed up draws
 * nothing. Runs before the post step stops the server, which would otherwise be the death it sees.
 */
export async function checkAfterGate(
  snapshot: GateSnapshot,
  env: Record<string, string | undefined>,
  redact: Redactor,
): Promise<AfterGateFinding | undefined> {
  const look = await lookAfterGate(snapshot, env);
  const found = diagnoseAfterGate(look, snapshot);
  if (!found) return undefined;
  const shown = presentAfterGate(found, look, redact);
  // The runner gives the post step its own GITHUB_ACTION; main's is the one the workflow's step line has.
  const annotations = new StepAnnotations({
    ...env,
    GITHUB_ACTION: snapshot.stepAction ?? env.GITHUB_ACTION,
  });
  await annotations.error(inertLine(`${shown.headline} Fix: ${shown.hint}`), found.cause);
  if (env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(afterGateSection(shown).join('\n') + '\n').write();
  return found;
}

/** The same diagnosis as the wait (diagnose/settle.ts), over what the sources said after the gate. */
export function diagnoseAfterGate(look: AfterGateLook, snapshot: GateSnapshot): AfterGateFinding | undefined {
  const logsOnly = !snapshot.started && !snapshot.container;
  if (!look.ended && !logsOnly) return undefined;
  const settled = settle(look.evidence, afterGateContext(snapshot));
  const ended = look.ended ?? 'reported';
  if (!settled) return look.ended ? unexplainedEnd(look, ended) : undefined;
  const decisive = decisiveOf(settled);
  return withTime(
    { cause: settled.cause, ended, hint: settled.hint, ...(decisive ? { decisive } : {}) },
    look.afterGateMs,
  );
}

/** Ended with nothing diagnosis can name (a restarted container that said nothing fatal): its last words. */
function unexplainedEnd(look: AfterGateLook, ended: 'died' | 'restarted' | 'reported'): AfterGateFinding {
  const line = decisiveLine(look.evidence, Number.POSITIVE_INFINITY);
  const found: AfterGateFinding = {
    cause: 'server-exited',
    ended,
    hint: ours(
      ended === 'restarted'
        ? 'Docker restarted it (its restart policy, after a crash or a failed health check): the last lines below show what it said before.'
        : 'Nothing in its log says why: a server that vanishes without a word was usually killed (the kernel OOM killer: see dmesg; or a runner memory limit). The last lines below show what it was doing.',
    ),
  };
  if (line) found.decisive = { source: line.source, line: line.line };
  return withTime(found, look.afterGateMs);
}

function withTime(found: AfterGateFinding, afterGateMs: number | undefined): AfterGateFinding {
  if (afterGateMs !== undefined) found.afterGateMs = afterGateMs;
  return found;
}

function decisiveOf(finding: Finding): { source: string; line: string } | undefined {
  const line = finding.evidence.find(
    (e): e is Extract<Evidence, { kind: 'log' }> =>
      e.kind === 'log' && (e.cause !== undefined || e.shape !== undefined),
  );
  return line ? { source: line.source, line: line.line } : undefined;
}

/** No requests and no deadline after the gate: only the sources' evidence can decide. */
function afterGateContext(snapshot: GateSnapshot): DiagnoseContext {
  let host = '';
  let port = 0;
  try {
    const url = new URL(snapshot.baseUrl);
    host = url.hostname;
    port = Number(url.port);
  } catch {
    // No URL saved: the host only colours hints about the network, which the sources' evidence never gives.
  }
  return {
    host,
    port,
    root: snapshot.baseUrl,
    kind: snapshot.server === 'unknown' ? undefined : snapshot.server,
    requiredModels: [],
    apiKeyGiven: false,
    deadlineReached: false,
    timeoutMs: 0,
    watchingLogs: true,
  };
}

/** The headline and the rest, as they leave the process: values redacted once (present.ts). */
function presentAfterGate(found: AfterGateFinding, look: AfterGateLook, redact: Redactor): ShownAfterGate {
  const when = found.afterGateMs !== undefined ? formatDuration(found.afterGateMs) : undefined;
  const what: Record<AfterGateFinding['ended'], string> = {
    died: 'The server died',
    restarted: 'The container restarted',
    reported: 'The server log named a fatal error',
  };
  const said = found.decisive ? text` — ${quotedLine(found.decisive.line)}` : text``;
  const headline = text`${ours(what[found.ended])} ${ours(when ? `${when} after the gate` : 'after the gate')}: ${ours(found.cause)}${said}`;
  const shown: ShownAfterGate = {
    cause: found.cause,
    headline: presentText(headline, redact),
    hint: presentText(found.hint, redact),
    tails: look.tails.map((t) => ({
      source: presentText(text`${t.source}`, redact),
      lines: t.lines.map((l) => shownLogLine(l, redact)),
    })),
  };
  if (when) shown.when = when;
  if (found.decisive)
    shown.decisive = {
      source: presentText(text`${found.decisive.source}`, redact),
      line: shownLogLine(found.decisive.line, redact),
    };
  return shown;
}
