// Kernel warnings: an extended-ACK message on a request the kernel accepted (NLM_F_ACK_TLVS
// on a success ACK), which `tc` prints as "Warning: …". HTB gives one on this kernel: a
// class without a quantum whose rate / r2q is over 200000 bytes has its quantum clamped,
// and the kernel says so ("quantum of class 10001 is big. Consider r2q change."). Before,
// nlkit read the ACK as success and dropped the text.
import t from 'tap';
import { NetlinkSocket, NETLINK_ROUTE, NLM_F_CREATE, NLM_F_EXCL } from '../../src/netlink/index.js';
import { InvalidArgumentError, NetlinkWarning } from '../../src/netlink/errors.js';
import { Rtnl } from '../../src/rtnl/index.js';
import { Genl } from '../../src/genl/index.js';
import { Conntrack, IpSet } from '../../src/nfnl/index.js';
import { Xfrm } from '../../src/xfrm/index.js';
import { SockDiag } from '../../src/diag/index.js';
import * as C from '../../src/rtnl/constants.js';
import { privileged, rawNetns } from '../helpers.js';
import { tc } from '../rtnl/tc-helpers.js';

const BIG = /quantum of class 1000[0-9a-f] is big\. Consider r2q change\./;

/** A fresh netns with veth v0/v1 and an htb root qdisc on v0 whose r2q makes any fast class's quantum too big. */
async function htbFixture(t: { teardown(fn: () => void): void }, onWarning: ((w: NetlinkWarning) => void) | null | undefined): Promise<{ rt: Rtnl; path: string }> {
  const ns = rawNetns();
  const rt = Rtnl.open({ netns: ns.fd, ...(onWarning !== undefined ? { onWarning } : {}) });
  t.teardown(() => {
    rt.close();
    ns.close();
  });
  await rt.link.add({ name: 'v0', kind: 'veth', peer: { name: 'v1' } });
  await rt.qdisc.add({ link: 'v0', handle: '1:', kind: 'htb', r2q: 1 });
  return { rt, path: ns.path };
}

/** Collects process 'warning' events of type NetlinkWarning until the test ends. */
function processWarnings(t: { teardown(fn: () => void): void }): Error[] {
  const seen: Error[] = [];
  const on = (w: Error): void => {
    if (w.name === 'NetlinkWarning') seen.push(w);
  };
  process.on('warning', on);
  t.teardown(() => {
    process.off('warning', on);
  });
  return seen;
}

t.test('a handler gets the warning, before the accepting call resumes', privileged, async (t) => {
  const got: NetlinkWarning[] = [];
  const { rt, path } = await htbFixture(t, (w) => got.push(w));
  const before = got.length;
  await rt.class.add({ link: 'v0', parent: '1:', classid: '1:1', kind: 'htb', rate: '10gbit' });
  t.equal(got.length - before, 1, 'one warning, already delivered when the await returns');
  const w = got[got.length - 1]!;
  t.ok(w instanceof NetlinkWarning, 'a NetlinkWarning');
  t.ok(w instanceof Error);
  t.equal(w.name, 'NetlinkWarning');
  t.equal(w.code, 'NLKIT_KERNEL_WARNING');
  t.match(w.extack.message, BIG, 'the kernel\'s text, as tc prints it after "Warning: sch_htb:"');
  t.equal(w.request.typeName, 'RTM_NEWTCLASS');
  t.equal(w.request.type, C.RTM_NEWTCLASS);
  t.match(w.message, new RegExp(`^sch_htb: ${BIG.source} \\(RTM_NEWTCLASS`), 'message: the text, then the request');
  // The class was made, with the quantum the kernel clamped it to.
  // (this tc prints htb classes as text even with -j)
  t.match(tc(path, ['-d', 'class', 'show', 'dev', 'v0', 'classid', '1:1']), /^class htb 1:1 root .* quantum 200000 /m, 'the class exists, its quantum clamped to 200000 as the warning says');
  // A request the kernel accepts without comment gives none.
  await rt.class.add({ link: 'v0', parent: '1:', classid: '1:2', kind: 'htb', rate: '1mbit' });
  t.equal(got.length - before, 1, 'no warning for a plain success ACK');
});

