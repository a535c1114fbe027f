/**
 * `nlkit-static`: the static IPAM plugin on nlkit, doing what the reference `static`
 * IPAM plugin (containernetworking/plugins 1.1.1, plugins/ipam/static) does: it hands
 * out the addresses the configuration names, with no state of its own.
 *
 * ```json
 * "ipam": {
 *   "type": "nlkit-static",
 *   "addresses": [{ "address": "10.10.0.1/24", "gateway": "10.10.0.254" }, { "address": "3ffe:ffff:0:1ff::1/64" }],
 *   "routes": [{ "dst": "0.0.0.0/0" }, { "dst": "192.168.0.0/16", "gw": "10.10.5.1" }],
 *   "dns": { "nameservers": ["8.8.8.8"], "domain": "example.com", "search": ["example.com"] }
 * }
 * ```
 *
 * The addresses come, as in the reference, from `ipam.addresses`, plus those of CNI_ARGS
 * `IP=` (CIDRs, comma separated; `GATEWAY=` addresses become the gateway of the CNI_ARGS
 * address whose subnet holds them); `args.cni.ips` replaces them all when it is not
 * empty, and `runtimeConfig.ips` (the `ips` capability) replaces those in turn. The
 * result carries them (with their gateways), `ipam.routes` and `ipam.dns`, printed in
 * the configuration's spec version.
 *
 * Errors are the reference's, message and code (999, as skel reports a plugin's own
 * failures), e.g. "the 'address' field is expected to be in CIDR notation, got:
 * '10.10.0.1'". DEL has nothing to release. CHECK compares prevResult as the reference
 * does: an address of the configuration found there with another gateway fails.
 * @module
 */
import {
  cidrContains, goCidrString, goError, goIpString, goParseCidr, goParseIp, goParseIpOrCidr, ipEqual, jsonArray, jsonIp, jsonObject, jsonRoutes, jsonString, jsonStrings, loadCniArgs,
  type GoCidr, type GoIp,
} from '../go-compat.js';
import type { PluginContext, PluginHandlers } from '../runtime.js';
import { CNI_ERR, CniError, type CniDns, type CniResult, type CniRoute } from '../types.js';

/** One address of a static configuration, resolved. */
interface StaticAddress {
  /** The address as written (host bits kept) with its prefix length. */
  cidr: GoCidr;
  gateway: GoIp | undefined;
}

/** The configuration static reads (its IPAMConfig), checked. */
interface StaticConf {
  addresses: StaticAddress[];
  routes: CniRoute[] | undefined;
  dns: CniDns;
}

/** An address before the reference's validation loop: the text, and the parsed form when it came parsed (CNI_ARGS, args, runtimeConfig). */
interface Pending {
  text: string;
  cidr: GoCidr | undefined;
  gateway: GoIp | undefined;
}

function staticDns(v: unknown): CniDns {
  const o = jsonObject(v, 'IPAMConfig.ipam.dns', 'types.DNS');
  if (!o) return {};
  const dns: CniDns = {};
  const ns = jsonStrings(o['nameservers'], 'DNS.ipam.dns.nameservers');
  if (ns?.length) dns.nameservers = ns;
  const domain = jsonString(o['domain'], 'DNS.ipam.dns.domain');
  if (domain) dns.domain = domain;
  const search = jsonStrings(o['search'], 'DNS.ipam.dns.search');
  if (search?.length) dns.search = search;
  const options = jsonStrings(o['options'], 'DNS.ipam.dns.options');
  if (options?.length) dns.options = options;
  return dns;
}

/** Replace every address with a list of CIDR strings (args.cni.ips, runtimeConfig.ips), as the reference does. */
function fromList(list: string[]): Pending[] {
  return list.map((text) => {
    const cidr = goParseCidr(text);
    if (!cidr) throw goError(`an entry in the 'ips' field is NOT in CIDR notation, got: '${text}'`);
    return { text, cidr, gateway: undefined };
  });
}

/**
 * static's configuration, read as the reference's LoadIPAMConfig reads it (same
 * sources, same order, same errors).
 * @internal
 */
