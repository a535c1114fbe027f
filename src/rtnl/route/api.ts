/**
 * `rt.route`: add, replace, append, prepend, delete, list and look up routes over RTM_*ROUTE.
 * @module
 */
import { HOST_LE, InvalidArgumentError, NetlinkError, NLMSG_HDRLEN, allOrNoneError, tookIndexes, NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, align4, type MessageWriter, type RequestWithOptions } from '../../netlink/index.js';
import * as C from '../constants.js';
import { decodeKept, eachArgs, missingLink, noReply, type ForEachCallback, type RtnlCore } from '../core.js';
import { registerLayout } from '../describer.js';
import { AF_INET6, AF_UNSPEC, afOf, hasHostBits, networkOf, parseIp, parseIpOf, parsePrefix, formatPrefix, type IpPrefix } from '../ip.js';
import { checkBool, checkFamily, checkInt, checkKeys, checkLinkRef, checkNamed, checkObject, checkU32 } from '../validate.js';
import { bodyOf, flushRounds, type Dumped } from '../flush.js';
import { decodeRoute, type Route } from './decode.js';
import { ROUTE_PROTOCOLS, ROUTE_TYPES, SCOPES, checkTable, scopeName, tableByte, tableName, type RouteType, type Scope, type TableRef } from './names.js';
import { PREFS, RTA, RTAX, RTMSG_LEN, RTNEXTHOP_LEN, type RouteMetrics } from './table.js';

registerLayout([C.RTM_NEWROUTE, C.RTM_DELROUTE, C.RTM_GETROUTE], RTMSG_LEN, RTA);

/** One path of a multipath route. */
export interface NexthopSpec {
  /** Gateway address, same family as the route. Defaults to none (a device route). */
  readonly gateway?: string | undefined;
  /** IPv6 gateway of an IPv4 route's path (RTA_VIA; `nexthop via inet6 ADDR dev D`), with `dev`, instead of `gateway`. Defaults to none. */
  readonly via?: string | undefined;
  /** Output link, name or ifindex. Defaults to the one the kernel finds for the gateway. */
  readonly dev?: string | number | undefined;
  /** Weight 1..256. Defaults to 1. */
  readonly weight?: number | undefined;
  /** Gateway is on the link even if no prefix says so (RTNH_F_ONLINK). Defaults to false. */
  readonly onlink?: boolean | undefined;
  /**
   * IPv4: realm of this path (RTA_FLOW inside its rtnexthop; `ip route add … nexthop via
   * GW dev D realm TO` or `realms FROM/TO`): TO in the low 16 bits, FROM in the high ones,
   * as a decoded Nexthop's `flow`. Defaults to none.
   */
  readonly flow?: number | undefined;
}

/** What `rt.route.add`/`replace`/`append`/`del` take. Only `dst` is required. */
export interface RouteSpec {
  /** Destination: 'default', 'address/length' or a bare address (a host route). Required. */
  readonly dst: string;
  /** 4 / 'inet' or 6 / 'inet6' — only needed for 'default' without any address to tell. Defaults to the family of dst, gateway or src, else 4. */
  readonly family?: 4 | 6 | 'inet' | 'inet6' | undefined;
  /** Gateway (RTA_GATEWAY), same family as dst. Defaults to none. */
  readonly gateway?: string | undefined;
  /**
   * IPv6 gateway of an IPv4 route (RTA_VIA; `ip route add … via inet6 ADDR dev D`), with
   * `dev`, instead of `gateway`; as a decoded Route's `via`. Defaults to none.
   */
  readonly via?: string | undefined;
  /**
   * IPv4: realm of the route (RTA_FLOW; `ip route add … realm TO` or `realms FROM/TO`): TO
   * in the low 16 bits, FROM in the high ones, as a decoded Route's `flow`. Defaults to none.
   */
  readonly flow?: number | undefined;
  /** Output link (RTA_OIF), name or ifindex. Defaults to none (the kernel picks it from the gateway). */
  readonly dev?: string | number | undefined;
  /** Preferred source address (RTA_PREFSRC), same family. Defaults to none. */
  readonly src?: string | undefined;
  /** Same as `src`, under the name a decoded Route uses. Defaults to none. */
  readonly prefsrc?: string | undefined;
  /** Source prefix of a source-specific route (RTA_SRC; `ip -6 route add … from P`): IPv6 only (for IPv4, a rule). Defaults to none. */
  readonly from?: string | undefined;
  /** 'main', 'local', 'default' or a table id 1..4294967295. Defaults as `ip` does: 'local' for local, broadcast, anycast and nat routes, else 'main'. */
  readonly table?: TableRef | string | undefined;
  /** Metric / priority (RTA_PRIORITY). Defaults to the kernel's (0 for IPv4, 1024 for IPv6). */
  readonly metric?: number | undefined;
  /** Scope. Defaults as `ip` does: 'host' for local routes, 'link' for broadcast/multicast/anycast and for unicast routes without a gateway, else 'global'. */
  readonly scope?: Scope | number | undefined;
  /** Route type. Defaults to 'unicast'. */
  readonly type?: RouteType | number | undefined;
  /** Protocol (who installed the route). Defaults to 'boot', like `ip route add`. */
  readonly protocol?: string | number | undefined;
  /** Gateway is on the link even if no prefix says so (RTNH_F_ONLINK). Defaults to false. */
  readonly onlink?: boolean | undefined;
  /** Path MTU (RTAX_MTU). Defaults to none (the link's). */
  readonly mtu?: number | undefined;
  /** Advertised TCP MSS (RTAX_ADVMSS). Defaults to none. */
  readonly advmss?: number | undefined;
  /** Other RTA_METRICS values by name (hoplimit, initcwnd, …). Defaults to none. */
  readonly metrics?: Readonly<RouteMetrics> | undefined;
  /** Paths of a multipath route (RTA_MULTIPATH), instead of gateway/dev. Defaults to none. */
  readonly nexthops?: readonly NexthopSpec[] | undefined;
  /** TOS selector (rtm_tos). Defaults to 0. */
  readonly tos?: number | undefined;
  /** IPv6 router preference (RTA_PREF). Defaults to the kernel's ('medium'). */
  readonly pref?: 'low' | 'medium' | 'high' | undefined;
  /** IPv6: lifetime in seconds (RTA_EXPIRES). Defaults to none (permanent). */
  readonly expires?: number | undefined;
  /**
   * Nexthop object id (RTA_NH_ID; `ip route add … nhid N`): the route goes through that
   * nexthop or nexthop group, made by `ip nexthop add id N …`, instead of its own gateway,
   * dev or nexthops. Defaults to none.
   */
  readonly nhId?: number | undefined;
}

/** Filters for `rt.route.list`. */
export interface RouteFilter {
  /** 4 / 'inet' or 6 / 'inet6'. Defaults to both. */
  readonly family?: 4 | 6 | 'inet' | 'inet6' | undefined;
  /** Table, or 'all' for every table (local included). Defaults to 'main', as `ip route` shows. Filtered by the kernel. */
  readonly table?: TableRef | string | 'all' | undefined;
  /**
   * Only routes through this link (name or ifindex; filtered by the kernel, so multipath
   * routes with a hop through it are included, which `ip route show dev` leaves out, and
   * so are routes through a nexthop object that uses it, also under
   * net.ipv4.nexthop_compat_mode 0, where they name no link; a handle opened with
   * `strictCheck: false` cannot tell those and leaves them out). Defaults to any.
   */
  readonly dev?: string | number | undefined;
  /** Only this route type (filtered by the kernel). Defaults to any. */
  readonly type?: RouteType | number | undefined;
  /** Only this protocol (filtered by the kernel). Defaults to any. */
  readonly protocol?: string | number | undefined;
  /** Only this scope. Defaults to any. */
  readonly scope?: Scope | number | undefined;
  /** Only this exact destination ('default', prefix or address). Defaults to any. */
  readonly dst?: string | undefined;
}

