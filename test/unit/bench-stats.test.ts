import { describe, expect, it } from 'vitest';
import {
  formatMs,
  formatRatio,
  formatSpread,
  median,
  peakCountInWindow,
  quantile,
  ratePerSecond,
  ratio,
  renderTable,
  rotate,
  stratifiedOffsetMs,
  summarize,
} from '../../bench/stats.ts';

// The benchmark's figures are only as good as these helpers: a wrong median or window count would pass or fail a
// target on its own.

describe('bench statistics', () => {
  it.each([
    { name: 'odd count: the middle value', values: [5, 1, 3], q: 0.5, expected: 3 },
    { name: 'even count: halfway between the middle two', values: [4, 1, 3, 2], q: 0.5, expected: 2.5 },
    { name: 'first quartile interpolates', values: [1, 2, 3, 4, 5], q: 0.25, expected: 2 },
    { name: 'q 0 is the minimum', values: [7, 3, 9], q: 0, expected: 3 },
    { name: 'q 1 is the maximum', values: [7, 3, 9], q: 1, expected: 9 },
    { name: 'undefined and NaN are left out', values: [Number.NaN, 10, 20], q: 0.5, expected: 15 },
    { name: 'no values: undefined', values: [], q: 0.5, expected: undefined },
  ])('quantile: $name', ({ values, q, expected }) => {
    expect(quantile(values, q)).toBe(expected);
  });

  it('median does not reorder the caller’s array', () => {
    const values = [3, 1, 2];
    expect(median(values)).toBe(2);
    expect(values).toEqual([3, 1, 2]);
  });

  it('summarize reports n, median, quartiles and extremes', () => {
    expect(summarize([10, 40, 20, 30, 50])).toEqual({ n: 5, median: 30, q1: 20, q3: 40, min: 10, max: 50 });
    expect(summarize([])).toEqual({ n: 0 });
  });

  it.each([
    {
      name: 'every 100 ms for 3 s: 10 in any second',
      times: Array.from({ length: 30 }, (_, i) => i * 100),
      peak: 10,
    },
    {
      name: 'every 99 ms: 11 fit in one second',
      times: Array.from({ length: 30 }, (_, i) => i * 99),
      peak: 11,
    },
    { name: 'a burst of 5 within 10 ms', times: [0, 2, 4, 6, 8, 2000], peak: 5 },
    { name: 'events exactly 1 s apart are in different windows', times: [0, 1000, 2000], peak: 1 },
    { name: 'unsorted input', times: [900, 0, 450, 5000], peak: 3 },
    { name: 'none', times: [], peak: 0 },
  ])('peak count in a 1 s window: $name', ({ times, peak }) => {
    expect(peakCountInWindow(times, 1000)).toBe(peak);
  });

  it.each([
    { name: '14 requests in 1.5 s', count: 14, spanMs: 1500, expected: (14 * 1000) / 1500 },
    { name: 'empty span', count: 3, spanMs: 0, expected: undefined },
  ])('rate: $name', ({ count, spanMs, expected }) => {
    expect(ratePerSecond(count, spanMs)).toBe(expected);
  });

  it.each([
    { name: 'half', ours: 50, theirs: 100, expected: 0.5 },
    { name: 'slower than the peer', ours: 300, theirs: 100, expected: 3 },
    { name: 'peer missing', ours: 50, theirs: undefined, expected: undefined },
    { name: 'peer at zero', ours: 50, theirs: 0, expected: undefined },
  ])('ratio: $name', ({ ours, theirs, expected }) => {
    expect(ratio(ours, theirs)).toBe(expected);
  });

  it.each([
    { value: 0.384, text: '0.38×' },
    { value: 0.0291, text: '0.029×' },
    { value: 12.5, text: '12.50×' },
    { value: undefined, text: 'n/a' },
  ])('formatRatio($value) is $text', ({ value, text }) => {
    expect(formatRatio(value)).toBe(text);
  });

  it.each([
    { ms: 87.4, text: '87 ms' },
    { ms: 9_999, text: '9999 ms' },
    { ms: 12_345, text: '12.3 s' },
    { ms: -40, text: '-40 ms' },
    { ms: undefined, text: '—' },
  ])('formatMs($ms) is $text', ({ ms, text }) => {
    expect(formatMs(ms)).toBe(text);
  });

  it('formatSpread shows the median, then min and max', () => {
    expect(formatSpread(summarize([100, 80, 120]))).toBe('100 ms [80 ms–120 ms]');
    expect(formatSpread({ n: 0 })).toBe('—');
  });

  it('renderTable pads columns to the widest cell and underlines the header', () => {
    expect(
      renderTable([
        ['contender', 'lag'],
        ['action', '80 ms'],
        ['wait-on', '180 ms'],
      ]),
    ).toBe(['contender  lag', '---------  ------', 'action     80 ms', 'wait-on    180 ms'].join('\n'));
  });

  it.each([
    { name: 'first of 4 rounds, bottom of its slice', round: 0, random: 0, offset: -500 },
    { name: 'first of 4 rounds, middle of its slice', round: 0, random: 0.5, offset: -375 },
    { name: 'last of 4 rounds, middle of its slice', round: 3, random: 0.5, offset: 375 },
    { name: 'a round past the count wraps around', round: 4, random: 0, offset: -500 },
  ])('stratified offset: $name', ({ round, random, offset }) => {
    expect(stratifiedOffsetMs(round, 4, 1000, () => random)).toBe(offset);
  });

  it('stratified offsets stay inside the span and cover it round by round', () => {
    const offsets = [0, 1, 2, 3, 4].map((round) => stratifiedOffsetMs(round, 5, 1000));
    for (const [round, offset] of offsets.entries()) {
      expect(offset).toBeGreaterThanOrEqual(-500 + round * 200);
      expect(offset).toBeLessThan(-500 + (round + 1) * 200);
    }
    expect(stratifiedOffsetMs(0, 5, 0)).toBe(0);
  });

  it('rotate starts each round with the next contender, wrapping around', () => {
    const items = ['a', 'b', 'c'];
    expect([0, 1, 2, 3].map((round) => rotate(items, round).join(''))).toEqual(['abc', 'bca', 'cab', 'abc']);
    expect(rotate([], 2)).toEqual([]);
  });
});
