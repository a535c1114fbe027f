// rt.mdb: the bridge multicast database. Requests byte for byte as `bridge mdb` (iproute2
// 6.1, read with strace) sends them, and the 6.3+ attributes (filter mode, source list,
// protocol, replace) in the order iproute2 6.3 writes them; a dump the kernel sent decoded
// as `bridge -j -d -s mdb show` prints it, and a truncated or corrupted one refused with
// DecodeError only; bad input refused before anything is sent; on a real kernel in a fresh
// netns, entries added by nlkit and by bridge listed field by field as `bridge -j -d -s mdb
// show` lists them, router ports, del and replace round trips, and the kernel's refusals
// explained, naming the entry and the netns.
import t from 'tap';
import { DecodeError } from '../../src/netlink/index.js';
import { InvalidArgumentError, NetlinkError } from '../../src/netlink/errors.js';
import { LinkApi } from '../../src/rtnl/link/api.js';
import { MdbApi } from '../../src/rtnl/mdb/api.js';
import { decodeMdb, type MdbEntry } from '../../src/rtnl/mdb/decode.js';
import { Rtnl } from '../../src/rtnl/index.js';
import { recordedRequests } from './scripted-link-api.js';
import { inNs, ip, ipJson, privileged, freshHandle, rawNetns } from '../helpers.js';

const mdbApi = (core: never) => MdbApi.of(core, LinkApi.of(core));
const hex = (r: { bytes: Buffer[] }) => r.bytes.map((b) => b.toString('hex'));
const Z12 = '000000000000000000000000';

/**
 * The header bridge sends (seq 1 here, as the recorder writes it), br_port_msg
 * (AF_BRIDGE, bridge ifindex 2) and MDBA_SET_ENTRY's header; `entry` is struct
 * br_mdb_entry.
 */
const req = (len: string, typeFlags: string, entry: string, rest = '') => `${len}000000${typeFlags}0100000000000000` + '0700000002000000' + '20000100' + entry + rest;

t.test('requests are the bytes bridge mdb sends', async (t) => {
  const cases: Array<[string, (a: MdbApi) => Promise<unknown>, string]> = [
    // bridge mdb add dev br0 port v0 grp 239.1.1.1 permanent  (br0 ifindex 2, v0 ifindex 4)
    ['add IPv4 permanent', (a) => a.add({ bridge: 2, port: 4, group: '239.1.1.1', permanent: true }),
      req('38', '54000506', '0400000001000000' + 'ef010101' + Z12 + '08000000')],
    // bridge mdb add dev br0 port v0 grp 239.1.1.2
    ['add IPv4 temp (the default)', (a) => a.add({ bridge: 2, port: 4, group: '239.1.1.2' }),
      req('38', '54000506', '0400000000000000' + 'ef010102' + Z12 + '08000000')],
    // bridge mdb add dev br0 port v0 grp ff0e::1 permanent vid 10
    ['add IPv6 with vid', (a) => a.add({ bridge: 2, port: 4, group: 'ff0e::1', permanent: true, vid: 10 }),
      req('38', '54000506', '0400000001000a00' + 'ff0e0000000000000000000000000001' + '86dd0000')],
    // bridge mdb add dev br0 port v0 grp 239.1.1.3 src 10.0.0.1 permanent
    ['add (S, G)', (a) => a.add({ bridge: 2, port: 4, group: '239.1.1.3', source: '10.0.0.1', permanent: true }),
      req('44', '54000506', '0400000001000000' + 'ef010103' + Z12 + '08000000', '0c000280' + '08000100' + '0a000001')],
    // bridge mdb add dev br0 port v0 grp 01:00:5e:00:00:05 permanent
    ['add L2 (MAC) group', (a) => a.add({ bridge: 2, port: 4, group: '01:00:5e:00:00:05', permanent: true }),
      req('38', '54000506', '0400000001000000' + '01005e000005' + '00'.repeat(10) + '0000' + '0000')],
    // bridge mdb add dev br0 port br0 grp 239.1.1.5  (a host join)
    ['add host join', (a) => a.add({ bridge: 2, port: 2, group: '239.1.1.5' }),
      req('38', '54000506', '0200000000000000' + 'ef010105' + Z12 + '08000000')],
    // bridge mdb del dev br0 port v0 grp 239.1.1.1 permanent  (bridge sends state 0 on del)
    ['del', (a) => a.del({ bridge: 2, port: 4, group: '239.1.1.1' }),
      req('38', '55000500', '0400000000000000' + 'ef010101' + Z12 + '08000000')],
    // bridge mdb del dev br0 port v0 grp 239.1.1.3 src 10.0.0.1
    ['del (S, G)', (a) => a.del({ bridge: 2, port: 4, group: '239.1.1.3', source: '10.0.0.1' }),
      req('44', '55000500', '0400000000000000' + 'ef010103' + Z12 + '08000000', '0c000280' + '08000100' + '0a000001')],
    // bridge mdb replace (iproute2 6.3+): add's bytes with NLM_F_CREATE|NLM_F_REPLACE
    ['replace', (a) => a.replace({ bridge: 2, port: 4, group: '239.1.1.1', permanent: true }),
      req('38', '54000505', '0400000001000000' + 'ef010101' + Z12 + '08000000')],
    // bridge mdb add dev br0 port v0 grp 239.1.1.4 permanent filter_mode include source_list 10.0.0.1,10.0.0.2 proto zebra
    // (iproute2 6.3: MDBE_ATTR_GROUP_MODE, MDBE_ATTR_SRC_LIST › MDBE_SRC_LIST_ENTRY › MDBE_SRCATTR_ADDRESS, MDBE_ATTR_RTPROT; nests flagged)
    ['add (*, G) with filter mode, sources and protocol', (a) => a.add({ bridge: 2, port: 4, group: '239.1.1.4', permanent: true, filterMode: 'include', sources: ['10.0.0.1', '10.0.0.2'], protocol: 'zebra' }),
      req('68', '54000506', '0400000001000000' + 'ef010104' + Z12 + '08000000',
        '30000280' + '05000300' + '01000000' + '1c000280' + '0c000180' + '08000100' + '0a000001' + '0c000180' + '08000100' + '0a000002' + '05000400' + '0b000000')],
  ];
  for (const [what, call, want] of cases) {
    const r = await recordedRequests(mdbApi, call);
    t.equal(r.error, undefined, `${what}: no error`);
    t.same(hex(r), [want], what);
  }
  // The dump: bridge mdb show sends RTM_GETMDB with NLM_F_DUMP and a zeroed br_port_msg of AF_BRIDGE (the recorder adds NLM_F_ACK).
  const d = await recordedRequests(mdbApi, (a) => a.list());
  t.same(hex(d), ['18000000' + '56000503' + '0100000000000000' + '0700000000000000'], 'list: RTM_GETMDB dump, br_port_msg ifindex 0');
  // A decoded entry deletes itself: the same bytes as the spec.
  const e: MdbEntry = { bridge: 2, port: 4, group: '239.1.1.3', family: 4, source: '10.0.0.1', state: 'permanent', rawState: 1, flags: [], rawFlags: 0, timer: 0, protocol: 'static' };
  const byEntry = await recordedRequests(mdbApi, (a) => a.del(e));
  t.same(hex(byEntry), [cases[7]![2]], 'del of a listed entry');
});

