/**
 * The merge of several people's labels for one item: the label most of them gave (labels are
 * equal when their JSON is), ties broken by who answered first, and how many agreed with it.
 */
import type { Annotation } from './labelQueue.ts';

/** A merged label and its agreement: the fraction of annotations equal to it, in (0, 1]. */
export interface MergedLabel {
  readonly label: unknown;
  readonly agreement: number;
}

/**
 * The majority label of `annotations` (at least one).
 *
 * Use it for classification with several annotations per item; a task whose labels are rarely
 * equal (boxes, points) needs its own merge.
 * @param annotations the item's annotations, in the order given
 * @returns the label and its agreement
 */
export const majorityLabel = (annotations: ReadonlyArray<Annotation>): MergedLabel => {
  if (annotations.length === 0) throw new RangeError('majorityLabel: no annotations');
  const counts = new Map<string, { label: unknown; count: number }>();
  for (const { label } of annotations) {
    const key = JSON.stringify(label);
    const entry = counts.get(key) ?? { label, count: 0 };
    entry.count++;
    counts.set(key, entry);
  }
  // Map keeps insertion order: the first label to reach the top count wins a tie.
  let best = { label: annotations[0]!.label, count: 0 };
  for (const entry of counts.values()) if (entry.count > best.count) best = entry;
  return { label: best.label, agreement: best.count / annotations.length };
};
