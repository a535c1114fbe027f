// decodeAddr's fast path (the kernel's common address shapes, one object literal) must
// give exactly what the general decoder gives — same keys, same order, same values —
// for every message: real kernel dumps of many kinds of addresses, and those messages
// with attributes reordered, dropped, duplicated, shortened or unknown.
import v8 from 'node:v8';
import t from 'tap';
import { Rtnl } from '../../src/rtnl/index.js';
import { RESULT_SHAPES, decodeAddr, decodeAddrGeneral } from '../../src/rtnl/addr/decode.js';
import { RTM_GETADDR, RTM_NEWADDR } from '../../src/rtnl/constants.js';
import { ip, privileged, rawNetns } from '../helpers.js';

const view = (b: Buffer): DataView => new DataView(b.buffer, b.byteOffset, b.length);
const FOREVER = 0xffffffff;

/** Both decoders on one message: results as JSON (key order counts), or the error message. */
function both(msg: Buffer): { fast: string; general: string } {
  const run = (f: typeof decodeAddr): string => {
    try {
      return JSON.stringify(f(msg, view(msg), 0, msg.length)) ?? 'undefined';
    } catch (e) {
      return `throws ${(e as Error).message}`;
    }
  };
  return { fast: run(decodeAddr), general: run(decodeAddrGeneral) };
}

/** Split a message into [header (nlmsghdr + ifaddrmsg), attributes...] (each attribute with its padding). */
function split(msg: Buffer): { head: Buffer; attrs: Buffer[] } {
  const head = msg.subarray(0, 24);
  const attrs: Buffer[] = [];
  let p = 24;
  while (p + 4 <= msg.length) {
    const len = msg.readUInt16LE(p);
    const a = (len + 3) & ~3;
    attrs.push(msg.subarray(p, p + a));
    p += a;
  }
  return { head, attrs };
}

function join(head: Buffer, attrs: Buffer[]): Buffer {
  const m = Buffer.concat([head, ...attrs]);
  m.writeUInt32LE(m.length, 0);
  return m;
}

/** The message variations the fast path must either handle identically or hand over. */
function variants(msg: Buffer): Buffer[] {
  const { head, attrs } = split(msg);
  const out: Buffer[] = [msg];
  for (let i = 0; i < attrs.length; i++) {
    out.push(join(head, attrs.filter((_, j) => j !== i))); // one dropped
    out.push(join(head, [...attrs.slice(0, i + 1), attrs[i]!, ...attrs.slice(i + 1)])); // one duplicated
    for (let j = i + 1; j < attrs.length; j++) {
      const sw = [...attrs];
      [sw[i], sw[j]] = [sw[j]!, sw[i]!];
      out.push(join(head, sw)); // two swapped
    }
    const short = Buffer.from(attrs[i]!.subarray(0, 4 + Math.max(0, attrs[i]!.readUInt16LE(0) - 5)));
    short.writeUInt16LE(short.length, 0);
    out.push(join(head, [...attrs.slice(0, i), Buffer.concat([short, Buffer.alloc((4 - (short.length % 4)) % 4)]), ...attrs.slice(i + 1)])); // one a byte short
  }
  out.push(join(head, [...attrs, Buffer.from([8, 0, 99, 0, 1, 2, 3, 4])])); // an unknown attribute
  const bad = Buffer.from(msg);
  if (attrs.length) bad.writeUInt16LE(0xff, 24); // a length past the end
  out.push(bad);
  out.push(Buffer.concat([msg, Buffer.from([1, 2])])); // trailing bytes (the message length includes them)
  out[out.length - 1]!.writeUInt32LE(msg.length + 2, 0);
  return out;
}

