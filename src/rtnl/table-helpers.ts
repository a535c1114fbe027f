/**
 * Helpers to write attribute tables as data: rows from `[CONSTANT_NAME, codec]` pairs,
 * the number looked up in the generated constants (never typed by hand), the key the
 * camelCase of the name after the table prefix.
 * @module
 */
import { AttrTable, HOST_LE, type AttrSpec, type Codec, type CustomCodec, InvalidArgumentError, showValue } from '../netlink/index.js';
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

/** Build an AttrTable named `name` from rows whose constants start with `prefix`. */
export function table(name: string, prefix: string, specs: readonly RowSpec[]): AttrTable {
  const rows: AttrSpec[] = specs.map((s) => {
    const type = consts[s[0]];
    if (type === undefined) throw new Error(`nlkit: unknown constant ${s[0]} (regenerate src/rtnl/constants.ts)`);
    const row: AttrSpec = { type, name: s[0], key: s[2] ?? camel(s[0], prefix), codec: s[1], ...(s[3] ? { multi: true } : {}) };
    return row;
  });
  return new AttrTable(name, rows);
}

/** A u32 (or u8/u16) enum shown as a name: decode to the name (number when unknown), encode either. */
export function enumCodec(size: 1 | 2 | 4, names: Readonly<Record<string, number>>): CustomCodec {
  const byNum = new Map<number, string>();
  for (const [k, v] of Object.entries(names)) byNum.set(v, k);
  return {
    decode(ctx, off, len) {
      if (len < size) return undefined;
      const n = size === 1 ? ctx.buf[off]! : size === 2 ? ctx.view.getUint16(off, HOST_LE) : ctx.view.getUint32(off, HOST_LE);
      return byNum.get(n) ?? n;
    },
    encode(w, type, value) {
      const n = typeof value === 'number' ? value : names[String(value)];
      if (n === undefined || !Number.isInteger(n)) throw new InvalidArgumentError(`attribute ${type}`, `'${String(value)}' is not one of ${Object.keys(names).join(', ')}`);
      if (size === 1) w.putU8(type, n);
      else if (size === 2) w.putU16(type, n);
      else w.putU32(type, n);
    },
  };
}

/** A u8 shown as a boolean. */
export const boolU8: CustomCodec = {
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
export const flagInU8Out: CustomCodec = {
  decode(ctx, off, len) {
    return len >= 1 ? ctx.buf[off] !== 0 : true;
  },
  encode(w, type, value) {
    if (typeof value !== 'boolean') throw new InvalidArgumentError(`attribute ${type}`, `expected a boolean, got ${showValue(value)}`);
    if (value) w.putFlag(type);
  },
};

/** A u32 shown as a boolean. */
export const boolU32: CustomCodec = {
  decode(ctx, off, len) {
    return len >= 4 ? ctx.view.getUint32(off, HOST_LE) !== 0 : undefined;
  },
  encode(w, type, value) {
    if (typeof value !== 'boolean') throw new InvalidArgumentError(`attribute ${type}`, `expected a boolean, got ${showValue(value)}`);
    w.putU32(type, value ? 1 : 0);
  },
};

/** An IPv4 or IPv6 address payload (4 or 16 bytes, network order) as a string. */
export const ipCodec: CustomCodec = {
  decode(ctx, off, len) {
    return formatIp(ctx.buf, off, len);
  },
  encode(w, type, value) {
    w.putBytes(type, parseIp(value, `attribute ${type}`).bytes);
  },
};
