// Event latency of rt.monitor(): from a kernel change made by this process to the
// `for await` body holding the decoded event, next to the floor — a raw NetlinkSocket
// with the same options, woken by the same watch() poll handle, reading with
// readAvailable and taking the time inside its message callback (no decoding, no
// queue, no promise). Also events per second when a burst is already queued.
//
//   npx tsc -p . && unshare -n node dist/bench/monitor-latency.js [--samples N] [--rounds R] [--burst K] [--json]
//
// On a busy machine, medians and p99 measure the scheduler: run it as a real-time task
// (`chrt -f 10 unshare -n node dist/bench/monitor-latency.js`) for stable numbers.
//
// Needs root: it makes its own anonymous netns (Netns.new(); the netns it runs in is not
// touched) with one veth pair, and changes lt0's MTU through a second handle. Each
// sample: timestamp, `await setter.link.set(lt0, { mtu })` (rtnetlink processes the
// request inside sendto, so the event is queued when it returns), then wait for the
// event on the poll handle. Rounds alternate raw and monitor so machine drift favours
// neither; the first `warmup` samples of every round are dropped (JIT).
//
// Burst: K MTU changes are made back to back without yielding to the event loop, so all
// K events sit in the socket's receive buffer (sized to hold them); the clock then runs
// from the first poll wake-up chance to the K-th event in the consumer's hands.
import { pathToFileURL } from 'node:url';
import { NETLINK_ROUTE, NetlinkSocket, HOST_LE, withThreadNetns, NLMSG_HDRLEN } from '../src/netlink/index.js';
import { Rtnl } from '../src/rtnl/handle.js';
import { registerEventDecoder } from '../src/rtnl/monitor.js';
import { decodeLink } from '../src/rtnl/link/decode.js';
import { RTM_NEWLINK, RTNLGRP_LINK } from '../src/rtnl/constants.js';
import { Netns } from '../src/ns/index.js';
import { parseArgs, intOpt } from './common.js';

/** Options of {@link monitorLatency}. Every field has a default. */
export interface MonitorLatencyOptions {
  /** Samples per round and method. Defaults to 2000. */
  readonly samples?: number;
  /** Rounds (raw, monitor, raw, monitor, …). Defaults to 5. */
  readonly rounds?: number;
  /** Samples dropped at the start of every round. Defaults to 200. */
  readonly warmup?: number;
  /** Events in the burst. Defaults to 5000. */
  readonly burst?: number;
  /** Receive buffer of both sockets (SO_RCVBUFFORCE; the kernel doubles it). Defaults to 32 MiB. */
  readonly receiveBufferSize?: number;
}

/** Latency statistics in microseconds. */
export interface LatencyStats {
  n: number;
  median: number;
  p99: number;
  min: number;
  mean: number;
}

/** What {@link monitorLatency} measured (times in µs, rates in events/s). */
export interface MonitorLatencyResult {
  raw: LatencyStats;
  /** rt.monitor() as shipped: events decoded with decodeLink. */
  monitor: LatencyStats;
  /** rt.monitor() with a minimal RTM_NEWLINK decoder (ifindex only): the monitor's own cost. */
  monitorMinimal: LatencyStats;
  /** monitor.median − raw.median: the cost of decoding, queueing and the iterator. */
  overheadMedianUs: number;
  overheadP99Us: number;
  /** monitorMinimal.median − raw.median: reading to EAGAIN, queueing, promise and iterator only. */
  overheadMinimalMedianUs: number;
  /** decodeLink of one of these RTM_NEWLINK messages, µs (median of 2000 timed calls). */
  decodeLinkUs: number;
  burst: { events: number; rawPerSec: number; monitorPerSec: number; monitorMinimalPerSec: number };
}

const now = (): bigint => process.hrtime.bigint();
const us = (a: bigint, b: bigint): number => Number(b - a) / 1e3;

function stats(xs: number[]): LatencyStats {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return {
    n,
    median: n % 2 ? s[n >> 1]! : (s[n / 2 - 1]! + s[n / 2]!) / 2,
    p99: s[Math.min(n - 1, Math.floor(n * 0.99))]!,
    min: s[0]!,
    mean: s.reduce((a, b) => a + b, 0) / n,
  };
}

