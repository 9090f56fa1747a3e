import { TIMELINE_MAX_ROWS } from '../limits.js';
import { describePullFailure, formatBytes } from '../servers/ollama-pull.js';
import { urlPath } from '../net/hosts.js';
import { oneLine, plainText } from '../text.js';
import type { ShownEvidence, ShownResult } from './present.js';

/** What an evidence item says, in the same words on every surface (summary, terminal, progress lines). */
export interface Described {
  what: string;
  result: string;
}

type ShownOf<Kind extends ShownEvidence['kind']> = Extract<ShownEvidence, { kind: Kind }>;

export function describe(ev: ShownEvidence): Described {
  switch (ev.kind) {
    case 'attempt':
      return describeAttempt(ev);
    case 'log':
      return { what: ev.source, result: oneLine(ev.line, 120) };
    case 'exit':
      return {
        what: ev.ended === 'group' ? 'processes of the start command' : 'start command',
        result: exitResult(ev),
      };
    case 'container':
      return { what: `container ${ev.id.slice(0, 12)}`, result: containerResult(ev) };
    case 'models':
      return {
        what: 'model list',
        result: `${ev.served.length} model(s): ${oneLine(ev.served.slice(0, 5).join(', '), 100)}`,
      };
    case 'backend':
      return {
        what: `backend ${ev.model}`,
        result: ev.healthy ? 'healthy' : `unhealthy: ${oneLine(ev.error ?? '', 100)}`,
      };
    case 'pull':
      return { what: `pull ${ev.model}`, result: pullResult(ev) };
    case 'note':
      return { what: 'note', result: oneLine(ev.text, 140) };
    case 'cancelled':
      return { what: 'cancelled', result: ev.signal };
    case 'neighbours':
      return {
        what: `well-known ports on ${ev.scannedHost}`,
        result: ev.answering.length
          ? ev.answering.map((n) => `${n.port}: ${n.server}`).join(', ')
          : `none of ${ev.scannedPorts.length} answers`,
      };
    case 'port-variable':
      return {
        what: ev.setIn === 'start' ? `${ev.variable} in start` : ev.variable,
        result: oneLine(ev.value, 80),
      };
    case 'phase':
      return { what: ev.source, result: oneLine(ev.line, 120) };
    case 'service-containers':
      return {
        what: 'containers the docker CLI lists',
        result: ev.containers.length
          ? oneLine(
              ev.containers
                .map((c) => [c.name, ...c.aliases.filter((a) => a !== c.name)].join('/'))
                .join(', '),
              140,
            )
          : 'none',
      };
    case 'listening':
      return {
        what: `sockets of pid ${ev.pid}`,
        result: ev.addresses.length
          ? `listening on ${oneLine(ev.addresses.join(', '), 120)}`
          : 'listening on nothing yet',
      };
  }
}

function describeAttempt(ev: ShownOf<'attempt'>): Described {
  const r = ev.result;
  const what = `${ev.method} ${urlPath(ev.url)}`;
  if (r.kind === 'error') return { what, result: `${r.code}${r.viaProxy ? ' via proxy' : ''}` };
  const body = r.body.trim() ? ` ${oneLine(r.body, 60)}` : '';
  return { what, result: `HTTP ${r.status}${ev.problem ? ` (${ev.problem})` : body}` };
}

function exitResult(ev: ShownOf<'exit'>): string {
  if (ev.ended === 'not-started') return `not started: ${oneLine(ev.reason ?? '', 120)}`;
  if (ev.signal) return `killed by ${ev.signal}`;
  return ev.code === null ? 'exited (status unknown)' : `exited with code ${ev.code}`;
}

function containerResult(ev: ShownOf<'container'>): string {
  const exit = ev.exitCode !== null && ev.status !== 'running' ? ` (exit ${ev.exitCode})` : '';
  const oom = ev.oomKilled ? ', OOMKilled' : '';
  const health = ev.health ? `, health ${ev.health}` : '';
  const restarts = ev.restartCount ? `, ${ev.restartCount} restarts` : '';
  return `${ev.status}${exit}${oom}${health}${restarts}`;
}

function pullResult(ev: ShownOf<'pull'>): string {
  // Its values were redacted on the way out (present.ts); the sentence around them is ours.
  if (ev.failure !== undefined)
    return `failed: ${oneLine(plainText(describePullFailure(ev.failure, ev)), 120)}`;
  if (ev.percent === undefined) return oneLine(ev.status, 80);
  const phase = ev.status.startsWith('pulling ') ? '' : ` (${oneLine(ev.status, 40)})`;
  return `${ev.percent}% of ${formatBytes(ev.totalBytes ?? 0)}${phase}`;
}

export function formatAt(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export interface TimelineRow {
  fromMs: number;
  toMs: number;
  count: number;
  what: string;
  result: string;
}

/** Folds repeated identical outcomes into one row ("refused ×412 from 0.1 s to 41.2 s"). */
export function timelineRows(timeline: readonly ShownEvidence[]): TimelineRow[] {
  const rows: TimelineRow[] = [];
  for (const ev of timeline) {
    const { what, result } = describe(ev);
    const last = rows.at(-1);
    if (last && last.what === what && last.result === result) {
      last.count++;
      last.toMs = ev.atMs;
    } else {
      rows.push({ fromMs: ev.atMs, toMs: ev.atMs, count: 1, what, result });
    }
  }
  return rows.length <= TIMELINE_MAX_ROWS ? rows : foldMiddle(rows);
}

/** Keeps the first and last rows of a long timeline, with one row standing for those left out between. */
function foldMiddle(rows: TimelineRow[]): TimelineRow[] {
  const head = rows.slice(0, TIMELINE_MAX_ROWS / 2);
  const tail = rows.slice(-TIMELINE_MAX_ROWS / 2);
  const skipped = rows.length - head.length - tail.length;
  return [
    ...head,
    {
      fromMs: head.at(-1)!.toMs,
      toMs: tail[0]!.fromMs,
      count: skipped,
      what: '…',
      result: `${skipped} rows folded`,
    },
    ...tail,
  ];
}

/** What `pull` and `deep` did for an endpoint, in a sentence each: the timeline has the details. */
export function endpointNotes(e: ShownResult['endpoints'][number]): string[] {
  const notes: string[] = [];
  for (const ev of e.timeline) {
    if (ev.kind === 'pull' && ev.status === 'success')
      notes.push(`Pulled ${ev.model}${ev.totalBytes ? ` (${formatBytes(ev.totalBytes)})` : ''}.`);
  }
  const backends = e.timeline.filter((ev) => ev.kind === 'backend');
  if (backends.length) {
    const healthy = backends.filter((b) => b.kind === 'backend' && b.healthy).length;
    notes.push(`Backends: ${healthy} of ${backends.length} healthy (the proxy's /health).`);
  }
  return notes;
}
