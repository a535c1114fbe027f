/**
 * `nlkit-macvlan`: the macvlan CNI plugin on nlkit, doing what the reference `macvlan`
 * plugin (containernetworking/plugins 1.1) does, with the same kernel state:
 *
 * Host netns: nothing is changed. The master (`"master"`, else the interface of the
 * host's default route) is looked up there, and must be an Ethernet device with an MTU
 * at least `"mtu"`.
 * Container netns, on CNI_IFNAME:
 * - a macvlan of the master in `"mode"` (bridge, private, vepa or passthru), with `"mtu"`
 *   and the configured MAC when given, born there: one RTM_NEWLINK from the host netns
 *   carries the final name and IFLA_NET_NS_FD of the container's netns;
 * - with `ipam`: `arp_notify=1` and `ndisc_notify=1` on it, then the IPAM addresses and
 *   routes (configureIface, which sets it up); without, a layer-2 attachment: it is only
 *   set up.
 *
 * ADD is atomic: the link is deleted and the IPAM allocation released on any failure
 * after they were made. DEL is idempotent. CHECK compares the kernel with prevResult.
 * @module
 */
import { Netns } from '../../ns/index.js';
import { ARPHRD_ETHER } from '../../rtnl/constants.js';
import { Rtnl } from '../../rtnl/handle.js';
import { isLinkKind, type Link } from '../../rtnl/link/decode.js';
import { randomVethName, type MacAddr } from '../../veth/index.js';
import { ipamAdd, ipamCheck, ipamDel, ipamGc, ipamStatus, ipamType } from '../ipam.js';
import { checkRtnl, isNetlinkErrno, openNetns, withHostAndContainer } from '../netns.js';
import type { PluginContext, PluginHandlers } from '../runtime.js';
import {
  CNI_ERR, CniError, ifnameProblem,
  type CniIpConfig, type CniResult, type CniRoute,
} from '../types.js';
import { CHECK_ERR, prevAttachment, step, trySysctl, checkAddresses, configureIfaceAsReference, delAttachment, checkRoutes, containerMac, linkOr, refuseTakenIfname } from '../veth-plugin.js';

/** nlkit-macvlan's CHECK codes: the same as nlkit-ptp's and nlkit-bridge's ({@link CHECK_ERR}): 110 interface, 111 address, 112 route. */
export const MACVLAN_ERR = CHECK_ERR;

/** The macvlan mode when the configuration has none (as the reference plugin). */
export const DEFAULT_MACVLAN_MODE: MacvlanMode = 'bridge';

/** The modes `"mode"` takes: the reference's, as the kernel names them (MACVLAN_MODE_*; not `source`). */
const MODES = ['bridge', 'private', 'vepa', 'passthru'] as const;

/** A macvlan mode nlkit-macvlan makes (`"mode"` of the configuration). */
export type MacvlanMode = (typeof MODES)[number];

/** The kernel's smallest MTU of an Ethernet device (ETH_MIN_MTU). */
const MIN_MTU = 68;

/** Fresh temporary names tried for the old-kernel fallback of {@link createMacvlan}. */
const TEMP_NAME_ATTEMPTS = 10;

/** macvlan's own configuration fields, checked (no I/O). */
interface MacvlanConf {
  /** undefined: the interface of the host's default route. */
  master: string | undefined;
  mode: MacvlanMode;
  /** undefined: the kernel's default (the master's MTU). */
  mtu: number | undefined;
  mac: MacAddr | null;
  /** The IPAM plugin; undefined: a layer-2 attachment (no addresses). */
  ipam: string | undefined;
}

function isSet(v: unknown): boolean {
  return v !== undefined && v !== null && v !== '';
}

