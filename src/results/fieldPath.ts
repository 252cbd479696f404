import type * as t from 'io-ts';

// Codecs whose children are fields or indices; a child of any other codec (an intersection's or
// union's member, a codec of our own wrapping one) is not a field and is left out of the path.
const fieldParents = new Set(['InterfaceType', 'PartialType', 'StrictType', 'ExactType', 'ReadonlyType', 'ArrayType', 'ReadonlyArrayType', 'DictionaryType', 'TupleType']);

/**
 * The field path of a decoding error as a user reads it ("runs/0/cycles/2/labeled"): the keys
 * under objects, records and arrays only, so intersection members ('0', '1') never show.
 * @param context the error's context
 * @returns the path, '' at the top level
 */
export const fieldPath = (context: t.Context): string =>
  context
    .filter((c, i) => i > 0 && c.key !== '' && fieldParents.has((context[i - 1]?.type as { readonly _tag?: string } | undefined)?._tag ?? ''))
    .map((c) => c.key)
    .join('/');