t.test('bad input is refused before anything is sent, naming the argument', async (t) => {
  const base = { bridge: 'br0', port: 'v0', group: '239.1.1.1' };
  const bad: Array<[unknown, RegExp]> = [
    [undefined, /spec.*expected an object|bridge/],
    [{ port: 'v0', group: '239.1.1.1' }, /bridge.*needs its bridge/],
    [{ bridge: 'br0', group: '239.1.1.1' }, /port.*needs a port/],
    [{ bridge: 'br0', port: 'v0' }, /group.*needs its group/],
    [{ ...base, group: '10.0.0.1' }, /group.*10\.0\.0\.1 is not an IPv4 multicast address/],
    [{ ...base, group: '224.0.0.5' }, /group.*link-local multicast/],
    [{ ...base, group: '2001:db8::1' }, /group.*not an IPv6 multicast address/],
    [{ ...base, group: 'ff02::1' }, /group.*all-nodes/],
    [{ ...base, group: '02:00:00:00:00:01' }, /group.*not a multicast MAC/],
    [{ ...base, group: new Uint8Array(5) }, /group.*6-byte MAC, got 5/],
    [{ ...base, group: 'nope' }, /group.*'nope' is not an IPv4 or IPv6 address/],
    [{ ...base, group: 42 }, /group.*expected a multicast/],
    [{ ...base, vid: 0 }, /vid.*1\.\.4094, got 0/],
    [{ ...base, vid: 4095 }, /vid.*1\.\.4094, got 4095/],
    [{ ...base, vid: 1.5 }, /vid/],
    [{ ...base, permanent: 'yes' }, /permanent.*true or false/],
    [{ ...base, source: '2001:db8::1' }, /source.*IPv6 but the group is IPv4/],
    [{ ...base, source: '239.1.1.9' }, /source.*multicast address/],
    // The kernel takes an all-zero source as none: `src 0.0.0.0` would silently make the (*, G)
    // entry (and a del of it delete the (*, G) with every (S, G) of it); in a source list it
    // answers ENOSPC 'Failed to add new source entry'.
    [{ ...base, source: '0.0.0.0' }, /source.*0\.0\.0\.0 is the unspecified address.*\(\*, G\).*leave source out/],
    [{ ...base, group: 'ff0e::1', source: '::' }, /source.*:: is the unspecified address/],
    [{ ...base, filterMode: 'exclude', sources: ['10.0.0.1', '0.0.0.0'] }, /sources\[1\].*0\.0\.0\.0 is the unspecified address/],
    [{ ...base, group: '01:00:5e:00:00:05', source: '10.0.0.1' }, /source.*L2 \(MAC\) group has no sources/],
    [{ ...base, filterMode: 'both' }, /filterMode.*'include' or 'exclude'/],
    [{ ...base, filterMode: 'include' }, /sources.*'include' with no sources/],
    [{ ...base, filterMode: 'exclude', source: '10.0.0.1' }, /filterMode.*\(\*, G\) entry/],
    [{ ...base, sources: ['10.0.0.1'] }, /sources.*needs a filterMode/],
    [{ ...base, filterMode: 'exclude', sources: '10.0.0.1' }, /sources.*expected an array/],
    [{ ...base, filterMode: 'exclude', sources: ['10.0.0.1', 'ff0e::1'] }, /sources\[1\].*IPv6 but the group is IPv4/],
    [{ ...base, filterMode: 'exclude', sources: ['10.0.0.1', '10.0.0.2', '10.0.0.1'] }, /sources\[2\].*10\.0\.0\.1 is given twice/],
    [{ ...base, protocol: 'kernel' }, /protocol.*below 'static'/],
    [{ ...base, protocol: 'nope' }, /protocol.*unknown protocol 'nope'/],
    [{ ...base, bridge: '' }, /bridge/],
    [{ ...base, port: {} }, /port/],
    [{ ...base, grp: '239.1.1.1' }, /grp/],
  ];
  for (const [spec, re] of bad) {
    const r = await recordedRequests(mdbApi, (a) => a.add(spec as never));
    t.ok(r.error instanceof InvalidArgumentError, `${JSON.stringify(spec, (_k, v) => (v instanceof Uint8Array ? `bytes(${v.length})` : v))}: InvalidArgumentError`);
    t.match(String(r.error), re);
    t.same(r.bytes, [], 'nothing sent');
  }
  // del takes no state, filter mode, sources or protocol; list filters are checked too.
  for (const [call, re] of [
    [(a: MdbApi) => a.del({ ...base, permanent: true } as never), /permanent/],
    [(a: MdbApi) => a.del({ ...base, sources: [] } as never), /sources/],
    [(a: MdbApi) => a.list({ vid: 0 }), /filter\.vid/],
    [(a: MdbApi) => a.list({ dev: 'br0' } as never), /filter\.dev|dev/],
    [(a: MdbApi) => a.routers('br0' as never), /filter.*expected an object/],
    // A listed entry is what del takes, not add/replace (its state, filterMode and sourceList are
    // not add's keys): said so, instead of "unknown option 'family'".
    [(a: MdbApi) => a.replace({ bridge: 2, port: 4, group: '239.1.1.1', family: 4, state: 'temp', rawState: 0, flags: [], rawFlags: 0 } as never),
      /spec.*an entry list\(\) returned.*del takes it; add and replace take.*permanent: true/],
    [(a: MdbApi) => a.add({ bridge: 2, port: 4, group: '239.1.1.1', family: 4, state: 'permanent', rawState: 1, flags: [], rawFlags: 0 } as never), /spec.*an entry list\(\) returned/],
  ] as const) {
    const r = await recordedRequests(mdbApi, call);
    t.ok(r.error instanceof InvalidArgumentError, String(r.error));
    t.match(String(r.error), re);
    t.same(r.bytes, [], 'nothing sent');
  }
});

