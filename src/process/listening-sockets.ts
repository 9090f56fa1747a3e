import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { LISTEN_LOOKUP_MAX_BYTES, LISTEN_LOOKUP_TIMEOUT_MS } from '../limits.js';
import { boundedExec, type BoundedExecResult } from './bounded-exec.js';

/** A TCP socket in LISTEN state and the process that holds it. */
export interface ListeningSocket {
  pid: number;
  /** As people write it: 127.0.0.1, ::1, 0.0.0.0, :: (an IPv4-mapped IPv6 address is shown as the IPv4 one). */
  address: string;
  port: number;
}

/** What we could learn about the sockets of some processes, and how; or why we cannot tell. */
export type ListeningLookup =
  { known: true; via: '/proc/net/tcp' | 'lsof'; sockets: ListeningSocket[] } | { known: false; why: string };

/** The processes of a start command: its shell's process group and what it left running. */
export interface StartedProcesses {
  /** The shell's pid, which is its process group id (spawned detached). */
  pgid: number;
  /** The start command's log file: a process writing to it (stdout or stderr) is the server's, in any session. */
  logFile?: string;
}

export type Exec = (command: string, args: readonly string[]) => Promise<BoundedExecResult>;

const boundedLookup: Exec = (command, args) =>
  boundedExec(command, args, {
    timeoutMs: LISTEN_LOOKUP_TIMEOUT_MS,
    maxBytesPerStream: LISTEN_LOOKUP_MAX_BYTES,
  });

// ── Pure parsers ──────────────────────────────────────────────────────────────────────────────────────────

/** The kernel's TCP state number for LISTEN (include/net/tcp_states.h). */
const TCP_LISTEN = '0A';

/** LISTEN rows of /proc/net/tcp or /proc/net/tcp6: local address and port, and the socket's inode. */
export function parseProcNetTcp(table: string): Array<{ address: string; port: number; inode: string }> {
  const rows: Array<{ address: string; port: number; inode: string }> = [];
  for (const line of table.split('\n')) {
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode …
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10 || fields[3] !== TCP_LISTEN) continue;
    const [hexAddress, hexPort] = fields[1]!.split(':');
    const address = hexAddress ? procHexAddress(hexAddress) : undefined;
    const port = hexPort ? Number.parseInt(hexPort, 16) : Number.NaN;
    const inode = fields[9]!;
    if (address !== undefined && Number.isInteger(port) && /^\d+$/.test(inode) && inode !== '0')
      rows.push({ address, port, inode });
  }
  return rows;
}

/**
 * An address as /proc/net/tcp{,6} prints it: 32-bit words in hex, each in the machine's byte order (little
 * endian on every platform GitHub runs: x86-64 and arm64). 8 digits are IPv4, 32 are IPv6.
 */
export function procHexAddress(hex: string): string | undefined {
  if (!/^(?:[0-9A-Fa-f]{8}){1,4}$/.test(hex) || (hex.length !== 8 && hex.length !== 32)) return undefined;
  const bytes: number[] = [];
  for (let word = 0; word < hex.length; word += 8) {
    for (let byte = 3; byte >= 0; byte--)
      bytes.push(Number.parseInt(hex.slice(word + byte * 2, word + byte * 2 + 2), 16));
  }
  if (bytes.length === 4) return bytes.join('.');
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (mapped) return bytes.slice(12).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  // WHATWG URL writes an IPv6 literal in its canonical compressed form (RFC 5952).
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

/** The inode of a socket from the link /proc/<pid>/fd/<n> points to: `socket:[12345]`. */
export function socketInode(link: string): string | undefined {
  return /^socket:\[(\d+)\]$/.exec(link)?.[1];
}

/**
 * `lsof -F pn` output (one field per line: p<pid>, then n<address> for each of its files) as sockets.
 * lsof writes `*` for every address (0.0.0.0, or :: for an IPv6 socket) and brackets an IPv6 literal.
 */
export function parseLsofListening(output: string): ListeningSocket[] {
  const sockets: ListeningSocket[] = [];
  let pid: number | undefined;
  for (const line of output.split('\n')) {
    if (line.startsWith('p')) pid = Number(line.slice(1));
    if (!line.startsWith('n') || pid === undefined || !Number.isInteger(pid)) continue;
    const match = /^n(\*|\[[0-9A-Fa-f:.]+\]|[0-9.]+):(\d+)$/.exec(line);
    if (!match) continue;
    const host = match[1]!;
    const address = host === '*' ? '0.0.0.0' : host.replace(/^\[|\]$/g, '').replace(/^::ffff:(?=\d+\.)/i, '');
    sockets.push({ pid, address, port: Number(match[2]) });
  }
  return sockets;
}

/** One row of `ps -A -o pid=,ppid=,pgid=`, or of /proc/<pid>/stat. */
export interface ProcessRow {
  pid: number;
  ppid: number;
  pgid: number;
}

export function parsePsRows(output: string): ProcessRow[] {
  const rows: ProcessRow[] = [];
  for (const line of output.split('\n')) {
    const fields = line.trim().split(/\s+/).map(Number);
    if (fields.length === 3 && fields.every((n) => Number.isInteger(n) && n >= 0) && fields[0]! > 0)
      rows.push({ pid: fields[0]!, ppid: fields[1]!, pgid: fields[2]! });
  }
  return rows;
}

/**
 * The members of group `pgid`, the processes in `alsoOurs`, and every descendant of theirs: a child that
 * called setsid has left the group but is still a child.
 */
export function familyOf(
  rows: readonly ProcessRow[],
  pgid: number,
  alsoOurs: readonly number[] = [],
): number[] {
  const ours = new Set<number>(alsoOurs);
  for (const row of rows) if (row.pgid === pgid || row.pid === pgid) ours.add(row.pid);
  for (let grew = true; grew;) {
    grew = false;
    for (const row of rows) {
      if (!ours.has(row.pid) && ours.has(row.ppid)) {
        ours.add(row.pid);
        grew = true;
      }
    }
  }
  const alive = new Set(rows.map((row) => row.pid));
  return [...ours].filter((pid) => alive.has(pid)).sort((a, b) => a - b);
}

// ── This machine ──────────────────────────────────────────────────────────────────────────────────────────

const hasProc = (): boolean => {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
};

/** Live processes from /proc (zombies hold no socket): fields after the command name's last ')'. */
function procRows(): ProcessRow[] {
  const rows: ProcessRow[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const [state, ppid, pgid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (state === 'Z' || state === 'X') continue;
    rows.push({ pid: Number(entry), ppid: Number(ppid), pgid: Number(pgid) });
  }
  return rows;
}

function readLink(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

/** Processes whose stdout or stderr is `logFile`: what a start command left running writes there. */
function procWritersOf(logFile: string, rows: readonly ProcessRow[]): number[] {
  return rows
    .filter((row) => [1, 2].some((fd) => readLink(`/proc/${row.pid}/fd/${fd}`) === logFile))
    .map((row) => row.pid);
}

/** Socket inodes each process holds, from its /proc/<pid>/fd links. */
function procSocketInodes(pids: readonly number[]): Map<string, number> {
  const owners = new Map<string, number>();
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      const inode = socketInode(readLink(`/proc/${pid}/fd/${fd}`) ?? '');
      if (inode && !owners.has(inode)) owners.set(inode, pid);
    }
  }
  return owners;
}

function procSockets(pids: readonly number[]): ListeningLookup {
  const owners = procSocketInodes(pids);
  const sockets: ListeningSocket[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      // A kernel without IPv6 has no tcp6 table.
      continue;
    }
    for (const row of parseProcNetTcp(text)) {
      const pid = owners.get(row.inode);
      if (pid !== undefined) sockets.push({ pid, address: row.address, port: row.port });
    }
  }
  return { known: true, via: '/proc/net/tcp', sockets };
}

