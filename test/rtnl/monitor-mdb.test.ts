// rt.monitor(['mdb']): the bridge multicast database's events (`bridge monitor mdb`) —
// RTM_NEWMDB / RTM_DELMDB on RTNLGRP_MDB — as kind 'mdb' (an entry, as rt.mdb.list returns
// it) and 'mdb-router' (a multicast router port, as rt.mdb.routers returns it). Byte-level
// cases over a scripted socket (which kind each message takes, a message with more than one
// object, registerEventDecoder), then a real kernel in a fresh netns (a bridge with
// snooping on and veth ports), cross-checked with rt.mdb.list, rt.mdb.routers and
// `bridge monitor mdb`; and, in a fresh process, that nothing of the MDB code is loaded
// until a monitor watches 'mdb'.
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { Rtnl } from '../../src/rtnl/handle.js';
import {
  MONITOR_GROUPS, Monitor, monitorGroups, registerEventDecoder, decodeMdbEntryEvent, decodeMdbRouterEvent,
  type MonitorKind, type MonitorSyncEvent, type RawEventObject,
} from '../../src/rtnl/monitor.js';
import { decodeMdb, type MdbEntry, type MdbRouterPort } from '../../src/rtnl/mdb/decode.js';
import { RTM_DELMDB, RTM_NEWLINK, RTM_NEWMDB, RTNLGRP_MDB } from '../../src/rtnl/constants.js';
import { DecodeError, InvalidArgumentError } from '../../src/netlink/errors.js';
import { freshHandle, inNs, ip, privileged, until as untilEvent } from '../helpers.js';
import { lateLoadPrelude } from './late-load.js';
import { scriptedMonitor, take, type ScriptedMonitor } from './scripted-monitor.js';

// ---------------------------------------------------------------------------------
// Byte level.

// Events the kernel sent to RTNLGRP_MDB (as in mdb.test.ts): an entry added (br0 ifindex
// 2, port 4, 239.1.1.1 permanent), a router port set (port 4), the entry deleted.
const [ENTRY_NEW, ROUTER_NEW, ENTRY_DEL] = [
  '5000000054000000000000000000000007000000020000003800010034000100300001000400000001000000ef0101010000000000000000000000000800000008000100000000000500050004000000',
  '2400000054000000000000000000000007000000020000000c0002000800010004000000',
  '5000000055000000000000000000000007000000020000003800010034000100300001000400000001000000ef0101010000000000000000000000000800000008000100000000000500050004000000',
].map((h) => Buffer.from(h, 'hex')) as [Buffer, Buffer, Buffer];

/** ROUTER_NEW as an RTM_DELMDB: the router port gone. */
const ROUTER_DEL = Buffer.from(ROUTER_NEW);
ROUTER_DEL.writeUInt16LE(RTM_DELMDB, 4);

const mdbOf = (b: Buffer) => decodeMdb(b, new DataView(b.buffer, b.byteOffset, b.length), 0, b.length)!;

/** `msg` with its attributes (after br_port_msg) repeated: two objects in one message. */
function doubled(msg: Buffer): Buffer {
  const attrs = msg.subarray(24);
  const b = Buffer.concat([msg, attrs]);
  b.writeUInt32LE(b.length, 0);
  return b;
}

/** A monitor over a scripted socket watching `kinds`, once it watches (the MDB decoders load first). */
async function scripted(t: { teardown(fn: () => void): void }, kinds: readonly MonitorKind[]): Promise<ScriptedMonitor> {
  const s = scriptedMonitor(t, kinds);
  await s.watching();
  return s;
}

