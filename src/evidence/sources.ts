import type { Config } from '../config/schema.js';
import type { Evidence } from '../types.js';
import { watchContainer } from './container.js';
import { discoverContainer, discoveryNote } from './container-discovery.js';
import { FILE_POLL_MS, tailFile } from './file-tail.js';
import { text } from '../text.js';
import { LogReader } from './log-reader.js';
import { startCommand } from './start-command.js';
import type { Emit, SupervisorDeps, Watch } from './watch.js';

/** Everything that feeds evidence besides our own HTTP requests: a started process, a log file, a container. */
export interface EvidenceSources {
  subscribe(onEvidence: (ev: Evidence) => void, onReadyHint: () => void): () => void;
  /** The last lines of each log we read, raw and bounded (the edge redacts them). */
  tails(): Array<{ source: string; lines: string[] }>;
  /** Where the output of a started server goes. */
  logFile?: string;
  /** The started shell's pid, which is also its process group id (spawned detached). */
  startedPid?: number;
  /** Stops watching (timers, readers). Never stops the server: it must outlive the step. */
  close(): Promise<void>;
}

/**
 * Starts every source the config names, and fans their evidence in: a subscriber gets what came before it
 * subscribed (the backlog), then each new item as it comes.
 */
export function startSources(config: Config, deps: SupervisorDeps): EvidenceSources {
  const hub = evidenceHub(config, deps);
  const readers: Array<{ source: string; reader: LogReader }> = [];
  const stops: Array<() => void> = [];
  let logFile: string | undefined;
  let startedPid: number | undefined;

  if (config.start) {
    const started = startCommand(config.start, hub.watch, config.shell);
    readers.push({ source: 'server log', reader: started.reader });
    stops.push(started.stop);
    logFile = started.logFile;
    startedPid = started.pid;
  }
  if (config.logFile) {
    const tailed = tailLogFile(config.logFile, hub.watch);
    readers.push({ source: config.logFile, reader: tailed.reader });
    stops.push(tailed.stop);
  }
  if (config.container) {
    const watcher = watchContainer(config.container, hub.watch);
    readers.push({ source: watcher.source, reader: watcher.reader });
    stops.push(watcher.stop);
  }

  const addReader = (source: string, reader: LogReader) => {
    readers.push({ source, reader });
    const onLine = deps.onLine;
    if (onLine) reader.onLine = (line) => onLine(source, line);
  };
  for (const { source, reader } of readers.splice(0)) addReader(source, reader);
  let closed = false;
  if (!config.container) {
    for (const port of new Set(deps.discoverPorts ?? [])) {
      void discoverContainer(port, deps.env).then((found) => {
        if (closed || found.kind === 'none') return;
        hub.watch.emit(discoveryNote(found, hub.watch.at()));
        if (found.kind !== 'found') return;
        const watcher = watchContainer(found.name, hub.watch);
        addReader(watcher.source, watcher.reader);
        stops.push(watcher.stop);
      });
    }
  }
  const sources: EvidenceSources = {
    subscribe: hub.subscribe,
    tails: () => readers.map(({ source, reader }) => ({ source, lines: reader.tail() })),
    async close() {
      closed = true;
      for (const stop of stops) stop();
      stops.length = 0;
      for (const { reader } of readers) reader.flush();
    },
  };
  if (logFile) sources.logFile = logFile;
  if (startedPid !== undefined) sources.startedPid = startedPid;
  return sources;
}

/** Where the sources' evidence goes: every subscriber, and a backlog for those who subscribe later. */
function evidenceHub(config: Config, deps: SupervisorDeps) {
  const startedAt = deps.now();
  const listeners = new Set<{ onEvidence: Emit; onReadyHint: () => void }>();
  const backlog: Evidence[] = [];
  const watch: Watch = {
    at: () => Math.round(deps.now() - startedAt),
    emit: (ev) => {
      backlog.push(ev);
      for (const l of listeners) l.onEvidence(ev);
    },
    ready: () => {
      for (const l of listeners) l.onReadyHint();
    },
    kind: config.server === 'auto' ? undefined : config.server,
    deps,
  };
  const subscribe: EvidenceSources['subscribe'] = (onEvidence, onReadyHint) => {
    const listener = { onEvidence, onReadyHint };
    listeners.add(listener);
    for (const ev of backlog) onEvidence(ev);
    return () => listeners.delete(listener);
  };
  return { watch, subscribe };
}

/** `log-file`: a log someone else writes, read from its last LOG_TAIL_BYTES on; it may appear later. */
function tailLogFile(path: string, w: Watch) {
  const reader = new LogReader(path, w.kind, w.emit, w.ready, w.at);
  const tailer = tailFile(path, reader, 'tail', w.deps.pollMs ?? FILE_POLL_MS);
  if (!tailer.exists()) {
    w.emit({
      kind: 'note',
      atMs: w.at(),
      text: text`log-file ${path} does not exist (yet); it is read as soon as it appears`,
    });
  }
  const stop = () => {
    tailer.readNow();
    tailer.stop();
  };
  return { reader, stop };
}
