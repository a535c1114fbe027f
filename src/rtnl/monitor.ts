/**
 * Watching the kernel: rtnetlink multicast events as an async iterator
 * (`ip monitor link address route neigh rule nexthop netconf nsid`, `bridge monitor fdb`,
 * `bridge monitor mdb`, and `tc monitor`).
 *
 * A monitor owns one NETLINK_ROUTE socket, separate from its handle's request socket,
 * joined to the multicast groups asked for and opened in the handle's network
 * namespace. It waits on a libuv poll handle (`NetlinkSocket.watch`, no threads): on
 * every wake-up it drains the socket with non-blocking reads until EAGAIN (a wake-up
 * that finds nothing is harmless), decodes each message with the same decoders the
 * list methods use, and hands the events to the consumer — straight to a pending
 * `next()` when the consumer is waiting, else into a bounded queue. For a waiting
 * consumer the first datagram is handed over before the rest is read: the rest of the
 * drain runs in a microtask queued behind the consumer's continuation, still before
 * the wake-up returns to the event loop.
 *
 * Queued events are kept as bytes (copied into reused 256 KiB slabs) and decoded when
 * the consumer takes them: a waiting consumer gets its event decoded straight away, while
 * a backlog costs about the message size per event and creates no long-lived objects
 * for the garbage collector to copy (decoded links are kilobytes of small objects).
 *
 * Queue bound and backpressure: a wake-up reads until EAGAIN or until `maxQueued`
 * events (default 1024) wait for the consumer. At the bound the monitor stops its poll
 * handle and reads nothing more; the kernel keeps queueing in the socket's receive
 * buffer and, once that is full, drops events and reports ENOBUFS, which the monitor
 * yields as `{ type: 'overrun' }` when it reads again. Reading resumes when the
 * consumer has taken the queue down to half the bound. The queue never holds more than
 * `maxQueued` events plus the rest of one datagram (rtnetlink sends one message per
 * datagram), and one wake-up reads at most `maxQueued` + 1 datagrams — counting the reads
 * of its microtask continuation and those a consumer's `next()` makes to resume — so a burst
 * cannot block the event loop for longer than that, however fast the consumer pulls: the
 * rest waits for the next wake-up of the (level-triggered) poll handle, after timers and
 * I/O had their turn. Losses therefore happen in one place, the kernel, and are always
 * reported.
 *
 * An overrun means events were lost: resynchronise with a dump (`rt.link.list()`, …).
 * When the monitor reads ENOBUFS it first discards what is still queued in the kernel,
 * then yields the overrun: after an overflow the kernel drops every event for that
 * socket, without a further error, until its queue has been emptied once — so the
 * queue is emptied at once, and every event after the overrun is one the consumer
 * has not lost. The discarded events predate the overrun and are covered by the dump;
 * events already decoded before it are still delivered (before the overrun). A dump
 * made when the overrun is seen, then the events that follow it applied in order,
 * converges on the kernel's state. Consecutive overruns with no event between them are
 * reported once.
 *
 * Listing what exists (`listExisting`): the monitor joins its groups when its socket is
 * opened, and only then dumps every kind of object it watches (links, then addresses,
 * nexthop objects and resilient groups' buckets, routes, neighbours, fdb entries,
 * rules and netconf sets of the families its groups cover, the peer netns ids, then qdiscs and each
 * device's classes and filters, then the bridges' MDB entries and router ports). A change made after the join is therefore queued on the monitor's socket,
 * whether or not the dump saw it: nothing is lost between the listing and the changes,
 * but a change made while the dump ran may come twice — in the listing, then again as a
 * change (which may also be older than what the listing showed: applied in order, the
 * changes converge on the kernel's state). The dumps go over the handle's request socket,
 * not the monitor's own: on the monitor's socket the dump's parts (the request's sequence
 * number, the monitor's port id) would be read by the same loop as the multicast messages
 * (sequence 0, port 0), which tells messages apart by type only, and the emptying
 * after an overrun would throw the rest of the dump away with the lost events. The
 * listing is held by the monitor, decoded, in one queue entry ahead of the changes read
 * since (one entry of `maxQueued`, however many objects it holds: with `maxQueued` 1
 * nothing is read until it was taken); the consumer gets it as
 * `{ type: 'new', existing: true, … }` events, then `{ type: 'synced' }`, then the
 * queued changes. With `listExisting`, every overrun (during the listing or after it)
 * is followed by a fresh listing and another `synced`: the consumer can drop what it
 * was not told again between the overrun and that `synced` (see {@link MonitorSynced}).
 * An overrun while a listing waits with nothing of it yielded (the first, or one that
 * followed an earlier overrun) drops that listing and the changes queued after it and
 * dumps again, without another overrun event: a consumer that falls behind holds one
 * unread listing, not one per overrun.
 *
 * Traffic control ('tc') and the bridge MDB ('mdb'): their decoders and listings are not
 * imported by this module but loaded (lazy-apis.ts, with the handle's late APIs) by the
 * first monitor that watches either, so that a process that never does — a CNI plugin —
 * does not parse them. That
 * monitor joins its groups at once but starts its poll handle only once they are
 * loaded (a few milliseconds, once per process): the kernel queues what it sends
 * meanwhile in the socket's receive buffer, nothing is read before it can be decoded,
 * and the rest works as for any group (bytes queued, decoded when taken, in order).
 * @module
 */
import { ClosedError, DecodeError, HOST_LE, SysError, InvalidArgumentError, NETLINK_ROUTE, NLA_TYPE_MASK, NLMSG_HDRLEN, NetlinkSocket, openBeside, openSocketIn, withThreadNetns, checkOptionKeys, showValue, type MessageWriter } from '../netlink/index.js';
import { readHandleFd } from '../netlink/netns-switch.js';
import {
  RTM_DELADDR, RTM_DELLINK, RTM_DELNEIGH, RTM_DELROUTE, RTM_DELRULE, RTM_NEWADDR, RTM_NEWLINK, RTM_NEWNEIGH,
  RTM_NEWROUTE, RTM_NEWRULE, RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE, RTM_GETNEIGH, RTM_GETRULE, IFLA_EXT_MASK,
  RTEXT_FILTER_SKIP_STATS, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV4_RULE, RTNLGRP_IPV6_IFADDR,
  RTNLGRP_IPV6_ROUTE, RTNLGRP_IPV6_RULE, RTNLGRP_LINK, RTNLGRP_NEIGH,
} from './constants.js';
import { RTM_NEWNEXTHOP, RTM_DELNEXTHOP, RTM_GETNEXTHOP, RTM_NEWNEXTHOPBUCKET, RTM_DELNEXTHOPBUCKET, RTM_GETNEXTHOPBUCKET, RTNLGRP_NEXTHOP } from './constants.js';
import { RTM_NEWQDISC, RTM_DELQDISC, RTM_NEWTCLASS, RTM_DELTCLASS, RTM_NEWTFILTER, RTM_DELTFILTER, RTM_GETQDISC, RTNLGRP_TC } from './constants.js';
import { RTM_NEWNETCONF, RTM_DELNETCONF, RTM_GETNETCONF, RTNLGRP_IPV4_NETCONF, RTNLGRP_IPV6_NETCONF } from './constants.js';
import { RTM_NEWMDB, RTM_DELMDB, RTM_GETMDB, RTNLGRP_MDB, MDBA_ROUTER, SIZEOF_BR_PORT_MSG } from './constants.js';
import { RTM_NEWNSID, RTM_DELNSID, RTM_GETNSID, RTNLGRP_NSID } from './constants.js';
import { rtnlDescriber } from './describer.js';
import { AF_BRIDGE, AF_INET, AF_INET6, AF_UNSPEC } from './ip.js';
import { putIfinfomsg } from './link/api.js';
import { putIfaddrmsg } from './addr/api.js';
import { putRtmsg } from './route/api.js';
import { putNdmsg } from './neigh/api.js';
import { putFibRuleHdr } from './rule/api.js';
import { decodeLink, type Link } from './link/decode.js';
import { decodeAddr, type Addr } from './addr/decode.js';
import { decodeRoute, type Route } from './route/decode.js';
import { decodeNeigh, type Neigh } from './neigh/decode.js';
import { decodeRule, type Rule } from './rule/decode.js';
import { decodeFdb, type FdbEntry } from './fdb/decode.js';
import { putNhmsg } from './nexthop/table.js';
import { decodeNexthop, type NexthopObject } from './nexthop/decode.js';
import { decodeNexthopBucket, type NexthopBucket } from './nexthop/bucket.js';
import { decodeNetconf, type Netconf } from './netconf/decode.js';
import { putNetconfmsg } from './netconf/table.js';
import { decodeNsid, putRtgenmsg, type Nsid } from './nsid.js';
// Types only: the traffic-control decoders are loaded when a monitor of 'tc' opens (loadLate).
import type { Qdisc } from './tc/qdisc/decode.js';
import type { TcClass } from './tc/class/decode.js';
import type { Filter } from './tc/filter/decode.js';
// Types only: the MDB decoder is loaded when a monitor of 'mdb' opens (loadLate).
import type { MdbEntry, MdbMessage, MdbRouterPort } from './mdb/decode.js';

const ENOBUFS = 105;
/** Reads per wake-up at most while the kernel keeps overrunning (the poll handle is level-triggered: it wakes again). */
const MAX_READS_PER_WAKE = 8;
/** Datagrams discarded per read while emptying the kernel's queue after an overrun. */
const FLUSH_BATCH = 4096;
const discard = (): void => undefined;

/**
 * Group names for {@link Rtnl.monitor}, as `ip monitor` objects, and the rtnetlink
 * multicast groups each joins. 'addr' and 'route' are both families, like `ip monitor
 * address route`; 'rule' is both families. 'fdb' (`bridge monitor fdb`) joins the
 * neighbour group, as 'neigh' does: the kernel announces bridge and vxlan forwarding
 * entries there, as neighbours of family AF_BRIDGE. A monitor tells them apart by what
 * it was asked for: 'neigh' yields ARP/NDP entries only (the fdb entries are skipped),
 * 'fdb' the forwarding entries only, both together each as its own kind. 'tc' (`tc
 * monitor`) joins the traffic-control group: qdiscs, classes and filters, each as its
 * own kind ('qdisc', 'class', 'filter'). 'nexthop-bucket' joins the nexthop group, as
 * 'nexthop' does: the kernel announces there a resilient group's buckets moving from one
 * member to another (RTM_NEWNEXTHOPBUCKET), which a monitor of 'nexthop' skips and one of
 * 'nexthop-bucket' yields; both together are `ip monitor nexthop`. 'netconf' (`ip monitor
 * netconf`, IPv4 and IPv6; 'ipv4-netconf', 'ipv6-netconf' one family) joins the groups
 * of the per-netns IP configuration (`rt.netconf`): a sysctl changed, a device's set
 * made or removed. 'mdb' (`bridge monitor mdb`) joins the bridge multicast database's
 * group (`rt.mdb`): entries as kind 'mdb', multicast router ports as 'mdb-router'. 'nsid'
 * (`ip monitor nsid`) joins the group of the netns ids (getNsid, setNsid): a peer netns
 * given an id in the monitor's netns, or its id gone with it.
 */
