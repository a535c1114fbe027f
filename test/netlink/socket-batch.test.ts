// NetlinkSocket.requestBatch against the real kernel: many requests per sendmsg, one
// outcome per message, chunks sized by the socket's buffers.
import t from 'tap';
import { MessageWriter, NETLINK_ROUTE, NetlinkError, NetlinkSocket, type BatchRequest, type FamilyDescriber, type NetlinkSocketOptions } from '../../src/netlink/index.js';
import { inRawNetns, privileged, rawNetns } from '../helpers.js';
import * as L from './linux.js';
import { RTM_NEWADDR, IFA_LOCAL, IFA_ADDRESS, RTNLGRP_IPV4_IFADDR } from '../../src/rtnl/constants.js';

const describer: FamilyDescriber = { typeName: (type) => (type === L.RTM_NEWLINK ? 'RTM_NEWLINK' : `type ${type}`) };

function setup(t: { teardown(fn: () => void): void }, opts: NetlinkSocketOptions = {}): NetlinkSocket {
  const ns = rawNetns();
  const s = inRawNetns(ns.fd, () => NetlinkSocket.open(NETLINK_ROUTE, { describer, ...opts }));
  t.teardown(() => {
    s.close();
    ns.close();
  });
  return s;
}

/** RTM_NEWLINK on lo changing nothing (ACKed), padded with `pad` bytes of an ignored attribute (IFLA_UNSPEC). */
const touchLo = (pad = 0): BatchRequest => ({
  type: L.RTM_NEWLINK, flags: 0, subject: 'lo',
  build: (w: MessageWriter) => {
    const o = w.reserve(L.IFINFOMSG_LEN);
    w.view.setInt32(o + 4, 1, true);
    if (pad) w.putBytes(0, new Uint8Array(pad));
  },
});
/** RTM_NEWLINK creating a link of a kind that does not exist: refused with EOPNOTSUPP and extended-ACK text. */
const badKind = (name: string): BatchRequest => ({
  type: L.RTM_NEWLINK, flags: 0x400 | 0x200 /* CREATE|EXCL */, subject: name,
  build: (w: MessageWriter) => {
    w.reserve(L.IFINFOMSG_LEN);
    w.putStrz(L.IFLA_IFNAME, name);
    const li = w.nestStart(L.IFLA_LINKINFO);
    w.putStrz(L.IFLA_INFO_KIND, 'nosuchkind');
    w.nestEnd(li);
  },
});

t.test('1000 requests: every one ACKed, in chunks that fit the buffers, no overrun', privileged, async (t) => {
  const s = setup(t);
  const msgs = Array.from({ length: 1000 }, () => touchLo());
  const r = await s.requestBatch(msgs);
  t.equal(r.status.length, 1000);
  t.ok(r.status.every((x) => x === 'ok'), 'all ok');
  t.equal(r.firstRefused, -1);
  t.equal(r.failure, undefined);
  t.equal(s.stats.requests, 1000);
  t.equal(s.stats.waits, 0, 'every ACK was queued when sendmsg returned');
  // The socket goes on as before: a plain request after the batch.
  t.equal(await s.request(L.RTM_NEWLINK, 0, touchLo().build), undefined);
});

t.test('a small receive buffer makes small chunks instead of lost ACKs', privileged, async (t) => {
  const s = setup(t, { receiveBufferSize: 4096 });
  const r = await s.requestBatch(Array.from({ length: 300 }, () => touchLo()));
  t.ok(r.status.every((x) => x === 'ok'), 'all 300 ACKed');
  t.equal(r.failure, undefined);
});

t.test('a small send buffer splits by bytes (the kernel refuses a sendmsg over sk_sndbuf - 32)', privileged, async (t) => {
  const s = setup(t, { sendBufferSize: 4096 });
  const r = await s.requestBatch(Array.from({ length: 40 }, () => touchLo(1500)));
  t.ok(r.status.every((x) => x === 'ok'), 'all 40 messages of ~1.5 KiB ACKed');
  t.equal(r.failure, undefined);
});

t.test('a refused message has its own NetlinkError; the ones around it are still processed', privileged, async (t) => {
  const s = setup(t);
  const r = await s.requestBatch([touchLo(), badKind('nlk0'), touchLo(), badKind('nlk1'), touchLo()]);
  t.same(r.status, ['ok', 'refused', 'ok', 'refused', 'ok']);
  t.equal(r.firstRefused, 1);
  const e = r.errors[1]!;
  t.ok(e instanceof NetlinkError);
  t.equal(e.code, 'EOPNOTSUPP');
  t.match(e.extack.message ?? '', /Unknown device type/);
  t.match(e.message, /RTM_NEWLINK nlk0/, 'names its own message');
  t.match(r.errors[3]!.message, /nlk1/);
  t.same([r.errors[0], r.errors[2], r.errors[4]], [undefined, undefined, undefined]);
});

t.test('without NETLINK_CAP_ACK every error ACK echoes its request: chunks shrink so none is lost', privileged, async (t) => {
  const s = setup(t, { capAck: false });
  const big = (name: string): BatchRequest => {
    const b = badKind(name);
    return { ...b, build: (w: MessageWriter) => { b.build(w); w.putBytes(0, new Uint8Array(1500)); } };
  };
  const r = await s.requestBatch(Array.from({ length: 300 }, (_, i) => big(`nlk${i}`)));
  t.equal(r.failure, undefined, 'no overrun');
  t.ok(r.status.every((x) => x === 'refused'), 'all 300 refusals came back');
  t.match(r.errors[299]!.message, /nlk299/);
});

