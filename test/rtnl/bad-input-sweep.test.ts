// Findings of an adversarial sweep of the rtnl APIs, each held by a test on a real
// kernel in a fresh netns: input that used to be accepted silently (or half-applied,
// or thrown from inside the library as a TypeError) is refused before anything is
// sent, with an InvalidArgumentError naming the field; missing links are named.
import t from 'tap';
import { Rtnl } from '../../src/rtnl/index.js';
import { InvalidArgumentError, NetlinkError } from '../../src/netlink/errors.js';
import { NetlinkSocket } from '../../src/netlink/socket.js';
import { poolStats } from '../../src/netlink/pool.js';
import { NETLINK_ROUTE } from '../../src/netlink/constants.js';
import { Netns } from '../../src/ns/index.js';
import { setupVeth } from '../../src/veth/index.js';
import { addrFixture, ip, ipJson, privileged, rawNetns } from '../helpers.js';

/** addrFixture's netns (veth v0/v1, v0 up), with lo and v1 up and 10.0.0.1/24 on v0. */
function setup(t: { teardown(fn: () => void): void }): { ns: ReturnType<typeof rawNetns>; rt: Rtnl } {
  const f = addrFixture(t);
  for (const dev of ['lo', 'v1']) ip(f.ns.path, ['link', 'set', dev, 'up']);
  ip(f.ns.path, ['addr', 'add', '10.0.0.1/24', 'dev', 'v0']);
  return f;
}

type T = Parameters<Parameters<typeof t.test>[0]>[0];

