import { spawn, type ChildProcess } from 'node:child_process';

export interface BoundedExecOptions {
  /** The command is killed (SIGKILL) when it has not ended this long after the start. */
  timeoutMs: number;
  /** Bytes kept per stream; past them the stream is cut and the command killed. */
  maxBytesPerStream: number;
  /** The command's environment; ours when absent. */
  env?: Record<string, string | undefined>;
}

type Stream = 'stdout' | 'stderr';

export interface BoundedExecResult {
  /** Exit code; null when killed (timeout, output bound) or not started. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** Per stream: output went past the byte bound and was cut there, its last, partial, line dropped. */
  truncated: Record<Stream, boolean>;
  timedOut: boolean;
  /** The spawn error code when the command could not be started at all (ENOENT: not installed). */
  spawnError?: string;
}

/**
 * Runs a command with bounded time and output, and always resolves: a command that is missing, hangs or
 * floods its output is a result to report, never an exception. stdin is closed, so nothing waits on it.
 */
export function boundedExec(
  command: string,
  args: readonly string[],
  options: BoundedExecOptions,
): Promise<BoundedExecResult> {
  return new Promise((resolve) => {
    const output = {
      stdout: new StreamCap(options.maxBytesPerStream),
      stderr: new StreamCap(options.maxBytesPerStream),
    };
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const finish = (exitCode: number | null, spawnError?: string) => {
      // A spawn failure can raise both 'error' and 'close'; the first one counts.
      if (done) return;
      done = true;
      clearTimeout(timer);
      const result: BoundedExecResult = {
        exitCode,
        stdout: output.stdout.text(),
        stderr: output.stderr.text(),
        truncated: { stdout: output.stdout.truncated, stderr: output.stderr.truncated },
        timedOut,
      };
      if (spawnError !== undefined) result.spawnError = spawnError;
      resolve(result);
    };
    let child: ChildProcess;
    try {
      child = spawn(command, args, {
        env: (options.env ?? process.env) as NodeJS.ProcessEnv,
        stdio: ['ignore', 'pipe', 'pipe'],
        windowsHide: true,
      });
    } catch (error) {
      // Invalid arguments (a NUL byte in one) throw before anything runs.
      finish(null, spawnErrorCode(error));
      return;
    }
    timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    for (const stream of ['stdout', 'stderr'] as const) {
      child[stream]?.on('data', (chunk: Buffer) => {
        // What it prints past the bound is never read: it has nothing more to tell us.
        if (!output[stream].keep(chunk)) child.kill('SIGKILL');
      });
    }
    child.on('error', (error) => finish(null, spawnErrorCode(error)));
    child.on('close', (code) => finish(code));
  });
}

function spawnErrorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? 'ESPAWN';
}

/** One stream's output, kept up to a byte bound. */
class StreamCap {
  private readonly chunks: Buffer[] = [];
  private bytes = 0;
  truncated = false;

  constructor(private readonly maxBytes: number) {}

  /** Keeps what fits; false once the bound is passed. */
  keep(chunk: Buffer): boolean {
    if (this.truncated) return false;
    const room = this.maxBytes - this.bytes;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(kept);
    this.bytes += kept.length;
    if (chunk.length > room) this.truncated = true;
    return !this.truncated;
  }

  text(): string {
    const all = Buffer.concat(this.chunks);
    if (!this.truncated) return all.toString('utf8');
    // The cut lands anywhere, even inside a character; up to the last newline every line is whole.
    return all.subarray(0, all.lastIndexOf(0x0a) + 1).toString('utf8');
  }
}
