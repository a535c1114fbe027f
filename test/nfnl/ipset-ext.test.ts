// IpSet: the hash:net,iface interface wildcard, the bitmask of hash:ip, hash:ip,port and
// hash:net,net (Linux 6.1+), and the attributes of a listed set nlkit does not decode —
// each checked against `ipset` 7.17 both ways (nlkit makes, the tool reads; the tool
// makes, nlkit lists) and against the kernel's own answers, in a fresh netns. The request
// bytes are in ipset.test.ts (test/fixtures/ipset, captured under strace).
import t from 'tap';
import { InvalidArgumentError, MessageWriter, NetlinkError, type IpSetInfo } from '../../src/index.js';
import { checkCreate, checkEntry, checkExt, decodeListPart, joinListParts, writeAdt, writeCreate } from '../../src/nfnl/ipset.js';
import { fixture, ipset, tool } from './ipset-fixture.js';


const err = async (p: Promise<unknown>): Promise<Error> => p.then((v) => new Error(`no error: resolved to ${String(v)}`), (x: Error) => x);

/** `ipset save NAME`'s add lines, without "add NAME ". */
const saved = (nsPath: string, name: string): string[] => ipset(nsPath, ['save', name]).out.split('\n').filter((l) => l.startsWith('add ')).map((l) => l.slice(`add ${name} `.length)).sort();
/** `ipset save NAME`'s create line. */
const created = (nsPath: string, name: string): string => ipset(nsPath, ['save', name]).out.split('\n').find((l) => l.startsWith('create '))!;
const toolTest = (nsPath: string, args: string[]): boolean => ipset(nsPath, ['test', ...args], false).status === 0;

const CMD = (cmd: number): number => (6 << 8) | cmd; // NFNL_SUBSYS_IPSET << 8 | IPSET_CMD_*

t.test('wildcard: nlkit adds, ipset reads; ipset adds, nlkit lists; both answer test() alike', tool, async (t) => {
  const { ns, ips } = fixture(t);
  await ips.create('w', 'hash:net,iface');
  await ips.add('w', { ip: '10.0.0.0', cidr: 24, iface: 'eth', wildcard: true });
  await ips.add('w', { ip: '10.1.0.0', cidr: 24, iface: 'br', physdev: true, nomatch: true, wildcard: true });
  await ips.addMany('w', [{ ip: '10.2.0.0', cidr: 24, iface: 'veth', wildcard: true }, { ip: '10.3.0.0', cidr: 24, iface: 'eth' }]);
  t.same(saved(ns.path, 'w'), ['10.0.0.0/24,eth wildcard', '10.1.0.0/24,physdev:br nomatch wildcard', '10.2.0.0/24,veth wildcard', '10.3.0.0/24,eth'], 'ipset save shows the wildcard on the entries nlkit made with it, and only there');
  const xml = ipset(ns.path, ['list', '-o', 'xml', 'w']).out;
  t.match(xml, '<member><elem>10.0.0.0/24,eth</elem><wildcard/></member>', 'ipset list -o xml: <wildcard/>');

  // ipset's element syntax and nlkit's entries, tested both ways: the prefix matches, the name must start with it.
  for (const [elem, entry, want] of [
    ['10.0.0.9,eth0', { ip: '10.0.0.9', iface: 'eth0' }, true],
    ['10.0.0.9,eth', { ip: '10.0.0.9', iface: 'eth' }, true],
    ['10.0.0.9,et', { ip: '10.0.0.9', iface: 'et' }, false],
    ['10.0.0.9,xeth0', { ip: '10.0.0.9', iface: 'xeth0' }, false],
    ['10.3.0.9,eth0', { ip: '10.3.0.9', iface: 'eth0' }, false], // 10.3.0.0/24,eth is no wildcard
    ['10.3.0.9,eth', { ip: '10.3.0.9', iface: 'eth' }, true],
    ['10.2.0.9,veth1234', { ip: '10.2.0.9', iface: 'veth1234' }, true],
  ] as const) {
    t.equal(toolTest(ns.path, ['w', elem]), want, `ipset test w ${elem}: ${want}`);
    t.equal(await ips.test('w', entry), want, `nlkit test ${elem}: ${want}, as ipset`);
  }
  // ipset takes `wildcard` on add only ("Unknown argument" on test and del); the kernel
  // ignores the flag of a lookup (hash_netiface4_data_equal reads the stored entry's).
  t.not(ipset(ns.path, ['test', 'w', '10.0.0.9,eth0', 'wildcard'], false).status, 0, 'ipset test … wildcard: refused by the tool');
  t.equal(await ips.test('w', { ip: '10.0.0.9', iface: 'eth0', wildcard: true }), true, 'nlkit test with the flag: the same answer as without');
  t.equal(await ips.test('w', { ip: '10.0.0.9', iface: 'et', wildcard: true }), false, '… also for a name the stored prefix does not start');

  // The tool adds; nlkit lists.
  ipset(ns.path, ['create', 'k', 'hash:net,iface', 'family', 'inet6']);
  ipset(ns.path, ['add', 'k', '2001:db8::/32,eth', 'wildcard']);
  ipset(ns.path, ['add', 'k', '2001:db8:1::/48,physdev:br', 'nomatch', 'wildcard']);
  ipset(ns.path, ['add', 'k', '2001:db8:2::/48,lo']);
  const [k] = await ips.list('k');
  const members = [...k!.members].sort((a, b) => (a.ip! < b.ip! ? -1 : 1));
  t.same(members, [
    { ip: '2001:db8:1::', cidr: 48, iface: 'br', physdev: true, nomatch: true, wildcard: true },
    { ip: '2001:db8:2::', cidr: 48, iface: 'lo' },
    { ip: '2001:db8::', cidr: 32, iface: 'eth', wildcard: true },
  ], 'made by ipset: listed with wildcard: true where ipset save says wildcard (IPSET_FLAG_IFACE_WILDCARD in the entry\'s CADT_FLAGS)');
  t.same(saved(ns.path, 'k'), ['2001:db8:1::/48,physdev:br nomatch wildcard', '2001:db8:2::/48,lo', '2001:db8::/32,eth wildcard'], 'ipset save of the same set');
  // A listed member passed back: del() takes it, flag and all.
  for (const m of members) await ips.del('k', m);
  t.same(saved(ns.path, 'k'), [], 'every listed member deleted by del(member)');
});

