// Per-path realms of IPv4 multipath routes (RTA_FLOW inside each rtnexthop): requests
// byte for byte as `ip route add/del … nexthop … realm N` (iproute2 6.1, read with
// strace -e write) sends them, the kernel's dump (read with strace -e read) decoded as
// `ip -j route` prints it, and on a real kernel in a fresh netns: routes with per-path
// realms added by nlkit and listed as `ip -j -d route show` lists them, and a listed
// route deleted by its value among IPv4 alternatives that differ only in a path's realm
// (the kernel matches a multipath delete path by path, realm included: fib_nh_match).
import t from 'tap';
import { InvalidArgumentError } from '../../src/netlink/errors.js';
import { RouteApi } from '../../src/rtnl/route/api.js';
import { decodeRoute, type Route } from '../../src/rtnl/route/decode.js';
import * as C from '../../src/rtnl/constants.js';
import { recordedRequests } from './scripted-link-api.js';
import { inNs, ip, ipJson, privileged, freshHandle } from '../helpers.js';

const routeApi = (core: never) => RouteApi.of(core);
const hex = (s: string) => s.replace(/\s+/g, '');
/** The RTA_MULTIPATH attribute of a route message (its header included), as hex. */
function multipathOf(msg: Buffer): string {
  for (let a = 16 + C.SIZEOF_RTMSG; a + 4 <= msg.length;) {
    const len = msg.readUInt16LE(a);
    if ((msg.readUInt16LE(a + 2) & 0x3fff) === C.RTA_MULTIPATH) return msg.subarray(a, a + len).toString('hex');
    a += (len + 3) & ~3;
  }
  return '';
}

// `ip route add 10.0.0.0/24 nexthop via 10.1.0.1 dev va realm 5 nexthop via 10.2.0.1 dev vb
// weight 3 realms 3/6` with va ifindex 3, vb ifindex 5 (nlmsg_seq set to 1 as the recorder
// writes it): each rtnexthop holds RTA_GATEWAY then RTA_FLOW.
const MULTIPATH = `3400 0900
  1800 00 00 03000000 0800 0500 0a010001 0800 0b00 05000000
  1800 00 02 05000000 0800 0500 0a020001 0800 0b00 06000300`;
const IP_ADD = `58000000 1800 0506 01000000 00000000  02 18 00 00 fe 03 00 01 00000000  0800 0100 0a000000 ${MULTIPATH}`;
// The same with `ip route del`: no protocol, type or scope (RT_SCOPE_NOWHERE, the kernel's wildcard).
const IP_DEL = `58000000 1900 0500 01000000 00000000  02 18 00 00 fe 00 ff 00 00000000  0800 0100 0a000000 ${MULTIPATH}`;
// The kernel's answer to `ip route show 10.0.0.0/24` for that route (fib_dump_info): RTA_TABLE, RTA_DST, RTA_MULTIPATH.
const KERNEL_DUMP = `60000000 1800 2200 df0e0d6b b64a0000  02 18 00 00 fe 03 00 01 00000000  0800 0f00 fe000000  0800 0100 0a000000 ${MULTIPATH}`;

const nexthops = [{ gateway: '10.1.0.1', dev: 3, flow: 5 }, { gateway: '10.2.0.1', dev: 5, weight: 3, flow: (3 << 16) | 6 }];

t.test('a path\'s realm is RTA_FLOW inside its rtnexthop, byte for byte as ip route add/del … nexthop … realm sends it', async (t) => {
  let r = await recordedRequests(routeApi, (a) => a.add({ dst: '10.0.0.0/24', nexthops }));
  t.equal(r.error, undefined);
  t.same(r.bytes.map((b) => b.toString('hex')), [hex(IP_ADD)], 'add: as ip route add … realm 5 … realms 3/6');
  r = await recordedRequests(routeApi, (a) => a.del({ dst: '10.0.0.0/24', nexthops }));
  t.same(r.bytes.map((b) => b.toString('hex')), [hex(IP_DEL)], 'del: as ip route del … realm 5 … realms 3/6');
  // Paths without a realm send none (no RTA_FLOW 0, which would be a realm to match).
  r = await recordedRequests(routeApi, (a) => a.add({ dst: '10.0.0.0/24', nexthops: [{ gateway: '10.1.0.1', dev: 3 }, { gateway: '10.2.0.1', dev: 5, flow: 0 }] }));
  t.equal(multipathOf(r.bytes[0]!), hex('2c00 0900  1000 00 00 03000000 0800 0500 0a010001  1800 00 00 05000000 0800 0500 0a020001 0800 0b00 00000000'),
    'no flow: no RTA_FLOW; flow 0: RTA_FLOW 0');
});

