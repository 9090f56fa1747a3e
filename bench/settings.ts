// The BENCH_* knobs (bench/README.md, "Settings"), read once at start-up. A bad value ends the run at once with
// exit 2: a typo must not silently run the 17-minute default.

export const SCENARIO_IDS = ['ready', 'vllm', 'long', 'dead', 'cold', 'llama'] as const;
export type ScenarioId = (typeof SCENARIO_IDS)[number];

export interface Settings {
  rounds: number;
  readyRounds: number;
  refuseMs: number;
  loadingMs: number;
  jitterMs: number;
  longMs: number;
  longRounds: number;
  longStaggerMs: number;
  peerTimeoutMs: number;
  coldRounds: number;
  only: string[];
  contenders: string[];
}

export function exitWithUsageError(message: string): never {
  console.error(`bench: ${message}`);
  process.exit(2);
}

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    exitWithUsageError(`${name} must be a whole number, got "${raw}"`);
  return value;
}

function listFromEnv(name: string): string[] {
  return (process.env[name] ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

export function readSettings(): Settings {
  const rounds = Math.max(1, intFromEnv('BENCH_ROUNDS', 5));
  const settings: Settings = {
    rounds,
    // Scenario 1 is short, and its figure depends on where in a poller's cycle the server becomes ready (uniform
    // over 250 ms for wait-on): five samples leave its median ±50 ms, so it gets three times the rounds.
    readyRounds: Math.max(1, intFromEnv('BENCH_READY_ROUNDS', rounds * 3)),
    // Scenario 1: the "refuses ~1 s, then 503 loading ~1.5 s".
    refuseMs: intFromEnv('BENCH_REFUSE_MS', 1000),
    loadingMs: intFromEnv('BENCH_LOADING_MS', 1500),
    // Ready moments are moved by a random offset within this span (stratified across rounds): see stratifiedOffsetMs.
    jitterMs: intFromEnv('BENCH_JITTER_MS', 1000),
    // Scenario 2: a long load; the contenders run side by side (one server each), ready moments this far apart.
    longMs: intFromEnv('BENCH_LONG_MS', 60_000),
    longRounds: Math.max(1, intFromEnv('BENCH_LONG_ROUNDS', Math.min(rounds, 3))),
    longStaggerMs: intFromEnv('BENCH_LONG_STAGGER_MS', 2000),
    // Scenario 3: how long the peers wait for a server that is already dead.
    peerTimeoutMs: intFromEnv('BENCH_PEER_TIMEOUT_MS', 10_000),
    // Scenario 4: more rounds, since each is short and start-up time is noisy.
    coldRounds: Math.max(1, intFromEnv('BENCH_COLD_ROUNDS', rounds * 2)),
    only: listFromEnv('BENCH_ONLY'),
    contenders: listFromEnv('BENCH_CONTENDERS'),
  };
  for (const id of settings.only)
    if (!(SCENARIO_IDS as readonly string[]).includes(id))
      exitWithUsageError(`BENCH_ONLY lists "${id}"; scenarios are ${SCENARIO_IDS.join(', ')}`);
  return settings;
}

export function isWanted(settings: Settings, id: ScenarioId): boolean {
  return settings.only.length === 0 || settings.only.includes(id);
}
