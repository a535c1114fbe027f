/**
 * `configureIface`: put a CNI result's addresses and routes on one interface, as every
 * plugin that takes its addresses from IPAM does — the TypeScript counterpart of the
 * reference plugins' `ipam.ConfigureIface` (containernetworking/plugins,
 * pkg/ipam/ipam_linux.go), with the same kernel state, but atomic: bad input is refused
 * before anything changes, and a failure part-way undoes what the call did.
 *
 * Also the pieces nlkit-ptp shares with it: {@link settleAddresses} (Go's
 * `ip.SettleAddresses`) and the CNI route → RouteSpec mapping.
 * @module
 */
import { InvalidArgumentError, NetlinkError, SysError, checkOptionKeys, showValue } from '../netlink/index.js';
import { Netns, sysctlGet, sysctlSet } from '../ns/index.js';
import { Rtnl } from '../rtnl/handle.js';
import type { RouteSpec } from '../rtnl/route/api.js';
import { RT_SCOPE_HOST, RT_SCOPE_LINK } from '../rtnl/constants.js';
import { hasHostBits, networkOf, formatPrefix } from '../rtnl/ip.js';
import { resolveNetns, type NetnsTarget } from '../rtnl/netns-target.js';
import { CNI_ERR, CniError, canonicalIp, cidrText, ifnameProblem, parseCidr, type CniResult, type CniRoute } from './types.js';

/** How long {@link configureIface} and nlkit-ptp wait for IPv6 duplicate address detection, in ms. */
export const DEFAULT_DAD_TIMEOUT = 10_000;

/** How often {@link settleAddresses} looks again (Go's SETTLE_INTERVAL). */
const SETTLE_INTERVAL_MS = 50;

/**
 * Wait until no IPv6 address on `link` is tentative, i.e. duplicate address detection
 * has finished for all of them (the link-local one included): until then the kernel
 * does not use them, so a route with such a source, or a bind() to one, fails. Polls
 * the link's addresses every 50 ms. IPv4 addresses are never tentative.
 *
 * DAD only runs while the link is up with carrier (a veth whose peer is up): on a link
 * without, addresses stay tentative and this times out.
 *
 * Equivalent to: Go's `ip.SettleAddresses(ifName, timeout)` (containernetworking/plugins
 * pkg/ip), which however keeps waiting on a failed address until the timeout.
 * @param timeout In ms; defaults to {@link DEFAULT_DAD_TIMEOUT}.
 * @throws CniError 7 (invalid config) as soon as an address failed DAD (`dadfailed`:
 *   another host on the link has it); CniError 11 (try again later) when addresses are
 *   still tentative after `timeout`.
 */
export async function settleAddresses(rt: Rtnl, link: string | number, timeout: number = DEFAULT_DAD_TIMEOUT): Promise<void> {
  checkTimeout(timeout, 'timeout');
  const deadline = Date.now() + timeout;
  for (;;) {
    const addrs = await rt.addr.list({ link, family: 6 });
    const failed = addrs.find((a) => a.flags.includes('dadfailed'));
    if (failed) throw new CniError(CNI_ERR.INVALID_CONFIG, 'IPv6 duplicate address detection failed', `${failed.address}/${failed.prefixLen} on ${link} is already in use on the link`);
    if (!addrs.some((a) => a.flags.includes('tentative'))) return;
    if (Date.now() > deadline) throw new CniError(CNI_ERR.TRY_AGAIN_LATER, 'IPv6 addresses still tentative', `${link} still has tentative addresses after ${timeout / 1000} s`);
    await new Promise((r) => setTimeout(r, SETTLE_INTERVAL_MS));
  }
}

function checkTimeout(v: unknown, arg: string): asserts v is number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 0x7fffffff) throw new InvalidArgumentError(arg, `expected a number of milliseconds in 0..2147483647, got ${showValue(v)}`);
}

/**
 * A CNI route as an rtnl route through `dev`, via `gw` (undefined: a device route):
 * `priority` is the metric, and the 1.1 attributes map one to one. A 0 in `table`,
 * `priority`, `mtu` or `advmss` means unset, as in the Go plugins (vishvananda/netlink
 * leaves zero fields out): table 0 is the main table, priority 0 the kernel's default
 * metric.
 * @internal
 */
