/**
 * The Rtnl handle: one NETLINK_ROUTE socket, bound for its whole life to one network
 * namespace, and the object APIs on it (`link`, `addr`, `route`, `neigh`, `rule`).
 * @module
 */
import { checkOptionKeys, netnsContext, InvalidArgumentError, ClosedError, showValue, type NetlinkSocket, type NetlinkWarning } from '../netlink/index.js';
import { openRouteSocket } from './route-socket.js';
import { LinkApi } from './link/api.js';
import { AddrApi } from './addr/api.js';
import { RouteApi } from './route/api.js';
import { NeighApi } from './neigh/api.js';
import { RuleApi } from './rule/api.js';
import { FdbApi } from './fdb/api.js';
import { VlanApi } from './vlan/api.js';
import type { MdbApi } from './mdb/api.js';
import { NetconfApi } from './netconf/api.js';
import type { FilterApi } from './tc/filter/api.js';
import type { QdiscApi } from './tc/qdisc/api.js';
import type { ClassApi } from './tc/class/api.js';
import type { NexthopApi } from './nexthop/api.js';
import { lazyApi } from './lazy-api.js';
import { netnsText, resolveNetns, type NetnsTarget } from './netns-target.js';
import { Monitor, type MonitorEventOf, type MonitorKindOf, type MonitorGroup, type MonitorOptions, type MonitorSyncEvent } from './monitor.js';

/** Options for {@link Rtnl.open}. */
export interface RtnlOptions {
  /**
   * Network namespace the handle works in (a Netns, an fd, or `{ pid }`). Defaults to
   * the netns of the enclosing `execNetns` call, else the calling thread's.
   */
  readonly netns?: NetnsTarget | undefined;
  /** Socket receive buffer in bytes (SO_RCVBUFFORCE). Defaults to the kernel's default. */
  readonly receiveBufferSize?: number | undefined;
  /** NETLINK_GET_STRICT_CHK, which kernel-side dump filters need. Defaults to true. */
  readonly strictCheck?: boolean | undefined;
  /**
   * What to do with a kernel warning on an accepted request (a {@link NetlinkWarning},
   * such as HTB's `quantum of class 10001 is big`): a function called with each, or
   * `null` to drop them. Defaults to `process.emitWarning`, which prints it on stderr as
   * `ip`/`tc` print `Warning: …`. Sockets the handle opens in other namespaces (a link
   * created elsewhere) use it too.
   */
  readonly onWarning?: ((warning: NetlinkWarning) => void) | null | undefined;
}

/** The handle's APIs whose code is loaded on first use (see lazy-api.ts). */
interface LateApis {
  filter: FilterApi;
  qdisc: QdiscApi;
  class: ClassApi;
  nexthop: NexthopApi;
  mdb: MdbApi;
}

const RTNL_OPTION_KEYS: ReadonlySet<string> = new Set(['netns', 'receiveBufferSize', 'strictCheck', 'onWarning']);

/**
 * An rtnetlink handle. Opening is synchronous; every request of the handle goes over
 * its one socket (a socket per call costs `ip` and Go's package functions 6–9 ms per
 * delete here). Close it with `close()` or `using rt = Rtnl.open()`.
 *
 * @example
 * const rt = Rtnl.open({ netns: ns });
 * await rt.link.add({ name: 'v0', kind: 'veth', peer: { name: 'v1', netns: host } });
 */
export class Rtnl {
  /** The handle's socket. */
  readonly sock: NetlinkSocket;
  /** Link operations (`ip link`). */
  readonly link: LinkApi;
  /** Address operations (`ip addr`). */
  readonly addr: AddrApi;
  /** Route operations (`ip route`). */
  readonly route: RouteApi;
  /** Neighbour (ARP/NDP) operations (`ip neigh`). */
  readonly neigh: NeighApi;
  /** Policy routing rule operations (`ip rule`). */
  readonly rule: RuleApi;
  /** Bridge forwarding database operations (`bridge fdb`). */
  readonly fdb: FdbApi;
  /** Bridge VLAN filtering operations (`bridge vlan`). */
  readonly vlan: VlanApi;
  /** Per-netns IP configuration reads (`ip netconf`). */
  readonly netconf: NetconfApi;
  /**
   * What the handle was opened in: the netns fd given (not owned), or the enclosing
   * execNetns target's, or undefined for the caller's. The number as it was at open: the
   * handle's socket stays in that netns whatever happens to the fd later.
   */
  readonly netnsFd: number | undefined;
  /** @internal The object `netnsFd` was read from (a Netns, `{ fd }`, the execNetns target), for the monitor to see that it was closed since. */
  readonly netnsHolder: object | undefined;
  /** @internal The pid the handle was opened with (`{ pid }`, whose netns fd it does not keep), for the monitor to enter that netns again. */
  readonly openedByPid: number | undefined;
  /** @internal Dump requests are strictly checked (the `strictCheck` option, true by default): the kernel applied a dump's filters. */
  readonly strictCheck: boolean;
  /** Monitors opened from this handle and still open (closed with it); made on the first monitor(), as most handles have none. */
  private monitors: Set<Monitor<MonitorSyncEvent>> | undefined;
  /** `options.netns` as given and resolved (for messages), or undefined. */
  private readonly netnsGiven: { given: unknown; resolved: { fd: number } | { pid: number } } | undefined;
  /** The APIs loaded on first use, once loaded; their stand-ins until then; the load. */
  private late: LateApis | undefined;
  private lateStandIns: LateApis | undefined;
  private lateLoading: Promise<LateApis> | undefined;

