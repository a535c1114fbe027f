// IpSet review: defects found against the kernel (ip_set_core.c, ip_set_hash_gen.h,
// ip_set_bitmap_ipmac.c) and `ipset` 7.17, each pinned by a test that failed before
// its fix. Privileged tests run in a fresh netns; `ipset` is the oracle where it has
// something to say.
import t from 'tap';
import { ClosedError, InvalidArgumentError, IpSet, NetlinkError } from '../../src/index.js';
import { privileged } from '../helpers.js';
import { fixture, ipset as run, tool } from './ipset-fixture.js';

/** `ipset ARGS` in the netns, whatever its exit (these tests read its refusals). */
const ipset = (nsPath: string, args: string[]): ReturnType<typeof run> => run(nsPath, args, false);

/** The rejection of `p`, or an Error saying what it resolved to. */
const err = async (p: Promise<unknown>): Promise<Error> => p.then((v) => new Error(`no error: resolved to ${String(v)}`), (x: Error) => x);

// ip_set_utest turns every refusal of the type's uadt (INVALID_CIDR, INVALID_PROTO,
// IPSET_ERR_PROTOCOL…) into -IPSET_ERR_EXIST, "not in the set": an entry the set cannot
// hold must be refused before it is sent, or test() answers false for a typo.
t.test('test() of an entry the set cannot hold is an InvalidArgumentError, not "not in the set"', tool, async (t) => {
  const { ns, ips } = fixture(t);
  await ips.create('a6', 'hash:ip', { family: 6 });
  await ips.add('a6', { ip: '2001:db8::' });
  t.not(ipset(ns.path, ['test', 'a6', '2001:db8::/64']).status, 0, 'ipset refuses 2001:db8::/64 for a hash:ip of inet6 (plain IP address must be supplied)');
  for (const [what, p, arg] of [
    ['an IPv6 prefix on hash:ip (test)', ips.test('a6', { ip: '2001:db8::', cidr: 64 }), 'entry.cidr'],
    ['an IPv6 prefix on hash:ip (add)', ips.add('a6', { ip: '2001:db8::', cidr: 64 }), 'entry.cidr'],
  ] as [string, Promise<unknown>, string][]) {
    const e = await err(p);
    t.ok(e instanceof InvalidArgumentError && e.argument === arg, `${what}: InvalidArgumentError naming ${arg} (${e.message})`);
  }
  t.equal(await ips.test('a6', { ip: '2001:db8::', cidr: 128 }), true, 'a host prefix (128) is the address itself');

  await ips.create('p6', 'hash:ip,port', { family: 6 });
  await ips.add('p6', { ip: '2001:db8::', port: 80 });
  const p6 = await err(ips.test('p6', { ip: '2001:db8::', cidr: 64, port: 80 }));
  t.ok(p6 instanceof InvalidArgumentError && p6.argument === 'entry.cidr', `an IPv6 prefix on hash:ip,port: refused (${p6.message})`);

  await ips.create('p4', 'hash:ip,port');
  await ips.add('p4', { ip: '10.0.0.1', port: 80 });
  t.not(ipset(ns.path, ['add', 'p4', '10.0.0.1,0:0']).status, 0, 'ipset: protocol 0 is refused');
  const p0 = await err(ips.test('p4', { ip: '10.0.0.1', port: 0, proto: 0 }));
  t.ok(p0 instanceof InvalidArgumentError && p0.argument === 'entry.proto', `protocol 0 (IPSET_ERR_INVALID_PROTO in add, "not in the set" in test): refused (${p0.message})`);

  await ips.create('bm', 'bitmap:ip,mac', { range: '10.0.0.0/24' });
  t.not(ipset(ns.path, ['add', 'bm', '10.0.0.0/28,02:00:00:00:00:01']).status, 0, 'ipset refuses a prefix on bitmap:ip,mac');
  const bm = await err(ips.add('bm', { ip: '10.0.0.0', cidr: 28, mac: '02:00:00:00:00:01' }));
  t.ok(bm instanceof InvalidArgumentError && bm.argument === 'entry.cidr', `a prefix on bitmap:ip,mac (the kernel's bare IPSET_ERR_PROTOCOL): refused (${bm.message})`);
  const bm32 = await err(ips.add('bm', { ip: '10.0.0.1', cidr: 32, mac: '02:00:00:00:00:01' }));
  t.ok(bm32 instanceof InvalidArgumentError && bm32.argument === 'entry.cidr', `even /32 on bitmap:ip,mac: refused (${bm32.message})`);
  t.ok(checkHostOnly('hash:ip,mac'), 'hash:ip,mac takes no prefix either (checked without a kernel that has it)');
});

import { checkEntry } from '../../src/nfnl/ipset.js';
function checkHostOnly(type: 'hash:ip,mac'): boolean {
  try {
    checkEntry({ ip: '10.0.0.0', cidr: 24, mac: '02:00:00:00:00:01' }, type);
    return false;
  } catch (e) {
    return e instanceof InvalidArgumentError && e.argument === 'entry.cidr';
  }
}