t.test("'mdb' joins RTNLGRP_MDB (26, as in linux/rtnetlink.h) and yields both MDB kinds", async (t) => {
  t.equal(RTNLGRP_MDB, 26);
  t.same(MONITOR_GROUPS.mdb, [RTNLGRP_MDB]);
  t.same(monitorGroups(['mdb', 'link']), [RTNLGRP_MDB, 1]);
  const { m, feed } = await scripted(t, ['mdb', 'mdb-router']);
  feed([ENTRY_NEW, ROUTER_NEW, ENTRY_DEL, ROUTER_DEL]);
  const got = await take(m, 4);
  t.same(got, [
    { type: 'new', kind: 'mdb', object: mdbOf(ENTRY_NEW).entries[0] },
    { type: 'new', kind: 'mdb-router', object: mdbOf(ROUTER_NEW).routers[0] },
    { type: 'del', kind: 'mdb', object: mdbOf(ENTRY_DEL).entries[0] },
    { type: 'del', kind: 'mdb-router', object: { bridge: 2, port: 4 } },
  ], 'entry new, router new, entry del, router del: each the object decodeMdb gives, in order');
  const first = got[0]!;
  if (first.kind === 'mdb') {
    const e: MdbEntry = first.object; // the type narrows
    t.same([e.bridge, e.port, e.group, e.family, e.state], [2, 4, '239.1.1.1', 4, 'permanent']);
  }
  const second = got[1]!;
  if (second.kind === 'mdb-router') {
    const r: MdbRouterPort = second.object;
    t.same([r.bridge, r.port], [2, 4]);
  }
  t.equal(m.stats.undecoded, 0);
});

t.test('a message with more than one object is refused with DecodeError (the kernel sends one); one with none is skipped', async (t) => {
  const { m, feed } = await scripted(t, ['mdb', 'mdb-router']);
  // br_port_msg alone: nothing in it, declined (counted), the next delivered.
  const empty = Buffer.from(ENTRY_NEW.subarray(0, 24));
  empty.writeUInt32LE(24, 0);
  feed([empty, ENTRY_NEW]);
  const [ev] = await take(m, 1);
  t.equal(ev!.kind, 'mdb');
  t.equal(m.stats.undecoded, 1, 'the empty one skipped');
  feed([doubled(ENTRY_NEW)]);
  const e = await m.next().catch((x: unknown) => x);
  t.ok(e instanceof DecodeError, String(e));
  t.match(String(e), /MDB event with 2 entries and 0 router ports.*one per message/);
  t.equal(m.closed, true, 'a refused message ends the monitor, as for any decoder');
  // Called straight, on a router message holding two ports.
  const two = doubled(ROUTER_NEW);
  t.throws(() => decodeMdbRouterEvent(two, new DataView(two.buffer, two.byteOffset, two.length), 0, two.length), DecodeError);
  t.same(decodeMdbEntryEvent(ENTRY_DEL, new DataView(ENTRY_DEL.buffer, ENTRY_DEL.byteOffset, ENTRY_DEL.length), 0, ENTRY_DEL.length), mdbOf(ENTRY_DEL).entries[0]);
  // A message too short for br_port_msg: the entries' decoder refuses it.
  const { m: m2, feed: feed2 } = await scripted(t, ['mdb', 'mdb-router']);
  const short = Buffer.alloc(20);
  short.writeUInt32LE(20, 0);
  short.writeUInt16LE(RTM_NEWMDB, 4);
  feed2([short]);
  await t.rejects(m2.next(), /shorter than br_port_msg/);
});

t.test("a monitor of other groups yields no MDB kind: the messages are skipped (undecoded)", async (t) => {
  const { m, feed } = await scripted(t, ['link']);
  feed([ENTRY_NEW, ROUTER_NEW]);
  t.equal(m.stats.undecoded, 2);
  t.equal(m.queued, 0);
});

