/**
 * The u32 classifier (`tc filter add … u32 match … flowid … action …`): keys of 32-bit
 * words at offsets from the network header, each compared under a mask. Written as
 * tc's f_u32.c writes it (its pack_key merges keys of one offset, its `match ip`
 * and `match ip6` forms put prefixes and the protocol byte at the IP headers' offsets).
 * @module
 */
import { HOST_LE, InvalidArgumentError, showValue, type CustomCodec, type RawAttribute } from '../../../../netlink/index.js';
import * as C from '../../../constants.js';
import { parsePrefix } from '../../../ip.js';
import { table } from '../../../table-helpers.js';
import { checkInt, checkKeys, checkObject } from '../../../validate.js';
import { actionsCodec, putActions, type Action } from '../../action/index.js';
import { putStruct } from '../../action/kind.js';
import { checkActionsOf, checkClassid, checkClsFlags, classidCodec, clsFlagsCodec, type FilterKindCodec } from './kind.js';

/** A u32 key as a spec gives it: `match u32 VALUE MASK at OFFSET` (tc; `at nexthdr+OFFSET` is `offmask: -1`). */
export interface U32KeySpec {
  /** The 32-bit word to find, as written in the packet read big-endian (0x0a000000 is 10.0.0.0); bits outside `mask` are cleared, as tc clears them. */
  readonly value: number;
  /** Which bits of the word count (0xffffffff all, 0 none). */
  readonly mask: number;
  /** Where the word is, in bytes from the network header: a multiple of 4 (tc refuses others), negative for the link-layer header. Defaults to 0. */
  readonly offset?: number | undefined;
  /** tc's `nexthdr+`: -1 adds the offset of the next header (after a `hashkey`/`offset`); 0 does not. Defaults to 0. */
  readonly offmask?: number | undefined;
}

/**
 * One `match` of a u32 filter: a key ({@link U32KeySpec}), or one of tc's IP forms —
 * `{ src: PREFIX }` / `{ dst: PREFIX }` (`match ip src 10.0.0.0/8`, or `match ip6 src
 * 2001:db8::/32` for an IPv6 prefix: the source or destination address under the
 * prefix's mask), `{ ipProtocol: N }` (`match ip protocol N 0xff`: the IPv4 header's
 * protocol byte), `{ ip6Protocol: N }` (`match ip6 protocol N 0xff`: the IPv6 next
 * header), or a TCP/UDP port ({@link U32PortMatch}). Host bits of a prefix are cleared,
 * as tc clears them.
 */
export type U32Match =
  | U32KeySpec
  | { readonly src: string }
  | { readonly dst: string }
  | { readonly ipProtocol: number }
  | { readonly ip6Protocol: number }
  | U32PortMatch;

/**
 * A TCP/UDP/SCTP port, as tc's `match ip sport PORT MASK` (`ipSport`), `ip dport`
 * (`ipDport`), `ip6 sport` (`ip6Sport`), `ip6 dport` (`ip6Dport`) read it: the 16 bits
 * right after the IP header, which tc (and so nlkit) places as if the header had no
 * options or extension headers — bytes 20/22 from an IPv4 header, 40/42 from an IPv6
 * one. Match the protocol too (`{ ipProtocol: 6 }`), as a port means nothing without it.
 */
export type U32PortMatch =
  | { readonly ipSport: number; readonly mask?: number | undefined }
  | { readonly ipDport: number; readonly mask?: number | undefined }
  | { readonly ip6Sport: number; readonly mask?: number | undefined }
  | { readonly ip6Dport: number; readonly mask?: number | undefined };

/** @internal Where each port form's 16 bits are, in bytes from the network header (f_u32.c's parse_ip / parse_ip6 offsets). */
const PORT_OFFSETS = { ipSport: 20, ipDport: 22, ip6Sport: 40, ip6Dport: 42 } as const;

/** A decoded u32 key (struct tc_u32_key), as `tc -j` prints a `match`. */
export interface U32Key {
  /** The word compared, big-endian (tc's "value", hex). */
  value: number;
  /** The mask (tc's "mask", hex). */
  mask: number;
  /** Offset in bytes from the network header (tc's "off"). */
  offset: number;
  /** -1 for an offset from the next header (tc's `nexthdr+`), else 0 (tc's "offmask"). */
  offmask: number;
}

