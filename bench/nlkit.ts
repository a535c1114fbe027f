// nlkit's side of the benchmark suite: the workloads of ../shared/peers (W1 create,
// W3 dump, W2 delete, W4 addresses) done with nlkit's public API, each workload in its
// own child process so its peak RSS is its own.
//
//   unshare -n node dist/bench/nlkit.js run --variant main|groupdel|setupveth --n N --reps R --naddr A
//
// `run` is started by `npm run bench` (bench/suite.ts) inside a fresh `unshare -n`
// netns. It checks the netns holds only lo, makes the second netns (anonymous, held by
// an fd) and runs one child per workload (`child WORKLOAD`) in the same netns, with the
// second netns as fd 3. Each child prints one RESULT line per op, in the format of the
// peers, with its peak RSS (maxrss_kb) added; the runner passes them through.
//
// Variants (the peers they mirror):
//   main       W1 rt.link.add (peer in netns 2, host end up in the create message: C
//              c-libmnl-*-upinline) · W3 rt.link.list() full decode, and a 5-field decode
//              over rt.sock.dump · W2 rt.link.del(name) one by one · W4 (bench/w4-addr.ts)
//              · diagnostics: A/B against raw koffi (W1, W4) and W1 with one queue per end
//              · W1 batched: one rt.link.addMany call (c-libmnl-batch-upinline)
//   groupdel   W1 with IFLA_GROUP 77, then in the same process W2 one rt.link.del({ group: 77 })
//              (c-libmnl-batch-groupdel, which also deletes right after creating)
//   setupveth  W1 as setupVeth() per pair, the default path (a handle opened per call, as a
//              CNI plugin does once per ADD): c<i> here with a MAC, h<i> in netns 2
//              (bench/c/setupveth_mnl.c: same kernel work) · the same with a kept host
//              handle (options.handles) · w1-peerup: the kernel part alone (create + peer
//              up through kept handles, no read-back; setupveth_mnl --readback=none)
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Rtnl } from '../src/rtnl/index.js';
import { putIfinfomsg } from '../src/rtnl/link/api.js';
import {
  RTM_GETLINK, RTM_NEWLINK, RTM_NEWADDR, IFLA_IFNAME, IFLA_MTU, IFLA_ADDRESS, IFLA_OPERSTATE, IFLA_GROUP, IFLA_LINKINFO,
  IFLA_INFO_KIND, IFLA_INFO_DATA, VETH_INFO_PEER, IFLA_NET_NS_FD, IFA_LOCAL, IFA_ADDRESS, IFF_UP,
} from '../src/rtnl/constants.js';
import {
  walkAttrs, hexColon, HOST_LE, NLMSG_HDRLEN, AF_NETLINK, SOCK_RAW, SOCK_CLOEXEC, NETLINK_ROUTE, MSG_DONTWAIT,
  NLM_F_REQUEST, NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLA_F_NESTED,
} from '../src/netlink/index.js';
import * as sys from '../src/netlink/sys.js';
import { Netns } from '../src/ns/index.js';
import { setupVeth, MacAddr } from '../src/veth/index.js';
import { parseArgs, intOpt, cpuMs, maxRssKb, heapPhysicalKib, heapGrowth, result, medianMin, msSince, assertNotHostNetns, tlv, strz, u32le } from './common.js';
import { nlmsg, ifinfomsg } from './raw.js';

/** fd of the second netns in a child (passed as stdio[3] by the runner). */
const NS2_FD = 3;
const GROUP = 77;

interface Params {
  n: number;
  reps: number;
  naddr: number;
}

const VARIANTS: Record<string, { impl: string; workloads: string[] }> = {
  main: { impl: 'nlkit', workloads: ['idle', 'w1', 'w3', 'w3-light', 'w2', 'w4', 'ab-w1', 'ab-w4', 'w1-1q', 'w1-batch'] },
  // W1 and W2 in one process, right after each other, as the C peer runs them: a new
  // Node process starting up beside the kernel's group delete slowed it by ~30%.
  groupdel: { impl: 'nlkit-groupdel', workloads: ['w1w2-group'] },
  setupveth: { impl: 'nlkit-setupveth', workloads: ['w1-setupveth', 'w1-setupveth-kept', 'w1-peerup', 'w1-setupveth-1q'] },
};

