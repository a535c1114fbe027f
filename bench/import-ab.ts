// Diagnostic: the import of two builds of the package bundle, side by side in fresh
// processes, in alternating pairs (A B, B A, A B, …; an even number of pairs, so each goes
// first as often and machine drift favours neither). Each child is `node` timing
// `await import()` of one bundle, as bench/startup.ts's import_bundle row does. Prints
// each side's median and the pairs in which B was the faster.
//
//   npx tsc -p . && node dist/bench/import-ab.js OLD.js NEW.js [--pairs 20]
//
// OLD.js and NEW.js are nlkit bundles (dist/nlkit.js of two builds), e.g. an older commit
// built in a git worktree: `git worktree add /tmp/old COMMIT && cd /tmp/old && ln -s
// "$OLDPWD/node_modules" && npm run build`, then /tmp/old/dist/nlkit.js. A bundle
// resolves koffi from the node_modules above it. Needs no privilege; touches no network.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[n >> 1]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

/** ms of one `await import(file)` in a new node process. */
function importMs(file: string): number {
  const code = `const t0 = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); console.log((performance.now() - t0).toFixed(3));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`import of ${file}: exit ${r.status ?? r.signal}: ${(r.stderr || r.stdout).trim().slice(-500)}`);
  return Number(r.stdout.trim());
}

function main(): void {
  const args = process.argv.slice(2);
  const files = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--pairs');
  const at = args.indexOf('--pairs');
  const pairs = at >= 0 ? Number(args[at + 1]) : 20;
  if (files.length !== 2 || !Number.isInteger(pairs) || pairs < 2 || pairs % 2) {
    throw new Error('usage: node dist/bench/import-ab.js OLD.js NEW.js [--pairs N] (N even, at least 2)');
  }
  const [a, b] = files.map((f) => resolve(f)) as [string, string];
  importMs(a); // one of each, untimed: the page cache holds both files before the pairs
  importMs(b);
  const ta: number[] = [];
  const tb: number[] = [];
  let bFaster = 0;
  for (let i = 0; i < pairs; i++) {
    let x: number;
    let y: number;
    if (i % 2 === 0) {
      x = importMs(a);
      y = importMs(b);
    } else {
      y = importMs(b);
      x = importMs(a);
    }
    ta.push(x);
    tb.push(y);
    if (y < x) bFaster++;
  }
  const kib = (f: string): string => (statSync(f).size / 1024).toFixed(1);
  console.log(`import of the bundle, ${pairs} alternating pairs of fresh processes (ms, median; node ${process.version})`);
  console.log(`A ${a} (${kib(a)} KiB): ${median(ta).toFixed(1)}`);
  console.log(`B ${b} (${kib(b)} KiB): ${median(tb).toFixed(1)}`);
  console.log(`B faster in ${bFaster} of ${pairs} pairs`);
}

main();
