import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';

export interface StepLocation {
  /** Repository-relative path, e.g. .github/workflows/ci.yml */
  file: string;
  line: number;
}

export interface LocateInput {
  workflowRef?: string | undefined;
  repository?: string | undefined;
  job?: string | undefined;
  /** GITHUB_ACTION: the step id, or a generated "__owner_repo" (with _2, _3 for repeats) or "__self". */
  action?: string | undefined;
  actionRepository?: string | undefined;
}

/** The workflow file of this run, from GITHUB_WORKFLOW_REF, when it lives in this repository. */
export function workflowFileFromRef(
  workflowRef: string | undefined,
  repository: string | undefined,
): string | undefined {
  if (!workflowRef) return undefined;
  const m = /^([^/]+\/[^/]+)\/(.+?\.ya?ml)@(.+)$/.exec(workflowRef);
  if (!m) return undefined;
  // A reusable workflow's ref belongs to the caller: our step may be in another repository's file.
  if (repository && m[1]!.toLowerCase() !== repository.toLowerCase()) return undefined;
  return m[2];
}

/** Finds the line of this step's `uses:` in the workflow text. Pure: takes the text, not a path. */
export function locateStepLine(text: string, input: LocateInput): number | undefined {
  const lineCounter = new LineCounter();
  let doc;
  try {
    doc = parseDocument(text, { lineCounter, keepSourceTokens: true, uniqueKeys: false });
  } catch {
    return undefined;
  }
  if (doc.errors.length > 0 || !input.job) return undefined;
  const steps = doc.getIn(['jobs', input.job, 'steps'], true) as Node | undefined;
  if (!steps || !isSeq(steps)) return undefined;
  const lineOf = (node: Node | null | undefined) =>
    node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
  const candidates = steps.items.filter(isMap);
  const get = (step: (typeof candidates)[number], key: string) => {
    const v = step.get(key, true);
    return isScalar(v) ? String(v.value) : undefined;
  };
  const usesLine = (step: (typeof candidates)[number]) => {
    const pair = step.items.find((p) => isScalar(p.key) && p.key.value === 'uses');
    return lineOf(pair?.key as Node | undefined) ?? lineOf(step);
  };
  const action = input.action ?? '';
  const byId = candidates.find((step) => get(step, 'id') === action);
  if (byId) return usesLine(byId);
  // Generated ids: "__self" for `uses: ./`, "__owner_repo" otherwise, with _2, _3 for later repeats.
  const generated = /^__(.+?)(?:_(\d+))?$/.exec(action);
  if (!generated) return undefined;
  const occurrence = Number(generated[2] ?? 1);
  const matches = candidates.filter((step) => {
    if (get(step, 'id')) return false;
    const uses = get(step, 'uses');
    if (!uses) return false;
    if (generated[1] === 'self') return uses.startsWith('./');
    const repo = uses.split('@')[0]!.split('/').slice(0, 2).join('/');
    const wanted = input.actionRepository?.toLowerCase();
    if (wanted) return repo.toLowerCase() === wanted;
    return repo.replace(/[^A-Za-z0-9_-]/g, '_').toLowerCase() === generated[1]!.toLowerCase();
  });
  const step = matches[occurrence - 1] ?? (matches.length === 1 ? matches[0] : undefined);
  return step ? usesLine(step) : undefined;
}