/** Options for `rt.route.get`. */
export interface RouteGetOptions {
  /** Source address of the packet (RTA_SRC). Defaults to none. */
  readonly from?: string | undefined;
  /** Input link, as if the packet came in there (RTA_IIF). Defaults to none (locally generated). */
  readonly iif?: string | number | undefined;
  /** Output link to force (RTA_OIF). Defaults to none. */
  readonly oif?: string | number | undefined;
  /** Firewall mark (RTA_MARK). Defaults to 0. */
  readonly mark?: number | undefined;
  /** uid for uid-based rules (RTA_UID). Defaults to the kernel's (the caller's). */
  readonly uid?: number | undefined;
  /** TOS of the packet. Defaults to 0. */
  readonly tos?: number | undefined;
  /** Return the FIB entry that matched instead of the resolved route (RTM_F_FIB_MATCH). Defaults to false. */
  readonly fibMatch?: boolean | undefined;
  /** IP protocol of the packet, 0..255, for rules that match it (RTA_IP_PROTO; `ipproto`). Defaults to none. */
  readonly ipProto?: number | undefined;
  /** Source port of the packet, for rules that match it (RTA_SPORT; `sport`). Defaults to none. */
  readonly sport?: number | undefined;
  /** Destination port of the packet, for rules that match it (RTA_DPORT; `dport`). Defaults to none. */
  readonly dport?: number | undefined;
}

const SPEC_KEYS = new Set(['dst', 'family', 'gateway', 'dev', 'src', 'prefsrc', 'from', 'table', 'metric', 'scope', 'type', 'protocol', 'onlink', 'mtu', 'advmss', 'metrics', 'nexthops', 'tos', 'pref', 'expires', 'nhId', 'via', 'flow']);
const NH_KEYS = new Set(['gateway', 'via', 'dev', 'weight', 'onlink', 'flow']);
const FILTER_KEYS = new Set(['family', 'table', 'dev', 'type', 'protocol', 'scope', 'dst']);
const GET_KEYS = new Set(['from', 'iif', 'oif', 'mark', 'uid', 'tos', 'fibMatch', 'ipProto', 'sport', 'dport']);

interface PreparedNexthop {
  gateway: Uint8Array | undefined;
  /** RTA_VIA payload (struct rtvia: family, then the address). */
  via: Uint8Array | undefined;
  dev: string | number | undefined;
  weight: number;
  flags: number;
  /** RTA_FLOW inside the rtnexthop (realms). */
  flow: number | undefined;
}

/** A checked route request, ready to write once links are resolved. */
interface PreparedRoute {
  family: 4 | 6;
  dst: IpPrefix | undefined;
  from: IpPrefix | undefined;
  gateway: Uint8Array | undefined;
  /** RTA_VIA payload (struct rtvia: family, then the address). */
  via: Uint8Array | undefined;
  flow: number | undefined;
  dev: string | number | undefined;
  prefsrc: Uint8Array | undefined;
  table: number | undefined;
  metric: number | undefined;
  scope: number | undefined;
  type: number | undefined;
  protocol: number | undefined;
  flags: number;
  metrics: Record<string, unknown> | undefined;
  nexthops: PreparedNexthop[] | undefined;
  tos: number;
  pref: number | undefined;
  expires: number | undefined;
  nhId: number | undefined;
  /** The destination as given ('default', '10.9.0.0/24'), for messages. */
  subject: string;
  /** The spec as checked, for the request's subject (made only for an error). */
  spec: Record<string, unknown>;
}

/**
 * An RTA_VIA payload (struct rtvia: u16 family, then the address) for an IPv6 gateway of
 * an IPv4 route; the only pair the kernel takes (IPv6 routes refuse RTA_VIA, and a
 * gateway of the route's own family is `gateway`).
 */
function viaOf(v: unknown, arg: string, fam: 4 | 6, what: string): Uint8Array {
  if (fam !== 4) throw new InvalidArgumentError(arg, `via (a gateway of another family) applies to IPv4 routes only; for ${what} give gateway`);
  const a = parseIp(v, arg);
  if (a.family === 4) throw new InvalidArgumentError(arg, `${String(v)} is IPv4 like ${what}: give it as gateway (via is an IPv6 gateway of an IPv4 route, ip's 'via inet6')`);
  const b = new Uint8Array(2 + a.bytes.length);
  new DataView(b.buffer).setUint16(0, AF_INET6, HOST_LE);
  b.set(a.bytes, 2);
  return b;
}

function parseDst(v: unknown, arg: string): IpPrefix | 'default' {
  if (v === 'default') return 'default';
  const p = parsePrefix(v, arg);
  if (hasHostBits(p)) {
    const n = networkOf(p);
    throw new InvalidArgumentError(arg, `'${String(v)}' has host bits set past /${p.prefixLen} (did you mean ${formatPrefix(n.bytes, 0, n.bytes.length, n.prefixLen)}?)`);
  }
  return p;
}

/**
 * A decoded Route (it has `rawFlags`), perhaps spread with changes (`{ ...route, table:
 * 100 }`), as a spec. For a delete (`make` false): what identifies the route. For `add`,
 * `replace`, `append` and `prepend` (`make` true): what makes it again — scope, metrics,
 * preference, expiry and onlink too, but not the kernel's own state (cache info, the
 * flags it sets, uid, mark, a lookup's input link); a lightweight-tunnel encap, which
 * nlkit cannot send, is refused rather than dropped.
 */
function specOfRoute(r: Route, make: boolean): Record<string, unknown> {
  if (make && (r.encapType !== undefined || r.encap !== undefined || r.nexthops?.some((n) => n.encapType !== undefined || n.encap !== undefined) === true)) {
    throw new InvalidArgumentError('spec', `the route to ${r.dst} has a lightweight-tunnel encap (RTA_ENCAP), which nlkit cannot send: it would make a different route`);
  }
  const s: Record<string, unknown> = { dst: r.dst, family: r.family, table: r.table, tos: r.tos, type: r.type, protocol: r.protocol };
  const put = (k: string, v: unknown): void => {
    if (v !== undefined) s[k] = v;
  };
  put('metric', r.metric);
  put('from', r.from);
  // IPv4 keeps routes that differ only in prefsrc, via or realms apart (ip route append):
  // a delete without them removes the first of the key's routes, not the one passed.
  put('prefsrc', r.prefsrc);
  if (make) {
    s['scope'] = r.scope;
    put('pref', r.pref);
    put('expires', r.expires);
    if (r.metrics !== undefined && Object.keys(r.metrics).length > 0) s['metrics'] = r.metrics;
  }
  // A route through a nexthop object is matched and made by its id: the kernel reports
  // the object's gateway, link or paths with it, refuses them next to an id, and an IPv4
  // delete that names any of them matches no such route.
  if (r.nhId !== undefined) {
    s['nhId'] = r.nhId;
    // Through a blackhole nexthop object the kernel reports the type as blackhole
    // (fib_dump_info), not the type the route was added with, which an IPv4 delete must
    // match (fib_table_delete): any type then, the id selects the route.
    if (!make && r.type === 'blackhole') delete s['type'];
    return s;
  }
  put('gateway', r.gateway);
  put('via', r.via);
  put('dev', r.dev);
  if (r.family === 4) put('flow', r.flow);
  if (make && Array.isArray(r.flags) && r.flags.includes('onlink')) s['onlink'] = true;
  // An IPv4 path's realm, for a delete 0 when it has none: the kernel matches a multipath
  // delete path by path (fib_nh_match), a path's RTA_FLOW against its realm, and a path
  // without RTA_FLOW matches any realm — so the first route whose paths match the rest
  // would go.
  if (r.nexthops) {
    s['nexthops'] = r.nexthops.map((n) => ({
      ...(n.gateway !== undefined ? { gateway: n.gateway } : {}), ...(n.via !== undefined ? { via: n.via } : {}), ...(n.dev ? { dev: n.dev } : {}), weight: n.weight,
      ...(r.family === 4 && (n.flow !== undefined || !make) ? { flow: n.flow ?? 0 } : {}),
      ...(make && Array.isArray(n.flags) && n.flags.includes('onlink') ? { onlink: true } : {}),
    }));
  }
  return s;
}