// ------------------------------------------------------------------ runner

async function runVariant(variant: string, p: Params, nodeArgs: string[]): Promise<void> {
  const v = VARIANTS[variant];
  if (!v) throw new Error(`unknown variant ${variant} (${Object.keys(VARIANTS).join(', ')})`);
  assertNotHostNetns('nlkit bench');
  {
    const rt = Rtnl.open();
    try {
      const links = await rt.link.list();
      if (links.length !== 1) throw new Error(`nlkit bench: the namespace is not fresh (${links.length} links); refusing`);
    } finally {
      rt.close();
    }
  }
  const ns2 = Netns.new();
  try {
    for (const w of v.workloads) await runChild(v.impl, w, p, ns2.fd, nodeArgs);
  } finally {
    ns2.close();
  }
}

function runChild(impl: string, workload: string, p: Params, ns2fd: number, nodeArgs: string[]): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const args = [...nodeArgs, self, 'child', workload, '--impl', impl, '--n', String(p.n), '--reps', String(p.reps), '--naddr', String(p.naddr)];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit', ns2fd] });
    child.on('error', reject);
    child.on('exit', (code, sig) => (code === 0 ? resolve() : reject(new Error(`nlkit bench: workload ${workload} failed (${sig ?? `exit ${code}`})`))));
  });
}

// ------------------------------------------------------------------ workloads (children)

/** Baseline: node + nlkit loaded, one handle, one GETLINK — the RSS every workload starts from. */
async function idle(impl: string): Promise<void> {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const rt = Rtnl.open();
  await rt.link.get('lo');
  rt.close();
  const ms = msSince(t0);
  result(impl, 'idle', 1, ms, ms * 1000, cpuMs(c0), { maxrss_kb: maxRssKb() });
}

/** W1: N veth pairs a<i>/b<i>, b<i> created directly in netns 2, a<i> up in the same message. */
async function w1(impl: string, p: Params, group: boolean): Promise<void> {
  const rt = Rtnl.open();
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < p.n; i++) {
    await rt.link.add({ name: `a${i}`, kind: 'veth', up: true, ...(group ? { group: GROUP } : {}), peer: { name: `b${i}`, netns: NS2_FD } });
  }
  const ms = msSince(t0);
  const cpu = cpuMs(c0);
  rt.close();
  result(impl, 'w1_create', p.n, ms, (ms * 1000) / p.n, cpu, { requests: rt.sock.stats.requests, up_inline: 1, ...(group ? { group: GROUP } : {}), maxrss_kb: maxRssKb() });
}

/**
 * W1 with one TX and one RX queue on both ends (IFLA_NUM_TX_QUEUES / IFLA_NUM_RX_QUEUES;
 * the kernel's default for veth is one per possible CPU), in IFLA_GROUP 75 so one
 * request deletes them afterwards (not timed). Info row: a lever a user has, not a peer
 * workload — with the default, veth_newlink drops each registered end's TX queues in use
 * to one, which waits in synchronize_rcu_expedited() (twice per pair); with one queue
 * allocated there is nothing to drop (bench/warmup.ts shows the waits).
 */
