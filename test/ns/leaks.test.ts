// Create/destroy cycles leave no fd, mount or thread switch behind (real kernel).
import t from 'tap';
import { Netns } from '../../src/ns/index.js';
import { fdCount, privileged } from '../helpers.js';
import { mountPoints, privateDir, threadIno } from './util.js';

t.test('1000 Netns.new()/close() cycles leave fd count and mount table unchanged', privileged, async (t) => {
  const home = threadIno();
  Netns.new().close(); // warm up lazy loads
  const fds = fdCount();
  const mounts = mountPoints();
  for (let i = 0; i < 1000; i++) {
    const ns = Netns.new();
    ns.close();
  }
  t.equal(fdCount(), fds, 'fd count');
  t.same(mountPoints(), mounts, 'mount table');
  t.equal(threadIno(), home, 'main thread netns');
});

t.test('200 newNamed()/deleteNamed() cycles leave fd count and mount table unchanged', privileged, async (t) => {
  const d = privateDir();
  t.teardown(() => d.cleanup());
  const home = threadIno();
  // The first creation makes the directory a mount point; count from there.
  Netns.newNamed('warm', { dir: d.dir }).close();
  Netns.deleteNamed('warm', { dir: d.dir });
  const fds = fdCount();
  const mounts = mountPoints();
  for (let i = 0; i < 200; i++) {
    const name = `cycle${i}`;
    const ns = Netns.newNamed(name, { dir: d.dir });
    ns.close();
    Netns.deleteNamed(name, { dir: d.dir });
  }
  t.equal(fdCount(), fds, 'fd count');
  t.same(mountPoints(), mounts, 'mount table');
  t.same(Netns.listNamed({ dir: d.dir }), [], 'no files left');
  t.equal(threadIno(), home, 'main thread netns');
});

t.test('failing calls leave fd count, mounts and the thread unchanged', privileged, async (t) => {
  const d = privateDir();
  t.teardown(() => d.cleanup());
  const home = threadIno();
  const keep = Netns.newNamed('taken', { dir: d.dir });
  t.teardown(() => keep.close());
  const fds = fdCount();
  const mounts = mountPoints();
  for (let i = 0; i < 50; i++) {
    t.throws(() => Netns.newNamed('taken', { dir: d.dir }));
    t.throws(() => Netns.getNamed('missing', { dir: d.dir }));
    t.throws(() => Netns.fromPath('/proc/self/ns/mnt'));
    t.throws(() => Netns.fromPath('/etc/hostname'));
  }
  t.equal(fdCount(), fds, 'fd count');
  t.same(mountPoints(), mounts, 'mount table');
  t.equal(threadIno(), home);
});
