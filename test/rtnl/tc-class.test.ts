// rt.class on a real kernel, in a fresh netns per test, on veths that stay down: htb
// classes added by nlkit and the same ones added by `tc`, listed by nlkit and compared
// field by field with `tc -j -s -d class show` — which iproute2 6.1 prints as text even
// with -j, so the text is parsed (rates and sizes as tc rounds them: see
// tc-qdisc-helpers.ts); the bytes nlkit sends equal tc's but for the rate tables
// (TCA_HTB_RTAB, _CTAB: with the link layer set, sch_htb.c does not read them).
// Then: replace/change/del round trips, deleting a listed class, EEXIST, ENOENT, EBUSY,
// a parent class that does not exist (htb would make a top class of it), a class under
// a qdisc that has none, and bad input refused before anything is sent.
import t from 'tap';
import { Rtnl, decodeTcClass, type TcClass, type TcClassSpec } from '../../src/rtnl/index.js';
import { ClassApi } from '../../src/rtnl/tc/class/api.js';
import { QdiscApi } from '../../src/rtnl/tc/qdisc/api.js';
import { MessageWriter } from '../../src/netlink/index.js';
import { InvalidArgumentError, NetlinkError } from '../../src/netlink/errors.js';
import * as C from '../../src/rtnl/constants.js';
import { freshHandle, inNs, ip, ipJson, privileged, type rawNetns } from '../helpers.js';
import { recordedRequests } from './scripted-link-api.js';
import { comparable, parseTcClasses, tcRateText, tcSends, tcSizeText, tcSizeValue, withoutOptions, type TcClassText } from './tc-qdisc-helpers.js';

type Ns = ReturnType<typeof rawNetns>;
type T = Parameters<Parameters<typeof t.test>[0]>[0];

