// A program as a project that depends on nlkit writes it: compiled by
// test/docs-examples.test.ts against the package's published types ('nlkit' through
// package.json's exports) under strict, strict + exactOptionalPropertyTypes and strict +
// noUncheckedIndexedAccess; never run (tsconfig.json excludes test/types from the build).
//
// It uses the main API surface the way applications do: settings that may be missing are
// passed straight through to nlkit's options (`mtu: conf.mtu` with `conf.mtu?: number`),
// which compiles under exactOptionalPropertyTypes only where the option's type says
// `| undefined`; decoded fields are copied into the program's own types. Extend it when
// the public API grows; keep it compiling under every setting.
import net from 'node:net';
import {
  Rtnl, Netns, execNetns, setupVeth, teardownVeth, MacAddr, isLinkKind, NetlinkError, InvalidArgumentError, formatResult, runPlugin, ipamAdd,
  configureIface, ConfigureIfaceError, type ConfigureIfaceOptions,
  type Link, type ForEachCallback, type LinkSpec, type LinkChange, type XdpChange, type AddrGenMode, type Addr, type RouteSpec, type Route, type Neigh, type NeighSpec, type FdbEntry, type Rule, type RuleSpec,
  type MonitorEvent, type MonitorGroup, type MonitorSyncEvent, type CniInterface, type CniResult, type NetnsTarget, type SetupVethOptions, type Veth, type VxlanOptions, type TunSpec,
  type NexthopObject, type NexthopObjectSpec, type NexthopGroupMember, type NexthopFilter, type NexthopBucket, type NexthopBucketFilter,
  type Qdisc, type TcClass, type Filter, type MonitorChangeOf, type MonitorKindOf, type MdbEntry, type MdbRouterPort,
  type Nsid, getNsid, decodeNsid,
  Genl, Ethtool, decodeAttributes, type GenlFamily, type GenlMessage, type GenlEvent, type EthtoolChannels, type EthtoolFeature, type FilterSpec,
  Conntrack, type ConntrackEntry, type ConntrackFilter, type ConntrackSpec,
  SockDiag, type InetSocket, type NetlinkSocketInfo, type PacketSocket, type InetProtocol, type SocketState, type TcpInfo, type UnixSocket, type InetListOptions,
  Xfrm, type XfrmPolicySpec, type XfrmPolicyDefaults, type XfrmMigrateSpec, type XfrmAcquire, type XfrmState, type XfrmEvent,
  IpSet, type IpSetInfo, type IpSetEntry,
} from 'nlkit';

/** The application's own settings, parsed from a file: anything may be missing. */
interface Settings {
  readonly bridge?: string;
  readonly mtu?: number;
  readonly mac?: string;
  readonly group?: number;
  readonly alias?: string;
  readonly stp?: boolean;
  readonly vni?: number;
  readonly underlay?: string;
  readonly address?: string;
  readonly gateway?: string;
  readonly table?: number;
  readonly metric?: number;
  readonly fwmark?: number;
  readonly hostVeth?: string;
  readonly queues?: number;
  readonly receiveBufferSize?: number;
  readonly maxQueued?: number;
  readonly timeout?: number;
  readonly dadTimeout?: number;
  readonly vmmUid?: number;
  readonly nhId?: number;
  readonly nhProtocol?: string;
  readonly nhWeight?: number;
  readonly onlink?: boolean;
  readonly buckets?: number;
  readonly idleTimer?: number;
  readonly groupsOnly?: boolean;
  readonly stats?: boolean;
  readonly rxChannels?: number;
  readonly checksumOffload?: boolean;
  readonly pinnedProgram?: string;
  readonly programFd?: number;
  readonly xdpMode?: 'generic' | 'driver' | 'offload';
  readonly xdpForce?: boolean;
  readonly addrGenMode?: AddrGenMode;
  readonly altnames?: readonly string[];
  readonly protocol?: InetProtocol;
  readonly port?: number;
  readonly peerPrefix?: string;
  readonly protocolNumber?: number;
  readonly states?: readonly SocketState[];
}

/** What the application keeps of a link. */
type LinkSummary = Pick<Link, 'index' | 'name' | 'kind' | 'mtu' | 'address' | 'master' | 'operstate' | 'alias'>;

