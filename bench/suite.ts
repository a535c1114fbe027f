// `npm run bench`: nlkit side by side with every peer available, in one run.
//
// Every program run — each nlkit variant and each peer — is a child process in a fresh
// throwaway network namespace (`unshare -n`), so nothing touches the host. Rounds
// interleave the implementations (nlkit, C, nlkit, C, …, Go, Rust, …; then again), so
// slow drift of the machine does not favour one side. The medians over the rounds go
// into a Markdown table with ratios to the fastest peer and the targets of issue 9,
// JSON and an SVG plot, in bench/results/ (latest.* for a full run, quick.* for --quick).
//
// D1, socket diagnostics (bench/diag.ts): in a fresh netns with lo up, --nconn TCP
// connections over loopback made and held open by one helper process (2×nconn sockets and
// a listener), then one full IPv4 TCP dump + decode, median of --reps, by nlkit
// (SockDiag.inet({ family: 4 }) with every extension, with ['info'], with none), C libmnl
// (bench/c/diag_mnl.c: no extension, INET_DIAG_INFO, every extension), Go
// vishvananda/netlink (SocketDiagTCP, SocketDiagTCPInfo), pyroute2 (DiagSocket) and
// `ss -4 -tan` / `ss -4 -tanei -m` (whole processes, output to /dev/null); ratios to C.
// Only D1: npm run bench -- --only d1 [--quick].
//
// D2, connection tracking (bench/conntrack.ts): in a fresh netns, --nct conntrack entries
// (UDP, IPv4, distinct source ports, timeout 3600 s) created one request at a time (µs per
// entry), then one full dump + decode of the table (median of --reps, µs per dump), then
// deleted one at a time (µs per entry), by nlkit (ct.add, ct.list, ct.del), C libmnl
// (bench/c/ct_mnl.c, hand-built ctnetlink messages; also the dump of the empty table: the
// kernel walks its whole shared hash table in every dump), pyroute2 (Conntrack); and the
// dump only, of a table filled by bench/conntrack.ts hold, by Go vishvananda/netlink
// (ConntrackTableList; its ConntrackDeleteFilter as context) and `conntrack -L` (a whole
// process, output to /dev/null); ratios to C. Only D2: npm run bench -- --only d2 [--quick].
//
// Options (npm run bench -- …):
//   --n N           veth pairs (W1–W3) [1000]            --runs K   rounds [3]
//   --reps R        dump repetitions per run [20]         --naddr A  W4 addresses [1000]
//   --nconn C       D1 TCP connections (2C+1 sockets) [1000]
//   --nct E         D2 conntrack entries [1000]
//   --quick         N=50, 1 round, 5 reps, 100 addresses, 250 connections, 250 conntrack
//                   entries, short micro-benchmarks (< 1 min)
//   --only LIST     only these programs (names as in the run log; 'd1', 'd2' = the D1, D2 ones);
//                   results go to bench/results/{latest,quick}-only.*
//   --peers LIST    'default', 'all', or names (comma-separated; see PEERS below)
//   --skip LIST     leave these out            --context-runs K  rounds for pyroute2,
//                   iproute2, npm netlink (far from the targets) and the micro, monitor
//                   and start-up benchmarks (which repeat their own rounds inside) [1]
//   --settle MS     pause after each run for the kernel's async netns teardown [1000]
//   --out DIR       where results go [bench/results]
//   --profile       run the nlkit workloads under node --cpu-prof (bench/results/profiles/)
//   --rerender FILE render FILE (a latest.json or quick.json) again with this report code:
//                   the targets from its medians (written back into FILE), then its .md
//                   and .svg beside it; runs nothing (for a fix to the report's text, not
//                   to its numbers: the records and medians are the run's)
// Needs root (unshare -n, veth creation). Peers come from bench/peers.sh (bench/.peers/)
// and ../shared/peers (pyroute2, iproute2 scripts); missing ones are listed and skipped.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, readlinkSync, mkdtempSync, rmSync } from 'node:fs';
import { basename, join, dirname, resolve, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import os from 'node:os';
import { parseArgs, intOpt } from './common.js';
import { renderMarkdown, renderSvg, type Report, type Cell, type Target, type MicroSummary, type RunLog } from './report.js';

const distBench = dirname(fileURLToPath(import.meta.url));
/** The repository: the nearest directory above this file with nlkit's package.json (dist/bench or bench/.build/bench). */
const root = ((): string => {
  for (let d = distBench; d !== dirname(d); d = dirname(d)) {
    try {
      if ((JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')) as { name?: string }).name === 'nlkit') return d;
    } catch {
      /* keep looking */
    }
  }
  return resolve(distBench, '..', '..');
})();
const peersDir = join(root, 'bench', '.peers');

interface Params {
  n: number;
  runs: number;
  reps: number;
  naddr: number;
  nconn: number;
  nct: number;
  quick: boolean;
  settleMs: number;
  contextRuns: number;
  profile: boolean;
  outDir: string;
}

/** One program of the suite, run once per round in its own fresh netns. */
interface Job {
  name: string;
  kind: 'nlkit' | 'peer' | 'micro' | 'monitor';
  /** 'core' runs every round; 'context' only the first --context-runs rounds. */
  tier: 'core' | 'context';
  argv: string[];
  env?: Record<string, string>;
  /** Why it cannot run here, if it cannot. */
  missing?: string;
  /** False: no 'process' record of the whole run (D1: the run includes the helper that makes the sockets). */
  processRecord?: false;
}

function peersSrc(): string | undefined {
  const cands = [process.env['NLKIT_PEERS_SRC'], existsSync(join(peersDir, 'SRC')) ? readFileSync(join(peersDir, 'SRC'), 'utf8').trim() : undefined, join(root, '..', 'shared', 'peers')];
  return cands.find((c): c is string => !!c && existsSync(join(c, 'c', 'bench_mnl.c')));
}

function hasPyroute2(): boolean {
  return spawnSync('/usr/bin/python3', ['-c', 'import pyroute2'], { stdio: 'ignore' }).status === 0;
}

/** Every implementation the suite knows, in round order (nlkit runs interleaved with the C floor). */
function allJobs(p: Params): Job[] {
  const node = process.execPath;
  const common = { n: String(p.n), reps: String(p.reps), naddr: String(p.naddr) };
  const nodeArgs = p.profile ? `--cpu-prof --cpu-prof-dir=${join(p.outDir, 'profiles')}` : '';
  const nlkit = (variant: string, name: string): Job => ({
    name, kind: 'nlkit', tier: 'core',
    argv: [node, join(distBench, 'nlkit.js'), 'run', '--variant', variant, '--n', common.n, '--reps', common.reps, '--naddr', common.naddr, ...(nodeArgs ? [`--node-args=${nodeArgs}`] : [])],
  });
  const mnl = join(peersDir, 'bench_mnl');
  const c = (name: string, ...flags: string[]): Job => ({
    name, kind: 'peer', tier: 'core',
    argv: [mnl, ...flags, `--n=${p.n}`, `--reps=${p.reps}`, `--naddr=${p.naddr}`, `--impl=${name}`],
    ...(existsSync(mnl) ? {} : { missing: 'bench/.peers/bench_mnl not built (bench/peers.sh)' }),
  });
  const sv = join(peersDir, 'setupveth_mnl');
  const cSetup = (name: string, ...flags: string[]): Job => ({
    name, kind: 'peer', tier: 'core',
    argv: [sv, ...flags, `--n=${p.n}`, `--reps=${p.reps}`, `--naddr=${p.naddr}`, `--impl=${name}`],
    ...(existsSync(sv) ? {} : { missing: 'bench/.peers/setupveth_mnl not built (bench/peers.sh setupveth)' }),
  });
  const go = join(peersDir, 'bench_netlink');
  const goJob = (api: string): Job => ({
    name: `go-netlink-${api}`, kind: 'peer', tier: api === 'handle' ? 'core' : 'context',
    argv: [go, '-n', common.n, '-reps', common.reps, '-naddr', common.naddr, '-api', api],
    ...(existsSync(go) ? {} : { missing: 'bench/.peers/bench_netlink not built (bench/peers.sh)' }),
  });
  const rs = join(peersDir, 'bench_rtnetlink');
  const rust = (name: string, ...flags: string[]): Job => ({
    name, kind: 'peer', tier: 'core',
    argv: [rs, ...flags, `--n=${p.n}`, `--reps=${p.reps}`, `--naddr=${p.naddr}`, `--impl=${name}`],
    ...(existsSync(rs) ? {} : { missing: 'bench/.peers/bench_rtnetlink not built (bench/peers.sh)' }),
  });
  const src = peersSrc();
  const py: Job = {
    name: 'pyroute2', kind: 'peer', tier: 'context',
    argv: ['/usr/bin/python3', join(src ?? '', 'pyroute2', 'bench_pyroute2.py'), `--n=${p.n}`, `--reps=${p.reps}`, `--naddr=${p.naddr}`],
    ...(!src ? { missing: '../shared/peers not found' } : hasPyroute2() ? {} : { missing: 'python3-pyroute2 not installed (bench/peers.sh)' }),
  };
  const ip: Job = {
    name: 'iproute2-batch', kind: 'peer', tier: 'context',
    argv: ['bash', join(src ?? '', 'iproute2', 'bench_iproute2.sh'), 'batch', common.n, common.reps, common.naddr],
    ...(!src ? { missing: '../shared/peers not found' } : existsSync('/usr/sbin/ip') ? {} : { missing: '/usr/sbin/ip missing' }),
  };
  let npmNetlink: string | undefined;
  try {
    npmNetlink = fileURLToPath(import.meta.resolve('netlink'));
  } catch {
    npmNetlink = undefined;
  }
  const npm: Job = {
    name: 'npm-netlink', kind: 'peer', tier: 'context',
    argv: [node, join(distBench, 'npm-netlink.js'), '--n', common.n, '--reps', common.reps, '--naddr', common.naddr],
    ...(npmNetlink ? {} : { missing: 'npm package netlink not installed (npm install)' }),
  };
  const microPath = join(distBench, 'netlink-micro.js');
  const micro: Job = {
    name: 'netlink-micro', kind: 'micro', tier: 'context', // repeats its own rounds inside
    argv: [node, microPath],
    env: { NLKIT_BENCH_N: String(p.quick ? 20_000 : 200_000) },
    ...(existsSync(microPath) ? {} : { missing: 'bench/netlink-micro.ts not there yet' }),
  };
  // The request-path cases again under --max-opt=1 (Sparkplug, the faster unoptimised
  // tier): a process runs nlkit's request code unoptimised until V8 has counted enough
  // executed bytecode in it (W1, W4 and setupVeth of N = 1000 run there, as does every
  // request of a short-lived program).
  const microUnopt: Job = {
    name: 'netlink-micro-unopt', kind: 'micro', tier: 'context',
    argv: [node, '--max-opt=1', microPath],
    env: { NLKIT_BENCH_N: String(p.quick ? 4_000 : 40_000), NLKIT_MICRO_ONLY: MICRO_UNOPT_CASES },
    ...(existsSync(microPath) ? {} : { missing: 'bench/netlink-micro.ts not there yet' }),
  };
  const rawPath = join(distBench, 'raw-koffi.js');
  const rawKoffi: Job = {
    name: 'node-raw-koffi', kind: 'peer', tier: 'core',
    argv: [node, rawPath, '--n', common.n, '--naddr', common.naddr],
    ...(existsSync(rawPath) ? {} : { missing: 'bench/raw-koffi.ts not built' }),
  };
  // The Node floor of the setupVeth rows: setupveth_mnl's requests (--sockets=per-pair, and
  // --readback=none with a kept socket) sent raw from a fresh Node process.
  const rawSetup = (work: string): Job => ({
    name: `node-raw-koffi-${work}`, kind: 'peer', tier: 'core',
    argv: [node, rawPath, '--work', work, '--n', common.n],
    ...(existsSync(rawPath) ? {} : { missing: 'bench/raw-koffi.ts not built' }),
  });
  const monPath = join(distBench, 'monitor-latency.js');
  const monitor: Job = {
    name: 'monitor-latency', kind: 'monitor', tier: 'context', // repeats its own rounds inside
    argv: [node, join(distBench, 'suite.js'), '--monitor-child', ...(p.quick ? ['--quick'] : [])],
    ...(existsSync(monPath) ? {} : { missing: 'bench/monitor-latency.ts not there yet' }),
  };
  // D1: every program under bench/diag.js's holder, which makes and holds the sockets.
  const diagPath = join(distBench, 'diag.js');
  const expect = String(2 * p.nconn + 1);
  const hold = (argv: string[]): string[] => [node, diagPath, 'hold', '--nconn', String(p.nconn), '--', ...argv];
  const dm = join(peersDir, 'diag_mnl');
  const dmMissing = existsSync(dm) ? {} : { missing: 'bench/.peers/diag_mnl not built (bench/peers.sh diag)' };
  const dg = join(peersDir, 'diag_netlink');
  const ss = '/usr/bin/ss';
  const d1: Job[] = [
    {
      name: 'nlkit-diag', kind: 'nlkit', tier: 'core', processRecord: false,
      argv: hold([node, ...(nodeArgs ? nodeArgs.split(' ') : []), diagPath, 'nlkit', '--reps', common.reps, '--expect', expect]),
      ...(existsSync(diagPath) ? {} : { missing: 'bench/diag.ts not built' }),
    },
    { name: 'c-libmnl-diag', kind: 'peer', tier: 'core', processRecord: false, argv: hold([dm, `--reps=${p.reps}`, `--expect=${expect}`]), ...dmMissing },
    {
      name: 'go-netlink-diag', kind: 'peer', tier: 'core', processRecord: false,
      argv: hold([dg, '-reps', common.reps, '-expect', expect]),
      ...(existsSync(dg) ? {} : { missing: 'bench/.peers/diag_netlink not built (bench/peers.sh diag)' }),
    },
    {
      name: 'iproute2-ss', kind: 'peer', tier: 'core', processRecord: false,
      argv: hold([dm, '--exec', `--reps=${p.reps}`, '--impl=iproute2-ss', `--expect=${expect}`, '--', 'd1_tcp_dump', ss, '-4', '-tan', '--', 'd1_tcp_dump_all', ss, '-4', '-tanei', '-m']),
      ...(existsSync(ss) ? dmMissing : { missing: `${ss} missing` }),
    },
    {
      name: 'pyroute2-diag', kind: 'peer', tier: 'context', processRecord: false,
      argv: hold(['/usr/bin/python3', join(root, 'bench', 'py', 'diag_pyroute2.py'), `--reps=${p.reps}`, `--expect=${expect}`]),
      ...(hasPyroute2() ? {} : { missing: 'python3-pyroute2 not installed (bench/peers.sh)' }),
    },
  ];
  // D2: nlkit, C and pyroute2 create, dump and delete their own entries; Go (no per-entry
  // create in 1.1.0) and `conntrack -L` dump a table bench/conntrack.js hold filled.
  const ctPath = join(distBench, 'conntrack.js');
  const nct = String(p.nct);
  const ctHold = (argv: string[]): string[] => [node, ctPath, 'hold', '--n', nct, '--', ...argv];
  const ctm = join(peersDir, 'ct_mnl');
  const ctmMissing = existsSync(ctm) ? {} : { missing: 'bench/.peers/ct_mnl not built (bench/peers.sh ct)' };
  const ctg = join(peersDir, 'ct_netlink');
  const ctTool = '/usr/sbin/conntrack';
  const ctBuilt = existsSync(ctPath) ? {} : { missing: 'bench/conntrack.ts not built' };
  const d2: Job[] = [
    {
      name: 'nlkit-ct', kind: 'nlkit', tier: 'core', processRecord: false,
      argv: [node, ...(nodeArgs ? nodeArgs.split(' ') : []), ctPath, 'nlkit', '--n', nct, '--reps', common.reps],
      ...ctBuilt,
    },
    { name: 'c-libmnl-ct', kind: 'peer', tier: 'core', processRecord: false, argv: [ctm, `--n=${nct}`, `--reps=${p.reps}`], ...ctmMissing },
    {
      name: 'go-netlink-ct', kind: 'peer', tier: 'core', processRecord: false,
      argv: ctHold([ctg, '-reps', common.reps, '-expect', nct]),
      ...(existsSync(ctg) ? ctBuilt : { missing: 'bench/.peers/ct_netlink not built (bench/peers.sh ct)' }),
    },
    {
      name: 'conntrack-tool', kind: 'peer', tier: 'core', processRecord: false,
      argv: ctHold([ctm, '--exec', `--reps=${p.reps}`, '--impl=conntrack-tool', `--expect=${nct}`, '--', 'd2_ct_dump', ctTool, '-L']),
      ...(existsSync(ctTool) ? { ...ctmMissing, ...ctBuilt } : { missing: `${ctTool} missing (conntrack-tools; bench/peers.sh)` }),
    },
    {
      name: 'pyroute2-ct', kind: 'peer', tier: 'context', processRecord: false,
      argv: ['/usr/bin/python3', join(root, 'bench', 'py', 'ct_pyroute2.py'), `--n=${nct}`, `--reps=${p.reps}`],
      ...(hasPyroute2() ? {} : { missing: 'python3-pyroute2 not installed (bench/peers.sh)' }),
    },
  ];
  const startupPath = join(distBench, 'startup.js');
  const startup: Job = {
    name: 'startup', kind: 'nlkit', tier: 'context', // repeats its own rounds inside
    argv: [node, startupPath, '--rounds', p.quick ? '3' : '10'],
    ...(!existsSync(startupPath) ? { missing: 'bench/startup.ts not built' } : existsSync(join(distBench, '..', 'nlkit.js')) ? {} : { missing: 'the bundle nlkit.js is missing (npm run build)' }),
  };
  return [
    nlkit('main', 'nlkit'),
    c('c-libmnl-seq-upinline', '--mode=seq', '--up=inline'),
    rawKoffi,
    nlkit('groupdel', 'nlkit-groupdel'),
    c('c-libmnl-batch-groupdel', '--mode=batch', '--del=group'),
    nlkit('setupveth', 'nlkit-setupveth'),
    cSetup('c-libmnl-setupveth'),
    cSetup('c-libmnl-setupveth-noreadback', '--readback=none'),
    cSetup('c-libmnl-setupveth-1q', '--queues=1', '--sockets=per-pair'),
    cSetup('c-libmnl-setupveth-perpair', '--sockets=per-pair'),
    rawSetup('setupveth'),
    rawSetup('peerup'),
    c('c-libmnl-batch-upinline', '--mode=batch', '--up=inline'),
    ...d1.slice(0, 4),
    ...d2.slice(0, 4),
    micro,
    microUnopt,
    goJob('handle'),
    monitor,
    startup,
    rust('rust-rtnetlink'),
    npm,
    py,
    d1[4]!,
    d2[4]!,
    ip,
    // Only with --peers all (or by name): the remaining variants of ../shared/peers.
    c('c-libmnl-seq', '--mode=seq'),
    c('c-libmnl-batch', '--mode=batch'),
    goJob('pkg'),
    rust('rust-rtnetlink-upsep', '--up=separate'),
    cSetup('c-libmnl-setupveth-echo', '--path=echo'),
  ];
}
/** The netlink-micro cases run again unoptimised: encoders and the awaited JS of the request paths. */
const MICRO_UNOPT_CASES = '^(encode RTM_NEWLINK|harness|rt\\.(link|addr|route)\\.add|ct\\.add JS only, awaited: checks)';
const D1_JOBS = ['nlkit-diag', 'c-libmnl-diag', 'go-netlink-diag', 'iproute2-ss', 'pyroute2-diag'];
const D2_JOBS = ['nlkit-ct', 'c-libmnl-ct', 'go-netlink-ct', 'conntrack-tool', 'pyroute2-ct'];
const EXTRA = new Set(['c-libmnl-seq', 'c-libmnl-batch', 'go-netlink-pkg', 'rust-rtnetlink-upsep', 'c-libmnl-setupveth-echo']);

// ------------------------------------------------------------------ running

interface Record_ {
  impl: string;
  op: string;
  run: number;
  [k: string]: string | number;
}

function parseResults(text: string, run: number): Record_[] {
  const out: Record_[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('RESULT ')) continue;
    const r: Record_ = { impl: '', op: '', run };
    for (const kv of line.slice(7).trim().split(/\s+/)) {
      const eq = kv.indexOf('=');
      if (eq <= 0) continue;
      const k = kv.slice(0, eq);
      const v = kv.slice(eq + 1);
      r[k] = k !== 'impl' && k !== 'op' && v !== '' && !Number.isNaN(Number(v)) ? Number(v) : v;
    }
    r.run = run;
    if (r.impl && r.op) out.push(r);
  }
  return out;
}

function loadavg(): string {
  return os.loadavg().map((x) => x.toFixed(2)).join(' ');
}

interface JobOutcome {
  ok: boolean;
  stdout: string;
  stderr: string;
  wallMs: number;
  maxrssKb: number | undefined;
}

function runJob(job: Job, p: Params, hostNetns: string, tmp: string): Promise<JobOutcome> {
  const timeFile = join(tmp, 'time');
  const useTime = existsSync('/usr/bin/time');
  const argv = [...(useTime ? ['/usr/bin/time', '-f', '%M', '-o', timeFile] : []), 'unshare', '-n', '--', ...job.argv];
  // W2 one by one is ~16–30 ms per pair in the kernel: allow for it generously.
  const timeoutMs = 120_000 + p.n * 120 + p.naddr * 20;
  return new Promise((resolvePromise) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: root,
      env: { ...process.env, ...job.env, PBENCH_HOST_NETNS: hostNetns },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      stderr += `\n[bench] ${job.name}: timed out after ${timeoutMs} ms, killed\n`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
      let maxrssKb: number | undefined;
      if (useTime && existsSync(timeFile)) {
        const last = readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '';
        const v = Number(last);
        if (Number.isFinite(v) && v > 0) maxrssKb = v;
        rmSync(timeFile, { force: true });
      }
      resolvePromise({ ok: code === 0, stdout, stderr, wallMs, maxrssKb });
    });
  });
}

