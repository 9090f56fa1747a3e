import type { DoctorCheck, Verdict } from './checks.js';

const MARKS: Record<Verdict, string> = { ok: '✔', warn: '!', fail: '✘', info: '·' };

export function renderDoctor(checks: readonly DoctorCheck[]): string {
  const width = Math.max(...checks.map((c) => c.name.length));
  const lines = [
    'llm-preflight doctor: what in this environment can break a connection to a local LLM server',
    '',
  ];
  for (const c of checks) {
    lines.push(`${MARKS[c.verdict]} ${c.name.padEnd(width)}  ${c.detail}`);
    if (c.fix) lines.push(`  ${' '.repeat(width)}  fix: ${c.fix}`);
  }
  const failed = checks.filter((c) => c.verdict === 'fail').length;
  const warned = checks.filter((c) => c.verdict === 'warn').length;
  lines.push(
    '',
    failed === 0 && warned === 0
      ? 'Nothing found that breaks a local connection.'
      : `${failed} failed, ${warned} warning${warned === 1 ? '' : 's'}.`,
  );
  return lines.join('\n') + '\n';
}
