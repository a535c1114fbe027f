/**
 * What every qdisc and class kind codec shares: the codec shape the kind dispatch
 * (kinds/index.ts) holds, struct tc_ratespec as tc fills it, and the checks of the
 * values kinds take.
 * @module
 */
import { HOST_LE, InvalidArgumentError, showValue, walkAttrs, type MessageWriter } from '../../../netlink/index.js';
import * as C from '../../constants.js';
import type { TcHandleInput } from '../handle.js';

/**
 * A qdisc or class kind nlkit encodes: the option keys its spec takes, the check of
 * those options (before anything is sent), and the writer of its TCA_OPTIONS.
 * `Checked` is what the check returns and the writer takes.
 */
export interface TcKindCodec<Checked = unknown> {
  /** TCA_KIND: 'tbf', 'htb', … */
  readonly kind: string;
  /** The spec keys of this kind's options (besides link, parent, handle or classid, kind). */
  readonly keys: ReadonlySet<string>;
  /**
   * Parent and handle the kind implies (ingress and clsact: TC_H_INGRESS and ffff:, as
   * tc sends them); a spec may repeat them but give no others.
   */
  readonly fixed?: { readonly parent: number; readonly handle: number } | undefined;
  /** Check the options of `spec` (a spec of this kind); throws InvalidArgumentError naming the key. */
  check(spec: Readonly<Record<string, unknown>>): Checked;
  /** Write TCA_OPTIONS for `checked` (or nothing, for a kind without options). */
  encode(w: MessageWriter, checked: Checked): void;
}

/**
 * A kind codec whose checked type is not known here (the dispatch table's element type;
 * `check` and `encode` are methods, so a TcKindCodec<X> is one).
 */
export type AnyTcKindCodec = TcKindCodec<unknown>;

/** The link layer a rate is computed for (TC_LINKLAYER_*), as `tc … linklayer L` names it. */
export type TcLinklayer = 'ethernet' | 'atm';

/** `linklayer` words tc reads (get_linklayer: 'adsl' is atm too), and the numbers they stand for. */
const LINKLAYERS: Readonly<Record<string, number>> = { ethernet: C.TC_LINKLAYER_ETHERNET, atm: C.TC_LINKLAYER_ATM, adsl: C.TC_LINKLAYER_ATM };

/** The name of a TC_LINKLAYER_* as tc prints it (sprint_linklayer): 'unspec', 'ethernet', 'atm' or 'unknown'. */
export function linklayerName(n: number): string {
  switch (n & C.TC_LINKLAYER_MASK) {
    case C.TC_LINKLAYER_UNAWARE: return 'unspec';
    case C.TC_LINKLAYER_ETHERNET: return 'ethernet';
    case C.TC_LINKLAYER_ATM: return 'atm';
    default: return 'unknown';
  }
}

/** A `linklayer` option: 'ethernet' (the default, as tc assumes it) or 'atm' ('adsl'). */
export function checkLinklayer(v: unknown, arg: string): number {
  if (v === undefined) return C.TC_LINKLAYER_ETHERNET;
  if (typeof v === 'string' && Object.prototype.hasOwnProperty.call(LINKLAYERS, v)) return LINKLAYERS[v]!;
  throw new InvalidArgumentError(arg, `expected 'ethernet' or 'atm' ('adsl'), got ${showValue(v)}`);
}

/** An integer option in `min..max` (undefined: `dflt`). */
export function optInt(v: unknown, arg: string, min: number, max: number, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new InvalidArgumentError(arg, `expected an integer in ${min}..${max}, got ${showValue(v)}`);
  return v;
}

/** A size option that must fit a u16 field of struct tc_ratespec (mpu). */
export function checkU16Size(bytes: number, arg: string, given: unknown): number {
  if (bytes > 0xffff) throw new InvalidArgumentError(arg, `${showValue(given)} is more than 65535 bytes, the most struct tc_ratespec holds`);
  return bytes;
}

