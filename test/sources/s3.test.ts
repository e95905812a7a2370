import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { SourceError } from '../../src/errors.js';
import { openRaster } from '../../src/loaders/raster.js';
import { resolveAwsCredentials, resolveAwsRegion } from '../../src/sources/aws-credentials.js';
import { openHttpSource } from '../../src/sources/http-source.js';
import { openSource } from '../../src/sources/open-source.js';
import { S3Client } from '../../src/sources/s3-client.js';
import { parseS3Url, resolveS3Config, s3HttpUrl } from '../../src/sources/s3-config.js';
import { listS3 } from '../../src/sources/s3-glob.js';
import { openS3Source } from '../../src/sources/s3-source.js';
import { type MotoServer, startMoto } from '../fixtures/s3/moto.js';

const COG = fileURLToPath(new URL('../fixtures/loaders/codecs/cog_deflate_pred2_uint16.tif', import.meta.url));
const FILE = new Uint8Array(readFileSync(COG));

describe('S3 source against a moto server with signature checks', () => {
  let moto: MotoServer;
  before(async () => {
    moto = await startMoto();
    await moto.client.put('s3://geoslice/cogs/a.tif', FILE);
    await moto.client.put('s3://geoslice/cogs/sub dir/b.tif', FILE);
    await moto.client.put('s3://geoslice/cogs/notes.txt', new TextEncoder().encode('not a tif'));
    await moto.client.put('s3://geoslice/other/c.tif', FILE);
    await moto.client.put('s3://public/open.tif', FILE);
  });
  after(() => moto?.stop());

  it('reads a COG window with signed range requests, equal to GDAL reading it through /vsis3/', async () => {
    const local = await openRaster(COG);
    const remote = await openRaster('s3://geoslice/cogs/a.tif', { s3: moto.options });
    const { width, height } = remote.info;
    const a = await remote.readWindow(0, 0, 0, width, height, [0]);
    const b = await local.readWindow(0, 0, 0, width, height, [0]);
    assert.deepEqual(a.data[0], b.data[0]);
    await remote.close();
    await local.close();

    const dir = mkdtempSync(join(tmpdir(), 'gs-s3-'));
    try {
      const url = new URL(moto.endpoint);
      execFileSync('gdal_translate', ['-q', '-of', 'ENVI', '/vsis3/geoslice/cogs/a.tif', join(dir, 'a.raw')], {
        env: {
          ...process.env,
          AWS_S3_ENDPOINT: url.host,
          AWS_HTTPS: 'NO',
          AWS_VIRTUAL_HOSTING: 'FALSE',
          AWS_ACCESS_KEY_ID: moto.credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: moto.credentials.secretAccessKey,
          AWS_REGION: moto.region,
          CPL_VSIL_CURL_ALLOWED_EXTENSIONS: '.tif',
        },
      });
      const raw = readFileSync(join(dir, 'a.raw'));
      const gdal = new Uint16Array(raw.buffer, raw.byteOffset, raw.byteLength / 2);
      assert.deepEqual(Array.from(a.data[0] as Uint16Array), Array.from(gdal));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads exact byte ranges (coalesced) and the size through openSource', async () => {
    const src = await openSource('s3://geoslice/cogs/sub dir/b.tif', { s3: moto.options });
    assert.equal(await src.size(), FILE.length);
    const ranges = [
      { offset: 0, length: 8 },
      { offset: 100, length: 50 },
      { offset: FILE.length - 10, length: 10 },
    ];
    const got = await src.readRanges(ranges);
    for (let i = 0; i < ranges.length; i++) {
      const r = ranges[i];
      assert.deepEqual(got[i], FILE.subarray(r.offset, r.offset + r.length));
    }
    await src.close();
  });

  it('lists prefixes and globs with ListObjectsV2 (the prefix is percent-encoded and signed)', async () => {
    assert.deepEqual(await listS3(moto.client, 's3://geoslice/cogs/'), [
      's3://geoslice/cogs/a.tif',
      's3://geoslice/cogs/notes.txt',
      's3://geoslice/cogs/sub dir/b.tif',
    ]);
    assert.deepEqual(await listS3(moto.client, 's3://geoslice/cogs/*.tif'), ['s3://geoslice/cogs/a.tif']);
    assert.deepEqual(await listS3(moto.client, 's3://geoslice/**/*.tif'), [
      's3://geoslice/cogs/a.tif',
      's3://geoslice/cogs/sub dir/b.tif',
      's3://geoslice/other/c.tif',
    ]);
    await assert.rejects(listS3(moto.client, 's3://geoslice/none/'), { code: 'NOT_FOUND' });
  });

  it('pages through long listings', async () => {
    const keys = Array.from({ length: 1003 }, (_, i) => `s3://geoslice/many/k${String(i).padStart(4, '0')}`);
    for (let i = 0; i < keys.length; i += 50)
      await Promise.all(keys.slice(i, i + 50).map((k) => moto.client.put(k, new Uint8Array([1]))));
    assert.deepEqual(await listS3(moto.client, 's3://geoslice/many/'), keys);
  });

  it('wrong credentials are a typed ACCESS_DENIED, for reads and listings', async () => {
    const wrongSecret = { ...moto.options, credentials: { ...moto.credentials, secretAccessKey: 'not-the-secret' } };
    const src = openS3Source('s3://geoslice/cogs/a.tif', { s3: wrongSecret });
    await assert.rejects(src.read(0, 16), (e: unknown) => e instanceof SourceError && e.code === 'ACCESS_DENIED');
    await src.close();
    const unknownKey = { ...moto.options, credentials: { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x' } };
    await assert.rejects(listS3(new S3Client(unknownKey), 's3://geoslice/cogs/'), { code: 'ACCESS_DENIED' });
    const anonymous = openS3Source('s3://geoslice/cogs/a.tif', { s3: { ...moto.options, credentials: null } });
    await assert.rejects(anonymous.read(0, 16), { code: 'ACCESS_DENIED' });
    await anonymous.close();
  });

  it('a missing key is a typed NOT_FOUND', async () => {
    const src = openS3Source('s3://geoslice/cogs/missing.tif', { s3: moto.options });
    await assert.rejects(src.read(0, 16), (e: unknown) => e instanceof SourceError && e.code === 'NOT_FOUND');
    await src.close();
    await assert.rejects(openRaster('s3://geoslice/nope/x.tif', { s3: moto.options }), { code: 'NOT_FOUND' });
  });

  it('reads a public bucket anonymously (no Authorization header)', async () => {
    const src = openS3Source('s3://public/open.tif', { s3: { ...moto.options, credentials: null } });
    assert.deepEqual(await src.read(0, 64), FILE.subarray(0, 64));
    await src.close();
  });

  it('a COG replaced between two range reads of one open source is SOURCE_CHANGED (If-Match is signed and sent)', async () => {
    const href = 's3://geoslice/cogs/replaced.tif';
    await moto.client.put(href, FILE);
    const sent: Record<string, string>[] = [];
    const client = moto.client;
    const src = openHttpSource(client.httpUrl(href).href, {
      signRequest: async (r) => {
        const h = await client.sign(r.method, r.url, r.headers);
        sent.push(h);
        return h;
      },
    });
    assert.deepEqual(await src.read(0, 16), FILE.subarray(0, 16));
    // The second read carries the pinned ETag, signed (SignedHeaders names if-match), and moto accepts it.
    assert.deepEqual(await src.read(100, 50), FILE.subarray(100, 150));
    const pinned = sent[sent.length - 1];
    const etag = await moto.client.get(href).then((g) => g!.etag);
    assert.equal(pinned['if-match'], etag);
    assert.match(pinned.authorization, /SignedHeaders=[^,]*\bif-match\b/);
    const changed = FILE.slice();
    changed[changed.length - 1] ^= 0xff;
    await moto.client.put(href, changed);
    await assert.rejects(src.read(200, 50), (e: unknown) => e instanceof SourceError && e.code === 'SOURCE_CHANGED');
    await src.close();

    // The same through openRaster on s3:// (openS3Source): the header is read, then the object changes.
    await moto.client.put(href, FILE);
    const raster = await openRaster(href, { s3: moto.options });
    await moto.client.put(href, changed);
    const { width, height } = raster.info;
    await assert.rejects(raster.readWindow(0, 0, 0, width, height, [0]), { code: 'SOURCE_CHANGED' });
    await raster.close();
  });

  it('conditional puts: ifNoneMatch creates only once, ifMatch replaces only the known version', async () => {
    const first = await moto.client.put('s3://geoslice/m.json', new TextEncoder().encode('1'), { ifNoneMatch: '*' });
    await assert.rejects(moto.client.put('s3://geoslice/m.json', new Uint8Array([50]), { ifNoneMatch: '*' }), {
      code: 'PRECONDITION_FAILED',
    });
    const second = await moto.client.put('s3://geoslice/m.json', new TextEncoder().encode('2'), { ifMatch: first });
    await assert.rejects(moto.client.put('s3://geoslice/m.json', new Uint8Array([51]), { ifMatch: first }), {
      code: 'PRECONDITION_FAILED',
    });
    const got = await moto.client.get('s3://geoslice/m.json');
    assert.equal(new TextDecoder().decode(got!.body), '2');
    assert.equal(got!.etag, second);
  });
});

describe('AWS credentials, region and endpoints', () => {
  it('takes env vars first, then the profile of the shared credentials file, else anonymous', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-aws-'));
    try {
      const file = join(dir, 'credentials');
      writeFileSync(
        file,
        '[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = s1\n\n# team\n[train]\naws_access_key_id=AKIATRAIN\naws_secret_access_key=s2\naws_session_token=tok\n',
      );
      writeFileSync(join(dir, 'config'), '[default]\nregion = eu-west-1\n[profile train]\nregion = eu-central-1\n');
      const env = { AWS_SHARED_CREDENTIALS_FILE: file, AWS_CONFIG_FILE: join(dir, 'config') };
      assert.deepEqual(
        resolveAwsCredentials({ env: { ...env, AWS_ACCESS_KEY_ID: 'AKIAENV', AWS_SECRET_ACCESS_KEY: 'e' } }),
        {
          accessKeyId: 'AKIAENV',
          secretAccessKey: 'e',
        },
      );
      assert.deepEqual(resolveAwsCredentials({ env }), { accessKeyId: 'AKIADEFAULT', secretAccessKey: 's1' });
      assert.deepEqual(resolveAwsCredentials({ env: { ...env, AWS_PROFILE: 'train' } }), {
        accessKeyId: 'AKIATRAIN',
        secretAccessKey: 's2',
        sessionToken: 'tok',
      });
      assert.equal(resolveAwsCredentials({ env: { ...env, AWS_NO_SIGN_REQUEST: 'YES' } }), null);
      assert.equal(resolveAwsCredentials({ env: { AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none') } }), null);
      assert.throws(() => resolveAwsCredentials({ env, profile: 'absent' }), { code: 'NO_CREDENTIALS' });
      assert.equal(resolveAwsRegion({ env }), 'eu-west-1');
      assert.equal(resolveAwsRegion({ env, profile: 'train' }), 'eu-central-1');
      assert.equal(resolveAwsRegion({ env: { ...env, AWS_REGION: 'ap-south-1' } }), 'ap-south-1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('builds virtual-hosted AWS URLs and path-style URLs for custom endpoints', () => {
    const aws = resolveS3Config({ env: { AWS_REGION: 'eu-west-1' }, credentials: null });
    assert.equal(s3HttpUrl(aws, 'b', 'x/y z+1.tif').href, 'https://b.s3.eu-west-1.amazonaws.com/x/y%20z%2B1.tif');
    const custom = resolveS3Config({ env: { AWS_ENDPOINT_URL: 'http://127.0.0.1:9000' }, credentials: null });
    assert.equal(custom.pathStyle, true);
    assert.equal(s3HttpUrl(custom, 'b', 'k.tif').href, 'http://127.0.0.1:9000/b/k.tif');
    assert.deepEqual(parseS3Url('s3://my-bucket/a/b.tif'), { bucket: 'my-bucket', key: 'a/b.tif' });
    assert.throws(() => parseS3Url('s3://Bad_Bucket/a'), { code: 'BAD_URL' });
  });
});
