// Diagnostic (not part of `npm run bench`): what traffic control costs to set up and to
// read back, nlkit against `tc -batch` (and pyroute2 when /usr/bin/python3 imports it).
// Each implementation runs in its own process in its own fresh `unshare -n` netns, which
// is first given DEVICES ifb devices, up, through one `ip -batch` (untimed); the
// implementations are interleaved over rounds (nlkit, tc, pyroute2, nlkit, tc, …).
// Timed, per device: a root tbf (`rate 1mbit burst 32kbit latency 25ms`), an ingress
// qdisc, and one u32 match-all filter at ffff: (protocol all, prio 1) whose mirred action
// redirects to the next device's egress (the last one's to ifb0):
//   nlkit     one handle, opened before (its tc code loaded by one untimed list), the
//             3 × DEVICES requests awaited one at a time, devices by name;
//   tc        one `tc -batch FILE` process (the file written before), timed from spawn
//             to exit;
//   pyroute2  IPRoute.tc(…) one request at a time, ifindexes looked up before; it also
//             sends tbf's rate table, which tc and nlkit leave out.
// Then one dump of every qdisc (`rt.qdisc.list()` / `tc -j qdisc show`, parsed with
// JSON.parse / `IPRoute.get_qdiscs()`), and the ffff: filters of every device
// (`rt.filter.list({ link, parent: 'ffff:' })` per device / one `tc -j -batch` of
// `filter show dev D parent ffff:` lines / `get_filters` per device). After the dumps
// each process's netns is counted again by tc itself, and every implementation must have
// listed what tc lists and the same as the others (2 × DEVICES qdiscs, DEVICES of them
// tbf, 3 × DEVICES filter entries: per device the priority, u32's hash table and the
// node), else the script fails.
//
//   npm run build && node dist/bench/tc.js [--devices 200] [--rounds 3] [--modes nlkit,tc,pyroute2]   (as root)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Rtnl } from '../src/rtnl/index.js';
import { parseArgs, intOpt, medianMin, assertNotHostNetns, msSince } from './common.js';

const ALL_MODES = ['nlkit', 'tc', 'pyroute2'] as const;
type Mode = (typeof ALL_MODES)[number];
const PYTHON = '/usr/bin/python3';

interface ChildResult {
  /** Adds, µs per device (three requests). */
  addUs: number;
  /** One dump of every qdisc, ms. */
  qdiscMs: number;
  /** The ffff: filters of every device, ms. */
  filterMs: number;
  /** What the implementation listed. */
  qdiscs: number;
  tbf: number;
  filters: number;
}

const dev = (i: number): string => `ifb${i}`;

