/**
 * htb, the hierarchical token bucket (net/sched/sch_htb.c): a qdisc whose classes each
 * get a rate and may borrow up to a ceiling. The qdisc and its classes, encoded as `tc
 * qdisc/class add … htb` sends them (tc/q_htb.c of iproute2 6.1), decoded as `tc -d`
 * reads them.
 * @module
 */
import { DecodeError, HOST_LE, InvalidArgumentError, showValue, type MessageWriter } from '../../../netlink/index.js';
import * as C from '../../constants.js';
import type { TcHandleInput } from '../handle.js';
import { parseTcRate, parseTcSize, pschedClock, xmitSize, xmitTicks, zeroRateNote, type TcRate, type TcSize } from '../units.js';
import {
  attrsOf, cellLogFor, checkLinklayer, linklayerName, optInt, putRatespec, rate32, readRatespec, u32At, u64At,
  type QdiscSpecBase, type TcKindCodec, type TcLinklayer,
} from './kind.js';

/**
 * An htb qdisc for `rt.qdisc.add`: its classes are added with `rt.class.add`.
 *
 * Equivalent to: `tc qdisc add dev DEV root handle 1: htb [default MINOR] [r2q N] [direct_qlen P]`.
 * @example
 * { link: 'eth0', handle: '1:', kind: 'htb', default: '10' }
 */
export interface HtbSpec extends QdiscSpecBase {
  /** Hierarchical token bucket (`htb`). */
  readonly kind: 'htb';
  /**
   * The minor of the class unclassified packets go to (`default MINOR`): hex text as tc
   * reads it ('10' is class 1:10), or the number (0x10). Defaults to 0: such packets
   * leave unshaped, through the direct queue.
   */
  readonly default?: number | string | undefined;
  /** Divisor of a class's rate (bytes/s) for its quantum, when the class gives none (`r2q N`), 1 or more. Defaults to 10. */
  readonly r2q?: number | undefined;
  /** Packets the direct queue holds (`direct_qlen P`). Defaults to the device's txqueuelen. */
  readonly directQlen?: number | undefined;
}

/** An htb qdisc's options as the kernel reports them (`tc -j -d qdisc show`'s "options"). */
export interface HtbOptions {
  /** The kind these options are of. */
  kind: 'htb';
  /** Rate-to-quantum divisor (tc -j "r2q"). */
  r2q: number;
  /** The default class's minor (tc -j "default", printed in hex: "0x10"). */
  default: number;
  /** Packets sent through the direct queue (unclassified, no default class) (tc -j "direct_packets_stat"). */
  directPacketsStat: number;
  /** htb's version, 'major.minor' (tc -j "ver": "3.17"). */
  version: string;
  /** The direct queue's length in packets, when the kernel reports it (tc -j "direct_qlen"). */
  directQlen?: number;
  /** Offloaded to the device (TCA_HTB_OFFLOAD; tc -j "offload"). */
  offload?: boolean;
}

/** What every htb class spec has; {@link HtbClassSpec} is it. */
export interface ClassSpecBase {
  /** The device: name or ifindex (`dev DEV`). Required. */
  readonly link: string | number;
  /**
   * The parent: the qdisc ('1:') for a top class, or a class ('1:1') (`parent P`).
   * Required ('root' is taken too: a top class of the root qdisc).
   */
  readonly parent: TcHandleInput;
  /** The class's id, with its qdisc's major and a minor of its own: '1:10' (`classid 1:10`). Required. */
  readonly classid: TcHandleInput;
}

/**
 * An htb class for `rt.class.add`.
 *
 * Equivalent to: `tc class add dev DEV parent P classid C htb rate R [ceil R] [burst B]
 * [cburst B] [prio N] [quantum Q] [mtu M] [mpu M] [overhead N] [linklayer L]`.
 * @example
 * { link: 'eth0', parent: '1:', classid: '1:10', kind: 'htb', rate: '10mbit', ceil: '20mbit' }
 */
