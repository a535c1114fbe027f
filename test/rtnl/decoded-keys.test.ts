// The decoded Link, Route and Neigh types name every property their decoders can set,
// with no string index signature: a typo such as `link.mut` is a compile error, and a
// property the decoder sets is typed. This file holds that both ways:
// - at compile time, each KEYS record must list exactly the type's keys (a missing or
//   extra key fails `tsc`, and so the test run), each with the tag of its declared type,
//   and the types must have no index signature (NO_INDEX);
// - at run time, every row of the attribute table the decoder falls back on has its key
//   in the record (so the table cannot set an undeclared property), every key a decoder
//   sets is in the record, and for each row with a primitive codec a message carrying
//   that one attribute decodes to a value of the declared type.
import t from 'tap';
import { MessageWriter, type AttrSpec, type AttrTable } from '../../src/netlink/index.js';
import { decodeLink, type Link } from '../../src/rtnl/link/decode.js';
import { IFLA, IFINFOMSG_LEN } from '../../src/rtnl/link/table.js';
import { decodeRoute, type Route } from '../../src/rtnl/route/decode.js';
import { RTA, RTMSG_LEN } from '../../src/rtnl/route/table.js';
import { decodeNeigh, type Neigh } from '../../src/rtnl/neigh/decode.js';
import { NDA, NDMSG_LEN } from '../../src/rtnl/neigh/table.js';
import { decodeFdb, type FdbEntry } from '../../src/rtnl/fdb/decode.js';
import { FDB_NDA } from '../../src/rtnl/fdb/table.js';
import { decodeNexthop, type NexthopObject } from '../../src/rtnl/nexthop/decode.js';
import { NHA, NHMSG_LEN } from '../../src/rtnl/nexthop/table.js';
import { decodeNexthopBucket, NHA_BUCKET, NHA_RES_BUCKET, type NexthopBucket } from '../../src/rtnl/nexthop/bucket.js';
import { decodeNetconf, type Netconf } from '../../src/rtnl/netconf/decode.js';
import { NETCONFA, NETCONFMSG_LEN } from '../../src/rtnl/netconf/table.js';
import { decodeNsid, NETNSA, type Nsid } from '../../src/rtnl/nsid.js';
import * as C from '../../src/rtnl/constants.js';

/** The tag of a declared property type; 'other' for objects, arrays, bigints and unions of kinds. */
type Tag<T> = [T] extends [number] ? 'number' : [T] extends [string] ? 'string' : [T] extends [boolean] ? 'boolean' : [T] extends [Buffer] ? 'Buffer' : 'other';
type Keys<T> = { readonly [K in keyof Required<T>]: Tag<Exclude<Required<T>[K], undefined>> };
/** `true` only when T has no string index signature. */
type NoIndex<T> = string extends keyof T ? false : true;

const NO_INDEX: readonly [NoIndex<Link>, NoIndex<Route>, NoIndex<Neigh>, NoIndex<FdbEntry>, NoIndex<NexthopObject>, NoIndex<NexthopBucket>, NoIndex<Netconf>, NoIndex<Nsid>] = [true, true, true, true, true, true, true, true];

const LINK_KEYS: Keys<Link> = {
  index: 'number', name: 'string', kind: 'string', flags: 'other', rawFlags: 'number', up: 'boolean', linkType: 'other', type: 'number',
  mtu: 'number', minMtu: 'number', maxMtu: 'number', txqlen: 'number', operstate: 'string', linkmode: 'string', group: 'number',
  address: 'string', broadcast: 'string', permaddr: 'string', qdisc: 'string', master: 'number', link: 'number', netnsId: 'number',
  alias: 'string', altnames: 'other', promiscuity: 'number', allmulti: 'number', carrier: 'boolean', carrierChanges: 'number',
  carrierUpCount: 'number', carrierDownCount: 'number', protoDown: 'boolean', numTxQueues: 'number', numRxQueues: 'number',
  gsoMaxSize: 'number', gsoMaxSegs: 'number', groMaxSize: 'number', tsoMaxSize: 'number', tsoMaxSegs: 'number',
  stats64: 'other', linkinfo: 'other', afSpec: 'other', unknown: 'other',
  gsoIpv4MaxSize: 'number', groIpv4MaxSize: 'number', map: 'other', xdp: 'other', event: 'number', netnsImmutable: 'boolean',
  headroom: 'number', tailroom: 'number', maxPacingOffloadHorizon: 'number', devlinkPort: 'Buffer', dpllPin: 'Buffer',
  physPortName: 'string', physPortId: 'Buffer', physSwitchId: 'Buffer', parentDevName: 'string', parentDevBusName: 'string',
  protoDownReason: 'Buffer', numVf: 'number', vfinfoList: 'Buffer', vfPorts: 'Buffer', portSelf: 'Buffer', protinfo: 'Buffer',
  wireless: 'Buffer', cost: 'Buffer', priority: 'Buffer', weight: 'number', newNetnsId: 'number', newIfindex: 'number',
  targetNetnsId: 'number', netnsPid: 'number', netnsFd: 'number', extMask: 'number', altname: 'string',
};

