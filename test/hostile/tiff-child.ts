/**
 * Child process for malformed-TIFF cases that could crash the runner: opens the file given as
 * argv[2] with openRaster, reads every pixel of every level, and prints one JSON line:
 * `{ "ok": true }` or `{ "ok": false, "typed": bool, "code": ..., "message": ... }`.
 */
import { GeosliceError } from '../../src/errors.js';
import { openRaster } from '../../src/loaders/raster.js';

const file = process.argv[2];
try {
  const r = await openRaster(file);
  try {
    for (const [level, l] of r.info.levels.entries()) {
      await r.readWindow(level, 0, 0, l.width, l.height, [...Array(r.info.bands).keys()]);
    }
  } finally {
    await r.close();
  }
  console.log(JSON.stringify({ ok: true }));
} catch (e) {
  const typed = e instanceof GeosliceError;
  console.log(
    JSON.stringify({ ok: false, typed, code: typed ? e.code : String(e), message: (e as Error).message ?? '' }),
  );
}