async function w1OneQueue(impl: string, p: Params): Promise<void> {
  const Q_GROUP = 75;
  const rt = Rtnl.open();
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < p.n; i++) {
    await rt.link.add({ name: `e${i}`, kind: 'veth', up: true, group: Q_GROUP, numTxQueues: 1, numRxQueues: 1, peer: { name: `f${i}`, netns: NS2_FD, numTxQueues: 1, numRxQueues: 1 } });
  }
  const ms = msSince(t0);
  const cpu = cpuMs(c0);
  const rss = maxRssKb();
  const one = await rt.link.get('e0');
  if (one.numTxQueues !== 1 || one.numRxQueues !== 1) throw new Error(`w1-1q: e0 has ${String(one.numTxQueues)}/${String(one.numRxQueues)} queues`);
  await rt.link.del({ group: Q_GROUP });
  rt.close();
  result(impl, 'w1_create_1q', p.n, ms, (ms * 1000) / p.n, cpu, { up_inline: 1, queues: 1, maxrss_kb: rss });
}

/**
 * W1 in one rt.link.addMany call (as many creates per sendmsg as the socket's buffers
 * allow, one ACK each), in IFLA_GROUP 76 so one request deletes them afterwards (not
 * timed). Like-for-like: C libmnl batch (all creates in one sendmsg).
 */
async function w1Batch(impl: string, p: Params): Promise<void> {
  const B_GROUP = 76;
  const rt = Rtnl.open();
  const specs = Array.from({ length: p.n }, (_, i) => ({ name: `g${i}`, kind: 'veth' as const, up: true, group: B_GROUP, peer: { name: `h${i}`, netns: NS2_FD } }));
  const sent0 = rt.sock.stats.requests;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await rt.link.addMany(specs);
  const ms = msSince(t0);
  const cpu = cpuMs(c0);
  const rss = maxRssKb();
  const requests = rt.sock.stats.requests - sent0;
  const made = await rt.link.list({ group: B_GROUP });
  if (made.length !== p.n || !made.every((l) => l.up)) throw new Error(`w1-batch: ${made.length} of ${p.n} links, not all up`);
  await rt.link.del({ group: B_GROUP });
  rt.close();
  result(impl, 'w1_create_batch', p.n, ms, (ms * 1000) / p.n, cpu, { up_inline: 1, requests, maxrss_kb: rss });
}

/** The container MAC of pair i (as setupveth_mnl sets it): 02:00:00:00:hi:lo. */
function pairMac(i: number): MacAddr {
  return new MacAddr([2, 0, 0, 0, (i >> 8) & 255, i & 255]);
}

/**
 * W1 as setupVeth, what bench/c/setupveth_mnl.c does at the kernel level: c<i> here (up,
 * MTU 1500, MAC), h<i> in netns 2 (MTU 1500, then up), both read back. With `kept`, a
 * host handle opened once is passed in options.handles (no handle opened per call); with
 * `queues`, options.queues (setupveth_mnl --queues=Q sends the same).
 */
async function w1SetupVeth(impl: string, p: Params, kept: boolean, queues?: number): Promise<void> {
  const here = Netns.get();
  const ns2 = Netns.fromPath(`/proc/self/fd/${NS2_FD}`);
  const macs = Array.from({ length: p.n }, (_, i) => pairMac(i));
  const hostRt = kept ? Rtnl.open({ netns: ns2 }) : undefined;
  const options = { ...(hostRt ? { handles: { host: hostRt } } : {}), ...(queues !== undefined ? { queues } : {}) };
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < p.n; i++) await setupVeth(`c${i}`, `h${i}`, 1500, macs[i], ns2, here, options);
  const ms = msSince(t0);
  const cpu = cpuMs(c0);
  const rss = maxRssKb();
  hostRt?.close();
  // Not timed: put the pairs in one group and delete them in one request, so the netns
  // teardown after this process does not unregister 2N devices while the next run works.
  const rt = Rtnl.open();
  for (let i = 0; i < p.n; i++) await rt.link.set(`c${i}`, { group: GROUP });
  await rt.link.del({ group: GROUP });
  rt.close();
  here.close();
  ns2.close();
  const op = queues !== undefined ? 'w1_create_1q' : kept ? 'w1_create_kept' : 'w1_create';
  result(impl, op, p.n, ms, (ms * 1000) / p.n, cpu, { api: kept ? 'setupVeth+handles.host' : 'setupVeth', ...(queues !== undefined ? { queues } : {}), maxrss_kb: rss });
}