export const MONITOR_GROUPS = Object.freeze({
  link: Object.freeze([RTNLGRP_LINK]),
  'ipv4-addr': Object.freeze([RTNLGRP_IPV4_IFADDR]),
  'ipv6-addr': Object.freeze([RTNLGRP_IPV6_IFADDR]),
  addr: Object.freeze([RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR]),
  'ipv4-route': Object.freeze([RTNLGRP_IPV4_ROUTE]),
  'ipv6-route': Object.freeze([RTNLGRP_IPV6_ROUTE]),
  route: Object.freeze([RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE]),
  neigh: Object.freeze([RTNLGRP_NEIGH]),
  rule: Object.freeze([RTNLGRP_IPV4_RULE, RTNLGRP_IPV6_RULE]),
  fdb: Object.freeze([RTNLGRP_NEIGH]),
  nexthop: Object.freeze([RTNLGRP_NEXTHOP]),
  'nexthop-bucket': Object.freeze([RTNLGRP_NEXTHOP]),
  tc: Object.freeze([RTNLGRP_TC]),
  'ipv4-netconf': Object.freeze([RTNLGRP_IPV4_NETCONF]),
  'ipv6-netconf': Object.freeze([RTNLGRP_IPV6_NETCONF]),
  netconf: Object.freeze([RTNLGRP_IPV4_NETCONF, RTNLGRP_IPV6_NETCONF]),
  mdb: Object.freeze([RTNLGRP_MDB]),
  nsid: Object.freeze([RTNLGRP_NSID]),
} as const);

/** A group name accepted by {@link Rtnl.monitor}. */
export type MonitorGroup = keyof typeof MONITOR_GROUPS;

/**
 * The object kinds a monitor reports ('qdisc', 'class' and 'filter': the 'tc' group's;
 * 'nexthop-bucket': a resilient group's bucket; 'netconf': a set of IP configuration
 * switches; 'mdb' and 'mdb-router': the 'mdb' group's entries and router ports; 'nsid': a
 * peer netns's id).
 */
export type MonitorKind = 'link' | 'addr' | 'route' | 'neigh' | 'rule' | 'fdb' | 'nexthop' | 'qdisc' | 'class' | 'filter' | 'nexthop-bucket' | 'netconf' | 'mdb' | 'mdb-router' | 'nsid';

const KINDS: readonly MonitorKind[] = ['link', 'addr', 'route', 'neigh', 'rule', 'fdb', 'nexthop', 'qdisc', 'class', 'filter', 'nexthop-bucket', 'netconf', 'mdb', 'mdb-router', 'nsid'];

/** The traffic-control kinds, all three the 'tc' group's. */
const TC_KINDS: readonly MonitorKind[] = Object.freeze(['qdisc', 'class', 'filter'] as const);

/** The bridge MDB's kinds, both the 'mdb' group's. */
const MDB_KINDS: readonly MonitorKind[] = Object.freeze(['mdb', 'mdb-router'] as const);

/** The kinds whose decoders are loaded by the first monitor that watches one (loadLate). */
const LATE_KINDS: readonly MonitorKind[] = Object.freeze([...TC_KINDS, ...MDB_KINDS]);

/** The kinds of object each group name is about (one, but 'tc': qdiscs, classes and filters; 'mdb': entries and router ports). */
const GROUP_KINDS: Readonly<Record<MonitorGroup, readonly MonitorKind[]>> = Object.freeze({
  link: ['link'], 'ipv4-addr': ['addr'], 'ipv6-addr': ['addr'], addr: ['addr'], 'ipv4-route': ['route'], 'ipv6-route': ['route'],
  route: ['route'], neigh: ['neigh'], rule: ['rule'], fdb: ['fdb'], nexthop: ['nexthop'], 'nexthop-bucket': ['nexthop-bucket'], tc: TC_KINDS,
  'ipv4-netconf': ['netconf'], 'ipv6-netconf': ['netconf'], netconf: ['netconf'], mdb: MDB_KINDS, nsid: ['nsid'],
});

/** The decoded object of each kind: the same types the list methods return. */
export interface MonitorObjects {
  /** RTM_NEWLINK / RTM_DELLINK, as `rt.link.list` returns it (the bridge's AF_BRIDGE port messages are left out). */
  link: Link;
  /** RTM_NEWADDR / RTM_DELADDR, as `rt.addr.list` returns it. */
  addr: Addr;
  /** RTM_NEWROUTE / RTM_DELROUTE, as `rt.route.list` returns it. */
  route: Route;
  /** RTM_NEWNEIGH / RTM_DELNEIGH, as `rt.neigh.list` returns it. */
  neigh: Neigh;
  /** RTM_NEWRULE / RTM_DELRULE, as `rt.rule.list` returns it. */
  rule: Rule;
  /**
   * RTM_NEWNEIGH / RTM_DELNEIGH of family AF_BRIDGE (a bridge's, a vxlan's or a device's
   * own forwarding entry), as `rt.fdb.list` returns it; on the 'fdb' group only.
   */
  fdb: FdbEntry;
  /**
   * RTM_NEWNEXTHOP / RTM_DELNEXTHOP, as `rt.nexthop.list` returns it (`ip monitor
   * nexthop`). A group whose member was deleted comes as a 'new' group without it. The
   * kernel's RTM_NEWNEXTHOPBUCKET messages, on the same group, are kind
   * 'nexthop-bucket', yielded by a monitor of that group name only (a monitor of
   * 'nexthop' alone skips them, counted in {@link MonitorStats.undecoded}).
   */
  nexthop: NexthopObject;
  /**
   * RTM_NEWNEXTHOPBUCKET, as `rt.nexthop.buckets` returns it (`ip monitor nexthop`'s
   * bucket lines); on the 'nexthop-bucket' group. Always a 'new': the bucket now sends
   * its flows to `nhId`. The kernel announces a bucket that moves once it has been idle
   * for its group's idle timer, or when the group has been unbalanced for its unbalanced
   * timer (its periodic upkeep); buckets that move at once when a group is made, replaced
   * or loses a member — idle ones, or all of them with an idle timer of 0 — move without
   * an event (the group's own 'new' is the event: list the buckets again).
   */
  'nexthop-bucket': NexthopBucket;
  /**
   * RTM_NEWQDISC / RTM_DELQDISC, as `rt.qdisc.list` returns it (`tc monitor`); on the
   * 'tc' group. A qdisc put in another's place comes as the old one's 'del' then the new
   * one's 'new'; a changed one as a 'new' of the same handle. The device's default
   * qdiscs (noqueue, pfifo_fast, …) come and go without events, and so do the classes
   * and filters of a qdisc deleted or replaced, and everything of a device deleted (its
   * link's 'del' is the event). `refcnt` is the kernel's count when it sent the message
   * (a new root qdisc of a device with several queues is announced before it holds a
   * reference per queue), which a later list may not show.
   */
  qdisc: Qdisc;
  /** RTM_NEWTCLASS / RTM_DELTCLASS, as `rt.class.list` returns it; on the 'tc' group. */
  class: TcClass;
  /**
   * RTM_NEWTFILTER / RTM_DELTFILTER, as `rt.filter.list` returns it; on the 'tc' group.
   * Its `parent` is the one the request that made or deleted it gave (the kernel echoes
   * it: 'ffff:' or 'ffff:fff2' for the same filter of an ingress qdisc). A shared
   * block's filters come with `index` -1 and `block` (the kernel names the block, not a
   * device), in events and in a listing alike, where a listing has each once. A
   * priority deleted whole comes as the priority's own entry (no `handle`); the kernel's
   * RTM_NEWCHAIN / RTM_DELCHAIN (a chain made by the first filter in it, deleted with
   * the last) and its action messages (`tc actions`) are not decoded (counted in
   * {@link MonitorStats.ignored}).
   */
  filter: Filter;
  /**
   * RTM_NEWNETCONF / RTM_DELNETCONF, as `rt.netconf.get` returns it (`ip monitor
   * netconf`); on the 'netconf' groups. A sysctl's change comes as a 'new' with `family`,
   * `dev` and the one field that changed (`rpFilter` after net.ipv4.conf.DEV.rp_filter
   * was written), one per set it changed (net.ipv4.conf.all.forwarding: 'all''s,
   * 'default''s and each device's `forwarding`); a write of the value the sysctl holds
   * sends nothing, and neither does a change of bc_forwarding (the kernel announces
   * forwarding, rp_filter, proxy_arp/proxy_ndp and ignore_routes_with_linkdown). A
   * set made (with its device, or again when the device's MTU is raised back to the
   * family's minimum) comes as a 'new' with every field; a set removed (its device
   * deleted, or its MTU set below the family's minimum: 68 for IPv4, 1280 for IPv6) as a
   * 'del' with `family` and `dev` only. A listing (`listExisting`) has every field, as
   * `rt.netconf.list()`.
   */
  netconf: Netconf;
  /**
   * RTM_NEWMDB / RTM_DELMDB of a group entry, as `rt.mdb.list` returns it (`bridge monitor
   * mdb`'s entry lines); on the 'mdb' group. The kernel sends one entry per message
   * (br_mdb_notify): an entry added, replaced, or learned from an IGMP/MLD report (a
   * learned one may come twice, its filter mode and timer set by the second) as a 'new';
   * a (*, G) entry's source list set or replaced as each (S, G) entry's 'new' or 'del',
   * then the (*, G) entry's 'new' with its `sourceList`; one deleted, aged out, or gone
   * with its port (the port left the bridge or was deleted, or the bridge was: one 'del'
   * per entry) as a 'del'. The host joins (port = the bridge) of a deleted bridge go
   * without one (its link's 'del' is the event). A temp entry's `timer` is the kernel's
   * when it sent the message.
   */
  mdb: MdbEntry;
  /**
   * RTM_NEWMDB / RTM_DELMDB of a multicast router port (`bridge monitor mdb`'s "router
   * port dev PORT master BRIDGE"); on the 'mdb' group. A port that becomes a router port
   * (`mcast_router 2`, or a query heard on it) comes as a 'new', one that stops being one
   * (`mcast_router 0` or 1 after 2, its timer run out, the port gone from the bridge) as a
   * 'del'. The kernel's message holds the bridge, the port and, for a per-VLAN router
   * port, `vid` only: `type` and the timers are what `rt.mdb.routers()` lists.
   */
  'mdb-router': MdbRouterPort;
  /**
   * RTM_NEWNSID / RTM_DELNSID (`ip monitor nsid`); on the 'nsid' group. A 'new' when the
   * monitor's netns gives a peer netns an id: set (`ip netns set NAME ID`, setNsid), or
   * assigned by the kernel (the lowest free one) the first time it names that peer to the
   * netns: a device moved there (its link's 'del' has `newNetnsId`), a veth made or left
   * with its other end there (the link's `link-netnsid`).
   * A 'del' when the peer netns is destroyed (its last reference gone: names, processes,
   * fds and sockets that hold it), not when its name is removed. Either holds
   * the id only: which netns it names is not in the message (getNsid of the netns at hand
   * tells; `ip monitor` looks each name in /run/netns up for its "(iproute2 netns name:
   * NAME)"). A listing (`listExisting`) has every id the netns has given, as `ip netns
   * list-id` shows them.
   */
  nsid: Nsid;
}