t.test('add(): exist that is not a boolean is refused, as del() and destroy() refuse it', tool, async (t) => {
  const { ips } = fixture(t);
  await ips.create('s', 'hash:ip');
  const sent = ips.sock.stats.requests;
  const e = await err(ips.add('s', { ip: '10.0.0.1' }, { exist: 1 as never }));
  t.ok(e instanceof InvalidArgumentError && e.argument === 'exist', `exist: 1 → InvalidArgumentError naming exist (${e.message})`);
  t.equal(ips.sock.stats.requests, sent, 'nothing sent');
  t.ok(!(e instanceof NetlinkError), 'not a kernel answer');
});

// add, del and test are two requests (IPSET_CMD_HEADER, then the command) and create is
// two the first time (IPSET_CMD_TYPE): calls made one after another without awaiting
// each must still reach the kernel in call order, as one request each would.
t.test('calls on one handle take effect in call order, also the two-request ones', tool, async (t) => {
  const { ns, ips } = fixture(t);
  const created = ips.create('x', 'hash:ip');
  const added = ips.add('x', { ip: '10.0.0.1' });
  const listed = ips.list('x');
  const tested = ips.test('x', { ip: '10.0.0.1' });
  const r = await Promise.allSettled([created, added, listed, tested]);
  t.same(r.map((x) => (x.status === 'rejected' ? (x.reason as Error).message : 'ok')), ['ok', 'ok', 'ok', 'ok'], 'create, then add to it, list and test it: none fails');
  t.same(r[2]!.status === 'fulfilled' ? (r[2].value as Awaited<typeof listed>)[0]!.members.map((m) => m.ip) : null, ['10.0.0.1'], 'the list sees the add made before it');
  t.equal(r[3]!.status === 'fulfilled' ? r[3].value : null, true, 'and so does the test');
  const many: Promise<unknown>[] = [];
  for (let i = 0; i < 50; i++) many.push(ips.add('x', { ip: `10.0.1.${i}` }));
  many.push(ips.destroy('x'));
  const r2 = await Promise.allSettled(many);
  t.equal(r2.filter((x) => x.status === 'rejected').length, 0, '50 adds then a destroy: the destroy comes last');
  t.equal(ipset(ns.path, ['list', '-n']).out.trim(), '', 'and x is gone');
  // A failed call does not stop the ones after it.
  const bad = ips.add('nope', { ip: '10.0.0.1' });
  const good = ips.create('y', 'hash:ip');
  t.equal((await err(bad) as NetlinkError).code, 'ENOENT', 'a call that fails');
  await good;
  t.pass('the next call still runs');
  const closedAdd = ips.add('y', { ip: '10.0.0.2' });
  ips.close();
  t.ok((await err(closedAdd)) instanceof ClosedError, 'a call queued before close() is a ClosedError when its turn comes');
});

t.test('error texts say what happened: destroy() of every set with one in use; create with exist of a different set', tool, async (t) => {
  const { ns, ips } = fixture(t);
  await ips.create('d', 'hash:ip');
  await ips.create('l', 'list:set');
  await ips.add('l', { name: 'd' });
  const busy = await err(ips.destroy());
  t.ok(busy instanceof NetlinkError && busy.code === 'IPSET_ERR_BUSY', `destroy() with a set in use: IPSET_ERR_BUSY (${busy.message})`);
  t.notMatch(busy.message, /any set is in use/, 'not "any set is in use"');
  t.match(busy.message, /a set is in use by a kernel component.*no set was destroyed/, 'says that some set is in use and nothing was destroyed');
  t.same(ipset(ns.path, ['list', '-n']).out.trim().split('\n').sort(), ['d', 'l'], 'ip_set_destroy checks every set first: both are still there');

  await ips.create('a', 'hash:ip', { timeout: 5 });
  const other = await err(ips.create('a', 'hash:ip', { timeout: 6, exist: true }));
  t.ok(other instanceof NetlinkError && other.code === 'EEXIST', `another set of that name, with exist: EEXIST (${other.message})`);
  t.notMatch(other.message, /accepted with exist: true/, 'does not tell a caller who passed exist: true to pass it');
  t.match(other.message, /a different set named a exists/, 'says the set there differs');
});