// One RTM_GETMDB dump part the kernel (6.18) sent for br0 (ifindex 2, mcast_igmp_version 3,
// mcast_mld_version 2) with port v0 (ifindex 4, mcast_router 2): (*, G) 239.1.1.4 include
// 10.0.0.1,10.0.0.2 proto zebra (by nlkit) and its two (S, G) entries, host join 239.1.1.5,
// L2 01:00:5e:00:00:05, ff0e::1 vid 10, (S, G) 239.1.1.3 src 10.0.0.1 and 239.1.1.1 (by bridge).
const KERNEL_DUMP = '540200005600020060b3451a2e3c000000000000020000001002010044000100400001000400000001000000ef010104000000000000000000000000080000000800010000000000080004000a000002050005000b000000050003000100000044000100400001000400000001000000ef010104000000000000000000000000080000000800010000000000080004000a000001050005000b000000050003000100000068000100640001000400000001000000ef010104000000000000000000000000080000000800010000000000050005000b0000002c00028014000180080001000a000002080002000000000014000180080001000a000001080002000000000005000300010000002c000100280001000200000000000000ef01010500000000000000000000000008000000080001008e6500003400010030000100040000000100000001005e0000050000000000000000000000000000080001000000000005000500040000003c000100380001000400000001000a00ff0e000000000000000000000000000186dd000008000100000000000500050004000000050003000000000044000100400001000400000001000000ef010103000000000000000000000000080000000800010000000000080004000a000001050005000400000005000300010000003c000100380001000400000001000000ef010101000000000000000000000000080000000800010000000000050005000400000005000300000000002c00020028000100040000000800010000000000050002000200000008000300000000000800040000000000';

t.test('a dump part the kernel sent decodes as bridge -j -d -s mdb show prints it', async (t) => {
  const buf = Buffer.from(KERNEL_DUMP, 'hex');
  const m = decodeMdb(buf, new DataView(buf.buffer, buf.byteOffset, buf.length), 0, buf.length)!;
  t.equal(m.bridge, 2, 'the bridge (br_port_msg.ifindex; the kernel leaves its family 0 in dumps)');
  const p = (e: Partial<MdbEntry>) => ({ bridge: 2, port: 4, family: 4, state: 'permanent', rawState: 1, flags: [], rawFlags: 0, timer: 0, ...e });
  t.same(m.entries, [
    p({ group: '239.1.1.4', source: '10.0.0.2', protocol: 'zebra', filterMode: 'include' }),
    p({ group: '239.1.1.4', source: '10.0.0.1', protocol: 'zebra', filterMode: 'include' }),
    p({ group: '239.1.1.4', protocol: 'zebra', filterMode: 'include', sourceList: [{ address: '10.0.0.2', timer: 0 }, { address: '10.0.0.1', timer: 0 }] }),
    p({ port: 2, group: '239.1.1.5', state: 'temp', rawState: 0, timer: 259.98 }),
    p({ group: '01:00:5e:00:00:05', family: 'l2', protocol: 'static' }),
    p({ group: 'ff0e::1', family: 6, vid: 10, protocol: 'static', filterMode: 'exclude' }),
    p({ group: '239.1.1.3', source: '10.0.0.1', protocol: 'static', filterMode: 'include' }),
    p({ group: '239.1.1.1', protocol: 'static', filterMode: 'exclude' }),
  ]);
  t.same(m.routers, [{ bridge: 2, port: 4, timer: 0, rawType: 2, type: 'permanent', inetTimer: 0, inet6Timer: 0 }], 'MDBA_ROUTER: v0, permanent');
  // An attribute nlkit does not know is kept raw.
  const extra = Buffer.from(KERNEL_DUMP.replace('050005000b000000', '050063000b000000'), 'hex');
  const u = decodeMdb(extra, new DataView(extra.buffer, extra.byteOffset, extra.length), 0, extra.length)!;
  t.same(u.entries[0]!.unknown, [{ type: 99, value: Buffer.from([0x0b]) }], 'unknown MDBA_MDB_EATTR kept');
  t.equal(u.entries[0]!.protocol, undefined);
  // Another message type is not an MDB message.
  const link = Buffer.from(buf);
  link.writeUInt16LE(16, 4);
  t.equal(decodeMdb(link, new DataView(link.buffer, link.byteOffset, link.length), 0, link.length), undefined, 'RTM_NEWLINK: undefined');
});

// Events the kernel sent to RTNLGRP_MDB (read from `bridge monitor mdb` with strace): an
// entry added, a router port set (`mcast_router 2`: MDBA_ROUTER with the bare ifindex),
// the entry deleted. Their br_port_msg carries AF_BRIDGE.
const EVENTS = [
  '5000000054000000000000000000000007000000020000003800010034000100300001000400000001000000ef0101010000000000000000000000000800000008000100000000000500050004000000',
  '2400000054000000000000000000000007000000020000000c0002000800010004000000',
  '5000000055000000000000000000000007000000020000003800010034000100300001000400000001000000ef0101010000000000000000000000000800000008000100000000000500050004000000',
];

t.test('the kernel\'s MDB events decode: an entry added and deleted, a router port', async (t) => {
  const [add, router, del] = EVENTS.map((h) => {
    const b = Buffer.from(h, 'hex');
    return decodeMdb(b, new DataView(b.buffer, b.byteOffset, b.length), 0, b.length)!;
  });
  const entry = { bridge: 2, port: 4, group: '239.1.1.1', family: 4, state: 'permanent', rawState: 1, flags: [], rawFlags: 0, timer: 0, protocol: 'static' };
  t.same(add, { bridge: 2, entries: [entry], routers: [] }, 'RTM_NEWMDB: the entry');
  t.same(router, { bridge: 2, entries: [], routers: [{ bridge: 2, port: 4 }] }, 'RTM_NEWMDB: the router port');
  t.same(del, { bridge: 2, entries: [entry], routers: [] }, 'RTM_DELMDB: the entry');
});

