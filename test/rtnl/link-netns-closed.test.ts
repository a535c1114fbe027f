// A Netns given to rt.link.add / rt.link.set is read when the call starts; some of these
// calls then wait (a master or parent looked up, an alias set after the create, a
// rename's ifindex, the up after an address generation mode) before the request that
// carries the namespace's fd. A Netns closed meanwhile — `using ns = …; return
// rt.link.add({ …, netns: ns })` closes it as the function returns — frees its fd
// number, which the process may hand to another file at once: another netns. The
// request must not then act in that one; it fails with ClosedError naming the argument,
// and what the call made is undone.
import t from 'tap';
import koffi from 'koffi';
import { Rtnl, Netns, ClosedError } from '../../src/index.js';
import * as sys from '../../src/netlink/sys.js';
import { ipJson, privileged, rawNetns } from '../helpers.js';

const dup2 = koffi.load('libc.so.6').func('int dup2(int oldfd, int newfd)');

type IpLink = Record<string, any>;
const names = (nsPath: string): string[] => ipJson<IpLink[]>(nsPath, ['link', 'show']).map((l) => l.ifname as string).sort();
const rejection = (p: Promise<unknown>): Promise<any> => p.then(() => undefined, (e: unknown) => e);

/**
 * The handle's netns `home`, the target `target` (given as a Netns of its own, closed by
 * the test) and `other`, whose fd takes the target Netns's number once it is closed.
 */
function fixture(t: { teardown(fn: () => void): void }) {
  const home = rawNetns();
  const target = rawNetns();
  const other = rawNetns();
  const rt = Rtnl.open({ netns: home.fd });
  const ns = Netns.fromPath(target.path);
  let taken = -1;
  t.teardown(() => {
    rt.close();
    if (!ns.closed) ns.close();
    if (taken >= 0) sys.close(taken);
    home.close();
    target.close();
    other.close();
  });
  /** Close `ns` and put an fd of `other` at the number it had. */
  const closeAndReuse = (): void => {
    const fd = ns.fd;
    ns.close();
    if ((dup2(other.fd, fd) as number) !== fd) throw new Error('dup2 failed');
    taken = fd;
  };
  return { home, target, other, rt, ns, closeAndReuse };
}

t.test('add: a peer netns closed while the master is looked up is a ClosedError, not a peer in another netns', privileged, async (t) => {
  const { home, target, other, rt, ns, closeAndReuse } = fixture(t);
  await rt.link.add({ name: 'br0', kind: 'bridge' });
  const p = rt.link.add({ name: 'v0', kind: 'veth', master: 'br0', peer: { name: 'v1', netns: ns } });
  closeAndReuse();
  const e = await rejection(p);
  t.type(e, ClosedError);
  t.match(e?.message, /peer\.netns/);
  t.same(names(home.path), ['br0', 'lo']);
  t.same(names(target.path), ['lo']);
  t.same(names(other.path), ['lo'], 'nothing made in the netns that took the fd number');
});

t.test('add: a peer netns closed before its alias is set undoes the pair, and sets no alias in another netns', privileged, async (t) => {
  const { home, target, other, rt, ns, closeAndReuse } = fixture(t);
  // A link of the peer's name where the fd number will point.
  const ro = Rtnl.open({ netns: other.fd });
  await ro.link.add({ name: 'v1', kind: 'bridge' });
  ro.close();
  const peerInOther = (): string | undefined => ipJson<IpLink[]>(other.path, ['link', 'show', 'dev', 'v1'])[0]!.ifalias;
  const p = rt.link.add({ name: 'v0', kind: 'veth', peer: { name: 'v1', netns: ns, alias: 'peer-alias' } });
  closeAndReuse();
  const e = await rejection(p);
  t.type(e, ClosedError);
  t.match(e?.message, /peer\.netns/);
  t.match(e?.message, /deleted again/);
  t.equal(peerInOther(), undefined, 'the alias was not set on the other netns\'s v1');
  t.same(names(home.path), ['lo']);
  t.same(names(target.path), ['lo']);
});

t.test('set: a netns closed while a rename looks the link up is a ClosedError, the link not moved elsewhere', privileged, async (t) => {
  const { home, target, other, rt, ns, closeAndReuse } = fixture(t);
  await rt.link.add({ name: 'm0', kind: 'veth', peer: { name: 'm1' } });
  const p = rt.link.set('m0', { netns: ns, name: 'moved' });
  closeAndReuse();
  const e = await rejection(p);
  t.type(e, ClosedError);
  t.match(e?.message, /netns/);
  t.same(names(home.path), ['lo', 'm0', 'm1']);
  t.same(names(target.path), ['lo']);
  t.same(names(other.path), ['lo']);
});
