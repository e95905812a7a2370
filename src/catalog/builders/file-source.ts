import { existsSync, statSync } from 'node:fs';
import { glob } from 'tinyglobby';
import { BuildError } from '../../errors.js';

/**
 * The files a raster build reads: a glob (`"tiles/**\/*.tif"`), a directory (all `.tif`/`.tiff`
 * below it), or any (async) iterable of paths/URLs.
 */
export type RasterFiles = string | Iterable<string> | AsyncIterable<string>;

/**
 * Expands {@link RasterFiles} into an async iterable of hrefs, plus the count when it is known
 * up front (globs, directories and arrays). Throws {@link BuildError} `NOT_FOUND` for a glob or
 * directory that matches nothing.
 */
export async function expandFiles(files: RasterFiles): Promise<{ hrefs: AsyncIterable<string>; total: number | null }> {
  if (typeof files === 'string') {
    let list: string[];
    if (existsSync(files) && statSync(files).isDirectory()) {
      list = (await glob('**/*.{tif,tiff,TIF,TIFF}', { cwd: files, absolute: true })).sort();
    } else if (existsSync(files)) {
      list = [files];
    } else {
      list = (await glob(files, { absolute: true })).sort();
    }
    if (list.length === 0)
      throw new BuildError(
        'NOT_FOUND',
        `${files} matches no raster files; pass a glob such as "tiles/**/*.tif", a directory or a list of paths`,
        { subject: files },
      );
    return { hrefs: toAsync(list), total: list.length };
  }
  if (Array.isArray(files)) return { hrefs: toAsync(files), total: files.length };
  if (files && (Symbol.asyncIterator in files || Symbol.iterator in files))
    return { hrefs: toAsync(files), total: null };
  throw new BuildError('BAD_OPTION', `files must be a glob, a directory or an iterable of paths, got ${typeof files}`);
}

async function* toAsync(it: Iterable<string> | AsyncIterable<string>): AsyncIterable<string> {
  let i = 0;
  for await (const f of it) {
    if (typeof f !== 'string' || f.length === 0)
      throw new BuildError('BAD_OPTION', `file #${i} of the input is ${JSON.stringify(f)}, not a path or URL`);
    i++;
    yield f;
  }
}
