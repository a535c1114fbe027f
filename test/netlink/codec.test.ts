// Byte-level round trips against messages captured from this kernel (fixtures.ts):
// decode → compare fields → re-encode with MessageWriter → byte-compare.
import t from 'tap';
import {
  AttrTable, MessageWriter, NLMSG_DONE, NLMSG_ERROR, NLM_F_ACK_TLVS, NLM_F_CAPPED, NLM_F_MULTI, NLA_F_NESTED,
  decodeAttributes, decodeMessages, findAttr, viewOf, walkAttrs, type DecodedAttribute,
} from '../../src/netlink/index.js';
import * as F from './fixtures.js';
import * as L from './linux.js';

/** The capturing socket's port id: the kernel puts it in nlmsg_pid of every reply. */
const PID = F.NEWLINK_LO.readUInt32LE(12);

/** 16 bytes per line, so a byte mismatch shows as a readable line diff. */
function hexLines(b: Uint8Array): string {
  const out: string[] = [];
  for (let i = 0; i < b.length; i += 16) out.push(Buffer.from(b.subarray(i, i + 16)).toString('hex').replace(/(..)/g, '$1 ').trim());
  return out.join('\n');
}

const u32 = (b: Uint8Array) => viewOf(b).getUint32(0, true);

/** Wire order of the top-level attributes of lo's RTM_NEWLINK on this kernel (types above 61 are newer than this machine's if_link.h). */
const LO_ATTR_ORDER = [
  L.IFLA_IFNAME, L.IFLA_TXQLEN, L.IFLA_OPERSTATE, L.IFLA_LINKMODE, 67, L.IFLA_MTU, L.IFLA_MIN_MTU, L.IFLA_MAX_MTU,
  L.IFLA_GROUP, L.IFLA_PROMISCUITY, L.IFLA_ALLMULTI, L.IFLA_NUM_TX_QUEUES, L.IFLA_GSO_MAX_SEGS, L.IFLA_GSO_MAX_SIZE,
  L.IFLA_GRO_MAX_SIZE, 63, 64, L.IFLA_TSO_MAX_SIZE, L.IFLA_TSO_MAX_SEGS, 66, L.IFLA_NUM_RX_QUEUES, L.IFLA_CARRIER,
  L.IFLA_CARRIER_CHANGES, L.IFLA_CARRIER_UP_COUNT, L.IFLA_CARRIER_DOWN_COUNT, 68, 69, L.IFLA_PROTO_DOWN,
  L.IFLA_ADDRESS, L.IFLA_BROADCAST, L.IFLA_STATS64, L.IFLA_STATS, L.IFLA_XDP, L.IFLA_QDISC, L.IFLA_AF_SPEC, L.IFLA_MAP, 62, 65,
];

