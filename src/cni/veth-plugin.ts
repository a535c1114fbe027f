/**
 * What nlkit's interface plugins (nlkit-ptp and nlkit-bridge above all; nlkit-macvlan,
 * nlkit-tuning and nlkit-loopback for parts) share: the container MAC a configuration
 * asks for, ADD's check of CNI_IFNAME, its steps' errors and ignored sysctls, a failed
 * ADD's IPAM release, ipMasq's set-up and undo, DEL, and for CHECK the drift error codes,
 * a link looked up as CHECK reports it missing, and the container interface's addresses
 * and routes compared with prevResult.
 * @module
 */
import { formatIp } from '../rtnl/ip.js';
import { sysctlGet, sysctlSet, type Netns } from '../ns/index.js';
import { Rtnl } from '../rtnl/handle.js';
import { DEFAULT_DAD_TIMEOUT, configureIface, settleAddresses } from './configure.js';
import type { Link } from '../rtnl/link/decode.js';
import type { Route } from '../rtnl/route/decode.js';
import { MacAddr, teardownVeth } from '../veth/index.js';
import { ipamDel } from './ipam.js';
import { findIptables, masqChain, masqComment, setupIpMasq, teardownIpMasq } from './ipmasq.js';
import { isNetlinkErrno, openNetnsForDel } from './netns.js';
import type { PluginContext } from './runtime.js';
import { CNI_ERR, CniError, canonicalIp, familyOf, networkText, parseCidr, type CniIpConfig, type CniResult, type CniResultInterface, type CniRoute } from './types.js';

/** The codes CHECK reports drift with (plugin codes, 100 and up). */
export const CHECK_ERR = {
  /** An interface of prevResult is missing or changed (kind, MAC, master, down, promiscuous mode). */
  INTERFACE: 110,
  /** An address of prevResult (or one the plugin put on the host side) is missing. */
  ADDRESS: 111,
  /** A route of prevResult, or one the plugin made, is missing. */
  ROUTE: 112,
} as const;

/** @internal Set a sysctl to `want` unless it already is (as the reference plugins do, to avoid needless writes). */
export function ensureSysctl(ns: Netns, key: string, want: string): void {
  if (sysctlGet(ns, key) !== want) sysctlSet(ns, key, want);
}

/** @internal Prefix length of a single address of the family. */
export function fullLen(family: 4 | 6): number {
  return family === 4 ? 32 : 128;
}

/** '0.0.0.0/0', '10.1.0.1', 'default' (with a family) → canonical 'NET/LEN'. */
function normDst(family: 4 | 6, dst: string): string {
  if (dst === 'default') return family === 4 ? '0.0.0.0/0' : '::/0';
  const p = parseCidr(dst.includes('/') ? dst : `${dst}/${fullLen(family)}`);
  return p ? networkText(p) : dst;
}

/** @internal True when `routes` hold `dst` through link `dev` (via `gw` when given), as a route or one nexthop of one. */
export function hasRoute(routes: readonly Route[], dst: string, gw: string | undefined, dev: number): boolean {
  const fam = familyOf(dst);
  const want = normDst(fam, dst);
  return routes.some((r) => {
    if (r.family !== fam || normDst(fam, r.dst) !== want) return false;
    if (r.dev === dev && (gw === undefined || (r.gateway !== undefined && canonicalIp(r.gateway) === gw))) return true;
    return (r.nexthops ?? []).some((n) => n.dev === dev && (gw === undefined || (n.gateway !== undefined && canonicalIp(n.gateway) === gw)));
  });
}

/** @internal The link `name`, or CniError 110 naming `where` when there is none. */
export async function linkOr(rt: Rtnl, name: string, where: string): Promise<Link> {
  try {
    return await rt.link.get(name);
  } catch (e) {
    if (isNetlinkErrno(e, 'ENODEV')) throw new CniError(CHECK_ERR.INTERFACE, `interface ${name} is missing`, `no link named ${name} in ${where}`);
    throw e;
  }
}

/** @internal CHECK: every address of `ips` is on `link` (CniError 111 for the first missing). */
export async function checkAddresses(rt: Rtnl, link: Link, ips: readonly CniIpConfig[], where: string): Promise<void> {
  const addrs = await rt.addr.list({ link: link.index });
  for (const i of ips) {
    const p = parseCidr(i.address)!;
    const a = formatIp(p.bytes);
    if (!addrs.some((x) => x.family === p.family && x.address === a && x.prefixLen === p.prefixLen)) {
      throw new CniError(CHECK_ERR.ADDRESS, `address ${i.address} is missing`, `not on ${link.name} in ${where}`);
    }
  }
}

/**
 * @internal CHECK: every route of prevResult is there through `link`, in its table, via
 * its `gw` or else the first gateway of its family among `ips` (what ADD routed it
 * through). CniError 112 for the first missing. Returns the main table's routes, read
 * once, for further checks.
 */
