// What a message handler may do to its own socket, and what a dump that fails part-way
// leaves behind: the rest of an aborted dump is read and dropped (the kernel would keep
// it open and refuse the next dump with EBUSY); a request made from inside a handler
// waits for the exchange being read instead of overwriting it; close() from inside a
// handler stops the read with ClosedError and keeps the receive slab until it is over.
import t from 'tap';
import { ClosedError, NetlinkError } from '../../src/netlink/errors.js';
import { Rtnl } from '../../src/rtnl/index.js';
import { fdCount, privileged, rawNetns } from '../helpers.js';

const RTM_GETLINK = 18;
const IFINFOMSG_LEN = 16;
const getlinkAll = (w: { reserve(n: number): number }): void => void w.reserve(IFINFOMSG_LEN);

/** A netns with `n` bridges (a link dump of several datagrams) and a handle in it. */
async function many(t: { teardown(fn: () => void): void }, n: number): Promise<Rtnl> {
  const ns = rawNetns();
  const rt = Rtnl.open({ netns: ns.fd });
  t.teardown(() => {
    rt.close();
    ns.close();
  });
  await rt.link.addMany(Array.from({ length: n }, (_, i) => ({ name: `b${i}`, kind: 'bridge' })));
  return rt;
}

t.test('a dump whose handler throws part-way leaves the socket usable: the next dumps are not EBUSY', privileged, async (t) => {
  const rt = await many(t, 60);
  for (let round = 0; round < 3; round++) {
    let calls = 0;
    const e = await rt.sock.dump(RTM_GETLINK, 0, getlinkAll, () => {
      if (++calls === 3) throw new Error('boom');
      return 1;
    }).then(() => undefined, (x: unknown) => x);
    t.match(e, { message: 'boom' }, 'the handler\'s error rejects the dump');
    t.equal((await rt.link.list()).length, 61, `round ${round}: the next list is whole`);
    t.equal((await rt.addr.list()).length, 0);
    t.ok((await rt.route.list()) instanceof Array);
  }
});

t.test('a request made from inside a dump handler waits for the dump; both get their own answers', privileged, async (t) => {
  const rt = await many(t, 60);
  let inner: Promise<unknown> | undefined;
  let calls = 0;
  const names = await rt.sock.dump(RTM_GETLINK, 0, getlinkAll, (_b, v, off) => {
    if (++calls === 3) inner = rt.link.get('lo');
    return v.getInt32(off + 16 + 4, true);
  });
  t.equal(names.length, 61, 'the outer dump read every link');
  t.equal(new Set(names).size, 61, 'each once');
  t.match(await inner, { name: 'lo', index: 1 }, 'the inner request resolved with its own reply');
  t.equal((await rt.link.list()).length, 61, 'the socket is usable afterwards');
  // The same from inside a handler of a dump made through the rt API.
  const during: Promise<unknown>[] = [];
  const outer = await rt.sock.dump(RTM_GETLINK, 0, getlinkAll, () => {
    if (during.length < 3) during.push(rt.addr.list(), rt.link.list({ kind: 'bridge' }));
    return 1;
  });
  t.equal(outer.length, 61);
  const res = await Promise.all(during);
  t.same(res.map((r) => (r as unknown[]).length), [0, 60, 0, 60]);
});

t.test('close() from inside a handler ends the read with ClosedError; nothing leaks', privileged, async (t) => {
  const before = fdCount();
  for (let i = 0; i < 5; i++) {
    const ns = rawNetns();
    const rt = Rtnl.open({ netns: ns.fd });
    await rt.link.addMany(Array.from({ length: 60 }, (_, k) => ({ name: `c${k}`, kind: 'bridge' })));
    let calls = 0;
    const e = await rt.sock.dump(RTM_GETLINK, 0, getlinkAll, () => {
      if (++calls === 2) rt.close();
      return 1;
    }).then(() => undefined, (x: unknown) => x);
    t.ok(e instanceof ClosedError, `ClosedError, not a system call error on a closed fd: ${String(e)}`);
    await t.rejects(rt.link.list(), ClosedError, 'the handle stays closed');
    ns.close();
  }
  t.equal(fdCount(), before, 'no fd left');
});