/** W3: one RTM_GETLINK dump of the N+1 links, fully decoded by rt.link.list(); median of reps. */
async function w3(impl: string, p: Params): Promise<void> {
  const rt = Rtnl.open();
  const times: number[] = [];
  const faults: number[] = [];
  let count = 0;
  const c0 = process.cpuUsage();
  const heap0 = heapPhysicalKib();
  for (let r = 0; r < p.reps; r++) {
    const f0 = process.resourceUsage().minorPageFault;
    const t0 = process.hrtime.bigint();
    const links = await rt.link.list();
    times.push(msSince(t0));
    faults.push(process.resourceUsage().minorPageFault - f0);
    count = links.length;
    if (links[links.length - 1]!.mtu === undefined) throw new Error('w3: no mtu decoded');
  }
  const heap1 = heapPhysicalKib();
  // The timed dumps that took no page fault (V8's young generation not growing meanwhile).
  const noFault = times.filter((_, i) => faults[i] === 0);
  const cpu = cpuMs(c0);
  const { datagrams, requests } = rt.sock.stats;
  const rss = maxRssKb();
  // Info, not the target row: the same number of dumps again, now that the process is warm
  // (decoder optimised, heap grown) — what a long-running agent sees.
  const warm: number[] = [];
  const f1 = process.resourceUsage().minorPageFault;
  for (let r = 0; r < p.reps; r++) {
    const t0 = process.hrtime.bigint();
    const links = await rt.link.list();
    warm.push(msSince(t0));
    if (links.length !== count) throw new Error(`w3: expected ${count} links, got ${links.length}`);
  }
  const warmFaults = process.resourceUsage().minorPageFault - f1;
  rt.close();
  if (count !== p.n + 1) throw new Error(`w3: expected ${p.n + 1} links, got ${count}`);
  const { median, min } = medianMin(times);
  result(impl, 'w3_dump_links', count, median, median * 1000, { user: cpu.user / p.reps, sys: cpu.sys / p.reps }, {
    reps: p.reps, min_ms: min, decode: 'full', datagrams_per_dump: (datagrams / requests).toFixed(1), page_faults: faults.reduce((x, y) => x + y, 0),
    ...heapGrowth(heap0, heap1), dumps_without_fault: noFault.length, ...(noFault.length ? { median_us_without_fault: medianMin(noFault).median * 1000 } : {}), maxrss_kb: rss,
  });
  if (noFault.length) {
    const nf = medianMin(noFault).median;
    result(impl, 'w3_dump_links_nofault', count, nf, nf * 1000, { user: 0, sys: 0 }, { dumps: noFault.length, of: p.reps, decode: 'full' });
  }
  const w = medianMin(warm);
  result(impl, 'w3_dump_links_warm', count, w.median, w.median * 1000, { user: 0, sys: 0 }, { reps: p.reps, min_ms: w.min, decode: 'full', page_faults: warmFaults, maxrss_kb: maxRssKb() });
}

/** What the peers' W3 decodes: ifindex, name, MTU, MAC, operstate. */
interface LinkBrief {
  index: number;
  name: string;
  mtu: number;
  address: string | undefined;
  operstate: number;
}

/**
 * W3 with the 5 fields the C and Go peers decode. nlkit's rt.link has no field-selective
 * list, so this is the public lower layer: rt.sock.dump with an ifinfomsg request and a
 * handler walking the attributes (walkAttrs) — what a user can do today.
 */
