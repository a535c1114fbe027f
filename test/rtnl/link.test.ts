// Links over rtnetlink: decoded fields against `ip -j -d link show`, changes verified
// through `ip -j`, group delete, error codes and extended ACK, input checks.
import t from 'tap';
import { spawn } from 'node:child_process';
import { Rtnl, NetlinkError, InvalidArgumentError, DumpInterruptedError, type Link } from '../../src/index.js';
import type { LinkApi } from '../../src/rtnl/link/api.js';
import * as C from '../../src/rtnl/constants.js';
import { privileged, rawNetns, ipJson, ip, inNs, freshHandle } from '../helpers.js';
import { recordedLinkRequests } from './scripted-link-api.js';

type IpLink = Record<string, any>;

const fresh = freshHandle;

const GEN_MODES = ['eui64', 'none', 'stable_secret', 'random'];

/** Compare one of our Links with ip's JSON for the same ifindex, field by field. */
function compareLink(t: any, ours: Link, theirs: IpLink, byIndex: Map<number, Link>) {
  const where = `${theirs.ifname}`;
  const eq = (a: unknown, b: unknown, what: string) => t.same(a, b, `${where}: ${what}`);
  eq(ours.index, theirs.ifindex, 'ifindex');
  eq(ours.name, theirs.ifname, 'ifname');
  eq(ours.flags, (theirs.flags as string[]).filter((f) => f !== 'M-DOWN'), 'flags');
  eq(ours.mtu, theirs.mtu, 'mtu');
  eq(ours.qdisc, theirs.qdisc, 'qdisc');
  eq(ours.operstate, theirs.operstate, 'operstate');
  eq(ours.linkmode, theirs.linkmode, 'linkmode');
  eq(ours.group === 0 ? 'default' : String(ours.group), String(theirs.group), 'group');
  eq(ours.txqlen, theirs.txqlen, 'txqlen');
  eq(ours.linkType, theirs.link_type, 'link_type');
  eq(ours.address, theirs.address, 'address');
  eq(ours.broadcast, theirs.broadcast, 'broadcast');
  if (theirs.permaddr !== undefined) eq(ours.permaddr, theirs.permaddr, 'permaddr');
  eq(ours.promiscuity, theirs.promiscuity, 'promiscuity');
  eq(ours.allmulti, theirs.allmulti, 'allmulti');
  eq(ours.minMtu, theirs.min_mtu, 'min_mtu');
  eq(ours.maxMtu, theirs.max_mtu, 'max_mtu');
  eq(ours.numTxQueues, theirs.num_tx_queues, 'num_tx_queues');
  eq(ours.numRxQueues, theirs.num_rx_queues, 'num_rx_queues');
  eq(ours.gsoMaxSize, theirs.gso_max_size, 'gso_max_size');
  eq(ours.gsoMaxSegs, theirs.gso_max_segs, 'gso_max_segs');
  eq(ours.tsoMaxSize, theirs.tso_max_size, 'tso_max_size');
  eq(ours.tsoMaxSegs, theirs.tso_max_segs, 'tso_max_segs');
  eq(ours.groMaxSize, theirs.gro_max_size, 'gro_max_size');
  eq(ours.alias, theirs.ifalias, 'ifalias');
  eq(ours.altnames, theirs.altnames, 'altnames');
  if (theirs.inet6_addr_gen_mode !== undefined) eq(GEN_MODES[ours.afSpec?.inet6AddrGenMode ?? -1], theirs.inet6_addr_gen_mode, 'inet6_addr_gen_mode');
  // ip prints the lower link by name when it is in this netns, else link_index + link_netnsid.
  if (theirs.link !== undefined) eq(ours.link !== undefined ? byIndex.get(ours.link)?.name : undefined, theirs.link, 'link');
  if (theirs.link_index !== undefined) eq(ours.link, theirs.link_index, 'link_index');
  if (theirs.link_netnsid !== undefined) eq(ours.netnsId, theirs.link_netnsid, 'link_netnsid');
  eq(ours.master !== undefined ? byIndex.get(ours.master)?.name : undefined, theirs.master, 'master');
  const li = theirs.linkinfo;
  eq(ours.kind, li?.info_kind, 'info_kind');
  eq(ours.linkinfo?.slaveKind, li?.info_slave_kind, 'info_slave_kind');
  const d = (ours.linkinfo?.data ?? {}) as Record<string, any>;
  const sd = (ours.linkinfo?.slaveData ?? {}) as Record<string, any>;
  const num = (v: unknown) => (typeof v === 'bigint' ? Number(v) : v);
  // ip prints bridge ids with unpadded MAC bytes ('8000.46:9e:a7:d:3c:3b'); nlkit pads
  // them like every MAC ('8000.46:9e:a7:0d:3c:3b'). Same bytes: compare padded.
  const padId = (v: unknown) => (typeof v === 'string' && /^[0-9a-f]{4}\./.test(v) ? v.slice(0, 5) + v.slice(5).split(':').map((x) => x.padStart(2, '0')).join(':') : v);
  const map = (src: Record<string, any>, ipd: Record<string, any> | undefined, pairs: Array<[string, string, ((v: any) => any)?]>, what: string) => {
    if (!ipd) return;
    for (const [ipKey, ourKey, conv] of pairs) {
      if (!(ipKey in ipd)) continue;
      eq(conv ? conv(src[ourKey]) : num(src[ourKey]), padId(ipd[ipKey]), `${what}.${ipKey}`);
    }
  };
  switch (ours.kind) {
    case 'bridge':
      map(d, li.info_data, [
        ['forward_delay', 'forwardDelay'], ['hello_time', 'helloTime'], ['max_age', 'maxAge'], ['ageing_time', 'ageingTime'],
        ['stp_state', 'stpState'], ['priority', 'priority'], ['vlan_filtering', 'vlanFiltering'], ['bridge_id', 'bridgeId'],
        ['root_id', 'rootId'], ['root_port', 'rootPort'], ['root_path_cost', 'rootPathCost'], ['topology_change', 'topologyChange'],
        ['topology_change_detected', 'topologyChangeDetected'], ['group_addr', 'groupAddr'], ['mcast_snooping', 'mcastSnooping'],
        ['mcast_router', 'mcastRouter'], ['mcast_query_use_ifaddr', 'mcastQueryUseIfaddr'], ['mcast_querier', 'mcastQuerier'],
        ['mcast_hash_elasticity', 'mcastHashElasticity'], ['mcast_hash_max', 'mcastHashMax'], ['mcast_last_member_cnt', 'mcastLastMemberCnt'],
        ['mcast_startup_query_cnt', 'mcastStartupQueryCnt'], ['mcast_last_member_intvl', 'mcastLastMemberIntvl'],
        ['mcast_membership_intvl', 'mcastMembershipIntvl'], ['mcast_querier_intvl', 'mcastQuerierIntvl'], ['mcast_query_intvl', 'mcastQueryIntvl'],
        ['mcast_query_response_intvl', 'mcastQueryResponseIntvl'], ['mcast_startup_query_intvl', 'mcastStartupQueryIntvl'],
        ['mcast_stats_enabled', 'mcastStatsEnabled'], ['mcast_igmp_version', 'mcastIgmpVersion'], ['mcast_mld_version', 'mcastMldVersion'],
        ['nf_call_iptables', 'nfCallIptables'], ['nf_call_ip6tables', 'nfCallIp6tables'], ['nf_call_arptables', 'nfCallArptables'],
      ], 'info_data');
      break;
    case 'macvlan':
    case 'macvtap':
      map(d, li.info_data, [['mode', 'mode'], ['bcqueuelen', 'bcQueueLen'], ['usedbcqueuelen', 'bcQueueLenUsed']], 'info_data');
      break;
    case 'vxlan':
      map(d, li.info_data, [['id', 'id'], ['local', 'local'], ['port', 'port'], ['learning', 'learning'], ['ttl', 'ttl'], ['ageing', 'ageing'],
        ['udp_csum', 'udpCsum'], ['udp_zero_csum6_tx', 'udpZeroCsum6Tx'], ['udp_zero_csum6_rx', 'udpZeroCsum6Rx'], ['port_range', 'portRange'],
        // ip prints IFLA_VXLAN_GROUP as remote (unicast) or group (multicast), the same for GROUP6.
        ['remote', 'group'], ['group', 'group'], ['remote6', 'group6'], ['group6', 'group6'], ['local6', 'local6'],
        ['link', 'link', (v: number | undefined) => (v !== undefined ? byIndex.get(v)?.name : undefined)],
        ['proxy', 'proxy'], ['rsc', 'rsc'], ['l2miss', 'l2miss'], ['l3miss', 'l3miss'], ['limit', 'limit'],
        ['tos', 'tos', (v: number | undefined) => (v !== undefined ? `0x${v.toString(16)}` : v)], ['df', 'df'],
        ['label', 'label', (v: number | undefined) => (v !== undefined ? `0x${v.toString(16)}` : v)],
        ['remcsum_tx', 'remcsumTx'], ['remcsum_rx', 'remcsumRx'], ['gbp', 'gbp'], ['gpe', 'gpe'], ['external', 'collectMetadata'], ['vnifilter', 'vnifilter']], 'info_data');
      break;
    case 'tun':
      map(d, li.info_data, [['type', 'type'], ['pi', 'pi'], ['vnet_hdr', 'vnetHdr'], ['multi_queue', 'multiQueue'], ['persist', 'persist']], 'info_data');
      break;
  }
  if (ours.linkinfo?.slaveKind === 'bridge') {
    const hex = (v: number) => `0x${v.toString(16)}`;
    map(sd, li.info_slave_data, [
      ['state', 'state'], ['priority', 'priority'], ['cost', 'cost'], ['hairpin', 'hairpin'], ['guard', 'guard'], ['root_block', 'rootBlock'],
      ['fastleave', 'fastLeave'], ['learning', 'learning'], ['flood', 'flood'], ['id', 'id', hex], ['no', 'no', hex],
      ['designated_port', 'designatedPort'], ['designated_cost', 'designatedCost'], ['bridge_id', 'bridgeId'], ['root_id', 'rootId'],
      ['topology_change_ack', 'topologyChangeAck'], ['config_pending', 'configPending'], ['proxy_arp', 'proxyarp'],
      ['proxy_arp_wifi', 'proxyarpWifi'], ['multicast_router', 'multicastRouter'], ['mcast_flood', 'mcastFlood'], ['bcast_flood', 'bcastFlood'],
      ['mcast_to_unicast', 'mcastToUcast'], ['neigh_suppress', 'neighSuppress'], ['vlan_tunnel', 'vlanTunnel'], ['isolated', 'isolated'], ['locked', 'locked'],
    ], 'info_slave_data');
  }
}

