import type { Config } from '../config/schema.js';
import { preflight } from './preflight.js';
import { secretsOf } from '../config/secrets.js';
import { ours, text } from '../text.js';
import type { Reporter } from '../report/reporter.js';
import { startSources } from '../evidence/sources.js';
import { isLoopbackHost } from '../net/hosts.js';
import { PORT_CHECK_TIMEOUT_MS } from '../limits.js';
import { isListening } from '../net/port-check.js';
import type { PreflightResult } from '../types.js';

export interface RunOptions {
  env: Record<string, string | undefined>;
  signal?: AbortSignal;
  demo?: boolean;
}

/**
 * The shared run for the action and the CLI: mask, start or watch the server, wait, report. The reporter is
 * the only side effect; the server started by `start` is left running for the job.
 */
export async function runPreflight(
  config: Config,
  reporter: Reporter,
  options: RunOptions,
): Promise<PreflightResult> {
  reporter.maskSecrets(secretsOf(config));
  const targets = config.endpoints.map((e) => e.apiBase).join(', ');
  const now = () => performance.now();
  const busyBeforeStart = config.start ? await portsAlreadyTaken(config) : [];
  // Without `start` or `container`, the container publishing a loopback endpoint's port is evidence too.
  const discoverPorts = config.start || config.container ? [] : loopbackPorts(config);
  const sources =
    config.start || config.logFile || config.container || discoverPorts.length
      ? startSources(config, {
          env: options.env,
          now,
          onLeftBehind: (left) => reporter.serverLeftBehind(left),
          onLine: (source, line) => reporter.serverLine?.(source, line),
          discoverPorts,
        })
      : undefined;
  if (sources?.startedPid !== undefined) reporter.serverStarted(sources.startedPid, sources.logFile);
  // The log path goes out first thing, so it is in the job log even if the step is cancelled or killed.
  reporter.begin(
    text`${ours(options.demo ? '[demo] ' : '')}Waiting up to ${Math.round(config.timeoutMs / 1000)} s for ${targets}${
      config.models.length ? text` to serve ${config.models.join(', ')}` : text``
    }${
      config.start
        ? text` (starting: ${config.start}${sources?.logFile ? text`; its output goes to ${sources.logFile}` : text``})`
        : text``
    }`,
  );
  try {
    const deps = {
      env: options.env,
      now,
      onProgress: (p: Parameters<Reporter['progress']>[0]) =>
        reporter.progress({ ...p, timeoutMs: config.timeoutMs }),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(sources ? { sources } : {}),
      ...(busyBeforeStart.length ? { busyBeforeStart } : {}),
    };
    const result = await preflight(config, deps);
    if (sources?.startedPid !== undefined) result.startedPid = sources.startedPid;
    if (sources?.logFile) result.logFile = sources.logFile;
    if (options.demo) result.demo = true;
    await sources?.close();
    const extras = {
      tails: sources?.tails() ?? [],
      exportEnv: config.exportEnv,
      ...(sources?.logFile ? { logFile: sources.logFile } : {}),
    };
    await reporter.finish(result, extras);
    return result;
  } finally {
    await sources?.close();
  }
}

/** Loopback endpoints whose port already answers before `start` runs (host:port). */
async function portsAlreadyTaken(config: Config): Promise<string[]> {
  const local = config.endpoints.filter((e) => isLoopbackHost(e.host));
  const taken = await Promise.all(local.map((e) => isListening(e.host, e.port, PORT_CHECK_TIMEOUT_MS)));
  return local.filter((_, i) => taken[i]).map((e) => `${e.host}:${e.port}`);
}

function loopbackPorts(config: Config): number[] {
  return config.endpoints.filter((e) => isLoopbackHost(e.host)).map((e) => e.port);
}