const ROUTE_KEYS: Keys<Route> = {
  family: 'number', type: 'other', dst: 'string', dstLen: 'number', from: 'string', fromLen: 'number', tos: 'number', table: 'other',
  protocol: 'other', scope: 'other', flags: 'other', rawFlags: 'number', cache: 'other', dev: 'number', iif: 'number', gateway: 'string', via: 'string',
  prefsrc: 'string', metric: 'number', metrics: 'other', nexthops: 'other', mark: 'number', pref: 'other', expires: 'number',
  uid: 'number', cacheinfo: 'other', flow: 'number', nhId: 'number', encapType: 'number', encap: 'other', unknown: 'other',
  ttlPropagate: 'number', ipProto: 'number', sport: 'number', dport: 'number', mpAlgo: 'number', newdst: 'Buffer',
  protoinfo: 'Buffer', session: 'Buffer', mfcStats: 'Buffer',
};

const NEIGH_KEYS: Keys<Neigh> = {
  family: 'number', dev: 'number', dst: 'string', lladdr: 'string', state: 'other', rawState: 'number', flags: 'other',
  rawFlags: 'number', proxy: 'boolean', router: 'boolean', probes: 'number', cacheinfo: 'other', protocol: 'other', unknown: 'other',
  vlan: 'number', port: 'number', vni: 'number', srcVni: 'number', ifindex: 'number', master: 'number', netnsId: 'number',
  nhId: 'number', flagsExt: 'number', fdbExtAttrs: 'Buffer', ndmStateMask: 'number', ndmFlagsMask: 'number',
};

const FDB_KEYS: Keys<FdbEntry> = {
  mac: 'string', link: 'number', master: 'number', vlan: 'number', state: 'string', rawState: 'number', flags: 'other',
  rawFlags: 'number', dst: 'string', port: 'number', vni: 'number', srcVni: 'number', via: 'number', nhid: 'number',
  linkNetnsId: 'number', cacheinfo: 'other', protocol: 'number', flagsExt: 'number', fdbExtAttrs: 'Buffer', unknown: 'other',
};

const NEXTHOP_KEYS: Keys<NexthopObject> = {
  id: 'number', family: 'number', gateway: 'string', dev: 'number', scope: 'other', protocol: 'other', flags: 'other', rawFlags: 'number',
  blackhole: 'boolean', fdb: 'boolean', group: 'other', groupType: 'other', resilient: 'other', hwStats: 'boolean', hwStatsUsed: 'boolean',
  groupStats: 'other', encapType: 'number', encap: 'Buffer', unknown: 'other',
};

/** A bucket's keys: NHA_RES_BUCKET's rows (index, idleTime, nhId) are set on the bucket itself, flattened. */
const BUCKET_KEYS: Keys<NexthopBucket> = {
  id: 'number', index: 'number', idleTime: 'number', nhId: 'number', protocol: 'other', flags: 'other', rawFlags: 'number', unknown: 'other', bucketUnknown: 'other',
};

/** A netconf set's keys: every row's codec is a custom one (on/off booleans, rp_filter's names, the ifindex as `dev`). */
const NETCONF_KEYS: Keys<Netconf> = {
  family: 'other', dev: 'other', forwarding: 'boolean', rpFilter: 'other', mcForwarding: 'boolean', proxyNeigh: 'boolean',
  ignoreRoutesWithLinkdown: 'boolean', input: 'boolean', bcForwarding: 'boolean', unknown: 'other',
};

/** A peer netns id's keys (`rt.monitor(['nsid'])`). */
const NSID_KEYS: Keys<Nsid> = { nsid: 'number', currentNsid: 'number', unknown: 'other' };

/**
 * Rows whose codec never sets a property: superseded or padding, dump filters the kernel
 * only reads (NHA_GROUPS, NHA_MASTER), and NHA_OP_FLAGS, which decodeNexthop reads for
 * the group weights.
 */
