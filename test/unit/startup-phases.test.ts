import { describe, expect, it } from 'vitest';
import type { ServerKind } from '../../src/causes.js';
import { LogReader } from '../../src/evidence/log-reader.js';
import { startupSection } from '../../src/report/markdown-sections.js';
import { goDurationMs, secondsMs, timedeltaMs } from '../../src/servers/durations.js';
import { PROFILES } from '../../src/servers/index.js';
import { matchPhaseLine, startupOutput, startupProfile } from '../../src/servers/phases.js';
import type { Evidence } from '../../src/types.js';

/** Every phase row of every server profile, with its real line and where that line was seen. */
const ROWS = Object.values(PROFILES).flatMap((p) =>
  (p.startupPhases ?? []).map((signal) => ({
    kind: p.kind,
    signal,
    name: `${p.kind} ${signal.phase}: ${signal.sample}`,
  })),
);

/** Lines as the log reader turns them into evidence, each arriving `gapMs` after the one before. */
function readLines(kind: ServerKind, lines: string[], gapMs = 1000): Evidence[] {
  const evidence: Evidence[] = [];
  let at = 0;
  const reader = new LogReader(
    'server log',
    kind,
    (ev) => evidence.push(ev),
    () => {},
    () => at,
  );
  for (const line of lines) {
    reader.push(line + '\n');
    at += gapMs;
  }
  reader.flush();
  return evidence;
}

