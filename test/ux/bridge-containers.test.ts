// A first-time user's program, written from the README and the .d.ts only: a bridge on
// a "host" with two veth pairs into two container netns, addresses, a default route in
// each container, verification without ping through `ip route get` (rt.route.get), and
// static neighbour entries. Every result is checked against `ip -j` in the same netns.
import t from 'tap';
import { Netns, Rtnl, setupVeth, MacAddr, isPortOf, type Veth } from '../../src/index.js';
import { ipJson, privileged } from '../helpers.js';

t.test('bridge br0 with two containers: addresses, default routes, route get, neighbours', privileged, async (t) => {
  const host = Netns.new();
  const ctrs = [Netns.new(), Netns.new()] as const;
  const rt = Rtnl.open({ netns: host });
  t.teardown(() => {
    rt.close();
    for (const c of ctrs) c.close();
    host.close();
  });

  // The bridge, with the gateway address of the containers' subnet.
  await rt.link.add({ kind: 'bridge', name: 'br0', up: true, data: { stpState: 0 } });
  await rt.addr.add('br0', '10.77.0.1/24');

  const macs = [MacAddr.parse('02:00:0a:4d:00:02'), MacAddr.parse('02:00:0a:4d:00:03')];
  const veths: Veth[] = [];
  for (const [i, ctr] of ctrs.entries()) {
    const v = await setupVeth('eth0', `vh${i}`, 1500, macs[i], host, ctr);
    veths.push(v);
    await rt.link.set(v.host.name, { master: 'br0' });
    using crt = Rtnl.open({ netns: ctr });
    await crt.link.set('lo', { up: true });
    await crt.addr.add('eth0', `10.77.0.${i + 2}/24`);
    await crt.route.add({ dst: 'default', gateway: '10.77.0.1', dev: 'eth0' });
  }

  // The bridge's ports, as `ip -j link show master br0` lists them.
  const ports = await rt.link.list({ master: 'br0' });
  t.same(ports.map((p) => p.name).sort(), ['vh0', 'vh1']);
  const ipPorts = ipJson<any[]>(host.path, ['link', 'show', 'master', 'br0']);
  t.same(ipPorts.map((p) => p.ifname).sort(), ['vh0', 'vh1'], 'ip agrees on the ports');
  // A port's bridge-port data, typed without a cast.
  const port = ports[0]!;
  t.ok(isPortOf(port, 'bridge'), 'the port is a bridge port');
  if (isPortOf(port, 'bridge')) {
    t.equal(port.linkinfo.slaveData?.state, 'forwarding', 'STP off: the port forwards');
    t.equal(port.linkinfo.slaveData?.learning, true);
  }

  for (const [i, ctr] of ctrs.entries()) {
    using crt = Rtnl.open({ netns: ctr });
    const eth0 = await crt.link.get('eth0');
    // Route lookups as `ip -j route get` prints them: the gateway for off-subnet, the
    // link for on-subnet destinations, the container's address as the source.
    for (const dst of ['192.0.2.9', '10.77.0.1', `10.77.0.${3 - i}`]) {
      const r = await crt.route.get(dst);
      const [j] = ipJson<any[]>(ctr.path, ['route', 'get', dst]);
      t.equal(r.dst, j.dst, `route get ${dst}: dst`);
      t.equal(r.dev, eth0.index, `route get ${dst}: dev is eth0 (an ifindex)`);
      t.equal(j.dev, 'eth0');
      t.equal(r.gateway, j.gateway, `route get ${dst}: gateway ${String(j.gateway)}`);
      t.equal(r.prefsrc, `10.77.0.${i + 2}`);
      t.equal(r.prefsrc, j.prefsrc);
    }
    t.same((await crt.route.list({ family: 4 })).map((r) => `${r.dst} ${r.gateway ?? ''}`).sort(), ['10.77.0.0/24 ', 'default 10.77.0.1']);

    // A static neighbour entry for the other container, and one for the gateway.
    const other = veths[1 - i]!;
    await crt.neigh.add({ dst: `10.77.0.${3 - i}`, lladdr: other.container.mac, dev: 'eth0' });
    const brMac = (await rt.link.get('br0')).address!;
    await crt.neigh.replace({ dst: '10.77.0.1', lladdr: brMac, dev: 'eth0', state: 'reachable' });
    const neigh = (await crt.neigh.list({ dev: 'eth0' })).map((n) => ({ dst: n.dst, lladdr: n.lladdr, state: n.state }));
    const ipNeigh = ipJson<any[]>(ctr.path, ['neigh', 'show', 'dev', 'eth0']).map((n) => ({ dst: n.dst, lladdr: n.lladdr, state: n.state }));
    const byDst = (a: { dst: string }, b: { dst: string }) => a.dst.localeCompare(b.dst);
    t.same(neigh.sort(byDst), ipNeigh.sort(byDst), 'neighbours as ip -j neigh shows them');
    t.same(neigh.find((n) => n.dst === `10.77.0.${3 - i}`), { dst: `10.77.0.${3 - i}`, lladdr: other.container.mac.toString(), state: ['PERMANENT'] });
  }

  // Teardown: deleting a host end deletes its pair; the bridge goes last.
  for (const v of veths) await rt.link.del(v.host.name);
  await rt.link.del('br0');
  t.same(ipJson<any[]>(host.path, ['link', 'show']).map((l) => l.ifname), ['lo'], 'host: only lo left');
  for (const ctr of ctrs) t.same(ipJson<any[]>(ctr.path, ['link', 'show']).map((l) => l.ifname), ['lo'], 'container: only lo left');
});
