// Framing: every truncation of valid kernel bytes either decodes the complete prefix or
// throws DecodeError; every malformed case throws DecodeError naming lengths and path.
import t from 'tap';
import {
  AttrTable, DecodeError, NLM_F_MULTI, checkMessage, decodeAttributes, decodeMessages, findAttr, viewOf, walkAttrs,
} from '../../src/netlink/index.js';
import * as F from './fixtures.js';
import * as L from './linux.js';

/** lo's dump part (NLM_F_MULTI, seq 2) + NLMSG_DONE: one real two-message dump, 1488 bytes. */
function dumpBytes(): Buffer {
  const part = Buffer.from(F.NEWLINK_LO);
  part.writeUInt16LE(NLM_F_MULTI, 6);
  part.writeUInt32LE(2, 8);
  return Buffer.concat([part, F.DUMP_DONE, F.ERROR_ERANGE, F.ACK]);
}

/** Run fn; return its value or the DecodeError; any other throw fails the caller's assertion. */
function attempt<T>(fn: () => T): T | DecodeError | { other: unknown } {
  try {
    return fn();
  } catch (e) {
    return e instanceof DecodeError ? e : { other: e };
  }
}

t.test('decodeMessages on every truncation of a four-message buffer: the complete prefix or DecodeError, never anything else', async (t) => {
  const all = dumpBytes();
  const whole = decodeMessages(all);
  t.equal(whole.length, 4);
  const ends: number[] = [];
  let off = 0;
  for (const m of whole) {
    off += 16 + m.payload.length;
    ends.push(off);
  }
  let prefixes = 0;
  let errors = 0;
  for (let cut = 0; cut <= all.length; cut++) {
    const r = attempt(() => decodeMessages(all.subarray(0, cut)));
    const complete = ends.filter((e) => e <= cut).length;
    const atBoundary = cut === 0 || ends.includes(cut);
    if (atBoundary) {
      if (!Array.isArray(r)) {
        t.fail(`cut ${cut}: expected ${complete} messages, got ${String((r as Error).message ?? r)}`);
        continue;
      }
      prefixes++;
      if (r.length !== complete || r.some((m, i) => m.type !== whole[i]!.type || m.payload.length !== whole[i]!.payload.length)) t.fail(`cut ${cut}: wrong prefix`);
    } else {
      if (!(r instanceof DecodeError)) {
        t.fail(`cut ${cut}: expected DecodeError, got ${Array.isArray(r) ? `${r.length} messages` : String((r as { other: unknown }).other)}`);
        continue;
      }
      errors++;
      const start = complete === 0 ? 0 : ends[complete - 1]!;
      if (r.offset !== start || r.have !== cut - start || r.path[0] !== `message ${complete}`) t.fail(`cut ${cut}: error names offset ${r.offset}, have ${r.have}, path ${r.path.join('/')}`);
    }
  }
  t.equal(prefixes, 5, 'the 5 boundaries (0 and after each message) decode');
  t.equal(errors, all.length + 1 - 5, 'every other cut throws DecodeError at the truncated message with the bytes it had');
});

t.test('decodeMessages of a buffer split at every offset into two datagrams reassembles only at message boundaries', async (t) => {
  const all = dumpBytes();
  const types = decodeMessages(all).map((m) => m.type);
  let ok = 0;
  for (let cut = 1; cut < all.length; cut++) {
    const a = attempt(() => decodeMessages(all.subarray(0, cut)));
    const b = attempt(() => decodeMessages(all.subarray(cut)));
    if (Array.isArray(a) && Array.isArray(b)) {
      ok++;
      t.same([...a, ...b].map((m) => m.type), types, `split at ${cut}`);
    } else if (!(a instanceof DecodeError) && !(b instanceof DecodeError)) {
      t.fail(`split at ${cut}: neither half threw DecodeError`);
    }
  }
  t.equal(ok, 3, 'only the three message boundaries give two decodable halves');
});

t.test('decodeAttributes on every truncation of lo\'s attributes: the attributes that fit, or DecodeError', async (t) => {
  const attrs = F.NEWLINK_LO.subarray(32);
  const whole = decodeAttributes(attrs);
  // Extent (header + nla_len, without padding) of each attribute.
  const v = viewOf(attrs);
  const spans: [number, number][] = [];
  for (let o = 0; o < attrs.length; o = (o + v.getUint16(o, true) + 3) & ~3) spans.push([o, o + v.getUint16(o, true)]);
  t.equal(spans.length, whole.length);
  let bad = 0;
  for (let cut = 0; cut <= attrs.length; cut++) {
    const r = attempt(() => decodeAttributes(attrs.subarray(0, cut), ['IFLA']));
    const fit = spans.filter(([, e]) => e <= cut).length;
    // Where the next attribute starts inside the cut (its header partly or wholly there),
    // the cut is malformed unless what remains is < 4 bytes (tolerated trailing pad).
    const nextStart = fit < spans.length ? spans[fit]![0] : attrs.length;
    const tail = cut - nextStart;
    if (tail >= 4) {
      if (!(r instanceof DecodeError)) t.fail(`cut ${cut}: expected DecodeError`);
      else {
        bad++;
        if (r.offset !== nextStart || r.have !== tail || r.path[0] !== 'IFLA') t.fail(`cut ${cut}: DecodeError names ${r.offset}/${r.have}/${r.path}`);
        if (!/nla_len \d+ past the end/.test(r.message)) t.fail(`cut ${cut}: ${r.message}`);
      }
    } else if (!Array.isArray(r) || r.length !== fit || r.some((a, i) => a.type !== whole[i]!.type || a.value.length !== whole[i]!.value.length)) {
      t.fail(`cut ${cut}: expected the ${fit} attributes that fit, got ${Array.isArray(r) ? r.length : String(r)}`);
    }
  }
  t.ok(bad > 1000, `most cuts throw (${bad})`);
  t.pass('no cut crashed, hung or returned a partial attribute');
});

