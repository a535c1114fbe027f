// An option given as `undefined` is an option not given. A TypeScript user compiling with
// exactOptionalPropertyTypes writes `rt.link.add({ name, kind: 'veth', mtu: conf.mtu })`
// with `conf.mtu: number | undefined`, and nlkit's option types accept that (`mtu?: number
// | undefined`); this checks that the run-time code agrees. For every object argument of
// the object APIs, the call with every other key it knows set to `undefined` sends the
// same bytes and ends the same way as the call without them — no unknown-option error,
// no attribute written for an undefined key. The keys come from the call's own
// unknown-option error ("known: …"), so an option added later is covered as well.
// The privileged half does the same against the kernel for a few representative calls.
import t from 'tap';
import { Rtnl, Monitor, NetlinkSocket, NETLINK_ROUTE, InvalidArgumentError, execNetns, Netns, netnsDir } from '../../src/index.js';
import { LinkApi } from '../../src/rtnl/link/api.js';
import { AddrApi } from '../../src/rtnl/addr/api.js';
import { RouteApi } from '../../src/rtnl/route/api.js';
import { NeighApi } from '../../src/rtnl/neigh/api.js';
import { FdbApi } from '../../src/rtnl/fdb/api.js';
import { VlanApi } from '../../src/rtnl/vlan/api.js';
import { MdbApi } from '../../src/rtnl/mdb/api.js';
import { RuleApi } from '../../src/rtnl/rule/api.js';
import { FilterApi } from '../../src/rtnl/tc/filter/api.js';
import { NexthopApi } from '../../src/rtnl/nexthop/api.js';
import { recordedRequests } from './scripted-link-api.js';
import { privileged, freshHandle, ipJson } from '../helpers.js';

type Obj = Record<string, unknown>;

/** A deep copy of `base` with the object at `path` passed through `f`. */
function at(base: unknown, path: readonly (string | number)[], f: (o: Obj) => Obj): unknown {
  if (path.length === 0) return f({ ...(base as Obj) });
  const [k, ...rest] = path;
  if (Array.isArray(base)) return base.map((x, i) => (i === k ? at(x, rest, f) : x));
  return { ...(base as Obj), [k!]: at((base as Obj)[k!], rest, f) };
}

interface Case<A> {
  /** What is called, for the test's name. */
  readonly name: string;
  readonly make: (core: never) => A;
  /** The call, with its object argument. */
  readonly call: (api: A, arg: never) => Promise<unknown>;
  /** The argument as given without undefined keys. */
  readonly base: unknown;
  /** Where in the argument the object whose keys are filled sits ([] for the argument itself). */
  readonly path?: readonly (string | number)[];
}

const link = (core: never) => LinkApi.of(core);
const addr = (core: never) => AddrApi.of(core);
const route = (core: never) => RouteApi.of(core);
const neigh = (core: never) => NeighApi.of(core);
const rule = (core: never) => RuleApi.of(core);
const fdb = (core: never) => FdbApi.of(core, LinkApi.of(core));
const vlan = (core: never) => VlanApi.of(core, LinkApi.of(core));
const mdb = (core: never) => MdbApi.of(core, LinkApi.of(core));
const filter = (core: never) => FilterApi.of(core);
const nexthop = (core: never) => NexthopApi.of(core);

