import { execFileSync } from 'node:child_process';
import { loadSlice } from './src/loaders/load-slice.js';
const [f, ...rest] = process.argv.slice(2);
const b = rest.slice(0, 4).map(Number) as [number, number, number, number];
const n = Number(rest[4]);
execFileSync('gdalwarp', ['-q', '-overwrite', '-r', 'near', '-dstalpha', '-t_srs', 'EPSG:4326', '-te', ...b.map(String), '-ts', String(n), String(n), f, '/tmp/i12/cmp.tif']);
const g = JSON.parse(execFileSync('/usr/bin/python3', ['-c', "import rasterio,json;a=rasterio.open('/tmp/i12/cmp.tif').read();print(json.dumps(a.astype(float).tolist()))"]).toString());
const chip = await loadSlice([f], { bounds: b, crs: 'EPSG:4326', resolution: [(b[2] - b[0]) / n, (b[3] - b[1]) / n] }, { resampling: 'nearest', dtype: 'float64' });
const out = [];
const nb = g.length - 1;
for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) {
  const p = r * n + c;
  const ga = g[nb][r][c] > 0;
  const oa = chip.mask![p] === 1;
  const same = ga === oa && (!oa || Array.from({ length: nb }, (_, i) => g[i][r][c] === chip.data[i * n * n + p]).every(Boolean));
  if (!same) out.push(`${c},${r}: gdal ${ga ? g.slice(0, nb).map((x: number[][]) => x[r][c]).join('/') : '-'} ours ${oa ? Array.from({ length: nb }, (_, i) => chip.data[i * n * n + p]).join('/') : '-'}`);
}
console.log(out.length, out.slice(0, 12).join('\n'));
