// The fuzzer: mutates real kernel messages and feeds them to every decoder. A case
// passes when decoding returns or throws DecodeError; anything else (TypeError,
// RangeError from a read past the message, a hang) is a finding. Each input is an
// exact-size buffer, so a read past the message end cannot go unnoticed: DataView
// and Buffer reads beyond it throw RangeError.
import { decodeMessages, decodeAttributes, DecodeError } from '../../src/index.js';
import { decodeLink } from '../../src/rtnl/link/decode.js';
import { decodeAddr } from '../../src/rtnl/addr/decode.js';
import { decodeRoute } from '../../src/rtnl/route/decode.js';
import { decodeNeigh } from '../../src/rtnl/neigh/decode.js';
import { decodeRule } from '../../src/rtnl/rule/decode.js';
import { decodeFdb } from '../../src/rtnl/fdb/decode.js';
import { decodeBridgeVlans } from '../../src/rtnl/vlan/decode.js';
import { decodeNetconf } from '../../src/rtnl/netconf/decode.js';
import { decodeNsid } from '../../src/rtnl/nsid.js';
import { decodeFamily } from '../../src/genl/genl.js';
import { decodeConntrack } from '../../src/nfnl/conntrack.js';
import { decodeEvent } from '../../src/nfnl/monitor.js';
import type { Captured } from './corpus.js';

type Decoder = (buf: Buffer, view: DataView, off: number, len: number) => unknown;

/** Both decoders of one message type (the AF_BRIDGE ones return undefined for other families, and the plain ones for AF_BRIDGE where they decline it). */
const both = (a: Decoder, b: Decoder): Decoder => (buf, view, off, len) => [a(buf, view, off, len), b(buf, view, off, len)];
const linkAndVlans = both(decodeLink, decodeBridgeVlans);
const neighAndFdb = both(decodeNeigh, decodeFdb);

/** Decoder and fixed-header length by rtnetlink message type. */
const BY_TYPE: Record<number, [Decoder, number]> = {
  16: [linkAndVlans, 16], 17: [linkAndVlans, 16],
  20: [decodeAddr, 8], 21: [decodeAddr, 8],
  24: [decodeRoute, 12], 25: [decodeRoute, 12],
  28: [neighAndFdb, 12], 29: [neighAndFdb, 12],
  32: [decodeRule, 12], 33: [decodeRule, 12],
  80: [decodeNetconf, 4], 81: [decodeNetconf, 4],
  88: [decodeNsid, 4], 89: [decodeNsid, 4],
};

/**
 * Decoder and fixed-header length of the other families' corpus messages, by the
 * corpus's `what` (their message types overlap rtnetlink's: nlctrl's 0x10 is RTM_NEWLINK's).
 */
const BY_WHAT: Record<string, [Decoder, number]> = {
  'genl-family': [decodeFamily, 4], // genlmsghdr
  // nfgenmsg; both decoders of an entry: the dump's and the event monitor's (which reads the type and flags too)
  conntrack: [both(decodeConntrack, decodeEvent), 4],
};

/** The decoder and header length of a message of corpus kind `what`. */
const decoderOf = (what: string | undefined, type: number): [Decoder, number] | undefined => (what !== undefined ? BY_WHAT[what] : undefined) ?? BY_TYPE[type];

/** xorshift32: deterministic, seedable. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** Offsets of every attribute header inside a message (walking nests heuristically). */
function attrOffsets(b: Buffer, start: number, end: number, out: number[], depth = 0): void {
  let off = start;
  while (end - off >= 4 && depth < 6) {
    const len = b.readUInt16LE(off);
    if (len < 4 || off + len > end) return;
    out.push(off);
    if (len > 8) attrOffsets(b, off + 4, off + len, out, depth + 1);
    off += (len + 3) & ~3;
  }
}

const MUTATORS = ['bitflip', 'truncate', 'msglen', 'attrlen', 'nestclaim', 'repeat', 'overwrite', 'splice', 'extend', 'shortlast'] as const;
export type Mutator = (typeof MUTATORS)[number];

