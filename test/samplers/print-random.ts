/**
 * Child-process half of the cross-process determinism test: prints the slice keys of a fixed
 * randomSampler stream as JSON. Also exports the catalog rows and options so the parent can compare.
 */
import { catalogFromRows } from '../../src/catalog/from-rows.js';
import type { CatalogRow } from '../../src/catalog/types.js';
import { randomSampler, type RandomSamplerOptions } from '../../src/samplers/random.js';
import { collect, sceneRow, sliceKey } from './helpers.js';

export function sequenceCatalogRows(): CatalogRow[] {
  return Array.from({ length: 200 }, (_, i) =>
    sceneRow(`scene-${i}`, [i % 10, Math.floor(i / 10), (i % 10) + 0.3 + (i % 7) * 0.1, Math.floor(i / 10) + 0.6], {
      extras: { u: (i % 5) + 0.5 },
    }),
  );
}

export const sequenceOptions: RandomSamplerOptions = {
  size: 32,
  resolution: 0.005,
  length: 400,
  seed: 'xproc',
  epoch: 2,
  weight: 'u',
};

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) {
  const slices = await collect(randomSampler(catalogFromRows(sequenceCatalogRows()), sequenceOptions));
  process.stdout.write(JSON.stringify(slices.map(sliceKey)));
}