async function refused(t: T, p: Promise<unknown>, argument: string, message?: RegExp): Promise<InvalidArgumentError | undefined> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  if (!(e instanceof InvalidArgumentError)) {
    t.fail(`expected an InvalidArgumentError naming ${argument}, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    return undefined;
  }
  t.equal(e.argument, argument, `names ${argument}: ${e.message}`);
  if (message) t.match(e.message, message);
  return e;
}

t.test('rule.del with nothing that selects a rule is refused: the kernel would delete 0: from all lookup local', privileged, async (t) => {
  const { ns, rt } = setup(t);
  const before = ipJson(ns.path, ['rule', 'show']);
  for (const spec of [undefined, {}, { family: 4 }, { family: 6 }, { not: false }] as const) {
    await refused(t, rt.rule.del(spec as never), 'spec', /at least one field/);
  }
  // Fields the kernel does not compare in a delete (rule_find): the invert flag, and a
  // zero fwmark, tos, protocol, ipproto or tun_id, a /0 prefix, l3mdev false.
  for (const spec of [{ not: true }, { fwmark: 0 }, { tos: 0 }, { protocol: 'unspec' }, { protocol: 0 }, { ipProto: 0 }, { tunId: 0 },
    { from: '0.0.0.0/0' }, { to: '0.0.0.0/0' }, { family: 6, from: '::/0' }, { l3mdev: false }, { not: true, tos: 0, fwmark: 0 }] as const) {
    await refused(t, rt.rule.del(spec as never), 'spec', /at least one field/);
  }
  t.same(ipJson(ns.path, ['rule', 'show']), before, 'every rule is still there');
  t.ok((await rt.route.get('127.0.0.1')).dev, 'local delivery still works');
  // A real selector still deletes.
  await rt.rule.add({ priority: 100, table: 100 });
  await rt.rule.del({ priority: 100 });
  t.same(ipJson(ns.path, ['rule', 'show']), before);
  await refused(t, rt.rule.add({ priority: 101, table: 101, uidRange: { start: 1, end: 2, extra: 1 } as never }), 'uidRange.extra');
});

t.test('link.list by a kind the kernel does not know returns no link (the kernel would return them all)', privileged, async (t) => {
  const { rt } = setup(t);
  t.same(await rt.link.list({ kind: 'nosuchkind' }), []);
  t.same(await rt.link.list({ kind: 'dummy' }), [], 'a kind this kernel lacks');
  t.same((await rt.link.list({ kind: 'veth' })).map((l) => l.name).sort(), ['v0', 'v1']);
});

t.test('IPv6 zone indexes are refused, not dropped', privileged, async (t) => {
  const { rt } = setup(t);
  await refused(t, rt.addr.add('v0', 'fe80::55%eth0/64'), 'address', /zone index/);
  await refused(t, rt.addr.add('v0', 'fe80::57%/64'), 'address', /zone index/);
  await refused(t, rt.route.add({ dst: '2001:db8:5::/48', gateway: 'fe80::1%bogus', dev: 'v0' }), 'gateway', /zone index/);
  await refused(t, rt.neigh.add({ dst: 'fe80::62%v1', dev: 'v0', lladdr: '02:00:00:00:00:62' }), 'dst', /zone index/);
  t.same((await rt.addr.list({ family: 6, link: 'v0' })).filter((a) => a.address === 'fe80::55' || a.address === 'fe80::57'), [], 'nothing was added');
});

t.test('hardware addresses must have the link\'s length (the kernel truncates a longer one silently)', privileged, async (t) => {
  const { ns, rt } = setup(t);
  const mac = ipJson(ns.path, ['link', 'show', 'v0'])[0].address;
  await refused(t, rt.link.set('v0', { address: '02:00:00:00:00:01:02' }), 'address', /6-byte/);
  await refused(t, rt.link.set('v0', { address: '02:00:00:00:01' }), 'address', /6-byte/);
  await refused(t, rt.link.set('v0', { broadcast: '01:02:03' }), 'broadcast', /6-byte/);
  t.equal(ipJson(ns.path, ['link', 'show', 'v0'])[0].address, mac, 'the address is unchanged');
  await rt.link.set('v0', { address: '02:00:00:00:00:0a' });
  t.equal(ipJson(ns.path, ['link', 'show', 'v0'])[0].address, '02:00:00:00:00:0a', 'a 6-byte address is set');
  await refused(t, rt.neigh.add({ dst: '10.0.0.52', lladdr: '02:00:00:00:00:52:aa:bb', dev: 'v0' }), 'lladdr', /6-byte/);
  await refused(t, rt.neigh.add({ dst: '10.0.0.53', lladdr: '02:00:00:00:53', dev: 2 }), 'lladdr', /6-byte/);
  t.same(ipJson(ns.path, ['neigh', 'show', 'dev', 'v0']), [], 'no neighbour entry was made');
  await rt.neigh.add({ dst: '10.0.0.54', lladdr: '02:00:00:00:00:54', dev: 'v0' });
  t.equal(ipJson(ns.path, ['neigh', 'show', 'dev', 'v0'])[0].lladdr, '02:00:00:00:00:54');
  await refused(t, rt.neigh.add({ dst: '10.0.0.55', lladdr: '02:00:00-00:00:55', dev: 'v0' }), 'lladdr', /not a hardware address/);
});

t.test('link.set checks every value, the bridge port options included, before sending anything', privileged, async (t) => {
  const { ns, rt } = setup(t);
  ip(ns.path, ['link', 'add', 'br0', 'type', 'bridge']);
  ip(ns.path, ['link', 'set', 'v1', 'master', 'br0']);
  const held = (): number => poolStats.created + poolStats.reused - poolStats.released;
  const held0 = held();
  await refused(t, rt.link.set('v1', { mtu: 1280, bridgePort: { cost: -1 } }), 'bridgePort.cost');
  await refused(t, rt.link.set('v1', { name: 'v1x', bridgePort: { state: 'open' as never } }), 'bridgePort.state');
  await refused(t, rt.link.set('v1', { master: null, bridgePort: { cost: 5 } }), 'bridgePort', /detaches/);
  const other = rawNetns();
  t.teardown(() => other.close());
  await refused(t, rt.link.set('v1', { netns: other.fd, bridgePort: { cost: 5 } }), 'bridgePort', /moves to another netns/);
  await refused(t, rt.link.set('v1', { netns: other.fd, master: 'br0' }), 'master', /moved first/);
  t.equal(held(), held0, 'the checks gave their scratch slabs back to the pool');
  const v1 = ipJson(ns.path, ['link', 'show', 'v1'])[0];
  t.equal(v1.mtu, 1500, 'the MTU is unchanged');
  t.equal(v1.ifname, 'v1', 'not renamed');
  t.equal(v1.master, 'br0', 'still a port');
  await refused(t, rt.link.set('v0', {}, null as never), 'options');
  await refused(t, rt.link.set('v0', {}, { ecoh: true } as never), 'options.ecoh');
  await refused(t, rt.link.add({ name: 'x0', kind: 'bridge' }, { ecoh: true } as never), 'options.ecoh');
  t.equal(ipJson(ns.path, ['link', 'show']).filter((l: { ifname: string }) => l.ifname === 'x0').length, 0, 'x0 not made');
});

t.test('route input: default routes blame the field that is wrong; IPv4 from, host bits, pref 2, metric ranges, nexthop holes, leading zeros', privileged, async (t) => {
  const { ns, rt } = setup(t);
  await refused(t, rt.route.add({ dst: 'default', gateway: 'nope' }), 'gateway');
  await refused(t, rt.route.add({ dst: 'default', dev: 'v0', src: 'x' }), 'src');
  await refused(t, rt.route.add({ dst: 'default', nexthops: [{ gateway: 'bad' }] }), 'nexthops[0].gateway');
  await refused(t, rt.route.add({ dst: '10.6.5.0/24', dev: 'v0', from: '10.0.0.0/24' }), 'from', /IPv6 only/);
  await refused(t, rt.route.add({ dst: '2001:db8:6::/48', dev: 'v0', from: '2001:db8::1/64' }), 'from', /host bits/);
  await refused(t, rt.route.add({ dst: '2001:db8:7::/48', dev: 'v0', pref: 2 as never }), 'pref');
  await refused(t, rt.route.add({ dst: '10.6.6.0/24', dev: 'v0', metrics: { hoplimit: 300 } }), 'metrics.hoplimit');
  await refused(t, rt.route.add({ dst: '10.6.6.0/24', dev: 'v0', metrics: { quickack: 2 } }), 'metrics.quickack');
  // eslint-disable-next-line no-sparse-arrays
  await refused(t, rt.route.add({ dst: '10.26.0.0/16', nexthops: [, { gateway: '10.0.0.2' }] as never }), 'nexthops[0]');
  await refused(t, rt.route.add({ dst: '10.27.0.0/16', nexthops: Array.from({ length: 5000 }, () => ({ gateway: '10.0.0.2' })) }), 'nexthops', /65535/);
  await refused(t, rt.route.add({ dst: '11.0.0.0/08', dev: 'v0' }), 'dst', /leading zero/);
  await refused(t, rt.route.add({ dst: '10.6.8.1', type: 'local' }), 'dev', /needs the link/);
  await refused(t, rt.route.add({ dst: '2001:db8:7::2', type: 'anycast' }), 'dev', /needs the link/);
  await rt.route.add({ dst: '10.6.8.1', type: 'local', dev: 'v0', table: 'local' });
  t.ok((await rt.route.list({ table: 'local', family: 4 })).some((r) => r.dst === '10.6.8.1' && r.type === 'local'), 'with dev it is made');
  await rt.route.del({ dst: '10.6.8.1', type: 'local', dev: 'v0', table: 'local' });
  await refused(t, rt.route.add({ dst: '11.0.0.0/8', dev: 'v0', table: '010' as never }), 'table', /leading zero/);
  await refused(t, rt.addr.add('v0', '10.0.0.6/010'), 'address', /leading zero/);
  const e = await refused(t, rt.route.add({ dst: '11.0.0.0/8', dev: 'v0', metric: '5' as never }), 'metric');
  t.match(e?.message, /got '5'/, 'a string value is shown quoted, not as the number it looks like');
  t.same(ipJson(ns.path, ['route', 'show', 'table', 'all']).filter((r: { dst: string }) => /^(10\.6|10\.2[67]|11\.|2001:db8:[67])/.test(r.dst)), [], 'no route was made');
});

t.test('links that do not exist are named, by ifindex too', privileged, async (t) => {
  const { rt } = setup(t);
  const nodev = async (p: Promise<unknown>, re: RegExp): Promise<void> => {
    const e = await p.then(() => undefined, (x: unknown) => x);
    t.ok(e instanceof NetlinkError && e.code === 'ENODEV', `ENODEV: ${String(e)}`);
    t.match((e as Error).message, re);
  };
  await nodev(rt.addr.list({ link: 99999 }), /filter\.link ifindex 99999 does not exist/);
  await nodev(rt.neigh.list({ dev: 99999 }), /filter\.dev ifindex 99999 does not exist/);
  await nodev(rt.link.set('v0', { master: 99999 }), /master ifindex 99999 does not exist/);
  await nodev(rt.addr.add('nope', '10.9.0.1/24'), /link 'nope' does not exist/);
  // A create's master or parent by ifindex: the kernel said a bare EINVAL (master) or ENODEV (a macvlan's link).
  await nodev(rt.link.add({ kind: 'veth', name: 'x0', master: 99999 }), /master ifindex 99999 does not exist/);
  await nodev(rt.link.add({ kind: 'macvlan', name: 'x0', link: 99999 }), /link ifindex 99999 does not exist/);
  await nodev(rt.link.addMany([{ kind: 'veth', name: 'x0', master: 99999 }]), /specs\[0\]\.master ifindex 99999 does not exist/);
  await nodev(rt.link.addMany([{ kind: 'macvlan', name: 'x0', link: 99999 }]), /specs\[0\]\.link ifindex 99999 does not exist/);
});

t.test('aliases go without a NUL, as ip sends them: 255 bytes fit, and an empty one clears', privileged, async (t) => {
  const { ns, rt } = setup(t);
  const long = 'a'.repeat(255);
  await rt.link.set('v0', { alias: long });
  t.equal(ipJson(ns.path, ['link', 'show', 'v0'])[0].ifalias, long);
  t.equal((await rt.link.get('v0')).alias, long);
  await rt.link.set('v0', { alias: '' });
  t.notOk(ipJson(ns.path, ['link', 'show', 'v0'])[0].ifalias, 'cleared');
});

t.test('options objects refuse unknown keys (a typo must not fall back to the default)', privileged, async (t) => {
  const ns = Netns.new();
  t.teardown(() => ns.close());
  t.throws(() => Rtnl.open({ netNs: ns } as never), { name: 'InvalidArgumentError', argument: 'netNs' });
  t.throws(() => Rtnl.open({ netns: ns, strictChk: false } as never), { name: 'InvalidArgumentError', argument: 'strictChk' });
  t.throws(() => Rtnl.open({ receiveBufferSize: -5 }), { name: 'InvalidArgumentError', argument: 'receiveBufferSize' });
  t.throws(() => Rtnl.open({ netns: { pid: 0x3fffffff } }), { name: 'SysError', code: 'ESRCH', message: /no process/ }, 'a pid without a process: ESRCH, as Netns.fromPid says');
  t.throws(() => NetlinkSocket.open(NETLINK_ROUTE, { grups: [1] } as never), { name: 'InvalidArgumentError', argument: 'options.grups' });
  t.throws(() => Netns.getNamed('x', { dirr: '/tmp' } as never), { name: 'InvalidArgumentError', argument: 'options.dirr' });
  const rt = Rtnl.open({ netns: ns });
  t.teardown(() => rt.close());
  t.throws(() => rt.monitor(['link'], { signl: undefined } as never), { name: 'InvalidArgumentError', argument: 'signl' });
  const host = Netns.new();
  t.teardown(() => host.close());
  await refused(t, setupVeth('eth0', 'vh0', 1500, null, host, ns, { queue: 1 } as never), 'options.queue');
  await refused(t, setupVeth('eth0', 'vh0', 1500, null, host, ns, { handles: { hots: rt } } as never), 'options.handles.hots');
  t.same((await rt.link.list()).map((l) => l.name), ['lo'], 'nothing was made');
});

t.test('setupVeth refuses kept handles that work in another netns than the one they are given for', privileged, async (t) => {
  const host = Netns.new();
  const ctr = Netns.new();
  const other = Netns.new();
  const rtOther = Rtnl.open({ netns: other });
  const rtHost = Rtnl.open({ netns: host });
  t.teardown(() => {
    rtOther.close();
    rtHost.close();
    for (const n of [host, ctr, other]) n.close();
  });
  await refused(t, setupVeth('eth0', 'vh0', 1500, null, host, ctr, { handles: { host: rtOther } }), 'options.handles.host', /another network namespace/);
  await refused(t, setupVeth('eth0', 'vh0', 1500, null, host, ctr, { handles: { container: rtHost } }), 'options.handles.container', /another network namespace/);
  for (const n of [host, ctr, other]) {
    const rt = Rtnl.open({ netns: n });
    t.same((await rt.link.list()).map((l) => l.name), ['lo'], 'no link anywhere');
    rt.close();
  }
  // The right handles still work.
  const v = await setupVeth('eth0', 'vh0', 1500, null, host, ctr, { handles: { host: rtHost } });
  t.equal(v.host.name, 'vh0');
  // A handle's netns is read once and kept: the same handle, accepted above for the
  // host netns, is still refused for another one (and rtOther, refused above, still
  // works where it belongs).
  await refused(t, setupVeth('eth1', 'vh1', 1500, null, ctr, host, { handles: { host: rtHost } }), 'options.handles.host', /another network namespace/);
  const w = await setupVeth('eth1', 'vh1', 1500, null, other, ctr, { handles: { host: rtOther } });
  t.equal(w.host.index > 0 && w.host.netns, other, 'a handle refused for one netns works in its own');
});

t.test('setupVeth: a handle whose netns cannot be read for a passing reason (out of fds) is not taken as unreadable for good', privileged, async (t) => {
  const koffi = (await import('koffi')).default;
  const libc = koffi.load('libc.so.6');
  const rlimit = koffi.struct('nlkit_test_rlimit', { cur: 'uint64_t', max: 'uint64_t' });
  const getrlimit = libc.func('int getrlimit(int, _Out_ nlkit_test_rlimit *)');
  const setrlimit = libc.func('int setrlimit(int, const nlkit_test_rlimit *)');
  void rlimit;
  const RLIMIT_NOFILE = 7; // <asm-generic/resource.h>
  const lim: { cur?: number | bigint; max?: number | bigint } = {};
  t.equal(getrlimit(RLIMIT_NOFILE, lim), 0, 'getrlimit');
  const host = Netns.new();
  const ctr = Netns.new();
  const other = Netns.new();
  const rtOther = Rtnl.open({ netns: other });
  t.teardown(() => {
    rtOther.close();
    for (const n of [host, ctr, other]) n.close();
  });
  // No new fd while setupVeth's synchronous checks run (the SIOCGSKNS ioctl makes one).
  t.equal(setrlimit(RLIMIT_NOFILE, { cur: 0, max: lim.max }), 0, 'soft fd limit 0');
  let p: Promise<unknown>;
  try {
    p = setupVeth('eth0', 'vh0', 1500, null, host, ctr, { handles: { host: rtOther } });
  } finally {
    t.equal(setrlimit(RLIMIT_NOFILE, lim), 0, 'fd limit restored');
  }
  const e = await p.then(() => undefined, (x: unknown) => x);
  t.match(e, { name: 'SysError', code: 'EMFILE', message: /SIOCGSKNS.*options\.handles\.host/ }, 'the failure is thrown, not skipped');
  // The same handle again, with fds to spare: checked, and refused.
  await refused(t, setupVeth('eth0', 'vh0', 1500, null, host, ctr, { handles: { host: rtOther } }), 'options.handles.host', /another network namespace/);
  for (const n of [host, ctr, other]) {
    const rt = Rtnl.open({ netns: n });
    t.same((await rt.link.list()).map((l) => l.name), ['lo'], 'no link anywhere');
    rt.close();
  }
});

t.test('setupVeth checks a kept handle against a netns given as a plain { fd } too', privileged, async (t) => {
  const host = Netns.new();
  const ctr = Netns.new();
  const rtHost = Rtnl.open({ netns: host });
  t.teardown(() => {
    rtHost.close();
    host.close();
    ctr.close();
  });
  // The handle is in host: given for host as { fd }, it is accepted; for ctr as { fd }, refused.
  await refused(t, setupVeth('eth0', 'vh0', 1500, null, { fd: ctr.fd } as never, host, { handles: { host: rtHost } }), 'options.handles.host', new RegExp(`another network namespace than hostNs \\(fd ${ctr.fd}\\)`));
  const v = await setupVeth('eth0', 'vh0', 1500, null, { fd: host.fd } as never, ctr, { handles: { host: rtHost } });
  t.equal(v.host.name, 'vh0', 'accepted for the netns it is in');
  t.same((await rtHost.link.list()).map((l) => l.name).sort(), ['lo', 'vh0']);
});

t.test('a closed handle is named as the handle in every ClosedError, whichever layer notices', privileged, async (t) => {
  const { ClosedError } = await import('../../src/netlink/errors.js');
  const rt = Rtnl.open();
  rt.close();
  const calls: [string, () => Promise<unknown>][] = [
    ['link.list', () => rt.link.list()],
    ['link.get by index', () => rt.link.get(1)],
    ['link.add', () => rt.link.add({ kind: 'ifb', name: 'ifbc0' })],
    ['link.addMany', () => rt.link.addMany([{ kind: 'ifb', name: 'ifbc1' }])],
    ['addr.list', () => rt.addr.list()],
    ['addr.add on an ifindex', () => rt.addr.add(1, '10.9.9.9/32')],
    ['route.list', () => rt.route.list()],
    ['neigh.list', () => rt.neigh.list()],
    ['rule.list', () => rt.rule.list()],
    ['nexthop.list', () => rt.nexthop.list()],
    ['nexthop.add through a link', () => rt.nexthop.add({ id: 1, dev: 'v0' })],
  ];
  for (const [what, call] of calls) {
    const e = await call().then(() => undefined, (err: unknown) => err);
    t.ok(e instanceof ClosedError, `${what}: ClosedError`);
    t.equal((e as Error | undefined)?.message, 'Rtnl handle is closed', `${what}: names the handle`);
  }
  const s = NetlinkSocket.open(NETLINK_ROUTE);
  s.close();
  await t.rejects(async () => s.request(18, 0x301, () => undefined), { message: 'NetlinkSocket is closed' }, 'a bare socket is still called a NetlinkSocket');
});

t.test("interface names with a UTF-8 byte 0xa0 ('à' is c3 a0) are refused: the kernel's isspace() counts that byte", privileged, async (t) => {
  const { ns, rt } = setup(t);
  const before = ipJson<{ ifname: string }[]>(ns.path, ['link', 'show']).map((l) => l.ifname);
  await refused(t, rt.link.add({ kind: 'ifb', name: 'eà' }), 'name', /0xa0/);
  await refused(t, rt.link.set('v1', { name: 'và' }), 'name', /0xa0/);
  await refused(t, rt.link.get('eà'), 'link', /0xa0/);
  t.same(ipJson<{ ifname: string }[]>(ns.path, ['link', 'show']).map((l) => l.ifname), before, 'nothing made or renamed');
  // Other non-ASCII letters are names the kernel takes ('é' is c3 a9).
  const made = await rt.link.add({ kind: 'ifb', name: 'eé' }, { echo: true });
  t.equal(made?.name, 'eé');
  t.ok(ipJson<{ ifname: string }[]>(ns.path, ['link', 'show']).some((l) => l.ifname === 'eé'), 'ip lists it');
});

t.test('interface names with Unicode spaces the kernel takes (U+2003, U+3000) are accepted: a link ip made with one can be read and deleted', privileged, async (t) => {
  const { ns, rt } = setup(t);
  // The kernel's dev_valid_name() refuses only the bytes its isspace() counts (\t \n \v \f \r,
  // space, 0xa0); JavaScript's \s refused these too, so nlkit could not even look them up.
  ip(ns.path, ['link', 'add', 'a\u2003b', 'type', 'ifb']);
  const l = await rt.link.get('a\u2003b');
  t.equal(l.name, 'a\u2003b', 'read back by its name');
  await rt.link.add({ kind: 'ifb', name: 'c\u3000d' });
  t.ok(ipJson<{ ifname: string }[]>(ns.path, ['link', 'show']).some((x) => x.ifname === 'c\u3000d'), 'ip lists the one nlkit made');
  await rt.link.del('a\u2003b');
  await rt.link.del('c\u3000d');
  t.notOk(ipJson<{ ifname: string }[]>(ns.path, ['link', 'show']).some((x) => x.ifname === 'a\u2003b' || x.ifname === 'c\u3000d'), 'both deleted');
});

t.test('an interface name with a lone surrogate is refused: its UTF-8 would be U+FFFD, and the link would get another name', privileged, async (t) => {
  const { ns, rt } = setup(t);
  const before = ipJson<{ ifname: string }[]>(ns.path, ['link', 'show']).map((x) => x.ifname);
  await refused(t, rt.link.add({ kind: 'ifb', name: 'e\ud800' }), 'name', /lone surrogate/);
  await refused(t, rt.link.set('v1', { name: '\udc00v' }), 'name', /lone surrogate/);
  t.same(ipJson<{ ifname: string }[]>(ns.path, ['link', 'show']).map((x) => x.ifname), before, 'nothing made or renamed');
});
