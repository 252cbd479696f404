/**
 * The terminal table of a comparison: one row per cycle (with its number of labels), one
 * column per strategy, each cell the metric's mean ± std over the trials.
 */
import Table from 'cli-table3';
import { strategiesOf, type SummaryRow } from './aggregate.ts';
import { describeMetric, titleWithUnit } from './metricDisplay.ts';

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
