// rt.nexthop.buckets / bucket / forEachBucket, and rt.monitor(['nexthop-bucket']): the
// buckets of resilient nexthop groups on a real kernel in a fresh netns, cross-checked
// field by field with `ip -j nexthop bucket show|get` (iproute2 6.1) for every filter
// the kernel takes (id, nhid, dev, master, family); the buckets' moves after a replace
// as ip shows them; the kernel's refusals naming what is missing and the netns; bad
// input refused before anything is sent; the request bytes in the order ip sends them;
// and the kernel's bucket notifications (only from its upkeep of a group whose busy
// buckets had to wait) checked against `ip monitor nexthop` running beside.
//
// Idle times grow while they are read, so nlkit's are checked to lie between those of
// an `ip` read just before and one just after (every other field must be equal).
import t from 'tap';
import { spawn } from 'node:child_process';
import type { Rtnl } from '../../src/rtnl/handle.js';
import { NexthopApi, type NexthopBucketFilter } from '../../src/rtnl/nexthop/api.js';
import { decodeNexthopBucket, type NexthopBucket } from '../../src/rtnl/nexthop/bucket.js';
import type { NexthopObject } from '../../src/rtnl/nexthop/decode.js';
import { MONITOR_GROUPS, monitorGroups, type MonitorSyncEvent } from '../../src/rtnl/monitor.js';
import * as C from '../../src/rtnl/constants.js';
import { InvalidArgumentError, NetlinkError } from '../../src/netlink/errors.js';
import { MessageWriter } from '../../src/netlink/index.js';
import { recordedRequests } from './scripted-link-api.js';
import { freshHandle, inNs, ip, ipJson, monitorPrints, netlinkGroupsJoined, privileged, until, type rawNetns } from '../helpers.js';

type T = Parameters<Parameters<typeof t.test>[0]>[0];
type Ns = ReturnType<typeof rawNetns>;

/** `ip -j nexthop bucket` prints a bucket so. */
interface IpBucket {
  id: number;
  bucket: { index: number; idle_time: number; nhid: number };
  flags: string[];
}

/**
 * A fresh netns: lo up; veth v0/v1 up with 10.0.0.1/24 and 2001:db8::1/64; veth v2/v3 up
 * with 10.0.1.1/24; bridge br0 with port v4 (peer v5 up). Nexthops 1, 2 via v0, 3 via
 * v2, 4 (IPv6) via v0, 5 via v4 (onlink).
 */
function setup(t: { teardown(fn: () => void): void }): { ns: Ns; rt: Rtnl } {
  const { ns, rt } = freshHandle(t);
  for (const c of [
    'link set lo up', 'link add v0 type veth peer name v1', 'link set v0 addrgenmode none', 'link set v1 addrgenmode none',
    'link set v0 up', 'link set v1 up', 'addr add 10.0.0.1/24 dev v0', 'addr add 2001:db8::1/64 dev v0 nodad',
    'link add v2 type veth peer name v3', 'link set v2 up', 'link set v3 up', 'addr add 10.0.1.1/24 dev v2',
    'link add br0 type bridge', 'link set br0 up', 'link add v4 type veth peer name v5', 'link set v4 master br0', 'link set v4 up', 'link set v5 up',
    'nexthop add id 1 via 10.0.0.2 dev v0', 'nexthop add id 2 via 10.0.0.3 dev v0', 'nexthop add id 3 via 10.0.1.2 dev v2',
    '-6 nexthop add id 4 via 2001:db8::2 dev v0', 'nexthop add id 5 via 10.9.9.9 dev v4 onlink',
  ]) ip(ns.path, c.split(' '));
  return { ns, rt };
}

/** nlkit's bucket as `ip -j nexthop bucket` prints it. */
function asIp(b: NexthopBucket): IpBucket {
  return { id: b.id, bucket: { index: b.index, idle_time: b.idleTime, nhid: b.nhId }, flags: b.flags };
}