/** ifi_index of an RTM_NEWLINK (ifinfomsg: family u8, pad u8, type u16, index s32). */
const ifindexOf = (view: DataView, off: number): number => view.getInt32(off + NLMSG_HDRLEN + 4, HOST_LE);
/** A decoder that reads only the ifindex: what the monitor costs without decodeLink. */
const minimalDecoder = (_buf: Buffer, view: DataView, off: number): { index: number } => ({ index: ifindexOf(view, off) });

/** Measure; see the file comment. Leaves nothing behind (its netns goes with it). */
export async function monitorLatency(opts: MonitorLatencyOptions = {}): Promise<MonitorLatencyResult> {
  const samples = opts.samples ?? 2000;
  const rounds = opts.rounds ?? 5;
  const warmup = opts.warmup ?? 200;
  const burst = opts.burst ?? 5000;
  const receiveBufferSize = opts.receiveBufferSize ?? 32 << 20;

  const ns = Netns.new();
  const setter = Rtnl.open({ netns: ns });
  try {
    await setter.link.add({ name: 'lt0', kind: 'veth', peer: { name: 'lt1' } });
    const index = (await setter.link.get('lt0')).index;
    let mtu = 1500;
    const change = (): Promise<unknown> => setter.link.set(index, { mtu: (mtu = mtu === 1500 ? 1400 : 1500) });
    const openRaw = (): NetlinkSocket =>
      withThreadNetns(ns.fd, () => NetlinkSocket.open(NETLINK_ROUTE, { groups: [RTNLGRP_LINK], receiveBufferSize }));

    /** Raw floor: the time is taken in readAvailable's callback for lt0's RTM_NEWLINK. */
    const rawRound = async (n: number): Promise<number[]> => {
      const sock = openRaw();
      const out: number[] = [];
      let t0 = 0n;
      let done: (() => void) | null = null;
      const onMessage = (_buf: Buffer, view: DataView, off: number): void => {
        if (done === null || view.getUint16(off + 4, HOST_LE) !== RTM_NEWLINK || ifindexOf(view, off) !== index) return;
        out.push(us(t0, now()));
        const d = done;
        done = null;
        d();
      };
      const w = sock.watch(() => void sock.readAvailable(onMessage));
      try {
        for (let i = 0; i < n; i++) {
          const got = new Promise<void>((r) => (done = r));
          t0 = now();
          await change();
          await got;
        }
      } finally {
        w.close();
        sock.close();
      }
      return out;
    };

    /** The monitor: the time is taken in the for-await body holding the decoded event. */
    const monitorRound = async (n: number, decoded: boolean): Promise<number[]> => {
      if (!decoded) registerEventDecoder(RTM_NEWLINK, 'link', minimalDecoder);
      const m = setter.monitor(['link'], { receiveBufferSize });
      const out: number[] = [];
      let t0 = now();
      await change();
      for await (const ev of m) {
        const t1 = now();
        if (ev.type !== 'new' || ev.kind !== 'link') continue;
        if (ev.object.index !== index || (decoded && ev.object.mtu !== mtu)) continue;
        out.push(us(t0, t1));
        if (out.length === n) break;
        t0 = now();
        await change();
      }
      registerEventDecoder(RTM_NEWLINK, 'link', decodeLink);
      return out;
    };

    const raw: number[] = [];
    const mon: number[] = [];
    const monRaw: number[] = [];
    for (let r = 0; r < rounds; r++) {
      raw.push(...(await rawRound(samples + warmup)).slice(warmup));
      mon.push(...(await monitorRound(samples + warmup, true)).slice(warmup));
      monRaw.push(...(await monitorRound(samples + warmup, false)).slice(warmup));
    }

    // Bursts: K changes queued before the consumer can run.
    const rawBurst = async (): Promise<number> => {
      const sock = openRaw();
      let count = 0;
      let t0 = 0n;
      let t1 = 0n;
      let done!: () => void;
      const finished = new Promise<void>((r) => (done = r));
      const w = sock.watch(() => {
        const n = sock.readAvailable(() => void count++);
        if (n < 0) throw new Error('raw burst overran: receive buffer too small');
        if (count >= burst && t1 === 0n) {
          t1 = now();
          done();
        }
      });
      try {
        for (let i = 0; i < burst; i++) await change();
        t0 = now();
        await finished;
      } finally {
        w.close();
        sock.close();
      }
      return burst / (Number(t1 - t0) / 1e9);
    };
    const monitorBurst = async (decoded: boolean): Promise<number> => {
      if (!decoded) registerEventDecoder(RTM_NEWLINK, 'link', minimalDecoder);
      const m = setter.monitor(['link'], { receiveBufferSize });
      for (let i = 0; i < burst; i++) await change();
      const t0 = now();
      let count = 0;
      for await (const ev of m) {
        if (ev.type === 'overrun') throw new Error('monitor burst overran: receive buffer too small');
        if (++count === burst) break;
      }
      const rate = burst / (Number(now() - t0) / 1e9);
      registerEventDecoder(RTM_NEWLINK, 'link', decodeLink);
      return rate;
    };
    const rawRates: number[] = [];
    const monRates: number[] = [];
    const monRawRates: number[] = [];
    for (let r = 0; r < 3; r++) {
      rawRates.push(await rawBurst());
      monRates.push(await monitorBurst(true));
      monRawRates.push(await monitorBurst(false));
    }

    // decodeLink alone, on one of these messages.
    let msg: Buffer | undefined;
    const probe = openRaw();
    await change();
    probe.readAvailable((buf, _v, off, len) => void (msg ??= Buffer.from(buf.subarray(off, off + len))));
    probe.close();
    const view = new DataView(msg!.buffer, msg!.byteOffset, msg!.length);
    const dec: number[] = [];
    for (let i = 0; i < 2200; i++) {
      const t = now();
      decodeLink(msg!, view, 0, msg!.length);
      if (i >= 200) dec.push(us(t, now()));
    }

    const rs = stats(raw);
    const ms = stats(mon);
    const mr = stats(monRaw);
    return {
      raw: rs,
      monitor: ms,
      monitorMinimal: mr,
      overheadMedianUs: ms.median - rs.median,
      overheadP99Us: ms.p99 - rs.p99,
      overheadMinimalMedianUs: mr.median - rs.median,
      decodeLinkUs: stats(dec).median,
      burst: { events: burst, rawPerSec: stats(rawRates).median, monitorPerSec: stats(monRates).median, monitorMinimalPerSec: stats(monRawRates).median },
    };
  } finally {
    setter.close();
    ns.close();
  }
}