/**
 * A message kept as bytes: the whole netlink message (nlmsghdr included), copied out
 * of the receive buffer. Yielded for message types whose decoder was removed with
 * `registerEventDecoder(type, kind, undefined)`.
 */
export interface RawEventObject {
  /** The message's bytes, nlmsghdr included (a copy). */
  readonly raw: Uint8Array;
}

/**
 * A change the kernel announced: `new` (RTM_NEW*) or `del` (RTM_DEL*) of one object; or,
 * with `existing: true`, an object that was there when the monitor listed them
 * (`listExisting`, always `type: 'new'`). Treat both as idempotent upserts keyed by the
 * object's identity (a link's index, an address's index + address + prefix, an fdb
 * entry's link + mac + vlan + dst, …): a change made while the listing ran may come
 * twice, and a `del` may name an object the consumer never saw.
 */
export type MonitorChange = MonitorChangeOf<MonitorKind>;

/**
 * {@link MonitorChange} of the kinds `K` only: what a monitor of some groups yields
 * (`rt.monitor(['link'])` yields link changes, so `ev.object` is a Link once `ev.type`
 * is not 'overrun', without testing `ev.kind`).
 */
export type MonitorChangeOf<K extends MonitorKind> = {
  [P in K]: {
    readonly type: 'new' | 'del';
    readonly kind: P;
    readonly object: MonitorObjects[P];
    /** True on objects from a listing (`listExisting`); absent on the kernel's changes. */
    readonly existing?: true;
  };
}[K];

/** The kind of object a group name is about, at the type level: 'ipv4-addr' → 'addr', 'tc' → 'qdisc' | 'class' | 'filter', 'nexthop-bucket' → 'nexthop-bucket', 'mdb' → 'mdb' | 'mdb-router'. */
export type MonitorKindOf<G extends MonitorGroup> = G extends 'link' ? 'link'
  : G extends 'ipv4-addr' | 'ipv6-addr' | 'addr' ? 'addr'
  : G extends 'ipv4-route' | 'ipv6-route' | 'route' ? 'route'
  : G extends 'neigh' ? 'neigh'
  : G extends 'rule' ? 'rule'
  : G extends 'fdb' ? 'fdb'
  : G extends 'nexthop' ? 'nexthop'
  : G extends 'nexthop-bucket' ? 'nexthop-bucket'
  : G extends 'tc' ? 'qdisc' | 'class' | 'filter'
  : G extends 'ipv4-netconf' | 'ipv6-netconf' | 'netconf' ? 'netconf'
  : G extends 'mdb' ? 'mdb' | 'mdb-router'
  : G extends 'nsid' ? 'nsid'
  : never;

/** The kernel dropped events because the listener fell behind (ENOBUFS): resync with a dump. */
export interface MonitorOverrun {
  /** Always 'overrun' (tells it from a {@link MonitorChange}, whose type is 'new' or 'del'). */
  readonly type: 'overrun';
  /** Never set: a marker has no kind, so `switch (ev.kind)` compiles without ruling it out first (`case undefined`). */
  readonly kind?: undefined;
}

/**
 * The end of a listing (`listExisting`): every object that existed when the dumps ran
 * was yielded before it (`existing: true`); what follows are the kernel's changes made
 * since the monitor joined its groups (some of them may repeat what the listing showed).
 * After an `overrun`, a monitor with `listExisting` lists again: objects the consumer
 * holds that were neither listed nor changed between the overrun and this `synced` are
 * gone (their `del` was among the lost events).
 */
export interface MonitorSynced {
  /** Always 'synced'. */
  readonly type: 'synced';
  /** Never set: a marker has no kind (see {@link MonitorOverrun.kind}). */
  readonly kind?: undefined;
}

/** What a monitor yields. */
export type MonitorEvent = MonitorChange | MonitorOverrun;

/** What a monitor opened with `listExisting: true` yields: also the {@link MonitorSynced} marker. */
export type MonitorSyncEvent = MonitorEvent | MonitorSynced;

/**
 * Decodes one message while the receive buffer is valid (`off`: the nlmsghdr, `len`:
 * its nlmsg_len). Must copy what it keeps. `undefined` means "not for this monitor"
 * (e.g. a neighbour of a family the decoder does not cover): the message is skipped and
 * counted in {@link MonitorStats.undecoded}.
 */
export type EventDecoder = (buf: Buffer, view: DataView, off: number, len: number) => object | undefined;

interface DecoderEntry {
  readonly type: 'new' | 'del';
  readonly kind: MonitorKind;
  /** The decoder as registered (what registerEventDecoder returns). */
  readonly decode: EventDecoder | undefined;
  /** What the monitor calls: `decode`, or for decodeLink, {@link decodeLinkEvent}. */
  readonly run: EventDecoder | undefined;
  /**
   * Set on the entries of a type that carries two kinds (and there the entry is not
   * decoded with): which entry a message takes — by its family for the neighbour types
   * in the tables of monitors that watch 'fdb', by its content for the MDB types.
   * Undefined everywhere else.
   */
  readonly split: Split | undefined;
}

/**
 * A type that carries two kinds: a neighbour type for a monitor that watches 'fdb' (its
 * AF_BRIDGE messages are fdb entries), or an MDB type (a router port's message is an
 * 'mdb-router', the others 'mdb' entries).
 */
interface Split {
  /** 'family': the neighbour types; 'router': the MDB types. */
  readonly by: 'family' | 'router';
  /**
   * By family, the 'fdb' entry: for AF_BRIDGE messages (and ones too short to have a
   * family, for the decoder to refuse); by router, the 'mdb-router' entry: for messages
   * whose first attribute is MDBA_ROUTER.
   */
  readonly bridge: DecoderEntry | undefined;
  /**
   * The type's own entry (ARP/NDP entries as 'neigh', MDB entries as 'mdb'); for a
   * neighbour type, undefined when the monitor does not watch 'neigh': skipped.
   */
  readonly other: DecoderEntry | undefined;
}

/** The entry a message of a split type is decoded with; undefined when the monitor skips it. */
function pick(split: Split, buf: Buffer, view: DataView, off: number, len: number): DecoderEntry | undefined {
  if (split.by === 'family') return len <= NLMSG_HDRLEN || buf[off + NLMSG_HDRLEN] === AF_BRIDGE ? split.bridge : split.other;
  // The kernel's MDB event holds one top-level attribute: MDBA_MDB (an entry) or
  // MDBA_ROUTER (a router port). Anything else goes to the entries' decoder, to refuse.
  const a = off + NLMSG_HDRLEN + SIZEOF_BR_PORT_MSG;
  return a + 4 <= off + len && (view.getUint16(a + 2, HOST_LE) & NLA_TYPE_MASK) === MDBA_ROUTER ? split.bridge : split.other;
}

/**
 * decodeLink as the monitor uses it: RTNLGRP_LINK also carries the bridge's AF_BRIDGE
 * messages about its ports (RTM_NEWLINK when a port's options or STP state change,
 * RTM_DELLINK when it leaves the bridge — the link itself stays). They are not the link
 * `rt.link.list` returns (no kind, no stats, …) and their RTM_DELLINK is no deletion, so
 * they are declined (counted in {@link MonitorStats.undecoded}), as decodeNeigh declines
 * the bridge's fdb entries.
 */
function decodeLinkEvent(buf: Buffer, view: DataView, off: number, len: number): Link | undefined {
  if (len > NLMSG_HDRLEN && view.getUint8(off + NLMSG_HDRLEN) === AF_BRIDGE) return undefined;
  return decodeLink(buf, view, off, len);
}

/** A table indexed by rtm type (rtnetlink types are < 256); packed, as every table is, so the monitor's lookup sees one array shape. */
const typeTable = (): (DecoderEntry | undefined)[] => new Array<DecoderEntry | undefined>(256).fill(undefined);

/** rtm type → what it is and how to decode it: registered with any kind but 'fdb' and 'mdb-router'. */
const registry = typeTable();
/** rtm type → its 'fdb' entry: how its AF_BRIDGE messages decode (RTM_NEWNEIGH, RTM_DELNEIGH). */
const bridgeRegistry = typeTable();
/** rtm type → its 'mdb-router' entry: how its router-port messages decode (RTM_NEWMDB, RTM_DELMDB). */
const routerRegistry = typeTable();
/**
 * The table of monitors that do not watch 'fdb': `registry`, the MDB types split by
 * content (a 'neigh' monitor's AF_BRIDGE messages reach the 'neigh' decoder, which
 * declines them).
 */
const mainTable = typeTable();
/** The table of monitors that watch 'fdb' and 'neigh': `mainTable`, the neighbour types split by family. */
const fdbNeighTable = typeTable();
/** The table of monitors that watch 'fdb' but not 'neigh': the neighbour types' other families skipped. */
const fdbOnlyTable = typeTable();

/** Bring the tables up to date for one type after a registration. */
function refreshTables(rtmType: number): void {
  const own = registry[rtmType];
  const router = routerRegistry[rtmType];
  const main = router === undefined ? own : { type: router.type, kind: 'mdb' as const, decode: undefined, run: undefined, split: { by: 'router' as const, bridge: router, other: own } };
  mainTable[rtmType] = main;
  const bridge = bridgeRegistry[rtmType];
  const split = (other: DecoderEntry | undefined): DecoderEntry => ({ type: bridge!.type, kind: 'fdb', decode: undefined, run: undefined, split: { by: 'family', bridge: bridge!, other } });
  fdbNeighTable[rtmType] = bridge === undefined ? main : split(main);
  fdbOnlyTable[rtmType] = bridge === undefined ? main : split(undefined);
}

