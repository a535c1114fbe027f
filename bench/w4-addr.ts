// W4 — addresses: 1000 IPv4 /32 addresses in 198.18.0.0/15 (the RFC 2544 benchmarking
// range) added one by one to one end of a veth pair, then one AF_INET address dump
// (median of 20). The same workload as ../shared/peers (c/bench_mnl.c W4), so the
// numbers compare directly: C libmnl 15–17 µs per add, Go vishvananda/netlink 22.7;
// one dump of 1000 addresses C 231 µs, Go 1119 µs (peers/README.md, this machine).
//
//   npx tsc -p . && unshare -n node dist/bench/w4-addr.js
//
// Run it as root in a throwaway netns (`unshare -n`): it makes its own fresh anonymous
// netns for the workload (three times: a cold process first, as the peers run, then warm and hot) and
// refuses a netns that is not fresh. Env: NADDR (1000), REPS (20). `w4(rt, opts)` is the
// workload alone, for a suite that prints ratios; `w4Batch(rt, opts)` adds the same
// addresses with one rt.addr.addMany (op w4_addr_add_batch; its peer is C libmnl batch,
// ~9.5 µs per add, not the one-by-one C row). The peer numbers printed for the
// ratios are the medians in peers/README.md; run the peers in the same minute
// (bench/.peers, ../shared/peers/run.sh) when the machine is busy.
import { pathToFileURL } from 'node:url';
import { Rtnl } from '../src/rtnl/index.js';
import { Netns } from '../src/ns/index.js';
import { heapPhysicalKib, heapGrowth } from './common.js';

/** Options for {@link w4}. */
export interface W4Options {
  /** The link to add the addresses to (name or ifindex; an ifindex avoids a name lookup per add, as the peers do). */
  readonly link: string | number;
  /** Addresses to add. Defaults to 1000. */
  readonly n?: number;
  /** Dump repetitions (the median is reported). Defaults to 20. */
  readonly reps?: number;
}

/** What {@link w4} measured. */
export interface W4Result {
  /** Addresses added. */
  n: number;
  /** Wall time of all adds, ms. */
  addTotalMs: number;
  /** Per address, µs. */
  addPerOpUs: number;
  /** One AF_INET dump of the n addresses (decoded to Addr objects), median, µs. */
  dumpMedianUs: number;
  /** Fastest dump, µs. */
  dumpMinUs: number;
  /**
   * Mean of the dumps, µs. In a fresh process the early dumps run before the decoder is
   * optimised and while V8 grows its young generation (first touches of new pages, very
   * slow in a VM): which of the 20 dumps pay for that depends on how much each allocates,
   * so the mean says more about the total than the median does.
   */
  dumpMeanUs: number;
  /** Median of a second series of `reps` dumps right after the timed ones (a warm process), µs. */
  warmDumpMedianUs: number;
  /**
   * Minor page faults of the process during the timed dumps (sum), and during the warm
   * series: in a fresh process V8's young generation grows onto pages never touched
   * before, and each first touch is a page fault (see the report's page-fault line).
   */
  dumpFaults: number;
  warmDumpFaults: number;
  /**
   * Growth of V8's heap memory in use during the timed dumps, KiB (bench/common.ts
   * heapPhysicalKib): the first-touched memory behind dumpFaults.
   */
  dumpHeapGrowth: ReturnType<typeof heapGrowth>;
  /** Timed dumps that took no page fault, and their median µs (NaN when none). */
  dumpsWithoutFault: number;
  dumpMedianUsWithoutFault: number;
  /** Dump repetitions. */
  reps: number;
}

/** The i-th address of the workload: 198.18.(i/250).(i%250+1)/32, as the C peer makes them. */
export function w4Address(i: number): string {
  return `198.18.${Math.floor(i / 250)}.${(i % 250) + 1}/32`;
}

