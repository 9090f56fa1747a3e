import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';

/**
 * The job summary as GitHub renders it: GFM (tables, autolinks, strikethrough, the tag filter) by micromark,
 * which follows the CommonMark and GFM specs to the letter. Raw HTML is let through on purpose, so any tag a
 * server could slip in shows up here as an element and fails the check, instead of being quietly dropped.
 */
export function renderGfm(markdown: string): string {
  return micromark(markdown, { extensions: [gfm()], htmlExtensions: [gfmHtml()], allowDangerousHtml: true });
}

/** The tags our summary writes, exactly as micromark writes them: anything else came from someone else. */
const OUR_TAGS = new Set(
  [
    'h2',
    'p',
    'strong',
    'table',
    'thead',
    'tbody',
    'tr',
    'th',
    'td',
    'code',
    'details',
    'summary',
    'ul',
    'li',
    'blockquote',
    'pre',
  ].flatMap((tag) => [`<${tag}>`, `</${tag}>`]),
);
OUR_TAGS.add('<details open>').add('<code class="language-text">');

export interface Element {
  tag: string;
  children: Array<Element | string>;
}

/**
 * The rendered summary as a tree. Throws on any tag that is not one of ours (attributes included), on any `<`
 * that is not a tag (a comment, a declaration) and on tags that do not nest.
 */
export function gfmTree(markdown: string): Element {
  const html = renderGfm(markdown);
  const root: Element = { tag: 'root', children: [] };
  const open = [root];
  const pieces = html.split('<');
  addText(open.at(-1)!, pieces[0]!);
  for (const piece of pieces.slice(1)) {
    const end = piece.indexOf('>');
    const tag = end < 0 ? piece : `<${piece.slice(0, end + 1)}`;
    if (!OUR_TAGS.has(tag)) throw new Error(`markup that is not ours: ${JSON.stringify(tag.slice(0, 80))}`);
    const name = /^<\/?([a-z0-9]+)/.exec(tag)![1]!;
    if (tag.startsWith('</')) {
      const closed = open.pop();
      if (closed?.tag !== name) throw new Error(`</${name}> closes <${closed?.tag}>`);
    } else {
      const element: Element = { tag: name, children: [] };
      open.at(-1)!.children.push(element);
      open.push(element);
    }
    addText(open.at(-1)!, piece.slice(end + 1));
  }
  if (open.length !== 1) throw new Error(`left open: ${open.map((e) => e.tag).join(' > ')}`);
  return root;
}

/** Text as a browser shows it: micromark writes the four named entities, our own HTML numeric ones. */
function addText(element: Element, html: string): void {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"' };
  const text = html.replace(/&(amp|lt|gt|quot|#\d+|#x[0-9a-f]+);/gi, (_, name: string) =>
    name.startsWith('#')
      ? String.fromCodePoint(Number(name[1] === 'x' || name[1] === 'X' ? '0' + name.slice(1) : name.slice(1)))
      : named[name]!,
  );
  if (text) element.children.push(text);
}

/** Every element named `tag` under `element`, in document order. */
export function all(element: Element, tag: string): Element[] {
  return element.children.flatMap((child) =>
    typeof child === 'string' ? [] : [...(child.tag === tag ? [child] : []), ...all(child, tag)],
  );
}

/** The element's text as a reader sees it, runs of white space as one space. */
export function textOf(element: Element): string {
  return rawTextOf(element).replace(/\s+/g, ' ').trim();
}

export function rawTextOf(element: Element): string {
  return element.children.map((child) => (typeof child === 'string' ? child : rawTextOf(child))).join('');
}

/** The direct children that are elements named `tag`. */
export function childrenNamed(element: Element, tag: string): Element[] {
  return element.children.filter((child): child is Element => typeof child !== 'string' && child.tag === tag);
}