/**
 * Set how monitors decode one rtnetlink message type; returns the decoder it replaces.
 * The type must be an RTM_NEW* or RTM_DEL* type (`new`/`del` follows from it). With
 * `decode` undefined, such messages are yielded as {@link RawEventObject} copies.
 * Applies to monitors already open from their next message on.
 *
 * Kind 'fdb' is RTM_NEWNEIGH's and RTM_DELNEIGH's alone, and sets how their AF_BRIDGE
 * messages decode on monitors that watch 'fdb'; any other kind sets the type's own
 * decoder, which such a monitor uses for the other families (and a monitor without
 * 'fdb' for every family). Likewise kind 'mdb-router' is RTM_NEWMDB's and RTM_DELMDB's
 * alone, and sets how their router-port messages (first attribute MDBA_ROUTER) decode;
 * their other messages (MDBA_MDB: an entry) decode with the type's own decoder, 'mdb'
 * as pre-registered. Each kind's decoder is replaced (and returned) on its own.
 *
 * A monitor yields a type's messages as the kind they are registered with, and only
 * when it watches that kind (the kinds of its group names): RTM_NEWNEXTHOPBUCKET reaches
 * every monitor joined to the nexthop group, and only those of 'nexthop-bucket' yield it.
 *
 * Pre-registered: RTM_NEW/DELLINK → decodeLink, …ADDR → decodeAddr, …ROUTE →
 * decodeRoute, …NEIGH → decodeNeigh (and, as 'fdb', decodeFdb), …RULE → decodeRule,
 * …NEXTHOP → decodeNexthop, …NEXTHOPBUCKET → decodeNexthopBucket (as
 * 'nexthop-bucket'), …NETCONF → decodeNetconf, …NSID → decodeNsid; as 'qdisc', 'class' and 'filter', RTM_NEW/DELQDISC,
 * …TCLASS and …TFILTER → decodeQdisc, decodeTcClass and decodeFilter (what is
 * registered, and returned, is a function that calls them once a monitor of 'tc' has
 * loaded them: called before that, it throws); as 'mdb' and as 'mdb-router', RTM_NEWMDB
 * and RTM_DELMDB → the message's one entry or router port as decodeMdb (`rt.mdb.list`)
 * decodes it, likewise loaded by the first monitor of 'mdb' (a message holding more than
 * one object, which the kernel never sends, is refused with a DecodeError). A monitor's
 * listing of 'mdb' (`listExisting`: RTM_GETMDB dump parts, each a bridge's every entry
 * and router port) is decoded with decodeMdb whatever is registered.
 * With decodeLink, the bridge's AF_BRIDGE port messages are declined (they are not
 * links as `rt.link.list` returns them, and their RTM_DELLINK deletes no link); another
 * decoder sees them.
 * @throws InvalidArgumentError for a type that is neither RTM_NEW* nor RTM_DEL*, an
 *   unknown kind, or kind 'fdb' with a type other than RTM_NEWNEIGH and RTM_DELNEIGH.
 */
export function registerEventDecoder(rtmType: number, kind: MonitorKind, decode: EventDecoder | undefined): EventDecoder | undefined {
  if (!Number.isInteger(rtmType) || rtmType < 16 || rtmType > 255 || (rtmType & 3) > 1) {
    throw new InvalidArgumentError('rtmType', `expected an RTM_NEW* or RTM_DEL* message type (16 + 4n or 17 + 4n, below 256), got ${showValue(rtmType)}`);
  }
  if (!KINDS.includes(kind)) throw new InvalidArgumentError('kind', `expected one of ${KINDS.join(', ')}, got ${showValue(kind)}`);
  if (kind === 'fdb' && rtmType !== RTM_NEWNEIGH && rtmType !== RTM_DELNEIGH) {
    throw new InvalidArgumentError('kind', `'fdb' entries are the AF_BRIDGE messages of RTM_NEWNEIGH (${RTM_NEWNEIGH}) and RTM_DELNEIGH (${RTM_DELNEIGH}), got type ${rtmType}`);
  }
  if (kind === 'mdb-router' && rtmType !== RTM_NEWMDB && rtmType !== RTM_DELMDB) {
    throw new InvalidArgumentError('kind', `'mdb-router' ports are the MDBA_ROUTER messages of RTM_NEWMDB (${RTM_NEWMDB}) and RTM_DELMDB (${RTM_DELMDB}), got type ${rtmType}`);
  }
  if (decode !== undefined && typeof decode !== 'function') throw new InvalidArgumentError('decode', 'expected a function or undefined');
  const table = kind === 'fdb' ? bridgeRegistry : kind === 'mdb-router' ? routerRegistry : registry;
  const prev = table[rtmType]?.decode;
  table[rtmType] = { type: (rtmType & 3) === 0 ? 'new' : 'del', kind, decode, run: decode === decodeLink ? decodeLinkEvent : decode, split: undefined };
  refreshTables(rtmType);
  return prev;
}

registerEventDecoder(RTM_NEWLINK, 'link', decodeLink);
registerEventDecoder(RTM_DELLINK, 'link', decodeLink);
registerEventDecoder(RTM_NEWADDR, 'addr', decodeAddr);
registerEventDecoder(RTM_DELADDR, 'addr', decodeAddr);
registerEventDecoder(RTM_NEWROUTE, 'route', decodeRoute);
registerEventDecoder(RTM_DELROUTE, 'route', decodeRoute);
registerEventDecoder(RTM_NEWNEIGH, 'neigh', decodeNeigh);
registerEventDecoder(RTM_DELNEIGH, 'neigh', decodeNeigh);
registerEventDecoder(RTM_NEWNEIGH, 'fdb', decodeFdb);
registerEventDecoder(RTM_DELNEIGH, 'fdb', decodeFdb);
registerEventDecoder(RTM_NEWRULE, 'rule', decodeRule);
registerEventDecoder(RTM_DELRULE, 'rule', decodeRule);
registerEventDecoder(RTM_NEWNEXTHOP, 'nexthop', decodeNexthop);
registerEventDecoder(RTM_DELNEXTHOP, 'nexthop', decodeNexthop);
registerEventDecoder(RTM_NEWNEXTHOPBUCKET, 'nexthop-bucket', decodeNexthopBucket);
registerEventDecoder(RTM_DELNEXTHOPBUCKET, 'nexthop-bucket', decodeNexthopBucket);
registerEventDecoder(RTM_NEWNETCONF, 'netconf', decodeNetconf);
registerEventDecoder(RTM_DELNETCONF, 'netconf', decodeNetconf);
registerEventDecoder(RTM_NEWNSID, 'nsid', decodeNsid);
registerEventDecoder(RTM_DELNSID, 'nsid', decodeNsid);

/**
 * What a monitor of 'tc' or 'mdb' loads: the traffic-control and MDB decoders and the
 * listings' dumps (lazy-apis.ts, the chunk of the handle's late APIs). Not imported
 * statically: they are among the code a CNI plugin, whose handle imports this module,
 * should not parse at start (README, Limits).
 */
type LateModule = Pick<typeof import('./lazy-apis.js'), 'decodeQdisc' | 'decodeTcClass' | 'decodeFilter' | 'listTc' | 'decodeMdb' | 'dumpMdb'>;

/** The module once loaded (then a tc or MDB message decodes synchronously, as any other). */
let lateModule: LateModule | undefined;
let lateLoading: Promise<LateModule> | undefined;

/** Load the module (once per process; a failed load is tried again by the next monitor). */
function loadLate(): Promise<LateModule> {
  return (lateLoading ??= import('./lazy-apis.js').then((m) => (lateModule = m), (e: unknown) => {
    lateLoading = undefined;
    throw e;
  }));
}

/** The loaded module; a monitor of 'tc' or 'mdb' reads nothing before it is (see the constructor). */
function lateLoaded(what: string, group: string): LateModule {
  if (lateModule === undefined) throw new Error(`nlkit: the ${what} decoders are loaded when a monitor of '${group}' opens; this one was called before that`);
  return lateModule;
}

const tcLoaded = (): LateModule => lateLoaded('traffic-control', 'tc');

/** @internal decodeQdisc, once loaded: what RTM_NEWQDISC and RTM_DELQDISC are pre-registered with. */
export function decodeQdiscEvent(buf: Buffer, view: DataView, off: number, len: number): Qdisc {
  return tcLoaded().decodeQdisc(buf, view, off, len);
}

/** @internal decodeTcClass, once loaded: what RTM_NEWTCLASS and RTM_DELTCLASS are pre-registered with. */
export function decodeTcClassEvent(buf: Buffer, view: DataView, off: number, len: number): TcClass {
  return tcLoaded().decodeTcClass(buf, view, off, len);
}

/** @internal decodeFilter, once loaded: what RTM_NEWTFILTER and RTM_DELTFILTER are pre-registered with. */
export function decodeFilterEvent(buf: Buffer, view: DataView, off: number, len: number): Filter {
  return tcLoaded().decodeFilter(buf, view, off, len);
}

registerEventDecoder(RTM_NEWQDISC, 'qdisc', decodeQdiscEvent);
registerEventDecoder(RTM_DELQDISC, 'qdisc', decodeQdiscEvent);
registerEventDecoder(RTM_NEWTCLASS, 'class', decodeTcClassEvent);
registerEventDecoder(RTM_DELTCLASS, 'class', decodeTcClassEvent);
registerEventDecoder(RTM_NEWTFILTER, 'filter', decodeFilterEvent);
registerEventDecoder(RTM_DELTFILTER, 'filter', decodeFilterEvent);

const PATH_MDB_EVENT: readonly string[] = Object.freeze(['RTM_NEWMDB']);

/**
 * An MDB event's one object of the kind `routers` says (decodeMdb, once loaded);
 * undefined (declined) when it holds none. The kernel sends one entry or router port per
 * message, and a monitor yields one object per message (its queue bound counts
 * messages): a message with more is refused (DecodeError) rather than cut short.
 */
function mdbEventObject(buf: Buffer, view: DataView, off: number, len: number, routers: boolean): MdbEntry | MdbRouterPort | undefined {
  const m: MdbMessage | undefined = lateLoaded('MDB', 'mdb').decodeMdb(buf, view, off, len);
  if (m === undefined) return undefined;
  const n = m.entries.length + m.routers.length;
  if (n > 1) {
    throw new DecodeError(`MDB event with ${m.entries.length} entries and ${m.routers.length} router ports (the kernel sends one per message; a monitor yields one object per message)`, PATH_MDB_EVENT, off, 1, n);
  }
  return routers ? m.routers[0] : m.entries[0];
}

/** @internal The entry of an MDB event (decodeMdb, once loaded): what RTM_NEWMDB and RTM_DELMDB are pre-registered with as 'mdb'. */
export function decodeMdbEntryEvent(buf: Buffer, view: DataView, off: number, len: number): MdbEntry | undefined {
  return mdbEventObject(buf, view, off, len, false) as MdbEntry | undefined;
}

