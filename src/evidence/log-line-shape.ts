/**
 * What a log line is, by its shape alone: the last exception line of a traceback, a panic, a usage error, an
 * `Error:` line, an ERROR-level line. When no known signature explains a failure, the decisive line is picked
 * by shape (diagnose/decisive-line.ts), so "What is wrong" quotes the server's own words, not a generic
 * "exited with code 1". Every pattern here runs on every line of a server's log: each is anchored or bounded,
 * linear in the line (test/unit/linear-time.test.ts).
 */

import type { LineShape } from '../types.js';

/**
 * Prefixes that wrappers and loggers put before the message, stripped one after another from the left. Each
 * consumes a bounded, distinct shape, so stripping is linear.
 */
const PREFIXES: readonly RegExp[] = [
  // A pasted quote, a list marker or a table cell.
  /^(?:>\s?)+/,
  /^\|\s/,
  // Docker Compose: "svc-1  | ", "api_1  | ".
  /^[\w.-]{1,64}\s{0,40}\|\s?/,
  // journald / syslog: "Apr 29 12:31:28 host ollama[1654667]: ".
  // The month may be localised ("7月") or cut off by the paste.
  /^\S{0,6} ?[ \d]\d \d\d:\d\d:\d\d [\w.-]{1,64} [\w.@/-]{1,64}(?:\[\d{1,10}\])?: /,
  // Go's log package ("2024/07/09 06:51:25 "), zerolog's console ("5:38AM "), a bare syslog time ("Jan 07 09:55:05 ").
  /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d(?:\.\d{1,9})?\s/,
  /^\d{1,2}:\d\d(?:AM|PM)\s/,
  /^\S{0,6} ?\d\d \d\d:\d\d:\d\d\s/,
  // RFC 3339 timestamps (docker --timestamps, TGI, Kubernetes): "2024-02-08T08:40:56.161703147Z ".
  /^\[?\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d{1,9})?(?:Z|[+-]\d\d:?\d\d)?\]?\s{0,4}/,
  // vLLM V1 process tags and torch ranks: "(EngineCore_DP0 pid=316) ", "(APIServer pid=1) ", "[rank0]: ".
  /^\((?:[\w.-]{1,40} )?pid=\d{1,10}\)\s{0,8}/,
  /^\[rank\d{1,5}\]:\s?/,
  // llama.cpp's own timestamps and level letters: "0.00.074.625 E ".
  /^\d{1,3}\.\d\d\.\d{3}\.\d{3} [IWEDT] /,
  // Python logging as vLLM and SGLang print it: "ERROR 11-23 10:00:00 [core.py:123] ", "[2025-01-01 10:00:00] ".
  /^(?:DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL|FATAL)\s{1,4}\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{1,6})?\s{1,4}/,
  /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:[.,]\d{1,6})?\]\s{0,4}/,
  /^\[[\w./-]{1,80}:\d{1,6}\]\s{0,4}/,
];

/** A level word and, for Rust and Python loggers, the module that logged: "ERROR text_generation_launcher: ". */
const LEVEL_PREFIX =
  /^\[?(DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL|FATAL|ERR|FTL|WRN|INF|DBG)\]?:?\s{1,4}(?:[a-z_][\w]{0,60}(?:::[\w]{1,60}){0,6}:\s)?/;

const GLOG_PREFIX = /^\[([EWIF]) [\w./-]{1,80}:\d{1,6}\]\s{0,4}/;
const GLOG_LEVELS: Record<string, string> = { E: 'ERROR', W: 'WARNING', I: 'INFO', F: 'FATAL' };

/** zerolog's console abbreviations, as LocalAI prints them. */
const LEVEL_NAMES: Record<string, string> = {
  ERR: 'ERROR',
  FTL: 'FATAL',
  WRN: 'WARNING',
  INF: 'INFO',
  DBG: 'DEBUG',
};

/** Ollama (Go slog): `time=… level=ERROR source=sched.go:457 msg="error loading llama server" error="…"`. */
const SLOG_LEVEL = /(?:^|\s)level=(\w{1,10})(?:\s|$)/;
const SLOG_FIELD = /(?:^|\s)(msg|error)=("(?:[^"\\]|\\.){0,4000}"|\S{1,4000})/g;