t.test('RTM_NEWLINK for lo from the kernel decodes to its header, ifinfomsg and attributes', async (t) => {
  const msgs = decodeMessages(F.NEWLINK_LO);
  t.equal(msgs.length, 1);
  const m = msgs[0]!;
  t.same({ type: m.type, flags: m.flags, seq: m.seq, pid: m.pid }, { type: L.RTM_NEWLINK, flags: 0, seq: 1, pid: PID });
  t.equal(m.payload.length, F.NEWLINK_LO.length - 16, 'payload is everything after the 16-byte nlmsghdr');
  t.equal(m.payload.buffer, F.NEWLINK_LO.buffer, 'payload is a view into the input, not a copy');
  const v = viewOf(m.payload);
  t.same(
    { family: m.payload[0], type: v.getUint16(2, true), index: v.getInt32(4, true), flags: v.getUint32(8, true), change: v.getUint32(12, true) },
    { family: 0, type: L.ARPHRD_LOOPBACK, index: 1, flags: L.IFF_LOOPBACK, change: 0 },
    'ifinfomsg: loopback, index 1, down',
  );
  const attrs = decodeAttributes(m.payload.subarray(L.IFINFOMSG_LEN));
  t.same(attrs.map((a) => a.type), LO_ATTR_ORDER, 'every attribute, in wire order, none dropped');
  const by = new Map(attrs.map((a) => [a.type, a] as const));
  const get = (type: number): DecodedAttribute => by.get(type)!;
  t.equal(Buffer.from(get(L.IFLA_IFNAME).value).toString(), 'lo\0');
  t.equal(u32(get(L.IFLA_MTU).value), 65536);
  t.equal(u32(get(L.IFLA_TXQLEN).value), 1000);
  t.same([...get(L.IFLA_OPERSTATE).value], [L.IF_OPER_DOWN]);
  t.same([...get(L.IFLA_ADDRESS).value], [0, 0, 0, 0, 0, 0]);
  t.equal(Buffer.from(get(L.IFLA_QDISC).value).toString(), 'noop\0');
  t.equal(get(L.IFLA_STATS64).value.length, 200, 'rtnl_link_stats64 is 200 bytes');
  t.equal(get(L.IFLA_STATS).value.length, 96, 'rtnl_link_stats is 96 bytes');
  t.equal(get(L.IFLA_MAP).value.length, 32, 'rtnl_link_ifmap is 32 bytes');
  t.equal(get(L.IFLA_AF_SPEC).nested, false, 'the kernel nests IFLA_AF_SPEC without NLA_F_NESTED');
  t.same([get(62).nested, get(62).value.length, get(65).nested, get(65).value.length], [true, 0, true, 0], 'empty nests flagged NLA_F_NESTED');
  t.equal(get(L.IFLA_MTU).value.buffer, F.NEWLINK_LO.buffer, 'attribute values are views');

  const fams = decodeAttributes(get(L.IFLA_AF_SPEC).value, ['IFLA_AF_SPEC']);
  t.same(fams.map((a) => a.type), [L.AF_INET, L.AF_INET6]);
  const inet6 = decodeAttributes(fams[1]!.value);
  t.same(inet6.map((a) => a.type), [L.IFLA_INET6_FLAGS, L.IFLA_INET6_CACHEINFO, L.IFLA_INET6_CONF, L.IFLA_INET6_STATS, L.IFLA_INET6_ICMP6STATS, L.IFLA_INET6_TOKEN, L.IFLA_INET6_ADDR_GEN_MODE]);
});

t.test('walkAttrs and findAttr see the same attributes as decodeAttributes', async (t) => {
  const v = viewOf(F.NEWLINK_LO);
  const start = 16 + L.IFINFOMSG_LEN;
  const seen: number[] = [];
  walkAttrs(v, start, F.NEWLINK_LO.length, [], (type) => seen.push(type));
  t.same(seen, LO_ATTR_ORDER);
  const mtu = findAttr(v, start, F.NEWLINK_LO.length, L.IFLA_MTU);
  t.equal(v.getUint32(mtu, true), 65536);
  t.equal(v.getUint16(mtu - 4, true) - 4, 4, 'value length from the header before the value offset');
  t.equal(findAttr(v, start, F.NEWLINK_LO.length, L.IFLA_LINKINFO), -1, 'lo has no IFLA_LINKINFO');
});

/** Re-encode lo's message attribute by attribute with the typed writer calls. */
function encodeLo(w: MessageWriter, type: number, flags: number, seq: number): Buffer {
  w.begin(type, flags, seq, PID);
  const hdr = w.reserve(L.IFINFOMSG_LEN);
  w.view.setUint16(hdr + 2, L.ARPHRD_LOOPBACK, true);
  w.view.setInt32(hdr + 4, 1, true);
  w.view.setUint32(hdr + 8, L.IFF_LOOPBACK, true);
  const orig = decodeAttributes(decodeMessages(F.NEWLINK_LO)[0]!.payload.subarray(L.IFINFOMSG_LEN));
  const u8s = new Set([L.IFLA_OPERSTATE, L.IFLA_LINKMODE, L.IFLA_CARRIER, L.IFLA_PROTO_DOWN]);
  for (const a of orig) {
    if (a.type === L.IFLA_IFNAME || a.type === L.IFLA_QDISC) w.putStrz(a.type, Buffer.from(a.value.subarray(0, -1)).toString());
    else if (u8s.has(a.type)) w.putU8(a.type, a.value[0]!);
    else if (a.value.length === 4 && !a.nested && a.type !== L.IFLA_AF_SPEC) w.putU32(a.type, u32(a.value));
    else if (a.type === L.IFLA_XDP) {
      const n = w.nestStart(L.IFLA_XDP, false);
      w.putU8(L.IFLA_XDP_ATTACHED, 0);
      w.nestEnd(n);
    } else if (a.type === L.IFLA_AF_SPEC) {
      const n = w.nestStart(L.IFLA_AF_SPEC, false);
      for (const fam of decodeAttributes(a.value)) {
        const f = w.nestStart(fam.type, false);
        for (const x of decodeAttributes(fam.value)) {
          if (x.type === L.IFLA_INET6_ADDR_GEN_MODE && fam.type === L.AF_INET6) w.putU8(x.type, x.value[0]!);
          else w.putBytes(x.type, x.value);
        }
        w.nestEnd(f);
      }
      w.nestEnd(n);
    } else if (a.nested) {
      w.nestEnd(w.nestStart(a.type, true));
    } else w.putBytes(a.type, a.value);
  }
  return w.finish();
}

