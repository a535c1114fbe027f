/**
 * `nlkit-sbr`: the source-based routing meta plugin on nlkit, doing what the reference
 * `sbr` plugin (containernetworking/plugins 1.1.1, plugins/meta/sbr) does. Chained after
 * a plugin that made and addressed the container's interface CNI_IFNAME, it makes the
 * traffic from each of that interface's addresses leave through it, whatever the main
 * table says, in the container's network namespace:
 *
 * - for each address prevResult gives CNI_IFNAME (in prevResult's order), a table of
 *   its own, the first id from 100 up that no rule looks up and no route is in:
 *   `ip rule add from ADDR/32 lookup TABLE` (`/128` for IPv6), with the priority the
 *   kernel picks;
 * - `ip route add default via GATEWAY dev IF table TABLE` for an address with a gateway;
 * - every route of the main table through CNI_IFNAME whose preferred source or gateway is
 *   in the address's subnet, or that has neither (a device route, the IPv6 `fe80::/64`
 *   included, whatever its family), copied into that table (`ip route replace … table
 *   TABLE`, as the reference, which replaces the default route just added);
 * - then every one of those main-table routes deleted from the main table.
 *
 * With `"table": N` (the option later upstream versions added; 1.1.1 ignores the key)
 * only the rules are made, all looking up table N, and no route is moved.
 *
 * ADD is atomic: when a step fails, the rules it added are deleted, the tables it filled
 * flushed (never table N) and the main table's routes put back. DEL deletes the rules
 * whose source is an address of CNI_IFNAME (or of prevResult's addresses for it), of
 * table N only with `"table"`; the routes in the tables go with the interface, as in the
 * reference. It succeeds when the namespace, the interface or the rules are gone. CHECK
 * looks for each address's rule and, in its table, the default route through the gateway.
 * @module
 */
import { flock, LOCK_EX } from '../../netlink/sys.js';
import type { Netns } from '../../ns/index.js';
import { Rtnl } from '../../rtnl/handle.js';
import { formatIp, parsePrefix, type IpPrefix } from '../../rtnl/ip.js';
import type { Link } from '../../rtnl/link/decode.js';
import type { Route } from '../../rtnl/route/decode.js';
import type { TableRef } from '../../rtnl/route/names.js';
import type { Rule } from '../../rtnl/rule/decode.js';
import { isNetlinkErrno, checkRtnl, openNetns } from '../netns.js';
import type { PluginContext, PluginHandlers } from '../runtime.js';
import { CNI_ERR, CniError, canonicalIp, familyOf, type CniIpConfig, type CniResult } from '../types.js';
import { CHECK_ERR, hasRoute, linkOr } from '../veth-plugin.js';

/**
 * nlkit-sbr's CHECK codes: 110 the interface is missing, 112 an address's table lacks
 * the default route through its gateway, 140 an address has no rule sending its traffic
 * to a table (the reference sbr's CHECK checks nothing).
 */
export const SBR_ERR = { INTERFACE: CHECK_ERR.INTERFACE, ROUTE: CHECK_ERR.ROUTE, RULE: 140 } as const;

/** The first table id nlkit-sbr (as the reference sbr's `firstTableID`) considers for an address's table. */
export const SBR_FIRST_TABLE = 100;

/** The ids of the tables `main`, `local` and `default` (rtnetlink.h), never picked. */
const RESERVED_TABLES: ReadonlyMap<string, number> = new Map([['default', 253], ['main', 254], ['local', 255]]);

/** sbr's configuration, checked. */
interface SbrConf {
  /** `"table"`: the table every rule looks up, no route moved; undefined for the reference 1.1.1's behaviour. */
  table: number | undefined;
}

/** A table reference of a decoded rule or route as its id. */
function tableId(t: TableRef | undefined): number | undefined {
  if (t === undefined) return undefined;
  return typeof t === 'number' ? t : RESERVED_TABLES.get(t);
}

