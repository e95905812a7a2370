/**
 * Fuzzing the TIFF layer: seeded random byte mutations of valid TIFFs (a COG with masks and
 * overviews, a big-endian LZW file, ZSTD, PackBits, YCbCr JPEG, and a BigTIFF LERC planar file made
 * here with gdal_translate), each opened with openRaster, read window by window at every level, and
 * checked with checkCogLayout, in child processes with a per-case time limit. Counts per outcome:
 *
 * - ok: read without error (a mutation of pixel bytes the codec cannot detect, e.g. PackBits);
 * - typed: a GeosliceError (the expected outcome for a damaged file);
 * - untyped: any other error (a bug: every error must be typed);
 * - crash: the child died (abort, signal, out of memory);
 * - hang: the case took longer than --timeout ms.
 *
 *   npx tsx benchmarks/fuzz-tiff.ts [--cases 10000] [--seed 1] [--children 2] [--timeout 20000] [--case N]
 *
 * `--case N` runs one case in this process (to debug a finding). Crashing and hanging inputs are
 * saved under .cache/fuzz/ (gitignored). Exits 1 when there is a crash, a hang or an untyped error.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import seedrandom from 'seedrandom';
import { GeosliceError } from '../src/errors.js';
import { openRaster } from '../src/loaders/raster.js';
import { checkCogLayout } from '../src/tiff/index.js';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '1' },
    children: { type: 'string', default: '2' },
    timeout: { type: 'string', default: '20000' },
    case: { type: 'string' },
    child: { type: 'boolean', default: false },
  },
});

type Outcome = 'ok' | 'typed' | 'untyped' | 'crash' | 'hang';
interface CaseResult {
  outcome: Outcome;
  detail: string;
}

/** Reads every level window by window (at most 64 windows of 256 x 256 per level, up to 4 bands), then checks the layout. */
async function exercise(path: string): Promise<CaseResult> {
  try {
    const r = await openRaster(path);
    try {
      const b = r.info.bands;
      const bands = [...new Set([0, 1, 2, b - 1].filter((x) => x >= 0 && x < b))];
      for (const [level, l] of r.info.levels.entries()) {
        let windows = 0;
        for (let y = 0; y < l.height && windows < 64; y += 256) {
          for (let x = 0; x < l.width && windows < 64; x += 256, windows++) {
            await r.readWindow(level, x, y, Math.min(256, l.width - x), Math.min(256, l.height - y), bands);
          }
        }
      }
    } finally {
      await r.close();
    }
    await checkCogLayout(path);
    return { outcome: 'ok', detail: '' };
  } catch (e) {
    if (e instanceof GeosliceError) return { outcome: 'typed', detail: e.code };
    return { outcome: 'untyped', detail: `${(e as Error)?.name}: ${(e as Error)?.message ?? String(e)}`.slice(0, 300) };
  }
}

/** The valid inputs: five GDAL-made fixtures of the test suite and a BigTIFF made here. */
function inputs(tmp: string): { name: string; bytes: Buffer }[] {
  const fx = fileURLToPath(new URL('../test/fixtures/loaders/codecs/', import.meta.url));
  const names = [
    'cog_deflate_mask_rgb.tif',
    'gt_lzw_pred2_int32_bigendian.tif',
    'cog_zstd_pred2_int32.tif',
    'gt_packbits_int16_tiled.tif',
    'cog_jpeg_ycbcr.tif',
  ];
  const big = join(tmp, 'bigtiff_lerc_planar.tif');
  execFileSync(
    'gdal_translate',
    [
      '-q',
      '-co',
      'BIGTIFF=YES',
      '-co',
      'TILED=YES',
      '-co',
      'BLOCKXSIZE=32',
      '-co',
      'BLOCKYSIZE=32',
      '-co',
      'COMPRESS=LERC',
      '-co',
      'INTERLEAVE=BAND',
      join(fx, 'gt_deflate_pred3_float32_3b_planar_striped.tif'),
      big,
    ],
    { stdio: 'pipe' },
  );
  return [
    ...names.map((n) => ({ name: n, bytes: readFileSync(join(fx, n)) })),
    { name: 'bigtiff_lerc_planar.tif', bytes: readFileSync(big) },
  ];
}

const SPECIAL = [0, 1, 2, 0x7fffffff, 0x80000000, 0xffffffff, 0xffff, 0x8000, 65535 * 65535];

/**
 * Case `id`'s mutated copy of one input: 1 to 8 mutations, 70% of them in the first 4 KiB (where
 * the IFDs of these files sit): a random byte, a bit flip, a special 16/32-bit value, a small
 * delta to a 32-bit value; or the file truncated.
 */
function mutate(files: { name: string; bytes: Buffer }[], seed: string, id: number): { name: string; bytes: Buffer } {
  const rng = seedrandom(`${seed}:${id}`);
  const int = (n: number) => Math.floor(rng() * n);
  const src = files[id % files.length];
  let b = Buffer.from(src.bytes);
  const edits = 1 + int(8);
  for (let k = 0; k < edits; k++) {
    const at = rng() < 0.7 ? int(Math.min(4096, b.length)) : int(b.length);
    const kind = int(10);
    if (kind <= 2) b[at] = int(256);
    else if (kind <= 4) b[at] ^= 1 << int(8);
    else if (kind <= 6 && at + 4 <= b.length) {
      const v = SPECIAL[int(SPECIAL.length)] >>> 0;
      if (rng() < 0.5) b.writeUInt32LE(v, at);
      else b.writeUInt32BE(v, at);
    } else if (kind === 7 && at + 2 <= b.length) b.writeUInt16LE(int(65536), at);
    else if (kind === 8 && at + 4 <= b.length) b.writeUInt32LE((b.readUInt32LE(at) + int(64) - 32) >>> 0, at);
    else if (kind === 9 && rng() < 0.3) b = b.subarray(0, Math.max(1, at));
  }
  return { name: src.name, bytes: b };
}

