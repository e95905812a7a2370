import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openCatalog } from '../../src/catalog/open.js';
import { outputDir, runExample } from './run-example.js';

// Measured held-out accuracy per round: 0.935, 0.950, 0.984, 0.990 (8, 16, 24, 32 labelled chips).
// Training is seeded and unshuffled, so the run is reproducible and no tolerance is allowed: the
// smallest measured step (+0.006, ~220 of ~37k held-out pixels) is far above float noise.
test('examples/active-learning.ts: three rounds, held-out accuracy never falls and ends >= 0.95, every round writes a catalog version with uncertainty and lineage', async () => {
  const out = outputDir('al');
  const stdout = runExample('active-learning', out);
  const rounds = [
    ...stdout.matchAll(
      /round (\d+): .*?(\d+) labelled; held-out pixel accuracy ([\d.]+)|round 0: trained on (\d+) chips; held-out pixel accuracy ([\d.]+)/g,
    ),
  ].map((m) =>
    m[4] !== undefined
      ? { round: 0, labelled: Number(m[4]), accuracy: Number(m[5]) }
      : { round: Number(m[1]), labelled: Number(m[2]), accuracy: Number(m[3]) },
  );
  assert.deepEqual(
    rounds.map((x) => x.round),
    [0, 1, 2, 3],
    stdout,
  );
  assert.deepEqual(
    rounds.map((x) => x.labelled),
    [8, 16, 24, 32],
  );
  for (let i = 1; i < rounds.length; i++) {
    assert.ok(
      rounds[i].accuracy >= rounds[i - 1].accuracy,
      `accuracy fell from round ${i - 1} (${rounds[i - 1].accuracy}) to round ${i} (${rounds[i].accuracy})`,
    );
  }
  assert.ok(rounds[3].accuracy >= 0.95, `final accuracy ${rounds[3].accuracy}`);
  assert.ok(rounds[3].accuracy > rounds[0].accuracy, 'labelling helped');

  let previous = Infinity;
  for (const round of [1, 2, 3]) {
    const cat = await openCatalog(join(out, `catalog-round${round}.parquet`));
    try {
      const cols = (await cat.schema()).map((c) => c.name);
      for (const c of ['entropy', 'variance', 'margin', 'model_id', 'round', 'parent_catalog', 'slice_xmin'])
        assert.ok(cols.includes(c), `round ${round}: column ${c}`);
      let rows = 0;
      for await (const row of cat.rows()) {
        rows++;
        assert.equal(Number(row.extras.round), round);
        assert.equal(row.extras.model_id, 'sample-segmenter');
        const e = row.extras.entropy as number;
        assert.ok(e >= 0 && e <= Math.log(3), `entropy ${e}`);
      }
      // the labelled chips leave the pool: each round scores fewer chips
      assert.ok(rows > 100 && rows < previous, `round ${round}: ${rows} scored chips (previous round ${previous})`);
      previous = rows;
    } finally {
      await cat.close();
    }
  }
});