/** Check a route spec (no I/O). `del` relaxes the defaults so the kernel matches any value not given. */
function prepare(spec: unknown, forDelete: boolean): PreparedRoute {
  let s = checkObject(spec, 'spec');
  if (typeof s['rawFlags'] === 'number') s = specOfRoute(s as unknown as Route, !forDelete);
  checkKeys(s, SPEC_KEYS, '');
  if (s['dst'] === undefined) throw new InvalidArgumentError('dst', "a route needs a destination ('default', a prefix or an address)");
  const dst = parseDst(s['dst'], 'dst');
  let family: 4 | 6 | undefined = dst === 'default' ? undefined : dst.family;
  const what = dst === 'default' ? 'the route' : `dst ${String(s['dst'])}`;
  if (s['family'] !== undefined) {
    const f = checkFamily(s['family'], 'family');
    if (family !== undefined && f !== family) throw new InvalidArgumentError('family', `family ${f} but dst ${String(s['dst'])} is IPv${family}`);
    family = f;
  }
  // 'default' takes its family from the first address that has one.
  const nhs = s['nexthops'];
  if (family === undefined) {
    const nh0 = Array.isArray(nhs) && typeof nhs[0] === 'object' && nhs[0] !== null ? (nhs[0] as Record<string, unknown>)['gateway'] : undefined;
    for (const [k, v] of [['gateway', s['gateway']], ['src', s['src']], ['prefsrc', s['prefsrc']], ['from', s['from']], ['nexthops[0].gateway', nh0]] as const) {
      if (typeof v === 'string') {
        family = (k === 'from' ? parsePrefix(v, k) : parseIp(v, k)).family;
        break;
      }
    }
  }
  const fam: 4 | 6 = family ?? 4;
  const type = s['type'] !== undefined ? checkNamed(s['type'], 'type', ROUTE_TYPES, 255) : forDelete ? undefined : C.RTN_UNICAST;
  const p: PreparedRoute = {
    family: fam,
    dst: dst === 'default' ? undefined : dst,
    from: undefined,
    gateway: s['gateway'] !== undefined ? parseIpOf(s['gateway'], 'gateway', fam, what).bytes : undefined,
    via: s['via'] !== undefined ? viaOf(s['via'], 'via', fam, what) : undefined,
    flow: undefined,
    dev: s['dev'] !== undefined ? checkLinkRef(s['dev'], 'dev') : undefined,
    prefsrc: undefined,
    // Without a table, local, broadcast, anycast and nat routes go to (and are deleted
    // from) the local table, where the kernel keeps its own; every other type to main. As ip.
    table: s['table'] !== undefined ? checkTable(s['table'], 'table')
      : type === C.RTN_LOCAL || type === C.RTN_BROADCAST || type === C.RTN_ANYCAST || type === C.RTN_NAT ? C.RT_TABLE_LOCAL : C.RT_TABLE_MAIN,
    metric: s['metric'] !== undefined ? checkU32(s['metric'], 'metric') : undefined,
    scope: s['scope'] !== undefined ? checkNamed(s['scope'], 'scope', SCOPES, 255) : undefined,
    type,
    protocol: s['protocol'] !== undefined ? checkNamed(s['protocol'], 'protocol', ROUTE_PROTOCOLS, 255) : forDelete ? undefined : C.RTPROT_BOOT,
    flags: 0,
    metrics: undefined,
    nexthops: undefined,
    tos: s['tos'] !== undefined ? checkInt(s['tos'], 'tos', 0, 255) : 0,
    pref: undefined,
    expires: undefined,
    nhId: s['nhId'] !== undefined ? checkInt(s['nhId'], 'nhId', 1, 0xffffffff) : undefined,
    subject: String(s['dst']),
    spec: s,
  };
  if (p.via !== undefined && p.gateway !== undefined) throw new InvalidArgumentError('via', 'give gateway (same family) or via (IPv6 gateway of an IPv4 route), not both');
  if (s['flow'] !== undefined) {
    // The kernel's IPv6 routes have no realms: it would drop RTA_FLOW without a word.
    if (fam !== 4) throw new InvalidArgumentError('flow', 'realms (flow) apply to IPv4 routes only');
    p.flow = checkU32(s['flow'], 'flow');
  }
  if (s['src'] !== undefined && s['prefsrc'] !== undefined) throw new InvalidArgumentError('prefsrc', 'give src or prefsrc, not both');
  const src = s['src'] ?? s['prefsrc'];
  if (src !== undefined) p.prefsrc = parseIpOf(src, s['src'] !== undefined ? 'src' : 'prefsrc', fam, what).bytes;
  if (s['from'] !== undefined) {
    const f = parsePrefix(s['from'], 'from');
    if (f.family !== fam) throw new InvalidArgumentError('from', `from ${String(s['from'])} is IPv${f.family} but ${what} is IPv${fam}`);
    // IPv4 has no source-specific routes: the kernel would drop the selector and the
    // route would match every source (a rule with `from` does this for IPv4).
    if (fam === 4) throw new InvalidArgumentError('from', 'source-specific routes (from) are IPv6 only; for IPv4 use a rule (rt.rule.add({ from, table }))');
    if (hasHostBits(f)) {
      const n = networkOf(f);
      throw new InvalidArgumentError('from', `'${String(s['from'])}' has host bits set past /${f.prefixLen} (did you mean ${formatPrefix(n.bytes, 0, n.bytes.length, n.prefixLen)}?)`);
    }
    p.from = f;
  }
  if (s['onlink'] !== undefined && checkBool(s['onlink'], 'onlink')) p.flags |= C.RTNH_F_ONLINK;
  // Metrics: mtu and advmss at the top, the rest in `metrics`.
  let metrics: Record<string, unknown> | undefined;
  if (s['metrics'] !== undefined) {
    const m = checkObject(s['metrics'], 'metrics');
    checkKeys(m, new Set(RTAX.byKey.keys()), 'metrics.');
    // Only the metrics given a value: `{ hoplimit: undefined }` is no metric, and must not
    // make an empty RTA_METRICS below (which `metrics: {}` does not send either).
    for (const k of Object.keys(m)) if (m[k] !== undefined) (metrics ??= {})[k] = m[k];
    // The kernel clamps a hop limit over 255 to 255; `ip` refuses it, and its 0/1 switches above 1.
    if (m['hoplimit'] !== undefined) checkInt(m['hoplimit'], 'metrics.hoplimit', 0, 255);
    if (m['quickack'] !== undefined) checkInt(m['quickack'], 'metrics.quickack', 0, 1);
    if (m['fastopenNoCookie'] !== undefined) checkInt(m['fastopenNoCookie'], 'metrics.fastopenNoCookie', 0, 1);
  }
  for (const k of ['mtu', 'advmss'] as const) {
    if (s[k] === undefined) continue;
    if (metrics?.[k] !== undefined) throw new InvalidArgumentError(k, `give ${k} or metrics.${k}, not both`);
    (metrics ??= {})[k] = checkU32(s[k], k);
  }
  if (metrics) p.metrics = metrics;
  if (nhs !== undefined) {
    if (!Array.isArray(nhs) || nhs.length === 0) throw new InvalidArgumentError('nexthops', 'expected a non-empty array of { gateway, dev, weight }');
    if (p.gateway !== undefined || p.via !== undefined || p.dev !== undefined) throw new InvalidArgumentError('nexthops', 'a multipath route takes its gateways and links from nexthops; leave gateway and dev out (and via)');
    // Array.from visits holes too ([, { … }] gives an undefined entry, not a skipped one).
    p.nexthops = Array.from(nhs as unknown[], (n, i) => {
      const arg = `nexthops[${i}]`;
      if (n === undefined) throw new InvalidArgumentError(arg, 'expected a nexthop object, got undefined');
      const o = checkObject(n, arg);
      checkKeys(o, NH_KEYS, `${arg}.`);
      const nh: PreparedNexthop = {
        gateway: o['gateway'] !== undefined ? parseIpOf(o['gateway'], `${arg}.gateway`, fam, what).bytes : undefined,
        via: o['via'] !== undefined ? viaOf(o['via'], `${arg}.via`, fam, what) : undefined,
        dev: o['dev'] !== undefined ? checkLinkRef(o['dev'], `${arg}.dev`) : undefined,
        weight: o['weight'] !== undefined ? checkInt(o['weight'], `${arg}.weight`, 1, 256) : 1,
        flags: o['onlink'] !== undefined && checkBool(o['onlink'], `${arg}.onlink`) ? C.RTNH_F_ONLINK : 0,
        flow: undefined,
      };
      if (o['flow'] !== undefined) {
        // As for the route's flow: IPv6 routes have no realms, and would drop it without a word.
        if (fam !== 4) throw new InvalidArgumentError(`${arg}.flow`, 'realms (flow) apply to IPv4 routes only');
        nh.flow = checkU32(o['flow'], `${arg}.flow`);
      }
      if (nh.gateway === undefined && nh.dev === undefined) throw new InvalidArgumentError(arg, nh.via !== undefined ? 'a nexthop with via needs its dev' : 'a nexthop needs a gateway or a dev');
      if (nh.via !== undefined && nh.gateway !== undefined) throw new InvalidArgumentError(`${arg}.via`, 'give gateway (same family) or via, not both');
      return nh;
    });
    // RTA_MULTIPATH is one attribute: its length field holds at most 65535 bytes.
    let bytes = 4;
    for (const nh of p.nexthops) bytes += RTNEXTHOP_LEN + (nh.gateway ? 4 + nh.gateway.length : 0) + (nh.via ? align4(4 + nh.via.length) : 0) + (nh.flow !== undefined ? 8 : 0);
    if (bytes > 0xffff) throw new InvalidArgumentError('nexthops', `${p.nexthops.length} nexthops take ${bytes} bytes, more than the 65535 one netlink attribute (RTA_MULTIPATH) can hold`);
  }
  if (s['pref'] !== undefined) {
    if (fam !== 6) throw new InvalidArgumentError('pref', 'router preference applies to IPv6 routes only');
    p.pref = checkNamed(s['pref'], 'pref', PREFS, 3);
    // 2 is ICMPV6_ROUTER_PREF_INVALID, which the kernel turns into medium.
    if (p.pref === 2) throw new InvalidArgumentError('pref', "2 is the invalid preference; expected 'low', 'medium', 'high' (3, 0, 1)");
  }
  if (s['expires'] !== undefined) {
    if (fam !== 6) throw new InvalidArgumentError('expires', 'route lifetimes apply to IPv6 routes only');
    p.expires = checkU32(s['expires'], 'expires');
  }
  if (p.via !== undefined && p.dev === undefined && !forDelete) throw new InvalidArgumentError('via', 'a route with an IPv6 gateway (via) needs its dev: the kernel does not look one up for it');
  if (p.nhId !== undefined && (p.gateway !== undefined || p.via !== undefined || p.dev !== undefined || p.nexthops !== undefined)) {
    throw new InvalidArgumentError('nhId', 'a route through a nexthop object (nhId) takes its gateway, link and paths from the object; leave gateway, dev and nexthops out');
  }
  if (!forDelete) {
    const t = p.type!;
    if (t === C.RTN_BLACKHOLE || t === C.RTN_UNREACHABLE || t === C.RTN_PROHIBIT || t === C.RTN_THROW) {
      if (p.gateway || p.via || p.nexthops || p.dev !== undefined || p.nhId !== undefined) throw new InvalidArgumentError('type', `a ${String(s['type'])} route takes no gateway, dev, nexthops or nhId`);
    } else if (t === C.RTN_UNICAST && !p.gateway && !p.nexthops && p.dev === undefined && p.nhId === undefined) {
      throw new InvalidArgumentError('dst', `a unicast route to ${p.subject} needs a gateway, a dev or nexthops (or a nexthop object, nhId)`);
    } else if ((t === C.RTN_LOCAL || t === C.RTN_BROADCAST || t === C.RTN_ANYCAST) && p.dev === undefined && !p.nexthops) {
      // The kernel answers a bare ENODEV ("No such device") for these without a link.
      throw new InvalidArgumentError('dev', `a ${String(s['type'])} route to ${p.subject} needs the link it is on (dev)`);
    }
  }
  if (p.scope === undefined) {
    const t = p.type;
    if (t === C.RTN_LOCAL || t === C.RTN_NAT) p.scope = C.RT_SCOPE_HOST;
    else if (t === C.RTN_BROADCAST || t === C.RTN_MULTICAST || t === C.RTN_ANYCAST) p.scope = C.RT_SCOPE_LINK;
    else if (forDelete) p.scope = C.RT_SCOPE_NOWHERE; // the kernel's wildcard
    else if (t === C.RTN_UNICAST && !p.gateway && !p.via && !p.nexthops && p.nhId === undefined && !(p.flags & C.RTNH_F_ONLINK)) p.scope = C.RT_SCOPE_LINK;
    else p.scope = C.RT_SCOPE_UNIVERSE;
  }
  return p;
}