t.test('fast path equals the general decoder on hand-made messages and their variations', async (t) => {
  const hex = [
    // 10.1.0.2/24 on ifindex 3, label v0, permanent, forever (the common IPv4 shape)
    '4c000000 1400 0200 01000000 00000000 02 18 80 00 03000000 0800 0100 0a010002 0800 0200 0a010002 0700 0300 763000 00 0800 0800 80000000 1400 0600 ffffffff ffffffff 10270000 20270000',
    // with IFA_BROADCAST 10.1.0.255 and label v0:1, lifetimes 300/200
    '58000000 1400 0200 01000000 00000000 02 18 80 00 03000000 0800 0100 0a010003 0800 0200 0a010003 0800 0400 0a0100ff 0900 0300 76303a31 00000000 0800 0800 00000000 1400 0600 c8000000 2c010000 10270000 20270000',
    // a peer: IFA_ADDRESS 10.9.0.2 ≠ IFA_LOCAL 10.9.0.1
    '4c000000 1400 0200 01000000 00000000 02 20 80 00 03000000 0800 0100 0a090002 0800 0200 0a090001 0700 0300 763000 00 0800 0800 80000000 1400 0600 ffffffff ffffffff 10270000 20270000',
    // IPv6 2001:db8::1/64 nodad|permanent (IFA_ADDRESS, IFA_CACHEINFO, IFA_FLAGS)
    '48000000 1400 0200 01000000 00000000 0a 40 82 00 03000000 1400 0100 20010db8000000000000000000000001 1400 0600 ffffffff ffffffff 10270000 20270000 0800 0800 82000000',
  ].map((h) => Buffer.from(h.replace(/\s+/g, ''), 'hex'));
  let n = 0;
  for (const msg of hex) {
    t.equal(msg.readUInt32LE(0), msg.length, 'fixture length');
    for (const v of variants(msg)) {
      const r = both(v);
      if (r.fast !== r.general) t.fail(`differs on ${v.toString('hex')}:\n fast    ${r.fast}\n general ${r.general}`);
      n++;
    }
  }
  t.ok(n > 100, `${n} messages compared`);
  // The common shapes do take the fast path: one hidden shape, keys in the general order.
  const a = decodeAddr(hex[0]!, view(hex[0]!), 0, hex[0]!.length)!;
  t.same(Object.keys(a), ['family', 'index', 'address', 'prefixLen', 'scope', 'flags', 'rawFlags', 'validLifetime', 'preferredLifetime', 'label', 'cacheinfo', 'local']);
  // Callers own the flags array: changing one result's leaves the next one alone.
  a.flags.push('mine');
  t.same(decodeAddr(hex[0]!, view(hex[0]!), 0, hex[0]!.length)!.flags, ['permanent']);
});

