// The kernel ignores IFLA_IFALIAS in a create message (`ip link add NAME alias A …`
// leaves no alias), so rt.link.add and rt.link.addMany set a given alias by name right
// after the create, in the netns each end was born in; a failure there undoes the create.
import t from 'tap';
import { Rtnl, NetlinkError, InvalidArgumentError, type LinkSpec } from '../../src/index.js';
import { scriptedLinkApi } from './scripted-link-api.js';
import * as C from '../../src/rtnl/constants.js';
import { ip, ipJson, privileged, rawNetns } from '../helpers.js';

type IpLink = Record<string, any>;

function fixture(t: { teardown(fn: () => void): void }) {
  const a = rawNetns();
  const b = rawNetns();
  const rt = Rtnl.open({ netns: a.fd });
  t.teardown(() => {
    rt.close();
    a.close();
    b.close();
  });
  return { a, b, rt };
}

const aliasOf = (nsPath: string, name: string): string | undefined => ipJson<IpLink[]>(nsPath, ['link', 'show', 'dev', name])[0]!.ifalias;
const names = (nsPath: string): string[] => ipJson<IpLink[]>(nsPath, ['link', 'show']).map((l) => l.ifname as string).sort();
const rejection = (p: Promise<unknown>): Promise<any> => p.then(() => undefined, (e: unknown) => e);

t.test('the kernel itself drops an alias given in the create message (why nlkit sets it after)', privileged, async (t) => {
  const { a } = fixture(t);
  ip(a.path, ['link', 'add', 'k0', 'alias', 'in-create', 'type', 'bridge']);
  t.equal(aliasOf(a.path, 'k0'), undefined, 'ip link add … alias: no ifalias');
});

t.test('rt.link.add sets the alias of the link and of a veth peer born in another netns', privileged, async (t) => {
  const { a, b, rt } = fixture(t);
  await rt.link.add({ kind: 'bridge', name: 'br0', alias: 'the bridge' });
  t.equal(aliasOf(a.path, 'br0'), 'the bridge');
  await rt.link.add({ kind: 'veth', name: 'v0', alias: 'host end', peer: { name: 'v1', alias: 'container end', netns: b.fd } });
  t.equal(aliasOf(a.path, 'v0'), 'host end');
  t.equal(aliasOf(b.path, 'v1'), 'container end', 'set from a socket in the peer\'s netns');
  const echoed = await rt.link.add({ kind: 'ifb', name: 'i0', alias: 'echo' }, { echo: true });
  t.equal(echoed.name, 'i0');
  t.equal(echoed.alias, 'echo', 'the returned link carries the alias (the kernel echoed it before the alias was set)');
  t.equal(aliasOf(a.path, 'i0'), 'echo');
  // The main end sent to b, the peer (no netns) born in the sending socket's netns (a).
  await rt.link.add({ kind: 'veth', name: 'm0', netns: b.fd, alias: 'in b', peer: { name: 'm1', alias: 'in a' } });
  t.equal(aliasOf(b.path, 'm0'), 'in b');
  t.equal(aliasOf(a.path, 'm1'), 'in a', 'the peer\'s alias set where the peer was born');
  await rt.link.add({ kind: 'ifb', name: 'i1', netns: b.fd, alias: 'moved' });
  t.equal(aliasOf(b.path, 'i1'), 'moved', 'a link created in another netns gets its alias there');
});

t.test('rt.link.addMany sets every alias, in each end\'s netns', privileged, async (t) => {
  const { a, b, rt } = fixture(t);
  await rt.link.addMany([
    { kind: 'veth', name: 'h0', alias: 'h0 alias', peer: { name: 'c0', netns: b.fd, alias: 'c0 alias' } },
    { kind: 'veth', name: 'h1', peer: { name: 'c1', netns: b.fd } },
    { kind: 'ifb', name: 'i0', alias: 'ifb alias' },
  ]);
  t.same([aliasOf(a.path, 'h0'), aliasOf(b.path, 'c0'), aliasOf(a.path, 'h1'), aliasOf(b.path, 'c1'), aliasOf(a.path, 'i0')], ['h0 alias', 'c0 alias', undefined, undefined, 'ifb alias']);
});

t.test('an alias without a name is refused before anything is sent', privileged, async (t) => {
  const { a, b, rt } = fixture(t);
  const before = [names(a.path), names(b.path)];
  const e1 = await rejection(rt.link.add({ kind: 'ifb', alias: 'x' }));
  t.ok(e1 instanceof InvalidArgumentError && e1.argument === 'alias', String(e1?.message));
  const e2 = await rejection(rt.link.add({ kind: 'veth', name: 'v0', peer: { alias: 'x' } }));
  t.ok(e2 instanceof InvalidArgumentError && e2.argument === 'peer.alias', String(e2?.message));
  const e4 = await rejection(rt.link.add({ kind: 'veth', peer: { name: 'p0', alias: 'x' } }));
  t.ok(e4 instanceof InvalidArgumentError && e4.argument === 'name', `a peer alias needs the main name (the rollback deletes by it): ${String(e4?.message)}`);
  const e3 = await rejection(rt.link.addMany([{ kind: 'ifb', name: 'i0' }, { kind: 'veth', name: 'v0', peer: { alias: 'x' } }]));
  t.ok(e3 instanceof InvalidArgumentError && e3.argument === 'specs[1].peer.alias', String(e3?.message));
  t.same([names(a.path), names(b.path)], before, 'nothing created');
});

t.test('an alias the kernel refuses deletes every link just created and says so', async (t) => {
  // The creates succeed, the alias batch is refused, then the rollback batch succeeds.
  const { api, batches } = scriptedLinkApi([
    (n: number) => ({ status: Array(n).fill('ok') }),
    () => ({ status: ['refused'], errors: [new NetlinkError(22, { type: C.RTM_NEWLINK, typeName: 'RTM_NEWLINK', seq: 1, subject: 'a1' })], firstRefused: 0 }),
    (n: number) => ({ status: Array(n).fill('ok') }),
  ]);
  const specs: LinkSpec[] = [{ kind: 'ifb', name: 'a0' }, { kind: 'ifb', name: 'a1', alias: 'bad' }];
  const e = await rejection(api.addMany(specs));
  t.ok(e instanceof NetlinkError && e.code === 'EINVAL', String(e?.message));
  t.match(e?.message, /setting the alias failed/);
  t.match(e?.message, /the 2 link\(s\) just created were deleted again/);
  t.equal(batches.length, 3, 'creates, alias, rollback');
  t.same(batches[1]!.map((m) => [m.type, m.subject]), [[C.RTM_NEWLINK, 'a1']], 'one alias request, by name');
  t.ok(batches[1]![0]!.bytes.includes(Buffer.from('bad\0')), 'carrying IFLA_IFALIAS');
  t.same(batches[2]!.map((m) => [m.type, m.subject]).sort(), [[C.RTM_DELLINK, 'a0'], [C.RTM_DELLINK, 'a1']], 'both links of the call deleted');
});
