#!/usr/bin/env node
// `npm run build` (and `prepare`): tsc, then the bundles (scripts/bundle.mjs).
//
// tsc builds incrementally (tsconfig.json: dist/.tsbuildinfo): with nothing changed it
// takes a few seconds instead of a full compile, which `npm run bench`, `demo` and `fuzz`
// pay before they start. An incremental build trusts its build info, though: an output
// deleted by hand is not written again while its source is unchanged. So every source's
// .js is looked for afterwards, and if one is missing the build info is dropped and tsc
// compiles everything again.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const tscBin = require.resolve('typescript/bin/tsc');

function run(args) {
  return spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' }).status ?? 1;
}

/** Sources (relative paths) whose compiled .js is not in dist/: the files tsconfig.json makes tsc compile. */
function missingOutputs() {
  const ts = require('typescript');
  const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  if (!config) return [];
  const outDir = config.options.outDir ?? join(root, 'dist');
  const rootDir = config.options.rootDir ?? root;
  return config.fileNames
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .filter((f) => !existsSync(join(outDir, relative(rootDir, f)).replace(/\.ts$/, '.js')))
    .map((f) => relative(root, f));
}

/**
 * tsc into dist/ (incremental), compiling everything again when an output is missing;
 * tsc's exit status (non-zero on type errors, after which tsc has still written its
 * output: scripts/test.mjs can go on with it).
 */
export function compile() {
  let status = run([tscBin, '-p', 'tsconfig.json']);
  const missing = missingOutputs();
  if (missing.length > 0) {
    console.error(`build: ${missing.length} compiled file(s) missing from dist/ (${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''}); compiling everything again`);
    rmSync(join(root, 'dist', '.tsbuildinfo'), { force: true });
    status = run([tscBin, '-p', 'tsconfig.json']);
    const still = missingOutputs();
    if (still.length > 0) {
      console.error(`build: tsc wrote no output for ${still.join(', ')}`);
      return status || 1;
    }
  }
  return status;
}

/** The bundle step (scripts/bundle.mjs); its exit status. */
export function bundle() {
  return run([join(root, 'scripts', 'bundle.mjs')]);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const status = compile();
  if (status !== 0) process.exit(status);
  process.exit(bundle());
}
