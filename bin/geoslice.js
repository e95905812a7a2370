#!/usr/bin/env node
// The `geoslice` command. In the installed package it runs the compiled CLI in dist/; in a clone of the
// repository (where src/ exists) it runs the TypeScript sources through tsx (a development dependency),
// so that it never runs a stale build.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const sources = new URL('../src/cli/run.ts', import.meta.url);
if (existsSync(fileURLToPath(sources))) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(sources.href);
} else {
  await import(new URL('../dist/cli/run.js', import.meta.url).href);
}
