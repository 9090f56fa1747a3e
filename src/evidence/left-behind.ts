import { processesOf } from '../process/listening-sockets.js';
import { processRunning } from '../process/process-group.js';
import { text } from '../text.js';
import type { LeftBehind } from '../types.js';
import { watchContainer } from './container.js';
import { FILE_POLL_MS } from './file-tail.js';
import type { Watch } from './watch.js';

/** `docker run` / `podman run` (also `container run`): a command that may put its server in a container. */
const CONTAINER_RUN = /\b(?:docker|podman)\s+(?:container\s+)?run\b/;
/** `-d`, `--detach`, or `-d` among bundled short flags (`-dit`); `--gpus` and `-e` are not. */
const DETACH_FLAG = /\s(?:--detach|-[a-zA-Z]*d[a-zA-Z]*)(?=\s|$)/;
/** What `docker run -d` prints on stdout: the new container's full id, alone on its line. */
const CONTAINER_ID_LINE = /^[0-9a-f]{64}$/;

/** The container a `docker run -d` start command started, from the id it printed into our log. */
export function detachedContainerId(command: string, logLines: readonly string[]): string | undefined {
  if (!CONTAINER_RUN.test(command) || !DETACH_FLAG.test(command)) return undefined;
  return logLines.findLast((line) => CONTAINER_ID_LINE.test(line.trim()))?.trim();
}

/**
 * What a start command that returned 0 with an empty process group left running: a container (`docker run
 * -d`), or processes that left the group (setsid, `screen -dm`, a daemon's double fork) and still write to
 * its log.
 */
export async function findLeftBehind(
  command: string,
  pgid: number,
  logFile: string | undefined,
  logLines: readonly string[],
): Promise<LeftBehind | undefined> {
  const id = detachedContainerId(command, logLines);
  if (id) return { kind: 'container', id };
  if (!logFile) return undefined;
  const pids = await processesOf({ pgid, logFile });
  return Array.isArray(pids) && pids.length > 0 ? { kind: 'processes', pids } : undefined;
}

/**
 * Watches what was left behind as the start command's server: a container through the container watcher
 * (its state and logs become evidence), processes until the last has gone (`onGone`). Returns the stop.
 */
export function watchLeftBehind(left: LeftBehind, w: Watch, onGone: () => void): () => void {
  if (left.kind === 'container') {
    w.emit({
      kind: 'note',
      atMs: w.at(),
      text: text`The start command ran container ${left.id.slice(0, 12)} in the background (docker run -d) and returned; watching the container, which the post step removes.`,
    });
    return watchContainer(left.id, w).stop;
  }
  w.emit({
    kind: 'note',
    atMs: w.at(),
    text: text`The start command returned (exit code 0), leaving its server outside its process group (setsid or a daemon): pid ${left.pids.slice(0, 5).join(', ')}; watching it, and the post step stops it.`,
  });
  const timer = setInterval(() => {
    if (left.pids.some(processRunning)) return;
    clearInterval(timer);
    onGone();
  }, w.deps.pollMs ?? FILE_POLL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