/** A link as the other subjects name it: by name, or 'ifindex N' (`dev 2` would read as a link named 2). */
function devText(dev: string | number): string {
  return typeof dev === 'number' ? `ifindex ${dev}` : dev;
}

/**
 * A route as `ip route` writes it, for the subject of its request's error: type (other
 * than unicast), destination, source, gateway, link, nexthops, table (other than
 * main), metric — '10.9.0.0/24 dev v0 table 100' says which table refused (an EEXIST in
 * table 100 read as if in main, '10.9.0.0/24 dev v0'). Made only for an error.
 */
function routeSubject(r: RouteRequest): string {
  const p = r.p;
  const s = p.spec;
  let out = p.type !== undefined && p.type !== C.RTN_UNICAST ? `${String(s['type'])} ${p.subject}` : p.subject;
  if (p.from) out += ` from ${String(s['from'])}`;
  if (p.nhId !== undefined) out += ` nhid ${p.nhId}`;
  if (p.gateway) out += ` via ${String(s['gateway'])}`;
  if (p.via) out += ` via inet6 ${String(s['via'])}`;
  if (p.dev !== undefined) out += ` dev ${devText(p.dev)}`;
  if (p.nexthops) {
    const nhs = s['nexthops'] as Record<string, unknown>[];
    out += p.nexthops.map((nh, i) => ` nexthop${nh.gateway ? ` via ${String(nhs[i]!['gateway'])}` : ''}${nh.via ? ` via inet6 ${String(nhs[i]!['via'])}` : ''}${nh.dev !== undefined ? ` dev ${devText(nh.dev)}` : ''}`).join('');
  }
  const table = p.table ?? C.RT_TABLE_MAIN;
  if (table !== C.RT_TABLE_MAIN) out += ` table ${String(tableName(table))}`;
  if (p.metric !== undefined) out += ` metric ${p.metric}`;
  return out;
}

/** What a route request's builder and subject take: the prepared route and its resolved ifindexes. */
interface RouteRequest {
  readonly p: PreparedRoute;
  readonly dev: number | undefined;
  readonly nhDevs: readonly (number | undefined)[];
}

/**
 * A route's metric as the kernel keys it: none is 0 for IPv4; none and 0 are 1024 for
 * IPv6 (IP6_RT_PRIO_USER, as `ip -6 route` shows it).
 */
function keyMetric(p: PreparedRoute): number {
  const m = p.metric ?? 0;
  return p.family === 6 && m === 0 ? 1024 : m;
}

/** No nexthops: the ifindexes of none. */
const NO_DEVS: readonly (number | undefined)[] = Object.freeze([]);

const writeRouteRequest = (w: MessageWriter, r: RouteRequest): void => writeRoute(w, r.p, r.dev, r.nhDevs);
const ROUTE_OPTS: RequestWithOptions<RouteRequest> = { subjectOf: routeSubject };

/** Write struct rtmsg at the writer's cursor. */
export function putRtmsg(w: MessageWriter, family: number, dstLen: number, srcLen: number, tos: number, table: number, protocol: number, scope: number, type: number, flags: number): void {
  const o = w.reserve(RTMSG_LEN);
  const b = w.buf;
  b[o] = family;
  b[o + 1] = dstLen;
  b[o + 2] = srcLen;
  b[o + 3] = tos;
  b[o + 4] = tableByte(table);
  b[o + 5] = protocol;
  b[o + 6] = scope;
  b[o + 7] = type;
  w.view.setUint32(o + 8, flags >>> 0, HOST_LE);
}

function writeRoute(w: MessageWriter, p: PreparedRoute, dev: number | undefined, nhDevs: readonly (number | undefined)[]): void {
  const table = p.table ?? C.RT_TABLE_MAIN;
  putRtmsg(w, afOf(p.family), p.dst?.prefixLen ?? 0, p.from?.prefixLen ?? 0, p.tos, table, p.protocol ?? 0, p.scope ?? C.RT_SCOPE_UNIVERSE, p.type ?? 0, p.flags);
  if (table >= 256) w.putU32(C.RTA_TABLE, table);
  if (p.dst) w.putBytes(C.RTA_DST, p.dst.bytes);
  if (p.from) w.putBytes(C.RTA_SRC, p.from.bytes);
  if (p.gateway) w.putBytes(C.RTA_GATEWAY, p.gateway);
  if (p.via) w.putBytes(C.RTA_VIA, p.via);
  if (p.flow !== undefined) w.putU32(C.RTA_FLOW, p.flow);
  if (dev !== undefined) w.putU32(C.RTA_OIF, dev);
  if (p.prefsrc) w.putBytes(C.RTA_PREFSRC, p.prefsrc);
  if (p.metric !== undefined) w.putU32(C.RTA_PRIORITY, p.metric);
  if (p.metrics) {
    // RTA_METRICS and RTA_MULTIPATH predate NLA_F_NESTED; iproute2 sends them without it.
    const m = w.nestStart(C.RTA_METRICS, false);
    RTAX.encode(w, p.metrics, 'metrics.');
    w.nestEnd(m);
  }
  if (p.nexthops) {
    const mp = w.nestStart(C.RTA_MULTIPATH, false);
    p.nexthops.forEach((nh, i) => {
      const o = w.reserve(RTNEXTHOP_LEN);
      w.buf[o + 2] = nh.flags;
      w.buf[o + 3] = nh.weight - 1;
      w.view.setInt32(o + 4, nhDevs[i] ?? 0, HOST_LE);
      if (nh.gateway) w.putBytes(C.RTA_GATEWAY, nh.gateway);
      if (nh.via) w.putBytes(C.RTA_VIA, nh.via);
      if (nh.flow !== undefined) w.putU32(C.RTA_FLOW, nh.flow);
      w.view.setUint16(o, w.pos - o, HOST_LE);
    });
    w.nestEnd(mp);
  }
  if (p.pref !== undefined) w.putU8(C.RTA_PREF, p.pref);
  if (p.expires !== undefined) w.putU32(C.RTA_EXPIRES, p.expires);
  if (p.nhId !== undefined) w.putU32(C.RTA_NH_ID, p.nhId);
}

