/**
 * The terminal table of a comparison: one row per cycle (with its number of labels), one
 * column per strategy, each cell the metric's mean ± std over the trials.
 */
import Table from 'cli-table3';
import { strategiesOf, type SummaryRow } from './aggregate.ts';
import { describeMetric, titleWithUnit } from './metricDisplay.ts';
import type { PairedStatistics } from './paired.ts';
import type { StopRow } from './stoppingReport.ts';

const formatLabels = (values: ReadonlyArray<number>): string => {
  const distinct = [...new Set(values.map((v) => Math.round(v)))];
  return distinct.join(' / ');
};

/**
 * Renders a comparison's summary as a plain-text table (no colour codes), with a caption.
 *
 * Use it at the end of `compare` and in `report`. Cells show mean ± sample std in the
 * metric's display unit (test accuracy in %); `*` marks the best mean of each cycle when
 * there are several strategies; a strategy that did not reach a cycle shows `–`.
 * @param metricName the metric's stored name
 * @param summary the summary rows (from `summarize`)
 * @returns the caption and the table, lines joined with `\n`
 * @example
 * console.log(renderTable('testAccuracy', summarize(runs)))
 */
export const renderTable = (metricName: string, summary: ReadonlyArray<SummaryRow>): string => {
  const display = describeMetric(metricName);
  const digits = display.scale === 100 ? 2 : 4;
  const strategies = strategiesOf(summary);
  const cycles = [...new Set(summary.map((r) => r.cycle))].sort((a, b) => a - b);
  const trials = [...new Set(summary.map((r) => r.n))].sort((a, b) => a - b);
  const table = new Table({
    head: ['Cycle', 'Labels', ...strategies],
    colAligns: ['right', 'right', ...strategies.map(() => 'right' as const)],
    style: { head: [], border: [], compact: true },
  });
  for (const cycle of cycles) {
    const rows = strategies.map((s) => summary.find((r) => r.strategy === s && r.cycle === cycle));
    const means = rows.map((r) => (r !== undefined && Number.isFinite(r.mean) ? r.mean : Number.NEGATIVE_INFINITY));
    const best = Math.max(...means);
    const marked = strategies.length > 1 && Number.isFinite(best);
    table.push([
      cycle,
      formatLabels(rows.flatMap((r) => (r === undefined ? [] : [r.labeled]))),
      ...rows.map((r, i) => {
        if (r === undefined || !Number.isFinite(r.mean)) return '–';
        const cell = `${(r.mean * display.scale).toFixed(digits)} ± ${(r.std * display.scale).toFixed(digits)}`;
        if (!marked) return cell;
        return means[i] === best ? `${cell} *` : `${cell}  `;
      }),
    ]);
  }
  const n = trials.length === 1 ? `${trials[0]}` : `${trials[0]}–${trials[trials.length - 1]}`;
  const caption =
    `${titleWithUnit(display)}, mean ± sample std over ${n} trial${n === '1' ? '' : 's'}` +
    (strategies.length > 1 ? ' (* best mean of the cycle)' : '');
  return `${caption}\n${table.toString()}`;
};

