/** Pure helpers for model lists: parse the server's answer, match what is required, find the closest name. */

export type ModelListParse = { ok: true; ids: string[] } | { ok: false; problem: string };

export function parseModelList(json: unknown): ModelListParse {
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    return { ok: false, problem: 'the model list is not a JSON object' };
  }
  const data = (json as { data?: unknown }).data;
  // Ollama answers `"data": null` when no model is pulled (a Go nil slice): that is an empty list.
  if (data === null) return { ok: true, ids: [] };
  if (data === undefined) return { ok: false, problem: 'the model list has no "data" field' };
  if (!Array.isArray(data)) return { ok: false, problem: '"data" in the model list is not an array' };
  const ids: string[] = [];
  for (const entry of data) {
    const id = entry && typeof entry === 'object' ? (entry as { id?: unknown }).id : undefined;
    if (typeof id !== 'string' || id === '')
      return { ok: false, problem: 'a model in the list has no string "id"' };
    ids.push(id);
  }
  return { ok: true, ids };
}

/** Ollama treats "llama3.2" and "llama3.2:latest" as the same model. */
function withoutLatest(id: string): string {
  return id.endsWith(':latest') ? id.slice(0, -':latest'.length) : id;
}

export function isServed(required: string, served: readonly string[]): boolean {
  const wanted = withoutLatest(required);
  return served.some((id) => id === required || withoutLatest(id) === wanted);
}

function loose(id: string): string {
  return withoutLatest(id)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

/** Edit distance, bounded so a long list of long ids stays cheap. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > limit) return limit + 1;
    previous = current;
  }
  return previous[b.length]!;
}

/** Comparing against more than this many served ids is not worth the time: a typo is rarely that far down. */
const CLOSEST_MATCH_SCAN = 5_000;

/** The served id a user most likely meant: same letters ignoring case and punctuation, else a small typo. */
export function closestModel(required: string, served: readonly string[]): string | undefined {
  const wanted = loose(required);
  const candidates = served.slice(0, CLOSEST_MATCH_SCAN);
  const sameLoose = candidates.find((id) => loose(id) === wanted);
  if (sameLoose) return sameLoose;
  const bySuffix = candidates.find(
    (id) =>
      id.toLowerCase().endsWith('/' + required.toLowerCase()) ||
      required.toLowerCase().endsWith('/' + id.toLowerCase()),
  );
  if (bySuffix) return bySuffix;
  const limit = Math.max(2, Math.floor(wanted.length / 4));
  let best: { id: string; distance: number } | undefined;
  for (const id of candidates) {
    const distance = editDistance(wanted, loose(id), limit);
    if (distance <= limit && (!best || distance < best.distance)) best = { id, distance };
  }
  return best?.id;
}