/** A decoded u32 selector (struct tc_u32_sel). */
export interface U32Selector {
  /** Flags by name: 'terminal' (a match ends the walk: the filter has a classid or actions), 'offset', 'varoffset', 'eat'. */
  flags: string[];
  /** tc_u32_sel.flags raw (TC_U32_*). */
  rawFlags: number;
  /** offshift. */
  offshift: number;
  /** offmask, host order. */
  offmask: number;
  /** off. */
  off: number;
  /** offoff. */
  offoff: number;
  /** hoff. */
  hoff: number;
  /** hmask, host order. */
  hmask: number;
  /** The keys, in order. */
  keys: U32Key[];
}

/** A u32 filter's decoded options (TCA_U32_*). */
export interface U32Options {
  /** TCA_U32_CLASSID: the class a match selects, as tc prints it ('1:1'; tc's "flowid"). */
  classid?: string;
  /** TCA_U32_HASH: the hash table (and bucket) the node is in, as tc prints a u32 handle ('800:'; tc's "key_ht" and "bkt"). */
  hash?: string;
  /** TCA_U32_LINK: the hash table a match goes on to ('1:'). */
  link?: string;
  /** TCA_U32_DIVISOR: buckets of a hash table (on a hash table's entry, tc's `fh 800: ht divisor 1`). */
  divisor?: number;
  /** TCA_U32_SEL: the selector (on a node's entry). */
  sel?: U32Selector;
  /** TCA_U32_ACT: the actions. */
  actions?: Action[];
  /** TCA_U32_FLAGS by name ('skip_hw', 'not_in_hw', …). */
  flags?: string[];
  /** TCA_U32_INDEV: the input device it is limited to. */
  indev?: string;
  /** TCA_U32_POLICE (old-style policer), raw. */
  police?: Buffer;
  /** TCA_U32_PCNT (struct tc_u32_pcnt: hit counters, CONFIG_CLS_U32_PERF), raw. */
  pcnt?: Buffer;
  /** TCA_U32_MARK (struct tc_u32_mark), raw. */
  mark?: Buffer;
  /** TCA_U32_* attributes nlkit does not know, raw. */
  unknown?: RawAttribute[];
}

/** TC_U32_HTID(h), TC_U32_HASH(h), TC_U32_NODE(h) of pkt_cls.h: the masks of a u32 handle's three parts. */
const HTID_MASK = C.TC_U32_ROOT; // 0xFFF00000: the hash table id
const HASH_SHIFT = 12;
const HASH_MASK = 0xff;
const NODE_MASK = 0xfff;

/**
 * A u32 handle as tc reads one (get_u32_handle): 'HTID:HASH:NODE' in hex, each part
 * optional ('800::800', '800:', '1:0:5'), '0x…' for the number, or the number itself.
 */
export function parseU32Handle(v: unknown, arg: string): number {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new InvalidArgumentError(arg, `a u32 handle is a 32-bit unsigned integer, got ${showValue(v)}`);
    return v;
  }
  if (typeof v === 'string') {
    if (/^0x[0-9a-fA-F]{1,8}$/.test(v)) return parseInt(v, 16);
    const m = /^([0-9a-fA-F]{0,3}):([0-9a-fA-F]{0,2})(?::([0-9a-fA-F]{0,3}))?$/.exec(v);
    if (m) {
      const htid = m[1] ? parseInt(m[1], 16) : 0;
      const hash = m[2] ? parseInt(m[2], 16) : 0;
      const node = m[3] ? parseInt(m[3], 16) : 0;
      return ((htid << 20) | (hash << HASH_SHIFT) | node) >>> 0;
    }
  }
  throw new InvalidArgumentError(arg, `expected a u32 handle 'HTID:HASH:NODE' (hex, at most fff:ff:fff; '800::800', '800:'), '0x…' or a number, got ${showValue(v)}`);
}

