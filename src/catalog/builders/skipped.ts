import { BuildError } from '../../errors.js';

/**
 * What a build does with a bad input: `'fail'` (default) stops and leaves the previous catalog
 * untouched; `'skip'` leaves the input out and reports it.
 */
export type OnError = 'fail' | 'skip';

/**
 * One input a build left out, and why.
 */
export interface SkippedInput {
  /** The file path/URL, or the record's id or index for table builds. */
  input: string;
  code: string;
  message: string;
}

/**
 * Collects skipped inputs, or throws the first error when `onError` is `'fail'`.
 */
export class SkipReport {
  readonly skipped: SkippedInput[] = [];

  constructor(private readonly onError: OnError = 'fail') {
    if (onError !== 'fail' && onError !== 'skip')
      throw new BuildError('BAD_OPTION', `onError must be 'fail' or 'skip', got ${JSON.stringify(onError)}`);
  }

  /** Records `error` for `input` (skip) or rethrows it as a {@link BuildError} (fail). */
  add(error: { code: string; message: string; cause?: unknown }, input: string): void {
    if (this.onError === 'fail') {
      if (error instanceof BuildError) throw error;
      throw new BuildError(error.code, `${error.message} (pass onError: 'skip' to leave such inputs out)`, {
        subject: input,
        cause: error.cause ?? error,
      });
    }
    this.skipped.push({ input, code: error.code, message: error.message });
  }
}