function isRtm(view: DataView, off: number): boolean {
  return view.getUint16(off + 4, HOST_LE) === C.RTM_NEWROUTE;
}

/** The dump callback: one function for every dump (a closure per call deoptimises the socket's receive loop). */
const onRoute = (buf: Buffer, view: DataView, off: number, len: number): Route | undefined =>
  isRtm(view, off) ? decodeRoute(buf, view, off, len) : undefined;

/** A checked route filter (RouteApi.query): the dump request's body and what is kept of the answer. */
interface RouteQuery {
  /** The table asked for; 0 for 'all'. */
  readonly table: number;
  readonly build: (w: MessageWriter) => void;
  readonly keep: (r: Route) => boolean;
}

/** route.flush's dump callback: the decoded route and its message body, to send back as the delete. */
const onRouteRaw = (buf: Buffer, view: DataView, off: number, len: number): Dumped<Route> | undefined => {
  const obj = isRtm(view, off) ? decodeRoute(buf, view, off, len) : undefined;
  if (obj === undefined) return undefined;
  return { obj, body: obj.nhId === undefined ? bodyOf(buf, off, len) : nhRouteBody(buf, view, off, len) };
};

/**
 * Attributes the kernel reports on a route through a nexthop object (the object's
 * gateway, link and paths, under net.ipv4.nexthop_compat_mode) but refuses beside
 * RTA_NH_ID in a request: "Nexthop specification and nexthop id are mutually exclusive"
 * (EINVAL, rtm_to_fib_config / rtm_to_fib6_config).
 */
const NH_EXCLUSIVE: ReadonlySet<number> = new Set([C.RTA_OIF, C.RTA_GATEWAY, C.RTA_VIA, C.RTA_MULTIPATH, C.RTA_ENCAP, C.RTA_ENCAP_TYPE]);

/**
 * The delete body of a dumped route through a nexthop object: the dumped body without
 * {@link NH_EXCLUSIVE} (and without the blackhole type the kernel reports for a blackhole
 * object), so the kernel matches it by RTA_NH_ID (fib_nh_match) as it matches
 * `ip route del … nhid N`.
 */
function nhRouteBody(buf: Buffer, view: DataView, off: number, len: number): Buffer {
  const start = off + NLMSG_HDRLEN;
  const end = off + len;
  const parts: Buffer[] = [buf.subarray(start, start + RTMSG_LEN)];
  for (let a = start + RTMSG_LEN; a + 4 <= end;) {
    const alen = view.getUint16(a, HOST_LE);
    if (alen < 4 || a + alen > end) break;
    const next = Math.min(a + align4(alen), end);
    if (!NH_EXCLUSIVE.has(view.getUint16(a + 2, HOST_LE) & 0x3fff)) parts.push(buf.subarray(a, next));
    a = next;
  }
  const body = Buffer.concat(parts); // a copy: buf is the receive buffer
  // rtm_type: blackhole is what the dump says of a route through a blackhole object, not
  // the type it was added with, which an IPv4 delete must match; any type then (as specOfRoute).
  if (body[7] === C.RTN_BLACKHOLE) body[7] = C.RTN_UNSPEC;
  return body;
}

/** A route delete that failed because the route is gone already (deleted in between, or its link). */
const ROUTE_GONE: ReadonlySet<string> = new Set(['ESRCH', 'ENOENT', 'ENODEV']);

/** A decoded route as `ip route` writes it, for a flush's error: '10.9.0.0/24 via 10.0.0.1 dev ifindex 3 table 100 metric 5'. */
function routeText(r: Route): string {
  let out = r.dst;
  if (r.gateway !== undefined) out += ` via ${r.gateway}`;
  if (r.dev !== undefined) out += ` dev ifindex ${r.dev}`;
  if (r.table !== 'main') out += ` table ${String(r.table)}`;
  if (r.metric !== undefined) out += ` metric ${r.metric}`;
  return out;
}

/** A route filter as `ip route flush` would take it, for a flush's error: 'table 100 dev v0'. */
function filterText(f: Readonly<Record<string, unknown>>): string {
  const parts: string[] = [];
  if (f['family'] !== undefined) parts.push(`-${String(f['family']).replace('inet6', '6').replace('inet', '4')}`);
  for (const k of ['table', 'dev', 'type', 'protocol', 'scope', 'dst'] as const) if (f[k] !== undefined) parts.push(`${k === 'protocol' ? 'proto' : k === 'dst' ? 'exact' : k} ${String(f[k])}`);
  return parts.join(' ');
}

/** Route operations of an Rtnl handle (`rt.route`). */
export class RouteApi {
  /** Not for users: every Rtnl handle has its own, `rt.route`. */
  private constructor(private readonly core: RtnlCore) {}

  /** @internal How a handle makes its `rt.route` (and tests one over a stand-in core). */
  static of(core: RtnlCore): RouteApi {
    return new RouteApi(core);
  }

  /**
   * A link name or ifindex → an ifindex that exists (a GETLINK either way; 'ENODEV'
   * naming the link otherwise). Used by list/get, and by add/del only after the kernel
   * refused, since it reports a missing ifindex behind a gateway as ENETUNREACH
   * ("Nexthop has invalid gateway"), not ENODEV.
   */
  private async index(ref: string | number, arg: string): Promise<number> {
    if (typeof ref === 'string') return this.core.linkIndex(ref, arg);
    try {
      await this.core.sock.request(C.RTM_GETLINK, 0, (w) => {
        const o = w.reserve(C.SIZEOF_IFINFOMSG);
        w.view.setInt32(o + 4, ref, HOST_LE);
        w.putU32(C.IFLA_EXT_MASK, C.RTEXT_FILTER_SKIP_STATS);
      }, () => true, { ack: false, subject: `ifindex ${ref}` });
    } catch (e) {
      if (e instanceof NetlinkError && e.code === 'ENODEV') throw new NetlinkError(e.errno, e.request, e.extack, missingLink(this.core, arg, ref));
      throw e;
    }
    return ref;
  }

  /** Names → ifindexes (looked up); ifindexes as given (checked only if the kernel refuses, see modify). */
  private async resolve(p: PreparedRoute): Promise<{ dev: number | undefined; nhDevs: (number | undefined)[] }> {
    const dev = typeof p.dev === 'string' ? await this.core.linkIndex(p.dev, 'dev') : p.dev;
    const nhDevs: (number | undefined)[] = [];
    if (p.nexthops) {
      for (let i = 0; i < p.nexthops.length; i++) {
        const d = p.nexthops[i]!.dev;
        nhDevs.push(typeof d === 'string' ? await this.core.linkIndex(d, `nexthops[${i}].dev`) : d);
      }
    }
    return { dev, nhDevs };
  }

  /**
   * Check, resolve link names, send. Not async: with no link name to look up (an ifindex
   * or no dev, the bulk case) the request goes out in the call, and its promise is
   * returned with only the refusal path added — no async frames per route.
   */
  private modify(type: number, flags: number, spec: RouteSpec | Route, forDelete: boolean): Promise<void> {
    let p: PreparedRoute;
    try {
      p = prepare(spec, forDelete);
    } catch (e) {
      return Promise.reject(e);
    }
    if (typeof p.dev !== 'string' && !(p.nexthops?.some((nh) => typeof nh.dev === 'string') ?? false)) {
      const nhDevs = p.nexthops ? p.nexthops.map((nh) => nh.dev as number | undefined) : NO_DEVS;
      return this.send(type, flags, p, p.dev as number | undefined, nhDevs);
    }
    return this.resolve(p).then(({ dev, nhDevs }) => this.send(type, flags, p, dev, nhDevs));
  }

