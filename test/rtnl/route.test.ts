// rt.route: routes on a real kernel in fresh netns, cross-checked field by field with
// `ip -j route`; replace/append/del round trips; multipath; route get; the kernel's
// extended-ACK text for rejected routes; bad input refused before send.
import t from 'tap';
import { Rtnl } from '../../src/rtnl/index.js';
import type { Route, RouteMetrics } from '../../src/rtnl/index.js';
import { rtnlDescriber } from '../../src/rtnl/describer.js';
import { RTM_NEWROUTE } from '../../src/rtnl/constants.js';
import { InvalidArgumentError, NetlinkError } from '../../src/netlink/errors.js';
import { MessageWriter } from '../../src/netlink/writer.js';
import { putRtmsg } from '../../src/rtnl/route/api.js';
import * as C from '../../src/rtnl/constants.js';
import { inNs, ip, ipJson, privileged, rawNetns, freshHandle, ipOrSkip } from '../helpers.js';

/** A fresh netns: veth v0/v1 both up (carrier), 10.1.0.2/24 + 2001:db8::1/64 on v0, 10.2.0.1/24 + 2001:db8:1::1/64 on v1. */
function setup(t: { teardown(fn: () => void): void }): { ns: ReturnType<typeof rawNetns>; rt: Rtnl } {
  const { ns, rt } = freshHandle(t);
  const cmds = [
    'link add v0 type veth peer name v1', 'link set v0 addrgenmode none', 'link set v1 addrgenmode none',
    'link set v0 up', 'link set v1 up', 'addr add 10.1.0.2/24 dev v0', 'addr add 10.2.0.1/24 dev v1',
    'addr add 2001:db8::1/64 dev v0 nodad', 'addr add 2001:db8:1::1/64 dev v1 nodad',
  ];
  inNs(ns.path, 'ip', ['-batch', '-'], cmds.join('\n'));
  // The kernel turns a veth's carrier on shortly after it is set up (linkwatch), and
  // drops the 'linkdown' flag of its routes then: wait for it, so that a snapshot of the
  // routes taken now is not changed by it later.
  for (let i = 0; i < 200 && !ipJson(ns.path, ['link']).filter((l: any) => l.ifname === 'v0' || l.ifname === 'v1').every((l: any) => l.operstate === 'UP'); i++) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  }
  return { ns, rt };
}

/** ifindex → name in the netns. */
function names(nsPath: string): Map<number, string> {
  return new Map(ipJson(nsPath, ['link']).map((l: any) => [l.ifindex, l.ifname]));
}

const num = (v: unknown) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v);

/** `ip -j`'s realms ({ from, to }) as RTA_FLOW: "to" is the low 16 bits, "from" the high ones. */
const realms = (f: { from?: string; to?: string } | undefined) => (f !== undefined ? Number(f.from ?? 0) * 0x10000 + Number(f.to ?? 0) : undefined);

/** One route as `ip -j route` prints it, with its omitted defaults filled in. */
function fromIp(r: any, family: 4 | 6, shown: { table?: unknown; dev?: string }): Record<string, unknown> {
  // ip leaves out what the listing was filtered by (table, dev) and the defaults.
  const out: Record<string, unknown> = {
    family, type: r.type ?? 'unicast', dst: r.dst, table: num(r.table ?? shown.table ?? 'main'), protocol: num(r.protocol ?? 'boot'),
    scope: num(r.scope ?? 'global'), flags: r.flags ?? [], gateway: r.gateway, dev: r.dev ?? (r.nexthops ? undefined : shown.dev), prefsrc: r.prefsrc,
    metric: r.metric, from: r.from, pref: r.pref, tos: r.tos !== undefined ? Number(r.tos) : 0, via: r.via?.host, nhid: r.nhid,
    flow: realms(r.flow),
    metrics: r.metrics?.[0],
    nexthops: r.nexthops?.map((n: any) => ({ gateway: n.gateway, via: n.via?.host, dev: n.dev, weight: n.weight, flags: n.flags ?? [], flow: realms(n.flow) })),
  };
  return out;
}

/**
 * Route metrics as `ip -j` prints them: its names ('congestion' for ccAlgo, 'ecn' for the
 * ECN feature bit, snake_case), rtt and rttvar in milliseconds; no locks (its text
 * output shows them; compared separately).
 */
function ipMetrics(m: RouteMetrics): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(m)) {
    if (k === 'lock' || k === 'unknown') continue;
    if (k === 'ccAlgo') out['congestion'] = v;
    else if (k === 'features') {
      if ((v as number) & 1) out['ecn'] = null;
    } else if (k === 'rtt') out['rtt'] = (v as number) / 8;
    else if (k === 'rttvar') out['rttvar'] = (v as number) / 4;
    else out[k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = v;
  }
  return Object.keys(out).length ? out : undefined;
}

function fromNlkit(r: Route, ifnames: Map<number, string>): Record<string, unknown> {
  return {
    family: r.family, type: r.type, dst: r.dst, table: r.table, protocol: r.protocol, scope: r.scope, flags: r.flags,
    gateway: r.gateway, dev: r.dev !== undefined ? ifnames.get(r.dev) : undefined, prefsrc: r.prefsrc, metric: r.metric,
    from: r.from, pref: r.pref, tos: r.tos, via: r.via, nhid: r.nhId, flow: r.flow, metrics: r.metrics && ipMetrics(r.metrics),
    nexthops: r.nexthops?.map((n) => ({ gateway: n.gateway, via: n.via, dev: ifnames.get(n.dev), weight: n.weight, flags: n.flags, flow: n.flow })),
  };
}

const sortKey = (x: Record<string, unknown>) => `${x['family']} ${x['table']} ${x['type']} ${x['dst']} ${x['metric'] ?? ''} ${x['dev'] ?? ''} ${x['gateway'] ?? ''}`;
const sorted = (xs: Record<string, unknown>[]) => [...xs].sort((a, b) => sortKey(a).localeCompare(sortKey(b)));

async function compare(t: Tap, nsPath: string, what: string, mine: Promise<Route[]>, ipArgs: string[], family: 4 | 6, shown: { table?: unknown; dev?: string } = {}): Promise<number> {
  const ifn = names(nsPath);
  const a = sorted((await mine).map((r) => fromNlkit(r, ifn)));
  const b = sorted(ipJson(nsPath, ipArgs).map((r: any) => fromIp(r, family, shown)));
  t.same(a, b, `${what}: ${a.length} routes equal ip -j ${ipArgs.join(' ')}`);
  return a.length;
}
type Tap = { same(a: unknown, b: unknown, msg: string): unknown };