  private constructor(sock: NetlinkSocket, netnsFd: number | undefined, netnsHolder: object | undefined, netnsGiven: { given: unknown; resolved: { fd: number } | { pid: number } } | undefined, strictCheck: boolean) {
    this.sock = sock;
    this.strictCheck = strictCheck;
    this.netnsGiven = netnsGiven;
    sock.owner = 'Rtnl handle'; // errors on a closed handle say so, whichever layer notices
    this.netnsFd = netnsFd;
    this.netnsHolder = netnsHolder;
    this.openedByPid = netnsGiven !== undefined && 'pid' in netnsGiven.resolved ? netnsGiven.resolved.pid : undefined;
    // The handle is the RtnlCore of its APIs (checked here, not by an `implements`
    // clause, which would name the handle's @internal members in the published types).
    this.link = LinkApi.of(this);
    this.addr = AddrApi.of(this);
    this.route = RouteApi.of(this);
    this.neigh = NeighApi.of(this);
    this.rule = RuleApi.of(this);
    this.fdb = FdbApi.of(this, this.link);
    this.vlan = VlanApi.of(this, this.link);
    this.netconf = NetconfApi.of(this);
  }

  /** Traffic-control filter operations (`tc filter`). */
  get filter(): FilterApi {
    return (this.late ?? this.standIns()).filter;
  }

  /** Queueing discipline operations (`tc qdisc`). */
  get qdisc(): QdiscApi {
    return (this.late ?? this.standIns()).qdisc;
  }

  /** Traffic class operations (`tc class`). */
  get class(): ClassApi {
    return (this.late ?? this.standIns()).class;
  }

  /** Nexthop object operations (`ip nexthop`). */
  get nexthop(): NexthopApi {
    return (this.late ?? this.standIns()).nexthop;
  }

  /** Bridge multicast database operations (`bridge mdb`). */
  get mdb(): MdbApi {
    return (this.late ?? this.standIns()).mdb;
  }

  /**
   * The stand-ins of the APIs loaded on first use: each call loads their modules (once
   * per process), makes the handle's real APIs and calls the method there; once loaded,
   * the getters give the real objects.
   */
  private standIns(): LateApis {
    return (this.lateStandIns ??= {
      filter: lazyApi(() => this.loadLate().then((a) => a.filter), 'rt.filter'),
      qdisc: lazyApi(() => this.loadLate().then((a) => a.qdisc), 'rt.qdisc'),
      class: lazyApi(() => this.loadLate().then((a) => a.class), 'rt.class'),
      nexthop: lazyApi(() => this.loadLate().then((a) => a.nexthop), 'rt.nexthop'),
      mdb: lazyApi(() => this.loadLate().then((a) => a.mdb), 'rt.mdb'),
    });
  }

  private loadLate(): Promise<LateApis> {
    return (this.lateLoading ??= import('./lazy-apis.js').then((m) => {
      const qdisc = m.QdiscApi.of(this);
      return (this.late = { filter: m.FilterApi.of(this), qdisc, class: m.ClassApi.of(this, qdisc), nexthop: m.NexthopApi.of(this), mdb: m.MdbApi.of(this, this.link) });
    }));
  }

