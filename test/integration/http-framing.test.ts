import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseInputs, type RawInputs } from '../../src/config/schema.js';
import { preflight } from '../../src/engine/preflight.js';
import type { PreflightResult } from '../../src/types.js';
import { startRawServer } from '../support/fake-server.js';

const LIST = '{"object":"list","data":[{"id":"m","object":"model","owned_by":"someone"}]}';
const FINAL = `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${LIST.length}\r\nconnection: close\r\n\r\n${LIST}`;

async function check(raw: RawInputs): Promise<PreflightResult> {
  const parsed = parseInputs({ timeout: '3s', 'request-timeout': '1s', model: 'm', ...raw });
  if (!parsed.ok) throw new Error(`bad test inputs: ${JSON.stringify(parsed.problems)}`);
  return preflight(parsed.config, { env: {} });
}

/** Writes `text` in pieces of `size` bytes, each in its own TCP segment (no delay), then closes. */
function writeInPieces(socket: Socket, text: string, size: number): void {
  socket.setNoDelay(true);
  let at = 0;
  const next = () => {
    if (socket.destroyed) return;
    if (at >= text.length) return void socket.end();
    socket.write(text.slice(at, at + size), () => setTimeout(next, 2));
    at += size;
  };
  // The request first: the interim response answers it, as a server's would.
  socket.once('data', next);
}

describe('interim 1xx responses are skipped (RFC 9110 §15.2)', () => {
  it.each([1, 3, 7])('a 100 Continue split into %i-byte pieces, then the answer: ready', async (size) => {
    await using server = await startRawServer((socket) =>
      writeInPieces(socket, `HTTP/1.1 100 Continue\r\nx-note: early\r\n\r\n${FINAL}`, size),
    );
    const result = await check({ 'base-url': server.url });
    expect(result.finding).toBeUndefined();
    expect(result.ready).toBe(true);
  });

  it('an answer whose first bytes look like an interim status line is read whole', async () => {
    // "HTTP/1.1 1" is where an interim line and a final one part: nothing before it may be lost.
    await using server = await startRawServer((socket) => writeInPieces(socket, FINAL, 1));
    const result = await check({ 'base-url': server.url });
    expect(result.ready).toBe(true);
  });

  it('a 101 nobody asked for is still not an answer', async () => {
    await using server = await startRawServer((socket) =>
      socket.once('data', () => socket.end('HTTP/1.1 101 Switching Protocols\r\nupgrade: h2c\r\n\r\n')),
    );
    const result = await check({ 'base-url': server.url, timeout: '1s' });
    expect(result.ready).toBe(false);
  });
});