/** TGI's JSON log line: {"timestamp":…,"level":"ERROR","fields":{"message":…},"target":…}. */
function jsonLogMessage(line: string): { level: string; message: string } | undefined {
  if (!line.startsWith('{') || !line.endsWith('}')) return undefined;
  try {
    const json = JSON.parse(line) as { level?: unknown; fields?: { message?: unknown }; message?: unknown };
    const message = json.fields?.message ?? json.message;
    if (typeof message !== 'string') return undefined;
    return { level: typeof json.level === 'string' ? json.level : '', message };
  } catch {
    return undefined;
  }
}

function unquote(value: string): string {
  if (!value.startsWith('"')) return value;
  try {
    return JSON.parse(value) as string;
  } catch {
    return value.slice(1, -1);
  }
}

export interface LogMessage {
  /** The message without the wrappers' and loggers' prefixes. */
  text: string;
  /** The level the logger gave it, upper case, when it gave one. */
  level?: string;
}

/** The message of a log line: prefixes stripped, structured lines (Go slog, TGI JSON) read for their message. */
export function logMessage(line: string): LogMessage {
  let text = line.trim();
  const json = jsonLogMessage(text);
  if (json) return { text: json.message.trim(), level: json.level.toUpperCase() };
  for (let changed = true; changed;) {
    changed = false;
    for (const prefix of PREFIXES) {
      const m = prefix.exec(text);
      if (m && m[0].length > 0) {
        text = text.slice(m[0].length).trimStart();
        changed = true;
      }
    }
  }
  const slogLevel = SLOG_LEVEL.exec(text)?.[1];
  if (slogLevel && /\bmsg=/.test(text)) {
    const fields = new Map<string, string>();
    for (const m of text.matchAll(SLOG_FIELD)) fields.set(m[1]!, unquote(m[2]!));
    const msg = fields.get('msg') ?? '';
    const error = fields.get('error');
    return { text: error ? `${msg}: ${error}` : msg, level: slogLevel.toUpperCase() };
  }
  // glog-style C++ logs (PyTorch, NCCL): "[E ProcessGroupNCCL.cpp:828] ".
  const glog = GLOG_PREFIX.exec(text);
  if (glog) return { text: text.slice(glog[0].length), level: GLOG_LEVELS[glog[1]!] ?? 'INFO' };
  const level = LEVEL_PREFIX.exec(text);
  if (level) return { text: text.slice(level[0].length), level: LEVEL_NAMES[level[1]!] ?? level[1]! };
  return { text };
}

const USAGE_ERROR =
  /^(?:(?:[\w.-]{1,60}(?: [\w.-]{1,40}){0,3}: )?error: (?:unrecognized arguments?|unknown argument|invalid (?:argument|value|choice)|argument |the following arguments are required|unexpected argument|invalid value)|error while handling argument )/i;
const CLICK_USAGE =
  /^Error: (?:Got unexpected extra argument|No such option|Invalid value for|Missing option|Missing argument)/;
// Not "terminate called after throwing …": that wrapper names only a type; its what() line has the message.
const PANIC = /^(?:panic: |fatal error: |thread '[^']{0,80}' panicked at|what\(\): )/;
// "torch.OutOfMemoryError: …", "ValueError: …", "huggingface_hub.errors.GatedRepoError: …"; not a code line.
const EXCEPTION =
  /^(?:[a-z_][\w]{0,40}\.){0,6}[A-Z]\w{0,60}(?:Error|Exception|Exit|Interrupt|Warning)(?::\s|$)/;
const ERROR_LINE = /^(?:Error|error|ERROR|Fatal|FATAL|fatal)(?:\[\w{1,20}\])?:\s?\S|\b[Ff]ailed to start\b/;

/** The shape of a log line's message, or undefined for an ordinary line. */
export function lineShape(message: LogMessage): LineShape | undefined {
  const text = message.text;
  if (text === '' || text.length > 4000) return undefined;
  if (USAGE_ERROR.test(text) || CLICK_USAGE.test(text)) return 'usage-error';
  if (PANIC.test(text)) return 'panic';
  if (EXCEPTION.test(text) && !/^\w+Warning/.test(text)) return 'exception';
  if (ERROR_LINE.test(text)) return 'error-line';
  if (message.level === 'ERROR' || message.level === 'FATAL' || message.level === 'CRITICAL')
    return 'error-level';
  return undefined;
}

/** The message of a log line, to quote: it begins with the server's words, not its logger's prefixes. */
export function messageOf(line: string): string {
  return logMessage(line).text;
}
