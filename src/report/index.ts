/**
 * Reports of active-learning comparisons: aggregation over trials (mean ± sample std),
 * results.json / CSV files, vega-lite plots rendered to SVG, and the terminal table.
 */
export * from './aggregate';
export * from './comparisonResults';
export * from './comparisonReport';
export * from './csv';
export * from './metricDisplay';
export * from './plots';
export * from './readComparisonResults';
export * from './table';
