/**
 * Text from servers and users goes into Markdown as text, never as markup: no links, no HTML, no table breaks,
 * no entities of its own. Autolinks are broken with entities where GitHub would make one: scheme://, www.
 * and e-mail addresses; so a URL a server sends shows as text, never as a link to click.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/[\\`*_{}[\]()<>#+!|~]/g, (c) => `\\${c}`)
    .replace(/\r?\n/g, ' ')
    .replace(/:\/\//g, ':&#47;&#47;')
    .replace(/\b(www)\./gi, '$1&#46;')
    .replace(/@/g, '&#64;');
}

/** For text inside our own HTML (a `<summary>` title), where Markdown escapes would show as backslashes. */
export function htmlText(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\r?\n/g, ' ')
    .replace(/:\/\//g, ':&#47;&#47;')
    .replace(/\b(www)\./gi, '$1&#46;')
    .replace(/@/g, '&#64;');
}

/**
 * A code span that nothing inside can close: the fence is one backtick longer than the longest run of
 * backticks in the text (a server could otherwise end the span and write Markdown of its own).
 */
export function code(text: string): string {
  const flat = text.replace(/\r?\n/g, ' ');
  const longestRun = (flat.match(/`+/g) ?? []).reduce((most, run) => Math.max(most, run.length), 0);
  const ticks = '`'.repeat(longestRun + 1);
  return `${ticks} ${flat.replace(/\|/g, '\\|')} ${ticks}`;
}
