// A first-time user's program, written from the README, docs/cni.md and the .d.ts only:
// what a "bridge" CNI plugin does for two containers. A host netns with a bridge br0
// (the containers' gateway, IPv4 and IPv6); per container setupVeth, the host end
// attached to br0, configureIface with an IPv4+IPv6 result. Then an fdb monitor with
// listExisting sees the bridge's entries, and a static entry's add and delete; the ports
// walked with link.forEach; an IPv4 multipath route through both containers with
// per-path realms, and rt.route.prepend. Checked with `ip -j` / `bridge -j`.
import t from 'tap';
import { Netns, Rtnl, setupVeth, configureIface, MacAddr, type CniResult, type FdbEntry, type Veth, type Link } from '../../src/index.js';
import { ipJson, inNs, privileged, until } from '../helpers.js';

t.test('bridge plugin: two containers on br0 configured from CNI results, fdb monitor, multipath', privileged, async (t) => {
  const host = Netns.new();
  const ctrs = [Netns.new(), Netns.new()] as const;
  const rt = Rtnl.open({ netns: host });
  t.teardown(() => {
    rt.close();
    for (const c of ctrs) c.close();
    host.close();
  });

  await rt.link.add({ kind: 'bridge', name: 'br0', up: true, data: { stpState: 0 } });
  await rt.addr.add('br0', '10.90.0.1/24');
  await rt.addr.add('br0', 'fd90::1/64', { nodad: true });

  const veths: Veth[] = [];
  for (const [i, ctr] of ctrs.entries()) {
    const mac = MacAddr.parse(`02:00:0a:5a:00:0${i + 2}`);
    const v = await setupVeth('eth0', `vb${i}`, 1500, mac, host, ctr);
    veths.push(v);
    await rt.link.set(v.host.name, { master: 'br0' });
    const result: CniResult = {
      cniVersion: '1.1.0',
      interfaces: v.toCniInterfaces(),
      ips: [
        { address: `10.90.0.${i + 2}/24`, gateway: '10.90.0.1', interface: 1 },
        { address: `fd90::${i + 2}/64`, gateway: 'fd90::1', interface: 1 },
      ],
      routes: [{ dst: '0.0.0.0/0' }, { dst: '::/0' }],
    };
    await configureIface('eth0', result, { netns: ctr });

    // What the container looks like to ip.
    const [eth0] = ipJson<any[]>(ctr.path, ['addr', 'show', 'dev', 'eth0']);
    t.ok(eth0.flags.includes('UP'), `ctr${i}: eth0 up`);
    t.same(eth0.addr_info.filter((a: any) => a.scope === 'global').map((a: any) => `${a.local}/${a.prefixlen}`).sort(), [`10.90.0.${i + 2}/24`, `fd90::${i + 2}/64`]);
    t.notOk(eth0.addr_info.some((a: any) => a.tentative), `ctr${i}: DAD finished`);
    const defaults = [...ipJson<any[]>(ctr.path, ['-4', 'route', 'show', 'default']), ...ipJson<any[]>(ctr.path, ['-6', 'route', 'show', 'default'])];
    t.same(defaults.map((r) => `${r.dst} ${r.gateway} ${r.dev}`), ['default 10.90.0.1 eth0', 'default fd90::1 eth0'], `ctr${i}: default routes through the bridge`);
  }

  // The ports, walked rather than listed, compared with ip.
  const ports: string[] = [];
  const n = await rt.link.forEach({ master: 'br0' }, (l: Link) => void ports.push(l.name));
  t.equal(n, 2);
  t.same(ports.sort(), ipJson<any[]>(host.path, ['link', 'show', 'master', 'br0']).map((l) => l.ifname).sort());

  // A static entry that exists before the monitor starts, and the monitor.
  const staticMac = '02:00:00:00:00:aa';
  await rt.fdb.add({ mac: staticMac, link: 'vb0', master: true, state: 'static' });
  const ac = new AbortController();
  t.teardown(() => ac.abort());
  const mon = rt.monitor(['fdb'], { listExisting: true, signal: ac.signal })[Symbol.asyncIterator]();
  const label = (ev: { type: string; kind?: string; object?: unknown }) => `${ev.type}${ev.kind ? ` ${ev.kind} ${(ev.object as FdbEntry).mac}` : ''}`;
  const listed = await until(mon, (ev) => ev.type === 'synced', label);
  const existing = listed.flatMap((ev) => (ev.type === 'new' && ev.kind === 'fdb' ? [ev.object] : []));
  t.ok(listed.every((ev) => ev.type === 'synced' || (ev.type === 'new' && ev.kind === 'fdb' && ev.existing === true)), 'only fdb entries are listed, each existing');

  // The listing is what `bridge -j fdb show` prints: same MAC, device, state and flags.
  const names = new Map<number, string>((await rt.link.list()).map((l) => [l.index, l.name]));
  const key = (e: { mac: string; dev: string; vlan?: number | undefined; state: string; flags: string[] }) => `${e.mac} ${e.dev} ${e.vlan ?? '-'} ${e.state} ${[...e.flags].sort().join(',')}`;
  const ours = existing.map((e) => key({ mac: e.mac, dev: names.get(e.link)!, vlan: e.vlan, state: e.state === 'reachable' ? '' : e.state, flags: e.flags })).sort();
  const theirs = JSON.parse(inNs(host.path, 'bridge', ['-j', 'fdb', 'show'])).map((e: any) => key({ mac: e.mac, dev: e.ifname, vlan: e.vlan, state: e.state ?? '', flags: e.flags ?? [] })).sort();
  t.same(ours, theirs, 'monitor listing = bridge -j fdb show');
  t.ok(existing.some((e) => e.mac === staticMac && e.state === 'static' && e.link === veths[0]!.host.index), 'the static entry is listed');
  for (const v of veths) {
    t.ok(existing.some((e) => e.mac === v.host.mac.toString() && e.state === 'permanent' && e.link === v.host.index), `${v.host.name}'s own MAC: a permanent entry`);
  }
  // The containers sent DAD and router solicitations through the bridge: learned entries.
  const learned = existing.filter((e) => e.state === 'reachable').map((e) => e.mac).sort();
  t.same(learned, veths.map((v) => v.container.mac.toString()).sort(), 'the containers\' MACs are learned');
  // The same, through fdb.forEach with a filter, stopping at the first learned one.
  let firstLearned: FdbEntry | undefined;
  await rt.fdb.forEach({ master: 'br0', state: 'reachable' }, (e) => {
    firstLearned = e;
    return false;
  });
  t.ok(firstLearned && learned.includes(firstLearned.mac), 'fdb.forEach finds a learned entry');

  const br0 = await rt.link.get('br0');
  // A change: a static entry on vb1, then its delete, as events.
  const mac2 = '02:00:00:00:00:bb';
  await rt.fdb.add({ mac: mac2, link: 'vb1', master: true, state: 'static' });
  const [added] = (await until(mon, (ev) => ev.type === 'new' && ev.kind === 'fdb' && ev.object.mac === mac2, label)).slice(-1);
  t.match(added, { type: 'new', kind: 'fdb', object: { mac: mac2, link: veths[1]!.host.index, master: br0.index, state: 'static' } });
  t.notOk((added as { existing?: true }).existing, 'a change is not marked existing');
  // The event's entry is the one fdb.list returns (but for its ages).
  const [listedMac2] = await rt.fdb.list({ link: 'vb1', state: 'static' });
  const noAges = (e: FdbEntry) => ({ ...e, cacheinfo: undefined });
  t.same(noAges((added as { object: FdbEntry }).object), noAges(listedMac2!), 'event entry = listed entry');
  await rt.fdb.del({ mac: mac2, link: 'vb1', master: true });
  await until(mon, (ev) => ev.type === 'del' && ev.kind === 'fdb' && ev.object.mac === mac2, label);

  // An IPv4 multipath route through both containers, a realm per path.
  await rt.route.add({ dst: '10.200.0.0/24', nexthops: [
    { gateway: '10.90.0.2', dev: 'br0', flow: 5 },
    { gateway: '10.90.0.3', dev: 'br0', flow: (3 << 16) | 6 },
  ] });
  const [mp] = await rt.route.list({ dst: '10.200.0.0/24' });
  t.same(mp?.nexthops?.map((h) => [h.gateway, h.dev, h.flow]), [['10.90.0.2', br0.index, 5], ['10.90.0.3', br0.index, (3 << 16) | 6]]);
  const [ipMp] = ipJson<any[]>(host.path, ['route', 'show', '10.200.0.0/24']);
  // ip -j prints a realm as { from, to } ("realm 5", "realms 3/6"); nlkit's flow is TO | FROM << 16.
  t.same(ipMp.nexthops.map((h: any) => [h.gateway, h.dev, h.flow]), [['10.90.0.2', 'br0', { to: '5' }], ['10.90.0.3', 'br0', { from: '3', to: '6' }]], 'ip sees both paths with their realms');

  // prepend: a second route to the same place, used first.
  await rt.route.add({ dst: '10.201.0.0/24', gateway: '10.90.0.2' });
  await rt.route.prepend({ dst: '10.201.0.0/24', gateway: '10.90.0.3' });
  t.same(ipJson<any[]>(host.path, ['route', 'show', '10.201.0.0/24']).map((r) => r.gateway), ['10.90.0.3', '10.90.0.2'], 'prepended ahead');
  t.same((await rt.route.list({ dst: '10.201.0.0/24' })).map((r) => r.gateway), ['10.90.0.3', '10.90.0.2'], 'list agrees');

  ac.abort();
  await t.rejects(mon.next(), { name: 'AbortError' });
});