t.test('a path\'s realm is refused before anything is sent where the kernel would not keep it', async (t) => {
  for (const [spec, arg, re] of [
    [{ dst: '2001:db8:9::/48', nexthops: [{ gateway: '2001:db8::2', dev: 3 }, { gateway: '2001:db8::3', dev: 5, flow: 5 }] }, 'nexthops[1].flow', /IPv4 routes only/],
    [{ dst: '10.0.0.0/24', nexthops: [{ gateway: '10.1.0.1', dev: 3, flow: -1 }] }, 'nexthops[0].flow', /./],
    [{ dst: '10.0.0.0/24', nexthops: [{ gateway: '10.1.0.1', dev: 3, flow: 2 ** 32 }] }, 'nexthops[0].flow', /./],
    [{ dst: '10.0.0.0/24', nexthops: [{ gateway: '10.1.0.1', dev: 3, flow: '5' }] }, 'nexthops[0].flow', /./],
  ] as const) {
    const r = await recordedRequests(routeApi, (a) => a.add(spec as never));
    t.ok(r.error instanceof InvalidArgumentError && r.error.argument === arg && re.test(r.error.message), `${JSON.stringify(spec.nexthops)}: ${String(r.error)}`);
    t.same(r.bytes, [], 'nothing sent');
  }
});

t.test('the kernel\'s per-path RTA_FLOW decodes on each nexthop as flow, and a delete of the decoded route sends it back', async (t) => {
  const msg = Buffer.from(hex(KERNEL_DUMP), 'hex');
  const r = decodeRoute(msg, new DataView(msg.buffer, msg.byteOffset, msg.byteLength), 0, msg.length)!;
  // ip -j route: "nexthops":[{"gateway":"10.1.0.1","flow":{"to":"5"},"dev":"va","weight":1,"flags":[]},
  //                          {"gateway":"10.2.0.1","flow":{"from":"3","to":"6"},"dev":"vb","weight":3,"flags":[]}]
  t.same(r.nexthops, [
    { dev: 3, weight: 1, flags: [], rawFlags: 0, gateway: '10.1.0.1', flow: 5 },
    { dev: 5, weight: 3, flags: [], rawFlags: 0, gateway: '10.2.0.1', flow: 0x30006 },
  ]);
  t.equal(r.flow, undefined, 'no route-level realm: the kernel reports a multipath route\'s realms per path');
  const d = await recordedRequests(routeApi, (a) => a.del(r));
  t.equal(d.error, undefined);
  t.equal(multipathOf(d.bytes[0]!), hex(MULTIPATH), 'del(decoded route): the paths as the kernel gave them, realms included');
  t.equal(d.bytes[0]!.subarray(16, 16 + C.SIZEOF_RTMSG).toString('hex'), hex('02 18 00 00 fe 03 ff 01 00000000'), 'and its protocol and type (boot, unicast), any scope');

  // Paths without a realm (the kernel sends no RTA_FLOW for realm 0): none on the decoded
  // paths, and RTA_FLOW 0 in the delete, since a path without RTA_FLOW matches any realm.
  const plain = Buffer.from(hex(`50000000 1800 2200 df0e0d6b b64a0000  02 18 00 00 fe 03 00 01 00000000  0800 0f00 fe000000  0800 0100 0a000000
    2400 0900  1000 00 00 03000000 0800 0500 0a010001  1000 00 02 05000000 0800 0500 0a020001`), 'hex');
  const p = decodeRoute(plain, new DataView(plain.buffer, plain.byteOffset, plain.byteLength), 0, plain.length)!;
  t.same(p.nexthops?.map((n) => 'flow' in n), [false, false], 'no flow key on paths without a realm');
  const pd = await recordedRequests(routeApi, (a) => a.del(p));
  t.equal(multipathOf(pd.bytes[0]!), hex(`3400 0900  1800 00 00 03000000 0800 0500 0a010001 0800 0b00 00000000  1800 00 02 05000000 0800 0500 0a020001 0800 0b00 00000000`),
    'del(decoded route without realms): RTA_FLOW 0 on each path');
  // IPv6 paths have no realms: nothing added.
  const v6 = { ...p, family: 6 as const, dst: '2001:db8::/64', dstLen: 64, nexthops: [{ dev: 3, weight: 1, flags: [], rawFlags: 0, gateway: '2001:db8::2' }] };
  const d6 = await recordedRequests(routeApi, (a) => a.del(v6));
  t.equal(multipathOf(d6.bytes[0]!), hex('2000 0900  1c00 00 00 03000000 1400 0500 20010db8000000000000000000000002'), 'an IPv6 path: no RTA_FLOW');
});

