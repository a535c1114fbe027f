// The plugins open several things per command (CNI_NETNS, the host netns, a handle in
// each): should a later open fail (out of fds, a closed netns), the earlier ones must be
// closed again, not left to the process's exit — the plugins' handlers are exported for
// runtimes that call them in-process.
import t from 'tap';
import { openContainerAndHost, openHandles } from '../../src/cni/netns.js';
import { ClosedError, SysError } from '../../src/netlink/errors.js';
import { Netns } from '../../src/ns/index.js';
import { fdCount, privileged, rawNetns, withFdsExhausted } from '../helpers.js';

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
  let e: unknown;
  // One fd free: CNI_NETNS takes it, the host netns finds none.
  const after = await withFdsExhausted(1, () => {
    const before = fdCount();
    try {
      openContainerAndHost(ns.path);
    } catch (err) {
      e = err;
    }
    return fdCount() - before;
  });
  t.type(e, SysError);
  t.equal((e as SysError).code, 'EMFILE');
  t.equal(after, 0, 'CNI_NETNS closed again');
});
