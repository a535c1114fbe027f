// Micro-benchmark of the netlink core (src/netlink) and of the decoders rt.link.list and
// rt.addr.list run per message (src/rtnl): encoder and decoder messages per second and
// heap bytes allocated per message, and a GETLINK-by-index round trip through
// NetlinkSocket.request next to raw koffi send+recv on a raw socket, in the same run.
//
//   npx tsc -p . && unshare -n node dist/bench/netlink-micro.js
//
// Run it in a throwaway netns (`unshare -n`, as root): it creates a veth pair to have a
// real veth RTM_NEWLINK to decode. Options: NLKIT_BENCH_N (iterations per measurement).
//
// How allocations are measured: `--expose-gc` is switched on at start-up
// (v8.setFlagsFromString) and gc() taken from a fresh context. For each case: warm up
// (JIT, pools), gc(), read the young generation's used bytes (new_space +
// new_large_object_space, where V8 allocates every new object), run N iterations with
// no other work in the loop, read it again; (after - before) / N is the bytes allocated per message. A
// garbage collection during the loop would hide allocations, so GCs are counted with a
// PerformanceObserver and a run that saw one is repeated with N/2 (reported as such).
// Timing runs are separate from allocation runs, so the clock reads are not counted.
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { PerformanceObserver } from 'node:perf_hooks';
import {
  AF_NETLINK, AttrTable, MSG_DONTWAIT, MessageWriter, NETLINK_ROUTE, NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST,
  NetlinkSocket, SOCK_CLOEXEC, SOCK_RAW, decodeAttributes, type CustomCodec, decodeMessages, viewOf, walkAttrs,
} from '../src/netlink/index.js';
import * as sys from '../src/netlink/sys.js';
import { LinkApi } from '../src/rtnl/link/api.js';
import { AddrApi, putIfaddrmsg } from '../src/rtnl/addr/api.js';
import { RouteApi } from '../src/rtnl/route/api.js';
import { decodeAddr } from '../src/rtnl/addr/decode.js';
import { decodeLink } from '../src/rtnl/link/decode.js';
import { decodeRoute } from '../src/rtnl/route/decode.js';
import { Rtnl } from '../src/rtnl/index.js';
import { Conntrack } from '../src/nfnl/index.js';
import { Netns } from '../src/ns/index.js';

v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

// Numbers from /usr/include/linux/{rtnetlink,if_link,veth}.h.
const RTM_NEWLINK = 16, RTM_GETLINK = 18, IFINFOMSG_LEN = 16;
const IFLA_ADDRESS = 1, IFLA_BROADCAST = 2, IFLA_IFNAME = 3, IFLA_MTU = 4, IFLA_LINK = 5, IFLA_QDISC = 6, IFLA_TXQLEN = 13;
const IFLA_OPERSTATE = 16, IFLA_LINKMODE = 17, IFLA_LINKINFO = 18, IFLA_STATS64 = 23, IFLA_GROUP = 27, IFLA_NET_NS_FD = 28;
const IFLA_PROMISCUITY = 30, IFLA_NUM_TX_QUEUES = 31, IFLA_NUM_RX_QUEUES = 32, IFLA_CARRIER = 33, IFLA_MIN_MTU = 50, IFLA_MAX_MTU = 51;
const IFLA_INFO_KIND = 1, IFLA_INFO_DATA = 2, VETH_INFO_PEER = 1;
// /usr/include/linux/{rtnetlink,if_addr}.h; AF_INET from <sys/socket.h>.
const RTM_GETROUTE = 26, RTM_NEWADDR = 20, RTM_GETADDR = 22, IFA_ADDRESS = 1, IFA_LOCAL = 2, IFA_F_NODAD = 0x02, AF_INET = 2, AF_INET6 = 10;

const N = Number(process.env.NLKIT_BENCH_N ?? 200_000);
const gcs = { count: 0 };
new PerformanceObserver((list) => (gcs.count += list.getEntries().length)).observe({ entryTypes: ['gc'] });
/** Let pending PerformanceObserver GC entries arrive (they are delivered asynchronously). */
const tick = () => new Promise<void>((r) => setTimeout(r, 30));

interface Result {
  name: string;
  perSec: number;
  nsPerOp: number;
  bytesPerOp: number;
  allocNote: string;
}
const results: Result[] = [];