t.test('list equals ip -j route field by field after adds by nlkit and by ip', privileged, async (t) => {
  const { ns, rt } = setup(t);
  await rt.route.add({ dst: 'default', gateway: '10.1.0.1' });
  await rt.route.add({ dst: '10.5.0.0/16', gateway: '10.1.0.1', metric: 5 });
  await rt.route.add({ dst: '10.6.0.0/16', nexthops: [{ gateway: '10.1.0.1', dev: 'v0', weight: 2 }, { gateway: '10.2.0.2', dev: 'v1' }] });
  await rt.route.add({ dst: '10.7.0.0/16', type: 'blackhole' });
  await rt.route.add({ dst: '10.7.1.0/24', type: 'unreachable' });
  await rt.route.add({ dst: '10.7.2.0/24', type: 'prohibit', metric: 9 });
  await rt.route.add({ dst: '10.8.0.0/16', gateway: '10.1.0.1', mtu: 1400, advmss: 1300, table: 100, protocol: 'static' });
  await rt.route.add({ dst: '10.8.0.0/16', gateway: '10.2.0.2', table: 1000, metrics: { hoplimit: 20 } });
  await rt.route.add({ dst: '10.11.0.0/16', dev: 'v1', src: '10.2.0.1' });
  await rt.route.add({ dst: '10.12.0.9', gateway: '192.168.77.1', dev: 'v0', onlink: true, protocol: 'dhcp' });
  await rt.route.add({ dst: '10.13.0.0/16', dev: 'v0', scope: 'link', tos: 0x10 });
  await rt.route.add({ dst: '2001:db8:2::/48', gateway: '2001:db8::2' });
  await rt.route.add({ dst: '2001:db8:3::/48', gateway: '2001:db8::2', metric: 77, pref: 'high', mtu: 1400 });
  await rt.route.add({ dst: '2001:db8:4::/48', from: '2001:db8:1::/64', gateway: '2001:db8:1::2' });
  await rt.route.add({ dst: 'default', gateway: '2001:db8::2', family: 6 });
  ip(ns.path, ['route', 'add', '10.20.0.0/16', 'via', '10.2.0.2', 'metric', '3', 'proto', 'bird']);
  ip(ns.path, ['route', 'add', '10.21.0.0/16', 'nexthop', 'via', '10.1.0.1', 'weight', '3', 'nexthop', 'via', '10.2.0.2']);
  ip(ns.path, ['route', 'add', 'throw', '10.22.0.0/16']);
  ip(ns.path, ['route', 'add', '10.23.0.0/16', 'dev', 'v1', 'table', '100', 'scope', 'link', 'mtu', 'lock', '1300']);
  ip(ns.path, ['-6', 'route', 'add', '2001:db8:5::/48', 'nexthop', 'via', '2001:db8::2', 'dev', 'v0', 'nexthop', 'via', '2001:db8:1::2', 'dev', 'v1']);
  ip(ns.path, ['-6', 'route', 'add', 'blackhole', '2001:db8:6::/48']);

  const n4 = await compare(t, ns.path, 'IPv4 main', rt.route.list({ family: 4 }), ['-4', 'route'], 4);
  const n6 = await compare(t, ns.path, 'IPv6 main', rt.route.list({ family: 6 }), ['-6', 'route'], 6);
  await compare(t, ns.path, 'table 100', rt.route.list({ family: 4, table: 100 }), ['-4', 'route', 'show', 'table', '100'], 4, { table: 100 });
  await compare(t, ns.path, 'table 1000', rt.route.list({ table: '1000', family: 'inet' }), ['-4', 'route', 'show', 'table', '1000'], 4, { table: 1000 });
  await compare(t, ns.path, 'IPv4 local table', rt.route.list({ family: 4, table: 'local' }), ['-4', 'route', 'show', 'table', 'local'], 4, { table: 'local' });
  await compare(t, ns.path, 'IPv4 all tables', rt.route.list({ family: 4, table: 'all' }), ['-4', 'route', 'show', 'table', 'all'], 4);
  await compare(t, ns.path, 'IPv6 all tables', rt.route.list({ family: 6, table: 'all' }), ['-6', 'route', 'show', 'table', 'all'], 6);
  // The kernel's dev filter also matches multipath routes with a hop through the link;
  // `ip route show dev` drops those in user space.
  const viaV1 = await rt.route.list({ family: 4, dev: 'v1' });
  await compare(t, ns.path, 'dev v1', Promise.resolve(viaV1.filter((r) => !r.nexthops)), ['-4', 'route', 'show', 'dev', 'v1'], 4, { dev: 'v1' });
  t.same(viaV1.filter((r) => r.nexthops).map((r) => r.dst).sort(), ['10.21.0.0/16', '10.6.0.0/16'], 'and the multipath routes through v1');
  const locked = (await rt.route.list({ table: 100, dst: '10.23.0.0/16' }))[0]!;
  t.equal(locked.metrics?.lock, 1 << C.RTAX_MTU, 'mtu lock (RTAX_LOCK bit for RTAX_MTU)');
  t.ok(n4 >= 13 && n6 >= 7, `${n4} IPv4 and ${n6} IPv6 routes in main`);

  const both = await rt.route.list();
  t.equal(both.length, n4 + n6, 'no family: both families, main table only (the local table is left out, like ip route)');
  t.notOk(both.some((r) => r.table === 'local'), 'nothing from the local table by default');
  t.same((await rt.route.list({ family: 4, type: 'blackhole' })).map((r) => r.dst), ['10.7.0.0/16'], 'type filtered by the kernel');
  t.same((await rt.route.list({ family: 4, protocol: 'bird' })).map((r) => r.dst), ['10.20.0.0/16'], 'protocol filtered by the kernel');
  t.same((await rt.route.list({ family: 4, dst: '10.5.0.0/16' })).map((r) => r.metric), [5]);
  t.same((await rt.route.list({ family: 4, scope: 'link' })).map((r) => r.dst).sort(), ['10.1.0.0/24', '10.11.0.0/16', '10.13.0.0/16', '10.2.0.0/24']);
  t.same(await rt.route.list({ family: 4, table: 4242 }), [], 'a table that does not exist holds no routes');
  const r8 = (await rt.route.list({ table: 100, dst: '10.8.0.0/16' }))[0]!;
  t.match(r8, { table: 100, protocol: 'static', metrics: { mtu: 1400, advmss: 1300 }, gateway: '10.1.0.1' });
  const r9 = (await rt.route.list({ table: 1000 }))[0]!;
  t.equal(r9.table, 1000, 'a table id above 255 comes from RTA_TABLE');
  t.equal(r9.metrics?.hoplimit, 20);
  const onl = (await rt.route.list({ dst: '10.12.0.9' }))[0]!;
  t.ok(onl.flags.includes('onlink'), 'onlink flag');
  t.equal(onl.dstLen, 32);
  const tos = (await rt.route.list({ dst: '10.13.0.0/16' }))[0]!;
  t.equal(tos.tos, 0x10);
  const src6 = (await rt.route.list({ family: 6, dst: '2001:db8:4::/48' }))[0]!;
  t.equal(src6.from, '2001:db8:1::/64', 'source-specific IPv6 route');
});

t.test('less common routes equal ip -j -d route: metrics, realms (per path too), tos, types, protocols, tables, foreign gateways', privileged, async (t) => {
  const { ns, rt } = setup(t);
  // Each by nlkit and a twin (next prefix) by ip; what only ip can make is made by ip.
  const pairs: [Parameters<Rtnl['route']['add']>[0], string][] = [
    [{ dst: '10.10.0.0/16', gateway: '10.1.0.1', metrics: { ccAlgo: 'reno' } }, '10.11.0.0/16 via 10.1.0.1 congctl reno'],
    [{ dst: '10.12.0.0/16', gateway: '10.1.0.1', metrics: { features: 1, rtoMin: 50, initcwnd: 10, initrwnd: 20, quickack: 1, fastopenNoCookie: 1, lock: 1 << C.RTAX_RTO_MIN } },
      '10.13.0.0/16 via 10.1.0.1 features ecn rto_min 50ms initcwnd 10 initrwnd 20 quickack 1 fastopen_no_cookie 1'],
    [{ dst: '10.14.0.0/16', gateway: '10.1.0.1', mtu: 1300, metrics: { lock: 1 << C.RTAX_MTU }, src: '10.1.0.2' }, '10.15.0.0/16 via 10.1.0.1 mtu lock 1300 src 10.1.0.2'],
    [{ dst: '10.16.0.0/16', gateway: '10.1.0.1', advmss: 1200, metrics: { rtt: 320, rttvar: 80, window: 5000, ssthresh: 10, cwnd: 5, lock: 1 << C.RTAX_CWND, hoplimit: 30, reordering: 4 } },
      '10.17.0.0/16 via 10.1.0.1 rtt 40ms rttvar 20ms window 5000 ssthresh 10 cwnd lock 5 hoplimit 30 reordering 4 advmss 1200'],
    [{ dst: '10.18.0.0/16', gateway: '10.1.0.1', protocol: 'kernel' }, '10.19.0.0/16 via 10.1.0.1 proto kernel'],
    [{ dst: '10.20.0.0/16', gateway: '10.1.0.1', protocol: 77 }, '10.21.0.0/16 via 10.1.0.1 proto 77'],
    [{ dst: '10.22.0.0/16', type: 'throw' }, 'throw 10.23.0.0/16'],
    [{ dst: '224.1.0.0/16', type: 'multicast', dev: 'v0' }, 'multicast 224.2.0.0/16 dev v0'],
    [{ dst: '10.24.0.0/16', gateway: '10.1.0.1', tos: 0x10 }, '10.25.0.0/16 via 10.1.0.1 tos 0x10'],
    [{ dst: '10.26.0.0/16', type: 'prohibit', metric: 3, protocol: 'static' }, 'prohibit 10.27.0.0/16 metric 3 proto static'],
    [{ dst: '10.28.0.0/16', dev: 'v0', src: '10.1.0.2', scope: 'link', metric: 4294967295 }, '10.29.0.0/16 dev v0 src 10.1.0.2 scope link metric 4294967295'],
    [{ dst: '10.36.0.0/16', nexthops: [{ gateway: '10.1.0.1', dev: 'v0', flow: 5 }, { gateway: '10.2.0.2', dev: 'v1', weight: 4, flow: (3 << 16) | 6 }] },
      '10.37.0.0/16 nexthop via 10.1.0.1 dev v0 realm 5 nexthop via 10.2.0.2 dev v1 weight 4 realms 3/6'],
    [{ dst: '2001:db8:10::/48', gateway: '2001:db8::2', metrics: { ccAlgo: 'cubic', lock: 1 << C.RTAX_CC_ALGO } }, '2001:db8:11::/48 via 2001:db8::2 congctl lock cubic'],
    [{ dst: '2001:db8:12::/48', nexthops: [{ gateway: '2001:db8::2', dev: 'v0', weight: 3 }, { gateway: '2001:db8:1::2', dev: 'v1', weight: 7 }] },
      '2001:db8:13::/48 nexthop via 2001:db8::2 dev v0 weight 3 nexthop via 2001:db8:1::2 dev v1 weight 7'],
    [{ dst: '2001:db8:14::/48', dev: 'v0', metric: 1, pref: 'low' }, '2001:db8:15::/48 dev v0 metric 1 pref low'],
    [{ dst: '2001:db8:16::/48', gateway: '2001:db8::2', mtu: 1400, metrics: { hoplimit: 40 } }, '2001:db8:17::/48 via 2001:db8::2 mtu 1400 hoplimit 40'],
    [{ dst: '2001:db8:18::/48', type: 'throw' }, 'throw 2001:db8:19::/48'],
    [{ dst: '2001:db8:1a::/48', type: 'unreachable', metric: 5 }, 'unreachable 2001:db8:1b::/48 metric 5'],
    [{ dst: '2001:db8:1c::/48', gateway: '2001:db8::2', dev: 'v0', onlink: true }, '2001:db8:1d::/48 via 2001:db8::2 dev v0 onlink'],
  ];
  for (const [spec] of pairs) await rt.route.add(spec);
  // ip's in one batch (one process; the family follows from each destination).
  inNs(ns.path, 'ip', ['-batch', '-'], [...pairs.map(([, theirs]) => theirs), '10.30.0.0/16 via 10.1.0.1 realm 5', '10.31.0.0/16 via 10.1.0.1 realms 3/4',
    '10.32.0.0/16 via inet6 fe80::1 dev v0', '10.33.0.0/16 nexthop via inet6 fe80::1 dev v0 nexthop via 10.2.0.2 dev v1 weight 4',
    '10.34.0.0/16 via 10.1.0.1 table 4000000000'].map((c) => `route add ${c}`).join('\n'));
  const n4 = await compare(t, ns.path, 'IPv4 all tables', rt.route.list({ family: 4, table: 'all' }), ['-4', '-d', 'route', 'show', 'table', 'all'], 4);
  const n6 = await compare(t, ns.path, 'IPv6 all tables', rt.route.list({ family: 6, table: 'all' }), ['-6', '-d', 'route', 'show', 'table', 'all'], 6);
  t.ok(n4 >= 30 && n6 >= 16, `${n4} IPv4 and ${n6} IPv6 routes`);
  // Twins by nlkit and by ip differ in nothing but their destination.
  const all = await rt.route.list({ table: 'all' });
  const twin = (dst: string) => {
    const { dst: _d, cacheinfo: _c, ...rest } = all.find((x) => x.dst === dst)!;
    return rest;
  };
  for (const [spec, theirs] of pairs) t.same(twin(spec.dst), twin(theirs.split(' ').find((w) => w.includes('/'))!), `${spec.dst} by nlkit as ${theirs} by ip`);
});