t.test('without NETLINK_CAP_ACK an error ACK echoing a message bigger than the receive slab is still that message\'s refusal; the chunk\'s other answers are read', privileged, async (t) => {
  const s = setup(t, { capAck: false });
  // 90 KB of ignored attributes (IFLA_UNSPEC): the refusal's echo does not fit 64 KiB.
  const huge = badKind('nlkhuge');
  const bigBad: BatchRequest = { ...huge, build: (w: MessageWriter) => { huge.build(w); for (let i = 0; i < 3; i++) w.putBytes(0, new Uint8Array(30000)); } };
  const r = await s.requestBatch([touchLo(), bigBad, touchLo()]);
  t.equal(r.failure, undefined, 'every answer was read');
  t.same(r.status, ['ok', 'refused', 'ok']);
  t.match(r.errors[1], { code: 'EOPNOTSUPP', request: { subject: 'nlkhuge' } });
  t.equal(s.stats.truncated, 1, 'the refusal was the truncated datagram');
  t.equal(s.stats.stale, 0, 'no answer of the chunk was left for the next request to skip');
});

t.test('stopOnError: nothing is sent after the chunk that held a refusal', privileged, async (t) => {
  const s = setup(t, { receiveBufferSize: 4096 }); // chunks of a few messages
  const msgs = [badKind('nlk0'), ...Array.from({ length: 200 }, () => touchLo())];
  const r = await s.requestBatch(msgs, { stopOnError: true });
  t.equal(r.status[0], 'refused');
  const sent = r.status.filter((x) => x !== 'unsent').length;
  t.ok(sent > 1 && sent < 201, `the first chunk was processed whole (${sent} messages), the rest not sent`);
  t.ok(r.status.slice(1, sent).every((x) => x === 'ok'));
  t.ok(r.status.slice(sent).every((x) => x === 'unsent'));
  t.equal(s.stats.requests, sent);
});

t.test('a builder that throws rejects the batch before anything is sent; an empty batch sends nothing', privileged, async (t) => {
  const s = setup(t);
  const boom: BatchRequest = { type: L.RTM_NEWLINK, flags: 0, build: () => { throw new Error('boom'); } };
  await t.rejects(s.requestBatch([touchLo(), touchLo(), boom]), /boom/);
  t.equal(s.stats.requests, 0);
  const r = await s.requestBatch([]);
  t.same(r, { status: [], errors: [], firstRefused: -1, failure: undefined });
  t.equal(s.stats.requests, 0);
  s.close();
  await t.rejects(s.requestBatch([touchLo()]), { name: 'ClosedError' });
});

/** RTM_NEWADDR of 10.77.(i/250).(i%250+1)/32 on lo (ifindex 1), with extra nlmsg flags. */
const addOnLo = (i: number, flags = 0): BatchRequest => ({
  type: RTM_NEWADDR, flags: 0x400 | 0x200 /* CREATE|EXCL */ | flags, subject: `addr ${i}`,
  build: (w: MessageWriter) => {
    const o = w.reserve(8);
    w.buf[o] = 2; // AF_INET
    w.buf[o + 1] = 32;
    w.view.setUint32(o + 4, 1, true);
    const ip = new Uint8Array([10, 77, Math.floor(i / 250), (i % 250) + 1]);
    w.putBytes(IFA_LOCAL, ip);
    w.putBytes(IFA_ADDRESS, ip);
  },
});

/** Resolves with `p`, or rejects when it has not settled after `ms` (a hung socket). */
function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`still pending after ${ms} ms`)), ms)));
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

t.test('an overrun mid-chunk: ACKs that arrived are recorded, the rest unknown, and the socket stays usable', privileged, async (t) => {
  const s = setup(t);
  // NLM_F_ECHO makes the kernel queue a full RTM_NEWADDR per request beside its ACK,
  // more than the chunk budget allows for: the receive queue overflows.
  const r = await s.requestBatch(Array.from({ length: 3000 }, (_, i) => addOnLo(i, 0x8 /* NLM_F_ECHO */)));
  t.ok(r.failure instanceof NetlinkError && (r.failure as NetlinkError).code === 'ENOBUFS', 'the overrun is the failure');
  const ok = r.status.filter((x) => x === 'ok').length;
  const unknown = r.status.filter((x) => x === 'unknown').length;
  t.ok(ok > 0, `the ACKs queued after the overrun were read (${ok} ok)`);
  t.ok(unknown > 0, `the lost ones are unknown (${unknown})`);
  t.equal(r.status.filter((x) => x === 'unsent').length, 3000 - ok - unknown, 'nothing after the failed chunk was sent');
  // Before the fix the kernel still marked the socket congested and dropped this reply.
  t.equal(await within(s.request(L.RTM_NEWLINK, 0, touchLo().build), 3000), undefined, 'the next request is answered');
});

t.test('a socket in a multicast group: chunks leave room for the notifications the requests cause', privileged, async (t) => {
  const s = setup(t, { groups: [RTNLGRP_IPV4_IFADDR] });
  const r = await s.requestBatch(Array.from({ length: 1000 }, (_, i) => addOnLo(i)));
  t.equal(r.failure, undefined, 'no overrun');
  t.ok(r.status.every((x) => x === 'ok'), 'all 1000 ACKed');
  t.equal(await within(s.request(L.RTM_NEWLINK, 0, touchLo().build), 3000), undefined);
});

t.test('requestBatch refuses what is not an array, before anything is sent', privileged, async (t) => {
  const s = setup(t);
  for (const bad of [null, undefined, { length: 2 }, 'x']) {
    await t.rejects(s.requestBatch(bad as unknown as BatchRequest[]), { code: 'ERR_NLKIT_INVALID_ARG', argument: 'messages' });
  }
  t.equal(s.stats.requests, 0);
});
