// Every function of src/ns that takes a netns handle (or a callback) refuses a wrong one
// with InvalidArgumentError naming the argument — before any switch, without running the
// callback — and a closed Netns with a ClosedError naming the argument (real kernel).
import t from 'tap';
import { Netns, execNetns, execNetnsSync, netnsWorker, netnsDir } from '../../src/ns/index.js';
import { ClosedError, InvalidArgumentError } from '../../src/netlink/errors.js';
import { withThreadNetns } from '../../src/netlink/netns-switch.js';
import { fdCount, privileged, homeAndNew } from '../helpers.js';
import { threadIno } from './util.js';

/** Not netns handles. koffi turned some into TypeErrors, truncated others to another fd. */
const NOT_HANDLES: [string, unknown][] = [
  ['undefined', undefined],
  ['null', null],
  ['{}', {}],
  ['a path string', '/run/netns/blue'],
  ['a raw fd number', 3],
  ['{ fd: "3" }', { fd: '3' }],
  ['{ fd: -1 }', { fd: -1 }],
  ['{ fd: 1.5 }', { fd: 1.5 }],
  ['{ fd: 2**32 + fd }', 'big'],
];

t.test('execNetns, execNetnsSync, netnsWorker and equals refuse non-handles naming the argument', privileged, async (t) => {
  const home = threadIno();
  const { host, ns } = homeAndNew(t);
  const fds = fdCount();
  let ran = 0;
  const fn = () => {
    ran++;
    return threadIno();
  };
  for (const [what, raw] of NOT_HANDLES) {
    // 2**32 + fd: koffi passed the low 32 bits, i.e. the real namespace fd.
    const h = raw === 'big' ? { fd: 2 ** 32 + ns.fd } : raw;
    const cases: [string, string, () => unknown][] = [
      ['execNetnsSync target', 'target', () => execNetnsSync(host, h as Netns, fn)],
      ['execNetnsSync current', 'current', () => execNetnsSync(h as Netns, ns, fn)],
      ['netnsWorker ns', 'ns', () => netnsWorker(h as Netns, 'process.exit(0)', { eval: true })],
      ['equals other', 'other', () => ns.equals(h as Netns)],
    ];
    for (const [fnName, arg, call] of cases) {
      let e: unknown;
      try {
        call();
      } catch (x) {
        e = x;
      }
      t.ok(e instanceof InvalidArgumentError, `${fnName} ${what}: InvalidArgumentError (got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message})`);
      t.ok((e as InvalidArgumentError)?.argument?.startsWith(arg), `${fnName} ${what}: names ${arg} (${(e as InvalidArgumentError)?.argument})`);
    }
    for (const [fnName, arg, call] of [
      ['execNetns target', 'target', () => execNetns(host, h as Netns, fn)],
      ['execNetns current', 'current', () => execNetns(h as Netns, ns, fn)],
    ] as const) {
      const e = await call().then(() => undefined, (x: unknown) => x);
      t.ok(e instanceof InvalidArgumentError, `${fnName} ${what}: InvalidArgumentError (got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message})`);
      t.ok((e as InvalidArgumentError)?.argument?.startsWith(arg), `${fnName} ${what}: names ${arg}`);
    }
    t.equal(threadIno(), home, `${what}: thread home`);
  }
  t.equal(ran, 0, 'fn never ran');
  t.equal(fdCount(), fds, 'no fd leaked');
});

t.test('a callback that is not a function is refused naming fn, before any switch', privileged, async (t) => {
  const home = threadIno();
  const { host, ns } = homeAndNew(t);
  const fds = fdCount();
  for (const bad of [undefined, null, 5, 'code', {}]) {
    const s = t.throws(() => execNetnsSync(host, ns, bad as never)) as InvalidArgumentError;
    t.ok(s instanceof InvalidArgumentError, `execNetnsSync fn ${String(bad)}: ${s?.constructor?.name}: ${s?.message}`);
    t.equal(s.argument, 'fn');
    const a = await execNetns(host, ns, bad as never).then(() => undefined, (x: unknown) => x) as InvalidArgumentError;
    t.ok(a instanceof InvalidArgumentError, `execNetns fn ${String(bad)}: ${a?.constructor?.name}: ${a?.message}`);
    t.equal(a.argument, 'fn');
    const w = t.throws(() => withThreadNetns(ns.fd, bad as never)) as InvalidArgumentError;
    t.ok(w instanceof InvalidArgumentError, `withThreadNetns fn ${String(bad)}`);
  }
  for (const fd of [undefined, '3', -1, 1.5, 2 ** 32 + ns.fd]) {
    let ran = false;
    const e = t.throws(() => withThreadNetns(fd as number, () => (ran = true))) as InvalidArgumentError;
    t.ok(e instanceof InvalidArgumentError, `withThreadNetns fd ${String(fd)}: ${e?.constructor?.name}: ${e?.message}`);
    t.equal(e.argument, 'fd');
    t.notOk(ran);
  }
  t.equal(fdCount(), fds);
  t.equal(threadIno(), home);
});

t.test('a closed Netns: the ClosedError names which argument', privileged, async (t) => {
  const host = Netns.get();
  t.teardown(() => host.close());
  const closed = Netns.new();
  closed.close();
  const e1 = t.throws(() => execNetnsSync(host, closed, () => 1)) as ClosedError;
  t.ok(e1 instanceof ClosedError);
  t.match(e1.message, /^target \(Netns [\d:]+\) is closed$/);
  const e2 = await execNetns(closed, host, () => 1).catch((x: unknown) => x) as ClosedError;
  t.ok(e2 instanceof ClosedError);
  t.match(e2.message, /^current \(Netns [\d:]+\) is closed$/);
  const e3 = t.throws(() => netnsWorker(closed, 'process.exit(0)', { eval: true })) as ClosedError;
  t.ok(e3 instanceof ClosedError);
  t.match(e3.message, /^ns \(Netns [\d:]+\) is closed$/);
  // equals compares identities: a closed Netns still has one.
  t.equal(host.equals(closed), false);
});

t.test('options must be a plain object', async (t) => {
  for (const o of [[], ['/run/netns']]) {
    const e = t.throws(() => netnsDir(o as never)) as InvalidArgumentError;
    t.ok(e instanceof InvalidArgumentError, `netnsDir(${JSON.stringify(o)})`);
    t.equal(e.argument, 'options');
  }
});