  private send(type: number, flags: number, p: PreparedRoute, dev: number | undefined, nhDevs: readonly (number | undefined)[]): Promise<void> {
    const r = this.core.sock.requestWith(type, flags, writeRouteRequest, { p, dev, nhDevs }, undefined, ROUTE_OPTS) as Promise<undefined>;
    return r.catch((e: unknown) => this.refused(p, e));
  }

  /**
   * The kernel refused: given ifindexes are checked only now, off the success path (a
   * GETLINK each), since the kernel reports a missing one behind a gateway as ENETUNREACH
   * ("Nexthop has invalid gateway"), or a delete as ESRCH, where 'ENODEV' naming the
   * link is the truth. Otherwise the kernel's error as it is.
   */
  private async refused(p: PreparedRoute, e: unknown): Promise<never> {
    if (e instanceof NetlinkError) {
      if (typeof p.dev === 'number') await this.index(p.dev, 'dev');
      if (p.nexthops) for (let i = 0; i < p.nexthops.length; i++) if (typeof p.nexthops[i]!.dev === 'number') await this.index(p.nexthops[i]!.dev!, `nexthops[${i}].dev`);
    }
    throw e;
  }

  /**
   * Add a route: RTM_NEWROUTE with NLM_F_CREATE|NLM_F_EXCL. Input (addresses, prefix
   * lengths, families, table names, links) is checked before anything is sent.
   *
   * A decoded Route from `list()` is taken too, as it is or spread with changes, so a
   * route can be copied: `rt.route.add({ ...route, table: 100 })`. Everything that makes
   * the route is sent again (type, protocol, scope, metric, paths and their weights,
   * realms and onlink, metrics, preference); the kernel's own state (cache info, flags it
   * sets) is not. A route with a lightweight-tunnel encap is refused (InvalidArgumentError),
   * as nlkit cannot send one. The same holds for `replace`, `append` and `prepend`.
   *
   * Equivalent to: `ip route add [TYPE] DST [from SRC] [via GW] [dev DEV] [src PREFSRC]
   * [table T] [metric M] [scope S] [proto P] [onlink] [mtu N] [advmss N]
   * [nexthop via GW dev DEV weight W realms F/T …] [nhid N] [via inet6 GW] [realms F/T]`.
   * @throws InvalidArgumentError for bad input; NetlinkError 'EEXIST' when the route
   *   exists, 'ENODEV' for a missing link, 'ENETUNREACH' ("Nexthop has invalid gateway")
   *   when no route reaches the gateway.
   */
  add(spec: RouteSpec | Route): Promise<void> {
    return this.modify(C.RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, spec, false);
  }