// The fixture test of ipset.test.ts checks the captured messages' flags only (nlkit's
// build() there passes 0): here the flags nlkit's calls send, beside what `ipset` 7.17
// sends for the same command (strace: create 0x600, add 0x200, add -exist 0, del 0x200,
// test 0, destroy 0x200, destroy -exist 0, flush/rename/swap 0; NLM_F_REQUEST|ACK aside).
t.test('the nlmsg flags of every call are ipset\'s: CREATE|EXCL, EXCL unless exist, none for test/flush/rename/swap', privileged, async (t) => {
  const { ips } = fixture(t);
  const sent: [string, number][] = [];
  const sock = ips.sock as unknown as Record<'requestWith', (...a: unknown[]) => unknown>;
  const orig = sock.requestWith.bind(ips.sock);
  sock.requestWith = (type: unknown, flags: unknown, ...rest: unknown[]) => {
    sent.push([String((type as number) & 0xff), flags as number]);
    return orig(type, flags, ...rest);
  };
  const flagsOf = async (p: Promise<unknown>): Promise<number[]> => {
    sent.length = 0;
    await p;
    return sent.filter(([c]) => c !== '12' && c !== '13').map(([, f]) => f); // HEADER and TYPE asked first
  };
  const EXCL = 0x200;
  const CREATE = 0x400;
  t.same(await flagsOf(ips.create('s', 'hash:ip')), [CREATE | EXCL], 'create: NLM_F_CREATE|NLM_F_EXCL');
  t.same(await flagsOf(ips.create('s', 'hash:ip', { exist: true })), [CREATE], 'create -exist: NLM_F_CREATE');
  t.same(await flagsOf(ips.add('s', { ip: '10.0.0.1' })), [EXCL], 'add: NLM_F_EXCL');
  t.same(await flagsOf(ips.add('s', { ip: '10.0.0.1' }, { exist: true })), [0], 'add -exist: none');
  t.same(await flagsOf(ips.test('s', { ip: '10.0.0.1' })), [0], 'test: none');
  t.same(await flagsOf(ips.del('s', { ip: '10.0.0.1' })), [EXCL], 'del: NLM_F_EXCL');
  t.same(await flagsOf(ips.del('s', { ip: '10.0.0.1' }, { exist: true })), [0], 'del -exist: none');
  await ips.create('u', 'hash:ip');
  t.same(await flagsOf(ips.flush('s')), [0], 'flush: none');
  t.same(await flagsOf(ips.swap('s', 'u')), [0], 'swap: none');
  t.same(await flagsOf(ips.rename('s', 'v')), [0], 'rename: none');
  t.same(await flagsOf(ips.destroy('v')), [EXCL], 'destroy: NLM_F_EXCL');
  t.same(await flagsOf(ips.destroy('v', { exist: true })), [0], 'destroy -exist: none');
});

// list_set_udel: -IPSET_ERR_REF_EXIST when the member is not right before/after the
// reference (or not there at all) — the reference may well be in the list.
t.test('list:set: IPSET_ERR_REF_EXIST says which, for add (reference not in the list) and del (not in that place)', tool, async (t) => {
  const { ns, ips } = fixture(t);
  for (const n of ['a', 'b', 'c', 'zz']) await ips.create(n, 'hash:ip');
  await ips.create('l', 'list:set');
  await ips.add('l', { name: 'a' });
  await ips.add('l', { name: 'b' });
  await ips.add('l', { name: 'c' });
  const add = await err(ips.add('l', { name: 'zz', after: 'nothere' }));
  t.ok(add instanceof NetlinkError && add.code === 'IPSET_ERR_NAMEREF', `after a set that does not exist: IPSET_ERR_NAMEREF (${add.message})`);
  await ips.create('nothere', 'hash:ip');
  const add2 = await err(ips.add('l', { name: 'zz', after: 'nothere' }));
  t.ok(add2 instanceof NetlinkError && add2.code === 'IPSET_ERR_REF_EXIST', `after a set not in the list: IPSET_ERR_REF_EXIST (${add2.message})`);
  t.match(add2.message, /nothere is not in set l/, 'add: names the reference that is not in the list');
  const del = await err(ips.del('l', { name: 'c', after: 'a' }));
  t.ok(del instanceof NetlinkError && del.code === 'IPSET_ERR_REF_EXIST', `del c after a, c being after b: IPSET_ERR_REF_EXIST (${del.message})`);
  t.notMatch(del.message, /reference set is not in the list/, 'del: not "the reference set is not in the list" (a is in it)');
  t.match(del.message, /c is not right after a in set l/, 'del: says c is not right after a');
  t.equal(ipset(ns.path, ['save', 'l']).out.split('\n').filter((x) => x.startsWith('add')).length, 3, 'nothing deleted');
});

