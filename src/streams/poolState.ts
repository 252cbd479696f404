import type { Labeled } from '../tasks/learner.ts';

/**
 * The labeled and unlabeled parts of the pool between two stages. Immutable: a stage that
 * labels returns a new state. The unlabeled ids are derived from the labeled ones, so the
 * two are disjoint and their union is the pool by construction.
 */
export interface PoolState<L> {
  /** Items are ids 0 … poolSize − 1. */
  readonly poolSize: number;
  /** Pool id → label, in the order the labels were accepted. */
  readonly labeled: ReadonlyMap<number, L>;
}

/**
 * A pool of `poolSize` items, with the labels given (none by default).
 * @param poolSize the number of items
 * @param labeled labels already known (e.g. read back from a journal)
 * @returns the state
 */
export const createPoolState = <L>(poolSize: number, labeled: Iterable<Labeled<L>> = []): PoolState<L> => {
  const map = new Map<number, L>();
  for (const [id, label] of labeled) {
    if (!Number.isInteger(id) || id < 0 || id >= poolSize) throw new RangeError(`pool id ${id} is outside the pool of ${poolSize}`);
    if (!map.has(id)) map.set(id, label);
  }
  return { poolSize, labeled: map };
};

/**
 * The state with one more label.
 *
 * Use it to merge an accepted answer. An id already labeled or outside the pool is a bug of
 * the caller (answers are checked before) and throws.
 * @param state the state before
 * @param id the pool id
 * @param label its label
 * @returns the state after
 */
export const withLabel = <L>(state: PoolState<L>, id: number, label: L): PoolState<L> => {
  if (!Number.isInteger(id) || id < 0 || id >= state.poolSize) throw new RangeError(`pool id ${id} is outside the pool of ${state.poolSize}`);
  if (state.labeled.has(id)) throw new RangeError(`pool id ${id} is already labeled`);
  const labeled = new Map(state.labeled);
  labeled.set(id, label);
  return { poolSize: state.poolSize, labeled };
};

/**
 * The state without the label of `id` (an answer withdrawn).
 * @param state the state before
 * @param id a labeled pool id (an unlabeled one is a bug of the caller and throws)
 * @returns the state after
 */
export const withoutLabel = <L>(state: PoolState<L>, id: number): PoolState<L> => {
  if (!state.labeled.has(id)) throw new RangeError(`pool id ${id} is not labeled`);
  const labeled = new Map(state.labeled);
  labeled.delete(id);
  return { poolSize: state.poolSize, labeled };
};

/**
 * The unlabeled ids, ascending.
 * @param state the state
 * @returns a new Int32Array of the ids not labeled
 */
export const unlabeledIds = (state: PoolState<unknown>): Int32Array => {
  const out = new Int32Array(state.poolSize - state.labeled.size);
  let n = 0;
  for (let id = 0; id < state.poolSize; id++) if (!state.labeled.has(id)) out[n++] = id;
  return out;
};

/**
 * The labeled set as the learner takes it, in ascending id order (a canonical order, so a
 * fit with the same seed sees the same sequence whatever order the answers came in).
 * @param state the state
 * @returns [id, label] pairs
 */
export const labeledPairs = <L>(state: PoolState<L>): ReadonlyArray<Labeled<L>> =>
  [...state.labeled.entries()].sort((a, b) => a[0] - b[0]);
