// Start-up: what a new process pays before and around its first netlink request. A CNI
// runtime starts the plugin anew for every container ADD and DEL, so for nlkit-ptp the
// process start is most of the time a user waits.
//
//   npx tsc -p . && node scripts/bundle.mjs && unshare -n node dist/bench/startup.js [--rounds 10]
//
// Run as root in a throwaway netns (`unshare -n`; `npm run bench` does that): the CNI
// rows make a container netns (held by an `unshare -n sleep` child, named by its
// /proc/PID/ns/net path, so nothing goes to /run/netns), and the plugins set up veths,
// addresses, routes and ip_forward in this netns and in that one, and delete them again.
// Every case is a new process, measured round-robin (A B C … A B C …) so that drift hits
// each alike; the medians are printed as RESULT lines (impl=startup, µs):
//
// - node_e0: `node -e 0`, the process start of Node itself (the floor of every Node row);
// - import_bundle / import_tree: inside a new process, `await import()` of the package
//   entry point dist/nlkit.js (the bundle scripts/bundle.mjs writes) / of tsc's module
//   tree dist/src/index.js; proc_bundle / proc_tree: the same processes, whole wall time;
// - import_bundle_2byte: import_bundle of a copy of the bundle with one '—' added in a
//   comment at its end, as its comments had before scripts/bundle.mjs made them ASCII: V8
//   then holds the whole source two bytes per character (the copy sits next to the bundle,
//   so it resolves koffi alike, and is deleted at the end);
// - cni_add_nlkit_unminified / cni_del_…: nlkit-ptp bundled as dist/nlkit-ptp.js is, but
//   not minified (esbuild, at the start of this run; comments made ASCII as the shipped
//   bundle's are), next to it and deleted at the end: what minifying the plugin saves;
// - cni_add_* / cni_del_*: one CNI ADD, then its DEL, of the ptp configuration (host-local
//   IPAM, one IPv4 range, a default route): nlkit-ptp as shipped (dist/nlkit-ptp.js),
//   nlkit-ptp from tsc's tree (dist/src/cni/bin/nlkit-ptp.js), and the reference Go `ptp`
//   of containernetworking/plugins (/usr/lib/cni/ptp, when installed);
// - cni_add_bridge_nlkit / cni_add_bridge_go (and their DELs): the same with a bridge
//   configuration (isGateway, bridge startupbr kept between runs), nlkit-bridge as shipped
//   (dist/nlkit-bridge.js) and the reference Go `bridge` (/usr/lib/cni/bridge).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dist = fileURLToPath(new URL('..', import.meta.url)); // dist/
const REF_DIR = '/usr/lib/cni';