t.test('wildcard: what the kernel does with it, as ipset sees it', tool, async (t) => {
  const { ns, ips } = fixture(t);
  await ips.create('w', 'hash:net,iface');
  await ips.add('w', { ip: '10.0.0.0', cidr: 24, iface: 'eth', wildcard: true });
  // The stored wildcard entry matches eth0: adding it is adding what is there.
  const again = await err(ips.add('w', { ip: '10.0.0.0', cidr: 24, iface: 'eth0' }));
  t.ok(again instanceof NetlinkError && again.code === 'IPSET_ERR_EXIST', `add 10.0.0.0/24,eth0 after …,eth wildcard: IPSET_ERR_EXIST (${again.message})`);
  t.not(ipset(ns.path, ['add', 'w', '10.0.0.0/24,eth0'], false).status, 0, 'ipset add 10.0.0.0/24,eth0: refused too ("already added")');
  // … and a del of eth0, without the flag, deletes the stored eth wildcard entry.
  await ips.del('w', { ip: '10.0.0.0', cidr: 24, iface: 'eth0' });
  t.same(saved(ns.path, 'w'), [], 'del 10.0.0.0/24,eth0 (no flag) deleted the stored 10.0.0.0/24,eth wildcard');
  ipset(ns.path, ['add', 'w', '10.0.0.0/24,eth', 'wildcard']);
  ipset(ns.path, ['del', 'w', '10.0.0.0/24,eth0']);
  t.same(saved(ns.path, 'w'), [], 'ipset del 10.0.0.0/24,eth0 does the same (the kernel\'s doing, not nlkit\'s)');
  // Without the flag the same entry is a name, matched whole.
  await ips.add('w', { ip: '10.0.0.0', cidr: 24, iface: 'eth' });
  await ips.add('w', { ip: '10.0.0.0', cidr: 24, iface: 'eth0' });
  t.same(saved(ns.path, 'w'), ['10.0.0.0/24,eth', '10.0.0.0/24,eth0'], 'no wildcard: eth and eth0 are two entries');
  const late = await err(ips.add('w', { ip: '10.0.0.0', cidr: 24, iface: 'eth', wildcard: true }));
  t.ok(late instanceof NetlinkError && late.code === 'IPSET_ERR_EXIST', `…,eth wildcard on top of a plain …,eth: IPSET_ERR_EXIST, as ipset ("already added") (${late.message})`);
});