export function staticConf(ctx: PluginContext): StaticConf {
  const raw = ctx.conf.raw;
  if (raw['ipam'] === undefined || raw['ipam'] === null) throw goError("IPAM config missing 'ipam' key");
  const ipam = jsonObject(raw['ipam'], 'Net.ipam', 'main.IPAMConfig')!;
  const routes = jsonRoutes(ipam['routes'], 'IPAMConfig.ipam.routes');
  let pending: Pending[] = (jsonArray(ipam['addresses'], 'IPAMConfig.ipam.addresses', '[]main.Address') ?? []).map((x) => {
    const o = jsonObject(x, 'IPAMConfig.ipam.addresses', 'main.Address') ?? {};
    return { text: jsonString(o['address'], 'Address.ipam.addresses.address') ?? '', cidr: undefined, gateway: jsonIp(o['gateway'], 'Address.ipam.addresses.gateway') };
  });
  const dns = staticDns(ipam['dns']);
  const rc = jsonObject(raw['runtimeConfig'], 'Net.runtimeConfig', 'struct { IPs []string }');
  const runtimeIps = jsonStrings(rc?.['ips'], 'Net.runtimeConfig.ips');
  const args = jsonObject(raw['args'], 'Net.args', 'struct { A *main.IPAMArgs }');
  const cniArgs = jsonObject(args?.['cni'], 'Net.args.cni', 'main.IPAMArgs');
  const argIps = jsonStrings(cniArgs?.['ips'], 'IPAMArgs.args.cni.ips');

  let ipArg = '';
  let gwArg = '';
  loadCniArgs(ctx.env['CNI_ARGS'], { IP: (v) => (ipArg = v), GATEWAY: (v) => (gwArg = v) });
  if (ipArg !== '') {
    for (const item of ipArg.split(',')) {
      const text = item.trim();
      const cidr = goParseCidr(text);
      if (!cidr) throw goError(`the 'ip' field is expected to be in CIDR notation, got: '${text}'`);
      pending.push({ text, cidr, gateway: undefined });
    }
  }
  if (gwArg !== '') {
    for (const item of gwArg.split(',')) {
      const gw = goParseIp(item.trim());
      if (!gw) throw goError(`invalid gateway address: ${item}`);
      // Only addresses parsed by now: those of CNI_ARGS (the configuration's are parsed below, as in the reference).
      for (const p of pending) if (p.cidr && cidrContains(p.cidr, gw)) p.gateway = gw;
    }
  }
  if (argIps?.length) pending = fromList(argIps);
  if (runtimeIps?.length) pending = fromList(runtimeIps);

  const addresses = pending.map((p, i): StaticAddress => {
    const cidr = p.cidr ?? goParseCidr(p.text);
    if (!cidr) throw goError(`the 'address' field is expected to be in CIDR notation, got: '${p.text}'`);
    if (p.gateway && p.gateway.family !== cidr.ip.family) {
      throw new CniError(CNI_ERR.INVALID_CONFIG, `invalid ipam addresses[${i}]`, `gateway ${goIpString(p.gateway)} and address ${goCidrString(cidr)} are of different IP versions`);
    }
    return { cidr, gateway: p.gateway };
  });
  return { addresses, routes, dns };
}

async function add(ctx: PluginContext): Promise<CniResult> {
  const conf = staticConf(ctx);
  return {
    cniVersion: ctx.conf.cniVersion,
    ips: conf.addresses.map((a) => ({ address: goCidrString(a.cidr), gateway: a.gateway && goIpString(a.gateway) })),
    routes: conf.routes,
    dns: conf.dns,
  };
}

/** The address of a prevResult entry's CIDR, as Go compares it (an IPv4-mapped one is IPv4); undefined when it is none. */
function prevAddress(cidr: string): GoIp | undefined {
  if (!cidr.includes('/')) return undefined;
  try {
    return goParseIpOrCidr(cidr);
  } catch {
    return undefined;
  }
}

async function check(ctx: PluginContext): Promise<void> {
  const conf = staticConf(ctx);
  const prev = ctx.conf.prevResult;
  if (!prev) throw goError('Required prevResult missing');
  // The reference's test: an address of the configuration that prevResult holds must
  // have the configured gateway there (when one is configured); addresses it does not
  // hold pass.
  for (const a of conf.addresses) {
    for (const p of prev.ips ?? []) {
      const ip = prevAddress(p.address);
      if (!ip || !ipEqual(ip, a.cidr.ip)) continue;
      if (a.gateway === undefined || ipEqual(a.gateway, p.gateway === undefined ? undefined : goParseIp(p.gateway))) break;
      throw goError(`static: Failed to match addr ${goIpString(ip)} on interface ${ctx.ifName}`);
    }
  }
}

async function del(): Promise<void> {
  // Nothing was allocated.
}

/**
 * The `nlkit-static` IPAM plugin (equivalent to the reference `static` IPAM plugin of
 * containernetworking/plugins 1.1.1): the configured addresses, routes and DNS as the
 * result of ADD; DEL has nothing to release; CHECK compares prevResult's gateways.
 */
export const staticPlugin: PluginHandlers = { add, del, check };
