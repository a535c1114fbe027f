// rt.monitor(['fdb']): the bridge's and vxlan's forwarding entries (RTM_NEWNEIGH /
// RTM_DELNEIGH of family AF_BRIDGE on the neighbour group) as kind 'fdb', decoded as
// rt.fdb.list returns them, while a 'neigh' monitor still skips them. Byte-level cases
// over a scripted socket (which entry each family takes), then a real kernel in a fresh
// netns (a bridge with a veth port, a vxlan), cross-checked with rt.fdb.list and
// `bridge -j fdb show`.
import t from 'tap';
import { Rtnl } from '../../src/rtnl/handle.js';
import { Monitor, registerEventDecoder, type MonitorChange, type MonitorSyncEvent, type RawEventObject } from '../../src/rtnl/monitor.js';
import { decodeFdb, type FdbEntry } from '../../src/rtnl/fdb/decode.js';
import { decodeNeigh } from '../../src/rtnl/neigh/decode.js';
import { AF_BRIDGE, AF_INET } from '../../src/rtnl/ip.js';
import {
  NDA_DST, NDA_LLADDR, NDA_MASTER, NTF_MASTER, NTF_SELF, NUD_NOARP, NUD_PERMANENT, NUD_REACHABLE, RTM_DELNEIGH, RTM_NEWLINK, RTM_NEWNEIGH,
} from '../../src/rtnl/constants.js';
import { InvalidArgumentError } from '../../src/netlink/errors.js';
import { inNs, ip, ipJson, privileged, rawNetns, until as untilEvent } from '../helpers.js';
import { scriptedMonitor, take } from './scripted-monitor.js';

// ---------------------------------------------------------------------------------
// Byte level: a scripted socket hands the monitor the messages given, one a datagram.

/** One rtnetlink neighbour message: nlmsghdr, ndmsg, then (type, payload) attributes. */
function ndMessage(type: number, family: number, ifindex: number, state: number, flags: number, attrs: [number, Uint8Array][]): Buffer {
  const attrLen = attrs.reduce((n, [, p]) => n + ((4 + p.length + 3) & ~3), 0);
  const b = Buffer.alloc(16 + 12 + attrLen);
  b.writeUInt32LE(b.length, 0); // nlmsg_len
  b.writeUInt16LE(type, 4); // nlmsg_type
  b[16] = family; // ndm_family
  b.writeInt32LE(ifindex, 20); // ndm_ifindex
  b.writeUInt16LE(state, 24); // ndm_state
  b[26] = flags; // ndm_flags
  let o = 28;
  for (const [at, p] of attrs) {
    b.writeUInt16LE(4 + p.length, o); // nla_len
    b.writeUInt16LE(at, o + 2); // nla_type
    b.set(p, o + 4);
    o += (4 + p.length + 3) & ~3;
  }
  return b;
}

const u32 = (v: number): Uint8Array => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return b;
};

/** A bridge port's static entry: 02:00:00:00:00:01 on ifindex 5, bridge ifindex 3. */
const FDB_NEW = ndMessage(RTM_NEWNEIGH, AF_BRIDGE, 5, NUD_NOARP | NUD_REACHABLE, NTF_MASTER, [
  [NDA_LLADDR, Uint8Array.of(2, 0, 0, 0, 0, 1)], [NDA_MASTER, u32(3)],
]);
/** Its deletion. */
const FDB_DEL = ndMessage(RTM_DELNEIGH, AF_BRIDGE, 5, NUD_NOARP | NUD_REACHABLE, NTF_MASTER, [
  [NDA_LLADDR, Uint8Array.of(2, 0, 0, 0, 0, 1)], [NDA_MASTER, u32(3)],
]);
/** A vxlan remote on ifindex 7 (the device's own: NTF_SELF). */
const FDB_VXLAN = ndMessage(RTM_NEWNEIGH, AF_BRIDGE, 7, NUD_NOARP | NUD_PERMANENT, NTF_SELF, [
  [NDA_LLADDR, Uint8Array.of(0, 0, 0, 0, 0, 0)], [NDA_DST, Uint8Array.of(10, 0, 0, 2)],
]);
/** An ARP entry: 10.9.0.5 on ifindex 5. */
const ARP_NEW = ndMessage(RTM_NEWNEIGH, AF_INET, 5, NUD_PERMANENT, 0, [
  [NDA_DST, Uint8Array.of(10, 9, 0, 5)], [NDA_LLADDR, Uint8Array.of(2, 0, 0, 0, 0, 5)],
]);

