import { loadSlice } from './src/loaders/load-slice.js';
const f = process.argv[2];
const b = process.argv.slice(3, 7).map(Number) as [number, number, number, number];
const n = Number(process.argv[7]);
const chip = await loadSlice([f], { bounds: b, crs: 'EPSG:4326', resolution: [(b[2] - b[0]) / n, (b[3] - b[1]) / n] }, { resampling: 'nearest', dtype: 'float64' });
const p = n * n;
console.log(chip.shape, chip.validFraction);
for (let band = 0; band < chip.shape[0]; band++) console.log(Array.from(chip.data.slice(band * p, band * p + 8)));
console.log(Array.from(chip.mask!.slice(0, 8)));
