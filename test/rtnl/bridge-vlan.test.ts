// rt.vlan: bridge VLAN filtering. Requests byte for byte as `bridge vlan` (iproute2
// 6.1, read with strace) sends them; AF_BRIDGE link messages decoded as `bridge -j vlan
// show` prints them; bad input refused before anything is sent; on a real kernel in a
// fresh netns, the refusals (a link that is not a bridge port; a kernel built without
// CONFIG_BRIDGE_VLAN_FILTERING) and, where the kernel has VLAN filtering, adds by nlkit
// and by bridge compared with `bridge -j vlan show`, and del round trips.
import t from 'tap';
import { MessageWriter } from '../../src/netlink/index.js';
import { InvalidArgumentError, NetlinkError } from '../../src/netlink/errors.js';
import { LinkApi } from '../../src/rtnl/link/api.js';
import { VlanApi } from '../../src/rtnl/vlan/api.js';
import { decodeBridgeVlans, type BridgeVlans } from '../../src/rtnl/vlan/decode.js';
import * as C from '../../src/rtnl/constants.js';
import { recordedRequests } from './scripted-link-api.js';
import { inNs, ip, ipJson, privileged, freshHandle } from '../helpers.js';

const vlanApi = (core: never) => VlanApi.of(core, LinkApi.of(core));

/** Little-endian bytes of u16/u32 values: [value, size] pairs. */
function le(...parts: [number, 1 | 2 | 4][]): string {
  return Buffer.concat(parts.map(([v, n]) => {
    const b = Buffer.alloc(n);
    if (n === 1) b.writeUInt8(v); else if (n === 2) b.writeUInt16LE(v); else b.writeUInt32LE(v);
    return b;
  })).toString('hex');
}
/** nlmsghdr (seq 1, pid 0, as the recorder writes it) + ifinfomsg of family AF_BRIDGE. */
const head = (len: number, type: number, flags: number, index: number) =>
  le([len, 4], [type, 2], [flags, 2], [1, 4], [0, 4]) + le([7, 1], [0, 1], [0, 2], [index, 4], [0, 4], [0, 4]);
/** An attribute header. */
const nla = (len: number, type: number) => le([len, 2], [type, 2]);
/** struct bridge_vlan_info. */
const info = (flags: number, vid: number) => nla(8, 2) + le([flags, 2], [vid, 2]);

t.test('requests are the bytes bridge vlan sends', async (t) => {
  // bridge vlan add dev v0 vid 10 pvid untagged  (v0 is ifindex 7 for the recorder)
  let r = await recordedRequests(vlanApi, (a) => a.add('v0', { vid: 10, pvid: true, untagged: true }));
  t.same(r.bytes.map((b) => b.toString('hex')), [head(44, 19, 0x05, 7) + nla(12, 26) + info(0x6, 10)], 'add vid 10 pvid untagged: RTM_SETLINK, IFLA_AF_SPEC › IFLA_BRIDGE_VLAN_INFO');
  // bridge vlan add dev v0 vid 20-25 master
  r = await recordedRequests(vlanApi, (a) => a.add('v0', { vid: 20, vidEnd: 25 }, { master: true }));
  t.same(r.bytes.map((b) => b.toString('hex')), [head(60, 19, 0x05, 7) + nla(28, 26) + nla(6, 0) + le([1, 2], [0, 2]) + info(0x8, 20) + info(0x10, 25)], 'a range: BRIDGE_FLAGS_MASTER, RANGE_BEGIN 20, RANGE_END 25');
  // bridge vlan del dev br0 vid 30 self  (br0 by ifindex 9 here)
  r = await recordedRequests(vlanApi, (a) => a.del(9, 30, { self: true }));
  t.same(r.bytes.map((b) => b.toString('hex')), [head(52, 17, 0x05, 9) + nla(20, 26) + nla(6, 0) + le([2, 2], [0, 2]) + info(0, 30)], 'del: RTM_DELLINK with BRIDGE_FLAGS_SELF');
  // bridge vlan show: an AF_BRIDGE GETLINK dump with IFLA_EXT_MASK RTEXT_FILTER_BRVLAN
  r = await recordedRequests(vlanApi, (a) => a.list());
  t.same(r.bytes.map((b) => b.toString('hex')), [head(40, 18, 0x305, 0) + nla(8, 29) + le([C.RTEXT_FILTER_BRVLAN, 4])], 'list: RTEXT_FILTER_BRVLAN');
  r = await recordedRequests(vlanApi, (a) => a.list({ compressed: true }));
  t.same(r.bytes.map((b) => b.toString('hex')), [head(40, 18, 0x305, 0) + nla(8, 29) + le([C.RTEXT_FILTER_BRVLAN_COMPRESSED, 4])], 'compressed: RTEXT_FILTER_BRVLAN_COMPRESSED');
  // Several VLANs go in one message.
  r = await recordedRequests(vlanApi, (a) => a.add('v0', [5, { vid: 6, untagged: true }]));
  t.same(r.bytes.map((b) => b.toString('hex')), [head(52, 19, 0x05, 7) + nla(20, 26) + info(0, 5) + info(0x4, 6)]);
});

