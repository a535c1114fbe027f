// rt.monitor(['tc']): traffic control's changes (RTM_NEW/DELQDISC, …TCLASS, …TFILTER on
// RTNLGRP_TC) as kinds 'qdisc', 'class' and 'filter', each object compared with what
// rt.qdisc.list(), rt.class.list() and rt.filter.list() return right after (or, for a
// deletion, right before) the change, and the sequence with `tc monitor` running beside
// it; a monitor without 'tc' gets none of them; 'tc' beside 'link'; the listing
// (listExisting) against the list methods, and again after an overrun; raw copies when a
// decoder is removed; and the decoders' late loading — in a fresh process, opening a
// monitor loads no traffic-control module until it watches 'tc'.
// Fresh netns per test, devices down (no traffic: counters stay 0), IPv6 off.
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { Rtnl } from '../../src/rtnl/handle.js';
import {
  MONITOR_GROUPS, monitorGroups, registerEventDecoder, decodeQdiscEvent, decodeTcClassEvent, decodeFilterEvent,
  type Monitor, type MonitorChange, type MonitorEvent, type MonitorSyncEvent, type RawEventObject,
} from '../../src/rtnl/monitor.js';
import { decodeQdisc, type Qdisc } from '../../src/rtnl/tc/qdisc/decode.js';
import type { TcClass } from '../../src/rtnl/tc/class/decode.js';
import type { Filter } from '../../src/rtnl/tc/filter/decode.js';
import {
  RTM_DELQDISC, RTM_DELTCLASS, RTM_DELTFILTER, RTM_NEWQDISC, RTM_NEWTCLASS, RTM_NEWTFILTER, RTNLGRP_LINK, RTNLGRP_TC,
} from '../../src/rtnl/constants.js';
import { InvalidArgumentError } from '../../src/netlink/errors.js';
import { freshHandle, inNs, ip, privileged, until as untilEvent, type rawNetns, monitorPrints, netlinkGroupsJoined } from '../helpers.js';
import { lateLoadPrelude } from './late-load.js';

type Ns = ReturnType<typeof rawNetns>;
type T = Parameters<Parameters<typeof t.test>[0]>[0];