/** `"table"` as ADD and CHECK take it: an integer id, not one of the kernel's own tables; CniError 7 otherwise. */
function tableOf(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 0xffffffff || [...RESERVED_TABLES.values()].includes(v)) {
    throw new CniError(CNI_ERR.INVALID_CONFIG, 'invalid table', `"table" must be a routing table id, an integer from 1 to 4294967295 other than 253, 254 and 255 (default, main, local), got ${JSON.stringify(v)}`);
  }
  return v;
}

/** The configuration, checked (ADD and CHECK), as the reference's parseConfig reads it (plus the later `table`). */
function sbrConf(ctx: PluginContext): SbrConf {
  return { table: tableOf(ctx.conf.raw['table']) };
}

/**
 * prevResult's addresses on CNI_IFNAME, as the reference's getIPCfgs picks them: each
 * `ips[]` entry whose `interface` names an interface called CNI_IFNAME, or that has no
 * `interface`. CniError 7 when prevResult is missing or gives CNI_IFNAME no address.
 */
function addressesFor(ctx: PluginContext, what: string): CniIpConfig[] {
  const prev = ctx.conf.prevResult;
  if (!prev) throw new CniError(CNI_ERR.INVALID_CONFIG, 'sbr: required prevResult missing', `sbr must be called as a chained plugin: ${what} needs the result of the plugin that made ${ctx.ifName} in "prevResult"`);
  const ips = relevant(ctx.ifName, prev);
  if (ips.length === 0) {
    throw new CniError(CNI_ERR.INVALID_CONFIG, `no IP addresses supplied on interface: ${ctx.ifName}`,
      (prev.ips ?? []).length === 0 ? 'prevResult has no "ips"' : `every address of prevResult belongs to another interface than ${ctx.ifName}`);
  }
  return ips;
}

function relevant(ifName: string, prev: CniResult): CniIpConfig[] {
  return (prev.ips ?? []).filter((ip) => ip.interface === undefined || prev.interfaces?.[ip.interface]?.name === ifName);
}

/** The address part of a CIDR ('10.1.0.2/24' → '10.1.0.2'), canonical. */
function addressOf(cidr: string): string {
  const slash = cidr.indexOf('/');
  return canonicalIp(slash < 0 ? cidr : cidr.slice(0, slash)) ?? cidr;
}

/** True when `ip` is in the subnet of `net` (an address with its prefix length); false for undefined or another family (Go's IPNet.Contains). */
function contains(net: IpPrefix, ip: string | undefined): boolean {
  if (ip === undefined) return false;
  let a: IpPrefix;
  try {
    a = parsePrefix(ip);
  } catch {
    return false;
  }
  if (a.family !== net.family) return false;
  for (let bit = 0; bit < net.prefixLen; bit += 8) {
    const keep = net.prefixLen - bit >= 8 ? 0xff : (0xff << (8 - (net.prefixLen - bit))) & 0xff;
    if ((a.bytes[bit >> 3]! & keep) !== (net.bytes[bit >> 3]! & keep)) return false;
  }
  return true;
}

/**
 * Open CNI_NETNS and take the reference's lock on it: an exclusive flock on the
 * namespace file, which the reference (go-filemutex on the same path) takes too, so that
 * two sbr runs for one container — of either plugin — never pick the same table.
 * Closing the namespace releases it.
 */
function lockedNetns(path: string): Netns {
  const ns = openNetns(path);
  try {
    flock(ns.fd, LOCK_EX);
  } catch (e) {
    ns.close();
    throw new CniError(CNI_ERR.INTERNAL, `cannot lock ${path}`, (e as Error).message, { cause: e });
  }
  return ns;
}

/** The first table id from `from` up that is not in `used` and not one of the kernel's own. */
function freeTable(from: number, used: ReadonlySet<number>): number {
  let t = from;
  while (used.has(t) || t === 253 || t === 254 || t === 255) t++;
  return t;
}

/** A failed kernel step as the CNI error ADD reports (999, the kernel's words in `details`). */
function stepError(what: string, e: unknown): CniError {
  if (e instanceof CniError) return e;
  return new CniError(CNI_ERR.INTERNAL, `failed to ${what}`, (e as Error).message, { cause: e });
}

