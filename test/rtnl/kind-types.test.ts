// Kind options and decoded kind data are typed from the kinds' attribute tables
// (table()'s rows → ShapeOf / InputOf): the type-level keys must be the keys the tables
// really use at run time (a camelCase slip in the type-level Camel would type a key the
// decoder never sets), and misuse must not compile. Held both ways:
// - each `exact<…>()({ … })` below compiles only when its keys are exactly the derived
//   type's keys (a missing or extra key fails tsc, and so the test run); the tests then
//   compare those keys with the table's rows at run time. The key lists were generated
//   from the tables; when a table gains a row, the run-time comparison fails until the
//   list here gains it too, and tsc then checks the type derived for it;
// - `@ts-expect-error` lines must fail to compile (tsc fails when they do not);
// - isLinkKind and isPortOf narrow real decoded links.
import t from 'tap';
import { MessageWriter } from '../../src/netlink/index.js';
import type { InputOf, ShapeOf } from '../../src/rtnl/table-helpers.js';
import { BRIDGE_DATA, BRIDGE_PORT_DATA, MACVLAN_DATA, VXLAN_DATA, TUN_DATA, VLAN_DATA, BOND_DATA, IPVLAN_DATA, IPIP_DATA, SIT_DATA, GRE_DATA, IP6TNL_DATA, IP6GRE_DATA, GENEVE_DATA, type GreOptions, type GeneveData, type Ip6tnlOptions, type VxlanOptions, type MacvlanOptions, type BridgePortData, type VxlanData, type BridgeData } from '../../src/rtnl/link/kinds/index.js';
import { decodeLink, isLinkKind, isPortOf, type Link } from '../../src/rtnl/link/decode.js';
import type { LinkSpec } from '../../src/rtnl/link/api.js';
import * as C from '../../src/rtnl/constants.js';

/** `exact<T>()(r)`: compiles only when r's keys are exactly T's keys; returns them. */
function exact<T>() {
  return <R extends { readonly [K in keyof T]-?: true }>(r: R & { readonly [K in Exclude<keyof R, keyof T>]: never }): string[] => Object.keys(r);
}