/** struct tc_ratespec, the fields tc fills. */
export interface Ratespec {
  /** log2 of the rate table's cell size. */
  cellLog: number;
  /** TC_LINKLAYER_*. */
  linklayer: number;
  /** Bytes added to each packet's size. */
  overhead: number;
  /** The rate table's cell alignment (tc sends -1). */
  cellAlign: number;
  /** Minimum packet unit: smaller packets count as this many bytes. */
  mpu: number;
  /** Bytes per second, capped at 2^32-1 (the full rate goes in a *_RATE64 attribute). */
  rate: number;
}

/**
 * The rate table's cell size as tc_calc_rtable picks it for `mtu` (0: 2047): the
 * smallest power of two that puts the MTU in 256 cells.
 */
export function cellLogFor(mtu: number): number {
  const m = mtu === 0 ? 2047 : mtu;
  let cellLog = 0;
  while (m >>> cellLog > 255) cellLog++;
  return cellLog;
}

/** A 64-bit rate as struct tc_ratespec holds it: capped at 2^32-1, as tc caps it. */
export function rate32(rate: number): number {
  return rate >= 0x100000000 ? 0xffffffff : rate;
}

/** Write struct tc_ratespec at byte `o` of `w`'s buffer. */
export function putRatespec(w: MessageWriter, o: number, r: Ratespec): void {
  const v = w.view;
  v.setUint8(o, r.cellLog);
  v.setUint8(o + 1, r.linklayer);
  v.setUint16(o + 2, r.overhead, HOST_LE);
  v.setInt16(o + 4, r.cellAlign, HOST_LE);
  v.setUint16(o + 6, r.mpu, HOST_LE);
  v.setUint32(o + 8, r.rate, HOST_LE);
}

/** Read struct tc_ratespec at byte `o`. */
export function readRatespec(v: DataView, o: number): Ratespec {
  return {
    cellLog: v.getUint8(o),
    linklayer: v.getUint8(o + 1),
    overhead: v.getUint16(o + 2, HOST_LE),
    cellAlign: v.getInt16(o + 4, HOST_LE),
    mpu: v.getUint16(o + 6, HOST_LE),
    rate: v.getUint32(o + 8, HOST_LE),
  };
}

/**
 * The attributes in `[off, off+len)`: type → [payload offset, payload length] of the
 * first of each type. A malformed attribute throws DecodeError naming `path`.
 */
export function attrsOf(v: DataView, off: number, len: number, path: readonly string[]): Map<number, [number, number]> {
  const m = new Map<number, [number, number]>();
  walkAttrs(v, off, off + len, path, (type, vo, vl) => {
    if (!m.has(type)) m.set(type, [vo, vl]);
  });
  return m;
}

/** A u64 attribute's value as a number (rates: exact below 2^53). */
export function u64At(v: DataView, a: [number, number] | undefined): number | undefined {
  return a && a[1] >= 8 ? Number(v.getBigUint64(a[0], HOST_LE)) : undefined;
}

/** A u32 attribute's value. */
export function u32At(v: DataView, a: [number, number] | undefined): number | undefined {
  return a && a[1] >= 4 ? v.getUint32(a[0], HOST_LE) : undefined;
}

/**
 * What every qdisc spec has: the device, and where the qdisc goes. A spec is one of the
 * kinds' specs (TbfSpec, HtbSpec, …), told apart by `kind`.
 */
export interface QdiscSpecBase {
  /** The device: name or ifindex (`dev DEV`). Required. */
  readonly link: string | number;
  /**
   * Where the qdisc goes: 'root' (`root`), a class of another qdisc ('1:10'; `parent
   * 1:10`), or the 32-bit number. Defaults to 'root'; ingress and clsact imply their own.
   */
  readonly parent?: TcHandleInput | undefined;
  /**
   * The qdisc's handle: a major only, '1:' or 0x10000 (`handle 1:`). Defaults to one the
   * kernel picks (8001:, 8002:, …); ingress and clsact imply ffff:.
   */
  readonly handle?: TcHandleInput | undefined;
}
