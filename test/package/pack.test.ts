/**
 * The package as a user gets it: `npm pack` (which builds dist/ through `prepack`), the tarball
 * installed into an empty folder with `npm install --omit=optional` (from the npm cache, no tfjs), then
 * in that folder: the README quick start compiled against the installed types and run, a TS file
 * importing `geoslice` and `geoslice/tfjs` type-checked (tfjs types from this repository's
 * devDependency, the runtime has none), `geoslice/tfjs` asked for tfjs throws `NO_TFJS`, and
 * `npx geoslice --version` (first without DuckDB's binding, which --omit=optional drops: a one-line
 * error saying what to install). Without the optional peers sharp, zstd-napi and flatgeobuf, the codecs
 * GDAL-written files commonly use still decode (JPEG through geotiff.js within 3 of libjpeg-turbo, the
 * rest exactly like this repository with its devDependencies) and a FlatGeobuf layer asks for
 * flatgeobuf (`MISSING_DEPENDENCY`).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { resolveCrs } from '../../src/geo/crs.js';
import { openRaster } from '../../src/loaders/index.js';
import { assertQuickStartOutput, demoCatalog } from '../examples/demo-catalog.js';
import { outputDir } from '../examples/run-example.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string };
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const tsc = join(repo, 'node_modules/typescript/bin/tsc');

/** The environment of a user in their own folder: none of the npm settings `npm test` passes down from this repository. */
const userEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^npm_(config|package|lifecycle)_/i.test(k)),
);

