// The request-side fast paths (ASCII interface names, short ASCII strings, key checks,
// netns targets) give exactly what the general code gives, and still refuse bad input.
import t from 'tap';
import { checkIfname, checkKeys } from '../../src/rtnl/validate.js';
import { resolveNetns } from '../../src/rtnl/netns-target.js';
import { MessageWriter, InvalidArgumentError, ClosedError } from '../../src/netlink/index.js';
import { Netns } from '../../src/ns/index.js';

/** True when `e` is an InvalidArgumentError that `check` accepts. */
function isError(e: unknown, check: (e: InvalidArgumentError) => boolean): boolean {
  return e instanceof InvalidArgumentError && check(e);
}

/** The error `fn` throws (undefined when it returns). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

t.test('checkIfname: accepted and refused names, fast and general paths alike', async (t) => {
  for (const ok of ['a', 'eth0', 'veth0123456789a', 'a.b', '...', 'x-y_z@1', 'a\u00e9', 'vé']) t.equal(checkIfname(ok), ok, `accepts ${JSON.stringify(ok)}`);
  // Spaces the kernel's isspace() does not know (it tests bytes: \t \n \v \f \r, space and
  // 0xa0): U+2003 is e2 80 83, U+3000 e3 80 80, U+FEFF ef bb bf; `ip link add` makes them.
  for (const ok of ['a\u2003b', 'c\u3000d', 'e\ufeff']) t.equal(checkIfname(ok), ok, `accepts ${JSON.stringify(ok)}`);
  const bad: [string, RegExp][] = [
    ['', /empty/],
    ['.', /not a valid/],
    ['..', /not a valid/],
    ['a/b', /contains/],
    ['a:b', /contains/],
    ['a b', /contains/],
    ['a\tb', /contains/],
    ['a\nb', /contains/],
    ['a\u0000b', /contains/],
    ['a\u00a0b', /contains/], // non-ASCII whitespace: the general path's \s
    ['veth0123456789ab', /16 bytes; the limit is 15/],
    ['\u00e9'.repeat(8), /16 bytes/], // 8 characters, 16 bytes
    ['a\u000bb', /contains/], // \v: the kernel's isspace() has it
    // A lone surrogate has no UTF-8: Buffer writes U+FFFD, and the link would get another name.
    ['a\ud800', /lone surrogate/],
    ['\udc00b', /lone surrogate/],
    ['a\udc00\ud800', /lone surrogate/],
  ];
  for (const [name, re] of bad) {
    t.ok(isError(thrown(() => checkIfname(name)), (e) => re.test(e.message)), `refuses ${JSON.stringify(name)}`);
  }
  // DEL (0x7f) is not whitespace: the general path decides, as before the fast path.
  t.equal(checkIfname('a\u007fb'), 'a\u007fb');
  t.throws(() => checkIfname(42 as unknown as string), InvalidArgumentError);
});

t.test('checkKeys: own keys only, unknown ones named', async (t) => {
  const allowed = new Set(['a', 'b']);
  t.doesNotThrow(() => checkKeys({ a: 1, b: undefined }, allowed, ''));
  t.ok(isError(thrown(() => checkKeys({ a: 1, c: 2 }, allowed, 'peer.')), (e) => e.argument === 'peer.c'));
  const proto = { zz: 1 };
  const o = Object.create(proto) as Record<string, unknown>;
  o['a'] = 1;
  t.doesNotThrow(() => checkKeys(o, allowed, ''), 'inherited keys are not the caller\'s options');
  const hidden = { a: 1 };
  Object.defineProperty(hidden, 'q', { value: 1, enumerable: false });
  t.doesNotThrow(() => checkKeys(hidden, allowed, ''), 'non-enumerable keys ignored, as Object.keys did');
});

t.test('putStrz: ASCII loop and UTF-8 encoding write the same attribute bytes', async (t) => {
  const w = new MessageWriter();
  const enc = (s: string): Buffer => {
    w.reset().begin(16, 0, 1);
    w.putStrz(3, s);
    const len = w.finishLength();
    return Buffer.from(w.buf.subarray(16, len));
  };
  const ref = (s: string): Buffer => {
    const v = Buffer.from(s + '\0', 'utf8');
    const out = Buffer.alloc(4 + ((v.length + 3) & ~3));
    out.writeUInt16LE(4 + v.length, 0);
    out.writeUInt16LE(3, 2);
    v.copy(out, 4);
    return out;
  };
  // Dirty the slab first so padding must be written, not inherited.
  w.reset().begin(16, 0, 1);
  w.putBytes(1, Buffer.alloc(200, 0xff));
  w.finishLength();
  for (const s of ['', 'a', 'ab', 'abc', 'abcd', 'veth', 'eth0', 'x'.repeat(31), 'x'.repeat(32), 'x'.repeat(33), 'y'.repeat(100), 'é', 'aé', 'a\u00e9bc', '日本', 'a'.repeat(31) + 'é']) {
    t.same(enc(s), ref(s), `same bytes for ${JSON.stringify(s.length > 12 ? s.slice(0, 12) + '…' : s)} (${s.length})`);
  }
});

t.test('resolveNetns: fd first, then pid; a closed Netns throws ClosedError', async (t) => {
  t.same(resolveNetns(5), { fd: 5 });
  t.same(resolveNetns({ fd: 7 }), { fd: 7 });
  t.same(resolveNetns({ pid: 1 }), { pid: 1 });
  t.same(resolveNetns({ fd: 3, pid: 1 }), { fd: 3 }, 'fd wins over pid');
  t.ok(isError(thrown(() => resolveNetns({ fd: undefined, pid: 1 })), (e) => e.argument === 'netns.fd'), 'an fd key present but undefined is an fd error, as before');
  t.ok(isError(thrown(() => resolveNetns({ pid: 0 })), (e) => e.argument === 'netns.pid'));
  t.throws(() => resolveNetns({ fd: -1 }), InvalidArgumentError);
  // fds are C ints: a bigger number is no fd (IFLA_NET_NS_FD is read as a signed int,
  // and koffi keeps only the low 32 bits of an argument).
  t.ok(isError(thrown(() => resolveNetns({ fd: 2 ** 31 })), (e) => e.argument === 'netns.fd'), '{ fd: 2**31 } refused');
  t.ok(isError(thrown(() => resolveNetns(2 ** 32 + 3)), (e) => e.argument === 'netns'), 'raw 2**32 + 3 refused');
  t.throws(() => resolveNetns({}), InvalidArgumentError);
  t.throws(() => resolveNetns(null), InvalidArgumentError);
  const ns = Netns.get();
  t.same(resolveNetns(ns), { fd: ns.fd });
  ns.close();
  t.throws(() => resolveNetns(ns), ClosedError);
});

t.test('rt.addr.add of an IPv4 address on an ifindex without options: the general path\'s bytes and errors', async (t) => {
  const { AddrApi } = await import('../../src/rtnl/addr/api.js');
  // A recording stub socket: runs the builder with the request's argument, keeps the bytes
  // and the subject text (subjectOf is called as the socket does on an error).
  const w = new MessageWriter();
  // `v4`: the request's argument is the fast path's V4Add (its address as one word).
  const sent: { bytes: string; subject: string | undefined; v4: boolean }[] = [];
  const core = {
    sock: {
      requestWith(type: number, flags: number, build: (w: MessageWriter, a: unknown) => void, arg: unknown, _on: unknown, opts: { subject?: string; subjectOf?: (a: unknown) => string } = {}): Promise<undefined> {
        w.reset().begin(type, flags, 1, 0);
        build(w, arg);
        const len = w.finishLength();
        sent.push({ bytes: w.buf.toString('hex', 0, len), subject: opts.subject ?? opts.subjectOf?.(arg), v4: typeof arg === 'object' && arg !== null && 'word' in arg });
        return Promise.resolve(undefined);
      },
      request(type: number, flags: number, build: (w: MessageWriter) => void, on: unknown, opts: { subject?: string } = {}): Promise<undefined> {
        return this.requestWith(type, flags, (wr) => build(wr), undefined, on, opts);
      },
    },
    linkIndex: (): Promise<number> => Promise.resolve(7),
  };
  const api = AddrApi.of(core as never);
  for (const a of ['198.18.0.1/32', '198.18.0.1', '10.1.2.3/24', '127.0.0.2/8', '0.0.0.0/0', '255.255.255.255/32', '1.2.3.4/0', '1.2.3.4/32', '192.168.254.1/24', '128.1.129.255/17']) {
    sent.length = 0;
    await api.add(7, a); // the fast path
    await api.add(7, a, {}); // an options object: the general path (prepare, writeAddr)
    await api.replace(7, a); // replace: fast path with NLM_F_REPLACE
    t.equal(sent.length, 3);
    t.same(sent.map((x) => x.v4), [true, false, true], `${a}: fast, general, fast`);
    t.equal(sent[0]!.bytes, sent[1]!.bytes, `${a}: same request bytes`);
    t.equal(sent[0]!.subject, sent[1]!.subject, `${a}: same subject`);
    t.equal(sent[0]!.subject, `${a} dev ifindex 7`);
    t.not(sent[2]!.bytes, sent[0]!.bytes, `${a}: replace differs (its flags)`);
  }
  // 127/8 gets host scope (byte 3 of ifaddrmsg, after the 16-byte header), others global.
  sent.length = 0;
  await api.add(7, '127.0.0.2/8');
  await api.add(7, '128.0.0.1/8');
  t.equal(Buffer.from(sent[0]!.bytes, 'hex')[16 + 3], 254, 'host scope for 127.0.0.0/8');
  t.equal(Buffer.from(sent[1]!.bytes, 'hex')[16 + 3], 0, 'global scope otherwise');
  // Bad input is refused as before, nothing sent.
  sent.length = 0;
  for (const [link, addr, re] of [[0, '10.0.0.1/32', /ifindex/], [2 ** 31, '10.0.0.1/32', /ifindex/], [1.5, '10.0.0.1', /ifindex/], [7, '10.0.0.1/33', /address/], [7, '010.0.0.1', /address/], [7, '10.0.0.256', /address/]] as const) {
    await t.rejects(api.add(link, addr), { name: 'InvalidArgumentError', message: re }, `refuses ${link} ${addr}`);
  }
  t.equal(sent.length, 0, 'nothing sent for bad input');
});