const TABLES = {
  BRIDGE_DATA: {
    table: BRIDGE_DATA,
    shape: exact<ShapeOf<typeof BRIDGE_DATA>>()({ forwardDelay: true, helloTime: true, maxAge: true, ageingTime: true, stpState: true, priority: true, vlanFiltering: true, vlanProtocol: true, groupFwdMask: true, rootId: true, bridgeId: true, rootPort: true, rootPathCost: true, topologyChange: true, topologyChangeDetected: true, helloTimer: true, tcnTimer: true, topologyChangeTimer: true, gcTimer: true, groupAddr: true, fdbFlush: true, mcastRouter: true, mcastSnooping: true, mcastQueryUseIfaddr: true, mcastQuerier: true, mcastHashElasticity: true, mcastHashMax: true, mcastLastMemberCnt: true, mcastStartupQueryCnt: true, mcastLastMemberIntvl: true, mcastMembershipIntvl: true, mcastQuerierIntvl: true, mcastQueryIntvl: true, mcastQueryResponseIntvl: true, mcastStartupQueryIntvl: true, nfCallIptables: true, nfCallIp6tables: true, nfCallArptables: true, vlanDefaultPvid: true, vlanStatsEnabled: true, mcastStatsEnabled: true, mcastIgmpVersion: true, mcastMldVersion: true, vlanStatsPerPort: true, multiBoolopt: true, unknown: true }),
    input: exact<InputOf<typeof BRIDGE_DATA>>()({ forwardDelay: true, helloTime: true, maxAge: true, ageingTime: true, stpState: true, priority: true, vlanFiltering: true, vlanProtocol: true, groupFwdMask: true, rootPort: true, rootPathCost: true, topologyChange: true, topologyChangeDetected: true, helloTimer: true, tcnTimer: true, topologyChangeTimer: true, gcTimer: true, groupAddr: true, fdbFlush: true, mcastRouter: true, mcastSnooping: true, mcastQueryUseIfaddr: true, mcastQuerier: true, mcastHashElasticity: true, mcastHashMax: true, mcastLastMemberCnt: true, mcastStartupQueryCnt: true, mcastLastMemberIntvl: true, mcastMembershipIntvl: true, mcastQuerierIntvl: true, mcastQueryIntvl: true, mcastQueryResponseIntvl: true, mcastStartupQueryIntvl: true, nfCallIptables: true, nfCallIp6tables: true, nfCallArptables: true, vlanDefaultPvid: true, vlanStatsEnabled: true, mcastStatsEnabled: true, mcastIgmpVersion: true, mcastMldVersion: true, vlanStatsPerPort: true, multiBoolopt: true }),
  },
  BRIDGE_PORT_DATA: {
    table: BRIDGE_PORT_DATA,
    shape: exact<ShapeOf<typeof BRIDGE_PORT_DATA>>()({ state: true, priority: true, cost: true, hairpin: true, guard: true, rootBlock: true, fastLeave: true, learning: true, flood: true, proxyarp: true, learningSync: true, proxyarpWifi: true, rootId: true, bridgeId: true, designatedPort: true, designatedCost: true, id: true, no: true, topologyChangeAck: true, configPending: true, messageAgeTimer: true, forwardDelayTimer: true, holdTimer: true, flush: true, multicastRouter: true, mcastFlood: true, mcastToUcast: true, vlanTunnel: true, bcastFlood: true, groupFwdMask: true, neighSuppress: true, isolated: true, backupPort: true, mrpRingOpen: true, mrpInOpen: true, mcastEhtHostsLimit: true, mcastEhtHostsCnt: true, locked: true, unknown: true }),
    input: exact<InputOf<typeof BRIDGE_PORT_DATA>>()({ state: true, priority: true, cost: true, hairpin: true, guard: true, rootBlock: true, fastLeave: true, learning: true, flood: true, proxyarp: true, learningSync: true, proxyarpWifi: true, designatedPort: true, designatedCost: true, id: true, no: true, topologyChangeAck: true, configPending: true, messageAgeTimer: true, forwardDelayTimer: true, holdTimer: true, flush: true, multicastRouter: true, mcastFlood: true, mcastToUcast: true, vlanTunnel: true, bcastFlood: true, groupFwdMask: true, neighSuppress: true, isolated: true, backupPort: true, mrpRingOpen: true, mrpInOpen: true, mcastEhtHostsLimit: true, mcastEhtHostsCnt: true, locked: true }),
  },
  MACVLAN_DATA: {
    table: MACVLAN_DATA,
    shape: exact<ShapeOf<typeof MACVLAN_DATA>>()({ mode: true, flags: true, macaddrMode: true, macaddrData: true, macaddrCount: true, bcQueueLen: true, bcQueueLenUsed: true, unknown: true }),
    input: exact<InputOf<typeof MACVLAN_DATA>>()({ mode: true, flags: true, macaddrMode: true, macaddr: true, bcQueueLen: true }),
  },
  VXLAN_DATA: {
    table: VXLAN_DATA,
    shape: exact<ShapeOf<typeof VXLAN_DATA>>()({ id: true, group: true, link: true, local: true, ttl: true, tos: true, learning: true, ageing: true, limit: true, portRange: true, proxy: true, rsc: true, l2miss: true, l3miss: true, port: true, group6: true, local6: true, udpCsum: true, udpZeroCsum6Tx: true, udpZeroCsum6Rx: true, remcsumTx: true, remcsumRx: true, gbp: true, remcsumNopartial: true, collectMetadata: true, label: true, gpe: true, ttlInherit: true, df: true, vnifilter: true, unknown: true }),
    input: exact<InputOf<typeof VXLAN_DATA>>()({ id: true, group: true, link: true, local: true, ttl: true, tos: true, learning: true, ageing: true, limit: true, portRange: true, proxy: true, rsc: true, l2miss: true, l3miss: true, port: true, group6: true, local6: true, udpCsum: true, udpZeroCsum6Tx: true, udpZeroCsum6Rx: true, remcsumTx: true, remcsumRx: true, gbp: true, remcsumNopartial: true, collectMetadata: true, label: true, gpe: true, ttlInherit: true, df: true, vnifilter: true }),
  },
  TUN_DATA: {
    table: TUN_DATA,
    shape: exact<ShapeOf<typeof TUN_DATA>>()({ owner: true, group: true, type: true, pi: true, vnetHdr: true, persist: true, multiQueue: true, numQueues: true, numDisabledQueues: true, unknown: true }),
    input: exact<InputOf<typeof TUN_DATA>>()({ owner: true, group: true, type: true, pi: true, vnetHdr: true, persist: true, multiQueue: true, numQueues: true, numDisabledQueues: true }),
  },
  VLAN_DATA: {
    table: VLAN_DATA,
    shape: exact<ShapeOf<typeof VLAN_DATA>>()({ id: true, flags: true, egressQos: true, ingressQos: true, protocol: true, unknown: true }),
    input: exact<InputOf<typeof VLAN_DATA>>()({ id: true, flags: true, egressQos: true, ingressQos: true, protocol: true }),
  },
  BOND_DATA: {
    table: BOND_DATA,
    shape: exact<ShapeOf<typeof BOND_DATA>>()({ mode: true, activeSlave: true, miimon: true, updelay: true, downdelay: true, useCarrier: true, arpInterval: true, primary: true, xmitHashPolicy: true, minLinks: true, adLacpRate: true, unknown: true }),
    input: exact<InputOf<typeof BOND_DATA>>()({ mode: true, activeSlave: true, miimon: true, updelay: true, downdelay: true, useCarrier: true, arpInterval: true, primary: true, xmitHashPolicy: true, minLinks: true, adLacpRate: true }),
  },
  IPVLAN_DATA: {
    table: IPVLAN_DATA,
    shape: exact<ShapeOf<typeof IPVLAN_DATA>>()({ mode: true, flags: true, unknown: true }),
    input: exact<InputOf<typeof IPVLAN_DATA>>()({ mode: true, flags: true }),
  },
  IPIP_DATA: {
    table: IPIP_DATA,
    shape: exact<ShapeOf<typeof IPIP_DATA>>()({ proto: true, collectMetadata: true, local: true, remote: true, pmtudisc: true, tos: true, ttl: true, link: true, fwmark: true, encapType: true, encapFlags: true, encapSport: true, encapDport: true, unknown: true }),
    input: exact<InputOf<typeof IPIP_DATA>>()({ proto: true, collectMetadata: true, local: true, remote: true, pmtudisc: true, tos: true, ttl: true, link: true, fwmark: true, encapType: true, encapFlags: true, encapSport: true, encapDport: true }),
  },
  SIT_DATA: {
    table: SIT_DATA,
    shape: exact<ShapeOf<typeof SIT_DATA>>()({ proto: true, collectMetadata: true, local: true, remote: true, pmtudisc: true, tos: true, ttl: true, link: true, fwmark: true, encapType: true, encapFlags: true, encapSport: true, encapDport: true, flags: true, '6rdPrefix': true, '6rdPrefixlen': true, '6rdRelayPrefix': true, '6rdRelayPrefixlen': true, unknown: true }),
    input: exact<InputOf<typeof SIT_DATA>>()({ proto: true, collectMetadata: true, local: true, remote: true, pmtudisc: true, tos: true, ttl: true, link: true, fwmark: true, encapType: true, encapFlags: true, encapSport: true, encapDport: true, flags: true, '6rdPrefix': true, '6rdPrefixlen': true, '6rdRelayPrefix': true, '6rdRelayPrefixlen': true }),
  },
  GRE_DATA: {
    table: GRE_DATA,
    shape: exact<ShapeOf<typeof GRE_DATA>>()({ ikey: true, okey: true, iflags: true, oflags: true, local: true, remote: true, pmtudisc: true, ignoreDf: true, tos: true, link: true, ttl: true, fwmark: true, erspanIndex: true, erspanVer: true, erspanDir: true, erspanHwid: true, encapType: true, encapFlags: true, encapSport: true, encapDport: true, collectMetadata: true, unknown: true }),
    input: exact<InputOf<typeof GRE_DATA>>()({ ikey: true, okey: true, iflags: true, oflags: true, local: true, remote: true, pmtudisc: true, ignoreDf: true, tos: true, link: true, ttl: true, fwmark: true, erspanIndex: true, erspanVer: true, erspanDir: true, erspanHwid: true, encapType: true, encapFlags: true, encapSport: true, encapDport: true, collectMetadata: true }),
  },
  IP6TNL_DATA: {
    table: IP6TNL_DATA,
    shape: exact<ShapeOf<typeof IP6TNL_DATA>>()({ proto: true, collectMetadata: true, local: true, remote: true, ttl: true, encapLimit: true, flowinfo: true, flags: true, link: true, fwmark: true, encapType: true, encapFlags: true, encapSport: true, encapDport: true, unknown: true }),
    input: exact<InputOf<typeof IP6TNL_DATA>>()({ proto: true, collectMetadata: true, local: true, remote: true, ttl: true, encapLimit: true, flowinfo: true, flags: true, link: true, fwmark: true, encapType: true, encapFlags: true, encapSport: true, encapDport: true }),
  },
  IP6GRE_DATA: {
    table: IP6GRE_DATA,
    shape: exact<ShapeOf<typeof IP6GRE_DATA>>()({ ikey: true, okey: true, iflags: true, oflags: true, local: true, remote: true, link: true, ttl: true, encapLimit: true, flowinfo: true, flags: true, fwmark: true, erspanVer: true, erspanIndex: true, erspanDir: true, erspanHwid: true, encapType: true, encapFlags: true, encapSport: true, encapDport: true, collectMetadata: true, unknown: true }),
    input: exact<InputOf<typeof IP6GRE_DATA>>()({ ikey: true, okey: true, iflags: true, oflags: true, local: true, remote: true, link: true, ttl: true, encapLimit: true, flowinfo: true, flags: true, fwmark: true, erspanVer: true, erspanIndex: true, erspanDir: true, erspanHwid: true, encapType: true, encapFlags: true, encapSport: true, encapDport: true, collectMetadata: true }),
  },
  GENEVE_DATA: {
    table: GENEVE_DATA,
    shape: exact<ShapeOf<typeof GENEVE_DATA>>()({ ttlInherit: true, df: true, id: true, remote: true, remote6: true, label: true, ttl: true, tos: true, port: true, collectMetadata: true, udpCsum: true, udpZeroCsum6Tx: true, udpZeroCsum6Rx: true, innerProtoInherit: true, unknown: true }),
    input: exact<InputOf<typeof GENEVE_DATA>>()({ ttlInherit: true, df: true, id: true, remote: true, remote6: true, label: true, ttl: true, tos: true, port: true, collectMetadata: true, udpCsum: true, udpZeroCsum6Tx: true, udpZeroCsum6Rx: true, innerProtoInherit: true }),
  },
};