function summarize(l: Link): LinkSummary {
  return { index: l.index, name: l.name, kind: l.kind, mtu: l.mtu, address: l.address, master: l.master, operstate: l.operstate, alias: l.alias };
}

/** A route as the application logs it. */
function describeRoute(r: Route): string {
  return `${r.dst}${r.gateway !== undefined ? ` via ${r.gateway}` : ''}${r.dev !== undefined ? ` dev ${r.dev}` : ''} table ${String(r.table)}`;
}

async function build(s: Settings, netnsPath: string | undefined, signal: AbortSignal): Promise<CniResult> {
  const host = Netns.get();
  const ctr = netnsPath !== undefined ? Netns.fromPath(netnsPath) : Netns.new();
  const where: NetnsTarget | undefined = netnsPath !== undefined ? ctr : undefined;
  using rt = Rtnl.open({ netns: where, receiveBufferSize: s.receiveBufferSize });
  const bridge = s.bridge ?? 'br0';

  // A bridge, a veth pair with one end on it, a vxlan over an underlay when configured.
  await rt.link.add({ name: bridge, kind: 'bridge', mtu: s.mtu, group: s.group, alias: s.alias, data: { stpState: s.stp === undefined ? undefined : s.stp ? 1 : 0 } });
  const veth: LinkSpec = { name: 'v0', kind: 'veth', mtu: s.mtu, address: s.mac, up: true, peer: { name: 'v1', mtu: s.mtu, netns: host } };
  await rt.link.add(veth);
  if (s.vni !== undefined) {
    const data: VxlanOptions = { id: s.vni, port: 4789, local: s.address?.split('/')[0] };
    await rt.link.add({ name: 'vx0', kind: 'vxlan', link: s.underlay, data });
  }
  // A VM's tap on the bridge, owned by the VMM's user (ip tuntap add … user U vnet_hdr).
  const tap: TunSpec = { name: 'tap0', kind: 'tap', mtu: s.mtu, address: s.mac, master: bridge, up: true, netns: where, data: { owner: s.vmmUid, vnetHdr: true, multiQueue: s.queues === undefined ? undefined : s.queues > 1 } };
  await rt.link.add(tap);
  const change: LinkChange = { master: bridge, mtu: s.mtu, group: s.group, alias: s.alias, bridgePort: { learning: s.stp, cost: s.metric } };
  await rt.link.set('v0', change);
  // XDP on the veth by pin or fd, the settings' mode and force passed straight through; no link-local address.
  const xdp: XdpChange = s.pinnedProgram !== undefined
    ? { pinned: s.pinnedProgram, mode: s.xdpMode, force: s.xdpForce }
    : { fd: s.programFd ?? null, mode: s.xdpMode };
  const linked: Link = await rt.link.set('v0', { xdp, addrGenMode: s.addrGenMode, up: true }, { echo: true });
  console.log(linked.xdp?.attached, linked.afSpec?.inet6AddrGenMode);
  await rt.link.set('v0', { xdp: null });
  if (s.altnames !== undefined) {
    await rt.link.addAltnames('v0', s.altnames);
    await rt.link.delAltnames('v0', s.altnames[0] ?? 'v0-alt');
  }
  const created = await rt.link.add({ name: 'br1', kind: 'bridge', up: s.stp }, { echo: true });
  // Without echo the promise holds nothing, and its type says so: no `if (made)` branch that never runs.
  const none: undefined = await rt.link.add({ name: 'br2', kind: 'bridge' });
  const noneSet: undefined = await rt.link.set('br2', { mtu: s.mtu }, { echo: false });
  const perhaps: Link | undefined = await rt.link.set('br2', { mtu: s.mtu }, { echo: s.stp });
  console.log(none, noneSet, perhaps?.mtu);
  console.log(summarize(created));
  const br = await rt.link.get(bridge);
  if (isLinkKind(br, 'bridge')) console.log(br.linkinfo.data?.stpState, br.linkinfo.data?.forwardDelay);
  // A list or walk filtered by a kind nlkit knows gives links of that kind: linkinfo and its typed data, no isLinkKind needed.
  const vni: number | undefined = (await rt.link.list({ kind: 'vxlan' }))[0]?.linkinfo.data?.id;
  await rt.link.forEach({ kind: 'bridge', master: undefined }, (b) => console.log(vni, b.linkinfo.data?.stpState));
  const ports: LinkSummary[] = (await rt.link.list({ master: br.index, kind: undefined, group: s.group })).map(summarize);
  const firstPort: LinkSummary | undefined = ports[0];
  console.log(firstPort?.name, ports.length);

  // Addresses, routes, neighbours, rules.
  await rt.addr.add('v0', s.address ?? '10.1.0.2/24', { metric: s.metric, label: s.alias === undefined ? undefined : 'v0:1' });
  await rt.addr.addMany('v0', ['10.1.0.3/24', { address: '2001:db8::2/64', nodad: true, validLifetime: s.metric }]);
  const addrs: Addr[] = await rt.addr.list({ link: 'v0', family: 4 });
  const ips: string[] = addrs.map((a) => `${a.address}/${a.prefixLen}`);
  const route: RouteSpec = { dst: 'default', gateway: s.gateway, dev: 'v0', table: s.table, metric: s.metric, mtu: s.mtu };
  await rt.route.add(route);
  const routes: Route[] = await rt.route.list({ table: s.table ?? 'main', dev: 'v0' });
  routes.map(describeRoute).forEach((line) => console.log(line));
  // A big table walked without collecting it: stop at the first default route.
  let firstDefault: Route | undefined;
  const walked: number = await rt.route.forEach({ table: 'all', family: undefined }, (r) => {
    if (r.dst !== 'default') return;
    firstDefault = r;
    return false;
  });
  const everyLink: ForEachCallback<Link> = (l) => void console.log(l.name, l.kind ?? 'device');
  // Callbacks that return what they call (as with Array.prototype.forEach) walk everything.
  const kept: Route[] = [];
  const seenLinks = new Set<number>();
  await rt.route.forEach({ table: s.table }, (r) => kept.push(r));
  await rt.addr.forEach((a) => seenLinks.add(a.index));
  // @ts-expect-error an async callback is not awaited by the walk (it is refused at run time too)
  await rt.link.forEach(async (l) => { await rt.link.get(l.index); });
  console.log(walked, firstDefault?.gateway, await rt.link.forEach(everyLink), await rt.addr.forEach((a) => a.family === 4), await rt.neigh.forEach(undefined, () => true));
  const lookup = await rt.route.get('10.2.0.9', { oif: 'v0', mark: s.fwmark });
  console.log(describeRoute(lookup));
  const neighbour: NeighSpec = { dst: s.gateway ?? '10.1.0.1', dev: 'v0', lladdr: MacAddr.random(), state: 'permanent' };
  await rt.neigh.add(neighbour);
  const neighs: Neigh[] = await rt.neigh.list({ dev: 'v0', family: undefined });
  console.log(neighs.map((n) => `${n.dst} ${n.lladdr ?? ''}`));
  const rule: RuleSpec = { priority: 100, table: s.table ?? 100, from: s.address, fwmark: s.fwmark };
  await rt.rule.add(rule);
  const rules: Rule[] = await rt.rule.list({ table: s.table, priority: 100 });
  console.log(rules.length);
  // Teardown: flushes take list's filters (possibly-undefined values included) and count.
  const flushed: number = (await rt.rule.flush({ table: s.table ?? 100, family: undefined })) + (await rt.route.flush({ table: s.table ?? 100, dev: undefined })) +
    (await rt.addr.flush({ link: 'v0', family: s.table === undefined ? undefined : 6 })) + (await rt.neigh.flush({ dev: 'v0', state: 'all' }));
  console.log(flushed);

  // A veth pair for a container, with the result a CNI plugin prints.
  const options: SetupVethOptions = { queues: s.queues, handles: { host: undefined }, afterCreate: undefined };
  const pair: Veth = await setupVeth('eth0', s.hostVeth ?? '', s.mtu ?? 1500, s.mac !== undefined ? MacAddr.parse(s.mac) : null, host, ctr, options);
  const interfaces: CniInterface[] = pair.toCniInterfaces();
  const [, container] = pair.toCniInterfaces();
  const sandbox: string | undefined = container.sandbox;
  console.log(sandbox, `${pair.host.mac}`, pair.container.index);

  // Code in the container's netns.
  const listening = await execNetns(host, ctr, async () => {
    const server = net.createServer((c) => c.end());
    server.listen(7007);
    using inner = Rtnl.open();
    await inner.link.set('lo', { up: true });
    return server;
  });
  listening.close();

  // Events until the caller aborts.
  try {
    for await (const ev of rt.monitor(['link', 'addr', 'route'], { signal, maxQueued: s.maxQueued })) {
      const e: MonitorEvent = ev;
      if (e.type === 'overrun') continue;
      if (e.kind === 'link') console.log(e.type, e.object.name);
    }
  } catch (e) {
    if (!signal.aborted) throw e;
  }

  // What exists, then the changes: the event type gains 'synced' with listExisting only.
  const names = new Map<number, string>();
  for await (const ev of rt.monitor(['link'], { listExisting: true, signal })) {
    const e: MonitorSyncEvent = ev;
    if (e.type === 'synced') break;
    if (e.type === 'overrun' || e.kind !== 'link') continue;
    if (e.type === 'new') names.set(e.object.index, e.existing === true ? `${e.object.name} (existing)` : e.object.name);
    else names.delete(e.object.index);
  }

  // A switch on kind needs no check of the markers first: overrun and synced have no kind.
  for await (const ev of rt.monitor(['link', 'addr'], { listExisting: true, signal })) {
    switch (ev.kind) {
      case 'link': console.log(ev.type, ev.object.name); break;
      case 'addr': console.log(ev.type, ev.object.address); break;
      case undefined: {
        const marker: 'overrun' | 'synced' = ev.type;
        console.log(marker);
        break;
      }
    }
    break;
  }

  // The groups given narrow the events: a monitor of 'ipv4-addr' yields addresses only.
  for await (const ev of rt.monitor(['ipv4-addr'], { signal })) {
    if (ev.type === 'overrun') continue;
    const a: Addr = ev.object;
    // @ts-expect-error: a monitor of addresses yields no links
    if (ev.kind === 'link') console.log('unreachable');
    console.log(a.address);
    break;
  }
  // Groups from configuration (not literals) give every kind, as before.
  const fromConfig: MonitorGroup[] = s.alias === undefined ? ['link'] : ['link', 'fdb'];
  for await (const ev of rt.monitor(fromConfig, { signal })) {
    if (ev.type !== 'overrun' && ev.kind === 'fdb') console.log(ev.object.mac);
    break;
  }

  // A bridge's forwarding table, kept up to date: kind 'fdb' narrows the object to an FdbEntry.
  const table = new Map<string, FdbEntry>();
  for await (const ev of rt.monitor(['fdb', 'neigh'], { listExisting: true, signal })) {
    if (ev.type === 'synced') break;
    if (ev.type === 'overrun' || ev.kind !== 'fdb') continue;
    const entry: FdbEntry = ev.object;
    const key = `${entry.link} ${entry.mac} ${entry.vlan ?? 0} ${entry.dst ?? ''}`;
    if (ev.type === 'new') table.set(key, entry);
    else table.delete(key);
  }

  // Nexthop objects, as a routing daemon keeps them: settings passed straight through,
  // the ids the kernel picked read from what add resolves with.
  const spec: NexthopObjectSpec = { id: s.nhId, gateway: s.gateway, dev: 'v0', protocol: s.nhProtocol, onlink: s.onlink };
  const a = await rt.nexthop.add(spec);
  const b = await rt.nexthop.add({ dev: 'v0', family: 4 });
  const grp: NexthopObject = await rt.nexthop.add({
    group: [a.id, { id: b.id, weight: s.nhWeight }], resilient: s.buckets === undefined ? undefined : { buckets: s.buckets, idleTimer: s.idleTimer },
    groupType: undefined, hwStats: undefined, fdb: undefined,
  });
  const members: NexthopGroupMember[] = grp.group ?? [];
  console.log(members.map((m) => `${m.id},${m.weight}`).join('/'), grp.resilient?.idleTimer, grp.groupType);
  await rt.route.add({ dst: '192.168.0.0/16', nhId: grp.id });
  const filter: NexthopFilter = { groups: s.groupsOnly, dev: undefined, protocol: s.nhProtocol, stats: s.stats };
  for (const nh of await rt.nexthop.list(filter)) console.log(nh.id, nh.dev, nh.gateway, nh.groupStats?.map((x) => x.packets));
  await rt.nexthop.forEach(filter, (nh) => members.push({ id: nh.id, weight: 1 }));
  await rt.nexthop.replace({ ...spec, id: a.id, gateway: undefined });
  await rt.nexthop.del(b);
  console.log((await rt.nexthop.get(a.id, { stats: s.stats })).protocol, await rt.nexthop.flush({ protocol: s.nhProtocol }));
  for await (const ev of rt.monitor(['nexthop'], { signal })) {
    if (ev.type === 'overrun') continue;
    const nh: NexthopObject = ev.object;
    console.log(ev.type, nh.id, nh.blackhole === true, nh.fdb === true);
    break;
  }

  // A resilient group's buckets, as a load balancer's controller follows them: which
  // member each bucket sends to, listed, then kept up to date from the monitor.
  const bucketFilter: NexthopBucketFilter = { id: grp.id, nhId: s.nhId, dev: undefined, master: undefined, family: undefined };
  const owner = new Map<number, number>();
  for (const bk of await rt.nexthop.buckets(bucketFilter)) owner.set(bk.index, bk.nhId);
  await rt.nexthop.forEachBucket({ id: grp.id }, (bk: NexthopBucket) => void owner.set(bk.index, bk.nhId));
  console.log((await rt.nexthop.bucket(grp.id, 0)).idleTime, owner.size);
  for await (const ev of rt.monitor(['nexthop', 'nexthop-bucket'], { signal, listExisting: s.stats })) {
    if (ev.type === 'overrun' || ev.type === 'synced') continue;
    if (ev.kind === 'nexthop-bucket') owner.set(ev.object.index, ev.object.nhId);
    else console.log(ev.type, ev.object.id, ev.object.resilient?.buckets);
    break;
  }

  // Traffic control as a shaping daemon watches it (tc monitor): qdiscs, classes and
  // filters by device, kept as the list methods return them.
  const shaping = new Map<number, { qdiscs: Map<string, Qdisc>; classes: Map<string, TcClass>; filters: Filter[] }>();
  const tcKinds: MonitorKindOf<'tc'>[] = ['qdisc', 'class', 'filter'];
  for await (const ev of rt.monitor(['tc', 'link'], { signal, listExisting: s.stats })) {
    if (ev.type === 'overrun' || ev.type === 'synced') continue;
    if (ev.kind === 'link') {
      if (ev.type === 'del') shaping.delete(ev.object.index); // its qdiscs went with it, unannounced
      continue;
    }
    const change: MonitorChangeOf<'qdisc' | 'class' | 'filter'> = ev;
    const dev = shaping.get(change.object.index) ?? { qdiscs: new Map(), classes: new Map(), filters: [] };
    shaping.set(change.object.index, dev);
    if (change.kind === 'qdisc') {
      if (change.type === 'new') dev.qdiscs.set(change.object.handle, change.object);
      else dev.qdiscs.delete(change.object.handle);
    } else if (change.kind === 'class') {
      if (change.type === 'new') dev.classes.set(change.object.handle, change.object);
      else dev.classes.delete(change.object.handle);
    } else {
      const f: Filter = change.object;
      dev.filters = dev.filters.filter((x) => x.parent !== f.parent || x.priority !== f.priority || (f.handle !== undefined && x.handle !== f.handle));
      if (change.type === 'new') dev.filters.push(f);
    }
    console.log(tcKinds.includes(change.kind), change.existing === true, shaping.size);
    break;
  }

  // The bridge's multicast database as a snooping dashboard watches it (bridge monitor
  // mdb): entries by port and group, and the multicast router ports.
  const groups = new Map<string, MdbEntry>();
  const routers = new Set<number>();
  const mdbKinds: MonitorKindOf<'mdb'>[] = ['mdb', 'mdb-router'];
  for await (const ev of rt.monitor(['mdb'], { signal, listExisting: true })) {
    if (ev.type === 'overrun' || ev.type === 'synced') continue;
    if (ev.kind === 'mdb-router') {
      const r: MdbRouterPort = ev.object;
      if (ev.type === 'new') routers.add(r.port);
      else routers.delete(r.port);
    } else {
      const key = `${ev.object.bridge} ${ev.object.port} ${ev.object.group} ${ev.object.source ?? '*'} ${ev.object.vid ?? 0}`;
      if (ev.type === 'new') groups.set(key, ev.object);
      else groups.delete(key);
    }
    console.log(mdbKinds.includes(ev.kind), groups.size, routers.size);
    break;
  }

  // Peer netns ids as a multi-netns daemon tracks them (ip monitor nsid): the ids the
  // handle's netns gave, and which of them names the container netns it holds.
  const ids = new Set<number>();
  const ctrId = await getNsid(rt.sock, ctr);
  for await (const ev of rt.monitor(['nsid'], { signal, listExisting: true })) {
    if (ev.type === 'overrun' || ev.type === 'synced') continue;
    const n: Nsid = ev.object; // typed by the group: no test of ev.kind
    if (ev.type === 'new') ids.add(n.nsid);
    else ids.delete(n.nsid);
    console.log(ev.kind === 'nsid', ids.size, n.nsid === ctrId, n.currentNsid ?? 'none', typeof decodeNsid);
    break;
  }

  // Clean-up, and the errors the application tells apart.
  try {
    await rt.link.del('v0');
    await rt.link.del({ group: s.group ?? 42 });
  } catch (e) {
    if (e instanceof NetlinkError && e.code === 'ENODEV') console.log('already gone:', e.extack.message ?? e.message);
    else if (e instanceof InvalidArgumentError) console.log('bad input:', e.argument);
    else throw e;
  }
  await teardownVeth('eth0', ctr);
  ctr.close();
  host.close();
  return { cniVersion: '1.1.0', interfaces, ips: ips.map((address) => ({ address, gateway: s.gateway, interface: 1 })), dns: undefined };
}