/** The configuration's fields, checked before anything is looked at or allocated. */
function macvlanConf(ctx: PluginContext): MacvlanConf {
  const raw = ctx.conf.raw;
  const m = raw['master'];
  let master: string | undefined;
  if (isSet(m)) {
    if (typeof m !== 'string') throw new CniError(CNI_ERR.INVALID_CONFIG, 'invalid master', `"master" must be an interface name, got ${JSON.stringify(m)}`);
    const bad = ifnameProblem(m);
    if (bad) throw new CniError(CNI_ERR.INVALID_CONFIG, 'invalid master', `"master": ${bad}`);
    master = m;
  }
  const md = raw['mode'];
  let mode: MacvlanMode = DEFAULT_MACVLAN_MODE;
  if (isSet(md)) {
    if (typeof md !== 'string' || !(MODES as readonly string[]).includes(md)) {
      throw new CniError(CNI_ERR.INVALID_CONFIG, `unknown macvlan mode: ${JSON.stringify(md)}`, `"mode" must be one of ${MODES.join(', ')}`);
    }
    mode = md as MacvlanMode;
  }
  const u = raw['mtu'];
  let mtu: number | undefined;
  if (u !== undefined && u !== null && u !== 0) {
    if (typeof u !== 'number' || !Number.isInteger(u) || u < MIN_MTU || u > 65535) {
      throw new CniError(CNI_ERR.INVALID_CONFIG, 'invalid mtu', `"mtu" must be 0 (the master's) or an integer from ${MIN_MTU} to the master's MTU, got ${JSON.stringify(u)}`);
    }
    mtu = u;
  }
  const lc = raw['linkInContainer'];
  if (lc !== undefined && lc !== null && lc !== false) {
    if (lc !== true) throw new CniError(CNI_ERR.INVALID_CONFIG, 'invalid linkInContainer', `"linkInContainer" must be true or false, got ${JSON.stringify(lc)}`);
    throw new CniError(CNI_ERR.UNSUPPORTED_FIELD, 'unsupported field: linkInContainer=true', 'nlkit-macvlan takes the master from the host network namespace only; leave linkInContainer out');
  }
  // The MAC, as the reference takes it: "mac", then CNI_ARGS MAC=, then runtimeConfig.mac
  // (the "mac" capability), each later one winning. Only the winner is read.
  const rtMac = ctx.conf.runtimeConfig?.['mac'];
  const argMac = ctx.args.get('MAC');
  const mac = isSet(rtMac) ? containerMac(rtMac, 'runtimeConfig.mac')
    : isSet(argMac) ? containerMac(argMac, 'CNI_ARGS MAC')
      : containerMac(raw['mac'], 'mac');
  return { master, mode, mtu, mac, ipam: ctx.conf.ipam === undefined ? undefined : ipamType(ctx) };
}

/**
 * The interface of the first default route of the main table (IPv4 before IPv6), as
 * the reference's getDefaultRouteInterfaceName; one that is not a unicast route through
 * one interface (a blackhole; IPv6's unreachable, which names lo; a multipath route) is
 * passed over for the next.
 */
async function defaultRouteInterface(rh: Rtnl): Promise<string | undefined> {
  const routes = await rh.route.list();
  const defaults = routes.filter((r) => r.dstLen === 0 && r.fromLen === undefined && r.type === 'unicast' && r.dev !== undefined).sort((a, b) => a.family - b.family);
  for (const r of defaults) {
    try {
      return (await rh.link.get(r.dev!)).name;
    } catch (e) {
      if (!isNetlinkErrno(e, 'ENODEV')) throw e; // gone since the dump: take the next
    }
  }
  return undefined;
}

/**
 * The master in the host netns, checked: there (`missing` is the code when it is not),
 * an Ethernet device (what the kernel takes as a macvlan's lower device), and with an
 * MTU no smaller than the configuration's.
 */
async function findMaster(rh: Rtnl, conf: MacvlanConf, missing: number): Promise<Link> {
  const where = 'the host network namespace';
  let name = conf.master;
  if (name === undefined) {
    name = await defaultRouteInterface(rh);
    if (name === undefined) throw new CniError(missing, 'no default route interface found', `"master" is not set, and ${where} has no default route through an interface to take it from`);
  }
  let m: Link;
  try {
    m = await rh.link.get(name);
  } catch (e) {
    if (isNetlinkErrno(e, 'ENODEV')) throw new CniError(missing, `master "${name}" not found`, `no link named ${name} in ${where}`);
    throw e;
  }
  if (m.type !== ARPHRD_ETHER) throw new CniError(CNI_ERR.INVALID_CONFIG, `master "${name}" cannot carry a macvlan`, `a macvlan's master must be an Ethernet device; ${name} is of link type ${m.linkType}`);
  if (conf.mtu !== undefined && m.mtu !== undefined && conf.mtu > m.mtu) {
    throw new CniError(CNI_ERR.INVALID_CONFIG, `invalid MTU ${conf.mtu}, must be [0, master MTU(${m.mtu})]`, `a macvlan's MTU cannot exceed its master's: ${name} has ${m.mtu}`);
  }
  return m;
}

