/**
 * tbf, the token bucket filter (net/sched/sch_tbf.c): shapes a device (or a class) to a
 * rate with a burst, queueing up to a limit. Encoded as `tc qdisc add … tbf` sends it
 * (tc/q_tbf.c of iproute2 6.1), decoded as `tc -d qdisc show` reads it.
 * @module
 */
import { DecodeError, HOST_LE, InvalidArgumentError, showValue, type MessageWriter } from '../../../netlink/index.js';
import * as C from '../../constants.js';
import { parseTcRate, parseTcSize, parseTcTime, ticksToTime, xmitSize, xmitTicks, zeroRateNote, type TcRate, type TcSize, type TcTime } from '../units.js';
import {
  attrsOf, cellLogFor, checkLinklayer, checkU16Size, linklayerName, optInt, putRatespec, rate32, readRatespec, u64At,
  type QdiscSpecBase, type TcKindCodec, type TcLinklayer,
} from './kind.js';

/**
 * What every tbf spec has; {@link TbfSpec} adds that exactly one of `burst` and `buffer`
 * is given, exactly one of `limit` and `latency`, and `mtu` with `peakrate`.
 */
export interface TbfSpecCommon extends QdiscSpecBase {
  /** Token bucket filter (`tbf`). */
  readonly kind: 'tbf';
  /** The rate the bucket fills at: bytes per second, or tc's text ('1mbit') (`rate R`). Required. */
  readonly rate: TcRate;
  /**
   * The bucket's size: bytes, or tc's text ('32kbit', '15k') (`burst B`, alias `buffer`,
   * `maxburst`). This or `buffer` is required.
   */
  readonly burst?: TcSize | undefined;
  /**
   * The bucket as the scheduler's ticks (struct tc_tbf_qopt's `buffer`: the time the rate
   * takes to fill it), instead of `burst`: sent without TCA_TBF_BURST, so the kernel keeps
   * exactly these ticks, as it does for vishvananda/netlink's `Tbf.Buffer` (what the
   * reference CNI bandwidth plugin sends and its CHECK compares). No tc equivalent: tc
   * always sends the burst.
   */
  readonly buffer?: number | undefined;
  /**
   * The peak rate: a second bucket of `mtu` bytes drains at most this fast, so bursts
   * leave no faster (`peakrate R`). Must be above `rate`, and needs `mtu`. Defaults to none.
   */
  readonly peakrate?: TcRate | undefined;
  /** The peak bucket's size, at least the device MTU (`mtu B`, alias `minburst`). Only with `peakrate`. */
  readonly mtu?: TcSize | undefined;
  /** Minimum packet unit: smaller packets take this many bytes of tokens (`mpu B`), up to 65535. Defaults to 0. */
  readonly mpu?: TcSize | undefined;
  /** Bytes added to each packet's size for the rate, 0..65535 (`overhead N`). Defaults to 0. */
  readonly overhead?: number | undefined;
  /** The link layer the rate counts cells of: 'ethernet' or 'atm' (`linklayer L`). Defaults to 'ethernet', as tc assumes. */
  readonly linklayer?: TcLinklayer | undefined;
}

/**
 * A tbf qdisc for `rt.qdisc.add`: a rate and a burst, and exactly one of `limit` (the
 * queue's bytes) or `latency` (the longest a packet may wait; tc turns it into a limit),
 * as tc requires.
 *
 * Equivalent to: `tc qdisc add dev DEV root tbf rate R burst B (limit L | latency T)
 * [peakrate R mtu M] [mpu M] [overhead N] [linklayer L]`.
 * @example
 * { link: 'eth0', kind: 'tbf', rate: '1mbit', burst: '32kbit', latency: '400ms' }
 */
export type TbfSpec = TbfSpecCommon
  & ({ readonly burst: TcSize; readonly buffer?: undefined } | { readonly buffer: number; readonly burst?: undefined })
  & ({ readonly limit: TcSize; readonly latency?: undefined } | { readonly latency: TcTime; readonly limit?: undefined })
  & ({ readonly peakrate: TcRate; readonly mtu: TcSize } | { readonly peakrate?: undefined; readonly mtu?: undefined });