/** Generic netlink and ethtool as an overlay agent tunes a veth, with settings that may be missing. */
async function tune(s: Settings, where: NetnsTarget | undefined, signal: AbortSignal): Promise<void> {
  using genl = Genl.open({ netns: where, receiveBufferSize: s.receiveBufferSize });
  const fam: GenlFamily = await genl.family('ethtool', { refresh: s.stats });
  const groups: string[] = fam.groups.map((g) => g.name);
  const replies: GenlMessage[] = await genl.request(fam.id, 17, { attrs: (w) => { const h = w.nestStart(1); w.putStrz(2, 'v0'); w.nestEnd(h); }, version: undefined, header: undefined, flags: undefined });
  for (const m of replies) for (const a of decodeAttributes(m.attrs)) console.log(m.cmd, a.type, a.value.length);
  await using mon = await genl.monitor('ethtool', groups, { signal, maxQueued: s.maxQueued, receiveBufferSize: s.receiveBufferSize });
  using et = Ethtool.open({ netns: where });
  const ch: EthtoolChannels = await et.channels('v0');
  await et.setChannels('v0', { rx: s.rxChannels, tx: ch.tx });
  const features: Record<string, EthtoolFeature> = await et.features('v0');
  if (s.checksumOffload !== undefined && features['tx-checksum-ip-generic']?.changeable) {
    const { unapplied } = await et.setFeatures('v0', { 'tx-checksum-ip-generic': s.checksumOffload });
    console.log(unapplied.join(', '));
  }
  for await (const ev of mon) {
    const e: GenlEvent = ev;
    if (e.type === 'overrun') console.log('resync', await et.channels('v0'));
    else console.log(e.message.cmd, e.message.attrs.length);
  }
  // A bpf filter's program by pinned path or by fd, one of the two.
  const filter: FilterSpec = s.pinnedProgram !== undefined
    ? { link: 'v0', parent: 'ingress', kind: 'bpf', pinned: s.pinnedProgram, directAction: true, actions: [{ kind: 'bpf', pinned: s.pinnedProgram }] }
    : { link: 'v0', parent: 'ingress', kind: 'bpf', fd: s.programFd ?? 3, name: undefined };
  console.log(filter.kind);
}