/** A u32 handle as tc prints it (sprint_u32_handle): '800:', '800::800', '1:2:3', 'none' for 0. */
export function formatU32Handle(h: number): string {
  h >>>= 0;
  if (h === 0) return 'none';
  const htid = (h & HTID_MASK) >>> 20;
  const hash = (h >>> HASH_SHIFT) & HASH_MASK;
  const node = h & NODE_MASK;
  let s = htid ? `${htid.toString(16)}:` : '';
  if (hash) s += hash.toString(16);
  if (node) s += `:${node.toString(16)}`;
  return s;
}

/** A u32 handle attribute (TCA_U32_HASH, TCA_U32_LINK) as tc prints it. */
const u32HandleCodec: CustomCodec<string> = {
  decode(ctx, off, len) {
    return len >= 4 ? formatU32Handle(ctx.view.getUint32(off, HOST_LE)) : undefined;
  },
};

const SEL_FLAGS: ReadonlyArray<readonly [number, string]> = [
  [C.TC_U32_TERMINAL, 'terminal'], [C.TC_U32_OFFSET, 'offset'], [C.TC_U32_VAROFFSET, 'varoffset'], [C.TC_U32_EAT, 'eat'],
];

/** TCA_U32_SEL: struct tc_u32_sel and its keys. */
const selCodec: CustomCodec<U32Selector> = {
  decode(ctx, off, len) {
    if (len < C.SIZEOF_TC_U32_SEL) return undefined;
    const v = ctx.view;
    const rawFlags = ctx.buf[off]!;
    const nkeys = Math.min(ctx.buf[off + 2]!, Math.floor((len - C.SIZEOF_TC_U32_SEL) / C.SIZEOF_TC_U32_KEY));
    const keys: U32Key[] = [];
    for (let i = 0; i < nkeys; i++) {
      const k = off + C.SIZEOF_TC_U32_SEL + i * C.SIZEOF_TC_U32_KEY;
      keys.push({ value: v.getUint32(k + 4, false), mask: v.getUint32(k, false), offset: v.getInt32(k + 8, HOST_LE), offmask: v.getInt32(k + 12, HOST_LE) });
    }
    return {
      flags: SEL_FLAGS.filter(([bit]) => rawFlags & bit).map(([, n]) => n),
      rawFlags,
      offshift: ctx.buf[off + 1]!,
      offmask: v.getUint16(off + 4, false),
      off: v.getUint16(off + 6, HOST_LE),
      offoff: v.getInt16(off + 8, HOST_LE),
      hoff: v.getInt16(off + 10, HOST_LE),
      hmask: v.getUint32(off + 12, false),
      keys,
    };
  },
};

/** TCA_U32_* (TCA_OPTIONS of a u32 filter). */
export const U32_OPTIONS = table('u32', 'TCA_U32_', [
  ['TCA_U32_CLASSID', classidCodec],
  ['TCA_U32_HASH', u32HandleCodec],
  ['TCA_U32_LINK', u32HandleCodec],
  ['TCA_U32_DIVISOR', 'u32'],
  ['TCA_U32_SEL', selCodec],
  ['TCA_U32_POLICE', 'binary'],
  ['TCA_U32_ACT', actionsCodec, 'actions'],
  ['TCA_U32_INDEV', 'strz'],
  ['TCA_U32_PCNT', 'binary'],
  ['TCA_U32_MARK', 'binary'],
  ['TCA_U32_FLAGS', clsFlagsCodec],
  ['TCA_U32_PAD', { decode: () => undefined }],
]);

/** A key as pack_key keeps it: value and mask as the big-endian words, offsets as given. */
interface Key {
  value: number;
  mask: number;
  offset: number;
  offmask: number;
}

/** tc's limit on keys in one selector (f_u32.c's `struct tc_u32_key keys[128]`). */
const MAX_KEYS = 128;

/**
 * tc's pack_key: a key at an offset (and offmask) already used is merged into that key
 * (its value bits must agree where both masks are set); a new key needs an offset that
 * is a multiple of 4. `value` is cleared outside `mask`, as tc clears it.
 */