t.test('lo RTM_NEWLINK re-encoded with MessageWriter is byte-identical to the kernel bytes (slab pre-filled with 0xff)', async (t) => {
  const w = new MessageWriter();
  w.buf.fill(0xff);
  const out = encodeLo(w, L.RTM_NEWLINK, 0, 1);
  t.equal(hexLines(out), hexLines(F.NEWLINK_LO));
  w.release();
});

t.test('a dump datagram and NLMSG_DONE decode and re-encode as one batch', async (t) => {
  // The dump's first datagram is lo's message with NLM_F_MULTI and seq 2 (see fixtures.ts).
  const part = Buffer.from(F.NEWLINK_LO);
  part.writeUInt16LE(NLM_F_MULTI, 6);
  part.writeUInt32LE(2, 8);
  const both = Buffer.concat([part, F.DUMP_DONE]);
  const msgs = decodeMessages(both);
  t.same(msgs.map((m) => [m.type, m.flags, m.seq, m.pid, m.payload.length]), [
    [L.RTM_NEWLINK, NLM_F_MULTI, 2, PID, 1452],
    [NLMSG_DONE, NLM_F_MULTI, 2, PID, 4],
  ]);
  t.equal(viewOf(msgs[1]!.payload).getInt32(0, true), 0, 'NLMSG_DONE carries error 0');

  const w = new MessageWriter();
  w.buf.fill(0xff);
  encodeLo(w, L.RTM_NEWLINK, NLM_F_MULTI, 2);
  w.begin(NLMSG_DONE, NLM_F_MULTI, 2, PID);
  w.reserve(4); // int error = 0 (reserve zeroes)
  const batch = w.finish();
  t.equal(hexLines(batch), hexLines(both), 'two messages appended in one slab equal the kernel datagrams back to back');
  w.reset().begin(NLMSG_DONE, NLM_F_MULTI, 2, PID);
  w.reserve(4);
  t.equal(hexLines(w.finish()), hexLines(F.DUMP_DONE));
  w.release();
});

interface ErrorFixture {
  name: string;
  bytes: Buffer;
  errno: number;
  flags: number;
  seq: number;
  request: Buffer;
  tlv: (w: MessageWriter) => void;
  check: (t: Tap, attrs: DecodedAttribute[]) => void;
}
/** A tap subtest (the type of `t` inside `t.test(name, (t) => …)`). */
type Tap = Parameters<Parameters<typeof t.test>[0]>[0];

