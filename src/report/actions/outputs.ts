import { MODELS_OUTPUT_MAX_BYTES } from '../../limits.js';
import type { ShownExtras, ShownResult } from '../present.js';
import * as core from '../runner/runner-commands.js';
import { startupOutput } from '../../servers/phases.js';
import { endpointStartup } from '../startup.js';

/** Every output action.yml declares, set on every run, so a later step can read any of them. */
export function setResultOutputs(result: ShownResult, extras: ShownExtras): void {
  const first = result.endpoints[0];
  core.setOutput('ready', String(result.ready));
  core.setOutput('cause', result.ready ? '' : (result.finding?.cause ?? ''));
  core.setOutput('base-url', first?.baseUrl ?? '');
  core.setOutput('server', first?.server ?? 'unknown');
  core.setOutput('server-version', first?.serverVersion ?? '');
  core.setOutput('models', modelsOutput(first?.models ?? []));
  core.setOutput('elapsed-ms', String(result.elapsedMs));
  core.setOutput('log-file', extras.logFile ?? '');
  core.setOutput(
    'ttft-ms',
    first?.smoke.find((s) => s.ok && s.ttftMs !== undefined)?.ttftMs?.toString() ?? '',
  );
  core.setOutput('endpoints', endpointsOutput(result.endpoints));
  core.setOutput('startup', JSON.stringify(startupOutput(endpointStartup(first))));
}

/** Bad input ends the run before there is a result: only the verdict outputs are set. */
export function setInvalidInputOutputs(): void {
  core.setOutput('ready', 'false');
  core.setOutput('cause', 'invalid-input');
}

function endpointsOutput(endpoints: ShownResult['endpoints']): string {
  return JSON.stringify(
    endpoints.map((e) => ({
      url: e.baseUrl,
      ready: e.ready,
      cause: e.finding?.cause ?? '',
      server: e.server,
      models: e.models.slice(0, 100),
    })),
  );
}

/** The `models` output as a JSON array that stays valid: ids beyond the bound are left out, not cut. */
export function modelsOutput(models: readonly string[]): string {
  const kept: string[] = [];
  let bytes = 2;
  for (const id of models) {
    bytes += Buffer.byteLength(JSON.stringify(id)) + 1;
    if (bytes > MODELS_OUTPUT_MAX_BYTES) break;
    kept.push(id);
  }
  if (kept.length < models.length)
    core.info(`The models output lists the first ${kept.length} of ${models.length} model ids.`);
  return JSON.stringify(kept);
}