  /**
   * Open a handle. Synchronous: the socket is created with the thread switched into
   * the target netns and switched straight back, so the handle acts there for its life.
   * Unknown option keys are refused (a typo would otherwise open it in the caller's netns).
   *
   * Equivalent to: `ip -n NAME …` / `ip netns exec NAME ip …` (every call of the handle
   * acts in that netns).
   * @throws InvalidArgumentError for a bad `netns`, ClosedError for a closed Netns,
   *   SysError when the namespace cannot be entered.
   */
  static open(options: RtnlOptions = {}): Rtnl {
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', `expected an object, got ${showValue(options)}`);
    // A typo ({ netsn: ns }) must not open the handle in the caller's netns instead.
    checkOptionKeys(options, RTNL_OPTION_KEYS, '');
    if (options.strictCheck !== undefined && typeof options.strictCheck !== 'boolean') throw new InvalidArgumentError('strictCheck', `expected true or false, got ${showValue(options.strictCheck)}`);
    const target = options.netns !== undefined ? resolveNetns(options.netns) : undefined;
    const strictCheck = options.strictCheck ?? true;
    const sock = openRouteSocket(target, {
      strictCheck,
      ...(options.receiveBufferSize !== undefined ? { receiveBufferSize: options.receiveBufferSize } : {}),
      ...(options.onWarning !== undefined ? { onWarning: options.onWarning } : {}),
    });
    // A pid's netns was opened and closed again: the handle holds no fd of it. The object
    // the fd came from is kept (no syscall) for the monitor's fallback to re-check.
    if (target === undefined) {
      const ctx = netnsContext.getStore();
      return new Rtnl(sock, ctx?.fd, ctx, undefined, strictCheck);
    }
    const given = options.netns;
    return new Rtnl(sock, 'fd' in target ? target.fd : undefined, 'fd' in target && typeof given === 'object' && given !== null ? given : undefined, { given, resolved: target }, strictCheck);
  }

  /** True once closed. */
  get closed(): boolean {
    return this.sock.closed;
  }

  /** @internal Resolve a link name to its ifindex (ENODEV NetlinkError naming it and where it looked: see LinkApi.index). */
  linkIndex(ref: string | number, arg = 'link'): Promise<number> {
    if (this.sock.closed) return Promise.reject(new ClosedError('Rtnl handle'));
    return this.link.index(ref, arg);
  }

  /**
   * @internal The netns the handle acts in, as messages name it: the `netns` it was
   * opened with ('netns blue', a path, an fd or pid), the execNetns target's fd, or the
   * caller's own.
   */
  where(): string {
    if (this.netnsGiven) return netnsText(this.netnsGiven.given, this.netnsGiven.resolved);
    return this.netnsFd !== undefined ? `netns fd ${this.netnsFd}` : "the caller's netns";
  }

  /** @internal A link's ifindex and hardware address length (see LinkApi.hwAddrLen). */
  linkHwAddrLen(ref: string | number, arg: string): Promise<{ index: number; addrLen: number | undefined }> {
    if (this.sock.closed) return Promise.reject(new ClosedError('Rtnl handle'));
    return this.link.hwAddrLen(ref, arg);
  }

