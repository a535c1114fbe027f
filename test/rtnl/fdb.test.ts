// rt.fdb: bridge forwarding database entries on a real kernel in a fresh netns (a
// bridge with veth ports, a port-less veth, a vxlan), cross-checked field by field with
// `bridge -j fdb show`; replace/append/del round trips; errors naming the entry and
// the netns; bad input refused before anything is sent.
import t from 'tap';
import { Rtnl } from '../../src/rtnl/index.js';
import type { FdbEntry } from '../../src/rtnl/index.js';
import { InvalidArgumentError, NetlinkError } from '../../src/netlink/errors.js';
import { inNs, ip, ipJson, privileged, rawNetns, freshHandle } from '../helpers.js';

function setup(t: { teardown(fn: () => void): void }): { ns: ReturnType<typeof rawNetns>; rt: Rtnl } {
  const { ns, rt } = freshHandle(t);
  // No IPv6: its multicast joins (and the MLD reports that teach the bridge addresses)
  // would add and learn entries while a test compares two dumps.
  inNs(ns.path, 'sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  for (const c of [
    'link add br0 type bridge', 'link add v0 type veth peer name v1', 'link add v4 type veth peer name v5',
    'link add v2 type veth peer name v3', 'link set v0 master br0', 'link set v4 master br0',
    'link add vx0 type vxlan id 42 dstport 4789 local 10.0.0.1',
    'link set br0 up', 'link set v0 up', 'link set v1 up', 'link set v4 up', 'link set v5 up',
  ]) ip(ns.path, c.split(' '));
  return { ns, rt };
}

function bridgeJson(nsPath: string, args: string[]): any[] {
  const out = inNs(nsPath, 'bridge', ['-j', ...args]);
  return out.trim() ? JSON.parse(out) : [];
}

function names(nsPath: string): Map<number, string> {
  return new Map(ipJson(nsPath, ['link']).map((l: any) => [l.ifindex, l.ifname]));
}

/** An entry as `bridge -j fdb show` prints it (state "" is a reachable entry). */
function fromBridge(e: any): Record<string, unknown> {
  return {
    mac: e.mac, ifname: e.ifname, master: e.master, vlan: e.vlan, state: e.state === '' ? 'reachable' : e.state,
    flags: e.flags, dst: e.dst, port: e.port, vni: e.vni, srcVni: e.src_vni, via: e.viaIf,
  };
}

/** nlkit's entry in `bridge -j`'s terms: ifindexes by name. */
function fromNlkit(e: FdbEntry, ifn: Map<number, string>, withIfname = true): Record<string, unknown> {
  return {
    mac: e.mac, ifname: withIfname ? ifn.get(e.link) : undefined, master: e.master !== undefined ? ifn.get(e.master) : undefined,
    vlan: e.vlan, state: e.state, flags: e.flags, dst: e.dst, port: e.port, vni: e.vni, srcVni: e.srcVni,
    via: e.via !== undefined ? ifn.get(e.via) : undefined,
  };
}

const key = (x: Record<string, unknown>) => `${x['ifname']} ${x['mac']} ${x['dst']} ${x['vlan']} ${(x['flags'] as string[]).join(',')}`;
const sorted = (xs: Record<string, unknown>[]) => [...xs].sort((a, b) => key(a).localeCompare(key(b)));
const has = (xs: FdbEntry[], mac: string, link?: number) => xs.some((e) => e.mac === mac && (link === undefined || e.link === link));

t.test('list equals bridge -j fdb show field by field after adds by nlkit and by bridge', privileged, async (t) => {
  const { ns, rt } = setup(t);
  await rt.fdb.add({ mac: '02:00:00:00:00:01', link: 'v0', master: true });
  await rt.fdb.add({ mac: '02:00:00:00:00:02', link: 'v0', master: true, state: 'static' });
  await rt.fdb.add({ mac: '02:00:00:00:00:03', link: 'v0', master: true, state: 'reachable' });
  await rt.fdb.add({ mac: '02:00:00:00:00:04', link: 'v4', master: true, state: 'static', sticky: true });
  await rt.fdb.add({ mac: '02:00:00:00:00:05', link: 'v4', master: true, externLearn: true, state: 'static' });
  await rt.fdb.add({ mac: new Uint8Array([2, 0, 0, 0, 0, 6]), link: 'br0', self: true });
  await rt.fdb.add({ mac: '02:00:00:00:00:07', link: 'v2' }); // self by default: v2's own address list
  await rt.fdb.add({ mac: '00:00:00:00:00:00', link: 'vx0', dst: '10.0.0.2' });
  await rt.fdb.append({ mac: '00:00:00:00:00:00', link: 'vx0', dst: '10.0.0.3', port: 4790, vni: 100, via: 'v2' });
  inNs(ns.path, 'bridge', ['fdb', 'add', '02:00:00:00:00:11', 'dev', 'v0', 'master', 'static']);
  inNs(ns.path, 'bridge', ['fdb', 'add', '02:00:00:00:00:12', 'dev', 'v4', 'master', 'dynamic']);
  inNs(ns.path, 'bridge', ['fdb', 'add', '02:00:00:00:00:13', 'dev', 'vx0', 'dst', '10.0.0.9', 'self', 'permanent']);
  const ifn = names(ns.path);
  const mine = await rt.fdb.list();
  t.same(sorted(mine.map((e) => fromNlkit(e, ifn))), sorted(bridgeJson(ns.path, ['fdb', 'show']).map(fromBridge)), `${mine.length} entries equal bridge -j fdb show`);
  const one = mine.find((e) => e.mac === '02:00:00:00:00:04')!;
  t.same({ state: one.state, flags: one.flags, master: one.master, link: one.link }, { state: 'static', flags: ['sticky'], master: ifn.size && [...ifn].find(([, n]) => n === 'br0')![0], link: [...ifn].find(([, n]) => n === 'v4')![0] });
  t.equal(mine.find((e) => e.mac === '02:00:00:00:00:01')!.state, 'permanent');
  t.equal(mine.find((e) => e.mac === '02:00:00:00:00:03')!.state, 'reachable', "'reachable' is bridge's dynamic (\"\" in its JSON)");
  const vx = mine.filter((e) => ifn.get(e.link) === 'vx0' && e.mac === '00:00:00:00:00:00').sort((a, b) => a.dst!.localeCompare(b.dst!));
  t.same(vx.map((e) => [e.dst, e.port, e.vni, e.via !== undefined ? ifn.get(e.via) : undefined]), [['10.0.0.2', undefined, undefined, undefined], ['10.0.0.3', 4790, 100, 'v2']]);

  // Filters, against bridge's own.
  t.same(sorted((await rt.fdb.list({ master: 'br0' })).map((e) => fromNlkit(e, ifn))), sorted(bridgeJson(ns.path, ['fdb', 'show', 'br', 'br0']).map(fromBridge)), 'master: br0 equals bridge fdb show br br0');
  t.same(sorted((await rt.fdb.list({ link: 'v4' })).map((e) => fromNlkit(e, ifn, false))), sorted(bridgeJson(ns.path, ['fdb', 'show', 'brport', 'v4']).map(fromBridge)), 'link: v4 equals bridge fdb show brport v4');
  t.same(sorted((await rt.fdb.list({ state: 'static' })).map((e) => fromNlkit(e, ifn))), sorted(bridgeJson(ns.path, ['fdb', 'show', 'state', 'static']).map(fromBridge)), "state: 'static' equals bridge fdb show state static");
  t.ok((await rt.fdb.list({ link: 'vx0' })).every((e) => ifn.get(e.link) === 'vx0'));
});