/**
 * Bytes in the young generation (new_space + new_large_object_space), where V8 places
 * every new JS object; JIT code and feedback go elsewhere, so this counts what the
 * code under test allocates.
 */
function youngBytes(): number {
  let n = 0;
  for (const sp of v8.getHeapSpaceStatistics()) if (sp.space_name === 'new_space' || sp.space_name === 'new_large_object_space') n += sp.space_used_size;
  return n;
}

/** Bytes allocated per call of `fn` (see the header comment), repeating with N/2 after a GC. */
async function allocPerOp(fn: () => void, n: number): Promise<{ bytes: number; note: string }> {
  for (let k = n; k >= 50; k = k >> 1) {
    gc();
    await tick(); // deliver the GC entries of gc() itself
    const g0 = gcs.count;
    const h0 = youngBytes();
    for (let i = 0; i < k; i++) fn();
    const h1 = youngBytes();
    await tick();
    if (gcs.count === g0) return { bytes: Math.max(0, (h1 - h0) / k), note: `${k} iterations, no GC during the run` };
  }
  return { bytes: NaN, note: 'a GC ran during every attempt' };
}

/**
 * NLKIT_MICRO_ONLY: a regular expression; only the cases whose name matches run (the
 * GETLINK round trip always does). bench/suite.ts uses it for a second run of the
 * request-path cases under `node --max-opt=1`, which stops V8 at Sparkplug, the faster
 * of its two unoptimised tiers (Ignition runs a function first). V8 optimises a function
 * once it has spent an interrupt budget of executed bytecode several times over (not
 * after a fixed number of calls); rt.link.add's main functions were not optimised during
 * W1's 1000 creates (`node dist/bench/request-phases.js --trace-opt --n 1000`), nor are
 * they in a program that makes fewer requests, such as a CNI plugin.
 */
const ONLY = process.env.NLKIT_MICRO_ONLY ? new RegExp(process.env.NLKIT_MICRO_ONLY) : undefined;
const SKIPPED: Result = { name: '', perSec: NaN, nsPerOp: NaN, bytesPerOp: NaN, allocNote: 'not run' };

async function bench(name: string, fn: () => void, n = N): Promise<Result> {
  if (ONLY && !ONLY.test(name)) return SKIPPED;
  for (let i = 0; i < Math.min(n, 20_000); i++) fn(); // warm-up
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / n);
  }
  const a = await allocPerOp(fn, n);
  const r = { name, perSec: 1e9 / best, nsPerOp: best, bytesPerOp: a.bytes, allocNote: a.note };
  results.push(r);
  return r;
}

/** {@link bench} for an async call: each call is awaited, as a caller does. */
async function benchAsync(name: string, fn: () => Promise<unknown>, n = N): Promise<Result> {
  if (ONLY && !ONLY.test(name)) return SKIPPED;
  for (let i = 0; i < Math.min(n, 20_000); i++) await fn(); // warm-up
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / n);
  }
  let a: { bytes: number; note: string } = { bytes: NaN, note: 'a GC ran during every attempt' };
  for (let k = n; k >= 50; k = k >> 1) {
    gc();
    await tick();
    const g0 = gcs.count;
    const h0 = youngBytes();
    for (let i = 0; i < k; i++) await fn();
    const h1 = youngBytes();
    await tick();
    if (gcs.count === g0) {
      a = { bytes: Math.max(0, (h1 - h0) / k), note: `${k} iterations, no GC during the run` };
      break;
    }
  }
  const r = { name, perSec: 1e9 / best, nsPerOp: best, bytesPerOp: a.bytes, allocNote: a.note };
  results.push(r);
  return r;
}

// ------------------------------------------------------------------ encoder

