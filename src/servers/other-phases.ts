import { goDurationMs, secondsMs, timedeltaMs } from './durations.js';
import type { PhaseSignal } from './profile.js';

// The start-up lines of SGLang, TGI, llama.cpp and Ollama (seenAt: where each line was seen).

export const SGLANG_PHASES: PhaseSignal[] = [
  {
    phase: 'weights',
    pattern: /Load weight begin\. avail mem=/,
    sample: '[2025-10-16 09:06:10 TP0] Load weight begin. avail mem=137.34 GB',
    seenAt: 'https://github.com/sgl-project/sglang/pull/11716',
  },
  {
    phase: 'weights',
    pattern: /Load weight end\. /,
    sample:
      '[2025-03-29 18:18:34 TP0] Load weight end. type=Gemma3ForConditionalGeneration, dtype=torch.bfloat16, avail mem=3.64 GB, mem usage=18.82 GB.',
    seenAt: 'https://github.com/sgl-project/sglang/issues/4895',
  },
  {
    phase: 'graph-capture',
    pattern: /Capture (?:draft )?cuda graph end\. Time elapsed: (\d+(?:\.\d+)?) s/,
    tookMs: (m) => secondsMs(m[1]),
    combine: 'sum',
    sample:
      '[2025-09-05 20:48:29 TP0] Capture cuda graph end. Time elapsed: 12.11 s. mem usage=0.54 GB. avail mem=16.74 GB.',
    seenAt: 'https://github.com/sgl-project/sglang/issues/10088',
  },
];

export const TGI_PHASES: PhaseSignal[] = [
  {
    phase: 'download',
    pattern: /Downloaded \S{1,400} in (\d+:\d\d:\d\d(?:\.\d+)?)\./,
    tookMs: (m) => timedeltaMs(m[1]),
    combine: 'sum',
    sample:
      '2024-04-30T21:50:05.764569Z  INFO text_generation_launcher: Downloaded /data/models--mistralai--Mixtral-8x7B-Instruct-v0.1/snapshots/1e637f2d7cb0a9d6fb1922f305cb784995190a83/model-00008-of-00019.safetensors in 0:00:03.',
    seenAt: 'https://github.com/huggingface/text-generation-inference/issues/1838',
  },
  {
    phase: 'weights',
    pattern: /Shard ready in (\S+?s)\b/,
    tookMs: (m) => goDurationMs(m[1]),
    sample:
      '2024-03-04T16:38:09.496633Z INFO shard-manager: text_generation_launcher: Shard ready in 22.918174777s rank=0',
    seenAt: 'https://github.com/huggingface/text-generation-inference/blob/main/launcher/src/main.rs',
  },
];

export const LLAMA_CPP_PHASES: PhaseSignal[] = [
  {
    phase: 'weights',
    pattern: /load_model: loading model '/,
    sample:
      "srv    load_model: loading model 'C:\\Users\\lavan\\win-x64\\External\\Models\\phi-3.5-mini-instruct.gguf'",
    seenAt: 'https://github.com/ggml-org/llama.cpp/issues/18546',
  },
  {
    phase: 'weights',
    pattern: /main: model loaded$/,
    sample: 'main: model loaded',
    seenAt: 'https://github.com/ggml-org/llama.cpp/blob/master/tools/server/server.cpp',
  },
];

export const OLLAMA_PHASES: PhaseSignal[] = [
  {
    phase: 'weights',
    pattern: /llama runner started in (\d+(?:\.\d+)?) seconds/,
    tookMs: (m) => secondsMs(m[1]),
    sample:
      'time=2026-02-02T12:29:02.735Z level=INFO source=server.go:1339 msg="llama runner started in 29.96 seconds"',
    seenAt: 'https://github.com/ollama/ollama/issues/14028',
  },
  {
    // Gin's access log line for a pull, with the time the whole request took (the line's format as in the
    // issue; the duration is Go's time.Duration, printed as Gin prints it).
    phase: 'pull',
    pattern: /\[GIN\] .{0,40}\| \d{3} \|\s+(\S+)\s+\|[^|]{0,60}\| POST\s+"\/api\/pull"/,
    tookMs: (m) => goDurationMs(m[1]),
    combine: 'sum',
    sample: '[GIN] 2024/05/27 - 12:40:11 | 200 | 1m3.204520189s |       127.0.0.1 | POST     "/api/pull"',
    seenAt: 'https://github.com/ollama/ollama/issues/630',
  },
];