/** @internal The router port of an MDB event (decodeMdb, once loaded): what RTM_NEWMDB and RTM_DELMDB are pre-registered with as 'mdb-router'. */
export function decodeMdbRouterEvent(buf: Buffer, view: DataView, off: number, len: number): MdbRouterPort | undefined {
  return mdbEventObject(buf, view, off, len, true) as MdbRouterPort | undefined;
}

registerEventDecoder(RTM_NEWMDB, 'mdb', decodeMdbEntryEvent);
registerEventDecoder(RTM_DELMDB, 'mdb', decodeMdbEntryEvent);
registerEventDecoder(RTM_NEWMDB, 'mdb-router', decodeMdbRouterEvent);
registerEventDecoder(RTM_DELMDB, 'mdb-router', decodeMdbRouterEvent);

/** A listing's MDB part: each bridge's entries, then its router ports, as `existing` events (as `rt.mdb.list()` and `rt.mdb.routers()` return them). */
async function listMdb(sock: NetlinkSocket, stats: MonitorStats): Promise<MonitorChange[]> {
  const out: MonitorChange[] = [];
  for (const m of await (await loadLate()).dumpMdb(sock)) {
    for (const object of m.entries) out.push({ type: 'new', kind: 'mdb', object, existing: true });
    for (const object of m.routers) out.push({ type: 'new', kind: 'mdb-router', object, existing: true });
  }
  stats.listed += out.length;
  return out;
}

/**
 * The table a monitor looks its messages up in, by the kinds it watches: one shared
 * table per choice, so that a registration reaches monitors already open.
 */
function tableFor(kinds: ReadonlySet<MonitorKind>): (DecoderEntry | undefined)[] {
  if (!kinds.has('fdb')) return mainTable;
  return kinds.has('neigh') ? fdbNeighTable : fdbOnlyTable;
}

/** Options for {@link Rtnl.monitor}. Every field has a default. */
export interface MonitorOptions {
  /**
   * Stops the monitor when aborted: the poll handle is stopped, the socket closed, and
   * the pending (or next) `next()` rejects with `signal.reason`. An already aborted
   * signal throws `signal.reason` at once. Defaults to none.
   */
  readonly signal?: AbortSignal | undefined;
  /**
   * Receive buffer of the monitor's socket in bytes (SO_RCVBUFFORCE, falling back to
   * SO_RCVBUF; the kernel doubles it). How large a burst the kernel holds before it
   * drops events (overrun). Defaults to the kernel's default (net.core.rmem_default).
   */
  readonly receiveBufferSize?: number | undefined;
  /**
   * Events queued for a consumer that is not pulling before the monitor stops reading
   * (then the kernel's buffer fills and overruns are reported). A queued event costs
   * about its message size (≈1.5 KiB for a link). It also bounds what one poll wake-up
   * reads (`maxQueued` + 1 events), so that a burst yields to the event loop every so
   * many events even to a consumer that pulls without awaiting anything else. Defaults
   * to 1024.
   */
  readonly maxQueued?: number | undefined;
  /**
   * List what exists first, like vishvananda/netlink's `ListExisting`: after joining its
   * groups the monitor dumps every kind of object they cover (links; addresses, routes
   * and rules of the groups' families; neighbours except proxy entries; with 'fdb', every
   * forwarding entry `rt.fdb.list()` returns; with 'nexthop', every nexthop object,
   * before the routes that may point at them; with 'nexthop-bucket', every resilient
   * group's buckets (`rt.nexthop.buckets()`), after the nexthops; with 'netconf', the
   * netconf sets of its families (`rt.netconf.list(4)`, `list(6)`); with 'nsid', every id
   * the netns has given a peer netns (`ip netns list-id`); with 'tc', last, every
   * qdisc `rt.qdisc.list()` returns, then for each device with one its classes and the
   * filters of each of its qdiscs, clsact sides and htb/hfsc classes — one dump each, as
   * the kernel lists them one device, qdisc or class at a time; the priorities' own
   * entries included, each filter's `parent` the qdisc's handle ('ffff:' for ingress),
   * 'ffff:fff2'/'ffff:fff3' or the class); with 'mdb', last, each bridge's MDB entries
   * (`rt.mdb.list()`, kind 'mdb') then its router ports (`rt.mdb.routers()`, kind
   * 'mdb-router'), unfiltered as the groups are: routes of
   * every table (`rt.route.list({ table: 'all' })`, not the main table alone) and
   * neighbours in every state (`rt.neigh.list({ state: 'all' })`, 'noarp' entries
   * included), and yields each as `{ type: 'new', kind, object, existing: true }`, then one
   * `{ type: 'synced' }`, then the changes (see {@link MonitorSynced}; a change made
   * while the dumps ran may come twice). The dumps go over the handle's request socket.
   * Every overrun is followed by a new listing and `synced`. A dump that fails ends the
   * monitor with its error. Defaults to false (changes only).
   *
   * Equivalent to: `ip link show; ip addr show; …` (`ip netns list-id`, `bridge fdb show`, `tc qdisc show;
   * tc class show dev DEV; tc filter show dev DEV parent P; …`, `bridge -d -s mdb show`)
   * then `ip monitor` (`bridge monitor fdb`, `tc monitor`, `bridge monitor mdb`), without
   * a gap.
   */
  readonly listExisting?: boolean | undefined;
}

/** Counters for tests, benchmarks and debugging. */
export interface MonitorStats {
  /** Messages of a registered type read (changes, before decoding). */
  events: number;
  /** ENOBUFS reports read from the socket (each lost one or more events). */
  overruns: number;
  /** Datagrams discarded after an overrun (they predate it; see the module doc). */
  discarded: number;
  /** Poll wake-ups. */
  wakeups: number;
  /** Wake-ups that found nothing to read (spurious). */
  emptyWakeups: number;
  /** Wake-ups with an error status (POLLERR: how the kernel signals an overrun). */
  pollErrors: number;
  /**
   * Messages of a type with no registered decoder (e.g. RTM_GETNEIGH probes; on 'tc',
   * RTM_NEWCHAIN / RTM_DELCHAIN and the action messages), skipped.
   */
  ignored: number;
  /**
   * Messages a decoder declined (returned undefined, e.g. AF_BRIDGE fdb entries on a
   * monitor without 'fdb', AF_BRIDGE port messages on 'link'), or of a kind the monitor
   * does not watch on a group it shares with one it does (ARP/NDP entries on 'fdb'
   * without 'neigh', buckets on 'nexthop' without 'nexthop-bucket'), skipped.
   */
  undecoded: number;
  /** Times the queue reached `maxQueued` and reading stopped. */
  pauses: number;
  /** Largest queue length seen. */
  peakQueued: number;
  /** Listings started (`listExisting`: the first, then one per overrun). */
  listings: number;
  /** Objects listed (yielded with `existing: true`, or skipped like `undecoded` ones). */
  listed: number;
}

/** @internal What opens a monitor: the handle's socket (its netns is the monitor's) and bookkeeping. */
export interface MonitorHost {
  /** The handle's request socket; the monitor's socket is opened in the same netns. */
  readonly sock: NetlinkSocket;
  /** The netns fd the handle was opened with, used when the socket's netns cannot be read (SIOCGSKNS needs CAP_NET_ADMIN). */
  readonly netnsFd: number | undefined;
  /**
   * The handle object `netnsFd` was read from (a `Netns`, the execNetns target), when
   * there was one: its `fd` is read again before `netnsFd` is used, so a Netns closed
   * since is a ClosedError rather than a setns into whatever file now has that number.
   */
  readonly netnsHolder?: object | undefined;
  /**
   * The pid the handle was opened with (`{ pid }`: it keeps no netns fd), entered again
   * (/proc/PID/ns/net) when the socket's netns cannot be read; undefined otherwise.
   */
  readonly openedByPid?: number | undefined;
}

interface Waiter {
  resolve(r: IteratorResult<MonitorSyncEvent, undefined>): void;
  reject(e: unknown): void;
}

const DONE: IteratorResult<MonitorSyncEvent, undefined> = Object.freeze({ done: true, value: undefined });
const OVERRUN: MonitorOverrun = Object.freeze({ type: 'overrun' });
const SYNCED: MonitorSynced = Object.freeze({ type: 'synced' });

/**
 * The events of a monitor opened with `options`: {@link MonitorSyncEvent} when
 * `listExisting` may be true, else {@link MonitorEvent}.
 */
export type MonitorEventOf<O extends MonitorOptions, K extends MonitorKind = MonitorKind> = 'listExisting' extends keyof O
  ? (true extends O['listExisting' & keyof O] ? MonitorChangeOf<K> | MonitorOverrun | MonitorSynced : MonitorChangeOf<K> | MonitorOverrun)
  : MonitorChangeOf<K> | MonitorOverrun;
/**
 * What a monitor watches when its constructor is not told: every kind but 'fdb' (whose
 * groups determine the rest) and traffic control's and the MDB's (whose decoders load
 * on first use).
 */
const DEFAULT_KINDS: ReadonlySet<MonitorKind> = new Set(KINDS.filter((k) => k !== 'fdb' && !LATE_KINDS.includes(k)));

/** Slab size for queued message copies. */
const SLAB = 256 * 1024;

/** Slabs kept for reuse per monitor (fresh memory costs a page fault per 4 KiB written). */
const FREE_SLABS = 8;

/** Memory for queued message copies; reused once every message in it was taken. */
class Slab {
  readonly buf: Buffer;
  readonly view: DataView;
  /** Next free offset. */
  pos = 0;
  /** Queued messages still in it. */
  refs = 0;
  constructor(size: number) {
    this.buf = Buffer.allocUnsafeSlow(size);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, size);
  }
}

/** A message read while nobody waited: a copy, decoded when the consumer takes it. */
class Queued {
  constructor(
    readonly entry: DecoderEntry,
    readonly slab: Slab,
    readonly off: number,
    readonly len: number,
  ) {}
}

/** One dump of a listing: what a joined group covers, and how to ask for it. */
interface DumpSpec {
  readonly group: number;
  /** The kind it lists: made when the monitor watches it ('neigh' and 'fdb' share their group). */
  readonly kind: MonitorKind;
  /** The RTM_GET* type (the first one's, for `run`). */
  readonly type: number;
  readonly build: (w: MessageWriter) => void;
  /**
   * Instead of the one dump of `type`: the dumps that list the kind, made over `sock`,
   * each message decoded with `decode` (or, for a dump part that holds several objects,
   * decoded by `run` itself, which counts them in `stats.listed`).
   */
  readonly run?: (sock: NetlinkSocket, decode: (buf: Buffer, view: DataView, off: number, len: number) => MonitorChange | undefined, stats: MonitorStats) => Promise<MonitorChange[]>;
}

