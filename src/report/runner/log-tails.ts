import { randomUUID } from 'node:crypto';
import { LOG_LINES_QUOTED } from '../../limits.js';
import { inertLine } from '../text.js';
import * as core from './runner-commands.js';

// Its own module so the post step can print a log tail without loading the main step's reporter (and the
// workflow-file parser that comes with it).

/** Server log lines could hold workflow commands: print them with command processing stopped. */
export function printLogTails(tails: Array<{ source: string; lines: string[] }>): void {
  for (const tail of tails) {
    if (!tail.lines.length) continue;
    core.startGroup(inertLine(`Last lines of ${tail.source}`));
    const token = randomUUID();
    process.stdout.write(`::stop-commands::${token}\n`);
    try {
      // The "│ " prefix also keeps problem matchers anchored at ^ (which run even while commands are stopped)
      // from turning a quoted line into an annotation.
      for (const line of tail.lines.slice(-LOG_LINES_QUOTED)) process.stdout.write(`│ ${inertLine(line)}\n`);
    } finally {
      process.stdout.write(`::${token}::\n`);
      core.endGroup();
    }
  }
}