async function w3Light(impl: string, p: Params): Promise<void> {
  const rt = Rtnl.open();
  const build = (w: Parameters<typeof putIfinfomsg>[0]): void => putIfinfomsg(w, 0, 0, 0);
  const NO_PATH: readonly string[] = [];
  let cur: LinkBrief;
  let curBuf: Buffer;
  let curView: DataView;
  const onAttr = (type: number, off: number, len: number): void => {
    if (type === IFLA_IFNAME) cur.name = curBuf.toString('latin1', off, off + len - 1);
    else if (type === IFLA_MTU) cur.mtu = curView.getUint32(off, HOST_LE);
    else if (type === IFLA_ADDRESS) cur.address = hexColon(curBuf, off, len);
    else if (type === IFLA_OPERSTATE) cur.operstate = curBuf[off]!;
  };
  const onMessage = (buf: Buffer, view: DataView, off: number, len: number): LinkBrief | undefined => {
    if (view.getUint16(off + 4, HOST_LE) !== RTM_NEWLINK) return undefined;
    cur = { index: view.getInt32(off + NLMSG_HDRLEN + 4, HOST_LE), name: '', mtu: 0, address: undefined, operstate: 0 };
    curBuf = buf;
    curView = view;
    walkAttrs(view, off + NLMSG_HDRLEN + 16, off + len, NO_PATH, onAttr);
    return cur;
  };
  const times: number[] = [];
  let count = 0;
  const c0 = process.cpuUsage();
  for (let r = 0; r < p.reps; r++) {
    const t0 = process.hrtime.bigint();
    const links = await rt.sock.dump(RTM_GETLINK, 0, build, onMessage);
    times.push(msSince(t0));
    count = links.length;
    if (!links[links.length - 1]!.mtu) throw new Error('w3-light: no mtu decoded');
  }
  const cpu = cpuMs(c0);
  rt.close();
  if (count !== p.n + 1) throw new Error(`w3-light: expected ${p.n + 1} links, got ${count}`);
  const { median, min } = medianMin(times);
  result(impl, 'w3_dump_links_brief', count, median, median * 1000, { user: cpu.user / p.reps, sys: cpu.sys / p.reps }, {
    reps: p.reps, min_ms: min, decode: 'index,name,mtu,mac,operstate', api: 'rt.sock.dump+walkAttrs', maxrss_kb: maxRssKb(),
  });
}

/** W2: delete the N pairs one by one by host-end name (rt.link.del). */
async function w2(impl: string, p: Params): Promise<void> {
  const rt = Rtnl.open();
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < p.n; i++) await rt.link.del(`a${i}`);
  const ms = msSince(t0);
  const cpu = cpuMs(c0);
  rt.close();
  result(impl, 'w2_delete', p.n, ms, (ms * 1000) / p.n, cpu, { del_group: 0, maxrss_kb: maxRssKb() });
}

/** W2 by group: one RTM_DELLINK { IFLA_GROUP 77 } removes the N pairs. */
async function w2Group(impl: string, p: Params): Promise<void> {
  const rt = Rtnl.open();
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await rt.link.del({ group: GROUP });
  const ms = msSince(t0);
  const cpu = cpuMs(c0);
  const left = (await rt.link.list()).length;
  rt.close();
  if (left !== 1) throw new Error(`w2-group: ${left - 1} links left after the group delete`);
  result(impl, 'w2_delete', p.n, ms, (ms * 1000) / p.n, cpu, { del_group: 1, maxrss_kb: maxRssKb() });
}

