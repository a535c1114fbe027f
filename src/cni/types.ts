/**
 * CNI spec 1.1 types: the plugin configuration a runtime streams on stdin, the
 * result a plugin prints, the error object and its well-known codes, and the
 * conversions between the result formats of the spec versions nlkit speaks
 * (0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0).
 *
 * Version differences handled here (SPEC.md of containernetworking/cni, spec-v0.3.0
 * through spec-v1.1.0):
 * - 0.3.x / 0.4.0: every `ips[]` entry carries `version` ("4" or "6"); 1.0.0 dropped it.
 * - 0.4.0 introduced CHECK (and prevResult on DEL); 1.1.0 introduced STATUS and GC.
 * - 1.1.0 added `interfaces[].mtu`, `.socketPath`, `.pciID` and `routes[].mtu`,
 *   `.advmss`, `.priority`, `.table`, `.scope`; they are dropped when writing older
 *   versions, which have no such fields.
 * @module
 */
import { formatIp, parsePrefix, networkOf, type IpPrefix } from '../rtnl/ip.js';
import type { CniInterface } from '../veth/veth.js';

/** Spec versions nlkit reads and writes, oldest first. */
export const SUPPORTED_VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;
/** One of {@link SUPPORTED_VERSIONS}. */
export type CniVersion = (typeof SUPPORTED_VERSIONS)[number];
/** The newest spec version nlkit implements. */
export const CURRENT_VERSION: CniVersion = '1.1.0';

/** The spec's well-known error codes (0–99 are reserved to the spec; 100+ belong to plugins). */
export const CNI_ERR = {
  /** Incompatible CNI version. */
  INCOMPATIBLE_VERSION: 1,
  /** Unsupported field in the network configuration; the message names the key and value. */
  UNSUPPORTED_FIELD: 2,
  /** Container unknown or does not exist (the runtime need not clean up). */
  UNKNOWN_CONTAINER: 3,
  /** Invalid necessary environment variables; the message names them. */
  INVALID_ENV: 4,
  /** I/O failure, e.g. reading the configuration from stdin. */
  IO_FAILURE: 5,
  /** Failed to decode content (configuration JSON, a delegated plugin's output). */
  DECODE_FAILED: 6,
  /** Invalid network configuration. */
  INVALID_CONFIG: 7,
  /** A transient condition: try again later. */
  TRY_AGAIN_LATER: 11,
  /** STATUS: the plugin is not available (cannot service ADD). */
  PLUGIN_NOT_AVAILABLE: 50,
  /** STATUS: not available, and existing containers may have limited connectivity. */
  LIMITED_CONNECTIVITY: 51,
  /** nlkit: a delegated (IPAM) plugin failed without printing a valid error object. */
  DELEGATE_FAILED: 100,
  /** Anything unexpected (libcni's ErrInternal). */
  INTERNAL: 999,
} as const;

/** The spec's error object, as printed on stdout with a non-zero exit. */
export interface CniErrorObject {
  /** The spec version the error is written for. */
  cniVersion: string;
  /** The error code: {@link CNI_ERR}, or a plugin's own from 100 up. */
  code: number;
  /** The short message. */
  msg: string;
  /** The longer story; left out when there is none. */
  details?: string;
}

/**
 * An error a plugin reports to the runtime: `code` is one of {@link CNI_ERR} (or a
 * plugin code ≥ 100), `msg` a short message, `details` the longer story.
 */
export class CniError extends Error {
  /** The spec's error code: one of {@link CNI_ERR} (1–99 are the spec's), or a plugin's own from 100 up. */
  readonly code: number;
  /** The short message (the error object's `msg`). */
  readonly msg: string;
  /** The longer story (the error object's `details`), if any. */
  readonly details: string | undefined;

  constructor(code: number, msg: string, details?: string, options?: { cause?: unknown }) {
    super(details ? `${msg}: ${details}` : msg, options);
    this.name = 'CniError';
    this.code = code;
    this.msg = msg;
    this.details = details;
  }

  /** The spec error object for `cniVersion`. */
  toObject(cniVersion: string): CniErrorObject {
    const o: CniErrorObject = { cniVersion, code: this.code, msg: this.msg };
    if (this.details !== undefined && this.details !== '') o.details = this.details;
    return o;
  }
}

