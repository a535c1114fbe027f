/**
 * `nlkit-bridge`: the bridge CNI plugin on nlkit, doing what the reference `bridge`
 * plugin (containernetworking/plugins 1.1) does, with the same kernel state:
 *
 * Host netns:
 * - the bridge (`"bridge"`, default `cni0`) made when missing — with the configured MTU,
 *   and VLAN filtering on when `"vlan"` is set — then promiscuous when `promiscMode`,
 *   `net.ipv6.conf.BRIDGE.accept_ra=0`, and up;
 * - with `isGateway`: each address's gateway (the IPAM gateway, else the subnet's first
 *   address) on the bridge with the subnet's prefix length, the bridge's MAC pinned to
 *   itself (so it stops following its ports), and IPv4/IPv6 forwarding on; with `vlan`
 *   as well, the gateway goes on a `BRIDGE.VLAN` veth whose other end is a port of that
 *   VLAN;
 * - a veth pair: the host end (random `vethXXXXXXXX`, `accept_ra=0`) a port of the
 *   bridge, hairpin when `hairpinMode`, and the access port of `vlan` (PVID, untagged)
 *   when set.
 * Container netns, on CNI_IFNAME (the other end, up):
 * - `accept_dad` (0, or 1 with `enhanced_dad` when `enabledad`) and `arp_notify=1`;
 * - the IPAM addresses and routes (configureIface), with a default route through the
 *   gateway when `isDefaultGateway` and IPAM gave none.
 *
 * With `ipMasq`, the container's addresses are masqueraded out of their subnet (iptables
 * nat rules in a chain of the attachment's, as the reference makes them).
 *
 * ADD is atomic for the attachment: the pair, the masquerading and the IPAM allocation are released on any
 * failure. What attachments share — the bridge, its gateway address, forwarding — is
 * made if missing and left in place, as the reference does. DEL is idempotent and never
 * removes the bridge. CHECK compares the kernel with prevResult.
 * @module
 */
import { Netns } from '../../ns/index.js';
import { Rtnl } from '../../rtnl/handle.js';
import { formatIp } from '../../rtnl/ip.js';
import type { Link } from '../../rtnl/link/decode.js';
import { MAX_QUEUES } from '../../rtnl/validate.js';
import { setupVeth, type MacAddr, type Veth } from '../../veth/index.js';
import { configureIface } from '../configure.js';
import { ipamAdd, ipamCheck, ipamGc, ipamStatus, ipamType } from '../ipam.js';
import { checkRtnl, isNetlinkErrno, openContainerAndHost, openHandles } from '../netns.js';
import type { PluginContext, PluginHandlers } from '../runtime.js';
import {
  CNI_ERR, CniError, cidrText, dnsIsSet, familyOf, ifnameProblem, networkText, parseCidr,
  type CniDns, type CniIpConfig, type CniResult, type CniResultInterface, type CniRoute,
} from '../types.js';
import {
  CHECK_ERR, step, trySysctl, checkAddresses, checkIptables, checkRoutes, containerMac, delAttachment, ensureSysctl, linkOr, masqAttachment, prevAttachment, refuseTakenIfname, releaseIpam,
} from '../veth-plugin.js';

/** nlkit-bridge's CHECK codes: the same as nlkit-ptp's ({@link CHECK_ERR}): 110 interface, 111 address, 112 route. */
export const BRIDGE_ERR = CHECK_ERR;

/** The bridge's name when the configuration has none (as the reference plugin). */
export const DEFAULT_BRIDGE = 'cni0';

/** How long ADD waits for the host end to be operationally up, ms between looks (the reference's). */
const PORT_UP_WAITS: readonly number[] = [0, 50, 500, 1000, 1000];

/** bridge's own configuration fields, checked. */
interface BridgeConf {
  bridge: string;
  isGateway: boolean;
  isDefaultGateway: boolean;
  forceAddress: boolean;
  hairpinMode: boolean;
  promiscMode: boolean;
  enableDad: boolean;
  /** Masquerade the container's traffic out of its subnet (iptables, as the reference). */
  ipMasq: boolean;
  /** undefined: the kernel's default (the bridge follows its ports; a veth gets 1500). */
  mtu: number | undefined;
  /** 0: none. */
  vlan: number;
  queues: number | undefined;
  mac: MacAddr | null;
  /** The IPAM plugin; undefined: a layer-2 attachment (no addresses). */
  ipam: string | undefined;
}