t.test('multipath: weights and links per nexthop, IPv6 ECMP by append, delete by the decoded route', privileged, async (t) => {
  const { ns, rt } = setup(t);
  await rt.route.add({ dst: '10.6.0.0/16', nexthops: [{ gateway: '10.1.0.1', dev: 'v0', weight: 3 }, { gateway: '10.2.0.2', weight: 256 }], metric: 20 });
  const [mp] = await rt.route.list({ dst: '10.6.0.0/16' });
  const v0 = await rt.link.index('v0');
  const v1 = await rt.link.index('v1');
  t.same(mp!.nexthops!.map((n) => ({ gateway: n.gateway, dev: n.dev, weight: n.weight })), [
    { gateway: '10.1.0.1', dev: v0, weight: 3 },
    { gateway: '10.2.0.2', dev: v1, weight: 256 },
  ], 'nexthops with weights 3 and 256 (rtnh_hops 255), the second link found from its gateway');
  t.equal(mp!.gateway, undefined);
  t.equal(mp!.dev, undefined);
  const ipView = ipJson(ns.path, ['route', 'show', '10.6.0.0/16'])[0];
  t.same(ipView.nexthops.map((n: any) => [n.gateway, n.dev, n.weight]), [['10.1.0.1', 'v0', 3], ['10.2.0.2', 'v1', 256]], 'ip agrees');
  const via = await rt.route.get('10.6.1.1');
  t.ok(['10.1.0.1', '10.2.0.2'].includes(via.gateway!), `route get picks a path: ${via.gateway}`);
  // IPv6: appending a second gateway to a route makes it multipath.
  await rt.route.add({ dst: '2001:db8:9::/48', gateway: '2001:db8::2', dev: 'v0' });
  await rt.route.append({ dst: '2001:db8:9::/48', gateway: '2001:db8:1::2', dev: 'v1' });
  const [r6] = await rt.route.list({ family: 6, dst: '2001:db8:9::/48' });
  t.same(r6!.nexthops?.map((n) => [n.gateway, n.dev]), [['2001:db8::2', v0], ['2001:db8:1::2', v1]], 'IPv6 ECMP after append');
  // A multipath route with a bad second hop is refused whole.
  const bad = await rt.route.add({ dst: '10.30.0.0/16', nexthops: [{ gateway: '10.1.0.1' }, { gateway: '10.99.0.1' }] }).catch((e: unknown) => e) as NetlinkError;
  t.equal(bad.code, 'ENETUNREACH');
  t.equal(bad.extack.message, 'Nexthop has invalid gateway');
  t.same(await rt.route.list({ dst: '10.30.0.0/16' }), []);
  // Delete both by passing the decoded routes back.
  await rt.route.del(mp!);
  await rt.route.del(r6!);
  t.same(await rt.route.list({ dst: '10.6.0.0/16' }), []);
  t.same(await rt.route.list({ family: 6, dst: '2001:db8:9::/48' }), []);
  t.same(ipJson(ns.path, ['route', 'show', '10.6.0.0/16']), [], 'ip agrees it is gone');
});

t.test('replace, append and del round trips', privileged, async (t) => {
  const { ns, rt } = setup(t);
  await rt.route.add({ dst: 'default', gateway: '10.1.0.1' });
  const dup = await rt.route.add({ dst: 'default', gateway: '10.1.0.1' }).catch((e: unknown) => e) as NetlinkError;
  t.equal(dup.code, 'EEXIST', 'add is NLM_F_EXCL');
  await rt.route.replace({ dst: 'default', gateway: '10.2.0.2' });
  let defs = await rt.route.list({ family: 4, dst: 'default' });
  t.same(defs.map((r) => r.gateway), ['10.2.0.2'], 'replace swapped the gateway in place');
  await rt.route.append({ dst: 'default', gateway: '10.1.0.1' });
  defs = await rt.route.list({ family: 4, dst: 'default' });
  t.same(defs.map((r) => r.gateway), ['10.2.0.2', '10.1.0.1'], 'append added a second route after it');
  t.same(ipJson(ns.path, ['route', 'show', 'default']).map((r: any) => r.gateway), ['10.2.0.2', '10.1.0.1'], 'ip sees both, same order');
  await rt.route.del({ dst: 'default', gateway: '10.1.0.1' });
  t.same((await rt.route.list({ family: 4, dst: 'default' })).map((r) => r.gateway), ['10.2.0.2'], 'del matched the gateway');
  await rt.route.del({ dst: 'default' });
  t.same(await rt.route.list({ family: 4, dst: 'default' }), []);
  const gone = await rt.route.del({ dst: 'default' }).catch((e: unknown) => e) as NetlinkError;
  t.ok(gone instanceof NetlinkError);
  t.equal(gone.code, 'ESRCH', 'nothing left to delete');
  // Metric and table are part of the key.
  await rt.route.add({ dst: '10.5.0.0/16', gateway: '10.1.0.1', metric: 10, table: 300 });
  await rt.route.add({ dst: '10.5.0.0/16', gateway: '10.2.0.2', metric: 20, table: 300 });
  await rt.route.replace({ dst: '10.5.0.0/16', gateway: '10.2.0.2', metric: 10, table: 300, mtu: 1280 });
  const t300 = await rt.route.list({ table: 300 });
  t.same(t300.map((r) => [r.metric, r.gateway, r.metrics?.mtu]), [[10, '10.2.0.2', 1280], [20, '10.2.0.2', undefined]]);
  await rt.route.del({ dst: '10.5.0.0/16', metric: 20, table: 300 });
  await rt.route.del({ dst: '10.5.0.0/16', table: 300 });
  t.same(await rt.route.list({ table: 300 }), []);
  // An ifindex as dev costs no lookup: one request per add and per del.
  const v0 = await rt.link.index('v0');
  const before = rt.sock.stats.requests;
  await rt.route.add({ dst: '10.8.0.0/16', gateway: '10.1.0.1', dev: v0 });
  await rt.route.del({ dst: '10.8.0.0/16', dev: v0 });
  t.equal(rt.sock.stats.requests - before, 2, 'one request each, no GETLINK');
  // IPv6 round trip, default metric 1024.
  await rt.route.add({ dst: '2001:db8:7::/48', gateway: '2001:db8::2' });
  const [r6] = await rt.route.list({ family: 6, dst: '2001:db8:7::/48' });
  t.equal(r6!.metric, 1024);
  await rt.route.replace({ dst: '2001:db8:7::/48', gateway: '2001:db8::3' });
  t.same((await rt.route.list({ family: 6, dst: '2001:db8:7::/48' })).map((r) => r.gateway), ['2001:db8::3']);
  await rt.route.del({ dst: '2001:db8:7::/48' });
  t.same(await rt.route.list({ family: 6, dst: '2001:db8:7::/48' }), []);
  // Local-table routes round trip through the decoded value too.
  await rt.route.add({ dst: '10.40.0.1', type: 'local', dev: 'v0', table: 'local' });
  const [loc] = await rt.route.list({ table: 'local', dst: '10.40.0.1' });
  t.match(loc, { type: 'local', scope: 'host', table: 'local' });
  await rt.route.del(loc!);
  t.same(await rt.route.list({ table: 'local', dst: '10.40.0.1' }), []);
});