export function cniRouteSpec(r: CniRoute, gw: string | undefined, dev: string | number): RouteSpec {
  return {
    dst: r.dst,
    dev,
    ...(gw !== undefined ? { gateway: gw } : {}),
    ...(r.mtu ? { mtu: r.mtu } : {}),
    ...(r.advmss ? { advmss: r.advmss } : {}),
    ...(r.priority ? { metric: r.priority } : {}),
    ...(r.table ? { table: r.table } : {}),
    ...(r.scope !== undefined ? { scope: r.scope } : {}),
  };
}

/** Options of {@link configureIface}. */
export interface ConfigureIfaceOptions {
  /**
   * The network namespace the interface is in: a Netns (or anything with an open `fd`),
   * an fd number, or `{ pid }`, as `Rtnl.open({ netns })` takes it. Defaults to the
   * netns of the enclosing `execNetns` call, else the calling thread's.
   */
  readonly netns?: NetnsTarget | undefined;
  /**
   * How long to wait for IPv6 duplicate address detection before adding the routes, in
   * ms (see {@link settleAddresses}); 0 does not wait. Defaults to
   * {@link DEFAULT_DAD_TIMEOUT} (10 s, as the reference ptp plugin waits).
   */
  readonly dadTimeout?: number | undefined;
}

/** The step of {@link configureIface} that failed. */
export type ConfigureIfaceStep = 'link' | 'sysctl' | 'address' | 'up' | 'settle' | 'route';

/**
 * {@link configureIface} failed part-way (after its input was checked): `step` and
 * `item` say where (`'route'`, `'routes[2] 10.0.0.0/8 via 10.1.0.1'`), `cause` holds the
 * error that stopped it (a NetlinkError with the kernel's code and extended ACK, a
 * SysError of a sysctl, or CniError 7/11 from {@link settleAddresses}). Everything the
 * call had changed was undone before it rejected, unless `undoFailures` lists what
 * could not be (the message says so too).
 *
 * A CniError, so a plugin can let it through to `runPlugin`: its `code` is the cause's
 * when that is a CniError (7 for a failed DAD, 11 for DAD still running), else 999.
 */
export class ConfigureIfaceError extends CniError {
  /** The step that failed. */
  readonly step: ConfigureIfaceStep;
  /** What it was doing: the interface, a sysctl, `'ips[1] 10.1.0.2/24'`, `'routes[0] 0.0.0.0/0 via 10.1.0.1'`. */
  readonly item: string;
  /** Undo actions that failed in turn (empty when everything was undone). */
  readonly undoFailures: readonly Error[];

  /** As configureIface makes it: `changes` is how many changes the call had made (all undone but for `undoFailures`); `where` names the netns. */
  constructor(step: ConfigureIfaceStep, item: string, msg: string, cause: unknown, where: string, changes: number, undoFailures: readonly Error[]) {
    const why = cause instanceof Error ? cause.message : String(cause);
    const undone = changes === 0
      ? 'nothing had been changed'
      : undoFailures.length === 0
        ? 'what this call had changed was undone'
        : `undoing what this call had changed failed: ${undoFailures.map((e) => e.message).join('; ')}`;
    super(cause instanceof CniError ? cause.code : CNI_ERR.INTERNAL, msg, `${why} (in ${where}; ${undone})`, { cause });
    this.name = 'ConfigureIfaceError';
    this.step = step;
    this.item = item;
    this.undoFailures = undoFailures;
  }
}

/** An address to add, checked. */
interface PlannedAddr {
  /** 'ips[1] 10.1.0.2/24' */
  item: string;
  /** Canonical 'address/len'. */
  address: string;
  family: 4 | 6;
  prefixLen: number;
}

/** A route to add, checked and resolved (gateway filled in). */
interface PlannedRoute {
  item: string;
  spec: RouteSpec;
}

const OPTION_KEYS: ReadonlySet<string> = new Set(['netns', 'dadTimeout']);
const ROUTE_INTS = [['mtu', 0xffffffff], ['advmss', 0xffffffff], ['priority', 0xffffffff], ['table', 0xffffffff], ['scope', 255]] as const;

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A list field of the result: undefined/null as empty, anything but an array refused. */
function listOf(result: Record<string, unknown>, key: string): unknown[] {
  const v = result[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new InvalidArgumentError(`result.${key}`, `expected an array, got ${showValue(v)}`);
  return v;
}

/** A plain gateway address of `family`, canonical; '' and null count as none (as the spec's JSON may carry them). */
function gatewayOf(v: unknown, arg: string, family: 4 | 6, what: string): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const gw = canonicalIp(v);
  if (gw === undefined) throw new InvalidArgumentError(arg, `expected a plain IP address, got ${showValue(v)}`);
  if ((gw.includes(':') ? 6 : 4) !== family) throw new InvalidArgumentError(arg, `${gw} is IPv${family === 4 ? 6 : 4} but ${what} is IPv${family}`);
  return gw;
}

