// rt.monitor(groups, { listExisting: true }): what exists, then 'synced', then the
// changes, with no gap between the listing and the changes (real kernel).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { Rtnl } from '../../src/rtnl/handle.js';
import { listingHooks, type Monitor, type MonitorSyncEvent } from '../../src/rtnl/monitor.js';
import { RTM_GETADDR, RTM_GETLINK } from '../../src/rtnl/constants.js';
import { InvalidArgumentError } from '../../src/netlink/errors.js';
import { fdCount, ip, privileged, rawNetns, until as untilEvent } from '../helpers.js';

/** A short text for an event: order, type and the existing mark. */
function label(ev: MonitorSyncEvent): string {
  if (ev.type === 'overrun' || ev.type === 'synced') return ev.type;
  const x = ev.existing === true ? 'existing ' : '';
  switch (ev.kind) {
    case 'link': return `${x}${ev.type} link ${ev.object.name}`;
    case 'addr': return `${x}${ev.type} addr ${ev.object.address}/${ev.object.prefixLen}`;
    case 'route': return `${x}${ev.type} route ${ev.object.dst} ${String(ev.object.table)}`;
    case 'neigh': return `${x}${ev.type} neigh ${ev.object.dst}`;
    case 'rule': return `${x}${ev.type} rule ${ev.object.priority} v${ev.object.family}`;
    case 'fdb': return `${x}${ev.type} fdb ${ev.object.mac} ${ev.object.link}${ev.object.vlan !== undefined ? ` vlan ${ev.object.vlan}` : ''}`;
    case 'nexthop': return `${x}${ev.type} nexthop ${ev.object.id}`;
    case 'qdisc': return `${x}${ev.type} qdisc ${ev.object.kind} ${ev.object.handle}`;
    case 'class': return `${x}${ev.type} class ${ev.object.kind} ${ev.object.handle}`;
    case 'filter': return `${x}${ev.type} filter ${ev.object.kind} ${ev.object.priority} ${ev.object.handle ?? ''}`;
    case 'nexthop-bucket': return `${x}${ev.type} nexthop-bucket ${ev.object.id} ${ev.object.index}`;
    case 'netconf': return `${x}${ev.type} netconf v${ev.object.family} ${ev.object.dev}`;
    case 'mdb': return `${x}${ev.type} mdb ${ev.object.port} ${ev.object.group}`;
    case 'mdb-router': return `${x}${ev.type} mdb-router ${ev.object.port}`;
    case 'nsid': return `${x}${ev.type} nsid ${ev.object.nsid}`;
  }
}

const until = (m: Monitor<MonitorSyncEvent>, done: (ev: MonitorSyncEvent) => boolean, ms = 5000): Promise<MonitorSyncEvent[]> => untilEvent(m, done, label, ms);

const synced = (ev: MonitorSyncEvent): boolean => ev.type === 'synced';
const vethBatch = (prefix: string, n: number): string =>
  Array.from({ length: n }, (_, i) => `link add ${prefix}a${i} type veth peer name ${prefix}b${i}\n`).join('');

function handle(t: { teardown(fn: () => void): void }): { ns: ReturnType<typeof rawNetns>; rt: Rtnl } {
  const ns = rawNetns();
  const rt = Rtnl.open({ netns: ns.fd });
  t.teardown(() => {
    listingHooks.afterJoin = undefined;
    listingHooks.afterDump = undefined;
    rt.close();
    ns.close();
  });
  return { ns, rt };
}

t.test('listExisting must be a boolean; refused before anything is opened', async (t) => {
  const rt = Rtnl.open();
  t.teardown(() => rt.close());
  const base = fdCount();
  for (const bad of ['yes', 1, null]) {
    let err: unknown;
    try {
      rt.monitor(['link'], { listExisting: bad as unknown as boolean });
    } catch (e) {
      err = e;
    }
    t.ok(err instanceof InvalidArgumentError && err.argument === 'listExisting' && /true or false/.test(err.message), `${String(bad)}: ${String(err)}`);
  }
  t.equal(fdCount(), base, 'nothing opened');
});