/**
 * What writing to a page costs the first time (the page fault, and on a VM whatever the
 * host does to back the page) against writing it again: a fresh 64 MiB buffer (above
 * glibc's mmap threshold, so new pages from the kernel), one byte per 4 KiB page, timed.
 */
function pageFaultProbe(): { firstUs: number; againUs: number } {
  const size = 64 << 20;
  const page = 4096;
  const buf = Buffer.allocUnsafeSlow(size);
  const pass = (v: number): number => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < size; i += page) buf[i] = v;
    return Number(process.hrtime.bigint() - t0) / 1e3 / (size / page);
  };
  const firstUs = pass(1);
  const againUs = pass(2);
  return { firstUs, againUs };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function hostLinkCount(): number {
  const r = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim().split('\n').length : -1;
}

// ------------------------------------------------------------------ micro-benchmark output

interface MicroRun {
  cases: { name: string; nsPerOp: number; bytesPerOp: number | null; note: string }[];
  rawUs?: number;
  nlkitUs?: number;
  nlkitAlloc?: string;
}

/** Parse bench/netlink-micro's text report (its table and the GETLINK round-trip lines). */
function parseMicro(text: string): MicroRun {
  const run: MicroRun = { cases: [] };
  for (const line of text.split('\n')) {
    const m = /^(\S.*?)\s{2,}([\d.]+) M\s+(\d+)\s+([\d.]+|\?)\s+\((.*)\)\s*$/.exec(line);
    if (m) run.cases.push({ name: m[1]!.trim(), nsPerOp: Number(m[3]), bytesPerOp: m[4] === '?' ? null : Number(m[4]), note: m[5]! });
    const raw = /raw koffi send\+recv:\s+([\d.]+) µs/.exec(line);
    if (raw) run.rawUs = Number(raw[1]);
    const nl = /NetlinkSocket\.request:\s+([\d.]+) µs.*?;\s*([^)]*)\)/.exec(line);
    if (nl) {
      run.nlkitUs = Number(nl[1]);
      run.nlkitAlloc = nl[2]!;
    }
  }
  return run;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[n >> 1]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

