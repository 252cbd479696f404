/**
 * The plots of a comparison, as vega-lite specifications rendered to SVG in Node:
 * curve.svg (the test metric against the number of labels, mean ± std band per strategy)
 * and ranking.svg (the loss module's ranking accuracy per cycle, chance level marked).
 */
// vega and vega-lite load when a plot is rendered, not when ll4al is imported.
import type { TopLevelSpec } from 'vega-lite';
import { strategiesOf, type SummaryRow } from './aggregate.ts';
import { describeMetric, titleWithUnit } from './metricDisplay.ts';

const width = 520;
const height = 320;

// Outside the plot on the right: never over a curve, whatever shape the curves take.
const legend = { title: 'Strategy', orient: 'right', symbolType: 'stroke', symbolStrokeWidth: 3, symbolOpacity: 1 } as const;

const config = {
  font: 'Helvetica, Arial, sans-serif',
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e6e6e6' },
  legend: { labelFontSize: 11, titleFontSize: 11 },
  title: { fontSize: 14, subtitleFontSize: 11, subtitleColor: '#555', anchor: 'start' },
  view: { stroke: '#bbb' },
} as const;

const trialsNote = (rows: ReadonlyArray<SummaryRow>): string => {
  const counts = [...new Set(rows.map((r) => r.n))].sort((a, b) => a - b);
  const n = counts.length === 1 ? `${counts[0]}` : `${counts[0]}–${counts[counts.length - 1]}`;
  return counts.every((c) => c <= 1)
    ? `one trial per strategy (no spread to show)`
    : `mean ± sample std over ${n} trials (band)`;
};

/**
 * The vega-lite specification of curve.svg: the metric (e.g. test accuracy, %) against the
 * labeled-set size, one line per strategy with a mean ± std band.
 *
 * Use it to render the curve yourself (another renderer, another size); `renderSvg` turns
 * it into SVG. Rows with a non-finite mean are left out of the plot.
 * @param metricName the metric's stored name (sets the axis title, unit and scale)
 * @param summary the comparison's summary rows
 * @returns a vega-lite specification with the data inlined
 */
export const curveSpec = (metricName: string, summary: ReadonlyArray<SummaryRow>): TopLevelSpec => {
  const display = describeMetric(metricName);
  const rows = summary.filter((r) => Number.isFinite(r.mean));
  const values = rows.map((r) => ({
    strategy: r.strategy,
    labeled: r.labeled,
    mean: r.mean * display.scale,
    lower: (r.mean - r.std) * display.scale,
    upper: (r.mean + r.std) * display.scale,
    n: r.n,
  }));
  const strategies = strategiesOf(rows);
  // Ticks at the labeled-set sizes the cycles trained on, when they are few enough to read.
  const sizes = [...new Set(values.map((v) => v.labeled))].sort((a, b) => a - b);
  const x = {
    field: 'labeled',
    type: 'quantitative' as const,
    title: 'Labeled training images (count)',
    scale: { zero: false },
    axis: sizes.length <= 12 ? { values: sizes, format: ',d' } : { format: ',d' },
  };
  const color = { field: 'strategy', type: 'nominal', scale: { domain: strategies }, legend } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: `${display.title} against the number of labels`, subtitle: trialsNote(rows) },
    width,
    height,
    config,
    data: { values },
    layer: [
      {
        mark: { type: 'area', opacity: 0.18 },
        encoding: {
          x,
          y: { field: 'lower', type: 'quantitative' },
          y2: { field: 'upper' },
          color,
        },
      },
      {
        mark: { type: 'line', point: { filled: true, size: 40 }, strokeWidth: 2 },
        encoding: {
          x,
          y: { field: 'mean', type: 'quantitative', title: titleWithUnit(display), scale: { zero: false } },
          color,
        },
      },
    ],
  };
};

/**
 * The vega-lite specification of ranking.svg: the loss module's ranking accuracy (%) per
 * cycle, mean ± std band per strategy that has a loss module, and the chance level 50% as a
 * dashed rule. Strategies without ranking accuracy (no loss module) are left out.
 * @param summary the comparison's summary rows
 * @returns a vega-lite specification, or null when no strategy reports ranking accuracy
 */
export const rankingSpec = (summary: ReadonlyArray<SummaryRow>): TopLevelSpec | null => {
  const rows = summary.filter((r) => r.rankingMean !== null && Number.isFinite(r.rankingMean));
  if (rows.length === 0) return null;
  const values = rows.map((r) => {
    const mean = (r.rankingMean ?? 0) * 100;
    const std = (r.rankingStd ?? 0) * 100;
    return { strategy: r.strategy, cycle: r.cycle, labeled: r.labeled, mean, lower: mean - std, upper: mean + std };
  });
  const strategies = strategiesOf(rows);
  const x = {
    field: 'cycle',
    type: 'quantitative',
    title: 'Active-learning cycle (number)',
    axis: { tickMinStep: 1, format: 'd' },
    scale: { zero: false },
  } as const;
  const color = { field: 'strategy', type: 'nominal', scale: { domain: strategies }, legend } as const;
  // Chance (50%) is always in view; the axis starts lower only when a band goes below 40%.
  const bottom = Math.max(0, Math.min(40, Math.floor(Math.min(...values.map((v) => v.lower)) / 10) * 10));
  const y = { type: 'quantitative' as const, scale: { domain: [bottom, 100] } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: 'Loss-prediction ranking accuracy on the test set',
      subtitle: ['fraction of test pairs the loss module orders like their true losses', `${trialsNote(rows)}; dashed line: chance (50%)`],
    },
    width,
    height,
    config,
    layer: [
      {
        data: { values },
        mark: { type: 'area', opacity: 0.18 },
        encoding: { x, y: { ...y, field: 'lower' }, y2: { field: 'upper' }, color },
      },
      {
        data: { values },
        mark: { type: 'line', point: { filled: true, size: 40 }, strokeWidth: 2 },
        encoding: { x, y: { ...y, field: 'mean', title: 'Ranking accuracy (%)' }, color },
      },
      {
        data: { values: [{ chance: 50 }] },
        mark: { type: 'rule', strokeDash: [6, 4], color: '#888' },
        encoding: { y: { field: 'chance', type: 'quantitative' } },
      },
    ],
  };
};

/**
 * Renders a vega-lite specification to an SVG document, headless (no browser, no canvas).
 * @param spec a vega-lite specification with its data inlined
 * @returns the SVG text
 */
export const renderSvg = async (spec: TopLevelSpec): Promise<string> => {
  const [vega, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
};