const signed = (x: number, digits: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(digits)}`;
const withInterval = (mean: number, lower: number | null, upper: number | null, scale: number, digits: number): string =>
  lower === null || upper === null
    ? `${signed(mean * scale, digits)} (n=1)`
    : `${signed(mean * scale, digits)} [${signed(lower * scale, digits)}, ${signed(upper * scale, digits)}]`;

/**
 * The paired table of a comparison: per cycle, each strategy's mean difference from the
 * baseline with its confidence interval (in the metric's display unit: points of accuracy),
 * then the normalised areas under the curves and their paired differences.
 *
 * Use it after {@link renderTable} at the end of `compare` and in `report`. A strategy that
 * has no pair at a cycle shows `–`; `*` marks an interval that excludes 0.
 * @param metricName the metric's stored name
 * @param stats the paired statistics
 * @returns the caption and the table, lines joined with `\n`
 */
export const renderPairedTable = (metricName: string, stats: PairedStatistics): string => {
  const display = describeMetric(metricName);
  const digits = display.scale === 100 ? 2 : 4;
  const strategies = strategiesOf(stats.cycles);
  const cycles = [...new Set(stats.cycles.map((r) => r.cycle))].sort((a, b) => a - b);
  const table = new Table({
    head: ['Cycle', 'Labels', ...strategies],
    colAligns: ['right', 'right', ...strategies.map(() => 'right' as const)],
    style: { head: [], border: [], compact: true },
  });
  const excludesZero = (lower: number | null, upper: number | null): boolean => lower !== null && upper !== null && (lower > 0 || upper < 0);
  for (const cycle of cycles) {
    const rows = strategies.map((s) => stats.cycles.find((r) => r.strategy === s && r.cycle === cycle));
    table.push([
      cycle,
      formatLabels(rows.flatMap((r) => (r === undefined ? [] : [r.labeled]))),
      ...rows.map((r) => (r === undefined ? '–' : `${withInterval(r.mean, r.lower, r.upper, display.scale, digits)}${excludesZero(r.lower, r.upper) ? ' *' : '  '}`)),
    ]);
  }
  const areaOf = (s: string) => stats.areas.find((a) => a.strategy === s);
  table.push([
    'Δ nAUC',
    '',
    ...strategies.map((s) => {
      const a = areaOf(s);
      return a === undefined || a.difference === null ? '–' : `${withInterval(a.difference, a.differenceLower, a.differenceUpper, display.scale, digits)}${excludesZero(a.differenceLower, a.differenceUpper) ? ' *' : '  '}`;
    }),
  ]);
  const methods = [...new Set(stats.cycles.map((r) => r.method))];
  const unit = display.unit === '%' ? 'points' : display.unit === '' ? 'units' : display.unit;
  const caption =
    `Paired difference from ${stats.baseline} (${unit} of ${display.title.toLowerCase()}), mean [${Math.round(stats.level * 100)}% CI] over trials ` +
    `(${methods.map((m) => (m === 't' ? 'paired t' : m === 'bootstrap' ? 'bootstrap' : 'one trial: no interval')).join(', ')}; * excludes 0)`;
  const areas = stats.areas
    .map((a) => `${a.strategy} ${(a.auc * display.scale).toFixed(digits)}${a.aucLower === null || a.aucUpper === null ? '' : ` [${(a.aucLower * display.scale).toFixed(digits)}, ${(a.aucUpper * display.scale).toFixed(digits)}]`}`)
    .join(' · ');
  return `${caption}\n${table.toString()}\nNormalised area under the curve (mean height over the labels, ${titleWithUnit(display)}): ${areas}`;
};

/**
 * Where each stopping criterion would have stopped each run, as labels: one row per run, one
 * column per criterion; `–` never; `(stopped)` where the run did stop by it.
 * @param rows the stopping report
 * @returns the caption and the table, or null when there is nothing to report
 */
export const renderStoppingTable = (rows: ReadonlyArray<StopRow>): string | null => {
  if (rows.length === 0) return null;
  const criteria = [...new Set(rows.map((r) => r.criterion))];
  const runs = [...new Set(rows.map((r) => `${r.strategy}/trial-${r.trial}`))];
  const table = new Table({ head: ['Run', ...criteria], colAligns: ['left', ...criteria.map(() => 'right' as const)], style: { head: [], border: [], compact: true } });
  for (const run of runs) {
    table.push([
      run,
      ...criteria.map((c) => {
        const r = rows.find((x) => `${x.strategy}/trial-${x.trial}` === run && x.criterion === c);
        return r === undefined || r.labeled === null ? '–' : `${r.labeled}${r.stopped ? ' (stopped)' : ''}`;
      }),
    ]);
  }
  return `Labels at which each stopping criterion would first have stopped each run (– never)\n${table.toString()}`;
};
