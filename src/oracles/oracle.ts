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
 * What an oracle emits, once decoded: `{ id, label }`, or `{ id, error }` when it could not
 * answer (the query is retried with backoff, then replaced by the next-ranked candidate).
 */
export type Answer = { readonly id: number; readonly label: unknown } | { readonly id: number; readonly error: string };

/** The io-ts codec of an answer's envelope; the label itself is decoded by the learner's labelCodec. */
export const AnswerCodec = t.intersection([t.type({ id: t.Int }), t.partial({ label: t.unknown, error: t.string })], 'Answer');

/** Queries in, answers (decoded with {@link AnswerCodec}) out. */
export type Oracle = OperatorFunction<Query, unknown>;