/** An AF_BRIDGE RTM_NEWLINK as br_fill_ifinfo writes it: ifinfomsg, IFLA_IFNAME, IFLA_MASTER, IFLA_AF_SPEC › VLAN_INFO… */
function bridgeMessage(index: number, name: string, master: number | undefined, vlans: [number, number][]): [Buffer, DataView] {
  const w = new MessageWriter();
  w.begin(C.RTM_NEWLINK, 0x2, 1);
  const o = w.reserve(C.SIZEOF_IFINFOMSG);
  w.view.setUint8(o, 7);
  w.view.setInt32(o + 4, index, true);
  w.putStrz(C.IFLA_IFNAME, name);
  if (master !== undefined) w.putU32(C.IFLA_MASTER, master);
  const s = w.nestStart(C.IFLA_AF_SPEC);
  for (const [flags, vid] of vlans) {
    const b = Buffer.alloc(4);
    b.writeUInt16LE(flags, 0);
    b.writeUInt16LE(vid, 2);
    w.putBytes(C.IFLA_BRIDGE_VLAN_INFO, b);
  }
  w.nestEnd(s);
  const buf = Buffer.from(w.finish());
  return [buf, new DataView(buf.buffer, buf.byteOffset, buf.byteLength)];
}

/** nlkit's entry as `bridge -j vlan show` prints it. */
const asBridge = (v: BridgeVlans) => ({ ifname: v.name, vlans: v.vlans.map((x) => ({ vlan: x.vid, ...(x.vidEnd !== undefined ? { vlanEnd: x.vidEnd } : {}), ...(x.flags.length ? { flags: x.flags } : {}) })) });

t.test('AF_BRIDGE link messages decode as bridge -j vlan show prints them', async (t) => {
  // Uncompressed: one IFLA_BRIDGE_VLAN_INFO per VLAN.
  let [b, v] = bridgeMessage(4, 'v0', 3, [[0x6, 10], [0, 20], [0, 21], [0x4, 30]]);
  let d = decodeBridgeVlans(b, v, 0, b.length)!;
  t.same(asBridge(d), { ifname: 'v0', vlans: [{ vlan: 10, flags: ['PVID', 'Egress Untagged'] }, { vlan: 20 }, { vlan: 21 }, { vlan: 30, flags: ['Egress Untagged'] }] });
  t.same([d.link, d.master, d.vlans[0]!.pvid, d.vlans[0]!.untagged, d.vlans[3]!.pvid], [4, 3, true, true, false]);
  // Compressed: a range is RANGE_BEGIN then RANGE_END, each with the range's flags.
  [b, v] = bridgeMessage(4, 'v0', 3, [[0x6, 10], [0x8, 20], [0x10, 25], [0x4 | 0x8, 30], [0x4 | 0x10, 39]]);
  d = decodeBridgeVlans(b, v, 0, b.length)!;
  t.same(asBridge(d), { ifname: 'v0', vlans: [{ vlan: 10, flags: ['PVID', 'Egress Untagged'] }, { vlan: 20, vlanEnd: 25 }, { vlan: 30, vlanEnd: 39, flags: ['Egress Untagged'] }] });
  t.equal(d.vlans[2]!.rawFlags, 0x4, 'the range bits are not flags of the VLAN');
  // The bridge itself (no master); a link without VLANs is left out, another family is not ours.
  [b, v] = bridgeMessage(3, 'br0', undefined, [[0x6, 1]]);
  t.same(decodeBridgeVlans(b, v, 0, b.length), { link: 3, name: 'br0', vlans: [{ vid: 1, pvid: true, untagged: true, flags: ['PVID', 'Egress Untagged'], rawFlags: 6 }] });
  [b, v] = bridgeMessage(5, 'v4', 3, []);
  t.equal(decodeBridgeVlans(b, v, 0, b.length), undefined);
  b[16] = 0;
  t.equal(decodeBridgeVlans(b, v, 0, b.length), undefined, 'AF_UNSPEC: a plain link message');
});

