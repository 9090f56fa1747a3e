import { it } from 'vitest';
import { CORPUS, corpusLog, diagnoseLog, kindOf } from '../support/failure-corpus.js';
import { plainText } from '../../src/text.js';
it('measure', () => {
  let right = 0, quoted = 0, rightAuto = 0;
  const rows: string[] = [];
  for (const e of CORPUS) {
    const log = corpusLog(e);
    const { finding } = diagnoseLog(log, kindOf(e));
    const auto = diagnoseLog(log, undefined).finding;
    const summary = finding ? plainText(finding.summary) : '';
    const ok = finding?.cause === e.cause;
    const q = summary.includes(e.decisive.slice(0, 40));
    if (ok) right++; if (q) quoted++; if (auto?.cause === e.cause) rightAuto++;
    if (!ok || !q) rows.push(`${ok ? 'cause-ok' : 'CAUSE ' + finding?.cause + '≠' + e.cause} ${q ? '' : 'NOQUOTE'} ${e.file} :: ${summary.slice(0, 140)}`);
  }
  console.log(`right ${right}/${CORPUS.length}, auto ${rightAuto}, quoted ${quoted}/${CORPUS.length}`);
  console.log(rows.join('\n'));
});
