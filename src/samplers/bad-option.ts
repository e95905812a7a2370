import { SamplerError } from '../errors.js';

/**
 * Throws a {@link SamplerError} `BAD_OPTION` naming the option and what to pass instead.
 */
export function badOption(option: string, got: unknown, want: string): never {
  const shown = typeof got === 'object' && got !== null ? JSON.stringify(got) : String(got);
  throw new SamplerError('BAD_OPTION', `sampler option "${option}" is ${shown}; ${want}`, { subject: option });
}
