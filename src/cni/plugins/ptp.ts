/**
 * `nlkit-ptp`: a point-to-point CNI plugin on nlkit, doing what the reference `ptp`
 * plugin (containernetworking/plugins) does, with the same kernel state:
 *
 * Container netns, on CNI_IFNAME (one end of a veth pair):
 * - each IPAM address (IPv4 with its broadcast address, like netlink.AddrAdd sets it);
 * - for IPv6: `disable_ipv6` cleared on lo and the interface where set, and the
 *   addresses left to finish DAD (up to 10 s) before routes use them as sources;
 * - the IPAM routes, through their `gw` or else the address's gateway;
 * - per address, the kernel's prefix route replaced by
 *   `GW dev IF scope link src ADDR` and `NET/LEN via GW dev IF src ADDR`, so all traffic,
 *   the subnet's included, goes through the gateway (the host end).
 * Host netns, on the other end (random `vethXXXXXXXX` name):
 * - each gateway as a /32 (/128) address, and a host route `ADDR dev VETH scope host`
 *   to each container address;
 * - net.ipv4.ip_forward=1 (net.ipv6.conf.all.forwarding=1 for IPv6);
 * - with `ipMasq`, the container's addresses masqueraded out of their subnet (iptables
 *   nat rules in a chain of the attachment's, as the reference makes them).
 *
 * ADD is atomic: the pair is created and configured in one setupVeth call that deletes
 * it on any failure, and the IPAM allocation is released when anything fails after it.
 * DEL is idempotent. CHECK compares the kernel with prevResult.
 * @module
 */
import { Rtnl } from '../../rtnl/handle.js';
import { formatIp } from '../../rtnl/ip.js';
import { MacAddr, setupVeth, type Veth } from '../../veth/index.js';
import { MAX_QUEUES } from '../../rtnl/validate.js';
import { ipamAdd, ipamCheck, ipamGc, ipamStatus, ipamType } from '../ipam.js';
import { checkRtnl, isNetlinkErrno, openContainerAndHost, openHandles } from '../netns.js';
import {
  CHECK_ERR, checkAddresses, checkIptables, checkRoutes, containerMac, delAttachment, ensureSysctl, releaseIpam, fullLen, hasRoute, linkOr, masqAttachment, prevAttachment, refuseTakenIfname,
} from '../veth-plugin.js';
import { cniRouteSpec, settleAddresses } from '../configure.js';
import type { PluginContext, PluginHandlers } from '../runtime.js';
import {
  CNI_ERR, CniError, dnsIsSet, familyOf, networkText, parseCidr,
  type CniDns, type CniIpConfig, type CniResult, type CniRoute,
} from '../types.js';

/**
 * nlkit-ptp's own error codes (CHECK drift), beside the spec's: 110 an interface of
 * prevResult missing or changed (kind, MAC, down), 111 an address of prevResult (or the
 * host end's gateway address) missing, 112 a route of prevResult, or one ptp made,
 * missing. The same codes as nlkit-bridge's ({@link CHECK_ERR}).
 */
export const PTP_ERR = CHECK_ERR;

/** MTU when the configuration has none (the kernel's default for veth). */
export const DEFAULT_MTU = 1500;

/** ptp's own configuration fields, checked. */
interface PtpConf {
  mtu: number;
  /** TX and RX queues of each veth end (setupVeth's options.queues); undefined: the kernel's default. */
  queues: number | undefined;
  mac: MacAddr | null;
  ipam: string;
  /** Masquerade the container's traffic out of its subnet (iptables, as the reference). */
  ipMasq: boolean;
}

function ptpConf(ctx: PluginContext): PtpConf {
  const raw = ctx.conf.raw;
  let mtu = DEFAULT_MTU;
  const m = raw['mtu'];
  if (m !== undefined && m !== null && m !== 0) {
    if (typeof m !== 'number' || !Number.isInteger(m) || m < 68 || m > 65535) {
      throw new CniError(CNI_ERR.INVALID_CONFIG, 'invalid mtu', `"mtu" must be an integer from 68 to 65535, got ${JSON.stringify(m)}`);
    }
    mtu = m;
  }
  const q = raw['queues'];
  let queues: number | undefined;
  if (q !== undefined && q !== null) {
    if (typeof q !== 'number' || !Number.isInteger(q) || q < 1 || q > MAX_QUEUES) {
      throw new CniError(CNI_ERR.INVALID_CONFIG, 'invalid queues', `"queues" must be an integer from 1 to ${MAX_QUEUES}, got ${JSON.stringify(q)}`);
    }
    queues = q;
  }
  const mac = containerMac(ctx.conf.runtimeConfig?.['mac'], 'runtimeConfig.mac');
  const ipMasq = ctx.conf.ipMasq === true;
  return { mtu, queues, mac, ipam: ipamType(ctx), ipMasq };
}