const mac = Uint8Array.of(0x00, 0x15, 0x5d, 0x1a, 0x1f, 0x1c);
const peerMac = Uint8Array.of(0x00, 0x15, 0x5d, 0x1a, 0x1f, 0x1d);
const w = new MessageWriter();
let seq = 1;
/** A typical veth create: host end with name, MTU, MAC; peer in another netns with the same. */
function encodeVeth(): number {
  w.reset().begin(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, seq++);
  w.reserve(IFINFOMSG_LEN);
  w.putStrz(IFLA_IFNAME, 'veth3a9c1f02');
  w.putU32(IFLA_MTU, 1500);
  w.putBytes(IFLA_ADDRESS, mac);
  const li = w.nestStart(IFLA_LINKINFO);
  w.putStrz(IFLA_INFO_KIND, 'veth');
  const data = w.nestStart(IFLA_INFO_DATA);
  const peer = w.nestStart(VETH_INFO_PEER);
  w.reserve(IFINFOMSG_LEN);
  w.putStrz(IFLA_IFNAME, 'eth0');
  w.putU32(IFLA_MTU, 1500);
  w.putBytes(IFLA_ADDRESS, peerMac);
  w.putU32(IFLA_NET_NS_FD, 7);
  w.nestEnd(peer);
  w.nestEnd(data);
  w.nestEnd(li);
  return w.finishLength();
}

/** VETH_INFO_PEER: an ifinfomsg followed by link attributes (a custom codec). */
const peerCodec: CustomCodec = {
  encode(wr, type, value) {
    const n = wr.nestStart(type);
    wr.reserve(IFINFOMSG_LEN);
    PEER_ROWS.encode(wr, value as Record<string, unknown>);
    wr.nestEnd(n);
  },
  decode: () => undefined,
};
const VETH = new AttrTable('VETH_INFO', [{ type: VETH_INFO_PEER, name: 'VETH_INFO_PEER', key: 'peer', codec: peerCodec }]);
const LINKINFO = new AttrTable('IFLA_LINKINFO', [
  { type: IFLA_INFO_KIND, name: 'IFLA_INFO_KIND', key: 'kind', codec: 'strz' },
  { type: IFLA_INFO_DATA, name: 'IFLA_INFO_DATA', key: 'data', codec: VETH },
]);
const LINK_ROWS = [
  { type: IFLA_IFNAME, name: 'IFLA_IFNAME', key: 'name', codec: 'strz' },
  { type: IFLA_MTU, name: 'IFLA_MTU', key: 'mtu', codec: 'u32' },
  { type: IFLA_ADDRESS, name: 'IFLA_ADDRESS', key: 'address', codec: 'mac' },
  { type: IFLA_BROADCAST, name: 'IFLA_BROADCAST', key: 'broadcast', codec: 'mac' },
  { type: IFLA_TXQLEN, name: 'IFLA_TXQLEN', key: 'txqlen', codec: 'u32' },
  { type: IFLA_OPERSTATE, name: 'IFLA_OPERSTATE', key: 'operstate', codec: 'u8' },
  { type: IFLA_LINKMODE, name: 'IFLA_LINKMODE', key: 'linkmode', codec: 'u8' },
  { type: IFLA_GROUP, name: 'IFLA_GROUP', key: 'group', codec: 'u32' },
  { type: IFLA_PROMISCUITY, name: 'IFLA_PROMISCUITY', key: 'promiscuity', codec: 'u32' },
  { type: IFLA_NUM_TX_QUEUES, name: 'IFLA_NUM_TX_QUEUES', key: 'numTxQueues', codec: 'u32' },
  { type: IFLA_NUM_RX_QUEUES, name: 'IFLA_NUM_RX_QUEUES', key: 'numRxQueues', codec: 'u32' },
  { type: IFLA_CARRIER, name: 'IFLA_CARRIER', key: 'carrier', codec: 'u8' },
  { type: IFLA_MIN_MTU, name: 'IFLA_MIN_MTU', key: 'minMtu', codec: 'u32' },
  { type: IFLA_MAX_MTU, name: 'IFLA_MAX_MTU', key: 'maxMtu', codec: 'u32' },
  { type: IFLA_LINK, name: 'IFLA_LINK', key: 'link', codec: 's32' },
  { type: IFLA_QDISC, name: 'IFLA_QDISC', key: 'qdisc', codec: 'strz' },
  { type: IFLA_STATS64, name: 'IFLA_STATS64', key: 'stats64', codec: 'binary' },
  { type: IFLA_NET_NS_FD, name: 'IFLA_NET_NS_FD', key: 'netnsFd', codec: 'u32' },
] as const;
const PEER_ROWS = new AttrTable('IFLA', LINK_ROWS.filter((r) => r.type !== IFLA_STATS64));
const LINK = new AttrTable('IFLA', [...LINK_ROWS, { type: IFLA_LINKINFO, name: 'IFLA_LINKINFO', key: 'linkinfo', codec: LINKINFO }]);

