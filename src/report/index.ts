/**
 * Reports of active-learning comparisons: aggregation over trials (mean ± sample std),
 * results.json / CSV files, vega-lite plots rendered to SVG, and the terminal table.
 */
export * from './aggregate.ts';
export * from './comparisonResults.ts';
export * from './comparisonReport.ts';
export * from './csv.ts';
export * from './metricDisplay.ts';
export * from './plots.ts';
export * from './readComparisonResults.ts';
export * from './table.ts';
export * from './intervals.ts';
export * from './paired.ts';
export * from './stoppingReport.ts';
