import { visibleLine } from './text.js';

// Text from servers and users goes into the job summary as text, never as markup. Each helper first makes it
// one line of visible characters (visibleLine: no CR, NEL, LS, PS, VT or FF to end a table row or an HTML
// block, no control, bidi or zero-width character left unseen), then escapes it for where it goes.

/**
 * For prose, list items and table cells: no links, no HTML, no table breaks, no entities of its own, and no
 * block of its own where it starts a line (a list, a rule, an indented code block). Autolinks are broken with
 * entities where GitHub could make one (every scheme://, www. and @, even after a letter or an underscore,
 * which GFM allows before www.), so a URL a server sends shows as text, never as a link to click; `$` is
 * escaped because GitHub renders `$…$` as math.
 */
export function escapeMarkdown(text: string): string {
  return visibleLine(text)
    .replace(/^[ \t]+/, '')
    .replace(/&/g, '&amp;')
    .replace(/[\\`*_{}[\]()<>#+!|~$]/g, (c) => `\\${c}`)
    .replace(/^(-|=|\d+(?=[.)]))/, (start) => (/\d/.test(start) ? `${start}\\` : `\\${start}`))
    .replace(/:\/\//g, ':&#47;&#47;')
    .replace(/(www)\./gi, '$1&#46;')
    .replace(/@/g, '&#64;');
}

/** For text inside our own HTML (a `<summary>` title), where Markdown escapes would show as backslashes. */
export function htmlText(text: string): string {
  return visibleLine(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/:\/\//g, ':&#47;&#47;')
    .replace(/(www)\./gi, '$1&#46;')
    .replace(/@/g, '&#64;');
}

/**
 * A code span that nothing inside can close: the fence is one backtick longer than the longest run of
 * backticks in the text (a server could otherwise end the span and write Markdown of its own). For prose and
 * list items; in a table cell use `cellCode`.
 */
export function code(text: string): string {
  return codeSpan(visibleLine(text));
}

/**
 * A code span in a table cell, where GFM splits the row at every pipe not escaped as `\|`, code spans too. A
 * backslash the text has just before a pipe cannot be written there at all (`\\|` ends the cell, and GitHub
 * shows `\\\|` with both backslashes), so such a value is shown as escaped text instead of code.
 */
export function cellCode(text: string): string {
  const flat = visibleLine(text);
  return flat.includes('\\|') ? escapeMarkdown(flat) : codeSpan(flat.replace(/\|/g, '\\|'));
}

function codeSpan(flat: string): string {
  const longestRun = (flat.match(/`+/g) ?? []).reduce((most, run) => Math.max(most, run.length), 0);
  const ticks = '`'.repeat(longestRun + 1);
  return `${ticks} ${flat} ${ticks}`;
}

/** A log line inside our ```text fence: one line, visible characters, and no run of backticks to close it. */
export function fencedLine(line: string): string {
  return visibleLine(line).replace(/```/g, "'''");
}
