#!/usr/bin/env node
// nlkit benchmark suite: `npm run bench` (builds first). Options after `--`, e.g.
//   npm run bench -- --n 1000 --runs 3        npm run bench -- --quick
// The suite itself is bench/suite.ts; peers are built by bench/peers.sh. Needs root:
// every run is in a fresh `unshare -n` network namespace.
//
// The compiled suite and library (and its bundles) are copied from dist/ to bench/.build/ (git-ignored)
// first and run from there, so a rebuild of dist/ while the benchmark runs (minutes)
// cannot swap files under the programs it starts.
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
if (!existsSync(join(dist, 'bench', 'suite.js'))) {
  console.error('bench: dist/bench/suite.js is missing; run `npm run build` (npm run bench does)');
  process.exit(1);
}
const build = join(root, 'bench', '.build');
rmSync(build, { recursive: true, force: true });
for (const d of ['src', 'bench']) cpSync(join(dist, d), join(build, d), { recursive: true });
// The bundles (scripts/bundle.mjs) for the start-up benchmark (bench/startup.ts): the
// library's, every plugin's, and the plugins' code-split chunks, which they import.
for (const f of readdirSync(dist)) if (/^nlkit(-[a-z-]+)?\.js(\.map)?$/.test(f)) cpSync(join(dist, f), join(build, f));
if (existsSync(join(dist, 'chunks'))) cpSync(join(dist, 'chunks'), join(build, 'chunks'), { recursive: true });
const { main } = await import(pathToFileURL(join(build, 'bench', 'suite.js')).href);
process.exit(await main(process.argv.slice(2)));