/**
 * Check everything (no I/O) and work out what to add: the addresses of `ifName` and the
 * routes with their gateways. Throws InvalidArgumentError naming the field.
 */
function plan(ifName: string, result: unknown): { addrs: PlannedAddr[]; routes: PlannedRoute[] } {
  if (!isObj(result)) throw new InvalidArgumentError('result', `expected a CNI result object, got ${showValue(result)}`);
  const ifs = listOf(result, 'interfaces');
  // Go: "no interfaces to configure". An index can only name ifName through this list, so
  // a result without an entry of that name is a mistake (a wrong ifName, most likely).
  if (ifs.length === 0) throw new InvalidArgumentError('result.interfaces', `no interfaces: an address is ${ifName}'s when its 'interface' indexes an entry named ${ifName}`);
  const names = ifs.map((x, i) => {
    if (!isObj(x) || typeof x['name'] !== 'string') throw new InvalidArgumentError(`result.interfaces[${i}]`, `expected an object with a name, got ${showValue(x)}`);
    return x['name'];
  });
  if (!names.includes(ifName)) throw new InvalidArgumentError('result.interfaces', `no entry is named ${ifName} (the entries: ${names.join(', ')})`);

  const addrs: PlannedAddr[] = [];
  const gateways: { 4?: string; 6?: string } = {};
  const seen = new Map<string, number>();
  // The addresses not taken, for the messages: `ips[1] 10.2.0.2/24 has no 'interface'`.
  const skipped: { item: string; family: 4 | 6; gateway: boolean; why: string; unindexed: boolean }[] = [];
  listOf(result, 'ips').forEach((x, i) => {
    const arg = `result.ips[${i}]`;
    if (!isObj(x)) throw new InvalidArgumentError(arg, `expected an object, got ${showValue(x)}`);
    const p = parseCidr(x['address']);
    if (!p) throw new InvalidArgumentError(`${arg}.address`, `expected an address with its prefix length ('10.1.0.2/24'), got ${showValue(x['address'])}`);
    const address = cidrText(p);
    const gw = gatewayOf(x['gateway'], `${arg}.gateway`, p.family, `the address ${address}`);
    const idx = x['interface'];
    // Go's rule: an address without an interface index is not this call's (skipped), one
    // whose index names ifName is added. Go refuses an index naming another interface;
    // here it is skipped too, so one result can configure each of its interfaces in turn.
    if (idx === undefined || idx === null) {
      skipped.push({ item: `result.ips[${i}] ${address}`, family: p.family, gateway: gw !== undefined, why: "has no 'interface'", unindexed: true });
      return;
    }
    if (typeof idx !== 'number' || !Number.isInteger(idx) || idx < 0 || idx >= ifs.length) {
      throw new InvalidArgumentError(`${arg}.interface`, `expected an index of result.interfaces (0..${ifs.length - 1}), got ${showValue(idx)}`);
    }
    if (names[idx] !== ifName) {
      skipped.push({ item: `result.ips[${i}] ${address}`, family: p.family, gateway: gw !== undefined, why: `is ${names[idx]}'s`, unindexed: false });
      return;
    }
    const dup = seen.get(address);
    if (dup !== undefined) throw new InvalidArgumentError(`${arg}.address`, `${address} is result.ips[${dup}] again`);
    seen.set(address, i);
    addrs.push({ item: `ips[${i}] ${address}`, address, family: p.family, prefixLen: p.prefixLen });
    // Go: the first gateway of each family among the addresses taken is the default
    // gateway of that family's routes.
    if (gw !== undefined) gateways[p.family] ??= gw;
  });

  // Go skips every address without an index, and so would configure none of them: the
  // addresses of an IPAM result, which carry none until the plugin sets them. When that
  // leaves ifName nothing, it is a forgotten index, not a result to apply as a no-op.
  const unindexed = skipped.find((x) => x.unindexed);
  if (addrs.length === 0 && unindexed) {
    throw new InvalidArgumentError(`${unindexed.item.split(' ')[0]!}.interface`, `none of result.ips is ${ifName}'s: ${unindexed.item.split(' ')[1]!} ${unindexed.why} (set it to ${names.indexOf(ifName)}, the index of ${ifName} in result.interfaces)`);
  }

  const routes: PlannedRoute[] = [];
  const keys = new Set<string>();
  listOf(result, 'routes').forEach((x, i) => {
    const arg = `result.routes[${i}]`;
    if (!isObj(x)) throw new InvalidArgumentError(arg, `expected an object, got ${showValue(x)}`);
    const p = parseCidr(x['dst']);
    if (!p) throw new InvalidArgumentError(`${arg}.dst`, `expected a prefix ('10.0.0.0/8', '0.0.0.0/0'), got ${showValue(x['dst'])}`);
    if (hasHostBits(p)) {
      const n = networkOf(p);
      throw new InvalidArgumentError(`${arg}.dst`, `'${String(x['dst'])}' has host bits set past /${p.prefixLen} (did you mean ${formatPrefix(n.bytes, 0, n.bytes.length, n.prefixLen)}?)`);
    }
    const dst = cidrText(p);
    const r: CniRoute = { dst };
    for (const [k, max] of ROUTE_INTS) {
      const v = x[k];
      if (v === undefined || v === null) continue;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) throw new InvalidArgumentError(`${arg}.${k}`, `expected an integer in 0..${max}, got ${showValue(v)}`);
      r[k] = v;
    }
    const own = gatewayOf(x['gw'], `${arg}.gw`, p.family, `dst ${dst}`);
    // A route of scope link or host without gw is a route on the link: the kernel refuses
    // a gateway with either scope, so the default gateway is not put in (Go puts it in,
    // and the add fails).
    const onLink = own === undefined && (r.scope === RT_SCOPE_LINK || r.scope === RT_SCOPE_HOST);
    const gw = onLink ? undefined : own ?? gateways[p.family];
    // Go adds a route without any gateway as a device route of scope universe. That is
    // rarely meant (a default route that ARPs for every destination): refused.
    if (gw === undefined && !onLink) {
      const other = skipped.find((x) => x.family === p.family && x.gateway);
      const note = other ? ` (${other.item} has one, but ${other.why.replace(/^has /, '')})` : '';
      throw new InvalidArgumentError(`${arg}.gw`, `${dst} has no gw, and no IPv${p.family} address of ${ifName} in result.ips has a gateway to route it through${note}; give gw, or scope 253 for a route on the link`);
    }
    const spec = cniRouteSpec(r, gw, ifName);
    const key = JSON.stringify(spec);
    if (keys.has(key)) return; // the same route twice: added once
    keys.add(key);
    const extra = `${r.table ? ` table ${r.table}` : ''}${r.priority ? ` metric ${r.priority}` : ''}`;
    routes.push({ item: `routes[${i}] ${dst}${gw !== undefined ? ` via ${gw}` : ` scope ${r.scope === RT_SCOPE_LINK ? 'link' : 'host'}`}${extra}`, spec });
  });
  return { addrs, routes };
}