t.test('filters hold on a handle without strict checking (the kernel then ignores them)', privileged, async (t) => {
  const { ns, rt } = setup(t);
  ip(ns.path, ['link', 'add', 'br1', 'type', 'bridge']);
  ip(ns.path, ['link', 'set', 'v2', 'master', 'br1']);
  await rt.fdb.add({ mac: '02:00:00:00:00:41', link: 'v0', master: true, state: 'static' });
  await rt.fdb.add({ mac: '02:00:00:00:00:42', link: 'v2', master: true, state: 'static' });
  const loose = Rtnl.open({ netns: ns.fd, strictCheck: false });
  t.teardown(() => loose.close());
  const ifn = names(ns.path);
  for (const h of [rt, loose]) {
    const which = h === rt ? 'strict' : 'not strict';
    t.same(sorted((await h.fdb.list({ master: 'br0' })).map((e) => fromNlkit(e, ifn))), sorted(bridgeJson(ns.path, ['fdb', 'show', 'br', 'br0']).map(fromBridge)), `${which}: master br0 equals bridge fdb show br br0`);
    t.same(sorted((await h.fdb.list({ link: 'v2' })).map((e) => fromNlkit(e, ifn, false))), sorted(bridgeJson(ns.path, ['fdb', 'show', 'brport', 'v2']).map(fromBridge)), `${which}: link v2 equals bridge fdb show brport v2`);
    // Before: the handle without strict checking kept the entries of v0 itself (a port, no bridge).
    t.same(sorted((await h.fdb.list({ master: 'v0' })).map((e) => fromNlkit(e, ifn))), sorted(bridgeJson(ns.path, ['fdb', 'show', 'br', 'v0']).map(fromBridge)), `${which}: master v0 (not a bridge) equals bridge fdb show br v0`);
    t.same(sorted((await h.fdb.list({ master: 'v2', link: 'v2' })).map((e) => fromNlkit(e, ifn))), sorted(bridgeJson(ns.path, ['fdb', 'show', 'br', 'v2', 'brport', 'v2']).map(fromBridge)), `${which}: master v2 (a port of br1) equals bridge fdb show br v2 brport v2`);
  }
});