t.test('vxlan ttlInherit: the kernel reports it as a u8, read as a boolean; set as a flag', privileged, async (t) => {
  const { ns, rt } = fresh(t);
  ip(ns.path, ['link', 'add', 'vxa', 'type', 'vxlan', 'id', '100', 'dstport', '4789', 'ttl', '10']);
  ip(ns.path, ['link', 'add', 'vxb', 'type', 'vxlan', 'id', '101', 'dstport', '4789', 'ttl', 'inherit']);
  await rt.link.add({ kind: 'vxlan', name: 'vxc', data: { id: 102, port: 4789, ttlInherit: true } });
  await rt.link.add({ kind: 'vxlan', name: 'vxd', data: { id: 103, port: 4789, ttlInherit: false, ttl: 5 } });
  for (const [name, want] of [['vxa', false], ['vxb', true], ['vxc', true], ['vxd', false]] as const) {
    const data = (await rt.link.get(name)).linkinfo?.data as Record<string, unknown> | undefined;
    t.equal(data?.['ttlInherit'], want, `${name}: ttlInherit ${want}`);
    // `ip -d` prints "ttl inherit" only for a link that has it (its JSON has no key for it).
    t.equal(/ttl inherit/.test(inNs(ns.path, 'ip', ['-d', 'link', 'show', name])), want, `${name}: ip -d agrees`);
  }
});