const errorFixtures: ErrorFixture[] = [
  {
    name: 'EOPNOTSUPP with ext-ack text (unknown IFLA_INFO_KIND)', bytes: F.ERROR_EOPNOTSUPP, errno: -L.EOPNOTSUPP,
    flags: NLM_F_CAPPED | NLM_F_ACK_TLVS, seq: 3, request: F.NEWLINK_NOSUCHKIND_REQUEST,
    tlv: (w) => w.putStrz(L.NLMSGERR_ATTR_MSG, 'Unknown device type'),
    check: (t, a) => {
      t.same(a.map((x) => x.type), [L.NLMSGERR_ATTR_MSG]);
      t.equal(Buffer.from(a[0]!.value).toString(), 'Unknown device type\0');
    },
  },
  {
    name: 'ERANGE with ext-ack text, offset and policy (IFLA_IFNAME too long)', bytes: F.ERROR_ERANGE, errno: -L.ERANGE,
    flags: NLM_F_CAPPED | NLM_F_ACK_TLVS, seq: 4, request: F.NEWLINK_LONGNAME_REQUEST,
    tlv: (w) => {
      w.putStrz(L.NLMSGERR_ATTR_MSG, 'Attribute failed policy validation');
      w.putU32(L.NLMSGERR_ATTR_OFFS, 32);
      const n = w.nestStart(L.NLMSGERR_ATTR_POLICY);
      w.putU32(L.NL_POLICY_TYPE_ATTR_MAX_LENGTH, 15);
      w.putU32(L.NL_POLICY_TYPE_ATTR_TYPE, L.NL_ATTR_TYPE_STRING);
      w.nestEnd(n);
    },
    check: (t, a) => {
      t.same(a.map((x) => [x.type, x.nested]), [[L.NLMSGERR_ATTR_MSG, false], [L.NLMSGERR_ATTR_OFFS, false], [L.NLMSGERR_ATTR_POLICY, true]]);
      t.equal(Buffer.from(a[0]!.value).toString(), 'Attribute failed policy validation\0');
      const off = u32(a[1]!.value);
      t.equal(off, 32, 'offset from the start of the request');
      t.equal(F.NEWLINK_LONGNAME_REQUEST.readUInt16LE(off + 2), L.IFLA_IFNAME, 'the offset points at IFLA_IFNAME in the request');
      const pol = decodeAttributes(a[2]!.value);
      t.same(pol.map((x) => [x.type, u32(x.value)]), [[L.NL_POLICY_TYPE_ATTR_MAX_LENGTH, 15], [L.NL_POLICY_TYPE_ATTR_TYPE, L.NL_ATTR_TYPE_STRING]]);
    },
  },
  {
    name: 'EEXIST without ext-ack (lo with NLM_F_CREATE|NLM_F_EXCL)', bytes: F.ERROR_EEXIST, errno: -L.EEXIST,
    flags: NLM_F_CAPPED, seq: 5, request: F.NEWLINK_LO_EXCL_REQUEST, tlv: () => undefined,
    check: (t, a) => t.same(a, []),
  },
  {
    name: 'ACK (error 0)', bytes: F.ACK, errno: 0, flags: NLM_F_CAPPED, seq: 6, request: F.NEWLINK_LO_NOOP_REQUEST, tlv: () => undefined,
    check: (t, a) => t.same(a, []),
  },
];

for (const fx of errorFixtures) {
  t.test(`NLMSG_ERROR ${fx.name}: decode, compare, re-encode byte-identical`, async (t) => {
    const [m, ...rest] = decodeMessages(fx.bytes);
    t.equal(rest.length, 0);
    t.same({ type: m!.type, flags: m!.flags, seq: m!.seq, pid: m!.pid }, { type: NLMSG_ERROR, flags: fx.flags, seq: fx.seq, pid: PID });
    const v = viewOf(m!.payload);
    t.equal(v.getInt32(0, true), fx.errno, 'struct nlmsgerr.error is the negative errno');
    // NETLINK_CAP_ACK: the echoed request is its 16-byte header only.
    t.same(
      [v.getUint32(4, true), v.getUint16(8, true), v.getUint16(10, true), v.getUint32(12, true), v.getUint32(16, true)],
      [fx.request.length, fx.request.readUInt16LE(4), fx.request.readUInt16LE(6), fx.seq, 0],
      'echoed nlmsghdr of the request',
    );
    fx.check(t, decodeAttributes(m!.payload.subarray(20)));

    const w = new MessageWriter();
    w.buf.fill(0xff);
    w.begin(NLMSG_ERROR, fx.flags, fx.seq, PID);
    const e = w.reserve(20);
    w.view.setInt32(e, fx.errno, true);
    fx.request.copy(w.buf, e + 4, 0, 16);
    fx.tlv(w);
    t.equal(hexLines(w.finish()), hexLines(fx.bytes));
    w.release();
  });
}

