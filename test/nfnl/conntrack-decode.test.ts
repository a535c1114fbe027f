// ctnetlink's entry decoder (what list/get and the event monitor share) on annotated
// bytes, no privilege needed: a whole entry decodes, and an attribute shorter than its
// type — a tuple's ports, ICMP id/type/code, protocol number or zone, an entry's status,
// timeout, mark, id, counters, timestamps, TCP state — is a DecodeError naming it, not a
// number read out of the padding, `undefined`, or a RangeError past the end.
import t from 'tap';
import { DecodeError } from '../../src/index.js';
import { decodeConntrack, decodeCpuStats, decodeGlobalStats } from '../../src/nfnl/conntrack.js';
import { decodeEvent } from '../../src/nfnl/monitor.js';
import * as N from '../../src/nfnl/constants.js';
import { nla } from '../helpers.js';

const NESTED = 0x8000;
const isLE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
t.before(() => {
  if (!isLE) throw new Error('the headers of these byte arrays are little-endian (host order on x86 and arm64)');
});

const be16 = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);
const be32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};
const be64 = (n: bigint): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(n);
  return b;
};

/** An IPCTNL_MSG_CT_NEW message (nfgenmsg AF_INET) with these attributes, in an exact-size buffer. */
function message(flags: number, ...attrs: Buffer[]): [Buffer, DataView, number, number] {
  const body = Buffer.concat(attrs);
  const b = Buffer.alloc(20 + body.length);
  b.writeUInt32LE(b.length, 0);
  b.writeUInt16LE((N.NFNL_SUBSYS_CTNETLINK << 8) | N.IPCTNL_MSG_CT_NEW, 4);
  b.writeUInt16LE(flags, 6);
  b[16] = 2; // AF_INET
  body.copy(b, 20);
  return [b, new DataView(b.buffer, b.byteOffset, b.length), 0, b.length];
}

const ip = (src: number[], dst: number[]): Buffer => nla(N.CTA_TUPLE_IP | NESTED, nla(N.CTA_IP_V4_SRC, src), nla(N.CTA_IP_V4_DST, dst));
const tuple = (type: number, ...proto: Buffer[]): Buffer => nla(type | NESTED, ip([10, 0, 0, 1], [10, 0, 0, 2]), nla(N.CTA_TUPLE_PROTO | NESTED, ...proto));
const udp = (sport: number, dport: number): Buffer[] => [nla(N.CTA_PROTO_NUM, [17]), nla(N.CTA_PROTO_SRC_PORT, be16(sport)), nla(N.CTA_PROTO_DST_PORT, be16(dport))];

t.test('a whole UDP entry, and the event types of the same message', async (t) => {
  const attrs = [
    tuple(N.CTA_TUPLE_ORIG, ...udp(1000, 53)), tuple(N.CTA_TUPLE_REPLY, ...udp(53, 1000)),
    nla(N.CTA_STATUS, be32(0x8)), nla(N.CTA_TIMEOUT, be32(30)), nla(N.CTA_MARK, be32(7)), nla(N.CTA_USE, be32(1)), nla(N.CTA_ID, be32(99)),
    nla(N.CTA_COUNTERS_ORIG | NESTED, nla(N.CTA_COUNTERS_PACKETS, be64(2n)), nla(N.CTA_COUNTERS_BYTES, be64(120n))),
  ];
  const e = decodeConntrack(...message(0, ...attrs));
  t.match(e, { family: 4, protocol: 'udp', protocolNumber: 17, original: { src: '10.0.0.1', dst: '10.0.0.2', srcPort: 1000, dstPort: 53 }, reply: { srcPort: 53, dstPort: 1000 }, timeout: 30, mark: 7, use: 1, id: 99, statusBits: 8 });
  t.same(e.counters, { original: { packets: 2n, bytes: 120n }, reply: { packets: 0n, bytes: 0n } });
  t.equal(decodeEvent(...message(0x600, ...attrs))?.type, 'new', 'NLM_F_CREATE|NLM_F_EXCL: new');
  t.equal(decodeEvent(...message(0, ...attrs))?.type, 'update', 'without: update');
});