t.test('a dump that fails with a kernel error is not affected (the kernel ended it)', privileged, async (t) => {
  const rt = await many(t, 5);
  const e = await rt.addr.list({ link: 99999 }).then(() => undefined, (x: unknown) => x);
  t.ok(e instanceof NetlinkError && e.code === 'ENODEV');
  t.equal((await rt.link.list()).length, 6);
});

t.test('a batch waiting its turn when the socket closes rejects with ClosedError (nothing was sent)', privileged, async (t) => {
  const rt = await many(t, 60);
  let batch: Promise<unknown> | undefined;
  let links: Promise<unknown> | undefined;
  let calls = 0;
  const e = await rt.sock.dump(RTM_GETLINK, 0, getlinkAll, () => {
    if (++calls === 2) {
      // Both wait for the read in progress; the close ends it.
      batch = rt.sock.requestBatch([{ type: 16, flags: 0, build: (w) => void w.reserve(IFINFOMSG_LEN) }]);
      links = rt.link.addMany([{ name: 'late0', kind: 'bridge' }]);
      rt.close();
    }
    return 1;
  }).then(() => undefined, (x: unknown) => x);
  t.ok(e instanceof ClosedError, 'the dump');
  await t.rejects(batch!, ClosedError, 'requestBatch rejects: not a result with status unsent');
  await t.rejects(links!, ClosedError, 'addMany rejects with ClosedError, not EIO');
});

t.test('a request made from inside another request\'s builder is refused (re-entrant build); the outer request is sent whole and answered', privileged, async (t) => {
  const rt = await many(t, 1);
  let inner: Promise<unknown> | undefined;
  const outer = rt.sock.request(RTM_GETLINK, 0, (w) => {
    const o = w.reserve(IFINFOMSG_LEN);
    w.view.setInt32(o + 4, 1, true); // ifi_index 1: lo
    inner = rt.link.get('b0').then(() => 'resolved', (e: unknown) => e);
    w.putU32(29 /* IFLA_EXT_MASK */, 0);
  }, (_b, v, off) => v.getInt32(off + 16 + 4, true), { ack: false });
  // Before the fix the inner request overwrote the outer one in the socket's writer: the
  // outer request went out with the inner's sequence number and waited for ever.
  const hang = new Promise((r) => setTimeout(() => r('hang'), 3000).unref());
  t.equal(await Promise.race([outer, hang]), 1, 'the outer GET is answered with lo');
  t.match(await inner, { message: /re-entrant build|inside the builder/ }, 'the inner request is refused with a plain Error');
  t.match(await rt.link.get('b0'), { name: 'b0' }, 'the socket is usable afterwards');
});

t.test('readAvailable() from inside a dump handler is refused: the dump\'s own datagrams are not read as multicast', privileged, async (t) => {
  const rt = await many(t, 60);
  let calls = 0;
  let caught: unknown;
  let delivered = -1;
  const idx = await rt.sock.dump(RTM_GETLINK, 0, getlinkAll, (_b, v, off) => {
    if (++calls === 3) {
      try {
        delivered = rt.sock.readAvailable(() => undefined);
      } catch (e) {
        caught = e;
      }
    }
    return v.getInt32(off + 16 + 4, true);
  });
  // Before: readAvailable read the rest of the dump into the receive buffer being walked,
  // handed it to its callback as notifications, and the dump failed with a DecodeError.
  t.equal(delivered, -1, 'readAvailable read nothing');
  t.match(caught, { message: /readAvailable\(\) from inside a message handler/ });
  t.equal(idx.length, 61, 'the dump read every link');
  t.equal(new Set(idx).size, 61, 'each once');
  t.equal((await rt.link.list()).length, 61, 'the socket is usable afterwards');
});