function cannotTell(result: BoundedExecResult, command: string): { known: false; why: string } {
  if (result.spawnError === 'ENOENT') return { known: false, why: `${command} is not installed` };
  if (result.timedOut) return { known: false, why: `${command} did not answer in time` };
  return { known: false, why: `${command} failed (${result.spawnError ?? `exit code ${result.exitCode}`})` };
}

/** Where there is no /proc (macOS): the process table from ps, open files from lsof. */
export async function processesByPs(
  started: StartedProcesses,
  exec: Exec = boundedLookup,
): Promise<number[] | { why: string }> {
  const ps = await exec('ps', ['-A', '-o', 'pid=,ppid=,pgid=']);
  if (ps.exitCode !== 0) return cannotTell(ps, 'ps');
  const rows = parsePsRows(ps.stdout);
  if (!started.logFile) return familyOf(rows, started.pgid);
  const writers = await exec('lsof', ['-t', '--', started.logFile]);
  const writerPids = writers.stdout
    .split('\n')
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
  return familyOf(rows, started.pgid, writerPids);
}

export async function listeningSocketsByLsof(
  pids: readonly number[],
  exec: Exec = boundedLookup,
): Promise<ListeningLookup> {
  if (pids.length === 0) return { known: true, via: 'lsof', sockets: [] };
  const lsof = await exec('lsof', ['-nP', '-iTCP', '-sTCP:LISTEN', '-a', '-p', pids.join(','), '-F', 'pn']);
  // lsof exits 1 when none of the processes has such a socket, and says nothing.
  const nothingFound = lsof.exitCode === 1 && lsof.stdout === '' && lsof.stderr.trim() === '';
  if (lsof.exitCode !== 0 && !nothingFound) return cannotTell(lsof, 'lsof');
  return { known: true, via: 'lsof', sockets: parseLsofListening(lsof.stdout) };
}

/** The live processes of a start command: its group, what writes its log, and their descendants. */
export async function processesOf(
  started: StartedProcesses,
  exec: Exec = boundedLookup,
): Promise<number[] | { why: string }> {
  if (!hasProc()) return processesByPs(started, exec);
  const rows = procRows();
  return familyOf(rows, started.pgid, started.logFile ? procWritersOf(started.logFile, rows) : []);
}

/** The TCP sockets these processes listen on. */
export async function listeningSocketsOfPids(
  pids: readonly number[],
  exec: Exec = boundedLookup,
): Promise<ListeningLookup> {
  return hasProc() ? procSockets(pids) : listeningSocketsByLsof(pids, exec);
}

/** The TCP sockets a start command's processes listen on, wherever they went (setsid, nohup, `&`). */
export async function listeningSocketsOf(
  started: StartedProcesses,
  exec: Exec = boundedLookup,
): Promise<ListeningLookup> {
  const pids = await processesOf(started, exec);
  if (!Array.isArray(pids)) return { known: false, why: pids.why };
  return listeningSocketsOfPids(pids, exec);
}

/** `127.0.0.1:8000`, `[::1]:8000`: an address and port as a URL writes them. */
export function socketAddress(socket: Pick<ListeningSocket, 'address' | 'port'>): string {
  return socket.address.includes(':')
    ? `[${socket.address}]:${socket.port}`
    : `${socket.address}:${socket.port}`;
}
