// Diagnostic (not part of `npm run bench`): what a big routing table costs to read, with
// rt.route.list (every route decoded into one array) against rt.route.forEach (each route
// decoded and handed to a callback as the dump is read, nothing kept), and `ip route show`
// for context. Each mode is its own process in its own fresh `unshare -n` netns, which it
// fills first with ROUTES IPv4 /32 routes in table 100 through one `ip -batch` (untimed);
// modes are interleaved over rounds. Per mode: the first walk of the process and the
// median of the next ones, ms; and how far the process's peak RSS rose above its RSS
// just before the first walk, MiB (what holding the table costs, against the receive
// buffer that forEach needs).
//
//   npm run build && node dist/bench/big-table.js [--routes 100000] [--walks 5] [--rounds 3] [--modes list,foreach,ip]   (as root)
import { spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Rtnl } from '../src/rtnl/index.js';
import { parseArgs, intOpt, medianMin, assertNotHostNetns, maxRssKb } from './common.js';

const ALL_MODES = ['list', 'foreach', 'ip'] as const;
type Mode = (typeof ALL_MODES)[number];

interface ChildResult {
  firstMs: number;
  restMs: number;
  peakRiseMiB: number;
  routes: number;
}

/** ROUTES /32 routes in table 100 via dev d0 (a veth end, up): 10.(i>>16).(i>>8&255).(i&255). */
function fill(routes: number): void {
  const lines = ['link add d0 type veth peer name d0p', 'link set d0 up', 'link set d0p up'];
  for (let i = 0; i < routes; i++) lines.push(`route add 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32 dev d0 table 100`);
  const r = spawnSync('ip', ['-batch', '-'], { input: lines.join('\n') + '\n', encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`ip -batch failed: ${r.stderr}`);
}

async function child(mode: Mode, routes: number, walks: number): Promise<ChildResult> {
  assertNotHostNetns('big-table diagnostic');
  fill(routes);
  const rt = Rtnl.open();
  try {
    const times: number[] = [];
    let seen = 0;
    const rss0 = process.memoryUsage().rss;
    for (let w = 0; w < walks; w++) {
      const t0 = process.hrtime.bigint();
      if (mode === 'list') {
        const all = await rt.route.list({ table: 100 });
        seen = all.length;
      } else if (mode === 'foreach') {
        let prefixes = 0;
        seen = await rt.route.forEach({ table: 100 }, (r) => void (prefixes += r.dstLen));
        if (prefixes !== seen * 32) throw new Error('foreach: not every route decoded');
      } else {
        const r = spawnSync('ip', ['route', 'show', 'table', '100'], { encoding: 'utf8', maxBuffer: 256 << 20 });
        if (r.status !== 0) throw new Error(`ip route show failed: ${r.stderr}`);
        seen = r.stdout.split('\n').length - 1;
      }
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (seen !== routes) throw new Error(`${mode}: expected ${routes} routes, got ${seen}`);
    }
    const peakRiseMiB = (maxRssKb() * 1024 - rss0) / (1 << 20);
    return { firstMs: times[0]!, restMs: medianMin(times.slice(1)).median, peakRiseMiB, routes: seen };
  } finally {
    rt.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const { opts, rest } = parseArgs(argv);
  if (rest[0] === 'child') {
    const res = await child(rest[1] as Mode, intOpt(opts, 'routes', 100_000), intOpt(opts, 'walks', 5));
    console.log(JSON.stringify(res));
    return;
  }
  if (process.getuid?.() !== 0) throw new Error('big-table: needs root (each mode runs in its own `unshare -n` netns)');
  const routes = intOpt(opts, 'routes', 100_000);
  const walks = intOpt(opts, 'walks', 5);
  if (walks < 2) throw new Error('--walks must be at least 2 (the first walk, then the median of the others)');
  const rounds = intOpt(opts, 'rounds', 3);
  const modes = (opts.get('modes') ?? ALL_MODES.join(',')).split(',') as Mode[];
  for (const m of modes) if (!ALL_MODES.includes(m)) throw new Error(`unknown mode ${m} (${ALL_MODES.join(', ')})`);
  const env = { ...process.env, PBENCH_HOST_NETNS: readlinkSync('/proc/self/ns/net') };
  const self = fileURLToPath(import.meta.url);
  const got = new Map<Mode, ChildResult[]>(modes.map((m) => [m, []]));
  for (let r = 0; r < rounds; r++) {
    for (const mode of modes) {
      const p = spawnSync('unshare', ['-n', '--', process.execPath, self, 'child', mode, '--routes', String(routes), '--walks', String(walks)], { env, encoding: 'utf8', maxBuffer: 16 << 20 });
      if (p.status !== 0) throw new Error(`${mode}: ${p.stderr.trim()}`);
      got.get(mode)!.push(JSON.parse(p.stdout.trim().split('\n').pop()!) as ChildResult);
    }
    console.error(`round ${r + 1}/${rounds}: ${modes.map((m) => `${m} ${got.get(m)![r]!.restMs.toFixed(1)} ms`).join(', ')}`);
  }
  console.log(`${routes} IPv4 routes in table 100, read ${walks} times per process (fresh netns and process per mode; medians over ${rounds} rounds): first walk ms, median of the other walks ms, peak RSS rise over the RSS before the first walk MiB`);
  for (const m of modes) {
    const xs = got.get(m)!;
    const med = (f: (x: ChildResult) => number): string => medianMin(xs.map(f)).median.toFixed(1);
    const label = m === 'list' ? 'rt.route.list({ table: 100 })' : m === 'foreach' ? 'rt.route.forEach({ table: 100 }, fn)' : 'ip route show table 100 (a process per walk, output read in full)';
    console.log(`  ${label.padEnd(66)} first ${med((x) => x.firstMs).padStart(8)}   then ${med((x) => x.restMs).padStart(8)}   peak RSS rise ${med((x) => x.peakRiseMiB).padStart(7)}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