const decoded = (b: Buffer, decode: typeof decodeFdb | typeof decodeNeigh): object =>
  decode(b, new DataView(b.buffer, b.byteOffset, b.length), 0, b.length)!;

const scripted = scriptedMonitor;

t.test("bytes: an AF_BRIDGE RTM_NEWNEIGH on a 'neigh' monitor is still skipped (undecoded); the ARP entry is delivered", async (t) => {
  for (const kinds of [['neigh'], undefined] as const) {
    const { m, feed } = scripted(t, kinds);
    feed([FDB_NEW, ARP_NEW, FDB_DEL, FDB_VXLAN]);
    t.equal(m.stats.events, 4, `${String(kinds)}: four messages of registered types read`);
    t.equal(m.queued, 4, `${String(kinds)}: all kept as bytes, as before (decoded when the consumer takes them)`);
    const [ev] = await take(m, 1);
    t.same(ev, { type: 'new', kind: 'neigh', object: decoded(ARP_NEW, decodeNeigh) }, `${String(kinds)}: the ARP entry, as decodeNeigh gives it`);
    t.equal(m.stats.undecoded, 1, `${String(kinds)}: the fdb entry before it was declined`);
    // The two queued fdb messages are declined too; then, with the consumer waiting (decoded
    // straight from the receive buffer), the fdb entry is declined and the ARP entry delivered.
    const waiting = m.next();
    feed([FDB_NEW, ARP_NEW]);
    const r = await waiting;
    t.same(!r.done && r.value, { type: 'new', kind: 'neigh', object: decoded(ARP_NEW, decodeNeigh) }, `${String(kinds)}: the waiting consumer gets the ARP entry, not an fdb one`);
    t.equal(m.stats.undecoded, 4, `${String(kinds)}: every AF_BRIDGE message declined`);
    t.equal(m.queued, 0);
  }
});

t.test("bytes: on 'fdb' the AF_BRIDGE messages are fdb entries as decodeFdb gives them; ARP/NDP entries are skipped", async (t) => {
  const { m, feed } = scripted(t, ['fdb']);
  feed([FDB_NEW, ARP_NEW, FDB_VXLAN, FDB_DEL]);
  t.equal(m.stats.undecoded, 1, 'the ARP entry skipped');
  const got = await take(m, 3);
  t.same(got, [
    { type: 'new', kind: 'fdb', object: decoded(FDB_NEW, decodeFdb) },
    { type: 'new', kind: 'fdb', object: decoded(FDB_VXLAN, decodeFdb) },
    { type: 'del', kind: 'fdb', object: decoded(FDB_DEL, decodeFdb) },
  ], 'new, vxlan remote, del — in order');
  const first = got[0]!;
  if (first.kind === 'fdb') {
    // The type narrows: object is an FdbEntry.
    const e: FdbEntry = first.object;
    t.same([e.mac, e.link, e.master, e.state, e.flags], ['02:00:00:00:00:01', 5, 3, 'static', ['master']]);
  }
  t.same((got[1]!.object as FdbEntry).dst, '10.0.0.2');
});

t.test("bytes: 'neigh' and 'fdb' together: each family its own kind, in arrival order", async (t) => {
  const { m, feed } = scripted(t, ['neigh', 'fdb']);
  feed([FDB_NEW, ARP_NEW, FDB_DEL]);
  const got = await take(m, 3);
  t.same(got.map((ev) => `${ev.type} ${ev.kind}`), ['new fdb', 'new neigh', 'del fdb']);
  t.same(got[1]!.object, decoded(ARP_NEW, decodeNeigh));
  t.equal(m.stats.undecoded, 0, 'nothing skipped');
  // A neighbour message too short for a family goes to the fdb decoder, which refuses it.
  const short = Buffer.alloc(16);
  short.writeUInt32LE(16, 0);
  short.writeUInt16LE(RTM_NEWNEIGH, 4);
  feed([short]);
  await t.rejects(m.next(), /shorter than ndmsg/, 'a short message is a decode error, as on a neigh monitor');
});

