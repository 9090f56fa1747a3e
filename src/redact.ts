/**
 * Masks secrets in any string that leaves the process. Two layers: the exact values we know (api-key, URL
 * passwords, tokens in query strings) and patterns for secrets we don't know but that servers print in
 * their logs (Hugging Face tokens, bearer tokens, OpenAI-style keys, URL userinfo).
 */
export type Redactor = (text: string) => string;

const MARKERS = ['***', '[redacted]', '<secret>'];

const PATTERNS: Array<[RegExp, string]> = [
  [/\bhf_[A-Za-z0-9]{8,}/g, 'hf_***'],
  [/\bsk-[A-Za-z0-9_-]{8,}/g, 'sk-***'],
  [/\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{4,}/gi, '$1 ***'],
  [
    /\b(authorization|x-api-key|api[-_]?key|HF_TOKEN|HUGGING_FACE_HUB_TOKEN|token)(["']?\s*[:=]\s*["']?)(?!\*\*\*)[^\s"',;&]{4,}/gi,
    '$1$2***',
  ],
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s:@]*:[^/\s@]*@/gi, '$1***@'],
  [
    /([?&](?:token|key|api[-_]?key|access[-_]?token|auth|password|secret|sig|signature)=)[^&\s"'#]+/gi,
    '$1***',
  ],
];

export function createRedactor(secrets: readonly (string | undefined)[]): Redactor {
  const known = [...new Set(secrets.filter((s): s is string => typeof s === 'string' && s.length > 0))].sort(
    (a, b) => b.length - a.length,
  );
  return (text: string): string => {
    if (typeof text !== 'string' || text === '') return text;
    let out = text;
    for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
    // Replacing one secret can complete another (overlapping values); repeat until stable, boundedly.
    for (let pass = 0; pass < 4; pass++) {
      let changed = false;
      for (const secret of known) {
        if (!out.includes(secret)) continue;
        const marker = MARKERS.find((m) => !m.includes(secret) && !secret.includes(m)) ?? '';
        out = out.split(secret).join(marker);
        changed = true;
      }
      if (!changed) break;
    }
    return out;
  };
}

/** Redacts every string inside a JSON-like value, keeping its shape. */
export function redactDeep<T>(value: T, redact: Redactor): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, redact)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, redact);
    return out as T;
  }
  return value;
}
