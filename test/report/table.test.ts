import { describe, expect, it } from 'vitest';
import type { SummaryRow } from '../../src/report/aggregate.ts';
import { renderTable } from '../../src/report/table.ts';

const row = (strategy: string, cycle: number, mean: number, std: number, n = 2): SummaryRow => ({
  strategy,
  cycle,
  labeled: 200 * cycle,
  mean,
  std,
  rankingMean: null,
  rankingStd: null,
  n,
});

describe('renderTable', () => {
  const summary = [row('random', 1, 0.5, 0.01), row('random', 2, 0.6, 0.02), row('learning-loss', 1, 0.55, 0.015), row('learning-loss', 2, 0.58, 0)];
  const text = renderTable('testAccuracy', summary);
  const lines = text.split('\n');

  it('has a caption naming the metric, its unit and the number of trials', () => {
    expect(lines[0]).toBe('Test accuracy (%), mean ± sample std over 2 trials (* best mean of the cycle)');
  });

  it('has one column per strategy, in the given order, and one row per cycle with its labels', () => {
    const header = lines.find((l) => l.includes('Cycle'))!;
    expect(header.indexOf('random')).toBeLessThan(header.indexOf('learning-loss'));
    const cycle1 = lines.find((l) => /│\s+1 │\s+200 │/.test(l));
    const cycle2 = lines.find((l) => /│\s+2 │\s+400 │/.test(l));
    expect(cycle1).toBeDefined();
    expect(cycle2).toBeDefined();
  });

  it('shows mean ± std in % and marks the best mean of each cycle', () => {
    const cycle1 = lines.find((l) => /│\s+1 │/.test(l))!;
    const cycle2 = lines.find((l) => /│\s+2 │/.test(l))!;
    expect(cycle1).toContain('50.00 ± 1.00  ');
    expect(cycle1).toContain('55.00 ± 1.50 *');
    expect(cycle2).toContain('60.00 ± 2.00 *');
    expect(cycle2).toContain('58.00 ± 0.00  ');
  });

  it('shows – where a strategy did not reach a cycle, and has no colour codes', () => {
    const partial = renderTable('testAccuracy', [row('random', 1, 0.5, 0, 1), row('random', 2, 0.6, 0, 1), row('entropy', 1, 0.52, 0, 1)]);
    expect(partial.split('\n').find((l) => /│\s+2 │/.test(l))).toContain('–');
    expect(partial).toContain('over 1 trial ');
    expect(partial).not.toMatch(/\u001b\[/);
  });

  it('shows an unknown metric unscaled with four decimals', () => {
    expect(renderTable('meanIoU', [row('random', 1, 0.5, 0.01)])).toContain('0.5000 ± 0.0100');
  });
});