t.test('a truncated or corrupted dump part is refused with DecodeError only', async (t) => {
  const good = Buffer.from(KERNEL_DUMP, 'hex');
  let refused = 0;
  const run = (b: Buffer) => {
    try {
      decodeMdb(b, new DataView(b.buffer, b.byteOffset, b.length), 0, b.length);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      refused++;
    }
  };
  for (let n = 16; n < good.length; n++) {
    const b = Buffer.from(good.subarray(0, n)); // exact size: a read past the end throws RangeError
    b.writeUInt32LE(n, 0);
    run(b);
  }
  let x = 0x12345678;
  for (let i = 0; i < 3000; i++) {
    const b = Buffer.from(good);
    for (let k = 0; k < 3; k++) {
      x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
      b[24 + (x % (b.length - 24))] = x >>> 24;
    }
    run(b);
  }
  t.ok(refused > 0, `${refused} refused with DecodeError, none with anything else`);
});

function setup(t: { teardown(fn: () => void): void }): { ns: ReturnType<typeof rawNetns>; rt: Rtnl } {
  const { ns, rt } = freshHandle(t);
  // No IPv6 addresses: their solicited-node joins would add entries while a test compares two dumps.
  inNs(ns.path, 'sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  for (const c of [
    'link add br0 type bridge mcast_igmp_version 3 mcast_mld_version 2', 'link add v0 type veth peer name v1',
    'link add v4 type veth peer name v5', 'link add v2 type veth peer name v3',
    'link set v0 master br0', 'link set v4 master br0',
    'link set br0 up', 'link set v0 up', 'link set v1 up', 'link set v4 up', 'link set v5 up',
  ]) ip(ns.path, c.split(' '));
  return { ns, rt };
}

function bridgeMdb(nsPath: string): { mdb: any[]; router: Record<string, any[]> } {
  const out = JSON.parse(inNs(nsPath, 'bridge', ['-j', '-d', '-s', 'mdb', 'show']));
  return { mdb: out[0]?.mdb ?? [], router: out[0]?.router ?? {} };
}

function names(nsPath: string): Map<number, string> {
  return new Map(ipJson(nsPath, ['link']).map((l: any) => [l.ifindex, l.ifname]));
}

/** An entry as bridge prints it; the timer as a number (compared within a second: the two dumps are not the same instant). */
function fromBridge(e: any): Record<string, unknown> {
  return {
    index: e.index, dev: e.dev, port: e.port, grp: e.grp, src: e.src, state: e.state, filter_mode: e.filter_mode,
    source_list: e.source_list?.map((s: any) => s.address), protocol: e.protocol, flags: e.flags, vid: e.vid, timer: Number(e.timer),
  };
}

function fromNlkit(e: MdbEntry, ifn: Map<number, string>): Record<string, unknown> {
  return {
    index: e.bridge, dev: ifn.get(e.bridge), port: ifn.get(e.port), grp: e.group, src: e.source, state: e.state, filter_mode: e.filterMode,
    source_list: e.sourceList?.map((s) => s.address), protocol: e.protocol, flags: e.flags, vid: e.vid, timer: e.timer,
  };
}

const key = (x: Record<string, unknown>) => `${x['port']} ${x['grp']} ${x['src']} ${x['vid']}`;
const sorted = (xs: Record<string, unknown>[]) => [...xs].sort((a, b) => key(a).localeCompare(key(b)));
const noTimer = (x: Record<string, unknown>) => ({ ...x, timer: undefined });

t.test('list equals bridge -j -d -s mdb show field by field after adds by nlkit and by bridge', privileged, async (t) => {
  const { ns, rt } = setup(t);
  await rt.mdb.add({ bridge: 'br0', port: 'v0', group: '239.1.1.1', permanent: true });
  await rt.mdb.add({ bridge: 'br0', port: 'v4', group: '239.1.1.2' });
  await rt.mdb.add({ bridge: 'br0', port: 'v0', group: 'ff0e::1', permanent: true });
  await rt.mdb.add({ bridge: 'br0', port: 'v0', group: '239.1.1.3', source: '10.0.0.1', permanent: true });
  await rt.mdb.add({ bridge: 'br0', port: 'v4', group: '01:00:5e:00:00:05', permanent: true });
  await rt.mdb.add({ bridge: 'br0', port: 'br0', group: '239.1.1.5' });
  await rt.mdb.add({ bridge: 'br0', port: 'v4', group: '239.1.1.4', permanent: true, filterMode: 'include', sources: ['10.0.0.1', '10.0.0.2'], protocol: 'zebra' });
  for (const c of ['add dev br0 port v4 grp 239.2.2.1 permanent', 'add dev br0 port v0 grp 239.2.2.2', 'add dev br0 port v0 grp ff0e::2 permanent',
    'add dev br0 port v4 grp 239.2.2.3 src 10.0.0.9 permanent', 'add dev br0 port br0 grp ff0e::5']) inNs(ns.path, 'bridge', ['mdb', ...c.split(' ')]);
  const ifn = names(ns.path);
  const ours = (await rt.mdb.list()).map((e) => fromNlkit(e, ifn));
  const theirs = bridgeMdb(ns.path).mdb.map(fromBridge);
  t.equal(ours.length, theirs.length, `${ours.length} entries each`);
  t.same(sorted(ours).map(noTimer), sorted(theirs).map(noTimer), 'every field but the timer');
  sorted(ours).forEach((o, i) => t.ok(Math.abs((o['timer'] as number) - (sorted(theirs)[i]!['timer'] as number)) < 2, `${key(o)}: timer ${o['timer']} ≈ ${sorted(theirs)[i]!['timer']}`));
  t.ok(ours.some((o) => o['grp'] === '239.1.1.4' && (o['source_list'] as string[] | undefined)?.length === 2 && o['protocol'] === 'zebra'), 'the (*, G) include entry with its source list');
  // Filters: a port, the bridge, a port that holds nothing.
  const v4 = [...ifn].find(([, n]) => n === 'v4')![0];
  t.ok((await rt.mdb.list({ port: 'v4' })).every((e) => e.port === v4), 'port filter');
  t.equal((await rt.mdb.list({ bridge: 'br0' })).length, ours.length, 'bridge filter');
  t.same(await rt.mdb.list({ port: 'v1' }), [], 'a port without entries');
  const missing = await rt.mdb.list({ bridge: 'nosuch' }).catch((e) => e);
  t.ok(missing instanceof NetlinkError && missing.code === 'ENODEV', String(missing));
  t.match(String(missing), /filter\.bridge 'nosuch' does not exist/);
});

