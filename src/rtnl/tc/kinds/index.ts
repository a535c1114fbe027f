/**
 * The one place that picks a qdisc's or class's kind codec: the kinds nlkit encodes
 * (tbf, htb, pfifo, bfifo, ingress, clsact, fq_codel; htb classes), and the decoders
 * of the options the kernel reports (those, and pfifo_fast, noqueue, mq). Any other
 * kind's options come back raw, as `{ kind: 'other', raw }`.
 * @module
 */
import { copyBytes } from '../../../netlink/index.js';
import { TBF, decodeTbf, type TbfSpec, type TbfOptions } from './tbf.js';
import { HTB, HTB_CLASS, decodeHtb, decodeHtbClass, decodeHtbXstats, type HtbSpec, type HtbOptions, type HtbClassSpec, type HtbClassOptions, type HtbClassXstats } from './htb.js';
import { PFIFO, BFIFO, decodeFifo, type PfifoSpec, type BfifoSpec, type FifoOptions } from './fifo.js';
import { INGRESS, type IngressSpec, type IngressOptions } from './ingress.js';
import { CLSACT, type ClsactSpec, type ClsactOptions } from './clsact.js';
import { FQ_CODEL, type FqCodelSpec } from './fq_codel.js';
import { decodePfifoFast, type PfifoFastOptions } from './pfifo_fast.js';
import type { NoqueueOptions } from './noqueue.js';
import type { MqOptions } from './mq.js';
import type { AnyTcKindCodec } from './kind.js';

/** What `rt.qdisc.add` / `replace` / `change` take: one kind's spec, told apart by `kind`. */
export type QdiscSpec = TbfSpec | HtbSpec | PfifoSpec | BfifoSpec | IngressSpec | ClsactSpec | FqCodelSpec;

/** What `rt.class.add` / `replace` / `change` take: one kind's class spec, told apart by `kind` (htb). */
export type TcClassSpec = HtbClassSpec;

/** The qdisc kinds nlkit encodes. */
export type QdiscKind = QdiscSpec['kind'];

/**
 * Options of a kind nlkit does not decode: the kind is the qdisc's or class's own
 * `kind`; `raw` is TCA_OPTIONS' payload (a copy), absent when the kernel sent none.
 */
export interface OtherTcOptions {
  /** Not a kind nlkit decodes. */
  kind: 'other';
  /** TCA_OPTIONS' payload, as the kernel sent it. */
  raw?: Buffer;
}

/** A listed qdisc's options, told apart by `kind` (the qdisc's kind, or 'other'). */
export type QdiscOptions = TbfOptions | HtbOptions | FifoOptions | IngressOptions | ClsactOptions | PfifoFastOptions | NoqueueOptions | MqOptions | OtherTcOptions;

/** A listed class's options, told apart by `kind` (htb, or 'other': tbf's, mq's and other classes). */
export type TcClassOptions = HtbClassOptions | OtherTcOptions;

/** A listed class's extra counters (TCA_XSTATS), told apart by `kind`. */
export type TcClassXstats = HtbClassXstats | { kind: 'other'; raw: Buffer };

/** The qdisc kinds' codecs, by TCA_KIND. */
const QDISC_CODECS: ReadonlyMap<string, AnyTcKindCodec> = new Map<string, AnyTcKindCodec>([
  ['tbf', TBF], ['htb', HTB], ['pfifo', PFIFO], ['bfifo', BFIFO], ['ingress', INGRESS], ['clsact', CLSACT], ['fq_codel', FQ_CODEL],
]);

/** The class kinds' codecs, by TCA_KIND. */
const CLASS_CODECS: ReadonlyMap<string, AnyTcKindCodec> = new Map<string, AnyTcKindCodec>([['htb', HTB_CLASS]]);

/** The qdisc kinds nlkit encodes, for messages. */
export const QDISC_KINDS: readonly string[] = [...QDISC_CODECS.keys()];

/** The class kinds nlkit encodes (those of the classful qdiscs), for messages. */
export const CLASS_KINDS: readonly string[] = [...CLASS_CODECS.keys()];

/** @internal The kind's codec, or undefined for a kind nlkit does not encode. */
export function qdiscCodec(kind: string): AnyTcKindCodec | undefined {
  return QDISC_CODECS.get(kind);
}

/** @internal The class kind's codec, or undefined. */
export function classCodec(kind: string): AnyTcKindCodec | undefined {
  return CLASS_CODECS.get(kind);
}

/** Options with nothing in them, for the kinds that have none. */
const EMPTY_KINDS: ReadonlySet<string> = new Set(['ingress', 'clsact', 'noqueue', 'mq']);

/**
 * A qdisc's options from its TCA_OPTIONS payload (`off`/`len`, or undefined when the
 * kernel sent none), decoded by `kind`.
 */
export function decodeQdiscOptions(kind: string, buf: Buffer, v: DataView, off: number | undefined, len: number, path: readonly string[]): QdiscOptions {
  if (EMPTY_KINDS.has(kind)) return { kind } as IngressOptions | ClsactOptions | NoqueueOptions | MqOptions;
  if (off !== undefined) {
    switch (kind) {
      case 'tbf': return decodeTbf(v, off, len, path);
      case 'htb': return decodeHtb(v, off, len, path);
      case 'pfifo':
      case 'bfifo': return decodeFifo(kind, v, off, len, path);
      case 'pfifo_fast': return decodePfifoFast(v, off, len, path);
    }
  }
  return other(buf, off, len);
}

/** A class's options from its TCA_OPTIONS payload, decoded by its qdisc's kind. */
export function decodeClassOptions(kind: string, buf: Buffer, v: DataView, off: number | undefined, len: number, path: readonly string[]): TcClassOptions {
  if (kind === 'htb' && off !== undefined) return decodeHtbClass(v, off, len, path);
  return other(buf, off, len);
}

/** A class's TCA_XSTATS, decoded by kind (htb), else raw. */
export function decodeClassXstats(kind: string, buf: Buffer, v: DataView, off: number, len: number): TcClassXstats {
  const x = kind === 'htb' ? decodeHtbXstats(v, off, len) : undefined;
  return x ?? { kind: 'other', raw: copyBytes(buf, off, off + len) };
}

function other(buf: Buffer, off: number | undefined, len: number): OtherTcOptions {
  return off === undefined ? { kind: 'other' } : { kind: 'other', raw: copyBytes(buf, off, off + len) };
}

export type { TbfSpec, TbfSpecCommon, TbfOptions } from './tbf.js';
export type { HtbSpec, HtbOptions, HtbClassSpec, HtbClassOptions, HtbClassXstats, ClassSpecBase } from './htb.js';
export type { PfifoSpec, BfifoSpec, FifoOptions } from './fifo.js';
export type { IngressSpec, IngressOptions } from './ingress.js';
export type { ClsactSpec, ClsactOptions } from './clsact.js';
export type { FqCodelSpec } from './fq_codel.js';
export type { PfifoFastOptions } from './pfifo_fast.js';
export type { NoqueueOptions } from './noqueue.js';
export type { MqOptions } from './mq.js';
export type { QdiscSpecBase, TcLinklayer } from './kind.js';