t.test('every captured request re-encodes byte-identically with MessageWriter', async (t) => {
  const w = new MessageWriter();
  w.buf.fill(0xff);
  const ifinfo = (index: number) => w.view.setInt32(w.reserve(L.IFINFOMSG_LEN) + 4, index, true);
  const cases: [string, Buffer, () => void][] = [
    ['GETLINK lo', F.GETLINK_LO_REQUEST, () => { w.begin(L.RTM_GETLINK, 0x1, 1); ifinfo(1); }],
    ['GETLINK dump', F.GETLINK_DUMP_REQUEST, () => { w.begin(L.RTM_GETLINK, 0x301, 2); ifinfo(0); }],
    ['NEWLINK nosuchkind', F.NEWLINK_NOSUCHKIND_REQUEST, () => {
      w.begin(L.RTM_NEWLINK, 0x605, 3); ifinfo(0);
      w.putStrz(L.IFLA_IFNAME, 'nlk0');
      const li = w.nestStart(L.IFLA_LINKINFO, false);
      w.putStrz(L.IFLA_INFO_KIND, 'nosuchkind');
      w.nestEnd(li);
    }],
    ['NEWLINK long name', F.NEWLINK_LONGNAME_REQUEST, () => { w.begin(L.RTM_NEWLINK, 0x605, 4); ifinfo(0); w.putStrz(L.IFLA_IFNAME, 'x'.repeat(20)); }],
    ['NEWLINK lo excl', F.NEWLINK_LO_EXCL_REQUEST, () => { w.begin(L.RTM_NEWLINK, 0x605, 5); ifinfo(0); w.putStrz(L.IFLA_IFNAME, 'lo'); }],
    ['NEWLINK no-op', F.NEWLINK_LO_NOOP_REQUEST, () => { w.begin(L.RTM_NEWLINK, 0x5, 6); ifinfo(1); }],
  ];
  for (const [name, want, build] of cases) {
    w.reset();
    build();
    t.equal(hexLines(w.finish()), hexLines(want), name);
  }
  w.release();
});

// ---------------------------------------------------------------- AttrTable

const XDP = new AttrTable('IFLA_XDP', [{ type: L.IFLA_XDP_ATTACHED, name: 'IFLA_XDP_ATTACHED', key: 'attached', codec: 'u8' }]);
const INET = new AttrTable('AF_INET', [{ type: L.IFLA_INET_CONF, name: 'IFLA_INET_CONF', key: 'conf', codec: 'binary' }]);
const INET6 = new AttrTable('AF_INET6', [
  { type: L.IFLA_INET6_FLAGS, name: 'IFLA_INET6_FLAGS', key: 'flags', codec: 'u32' },
  { type: L.IFLA_INET6_CONF, name: 'IFLA_INET6_CONF', key: 'conf', codec: 'binary' },
  { type: L.IFLA_INET6_TOKEN, name: 'IFLA_INET6_TOKEN', key: 'token', codec: 'binary' },
  { type: L.IFLA_INET6_ADDR_GEN_MODE, name: 'IFLA_INET6_ADDR_GEN_MODE', key: 'addrGenMode', codec: 'u8' },
]);
const AF = new AttrTable('IFLA_AF_SPEC', [
  { type: L.AF_INET, name: 'AF_INET', key: 'inet', codec: INET },
  { type: L.AF_INET6, name: 'AF_INET6', key: 'inet6', codec: INET6 },
]);
const LINKINFO = new AttrTable('IFLA_LINKINFO', [{ type: L.IFLA_INFO_KIND, name: 'IFLA_INFO_KIND', key: 'kind', codec: 'strz' }]);
const PROPS = new AttrTable('IFLA_PROP_LIST', [{ type: L.IFLA_ALT_IFNAME, name: 'IFLA_ALT_IFNAME', key: 'altNames', codec: 'strz', multi: true }]);
/** A link table for the test (the real one lives in src/rtnl); deliberately incomplete. */
const LINK = new AttrTable('IFLA', [
  { type: L.IFLA_IFNAME, name: 'IFLA_IFNAME', key: 'name', codec: 'strz' },
  { type: L.IFLA_TXQLEN, name: 'IFLA_TXQLEN', key: 'txqlen', codec: 'u32' },
  { type: L.IFLA_OPERSTATE, name: 'IFLA_OPERSTATE', key: 'operstate', codec: 'u8' },
  { type: L.IFLA_MTU, name: 'IFLA_MTU', key: 'mtu', codec: 'u32' },
  { type: L.IFLA_GROUP, name: 'IFLA_GROUP', key: 'group', codec: 'u32' },
  { type: L.IFLA_CARRIER, name: 'IFLA_CARRIER', key: 'carrier', codec: 'u8' },
  { type: L.IFLA_ADDRESS, name: 'IFLA_ADDRESS', key: 'address', codec: 'mac' },
  { type: L.IFLA_BROADCAST, name: 'IFLA_BROADCAST', key: 'broadcast', codec: 'mac' },
  { type: L.IFLA_STATS64, name: 'IFLA_STATS64', key: 'stats64', codec: 'binary' },
  { type: L.IFLA_XDP, name: 'IFLA_XDP', key: 'xdp', codec: XDP },
  { type: L.IFLA_QDISC, name: 'IFLA_QDISC', key: 'qdisc', codec: 'strz' },
  { type: L.IFLA_AF_SPEC, name: 'IFLA_AF_SPEC', key: 'afSpec', codec: AF },
  { type: L.IFLA_LINKINFO, name: 'IFLA_LINKINFO', key: 'linkinfo', codec: LINKINFO },
  { type: L.IFLA_PROP_LIST, name: 'IFLA_PROP_LIST', key: 'props', codec: PROPS },
]);