// hash_ip4_uadt / bitmap_ip_uadt walk a range address by address and stop at the first
// refusal: an add of 10.0.0.0/29 with 10.0.0.5 there adds .0-.4 then answers
// IPSET_ERR_EXIST. The error must not say the whole range was there, and must say what was done.
t.test('a range add/del that stops half-way says so: the addresses before were added (deleted)', tool, async (t) => {
  const { ns, ips } = fixture(t);
  await ips.create('r', 'hash:ip');
  await ips.add('r', { ip: '10.0.0.5' });
  const add = await err(ips.add('r', { ip: '10.0.0.0', cidr: 29 }));
  t.ok(add instanceof NetlinkError && add.code === 'IPSET_ERR_EXIST', `IPSET_ERR_EXIST (${add.message})`);
  const saved = ipset(ns.path, ['save', 'r']).out.split('\n').filter((l) => l.startsWith('add')).length;
  t.equal(saved, 6, 'the kernel added .0-.4 before it met .5 (ipset save: 6 entries)');
  t.notMatch(add.message, /element 10\.0\.0\.0\/29 already exists/, 'not "element 10.0.0.0/29 already exists": it did not');
  t.match(add.message, /an address of 10\.0\.0\.0\/29 is already in set r.*before it were added/, 'says one address was there and those before it were added');
  await ips.create('b', 'bitmap:ip', { range: '10.0.0.0/24' });
  await ips.add('b', { ip: '10.0.0.0' });
  await ips.add('b', { ip: '10.0.0.1' });
  const del = await err(ips.del('b', { ip: '10.0.0.0', cidr: 30 }));
  t.ok(del instanceof NetlinkError && del.code === 'IPSET_ERR_EXIST', `del of a range not all there: IPSET_ERR_EXIST (${del.message})`);
  t.match(del.message, /an address of 10\.0\.0\.0\/30 is not in set b.*before it were deleted/, 'says so, and that those before it were deleted');
  t.equal(ipset(ns.path, ['save', 'b']).out.split('\n').filter((l) => l.startsWith('add')).length, 0, 'the kernel deleted .0 and .1 before it stopped at .2');
  const one = await err(ips.add('r', { ip: '10.0.0.5' }));
  t.match(one.message, /element 10\.0\.0\.5 already exists in set r/, 'a single address keeps its text');
  const net = IpSet.open({ netns: ns.fd });
  t.teardown(() => net.close());
  await net.create('n', 'hash:net');
  await net.add('n', { ip: '10.0.0.0', cidr: 29 });
  t.match((await err(net.add('n', { ip: '10.0.0.0', cidr: 29 }))).message, /element 10\.0\.0\.0\/29 already exists in set n/, 'a network of hash:net is one element: its text too');
});

// ENTRY_KEYS lets a listed member (with its timeout, comment, counters…) be passed back
// as an entry to del() and test(). In add() those keys were read by nobody: an entry
// { ip, timeout: 60 } became a permanent entry, { ip, comment: 'x' } one without comment.
t.test('add(): extension fields put in the entry instead of the options are refused, not dropped', tool, async (t) => {
  const { ns, ips } = fixture(t);
  await ips.create('s', 'hash:ip', { timeout: 0, comment: true });
  for (const [key, entry] of [
    ['timeout', { ip: '10.0.0.1', timeout: 60 }],
    ['comment', { ip: '10.0.0.1', comment: 'x' }],
  ] as [string, Record<string, unknown>][]) {
    const e = await err(ips.add('s', entry as never));
    t.ok(e instanceof InvalidArgumentError && e.argument === `entry.${key}`, `${key} in the entry: InvalidArgumentError naming entry.${key} (${e.message})`);
  }
  t.equal(ipset(ns.path, ['save', 's']).out.split('\n').filter((l) => l.startsWith('add')).length, 0, 'nothing added');
  await ips.add('s', { ip: '10.0.0.1' }, { timeout: 60, comment: 'x' });
  const [m] = (await ips.list('s'))[0]!.members;
  t.ok(m!.timeout! > 0 && m!.comment === 'x', 'as options they are added');
  t.equal(await ips.test('s', m!), true, 'a listed member (with its timeout and comment) is still an entry for test()');
  await ips.del('s', m!);
  t.pass('and for del()');
});

