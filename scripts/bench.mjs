#!/usr/bin/env node
// nlkit benchmark suite: `npm run bench` (builds first). Options after `--`, e.g.
//   npm run bench -- --n 1000 --runs 3        npm run bench -- --quick
// The suite itself is bench/suite.ts (compiled to dist/bench/suite.js); peers are built
// by bench/peers.sh. Needs root: every run is in a fresh `unshare -n` network namespace.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const suite = join(root, 'dist', 'bench', 'suite.js');
if (!existsSync(suite)) {
  console.error('bench: dist/bench/suite.js is missing; run `npm run build` (npm run bench does)');
  process.exit(1);
}
const { main } = await import(pathToFileURL(suite).href);
process.exit(await main(process.argv.slice(2)));