function decodeLink(bytes: Buffer): Record<string, unknown> {
  const start = 16 + L.IFINFOMSG_LEN;
  return LINK.decode(bytes, viewOf(bytes), start, bytes.readUInt32LE(0), ['RTM_NEWLINK']);
}

t.test('AttrTable decodes lo from the kernel bytes; attributes without a row are kept raw, in order', async (t) => {
  const obj = decodeLink(Buffer.from(F.NEWLINK_LO));
  t.match(obj, {
    name: 'lo', txqlen: 1000, operstate: L.IF_OPER_DOWN, mtu: 65536, group: 0, carrier: 1,
    address: '00:00:00:00:00:00', broadcast: '00:00:00:00:00:00', qdisc: 'noop', xdp: { attached: 0 },
    afSpec: { inet: { conf: Buffer }, inet6: { flags: 0, conf: Buffer, token: Buffer, addrGenMode: 0 } },
  });
  t.equal((obj['stats64'] as Buffer).length, 200);
  t.equal(((obj['afSpec'] as any).inet.conf as Buffer).length, 132);
  const unknown = obj['unknown'] as { type: number; value: Uint8Array }[];
  const known = new Set(LINK.rows.map((r) => r.type));
  t.same(unknown.map((u) => u.type), LO_ATTR_ORDER.filter((x) => !known.has(x)), 'every attribute without a row, in wire order');
  const u = new Map(unknown.map((x) => [x.type, x.value] as const));
  t.same([...u.get(67)!], [1]);
  t.same([...u.get(L.IFLA_MIN_MTU)!], [0, 0, 0, 0]);
  t.same([...u.get(L.IFLA_GSO_MAX_SEGS)!], [0xff, 0xff, 0, 0]);
  t.equal(u.get(62)!.length, 0, 'an empty nest is kept too');
  // INET6 attributes without a row land in afSpec.inet6.unknown.
  t.same(((obj['afSpec'] as any).inet6.unknown as { type: number }[]).map((x) => x.type), [L.IFLA_INET6_CACHEINFO, L.IFLA_INET6_STATS, L.IFLA_INET6_ICMP6STATS]);
});

t.test('AttrTable binary values and raw unknown attributes are copies, not views of the receive buffer', async (t) => {
  const rx = Buffer.from(F.NEWLINK_LO);
  const obj = decodeLink(rx);
  const unknown = obj['unknown'] as { type: number; value: Uint8Array }[];
  const before = { stats64: Buffer.from(obj['stats64'] as Buffer), unknown: unknown.map((u) => Buffer.from(u.value)) };
  rx.fill(0xee); // the socket reuses its receive slab for the next datagram
  t.same(Buffer.from(obj['stats64'] as Buffer), before.stats64, 'IFLA_STATS64 (binary) survives reuse of the receive buffer');
  t.same(unknown.map((u) => Buffer.from(u.value)), before.unknown, 'unknown attributes survive reuse of the receive buffer');
});