t.test('wildcard: refused for the other types and on a hash:net,iface older than revision 7, before anything is added', tool, async (t) => {
  const { ns, ips } = fixture(t);
  await ips.create('n', 'hash:net');
  await ips.create('i', 'hash:ip');
  await ips.create('w', 'hash:net,iface');
  t.not(ipset(ns.path, ['add', 'n', '10.0.0.0/24', 'wildcard'], false).status, 0, 'ipset add (hash:net) … wildcard: refused by the tool');
  let sent = ips.sock.stats.requests;
  for (const [what, p, arg] of [
    ['wildcard on hash:net', ips.add('n', { ip: '10.0.0.0', cidr: 24, wildcard: true }), 'entry.wildcard'],
    ['wildcard on hash:ip (del)', ips.del('i', { ip: '10.0.0.1', wildcard: false }), 'entry.wildcard'],
    ['wildcard on hash:ip (test)', ips.test('i', { ip: '10.0.0.1', wildcard: true }), 'entry.wildcard'],
    ['a wildcard that is not a boolean', ips.add('w', { ip: '10.0.0.0', cidr: 24, iface: 'eth', wildcard: 1 as never }), 'entry.wildcard'],
    ['addMany: wildcard on hash:net', ips.addMany('n', [{ ip: '10.0.0.0', cidr: 24 }, { ip: '10.1.0.0', cidr: 24, wildcard: true }]), 'entries[1].wildcard'],
  ] as [string, Promise<unknown>, string][]) {
    const e = await err(p);
    t.ok(e instanceof InvalidArgumentError && e.argument === arg, `${what}: InvalidArgumentError naming ${arg} (${e.message})`);
  }
  t.equal(ips.sock.stats.requests - sent, 5, 'one request each: the set\'s header (IPSET_CMD_HEADER), nothing else');
  t.same([saved(ns.path, 'n'), saved(ns.path, 'i'), saved(ns.path, 'w')], [[], [], []], 'no entry added');

  // A set of revision 6 (made by hand: ipset and nlkit make the newest): ipset's type of
  // that revision has no wildcard, and nlkit says so too.
  await ips.sock.requestWith(CMD(2), 0x600, writeCreate, { ...checkCreate('old', 'hash:net,iface', {}), revision: 6 });
  t.equal((await ips.list('old'))[0]!.revision, 6, 'a hash:net,iface of revision 6');
  t.not(ipset(ns.path, ['add', 'old', '10.0.0.0/24,eth', 'wildcard'], false).status, 0, 'ipset add (revision 6) … wildcard: refused by the tool');
  sent = ips.sock.stats.requests;
  const old = await err(ips.add('old', { ip: '10.0.0.0', cidr: 24, iface: 'eth', wildcard: true }));
  t.ok(old instanceof InvalidArgumentError && old.argument === 'entry.wildcard' && /revision 6/.test(old.message), `revision 6: InvalidArgumentError naming entry.wildcard (${old.message})`);
  t.equal(ips.sock.stats.requests - sent, 1, 'only the header was asked');
  await ips.add('old', { ip: '10.0.0.0', cidr: 24, iface: 'eth' });
  t.same(saved(ns.path, 'old'), ['10.0.0.0/24,eth'], 'the same entry without the wildcard is taken');
});

