// rt.qdisc on a real kernel, in a fresh netns per test, on veth and ifb devices that
// stay down (no traffic changes a counter between two dumps). For each kind this kernel
// builds, a qdisc added by nlkit and the same one added by `tc` are listed by nlkit and
// compared field by field with `tc -j -s -d qdisc show` (and with each other); the bytes
// nlkit sends equal tc's (captured with strace) but for the rate tables, which tc sends
// and nlkit does not (with the link layer set, sch_tbf.c and sch_htb.c do not read them).
// Then: replace/change/del round trips, deleting a listed Qdisc, EEXIST on a second add,
// what is not there to delete, a kind this kernel lacks (fq_codel: its bytes checked, the
// live add skipped by the kernel's answer), and bad input refused before anything is sent.
import t from 'tap';
import { Rtnl, decodeQdisc, type Qdisc, type QdiscSpec } from '../../src/rtnl/index.js';
import { QdiscApi } from '../../src/rtnl/tc/qdisc/api.js';
import { MessageWriter } from '../../src/netlink/index.js';
import { InvalidArgumentError, NetlinkError } from '../../src/netlink/errors.js';
import * as C from '../../src/rtnl/constants.js';
import { freshHandle, inNs, ip, ipJson, privileged, type rawNetns } from '../helpers.js';
import { recordedRequests } from './scripted-link-api.js';
import { comparable, optionAttr, tcRateText, tcSends, tcSizeText, tcSizeValue, withoutOptions } from './tc-qdisc-helpers.js';

type Ns = ReturnType<typeof rawNetns>;
type T = Parameters<Parameters<typeof t.test>[0]>[0];

