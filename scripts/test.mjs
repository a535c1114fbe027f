#!/usr/bin/env node
// nlkit test runner: `npm test`.
//
// 1. Builds into dist/ as `npm run build` does (scripts/build.mjs: tsc, then the bundles).
// 2. As root, re-enters itself under `unshare --mount --net` so every privileged test
//    runs inside a throwaway mount+network namespace: the host's links, routes and
//    /run/netns are never touched (a private tmpfs covers /run, sysfs is remounted
//    for the new netns, lo is brought up). Without root, or where unshare is refused,
//    the privileged tests are skipped and counted.
// 3. Runs every dist/test/**/*.test.js with node (2 at a time), parses the TAP, and
//    prints per-file results and, last, `N passed, N failed, N skipped`. Test files get
//    TMPDIR set to a directory of the run's own, removed when the run ends.
//
// Options: file name filters as arguments (substring match); NLKIT_TEST_JOBS=N.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readlinkSync, statSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Parser } from 'tap-parser';
import { bundle, compile } from './build.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));

function build() {
  const status = compile(); // scripts/build.mjs: tsc, incremental, with its check of the outputs
  if (status !== 0 && process.env.NLKIT_TEST_IGNORE_TYPE_ERRORS === '1') {
    console.error('nlkit tests: type errors ignored (NLKIT_TEST_IGNORE_TYPE_ERRORS=1); running what tsc emitted');
  } else if (status !== 0) {
    console.log('build failed');
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  if (bundle() !== 0) {
    console.log('bundle step failed');
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}

function enterSandbox() {
  // Re-run this script in a new mount + network namespace.
  const args = ['--mount', '--net', '--propagation', 'private', '--', process.execPath, fileURLToPath(import.meta.url), ...process.argv.slice(2)];
  const probe = spawnSync('unshare', ['--mount', '--net', '--propagation', 'private', '--', 'true'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) return null;
  // The namespaces being left: the child checks it is in others before touching anything.
  const r = spawnSync('unshare', args, { stdio: 'inherit', env: { ...process.env, NLKIT_TEST_SANDBOX: nsIds() } });
  if (r.error) return null;
  return r;
}

/** This process's network and mount namespaces, as 'net:[N] mnt:[M]'. */
function nsIds() {
  return `${readlinkSync('/proc/self/ns/net')} ${readlinkSync('/proc/self/ns/mnt')}`;
}

function prepareSandbox() {
  // NLKIT_TEST_SANDBOX is set by enterSandbox() for its unshare'd child: make sure that is
  // where we are before mounting over /run and /sys or changing any link.
  const [net, mnt] = process.env.NLKIT_TEST_SANDBOX.split(' ');
  const [ownNet, ownMnt] = nsIds().split(' ');
  if (!net || !mnt || net === ownNet || mnt === ownMnt) {
    console.log('nlkit tests: NLKIT_TEST_SANDBOX is set, but this process is not in a network and mount namespace of its own; refusing to run (unset it and run npm test)');
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  const sh = (cmd, args) => spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const run = sh('mount', ['-t', 'tmpfs', '-o', 'mode=755', 'nlkit-test-run', '/run']);
  if (run.status !== 0) {
    console.log(`nlkit tests: could not mount a private /run in the sandbox: ${String(run.stderr).trim()}`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  mkdirSync('/run/netns', { recursive: true });
  sh('mount', ['-t', 'sysfs', 'sysfs', '/sys']);
  sh('ip', ['link', 'set', 'lo', 'up']);
}

function findTests(dir) {
  const out = [];
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (e.endsWith('.test.js')) out.push(p);
  }
  return out.sort();
}

function runFile(file) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--enable-source-maps', file], {
      cwd: root,
      // tap's own 30 s per-process timeout would cut long suites short: the runner has its own (NLKIT_TEST_FILE_TIMEOUT).
      env: { ...process.env, TAP: '1', TAP_TIMEOUT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let raw = '';
    let stderr = '';
    const points = [];
    const parser = new Parser();
    parser.on('assert', (a) => points.push(a));
    child.stdout.on('data', (d) => {
      raw += d;
      parser.write(d);
    });
    child.stderr.on('data', (d) => (stderr += d));
    const limit = Number(process.env.NLKIT_TEST_FILE_TIMEOUT ?? 600) * 1000;
    const timer = setTimeout(() => child.kill('SIGKILL'), limit);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      parser.end();
      resolve({ file, code, signal, points, raw, stderr, ms: Date.now() - started });
    });
  });
}

async function main() {
  const isRoot = process.getuid?.() === 0;
  if (isRoot && !process.env.NLKIT_TEST_SANDBOX) {
    build();
    const r = enterSandbox();
    if (r && r.status !== null && !r.error) process.exit(r.status);
    console.error('nlkit tests: could not enter a throwaway namespace with unshare; privileged tests will be skipped');
    process.env.NLKIT_TEST_UNPRIVILEGED = '1';
  } else if (!process.env.NLKIT_TEST_SANDBOX) {
    build();
    if (!isRoot) {
      console.error('nlkit tests: not root — privileged tests (real kernel changes in a throwaway netns) are skipped');
      process.env.NLKIT_TEST_UNPRIVILEGED = '1';
    }
  } else {
    prepareSandbox();
  }

  // Every test file's temporary files (os.tmpdir() honours TMPDIR) go under one directory
  // of this run, removed when the run ends: a test file killed on its timeout, or whose
  // teardown never ran, leaves nothing in the host's /tmp.
  const runTmp = mkdtempSync(join(tmpdir(), 'nlkit-test-'));
  process.env.TMPDIR = runTmp;
  process.on('exit', () => rmSync(runTmp, { recursive: true, force: true }));
  // A run stopped by a signal (Ctrl-C, kill) runs no 'exit' handler: remove it then too,
  // and die of the same signal.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(sig, () => {
      rmSync(runTmp, { recursive: true, force: true });
      process.kill(process.pid, sig);
    });
  }

  let files = findTests(join(root, 'dist/test'));
  if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));
  const jobs = Math.max(1, Number(process.env.NLKIT_TEST_JOBS ?? 2));
  const results = [];
  let next = 0;
  async function worker() {
    while (next < files.length) {
      const f = files[next++];
      const r = await runFile(f);
      report(r);
      results.push(r);
    }
  }
  let passed = 0, failed = 0, skipped = 0;
  function report(r) {
    const name = relative(join(root, 'dist'), r.file);
    let p = 0, f = 0, s = 0;
    const fails = [];
    for (const a of r.points) {
      if (a.skip || a.todo) s++;
      else if (a.ok) p++;
      else {
        f++;
        fails.push(a);
      }
    }
    const crashed = r.code !== 0 && f === 0;
    if (crashed || r.points.length === 0) f++;
    passed += p; failed += f; skipped += s;
    console.log(`${f ? 'FAIL' : 'ok  '} ${name}  ${p} passed, ${f} failed${s ? `, ${s} skipped` : ''}  (${(r.ms / 1000).toFixed(1)} s)`);
    for (const a of fails) {
      console.log(`  not ok ${a.id} - ${a.name}`);
      const d = a.diag ? JSON.stringify(a.diag, null, 2).split('\n').slice(0, 40).join('\n    ') : '';
      if (d) console.log(`    ${d}`);
    }
    if (f) {
      // Show the failing subtests' raw TAP for context.
      const lines = r.raw.split('\n');
      const interesting = lines.filter((l) => !/^\s*ok \d/.test(l) && /not ok|---|message|found|wanted|at:|stack|error/i.test(l)).slice(0, 60);
      if (interesting.length) console.log(interesting.map((l) => '    | ' + l).join('\n'));
    }
    if (crashed || (f && r.stderr)) console.log(`  exit code ${r.code}${r.signal ? ` signal ${r.signal}` : ''}\n  stderr:\n${r.stderr.split('\n').slice(-30).map((l) => '    ' + l).join('\n')}`);
    for (const a of r.points) if (a.skip && typeof a.skip === 'string' && process.env.NLKIT_TEST_VERBOSE) console.log(`  skip ${a.name}: ${a.skip}`);
  }
  await Promise.all(Array.from({ length: Math.min(jobs, files.length) }, worker));
  if (files.length === 0) {
    console.log('no test files found');
    failed++;
  }
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  console.log('0 passed, 1 failed');
  process.exit(1);
});