for (const [name, { table, shape, input }] of Object.entries(TABLES)) {
  t.test(`${name}: the derived types' keys are the table's keys`, async (t) => {
    // Every row but the encode-only ones (macvlan's macaddr: the kernel reports the list as macaddrData).
    const decoded = table.rows.filter((r) => !(table === MACVLAN_DATA && r.key === 'macaddr')).map((r) => r.key);
    t.same(shape, [...decoded, 'unknown'], 'decoded: every row, and unknown');
    const encodable = table.rows.filter((r) => typeof r.codec === 'string' || (r.codec as { encode?: unknown }).encode !== undefined).map((r) => r.key);
    t.same(input, encodable, 'options: the rows that can be encoded');
  });
}

t.test('value types follow the codecs (compile-time checks; run when they compile)', async (t) => {
  const d: VxlanData = { id: 42, group: '239.1.1.1', learning: true, port: 4789, gbp: true, ttlInherit: false, portRange: { low: 1000, high: 2000 } };
  const low: number | undefined = d.portRange?.low;
  const b: BridgeData = { stpState: 1, helloTimer: 0n, groupAddr: '01:80:c2:00:00:00', rootId: '8000.02:00:00:00:00:01' };
  const p: BridgePortData = { state: 'forwarding', hairpin: true, messageAgeTimer: 5n, cost: 100 };
  const o: VxlanOptions = { id: 42, local: '10.0.0.1', port: 4789, ttlInherit: true };
  const m: MacvlanOptions = { mode: 'bridge' };
  const m2: MacvlanOptions = { mode: 4 };
  // @ts-expect-error a typo in an option is not a key of VxlanOptions
  const bad1: VxlanOptions = { idd: 42 };
  // @ts-expect-error a VNI is a number
  const bad2: VxlanOptions = { id: '42' };
  // @ts-expect-error macaddrData is read-only (the codec cannot encode it)
  const bad3: MacvlanOptions = { macaddrData: ['02:00:00:00:00:01'] };
  // @ts-expect-error not a macvlan mode
  const bad4: MacvlanOptions = { mode: 'bridged' };
  // @ts-expect-error a bridge port state by a wrong name
  const bad5: BridgePortData = { state: 'forward' };
  const range: VxlanOptions = { id: 42, portRange: { low: 1000, high: 2000 } };
  // @ts-expect-error a vxlan source port range is { low, high }, no longer raw bytes
  const bad6: VxlanOptions = { id: 42, portRange: new Uint8Array([3, 232, 7, 208]) };
  // @ts-expect-error and decodes to numbers, not bytes
  const bad7: VxlanData = { portRange: Buffer.alloc(4) };
  t.equal(low, 1000);
  t.ok([d, b, p, o, m, m2, range, bad1, bad2, bad3, bad4, bad5, bad6, bad7].length === 14);
});