  /**
   * Add many routes, all or none: every RTM_NEWROUTE (NLM_F_CREATE|NLM_F_EXCL, each
   * ACKed) is built first and they go to the kernel in as few sendmsg calls as the
   * socket's buffers allow (see NetlinkSocket.requestBatch), instead of one round trip
   * per route. Each link name is looked up once.
   *
   * - Every spec is checked before anything is sent: InvalidArgumentError naming
   *   `specs[i]`; two specs with the same key (family, destination, source prefix, table,
   *   TOS and metric, which the kernel would refuse with EEXIST) are refused too. A link
   *   name that does not exist is 'ENODEV' before anything is sent.
   * - If the kernel refuses any route, the routes this call added are deleted again and
   *   the promise rejects with the NetlinkError of the first refused route, naming it
   *   ('ENODEV' naming the link when a given ifindex does not exist, as `add` says).
   *
   * Equivalent to: `ip -batch -` reading one `route add …` line per route — except that
   * `ip -batch` stops at the first error and keeps the routes it added.
   * @throws InvalidArgumentError for bad input (nothing sent); NetlinkError.
   */
  async addMany(specs: readonly (RouteSpec | Route)[]): Promise<void> {
    if (!Array.isArray(specs)) throw new InvalidArgumentError('specs', `expected an array of route specs, got ${specs === null ? 'null' : typeof specs}`);
    const n = specs.length;
    const prepared = new Array<PreparedRoute>(n);
    const seen = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      try {
        prepared[i] = prepare(specs[i], false);
      } catch (e) {
        if (e instanceof InvalidArgumentError) throw new InvalidArgumentError(`specs[${i}]${e.argument === 'spec' ? '' : `.${e.argument}`}`, e.message.replace(/^invalid [^:]*: /, ''));
        throw e;
      }
      const p = prepared[i]!;
      const key = `${p.family} ${p.dst ? `${p.dst.bytes.join('.')}/${p.dst.prefixLen}` : 'default'} ${p.from ? `${p.from.bytes.join('.')}/${p.from.prefixLen}` : ''} ${p.table ?? C.RT_TABLE_MAIN} ${p.tos} ${keyMetric(p)}`;
      const j = seen.get(key);
      if (j !== undefined) throw new InvalidArgumentError(`specs[${i}]`, `${p.subject} has the key of specs[${j}] (destination, table, TOS and metric): the kernel would refuse it with EEXIST`);
      seen.set(key, i);
    }
    if (n === 0) return void (await this.core.sock.requestBatch([])); // nothing sent; ClosedError for a closed handle, as any call
    // Link names once each (ENODEV naming one, before anything is sent).
    const byName = new Map<string, number>();
    for (const p of prepared) {
      if (typeof p.dev === 'string' && !byName.has(p.dev)) byName.set(p.dev, await this.core.linkIndex(p.dev, 'dev'));
      for (const nh of p.nexthops ?? []) if (typeof nh.dev === 'string' && !byName.has(nh.dev)) byName.set(nh.dev, await this.core.linkIndex(nh.dev, 'dev'));
    }
    const devOf = (d: string | number | undefined): number | undefined => (typeof d === 'string' ? byName.get(d)! : d);
    const reqs: RouteRequest[] = prepared.map((p) => ({ p, dev: devOf(p.dev), nhDevs: p.nexthops ? p.nexthops.map((nh) => devOf(nh.dev)) : NO_DEVS }));
    const subjects = reqs.map(routeSubject);
    const r = await this.core.sock.requestBatch(reqs.map((q, i) => ({ type: C.RTM_NEWROUTE, flags: NLM_F_CREATE | NLM_F_EXCL, subject: subjects[i]!, build: (w: MessageWriter) => writeRouteRequest(w, q) })), { stopOnError: true });
    if (r.firstRefused < 0 && r.failure === undefined) return;
    // Undo: delete what this call added, by the very message that added it (as RTM_DELROUTE).
    const added = tookIndexes(r);
    const d = added.length ? await this.core.sock.requestBatch(added.map((i) => ({ type: C.RTM_DELROUTE, flags: 0, subject: subjects[i]!, build: (w: MessageWriter) => writeRouteRequest(w, reqs[i]!) }))) : undefined;
    let first: NetlinkError | undefined = r.firstRefused >= 0 ? r.errors[r.firstRefused]! : undefined;
    if (first) {
      // A given ifindex that does not exist is named, as add() names it.
      try {
        await this.refused(prepared[r.firstRefused]!, first);
      } catch (e) {
        if (e instanceof NetlinkError) first = e;
      }
    }
    // ESRCH: gone already (its link went, or a route of another caller replaced it).
    throw allOrNoneError({ batch: r, undo: d, undone: added, gone: (e) => e.code === 'ESRCH', subjects, noun: ['route', 'routes'], type: C.RTM_NEWROUTE, typeName: 'RTM_NEWROUTE', first });
  }

  /**
   * Add a route or replace the one with the same destination, table, TOS and metric:
   * RTM_NEWROUTE with NLM_F_CREATE|NLM_F_REPLACE.
   *
   * Equivalent to: `ip route replace …` (same arguments as `add`).
   */
  replace(spec: RouteSpec | Route): Promise<void> {
    return this.modify(C.RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, spec, false);
  }

  /**
   * Change a route that exists: the one with the same destination, table, TOS and metric
   * takes this one's path and attributes; RTM_NEWROUTE with NLM_F_REPLACE alone, so
   * nothing is made when there is none.
   *
   * Equivalent to: `ip route change …` (same arguments as `add`).
   * @throws InvalidArgumentError for bad input; NetlinkError 'ENOENT' when the table has
   *   no route of that key ('no route … to change'; IPv6: the kernel's 'Can not replace
   *   route - no match found').
   */
  change(spec: RouteSpec | Route): Promise<void> {
    return this.modify(C.RTM_NEWROUTE, NLM_F_REPLACE, spec, false);
  }

  /**
   * Add a route after existing ones with the same key (IPv4: an alternative route;
   * IPv6: another nexthop of the same route): RTM_NEWROUTE with NLM_F_CREATE|NLM_F_APPEND.
   *
   * Equivalent to: `ip route append …` (same arguments as `add`).
   */
  append(spec: RouteSpec | Route): Promise<void> {
    return this.modify(C.RTM_NEWROUTE, NLM_F_CREATE | NLM_F_APPEND, spec, false);
  }

  /**
   * Add a route before existing ones with the same key (destination, table, TOS and
   * metric): RTM_NEWROUTE with NLM_F_CREATE alone. IPv4 keeps it as an alternative route
   * ahead of the others, so lookups use it first; IPv6 makes it another nexthop of the
   * existing route (ECMP), as `append` does. Only an identical route (same path too) is
   * refused, with 'EEXIST'. What vishvananda/netlink's RouteAddEcmp sends, and so what
   * the reference CNI plugins add their routes with.
   *
   * Equivalent to: `ip route prepend …` (same arguments as `add`).
   * @throws InvalidArgumentError for bad input; NetlinkError 'EEXIST' when the very same
   *   route exists, 'ENETUNREACH' when no route reaches the gateway.
   */
  prepend(spec: RouteSpec | Route): Promise<void> {
    return this.modify(C.RTM_NEWROUTE, NLM_F_CREATE, spec, false);
  }

  /**
   * Delete a route. Only `dst` is required; every other field given narrows the match
   * (protocol, type and scope match anything unless given). A decoded Route from
   * `list()` can be passed as is.
   *
   * Equivalent to: `ip route del DST [via GW] [dev DEV] [table T] [metric M] …`.
   * @throws NetlinkError 'ESRCH' when no route matches (IPv6 says 'ENOENT' for some,
   *   e.g. a default route that is not there); either says 'no route matches'.
   */
  del(spec: RouteSpec | Route): Promise<void> {
    return this.modify(C.RTM_DELROUTE, 0, spec, true);
  }

  /**
   * List routes (one dump). By default only the main table, as `ip route` shows, but of
   * both families (IPv6 link-local `fe80::/64` routes included): `ip route` alone shows
   * IPv4, so pass `{ family: 4 }` for its list. The kernel filters table, dev, type and
   * protocol (NETLINK_GET_STRICT_CHK), scope and dst are filtered here. Cached exceptions
   * (PMTU, redirects) are not listed.
   *
   * Equivalent to: `ip route show [table T|all] [dev DEV] [type T] [proto P] [scope S]`
   * (with `-4`/`-6` for `family`).
   */
  async list(filter?: RouteFilter): Promise<Route[]> {
    const q = await this.query(filter);
    try {
      return (await this.core.sock.dump(C.RTM_GETROUTE, 0, q.build, onRoute)).filter(q.keep);
    } catch (e) {
      // A table that does not exist yet holds no routes ("FIB table does not exist").
      if (e instanceof NetlinkError && e.code === 'ENOENT' && q.table !== 0) return [];
      throw e;
    }
  }

  /**
   * Walk the routes `list(filter)` would return without collecting them: `fn` gets each
   * route as its part of the dump is read, so a table of any size (a full BGP feed) is
   * walked in the memory of one receive buffer. Return `false` from `fn` to stop. Resolves
   * with the number of routes `fn` was given.
   *
   * `fn` runs synchronously inside the receive loop: requests it makes on this handle
   * wait until the walk ends, and an async `fn` is refused. A walk is not retried when
   * the kernel flags the dump as interrupted by concurrent changes (NLM_F_DUMP_INTR):
   * it then rejects with DumpInterruptedError once the walk is over, and `delivered`
   * says how many routes `fn` was given (a flag on what was read after `fn`
   * stopped the walk does not count). Closing the handle from `fn` ends the walk
   * with ClosedError.
   *
   * Equivalent to: `ip route show …` piped into a reader (vishvananda/netlink's
   * RouteListFilteredIter).
   * @throws DumpInterruptedError when the dump was interrupted; whatever `fn` threw.
   */
  async forEach<R = boolean | void>(fn: ForEachCallback<Route, R>): Promise<number>;
  async forEach<R = boolean | void>(filter: RouteFilter | undefined, fn: ForEachCallback<Route, R>): Promise<number>;
  async forEach(a: RouteFilter | ((object: Route) => unknown) | undefined, b?: (object: Route) => unknown): Promise<number> {
    const [filter, fn] = eachArgs(a, b);
    const q = await this.query(filter);
    let n = 0;
    try {
      return await this.core.sock.dumpEach(C.RTM_GETROUTE, 0, q.build, decodeKept(onRoute, q.keep), (r: Route) => (n++, fn(r)));
    } catch (e) {
      if (e instanceof NetlinkError && e.code === 'ENOENT' && q.table !== 0 && n === 0) return 0;
      throw e;
    }
  }

  /**
   * Delete every route that `list(filter)` returns, except that `table: 'all'` leaves
   * the local table out (its routes are the namespace's own addresses: name
   * `table: 'local'` to flush it). So the defaults are list's: the main table only, and
   * both families unless `family` is given (`ip route flush table T` without `-6` takes
   * IPv4 only).
   * Each route is deleted by the message the dump gave for it (as `ip route flush`
   * does; a route through a nexthop object without the object's gateway, link and paths
   * the dump adds, which the kernel refuses beside its id), many per sendmsg, one ACK each; then the table is dumped again, and what
   * matches again is deleted too, up to 10 rounds (`ip`'s bound), since a delete can
   * cascade. Resolves with the number of matching routes removed: routes that were gone
   * already when their delete arrived (ESRCH, ENOENT, ENODEV: deleted in between, or
   * with their link) count as removed, where `ip route flush` would stop with "Failed to
   * send flush request".
   *
   * A filter that selects nothing but a family is refused, as `ip route flush` refuses
   * to run without a selector: give `{ table: 'main' }` to flush the main table.
   *
   * Equivalent to: `ip route flush table 100`, `ip -6 route flush dev eth0`, `ip route
   * flush [table T|all] [dev DEV] [type T] [proto P] [scope S] [exact DST]`.
   * @throws InvalidArgumentError for bad input or an empty filter (nothing sent);
   *   NetlinkError 'ENODEV' for a missing `dev`; the NetlinkError of the first delete the
   *   kernel refused otherwise, its message saying how many routes were deleted before;
   *   'EAGAIN' when routes still match after 10 rounds.
   */
  async flush(filter: RouteFilter): Promise<number> {
    const f = checkObject(filter, 'filter');
    checkKeys(f, FILTER_KEYS, 'filter.');
    if (!Object.keys(f).some((k) => k !== 'family' && f[k] !== undefined)) {
      throw new InvalidArgumentError('filter', "flush needs a selector besides family (table, dev, type, protocol, scope or dst), as 'ip route flush' does: { table: 'main' } flushes the main table");
    }
    const q = await this.query(f);
    const sock = this.core.sock;
    return flushRounds(sock, {
      dump: async () => {
        try {
          const all = await sock.dump(C.RTM_GETROUTE, 0, q.build, onRouteRaw);
          return all.filter((d) => q.keep(d.obj) && !(q.table === 0 && d.obj.table === 'local'));
        } catch (e) {
          if (e instanceof NetlinkError && e.code === 'ENOENT' && q.table !== 0) return [];
          throw e;
        }
      },
      delType: C.RTM_DELROUTE,
      delTypeName: 'RTM_DELROUTE',
      noun: ['route', 'routes'],
      gone: ROUTE_GONE,
      subjectOf: routeText,
      filterText: () => `flush ${filterText(f)}`,
    });
  }

  /** A checked route filter: the dump request and the test for what it keeps. */
  private async query(filter: RouteFilter | Record<string, unknown> | undefined): Promise<RouteQuery> {
    const f = checkObject(filter, 'filter');
    checkKeys(f, FILTER_KEYS, 'filter.');
    const family = f['family'] !== undefined ? checkFamily(f['family'], 'filter.family') : undefined;
    const table = f['table'] === 'all' ? 0 : f['table'] !== undefined ? checkTable(f['table'], 'filter.table') : C.RT_TABLE_MAIN;
    const type = f['type'] !== undefined ? checkNamed(f['type'], 'filter.type', ROUTE_TYPES, 255) : 0;
    const protocol = f['protocol'] !== undefined ? checkNamed(f['protocol'], 'filter.protocol', ROUTE_PROTOCOLS, 255) : 0;
    const scope = f['scope'] !== undefined ? scopeName(checkNamed(f['scope'], 'filter.scope', SCOPES, 255)) : undefined;
    let dst: string | undefined;
    if (f['dst'] !== undefined) {
      const d = parseDst(f['dst'], 'filter.dst');
      dst = d === 'default' ? 'default' : formatPrefix(d.bytes, 0, d.bytes.length, d.prefixLen);
    }
    const dev = f['dev'] !== undefined ? await this.index(checkLinkRef(f['dev'], 'filter.dev'), 'filter.dev') : undefined;
    const tname = table ? tableName(table) : undefined;
    const af = family === undefined ? AF_UNSPEC : afOf(family);
    // A route through a nexthop object names no link under net.ipv4.nexthop_compat_mode 0
    // (the id only): the kernel's dev filter looked into the object, so one it sent is kept.
    const nhByKernel = this.core.strictCheck !== false;
    return {
      table,
      build: (w) => {
        putRtmsg(w, af, 0, 0, 0, table, protocol, 0, type, 0);
        if (table >= 256) w.putU32(C.RTA_TABLE, table);
        if (dev !== undefined) w.putU32(C.RTA_OIF, dev);
      },
      // Checked again here for handles opened without NETLINK_GET_STRICT_CHK.
      keep: (r) => (family === undefined || r.family === family) && (tname === undefined || r.table === tname) &&
        (!type || (typeof r.type === 'number' ? r.type : ROUTE_TYPES[r.type]) === type) &&
        (!protocol || (typeof r.protocol === 'number' ? r.protocol : ROUTE_PROTOCOLS[r.protocol]) === protocol) &&
        (dev === undefined || r.dev === dev || r.nexthops?.some((n) => n.dev === dev) === true ||
          (nhByKernel && r.nhId !== undefined && r.dev === undefined && r.nexthops === undefined)) &&
        (scope === undefined || r.scope === scope) && (dst === undefined || r.dst === dst),
    };
  }

  /**
   * Ask the kernel which route a packet to `dst` takes (RTM_GETROUTE for one address):
   * the resolved route, with its output link, gateway, preferred source, and in `table`
   * the table that answered (for IPv4 through RTM_F_LOOKUP_TABLE, as `ip route get`
   * shows it: a lookup that policy rules sent to table 100 reads 100, not 'main').
   *
   * With `iif`, the lookup is for a packet arriving on that link to be forwarded: the
   * kernel then wants forwarding on for the link (EHOSTUNREACH otherwise; see the
   * `net.ipv4.ip_forward` sysctl) and a valid source in `from` (EINVAL for none, as for
   * any martian source); the errors say so.
   *
   * Equivalent to: `ip route get ADDRESS [from SRC] [iif DEV] [oif DEV] [mark M] [uid U] [tos T] [fibmatch]
   * [ipproto P] [sport N] [dport N]`.
   * @throws NetlinkError 'ENETUNREACH' when no route matches (or a throw route, or an
   *   unreachable rule); 'EINVAL' / 'EACCES' / 'EHOSTUNREACH' when the lookup ends at a
   *   blackhole / prohibit / unreachable route (blackhole and prohibit rules alike), and
   *   'EINVAL' for a `from` that is no unicast address ('ENETUNREACH' for an IPv4 `from`
   *   that is not this netns's own, without `iif`), each error's hint saying which;
   *   'EHOSTUNREACH' / 'EINVAL' for an `iif` lookup as above. The error's subject is the lookup as `ip route get`
   *   writes it ('203.0.113.7 from 10.99.3.4 iif up0p mark 0x164').
   */
  async get(dst: string, options?: RouteGetOptions): Promise<Route> {
    const d = parsePrefix(dst, 'dst');
    const full = d.family === 4 ? 32 : 128;
    if (d.prefixLen !== full) throw new InvalidArgumentError('dst', `route get takes one address, not the prefix '${dst}'`);
    const o = checkObject(options, 'options');
    checkKeys(o, GET_KEYS, '');
    const from = o['from'] !== undefined ? parseIpOf(o['from'], 'from', d.family, `dst ${dst}`).bytes : undefined;
    const mark = o['mark'] !== undefined ? checkU32(o['mark'], 'mark') : undefined;
    const uid = o['uid'] !== undefined ? checkU32(o['uid'], 'uid') : undefined;
    const tos = o['tos'] !== undefined ? checkInt(o['tos'], 'tos', 0, 255) : 0;
    const fibMatch = o['fibMatch'] !== undefined && checkBool(o['fibMatch'], 'fibMatch');
    const ipProto = o['ipProto'] !== undefined ? checkInt(o['ipProto'], 'ipProto', 0, 255) : undefined;
    const sport = o['sport'] !== undefined ? checkInt(o['sport'], 'sport', 0, 0xffff) : undefined;
    const dport = o['dport'] !== undefined ? checkInt(o['dport'], 'dport', 0, 0xffff) : undefined;
    const iif = o['iif'] !== undefined ? await this.index(checkLinkRef(o['iif'], 'iif'), 'iif') : undefined;
    const oif = o['oif'] !== undefined ? await this.index(checkLinkRef(o['oif'], 'oif'), 'oif') : undefined;
    const q: GetRequest = { dst, d, full, from, iif, oif, mark, uid, tos, fibMatch, ipProto, sport, dport, o };
    const r = await this.core.sock.requestWith(C.RTM_GETROUTE, 0, writeGetRequest, q, onRoute, GET_OPTS);
    if (!r) throw noReply(C.RTM_GETROUTE, 'RTM_GETROUTE', 'RTM_NEWROUTE', getSubject(q));
    return r;
  }
}