/** The paths of `ip -j -d route show DST`'s routes: [gateway, dev, weight, flow] each, flow as RTA_FLOW (FROM << 16 | TO). */
const ipPaths = (nsPath: string, dst: string) => ipJson(nsPath, ['-d', 'route', 'show', dst]).map((r: any) =>
  r.nexthops.map((n: any) => [n.gateway, n.dev, n.weight, n.flow ? Number(n.flow.from ?? 0) * 0x10000 + Number(n.flow.to ?? 0) : undefined]));

/**
 * A fresh netns with veth v0 (10.1.0.2/24) and v1 (10.2.0.1/24), both up, and a handle in
 * it; undefined (the test skipped) where the kernel keeps no realms.
 */
function realmNetns(t: { teardown(fn: () => void): void; comment(m: string): void }) {
  const { ns, rt } = freshHandle(t);
  inNs(ns.path, 'ip', ['-batch', '-'], [
    'link add v0 type veth peer name v1', 'link set v0 up', 'link set v1 up',
    'addr add 10.1.0.2/24 dev v0', 'addr add 10.2.0.1/24 dev v1',
  ].join('\n'));
  // A kernel without CONFIG_IP_ROUTE_CLASSID takes RTA_FLOW and drops it: no realms to list.
  ip(ns.path, ['route', 'add', '10.79.0.0/16', 'dev', 'v0', 'realm', '1']);
  if (ipJson(ns.path, ['route', 'show', '10.79.0.0/16'])[0]?.flow === undefined) {
    t.comment('skipped: this kernel keeps no realms (no CONFIG_IP_ROUTE_CLASSID); the byte-level tests stand');
    return undefined;
  }
  const names = new Map<number, string>(ipJson(ns.path, ['link']).map((l: any) => [l.ifindex, l.ifname]));
  /** list's paths as ipPaths gives ip's. */
  const myPaths = (rs: Route[]) => rs.map((r) => r.nexthops!.map((n) => [n.gateway, names.get(n.dev), n.weight, n.flow]));
  return { ns, rt, myPaths };
}

