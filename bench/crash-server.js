// The "dead server" of scenario 3: starts like vLLM, then dies of a CUDA OOM after BENCH_CRASH_AFTER_MS (1 s) and
// exits 1, never listening. Just before exiting it writes its exit moment (performance.timeOrigin +
// performance.now(), the clock the harness uses) to the file named by its first argument.
//
//   node bench/crash-server.js <exit-moment-file>

import { writeFileSync } from 'node:fs';

const exitFile = process.argv[2];
const crashAfterMs = Number(process.env.BENCH_CRASH_AFTER_MS ?? 1000);

process.stdout.write(
  'INFO 11-25 07:00:00 [api_server.py:1090] vLLM API server version 0.11.0\n' +
    'INFO 11-25 07:00:00 [__init__.py:244] Automatically detected platform cuda.\n' +
    'INFO 11-25 07:00:01 [gpu_model_runner.py:1953] Starting to load model Qwen/Qwen2.5-7B-Instruct...\n',
);

setTimeout(() => {
  process.stdout.write(
    'ERROR 11-25 07:00:02 [core.py:700] EngineCore failed to start.\n' +
      'Traceback (most recent call last):\n' +
      '  File "/usr/local/lib/python3.12/dist-packages/vllm/v1/worker/gpu_model_runner.py", line 1980, in load_model\n' +
      'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 14.74 GiB of which 1.02 GiB is free.\n',
  );
  if (exitFile) writeFileSync(exitFile, String(performance.timeOrigin + performance.now()));
  process.exit(1);
}, crashAfterMs);
