import { lookup } from 'node:dns/promises';
import { access, readFile, statfs } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname } from 'node:path';
import { scanNeighbours } from '../engine/stages/surroundings.js';
import { NEIGHBOUR_CONNECT_TIMEOUT_MS } from '../limits.js';
import { isLoopbackHost } from '../net/hosts.js';
import { isListening } from '../net/port-check.js';
import { createProber } from '../net/probe.js';
import { boundedExec, type BoundedExecResult } from '../process/bounded-exec.js';
import type { Neighbour } from '../types.js';
import type { CommandResult, LookupResult } from './checks.js';

/** Where the doctor's facts come from: the real machine (systemProbes), or one a test states. */
export interface DoctorProbes {
  lookup(host: string): Promise<LookupResult>;
  exists(path: string): Promise<boolean>;
  readText(path: string): Promise<string | undefined>;
  run(command: string, args: string[], timeoutMs: number): Promise<CommandResult>;
  /** Free bytes for an unprivileged user on the filesystem holding path (or its nearest existing parent). */
  freeBytes(path: string): Promise<number | undefined>;
  homedir: string;
  tmpdir: string;
  /** Whether host:port accepts a connection; absent: the doctor does not look where servers are. */
  listening?(host: string, port: number): Promise<boolean>;
  /** The servers answering on these loopback ports (one connect and one GET /v1/models each). */
  neighbours?(ports: readonly number[]): Promise<Neighbour[]>;
}

/** Command output kept; nvidia-smi -L prints one short line per GPU. */
const COMMAND_OUTPUT_MAX_BYTES = 64 * 1024;

/** The real machine: its resolver, files, commands and disks. */
export function systemProbes(): DoctorProbes {
  return {
    async lookup(host) {
      try {
        const addresses = await lookup(host, { all: true, order: 'verbatim' });
        return { addresses: addresses.map((a) => ({ address: a.address, family: a.family })) };
      } catch (error) {
        return { error: (error as { code?: string }).code ?? String(error) };
      }
    },
    async exists(path) {
      try {
        await access(path);
        return true;
      } catch {
        return false;
      }
    },
    async readText(path) {
      try {
        return (await readFile(path, 'utf8')).slice(0, COMMAND_OUTPUT_MAX_BYTES);
      } catch {
        return undefined;
      }
    },
    async run(command, args, timeoutMs) {
      return commandResult(
        await boundedExec(command, args, { timeoutMs, maxBytesPerStream: COMMAND_OUTPUT_MAX_BYTES }),
      );
    },
    async freeBytes(path) {
      // The cache directory may not exist yet: what counts is the disk it will be created on.
      for (let dir = path; ; dir = dirname(dir)) {
        try {
          const s = await statfs(dir);
          return s.bavail * s.bsize;
        } catch {
          if (dirname(dir) === dir) return undefined;
        }
      }
    },
    homedir: homedir(),
    tmpdir: tmpdir(),
    listening: (host, port) => isListening(host, port, NEIGHBOUR_CONNECT_TIMEOUT_MS),
    async neighbours(ports) {
      // No proxy for loopback whatever the environment says: an empty environment is the same route.
      const prober = createProber({}, isLoopbackHost);
      try {
        return await scanNeighbours(prober, ports);
      } finally {
        await prober.close();
      }
    },
  };
}

function commandResult(ran: BoundedExecResult): CommandResult {
  const result: CommandResult = { exitCode: ran.exitCode, stdout: ran.stdout, stderr: ran.stderr };
  if (ran.spawnError !== undefined) result.error = ran.spawnError;
  else if (ran.timedOut) result.error = 'TIMEOUT';
  else if (ran.truncated.stdout || ran.truncated.stderr) result.error = 'OUTPUT_TOO_LONG';
  return result;
}