/** A tbf qdisc's options as the kernel reports them (`tc -j -d qdisc show`'s "options"). */
export interface TbfOptions {
  /** The kind these options are of. */
  kind: 'tbf';
  /** Bytes per second (TCA_TBF_RATE64, else the struct's rate; tc -j "rate"). */
  rate: number;
  /**
   * The bucket in bytes, worked out from the kernel's buffer ticks as tc works it out
   * (tc_calc_xmitsize; tc -j "burst", which `-d` prints as text: "4Kb/1").
   */
  burst: number;
  /** The bucket as the kernel holds it: scheduler ticks (struct tc_tbf_qopt's `buffer`; tc prints it only as `burst`). */
  buffer: number;
  /** The queue's limit in bytes (tc -j "limit", printed when `latency` would be negative). */
  limit: number;
  /**
   * How long a packet may wait, in µs, as tc derives it from the limit, the rates and
   * the buffers, truncated (tc -j "lat"; tc prints "limit" instead when this is negative).
   */
  latency: number;
  /** Minimum packet unit in bytes (tc -j "mpu"). */
  mpu: number;
  /** Bytes added to each packet (tc -j "overhead", printed when not 0). */
  overhead: number;
  /** 'ethernet', 'atm', 'unspec' or 'unknown' (tc -j "linklayer"). */
  linklayer: string;
  /** The peak rate in bytes per second, when one is set (tc prints "peakrate" in text; 6.1's JSON leaves it out). */
  peakrate?: number;
  /** The peak bucket in bytes, with `peakrate` (tc -j "mtu" with -d, "minburst" without). */
  mtu?: number;
}

/** A checked tbf: what goes in TCA_OPTIONS. */
interface TbfChecked {
  rate: number;
  burst: number;
  limit: number;
  peakrate: number;
  mtu: number;
  mpu: number;
  overhead: number;
  linklayer: number;
  buffer: number;
  /** Whether `burst` goes to the kernel as TCA_TBF_BURST (not when the spec gave `buffer`). */
  sendBurst: boolean;
  peakBuffer: number;
}

const KEYS: ReadonlySet<string> = new Set(['rate', 'burst', 'buffer', 'limit', 'latency', 'peakrate', 'mtu', 'mpu', 'overhead', 'linklayer']);
const U32_MAX = 0xffffffff;

function ticksOrRefuse(rate: number, size: number, arg: string, given: unknown): number {
  const t = xmitTicks(rate32(rate), size);
  if (t === undefined) throw new InvalidArgumentError(arg, `${showValue(given)} at ${rate} bytes/s takes longer than the kernel's 32-bit tick count holds: give a smaller ${arg} or a higher rate`);
  return t;
}