t.test('tunnel kinds: value types follow their codecs (compile-time checks; run when they compile)', async (t) => {
  const g: GreOptions = { remote: '192.0.2.1', local: 'any', ikey: 42, okey: '0.0.0.42', iflags: ['key', 'seq'], oflags: ['key', '0x80'], encapType: 'fou', encapFlags: ['csum'] };
  const p: Ip6tnlOptions = { proto: 'ipip6', flags: ['ign_encap_limit'], flowinfo: 0x02012345 };
  const d: GeneveData = { id: 5, remote6: '2001:db8::1', df: 'inherit', port: 6081, collectMetadata: false };
  const flags: GeneveData['df'] = d.df;
  // @ts-expect-error a GRE header flag by a wrong name
  const bad1: GreOptions = { iflags: ['keyed'] };
  // @ts-expect-error an ip6tnl mode is ip6ip6, ipip6 or any (ip6ip is a sit's)
  const bad2: Ip6tnlOptions = { proto: 'ip6ip' };
  // @ts-expect-error a geneve port is a number
  const bad3: GeneveData = { port: '6081' };
  // @ts-expect-error tos is an ipip's and a gre's, not an ip6tnl's (it has flowinfo)
  const bad4: Ip6tnlOptions = { tos: 1 };
  const specs: LinkSpec[] = [
    { kind: 'ipip', name: 'tunl1', data: { remote: '192.0.2.2', local: '192.0.2.1', ttl: 64 } },
    { kind: 'geneve', name: 'gnv0', data: { id: 2, remote: '192.0.2.2', port: 6081 } },
    { kind: 'wireguard', name: 'wg0' },
  ];
  // @ts-expect-error a gre option on a geneve
  const bad5: LinkSpec = { kind: 'geneve', name: 'gnv0', data: { id: 2, ikey: 1 } };
  t.equal(flags, 'inherit');
  t.ok([g, p, d, bad1, bad2, bad3, bad4, bad5, ...specs].length === 11);
});