t.test('existing links and addresses come first, marked existing, then synced, then a change made right after open', privileged, async (t) => {
  const { ns, rt } = handle(t);
  ip(ns.path, ['link', 'add', 'e0', 'type', 'veth', 'peer', 'name', 'e1']);
  ip(ns.path, ['addr', 'add', '10.7.0.1/24', 'dev', 'e0']);
  ip(ns.path, ['-6', 'addr', 'add', '2001:db8:7::1/64', 'dev', 'e0', 'nodad']);
  const m = rt.monitor(['link', 'ipv4-addr'], { listExisting: true });
  ip(ns.path, ['link', 'set', 'e0', 'mtu', '1400']);
  const got = await until(m, (ev) => ev.type === 'new' && ev.kind === 'link' && ev.object.name === 'e0' && ev.object.mtu === 1400);
  const labels = got.map(label);
  const s = labels.indexOf('synced');
  t.ok(s > 0, `synced after the listing: ${labels.join(', ')}`);
  t.equal(labels.filter((l) => l === 'synced').length, 1, 'one synced');
  const listing = got.slice(0, s);
  t.ok(listing.every((ev) => ev.type === 'new' && ev.existing === true), 'every listed object is new + existing');
  t.same(labels.slice(0, s), ['existing new link lo', 'existing new link e1', 'existing new link e0', 'existing new addr 10.7.0.1/24'], 'links (as the kernel dumps them), then the IPv4 addresses; no IPv6 address (its group was not asked for)');
  const e0 = listing.find((ev) => ev.type === 'new' && ev.kind === 'link' && ev.object.name === 'e0');
  t.equal(e0 !== undefined && e0.type === 'new' && e0.kind === 'link' ? e0.object.mtu : undefined, 1500, 'the listing shows e0 as it was');
  const change = got[got.length - 1]!;
  t.notOk('existing' in change, 'a change carries no existing field');
  t.equal(m.stats.listings, 1);
  t.equal(m.stats.overruns, 0);
  m.close();
});

t.test('every group is listed: links, then addresses, routes, neighbours and rules of both families, as the list methods return them', privileged, async (t) => {
  const { ns, rt } = handle(t);
  ip(ns.path, ['link', 'add', 'a0', 'type', 'veth', 'peer', 'name', 'a1']);
  ip(ns.path, ['link', 'set', 'a0', 'up']);
  ip(ns.path, ['link', 'set', 'a1', 'up']);
  ip(ns.path, ['addr', 'add', '10.8.0.1/24', 'dev', 'a0']);
  ip(ns.path, ['-6', 'addr', 'add', '2001:db8:8::1/64', 'dev', 'a0', 'nodad']);
  ip(ns.path, ['route', 'add', '10.88.0.0/16', 'via', '10.8.0.2', 'table', '100']);
  ip(ns.path, ['neigh', 'add', '10.8.0.5', 'lladdr', '02:00:00:00:00:05', 'dev', 'a0', 'nud', 'permanent']);
  ip(ns.path, ['rule', 'add', 'pref', '1234', 'table', '100']);
  ip(ns.path, ['-6', 'rule', 'add', 'pref', '1235', 'table', '100']);
  const m = rt.monitor(['link', 'addr', 'route', 'neigh', 'rule'], { listExisting: true });
  const got = await until(m, synced);
  const labels = got.map(label);
  t.notOk(labels.includes('overrun'));
  const kinds = got.flatMap((ev) => (ev.type === 'new' ? [ev.kind] : []));
  const order = ['link', 'addr', 'route', 'neigh', 'rule'];
  t.ok(kinds.every((k, i) => i === 0 || order.indexOf(kinds[i - 1]!) <= order.indexOf(k)), `grouped by kind in order: ${[...new Set(kinds)].join(', ')}`);
  const count = (k: string): number => kinds.filter((x) => x === k).length;
  t.equal(count('link'), (await rt.link.list()).length, 'every link');
  t.equal(count('addr'), (await rt.addr.list()).length, 'every address, both families');
  t.equal(count('route'), (await rt.route.list({ table: 'all' })).length, 'every route of every table, both families');
  t.equal(count('rule'), (await rt.rule.list()).length, 'every rule, both families');
  for (const want of ['existing new addr 2001:db8:8::1/64', 'existing new route 10.88.0.0/16 100', 'existing new neigh 10.8.0.5', 'existing new rule 1234 v4', 'existing new rule 1235 v6']) {
    t.ok(labels.includes(want), want);
  }
  m.close();
});

t.test('changes while the dumps run are not lost: after the join they come as changes (a change before a dump also in its listing)', privileged, async (t) => {
  const { ns, rt } = handle(t);
  // After the join, before any dump: in the listing and (again) a change.
  let joined = 0;
  listingHooks.afterJoin = () => void (joined++ === 0 && ip(ns.path, ['link', 'add', 'j0', 'type', 'veth', 'peer', 'name', 'j1']));
  // After the link dump, before the address dump: a link the listing cannot show, and an
  // address it does show (its dump comes later).
  listingHooks.afterDump = (type) => {
    if (type !== RTM_GETLINK || joined > 1) return;
    ip(ns.path, ['link', 'add', 'k0', 'type', 'veth', 'peer', 'name', 'k1']);
    ip(ns.path, ['addr', 'add', '10.6.0.1/24', 'dev', 'k0']);
  };
  const m = rt.monitor(['link', 'ipv4-addr'], { listExisting: true });
  const got = (await until(m, (ev) => label(ev) === 'new addr 10.6.0.1/24')).map(label);
  const s = got.indexOf('synced');
  t.ok(s > 0, `synced: ${got.join(', ')}`);
  const listing = got.slice(0, s);
  const changes = got.slice(s + 1);
  t.ok(listing.includes('existing new link j0'), 'j0 (made after the join) is listed');
  t.ok(changes.includes('new link j0'), 'and comes again as a change (idempotent upsert)');
  t.notOk(listing.includes('existing new link k0'), 'k0 was made after the link dump: not listed');
  t.ok(changes.includes('new link k0'), 'k0 is not lost: it comes as a change');
  t.ok(listing.includes('existing new addr 10.6.0.1/24'), 'the address made before the address dump is listed');
  t.ok(changes.indexOf('new link j0') < changes.indexOf('new link k0'), 'changes in the order they were made');
  t.equal(m.stats.listings, 1);
  m.close();
});

