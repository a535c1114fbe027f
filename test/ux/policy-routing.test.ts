// A first-time user's program, written from the README and the .d.ts only: policy
// routing with a second table — rules by source prefix and by fwmark, routes in table
// 100, lists filtered by table, lookups that show the rules at work, then teardown.
// Checked against `ip -j rule` and `ip -j route show table 100`.
import t from 'tap';
import { Netns, Rtnl, sysctlSet } from '../../src/index.js';
import { ip, ipJson, privileged } from '../helpers.js';

t.test('table 100 with rules by from and fwmark, listed by table, torn down', privileged, async (t) => {
  const ns = Netns.new();
  const rt = Rtnl.open({ netns: ns });
  t.teardown(() => {
    rt.close();
    ns.close();
  });

  // Two uplinks: veth pairs whose far ends stay in the same netns (enough for lookups).
  await rt.link.add({ kind: 'veth', name: 'up0', up: true, peer: { name: 'up0p' } });
  await rt.link.add({ kind: 'veth', name: 'up1', up: true, peer: { name: 'up1p' } });
  await rt.link.set('up0p', { up: true });
  await rt.link.set('up1p', { up: true });
  await rt.addr.add('up0', '192.168.10.2/24');
  await rt.addr.add('up1', '192.168.20.2/24');
  await rt.route.add({ dst: 'default', gateway: '192.168.10.1', dev: 'up0' });

  // Table 100 sends everything out up1.
  await rt.route.add({ dst: 'default', gateway: '192.168.20.1', dev: 'up1', table: 100 });
  await rt.route.add({ dst: '198.51.100.0/24', dev: 'up1', table: 100, metric: 10 });
  await rt.rule.add({ priority: 1000, from: '10.99.0.0/16', table: 100 });
  await rt.rule.add({ priority: 1001, fwmark: 0x64, fwmask: 0xff, table: 100 });

  // Lists filtered by table, as `ip route show table 100` / `ip rule show table 100`.
  const routes = await rt.route.list({ table: 100 });
  t.same(routes.map((r) => [r.dst, r.gateway, r.table, r.metric]).sort(), [
    ['198.51.100.0/24', undefined, 100, 10],
    ['default', '192.168.20.1', 100, undefined],
  ]);
  const up1 = await rt.link.index('up1');
  t.ok(routes.every((r) => r.dev === up1), 'both through up1');
  const ipRoutes = ipJson<any[]>(ns.path, ['route', 'show', 'table', '100']);
  t.same(ipRoutes.map((r) => r.dst).sort(), ['198.51.100.0/24', 'default'], 'ip agrees');
  t.same((await rt.route.list({ family: 4 })).map((r) => r.dst).sort(), ['192.168.10.0/24', '192.168.20.0/24', 'default'], 'main is untouched');

  const rules = await rt.rule.list({ table: 100 });
  t.same(rules.map((r) => ({ priority: r.priority, from: r.from, fwmark: r.fwmark, fwmask: r.fwmask, table: r.table, family: r.family })), [
    { priority: 1000, from: '10.99.0.0/16', fwmark: undefined, fwmask: undefined, table: 100, family: 4 },
    { priority: 1001, from: undefined, fwmark: 0x64, fwmask: 0xff, table: 100, family: 4 },
  ]);
  const ipRules = ipJson<any[]>(ns.path, ['rule', 'show', 'table', '100']);
  t.same(ipRules.map((r) => [r.priority, r.src ?? 'all', r.fwmark ?? null]), [[1000, '10.99.0.0', null], [1001, 'all', '0x64']], 'ip agrees');

  // The rules at work: `ip route get` with and without the selectors.
  t.equal((await rt.route.get('203.0.113.7')).gateway, '192.168.10.1', 'unmarked traffic goes by main');
  t.equal((await rt.route.get('203.0.113.7', { mark: 0x164 })).gateway, '192.168.20.1', 'fwmark 0x64/0xff selects table 100');
  // A lookup with iif is one for a packet being forwarded: the netns must forward, as the
  // error says.
  const noFwd = await rt.route.get('203.0.113.7', { from: '10.99.3.4', iif: 'up0p' }).catch((e: Error) => e);
  t.match(noFwd, { code: 'EHOSTUNREACH', message: /forwarding is off on the input link .* set net\.ipv4\.ip_forward .*\(RTM_GETROUTE 203\.0\.113\.7 from 10\.99\.3\.4 iif up0p\)$/ });
  sysctlSet(ns, 'net.ipv4.ip_forward', 1);
  const fromCtr = await rt.route.get('203.0.113.7', { from: '10.99.3.4', iif: 'up0p' });
  t.equal(fromCtr.gateway, '192.168.20.1', 'from 10.99.0.0/16 selects table 100');
  t.equal(fromCtr.table, 100, 'the lookup names the table that answered');
  const [ipGet] = ipJson<any[]>(ns.path, ['route', 'get', '203.0.113.7', 'mark', '0x164']);
  t.equal(ipGet.gateway, '192.168.20.1', 'ip route get agrees');

  // Teardown: each rule by what it was added with, and each route of the table as
  // listed (a decoded Route can be passed to del as is).
  await rt.rule.del({ priority: 1000, from: '10.99.0.0/16', table: 100 });
  await rt.rule.del(rules[1]!);
  for (const r of await rt.route.list({ table: 100 })) await rt.route.del(r);
  t.same(await rt.rule.list({ table: 100 }), [], 'no rule left for table 100');
  t.same(await rt.route.list({ table: 100 }), [], 'table 100 empty');
  t.equal(ip(ns.path, ['rule', 'show', 'table', '100']).trim(), '', 'ip rule: none');
  t.same(ipJson<any[]>(ns.path, ['rule', 'show']).map((r) => r.priority), [0, 32766, 32767], 'only the default rules');
  // Deleting again says what is missing.
  const again = await rt.rule.del({ priority: 1000, table: 100 }).catch((e: Error) => e);
  t.match(again, { code: 'ENOENT', message: /no rule matches/ });
  const againRoute = await rt.route.del({ dst: 'default', table: 100 }).catch((e: Error) => e);
  t.match(againRoute, { code: 'ESRCH', message: /no route matches.*table 100/ });
});