t.test('LinkSpec: data typed by kind, peer only for veth (compile-time checks)', async (t) => {
  const specs: LinkSpec[] = [
    { kind: 'vxlan', name: 'vx0', data: { id: 1, port: 4789 } },
    { kind: 'macvlan', name: 'mv0', link: 'eth0', data: { mode: 'bridge' } },
    { kind: 'bridge', name: 'br0', data: { stpState: 0 } },
    { kind: 'veth', name: 'a0', peer: { name: 'b0' } },
    { kind: 'ifb', name: 'ifb9' },
    { kind: 'gre', name: 'gre0' },
  ];
  // @ts-expect-error a vxlan option misspelt
  const e1: LinkSpec = { kind: 'vxlan', name: 'vx0', data: { idd: 1 } };
  // @ts-expect-error a bridge option on a vxlan
  const e2: LinkSpec = { kind: 'vxlan', name: 'vx0', data: { id: 1, stpState: 1 } };
  // @ts-expect-error peer is veth's
  const e3: LinkSpec = { kind: 'bridge', name: 'br0', peer: { name: 'x' } };
  // @ts-expect-error a kind without options takes no data
  const e4: LinkSpec = { kind: 'ifb', name: 'ifb9', data: { id: 1 } };
  // @ts-expect-error a veth peer cannot be brought up in the create message (ENOTCONN)
  const e5: LinkSpec = { kind: 'veth', name: 'a0', peer: { name: 'b0', up: true } };
  // @ts-expect-error a peer's netns is a Netns, an fd or { pid }, not a path
  const e6: LinkSpec = { kind: 'veth', name: 'a0', peer: { name: 'b0', netns: '/run/netns/x' } };
  t.equal(specs.length + [e1, e2, e3, e4, e5, e6].length, 12);
});

