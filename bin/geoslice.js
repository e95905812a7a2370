#!/usr/bin/env node
// The `geoslice` command. In the installed package it runs the compiled CLI in dist/; in a clone of the
// repository (where src/ exists) it runs the TypeScript sources through tsx (a development dependency),
// so that it never runs a stale build.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const sources = new URL('../src/cli/run.ts', import.meta.url);
try {
  if (existsSync(fileURLToPath(sources))) {
    const { register } = await import('tsx/esm/api');
    register();
    await import(sources.href);
  } else {
    await import(new URL('../dist/cli/run.js', import.meta.url).href);
  }
} catch (e) {
  // DuckDB's native binding is an optional dependency of @duckdb/node-bindings (one per platform), so
  // `npm install --omit=optional` leaves it out and nothing that reads a catalog can load.
  const binding = /Cannot find module '(@duckdb\/node-bindings-[^/']+)/.exec(String(e?.message))?.[1];
  if (!binding) throw e;
  process.stderr.write(
    `geoslice: DuckDB's native binding ${binding} is not installed (npm install --omit=optional leaves it out); run \`npm install ${binding}\`\n`,
  );
  process.exit(2); // now: other imports of the module graph fail the same way and would print their stacks
}
