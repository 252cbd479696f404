import { describe, expect, it } from 'vitest';
import { summaryCsv, toCsv } from '../../src/report/csv.ts';

describe('toCsv', () => {
  it('quotes fields with commas, quotes and line breaks, and leaves absent values empty', () => {
    expect(toCsv(['a', 'b', 'c', 'd'], [['x,y', 'say "hi"', null, Number.NaN], ['line\nbreak', 1.5, undefined, 0]])).toBe(
      'a,b,c,d\n"x,y","say ""hi""",,\n"line\nbreak",1.5,,0\n',
    );
  });
});

describe('summaryCsv', () => {
  it('writes one row per strategy × cycle with the stored (unscaled) values', () => {
    const csv = summaryCsv('testAccuracy', [
      { strategy: 'random', cycle: 1, labeled: 200, mean: 0.7, std: 0.1, rankingMean: null, rankingStd: null, n: 3 },
      { strategy: 'learning-loss', cycle: 1, labeled: 200, mean: 0.75, std: 0, rankingMean: 0.66, rankingStd: 0.02, n: 1 },
    ]);
    expect(csv).toBe(
      'strategy,cycle,labeled,metric,mean,std,rankingMean,rankingStd,n\n' +
        'random,1,200,testAccuracy,0.7,0.1,,,3\n' +
        'learning-loss,1,200,testAccuracy,0.75,0,0.66,0.02,1\n',
    );
  });
});
