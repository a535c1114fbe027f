// A first-time user's program, written from the README and the .d.ts only: named netns
// create / list / delete (seen by `ip netns`), execNetns with a synchronous and an
// asynchronous callback, and sysctls read and written in a netns.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { Netns, Rtnl, execNetns, execNetnsSync, sysctlGet, sysctlSet, InvalidArgumentError } from '../../src/index.js';
import { ipJson, privileged } from '../helpers.js';

/** Whether nlkit acts in `ns` now (Netns.get() opens an fd: closed again here). */
function actsIn(ns: Netns): boolean {
  using now = Netns.get();
  return now.equals(ns);
}

const ipNetns = () => ipJson<{ name: string }[]>('/proc/self/ns/net', ['netns', 'list']).map((n) => n.name).sort();

t.test('named netns: create, list, open, exec sync and async, sysctl, delete', privileged, async (t) => {
  const fds = readdirSync('/proc/self/fd').length;
  const home = Netns.get();
  const red = Netns.newNamed('ux-red');
  const blue = Netns.newNamed('ux-blue');
  t.teardown(() => {
    for (const n of [red, blue, home]) n.close();
    Netns.deleteNamed('ux-red');
    Netns.deleteNamed('ux-blue');
  });

  // Listing, both ways.
  t.same(Netns.listNamed().filter((n) => n.startsWith('ux-')), ['ux-blue', 'ux-red']);
  t.same(ipNetns().filter((n) => n.startsWith('ux-')), ['ux-blue', 'ux-red'], 'ip netns list sees them');
  t.equal(red.name, 'ux-red');
  t.equal(red.path, '/run/netns/ux-red');
  const again = Netns.getNamed('ux-red');
  t.ok(again.equals(red), 'getNamed opens the same netns');
  t.notOk(again.equals(blue));
  again.close();
  // A name taken: the error says so.
  t.throws(() => Netns.newNamed('ux-red'), { code: 'EEXIST' });
  t.throws(() => Netns.newNamed('../etc'), InvalidArgumentError);

  // execNetns, synchronous callback: really runs in red (a child process sees red's links).
  const inRed = await execNetns(home, red, () => {
    const links = JSON.parse(spawnSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8' }).stdout) as { ifname: string }[];
    const dev = readFileSync('/proc/thread-self/net/dev', 'utf8').split('\n').slice(2).map((l) => l.split(':')[0]!.trim()).filter(Boolean);
    return { dev, links: links.map((l) => l.ifname) };
  });
  t.same(inRed.links, ['lo'], 'ip -j link inside red: only lo');
  t.same(inRed.dev, ['lo'], '/proc/thread-self/net/dev inside red: only lo');
  t.ok(actsIn(home), 'the thread is back home');
  const sync = execNetnsSync(home, blue, () => actsIn(blue));
  t.equal(sync, true, 'execNetnsSync: Netns.get() is blue inside');

  // execNetns, asynchronous callback: nlkit calls act in red across awaits.
  const made = await execNetns(home, red, async () => {
    await new Promise((r) => setTimeout(r, 5));
    using rt = Rtnl.open();                       // no netns: the context's (red)
    await rt.link.set('lo', { up: true });
    await rt.link.add({ kind: 'veth', name: 'r0', peer: { name: 'r1' } });
    await new Promise((r) => setImmediate(r));
    return (await rt.link.list()).map((l) => l.name).sort();
  });
  t.same(made, ['lo', 'r0', 'r1']);
  t.same(ipJson<any[]>(red.path, ['link', 'show']).map((l) => l.ifname).sort(), ['lo', 'r0', 'r1'], 'ip -n ux-red agrees');
  t.same(ipJson<any[]>('/proc/self/ns/net', ['link', 'show']).map((l) => l.ifname).filter((n) => n.startsWith('r')), [], 'nothing made at home');
  // A throw inside comes back as a rejection, with the thread at home.
  await t.rejects(execNetns(home, blue, () => { throw new Error('boom'); }), /boom/);
  t.ok(actsIn(home));

  // sysctls in a netns.
  t.equal(sysctlGet(red, 'net.ipv4.ip_forward'), '0');
  sysctlSet(red, 'net.ipv4.ip_forward', 1);
  t.equal(sysctlGet(red, 'net.ipv4.ip_forward'), '1');
  t.equal(sysctlGet(blue, 'net.ipv4.ip_forward'), '0', 'blue is untouched');
  sysctlSet(red, 'net.ipv4.conf.r0.rp_filter', 2);
  t.equal(spawnSync('ip', ['netns', 'exec', 'ux-red', 'sysctl', '-n', 'net.ipv4.conf.r0.rp_filter'], { encoding: 'utf8' }).stdout.trim(), '2', 'sysctl in ip netns exec agrees');
  const inside = await execNetns(home, blue, async () => {
    await Promise.resolve();
    return sysctlGet(undefined, 'net.ipv4.ip_forward');  // the context's netns
  });
  t.equal(inside, '0');
  t.throws(() => sysctlGet(red, 'kernel.hostname'), InvalidArgumentError, 'only net.* keys');
  t.throws(() => sysctlGet(red, 'net.ipv4.conf.nosuch.forwarding'), { code: 'ENOENT' });

  // Deleting: gone from both listings; a handle still open keeps the netns alive.
  t.equal(Netns.deleteNamed('ux-red'), true);
  t.equal(Netns.deleteNamed('ux-red'), false, 'a missing name is not an error');
  t.same(Netns.listNamed().filter((n) => n.startsWith('ux-')), ['ux-blue']);
  t.same(ipNetns().filter((n) => n.startsWith('ux-')), ['ux-blue']);
  using rt = Rtnl.open({ netns: red });
  t.same((await rt.link.list()).map((l) => l.name).sort(), ['lo', 'r0', 'r1'], 'the open handle still reaches it');
  t.throws(() => Netns.getNamed('ux-red'), { code: 'ENOENT' });
  rt.close();
  red.close();
  blue.close();
  home.close();
  t.equal(readdirSync('/proc/self/fd').length, fds, 'no fd left open');
});