/** A fresh netns with veths a0/a1 and b0/b1 (down, no IPv6), an htb 1: on a0 and on b0. */
function setup(t: { teardown(fn: () => void): void }): { ns: Ns; rt: Rtnl } {
  const f = freshHandle(t);
  inNs(f.ns.path, 'sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  for (const c of ['link add a0 type veth peer name a1', 'link add b0 type veth peer name b1']) ip(f.ns.path, c.split(' '));
  for (const d of ['a0', 'b0']) tc(f.ns.path, ['qdisc', 'add', 'dev', d, 'root', 'handle', '1:', 'htb', 'default', '10']);
  return f;
}

function tc(nsPath: string, args: string[]): string {
  return inNs(nsPath, 'tc', args);
}

/** `tc -j -s -d class show dev DEV`: iproute2 6.1 prints text for classes even with -j; parsed here. */
function tcClasses(nsPath: string, dev: string): TcClassText[] {
  const out = tc(nsPath, ['-j', '-s', '-d', 'class', 'show', 'dev', dev]);
  if (out.trimStart().startsWith('[')) throw new Error('tc now prints classes as JSON: compare its fields here instead of parsing its text');
  return parseTcClasses(out);
}

/** The fields tc prints for an htb class with -d, each compared below. */
const HTB_FIELDS = ['prio', 'quantum', 'rate', 'ceil', 'linklayer', 'burst', 'mpu', 'cburst', 'cmpu', 'level', 'overhead'];

/** A listed class against tc's text of it. Sizes: tc's "1600b/1" by print_size's rounding; rates: as nlkit's number prints by print_rate. */
function checkAgainstTc(t: T, c: TcClass, x: TcClassText, what: string): void {
  t.equal(c.kind, x.kind, `${what}: kind`);
  t.equal(c.parent, x.parent, `${what}: parent`);
  t.equal(c.leaf, x.leaf, `${what}: leaf`);
  t.same({
    bytes: Number(c.stats.bytes), packets: Number(c.stats.packets), drops: c.stats.drops, overlimits: c.stats.overlimits,
    requeues: c.stats.requeues, backlog: c.stats.backlog, qlen: c.stats.qlen,
  }, x.stats, `${what}: counters`);
  if (c.options.kind !== 'htb') {
    t.same(x.fields, {}, `${what}: tc prints no options`);
    return;
  }
  const o = c.options;
  const f = x.fields;
  t.same(Object.keys(f).filter((k) => !HTB_FIELDS.includes(k)), [], `${what}: every field tc prints is compared`);
  t.equal(tcRateText(o.rate), f['rate'], `${what}: rate ${o.rate} prints as tc's ${f['rate']}`);
  t.equal(tcRateText(o.ceil), f['ceil'], `${what}: ceil`);
  for (const [k, v] of [['burst', o.burst], ['cburst', o.cburst]] as const) {
    const tcv = tcSizeValue(f[k]!);
    t.ok(Math.abs(v - tcv.value) <= tcv.slack && `${tcSizeText(v)}/1` === f[k], `${what}: ${k} ${v} prints as tc's ${f[k]}`);
  }
  t.equal(`${tcSizeText(o.mpu)}`, f['mpu'], `${what}: mpu`);
  t.equal(`${tcSizeText(o.mpu)}`, f['cmpu'], `${what}: ceil's mpu`);
  t.equal(o.linklayer, f['linklayer'], `${what}: linklayer`);
  t.equal(String(o.level), f['level'], `${what}: level`);
  t.equal(o.overhead, Number(f['overhead'] ?? 0), `${what}: overhead (printed when not 0)`);
  if (o.level === 0) t.same([String(o.prio), String(o.quantum)], [f['prio'], f['quantum']], `${what}: a leaf's prio and quantum`);
  else t.same([f['prio'], f['quantum']], [undefined, undefined], `${what}: tc prints no prio or quantum for an inner class`);
  const xs = c.xstats;
  t.ok(xs?.kind === 'htb', `${what}: htb counters`);
  if (xs?.kind === 'htb') {
    t.same({ lended: xs.lended, borrowed: xs.borrowed, giants: xs.giants, tokens: xs.tokens, ctokens: xs.ctokens }, x.xstats, `${what}: lended, borrowed, giants, tokens, ctokens`);
  }
}

/** nlkit's classes of `dev` against tc's, one by one (matched by id). */
async function sameAsTc(t: T, rt: Rtnl, nsPath: string, dev: string): Promise<TcClass[]> {
  const ours = await rt.class.list({ link: dev });
  const theirs = tcClasses(nsPath, dev);
  t.equal(ours.length, theirs.length, `${dev}: as many classes as tc lists (${theirs.map((x) => x.id).join(', ')})`);
  for (const x of theirs) {
    const c = ours.find((y) => y.handle === x.id);
    if (!c) t.fail(`${dev}: nlkit lists no class ${x.id}`);
    else checkAgainstTc(t, c, x, `${dev} class ${x.id}`);
  }
  return ours;
}

interface ClassCase {
  readonly spec: Record<string, unknown>;
  readonly tc: string;
}

/** A tree: 1:1 (top), 1:10, 1:20, 1:30, 1:40 under it, and 1:2 beside it. */
const TREE: readonly ClassCase[] = [
  { spec: { parent: '1:', classid: '1:1', rate: '100mbit' }, tc: 'parent 1: classid 1:1 htb rate 100mbit' },
  { spec: { parent: '1:1', classid: '1:10', rate: '1mbit', ceil: '5mbit', prio: 2 }, tc: 'parent 1:1 classid 1:10 htb rate 1mbit ceil 5mbit prio 2' },
  { spec: { parent: '1:1', classid: '1:20', rate: '2mbit', burst: '15k', cburst: 20000, quantum: 3000, mtu: 9000, mpu: 64, overhead: 4 }, tc: 'parent 1:1 classid 1:20 htb rate 2mbit burst 15k cburst 20000 quantum 3000 mtu 9000 mpu 64 overhead 4' },
  { spec: { parent: '1:1', classid: '1:30', rate: '50gbit', ceil: '60gbit', burst: '1mb' }, tc: 'parent 1:1 classid 1:30 htb rate 50gbit ceil 60gbit burst 1mb' },
  { spec: { parent: '1:1', classid: '1:40', rate: '512kbit', linklayer: 'atm' }, tc: 'parent 1:1 classid 1:40 htb rate 512kbit linklayer atm' },
  { spec: { parent: 'root', classid: '1:2', rate: 125000, ceil: 250000, prio: 7 }, tc: 'root classid 1:2 htb rate 1mbit ceil 2mbit prio 7' },
];

t.test('an htb tree added by nlkit and by tc, with a pfifo leaf, listed as tc -s -d class show lists it', privileged, async (t) => {
  const { ns, rt } = setup(t);
  for (const c of TREE) {
    await rt.class.add({ link: 'a0', kind: 'htb', ...c.spec } as TcClassSpec);
    tc(ns.path, ['class', 'add', 'dev', 'b0', ...c.tc.split(' ')]);
  }
  await rt.qdisc.add({ link: 'a0', parent: '1:10', handle: '10:', kind: 'pfifo', limit: 50 });
  tc(ns.path, ['qdisc', 'add', 'dev', 'b0', 'parent', '1:10', 'handle', '10:', 'pfifo', 'limit', '50']);
  const a = await sameAsTc(t, rt, ns.path, 'a0');
  const b = await sameAsTc(t, rt, ns.path, 'b0');
  const key = (c: TcClass) => c.handle;
  const strip = (cs: TcClass[]) => [...cs].sort((x, y) => key(x).localeCompare(key(y))).map((c) => ({ ...c, index: 0 }));
  t.same(strip(a), strip(b), 'the kernel holds the same classes for both');
  const c10 = a.find((c) => c.handle === '1:10')!;
  t.same([c10.parent, c10.leaf, c10.options.kind === 'htb' && c10.options.ceil], ['1:1', '10:', 625000], '1:10 under 1:1, with the leaf 10:, ceil 5mbit');
  t.equal(a.find((c) => c.handle === '1:2')?.parent, 'root', "a top class's parent is 'root'");
});

t.test("the bytes nlkit sends equal tc's (but for tc's rate tables)", privileged, async (t) => {
  const { ns } = setup(t);
  const index = ipJson(ns.path, ['link', 'show', 'dev', 'a0'])[0].ifindex;
  const tables = [C.TCA_HTB_RTAB, C.TCA_HTB_CTAB];
  for (const c of TREE) {
    for (const [verb, flags] of [['add', 'add'], ['replace', 'replace'], ['change', 'change']] as const) {
      const { sent } = tcSends(ns.path, ['class', flags, 'dev', 'a0', ...c.tc.split(' ')]);
      t.equal(sent.length, 1, `tc sent: tc class ${flags} dev a0 ${c.tc}`);
      const spec = { link: index, kind: 'htb', ...c.spec } as TcClassSpec;
      // A stand-in core: no class lists (the parent check of add and replace finds none and lets it through).
      const ours = await recordedRequests((core) => ClassApi.of(core, QdiscApi.of(core)), (api) => api[verb](spec));
      t.equal(ours.error, undefined, 'nlkit took the spec');
      const mine = ours.bytes.at(-1)!;
      t.equal(comparable(mine), comparable(withoutOptions(sent[0]!, tables)), `same bytes without TCA_HTB_RTAB/CTAB: tc class ${flags} … ${c.tc}`);
    }
  }
  const { sent } = tcSends(ns.path, ['class', 'del', 'dev', 'a0', 'classid', '1:10']);
  const ours = await recordedRequests((core) => ClassApi.of(core, QdiscApi.of(core)), (api) => api.del({ link: index, classid: '1:10' }));
  t.equal(comparable(ours.bytes[0]!), comparable(sent[0]!), 'same bytes: tc class del dev a0 classid 1:10');
});

t.test('replace, change and del round trips; del of a listed class', privileged, async (t) => {
  const { ns, rt } = setup(t);
  await rt.class.add({ link: 'a0', parent: '1:', classid: '1:1', kind: 'htb', rate: '10mbit' });
  await rt.class.add({ link: 'a0', parent: '1:1', classid: '1:10', kind: 'htb', rate: '1mbit' });
  await rt.class.change({ link: 'a0', parent: '1:1', classid: '1:10', kind: 'htb', rate: '2mbit', ceil: '4mbit', prio: 3 });
  let c = (await sameAsTc(t, rt, ns.path, 'a0')).find((x) => x.handle === '1:10');
  t.same(c?.options.kind === 'htb' && [c.options.rate, c.options.ceil, c.options.prio], [250000, 500000, 3], 'changed');
  await rt.class.replace({ link: 'a0', parent: '1:1', classid: '1:10', kind: 'htb', rate: '3mbit' });
  c = (await sameAsTc(t, rt, ns.path, 'a0')).find((x) => x.handle === '1:10');
  t.same(c?.options.kind === 'htb' && [c.options.rate, c.options.ceil, c.options.prio], [375000, 375000, 0], 'replace of an existing class changes it (omitted options take their defaults)');
  await rt.class.replace({ link: 'a0', parent: '1:1', classid: '1:11', kind: 'htb', rate: '1mbit' });
  t.ok((await rt.class.list({ link: 'a0' })).some((x) => x.handle === '1:11'), 'replace of a new class adds it');
  await rt.class.del({ link: 'a0', classid: '1:11' });
  const listed = (await rt.class.list({ link: 'a0', classid: '1:10' }))[0]!;
  await rt.class.del(listed);
  await rt.class.del({ link: 'a0', parent: '1:', classid: '1:1', kind: 'htb', rate: '10mbit' });
  t.same(tcClasses(ns.path, 'a0'), [], 'every class deleted (a listed one, and one by what add took)');
});

t.test('errors name the class, what is there and the netns', privileged, async (t) => {
  const { ns, rt } = setup(t);
  const refused = async (p: Promise<unknown>, code: string, re: RegExp): Promise<void> => {
    const e = await p.then(() => undefined, (x: unknown) => x);
    t.ok(e instanceof NetlinkError && e.code === code, `${code}: ${String(e)}`);
    t.match((e as Error).message, re);
  };
  await rt.class.add({ link: 'a0', parent: '1:', classid: '1:1', kind: 'htb', rate: '10mbit' });
  await rt.class.add({ link: 'a0', parent: '1:1', classid: '1:10', kind: 'htb', rate: '1mbit' });
  await refused(rt.class.add({ link: 'a0', parent: '1:1', classid: '1:10', kind: 'htb', rate: '1mbit' }), 'EEXIST', /'a0' has a class 1:10 already: change or replace it; in netns fd \d+ \(RTM_NEWTCLASS dev a0 parent 1:1 classid 1:10 htb\)/);
  await refused(rt.class.change({ link: 'a0', parent: '1:1', classid: '1:99', kind: 'htb', rate: '1mbit' }), 'ENOENT', /'a0' has no class 1:99 to change: add it first/);
  await refused(rt.class.del({ link: 'a0', classid: '1:99' }), 'ENOENT', /'a0' has no class 1:99/);
  await refused(rt.class.del({ link: 'a0', classid: '1:1' }), 'EBUSY', /class 1:1 is in use: delete its child classes/);
  await refused(rt.class.add({ link: 'a0', parent: '1:7', classid: '1:70', kind: 'htb', rate: '1mbit' }), 'ENOENT', /'a0' has no class 1:7 for 1:70 to go under \(nothing was sent: htb would have made it a top class\)/);
  await refused(rt.class.add({ link: 'a0', parent: '2:', classid: '2:1', kind: 'htb', rate: '1mbit' }), 'ENOENT', /'a0' has no qdisc 2:: add the htb qdisc first/);
  await refused(rt.class.add({ link: 'nope0', parent: '1:', classid: '1:3', kind: 'htb', rate: '1mbit' }), 'ENODEV', /link 'nope0' does not exist/);
  await refused(rt.class.list({ link: 99999 }), 'ENODEV', /filter\.link ifindex 99999 does not exist/);
  tc(ns.path, ['qdisc', 'add', 'dev', 'a1', 'root', 'handle', '1:', 'tbf', 'rate', '1mbit', 'burst', '5000', 'limit', '5000']);
  const e = await rt.class.add({ link: 'a1', parent: '1:', classid: '1:1', kind: 'htb', rate: '1mbit' }).then(() => undefined, (x: unknown) => x);
  t.ok(e instanceof NetlinkError, `a class under a tbf: ${String(e)}`);
  t.match((e as Error).message, /qdisc 1: of 'a1' is a tbf, not a htb: htb classes go under a htb qdisc/);
  t.same(tcClasses(ns.path, 'a0').map((x) => x.id).sort(), ['1:1', '1:10'], 'nothing else was made');
});

t.test("a class under a qdisc that has no classes (pfifo, ingress): said so on add and on del — del's refusal was a bare EINVAL or EOPNOTSUPP", privileged, async (t) => {
  const { ns, rt } = setup(t);
  tc(ns.path, ['qdisc', 'add', 'dev', 'a1', 'root', 'handle', '2:', 'pfifo']);
  tc(ns.path, ['qdisc', 'add', 'dev', 'a1', 'ingress']);
  const refused = async (p: Promise<unknown>, code: string, re: RegExp): Promise<void> => {
    const e = await p.then(() => undefined, (x: unknown) => x);
    t.ok(e instanceof NetlinkError && e.code === code, `${code}: ${String(e)}`);
    t.match((e as Error).message, re);
    t.notMatch((e as Error).message, / a ingress/, 'an ingress, not a ingress');
  };
  await refused(rt.class.del({ link: 'a1', classid: '2:1' }), 'EINVAL', /qdisc 2: of 'a1' is a pfifo, which has no classes; in netns fd \d+ \(RTM_DELTCLASS dev a1 classid 2:1\)/);
  await refused(rt.class.del({ link: 'a1', classid: 'ffff:1' }), 'EOPNOTSUPP', /qdisc ffff: of 'a1' is an ingress, which has no classes/);
  await refused(rt.class.add({ link: 'a1', parent: 'ffff:', classid: 'ffff:1', kind: 'htb', rate: '1mbit' }), 'EEXIST', /qdisc ffff: of 'a1' is an ingress, not a htb: htb classes go under a htb qdisc/);
  await refused(rt.class.add({ link: 'a1', parent: '2:', classid: '2:1', kind: 'htb', rate: '1mbit' }), 'EINVAL', /qdisc 2: of 'a1' is a pfifo, not a htb/);
});

t.test('list needs a link, filters by qdisc, parent, classid and kind; forEach walks what list returns', privileged, async (t) => {
  const { ns, rt } = setup(t);
  for (const c of TREE.slice(0, 3)) await rt.class.add({ link: 'a0', kind: 'htb', ...c.spec } as TcClassSpec);
  tc(ns.path, ['qdisc', 'add', 'dev', 'a0', 'parent', '1:10', 'handle', '10:', 'tbf', 'rate', '1mbit', 'burst', '5000', 'limit', '5000']);
  const ids = (cs: TcClass[]) => cs.map((c) => c.handle).sort();
  t.same(ids(await rt.class.list({ link: 'a0' })), ['10:1', '1:1', '1:10', '1:20'], "every class of the device, the tbf's too");
  t.same(ids(await rt.class.list({ link: 'a0', qdisc: '1:' })), ['1:1', '1:10', '1:20'], 'the classes of qdisc 1:');
  t.same(ids(await rt.class.list({ link: 'a0', qdisc: '10:' })), ['10:1'], "the tbf's class");
  t.same(ids(await rt.class.list({ link: 'a0', parent: '1:1' })), ['1:10', '1:20'], 'children of 1:1');
  t.same(ids(await rt.class.list({ link: 'a0', parent: 'root' })), ['1:1'], 'top classes');
  t.same(ids(await rt.class.list({ link: 'a0', classid: '1:20' })), ['1:20'], 'by id');
  t.same(ids(await rt.class.list({ link: 'a0', kind: 'tbf' })), ['10:1'], 'by kind');
  const tbfClass = (await rt.class.list({ link: 'a0', kind: 'tbf' }))[0]!;
  t.same([tbfClass.parent, tbfClass.options], ['10:', { kind: 'other' }], "a tbf's class: no options");
  const walked: TcClass[] = [];
  t.equal(await rt.class.forEach({ link: 'a0', qdisc: '1:' }, (c) => walked.push(c)), 3);
  t.same(walked, await rt.class.list({ link: 'a0', qdisc: '1:' }), 'forEach gives what list returns');
  t.equal(await rt.class.forEach({ link: 'a0' }, () => false), 1, 'stops at false');
  await t.rejects(rt.class.list(undefined as never), { name: 'InvalidArgumentError', argument: 'filter', message: /needs a filter with the link/ });
  await t.rejects(rt.class.list({} as never), { name: 'InvalidArgumentError', argument: 'filter.link', message: /one device's classes at a time/ });
  await t.rejects((rt.class as unknown as { forEach(fn: unknown): Promise<number> }).forEach(() => undefined), { name: 'InvalidArgumentError', argument: 'filter' }, 'forEach(fn) without a filter');
});

t.test('every bad input is refused before anything is sent, naming the field', async (t) => {
  const base = { link: 'v0', parent: '1:', classid: '1:10', kind: 'htb', rate: '1mbit' };
  const bad: Array<[unknown, string, RegExp?]> = [
    [{ ...base, classid: '1:' }, 'classid', /a minor of its own/],
    [{ ...base, classid: '1' }, 'classid'],
    [{ ...base, classid: '10000:1' }, 'classid'],
    [{ ...base, classid: 'x:1' }, 'classid'],
    [{ ...base, classid: 'none' }, 'classid'],
    [{ ...base, classid: undefined }, 'classid', /needs its id/],
    [{ ...base, classid: '2:10' }, 'classid', /a class's major is its qdisc's/],
    [{ ...base, parent: undefined }, 'parent', /needs a parent/],
    [{ ...base, parent: 'ingress' }, 'parent'],
    [{ ...base, parent: 0 }, 'parent'],
    [{ ...base, link: undefined }, 'link', /needs a link/],
    [{ ...base, kind: undefined }, 'kind'],
    [{ ...base, kind: 'tbf' }, 'kind', /unknown class kind 'tbf'/],
    [{ ...base, rate: undefined }, 'rate', /"rate" is required/],
    [{ ...base, rate: 0 }, 'rate'],
    [{ ...base, rate: '1bit' }, 'rate', /'1bit' is less than one byte per second, which tc truncates to 0 as nlkit does/],
    [{ ...base, rate: -1 }, 'rate'],
    [{ ...base, rate: Infinity }, 'rate'],
    [{ ...base, rate: '1 mbit' }, 'rate'],
    [{ ...base, ceil: '512kbit' }, 'ceil', /below the rate/],
    [{ ...base, ceil: 'fast' }, 'ceil'],
    [{ ...base, burst: '5parsecs' }, 'burst'],
    [{ ...base, burst: 0 }, 'burst'],
    [{ ...base, cburst: -1 }, 'cburst'],
    [{ ...base, prio: 8 }, 'prio'],
    [{ ...base, prio: -1 }, 'prio'],
    [{ ...base, quantum: 0 }, 'quantum'],
    [{ ...base, mtu: 0 }, 'mtu'],
    [{ ...base, mtu: '1500' }, 'mtu'],
    [{ ...base, mpu: 70000 }, 'mpu'],
    [{ ...base, overhead: 1.5 }, 'overhead'],
    [{ ...base, linklayer: 'dsl' }, 'linklayer'],
    [{ ...base, rate: 1, burst: 50000 }, 'burst', /32-bit tick count/],
    [{ ...base, rate: '8bit' }, 'burst', /the default burst \(1600 bytes: rate \/ Hz \+ mtu\) at 1 bytes\/s/],
    [{ ...base, ciel: '2mbit' }, 'ciel', /unknown option/],
    [null, 'spec'],
  ];
  for (const [spec, arg, re] of bad) {
    for (const verb of ['add', 'replace', 'change'] as const) {
      const r = await recordedRequests((core) => ClassApi.of(core, QdiscApi.of(core)), (api) => api[verb](spec as TcClassSpec));
      t.ok(r.error instanceof InvalidArgumentError && r.error.argument === arg, `${verb} ${JSON.stringify(spec)}: refused naming ${arg} (${String(r.error)})`);
      if (re && verb === 'add') t.match((r.error as Error).message, re);
      t.equal(r.bytes.length, 0, 'nothing sent');
    }
  }
  for (const [spec, arg] of [[{ link: 'v0' }, 'classid'], [{ classid: '1:1' }, 'link'], [{ link: 'v0', classid: '1:' }, 'classid'], [{ link: 'v0', classid: '1:1', prio: 1 }, 'prio'],
    [{ link: 'v0', classid: '1:1', parent: 'x' }, 'parent'], [{ link: 'v0', classid: '2:1', parent: '1:' }, 'classid']] as const) {
    const r = await recordedRequests((core) => ClassApi.of(core, QdiscApi.of(core)), (api) => api.del(spec as never));
    t.ok(r.error instanceof InvalidArgumentError && r.error.argument === arg, `del ${JSON.stringify(spec)}: refused naming ${arg} (${String(r.error)})`);
    t.equal(r.bytes.length, 0, 'nothing sent');
  }
  for (const [filter, arg] of [[undefined, 'filter'], [{}, 'filter.link'], [{ link: 'v0', qdisc: '1:1' }, 'filter.qdisc'], [{ link: 'v0', classid: 'none' }, 'filter.classid'], [{ link: 'v0', prent: '1:' }, 'filter.prent']] as const) {
    const r = await recordedRequests((core) => ClassApi.of(core, QdiscApi.of(core)), (api) => api.list(filter as never));
    t.ok(r.error instanceof InvalidArgumentError && r.error.argument === arg, `list ${JSON.stringify(filter)}: refused naming ${arg} (${String(r.error)})`);
    t.equal(r.bytes.length, 0, 'nothing sent');
  }
});

t.test('undefined options are options not given: the same bytes', async (t) => {
  const spec: TcClassSpec = { link: 'v0', parent: '1:', classid: '1:10', kind: 'htb', rate: '1mbit' };
  const make = (core: never) => ClassApi.of(core, QdiscApi.of(core));
  const probe = await recordedRequests(make, (api) => api.add({ ...spec, notAnOption: 1 } as never));
  const known = /\(known: ([^)]*)\)/.exec(String(probe.error))?.[1]?.split(', ') ?? [];
  t.ok(known.length > 10, `the keys it knows: ${known.join(', ')}`);
  const filled: Record<string, unknown> = { ...spec };
  for (const k of known) if (!(k in filled)) filled[k] = undefined;
  const plain = await recordedRequests(make, (api) => api.add(spec));
  const undef = await recordedRequests(make, (api) => api.add(filled as never));
  t.ok(plain.bytes.length > 0 && plain.error === undefined);
  t.same(undef.bytes.map((b) => b.toString('hex')), plain.bytes.map((b) => b.toString('hex')), 'same bytes with every other key undefined');
  const f1 = await recordedRequests(make, (api) => api.list({ link: 'v0', qdisc: undefined, parent: undefined, classid: undefined, kind: undefined }));
  const f2 = await recordedRequests(make, (api) => api.list({ link: 'v0' }));
  t.same(f1.bytes, f2.bytes, 'list with undefined filters');
});

type Tag<T> = [T] extends [number] ? 'number' : [T] extends [string] ? 'string' : [T] extends [boolean] ? 'boolean' : [T] extends [Buffer] ? 'Buffer' : 'other';
type Keys<T> = { readonly [K in keyof Required<T>]: Tag<Exclude<Required<T>[K], undefined>> };
type NoIndex<T> = string extends keyof T ? false : true;
const CLASS_KEYS: Keys<TcClass> = {
  index: 'number', kind: 'string', handle: 'string', parent: 'string', rawHandle: 'number', rawParent: 'number', leaf: 'string',
  options: 'other', stats: 'other', xstats: 'other', unknown: 'other',
};

t.test('decoding: every key is declared (no index signature); unknown attributes and kinds kept raw', async (t) => {
  const noIndex: NoIndex<TcClass> = true;
  t.equal(noIndex, true);
  const w = new MessageWriter();
  w.begin(C.RTM_NEWTCLASS, 0, 1);
  const o = w.reserve(C.SIZEOF_TCMSG);
  w.view.setInt32(o + 4, 7, true);
  w.view.setUint32(o + 8, 0x10010, true);
  w.view.setUint32(o + 12, 0x10001, true);
  w.view.setUint32(o + 16, 0x100000, true);
  w.putStrz(C.TCA_KIND, 'drr');
  w.putBytes(C.TCA_OPTIONS, Buffer.from([1, 2, 3, 4]));
  w.putBytes(C.TCA_XSTATS, Buffer.from([5, 6]));
  w.putBytes(99, Buffer.from([1]));
  const b = Buffer.from(w.finish());
  w.release();
  const c = decodeTcClass(b, new DataView(b.buffer, b.byteOffset, b.length), 0, b.length);
  t.same([c.index, c.kind, c.handle, c.parent, c.leaf], [7, 'drr', '1:10', '1:1', '10:']);
  t.same(c.options, { kind: 'other', raw: Buffer.from([1, 2, 3, 4]) });
  t.same(c.xstats, { kind: 'other', raw: Buffer.from([5, 6]) });
  t.same(c.unknown, [{ type: 99, value: Buffer.from([1]) }]);
  t.same(Object.keys(c).filter((k) => !(k in CLASS_KEYS)), [], 'every key it sets is declared');
});
