// README's complete examples (the ```ts blocks that import from 'nlkit') are run here, as
// a user would run them: test/docs-examples.test.ts type-checks every block, but a block
// that compiles can still throw (an option the kernel or nlkit refuses, a wrong order of
// calls). Each block is transpiled as written (TypeScript's `using` lowered for Node 20),
// its 'nlkit' import pointed at the package's entry (dist/nlkit.js, what `import … from
// 'nlkit'` loads), and run by a fresh Node in a throwaway network and mount namespace
// (unshare, a tmpfs on /run) after the set-up its prose assumes (an eth0, a named netns
// 'blue'); it passes when the script ends with status 0 and prints what its comments say.
// A block whose kernel support is missing here (IPsec ESP and GCM) must fail with the
// kernel's answer, and is then counted as skipped.
import t from 'tap';
import ts from 'typescript';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { privileged } from './helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url)); // dist/test/ -> the package
const entry = pathToFileURL(join(root, 'dist', 'nlkit.js')).href;

interface Example {
  /** Text of the block's first line that picks it. */
  readonly first: string;
  /** Shell commands run in the namespace before the block. */
  readonly setup?: string;
  /** What its output must hold. */
  readonly prints?: RegExp;
  /** A failure this kernel may give instead (missing support), skipped with the reason. */
  readonly kernelLacks?: RegExp;
}

const EXAMPLES: readonly Example[] = [
  // Quick start: its TCP server keeps the process alive; the runner exits once the block has run.
  { first: "import net from 'node:net';", prints: /^eth0 \d+ veth[0-9a-f]{8} 0?[0-9a-f:]{16,17}\n/ },
  // "ethtool -l eth0": a veth has 2 RX and 2 TX queues here, one of each in use.
  { first: "import { Genl, decodeAttributes } from 'nlkit';", setup: 'ip link add eth0 type veth peer name eth9', prints: /^2 \d+\n6 1\n3 \d+\n7 1\n$/ },
  { first: "import { SockDiag } from 'nlkit';" },
  { first: "import { IpSet, Netns, NetlinkError } from 'nlkit';", prints: /^true\nIPSET_ERR_EXIST: element 192\.0\.2\.0\/24 already exists in set blocked.*\nblocked hash:net 1 \[/ },
  { first: "import { Xfrm } from 'nlkit';", kernelLacks: /EPROTONOSUPPORT|ENOSYS/ },
  // configureIface on /run/netns/blue's eth0.
  { first: "import { configureIface, Netns, type CniResult } from 'nlkit';", setup: 'ip netns add blue && ip link add eth0 netns blue type veth peer name h0 && ip link set h0 up' },
];

/** The complete ```ts examples of README.md, by their first line. */
function completeExamples(): Map<string, { line: number; code: string }> {
  const lines = readFileSync(join(root, 'README.md'), 'utf8').split('\n');
  const out = new Map<string, { line: number; code: string }>();
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i]!)) continue;
    const start = i;
    const body: string[] = [];
    while (++i < lines.length && !/^```\s*$/.test(lines[i]!)) body.push(lines[i]!);
    const code = body.join('\n');
    if (/\bfrom\s+'nlkit'/.test(code)) out.set(body[0]!, { line: start + 1, code });
  }
  return out;
}

const found = completeExamples();

t.test("every complete README example (a ts block importing 'nlkit') is one this test runs", async (t) => {
  t.same([...found.keys()].filter((f) => !EXAMPLES.some((e) => e.first === f)), [], 'add new ones to EXAMPLES');
  t.same(EXAMPLES.filter((e) => !found.has(e.first)).map((e) => e.first), [], 'no stale entry');
});

const dir = mkdtempSync(join(tmpdir(), 'nlkit-docs-run-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

/** Run one example in a throwaway namespace, as described at the top. */
function run(ex: Example, block: { line: number; code: string }): SpawnSyncReturns<string> {
  const js = ts.transpileModule(block.code, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText
    .replace(/from 'nlkit'/g, `from ${JSON.stringify(entry)}`);
  const file = join(dir, `L${block.line}.mjs`);
  writeFileSync(file, js);
  const runner = join(dir, `L${block.line}-run.mjs`);
  writeFileSync(runner, `await import(${JSON.stringify(pathToFileURL(file).href)});\nprocess.exit(0);\n`);
  const script = ['mount -t tmpfs tmpfs /run', 'ip link set lo up', ...(ex.setup ? [ex.setup] : []), `exec ${JSON.stringify(process.execPath)} ${JSON.stringify(runner)}`].join(' && ');
  return spawnSync('unshare', ['--mount', '--net', '--propagation', 'private', 'sh', '-c', script], { encoding: 'utf8', timeout: 60_000 });
}

for (const ex of EXAMPLES) {
  const block = found.get(ex.first);
  if (!block) continue;
  // Run before the test is declared, so that a kernel without the example's support skips it.
  const r = privileged.skip ? undefined : run(ex, block);
  const lacks = r && r.status !== 0 && ex.kernelLacks?.test(r.stderr) ? r.stderr.split('\n').find((l) => ex.kernelLacks!.test(l))?.trim() : undefined;
  t.test(`README.md:${block.line}: the example runs (${ex.first})`, { skip: privileged.skip || (lacks !== undefined && `this kernel lacks what it needs: ${lacks}`) }, async (t) => {
    t.equal(r!.status, 0, `exits 0 (stderr: ${r!.stderr.trim().slice(0, 2000)})`);
    if (ex.prints) t.match(r!.stdout, ex.prints, 'prints what its comments say');
  });
}
