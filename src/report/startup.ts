import { startupProfile, type StartupProfile } from '../servers/phases.js';
import type { ShownResult } from './present.js';

/**
 * The start-up profile of an endpoint, from its timeline: the sources' phase lines are in every endpoint's
 * timeline, so the first endpoint's is the run's. One place, so the summary, the JSON and the `startup`
 * output never disagree.
 */
export function endpointStartup(e: ShownResult['endpoints'][number] | undefined): StartupProfile | undefined {
  return e ? startupProfile(e.timeline, e.elapsedMs, e.server) : undefined;
}
