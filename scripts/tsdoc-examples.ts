/**
 * TSDoc `@example`s are kept where they teach: on the entry points a user starts from (the module
 * docs of each folder's `index.ts` and the functions in {@link ENTRY_POINTS}), written as complete
 * programs that import from `geoslice` and compile (test/docs/tsdoc-examples.test.ts type-checks them).
 *
 *   npm run tsdoc:prune    remove the @example blocks of every other declaration in src/
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Declarations whose TSDoc keeps its `@example`: where a user starts. */
export const ENTRY_POINTS: ReadonlySet<string> = new Set([
  'GeosliceError',
  'openCatalog',
  'buildRasterCatalog',
  'buildCatalogFromTable',
  'appendToCatalog',
  'randomSampler',
  'gridSampler',
  'stratifiedSampler',
  'createLoader',
  'openRaster',
  'createStitcher',
  'writePredictions',
  'selectForLabeling',
  'writeCog',
  'createCogWriter',
  'loadTf',
  'toTensor',
  'tfDataset',
  'renderCoverageMap',
  'frameMap',
]);

/** One `@example` block: where it is, what it documents and its fenced code. */
export interface TsdocExample {
  file: string;
  line: number;
  /** The declaration the TSDoc belongs to, or `<module>` for a file's module doc. */
  owner: string;
  lang: string;
  code: string;
  /** Line range of the block in the file, from the `@example` line to the closing fence (inclusive, 0-based). */
  start: number;
  end: number;
}

/** The `.ts` files under `dir`, recursively. */
export function sourceFiles(dir = join(root, 'src')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** The `@example` blocks of a file's TSDoc comments. */
export function examplesOf(file: string): TsdocExample[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: TsdocExample[] = [];
  let commentStart = -1;
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i].trim();
    if (t.startsWith('/**')) commentStart = i;
    if (commentStart < 0 || !t.endsWith('*/')) continue;
    const owner = ownerAfter(lines, i + 1, commentStart === firstCommentLine(lines));
    for (let k = commentStart; k <= i; k++) {
      if (!/^\s*\*\s*@example\s*$/.test(lines[k])) continue;
      const open = k + 1;
      const fence = /^\s*\*\s*```(\w*)\s*$/.exec(lines[open] ?? '');
      if (!fence) continue;
      let close = open + 1;
      while (close < i && !/^\s*\*\s*```\s*$/.test(lines[close])) close++;
      const code = lines
        .slice(open + 1, close)
        .map((l) => l.replace(/^\s*\*( |$)/, ''))
        .join('\n')
        .replaceAll('*\\/', '*/');
      out.push({ file, line: k + 1, owner, lang: fence[1] || 'ts', code, start: k, end: close });
    }
    commentStart = -1;
  }
  return out;
}

/** True when an example teaches: the module doc of a folder's `index.ts` or of the CLI, or an {@link ENTRY_POINTS} declaration. */
export function isEntryPointExample(e: TsdocExample): boolean {
  return e.owner === '<module>' ? /(^|\/)(index|cli\/main)\.ts$/.test(e.file) : ENTRY_POINTS.has(e.owner);
}

function firstCommentLine(lines: string[]): number {
  return lines.findIndex((l) => l.trim().startsWith('/**'));
}

/** The name declared after a comment ending at `from`, or `<module>` for a file's leading module doc. */
function ownerAfter(lines: string[], from: number, isFirst: boolean): string {
  let k = from;
  while (k < lines.length && lines[k].trim() === '') k++;
  const m =
    /^\s*(?:export\s+)?(?:default\s+)?(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?(?:function\*?|class|interface|type|const|let|enum)\s+(\w+)/.exec(
      lines[k] ?? '',
    );
  if (m) return m[1];
  const member = /^\s*(?:(?:public|private|protected|readonly|static|async|get|set)\s+)*(\w+)\s*[(<:?]/.exec(
    lines[k] ?? '',
  );
  if (isFirst && (!member || /^(import|export)\b/.test((lines[k] ?? '').trim()))) return '<module>';
  return member ? `.${member[1]}` : '<unknown>';
}

/** Removes the `@example` blocks that are not on entry points (and the blank doc line before each). */
export function pruneFile(file: string): number {
  const remove = examplesOf(file).filter((e) => !isEntryPointExample(e));
  if (remove.length === 0) return 0;
  const lines = readFileSync(file, 'utf8').split('\n');
  for (const e of remove.reverse()) {
    let start = e.start;
    if (/^\s*\*\s*$/.test(lines[start - 1] ?? '')) start--;
    lines.splice(start, e.end - start + 1);
  }
  writeFileSync(file, lines.join('\n').replace(/^[ \t]*\/\*\*\n(?:[ \t]*\*[ \t]*\n)*[ \t]*\*\/\n/gm, ''));
  return remove.length;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  let removed = 0;
  for (const f of sourceFiles()) {
    const n = pruneFile(f);
    if (n > 0) console.log(`${relative(root, f)}: ${n} @example block(s) removed`);
    removed += n;
  }
  console.log(`${removed} @example blocks removed`);
}