/** `ip -j [-4|-6] nexthop bucket show ARGS`. */
function ipBuckets(nsPath: string, args: readonly string[]): IpBucket[] {
  const fam = args[0] === '-4' || args[0] === '-6' ? [args[0]] : [];
  return ipJson<IpBucket[]>(nsPath, [...fam, 'nexthop', 'bucket', 'show', ...args.slice(fam.length)]);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * nlkit's read (`read`) between two of ip's (`ipRead`): every field equal to ip's
 * (whose two reads must agree: nothing moved meanwhile), each idle time between ip's
 * before and ip's after.
 */
async function sameAsIp(t: T, what: string, ipRead: () => IpBucket[], read: () => Promise<NexthopBucket[]>): Promise<NexthopBucket[]> {
  const before = ipRead();
  const mine = await read();
  const after = ipRead();
  const noIdle = (b: IpBucket): IpBucket => ({ ...b, bucket: { ...b.bucket, idle_time: 0 } });
  t.strictSame(after.map(noIdle), before.map(noIdle), `${what}: ip read the same buckets twice`);
  t.strictSame(mine.map(asIp).map(noIdle), before.map(noIdle), `${what}: ${mine.length} buckets equal ip's, field by field`);
  const off = mine.flatMap((b, i) => {
    const lo = before[i]?.bucket.idle_time ?? NaN;
    const hi = after[i]?.bucket.idle_time ?? NaN;
    return b.idleTime >= lo && b.idleTime <= hi ? [] : [`${b.id}/${b.index}: ${lo} <= ${b.idleTime} <= ${hi}`];
  });
  t.same(off, [], `${what}: each idle time between ip's before and ip's after`);
  return mine;
}

const countBy = (bs: readonly NexthopBucket[]): Record<number, number> => {
  const c: Record<number, number> = {};
  for (const b of bs) c[b.nhId] = (c[b.nhId] ?? 0) + 1;
  return c;
};

async function kernelRefusal(p: Promise<unknown>): Promise<NetlinkError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  if (!(e instanceof NetlinkError)) throw new Error(`expected a NetlinkError, got ${String(e)}`);
  return e;
}

/** How `ip monitor nexthop` prints a bucket (print_nexthop_bucket of iproute2 6.1, no flags set). */
const bucketLine = (b: NexthopBucket): string => `id ${b.id} index ${b.index} idle_time ${b.idleTime} nhid ${b.nhId}${b.flags.map((f) => ` ${f}`).join('')}`;

const label = (ev: MonitorSyncEvent): string => {
  if (ev.type === 'overrun' || ev.type === 'synced') return ev.type;
  const x = ev.existing ? 'existing ' : '';
  if (ev.kind === 'nexthop-bucket') return `${x}${ev.type} bucket ${ev.object.id}/${ev.object.index} -> ${ev.object.nhId}`;
  if (ev.kind === 'nexthop') return `${x}${ev.type} nexthop ${ev.object.id}`;
  return `${x}${ev.type} ${ev.kind}`;
};

