// The conntrack workload D2 of the benchmark suite (bench/suite.ts): in a fresh netns, N
// conntrack entries (UDP, IPv4, 198.18.0.1:(1024+i) -> 198.19.0.1:53, the reply the
// original inverted, timeout 3600 s: the same entries in every program), created one
// request at a time, then one full dump + decode of the table (median of R), then
// deleted one request at a time, by nlkit and by the peers.
//
//   unshare -n node dist/bench/conntrack.js nlkit --n N --reps R
//   unshare -n node dist/bench/conntrack.js hold --n N -- PROGRAM [ARG...]
//
// `nlkit` is nlkit's side, on one Conntrack handle, in a fresh process:
//   op=d2_ct_create  N × await ct.add({ protocol: 'udp', src, dst, srcPort, dstPort, timeout }), per entry
//   op=d2_ct_dump    await ct.list(): every entry decoded, median of R, per whole dump
//   op=d2_ct_delete  N × await ct.del({ protocol: 'udp', src, dst, srcPort, dstPort }), per entry
// and, for information, in the same, now warm, process: the dumps again (op d2_ct_dump_warm),
// the N creates one at a time again (d2_ct_create_warm) and all N in one ct.addMany
// (d2_ct_create_batch: many creates per sendmsg, an ACK each).
//
// `hold` fills the table of a fresh netns for the peers that do not create entries
// themselves (Go vishvananda/netlink 1.1.0 has no ConntrackCreate; `conntrack -L` timed as
// a process by bench/c/ct_mnl --exec): it checks the netns holds only lo and an empty
// table, makes the N entries with nlkit (not timed; the kernel keeps them after the
// handle closes, until they time out or the netns goes), runs PROGRAM in the same netns
// and exits with its status; PROGRAM's stdout (RESULT lines) passes through.
//
// The peers that create their own (bench/c/ct_mnl.c, bench/py/ct_pyroute2.py) run the same
// three phases as `nlkit`. The kernel walks its whole conntrack hash table (one for all
// netns, nf_conntrack_buckets) in every dump whatever this netns holds, so a dump has a
// floor of kernel time that C measures on the empty table (op d2_ct_dump_empty).
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { Rtnl } from '../src/rtnl/index.js';
import { Conntrack, type ConntrackKey, type ConntrackSpec } from '../src/nfnl/index.js';
import { parseArgs, intOpt, cpuMs, maxRssKb, result, medianMin, msSince, assertNotHostNetns } from './common.js';

/** The entries of D2 (the same in bench/c/ct_mnl.c and bench/py/ct_pyroute2.py). */
export const SRC = '198.18.0.1';
export const DST = '198.19.0.1';
export const PORT0 = 1024;
export const TIMEOUT_S = 3600;
const MAX_N = 65535 - PORT0;

const key = (i: number): ConntrackKey => ({ protocol: 'udp', src: SRC, dst: DST, srcPort: PORT0 + i, dstPort: 53 });
/**
 * The create spec of entry i, made as one object literal: not `{ ...key(i), timeout }`.
 * Node 20's V8 makes that an object whose every later read misses its caches, which
 * costs about 2.8 µs more per ct.add here: the caller's object, not nlkit's work (the two
 * ct.add rows of `npm run bench -- --only netlink-micro`). Node 22 reads both alike.
 */
const spec = (i: number): ConntrackSpec => ({ protocol: 'udp', src: SRC, dst: DST, srcPort: PORT0 + i, dstPort: 53, timeout: TIMEOUT_S });

function checkN(n: number): void {
  if (n < 1 || n > MAX_N) throw new Error(`conntrack bench: --n must be 1..${MAX_N} (one source port per entry)`);
}

/** Refuse anything but a fresh netns: only lo, and an empty conntrack table. */
async function assertFresh(ct: Conntrack): Promise<void> {
  assertNotHostNetns('conntrack bench');
  const rt = Rtnl.open();
  try {
    const links = await rt.link.list();
    if (links.length !== 1 || links[0]!.name !== 'lo') throw new Error(`conntrack bench: the namespace is not fresh (${links.length} links); refusing`);
  } finally {
    rt.close();
  }
  const before = await ct.list();
  if (before.length !== 0) throw new Error(`conntrack bench: the namespace's conntrack table already has ${before.length} entries; refusing`);
}

// ------------------------------------------------------------------ hold

async function hold(n: number, argv: string[]): Promise<number> {
  if (argv.length === 0) throw new Error('conntrack hold: no program after --');
  checkN(n);
  {
    using ct = Conntrack.open();
    await assertFresh(ct);
    for (let i = 0; i < n; i++) await ct.add(spec(i));
    const { entries } = await ct.stats();
    if (entries !== n) throw new Error(`conntrack hold: made ${n} entries, the kernel counts ${entries}`);
  }
  return new Promise<number>((res, rej) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', rej);
    child.once('exit', (code, signal) => res(code ?? (signal ? 1 : 0)));
  });
}