/** A fresh netns with IPv6 off, veth a0/a1 and ifb0, all down. */
function setup(t: { teardown(fn: () => void): void }): { ns: Ns; rt: Rtnl } {
  const f = freshHandle(t);
  inNs(f.ns.path, 'sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  for (const c of ['link add a0 type veth peer name a1', 'link add ifb0 type ifb']) ip(f.ns.path, c.split(' '));
  return f;
}

function tc(nsPath: string, args: string[]): string {
  return inNs(nsPath, 'tc', args);
}

/** A short text for an event: order, type, kind and identity. */
function label(ev: MonitorSyncEvent): string {
  if (ev.type === 'overrun' || ev.type === 'synced') return ev.type;
  const x = ev.existing === true ? 'existing ' : '';
  switch (ev.kind) {
    case 'qdisc': return `${x}${ev.type} qdisc ${ev.object.index} ${ev.object.kind} ${ev.object.handle}`;
    case 'class': return `${x}${ev.type} class ${ev.object.index} ${ev.object.kind} ${ev.object.handle}`;
    case 'filter': return `${x}${ev.type} filter ${ev.object.index} ${ev.object.parent} ${ev.object.kind} ${ev.object.priority} ${ev.object.handle ?? '-'}`;
    case 'link': return `${x}${ev.type} link ${ev.object.name}`;
    default: return `${x}${ev.type} ${ev.kind}`;
  }
}

const until = <E extends MonitorSyncEvent>(m: Monitor<E>, done: (ev: E) => boolean, ms = 5000): Promise<E[]> => untilEvent(m, done, label, ms);

/** The next `n` events of `m` (within 5 s). */
async function take<E extends MonitorSyncEvent>(m: Monitor<E>, n: number): Promise<E[]> {
  let i = 0;
  return until(m, () => ++i === n);
}

/** A qdisc without its reference count: the kernel's count when it sent the message, which a later dump may not show. */
const noRefcnt = ({ refcnt: _, ...q }: Qdisc): Omit<Qdisc, 'refcnt'> => q;

const objectOf = (ev: MonitorEvent | undefined): object | undefined => (ev === undefined || ev.type === 'overrun' ? undefined : ev.object);

/**
 * `tc monitor` in the netns: the lines it printed so far, without tc's chain lines
 * (RTM_NEWCHAIN/RTM_DELCHAIN, which nlkit does not decode) and continuation lines.
 */
async function tcMonitor(t: T, nsPath: string): Promise<{ lines(n: number): Promise<string[]> }> {
  const child = spawn('nsenter', [`--net=${nsPath}`, 'tc', 'monitor'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  t.teardown(() => void child.kill());
  await netlinkGroupsJoined(child.pid!, 1 << (4 - 1)); // RTNLGRP_TC: events before it would be missing from tc's lines
  await monitorPrints(() => out, () => (out = ''), () => {
    inNs(nsPath, 'tc', ['qdisc', 'add', 'dev', 'lo', 'root', 'handle', '99:', 'pfifo']);
    inNs(nsPath, 'tc', ['qdisc', 'del', 'dev', 'lo', 'root']);
  }, /deleted qdisc pfifo 99:/);
  const lines = (): string[] => out.split('\n').filter((l) => l !== '' && !/^\s/.test(l) && !/^(added|deleted) chain /.test(l));
  return {
    async lines(n) {
      for (let i = 0; i < 300 && lines().length < n; i++) await new Promise((r) => setTimeout(r, 10));
      return lines();
    },
  };
}

/** How `tc monitor` begins its line for an event (print_qdisc, print_class, print_filter of iproute2 6.1). */
function asTcLine(ev: MonitorChange, names: ReadonlyMap<number, string>): string {
  const del = ev.type === 'del' ? 'deleted ' : '';
  const at = (p: string): string => (p === 'root' ? 'root' : `parent ${p}`);
  switch (ev.kind) {
    case 'qdisc': return `${del}qdisc ${ev.object.kind} ${ev.object.handle} dev ${names.get(ev.object.index)} ${at(ev.object.parent)}`;
    case 'class': return `${del}class ${ev.object.kind} ${ev.object.handle} dev ${names.get(ev.object.index)} ${at(ev.object.parent)}`;
    case 'filter': {
      const f = ev.object;
      const parent = f.parent === 'ffff:fff2' ? 'ingress' : f.parent === 'ffff:fff3' ? 'egress' : `parent ${f.parent}`; // tc's names for clsact's sides
      return `${ev.type === 'del' ? 'deleted' : 'added'} filter dev ${names.get(f.index)} ${parent} protocol ${String(f.protocol)} pref ${f.priority} ${f.kind} chain ${f.chain ?? 0}${f.handle !== undefined ? ` fh ${f.handle}` : ''}`;
    }
    default: return `${ev.type} ${ev.kind}`;
  }
}

/** Each event begins tc monitor's line for it, and tc printed no more. */
async function checkAgainstTc(t: T, rt: Rtnl, mon: { lines(n: number): Promise<string[]> }, events: readonly MonitorChange[]): Promise<void> {
  const names = new Map((await rt.link.list()).map((l) => [l.index, l.name] as const));
  const want = events.map((ev) => asTcLine(ev, names));
  const got = await mon.lines(want.length);
  t.same(got.map((l, i) => l.startsWith(want[i] ?? '\0')), want.map(() => true), `each event begins tc monitor's line:\n${got.join('\n')}\nnlkit:\n${want.join('\n')}`);
  t.equal(got.length, want.length, 'as many events as tc monitor printed');
}

t.test("'tc' joins RTNLGRP_TC; its events are qdiscs, classes and filters, typed by the group", async (t) => {
  t.same(MONITOR_GROUPS.tc, [RTNLGRP_TC]);
  t.same(monitorGroups(['tc', 'link']).sort(), [RTNLGRP_TC, RTNLGRP_LINK].sort());
  // Compile-time: a monitor of 'tc' yields the three kinds' objects, told apart by kind, and no link.
  const typed = async (rt: Rtnl): Promise<string | undefined> => {
    for await (const ev of rt.monitor(['tc'])) {
      if (ev.type === 'overrun') continue;
      // @ts-expect-error: a monitor of 'tc' alone yields no links
      if (ev.kind === 'link') return undefined;
      const any: Qdisc | TcClass | Filter = ev.object;
      if (ev.kind === 'qdisc') {
        const q: Qdisc = ev.object;
        return q.handle;
      }
      if (ev.kind === 'class') {
        const c: TcClass = ev.object;
        return c.handle;
      }
      const f: Filter = ev.object;
      return f.handle ?? String(any.index);
    }
    return undefined;
  };
  const both = async (rt: Rtnl): Promise<void> => {
    for await (const ev of rt.monitor(['tc', 'link'])) {
      if (ev.type !== 'overrun' && ev.kind === 'link') console.log(ev.object.name);
    }
  };
  t.equal(typeof typed, 'function');
  t.equal(typeof both, 'function');
});

t.test("registerEventDecoder: the tc types are pre-registered as kinds 'qdisc', 'class' and 'filter'", async (t) => {
  const cases = [
    [RTM_NEWQDISC, 'qdisc', decodeQdiscEvent], [RTM_DELQDISC, 'qdisc', decodeQdiscEvent],
    [RTM_NEWTCLASS, 'class', decodeTcClassEvent], [RTM_DELTCLASS, 'class', decodeTcClassEvent],
    [RTM_NEWTFILTER, 'filter', decodeFilterEvent], [RTM_DELTFILTER, 'filter', decodeFilterEvent],
  ] as const;
  for (const [type, kind, decode] of cases) {
    const prev = registerEventDecoder(type, kind, undefined);
    t.equal(prev, decode, `type ${type}: pre-registered`);
    t.equal(registerEventDecoder(type, kind, prev), undefined, 'restored');
  }
  t.throws(() => registerEventDecoder(RTM_NEWQDISC, 'fdb', decodeQdisc), InvalidArgumentError, "'fdb' is the neighbour types' only");
  t.throws(() => registerEventDecoder(RTM_NEWQDISC, 'tc' as never, decodeQdisc), InvalidArgumentError, "'tc' is a group, not a kind");
});

t.test('live: qdiscs added, replaced, changed and deleted arrive as rt.qdisc.list shows them, in tc monitor\'s order', privileged, async (t) => {
  const { ns, rt } = setup(t);
  const mon = await tcMonitor(t, ns.path); // first: its pokes are not this monitor's events
  const m = rt.monitor(['tc']);
  t.teardown(() => m.close());
  const events: MonitorChange[] = [];
  const next = async (n: number): Promise<MonitorChange[]> => {
    const got = (await take(m, n)) as MonitorChange[];
    events.push(...got);
    return got;
  };
  const listed = async (link: string, parent = 'root'): Promise<Qdisc> => {
    const [q, ...more] = await rt.qdisc.list({ link, parent: parent as 'root' });
    t.same(more, [], `one qdisc at ${parent} of ${link}`);
    return q!;
  };
  const tbf = { kind: 'tbf', burst: '32kbit', latency: '400ms' } as const;

  await rt.qdisc.add({ link: 'ifb0', handle: '1:', rate: '1mbit', ...tbf });
  let [ev] = await next(1);
  t.same(label(ev!), 'new qdisc 4 tbf 1:', 'add: new');
  t.strictSame(objectOf(ev), await listed('ifb0'), 'add: the qdisc rt.qdisc.list() shows');

  await rt.qdisc.replace({ link: 'ifb0', handle: '1:', rate: '2mbit', ...tbf });
  [ev] = await next(1);
  t.same(label(ev!), 'new qdisc 4 tbf 1:', 'replace of the same kind and handle: a new of it, changed in place');
  t.strictSame(objectOf(ev), await listed('ifb0'), 'replace: as listed, with the new rate');
  t.equal(ev?.kind === 'qdisc' && ev.object.options.kind === 'tbf' ? ev.object.options.rate : undefined, 250000, '2mbit');

  await rt.qdisc.change({ link: 'ifb0', handle: '1:', rate: '3mbit', ...tbf });
  [ev] = await next(1);
  t.strictSame(objectOf(ev), await listed('ifb0'), 'change: a new, as listed');

  await rt.qdisc.add({ link: 'a0', handle: '2:', kind: 'htb', default: '10' });
  [ev] = await next(1);
  t.same(label(ev!), 'new qdisc 3 htb 2:');
  const htb = await listed('a0');
  t.strictSame(ev?.kind === 'qdisc' ? noRefcnt(ev.object) : undefined, noRefcnt(htb), 'an htb on a veth: as listed but refcnt (announced before the veth\'s queues took their references)');

  // Another kind at root: the kernel announces the old one's deletion, then the new one.
  await rt.qdisc.replace({ link: 'a0', handle: '3:', rate: '1mbit', ...tbf });
  const [gone, made] = await next(2);
  t.same([label(gone!), label(made!)], ['del qdisc 3 htb 2:', 'new qdisc 3 tbf 3:'], 'replace by another kind: del, then new');
  t.strictSame(gone?.kind === 'qdisc' ? noRefcnt(gone.object) : undefined, noRefcnt(htb), 'the del carries the htb as it was listed');
  t.strictSame(made?.kind === 'qdisc' ? noRefcnt(made.object) : undefined, noRefcnt(await listed('a0')));

  await rt.qdisc.add({ link: 'a0', kind: 'ingress' });
  [ev] = await next(1);
  const ingress = await listed('a0', 'ingress');
  t.strictSame(objectOf(ev), ingress, 'ingress: as listed');

  const before = await listed('ifb0');
  await rt.qdisc.del({ link: 'ifb0' });
  [ev] = await next(1);
  t.same(label(ev!), 'del qdisc 4 tbf 1:', 'del');
  t.strictSame(ev?.kind === 'qdisc' ? noRefcnt(ev.object) : undefined, noRefcnt(before), 'del: the qdisc as listed before');
  t.same(await rt.qdisc.list({ link: 'ifb0', kind: 'tbf' }), [], 'and it is gone');
  await rt.qdisc.del({ link: 'a0', kind: 'ingress' });
  [ev] = await next(1);
  t.strictSame(ev?.kind === 'qdisc' ? noRefcnt(ev.object) : undefined, noRefcnt(ingress), 'ingress deleted');
  await checkAgainstTc(t, rt, mon, events);
  t.equal(m.stats.undecoded, 0);
});

t.test('live: htb classes added, changed and deleted arrive as rt.class.list shows them', privileged, async (t) => {
  const { ns, rt } = setup(t);
  tc(ns.path, ['qdisc', 'add', 'dev', 'a0', 'root', 'handle', '1:', 'htb', 'default', '10']);
  const mon = await tcMonitor(t, ns.path); // first: its pokes are not this monitor's events
  const m = rt.monitor(['tc']);
  t.teardown(() => m.close());
  const events: MonitorChange[] = [];
  const one = async (what: string, classid: string): Promise<{ ev: MonitorChange; listed: TcClass | undefined }> => {
    const [ev] = (await take(m, 1)) as MonitorChange[];
    events.push(ev!);
    const listed = (await rt.class.list({ link: 'a0', classid })).at(0);
    t.same(label(ev!), what);
    return { ev: ev!, listed };
  };
  await rt.class.add({ link: 'a0', parent: '1:', classid: '1:1', kind: 'htb', rate: '10mbit' });
  let r = await one('new class 3 htb 1:1', '1:1');
  t.strictSame(objectOf(r.ev), r.listed, 'add: the class rt.class.list() shows');
  await rt.class.add({ link: 'a0', parent: '1:1', classid: '1:10', kind: 'htb', rate: '1mbit', ceil: '10mbit', prio: 2 });
  r = await one('new class 3 htb 1:10', '1:10');
  t.strictSame(objectOf(r.ev), r.listed, 'a child class: as listed');
  t.equal(r.ev.kind === 'class' ? r.ev.object.parent : undefined, '1:1');
  await rt.class.change({ link: 'a0', parent: '1:1', classid: '1:10', kind: 'htb', rate: '2mbit', ceil: '10mbit', prio: 2 });
  r = await one('new class 3 htb 1:10', '1:10');
  t.strictSame(objectOf(r.ev), r.listed, 'change: a new, as listed');
  t.equal(r.ev.kind === 'class' && r.ev.object.options.kind === 'htb' ? r.ev.object.options.rate : undefined, 250000, 'the new rate');
  // A leaf qdisc under it: announced as a qdisc; the class itself is not announced again.
  await rt.qdisc.add({ link: 'a0', parent: '1:10', handle: '10:', kind: 'pfifo', limit: 10 });
  const [leaf] = (await take(m, 1)) as MonitorChange[];
  events.push(leaf!);
  t.same(label(leaf!), 'new qdisc 3 pfifo 10:');
  await rt.qdisc.del({ link: 'a0', parent: '1:10' });
  events.push(...((await take(m, 1)) as MonitorChange[]));
  const before = (await rt.class.list({ link: 'a0', classid: '1:10' })).at(0);
  await rt.class.del({ link: 'a0', classid: '1:10' });
  r = await one('del class 3 htb 1:10', '1:10');
  t.equal(r.listed, undefined, 'gone');
  t.strictSame(objectOf(r.ev), before, 'del: the class as listed before');
  await checkAgainstTc(t, rt, mon, events);
});

t.test('live: u32 filters of a qdisc, a class and a clsact side, added and deleted, arrive as rt.filter.list shows them', privileged, async (t) => {
  const { ns, rt } = setup(t);
  for (const c of ['qdisc add dev a0 root handle 1: htb default 10', 'class add dev a0 parent 1: classid 1:10 htb rate 1mbit', 'qdisc add dev a0 clsact']) tc(ns.path, c.split(' '));
  const mon = await tcMonitor(t, ns.path); // first: its pokes are not this monitor's events
  const m = rt.monitor(['tc']);
  t.teardown(() => m.close());
  const events: MonitorChange[] = [];
  const listedAt = async (parent: string, handle: string | undefined, priority: number): Promise<Filter | undefined> =>
    (await rt.filter.list({ link: 'a0', parent })).find((f) => f.handle === handle && f.priority === priority);
  const one = async (what: string): Promise<MonitorChange> => {
    const [ev] = (await take(m, 1)) as MonitorChange[];
    events.push(ev!);
    t.same(label(ev!), what);
    return ev!;
  };

  await rt.filter.add({ link: 'a0', parent: '1:', priority: 10, kind: 'u32', match: 'all', classid: '1:10' });
  let ev = await one('new filter 3 1: u32 10 800::800');
  t.strictSame(objectOf(ev), await listedAt('1:', '800::800', 10), 'a u32 node at the qdisc: as listed');
  t.ok(m.stats.ignored >= 1, `the chain's RTM_NEWCHAIN was read and skipped (ignored: ${m.stats.ignored})`);
  await rt.filter.add({ link: 'a0', parent: '1:', priority: 10, kind: 'u32', match: [{ dst: '10.0.0.1/32' }], classid: '1:10' });
  ev = await one('new filter 3 1: u32 10 800::801');
  const second = await listedAt('1:', '800::801', 10);
  t.strictSame(objectOf(ev), second, 'a second node of the priority');
  await rt.filter.add({ link: 'a0', parent: '1:10', priority: 3, kind: 'u32', match: 'all' });
  ev = await one('new filter 3 1:10 u32 3 801::800');
  t.strictSame(objectOf(ev), await listedAt('1:10', '801::800', 3), "at an htb class (the class's own filters)");
  await rt.filter.add({ link: 'a0', parent: 'ingress', priority: 1, kind: 'u32', match: [{ src: '10.1.0.0/16' }] });
  ev = await one('new filter 3 ffff:fff2 u32 1 800::800');
  t.strictSame(objectOf(ev), await listedAt('ingress', '800::800', 1), "at clsact's ingress side");
  // matchall where the kernel has it (this one may lack CONFIG_NET_CLS_MATCHALL).
  const ma = await rt.filter.add({ link: 'a0', parent: 'egress', priority: 2, kind: 'matchall', classid: '1:10' }).then(() => true, (e: unknown) => {
    if (!/no 'matchall' classifier/.test(String(e))) throw e;
    t.comment('skipped matchall: this kernel has no matchall classifier');
    return false;
  });
  if (ma) {
    const x = await take(m, 1);
    events.push(...(x as MonitorChange[]));
    t.match(label(x[0]!), /^new filter 3 ffff:fff3 matchall 2 0x/);
    const e0 = x[0]!;
    t.strictSame(objectOf(e0), await listedAt('egress', e0.type === 'new' && e0.kind === 'filter' ? e0.object.handle : '', 2), 'matchall: as listed');
  }

  // One node deleted: its del; the priority deleted whole: the priority's own entry.
  await rt.filter.del({ link: 'a0', parent: '1:', priority: 10, handle: '800::801', kind: 'u32' });
  ev = await one('del filter 3 1: u32 10 800::801');
  t.strictSame(objectOf(ev), second, 'the node as listed before');
  const prio = await listedAt('1:10', undefined, 3);
  t.ok(prio, "the priority's own entry is listed");
  await rt.filter.del({ link: 'a0', parent: '1:10', priority: 3 });
  ev = await one('del filter 3 1:10 u32 3 -');
  t.strictSame(objectOf(ev), prio, "a priority deleted whole: its own entry, as listed before");
  t.same(await rt.filter.list({ link: 'a0', parent: '1:10' }), [], 'gone');
  await checkAgainstTc(t, rt, mon, events);
  t.equal(m.stats.undecoded, 0);
});

t.test("live: 'tc' beside 'link' in one monitor; a monitor without 'tc' gets no tc message, one of 'tc' alone no link", privileged, async (t) => {
  const { ns, rt } = setup(t);
  const links = rt.monitor(['link']);
  const both = rt.monitor(['tc', 'link']);
  const tcOnly = rt.monitor(['tc']);
  t.teardown(() => {
    links.close();
    both.close();
    tcOnly.close();
  });
  ip(ns.path, ['link', 'add', 'ifb1', 'type', 'ifb']);
  tc(ns.path, ['qdisc', 'add', 'dev', 'ifb1', 'root', 'handle', '5:', 'tbf', 'rate', '1mbit', 'burst', '32k', 'latency', '400ms']);
  tc(ns.path, ['qdisc', 'add', 'dev', 'ifb1', 'ingress']);
  ip(ns.path, ['link', 'set', 'ifb1', 'mtu', '1400']);
  ip(ns.path, ['link', 'del', 'ifb1']);
  const got = (await until(both, (ev) => label(ev) === 'del link ifb1')).map(label);
  const idx = (l: string): number => got.indexOf(l);
  const q = got.find((l) => l.startsWith('new qdisc') && l.endsWith('tbf 5:'));
  t.ok(q, `the tbf: ${got.join(', ')}`);
  t.ok(idx('new link ifb1') < idx(q!) && idx(q!) < got.findIndex((l) => / ingress ffff:$/.test(l)) && got.findIndex((l) => / ingress ffff:$/.test(l)) < got.lastIndexOf('new link ifb1'),
    `in the order they were made: the link, its qdiscs, its mtu change: ${got.join(', ')}`);
  t.equal(got[got.length - 1], 'del link ifb1');
  t.notOk(got.some((l) => l.startsWith('del qdisc')), "the device's qdiscs go with it without tc events");

  const l = (await until(links, (ev) => label(ev) === 'del link ifb1')).map(label);
  t.same(l, got.filter((x) => x.includes(' link ')), "the link monitor: the same link events, nothing of tc's");
  t.equal(links.stats.events, l.length, 'and read no other message (not in the group: none was sent to it)');
  t.equal(links.stats.ignored, 0);

  const q2 = (await take(tcOnly, 2)).map(label);
  t.same(q2, got.filter((x) => x.includes(' qdisc ')), "the 'tc' monitor: the qdiscs");
  const more = await Promise.race([tcOnly.next().then((r) => (r.done ? 'done' : label(r.value))), new Promise((r) => setTimeout(() => r('nothing'), 300))]);
  t.equal(more, 'nothing', 'and no link event');
  t.equal(tcOnly.stats.events, 2, 'it read the two qdisc messages only');
});

/** What the list methods return for the listing's tc part, in its order (see tc/listing.ts). */
async function listedTc(rt: Rtnl): Promise<string[]> {
  const qdiscs = await rt.qdisc.list();
  const out = qdiscs.map((q) => JSON.stringify(['qdisc', q], big));
  for (const index of new Set(qdiscs.map((q) => q.index))) {
    const classes = await rt.class.list({ link: index });
    out.push(...classes.map((c) => JSON.stringify(['class', c], big)));
    const parents = [
      ...qdiscs.filter((q) => q.index === index).flatMap((q) => (q.kind === 'clsact' ? ['ingress', 'egress'] : q.rawHandle ? [q.handle] : [])),
      ...classes.filter((c) => c.kind === 'htb').map((c) => c.handle),
    ];
    for (const parent of parents) out.push(...(await rt.filter.list({ link: index, parent })).map((f) => JSON.stringify(['filter', f], big)));
  }
  return out;
}
const big = (_: string, v: unknown): unknown => (typeof v === 'bigint' ? `${v}n` : v);
const asListed = (evs: readonly MonitorSyncEvent[]): string[] =>
  evs.flatMap((ev) => (ev.type === 'new' && ev.existing && (ev.kind === 'qdisc' || ev.kind === 'class' || ev.kind === 'filter') ? [JSON.stringify([ev.kind, ev.object], big)] : []));

/** qdiscs, an htb class and filters on a0 (clsact too), an ingress qdisc and a filter on ifb0. */
function tcState(nsPath: string): void {
  for (const c of [
    'qdisc add dev a0 root handle 1: htb default 10',
    'class add dev a0 parent 1: classid 1:10 htb rate 1mbit',
    'filter add dev a0 parent 1: protocol ip prio 10 u32 match ip dst 10.0.0.1/32 flowid 1:10',
    'filter add dev a0 parent 1:10 protocol all prio 3 u32 match u32 0 0',
    'qdisc add dev a0 clsact',
    'filter add dev a0 ingress protocol all prio 1 u32 match u32 0 0',
    'filter add dev a0 egress protocol ip prio 2 u32 match ip src 10.2.0.0/16',
    'qdisc add dev ifb0 ingress',
    'filter add dev ifb0 parent ffff: protocol all prio 1 u32 match u32 0 0 classid 1:1',
  ]) tc(nsPath, c.split(' '));
}

t.test('live: listExisting lists every qdisc, then per device its classes and the filters of its qdiscs, clsact sides and htb classes, as the list methods return them', privileged, async (t) => {
  const { ns, rt } = setup(t);
  tcState(ns.path);
  const m = rt.monitor(['link', 'tc'], { listExisting: true });
  t.teardown(() => m.close());
  const listing = await until(m, (ev) => ev.type === 'synced');
  const labels = listing.map(label);
  const kinds = listing.flatMap((ev) => (ev.type === 'new' ? [ev.kind] : []));
  t.ok(kinds.lastIndexOf('link') < kinds.indexOf('qdisc'), `links first: ${labels.join(', ')}`);
  t.ok(listing.slice(0, -1).every((ev) => ev.type === 'new' && ev.existing === true), 'every one new and existing, then synced');
  const want = await listedTc(rt);
  t.ok(want.some((x) => x.startsWith('["class"')) && want.filter((x) => x.startsWith('["filter"')).length >= 12, 'the state has classes and filters at every kind of parent');
  t.same(asListed(listing), want, 'what rt.qdisc.list, rt.class.list and rt.filter.list return, in that order');
  t.ok(labels.includes('existing new filter 3 1:10 u32 3 801::800'), "the htb class's own filter");
  t.ok(labels.includes('existing new filter 4 ffff: u32 1 800::800'), "the ingress qdisc's, with its handle as parent");
  t.ok(labels.includes('existing new filter 3 ffff:fff3 u32 2 801::800'), "clsact's egress side");
  // Then the changes.
  tc(ns.path, ['qdisc', 'replace', 'dev', 'ifb0', 'root', 'handle', '7:', 'tbf', 'rate', '1mbit', 'burst', '32k', 'latency', '400ms']);
  const after = await until(m, (ev) => ev.type === 'new' && ev.kind === 'qdisc' && ev.object.handle === '7:');
  t.same(after.map(label), ['new qdisc 4 tbf 7:'], 'then the change, not marked existing');
  t.equal(m.stats.listings, 1);

  // A monitor without 'tc' lists none of it.
  const l = rt.monitor(['link'], { listExisting: true });
  t.teardown(() => l.close());
  const ll = await until(l, (ev) => ev.type === 'synced');
  t.same(ll.map(label).filter((x) => !/ link /.test(x)), ['synced'], 'links only');
});

t.test('live: a shared block\'s filters are listed once, as the block\'s (index -1), however many qdiscs use it', privileged, async (t) => {
  const { ns, rt } = setup(t);
  for (const d of ['a0', 'a1', 'ifb0']) tc(ns.path, ['qdisc', 'add', 'dev', d, 'ingress_block', '22', 'ingress']);
  tc(ns.path, ['filter', 'add', 'block', '22', 'protocol', 'ip', 'prio', '1', 'u32', 'match', 'ip', 'dst', '8.8.8.8/32', 'classid', '1:1']);
  tc(ns.path, ['filter', 'add', 'block', '22', 'protocol', 'ip', 'prio', '2', 'u32', 'match', 'ip', 'dst', '9.9.9.9/32', 'classid', '1:2']);
  const m = rt.monitor(['tc'], { listExisting: true });
  t.teardown(() => m.close());
  const listing = await until(m, (ev) => ev.type === 'synced');
  const filters = listing.flatMap((ev) => (ev.type === 'new' && ev.kind === 'filter' ? [ev.object] : []));
  // The block's filters as one device's dump gives them: what the listing must hold once.
  const once = await rt.filter.list({ link: 'a0', parent: 'ffff:' });
  t.ok(once.length >= 2 && once.every((f) => f.index === -1 && f.block === 22), `one device's dump gives the block's (${once.length})`);
  t.same(filters, once, 'the listing holds each once, not once per qdisc using the block');
  t.same(new Set(filters.map((f) => f.priority)), new Set([1, 2]), 'both priorities');
  t.equal(listing.filter((ev) => ev.type === 'new' && ev.kind === 'qdisc' && ev.object.kind === 'ingress').length, 3, 'the three ingress qdiscs sharing it');
});

t.test('live: an overrun after synced: a new listing of the tc state after it, then synced', privileged, async (t) => {
  const { ns, rt } = setup(t);
  tcState(ns.path);
  const m = rt.monitor(['tc'], { listExisting: true, receiveBufferSize: 1024 });
  t.teardown(() => m.close());
  await until(m, (ev) => ev.type === 'synced');
  // The event loop (so the monitor) is blocked while tc runs: the kernel drops events.
  const batch = Array.from({ length: 100 }, (_, i) => `qdisc replace dev ifb0 root handle 7: tbf rate ${i + 1}mbit burst 32k latency 400ms\n`).join('');
  const r = spawnSync('nsenter', [`--net=${ns.path}`, 'tc', '-batch', '-'], { input: `${batch}filter del dev a0 parent 1:10 prio 3\n` });
  t.equal(r.status, 0, String(r.stderr));
  const got = await until(m, (ev) => ev.type === 'synced');
  const o = got.findIndex((ev) => ev.type === 'overrun');
  t.ok(o >= 0 && m.stats.overruns >= 1, `an overrun: ${got.slice(0, 5).map(label).join(', ')}…`);
  const relisted = got.slice(o + 1, -1);
  t.same(asListed(relisted), await listedTc(rt), 'the listing after it: the state after the burst');
  t.ok(relisted.map(label).includes('existing new qdisc 4 tbf 7:'), 'the tbf, at its last rate');
  t.notOk(relisted.map(label).some((x) => x.includes(' 1:10 ')), "the filter deleted in the burst is not listed");
  t.equal(m.stats.listings, 2);
});

t.test('live: a qdisc decoder removed with registerEventDecoder yields raw copies', privileged, async (t) => {
  const { rt } = setup(t);
  const prev = registerEventDecoder(RTM_NEWQDISC, 'qdisc', undefined);
  t.teardown(() => void registerEventDecoder(RTM_NEWQDISC, 'qdisc', prev));
  const m = rt.monitor(['tc']);
  t.teardown(() => m.close());
  await rt.qdisc.add({ link: 'ifb0', handle: '1:', kind: 'tbf', rate: '1mbit', burst: '32kbit', latency: '400ms' });
  const [ev] = await take(m, 1);
  const raw = ev?.type === 'new' ? (ev.object as unknown as RawEventObject).raw : undefined;
  t.ok(raw instanceof Uint8Array, 'a raw copy');
  const b = Buffer.from(raw!);
  t.strictSame(decodeQdisc(b, new DataView(b.buffer, b.byteOffset, b.length), 0, b.length), (await rt.qdisc.list({ link: 'ifb0' }))[0], 'of the RTM_NEWQDISC message');
});

t.test('late loading: in a fresh process, a monitor loads no traffic-control module until one watches tc; that one decodes what came meanwhile', privileged, async (t) => {
  // A module hook marks every module under src/rtnl/tc/ and lazy-apis.js when it is evaluated.
  const script = `${lateLoadPrelude('tc\\/.*|lazy-apis')}
    const rt = Rtnl.open();
    const out = { atImport: loaded() };
    const l = rt.monitor(['link', 'route', 'nexthop']);
    execSync('ip link add ifb9 type ifb');
    out.linkEvent = (await l.next()).value.object.name;
    out.afterLinkMonitor = loaded();
    l.close();
    const m = rt.monitor(['tc']);
    out.atOpen = loaded();
    // Made before the decoders can be loaded (execSync blocks the event loop): the kernel holds it.
    execSync('tc qdisc add dev ifb9 root handle 9: tbf rate 1mbit burst 32k latency 400ms');
    const ev = (await m.next()).value;
    out.event = [ev.type, ev.kind, ev.object.kind, ev.object.handle, ev.object.options.rate];
    out.afterTcMonitor = loaded() > 0;
    m.close();
    rt.close();
    console.log(JSON.stringify(out));`;
  const r = spawnSync('unshare', ['--net', process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  t.equal(r.status, 0, r.stderr);
  t.same(JSON.parse(r.stdout), {
    atImport: 0, linkEvent: 'ifb9', afterLinkMonitor: 0, atOpen: 0,
    event: ['new', 'qdisc', 'tbf', '9:', 125000], afterTcMonitor: true,
  }, 'nothing of tc until the tc monitor, which loaded it and decoded the qdisc made before it was loaded');
});