t.test('bitmask: nlkit creates, ipset reads; ipset creates, nlkit lists; the kernel masks every address', tool, async (t) => {
  const { ns, ips } = fixture(t);
  await ips.create('b4', 'hash:ip', { bitmask: '255.0.255.0' });
  await ips.create('b6', 'hash:ip', { family: 6, bitmask: 'ffff:ffff::' });
  await ips.create('bp', 'hash:ip,port', { bitmask: '255.255.0.0' });
  t.match(created(ns.path, 'b4'), / bitmask 255\.0\.255\.0 /, `ipset save: ${created(ns.path, 'b4')}`);
  t.match(created(ns.path, 'b6'), / bitmask ffff:ffff:: /, `ipset save: ${created(ns.path, 'b6')}`);
  t.match(created(ns.path, 'bp'), / bitmask 255\.255\.0\.0/, `ipset save: ${created(ns.path, 'bp')}`);
  t.notMatch(created(ns.path, 'b4'), /netmask/, 'no netmask beside it');
  await ips.add('b4', { ip: '10.20.30.40' });
  t.same(saved(ns.path, 'b4'), ['10.0.30.0'], 'add 10.20.30.40: stored as 10.0.30.0 (a mask that is no prefix, applied bit for bit)');
  const dup = await err(ips.add('b4', { ip: '10.21.30.41' }));
  t.ok(dup instanceof NetlinkError && dup.code === 'IPSET_ERR_EXIST', `10.21.30.41 masks to the same: IPSET_ERR_EXIST (${dup.message})`);
  t.not(ipset(ns.path, ['add', 'b4', '10.21.30.41'], false).status, 0, 'ipset add b4 10.21.30.41: refused the same way');
  t.equal(await ips.test('b4', { ip: '10.99.30.1' }), true, 'test 10.99.30.1: in the set (masks to 10.0.30.0)');
  t.equal(toolTest(ns.path, ['b4', '10.99.30.1']), true, 'ipset test says the same');
  await ips.add('bp', { ip: '10.1.2.3', port: 80 });
  t.same(saved(ns.path, 'bp'), ['10.1.0.0,tcp:80'], 'hash:ip,port: 10.1.2.3 stored as 10.1.0.0');

  // The tool creates; nlkit lists the header as ipset list -o xml prints it.
  ipset(ns.path, ['create', 'k4', 'hash:ip', 'bitmask', '255.255.0.0']);
  ipset(ns.path, ['create', 'k6', 'hash:ip', 'family', 'inet6', 'bitmask', 'ffff:0:ffff::']);
  ipset(ns.path, ['create', 'kp', 'hash:ip,port', 'bitmask', '255.255.255.0']);
  ipset(ns.path, ['create', 'kn', 'hash:ip,port', 'netmask', '24']);
  ipset(ns.path, ['create', 'ones', 'hash:ip', 'bitmask', '255.255.255.255']);
  const xml = ipset(ns.path, ['list', '-o', 'xml']).out;
  const listed = new Map((await ips.list()).map((s) => [s.name, s]));
  for (const [name, mask] of [['k4', '255.255.0.0'], ['k6', 'ffff:0:ffff::'], ['kp', '255.255.255.0'], ['b4', '255.0.255.0'], ['b6', 'ffff:ffff::'], ['bp', '255.255.0.0']]) {
    // The set's own <ipset> element only (a lazy match across sets would take the next one's mask).
    const el = new RegExp(`<ipset name="${name}">(?:(?!</ipset>).)*</ipset>`, 's').exec(xml)?.[0] ?? '';
    t.equal(/<bitmask>([^<]*)<\/bitmask>/.exec(el)?.[1], mask, `${name}: ipset list -o xml says bitmask ${mask}`);
    t.equal(listed.get(name)?.bitmask, mask, `${name}: listed by nlkit as the same`);
    t.same(listed.get(name)?.unknown, [], `${name}: no header attribute left undecoded`);
  }
  t.equal(listed.get('kn')?.netmask, 24, 'hash:ip,port netmask 24 (made by ipset): listed');
  t.equal(listed.get('kn')?.bitmask, undefined, '… without a bitmask (the kernel sends one only when there is no netmask)');
  t.equal(listed.get('ones')?.bitmask, undefined, 'an all-ones bitmask: not in the header (the kernel leaves it out), as ipset list shows none');
  t.notMatch(created(ns.path, 'ones'), /bitmask/, 'ipset save: no bitmask either');
});