t.test('entries with a vid: listed and filtered when the kernel takes them', privileged, async (t) => {
  const { ns, rt } = setup(t);
  try {
    await rt.mdb.add({ bridge: 'br0', port: 'v0', group: '239.1.1.7', permanent: true, vid: 10 });
  } catch (e) {
    // A kernel without bridge VLAN filtering may refuse vid-tagged entries: its answer decides.
    if (!(e instanceof NetlinkError)) throw e;
    t.comment(`skipped: the kernel refused a vid-tagged entry (${e.message})`);
    return;
  }
  inNs(ns.path, 'bridge', ['mdb', 'add', 'dev', 'br0', 'port', 'v4', 'grp', '239.1.1.8', 'permanent', 'vid', '20']);
  const ifn = names(ns.path);
  t.same(sorted((await rt.mdb.list({ vid: 10 })).map((e) => noTimer(fromNlkit(e, ifn)))), sorted(bridgeMdb(ns.path).mdb.filter((e) => e.vid === 10).map((e) => noTimer(fromBridge(e)))), 'vid 10 as bridge lists it');
  t.same((await rt.mdb.list({ vid: 20 })).map((e) => e.group), ['239.1.1.8']);
  await rt.mdb.del({ bridge: 'br0', port: 'v0', group: '239.1.1.7', vid: 10 });
  t.same(await rt.mdb.list({ vid: 10 }), [], 'deleted by its vid');
});

t.test('router ports equal bridge -j -d -s mdb show "router"', privileged, async (t) => {
  const { ns, rt } = setup(t);
  t.same(await rt.mdb.routers(), [], 'none yet');
  ip(ns.path, ['link', 'set', 'v0', 'type', 'bridge_slave', 'mcast_router', '2']);
  const ifn = names(ns.path);
  const ours = await rt.mdb.routers();
  const theirs = bridgeMdb(ns.path).router;
  t.same(Object.keys(theirs), ['br0']);
  t.same(ours.map((r) => ({ bridge: ifn.get(r.bridge), port: ifn.get(r.port), type: r.type, timer: r.timer })),
    theirs['br0']!.map((r: any) => ({ bridge: 'br0', port: r.port, type: r.type, timer: Number(r.timer) })));
  t.same(await rt.mdb.routers({ port: 'v4' }), [], 'port filter');
});

t.test('del round trips (by spec and by a listed entry); replace changes an entry', privileged, async (t) => {
  const { ns, rt } = setup(t);
  await rt.mdb.add({ bridge: 'br0', port: 'v0', group: '239.1.1.1' });
  t.same((await rt.mdb.list({ port: 'v0' })).map((e) => [e.group, e.state]), [['239.1.1.1', 'temp']]);
  await rt.mdb.replace({ bridge: 'br0', port: 'v0', group: '239.1.1.1', permanent: true });
  t.same((await rt.mdb.list({ port: 'v0' })).map((e) => [e.group, e.state]), [['239.1.1.1', 'permanent']], 'replace made it permanent');
  await rt.mdb.replace({ bridge: 'br0', port: 'v0', group: '239.1.1.6', permanent: true });
  t.equal((await rt.mdb.list({ port: 'v0' })).length, 2, 'replace creates');
  await rt.mdb.del({ bridge: 'br0', port: 'v0', group: '239.1.1.1' });
  inNs(ns.path, 'bridge', ['mdb', 'add', 'dev', 'br0', 'port', 'v4', 'grp', '01:00:5e:00:00:07', 'permanent']);
  inNs(ns.path, 'bridge', ['mdb', 'add', 'dev', 'br0', 'port', 'v4', 'grp', '239.1.1.3', 'src', '10.0.0.1', 'permanent']);
  await rt.mdb.add({ bridge: 'br0', port: 'br0', group: 'ff0e::9' });
  for (const e of await rt.mdb.list()) await rt.mdb.del(e);
  t.same(bridgeMdb(ns.path).mdb, [], 'every entry deleted by its listed self (bridge lists none)');
});

