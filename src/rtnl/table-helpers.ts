/**
 * Helpers to write attribute tables as data: rows from `[CONSTANT_NAME, codec]` pairs,
 * the number looked up in the generated constants (never typed by hand), the key the
 * camelCase of the name after the table prefix.
 * @module
 */
import { AttrTable, HOST_LE, type AttrSpec, type Codec, type CustomCodec, type RawAttribute, InvalidArgumentError, showValue } from '../netlink/index.js';
import { CONSTANTS } from './constants.js';
import { formatIp, parseIp } from './ip.js';

const consts: Readonly<Record<string, number | undefined>> = CONSTANTS;

/** 'IFLA_BR_FORWARD_DELAY' with prefix 'IFLA_BR_' → 'forwardDelay'. */
export function camel(name: string, prefix: string): string {
  const rest = name.startsWith(prefix) ? name.slice(prefix.length) : name;
  return rest.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** A row spec: [constant name, codec] or [constant name, codec, key override, multi]. */
export type RowSpec = readonly [string, Codec] | readonly [string, Codec, string] | readonly [string, Codec, string, boolean];

/** 'FORWARD_DELAY' → 'ForwardDelay' (every word capitalised): the tail of {@link Camel}. */
type CamelTail<S extends string> = S extends `${infer H}_${infer T}` ? `${Capitalize<Lowercase<H>>}${CamelTail<T>}` : Capitalize<Lowercase<S>>;
/** {@link camel} at the type level: 'FORWARD_DELAY' → 'forwardDelay'. */
export type Camel<S extends string> = S extends `${infer H}_${infer T}` ? `${Lowercase<H>}${CamelTail<T>}` : Lowercase<S>;

/** What a codec decodes to. */
export type CodecOut<C> = C extends 'u8' | 'u16' | 'u32' | 's32' | 'be16' | 'be32' ? number
  : C extends 'u64' ? bigint
  : C extends 'strz' | 'string' | 'mac' ? string
  : C extends 'binary' ? Buffer
  : C extends 'flag' ? boolean
  : C extends AttrTable<infer S, object> ? S
  : C extends CustomCodec<infer O, unknown> ? O
  : unknown;

/** What a codec encodes (the value checks in attrs.ts's encodeValue and the custom codecs accept it). */
export type CodecIn<C> = C extends 'u8' | 'u16' | 'u32' | 's32' | 'be16' | 'be32' ? number
  : C extends 'u64' ? number | bigint
  : C extends 'strz' | 'string' ? string
  : C extends 'mac' ? string | Uint8Array
  : C extends 'binary' ? Uint8Array
  : C extends 'flag' ? boolean
  : C extends AttrTable<object, infer I> ? I
  : C extends CustomCodec<unknown, infer I> ? I
  : unknown;

/** The key of a row: its override, else the camelCase of its name after the table prefix. */
type RowKey<Row, P extends string> = Row extends readonly [string, Codec, infer K extends string, ...unknown[]] ? K
  : Row extends readonly [infer N extends string, ...unknown[]] ? Camel<N extends `${P}${infer Rest}` ? Rest : N>
  : never;
type RowOut<Row> = Row extends readonly [string, infer C, string, true] ? CodecOut<C>[] : Row extends readonly [string, infer C, ...unknown[]] ? CodecOut<C> : never;
type RowIn<Row> = Row extends readonly [string, infer C, string, true] ? CodecIn<C> | readonly CodecIn<C>[] : Row extends readonly [string, infer C, ...unknown[]] ? CodecIn<C> : never;

/** The object a table of rows `R` (prefix `P`) decodes to: every key optional, attributes it does not know raw in `unknown`; encode-only rows (a codec decoding to `never`) left out. */
export type TableShape<P extends string, R extends readonly RowSpec[]> = { -readonly [Row in R[number] as [RowOut<Row>] extends [never] ? never : RowKey<Row, P>]?: RowOut<Row> } & { unknown?: RawAttribute[] };
/** The object a table of rows `R` (prefix `P`) encodes: every key optional; read-only rows (a codec without encode, typed `In = never`) left out. */
export type TableInput<P extends string, R extends readonly RowSpec[]> = { readonly [Row in R[number] as [RowIn<Row>] extends [never] ? never : RowKey<Row, P>]?: RowIn<Row> | undefined };

/** The decoded object type of a table made by {@link table}. */
export type ShapeOf<T> = T extends AttrTable<infer S, object> ? S : never;
/** The encode input type of a table made by {@link table}. */
export type InputOf<T> = T extends AttrTable<object, infer I> ? I : never;

/**
 * Build an AttrTable named `name` from rows whose constants start with `prefix`. Its
 * type carries the decoded object's type and the encode input's, derived from the rows
 * (keys as {@link camel} makes them; values from the codecs): see {@link ShapeOf}.
 */
export function table<const P extends string, const R extends readonly RowSpec[]>(name: string, prefix: P, specs: R): AttrTable<TableShape<P, R>, TableInput<P, R>> {
  const rows: AttrSpec[] = specs.map((s) => {
    const type = consts[s[0]];
    if (type === undefined) throw new Error(`nlkit: unknown constant ${s[0]} (regenerate src/rtnl/constants.ts)`);
    const row: AttrSpec = { type, name: s[0], key: s[2] ?? camel(s[0], prefix), codec: s[1], ...(s[3] ? { multi: true } : {}) };
    return row;
  });
  return new AttrTable<TableShape<P, R>, TableInput<P, R>>(name, rows);
}

/** A u32 (or u8/u16) enum shown as a name: decode to the name (number when unknown), encode either. */
export function enumCodec<const N extends Readonly<Record<string, number>>>(size: 1 | 2 | 4, names: N): CustomCodec<(keyof N & string) | number> {
  const byNum = new Map<number, keyof N & string>();
  for (const [k, v] of Object.entries(names)) byNum.set(v, k);
  const max = size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff;
  return {
    decode(ctx, off, len) {
      if (len < size) return undefined;
      const n = size === 1 ? ctx.buf[off]! : size === 2 ? ctx.view.getUint16(off, HOST_LE) : ctx.view.getUint32(off, HOST_LE);
      return byNum.get(n) ?? n;
    },
    encode(w, type, value) {
      const n = typeof value === 'number' ? value : names[String(value)];
      if (n === undefined || !Number.isInteger(n)) throw new InvalidArgumentError(`attribute ${type}`, `'${String(value)}' is not one of ${Object.keys(names).join(', ')}`);
      // Written as is, a wider number would be cut to its low bits (256 sent as 0).
      if (n < 0 || n > max) throw new InvalidArgumentError(`attribute ${type}`, `${n} is not one of ${Object.keys(names).join(', ')} nor a number in 0..${max}`);
      if (size === 1) w.putU8(type, n);
      else if (size === 2) w.putU16(type, n);
      else w.putU32(type, n);
    },
  };
}

/** A u8 shown as a boolean. */
export const boolU8: CustomCodec<boolean> = {
  decode(ctx, off, len) {
    return len >= 1 ? ctx.buf[off] !== 0 : undefined;
  },
  encode(w, type, value) {
    if (typeof value !== 'boolean') throw new InvalidArgumentError(`attribute ${type}`, `expected a boolean, got ${showValue(value)}`);
    w.putU8(type, value ? 1 : 0);
  },
};

/**
 * A flag the kernel takes as NLA_FLAG but reports as a u8 0/1 (IFLA_VXLAN_TTL_INHERIT):
 * written as a flag when true (nothing when false), read from its byte (an attribute
 * without a payload counts as set).
 */
export const flagInU8Out: CustomCodec<boolean> = {
  decode(ctx, off, len) {
    return len >= 1 ? ctx.buf[off] !== 0 : true;
  },
  encode(w, type, value) {
    if (typeof value !== 'boolean') throw new InvalidArgumentError(`attribute ${type}`, `expected a boolean, got ${showValue(value)}`);
    if (value) w.putFlag(type);
  },
};

/** A u32 shown as a boolean. */
export const boolU32: CustomCodec<boolean> = {
  decode(ctx, off, len) {
    return len >= 4 ? ctx.view.getUint32(off, HOST_LE) !== 0 : undefined;
  },
  encode(w, type, value) {
    if (typeof value !== 'boolean') throw new InvalidArgumentError(`attribute ${type}`, `expected a boolean, got ${showValue(value)}`);
    w.putU32(type, value ? 1 : 0);
  },
};

/** An IPv4 or IPv6 address payload (4 or 16 bytes, network order) as a string. */
export const ipCodec: CustomCodec<string> = {
  decode(ctx, off, len) {
    return formatIp(ctx.buf, off, len);
  },
  encode(w, type, value) {
    w.putBytes(type, parseIp(value, `attribute ${type}`).bytes);
  },
};

/** A bit of a {@link flagsCodec} set: one of its names, or the hex of bits it has no name for ('0x10000'). */
export type FlagName<N> = (keyof N & string) | `0x${string}`;

/**
 * A bit set (u16 or u32, host order or big-endian) shown as the names of its bits in
 * the order of `names` (`['key', 'seq']`), bits without a name as one hex string
 * ('0x10000'); encoded from such a list, hex entries included, so a decoded value
 * round-trips. An unknown name, or hex beyond the width, is an InvalidArgumentError.
 */
export function flagsCodec<const N extends Readonly<Record<string, number>>>(size: 2 | 4, bigEndian: boolean, names: N): CustomCodec<FlagName<N>[], readonly FlagName<N>[]> {
  const entries = Object.entries(names);
  const max = size === 2 ? 0xffff : 0xffffffff;
  const read = (v: DataView, off: number): number => (size === 2 ? v.getUint16(off, !bigEndian && HOST_LE) : v.getUint32(off, !bigEndian && HOST_LE));
  return {
    decode(ctx, off, len) {
      if (len < size) return undefined;
      let f = read(ctx.view, off);
      const out: FlagName<N>[] = [];
      for (const [name, bit] of entries) {
        if (bit !== 0 && ((f & bit) >>> 0) === bit) {
          out.push(name as FlagName<N>);
          f = (f & ~bit) >>> 0;
        }
      }
      if (f !== 0) out.push(`0x${f.toString(16)}`);
      return out;
    },
    encode(w, type, value) {
      const arg = `attribute ${type}`; // renamed to the option's key by the table
      if (!Array.isArray(value)) throw new InvalidArgumentError(arg, `expected a list of flags (${entries.map(([k]) => k).join(', ')}), got ${showValue(value)}`);
      let f = 0;
      for (const v of value as unknown[]) {
        const bit = typeof v === 'string' ? (names as Record<string, number | undefined>)[v] ?? (/^0x[0-9a-f]{1,8}$/i.test(v) ? Number(v) : undefined) : undefined;
        if (bit === undefined || bit > max) throw new InvalidArgumentError(arg, `${showValue(v)} is not one of ${entries.map(([k]) => k).join(', ')} (or the hex of bits within ${size * 8})`);
        f = (f | bit) >>> 0;
      }
      if (size === 2) {
        if (bigEndian) w.putBe16(type, f);
        else w.putU16(type, f);
      } else if (bigEndian) w.putBe32(type, f);
      else w.putU32(type, f);
    },
  };
}