/** DEVICES ifb devices ifb0…, up. */
function fill(devices: number): void {
  const lines: string[] = [];
  for (let i = 0; i < devices; i++) lines.push(`link add ${dev(i)} type ifb`, `link set ${dev(i)} up`);
  const r = spawnSync('ip', ['-batch', '-'], { input: lines.join('\n') + '\n', encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip -batch failed: ${r.stderr}`);
}

/** The tc commands of the adds, one device after the other. */
function tcAddLines(devices: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < devices; i++) {
    lines.push(`qdisc add dev ${dev(i)} root tbf rate 1mbit burst 32kbit latency 25ms`);
    lines.push(`qdisc add dev ${dev(i)} ingress`);
    lines.push(`filter add dev ${dev(i)} parent ffff: protocol all prio 1 u32 match u32 0 0 action mirred egress redirect dev ${dev((i + 1) % devices)}`);
  }
  return lines;
}

/** Run tc, fail on a non-zero exit. */
function tc(args: string[]): string {
  const r = spawnSync('tc', args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`tc ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** `tc -j -batch` prints one JSON array per command, each on its own line. */
function parseJsonLines(out: string): unknown[][] {
  return out.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as unknown[]);
}

/** The qdisc dump through tc: count, and how many are tbf. */
function tcQdiscs(): { qdiscs: number; tbf: number } {
  const all = JSON.parse(tc(['-j', 'qdisc', 'show'])) as { kind: string }[];
  return { qdiscs: all.length, tbf: all.filter((q) => q.kind === 'tbf').length };
}

/** The ffff: filters of every device through one `tc -j -batch`: entries in all. */
function tcFilters(file: string): number {
  return parseJsonLines(tc(['-j', '-batch', file])).reduce((n, a) => n + a.length, 0);
}

// The pyroute2 side: the same requests, in a Python process in the child's netns.
const PYROUTE2 = String.raw`
import json, os, sys, time
host = os.environ.get('PBENCH_HOST_NETNS')
if not host or os.readlink('/proc/thread-self/ns/net') == host:
    sys.exit('tc diagnostic (pyroute2): refusing to run in the host network namespace')
from pyroute2 import IPRoute
n = int(sys.argv[1])
ipr = IPRoute()
byname = {l.get_attr('IFLA_IFNAME'): l['index'] for l in ipr.get_links()}
ifs = [byname['ifb%d' % i] for i in range(n)]
t0 = time.perf_counter()
for i in range(n):
    ipr.tc('add', 'tbf', ifs[i], rate='1mbit', burst=4096, latency='25ms')
    ipr.tc('add', 'ingress', ifs[i], 0xffff0000)
    ipr.tc('add-filter', 'u32', ifs[i], parent=0xffff0000, prio=1, protocol=0x0003, target=0, keys=['0x0/0x0+0'],
           action=dict(kind='mirred', direction='egress', action='redirect', ifindex=ifs[(i + 1) % n]))
add_s = time.perf_counter() - t0
t0 = time.perf_counter()
kinds = [q.get_attr('TCA_KIND') for q in ipr.get_qdiscs()]
qdisc_s = time.perf_counter() - t0
t0 = time.perf_counter()
filters = 0
for x in ifs:
    filters += len([f.get_attr('TCA_KIND') for f in ipr.get_filters(index=x, parent=0xffff0000)])
filter_s = time.perf_counter() - t0
ipr.close()
print(json.dumps({'addUs': add_s * 1e6 / n, 'qdiscMs': qdisc_s * 1e3, 'filterMs': filter_s * 1e3,
                  'qdiscs': len(kinds), 'tbf': kinds.count('tbf'), 'filters': filters}))
`;

async function child(mode: Mode, devices: number): Promise<ChildResult> {
  assertNotHostNetns('tc diagnostic');
  fill(devices);
  const dir = mkdtempSync(join(tmpdir(), 'nlkit-tcbench-'));
  try {
    const showFile = join(dir, 'show');
    writeFileSync(showFile, Array.from({ length: devices }, (_, i) => `filter show dev ${dev(i)} parent ffff:`).join('\n') + '\n');
    let res: ChildResult;
    if (mode === 'nlkit') {
      const rt = Rtnl.open();
      try {
        await rt.qdisc.list({ link: 'lo' }); // loads the handle's tc code (untimed)
        let t0 = process.hrtime.bigint();
        for (let i = 0; i < devices; i++) {
          const link = dev(i);
          await rt.qdisc.add({ link, kind: 'tbf', rate: '1mbit', burst: '32kbit', latency: '25ms' });
          await rt.qdisc.add({ link, kind: 'ingress' });
          await rt.filter.add({ link, parent: 'ffff:', protocol: 'all', priority: 1, kind: 'u32', match: 'all', actions: [{ kind: 'mirred', action: 'redirect', direction: 'egress', dev: dev((i + 1) % devices) }] });
        }
        const addUs = (msSince(t0) * 1000) / devices;
        t0 = process.hrtime.bigint();
        const qs = await rt.qdisc.list();
        const qdiscMs = msSince(t0);
        t0 = process.hrtime.bigint();
        let filters = 0;
        for (let i = 0; i < devices; i++) filters += (await rt.filter.list({ link: dev(i), parent: 'ffff:' })).length;
        const filterMs = msSince(t0);
        res = { addUs, qdiscMs, filterMs, qdiscs: qs.length, tbf: qs.filter((q) => q.kind === 'tbf').length, filters };
      } finally {
        rt.close();
      }
    } else if (mode === 'tc') {
      const addFile = join(dir, 'add');
      writeFileSync(addFile, tcAddLines(devices).join('\n') + '\n');
      let t0 = process.hrtime.bigint();
      tc(['-batch', addFile]);
      const addUs = (msSince(t0) * 1000) / devices;
      t0 = process.hrtime.bigint();
      const q = tcQdiscs();
      const qdiscMs = msSince(t0);
      t0 = process.hrtime.bigint();
      const filters = tcFilters(showFile);
      const filterMs = msSince(t0);
      res = { addUs, qdiscMs, filterMs, ...q, filters };
    } else {
      const p = spawnSync(PYTHON, ['-c', PYROUTE2, String(devices)], { encoding: 'utf8', maxBuffer: 16 << 20 });
      if (p.status !== 0) throw new Error(`pyroute2: ${p.stderr.trim()}`);
      res = JSON.parse(p.stdout.trim().split('\n').pop()!) as ChildResult;
    }
    // What tc itself lists now: every implementation must have listed the same, and made what was asked.
    const oracle = { ...tcQdiscs(), filters: tcFilters(showFile) };
    const want = { qdiscs: 2 * devices, tbf: devices, filters: 3 * devices };
    for (const k of ['qdiscs', 'tbf', 'filters'] as const) {
      if (res[k] !== oracle[k] || res[k] !== want[k]) throw new Error(`${mode}: listed ${res[k]} ${k}, tc lists ${oracle[k]}, expected ${want[k]}`);
    }
    return res;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function hasPyroute2(): boolean {
  return spawnSync(PYTHON, ['-c', 'import pyroute2'], { stdio: 'ignore' }).status === 0;
}

async function main(argv: string[]): Promise<void> {
  const { opts, rest } = parseArgs(argv);
  const devices = intOpt(opts, 'devices', 200);
  if (rest[0] === 'child') {
    console.log(JSON.stringify(await child(rest[1] as Mode, devices)));
    return;
  }
  if (process.getuid?.() !== 0) throw new Error('tc diagnostic: needs root (each implementation runs in its own `unshare -n` netns)');
  if (devices < 2) throw new Error('--devices must be at least 2 (each filter redirects to the next device)');
  const rounds = intOpt(opts, 'rounds', 3);
  const asked = (opts.get('modes') ?? ALL_MODES.join(',')).split(',') as Mode[];
  for (const m of asked) if (!ALL_MODES.includes(m)) throw new Error(`unknown mode ${m} (${ALL_MODES.join(', ')})`);
  const pyroute2 = hasPyroute2();
  const modes = asked.filter((m) => m !== 'pyroute2' || pyroute2);
  const env = { ...process.env, PBENCH_HOST_NETNS: readlinkSync('/proc/self/ns/net') };
  const self = fileURLToPath(import.meta.url);
  const got = new Map<Mode, ChildResult[]>(modes.map((m) => [m, []]));
  for (let r = 0; r < rounds; r++) {
    for (const mode of modes) {
      const p = spawnSync('unshare', ['-n', '--', process.execPath, self, 'child', mode, '--devices', String(devices)], { env, encoding: 'utf8', maxBuffer: 16 << 20 });
      if (p.status !== 0) throw new Error(`${mode}: ${p.stderr.trim()}`);
      got.get(mode)!.push(JSON.parse(p.stdout.trim().split('\n').pop()!) as ChildResult);
    }
    console.error(`round ${r + 1}/${rounds}: ${modes.map((m) => `${m} ${got.get(m)![r]!.addUs.toFixed(1)} µs/device`).join(', ')}`);
  }
  // Every implementation listed what tc lists in its netns (checked in the child); and the same as the others.
  const first = got.get(modes[0]!)![0]!;
  for (const m of modes) {
    for (const x of got.get(m)!) {
      if (x.qdiscs !== first.qdiscs || x.tbf !== first.tbf || x.filters !== first.filters) {
        throw new Error(`${m} listed ${x.qdiscs} qdiscs (${x.tbf} tbf) and ${x.filters} filters, ${modes[0]} ${first.qdiscs} (${first.tbf}) and ${first.filters}`);
      }
    }
  }
  const med = (m: Mode, f: (x: ChildResult) => number): number => medianMin(got.get(m)!.map(f)).median;
  console.log(`${devices} ifb devices, each given a root tbf (rate 1mbit burst 32kbit latency 25ms), an ingress qdisc and a u32 match-all filter at ffff: redirecting (mirred) to the next device; fresh netns and process per implementation, medians over ${rounds} rounds. Listed by each: ${first.qdiscs} qdiscs (${first.tbf} tbf), ${first.filters} ffff: filter entries.`);
  const labels: Record<Mode, string> = {
    nlkit: 'nlkit (one handle, one request at a time)',
    tc: 'tc -batch (one process; dumps: tc -j, JSON.parse)',
    pyroute2: 'pyroute2 (IPRoute, one request at a time)',
  };
  console.log(`  ${''.padEnd(50)} ${'adds µs/device'.padStart(15)} ${'qdisc dump ms'.padStart(14)} ${'filter dumps ms'.padStart(16)}`);
  for (const m of modes) {
    console.log(`  ${labels[m].padEnd(50)} ${med(m, (x) => x.addUs).toFixed(1).padStart(15)} ${med(m, (x) => x.qdiscMs).toFixed(2).padStart(14)} ${med(m, (x) => x.filterMs).toFixed(2).padStart(16)}`);
  }
  for (const other of ['tc', 'pyroute2'] as const) {
    if (!modes.includes('nlkit') || !modes.includes(other)) continue;
    const ratio = (f: (x: ChildResult) => number): string => (med('nlkit', f) / med(other, f)).toFixed(2);
    console.log(`  ${`nlkit/${other}`.padEnd(50)} ${ratio((x) => x.addUs).padStart(15)} ${ratio((x) => x.qdiscMs).padStart(14)} ${ratio((x) => x.filterMs).padStart(16)}`);
  }
  if (asked.includes('pyroute2') && !pyroute2) console.log(`  pyroute2: not available (${PYTHON} cannot import pyroute2)`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
