#!/usr/bin/env node
// The `geoslice` command: runs the compiled CLI from dist/ when it has been built (`npm run build`),
// otherwise the TypeScript sources through tsx (a development dependency of this repository).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const built = fileURLToPath(new URL('../dist/cli/run.js', import.meta.url));
if (existsSync(built)) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/run.ts', import.meta.url).href);
}