t.test('addMany: 2000 entries in one call equal ipset save; all or none on a clash; with exist nothing undone; bad entries refused unsent', tool, async (t) => {
  const { ns, ips } = fixture(t);
  await ips.create('big', 'hash:net,port', { timeout: 600, comment: true, maxelem: 4096 });
  const entries = Array.from({ length: 2000 }, (_, i) => ({ ip: `10.${i >> 8}.${i & 255}.0`, cidr: 24, port: 1000 + (i % 50), proto: i % 2 ? 'udp' as const : 'tcp' as const }));
  const req0 = ips.sock.stats.requests;
  await ips.addMany('big', entries, { timeout: 300, comment: 'bulk' });
  t.equal(ips.sock.stats.requests - req0, 2001, 'the set\'s header once, then one IPSET_CMD_ADD per entry');
  const saved = ipset(ns.path, ['save', 'big']).out.split('\n').filter((l) => l.startsWith('add big '));
  t.equal(saved.length, 2000, 'ipset save lists 2000 entries');
  t.ok(saved.every((l) => / timeout (29\d|300) comment "bulk"$/.test(l)), 'each with the call\'s timeout and comment');
  const want = new Set(entries.map((e) => `add big ${e.ip}/24,${e.proto}:${e.port}`));
  t.ok(saved.every((l) => want.has(l.replace(/ timeout.*$/, ''))), 'each one of the call\'s entries');

  // A clash in the middle, made by ipset: nothing of the call is left.
  await ips.create('s', 'hash:ip');
  t.equal(ipset(ns.path, ['add', 's', '192.0.2.5']).status, 0);
  const clash = Array.from({ length: 10 }, (_, i) => ({ ip: `192.0.2.${i}` }));
  const e = await err(ips.addMany('s', clash));
  t.ok(e instanceof NetlinkError && e.code === 'IPSET_ERR_EXIST', `the clash: IPSET_ERR_EXIST (${e.message})`);
  t.match(e.message, /element 192\.0\.2\.5 already exists in set s/, 'naming the entry');
  t.same(ipset(ns.path, ['save', 's']).out.split('\n').filter((l) => l.startsWith('add ')), ['add s 192.0.2.5'], "all or none: only ipset's entry is left");
  // With exist: no clash, and what is there stays.
  await ips.addMany('s', clash, { exist: true });
  t.equal(ipset(ns.path, ['save', 's']).out.split('\n').filter((l) => l.startsWith('add ')).length, 10, 'with exist: all ten there');

  // Refused before anything is sent, naming entries[i].
  const sent = ips.sock.stats.requests;
  const bad = async (p: Promise<unknown>, arg: string, what: string, sentAfter: number): Promise<void> => {
    const x = await err(p);
    t.ok(x instanceof InvalidArgumentError && x.argument === arg, `${what}: ${x.message}`);
    t.equal(ips.sock.stats.requests, sentAfter, `${what}: ${sentAfter - sent ? 'only the header asked' : 'nothing sent'}`);
  };
  await bad(ips.addMany('s', [{ ip: '192.0.2.1' }, { ip: '192.0.2.1', bogus: 1 } as never]), 'entries[1].bogus', 'an unknown key', sent);
  await bad(ips.addMany('s', [{ ip: '192.0.2.1', timeout: 5 } as never]), 'entries[0].timeout', 'an extension in an entry', sent);
  await bad(ips.addMany('s', {} as never), 'entries', 'not an array', sent);
  await bad(ips.addMany('s', [{ ip: '198.51.100.1' }, { ip: '2001:db8::1' }]), 'entries[1]', 'an IPv6 entry in an IPv4 set', sent + 1);
  await bad(ips.addMany('s', [{ ip: '198.51.100.1' }, { ip: '198.51.100.1' }]), 'entries[1]', 'the same entry twice', sent + 2);
  await bad(ips.addMany('s', [{ ip: '198.51.100.0', cidr: 30 }]), 'entries[0]', 'a range of hosts', sent + 3);
  t.equal(ipset(ns.path, ['save', 's']).out.split('\n').filter((l) => l.startsWith('add ')).length, 10, 'nothing added by any of them');
  const missing = await err(ips.addMany('nope', [{ ip: '192.0.2.1' }]));
  t.ok(missing instanceof NetlinkError && missing.code === 'ENOENT', `no such set: ENOENT (${missing.message})`);
  await ips.addMany('s', []);
  t.pass('an empty list');
});

// bitmap_ip_create: with a netmask shorter than 32 the range, widened to whole networks of
// it, must lie in one network (range_to_mask) of a prefix shorter than the netmask, or the
// kernel answers IPSET_ERR_BITMAP_RANGE — which nlkit explained as "the element is out of
// the set's range", on a create that has no element. The kernel's answer decides each case
// (ipset sends the same attributes); nlkit refuses the same ones before sending.
t.test('bitmap:ip create: a range the netmask does not fit is refused before sending, as the kernel refuses it', tool, async (t) => {
  const { ns, ips } = fixture(t);
  for (const [range, netmask] of [
    ['10.0.0.0/16', 16], ['10.0.0.0/16', 17], ['10.0.0.3-10.0.0.4', 31], ['10.0.0.1-10.0.0.5', 30], ['10.0.0.1-10.0.0.5', 29],
    ['10.0.0.0-10.0.2.255', 24], ['10.0.0.0/16', 8], ['10.0.0.0/8', 24], ['10.0.0.1-10.0.0.1', 31],
  ] as [string, number][]) {
    const kernel = ipset(ns.path, ['create', 'k', 'bitmap:ip', 'range', range, 'netmask', String(netmask)]);
    ipset(ns.path, ['destroy', 'k']);
    const sent = ips.sock.stats.requests;
    const e = await ips.create('n', 'bitmap:ip', { range, netmask }).then(() => undefined, (x: Error) => x);
    if (kernel.status === 0) {
      t.equal(e, undefined, `${range} netmask ${netmask}: the kernel takes it, and so does nlkit`);
    } else if (/exceeds the size limit/.test(kernel.err)) {
      t.ok(e instanceof NetlinkError && e.code === 'IPSET_ERR_BITMAP_RANGE_SIZE', `${range} netmask ${netmask}: too many networks, the kernel's IPSET_ERR_BITMAP_RANGE_SIZE (${e?.message})`);
    } else {
      t.ok(e instanceof InvalidArgumentError && e.argument === 'netmask' && ips.sock.stats.requests === sent,
        `${range} netmask ${netmask}: the kernel refuses it (${kernel.err.trim()}); nlkit before sending (${e?.message})`);
    }
    await ips.destroy('n', { exist: true });
  }
});

