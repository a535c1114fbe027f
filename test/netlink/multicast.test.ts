// MulticastMonitor with decode functions of every kind: one that throws part-way through
// what the kernel queued, one that skips messages, one that closes the monitor; an
// already-aborted signal; concurrent next() calls; next() after close. The events are
// ctnetlink's (NFNLGRP_CONNTRACK_NEW) for entries added in a fresh netns: each add's
// event is queued in the kernel before the poll handle runs (requests need no event-loop
// turn), so several arrive in one read.
import t from 'tap';
import { Conntrack, MulticastMonitor } from '../../src/index.js';
import { openSocketIn } from '../../src/netlink/index.js';
import { spawnSync } from 'node:child_process';
import { fdCount, privileged, rawNetns } from '../helpers.js';

const NETLINK_NETFILTER = 12;
const NFNLGRP_CONNTRACK_NEW = 1;
const CTA_TUPLE_ORIG = 1;

type Decode = (buf: Buffer, view: DataView, off: number, len: number) => number | undefined;

/** The original source port of a ctnetlink entry message (CTA_TUPLE_ORIG › CTA_TUPLE_PROTO › CTA_PROTO_SRC_PORT). */
function srcPort(buf: Buffer, _view: DataView, off: number, len: number): number {
  // nlmsghdr (16) + nfgenmsg (4), then attributes; the port is the first u16 after the
  // CTA_PROTO_SRC_PORT header inside the tuple's CTA_TUPLE_PROTO: found by walking.
  const walk = (from: number, to: number, want: number): [number, number] => {
    for (let a = from; a + 4 <= to; a += (buf.readUInt16LE(a) + 3) & ~3) if ((buf.readUInt16LE(a + 2) & 0x3fff) === want) return [a + 4, a + buf.readUInt16LE(a)];
    throw new Error(`no attribute ${want}`);
  };
  const [o, e] = walk(off + 20, off + len, CTA_TUPLE_ORIG);
  const [po, pe] = walk(o, e, 2 /* CTA_TUPLE_PROTO */);
  const [sp] = walk(po, pe, 2 /* CTA_PROTO_SRC_PORT */);
  return buf.readUInt16BE(sp);
}

function fixture(t: { teardown(fn: () => void): void }, decode: Decode, options: { signal?: AbortSignal } = {}): { mon: MulticastMonitor<number>; add(port: number): Promise<void> } {
  const ns = rawNetns();
  const ct = Conntrack.open({ netns: ns.fd });
  const sock = openSocketIn(NETLINK_NETFILTER, { fd: ns.fd }, { groups: [NFNLGRP_CONNTRACK_NEW] });
  const mon = MulticastMonitor.open(sock, decode, options);
  t.teardown(() => {
    mon.close();
    ct.close();
    ns.close();
  });
  return { mon, add: (port) => ct.add({ protocol: 'udp', src: '10.0.0.1', dst: '10.0.0.2', srcPort: port, dstPort: 53, timeout: 100 }) };
}

const DONE = { done: true, value: undefined };

t.test('a decode that throws part-way: the events before it first, then the error once, then done', privileged, async (t) => {
  const boom = new Error('bad message');
  const { mon, add } = fixture(t, (...a) => {
    const p = srcPort(...a);
    if (p === 2) throw boom;
    return p;
  });
  const waiting = mon.next();
  await add(1);
  await add(2);
  await add(3);
  t.same(await waiting, { done: false, value: 1 }, 'the waiting next() gets the event decoded before the failure');
  await t.rejects(mon.next(), boom, 'then the error');
  t.same(await mon.next(), DONE, 'then done');
  t.ok(mon.closed, 'closed');
});

t.test('a decode that throws with two consumers waiting: the first gets the event, the second the error', privileged, async (t) => {
  const boom = new Error('bad message');
  const { mon, add } = fixture(t, (...a) => {
    const p = srcPort(...a);
    if (p === 2) throw boom;
    return p;
  });
  const w1 = mon.next();
  const w2 = mon.next();
  await add(1);
  await add(2);
  t.same(await w1, { done: false, value: 1 }, 'the first waiter: the event before the failure');
  await t.rejects(w2, boom, 'the second: the error');
  t.same(await mon.next(), DONE, 'then done');
});

t.test('a decode that skips messages (undefined): the others come, in order', privileged, async (t) => {
  const { mon, add } = fixture(t, (...a) => {
    const p = srcPort(...a);
    return p % 2 === 0 ? undefined : p;
  });
  for (let p = 1; p <= 5; p++) await add(p);
  const got = [(await mon.next()).value, (await mon.next()).value, (await mon.next()).value];
  t.same(got, [1, 3, 5], 'the odd ports only');
  t.equal(mon.queued, 0, 'nothing else queued');
});