t.test('buckets decode as ip -j nexthop bucket show prints them, for every filter the kernel takes', privileged, async (t) => {
  const { ns, rt } = setup(t);
  await rt.nexthop.add({ id: 10, group: [1, { id: 2, weight: 3 }], resilient: { buckets: 8, idleTimer: 0 } });
  ip(ns.path, 'nexthop add id 11 group 1/3/5 type resilient buckets 6 idle_timer 0 proto static'.split(' '));
  ip(ns.path, 'nexthop add id 12 group 2/4 type resilient buckets 4 idle_timer 0'.split(' '));
  ip(ns.path, 'nexthop add id 13 group 1/2'.split(' '));
  await sleep(300); // idle times of a few tenths of a second: a wrong unit shows
  const v0 = (await rt.link.get('v0')).index;
  const cases: [NexthopBucketFilter | undefined, string[], number][] = [
    [undefined, [], 18],
    [{ id: 10 }, ['id', '10'], 8],
    [{ id: 11 }, ['id', '11'], 6],
    [{ nhId: 1 }, ['nhid', '1'], 4],
    [{ nhId: 3 }, ['nhid', '3'], 2],
    [{ dev: 'v2' }, ['dev', 'v2'], 2],
    [{ dev: v0 }, ['dev', 'v0'], 14],
    [{ master: 'br0' }, ['master', 'br0'], 2],
    [{ family: 6 }, ['-6'], 2],
    [{ family: 'inet', id: 12 }, ['-4', 'id', '12'], 2],
    [{ id: 11, nhId: 3 }, ['id', '11', 'nhid', '3'], 2],
    [{ id: 10, dev: 'v0', nhId: 2 }, ['id', '10', 'dev', 'v0', 'nhid', '2'], 6],
    [{ nhId: 99 }, ['nhid', '99'], 0],
  ];
  for (const [filter, args, n] of cases) {
    const what = `bucket show ${args.join(' ')}`;
    const mine = await sameAsIp(t, what, () => ipBuckets(ns.path, args), () => rt.nexthop.buckets(filter));
    t.equal(mine.length, n, `${what}: ${n} buckets`);
  }
  const all = await rt.nexthop.buckets();
  t.same(all.map((b) => `${b.id}/${b.index}`), [...[0, 1, 2, 3, 4, 5, 6, 7].map((i) => `10/${i}`), ...[0, 1, 2, 3, 4, 5].map((i) => `11/${i}`), ...[0, 1, 2, 3].map((i) => `12/${i}`)], 'by group, then index; no bucket of the mpath group');
  t.same(countBy(all.filter((b) => b.id === 10)), { 1: 2, 2: 6 }, 'group 10: weights 1 and 3 over 8 buckets');
  t.same([...new Set(all.map((b) => String(b.protocol)))].sort(), ['static', 'unspec'], 'the group\'s protocol (which ip does not print)');
  t.ok(all.filter((b) => b.id === 11).every((b) => b.protocol === 'static'), "group 11's buckets: proto static");
  t.ok(all.every((b) => b.idleTime >= 0.3 && b.idleTime < 60), `idle times in seconds (${all[0]!.idleTime} s after a 0.3 s wait)`);
  t.ok(all.every((b) => b.rawFlags === 0 && b.flags.length === 0 && b.unknown === undefined && b.bucketUnknown === undefined), 'no flags (nothing offloads) and no attribute left undecoded');

  // forEachBucket walks what buckets() returns.
  const walked: NexthopBucket[] = [];
  t.equal(await rt.nexthop.forEachBucket({ nhId: 1 }, (b) => void walked.push(b)), 4, 'forEachBucket: resolves with the count');
  t.same(walked.map((b) => [b.id, b.index, b.nhId]), (await rt.nexthop.buckets({ nhId: 1 })).map((b) => [b.id, b.index, b.nhId]), 'the buckets buckets() returns');
  let seen = 0;
  t.equal(await rt.nexthop.forEachBucket((b) => ++seen < 3 && b.id === 10), 3, 'returning false stops the walk');
  t.equal(await rt.nexthop.forEachBucket({ id: 99 }, () => t.fail('no bucket')), 0, 'a group that does not exist: nothing');
});

t.test('bucket(id, index) equals ip -j nexthop bucket get id ID index INDEX', privileged, async (t) => {
  const { ns, rt } = setup(t);
  await rt.nexthop.add({ id: 10, group: [1, 2, 3], resilient: { buckets: 6, idleTimer: 0 } });
  ip(ns.path, 'nexthop add id 11 group 2/4 type resilient buckets 3 idle_timer 0'.split(' '));
  await sleep(200);
  for (const [id, n] of [[10, 6], [11, 3]] as const) {
    for (let index = 0; index < n; index++) {
      const args = ['nexthop', 'bucket', 'get', 'id', String(id), 'index', String(index)];
      await sameAsIp(t, args.join(' '), () => ipJson<IpBucket[]>(ns.path, args), async () => [await rt.nexthop.bucket(id, index)]);
    }
  }
  t.same((await rt.nexthop.buckets({ id: 11 })).map((b) => b.nhId), await Promise.all([0, 1, 2].map(async (i) => (await rt.nexthop.bucket(11, i)).nhId)), 'each as the dump lists it');
});