function check(s: Readonly<Record<string, unknown>>): TbfChecked {
  if (s['rate'] === undefined) throw new InvalidArgumentError('rate', "tbf needs a rate (bytes per second, or tc's text like '1mbit')");
  const rate = parseTcRate(s['rate'], 'rate');
  if (rate === 0) throw new InvalidArgumentError('rate', `a tbf rate must be above 0${zeroRateNote(s['rate'])}`);
  const sendBurst = s['buffer'] === undefined;
  let burst: number;
  let buffer: number | undefined;
  if (!sendBurst) {
    if (s['burst'] !== undefined) throw new InvalidArgumentError('buffer', 'give burst (bytes) or buffer (ticks), not both: they are the same bucket');
    const b = s['buffer'];
    if (typeof b !== 'number' || !Number.isInteger(b) || b < 1 || b > U32_MAX) throw new InvalidArgumentError('buffer', `a tbf buffer is a number of scheduler ticks from 1 to 4294967295, got ${showValue(b)}`);
    buffer = b;
    // The bytes that many ticks carry at the rate, as the kernel works out its max_size
    // (and tc the limit of a latency) from them.
    burst = xmitSize(rate32(rate), b);
  } else {
    if (s['burst'] === undefined) throw new InvalidArgumentError('burst', "tbf needs a burst, the bucket's size (bytes, or tc's text like '32kbit'), or a buffer in ticks");
    burst = parseTcSize(s['burst'], 'burst');
    if (burst === 0) throw new InvalidArgumentError('burst', 'a tbf burst must be above 0');
  }
  const hasLimit = s['limit'] !== undefined;
  const hasLatency = s['latency'] !== undefined;
  if (hasLimit && hasLatency) throw new InvalidArgumentError('latency', 'give limit or latency, not both (tc: specifying both "latency" and "limit" is not allowed)');
  if (!hasLimit && !hasLatency) throw new InvalidArgumentError('limit', 'tbf needs a limit (the queue in bytes) or a latency (the longest a packet waits), as tc does');
  let peakrate = 0;
  let mtu = 0;
  if (s['peakrate'] !== undefined) {
    peakrate = parseTcRate(s['peakrate'], 'peakrate');
    if (peakrate <= rate) throw new InvalidArgumentError('peakrate', `the peak rate (${peakrate} bytes/s) must be above the rate (${rate} bytes/s): the kernel refuses it otherwise`);
    if (s['mtu'] === undefined) throw new InvalidArgumentError('mtu', 'a peakrate needs mtu, the peak bucket\'s size (tc: when "peakrate" is specified, "mtu" must also be specified)');
    mtu = parseTcSize(s['mtu'], 'mtu');
    if (mtu === 0) throw new InvalidArgumentError('mtu', 'the peak bucket (mtu) must be above 0');
  } else if (s['mtu'] !== undefined) {
    throw new InvalidArgumentError('mtu', 'mtu is the peak bucket\'s size: it goes with peakrate, and the kernel uses it for nothing else');
  }
  const mpu = s['mpu'] !== undefined ? checkU16Size(parseTcSize(s['mpu'], 'mpu'), 'mpu', s['mpu']) : 0;
  const overhead = optInt(s['overhead'], 'overhead', 0, 0xffff, 0);
  const linklayer = checkLinklayer(s['linklayer'], 'linklayer');
  let limit: number;
  if (hasLimit) {
    limit = parseTcSize(s['limit'], 'limit');
    if (limit === 0) throw new InvalidArgumentError('limit', 'a tbf limit must be above 0 (tc reads 0 as not given)');
  } else {
    const latency = parseTcTime(s['latency'], 'latency');
    if (latency === 0) throw new InvalidArgumentError('latency', 'a tbf latency must be above 0 (tc reads 0 as not given)');
    // q_tbf.c: the bytes the rate sends in the latency, plus the bucket (the peak's, when smaller).
    let lim = (rate * latency) / 1000000 + burst;
    if (peakrate) {
      const lim2 = (peakrate * latency) / 1000000 + mtu;
      if (lim2 < lim) lim = lim2;
    }
    if (lim > U32_MAX) throw new InvalidArgumentError('latency', `${showValue(s['latency'])} at ${rate} bytes/s makes a limit of ${Math.trunc(lim)} bytes, more than the kernel's 32-bit field holds`);
    limit = Math.trunc(lim);
  }
  // iproute2 6.1 works the buffers out from the rate as struct tc_ratespec holds it (capped at 2^32-1).
  buffer ??= ticksOrRefuse(rate, burst, 'burst', s['burst']);
  const peakBuffer = peakrate ? ticksOrRefuse(peakrate, mtu, 'mtu', s['mtu']) : 0;
  return { rate, burst, limit, peakrate, mtu, mpu, overhead, linklayer, buffer, sendBurst, peakBuffer };
}

/**
 * TCA_OPTIONS as tc sends it, without the rate tables (TCA_TBF_RTAB, _PTAB): with the
 * link layer set, sch_tbf.c does not read them. TCA_TBF_PARMS, TCA_TBF_BURST, then
 * TCA_TBF_RATE64 / _PRATE64 for rates of 2^32 bytes/s or more, and TCA_TBF_PBURST.
 */
