import { describe, expect, it } from 'vitest';
import type { ServerKind } from '../../src/causes.js';
import { LOG_LINE_KEEP_CHARS, LOG_LINE_MAX_CHARS, LOG_RING_LINES } from '../../src/limits.js';
import { cleanLogLine, LOG_EVIDENCE_MAX_LINES, LogReader } from '../../src/evidence/log-reader.js';
import { defangCommands, inertLine, shownLogLine } from '../../src/report/text.js';
import { createRedactor, redactValue } from '../../src/redact.js';
import type { Evidence } from '../../src/types.js';

type LogEvidence = Extract<Evidence, { kind: 'log' }>;

const redact = createRedactor(['my-api-key-123']);

function reader(kind?: ServerKind) {
  const evidence: LogEvidence[] = [];
  let readyHints = 0;
  const r = new LogReader(
    'server log',
    kind,
    (ev) => evidence.push(ev as LogEvidence),
    () => readyHints++,
    () => 0,
  );
  return { r, evidence, readyHints: () => readyHints };
}

/** The cause the wait settles on: the first fatal line, as diagnose.settle reads it. */
const settledCause = (evidence: LogEvidence[]) => evidence.find((e) => e.fatal)?.cause;

describe('cleanLogLine', () => {
  it.each([
    {
      name: 'colour codes',
      raw: '\x1b[1;31mERROR\x1b[0m CUDA out of memory',
      clean: 'ERROR CUDA out of memory',
    },
    {
      name: 'an OSC hyperlink',
      raw: 'see \x1b]8;;https://example.com\x07the docs\x1b]8;;\x07 now',
      clean: 'see the docs now',
    },
    {
      name: 'a carriage-return progress bar keeps its last frame',
      raw: 'Loading:  10%|#\rLoading:  50%|#####\rLoading: 100%|##########\r',
      clean: 'Loading: 100%|##########',
    },
    { name: 'stray control characters', raw: 'a\x07b\x00c\x1bd', clean: 'abcd' },
    { name: 'a tab stays', raw: '\tFile "x.py", line 1', clean: '\tFile "x.py", line 1' },
    {
      name: 'a Hugging Face token',
      raw: 'token=hf_AbCdEfGhIjKlMnOpQrStUv used',
      clean: expect.not.stringContaining('AbCdEfGh'),
    },
    {
      name: 'a bearer token',
      raw: 'Authorization: Bearer abcdefghijklmnop123',
      clean: expect.not.stringContaining('abcdefghijklmnop'),
    },
    {
      name: 'an sk- key',
      raw: 'key sk-proj-abcdefghijklmnopqrstuvwx',
      clean: expect.not.stringContaining('abcdefghijkl'),
    },
    {
      name: 'URL userinfo',
      raw: 'GET https://alice:s3cr3tpass@example.com/m',
      clean: expect.not.stringContaining('s3cr3tpass'),
    },
    {
      name: 'the api-key itself',
      raw: 'started with --api-key my-api-key-123',
      clean: expect.not.stringContaining('my-api-key-123'),
    },
  ])('$name', ({ raw, clean }) => {
    // As it leaves the process: cleaned where it is read, redacted and cut at the edge.
    expect(shownLogLine(cleanLogLine(raw), redact)).toEqual(clean);
  });

  it('keeps the secret inside (signatures match raw lines), and the edge masks it', () => {
    expect(cleanLogLine('started with --api-key my-api-key-123')).toContain('my-api-key-123');
  });

  it('caps the length, and masks a secret before the cut so no part of it shows', () => {
    const token = 'hf_' + 'A'.repeat(40);
    const line = 'x'.repeat(LOG_LINE_MAX_CHARS - 5) + token;
    const clean = shownLogLine(cleanLogLine(line), redact);
    expect(clean.length).toBeLessThanOrEqual(LOG_LINE_MAX_CHARS + 1);
    expect(clean).not.toContain('hf_AAAA');
    expect(shownLogLine(cleanLogLine('y'.repeat(LOG_LINE_MAX_CHARS * 3)), redact)).toHaveLength(
      LOG_LINE_MAX_CHARS + 1,
    );
  });

  it('a secret straddling the cut where the line is kept never shows its first half (the JSON report keeps it whole)', () => {
    const secret = 'my-api-key-123';
    for (let at = 1; at < secret.length; at++) {
      const line = 'x'.repeat(LOG_LINE_KEEP_CHARS - at) + secret + ' tail';
      const kept = cleanLogLine(line);
      expect(kept.endsWith(secret.slice(0, at) + '…')).toBe(true);
      expect(redactValue(kept, redact)).not.toContain(secret.slice(0, at));
    }
  });
});