t.test('live: per-path realms added by nlkit as ip adds them, and listed as ip -j -d shows them', privileged, async (t) => {
  const fx = realmNetns(t);
  if (!fx) return;
  const { ns, rt, myPaths } = fx;
  await rt.route.add({ dst: '10.70.0.0/16', nexthops: [{ gateway: '10.1.0.1', dev: 'v0', flow: 5 }, { gateway: '10.2.0.2', dev: 'v1', weight: 3, flow: (3 << 16) | 6 }] });
  ip(ns.path, ['route', 'add', '10.71.0.0/16', 'nexthop', 'via', '10.1.0.1', 'dev', 'v0', 'realm', '5', 'nexthop', 'via', '10.2.0.2', 'dev', 'v1', 'weight', '3', 'realms', '3/6']);
  const shown = (dst: string) => {
    const { dst: _d, ...rest } = ipJson(ns.path, ['-d', 'route', 'show', dst])[0];
    return rest;
  };
  t.same(shown('10.70.0.0/16'), shown('10.71.0.0/16'), 'nlkit\'s route is ip\'s, field by field (ip -j -d)');
  for (const dst of ['10.70.0.0/16', '10.71.0.0/16']) {
    t.same(myPaths(await rt.route.list({ dst })), ipPaths(ns.path, dst), `${dst}: list's paths (gateway, dev, weight, flow) are ip -j -d's`);
  }
  t.same(ipPaths(ns.path, '10.70.0.0/16'), [[['10.1.0.1', 'v0', 1, 5], ['10.2.0.2', 'v1', 3, 0x30006]]], 'realm 5 and realms 3/6');

  // An IPv4 alternative equal but for one path's realm: add refuses it (EEXIST: the key
  // is dst, TOS and metric), append keeps both, and a delete of the listed second removes it.
  const second = [{ gateway: '10.1.0.1', dev: 'v0', flow: 7 }, { gateway: '10.2.0.2', dev: 'v1', weight: 3, flow: (3 << 16) | 6 }];
  const eexist = await rt.route.add({ dst: '10.70.0.0/16', nexthops: second }).catch((e: unknown) => e);
  t.match(eexist, { code: 'EEXIST' }, 'add of an alternative: EEXIST');
  await rt.route.append({ dst: '10.70.0.0/16', nexthops: second });
  const listed = await rt.route.list({ dst: '10.70.0.0/16' });
  t.same(myPaths(listed), ipPaths(ns.path, '10.70.0.0/16'), 'both alternatives listed as ip -j -d lists them');
  t.same(listed.map((r) => r.nexthops![0]!.flow), [5, 7], 'first path\'s realm 5, then 7');
  await rt.route.del(listed[1]!);
  t.same(ipPaths(ns.path, '10.70.0.0/16').map((p: unknown[][]) => p[0]![3]), [5], 'del(listed[1]) removed the realm 7 route');
});

t.test('live: a listed multipath route deleted by its value among IPv4 alternatives that differ only in a path\'s realm', privileged, async (t) => {
  const fx = realmNetns(t);
  if (!fx) return;
  const { ns, rt, myPaths } = fx;
  const nh = (realm: string[]) => ['nexthop', 'via', '10.1.0.1', 'dev', 'v0', ...realm, 'nexthop', 'via', '10.2.0.2', 'dev', 'v1', 'weight', '3', 'realms', '3/6'];
  // By ip: realm 5 then (ip route append) realm 7 on the first path.
  ip(ns.path, ['route', 'add', '10.71.0.0/16', ...nh(['realm', '5'])]);
  ip(ns.path, ['route', 'append', '10.71.0.0/16', ...nh(['realm', '7'])]);
  let listed = await rt.route.list({ dst: '10.71.0.0/16' });
  t.same(myPaths(listed), ipPaths(ns.path, '10.71.0.0/16'), 'both listed as ip -j -d lists them');
  t.same(listed.map((r) => r.nexthops![0]!.flow), [5, 7], 'first path\'s realm 5, then 7');
  await rt.route.del(listed[1]!);
  t.same(ipPaths(ns.path, '10.71.0.0/16').map((p: unknown[][]) => p[0]![3]), [5], 'del(listed[1]) removed the realm 7 route and kept the realm 5 one');
  await rt.route.del((await rt.route.list({ dst: '10.71.0.0/16' }))[0]!);
  t.same(ipJson(ns.path, ['route', 'show', '10.71.0.0/16']), [], 'and del(listed[0]) the other');

  // A path without a realm: the delete sends realm 0 for it, which only a path without one matches.
  ip(ns.path, ['route', 'add', '10.72.0.0/16', ...nh(['realm', '5'])]);
  ip(ns.path, ['route', 'append', '10.72.0.0/16', ...nh([])]);
  listed = await rt.route.list({ dst: '10.72.0.0/16' });
  t.same(listed.map((r) => r.nexthops![0]!.flow), [5, undefined], 'a path without a realm decodes without flow');
  await rt.route.del(listed[1]!);
  t.same(ipPaths(ns.path, '10.72.0.0/16').map((p: unknown[][]) => p[0]![3]), [5], 'del of the route without a realm on its first path kept the one with');
});