/** A port-usage report, as a health check lists a netns's sockets with filters that may be missing. */
async function sockets(s: Settings, where: NetnsTarget | undefined): Promise<string[]> {
  using diag = SockDiag.open({ netns: where, receiveBufferSize: s.receiveBufferSize });
  const opts: InetListOptions = { protocol: s.protocol, localPort: s.port, remoteAddress: s.peerPrefix, states: s.states, mark: s.fwmark, extensions: ['info', 'congestion'] };
  const out: string[] = [];
  for (const x of await diag.inet(opts)) {
    const sock: InetSocket = x;
    const info: TcpInfo | undefined = sock.tcpInfo;
    const acked: bigint = info?.bytesAcked ?? 0n;
    out.push(`${sock.local.address}:${sock.local.port} ${sock.state} ${info?.rtt ?? '-'} ${acked} ${sock.cookie}`);
    if (sock.state === 'close-wait') await diag.destroy(sock);
  }
  const one: InetSocket = await diag.inetGet({ protocol: s.protocol, local: { address: '127.0.0.1', port: s.port ?? 80 }, remote: { address: '0.0.0.0', port: 0 }, interface: undefined, cookie: undefined }, { extensions: undefined });
  out.push(String(one.inode));
  const unix: UnixSocket[] = await diag.unix({ states: s.states });
  for (const u of unix) out.push(u.path ?? (u.abstract !== undefined ? `@${u.abstract}` : String(u.inode)));
  const nl: NetlinkSocketInfo[] = await diag.netlink({ protocol: s.protocolNumber });
  for (const n of nl) out.push(`${n.protocol}:${n.portId} ${n.groups.join(',')} ${n.flags.join(',')}`);
  const pk: PacketSocket[] = await diag.packet();
  for (const p of pk) out.push(`${p.protocol.toString(16)}@${p.interface} ${p.fanout?.id ?? '-'}`);
  return out;
}