t.test('AttrTable decode → encode → decode gives the same object for lo', async (t) => {
  const first = decodeLink(Buffer.from(F.NEWLINK_LO));
  const { unknown, ...known } = first;
  void unknown;
  const w = new MessageWriter();
  w.buf.fill(0xff);
  w.begin(L.RTM_NEWLINK, 0, 1);
  w.reserve(L.IFINFOMSG_LEN);
  LINK.encode(w, known);
  const bytes = w.finish();
  const again = decodeLink(Buffer.from(bytes));
  const strip = (o: any): any => {
    // Sub-tables keep their own `unknown`; those were not re-encoded.
    if (o instanceof Uint8Array || typeof o !== 'object' || o === null) return o;
    return Object.fromEntries(Object.entries(o).filter(([k]) => k !== 'unknown').map(([k, v]) => [k, strip(v)]));
  };
  t.same(strip(again), strip(first));
  t.notOk('unknown' in again, 'nothing unknown after re-encoding known rows only');
  // The encoder writes rows in table order; nested tables carry NLA_F_NESTED.
  const types = decodeAttributes(bytes.subarray(32)).map((a) => a.type | (a.nested ? NLA_F_NESTED : 0));
  t.same(types, [L.IFLA_IFNAME, L.IFLA_TXQLEN, L.IFLA_OPERSTATE, L.IFLA_MTU, L.IFLA_GROUP, L.IFLA_CARRIER, L.IFLA_ADDRESS, L.IFLA_BROADCAST, L.IFLA_STATS64, L.IFLA_XDP | NLA_F_NESTED, L.IFLA_QDISC, L.IFLA_AF_SPEC | NLA_F_NESTED]);
  w.release();
});

t.test('AttrTable multi attributes encode as repeated attributes and decode as an array', async (t) => {
  const w = new MessageWriter();
  w.buf.fill(0xff);
  w.begin(L.RTM_NEWLINK, 0, 1);
  w.reserve(L.IFINFOMSG_LEN);
  LINK.encode(w, { name: 'v0', props: { altNames: ['a', 'bb', 'a-much-longer-alternative-name'] }, linkinfo: { kind: 'veth' } });
  w.putU32(999, 7); // an attribute no table knows
  const bytes = Buffer.from(w.finish());
  const top = decodeAttributes(bytes.subarray(32));
  t.same(top.map((a) => a.type), [L.IFLA_IFNAME, L.IFLA_LINKINFO, L.IFLA_PROP_LIST, 999]);
  const alts = decodeAttributes(top[2]!.value);
  t.same(alts.map((a) => [a.type, Buffer.from(a.value).toString()]), [
    [L.IFLA_ALT_IFNAME, 'a\0'], [L.IFLA_ALT_IFNAME, 'bb\0'], [L.IFLA_ALT_IFNAME, 'a-much-longer-alternative-name\0'],
  ]);
  const obj = decodeLink(bytes);
  t.same(obj, {
    name: 'v0', linkinfo: { kind: 'veth' }, props: { altNames: ['a', 'bb', 'a-much-longer-alternative-name'] },
    unknown: [{ type: 999, value: Buffer.from([7, 0, 0, 0]) }],
  });
  w.release();
});

t.test('AttrTable.describeOffset names the attribute an ext-ack offset points at', async (t) => {
  // NEWLINK_NOSUCHKIND_REQUEST: IFLA_IFNAME at 32, IFLA_LINKINFO at 44, IFLA_INFO_KIND at 48.
  t.equal(LINK.describeOffset(F.NEWLINK_NOSUCHKIND_REQUEST, 32, 32), 'IFLA_IFNAME');
  t.equal(LINK.describeOffset(F.NEWLINK_NOSUCHKIND_REQUEST, 32, 44), 'IFLA_LINKINFO');
  t.equal(LINK.describeOffset(F.NEWLINK_NOSUCHKIND_REQUEST, 32, 48), 'IFLA_LINKINFO › IFLA_INFO_KIND');
  t.equal(LINK.describeOffset(F.NEWLINK_NOSUCHKIND_REQUEST, 32, 50), 'IFLA_LINKINFO › IFLA_INFO_KIND', 'inside a value');
  t.equal(LINK.describeOffset(F.NEWLINK_NOSUCHKIND_REQUEST, 32, 4), undefined, 'an offset in the header is not an attribute');
  t.equal(LINK.describeOffset(F.NEWLINK_LONGNAME_REQUEST, 32, u32(decodeAttributes(decodeMessages(F.ERROR_ERANGE)[0]!.payload.subarray(20))[1]!.value)), 'IFLA_IFNAME', 'the kernel offset from ERROR_ERANGE');
  t.equal(new AttrTable('X', []).nameOf(7), 'X#7');
});
