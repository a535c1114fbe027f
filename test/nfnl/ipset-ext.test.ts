// IpSet: the hash:net,iface interface wildcard — checked against `ipset` 7.17 both ways (nlkit makes, the tool reads; the tool
// makes, nlkit lists) and against the kernel's own answers, in a fresh netns. The request
// bytes are in ipset.test.ts (test/fixtures/ipset, captured under strace).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { InvalidArgumentError, IpSet, NetlinkError } from '../../src/index.js';
import { checkCreate, writeCreate } from '../../src/nfnl/ipset.js';
import { privileged, rawNetns } from '../helpers.js';

const haveTool = spawnSync('ipset', ['--version'], { encoding: 'utf8' }).status === 0;
const tool = haveTool ? privileged : { skip: 'needs the ipset tool, the oracle (.ci/run installs it)' };

function ipset(nsPath: string, args: string[], ok = true): { status: number; out: string; err: string } {
  const r = spawnSync('nsenter', [`--net=${nsPath}`, 'ipset', ...args], { encoding: 'utf8' });
  if (ok && r.status !== 0) throw new Error(`ipset ${args.join(' ')}: ${r.stderr}`);
  return { status: r.status ?? -1, out: r.stdout, err: r.stderr };
}

function fixture(t: { teardown(fn: () => void): void }): { ns: ReturnType<typeof rawNetns>; ips: IpSet } {
  const ns = rawNetns();
  const ips = IpSet.open({ netns: ns.fd });
  t.teardown(() => {
    ips.close();
    ns.close();
  });
  return { ns, ips };
}

const err = async (p: Promise<unknown>): Promise<Error> => p.then((v) => new Error(`no error: resolved to ${String(v)}`), (x: Error) => x);

/** `ipset save NAME`'s add lines, without "add NAME ". */
const saved = (nsPath: string, name: string): string[] => ipset(nsPath, ['save', name]).out.split('\n').filter((l) => l.startsWith('add ')).map((l) => l.slice(`add ${name} `.length)).sort();
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