t.test("registerEventDecoder: 'fdb' is the neighbour types' AF_BRIDGE decoder, replaced on its own", async (t) => {
  t.throws(() => registerEventDecoder(RTM_NEWLINK, 'fdb', decodeFdb), InvalidArgumentError, "'fdb' only for RTM_NEWNEIGH / RTM_DELNEIGH");
  t.teardown(() => {
    registerEventDecoder(RTM_NEWNEIGH, 'fdb', decodeFdb);
    registerEventDecoder(RTM_NEWNEIGH, 'neigh', decodeNeigh);
  });
  t.equal(registerEventDecoder(RTM_NEWNEIGH, 'fdb', undefined), decodeFdb, "returns the 'fdb' decoder it replaced");
  t.equal(registerEventDecoder(RTM_NEWNEIGH, 'neigh', decodeNeigh), decodeNeigh, "the 'neigh' decoder is still there");
  // Applies to monitors already open: AF_BRIDGE messages now come as raw copies, as 'fdb'.
  const both = scripted(t, ['neigh', 'fdb']);
  const neighOnly = scripted(t, ['neigh']);
  both.feed([FDB_NEW, ARP_NEW]);
  neighOnly.feed([FDB_NEW, ARP_NEW]);
  const [raw, arp] = await take(both.m, 2);
  t.equal(raw!.kind, 'fdb');
  t.same(Buffer.from((raw!.object as unknown as RawEventObject).raw), FDB_NEW, 'the raw copy of the message');
  t.equal(arp!.kind, 'neigh');
  const [only] = await take(neighOnly.m, 1);
  t.equal(only!.kind, 'neigh', "a 'neigh' monitor is unaffected: its decoder still declines AF_BRIDGE");
  t.equal(neighOnly.m.stats.undecoded, 1);
  // Replacing 'neigh' leaves 'fdb' alone (and reaches the split table).
  registerEventDecoder(RTM_NEWNEIGH, 'fdb', decodeFdb);
  t.equal(registerEventDecoder(RTM_NEWNEIGH, 'neigh', undefined), decodeNeigh);
  both.feed([ARP_NEW, FDB_NEW]);
  const [rawArp, fdb] = await take(both.m, 2);
  t.same([rawArp!.kind, 'raw' in rawArp!.object], ['neigh', true], "ARP entries take the new 'neigh' decoder");
  t.same(fdb, { type: 'new', kind: 'fdb', object: decoded(FDB_NEW, decodeFdb) }, "fdb entries still decodeFdb's");
});

// ---------------------------------------------------------------------------------
// A real kernel.

/** A short text for an event: order, type, the existing mark. */
function label(ev: MonitorSyncEvent): string {
  if (ev.type === 'overrun' || ev.type === 'synced') return ev.type;
  const x = ev.existing === true ? 'existing ' : '';
  if (ev.kind === 'fdb') return `${x}${ev.type} fdb ${ev.object.mac} ${ev.object.link}${ev.object.dst !== undefined ? ` dst ${ev.object.dst}` : ''}`;
  if (ev.kind === 'neigh') return `${x}${ev.type} neigh ${ev.object.dst}`;
  return `${x}${ev.type} ${ev.kind}`;
}

const until = (m: Monitor<MonitorSyncEvent>, done: (ev: MonitorSyncEvent) => boolean, ms = 5000): Promise<MonitorSyncEvent[]> => untilEvent(m, done, label, ms);

/** A fresh netns: bridge br0 with veth port v0 (peer v1), vxlan vx0; no IPv6 (its multicast joins would add entries meanwhile). */
function setup(t: { teardown(fn: () => void): void }): { ns: ReturnType<typeof rawNetns>; rt: Rtnl } {
  const ns = rawNetns();
  const rt = Rtnl.open({ netns: ns.fd });
  t.teardown(() => {
    rt.close();
    ns.close();
  });
  inNs(ns.path, 'sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  for (const c of [
    'link add br0 type bridge', 'link add v0 type veth peer name v1', 'link set v0 master br0',
    'link add vx0 type vxlan id 42 dstport 4789 local 10.0.0.1', 'link set br0 up', 'link set v0 up', 'link set v1 up',
  ]) ip(ns.path, c.split(' '));
  return { ns, rt };
}

/** An entry without its cache times (they tick between a notification and a dump). */
function timeless(e: FdbEntry): Omit<FdbEntry, 'cacheinfo'> {
  const { cacheinfo: _, ...rest } = e;
  return rest;
}

const entryKey = (e: FdbEntry): string => `${e.link} ${e.mac} ${e.dst ?? ''} ${e.vlan ?? ''}`;

/** `bridge -j fdb show`'s entries in nlkit's terms (mac, ifindex, state, flags, dst). */
function bridgeShow(nsPath: string): string[] {
  const ifindex = new Map<string, number>(ipJson(nsPath, ['link']).map((l: { ifname: string; ifindex: number }) => [l.ifname, l.ifindex]));
  const out = inNs(nsPath, 'bridge', ['-j', 'fdb', 'show']);
  return (out.trim() ? JSON.parse(out) : []).map((e: { mac: string; ifname: string; state: string; flags: string[]; dst?: string }) =>
    `${e.mac} ${ifindex.get(e.ifname)} ${e.state === '' ? 'reachable' : e.state} ${e.flags.join(',')} ${e.dst ?? ''}`).sort();
}