/** One change made, and how to take it back. */
interface Done {
  what: string;
  undo(): Promise<void> | void;
}

/** Undo `done` newest first; the failures, each naming its change. */
async function undoAll(done: readonly Done[]): Promise<Error[]> {
  const failures: Error[] = [];
  for (let i = done.length - 1; i >= 0; i--) {
    try {
      await done[i]!.undo();
    } catch (e) {
      failures.push(new Error(`${done[i]!.what}: ${(e as Error).message}`, { cause: e }));
    }
  }
  return failures;
}

/**
 * Configure `ifName` from a CNI result, as the reference plugins' `ipam.ConfigureIface`
 * does (bridge, macvlan, ipvlan, vlan, host-device…), in the netns `options.netns`:
 *
 * 1. Takes the result's addresses that are `ifName`'s: those whose `interface` indexes an
 *    entry of `result.interfaces` named `ifName`. As in Go, an address without
 *    `interface` is skipped (set it, as ptp sets 1 for its container end), but when that
 *    leaves `ifName` no address the call is refused (Go would go on and configure none:
 *    the IPAM plugin's addresses carry no index until the plugin sets one). Unlike Go,
 *    an address that indexes another interface is skipped too rather than refused, so
 *    the addresses of a result of several interfaces can be applied to each in turn
 *    (its routes are not: see 5).
 * 2. With IPv6 addresses among them: `net.ipv6.conf.{lo,IF}.disable_ipv6` set to 0
 *    where it is not, and `net.ipv6.conf.IF.keep_addr_on_down` to 1 (Go does both, the
 *    latter so that the addresses survive the link going down and up).
 * 3. Adds each address (IPv4 with its broadcast address, as netlink.AddrAdd computes it,
 *    below /31), then sets the link up.
 * 4. Waits for IPv6 duplicate address detection ({@link settleAddresses}, up to
 *    `options.dadTimeout`). Go waits only when an IPv6 address has a gateway; here
 *    whenever one was added, as it is not usable before.
 * 5. Adds every route of `result.routes` through `ifName` (all of them, on every call:
 *    routes carry no interface, so give each interface's call only its own routes — a
 *    route whose `gw` is on another interface fails with 'ENETUNREACH' and undoes the
 *    call), as Go's RouteAddEcmp does (`rt.route.prepend`: a route of the same
 *    destination and metric on another interface is kept beside it, for IPv6 as one
 *    multipath route). A route without `gw` goes through the default gateway of its
 *    family: the first `gateway` of the taken addresses of that family (Go's rule); one
 *    of scope link (253) or host (254) is a route on the link, without gateway (Go puts
 *    the default gateway in, which the kernel refuses with either scope).
 *    `priority` is the metric, `table`, `scope`, `mtu` and `advmss` (CNI 1.1) are set as
 *    given (Go sets all but mtu and advmss); 0 means unset. The same route listed twice
 *    is added once.
 *
 * Bad input is refused before anything is looked at, with an InvalidArgumentError naming
 * the field (`result.ips[2].interface`, `result.routes[1].dst`): an `interface` that is
 * not an index of `result.interfaces`, no interface named `ifName` at all, addresses
 * without `interface` when none is `ifName`'s, a malformed
 * address, gateway or route, an address given twice, and a route without `gw` whose
 * family has no default gateway (Go would add it as a device route of scope universe;
 * give `scope: 253` for a route on the link).
 *
 * Atomic: when a step fails, what the call did is undone (routes and addresses deleted,
 * the link set down again if it was down, the sysctls written back), then it rejects
 * with a {@link ConfigureIfaceError} naming the step and the item, the kernel's
 * NetlinkError as its `cause`. An address or route that is there already fails the call
 * with the kernel's 'EEXIST', as in Go (so a second call with the same result fails), and
 * is left as it was.
 *
 * Equivalent to: `ipam.ConfigureIface(ifName, result)` run inside the netns (Go,
 * containernetworking/plugins pkg/ipam); by hand, `sysctl -w
 * net.ipv6.conf.IF.disable_ipv6=0`, `ip addr add ADDR broadcast + dev IF` per address,
 * `ip link set IF up`, and `ip route prepend DST via GW dev IF` per route.
 *
 * @example
 * await configureIface('eth0', {
 *   cniVersion: '1.1.0',
 *   interfaces: [{ name: 'eth0', sandbox: '/run/netns/blue' }],
 *   ips: [{ address: '10.1.0.2/24', gateway: '10.1.0.1', interface: 0 }],
 *   routes: [{ dst: '0.0.0.0/0' }],
 * }, { netns: ns });
 * @throws InvalidArgumentError for bad input (nothing changed); ConfigureIfaceError
 *   when a step fails (what the call changed undone); ClosedError for a closed Netns;
 *   SysError when `{ pid }` names no process.
 */
