import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  listeningSocketsByLsof,
  listeningSocketsOf,
  processesByPs,
  processesOf,
  type ListeningSocket,
} from '../../src/process/listening-sockets.js';
import { until } from '../support/fixtures/index.js';

const temp = mkdtempSync(join(tmpdir(), 'llm-preflight-listening-'));
const LISTENER = join(temp, 'listener.mjs');
// Listens on 127.0.0.1 and ::1 (ports chosen by the kernel), then writes them and its pid where it is told.
writeFileSync(
  LISTENER,
  `import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
const listen = (host) => new Promise((resolve) => { const s = createServer(); s.listen(0, host, () => resolve(s.address().port)); });
const v4 = await listen('127.0.0.1');
const v6 = await listen('::1').catch(() => undefined);
console.log('listening');
writeFileSync(process.argv[2], JSON.stringify({ pid: process.pid, v4, v6 }));
setInterval(() => {}, 60_000);
`,
);
const leftRunning: number[] = [];

afterEach(() => {
  for (const pid of leftRunning.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

/** Runs `command` as `start` does: /bin/sh, detached (its pid is the group id), output into a log file. */
async function started(command: (infoFile: string) => string) {
  const infoFile = join(temp, `info-${Math.random().toString(36).slice(2)}.json`);
  const logFile = join(temp, `server-${Math.random().toString(36).slice(2)}.log`);
  const fd = openSync(logFile, 'a');
  const shell = spawn('/bin/sh', ['-c', command(infoFile)], { detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exited = new Promise<number | null>((resolve) => shell.on('exit', resolve));
  await until(() => {
    try {
      return readFileSync(infoFile, 'utf8').endsWith('}');
    } catch {
      return false;
    }
  });
  const info = JSON.parse(readFileSync(infoFile, 'utf8')) as { pid: number; v4: number; v6?: number };
  leftRunning.push(info.pid);
  return { pgid: shell.pid!, logFile, info, exited };
}

const expected = (info: { pid: number; v4: number; v6?: number }): ListeningSocket[] => [
  { pid: info.pid, address: '127.0.0.1', port: info.v4 },
  ...(info.v6 ? [{ pid: info.pid, address: '::1', port: info.v6 }] : []),
];
const sorted = (sockets: ListeningSocket[]) => [...sockets].sort((a, b) => a.port - b.port);

describe('the sockets a start command listens on', () => {
  it('a server in the foreground of the group', async () => {
    const s = await started((info) => `exec '${process.execPath}' '${LISTENER}' '${info}'`);
    const found = await listeningSocketsOf({ pgid: s.pgid, logFile: s.logFile });
    expect(found).toMatchObject({ known: true, via: '/proc/net/tcp' });
    expect(found.known && sorted(found.sockets)).toEqual(sorted(expected(s.info)));
  });

  it('a server that left the group with setsid after the shell returned, found by the log it writes', async () => {
    const s = await started((info) => `setsid '${process.execPath}' '${LISTENER}' '${info}' &`);
    expect(await s.exited).toBe(0);
    const pids = await processesOf({ pgid: s.pgid, logFile: s.logFile });
    expect(pids).toEqual([s.info.pid]);
    const found = await listeningSocketsOf({ pgid: s.pgid, logFile: s.logFile });
    expect(found.known && sorted(found.sockets)).toEqual(sorted(expected(s.info)));
    // Without the log to go by, a reparented daemon is no longer ours to name.
    expect(await processesOf({ pgid: s.pgid })).toEqual([]);
  });

  it('nohup … & keeps the group; ps and lsof (the macOS way) see what /proc sees', async () => {
    const s = await started((info) => `nohup '${process.execPath}' '${LISTENER}' '${info}' &`);
    const byPs = await processesByPs({ pgid: s.pgid, logFile: s.logFile });
    expect(byPs).toContain(s.info.pid);
    const byLsof = await listeningSocketsByLsof(byPs as number[]);
    expect(byLsof).toMatchObject({ known: true, via: 'lsof' });
    expect(byLsof.known && sorted(byLsof.sockets)).toEqual(sorted(expected(s.info)));
  });

  it('says it cannot tell when lsof is missing, and finds nothing for processes that do not listen', async () => {
    const missing = await listeningSocketsByLsof([process.pid], async () => ({
      exitCode: null,
      stdout: '',
      stderr: '',
      truncated: { stdout: false, stderr: false },
      timedOut: false,
      spawnError: 'ENOENT',
    }));
    expect(missing).toEqual({ known: false, why: 'lsof is not installed' });
    const shell = spawn('/bin/sh', ['-c', 'sleep 5'], { detached: true, stdio: 'ignore' });
    leftRunning.push(shell.pid!);
    expect(await listeningSocketsOf({ pgid: shell.pid! })).toEqual({
      known: true,
      via: '/proc/net/tcp',
      sockets: [],
    });
    expect(await listeningSocketsByLsof([shell.pid!])).toEqual({ known: true, via: 'lsof', sockets: [] });
  });
});
