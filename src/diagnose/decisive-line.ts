import { messageOf } from '../evidence/log-line-shape.js';
import { LOG_LINE_MAX_CHARS } from '../limits.js';
import { ours, quote, text, type Text } from '../text.js';
import { LINE_SHAPES, type Evidence, type LineShape } from '../types.js';
import type { LogEvidence } from './context.js';
import { allOf } from './finding.js';

/**
 * How far back from the end the decisive line is looked for: a traceback's last lines, plus the shutdown noise
 * some servers print after it (a worker's own "ERROR … exiting"), not the warnings of a minute before.
 */
const DECISIVE_LOOKBACK_LINES = 40;

/**
 * The line that explains a failure no signature names: among the last error-shaped lines before the end, the
 * most telling shape (a usage error, a panic, the exception line of a traceback, an `Error:` line, an ERROR
 * level line), and the last line of that shape.
 */
export function decisiveLine(evidence: readonly Evidence[], endAtMs: number): LogEvidence | undefined {
  const shaped = allOf(evidence, 'log')
    .filter((e) => e.shape !== undefined && e.atMs <= endAtMs)
    .slice(-DECISIVE_LOOKBACK_LINES);
  for (const shape of LINE_SHAPES) {
    const last = shaped.findLast((e) => e.shape === shape);
    if (last) return last;
  }
  return undefined;
}

/** A log line as diagnosis quotes it: from the server's message on (logger prefixes gone), cut for display. */
export function quotedLine(line: string): Text {
  return text`${quote(messageOf(line), LOG_LINE_MAX_CHARS)}`;
}

const UNKNOWN_FLAGS =
  /(?:unrecognized arguments?|unknown argument|invalid argument|unexpected (?:extra )?argument|No such option):?\s*(.{1,200})$/i;
// llama.cpp itself spells it "unkown".
const BAD_VALUE = /(?:invalid (?:value|choice)|unkn?own value for)\s*(.{1,200})$/i;

/** The fix a line of this shape points to; for a usage error, with the flag the server rejected. */
export function adviceForShape(shape: LineShape | undefined, line: string): Text | undefined {
  const message = messageOf(line);
  switch (shape) {
    case 'usage-error': {
      const flags = UNKNOWN_FLAGS.exec(message)?.[1];
      if (flags)
        return text`This server version does not know ${quote(flags.trim(), 120)}: check the flag against the --help of the version you run (the image tag or package version you pinned), or remove it.`;
      const value = BAD_VALUE.exec(message)?.[1];
      if (value)
        return text`The server rejected a value (${quote(value.trim(), 120)}): check the flag's accepted values in the --help of the version you run.`;
      return ours(
        'The server rejected its command line: check the flags against the --help of the version you run.',
      );
    }
    case 'exception':
      return ours(
        'The server raised this error while starting: the log lines below show the traceback that led to it; a missing module or file, or a config value, is usually named in the line itself.',
      );
    case 'panic':
      return ours(
        'The server crashed with this error while starting: the log lines below show what led to it.',
      );
    case 'error-line':
    case 'error-level':
      return ours('The server reported this error and exited: the log lines below show what led to it.');
    case undefined:
      return undefined;
  }
}
