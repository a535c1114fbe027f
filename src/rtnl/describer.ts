/**
 * Names for rtnetlink message types and for the attribute an extended-ACK offset
 * points at. Each object module registers its message types with the size of its
 * fixed header and its attribute table; the socket's error path asks here.
 * @module
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { HOST_LE, NLA_HDRLEN, NLA_TYPE_MASK, NLM_F_CREATE, NLM_F_EXCL, align4, hexColon, type AttrTable, type FamilyDescriber } from '../netlink/index.js';
import * as C from './constants.js';
import { CONSTANTS } from './constants.js';
import { AF_BRIDGE, AF_INET, AF_INET6 } from './ip.js';

/**
 * RTM_* number → name, made on first use: only errors and debug output name message
 * types, and the scan of the generated constants' ~1200 names would cost every process
 * a few ms of start-up.
 */
let typeNames: Map<number, string> | undefined;

function typeNameMap(): Map<number, string> {
  if (typeNames) return typeNames;
  const m = new Map<number, string>();
  for (const [k, v] of Object.entries(CONSTANTS)) {
    if (k.startsWith('RTM_') && typeof v === 'number' && !k.startsWith('RTM_F_') && !k.startsWith('RTM_BASE')) {
      if (!m.has(v)) m.set(v, k);
    }
  }
  return (typeNames = m);
}

interface Layout {
  headerLen: number;
  table: AttrTable;
}
const layouts = new Map<number, Layout>();

/**
 * Register the layout of rtnetlink message types: `headerLen` bytes of fixed header
 * (ifinfomsg: 16, ifaddrmsg: 8, rtmsg: 12, …) then attributes of `table`.
 */
export function registerLayout(types: readonly number[], headerLen: number, table: AttrTable): void {
  for (const t of types) layouts.set(t, { headerLen, table });
}

const EPERM = 1;
const ESRCH = 3;
const EBADF = 9;
const ENOENT = 2;
const ENODEV = 19;
const EACCES = 13;
const EINVAL = 22;
const EEXIST = 17;
const EBUSY = 16;
const EOPNOTSUPP = 95;
const ENETDOWN = 100;
const EADDRNOTAVAIL = 99;
const ENETUNREACH = 101;
const ENOBUFS = 105;
const EHOSTUNREACH = 113;
const CAP_NET_ADMIN = 12;
const IFINFOMSG = 16;
const RTMSG = 12;
const ETH_MIN_MTU = 68;
const ETH_MAX_MTU = 65535;

/** The attributes in `[start, end)` of `req`: type → offset of the first one's payload and its length. */
function attrsIn(v: DataView, start: number, end: number): Map<number, [number, number]> {
  const m = new Map<number, [number, number]>();
  for (let off = start; end - off >= NLA_HDRLEN;) {
    const len = v.getUint16(off, HOST_LE);
    if (len < NLA_HDRLEN || off + len > end) break;
    const type = v.getUint16(off + 2, HOST_LE) & NLA_TYPE_MASK;
    if (!m.has(type)) m.set(type, [off + NLA_HDRLEN, len - NLA_HDRLEN]);
    off += align4(len);
  }
  return m;
}

/** The text of a NUL-terminated attribute payload. */
function text(req: Uint8Array, [off, len]: [number, number]): string {
  let e = off + len;
  while (e > off && req[e - 1] === 0) e--;
  return Buffer.from(req.buffer, req.byteOffset + off, e - off).toString('utf8');
}