t.test('walkAttrs and AttrTable.decode on every truncation never read past the end', async (t) => {
  const table = new AttrTable('IFLA', [
    { type: L.IFLA_MTU, name: 'IFLA_MTU', key: 'mtu', codec: 'u32' },
    { type: L.IFLA_AF_SPEC, name: 'IFLA_AF_SPEC', key: 'afSpec', codec: new AttrTable('IFLA_AF_SPEC', [
      { type: L.AF_INET6, name: 'AF_INET6', key: 'inet6', codec: new AttrTable('AF_INET6', [{ type: L.IFLA_INET6_FLAGS, name: 'IFLA_INET6_FLAGS', key: 'flags', codec: 'u32' }]) },
    ]) },
  ]);
  const buf = Buffer.from(F.NEWLINK_LO);
  const v = viewOf(buf);
  let other = 0;
  for (let cut = 32; cut <= buf.length; cut++) {
    for (const fn of [
      () => walkAttrs(v, 32, cut, [], () => undefined),
      () => findAttr(v, 32, cut, 9999),
      () => table.decode(buf, v, 32, cut, ['RTM_NEWLINK']),
    ]) {
      const r = attempt(fn);
      if (typeof r === 'object' && r !== null && 'other' in r) {
        other++;
        t.fail(`cut ${cut}: ${String(r.other)}`);
      }
    }
  }
  t.equal(other, 0);
});

interface Malformed {
  name: string;
  bytes: number[];
  run: (b: Buffer) => unknown;
  message: RegExp;
  need: number;
  have: number;
  offset: number;
  path: string[];
}

const hdr = (len: number, type = 16) => [len & 0xff, (len >> 8) & 0xff, (len >> 16) & 0xff, len >>> 24, type, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0];
const nla = (len: number, type: number) => [len & 0xff, len >> 8, type & 0xff, type >> 8];
const msgs = (b: Buffer) => decodeMessages(b);
const attrs = (b: Buffer) => decodeAttributes(b, ['IFLA']);
const NEST = new AttrTable('IFLA', [
  { type: L.IFLA_MTU, name: 'IFLA_MTU', key: 'mtu', codec: 'u32' },
  { type: L.IFLA_LINKINFO, name: 'IFLA_LINKINFO', key: 'linkinfo', codec: new AttrTable('IFLA_LINKINFO', [
    { type: L.IFLA_INFO_KIND, name: 'IFLA_INFO_KIND', key: 'kind', codec: 'strz' },
    { type: L.IFLA_INFO_DATA, name: 'IFLA_INFO_DATA', key: 'data', codec: new AttrTable('VETH', [
      { type: L.VETH_INFO_PEER, name: 'VETH_INFO_PEER', key: 'peer', codec: 'binary' },
    ]) },
  ]) },
]);
const table = (b: Buffer) => NEST.decode(b, viewOf(b), 0, b.length, ['RTM_NEWLINK']);

