// The poll fallback of NetlinkSocket, driven honestly by the kernel: NETLINK_AUDIT
// answers AUDIT_GET from a kernel thread (kernel/audit.c audit_send_reply →
// kthread_run), so the reply is often not yet queued when sendto returns and the
// socket must wait on its libuv poll handle. rtnetlink never does this (its replies are
// queued inside sendto), so these tests use the audit family.
import t from 'tap';
import { ClosedError, NetlinkSocket, type MessageHandler } from '../../src/netlink/index.js';
import { inRawNetns, privileged, rawNetns } from '../helpers.js';
import * as L from './linux.js';

/** The reply's type and sequence number (struct audit_status follows the header). */
const status: MessageHandler<{ type: number; seq: number; len: number }> = (_b, v, off, len) => ({
  type: v.getUint16(off + 4, true),
  seq: v.getUint32(off + 8, true),
  len,
});
const noBody = () => undefined;

/** An audit socket in a fresh netns (or the given one), or the reason the kernel refuses one. */
function auditSocket(t: { teardown(fn: () => void): void }, ns?: ReturnType<typeof rawNetns>): NetlinkSocket | string {
  if (!ns) {
    const fresh = rawNetns();
    t.teardown(() => fresh.close());
    ns = fresh;
  }
  try {
    const s = inRawNetns(ns!.fd, () => NetlinkSocket.open(L.NETLINK_AUDIT));
    t.teardown(() => s.close());
    return s;
  } catch (e) {
    return `no NETLINK_AUDIT here: ${(e as Error).message}`;
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms (hung)`)), ms);
    }),
  ]);
}

t.test('AUDIT_GET replies come from a kernel thread: requests that find nothing queued wait on poll and still resolve', privileged, async (t) => {
  const s = auditSocket(t);
  if (typeof s === 'string') return void t.pass(s, { skip: s });
  let n = 0;
  while (s.stats.waits < 20 && n < 5000) {
    n++;
    const r = await withTimeout(s.request(L.AUDIT_GET, 0, noBody, status, { ack: false }), 5000, `request ${n}`);
    if (r?.type !== L.AUDIT_GET) t.fail(`request ${n}: reply ${JSON.stringify(r)}`);
  }
  t.comment(`${s.stats.waits} of ${n} AUDIT_GET requests took the poll path`);
  t.ok(s.stats.waits > 0, 'the poll fallback ran (the kernel thread had not replied when sendto returned)');
  t.equal(s.stats.stale + s.stats.foreign, 0);
});

t.test('requests issued while one waits on poll are serialised: each resolves with its own reply', privileged, async (t) => {
  const s = auditSocket(t);
  if (typeof s === 'string') return void t.pass(s, { skip: s });
  let waited = 0;
  for (let round = 0; round < 2000 && waited < 10; round++) {
    const before = s.stats.waits;
    const ps = [0, 1, 2, 3].map(() => s.request(L.AUDIT_GET, 0, noBody, status, { ack: false }));
    if (s.stats.waits > before) waited++;
    const rs = await withTimeout(Promise.all(ps), 5000, `round ${round}`);
    const seqs = rs.map((r) => r!.seq);
    if (rs.some((r) => r!.type !== L.AUDIT_GET) || new Set(seqs).size !== 4 || seqs.some((q, i) => i > 0 && q !== seqs[i - 1]! + 1)) {
      t.fail(`round ${round}: replies ${JSON.stringify(rs)}`);
      break;
    }
  }
  t.ok(waited > 0, `${waited} rounds had a request waiting on poll while others queued behind it`);
  t.equal(s.stats.stale, 0, 'no reply was taken by the wrong request');
});

t.test('close() while a request waits on poll rejects it with ClosedError instead of leaving it pending', privileged, async (t) => {
  const ns = rawNetns();
  t.teardown(() => ns.close());
  let tried = 0;
  for (; tried < 10000; tried++) {
    const s = auditSocket(t, ns);
    if (typeof s === 'string') return void t.pass(s, { skip: s });
    const before = s.stats.waits;
    const p = s.request(L.AUDIT_GET, 0, noBody, status, { ack: false });
    if (s.stats.waits === before) {
      await p;
      s.close();
      continue;
    }
    s.close();
    await t.rejects(withTimeout(p, 5000, 'pending request after close'), ClosedError);
    return;
  }
  t.fail(`no request waited on poll in ${tried} tries`);
});

t.test('a watch() open on the socket while a request waits on poll shares the one poll handle (libuv allows one per fd)', privileged, async (t) => {
  const s = auditSocket(t);
  if (typeof s === 'string') return void t.pass(s, { skip: s });
  let wakes = 0;
  const h = s.watch(() => void wakes++);
  let n = 0;
  while (s.stats.waits < 5 && n < 5000) {
    n++;
    const r = await withTimeout(s.request(L.AUDIT_GET, 0, noBody, status, { ack: false }), 5000, `request ${n}`);
    if (r?.type !== L.AUDIT_GET) t.fail(`request ${n}: ${JSON.stringify(r)}`);
  }
  t.ok(s.stats.waits > 0, `${s.stats.waits} requests waited on poll with a watcher open, and resolved`);
  h.close();
  h.close();
  t.equal(s.stats.stale, 0);
  void wakes;
});

t.test('an error wake-up of the poll handle with nothing to read does not strand a waiting request', privileged, async (t) => {
  // libuv stops the poll handle before it reports an error (status < 0); the socket
  // closes it and, for a pending ENOBUFS, the next read settles the request. When the
  // read finds nothing yet (the reply still to come from the kernel thread), the handle
  // must be started again, or the reply is never read. The wake-up is injected here
  // (UV_EBADF, -9), right after a request went to the poll path.
  const s = auditSocket(t);
  if (typeof s === 'string') return void t.pass(s, { skip: s });
  const inner = s as unknown as { onReadable(status: number): void; waiter: unknown };
  let stranded = 0;
  for (let n = 0; n < 5000 && stranded < 3; n++) {
    const before = s.stats.waits;
    const p = s.request(L.AUDIT_GET, 0, noBody, status, { ack: false });
    if (s.stats.waits > before) {
      inner.onReadable(-9);
      if (inner.waiter !== null) stranded++; // the injected wake-up read nothing: still waiting
    }
    const r = await withTimeout(p, 3000, `request ${n} after an error wake-up`);
    if (r?.type !== L.AUDIT_GET) {
      t.fail(`request ${n}: reply ${JSON.stringify(r)}`);
      break;
    }
  }
  t.ok(stranded > 0, `${stranded} requests were still waiting after an error wake-up that read nothing, and resolved`);
});
