/**
 * Where the server is when base-url refuses: a server of a known kind answering on another well-known port of
 * this machine, or a variable that moved the server's port or address (engine/stages/surroundings.ts gathers
 * both). Each says what it saw in words for the summary and the base-url to use in the fix.
 */
import type { ServerKind } from '../../causes.js';
import { baseUrlAt } from '../../net/hosts.js';
import { PROFILES } from '../../servers/index.js';
import { joinText, ours, quote, text, type Text } from '../../text.js';
import type { Evidence, Neighbour, PortVariable, ServiceContainersEvidence } from '../../types.js';
import type { DiagnoseContext } from '../context.js';
import { allOf, lastOf } from '../finding.js';

type NeighboursEvidence = Extract<Evidence, { kind: 'neighbours' }>;
type VariableEvidence = Extract<Evidence, { kind: 'port-variable' }>;

interface ServiceSaid {
  said: Text;
  fix: Text;
  ev: ServiceContainersEvidence;
}

export interface Whereabouts {
  /** Clauses for the summary, most telling first. */
  said: Text[];
  /** Sentences for the hint: the base-url to use first. */
  fixes: Text[];
  evidence: Evidence[];
}

const A_SERVER: Record<ServerKind, string> = {
  vllm: 'a vLLM server',
  sglang: 'an SGLang server',
  litellm: 'a LiteLLM proxy',
  ollama: 'an Ollama server',
  llamacpp: 'a llama.cpp server',
  tgi: 'a TGI server',
  localai: 'a LocalAI server',
  lmstudio: 'an LM Studio server',
  openai: 'an OpenAI-compatible server',
};

/** What the timeline knows of where the server really is; undefined when it knows nothing. */
export function whereabouts(evidence: readonly Evidence[], ctx: DiagnoseContext): Whereabouts | undefined {
  const scan = lastOf(evidence, 'neighbours');
  const variables = allOf(evidence, 'port-variable');
  const out: Whereabouts = { said: [], fixes: [], evidence: [] };
  const labels = servicesByLabel(lastOf(evidence, 'service-containers'), ctx);
  if (labels) {
    out.said.push(labels.said);
    out.fixes.push(labels.fix);
    out.evidence.push(labels.ev);
  }
  const best = scan && bestNeighbour(scan.answering, ctx);
  if (scan && best) {
    out.said.push(joinText(scan.answering.slice(0, 3).map(neighbourSaid), ', and '));
    if (!labels) out.fixes.push(text`Set base-url to ${baseUrlAt(ctx.root, { port: best.port })}.`);
    out.evidence.push(scan);
  }
  for (const v of variables) {
    const told = variableSaid(v, ctx);
    out.said.push(told.said);
    // One base-url in the fix: a server seen answering beats a variable's word.
    if (!(best && told.movesPort)) out.fixes.push(told.fix);
    out.evidence.push(v);
  }
  if (out.said.length === 0) return scan ? nothingNextDoor(scan) : undefined;
  return out;
}

/** The neighbour serving a required model, else the first that answered. */
function bestNeighbour(answering: readonly Neighbour[], ctx: DiagnoseContext): Neighbour | undefined {
  return (
    answering.find((n) => ctx.requiredModels.some((m) => n.models.includes(m))) ??
    answering.find((n) => n.status === 200) ??
    answering[0]
  );
}

function neighbourSaid(n: Neighbour): Text {
  const at = text`${ours(A_SERVER[n.server])} answers on ${n.host}:${n.port}`;
  if (n.models.length > 0)
    return text`${at} serving ${joinText(
      n.models.map((m) => text`${quote(m, 80)}`),
      ', ',
    )}`;
  return n.status === 401 || n.status === 403 ? text`${at} (it asks for an API key)` : at;
}

/** Nothing next door either: not a port mix-up, the server is not running on this machine. */
function nothingNextDoor(scan: NeighboursEvidence): Whereabouts | undefined {
  if (scan.scannedPorts.length === 0) return undefined;
  return {
    said: [],
    fixes: [
      text`Nothing answers on the other well-known ports of this machine either (${ours(scan.scannedPorts.join(', '))}), so this is not a port mix-up: the server is not running here.`,
    ],
    evidence: [scan],
  };
}

function readers(v: PortVariable): Text {
  return ours(v.readBy.map((kind) => PROFILES[kind].label).join(' and '));
}