/**
 * DNS settings (`dns` of a configuration or result). Every field is optional; one given
 * as `undefined` is left out when printed.
 */
export interface CniDns {
  /** Name server addresses, in order of preference (resolv.conf `nameserver`). */
  nameservers?: string[] | undefined;
  /** The local domain (resolv.conf `domain`). */
  domain?: string | undefined;
  /** Search domains (resolv.conf `search`). */
  search?: string[] | undefined;
  /** Resolver options such as 'ndots:2' (resolv.conf `options`). */
  options?: string[] | undefined;
}

/** `ipam` of a configuration: `type` names the IPAM plugin; the rest is the plugin's own. */
export interface CniIpamConf {
  /** The IPAM plugin's executable name: 'host-local', 'static', 'dhcp', … */
  type: string;
  [key: string]: unknown;
}

/** One `cni.dev/valid-attachments` entry of a GC request. */
export interface CniAttachment {
  /** The container ID of an attachment to keep. */
  containerID: string;
  /** Its interface name inside the container. */
  ifname: string;
}

/**
 * A validated plugin configuration (what a runtime streams on stdin). The well-known
 * fields are checked and typed; `raw` is the whole parsed object, plugin-specific
 * fields included, exactly as received.
 */
export interface CniNetConf {
  /** The spec version the configuration is written for (`cniVersion`). */
  cniVersion: CniVersion;
  /** The network's name, unique across networks on the host (`name`). */
  name: string;
  /** The plugin's executable name (`type`): 'ptp', 'bridge', … */
  type: string;
  /** Extra arguments from the runtime (`args`), e.g. `{ cni: { … } }`. */
  args?: Record<string, unknown>;
  /** Set up IP masquerade on the host for this network (`ipMasq`), where the plugin supports it. */
  ipMasq?: boolean;
  /** The IPAM plugin's configuration (`ipam`): its `type` and its own fields. */
  ipam?: CniIpamConf;
  /** DNS settings (`dns`): nameservers, domain, search, options. */
  dns?: CniDns;
  /** Dynamic settings for the capabilities the plugin declared (`runtimeConfig`: portMappings, bandwidth, mac, ips …). */
  runtimeConfig?: Record<string, unknown>;
  /** The capabilities the plugin takes `runtimeConfig` for (`capabilities`: name → true/false). */
  capabilities?: Record<string, boolean>;
  /** prevResult, converted to the current (1.1) result form. */
  prevResult?: CniResult;
  /** GC: the attachments to keep (`cni.dev/valid-attachments`, or libcni's `cni.dev/attachments`). */
  validAttachments?: CniAttachment[];
  /** The whole configuration object as parsed. */
  raw: Record<string, unknown>;
}

/** A result interface: the veth's CNI interface plus the 1.1 fields (`undefined` is left out when printed). */
export interface CniResultInterface extends CniInterface {
  /** 1.1: absolute path of a socket file that corresponds to this interface, if there is one. */
  socketPath?: string | undefined;
  /** 1.1: platform identifier of the PCI device behind this interface, if there is one ('0000:00:1f.6'). */
  pciID?: string | undefined;
}

/** An `ips[]` entry. `interface` indexes `interfaces[]`. A field given as `undefined` is left out when printed. */
export interface CniIpConfig {
  /** 'address/prefix-length', e.g. '10.1.0.2/24'. */
  address: string;
  /** The default gateway for this subnet, a plain address of the same family. */
  gateway?: string | undefined;
  /** Index into the result's `interfaces[]` of the interface holding the address. */
  interface?: number | undefined;
}

/** A `routes[]` entry; mtu, advmss, priority, table and scope are 1.1 fields. A field given as `undefined` is left out when printed. */
export interface CniRoute {
  /** Destination prefix, e.g. '0.0.0.0/0'. */
  dst: string;
  /** Next hop; without one, the route goes through the result's default gateway. */
  gw?: string | undefined;
  /** 1.1: path MTU of the route. */
  mtu?: number | undefined;
  /** 1.1: advertised TCP MSS of the route. */
  advmss?: number | undefined;
  /** 1.1: route priority (metric). */
  priority?: number | undefined;
  /** 1.1: routing table id. */
  table?: number | undefined;
  /** 1.1: route scope (0 universe, 253 link, 254 host). */
  scope?: number | undefined;
}