function packKey(keys: Key[], value: number, mask: number, offset: number, offmask: number, arg: string): void {
  value = (value & mask) >>> 0;
  for (const k of keys) {
    if (k.offset === offset && k.offmask === offmask) {
      if (((value ^ k.value) & mask & k.mask) !== 0) throw new InvalidArgumentError(arg, `contradicts an earlier match of the word at offset ${offset} (no packet can match both)`);
      k.value = (k.value | value) >>> 0;
      k.mask = (k.mask | mask) >>> 0;
      return;
    }
  }
  if (keys.length >= MAX_KEYS) throw new InvalidArgumentError(arg, `a u32 selector holds at most ${MAX_KEYS} keys (tc's limit)`);
  if (offset % 4 !== 0) throw new InvalidArgumentError(arg, `a u32 key's offset is a multiple of 4 (the word it compares is aligned; tc refuses others), got ${offset}`);
  keys.push({ value, mask: mask >>> 0, offset, offmask });
}

/** tc's pack_key8: a byte at `offset`, shifted into its place in the aligned word. */
function packByte(keys: Key[], value: number, offset: number, arg: string): void {
  const shift = 24 - 8 * (offset & 3);
  packKey(keys, (value << shift) >>> 0, (0xff << shift) >>> 0, offset & ~3, 0, arg);
}

/** tc's pack_key16: 16 bits at `offset`, in the high half of the aligned word when the offset is one, else the low half. */
function packHalf(keys: Key[], value: number, mask: number, offset: number, arg: string): void {
  const shift = (offset & 3) === 0 ? 16 : 0;
  packKey(keys, (value << shift) >>> 0, (mask << shift) >>> 0, offset & ~3, 0, arg);
}

/** An IPv4 or IPv6 prefix at the header offset of its family's source (IPv4 12, IPv6 8) or destination (16, 24), as parse_ip_addr / parse_ip6_addr pack it. */
function packPrefix(keys: Key[], v: unknown, which: 'src' | 'dst', arg: string): void {
  const p = parsePrefix(v, arg);
  const b = p.bytes;
  const word = (i: number): number => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
  if (p.family === 4) {
    const mask = p.prefixLen === 0 ? 0 : (0xffffffff << (32 - p.prefixLen)) >>> 0;
    packKey(keys, word(0), mask, which === 'src' ? 12 : 16, 0, arg);
    return;
  }
  const base = which === 'src' ? 8 : 24;
  for (let i = 0; i < p.prefixLen; i += 32) {
    const bits = Math.min(32, p.prefixLen - i);
    packKey(keys, word(i / 8), bits === 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0, base + i / 8, 0, arg);
  }
}

const KEY_KEYS: ReadonlySet<string> = new Set(['value', 'mask', 'offset', 'offmask']);
const FORMS = ['src', 'dst', 'ipProtocol', 'ip6Protocol', 'ipSport', 'ipDport', 'ip6Sport', 'ip6Dport'] as const;
/** The keys of each port form: the port, and its mask. */
const PORT_KEYS = new Map(Object.keys(PORT_OFFSETS).map((f) => [f, new Set([f, 'mask'])]));