/** What route.get's request builder and subject take: the checked lookup, and the options as given (for the subject). */
interface GetRequest {
  readonly dst: string;
  readonly d: IpPrefix;
  readonly full: number;
  readonly from: Uint8Array | undefined;
  readonly iif: number | undefined;
  readonly oif: number | undefined;
  readonly mark: number | undefined;
  readonly uid: number | undefined;
  readonly tos: number;
  readonly fibMatch: boolean;
  readonly ipProto: number | undefined;
  readonly sport: number | undefined;
  readonly dport: number | undefined;
  readonly o: Readonly<Record<string, unknown>>;
}

/**
 * RTM_GETROUTE for one address. IPv4 with RTM_F_LOOKUP_TABLE, so that the reply's table
 * is the one that answered (without it the kernel says main); IPv6 reports that table
 * anyway and, with strict checking, refuses the flag ("Invalid flags for get route request").
 */
function writeGetRequest(w: MessageWriter, q: GetRequest): void {
  const flags = (q.d.family === 4 ? C.RTM_F_LOOKUP_TABLE : 0) | (q.fibMatch ? C.RTM_F_FIB_MATCH : 0);
  putRtmsg(w, afOf(q.d.family), q.full, q.from ? q.full : 0, q.tos, 0, 0, 0, 0, flags);
  w.putBytes(C.RTA_DST, q.d.bytes);
  if (q.from) w.putBytes(C.RTA_SRC, q.from);
  if (q.iif !== undefined) w.putU32(C.RTA_IIF, q.iif);
  if (q.oif !== undefined) w.putU32(C.RTA_OIF, q.oif);
  if (q.mark !== undefined) w.putU32(C.RTA_MARK, q.mark);
  if (q.uid !== undefined) w.putU32(C.RTA_UID, q.uid);
  if (q.ipProto !== undefined) w.putU8(C.RTA_IP_PROTO, q.ipProto);
  if (q.sport !== undefined) w.putBe16(C.RTA_SPORT, q.sport);
  if (q.dport !== undefined) w.putBe16(C.RTA_DPORT, q.dport);
}

/**
 * A lookup as `ip route get` writes it, for its error's subject: '203.0.113.7 from
 * 10.99.3.4 iif up0p mark 0x164' (links as the caller named them). Made only for an error.
 */
function getSubject(q: GetRequest): string {
  const o = q.o;
  let out = q.dst;
  if (q.from) out += ` from ${String(o['from'])}`;
  if (q.iif !== undefined) out += ` iif ${String(o['iif'])}`;
  if (q.oif !== undefined) out += ` oif ${String(o['oif'])}`;
  if (q.mark !== undefined) out += ` mark 0x${q.mark.toString(16)}`;
  if (q.uid !== undefined) out += ` uid ${q.uid}`;
  if (q.tos) out += ` tos 0x${q.tos.toString(16)}`;
  if (q.fibMatch) out += ' fibmatch';
  if (q.ipProto !== undefined) out += ` ipproto ${q.ipProto}`;
  if (q.sport !== undefined) out += ` sport ${q.sport}`;
  if (q.dport !== undefined) out += ` dport ${q.dport}`;
  return out;
}

const GET_OPTS: RequestWithOptions<GetRequest> = { ack: false, subjectOf: getSubject };
