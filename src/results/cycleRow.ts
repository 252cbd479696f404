/**
 * The results row of one cycle, as ONE io-ts codec: what `activeLearning` emits
 * (`cycleFinished`), what results.json stores (src/store/resultsFile.ts), and what reports
 * read back (src/report). It sits below store, streams and report, which all import it.
 *
 * NaN policy (stated once, here): a value that is undefined for a cycle — the ranking
 * accuracy when no test pair has distinct true losses, a mean loss over nothing — is `NaN` in
 * memory (a number, as `rankingAccuracy` in src/ops returns it) and `null` on disk (JSON has
 * no NaN). {@link NumberOrNaN} decodes `null` to `NaN` and encodes `NaN` (and ±Infinity) to
 * `null`, so a row read back is the row that was written. Reports treat NaN as "no value"
 * (left out of means, shown as "–").
 */
import * as t from 'io-ts';

/** A number in memory, `null` on disk when it is not finite (see the NaN policy above). */
export const NumberOrNaN = new t.Type<number, number | null, unknown>(
  'NumberOrNaN',
  (u): u is number => typeof u === 'number',
  (u, c) => (u === null ? t.success(Number.NaN) : typeof u === 'number' ? t.success(u) : t.failure(u, c)),
  (n) => (Number.isFinite(n) ? n : null),
);

/** Seconds spent in each stage of a cycle. */
export const StageSeconds = t.type(
  {
    score: t.number,
    select: t.number,
    oracle: t.number,
    merge: t.number,
    train: t.number,
    evaluate: t.number,
  },
  'StageSeconds',
);
export type StageSeconds = Readonly<t.TypeOf<typeof StageSeconds>>;

const CycleRowFields = t.intersection([
  t.type(
  {
    cycle: t.number,
    /** Labels the cycle trained on. */
    labeled: t.number,
    /** e.g. `testAccuracy`, `pck`, `mAP`; the metric is also stored under this key. */
    metricName: t.string,
    metric: NumberOrNaN,
    /** The loss module's ranking accuracy on the test set (NaN when undefined). */
    rankingAccuracy: NumberOrNaN,
    meanTargetLoss: NumberOrNaN,
    /** Wall time of the cycle. */
    seconds: t.number,
    stageSeconds: StageSeconds,
    /** Labels the cycle's query asked for (0 in the last cycle) and received. */
    queried: t.number,
    answered: t.number,
    /** Query attempts that failed (errors, timeouts, rejected labels), and answers rejected. */
    failedQueries: t.number,
    rejectedAnswers: t.number,
  },
  'CycleRow',
  ),
  t.partial({
    /** Cohen's κ of this cycle's predictions on the stop set against the previous cycle's (null: none to compare). */
    stopKappa: t.union([t.number, t.null]),
    /** Mean predicted loss l̂ over the stop set (null: none measured). */
    stopMeanPredictedLoss: t.union([t.number, t.null]),
  }),
]);

/**
 * One row of results.json: a cycle trained on `labeled` labels, its test metric (under
 * `metricName`, e.g. `testAccuracy`, and as `metric`), the loss module's ranking accuracy,
 * and what its query did. Keys beyond the codec's (the metric under its own name) are kept.
 */
export type CycleRow = Readonly<t.TypeOf<typeof CycleRowFields>> & { readonly [metricName: string]: unknown };

/** The codec of {@link CycleRow}: decodes stored rows (null → NaN), encodes rows for JSON. */
export const CycleRow = new t.Type<CycleRow, Record<string, unknown>, unknown>(
  'CycleRow',
  (u): u is CycleRow => CycleRowFields.is(u),
  (u, c) => {
    const decoded = CycleRowFields.validate(u, c);
    if (decoded._tag === 'Left') return decoded;
    // The extra keys (the metric under its name) are kept; the metric's key follows the policy.
    const extra = u as Record<string, unknown>;
    const named = extra[decoded.right.metricName];
    return t.success({ ...extra, ...decoded.right, [decoded.right.metricName]: named === null ? Number.NaN : named } as CycleRow);
  },
  (row) => {
    const encoded: Record<string, unknown> = { ...row, ...CycleRowFields.encode(row) };
    const named = row[row.metricName];
    if (typeof named === 'number') encoded[row.metricName] = NumberOrNaN.encode(named);
    return encoded;
  },
);
