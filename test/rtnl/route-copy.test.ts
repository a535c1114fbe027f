// A decoded Route, as list() returns it, is what add/replace/append/prepend take too:
// `rt.route.add({ ...route, table: 100 })` copies a route (as Go's netlink.Route is one
// type for RouteList and RouteAdd).
import t from 'tap';
import { InvalidArgumentError, type Route } from '../../src/index.js';
import { addrFixture, inNs, privileged } from '../helpers.js';

/** A route as it would read in another table: everything but the table and the kernel's ageing state. */
const asIn = (r: Route, table: Route['table']): unknown => ({ ...r, table, cacheinfo: undefined, expires: undefined });

t.test('every kind of listed route added again with table 100 reads back the same, field by field', privileged, async (t) => {
  const { ns, rt } = addrFixture(t);
  inNs(ns.path, 'ip', ['-batch', '-'], [
    'link set v1 up', 'addr add 10.1.0.2/24 dev v0', 'addr add 10.2.0.2/24 dev v1', 'addr add 2001:db8::2/64 dev v0 nodad',
    'route add 10.9.0.0/16 via 10.1.0.1 metric 5 mtu lock 1400 advmss 1300 realm 7',
    'route add 10.8.0.0/16 nexthop via 10.1.0.1 weight 2 realm 3 nexthop via 10.2.0.1 dev v1 onlink',
    'route add blackhole 10.7.0.0/16 proto static',
    'route add 10.6.0.0/16 dev v0 scope link src 10.1.0.2',
    'route add 10.4.0.0/16 via 10.3.0.1 dev v0 onlink',
    'nexthop add id 5 via 10.1.0.1 dev v0', 'route add 10.5.0.0/16 nhid 5',
    'route add 2001:db8:9::/48 via 2001:db8::1 pref high metric 7',
  ].join('\n') + '\n');
  // IPv6 link-local device routes aside: the kernel keeps one per link with the same key,
  // which a second add (NLM_F_EXCL) refuses, as `ip route add` would.
  const main = (await rt.route.list()).filter((r) => !r.dst.startsWith('fe80:'));
  t.equal(main.length, 10, 'the fixture is what the test thinks');
  for (const r of main) await rt.route.add({ ...r, table: 100 });
  const copied = await rt.route.list({ table: 100 });
  t.same(copied.map((r) => asIn(r, 'main')), main.map((r) => asIn(r, 'main')), 'the same routes, in the same order');
  t.match(copied.find((r) => r.dst === '10.8.0.0/16'), { nexthops: [{ gateway: '10.1.0.1', weight: 2, flow: 3 }, { gateway: '10.2.0.1', flags: ['onlink'] }] });
  t.match(copied.find((r) => r.dst === '10.9.0.0/16'), { metric: 5, flow: 7, metrics: { mtu: 1400, advmss: 1300 } });
  t.match(copied.find((r) => r.dst === '10.5.0.0/16'), { nhId: 5 });
});

t.test('replace, append and prepend take a listed route with changes', privileged, async (t) => {
  const { ns, rt } = addrFixture(t);
  inNs(ns.path, 'ip', ['-batch', '-'], 'addr add 10.1.0.2/24 dev v0\nroute add 10.9.0.0/16 via 10.1.0.1 metric 5\n');
  const [r] = await rt.route.list({ dst: '10.9.0.0/16' });
  await rt.route.append({ ...r!, metric: 6 });
  await rt.route.prepend({ ...r!, metric: 7 });
  await rt.route.replace({ ...r!, gateway: '10.1.0.9' });
  const got = (await rt.route.list({ family: 4 })).filter((x) => x.dst === '10.9.0.0/16').map((x) => [x.metric, x.gateway]);
  t.same(got, [[5, '10.1.0.9'], [6, '10.1.0.1'], [7, '10.1.0.1']]);
});

t.test('a listed route with a lightweight-tunnel encap is refused before anything is sent', privileged, async (t) => {
  const { ns, rt } = addrFixture(t);
  inNs(ns.path, 'ip', ['-batch', '-'], 'addr add 10.1.0.2/24 dev v0\nroute add 10.9.0.0/16 via 10.1.0.1\n');
  const [r] = await rt.route.list({ dst: '10.9.0.0/16' });
  const before = rt.sock.stats.requests;
  await t.rejects(rt.route.add({ ...r!, table: 100, encapType: 2, encap: new Uint8Array(8) }), { name: 'InvalidArgumentError', argument: 'spec', message: /lightweight-tunnel encap \(RTA_ENCAP\)/ });
  await t.rejects(rt.route.add({ ...r!, table: 100, nexthops: [{ gateway: '10.1.0.1', dev: r!.dev!, weight: 1, flags: [], rawFlags: 0, encapType: 2 }] }), InvalidArgumentError);
  t.equal(rt.sock.stats.requests, before, 'nothing sent');
});
