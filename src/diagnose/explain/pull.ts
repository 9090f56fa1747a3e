import { describePullFailure } from '../../servers/ollama-pull.js';
import { ours, text, type Text } from '../../text.js';
import type { Evidence, PullFailure } from '../../types.js';
import type { DiagnoseContext } from '../context.js';
import { finding, logsAround, type FindingOf } from '../finding.js';

type PullEvidence = Extract<Evidence, { kind: 'pull' }>;

/** What the Ollama server's own words point at, first match wins. */
const PULL_ERROR_HINTS: readonly { said: RegExp; hint: Text }[] = [
  {
    said: /file does not exist|manifest unknown|not found/i,
    hint: ours(
      'That model name or tag does not exist in the Ollama registry: check the spelling and the tag (e.g. llama3.2:1b; see ollama.com/library).',
    ),
  },
  {
    said: /invalid model name/i,
    hint: ours('That is not a valid Ollama model name: write it as name:tag, e.g. llama3.2:1b.'),
  },
  {
    said: /no space left/i,
    hint: ours(
      'The disk that holds the Ollama models is full: free space or pick a smaller model (llm-preflight doctor shows free disk).',
    ),
  },
  {
    said: /max retries exceeded|dial tcp|lookup |tls|certificate|connection refused|i\/o timeout|proxyconnect/i,
    hint: ours(
      'Ollama could not download from its registry: check the network of the machine or container that runs Ollama (and HTTPS_PROXY for the Ollama process itself).',
    ),
  },
];

function pullHint(failure: PullFailure): Text {
  if (failure.reason === 'deadline')
    return ours(
      'Raise timeout to leave room for the download, or cache the Ollama models directory between runs (actions/cache on ~/.ollama/models, or a volume for the container) so the pull is skipped.',
    );
  // The server's own words, where it gave some: they tell a missing model from a full disk or a lost network.
  const said =
    failure.reason === 'server-error' ? failure.message : failure.reason === 'http' ? failure.body : '';
  return (
    PULL_ERROR_HINTS.find((h) => h.said.test(said))?.hint ??
    ours('Read the Ollama server log for the whole error.')
  );
}

export function explainPullFailure(
  pull: PullEvidence,
  evidence: readonly Evidence[],
  ctx: DiagnoseContext,
): FindingOf<'model-download-failed'> {
  const failure = pull.failure ?? { reason: 'no-success' };
  const request = evidence.findLast((e) => e.kind === 'attempt' && e.stage === 'pull');
  return finding(
    'model-download-failed',
    text`Pulling "${pull.model}" into the Ollama server at ${ctx.root} failed: ${describePullFailure(failure, pull)}.`,
    pullHint(failure),
    [pull, ...(request ? [request] : []), ...logsAround(evidence)],
  );
}