t.test("registerEventDecoder: 'mdb-router' is the MDB types' router-port decoder, replaced on its own", async (t) => {
  t.throws(() => registerEventDecoder(RTM_NEWLINK, 'mdb-router', decodeMdbRouterEvent), InvalidArgumentError, "'mdb-router' only for RTM_NEWMDB / RTM_DELMDB");
  t.throws(() => registerEventDecoder(RTM_NEWMDB, 'nosuch' as MonitorKind, undefined), /mdb, mdb-router/, 'the kinds listed');
  t.teardown(() => {
    registerEventDecoder(RTM_NEWMDB, 'mdb-router', decodeMdbRouterEvent);
    registerEventDecoder(RTM_NEWMDB, 'mdb', decodeMdbEntryEvent);
  });
  const { m, feed } = await scripted(t, ['mdb', 'mdb-router']);
  t.equal(registerEventDecoder(RTM_NEWMDB, 'mdb-router', undefined), decodeMdbRouterEvent, 'returns the decoder it replaced');
  t.equal(registerEventDecoder(RTM_NEWMDB, 'mdb', decodeMdbEntryEvent), decodeMdbEntryEvent, "the 'mdb' decoder is still there");
  feed([ROUTER_NEW, ENTRY_NEW]);
  const [raw, entry] = await take(m, 2);
  t.equal(raw!.kind, 'mdb-router');
  t.same(Buffer.from((raw!.object as unknown as RawEventObject).raw), ROUTER_NEW, 'the router message, raw, on a monitor already open');
  t.same(entry, { type: 'new', kind: 'mdb', object: mdbOf(ENTRY_NEW).entries[0] }, 'entries still decoded');
  registerEventDecoder(RTM_NEWMDB, 'mdb-router', decodeMdbRouterEvent);
  t.equal(registerEventDecoder(RTM_NEWMDB, 'mdb', undefined), decodeMdbEntryEvent);
  feed([ROUTER_NEW, ENTRY_NEW]);
  const [router, rawEntry] = await take(m, 2);
  t.same(router, { type: 'new', kind: 'mdb-router', object: { bridge: 2, port: 4 } }, 'router ports decoded again');
  t.same(Buffer.from((rawEntry!.object as unknown as RawEventObject).raw), ENTRY_NEW, 'entries raw');
});

// ---------------------------------------------------------------------------------
// A real kernel.

/** A bridge with snooping on (IGMPv3/MLDv2, as mdb.test.ts), up, with veth ports v0 and v4 up; no IPv6 (no learned solicited-node groups). */
function setup(t: { teardown(fn: () => void): void }): { ns: { path: string }; rt: Rtnl } {
  const { ns, rt } = freshHandle(t);
  inNs(ns.path, 'sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  for (const c of [
    'link add br0 type bridge mcast_snooping 1 mcast_igmp_version 3 mcast_mld_version 2', 'link add v0 type veth peer name v1',
    'link add v4 type veth peer name v5', 'link set v0 master br0', 'link set v4 master br0',
    'link set br0 up', 'link set v0 up', 'link set v1 up', 'link set v4 up', 'link set v5 up',
  ]) ip(ns.path, c.split(' '));
  return { ns, rt };
}

function label(ev: MonitorSyncEvent): string {
  if (ev.type === 'overrun' || ev.type === 'synced') return ev.type;
  const x = ev.existing ? 'existing ' : '';
  if (ev.kind === 'mdb') return `${x}${ev.type} mdb ${ev.object.port} ${ev.object.group}${ev.object.source ? ` src ${ev.object.source}` : ''} ${ev.object.state}`;
  if (ev.kind === 'mdb-router') return `${x}${ev.type} mdb-router ${ev.object.port}`;
  return `${x}${ev.type} ${ev.kind}`;
}

const until = (m: Monitor<MonitorSyncEvent>, done: (ev: MonitorSyncEvent) => boolean, ms = 5000) => untilEvent(m, done, label, ms);
const entryKey = (e: MdbEntry) => `${e.port} ${e.group} ${e.source ?? ''} ${e.vid ?? ''}`;
/** A temp entry's timer runs: compared apart. */
const noTimer = (e: MdbEntry) => ({ ...e, timer: undefined });

const ADDS = [
  { port: 'v0', group: '239.1.1.1', permanent: true },
  { port: 'v0', group: '239.1.1.2' },
  { port: 'v0', group: 'ff0e::1', permanent: true },
  { port: 'v4', group: 'ff0e::2' },
  { port: 'v4', group: '01:00:5e:00:00:05', permanent: true },
  { port: 'v0', group: '239.1.1.3', source: '10.0.0.1', permanent: true },
  { port: 'v4', group: '239.1.1.3', source: '10.0.0.2' },
  { port: 'br0', group: '239.1.1.5' },
] as const;