// list_set_uadt: IPSET_ERR_NAME when the member set does not exist, IPSET_ERR_NAMEREF when
// the before/after set does not. The text said "the set to add, delete or test does not
// exist (set l)", which reads as if the list l were missing; it names the missing set now.
t.test('list:set: IPSET_ERR_NAME and IPSET_ERR_NAMEREF name the set that does not exist, not the list', tool, async (t) => {
  const { ips } = fixture(t);
  await ips.create('a', 'hash:ip');
  await ips.create('l', 'list:set');
  await ips.add('l', { name: 'a' });
  for (const [what, p, code, re] of [
    ['add of a missing member', ips.add('l', { name: 'ghost' }), 'IPSET_ERR_NAME', /no set named ghost.*set l/],
    ['del of a missing member', ips.del('l', { name: 'ghost' }), 'IPSET_ERR_NAME', /no set named ghost.*set l/],
    ['add after a missing reference', ips.add('l', { name: 'a', after: 'nowhere' }), 'IPSET_ERR_NAMEREF', /no set named nowhere.*after/],
    ['add before a missing reference', ips.add('l', { name: 'a', before: 'nowhere' }), 'IPSET_ERR_NAMEREF', /no set named nowhere.*before/],
  ] as [string, Promise<unknown>, string, RegExp][]) {
    const e = await err(p);
    t.ok(e instanceof NetlinkError && e.code === code, `${what}: ${code} (${e.message})`);
    t.match(e.message, re, `${what}: names the missing set`);
    t.notMatch(e.message, /does not exist \(set l\)/, `${what}: does not read as if the list were missing`);
  }
});

// What the create options' docs say the kernel does with them (they said forceadd replaces
// a random entry instead of refusing, and list:set's size was "the most members"; neither
// is so): forceadd replaces only an entry of the new entry's own bucket (mtype_add), and a
// list:set is a linked list that takes members beyond its size, which is raised to 4.
t.test('create options as the kernel takes them: forceadd replaces within a bucket only; list:set size is no limit; bucketsize even', tool, async (t) => {
  const { ns, ips } = fixture(t);
  await ips.create('ff', 'hash:ip', { maxelem: 1, forceadd: true, hashsize: 64 });
  await ips.add('ff', { ip: '10.0.0.1' });
  let replaced = 0;
  let full = 0;
  // 1000 tries: the chance that none falls into the one occupied bucket of 64 is (63/64)^1000, about 1e-7.
  for (let i = 2; i < 1002; i++) {
    try {
      await ips.add('ff', { ip: `10.0.${i >> 8}.${i & 255}` });
      replaced++;
    } catch (e) {
      if (e instanceof NetlinkError && e.code === 'IPSET_ERR_HASH_FULL') full++;
      else throw e;
    }
  }
  t.ok(replaced > 0 && full > replaced, `forceadd on a full set: some adds replace an entry (${replaced}), most are refused (${full} HASH_FULL)`);
  t.equal((await ips.list('ff'))[0]!.entries, 1, 'still one entry');
  await ips.create('l', 'list:set', { size: 1 });
  for (let i = 0; i < 6; i++) {
    await ips.create(`s${i}`, 'hash:ip');
    await ips.add('l', { name: `s${i}` });
  }
  const l = (await ips.list('l'))[0]!;
  t.equal(l.size, 4, 'size 1 is raised to 4');
  t.equal(l.members.length, 6, 'and 6 members are taken all the same');
  t.match(ipset(ns.path, ['list', '-t', 'l']).out, /Header: size 4/, 'ipset lists the same size');
  await ips.create('b', 'hash:ip', { bucketsize: 3 });
  t.equal((await ips.list('b'))[0]!.bucketsize, 4, 'bucketsize 3 lists as 4');
});

// hash_ip4_uadt walks a range address by address and stops at the first refusal — also at
// IPSET_ERR_HASH_FULL, with every address before it added. The error said only "the set is
// full (maxelem reached)", as if nothing of the range had been added.
t.test('a range add that fills the set says the addresses before the refusal were added', tool, async (t) => {
  const { ns, ips } = fixture(t);
  await ips.create('h', 'hash:ip', { maxelem: 8 });
  const e = await err(ips.add('h', { ip: '10.0.0.0', cidr: 24 }));
  t.ok(e instanceof NetlinkError && e.code === 'IPSET_ERR_HASH_FULL', `IPSET_ERR_HASH_FULL (${e.message})`);
  const saved = ipset(ns.path, ['save', 'h']).out.split('\n').filter((l) => l.startsWith('add')).length;
  t.ok(saved >= 8, `the kernel added addresses of the range before it was full (ipset save: ${saved})`);
  t.match(e.message, /set h is full.*10\.0\.0\.0\/24.*before it were added/, 'says the set filled up part way through the range and those before were added');
  const one = await err(ips.add('h', { ip: '10.0.1.1' }));
  t.ok(one instanceof NetlinkError && one.code === 'IPSET_ERR_HASH_FULL', 'a single address: IPSET_ERR_HASH_FULL');
  t.notMatch(one.message, /before it were added/, 'a single address: nothing said of a range');
});