function summarizeMicro(runs: MicroRun[]): MicroSummary | undefined {
  if (runs.length === 0) return undefined;
  const names = [...new Set(runs.flatMap((r) => r.cases.map((c) => c.name)))];
  const cases = names.map((name) => {
    const cs = runs.flatMap((r) => r.cases.filter((c) => c.name === name));
    const bytes = cs.map((c) => c.bytesPerOp).filter((b): b is number => b !== null);
    return { name, nsPerOp: median(cs.map((c) => c.nsPerOp)), bytesPerOp: bytes.length ? median(bytes) : null, note: cs[cs.length - 1]!.note };
  });
  const rt = runs.filter((r) => r.rawUs !== undefined && r.nlkitUs !== undefined);
  return {
    runs: runs.length,
    cases,
    getlink: rt.length
      ? {
        rawUs: median(rt.map((r) => r.rawUs!)),
        nlkitUs: median(rt.map((r) => r.nlkitUs!)),
        ratio: median(rt.map((r) => r.nlkitUs! / r.rawUs!)),
        runs: rt.length,
        nlkitAlloc: rt[rt.length - 1]!.nlkitAlloc ?? '',
      }
      : undefined,
  };
}

// ------------------------------------------------------------------ summary and targets

function summarize(records: Record_[]): Record<string, Record<string, Cell>> {
  const groups = new Map<string, Record_[]>();
  for (const r of records) {
    const k = `${r.impl}\u0000${r.op}`;
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push(r);
  }
  const out: Record<string, Record<string, Cell>> = {};
  for (const [k, rs] of groups) {
    const [impl, op] = k.split('\u0000') as [string, string];
    const per = rs.map((r) => Number(r['per_op_us'])).filter(Number.isFinite);
    const rss = rs.map((r) => Number(r['maxrss_kb'])).filter((x) => Number.isFinite(x) && x > 0);
    (out[impl] ??= {})[op] = {
      median: median(per), min: Math.min(...per), max: Math.max(...per), runs: per.length,
      n: Number(rs[0]!['n']), values: per,
      ...(rss.length ? { maxrssKb: median(rss) } : {}),
    };
  }
  return out;
}