t.test('live: adds and dels of (*, G) IPv4/IPv6/L2, permanent and temp, (S, G) and host joins, each as rt.mdb.list returns it', privileged, async (t) => {
  const { rt } = setup(t);
  const m = rt.monitor(['mdb']);
  t.teardown(() => m.close());
  for (const a of ADDS) await rt.mdb.add({ bridge: 'br0', ...a });
  const listed = await rt.mdb.list();
  const news = await until(m, (ev) => ev.type === 'new' && ev.kind === 'mdb' && ev.object.group === '239.1.1.5');
  const added = news.flatMap((ev) => (ev.type === 'new' && ev.kind === 'mdb' ? [ev.object] : []));
  t.same(news.map(label).filter((l) => !l.startsWith('new mdb ')), [], 'only entry news');
  t.equal(added.length, ADDS.length, `${ADDS.length} entries, one event each: ${news.map(label).join(', ')}`);
  const byKey = new Map(listed.map((e) => [entryKey(e), e]));
  for (const e of added) {
    const l = byKey.get(entryKey(e));
    t.ok(l, `${entryKey(e)} listed`);
    t.same(noTimer(e), noTimer(l!), `${entryKey(e)}: the event's entry is the listed one (${e.family}, ${e.state}${e.source ? ', (S, G)' : ''})`);
    if (e.state === 'permanent') t.equal(e.timer, 0, 'a permanent entry: timer 0');
    else t.ok(e.timer! > 200 && e.timer! >= l!.timer! - 2, `a temp entry's timer when sent: ${e.timer} (listed ${l!.timer})`);
  }
  t.same(new Set(added.map((e) => e.family)), new Set([4, 6, 'l2']), 'IPv4, IPv6 and L2 groups');
  for (const e of listed) await rt.mdb.del(e);
  let n = 0;
  const dels = await until(m, (ev) => ev.type === 'del' && ev.kind === 'mdb' && ++n === listed.length);
  const gone = dels.flatMap((ev) => (ev.type === 'del' && ev.kind === 'mdb' ? [ev.object] : []));
  t.equal(gone.length, listed.length, `a del for each: ${dels.map(label).join(', ')}`);
  for (const e of gone) t.same(noTimer(e), noTimer(byKey.get(entryKey(e))!), `${entryKey(e)}: the del names the entry as listed`);
  t.same(await rt.mdb.list(), []);
});