/** An IPAM address with what ptp derives from it. */
interface PtpIp {
  ip: CniIpConfig;
  family: 4 | 6;
  /** The bare address. */
  addr: string;
  /** Its network, 'NET/LEN'. */
  net: string;
  gateway: string;
}

function ptpIps(r: CniResult): PtpIp[] {
  if (!r.ips || r.ips.length === 0) throw new CniError(CNI_ERR.DELEGATE_FAILED, 'IPAM plugin returned missing IP config', 'the IPAM result has no ips');
  return r.ips.map((ip) => {
    const p = parseCidr(ip.address)!;
    if (!ip.gateway) throw new CniError(CNI_ERR.DELEGATE_FAILED, 'IPAM result has an address without a gateway', `${ip.address}: ptp routes everything through the gateway, and needs one per address`);
    return { ip, family: p.family, addr: formatIp(p.bytes), net: networkText(p), gateway: ip.gateway };
  });
}

/** The first gateway of each family: what IPAM routes without `gw` go through. */
function defaultGateways(ips: readonly PtpIp[]): { 4?: string; 6?: string } {
  const gw: { 4?: string; 6?: string } = {};
  for (const i of ips) gw[i.family] ??= i.gateway;
  return gw;
}

/** Both ends of the pair, addresses and routes (runs as setupVeth's afterCreate). */
async function configure(veth: Veth, ips: readonly PtpIp[], routes: readonly CniRoute[]): Promise<void> {
  const ctrNs = veth.container.netns;
  const link = veth.container.name;
  const [rt, rh] = openHandles(ctrNs, veth.host.netns);
  try {
    const v6 = ips.some((i) => i.family === 6);
    if (v6) {
      for (const n of ['lo', link]) {
        try {
          ensureSysctl(ctrNs, `net/ipv6/conf/${n}/disable_ipv6`, '0');
        } catch (e) {
          throw new CniError(CNI_ERR.INVALID_CONFIG, `cannot enable IPv6 on ${n}`, (e as Error).message);
        }
      }
    }
    for (const i of ips) {
      const len = parseCidr(i.ip.address)!.prefixLen;
      await rt.addr.add(link, i.ip.address, i.family === 4 && len < 31 ? { broadcast: true } : {});
    }
    if (v6) await settleAddresses(rt, link);
    const gws = defaultGateways(ips);
    const seen = new Set<string>();
    for (const r of routes) {
      const gw = r.gw ?? gws[familyOf(r.dst)];
      // The kernel's key of a route: destination, table (0 and 254 are main) and metric
      // (same gateway too, for a duplicate). Routes that differ in table or priority are
      // different routes.
      const key = `${r.dst} ${gw ?? ''} ${!r.table || r.table === 254 ? 'main' : r.table} ${r.priority ?? 0}`;
      if (seen.has(key)) continue;
      seen.add(key);
      await rt.route.add(cniRouteSpec(r, gw, link));
    }
    for (const i of ips) {
      // Every destination, the own subnet included, goes through the gateway, which is
      // reached on the link itself.
      try {
        await rt.route.del({ dst: i.net, dev: link });
      } catch (e) {
        if (!isNetlinkErrno(e, 'ESRCH')) throw e;
      }
      await rt.route.add({ dst: `${i.gateway}/${fullLen(i.family)}`, dev: link, scope: 'link', src: i.addr });
      await rt.route.add({ dst: i.net, gateway: i.gateway, dev: link, src: i.addr });
    }
    const hostLink = veth.host.name;
    const gwDone = new Set<string>();
    for (const i of ips) {
      if (!gwDone.has(i.gateway)) {
        gwDone.add(i.gateway);
        await rh.addr.add(hostLink, `${i.gateway}/${fullLen(i.family)}`);
      }
      try {
        await rh.route.add({ dst: `${i.addr}/${fullLen(i.family)}`, dev: hostLink, scope: 'host' });
      } catch (e) {
        if (!isNetlinkErrno(e, 'EEXIST')) throw e;
      }
    }
  } finally {
    rt.close();
    rh.close();
  }
}

async function add(ctx: PluginContext): Promise<CniResult> {
  const conf = ptpConf(ctx);
  const [ns, host] = openContainerAndHost(ctx.netns!);
  try {
    // Refuse a taken name before anything is allocated.
    const probe = Rtnl.open({ netns: ns });
    try {
      await refuseTakenIfname(probe, ctx.ifName, ctx.netns!);
    } finally {
      probe.close();
    }
    const ipam = await ipamAdd(ctx, conf.ipam);
    try {
      const ips = ptpIps(ipam);
      if (ips.some((i) => i.family === 4)) ensureSysctl(host, 'net.ipv4.ip_forward', '1');
      if (ips.some((i) => i.family === 6)) ensureSysctl(host, 'net.ipv6.conf.all.forwarding', '1');
      const veth = await setupVeth(ctx.ifName, '', conf.mtu, conf.mac, host, ns, {
        ...(conf.queues !== undefined ? { queues: conf.queues } : {}),
        afterCreate: async (v) => {
          await configure(v, ips, ipam.routes ?? []);
          // Last: nothing after it can fail, so an ADD that fails never leaves rules.
          if (conf.ipMasq) masqAttachment(ctx, ips.map((i) => i.ip.address));
        },
      });
      const dns: CniDns | undefined = dnsIsSet(ctx.conf.dns) ? ctx.conf.dns : ipam.dns;
      return {
        cniVersion: ctx.conf.cniVersion,
        interfaces: veth.toCniInterfaces(),
        ips: ips.map((i) => ({ address: i.ip.address, gateway: i.gateway, interface: 1 })),
        ...(ipam.routes?.length ? { routes: ipam.routes } : {}),
        ...(dns ? { dns } : {}),
      };
    } catch (e) {
      return releaseIpam(ctx, conf.ipam, e);
    }
  } finally {
    ns.close();
    host.close();
  }
}

