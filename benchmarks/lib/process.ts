import { spawnSync } from 'node:child_process';

/** Debian's Python with rasterio, the oracle every benchmark compares against. */
export const PY = '/usr/bin/python3';

/** Runs a command to completion and returns its stdout; throws with its stderr when it fails. */
export function run(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

/** rasterio's and GDAL's versions, for the header line of a benchmark. */
export function rasterioVersion(): string {
  return run(PY, ['-c', 'import rasterio; print(rasterio.__version__, rasterio.__gdal_version__)']).trim();
}