/**
 * A result in the current (1.1) form. Convert with {@link formatResult} to print it for a
 * configuration's version; a field given as `undefined` is left out, as an absent one
 * (so `ips: ipam.ips?.map(…)` is fine with exactOptionalPropertyTypes).
 */
export interface CniResult {
  /** The spec version the result was written for (printed as the configuration's). */
  cniVersion: string;
  /** The interfaces the plugin created or configured. */
  interfaces?: CniResultInterface[] | undefined;
  /** The IP addresses assigned. */
  ips?: CniIpConfig[] | undefined;
  /** The routes added. */
  routes?: CniRoute[] | undefined;
  /** DNS settings for the container. */
  dns?: CniDns | undefined;
}

// ---------------------------------------------------------------------------------
// Versions

function versionParts(v: string): [number, number, number] | undefined {
  const m = /^(\d{1,4})\.(\d{1,4})\.(\d{1,4})$/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** Compare two 'x.y.z' versions: negative, 0 or positive. Unparseable versions sort first. */
export function compareVersions(a: string, b: string): number {
  const pa = versionParts(a) ?? [-1, 0, 0];
  const pb = versionParts(b) ?? [-1, 0, 0];
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
  return 0;
}

/** True when nlkit can read and write results of `v`. */
export function isSupportedVersion(v: unknown): v is CniVersion {
  return typeof v === 'string' && (SUPPORTED_VERSIONS as readonly string[]).includes(v);
}

/** The first spec version that has a command (ADD/DEL/VERSION: 0.1.0; CHECK: 0.4.0; STATUS, GC: 1.1.0). */
export function commandSince(command: string): string {
  if (command === 'CHECK') return '0.4.0';
  if (command === 'STATUS' || command === 'GC') return '1.1.0';
  return '0.1.0';
}

// ---------------------------------------------------------------------------------
// Field checks

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** The spec's rule for network names and container IDs: an alphanumeric, then alphanumerics, '_', '.', '-'. */
export function isValidId(s: unknown): s is string {
  return typeof s === 'string' && NAME_RE.test(s);
}

/**
 * The spec's rule for CNI_IFNAME: not empty, not '.' or '..', shorter than 16 bytes,
 * no '/', ':' or whitespace (also none of the bytes the kernel takes for whitespace).
 * Returns why not, or undefined when valid.
 */
export function ifnameProblem(s: string): string | undefined {
  if (s === '') return 'interface name is empty';
  if (Buffer.byteLength(s, 'utf8') > 15) return `interface name '${s}' is longer than 15 bytes`;
  if (s === '.' || s === '..') return `interface name '${s}' is not allowed`;
  // eslint-disable-next-line no-control-regex
  if (/[/:\s\u0000]/.test(s)) return `interface name '${s.replace(/\0/g, '\\0')}' contains '/', ':', whitespace or NUL`;
  // The kernel's dev_valid_name() tests each byte with its isspace(), which also counts
  // 0xa0 (Latin-1 NBSP): UTF-8 has that byte in 'à' (c3 a0), for one.
  if (Buffer.from(s, 'utf8').includes(0xa0)) return `interface name '${s}' contains the byte 0xa0, which the kernel counts as whitespace`;
  return undefined;
}

/**
 * A plugin `type` that can be looked up in CNI_PATH: a plain file name (no '/',
 * not '.' or '..', no NUL) — never a path that could leave the plugin directories.
 */
export function isValidPluginName(s: unknown): s is string {
  return typeof s === 'string' && s !== '' && s !== '.' && s !== '..' && !s.includes('/') && !s.includes('\0') && Buffer.byteLength(s) <= 255;
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Throws CniError(code) naming `where`. */
function bad(code: number, where: string, why: string): never {
  throw new CniError(code, `invalid ${where}`, why);
}

function optString(o: Obj, key: string, where: string, code: number): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined; // JSON null: left out, as Go reads it
  if (typeof v !== 'string') bad(code, where, `'${key}' must be a string, got ${JSON.stringify(v)}`);
  return v;
}

function optStrings(o: Obj, key: string, where: string, code: number): string[] | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) bad(code, where, `'${key}' must be a list of strings`);
  return [...(v as string[])];
}

