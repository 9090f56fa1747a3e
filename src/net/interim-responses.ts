import type { Socket } from 'node:net';

/**
 * Header bytes an interim response may take before we stop looking for its end and let undici's parser judge
 * (its own header bound, 16 KiB by default, then fails it as a bad response).
 */
const INTERIM_HEAD_MAX_BYTES = 64 * 1024;

const DIGITS = '0123456789';
/** What each byte of an interim status line ("HTTP/1.1 103 ") may be, so one half arrived is judged early. */
const INTERIM_STATUS_LINE_AT: readonly string[] = [
  ...'HTTP/1.'.split(''),
  '01',
  ' ',
  '1',
  DIGITS,
  DIGITS,
  ' \r',
];
// 101 Switching Protocols is a final answer for the connection (and one we never ask for): undici judges it.
const INTERIM_STATUS_LINE = /^HTTP\/1\.[01] 1(?!01)\d\d[ \r]/;

type Verdict = 'interim' | 'final' | 'undecided';

function judgeStatusLine(head: string): Verdict {
  if (INTERIM_STATUS_LINE.test(head)) return 'interim';
  if (head.length >= INTERIM_STATUS_LINE_AT.length) return 'final';
  return [...head].every((c, i) => INTERIM_STATUS_LINE_AT[i]!.includes(c)) ? 'undecided' : 'final';
}

/**
 * RFC 9110 §15.2: a client must accept 1xx interim responses before the final one, even ones it did not ask
 * for. undici destroys the connection on an unsolicited `100 Continue` ("bad response"), so a server that sends
 * one looked as if it reset every request until the deadline. Our requests go one at a time per connection,
 * so a response starts right after a request is written: there, interim responses (a status line and headers,
 * never a body) are dropped before undici's parser reads the bytes. Everything after the final status line
 * passes untouched.
 */
export function skipInterimResponses(socket: Socket): void {
  let atResponseStart = false;
  let held: Buffer = Buffer.alloc(0);
  const push = socket.push.bind(socket);
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;

  socket.write = ((...args: unknown[]) => {
    atResponseStart = true;
    return write(...args);
  }) as Socket['write'];

  const release = (): boolean => {
    atResponseStart = false;
    const rest = held;
    held = Buffer.alloc(0) as Buffer;
    return rest.length > 0 ? push(rest) : true;
  };

  socket.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
    if (chunk === null) {
      release();
      return push(null);
    }
    if (!atResponseStart || !Buffer.isBuffer(chunk)) return push(chunk, encoding);
    held = held.length === 0 ? chunk : Buffer.concat([held, chunk]);
    for (;;) {
      const verdict = judgeStatusLine(held.subarray(0, INTERIM_STATUS_LINE_AT.length).toString('latin1'));
      if (verdict === 'final') return release();
      if (verdict === 'undecided') return true;
      const end = held.indexOf('\r\n\r\n');
      if (end === -1) return held.length > INTERIM_HEAD_MAX_BYTES ? release() : true;
      held = held.subarray(end + 4);
      if (held.length === 0) return true;
    }
  };
}