/** A decoded RTM_NEWLINK of `kind` with IFLA_INFO_DATA written by `data`. */
function linkOf(kind: string, data: (w: MessageWriter) => void): Link {
  const w = new MessageWriter();
  w.begin(C.RTM_NEWLINK, 0, 1);
  const o = w.reserve(16);
  w.view.setInt32(o + 4, 5, true);
  w.putStrz(C.IFLA_IFNAME, 'x0');
  const li = w.nestStart(C.IFLA_LINKINFO);
  w.putStrz(C.IFLA_INFO_KIND, kind);
  const d = w.nestStart(C.IFLA_INFO_DATA);
  data(w);
  w.nestEnd(d);
  w.nestEnd(li);
  const b = Buffer.from(w.finish());
  return decodeLink(b, new DataView(b.buffer, b.byteOffset, b.byteLength), 0, b.length);
}

t.test('isLinkKind narrows a decoded link to its kind, and only to its kind', async (t) => {
  const vx = linkOf('vxlan', (w) => { w.putU32(C.IFLA_VXLAN_ID, 42); w.putBe16(C.IFLA_VXLAN_PORT, 4789); });
  const br = linkOf('bridge', (w) => w.putU32(C.IFLA_BR_STP_STATE, 1));
  t.equal(isLinkKind(vx, 'vxlan'), true);
  t.equal(isLinkKind(vx, 'bridge'), false);
  t.equal(isLinkKind(br, 'vxlan'), false);
  t.equal(isLinkKind({ ...vx, linkinfo: undefined }, 'vxlan'), false, 'no linkinfo: not narrowed');
  if (isLinkKind(vx, 'vxlan')) {
    const id: number | undefined = vx.linkinfo.data?.id;
    const port: number | undefined = vx.linkinfo.data?.port;
    t.equal(id, 42);
    t.equal(port, 4789);
    // @ts-expect-error not a vxlan data key
    t.equal(vx.linkinfo.data?.stpState, undefined);
  }
  if (isLinkKind(br, 'bridge')) t.equal(br.linkinfo.data?.stpState, 1);
});

t.test('isPortOf narrows a bridge port to its port data, which needed a cast from Record<string, unknown>', async (t) => {
  const w = new MessageWriter();
  w.begin(C.RTM_NEWLINK, 0, 1);
  w.reserve(16);
  w.putStrz(C.IFLA_IFNAME, 'p0');
  const li = w.nestStart(C.IFLA_LINKINFO);
  w.putStrz(C.IFLA_INFO_KIND, 'veth');
  w.putStrz(C.IFLA_INFO_SLAVE_KIND, 'bridge');
  const sd = w.nestStart(C.IFLA_INFO_SLAVE_DATA);
  w.putU8(C.IFLA_BRPORT_STATE, 3);
  w.putU32(C.IFLA_BRPORT_COST, 7);
  w.putU8(C.IFLA_BRPORT_LEARNING, 1);
  w.nestEnd(sd);
  w.nestEnd(li);
  const b = Buffer.from(w.finish());
  const port = decodeLink(b, new DataView(b.buffer, b.byteOffset, b.byteLength), 0, b.length);
  const vx = linkOf('vxlan', (x) => x.putU32(C.IFLA_VXLAN_ID, 42));
  t.equal(isPortOf(port, 'bridge'), true);
  t.equal(isPortOf(vx, 'bridge'), false, 'not a port');
  t.equal(isPortOf({ ...port, linkinfo: undefined }, 'bridge'), false, 'no linkinfo: not narrowed');
  if (isPortOf(port, 'bridge')) {
    const d: BridgePortData | undefined = port.linkinfo.slaveData;
    const state: BridgePortData['state'] = d?.state;
    t.equal(state, 'forwarding');
    t.equal(d?.cost, 7);
    t.equal(d?.learning, true);
    // @ts-expect-error not a bridge-port key
    t.equal(port.linkinfo.slaveData?.stpState, undefined);
    t.equal(port.kind, 'veth', 'the link keeps its own kind');
  }
  // @ts-expect-error no port data for a kind nlkit decodes no port table of
  isPortOf(port, 'vxlan');
});