/** What ADD did, to take back when a later step fails. */
interface Done {
  /** Rules added: what deletes exactly them (their priority included). */
  rules: { family: 4 | 6; from: string; table: number; priority: number | undefined }[];
  /** Tables that were empty and unreferenced, then filled: flushed. */
  tables: number[];
  /** Main-table routes deleted: added back. */
  movedOut: Route[];
}

/**
 * `ip rule add from ADDR lookup TABLE` with the kernel's choice of priority, and that
 * priority, found by comparing the rules of that source and table before and after.
 */
async function addRule(rt: Rtnl, address: string, table: number, done: Done): Promise<void> {
  const family = familyOf(address);
  const ours = async () => new Set((await rt.rule.list({ family, table })).filter((r) => r.from === address && r.action === 'lookup').map((r) => r.priority));
  const before = await ours();
  try {
    await rt.rule.add({ family, from: address, table });
  } catch (e) {
    throw stepError(`add the rule from ${address} lookup ${table}`, e);
  }
  // Recorded before its priority is read back: should that read fail, the undo still
  // deletes the rule (by source and table: the kernel put it above every rule there).
  const rule: Done['rules'][number] = { family, from: address, table, priority: undefined };
  done.rules.push(rule);
  try {
    rule.priority = [...(await ours())].find((p) => !before.has(p));
  } catch (e) {
    throw stepError(`read back the rule from ${address} lookup ${table}`, e);
  }
}

/** Put back what a failed ADD changed, in reverse: main routes, the filled tables, the rules. The failures, each named. */
async function undo(rt: Rtnl, done: Done): Promise<string[]> {
  const errors: string[] = [];
  // The kernel takes a route through a gateway only once a route reaches that gateway,
  // and the main table lists routes by destination, not by what they need (ptp's
  // '192.168.5.0/24 via 10.1.0.1' comes after '10.1.0.1 dev eth0', '10.1.0.0/24 via
  // 10.1.0.1' before it): the routes without a gateway first, then rounds over the rest
  // while a round puts one back, so that each waits for what reaches its gateway.
  let left = [...done.movedOut.filter((r) => r.gateway === undefined && r.via === undefined), ...done.movedOut.filter((r) => r.gateway !== undefined || r.via !== undefined)];
  for (let progress = true; left.length > 0 && progress;) {
    progress = false;
    const refused: { r: Route; e: unknown }[] = [];
    for (const r of left) {
      try {
        await rt.route.add(r);
        progress = true;
      } catch (e) {
        if (isNetlinkErrno(e, 'EEXIST')) progress = true;
        else refused.push({ r, e });
      }
    }
    left = refused.map((x) => x.r);
    if (!progress || left.length === 0) {
      for (const { r, e } of refused) errors.push(`cannot put the route to ${r.dst} back into the main table: ${(e as Error).message}`);
    }
  }
  for (const t of done.tables) {
    try {
      await rt.route.flush({ table: t });
    } catch (e) {
      errors.push(`cannot flush table ${t}: ${(e as Error).message}`);
    }
  }
  for (const r of done.rules.reverse()) {
    try {
      await rt.rule.del({ family: r.family, from: r.from, table: r.table, ...(r.priority !== undefined ? { priority: r.priority } : {}) });
    } catch (e) {
      if (!isNetlinkErrno(e, 'ENOENT')) errors.push(`cannot delete the rule from ${r.from} lookup ${r.table}: ${(e as Error).message}`);
    }
  }
  return errors;
}