/**
 * Run W4 on `rt` (a handle in a netns whose only IPv4 addresses will be these: lo down).
 * Adds `n` addresses one by one (awaiting each ACK), then dumps AF_INET addresses `reps`
 * times and checks each dump returns exactly `n`.
 */
export async function w4(rt: Rtnl, opts: W4Options): Promise<W4Result> {
  const n = opts.n ?? 1000;
  const reps = opts.reps ?? 20;
  const link = typeof opts.link === 'number' ? opts.link : await rt.link.index(opts.link);
  const addrs: string[] = [];
  for (let i = 0; i < n; i++) addrs.push(w4Address(i));
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await rt.addr.add(link, addrs[i]!);
  const t1 = process.hrtime.bigint();
  /** `reps` AF_INET dumps, each checked to hold the n addresses; µs and page faults of each. */
  const dumps = async (): Promise<{ us: number[]; faults: number[] }> => {
    const us: number[] = [];
    const faults: number[] = [];
    for (let r = 0; r < reps; r++) {
      const f0 = process.resourceUsage().minorPageFault;
      const d0 = process.hrtime.bigint();
      const list = await rt.addr.list({ family: 4 });
      const d1 = process.hrtime.bigint();
      faults.push(process.resourceUsage().minorPageFault - f0);
      if (list.length !== n) throw new Error(`w4: expected ${n} addresses in the dump, got ${list.length}`);
      us.push(Number(d1 - d0) / 1e3);
    }
    return { us, faults };
  };
  const heap0 = heapPhysicalKib();
  const fresh = await dumps();
  const heap1 = heapPhysicalKib();
  // The same number of dumps again, in the now warm process (not the target's number).
  const warm = await dumps();
  const times = [...fresh.us].sort((a, b) => a - b);
  const warmTimes = [...warm.us].sort((a, b) => a - b);
  const noFault = fresh.us.filter((_, i) => fresh.faults[i] === 0).sort((a, b) => a - b);
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  const addTotalMs = Number(t1 - t0) / 1e6;
  return {
    n, addTotalMs, addPerOpUs: (addTotalMs * 1e3) / n, dumpMedianUs: times[Math.floor(reps / 2)]!, dumpMinUs: times[0]!, dumpMeanUs: sum(fresh.us) / reps,
    warmDumpMedianUs: warmTimes[Math.floor(reps / 2)]!, reps, dumpFaults: sum(fresh.faults), warmDumpFaults: sum(warm.faults), dumpHeapGrowth: heapGrowth(heap0, heap1),
    dumpsWithoutFault: noFault.length, dumpMedianUsWithoutFault: noFault.length ? noFault[Math.floor(noFault.length / 2)]! : NaN,
  };
}

/** What {@link w4Batch} measured. */
export interface W4BatchResult {
  /** Addresses added. */
  n: number;
  /** Wall time of the one addMany call, ms. */
  addTotalMs: number;
  /** Per address, µs. */
  addPerOpUs: number;
  /** RTM_NEWADDR requests the handle sent (one per address, in as many sendmsg chunks as the buffers allow). */
  requests: number;
  /** Process CPU time of the addMany call, ms. */
  cpu: { user: number; sys: number };
}

/**
 * W4's adds as one batch: the same `n` addresses added with one rt.addr.addMany (all
 * RTM_NEWADDRs built into one buffer, sent in chunks that fit the socket buffers, every
 * ACK read) to `link`, which must have none of them. The like-for-like peer is C libmnl
 * in batch mode (impl c-libmnl-batch, op w4_addr_add), not the one-by-one C row.
 * Checks with one dump that the link then has exactly the `n` addresses.
 */