/** @internal Options of {@link createMacvlan}. */
export interface CreateMacvlanOptions {
  /** MTU; undefined: the kernel's default, the master's. */
  readonly mtu?: number | undefined;
  /** MAC; undefined or null: random (passthru: the master's). */
  readonly mac?: MacAddr | null | undefined;
  /** Temporary names for the old-kernel fallback. Defaults to randomVethName (`vethXXXXXXXX`, as the reference). */
  readonly randomName?: (() => string) | undefined;
}

/**
 * @internal Create the macvlan `ifName` of `master` (an ifindex of `rh`'s netns) in
 * mode `mode`, down, in the netns `ns` that `rc` is bound to, and read it back: one
 * RTM_NEWLINK over `rh` with the final name and IFLA_NET_NS_FD of `ns`.
 *
 * A kernel from before "rtnetlink: Lookup device in target netns when creating link"
 * (2024) looks the new name up in the sending socket's netns, so a host link of that
 * name refuses the create with EEXIST (the reason the reference always creates under a
 * temporary name and renames). On an EEXIST that the container does not explain — it
 * has no link of that name — the link is created under a random temporary name (a new
 * one on each EEXIST, up to 10) and renamed in the container. A name the container has
 * is CniError 4. Either the link exists when this resolves, or nothing was made.
 */
export async function createMacvlan(rh: Rtnl, rc: Rtnl, ns: Netns, nsPath: string, ifName: string, master: number, mode: MacvlanMode, options: CreateMacvlanOptions = {}): Promise<Link> {
  const create = (name: string) => rh.link.add({
    kind: 'macvlan', name, link: master, netns: ns,
    ...(options.mtu !== undefined ? { mtu: options.mtu } : {}),
    ...(options.mac ? { address: options.mac } : {}),
    data: { mode },
  });
  try {
    await create(ifName);
  } catch (e) {
    if (!isNetlinkErrno(e, 'EEXIST')) throw e;
    await refuseTakenIfname(rc, ifName, nsPath);
    const randomName = options.randomName ?? randomVethName;
    let tmp: string;
    for (let attempt = 1; ; attempt++) {
      tmp = randomName();
      try {
        await create(tmp);
        break;
      } catch (t) {
        if (!isNetlinkErrno(t, 'EEXIST') || attempt >= TEMP_NAME_ATTEMPTS) throw t;
      }
    }
    try {
      await rc.link.set(tmp, { name: ifName });
    } catch (r) {
      await delOrWrap(rc, tmp, r);
      if (isNetlinkErrno(r, 'EEXIST')) throw new CniError(CNI_ERR.INVALID_ENV, 'invalid CNI_IFNAME', `an interface named ${ifName} already exists in ${nsPath}`, { cause: r });
      throw r;
    }
  }
  try {
    return await rc.link.get(ifName);
  } catch (e) {
    await delOrWrap(rc, ifName, e);
    throw e;
  }
}

/** Delete the link `name` after `cause`; a failure to (but for ENODEV) is added to the error thrown. */
async function delOrWrap(rt: Rtnl, name: string, cause: unknown): Promise<void> {
  try {
    await rt.link.del(name);
  } catch (d) {
    if (isNetlinkErrno(d, 'ENODEV')) return;
    throw new AggregateError([cause, d], `${(cause as Error).message}; and deleting the half-made macvlan ${name} failed: ${(d as Error).message}`);
  }
}