function variableSaid(
  v: VariableEvidence,
  ctx: DiagnoseContext,
): { said: Text; fix: Text; movesPort: boolean } {
  const set = text`${ours(v.variable)}=${quote(v.value, 80)} ${ours(v.setIn === 'start' ? 'in start' : "in the step's environment")}`;
  const unset = ours(v.setIn === 'start' ? 'remove it from start' : "unset it for the server's step");
  switch (v.effect) {
    case 'service-link':
      return {
        said: text`${set} is a Kubernetes Service link (Kubernetes sets VLLM_PORT=tcp://… for a Service named vllm), and vLLM reads VLLM_PORT as its internal port number, so it refuses to start`,
        fix: ours(
          'Rename the Kubernetes Service (anything but vllm), or set enableServiceLinks: false in the pod spec, or unset VLLM_PORT before vLLM starts.',
        ),
        movesPort: false,
      };
    case 'internal-port':
      return {
        said: text`${set} is the first of vLLM's internal ports, not the API server's (that is --port), and on base-url's port ${ctx.port} the two collide`,
        fix: text`Unset VLLM_PORT, or move it away from the API server's port; start vLLM with --port ${ctx.port}.`,
        movesPort: false,
      };
    case 'internal-host':
      return {
        said: text`${set} is vLLM's address for its internal communication, not where the API server listens (that is --host)`,
        fix: text`Start vLLM with --host ${ctx.host} (or 0.0.0.0); VLLM_HOST_IP is for multi-node setups.`,
        movesPort: false,
      };
    case 'convention':
      return {
        said: text`${set} says port ${v.port ?? 0}, a name scripts and compose files use for ${readers(v)}, which itself reads only --port${
          v.readBy.includes('litellm') ? ours(' (or PORT)') : ours('')
        }`,
        fix: text`If the server listens there, set base-url to ${baseUrlAt(ctx.root, { port: v.port! })}; else pass --port ${ctx.port} to the server.`,
        movesPort: true,
      };
    default:
      return movedVariable(v, set, unset, ctx);
  }
}

/** PORT, HOST, OLLAMA_HOST, LLAMA_ARG_*: the server listens where the variable says. */
function movedVariable(
  v: VariableEvidence,
  set: Text,
  unset: Text,
  ctx: DiagnoseContext,
): { said: Text; fix: Text; movesPort: boolean } {
  const movesPort = v.port !== undefined && v.port !== ctx.port;
  const where =
    v.host !== undefined && movesPort
      ? text`${v.host}:${v.port!}`
      : movesPort
        ? text`port ${v.port!}`
        : text`${v.host ?? ''} only`;
  const said = text`${set} makes ${readers(v)} listen on ${where}`;
  if (movesPort)
    return {
      said,
      fix: text`Set base-url to ${baseUrlAt(ctx.root, { port: v.port! })}, or ${unset} to keep port ${ctx.port}.`,
      movesPort,
    };
  return {
    said: text`${said}, which base-url's host ${ctx.host} does not reach`,
    fix: text`Bind the server to 0.0.0.0 (${ours(v.variable)}=0.0.0.0${ours(v.effect === 'host-port' ? `:${v.port ?? ctx.port}` : '')}), or set base-url to ${baseUrlAt(ctx.root, { host: v.host! })}.`,
    movesPort,
  };
}

/**
 * In a container job localhost is the job's own container: the service containers on its network that expose
 * base-url's port are reached by their labels (the runner's network aliases), at that same container port.
 */
function servicesByLabel(
  ev: ServiceContainersEvidence | undefined,
  ctx: DiagnoseContext,
): ServiceSaid | undefined {
  if (!ev?.inContainerJob) return undefined;
  const labels = ev.containers
    .filter((c) => c.containerPorts.includes(ctx.port))
    .flatMap((c) => (c.aliases.length > 0 ? c.aliases : [c.name]));
  if (labels.length === 0) return undefined;
  return {
    said: text`this is a container job, so localhost is the job's own container; the service ${ours(labels.length > 1 ? 'containers' : 'container')} on its network with port ${ctx.port} ${ours(labels.length > 1 ? 'are' : 'is')} reached by label: ${joinText(
      labels.slice(0, 5).map((l) => text`${l}`),
      ', ',
    )}`,
    fix: text`Set base-url to ${baseUrlAt(ctx.root, { host: labels[0]! })} (the label and the container port; mapped host ports do not apply in a container job).`,
    ev,
  };
}

/**
 * From the runner a service label does not resolve: the service container with that label is reached at the
 * host port Docker maps to base-url's port, on localhost.
 */
export function mappedForLabel(evidence: readonly Evidence[], ctx: DiagnoseContext): ServiceSaid | undefined {
  const ev = lastOf(evidence, 'service-containers');
  if (!ev || ev.inContainerJob) return undefined;
  const labelled = ev.containers.find((c) => c.aliases.includes(ctx.host) || c.name === ctx.host);
  if (!labelled) return undefined;
  const mapped = labelled.published.find((p) => p.containerPort === ctx.port);
  if (!mapped)
    return {
      said: text`The container ${labelled.name} has the label "${ctx.host}", but Docker maps no host port to its port ${ctx.port}, and this job runs on the runner, where labels do not resolve.`,
      fix: text`Publish the port (ports: ['${ctx.port}:${ctx.port}'] on the service) and set base-url to ${baseUrlAt(ctx.root, { host: 'localhost' })}.`,
      ev,
    };
  return {
    said: text`The host name "${ctx.host}" is the label of the container ${labelled.name}, which resolves only inside a container job; from this job on the runner it is at localhost:${mapped.hostPort} (Docker maps it to its port ${ctx.port}).`,
    fix: text`Set base-url to ${baseUrlAt(ctx.root, { host: 'localhost', port: mapped.hostPort })} (or use \${{ job.services.${ctx.host}.ports['${ctx.port}'] }} for the port).`,
    ev,
  };
}