t.test('live: events print as `bridge monitor mdb` prints them, in the same order', privileged, async (t) => {
  const { ns, rt } = setup(t);
  const m = rt.monitor(['mdb']);
  t.teardown(() => m.close());
  let out = '';
  const child = spawn('nsenter', [`--net=${ns.path}`, 'stdbuf', '-oL', 'bridge', 'monitor', 'mdb'], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => void child.kill());
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  // Wait until bridge has joined: its first line is our probe's.
  for (let i = 0; !out.includes('239.9.9.9'); i++) {
    if (i > 200) throw new Error(`bridge monitor printed nothing: ${out}`);
    // Made again until bridge prints it (iproute2 6.1 has no `mdb replace`).
    if (i % 20 === 0) {
      if (i > 0) inNs(ns.path, 'bridge', ['mdb', 'del', 'dev', 'br0', 'port', 'v0', 'grp', '239.9.9.9']);
      inNs(ns.path, 'bridge', ['mdb', 'add', 'dev', 'br0', 'port', 'v0', 'grp', '239.9.9.9', 'permanent']);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  for (const c of ['add dev br0 port v0 grp 239.1.1.1 permanent', 'add dev br0 port v4 grp ff0e::1', 'add dev br0 port v0 grp 239.1.1.3 src 10.0.0.1 permanent',
    'add dev br0 port v4 grp 01:00:5e:00:00:05 permanent', 'add dev br0 port br0 grp 239.1.1.5', 'del dev br0 port v0 grp 239.1.1.1']) inNs(ns.path, 'bridge', ['mdb', ...c.split(' ')]);
  ip(ns.path, ['link', 'set', 'v4', 'type', 'bridge_slave', 'mcast_router', '2']);
  ip(ns.path, ['link', 'set', 'v4', 'type', 'bridge_slave', 'mcast_router', '1']);
  inNs(ns.path, 'bridge', ['mdb', 'del', 'dev', 'br0', 'port', 'br0', 'grp', '239.1.1.5']);
  const names = new Map<number, string>((await rt.link.list()).map((l) => [l.index, l.name]));
  const n = (i: number) => names.get(i)!;
  // bridge's text: "[Deleted ]dev BR port P grp G[ src S] permanent|temp", "[Deleted ]router port dev P master BR".
  const text = (ev: MonitorSyncEvent): string => {
    if (ev.type !== 'new' && ev.type !== 'del') return ev.type;
    const d = ev.type === 'del' ? 'Deleted ' : '';
    if (ev.kind === 'mdb-router') return `${d}router port dev ${n(ev.object.port)} master ${n(ev.object.bridge)}`;
    if (ev.kind !== 'mdb') return ev.kind;
    const e = ev.object;
    return `${d}dev ${n(e.bridge)} port ${n(e.port)} grp ${e.group}${e.source ? ` src ${e.source}` : ''} ${e.state}`;
  };
  const ours = (await until(m, (ev) => ev.type === 'del' && ev.kind === 'mdb' && ev.object.group === '239.1.1.5')).map(text);
  for (let i = 0; !out.includes('Deleted dev br0 port br0 grp 239.1.1.5'); i++) {
    if (i > 200) throw new Error(`bridge monitor did not print the last del: ${out}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  const theirs = out.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  t.same(ours.filter((l) => !l.includes('239.9.9.9')), theirs.filter((l) => !l.includes('239.9.9.9')), 'line for line');
  t.ok(theirs.includes('router port dev v4 master br0') && theirs.includes('Deleted router port dev v4 master br0'), 'the router port set and unset');
});

t.test('live: a router port change: new when mcast_router 2, del when set back; as rt.mdb.routers names it', privileged, async (t) => {
  const { ns, rt } = setup(t);
  const m = rt.monitor(['mdb']);
  t.teardown(() => m.close());
  ip(ns.path, ['link', 'set', 'v4', 'type', 'bridge_slave', 'mcast_router', '2']);
  const [r] = await rt.mdb.routers();
  const [ev] = await until(m, (x) => x.type === 'new');
  t.same(ev, { type: 'new', kind: 'mdb-router', object: { bridge: r!.bridge, port: r!.port } }, 'bridge and port (the kernel sends neither type nor timer)');
  t.equal(r!.type, 'permanent');
  ip(ns.path, ['link', 'set', 'v4', 'type', 'bridge_slave', 'mcast_router', '0']);
  const [del] = await until(m, (x) => x.type === 'del');
  t.same(del, { type: 'del', kind: 'mdb-router', object: { bridge: r!.bridge, port: r!.port } });
  t.same(await rt.mdb.routers(), []);
});

t.test('live: a port leaving the bridge: a del for each of its entries and for its router role', privileged, async (t) => {
  const { ns, rt } = setup(t);
  for (const a of ADDS) await rt.mdb.add({ bridge: 'br0', ...a });
  ip(ns.path, ['link', 'set', 'v4', 'type', 'bridge_slave', 'mcast_router', '2']);
  const v4 = (await rt.link.get('v4')).index;
  const before = (await rt.mdb.list()).filter((e) => e.port === v4);
  t.equal(before.length, 3);
  const m = rt.monitor(['mdb']);
  t.teardown(() => m.close());
  ip(ns.path, ['link', 'set', 'v4', 'nomaster']);
  const want = before.length + 1;
  let n = 0;
  const got = await until(m, (ev) => ev.type === 'del' && ++n === want);
  t.same(got.map(label).filter((l) => !l.startsWith('del ')), [], `dels only: ${got.map(label).join(', ')}`);
  const gone = got.flatMap((ev) => (ev.type === 'del' && ev.kind === 'mdb' ? [ev.object] : []));
  t.same(gone.map(entryKey).sort(), before.map(entryKey).sort(), "the port's entries, each once");
  for (const e of gone) t.same(noTimer(e), noTimer(before.find((b) => entryKey(b) === entryKey(e))!), `${entryKey(e)} as listed`);
  t.ok(got.some((ev) => ev.type === 'del' && ev.kind === 'mdb-router' && ev.object.port === v4), 'the router port gone');
  t.same((await rt.mdb.list()).filter((e) => e.port === v4), [], 'none left');
});

t.test('live: listExisting lists every entry and router port (rt.mdb.list, rt.mdb.routers), then synced, then the changes', privileged, async (t) => {
  const { ns, rt } = setup(t);
  for (const a of ADDS) await rt.mdb.add({ bridge: 'br0', ...a });
  ip(ns.path, ['link', 'set', 'v4', 'type', 'bridge_slave', 'mcast_router', '2']);
  const m = rt.monitor(['mdb', 'link'], { listExisting: true });
  t.teardown(() => m.close());
  const listing = await until(m, (ev) => ev.type === 'synced');
  t.equal(listing.at(-1)!.type, 'synced');
  const mdb = listing.filter((ev) => ev.type === 'new' && (ev.kind === 'mdb' || ev.kind === 'mdb-router'));
  t.ok(listing.every((ev) => ev.type === 'synced' || (ev.type === 'new' && ev.existing === true)), 'all existing');
  const kinds = listing.map((ev) => (ev.type === 'new' ? ev.kind : ev.type));
  t.ok(kinds.lastIndexOf('link') < kinds.indexOf('mdb'), 'links first, the MDB last');
  t.same(mdb.flatMap((ev) => (ev.type === 'new' && ev.kind === 'mdb' ? [noTimer(ev.object)] : [])), (await rt.mdb.list()).map(noTimer), 'the entries, as rt.mdb.list() returns them, in its order');
  t.same(mdb.flatMap((ev) => (ev.type === 'new' && ev.kind === 'mdb-router' ? [{ ...ev.object, timer: undefined }] : [])), (await rt.mdb.routers()).map((r) => ({ ...r, timer: undefined })), 'the router port, as rt.mdb.routers() returns it');
  t.equal(m.stats.listed, listing.length - 1, 'each counted as listed');
  await rt.mdb.add({ bridge: 'br0', port: 'v0', group: '239.7.7.7', permanent: true });
  const [ev] = await until(m, (x) => x.type === 'new' && x.kind === 'mdb');
  t.same(ev && label(ev), 'new mdb ' + (await rt.link.get('v0')).index + ' 239.7.7.7 permanent', 'then a change');
});

t.test('live: a monitor of other groups sees no MDB event', privileged, async (t) => {
  const { ns, rt } = setup(t);
  const m = rt.monitor(['link', 'neigh', 'fdb', 'route']);
  t.teardown(() => m.close());
  await rt.mdb.add({ bridge: 'br0', port: 'v0', group: '239.1.1.1', permanent: true });
  ip(ns.path, ['link', 'set', 'v4', 'type', 'bridge_slave', 'mcast_router', '2']);
  ip(ns.path, ['link', 'add', 'probe0', 'type', 'veth', 'peer', 'name', 'probe1']);
  const got = await until(m, (ev) => ev.type === 'new' && ev.kind === 'link' && ev.object.name === 'probe0');
  t.notOk(got.some((ev) => (ev.type === 'new' || ev.type === 'del') && (ev.kind === 'mdb' || ev.kind === 'mdb-router')), got.map(label).join(', '));
});

t.test('live: an overrun on an mdb monitor is reported once, then a fresh listing and synced (listExisting)', privileged, async (t) => {
  const { ns, rt } = setup(t);
  const m = rt.monitor(['mdb'], { listExisting: true, receiveBufferSize: 1024 });
  t.teardown(() => m.close());
  await until(m, (ev) => ev.type === 'synced');
  // spawnSync blocks the event loop: the kernel drops what does not fit.
  const batch = Array.from({ length: 200 }, (_, i) => `mdb add dev br0 port v0 grp 239.3.${i >> 8}.${(i & 255) + 1} permanent\n`).join('');
  const r = spawnSync('nsenter', [`--net=${ns.path}`, 'bridge', '-batch', '-'], { input: batch });
  t.equal(r.status, 0, String(r.stderr));
  const got = await until(m, (ev) => ev.type === 'synced');
  const o = got.findIndex((ev) => ev.type === 'overrun');
  t.ok(o >= 0 && m.stats.overruns >= 1, `an overrun: ${got.slice(0, 5).map(label).join(', ')}…`);
  t.equal(got.filter((ev) => ev.type === 'overrun').length, 1, 'reported once');
  const relisted = got.slice(o + 1, -1).flatMap((ev) => (ev.type === 'new' && ev.kind === 'mdb' && ev.existing ? [ev.object] : []));
  t.same(relisted.map(entryKey).sort(), (await rt.mdb.list()).map(entryKey).sort(), 'the listing after it: every entry after the burst');
  t.equal(relisted.length, 200);
  t.equal(m.stats.listings, 2);
});

t.test('late loading: in a fresh process, no MDB module is loaded until a monitor watches mdb; that one decodes what came meanwhile', privileged, async (t) => {
  // A module hook marks every module under src/rtnl/mdb/ and lazy-apis.js when it is evaluated.
  const script = `${lateLoadPrelude('mdb\\/.*|lazy-apis')}
    const rt = Rtnl.open();
    const out = { atImport: loaded() };
    execSync('ip link add br9 type bridge mcast_snooping 1 && ip link add v9 type veth peer name v8 && ip link set v9 master br9 && ip link set br9 up && ip link set v9 up');
    const l = rt.monitor(['link', 'neigh', 'fdb']);
    execSync('ip link set v8 up');
    // The first event of the kind awaited: others (fdb, neigh) may come first on a slow run.
    const first = async (it, ok) => { for (let i = 0; i < 50; i++) { const v = (await it.next()).value; if (ok(v)) return v; } throw new Error('not seen'); };
    out.linkEvent = (await first(l, (e) => e.kind === 'link')).kind;
    out.afterOtherMonitor = loaded();
    l.close();
    const m = rt.monitor(['mdb']);
    out.atOpen = loaded();
    // Made before the decoder can be loaded (execSync blocks the event loop): the kernel holds it.
    execSync('bridge mdb add dev br9 port v9 grp 239.1.1.9 permanent');
    // br9's own IPv6 multicast joins (MLD, host entries) may come first on a slow run.
    const ev = await first(m, (e) => e.kind === 'mdb' && e.object.group === '239.1.1.9');
    out.event = [ev.type, ev.kind, ev.object.group, ev.object.state];
    out.afterMdbMonitor = loaded() > 0;
    m.close();
    rt.close();
    console.log(JSON.stringify(out));`;
  const r = spawnSync('unshare', ['--net', process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  t.equal(r.status, 0, r.stderr);
  t.same(JSON.parse(r.stdout), {
    atImport: 0, linkEvent: 'link', afterOtherMonitor: 0, atOpen: 0,
    event: ['new', 'mdb', '239.1.1.9', 'permanent'], afterMdbMonitor: true,
  }, 'nothing of the MDB until the mdb monitor, which loaded it and decoded the entry made before it was loaded');
});

t.test('live: an entry learned from an MLD report comes as a new (protocol kernel, as listed); a temp entry that ages out as a del', privileged, async (t) => {
  const { ns, rt } = setup(t);
  // Temp entries age out after the membership interval: 2 s here (in 1/100 s).
  ip(ns.path, ['link', 'set', 'br0', 'type', 'bridge', 'mcast_membership_interval', '200']);
  const m = rt.monitor(['mdb']);
  t.teardown(() => m.close());
  await rt.mdb.add({ bridge: 'br0', port: 'v4', group: '239.6.6.6' });
  // v1 (v0's peer) gets IPv6: it reports its solicited-node group, which the bridge learns on v0.
  inNs(ns.path, 'sysctl', ['-qw', 'net.ipv6.conf.v1.disable_ipv6=0']);
  const v0 = (await rt.link.get('v0')).index;
  const got = await until(m, (ev) => ev.type === 'new' && ev.kind === 'mdb' && ev.object.port === v0 && ev.object.timer! > 0);
  const learned = got.at(-1)!;
  if (learned.type !== 'new' || learned.kind !== 'mdb') throw new Error('not an entry');
  t.match(learned.object, { family: 6, state: 'temp', protocol: 'kernel' }, `learned: ${learned.object.group}`);
  t.ok(learned.object.group.startsWith('ff02::1:ff'), 'a solicited-node group');
  const listed = (await rt.mdb.list({ port: 'v0' })).find((e) => e.group === learned.object.group);
  t.same(noTimer(learned.object), noTimer(listed!), 'as rt.mdb.list returns it');
  const aged = await until(m, (ev) => ev.type === 'del' && ev.kind === 'mdb' && ev.object.group === '239.6.6.6', 10_000);
  t.match(aged.at(-1), { type: 'del', kind: 'mdb', object: { group: '239.6.6.6', state: 'temp', protocol: 'static' } }, 'the temp entry aged out');
  t.notOk((await rt.mdb.list()).some((e) => e.group === '239.6.6.6'), 'and is gone from the list');
});