t.test('addMany: two entries the kernel holds for one element (a net not masked, a host with and without /32, IPv6 in another spelling, nomatch) are refused before any add is sent', tool, async (t) => {
  // Before, entries were compared as written: the kernel added the first, refused the
  // second with "IPSET_ERR_EXIST: element … already exists in set" (added by this very
  // call), and the first was deleted again.
  const { ns, ips } = fixture(t);
  await ips.create('n', 'hash:net');
  await ips.create('n6', 'hash:ip', { family: 6 });
  await ips.create('ni', 'hash:net,iface');
  const sent = ips.sock.stats.requests;
  const cases: [string, string, unknown[]][] = [
    ['a net with host bits', 'n', [{ ip: '10.0.0.0', cidr: 24 }, { ip: '10.0.0.1', cidr: 24 }]],
    ['a host with and without /32', 'n', [{ ip: '10.0.0.5' }, { ip: '10.0.0.5', cidr: 32 }]],
    ['nomatch', 'n', [{ ip: '10.0.0.0', cidr: 24 }, { ip: '10.0.0.0', cidr: 24, nomatch: true }]],
    ['IPv6 spelt twice', 'n6', [{ ip: '2001:db8::1' }, { ip: '2001:DB8:0::1' }]],
  ];
  let asked = 0;
  for (const [what, set, list] of cases) {
    const x = await err(ips.addMany(set, list as never));
    asked++;
    t.ok(x instanceof InvalidArgumentError && x.argument === 'entries[1]' && /repeats entries\[0\]/.test(x.message), `${what}: ${x.message}`);
    t.equal(ips.sock.stats.requests, sent + asked, `${what}: only the header asked`);
  }
  t.same(ipset(ns.path, ['save']).out.split('\n').filter((l) => l.startsWith('add ')), [], 'nothing added');
  // What ipset holds as two elements still goes in one call.
  await ips.addMany('ni', [{ ip: '10.0.0.0', cidr: 24, iface: 'eth0' }, { ip: '10.0.0.0', cidr: 24, iface: 'eth0', physdev: true }, { ip: '10.0.0.0', cidr: 24, iface: 'eth', wildcard: true }]);
  t.equal(ipset(ns.path, ['save', 'ni']).out.split('\n').filter((l) => l.startsWith('add ')).length, 3, 'physdev and wildcard make other elements');
});

t.test("addMany: two addresses a set's netmask or bitmask makes one element are refused before any add is sent, naming the mask", tool, async (t) => {
  // Before, the kernel added the first, refused the second with "element … already exists"
  // (added by this very call: 10.0.0.1 and 10.0.0.2 are both 10.0.0.0 under netmask 24),
  // and the first was deleted again.
  const { ns, ips } = fixture(t);
  await ips.create('m', 'hash:ip', { netmask: 24 });
  await ips.create('b', 'hash:ip', { bitmask: '255.255.0.255' });
  await ips.create('p', 'hash:ip,port', { netmask: 16 });
  await ips.create('bm', 'bitmap:ip', { range: '10.0.0.0/16', netmask: 24 });
  await ips.create('m6', 'hash:ip', { family: 6, netmask: 64 });
  const cases: [string, string, unknown[], RegExp][] = [
    ['hash:ip netmask 24', 'm', [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], /10\.0\.0\.2 repeats entries\[0\] \(10\.0\.0\.1\): one element for the kernel, as set m has netmask 24/],
    ['hash:ip bitmask', 'b', [{ ip: '10.1.2.3' }, { ip: '10.1.9.3' }], /set b has bitmask 255\.255\.0\.255/],
    ['hash:ip,port netmask 16', 'p', [{ ip: '10.1.2.3', proto: 'tcp', port: 80 }, { ip: '10.1.9.9', proto: 'tcp', port: 80 }], /netmask 16/],
    ['bitmap:ip netmask 24', 'bm', [{ ip: '10.0.1.1' }, { ip: '10.0.1.7' }], /netmask 24/],
    ['hash:ip family 6 netmask 64', 'm6', [{ ip: '2001:db8::1' }, { ip: '2001:db8::2' }], /netmask 64/],
  ];
  for (const [what, set, list, re] of cases) {
    const sent = ips.sock.stats.requests;
    const x = await err(ips.addMany(set, list as never));
    t.ok(x instanceof InvalidArgumentError && x.argument === 'entries[1]', `${what}: ${x.message}`);
    t.match(x.message, re, `${what}: says why`);
    t.ok(ips.sock.stats.requests - sent <= 2, `${what}: only the set's header asked, no add sent`);
  }
  t.same(ipset(ns.path, ['save']).out.split('\n').filter((l) => l.startsWith('add ')), [], 'nothing added');
  // Addresses the mask keeps apart still go in one call; so does one address alone.
  await ips.addMany('m', [{ ip: '10.0.0.1' }, { ip: '10.0.1.1' }]);
  await ips.addMany('p', [{ ip: '10.1.2.3', proto: 'tcp', port: 80 }, { ip: '10.1.9.9', proto: 'tcp', port: 81 }]);
  t.same(ipset(ns.path, ['save', 'm']).out.split('\n').filter((l) => l.startsWith('add ')).sort(), ['add m 10.0.0.0', 'add m 10.0.1.0'], 'two networks: two elements');
  t.equal(ipset(ns.path, ['save', 'p']).out.split('\n').filter((l) => l.startsWith('add ')).length, 2, 'other ports: two elements');
});

