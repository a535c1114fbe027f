/**
 * Names for the numbers routes, addresses and rules share — routing tables, route
 * types, protocols, scopes — spelt as `ip` prints and accepts them. Every number comes
 * from the generated constants; the names are the constants' own, lowercased, with
 * iproute2's few renamings ('global' for RT_SCOPE_UNIVERSE).
 * @module
 */
import { InvalidArgumentError } from '../../netlink/index.js';
import * as C from '../constants.js';

const consts = C as unknown as Record<string, number>;

/** name → number for every generated constant `PREFIX_NAME` (name lowercased), minus `skip`. */
function namesOf(prefix: string, skip: readonly string[] = [], rename: Readonly<Record<string, string>> = {}): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(consts)) {
    if (!k.startsWith(prefix) || typeof v !== 'number') continue;
    const raw = k.slice(prefix.length);
    if (skip.includes(raw)) continue;
    out[rename[raw] ?? raw.toLowerCase()] = v;
  }
  return out;
}

/** Reverse a name map: number → first name. */
export function reverse(names: Readonly<Record<string, number>>): Map<number, string> {
  const m = new Map<number, string>();
  for (const [k, v] of Object.entries(names)) if (!m.has(v)) m.set(v, k);
  return m;
}

/** Route types (RTN_*): unicast, local, broadcast, anycast, multicast, blackhole, unreachable, prohibit, throw, nat, xresolve. */
export const ROUTE_TYPES: Readonly<Record<string, number>> = namesOf('RTN_', ['UNSPEC']);
/** Route protocols (RTPROT_*): kernel, boot, static, dhcp, bgp, … ('unspec' is 0). */
export const ROUTE_PROTOCOLS: Readonly<Record<string, number>> = namesOf('RTPROT_');
/** Scopes (RT_SCOPE_*), as `ip` names them: global, site, link, host, nowhere. */
export const SCOPES: Readonly<Record<string, number>> = namesOf('RT_SCOPE_', [], { UNIVERSE: 'global' });
/** The routing tables with names: main, local, default. */
export const TABLES: Readonly<Record<string, number>> = { main: C.RT_TABLE_MAIN, local: C.RT_TABLE_LOCAL, default: C.RT_TABLE_DEFAULT };

const typeByNum = reverse(ROUTE_TYPES);
const protoByNum = reverse(ROUTE_PROTOCOLS);
const scopeByNum = reverse(SCOPES);
const tableByNum = reverse(TABLES);

/** A route type by name; unknown numbers as numbers. */
export type RouteType = 'unicast' | 'local' | 'broadcast' | 'anycast' | 'multicast' | 'blackhole' | 'unreachable' | 'prohibit' | 'throw' | 'nat' | 'xresolve';
/** A scope by name. */
export type Scope = 'global' | 'site' | 'link' | 'host' | 'nowhere';
/** A routing table: 'main', 'local', 'default' or its number (1..4294967295). */
export type TableRef = 'main' | 'local' | 'default' | number;

/** RTN_* → name (number when unnamed). */
export function typeName(n: number): RouteType | number {
  return (typeByNum.get(n) as RouteType | undefined) ?? n;
}
/** RTPROT_* → name (number when unnamed). */
export function protocolName(n: number): string | number {
  return protoByNum.get(n) ?? n;
}
/** RT_SCOPE_* → name (number when unnamed). */
export function scopeName(n: number): Scope | number {
  return (scopeByNum.get(n) as Scope | undefined) ?? n;
}
/** Table id → 'main' | 'local' | 'default' | number. */
export function tableName(n: number): TableRef {
  return (tableByNum.get(n) as TableRef | undefined) ?? n;
}

/**
 * A table reference: 'main', 'local', 'default', a number 1..4294967295 or its decimal
 * string ('100'). Anything else (a name from /etc/iproute2/rt_tables, which nlkit does
 * not read) is refused.
 */
export function checkTable(v: unknown, arg = 'table'): number {
  if (typeof v === 'string' && /^[0-9]{1,10}$/.test(v)) v = Number(v);
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 1 || v > 0xffffffff) throw new InvalidArgumentError(arg, `table id must be an integer in 1..4294967295, got ${v}`);
    return v;
  }
  if (typeof v === 'string' && Object.prototype.hasOwnProperty.call(TABLES, v)) return TABLES[v]!;
  throw new InvalidArgumentError(arg, `unknown table ${typeof v === 'string' ? `'${v}'` : String(v)} (expected 'main', 'local', 'default' or a number)`);
}

/** The 8-bit header field for a table id: the id itself below 256, else RT_TABLE_UNSPEC (the id goes in the u32 attribute). */
export function tableByte(id: number): number {
  return id < 256 ? id : C.RT_TABLE_UNSPEC;
}
