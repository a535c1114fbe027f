// The plugins open several things per command (CNI_NETNS, the host netns, a handle in
// each): should a later open fail (out of fds, a closed netns), the earlier ones must be
// closed again, not left to the process's exit — the plugins' handlers are exported for
// runtimes that call them in-process.
import t from 'tap';
import { closeSync, openSync, readFileSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { openContainerAndHost, openHandles } from '../../src/cni/netns.js';
import { ClosedError, SysError } from '../../src/netlink/errors.js';
import { Netns } from '../../src/ns/index.js';
import { fdCount, privileged, rawNetns } from '../helpers.js';

const openFds = (): number[] => readdirSync('/proc/self/fd').map(Number);

t.test('openHandles: a target that fails to open closes the handles opened before it', privileged, async (t) => {
  const ns = rawNetns();
  t.teardown(() => ns.close());
  const a = Netns.fromPath(ns.path);
  const b = Netns.fromPath(ns.path);
  t.teardown(() => a.close());
  b.close();
  const before = fdCount();
  t.throws(() => openHandles(a, b), ClosedError);
  t.equal(fdCount(), before, 'no fd left open');
  const [h1, h2] = openHandles(a, a);
  t.equal(fdCount(), before + 2);
  h1.close();
  h2.close();
});

t.test('openContainerAndHost: out of fds after CNI_NETNS opened, CNI_NETNS is closed again', privileged, async (t) => {
  const ns = rawNetns();
  t.teardown(() => ns.close());
  const limits = readFileSync('/proc/self/limits', 'utf8').match(/^Max open files\s+(\d+)\s+(\d+)/m);
  if (!limits) throw new Error('no open-files limit in /proc/self/limits');
  const [soft, hard] = [limits[1]!, limits[2]!];
  const prlimit = (n: string): void => {
    const r = spawnSync('prlimit', ['--pid', String(process.pid), `--nofile=${n}:${hard}`]);
    if (r.status !== 0) throw new Error(`prlimit failed: ${r.stderr}`);
  };
  const top = Math.max(...openFds());
  prlimit(String(top + 1));
  const fillers: number[] = [];
  let e: unknown;
  let after = -1;
  try {
    for (;;) {
      try {
        fillers.push(openSync('/dev/null', 'r'));
      } catch {
        break;
      }
    }
    // One fd free: CNI_NETNS takes it, the host netns finds none.
    closeSync(fillers.pop()!);
    const before = fdCount();
    try {
      openContainerAndHost(ns.path);
    } catch (err) {
      e = err;
    }
    after = fdCount() - before;
  } finally {
    for (const f of fillers) closeSync(f);
    prlimit(soft);
  }
  t.type(e, SysError);
  t.equal((e as SysError).code, 'EMFILE');
  t.equal(after, 0, 'CNI_NETNS closed again');
});