const cases: Case<any>[] = [
  { name: 'rt.link.add veth spec', make: link, call: (a: LinkApi, s) => a.add(s), base: { name: 'v0', kind: 'veth', mtu: 1400, peer: { name: 'v1' } } },
  { name: 'rt.link.add veth peer', make: link, call: (a: LinkApi, s) => a.add(s), base: { name: 'v0', kind: 'veth', peer: { name: 'v1', mtu: 1400 } }, path: ['peer'] },
  { name: 'rt.link.add bridge data', make: link, call: (a: LinkApi, s) => a.add(s), base: { name: 'br0', kind: 'bridge', data: { stpState: 1 } }, path: ['data'] },
  { name: 'rt.link.add vxlan data', make: link, call: (a: LinkApi, s) => a.add(s), base: { name: 'vx0', kind: 'vxlan', data: { id: 42, port: 4789, local: '10.0.0.1' } }, path: ['data'] },
  { name: 'rt.link.add macvlan data', make: link, call: (a: LinkApi, s) => a.add(s), base: { name: 'mv0', kind: 'macvlan', link: 'eth0', data: { mode: 'bridge' } }, path: ['data'] },
  { name: 'rt.link.add gre data', make: link, call: (a: LinkApi, s) => a.add(s), base: { name: 'gre1', kind: 'gre', data: { remote: '192.0.2.2', ikey: 42, iflags: ['key'] } }, path: ['data'] },
  { name: 'rt.link.add geneve data', make: link, call: (a: LinkApi, s) => a.add(s), base: { name: 'gnv0', kind: 'geneve', data: { id: 42, remote6: '2001:db8::2', label: 5 } }, path: ['data'] },
  { name: 'rt.link.add geneve data (external)', make: link, call: (a: LinkApi, s) => a.add(s), base: { name: 'gnv1', kind: 'geneve', data: { collectMetadata: true } }, path: ['data'] },
  { name: 'rt.link.add sit data', make: link, call: (a: LinkApi, s) => a.add(s), base: { name: 'sit1', kind: 'sit', data: { '6rdPrefix': '2001:db8::', '6rdPrefixlen': 32 } }, path: ['data'] },
  { name: 'rt.link.add options', make: link, call: (a: LinkApi, o) => a.add({ name: 'br0', kind: 'bridge' }, o), base: {} },
  { name: 'rt.link.addMany spec', make: link, call: (a: LinkApi, s) => a.addMany([s]), base: { name: 'v0', kind: 'veth', up: true, peer: { name: 'v1' } } },
  { name: 'rt.link.set change', make: link, call: (a: LinkApi, c) => a.set('v0', c), base: { mtu: 1400, up: true } },
  { name: 'rt.link.set bridgePort', make: link, call: (a: LinkApi, c) => a.set('v0', c), base: { bridgePort: { hairpin: true } }, path: ['bridgePort'] },
  { name: 'rt.link.set options', make: link, call: (a: LinkApi, o) => a.set('v0', { mtu: 1400 }, o), base: {} },
  { name: 'rt.link.list filter', make: link, call: (a: LinkApi, f) => a.list(f), base: {} },
  { name: 'rt.addr.add options', make: addr, call: (a: AddrApi, o) => a.add('v0', '10.0.0.2/24', o), base: {} },
  { name: 'rt.addr.add options (IPv6)', make: addr, call: (a: AddrApi, o) => a.add('v0', '2001:db8::2/64', o), base: { nodad: true } },
  { name: 'rt.addr.replace options', make: addr, call: (a: AddrApi, o) => a.replace('v0', '10.0.0.2/24', o), base: { label: 'v0:1' } },
  { name: 'rt.addr.addMany entry', make: addr, call: (a: AddrApi, e) => a.addMany('v0', [e]), base: { address: '10.0.0.2/24' } },
  { name: 'rt.addr.addMany options', make: addr, call: (a: AddrApi, o) => a.addMany('v0', ['10.0.0.2/24', '10.0.0.3/24'], o), base: {} },
  { name: 'rt.addr.del options', make: addr, call: (a: AddrApi, o) => a.del('v0', '10.0.0.2/24', o), base: {} },
  { name: 'rt.addr.list filter', make: addr, call: (a: AddrApi, f) => a.list(f), base: { link: 'v0' } },
  { name: 'rt.route.add spec', make: route, call: (a: RouteApi, s) => a.add(s), base: { dst: '10.9.0.0/24', gateway: '10.0.0.1' } },
  { name: 'rt.route.add spec (IPv6)', make: route, call: (a: RouteApi, s) => a.add(s), base: { dst: '2001:db8:9::/64', dev: 'v0' } },
  { name: 'rt.route.replace spec', make: route, call: (a: RouteApi, s) => a.replace(s), base: { dst: 'default', dev: 'v0' } },
  { name: 'rt.route.append spec', make: route, call: (a: RouteApi, s) => a.append(s), base: { dst: '10.9.0.0/24', dev: 'v0', metric: 5 } },
  { name: 'rt.route.prepend spec', make: route, call: (a: RouteApi, s) => a.prepend(s), base: { dst: '10.9.0.0/24', dev: 'v0', metric: 5 } },
  { name: 'rt.route.del spec', make: route, call: (a: RouteApi, s) => a.del(s), base: { dst: '10.9.0.0/24' } },
  { name: 'rt.route.add nexthop', make: route, call: (a: RouteApi, s) => a.add(s), base: { dst: '10.9.0.0/24', nexthops: [{ gateway: '10.0.0.1' }, { dev: 'v0' }] }, path: ['nexthops', 0] },
  { name: 'rt.route.add metrics', make: route, call: (a: RouteApi, s) => a.add(s), base: { dst: '10.9.0.0/24', dev: 'v0', metrics: {} }, path: ['metrics'] },
  { name: 'rt.route.add metrics (with mtu)', make: route, call: (a: RouteApi, s) => a.add(s), base: { dst: '10.9.0.0/24', dev: 'v0', mtu: 1400, metrics: {} }, path: ['metrics'] },
  { name: 'rt.route.list filter', make: route, call: (a: RouteApi, f) => a.list(f), base: {} },
  { name: 'rt.route.get options', make: route, call: (a: RouteApi, o) => a.get('10.2.0.9', o), base: {} },
  { name: 'rt.neigh.add spec', make: neigh, call: (a: NeighApi, s) => a.add(s), base: { dst: '10.0.0.9', dev: 'v0', lladdr: '02:00:00:00:00:09' } },
  { name: 'rt.neigh.del spec', make: neigh, call: (a: NeighApi, s) => a.del(s), base: { dst: '10.0.0.9', dev: 'v0' } },
  { name: 'rt.neigh.list filter', make: neigh, call: (a: NeighApi, f) => a.list(f), base: {} },
  { name: 'rt.rule.add spec', make: rule, call: (a: RuleApi, s) => a.add(s), base: { priority: 100, table: 100, from: '10.0.0.0/8' } },
  { name: 'rt.rule.del spec', make: rule, call: (a: RuleApi, s) => a.del(s), base: { priority: 100 } },
  { name: 'rt.rule.list filter', make: rule, call: (a: RuleApi, f) => a.list(f), base: {} },
  { name: 'rt.fdb.add spec', make: fdb, call: (a: FdbApi, s) => a.add(s), base: { mac: '02:00:00:00:00:01', link: 'v0', master: true } },
  { name: 'rt.fdb.replace spec (vxlan)', make: fdb, call: (a: FdbApi, s) => a.replace(s), base: { mac: '00:00:00:00:00:00', link: 'vx0', dst: '10.0.0.2' } },
  { name: 'rt.fdb.del spec', make: fdb, call: (a: FdbApi, s) => a.del(s), base: { mac: '02:00:00:00:00:01', link: 'v0', master: true } },
  { name: 'rt.fdb.list filter', make: fdb, call: (a: FdbApi, f) => a.list(f), base: {} },
  { name: 'rt.vlan.add vlan', make: vlan, call: (a: VlanApi, v) => a.add('v0', v), base: { vid: 10, pvid: true } },
  { name: 'rt.vlan.add options', make: vlan, call: (a: VlanApi, o) => a.add('v0', 10, o), base: { self: true } },
  { name: 'rt.vlan.del vlan', make: vlan, call: (a: VlanApi, v) => a.del('v0', v), base: { vid: 10, vidEnd: 12 } },
  { name: 'rt.vlan.list filter', make: vlan, call: (a: VlanApi, f) => a.list(f), base: {} },
  { name: 'rt.mdb.add spec', make: mdb, call: (a: MdbApi, s) => a.add(s), base: { bridge: 'br0', port: 'v0', group: '239.1.1.1', permanent: true } },
  { name: 'rt.mdb.replace spec (filter mode)', make: mdb, call: (a: MdbApi, s) => a.replace(s), base: { bridge: 'br0', port: 'v0', group: '239.1.1.1', filterMode: 'include', sources: ['10.0.0.1'] } },
  { name: 'rt.mdb.del spec', make: mdb, call: (a: MdbApi, s) => a.del(s), base: { bridge: 'br0', port: 'v0', group: '239.1.1.1' } },
  { name: 'rt.mdb.list filter', make: mdb, call: (a: MdbApi, f) => a.list(f), base: {} },
  { name: 'rt.mdb.routers filter', make: mdb, call: (a: MdbApi, f) => a.routers(f), base: { bridge: 'br0' } },
  { name: 'rt.filter.add u32 spec', make: filter, call: (a: FilterApi, s) => a.add(s), base: { link: 'v0', parent: 'ingress', kind: 'u32', match: 'all' } },
  { name: 'rt.filter.add bpf spec', make: filter, call: (a: FilterApi, s) => a.add(s), base: { link: 'v0', parent: 'ingress', kind: 'bpf', fd: 3 } },
  { name: 'rt.filter.replace matchall spec', make: filter, call: (a: FilterApi, s) => a.replace(s), base: { link: 'v0', parent: 'ingress', kind: 'matchall', priority: 2 } },
  { name: 'rt.filter.add u32 key', make: filter, call: (a: FilterApi, s) => a.add(s), base: { link: 'v0', parent: 'ingress', kind: 'u32', match: [{ value: 1, mask: 1 }] }, path: ['match', 0] },
  { name: 'rt.filter.add mirred action', make: filter, call: (a: FilterApi, s) => a.add(s), base: { link: 'v0', parent: 'ingress', kind: 'u32', match: 'all', actions: [{ kind: 'mirred', action: 'redirect', direction: 'egress', dev: 'v1' }] }, path: ['actions', 0] },
  { name: 'rt.filter.add bpf action', make: filter, call: (a: FilterApi, s) => a.add(s), base: { link: 'v0', parent: 'ingress', kind: 'u32', match: 'all', actions: [{ kind: 'bpf', fd: 3 }] }, path: ['actions', 0] },
  { name: 'rt.filter.del spec', make: filter, call: (a: FilterApi, s) => a.del(s), base: { link: 'v0', parent: 'ingress', priority: 1 } },
  { name: 'rt.filter.list filter', make: filter, call: (a: FilterApi, f) => a.list(f), base: { link: 'v0' } },
  { name: 'rt.nexthop.add spec', make: nexthop, call: (a: NexthopApi, s) => a.add(s), base: { id: 1, gateway: '10.0.0.2', dev: 'v0' } },
  { name: 'rt.nexthop.add spec (group)', make: nexthop, call: (a: NexthopApi, s) => a.add(s), base: { id: 10, group: [1, 2] } },
  { name: 'rt.nexthop.add group member', make: nexthop, call: (a: NexthopApi, s) => a.add(s), base: { id: 10, group: [{ id: 1 }, 2] }, path: ['group', 0] },
  { name: 'rt.nexthop.add resilient', make: nexthop, call: (a: NexthopApi, s) => a.add(s), base: { id: 10, group: [1], resilient: { buckets: 8 } }, path: ['resilient'] },
  { name: 'rt.nexthop.replace spec', make: nexthop, call: (a: NexthopApi, s) => a.replace(s), base: { id: 1, blackhole: true } },
  { name: 'rt.nexthop.get options', make: nexthop, call: (a: NexthopApi, o) => a.get(1, o), base: {} },
  { name: 'rt.nexthop.list filter', make: nexthop, call: (a: NexthopApi, f) => a.list(f), base: {} },
  { name: 'rt.nexthop.flush filter', make: nexthop, call: (a: NexthopApi, f) => a.flush(f), base: { groups: true } },
];

