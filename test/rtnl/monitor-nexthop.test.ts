// rt.monitor(['nexthop']): nexthop objects' changes (RTM_NEWNEXTHOP / RTM_DELNEXTHOP on
// RTNLGRP_NEXTHOP) as kind 'nexthop', decoded as rt.nexthop.list returns them, checked
// against `ip monitor nexthop` running beside it and against rt.nexthop.get; a listing
// (listExisting) of the nexthops before the routes through them, then 'synced'.
import t from 'tap';
import { spawn } from 'node:child_process';
import { Rtnl } from '../../src/rtnl/handle.js';
import { MONITOR_GROUPS, monitorGroups, registerEventDecoder, type MonitorEvent, type MonitorSyncEvent, type RawEventObject } from '../../src/rtnl/monitor.js';
import type { NexthopObject } from '../../src/rtnl/nexthop/decode.js';
import { decodeNexthop } from '../../src/rtnl/nexthop/decode.js';
import { RTM_DELNEXTHOP, RTM_NEWNEXTHOP, RTNLGRP_NEXTHOP } from '../../src/rtnl/constants.js';
import { InvalidArgumentError } from '../../src/netlink/errors.js';
import { freshHandle, ip, monitorPrints, privileged, until, type rawNetns, netlinkGroupsJoined } from '../helpers.js';

/** A fresh netns: lo up, veth v0/v1 up, 10.0.0.1/24 on v0. */
function setup(t: { teardown(fn: () => void): void }): { ns: ReturnType<typeof rawNetns>; rt: Rtnl } {
  const { ns, rt } = freshHandle(t);
  for (const c of ['link set lo up', 'link add v0 type veth peer name v1', 'link set v0 up', 'link set v1 up', 'addr add 10.0.0.1/24 dev v0']) ip(ns.path, c.split(' '));
  return { ns, rt };
}

/** An event as `ip monitor nexthop` begins its line: '[Deleted ]id N[ group A/B,W]'. */
function asIpLine(ev: MonitorEvent): string {
  if (ev.type === 'overrun') return 'overrun';
  const nh = ev.object as NexthopObject;
  const group = nh.group ? ` group ${nh.group.map((m) => (m.weight === 1 ? `${m.id}` : `${m.id},${m.weight}`)).join('/')}` : '';
  return `${ev.type === 'del' ? 'Deleted ' : ''}id ${nh.id}${group}`;
}

const label = (ev: MonitorSyncEvent): string => (ev.type === 'overrun' || ev.type === 'synced' ? ev.type : `${ev.existing ? 'existing ' : ''}${ev.type} ${ev.kind} ${ev.kind === 'nexthop' ? ev.object.id : ev.kind === 'link' ? ev.object.name : ev.kind === 'route' ? ev.object.dst : ''}`);

t.test("'nexthop' joins RTNLGRP_NEXTHOP; its events are typed by the group", async (t) => {
  t.same(MONITOR_GROUPS.nexthop, [RTNLGRP_NEXTHOP]);
  t.same(monitorGroups(['nexthop', 'link']).sort(), [RTNLGRP_NEXTHOP, ...MONITOR_GROUPS.link].sort());
  // Compile-time: a monitor of 'nexthop' alone yields NexthopObjects without a test of kind.
  const typed = async (rt: Rtnl): Promise<number | undefined> => {
    for await (const ev of rt.monitor(['nexthop'])) {
      if (ev.type === 'overrun') continue;
      const nh: NexthopObject = ev.object;
      return nh.id;
    }
    return undefined;
  };
  t.equal(typeof typed, 'function');
});

t.test("registerEventDecoder takes kind 'nexthop' for the nexthop types, and not 'fdb'", async (t) => {
  const prev = registerEventDecoder(RTM_NEWNEXTHOP, 'nexthop', undefined);
  t.equal(prev, decodeNexthop, 'pre-registered: decodeNexthop');
  t.equal(registerEventDecoder(RTM_NEWNEXTHOP, 'nexthop', prev), undefined, 'restored');
  t.throws(() => registerEventDecoder(RTM_DELNEXTHOP, 'fdb', decodeNexthop), InvalidArgumentError);
});