/** A reference value: one impl's cell, or all runs of several impls pooled (same code path). */
function refCell(s: Record<string, Record<string, Cell>>, impls: string[], op: string): Cell | undefined {
  const cells = impls.map((i) => s[i]?.[op]).filter((c): c is Cell => !!c);
  if (cells.length === 0) return undefined;
  if (cells.length === 1) return cells[0];
  const vals = cells.flatMap((c) => c.values);
  return { median: median(vals), min: Math.min(...vals), max: Math.max(...vals), runs: vals.length, n: cells[0]!.n, values: vals };
}

/** The W1/W4 context row of the Node floor (bench/raw-koffi.ts). */
const NODE_FLOOR = 'context: raw koffi from a fresh Node process (bench/raw-koffi.ts: the bytes and loop of C seq, no nlkit code; the Node floor)';
const C_ALL = ['c-libmnl-seq-upinline', 'c-libmnl-batch-upinline', 'c-libmnl-batch-groupdel', 'c-libmnl-seq', 'c-libmnl-batch'];

function targets(s: Record<string, Record<string, Cell>>, micro: MicroSummary | undefined): Target[] {
  const t = (name: string, goal: string, limit: number | null, impl: string, op: string, refs: { label: string; impls: string[]; op: string }[]): Target => {
    const v = s[impl]?.[op];
    return {
      name, goal, limit,
      nlkit: v ? v.median : null,
      nlkitLabel: `${impl} ${op}`,
      refs: refs.map((r) => {
        const c = refCell(s, r.impls, r.op);
        return { label: r.label, value: c ? c.median : null, ratio: c && v ? v.median / c.median : null };
      }),
    };
  };
  const out: Target[] = [
    t('W1 create, per pair', '≤ 1.10× C libmnl', 1.10, 'nlkit', 'w1_create', [
      { label: 'C libmnl seq, up inline (same requests: one NEWLINK + ACK per pair)', impls: ['c-libmnl-seq-upinline'], op: 'w1_create' },
      { label: 'C libmnl batch, up inline (all requests in one sendmsg: the floor)', impls: ['c-libmnl-batch-upinline'], op: 'w1_create' },
      { label: NODE_FLOOR, impls: ['node-raw-koffi'], op: 'w1_create' },
    ]),
    t('W1 create batched (rt.link.addMany: many NEWLINK per sendmsg, one ACK each), per pair', 'info: like-for-like is C batch', null, 'nlkit', 'w1_create_batch', [
      { label: 'C libmnl batch, up inline (all creates in one sendmsg)', impls: ['c-libmnl-batch-upinline'], op: 'w1_create' },
      { label: 'C libmnl seq, up inline (one at a time)', impls: ['c-libmnl-seq-upinline'], op: 'w1_create' },
      { label: 'nlkit rt.link.add one at a time (the W1 row)', impls: ['nlkit'], op: 'w1_create' },
    ]),
    t('W1 create with one TX and one RX queue per end (numTxQueues/numRxQueues: 1), per pair', 'info: a lever (the kernel default is a queue per CPU)', null, 'nlkit', 'w1_create_1q', [
      { label: 'C libmnl seq, up inline (default queues)', impls: ['c-libmnl-seq-upinline'], op: 'w1_create' },
      { label: 'nlkit rt.link.add, default queues (the W1 row)', impls: ['nlkit'], op: 'w1_create' },
    ]),
    t('W2 delete one by one, per pair', '≤ 1.02× C', 1.02, 'nlkit', 'w2_delete', [
      { label: 'C libmnl seq', impls: ['c-libmnl-seq-upinline'], op: 'w2_delete' },
      { label: 'C libmnl batch', impls: ['c-libmnl-batch-upinline'], op: 'w2_delete' },
    ]),
    t('W2 delete by group, per pair', '≤ 1.2× C', 1.2, 'nlkit-groupdel', 'w2_delete', [
      { label: 'C libmnl DELLINK {IFLA_GROUP}', impls: ['c-libmnl-batch-groupdel'], op: 'w2_delete' },
    ]),
    t(`W3 dump + full decode, ${s['nlkit']?.['w3_dump_links']?.n ?? ''} links`, '≤ Go', 1.0, 'nlkit', 'w3_dump_links', [
      { label: 'Go vishvananda/netlink LinkList', impls: ['go-netlink-handle'], op: 'w3_dump_links' },
    ]),
    t(`W3 dump + full decode, ${s['nlkit']?.['w3_dump_links']?.n ?? ''} links`, '≤ 2× C', 2.0, 'nlkit', 'w3_dump_links', [
      { label: 'C libmnl (5 fields; all C runs pooled)', impls: C_ALL, op: 'w3_dump_links' },
    ]),
    t('W3 dump + 5-field decode (rt.sock.dump + walkAttrs)', 'info: same fields as C', null, 'nlkit', 'w3_dump_links_brief', [
      { label: 'C libmnl (5 fields; all C runs pooled)', impls: C_ALL, op: 'w3_dump_links' },
      { label: 'Go vishvananda/netlink', impls: ['go-netlink-handle'], op: 'w3_dump_links' },
    ]),
    t(s['nlkit']?.['w3_dump_links_nofault'] || !s['nlkit']?.['w3_dump_links'] ? `W3 dump + full decode, ${s['nlkit']?.['w3_dump_links_nofault']?.n ?? ''} links, fresh process, only the timed dumps that took no page fault (page_faults in the JSON records)` : 'W3 dump + full decode, fresh process, the timed dumps that took no page fault: none in this run (every timed dump faulted; page_faults in the JSON records)', 'info', null, 'nlkit', 'w3_dump_links_nofault', [
      { label: 'C libmnl (5 fields; all C runs pooled)', impls: C_ALL, op: 'w3_dump_links' },
      { label: 'Go vishvananda/netlink LinkList', impls: ['go-netlink-handle'], op: 'w3_dump_links' },
    ]),
    t(`W3 dump + full decode, ${s['nlkit']?.['w3_dump_links_warm']?.n ?? ''} links, warm: a second series of dumps in the same process, right after the timed one`, 'info', null, 'nlkit', 'w3_dump_links_warm', [
      { label: 'C libmnl (5 fields; all C runs pooled)', impls: C_ALL, op: 'w3_dump_links' },
      { label: 'Go vishvananda/netlink LinkList', impls: ['go-netlink-handle'], op: 'w3_dump_links' },
    ]),
    t('W4 add, per address', '≤ 1.3× C', 1.3, 'nlkit', 'w4_addr_add', [
      { label: 'C libmnl seq (one NEWADDR + ACK at a time)', impls: ['c-libmnl-seq-upinline'], op: 'w4_addr_add' },
      { label: 'C libmnl batch', impls: ['c-libmnl-batch-upinline'], op: 'w4_addr_add' },
      { label: NODE_FLOOR, impls: ['node-raw-koffi'], op: 'w4_addr_add' },
    ]),
    t('W4 add batched (rt.addr.addMany: many NEWADDR per sendmsg, one ACK each), per address', 'info: like-for-like is C batch', null, 'nlkit', 'w4_addr_add_batch', [
      { label: 'C libmnl batch (all requests in one sendmsg)', impls: ['c-libmnl-batch-upinline'], op: 'w4_addr_add' },
      { label: 'C libmnl seq (one at a time)', impls: ['c-libmnl-seq-upinline'], op: 'w4_addr_add' },
    ]),
    t(`W4 dump, ${s['nlkit']?.['w4_addr_dump']?.n ?? ''} addresses`, '≤ Go', 1.0, 'nlkit', 'w4_addr_dump', [
      { label: 'Go vishvananda/netlink AddrList', impls: ['go-netlink-handle'], op: 'w4_addr_dump' },
      { label: 'C libmnl (all C runs pooled)', impls: C_ALL, op: 'w4_addr_dump' },
    ]),
    t(s['nlkit']?.['w4_addr_dump_nofault'] || !s['nlkit']?.['w4_addr_dump'] ? `W4 dump, ${s['nlkit']?.['w4_addr_dump_nofault']?.n ?? ''} addresses, fresh process, only the timed dumps that took no page fault (the others pay for V8's young generation growing onto new pages; page_faults in the JSON records)` : 'W4 dump, fresh process, the timed dumps that took no page fault: none in this run (every timed dump paid for V8\'s young generation growing onto new pages; page_faults in the JSON records)', 'info', null, 'nlkit', 'w4_addr_dump_nofault', [
      { label: 'Go vishvananda/netlink AddrList', impls: ['go-netlink-handle'], op: 'w4_addr_dump' },
      { label: 'C libmnl (all C runs pooled)', impls: C_ALL, op: 'w4_addr_dump' },
    ]),
    t(`W4 dump, ${s['nlkit']?.['w4_addr_dump_warm']?.n ?? ''} addresses, warm: a second series of dumps in the same process, right after the timed one`, 'info', null, 'nlkit', 'w4_addr_dump_warm', [
      { label: 'Go vishvananda/netlink AddrList', impls: ['go-netlink-handle'], op: 'w4_addr_dump' },
      { label: 'C libmnl (all C runs pooled)', impls: C_ALL, op: 'w4_addr_dump' },
    ]),
    t('setupVeth, per pair', '≤ 1.15× C, same kernel work', 1.15, 'nlkit-setupveth', 'w1_create', [
      { label: 'C libmnl setupveth_mnl --sockets=per-pair: per pair a socket opened in netns 2 (setns there and back, as setupVeth opens its handle), create (MTU, MAC, each end born in its netns), peer up, GETLINK of the peer, close; one request at a time', impls: ['c-libmnl-setupveth-perpair'], op: 'w1_create' },
      { label: 'context: raw koffi from a fresh Node process, the requests, sockets and loop of the C row (bench/raw-koffi.ts --work setupveth, no nlkit code; the Node floor)', impls: ['node-raw-koffi-setupveth'], op: 'w1_create' },
      { label: 'context: C libmnl setupveth_mnl, the same requests from one socket kept in netns 2 (like setupVeth with options.handles)', impls: ['c-libmnl-setupveth'], op: 'w1_create' },
      { label: 'context: C libmnl setupveth_mnl --path=echo (the earlier two-handle setupVeth path: echoed create from this netns; --peers all)', impls: ['c-libmnl-setupveth-echo'], op: 'w1_create' },
      { label: 'context: C libmnl seq W1, up inline (peer left down: no carrier, no addrconf)', impls: ['c-libmnl-seq-upinline'], op: 'w1_create' },
      { label: 'context: C libmnl batch W1, up inline (floor; peer left down)', impls: ['c-libmnl-batch-upinline'], op: 'w1_create' },
      { label: 'context: Go vishvananda/netlink Handle W1, LinkAdd + LinkSetUp of the local end (peer left down; Go has no setupVeth equivalent here)', impls: ['go-netlink-handle'], op: 'w1_create' },
    ]),
    t('setupVeth with a kept host handle (options.handles), per pair', 'info', null, 'nlkit-setupveth', 'w1_create_kept', [
      { label: 'C libmnl setupveth_mnl (sockets opened once)', impls: ['c-libmnl-setupveth'], op: 'w1_create' },
    ]),
    t('setupVeth with one TX and one RX queue per end (options.queues: 1), per pair', 'info: a lever (the same one queue in use as the default, no RCU wait)', null, 'nlkit-setupveth', 'w1_create_1q', [
      { label: 'C libmnl setupveth_mnl --queues=1 --sockets=per-pair (the same requests, a socket per pair as setupVeth opens a handle per call)', impls: ['c-libmnl-setupveth-1q'], op: 'w1_create' },
      { label: 'C libmnl setupveth_mnl --sockets=per-pair, default queues', impls: ['c-libmnl-setupveth-perpair'], op: 'w1_create' },
      { label: 'nlkit setupVeth, default queues (the setupVeth row)', impls: ['nlkit-setupveth'], op: 'w1_create' },
    ]),
    t('setupVeth kernel part: create + peer up, kept handles, no read-back', 'info', null, 'nlkit-setupveth', 'w1_peerup', [
      { label: 'C libmnl setupveth_mnl --readback=none (the same two requests)', impls: ['c-libmnl-setupveth-noreadback'], op: 'w1_create' },
      { label: 'context: raw koffi from a fresh Node process, the same two requests (bench/raw-koffi.ts --work peerup; the Node floor)', impls: ['node-raw-koffi-peerup'], op: 'w1_create' },
      { label: 'C libmnl setupveth_mnl (with the GETLINK read-back)', impls: ['c-libmnl-setupveth'], op: 'w1_create' },
    ]),
  ];
  const d1n = s['nlkit-diag']?.['d1_tcp_dump']?.n ?? s['c-libmnl-diag']?.['d1_tcp_dump']?.n ?? '';
  // Only when D1 ran (a report of a run from before D1, rendered again, gains no empty rows).
  if (D1_JOBS.some((j) => s[j])) out.push(
    t(`D1 TCP dump + decode, ${d1n} IPv4 sockets, every extension: diag.inet({ family: 4 })`, 'info', null, 'nlkit-diag', 'd1_tcp_dump_all', [
      { label: 'C libmnl diag_mnl, the same request (every extension), each attribute copied out', impls: ['c-libmnl-diag'], op: 'd1_tcp_dump_all' },
      { label: 'context: C libmnl diag_mnl, INET_DIAG_INFO only', impls: ['c-libmnl-diag'], op: 'd1_tcp_dump_info' },
      { label: 'context: `ss -4 -tanei -m`, whole process, output to /dev/null', impls: ['iproute2-ss'], op: 'd1_tcp_dump_all' },
    ]),
    t(`D1 TCP dump + decode, ${d1n} IPv4 sockets, tcp_info: diag.inet({ family: 4, extensions: ['info'] })`, 'info', null, 'nlkit-diag', 'd1_tcp_dump_info', [
      { label: 'C libmnl diag_mnl, INET_DIAG_INFO (tcp_info copied out)', impls: ['c-libmnl-diag'], op: 'd1_tcp_dump_info' },
      { label: 'Go vishvananda/netlink SocketDiagTCPInfo (INFO + VEGASINFO asked, both decoded)', impls: ['go-netlink-diag'], op: 'd1_tcp_dump_info' },
      { label: 'pyroute2 DiagSocket.get_sock_stats, INET_DIAG_INFO', impls: ['pyroute2-diag'], op: 'd1_tcp_dump_info' },
    ]),
    t(`D1 TCP dump + decode, ${d1n} IPv4 sockets, no extension: diag.inet({ family: 4, extensions: [] })`, 'info', null, 'nlkit-diag', 'd1_tcp_dump', [
      { label: 'C libmnl diag_mnl, no extension (ports, addresses as bytes, state, inode, queues, uid, cookie…)', impls: ['c-libmnl-diag'], op: 'd1_tcp_dump' },
      { label: 'Go vishvananda/netlink SocketDiagTCP (asks INFO + VEGASINFO, decodes the basics)', impls: ['go-netlink-diag'], op: 'd1_tcp_dump' },
      { label: 'pyroute2 DiagSocket.get_sock_stats, no extension', impls: ['pyroute2-diag'], op: 'd1_tcp_dump' },
      { label: 'context: `ss -4 -tan`, whole process, output to /dev/null', impls: ['iproute2-ss'], op: 'd1_tcp_dump' },
    ]),
    t(`D1 TCP dump + decode, ${d1n} IPv4 sockets, every extension, warm: the same series again in the same process, right after the timed one`, 'info', null, 'nlkit-diag', 'd1_tcp_dump_all_warm', [
      { label: 'C libmnl diag_mnl, the same request (every extension)', impls: ['c-libmnl-diag'], op: 'd1_tcp_dump_all' },
    ]),
  );
  const d2n = s['nlkit-ct']?.['d2_ct_dump']?.n ?? s['c-libmnl-ct']?.['d2_ct_dump']?.n ?? '';
  // Only when D2 ran (a report of a run from before D2, rendered again, gains no empty rows).
  if (D2_JOBS.some((j) => s[j])) out.push(
    t('D2 conntrack create, per entry: await ct.add({ protocol: \'udp\', …, timeout }) one at a time', 'info', null, 'nlkit-ct', 'd2_ct_create', [
      { label: 'C libmnl ct_mnl, the same IPCTNL_MSG_CT_NEW (orig, reply, timeout) + ACK, one at a time', impls: ['c-libmnl-ct'], op: 'd2_ct_create' },
      { label: 'pyroute2 Conntrack.entry(\'add\')', impls: ['pyroute2-ct'], op: 'd2_ct_create' },
    ]),
    t('D2 conntrack create, per entry, warm: the same creates one at a time again in the same process, after the dumps and deletes', 'info', null, 'nlkit-ct', 'd2_ct_create_warm', [
      { label: 'C libmnl ct_mnl, one at a time', impls: ['c-libmnl-ct'], op: 'd2_ct_create' },
    ]),
    t('D2 conntrack create batched, per entry: await ct.addMany(specs) (many IPCTNL_MSG_CT_NEW per sendmsg, an ACK each), warm process', 'info', null, 'nlkit-ct', 'd2_ct_create_batch', [
      { label: 'C libmnl ct_mnl, one at a time', impls: ['c-libmnl-ct'], op: 'd2_ct_create' },
      { label: 'nlkit ct.add one at a time, warm (the row above)', impls: ['nlkit-ct'], op: 'd2_ct_create_warm' },
    ]),
    t(`D2 conntrack dump + decode, ${d2n} entries: await ct.list()`, 'info', null, 'nlkit-ct', 'd2_ct_dump', [
      { label: 'C libmnl ct_mnl, the same dump (AF_UNSPEC), tuples, status, timeout, mark, id, use, zone, protoinfo decoded', impls: ['c-libmnl-ct'], op: 'd2_ct_dump' },
      { label: 'context: C libmnl ct_mnl, the same dump of the empty table (the kernel\'s walk of its hash table: the floor)', impls: ['c-libmnl-ct'], op: 'd2_ct_dump_empty' },
      { label: 'Go vishvananda/netlink Handle.ConntrackTableList (AF_INET; decodes tuples, mark, timeout)', impls: ['go-netlink-ct'], op: 'd2_ct_dump' },
      { label: 'pyroute2 Conntrack.dump_entries()', impls: ['pyroute2-ct'], op: 'd2_ct_dump' },
      { label: 'context: `conntrack -L`, whole process, output to /dev/null', impls: ['conntrack-tool'], op: 'd2_ct_dump' },
    ]),
    t(`D2 conntrack dump + decode, ${d2n} entries, warm: the same dumps again in the same process, right after the timed ones`, 'info', null, 'nlkit-ct', 'd2_ct_dump_warm', [
      { label: 'C libmnl ct_mnl, the same dump', impls: ['c-libmnl-ct'], op: 'd2_ct_dump' },
    ]),
    t('D2 conntrack delete, per entry: await ct.del({ protocol: \'udp\', … }) one at a time', 'info', null, 'nlkit-ct', 'd2_ct_delete', [
      { label: 'C libmnl ct_mnl, the same IPCTNL_MSG_CT_DELETE by the original tuple + ACK, one at a time', impls: ['c-libmnl-ct'], op: 'd2_ct_delete' },
      { label: 'pyroute2 Conntrack.entry(\'del\')', impls: ['pyroute2-ct'], op: 'd2_ct_delete' },
      { label: 'context: Go vishvananda/netlink ConntrackDeleteFilter matching every entry (one dump, then a DELETE + ACK per entry), per entry', impls: ['go-netlink-ct'], op: 'd2_ct_delete_filter' },
    ]),
  );
  const g = micro?.getlink;
  out.push({
    name: 'GETLINK round trip (ifindex 1)', goal: '≤ 1.5× raw koffi send+recv', limit: 1.5,
    nlkit: g ? g.nlkitUs : null, nlkitLabel: 'NetlinkSocket.request (bench/netlink-micro)',
    refs: [{ label: 'raw koffi send + recv(MSG_DONTWAIT), same process, same run', value: g ? g.rawUs : null, ratio: g ? g.ratio : null }],
  });
  return out;
}

