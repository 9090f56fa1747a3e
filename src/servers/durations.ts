// The ways servers print how long something took, read into milliseconds. Each returns undefined for a text
// it cannot read, so a line in an unexpected shape counts on our clock instead of with a wrong duration.

/** "5.38" (seconds, as Python's %.2f prints them). */
export function secondsMs(seconds: string | undefined): number | undefined {
  if (seconds === undefined) return undefined;
  const value = Number(seconds);
  return Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) : undefined;
}

const GO_UNITS_MS: Record<string, number> = {
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
  µs: 0.001,
  us: 0.001,
  ns: 1e-6,
};

/** A Go or Rust Debug duration: "1m3.52s", "22.918174777s", "856.2ms", "36.185µs". */
export function goDurationMs(text: string | undefined): number | undefined {
  if (!text || !/^(?:\d+(?:\.\d+)?(?:h|m(?!s)|s|ms|µs|us|ns))+$/.test(text)) return undefined;
  let total = 0;
  for (const [, value, unit] of text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|µs|us|ns)/g))
    total += Number(value) * GO_UNITS_MS[unit!]!;
  return Math.round(total);
}

/** Python's timedelta as str() prints it: "0:00:03", "1:02:03.500000". */
export function timedeltaMs(text: string | undefined): number | undefined {
  const m = text ? /^(\d+):(\d\d):(\d\d(?:\.\d+)?)$/.exec(text) : null;
  if (!m) return undefined;
  return Math.round((Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])) * 1000);
}