t.test('change alters a route that exists and makes none where there is none (ip route change), IPv4 and IPv6', privileged, async (t) => {
  const { ns, rt } = setup(t);
  for (const [dst, gw] of [['10.9.0.0/24', '10.1.0.1'], ['2001:db8:9::/64', '2001:db8::2']] as const) {
    const missing = await rt.route.change({ dst, gateway: gw }).then(() => undefined, (e: unknown) => e);
    t.ok(missing instanceof NetlinkError && missing.code === 'ENOENT', `${dst}, none there: ENOENT (${String(missing)})`);
    t.match(String((missing as Error).message), dst.includes(':') ? /no match found/ : /no route with this destination.*to change/, `${dst}: says there is nothing to change`);
    t.same(await rt.route.list({ dst }), [], `${dst}: nothing made`);
    t.same(ipJson(ns.path, [dst.includes(':') ? '-6' : '-4', 'route', 'show', dst]), [], `${dst}: ip shows nothing`);
  }
  await rt.route.add({ dst: '10.9.0.0/24', gateway: '10.1.0.1' });
  await rt.route.change({ dst: '10.9.0.0/24', gateway: '10.2.0.2', mtu: 1400 });
  t.same(ipJson(ns.path, ['route', 'show', '10.9.0.0/24']).map((r: any) => [r.gateway, r.metrics?.[0]?.mtu]), [['10.2.0.2', 1400]], 'IPv4: the gateway and mtu changed in place, as ip shows');
  await rt.route.add({ dst: '2001:db8:9::/64', gateway: '2001:db8::2' });
  await rt.route.change({ dst: '2001:db8:9::/64', gateway: '2001:db8::3' });
  t.same((await rt.route.list({ family: 6, dst: '2001:db8:9::/64' })).map((r) => r.gateway), ['2001:db8::3'], 'IPv6: changed in place');
  // A key that differs (metric) is another route: nothing to change.
  const other = await rt.route.change({ dst: '10.9.0.0/24', gateway: '10.1.0.1', metric: 7 }).then(() => undefined, (e: unknown) => e);
  t.ok(other instanceof NetlinkError && other.code === 'ENOENT', 'another metric: ENOENT');
});

t.test('prepend: IPv4 puts the route ahead of the same key, IPv6 makes it a nexthop; only the same path is EEXIST', privileged, async (t) => {
  const { ns, rt } = setup(t);
  await rt.route.add({ dst: '10.7.0.0/16', gateway: '10.1.0.1' });
  await rt.route.prepend({ dst: '10.7.0.0/16', gateway: '10.2.0.2' });
  t.same((await rt.route.list({ family: 4, dst: '10.7.0.0/16' })).map((r) => r.gateway), ['10.2.0.2', '10.1.0.1'], 'the prepended route comes first');
  ip(ns.path, ['route', 'prepend', '10.8.0.0/16', 'via', '10.1.0.1']);
  ip(ns.path, ['route', 'prepend', '10.8.0.0/16', 'via', '10.2.0.2']);
  t.same(ipJson(ns.path, ['route', 'show', '10.8.0.0/16']).map((r: any) => r.gateway), ['10.2.0.2', '10.1.0.1'], 'as ip route prepend orders them');
  const dup = await rt.route.prepend({ dst: '10.7.0.0/16', gateway: '10.1.0.1' }).catch((e: unknown) => e) as NetlinkError;
  t.ok(dup instanceof NetlinkError);
  t.equal(dup.code, 'EEXIST', 'the same route twice');
  t.match(dup.message, /same path/, 'the hint says it is this very route');
  // Deleting by gateway takes the prepended one and leaves the other.
  await rt.route.del({ dst: '10.7.0.0/16', gateway: '10.2.0.2' });
  t.same((await rt.route.list({ family: 4, dst: '10.7.0.0/16' })).map((r) => r.gateway), ['10.1.0.1']);
  await rt.route.add({ dst: '2001:db8:7::/48', gateway: '2001:db8::2', dev: 'v0' });
  await rt.route.prepend({ dst: '2001:db8:7::/48', gateway: '2001:db8:1::2', dev: 'v1' });
  const [r6] = await rt.route.list({ family: 6, dst: '2001:db8:7::/48' });
  t.same(r6!.nexthops?.map((n) => n.gateway), ['2001:db8::2', '2001:db8:1::2'], 'IPv6: one route with both nexthops');
});

t.test('local, broadcast and anycast routes without a table go to the local table, as ip route add puts them', privileged, async (t) => {
  const { ns, rt } = setup(t);
  const mine: [Parameters<Rtnl['route']['add']>[0], string[]][] = [
    [{ dst: '10.40.0.0/24', type: 'local', dev: 'v0' }, ['local', '10.41.0.0/24', 'dev', 'v1']],
    [{ dst: '10.1.0.128', type: 'broadcast', dev: 'v0' }, ['broadcast', '10.2.0.128', 'dev', 'v1']],
    [{ dst: '2001:db8:40::1', type: 'local', dev: 'v0' }, ['local', '2001:db8:41::1', 'dev', 'v1']],
    [{ dst: '2001:db8::', type: 'anycast', dev: 'v0' }, ['anycast', '2001:db8:1::', 'dev', 'v1']],
  ];
  for (const [spec, theirs] of mine) {
    await rt.route.add(spec);
    ip(ns.path, ['route', 'add', ...theirs]);
  }
  // One dump of both families' tables, then the routes to each destination in it.
  const dump = () => ipJson(ns.path, ['-4', 'route', 'show', 'table', 'all']).concat(ipJson(ns.path, ['-6', 'route', 'show', 'table', 'all']));
  const where = (routes: any[], dst: string) => routes.filter((r) => r.dst === dst).map((r) => `${r.type} ${r.table ?? 'main'}`);
  const now = dump();
  for (const [a, b] of [['10.40.0.0/24', '10.41.0.0/24'], ['10.1.0.128', '10.2.0.128'], ['2001:db8:40::1', '2001:db8:41::1'], ['2001:db8::', '2001:db8:1::']]) {
    t.same(where(now, a!), where(now, b!), `${a} by nlkit where ${b} by ip: ${where(now, b!).join(', ')}`);
  }
  t.same(where(now, '10.40.0.0/24'), ['local local']);
  // And a delete without a table looks there too, as ip route del does.
  for (const [spec] of mine) await rt.route.del(spec);
  const after = dump();
  t.same(['10.40.0.0/24', '10.1.0.128', '2001:db8:40::1'].flatMap((d) => where(after, d)), [], 'deleted from the local table');
  await rt.route.add({ dst: '10.42.0.0/24', dev: 'v0' });
  t.same((await rt.route.list({ family: 4, table: 'all', dst: '10.42.0.0/24' })).map((r) => r.table), ['main'], 'a unicast route goes to main');
});

t.test('routes through nexthop objects: nhId added, listed as ip -j shows it, deleted by the decoded route', privileged, async (t) => {
  const { ns, rt } = setup(t);
  if (!ipOrSkip(t, ns.path, ['nexthop', 'add', 'id', '10', 'via', '10.1.0.1', 'dev', 'v0'], 'nexthop objects')) return;
  for (const c of ['id 11 via 10.2.0.2 dev v1', 'id 12 group 10/11', 'id 20 via 2001:db8::2 dev v0']) ip(ns.path, ['nexthop', 'add', ...c.split(' ')]);
  await rt.route.add({ dst: '10.30.0.0/16', nhId: 10 });
  await rt.route.add({ dst: '10.31.0.0/16', nhId: 12, metric: 7 });
  await rt.route.add({ dst: '2001:db8:30::/48', nhId: 20 });
  ip(ns.path, ['route', 'add', '10.32.0.0/16', 'nhid', '10']);
  ip(ns.path, ['route', 'add', '10.33.0.0/16', 'nhid', '12', 'metric', '7']);
  const shown = (dst: string) => {
    const { dst: _d, ...rest } = ipJson(ns.path, [dst.includes(':') ? '-6' : '-4', 'route', 'show', dst])[0];
    return rest;
  };
  t.same(shown('10.30.0.0/16'), shown('10.32.0.0/16'), 'nhid 10 by nlkit as by ip');
  t.same(shown('10.31.0.0/16'), shown('10.33.0.0/16'), 'nhid 12 (a group) by nlkit as by ip');
  t.equal(shown('2001:db8:30::/48').nhid, 20, 'an IPv6 route through nexthop 20');
  const ifn = names(ns.path);
  const mine = (await rt.route.list()).filter((r) => r.nhId !== undefined);
  const theirs = ipJson(ns.path, ['-4', 'route']).concat(ipJson(ns.path, ['-6', 'route'])).filter((r: any) => r.nhid !== undefined);
  const view = (r: { dst: string; nhId?: number; gateway?: string; dev?: number; nexthops?: { gateway?: string; dev: number }[] }) =>
    ({ dst: r.dst, nhid: r.nhId, gateway: r.gateway, dev: r.dev !== undefined ? ifn.get(r.dev) : undefined, nexthops: r.nexthops?.map((n) => [n.gateway, ifn.get(n.dev)]) });
  t.same(mine.map(view).sort(byDst), theirs.map((r: any) => ({ dst: r.dst, nhid: r.nhid, gateway: r.gateway, dev: r.dev, nexthops: r.nexthops?.map((n: any) => [n.gateway, n.dev]) })).sort(byDst),
    'nhId, and the object\'s gateway, link or paths, as ip -j route shows them');
  // The kernel reports the object's gateway and link with the id; an IPv4 delete that
  // names them matches no route through an object, so the decoded route deletes by its id.
  for (const r of mine) await rt.route.del(r);
  t.same((await rt.route.list()).filter((r) => r.nhId !== undefined), [], 'every route through a nexthop object deleted by its decoded value');
  // Through a blackhole object the kernel reports the route as type blackhole, not the
  // type it was added with (unicast), which an IPv4 delete must match.
  for (const c of ['link set lo up', 'nexthop add id 30 blackhole', 'route add 10.35.0.0/16 nhid 30', '-6 nexthop add id 31 blackhole', '-6 route add 2001:db8:35::/48 nhid 31']) ip(ns.path, c.split(' '));
  const bh = (await rt.route.list()).filter((r) => r.nhId === 30 || r.nhId === 31);
  t.same(bh.map((r) => [r.dst, r.type]).sort(), [['10.35.0.0/16', 'blackhole'], ['2001:db8:35::/48', 'blackhole']], 'listed as blackhole, as ip shows them');
  for (const r of bh) await rt.route.del(r);
  t.same((await rt.route.list()).filter((r) => r.nhId !== undefined), [], 'routes through a blackhole object deleted by their decoded value');
  const bad = await rt.route.add({ dst: '10.34.0.0/16', nhId: 10, gateway: '10.1.0.1' }).catch((e: unknown) => e);
  t.ok(bad instanceof InvalidArgumentError && bad.argument === 'nhId', 'nhId with a gateway is refused before sending');
});