const showOf = (e: FdbEntry): string => `${e.mac} ${e.link} ${e.state} ${e.flags.join(',')} ${e.dst ?? ''}`;

t.test('live: fdb adds and dels (by rt.fdb and by bridge) arrive as fdb events equal to rt.fdb.list and bridge -j fdb show', privileged, async (t) => {
  const { ns, rt } = setup(t);
  const fdb = rt.monitor(['fdb']);
  const neigh = rt.monitor(['neigh']);
  const both = rt.monitor(['neigh', 'fdb']);
  t.teardown(() => {
    fdb.close();
    neigh.close();
    both.close();
  });
  const v0 = await rt.link.index('v0');
  const vx0 = await rt.link.index('vx0');
  await rt.fdb.add({ mac: '02:00:00:00:00:31', link: 'v0', master: true, state: 'static' });
  inNs(ns.path, 'bridge', ['fdb', 'add', '02:00:00:00:00:32', 'dev', 'v0', 'master', 'static', 'sticky']);
  await rt.fdb.add({ mac: '00:00:00:00:00:00', link: 'vx0', dst: '10.0.0.2' });
  ip(ns.path, ['neigh', 'add', '10.9.0.5', 'lladdr', '02:00:00:00:00:05', 'dev', 'v1', 'nud', 'permanent']);
  const listed = await rt.fdb.list();
  const shown = bridgeShow(ns.path);
  await rt.fdb.del({ mac: '02:00:00:00:00:31', link: 'v0', master: true });
  inNs(ns.path, 'bridge', ['fdb', 'del', '00:00:00:00:00:00', 'dev', 'vx0', 'dst', '10.0.0.2', 'self']);
  ip(ns.path, ['neigh', 'del', '10.9.0.5', 'dev', 'v1']);

  const got = await until(fdb, (ev) => ev.type === 'del' && ev.kind === 'fdb' && ev.object.link === vx0);
  const changes = got.filter((ev): ev is MonitorChange => ev.type === 'new' || ev.type === 'del');
  t.ok(changes.every((ev) => ev.kind === 'fdb'), `only fdb events on 'fdb': ${got.map(label).join(', ')}`);
  t.ok(fdb.stats.undecoded >= 1, `the ARP entry was skipped (${fdb.stats.undecoded})`);
  const mine = (mac: string, link: number, type: 'new' | 'del'): FdbEntry | undefined =>
    changes.find((ev) => ev.type === type && ev.kind === 'fdb' && ev.object.mac === mac && ev.object.link === link)?.object as FdbEntry | undefined;
  for (const [mac, link] of [['02:00:00:00:00:31', v0], ['02:00:00:00:00:32', v0], ['00:00:00:00:00:00', vx0]] as const) {
    const ev = mine(mac, link, 'new');
    const inList = listed.find((e) => e.mac === mac && e.link === link);
    t.ok(ev !== undefined && inList !== undefined, `new ${mac} on ${link}: an event and a listed entry`);
    if (ev === undefined || inList === undefined) continue;
    t.same(timeless(ev), timeless(inList), `new ${mac}: the event's entry equals rt.fdb.list's (${JSON.stringify(timeless(ev))})`);
    t.ok(shown.includes(showOf(ev)), `new ${mac}: as bridge -j fdb show prints it (${showOf(ev)})`);
  }
  t.same(mine('02:00:00:00:00:32', v0, 'new')?.flags, ['sticky'], "bridge's sticky entry");
  t.equal(mine('00:00:00:00:00:00', vx0, 'new')?.dst, '10.0.0.2', "the vxlan remote's dst");
  const del = mine('02:00:00:00:00:31', v0, 'del');
  t.same(del && timeless(del), timeless(listed.find((e) => e.mac === '02:00:00:00:00:31')!), 'the del carries the entry as it was');
  t.ok(mine('00:00:00:00:00:00', vx0, 'del'), "bridge fdb del's vxlan remote");
  t.notOk((await rt.fdb.list()).some((e) => e.mac === '02:00:00:00:00:31'), 'and it is gone');

  // The same changes on a 'neigh' monitor: the ARP entry, no fdb event; on both: each as its kind.
  const n = await until(neigh, (ev) => ev.type === 'del' && ev.kind === 'neigh' && ev.object.dst === '10.9.0.5');
  const arp = n.map(label).filter((l) => l.includes('10.9.0.5'));
  t.ok(arp[0] === 'new neigh 10.9.0.5' && arp[arp.length - 1] === 'del neigh 10.9.0.5', `'neigh' has the ARP entry's new, then its del: ${arp.join(', ')}`);
  t.ok(n.every((ev) => ev.type !== 'new' && ev.type !== 'del' ? true : ev.kind === 'neigh'), `'neigh' has no fdb event: ${n.map(label).join(', ')}`);
  t.ok(neigh.stats.undecoded >= 5, `'neigh' declined the fdb messages, as before (${neigh.stats.undecoded})`);
  const b = await until(both, (ev) => ev.type === 'del' && ev.kind === 'fdb' && ev.object.link === vx0);
  const bl = b.map(label);
  t.ok(bl.includes('new neigh 10.9.0.5') && bl.includes(`new fdb 02:00:00:00:00:31 ${v0}`) && bl.includes(`del fdb 00:00:00:00:00:00 ${vx0} dst 10.0.0.2`), `both kinds on ['neigh', 'fdb']: ${bl.join(', ')}`);
});

