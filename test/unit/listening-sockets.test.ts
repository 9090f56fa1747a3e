import { describe, expect, it } from 'vitest';
import {
  familyOf,
  parseLsofListening,
  parseProcNetTcp,
  parsePsRows,
  procHexAddress,
  socketAddress,
  socketInode,
} from '../../src/process/listening-sockets.js';

// Copied from /proc/net/tcp and /proc/net/tcp6 on Linux 6.x (x86-64), while node listened on 127.0.0.1:38013,
// [::1]:38011, [::]:38012 and ::ffff:127.0.0.1:38014; one established connection and the header kept.
const PROC_NET_TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1586 1 00000000fcd30897 100 0 0 10 0
   1: 0100007F:94AD 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 193410 1 00000000e02d7607 100 0 0 10 0
   2: 0100007F:94AD 0100007F:C7E2 01 00000000:00000000 00:00000000 00000000     0        0 193999 1 0000000000000000 20 4 30 10 -1
`;
const PROC_NET_TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:94AB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 193408 1 00000000166a4493 100 0 0 10 0
   1: 0000000000000000FFFF00000100007F:94AE 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 193411 1 00000000f8e63e01 100 0 0 10 0
   2: 00000000000000000000000000000000:94AC 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 193409 1 0000000014a9735c 100 0 0 10 0
   3: B80D0120000000000000000001000000:1F40 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 200001 1 0000000014a9735c 100 0 0 10 0
`;

// `lsof -nP -iTCP -sTCP:LISTEN -a -p 18165 -F pn` (lsof 4.95, Linux) for the same four sockets.
const LSOF_F_PN = `p18165
n[::1]:38011
n*:38012
n127.0.0.1:38013
n127.0.0.1:38014
`;

describe('/proc/net/tcp{,6}', () => {
  it('reads LISTEN rows only, with addresses in their usual form and the socket inode', () => {
    expect(parseProcNetTcp(PROC_NET_TCP)).toEqual([
      { address: '0.0.0.0', port: 2024, inode: '1586' },
      { address: '127.0.0.1', port: 38061, inode: '193410' },
    ]);
    expect(parseProcNetTcp(PROC_NET_TCP6)).toEqual([
      { address: '::1', port: 38059, inode: '193408' },
      // An IPv4-mapped address is the IPv4 one: that is where a client connects.
      { address: '127.0.0.1', port: 38062, inode: '193411' },
      { address: '::', port: 38060, inode: '193409' },
      { address: '2001:db8::1', port: 8000, inode: '200001' },
    ]);
  });

  it('refuses what is not an address, and rows too short to hold an inode', () => {
    expect(procHexAddress('0100007')).toBeUndefined();
    expect(procHexAddress('0100007F0100007F')).toBeUndefined();
    expect(procHexAddress('zz00007F')).toBeUndefined();
    expect(parseProcNetTcp('   0: 0100007F:1F40 00000000:0000 0A\n')).toEqual([]);
    expect(parseProcNetTcp('')).toEqual([]);
  });

  it('knows a socket link from any other fd link', () => {
    expect(socketInode('socket:[193410]')).toBe('193410');
    expect(socketInode('pipe:[158395]')).toBeUndefined();
    expect(socketInode('/tmp/socket:[1]')).toBeUndefined();
  });
});

describe('lsof -F pn', () => {
  it('reads each process and its listening addresses; * is every address', () => {
    expect(parseLsofListening(LSOF_F_PN)).toEqual([
      { pid: 18165, address: '::1', port: 38011 },
      { pid: 18165, address: '0.0.0.0', port: 38012 },
      { pid: 18165, address: '127.0.0.1', port: 38013 },
      { pid: 18165, address: '127.0.0.1', port: 38014 },
    ]);
  });

  it('follows the pid across processes and skips fields it does not read', () => {
    // macOS lsof adds the fd field (f) on its own; a second process follows.
    const macos = 'p501\nf5\nn*:11434\np502\nf7\nn[::ffff:127.0.0.1]:1234\nf8\nnlocalhost:99\n';
    expect(parseLsofListening(macos)).toEqual([
      { pid: 501, address: '0.0.0.0', port: 11434 },
      { pid: 502, address: '127.0.0.1', port: 1234 },
    ]);
    expect(parseLsofListening('n127.0.0.1:8000\n')).toEqual([]);
  });
});

describe('the processes of a start command', () => {
  // `ps -A -o pid=,ppid=,pgid=` on macOS pads its columns.
  const PS = `    1     0     1
  700     1   700
  701   700   700
  702   701   702
  703   702   702
  800     1   800
  900     1   900
`;

  it('are its group, its descendants that left the group (setsid), and what else we name', () => {
    const rows = parsePsRows(PS);
    expect(rows).toHaveLength(7);
    expect(familyOf(rows, 700)).toEqual([700, 701, 702, 703]);
    // A process writing to the start command's log, reparented to init after its parent exited.
    expect(familyOf(rows, 700, [900])).toEqual([700, 701, 702, 703, 900]);
    // A group whose shell is gone: only what still runs counts.
    expect(familyOf(rows, 650, [12345])).toEqual([]);
  });
});

it('writes an address and port as a URL does', () => {
  expect(socketAddress({ address: '127.0.0.1', port: 8000 })).toBe('127.0.0.1:8000');
  expect(socketAddress({ address: '::1', port: 8000 })).toBe('[::1]:8000');
});
