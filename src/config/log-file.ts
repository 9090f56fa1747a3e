import { accessSync, constants, statSync, type Stats } from 'node:fs';

/** What kind of thing a path is, for a sentence, when it is not a regular file. */
function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  if (stats.isSocket()) return 'a socket';
  return 'something other than a file';
}

/**
 * Why `log-file` cannot be read as a log, or undefined when it can (or does not exist yet: it may appear). Only
 * stat and access, never open: opening a FIFO with no writer blocks the whole process, deadline included.
 */
export function logFileProblem(path: string): string | undefined {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    return code === 'EACCES'
      ? 'cannot be reached (permission denied)'
      : `cannot be read (${code ?? 'error'})`;
  }
  if (!stats.isFile())
    return `is ${kindOf(stats)}, not a log file; name the file the server writes its log to`;
  try {
    accessSync(path, constants.R_OK);
  } catch {
    return 'cannot be read by this user (permission denied)';
  }
  return undefined;
}