t.test('by default a warning is a process warning (stderr, like tc\'s "Warning:")', privileged, async (t) => {
  const seen = processWarnings(t);
  const { rt } = await htbFixture(t, undefined);
  await rt.class.add({ link: 'v0', parent: '1:', classid: '1:1', kind: 'htb', rate: '10gbit' });
  await new Promise((r) => setImmediate(r)); // process.emitWarning emits on the next tick
  t.equal(seen.length, 1, 'one process warning');
  t.ok(seen[0] instanceof NetlinkWarning);
  t.match(seen[0]?.message, BIG);
});

t.test('onWarning: null drops warnings', privileged, async (t) => {
  const seen = processWarnings(t);
  const { rt } = await htbFixture(t, null);
  await rt.class.add({ link: 'v0', parent: '1:', classid: '1:1', kind: 'htb', rate: '10gbit' });
  await new Promise((r) => setImmediate(r));
  t.equal(seen.length, 0, 'nothing emitted');
  t.equal(rt.sock.onWarning, null);
});

t.test('each message of a batch that draws a warning gives one, naming that message', privileged, async (t) => {
  const got: NetlinkWarning[] = [];
  const { rt } = await htbFixture(t, (w) => got.push(w));
  // The bytes of one class request (as rt.class.add wrote them), sent as three batch
  // messages that differ in the class id: 1:5 and 1:7 draw a warning, the second 1:5 is
  // refused (EEXIST) and gives none.
  await rt.class.add({ link: 'v0', parent: '1:', classid: '1:4', kind: 'htb', rate: '10gbit' });
  const len = rt.sock.writer.buf.readUInt32LE(0);
  const body = Buffer.from(rt.sock.writer.buf.subarray(16, len));
  got.length = 0;
  const withHandle = (minor: number): Buffer => {
    const b = Buffer.from(body);
    b.writeUInt32LE((1 << 16) | minor, 8); // struct tcmsg: family, pad, ifindex, tcm_handle
    return b;
  };
  const r = await rt.sock.requestBatch([5, 5, 7].map((minor) => ({
    type: C.RTM_NEWTCLASS,
    flags: NLM_F_CREATE | NLM_F_EXCL,
    subject: `class 1:${minor}`,
    build: (w) => {
      const o = w.reserve(body.length);
      withHandle(minor).copy(w.buf, o);
    },
  })));
  t.strictSame(r.status, ['ok', 'refused', 'ok']);
  t.equal(r.errors[1]?.code, 'EEXIST');
  t.strictSame(got.map((w) => w.request.subject), ['class 1:5', 'class 1:7'], 'one warning per accepted message, by subject');
  t.ok(got.every((w) => BIG.test(w.message) && w.request.typeName === 'RTM_NEWTCLASS'));
  t.not(got[0]?.request.seq, got[1]?.request.seq, 'each names its own sequence number');
});

t.test('a handler that throws or makes a request runs outside the read', privileged, async (t) => {
  let inner: unknown;
  const rtRef: { rt?: Rtnl } = {};
  const { rt } = await htbFixture(t, (w) => {
    // A request from the handler (a microtask after the read) works on the same socket.
    inner = rtRef.rt!.link.get('v0').then((l) => l.name, (e: unknown) => e);
    void w;
  });
  rtRef.rt = rt;
  await rt.class.add({ link: 'v0', parent: '1:', classid: '1:1', kind: 'htb', rate: '10gbit' });
  t.equal(await inner, 'v0', 'the request made from the handler was answered');
  const { rt: rt2 } = await htbFixture(t, () => {
    throw new Error('handler failed');
  });
  const caught = new Promise<Error>((resolve) => {
    const orig = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    process.once('uncaughtException', (e) => {
      for (const l of orig) process.on('uncaughtException', l);
      resolve(e);
    });
  });
  await rt2.class.add({ link: 'v0', parent: '1:', classid: '1:1', kind: 'htb', rate: '10gbit' });
  t.pass('the accepted request resolved although its warning handler throws');
  t.equal((await caught).message, 'handler failed', 'the throw is an uncaught exception, as from an event listener');
  t.equal((await rt2.link.get('v0')).name, 'v0', 'the socket still works');
});