interface Case {
  op: string;
  run(): number; // µs
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[n >> 1]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

/** Wall time of a child process, µs; throws with its stderr when it fails. */
function timed(argv: readonly string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}): { us: number; stdout: string } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0]!, argv.slice(1), { env: opts.env ?? process.env, input: opts.input, encoding: 'utf8', timeout: 60_000 });
  const us = Number(process.hrtime.bigint() - t0) / 1e3;
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: exit ${r.status ?? r.signal}: ${(r.stderr || r.stdout).trim().slice(-500)}`);
  return { us, stdout: r.stdout };
}

/**
 * nlkit-ptp bundled as scripts/bundle.mjs bundles it, without `minify`: the same esbuild
 * options otherwise, and the non-ASCII characters esbuild copies from comments replaced
 * one for one, as the shipped bundle's are (the bundle step also checks that only
 * comments change; a bench copy does not need that).
 */
async function writeUnminifiedPlugin(out: string): Promise<void> {
  const esbuild = await import('esbuild');
  const r = await esbuild.build({
    // The entry by its absolute path: `npm run bench` runs a copy of dist/ (bench/.build).
    absWorkingDir: dist, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external',
    keepNames: true, charset: 'ascii', logLevel: 'warning', write: false, entryPoints: [join(dist, 'src', 'cni', 'bin', 'nlkit-ptp.js')], outfile: out,
  });
  const text = r.outputFiles.find((f) => f.path === out)?.text;
  if (text === undefined) throw new Error('startup: esbuild wrote no unminified plugin');
  writeFileSync(out, text.replace(/[^\x00-\x7f]/g, '?'));
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const roundsAt = args.indexOf('--rounds');
  const rounds = roundsAt >= 0 ? Number(args[roundsAt + 1]) : 10;
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a positive integer');
  const node = process.execPath;
  const bundle = join(dist, 'nlkit.js');
  const tree = join(dist, 'src', 'index.js');
  const ptpBundle = join(dist, 'nlkit-ptp.js');
  const ptpTree = join(dist, 'src', 'cni', 'bin', 'nlkit-ptp.js');
  const bridgeBundle = join(dist, 'nlkit-bridge.js');
  for (const f of [bundle, tree, ptpBundle, ptpTree, bridgeBundle]) if (!existsSync(f)) throw new Error(`${f} missing: run \`npm run build\``);

  // `await import()` timed inside the new process; the wall time around it from here.
  const importCase = (file: string): [Case, Case] => {
    let wall = 0;
    const code = `const t0 = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); console.log(((performance.now() - t0) * 1e3).toFixed(1));`;
    const inner: Case = {
      op: '',
      run() {
        const r = timed([node, '--input-type=module', '-e', code]);
        wall = r.us;
        return Number(r.stdout.trim());
      },
    };
    return [inner, { op: '', run: () => wall }];
  };
  const [ib, pb] = importCase(bundle);
  const [it, pt] = importCase(tree);
  ib.op = 'import_bundle';
  pb.op = 'proc_bundle';
  it.op = 'import_tree';
  pt.op = 'proc_tree';
  // Copies this run writes next to the bundles; a run killed before its cleanup leaves them.
  for (const f of readdirSync(dist)) if (/^nlkit-(2byte|ptp-unminified)-\d+\.tmp\.js$/.test(f)) rmSync(join(dist, f), { force: true });
  const twoByte = join(dist, `nlkit-2byte-${process.pid}.tmp.js`);
  const ptpUnminified = join(dist, `nlkit-ptp-unminified-${process.pid}.tmp.js`);
  const code = readFileSync(bundle, 'utf8');
  if (/[^\x00-\x7f]/.test(code)) throw new Error(`${bundle} is not ASCII: rebuild it (scripts/bundle.mjs)`);
  const [i2] = importCase(twoByte);
  i2.op = 'import_bundle_2byte';
  const cases: Case[] = [{ op: 'node_e0', run: () => timed([node, '-e', '0']).us }, ib, pb, it, pt, i2];

  // CNI: a container netns held by a child process, host-local's state in a temp dir.
  const holder = spawn('unshare', ['-n', 'sleep', '3600'], { stdio: 'ignore' });
  const dataDir = mkdtempSync(join(os.tmpdir(), 'nlkit-startup-'));
  try {
    writeFileSync(twoByte, `${code}\n// \u2014\n`);
    await writeUnminifiedPlugin(ptpUnminified);
    // The child is in its own netns once unshare has exec'd sleep: wait until its netns
    // differs from this one (before that, the path would name this process's netns).
    const nsPath = `/proc/${holder.pid}/ns/net`;
    const own = readlinkSync('/proc/self/ns/net');
    for (let waited = 0; ; waited += 10) {
      let theirs: string | undefined;
      try {
        theirs = readlinkSync(nsPath);
      } catch {
        theirs = undefined;
      }
      if (theirs !== undefined && theirs !== own) break;
      if (waited > 5000) throw new Error('startup: the container netns holder did not start (unshare -n sleep)');
      await new Promise((r) => setTimeout(r, 10));
    }
    // The bridge plugins attach to one bridge with the gateway on it, made by the first ADD
    // and kept (as on a host with containers): the ADDs after it find it there.
    const conf = (type: string): string => JSON.stringify({
      cniVersion: '1.0.0', name: 'startupnet', type, mtu: 1400,
      ...(type.endsWith('bridge') ? { bridge: 'startupbr', isGateway: true } : {}),
      ipam: { type: 'host-local', dataDir, ranges: [[{ subnet: '10.99.0.0/24' }]], routes: [{ dst: '0.0.0.0/0' }] },
    });
    const env = (command: string): NodeJS.ProcessEnv => ({
      PATH: process.env['PATH'], CNI_COMMAND: command, CNI_CONTAINERID: 'startup1', CNI_NETNS: nsPath, CNI_IFNAME: 'eth0', CNI_PATH: REF_DIR,
    });
    const plugins: [string, string[], string][] = [
      ['nlkit', [node, ptpBundle], 'nlkit-ptp'],
      ['nlkit_unminified', [node, ptpUnminified], 'nlkit-ptp'],
      ['nlkit_tree', [node, ptpTree], 'nlkit-ptp'],
    ];
    if (existsSync(join(REF_DIR, 'ptp')) && existsSync(join(REF_DIR, 'host-local'))) plugins.push(['go', [join(REF_DIR, 'ptp')], 'ptp']);
    else console.error(`startup: ${REF_DIR}/ptp or host-local missing: no reference plugin row (apt-get install containernetworking-plugins)`);
    plugins.push(['bridge_nlkit', [node, bridgeBundle], 'nlkit-bridge']);
    if (existsSync(join(REF_DIR, 'bridge'))) plugins.push(['bridge_go', [join(REF_DIR, 'bridge')], 'bridge']);
    if (!existsSync(join(REF_DIR, 'host-local'))) throw new Error(`startup: ${REF_DIR}/host-local missing (apt-get install containernetworking-plugins)`);
    for (const [name, argv, type] of plugins) {
      // ADD, then DEL: each ADD starts from a clean container and IPAM store.
      let delUs = 0;
      cases.push({
        op: `cni_add_${name}`,
        run() {
          let add: { us: number; stdout: string } | undefined;
          try {
            add = timed(argv, { env: env('ADD'), input: conf(type) });
          } finally {
            // DEL after any ADD, also a failed one: the next ADD must start clean.
            const del = timed(argv, { env: env('DEL'), input: conf(type) });
            if (add) delUs = del.us;
          }
          const res = JSON.parse(add.stdout) as { ips?: unknown[] };
          if (!Array.isArray(res.ips) || res.ips.length !== 1) throw new Error(`${name} ADD: unexpected result ${add.stdout}`);
          return add.us;
        },
      });
      cases.push({ op: `cni_del_${name}`, run: () => delUs });
    }

    const samples = new Map<string, number[]>(cases.map((c) => [c.op, []]));
    cases[0]!.run(); // one untimed start: the node binary and the files into the page cache
    for (let r = 0; r < rounds; r++) for (const c of cases) samples.get(c.op)!.push(c.run());
    // The container netns must be as it was: only lo.
    const left = spawnSync('nsenter', [`--net=${nsPath}`, 'ip', '-o', 'link', 'show'], { encoding: 'utf8' }).stdout.trim().split('\n').length;
    if (left !== 1) throw new Error(`startup: the container netns holds ${left} links after the DELs`);
    // The plugin files' sizes, so that the report (and the README) can say what minifying saves.
    const bytes: Record<string, number> = { cni_add_nlkit: statSync(ptpBundle).size, cni_add_nlkit_unminified: statSync(ptpUnminified).size };
    for (const [op, xs] of samples) console.log(`RESULT impl=startup op=${op} n=${xs.length} per_op_us=${median(xs).toFixed(1)} min_us=${Math.min(...xs).toFixed(1)}${bytes[op] !== undefined ? ` bytes=${bytes[op]}` : ''}`);
  } finally {
    holder.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(twoByte, { force: true });
    rmSync(ptpUnminified, { force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