t.test('an attribute shorter than its type is a DecodeError naming it (also through the event decoder)', async (t) => {
  const O = ['ctnetlink', 'CTA_TUPLE_ORIG'];
  const P = [...O, 'CTA_TUPLE_PROTO'];
  const icmp = (...a: Buffer[]): Buffer => tuple(N.CTA_TUPLE_ORIG, nla(N.CTA_PROTO_NUM, [1]), ...a);
  const cases: [string, Buffer[], string[]][] = [
    ['an empty CTA_PROTO_NUM (last in the message)', [tuple(N.CTA_TUPLE_ORIG, nla(N.CTA_PROTO_NUM))], [...P, 'CTA_PROTO_NUM']],
    ['a one-byte CTA_PROTO_SRC_PORT', [tuple(N.CTA_TUPLE_ORIG, nla(N.CTA_PROTO_NUM, [17]), nla(N.CTA_PROTO_SRC_PORT, [4]))], [...P, 'CTA_PROTO_SRC_PORT']],
    ['an empty CTA_PROTO_DST_PORT (last)', [tuple(N.CTA_TUPLE_ORIG, nla(N.CTA_PROTO_NUM, [17]), nla(N.CTA_PROTO_DST_PORT))], [...P, 'CTA_PROTO_DST_PORT']],
    ['a one-byte CTA_PROTO_ICMP_ID', [icmp(nla(N.CTA_PROTO_ICMP_ID, [1]))], [...P, 'CTA_PROTO_ICMP_ID']],
    ['an empty CTA_PROTO_ICMP_TYPE (last)', [icmp(nla(N.CTA_PROTO_ICMP_TYPE))], [...P, 'CTA_PROTO_ICMP_TYPE']],
    ['an empty CTA_PROTO_ICMPV6_CODE (last)', [icmp(nla(N.CTA_PROTO_ICMPV6_CODE))], [...P, 'CTA_PROTO_ICMPV6_CODE']],
    ['a one-byte CTA_TUPLE_ZONE', [nla(N.CTA_TUPLE_REPLY | NESTED, nla(N.CTA_TUPLE_ZONE, [1]))], ['ctnetlink', 'CTA_TUPLE_REPLY', 'CTA_TUPLE_ZONE']],
    ['a two-byte CTA_STATUS', [nla(N.CTA_STATUS, be16(8))], ['ctnetlink', 'CTA_STATUS']],
    ['an empty CTA_TIMEOUT (last)', [nla(N.CTA_TIMEOUT)], ['ctnetlink', 'CTA_TIMEOUT']],
    ['a three-byte CTA_MARK', [nla(N.CTA_MARK, [0, 0, 7])], ['ctnetlink', 'CTA_MARK']],
    ['a one-byte CTA_ZONE', [nla(N.CTA_ZONE, [1])], ['ctnetlink', 'CTA_ZONE']],
    ['a two-byte CTA_USE', [nla(N.CTA_USE, be16(1))], ['ctnetlink', 'CTA_USE']],
    ['an empty CTA_ID (last)', [nla(N.CTA_ID)], ['ctnetlink', 'CTA_ID']],
    ['a two-byte CTA_SECMARK', [nla(N.CTA_SECMARK, be16(1))], ['ctnetlink', 'CTA_SECMARK']],
    ['a four-byte CTA_COUNTERS_PACKETS', [nla(N.CTA_COUNTERS_ORIG | NESTED, nla(N.CTA_COUNTERS_PACKETS, be32(2)))], ['ctnetlink', 'CTA_COUNTERS_ORIG', 'CTA_COUNTERS_PACKETS']],
    ['a four-byte CTA_COUNTERS_BYTES (last)', [nla(N.CTA_COUNTERS_REPLY | NESTED, nla(N.CTA_COUNTERS_BYTES, be32(2)))], ['ctnetlink', 'CTA_COUNTERS_REPLY', 'CTA_COUNTERS_BYTES']],
    ['a four-byte CTA_TIMESTAMP_START', [nla(N.CTA_TIMESTAMP | NESTED, nla(N.CTA_TIMESTAMP_START, be32(2)))], ['ctnetlink', 'CTA_TIMESTAMP', 'CTA_TIMESTAMP_START']],
    ['an empty CTA_PROTOINFO_TCP_STATE (last)', [nla(N.CTA_PROTOINFO | NESTED, nla(N.CTA_PROTOINFO_TCP | NESTED, nla(N.CTA_PROTOINFO_TCP_STATE)))], ['ctnetlink', 'CTA_PROTOINFO', 'CTA_PROTOINFO_TCP', 'CTA_PROTOINFO_TCP_STATE']],
  ];
  for (const [what, attrs, path] of cases) {
    for (const [how, decode] of [['decodeConntrack', decodeConntrack], ['decodeEvent', decodeEvent]] as const) {
      let err: unknown;
      try {
        decode(...message(0, ...attrs));
      } catch (e) {
        err = e;
      }
      t.ok(err instanceof DecodeError, `${how}, ${what}: DecodeError (got ${String(err)})`);
      if (err instanceof DecodeError) t.same(err.path, path, `${how}, ${what}: the path names it`);
    }
  }
});

t.test("the table's statistics (ct.stats): whole, and a short counter a DecodeError naming it", async (t) => {
  const [b, v, o, l] = message(0, nla(N.CTA_STATS_GLOBAL_ENTRIES, be32(12)), nla(N.CTA_STATS_GLOBAL_MAX_ENTRIES, be32(65536)));
  void b;
  t.same(decodeGlobalStats(v, o, l), { entries: 12, maxEntries: 65536 });
  const cpu = message(0, nla(N.CTA_STATS_FOUND, be32(3)), nla(N.CTA_STATS_SEARCHED, be32(4)));
  cpu[0].writeUInt16BE(1, 18); // nfgenmsg.res_id: the CPU
  t.same(decodeCpuStats(cpu[1], cpu[2], cpu[3]), { cpu: 1, found: 3, searched: 4 });
  const cases: [string, () => unknown, string[]][] = [
    ['a two-byte CTA_STATS_GLOBAL_ENTRIES', () => decodeGlobalStats(...message(0, nla(N.CTA_STATS_GLOBAL_ENTRIES, be16(1))).slice(1) as [DataView, number, number]), ['ctnetlink', 'stats', 'CTA_STATS_GLOBAL_ENTRIES']],
    ['an empty CTA_STATS_GLOBAL_MAX_ENTRIES (last)', () => decodeGlobalStats(...message(0, nla(N.CTA_STATS_GLOBAL_MAX_ENTRIES)).slice(1) as [DataView, number, number]), ['ctnetlink', 'stats', 'CTA_STATS_GLOBAL_MAX_ENTRIES']],
    ['an empty CTA_STATS_FOUND (last)', () => decodeCpuStats(...message(0, nla(N.CTA_STATS_FOUND)).slice(1) as [DataView, number, number]), ['ctnetlink', 'stats cpu', 'CTA_STATS_FOUND']],
  ];
  for (const [what, run, path] of cases) {
    let e: unknown;
    try {
      run();
    } catch (x) {
      e = x;
    }
    t.type(e, DecodeError, what);
    t.same((e as DecodeError).path, path, `${what}: the path names it`);
  }
});