function run(cmd: string, args: string[], cwd: string): { stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...userEnv, npm_config_fund: 'false' } });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} in ${cwd} failed:\n${r.stdout}\n${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

test('npm pack -> npm install --omit=optional -> quick start, types of geoslice and geoslice/tfjs, npx geoslice --version', async () => {
  const tmp = outputDir('pack');
  const packDir = join(tmp, 'pack');
  const app = join(tmp, 'app');
  mkdirSync(packDir);
  mkdirSync(app);

  run(npm, ['pack', '--pack-destination', packDir, '--silent'], repo);
  const tarball = join(packDir, readdirSync(packDir).find((f) => f.endsWith('.tgz'))!);
  const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n');
  for (const f of [
    'LICENSE',
    'README.md',
    'CHANGELOG.md',
    'bin/geoslice.js',
    'dist/index.js',
    'dist/index.d.ts',
    'data/crs-epsg.tsv.gz',
    'data/crs-esri.tsv.gz',
  ])
    assert.ok(files.includes(`package/${f}`), `the tarball holds ${f}`);
  assert.ok(files.includes('package/dist/index.js.map'), 'the tarball holds source maps');
  assert.ok(files.includes('package/dist/tfjs/index.d.ts'), 'the tarball holds geoslice/tfjs');
  assert.ok(!files.some((f) => /^package\/(src|test|examples|benchmarks)\//.test(f)), 'no sources or tests shipped');

  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  run(npm, ['install', '--omit=optional', '--prefer-offline', '--no-audit', '--no-fund', tarball], app);
  const modules = join(app, 'node_modules');
  assert.ok(!existsSync(join(modules, '@tensorflow')), 'tfjs is not installed with the core package');
  for (const source of ['epsg-index', '@esri/proj-codes', 'flatgeobuf', 'ol'])
    assert.ok(!existsSync(join(modules, source)), `${source} is not installed with the core package`);
  // --omit=optional also drops DuckDB's native binding: @duckdb/node-bindings lists one package per
  // platform as optional dependencies. Put back the one of this platform, as a user of --omit=optional must.
  const bindings = JSON.parse(readFileSync(join(modules, '@duckdb/node-bindings/package.json'), 'utf8')) as {
    version: string;
  };
  const platformBinding = `@duckdb/node-bindings-${process.platform}-${process.arch}`;
  const without = spawnSync('npx', ['--no-install', 'geoslice', '--version'], {
    cwd: app,
    encoding: 'utf8',
    env: userEnv,
  });
  assert.equal(without.status, 2, without.stderr);
  assert.equal(
    without.stderr,
    `geoslice: DuckDB's native binding ${platformBinding} is not installed (npm install --omit=optional leaves it out); run \`npm install ${platformBinding}\`\n`,
  );
  const binding = `${platformBinding}@${bindings.version}`;
  run(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-save', binding], app);

  // The README quick start, compiled against the installed package's types, then run on the demo catalog.
  copyFileSync(join(repo, 'examples/quick-start.ts'), join(app, 'quick-start.ts'));
  writeFileSync(
    join(app, 'uses-tfjs.ts'),
    [
      "import { createLoader, type Batch, type GeoCatalog } from 'geoslice';",
      "import { loadTf, tfDataset, toTensor, type Tfjs } from 'geoslice/tfjs';",
      'export async function firstTensor(catalog: GeoCatalog, slices: Parameters<typeof tfDataset>[0]) {',
      '  const tf: Tfjs = await loadTf();',
      '  const loader = createLoader({ catalog });',
      '  const ds = await tfDataset(slices, loader, { batchSize: 4, labels: (b: Batch, t) => t.zeros([b.shape[0], 1]) });',
      '  await ds.take(1).forEachAsync(() => {});',
      '  const x = toTensor({ data: new Float32Array(4), shape: [1, 1, 2, 2] } as Batch, { tf, layout: "NHWC" });',
      '  // @ts-expect-error a tfjs Tensor has no such method',
      '  x.notATensorMethod();',
      '  return x.shape;',
      '}',
      '',
    ].join('\n'),
  );
  const compilerOptions = {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    outDir: 'out',
    types: ['node'],
    typeRoots: [join(repo, 'node_modules/@types')],
  };
  // The core: geoslice's .d.ts and those of its dependencies are checked too (skipLibCheck off).
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { ...compilerOptions, skipLibCheck: false }, files: ['quick-start.ts'] }),
  );
  run(process.execPath, [tsc, '-p', app], app);
  // geoslice/tfjs with tfjs' types from the repository (this folder's runtime has no tfjs: that is the
  // point). tfjs' own .d.ts do not pass skipLibCheck off; the @ts-expect-error line fails the check if
  // geoslice's tfjs types were silently \`any\`.
  writeFileSync(
    join(app, 'tsconfig.tfjs.json'),
    JSON.stringify({
      compilerOptions: {
        ...compilerOptions,
        noEmit: true,
        skipLibCheck: true,
        paths: { '@tensorflow/tfjs': [join(repo, 'node_modules/@tensorflow/tfjs/dist/index.d.ts')] },
      },
      files: ['uses-tfjs.ts'],
    }),
  );
  run(process.execPath, [tsc, '-p', join(app, 'tsconfig.tfjs.json')], app);

  const { path, julyScenes, scenes } = await demoCatalog(tmp);
  const quick = run(process.execPath, [join(app, 'out/quick-start.js'), path], app);
  assertQuickStartOutput(quick.stdout, quick.stderr, julyScenes, scenes);

  // The codecs of GDAL-written COGs, decoded by the installed package (no sharp, no zstd-napi) and here.
  const codecFiles = [
    'cog_jpeg_ycbcr',
    'gt_jpeg_rgb_striped',
    'cog_zstd_pred2_int32',
    'cog_lerc_float32',
    'cog_lzw_rgb',
    'cog_deflate_pred3_float32',
  ].map((f) => join(repo, `test/fixtures/loaders/codecs/${f}.tif`));
  writeFileSync(
    join(app, 'codecs.mjs'),
    [
      "import { resolveCrs } from 'geoslice/geo';",
      "import { openRaster } from 'geoslice/loaders';",
      "const crs = ['EPSG:2193', 'ESRI:102039', 'EPSG:4326'].map((c) => resolveCrs(c));",
      'const out = { crs: crs.map(({ code, proj4, name, geographic }) => ({ code, proj4, name, geographic })) };',
      'for (const f of process.argv.slice(2)) {',
      '  const r = await openRaster(f);',
      '  out[f] = Array.from((await r.readWindow(0, 0, 0, 32, 32, [0])).data[0]);',
      '  await r.close();',
      '}',
      'console.log(JSON.stringify(out));',
      '',
    ].join('\n'),
  );
  const installed = JSON.parse(run(process.execPath, [join(app, 'codecs.mjs'), ...codecFiles], app).stdout) as Record<
    string,
    number[]
  > & { crs: unknown };
  // EPSG and ESRI codes resolve through the shipped CRS table exactly as in this repository.
  assert.deepEqual(
    installed.crs,
    ['EPSG:2193', 'ESRI:102039', 'EPSG:4326'].map((c) => {
      const { code, proj4, name, geographic } = resolveCrs(c);
      return { code, proj4, name, geographic };
    }),
  );
  assert.ok(!existsSync(join(modules, 'sharp')) && !existsSync(join(modules, 'zstd-napi')), 'no optional peers');
  for (const f of codecFiles) {
    const r = await openRaster(f);
    // Through JSON like the installed package's values (NaN becomes null).
    const here = JSON.parse(
      JSON.stringify(Array.from((await r.readWindow(0, 0, 0, 32, 32, [0])).data[0] as ArrayLike<number>)),
    ) as number[];
    await r.close();
    const got = installed[f];
    assert.equal(got.length, here.length, f);
    if (/jpeg/.test(f)) {
      const worst = Math.max(...got.map((v, i) => Math.abs(v - here[i])));
      assert.ok(worst <= 3, `${f}: geotiff.js's JPEG decoder is within 3 of libjpeg-turbo (worst ${worst})`);
    } else {
      assert.deepEqual(got, here, f);
    }
  }

  // A FlatGeobuf layer without the optional peer flatgeobuf: a typed error saying what to install.
  const fgb = join(tmp, 'labels.fgb');
  const square = [
    [
      [12, 41],
      [12.01, 41],
      [12.01, 41.01],
      [12, 41],
    ],
  ];
  writeFileSync(
    join(tmp, 'labels.geojson'),
    JSON.stringify({
      type: 'FeatureCollection',
      features: [{ type: 'Feature', properties: { cls: 1 }, geometry: { type: 'Polygon', coordinates: square } }],
    }),
  );
  execFileSync('ogr2ogr', ['-f', 'FlatGeobuf', fgb, join(tmp, 'labels.geojson')]);
  const noFgb = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import('geoslice/vector').then((m) => m.openVectorLayer(${JSON.stringify(fgb)})).then(() => console.log('{}'), (e) => { console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message })); });`,
    ],
    { cwd: app, encoding: 'utf8' },
  );
  const fgbErr = JSON.parse(noFgb.stdout) as { name: string; code: string; message: string };
  assert.equal(fgbErr.name, 'VectorError');
  assert.equal(fgbErr.code, 'MISSING_DEPENDENCY');
  assert.match(fgbErr.message, /npm install flatgeobuf/);

  const noTf = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      "import('geoslice/tfjs').then((m) => m.loadTf()).catch((e) => { console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message })); });",
    ],
    { cwd: app, encoding: 'utf8' },
  );
  const err = JSON.parse(noTf.stdout) as { name: string; code: string; message: string };
  assert.equal(err.name, 'LoaderError');
  assert.equal(err.code, 'NO_TFJS');
  assert.match(err.message, /npm install @tensorflow\/tfjs/);

  const version = run('npx', ['--no-install', 'geoslice', '--version'], app);
  assert.equal(version.stdout.trim(), pkg.version);
  const help = run('npx', ['--no-install', 'geoslice', 'catalog', 'build', '--help'], app);
  assert.match(help.stdout, /^Usage: geoslice catalog build /);
});
