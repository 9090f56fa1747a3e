const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses "90s", "10m", "1h", "1m30s", "250ms" or a bare number of seconds into milliseconds.
 * Returns undefined for anything else, so the caller can say which input was wrong.
 */
export function parseDurationMs(text: string): number | undefined {
  const trimmed = text.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const parts =
    /^(?:(\d+(?:\.\d+)?)h)?\s*(?:(\d+(?:\.\d+)?)m(?!s))?\s*(?:(\d+(?:\.\d+)?)s)?\s*(?:(\d+)ms)?$/.exec(
      trimmed,
    );
  if (!parts || trimmed === '') return undefined;
  const [, h, m, s, ms] = parts;
  if (h === undefined && m === undefined && s === undefined && ms === undefined) return undefined;
  const total =
    Number(h ?? 0) * UNIT_MS.h! + Number(m ?? 0) * UNIT_MS.m! + Number(s ?? 0) * UNIT_MS.s! + Number(ms ?? 0);
  return Number.isFinite(total) ? Math.round(total) : undefined;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return seconds ? `${minutes} min ${seconds} s` : `${minutes} min`;
}

/**
 * A duration as a user writes it in an input, exact and in the largest units that fit: "100ms", "1s", "1m30s",
 * "10m", "6h" (never "0.1666 h"), so a limit in a message can be copied into the input as it is.
 */
export function durationInputText(ms: number): string {
  const parts: string[] = [];
  let rest = Math.round(ms);
  for (const unit of ['h', 'm', 's'] as const) {
    const count = Math.floor(rest / UNIT_MS[unit]!);
    if (count > 0) parts.push(`${count}${unit}`);
    rest -= count * UNIT_MS[unit]!;
  }
  if (rest > 0 || parts.length === 0) parts.push(`${rest}ms`);
  return parts.join('');
}