function flag(raw: Record<string, unknown>, key: string): boolean {
  const v = raw[key];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new CniError(CNI_ERR.INVALID_CONFIG, `invalid ${key}`, `"${key}" must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

function intField(raw: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const v = raw[key];
  if (v === undefined || v === null || v === 0) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new CniError(CNI_ERR.INVALID_CONFIG, `invalid ${key}`, `"${key}" must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** The configuration's fields, checked before anything is looked at or allocated. */
export function bridgeConf(ctx: PluginContext): BridgeConf {
  const raw = ctx.conf.raw;
  const b = raw['bridge'];
  let bridge = DEFAULT_BRIDGE;
  if (b !== undefined && b !== null && b !== '') {
    if (typeof b !== 'string') throw new CniError(CNI_ERR.INVALID_CONFIG, 'invalid bridge', `"bridge" must be an interface name, got ${JSON.stringify(b)}`);
    const bad = ifnameProblem(b);
    if (bad) throw new CniError(CNI_ERR.INVALID_CONFIG, 'invalid bridge', `"bridge": ${bad}`);
    bridge = b;
  }
  const isDefaultGateway = flag(raw, 'isDefaultGateway');
  const isGateway = flag(raw, 'isGateway') || isDefaultGateway;
  const hairpinMode = flag(raw, 'hairpinMode');
  const promiscMode = flag(raw, 'promiscMode');
  if (hairpinMode && promiscMode) throw new CniError(CNI_ERR.INVALID_CONFIG, 'cannot set hairpin mode and promiscuous mode at the same time', 'hairpinMode sends a port\'s frames back to it; promiscMode makes the bridge receive every frame: pick one');
  const vlan = intField(raw, 'vlan', 0, 4094) ?? 0;
  if (vlan !== 0 && isGateway && Buffer.byteLength(`${bridge}.${vlan}`) > 15) {
    throw new CniError(CNI_ERR.INVALID_CONFIG, 'invalid bridge', `with "vlan" and "isGateway" the gateway goes on an interface named ${bridge}.${vlan}, longer than the kernel's 15 bytes; use a shorter bridge name`);
  }
  if (flag(raw, 'macspoofchk')) {
    throw new CniError(CNI_ERR.UNSUPPORTED_FIELD, 'unsupported field: macspoofchk=true', 'nlkit-bridge has no nftables to drop spoofed frames with; leave macspoofchk out');
  }
  const q = raw['queues'];
  let queues: number | undefined;
  if (q !== undefined && q !== null) {
    if (typeof q !== 'number' || !Number.isInteger(q) || q < 1 || q > MAX_QUEUES) {
      throw new CniError(CNI_ERR.INVALID_CONFIG, 'invalid queues', `"queues" must be an integer from 1 to ${MAX_QUEUES}, got ${JSON.stringify(q)}`);
    }
    queues = q;
  }
  // The container MAC, as the reference takes it: CNI_ARGS MAC=, then args.cni.mac, then
  // runtimeConfig.mac (the "mac" capability), each later one winning.
  const cniArgs = raw['args'];
  const argsMac = typeof cniArgs === 'object' && cniArgs !== null ? ((cniArgs as Record<string, unknown>)['cni'] as Record<string, unknown> | undefined)?.['mac'] : undefined;
  const rtMac = ctx.conf.runtimeConfig?.['mac'];
  const mac = isSet(rtMac) ? containerMac(rtMac, 'runtimeConfig.mac')
    : isSet(argsMac) ? containerMac(argsMac, 'args.cni.mac')
      : containerMac(ctx.args.get('MAC'), 'CNI_ARGS MAC');
  return {
    bridge, isGateway, isDefaultGateway, forceAddress: flag(raw, 'forceAddress'), hairpinMode, promiscMode,
    enableDad: flag(raw, 'enabledad'), ipMasq: flag(raw, 'ipMasq'), mtu: intField(raw, 'mtu', 68, 65535), vlan, queues, mac,
    ipam: ctx.conf.ipam === undefined ? undefined : ipamType(ctx),
  };
}

/**
 * What DEL, STATUS and GC need of the configuration — the IPAM plugin and ipMasq — read
 * without ADD's checks: a runtime retries a failed DEL until it succeeds, so a DEL must
 * not refuse a configuration for what only matters when setting up (a `macspoofchk` of
 * the reference's, an MTU out of range), as the reference's does not.
 */
function teardownConf(ctx: PluginContext): { ipam: string | undefined; ipMasq: boolean } {
  const t = ctx.conf.ipam?.type;
  return { ipam: typeof t === 'string' && t !== '' ? t : undefined, ipMasq: ctx.conf.raw['ipMasq'] === true };
}

function isSet(v: unknown): boolean {
  return v !== undefined && v !== null && v !== '';
}

/** The bridge, made when missing (a concurrent ADD making it too is fine), promiscuous if asked, up. */
async function ensureBridge(rh: Rtnl, host: Netns, conf: BridgeConf): Promise<Link> {
  let br: Link | undefined;
  try {
    br = await rh.link.get(conf.bridge);
  } catch (e) {
    if (!isNetlinkErrno(e, 'ENODEV')) throw e;
  }
  if (br === undefined) {
    try {
      await rh.link.add({
        kind: 'bridge', name: conf.bridge,
        ...(conf.mtu !== undefined ? { mtu: conf.mtu } : {}),
        ...(conf.vlan !== 0 ? { data: { vlanFiltering: 1 } } : {}),
      });
      // Made here, with no port yet: with a gateway, pin its MAC now, before a port could
      // change it (ensureAddr pins a bridge made elsewhere; concurrent ADDs then all pin
      // the same value, the one it was made with).
      if (conf.isGateway) {
        const made = await rh.link.get(conf.bridge);
        if (made.kind === 'bridge' && made.address !== undefined) await rh.link.set(made.index, { address: made.address });
      }
    } catch (e) {
      if (conf.vlan !== 0 && isNetlinkErrno(e, 'EOPNOTSUPP')) {
        throw new CniError(CNI_ERR.UNSUPPORTED_FIELD, `unsupported field: vlan=${conf.vlan}`, `this kernel has no VLAN filtering on bridges (CONFIG_BRIDGE_VLAN_FILTERING): it refused ${conf.bridge} with vlan_filtering on (${(e as Error).message})`, { cause: e });
      }
      if (!isNetlinkErrno(e, 'EEXIST')) throw e;
    }
    br = await rh.link.get(conf.bridge);
  }
  if (br.kind !== 'bridge') throw new CniError(CNI_ERR.INVALID_CONFIG, `"${conf.bridge}" already exists but is not a bridge`, `its kind is ${br.kind ?? 'none'}; name another "bridge"`);
  if (conf.promiscMode && !br.flags.includes('PROMISC')) await rh.link.set(br.index, { promisc: true });
  // We own the routes of the bridge: no router advertisements.
  trySysctl(host, `net/ipv6/conf/${conf.bridge}/accept_ra`, '0');
  if (!br.up) await rh.link.set(br.index, { up: true });
  return br;
}

/** One gateway address to put on the bridge (or its VLAN interface). */
interface Gateway {
  family: 4 | 6;
  /** 'GW/LEN': the gateway with its subnet's prefix length. */
  cidr: string;
}

/** The first address of `cidr`'s subnet (Go's calcGatewayIP: the network address plus one). */
function firstAddress(cidr: string): string {
  const p = parseCidr(networkText(parseCidr(cidr)!))!;
  const b = Uint8Array.from(p.bytes);
  for (let i = b.length - 1; i >= 0; i--) {
    b[i] = (b[i]! + 1) & 0xff;
    if (b[i] !== 0) break;
  }
  return formatIp(b);
}

/**
 * The IPAM result made bridge's (Go's calcGateways): every address is the container
 * interface's (index 2); with isGateway an address without a gateway gets its subnet's
 * first address; with isDefaultGateway each family gets a default route through its
 * first gateway unless IPAM routed the default through one already. Returns the
 * addresses, the routes and the gateways to put on the bridge.
 */
function plan(ipam: CniResult, conf: BridgeConf): { ips: CniIpConfig[]; routes: CniRoute[]; gateways: Gateway[] } {
  if (!ipam.ips || ipam.ips.length === 0) throw new CniError(CNI_ERR.DELEGATE_FAILED, 'IPAM plugin returned missing IP config', 'the IPAM result has no ips');
  const routes = [...(ipam.routes ?? [])];
  const defaultDone = { 4: false, 6: false };
  const gateways: Gateway[] = [];
  const ips = ipam.ips.map((ip) => {
    const p = parseCidr(ip.address)!;
    const family = p.family;
    const gateway = ip.gateway ?? (conf.isGateway ? firstAddress(ip.address) : undefined);
    if (conf.isDefaultGateway && !defaultDone[family]) {
      const def = family === 4 ? '0.0.0.0/0' : '::/0';
      const has = routes.some((r) => r.gw !== undefined && familyOf(r.dst) === family && networkText(parseCidr(r.dst)!) === def);
      if (!has) routes.push({ dst: def, gw: gateway });
      defaultDone[family] = true;
    }
    if (conf.isGateway && gateway !== undefined) gateways.push({ family, cidr: `${gateway}/${p.prefixLen}` });
    return { address: ip.address, ...(gateway !== undefined ? { gateway } : {}), interface: 2 };
  });
  return { ips, routes, gateways };
}

/**
 * Put `gw` on `link` (Go's ensureAddr): nothing to do when it is there; an IPv4 address
 * of another value (IPv6: an overlapping one) is an error, or is replaced with
 * `forceAddress`; then the link's MAC is set to itself, so that a bridge keeps it
 * rather than taking its lowest port's.
 */
async function ensureAddr(rh: Rtnl, link: Link, gw: Gateway, force: boolean): Promise<void> {
  const want = parseCidr(gw.cidr)!;
  const addrs = await rh.addr.list({ link: link.index, family: gw.family });
  for (const a of addrs) {
    const have = `${a.address}/${a.prefixLen}`;
    if (have === cidrText(want)) return;
    if (gw.family === 4 || overlaps(have, gw.cidr)) {
      if (!force) throw new CniError(CNI_ERR.INVALID_CONFIG, `"${link.name}" already has an IP address different from ${gw.cidr}`, `it has ${have}; set "forceAddress": true to replace it`);
      await rh.addr.del(link.index, have);
    }
  }
  try {
    await rh.addr.add(link.index, gw.cidr, gw.family === 4 && want.prefixLen < 31 ? { broadcast: true } : {});
  } catch (e) {
    if (!isNetlinkErrno(e, 'EEXIST')) throw e;
  }
  if (link.address !== undefined) await rh.link.set(link.index, { address: link.address });
}

/** True when either prefix holds the other's address (Go: a.Contains(b.IP) || b.Contains(a.IP)). */
function overlaps(a: string, b: string): boolean {
  const contains = (net: string, addr: string) => {
    const n = parseCidr(net)!;
    const x = parseCidr(`${addr.split('/')[0]!}/${n.prefixLen}`)!;
    return n.family === x.family && networkText(n) === networkText(x);
  };
  return contains(a, b) || contains(b, a);
}

/** The host end a port of the bridge: master, hairpin, `accept_ra=0`, and the access port of `vlan`. */
async function attach(rh: Rtnl, host: Netns, port: { name: string; index: number }, br: Link, hairpin: boolean, vlan: number): Promise<void> {
  await rh.link.set(port.index, { master: br.index, ...(hairpin ? { bridgePort: { hairpin: true } } : {}) });
  trySysctl(host, `net/ipv6/conf/${port.name}/accept_ra`, '0');
  if (vlan !== 0) {
    try {
      await rh.vlan.add(port.index, { vid: vlan, pvid: true, untagged: true });
    } catch (e) {
      if (isNetlinkErrno(e, 'EOPNOTSUPP')) throw new CniError(CNI_ERR.UNSUPPORTED_FIELD, `unsupported field: vlan=${vlan}`, `this kernel has no VLAN filtering on bridges (CONFIG_BRIDGE_VLAN_FILTERING): ${(e as Error).message}`, { cause: e });
      throw e;
    }
  }
}

/**
 * The VLAN gateway interface `BRIDGE.VLAN` (Go's ensureVlanInterface): a veth in the host
 * netns whose other end is the bridge's access port of the VLAN; made when missing.
 */
async function ensureVlanInterface(rh: Rtnl, host: Netns, br: Link, vlan: number): Promise<Link> {
  const name = `${br.name}.${vlan}`;
  try {
    return await rh.link.get(name);
  } catch (e) {
    if (!isNetlinkErrno(e, 'ENODEV')) throw e;
  }
  try {
    await setupVeth(name, '', br.mtu ?? 1500, null, host, host, {
      handles: { host: rh },
      afterCreate: (v) => attach(rh, host, v.host, br, false, vlan),
    });
  } catch (e) {
    // A concurrent ADD made it first: use theirs.
    if (!isNetlinkErrno(e, 'EEXIST')) throw e;
  }
  return rh.link.get(name);
}

/** Wait until the host end is operationally up (carrier, so a forwarding port), as the reference does. */
async function waitPortUp(rh: Rtnl, index: number, name: string): Promise<Link> {
  let link: Link | undefined;
  for (const ms of PORT_UP_WAITS) {
    if (ms > 0) await new Promise((r) => setTimeout(r, ms));
    link = await rh.link.get(index);
    if (link.operstate === 'UP') return link;
  }
  throw new CniError(CNI_ERR.TRY_AGAIN_LATER, 'bridge port in error state', `${name} is ${link?.operstate ?? 'unknown'}, not UP, after ${PORT_UP_WAITS.reduce((a, b) => a + b, 0) / 1000} s`);
}

function iface(l: Link, sandbox?: string): CniResultInterface {
  return { name: l.name, ...(l.address !== undefined ? { mac: l.address } : {}), mtu: l.mtu, ...(sandbox !== undefined ? { sandbox } : {}) };
}

async function add(ctx: PluginContext): Promise<CniResult> {
  const conf = bridgeConf(ctx);
  const [ns, host] = openContainerAndHost(ctx.netns!);
  let rh: Rtnl;
  try {
    rh = Rtnl.open({ netns: host });
  } catch (e) {
    ns.close();
    host.close();
    throw e;
  }
  try {
    const probe = Rtnl.open({ netns: ns });
    try {
      await refuseTakenIfname(probe, ctx.ifName, ctx.netns!);
    } finally {
      probe.close();
    }
    const br = await step(`failed to create bridge "${conf.bridge}"`, () => ensureBridge(rh, host, conf));
    const ipam = conf.ipam !== undefined ? await ipamAdd(ctx, conf.ipam) : undefined;
    try {
      const p = ipam ? plan(ipam, conf) : undefined;
      let gwLink: Link | undefined;
      for (const gw of p?.gateways ?? []) {
        gwLink ??= conf.vlan !== 0 ? await step('failed to create vlan interface', () => ensureVlanInterface(rh, host, br, conf.vlan)) : br;
        const on = gwLink;
        await step(`failed to set the gateway address ${gw.cidr} on ${on.name}`, () => ensureAddr(rh, on, gw, conf.forceAddress));
      }
      await step('failed to enable forwarding', async () => {
        if (p?.gateways.some((g) => g.family === 4)) ensureSysctl(host, 'net/ipv4/ip_forward', '1');
        if (p?.gateways.some((g) => g.family === 6)) ensureSysctl(host, 'net/ipv6/conf/all/forwarding', '1');
      });
      let hostEnd: Link | undefined;
      let brNow: Link | undefined;
      let gwNow: Link | undefined;
      const veth: Veth = await step(`failed to set up the veth pair of ${ctx.ifName}`, () => setupVeth(ctx.ifName, '', conf.mtu ?? 1500, conf.mac, host, ns, {
        handles: { host: rh },
        ...(conf.queues !== undefined ? { queues: conf.queues } : {}),
        afterCreate: async (v) => {
          await step(`failed to connect ${v.host.name} to bridge ${br.name}`, () => attach(rh, host, v.host, br, conf.hairpinMode, conf.vlan));
          if (p) {
            const dev = ctx.ifName;
            if (conf.enableDad) {
              trySysctl(ns, `net/ipv6/conf/${dev}/enhanced_dad`, '1');
              trySysctl(ns, `net/ipv6/conf/${dev}/accept_dad`, '1');
            } else {
              trySysctl(ns, `net/ipv6/conf/${dev}/accept_dad`, '0');
            }
            trySysctl(ns, `net/ipv4/conf/${dev}/arp_notify`, '1');
            await configureIface(dev, {
              cniVersion: ctx.conf.cniVersion,
              interfaces: [{ name: br.name }, { name: v.host.name }, { name: dev, sandbox: ctx.netns! }],
              ips: p.ips,
              routes: p.routes,
            }, { netns: ns });
          }
          hostEnd = await waitPortUp(rh, v.host.index, v.host.name);
          // The bridge's MAC may have changed when the port joined it (unless pinned): read
          // it now; here, so that a failure still deletes the pair.
          brNow = await rh.link.get(br.index);
          if (gwLink && gwLink.index !== br.index) gwNow = await rh.link.get(gwLink.index);
          // Last: nothing after it can fail, so a failed ADD never leaves rules (and
          // masqAttachment removes its own when one of them is refused).
          if (conf.ipMasq && p) masqAttachment(ctx, p.ips.map((i) => i.address));
        },
      }));
      const interfaces: CniResultInterface[] = [
        iface(brNow!),
        hostEnd ? iface(hostEnd) : { name: veth.host.name, mac: veth.host.mac.toString(), mtu: veth.mtu },
        { name: veth.container.name, mac: veth.container.mac.toString(), mtu: veth.mtu, sandbox: ctx.netns! },
      ];
      if (gwNow) interfaces.push(iface(gwNow));
      const dns: CniDns | undefined = dnsIsSet(ctx.conf.dns) ? ctx.conf.dns : ipam?.dns;
      return {
        cniVersion: ctx.conf.cniVersion,
        interfaces,
        ...(p ? { ips: p.ips } : {}),
        ...(p?.routes.length ? { routes: p.routes } : {}),
        ...(dns ? { dns } : {}),
      };
    } catch (e) {
      if (conf.ipam === undefined) throw e;
      return releaseIpam(ctx, conf.ipam, e);
    }
  } finally {
    rh.close();
    ns.close();
    host.close();
  }
}

async function del(ctx: PluginContext): Promise<void> {
  const conf = teardownConf(ctx);
  await delAttachment(ctx, conf.ipam, conf.ipMasq && conf.ipam !== undefined);
}

async function check(ctx: PluginContext): Promise<void> {
  const conf = bridgeConf(ctx);
  const prev = ctx.conf.prevResult;
  if (!prev) throw new CniError(CNI_ERR.INVALID_CONFIG, 'bridge: required prevResult missing', 'CHECK needs the result of the ADD in "prevResult"');
  const netns = ctx.netns!;
  const [ns, host] = openContainerAndHost(netns);
  try {
    if (conf.ipam !== undefined) await ipamCheck(ctx, conf.ipam);
    const { ifs, ci, ips } = prevAttachment(prev, ctx.ifName, netns);
    const bi = ifs.findIndex((i) => i.name === conf.bridge && !i.sandbox);
    if (bi < 0) throw new CniError(CNI_ERR.INVALID_CONFIG, 'prevResult does not describe this attachment', `no interfaces[] entry for the bridge ${conf.bridge}`);
    const [rt, rh] = openHandles(ns, host);
    try {
      const hostWhere = 'the host network namespace';
      const bwant = ifs[bi]!;
      const blink = await linkOr(rh, conf.bridge, hostWhere);
      if (blink.kind !== 'bridge') throw new CniError(BRIDGE_ERR.INTERFACE, `interface ${conf.bridge} is not a bridge`, `its kind is ${blink.kind ?? 'none'}`);
      // Only a gateway bridge's MAC is pinned; another follows its lowest-numbered port's,
      // and changes as containers come and go.
      if (conf.isGateway && bwant.mac && blink.address?.toLowerCase() !== bwant.mac.toLowerCase()) throw new CniError(BRIDGE_ERR.INTERFACE, `bridge ${conf.bridge} changed its MAC address`, `prevResult says ${bwant.mac}, the kernel ${blink.address}`);
      const promisc = blink.flags.includes('PROMISC');
      if (promisc !== conf.promiscMode) throw new CniError(BRIDGE_ERR.INTERFACE, `bridge ${conf.bridge} is ${promisc ? '' : 'not '}promiscuous`, `the configuration's promiscMode is ${conf.promiscMode}`);

      const want = ifs[ci]!;
      const link = await linkOr(rt, ctx.ifName, netns);
      if (link.kind !== 'veth') throw new CniError(BRIDGE_ERR.INTERFACE, `interface ${ctx.ifName} is not a veth`, `its kind is ${link.kind ?? 'none'}`);
      if (want.mac && link.address?.toLowerCase() !== want.mac.toLowerCase()) throw new CniError(BRIDGE_ERR.INTERFACE, `interface ${ctx.ifName} changed its MAC address`, `prevResult says ${want.mac}, the kernel ${link.address}`);
      if (!link.up) throw new CniError(BRIDGE_ERR.INTERFACE, `interface ${ctx.ifName} is down`);

      // The host end: an entry of prevResult on the host side that is the container end's
      // peer and a port of the bridge.
      let port: Link | undefined;
      for (const [n, i] of ifs.entries()) {
        if (n === ci || n === bi || i.sandbox) continue;
        let l: Link;
        try {
          l = await rh.link.get(i.name);
        } catch (e) {
          if (isNetlinkErrno(e, 'ENODEV')) continue;
          throw e;
        }
        if (l.kind !== 'veth' || l.index !== link.link || l.link !== link.index) continue;
        if (l.master !== blink.index) throw new CniError(BRIDGE_ERR.INTERFACE, `host interface ${i.name} is not a port of ${conf.bridge}`, l.master === undefined ? 'it has no master' : `its master is ifindex ${l.master}`);
        if (i.mac && l.address?.toLowerCase() !== i.mac.toLowerCase()) throw new CniError(BRIDGE_ERR.INTERFACE, `host interface ${i.name} changed its MAC address`, `prevResult says ${i.mac}, the kernel ${l.address}`);
        port = l;
        break;
      }
      if (!port) throw new CniError(BRIDGE_ERR.INTERFACE, `the host end of ${ctx.ifName} is missing`, `no interfaces[] entry of prevResult is a veth in ${hostWhere} peered with ${ctx.ifName} in ${netns}`);

      await checkAddresses(rt, link, ips, netns);
      await checkRoutes(rt, link, prev.routes ?? [], ips, netns);
      if (conf.isGateway) {
        const gwName = conf.vlan !== 0 ? `${conf.bridge}.${conf.vlan}` : conf.bridge;
        const gwLink = gwName === conf.bridge ? blink : await linkOr(rh, gwName, hostWhere);
        const have = await rh.addr.list({ link: gwLink.index });
        for (const i of ips) {
          if (!i.gateway) continue;
          const len = parseCidr(i.address)!.prefixLen;
          if (!have.some((a) => a.address === i.gateway && a.prefixLen === len)) {
            throw new CniError(BRIDGE_ERR.ADDRESS, `gateway address ${i.gateway}/${len} is missing`, `not on ${gwName} in ${hostWhere}`);
          }
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
  const conf = teardownConf(ctx);
  if (conf.ipam !== undefined) await ipamStatus(ctx, conf.ipam);
  checkRtnl();
  if (conf.ipMasq && conf.ipam !== undefined) checkIptables(ctx);
}

async function gc(ctx: PluginContext): Promise<void> {
  const conf = teardownConf(ctx);
  if (conf.ipam !== undefined) await ipamGc(ctx, conf.ipam);
}

/** The nlkit-bridge plugin's handlers, for {@link runPlugin}. */
export const bridgePlugin: PluginHandlers = { add, del, check, status, gc };