t.test('refusals name the entry, what it means and the netns', privileged, async (t) => {
  const { ns, rt } = setup(t);
  const refusal = async (p: Promise<unknown>) => {
    const e = await p.then(() => undefined, (x) => x);
    t.ok(e instanceof NetlinkError, String(e));
    return e as NetlinkError;
  };
  let e = await refusal(rt.mdb.add({ bridge: 'br0', port: 'v2', group: '239.1.1.1', permanent: true }));
  t.match(e.message, /EINVAL.*not a bridge port.*'v2' is not a port of any bridge: enslave it.*in netns fd \d+.*\(RTM_NEWMDB dev br0 port v2 grp 239\.1\.1\.1 permanent\)/);
  e = await refusal(rt.mdb.add({ bridge: 'v2', port: 'v0', group: '239.1.1.1', permanent: true }));
  t.equal(e.code, 'EOPNOTSUPP');
  t.match(e.message, /'v2' is a veth: only a bridge \(or a vxlan\) keeps a multicast database/);
  e = await refusal(rt.mdb.add({ bridge: 'br0', port: 'br0', group: '239.1.1.1', permanent: true }));
  t.match(e.message, /host join \(port = the bridge 'br0'\) is always temporary: leave permanent out/);
  e = await refusal(rt.mdb.add({ bridge: 'br0', port: 'v0', group: '01:00:5e:00:00:05' }));
  t.match(e.message, /EINVAL.*L2 entries/);
  await rt.mdb.add({ bridge: 'br0', port: 'v0', group: '239.1.1.1', permanent: true });
  e = await refusal(rt.mdb.add({ bridge: 'br0', port: 'v0', group: '239.1.1.1', permanent: true }));
  t.equal(e.code, 'EEXIST');
  t.match(e.message, /replace changes it/);
  e = await refusal(rt.mdb.del({ bridge: 'br0', port: 'v0', group: '239.9.9.9' }));
  t.equal(e.code, 'EINVAL');
  t.match(e.message, /no such MDB entry.*\(RTM_DELMDB dev br0 port v0 grp 239\.9\.9\.9\)/);
  e = await refusal(rt.mdb.add({ bridge: 'br0', port: 'nosuch', group: '239.1.1.1' }));
  t.equal(e.code, 'ENODEV');
  t.match(e.message, /port 'nosuch' does not exist/);
  // By ifindex nothing is looked up first: the kernel's answer says which one is missing.
  e = await refusal(rt.mdb.add({ bridge: 9999, port: 'v0', group: '239.1.1.1' }));
  t.equal(e.code, 'ENODEV');
  t.match(e.message, /the bridge ifindex 9999 does not exist; in netns fd \d+ \(RTM_NEWMDB dev ifindex 9999 port v0/);
  e = await refusal(rt.mdb.del({ bridge: 'br0', port: 9999, group: '239.1.1.1' }));
  t.equal(e.code, 'ENODEV');
  t.match(e.message, /the port ifindex 9999 does not exist; in netns fd \d+ \(RTM_DELMDB dev br0 port ifindex 9999/);
  // A temp entry needs its port forwarding; a permanent one does not.
  ip(ns.path, ['link', 'set', 'v4', 'down']);
  e = await refusal(rt.mdb.add({ bridge: 'br0', port: 'v4', group: '239.1.1.2' }));
  t.match(e.message, /the port 'v4' is down .*bring it up, or add the entry with permanent: true/);
  await rt.mdb.add({ bridge: 'br0', port: 'v4', group: '239.1.1.2', permanent: true });
  // The bridge down, then its snooping off.
  ip(ns.path, ['link', 'set', 'br0', 'down']);
  e = await refusal(rt.mdb.add({ bridge: 'br0', port: 'v0', group: '239.1.1.3', permanent: true }));
  t.match(e.message, /not running.*the bridge 'br0' is down: bring it up first/);
  ip(ns.path, ['link', 'set', 'br0', 'up', 'type', 'bridge', 'mcast_snooping', '0']);
  e = await refusal(rt.mdb.add({ bridge: 'br0', port: 'v0', group: '239.1.1.3', permanent: true }));
  t.match(e.message, /multicast snooping is off on 'br0': turn it on/);
  t.same(bridgeMdb(ns.path).mdb.map((x) => `${x.port} ${x.grp}`).sort(), ['v0 239.1.1.1', 'v4 239.1.1.2'], 'the permanent entries stay; nothing half-made by the refusals');
  t.same((await rt.mdb.list()).map((x) => x.group).sort(), ['239.1.1.1', '239.1.1.2'], 'and nlkit lists them too');
});

t.test('a vxlan\'s MDB entries (remote dst, dstPort, vni, via): added, listed with them, deleted by spec and by their listed selves', privileged, async (t) => {
  const { ns, rt } = freshHandle(t);
  ip(ns.path, ['link', 'add', 'vx0', 'type', 'vxlan', 'dstport', '4789', 'external']);
  ip(ns.path, ['link', 'set', 'vx0', 'up']);
  ip(ns.path, ['link', 'set', 'lo', 'up']);
  const ifn = names(ns.path);
  const vx0 = [...ifn].find(([, n]) => n === 'vx0')![0];
  const lo = [...ifn].find(([, n]) => n === 'lo')![0];
  await rt.mdb.add({ bridge: 'vx0', port: 'vx0', group: '239.1.1.1', permanent: true, dst: '198.51.100.1' });
  await rt.mdb.add({ bridge: 'vx0', port: 'vx0', group: '239.1.1.1', permanent: true, dst: '198.51.100.2', dstPort: 1234, vni: 10, via: 'lo' });
  await rt.mdb.add({ bridge: 'vx0', port: 'vx0', group: 'ff0e::1', source: '2001:db8::1', permanent: true, dst: '2001:db8::99' });
  const key = (e: MdbEntry) => `${e.group} ${e.source} ${e.dst}`;
  const listed = (await rt.mdb.list({ bridge: 'vx0' })).sort((a, b) => key(a).localeCompare(key(b)));
  t.same(listed.map((e) => ({ bridge: e.bridge, port: e.port, group: e.group, source: e.source, state: e.state, dst: e.dst, dstPort: e.dstPort, vni: e.vni, via: e.via })), [
    { bridge: vx0, port: vx0, group: '239.1.1.1', source: undefined, state: 'permanent', dst: '198.51.100.1', dstPort: undefined, vni: undefined, via: undefined },
    { bridge: vx0, port: vx0, group: '239.1.1.1', source: undefined, state: 'permanent', dst: '198.51.100.2', dstPort: 1234, vni: 10, via: lo },
    { bridge: vx0, port: vx0, group: 'ff0e::1', source: '2001:db8::1', state: 'permanent', dst: '2001:db8::99', dstPort: undefined, vni: undefined, via: undefined },
  ], 'each remote with its own destination');
  t.same((await rt.mdb.get({ bridge: 'vx0', group: '239.1.1.1' })).map((e) => e.dst).sort(), ['198.51.100.1', '198.51.100.2'], 'get: every remote of the group');
  // The same group to another remote is a second entry; to the same remote again, EEXIST.
  const dup = await rt.mdb.add({ bridge: 'vx0', port: 'vx0', group: '239.1.1.1', permanent: true, dst: '198.51.100.1' }).then(() => undefined, (e) => e);
  t.ok(dup instanceof NetlinkError && dup.code === 'EEXIST', String(dup));
  t.match(String(dup), /the remote 198\.51\.100\.1 has this group already: replace changes it; .*dst 198\.51\.100\.1\)/, 'the error names the remote');
  // Without a dst the vxlan has nothing to send to: the kernel's refusal says so.
  const noDst = await rt.mdb.add({ bridge: 'vx0', port: 'vx0', group: '239.1.1.3', permanent: true }).then(() => undefined, (e) => e);
  t.ok(noDst instanceof NetlinkError, String(noDst));
  t.match(String(noDst), /a vxlan's MDB entry needs its remote \(dst\)/);
  // A bridge's entries have no remote: the kernel's 'Unsupported attribute' says which.
  ip(ns.path, ['link', 'add', 'br0', 'type', 'bridge']);
  ip(ns.path, ['link', 'set', 'br0', 'up']);
  const onBridge = await rt.mdb.add({ bridge: 'br0', port: 'br0', group: '239.1.1.1', dst: '198.51.100.1' }).then(() => undefined, (e) => e);
  t.ok(onBridge instanceof NetlinkError && onBridge.code === 'EINVAL', String(onBridge));
  t.match(String(onBridge), /dst, dstPort, vni, srcVni and via are a vxlan's MDB entry's: leave them out for a bridge's; in netns fd \d+/);
  await rt.mdb.del({ bridge: 'vx0', port: 'vx0', group: '239.1.1.1', dst: '198.51.100.1' });
  t.same((await rt.mdb.list({ bridge: 'vx0' })).map(key).sort(), ['239.1.1.1 undefined 198.51.100.2', 'ff0e::1 2001:db8::1 2001:db8::99'], 'deleted by spec: that remote only');
  for (const e of await rt.mdb.list({ bridge: 'vx0' })) await rt.mdb.del(e);
  t.same(await rt.mdb.list({ bridge: 'vx0' }), [], 'every remote deleted by its listed self');
});

t.test('vxlan fields are checked before anything is sent', async (t) => {
  const bad: Array<[Record<string, unknown>, string]> = [
    [{ dst: 'nope' }, 'dst'],
    [{ dst: 42 }, 'dst'],
    [{ dst: '10.0.0.1', dstPort: 65536 }, 'dstPort'],
    [{ dst: '10.0.0.1', vni: 1 << 24 }, 'vni'],
    [{ dst: '10.0.0.1', srcVni: -1 }, 'srcVni'],
    [{ dst: '10.0.0.1', via: {} }, 'via'],
    [{ dstPort: 1 }, 'dstPort'],
  ];
  for (const [extra, arg] of bad) {
    const r = await recordedRequests(mdbApi, (a) => a.add({ bridge: 2, port: 2, group: '239.1.1.1', permanent: true, ...extra } as never));
    t.ok(r.error instanceof InvalidArgumentError, `${JSON.stringify(extra)}: ${String(r.error)}`);
    t.match(String(r.error), new RegExp(`invalid ${arg}`), `${JSON.stringify(extra)} names ${arg}`);
    t.same(r.bytes, [], 'nothing sent');
  }
});

t.test('get: one group\'s entries on every port (bridge mdb get, Linux 6.5), as list has them; a missing one is ENOENT naming it', privileged, async (t) => {
  const { rt } = setup(t);
  await rt.mdb.add({ bridge: 'br0', port: 'v0', group: '239.1.1.1', permanent: true });
  await rt.mdb.add({ bridge: 'br0', port: 'v4', group: '239.1.1.1' });
  await rt.mdb.add({ bridge: 'br0', port: 'v0', group: '239.1.1.2', permanent: true });
  await rt.mdb.add({ bridge: 'br0', port: 'v4', group: '239.1.1.3', source: '10.0.0.1', permanent: true });
  const byPort = (xs: MdbEntry[]) => [...xs].sort((a, b) => a.port - b.port).map((e) => ({ ...e, timer: undefined }));
  const got = await rt.mdb.get({ bridge: 'br0', group: '239.1.1.1' });
  t.equal(got.length, 2, 'both ports');
  t.same(byPort(got), byPort((await rt.mdb.list()).filter((e) => e.group === '239.1.1.1')), 'as list has them (but the timers)');
  t.same((await rt.mdb.get({ bridge: 'br0', group: '239.1.1.3', source: '10.0.0.1' })).map((e) => [e.group, e.source]), [['239.1.1.3', '10.0.0.1']], 'an (S, G) by its source');
  const missing = await rt.mdb.get({ bridge: 'br0', group: '239.9.9.9' }).then(() => undefined, (e) => e);
  t.ok(missing instanceof NetlinkError && missing.code === 'ENOENT', String(missing));
  t.match(String(missing), /no MDB entry for 239\.9\.9\.9 on 'br0'; in netns fd \d+ \(RTM_GETMDB dev br0 grp 239\.9\.9\.9\)/);
  const notBridge = await rt.mdb.get({ bridge: 'v2', group: '239.1.1.1' }).then(() => undefined, (e) => e);
  t.ok(notBridge instanceof NetlinkError && notBridge.code === 'EOPNOTSUPP', String(notBridge));
  t.match(String(notBridge), /'v2' is a veth: only a bridge \(or a vxlan\) keeps a multicast database/);
});

t.test('get: bad input refused before anything is sent; the request bytes', async (t) => {
  for (const [spec, re] of [
    [{ group: '239.1.1.1' }, /bridge.*needs its bridge/],
    [{ bridge: 'br0' }, /group.*needs its group/],
    [{ bridge: 'br0', group: '10.0.0.1' }, /group.*not an IPv4 multicast address/],
    [{ bridge: 'br0', group: '239.1.1.1', port: 'v0' }, /port.*unknown option/],
    [{ bridge: 'br0', group: '239.1.1.1', permanent: true }, /permanent.*unknown option/],
    [{ bridge: 'br0', group: '239.1.1.1', source: 'ff0e::1' }, /source/],
  ] as const) {
    const r = await recordedRequests(mdbApi, (a) => a.get(spec as never));
    t.ok(r.error instanceof InvalidArgumentError, `${JSON.stringify(spec)}: ${String(r.error)}`);
    t.match(String(r.error), re);
    t.same(r.bytes, [], 'nothing sent');
  }
  // RTM_GETMDB (86), NLM_F_REQUEST only; br_port_msg with the bridge; MDBA_GET_ENTRY (a br_mdb_entry
  // with no port, state or flags); MDBA_GET_ENTRY_ATTRS › MDBE_ATTR_SOURCE.
  const r = await recordedRequests(mdbApi, (a) => a.get({ bridge: 2, group: '239.1.1.3', source: '10.0.0.1', vid: 10 }));
  t.same(hex(r), ['44000000' + '5600' + '0500' + '0100000000000000' + '0700000002000000' + '20000100' + '00000000' + '00000a00' + 'ef010103' + Z12 + '08000000' + '0c000280' + '08000100' + '0a000001']);
});

t.test('a vxlan entry\'s dst_port is a host-order u16 both ways (the kernel: nla_get_u16 / nla_put_u16 of be16_to_cpu)', async (t) => {
  // bridge mdb add dev vx0 port vx0 grp 239.1.1.1 permanent dst 10.0.0.1 dst_port 1234 vni 10 (iproute2 6.3: addattr16, addattr32)
  const r = await recordedRequests(mdbApi, (a) => a.add({ bridge: 2, port: 2, group: '239.1.1.1', permanent: true, dst: '10.0.0.1', dstPort: 1234, vni: 10 }));
  const le16 = (v: number) => Buffer.from([v & 0xff, v >> 8]).toString('hex');
  t.same(hex(r), [req('54', '54000506', '0200000001000000' + 'ef010101' + Z12 + '08000000',
    '1c000280' + '08000500' + '0a000001' + '06000600' + le16(1234) + '0000' + '08000700' + '0a000000')]);
  // What the kernel sends for it (vxlan_mdb_entry_info_fill): MDBA_MDB › MDBA_MDB_ENTRY › MDBA_MDB_ENTRY_INFO
  // (br_mdb_entry, then MDBA_MDB_EATTR_DST, _DST_PORT as a host-order u16, _VNI).
  const info = '0200000001000000' + 'ef010101' + Z12 + '08000000' + '08000600' + '0a000001' + '06000700' + le16(1234) + '0000' + '08000800' + '0a000000';
  const entry = `${(4 + info.length / 2).toString(16).padStart(2, '0')}000100` + info;
  const mdb = `${(4 + 4 + entry.length / 2).toString(16).padStart(2, '0')}000100` + `${(4 + entry.length / 2).toString(16).padStart(2, '0')}000100` + entry;
  const body = '0700000002000000' + mdb;
  const msg = Buffer.from(`${(16 + body.length / 2).toString(16).padStart(2, '0')}000000` + '5400' + '0000' + '00000000' + '00000000' + body, 'hex');
  const m = decodeMdb(msg, new DataView(msg.buffer, msg.byteOffset, msg.length), 0, msg.length)!;
  t.same(m.entries.map((e) => [e.dst, e.dstPort, e.vni]), [['10.0.0.1', 1234, 10]]);
});

t.test('flush (bridge mdb flush, Linux 6.8): by port, host joins, state and protocol; a vxlan\'s by remote; refusals and bad input', privileged, async (t) => {
  const { ns, rt } = setup(t);
  const ifn = names(ns.path);
  const view = async () => (await rt.mdb.list({ bridge: 'br0' })).map((e) => `${ifn.get(e.port)} ${e.group} ${e.state} ${e.protocol}`).sort();
  const fill = async () => {
    for (const e of await rt.mdb.list({ bridge: 'br0' })) await rt.mdb.del(e);
    await rt.mdb.add({ bridge: 'br0', port: 'v0', group: '239.1.1.1', permanent: true });
    await rt.mdb.add({ bridge: 'br0', port: 'v0', group: '239.1.1.2' });
    await rt.mdb.add({ bridge: 'br0', port: 'v4', group: '239.1.1.3', permanent: true, protocol: 'zebra' });
    await rt.mdb.add({ bridge: 'br0', port: 'br0', group: '239.1.1.4' });
    await rt.mdb.add({ bridge: 'br0', port: 'v4', group: '239.1.1.5' });
  };
  await fill();
  const all = await view();
  t.equal(all.length, 5);
  const left = async (spec: Record<string, unknown>, expect: string[], what: string) => {
    await fill();
    await rt.mdb.flush({ bridge: 'br0', ...spec } as never);
    t.same(await view(), all.filter((x) => expect.some((g) => x.includes(` ${g} `))), what);
  };
  await left({}, [], 'every entry');
  await left({ port: 'v0' }, ['239.1.1.3', '239.1.1.4', '239.1.1.5'], "port v0's");
  await left({ port: 'br0' }, ['239.1.1.1', '239.1.1.2', '239.1.1.3', '239.1.1.5'], 'the host joins (port = the bridge)');
  await left({ permanent: true }, ['239.1.1.2', '239.1.1.4', '239.1.1.5'], 'permanent ones');
  await left({ permanent: false }, ['239.1.1.1', '239.1.1.3'], 'temp ones');
  await left({ protocol: 'zebra' }, ['239.1.1.1', '239.1.1.2', '239.1.1.4', '239.1.1.5'], 'those zebra added');
  await left({ port: 'v4', permanent: false }, ['239.1.1.1', '239.1.1.2', '239.1.1.3', '239.1.1.4'], "port v4's temp ones");
  // Refusals: before anything is sent, or the kernel's, explained.
  await fill();
  await t.rejects(rt.mdb.flush({ bridge: 'br0', port: 'v2' }), { name: 'InvalidArgumentError', argument: 'port', message: /'v2' is not a port of 'br0'.*delete nothing/ });
  await t.rejects(rt.mdb.flush({ bridge: 'br0', port: 'nope' }), { code: 'ENODEV', message: /the port 'nope' does not exist; in netns/ });
  await t.rejects(rt.mdb.flush({ bridge: 'nope' }), { code: 'ENODEV', message: /'nope'/ });
  await t.rejects(rt.mdb.flush({ bridge: 'v2' }), { code: 'EOPNOTSUPP', message: /'v2' is a veth: a bridge or a vxlan keeps an MDB; in netns/ });
  await t.rejects(rt.mdb.flush({ bridge: 'br0', dst: '198.51.100.1' }), { code: 'EINVAL', message: /select a vxlan's entries: 'br0' takes none of them/ });
  for (const [spec, arg] of [
    [{}, 'bridge'], [{ bridge: 'br0', group: '239.1.1.1' }, 'group'], [{ bridge: 'br0', vid: 4095 }, 'vid'], [{ bridge: 'br0', permanent: 'yes' }, 'permanent'],
    [{ bridge: 'br0', protocol: 'kernel' }, 'protocol'], [{ bridge: 'br0', protocol: 'nosuch' }, 'protocol'], [{ bridge: 'br0', vni: -1 }, 'vni'],
    [{ bridge: 'br0', dstPort: 70000 }, 'dstPort'], [{ bridge: 'br0', dst: 'x' }, 'dst'],
  ] as [Record<string, unknown>, string][]) {
    await t.rejects(rt.mdb.flush(spec as never), { name: 'InvalidArgumentError', argument: arg }, JSON.stringify(spec));
  }
  t.same(await view(), all, 'no refusal deleted anything');
  // A vxlan's entries, by remote.
  ip(ns.path, ['link', 'add', 'vx0', 'type', 'vxlan', 'dstport', '4789', 'external']);
  ip(ns.path, ['link', 'set', 'vx0', 'up']);
  for (const [g, dst, vni] of [['239.1.1.1', '198.51.100.1', 10], ['239.1.1.1', '198.51.100.2', 20], ['239.1.1.2', '198.51.100.1', 20]] as const) {
    await rt.mdb.add({ bridge: 'vx0', port: 'vx0', group: g, permanent: true, dst, vni });
  }
  const remotes = async () => (await rt.mdb.list({ bridge: 'vx0' })).map((e) => `${e.group} ${e.dst} ${e.vni}`).sort();
  await rt.mdb.flush({ bridge: 'vx0', vni: 20, dst: '198.51.100.1' });
  t.same(await remotes(), ['239.1.1.1 198.51.100.1 10', '239.1.1.1 198.51.100.2 20'], 'vni 20 toward 198.51.100.1 only');
  await rt.mdb.flush({ bridge: 'vx0', dst: '198.51.100.2' });
  t.same(await remotes(), ['239.1.1.1 198.51.100.1 10'], 'toward 198.51.100.2');
  await rt.mdb.flush({ bridge: 'vx0' });
  t.same(await remotes(), [], 'every remote');
});