/** W4 from bench/w4-addr.ts: naddr /32 adds on d0 (one end of a local veth, up), then AF_INET dumps; then the adds as one addMany on a fresh link (w4_addr_add_batch). */
async function w4Workload(impl: string, p: Params): Promise<void> {
  const { w4, w4Batch } = (await import('./w4-addr.js')) as typeof import('./w4-addr.js');
  const rt = Rtnl.open();
  await rt.link.add({ name: 'd0', kind: 'veth', up: true, peer: { name: 'd0p' } });
  const d0 = await rt.link.index('d0');
  const c0 = process.cpuUsage();
  const r = await w4(rt, { link: d0, n: p.naddr, reps: p.reps });
  const cpu = cpuMs(c0);
  await rt.link.del('d0');
  // The same addresses again with one rt.addr.addMany, on a fresh link (d0 and its
  // addresses gone), as C libmnl's batch mode adds them: the row to compare with c-libmnl-batch.
  await rt.link.add({ name: 'd1', kind: 'veth', up: true, peer: { name: 'd1p' } });
  const d1 = await rt.link.index('d1');
  const b = await w4Batch(rt, { link: d1, n: p.naddr });
  await rt.link.del('d1');
  rt.close();
  const rss = maxRssKb();
  result(impl, 'w4_addr_add', r.n, r.addTotalMs, r.addPerOpUs, cpu, { maxrss_kb: rss });
  result(impl, 'w4_addr_dump', r.n, r.dumpMedianUs / 1000, r.dumpMedianUs, { user: 0, sys: 0 }, {
    reps: r.reps, min_ms: r.dumpMinUs / 1000, mean_us: r.dumpMeanUs, page_faults: r.dumpFaults, ...r.dumpHeapGrowth, dumps_without_fault: r.dumpsWithoutFault,
    ...(r.dumpsWithoutFault > 0 ? { median_us_without_fault: r.dumpMedianUsWithoutFault } : {}), maxrss_kb: rss,
  });
  // The fresh series without its page-faulting dumps: what the dumps cost once V8's young
  // generation stops growing onto never-touched pages.
  if (r.dumpsWithoutFault > 0) result(impl, 'w4_addr_dump_nofault', r.n, r.dumpMedianUsWithoutFault / 1000, r.dumpMedianUsWithoutFault, { user: 0, sys: 0 }, { dumps: r.dumpsWithoutFault, of: r.reps });
  result(impl, 'w4_addr_dump_warm', r.n, r.warmDumpMedianUs / 1000, r.warmDumpMedianUs, { user: 0, sys: 0 }, { reps: r.reps, page_faults: r.warmDumpFaults, maxrss_kb: rss });
  result(impl, 'w4_addr_add_batch', b.n, b.addTotalMs, b.addPerOpUs, b.cpu, { requests: b.requests, api: 'rt.addr.addMany', maxrss_kb: rss });
}

// ------------------------------------------------------------------ diagnostics

/** A/B result lines: per-request median (robust to the GC pauses and preemptions that land on either side), mean as an extra. */
function abResult(impl: string, op: string, nl: number[], raw: number[], rss: number): void {
  for (const [side, xs] of [['nlkit', nl], ['raw', raw]] as const) {
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const { median } = medianMin(xs);
    result(impl, `${op}_${side}`, xs.length, (mean * xs.length) / 1000, median, { user: 0, sys: 0 }, { stat: 'median_per_request', mean_us: mean, maxrss_kb: rss });
  }
}

/** A raw NETLINK_ROUTE socket driven by koffi directly: send a prebuilt request, read its ACK. */
class RawRoute {
  readonly fd = sys.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  private readonly rbuf = Buffer.allocUnsafeSlow(65536);
  constructor() {
    const sa = Buffer.alloc(12);
    sa.writeUInt16LE(AF_NETLINK, 0);
    sys.bind(this.fd, sa);
  }
  /** Send and read the ACK (queued when sendto returns); throws on a kernel error. */
  exchange(req: Buffer): void {
    if (sys.send(this.fd, req, req.length, 0) !== req.length) throw new Error('raw send failed');
    const n = sys.recv(this.fd, this.rbuf, MSG_DONTWAIT);
    if (n < 20) throw new Error(`raw recv: ${n}`);
    const err = this.rbuf.readInt32LE(16);
    if (err !== 0) throw new Error(`raw request: errno ${-err}`);
  }
  close(): void {
    sys.close(this.fd);
  }
}

/**
 * Diagnostic: W1 alternating request by request in one process — even pairs through
 * rt.link.add, odd pairs as hand-built bytes sent with koffi send + recv (what the C peer
 * sends). Both see the same process, kernel state and moment, so the difference is
 * nlkit's own cost per request (after a JIT warm-up of 100 pairs, not timed).
 */