async function add(ctx: PluginContext): Promise<CniResult> {
  const conf = macvlanConf(ctx);
  const netns = ctx.netns!;
  const dev = ctx.ifName;
  return withHostAndContainer(netns, async ({ ns, rh: hostRt, rc: ctrRt }) => {
    const master = await step('failed to look up the master', () => findMaster(hostRt, conf, CNI_ERR.INVALID_CONFIG));
    await refuseTakenIfname(ctrRt, dev, netns);
    const link = await step(`failed to create macvlan ${dev} on ${master.name}`, () => createMacvlan(hostRt, ctrRt, ns, netns, dev, master.index, conf.mode, { mtu: conf.mtu, mac: conf.mac }));
    // The link exists: from here on, any failure deletes it (and releases IPAM).
    let allocated = false;
    try {
      let ips: CniIpConfig[] | undefined;
      let routes: CniRoute[] | undefined;
      if (conf.ipam !== undefined) {
        const ipam = await ipamAdd(ctx, conf.ipam);
        allocated = true;
        if (!ipam.ips || ipam.ips.length === 0) throw new CniError(CNI_ERR.DELEGATE_FAILED, 'IPAM plugin returned missing IP config', 'the IPAM result has no ips');
        // Every address is the macvlan's, interface 0 of the result.
        ips = ipam.ips.map((ip) => ({ address: ip.address, ...(ip.gateway !== undefined ? { gateway: ip.gateway } : {}), interface: 0 }));
        routes = ipam.routes ?? [];
        trySysctl(ns, `net/ipv4/conf/${dev}/arp_notify`, '1');
        trySysctl(ns, `net/ipv6/conf/${dev}/ndisc_notify`, '1');
        await configureIfaceAsReference(ctx, dev, { cniVersion: ctx.conf.cniVersion, interfaces: [{ name: dev, sandbox: netns }], ips, routes }, ns);
      } else {
        await step(`failed to set ${dev} up`, () => ctrRt.link.set(link.index, { up: true }));
      }
      return {
        cniVersion: ctx.conf.cniVersion,
        interfaces: [{ name: dev, ...(link.address !== undefined ? { mac: link.address } : {}), sandbox: netns }],
        ...(ips ? { ips } : {}),
        ...(routes?.length ? { routes } : {}),
        // The configuration's dns, as the reference returns it (not the IPAM plugin's).
        ...(ctx.conf.dns ? { dns: ctx.conf.dns } : {}),
      };
    } catch (e) {
      const undo: string[] = [];
      try {
        await ctrRt.link.del(link.index);
      } catch (d) {
        if (!isNetlinkErrno(d, 'ENODEV')) undo.push(`deleting ${dev} failed: ${(d as Error).message}`);
      }
      if (allocated) {
        try {
          await ipamDel(ctx, conf.ipam);
        } catch (d) {
          undo.push(`the IPAM release failed: ${(d as Error).message}`);
        }
      }
      if (undo.length > 0) {
        ctx.log(`ADD failed and undoing it failed too: ${undo.join('; ')}`);
        if (e instanceof CniError) throw new CniError(e.code, e.msg, `${e.details ?? ''}${e.details ? '; ' : ''}and ${undo.join('; ')}`, { cause: e });
      }
      throw e;
    }
  });
}

/**
 * DEL: the link deleted by CNI_IFNAME in the container, then the IPAM reservation
 * released (the reference releases first), both tried whatever the other gave. Idempotent: a missing link, a netns
 * that is gone or no CNI_NETNS is success. Only `ipam` of the configuration is read (as
 * the reference): a master that is gone or a mode changed since ADD does not stop it.
 */
async function del(ctx: PluginContext): Promise<void> {
  // Only `ipam` of the configuration (a runtime retries a failed DEL until it succeeds,
  // so nothing ADD alone checks may fail it); the link and the allocation both tried.
  await delAttachment(ctx, ipamOf(ctx), false);
}