  /**
   * Watch the kernel's changes to links, addresses, routes, neighbours, rules, bridge
   * forwarding entries, nexthop objects, traffic control, IP configuration (netconf)
   * and peer netns ids in the handle's netns, as an
   * async iterator of
   * `{ type: 'new' | 'del', kind, object }`
   * (objects decoded like the list methods return them) and `{ type: 'overrun' }` when
   * the kernel dropped events (resync with a dump). Opens its own socket in the same
   * netns as the handle — read from the handle's socket (SIOCGSKNS); where that is
   * refused (it needs CAP_NET_ADMIN there), by entering the netns the handle was opened
   * with, which must then still be open (ClosedError naming it when that Netns was
   * closed since; a raw fd number cannot be checked; a `{ pid }`'s /proc/PID/ns/net is
   * opened again, ESRCH once that process is gone). Waits on a libuv poll handle (no
   * threads).
   *
   * With `listExisting: true`, the monitor first yields what exists — every object of
   * the kinds its groups cover, as `{ type: 'new', existing: true, kind, object }` — then
   * `{ type: 'synced' }`, then the changes, with no gap: the groups are joined before the
   * dumps (on this handle's socket) are sent, so a change made meanwhile is not lost but
   * may come twice. Treat events as idempotent upserts; after an overrun the monitor
   * lists again, up to another `synced` (see MonitorSynced).
   *
   * Forwarding entries (`'fdb'`: a bridge's, a vxlan's remotes, a device's own) come on
   * the neighbour group as AF_BRIDGE neighbours: a monitor of `'neigh'` skips them (ARP
   * and NDP entries only, as always), one of `'fdb'` yields them as `kind: 'fdb'` with
   * the FdbEntry `rt.fdb.list()` returns (and skips ARP/NDP entries), one of both yields
   * each as its kind.
   *
   * The event type follows the groups given as literals: `rt.monitor(['ipv4-addr'])`
   * yields address changes only, so `ev.object` is an Addr once `ev.type` is not
   * 'overrun' (groups of type `MonitorGroup[]` give every kind).
   *
   * Equivalent to: ip monitor link address route neigh rule
   * (`rt.monitor(['link', 'addr', 'route', 'neigh', 'rule'])`); bridge monitor fdb
   * (`rt.monitor(['fdb'])`); ip monitor netconf (`rt.monitor(['netconf'])`: IPv4 and
   * IPv6; 'ipv4-netconf', 'ipv6-netconf' one family), each a Netconf as
   * `rt.netconf.get()` returns it, but a sysctl's change carries only the field that
   * changed (see MonitorObjects).
   * Nexthop objects (`'nexthop'`): ip monitor nexthop (`rt.monitor(['nexthop'])`), each
   * a NexthopObject as `rt.nexthop.list()` returns it; with `'nexthop-bucket'` too
   * (`rt.monitor(['nexthop', 'nexthop-bucket'])`, all that `ip monitor nexthop` prints),
   * also a resilient group's buckets that the kernel's upkeep moved, as kind
   * 'nexthop-bucket', each a NexthopBucket as `rt.nexthop.buckets()` returns it.
   * Traffic control (`'tc'`): tc monitor (`rt.monitor(['tc'])`), as kinds 'qdisc',
   * 'class' and 'filter', each object as `rt.qdisc.list()`, `rt.class.list()` and
   * `rt.filter.list()` return it. Its decoders are loaded when the first such monitor
   * opens (as `rt.qdisc` loads its code on first use): that monitor starts reading once
   * they are, the kernel holding what it sends meanwhile.
   * Bridge multicast database (`'mdb'`): bridge monitor mdb (`rt.monitor(['mdb'])`), as
   * kinds 'mdb' (an entry, the MdbEntry `rt.mdb.list()` returns) and 'mdb-router' (a
   * multicast router port: its bridge and port); its decoder is loaded as tc's is.
   * Netns ids (`'nsid'`): ip monitor nsid (`rt.monitor(['nsid'])`), each an Nsid: the id
   * this netns gave a peer netns ('new') or that went with the destroyed peer ('del').
   *
   * @example
   * for await (const ev of rt.monitor(['link', 'ipv4-addr'], { signal })) {
   *   if (ev.type === 'overrun') await resync();
   *   else if (ev.kind === 'link') console.log(ev.type, ev.object.name);
   * }
   * @example
   * for await (const ev of rt.monitor(['fdb'], { signal })) {
   *   if (ev.type !== 'overrun' && ev.kind === 'fdb') console.log(ev.type, ev.object.mac, ev.object.link, ev.object.dst);
   * }
   * @example
   * for await (const ev of rt.monitor(['tc'], { signal })) {
   *   if (ev.type === 'overrun') continue;                  // resync with rt.qdisc.list(), …
   *   if (ev.kind === 'qdisc') console.log(ev.type, ev.object.kind, ev.object.handle, ev.object.index);
   *   else if (ev.kind === 'filter') console.log(ev.type, ev.object.kind, ev.object.parent, ev.object.priority, ev.object.handle);
   * }
   * @example
   * const state = new Map<number, Link>();
   * const seen = new Set<number>();                                     // told of since the last overrun
   * for await (const ev of rt.monitor(['link'], { listExisting: true, signal })) {
   *   if (ev.type === 'overrun') seen.clear();                          // a new listing follows
   *   else if (ev.type === 'synced') {                                  // drop what the listing did not show
   *     for (const index of state.keys()) if (!seen.has(index)) state.delete(index);
   *     console.log('have', state.size, 'links');
   *   } else if (ev.kind === 'link') {
   *     if (ev.type === 'new') state.set(ev.object.index, ev.object);   // existing or changed
   *     else state.delete(ev.object.index);
   *     seen.add(ev.object.index);
   *   }
   * }
   * @param groups 'link', 'ipv4-addr', 'ipv6-addr', 'addr' (both), 'ipv4-route',
   *   'ipv6-route', 'route' (both), 'neigh', 'rule' (IPv4 and IPv6), 'fdb',
   *   'nexthop', 'nexthop-bucket', 'tc' (qdiscs, classes and filters), 'ipv4-netconf',
   *   'ipv6-netconf', 'netconf' (both), 'mdb' (entries and router ports), 'nsid'.
   * @throws InvalidArgumentError for an unknown group or bad option (nothing opened),
   *   ClosedError for a closed handle (or its netns, see above), `signal.reason` for an
   *   aborted signal, SysError when the socket cannot be opened (EINVAL naming the group
   *   for one the kernel is older than).
   */
  monitor<const G extends readonly MonitorGroup[], O extends MonitorOptions = {}>(groups: G, options: O = {} as O): Monitor<MonitorEventOf<O, MonitorKindOf<G[number]>>> {
    const m = Monitor.open(this, groups, options, (x) => this.monitors?.delete(x));
    (this.monitors ??= new Set()).add(m as Monitor<unknown> as Monitor<MonitorSyncEvent>);
    return m;
  }

  /** Close the socket and the handle's open monitors (idempotent). */
  close(): void {
    if (this.monitors) for (const m of [...this.monitors]) m.close();
    this.sock.close();
  }

  /** Closes the handle. */
  [Symbol.dispose](): void {
    this.close();
  }
}