t.test('fast path equals the general decoder on a real kernel dump of many kinds of address', privileged, async (t) => {
  const ns = rawNetns();
  const rt = Rtnl.open({ netns: ns.fd });
  t.teardown(() => {
    rt.close();
    ns.close();
  });
  ip(ns.path, ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
  ip(ns.path, ['link', 'set', 'v0', 'up']); // IPv6 link-local addresses (IFA_PROTO on newer kernels) appear
  ip(ns.path, ['link', 'set', 'v1', 'up']);
  await rt.addr.add('v0', '10.1.0.2/24');
  await rt.addr.add('v0', '10.1.0.3/24', { label: 'v0:1', broadcast: true });
  await rt.addr.add('v0', '10.9.0.1/32', { peer: '10.9.0.2' });
  await rt.addr.add('v0', '2001:db8::1/64', { nodad: true });
  await rt.addr.add('v1', '10.2.0.1/24', { validLifetime: 300, preferredLifetime: 200, scope: 'link' });
  await rt.addr.add('v0', '2001:db8:2::1/64', { noprefixroute: true, nodad: true, metric: 50 });
  await rt.addr.add('v1', '127.1.0.1/8');
  await rt.addr.add('v1', '2001:db8:3::1/48', { validLifetime: 500, preferredLifetime: 400 });
  await rt.addr.add('v1', '2001:db8:4::1/128', { peer: '2001:db8:4::2' });
  await rt.addr.add('v0', '10.5.0.1/16', { protocol: 'kernel_lo', metric: 7 });
  const msgs: Buffer[] = [];
  await rt.sock.dump(RTM_GETADDR, 0, (w) => w.reserve(8), (buf, _v, off, len) => {
    if (buf.readUInt16LE(off + 4) === RTM_NEWADDR) msgs.push(Buffer.from(buf.subarray(off, off + len)));
    return 1;
  });
  t.ok(msgs.length >= 12, `${msgs.length} addresses dumped`);
  let n = 0;
  for (const msg of msgs) {
    for (const v of variants(msg)) {
      const r = both(v);
      if (r.fast !== r.general) t.fail(`differs on ${v.toString('hex')}:\n fast    ${r.fast}\n general ${r.general}`);
      n++;
    }
  }
  t.pass(`${n} messages compared`);
});

/** The kernel's IPv4 layout (ADDRESS = LOCAL, [BROADCAST], LABEL, FLAGS, CACHEINFO), little-endian. */
function v4msg(addr: number[], labelBytes: number[], opts: { broadcast?: number[]; pad?: number; flags?: number; index?: number; valid?: number; preferred?: number } = {}): Buffer {
  const attr = (type: number, payload: number[], pad = 0): Buffer => {
    const a = Buffer.alloc((4 + payload.length + 3) & ~3, pad);
    a.writeUInt16LE(4 + payload.length, 0);
    a.writeUInt16LE(type, 2);
    Buffer.from(payload).copy(a, 4);
    return a;
  };
  const head = Buffer.from('00000000 1400 0200 01000000 00000000 02 18 80 00 00000000'.replace(/\s+/g, ''), 'hex');
  head.writeUInt32LE(opts.index ?? 3, 20);
  const u32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
  const attrs = [attr(1, addr), attr(2, addr)];
  if (opts.broadcast) attrs.push(attr(4, opts.broadcast));
  attrs.push(attr(3, labelBytes, opts.pad ?? 0), attr(8, u32(opts.flags ?? 0x80)), attr(6, [...u32(opts.preferred ?? 200), ...u32(opts.valid ?? 300), ...u32(10000), ...u32(20000)]));
  return join(head, attrs);
}

t.test('fixed-offset IPv4 path equals the general decoder for every label length and padding', async (t) => {
  const ascii = (s: string): number[] => [...Buffer.from(s)];
  const msgs: Buffer[] = [];
  for (let n = 0; n <= 20; n++) {
    const name = 'abcdefghijklmnopqrst'.slice(0, n);
    for (const nul of [true, false]) {
      const bytes = nul ? [...ascii(name), 0] : ascii(name);
      msgs.push(v4msg([10, 1, 0, n], bytes));
      msgs.push(v4msg([200, 1, 0, n], bytes, { broadcast: [200, 1, 0, 255] }));
      msgs.push(v4msg([10, 1, 0, n], bytes, { pad: 0xee })); // non-zero padding after the label
      // Same length, one byte different in each word: the label cache must not answer.
      for (let i = 0; i < bytes.length; i++) {
        const other = [...bytes];
        other[i] = 0x5a;
        msgs.push(v4msg([10, 1, 0, n], other));
      }
    }
  }
  msgs.push(v4msg([255, 255, 255, 255], [0x76, 0x30, 0]), v4msg([128, 0, 0, 1], [0x76, 0x30, 0]), v4msg([0, 0, 0, 0], [0x76, 0x30, 0]));
  msgs.push(v4msg([10, 1, 0, 1], [0xc3, 0xa9, 0x74, 0x68, 0x30, 0])); // UTF-8 label 'éth0'
  msgs.push(v4msg([10, 1, 0, 1], [0x76, 0x30, 0], { flags: 0x81, index: 0x80000001 }));
  // Lifetimes: forever (the shared-number path), one of the two forever, both finite.
  for (const [valid, preferred] of [[FOREVER, FOREVER], [FOREVER, 0], [0, FOREVER], [FOREVER - 1, FOREVER - 1], [2 ** 31, 7]] as const) {
    msgs.push(v4msg([10, 1, 0, 9], [0x76, 0x30, 0], { valid, preferred }));
    msgs.push(v4msg([10, 1, 0, 9], [0x76, 0x30, 0], { valid, preferred, broadcast: [10, 1, 0, 255], flags: 0x80 | 0x20 }));
  }
  let n = 0;
  // Twice through, so that labels come both after a different label and after the same one.
  for (const msg of [...msgs, ...msgs, ...msgs.slice().reverse()]) {
    for (const v of [msg, ...variants(msg)]) {
      const r = both(v);
      if (r.fast !== r.general) t.fail(`differs on ${v.toString('hex')}:\n fast    ${r.fast}\n general ${r.general}`);
      n++;
    }
  }
  t.ok(n > 10000, `${n} messages compared`);
  const withBrd = v4msg([10, 1, 0, 3], [0x76, 0x30, 0x3a, 0x31, 0], { broadcast: [10, 1, 0, 255] });
  t.same(Object.keys(decodeAddr(withBrd, view(withBrd), 0, withBrd.length)!), ['family', 'index', 'address', 'prefixLen', 'scope', 'flags', 'rawFlags', 'validLifetime', 'preferredLifetime', 'broadcast', 'label', 'cacheinfo', 'local']);
  // A message inside a larger buffer: nothing read past its end counts.
  const inner = v4msg([10, 1, 0, 7], [0x76, 0x30, 0]);
  const big = Buffer.concat([Buffer.alloc(12, 0xff), inner, Buffer.alloc(12, 0xff)]);
  t.equal(JSON.stringify(decodeAddr(big, view(big), 12, inner.length)), JSON.stringify(decodeAddrGeneral(inner, view(inner), 0, inner.length)));
});

t.test('address texts stay right when the address cache slots collide and are replaced', async (t) => {
  // Addresses that share a cache slot (same low bits after the hash), random ones, and
  // each of them again: the fast path must give the general decoder's text every time.
  const addrs: number[][] = [];
  for (let i = 0; i < 64; i++) addrs.push([10, i, 0, 1], [10, i, 16, 1], [192, 168, i, 255]);
  let seed = 12345;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
  for (let i = 0; i < 6000; i++) addrs.push([rnd(), rnd(), rnd(), rnd()]);
  let bad = 0;
  for (const a of [...addrs, ...addrs.slice().reverse(), ...addrs]) {
    const m = v4msg(a, [0x76, 0x30, 0]);
    const r = both(m);
    if (r.fast !== r.general && bad++ < 5) t.fail(`${a.join('.')}: fast ${r.fast} general ${r.general}`);
  }
  t.equal(bad, 0, `${addrs.length * 3} addresses compared`);
});

t.test('lifetimes decode as numbers whichever path shares or boxes them', async (t) => {
  for (const [valid, preferred] of [[FOREVER, FOREVER], [FOREVER, 0], [5, FOREVER], [2 ** 31, 2 ** 31 - 1]] as const) {
    for (const broadcast of [undefined, [10, 1, 0, 255]]) {
      const m = v4msg([10, 1, 0, 2], [0x76, 0x30, 0], { valid, preferred, ...(broadcast ? { broadcast } : {}) });
      const a = decodeAddr(m, view(m), 0, m.length)!;
      t.same([a.validLifetime, a.preferredLifetime, a.cacheinfo!.valid, a.cacheinfo!.preferred, a.cacheinfo!.created, a.cacheinfo!.updated],
        [valid, preferred, valid, preferred, 10000, 20000], `valid ${valid}, preferred ${preferred}${broadcast ? ', broadcast' : ''}`);
      // Each result's cacheinfo is its own object, whatever it holds.
      const b = decodeAddr(m, view(m), 0, m.length)!;
      t.not(a.cacheinfo, b.cacheinfo);
      a.cacheinfo!.valid = 1;
      t.equal(b.cacheinfo!.valid, valid, 'changing one result leaves the next alone');
    }
  }
});

t.test('the shapes made at load have the keys of the decoders\' results, in the same order', async (t) => {
  // RESULT_SHAPES only helps when its objects have exactly the keys (and order) of what
  // the decoders return; a key added to a decoder's literal must be added there too.
  const plain = v4msg([10, 1, 0, 2], [0x76, 0x30, 0], { valid: FOREVER, preferred: FOREVER });
  const brd = v4msg([10, 1, 0, 2], [0x76, 0x30, 0], { broadcast: [10, 1, 0, 255] });
  const v6 = Buffer.from('48000000 1400 0200 01000000 00000000 0a 40 82 00 03000000 1400 0100 20010db8000000000000000000000001 1400 0600 ffffffff ffffffff 10270000 20270000 0800 0800 82000000'.replace(/\s+/g, ''), 'hex');
  const a4 = decodeAddr(plain, view(plain), 0, plain.length)!;
  const b4 = decodeAddr(brd, view(brd), 0, brd.length)!;
  const a6 = decodeAddr(v6, view(v6), 0, v6.length)!;
  t.equal(RESULT_SHAPES.length, 4);
  t.same(Object.keys(RESULT_SHAPES[0]!), Object.keys(a4.cacheinfo!), 'cacheinfo');
  t.same(Object.keys(RESULT_SHAPES[0]!), Object.keys(b4.cacheinfo!), 'cacheinfo (finite lifetimes)');
  t.same(Object.keys(RESULT_SHAPES[1]!), Object.keys(a4), 'IPv4');
  t.same(Object.keys(RESULT_SHAPES[2]!), Object.keys(b4), 'IPv4 with a broadcast address');
  t.same(Object.keys(RESULT_SHAPES[3]!), Object.keys(a6), 'IPv6');
});

/** V8's own test of two objects' hidden classes (%HaveSameMap), where this V8 lets a test have it. */
const sameMap: ((a: object, b: object) => boolean) | undefined = (() => {
  try {
    v8.setFlagsFromString('--allow-natives-syntax');
    return new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;
  } catch {
    return undefined;
  } finally {
    v8.setFlagsFromString('--no-allow-natives-syntax');
  }
})();

t.test('the decoders\' results have the hidden classes of the shapes made at load', sameMap ? {} : { skip: 'this V8 has no %HaveSameMap' }, async (t) => {
  // What RESULT_SHAPES is for: V8 giving a result the same hidden class as its shape,
  // whose lifetime fields are tagged.
  const same = sameMap!;
  const msgs = {
    forever: v4msg([10, 1, 0, 2], [0x76, 0x30, 0], { valid: FOREVER, preferred: FOREVER }),
    finite: v4msg([10, 1, 0, 2], [0x76, 0x30, 0]),
    foreverBrd: v4msg([10, 1, 0, 2], [0x76, 0x30, 0], { valid: FOREVER, preferred: FOREVER, broadcast: [10, 1, 0, 255] }),
    finiteBrd: v4msg([10, 1, 0, 2], [0x76, 0x30, 0], { broadcast: [10, 1, 0, 255] }),
    v6: Buffer.from('48000000 1400 0200 01000000 00000000 0a 40 82 00 03000000 1400 0100 20010db8000000000000000000000001 1400 0600 ffffffff ffffffff 10270000 20270000 0800 0800 82000000'.replace(/\s+/g, ''), 'hex'),
  };
  const [ci, v4, v4brd, v6] = RESULT_SHAPES as [object, object, object, object];
  for (const [name, m] of Object.entries(msgs)) {
    const a = decodeAddr(m, view(m), 0, m.length)!;
    const shape = name === 'v6' ? v6 : name.endsWith('Brd') ? v4brd : v4;
    t.ok(same(a, shape), `${name}: the shape's hidden class`);
    t.ok(same(a.cacheinfo!, ci), `${name}: cacheinfo has the shape's hidden class`);
  }
});
