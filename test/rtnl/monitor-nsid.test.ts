// The 'nsid' monitor group (`ip monitor nsid`): RTM_NEWNSID / RTM_DELNSID on RTNLGRP_NSID,
// a peer netns given an id in the monitor's netns (by `ip netns set NAME ID`, or
// automatically when a veth end is moved there) and the id going away with the peer
// netns; each compared with the lines `ip monitor nsid` prints beside it for the same
// actions, and with getNsid / `ip netns list-id`. The decoder byte by byte; the group's
// type-level narrowing; listExisting (the RTM_GETNSID dump, as `ip netns list-id`).
import t from 'tap';
import { spawn } from 'node:child_process';
import type { Rtnl } from '../../src/rtnl/handle.js';
import type { MonitorEvent, MonitorEventOf, MonitorKindOf, MonitorSyncEvent, Nsid } from '../../src/rtnl/index.js';
import { MONITOR_GROUPS, monitorGroups } from '../../src/rtnl/monitor.js';
import { decodeNsid, getNsid, setNsid } from '../../src/rtnl/nsid.js';
import * as C from '../../src/rtnl/constants.js';
import { DecodeError } from '../../src/netlink/errors.js';
import { Netns } from '../../src/ns/index.js';
import { freshHandle, ip, ipJson, monitorPrints, netlinkGroupsJoined, nla, privileged, until } from '../helpers.js';
import { uniqueName } from '../ns/util.js';

/** An event as `ip monitor nsid` prints its line, without the "(iproute2 netns name: N)" it adds from /run/netns. */
function asIpLine(ev: MonitorSyncEvent): string {
  if (ev.type === 'overrun' || ev.type === 'synced') return ev.type;
  if (ev.kind !== 'nsid') return `${ev.type} ${ev.kind}`;
  return `${ev.type === 'del' ? 'Deleted ' : ''}nsid ${ev.object.nsid}`;
}

const s32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32LE(n);
  return b;
};

/** A whole RTM_NEWNSID (or `type`) message: nlmsghdr, rtgenmsg (AF_UNSPEC, padded to 4), attributes. */
function message(type: number, ...attrs: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.alloc(4), ...attrs]);
  const h = Buffer.alloc(16);
  h.writeUInt32LE(16 + body.length, 0);
  h.writeUInt16LE(type, 4);
  return Buffer.concat([h, body]);
}

const decode = (b: Buffer): Nsid => decodeNsid(b, new DataView(b.buffer, b.byteOffset, b.length), 0, b.length);

t.test("'nsid' joins RTNLGRP_NSID and yields kind 'nsid', typed by the group", async (t) => {
  t.same(MONITOR_GROUPS.nsid, [C.RTNLGRP_NSID]);
  t.equal(C.RTNLGRP_NSID, 28);
  t.same(monitorGroups(['nsid', 'link']).sort((a, b) => a - b), [C.RTNLGRP_LINK, C.RTNLGRP_NSID]);
  // Type level (checked when the tests compile): a monitor of 'nsid' yields Nsid objects without a test of kind.
  const objectOf = (ev: MonitorEventOf<{}, MonitorKindOf<'nsid'>>): Nsid | undefined => (ev.type === 'overrun' ? undefined : ev.object);
  const typed = async (rt: Rtnl): Promise<number | undefined> => {
    for await (const ev of rt.monitor(['nsid'])) {
      if (ev.type === 'overrun') continue;
      const id: number = ev.object.nsid; // no narrowing on ev.kind needed
      return id;
    }
    return undefined;
  };
  // A switch over every kind of the whole union reaches 'nsid' with an Nsid.
  const any = (ev: MonitorEvent): number | undefined => (ev.type !== 'overrun' && ev.kind === 'nsid' ? ev.object.nsid : undefined);
  t.equal(typeof objectOf, 'function');
  t.equal(typeof typed, 'function');
  t.equal(typeof any, 'function');
});