/** A fresh netns with veth pairs a0/a1 and b0/b1 and ifbs i0, i1, all down, no IPv6 (its reports would count as traffic). */
function setup(t: { teardown(fn: () => void): void }): { ns: Ns; rt: Rtnl } {
  const f = freshHandle(t);
  inNs(f.ns.path, 'sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  for (const c of ['link add a0 type veth peer name a1', 'link add b0 type veth peer name b1', 'link add i0 type ifb', 'link add i1 type ifb']) ip(f.ns.path, c.split(' '));
  return f;
}

function tc(nsPath: string, args: string[]): string {
  return inNs(nsPath, 'tc', args);
}

/** `tc -j [-s -d] qdisc show dev DEV`, parsed. */
function tcJson(nsPath: string, dev: string, details = true): any[] {
  const out = tc(nsPath, ['-j', ...(details ? ['-s', '-d'] : []), 'qdisc', 'show', 'dev', dev]);
  return out.trim() ? JSON.parse(out) : [];
}

function indexOf(nsPath: string, dev: string): number {
  return ipJson(nsPath, ['link', 'show', 'dev', dev])[0].ifindex;
}

/** The options fields tc prints for each kind that the comparison below checks (any other is a failure: a field left unchecked). */
const TC_OPTION_KEYS: Record<string, readonly string[]> = {
  tbf: ['rate', 'burst', 'mpu', 'mtu', 'lat', 'limit', 'overhead', 'linklayer'],
  htb: ['r2q', 'default', 'direct_packets_stat', 'ver', 'direct_qlen'],
  pfifo: ['limit'], bfifo: ['limit'], ingress: [], clsact: [], noqueue: [], mq: [],
  pfifo_fast: ['bands', 'priomap', 'multiqueue'],
};

/**
 * A listed Qdisc against tc's JSON of the same qdisc: `j` from `tc -j -s -d` (sizes as
 * text: "4Kb/1"), `plain` from `tc -j` (the same sizes as numbers) and `text` from
 * `tc -d qdisc show` (the peak rate, which 6.1's JSON leaves out).
 *
 * How tc rounds what it prints: sizes by print_size — "NKb" when within 15 bytes of N KiB,
 * "NMb" within 1023 bytes of N MiB, else "Nb" exactly (tcSizeValue gives the slack);
 * rates by print_rate — bits per second divided by 1000 (rounding down) while it stays
 * whole or is a million or more, so "2Mbit" is compared as the text nlkit's number
 * prints to; the latency in µs, truncated.
 */
function checkAgainstTc(t: T, q: Qdisc, j: any, plain: any, text: string, what: string): void {
  t.equal(q.kind, j.kind, `${what}: kind`);
  t.equal(q.handle, j.handle, `${what}: handle`);
  t.equal(q.parent, j.root ? 'root' : j.parent, `${what}: parent`);
  t.equal(q.refcnt, j.refcnt ?? 1, `${what}: refcnt (tc prints it when not 1)`);
  t.same({
    bytes: Number(q.stats.bytes), packets: Number(q.stats.packets), drops: q.stats.drops, overlimits: q.stats.overlimits,
    requeues: q.stats.requeues, backlog: q.stats.backlog, qlen: q.stats.qlen,
  }, { bytes: j.bytes, packets: j.packets, drops: j.drops, overlimits: j.overlimits, requeues: j.requeues, backlog: j.backlog, qlen: j.qlen }, `${what}: counters`);
  const jo = j.options ?? {};
  t.same(Object.keys(jo).filter((k) => !(TC_OPTION_KEYS[j.kind] ?? []).includes(k)), [], `${what}: every option tc prints is compared`);
  const o = q.options;
  switch (o.kind) {
    case 'tbf': {
      t.equal(o.rate, jo.rate, `${what}: rate`);
      const b = tcSizeValue(jo.burst);
      t.ok(Math.abs(o.burst - b.value) <= b.slack && tcSizeText(o.burst) === jo.burst.split('/')[0], `${what}: burst ${o.burst} prints as tc's ${jo.burst}`);
      t.equal(o.burst, plain.options.burst, `${what}: burst, the number tc -j prints without -d`);
      t.equal(o.mpu, jo.mpu, `${what}: mpu`);
      if (jo.lat !== undefined) {
        t.equal(o.latency, jo.lat, `${what}: latency (µs)`);
      } else {
        t.ok(o.latency < 0, `${what}: tc prints the limit when the latency is negative (${o.latency})`);
        t.equal(o.limit, jo.limit, `${what}: limit`);
      }
      t.equal(o.overhead, jo.overhead ?? 0, `${what}: overhead (tc prints it when not 0)`);
      t.equal(o.linklayer, jo.linklayer, `${what}: linklayer`);
      const peak = /peakrate (\S+)/.exec(text)?.[1];
      t.equal(o.peakrate !== undefined ? tcRateText(o.peakrate) : undefined, peak, `${what}: peakrate (from tc's text)`);
      if (o.peakrate !== undefined) {
        t.equal(o.mtu, plain.options.minburst, `${what}: mtu (tc -j's minburst)`);
        t.equal(`${tcSizeText(o.mtu!)}/1`, jo.mtu, `${what}: mtu as tc -d prints it`);
      } else {
        t.equal(jo.mtu, undefined, `${what}: no mtu without a peak rate`);
      }
      break;
    }
    case 'htb':
      t.same({ r2q: o.r2q, default: o.default, directPacketsStat: o.directPacketsStat, version: o.version, directQlen: o.directQlen },
        { r2q: jo.r2q, default: parseInt(jo.default, 16), directPacketsStat: jo.direct_packets_stat, version: jo.ver, directQlen: jo.direct_qlen }, `${what}: htb options`);
      break;
    case 'pfifo':
    case 'bfifo':
      t.equal(o.limit, jo.limit, `${what}: limit`);
      break;
    case 'pfifo_fast':
      t.same({ bands: o.bands, priomap: o.priomap }, { bands: jo.bands, priomap: jo.priomap }, `${what}: pfifo_fast options`);
      t.equal(jo.multiqueue, false, `${what}: tc's multiqueue is false (the kernel sends no TCA_PRIO_MQ for pfifo_fast)`);
      break;
    case 'ingress':
    case 'clsact':
    case 'noqueue':
    case 'mq':
      t.same(jo, {}, `${what}: no options`);
      break;
    default:
      t.fail(`${what}: options of kind ${o.kind} not compared`);
  }
}

/** nlkit's qdiscs of `dev` against tc's, one by one (matched by parent and handle). */
async function sameAsTc(t: T, rt: Rtnl, nsPath: string, dev: string): Promise<Qdisc[]> {
  const ours = await rt.qdisc.list({ link: dev });
  const js = tcJson(nsPath, dev);
  const plain = tcJson(nsPath, dev, false);
  const text = tc(nsPath, ['-d', 'qdisc', 'show', 'dev', dev]);
  t.equal(ours.length, js.length, `${dev}: as many qdiscs as tc lists (${js.map((j) => j.kind).join(', ')})`);
  for (const j of js) {
    const where = j.root ? 'root' : j.parent;
    const q = ours.find((x) => x.parent === where && x.handle === j.handle);
    const p = plain.find((x) => (x.root ? 'root' : x.parent) === where && x.handle === j.handle);
    const line = text.split('\n').find((l) => l.startsWith(`qdisc ${j.kind} ${j.handle} `) && l.includes(j.root ? ' root ' : ` parent ${j.parent} `)) ?? '';
    if (!q) t.fail(`${dev}: nlkit lists no qdisc ${j.handle} at ${where}`);
    else checkAgainstTc(t, q, j, p, line, `${dev} ${j.kind} ${j.handle}`);
  }
  return ours;
}

/** A kind's options without what differs between two qdiscs of the same spec (nothing: handles are outside options). */
const optionsOf = (q: Qdisc | undefined) => q?.options;

interface KindCase {
  readonly name: string;
  /** The spec without the link. */
  readonly spec: Record<string, unknown>;
  /** The same qdisc as tc's arguments after `tc qdisc add dev DEV`. */
  readonly tc: string;
  /** The device pair to use: veth (a0/b0) or ifb (i0/i1). */
  readonly on?: 'veth' | 'ifb';
}

const CASES: readonly KindCase[] = [
  { name: 'tbf with a latency', spec: { kind: 'tbf', rate: '1mbit', burst: '32kbit', latency: '400ms' }, tc: 'root tbf rate 1mbit burst 32kbit latency 400ms' },
  { name: 'tbf with a limit, mpu and overhead', spec: { kind: 'tbf', handle: '5:', rate: '10mbit', burst: '15k', limit: 30000, mpu: 64, overhead: 14 }, tc: 'root handle 5: tbf rate 10mbit burst 15k limit 30000 mpu 64 overhead 14' },
  { name: 'tbf with a peak rate', spec: { kind: 'tbf', rate: '1mbit', burst: 5000, latency: '50ms', peakrate: '2mbit', mtu: 1600 }, tc: 'root tbf rate 1mbit burst 5000 latency 50ms peakrate 2mbit mtu 1600' },
  { name: 'tbf above 2^32 bytes/s (TCA_TBF_RATE64, PRATE64)', spec: { kind: 'tbf', rate: '50gbit', burst: '1mb', latency: '10ms', peakrate: '60gbit', mtu: '64k' }, tc: 'root tbf rate 50gbit burst 1mb latency 10ms peakrate 60gbit mtu 64k' },
  { name: 'tbf whose limit is below its burst (tc prints the limit, not a latency)', spec: { kind: 'tbf', rate: '1mbit', burst: 5000, limit: 3000 }, tc: 'root tbf rate 1mbit burst 5000 limit 3000' },
  { name: 'tbf on atm', spec: { kind: 'tbf', rate: '1mbit', burst: 5000, latency: '1ms', linklayer: 'atm' }, tc: 'root tbf rate 1mbit burst 5000 latency 1ms linklayer atm' },
  { name: 'htb', spec: { kind: 'htb', handle: '1:', default: '10', r2q: 5, directQlen: 100 }, tc: 'root handle 1: htb default 10 r2q 5 direct_qlen 100' },
  { name: 'htb with the defaults', spec: { kind: 'htb', handle: '1:' }, tc: 'root handle 1: htb' },
  { name: 'pfifo', spec: { kind: 'pfifo', limit: 50 }, tc: 'root pfifo limit 50' },
  { name: 'pfifo without a limit (the device\'s txqueuelen)', spec: { kind: 'pfifo' }, tc: 'root pfifo' },
  { name: 'bfifo', spec: { kind: 'bfifo', handle: '7:', limit: '10kb' }, tc: 'root handle 7: bfifo limit 10kb' },
  { name: 'ingress', spec: { kind: 'ingress' }, tc: 'ingress', on: 'ifb' },
  { name: 'clsact', spec: { kind: 'clsact' }, tc: 'clsact', on: 'ifb' },
];

for (const c of CASES) {
  t.test(`${c.name}: added by nlkit and by tc, listed as tc -j -s -d lists it`, privileged, async (t) => {
    const { ns, rt } = setup(t);
    const [mine, theirs] = c.on === 'ifb' ? ['i0', 'i1'] : ['a0', 'b0'];
    await rt.qdisc.add({ link: mine, ...c.spec } as QdiscSpec);
    tc(ns.path, ['qdisc', 'add', 'dev', theirs, ...c.tc.split(' ')]);
    const a = (await sameAsTc(t, rt, ns.path, mine)).find((q) => q.kind === c.spec['kind']);
    const b = (await sameAsTc(t, rt, ns.path, theirs)).find((q) => q.kind === c.spec['kind']);
    t.ok(a && b, 'both are listed');
    t.same(optionsOf(a), optionsOf(b), 'the kernel holds the same options for both');
    t.equal(a?.handle, c.spec['handle'] ?? (c.on === 'ifb' ? 'ffff:' : a?.handle), 'the handle given (or ffff: for ingress/clsact)');
  });
}

t.test("defaults nlkit only decodes — noqueue, pfifo_fast, mq (with pfifo_fast per queue) — listed as tc lists them", privileged, async (t) => {
  const { ns, rt } = setup(t);
  ip(ns.path, ['link', 'add', 'm0', 'numtxqueues', '4', 'type', 'ifb']);
  for (const d of ['a0', 'a1', 'i0', 'm0']) ip(ns.path, ['link', 'set', d, 'up']);
  const a0 = await sameAsTc(t, rt, ns.path, 'a0');
  t.same(a0.map((q) => [q.kind, q.handle, q.parent]), [['noqueue', '0:', 'root']], 'a veth: noqueue, handle 0:');
  const i0 = await sameAsTc(t, rt, ns.path, 'i0');
  t.same(i0.map((q) => q.kind), ['pfifo_fast']);
  const m0 = await sameAsTc(t, rt, ns.path, 'm0');
  t.same(m0.map((q) => q.kind).sort(), ['mq', 'pfifo_fast', 'pfifo_fast', 'pfifo_fast', 'pfifo_fast']);
  t.same(m0.filter((q) => q.kind === 'pfifo_fast').map((q) => q.parent).sort(), [':1', ':2', ':3', ':4'], "mq's children sit at :1 … :4");
  // The whole netns: every device's qdiscs, the kernel's order.
  const all = await rt.qdisc.list();
  const names = new Map(ipJson(ns.path, ['link', 'show']).map((l: any) => [l.ifindex, l.ifname]));
  const theirs = JSON.parse(tc(ns.path, ['-j', 'qdisc', 'show'])) as any[];
  t.same(all.map((q) => `${names.get(q.index)} ${q.kind} ${q.handle} ${q.parent}`), theirs.map((j) => `${j.dev} ${j.kind} ${j.handle} ${j.root ? 'root' : j.parent}`), 'rt.qdisc.list() = tc qdisc show, device by device');
});

t.test("the bytes nlkit sends equal tc's (but for tc's rate tables), command by command", privileged, async (t) => {
  const { ns } = setup(t);
  const index = indexOf(ns.path, 'a0');
  const tables = [C.TCA_TBF_RTAB, C.TCA_TBF_PTAB]; // the same numbers as htb's CTAB and RTAB (3, 2 / 4): dropped per kind below
  const cases: Array<[QdiscSpec, string, readonly number[]]> = [
    ...CASES.filter((c) => c.on !== 'ifb').map((c) => [{ link: index, ...c.spec } as QdiscSpec, c.tc, c.spec['kind'] === 'tbf' ? tables : []] as [QdiscSpec, string, readonly number[]]),
    [{ link: index, kind: 'ingress' }, 'ingress', []],
    [{ link: index, kind: 'clsact' }, 'clsact', []],
    [{ link: index, parent: '1:10', handle: '10:', kind: 'pfifo', limit: 5 }, 'parent 1:10 handle 10: pfifo limit 5', []],
    [{ link: index, kind: 'tbf', rate: 100000, burst: 1000000, limit: 2000000 }, 'root tbf rate 800000bit burst 1000000 limit 2000000', tables],
    [{ link: index, kind: 'fq_codel', limit: 1000, flows: 512, quantum: 1514, target: '5ms', interval: '100ms', ecn: true, ceThreshold: '2ms', memoryLimit: '32mb', dropBatch: 32 },
      'root fq_codel limit 1000 flows 512 quantum 1514 target 5ms interval 100ms ecn ce_threshold 2ms memory_limit 32mb drop_batch 32', []],
    [{ link: index, kind: 'fq_codel', ecn: false }, 'root fq_codel noecn', []],
    [{ link: index, kind: 'fq_codel' }, 'root fq_codel', []],
  ];
  for (const [spec, args, drop] of cases) {
    const { sent } = tcSends(ns.path, ['qdisc', 'add', 'dev', 'a0', ...args.split(' ')]);
    t.equal(sent.length, 1, `tc sent: tc qdisc add dev a0 ${args}`);
    const ours = await recordedRequests((core) => QdiscApi.of(core), (api) => api.add(spec));
    t.equal(ours.error, undefined, 'nlkit took the spec');
    t.equal(comparable(ours.bytes[0]!), comparable(withoutOptions(sent[0]!, drop)), `same bytes: ${args}${drop.length ? ' (without TCA_TBF_RTAB/PTAB)' : ''}`);
    if (spec.kind === 'tbf') {
      t.same(optionAttr(ours.bytes[0]!, C.TCA_TBF_PARMS), optionAttr(sent[0]!, C.TCA_TBF_PARMS), `TCA_TBF_PARMS byte for byte: ${args}`);
      t.ok(optionAttr(sent[0]!, C.TCA_TBF_RTAB) && !optionAttr(ours.bytes[0]!, C.TCA_TBF_RTAB), 'tc sends a rate table, nlkit does not');
    }
    tcSends(ns.path, ['qdisc', 'del', 'dev', 'a0', 'root']);
    tcSends(ns.path, ['qdisc', 'del', 'dev', 'a0', 'ingress']);
  }
  // replace and change and del carry tc's flags (NLM_F_CREATE|NLM_F_REPLACE, none, none).
  for (const [verb, call] of [['replace', (a: QdiscApi) => a.replace({ link: index, kind: 'pfifo', limit: 9 })], ['change', (a: QdiscApi) => a.change({ link: index, kind: 'pfifo', limit: 9 })],
    ['del', (a: QdiscApi) => a.del({ link: index, kind: 'pfifo' })]] as const) {
    const { sent } = tcSends(ns.path, ['qdisc', verb, 'dev', 'a0', 'root', 'pfifo', ...(verb === 'del' ? [] : ['limit', '9'])]);
    const ours = await recordedRequests((core) => QdiscApi.of(core), call);
    t.equal(comparable(ours.bytes[0]!), comparable(sent[0]!), `same bytes: tc qdisc ${verb} dev a0 root pfifo`);
  }
});

t.test('a tbf bucket given as ticks (buffer): sent without TCA_TBF_BURST and kept by the kernel exactly, as vishvananda/netlink sends Tbf.Buffer', privileged, async (t) => {
  const { ns, rt } = setup(t);
  // 125000 bytes/s with a 128 KiB bucket, in ticks as the reference bandwidth plugin
  // works them out: 1048576 µs, 15.625 ticks each here (/proc/net/psched).
  const [t2us, us2t] = inNs(ns.path, 'cat', ['/proc/net/psched']).trim().split(/\s+/).map((x) => parseInt(x, 16)) as [number, number];
  const buffer = Math.trunc(Math.trunc((131072 * 1e6) / 125000) * (t2us / us2t));
  await rt.qdisc.add({ link: 'a0', handle: '1:', kind: 'tbf', rate: 125000, buffer, limit: 134197 });
  const [q] = await rt.qdisc.list({ link: 'a0', kind: 'tbf' });
  t.ok(q && q.options.kind === 'tbf', 'listed');
  if (!q || q.options.kind !== 'tbf') return;
  t.equal(q.options.buffer, buffer, 'the kernel kept the ticks as given');
  t.equal(q.options.limit, 134197, 'limit');
  t.equal(q.options.rate, 125000, 'rate');
  const plain = tcJson(ns.path, 'a0', false).find((x) => x.kind === 'tbf');
  t.equal(q.options.burst, plain.options.burst, "burst, worked out from the ticks, as tc -j prints it");
  // The same bucket given as a burst goes through the kernel's own bytes→time arithmetic
  // (TCA_TBF_BURST) and need not come back as these ticks; the request with buffer has no
  // TCA_TBF_BURST at all.
  const sent = await recordedRequests((core) => QdiscApi.of(core), (api) => api.add({ link: 2, kind: 'tbf', rate: 125000, buffer, limit: 134197 }));
  const msg = sent.bytes[0]!;
  t.equal(optionAttr(msg, C.TCA_TBF_BURST), undefined, 'no TCA_TBF_BURST: the kernel keeps the ticks');
  const parms = optionAttr(msg, C.TCA_TBF_PARMS);
  t.ok(parms, 'TCA_TBF_PARMS sent');
  t.equal(parms?.readUInt32LE(2 * C.SIZEOF_TC_RATESPEC + 4), buffer, 'tc_tbf_qopt.buffer is the ticks given');
  const withBurst = await recordedRequests((core) => QdiscApi.of(core), (api) => api.add({ link: 2, kind: 'tbf', rate: 125000, burst: 131072, limit: 134197 }));
  t.equal(optionAttr(withBurst.bytes[0]!, C.TCA_TBF_BURST)?.readUInt32LE(0), 131072, 'with burst: TCA_TBF_BURST sent, as tc sends it');
});

t.test('replace, change and del round trips', privileged, async (t) => {
  const { ns, rt } = setup(t);
  await rt.qdisc.add({ link: 'a0', handle: '1:', kind: 'tbf', rate: '1mbit', burst: '32kbit', latency: '400ms' });
  await rt.qdisc.change({ link: 'a0', handle: '1:', kind: 'tbf', rate: '2mbit', burst: '64kbit', limit: 100000 });
  let [q] = await sameAsTc(t, rt, ns.path, 'a0');
  t.same([q?.handle, q?.options.kind === 'tbf' && q.options.rate, q?.options.kind === 'tbf' && q.options.limit], ['1:', 250000, 100000], 'changed in place');
  await rt.qdisc.replace({ link: 'a0', handle: '1:', kind: 'tbf', rate: '3mbit', burst: '64kbit', limit: 100000 });
  [q] = await sameAsTc(t, rt, ns.path, 'a0');
  t.equal(q?.options.kind === 'tbf' && q.options.rate, 375000, 'replace of the same kind and handle changes it');
  await rt.qdisc.replace({ link: 'a0', handle: '2:', kind: 'pfifo', limit: 7 });
  [q] = await sameAsTc(t, rt, ns.path, 'a0');
  t.same([q?.kind, q?.handle], ['pfifo', '2:'], 'replace with another kind swaps it');
  await rt.qdisc.replace({ link: 'a1', kind: 'bfifo', limit: 5000 });
  t.same((await rt.qdisc.list({ link: 'a1' })).map((x) => x.kind), ['bfifo'], 'replace where there was none adds');
  await rt.qdisc.del({ link: 'a0', kind: 'pfifo' });
  t.same(tcJson(ns.path, 'a0'), [], 'deleted (a down veth then lists nothing: its default is the hidden noop)');
  await rt.qdisc.del({ link: 'a1', kind: 'bfifo', limit: 5000 });
  t.same(tcJson(ns.path, 'a1'), [], 'a del given what add took (options not sent)');
  // ingress and clsact: one of them at a time.
  await rt.qdisc.add({ link: 'i0', kind: 'clsact' });
  t.same(tcJson(ns.path, 'i0').map((j) => [j.kind, j.handle, j.parent]), [['clsact', 'ffff:', 'ffff:fff1']]);
  await rt.qdisc.del({ link: 'i0', kind: 'clsact' });
  await rt.qdisc.add({ link: 'i0', kind: 'ingress', parent: 'ingress', handle: 'ffff:' });
  t.same(tcJson(ns.path, 'i0').map((j) => [j.kind, j.handle, j.parent]), [['ingress', 'ffff:', 'ffff:fff1']], 'ingress, with the parent and handle it implies repeated');
  await rt.qdisc.del({ link: 'i0', parent: 'ingress' });
  t.same(tcJson(ns.path, 'i0'), [], 'deleted by its place');
});

t.test('del takes a listed Qdisc: root, ingress, and a leaf under an htb class', privileged, async (t) => {
  const { ns, rt } = setup(t);
  tc(ns.path, ['qdisc', 'add', 'dev', 'a0', 'root', 'handle', '1:', 'htb', 'default', '10']);
  tc(ns.path, ['class', 'add', 'dev', 'a0', 'parent', '1:', 'classid', '1:10', 'htb', 'rate', '1mbit']);
  tc(ns.path, ['qdisc', 'add', 'dev', 'a0', 'parent', '1:10', 'handle', '10:', 'pfifo', 'limit', '5']);
  tc(ns.path, ['qdisc', 'add', 'dev', 'a0', 'ingress']);
  const listed = await rt.qdisc.list({ link: 'a0' });
  t.same(listed.map((q) => q.kind).sort(), ['htb', 'ingress', 'pfifo']);
  const leaf = listed.find((q) => q.kind === 'pfifo')!;
  t.same([leaf.parent, leaf.handle], ['1:10', '10:']);
  await rt.qdisc.del(leaf);
  t.same(tcJson(ns.path, 'a0').map((j) => j.kind).sort(), ['htb', 'ingress'], 'the leaf is gone (htb puts its default pfifo back, hidden)');
  for (const q of await rt.qdisc.list({ link: 'a0' })) await rt.qdisc.del(q);
  t.same(tcJson(ns.path, 'a0'), [], 'every listed qdisc deleted');
  // A listed default qdisc (handle 0:) cannot be deleted, and the error says so.
  ip(ns.path, ['link', 'set', 'a0', 'up']);
  const [noq] = await rt.qdisc.list({ link: 'a0' });
  const e = await rt.qdisc.del(noq!).then(() => undefined, (x: unknown) => x);
  t.ok(e instanceof NetlinkError && e.code === 'ENOENT', `ENOENT: ${String(e)}`);
  t.match((e as Error).message, /only its default noqueue qdisc at root, which cannot be deleted/);
});

t.test('a second add of the same qdisc is EEXIST, saying what is there', privileged, async (t) => {
  const { ns, rt } = setup(t);
  const spec = { link: 'a0', handle: '1:', kind: 'tbf', rate: '1mbit', burst: '32kbit', latency: '400ms' } as const;
  await rt.qdisc.add(spec);
  for (const s of [spec, { ...spec, handle: undefined }]) {
    const e = await rt.qdisc.add(s).then(() => undefined, (x: unknown) => x);
    t.ok(e instanceof NetlinkError && e.code === 'EEXIST', `EEXIST: ${String(e)}`);
    t.match((e as Error).message, /Exclusivity flag on.*'a0' has the tbf qdisc 1: at root: add does not override it — replace swaps it, change modifies it; in netns fd \d+/);
  }
  await rt.qdisc.add({ link: 'i0', kind: 'ingress' });
  const e = await rt.qdisc.add({ link: 'i0', kind: 'clsact' }).then(() => undefined, (x: unknown) => x);
  t.ok(e instanceof NetlinkError && e.code === 'EEXIST', 'clsact where ingress is: EEXIST');
  t.match((e as Error).message, /'i0' has the ingress qdisc ffff: at ingress \(ffff:fff1\)/);
  t.equal(tcJson(ns.path, 'a0').length, 1, 'still the one qdisc');
});

t.test("a handle another qdisc of the device has: the kernel's 'Cannot move an existing qdisc to a different parent' says which qdisc has it", privileged, async (t) => {
  const { ns, rt } = setup(t);
  // A root qdisc with the handle ingress and clsact always take.
  tc(ns.path, ['qdisc', 'add', 'dev', 'a0', 'root', 'handle', 'ffff:', 'htb']);
  for (const kind of ['clsact', 'ingress'] as const) {
    const e = await rt.qdisc.add({ link: 'a0', kind }).then(() => undefined, (x: unknown) => x);
    t.ok(e instanceof NetlinkError && e.code === 'EINVAL', `${kind}: ${String(e)}`);
    t.match((e as Error).message, new RegExp(`Cannot move an existing qdisc to a different parent — 'a0' has the htb qdisc ffff: at root: a handle names one qdisc of a device, and the ${kind} qdisc always takes ffff: — give the htb qdisc another handle; in netns fd \\d+`));
  }
  // A handle given that a qdisc elsewhere in the tree has.
  tc(ns.path, ['qdisc', 'add', 'dev', 'b0', 'root', 'handle', '1:', 'htb']);
  tc(ns.path, ['class', 'add', 'dev', 'b0', 'parent', '1:', 'classid', '1:1', 'htb', 'rate', '1mbit']);
  tc(ns.path, ['qdisc', 'add', 'dev', 'b0', 'parent', '1:1', 'handle', '2:', 'pfifo']);
  const e = await rt.qdisc.replace({ link: 'b0', handle: '2:', kind: 'pfifo' }).then(() => undefined, (x: unknown) => x);
  t.ok(e instanceof NetlinkError && e.code === 'EINVAL', String(e));
  t.match((e as Error).message, /'b0' has the pfifo qdisc 2: at parent 1:1: a handle names one qdisc of a device, and the kernel does not move one — give another handle, or delete that qdisc first/);
  t.equal(tcJson(ns.path, 'a0').filter((q) => q.kind === 'htb').length, 1, 'the htb is still there');
});

t.test("an htb qdisc's own options cannot be changed: change and replace of it say so, beside the kernel's 'Change operation not supported'", privileged, async (t) => {
  const { rt } = setup(t);
  await rt.qdisc.add({ link: 'a0', handle: '1:', kind: 'htb' });
  for (const [what, p] of [['change', rt.qdisc.change({ link: 'a0', handle: '1:', kind: 'htb', r2q: 5 })], ['replace', rt.qdisc.replace({ link: 'a0', handle: '1:', kind: 'htb', r2q: 5 })], ['replace without handle', rt.qdisc.replace({ link: 'a0', kind: 'htb', r2q: 5 })]] as const) {
    const e = await p.then(() => undefined, (x: unknown) => x);
    t.ok(e instanceof NetlinkError && e.code === 'EINVAL', `${what}: ${String(e)}`);
    t.match((e as Error).message, /Change operation not supported by specified qdisc — the htb qdisc 1: of 'a0' cannot have its own options changed once made: delete it and add it again \(its classes and filters go with it\); in netns fd \d+/);
  }
});

t.test('deleting what is not there: ENOENT or EINVAL, saying what is there', privileged, async (t) => {
  const { ns, rt } = setup(t);
  const refused = async (p: Promise<unknown>, code: string, re: RegExp): Promise<void> => {
    const e = await p.then(() => undefined, (x: unknown) => x);
    t.ok(e instanceof NetlinkError && e.code === code, `${code}: ${String(e)}`);
    t.match((e as Error).message, re);
  };
  await refused(rt.qdisc.del({ link: 'a0' }), 'ENOENT', /'a0' has no qdisc of its own at root: there is nothing to delete/);
  await refused(rt.qdisc.del({ link: 'a0', kind: 'ingress' }), 'ENOENT', /'a0' has no qdisc at ingress \(ffff:fff1\): there is nothing to delete/);
  await refused(rt.qdisc.del({ link: 'a0', parent: '5:1' }), 'ENOENT', /'a0' has no qdisc 5:, so nothing is at parent 5:1/);
  await rt.qdisc.add({ link: 'a0', handle: '1:', kind: 'tbf', rate: '1mbit', burst: '32kbit', latency: '400ms' });
  await refused(rt.qdisc.del({ link: 'a0', kind: 'htb' }), 'EINVAL', /Invalid qdisc name.*'a0' has the tbf qdisc 1: at root, not htb/);
  await refused(rt.qdisc.del({ link: 'a0', handle: '2:' }), 'EINVAL', /Invalid handle.*'a0' has the tbf qdisc 1: at root, not 2:/);
  await refused(rt.qdisc.change({ link: 'a1', kind: 'pfifo', limit: 5 }), 'ENOENT', /'a1' has no pfifo qdisc at root to change: add it first/);
  await refused(rt.qdisc.add({ link: 'a0', parent: '7:1', kind: 'pfifo' }), 'ENOENT', /'a0' has no qdisc 7: for class 7:1 to belong to/);
  t.equal(tcJson(ns.path, 'a0').length, 1, 'the tbf is still there');
  // The ingress side emptied again (its queue made once): the kernel checks the handle
  // ffff: a clsact/ingress delete sends, or the kind, against its placeholder first
  // (EINVAL "Invalid handle"). Before, that read "'b0' has no qdisc at ingress
  // (ffff:fff1), not ffff:".
  await rt.qdisc.add({ link: 'b0', kind: 'clsact' });
  await rt.qdisc.del({ link: 'b0', kind: 'clsact' });
  for (const kind of ['clsact', 'ingress'] as const) {
    const e = await rt.qdisc.del({ link: 'b0', kind }).then(() => undefined, (x: unknown) => x);
    t.ok(e instanceof NetlinkError, `${kind} again: ${String(e)}`);
    t.match((e as Error).message, /'b0' has no qdisc at ingress \(ffff:fff1\): there is nothing to delete/, `${kind} again: nothing to delete`);
    t.notMatch((e as Error).message, /, not (ffff:|ingress|clsact)/, `${kind} again: no "not …" against nothing`);
  }
  // A down veth's root holds the noop placeholder, which no dump lists.
  await refused(rt.qdisc.del({ link: 'a1', handle: '2:' }), 'EINVAL', /Invalid handle — 'a1' has no qdisc at root: there is nothing to delete/);
  await refused(rt.qdisc.del({ link: 'a1', kind: 'htb' }), 'EINVAL', /Invalid qdisc name.*'a1' has no qdisc at root: there is nothing to delete/);
});

t.test('a link that does not exist: ENODEV naming it, by name and by ifindex', privileged, async (t) => {
  const { rt } = setup(t);
  for (const [p, re] of [
    [rt.qdisc.add({ link: 'nope0', kind: 'pfifo' }), /link 'nope0' does not exist in netns fd \d+/],
    [rt.qdisc.del({ link: 99999, kind: 'ingress' }), /link ifindex 99999 does not exist/],
    [rt.qdisc.list({ link: 99999 }), /filter\.link ifindex 99999 does not exist/],
    [rt.qdisc.list({ link: 'nope0' }), /filter\.link 'nope0' does not exist/],
  ] as const) {
    const e = await p.then(() => undefined, (x: unknown) => x);
    t.ok(e instanceof NetlinkError && e.code === 'ENODEV', `ENODEV: ${String(e)}`);
    t.match((e as Error).message, re);
  }
});

t.test("fq_codel: a kind this kernel lacks is refused by the kernel's answer, naming it (skipped where the kernel has it)", privileged, async (t) => {
  const { ns, rt } = setup(t);
  const e = await rt.qdisc.add({ link: 'a0', kind: 'fq_codel', target: '5ms', ecn: true }).then(() => undefined, (x: unknown) => x);
  if (e === undefined) {
    t.comment('skipped: this kernel builds fq_codel');
    const [q] = await rt.qdisc.list({ link: 'a0' });
    t.equal(q?.kind, 'fq_codel');
    t.equal(q?.options.kind, 'other', 'listed with its options raw');
    return;
  }
  t.ok(e instanceof NetlinkError && (e.code === 'ENOENT' || e.code === 'EOPNOTSUPP'), `refused: ${String(e)}`);
  t.match((e as Error).message, /this kernel has no 'fq_codel' qdisc/);
  t.same(tcJson(ns.path, 'a0'), [], 'nothing made');
});

t.test('list filters by link, kind, parent and handle; forEach walks what list returns and stops at false', privileged, async (t) => {
  const { ns, rt } = setup(t);
  tc(ns.path, ['qdisc', 'add', 'dev', 'a0', 'root', 'handle', '1:', 'htb']);
  tc(ns.path, ['class', 'add', 'dev', 'a0', 'parent', '1:', 'classid', '1:10', 'htb', 'rate', '1mbit']);
  tc(ns.path, ['qdisc', 'add', 'dev', 'a0', 'parent', '1:10', 'handle', '10:', 'bfifo']);
  tc(ns.path, ['qdisc', 'add', 'dev', 'a0', 'ingress']);
  tc(ns.path, ['qdisc', 'add', 'dev', 'b0', 'root', 'handle', '1:', 'tbf', 'rate', '1mbit', 'burst', '5000', 'limit', '5000']);
  const show = (qs: Qdisc[]) => qs.map((q) => `${q.index} ${q.kind} ${q.handle} ${q.parent}`).sort();
  const all = await rt.qdisc.list();
  const a0 = indexOf(ns.path, 'a0');
  const b0 = indexOf(ns.path, 'b0');
  t.same(show(await rt.qdisc.list({ link: 'a0' })), show(all.filter((q) => q.index === a0)), 'by link (filtered here: the kernel dumps every device)');
  t.same(show(await rt.qdisc.list({ link: b0 })), [`${b0} tbf 1: root`], 'by ifindex');
  t.same(show(await rt.qdisc.list({ kind: 'htb' })), [`${a0} htb 1: root`], 'by kind');
  t.same(show(await rt.qdisc.list({ parent: 'root' })), [`${a0} htb 1: root`, `${b0} tbf 1: root`], 'by parent root');
  t.same(show(await rt.qdisc.list({ parent: 'ingress' })), [`${a0} ingress ffff: ffff:fff1`], 'by parent ingress');
  t.same(show(await rt.qdisc.list({ parent: '1:10' })), [`${a0} bfifo 10: 1:10`], 'by a class');
  t.same(show(await rt.qdisc.list({ handle: '1:' })), [`${a0} htb 1: root`, `${b0} tbf 1: root`], 'by handle');
  t.same(show(await rt.qdisc.list({ link: 'a0', handle: 0x10000 })), [`${a0} htb 1: root`], 'by link and handle (a number)');
  const walked: Qdisc[] = [];
  t.equal(await rt.qdisc.forEach({ link: 'a0' }, (q) => walked.push(q)), 3, 'forEach counts what it gave');
  t.same(walked, await rt.qdisc.list({ link: 'a0' }), 'forEach gives what list returns');
  let n = 0;
  t.equal(await rt.qdisc.forEach(() => ++n < 2 ? undefined : false), 2, 'stops at false');
  t.equal(await rt.qdisc.forEach(undefined, () => undefined), all.length, 'forEach(undefined, fn) walks everything');
});

t.test('a closed handle: ClosedError naming the handle, from rt.qdisc and rt.class alike', privileged, async (t) => {
  const { ClosedError } = await import('../../src/netlink/errors.js');
  const rt = Rtnl.open();
  rt.close();
  const calls: Array<[string, () => Promise<unknown>]> = [
    ['qdisc.list', () => rt.qdisc.list()],
    ['qdisc.list by ifindex', () => rt.qdisc.list({ link: 1 })],
    ['qdisc.add', () => rt.qdisc.add({ link: 'lo', kind: 'pfifo' })],
    ['qdisc.del by ifindex', () => rt.qdisc.del({ link: 1 })],
    ['class.list', () => rt.class.list({ link: 1 })],
    ['class.add', () => rt.class.add({ link: 1, parent: '1:', classid: '1:1', kind: 'htb', rate: '1mbit' })],
  ];
  for (const [what, call] of calls) {
    const e = await call().then(() => undefined, (err: unknown) => err);
    t.ok(e instanceof ClosedError, `${what}: ClosedError`);
    t.equal((e as Error | undefined)?.message, 'Rtnl handle is closed', `${what}: names the handle`);
  }
});

t.test('TypeScript checks each kind\'s options (checked when the tests compile)', async (t) => {
  const ok: QdiscSpec[] = [
    { link: 'eth0', kind: 'tbf', rate: '1mbit', burst: '32kbit', latency: '400ms' },
    { link: 'eth0', kind: 'tbf', rate: 125000, burst: 4096, limit: 10000, peakrate: '2mbit', mtu: 1600 },
    { link: 'eth0', kind: 'htb', handle: '1:', default: '10' },
    { link: 'eth0', kind: 'ingress' },
  ];
  // @ts-expect-error: tbf takes a limit or a latency, not both
  ok.push({ link: 'eth0', kind: 'tbf', rate: '1mbit', burst: '32kbit', latency: '400ms', limit: 5000 });
  // @ts-expect-error: tbf needs a rate
  ok.push({ link: 'eth0', kind: 'tbf', burst: '32kbit', latency: '400ms' });
  // @ts-expect-error: a peak rate goes with an mtu
  ok.push({ link: 'eth0', kind: 'tbf', rate: '1mbit', burst: '32kbit', latency: '400ms', peakrate: '2mbit' });
  // @ts-expect-error: an htb qdisc has no rate (its classes do)
  ok.push({ link: 'eth0', kind: 'htb', rate: '1mbit' });
  // @ts-expect-error: ingress has no options
  ok.push({ link: 'eth0', kind: 'ingress', limit: 5 });
  // @ts-expect-error: a kind nlkit does not send
  ok.push({ link: 'eth0', kind: 'sfq' });
  t.equal(ok.length, 10);
});

t.test('every bad input is refused before anything is sent, naming the field', async (t) => {
  const base = { link: 'v0', kind: 'tbf', rate: '1mbit', burst: '32kbit', latency: '400ms' };
  const bad: Array<[unknown, string, RegExp?]> = [
    [{ ...base, handle: '1' }, 'handle', /tc handle like '1:'/],
    [{ ...base, handle: '10000:' }, 'handle'],
    [{ ...base, handle: 'x:' }, 'handle'],
    [{ ...base, handle: '1:10' }, 'handle', /major only/],
    [{ ...base, handle: -1 }, 'handle'],
    [{ ...base, parent: 'egress' }, 'parent'],
    [{ ...base, parent: 'ingress' }, 'parent', /ingress and clsact qdiscs sit/],
    [{ ...base, parent: 0 }, 'parent', /no parent/],
    [{ ...base, kind: 'sfq' }, 'kind', /unknown qdisc kind 'sfq': nlkit sends tbf, htb/],
    [{ link: 'v0' }, 'kind', /needs a kind/],
    [{ ...base, kind: 7 }, 'kind'],
    [{ ...base, link: undefined }, 'link', /needs a link/],
    [{ ...base, link: 'a/b' }, 'link'],
    [{ ...base, rate: undefined }, 'rate', /needs a rate/],
    [{ ...base, burst: undefined }, 'burst', /needs a burst/],
    [{ ...base, buffer: 1000 }, 'buffer', /burst \(bytes\) or buffer \(ticks\), not both/],
    [{ ...base, burst: undefined, buffer: 0 }, 'buffer', /ticks from 1/],
    [{ ...base, burst: undefined, buffer: 2 ** 32 }, 'buffer', /ticks from 1/],
    [{ ...base, burst: undefined, buffer: 1.5 }, 'buffer'],
    [{ ...base, burst: undefined, buffer: '1000' }, 'buffer'],
    [{ ...base, rate: 0 }, 'rate', /above 0/],
    [{ ...base, rate: '7bit' }, 'rate', /above 0 \('7bit' is less than one byte per second, which tc truncates to 0 as nlkit does\)/],
    [{ ...base, burst: 0 }, 'burst', /above 0/],
    [{ ...base, limit: 3000 }, 'latency', /not both/],
    [{ ...base, latency: undefined }, 'limit', /a limit .* or a latency/],
    [{ ...base, latency: 0 }, 'latency'],
    [{ ...base, rate: -1 }, 'rate'],
    [{ ...base, rate: Infinity }, 'rate'],
    [{ ...base, rate: NaN }, 'rate'],
    [{ ...base, rate: 1.5 }, 'rate'],
    [{ ...base, burst: -4096 }, 'burst'],
    [{ ...base, latency: -1 }, 'latency'],
    [{ ...base, rate: '1 mbit' }, 'rate', /no space/],
    [{ ...base, latency: '5parsecs' }, 'latency', /unknown time unit/],
    [{ ...base, burst: '1kib' }, 'burst', /unknown size unit/],
    [{ ...base, peakrate: '2mbit' }, 'mtu', /needs mtu/],
    [{ ...base, peakrate: '1mbit', mtu: 1600 }, 'peakrate', /must be above the rate/],
    [{ ...base, mtu: 1600 }, 'mtu', /goes with peakrate/],
    [{ ...base, mpu: 70000 }, 'mpu', /65535/],
    [{ ...base, overhead: 70000 }, 'overhead'],
    [{ ...base, linklayer: 'dsl' }, 'linklayer'],
    [{ ...base, rate: 1, burst: '4gb' }, 'burst'],
    [{ ...base, rate: 1, burst: 5000 }, 'burst', /32-bit tick count/],
    [{ ...base, rtae: '1mbit' }, 'rtae', /unknown option 'rtae'/],
    [{ link: 'v0', kind: 'htb', default: '1:10' }, 'default'],
    [{ link: 'v0', kind: 'htb', r2q: 0 }, 'r2q'],
    [{ link: 'v0', kind: 'htb', rate: '1mbit' }, 'rate', /unknown option/],
    [{ link: 'v0', kind: 'pfifo', limit: '10kb' }, 'limit'],
    [{ link: 'v0', kind: 'bfifo', limit: '10 kb' }, 'limit'],
    [{ link: 'v0', kind: 'ingress', parent: 'root' }, 'parent', /leave parent out/],
    [{ link: 'v0', kind: 'clsact', handle: '1:' }, 'handle', /ffff:/],
    [{ link: 'v0', kind: 'fq_codel', target: 0 }, 'target'],
    [{ link: 'v0', kind: 'fq_codel', ecn: 1 }, 'ecn'],
    [{ link: 'v0', kind: 'fq_codel', ceThreshold: 0xffffffff }, 'ceThreshold'],
    [null, 'spec'],
    ['tbf', 'spec'],
  ];
  for (const [spec, arg, re] of bad) {
    for (const verb of ['add', 'replace', 'change'] as const) {
      const r = await recordedRequests((core) => QdiscApi.of(core), (api) => api[verb](spec as QdiscSpec));
      const e = r.error;
      t.ok(e instanceof InvalidArgumentError && e.argument === arg, `${verb} ${JSON.stringify(spec)}: refused naming ${arg} (${String(e)})`);
      if (re && verb === 'add') t.match((e as Error).message, re);
      t.equal(r.bytes.length, 0, 'nothing sent');
    }
  }
  for (const [spec, arg] of [
    [{ link: 'v0', handle: '1' }, 'handle'], [{ link: 'v0', kind: '' }, 'kind'], [{ link: 'v0', kind: 'x'.repeat(16) }, 'kind'],
    [{ link: 'v0', parent: 'egress' }, 'parent'], [{ kind: 'ingress' }, 'link'], [{ link: 'v0', kind: 'tbf', rat: 1 }, 'rat'],
    [{ link: 'v0', kind: 'sfq', limit: 5 }, 'limit'],
  ] as const) {
    const r = await recordedRequests((core) => QdiscApi.of(core), (api) => api.del(spec as never));
    t.ok(r.error instanceof InvalidArgumentError && r.error.argument === arg, `del ${JSON.stringify(spec)}: refused naming ${arg} (${String(r.error)})`);
    t.equal(r.bytes.length, 0, 'nothing sent');
  }
  for (const [filter, arg] of [[null, 'filter'], [{ kind: 5 }, 'filter.kind'], [{ parent: '1' }, 'filter.parent'], [{ handle: 'x:' }, 'filter.handle'], [{ lnk: 'v0' }, 'filter.lnk'], [{ link: '' }, 'filter.link']] as const) {
    const r = await recordedRequests((core) => QdiscApi.of(core), (api) => api.list(filter as never));
    t.ok(r.error instanceof InvalidArgumentError && r.error.argument === arg, `list ${JSON.stringify(filter)}: refused naming ${arg} (${String(r.error)})`);
    t.equal(r.bytes.length, 0, 'nothing sent');
  }
});

t.test('against the kernel: refused specs make nothing', privileged, async (t) => {
  const { ns, rt } = setup(t);
  for (const spec of [
    { link: 'a0', kind: 'tbf', rate: '1mbit', burst: '32kbit', latency: '400ms', limit: 5000 },
    { link: 'a0', kind: 'tbf', rate: '1 mbit', burst: '32kbit', latency: '400ms' },
    { link: 'a0', kind: 'tbf', handle: '10000:', rate: '1mbit', burst: '32kbit', latency: '400ms' },
    { link: 'a0', kind: 'nosuch' },
    { link: 'a0', kind: 'tbf', burst: '32kbit', latency: '400ms' },
  ]) {
    await t.rejects(rt.qdisc.add(spec as never), InvalidArgumentError);
  }
  t.same(tcJson(ns.path, 'a0'), [], 'no qdisc on a0');
});

t.test('undefined options are options not given: the same bytes', async (t) => {
  const specs: QdiscSpec[] = [
    { link: 'v0', kind: 'tbf', rate: '1mbit', burst: '32kbit', latency: '400ms' },
    { link: 'v0', kind: 'htb', handle: '1:' },
    { link: 'v0', kind: 'pfifo' },
    { link: 'v0', kind: 'bfifo', limit: 5 },
    { link: 'v0', kind: 'ingress' },
    { link: 'v0', kind: 'fq_codel' },
  ];
  for (const spec of specs) {
    const probe = await recordedRequests((core) => QdiscApi.of(core), (api) => api.add({ ...spec, notAnOption: 1 } as never));
    const known = /\(known: ([^)]*)\)/.exec(String(probe.error))?.[1]?.split(', ') ?? [];
    t.ok(known.length >= 4, `${spec.kind}: the keys it knows: ${known.join(', ')}`);
    const filled: Record<string, unknown> = { ...spec };
    for (const k of known) if (!(k in filled)) filled[k] = undefined;
    const plain = await recordedRequests((core) => QdiscApi.of(core), (api) => api.add(spec));
    const undef = await recordedRequests((core) => QdiscApi.of(core), (api) => api.add(filled as never));
    t.equal(plain.error, undefined);
    t.same(undef.bytes.map((b) => b.toString('hex')), plain.bytes.map((b) => b.toString('hex')), `${spec.kind}: same bytes with every other key undefined`);
    const d1 = await recordedRequests((core) => QdiscApi.of(core), (api) => api.del(filled as never));
    const d2 = await recordedRequests((core) => QdiscApi.of(core), (api) => api.del(spec));
    t.equal(d2.bytes.length, 1, `${spec.kind}: del sends`);
    t.same(d1.bytes.map((b) => b.toString('hex')), d2.bytes.map((b) => b.toString('hex')), `${spec.kind}: del the same`);
  }
  const f1 = await recordedRequests((core) => QdiscApi.of(core), (api) => api.list({ link: undefined, kind: undefined, parent: undefined, handle: undefined }));
  const f2 = await recordedRequests((core) => QdiscApi.of(core), (api) => api.list());
  t.same(f1.bytes, f2.bytes, 'list with undefined filters');
});