export interface HtbClassSpec extends ClassSpecBase {
  /** Hierarchical token bucket (`htb`). */
  readonly kind: 'htb';
  /** The rate the class is guaranteed: bytes per second, or tc's text ('10mbit') (`rate R`). Required. */
  readonly rate: TcRate;
  /** The most it may use, borrowing from its parent (`ceil R`): at least `rate`. Defaults to `rate`. */
  readonly ceil?: TcRate | undefined;
  /** Bytes that may go at `rate` in one burst (`burst B`). Defaults to what tc computes: rate / the timer's Hz + mtu. */
  readonly burst?: TcSize | undefined;
  /** Bytes that may go at `ceil` in one burst (`cburst B`). Defaults to ceil / the timer's Hz + mtu, as tc. */
  readonly cburst?: TcSize | undefined;
  /** Priority among leaf classes, 0 (first) to 7 (`prio N`). Defaults to 0. */
  readonly prio?: number | undefined;
  /** Bytes a leaf sends per turn when borrowing (`quantum Q`), 1 or more. Defaults to rate / the qdisc's r2q, within 1000..200000. */
  readonly quantum?: number | undefined;
  /** The largest packet the rate computations plan for, in bytes (`mtu M`). Defaults to 1600. */
  readonly mtu?: number | undefined;
  /** Minimum packet unit in bytes, 0..65535 (`mpu M`). Defaults to 0. */
  readonly mpu?: number | undefined;
  /** Bytes added to each packet's size, 0..65535 (`overhead N`). Defaults to 0. */
  readonly overhead?: number | undefined;
  /** 'ethernet' or 'atm' (`linklayer L`). Defaults to 'ethernet'. */
  readonly linklayer?: TcLinklayer | undefined;
}

/** An htb class's options as the kernel reports them (what `tc -d class show` prints after the class id). */
export interface HtbClassOptions {
  /** The kind these options are of. */
  kind: 'htb';
  /** Guaranteed bytes per second (TCA_HTB_RATE64, else the struct's; tc "rate"). */
  rate: number;
  /** Ceiling in bytes per second (TCA_HTB_CEIL64, else the struct's; tc "ceil"). */
  ceil: number;
  /** Burst at `rate` in bytes, from the kernel's buffer ticks as tc works it out (tc "burst", -d: "1600b/1"). */
  burst: number;
  /** Burst at `ceil` in bytes, likewise (tc "cburst"). */
  cburst: number;
  /** Priority, 0..7 (tc "prio", printed for leaf classes). */
  prio: number;
  /** Quantum in bytes (tc "quantum", printed for leaf classes with -d). */
  quantum: number;
  /** The class's level: 0 for a leaf, up from there (tc "level", with -d). */
  level: number;
  /** Minimum packet unit in bytes (tc "mpu"). */
  mpu: number;
  /** Bytes added to each packet (tc "overhead", printed when not 0). */
  overhead: number;
  /** 'ethernet', 'atm', 'unspec' or 'unknown' (tc "linklayer"). */
  linklayer: string;
}

/** An htb class's counters (TCA_XSTATS, struct tc_htb_xstats; what `tc -s class show` prints under the class). */
export interface HtbClassXstats {
  /** The kind these counters are of. */
  kind: 'htb';
  /** Times the class lent to a child (tc "lended"). */
  lended: number;
  /** Times it borrowed from its parent (tc "borrowed"). */
  borrowed: number;
  /** Packets larger than the mtu it was configured for (tc "giants"). */
  giants: number;
  /** Tokens left at `rate`, in ticks (tc "tokens"). */
  tokens: number;
  /** Tokens left at `ceil`, in ticks (tc "ctokens"). */
  ctokens: number;
}

/** A checked htb qdisc. */
interface HtbChecked {
  defcls: number;
  r2q: number;
  directQlen: number | undefined;
}

/** A checked htb class. */
interface HtbClassChecked {
  rate: number;
  ceil: number;
  buffer: number;
  cbuffer: number;
  prio: number;
  quantum: number;
  mtu: number;
  mpu: number;
  overhead: number;
  linklayer: number;
}

const QDISC_KEYS: ReadonlySet<string> = new Set(['default', 'r2q', 'directQlen']);
const CLASS_KEYS: ReadonlySet<string> = new Set(['rate', 'ceil', 'burst', 'cburst', 'prio', 'quantum', 'mtu', 'mpu', 'overhead', 'linklayer']);
const U32_MAX = 0xffffffff;
/** tc's default class mtu (q_htb.c: "eth packet len"). */
const DEFAULT_MTU = 1600;

/** The default class's minor: a number, or hex digits as `tc … htb default 10` reads them (get_u32 base 16). */
function checkDefault(v: unknown): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return optInt(v, 'default', 0, U32_MAX, 0);
  if (typeof v === 'string' && /^(0x)?[0-9a-fA-F]{1,8}$/.test(v)) return parseInt(v.replace(/^0x/, ''), 16);
  throw new InvalidArgumentError('default', `expected the default class's minor: hex text as tc reads it ('10' for class 1:10) or a number (0x10), got ${showValue(v)}`);
}

function checkQdisc(s: Readonly<Record<string, unknown>>): HtbChecked {
  return {
    defcls: checkDefault(s['default']),
    r2q: optInt(s['r2q'], 'r2q', 1, U32_MAX, 10),
    directQlen: s['directQlen'] !== undefined ? optInt(s['directQlen'], 'directQlen', 0, U32_MAX, 0) : undefined,
  };
}