t.test('bad input is refused before anything is sent', async (t) => {
  const bad: [(a: VlanApi) => Promise<unknown>, RegExp][] = [
    [(a) => a.add('v0', 0), /vlans.*1\.\.4094, got 0/],
    [(a) => a.add('v0', 4095), /vlans.*1\.\.4094/],
    [(a) => a.add('v0', [10, 4096]), /vlans\[1\].*1\.\.4094/],
    [(a) => a.add('v0', { vid: 30, vidEnd: 20 }), /vlans\.vidEnd.*30-20 ends before it starts/],
    [(a) => a.add('v0', { vid: 20, vidEnd: 25, pvid: true }), /vlans\.pvid.*cannot be set for a range/],
    [(a) => a.add('v0', [{ vid: 20, pvid: true }, { vid: 21, pvid: true }]), /one PVID; 20 and 21/],
    [(a) => a.add('v0', { vid: 20, tagged: true } as never), /tagged/],
    [(a) => a.add('v0', { pvid: true } as never), /vlans\.vid.*needs its id/],
    [(a) => a.add('v0', []), /vlans.*no VLAN given/],
    // Before: 'expected an object, got '10'', as if a number were not taken.
    [(a) => a.add('v0', '10' as never), /vlans: expected a VLAN id \(1\.\.4094\) or an object \{ vid, vidEnd\?, pvid\?, untagged\? \}, got '10'/],
    [(a) => a.add('v0', [10, null] as never), /vlans\[1\]: expected a VLAN id \(1\.\.4094\) or an object .*got null/],
    [(a) => a.add('v0', 10, { slef: true } as never), /slef/],
    [(a) => a.add('v0', 10, { self: 1 } as never), /options\.self.*true or false/],
    [(a) => a.add('a/b', 10), /link/],
    [(a) => a.del('v0', { vid: 1.5 }), /vlans\.vid/],
    [(a) => a.list({ link: 'v0', compress: true } as never), /filter\.compress/],
  ];
  for (const [call, re] of bad) {
    const r = await recordedRequests(vlanApi, call);
    t.ok(r.error instanceof InvalidArgumentError, `an InvalidArgumentError: ${String(r.error)}`);
    t.match(String(r.error), re);
    t.same(r.bytes, [], 'nothing sent');
  }
});

function bridgeJson(nsPath: string, args: string[]): any[] {
  const out = inNs(nsPath, 'bridge', ['-j', ...args]);
  return out.trim() ? JSON.parse(out) : [];
}

