// NSIDs: RTM_GETNSID / RTM_NEWNSID (real kernel, cross-checked with `ip netns list-id`).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { Netns, execNetnsSync } from '../../src/ns/index.js';
import { getNsid, setNsid } from '../../src/rtnl/nsid.js';
import { NetlinkSocket } from '../../src/netlink/socket.js';
import { ClosedError, InvalidArgumentError, NetlinkError } from '../../src/netlink/errors.js';
import { privileged } from '../helpers.js';
import { threadIno } from './util.js';

t.test('getNsid is undefined until setNsid assigns one; ip netns list-id agrees', privileged, async (t) => {
  const home = Netns.get();
  const sock = NetlinkSocket.open(0);
  const a = Netns.new();
  const b = Netns.new();
  t.teardown(() => {
    sock.close();
    home.close();
    a.close();
    b.close();
  });
  t.equal(await getNsid(sock, a), undefined, 'no id yet');
  t.equal(await setNsid(sock, a, 7), 7);
  t.equal(await getNsid(sock, a), 7);
  const auto = await setNsid(sock, b, 'auto');
  t.ok(Number.isInteger(auto) && auto >= 0 && auto !== 7, `auto assigned ${auto}`);
  t.equal(await getNsid(sock, b), auto);
  const ids = JSON.parse(spawnSync('ip', ['-j', 'netns', 'list-id'], { encoding: 'utf8' }).stdout || '[]') as { nsid: number }[];
  t.ok(ids.some((x) => x.nsid === 7), 'ip netns list-id shows 7');
  const again = await setNsid(sock, a, 9).catch((e: unknown) => e) as NetlinkError;
  t.ok(again instanceof NetlinkError, 'a peer that has an id cannot get another');
  t.equal(again.code, 'EEXIST');
  t.equal(threadIno(), home.ino);
});

t.test('ids are per namespace: what A calls the host is A\'s own mapping', privileged, async (t) => {
  const home = Netns.get();
  const a = Netns.new();
  const b = Netns.new();
  t.teardown(() => {
    home.close();
    a.close();
    b.close();
  });
  const inA = execNetnsSync(home, a, () => NetlinkSocket.open(0));
  const inB = execNetnsSync(home, b, () => NetlinkSocket.open(0));
  const atHome = NetlinkSocket.open(0);
  t.teardown(() => {
    inA.close();
    inB.close();
    atHome.close();
  });
  t.equal(await getNsid(inA, home), undefined);
  t.equal(await setNsid(inA, home, 3), 3, 'A calls the host 3');
  t.equal(await getNsid(inA, home), 3);
  t.equal(await getNsid(inB, home), undefined, 'B has no id for the host');
  t.equal(await getNsid(atHome, a), undefined, 'the host has no id for A');
  t.equal(await setNsid(inB, home, 3), 3, 'B may use the same number for the host');
});

t.test('named netns ids show in `ip netns list`', privileged, async (t) => {
  const sock = NetlinkSocket.open(0);
  const name = `nsid-${process.pid}`;
  const ns = Netns.newNamed(name);
  t.teardown(() => {
    sock.close();
    ns.close();
    Netns.deleteNamed(name);
  });
  await setNsid(sock, ns, 42);
  const line = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').find((l) => l.startsWith(name + ' '));
  t.match(line ?? '', /\(id: 42\)/);
});

t.test('bad ids and closed handles are refused before sending', privileged, async (t) => {
  const sock = NetlinkSocket.open(0);
  const ns = Netns.new();
  t.teardown(() => {
    sock.close();
    ns.close();
  });
  const before = sock.stats.requests;
  for (const id of [-1, -2, 1.5, 2 ** 31, NaN, '3' as unknown as number]) {
    await t.rejects(setNsid(sock, ns, id), InvalidArgumentError, `refuses ${String(id)}`);
  }
  const closed = Netns.new();
  closed.close();
  await t.rejects(getNsid(sock, closed), ClosedError);
  await t.rejects(setNsid(sock, closed, 1), ClosedError);
  t.equal(sock.stats.requests, before, 'nothing sent');
});

t.test('a target that is not a netns handle is an InvalidArgumentError naming it, and an fd beyond int range is never truncated', privileged, async (t) => {
  const sock = NetlinkSocket.open(0);
  const ns = Netns.new();
  await setNsid(sock, ns, 11);
  t.teardown(() => {
    sock.close();
    ns.close();
  });
  const before = sock.stats.requests;
  for (const [what, target, argument] of [
    ['null', null, 'target'],
    ['a raw fd number', ns.fd, 'target'],
    ['a name', 'blue', 'target'],
    // 2^32 + fd: the u32 attribute would have carried ns's fd and answered its id.
    ['fd 2^32 + a netns fd', { fd: 2 ** 32 + ns.fd }, 'target.fd'],
    ['fd -1', { fd: -1 }, 'target.fd'],
  ] as const) {
    const e = await getNsid(sock, target as unknown as Netns).catch((x: unknown) => x) as InvalidArgumentError;
    t.ok(e instanceof InvalidArgumentError, `getNsid, ${what}: ${e?.constructor?.name}: ${e?.message}`);
    t.equal(e.argument, argument, `getNsid, ${what}: names ${argument}`);
    await t.rejects(setNsid(sock, target as unknown as Netns, 12), InvalidArgumentError, `setNsid, ${what}`);
  }
  t.equal(sock.stats.requests, before, 'nothing sent');
  const closed = Netns.new();
  closed.close();
  const c = await getNsid(sock, closed).catch((x: unknown) => x) as ClosedError;
  t.ok(c instanceof ClosedError);
  t.match(c.message, /^target \(Netns [\d:]+\) is closed$/, 'the closed handle is named as the argument');
});

t.test('a sock that is not a NETLINK_ROUTE NetlinkSocket is an InvalidArgumentError naming sock, not a TypeError or a bare errno', privileged, async (t) => {
  const ns = Netns.new();
  const genl = NetlinkSocket.open(16); // NETLINK_GENERIC
  t.teardown(() => {
    ns.close();
    genl.close();
  });
  // null and {} threw "Cannot read properties of null (reading 'request')" / "sock.request
  // is not a function"; a generic netlink socket sent type 90 to genetlink and got a bare
  // "ENOENT: No such file or directory (type 90 fd N)".
  for (const [what, sock] of [['null', null], ['undefined', undefined], ['{}', {}], ['a number', 3], ['a NETLINK_GENERIC socket', genl]] as const) {
    const g = await getNsid(sock as unknown as NetlinkSocket, ns).catch((e: unknown) => e) as InvalidArgumentError;
    t.ok(g instanceof InvalidArgumentError, `getNsid, ${what}: ${g?.constructor?.name}: ${g?.message}`);
    t.equal(g.argument, 'sock', `getNsid, ${what}: names sock`);
    const s = await setNsid(sock as unknown as NetlinkSocket, ns, 4).catch((e: unknown) => e) as InvalidArgumentError;
    t.ok(s instanceof InvalidArgumentError, `setNsid, ${what}: ${s?.constructor?.name}: ${s?.message}`);
    t.equal(s.argument, 'sock', `setNsid, ${what}: names sock`);
  }
  t.match((await getNsid(genl, ns).catch((e: unknown) => e) as Error).message, /NETLINK_ROUTE/, 'says which socket it takes');
  t.equal(genl.stats.requests, 0, 'nothing sent');
  const route = NetlinkSocket.open(0);
  t.teardown(() => route.close());
  t.equal(await getNsid(route, ns), undefined, 'a NETLINK_ROUTE socket still works');
});