t.test('macvlan source mode: the source addresses as ip -j -d prints macaddr_data', privileged, async (t) => {
  const { ns, rt } = fresh(t);
  ip(ns.path, ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
  ip(ns.path, ['link', 'add', 'mvs', 'link', 'v0', 'type', 'macvlan', 'mode', 'source']);
  for (const m of ['02:00:00:00:00:0a', '02:00:00:00:00:0b']) ip(ns.path, ['link', 'set', 'mvs', 'type', 'macvlan', 'macaddr', 'add', m]);
  const data = (await rt.link.get('mvs')).linkinfo?.data as Record<string, unknown> | undefined;
  const theirs = ipJson<IpLink[]>(ns.path, ['-d', 'link', 'show', 'mvs'])[0]!.linkinfo!.info_data as Record<string, unknown>;
  t.same([...(data?.['macaddrData'] as string[])].sort(), [...(theirs['macaddr_data'] as string[])].sort(), 'macaddr_data');
  t.equal((data?.['macaddrData'] as string[]).length, 2);
  t.equal(data?.['macaddrCount'], theirs['macaddr_count']);
  const e = await rt.link.add({ kind: 'macvlan', name: 'mvx', link: 'v0', data: { mode: 'source', macaddrData: ['02:00:00:00:00:0c'] } } as never).catch((x: unknown) => x);
  t.ok(e instanceof InvalidArgumentError, 'macaddrData cannot be written');
});

t.test('decoded links equal `ip -j -d link show` field by field, for every kind this kernel builds', privileged, async (t) => {
  const { ns, rt } = fresh(t);
  ip(ns.path, ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
  ip(ns.path, ['link', 'add', 'br0', 'type', 'bridge']);
  ip(ns.path, ['link', 'set', 'v1', 'master', 'br0']);
  ip(ns.path, ['link', 'add', 'mv0', 'link', 'v0', 'type', 'macvlan', 'mode', 'bridge']);
  ip(ns.path, ['link', 'add', 'mvt0', 'link', 'v0', 'type', 'macvtap', 'mode', 'vepa']);
  ip(ns.path, ['link', 'add', 'vx0', 'type', 'vxlan', 'id', '42', 'dstport', '4789', 'local', '10.0.0.1']);
  ip(ns.path, ['link', 'add', 'vx1', 'type', 'vxlan', 'id', '43', 'dstport', '4789', 'srcport', '1000', '2000']);
  ip(ns.path, ['link', 'add', 'vx2', 'type', 'vxlan', 'id', '6', 'dstport', '4789', 'dev', 'v0', 'remote', '10.1.1.1', 'local', '10.1.1.2', 'ttl', 'inherit',
    'tos', 'inherit', 'df', 'inherit', 'ageing', '30', 'maxaddress', '10', 'nolearning', 'proxy', 'rsc', 'l2miss', 'l3miss', 'noudpcsum', 'gbp']);
  ip(ns.path, ['link', 'add', 'vx3', 'type', 'vxlan', 'id', '16777215', 'dstport', '0', 'group', 'ff05::1', 'dev', 'v0', 'local', '2001:db8::1', 'flowlabel', '12',
    'udp6zerocsumtx', 'udp6zerocsumrx', 'remcsumtx', 'remcsumrx', 'df', 'set']);
  ip(ns.path, ['link', 'add', 'vx4', 'type', 'vxlan', 'external', 'vnifilter', 'dstport', '4790']);
  ip(ns.path, ['link', 'add', 'vx5', 'type', 'vxlan', 'id', '9', 'dstport', '4791', 'group', '239.1.1.1', 'dev', 'v0', 'tos', '0x20', 'ttl', '10']);
  ip(ns.path, ['link', 'add', 'ifb0', 'type', 'ifb']);
  ip(ns.path, ['tuntap', 'add', 'tap0', 'mode', 'tap']);
  ip(ns.path, ['link', 'set', 'v0', 'up', 'alias', 'hello world']);
  ip(ns.path, ['link', 'property', 'add', 'dev', 'v0', 'altname', 'a-rather-long-alternative-name']);
  // And links made by nlkit itself.
  await rt.link.add({ kind: 'veth', name: 'n0', mtu: 1400, address: '02:00:00:00:00:01', up: true, peer: { name: 'n1', mtu: 1400 } });
  await rt.link.add({ kind: 'bridge', name: 'nbr0', data: { stpState: 1, priority: 4096 } });
  await rt.link.set('n1', { master: 'nbr0', bridgePort: { hairpin: true, cost: 7, learning: false } });
  await rt.link.add({ kind: 'vxlan', name: 'nvx0', data: { id: 7, port: 8472, ttl: 64 } });
  await rt.link.add({ kind: 'vxlan', name: 'nvx1', data: { id: 8, port: 8472, portRange: { low: 40000, high: 50000 } } });
  await rt.link.add({ kind: 'vxlan', name: 'nvx2', link: 'v0', data: { id: 10, port: 8472, group: '239.1.1.2', df: 'inherit', tos: 1 } });

  // Operational state settles asynchronously (linkwatch runs up to a second later):
  // wait until two snapshots agree, so both sides see the same moment.
  const snap = () => JSON.stringify(ipJson<IpLink[]>(ns.path, ['link', 'show']).map((l) => [l.ifname, l.operstate, l.flags]));
  for (let i = 0, prev = snap(); i < 20; i++) {
    await new Promise((r) => setTimeout(r, 250));
    const cur = snap();
    if (cur === prev) break;
    prev = cur;
  }
  // And nlkit's list is taken between two ip snapshots that agree on operstate and
  // flags (linkwatch may still fire up to a second later), so both see one moment.
  const state = (ls: IpLink[]) => JSON.stringify(ls.map((l) => [l.ifname, l.operstate, l.flags]));
  let ours = await rt.link.list();
  let theirs = ipJson<IpLink[]>(ns.path, ['-d', 'link', 'show']);
  for (let i = 0; i < 20; i++) {
    const before = ipJson<IpLink[]>(ns.path, ['-d', 'link', 'show']);
    ours = await rt.link.list();
    theirs = ipJson<IpLink[]>(ns.path, ['-d', 'link', 'show']);
    if (state(before) === state(theirs)) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  t.equal(ours.length, theirs.length, 'same number of links');
  const byIndex = new Map(ours.map((l) => [l.index, l]));
  for (const l of theirs) {
    const o = byIndex.get(l.ifindex);
    t.ok(o, `nlkit lists ${l.ifname}`);
    if (o) compareLink(t, o, l, byIndex);
  }
  const kinds = new Set(ours.map((l) => l.kind));
  for (const k of ['veth', 'bridge', 'macvlan', 'macvtap', 'vxlan', 'ifb', 'tun']) t.ok(kinds.has(k), `a ${k} was decoded`);
  const n1 = ours.find((l) => l.name === 'n1')!;
  t.same([n1.linkinfo?.slaveData?.['hairpin'], n1.linkinfo?.slaveData?.['cost'], n1.linkinfo?.slaveData?.['learning']], [true, 7, false], 'bridge port options set by nlkit');
  t.type(ours[0]!.stats64?.rxBytes, 'bigint', 'counters are bigint');
  const range = (name: string) => (ours.find((l) => l.name === name)!.linkinfo?.data as Record<string, unknown> | undefined)?.['portRange'];
  t.strictSame([range('vx1'), range('nvx1')], [{ low: 1000, high: 2000 }, { low: 40000, high: 50000 }], 'vxlan source port ranges (srcport) as numbers');
  t.strictSame(ipJson<IpLink[]>(ns.path, ['-d', 'link', 'show', 'nvx1'])[0]!.linkinfo.info_data.port_range, { low: 40000, high: 50000 }, "ip reads nlkit's portRange as given");
});

t.test('get by name, ifindex and long altname; a missing link is ENODEV', privileged, async (t) => {
  const { ns, rt } = fresh(t);
  ip(ns.path, ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
  ip(ns.path, ['link', 'property', 'add', 'dev', 'v0', 'altname', 'this-is-a-very-long-altname']);
  const byName = await rt.link.get('v0');
  const byIndex = await rt.link.get(byName.index);
  const byAlt = await rt.link.get('this-is-a-very-long-altname');
  t.equal(byIndex.name, 'v0');
  t.equal(byAlt.index, byName.index);
  t.equal(await rt.link.index('v1'), byName.link, "the veth's IFLA_LINK is its peer");
  const err = await rt.link.get('nope').catch((e) => e);
  t.ok(err instanceof NetlinkError, 'NetlinkError');
  t.equal(err.code, 'ENODEV');
  t.match(err.message, /^ENODEV: No such device .*\(RTM_GETLINK nope\)$/);
  const err2 = await rt.link.get(99999).catch((e) => e);
  t.equal(err2.code, 'ENODEV');
});

t.test('set: every change verified through ip -j, and move+rename into another netns in one message', privileged, async (t) => {
  const { ns, rt } = fresh(t);
  const other = rawNetns();
  t.teardown(() => other.close());
  await rt.link.add({ kind: 'veth', name: 'a0', peer: { name: 'a1' } });
  await rt.link.add({ kind: 'bridge', name: 'br0' });
  const show = (name: string, p = ns.path) => ipJson<IpLink[]>(p, ['-d', 'link', 'show', 'dev', name])[0]!;

  await rt.link.set('a0', { up: true, mtu: 9000, address: '02:11:22:33:44:55', alias: 'uplink', txqlen: 500, group: 7, promisc: true });
  let a0 = show('a0');
  t.ok(a0.flags.includes('UP'), 'up');
  t.ok(a0.flags.includes('PROMISC'), 'promisc');
  t.same([a0.mtu, a0.address, a0.ifalias, a0.txqlen, a0.group], [9000, '02:11:22:33:44:55', 'uplink', 500, '7']);
  await rt.link.set('a0', { up: false, promisc: false });
  a0 = show('a0');
  t.notOk(a0.flags.includes('UP'), 'down again');
  t.notOk(a0.flags.includes('PROMISC'), 'promisc off');
  t.equal(a0.mtu, 9000, 'untouched fields stay');

  await rt.link.set('a1', { master: 'br0' });
  t.equal(show('a1').master, 'br0', 'enslaved');
  // A port state other than 'disabled' needs the bridge and the port running.
  await rt.link.set('br0', { up: true });
  await rt.link.set('a1', { up: true });
  await rt.link.set('a0', { up: true });
  // (With STP off the bridge moves any other state straight to forwarding; 'disabled' sticks.)
  await rt.link.set('a1', { bridgePort: { hairpin: true, learning: false, flood: false, cost: 33, priority: 5, state: 'disabled' } });
  const sd = show('a1').linkinfo.info_slave_data;
  t.same([sd.hairpin, sd.learning, sd.flood, sd.cost, sd.priority, sd.state], [true, false, false, 33, 5, 'disabled'], 'bridge port options');
  await rt.link.set('a1', { master: null });
  t.equal(show('a1').master, undefined, 'detached');

  const idx = await rt.link.index('a0');
  await rt.link.set(idx, { name: 'renamed0' });
  t.equal(show('renamed0').ifindex, idx, 'renamed by index, same ifindex');

  await rt.link.set('renamed0', { netns: other.fd, name: 'moved0' });
  t.same(ipJson<IpLink[]>(ns.path, ['link', 'show']).map((l) => l.ifname).includes('renamed0'), false, 'gone from the first netns');
  const moved = show('moved0', other.path);
  t.equal(moved.ifname, 'moved0', 'moved and renamed in one message');
  const rt2 = Rtnl.open({ netns: other.fd });
  t.teardown(() => rt2.close());
  t.equal((await rt2.link.get('moved0')).index, moved.ifindex, 'looked up again by name in the new netns');

  const echoed = await rt.link.set('br0', { mtu: 1400 }, { echo: true });
  t.equal(echoed.name, 'br0', 'echo returns the link');
  t.equal(echoed.mtu, 1400, 'echo shows the change');
});

t.test('a move and rename whose new name is taken there: the kernel moves the link first and then refuses the rename, and the error says so', privileged, async (t) => {
  const { ns, rt } = fresh(t);
  const other = rawNetns();
  t.teardown(() => other.close());
  await rt.link.add({ kind: 'veth', name: 'mv0', peer: { name: 'mv1' } });
  ip(other.path, ['link', 'add', 'taken', 'type', 'ifb']);
  // As `ip link set mv1 netns X name taken`: "File exists", and mv1 is in X under its own name.
  const e = await rt.link.set('mv1', { netns: other.fd, name: 'taken' }).catch((x) => x);
  t.equal(e?.code, 'EEXIST');
  t.match(e?.message, /a link named 'taken' already exists; the kernel moves a link before it renames it: mv1 is now in netns fd \d+ under its old name, not renamed/);
  t.same(ipJson<IpLink[]>(other.path, ['link', 'show']).map((l) => l.ifname).sort(), ['lo', 'mv1', 'taken'], 'moved, not renamed');
  t.notOk(ipJson<IpLink[]>(ns.path, ['link', 'show']).some((l) => l.ifname === 'mv1'), 'gone from the handle\'s netns');
  // Taken where it is (no move): nothing changed, and the error says no more than the clash.
  const e2 = await rt.link.set('mv0', { name: 'lo' }).catch((x) => x);
  t.match(e2?.message, /^EEXIST: File exists — a link named 'lo' already exists \(RTM_NEWLINK mv0 name lo\)$/);
});

t.test('del by name, by ifindex, and a whole group in one request', privileged, async (t) => {
  const { ns, rt } = fresh(t);
  await rt.link.add({ kind: 'veth', name: 'd0', peer: { name: 'd1' } });
  await rt.link.add({ kind: 'veth', name: 'd2', peer: { name: 'd3' } });
  await rt.link.del('d0');
  await rt.link.del(await rt.link.index('d2'));
  t.same(ipJson<IpLink[]>(ns.path, ['link', 'show']).map((l) => l.ifname), ['lo'], 'both pairs gone (deleting one end deletes the pair)');
  for (let i = 0; i < 50; i++) await rt.link.add({ kind: 'veth', name: `g${i}`, group: 42, peer: { name: `h${i}`, group: 42 } });
  await rt.link.add({ kind: 'veth', name: 'keep0', group: 43, peer: { name: 'keep1', group: 43 } });
  t.equal((await rt.link.list({ group: 42 })).length, 100, 'list filters by group');
  const before = rt.sock.stats.requests;
  await rt.link.del({ group: 42 });
  t.equal(rt.sock.stats.requests - before, 1, 'one request');
  t.same(ipJson<IpLink[]>(ns.path, ['link', 'show']).map((l) => l.ifname).sort(), ['keep0', 'keep1', 'lo'], 'only the group was deleted');
  const e = await rt.link.del('d0').catch((x) => x);
  t.equal(e.code, 'ENODEV', 'deleting a missing link is ENODEV');
  await t.rejects(rt.link.del({ group: 0 }), InvalidArgumentError, 'group 0 (lo is in it) is refused');
  // A group no link is in: the kernel's ENODEV (as ip's "No such device"), saying which group.
  const none = await rt.link.del({ group: 42 }).catch((x) => x);
  t.match(none, { code: 'ENODEV', message: /^ENODEV: No such device — no link is in group 42 \(RTM_DELLINK group 42\)$/ });
});

t.test("a '%d' name is a template the kernel fills in, as ip link add veth%d; where nlkit must find the link again by name, it is refused", privileged, async (t) => {
  const { ns, rt } = fresh(t);
  const names = () => ipJson<IpLink[]>(ns.path, ['link', 'show']).map((l) => l.ifname).sort();
  // As ip: the kernel picks the lowest free number, for the link and the peer.
  ip(ns.path, ['link', 'add', 'ipv%d', 'type', 'veth', 'peer', 'name', 'ipp%d']);
  const made = await rt.link.add({ kind: 'veth', name: 'nl%d', peer: { name: 'nlp%d' } }, { echo: true });
  t.equal(made.name, 'nl0', 'the echo names the link the kernel made');
  t.same(names(), ['ipp0', 'ipv0', 'lo', 'nl0', 'nlp0']);
  const before = names();
  // The argument an InvalidArgumentError names, or what was thrown instead.
  const refusal = (p: Promise<unknown>) => p.then(() => 'accepted', (e: unknown) => (e instanceof InvalidArgumentError ? e.argument : String(e)));
  const sent = rt.sock.stats.requests;
  // Any other '%' is the kernel's bare EINVAL (__dev_alloc_name): refused before sending.
  for (const [name, arg] of [['a%s', 'name'], ['a%d%d', 'name'], ['a%', 'name'], ['%%d', 'name']] as const) {
    t.equal(await refusal(rt.link.add({ kind: 'veth', name })), arg, `add ${name}`);
  }
  t.equal(await refusal(rt.link.add({ kind: 'veth', name: 'p0', peer: { name: 'p%x' } })), 'peer.name', 'peer.name p%x');
  t.equal(await refusal(rt.link.set('nl0', { name: 'n%u' })), 'name', 'rename to n%u');
  // The alias is set by name after the create, and a failure there deletes the link by
  // name: with a template, that name is not the link's (the link was left, said deleted).
  t.equal(await refusal(rt.link.add({ kind: 'veth', name: 'al%d', alias: 'x' })), 'alias', 'alias with a template name');
  t.equal(await refusal(rt.link.add({ kind: 'veth', name: 'al0', peer: { name: 'alp%d', alias: 'x' } })), 'peer.alias', 'peer alias with a template peer name');
  t.equal(await refusal(rt.link.add({ kind: 'veth', name: 'al%d', peer: { name: 'alp0', alias: 'x' } })), 'name', 'peer alias with a template name');
  // addMany deletes what it made by name when a later spec is refused.
  t.equal(await refusal(rt.link.addMany([{ kind: 'veth', name: 'm%d' }, { kind: 'veth', name: 'lo' }])), 'specs[0].name', 'addMany with a template name');
  // With netns, addrGenMode and up, the up follows in the new netns by the new name.
  const other = rawNetns();
  t.teardown(() => other.close());
  t.equal(await refusal(rt.link.set('nl0', { name: 'mv%d', netns: other, addrGenMode: 'none', up: true })), 'name', 'move + template rename + addrGenMode + up');
  t.equal(rt.sock.stats.requests, sent, 'nothing was sent');
  t.same(names(), before, 'nothing made');
  // Two template peers are two links, not one name twice.
  await rt.link.addMany([{ kind: 'veth', name: 'm0', peer: { name: 'mp%d' } }, { kind: 'veth', name: 'm1', peer: { name: 'mp%d' } }]);
  t.same(names().filter((n) => n.startsWith('mp')), ['mp0', 'mp1'], 'addMany: template peers');
  // A rename to a template: the echo reads the link back by ifindex, not by the template.
  const idx = await rt.link.index('nl0');
  const renamed = await rt.link.set('nl0', { name: 'rn%d' }, { echo: true });
  t.same([renamed.name, renamed.index], ['rn0', idx], 'rename to a template, echoed');
});

t.test('list filters by kind and master in the kernel', privileged, async (t) => {
  const { rt } = fresh(t);
  await rt.link.add({ kind: 'bridge', name: 'br0' });
  await rt.link.add({ kind: 'veth', name: 'p0', peer: { name: 'p1' } });
  await rt.link.add({ kind: 'ifb', name: 'ifb0' });
  await rt.link.set('p0', { master: 'br0' });
  t.same((await rt.link.list({ kind: 'veth' })).map((l) => l.name).sort(), ['p0', 'p1']);
  t.same((await rt.link.list({ kind: 'ifb' })).map((l) => l.name), ['ifb0']);
  t.same((await rt.link.list({ master: 'br0' })).map((l) => l.name), ['p0']);
});

t.test('EEXIST, and the kernel\'s extended-ACK text names the offending attribute', privileged, async (t) => {
  const { rt } = fresh(t);
  await rt.link.add({ kind: 'veth', name: 'x0', peer: { name: 'x1' } });
  const e1 = await rt.link.add({ kind: 'veth', name: 'x0' }).catch((e) => e);
  t.equal(e1.code, 'EEXIST');
  t.match(e1.message, /^EEXIST: File exists .*\(RTM_NEWLINK x0 type veth\)$/);
  const e2 = await rt.link.set('x0', { mtu: 70000 }).catch((e) => e);
  t.equal(e2.code, 'EINVAL');
  t.match(e2.extack.message, /mtu greater than device maximum/);
  // A policy failure carries the offending attribute's offset: name it. (Raw request:
  // nlkit's own checks would refuse a 20-byte name before sending.)
  const e4: any = await rt.sock.request(C.RTM_NEWLINK, 0, (w) => {
    w.reserve(16);
    w.putStrz(C.IFLA_IFNAME, 'twenty-byte-name-xyz');
  }).catch((e) => e);
  t.equal(e4.code, 'ERANGE');
  t.match(e4.extack.message, /Attribute failed policy validation/);
  t.equal(e4.extack.attribute, 'IFLA_IFNAME', 'the extended-ACK offset is named');
  t.match(e4.message, /\[at IFLA_IFNAME, policy: string of at most 15 bytes\] \(RTM_NEWLINK\)$/, "the attribute and the kernel's policy for it");
  const e3 = await rt.link.add({ kind: 'vxlan', name: 'vx0', data: { id: 1, ttl: 300 as any } }).catch((e) => e);
  t.ok(e3 instanceof InvalidArgumentError, 'out-of-range kind option refused before sending');
});

t.test('kinds this kernel may lack: created when it can, skipped by its EOPNOTSUPP answer', privileged, async (t) => {
  const { rt } = fresh(t);
  await rt.link.add({ kind: 'veth', name: 'up0', peer: { name: 'up1' } });
  const cases: Array<[string, Parameters<LinkApi['add']>[0]]> = [
    ['dummy', { kind: 'dummy', name: 'dm0' }],
    ['vlan', { kind: 'vlan', name: 'vl0', link: 'up0', data: { id: 10 } }],
    ['bond', { kind: 'bond', name: 'bd0', data: { mode: 'active-backup', miimon: 100 } }],
    ['ipvlan', { kind: 'ipvlan', name: 'ipv0', link: 'up0', data: { mode: 'l3' } }],
  ];
  for (const [kind, spec] of cases) {
    const err = await rt.link.add(spec).catch((e) => e);
    if (err?.code === 'EOPNOTSUPP') {
      t.match(err.message, /Unknown device type/, `${kind}: kernel says EOPNOTSUPP`);
      t.comment(`${kind}: not built into this kernel — live check skipped by the kernel's answer`);
      continue;
    }
    t.error(err, `${kind} created`);
    t.equal((await rt.link.get(spec.name!)).kind, kind, `${kind} decodes`);
  }
});

/** Build a request with LinkApi against a recording socket (nothing is sent). */
async function encodeAdd(spec: Parameters<LinkApi['add']>[0]): Promise<Buffer> {
  const [bytes] = await recordedLinkRequests((api) => api.add(spec));
  return bytes!;
}

const le16 = (n: number) => [n & 0xff, n >> 8];
const le32 = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24];
const attr = (type: number, payload: number[]) => {
  const len = 4 + payload.length;
  const pad = (4 - (len % 4)) % 4;
  return [...le16(len), ...le16(type), ...payload, ...new Array(pad).fill(0)];
};
const strz = (s: string) => [...Buffer.from(s), 0];
const nest = (type: number, body: number[]) => attr(type | 0x8000, body);
const msg = (body: number[], flags: number) => [...le32(16 + body.length), ...le16(C.RTM_NEWLINK), ...le16(flags), ...le32(1), ...le32(0), ...body];
const ifinfo = new Array(16).fill(0);
const CREATE = 0x05 | 0x400 | 0x200;

t.test('encode-only kinds (vlan, dummy, bond, ipvlan): byte-exact requests', async (t) => {
  t.same([...(await encodeAdd({ kind: 'dummy', name: 'dm0' }))],
    msg([...ifinfo, ...attr(C.IFLA_IFNAME, strz('dm0')), ...nest(C.IFLA_LINKINFO, attr(C.IFLA_INFO_KIND, strz('dummy')))], CREATE), 'dummy');
  t.same([...(await encodeAdd({ kind: 'vlan', name: 'vl0', link: 'eth0', data: { id: 100, protocol: '802.1ad' } }))],
    msg([...ifinfo, ...attr(C.IFLA_IFNAME, strz('vl0')), ...attr(C.IFLA_LINK, le32(7)),
      ...nest(C.IFLA_LINKINFO, [...attr(C.IFLA_INFO_KIND, strz('vlan')),
        ...nest(C.IFLA_INFO_DATA, [...attr(C.IFLA_VLAN_ID, le16(100)), ...attr(C.IFLA_VLAN_PROTOCOL, [0x88, 0xa8])])])], CREATE), 'vlan (protocol big-endian)');
  t.same([...(await encodeAdd({ kind: 'bond', name: 'bd0', data: { mode: '802.3ad', miimon: 100 } }))],
    msg([...ifinfo, ...attr(C.IFLA_IFNAME, strz('bd0')),
      ...nest(C.IFLA_LINKINFO, [...attr(C.IFLA_INFO_KIND, strz('bond')),
        ...nest(C.IFLA_INFO_DATA, [...attr(C.IFLA_BOND_MODE, [4]), ...attr(C.IFLA_BOND_MIIMON, le32(100))])])], CREATE), 'bond');
  t.same([...(await encodeAdd({ kind: 'ipvlan', name: 'ip0', link: 3, data: { mode: 'l3s' } }))],
    msg([...ifinfo, ...attr(C.IFLA_IFNAME, strz('ip0')), ...attr(C.IFLA_LINK, le32(3)),
      ...nest(C.IFLA_LINKINFO, [...attr(C.IFLA_INFO_KIND, strz('ipvlan')),
        ...nest(C.IFLA_INFO_DATA, [...attr(C.IFLA_IPVLAN_MODE, le16(2))])])], CREATE), 'ipvlan');
});

t.test('veth request carries the whole peer (name, MTU, MAC, netns fd) inside VETH_INFO_PEER', async (t) => {
  const b = await encodeAdd({ kind: 'veth', name: 'c0', mtu: 1500, up: true, address: '00:15:5d:1a:1f:1c', peer: { name: 'h0', mtu: 1500, netns: 9 } });
  const up = [0, 0, 0, 0, 0, 0, 0, 0, ...le32(1), ...le32(1)];
  const peerBody = [...ifinfo, ...attr(C.IFLA_IFNAME, strz('h0')), ...attr(C.IFLA_MTU, le32(1500)), ...attr(C.IFLA_NET_NS_FD, le32(9))];
  t.same([...b], msg([...up, ...attr(C.IFLA_IFNAME, strz('c0')), ...attr(C.IFLA_MTU, le32(1500)), ...attr(C.IFLA_ADDRESS, [0x00, 0x15, 0x5d, 0x1a, 0x1f, 0x1c]),
    ...nest(C.IFLA_LINKINFO, [...attr(C.IFLA_INFO_KIND, strz('veth')), ...nest(C.IFLA_INFO_DATA, attr(C.VETH_INFO_PEER, peerBody))])], CREATE));
});

t.test('bad input is refused before anything is sent', privileged, async (t) => {
  const { ns, rt } = fresh(t);
  await rt.link.add({ kind: 'veth', name: 'ok0', peer: { name: 'ok1' } });
  const before = ipJson<IpLink[]>(ns.path, ['link', 'show']).length;
  const sent = rt.sock.stats.requests;
  const closed = rawNetns();
  closed.close();
  const bad: Array<[string, () => Promise<unknown>]> = [
    ['empty name', () => rt.link.add({ kind: 'veth', name: '' })],
    ['16-byte name', () => rt.link.add({ kind: 'veth', name: 'abcdefghijklmnop' })],
    ["name with '/'", () => rt.link.add({ kind: 'veth', name: 'a/b' })],
    ["name with ':'", () => rt.link.add({ kind: 'veth', name: 'a:b' })],
    ['name with a space', () => rt.link.add({ kind: 'veth', name: 'a b' })],
    ['name with NUL', () => rt.link.add({ kind: 'veth', name: 'a\0b' })],
    ["name '.'", () => rt.link.add({ kind: 'veth', name: '.' })],
    ["name '..'", () => rt.link.add({ kind: 'veth', name: '..' })],
    ['peer name too long', () => rt.link.add({ kind: 'veth', name: 'p0', peer: { name: 'x'.repeat(16) } })],
    ['MTU NaN', () => rt.link.add({ kind: 'veth', name: 'm0', mtu: NaN })],
    ['MTU negative', () => rt.link.add({ kind: 'veth', name: 'm0', mtu: -1 })],
    ['MTU 1.5', () => rt.link.add({ kind: 'veth', name: 'm0', mtu: 1.5 })],
    ['MTU as string', () => rt.link.add({ kind: 'veth', name: 'm0', mtu: '1500' as any })],
    ['5-byte MAC', () => rt.link.add({ kind: 'veth', name: 'm0', address: '00:11:22:33:44' })],
    ['malformed MAC', () => rt.link.add({ kind: 'veth', name: 'm0', address: 'zz:11:22:33:44:55' })],
    ['unknown kind', () => rt.link.add({ kind: 'wormhole', name: 'w0' })],
    ['kind not a string', () => rt.link.add({ kind: 42 as any, name: 'w0' })],
    ['unknown option', () => rt.link.add({ kind: 'veth', name: 'u0', colour: 'blue' } as any)],
    ['peer on a bridge', () => rt.link.add({ kind: 'bridge', name: 'b0', peer: { name: 'b1' } } as any)],
    ['peer up in the create message', () => rt.link.add({ kind: 'veth', name: 'u0', peer: { name: 'u1', up: true as any } })],
    ['macvlan without parent', () => rt.link.add({ kind: 'macvlan', name: 'mv0' })],
    ['vxlan without id', () => rt.link.add({ kind: 'vxlan', name: 'vx0' })],
    ['vxlan IPv6 address in local (IPv4 attribute)', () => rt.link.add({ kind: 'vxlan', name: 'vx0', data: { id: 1, local: '2001:db8::1' } })],
    ['closed netns fd object', () => rt.link.add({ kind: 'veth', name: 'n0', peer: { name: 'n1', netns: { get fd(): number { throw new InvalidArgumentError('netns', 'closed'); } } } })],
    ['negative netns fd', () => rt.link.add({ kind: 'veth', name: 'n0', netns: -1 })],
    ['numTxQueues 0 (the kernel takes 1..4096)', () => rt.link.add({ kind: 'veth', name: 'q0', numTxQueues: 0 })],
    ['peer.numRxQueues 4097', () => rt.link.add({ kind: 'veth', name: 'q0', peer: { name: 'q1', numRxQueues: 4097 } })],
    ['numRxQueues 1.5', () => rt.link.add({ kind: 'bridge', name: 'q0', numRxQueues: 1.5 })],
    ['set with unknown key', () => rt.link.set('ok0', { colour: 'red' } as any)],
    ['set up: "yes"', () => rt.link.set('ok0', { up: 'yes' as any })],
    ['set master not a link ref, with an address (looked up first)', () => rt.link.set('ok0', { address: '02:00:00:00:00:01', master: {} as any })],
    ['set master not a link ref, with xdp: null (the link read first)', () => rt.link.set('ok0', { xdp: null, master: 1.5 })],
    ['ifindex 0', () => rt.link.get(0)],
    ['ifindex NaN', () => rt.link.get(NaN)],
    ['list with bad kind', () => rt.link.list({ kind: 'Not A Kind!' })],
    ['spec not an object', () => rt.link.add(null as any)],
  ];
  for (const [what, fn] of bad) {
    const e = await fn().then(() => undefined, (x) => x);
    t.ok(e instanceof InvalidArgumentError, `${what}: InvalidArgumentError (${e?.message})`);
  }
  t.equal(rt.sock.stats.requests, sent, 'nothing was sent');
  t.equal(ipJson<IpLink[]>(ns.path, ['link', 'show']).length, before, 'no link was made');
});

t.test('a dump racing with link churn is retried and returns a consistent list, or fails loudly', privileged, async (t) => {
  const { ns, rt } = fresh(t);
  const batch = Array.from({ length: 300 }, (_, i) => `link add c${i} type veth peer name d${i}`).join('\n');
  inNs(ns.path, 'ip', ['-batch', '-'], batch);
  // Churn from another process: a link created and deleted every ~50 ms.
  const churn = spawn('nsenter', [`--net=${ns.path}`, 'sh', '-c', 'while :; do ip link add z0 type veth peer name z1; sleep 0.03; ip link del z0; sleep 0.03; done'], { stdio: 'ignore' });
  t.teardown(() => {
    churn.kill('SIGKILL');
  });
  // The churn has started (its first link seen) before the dumps begin: on a slow host,
  // spawning nsenter, sh and ip took longer than 40 dumps.
  const t0 = Date.now();
  for (;;) {
    if (await rt.link.get('z0').then(() => true, () => false)) break;
    if (Date.now() - t0 > 10_000) throw new Error('the churn process made no link in 10 s');
    await new Promise((r) => setTimeout(r, 5));
  }
  // At least 40 dumps, and more (up to 400, or 20 s) until one was interrupted and retried.
  let retries = 0;
  let failed = 0;
  let done = 0;
  const bad: string[] = [];
  for (let i = 0; i < 400 && (i < 40 || retries === 0) && Date.now() - t0 < 20_000; i++) {
    done++;
    const before = rt.sock.stats.dumpRetries;
    let links: Link[];
    try {
      links = await rt.link.list();
    } catch (e) {
      // Never silent: an interrupted dump that stays interrupted is an error with the partial data.
      if (!(e instanceof DumpInterruptedError) || !Array.isArray(e.partial)) bad.push(`dump ${i}: ${String(e)}, not a DumpInterruptedError with the partial result`);
      failed++;
      continue;
    } finally {
      retries += rt.sock.stats.dumpRetries - before;
    }
    if (new Set(links.map((l) => l.index)).size !== links.length) bad.push(`dump ${i}: a duplicate ifindex`);
    const stable = links.map((l) => l.name).filter((n) => /^[cd]\d+$/.test(n)).length;
    if (stable !== 600) bad.push(`dump ${i}: ${stable} of the 600 stable links`);
  }
  t.comment(`NLM_F_DUMP_INTR retries across ${done} dumps: ${retries}; dumps still interrupted after all retries: ${failed}`);
  t.same(bad, [], 'every completed dump has the 600 stable links once each; every failed one is a DumpInterruptedError with its partial result');
  t.ok(retries > 0, 'the kernel flagged dumps as interrupted and nlkit retried them');
  t.ok(failed < done, 'most dumps completed consistently');
});

t.test('a link too big for a default dump part (hundreds of altnames) is still listed', privileged, async (t) => {
  const { ns, rt } = fresh(t);
  ip(ns.path, ['link', 'add', 'big0', 'type', 'veth', 'peer', 'name', 'big1']);
  const cmds = Array.from({ length: 400 }, (_, i) => `link property add dev big0 altname ${'a'.repeat(100)}${String(i).padStart(6, '0')}`).join('\n');
  inNs(ns.path, 'ip', ['-batch', '-'], cmds);
  const links = await rt.link.list();
  const big = links.find((l) => l.name === 'big0');
  t.ok(big, 'the big link is in the dump');
  t.equal(big?.altnames?.length, 400, 'with all its altnames');
  t.same(links.map((l) => l.name).sort(), ['big0', 'big1', 'lo']);
});