t.test('live: listExisting lists every fdb entry rt.fdb.list has, then synced, then the changes', privileged, async (t) => {
  const { ns, rt } = setup(t);
  await rt.fdb.add({ mac: '02:00:00:00:00:41', link: 'v0', master: true, state: 'static' });
  await rt.fdb.add({ mac: '02:00:00:00:00:42', link: 'br0', self: true });
  await rt.fdb.add({ mac: '00:00:00:00:00:00', link: 'vx0', dst: '10.0.0.3' });
  ip(ns.path, ['neigh', 'add', '10.9.0.6', 'lladdr', '02:00:00:00:00:06', 'dev', 'v1', 'nud', 'permanent']);
  const before = await rt.fdb.list();
  const m = rt.monitor(['fdb'], { listExisting: true });
  t.teardown(() => m.close());
  await rt.fdb.add({ mac: '02:00:00:00:00:43', link: 'v0', master: true, state: 'static' });
  const got = await until(m, (ev) => ev.type === 'new' && ev.kind === 'fdb' && ev.object.mac === '02:00:00:00:00:43');
  const s = got.findIndex((ev) => ev.type === 'synced');
  t.ok(s > 0, `synced after the listing: ${got.map(label).join(', ')}`);
  const listing = got.slice(0, s) as MonitorChange[];
  t.ok(listing.every((ev) => ev.type === 'new' && ev.existing === true && ev.kind === 'fdb'), 'every listed object is an existing fdb entry (no ARP entry: not asked for)');
  const byKey = (xs: FdbEntry[]) => xs.map(timeless).sort((a, b) => entryKey(a as FdbEntry).localeCompare(entryKey(b as FdbEntry)));
  t.same(byKey(listing.map((ev) => ev.object as FdbEntry)), byKey(before), `the listing equals rt.fdb.list (${before.length} entries)`);
  t.ok(before.some((e) => e.mac === '02:00:00:00:00:42') && before.some((e) => e.dst === '10.0.0.3'), "the bridge's own entry and the vxlan remote are among them");
  t.notOk('existing' in got[got.length - 1]!, 'the change after synced is a change');
  t.equal(m.stats.listings, 1);

  // neigh + fdb: the neighbour dump, then the fdb dump, each as its kind.
  const nb = rt.monitor(['neigh', 'fdb'], { listExisting: true });
  t.teardown(() => nb.close());
  const all = await until(nb, (ev) => ev.type === 'synced');
  const kinds = all.flatMap((ev) => (ev.type === 'new' ? [ev.kind] : []));
  t.ok(kinds.indexOf('neigh') >= 0 && kinds.lastIndexOf('neigh') < kinds.indexOf('fdb'), `neighbours first, then fdb entries: ${kinds.join(',')}`);
  t.equal(kinds.filter((k) => k === 'fdb').length, (await rt.fdb.list()).length, 'every fdb entry once (the neighbour dump has none)');
  t.ok(all.map(label).includes('existing new neigh 10.9.0.6'));
  // neigh alone lists no fdb entry, as before.
  const no = rt.monitor(['neigh'], { listExisting: true });
  t.teardown(() => no.close());
  const n = await until(no, (ev) => ev.type === 'synced');
  t.ok(n.every((ev) => ev.type === 'synced' || (ev.type === 'new' && ev.kind === 'neigh')), `'neigh' lists neighbours only: ${n.map(label).join(', ')}`);
});