const NEVER_SET: ReadonlySet<string> = new Set(['IFLA_STATS', 'IFLA_PAD', 'RTA_PAD', 'NHA_GROUPS', 'NHA_MASTER', 'NHA_OP_FLAGS']);
/**
 * The same for one family: the bucket messages' NHA_OIF (a dump filter there, the
 * nexthop's device elsewhere) and NHA_RES_BUCKET, whose fields are set on the bucket
 * (checked through its own rows below).
 */
const NEVER_SET_IN: Readonly<Record<string, ReadonlySet<string>>> = {
  NexthopBucket: new Set(['NHA_OIF', 'NHA_RES_BUCKET']),
  'NexthopBucket (NHA_RES_BUCKET)': new Set(['NHA_RES_BUCKET_PAD']),
};
const neverSet = (family: string, row: string): boolean => NEVER_SET.has(row) || NEVER_SET_IN[family]?.has(row) === true;

/** Rows of a primitive codec, for which {@link putPrimitive} writes a payload. */
const PRIMITIVE: ReadonlySet<unknown> = new Set(['u8', 'u16', 'be16', 'u32', 's32', 'be32', 'strz', 'string', 'binary', 'mac', 'flag']);

/** One attribute of a primitive codec with a payload it decodes. */
function putPrimitive(w: MessageWriter, row: AttrSpec): void {
  switch (row.codec) {
    case 'u8': w.putU8(row.type, 1); return;
    case 'u16': case 'be16': w.putU16(row.type, 1); return;
    case 'u32': case 's32': case 'be32': w.putU32(row.type, 1); return;
    case 'strz': w.putStrz(row.type, 'ab'); return;
    case 'string': w.putBytes(row.type, Buffer.from('ab')); return;
    case 'binary': w.putBytes(row.type, Buffer.from([1, 2])); return;
    case 'mac': w.putBytes(row.type, Buffer.from([2, 0, 0, 0, 0, 1])); return;
    case 'flag': w.putFlag(row.type); return;
    default: throw new Error(`not a primitive codec: ${row.name}`);
  }
}

function tagOf(v: unknown): string {
  if (Buffer.isBuffer(v)) return 'Buffer';
  const ty = typeof v;
  return ty === 'number' || ty === 'string' || ty === 'boolean' ? ty : 'other';
}

interface Family {
  name: string;
  table: AttrTable;
  keys: Readonly<Record<string, string>>;
  /** A message of this family with the attributes `attrs` writes, decoded. */
  decode(attrs: (w: MessageWriter) => void): object | undefined;
  /** Rows of a primitive codec the table has at least (defaults to 5; the bucket tables are small). */
  primitives?: number;
}

function message(type: number, headerLen: number, header: (b: DataView, o: number) => void, attrs: (w: MessageWriter) => void): [Buffer, DataView] {
  const w = new MessageWriter();
  w.begin(type, 0, 1);
  const o = w.reserve(headerLen);
  header(w.view, o);
  attrs(w);
  const b = Buffer.from(w.finish());
  return [b, new DataView(b.buffer, b.byteOffset, b.byteLength)];
}

