/**
 * pfifo and bfifo (net/sched/sch_fifo.c): one queue, limited in packets (pfifo) or bytes
 * (bfifo). Encoded as `tc qdisc add … pfifo|bfifo [limit L]` sends it (tc/q_fifo.c):
 * struct tc_fifo_qopt as TCA_OPTIONS itself, only when a limit is given.
 * @module
 */
import { DecodeError, HOST_LE, type MessageWriter } from '../../../netlink/index.js';
import * as C from '../../constants.js';
import { parseTcSize, type TcSize } from '../units.js';
import { optInt, type QdiscSpecBase, type TcKindCodec } from './kind.js';

/**
 * A pfifo qdisc for `rt.qdisc.add`: a queue of at most `limit` packets.
 *
 * Equivalent to: `tc qdisc add dev DEV … pfifo [limit PACKETS]`.
 * @example
 * { link: 'eth0', parent: '1:10', handle: '10:', kind: 'pfifo', limit: 50 }
 */
export interface PfifoSpec extends QdiscSpecBase {
  /** Packet-limited first in, first out (`pfifo`). */
  readonly kind: 'pfifo';
  /** Packets the queue holds (`limit PACKETS`). Defaults to the device's txqueuelen. */
  readonly limit?: number | undefined;
}

/**
 * A bfifo qdisc for `rt.qdisc.add`: a queue of at most `limit` bytes.
 *
 * Equivalent to: `tc qdisc add dev DEV … bfifo [limit BYTES]`.
 * @example
 * { link: 'eth0', kind: 'bfifo', limit: '10kb' }
 */
export interface BfifoSpec extends QdiscSpecBase {
  /** Byte-limited first in, first out (`bfifo`). */
  readonly kind: 'bfifo';
  /** Bytes the queue holds: a number or tc's size text ('10kb') (`limit BYTES`). Defaults to txqueuelen × the device MTU. */
  readonly limit?: TcSize | undefined;
}

/** A pfifo's or bfifo's options as the kernel reports them (`tc -j qdisc show`'s "options"). */
export interface FifoOptions {
  /** The kind these options are of. */
  kind: 'pfifo' | 'bfifo';
  /** The limit: packets for pfifo, bytes for bfifo (tc -j "limit"). */
  limit: number;
}

const KEYS: ReadonlySet<string> = new Set(['limit']);

/** The pfifo codec (`kind: 'pfifo'`). */
export const PFIFO: TcKindCodec<number | undefined> = {
  kind: 'pfifo', keys: KEYS,
  check: (s) => (s['limit'] !== undefined ? optInt(s['limit'], 'limit', 0, 0xffffffff, 0) : undefined),
  encode: putLimit,
};

/** The bfifo codec (`kind: 'bfifo'`). */
export const BFIFO: TcKindCodec<number | undefined> = {
  kind: 'bfifo', keys: KEYS,
  check: (s) => (s['limit'] !== undefined ? parseTcSize(s['limit'], 'limit') : undefined),
  encode: putLimit,
};

/** TCA_OPTIONS holding struct tc_fifo_qopt, when a limit was given (tc sends nothing otherwise). */
function putLimit(w: MessageWriter, limit: number | undefined): void {
  if (limit === undefined) return;
  const a = w.nestStart(C.TCA_OPTIONS, false);
  const o = w.reserve(C.SIZEOF_TC_FIFO_QOPT);
  w.view.setUint32(o, limit, HOST_LE);
  w.nestEnd(a);
}

/** Decode a pfifo's or bfifo's TCA_OPTIONS payload (struct tc_fifo_qopt). */
export function decodeFifo(kind: 'pfifo' | 'bfifo', v: DataView, off: number, len: number, path: readonly string[]): FifoOptions {
  if (len < C.SIZEOF_TC_FIFO_QOPT) throw new DecodeError('TCA_OPTIONS shorter than struct tc_fifo_qopt', path, off, C.SIZEOF_TC_FIFO_QOPT, len);
  return { kind, limit: v.getUint32(off, HOST_LE) };
}