t.test('addMany on a list:set: a refusal undoes members added before/after another, and the error keeps its ipset name', tool, async (t) => {
  // Before, the undo deleted `b before a` with its reference after `a` was gone, which the
  // kernel refuses (IPSET_ERR_REF_EXIST): b and c stayed in the list, and the error was a
  // bare 'E4352: errno 4352' instead of the named IPSET_ERR_NAME for the missing member.
  const { ns, ips } = fixture(t);
  for (const n of ['a', 'b', 'c']) await ips.create(n, 'hash:ip');
  await ips.create('L', 'list:set');
  const x = await err(ips.addMany('L', [{ name: 'a' }, { name: 'b', before: 'a' }, { name: 'c', after: 'a' }, { name: 'zz' }]));
  t.ok(x instanceof NetlinkError && x.code === 'IPSET_ERR_NAME', `the missing member's refusal, named (${x.message})`);
  t.match(x.message, /no set named zz/, 'says which set is missing');
  t.notMatch(x.message, /rollback left/, 'nothing left behind');
  t.same(ipset(ns.path, ['save', 'L']).out.split('\n').filter((l) => l.startsWith('add ')), [], 'the list is as before the call');
});

t.test("hash:net,iface: an iface written as ipset writes a bridge port ('physdev:eth0') is refused, pointing at physdev: true", tool, async (t) => {
  // Before, it was stored as an interface literally named 'physdev:eth0', not a bridge
  // port: an entry no packet matches (':' is in no interface name), which `ipset save`
  // printed as the physdev entry `10.0.0.0/24,physdev:eth0` and a restore made into one.
  const { ns, ips } = fixture(t);
  await ips.create('x', 'hash:net,iface');
  for (const [what, p] of [
    ['add', ips.add('x', { ip: '10.0.0.0', cidr: 24, iface: 'physdev:eth0' })],
    ['test', ips.test('x', { ip: '10.0.0.0', cidr: 24, iface: 'physdev:eth0' })],
    ['addMany', ips.addMany('x', [{ ip: '10.0.0.0', cidr: 24, iface: 'physdev:eth0' }])],
  ] as [string, Promise<unknown>][]) {
    const e = await err(p);
    t.ok(e instanceof InvalidArgumentError && /^entr(y|ies\[0\])\.iface$/.test(e.argument) && /physdev: true/.test(e.message), `${what}: refused, naming physdev (${e.message})`);
  }
  t.same(ipset(ns.path, ['save', 'x']).out.split('\n').filter((l) => l.startsWith('add ')), [], 'nothing added');
  await ips.add('x', { ip: '10.0.0.0', cidr: 24, iface: 'eth0', physdev: true });
  t.same(ipset(ns.path, ['save', 'x']).out.split('\n').filter((l) => l.startsWith('add ')), ['add x 10.0.0.0/24,physdev:eth0'], 'physdev: true is the bridge port');
});

t.test('create with a hashsize the kernel cannot allocate: ENOMEM says it is the hashsize', tool, async (t) => {
  // Before: a bare 'ENOMEM: Cannot allocate memory (IPSET_CMD_CREATE h)', as if the machine
  // were out of memory. htable_size() refuses a table above INT_MAX bytes: 2^28 buckets.
  const { ns, ips } = fixture(t);
  t.not(ipset(ns.path, ['create', 'h0', 'hash:ip', 'hashsize', String(2 ** 27 + 1)]).status, 0, 'ipset is refused too');
  const e = await err(ips.create('h', 'hash:ip', { hashsize: 2 ** 27 + 1 }));
  t.ok(e instanceof NetlinkError && e.code === 'ENOMEM', `ENOMEM (${e.message})`);
  t.match(e.message, /hashsize 134217729/, 'names the hashsize');
  t.same(await ips.names(), [], 'nothing created');
});