t.test('live: adds, replaces and deletes arrive as decoded nexthops, as ip monitor nexthop shows them', privileged, async (t) => {
  const { ns, rt } = setup(t);
  // ip monitor beside it, in the same netns: its lines are the oracle for the sequence.
  const child = spawn('nsenter', [`--net=${ns.path}`, 'ip', 'monitor', 'nexthop'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  t.teardown(() => void child.kill());
  await netlinkGroupsJoined(child.pid!, 1 << (32 - 1)); // RTNLGRP_NEXTHOP: events before it would be missing from ip's lines
  await monitorPrints(() => out, () => (out = ''), () => {
    ip(ns.path, ['nexthop', 'add', 'id', '99', 'dev', 'v0']);
    ip(ns.path, ['nexthop', 'del', 'id', '99']);
  }, /Deleted id 99/);
  const m = rt.monitor(['nexthop']);
  t.teardown(() => m.close());
  const made: NexthopObject[] = [];
  made.push(await rt.nexthop.add({ id: 1, gateway: '10.0.0.2', dev: 'v0' }));
  made.push(await rt.nexthop.add({ id: 2, gateway: '10.0.0.3', dev: 'v0' }));
  ip(ns.path, ['nexthop', 'add', 'id', '3', 'dev', 'v0']);
  made.push(await rt.nexthop.add({ id: 10, group: [1, { id: 2, weight: 4 }, 3] }));
  made.push(await rt.nexthop.replace({ id: 1, gateway: '10.0.0.9', dev: 'v0' }));
  await rt.nexthop.del(2);
  ip(ns.path, ['nexthop', 'del', 'id', '3']);
  await rt.nexthop.del(1);
  const events = await until(m, (ev) => ev.type === 'del' && ev.object.id === 10, asIpLine);
  const lines = events.map(asIpLine);
  t.same(lines, [
    'id 1', 'id 2', 'id 3', 'id 10 group 1/2,4/3', 'id 1',
    'Deleted id 2', 'id 10 group 1/3', 'Deleted id 3', 'id 10 group 1', 'Deleted id 1', 'Deleted id 10 group 1',
  ], 'adds, the replace, the deletes, and the group shrinking until its last member took it');
  for (let i = 0; i < 300 && out.split('\n').filter((l) => l.startsWith('id ') || l.startsWith('Deleted ')).length < lines.length; i++) await new Promise((r) => setTimeout(r, 10));
  const ipLines = out.split('\n').filter((l) => l !== '');
  t.same(ipLines.map((l, i) => l.startsWith(lines[i] ?? '\0')), lines.map(() => true), `each event begins ip monitor's line:\n${ipLines.join('\n')}`);
  t.same(ipLines.length, lines.length, 'as many events as ip monitor printed');
  // The 'new' events are the objects add and replace resolved with (their echo).
  const news = events.filter((ev) => ev.type === 'new').map((ev) => (ev.type === 'overrun' ? undefined : ev.object));
  t.strictSame([news[0], news[1], news[3], news[4]], made, 'the echoes equal the events');
  const del = events.find((ev) => ev.type === 'del' && ev.object.id === 2);
  t.same(del?.type !== 'overrun' && del?.object.gateway, '10.0.0.3', 'a del carries the deleted nexthop');
});

t.test('live: listExisting lists the nexthops (before the routes through them), then synced, then the changes', privileged, async (t) => {
  const { rt } = setup(t);
  await rt.nexthop.add({ id: 1, gateway: '10.0.0.2', dev: 'v0' });
  await rt.nexthop.add({ id: 2, blackhole: true });
  await rt.nexthop.add({ id: 10, group: [1] });
  await rt.route.add({ dst: '192.168.7.0/24', nhId: 10 });
  const m = rt.monitor(['link', 'nexthop', 'route'], { listExisting: true });
  t.teardown(() => m.close());
  const listing = await until(m, (ev) => ev.type === 'synced', label);
  const kinds = listing.map((ev) => (ev.type === 'synced' || ev.type === 'overrun' ? ev.type : ev.kind));
  const firstNh = kinds.indexOf('nexthop');
  t.ok(firstNh > kinds.lastIndexOf('link') && kinds.lastIndexOf('nexthop') < kinds.indexOf('route'), `links, then nexthops, then routes: ${kinds.join(' ')}`);
  const listed = listing.flatMap((ev) => (ev.type !== 'synced' && ev.type !== 'overrun' && ev.kind === 'nexthop' ? [ev] : []));
  t.ok(listed.every((ev) => ev.type === 'new' && ev.existing === true), "every one 'new', existing");
  t.strictSame(listed.map((ev) => ev.object), await rt.nexthop.list(), 'the nexthops rt.nexthop.list() returns');
  await rt.nexthop.add({ id: 3, dev: 'v0' });
  const after = await until(m, (ev) => ev.type === 'new' && ev.kind === 'nexthop' && ev.object.id === 3, label);
  t.same(after.map(label), ['new nexthop 3'], 'then the change, not marked existing');
  t.equal(m.stats.listings, 1);

  // A monitor of routes alone lists no nexthop and gets none of their changes.
  const r = rt.monitor(['route'], { listExisting: true });
  t.teardown(() => r.close());
  const rl = await until(r, (ev) => ev.type === 'synced', label);
  t.notOk(rl.some((ev) => ev.type !== 'synced' && ev.type !== 'overrun' && (ev.kind as string) === 'nexthop'), 'no nexthop in a route listing');
  await rt.nexthop.add({ id: 4, dev: 'v0' });
  await rt.route.add({ dst: '192.168.8.0/24', nhId: 4 });
  const rc = await until(r, (ev) => ev.type === 'new' && ev.kind === 'route' && ev.object.dst === '192.168.8.0/24', label);
  t.same(rc.map(label), ['new route 192.168.8.0/24'], 'the route, not the nexthop');
});

t.test('live: a nexthop decoder removed with registerEventDecoder yields raw copies', privileged, async (t) => {
  const { rt } = setup(t);
  const prev = registerEventDecoder(RTM_NEWNEXTHOP, 'nexthop', undefined);
  t.teardown(() => void registerEventDecoder(RTM_NEWNEXTHOP, 'nexthop', prev));
  const m = rt.monitor(['nexthop']);
  t.teardown(() => m.close());
  await rt.nexthop.add({ id: 5, dev: 'v0' });
  const [ev] = await until(m, () => true, (e) => e.type);
  const raw = ev?.type === 'new' ? (ev.object as unknown as RawEventObject).raw : undefined;
  t.ok(raw instanceof Uint8Array, 'a raw copy');
  const b = Buffer.from(raw!);
  t.same(decodeNexthop(b, new DataView(b.buffer, b.byteOffset, b.length), 0, b.length), await rt.nexthop.get(5), 'of the RTM_NEWNEXTHOP message');
});
