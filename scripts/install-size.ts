/**
 * What a user installs: packs this repository (`npm pack`, which builds dist/), installs the tarball
 * into empty folders with a plain `npm install` and with `npm install --omit=optional`, and prints,
 * for each, the size of node_modules and of every top-level package in it: the apparent size (the sum
 * of file sizes, `du -s --apparent-size`) and the space on disk (`du -s`, each hard-linked file once).
 * MB are 10^6 bytes. Uses the npm cache first (`--prefer-offline`); the registry fills what it lacks.
 *
 *   npm run install-size            both installs, packages of 0.5 MB and more
 *   npm run install-size -- --all   every package
 */
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Sizes in bytes. */
interface Size {
  apparent: number;
  disk: number;
}

/** The apparent size and the disk usage of a tree, like `du -s --apparent-size` and `du -s`. */
function treeSize(path: string, seen = new Set<string>()): Size {
  const st = lstatSync(path, { bigint: true });
  const inode = `${st.dev}:${st.ino}`;
  if (seen.has(inode)) return { apparent: 0, disk: 0 };
  seen.add(inode);
  const size = { apparent: Number(st.size), disk: Number(st.blocks) * 512 };
  if (st.isDirectory()) {
    for (const name of readdirSync(path)) {
      const s = treeSize(join(path, name), seen);
      size.apparent += s.apparent;
      size.disk += s.disk;
    }
  }
  return size;
}

function npmRun(args: string[], cwd: string): string {
  // Not the settings `npm run` passes down from this repository: those of a user in their own folder.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^npm_(config|package|lifecycle)_/i.test(k)),
  );
  const r = spawnSync(npm, args, { cwd, encoding: 'utf8', env: { ...env, npm_config_fund: 'false' } });
  if (r.status !== 0) throw new Error(`npm ${args.join(' ')} failed in ${cwd}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** The top-level packages of `modules` (scoped ones as `@scope/name`) and the rest (`.bin`, npm's lock). */
function topLevel(modules: string): { name: string; path: string }[] {
  const out: { name: string; path: string }[] = [];
  for (const name of readdirSync(modules)) {
    if (name.startsWith('@')) {
      for (const sub of readdirSync(join(modules, name)))
        out.push({ name: `${name}/${sub}`, path: join(modules, name, sub) });
    } else {
      out.push({ name, path: join(modules, name) });
    }
  }
  return out;
}

const mb = (bytes: number): string => (bytes / 1e6).toFixed(1).padStart(7);

function report(label: string, tarball: string, args: string[], all: boolean): void {
  const app = mkdtempSync(join(tmpdir(), 'geoslice-install-size-'));
  try {
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    const t0 = performance.now();
    npmRun(['install', ...args, '--prefer-offline', '--no-audit', '--no-fund', tarball], app);
    const seconds = (performance.now() - t0) / 1000;
    const modules = join(app, 'node_modules');
    const total = treeSize(modules);
    const rows = topLevel(modules)
      .map((p) => ({ ...p, ...treeSize(p.path) }))
      .sort((a, b) => b.apparent - a.apparent);
    console.log(`\n## ${label}: npm install ${[...args, 'geoslice'].join(' ')} (${seconds.toFixed(0)} s)\n`);
    console.log('| package | apparent MB | on disk MB |');
    console.log('| --- | ---: | ---: |');
    console.log(`| **node_modules** | **${mb(total.apparent).trim()}** | **${mb(total.disk).trim()}** |`);
    let restApparent = 0;
    let restDisk = 0;
    let restCount = 0;
    for (const r of rows) {
      if (all || r.apparent >= 5e5) {
        console.log(`| ${r.name} | ${mb(r.apparent)} | ${mb(r.disk)} |`);
      } else {
        restApparent += r.apparent;
        restDisk += r.disk;
        restCount++;
      }
    }
    if (restCount > 0) console.log(`| ${restCount} others | ${mb(restApparent)} | ${mb(restDisk)} |`);
  } finally {
    rmSync(app, { recursive: true, force: true });
  }
}

const all = process.argv.includes('--all');
const packDir = mkdtempSync(join(tmpdir(), 'geoslice-pack-'));
try {
  mkdirSync(packDir, { recursive: true });
  const name = npmRun(['pack', '--pack-destination', packDir, '--silent'], root).trim().split('\n').at(-1) as string;
  const tarball = join(packDir, name);
  const packed = treeSize(tarball);
  console.log(
    `# Install size of ${name} (${mb(packed.apparent).trim()} MB packed), Node ${process.version}, ${process.platform}-${process.arch}`,
  );
  report('Plain install', tarball, [], all);
  report('Without optional dependencies', tarball, ['--omit=optional'], all);
} finally {
  rmSync(packDir, { recursive: true, force: true });
}
