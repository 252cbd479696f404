/**
 * An oracle is a stream: queries go in, answers come out, in any order, at any pace, possibly
 * never. It is an `OperatorFunction<Query, unknown>`: what it emits is decoded at the edge
 * (io-ts {@link AnswerCodec}, then the learner's labelCodec), so an oracle backed by a
 * person or a file may emit anything and the labeled set stays sound.
 */
import type { OperatorFunction } from 'rxjs';
import * as t from 'io-ts';

/** A request for the label of pool item `id`; `attempt` counts from 1 (retries re-send it). */
export interface Query {
  readonly id: number;
  readonly attempt: number;
  /** 0 for the initial random set, then the cycle whose selection asked. */
  readonly cycle: number;
}

/**
 * What an oracle emits, once decoded:
 * - `{ id, label }`: the label of a query;
 * - `{ id, error }` when it could not answer (the query is retried with backoff, then replaced
 *   by the next-ranked candidate);
 * - `{ id, skip: true }` when a person does not know ("skip"): the query is given up at once and
 *   the next-ranked candidate asked, as for a query that failed its last attempt;
 * - `{ id, withdraw: true }` to take back this round's answer for `id` (a person's undo): the
 *   journal records the withdrawal, the label leaves the labeled set and the query is open
 *   again, so the next answer for `id` is the one merged (the last label wins). Only while the
 *   round is open: once the budget is answered, training starts and the answers are final.
 */
export type Answer =
  | { readonly id: number; readonly label: unknown }
  | { readonly id: number; readonly error: string }
  | { readonly id: number; readonly skip: true }
  | { readonly id: number; readonly withdraw: true };

/** The io-ts codec of an answer's envelope; the label itself is decoded by the learner's labelCodec. */
export const AnswerCodec = t.intersection(
  [t.type({ id: t.Int }), t.partial({ label: t.unknown, error: t.string, skip: t.literal(true), withdraw: t.literal(true) })],
  'Answer',
);

/** Queries in, answers (decoded with {@link AnswerCodec}) out. */
export type Oracle = OperatorFunction<Query, unknown>;