/**
 * The dumps of a listing, in the order they are made (links before the addresses, nexthop
 * objects, routes, neighbours and fdb entries that refer to them; nexthop objects before
 * their groups' buckets and the routes through them); each is made when its group was
 * joined for its kind. Unfiltered, as the groups are: routes of every table, neighbours
 * in every state (AF_UNSPEC: IPv4 and IPv6; the kernel leaves the bridge's fdb entries
 * out of it), fdb entries of every device (AF_BRIDGE, what `rt.fdb.list()` sends).
 * IFLA_EXT_MASK as `rt.link.list` sends it: with it the kernel sizes dump parts
 * for its largest link instead of leaving one out.
 */
const DUMPS: readonly DumpSpec[] = [
  { group: RTNLGRP_LINK, kind: 'link', type: RTM_GETLINK, build: (w) => { putIfinfomsg(w, 0, 0, 0); w.putU32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS); } },
  { group: RTNLGRP_IPV4_IFADDR, kind: 'addr', type: RTM_GETADDR, build: (w) => putIfaddrmsg(w, AF_INET, 0, 0, 0, 0) },
  { group: RTNLGRP_IPV6_IFADDR, kind: 'addr', type: RTM_GETADDR, build: (w) => putIfaddrmsg(w, AF_INET6, 0, 0, 0, 0) },
  { group: RTNLGRP_NEXTHOP, kind: 'nexthop', type: RTM_GETNEXTHOP, build: (w) => putNhmsg(w, AF_UNSPEC, 0, 0) },
  // Every resilient group's buckets, after the groups they belong to (what rt.nexthop.buckets() sends).
  { group: RTNLGRP_NEXTHOP, kind: 'nexthop-bucket', type: RTM_GETNEXTHOPBUCKET, build: (w) => putNhmsg(w, AF_UNSPEC, 0, 0) },
  { group: RTNLGRP_IPV4_ROUTE, kind: 'route', type: RTM_GETROUTE, build: (w) => putRtmsg(w, AF_INET, 0, 0, 0, 0, 0, 0, 0, 0) },
  { group: RTNLGRP_IPV6_ROUTE, kind: 'route', type: RTM_GETROUTE, build: (w) => putRtmsg(w, AF_INET6, 0, 0, 0, 0, 0, 0, 0, 0) },
  { group: RTNLGRP_NEIGH, kind: 'neigh', type: RTM_GETNEIGH, build: (w) => putNdmsg(w, AF_UNSPEC, 0, 0, 0) },
  { group: RTNLGRP_NEIGH, kind: 'fdb', type: RTM_GETNEIGH, build: (w) => putNdmsg(w, AF_BRIDGE, 0, 0, 0) },
  { group: RTNLGRP_IPV4_RULE, kind: 'rule', type: RTM_GETRULE, build: (w) => putFibRuleHdr(w, AF_INET, 0, 0, 0, 0, 0, 0) },
  { group: RTNLGRP_IPV6_RULE, kind: 'rule', type: RTM_GETRULE, build: (w) => putFibRuleHdr(w, AF_INET6, 0, 0, 0, 0, 0, 0) },
  // Each family's netconf sets (what rt.netconf.list(4) and list(6) send).
  { group: RTNLGRP_IPV4_NETCONF, kind: 'netconf', type: RTM_GETNETCONF, build: (w) => putNetconfmsg(w, AF_INET) },
  { group: RTNLGRP_IPV6_NETCONF, kind: 'netconf', type: RTM_GETNETCONF, build: (w) => putNetconfmsg(w, AF_INET6) },
  // Every id this netns has given a peer netns (what `ip netns list-id` sends).
  { group: RTNLGRP_NSID, kind: 'nsid', type: RTM_GETNSID, build: putRtgenmsg },
  // Qdiscs, then each device's classes and filters: several dumps (see tc/listing.ts).
  { group: RTNLGRP_TC, kind: 'qdisc', type: RTM_GETQDISC, build: discard, run: async (sock, decode) => (await loadLate()).listTc(sock, decode) },
  // Every bridge's MDB entries and router ports (the dump rt.mdb.list() and rt.mdb.routers() make).
  { group: RTNLGRP_MDB, kind: 'mdb', type: RTM_GETMDB, build: discard, run: (sock, _decode, stats) => listMdb(sock, stats) },
];

/**
 * @internal Test seam, not exported from the package: `afterJoin` runs after the
 * monitor's socket joined its groups and before a listing's first dump is sent,
 * `afterDump` after each dump (with its RTM_GET* type), so a test can make a change at
 * exactly that point.
 */
export const listingHooks: { afterJoin?: (() => void) | undefined; afterDump?: ((type: number) => void) | undefined } = {};

/** A listing in the queue: the dumps' events, yielded when all of them are in, then 'synced'. */
class Listing {
  readonly items: MonitorChange[] = [];
  /** Next item to yield. */
  pos = 0;
  /** Every dump is in (or one failed: `error`). */
  done = false;
  error: { error: unknown } | null = null;
  /** Bumped when the listing is started again: the dumps of an earlier start drop their results. */
  gen = 0;
}

/**
 * Resolve group names to multicast group numbers (deduplicated).
 * @throws InvalidArgumentError for anything but a non-empty array of known names.
 */
export function monitorGroups(groups: readonly MonitorGroup[]): number[] {
  if (!Array.isArray(groups) || groups.length === 0) {
    throw new InvalidArgumentError('groups', `expected a non-empty array of group names (${Object.keys(MONITOR_GROUPS).join(', ')})`);
  }
  const out = new Set<number>();
  for (const g of groups as readonly unknown[]) {
    if (typeof g !== 'string' || !Object.hasOwn(MONITOR_GROUPS, g)) {
      throw new InvalidArgumentError('groups', `unknown group ${JSON.stringify(g) ?? String(g)}; expected one of ${Object.keys(MONITOR_GROUPS).join(', ')}`);
    }
    for (const n of MONITOR_GROUPS[g as MonitorGroup]) out.add(n);
  }
  return [...out];
}

/** The kinds a monitor of these (checked) group names watches. */
function monitorKinds(groups: readonly MonitorGroup[]): Set<MonitorKind> {
  return new Set(groups.flatMap((g) => GROUP_KINDS[g]));
}

const MONITOR_OPTION_KEYS: ReadonlySet<string> = new Set(['signal', 'receiveBufferSize', 'maxQueued', 'listExisting']);

function checkOptions(options: MonitorOptions): void {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', `expected an object, got ${showValue(options)}`);
  checkOptionKeys(options, MONITOR_OPTION_KEYS, '');
  const { signal, receiveBufferSize, maxQueued, listExisting } = options;
  if (listExisting !== undefined && typeof listExisting !== 'boolean') throw new InvalidArgumentError('listExisting', `expected true or false, got ${showValue(listExisting)}`);
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new InvalidArgumentError('signal', `expected an AbortSignal, got ${showValue(signal)}`);
  if (receiveBufferSize !== undefined && (!Number.isInteger(receiveBufferSize) || receiveBufferSize < 1024 || receiveBufferSize > 0x7fffffff)) {
    throw new InvalidArgumentError('receiveBufferSize', `expected an integer in 1024..2147483647, got ${showValue(receiveBufferSize)}`);
  }
  if (maxQueued !== undefined && (!Number.isInteger(maxQueued) || maxQueued < 1 || maxQueued > 0x1000000)) {
    throw new InvalidArgumentError('maxQueued', `expected an integer in 1..16777216, got ${showValue(maxQueued)}`);
  }
}

/**
 * Open a NETLINK_ROUTE socket in the same network namespace as `host.sock`: the
 * namespace is read from the socket itself (SIOCGSKNS), so it is right however the
 * handle was opened; where that is refused (it needs CAP_NET_ADMIN), the handle's netns
 * fd, the netns of the pid it was opened with (an ESRCH SysError when that process is
 * gone) or the caller's netns is used — a ClosedError when the fd was a Netns closed since.
 */
function openSibling(host: MonitorHost, groups: number[], receiveBufferSize: number | undefined): NetlinkSocket {
  const opts = { groups, describer: rtnlDescriber, ...(receiveBufferSize !== undefined ? { receiveBufferSize } : {}) };
  const open = (): NetlinkSocket => NetlinkSocket.open(NETLINK_ROUTE, opts);
  return openBeside(host.sock.fd, open, () => {
    // A handle opened by pid keeps no fd of its netns: enter it again, never the caller's.
    if (host.openedByPid !== undefined) return openSocketIn(NETLINK_ROUTE, { pid: host.openedByPid }, opts);
    if (host.netnsFd === undefined) return open();
    // The fd number was taken when the handle was opened; a Netns closed since may have
    // handed it to another file, even another netns. Its own getter knows (no syscall).
    if (host.netnsHolder !== undefined) readHandleFd(host.netnsHolder, 'the netns the Rtnl handle was opened with');
    return withThreadNetns(host.netnsFd, open);
  });
}

const EINVAL = 22;
const MEMBERSHIP = /^setsockopt\(NETLINK_ADD_MEMBERSHIP (\d+)\)$/;

/**
 * openSibling, its kernel's EINVAL for a membership (a group newer than the kernel:
 * netlink refuses a group past the family's count) said as such, with the group names
 * that asked for it: not a bare "Invalid argument".
 */
function openJoined(host: MonitorHost, names: readonly MonitorGroup[], groups: number[], receiveBufferSize: number | undefined): NetlinkSocket {
  try {
    return openSibling(host, groups, receiveBufferSize);
  } catch (e) {
    const m = e instanceof SysError && e.errno === EINVAL ? MEMBERSHIP.exec(e.syscall) : null;
    if (m === null) throw e;
    const n = Number(m[1]);
    const asked = [...new Set(names)].filter((g) => (MONITOR_GROUPS[g] as readonly number[]).includes(n)).map((g) => `'${g}'`).join(', ');
    throw new SysError((e as SysError).syscall, EINVAL, undefined, `rtnetlink multicast group ${n} (${asked}): this kernel has no such group (it predates it)`);
  }
}

