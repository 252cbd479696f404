import { describe, expect, it } from 'vitest';
import { summarize, type RunCurve, type SummaryRow } from '../../src/report/aggregate.ts';
import { curveSpec, rankingSpec, renderSvg } from '../../src/report/plots.ts';

const runs: ReadonlyArray<RunCurve> = ['random', 'entropy', 'learning-loss'].flatMap((strategy, s) =>
  [0, 1, 2].map((trial) => ({
    strategy,
    trial,
    points: [1, 2, 3].map((cycle) => ({
      cycle,
      labeled: 200 * cycle,
      metric: 0.5 + 0.05 * cycle + 0.01 * s + 0.01 * trial,
      rankingAccuracy: strategy === 'learning-loss' ? 0.6 + 0.05 * cycle + 0.01 * trial : null,
    })),
  })),
);
const summary = summarize(runs);

// Every band is an area mark: count the paths vega draws for the area marks.
const areaPaths = (svg: string): number => {
  const groups = svg.match(/<g class="mark-area role-mark[^"]*"[^>]*>(.*?)<\/g>/g) ?? [];
  return groups.reduce((sum, g) => sum + (g.match(/<path /g)?.length ?? 0), 0);
};

/** The tick labels of each axis of an SVG, in drawing order (x first). */
const axisLabels = (svg: string): string[][] =>
  (svg.match(/<g class="mark-text role-axis-label"[^>]*>(.*?)<\/g>/g) ?? []).map((g) => [...g.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!));

describe('curve.svg', () => {
  it('is an SVG with the strategies in the legend, titled axes with units, and one band per strategy', async () => {
    const svg = await renderSvg(curveSpec('testAccuracy', summary));
    expect(svg.startsWith('<svg')).toBe(true);
    for (const name of ['random', 'entropy', 'learning-loss']) expect(svg).toContain(`>${name}</text>`);
    expect(svg).toContain('Test accuracy (%)');
    expect(svg).toContain('Labeled training images (count)');
    expect(svg).toContain('mean ± sample std over 3 trials');
    expect(areaPaths(svg)).toBe(3);
  });

  it('shows the metric in % with the band at mean ± std', () => {
    const spec = curveSpec('testAccuracy', summary) as { data: { values: Array<Record<string, number | string>> } };
    const first = spec.data.values[0]!;
    const row = summary[0]!;
    expect(first.strategy).toBe('random');
    expect(first.mean).toBeCloseTo(row.mean * 100, 10);
    expect(first.lower).toBeCloseTo((row.mean - row.std) * 100, 10);
    expect(first.upper).toBeCloseTo((row.mean + row.std) * 100, 10);
  });

  it('titles an unknown metric by its name, unscaled', async () => {
    const svg = await renderSvg(curveSpec('meanIoU', summary));
    expect(svg).toContain('>meanIoU</text>');
  });
});

describe('ranking.svg', () => {
  it('plots only the strategies with ranking accuracy, with a band and the chance rule', async () => {
    const spec = rankingSpec(summary);
    expect(spec).not.toBeNull();
    const svg = await renderSvg(spec!);
    expect(svg).toContain('>learning-loss</text>');
    expect(svg).not.toContain('>random</text>');
    expect(svg).toContain('Ranking accuracy (%)');
    expect(svg).toContain('Active-learning cycle (number)');
    expect(areaPaths(svg)).toBe(1);
    expect(svg).toMatch(/class="mark-rule role-mark/);
  });

  it('ticks its cycle axis at whole cycles only, each once (a 3-cycle compare: 1, 2, 3)', async () => {
    const svg = await renderSvg(rankingSpec(summary)!);
    expect(axisLabels(svg)[0]).toEqual(['1', '2', '3']);
    const one = summarize(runs.map((r) => ({ ...r, points: r.points.slice(0, 1) })));
    expect(axisLabels(await renderSvg(rankingSpec(one)!))[0]).toEqual(['1']);
  });

  it('is null when no strategy reports ranking accuracy', () => {
    const noRanking: ReadonlyArray<SummaryRow> = summary.map((r) => ({ ...r, rankingMean: null, rankingStd: null }));
    expect(rankingSpec(noRanking)).toBeNull();
  });
});