function fmt(s: LatencyStats): string {
  return `median ${s.median.toFixed(2)} µs  p99 ${s.p99.toFixed(2)} µs  min ${s.min.toFixed(2)} µs  mean ${s.mean.toFixed(2)} µs  (n=${s.n})`;
}

async function main(argv: string[]): Promise<void> {
  const { opts } = parseArgs(argv);
  const r = await monitorLatency({
    samples: intOpt(opts, 'samples', 2000),
    rounds: intOpt(opts, 'rounds', 5),
    warmup: intOpt(opts, 'warmup', 200),
    burst: intOpt(opts, 'burst', 5000),
  });
  if (opts.has('json')) {
    process.stdout.write(`${JSON.stringify(r)}\n`);
    return;
  }
  process.stdout.write(
    `event latency, kernel change → consumer (link MTU change on a veth, ${process.version}):\n` +
    `  raw poll+recv  ${fmt(r.raw)}\n` +
    `  rt.monitor()   ${fmt(r.monitor)}\n` +
    `  minimal decode ${fmt(r.monitorMinimal)}\n` +
    `  overhead       median +${r.overheadMedianUs.toFixed(2)} µs  p99 +${r.overheadP99Us.toFixed(2)} µs  (target: median ≤ +10 µs); ` +
    `minimal decoder median +${r.overheadMinimalMedianUs.toFixed(2)} µs; decodeLink alone ${r.decodeLinkUs.toFixed(2)} µs\n` +
    `burst of ${r.burst.events} queued events: raw ${Math.round(r.burst.rawPerSec)} events/s, rt.monitor() ${Math.round(r.burst.monitorPerSec)} events/s decoded, ` +
    `${Math.round(r.burst.monitorMinimalPerSec)} events/s with the minimal decoder\n`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e instanceof Error ? e.stack ?? e.message : e);
    process.exit(1);
  });
}