/** TCA_OPTIONS as tc sends it: TCA_HTB_INIT (struct tc_htb_glob), then TCA_HTB_DIRECT_QLEN when given. */
function encodeQdisc(w: MessageWriter, c: HtbChecked): void {
  const opts = w.nestStart(C.TCA_OPTIONS, false);
  const init = w.nestStart(C.TCA_HTB_INIT, false);
  const o = w.reserve(C.SIZEOF_TC_HTB_GLOB);
  w.view.setUint32(o, C.TC_HTB_PROTOVER, HOST_LE); // version
  w.view.setUint32(o + 4, c.r2q, HOST_LE); // rate2quantum
  w.view.setUint32(o + 8, c.defcls, HOST_LE); // defcls; debug and direct_pkts stay 0
  w.nestEnd(init);
  if (c.directQlen !== undefined) w.putU32(C.TCA_HTB_DIRECT_QLEN, c.directQlen);
  w.nestEnd(opts);
}

/** The htb qdisc codec (`kind: 'htb'`). */
export const HTB: TcKindCodec<HtbChecked> = { kind: 'htb', keys: QDISC_KEYS, check: checkQdisc, encode: encodeQdisc };

/** A burst given or tc's default (rate / Hz + mtu, q_htb.c), and its ticks at `rate`. */
function bufferTicks(v: unknown, arg: string, rate: number, mtu: number): number {
  const bytes = v !== undefined ? parseTcSize(v, arg) : Math.floor(rate / pschedClock().hz) + mtu;
  if (bytes > U32_MAX) throw new InvalidArgumentError(arg, `the default ${arg} (rate / Hz + mtu) is ${bytes} bytes, more than the kernel's 32-bit field holds: give one`);
  if (v !== undefined && bytes === 0) throw new InvalidArgumentError(arg, `a ${arg} must be above 0 (tc reads 0 as not given)`);
  const t = xmitTicks(rate, bytes);
  if (t === undefined) {
    const what = v !== undefined ? showValue(v) : `the default ${arg} (${bytes} bytes: rate / Hz + mtu)`;
    throw new InvalidArgumentError(arg, `${what} at ${rate} bytes/s takes longer than the kernel's 32-bit tick count holds: give a smaller ${arg} or a higher rate`);
  }
  return t;
}

function checkClass(s: Readonly<Record<string, unknown>>): HtbClassChecked {
  if (s['rate'] === undefined) throw new InvalidArgumentError('rate', "an htb class needs a rate (bytes per second, or tc's text like '10mbit'), as tc does (\"rate\" is required)");
  const rate = parseTcRate(s['rate'], 'rate');
  if (rate === 0) throw new InvalidArgumentError('rate', `an htb class rate must be above 0${zeroRateNote(s['rate'])}`);
  let ceil = rate;
  if (s['ceil'] !== undefined) {
    ceil = parseTcRate(s['ceil'], 'ceil');
    if (ceil < rate) throw new InvalidArgumentError('ceil', `the ceiling (${ceil} bytes/s) is below the rate (${rate} bytes/s): a class cannot be guaranteed more than it may use`);
  }
  const mtu = optInt(s['mtu'], 'mtu', 1, U32_MAX, DEFAULT_MTU);
  const prio = optInt(s['prio'], 'prio', 0, C.TC_HTB_NUMPRIO - 1, 0);
  const quantum = optInt(s['quantum'], 'quantum', 1, U32_MAX, 0);
  const mpu = optInt(s['mpu'], 'mpu', 0, 0xffff, 0);
  const overhead = optInt(s['overhead'], 'overhead', 0, 0xffff, 0);
  const linklayer = checkLinklayer(s['linklayer'], 'linklayer');
  // q_htb.c works the buffers out from the full 64-bit rates.
  const buffer = bufferTicks(s['burst'], 'burst', rate, mtu);
  const cbuffer = bufferTicks(s['cburst'], 'cburst', ceil, mtu);
  return { rate, ceil, buffer, cbuffer, prio, quantum, mtu, mpu, overhead, linklayer };
}

/**
 * TCA_OPTIONS as tc sends it, without the rate tables (TCA_HTB_RTAB, _CTAB), which
 * sch_htb.c does not read once the link layer is set: TCA_HTB_RATE64 / _CEIL64 for rates
 * of 2^32 bytes/s or more, then TCA_HTB_PARMS (struct tc_htb_opt).
 */