const byDst = (a: { dst: string }, b: { dst: string }) => a.dst.localeCompare(b.dst);

t.test('del of a decoded route deletes that route among IPv4 alternatives that differ in prefsrc, realm or IPv6 gateway; via and flow can be added', privileged, async (t) => {
  const { ns, rt } = setup(t);
  ip(ns.path, ['addr', 'add', '10.1.0.3/24', 'dev', 'v0']);
  // ip route append keeps IPv4 routes with the same destination, TOS and metric side by
  // side; the kernel deletes the first that matches every field a delete sends.
  for (const [i, [a, b]] of ([['src 10.1.0.2', 'src 10.1.0.3'], ['realm 3', 'realm 4'], ['via inet6 fe80::1', 'via inet6 fe80::2']] as const).entries()) {
    const dst = `10.5${i}.0.0/16`;
    ip(ns.path, ['route', 'add', dst, 'dev', 'v0', ...a.split(' ')]);
    ip(ns.path, ['route', 'append', dst, 'dev', 'v0', ...b.split(' ')]);
    const [, second] = await rt.route.list({ dst });
    await rt.route.del(second!);
    const left = ipJson(ns.path, ['route', 'show', dst]);
    t.equal(left.length, 1, `${dst}: one left`);
    t.match(JSON.stringify(left[0]), a.includes('src') ? /"prefsrc":"10.1.0.2"/ : a.includes('realm') ? /"to":"3"/ : /fe80::1"/, `${dst}: the first (${a}) kept, the one passed (${b}) deleted`);
  }
  // via (an IPv6 gateway of an IPv4 route) and flow (realms) made by nlkit as by ip.
  await rt.route.add({ dst: '10.60.0.0/16', via: 'fe80::1', dev: 'v0', flow: (3 << 16) | 4 });
  ip(ns.path, ['route', 'add', '10.61.0.0/16', 'via', 'inet6', 'fe80::1', 'dev', 'v0', 'realms', '3/4']);
  await rt.route.add({ dst: '10.62.0.0/16', nexthops: [{ via: 'fe80::1', dev: 'v0' }, { gateway: '10.2.0.2', dev: 'v1', weight: 4 }] });
  ip(ns.path, ['route', 'add', '10.63.0.0/16', 'nexthop', 'via', 'inet6', 'fe80::1', 'dev', 'v0', 'nexthop', 'via', '10.2.0.2', 'dev', 'v1', 'weight', '4']);
  const shown = (dst: string) => {
    const { dst: _d, ...rest } = ipJson(ns.path, ['-d', 'route', 'show', dst])[0];
    return rest;
  };
  t.same(shown('10.60.0.0/16'), shown('10.61.0.0/16'), 'via inet6 and realms by nlkit as by ip');
  t.same(shown('10.62.0.0/16'), shown('10.63.0.0/16'), 'a multipath route with an IPv6 gateway on one path, by nlkit as by ip');
  const [r60] = await rt.route.list({ dst: '10.60.0.0/16' });
  t.match(r60, { via: 'fe80::1', flow: 0x30004 });
  for (const dst of ['10.60.0.0/16', '10.61.0.0/16', '10.62.0.0/16', '10.63.0.0/16']) await rt.route.del((await rt.route.list({ dst }))[0]!);
  t.same(await rt.route.list({ family: 4 }).then((rs) => rs.filter((r) => r.dst.startsWith('10.6'))), [], 'deleted by their decoded values');
  for (const [spec, re] of [
    [{ dst: '10.64.0.0/16', via: 'fe80::1' }, /needs its dev/],
    [{ dst: '10.64.0.0/16', via: '10.1.0.1', dev: 'v0' }, /give it as gateway/],
    [{ dst: '2001:db8:64::/48', via: 'fe80::1', dev: 'v0' }, /IPv4 routes only/],
    [{ dst: '10.64.0.0/16', via: 'fe80::1', gateway: '10.1.0.1', dev: 'v0' }, /not both/],
    [{ dst: '2001:db8:64::/48', dev: 'v0', flow: 3 }, /IPv4 routes only/],
    [{ dst: '10.64.0.0/16', dev: 'v0', flow: -1 }, /flow/],
  ] as const) {
    const e = await rt.route.add(spec as never).catch((x: unknown) => x);
    t.ok(e instanceof InvalidArgumentError && re.test(e.message), `${JSON.stringify(spec)}: ${(e as Error).message}`);
  }
});

t.test('an IPv6 route\'s lifetime: expires in seconds from RTA_CACHEINFO, as ip -j prints it', privileged, async (t) => {
  const { ns, rt } = setup(t);
  await rt.route.add({ dst: '2001:db8:200::/64', gateway: '2001:db8::fd', expires: 300 });
  ip(ns.path, ['-6', 'route', 'add', '2001:db8:201::/64', 'via', '2001:db8::fd', 'dev', 'v0', 'expires', '600']);
  const mine = (await rt.route.list({ family: 6 })).filter((r) => r.dst.startsWith('2001:db8:20'));
  const theirs = ipJson(ns.path, ['-6', 'route', 'show']).filter((r: any) => String(r.dst).startsWith('2001:db8:20'));
  t.equal(mine.length, 2);
  for (const [dst, lifetime] of [['2001:db8:200::/64', 300], ['2001:db8:201::/64', 600]] as const) {
    const r = mine.find((x) => x.dst === dst)!;
    const i = theirs.find((x: any) => x.dst === dst);
    t.ok(r.expires !== undefined && r.expires > lifetime - 30 && r.expires <= lifetime, `${dst}: expires ${r.expires} s of ${lifetime}`);
    t.ok(Math.abs(r.expires! - i.expires) <= 1, `${dst}: ip -j says ${i.expires}`);
    t.equal(r.expires, Math.trunc(r.cacheinfo!.expires / 100), 'cacheinfo.expires is in 1/100 s');
  }
  const forever = (await rt.route.list({ family: 6 })).find((r) => r.dst === '2001:db8::/64')!;
  t.equal(forever.expires, undefined, 'no expires on a route without a lifetime');
});

t.test('get asks the kernel which route a destination takes, as ip route get', privileged, async (t) => {
  const { ns, rt } = setup(t);
  await rt.route.add({ dst: '10.5.0.0/16', gateway: '10.1.0.1', metric: 5 });
  await rt.route.add({ dst: 'default', gateway: '10.2.0.2' });
  const ifn = names(ns.path);
  for (const dst of ['10.5.3.4', '8.8.8.8', '10.1.0.77', '10.2.0.1', '2001:db8::42']) {
    const r = await rt.route.get(dst);
    const theirs = ipJson(ns.path, ['route', 'get', dst])[0];
    t.same({ dst: r.dst, gateway: r.gateway, dev: ifn.get(r.dev!), prefsrc: r.prefsrc, type: r.type },
      { dst: theirs.dst, gateway: theirs.gateway, dev: theirs.dev, prefsrc: theirs.prefsrc, type: theirs.type ?? 'unicast' }, `route get ${dst}`);
  }
  const fib = await rt.route.get('10.5.3.4', { fibMatch: true });
  t.match(fib, { dst: '10.5.0.0/16', metric: 5, gateway: '10.1.0.1' }, 'fibMatch returns the matching FIB entry');
  const forced = await rt.route.get('10.5.3.4', { oif: 'v1' });
  t.equal(forced.dev, await rt.link.index('v1'), 'oif forces the output link');
  const marked = await rt.route.get('10.5.3.4', { mark: 7, from: '10.1.0.2' });
  t.match(marked, { mark: 7, from: '10.1.0.2', gateway: '10.1.0.1' }, 'mark and source echoed back');
  await rt.route.del({ dst: 'default' });
  const unreach = await rt.route.get('8.8.8.8').catch((e: unknown) => e) as NetlinkError;
  t.equal(unreach.code, 'ENETUNREACH');
});

t.test('an IPv4 get answers a cached route: its RTCF flags are cache (as ip -j names them), not route flags (0x20000000 is mc, not rt_offload_failed)', privileged, async (t) => {
  const { ns, rt } = setup(t);
  ip(ns.path, ['link', 'set', 'lo', 'up']);
  ip(ns.path, ['route', 'add', 'multicast', '224.1.0.0/16', 'dev', 'v0', 'table', 'local']);
  for (const dst of ['224.1.2.3', '10.1.0.255', '10.1.0.2', '127.0.0.1', '10.1.0.77']) {
    const r = await rt.route.get(dst);
    const theirs = ipJson(ns.path, ['route', 'get', dst])[0];
    t.same(r.cache, theirs.cache, `${dst}: cache ${JSON.stringify(theirs.cache)}`);
    t.notOk(r.flags.includes('rt_offload_failed'), `${dst}: no rt_offload_failed in flags ${JSON.stringify(r.flags)}`);
    t.ok((r.rawFlags & C.RTM_F_CLONED) !== 0, `${dst}: rawFlags keeps RTM_F_CLONED`);
  }
  t.same((await rt.route.get('224.1.2.3')).cache, ['mc']);
  t.same((await rt.route.get('10.1.0.255')).cache, ['local', 'brd']);
  // FIB entries (a list, a fibMatch get, IPv6) carry no cache flags.
  t.equal((await rt.route.get('10.1.0.77', { fibMatch: true })).cache, undefined, 'fibMatch: a FIB entry');
  t.equal((await rt.route.get('2001:db8::42')).cache, undefined, 'IPv6');
  t.ok((await rt.route.list({ table: 'all' })).every((r) => r.cache === undefined), 'list');
});

t.test('get names the table that answered, as ip route get does (policy rules sending a lookup to table 100)', privileged, async (t) => {
  const { ns, rt } = setup(t);
  await rt.route.add({ dst: 'default', gateway: '10.1.0.1' });
  await rt.route.add({ dst: 'default', gateway: '10.2.0.2', table: 100 });
  await rt.route.add({ dst: '2001:db8:7::/48', gateway: '2001:db8:1::2', table: 100 });
  await rt.rule.add({ priority: 1000, fwmark: 0x64, table: 100 });
  await rt.rule.add({ priority: 1000, fwmark: 0x64, table: 100, family: 6 });
  const cases: [string, string[], Parameters<Rtnl['route']['get']>[1]][] = [
    ['198.51.100.1', [], {}],
    ['198.51.100.1', ['mark', '0x64'], { mark: 0x64 }],
    ['198.51.100.1', ['mark', '0x64', 'fibmatch'], { mark: 0x64, fibMatch: true }],
    ['10.1.0.2', [], {}],
    ['2001:db8:7::1', ['mark', '0x64'], { mark: 0x64 }],
  ];
  for (const [dst, args, opts] of cases) {
    const r = await rt.route.get(dst, opts);
    const theirs = ipJson(ns.path, ['route', 'get', dst, ...args])[0];
    t.equal(r.table, num(theirs.table ?? 'main'), `route get ${[dst, ...args].join(' ')}: table ${theirs.table}`);
  }
  t.equal((await rt.route.get('198.51.100.1', { mark: 0x64 })).table, 100, 'the rule sent it to table 100');
  t.equal((await rt.route.get('198.51.100.1', { mark: 0x64, fibMatch: true })).table, 100, 'fibMatch too');
  t.equal((await rt.route.get('198.51.100.1')).table, 'main');
  t.equal((await rt.route.get('10.1.0.2')).table, 'local', 'an own address: the local table');
});

t.test('get with ipproto, sport and dport follows the rules that match them, as ip route get does', privileged, async (t) => {
  const { ns, rt } = setup(t);
  await rt.route.add({ dst: 'default', gateway: '10.1.0.1' });
  await rt.route.add({ dst: 'default', gateway: '10.2.0.2', table: 100 });
  await rt.route.add({ dst: 'default', gateway: '10.2.0.3', table: 101 });
  await rt.rule.add({ ipProto: 6, dport: 80, table: 100, priority: 10 });
  await rt.rule.add({ ipProto: 17, sport: [1000, 2000], table: 101, priority: 11 });
  await rt.rule.add({ family: 6, ipProto: 6, dport: 443, table: 100, priority: 10 });
  await rt.route.add({ dst: 'default', gateway: '2001:db8::2', table: 100 });
  for (const [dst, opts, args] of [
    ['10.9.9.9', {}, []],
    ['10.9.9.9', { ipProto: 6, dport: 80 }, ['ipproto', 'tcp', 'dport', '80']],
    ['10.9.9.9', { ipProto: 6, dport: 81 }, ['ipproto', 'tcp', 'dport', '81']],
    ['10.9.9.9', { ipProto: 17, sport: 1500, dport: 53 }, ['ipproto', 'udp', 'sport', '1500', 'dport', '53']],
    ['10.9.9.9', { ipProto: 17, sport: 999 }, ['ipproto', 'udp', 'sport', '999']],
    ['2001:db8:9::9', { ipProto: 6, dport: 443 }, ['ipproto', 'tcp', 'dport', '443']],
  ] as const) {
    const r = await rt.route.get(dst, opts);
    const theirs = ipJson(ns.path, ['route', 'get', dst, ...args])[0];
    t.same([r.gateway, r.table], [theirs.gateway, num(theirs.table ?? 'main')], `${dst} ${JSON.stringify(opts)}: via ${theirs.gateway}, as ip route get ${args.join(' ')}`);
  }
  const e = await rt.route.get('10.9.9.9', { ipProto: 256 }).catch((x: unknown) => x);
  t.ok(e instanceof InvalidArgumentError && e.argument === 'ipProto', 'ipProto 256 refused before sending');
});

t.test('the kernel\'s extended-ACK text for rejected routes', privileged, async (t) => {
  const { rt } = setup(t);
  const cases: [string, () => Promise<void>, string, string][] = [
    ['gateway unreachable', () => rt.route.add({ dst: '10.9.0.0/16', gateway: '192.168.99.1' }), 'ENETUNREACH', 'Nexthop has invalid gateway'],
    ['onlink without a link', () => rt.route.add({ dst: '10.9.0.0/16', gateway: '10.5.5.5', onlink: true }), 'ENODEV', 'Nexthop device required for onlink'],
    ['IPv6 link-local gateway without a link', () => rt.route.add({ dst: '2001:db8:9::/48', gateway: 'fe80::1' }), 'EINVAL', 'Egress device not specified'],
    ['preferred source not local', () => rt.route.add({ dst: '10.9.0.0/16', gateway: '10.1.0.1', src: '10.7.7.7' }), 'EINVAL', 'Invalid prefsrc address'],
    ['host scope with a gateway', () => rt.route.add({ dst: '10.9.0.0/16', gateway: '10.1.0.1', scope: 'host' }), 'EINVAL', 'Route with host scope can not have a gateway'],
    ['unknown congestion control', () => rt.route.add({ dst: '10.9.0.0/16', gateway: '10.1.0.1', metrics: { ccAlgo: 'nosuch' } }), 'EINVAL', 'Unknown tcp congestion algorithm'],
  ];
  for (const [name, fn, code, text] of cases) {
    const e = await fn().then(() => undefined, (x: unknown) => x) as NetlinkError;
    t.ok(e instanceof NetlinkError, `${name}: NetlinkError`);
    t.equal(e?.code, code, `${name}: ${code}`);
    t.equal(e?.extack?.message, text, `${name}: "${text}"`);
    t.match(e?.message, text, 'the text is in the message');
    t.match(e?.message, /RTM_NEWROUTE 10\.9\.0\.0\/16|RTM_NEWROUTE 2001:db8:9::\/48/, 'and the route it was about');
  }
  t.same(await rt.route.list({ dst: '10.9.0.0/16' }), [], 'none of them was added');
});

t.test('extended-ACK offsets inside RTA_MULTIPATH are named by nexthop', async (t) => {
  const w = new MessageWriter();
  w.begin(RTM_NEWROUTE, 0, 1);
  putRtmsg(w, 2, 16, 0, 0, 254, 3, 0, 1, 0);
  w.putBytes(C.RTA_DST, new Uint8Array([10, 6, 0, 0]));
  const mp = w.nestStart(C.RTA_MULTIPATH, false);
  const hops: number[] = [];
  for (const gw of [[10, 1, 0, 1], [10, 2, 0, 2]]) {
    const o = w.reserve(C.SIZEOF_RTNEXTHOP);
    hops.push(o);
    w.putBytes(C.RTA_GATEWAY, new Uint8Array(gw));
    w.view.setUint16(o, w.pos - o, true);
  }
  w.nestEnd(mp);
  const req = Buffer.from(w.finish());
  w.release();
  t.equal(rtnlDescriber.attributeAt!(req, 28), 'RTA_DST');
  t.equal(rtnlDescriber.attributeAt!(req, mp), 'RTA_MULTIPATH');
  t.equal(rtnlDescriber.attributeAt!(req, hops[1]!), 'RTA_MULTIPATH › nexthop 1');
  t.equal(rtnlDescriber.attributeAt!(req, hops[1]! + C.SIZEOF_RTNEXTHOP), 'RTA_MULTIPATH › nexthop 1 › RTA_GATEWAY');
});

t.test('addMany: 400 routes of every kind in one call equal ip -j route; all or none on a clash; bad specs refused unsent', privileged, async (t) => {
  const { ns, rt } = setup(t);
  const v1 = [...names(ns.path)].find(([, n]) => n === 'v1')![0];
  const specs: Parameters<typeof rt.route.addMany>[0][number][] = [];
  for (let i = 0; i < 300; i++) specs.push({ dst: `10.${100 + (i >> 8)}.${i & 255}.0/24`, gateway: i % 2 ? '10.1.0.1' : '10.2.0.2', ...(i % 3 === 0 ? { metric: i } : {}) });
  for (let i = 0; i < 90; i++) specs.push({ dst: `2001:db8:${(0x100 + i).toString(16)}::/48`, dev: i % 2 ? 'v0' : v1, ...(i % 5 === 0 ? { table: 200 } : {}) });
  specs.push({ dst: '10.50.0.0/16', nexthops: [{ gateway: '10.1.0.1', dev: 'v0', weight: 3 }, { gateway: '10.2.0.2', dev: v1 }] });
  specs.push({ dst: '10.51.0.0/16', type: 'blackhole' }, { dst: '10.52.0.0/16', type: 'unreachable', metric: 4 });
  specs.push({ dst: 'default', gateway: '10.1.0.1', table: 300 }, { dst: 'default', gateway: '2001:db8::2', family: 6 });
  specs.push({ dst: '10.53.0.9', gateway: '192.168.77.1', dev: 'v0', onlink: true, protocol: 'static', mtu: 1400 });
  specs.push({ dst: '2001:db8:9::/48', from: '2001:db8:1::/64', gateway: '2001:db8:1::2' }, { dst: '10.54.0.0/16', dev: 'v1', src: '10.2.0.1', scope: 'link' });
  specs.push({ dst: '10.55.0.0/16', gateway: '10.1.0.1', tos: 0x10 }, { dst: '10.55.0.0/16', gateway: '10.1.0.1' });
  const req0 = rt.sock.stats.requests;
  await rt.route.addMany(specs);
  t.equal(rt.sock.stats.requests - req0, specs.length + 2, 'one RTM_NEWROUTE per route and one GETLINK per link name (v0, v1)');
  await compare(t, ns.path, 'IPv4, every table', rt.route.list({ family: 4, table: 'all' }), ['-4', 'route', 'show', 'table', 'all'], 4);
  await compare(t, ns.path, 'IPv6, every table', rt.route.list({ family: 6, table: 'all' }), ['-6', 'route', 'show', 'table', 'all'], 6);
  const mine = (await rt.route.list({ table: 'all' })).filter((r) => r.protocol === 'boot' || r.protocol === 'static');
  const missing0 = specs.filter((s) => !mine.some((r) => r.dst === s.dst && (s.table ?? 'main') === (r.table === 254 ? 'main' : r.table)));
  t.same(missing0, [], 'every spec is there, in its table');

  // A clash in the middle, made by ip: nothing of the call is left.
  ip(ns.path, ['route', 'add', '10.60.5.0/24', 'via', '10.1.0.1']);
  const before = JSON.stringify(ipJson(ns.path, ['route', 'show', 'table', 'all']));
  const clash = Array.from({ length: 12 }, (_, i) => ({ dst: `10.60.${i}.0/24`, gateway: '10.2.0.2' }));
  const e = await rt.route.addMany(clash).then(() => undefined, (x: Error) => x);
  t.ok(e instanceof NetlinkError && e.code === 'EEXIST', `the clash: EEXIST (${e?.message})`);
  t.match(e!.message, /10\.60\.5\.0\/24 via 10\.2\.0\.2/, 'naming the refused route');
  t.equal(JSON.stringify(ipJson(ns.path, ['route', 'show', 'table', 'all'])), before, 'all or none: the tables are as before the call');
  // A given ifindex that does not exist: named as add() names it, nothing left.
  const gone = await rt.route.addMany([{ dst: '10.61.0.0/24', dev: 'v0' }, { dst: '10.61.1.0/24', gateway: '10.1.0.1', dev: 999 }]).then(() => undefined, (x: Error) => x);
  t.ok(gone instanceof NetlinkError && gone.code === 'ENODEV', `a missing ifindex: ENODEV (${gone?.message})`);
  t.equal(JSON.stringify(ipJson(ns.path, ['route', 'show', 'table', 'all'])), before, 'and the first route of that call deleted again');

  // Refused before anything is sent, naming specs[i].
  const sent = rt.sock.stats.requests;
  const bad = async (list: unknown, arg: string, what: string): Promise<void> => {
    const x = await rt.route.addMany(list as never).then(() => undefined, (y: Error) => y);
    t.ok(x instanceof InvalidArgumentError && x.argument === arg, `${what}: ${x?.message}`);
  };
  await bad([{ dst: '10.70.0.0/24', dev: 'v0' }, { dst: '10.70.1.0/24', gateway: '2001:db8::2' }], 'specs[1].gateway', 'a gateway of the other family');
  await bad([{ dst: '10.70.0.0/24', dev: 'v0' }, { dst: '10.70.0.0/24', gateway: '10.1.0.1' }], 'specs[1]', 'the same key twice');
  await bad([{ dst: '10.70.0.0/24', dev: 'v0', bogus: 1 }], 'specs[0].bogus', 'an unknown key');
  await bad('10.70.0.0/24', 'specs', 'not an array');
  t.equal(rt.sock.stats.requests, sent, 'nothing sent for any of them');
  const missing = await rt.route.addMany([{ dst: '10.70.0.0/24', dev: 'v0' }, { dst: '10.70.1.0/24', dev: 'nope0' }]).then(() => undefined, (y: Error) => y);
  t.ok(missing instanceof NetlinkError && missing.code === 'ENODEV', `a missing link name: ENODEV (${missing?.message})`);
  t.equal(JSON.stringify(ipJson(ns.path, ['route', 'show', 'table', 'all'])), before, 'nothing added by any of them');
  await rt.route.addMany([]);
  t.pass('an empty list');
});

t.test('bad input is refused before send and changes nothing', privileged, async (t) => {
  const { ns, rt } = setup(t);
  await rt.route.add({ dst: '10.5.0.0/16', gateway: '10.1.0.1' });
  const snapshot = () => JSON.stringify([ipJson(ns.path, ['-4', 'route', 'show', 'table', 'all']), ipJson(ns.path, ['-6', 'route', 'show', 'table', 'all'])]);
  const before = snapshot();
  const sent = rt.sock.stats.requests;
  const add = (s: unknown) => () => rt.route.add(s as never);
  const cases: [string, () => Promise<unknown>, RegExp][] = [
    ['malformed dst', add({ dst: '10.5.0/16', gateway: '10.1.0.1' }), /not an IPv4 or IPv6 address/],
    ['malformed IPv6 dst', add({ dst: '2001:db8::g/48', gateway: '2001:db8::2' }), /not an IPv4 or IPv6 address/],
    ['malformed gateway', add({ dst: '10.6.0.0/16', gateway: '10.1.0.256' }), /not an IPv4 or IPv6 address/],
    ['prefix > 32', add({ dst: '10.5.0.0/33', gateway: '10.1.0.1' }), /exceeds 32/],
    ['prefix > 128', add({ dst: '2001:db8::/129', gateway: '2001:db8::2' }), /exceeds 128/],
    ['host bits set', add({ dst: '10.5.1.0/16', gateway: '10.1.0.1' }), /did you mean 10\.5\.0\.0\/16/],
    ['gateway family ≠ dst family', add({ dst: '10.6.0.0/16', gateway: '2001:db8::2' }), /is IPv6 but dst 10\.6\.0\.0\/16 is IPv4/],
    ['IPv6 dst, IPv4 gateway', add({ dst: '2001:db8:9::/48', gateway: '10.1.0.1' }), /is IPv4 but dst 2001:db8:9::\/48 is IPv6/],
    ['family ≠ dst family', add({ dst: '10.6.0.0/16', family: 6, gateway: '10.1.0.1' }), /family 6 but dst/],
    ['default: family ≠ gateway', add({ dst: 'default', family: 4, gateway: '2001:db8::2' }), /is IPv6 but the route is IPv4/],
    ['src family', add({ dst: '10.6.0.0/16', gateway: '10.1.0.1', src: '2001:db8::1' }), /is IPv6/],
    ['nexthop family', add({ dst: '10.6.0.0/16', nexthops: [{ gateway: '10.1.0.1' }, { gateway: '2001:db8::2' }] }), /nexthops\[1\]\.gateway/],
    ['unknown table name', add({ dst: '10.6.0.0/16', gateway: '10.1.0.1', table: 'wan' }), /unknown table 'wan'/],
    ['table 0', add({ dst: '10.6.0.0/16', gateway: '10.1.0.1', table: 0 }), /1\.\.4294967295/],
    ['table too big', add({ dst: '10.6.0.0/16', gateway: '10.1.0.1', table: 2 ** 32 }), /1\.\.4294967295/],
    ['unknown type', add({ dst: '10.6.0.0/16', gateway: '10.1.0.1', type: 'wormhole' }), /unknown type 'wormhole'/],
    ['unknown protocol', add({ dst: '10.6.0.0/16', gateway: '10.1.0.1', protocol: 'carrier-pigeon' }), /unknown protocol/],
    ['unknown scope', add({ dst: '10.6.0.0/16', gateway: '10.1.0.1', scope: 'galaxy' }), /unknown scope/],
    ['weight 0', add({ dst: '10.6.0.0/16', nexthops: [{ gateway: '10.1.0.1', weight: 0 }] }), /1\.\.256/],
    ['weight 257', add({ dst: '10.6.0.0/16', nexthops: [{ gateway: '10.1.0.1', weight: 257 }] }), /1\.\.256/],
    ['nexthops and gateway', add({ dst: '10.6.0.0/16', gateway: '10.1.0.1', nexthops: [{ gateway: '10.1.0.1' }] }), /leave gateway and dev out/],
    ['empty nexthops', add({ dst: '10.6.0.0/16', nexthops: [] }), /non-empty array/],
    ['empty nexthop', add({ dst: '10.6.0.0/16', nexthops: [{ weight: 2 }] }), /needs a gateway or a dev/],
    ['blackhole with gateway', add({ dst: '10.6.0.0/16', type: 'blackhole', gateway: '10.1.0.1' }), /takes no gateway/],
    ['unicast to nowhere', add({ dst: '10.6.0.0/16' }), /needs a gateway, a dev or nexthops/],
    ['no dst', add({ gateway: '10.1.0.1' }), /needs a destination/],
    ['unknown key', add({ dst: '10.6.0.0/16', gw: '10.1.0.1' }), /unknown option 'gw'/],
    ['via of the route\'s family', add({ dst: '10.6.0.0/16', via: '10.1.0.1' }), /give it as gateway/],
    ['mtu negative', add({ dst: '10.6.0.0/16', gateway: '10.1.0.1', mtu: -1 }), /mtu/],
    ['mtu twice', add({ dst: '10.6.0.0/16', gateway: '10.1.0.1', mtu: 1400, metrics: { mtu: 1300 } }), /not both/],
    ['unknown metric', add({ dst: '10.6.0.0/16', gateway: '10.1.0.1', metrics: { speed: 9 } }), /unknown option 'speed'/],
    ['pref on IPv4', add({ dst: '10.6.0.0/16', gateway: '10.1.0.1', pref: 'high' }), /IPv6 routes only/],
    ['bad dev name', add({ dst: '10.6.0.0/16', gateway: '10.1.0.1', dev: 'a b' }), /whitespace/],
    ['del: malformed', () => rt.route.del({ dst: '10.5.0.0/99' }), /exceeds 32/],
    ['get: a prefix', () => rt.route.get('10.5.0.0/16'), /one address/],
    ['get: malformed', () => rt.route.get('10.5'), /not an IPv4 or IPv6 address/],
    ['list: unknown table', () => rt.route.list({ table: 'wan' }), /unknown table 'wan'/],
    ['list: unknown key', () => rt.route.list({ link: 'v0' } as never), /unknown option 'link'/],
  ];
  for (const [name, fn, re] of cases) {
    const e = await fn().then(() => undefined, (x: unknown) => x);
    t.ok(e instanceof InvalidArgumentError, `${name}: InvalidArgumentError`);
    t.match(String((e as Error)?.message), re, `${name}: ${(e as Error)?.message}`);
  }
  t.equal(rt.sock.stats.requests, sent, 'nothing was sent');
  t.equal(snapshot(), before, 'no route changed');
  for (const [name, fn] of [
    ['dev name', add({ dst: '10.6.0.0/16', gateway: '10.1.0.1', dev: 'nope0' })],
    ['dev ifindex', add({ dst: '10.6.0.0/16', gateway: '10.1.0.1', dev: 9999 })],
    ['nexthop dev', add({ dst: '10.6.0.0/16', nexthops: [{ gateway: '10.1.0.1', dev: 'nope0' }] })],
    ['nexthop dev ifindex', add({ dst: '10.6.0.0/16', nexthops: [{ gateway: '10.1.0.1', dev: 9999 }] })],
    ['del with dev ifindex', () => rt.route.del({ dst: '10.6.0.0/16', dev: 9999 })],
    ['list dev', () => rt.route.list({ dev: 'nope0' })],
  ] as const) {
    const e = await fn().then(() => undefined, (x: unknown) => x) as NetlinkError;
    t.ok(e instanceof NetlinkError && e.code === 'ENODEV', `${name}: ENODEV`);
    t.match(e?.message, /nope0|9999/, `${name}: names the link (${e?.message})`);
  }
  t.equal(snapshot(), before, 'still no route changed');
});

t.test('routes through nexthop objects under nexthop_compat_mode 0 (no dev in the dump): a dev filter keeps those the kernel kept', privileged, async (t) => {
  const { ns, rt } = setup(t);
  if (!ipOrSkip(t, ns.path, ['nexthop', 'add', 'id', '1', 'via', '10.1.0.1', 'dev', 'v0'], 'nexthop objects')) return;
  inNs(ns.path, 'sysctl', ['-qw', 'net.ipv4.nexthop_compat_mode=0']);
  for (const c of ['id 2 via 10.2.0.2 dev v1', 'id 3 via 2001:db8::2 dev v0', 'id 10 group 1/2']) ip(ns.path, ['nexthop', 'add', ...c.split(' ')]);
  await rt.route.add({ dst: '10.30.0.0/16', nhId: 1 });
  await rt.route.add({ dst: '10.31.0.0/16', nhId: 2 });
  await rt.route.add({ dst: '10.32.0.0/16', nhId: 10 });
  await rt.route.add({ dst: '2001:db8:30::/48', nhId: 3 });
  const all = (await rt.route.list()).filter((r) => r.nhId !== undefined);
  t.same(all.map((r) => [r.dst, r.nhId, r.dev, r.gateway, r.nexthops]), [
    ['10.30.0.0/16', 1, undefined, undefined, undefined], ['10.31.0.0/16', 2, undefined, undefined, undefined],
    ['10.32.0.0/16', 10, undefined, undefined, undefined], ['2001:db8:30::/48', 3, undefined, undefined, undefined],
  ], 'the kernel reports the id only (ip -j shows nhid alone)');
  // The kernel's dev filter (fib_info_nh_uses_dev) looks into the nexthop objects.
  t.same((await rt.route.list({ dev: 'v0' })).filter((r) => r.nhId !== undefined).map((r) => r.dst), ['10.30.0.0/16', '10.32.0.0/16', '2001:db8:30::/48'], 'dev v0: through nexthops 1, 10 (1/2) and 3');
  t.same((await rt.route.list({ dev: 'v1', family: 4 })).filter((r) => r.nhId !== undefined).map((r) => r.dst), ['10.31.0.0/16', '10.32.0.0/16'], 'dev v1: through nexthops 2 and 10');
  const walked: string[] = [];
  await rt.route.forEach({ dev: 'v1', family: 4 }, (r) => void walked.push(r.dst));
  t.same(walked.filter((d) => d.startsWith('10.3')), ['10.31.0.0/16', '10.32.0.0/16'], 'forEach too');
  t.equal(await rt.route.flush({ dev: 'v1', family: 4, protocol: 'boot' }), 2, 'flush dev v1 deletes those two');
  t.same(ipJson(ns.path, ['-4', 'route', 'show', 'proto', 'boot']).map((r: { dst: string }) => r.dst), ['10.30.0.0/16'], 'as ip shows');
});

t.test('addMany: a route without metric and one with the metric the kernel gives it by default are one key, refused before anything is sent', privileged, async (t) => {
  // Before, the key compared the metric as given: the kernel took the first and refused
  // the second with EEXIST ("the table already has a route…", made by this very call).
  const { ns, rt } = setup(t);
  const before = JSON.stringify(ipJson(ns.path, ['route', 'show', 'table', 'all']));
  const sent = rt.sock.stats.requests;
  const cases: [string, unknown[]][] = [
    ['IPv4: none and 0', [{ dst: '10.70.0.0/24', dev: 'v0' }, { dst: '10.70.0.0/24', dev: 'v0', metric: 0 }]],
    ['IPv6: none and 1024', [{ dst: '2001:db8:70::/64', dev: 'v0' }, { dst: '2001:db8:70::/64', dev: 'v0', metric: 1024 }]],
    ['IPv6: 0 and none', [{ dst: '2001:db8:70::/64', dev: 'v0', metric: 0 }, { dst: '2001:db8:70::/64', dev: 'v0' }]],
  ];
  for (const [name, list] of cases) {
    const x = await rt.route.addMany(list as never).then(() => undefined, (y: Error) => y);
    t.ok(x instanceof InvalidArgumentError && x.argument === 'specs[1]', `${name}: ${x?.message}`);
  }
  t.equal(rt.sock.stats.requests, sent, 'nothing sent');
  t.equal(JSON.stringify(ipJson(ns.path, ['route', 'show', 'table', 'all'])), before, 'nothing changed');
  await rt.route.addMany([{ dst: '10.70.0.0/24', dev: 'v0' }, { dst: '10.70.0.0/24', dev: 'v0', metric: 5 }, { dst: '2001:db8:70::/64', dev: 'v0' }, { dst: '2001:db8:70::/64', dev: 'v0', metric: 1 }]);
  t.equal(ipJson(ns.path, ['route', 'show', '10.70.0.0/24']).length, 2, 'other metrics are other routes');
});