t.test('links made in another netns report warnings to the handle\'s handler', privileged, async (t) => {
  const got: NetlinkWarning[] = [];
  const { rt } = await htbFixture(t, (w) => got.push(w));
  const other = rawNetns();
  t.teardown(() => other.close());
  // No kernel warning on a link add to force here; what can be checked is that the socket
  // a tap add opens in the other netns (to open /dev/net/tun there) carries the handle's
  // handler, and not the default.
  const { NetlinkSocket: S } = await import('../../src/netlink/index.js');
  const opened: NetlinkSocket[] = [];
  const orig = S.open;
  S.open = function (this: unknown, ...a: Parameters<typeof S.open>) {
    const s = orig.apply(S, a);
    opened.push(s);
    return s;
  } as typeof S.open;
  try {
    await rt.link.add({ name: 't0', kind: 'tap', netns: other.fd });
  } finally {
    S.open = orig;
  }
  t.ok(opened.length >= 1, 'a socket was opened for the other netns');
  t.ok(opened.every((s) => s.onWarning === rt.sock.onWarning), 'with the handle\'s onWarning');
});

t.test('onWarning is checked before anything is opened, on every handle', async (t) => {
  for (const bad of ['stderr', 1, {}, true]) {
    t.throws(() => NetlinkSocket.open(NETLINK_ROUTE, { onWarning: bad as never }), InvalidArgumentError, `NetlinkSocket ${String(bad)}`);
    t.throws(() => Rtnl.open({ onWarning: bad as never }), /onWarning: expected a function or null/, `Rtnl ${String(bad)}`);
  }
  const f = (): void => {};
  for (const open of [
    (o: object) => Rtnl.open(o), (o: object) => Genl.open(o), (o: object) => Conntrack.open(o),
    (o: object) => IpSet.open(o), (o: object) => Xfrm.open(o), (o: object) => SockDiag.open(o),
  ]) {
    const h = open({ onWarning: f }) as { sock: NetlinkSocket; close(): void };
    t.equal(h.sock.onWarning, f, `${h.constructor.name} passes onWarning to its socket`);
    h.close();
    const d = open({}) as { sock: NetlinkSocket; close(): void };
    t.equal(d.sock.onWarning?.name, 'emitNetlinkWarning', `${d.constructor.name} defaults to process warnings`);
    d.close();
  }
});

t.test('the default handler\'s stderr line is the one the README shows', async (t) => {
  // process.emitWarning prints an Error's `code` in brackets: the docs showed the line
  // without it ("(node:PID) NetlinkWarning: …").
  const { spawnSync } = await import('node:child_process');
  const mod = new URL('../../src/netlink/index.js', import.meta.url).href;
  const errs = new URL('../../src/netlink/errors.js', import.meta.url).href;
  const code = `const { emitNetlinkWarning } = await import(${JSON.stringify(mod)}); const { NetlinkWarning } = await import(${JSON.stringify(errs)});
emitNetlinkWarning(new NetlinkWarning({ type: 40, typeName: 'RTM_NEWTCLASS', seq: 1, subject: 'dev v0 parent 1: classid 1:1 htb' }, { message: 'sch_htb: quantum of class 10001 is big. Consider r2q change.' }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  const line = r.stderr.split('\n')[0]!;
  t.match(line, /^\(node:\d+\) \[NLKIT_KERNEL_WARNING\] NetlinkWarning: sch_htb: quantum of class 10001 is big\. Consider r2q change\. \(RTM_NEWTCLASS dev v0 parent 1: classid 1:1 htb\)$/);
  const { readFileSync } = await import('node:fs');
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  t.match(readme, /`\(node:PID\) \[NLKIT_KERNEL_WARNING\] NetlinkWarning: sch_htb: quantum of class 10001 is big\./, 'the README shows that line');
});

t.test('sock.onWarning set later is checked as the option is', async (t) => {
  // Before, any value was taken, and the first kernel warning threw "handler is not a
  // function" as an uncaught exception, far from the assignment.
  const s = NetlinkSocket.open(NETLINK_ROUTE);
  t.teardown(() => s.close());
  for (const bad of ['stderr', 1, {}, true, undefined]) {
    t.throws(() => {
      s.onWarning = bad as never;
    }, { name: 'InvalidArgumentError', argument: 'onWarning' }, String(bad));
  }
  t.equal(s.onWarning?.name, 'emitNetlinkWarning', 'unchanged by the refused values');
  const f = (): void => {};
  s.onWarning = f;
  t.equal(s.onWarning, f);
  s.onWarning = null;
  t.equal(s.onWarning, null);
});