/** The keys the object at `path` may have, as the call's unknown-option error lists them. */
async function knownKeys(c: Case<unknown>): Promise<string[]> {
  const probe = at(c.base, c.path ?? [], (o) => ({ ...o, notAnOption: 1 }));
  const r = await recordedRequests(c.make, (api) => c.call(api, probe as never));
  const m = r.error instanceof InvalidArgumentError ? /\(known: ([^)]*)\)/.exec(r.error.message) : null;
  if (!m) throw new Error(`${c.name}: no unknown-option error naming the known keys (got ${String(r.error ?? r.value)})`);
  return m[1]!.split(', ');
}

const show = (r: { bytes: Buffer[]; value?: unknown; error?: unknown }) => ({
  bytes: r.bytes.map((b) => b.toString('hex')),
  outcome: r.error !== undefined ? `rejected: ${String(r.error)}` : `resolved: ${String(r.value)}`,
});

for (const c of cases) {
  t.test(`${c.name}: every other option given as undefined changes nothing`, async (t) => {
    const keys = await knownKeys(c);
    let filled: string[] = [];
    const withUndefined = at(c.base, c.path ?? [], (o) => {
      filled = keys.filter((k) => !(k in o));
      for (const k of filled) o[k] = undefined;
      return o;
    });
    t.ok(filled.length > 0, `${filled.length} keys given as undefined: ${filled.join(', ')}`);
    const plain = await recordedRequests(c.make, (api) => c.call(api, c.base as never));
    const undef = await recordedRequests(c.make, (api) => c.call(api, withUndefined as never));
    t.ok(plain.bytes.length > 0, `the call is valid: it sends something (${plain.error !== undefined ? String(plain.error) : 'resolved'})`);
    t.same(show(undef), show(plain), 'same requests, same outcome');
  });
}

