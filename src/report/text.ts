import { LOG_LINE_MAX_CHARS } from '../limits.js';
import { redactValue, type Redactor } from '../redact.js';

/**
 * Text a server sent may hold terminal control sequences (colours, cursor moves, OSC 8 links, a window
 * title) or a carriage return that hides what came before: show each as a visible replacement character.
 */
export function visibleText(text: string): string {
  // oxlint-disable-next-line no-control-regex -- matching control characters is the point here
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '\ufffd');
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
  return defangCommands(visibleText(text.replace(/\r?\n|\r/g, ' ')));
}

/** A server's log line as it leaves the process: redacted whole, then cut to display length. */
export function shownLogLine(line: string, redact: Redactor): string {
  const shown = redactValue(line, redact);
  return shown.length > LOG_LINE_MAX_CHARS ? shown.slice(0, LOG_LINE_MAX_CHARS) + '…' : shown;
}