function encode(w: MessageWriter, c: TbfChecked): void {
  const opts = w.nestStart(C.TCA_OPTIONS, false);
  const parms = w.nestStart(C.TCA_TBF_PARMS, false);
  const o = w.reserve(C.SIZEOF_TC_TBF_QOPT);
  // tc_calc_rtable sizes the rate tables' cells for the mtu (2047 without one).
  const cellLog = cellLogFor(c.mtu);
  putRatespec(w, o, { cellLog, linklayer: c.linklayer, overhead: c.overhead, cellAlign: -1, mpu: c.mpu, rate: rate32(c.rate) });
  if (c.peakrate) putRatespec(w, o + C.SIZEOF_TC_RATESPEC, { cellLog, linklayer: c.linklayer, overhead: c.overhead, cellAlign: -1, mpu: c.mpu, rate: rate32(c.peakrate) });
  const tail = o + 2 * C.SIZEOF_TC_RATESPEC;
  w.view.setUint32(tail, c.limit, HOST_LE);
  w.view.setUint32(tail + 4, c.buffer, HOST_LE);
  w.view.setUint32(tail + 8, c.peakBuffer, HOST_LE);
  w.nestEnd(parms);
  if (c.sendBurst) w.putU32(C.TCA_TBF_BURST, c.burst);
  if (c.rate > U32_MAX) w.putU64(C.TCA_TBF_RATE64, c.rate);
  if (c.peakrate) {
    if (c.peakrate > U32_MAX) w.putU64(C.TCA_TBF_PRATE64, c.peakrate);
    w.putU32(C.TCA_TBF_PBURST, c.mtu);
  }
  w.nestEnd(opts);
}

/** The tbf codec (`kind: 'tbf'`). */
export const TBF: TcKindCodec<TbfChecked> = { kind: 'tbf', keys: KEYS, check, encode };

/** Decode a tbf's TCA_OPTIONS payload (`[off, off+len)`) as tc's tbf_print_opt reads it. */
export function decodeTbf(v: DataView, off: number, len: number, path: readonly string[]): TbfOptions {
  const a = attrsOf(v, off, len, path);
  const parms = a.get(C.TCA_TBF_PARMS);
  if (!parms || parms[1] < C.SIZEOF_TC_TBF_QOPT) {
    throw new DecodeError('TCA_TBF_PARMS missing or shorter than struct tc_tbf_qopt', path, parms ? parms[0] : off, C.SIZEOF_TC_TBF_QOPT, parms ? parms[1] : 0);
  }
  const p = parms[0];
  const r = readRatespec(v, p);
  const pr = readRatespec(v, p + C.SIZEOF_TC_RATESPEC);
  const tail = p + 2 * C.SIZEOF_TC_RATESPEC;
  const limit = v.getUint32(tail, HOST_LE);
  const buffer = v.getUint32(tail + 4, HOST_LE);
  const mtuTicks = v.getUint32(tail + 8, HOST_LE);
  const rate = u64At(v, a.get(C.TCA_TBF_RATE64)) ?? r.rate;
  const peakrate = u64At(v, a.get(C.TCA_TBF_PRATE64)) ?? pr.rate;
  let latency = rate ? 1000000 * (limit / rate) - ticksToTime(buffer) : 0;
  if (peakrate) {
    const lat2 = 1000000 * (limit / peakrate) - ticksToTime(mtuTicks);
    if (lat2 > latency) latency = lat2;
  }
  const out: TbfOptions = {
    kind: 'tbf', rate, burst: xmitSize(rate, buffer), buffer, limit, latency: Math.trunc(latency), mpu: r.mpu, overhead: r.overhead,
    linklayer: linklayerName(r.linklayer),
  };
  if (peakrate) {
    out.peakrate = peakrate;
    out.mtu = xmitSize(peakrate, mtuTicks);
  }
  return out;
}