/** A service proxy's conntrack clean-up: stale UDP entries of a backend go, with settings that may be missing. */
async function forget(s: Settings, where: NetnsTarget | undefined, backend: string): Promise<number> {
  using ct = Conntrack.open({ netns: where, receiveBufferSize: s.receiveBufferSize });
  const filter: ConntrackFilter = { protocol: 'udp', dst: backend, dstPort: s.port, mark: s.fwmark, zone: undefined, family: undefined };
  const stale: ConntrackEntry[] = await ct.list(filter);
  for (const e of stale) await ct.del(e);
  const spec: ConntrackSpec = { protocol: 'tcp', src: '10.0.0.1', dst: backend, srcPort: 1, dstPort: s.port ?? 80, timeout: 30, mark: s.fwmark, status: ['assured'], tcpState: 'established', zone: undefined, reply: undefined };
  await ct.add(spec);
  await ct.update(spec, { mark: { value: 1, mask: 1 }, timeout: undefined });
  await ct.flush({ family: 4, mark: s.fwmark });
  await using mon = await ct.monitor(['destroy'], { maxQueued: s.maxQueued, receiveBufferSize: s.receiveBufferSize, signal: undefined });
  for await (const ev of mon) if (ev.type === 'destroy') console.log(ev.entry.counters?.original.bytes ?? 0n);
  return (await ct.stats()).entries;
}

