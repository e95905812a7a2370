import { existsSync, statSync } from 'node:fs';
import { glob } from 'tinyglobby';
import { atBoundary, BuildError, iterateAtBoundary } from '../../errors.js';

/**
 * The files a raster build reads: a path (a file, or a directory: all `.tif`/`.tiff` below it;
 * taken literally, so `scene[1].tif` is that file), `{ glob: 'tiles/**\/*.tif' }` (a pattern
 * expanded by geoslice), or any (async) iterable of paths/URLs.
 */
export type RasterFiles = string | { glob: string } | Iterable<string> | AsyncIterable<string>;

/**
 * Expands {@link RasterFiles} into an async iterable of hrefs, plus the count when it is known
 * up front (globs, directories and arrays). Throws {@link BuildError} `NOT_FOUND` for a missing
 * path, or a glob or directory that matches nothing; `BAD_OPTION` for an input or an item that is
 * not a path. Any other failure, also while `hrefs` is iterated (a caller's iterable that throws), is
 * BuildError `INTERNAL` naming the input, the original as `cause`.
 */
export async function expandFiles(files: RasterFiles): Promise<{ hrefs: AsyncIterable<string>; total: number | null }> {
  const label = `expandFiles ${describeFiles(files)}`;
  return atBoundary(BuildError, label, async () => {
    const { hrefs, total } = await expandFilesUnguarded(files);
    return { hrefs: iterateAtBoundary(BuildError, label, hrefs), total };
  });
}

/** `files` for error messages: a path or pattern, or the kind of iterable. */
function describeFiles(files: unknown): string {
  if (typeof files === 'string') return files;
  if (files && typeof files === 'object') {
    const pattern = (files as { glob?: unknown }).glob;
    if (typeof pattern === 'string') return `{ glob: ${JSON.stringify(pattern)} }`;
    if (Array.isArray(files)) return `[${files.length} files]`;
    return Symbol.asyncIterator in files ? '(async iterable of files)' : '(iterable of files)';
  }
  return String(files);
}

async function expandFilesUnguarded(
  files: RasterFiles,
): Promise<{ hrefs: AsyncIterable<string>; total: number | null }> {
  if (typeof files === 'string') {
    let list: string[];
    if (/^https?:\/\//i.test(files)) list = [files];
    else if (!existsSync(files))
      throw new BuildError(
        'NOT_FOUND',
        `${files} does not exist (paths are literal: to expand a pattern pass { glob: ${JSON.stringify(files)} })`,
        { subject: files },
      );
    else if (statSync(files).isDirectory())
      list = (await glob('**/*.{tif,tiff,TIF,TIFF}', { cwd: files, absolute: true, expandDirectories: false })).sort();
    else list = [files];
    if (list.length === 0)
      throw new BuildError('NOT_FOUND', `the directory ${files} holds no .tif/.tiff files`, { subject: files });
    return { hrefs: toAsync(list), total: list.length };
  }
  if (files && typeof files === 'object' && 'glob' in files && !(Symbol.iterator in files)) {
    const pattern = files.glob;
    if (typeof pattern !== 'string' || pattern.length === 0)
      throw new BuildError('BAD_OPTION', '{ glob } needs a non-empty pattern string');
    const list = (await glob(pattern, { absolute: true })).sort();
    if (list.length === 0)
      throw new BuildError('NOT_FOUND', `the glob ${pattern} matches no files`, { subject: pattern });
    return { hrefs: toAsync(list), total: list.length };
  }
  if (Array.isArray(files)) return { hrefs: toAsync(files), total: files.length };
  if (files && typeof files === 'object' && (Symbol.asyncIterator in files || Symbol.iterator in files))
    return { hrefs: toAsync(files as Iterable<string> | AsyncIterable<string>), total: null };
  throw new BuildError(
    'BAD_OPTION',
    `files must be a path, a directory, { glob } or an iterable of paths, got ${typeof files}`,
  );
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