export async function checkRoutes(rt: Rtnl, link: Link, routes: readonly CniRoute[], ips: readonly CniIpConfig[], where: string): Promise<Route[]> {
  const gws: { 4?: string; 6?: string } = {};
  for (const i of ips) if (i.gateway) gws[familyOf(i.address)] ??= i.gateway;
  // Routes of each table a route is in: ADD puts a route with "table" (1.1) there.
  const tables = new Map<number | 'main', Route[]>();
  const routesOf = async (table: number | undefined): Promise<Route[]> => {
    const key = table ?? 'main';
    let list = tables.get(key);
    if (!list) tables.set(key, (list = await rt.route.list(table === undefined ? {} : { table })));
    return list;
  };
  const main = await routesOf(undefined);
  for (const r of routes) {
    const gw = r.gw ?? gws[familyOf(r.dst)];
    const table = r.table || undefined; // table 0 (unspecified) is main, as the kernel adds it
    const in_ = table === undefined ? 'the main table' : `table ${table}`;
    if (!hasRoute(await routesOf(table), r.dst, gw, link.index)) throw new CniError(CHECK_ERR.ROUTE, `route ${r.dst}${gw ? ` via ${gw}` : ''} is missing`, `not in ${in_} of ${where} through ${link.name}`);
  }
  return main;
}

/**
 * @internal A container MAC from the configuration (`field` names where it came from):
 * parsed, and refused with CniError 7 unless the kernel takes it for an interface
 * (is_valid_ether_addr: unicast, not zero) — found here, before IPAM allocates, rather
 * than as EADDRNOTAVAIL from the create. '', null and undefined are none.
 */
export function containerMac(value: unknown, field: string): MacAddr | null {
  if (value === undefined || value === null || value === '') return null;
  let mac: MacAddr;
  try {
    if (typeof value !== 'string') throw new Error(`expected a MAC address string, got ${JSON.stringify(value)}`);
    mac = MacAddr.parse(value);
  } catch (e) {
    throw new CniError(CNI_ERR.INVALID_CONFIG, `invalid ${field}`, (e as Error).message);
  }
  const b = mac.bytes;
  if ((b[0]! & 1) !== 0 || b.every((x) => x === 0)) {
    throw new CniError(CNI_ERR.INVALID_CONFIG, `invalid ${field}`, `${value} is a ${(b[0]! & 1) !== 0 ? 'multicast' : 'zero'} address; an interface needs a unicast one`);
  }
  return mac;
}

/**
 * @internal ADD: refuse CNI_IFNAME when a link of that name is in the container netns
 * already (CniError 4), before anything is allocated.
 */
export async function refuseTakenIfname(rt: Rtnl, ifName: string, netnsPath: string): Promise<void> {
  try {
    await rt.link.get(ifName);
  } catch (e) {
    if (isNetlinkErrno(e, 'ENODEV')) return;
    throw e;
  }
  throw new CniError(CNI_ERR.INVALID_ENV, 'invalid CNI_IFNAME', `an interface named ${ifName} already exists in ${netnsPath}`);
}

/**
 * @internal DEL of an attachment: its link (a veth pair, a macvlan) deleted by its name in
 * CNI_NETNS, then the IPAM reservation released (when `ipam` names a plugin), then with
 * `ipMasq` the attachment's masquerading chain and its POSTROUTING rules. Idempotent:
 * a missing link, a netns that is gone or no CNI_NETNS at all is success. A netns path
 * that cannot be opened for another reason is reported, but IPAM is still called — a
 * DEL that always failed before it would hold the address for ever (the reference
 * plugins release it too). Every failure is collected and reported together.
 */