const vethObj = {
  name: 'veth3a9c1f02', mtu: 1500, address: mac,
  linkinfo: { kind: 'veth', data: { peer: { name: 'eth0', mtu: 1500, address: peerMac, netnsFd: 7 } } },
};
function encodeVethTable(): number {
  w.reset().begin(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, seq++);
  w.reserve(IFINFOMSG_LEN);
  LINK.encode(w, vethObj);
  return w.finishLength();
}

// ------------------------------------------------------------------ live set-up

const route = NetlinkSocket.open(NETLINK_ROUTE);
const ifinfo = (index: number) => (wr: MessageWriter) => {
  const o = wr.reserve(IFINFOMSG_LEN);
  wr.view.setInt32(o + 4, index, true);
};
async function setupVeth(): Promise<number> {
  // The veth to decode: both ends here, so the reply has IFLA_LINKINFO/IFLA_INFO_DATA.
  await route.request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, (wr) => {
    wr.reserve(IFINFOMSG_LEN);
    wr.putStrz(IFLA_IFNAME, 'nlkbench0');
    wr.putU32(IFLA_MTU, 1500);
    const li = wr.nestStart(IFLA_LINKINFO);
    wr.putStrz(IFLA_INFO_KIND, 'veth');
    const d = wr.nestStart(IFLA_INFO_DATA);
    const p = wr.nestStart(VETH_INFO_PEER);
    wr.reserve(IFINFOMSG_LEN);
    wr.putStrz(IFLA_IFNAME, 'nlkbench1');
    wr.nestEnd(p);
    wr.nestEnd(d);
    wr.nestEnd(li);
  });
  const idx = await route.dump(RTM_GETLINK, 0, ifinfo(0), (b, v, o, l) => {
    const a = LINK.decode(b, v, o + 32, o + l, []);
    return a['name'] === 'nlkbench0' ? v.getInt32(o + 20, true) : undefined;
  });
  return idx[0]!;
}

