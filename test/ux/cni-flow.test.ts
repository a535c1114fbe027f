// A first-time user's program, written from the README, docs/cni.md and the .d.ts only:
// a CNI-style ADD (setupVeth, addresses, routes on both sides, a CNI 1.1 result from
// toCniInterfaces) and DEL (teardownVeth), DEL being idempotent: run twice, and after the
// container's netns is gone. Checked against `ip -j` in both netns.
import t from 'tap';
import { Netns, Rtnl, setupVeth, teardownVeth, MacAddr, sysctlSet, type CniResult, type Veth } from '../../src/index.js';
import { ipJson, privileged } from '../helpers.js';

/** The plugin's ADD: what a ptp-like plugin does for one container. */
async function cniAdd(host: Netns, ctr: Netns, ifname: string, addr: string, gw: string): Promise<{ veth: Veth; result: CniResult }> {
  const veth = await setupVeth(ifname, '', 1400, MacAddr.random(), host, ctr, {
    afterCreate: async (v) => {
      // Inside the atomic part: if any of this fails, the pair is deleted again.
      using crt = Rtnl.open({ netns: ctr });
      await crt.addr.add(v.container.name, addr);
      await crt.route.add({ dst: `${gw}/32`, dev: v.container.name, scope: 'link', src: addr.split('/')[0] });
      await crt.route.add({ dst: 'default', gateway: gw, dev: v.container.name, src: addr.split('/')[0] });
      using hrt = Rtnl.open({ netns: host });
      await hrt.addr.add(v.host.name, `${gw}/32`);
      await hrt.route.add({ dst: addr.split('/')[0]!, dev: v.host.name, scope: 'host' });
    },
  });
  sysctlSet(host, 'net.ipv4.ip_forward', 1);
  const [hostIf, ctrIf] = veth.toCniInterfaces();
  const result: CniResult = {
    cniVersion: '1.1.0',
    interfaces: [hostIf, ctrIf],
    ips: [{ address: addr, gateway: gw, interface: 1 }],
    routes: [{ dst: '0.0.0.0/0', gw }],
  };
  return { veth, result };
}

t.test('CNI ADD then DEL (twice, and after the netns is gone)', privileged, async (t) => {
  const host = Netns.new();
  const ctr = Netns.newNamed('ux-cni-ctr');
  t.teardown(() => {
    ctr.close();
    Netns.deleteNamed('ux-cni-ctr');
    host.close();
  });

  const { veth, result } = await cniAdd(host, ctr, 'eth0', '10.88.0.5/24', '10.88.0.1');

  // The result: host first without a sandbox, container with the netns path (CNI_NETNS).
  t.same(result.interfaces, [
    { name: veth.host.name, mac: veth.host.mac.toString(), mtu: 1400 },
    { name: 'eth0', mac: veth.container.mac.toString(), mtu: 1400, sandbox: '/run/netns/ux-cni-ctr' },
  ]);
  t.match(veth.host.name, /^veth[0-9a-f]{8}$/);

  // Container side as ip sees it.
  const [eth0] = ipJson<any[]>(ctr.path, ['addr', 'show', 'dev', 'eth0']);
  t.equal(eth0.mtu, 1400);
  t.equal(eth0.address, veth.container.mac.toString());
  t.same(eth0.addr_info.filter((a: any) => a.family === 'inet').map((a: any) => `${a.local}/${a.prefixlen}`), ['10.88.0.5/24']);
  const croutes = ipJson<any[]>(ctr.path, ['-4', 'route', 'show']).map((r) => `${r.dst} ${r.gateway ?? '-'} ${r.prefsrc ?? '-'}`).sort();
  t.same(croutes, ['10.88.0.0/24 - 10.88.0.5', '10.88.0.1 - 10.88.0.5', 'default 10.88.0.1 10.88.0.5']);
  // Host side.
  const [h] = ipJson<any[]>(host.path, ['addr', 'show', 'dev', veth.host.name]);
  t.equal(h.mtu, 1400);
  t.same(h.addr_info.filter((a: any) => a.family === 'inet').map((a: any) => `${a.local}/${a.prefixlen}`), ['10.88.0.1/32']);
  t.same(ipJson<any[]>(host.path, ['-4', 'route', 'show', 'dev', veth.host.name]).map((r) => `${r.dst} ${r.scope}`), ['10.88.0.5 host']);

  // A second ADD of the same ifname is refused, naming the container end, and leaves
  // nothing behind on the host.
  const hostLinks = () => ipJson<any[]>(host.path, ['link', 'show']).map((l) => l.ifname).sort();
  const before = hostLinks();
  const clash = await cniAdd(host, ctr, 'eth0', '10.88.0.6/24', '10.88.0.1').catch((e: Error) => e);
  t.match(clash, { code: 'EEXIST', message: /'eth0' already exists in the container netns/ });
  t.same(hostLinks(), before, 'the refused ADD left nothing on the host');

  // A failure inside afterCreate rolls the pair back.
  const bad = await cniAdd(host, ctr, 'eth1', '10.88.0.5/24', '10.88.0.1').catch((e: Error) => e);
  t.match(bad, { code: 'EEXIST', message: /^setupVeth eth1\/veth[0-9a-f]{8}: EEXIST: File exists — the table already has a route to this destination with the same metric .* \(RTM_NEWROUTE 10\.88\.0\.1\/32 dev eth1\) \(the pair was deleted\)$/ }, 'the gateway route clashes with the first attachment\'s: refused');
  t.same(hostLinks(), before, 'rolled back on the host');
  t.same(ipJson<any[]>(ctr.path, ['link', 'show']).map((l) => l.ifname).sort(), ['eth0', 'lo'], 'and in the container');

  // DEL: idempotent. A netns name where its path belongs is refused (it said success and
  // left the pair).
  await t.rejects(teardownVeth('eth0', 'ux-cni-ctr'), { code: 'ERR_NLKIT_INVALID_ARG', message: /Netns\.getNamed\('ux-cni-ctr'\)/ });
  t.equal(await teardownVeth('eth0', ctr), true, 'deleted');
  t.equal(await teardownVeth('eth0', ctr), false, 'a second DEL is success with nothing to do');
  t.same(ipJson<any[]>(ctr.path, ['link', 'show']).map((l) => l.ifname), ['lo']);
  t.same(hostLinks(), ['lo'], 'the host end went with its pair, with its /32 and host route');
  t.same(ipJson<any[]>(host.path, ['-4', 'route', 'show']), []);
  // The runtime deleted the netns before the DEL: still success (by path, as CNI_NETNS).
  ctr.close();
  Netns.deleteNamed('ux-cni-ctr');
  t.equal(await teardownVeth('eth0', '/run/netns/ux-cni-ctr'), false, 'DEL with a netns path that is gone');
  t.equal(await teardownVeth('eth0', ctr), false, 'DEL with a closed Netns');
});