t.test('on a real kernel: refusals name the link, the reason and the netns; list equals bridge -j vlan show', privileged, async (t) => {
  const { ns, rt } = freshHandle(t);
  for (const c of ['link add br0 type bridge', 'link add v0 type veth peer name v1', 'link add v2 type veth peer name v3', 'link set v0 master br0']) ip(ns.path, c.split(' '));
  const refusal = async (p: Promise<unknown>): Promise<NetlinkError> => {
    const e = await p.then(() => undefined, (x: unknown) => x);
    t.ok(e instanceof NetlinkError, String(e));
    return e as NetlinkError;
  };
  let e = await refusal(rt.vlan.add('v2', 10));
  t.equal(e.code, 'EOPNOTSUPP');
  t.match(e.message, /'v2' is neither a bridge nor a bridge port: enslave it to a bridge first; in netns fd \d+ \(RTM_SETLINK dev v2 vid 10\)/);
  e = await refusal(rt.vlan.del('v2', { vid: 10, vidEnd: 12 }));
  t.match(e.message, /'v2' is neither a bridge nor a bridge port.*RTM_DELLINK dev v2 vid 10-12/, 'del: not the link API\'s "deletes only devices" hint');
  t.ok(ipJson(ns.path, ['link', 'show', 'dev', 'v2']).length === 1, 'the link is still there');

  const [br] = ipJson(ns.path, ['-d', 'link', 'show', 'dev', 'br0']);
  const norm = (xs: any[]) => [...xs].sort((a, b) => String(a.ifname).localeCompare(String(b.ifname)));
  t.same(norm((await rt.vlan.list()).map(asBridge)), norm(bridgeJson(ns.path, ['vlan', 'show'])), 'list as bridge -j vlan show before any add');
  if (br.linkinfo.info_data.vlan_protocol === undefined) {
    // This kernel has no CONFIG_BRIDGE_VLAN_FILTERING (its bridges report no vlan_protocol).
    e = await refusal(rt.vlan.add('v0', { vid: 10, pvid: true, untagged: true }));
    t.equal(e.code, 'EOPNOTSUPP');
    t.match(e.message, /built without bridge VLAN filtering \(CONFIG_BRIDGE_VLAN_FILTERING\).*in netns fd \d+ \(RTM_SETLINK dev v0 vid 10 pvid untagged\)/);
    e = await refusal(rt.vlan.add('br0', 10, { self: true }));
    t.match(e.message, /CONFIG_BRIDGE_VLAN_FILTERING.*dev br0 vid 10 self/);
    t.comment('kernel without bridge VLAN filtering: the add/show/del comparison with bridge is skipped');
    return;
  }
  ip(ns.path, ['link', 'set', 'br0', 'type', 'bridge', 'vlan_filtering', '1']);
  await rt.vlan.add('v0', { vid: 10, pvid: true, untagged: true });
  await rt.vlan.add('v0', [{ vid: 20, vidEnd: 25 }, { vid: 30, untagged: true }]);
  await rt.vlan.add('br0', 10, { self: true });
  inNs(ns.path, 'bridge', ['vlan', 'add', 'dev', 'v0', 'vid', '40']);
  const ifn = new Map<number, string>(ipJson(ns.path, ['link']).map((l: any) => [l.ifindex, l.ifname]));
  t.same(norm((await rt.vlan.list()).map(asBridge)), norm(bridgeJson(ns.path, ['vlan', 'show'])), 'equals bridge -j vlan show');
  t.same(norm((await rt.vlan.list({ compressed: true })).map(asBridge)), norm(bridgeJson(ns.path, ['-compressvlans', 'vlan', 'show'])), 'compressed equals bridge -j -compressvlans vlan show');
  t.ok((await rt.vlan.list({ link: 'v0' })).every((x) => ifn.get(x.link) === 'v0'));
  await rt.vlan.del('v0', [{ vid: 20, vidEnd: 25 }, 40]);
  inNs(ns.path, 'bridge', ['vlan', 'del', 'dev', 'v0', 'vid', '30']);
  const left = (await rt.vlan.list({ link: 'v0' }))[0]!.vlans.map((x) => x.vid);
  t.same(left, [10], 'only vid 10 left on v0');
  t.same(norm((await rt.vlan.list()).map(asBridge)), norm(bridgeJson(ns.path, ['vlan', 'show'])), 'and bridge agrees');
});
