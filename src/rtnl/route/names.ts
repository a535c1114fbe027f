/**
 * Names for the numbers routes, addresses and rules share — routing tables, route
 * types, protocols, scopes — spelt as `ip` prints and accepts them. Every number comes
 * from the generated constants; the names are the constants' own, lowercased, with
 * iproute2's few renamings ('global' for RT_SCOPE_UNIVERSE).
 * @module
 */
import { InvalidArgumentError, showValue } from '../../netlink/index.js';
import * as C from '../constants.js';

/** Reverse a name map: number → first name. */
export function reverse(names: Readonly<Record<string, number>>): Map<number, string> {
  const m = new Map<number, string>();
  for (const [k, v] of Object.entries(names)) if (!m.has(v)) m.set(v, k);
  return m;
}

// The three tables below are written out rather than found by scanning the generated
// constants' ~1200 names at import: every process paid for that scan at start-up, a
// CNI plugin on every run. Their keys are in the order that scan gave (the
// module namespace's: by constant name), which error messages listing the names show;
// test/rtnl/names.test.ts holds each table equal to the scan, order included, so none
// can go missing or move.

/** Route types (RTN_*): unicast, local, broadcast, anycast, multicast, blackhole, unreachable, prohibit, throw, nat, xresolve. */
export const ROUTE_TYPES: Readonly<Record<string, number>> = {
  anycast: C.RTN_ANYCAST, blackhole: C.RTN_BLACKHOLE, broadcast: C.RTN_BROADCAST, local: C.RTN_LOCAL,
  multicast: C.RTN_MULTICAST, nat: C.RTN_NAT, prohibit: C.RTN_PROHIBIT, throw: C.RTN_THROW, unicast: C.RTN_UNICAST,
  unreachable: C.RTN_UNREACHABLE, xresolve: C.RTN_XRESOLVE,
};
/** Route protocols (RTPROT_*): kernel, boot, static, dhcp, bgp, … ('unspec' is 0). */
export const ROUTE_PROTOCOLS: Readonly<Record<string, number>> = {
  babel: C.RTPROT_BABEL, bgp: C.RTPROT_BGP, bird: C.RTPROT_BIRD, boot: C.RTPROT_BOOT, dhcp: C.RTPROT_DHCP,
  dnrouted: C.RTPROT_DNROUTED, eigrp: C.RTPROT_EIGRP, gated: C.RTPROT_GATED, isis: C.RTPROT_ISIS,
  keepalived: C.RTPROT_KEEPALIVED, kernel: C.RTPROT_KERNEL, mrouted: C.RTPROT_MROUTED, mrt: C.RTPROT_MRT,
  ntk: C.RTPROT_NTK, openr: C.RTPROT_OPENR, ospf: C.RTPROT_OSPF, ra: C.RTPROT_RA, redirect: C.RTPROT_REDIRECT,
  rip: C.RTPROT_RIP, static: C.RTPROT_STATIC, unspec: C.RTPROT_UNSPEC, xorp: C.RTPROT_XORP, zebra: C.RTPROT_ZEBRA,
};
/** Scopes (RT_SCOPE_*), as `ip` names them: global, site, link, host, nowhere. */
export const SCOPES: Readonly<Record<string, number>> = {
  host: C.RT_SCOPE_HOST, link: C.RT_SCOPE_LINK, nowhere: C.RT_SCOPE_NOWHERE, site: C.RT_SCOPE_SITE,
  global: C.RT_SCOPE_UNIVERSE,
};
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
  if (typeof v === 'string' && /^[0-9]{1,10}$/.test(v)) {
    // `ip` reads '010' as octal (table 8): a leading zero is refused rather than read otherwise.
    if (v.length > 1 && v[0] === '0') throw new InvalidArgumentError(arg, `table '${v}' has a leading zero (ip would read it as octal); give a number`);
    v = Number(v);
  }
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 1 || v > 0xffffffff) throw new InvalidArgumentError(arg, `table id must be an integer in 1..4294967295, got ${showValue(v)}`);
    return v;
  }
  if (typeof v === 'string' && Object.prototype.hasOwnProperty.call(TABLES, v)) return TABLES[v]!;
  throw new InvalidArgumentError(arg, `unknown table ${showValue(v)} (expected 'main', 'local', 'default' or a number)`);
}

/** The 8-bit header field for a table id: the id itself below 256, else RT_TABLE_UNSPEC (the id goes in the u32 attribute). */
export function tableByte(id: number): number {
  return id < 256 ? id : C.RT_TABLE_UNSPEC;
}