/** The tag of a declared property type, as test/rtnl/decoded-keys.test.ts tags them. */
type Tag<T> = [T] extends [number] ? 'number' : [T] extends [string] ? 'string' : [T] extends [boolean] ? 'boolean' : [T] extends [Buffer] ? 'Buffer' : 'other';
type Keys<T> = { readonly [K in keyof Required<T>]: Tag<Exclude<Required<T>[K], undefined>> };
type NoIndex<T> = string extends keyof T ? false : true;
const QDISC_KEYS: Keys<Qdisc> = {
  index: 'number', kind: 'string', handle: 'string', parent: 'string', rawHandle: 'number', rawParent: 'number', refcnt: 'number',
  options: 'other', stats: 'other', xstats: 'Buffer', chain: 'number', hwOffload: 'boolean', ingressBlock: 'number', egressBlock: 'number', unknown: 'other',
};

t.test('decoding: every key is declared (no index signature), attributes nlkit does not know are kept raw, unknown kinds keep their options raw', async (t) => {
  const noIndex: NoIndex<Qdisc> = true;
  t.equal(noIndex, true);
  const w = new MessageWriter();
  w.begin(C.RTM_NEWQDISC, 0, 1);
  const o = w.reserve(C.SIZEOF_TCMSG);
  w.view.setInt32(o + 4, 7, true);
  w.view.setUint32(o + 8, 0x10000, true);
  w.view.setUint32(o + 12, C.TC_H_ROOT, true);
  w.view.setUint32(o + 16, 2, true);
  w.putStrz(C.TCA_KIND, 'sfq');
  w.putBytes(C.TCA_OPTIONS, Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]));
  w.putU32(C.TCA_CHAIN, 3);
  w.putU8(C.TCA_HW_OFFLOAD, 1);
  w.putU32(C.TCA_INGRESS_BLOCK, 5);
  w.putU32(C.TCA_EGRESS_BLOCK, 6);
  w.putBytes(C.TCA_XSTATS, Buffer.from([9, 9]));
  w.putBytes(99, Buffer.from([1]));
  const b = Buffer.from(w.finish());
  w.release();
  const q = decodeQdisc(b, new DataView(b.buffer, b.byteOffset, b.length), 0, b.length);
  t.same(q.options, { kind: 'other', raw: Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]) }, "an unknown kind's options, raw");
  t.same([q.index, q.kind, q.handle, q.parent, q.refcnt, q.chain, q.hwOffload, q.ingressBlock, q.egressBlock], [7, 'sfq', '1:', 'root', 2, 3, true, 5, 6]);
  t.same(q.unknown, [{ type: 99, value: Buffer.from([1]) }], 'an unknown attribute, raw');
  t.same(q.xstats, Buffer.from([9, 9]));
  t.same(Object.keys(q).filter((k) => !(k in QDISC_KEYS)), [], 'every key it sets is declared');
  for (const [k, tag] of Object.entries(QDISC_KEYS)) {
    const v = (q as unknown as Record<string, unknown>)[k];
    if (tag !== 'other') t.equal(Buffer.isBuffer(v) ? 'Buffer' : typeof v, tag, `${k}: ${tag}`);
  }
});