/**
 * A running monitor: an async iterator of {@link MonitorEvent}s (with `listExisting`,
 * {@link MonitorSyncEvent}s). Get one from `rt.monitor(groups, options)`.
 *
 * It reads from the moment it is opened (events before the first `next()` are
 * queued, not lost) and, while it reads, keeps Node's event loop alive until it is
 * closed — by `close()`, `break`/`return` out of `for await`, the options' `signal`, the
 * handle's `close()`, or a read error. A monitor paused with a full queue (`maxQueued`
 * events nobody takes) stops its poll handle and so holds the loop no longer; the
 * consumer's next `next()` resumes it. Closing stops the poll handle first, then closes the
 * socket; queued events are discarded (after an error they are delivered first, then
 * the error is thrown once). After that `next()` reports done.
 *
 * One consumer is expected; concurrent `next()` calls are served in call order.
 *
 * The monitor's socket holds its network namespace, as the handle's does: a netns whose
 * name is removed (`ip netns del`) or whose last process exits lives on, devices and
 * all, while the monitor is open, and the monitor is not ended or told. Close it when
 * the netns is done with.
 */
export class Monitor<E = MonitorEvent> implements AsyncIterableIterator<E, undefined, undefined> {
  /** Counters; see {@link MonitorStats}. */
  readonly stats: MonitorStats = { events: 0, overruns: 0, discarded: 0, wakeups: 0, emptyWakeups: 0, pollErrors: 0, ignored: 0, undecoded: 0, pauses: 0, peakQueued: 0, listings: 0, listed: 0 };
  /** The queue bound (see the module doc). */
  readonly maxQueued: number;

  private sock: NetlinkSocket | null;
  private watcher: { close(): void } | null = null;
  private readonly queue: (Queued | MonitorOverrun | Listing)[] = [];
  private slab: Slab | null = null;
  private readonly freeSlabs: Slab[] = [];
  private head = 0;
  private readonly waiters: Waiter[] = [];
  private paused = false;
  /** After ENOBUFS: emptying the kernel's queue before yielding the overrun. */
  private flushing = false;
  private failure: { error: unknown } | null = null;
  private readonly signal: AbortSignal | undefined;
  private readonly onAbort: (() => void) | undefined;
  private readonly onClose: ((m: Monitor<MonitorSyncEvent>) => void) | undefined;
  /** With `listExisting`: the handle's request socket, which the listings' dumps go over. */
  private readonly lister: NetlinkSocket | null;
  /** With `listExisting`: the dumps a listing makes (those of the joined groups and watched kinds). */
  private readonly dumps: readonly DumpSpec[];
  /** rtm type → decoder entry: the shared table for the kinds this monitor watches (see tableFor). */
  private readonly table: readonly (DecoderEntry | undefined)[];
  /** The kinds this monitor yields: a message registered as another kind (one its groups share, as 'nexthop-bucket' shares 'nexthop''s) is skipped. */
  private readonly kinds: ReadonlySet<MonitorKind>;
  /** Consumers waiting for the listing at the head of the queue to be complete. */
  private readonly listWaiters: Waiter[] = [];
  /** Decodes a listing's dump part into an `existing` event. */
  private readonly onListed = (buf: Buffer, view: DataView, off: number, len: number): MonitorChange | undefined => this.decodeListed(buf, view, off, len);
  private readonly onMessage = (buf: Buffer, view: DataView, off: number, len: number): void => this.message(buf, view, off, len);
  private readonly onWake = (status: number): void => this.wake(status);
  /** A drain is scheduled as a microtask (see drain()). */
  private deferred = false;
  /**
   * Datagrams the current wake-up may still read: reset by each poll wake-up to
   * `maxQueued` + 1 (one handed to a waiting consumer, then up to a full queue) and spent
   * by every read until the next one (the microtask drains and the reads of resume()
   * included), so that reading yields to the event loop.
   */
  private budget: number;
  private readonly onDeferred = (): void => {
    this.deferred = false;
    if (this.sock !== null && !this.paused) this.drain();
  };

  /**
   * Not for users: `rt.monitor()` opens one. `listing`: the handle's socket and the
   * groups, with `listExisting`. `kinds`: what the groups are about (defaults to every
   * kind but 'fdb', the traffic-control kinds and the MDB's).
   */
  private constructor(sock: NetlinkSocket, options: MonitorOptions, onClose?: (m: Monitor<MonitorSyncEvent>) => void, listing?: { readonly sock: NetlinkSocket; readonly groups: readonly number[] }, kinds: ReadonlySet<MonitorKind> = DEFAULT_KINDS) {
    this.sock = sock;
    this.lister = listing?.sock ?? null;
    this.table = tableFor(kinds);
    this.kinds = kinds;
    this.dumps = listing ? DUMPS.filter((d) => listing.groups.includes(d.group) && kinds.has(d.kind)) : [];
    this.maxQueued = options.maxQueued ?? 1024;
    this.budget = this.maxQueued + 1;
    this.onClose = onClose;
    this.signal = options.signal;
    // Traffic control's and the MDB's decoders are loaded on first use (loadLate): until
    // they are, the monitor reads nothing — what the kernel sends meanwhile waits in the
    // socket's receive buffer (an overrun if it fills), and the consumer's next() waits —
    // so that every message is decoded as it is read, in order, as for any other group.
    if (lateModule === undefined && LATE_KINDS.some((k) => kinds.has(k))) {
      loadLate().then(() => {
        if (this.sock !== null && this.watcher === null && !this.paused) this.watcher = this.sock.watch(this.onWake);
      }, (e: unknown) => this.fail(e));
    } else this.watcher = sock.watch(this.onWake);
    if (this.signal) {
      this.onAbort = () => this.abort();
      this.signal.addEventListener('abort', this.onAbort, { once: true });
    }
    // The socket joined its groups when it was opened: every change from here on is
    // queued on it, so the dumps that start now miss nothing.
    if (this.lister !== null) this.enqueue(this.list(new Listing()));
  }

  /**
   * @internal Open a monitor on `host`'s network namespace: what `rt.monitor()` calls,
   * which is how users open one. Checks every argument before opening anything.
   *
   * Equivalent to: `ip monitor [link] [address] [route] [neigh] [rule] [nexthop]`, `bridge monitor fdb`, `bridge monitor mdb`, `tc monitor`.
   * @throws InvalidArgumentError for unknown group names or bad options, ClosedError
   *   for a closed handle, `signal.reason` for an aborted signal, SysError when the
   *   socket cannot be opened (EINVAL, naming the group, for a group the kernel is older
   *   than).
   */
  static open<const G extends readonly MonitorGroup[], O extends MonitorOptions = {}>(host: MonitorHost, groups: G, options: O = {} as O, onClose?: (m: Monitor<MonitorSyncEvent>) => void): Monitor<MonitorEventOf<O, MonitorKindOf<G[number]>>> {
    const numbers = monitorGroups(groups);
    checkOptions(options);
    if (host.sock.closed) throw new ClosedError('Rtnl handle');
    options.signal?.throwIfAborted();
    const sock = openJoined(host, groups, numbers, options.receiveBufferSize);
    try {
      return new Monitor<MonitorEventOf<O, MonitorKindOf<G[number]>>>(sock, options, onClose, options.listExisting === true ? { sock: host.sock, groups: numbers } : undefined, monitorKinds(groups));
    } catch (e) {
      sock.close();
      throw e;
    }
  }

  /** The netlink port id of the monitor's socket (what `ss -f netlink` lists), for diagnostics. */
  get portId(): number | undefined {
    return this.sock?.portId;
  }

  /** True once closed (by any of the ways listed on the class). */
  get closed(): boolean {
    return this.sock === null;
  }

  /** Events waiting for the consumer. */
  get queued(): number {
    return this.queue.length - this.head;
  }

  /** The next event; waits for the kernel when none is queued. */
  next(): Promise<IteratorResult<E, undefined>> {
    return this.pull() as unknown as Promise<IteratorResult<E, undefined>>;
  }