async function main(): Promise<void> {
  let vethIndex: number;
  try {
    vethIndex = await setupVeth();
  } catch (e) {
    console.error(`netlink-micro: cannot create a veth here (${(e as Error).message}); run as root inside \`unshare -n\``);
    process.exit(1);
  }
  const vethMsg = Buffer.from((await route.request(RTM_GETLINK, 0, ifinfo(vethIndex), (b, _v, o, l) => Buffer.from(b.subarray(o, o + l)), { ack: false }))!);
  const loMsg = Buffer.from((await route.request(RTM_GETLINK, 0, ifinfo(1), (b, _v, o, l) => Buffer.from(b.subarray(o, o + l)), { ack: false }))!);
  // An IPv4 address as the kernel dumps it (no lifetimes given: valid and preferred forever).
  await route.request(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, (wr) => {
    putIfaddrmsg(wr, AF_INET, 32, 0, 0, vethIndex);
    wr.putBytes(IFA_LOCAL, Uint8Array.of(198, 18, 0, 1));
    wr.putBytes(IFA_ADDRESS, Uint8Array.of(198, 18, 0, 1));
  });
  const addrMsg = Buffer.from((await route.dump(RTM_GETADDR, 0, (wr) => putIfaddrmsg(wr, AF_INET, 0, 0, 0, 0),
    (b, v, o, l) => v.getInt32(o + 20, true) === vethIndex ? Buffer.from(b.subarray(o, o + l)) : undefined))[0]!);
  // And an IPv6 one (nodad, so that it is not tentative; forever as well).
  const v6 = Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);
  await route.request(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, (wr) => {
    putIfaddrmsg(wr, AF_INET6, 64, IFA_F_NODAD, 0, vethIndex);
    wr.putBytes(IFA_ADDRESS, v6);
  });
  // And an IPv4 route (198.18.1.0/24 dev lo, as `ip route add` makes it: lo brought up
  // after its message above was taken).
  {
    const rt = Rtnl.open();
    try {
      await rt.link.set(1, { up: true });
      await rt.route.add({ dst: '198.18.1.0/24', dev: 'lo' });
    } finally {
      rt.close();
    }
  }
  const routeMsg = Buffer.from((await route.dump(RTM_GETROUTE, 0, (wr) => wr.view.setUint8(wr.reserve(12), AF_INET),
    (b, v, o, l) => {
      // rtmsg: family, dst_len … ; RTA_DST 198.18.1.0 somewhere in the attributes.
      const s = b.subarray(o, o + l);
      return b[o + 16 + 1] === 24 && s.includes(Buffer.from([198, 18, 1, 0])) ? Buffer.from(s) : undefined;
    }))[0]!);
  const addr6Msg = Buffer.from((await route.dump(RTM_GETADDR, 0, (wr) => putIfaddrmsg(wr, AF_INET6, 0, 0, 0, 0),
    (b, v, o, l) => v.getInt32(o + 20, true) === vethIndex && b[o + 16 + 1] === 64 ? Buffer.from(b.subarray(o, o + l)) : undefined))[0]!);

  console.log(`nlkit netlink micro-benchmark — node ${process.version}, N=${N}`);
  console.log(`veth request: ${encodeVeth()} bytes; decoded messages: veth ${vethMsg.length} bytes, lo ${loMsg.length} bytes\n`);

  // Encoders.
  await bench('encode RTM_NEWLINK veth (MessageWriter calls)', () => void encodeVeth());
  await bench('encode RTM_NEWLINK veth (AttrTable.encode of an object)', () => void encodeVethTable());
  // The object layer's own cost per request, with the socket replaced by a stub that runs
  // the request builder into a writer and resolves at once: rt.link.add's checks and
  // encoding of the W1 spec, rt.addr.add's parsing and encoding of a /32. What the
  // workloads' per-request gaps to raw koffi cost beyond this is not nlkit's JS.
  const stubWriter = new MessageWriter();
  const stubCore = {
    sock: {
      request(type: number, flags: number, build: (w: MessageWriter) => void): Promise<undefined> {
        stubWriter.reset().begin(type, flags, 1, 0);
        build(stubWriter);
        stubWriter.finishLength();
        return Promise.resolve(undefined);
      },
      requestWith(type: number, flags: number, build: (w: MessageWriter, arg: unknown) => void, arg: unknown): Promise<undefined> {
        stubWriter.reset().begin(type, flags, 1, 0);
        build(stubWriter, arg);
        stubWriter.finishLength();
        return Promise.resolve(undefined);
      },
    },
    linkIndex: (): Promise<number> => Promise.resolve(7),
  };
  const linkApi = LinkApi.of(stubCore as never);
  const addrApi = AddrApi.of(stubCore as never);
  const routeApi = RouteApi.of(stubCore as never);
  const w1Specs = Array.from({ length: 1024 }, (_, i) => ({ name: `a${i}`, kind: 'veth' as const, up: true, peer: { name: `b${i}`, netns: 7 } }));
  const w4Addrs = Array.from({ length: 1024 }, (_, i) => `198.18.${i >> 8}.${i & 255}/32`);
  let k = 0;
  const resolved = Promise.resolve(undefined);
  await benchAsync('harness: await of an already resolved promise (the loop\'s own cost, part of each awaited row)', () => resolved, N / 4);
  await benchAsync('rt.link.add JS only, awaited: checks + encode of the W1 veth spec (socket stubbed)', () => linkApi.add(w1Specs[k++ & 1023]!), N / 4);
  await benchAsync('rt.addr.add JS only, awaited: parse + encode of a /32 (socket stubbed)', () => addrApi.add(7, w4Addrs[k++ & 1023]!), N / 4);
  const routeDsts = Array.from({ length: 1024 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`);
  await benchAsync('rt.route.add JS only, awaited: checks + encode of a /24 via a gateway on an ifindex (socket stubbed)', () => routeApi.add({ dst: routeDsts[k++ & 1023]!, gateway: '192.0.2.1', dev: 7 }), N / 4);
  // ct.add (workload D2's create) with its spec made per call, as a loop does: once as an
  // object literal, once as `{ ...key, timeout }`. On Node 20 (V8 11.3) an object made by
  // a spread and then given a property the spread did not copy reads slowly: each read
  // of it misses V8's caches (about 75 ns here), and ct.add reads about 20 of its
  // fields. Node 22 reads both kinds at the same speed. The handle is real (this runs in
  // a throwaway netns); only its socket's requestWith is replaced by the stub's.
  {
    const ct = Conntrack.open();
    try {
      (ct.sock as { requestWith: unknown }).requestWith = stubCore.sock.requestWith;
      const key = (i: number) => ({ protocol: 'udp' as const, src: '198.18.0.1', dst: '198.19.0.1', srcPort: 1024 + i, dstPort: 53 });
      await benchAsync('ct.add JS only, awaited: checks + encode of a UDP entry, spec made per call as an object literal (socket stubbed)', () => ct.add({ protocol: 'udp', src: '198.18.0.1', dst: '198.19.0.1', srcPort: 1024 + (k++ & 1023), dstPort: 53, timeout: 3600 }), N / 4);
      await benchAsync('ct.add JS only, awaited: the same spec made per call as { ...key(i), timeout } (socket stubbed; on Node 20 such objects read slowly)', () => ct.add({ ...key(k++ & 1023), timeout: 3600 }), N / 4);
    } finally {
      ct.close();
    }
  }
  const a = w.buf.toString('hex', 16, encodeVeth()); // bodies (the headers' seq differ)
  const b = w.buf.toString('hex', 16, encodeVethTable());
  if (a !== b) throw new Error('the two encoders disagree');

  // Decoders, on the live veth message.
  const vv = viewOf(vethMsg);
  const end = vethMsg.length;
  const NO_PATH: readonly string[] = [];
  const state = { mtu: 0, txqlen: 0, ifindex: 0, count: 0 };
  const onAttr = (type: number, off: number): void => {
    state.count++;
    if (type === IFLA_MTU) state.mtu = vv.getUint32(off, true);
    else if (type === IFLA_TXQLEN) state.txqlen = vv.getUint32(off, true);
  };
  await bench('decode veth: walkAttrs with typed getters (views only)', () => {
    state.ifindex = vv.getInt32(20, true);
    walkAttrs(vv, 32, end, NO_PATH, onAttr);
  });
  await bench('decode veth: decodeMessages + decodeAttributes (one level)', () => {
    const m = decodeMessages(vethMsg)[0]!;
    decodeAttributes(m.payload.subarray(IFINFOMSG_LEN));
  });
  await bench('decode veth: AttrTable.decode into a plain object', () => void LINK.decode(vethMsg, vv, 32, end, []));
  const lv = viewOf(loMsg);
  await bench('decode lo:   AttrTable.decode into a plain object', () => void LINK.decode(loMsg, lv, 32, loMsg.length, []));
  // The decoders rt.link.list() and rt.addr.list() run per message (each result kept
  // by its caller: what a dump allocates per link or address).
  await bench('decode veth: decodeLink into a Link (rt.link.list\'s decoder)', () => void decodeLink(vethMsg, vv, 0, end));
  const av = viewOf(addrMsg);
  await bench('decode IPv4 address: decodeAddr into an Addr (rt.addr.list\'s decoder)', () => void decodeAddr(addrMsg, av, 0, addrMsg.length));
  const rv = viewOf(routeMsg);
  await bench('decode IPv4 route: decodeRoute into a Route (rt.route.list\'s decoder)', () => void decodeRoute(routeMsg, rv, 0, routeMsg.length));
  const av6 = viewOf(addr6Msg);
  await bench('decode IPv6 address: decodeAddr into an Addr (rt.addr.list\'s decoder)', () => void decodeAddr(addr6Msg, av6, 0, addr6Msg.length));

  // A handle's own cost, opened and closed (setupVeth opens one per call unless given
  // options.handles): a socket here, and one made in another netns (the thread's netns
  // opened, setns there and back).
  const other = Netns.new();
  await bench('Rtnl.open() + close: a route socket here (socket, bind, options)', () => Rtnl.open().close(), Math.max(200, N / 100));
  await bench('Rtnl.open({ netns }) + close: a route socket made in another netns', () => Rtnl.open({ netns: other }).close(), Math.max(200, N / 100));
  other.close();

  // Round trip: GETLINK ifindex 1 (lo), NetlinkSocket.request vs raw send+recv.
  const raw = sys.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  const sa = Buffer.alloc(12);
  sa.writeUInt16LE(AF_NETLINK, 0);
  sys.bind(raw, sa);
  const req = Buffer.alloc(32);
  req.writeUInt32LE(32, 0);
  req.writeUInt16LE(RTM_GETLINK, 4);
  req.writeUInt16LE(NLM_F_REQUEST, 6);
  req.writeInt32LE(1, 20);
  const rbuf = Buffer.allocUnsafeSlow(64 * 1024);
  let rawSeq = 1;
  const rawRoundTrip = (): void => {
    req.writeUInt32LE(rawSeq++, 8);
    if (sys.send(raw, req, 32, 0) !== 32) throw new Error('send');
    const n = sys.recv(raw, rbuf, MSG_DONTWAIT);
    if (n < 16) throw new Error(`recv ${n}`);
  };
  const build = ifinfo(1);
  const onReply = (_b: Buffer, v: DataView, o: number): number => v.getInt32(o + 20, true);
  const opts = { ack: false } as const;
  const nlkitRoundTrip = (): Promise<number | undefined> => route.request(RTM_GETLINK, 0, build, onReply, opts);

  const RT = Math.max(1000, Math.floor(N / 4));
  for (let i = 0; i < 5000; i++) {
    rawRoundTrip();
    await nlkitRoundTrip();
  }
  const rawTimes: number[] = [];
  const nlkTimes: number[] = [];
  for (let round = 0; round < 5; round++) {
    let t0 = process.hrtime.bigint();
    for (let i = 0; i < RT; i++) rawRoundTrip();
    rawTimes.push(Number(process.hrtime.bigint() - t0) / RT);
    t0 = process.hrtime.bigint();
    for (let i = 0; i < RT; i++) await nlkitRoundTrip();
    nlkTimes.push(Number(process.hrtime.bigint() - t0) / RT);
  }
  const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[xs.length >> 1]!;
  const rawNs = median(rawTimes);
  const nlkNs = median(nlkTimes);
  // Allocations of one awaited request (the Promise of an async function included).
  gc();
  await tick();
  const g0 = gcs.count;
  const h0 = youngBytes();
  const K = 5_000;
  for (let i = 0; i < K; i++) await nlkitRoundTrip();
  const h1 = youngBytes();
  await tick();
  const rtAlloc = gcs.count === g0 ? `${((h1 - h0) / K).toFixed(0)} B/request (${K} requests, no GC during the run)` : 'not measured (a GC ran)';
  const rawAlloc = await allocPerOp(rawRoundTrip, K);
  // The floor for any Promise-returning call awaited in a loop like this one.
  gc();
  await tick();
  const g1 = gcs.count;
  const f0 = youngBytes();
  for (let i = 0; i < K; i++) await Promise.resolve(i);
  const f1 = youngBytes();
  await tick();
  const floor = gcs.count === g1 ? `awaiting an already-resolved Promise in the same loop: ${((f1 - f0) / K).toFixed(0)} B` : 'floor not measured (a GC ran)';
  sys.close(raw);

  const pad = Math.max(...results.map((r) => r.name.length));
  console.log(`${'case'.padEnd(pad)}   msgs/s        ns/msg   heap bytes/msg`);
  for (const r of results) {
    console.log(`${r.name.padEnd(pad)}   ${(r.perSec / 1e6).toFixed(2).padStart(6)} M   ${r.nsPerOp.toFixed(0).padStart(7)}   ${Number.isNaN(r.bytesPerOp) ? '?' : r.bytesPerOp.toFixed(1).padStart(6)}  (${r.allocNote})`);
  }
  console.log('');
  console.log(`GETLINK ifindex 1 round trip (median of 5 rounds × ${RT}):`);
  console.log(`  raw koffi send+recv:      ${(rawNs / 1000).toFixed(2)} µs   (rounds: ${rawTimes.map((x) => (x / 1000).toFixed(2)).join(' ')}; ${rawAlloc.bytes.toFixed(0)} B/round trip, ${rawAlloc.note})`);
  console.log(`  NetlinkSocket.request:    ${(nlkNs / 1000).toFixed(2)} µs   (rounds: ${nlkTimes.map((x) => (x / 1000).toFixed(2)).join(' ')}; ${rtAlloc})`);
  console.log(`                            (${floor})`);
  console.log(`  ratio nlkit/raw:          ${(nlkNs / rawNs).toFixed(2)}×   (target ≤ 1.5×)`);

  await route.request(17 /* RTM_DELLINK */, 0, (wr) => ifinfo(vethIndex)(wr));
  route.close();
  w.release();
}

await main();