t.test('decodeNsid: NETNSA_NSID, NETNSA_CURRENT_NSID when sent, other attributes raw; malformed messages refused', async (t) => {
  t.strictSame(decode(message(C.RTM_NEWNSID, nla(C.NETNSA_NSID, s32(5)))), { nsid: 5 });
  t.strictSame(decode(message(C.RTM_DELNSID, nla(C.NETNSA_NSID, s32(0)))), { nsid: 0 });
  t.strictSame(decode(message(C.RTM_NEWNSID, nla(C.NETNSA_NSID, s32(3)), nla(C.NETNSA_CURRENT_NSID, s32(-1)))), { nsid: 3, currentNsid: -1 });
  t.strictSame(decode(message(C.RTM_NEWNSID, nla(C.NETNSA_NSID, s32(3)), nla(C.NETNSA_CURRENT_NSID, s32(8)))), { nsid: 3, currentNsid: 8 });
  const withOther = decode(message(C.RTM_NEWNSID, nla(C.NETNSA_NSID, s32(2)), nla(C.NETNSA_PID, s32(1)), nla(9, [1, 2, 3, 4])));
  t.equal(withOther.nsid, 2);
  t.same(withOther.unknown?.map((a) => a.type), [C.NETNSA_PID, 9], 'kept raw');
  t.throws(() => decode(message(C.RTM_NEWNSID)), DecodeError, 'no NETNSA_NSID (ip: "BUG: NETNSA_NSID is missing")');
  t.throws(() => decode(message(C.RTM_NEWNSID, nla(C.NETNSA_NSID, [1, 0]))), DecodeError, 'NETNSA_NSID shorter than an s32');
  const short = message(C.RTM_NEWNSID).subarray(0, 18);
  short.writeUInt32LE(18, 0);
  t.throws(() => decode(short), DecodeError, 'shorter than rtgenmsg');
  const truncated = message(C.RTM_NEWNSID, nla(C.NETNSA_NSID, s32(1)));
  truncated.writeUInt16LE(12, 20); // the attribute claims more than the message has
  t.throws(() => decode(truncated), DecodeError);
});