describe('defangCommands', () => {
  it.each([
    '::error::pwned',
    '  ::set-output name=ready::true',
    '::add-mask::x',
    'text ##[error]legacy pwned',
    '##[set-output name=ready;]true',
  ])('%s is no longer a workflow command', (line) => {
    const safe = defangCommands(line);
    expect(safe.trimStart().startsWith('::')).toBe(false);
    expect(safe).not.toContain('##[');
    // It still reads the same.
    expect(safe.replace(/\u200b/g, '')).toBe(line);
  });

  it('leaves ordinary lines alone', () => {
    const line = 'INFO 11-23 10:00:00 [api_server.py:1839] ready: http://host:8000/v1::models';
    expect(defangCommands(line)).toBe(line);
  });
});

describe('LogReader', () => {
  it('joins lines split across chunks and holds a partial line until its newline or flush', () => {
    const { r } = reader();
    r.push('first li');
    r.push('ne\nsecond');
    expect(r.tail()).toEqual(['first line']);
    r.push(' line\nthird');
    expect(r.tail()).toEqual(['first line', 'second line']);
    r.flush();
    expect(r.tail()).toEqual(['first line', 'second line', 'third']);
  });

  it('keeps the last LOG_RING_LINES lines only', () => {
    const { r } = reader();
    r.push(Array.from({ length: LOG_RING_LINES + 50 }, (_, i) => `line ${i}`).join('\n') + '\n');
    expect(r.tail()).toHaveLength(LOG_RING_LINES);
    expect(r.tail()[0]).toBe('line 50');
  });

  it('bounds a line that never ends', () => {
    const { r } = reader();
    for (let i = 0; i < 20; i++) r.push('z'.repeat(1000));
    expect(r.tail().length).toBeGreaterThan(0);
    for (const line of r.tail()) expect(line.length).toBeLessThanOrEqual(LOG_LINE_KEEP_CHARS + 1);
  });

  it('turns at most LOG_EVIDENCE_MAX_LINES matching lines of a crash loop into evidence', () => {
    const { r, evidence } = reader('vllm');
    r.push('OSError: [Errno 98] Address already in use\n'.repeat(LOG_EVIDENCE_MAX_LINES * 3));
    expect(evidence).toHaveLength(LOG_EVIDENCE_MAX_LINES);
    expect(evidence[0]).toMatchObject({ cause: 'port-in-use', fatal: true, source: 'server log' });
  });

  it('drops the half line it lands in after a jump', () => {
    const { r } = reader();
    r.skipToNextLine();
    r.push('of a line cut in two\nwhole line\n');
    expect(r.tail()).toEqual(['whole line']);
  });

  it('calls onReady for a ready line', () => {
    const { r, readyHints, evidence } = reader('vllm');
    r.push('INFO:     Waiting for application startup.\n');
    expect(readyHints()).toBe(0);
    r.push('INFO:     Application startup complete.\n');
    expect(readyHints()).toBe(1);
    expect(evidence).toEqual([]);
  });

  it('keeps lines raw for matching, and every line it keeps or quotes leaves redacted and defanged', () => {
    const { r, evidence } = reader();
    r.push(
      '::error::pwned\n##[set-output name=ready;]true\n' +
        'torch.OutOfMemoryError: CUDA out of memory, HF_TOKEN=hf_AbCdEfGhIjKlMnOpQrStUv\n',
    );
    expect(r.tail().join('\n')).toContain('AbCdEfGh');
    // What the edge makes of them (report/present.ts, then one inert line per printed line).
    const shown = [...r.tail(), ...evidence.map((e) => e.line)].map((l) =>
      inertLine(shownLogLine(l, redact)),
    );
    for (const line of shown) {
      expect(line.trimStart().startsWith('::')).toBe(false);
      expect(line).not.toContain('##[');
      expect(line).not.toContain('AbCdEfGh');
    }
    expect(evidence[0]?.cause).toBe('out-of-memory');
  });

  it('holds a generic line back so a specific line after it decides, and releases it on flush', () => {
    const { r, evidence } = reader('tgi');
    r.push('ERROR download: text_generation_launcher: Download encountered an error:\n');
    expect(evidence).toEqual([]);
    r.flush();
    expect(evidence).toMatchObject([{ cause: 'model-download-failed', fatal: true }]);
  });

  // Real multi-line output: the cause must be the root cause, whatever order the wrapper lines come in.
  it.each([
    {
      name: 'vLLM gated: GatedRepoError, then "Invalid repository ID", then the engine wrapper',
      kind: 'vllm' as const,
      lines: [
        'huggingface_hub.errors.GatedRepoError: 401 Client Error. (Request ID: Root=1-6741a2b3-0123456789abcdef)',
        'Cannot access gated repo for url https://huggingface.co/meta-llama/Llama-3.2-1B/resolve/main/config.json.',
        'The above exception was the direct cause of the following exception:',
        "ValueError: Invalid repository ID or local directory specified: 'meta-llama/Llama-3.2-1B'.",
        'RuntimeError: Engine core initialization failed. See root cause above. Failed core proc(s): {}',
      ],
      cause: 'gated-model',
    },
    {
      name: 'vLLM typo: only the "Invalid repository ID" wrapper',
      kind: 'vllm' as const,
      lines: ["ValueError: Invalid repository ID or local directory specified: 'Qwen/Qwen2.5-0.5B-Instruc'."],
      cause: 'model-download-failed',
    },
    {
      name: 'vLLM OOM in the engine, then the engine wrapper',
      kind: 'vllm' as const,
      lines: [
        '(EngineCore_DP0 pid=2) ERROR [core.py:708] EngineCore failed to start.',
        'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB.',
        'RuntimeError: Engine core initialization failed. See root cause above. Failed core proc(s): {}',
      ],
      cause: 'out-of-memory',
    },
    {
      name: 'TGI: the download wrapper first, the gated traceback after it',
      kind: 'tgi' as const,
      lines: [
        'ERROR download: text_generation_launcher: Download encountered an error:',
        'huggingface_hub.errors.GatedRepoError: 401 Client Error.',
        'Error: DownloadError',
      ],
      cause: 'gated-model',
    },
    {
      name: 'llama.cpp: a missing GGUF file, then the load wrappers',
      kind: 'llamacpp' as const,
      lines: [
        "gguf_init_from_file: failed to open GGUF file 'models/missing.gguf'",
        'llama_model_load: error loading model: llama_model_loader: failed to load model from models/missing.gguf',
        'llama_model_load_from_file_impl: failed to load model',
        'main: exiting due to model loading error',
      ],
      cause: 'model-download-failed',
    },
    {
      name: 'llama.cpp: a busy port, then "exiting due to HTTP server error"',
      kind: 'llamacpp' as const,
      lines: [
        "couldn't bind HTTP server socket, hostname: 127.0.0.1, port: 8080",
        'main: exiting due to HTTP server error',
      ],
      cause: 'port-in-use',
    },
    {
      name: 'SGLang: the warmup wrapper, then the proxy answer',
      kind: 'sglang' as const,
      lines: ['Initialization failed. warmup error: ', "AssertionError: res=<Response [502]>, res.text=''"],
      cause: 'proxy-intercept',
    },
  ])('$name', ({ kind, lines, cause }) => {
    // Once in one chunk, and once line by line, as two reads of a growing file would see it.
    for (const chunks of [[lines.join('\n') + '\n'], lines.map((l) => l + '\n')]) {
      const { r, evidence } = reader(kind);
      for (const chunk of chunks) r.push(chunk);
      r.flush();
      expect(settledCause(evidence)).toBe(cause);
      // The wrappers stay as context but decide nothing.
      expect(evidence.filter((e) => e.fatal).map((e) => e.cause)).toEqual(
        evidence.filter((e) => e.fatal).map(() => cause),
      );
    }
  });
});