t.test('close() during the dumps releases everything; the pending next() is done; the handle still works', privileged, async (t) => {
  const { ns, rt } = handle(t);
  ip(ns.path, ['link', 'add', 'c0', 'type', 'veth', 'peer', 'name', 'c1']);
  ip(ns.path, ['addr', 'add', '10.5.0.1/24', 'dev', 'c0']);
  const base = fdCount();

  // close() from inside the listing, between the link and the address dumps.
  let m: Monitor<MonitorSyncEvent> | undefined;
  let dumps = 0;
  listingHooks.afterDump = (type) => {
    dumps++;
    if (type === RTM_GETLINK) m?.close();
  };
  m = rt.monitor(['link', 'ipv4-addr'], { listExisting: true });
  const pending = m.next();
  // The first dump runs inside rt.monitor(); the hook closes at the next one.
  t.same(await pending, { done: true, value: undefined }, 'next() waiting for the listing is done');
  listingHooks.afterDump = (type) => void (dumps += type === RTM_GETADDR ? 100 : 1);
  await new Promise((r) => setTimeout(r, 20));
  t.ok(m.closed);
  t.equal(fdCount(), base, 'the monitor socket is closed');
  t.same(await m.next(), { done: true, value: undefined });
  t.ok(dumps < 100, `no address dump after close (${dumps})`);
  t.ok((await rt.addr.list()).some((a) => a.address === '10.5.0.1'), 'the handle\'s socket is free for the next request');

  // close() right after open, before any next(); and close of a listing nobody waits for.
  listingHooks.afterDump = undefined;
  const m2 = rt.monitor(['link', 'addr', 'route', 'neigh', 'rule'], { listExisting: true });
  m2.close();
  t.equal(fdCount(), base, 'closed at once: fd closed');
  t.same(await m2.next(), { done: true, value: undefined });

  // Abort while a next() waits for the listing: rejects with the reason.
  const ac = new AbortController();
  listingHooks.afterDump = (type) => {
    if (type === RTM_GETLINK) ac.abort();
  };
  const m3 = rt.monitor(['link', 'ipv4-addr'], { listExisting: true, signal: ac.signal });
  await t.rejects(m3.next(), { name: 'AbortError' });
  t.equal(fdCount(), base, 'abort: fd closed');

  // The handle closing during the listing closes the monitor; its waiting next() is done.
  listingHooks.afterDump = undefined;
  const other = Rtnl.open({ netns: ns.fd });
  const m4 = other.monitor(['link', 'addr', 'route', 'neigh', 'rule'], { listExisting: true });
  const w4 = m4.next();
  other.close();
  t.same(await w4, { done: true, value: undefined });
  t.equal(fdCount(), base, 'handle close: every fd closed');
  t.ok((await rt.link.list()).length >= 3, 'the first handle is unaffected');
});

t.test('an overrun while the first listing is still unread dumps again: no overrun event, nothing lost', privileged, async (t) => {
  const { ns, rt } = handle(t);
  // A burst between the join and the dumps overflows a tiny receive buffer.
  listingHooks.afterJoin = () => void spawnSync('nsenter', [`--net=${ns.path}`, 'ip', '-batch', '-'], { input: vethBatch('o', 100) });
  const m = rt.monitor(['link'], { listExisting: true, receiveBufferSize: 1024 });
  listingHooks.afterJoin = undefined;
  await new Promise((r) => setTimeout(r, 50)); // the monitor reads the ENOBUFS
  const got = await until(m, synced);
  t.ok(m.stats.overruns >= 1, `the kernel overran (${m.stats.overruns})`);
  t.equal(m.stats.listings, 2, 'listed again after the overrun');
  t.notOk(got.some((ev) => ev.type === 'overrun'), 'no overrun event: the listing was not yielded yet');
  const names = new Set(got.flatMap((ev) => (ev.type === 'new' && ev.kind === 'link' && ev.existing ? [ev.object.name] : [])));
  t.equal(names.size, 201, 'lo and all 200 veths listed, once each');
  ip(ns.path, ['link', 'set', 'oa7', 'mtu', '1400']);
  await until(m, (ev) => ev.type === 'new' && ev.kind === 'link' && ev.object.name === 'oa7' && ev.object.mtu === 1400 && ev.existing === undefined);
  m.close();
});