async function abW1(impl: string, p: Params): Promise<void> {
  const AB_GROUP = 78;
  const rt = Rtnl.open();
  const raw = new RawRoute();
  const reqs: Buffer[] = [];
  for (let i = 1; i < p.n; i += 2) {
    const peer = tlv(VETH_INFO_PEER | NLA_F_NESTED, Buffer.concat([ifinfomsg(0), tlv(IFLA_IFNAME, strz(`y${i}`)), tlv(IFLA_NET_NS_FD, u32le(NS2_FD))]));
    const linkinfo = tlv(IFLA_LINKINFO | NLA_F_NESTED, Buffer.concat([tlv(IFLA_INFO_KIND, strz('veth')), tlv(IFLA_INFO_DATA | NLA_F_NESTED, peer)]));
    const body = Buffer.concat([ifinfomsg(IFF_UP), tlv(IFLA_IFNAME, strz(`x${i}`)), tlv(IFLA_GROUP, u32le(AB_GROUP)), linkinfo]);
    reqs.push(nlmsg(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 1000 + i, body));
  }
  // Warm-up, not timed: both paths JIT-compiled before the alternation starts.
  const warm = Math.min(100, p.n);
  for (let i = 0; i < warm; i++) await rt.link.add({ name: `wx${i}`, kind: 'veth', up: true, group: AB_GROUP, peer: { name: `wy${i}`, netns: NS2_FD } });
  await rt.link.del({ group: AB_GROUP });
  const tN: number[] = [], tR: number[] = [];
  for (let i = 0; i < p.n; i++) {
    const t0 = process.hrtime.bigint();
    if (i % 2 === 0) {
      await rt.link.add({ name: `x${i}`, kind: 'veth', up: true, group: AB_GROUP, peer: { name: `y${i}`, netns: NS2_FD } });
      tN.push(Number(process.hrtime.bigint() - t0) / 1e3);
    } else {
      raw.exchange(reqs[(i - 1) >> 1]!);
      tR.push(Number(process.hrtime.bigint() - t0) / 1e3);
    }
  }
  const rss = maxRssKb();
  await rt.link.del({ group: AB_GROUP });
  raw.close();
  rt.close();
  abResult(impl, 'ab_w1', tN, tR, rss);
}

/** Diagnostic: W4 adds alternating between rt.addr.add and hand-built RTM_NEWADDR bytes via koffi (after 200 warm-up adds). */
async function abW4(impl: string, p: Params): Promise<void> {
  const rt = Rtnl.open();
  await rt.link.add({ name: 'd1', kind: 'veth', up: true, peer: { name: 'd1p' } });
  const d1 = await rt.link.index('d1');
  const raw = new RawRoute();
  const addrs: string[] = [];
  const reqs: Buffer[] = [];
  for (let i = 0; i < p.naddr; i++) {
    const ip = [198, 18, Math.floor(i / 250), (i % 250) + 1];
    addrs.push(`${ip.join('.')}/32`);
    const ifa = Buffer.alloc(8);
    ifa[0] = 2; // AF_INET
    ifa[1] = 32;
    ifa.writeUInt32LE(d1, 4);
    reqs.push(nlmsg(RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 5000 + i, Buffer.concat([ifa, tlv(IFA_LOCAL, Buffer.from(ip)), tlv(IFA_ADDRESS, Buffer.from(ip))])));
  }
  // Warm-up, not timed.
  for (let i = 0; i < Math.min(200, p.naddr); i++) await rt.addr.add(d1, addrs[i]!);
  for (let i = 0; i < Math.min(200, p.naddr); i++) await rt.addr.del(d1, addrs[i]!);
  const tN: number[] = [], tR: number[] = [];
  for (let i = 0; i < p.naddr; i++) {
    const t0 = process.hrtime.bigint();
    if (i % 2 === 0) {
      await rt.addr.add(d1, addrs[i]!);
      tN.push(Number(process.hrtime.bigint() - t0) / 1e3);
    } else {
      raw.exchange(reqs[i]!);
      tR.push(Number(process.hrtime.bigint() - t0) / 1e3);
    }
  }
  const rss = maxRssKb();
  await rt.link.del('d1');
  raw.close();
  rt.close();
  abResult(impl, 'ab_w4', tN, tR, rss);
}