export async function configureIface(ifName: string, result: CniResult, options: ConfigureIfaceOptions = {}): Promise<void> {
  if (typeof ifName !== 'string') throw new InvalidArgumentError('ifName', `expected an interface name, got ${showValue(ifName)}`);
  const bad = ifnameProblem(ifName);
  if (bad) throw new InvalidArgumentError('ifName', bad);
  if (!isObj(options)) throw new InvalidArgumentError('options', `expected an object, got ${showValue(options)}`);
  checkOptionKeys(options, OPTION_KEYS, 'options.');
  const dadTimeout = options.dadTimeout ?? DEFAULT_DAD_TIMEOUT;
  checkTimeout(dadTimeout, 'options.dadTimeout');
  const { addrs, routes } = plan(ifName, result);
  const v6 = addrs.some((a) => a.family === 6);

  // A pid is opened once, so that the rtnetlink socket and the sysctls act in one netns.
  let owned: Netns | undefined;
  let target: { readonly fd: number } | undefined;
  if (options.netns !== undefined) {
    const r = resolveNetns(options.netns, 'options.netns');
    if ('pid' in r) target = owned = Netns.fromPid(r.pid);
    else target = typeof options.netns === 'object' ? (options.netns as { readonly fd: number }) : { fd: r.fd };
  }
  try {
    const rt = Rtnl.open(target ? { netns: target } : {});
    try {
      await apply(rt, target, ifName, addrs, routes, v6, dadTimeout);
    } finally {
      rt.close();
    }
  } finally {
    owned?.close();
  }
}