t.test('bitmask: a range of hosts on a masked set is refused — the kernel would mask its first address only', tool, async (t) => {
  const { ns, ips } = fixture(t);
  // What ipset (and so the kernel) does with one: the first address masked, the rest
  // stored unmasked, entries that no lookup matches; a del of one removes another.
  ipset(ns.path, ['create', 'k', 'hash:ip', 'bitmask', '255.255.0.0']);
  ipset(ns.path, ['add', 'k', '10.1.2.0/30']);
  t.same(saved(ns.path, 'k'), ['10.1.0.0', '10.1.0.1', '10.1.0.2', '10.1.0.3'], 'ipset add k 10.1.2.0/30 (bitmask 255.255.0.0): 10.1.0.0 and three unmasked entries');
  ipset(ns.path, ['del', 'k', '10.1.0.3']);
  t.same(saved(ns.path, 'k'), ['10.1.0.1', '10.1.0.2', '10.1.0.3'], 'ipset del k 10.1.0.3 removed 10.1.0.0, not 10.1.0.3');
  t.equal(toolTest(ns.path, ['k', '10.1.0.3']), false, 'and ipset test k 10.1.0.3 says no, though it is listed');
  ipset(ns.path, ['create', 'kn', 'hash:ip,port', 'netmask', '24']);
  ipset(ns.path, ['add', 'kn', '10.1.2.0/30,tcp:80']);
  t.same(saved(ns.path, 'kn'), ['10.1.2.0,tcp:80', '10.1.2.1,tcp:80', '10.1.2.2,tcp:80', '10.1.2.3,tcp:80'], 'hash:ip,port netmask 24: the range is not masked either');

  await ips.create('b', 'hash:ip', { bitmask: '255.255.0.0' });
  await ips.create('bp', 'hash:ip,port', { bitmask: '255.255.255.0' });
  await ips.create('np', 'hash:ip,port', { netmask: 24 });
  for (const [name, f] of [
    ['b (add)', () => ips.add('b', { ip: '10.1.2.0', cidr: 30 })],
    ['b (del)', () => ips.del('b', { ip: '10.1.2.0', cidr: 30 }, { exist: true })],
    ['bp', () => ips.add('bp', { ip: '10.1.2.0', cidr: 30, port: 80 })],
    ['np', () => ips.add('np', { ip: '10.1.2.0', cidr: 30, port: 80 }, { exist: true })],
  ] as [string, () => Promise<unknown>][]) {
    const sent = ips.sock.stats.requests;
    const e = await err(f());
    t.ok(e instanceof InvalidArgumentError && e.argument === 'entry.cidr' && /masks only the first address/.test(e.message), `${name}: InvalidArgumentError naming entry.cidr (${e.message})`);
    t.equal(ips.sock.stats.requests - sent, 2, `${name}: two requests, the set's header and its list header; no add or del`);
  }
  t.same([saved(ns.path, 'b'), saved(ns.path, 'bp'), saved(ns.path, 'np')], [[], [], []], 'nothing added');
  // The kernel takes a bitmask whatever revision a create names: a set of revision 5 has one too.
  await ips.sock.requestWith(CMD(2), 0x600, writeCreate, { ...checkCreate('old', 'hash:ip', { bitmask: '255.255.0.0' }), revision: 5 });
  const [old] = await ips.list('old');
  t.same([old!.revision, old!.bitmask], [5, '255.255.0.0'], 'a hash:ip of revision 5 made by hand with a bitmask: the kernel keeps both');
  const e5 = await err(ips.add('old', { ip: '10.1.2.0', cidr: 30 }));
  t.ok(e5 instanceof InvalidArgumentError && e5.argument === 'entry.cidr', `its range refused too (${e5.message})`);
  t.same(saved(ns.path, 'old'), [], 'nothing added to it');

  // Single addresses, and ranges where the mask is a prefix walked network by network (hash:ip's netmask) or absent, still go.
  await ips.add('b', { ip: '10.1.2.3' });
  await ips.add('bp', { ip: '10.1.2.3', port: 80 });
  t.same([saved(ns.path, 'b'), saved(ns.path, 'bp')], [['10.1.0.0'], ['10.1.2.0,tcp:80']], 'single addresses masked as they should');
  await ips.create('n', 'hash:ip', { netmask: 24 });
  await ips.add('n', { ip: '10.1.2.0', cidr: 23 });
  t.same(saved(ns.path, 'n'), ['10.1.2.0', '10.1.3.0'], 'hash:ip netmask 24, 10.1.2.0/23: two networks, as it should');
  await ips.create('p', 'hash:ip,port');
  await ips.add('p', { ip: '10.1.2.0', cidr: 31, port: 80 });
  t.same(saved(ns.path, 'p'), ['10.1.2.0,tcp:80', '10.1.2.1,tcp:80'], 'an unmasked hash:ip,port: a range is taken');
});