t.test('an overrun after synced: the overrun event, then a new listing and synced again', privileged, async (t) => {
  const { ns, rt } = handle(t);
  const m = rt.monitor(['link'], { listExisting: true, receiveBufferSize: 1024 });
  await until(m, synced);
  // The event loop (so the monitor) is blocked while ip runs: the kernel drops events.
  spawnSync('nsenter', [`--net=${ns.path}`, 'ip', '-batch', '-'], { input: vethBatch('p', 100) });
  ip(ns.path, ['link', 'del', 'pa0']);
  const got = await until(m, synced);
  const o = got.findIndex((ev) => ev.type === 'overrun');
  t.ok(o >= 0, `an overrun: ${got.slice(0, 10).map(label).join(', ')}…`);
  const relisted = got.slice(o + 1, -1);
  t.ok(relisted.length > 0 && relisted.every((ev) => ev.type === 'new' && ev.existing === true), 'then only listed objects, up to synced');
  const names = new Set(relisted.flatMap((ev) => (ev.type === 'new' && ev.kind === 'link' ? [ev.object.name] : [])));
  t.equal(names.size, 199, 'the listing after the overrun shows the state after it (lo + 99 pairs; pa0 and its peer gone)');
  t.notOk(names.has('pa0'), 'pa0, deleted, is not listed: a consumer drops what the new listing did not show');
  t.equal(m.stats.listings, 2);
  m.close();
});

t.test('next() calls pending when an overrun comes are served in call order: the overrun, then the new listing', privileged, async (t) => {
  const { ns, rt } = handle(t);
  const m = rt.monitor(['link'], { listExisting: true, receiveBufferSize: 1024 });
  await until(m, synced);
  const a = m.next();
  const b = m.next();
  // The event loop (so the monitor) is blocked while ip runs: the kernel drops events.
  spawnSync('nsenter', [`--net=${ns.path}`, 'ip', '-batch', '-'], { input: vethBatch('q', 100) });
  const late = new Promise<string>((r) => setTimeout(() => r('still pending after 3 s'), 3000));
  const first = await Promise.race([a.then((r) => (r.done ? 'done' : label(r.value))), late]);
  t.equal(first, 'overrun', 'the first pending next() gets the overrun');
  const second = await Promise.race([b.then((r) => (r.done ? 'done' : label(r.value))), late]);
  t.match(second, /^existing new link /, 'the second gets the first object of the new listing');
  const c = await m.next();
  t.ok(!c.done && c.value.type === 'new' && c.value.existing === true, 'a later next() the one after it');
  m.close();
});

t.test('overruns while a relisting waits unread do not pile up listings: the waiting one is dumped again, once, with the state after the last overrun', privileged, async (t) => {
  const { ns, rt } = handle(t);
  const m = rt.monitor(['link'], { listExisting: true, receiveBufferSize: 1024 });
  await until(m, synced);
  // The consumer stops pulling. Each round: a change the monitor reads and queues, then a
  // burst while the event loop (so the monitor) is blocked: the kernel overruns.
  for (let i = 0; i < 4; i++) {
    ip(ns.path, ['link', 'set', 'lo', 'mtu', String(60000 + i)]);
    await new Promise((r) => setTimeout(r, 50));
    spawnSync('nsenter', [`--net=${ns.path}`, 'ip', '-batch', '-'], { input: vethBatch(`r${i}`, 30) });
    await new Promise((r) => setTimeout(r, 50));
  }
  t.ok(m.stats.overruns >= 4, `the kernel overran (${m.stats.overruns})`);
  t.ok(m.queued <= 3, `one listing waits, not one per overrun (queued: ${m.queued})`);
  ip(ns.path, ['link', 'set', 'lo', 'mtu', '1500']);
  const got = await until(m, (ev) => ev.type === 'new' && ev.kind === 'link' && ev.object.name === 'lo' && ev.object.mtu === 1500 && ev.existing === undefined);
  t.equal(got.filter((ev) => ev.type === 'overrun').length, 1, 'one overrun');
  t.equal(got.filter((ev) => ev.type === 'synced').length, 1, 'one listing, then synced');
  const names = new Set(got.flatMap((ev) => (ev.type === 'new' && ev.kind === 'link' && ev.existing ? [ev.object.name] : [])));
  t.equal(names.size, 241, 'the listing shows the state after the last overrun (lo and 4 × 30 pairs)');
  m.close();
});