/** An IKE daemon's kernel side: a tunnel policy, the default actions, acquires answered with an SPI, MOBIKE moves; and a set of peers. */
async function ipsec(s: Settings, where: NetnsTarget | undefined, signal: AbortSignal): Promise<string[]> {
  const out: string[] = [];
  using xf = Xfrm.open({ netns: where, receiveBufferSize: s.receiveBufferSize });
  const selector = { src: '10.0.0.0/24', dst: s.address ?? '10.1.0.0/24' };
  const spec: XfrmPolicySpec = {
    selector, dir: 'out', priority: s.metric, ifId: s.table,
    templates: [{ src: '192.0.2.1', dst: '192.0.2.2', proto: 'esp', mode: 'tunnel', reqid: s.group }],
  };
  await xf.policy.add(spec);
  const defaults: XfrmPolicyDefaults = await xf.policy.getDefault();
  if (defaults.in === 'accept') await xf.policy.setDefault({ in: 'block', fwd: undefined, out: undefined });
  const move: XfrmMigrateSpec = {
    selector, dir: 'out', ifId: s.table, ptype: undefined, kmaddress: undefined, encap: undefined,
    migrations: [{ reqid: s.group, proto: undefined, mode: undefined, old: { src: '192.0.2.1', dst: '192.0.2.2' }, new: { src: '198.51.100.1', dst: '198.51.100.2' } }],
  };
  await xf.policy.migrate(move);
  await using mon = await xf.monitor(['acquire', 'migrate', 'expire'], { signal, maxQueued: s.maxQueued, receiveBufferSize: s.receiveBufferSize });
  for await (const e of mon) {
    if (e.type === 'overrun') continue;
    const ev: XfrmEvent = e;
    out.push(ev.type);
    if (e.type === 'acquire' && e.acquire.proto === 'esp') {
      const a: XfrmAcquire = e.acquire;
      const larval: XfrmState = await xf.state.allocSpi({ src: a.src, dst: a.dst, proto: 'esp', seq: a.seq, reqid: a.template?.reqid, mode: 'tunnel', mark: a.policy.mark, min: undefined, max: undefined });
      out.push(`${a.selector.dst} spi ${larval.spi.toString(16)}`);
    } else if (e.type === 'migrate') {
      for (const m of e.migrate.migrations) out.push(`${m.old.dst} -> ${m.new.dst} (${m.new.family})`);
    } else if (e.type === 'expire-state') out.push(`expired ${e.state.seq} ${e.hard}`);
  }
  using sets = IpSet.open({ netns: where, receiveBufferSize: s.receiveBufferSize });
  await sets.create('peers', 'hash:ip', { family: 4, timeout: s.timeout, exist: true });
  const peer: IpSetEntry = { ip: s.gateway ?? '192.0.2.2' };
  await sets.add('peers', peer, { exist: true, timeout: s.timeout });
  const info: IpSetInfo[] = await sets.list('peers');
  for (const i of info) out.push(`${i.name} ${i.type} ${i.family ?? '-'}`);
  return out;
}