t.test('bitmask: an address of a hash:ip,port that masks to zero — the kernel\'s plain EINVAL, explained', tool, async (t) => {
  const { ns, ips } = fixture(t);
  await ips.create('q', 'hash:ip,port', { bitmask: '255.0.0.0' });
  t.match(ipset(ns.path, ['add', 'q', '0.1.2.3,tcp:80'], false).err, /Invalid argument/, 'ipset add q 0.1.2.3,tcp:80: the kernel answers a bare EINVAL');
  for (const [what, f] of [
    ['add', () => ips.add('q', { ip: '0.1.2.3', port: 80 })],
    ['del', () => ips.del('q', { ip: '0.1.2.3', port: 80 })],
    ['addMany', () => ips.addMany('q', [{ ip: '10.1.2.3', port: 80 }, { ip: '0.1.2.3', port: 80 }])],
  ] as [string, () => Promise<unknown>][]) {
    const e = await err(f());
    t.ok(e instanceof NetlinkError && e.code === 'EINVAL' && /all zeros once masked with set q's bitmask or netmask/.test(e.message), `${what}: EINVAL that says why (${e.message})`);
  }
  t.same(saved(ns.path, 'q'), [], 'nothing stays added');
  await ips.create('h', 'hash:ip', { bitmask: '255.0.0.0' });
  const e = await err(ips.add('h', { ip: '0.1.2.3' }));
  t.ok(e instanceof NetlinkError && e.code === 'IPSET_ERR_HASH_ELEM', `hash:ip says it with its own errno, IPSET_ERR_HASH_ELEM (${e.message})`);
});

t.test('bitmask: the kernel\'s answers to what nlkit refuses, and the refusals', tool, async (t) => {
  const { ns, ips } = fixture(t);
  const raw = async (name: string, type: 'hash:ip' | 'hash:net' | 'hash:ip,port', netmask: number | undefined, bitmask: number[], revision: number): Promise<unknown> =>
    ips.sock.requestWith(CMD(2), 0x600, writeCreate, { ...checkCreate(name, type, {}), netmask, bitmask: Uint8Array.from(bitmask), revision }).then(() => 'created', (e: unknown) => e);
  // Both: the kernel's IPSET_ERR_BITMASK_NETMASK_EXCL (4115); ipset refuses them itself.
  const both = await raw('x', 'hash:ip', 24, [255, 255, 0, 0], 6);
  t.ok(both instanceof NetlinkError && both.errno === 4115, `netmask and bitmask, sent by hand: errno 4115, IPSET_ERR_BITMASK_NETMASK_EXCL (${String(both)})`);
  t.match(ipset(ns.path, ['create', 'x', 'hash:ip', 'netmask', '24', 'bitmask', '255.255.0.0'], false).err, /mutually exclusive/, 'ipset: "bitmask and netmask are mutually exclusive"');
  const zero = await raw('x', 'hash:ip', undefined, [0, 0, 0, 0], 6);
  t.ok(zero instanceof NetlinkError && zero.errno === 4105, `an all-zero bitmask, sent by hand: errno 4105, IPSET_ERR_INVALID_NETMASK (${String(zero)})`);
  // hash:net has no bitmask in its create policy: the kernel refuses the create with the
  // bare protocol error, which says nothing of the mask — why nlkit refuses it first.
  const hn = await raw('hn', 'hash:net', undefined, [255, 255, 0, 0], 7);
  t.ok(hn instanceof NetlinkError && hn.errno === 4097, `hash:net with a bitmask, sent by hand: errno 4097, IPSET_ERR_PROTOCOL (${String(hn)})`);
  t.not(ipset(ns.path, ['create', 'x', 'hash:net', 'bitmask', '255.255.0.0'], false).status, 0, 'ipset create hash:net … bitmask: refused by the tool ("Unknown argument")');

  const sent = ips.sock.stats.requests;
  for (const [what, p, arg] of [
    ['bitmask and netmask', ips.create('x', 'hash:ip', { netmask: 24, bitmask: '255.255.0.0' }), 'bitmask'],
    ['a bitmask on hash:net', ips.create('x', 'hash:net', { bitmask: '255.255.0.0' }), 'bitmask'],
    ['a bitmask on bitmap:ip', ips.create('x', 'bitmap:ip', { range: '10.0.0.0/24', bitmask: '255.255.255.0' }), 'bitmask'],
    ['an IPv6 mask on an IPv4 set', ips.create('x', 'hash:ip', { bitmask: 'ffff::' }), 'bitmask'],
    ['an IPv4 mask on an IPv6 set', ips.create('x', 'hash:ip', { family: 6, bitmask: '255.255.0.0' }), 'bitmask'],
    ['an all-zero mask', ips.create('x', 'hash:ip', { bitmask: '0.0.0.0' }), 'bitmask'],
    ['a prefix length for a bitmask', ips.create('x', 'hash:ip', { bitmask: 16 as never }), 'bitmask'],
    ['a malformed mask', ips.create('x', 'hash:ip', { bitmask: '255.255.0' }), 'bitmask'],
    ['a netmask on hash:net', ips.create('x', 'hash:net', { netmask: 24 }), 'netmask'],
  ] as [string, Promise<unknown>, string][]) {
    const e = await err(p);
    t.ok(e instanceof InvalidArgumentError && e.argument === arg, `${what}: InvalidArgumentError naming ${arg} (${e.message})`);
  }
  t.equal(ips.sock.stats.requests, sent, 'nothing was sent for any of them');
  t.same(await ips.names(), [], 'no set made');
  t.equal(ipset(ns.path, ['create', 'x', 'hash:ip', 'family', 'inet', 'bitmask', 'ffff::'], false).status === 0, false, 'ipset: an IPv6 mask on an inet set is refused too');

  // A kernel whose type revision predates the option would drop it unread: refused after
  // its IPSET_CMD_TYPE answer (here the answer is made older by hand), nothing created.
  (ips as unknown as { revisions: Map<string, number> }).revisions.set('hash:ip/4', 5);
  const old = await err(ips.create('x', 'hash:ip', { bitmask: '255.255.0.0' }));
  t.ok(old instanceof InvalidArgumentError && old.argument === 'bitmask' && /revision 5/.test(old.message), `hash:ip revision 5: InvalidArgumentError naming bitmask (${old.message})`);
  (ips as unknown as { revisions: Map<string, number> }).revisions.set('hash:ip,port/4', 6);
  const oldn = await err(ips.create('x', 'hash:ip,port', { netmask: 24 }));
  t.ok(oldn instanceof InvalidArgumentError && oldn.argument === 'netmask', `hash:ip,port revision 6: a netmask refused too (${oldn.message})`);
  t.same(await ips.names(), [], 'nothing created');
});

t.test('bitmask and wildcard bytes for hash:net,net (which this kernel lacks), built from ip_set.h by hand', async (t) => {
  const w = new MessageWriter();
  w.begin(CMD(2) | 0, 0x600, 0);
  writeCreate(w, { ...checkCreate('nn', 'hash:net,net', { family: 6, bitmask: 'ffff:ffff::' }), revision: 4 });
  t.equal(Buffer.from(w.finish()).subarray(16).toString('hex'), [
    '02000000', '05000100' + '07000000', //               nfgenmsg; IPSET_ATTR_PROTOCOL 7
    '07000200' + '6e6e0000', //                           IPSET_ATTR_SETNAME "nn"
    '11000300' + '686173683a6e65742c6e657400000000', //   IPSET_ATTR_TYPENAME "hash:net,net"
    '05000400' + '04000000', //                           IPSET_ATTR_REVISION 4
    '05000500' + '0a000000', //                           IPSET_ATTR_FAMILY NFPROTO_IPV6
    '1c000780', //                                        IPSET_ATTR_DATA
    '18000c80' + '14000240' + 'ffffffff000000000000000000000000', // IPSET_ATTR_BITMASK { IPADDR_IPV6|NET }
  ].join(''), 'create nn hash:net,net family inet6 bitmask ffff:ffff::');
  const a = new MessageWriter();
  a.begin(CMD(9), 0x200, 0);
  writeAdt(a, { name: 'w', e: checkEntry({ ip: '2001:db8::', cidr: 32, iface: 'eth', wildcard: true }, 'hash:net,iface'), ext: checkExt({}) });
  t.match(Buffer.from(a.finish()).toString('hex'), /0800084000000080$/, 'add …,eth wildcard (IPv6): CADT_FLAGS|NET 0x80, as ipset sends it for IPv4 (the capture)');
});

t.test('list(): attributes of a set\'s messages nlkit does not decode are kept raw, from every message of the set', async (t) => {
  // A LIST answer as ip_set_dump_do writes it, plus attributes a newer kernel might add.
  const msg = (f: (w: MessageWriter) => void): Buffer => {
    const w = new MessageWriter();
    w.begin(CMD(7), 0x2, 0);
    const o = w.reserve(4);
    w.buf[o] = 2;
    w.putU8(1, 7); //                          IPSET_ATTR_PROTOCOL: known, nothing to keep
    w.putStrz(2, 's'); //                      IPSET_ATTR_SETNAME
    f(w);
    return Buffer.from(w.finish());
  };
  const first = msg((w) => {
    w.putStrz(3, 'hash:ip'); //                IPSET_ATTR_TYPENAME
    w.putU8(5, 2); //                          IPSET_ATTR_FAMILY NFPROTO_IPV4
    w.putU8(4, 6); //                          IPSET_ATTR_REVISION
    w.putBe16(11 | 0x4000, 3); //              IPSET_ATTR_INDEX
    w.putBe32(12 | 0x4000, 0xdeadbeef); //     (unknown, command level)
    const d = w.nestStart(7); //               IPSET_ATTR_DATA
    w.putBe32(18 | 0x4000, 1024); //             HASHSIZE
    const b = w.nestStart(12); //                BITMASK { 255.255.0.0 }
    w.putBytes(1 | 0x4000, Buffer.from([255, 255, 0, 0]));
    w.nestEnd(b);
    w.putU8(15, 1); //                           (unknown inside DATA)
    w.nestEnd(d);
    const adt = w.nestStart(8); //             IPSET_ATTR_ADT { DATA { IP 10.0.0.1 } }
    const e = w.nestStart(7);
    const ip = w.nestStart(1);
    w.putBytes(1 | 0x4000, Buffer.from([10, 0, 0, 1]));
    w.nestEnd(ip);
    w.nestEnd(e);
    w.nestEnd(adt);
  });
  const next = msg((w) => {
    w.putBytes(13, Buffer.from('hi')); //      (unknown, command level, in a later message)
    const adt = w.nestStart(8);
    const e = w.nestStart(7);
    const ip = w.nestStart(1);
    w.putBytes(1 | 0x4000, Buffer.from([10, 0, 0, 2]));
    w.nestEnd(ip);
    w.nestEnd(e);
    w.nestEnd(adt);
  });
  const part = (b: Buffer): ReturnType<typeof decodeListPart> => decodeListPart(b, new DataView(b.buffer, b.byteOffset, b.byteLength), 0, b.length);
  const [s] = joinListParts([part(first), part(next)]) as [IpSetInfo];
  t.same([s.name, s.type, s.family, s.revision, s.index, s.hashsize, s.bitmask], ['s', 'hash:ip', 4, 6, 3, 1024, '255.255.0.0'], 'the known attributes decoded');
  t.same(s.members, [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], 'members of both messages');
  t.same(s.unknownTop.map((a) => [a.type, Buffer.from(a.value).toString('hex')]), [[12, 'deadbeef'], [13, '6869']], 'unknownTop: the command-level attributes nlkit does not decode, of the first message and the next (PROTOCOL is known: not among them)');
  t.same(s.unknown.map((a) => [a.type, Buffer.from(a.value).toString('hex')]), [[15, '01']], 'unknown: the one inside IPSET_ATTR_DATA');
});

t.test('list(): nothing the kernel sends at command level goes undecoded (unknownTop is empty for every kind of set)', tool, async (t) => {
  const { ns, ips } = fixture(t);
  ipset(ns.path, ['create', 'a', 'hash:ip', 'bitmask', '255.255.0.0', 'counters', 'comment', 'timeout', '60']);
  ipset(ns.path, ['create', 'b', 'bitmap:port', 'range', '1-100']);
  ipset(ns.path, ['create', 'c', 'hash:net,iface']);
  ipset(ns.path, ['create', 'l', 'list:set']);
  ipset(ns.path, ['add', 'a', '10.0.0.1', 'comment', 'x']);
  ipset(ns.path, ['add', 'c', '10.0.0.0/8,eth', 'wildcard']);
  ipset(ns.path, ['add', 'l', 'a']);
  for (let i = 1; i <= 100; i += 7) ipset(ns.path, ['add', 'b', String(i)]);
  // A set of thousands of entries, whose members span several messages of the dump.
  ipset(ns.path, ['create', 'd', 'hash:ip']);
  await ips.addMany('d', Array.from({ length: 3000 }, (_, i) => ({ ip: `10.1.${i >> 8}.${i & 255}` })).filter((e) => !e.ip.endsWith('.0')));
  // Every command-level attribute type the kernel sent, seen on a raw dump.
  const types = new Set<number>();
  await ips.sock.dump(CMD(7), 0, (w) => {
    const o = w.reserve(4);
    w.buf[o] = 2;
    w.putU8(1, 7);
  }, (buf, _v, off, len) => {
    for (let p = off + 20; p + 4 <= off + len; p += (buf.readUInt16LE(p) + 3) & ~3) types.add(buf.readUInt16LE(p + 2) & 0x3fff);
  });
  t.same([...types].sort((x, y) => x - y), [1, 2, 3, 4, 5, 7, 8, 11], 'the kernel (6.18) sends PROTOCOL, SETNAME, TYPENAME, REVISION, FAMILY, DATA, ADT and INDEX');
  const sets = await ips.list();
  t.same(sets.map((s) => [s.name, s.unknownTop.length, s.unknown.length]), [['a', 0, 0], ['b', 0, 0], ['c', 0, 0], ['d', 0, 0], ['l', 0, 0]], 'all decoded: nothing in unknownTop nor unknown');
  t.equal(sets.find((s) => s.name === 'd')!.members.length, 2988, 'd: its 2988 members, joined from several messages');
});