t.test('closed from inside decode: nothing decoded then is handed out', privileged, async (t) => {
  let mon: MulticastMonitor<number> | undefined;
  const f = fixture(t, (...a) => {
    const p = srcPort(...a);
    if (p === 2) mon!.close();
    return p;
  });
  mon = f.mon;
  await f.add(1);
  await f.add(2);
  await f.add(3);
  t.same(await mon.next(), DONE, 'done: close() dropped what was queued, and the event whose decoding closed it is not handed out');
  t.equal(mon.queued, 0, 'nothing queued after close');
});

t.test('concurrent next() calls are served in order; close() ends the ones still waiting; next() after close is done', privileged, async (t) => {
  const { mon, add } = fixture(t, srcPort);
  const w = [mon.next(), mon.next(), mon.next()];
  await add(7);
  await add(8);
  t.same([await w[0], await w[1]], [{ done: false, value: 7 }, { done: false, value: 8 }], 'the first two waiters, in order');
  mon.close();
  t.same(await w[2], DONE, 'the third ends with close()');
  t.same(await mon.next(), DONE, 'next() after close: done');
  let n = 0;
  const { mon: m2, add: add2 } = fixture(t, srcPort);
  await add2(1);
  await add2(2);
  for await (const ev of m2) {
    n++;
    t.equal(ev, 1, 'the first event');
    m2.close();
  }
  t.equal(n, 1, 'closed from inside a for await body: the loop ends');
});

t.test('an already-aborted signal: open throws its reason and leaves the socket to the caller', privileged, async (t) => {
  const ns = rawNetns();
  t.teardown(() => ns.close());
  const sock = openSocketIn(NETLINK_NETFILTER, { fd: ns.fd }, { groups: [NFNLGRP_CONNTRACK_NEW] });
  const fds = fdCount();
  const reason = new Error('stopped before');
  const e = (() => {
    try {
      const m = MulticastMonitor.open(sock, srcPort, { signal: AbortSignal.abort(reason) });
      m.close();
      return undefined;
    } catch (x) {
      return x;
    }
  })();
  t.equal(e, reason, "the signal's reason (a monitor made anyway would wait for ever)");
  t.notOk(sock.closed, 'the socket is still the caller\'s');
  t.equal(fdCount(), fds, 'no fd made');
  sock.close();
});

t.test('a burst read by a consumer that never awaits anything else still yields to the event loop every so many events', privileged, async (t) => {
  const ns = rawNetns();
  const NETLINK_ROUTE = 0;
  const RTNLGRP_LINK = 1;
  const sock = openSocketIn(NETLINK_ROUTE, { fd: ns.fd }, { groups: [RTNLGRP_LINK], receiveBufferSize: 16 << 20 });
  const maxQueued = 16;
  const mon = MulticastMonitor.open(sock, (buf, _view, off) => buf.readUInt16LE(off + 4), { maxQueued });
  t.teardown(() => {
    mon.close();
    ns.close();
  });
  // The whole burst (two link messages and more per pair) is queued in the kernel before the monitor reads any of it.
  const batch = Array.from({ length: 150 }, (_, i) => `link add ya${i} type veth peer name yb${i}\n`).join('');
  const r = spawnSync('nsenter', [`--net=/proc/${process.pid}/fd/${ns.fd}`, 'ip', '-batch', '-'], { input: batch });
  t.equal(r.status, 0, 'ip -batch ran');
  await new Promise((res) => setTimeout(res, 20)); // one wake-up fills the queue: reading pauses
  let count = 0;
  let mark = 0;
  let most = 0;
  let stop = false;
  const sample = (): void => {
    most = Math.max(most, count - mark);
    mark = count;
    if (!stop) setImmediate(sample);
  };
  setImmediate(sample);
  const quiet = new Promise<void>((res) => setTimeout(res, 1000));
  let idle = false;
  void quiet.then(() => (idle = true));
  for await (const ev of mon) {
    if (typeof ev !== 'number') t.fail('no overrun');
    count++;
    if (count >= 300 || idle) break;
  }
  stop = true;
  most = Math.max(most, count - mark);
  t.ok(count >= 300, `the burst arrived (${count} events)`);
  t.ok(most <= 4 * maxQueued, `at most ${most} events in one turn of the event loop (maxQueued ${maxQueued})`);
});
