import { runAction } from '../entry/action.js';
import { abortOnSignals } from '../entry/signals.js';

// Nothing of ours may keep the step alive once it is done: the started server is detached and unref'd.
process.exit(
  await runAction(
    process.env,
    abortOnSignals(() => 1),
  ),
);