describe('start-up phase rows, on the real lines they were written from', () => {
  it('every server the issue names has rows, each with a source', () => {
    for (const kind of ['vllm', 'sglang', 'tgi', 'llamacpp', 'ollama'] as const)
      expect(PROFILES[kind].startupPhases?.length).toBeGreaterThan(0);
    for (const { signal } of ROWS)
      expect(signal.seenAt).toMatch(/^https:\/\/github\.com\/[\w.-]+\/[\w.-]+\//);
  });

  it.each(ROWS)('$name', ({ kind, signal }) => {
    const matched = matchPhaseLine(signal.sample, kind);
    expect(matched?.phase).toBe(signal.phase);
    if (signal.tookMs) expect(matched?.tookMs).toBeGreaterThan(0);
    const [phase] = readLines(kind, [signal.sample]).filter((e) => e.kind === 'phase');
    expect(phase).toMatchObject({ kind: 'phase', phase: signal.phase, line: signal.sample });
  });

  it('reads the durations servers print', () => {
    expect(secondsMs('14.584169')).toBe(14584);
    expect(goDurationMs('22.918174777s')).toBe(22918);
    expect(goDurationMs('1m3.204520189s')).toBe(63205);
    expect(goDurationMs('36.185µs')).toBe(0);
    expect(goDurationMs('soon')).toBeUndefined();
    expect(timedeltaMs('0:00:03')).toBe(3000);
    expect(timedeltaMs('1:02:03.5')).toBe(3_723_500);
  });

  it('ordinary lines mark no phase', () => {
    for (const line of [
      'INFO:     Application startup complete.',
      'Loading weights took ages',
      'main: model loaded slowly',
    ])
      expect(matchPhaseLine(line, undefined)).toBeUndefined();
  });
});

/** A vLLM 0.11 cold start on a fresh runner, the lines as vLLM prints them, against a 2 min 10 s wait. */
const VLLM_COLD_START = [
  '(EngineCore_DP0 pid=311) INFO 11-23 10:00:05 [weight_utils.py:273] Time spent downloading weights for Qwen/Qwen2.5-7B-Instruct: 61.584169 seconds',
  '(EngineCore_DP0 pid=311) INFO 11-23 10:01:09 [default_loader.py:272] Loading weights took 3.38 seconds',
  '(EngineCore_DP0 pid=311) INFO 11-23 10:01:09 [gpu_model_runner.py:1801] Model loading took 14.2488 GiB and 66.129850 seconds',
  '(EngineCore_DP0 pid=311) INFO 11-23 10:01:31 [monitor.py:34] torch.compile takes 21.44 s in total',
  '(EngineCore_DP0 pid=311) INFO 11-23 10:01:46 [gpu_model_runner.py:2721] Graph capturing finished in 15 secs, took 0.33 GiB',
  '(EngineCore_DP0 pid=311) INFO 11-23 10:01:47 [core.py:273] init engine (profile, create kv cache, warmup model) took 41.76 seconds',
];

describe('the start-up profile', () => {
  it('a vLLM cold start: phases that add up, containers counting only their rest, and the cache hints', () => {
    const profile = startupProfile(readLines('vllm', VLLM_COLD_START), 130_000, 'vllm')!;
    expect(startupOutput(profile)).toEqual({
      download: 61584,
      weights: 4546, // model loading 66 130 ms, less the download inside it
      compile: 21440,
      'graph-capture': 15000,
      'engine-init': 5320, // 41 760 ms, less torch.compile and graph capture, which it runs
      other: 22110,
    });
    expect(profile.rows.every((r) => r.measured === 'printed')).toBe(true);
    expect(profile.rows.find((r) => r.phase === 'download')?.share).toBeCloseTo(0.474, 3);
    const section = startupSection(profile)!.join('\n');
    expect(section).toContain('| weights download | 1 min 2 s | 47% |');
    expect(section).toContain('| other (process start, imports, HTTP server, checks) | 22 s | 17% |');
    expect(section).toContain('cache the Hugging Face hub directory');
    expect(section).toContain('torch\\_compile\\_cache');
  });

  it('tensor-parallel workers print the same step once each: the longest counts, not the sum', () => {
    const lines = [0.43, 0.42, 0.45].map(
      (s, rank) =>
        `(VllmWorker rank=${rank} pid=${840 + rank}) INFO 07-10 12:50:15 [default_loader.py:272] Loading weights took ${s} seconds`,
    );
    expect(startupOutput(startupProfile(readLines('vllm', lines), 10_000, 'vllm'))).toMatchObject({
      weights: 450,
    });
  });

  it("TGI's one download line per file add up", () => {
    const lines = [3, 4].map(
      (s, i) =>
        `2024-04-30T21:50:05.764569Z  INFO text_generation_launcher: Downloaded /data/models--m/snapshots/1e63/model-0000${i + 1}-of-00002.safetensors in 0:00:0${s}.`,
    );
    expect(startupOutput(startupProfile(readLines('tgi', lines), 60_000, 'tgi'))).toMatchObject({
      download: 7000,
    });
  });

  it('llama.cpp prints no duration: its model loading lasts from its first line to its last, on our clock', () => {
    const lines = [
      "srv    load_model: loading model '/models/qwen2.5-0.5b-instruct-q4_k_m.gguf'",
      'main: model loaded',
    ];
    const profile = startupProfile(readLines('llamacpp', lines, 2500), 10_000, 'llamacpp')!;
    expect(profile.rows).toEqual([
      expect.objectContaining({ phase: 'weights', ms: 2500, measured: 'our-clock' }),
    ]);
  });

  it('an Ollama pull the action made counts from its first progress to its last', () => {
    const pull = (atMs: number, status: string): Evidence => ({
      kind: 'pull',
      atMs,
      model: 'llama3.2:1b',
      status,
    });
    const profile = startupProfile(
      [pull(1000, 'pulling manifest'), pull(41_000, 'success')],
      45_000,
      'ollama',
    )!;
    expect(profile.rows).toEqual([
      expect.objectContaining({
        phase: 'pull',
        ms: 40_000,
        avoid: expect.stringContaining('~/.ollama/models'),
      }),
    ]);
  });

  it('no phase line, no profile', () => {
    expect(
      startupProfile(readLines('vllm', ['INFO:     Application startup complete.']), 5000, 'vllm'),
    ).toBeUndefined();
    expect(startupOutput(undefined)).toEqual({});
  });
});