// ------------------------------------------------------------------ nlkit

/** R dumps, each checked: times, CPU per dump, page faults. */
async function dumps(ct: Conntrack, reps: number, n: number): Promise<{ times: number[]; user: number; sys: number; faults: number }> {
  const times: number[] = [];
  let user = 0;
  let sys = 0;
  let faults = 0;
  for (let r = 0; r < reps; r++) {
    const f0 = process.resourceUsage().minorPageFault;
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const entries = await ct.list();
    times.push(msSince(t0));
    const c = cpuMs(c0);
    user += c.user;
    sys += c.sys;
    faults += process.resourceUsage().minorPageFault - f0;
    if (entries.length !== n) throw new Error(`d2_ct_dump: expected ${n} entries, got ${entries.length}`);
    const last = entries[n - 1]!;
    if (last.protocol !== 'udp' || last.original.dstPort !== 53 || last.reply.srcPort !== 53 || last.timeout === undefined || !last.id) throw new Error('d2_ct_dump: an entry is not decoded as made');
  }
  return { times, user: user / reps, sys: sys / reps, faults };
}

async function nlkit(n: number, reps: number): Promise<void> {
  checkN(n);
  using ct = Conntrack.open();
  await assertFresh(ct);

  let c0 = process.cpuUsage();
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await ct.add(spec(i));
  const createMs = msSince(t0);
  const createCpu = cpuMs(c0);

  // The timed dumps from a fresh process (JIT warm-up included, as the peers' first dumps
  // pay their own start); then the same again now that the process is warm (information).
  const cold = await dumps(ct, reps, n);
  const rss = maxRssKb();
  const warm = await dumps(ct, reps, n);

  c0 = process.cpuUsage();
  t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await ct.del(key(i));
  const deleteMs = msSince(t0);
  const deleteCpu = cpuMs(c0);
  const left = (await ct.list()).length;
  if (left !== 0) throw new Error(`d2_ct_delete: ${left} entries left after the deletes`);

  // Information, in the now warm process: the same creates one at a time again, then all
  // of them in one ct.addMany (many per sendmsg); each table emptied after (not timed).
  c0 = process.cpuUsage();
  t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await ct.add(spec(i));
  const warmMs = msSince(t0);
  const warmCpu = cpuMs(c0);
  await checkAndFlush(ct, n, 'd2_ct_create_warm');
  const specs = Array.from({ length: n }, (_, i) => spec(i));
  c0 = process.cpuUsage();
  t0 = process.hrtime.bigint();
  await ct.addMany(specs);
  const batchMs = msSince(t0);
  const batchCpu = cpuMs(c0);
  await checkAndFlush(ct, n, 'd2_ct_create_batch');

  result('nlkit-ct', 'd2_ct_create', n, createMs, (createMs * 1000) / n, createCpu, { maxrss_kb: rss });
  for (const [s, op] of [[cold, 'd2_ct_dump'], [warm, 'd2_ct_dump_warm']] as const) {
    const { median, min } = medianMin(s.times);
    result('nlkit-ct', op, n, median, median * 1000, { user: s.user, sys: s.sys }, { reps, min_ms: min, page_faults: s.faults, maxrss_kb: op === 'd2_ct_dump' ? rss : maxRssKb() });
  }
  result('nlkit-ct', 'd2_ct_delete', n, deleteMs, (deleteMs * 1000) / n, deleteCpu, { maxrss_kb: maxRssKb() });
  result('nlkit-ct', 'd2_ct_create_warm', n, warmMs, (warmMs * 1000) / n, warmCpu, { maxrss_kb: maxRssKb() });
  result('nlkit-ct', 'd2_ct_create_batch', n, batchMs, (batchMs * 1000) / n, batchCpu, { api: 'ct.addMany', maxrss_kb: maxRssKb() });
}

/** Check that the table holds the n entries just made, then empty it (not timed). */
async function checkAndFlush(ct: Conntrack, n: number, op: string): Promise<void> {
  const made = (await ct.list()).length;
  if (made !== n) throw new Error(`${op}: expected ${n} entries, got ${made}`);
  await ct.flush();
}

// ------------------------------------------------------------------ main

export async function main(argv: string[]): Promise<number> {
  const dd = argv.indexOf('--');
  const { opts, rest } = parseArgs(dd >= 0 ? argv.slice(0, dd) : argv);
  switch (rest[0]) {
    case 'hold':
      return hold(intOpt(opts, 'n', 1000), dd >= 0 ? argv.slice(dd + 1) : []);
    case 'nlkit':
      await nlkit(intOpt(opts, 'n', 1000), Math.max(1, intOpt(opts, 'reps', 20)));
      return 0;
    default:
      console.error('usage: conntrack.js hold [--n N] -- PROGRAM [ARG...] | conntrack.js nlkit [--n N] [--reps R]');
      return 2;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (e: unknown) => {
    console.error(e instanceof Error ? e.stack ?? e.message : e);
    process.exit(1);
  });
}
