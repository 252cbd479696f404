/**
 * The label codec of classification on the user's data: a class index, or the class's name
 * (what a person labeling by hand types: `{"id": 17, "label": "cat"}`), decoded to the index.
 * Encoded labels (the journal's) are always indices.
 */
import * as t from 'io-ts';

/**
 * Widens a class-index codec to accept class names too.
 * @param indexCodec the learner's codec of class indices
 * @param classNames the class names, in label order
 * @returns a codec that decodes an index or a name to the index
 * @example classNameCodec(classLabelCodec(2), ['cat', 'dog']).decode('dog') // Right(1)
 */
export const classNameCodec = (indexCodec: t.Type<number, unknown, unknown>, classNames: ReadonlyArray<string>): t.Type<number, unknown, unknown> => {
  const index = new Map(classNames.map((name, k) => [name, k] as const));
  return new t.Type<number, unknown, unknown>(
    `${indexCodec.name} | ClassName`,
    indexCodec.is,
    (u, c) => {
      if (typeof u === 'string') {
        const k = index.get(u);
        return k === undefined ? t.failure(u, c, `expected a class index in [0, ${classNames.length}) or one of ${classNames.join(', ')}, got ${JSON.stringify(u)}`) : t.success(k);
      }
      return indexCodec.validate(u, c);
    },
    indexCodec.encode,
  );
};