/** A spec's `match` as the selector's keys. */
function checkMatch(v: unknown): Key[] {
  if (v === 'all') return [{ value: 0, mask: 0, offset: 0, offmask: 0 }]; // tc's `match u32 0 0`
  if (!Array.isArray(v)) throw new InvalidArgumentError('match', `expected 'all' or an array of matches, got ${showValue(v)}`);
  if (v.length === 0) throw new InvalidArgumentError('match', "an empty match list: give 'all' to match every packet");
  const keys: Key[] = [];
  for (let i = 0; i < v.length; i++) {
    const arg = `match[${i}]`;
    const m = checkObject(v[i] ?? null, arg);
    const form = FORMS.find((f) => m[f] !== undefined);
    if (form !== undefined) {
      checkKeys(m, PORT_KEYS.get(form) ?? new Set([form]), `${arg}.`);
      if (form === 'src' || form === 'dst') packPrefix(keys, m[form], form, `${arg}.${form}`);
      else if (form === 'ipProtocol') packByte(keys, checkInt(m[form], `${arg}.ipProtocol`, 0, 255), 9, `${arg}.ipProtocol`);
      else if (form === 'ip6Protocol') packByte(keys, checkInt(m[form], `${arg}.ip6Protocol`, 0, 255), 6, `${arg}.ip6Protocol`);
      else {
        const port = checkInt(m[form], `${arg}.${form}`, 0, 0xffff);
        const mask = m['mask'] !== undefined ? checkInt(m['mask'], `${arg}.mask`, 0, 0xffff) : 0xffff;
        packHalf(keys, port, mask, PORT_OFFSETS[form], arg);
      }
      continue;
    }
    checkKeys(m, KEY_KEYS, `${arg}.`);
    if (m['value'] === undefined || m['mask'] === undefined) {
      throw new InvalidArgumentError(arg, `a match is { value, mask, offset? }, { src }, { dst }, { ipProtocol }, { ip6Protocol } or a port ({ ipSport }, { ipDport }, { ip6Sport }, { ip6Dport }, each with an optional mask), got ${showValue(v[i])}`);
    }
    const value = checkInt(m['value'], `${arg}.value`, 0, 0xffffffff);
    const mask = checkInt(m['mask'], `${arg}.mask`, 0, 0xffffffff);
    const offset = m['offset'] !== undefined ? checkInt(m['offset'], `${arg}.offset`, -0x80000000, 0x7fffffff) : 0;
    const offmask = m['offmask'] !== undefined ? checkInt(m['offmask'], `${arg}.offmask`, -0x80000000, 0x7fffffff) : 0;
    if (offset % 4 !== 0) throw new InvalidArgumentError(`${arg}.offset`, `a u32 key's offset is a multiple of 4 (the word it compares is aligned; tc refuses others), got ${offset}`);
    packKey(keys, value, mask, offset, offmask, arg);
  }
  return keys;
}

const KEYS: ReadonlySet<string> = new Set(['match', 'classid', 'actions', 'skipHw', 'skipSw']);

/** @internal The u32 classifier's codec. */
export const u32: FilterKindCodec = {
  kind: 'u32',
  keys: KEYS,
  check(s) {
    if (s['match'] === undefined) throw new InvalidArgumentError('match', "a u32 filter needs match: 'all' or the keys to compare");
    const keys = checkMatch(s['match']);
    const classid = s['classid'] !== undefined ? checkClassid(s['classid'], 'classid') : undefined;
    const actions = checkActionsOf(s);
    const flags = checkClsFlags(s);
    // A selector with a classid or actions ends the walk on a match (f_u32.c sets TC_U32_TERMINAL for either).
    const selFlags = classid !== undefined || actions.length > 0 ? C.TC_U32_TERMINAL : 0;
    return {
      actions,
      put(w, ifindexes) {
        // f_u32.c's order for `match … flowid C action …`: classid and actions as read, then the selector, then the flags.
        if (classid !== undefined) w.putU32(C.TCA_U32_CLASSID, classid);
        if (actions.length) putActions(w, C.TCA_U32_ACT, actions, ifindexes);
        const p = putStruct(w, C.TCA_U32_SEL, C.SIZEOF_TC_U32_SEL + keys.length * C.SIZEOF_TC_U32_KEY);
        const v = w.view;
        w.buf[p] = selFlags;
        w.buf[p + 2] = keys.length;
        for (let i = 0; i < keys.length; i++) {
          const k = keys[i]!;
          const o = p + C.SIZEOF_TC_U32_SEL + i * C.SIZEOF_TC_U32_KEY;
          v.setUint32(o, k.mask, false);
          v.setUint32(o + 4, k.value, false);
          v.setInt32(o + 8, k.offset, HOST_LE);
          v.setInt32(o + 12, k.offmask, HOST_LE);
        }
        if (flags) w.putU32(C.TCA_U32_FLAGS, flags);
      },
    };
  },
  parseHandle: parseU32Handle,
  formatHandle: formatU32Handle,
  table: U32_OPTIONS,
};
