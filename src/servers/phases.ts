import type { ServerKind } from '../causes.js';
import { STARTUP_PHASES, type Evidence, type StartupPhase } from '../types.js';
import { PROFILES } from './index.js';
import type { PhaseSignal } from './profile.js';

/** What each phase is called in the profile, and how to avoid it where a cache can (our words). */
export const PHASE_INFO: Record<StartupPhase, { label: string; avoid?: string }> = {
  download: {
    label: 'weights download',
    avoid:
      'The weights are downloaded on every run: cache the Hugging Face hub directory (~/.cache/huggingface/hub, or $HF_HOME/hub) with actions/cache keyed on the model id, or mount it into the container.',
  },
  pull: {
    label: 'model pull',
    avoid:
      "The model is pulled on every run: keep Ollama's model directory (~/.ollama/models, or $OLLAMA_MODELS; /root/.ollama in the ollama/ollama image) on a cached volume.",
  },
  weights: { label: 'model loading' },
  compile: {
    label: 'torch.compile',
    avoid:
      'vLLM compiles the model on every run: cache its compile cache directory (~/.cache/vllm/torch_compile_cache, or $VLLM_CACHE_ROOT/torch_compile_cache), or pass --enforce-eager where start-up matters more than speed.',
  },
  'graph-capture': {
    label: 'CUDA graph capture',
    avoid:
      'CUDA graphs are captured at every start: --enforce-eager skips them (slower generation, faster start).',
  },
  'engine-init': { label: 'engine init (memory profiling, KV cache, warm-up)' },
};

/** The phase signals for a kind, or for every kind when it is not known yet. */
function phaseSignalsFor(kind: ServerKind | undefined): PhaseSignal[] {
  const profiles = kind
    ? [PROFILES[kind], ...(PROFILES[kind].embeds ?? []).map((k) => PROFILES[k])]
    : Object.values(PROFILES);
  return profiles.flatMap((p) => p.startupPhases ?? []);
}

/** The phase a log line marks, with the duration the server printed in it. */
export function matchPhaseLine(
  line: string,
  kind: ServerKind | undefined,
): { phase: StartupPhase; tookMs?: number } | undefined {
  for (const signal of phaseSignalsFor(kind)) {
    const match = signal.pattern.exec(line);
    if (!match) continue;
    const tookMs = signal.tookMs?.(match);
    return tookMs === undefined ? { phase: signal.phase } : { phase: signal.phase, tookMs };
  }
  return undefined;
}

export interface StartupProfileRow {
  phase: StartupPhase;
  label: string;
  ms: number;
  /** Of the whole wait, 0–1. */
  share: number;
  /** Where the time came from: what the server printed, or the time between its lines on our clock. */
  measured: 'printed' | 'our-clock';
  avoid?: string;
}

export interface StartupProfile {
  /** From the step's start to ready. */
  waitMs: number;
  /**
   * What the shares are of: the wait, or the phases' own sum when that is longer (a container or a log file
   * of a server that was already starting before this step).
   */
  basisMs: number;
  rows: StartupProfileRow[];
  /** What no phase line accounts for (process start, imports, the HTTP server, our polling). */
  otherMs: number;
}

type PhaseEvidence = Extract<Evidence, { kind: 'phase' }>;
type PhaseLike = Pick<PhaseEvidence, 'kind' | 'atMs' | 'phase' | 'tookMs'>;
type PullLike = { kind: 'pull'; atMs: number };

/**
 * Where the start-up time went, from the phase lines of a timeline: each phase's printed duration where the
 * server printed one, else the time from its first line to its last on our clock. A phase that contains
 * others (vLLM's engine init runs torch.compile and graph capture) counts only the rest, so the shares add
 * up. Undefined when no line marked a phase.
 */
export function startupProfile(
  timeline: ReadonlyArray<{ kind: string; atMs: number }>,
  waitMs: number,
  server: ServerKind | 'unknown',
): StartupProfile | undefined {
  const signals = phaseSignalsFor(server === 'unknown' ? undefined : server);
  const phases = timeline.filter((e): e is PhaseLike => e.kind === 'phase');
  const totals = new Map<StartupPhase, { ms: number; measured: StartupProfileRow['measured'] }>();
  for (const phase of STARTUP_PHASES) {
    const own = phases.filter((e) => e.phase === phase);
    const measured = measurePhase(own, combineOf(signals, phase));
    if (measured) totals.set(phase, measured);
  }
  const pulls = timeline.filter((e): e is PullLike => e.kind === 'pull');
  if (!totals.has('pull') && pulls.length > 1)
    totals.set('pull', { ms: pulls.at(-1)!.atMs - pulls[0]!.atMs, measured: 'our-clock' });
  if (!totals.size) return undefined;
  for (const [phase, total] of totals) {
    for (const inner of containedPhases(signals, phase)) total.ms -= totals.get(inner)?.ms ?? 0;
    total.ms = Math.max(0, total.ms);
  }
  const accounted = [...totals.values()].reduce((sum, t) => sum + t.ms, 0);
  const basisMs = Math.max(waitMs, accounted);
  const rows = [...totals].map(([phase, { ms, measured }]) => profileRow(phase, ms, measured, basisMs));
  return { waitMs, basisMs, rows, otherMs: basisMs - accounted };
}

function profileRow(
  phase: StartupPhase,
  ms: number,
  measured: StartupProfileRow['measured'],
  waitMs: number,
): StartupProfileRow {
  const { label, avoid } = PHASE_INFO[phase];
  const row: StartupProfileRow = {
    phase,
    label,
    ms,
    share: waitMs > 0 ? Math.min(1, ms / waitMs) : 0,
    measured,
  };
  if (avoid) row.avoid = avoid;
  return row;
}

/** The printed durations combined the way the signal says, or else the span of the lines on our clock. */
function measurePhase(
  lines: readonly PhaseLike[],
  combine: 'max' | 'sum',
): { ms: number; measured: StartupProfileRow['measured'] } | undefined {
  if (!lines.length) return undefined;
  const printed = lines.map((e) => e.tookMs).filter((ms): ms is number => ms !== undefined);
  if (printed.length) {
    const ms = combine === 'sum' ? printed.reduce((a, b) => a + b, 0) : Math.max(...printed);
    return { ms, measured: 'printed' };
  }
  if (lines.length < 2) return undefined;
  return { ms: lines.at(-1)!.atMs - lines[0]!.atMs, measured: 'our-clock' };
}

/** A phase's lines are summed when any signal for it says so (steps one after another). */
function combineOf(signals: readonly PhaseSignal[], phase: StartupPhase): 'max' | 'sum' {
  return signals.some((s) => s.phase === phase && s.combine === 'sum') ? 'sum' : 'max';
}

function containedPhases(signals: readonly PhaseSignal[], phase: StartupPhase): StartupPhase[] {
  return [...new Set(signals.filter((s) => s.phase === phase).flatMap((s) => s.includes ?? []))];
}

/** The profile as the `startup` output and the CLI's JSON carry it: phase → milliseconds. */
export function startupOutput(profile: StartupProfile | undefined): Record<string, number> {
  if (!profile) return {};
  return Object.fromEntries([
    ...profile.rows.map((r) => [r.phase, r.ms] as const),
    ['other', profile.otherMs],
  ]);
}