t.test('ip netns set, an id assigned by moving a veth end, and the peers going away: events as ip monitor nsid prints them', privileged, async (t) => {
  const { ns, rt } = freshHandle(t);
  ip(ns.path, ['link', 'set', 'lo', 'up']);
  const bName = uniqueName('nsidb');
  const cName = uniqueName('nsidc');
  let b: Netns | undefined = Netns.newNamed(bName);
  let c: Netns | undefined = Netns.newNamed(cName);
  const pokes: Netns[] = [];
  t.teardown(() => {
    for (const n of [b, c, ...pokes]) n?.close();
    for (const n of [bName, cName]) Netns.deleteNamed(n);
  });
  const child = spawn('nsenter', [`--net=${ns.path}`, 'ip', 'monitor', 'nsid'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  t.teardown(() => void child.kill());
  await netlinkGroupsJoined(child.pid!, 1 << (C.RTNLGRP_NSID - 1)); // events before it would be missing from ip's lines
  // A poke ip prints: a peer given an id (kept open until the monitors are closed, so its del comes to neither).
  await monitorPrints(() => out, () => (out = ''), () => {
    const p = Netns.new();
    pokes.push(p);
    void setNsid(rt.sock, p, 'auto');
  }, /nsid \d+/);
  const m = rt.monitor(['nsid']);
  t.teardown(() => m.close());

  // ip netns set NAME ID: a 'new' of that id.
  ip(ns.path, ['netns', 'set', bName, '1000']);
  const set = await until(m, (ev) => ev.type === 'new', asIpLine);
  t.strictSame(set, [{ type: 'new', kind: 'nsid', object: { nsid: 1000 } }], 'ip netns set NAME 1000');
  t.equal(await getNsid(rt.sock, b), 1000, 'getNsid agrees');

  // A veth end moved into C: the kernel gives C an id in the monitor's netns (the link's link-netnsid).
  ip(ns.path, ['link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb']);
  ip(ns.path, ['link', 'set', 'vb', 'netns', cName]);
  const moved = await until(m, (ev) => ev.type === 'new', asIpLine);
  t.equal(moved.length, 1);
  const autoId = await getNsid(rt.sock, c);
  t.ok(autoId !== undefined, 'C was given an id');
  t.strictSame(moved[0], { type: 'new', kind: 'nsid', object: { nsid: autoId } }, 'the auto-assigned id');
  const va = ipJson(ns.path, ['link', 'show', 'va'])[0];
  t.equal(va.link_netnsid, autoId, "va's link-netnsid is that id");
  const listed = ipJson<{ nsid: number }[]>(ns.path, ['netns', 'list-id']).map((x) => x.nsid).sort((x, y) => x - y);
  t.ok(listed.includes(1000) && listed.includes(autoId!), `ip netns list-id shows both (${listed.join(' ')})`);

  // The peers go away (their names removed, every fd closed): a 'del' of each id, when the kernel destroys the netns.
  Netns.deleteNamed(bName);
  b!.close();
  b = undefined;
  const bGone = await until(m, (ev) => ev.type === 'del', asIpLine, 10_000);
  t.strictSame(bGone, [{ type: 'del', kind: 'nsid', object: { nsid: 1000 } }], 'B destroyed');
  Netns.deleteNamed(cName);
  c!.close();
  c = undefined;
  const cGone = await until(m, (ev) => ev.type === 'del', asIpLine, 10_000);
  t.strictSame(cGone, [{ type: 'del', kind: 'nsid', object: { nsid: autoId } }], 'C destroyed (its veth end with it)');

  const lines = [...set, ...moved, ...bGone, ...cGone].map(asIpLine);
  for (let i = 0; i < 300 && out.split('\n').filter((l) => l !== '').length < lines.length; i++) await new Promise((r) => setTimeout(r, 10));
  const ipLines = out.split('\n').filter((l) => l !== '').map((l) => l.replace(/\s*\(iproute2 netns name: [^)]*\)\s*$/, '').trim());
  t.same(ipLines, lines, `ip monitor nsid printed the same:\n${out}`);
});

t.test('listExisting lists the ids ip netns list-id shows, then synced; a monitor without nsid sees none of it', privileged, async (t) => {
  const { ns, rt } = freshHandle(t);
  const peers = [Netns.new(), Netns.new(), Netns.new()];
  t.teardown(() => peers.forEach((p) => p.close()));
  await setNsid(rt.sock, peers[0]!, 7);
  await setNsid(rt.sock, peers[1]!, 'auto');
  const links = rt.monitor(['link']);
  t.teardown(() => links.close());
  const m = rt.monitor(['nsid'], { listExisting: true });
  t.teardown(() => m.close());
  const got = await until(m, (ev) => ev.type === 'synced', asIpLine);
  const existing = got.slice(0, -1).map((ev) => (ev.type === 'new' && ev.existing ? ev.object.nsid : asIpLine(ev))).sort();
  const want = ipJson<{ nsid: number }[]>(ns.path, ['netns', 'list-id']).map((x) => x.nsid).sort();
  t.same(existing, want, 'the listing is ip netns list-id');
  t.equal(want.length, 2);
  await setNsid(rt.sock, peers[2]!, 12);
  t.strictSame(await until(m, (ev) => ev.type === 'new', asIpLine), [{ type: 'new', kind: 'nsid', object: { nsid: 12 } }]);
  // The link monitor got nothing of it: a poll of its queue after a link change shows the link first.
  ip(ns.path, ['link', 'set', 'lo', 'up']);
  const l = await until(links, (ev) => ev.type === 'new', (ev) => (ev.type === 'overrun' ? 'overrun' : ev.kind));
  t.equal(l[0]!.type !== 'overrun' && l[0]!.kind, 'link');
  t.equal(links.stats.undecoded + links.stats.ignored, 0, 'nothing of the nsid group reached it');
});