async function apply(rt: Rtnl, ns: { readonly fd: number } | undefined, ifName: string, addrs: readonly PlannedAddr[], routes: readonly PlannedRoute[], v6: boolean, dadTimeout: number): Promise<void> {
  const where = rt.where();
  const done: Done[] = [];
  const fail = async (step: ConfigureIfaceStep, item: string, msg: string, cause: unknown): Promise<never> => {
    throw new ConfigureIfaceError(step, item, msg, cause, where, done.length, await undoAll(done));
  };

  let index: number;
  let wasUp: boolean;
  try {
    const link = await rt.link.get(ifName);
    index = link.index;
    wasUp = link.up;
  } catch (e) {
    return fail('link', ifName, `cannot find ${ifName}`, e);
  }

  if (v6) {
    // Read all first, so that a netns without IPv6 fails before anything is written.
    const wanted: [key: string, value: string][] = [
      [`net/ipv6/conf/lo/disable_ipv6`, '0'],
      [`net/ipv6/conf/${ifName}/disable_ipv6`, '0'],
      [`net/ipv6/conf/${ifName}/keep_addr_on_down`, '1'],
    ];
    const before: string[] = [];
    for (const [key, value] of wanted) {
      try {
        before.push(sysctlGet(ns, key));
      } catch (e) {
        return fail('sysctl', key, `cannot read ${key} (to set it to ${value} for IPv6)`, e);
      }
    }
    for (let i = 0; i < wanted.length; i++) {
      const [key, value] = wanted[i]!;
      const old = before[i]!;
      if (old === value) continue;
      try {
        sysctlSet(ns, key, value);
      } catch (e) {
        return fail('sysctl', key, `cannot set ${key}=${value}`, e);
      }
      // The link's own sysctls go with it when it is deleted meanwhile: nothing to write back.
      const own = !key.startsWith('net/ipv6/conf/lo/');
      done.push({
        what: `writing ${key}=${old} back`,
        undo: () => {
          try {
            sysctlSet(ns, key, old);
          } catch (e) {
            if (!(own && e instanceof SysError && e.code === 'ENOENT')) throw e;
          }
        },
      });
    }
  }

  for (const a of addrs) {
    try {
      await rt.addr.add(index, a.address, a.family === 4 && a.prefixLen < 31 ? { broadcast: true } : {});
    } catch (e) {
      return fail('address', a.item, `cannot add ${a.item} to ${ifName}`, e);
    }
    done.push({ what: `deleting ${a.address} from ${ifName}`, undo: () => ignore(rt.addr.del(index, a.address), 'EADDRNOTAVAIL', 'ENODEV') });
  }

  if (!wasUp) {
    try {
      await rt.link.set(index, { up: true });
    } catch (e) {
      return fail('up', ifName, `cannot set ${ifName} up`, e);
    }
    done.push({ what: `setting ${ifName} down again`, undo: () => ignore(rt.link.set(index, { up: false }), 'ENODEV') });
  }

  if (v6 && dadTimeout > 0) {
    try {
      await settleAddresses(rt, ifName, dadTimeout);
    } catch (e) {
      return fail('settle', ifName, `IPv6 addresses of ${ifName} did not settle`, e);
    }
  }

  for (const r of routes) {
    const spec = { ...r.spec, dev: index };
    try {
      await rt.route.prepend(spec);
    } catch (e) {
      return fail('route', r.item, `cannot add ${r.item} dev ${ifName}`, e);
    }
    // Deleted by everything it was added with: of routes of the same key, IPv4 removes the
    // first that matches, which is this one (prepend put it first); IPv6 with a gateway
    // removes that nexthop alone.
    done.push({ what: `deleting ${r.item}`, undo: () => ignore(rt.route.del({ ...spec, protocol: 'boot', type: 'unicast' }), 'ESRCH', 'ENODEV') });
  }
}

/** Await `p`, taking the NetlinkError codes `codes` (already gone) as success. */
async function ignore(p: Promise<unknown>, ...codes: string[]): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof NetlinkError && codes.includes(e.code))) throw e;
  }
}