t.test('del round trips: by spec and by a listed entry; replace moves an entry; vxlan remotes one by one', privileged, async (t) => {
  const { ns, rt } = setup(t);
  const v0 = await rt.link.index('v0');
  const v4 = await rt.link.index('v4');
  await rt.fdb.add({ mac: '02:00:00:00:00:21', link: 'v0', master: true, state: 'static' });
  inNs(ns.path, 'bridge', ['fdb', 'add', '02:00:00:00:00:22', 'dev', 'v0', 'master', 'static']);
  await rt.fdb.add({ mac: '02:00:00:00:00:23', link: 'br0', self: true });
  await rt.fdb.add({ mac: '02:00:00:00:00:24', link: 'v2' });
  t.ok(has(await rt.fdb.list(), '02:00:00:00:00:21', v0));

  await rt.fdb.replace({ mac: '02:00:00:00:00:21', link: 'v4', master: true, state: 'static' });
  const moved = await rt.fdb.list({ link: 'v4' });
  t.ok(has(moved, '02:00:00:00:00:21', v4) && !has(await rt.fdb.list({ link: 'v0' }), '02:00:00:00:00:21'), 'replace moved the entry from v0 to v4');

  await rt.fdb.del({ mac: '02:00:00:00:00:21', link: 'v4', master: true });
  await rt.fdb.del({ mac: '02:00:00:00:00:22', link: 'v0', master: true });
  // Entries as list returned them: on the bridge itself (its own), and v2's own.
  for (const e of await rt.fdb.list()) if (e.mac === '02:00:00:00:00:23' || e.mac === '02:00:00:00:00:24') await rt.fdb.del(e);
  const after = bridgeJson(ns.path, ['fdb', 'show']).map((e: any) => e.mac);
  for (const m of ['21', '22', '23', '24']) t.notOk(after.includes(`02:00:00:00:00:${m}`), `02:00:00:00:00:${m} gone for bridge too`);

  // An entry added by bridge, deleted by nlkit; one added by nlkit, deleted by bridge.
  inNs(ns.path, 'bridge', ['fdb', 'add', '02:00:00:00:00:25', 'dev', 'v4', 'master', 'static']);
  await rt.fdb.del({ mac: '02:00:00:00:00:25', link: 'v4', master: true });
  await rt.fdb.add({ mac: '02:00:00:00:00:26', link: 'v4', master: true, state: 'static' });
  inNs(ns.path, 'bridge', ['fdb', 'del', '02:00:00:00:00:26', 'dev', 'v4', 'master']);
  t.notOk(has(await rt.fdb.list(), '02:00:00:00:00:25') || has(await rt.fdb.list(), '02:00:00:00:00:26'));

  // vxlan: two remotes of the all-zeros MAC; deleting one by dst keeps the other.
  await rt.fdb.add({ mac: '00:00:00:00:00:00', link: 'vx0', dst: '10.0.0.2' });
  await rt.fdb.append({ mac: '00:00:00:00:00:00', link: 'vx0', dst: '10.0.0.3' });
  await rt.fdb.del({ mac: '00:00:00:00:00:00', link: 'vx0', dst: '10.0.0.2' });
  t.same(bridgeJson(ns.path, ['fdb', 'show', 'dev', 'vx0']).map((e: any) => e.dst), ['10.0.0.3']);
  t.same((await rt.fdb.list({ link: 'vx0' })).map((e) => e.dst), ['10.0.0.3']);
});