  private pull(): Promise<IteratorResult<MonitorSyncEvent, undefined>> {
    while (this.head < this.queue.length) {
      if (this.lister !== null) {
        const l = this.queue[this.head];
        if (l instanceof Listing) {
          if (!l.done) {
            // Closed by a read error while the dumps ran: the listing ends unfinished.
            if (this.sock === null) {
              this.shift();
              continue;
            }
            return new Promise((resolve, reject) => this.listWaiters.push({ resolve, reject }));
          }
          if (l.error !== null) {
            const { error } = l.error;
            this.queue.length = 0;
            this.head = 0;
            this.shutdown();
            return Promise.reject(error);
          }
          if (l.pos < l.items.length) return Promise.resolve({ done: false, value: l.items[l.pos++]! });
          this.shift();
          if (this.paused && this.queued <= this.maxQueued >>> 1) this.resume();
          return Promise.resolve({ done: false, value: SYNCED });
        }
      }
      const item = this.shift();
      if (this.paused && this.queued <= this.maxQueued >>> 1) this.resume();
      if (item === OVERRUN) return Promise.resolve({ done: false, value: OVERRUN });
      const q = item as Queued;
      let ev: MonitorChange | undefined;
      try {
        ev = this.decode(q.entry, q.slab.buf, q.slab.view, q.off, q.len);
        this.release(q.slab);
      } catch (e) {
        // A message the decoder refuses ends the monitor: this error, then done.
        this.queue.length = 0;
        this.head = 0;
        this.shutdown();
        return Promise.reject(e);
      }
      if (ev) return Promise.resolve({ done: false, value: ev });
    }
    if (this.failure) {
      const { error } = this.failure;
      this.failure = null;
      return Promise.reject(error);
    }
    if (this.sock === null) return Promise.resolve(DONE);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Stop (what `break` in `for await` calls): closes the monitor. */
  return(): Promise<IteratorResult<E, undefined>> {
    this.close();
    return Promise.resolve(DONE as IteratorResult<E, undefined>);
  }

  /** The monitor is its own iterator. */
  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Stop the poll handle, then close the socket (idempotent). Queued events are discarded. */
  close(): void {
    this.failure = null;
    // Also when an error closed the monitor already and kept the queue for delivery.
    this.queue.length = 0;
    this.head = 0;
    this.shutdown();
  }

  /** Closes the monitor. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Closes the monitor. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  private shift(): Queued | MonitorOverrun | Listing {
    const ev = this.queue[this.head]!;
    this.queue[this.head++] = OVERRUN; // a placeholder: drops the reference to the slab
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    return ev;
  }

  private enqueue(item: Queued | MonitorOverrun | Listing): void {
    this.queue.push(item);
    const n = this.queue.length - this.head;
    if (n > this.stats.peakQueued) this.stats.peakQueued = n;
  }

  private overrun(): void {
    const w = this.waiters.shift();
    if (w) {
      w.resolve({ done: false, value: OVERRUN });
      if (this.lister !== null) {
        this.enqueue(this.list(new Listing()));
        // Other pending next() calls now wait for that listing (they would otherwise
        // wait for a change, served after later calls and ahead of the listing).
        for (const x of this.waiters.splice(0)) this.listWaiters.push(x);
      }
      return;
    }
    if (this.head < this.queue.length) {
      const last = this.queue[this.queue.length - 1];
      // Consecutive overruns with nothing between them say the same thing: report once.
      if (last === OVERRUN) return;
      // A listing nothing of which was yielded yet, and the changes queued after it:
      // dumping again from here covers them and what was lost (the initial listing then
      // needs no overrun; a later one keeps the overrun before it). So a slow consumer
      // holds one unread listing however many overruns it falls behind by.
      if (this.lister !== null) {
        for (let i = this.head; i < this.queue.length; i++) {
          const l = this.queue[i];
          if (!(l instanceof Listing) || l.pos !== 0) continue;
          for (let j = i + 1; j < this.queue.length; j++) {
            const q = this.queue[j];
            if (q instanceof Queued) this.release(q.slab);
          }
          this.queue.length = i + 1;
          this.list(l);
          return;
        }
      }
    }
    this.enqueue(OVERRUN);
    if (this.lister !== null) this.enqueue(this.list(new Listing()));
  }

  /** Start (or start again) the dumps of a listing; returns it. */
  private list(l: Listing): Listing {
    this.stats.listings++;
    l.items.length = 0;
    l.pos = 0;
    l.done = false;
    l.error = null;
    void this.runListing(l, ++l.gen);
    return l;
  }

  private async runListing(l: Listing, gen: number): Promise<void> {
    try {
      listingHooks.afterJoin?.();
      for (const d of this.dumps) {
        if (this.sock === null || l.gen !== gen) return;
        const part = d.run ? await d.run(this.lister!, this.onListed, this.stats) : await this.lister!.dump(d.type, 0, d.build, this.onListed);
        if (this.sock === null || l.gen !== gen) return;
        for (const ev of part) l.items.push(ev);
        listingHooks.afterDump?.(d.type);
      }
    } catch (e) {
      // Closed meanwhile (the handle too, perhaps) or started again: not for anyone.
      if (this.sock === null || l.gen !== gen) return;
      l.error = { error: e };
    }
    l.done = true;
    // Consumers waiting for it get it now, in the order they called next().
    if (this.queue[this.head] === l) for (const w of this.listWaiters.splice(0)) this.pull().then(w.resolve, w.reject);
  }

  /** A dump part of a listing: an `existing` event, undefined when skipped (counted like a change's). */
  private decodeListed(buf: Buffer, view: DataView, off: number, len: number): MonitorChange | undefined {
    let entry = this.table[view.getUint16(off + 4, HOST_LE)];
    if (entry === undefined) {
      this.stats.ignored++;
      return undefined;
    }
    this.stats.listed++;
    if (entry.split !== undefined) {
      entry = pick(entry.split, buf, view, off, len);
      if (entry === undefined) {
        this.stats.undecoded++;
        return undefined;
      }
    }
    if (!this.kinds.has(entry.kind)) {
      this.stats.undecoded++;
      return undefined;
    }
    const object = this.objectOf(entry, buf, view, off, len);
    return object === undefined ? undefined : { type: entry.type, kind: entry.kind, object, existing: true } as MonitorChange;
  }

  /** Decode one message into an event; undefined when the decoder declines it. */
  private decode(entry: DecoderEntry, buf: Buffer, view: DataView, off: number, len: number): MonitorChange | undefined {
    const object = this.objectOf(entry, buf, view, off, len);
    return object === undefined ? undefined : { type: entry.type, kind: entry.kind, object } as MonitorChange;
  }

  /** The entry's decoder run on one message (a copy of its bytes without one); undefined, counted, when it declines. */
  private objectOf(entry: DecoderEntry, buf: Buffer, view: DataView, off: number, len: number): object | undefined {
    let object: object | undefined;
    if (entry.run) object = entry.run(buf, view, off, len);
    else {
      const raw = new Uint8Array(len);
      raw.set(buf.subarray(off, off + len));
      object = { raw };
    }
    if (object === undefined) this.stats.undecoded++;
    return object;
  }

  private message(buf: Buffer, view: DataView, off: number, len: number): void {
    let entry = this.table[view.getUint16(off + 4, HOST_LE)];
    if (entry === undefined) {
      this.stats.ignored++;
      return;
    }
    this.stats.events++;
    // A neighbour message on a monitor that watches 'fdb': its entry goes by its family.
    if (entry.split !== undefined) {
      entry = pick(entry.split, buf, view, off, len);
      if (entry === undefined) {
        this.stats.undecoded++;
        return;
      }
    }
    // A kind of a group this monitor joined for another (a bucket on a monitor of 'nexthop' alone).
    if (!this.kinds.has(entry.kind)) {
      this.stats.undecoded++;
      return;
    }
    // Waiters exist only while the queue is empty: decode now and hand it over.
    if (this.waiters.length > 0) {
      const ev = this.decode(entry, buf, view, off, len);
      if (ev) this.waiters.shift()!.resolve({ done: false, value: ev });
      return;
    }
    // Else keep a copy (the receive buffer is reused by the next read).
    let slab = this.slab;
    if (slab !== null && slab.refs === 0) slab.pos = 0;
    if (slab === null || slab.pos + len > slab.buf.length) {
      slab = len <= SLAB ? this.freeSlabs.pop() ?? new Slab(SLAB) : new Slab(len);
      this.slab = slab;
    }
    const at = slab.pos;
    slab.buf.set(buf.subarray(off, off + len), at);
    slab.pos = at + ((len + 3) & ~3);
    slab.refs++;
    this.enqueue(new Queued(entry, slab, at, len));
  }

  /** A queued message was taken: its slab is free for reuse once all of its messages are. */
  private release(slab: Slab): void {
    if (--slab.refs > 0 || slab === this.slab) return;
    slab.pos = 0;
    if (slab.buf.length === SLAB && this.freeSlabs.length < FREE_SLABS) this.freeSlabs.push(slab);
  }

  private wake(status: number): void {
    this.stats.wakeups++;
    if (status < 0) this.stats.pollErrors++;
    if (this.sock === null || this.paused) return;
    this.budget = this.maxQueued + 1;
    // A wake-up that read an overrun or discarded what predates one found something.
    const { overruns, discarded } = this.stats;
    if (this.drain() === 0 && this.stats.overruns === overruns && this.stats.discarded === discarded) this.stats.emptyWakeups++;
  }

  /**
   * Read until EAGAIN, the queue bound or the wake-up's budget; after ENOBUFS empty the
   * kernel's queue, then report the overrun (a bounded amount of work per call: the poll
   * handle is level-triggered and wakes again). Pause at the bound. Returns the number
   * of messages the last read handed over (0: nothing was there, or nothing was read).
   */
  private drain(): number {
    const sock = this.sock!;
    let r = 0;
    try {
      for (let i = 0; i < MAX_READS_PER_WAKE; i++) {
        if (this.flushing) {
          const before = sock.stats.datagrams;
          const f = sock.readAvailable(discard, FLUSH_BATCH);
          const n = sock.stats.datagrams - before;
          this.stats.discarded += n;
          if (f === -ENOBUFS) {
            this.stats.overruns++;
            continue;
          }
          if (n >= FLUSH_BATCH) return 1; // more to discard: the next wake-up goes on
          this.flushing = false;
          this.overrun();
          continue;
        }
        // This wake-up read its share: the rest waits for the next one, after the event
        // loop's other callbacks (a consumer that pulls without awaiting anything else
        // would otherwise keep this chain of microtasks reading for as long as the
        // kernel has events).
        if (this.budget <= 0) break;
        if (this.waiters.length > 0 && !this.deferred) {
          // A consumer is waiting: hand it the first datagram, and read the rest in a
          // microtask, which runs after the consumer's continuation but still before
          // this wake-up returns to the event loop — the wake-up still reads until
          // EAGAIN (or its budget), without a recv between the kernel and the consumer.
          const before = sock.stats.datagrams;
          r = sock.readAvailable(this.onMessage, 1);
          this.budget -= sock.stats.datagrams - before;
          if (r === -ENOBUFS) {
            this.stats.overruns++;
            this.flushing = true;
            continue;
          }
          if (sock.stats.datagrams !== before) {
            this.deferred = true;
            queueMicrotask(this.onDeferred);
          }
          break;
        }
        // Room for this many more events: one datagram is one event in rtnetlink.
        const room = Math.min(this.maxQueued - (this.queue.length - this.head) + this.waiters.length, this.budget);
        if (room <= 0) break;
        const before = sock.stats.datagrams;
        r = sock.readAvailable(this.onMessage, room);
        this.budget -= sock.stats.datagrams - before;
        if (r !== -ENOBUFS) break;
        this.stats.overruns++;
        this.flushing = true;
      }
    } catch (e) {
      this.fail(e);
      return 0;
    }
    if (!this.paused && this.queue.length - this.head >= this.maxQueued) this.pause();
    return r;
  }

  private pause(): void {
    this.paused = true;
    this.stats.pauses++;
    if (this.watcher) {
      this.watcher.close();
      this.watcher = null;
    }
  }

  private resume(): void {
    this.paused = false;
    this.drain();
    if (!this.paused && this.sock !== null && this.watcher === null) this.watcher = this.sock.watch(this.onWake);
  }

  private abort(): void {
    if (this.sock === null) return;
    const reason: unknown = this.signal!.reason;
    this.queue.length = 0;
    this.head = 0;
    this.failure = { error: reason };
    this.shutdown();
  }

  private fail(error: unknown): void {
    if (this.sock === null) return;
    this.failure = { error };
    this.shutdown();
  }

  /** Stop the poll handle, then close the fd; settle waiting consumers. */
  private shutdown(): void {
    const sock = this.sock;
    if (sock === null) return;
    this.sock = null;
    if (this.signal && this.onAbort) this.signal.removeEventListener('abort', this.onAbort);
    if (this.watcher) {
      this.watcher.close(); // stops the libuv poll handle (the socket's last watcher)
      this.watcher = null;
    }
    sock.close();
    this.paused = false;
    this.slab = null;
    this.freeSlabs.length = 0;
    if (this.failure === null) {
      this.queue.length = 0;
      this.head = 0;
    }
    // A listing's waiters: the queue is cleared (close, abort) or its dumps are dropped.
    for (const w of this.listWaiters.splice(0)) {
      if (this.failure) {
        const { error } = this.failure;
        this.failure = null;
        w.reject(error);
      } else w.resolve(DONE);
    }
    // Waiters exist only when the queue is empty: the first gets the error, if any.
    for (const w of this.waiters.splice(0)) {
      if (this.failure) {
        const { error } = this.failure;
        this.failure = null;
        w.reject(error);
      } else w.resolve(DONE);
    }
    this.onClose?.(this as Monitor<unknown> as Monitor<MonitorSyncEvent>);
  }
}
