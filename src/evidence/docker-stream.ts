import { spawn } from 'node:child_process';
import { LOG_LINE_KEEP_CHARS } from '../limits.js';

/** How a long-running docker CLI call ended; `spawnError` when it never ran (ENOENT: no docker CLI). */
export interface DockerStreamEnd {
  exitCode: number | null;
  /** The last line it wrote to stderr: the CLI's own words when it failed. */
  lastStderrLine: string;
  spawnError?: string;
}

export interface DockerStream {
  /** Resolves once, when the call has ended (or was stopped). */
  ended: Promise<DockerStreamEnd>;
  stop(): void;
}

/** A line longer than this is cut there: a writer that never prints a newline must not grow our buffer. */
const PARTIAL_LINE_MAX_CHARS = LOG_LINE_KEEP_CHARS * 2;

/**
 * A docker CLI call that runs until it is stopped (`logs --follow`, `events`), read line by line as it
 * prints. Bounded in what it holds (one partial line per stream) and in life: `stop` ends it, and it never
 * keeps our process alive.
 */
export function streamDocker(
  args: readonly string[],
  env: Record<string, string | undefined>,
  onLine: (stream: 'stdout' | 'stderr', line: string) => void,
): DockerStream {
  let resolveEnded!: (end: DockerStreamEnd) => void;
  const ended = new Promise<DockerStreamEnd>((resolve) => (resolveEnded = resolve));
  let lastStderrLine = '';
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn('docker', args, { env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    resolveEnded({ exitCode: null, lastStderrLine, spawnError: errorCode(error) });
    return { ended, stop: () => {} };
  }
  for (const stream of ['stdout', 'stderr'] as const) {
    let partial = '';
    const pipe = child[stream]!;
    pipe.setEncoding('utf8');
    pipe.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      if (partial.length > PARTIAL_LINE_MAX_CHARS) {
        lines.push(partial.slice(0, PARTIAL_LINE_MAX_CHARS));
        partial = '';
      }
      for (const line of lines) {
        if (stream === 'stderr' && line.trim()) lastStderrLine = line.trim();
        onLine(stream, line);
      }
    });
    pipe.on('end', () => {
      if (partial) onLine(stream, partial);
      partial = '';
    });
  }
  child.on('error', (error) =>
    resolveEnded({ exitCode: null, lastStderrLine, spawnError: errorCode(error) }),
  );
  // 'close', not 'exit': every line it printed has been read by then.
  child.on('close', (code) => resolveEnded({ exitCode: code, lastStderrLine }));
  child.unref();
  for (const pipe of [child.stdout, child.stderr]) (pipe as unknown as { unref?: () => void })?.unref?.();
  return { ended, stop: () => child.kill('SIGTERM') };
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException)?.code ?? (error instanceof Error ? error.message : String(error));
}