t.test('refusals name the entry, what it means and the netns', privileged, async (t) => {
  const { ns, rt } = setup(t);
  const where = `netns fd`;
  const refused = async (p: Promise<unknown>, code: string, re: RegExp, what: string) => {
    const e = await p.then(() => undefined, (x: unknown) => x);
    t.ok(e instanceof NetlinkError, `${what}: a NetlinkError`);
    t.equal((e as NetlinkError).code, code, `${what}: ${code}`);
    t.match((e as Error).message, re, `${what}: ${(e as Error).message}`);
    t.match((e as Error).message, where, `${what}: names the netns`);
  };
  await refused(rt.fdb.add({ mac: '02:00:00:00:00:31', link: 'v2', master: true }), 'EOPNOTSUPP', /'v2' is not a bridge port.*02:00:00:00:00:31 dev v2 master/, 'master entry on a port-less veth');
  await refused(rt.fdb.add({ mac: '02:00:00:00:00:32', link: 'br0', master: true }), 'EOPNOTSUPP', /'br0' is a bridge: an entry on the bridge itself takes self/, 'master entry on the bridge');
  await refused(rt.fdb.add({ mac: '02:00:00:00:00:33', link: 'br0', self: true, state: 'static' }), 'EINVAL', /must be permanent/, 'static entry on the bridge');
  await refused(rt.fdb.add({ mac: '02:00:00:00:00:34', link: 'v0', master: true, sticky: true }), 'EINVAL', /sticky entry cannot be permanent/, 'sticky permanent');
  await refused(rt.fdb.add({ mac: '02:00:00:00:00:35', link: 'v2', state: 'static' }), 'EINVAL', /own address list \(self\) takes permanent entries only/, 'static self entry on a veth');
  await rt.fdb.add({ mac: '02:00:00:00:00:36', link: 'v0', master: true, state: 'static' });
  await refused(rt.fdb.add({ mac: '02:00:00:00:00:36', link: 'v0', master: true, state: 'static' }), 'EEXIST', /02:00:00:00:00:36 dev v0 master/, 'the same entry twice');
  await refused(rt.fdb.del({ mac: '02:00:00:00:00:37', link: 'v0', master: true }), 'ENOENT', /RTM_DELNEIGH 02:00:00:00:00:37 dev v0 master/, 'deleting a missing entry');
  ip(ns.path, ['link', 'set', 'v5', 'down']); // v4 loses carrier: its port state is disabled
  await refused(rt.fdb.add({ mac: '02:00:00:00:00:38', link: 'v4', master: true, state: 'reachable' }), 'EPERM', /needs the port learning or forwarding/, 'dynamic entry on a port without carrier');
  await refused(rt.fdb.add({ mac: '02:00:00:00:00:39', link: 'nosuch', master: true }), 'ENODEV', /link 'nosuch' does not exist in netns fd/, 'a missing link');
  // Before: the kernel's bare 'Device not found' (EADDRNOTAVAIL), naming neither via nor the index.
  await refused(rt.fdb.append({ mac: '00:00:00:00:00:00', link: 'vx0', dst: '10.0.0.9', via: 4242 }), 'ENODEV', /via ifindex 4242 does not exist in netns fd/, 'a via ifindex that does not exist');
  await refused(rt.fdb.del({ mac: '00:00:00:00:00:00', link: 'vx0', dst: '10.0.0.9', via: 4242 }), 'ENODEV', /via ifindex 4242 does not exist in netns fd/, 'the same, deleting');
  await refused(rt.fdb.append({ mac: '00:00:00:00:00:00', link: 'vx0', dst: '10.0.0.9', via: 'nosuch' }), 'ENODEV', /via 'nosuch' does not exist in netns fd/, 'a via name that does not exist');
  // vxlan remotes: the kernel's bare EINVAL (no dst) and EAFNOSUPPORT (a dst of the other family), explained.
  await refused(rt.fdb.add({ mac: '02:00:00:00:00:3a', link: 'vx0' }), 'EINVAL', /a vxlan entry needs dst, the remote's IP/, 'a vxlan entry without dst');
  await refused(rt.fdb.add({ mac: '02:00:00:00:00:3b', link: 'vx0', dst: 'fd00::2' }), 'EAFNOSUPPORT', /dst fd00::2 is IPv6: 'vx0' takes IPv4 remotes only/, 'an IPv6 dst on an IPv4 vxlan');
});

// Before: a bare 'EINVAL: Invalid argument' (with vlan, a hint blaming the VLAN) — the
// kernel's reason ("RTM_NEWNEIGH with invalid ether address") goes to dmesg only.
t.test('the all-zeros MAC on a bridge or its port: the error says the bridge takes no such address', privileged, async (t) => {
  const { rt } = setup(t);
  for (const [spec, what] of [
    [{ mac: '00:00:00:00:00:00', link: 'v0', master: true, state: 'static' }, 'a static master entry'],
    [{ mac: '00:00:00:00:00:00', link: 'v0', master: true, state: 'static', vlan: 1 }, 'the same with a vlan'],
    [{ mac: '00:00:00:00:00:00', link: 'br0', self: true }, 'a local entry on the bridge'],
  ] as const) {
    const e = await rt.fdb.add(spec).then(() => undefined, (x: unknown) => x);
    t.ok(e instanceof NetlinkError && e.code === 'EINVAL', `${what}: EINVAL (${String(e)})`);
    t.match((e as Error).message, /00:00:00:00:00:00 is no address a bridge's forwarding database takes/, what);
    t.notMatch((e as Error).message, /may not be configured/, `${what}: not blamed on the vlan`);
  }
  // A device's own list and a vxlan take it (the vxlan's default remote).
  await rt.fdb.add({ mac: '00:00:00:00:00:00', link: 'vx0', dst: '10.0.0.2' });
});

t.test('bad input is refused before anything is sent', async (t) => {
  // A handle whose every request would fail: nothing may reach the socket.
  const rt = Rtnl.open();
  t.teardown(() => rt.close());
  const bad: [unknown, RegExp][] = [
    [{ mac: '02:00:00:00:00', link: 'v0' }, /mac.*6 bytes, got 5 \('02:00:00:00:00'\)/],
    [{ mac: '02:00:00:00:00:01:02:03', link: 'v0' }, /mac.*8/],
    [{ mac: 'zz:00:00:00:00:01', link: 'v0' }, /mac/],
    [{ link: 'v0' }, /mac.*needs a MAC/],
    [{ mac: '02:00:00:00:00:01' }, /link.*needs a link/],
    [{ mac: '02:00:00:00:00:01', link: 'v0', vlan: 0 }, /vlan.*1\.\.4094.*0/],
    [{ mac: '02:00:00:00:00:01', link: 'v0', vlan: 4095 }, /vlan.*1\.\.4094/],
    [{ mac: '02:00:00:00:00:01', link: 'v0', vlan: 1.5 }, /vlan/],
    [{ mac: '02:00:00:00:00:01', link: 'v0', state: 'dynamic' }, /state.*'dynamic'.*'permanent', 'static' or 'reachable'/],
    [{ mac: '02:00:00:00:00:01', link: 'v0', vlanid: 5 }, /vlanid/],
    [{ mac: '02:00:00:00:00:01', link: 'v0', master: false, self: false }, /self.*both are false/],
    [{ mac: '02:00:00:00:00:01', link: 'v0', master: 'yes' }, /master.*true or false/],
    [{ mac: '02:00:00:00:00:01', link: 'vx0', dst: '10.0.0.300' }, /dst/],
    [{ mac: '02:00:00:00:00:01', link: 'vx0', port: 0 }, /port.*1\.\.65535/],
    [{ mac: '02:00:00:00:00:01', link: 'vx0', vni: 0x1000000 }, /vni.*0\.\.16777215/],
    [{ mac: '02:00:00:00:00:01', link: 'a/b' }, /link/],
    ['02:00:00:00:00:01', /spec.*expected an object/],
  ];
  for (const [spec, re] of bad) {
    for (const op of ['add', 'replace', 'append'] as const) {
      await t.rejects(rt.fdb[op](spec as never), InvalidArgumentError, `${op} ${JSON.stringify(spec)}`);
      await t.rejects(rt.fdb[op](spec as never), re);
    }
  }
  await t.rejects(rt.fdb.del({ mac: '02:00:00:00:00:01', link: 'v0', state: 'static' } as never), /state/, 'del takes no state');
  await t.rejects(rt.fdb.list({ vlan: 0 }), /filter\.vlan/);
  await t.rejects(rt.fdb.list({ state: 'dynamic' as never }), /filter\.state.*'dynamic'/);
  await t.rejects(rt.fdb.list({ bridge: 'br0' } as never), /filter\.bridge/);
  await t.rejects(rt.fdb.list({ master: 'nosuch-br' }), /filter\.master 'nosuch-br' does not exist/);
});

// Before: a bare 'EINVAL: Invalid argument — in netns …' though the kernel had already
// made the master half (the bridge's entry stays): rtnetlink does master, then self.
t.test('master and self with a non-permanent state on a port: the error says the bridge entry was made and why self refused', privileged, async (t) => {
  const { ns, rt } = setup(t);
  const e = await rt.fdb.add({ mac: '02:00:00:00:00:51', link: 'v0', master: true, self: true, state: 'static' }).then(() => undefined, (x: unknown) => x);
  t.ok(e instanceof NetlinkError && e.code === 'EINVAL', String(e));
  t.match((e as Error).message, /the bridge took the master entry \(it stays\), but 'v0' itself \(self\) takes permanent entries only/, (e as Error).message);
  t.match((e as Error).message, /in netns fd/);
  // What the message says is what the kernel left.
  const left = bridgeJson(ns.path, ['fdb', 'show', 'brport', 'v0']).filter((x: any) => x.mac === '02:00:00:00:00:51');
  t.same(left.map((x: any) => [x.master, x.state]), [['br0', 'static']], 'the master entry is there, the self one is not');
});

// Before: 'vlan 1 may not be configured on 'v0' (see rt.vlan.list)' on a kernel without
// CONFIG_BRIDGE_VLAN_FILTERING, where no vlan can be configured and rt.vlan.add fails.
t.test('a master entry with a vlan the bridge refuses: the error says why, kernel with or without VLAN filtering', privileged, async (t) => {
  const { ns, rt } = setup(t);
  const [br] = ipJson(ns.path, ['-d', 'link', 'show', 'dev', 'br0']);
  const e = await rt.fdb.add({ mac: '02:00:00:00:00:52', link: 'v0', master: true, state: 'static', vlan: 100 }).then(() => undefined, (x: unknown) => x);
  t.ok(e instanceof NetlinkError && e.code === 'EINVAL', String(e));
  if (br.linkinfo.info_data.vlan_protocol === undefined) {
    t.match((e as Error).message, /built without bridge VLAN filtering \(CONFIG_BRIDGE_VLAN_FILTERING\): the bridge's forwarding database takes no vlan/, (e as Error).message);
    t.notMatch((e as Error).message, /see rt\.vlan\.list/);
  } else {
    t.match((e as Error).message, /vlan 100 may not be configured on 'v0'/, (e as Error).message);
  }
  t.match((e as Error).message, /in netns fd.*02:00:00:00:00:52 dev v0 master vlan 100/);
  // A device's own list (ndo_dflt_fdb_add) takes no vlan whatever the kernel: not the bridge's VLANs to blame.
  const own = await rt.fdb.add({ mac: '02:00:00:00:00:53', link: 'v2', vlan: 10 }).then(() => undefined, (x: unknown) => x);
  t.ok(own instanceof NetlinkError && own.code === 'EINVAL', String(own));
  t.match((own as Error).message, /a device's own address list \(self\) takes no vlan; in netns fd.*02:00:00:00:00:53 dev v2 self vlan 10/, (own as Error).message);
});

// Before: 'no such FDB entry' alone, though the entry is there: on a port, a spec without
// master goes to the port's own address list (self, as bridge fdb del assumes).
t.test('deleting a port\'s bridge entry without master: the error says where it looked and what finds it', privileged, async (t) => {
  const { ns, rt } = setup(t);
  await rt.fdb.add({ mac: '02:00:00:00:00:61', link: 'v0', master: true, state: 'static' });
  const e = await rt.fdb.del({ mac: '02:00:00:00:00:61', link: 'v0' }).then(() => undefined, (x: unknown) => x);
  t.ok(e instanceof NetlinkError && e.code === 'ENOENT', String(e));
  t.match((e as Error).message, /no such FDB entry among the own entries of 'v0' \(self\); 'v0' is a bridge port: its bridge's entries are deleted with master: true; in netns fd.*02:00:00:00:00:61 dev v0 self/, (e as Error).message);
  // A master delete of a missing entry says only that it is missing.
  const m = await rt.fdb.del({ mac: '02:00:00:00:00:62', link: 'v0', master: true }).then(() => undefined, (x: unknown) => x);
  t.match((m as Error).message, /ENOENT: No such file or directory — no such FDB entry; in netns fd/, (m as Error).message);
  t.ok(bridgeJson(ns.path, ['fdb', 'show', 'brport', 'v0']).some((x: any) => x.mac === '02:00:00:00:00:61'), 'the entry is still there');
});

// Before: 'no such FDB entry' for an entry list had just returned: the bridge lists its own
// address list (multicast groups it joined) as 'self' entries but deletes from its
// forwarding database only (bridge fdb del gets the same ENOENT).
t.test('a listed self entry of the bridge\'s own address list: del says the bridge does not delete those', privileged, async (t) => {
  const { ns, rt } = setup(t);
  ip(ns.path, ['maddr', 'add', '01:00:5e:01:02:03', 'dev', 'br0']);
  const br0 = await rt.link.index('br0');
  const own = (await rt.fdb.list({ link: 'br0' })).find((e) => e.mac === '01:00:5e:01:02:03');
  t.ok(own && own.flags.includes('self') && own.master === undefined, 'listed as the bridge\'s self entry');
  const e = await rt.fdb.del(own!).then(() => undefined, (x: unknown) => x);
  t.ok(e instanceof NetlinkError && e.code === 'ENOENT', String(e));
  t.match((e as Error).message, /no such entry in the forwarding database of the bridge 'br0' \(ifindex \d+\) \(entries listed self on a bridge are its own address list: multicast groups it joined, addresses of devices over it; the bridge does not delete those\); in netns fd/, (e as Error).message);
  t.ok((await rt.fdb.list({ link: br0 })).some((x) => x.mac === '01:00:5e:01:02:03'), 'still listed');
});

// Before: a second add of the all-zeros MAC with another dst was a bare 'EEXIST: File
// exists', and append of a unicast MAC that exists succeeded without adding the remote
// (vxlan appends to the all-zeros and multicast MACs only; bridge fdb append does the same).
t.test('a vxlan\'s second remote: add says append, append of a unicast MAC is refused', privileged, async (t) => {
  const { ns, rt } = setup(t);
  await rt.fdb.add({ mac: '00:00:00:00:00:00', link: 'vx0', dst: '10.0.0.2' });
  const e = await rt.fdb.add({ mac: '00:00:00:00:00:00', link: 'vx0', dst: '10.0.0.3' }).then(() => undefined, (x: unknown) => x);
  t.ok(e instanceof NetlinkError && e.code === 'EEXIST', String(e));
  t.match((e as Error).message, /00:00:00:00:00:00 has a remote on 'vx0' already: rt\.fdb\.append adds another \(bridge fdb append\); in netns fd/, (e as Error).message);
  await rt.fdb.add({ mac: '02:00:00:00:00:71', link: 'vx0', dst: '10.0.0.2' });
  await t.rejects(rt.fdb.append({ mac: '02:00:00:00:00:71', link: 'vx0', dst: '10.0.0.3' }), InvalidArgumentError);
  await t.rejects(rt.fdb.append({ mac: '02:00:00:00:00:71', link: 'vx0', dst: '10.0.0.3' }), /mac: append adds a remote to the all-zeros or a multicast MAC only \(a unicast MAC has one: add, or replace to change it\), got '02:00:00:00:00:71'/);
  t.same(bridgeJson(ns.path, ['fdb', 'show', 'dev', 'vx0']).filter((x: any) => x.mac === '02:00:00:00:00:71').map((x: any) => x.dst), ['10.0.0.2']);
  await rt.fdb.append({ mac: '01:00:5e:00:00:71', link: 'vx0', dst: '10.0.0.2' });
  await rt.fdb.append({ mac: '01:00:5e:00:00:71', link: 'vx0', dst: '10.0.0.3' });
  t.same(bridgeJson(ns.path, ['fdb', 'show', 'dev', 'vx0']).filter((x: any) => x.mac === '01:00:5e:00:00:71').map((x: any) => x.dst).sort(), ['10.0.0.2', '10.0.0.3'], 'a multicast MAC takes two');
});

// Before: no way to give a vxlan entry a nexthop group (bridge fdb add … nhid N): list
// showed bridge's entries' nhid, add took no such key.
t.test('a vxlan entry through a nexthop group (nhid): added, listed as bridge lists it, deleted', privileged, async (t) => {
  const { ns, rt } = setup(t);
  ip(ns.path, ['nexthop', 'add', 'id', '1', 'via', '10.0.0.2', 'fdb']);
  ip(ns.path, ['nexthop', 'add', 'id', '10', 'group', '1', 'fdb']);
  await rt.fdb.add({ mac: '02:00:00:00:00:81', link: 'vx0', nhid: 10 });
  inNs(ns.path, 'bridge', ['fdb', 'add', '02:00:00:00:00:82', 'dev', 'vx0', 'nhid', '10', 'self']);
  const shown = bridgeJson(ns.path, ['fdb', 'show', 'dev', 'vx0']).filter((x: any) => x.mac.startsWith('02:00:00:00:00:8'));
  t.same(shown.map((x: any) => [x.mac, x.nhid, x.dst]).sort(), [['02:00:00:00:00:81', 10, undefined], ['02:00:00:00:00:82', 10, undefined]]);
  const mine = (await rt.fdb.list({ link: 'vx0' })).filter((e) => e.mac.startsWith('02:00:00:00:00:8'));
  t.same(mine.map((e) => [e.mac, e.nhid, e.dst]).sort(), [['02:00:00:00:00:81', 10, undefined], ['02:00:00:00:00:82', 10, undefined]]);
  await t.rejects(rt.fdb.add({ mac: '02:00:00:00:00:83', link: 'vx0', nhid: 0 }), /nhid.*1\.\.4294967295/);
  for (const e of mine) await rt.fdb.del(e);
  t.same(bridgeJson(ns.path, ['fdb', 'show', 'dev', 'vx0']).filter((x: any) => x.mac.startsWith('02:00:00:00:00:8')), []);
});

t.test('get: one entry asked of the kernel (bridge fdb get), by bridge, by port, a vxlan remote by self and vni, a listed entry; ENOENT and bad input named', privileged, async (t) => {
  const { ns, rt } = setup(t);
  const ifn = names(ns.path);
  await rt.fdb.add({ mac: '02:00:00:00:00:31', link: 'v0', master: true, state: 'static' });
  await rt.fdb.add({ mac: '02:00:00:00:00:32', link: 'vx0', dst: '10.0.0.9', vni: 77 });
  const cases: [string, Parameters<Rtnl['fdb']['get']>[0], string[]][] = [
    ['by bridge', { mac: '02:00:00:00:00:31', bridge: 'br0' }, ['02:00:00:00:00:31', 'br', 'br0']],
    ['by port (its bridge)', { mac: '02:00:00:00:00:31', link: 'v0' }, ['02:00:00:00:00:31', 'dev', 'v0']],
    ['by port, master', { mac: '02:00:00:00:00:31', link: 'v0', master: true }, ['02:00:00:00:00:31', 'dev', 'v0', 'master']],
    ['a vxlan remote', { mac: '02:00:00:00:00:32', link: 'vx0', self: true, vni: 77 }, ['02:00:00:00:00:32', 'dev', 'vx0', 'vni', '77', 'self']],
  ];
  for (const [what, spec, args] of cases) {
    const got = await rt.fdb.get(spec);
    const tool = bridgeJson(ns.path, ['-d', 'fdb', 'get', ...args]);
    t.same(fromNlkit(got, ifn), fromBridge(tool[0]), `${what}: as bridge -j fdb get prints it`);
  }
  // An entry list() returned is looked up where it lives.
  for (const e of (await rt.fdb.list()).filter((x) => x.mac === '02:00:00:00:00:31' || x.mac === '02:00:00:00:00:32')) {
    // cacheinfo holds ages (used, updated) that move between the two reads.
    t.same({ ...(await rt.fdb.get(e)), cacheinfo: undefined }, { ...e, cacheinfo: undefined }, `a listed entry (${e.mac} on ${ifn.get(e.link)}) comes back the same`);
  }
  const sent = rt.sock.stats.requests;
  const missing = await rt.fdb.get({ mac: '02:00:00:00:00:39', bridge: 'br0' }).then(() => undefined, (x: unknown) => x);
  t.ok(missing instanceof NetlinkError && missing.code === 'ENOENT', `none there: ENOENT (${String(missing)})`);
  t.match(String((missing as Error).message), /02:00:00:00:00:39 br br0/, 'naming the entry');
  t.match(String((missing as Error).message), /in netns/, 'and the netns');
  const notPort = await rt.fdb.get({ mac: '02:00:00:00:00:32', link: 'vx0' }).then(() => undefined, (x: unknown) => x);
  t.ok(notPort instanceof NetlinkError && notPort.code === 'EINVAL', `a device that is no port, without self: EINVAL (${String(notPort)})`);
  t.match(String((notPort as Error).message), /self: true/, 'saying to give self');
  t.equal(rt.sock.stats.requests - sent, 4, 'one GET each (and the link lookups)');
  const before = rt.sock.stats.requests;
  for (const [arg, spec] of [
    ['bridge', { mac: '02:00:00:00:00:31', link: 'v0', bridge: 'br0' }],
    ['link', { mac: '02:00:00:00:00:31' }],
    ['master', { mac: '02:00:00:00:00:31', bridge: 'br0', master: true }],
    ['self', { mac: '02:00:00:00:00:31', link: 'v0', master: true, self: true }],
    ['mac', { mac: '02:00:00:00:31', bridge: 'br0' }],
    ['vlan', { mac: '02:00:00:00:00:31', bridge: 'br0', vlan: 4095 }],
    ['vni', { mac: '02:00:00:00:00:31', link: 'vx0', self: true, vni: 1 << 24 }],
    ['state', { mac: '02:00:00:00:00:31', bridge: 'br0', state: 'static' }],
  ] as const) {
    const x = await rt.fdb.get(spec as never).then(() => undefined, (e: unknown) => e);
    t.ok(x instanceof InvalidArgumentError && x.argument === arg, `refused, naming ${arg}: ${String(x)}`);
  }
  t.equal(rt.sock.stats.requests, before, 'nothing sent for bad input');
});

/** The entries `bridge -j fdb show br br0` lists, by what a flush decides on: a port's own random MAC as 'own'. */
function flushView(nsPath: string): string[] {
  return bridgeJson(nsPath, ['fdb', 'show', 'br', 'br0'])
    .map((e) => `${e.ifname} ${/^(02:00:00|33:33|01:00:5e)/.test(e.mac) ? e.mac : 'own'} ${e.state} ${(e.flags as string[]).join(',')}`).sort();
}

/** Entries of every kind a bridge flush tells apart, made by `bridge` (dynamic ones need the ports up). */
function fillForFlush(nsPath: string): void {
  for (const c of [
    '02:00:00:00:00:01 dev v0 master static', '02:00:00:00:00:02 dev v0 master permanent', '02:00:00:00:00:03 dev v0 master dynamic',
    '02:00:00:00:00:04 dev v4 master static sticky', '02:00:00:00:00:05 dev v4 master dynamic extern_learn', '02:00:00:00:00:06 dev v4 master dynamic',
    '02:00:00:00:00:07 dev br0 self local',
  ]) inNs(nsPath, 'bridge', ['fdb', 'add', ...c.split(' ')]);
}

t.test('flush deletes what `bridge fdb flush` deletes, for every state word, flag filter, brport and master', privileged, async (t) => {
  const cases: [Record<string, unknown>, string[]][] = [
    [{ state: 'nopermanent' }, ['nopermanent']], [{ state: 'permanent' }, ['permanent']], [{ state: 'static' }, ['static']],
    [{ state: 'nostatic' }, ['nostatic']], [{ state: 'dynamic' }, ['dynamic']], [{ state: 'nodynamic' }, ['nodynamic']], [{ state: 'all' }, []],
    [{ state: 'all', externLearn: true }, ['extern_learn']], [{ state: 'all', sticky: false }, ['nosticky']],
    [{ state: 'all', addedByUser: true }, ['added_by_user']], [{ brport: 'v4' }, ['brport', 'v4', 'nopermanent']],
  ];
  for (const [filter, words] of cases) {
    const a = setup(t);
    const b = setup(t);
    fillForFlush(a.ns.path);
    fillForFlush(b.ns.path);
    t.same(flushView(a.ns.path), flushView(b.ns.path), 'the two netns start alike');
    const before = flushView(a.ns.path).length;
    await a.rt.fdb.flush({ link: 'br0', ...filter });
    inNs(b.ns.path, 'bridge', ['fdb', 'flush', 'dev', 'br0', ...words]);
    t.same(flushView(a.ns.path), flushView(b.ns.path), `${JSON.stringify(filter)} as bridge fdb flush dev br0 ${words.join(' ')}`);
    t.ok(flushView(a.ns.path).length < before, `${JSON.stringify(filter)} deleted something`);
  }
  // The default keeps every permanent entry: the bridge's and its ports' own addresses above all.
  const c = setup(t);
  fillForFlush(c.ns.path);
  await c.rt.fdb.flush({ link: 'br0' });
  t.same(flushView(c.ns.path).filter((x) => !x.includes(' permanent ')), [], 'only permanent entries are left');
  t.ok(flushView(c.ns.path).some((x) => x.startsWith('br0 02:00:00:00:00:07 permanent')), "the bridge's local entry is kept");
  // master on a port: its entries in the bridge only.
  const d = setup(t);
  const e = setup(t);
  fillForFlush(d.ns.path);
  fillForFlush(e.ns.path);
  await d.rt.fdb.flush({ link: 'v0', master: true, state: 'dynamic' });
  inNs(e.ns.path, 'bridge', ['fdb', 'flush', 'dev', 'v0', 'master', 'dynamic']);
  t.same(flushView(d.ns.path), flushView(e.ns.path), 'master on a port, as bridge fdb flush dev v0 master dynamic');
  t.notOk(flushView(d.ns.path).some((x) => x.includes('02:00:00:00:00:03')), "the port's dynamic entry is gone");
  t.ok(flushView(d.ns.path).some((x) => x.includes('02:00:00:00:00:06')), "the other port's dynamic entry stays");
});

t.test("flush of a vxlan's remotes by vni, dst, port and state", privileged, async (t) => {
  const { ns, rt } = setup(t);
  const remotes = () => bridgeJson(ns.path, ['fdb', 'show', 'dev', 'vx0']).map((e) => `${e.mac} ${e.dst}`).sort();
  await rt.fdb.add({ mac: '02:00:00:00:00:09', link: 'vx0', dst: '10.0.0.9' });
  await rt.fdb.add({ mac: '02:00:00:00:00:0a', link: 'vx0', dst: '10.0.0.10', vni: 7 });
  await rt.fdb.add({ mac: '02:00:00:00:00:0b', link: 'vx0', dst: '10.0.0.11', port: 4000 });
  await rt.fdb.add({ mac: '02:00:00:00:00:0c', link: 'vx0', dst: '10.0.0.12', state: 'reachable' });
  await rt.fdb.flush({ link: 'vx0' });
  t.same(remotes(), ['02:00:00:00:00:09 10.0.0.9', '02:00:00:00:00:0a 10.0.0.10', '02:00:00:00:00:0b 10.0.0.11'], 'the default takes the dynamic remote only');
  await rt.fdb.flush({ link: 'vx0', state: 'all', vni: 7 });
  t.same(remotes(), ['02:00:00:00:00:09 10.0.0.9', '02:00:00:00:00:0b 10.0.0.11'], 'vni 7');
  await rt.fdb.flush({ link: 'vx0', state: 'all', port: 4000 });
  t.same(remotes(), ['02:00:00:00:00:09 10.0.0.9'], 'port 4000');
  await rt.fdb.flush({ link: 'vx0', state: 'all', dst: '10.0.0.9' });
  t.same(remotes(), [], 'dst 10.0.0.9');
});

t.test('flush: refusals name the flush, what is wrong and the netns; bad input is refused before anything is sent', privileged, async (t) => {
  const { ns, rt } = setup(t);
  fillForFlush(ns.path);
  const before = flushView(ns.path);
  const refused = async (spec: Record<string, unknown>, code: string, text: RegExp) => {
    const e = await rt.fdb.flush(spec as never).then(() => undefined, (x: unknown) => x);
    t.ok(e instanceof NetlinkError, `${JSON.stringify(spec)} rejects with a NetlinkError`);
    t.match(e, { code, message: text }, JSON.stringify(spec));
    t.match((e as Error).message, /in netns|in the caller's netns|netns/, 'names the netns');
  };
  await refused({ link: 'v2' }, 'EOPNOTSUPP', /'v2' keeps no entries of its own to flush.*\(RTM_DELNEIGH flush dev v2 self nopermanent\)/);
  await refused({ link: 'v0' }, 'EOPNOTSUPP', /'v0' keeps no entries of its own to flush .*flushed with master: true/);
  await refused({ link: 'v2', master: true }, 'EOPNOTSUPP', /'v2' is not a bridge port/);
  await refused({ link: 'br0', master: true }, 'EOPNOTSUPP', /'br0' is a bridge: its database is flushed with self/);
  await refused({ link: 'br0', brport: 'v2' }, 'EINVAL', /brport 'v2' is not a port of 'br0'/);
  await refused({ link: 'br0', vni: 3 }, 'EINVAL', /select a vxlan's remotes: 'br0' takes none of them/);
  await refused({ link: 'br0', router: true }, 'EINVAL', /router is a vxlan's flag/);
  await refused({ link: 'nope' }, 'ENODEV', /'nope'/);
  await refused({ link: 'br0', brport: 'nope' }, 'ENODEV', /brport 'nope'/);
  for (const [spec, arg] of [
    [{}, 'link'], [{ link: 'br0', state: 'bogus' }, 'state'], [{ link: 'br0', state: 'reachable' }, 'state'], [{ link: 'br0', vlan: 0 }, 'vlan'],
    [{ link: 'br0', sticky: 1 }, 'sticky'], [{ link: 'br0', master: false, self: false }, 'self'], [{ link: 'br0', mac: '02:00:00:00:00:01' }, 'mac'],
    [{ link: 'br0', vni: 1 << 24 }, 'vni'], [{ link: 'br0', dst: '10.0.0.300' }, 'dst'], [{ link: 'br0', port: 0 }, 'port'],
  ] as [Record<string, unknown>, string][]) {
    await t.rejects(rt.fdb.flush(spec as never), { name: 'InvalidArgumentError', argument: arg }, JSON.stringify(spec));
  }
  await t.rejects(rt.fdb.flush(undefined as never), { name: 'InvalidArgumentError' }, 'no spec');
  t.same(flushView(ns.path), before, 'nothing was deleted by any of them');
});