const malformed: Malformed[] = [
  { name: 'short nlmsghdr (15 bytes)', bytes: hdr(16).slice(0, 15), run: msgs, message: /short netlink message header at offset 0: needs 16 bytes, 15 available \(in message 0\)/, need: 16, have: 15, offset: 0, path: ['message 0'] },
  { name: 'nlmsg_len past the end', bytes: [...hdr(100), 0, 0, 0, 0], run: msgs, message: /nlmsg_len 100 past the end at offset 0: needs 100 bytes, 20 available/, need: 100, have: 20, offset: 0, path: ['message 0'] },
  { name: 'nlmsg_len below the header size', bytes: hdr(8), run: msgs, message: /nlmsg_len 8 below the header size/, need: 16, have: 8, offset: 0, path: ['message 0'] },
  { name: 'nlmsg_len 0 (would loop forever)', bytes: hdr(0), run: msgs, message: /nlmsg_len 0 below the header size/, need: 16, have: 0, offset: 0, path: ['message 0'] },
  { name: 'second message truncated', bytes: [...hdr(16), ...hdr(40)], run: msgs, message: /nlmsg_len 40 past the end at offset 16: needs 40 bytes, 16 available \(in message 1\)/, need: 40, have: 16, offset: 16, path: ['message 1'] },
  { name: 'nla_len past the end', bytes: [...nla(8, 4), 1, 0, 0, 0, ...nla(12, 3), 0, 0, 0, 0], run: attrs, message: /nla_len 12 past the end at offset 8: needs 12 bytes, 8 available \(in IFLA\)/, need: 12, have: 8, offset: 8, path: ['IFLA'] },
  { name: 'nla_len below the attribute header size', bytes: [...nla(3, 4), 0, 0, 0, 0], run: attrs, message: /nla_len 3 below the attribute header size/, need: 4, have: 3, offset: 0, path: ['IFLA'] },
  { name: 'zero-length attribute (would loop forever)', bytes: [...nla(8, 4), 1, 0, 0, 0, ...nla(0, 0), ...nla(0, 0)], run: attrs, message: /nla_len 0 below the attribute header size at offset 8/, need: 4, have: 0, offset: 8, path: ['IFLA'] },
  {
    name: 'nest longer than its parent (IFLA_LINKINFO claims 40 of 12 bytes)', bytes: [...nla(40, L.IFLA_LINKINFO), ...nla(8, 1), 0x76, 0x65, 0x74, 0],
    run: table, message: /nla_len 40 past the end at offset 0: needs 40 bytes, 12 available \(in RTM_NEWLINK\)/, need: 40, have: 12, offset: 0, path: ['RTM_NEWLINK'],
  },
  {
    name: 'truncated nest: IFLA_INFO_DATA inside IFLA_LINKINFO overruns its nest', bytes: [...nla(16, L.IFLA_LINKINFO), ...nla(8, 1), 0x76, 0x65, 0x74, 0, ...nla(20, L.IFLA_INFO_DATA), ...nla(8, 5), 0, 0, 0, 0],
    run: table, message: /nla_len 20 past the end at offset 12: needs 20 bytes, 4 available \(in RTM_NEWLINK › IFLA_LINKINFO\)/, need: 20, have: 4, offset: 12, path: ['RTM_NEWLINK', 'IFLA_LINKINFO'],
  },
  {
    name: 'zero-length attribute two nests deep', bytes: [...nla(20, L.IFLA_LINKINFO), ...nla(16, L.IFLA_INFO_DATA), ...nla(8, L.VETH_INFO_PEER), 0, 0, 0, 0, ...nla(0, 0), 0, 0, 0, 0],
    run: table, message: /nla_len 0 below the attribute header size at offset 16: needs 4 bytes, 0 available \(in RTM_NEWLINK › IFLA_LINKINFO › IFLA_INFO_DATA\)/, need: 4, have: 0, offset: 16, path: ['RTM_NEWLINK', 'IFLA_LINKINFO', 'IFLA_INFO_DATA'],
  },
  {
    name: 'u32 attribute with a 2-byte payload', bytes: [...nla(6, L.IFLA_MTU), 0xdc, 0x05, 0, 0], run: table,
    message: /IFLA_MTU payload too short at offset 4: needs 4 bytes, 2 available \(in RTM_NEWLINK\)/, need: 4, have: 2, offset: 4, path: ['RTM_NEWLINK'],
  },
];

for (const m of malformed) {
  t.test(`malformed input throws DecodeError naming lengths and path: ${m.name}`, async (t) => {
    const b = Buffer.from(m.bytes);
    let err: unknown;
    try {
      m.run(b);
    } catch (e) {
      err = e;
    }
    t.ok(err instanceof DecodeError, 'DecodeError');
    const d = err as DecodeError;
    t.match(d.message, m.message);
    t.same({ need: d.need, have: d.have, offset: d.offset, path: d.path, code: d.code }, { need: m.need, have: m.have, offset: m.offset, path: m.path, code: 'ERR_NETLINK_DECODE' });
  });
}

t.test('checkMessage validates one header inside a larger buffer', async (t) => {
  const all = dumpBytes();
  const v = viewOf(all);
  t.equal(checkMessage(v, 0, all.length), 1468);
  t.equal(checkMessage(v, 1468, all.length), 20);
  t.throws(() => checkMessage(v, 1468, 1480, ['reply']), { name: 'DecodeError', path: ['reply'], need: 16, have: 12 });
});

t.test('trailing padding shorter than an attribute header is tolerated like nla_parse does', async (t) => {
  t.same(decodeAttributes(Buffer.from([...nla(5, 16), 2, 0, 0, 0])).map((a) => a.type), [16]);
  t.same(decodeAttributes(Buffer.from([...nla(5, 16), 2])).map((a) => a.type), [16], 'unpadded last attribute');
  t.same(decodeAttributes(Buffer.from([...nla(8, 4), 1, 0, 0, 0, 0, 0, 0])).length, 1, '3 stray bytes');
  t.same(decodeAttributes(Buffer.alloc(0)), []);
});
