// A first-time user's program, written from the README, docs/cni.md and the .d.ts only:
// the node agent of a vxlan overlay. A node netns with an underlay veth, a vxlan vx0
// enslaved to bridge br0; the agent watches links and forwarding entries (listExisting)
// and keeps its view of the remotes (MAC → VTEP) from the events, while the control
// plane writes 200 remote MACs with `bridge -batch` and the agent adds flood entries
// itself. fdb.forEach answers "which MACs live behind VTEP X" and stops early; a
// container attached to br0 and to a second network gets one result applied per
// interface with configureIface. Everything is compared with `bridge -j` / `ip -j`.
import t from 'tap';
import { Netns, Rtnl, setupVeth, configureIface, type CniResult, type FdbEntry } from '../../src/index.js';
import { inNs, ipJson, privileged, until } from '../helpers.js';

const mac = (i: number) => `02:42:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
const vtep = (i: number) => `10.0.0.${10 + (i % 20)}`;

t.test('vxlan node agent: remotes from fdb events and walks, a two-network container', privileged, async (t) => {
  const node = Netns.new();
  const ctr = Netns.new();
  const rt = Rtnl.open({ netns: node });
  const ac = new AbortController();
  t.teardown(() => {
    ac.abort();
    rt.close();
    ctr.close();
    node.close();
  });

  await rt.link.add({ kind: 'veth', name: 'ul0', up: true, peer: { name: 'ul1' } });
  await rt.link.set('ul1', { up: true });
  await rt.addr.add('ul0', '10.0.0.1/24');
  await rt.link.add({ kind: 'bridge', name: 'br0', up: true, data: { stpState: 0 } });
  await rt.link.add({ kind: 'vxlan', name: 'vx0', data: { id: 42, port: 4789, local: '10.0.0.1', learning: false } });
  await rt.link.set('vx0', { master: 'br0', up: true });
  const vx0 = (await rt.link.get('vx0')).index;

  // The agent: links and forwarding entries, what exists first.
  const remotes = new Map<string, string>(); // unicast MAC on vx0 → VTEP
  const floods = new Set<string>(); // VTEPs of the all-zeros entry
  const apply = (type: 'new' | 'del', e: FdbEntry) => {
    if (e.link !== vx0 || e.dst === undefined) return; // the bridge's own entries
    if (e.mac === '00:00:00:00:00:00') {
      if (type === 'new') floods.add(e.dst);
      else floods.delete(e.dst);
    } else if (type === 'new') remotes.set(e.mac, e.dst);
    else remotes.delete(e.mac);
  };
  const mon = rt.monitor(['link', 'fdb'], { listExisting: true, signal: ac.signal })[Symbol.asyncIterator]();
  const label = (ev: { type: string }) => ev.type;
  const listing = await until(mon, (ev) => ev.type === 'synced', label);
  t.ok(listing.some((ev) => ev.type === 'new' && ev.kind === 'link' && ev.object.name === 'vx0'), 'the listing has the links');
  const firstFdb = listing.findIndex((ev) => ev.type === 'new' && ev.kind === 'fdb');
  const lastLink = listing.map((ev) => ev.type === 'new' && ev.kind === 'link').lastIndexOf(true);
  t.ok(firstFdb > lastLink, 'links come before the forwarding entries that refer to them');

  // The agent adds the flood list; the control plane writes 200 remote MACs.
  for (let i = 0; i < 20; i++) await rt.fdb.append({ mac: '00:00:00:00:00:00', link: 'vx0', dst: vtep(i) });
  const lines: string[] = [];
  for (let i = 0; i < 200; i++) lines.push(`fdb add ${mac(i)} dev vx0 dst ${vtep(i)} self permanent`);
  inNs(node.path, 'bridge', ['-batch', '-'], lines.join('\n') + '\n');
  await until(mon, (ev) => {
    if (ev.type === 'new' || ev.type === 'del') {
      if (ev.kind === 'fdb') apply(ev.type, ev.object);
    }
    return remotes.size === 200 && floods.size === 20;
  }, label);
  const bridgeFdb = JSON.parse(inNs(node.path, 'bridge', ['-j', 'fdb', 'show', 'dev', 'vx0'])) as any[];
  t.same([...remotes].sort(), bridgeFdb.filter((e) => e.mac !== '00:00:00:00:00:00' && e.dst).map((e) => [e.mac, e.dst]).sort(), 'the agent\'s remotes = bridge -j fdb show dev vx0');
  t.same([...floods].sort(), bridgeFdb.filter((e) => e.mac === '00:00:00:00:00:00').map((e) => e.dst).sort(), 'the flood list too');

  // Which MACs live behind 10.0.0.13? A walk over vx0's entries, no array of the table.
  const behind: string[] = [];
  const walked = await rt.fdb.forEach({ link: 'vx0' }, (e) => {
    if (e.dst === '10.0.0.13' && e.mac !== '00:00:00:00:00:00') behind.push(e.mac);
  });
  t.equal(walked, bridgeFdb.length, 'fdb.forEach({ link }) walks what bridge fdb show dev prints');
  t.same(behind.sort(), [...remotes].filter(([, d]) => d === '10.0.0.13').map(([m]) => m).sort());
  // The first remote MAC of VTEP 10.0.0.29, and stop.
  let found: FdbEntry | undefined;
  const given = await rt.fdb.forEach({ link: 'vx0' }, (e) => {
    if (e.dst !== '10.0.0.29' || e.mac === '00:00:00:00:00:00') return;
    found = e;
    return false;
  });
  const k = bridgeFdb.findIndex((e) => e.dst === '10.0.0.29' && e.mac !== '00:00:00:00:00:00');
  t.equal(found?.mac, bridgeFdb[k].mac, 'the same entry bridge lists first');
  t.equal(given, k + 1, 'and the walk stopped there');

  // A VM moved: its MAC now behind another VTEP (replace), then gone (del): as events.
  await rt.fdb.replace({ mac: mac(7), link: 'vx0', dst: '10.0.0.99' });
  await until(mon, (ev) => ev.type === 'new' && ev.kind === 'fdb' && (apply('new', ev.object), ev.object.mac === mac(7)), label);
  t.equal(remotes.get(mac(7)), '10.0.0.99', 'moved');
  await rt.fdb.del({ mac: mac(7), link: 'vx0', dst: '10.0.0.99' });
  await until(mon, (ev) => ev.type === 'del' && ev.kind === 'fdb' && (apply('del', ev.object), ev.object.mac === mac(7)), label);
  t.notOk(remotes.has(mac(7)), 'gone');

  // A container on the overlay (eth0, through br0) and on a storage network (net1, a
  // veth into the node with its own subnet): one result, applied per interface, each
  // call with its own interface's routes (every call adds every route it is given).
  await rt.addr.add('br0', '10.244.1.1/24');
  const storage = Netns.new();
  t.teardown(() => storage.close());
  const eth0 = await setupVeth('eth0', 'vc0', 1450, null, node, ctr);
  await rt.link.set('vc0', { master: 'br0' });
  const net1 = await setupVeth('net1', 'vs0', 1500, null, storage, ctr);
  const result: CniResult = {
    cniVersion: '1.1.0',
    interfaces: [...eth0.toCniInterfaces(), ...net1.toCniInterfaces()],
    ips: [
      { address: '10.244.1.5/24', gateway: '10.244.1.1', interface: 1 },
      { address: '192.168.50.5/24', gateway: '192.168.50.1', interface: 3 },
    ],
    routes: [{ dst: '0.0.0.0/0' }, { dst: '10.244.0.0/16' }, { dst: '192.168.0.0/16', gw: '192.168.50.1' }],
  };
  const routesOf: Record<string, NonNullable<CniResult['routes']>> = {
    eth0: result.routes!.slice(0, 2),
    net1: result.routes!.slice(2),
  };
  for (const ifName of ['eth0', 'net1']) await configureIface(ifName, { ...result, routes: routesOf[ifName] }, { netns: ctr });
  const croutes = ipJson<any[]>(ctr.path, ['-4', 'route', 'show']).map((r) => `${r.dst} ${r.gateway ?? '-'} ${r.dev}`).sort();
  t.same(croutes, [
    '10.244.0.0/16 10.244.1.1 eth0',
    '10.244.1.0/24 - eth0',
    '192.168.0.0/16 192.168.50.1 net1',
    '192.168.50.0/24 - net1',
    'default 10.244.1.1 eth0',
  ], 'each interface got its own routes');
  t.same(ipJson<any[]>(ctr.path, ['link', 'show', 'eth0'])[0].mtu, 1450, 'the overlay MTU');
  // The container's MAC shows up on the node's bridge as a permanent entry of vc0's (its
  // own address) and, once eth0 has sent anything, as learned.
  t.ok((await rt.fdb.list({ link: 'vc0', state: 'permanent' })).some((e) => e.mac === eth0.host.mac.toString()), 'vc0\'s own MAC');
});