async function check(ctx: PluginContext): Promise<void> {
  const conf = macvlanConf(ctx);
  const netns = ctx.netns!;
  const ns = openNetns(netns);
  let host: Netns | undefined;
  try {
    host = Netns.get();
    const rh = Rtnl.open({ netns: host });
    let master: Link;
    try {
      master = await findMaster(rh, conf, MACVLAN_ERR.INTERFACE);
    } finally {
      rh.close();
    }
    if (conf.ipam !== undefined) await ipamCheck(ctx, conf.ipam);
    const prev = ctx.conf.prevResult;
    if (!prev) throw new CniError(CNI_ERR.INVALID_CONFIG, 'macvlan: required prevResult missing', 'CHECK needs the result of the ADD in "prevResult"');
    const { want, ips } = prevAttachment(prev, ctx.ifName, netns);
    const rt = Rtnl.open({ netns: ns });
    try {
      const link = await linkOr(rt, ctx.ifName, netns);
      if (!isLinkKind(link, 'macvlan')) throw new CniError(MACVLAN_ERR.INTERFACE, `interface ${ctx.ifName} is not a macvlan`, `its kind is ${link.kind ?? 'none'}`);
      const mode = link.linkinfo.data?.mode;
      if (mode !== conf.mode) throw new CniError(MACVLAN_ERR.INTERFACE, `macvlan ${ctx.ifName} is in mode ${String(mode)}, not ${conf.mode}`, 'the configuration\'s "mode" differs from the interface\'s');
      if (link.link !== master.index) throw new CniError(MACVLAN_ERR.INTERFACE, `macvlan ${ctx.ifName} is not on master ${master.name}`, `its lower device is ifindex ${String(link.link)}, ${master.name} is ${master.index}`);
      if (want.mac && link.address?.toLowerCase() !== want.mac.toLowerCase()) throw new CniError(MACVLAN_ERR.INTERFACE, `interface ${ctx.ifName} changed its MAC address`, `prevResult says ${want.mac}, the kernel ${link.address}`);
      if (!link.up) throw new CniError(MACVLAN_ERR.INTERFACE, `interface ${ctx.ifName} is down`);
      await checkAddresses(rt, link, ips, netns);
      await checkRoutes(rt, link, prev.routes ?? [], ips, netns);
    } finally {
      rt.close();
    }
  } finally {
    ns.close();
    host?.close();
  }
}

/** `ipam.type`, read without ADD's checks (for DEL, STATUS and GC). */
function ipamOf(ctx: PluginContext): string | undefined {
  const t = ctx.conf.ipam?.type;
  return typeof t === 'string' && t !== '' ? t : undefined;
}

/**
 * STATUS: ready when the IPAM plugin is, rtnetlink opens, and the master ADD would use
 * is there — the configured `master`, or without one an interface with a default route —
 * else CniError 50 (not available), as a NIC that has not appeared yet cannot serve ADD.
 * The reference (1.1.1) has no STATUS; later versions check IPAM only and leave the master
 * as a TODO. Only ipam.type and master are read, and a master of the wrong type is left
 * to ADD to refuse: STATUS says whether ADD can be served at all, not whether this
 * configuration is right.
 */
async function status(ctx: PluginContext): Promise<void> {
  const ipam = ipamOf(ctx);
  if (ipam !== undefined) await ipamStatus(ctx, ipam);
  checkRtnl();
  // Unset as ADD reads it (macvlanConf's isSet): absent, null and "" all mean the
  // interface of the default route.
  const raw = ctx.conf.raw['master'];
  const master = isSet(raw) ? raw : undefined;
  if (master !== undefined && typeof master !== 'string') return;
  const rh = Rtnl.open();
  try {
    const name = master ?? (await defaultRouteInterface(rh));
    if (name === undefined) throw new CniError(CNI_ERR.PLUGIN_NOT_AVAILABLE, 'no default route interface found', '"master" is not set, and the host network namespace has no default route through an interface to take it from');
    try {
      await rh.link.get(name);
    } catch (e) {
      if (isNetlinkErrno(e, 'ENODEV')) throw new CniError(CNI_ERR.PLUGIN_NOT_AVAILABLE, `master "${name}" not found`, `no link named ${name} in the host network namespace`);
      throw e;
    }
  } finally {
    rh.close();
  }
}

async function gc(ctx: PluginContext): Promise<void> {
  const ipam = ipamOf(ctx);
  if (ipam !== undefined) await ipamGc(ctx, ipam);
}

/** The nlkit-macvlan plugin's handlers, for {@link runPlugin}. */
export const macvlanPlugin: PluginHandlers = { add, del, check, status, gc };