function optInt(o: Obj, key: string, where: string, code: number, min: number, max: number): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined; // JSON null: left out, as Go reads it
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad(code, where, `'${key}' must be an integer in ${min}..${max}, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * Parse 'address/len' strictly (CIDR: the length is required, no zone id).
 * Returns the prefix or undefined.
 */
export function parseCidr(s: unknown): IpPrefix | undefined {
  if (typeof s !== 'string' || !s.includes('/') || s.includes('%')) return undefined;
  try {
    return parsePrefix(s);
  } catch {
    return undefined;
  }
}

/** A plain IP address (no length, no zone), canonical form, or undefined. */
export function canonicalIp(s: unknown): string | undefined {
  if (typeof s !== 'string' || s.includes('/') || s.includes('%')) return undefined;
  try {
    const p = parsePrefix(s);
    return formatIp(p.bytes);
  } catch {
    return undefined;
  }
}

/** 'address/len' in canonical text: IPv6 as `ip` prints it (glibc's inet_ntop, RFC 5952 compression). */
export function cidrText(p: IpPrefix): string {
  return `${formatIp(p.bytes)}/${p.prefixLen}`;
}

/** The network of a CIDR in canonical text ('10.1.0.7/24' → '10.1.0.0/24'). */
export function networkText(p: IpPrefix): string {
  return cidrText(networkOf(p));
}

/**
 * A nameserver as resolv.conf and the IPAM plugins write it: an IP address, an IPv6 one
 * possibly with its zone (`fe80::1%eth0`, which glibc accepts and host-local copies
 * from a resolvConf file).
 */
function isNameserver(n: string): boolean {
  const pct = n.indexOf('%');
  if (pct < 0) return canonicalIp(n) !== undefined;
  const addr = n.slice(0, pct);
  const zone = n.slice(pct + 1);
  return canonicalIp(addr) !== undefined && familyOf(addr) === 6 && zone !== '' && !/[\s/%]/.test(zone);
}

/** Check and copy a `dns` object. */
export function parseDns(v: unknown, where: string, code: number): CniDns | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) bad(code, where, `'dns' must be an object`);
  const out: CniDns = {};
  const ns = optStrings(v, 'nameservers', `${where} dns`, code);
  if (ns) {
    for (const n of ns) if (!isNameserver(n)) bad(code, `${where} dns`, `nameserver '${n}' is not an IP address`);
    out.nameservers = ns;
  }
  const domain = optString(v, 'domain', `${where} dns`, code);
  if (domain !== undefined) out.domain = domain;
  const search = optStrings(v, 'search', `${where} dns`, code);
  if (search) out.search = search;
  const options = optStrings(v, 'options', `${where} dns`, code);
  if (options) out.options = options;
  return out;
}

/** CniError 1 unless nlkit reads and writes results of `version` (0.2.0's has another shape: `ip4`/`ip6`). */
function checkResultVersion(version: unknown, what: string): void {
  if (!isSupportedVersion(version)) {
    throw new CniError(CNI_ERR.INCOMPATIBLE_VERSION, `unsupported CNI result version`, `cannot ${what} a result of version ${JSON.stringify(version)}; nlkit speaks ${SUPPORTED_VERSIONS.join(', ')}`);
  }
}

/** True when a dns object sets anything. */
export function dnsIsSet(d: CniDns | undefined): boolean {
  return !!d && ((d.nameservers?.length ?? 0) > 0 || !!d.domain || (d.search?.length ?? 0) > 0 || (d.options?.length ?? 0) > 0);
}

// ---------------------------------------------------------------------------------
// Results

/**
 * Check a result object of spec version `version` (an IPAM plugin's output, or a
 * prevResult) and return it in the current form: `ips[].version` dropped (after
 * checking it matches the address), addresses and gateways in canonical text.
 * `code` is the error code to report a malformed result with.
 *
 * @throws CniError(code) naming the field; CniError 1 for a `version` not in
 *   {@link SUPPORTED_VERSIONS}.
 */
export function parseResult(value: unknown, version: string, code: number = CNI_ERR.DECODE_FAILED, where = 'result'): CniResult {
  checkResultVersion(version, 'read');
  if (!isObj(value)) bad(code, where, 'expected a JSON object');
  const out: CniResult = { cniVersion: version };
  if (value['interfaces'] !== undefined && value['interfaces'] !== null) {
    const ifs = value['interfaces'];
    if (!Array.isArray(ifs)) bad(code, where, `'interfaces' must be a list`);
    out.interfaces = ifs.map((i, n) => {
      const w = `${where} interfaces[${n}]`;
      if (!isObj(i)) bad(code, w, 'expected an object');
      const name = optString(i, 'name', w, code);
      if (name === undefined || name === '') bad(code, w, `'name' is required`);
      const r: CniResultInterface = { name };
      const mac = optString(i, 'mac', w, code);
      if (mac !== undefined && mac !== '') r.mac = mac;
      const mtu = optInt(i, 'mtu', w, code, 0, 0x7fffffff);
      if (mtu !== undefined && mtu !== 0) r.mtu = mtu;
      const sandbox = optString(i, 'sandbox', w, code);
      if (sandbox !== undefined && sandbox !== '') r.sandbox = sandbox;
      const sock = optString(i, 'socketPath', w, code);
      if (sock !== undefined && sock !== '') r.socketPath = sock;
      const pci = optString(i, 'pciID', w, code);
      if (pci !== undefined && pci !== '') r.pciID = pci;
      return r;
    });
  }
  if (value['ips'] !== undefined && value['ips'] !== null) {
    const ips = value['ips'];
    if (!Array.isArray(ips)) bad(code, where, `'ips' must be a list`);
    out.ips = ips.map((i, n) => {
      const w = `${where} ips[${n}]`;
      if (!isObj(i)) bad(code, w, 'expected an object');
      const p = parseCidr(i['address']);
      if (!p) bad(code, w, `'address' must be an IP address with a prefix length, got ${JSON.stringify(i['address'])}`);
      const r: CniIpConfig = { address: cidrText(p) };
      if (i['version'] !== undefined && i['version'] !== null) {
        if (i['version'] !== '4' && i['version'] !== '6') bad(code, w, `'version' must be "4" or "6", got ${JSON.stringify(i['version'])}`);
        if (Number(i['version']) !== p.family) bad(code, w, `'version' is "${String(i['version'])}" but ${r.address} is IPv${p.family}`);
      }
      // 0.3.x/0.4.0 require `version`; a missing one is accepted, the address says it.
      if (i['gateway'] !== undefined && i['gateway'] !== null && i['gateway'] !== '') {
        const gw = canonicalIp(i['gateway']);
        if (gw === undefined) bad(code, w, `'gateway' must be an IP address, got ${JSON.stringify(i['gateway'])}`);
        if (parsePrefix(gw).family !== p.family) bad(code, w, `gateway ${gw} and address ${r.address} are of different IP versions`);
        r.gateway = gw;
      }
      const idx = optInt(i, 'interface', w, code, 0, 0xffff);
      if (idx !== undefined) {
        if (out.interfaces && idx >= out.interfaces.length) bad(code, w, `'interface' ${idx} is not an index of interfaces[] (${out.interfaces.length} entries)`);
        r.interface = idx;
      }
      return r;
    });
  }
  if (value['routes'] !== undefined && value['routes'] !== null) {
    const routes = value['routes'];
    if (!Array.isArray(routes)) bad(code, where, `'routes' must be a list`);
    out.routes = routes.map((x, n) => parseRoute(x, `${where} routes[${n}]`, code));
  }
  const dns = parseDns(value['dns'], where, code);
  if (dns) out.dns = dns;
  return out;
}

/** Check one route object (result or IPAM config form). */
export function parseRoute(x: unknown, where: string, code: number): CniRoute {
  if (!isObj(x)) bad(code, where, 'expected an object');
  const p = parseCidr(x['dst']);
  if (!p) bad(code, where, `'dst' must be a prefix like 10.0.0.0/8, got ${JSON.stringify(x['dst'])}`);
  const r: CniRoute = { dst: networkText(p) };
  if (x['gw'] !== undefined && x['gw'] !== null && x['gw'] !== '') {
    const gw = canonicalIp(x['gw']);
    if (gw === undefined) bad(code, where, `'gw' must be an IP address, got ${JSON.stringify(x['gw'])}`);
    if (parsePrefix(gw).family !== p.family) bad(code, where, `gw ${gw} and dst ${r.dst} are of different IP versions`);
    r.gw = gw;
  }
  // rtm_scope is a byte; the others are u32 attributes.
  for (const k of ['mtu', 'advmss', 'priority', 'table', 'scope'] as const) {
    const v = optInt(x, k, where, code, 0, k === 'scope' ? 255 : 0xffffffff);
    if (v !== undefined) r[k] = v;
  }
  return r;
}

/** The IP version (4 or 6) of a CIDR or address string known to be valid. */
export function familyOf(s: string): 4 | 6 {
  return s.includes(':') ? 6 : 4;
}

/**
 * A result as the JSON object to print for spec version `version`: 0.3.x/0.4.0 get
 * `ips[].version` and lose the 1.1-only fields, 1.0.0 loses the 1.1-only fields,
 * 1.1.0 keeps everything. Keys come in the order the reference plugins print them;
 * `dns` is always present (an empty object when unset), as libcni prints it.
 * @throws CniError 1 for a `version` not in {@link SUPPORTED_VERSIONS}.
 */
export function formatResult(r: CniResult, version: CniVersion): Record<string, unknown> {
  checkResultVersion(version, 'print');
  const v11 = compareVersions(version, '1.1.0') >= 0;
  const v0 = compareVersions(version, '1.0.0') < 0;
  const out: Record<string, unknown> = { cniVersion: version };
  if (r.interfaces && r.interfaces.length) {
    out['interfaces'] = r.interfaces.map((i) => {
      const o: Record<string, unknown> = { name: i.name };
      if (i.mac) o['mac'] = i.mac;
      if (v11 && i.mtu) o['mtu'] = i.mtu;
      if (i.sandbox) o['sandbox'] = i.sandbox;
      if (v11 && i.socketPath) o['socketPath'] = i.socketPath;
      if (v11 && i.pciID) o['pciID'] = i.pciID;
      return o;
    });
  }
  if (r.ips && r.ips.length) {
    out['ips'] = r.ips.map((ip) => {
      const o: Record<string, unknown> = {};
      if (v0) o['version'] = String(familyOf(ip.address));
      if (ip.interface !== undefined) o['interface'] = ip.interface;
      o['address'] = ip.address;
      if (ip.gateway) o['gateway'] = ip.gateway;
      return o;
    });
  }
  if (r.routes && r.routes.length) {
    out['routes'] = r.routes.map((rt) => {
      const o: Record<string, unknown> = { dst: rt.dst };
      if (rt.gw) o['gw'] = rt.gw;
      if (v11) for (const k of ['mtu', 'advmss', 'priority', 'table', 'scope'] as const) if (rt[k] !== undefined) o[k] = rt[k];
      return o;
    });
  }
  const dns: Record<string, unknown> = {};
  if (r.dns?.nameservers?.length) dns['nameservers'] = [...r.dns.nameservers];
  if (r.dns?.domain) dns['domain'] = r.dns.domain;
  if (r.dns?.search?.length) dns['search'] = [...r.dns.search];
  if (r.dns?.options?.length) dns['options'] = [...r.dns.options];
  out['dns'] = dns;
  return out;
}

/**
 * Convert a result between spec versions: parse it as `from`, print it as `to`.
 * Equivalent to libcni's `Result.GetAsVersion`.
 * @throws CniError 1 when either version is not in {@link SUPPORTED_VERSIONS}
 *   (libcni also reads 0.1.0/0.2.0 results; nlkit does not).
 */
export function convertResult(value: unknown, from: string, to: CniVersion): Record<string, unknown> {
  return formatResult(parseResult(value, from), to);
}

// ---------------------------------------------------------------------------------
// Configuration

/**
 * Check a parsed configuration object and type its well-known fields. Unknown fields
 * are kept (in `raw`) for the plugin to read.
 *
 * Errors: CniError 7 for a missing or malformed field (naming it), 1 for a cniVersion
 * nlkit does not speak (or one the plugin does not list in `versions`).
 */
export function parseNetConf(value: unknown, versions: readonly string[] = SUPPORTED_VERSIONS): CniNetConf {
  const C = CNI_ERR.INVALID_CONFIG;
  if (!isObj(value)) bad(C, 'network configuration', 'expected a JSON object');
  const v = value['cniVersion'];
  if (v === undefined || v === '') throw new CniError(C, 'missing cniVersion', 'the network configuration has no cniVersion');
  if (typeof v !== 'string') bad(C, 'network configuration', `'cniVersion' must be a string, got ${JSON.stringify(v)}`);
  if (!isSupportedVersion(v) || !versions.includes(v)) {
    throw new CniError(CNI_ERR.INCOMPATIBLE_VERSION, 'incompatible CNI versions', `config is ${JSON.stringify(v)}, plugin supports ${JSON.stringify(versions)}`);
  }
  const name = value['name'];
  if (name === undefined || name === '') throw new CniError(C, 'missing network name', 'the network configuration has no name');
  if (!isValidId(name)) bad(C, 'network name', `${JSON.stringify(name)}: a network name starts with a letter or digit, followed by letters, digits, '_', '.' or '-'`);
  const type = value['type'];
  if (type === undefined || type === '') throw new CniError(C, 'missing type', 'the network configuration has no plugin type');
  if (!isValidPluginName(type)) bad(C, 'type', `${JSON.stringify(type)} is not a plugin file name`);
  const conf: CniNetConf = { cniVersion: v, name, type, raw: value };
  for (const k of ['args', 'runtimeConfig'] as const) {
    const x = value[k];
    if (x === undefined || x === null) continue;
    if (!isObj(x)) bad(C, k, `'${k}' must be an object`);
    conf[k] = x;
  }
  if (value['capabilities'] !== undefined && value['capabilities'] !== null) {
    const c = value['capabilities'];
    if (!isObj(c) || !Object.values(c).every((b) => typeof b === 'boolean')) bad(C, 'capabilities', `'capabilities' must map names to true/false`);
    conf.capabilities = c as Record<string, boolean>;
  }
  if (value['ipMasq'] !== undefined) {
    if (typeof value['ipMasq'] !== 'boolean') bad(C, 'ipMasq', `'ipMasq' must be true or false, got ${JSON.stringify(value['ipMasq'])}`);
    conf.ipMasq = value['ipMasq'];
  }
  if (value['ipam'] !== undefined && value['ipam'] !== null) {
    const ipam = value['ipam'];
    if (!isObj(ipam)) bad(C, 'ipam', `'ipam' must be an object`);
    if (ipam['type'] !== undefined && ipam['type'] !== '') {
      if (!isValidPluginName(ipam['type'])) bad(C, 'ipam type', `${JSON.stringify(ipam['type'])} is not a plugin file name`);
      conf.ipam = ipam as CniIpamConf;
    }
  }
  const dns = parseDns(value['dns'], 'network configuration', C);
  if (dns) conf.dns = dns;
  if (value['prevResult'] !== undefined && value['prevResult'] !== null) {
    conf.prevResult = parseResult(value['prevResult'], v, C, 'prevResult');
  }
  const att = value['cni.dev/valid-attachments'] ?? value['cni.dev/attachments'];
  if (att !== undefined && att !== null) {
    if (!Array.isArray(att)) bad(C, 'cni.dev/valid-attachments', 'expected a list of {containerID, ifname}');
    conf.validAttachments = att.map((a, n) => {
      if (!isObj(a) || typeof a['containerID'] !== 'string' || typeof a['ifname'] !== 'string') {
        bad(C, `cni.dev/valid-attachments[${n}]`, 'expected {"containerID": string, "ifname": string}');
      }
      return { containerID: a['containerID'], ifname: a['ifname'] };
    });
  }
  return conf;
}