/** Whether this process has CAP_NET_ADMIN in its effective set (/proc/self/status), undefined when unknown. */
function hasNetAdmin(): boolean | undefined {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? (BigInt(`0x${m[1]}`) >> BigInt(CAP_NET_ADMIN) & 1n) === 1n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether this process is in the initial user namespace, whose /proc/self/uid_map maps
 * every uid to itself ('0 0 4294967295'); undefined when unknown. Read only for an EPERM.
 */
function inInitialUserns(): boolean | undefined {
  try {
    return /^\s*0\s+0\s+4294967295\s*$/.test(readFileSync('/proc/self/uid_map', 'utf8'));
  } catch {
    return undefined;
  }
}

/** What this process's fd `fd` is open on ('net:[4026531840]', '/dev/null'), undefined when unknown. */
function fdTarget(fd: number): string | undefined {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

/**
 * What an RTM_*LINK refusal without kernel text means, read from the request: the veth
 * MTU limit, a multicast MAC, a master that takes no ports, a pid that is gone, which
 * name is taken.
 */
function explainLink(req: Uint8Array, v: DataView, type: number, flags: number, errno: number): string | undefined {
  const top = attrsIn(v, 16 + IFINFOMSG, req.byteLength);
  const u32 = (a: [number, number] | undefined): number | undefined => (a && a[1] >= 4 ? v.getUint32(a[0], HOST_LE) : undefined);
  if (type === C.RTM_DELLINK) {
    // A group delete (ifindex 0, IFLA_GROUP) that finds no link: `ip link del group G` says "No such device".
    const group = v.getInt32(16 + 4, HOST_LE) === 0 ? u32(top.get(C.IFLA_GROUP)) : undefined;
    if (errno === ENODEV && group !== undefined) return `no link is in group ${group}`;
    if (errno !== EOPNOTSUPP) return undefined;
    return `the kernel deletes only devices made through rtnetlink (${top.has(C.IFLA_GROUP) ? 'the group holds one it cannot delete: ' : ''}loopback and hardware NICs cannot be deleted)`;
  }
  if (type === C.RTM_SETLINK && req[16] === AF_BRIDGE) {
    if (errno === EOPNOTSUPP) return 'the link is not a bridge port: bridge-port options need a bridge as its master';
    // br_set_port_state(): the only ENETDOWN and EBUSY of the port options, without text.
    const pi = top.get(C.IFLA_PROTINFO);
    if (!pi || !attrsIn(v, pi[0], pi[0] + pi[1]).has(C.IFLA_BRPORT_STATE)) return undefined;
    if (errno === ENETDOWN) return "a port's STP state is set only while the port is up, and operationally up (with carrier) for any state but disabled";
    if (errno === EBUSY) return "the bridge runs the kernel's STP (stpState 1), which sets its ports' states itself: a port's state is set by hand only with STP off or in user space";
    return undefined;
  }
  if (type !== C.RTM_NEWLINK) return undefined;
  // A veth's peer: IFLA_LINKINFO › IFLA_INFO_DATA › VETH_INFO_PEER (ifinfomsg + attributes).
  let kind: string | undefined;
  let peer: Map<number, [number, number]> | undefined;
  let vlanFiltering = false;
  let mst = false;
  const li = top.get(C.IFLA_LINKINFO);
  if (li) {
    const info = attrsIn(v, li[0], li[0] + li[1]);
    const k = info.get(C.IFLA_INFO_KIND);
    kind = k ? text(req, k) : undefined;
    const data = info.get(C.IFLA_INFO_DATA);
    const br = kind === 'bridge' && data !== undefined ? attrsIn(v, data[0], data[0] + data[1]) : undefined;
    vlanFiltering = br?.has(C.IFLA_BR_VLAN_FILTERING) ?? false;
    // IFLA_BR_MULTI_BOOLOPT asking for BR_BOOLOPT_MST_ENABLE (bit 2 of optval and optmask).
    const bo = br?.get(C.IFLA_BR_MULTI_BOOLOPT);
    mst = bo !== undefined && bo[1] >= 8 && (v.getUint32(bo[0], true) & v.getUint32(bo[0] + 4, true) & 4) !== 0;
    const p = kind === 'veth' && data ? attrsIn(v, data[0], data[0] + data[1]).get(C.VETH_INFO_PEER) : undefined;
    if (p && p[1] >= IFINFOMSG) peer = attrsIn(v, p[0] + IFINFOMSG, p[0] + p[1]);
  }
  const name = top.get(C.IFLA_IFNAME);
  const peerName = peer?.get(C.IFLA_IFNAME);
  switch (errno) {
    case EEXIST:
      if (flags & NLM_F_CREATE) {
        if (name && peerName) return `a link named '${text(req, name)}', or one named '${text(req, peerName)}' where the peer is made, already exists`;
        return name ? `a link named '${text(req, name)}' already exists` : undefined;
      }
      // A rename: the link is addressed by index, IFLA_IFNAME carries the new name.
      return name && v.getInt32(16 + 4, HOST_LE) !== 0 ? `a link named '${text(req, name)}' already exists` : undefined;
    case ESRCH: {
      const pid = u32(top.get(C.IFLA_NET_NS_PID)) ?? u32(peer?.get(C.IFLA_NET_NS_PID));
      return pid !== undefined ? `no process ${pid} to take the network namespace of` : undefined;
    }
    case EBADF: {
      // get_net_ns_by_fd(): an fd that is not open is a bare EBADF (either end's IFLA_NET_NS_FD).
      const closed = [u32(top.get(C.IFLA_NET_NS_FD)), u32(peer?.get(C.IFLA_NET_NS_FD))].find((fd) => fd !== undefined && fdTarget(fd) === undefined);
      return closed !== undefined ? `netns fd ${closed} is not open` : undefined;
    }
    case EINVAL: {
      // get_net_ns_by_fd() refuses an fd that is open but no netns with a bare EINVAL (either
      // end's: the peer's too, when the end's own is a netns).
      for (const nsFd of [u32(top.get(C.IFLA_NET_NS_FD)), u32(peer?.get(C.IFLA_NET_NS_FD))]) {
        const what = nsFd !== undefined ? fdTarget(nsFd) : undefined;
        if (what !== undefined && !what.startsWith('net:[')) return `netns fd ${nsFd} is not a network namespace (it is ${what})`;
      }
      // The kernel (6.18 seen; `ip link add all …` alike) refuses these two names with a bare
      // EINVAL, as a create's, a veth peer's or a rename's (an altname may be either): they
      // are the netns-wide entries beside the links' own under /proc/sys/net/ipv4/conf.
      // A set's IFLA_IFNAME is a new name only when ifi_index addresses the link.
      for (const n of [(flags & NLM_F_CREATE) || v.getInt32(16 + 4, HOST_LE) !== 0 ? name : undefined, peerName]) {
        const s = n ? text(req, n) : undefined;
        if (s === 'all' || s === 'default') return `the kernel refuses 'all' and 'default' as interface names (net.ipv4.conf.all and .default are the netns-wide settings), got '${s}'`;
      }
      if (kind !== 'veth') return undefined;
      // veth_validate() refuses an MTU outside ETH_MIN_MTU..ETH_MAX_MTU with a bare EINVAL.
      const out = [u32(top.get(C.IFLA_MTU)), u32(peer?.get(C.IFLA_MTU))].find((m) => m !== undefined && (m < ETH_MIN_MTU || m > ETH_MAX_MTU));
      if (out === undefined) return undefined;
      return out > ETH_MAX_MTU ? `a veth's MTU is at most ${ETH_MAX_MTU}, got ${out}` : `a veth's MTU is at least ${ETH_MIN_MTU}, got ${out}`;
    }
    case EADDRNOTAVAIL: {
      for (const [a, whose] of [[top.get(C.IFLA_ADDRESS), ''], [peer?.get(C.IFLA_ADDRESS), "the peer's address "]] as const) {
        if (!a || a[1] === 0) continue;
        const mac = hexColon(req, a[0], a[1]);
        if (req[a[0]]! & 1) return `${whose}${mac} is a multicast address; a link's address must be unicast`;
        if (req.subarray(a[0], a[0] + a[1]).every((b) => b === 0)) return `${whose}${mac} is all zeros; a link's address must be unicast`;
      }
      return undefined;
    }
    case EOPNOTSUPP: {
      // br_vlan_filter_toggle() without CONFIG_BRIDGE_VLAN_FILTERING: EOPNOTSUPP, no text.
      if (vlanFiltering) {
        return 'this kernel refuses vlanFiltering (IFLA_BR_VLAN_FILTERING, even 0) when built without bridge VLAN filtering ' +
          '(CONFIG_BRIDGE_VLAN_FILTERING; its bridges then report no vlanProtocol): leave vlanFiltering out';
      }
      // br_mst_set_enabled() without CONFIG_BRIDGE_VLAN_FILTERING: EOPNOTSUPP, no text.
      if (mst) {
        return 'this kernel refuses multiBoolopt.mstEnabled: multiple spanning trees need bridge VLAN filtering, ' +
          'which it was built without (CONFIG_BRIDGE_VLAN_FILTERING; its bridges then report no vlanProtocol)';
      }
      const master = u32(top.get(C.IFLA_MASTER));
      // The address and carrier changes are the other EOPNOTSUPPs a set may carry: a
      // driver without ndo_set_mac_address (ifb, tun) or ndo_change_carrier (all but a
      // few, dummy among them) refuses them so. Of several, the answer does not say which.
      const causes = [
        ...(top.has(C.IFLA_ADDRESS) && !(flags & NLM_F_CREATE) ? ["the link's driver does not let its hardware address be changed (an ifb's or a tun's cannot be)"] : []),
        ...(top.has(C.IFLA_CARRIER) ? ["the link's driver does not let its carrier be set (a dummy's can be; a veth's, a bridge's or an ifb's cannot)"] : []),
        ...(master ? [`the master (ifindex ${master}) cannot take ports: a bridge, bond, team or vrf can`] : []),
      ];
      return causes.length === 0 ? undefined : causes.length === 1 ? causes[0] : `one of: ${causes.join('; or ')}`;
    }
  }
  return undefined;
}

/**
 * What an `ip route get` refusal means. A lookup ending at a route (or rule, or nexthop)
 * of a rejecting type fails with that type's errno, which the kernel sends without text:
 * EINVAL for blackhole, EACCES for prohibit, EHOSTUNREACH for unreachable (IPv4 and
 * IPv6 alike; a rule's unreachable is ENETUNREACH, which says what it means). IPv4 also
 * says EINVAL for a source (from) that is no unicast address, and ENETUNREACH for one
 * that is not the netns's own (a lookup without iif is for a packet sent from here).
 *
 * An IPv4 lookup with iif is for a packet arriving on DEV, which the kernel checks as it
 * would the packet (ip_route_input_slow): EHOSTUNREACH when forwarding is off for DEV,
 * EINVAL for a martian (no source, the netns's own address as source, a reverse-path
 * failure, 0.0.0.0 or loopback as destination); a rejecting route type's errno is one
 * of these too (the hint names both), and prohibit's EACCES its own.
 */
function explainRouteGet(req: Uint8Array, v: DataView, errno: number): string | undefined {
  const family = req[16];
  if (family !== AF_INET && family !== AF_INET6) return undefined;
  const attrs = attrsIn(v, 16 + RTMSG, req.byteLength);
  const iif = attrs.get(C.RTA_IIF);
  if (family === AF_INET && iif && iif[1] >= 4) {
    const index = v.getUint32(iif[0], HOST_LE);
    // The route types' errnos are these too: named beside the iif causes.
    if (errno === EHOSTUNREACH) {
      return `a lookup with iif is for a packet to be forwarded, and IPv4 forwarding is off on the input link (ifindex ${index}): ` +
        'set net.ipv4.ip_forward (or net.ipv4.conf.LINK.forwarding) to 1 in this netns; or the lookup ended at an unreachable route';
    }
    if (errno === EINVAL) {
      if (!attrs.has(C.RTA_SRC)) return "a lookup with iif needs the packet's source address (from): the kernel drops a packet from 0.0.0.0 as martian";
      return 'the kernel takes the packet for a martian: arriving on a link, its source must be a unicast address that is not ' +
        "this netns's own and passes the reverse-path filter (rp_filter) there, and its destination not 0.0.0.0 or a loopback address; " +
        'or the lookup ended at a blackhole route (or rule, or nexthop)';
    }
    if (errno !== EACCES) return undefined;
  }
  switch (errno) {
    case EINVAL: {
      const src = attrs.get(C.RTA_SRC);
      if (family === AF_INET && src && src[1] === 4) {
        const b = req[src[0]]!;
        // ip_route_output_key_hash_rcu: a multicast, limited broadcast or 0.x.x.x source.
        if (b === 0 || (b >= 224 && b <= 239) || v.getUint32(src[0], false) === 0xffffffff) {
          return `the source (from) ${req[src[0]]}.${req[src[0] + 1]}.${req[src[0] + 2]}.${req[src[0] + 3]} is not a unicast address: a packet's source must be one`;
        }
      }
      return 'the lookup ended at a blackhole route (or a blackhole rule or nexthop): the kernel answers EINVAL for a destination it discards';
    }
    case EACCES:
      return 'the lookup ended at a prohibit route or rule: the kernel answers EACCES for a destination it refuses';
    case EHOSTUNREACH:
      return 'the lookup ended at an unreachable route: the kernel answers EHOSTUNREACH for a destination it rejects';
    case ENETUNREACH: {
      // IPv4 takes a lookup without iif for a packet sent from here: a source not of this
      // netns is refused as no route (ip_route_output_key_hash_rcu), route or not.
      const src = attrs.get(C.RTA_SRC);
      if (family !== AF_INET || !src || src[1] !== 4) return undefined;
      return `no route matches, or the source (from) ${req[src[0]]}.${req[src[0] + 1]}.${req[src[0] + 2]}.${req[src[0] + 3]} is not an address of this netns: ` +
        'a lookup without iif is for a packet sent from here';
    }
  }
  return undefined;
}

/** What a refusal without kernel text means for an rtnetlink request (see FamilyDescriber.explain). */
function explain(req: Uint8Array, errno: number): string | undefined {
  if (req.length < 16) return undefined;
  const v = new DataView(req.buffer, req.byteOffset, req.byteLength);
  const type = v.getUint16(4, HOST_LE);
  const flags = v.getUint16(6, HOST_LE);
  // RTM_GET* are 2 mod 4 from RTM_BASE (16); every other request changes something.
  if (errno === EPERM && (type - 16) % 4 !== 2) {
    const capable = hasNetAdmin();
    if (capable === false) return 'this process does not have CAP_NET_ADMIN, which changing the network configuration needs';
    // Capable, but in a child user namespace (rootless, `unshare -U -r`): the kernel checks
    // CAP_NET_ADMIN in the user namespace that owns the netns, and answers a bare EPERM.
    if (capable && inInitialUserns() === false) {
      return 'this process has CAP_NET_ADMIN only in a user namespace that does not own this network namespace: ' +
        'changing it needs CAP_NET_ADMIN in the user namespace that owns it (make the netns from inside the user namespace, as `unshare -U -r -n` does)';
    }
  }
  switch (type) {
    case C.RTM_GETROUTE:
      return req.length >= 16 + RTMSG ? explainRouteGet(req, v, errno) : undefined;
    case C.RTM_DELROUTE:
      // IPv6 says ENOENT where its lookup lands on the tree's empty root (a default
      // route that is not there: fib6_del of the null entry), ESRCH elsewhere.
      return errno === ESRCH || (errno === ENOENT && req.length > 16 && req[16] === AF_INET6) ? 'no route matches' : undefined;
    case C.RTM_NEWROUTE:
      if (errno === EHOSTUNREACH) return 'no route reaches the gateway';
      // A change (NLM_F_REPLACE without NLM_F_CREATE) of a route that is not there: IPv4
      // answers a bare ENOENT (IPv6 says 'Can not replace route - no match found').
      if (errno === ENOENT && !(flags & NLM_F_CREATE)) return 'no route with this destination, metric (and TOS) in the table to change: add it, or replace it (ip route replace)';
      if (errno !== EEXIST) return undefined;
      // A route's key in its table is its destination (IPv6: and source), TOS and metric;
      // an add (NLM_F_EXCL) clashes with any route of that key, whatever its path.
      return flags & NLM_F_EXCL
        ? 'the table already has a route to this destination with the same metric (and TOS), whatever its gateway or link: replace it (ip route replace), or add with another metric'
        : 'the table already has this route, with the same path';
    case C.RTM_DELRULE:
      return errno === ENOENT ? 'no rule matches' : undefined;
    case C.RTM_NEWRULE:
      // fib_nl_newrule: NLM_F_EXCL and rule_exists(), without text.
      return errno === EEXIST ? 'a rule with the same priority, selectors and action already exists' : undefined;
    case C.RTM_NEWNEIGH:
      // An IPv4/IPv6 entry added (NLM_F_EXCL) where one exists: bare EEXIST. (An fdb entry is AF_BRIDGE.)
      if (errno === EEXIST && req.length > 16 && (req[16] === AF_INET || req[16] === AF_INET6)) {
        return 'the neighbour table already has an entry for this address on this link: replace it (ip neigh replace)';
      }
      // A change (NLM_F_REPLACE without NLM_F_CREATE) of an entry that is not there: bare ENOENT.
      if (errno === ENOENT && !(flags & NLM_F_CREATE) && req.length > 16 && (req[16] === AF_INET || req[16] === AF_INET6)) {
        return 'no entry for this address on this link to change: add it, or replace it (ip neigh replace)';
      }
      // neigh_alloc: a table holding gc_thresh3 entries that are not permanent (counted
      // over every netns) takes no more of them, and says so only in the kernel log.
      if (errno !== ENOBUFS || req.length <= 16) return undefined;
      return `the neighbour table is full: it holds net.${req[16] === AF_INET6 ? 'ipv6' : 'ipv4'}.neigh.default.gc_thresh3 entries that are not permanent (counted over every netns); ` +
        'raise it, or add the entries as permanent';
    case C.RTM_DELNEIGH:
    case C.RTM_GETNEIGH:
      return errno === ENOENT ? 'no such neighbour entry' : undefined;
    case C.RTM_NEWLINK:
    case C.RTM_DELLINK:
    case C.RTM_SETLINK:
      return req.length >= 16 + IFINFOMSG ? explainLink(req, v, type, flags, errno) : undefined;
  }
  return undefined;
}

/** The rtnetlink describer: 'RTM_NEWLINK', 'IFLA_LINKINFO › IFLA_INFO_DATA', … */
export const rtnlDescriber: FamilyDescriber = {
  typeName(type: number): string {
    return typeNameMap().get(type) ?? `RTM#${type}`;
  },
  attributeAt(request: Uint8Array, offset: number): string | undefined {
    if (request.length < 16) return undefined;
    const type = request[4]! | (request[5]! << 8);
    const l = layouts.get(type);
    if (!l) return undefined;
    const start = 16 + ((l.headerLen + 3) & ~3);
    return l.table.describeOffset(request, start, offset);
  },
  missingAttribute(requestType: number, attrType: number, request?: Uint8Array, nestOffset?: number): string | undefined {
    const l = layouts.get(requestType);
    if (!l) return undefined;
    if (nestOffset !== undefined && request) {
      const nest = this.attributeAt!(request, nestOffset);
      return nest ? `${nest} › #${attrType}` : undefined;
    }
    return l.table.nameOf(attrType);
  },
  explain,
};