interface Worker {
  proc: ChildProcess;
  busy: { id: number; path: string; timer: NodeJS.Timeout } | null;
}

async function main(): Promise<void> {
  const cases = Number(values.cases);
  const seed = values.seed!;
  const timeoutMs = Number(values.timeout);
  const tmp = mkdtempSync(join(tmpdir(), 'gs-fuzz-'));
  const keep = resolve('.cache/fuzz');
  mkdirSync(keep, { recursive: true });
  const files = inputs(tmp);

  if (values.case !== undefined) {
    const id = Number(values.case);
    const m = mutate(files, seed, id);
    const p = join(tmp, `case-${id}.tif`);
    writeFileSync(p, m.bytes);
    console.log(`case ${id} (${m.name}):`, await exercise(p));
    rmSync(tmp, { recursive: true, force: true });
    return;
  }

  const counts: Record<Outcome, number> = { ok: 0, typed: 0, untyped: 0, crash: 0, hang: 0 };
  const codes = new Map<string, number>();
  const findings: string[] = [];
  const started = Date.now();
  let next = 0;
  let done = 0;
  const nChildren = Math.max(1, Number(values.children));

  await new Promise<void>((finish) => {
    const record = (id: number, path: string, name: string, r: CaseResult): void => {
      counts[r.outcome]++;
      if (r.outcome === 'typed') codes.set(r.detail, (codes.get(r.detail) ?? 0) + 1);
      if (r.outcome !== 'ok' && r.outcome !== 'typed') {
        findings.push(`case ${id} (${name}): ${r.outcome} ${r.detail}`);
        try {
          writeFileSync(join(keep, `seed${seed}-case${id}-${r.outcome}.tif`), readFileSync(path));
        } catch {
          // the input is regenerated from the seed anyway
        }
      }
      rmSync(path, { force: true });
      done++;
      if (done % 1000 === 0) console.error(`${done}/${cases} cases, ${((Date.now() - started) / 1000).toFixed(0)} s`);
    };
    const spawnWorker = (): Worker => {
      const w: Worker = {
        proc: fork(fileURLToPath(import.meta.url), ['--child'], {
          execArgv: ['--import', 'tsx'],
          stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
        }),
        busy: null,
      };
      w.proc.on('message', (m: { id: number } & CaseResult) => {
        const b = w.busy;
        if (!b || b.id !== m.id) return;
        clearTimeout(b.timer);
        w.busy = null;
        record(m.id, b.path, files[m.id % files.length].name, m);
        feed(w);
      });
      w.proc.on('exit', (code, signal) => {
        const b = w.busy;
        w.busy = null;
        if (b) {
          clearTimeout(b.timer);
          const hang = (w.proc as ChildProcess & { hung?: boolean }).hung === true;
          record(b.id, b.path, files[b.id % files.length].name, {
            outcome: hang ? 'hang' : 'crash',
            detail: hang ? `over ${timeoutMs} ms` : `exit ${code} signal ${signal}`,
          });
        }
        if (next < cases) feed(spawnWorker());
        else if (done === cases) finish();
      });
      return w;
    };
    const feed = (w: Worker): void => {
      if (next >= cases) {
        w.proc.kill();
        if (done === cases) finish();
        return;
      }
      const id = next++;
      const m = mutate(files, seed, id);
      const path = join(tmp, `case-${id}.tif`);
      writeFileSync(path, m.bytes);
      const timer = setTimeout(() => {
        (w.proc as ChildProcess & { hung?: boolean }).hung = true;
        w.proc.kill('SIGKILL');
      }, timeoutMs);
      w.busy = { id, path, timer };
      w.proc.send({ id, path });
    };
    for (let i = 0; i < nChildren; i++) feed(spawnWorker());
  });

  rmSync(tmp, { recursive: true, force: true });
  const secs = (Date.now() - started) / 1000;
  console.log(
    `fuzz-tiff: ${cases} cases (seed ${seed}, ${files.length} inputs, ${nChildren} children, ${timeoutMs} ms limit) in ${secs.toFixed(0)} s`,
  );
  for (const k of Object.keys(counts) as Outcome[]) console.log(`  ${k.padEnd(8)} ${counts[k]}`);
  console.log(
    `  typed codes: ${[...codes.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([c, n]) => `${c} ${n}`)
      .join(', ')}`,
  );
  for (const f of findings.slice(0, 40)) console.log(`  ${f}`);
  process.exitCode = counts.crash + counts.hang + counts.untyped > 0 ? 1 : 0;
}

if (values.child) {
  process.on('message', async (m: { id: number; path: string }) => {
    const r = await exercise(m.path);
    process.send!({ id: m.id, ...r });
  });
} else {
  await main();
}
