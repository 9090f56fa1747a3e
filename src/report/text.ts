import { LOG_LINE_MAX_CHARS } from '../limits.js';
import { redactValue, type Redactor } from '../redact.js';
import { escapedCodePoint, INVISIBLE, LINE_BREAKS } from '../unicode.js';

/**
 * Text a server sent may hold terminal control sequences (colours, cursor moves, OSC 8 links, a window
 * title), bidi controls that reorder what a reader sees, or zero-width characters that make two ids look the
 * same: show each as its code point (`\u{1b}`), so nothing is hidden and nothing runs.
 */
export function visibleText(text: string): string {
  return text.replace(INVISIBLE, escapedCodePoint);
}

/**
 * Text from outside as one line of visible characters: whatever ends or breaks a line in some renderer (CR
 * alone, NEL, LS, PS, VT, FF) is a space, so a server's text can never start a line of its own.
 */
export function visibleLine(text: string): string {
  return visibleText(text.replace(LINE_BREAKS, ' '));
}

/**
 * The one defang for workflow commands. The runner executes a line that starts with `::` (after spaces) and
 * reads `##[` anywhere in a line, on stdout and stderr alike; a zero-width space breaks both markers without
 * changing what a reader sees.
 */
export function defangCommands(line: string): string {
  return line.replace(/^(\s*):(?=:)/, '$1:\u200b').replace(/##\[/g, '#\u200b#[');
}

/**
 * One inert line for a log the Actions runner reads (the job log, and the CLI's own output when it runs in a
 * `run:` step): no line breaks (the next line could start with `::`), no control sequences, no workflow command.
 */
export function inertLine(text: string): string {
  return defangCommands(visibleLine(text));
}

/** A server's log line as it leaves the process: redacted whole, then cut to display length. */
export function shownLogLine(line: string, redact: Redactor): string {
  const shown = redactValue(line, redact);
  return shown.length > LOG_LINE_MAX_CHARS ? shown.slice(0, LOG_LINE_MAX_CHARS) + '…' : shown;
}