t.test('buckets move after a replace as ip shows them: only as many as the new weights need, and those reset their idle time', privileged, async (t) => {
  const { ns, rt } = setup(t);
  await rt.nexthop.add({ id: 10, group: [1, { id: 2, weight: 3 }], resilient: { buckets: 8, idleTimer: 0 } });
  const first = await rt.nexthop.buckets({ id: 10 });
  t.same(countBy(first), { 1: 2, 2: 6 });
  await sleep(300);
  await rt.nexthop.replace({ id: 10, group: [{ id: 1, weight: 3 }, 2], groupType: 'resilient' });
  const second = await sameAsIp(t, 'after group 1,3/2', () => ipBuckets(ns.path, ['id', '10']), () => rt.nexthop.buckets({ id: 10 }));
  t.same(countBy(second), { 1: 6, 2: 2 }, 'the new weights: 6 buckets for 1, 2 for 2');
  const was1 = first.filter((b) => b.nhId === 1).map((b) => b.index);
  t.ok(was1.every((i) => second[i]!.nhId === 1), `the buckets of 1 stayed with it (${was1.join(', ')})`);
  const moved = second.filter((b) => first[b.index]!.nhId !== b.nhId);
  const kept = second.filter((b) => first[b.index]!.nhId === b.nhId);
  t.equal(moved.length, 4, 'four buckets moved from 2 to 1');
  t.ok(Math.max(...moved.map((b) => b.idleTime)) < Math.min(...kept.map((b) => b.idleTime)), `a moved bucket's idle time starts again (moved ${moved.map((b) => b.idleTime).join(', ')}; kept ${kept.map((b) => b.idleTime).join(', ')})`);

  // Member 2 out, 3 in: 2's buckets go to 3, and 1 gives up two to balance.
  await rt.nexthop.replace({ id: 10, group: [1, 3], groupType: 'resilient' });
  const third = await sameAsIp(t, 'after group 1/3', () => ipBuckets(ns.path, ['id', '10']), () => rt.nexthop.buckets({ id: 10 }));
  t.same(countBy(third), { 1: 4, 3: 4 }, 'four each, none left with 2');
  t.ok(second.filter((b) => b.nhId === 2).every((b) => third[b.index]!.nhId === 3), "2's buckets went to 3");
  await sameAsIp(t, 'nhid 3 after the replace', () => ipBuckets(ns.path, ['nhid', '3']), () => rt.nexthop.buckets({ nhId: 3 }));
});

