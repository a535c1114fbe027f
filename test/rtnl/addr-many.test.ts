// rt.addr.addMany: many addresses per sendmsg, all or none, checked against `ip -j addr`.
import t from 'tap';
import { ClosedError, InvalidArgumentError, NetlinkError } from '../../src/netlink/errors.js';
import { addrFixture, ip, ipJson, privileged } from '../helpers.js';

/** A fresh netns with veth v0/v1 (no automatic IPv6 link-local addresses), v0 up, and a handle in it. */
/** 'local/prefixlen' of every address `ip -j addr show dev DEV` lists, sorted. */
function ipAddrs(nsPath: string, dev: string): string[] {
  const [l] = ipJson<{ addr_info?: { local: string; prefixlen: number }[] }[]>(nsPath, ['addr', 'show', 'dev', dev]);
  return (l?.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`).sort();
}

const v4 = (i: number, len = 32): string => `198.18.${Math.floor(i / 250)}.${(i % 250) + 1}/${len}`;

t.test('1000 IPv4 addresses in one call: exactly what ip -j addr lists afterwards, in chunks of many per sendmsg', privileged, async (t) => {
  const { ns, rt } = addrFixture(t);
  const addrs = Array.from({ length: 1000 }, (_, i) => v4(i));
  const before = rt.sock.stats.requests;
  await rt.addr.addMany('v0', addrs);
  t.same(ipAddrs(ns.path, 'v0'), [...addrs].sort(), 'ip lists the 1000 addresses');
  t.equal(rt.sock.stats.requests - before, 1001, 'one RTM_NEWADDR per address, plus the link name lookup');
  t.equal(rt.sock.stats.waits, 0);
  const mine = (await rt.addr.list({ link: 'v0' })).map((a) => `${a.address}/${a.prefixLen}`).sort();
  t.same(mine, [...addrs].sort(), 'rt.addr.list agrees');
  await rt.addr.addMany('v0', []); // nothing to do
});

t.test('a refused address in the middle: rejection naming it, nothing of the call left (rollback across chunks)', privileged, async (t) => {
  const { ns, rt } = addrFixture(t);
  ip(ns.path, ['addr', 'add', v4(700), 'dev', 'v0']); // already there: the kernel says EEXIST for it
  const addrs = Array.from({ length: 1000 }, (_, i) => v4(i));
  const e = await rt.addr.addMany('v0', addrs).then(() => undefined, (x: unknown) => x) as NetlinkError;
  t.ok(e instanceof NetlinkError, `NetlinkError: ${String(e)}`);
  t.equal(e.code, 'EEXIST');
  t.match(e.message, /198\.18\.2\.201\/32 dev v0/, 'names the refused address and the link');
  t.same(ipAddrs(ns.path, 'v0'), [v4(700)], 'only the address that was there before');
  // The same with a small receive buffer (many small chunks) and IPv4 secondaries (/24):
  // deleting a primary would take its secondaries along; they go first.
  const s = addrFixture(t, { receiveBufferSize: 8192 });
  ip(s.ns.path, ['addr', 'add', '10.7.0.100/24', 'dev', 'v0']); // a primary; the call's 10.7.0.x would be its secondaries
  const list = Array.from({ length: 300 }, (_, i) => `10.${i < 150 ? 6 : 7}.0.${(i % 150) + 1}/24`);
  const e2 = await s.rt.addr.addMany('v0', list).then(() => undefined, (x: unknown) => x) as NetlinkError;
  t.equal(e2?.code, 'EEXIST');
  t.match(e2?.message, /10\.7\.0\.100\/24 dev v0/, 'the address that was already there (addresses[249])');
  t.same(ipAddrs(s.ns.path, 'v0'), ['10.7.0.100/24'], 'nothing of the call left, the address that was there kept');
});

t.test('bad input is refused before anything is sent', privileged, async (t) => {
  const { ns, rt } = addrFixture(t);
  const snapshot = JSON.stringify(ipJson(ns.path, ['addr']));
  const sent = rt.sock.stats.requests;
  const cases: [string, () => Promise<unknown>, RegExp][] = [
    ['malformed in the middle', () => rt.addr.addMany('v0', ['10.1.0.1/24', '10.1.0.300/24', '10.1.0.3/24']), /addresses\[1\].*not an IPv4 or IPv6 address/],
    ['repeat in the list', () => rt.addr.addMany('v0', ['10.1.0.1/24', '10.1.0.2/24', '10.1.0.1/24']), /addresses\[2\].*repeats addresses\[0\]/],
    ['IPv6 repeat with another prefix length', () => rt.addr.addMany('v0', ['2001:db8::1/64', '2001:db8::2/64', '2001:db8::1/128'], { nodad: true }), /addresses\[2\].*repeats addresses\[0\]/],
    ['nodad on an IPv4 entry', () => rt.addr.addMany('v0', ['2001:db8::1/64', '10.1.0.1/24'], { nodad: true }), /addresses\[1\]\.nodad/],
    ['bad entry option', () => rt.addr.addMany('v0', [{ address: '10.1.0.1/24', scope: 'planet' as never }]), /addresses\[0\]\.scope/],
    ['unknown shared option', () => rt.addr.addMany('v0', ['10.1.0.1/24'], { nodadd: true } as never), /invalid options\.nodadd: unknown option 'nodadd'/],
    ['not an array', () => rt.addr.addMany('v0', '10.1.0.1/24' as never), /expected an array/],
    ['bad link', () => rt.addr.addMany('a/b', ['10.1.0.1/24']), /contains "\/"/],
  ];
  for (const [name, fn, re] of cases) {
    const e = await fn().then(() => undefined, (x: unknown) => x);
    t.ok(e instanceof InvalidArgumentError, `${name}: InvalidArgumentError`);
    t.match(String((e as Error)?.message), re, `${name}: ${(e as Error)?.message}`);
  }
  t.equal(rt.sock.stats.requests, sent, 'nothing was sent');
  t.equal(JSON.stringify(ipJson(ns.path, ['addr'])), snapshot, 'nothing changed');
  const nodev = await rt.addr.addMany('nope0', ['10.1.0.1/24']).catch((e: unknown) => e) as NetlinkError;
  t.equal(nodev.code, 'ENODEV');
});

t.test('IPv6 with nodad, mixed with IPv4 by per-entry options: usable at once, as ip sees them', privileged, async (t) => {
  const { ns, rt } = addrFixture(t);
  ip(ns.path, ['link', 'set', 'v1', 'up']); // carrier: DAD would run
  const v6 = Array.from({ length: 200 }, (_, i) => ({ address: `2001:db8::${(i + 1).toString(16)}/64`, nodad: true }));
  await rt.addr.addMany('v0', [...v6, '10.1.0.1/24', { address: '10.1.0.2/24', label: 'v0:x' }]);
  const list = await rt.addr.list({ link: 'v0' });
  const six = list.filter((a) => a.family === 6);
  t.equal(six.length, 200);
  t.ok(six.every((a) => a.flags.includes('nodad') && !a.flags.includes('tentative')), 'nodad, not tentative');
  t.equal(list.find((a) => a.address === '10.1.0.2')?.label, 'v0:x');
  t.same(ipAddrs(ns.path, 'v0'), list.map((a) => `${a.address}/${a.prefixLen}`).sort(), 'ip agrees');
  // An IPv6 refusal rolls back IPv6 too.
  const e = await rt.addr.addMany('v0', [{ address: '2001:db8:1::1/64', nodad: true }, { address: '2001:db8::7/64', nodad: true }]).catch((x: unknown) => x) as NetlinkError;
  t.equal(e.code, 'EEXIST');
  t.match(e.message, /2001:db8::7\/64 dev v0/);
  t.notOk((await rt.addr.list({ link: 'v0', family: 6 })).some((a) => a.address === '2001:db8:1::1'), 'rolled back');
});

t.test('two entries the kernel holds for one address (same local address and mask, the peer in its network) are refused before anything is sent', privileged, async (t) => {
  // Before, only an identical peer counted as a repeat: the kernel took the first, refused
  // the second with "EEXIST … Address already assigned" (an address that was not there
  // before the call), and the first was deleted again.
  const { ns, rt } = addrFixture(t);
  const snapshot = JSON.stringify(ipJson(ns.path, ['addr']));
  const sent = rt.sock.stats.requests;
  const cases: [string, unknown[], string][] = [
    ['a peer in the address\'s own network', ['10.8.0.1/24', { address: '10.8.0.1/24', peer: '10.8.0.9' }], 'addresses[1]'],
    ['two peers in one network', [{ address: '10.8.0.1/24', peer: '10.9.0.2' }, { address: '10.8.0.1/24', peer: '10.9.0.3' }], 'addresses[1]'],
    ['the peer equal to the address', [{ address: '10.8.0.1/32', peer: '10.8.0.1' }, '10.8.0.1/32'], 'addresses[1]'],
  ];
  for (const [name, list, arg] of cases) {
    const e = await rt.addr.addMany('v0', list as never).then(() => undefined, (x: unknown) => x);
    t.ok(e instanceof InvalidArgumentError && e.argument === arg, `${name}: ${String(e)}`);
    t.match(String((e as Error)?.message), /repeats addresses\[0\]/, name);
  }
  t.equal(rt.sock.stats.requests, sent, 'nothing was sent');
  t.equal(JSON.stringify(ipJson(ns.path, ['addr'])), snapshot, 'nothing changed');
  // What the kernel holds as two addresses is still taken in one call, as ip adds them.
  await rt.addr.addMany('v0', [{ address: '10.8.0.1/24', peer: '10.9.0.2' }, { address: '10.8.0.1/24', peer: '10.10.0.2' }, '10.8.0.1/24', '10.8.0.1/16']);
  t.same(ipAddrs(ns.path, 'v0'), ['10.8.0.1/16', '10.8.0.1/24', '10.8.0.1/24', '10.8.0.1/24'], 'four addresses');
});

t.test('every addMany of a closed handle rejects with ClosedError, an empty list too (as Conntrack and IpSet do)', privileged, async (t) => {
  // Before, an empty list resolved on a closed Rtnl handle: a call that could not have
  // done anything looked like one that had nothing to do.
  const { rt } = addrFixture(t);
  rt.close();
  const calls: [string, () => Promise<unknown>][] = [
    ['addr', () => rt.addr.addMany('v0', [])],
    ['link', () => rt.link.addMany([])],
    ['route', () => rt.route.addMany([])],
    ['neigh', () => rt.neigh.addMany([])],
    ['addr, not empty', () => rt.addr.addMany(1, ['10.0.0.1/24'])],
  ];
  for (const [what, fn] of calls) {
    const e = await fn().then(() => undefined, (x: unknown) => x);
    t.ok(e instanceof ClosedError, `${what}: ${String(e)}`);
  }
});