// ------------------------------------------------------------------ main

function usage(): string {
  return 'usage: npm run bench -- [--n 1000] [--runs 3] [--reps 20] [--naddr 1000] [--nconn 1000] [--nct 1000] [--quick] [--only d1|d2|a,b] [--peers default|all|a,b] [--skip a,b] [--context-runs 1] [--settle 1000] [--out DIR] [--profile] | --rerender FILE.json';
}

export async function main(argv: string[]): Promise<number> {
  const { opts } = parseArgs(argv);
  if (opts.has('help')) {
    console.log(usage());
    return 0;
  }
  if (opts.has('monitor-child')) return monitorChild(opts.has('quick'));
  const rerender = opts.get('rerender');
  if (rerender !== undefined) {
    if (!rerender.endsWith('.json')) throw new Error(`--rerender wants the JSON of a run (bench/results/latest.json), got '${rerender}'`);
    return rerenderReport(resolve(rerender));
  }
  const quick = opts.has('quick');
  const p: Params = {
    n: intOpt(opts, 'n', quick ? 50 : 1000),
    runs: intOpt(opts, 'runs', quick ? 1 : 3),
    reps: intOpt(opts, 'reps', quick ? 5 : 20),
    naddr: intOpt(opts, 'naddr', quick ? 100 : 1000),
    nconn: intOpt(opts, 'nconn', quick ? 250 : 1000),
    nct: intOpt(opts, 'nct', quick ? 250 : 1000),
    quick,
    settleMs: intOpt(opts, 'settle', quick ? 300 : 1000),
    contextRuns: intOpt(opts, 'context-runs', 1),
    profile: opts.has('profile'),
    outDir: resolve(opts.get('out') ?? join(root, 'bench', 'results')),
  };
  if (p.n < 1 || p.runs < 1 || p.reps < 1 || p.nconn < 1 || p.nct < 1) throw new Error(`--n, --runs, --reps, --nconn and --nct must be at least 1\n${usage()}`);
  if (p.nct > 64511) throw new Error(`--nct: at most 64511 (one UDP source port per entry)\n${usage()}`);
  if (process.getuid?.() !== 0) {
    console.error('bench: needs root (unshare -n and veth creation); run as root');
    return 1;
  }
  if (spawnSync('unshare', ['-n', '--', 'true'], { stdio: 'ignore' }).status !== 0) {
    console.error('bench: `unshare -n` is refused here; every run needs a fresh netns');
    return 1;
  }
  mkdirSync(p.outDir, { recursive: true });
  if (p.profile) mkdirSync(join(p.outDir, 'profiles'), { recursive: true });

  let jobs = allJobs(p);
  const peersOpt = opts.get('peers') ?? 'default';
  if (peersOpt === 'default') jobs = jobs.filter((j) => !EXTRA.has(j.name));
  else if (peersOpt !== 'all') {
    const want = new Set(peersOpt.split(',').map((x) => x.trim()));
    jobs = jobs.filter((j) => j.kind !== 'peer' || want.has(j.name));
  }
  const skip = new Set((opts.get('skip') ?? '').split(',').map((x) => x.trim()).filter(Boolean));
  jobs = jobs.filter((j) => !skip.has(j.name));
  const onlyOpt = opts.get('only');
  if (onlyOpt !== undefined) {
    const only = new Set(onlyOpt.split(',').map((x) => x.trim()).flatMap((x) => (x === 'd1' ? D1_JOBS : x === 'd2' ? D2_JOBS : [x])));
    jobs = jobs.filter((j) => only.has(j.name));
    if (jobs.length === 0) throw new Error(`--only ${onlyOpt}: no such program\n${usage()}`);
  }
  const missing = jobs.filter((j) => j.missing).map((j) => ({ name: j.name, why: j.missing! }));
  jobs = jobs.filter((j) => !j.missing);
  for (const m of missing) console.error(`[bench] skipping ${m.name}: ${m.why}`);

  const pfStart = pageFaultProbe();
  const hostNetns = readlinkSync('/proc/self/ns/net');
  const linksBefore = hostLinkCount();
  const tmp = mkdtempSync(join(os.tmpdir(), 'nlkit-bench-'));
  const started = new Date();
  // The code that runs is the build made before the run: its commit is read now, not at
  // the end (edits made while a run goes on are not in it).
  const gitAt = (args: string[]): string => spawnSync('git', args, { cwd: root, encoding: 'utf8' }).stdout?.trim() ?? '';
  const commitAtStart = `${gitAt(['rev-parse', '--short', 'HEAD'])}${gitAt(['status', '--porcelain', '--', 'src']) ? ' (+ uncommitted src changes)' : ''}`;
  const loadStart = loadavg();
  const t0 = process.hrtime.bigint();
  const records: Record_[] = [];
  const microRuns: MicroRun[] = [];
  const microUnoptRuns: MicroRun[] = [];
  const microUnoptJob = jobs.find((j) => j.name === 'netlink-micro-unopt');
  const monitorRuns: Record<string, unknown>[] = [];
  const log: RunLog[] = [];
  const failures: { job: string; run: number; error: string }[] = [];
  console.error(`[bench] N=${p.n} runs=${p.runs} reps=${p.reps} naddr=${p.naddr} nconn=${p.nconn} nct=${p.nct}${quick ? ' (quick)' : ''}; load ${loadStart}; ${jobs.length} programs per round: ${jobs.map((j) => j.name).join(' ')}`);
  try {
    for (let run = 1; run <= p.runs; run++) {
      for (const job of jobs) {
        if (job.tier === 'context' && run > p.contextRuns) continue;
        const load = loadavg();
        const o = await runJob(job, p, hostNetns, tmp);
        const secs = (o.wallMs / 1000).toFixed(1);
        log.push({ run, job: job.name, wallMs: o.wallMs, load, ok: o.ok });
        if (!o.ok) {
          const err = o.stderr.trim().split('\n').slice(-3).join(' | ');
          failures.push({ job: job.name, run, error: err });
          console.error(`[bench] round ${run}/${p.runs} ${job.name}: FAILED after ${secs} s: ${err}`);
        } else console.error(`[bench] round ${run}/${p.runs} ${job.name}: ${secs} s (load ${load})`);
        if (job.kind === 'micro') {
          if (o.ok) (job === microUnoptJob ? microUnoptRuns : microRuns).push(parseMicro(o.stdout));
          writeFileSync(join(tmp, `${job.name}-${run}.txt`), o.stdout);
        } else if (job.kind === 'monitor') {
          if (o.ok) {
            try {
              monitorRuns.push(JSON.parse(o.stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>);
            } catch {
              failures.push({ job: job.name, run, error: 'unparsable output' });
            }
          }
        } else {
          const rs = parseResults(o.stdout, run);
          records.push(...rs);
          if (job.kind === 'peer' && job.processRecord !== false && o.maxrssKb !== undefined) records.push({ impl: job.name, op: 'process', run, n: p.n, per_op_us: o.wallMs * 1000, total_ms: o.wallMs, maxrss_kb: o.maxrssKb });
        }
        await sleep(p.settleMs);
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const linksAfter = hostLinkCount();
  const pfEnd = pageFaultProbe();
  const totalS = Number(process.hrtime.bigint() - t0) / 1e9;
  const loadEnd = loadavg();

  const summary = summarize(records);
  const micro = summarizeMicro(microRuns);
  const microUnopt = summarizeMicro(microUnoptRuns);
  const cpuModel = (readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1] ?? os.cpus()[0]?.model ?? '?').trim();
  const command = `npm run bench --${argv.length ? ` ${argv.join(' ')}` : ''}`.replace(/ --$/, '');
  const report: Report = {
    meta: {
      date: started.toISOString(),
      command,
      kernel: os.release(),
      cpu: `${cpuModel}, ${os.cpus().length} CPUs`,
      node: process.version,
      commit: commitAtStart,
      n: p.n, runs: p.runs, reps: p.reps, naddr: p.naddr, nconn: p.nconn, nct: p.nct, quick: p.quick, contextRuns: p.contextRuns,
      loadStart, loadEnd, totalSeconds: totalS,
      hostLinks: { before: linksBefore, after: linksAfter },
      missing,
      failures,
      pageFault: { startUs: pfStart.firstUs, endUs: pfEnd.firstUs, retouchUs: (pfStart.againUs + pfEnd.againUs) / 2 },
    },
    summary,
    targets: targets(summary, micro),
    micro,
    ...(microUnopt ? { microUnopt } : {}),
    monitor: monitorRuns.length ? monitorRuns : undefined,
    log,
    records,
  };
  const base = `${quick ? 'quick' : 'latest'}${onlyOpt !== undefined ? '-only' : ''}`;
  const md = renderMarkdown(report, `${base}.svg`);
  writeFileSync(join(p.outDir, `${base}.json`), `${JSON.stringify(report, null, 1)}\n`);
  writeFileSync(join(p.outDir, `${base}.md`), md);
  writeFileSync(join(p.outDir, `${base}.svg`), renderSvg(report));
  console.log(md);
  console.error(`[bench] wrote ${relative(process.cwd(), join(p.outDir, base))}.{md,json,svg} in ${totalS.toFixed(0)} s`);
  if (linksBefore !== linksAfter) console.error(`[bench] WARNING: host link count changed (${linksBefore} -> ${linksAfter})`);
  return failures.length ? 1 : 0;
}

/**
 * --rerender: the report of a finished run rendered again with the current report code.
 * The medians and records are the run's; only what is derived from them (the targets
 * table, the Markdown and the plot) is made anew.
 */
function rerenderReport(file: string): number {
  const report = JSON.parse(readFileSync(file, 'utf8')) as Report;
  report.targets = targets(report.summary, report.micro);
  const base = file.replace(/\.json$/, '');
  writeFileSync(file, `${JSON.stringify(report, null, 1)}\n`);
  writeFileSync(`${base}.md`, renderMarkdown(report, `${basename(base)}.svg`));
  writeFileSync(`${base}.svg`, renderSvg(report));
  console.error(`[bench] rendered ${relative(process.cwd(), base)}.{md,svg} again from ${relative(process.cwd(), file)}`);
  return 0;
}

/**
 * Monitor latency (bench/monitor-latency.ts), run as a child in its own netns: prints
 * the result of `monitorLatency(opts)` as one JSON line.
 */
async function monitorChild(quick: boolean): Promise<number> {
  const mod = (await import(pathToFileURL(join(distBench, 'monitor-latency.js')).href)) as { monitorLatency?: (opts?: Record<string, unknown>) => Promise<unknown> };
  if (typeof mod.monitorLatency !== 'function') throw new Error('bench/monitor-latency.ts exports no monitorLatency()');
  // Its defaults (2000 samples × 5 rounds, burst 5000) in a full run; a short version in --quick.
  const res = await mod.monitorLatency(quick ? { samples: 300, rounds: 2, warmup: 50, burst: 1000 } : {});
  console.log(JSON.stringify(res));
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (e: unknown) => {
    console.error(e instanceof Error ? e.stack ?? e.message : e);
    process.exit(1);
  });
}