/** Link settings as a node agent reports and forces them, with a speed and duplex that may be missing. */
async function linkSettings(where: NetnsTarget | undefined, speed: number | undefined, duplex: 'half' | 'full' | undefined): Promise<string> {
  using et = Ethtool.open({ netns: where });
  const modes: import('nlkit').EthtoolLinkModes = await et.linkModes('eth0');
  const info: import('nlkit').EthtoolLinkInfo = await et.linkInfo('eth0');
  const state: import('nlkit').EthtoolLinkState = await et.linkState('eth0');
  const ts: import('nlkit').EthtoolTsInfo = await et.tsInfo('eth0');
  const change: import('nlkit').EthtoolLinkModesChange = { speed, duplex, autoneg: speed === undefined, advertise: modes.supported.includes('1000baseT/Full') ? ['1000baseT/Full'] : undefined };
  await et.setLinkModes('eth0', change);
  return `${modes.speed ?? 'unknown'} ${String(modes.duplex ?? '-')} ${String(info.port ?? '-')} ${state.link === true} ${ts.phcIndex ?? 'none'} ${ts.timestamping.join(',')}`;
}

/** A CNI plugin around it. */
export async function plugin(s: Settings): Promise<number> {
  const impl: { check?: () => Promise<void> } = {};
  return runPlugin({
    async add(ctx) {
      const ipam = ctx.conf.ipam ? await ipamAdd(ctx) : undefined;
      const result = await build(s, ctx.netns, new AbortController().signal);
      const applied: CniResult = { ...result, ips: ipam?.ips?.map((ip) => ({ ...ip, interface: 1 })), routes: ipam?.routes };
      // The addresses and routes on the container end, in the container's netns.
      using ns = ctx.netns !== undefined ? Netns.fromPath(ctx.netns) : undefined;
      const options: ConfigureIfaceOptions = { netns: ns, dadTimeout: s.dadTimeout };
      try {
        await configureIface(ctx.ifName, applied, options);
      } catch (e) {
        if (e instanceof ConfigureIfaceError) console.log(e.step, e.item, e.code, e.undoFailures.length, e.cause);
        throw e;
      }
      return applied;
    },
    async del() {},
    check: impl.check,
  }, { maxStdinBytes: undefined });
}

console.log(formatResult(await build({}, undefined, AbortSignal.timeout(1000)), '1.1.0'));
await tune({}, undefined, AbortSignal.timeout(1000));
console.log(await sockets({}, undefined));
console.log(await forget({}, undefined, '10.96.0.10'));
console.log(await ipsec({}, undefined, AbortSignal.timeout(1000)));
console.log(await linkSettings(undefined, 1000, 'full'));