/**
 * The kernel part of setupVeth without nlkit's per-call costs: rt.link.add (p<i> up,
 * MTU, MAC; q<i> born in netns 2 with MTU) then q<i> set up through one handle kept
 * open in netns 2; no read-back (setupveth_mnl --readback=none sends the same).
 */
async function w1PeerUp(impl: string, p: Params): Promise<void> {
  const PU_GROUP = 79;
  const rt = Rtnl.open();
  const rt2 = Rtnl.open({ netns: NS2_FD });
  const macs = Array.from({ length: p.n }, (_, i) => pairMac(i));
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < p.n; i++) {
    await rt.link.add({ name: `p${i}`, kind: 'veth', mtu: 1500, address: macs[i], up: true, group: PU_GROUP, peer: { name: `q${i}`, mtu: 1500, netns: NS2_FD } });
    await rt2.link.set(`q${i}`, { up: true });
  }
  const ms = msSince(t0);
  const cpu = cpuMs(c0);
  const rss = maxRssKb();
  await rt.link.del({ group: PU_GROUP });
  rt2.close();
  rt.close();
  result(impl, 'w1_peerup', p.n, ms, (ms * 1000) / p.n, cpu, { api: 'rt.link.add+rt2.link.set', maxrss_kb: rss });
}

async function child(workload: string, impl: string, p: Params): Promise<void> {
  assertNotHostNetns(`nlkit bench ${workload}`);
  switch (workload) {
    case 'idle': return idle(impl);
    case 'w1': return w1(impl, p, false);
    case 'w1-group': return w1(impl, p, true);
    case 'w1-setupveth': return w1SetupVeth(impl, p, false);
    case 'w1-setupveth-kept': return w1SetupVeth(impl, p, true);
    case 'w1-setupveth-1q': return w1SetupVeth(impl, p, false, 1);
    case 'w3': return w3(impl, p);
    case 'w3-light': return w3Light(impl, p);
    case 'w2': return w2(impl, p);
    case 'w2-group': return w2Group(impl, p);
    case 'w1w2-group': await w1(impl, p, true); return w2Group(impl, p);
    case 'w4': return w4Workload(impl, p);
    case 'ab-w1': return abW1(impl, p);
    case 'ab-w4': return abW4(impl, p);
    case 'w1-peerup': return w1PeerUp(impl, p);
    case 'w1-1q': return w1OneQueue(impl, p);
    case 'w1-batch': return w1Batch(impl, p);
    default: throw new Error(`unknown workload ${workload}`);
  }
}

async function main(argv: string[]): Promise<void> {
  const { opts, rest } = parseArgs(argv);
  const p: Params = { n: intOpt(opts, 'n', 1000), reps: intOpt(opts, 'reps', 20), naddr: intOpt(opts, 'naddr', 1000) };
  if (p.n < 1 || p.reps < 1) throw new Error('--n and --reps must be at least 1');
  if (rest[0] === 'run') {
    const nodeArgs = opts.has('node-args') ? opts.get('node-args')!.split(' ').filter(Boolean) : [];
    return runVariant(opts.get('variant') ?? 'main', p, nodeArgs);
  }
  if (rest[0] === 'child' && rest[1]) return child(rest[1], opts.get('impl') ?? 'nlkit', p);
  throw new Error('usage: nlkit.js run --variant main|groupdel|setupveth [--n N --reps R --naddr A]  |  nlkit.js child WORKLOAD …');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e instanceof Error ? e.stack ?? e.message : e);
    process.exit(1);
  });
}

