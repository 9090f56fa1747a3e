import type { ServerKind } from '../causes.js';
import type { Evidence, LeftBehind } from '../types.js';

export interface SupervisorDeps {
  env: Record<string, string | undefined>;
  now: () => number;
  /** Where to put the server log: RUNNER_TEMP on a runner. */
  tempDir?: string;
  /** How often to look at log files (FILE_POLL_MS). */
  pollMs?: number;
  /** How often to look at a container (CONTAINER_POLL_MS). */
  containerPollMs?: number;
  /** The start command returned, leaving its server outside its group: remember it for the post step at once. */
  onLeftBehind?: (left: LeftBehind) => void;
  /** Each line of the server's own output as it is read, raw, with where it came from. */
  onLine?: (source: string, line: string) => void;
  /** `container` not given: ports (of loopback endpoints) whose publishing container is read as evidence. */
  discoverPorts?: number[];
}

export type Emit = (ev: Evidence) => void;

/** What each evidence source is handed by startSources: where its evidence goes, and the run's clock. */
export interface Watch {
  /** Milliseconds since the sources started. */
  at: () => number;
  emit: Emit;
  /** A log line says the server is ready: look now rather than at the next poll. */
  ready: () => void;
  kind: ServerKind | undefined;
  deps: SupervisorDeps;
}
