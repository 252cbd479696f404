/**
 * An error in what the user gave us (a flag, a config field, a file, an oracle answer).
 * The CLI prints its message as one line and exits non-zero, without a stack trace, so the
 * message must name what is wrong: the field, file or value.
 */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(message: string) {
    super(message);
  }
}