const FAMILIES: Family[] = [
  {
    name: 'Link', table: IFLA, keys: LINK_KEYS,
    decode: (attrs) => {
      const [b, v] = message(C.RTM_NEWLINK, IFINFOMSG_LEN, (h, o) => { h.setUint16(o + 2, 1, true); h.setInt32(o + 4, 7, true); }, attrs);
      return decodeLink(b, v, 0, b.length);
    },
  },
  {
    name: 'Route', table: RTA, keys: ROUTE_KEYS,
    decode: (attrs) => {
      const [b, v] = message(C.RTM_NEWROUTE, RTMSG_LEN, (h, o) => { h.setUint8(o, 2); h.setUint8(o + 4, 254); h.setUint8(o + 7, 1); }, attrs);
      return decodeRoute(b, v, 0, b.length);
    },
  },
  {
    name: 'Neigh', table: NDA, keys: NEIGH_KEYS,
    decode: (attrs) => {
      const [b, v] = message(C.RTM_NEWNEIGH, NDMSG_LEN, (h, o) => { h.setUint8(o, 2); h.setInt32(o + 4, 7, true); h.setUint16(o + 8, 0x80, true); }, attrs);
      return decodeNeigh(b, v, 0, b.length);
    },
  },
  {
    name: 'FdbEntry', table: FDB_NDA, keys: FDB_KEYS,
    decode: (attrs) => {
      const [b, v] = message(C.RTM_NEWNEIGH, NDMSG_LEN, (h, o) => { h.setUint8(o, 7 /* AF_BRIDGE */); h.setInt32(o + 4, 7, true); h.setUint16(o + 8, 0x80, true); }, attrs);
      return decodeFdb(b, v, 0, b.length);
    },
  },
  {
    name: 'NexthopObject', table: NHA, keys: NEXTHOP_KEYS,
    decode: (attrs) => {
      const [b, v] = message(C.RTM_NEWNEXTHOP, NHMSG_LEN, (h, o) => { h.setUint8(o, 2); h.setUint8(o + 1, 253); }, attrs);
      return decodeNexthop(b, v, 0, b.length);
    },
  },
  {
    name: 'NexthopBucket', table: NHA_BUCKET, keys: BUCKET_KEYS, primitives: 1,
    decode: (attrs) => {
      const [b, v] = message(C.RTM_NEWNEXTHOPBUCKET, NHMSG_LEN, () => {}, attrs);
      return decodeNexthopBucket(b, v, 0, b.length);
    },
  },
  {
    // NHA_RES_BUCKET's rows, each in an NHA_RES_BUCKET nest: what they set on the bucket.
    name: 'NexthopBucket (NHA_RES_BUCKET)', table: NHA_RES_BUCKET, keys: BUCKET_KEYS, primitives: 2,
    decode: (attrs) => {
      const [b, v] = message(C.RTM_NEWNEXTHOPBUCKET, NHMSG_LEN, () => {}, (w) => {
        const n = w.nestStart(C.NHA_RES_BUCKET);
        attrs(w);
        w.nestEnd(n);
      });
      return decodeNexthopBucket(b, v, 0, b.length);
    },
  },
  {
    // No primitive rows; every message has its NETCONFA_IFINDEX (a DecodeError without one).
    name: 'Netconf', table: NETCONFA, keys: NETCONF_KEYS, primitives: 0,
    decode: (attrs) => {
      const [b, v] = message(C.RTM_NEWNETCONF, NETCONFMSG_LEN, (h, o) => h.setUint8(o, 2), (w) => {
        w.putS32(C.NETCONFA_IFINDEX, 3);
        attrs(w);
      });
      return decodeNetconf(b, v, 0, b.length);
    },
  },
  {
    // Two rows (NETNSA_NSID, NETNSA_CURRENT_NSID); every message has its NETNSA_NSID (a DecodeError without one).
    name: 'Nsid', table: NETNSA, keys: NSID_KEYS, primitives: 2,
    decode: (attrs) => {
      const [b, v] = message(C.RTM_NEWNSID, 4, () => {}, (w) => {
        w.putS32(C.NETNSA_NSID, 3);
        attrs(w);
      });
      return decodeNsid(b, v, 0, b.length);
    },
  },
];

t.test('the decoded types have no string index signature', async (t) => {
  t.same(NO_INDEX, [true, true, true, true, true, true, true, true]);
});

for (const f of FAMILIES) {
  t.test(`${f.name}: every attribute table row has its key declared`, async (t) => {
    const missing = f.table.rows.filter((r) => !neverSet(f.name, r.name) && !(r.key in f.keys)).map((r) => `${r.name} → ${r.key}`);
    t.same(missing, [], `rows whose key ${f.name} does not declare`);
  });

  t.test(`${f.name}: every key the decoder sets is declared`, async (t) => {
    const empty = f.decode(() => {});
    t.ok(empty, 'decoded');
    t.same(Object.keys(empty!).filter((k) => !(k in f.keys)), [], 'keys of a message without attributes');
    for (const row of f.table.rows) {
      if (!PRIMITIVE.has(row.codec)) continue;
      const out = f.decode((m) => putPrimitive(m, row)) as Record<string, unknown>;
      t.same(Object.keys(out).filter((k) => !(k in f.keys)), [], `keys after ${row.name}`);
    }
  });

  t.test(`${f.name}: primitive rows decode to the declared type`, async (t) => {
    let n = 0;
    for (const row of f.table.rows) {
      if (neverSet(f.name, row.name) || !PRIMITIVE.has(row.codec)) continue;
      const out = f.decode((m) => putPrimitive(m, row)) as Record<string, unknown>;
      const want = f.keys[row.key];
      const got = out[row.key];
      t.not(got, undefined, `${row.name} sets ${row.key}`);
      if (want !== 'other') t.equal(tagOf(got), want, `${row.name} → ${row.key}: ${want}`);
      n++;
    }
    t.ok(n >= (f.primitives ?? 5), `${n} primitive rows checked`);
  });
}
