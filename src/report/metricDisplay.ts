/**
 * How a task's metric is shown to a person: its title, its unit and the factor from the
 * stored value to the shown one (accuracy-like metrics are stored in [0, 1], shown in %).
 */

/** Title, unit and scale of a metric for plots and tables. */
export interface MetricDisplay {
  /** e.g. "Test accuracy". */
  readonly title: string;
  /** e.g. "%"; empty when the metric has no unit. */
  readonly unit: string;
  /** Shown value = stored value × scale. */
  readonly scale: number;
}

const known: Readonly<Record<string, MetricDisplay>> = {
  testAccuracy: { title: 'Test accuracy', unit: '%', scale: 100 },
  accuracy: { title: 'Accuracy', unit: '%', scale: 100 },
  pck: { title: 'PCK@0.5 (of ¼ box diagonal)', unit: '%', scale: 100 },
  mAP: { title: 'mAP', unit: '%', scale: 100 },
  rankingAccuracy: { title: 'Loss-ranking accuracy', unit: '%', scale: 100 },
};

/**
 * The display of a metric by its stored name; an unknown name is shown as it is, unscaled.
 * @param metricName the key the results use (e.g. `testAccuracy`, `pck`, `mAP`)
 * @returns its title, unit and scale
 * @example
 * describeMetric('testAccuracy') // { title: 'Test accuracy', unit: '%', scale: 100 }
 */
export const describeMetric = (metricName: string): MetricDisplay =>
  known[metricName] ?? { title: metricName, unit: '', scale: 1 };

/**
 * An axis or column title with its unit, e.g. "Test accuracy (%)".
 * @param display the metric's display
 * @returns the title with the unit in parentheses, when there is one
 */
export const titleWithUnit = (display: MetricDisplay): string =>
  display.unit === '' ? display.title : `${display.title} (${display.unit})`;
