import { secondsMs } from './durations.js';
import type { PhaseSignal } from './profile.js';

/** vLLM's start-up, from the durations it prints about itself (the lines' seenAt is where each was seen). */
export const VLLM_PHASES: PhaseSignal[] = [
  {
    phase: 'download',
    pattern: /Time spent downloading weights for .{1,300}: (\d+(?:\.\d+)?) seconds/,
    tookMs: (m) => secondsMs(m[1]),
    sample:
      'INFO 03-01 07:56:47 [weight_utils.py:273] Time spent downloading weights for meta-llama/Llama-3.2-1B: 14.584169 seconds',
    seenAt: 'https://github.com/vllm-project/vllm/pull/14063',
  },
  {
    // Printed by each worker; it includes the download (weights are fetched as the loader first reads them).
    phase: 'weights',
    pattern: /Model loading took \d+(?:\.\d+)? GiB and (\d+(?:\.\d+)?) seconds/,
    tookMs: (m) => secondsMs(m[1]),
    includes: ['download'],
    sample:
      '(VllmWorker rank=4 pid=842) INFO 07-10 12:50:15 [gpu_model_runner.py:1801] Model loading took 1.1187 GiB and 1.258585 seconds',
    seenAt: 'https://github.com/vllm-project/vllm/issues/20783',
  },
  {
    phase: 'weights',
    pattern: /Loading weights took (\d+(?:\.\d+)?) seconds/,
    tookMs: (m) => secondsMs(m[1]),
    sample: 'INFO 04-13 00:58:14 [loader.py:447] Loading weights took 0.73 seconds',
    seenAt: 'https://github.com/vllm-project/vllm/issues/16544',
  },
  {
    phase: 'compile',
    pattern: /torch\.compile takes (\d+(?:\.\d+)?) s in total/,
    tookMs: (m) => secondsMs(m[1]),
    sample:
      '(EngineCore_DP0 pid=774560) INFO 10-30 14:21:06 [monitor.py:34] torch.compile takes 5.71 s in total',
    seenAt: 'https://github.com/vllm-project/speculators/pull/166',
  },
  {
    phase: 'graph-capture',
    pattern: /Graph capturing finished in (\d+(?:\.\d+)?) secs/,
    tookMs: (m) => secondsMs(m[1]),
    sample: 'Graph capturing finished in 15 secs, took 0.33 GiB',
    seenAt: 'https://github.com/vllm-project/vllm/pull/11005',
  },
  {
    // Profiling, the KV cache and the warm-up, which is where torch.compile and graph capture run.
    phase: 'engine-init',
    pattern: /init engine \(profile, create kv cache, warmup model\) took (\d+(?:\.\d+)?) seconds/,
    tookMs: (m) => secondsMs(m[1]),
    includes: ['compile', 'graph-capture'],
    sample:
      '(EngineCore_DP0 pid=181642) [Stage-0] INFO 02-02 18:25:04 [core.py:273] init engine (profile, create kv cache, warmup model) took 2.60 seconds',
    seenAt: 'https://github.com/vllm-project/vllm-omni/pull/1160',
  },
];