/** The reference 1.1.1's doRoutes: a table per address, its rule, default route and the interface's routes, then the main table emptied of them. */
async function moveRoutes(rt: Rtnl, link: Link, ips: readonly CniIpConfig[], done: Done): Promise<void> {
  // A table is free when no rule looks it up and no route is in it (the reference looks
  // at the main table's routes only, which tells it nothing: it would take a table that
  // holds routes and no rule).
  const used = new Set<number>();
  for (const r of await rt.rule.list()) {
    const t = tableId(r.table);
    if (t !== undefined) used.add(t);
  }
  // list(), not forEach(): a dump the kernel flags interrupted is retried, where a walk
  // would fail the ADD.
  for (const r of await rt.route.list({ table: 'all' })) {
    const t = tableId(r.table);
    if (t !== undefined) used.add(t);
  }
  // The main table's routes through the interface alone (the kernel's dev filter also
  // passes multipath routes with a hop through it, which the reference leaves).
  const routes = (await rt.route.list({ table: 'main', dev: link.index })).filter((r) => r.dev === link.index && r.nexthops === undefined);
  let table = freeTable(SBR_FIRST_TABLE, used);
  for (const ip of ips) {
    const net = parsePrefix(ip.address);
    const address = formatIp(net.bytes);
    const family = net.family;
    await addRule(rt, address, table, done);
    done.tables.push(table);
    if (ip.gateway !== undefined) {
      try {
        await rt.route.add({ dst: 'default', family, gateway: ip.gateway, dev: link.index, table });
      } catch (e) {
        throw stepError(`add the default route via ${ip.gateway} dev ${link.name} to table ${table}`, e);
      }
    }
    for (const r of routes) {
      if (!(contains(net, r.prefsrc) || contains(net, r.gateway) || (r.prefsrc === undefined && r.gateway === undefined))) continue;
      try {
        await rt.route.replace({ ...r, table });
      } catch (e) {
        throw stepError(`copy the route to ${r.dst} dev ${link.name} into table ${table}`, e);
      }
    }
    table = freeTable(table + 1, used);
  }
  // Deleted only now, as the reference does: a second address of the same subnet needs
  // them to reach its gateway while its own table is filled.
  for (const r of routes) {
    try {
      await rt.route.del(r);
    } catch (e) {
      if (isNetlinkErrno(e, 'ESRCH')) continue; // gone already
      throw stepError(`delete the route to ${r.dst} dev ${link.name} from the main table`, e);
    }
    done.movedOut.push(r);
  }
}

async function add(ctx: PluginContext): Promise<CniResult> {
  const conf = sbrConf(ctx);
  const ips = addressesFor(ctx, 'ADD');
  const prev = ctx.conf.prevResult!;
  const ns = lockedNetns(ctx.netns!);
  let rt: Rtnl | undefined;
  const done: Done = { rules: [], tables: [], movedOut: [] };
  try {
    rt = Rtnl.open({ netns: ns });
    if (conf.table !== undefined) {
      // Rules only: table N is not recorded in done.tables, as its routes are not ours
      // (the previous plugin's, or the administrator's), and a failed ADD must not flush it.
      for (const ip of ips) await addRule(rt, addressOf(ip.address), conf.table, done);
    } else {
      let link: Link;
      try {
        link = await rt.link.get(ctx.ifName);
      } catch (e) {
        if (isNetlinkErrno(e, 'ENODEV')) throw new CniError(CNI_ERR.INVALID_CONFIG, `cannot find network interface ${ctx.ifName}`, `no link named ${ctx.ifName} in ${ctx.netns}: sbr routes the addresses of an interface a plugin before it made`);
        throw e;
      }
      await moveRoutes(rt, link, ips, done);
    }
  } catch (e) {
    const failed = rt ? await undo(rt, done) : [];
    if (failed.length > 0) {
      ctx.log(`undoing a failed ADD: ${failed.join('; ')}`);
      if (e instanceof CniError) throw new CniError(e.code, e.msg, `${e.details ?? ''}${e.details ? '; ' : ''}and undoing it failed: ${failed.join('; ')}`, { cause: e });
    }
    throw e;
  } finally {
    rt?.close();
    ns.close(); // releases the lock
  }
  return { ...prev, cniVersion: ctx.conf.cniVersion };
}