async function del(ctx: PluginContext): Promise<void> {
  await delAttachment(ctx, ipamType(ctx), ctx.conf.ipMasq === true);
}

async function check(ctx: PluginContext): Promise<void> {
  const conf = ptpConf(ctx);
  const prev = ctx.conf.prevResult;
  if (!prev) throw new CniError(CNI_ERR.INVALID_CONFIG, 'ptp: required prevResult missing', 'CHECK needs the result of the ADD in "prevResult"');
  const netns = ctx.netns!;
  const [ns, host] = openContainerAndHost(netns);
  try {
    await ipamCheck(ctx, conf.ipam);
    const { ifs, ci, want, ips } = prevAttachment(prev, ctx.ifName, netns);
    const [rt, rh] = openHandles(ns, host);
    try {
      const link = await linkOr(rt, ctx.ifName, netns);
      if (link.kind !== 'veth') throw new CniError(PTP_ERR.INTERFACE, `interface ${ctx.ifName} is not a veth`, `its kind is ${link.kind ?? 'none'}`);
      if (want.mac && link.address?.toLowerCase() !== want.mac.toLowerCase()) throw new CniError(PTP_ERR.INTERFACE, `interface ${ctx.ifName} changed its MAC address`, `prevResult says ${want.mac}, the kernel ${link.address}`);
      // No MTU comparison: a later plugin of the chain may set it (tuning's "mtu" does,
      // and leaves the result as it was), and the spec has CHECK allow for that.
      if (!link.up) throw new CniError(PTP_ERR.INTERFACE, `interface ${ctx.ifName} is down`);
      await checkAddresses(rt, link, ips, netns);
      const routes = await checkRoutes(rt, link, prev.routes ?? [], ips, netns);
      for (const i of ips) {
        if (!i.gateway) continue;
        if (!hasRoute(routes, i.gateway, undefined, link.index)) throw new CniError(PTP_ERR.ROUTE, `route to the gateway ${i.gateway} is missing`, `no ${i.gateway} dev ${ctx.ifName} route in ${netns}`);
      }
      const hi = ifs.findIndex((i, n) => n !== ci && !i.sandbox);
      if (hi >= 0) {
        const hwant = ifs[hi]!;
        const hlink = await linkOr(rh, hwant.name, 'the host network namespace');
        if (hlink.kind !== 'veth') throw new CniError(PTP_ERR.INTERFACE, `host interface ${hwant.name} is not a veth`, `its kind is ${hlink.kind ?? 'none'}`);
        if (hwant.mac && hlink.address?.toLowerCase() !== hwant.mac.toLowerCase()) throw new CniError(PTP_ERR.INTERFACE, `host interface ${hwant.name} changed its MAC address`, `prevResult says ${hwant.mac}, the kernel ${hlink.address}`);
        const haddrs = await rh.addr.list({ link: hlink.index });
        const hroutes = await rh.route.list({ dev: hlink.index });
        for (const i of ips) {
          const p = parseCidr(i.address)!;
          if (i.gateway && !haddrs.some((x) => x.address === i.gateway && x.prefixLen === fullLen(p.family))) {
            throw new CniError(PTP_ERR.ADDRESS, `gateway address ${i.gateway} is missing on the host end`, `not on ${hwant.name}`);
          }
          const a = formatIp(p.bytes);
          if (!hasRoute(hroutes, a, undefined, hlink.index)) throw new CniError(PTP_ERR.ROUTE, `host route to ${a} is missing`, `no ${a} dev ${hwant.name} route in the host network namespace`);
        }
      }
    } finally {
      rt.close();
      rh.close();
    }
  } finally {
    ns.close();
    host.close();
  }
}

async function status(ctx: PluginContext): Promise<void> {
  await ipamStatus(ctx, ipamType(ctx));
  checkRtnl();
  if (ctx.conf.ipMasq === true) checkIptables(ctx);
}

async function gc(ctx: PluginContext): Promise<void> {
  await ipamGc(ctx, ipamType(ctx));
}

/** The nlkit-ptp plugin's handlers, for {@link runPlugin}. */
export const ptpPlugin: PluginHandlers = { add, del, check, status, gc };

