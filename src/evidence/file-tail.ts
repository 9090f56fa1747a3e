import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { LOG_TAIL_BYTES } from '../limits.js';
import type { LogReader } from './log-reader.js';

/**
 * A started server's log and a log-file are polled this often: one probe gap (backoff.ts), so a fatal or
 * ready line acts within ~100 ms. A stat per look costs nothing.
 */
export const FILE_POLL_MS = 100;
/** Bytes read from one file per look, at most: a server printing faster than we read loses its middle. */
const READ_CHUNK_BYTES = 64 * 1024;

export interface FileTail {
  /** Reads what was written since the last look, now. */
  readNow(): void;
  /** The file has been opened at least once. */
  exists(): boolean;
  stop(): void;
}

/**
 * Polls a file for new bytes. Polling (not fs.watch) works the same on every file system a runner uses.
 * `tail`: an existing file is read from LOG_TAIL_BYTES before its end (a log-file from an earlier step);
 * `start`: from its beginning (our own, new, log).
 */
export function tailFile(path: string, reader: LogReader, from: 'tail' | 'start', pollMs: number): FileTail {
  let offset: number | undefined = from === 'start' ? 0 : undefined;
  let decoder = new StringDecoder('utf8');
  const buffer = Buffer.alloc(READ_CHUNK_BYTES);
  let seen = false;

  /** Moves to `to`; when that is not a line start, the reader drops the half line it lands in. */
  const jump = (fd: number, to: number) => {
    decoder = new StringDecoder('utf8');
    if (to > 0) {
      const before = Buffer.alloc(1);
      readSync(fd, before, 0, 1, to - 1);
      if (before[0] !== 0x0a) reader.skipToNextLine();
    }
    offset = to;
  };

  /** Where this look starts reading, given the file's size now. */
  const placeOffset = (fd: number, size: number) => {
    if (offset === undefined) jump(fd, Math.max(0, size - LOG_TAIL_BYTES));
    else if (size < offset) {
      // Truncated or replaced: start again from its beginning.
      reader.skipToNextLine();
      jump(fd, 0);
    } else if (size - offset > LOG_TAIL_BYTES) {
      // Bounded per look: a server printing faster than we read loses its middle, never its newest lines.
      jump(fd, size - LOG_TAIL_BYTES);
    }
  };

  const readNow = () => {
    let fd: number;
    try {
      // Non-blocking: a FIFO with no writer would block the open, and with it the deadline and cancellation.
      fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch {
      return;
    }
    try {
      const stats = fstatSync(fd);
      // Replaced by a FIFO, a device or a directory since the inputs were checked: nothing to tail there.
      if (!stats.isFile()) return;
      seen = true;
      const size = stats.size;
      placeOffset(fd, size);
      let at = offset!;
      while (at < size) {
        const n = readSync(fd, buffer, 0, Math.min(buffer.length, size - at), at);
        if (n <= 0) break;
        at += n;
        reader.push(decoder.write(buffer.subarray(0, n)));
      }
      offset = at;
    } catch {
      // A read that fails now (EIO, a file cut under us) is tried again at the next look, never thrown from a timer.
    } finally {
      closeSync(fd);
    }
  };
  readNow();
  const timer = setInterval(readNow, pollMs);
  timer.unref();
  return { readNow, exists: () => seen, stop: () => clearInterval(timer) };
}
