// rt.link.add of a tun/tap takes several steps before the device exists (SIOCGSKNS on
// the handle's socket, a switch into that netns, open /dev/net/tun, TUNSETIFF): a
// refusal at each says which step and why, and leaves no device and no fd behind.
import t from 'tap';
import { readdirSync } from 'node:fs';
import { Rtnl, SysError } from '../../src/index.js';
import { ipJson, privileged, rawNetns, withFdsExhausted } from '../helpers.js';
import { CAP_SYS_ADMIN, withoutCap } from '../ns/util.js';

const names = (nsPath: string): string[] => ipJson<Record<string, any>[]>(nsPath, ['link', 'show']).map((l) => l.ifname as string).sort();
const rejection = (p: Promise<unknown>): Promise<any> => p.then(() => undefined, (e: unknown) => e);
const openFds = (): number[] => readdirSync('/proc/self/fd').map(Number);

t.test('a refused switch into the handle\'s netns is the setns error (CAP_SYS_ADMIN), not "/dev/net/tun needs root"', privileged, async (t) => {
  const ns = rawNetns();
  const rt = Rtnl.open({ netns: ns.fd });
  t.teardown(() => {
    rt.close();
    ns.close();
  });
  const before = openFds().length;
  const e = await rejection(withoutCap(CAP_SYS_ADMIN, () => rt.link.add({ name: 'tp0', kind: 'tap' })));
  t.type(e, SysError);
  t.equal(e?.syscall, 'setns');
  t.match(e?.message, /CAP_SYS_ADMIN/);
  t.notMatch(e?.message, /\/dev\/net\/tun/);
  t.same(names(ns.path), ['lo']);
  t.equal(openFds().length, before, 'no fd left open');
});

t.test('SIOCGSKNS out of fds (EMFILE) says so, without blaming CAP_NET_ADMIN', privileged, async (t) => {
  const ns = rawNetns();
  const rt = Rtnl.open({ netns: ns.fd });
  t.teardown(() => {
    rt.close();
    ns.close();
  });
  // No fd free below the soft limit.
  const e: any = await withFdsExhausted(0, () => rejection(rt.link.add({ name: 'tp0', kind: 'tap' })));
  t.type(e, SysError);
  t.equal(e?.code, 'EMFILE');
  t.equal(e?.syscall, 'ioctl(SIOCGSKNS)');
  t.notMatch(e?.message, /CAP_NET_ADMIN/);
  t.same(names(ns.path), ['lo']);
});