export async function w4Batch(rt: Rtnl, opts: { readonly link: string | number; readonly n?: number }): Promise<W4BatchResult> {
  const n = opts.n ?? 1000;
  const link = typeof opts.link === 'number' ? opts.link : await rt.link.index(opts.link);
  const addrs: string[] = [];
  for (let i = 0; i < n; i++) addrs.push(w4Address(i));
  const r0 = rt.sock.stats.requests;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await rt.addr.addMany(link, addrs);
  const t1 = process.hrtime.bigint();
  const c1 = process.cpuUsage(c0);
  const requests = rt.sock.stats.requests - r0;
  const list = await rt.addr.list({ link, family: 4 });
  if (list.length !== n) throw new Error(`w4 batch: expected ${n} addresses on the link, got ${list.length}`);
  const addTotalMs = Number(t1 - t0) / 1e6;
  return { n, addTotalMs, addPerOpUs: (addTotalMs * 1e3) / n, requests, cpu: { user: c1.user / 1000, sys: c1.system / 1000 } };
}

/** One W4 run in a fresh anonymous netns (veth d0/d0p, d0 up, lo down). */
async function runInFreshNetns(n: number, reps: number): Promise<{ seq: W4Result; batch: W4BatchResult }> {
  const ns = Netns.new();
  const rt = Rtnl.open({ netns: ns });
  try {
    const links = await rt.link.list();
    if (links.length !== 1) throw new Error(`w4: the namespace is not fresh (${links.length} links); refusing`);
    await rt.link.add({ name: 'd0', kind: 'veth', up: true, peer: { name: 'd0p' } });
    const seq = await w4(rt, { link: 'd0', n, reps });
    // The batch on a fresh link, the one-by-one link gone: the netns holds only the batch's addresses, as for the C peer.
    await rt.link.del('d0');
    await rt.link.add({ name: 'd1', kind: 'veth', up: true, peer: { name: 'd1p' } });
    const batch = await w4Batch(rt, { link: await rt.link.index('d1'), n });
    return { seq, batch };
  } finally {
    rt.close();
    ns.close(); // the last reference: the netns and its links go away
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('w4: needs root (run as root inside `unshare -n`)');
  const n = Number(process.env['NADDR'] ?? 1000);
  const reps = Number(process.env['REPS'] ?? 20);
  const c = { add: 15.0, dump: 231, batch: 9.5 };
  const go = { add: 22.7, dump: 1119 };
  // First run: a cold process, as the peers' programs run (and as a CNI plugin does).
  // Then the same workload again, each time in a fresh netns, in the same process: V8
  // optimises the request and decode paths during the first runs ('warm', then 'hot').
  for (const phase of ['cold', 'warm', 'hot']) {
    const { seq: res, batch } = await runInFreshNetns(n, reps);
    console.log(`RESULT impl=nlkit op=w4_addr_add phase=${phase} n=${res.n} total_ms=${res.addTotalMs.toFixed(1)} per_op_us=${res.addPerOpUs.toFixed(1)}  (C libmnl ${c.add} → ×${(res.addPerOpUs / c.add).toFixed(2)}, Go ${go.add} → ×${(res.addPerOpUs / go.add).toFixed(2)}; target ≤ ×1.3 C)`);
    console.log(`RESULT impl=nlkit op=w4_addr_add_batch phase=${phase} n=${batch.n} total_ms=${batch.addTotalMs.toFixed(1)} per_op_us=${batch.addPerOpUs.toFixed(1)} requests=${batch.requests}  (C libmnl batch ${c.batch} → ×${(batch.addPerOpUs / c.batch).toFixed(2)})`);
    console.log(`RESULT impl=nlkit op=w4_addr_dump phase=${phase} n=${res.n} per_op_us=${res.dumpMedianUs.toFixed(0)} min_us=${res.dumpMinUs.toFixed(0)} mean_us=${res.dumpMeanUs.toFixed(0)} reps=${res.reps} page_faults=${res.dumpFaults} heap_young_growth_kib=${res.dumpHeapGrowth.heap_young_growth_kib} heap_other_growth_kib=${res.dumpHeapGrowth.heap_other_growth_kib}  (C ${c.dump} → ×${(res.dumpMedianUs / c.dump).toFixed(2)}, Go ${go.dump} → ×${(res.dumpMedianUs / go.dump).toFixed(2)}; target ≤ Go)`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
