// rt.monitor() where the handle's socket cannot say its netns (SIOCGSKNS needs
// CAP_NET_ADMIN): it enters the netns the handle was opened with — and refuses one whose
// Netns was closed since, whose fd number may by then be another namespace's. The
// fallback is made real by dropping CAP_NET_ADMIN from the main thread's effective
// capabilities (capset is per thread; it stays permitted and is raised again after).
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { Rtnl } from '../../src/rtnl/handle.js';
import { ClosedError } from '../../src/netlink/errors.js';
import * as sys from '../../src/netlink/sys.js';
import { Netns, execNetnsSync } from '../../src/ns/index.js';
import { ip, netnsEntered, privileged } from '../helpers.js';
import { withoutCap } from '../ns/util.js';

const CAP_NET_ADMIN = 12; // <linux/capability.h>
const withoutNetAdmin = <T>(fn: () => T): T => withoutCap(CAP_NET_ADMIN, fn);

/** What opening (and closing) a link monitor on `rt` through the fallback throws; undefined when it opens. */
function fallbackRefusal(rt: Rtnl): ClosedError | undefined {
  return withoutNetAdmin(() => {
    try {
      rt.monitor(['link']).close();
      return undefined;
    } catch (x) {
      return x as ClosedError;
    }
  });
}

/** SIOCGSKNS on the handle's socket is refused now (so the monitor takes the fallback). */
function sksnsRefused(rt: Rtnl): boolean {
  const fd = sys.ioctlNoArg(rt.sock.fd, sys.SIOCGSKNS);
  if (fd >= 0) sys.close(fd);
  return fd < 0;
}

t.test('without CAP_NET_ADMIN the monitor opens in the netns the handle was opened with', privileged, async (t) => {
  const ns = Netns.new();
  const rt = Rtnl.open({ netns: ns });
  t.teardown(() => {
    rt.close();
    ns.close();
  });
  const m = withoutNetAdmin(() => {
    t.ok(sksnsRefused(rt), 'SIOCGSKNS refused: the fallback is what runs');
    return rt.monitor(['link']);
  });
  t.teardown(() => m.close());
  ip(ns.path, ['link', 'add', 'fb0', 'type', 'veth', 'peer', 'name', 'fb1']);
  for await (const ev of m) {
    if (ev.type === 'new' && ev.kind === 'link' && (ev.object as { name?: string }).name === 'fb0') break;
  }
  t.pass('the monitor saw the link made in the handle\'s netns');
});

t.test('without CAP_NET_ADMIN a handle whose Netns was closed refuses to monitor (ClosedError), never another netns on the reused fd', privileged, async (t) => {
  const ns = Netns.new();
  const rt = Rtnl.open({ netns: ns });
  t.teardown(() => rt.close());
  const number = ns.fd;
  const id = ns.id;
  ns.close();
  const other = Netns.new(); // takes the lowest free fd: the closed Netns's number
  t.teardown(() => other.close());
  t.equal(other.fd, number, 'the fd number now holds another network namespace');
  const e = fallbackRefusal(rt); // before: a monitor of `other`, silently
  t.ok(e instanceof ClosedError, `a ClosedError: ${String(e)}`);
  t.equal(e?.message, `the netns the Rtnl handle was opened with (Netns ${id}) is closed`);
  t.notOk(rt.closed, 'the handle itself is still usable');
  t.ok((await rt.link.list()).some((l) => l.name === 'lo'), 'and its requests still work (its socket holds the netns)');
});

t.test('the same for a handle opened inside execNetns whose target was closed since', privileged, async (t) => {
  const home = Netns.get();
  const ns = Netns.new();
  t.teardown(() => home.close());
  const rt = execNetnsSync(home, ns, () => Rtnl.open());
  t.teardown(() => rt.close());
  const id = ns.id;
  ns.close();
  const other = Netns.new();
  t.teardown(() => other.close());
  const e = fallbackRefusal(rt);
  t.ok(e instanceof ClosedError, `a ClosedError: ${String(e)}`);
  t.equal(e?.message, `the netns the Rtnl handle was opened with (Netns ${id}) is closed`);
});

t.test('without CAP_NET_ADMIN a handle opened by pid monitors that process\'s netns, not the caller\'s', privileged, async (t) => {
  const holder = spawn('unshare', ['-n', 'sleep', '30'], { stdio: 'ignore' });
  t.teardown(() => void holder.kill());
  await netnsEntered(holder.pid!);
  const rt = Rtnl.open({ netns: { pid: holder.pid! } });
  t.teardown(() => rt.close());
  const m = withoutNetAdmin(() => {
    t.ok(sksnsRefused(rt), 'SIOCGSKNS refused: the fallback is what runs');
    return rt.monitor(['link']);
  });
  t.teardown(() => m.close());
  // First a change in the caller's own netns, where the monitor was opened before.
  const here = spawnSync('ip', ['link', 'add', 'fw0', 'type', 'veth', 'peer', 'name', 'fw1']);
  t.teardown(() => void spawnSync('ip', ['link', 'del', 'fw0']));
  t.equal(here.status, 0, 'fw0 made in the caller\'s netns');
  ip(`/proc/${holder.pid}/ns/net`, ['link', 'add', 'fp0', 'type', 'veth', 'peer', 'name', 'fp1']);
  const seen: string[] = [];
  const timer = setTimeout(() => m.close(), 3000);
  for await (const ev of m) {
    if (ev.type !== 'new') continue;
    seen.push((ev.object as { name: string }).name);
    if (seen.includes('fp0')) break;
  }
  clearTimeout(timer);
  t.ok(seen.includes('fp0'), `the monitor saw the link made in the pid's netns: ${seen.join(', ')}`);
  t.notOk(seen.some((n) => n.startsWith('fw')), `and nothing of the caller's netns: ${seen.join(', ')}`);
});

t.test('without CAP_NET_ADMIN a handle opened by pid whose process is gone refuses to monitor (ESRCH), never the caller\'s netns', privileged, async (t) => {
  const holder = spawn('unshare', ['-n', 'sleep', '30'], { stdio: 'ignore' });
  await netnsEntered(holder.pid!);
  const rt = Rtnl.open({ netns: { pid: holder.pid! } });
  t.teardown(() => rt.close());
  const exited = new Promise((r) => holder.on('exit', r));
  holder.kill();
  await exited;
  const e = fallbackRefusal(rt) as unknown as { code?: string } | undefined;
  t.equal(e?.code, 'ESRCH', `refused: ${String(e)}`);
});