t.test("the kernel's refusals name what is missing and the netns; ip refuses the same", privileged, async (t) => {
  const { ns, rt } = setup(t);
  await rt.nexthop.add({ id: 10, group: [1, 2], resilient: { buckets: 8 } });
  await rt.nexthop.add({ id: 13, group: [1, 2] });
  const where = /in (the caller's netns|netns fd \d+)/;
  const ipFails = (args: string[]): boolean => {
    try {
      ip(ns.path, args);
      return false;
    } catch {
      return true;
    }
  };

  let e = await kernelRefusal(rt.nexthop.bucket(99, 0));
  t.equal(e.code, 'ENOENT');
  t.match(e.message, /^ENOENT: No such file or directory — no nexthop with id 99; in (the caller's netns|netns fd \d+) \(RTM_GETNEXTHOPBUCKET id 99 index 0\)$/, e.message);
  t.ok(ipFails(['nexthop', 'bucket', 'get', 'id', '99', 'index', '0']), 'ip: no such id');
  e = await kernelRefusal(rt.nexthop.bucket(10, 8));
  t.equal(e.code, 'ENOENT', 'an index past the last bucket');
  t.match(e.message, /Bucket index out of bounds — group 10 has 8 buckets \(index 0\.\.7\), no bucket 8; in .*\(RTM_GETNEXTHOPBUCKET id 10 index 8\)$/, e.message);
  t.ok(ipFails(['nexthop', 'bucket', 'get', 'id', '10', 'index', '8']), 'ip: index out of bounds');
  e = await kernelRefusal(rt.nexthop.bucket(1, 0));
  t.equal(e.code, 'EINVAL');
  t.match(e.message, /Not a nexthop group — nexthop 1 is not a group: only a resilient group has buckets; in /, e.message);
  e = await kernelRefusal(rt.nexthop.bucket(13, 0));
  t.equal(e.code, 'EINVAL');
  t.match(e.message, /Nexthop group not of type resilient — group 13 is an mpath group: only a resilient group \(groupType 'resilient'\) has buckets; in .*\(RTM_GETNEXTHOPBUCKET id 13 index 0\)$/, e.message);
  t.ok(ipFails(['nexthop', 'bucket', 'get', 'id', '13', 'index', '0']), 'ip: an mpath group');

  t.same(await rt.nexthop.buckets({ id: 99 }), [], 'a dump for a group that does not exist: nothing, as list({ id }) gives (ip: "Dump terminated")');
  t.ok(ipFails(['nexthop', 'bucket', 'show', 'id', '99']), 'ip fails there');
  e = await kernelRefusal(rt.nexthop.buckets({ id: 13 }));
  t.equal(e.code, 'EINVAL', 'a dump for an mpath group');
  t.match(e.message, /group 13 is an mpath group: .*\(RTM_GETNEXTHOPBUCKET id 13\)$/, e.message);
  e = await kernelRefusal(rt.nexthop.forEachBucket({ id: 1, nhId: 2 }, () => undefined));
  t.match(e.message, /nexthop 1 is not a group: .*\(RTM_GETNEXTHOPBUCKET id 1 nhid 2\)$/, `forEachBucket too: ${e.message}`);
  t.match(e.message, where);
  e = await kernelRefusal(rt.nexthop.buckets({ dev: 'nosuch' }));
  t.equal(e.code, 'ENODEV');
  t.match(e.message, /filter\.dev 'nosuch' does not exist in /, e.message);
  e = await kernelRefusal(rt.nexthop.buckets({ master: 99 }));
  t.match(e.message, /filter\.master ifindex 99 does not exist in /, e.message);

  // What fn throws is fn's own, not the kernel's.
  const mine = new NetlinkError(2, { type: C.RTM_GETNEXTHOPBUCKET, typeName: 'RTM_GETNEXTHOPBUCKET', seq: 0 }, {});
  const got = await rt.nexthop.forEachBucket({ id: 10 }, () => {
    throw mine;
  }).then(() => undefined, (x: unknown) => x);
  t.equal(got, mine, 'an error fn throws comes out as it is');
});

t.test('bad input is refused before anything is sent', async (t) => {
  const api = (core: never) => NexthopApi.of(core);
  const cases: [string, (a: NexthopApi) => Promise<unknown>, string, RegExp?][] = [
    ['bucket id 0', (a) => a.bucket(0, 0), 'id'],
    ['bucket id too big', (a) => a.bucket(2 ** 32, 0), 'id'],
    ['bucket id string', (a) => a.bucket('10' as never, 0), 'id'],
    ['bucket index negative', (a) => a.bucket(10, -1), 'index'],
    ['bucket index 65536', (a) => a.bucket(10, 65536), 'index'],
    ['bucket index fractional', (a) => a.bucket(10, 1.5), 'index'],
    ['bucket index missing', (a) => (a.bucket as (id: number) => Promise<unknown>)(10), 'index'],
    ['filter not an object', (a) => a.buckets(10 as never), 'filter'],
    ["filter key as ip spells it", (a) => a.buckets({ nhid: 1 } as never), 'filter.nhid'],
    ['filter id 0', (a) => a.buckets({ id: 0 }), 'filter.id'],
    ['filter nhId too big', (a) => a.buckets({ nhId: 2 ** 32 }), 'filter.nhId'],
    ['filter dev empty', (a) => a.buckets({ dev: '' }), 'filter.dev'],
    ['filter master 0', (a) => a.buckets({ master: 0 }), 'filter.master'],
    ['filter family', (a) => a.buckets({ family: 5 as never }), 'filter.family'],
    ['forEachBucket filter', (a) => a.forEachBucket({ groups: true } as never, () => true), 'filter.groups'],
    ['forEachBucket callback', (a) => a.forEachBucket({}, undefined as never), 'fn'],
    ['forEachBucket callback first', (a) => (a.forEachBucket as (x: unknown, y: unknown) => Promise<number>)(() => true, {}), 'fn'],
  ];
  for (const [what, call, argument, message] of cases) {
    const r = await recordedRequests(api, call);
    t.same(r.bytes, [], `${what}: nothing sent`);
    if (!(r.error instanceof InvalidArgumentError)) {
      t.fail(`${what}: expected an InvalidArgumentError naming ${argument}, got ${String(r.error ?? r.value)}`);
      continue;
    }
    t.equal(r.error.argument, argument, `${what}: names ${argument} (${r.error.message})`);
    if (message) t.match(r.error.message, message, what);
  }
});

t.test('the request bytes: nhmsg, then NHA_* in the order ip sends them, NHA_RES_BUCKET nested', async (t) => {
  const api = (core: never) => NexthopApi.of(core);
  const hex = (b: Buffer | undefined) => b?.subarray(16).toString('hex');
  let r = await recordedRequests(api, (a) => a.buckets());
  t.equal(r.bytes[0]!.readUInt16LE(4), C.RTM_GETNEXTHOPBUCKET);
  t.equal(r.bytes[0]!.readUInt16LE(6) & 0x300, 0x300, 'a dump (NLM_F_DUMP)');
  t.equal(hex(r.bytes[0]), '00000000' + '00000000', 'no filter: a zero nhmsg (the kernel refuses anything else in it)');
  r = await recordedRequests(api, (a) => a.buckets({ id: 10, nhId: 2, dev: 3, master: 4, family: 6 }));
  t.equal(hex(r.bytes[0]),
    '0a000000' + '00000000' + // nhmsg: AF_INET6
    '0800' + '0500' + '03000000' + // NHA_OIF 3
    '0800' + '0a00' + '04000000' + // NHA_MASTER 4
    '0800' + '0100' + '0a000000' + // NHA_ID 10
    '0c00' + '0d80' + '0800' + '0300' + '02000000', // NHA_RES_BUCKET (nested): NHA_RES_BUCKET_NH_ID 2
  'every filter, as ip nexthop bucket show sends them (nh_dump_bucket_filter)');
  r = await recordedRequests(api, (a) => a.buckets({ family: 'inet' }));
  t.equal(hex(r.bytes[0]), '02000000' + '00000000', 'family: nh_family, AF_INET');
  r = await recordedRequests(api, (a) => a.bucket(10, 513));
  t.equal(r.bytes[0]!.readUInt16LE(4), C.RTM_GETNEXTHOPBUCKET);
  t.equal(r.bytes[0]!.readUInt16LE(6) & 0x300, 0, 'a get, not a dump');
  t.equal(hex(r.bytes[0]),
    '00000000' + '00000000' + // nhmsg
    '0800' + '0100' + '0a000000' + // NHA_ID 10
    '0c00' + '0d80' + '0600' + '0100' + '0102' + '0000', // NHA_RES_BUCKET (nested): NHA_RES_BUCKET_INDEX 513, padded
  'get: NHA_ID and the index in its nest, as ip nexthop bucket get sends them');
});

t.test('decodeNexthopBucket: every field, flags by name, unknown attributes of both levels kept apart', async (t) => {
  const w = new MessageWriter();
  w.begin(C.RTM_NEWNEXTHOPBUCKET, 0, 1);
  const o = w.reserve(C.SIZEOF_NHMSG);
  w.buf[o + 2] = 4; // RTPROT_STATIC
  w.view.setUint32(o + 4, C.RTNH_F_OFFLOAD | C.RTNH_F_TRAP, true);
  w.putU32(C.NHA_ID, 10);
  const n = w.nestStart(C.NHA_RES_BUCKET);
  w.putU16(C.NHA_RES_BUCKET_INDEX, 65535);
  w.putU64(C.NHA_RES_BUCKET_IDLE_TIME, 123456n); // clock ticks: 1234.56 s
  w.putU32(C.NHA_RES_BUCKET_NH_ID, 0xfffffffe);
  w.putU32(9, 7);
  w.nestEnd(n);
  w.putU32(99, 5);
  const b = Buffer.from(w.finish());
  w.release();
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  t.strictSame(decodeNexthopBucket(b, view, 0, b.length), {
    id: 10, index: 65535, idleTime: 1234.56, nhId: 0xfffffffe, protocol: 'static', flags: ['offload', 'trap'], rawFlags: C.RTNH_F_OFFLOAD | C.RTNH_F_TRAP,
    bucketUnknown: [{ type: 9, value: Buffer.from([7, 0, 0, 0]) }], unknown: [{ type: 99, value: Buffer.from([5, 0, 0, 0]) }],
  });
  t.throws(() => decodeNexthopBucket(b, view, 0, 20), { name: 'DecodeError' }, 'a message shorter than nhmsg');
});

t.test("'nexthop-bucket' joins the nexthop group and yields NexthopBuckets; 'nexthop' still yields NexthopObjects", async (t) => {
  t.same(MONITOR_GROUPS['nexthop-bucket'], [C.RTNLGRP_NEXTHOP]);
  t.same(monitorGroups(['nexthop', 'nexthop-bucket']), [C.RTNLGRP_NEXTHOP], 'one group for both');
  // Compile-time: each monitor's objects are typed by its group without a test of kind.
  const typed = async (rt: Rtnl): Promise<[number, number] | undefined> => {
    for await (const ev of rt.monitor(['nexthop-bucket'])) {
      if (ev.type === 'overrun') continue;
      const b: NexthopBucket = ev.object;
      for await (const e of rt.monitor(['nexthop'])) {
        if (e.type === 'overrun') continue;
        const nh: NexthopObject = e.object;
        return [b.nhId, nh.id];
      }
    }
    return undefined;
  };
  t.equal(typeof typed, 'function');
});

/** Make the group's buckets busy: route lookups through it (`ip route get` selects a path, which marks its bucket used). */
function useBuckets(nsPath: string, prefix: string): void {
  inNs(nsPath, 'ip', ['-batch', '-'], Array.from({ length: 64 }, (_, i) => `route get ${prefix}.${i}.${i + 1}\n`).join(''));
}

t.test('live: buckets the upkeep moves arrive as nexthop-bucket events, as ip monitor nexthop prints them', privileged, async (t) => {
  const { ns, rt } = setup(t);
  const child = spawn('nsenter', [`--net=${ns.path}`, 'ip', 'monitor', 'nexthop'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  t.teardown(() => void child.kill());
  await netlinkGroupsJoined(child.pid!, 1 << (32 - 1)); // RTNLGRP_NEXTHOP
  await monitorPrints(() => out, () => (out = ''), () => {
    ip(ns.path, ['nexthop', 'add', 'id', '99', 'dev', 'v0']);
    ip(ns.path, ['nexthop', 'del', 'id', '99']);
  }, /Deleted id 99/);
  const m = rt.monitor(['nexthop', 'nexthop-bucket']);
  const only = rt.monitor(['nexthop']);
  t.teardown(() => {
    m.close();
    only.close();
  });

  // Idle timer 3 s: a bucket used in the last 3 s is busy, and a replace leaves it where
  // it is until the upkeep finds it idle — which the kernel announces, bucket by bucket.
  // (An idle bucket moves at once, silently: the lookups and the replace must come
  // within those 3 s of each other.)
  await rt.nexthop.add({ id: 20, group: [1, 2], resilient: { buckets: 8, idleTimer: 3 } });
  await rt.route.add({ dst: '192.168.0.0/16', nhId: 20 });
  useBuckets(ns.path, '192.168');
  await rt.nexthop.replace({ id: 20, group: [1, { id: 2, weight: 3 }], groupType: 'resilient' });
  const atReplace = await rt.nexthop.buckets({ id: 20 });
  const waiting = atReplace.filter((b) => b.nhId === 1);
  const expected = waiting.length - 2; // weights 1:3 over 8 buckets: 2 stay with 1
  t.ok(expected >= 1, `${waiting.length} buckets of 1 busy at the replace (${expected} to move later)`);
  if (expected < 1) return;

  let buckets = 0;
  const events = await until(m, (ev) => ev.type === 'new' && ev.kind === 'nexthop-bucket' && ++buckets === expected, label, 15_000);
  t.same(events.filter((ev) => ev.type !== 'new' || ev.kind !== 'nexthop-bucket').map(label), ['new nexthop 20', 'new nexthop 20'], 'the add and the replace, then only buckets');
  const moved = events.flatMap((ev) => (ev.type === 'new' && ev.kind === 'nexthop-bucket' ? [ev.object] : []));
  t.ok(moved.every((b) => b.id === 20 && b.nhId === 2 && waiting.some((w) => w.index === b.index)), `each a bucket of 1 that waited, now 2's: ${moved.map((b) => b.index).join(', ')}`);
  t.equal(new Set(moved.map((b) => b.index)).size, moved.length, 'each bucket once');
  t.ok(moved.every((b) => b.idleTime < 0.5 && b.rawFlags === 0 && b.protocol === 'unspec'), 'just moved: idle time 0');
  const now = await rt.nexthop.buckets({ id: 20 });
  t.same(countBy(now), { 1: 2, 2: 6 }, 'the group is balanced');
  t.same(moved.map((b) => [b.index, b.nhId]), moved.map((b) => [b.index, now[b.index]!.nhId]), 'each event is the bucket as listed now');

  // ip monitor's lines, one per event: the nexthops' begin the same, the buckets' are the same.
  const want = events.length;
  for (let i = 0; i < 300 && out.split('\n').filter((l) => l !== '').length < want; i++) await sleep(10);
  const lines = out.split('\n').filter((l) => l !== '').map((l) => l.trimEnd());
  t.equal(lines.length, want, `as many lines as events:\n${lines.join('\n')}`);
  t.same(lines.slice(2), moved.map(bucketLine), 'the bucket lines, field by field');
  t.ok(lines.slice(0, 2).every((l) => l.startsWith('id 20 group 1')), 'the two nexthop lines');

  // A monitor of 'nexthop' alone: the two nexthop events, the buckets skipped (counted).
  const own = await until(only, (ev) => ev.type === 'new' && ev.kind === 'nexthop' && ev.object.group?.[1]?.weight === 3, label);
  t.same(own.map(label), ['new nexthop 20', 'new nexthop 20']);
  for (let i = 0; i < 200 && only.stats.undecoded < expected; i++) await sleep(10);
  t.equal(only.stats.undecoded, expected, 'the bucket messages it read were skipped (stats.undecoded)');
  t.equal(only.stats.ignored, 0);
  await rt.nexthop.add({ id: 30, dev: 'v0' });
  t.same((await until(only, () => true, label)).map(label), ['new nexthop 30'], 'and nothing else came before the next nexthop');
});

t.test('live: buckets that move at once (idle ones, an idle timer of 0) move without an event; listExisting lists the buckets', privileged, async (t) => {
  const { rt } = setup(t);
  await rt.nexthop.add({ id: 10, group: [1, 2], resilient: { buckets: 4, idleTimer: 0 } });
  await rt.nexthop.add({ id: 13, group: [1, 2] });
  const m = rt.monitor(['nexthop', 'nexthop-bucket'], { listExisting: true });
  t.teardown(() => m.close());
  const listing = await until(m, (ev) => ev.type === 'synced', label);
  const kinds = listing.map((ev) => (ev.type === 'synced' || ev.type === 'overrun' ? ev.type : ev.kind));
  t.same(kinds, [...Array<string>(7).fill('nexthop'), ...Array<string>(4).fill('nexthop-bucket'), 'synced'], 'the 7 nexthops, then the 4 buckets of the resilient group, then synced');
  const listed = listing.flatMap((ev) => (ev.type === 'new' && ev.kind === 'nexthop-bucket' ? [ev] : []));
  t.ok(listed.every((ev) => ev.existing === true), 'listed: existing');
  const after = await rt.nexthop.buckets();
  t.same(listed.map((ev) => ({ ...ev.object, idleTime: 0 })), after.map((b) => ({ ...b, idleTime: 0 })), 'the buckets rt.nexthop.buckets() returns');
  t.ok(listed.every((ev, i) => ev.object.idleTime <= after[i]!.idleTime), 'idle times no later than a list made after');

  await rt.nexthop.replace({ id: 10, group: [1], groupType: 'resilient' });
  await rt.nexthop.add({ id: 30, dev: 'v0' }); // a marker: everything the replace caused came before it
  const changes = await until(m, (ev) => ev.type === 'new' && ev.kind === 'nexthop' && ev.object.id === 30, label);
  t.same(changes.map(label), ['new nexthop 10', 'new nexthop 30'], 'the group changed, its buckets moved, and no bucket event');
  t.same(countBy(await rt.nexthop.buckets({ id: 10 })), { 1: 4 }, 'yet all four moved to 1');

  const n = rt.monitor(['nexthop'], { listExisting: true });
  t.teardown(() => n.close());
  const nl = await until(n, (ev) => ev.type === 'synced', label);
  t.same(nl.map(label), ['existing new nexthop 1', 'existing new nexthop 2', 'existing new nexthop 3', 'existing new nexthop 4', 'existing new nexthop 5', 'existing new nexthop 10', 'existing new nexthop 13', 'existing new nexthop 30', 'synced'], "a monitor of 'nexthop' lists no bucket");
});