export async function delAttachment(ctx: PluginContext, ipam: string | undefined, ipMasq: boolean): Promise<void> {
  const errors: Error[] = [];
  const ns = openNetnsForDel(ctx.netns, errors);
  if (ns) {
    try {
      await teardownVeth(ctx.ifName, ns);
    } catch (e) {
      errors.push(e as Error);
    } finally {
      ns.close();
    }
  }
  if (ipam !== undefined) {
    try {
      await ipamDel(ctx, ipam);
    } catch (e) {
      errors.push(e as Error);
    }
  }
  if (ipMasq) {
    try {
      teardownIpMasq(masqChain(ctx.conf.name, ctx.containerId), ctx.env);
    } catch (e) {
      errors.push(e as Error);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) {
    const first = errors[0]!;
    throw new CniError(first instanceof CniError ? first.code : CNI_ERR.INTERNAL, 'DEL failed', errors.map((e) => e.message).join('; '));
  }
}

/**
 * @internal ADD's `ipMasq`: masquerade each address of the attachment (chain and comment
 * from the network name and container ID, as the reference plugins name them). When a
 * rule cannot be made, what was made is removed again before the error is thrown.
 */
export function masqAttachment(ctx: PluginContext, addresses: readonly string[]): void {
  const chain = masqChain(ctx.conf.name, ctx.containerId);
  try {
    for (const a of addresses) setupIpMasq(a, chain, masqComment(ctx.conf.name, ctx.containerId), ctx.env);
  } catch (e) {
    try {
      teardownIpMasq(chain, ctx.env);
    } catch (u) {
      ctx.log(`removing the masquerading rules again failed: ${(u as Error).message}`);
    }
    throw e;
  }
}

/** @internal STATUS with `ipMasq`: CniError 50 when iptables (and iptables-restore, which DEL uses) are missing. */
export function checkIptables(ctx: PluginContext): void {
  // iptables only: ip6tables is needed for IPv6 addresses alone, which STATUS cannot
  // know (the IPAM plugin decides), and an ADD that needs it says so.
  for (const tool of ['', '-restore']) {
    if (findIptables(4, ctx.env, tool) === undefined) {
      throw new CniError(CNI_ERR.PLUGIN_NOT_AVAILABLE, `ipMasq needs iptables${tool}`, 'not found on PATH or in /usr/sbin, /sbin, /usr/bin, /bin');
    }
  }
}

/** @internal Run one step of ADD; an error that is not a CniError becomes one (999) saying which step failed. */
export async function step<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof CniError) throw e;
    throw new CniError(CNI_ERR.INTERNAL, what, (e as Error).message, { cause: e });
  }
}

/** @internal Write a sysctl the reference plugins write and ignore the failure of (a netns without IPv6 has no ipv6 keys), as Go's `_, _ = sysctl.Sysctl(...)`. */
export function trySysctl(ns: Netns, key: string, value: string): void {
  try {
    sysctlSet(ns, key, value);
  } catch {
    // ignored, as the reference ignores it
  }
}

/**
 * @internal A failed ADD's release of its IPAM allocation (IPAM DEL), then the ADD's
 * error thrown again; when the release fails too, that goes to stderr and into the
 * error's details, so the runtime knows an address may still be held.
 */
export async function releaseIpam(ctx: PluginContext, ipam: string, e: unknown): Promise<never> {
  try {
    await ipamDel(ctx, ipam);
  } catch (d) {
    ctx.log(`ADD failed and releasing the IPAM allocation failed too: ${(d as Error).message}`);
    if (e instanceof CniError) throw new CniError(e.code, e.msg, `${e.details ?? ''}${e.details ? '; ' : ''}and the IPAM release failed: ${(d as Error).message}`, { cause: e });
  }
  throw e;
}

/**
 * @internal `configureIface` as the reference's `ipam.ConfigureIface` waits for IPv6 DAD,
 * for plugins whose interface may have no carrier (a macvlan on a master that is down, a
 * moved NIC whose link is down), where DAD never finishes: it waits only when an IPv6
 * address has a gateway, up to 10 s, and a timeout is logged rather than failing the ADD
 * (Go ignores SettleAddresses' result). A failed DAD (`dadfailed`) still fails it.
 */
export async function configureIfaceAsReference(ctx: PluginContext, ifName: string, result: CniResult, ns: Netns): Promise<void> {
  await configureIface(ifName, result, { netns: ns, dadTimeout: 0 });
  const v6gw = (result.ips ?? []).some((i) => i.gateway !== undefined && familyOf(i.address) === 6);
  if (!v6gw) return;
  const rt = Rtnl.open({ netns: ns });
  try {
    await settleAddresses(rt, ifName, DEFAULT_DAD_TIMEOUT);
  } catch (e) {
    if (e instanceof CniError && e.code === CNI_ERR.TRY_AGAIN_LATER) ctx.log(`${ifName}: ${e.msg}; going on, as the reference does (${e.details ?? ''})`);
    else throw e;
  } finally {
    rt.close();
  }
}

/**
 * @internal CHECK's reading of prevResult for this attachment: the index `ci` in
 * `interfaces` of the entry named CNI_IFNAME with the container's netns as sandbox, that
 * entry (`want`), and the addresses on it (`ips`: those whose `interface` is `ci`, or
 * unset). CniError 7 when prevResult has no such entry.
 */
export function prevAttachment(prev: CniResult, ifName: string, netns: string): { ifs: CniResultInterface[]; ci: number; want: CniResultInterface; ips: CniIpConfig[] } {
  const ifs = prev.interfaces ?? [];
  const ci = ifs.findIndex((i) => i.name === ifName && i.sandbox === netns);
  if (ci < 0) throw new CniError(CNI_ERR.INVALID_CONFIG, 'prevResult does not describe this attachment', `no interfaces[] entry named ${ifName} with sandbox ${netns}`);
  return { ifs, ci, want: ifs[ci]!, ips: (prev.ips ?? []).filter((i) => (i.interface ?? ci) === ci) };
}
