import * as core from '../runner/runner-commands.js';
import type { Redactor } from '../../redact.js';
import { LiveLogLimiter } from '../live-log.js';
import { inertLine, shownLogLine } from '../text.js';

/**
 * The server's own lines in the main step's log as they arrive, in a collapsed group per source so the wait
 * stays readable. A line of ours (a state change, a heartbeat) closes the group first: anything printed
 * between ::group:: and ::endgroup:: would be hidden in it. Each line is redacted at the edge, cut to display
 * length, made inert (report/text.ts) and prefixed "│ ", which also keeps problem matchers anchored at ^ from
 * reading a quoted line as an annotation.
 */
export class ActionsLiveLog {
  private readonly limiter = new LiveLogLimiter(() => performance.now());
  private openSource: string | undefined;

  constructor(private readonly redact: () => Redactor) {}

  line(source: string, raw: string): void {
    const admitted = this.limiter.admit(shownLogLine(raw, this.redact()));
    if (!admitted.length) return;
    if (this.openSource !== source) {
      this.close();
      core.startGroup(inertLine(`Server output: ${shownLogLine(source, this.redact())} (live)`));
      this.openSource = source;
    }
    for (const line of admitted) process.stdout.write(`│ ${inertLine(line)}\n`);
  }

  /** Before a line of ours: it must not land inside the group. */
  close(): void {
    if (this.openSource === undefined) return;
    core.endGroup();
    this.openSource = undefined;
  }

  /** The run is over: say how many lines were held back, and close the group. */
  end(): void {
    const marker = this.limiter.heldMarker();
    if (marker.length && this.openSource === undefined) core.startGroup('Server output (live)');
    for (const line of marker) process.stdout.write(`│ ${line}\n`);
    if (marker.length) this.openSource ??= 'end';
    this.close();
  }
}