async function del(ctx: PluginContext): Promise<void> {
  // Only `table`, and leniently: a runtime retries a failed DEL until it succeeds, and a
  // configuration ADD refused made nothing (without a valid table, DEL looks at the
  // rules of every table, as the reference 1.1.1 does).
  let table: number | undefined;
  try {
    table = tableOf(ctx.conf.raw['table']);
  } catch {
    table = undefined;
  }
  if (ctx.netns === undefined) return; // nothing to look in (the reference fails here)
  let ns: Netns;
  try {
    ns = lockedNetns(ctx.netns);
  } catch (e) {
    if (e instanceof CniError && e.code === CNI_ERR.UNKNOWN_CONTAINER) return; // gone, and its rules with it
    throw e;
  }
  let rt: Rtnl | undefined;
  try {
    rt = Rtnl.open({ netns: ns });
    // The sources whose rules go: the interface's addresses (the reference's choice),
    // and those prevResult gives it, for an interface that is gone or lost them.
    const sources = new Set<string>();
    try {
      const link = await rt.link.get(ctx.ifName);
      for (const a of await rt.addr.list({ link: link.index })) sources.add(addressOf(a.address));
    } catch (e) {
      if (!isNetlinkErrno(e, 'ENODEV')) throw e;
    }
    if (ctx.conf.prevResult) for (const ip of relevant(ctx.ifName, ctx.conf.prevResult)) sources.add(addressOf(ip.address));
    if (sources.size === 0) return;
    const errors: string[] = [];
    for (const r of await rt.rule.list(table !== undefined ? { table } : undefined)) {
      if (r.from === undefined || !sources.has(addressOf(r.from))) continue;
      try {
        await rt.rule.del(r);
      } catch (e) {
        if (!isNetlinkErrno(e, 'ENOENT')) errors.push(`failed to delete the rule ${ruleText(r)}: ${(e as Error).message}`);
      }
    }
    if (errors.length > 0) throw new CniError(CNI_ERR.INTERNAL, 'failed to delete rules', errors.join('; '));
  } finally {
    rt?.close();
    ns.close();
  }
}

function ruleText(r: Rule): string {
  return `${r.priority}: from ${r.from ?? 'all'} lookup ${String(r.table ?? r.action)}`;
}

async function check(ctx: PluginContext): Promise<void> {
  const conf = sbrConf(ctx);
  const ips = addressesFor(ctx, 'CHECK');
  const ns = openNetns(ctx.netns!);
  let rt: Rtnl | undefined;
  try {
    rt = Rtnl.open({ netns: ns });
    const link = await linkOr(rt, ctx.ifName, ctx.netns!);
    const rules = await rt.rule.list();
    for (const ip of ips) {
      const address = addressOf(ip.address);
      const family = familyOf(address);
      const tables = rules
        .filter((r) => r.family === family && r.from === address && r.action === 'lookup' && !r.not)
        .map((r) => tableId(r.table))
        .filter((t): t is number => t !== undefined && (conf.table !== undefined ? t === conf.table : t !== 253 && t !== 254 && t !== 255));
      if (tables.length === 0) {
        throw new CniError(SBR_ERR.RULE, `no rule sends traffic from ${address} to a table`, conf.table !== undefined ? `expected "from ${address} lookup ${conf.table}"` : `expected "from ${address} lookup N" with a table of its own`);
      }
      if (conf.table !== undefined || ip.gateway === undefined) continue;
      let found = false;
      for (const t of tables) {
        if (hasRoute(await rt.route.list({ table: t, family }), family === 4 ? '0.0.0.0/0' : '::/0', ip.gateway, link.index)) found = true;
      }
      if (!found) throw new CniError(SBR_ERR.ROUTE, `no default route via ${ip.gateway} dev ${ctx.ifName} in table ${tables.join(', ')}`, `the table of ${address}'s rule should route everything through its gateway`);
    }
  } finally {
    rt?.close();
    ns.close();
  }
}

async function status(): Promise<void> {
  checkRtnl();
}

/** The nlkit-sbr plugin's handlers, for {@link runPlugin}; the reference's `sbr` (containernetworking/plugins 1.1.1, plugins/meta/sbr). */
export const sbrPlugin: PluginHandlers = { add, del, check, status };
