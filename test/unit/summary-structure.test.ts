import { describe, expect, it } from 'vitest';
import { createRedactor } from '../../src/redact.js';
import { renderSummary } from '../../src/report/markdown.js';
import { cellCode, code, escapeMarkdown, htmlText } from '../../src/report/markdown-text.js';
import { presentExtras, presentResult } from '../../src/report/present.js';
import { inertLine, visibleLine } from '../../src/report/text.js';
import { LINE_BREAKS } from '../../src/unicode.js';
import { gfmTree, renderGfm, textOf, all } from '../support/gfm.js';
import { resultCarrying } from '../support/hostile-result.js';
import { expectSummaryShape } from '../support/summary-shape.js';

/**
 * Text a server sends, in every field of a failed run, hoping to change the job summary's structure: end a
 * table row or an HTML block, open a list or a code block, write HTML, or hide what it says. Each row is a
 * defect the summary had (noted where rendering it found one) or a sibling of one.
 */
const HOSTILE: Array<{ name: string; text: string }> = [
  { name: 'CR alone ends a table row (found rendered: a second row)', text: 'a\rb' },
  {
    name: 'CR CR ends the <summary> HTML block (found rendered: a heading inside)',
    text: 'a\r\r# forged</summary>',
  },
  { name: 'CR LF', text: 'a\r\nb' },
  { name: 'NEL', text: 'a\u0085b' },
  { name: 'line and paragraph separators', text: 'a\u2028b\u2029c' },
  { name: 'VT and FF', text: 'a\u000bb\u000cc' },
  { name: 'C0 and C1 controls, ESC sequences', text: '\u0000\u0001\u001b[2J\u007f\u009b31m' },
  { name: 'bidi override that reverses what follows', text: 'safe \u202egnp.exe\u202c \u2066x\u2069' },
  { name: 'zero-width characters and BOM', text: 'lla\u200bma\u200c\u200d\ufeff' },
  {
    name: 'a backslash before a pipe closes a code span in a cell (found rendered: a split cell)',
    text: 'x\\|y *em* <b>',
  },
  { name: 'pipes and backticks (found rendered: \\| shown in a list item)', text: '| a | ``` ` `` |' },
  { name: 'raw HTML and a comment', text: '<script>alert(1)</script><!-- c --><img src=x onerror=y>' },
  { name: 'closing our own HTML', text: '</summary></details><details open>' },
  { name: 'a list marker at the start of a warning', text: '- item' },
  { name: 'an ordered list marker at the start', text: '1. item' },
  {
    name: 'an indented code block at the start of a warning',
    text: '      code',
  },
  { name: 'a rule at the start', text: '---' },
  { name: 'a heading, a quote, emphasis and a link', text: '# h > q **b** [l](http://x.example) ![i](y)' },
  { name: 'www. after an underscore (found by the properties: a link)', text: '_www.example.com x_www.y' },
  { name: 'math', text: '$x^2$ and $$y$$' },
  { name: 'entities', text: '&lt;b&gt; &#60;i&#62; &amp;' },
  { name: 'a fence in a log line', text: '```\n# out of the fence' },
];

const everyField = (text: string) => resultCarrying((n) => (n % 2 ? text : `${text} ${n}`));

describe('the job summary rendered as GitHub does (GFM), with hostile text in every field', () => {
  it.each(HOSTILE)('$name: only our elements, the structure the result implies', ({ text }) => {
    const { result, extras } = everyField(text);
    const redact = createRedactor([]);
    const shown = presentResult(result, redact);
    const shownExtras = presentExtras(extras, redact);
    expectSummaryShape(renderSummary(shown, shownExtras), shown, shownExtras);
  });
});

describe('each escape, rendered', () => {
  const cell = (markdown: string) => textOf(all(gfmTree(`| a |\n|---|\n| ${markdown} |`), 'td')[0]!);
  it.each(HOSTILE)('$name: a table cell shows the text itself, as code or as text', ({ text }) => {
    expect(cell(cellCode(text))).toBe(textOf({ tag: 'x', children: [visibleLine(text)] }));
    expect(cell(escapeMarkdown(text))).toBe(textOf({ tag: 'x', children: [visibleLine(text)] }));
  });

  it.each(HOSTILE)('$name: a list item and a <summary> show the text itself', ({ text }) => {
    const expected = textOf({ tag: 'x', children: [visibleLine(text)] });
    expect(textOf(all(gfmTree(`- ${code(text)}`), 'li')[0]!)).toBe(expected);
    const summary = gfmTree(`<details><summary>${htmlText(text)}</summary>\n\nx\n\n</details>`);
    expect(textOf(all(summary, 'summary')[0]!)).toBe(expected);
  });

  it('a code span outside a table shows a pipe as a pipe, not as \\|', () => {
    expect(renderGfm(`- ${code('a|b')}`)).toContain('<code>a|b</code>');
  });
});

describe('invisible characters are shown by their code point', () => {
  it.each([
    { text: 'lla\u200bma', shown: 'lla\\u{200b}ma' },
    { text: '\u202egnp.exe', shown: '\\u{202e}gnp.exe' },
    { text: 'x\u001b[31my', shown: 'x\\u{1b}[31my' },
    { text: '\ufeffmodel', shown: '\\u{feff}model' },
    { text: 'a\u2066b\u2069', shown: 'a\\u{2066}b\\u{2069}' },
  ])('$shown', ({ text, shown }) => {
    expect(visibleLine(text)).toBe(shown);
    expect(inertLine(text)).toBe(shown);
  });

  it('no line break of any renderer survives into a terminal line', () => {
    const line = inertLine('a\rb\u0085c\u2028d\u2029e\u000bf\u000cg\nh');
    expect(line).toBe('a b c d e f g h');
    expect(line.replace(LINE_BREAKS, '')).toBe(line);
  });
});
