import { INPUT_NAMES, parseInputs, type ParseResult, type RawInputs } from './schema.js';

/**
 * INPUT_* environment → the raw record → the schema. The runner names `base-url` INPUT_BASE-URL (hyphens
 * kept, upper-cased) and sends every declared input, "" when unset; the schema turns "" into its default.
 */
export function configFromActionEnv(env: Record<string, string | undefined>): ParseResult {
  const raw: RawInputs = {};
  for (const name of INPUT_NAMES) {
    const value = env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`];
    if (value !== undefined) raw[name] = value;
  }
  return parseInputs(raw);
}