/** Make one mutated case from `src` (of corpus kind `what`; and `other` for splices). */
export function mutate(src: Buffer, other: Buffer, r: () => number, what?: string): { bytes: Buffer; how: Mutator } {
  const how = MUTATORS[r() % MUTATORS.length]!;
  let b = Buffer.from(src);
  const hdrLen = (decoderOf(what, b.readUInt16LE(4))?.[1] ?? 4) + 16;
  const attrs: number[] = [];
  attrOffsets(b, Math.min(hdrLen, b.length), b.length, attrs);
  const pickAttr = () => (attrs.length ? attrs[r() % attrs.length]! : Math.min(hdrLen, b.length - 4));
  const special = [0, 1, 3, 4, 5, 0xffff, b.length, b.length + 1, b.length + 4];
  switch (how) {
    case 'bitflip': {
      const n = 1 + (r() % 8);
      for (let i = 0; i < n; i++) b[r() % b.length]! ^= 1 << (r() % 8);
      break;
    }
    case 'truncate':
      b = Buffer.from(b.subarray(0, r() % b.length));
      // Half the time the header agrees with the truncated length (a short but consistent message).
      if (b.length >= 4 && r() % 2) b.writeUInt32LE(b.length, 0);
      break;
    case 'msglen':
      if (b.length >= 4) b.writeUInt32LE(special[r() % special.length]! >>> 0, 0);
      break;
    case 'attrlen': {
      const a = pickAttr();
      if (a + 2 <= b.length) b.writeUInt16LE(special[r() % special.length]! & 0xffff, a);
      break;
    }
    case 'nestclaim': {
      // A nest (or any attribute) claims more than its parent holds.
      const a = pickAttr();
      if (a + 2 <= b.length) b.writeUInt16LE(Math.min(0xffff, b.readUInt16LE(a) + 4 + (r() % 64)), a);
      break;
    }
    case 'repeat': {
      // Repeat an attribute (duplicates must decode or fail cleanly).
      const a = pickAttr();
      if (a + 4 <= b.length) {
        const len = Math.min(b.readUInt16LE(a), b.length - a);
        const seg = b.subarray(a, a + ((len + 3) & ~3));
        b = Buffer.concat([b, seg, seg]);
        b.writeUInt32LE(b.length, 0);
      }
      break;
    }
    case 'overwrite': {
      const at = r() % b.length;
      const n = 1 + (r() % 16);
      for (let i = 0; i < n && at + i < b.length; i++) b[at + i] = r() & 0xff;
      break;
    }
    case 'splice': {
      const cut = r() % b.length;
      const from = other.length ? r() % other.length : 0;
      b = Buffer.concat([b.subarray(0, cut), other.subarray(from)]);
      break;
    }
    case 'shortlast': {
      // A well-framed message whose last attribute is shorter than its type: an attribute
      // cut to its header and the first k bytes of its value, everything after it dropped,
      // and the message and every enclosing nest ending there. A decoder reading the value
      // without checking its length reads past the end (a RangeError on this exact-size
      // buffer) instead of throwing DecodeError; one in the middle would read padding.
      if (attrs.length === 0) break;
      const a = pickAttr();
      const len = b.readUInt16LE(a);
      const k = len > 4 ? r() % Math.min(len - 4, 8) : 0;
      const end = a + 4 + k;
      for (const p of attrs) if (p < a && p + b.readUInt16LE(p) > a) b.writeUInt16LE(end - p, p); // the nests holding it
      b.writeUInt16LE(4 + k, a);
      b = Buffer.from(b.subarray(0, end));
      b.writeUInt32LE(b.length, 0);
      break;
    }
    case 'extend':
      b = Buffer.concat([b, Buffer.from(Array.from({ length: 1 + (r() % 12) }, () => r() & 0xff))]);
      if (r() % 2) b.writeUInt32LE(b.length, 0);
      break;
  }
  return { bytes: b, how };
}

/** Feed one input (of corpus kind `what`) to every decoder that applies. Throws the first non-DecodeError. */
export function decodeAll(bytes: Buffer, what?: string): number {
  let decoded = 0;
  const guard = (fn: () => unknown) => {
    try {
      fn();
      decoded++;
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
    }
  };
  let msgs: ReturnType<typeof decodeMessages> = [];
  guard(() => (msgs = decodeMessages(bytes)));
  for (const m of msgs) {
    // An exact copy of this message alone: reads past it throw RangeError.
    const one = Buffer.alloc(16 + m.payload.length);
    one.writeUInt32LE(one.length, 0);
    one.writeUInt16LE(m.type, 4);
    one.writeUInt16LE(m.flags, 6);
    Buffer.from(m.payload.buffer, m.payload.byteOffset, m.payload.byteLength).copy(one, 16);
    const view = new DataView(one.buffer, one.byteOffset, one.byteLength);
    const d = decoderOf(what, m.type);
    if (d) {
      guard(() => d[0](one, view, 0, one.length));
      if (m.payload.length >= d[1]) guard(() => decodeAttributes(m.payload.subarray(d[1])));
    } else {
      guard(() => decodeAttributes(m.payload));
    }
  }
  return decoded;
}

/** Run `cases` mutations over the corpus. Returns counts; throws on a finding with how to reproduce it. */
export function fuzz(corpus: Captured[], cases: number, seed: number, maxCaseMs = 250): { cases: number; decoded: number; byMutator: Record<string, number>; slowest: number } {
  const bufs = corpus.map((c) => Buffer.from(c.hex, 'hex'));
  const r = rng(seed);
  let decoded = 0;
  let slowest = 0;
  const byMutator: Record<string, number> = {};
  for (let i = 0; i < cases; i++) {
    const i0 = r() % bufs.length;
    const src = bufs[i0]!;
    const other = bufs[r() % bufs.length]!;
    const what = corpus[i0]!.what;
    const { bytes, how } = mutate(src, other, r, what);
    byMutator[how] = (byMutator[how] ?? 0) + 1;
    const t0 = performance.now();
    try {
      decoded += decodeAll(bytes, what);
    } catch (e) {
      const err = new Error(`fuzz finding at case ${i} (seed ${seed}, ${what} message, mutator ${how}): ${(e as Error)?.stack ?? e}\ninput: ${bytes.toString('hex')}`);
      throw err;
    }
    let ms = performance.now() - t0;
    if (ms > maxCaseMs) {
      // Decoding is deterministic: an input that makes a decoder loop or blow up is slow
      // every time, while a case that met a major GC or lost its CPU to other processes
      // (a full test run beside other work: 303 ms once, 48-88 ms alone) is not. Timed again.
      const t1 = performance.now();
      decodeAll(bytes, what);
      ms = performance.now() - t1;
    }
    if (ms > slowest) slowest = ms;
    if (ms > maxCaseMs) throw new Error(`fuzz case ${i} (seed ${seed}, mutator ${how}) took ${ms.toFixed(1)} ms (limit ${maxCaseMs}), twice\ninput: ${bytes.toString('hex')}`);
  }
  return { cases, decoded, byMutator, slowest };
}