function encodeClass(w: MessageWriter, c: HtbClassChecked): void {
  const opts = w.nestStart(C.TCA_OPTIONS, false);
  if (c.rate > U32_MAX) w.putU64(C.TCA_HTB_RATE64, c.rate);
  if (c.ceil > U32_MAX) w.putU64(C.TCA_HTB_CEIL64, c.ceil);
  const parms = w.nestStart(C.TCA_HTB_PARMS, false);
  const o = w.reserve(C.SIZEOF_TC_HTB_OPT);
  const cellLog = cellLogFor(c.mtu);
  putRatespec(w, o, { cellLog, linklayer: c.linklayer, overhead: c.overhead, cellAlign: -1, mpu: c.mpu, rate: rate32(c.rate) });
  putRatespec(w, o + C.SIZEOF_TC_RATESPEC, { cellLog, linklayer: c.linklayer, overhead: c.overhead, cellAlign: -1, mpu: c.mpu, rate: rate32(c.ceil) });
  const tail = o + 2 * C.SIZEOF_TC_RATESPEC;
  w.view.setUint32(tail, c.buffer, HOST_LE);
  w.view.setUint32(tail + 4, c.cbuffer, HOST_LE);
  w.view.setUint32(tail + 8, c.quantum, HOST_LE);
  // level (tail + 12) stays 0: the kernel sets it.
  w.view.setUint32(tail + 16, c.prio, HOST_LE);
  w.nestEnd(parms);
  w.nestEnd(opts);
}

/** The htb class codec (`kind: 'htb'` in `rt.class`). */
export const HTB_CLASS: TcKindCodec<HtbClassChecked> = { kind: 'htb', keys: CLASS_KEYS, check: checkClass, encode: encodeClass };

/** Decode an htb qdisc's TCA_OPTIONS payload, as tc's htb_print_opt reads TCA_HTB_INIT. */
export function decodeHtb(v: DataView, off: number, len: number, path: readonly string[]): HtbOptions {
  const a = attrsOf(v, off, len, path);
  const init = a.get(C.TCA_HTB_INIT);
  if (!init || init[1] < C.SIZEOF_TC_HTB_GLOB) {
    throw new DecodeError('TCA_HTB_INIT missing or shorter than struct tc_htb_glob', path, init ? init[0] : off, C.SIZEOF_TC_HTB_GLOB, init ? init[1] : 0);
  }
  const g = init[0];
  const version = v.getUint32(g, HOST_LE);
  const out: HtbOptions = {
    kind: 'htb',
    r2q: v.getUint32(g + 4, HOST_LE),
    default: v.getUint32(g + 8, HOST_LE),
    directPacketsStat: v.getUint32(g + 16, HOST_LE),
    version: `${version >>> 16}.${version & 0xffff}`,
  };
  const qlen = u32At(v, a.get(C.TCA_HTB_DIRECT_QLEN));
  if (qlen !== undefined) out.directQlen = qlen;
  if (a.has(C.TCA_HTB_OFFLOAD)) out.offload = true;
  return out;
}

/** Decode an htb class's TCA_OPTIONS payload, as tc's htb_print_opt reads TCA_HTB_PARMS. */
export function decodeHtbClass(v: DataView, off: number, len: number, path: readonly string[]): HtbClassOptions {
  const a = attrsOf(v, off, len, path);
  const parms = a.get(C.TCA_HTB_PARMS);
  if (!parms || parms[1] < C.SIZEOF_TC_HTB_OPT) {
    throw new DecodeError('TCA_HTB_PARMS missing or shorter than struct tc_htb_opt', path, parms ? parms[0] : off, C.SIZEOF_TC_HTB_OPT, parms ? parms[1] : 0);
  }
  const p = parms[0];
  const r = readRatespec(v, p);
  const c = readRatespec(v, p + C.SIZEOF_TC_RATESPEC);
  const tail = p + 2 * C.SIZEOF_TC_RATESPEC;
  const rate = u64At(v, a.get(C.TCA_HTB_RATE64)) ?? r.rate;
  const ceil = u64At(v, a.get(C.TCA_HTB_CEIL64)) ?? c.rate;
  return {
    kind: 'htb', rate, ceil,
    burst: xmitSize(rate, v.getUint32(tail, HOST_LE)),
    cburst: xmitSize(ceil, v.getUint32(tail + 4, HOST_LE)),
    quantum: v.getUint32(tail + 8, HOST_LE),
    level: v.getUint32(tail + 12, HOST_LE),
    prio: v.getUint32(tail + 16, HOST_LE),
    mpu: r.mpu, overhead: r.overhead, linklayer: linklayerName(r.linklayer),
  };
}

/** Decode an htb class's TCA_XSTATS payload (struct tc_htb_xstats); undefined when short. */
export function decodeHtbXstats(v: DataView, off: number, len: number): HtbClassXstats | undefined {
  if (len < C.SIZEOF_TC_HTB_XSTATS) return undefined;
  return {
    kind: 'htb',
    lended: v.getUint32(off, HOST_LE),
    borrowed: v.getUint32(off + 4, HOST_LE),
    giants: v.getUint32(off + 8, HOST_LE),
    tokens: v.getInt32(off + 12, HOST_LE),
    ctokens: v.getInt32(off + 16, HOST_LE),
  };
}