t.test('Rtnl.open, rt.monitor and NetlinkSocket.open take undefined options as not given', async (t) => {
  const rt = Rtnl.open({ netns: undefined, receiveBufferSize: undefined, strictCheck: undefined });
  t.teardown(() => rt.close());
  t.equal(rt.netnsFd, undefined, 'opened in the caller\'s netns');
  t.ok((await rt.link.list()).some((l) => l.name === 'lo'), 'and works');
  const mon = rt.monitor(['link'], { signal: undefined, receiveBufferSize: undefined, maxQueued: undefined });
  t.ok(mon instanceof Monitor, 'a monitor opens');
  mon.close();
  const sock = NetlinkSocket.open(NETLINK_ROUTE, {
    groups: undefined, receiveBufferSize: undefined, sendBufferSize: undefined, extAck: undefined, strictCheck: undefined,
    capAck: undefined, noEnobufs: undefined, describer: undefined,
  });
  sock.close();
  t.equal(netnsDir({ dir: undefined }), netnsDir(), 'netnsDir({ dir: undefined }) is the default directory');
});

t.test('against the kernel: undefined options are options not given', privileged, async (t) => {
  const { ns, rt } = freshHandle(t);
  await rt.link.add({ name: 'v0', kind: 'veth', mtu: undefined, address: undefined, up: undefined, netns: undefined, peer: { name: 'v1', mtu: undefined, netns: undefined } });
  const [v0] = ipJson(ns.path, ['-d', 'link', 'show', 'dev', 'v0']);
  t.equal(v0.mtu, 1500, 'mtu: undefined is the kind\'s default');
  t.same(v0.flags.includes('UP'), false, 'up: undefined leaves it down');
  await rt.link.set('v0', { up: true, mtu: undefined, name: undefined, master: undefined, netns: undefined });
  await rt.link.set('v1', { up: true });
  await rt.addr.add('v0', '10.7.0.1/24', { label: undefined, nodad: undefined, validLifetime: undefined, metric: undefined });
  await rt.route.add({ dst: '10.8.0.0/24', gateway: '10.7.0.2', dev: undefined, table: undefined, metric: undefined, scope: undefined, type: undefined, protocol: undefined, metrics: { hoplimit: undefined }, mtu: undefined });
  const routes = ipJson(ns.path, ['-d', 'route', 'show', '10.8.0.0/24']);
  t.same(routes.map((r: any) => ({ dst: r.dst, gateway: r.gateway, dev: r.dev, protocol: r.protocol, metrics: r.metrics })),
    [{ dst: '10.8.0.0/24', gateway: '10.7.0.2', dev: 'v0', protocol: 'boot', metrics: undefined }], 'the route as without the undefined fields (main table, boot, no metrics)');
  t.same((await rt.route.list({ table: undefined, dev: undefined, family: undefined })).filter((r) => r.dst === '10.8.0.0/24').length, 1, 'route.list with undefined filters: the main table');
  // Rtnl.open({ netns: undefined }) inside execNetns opens in the execNetns target, as without netns.
  const host = Netns.get();
  const target = Netns.fromPath(ns.path);
  t.teardown(() => {
    host.close();
    target.close();
  });
  const seen = await execNetns(host, target, async () => {
    using inner = Rtnl.open({ netns: undefined });
    return (await inner.link.list()).map((l) => l.name).sort();
  });
  t.same(seen, ['lo', 'v0', 'v1'], 'Rtnl.open({ netns: undefined }) in execNetns opens in the target netns');
});
