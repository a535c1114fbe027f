// The link core against ip: what `ip link add/set` takes, nlkit takes; what a call's
// types promise (the echoed Link), it returns.
import t from 'tap';
import { InvalidArgumentError, NetlinkError, type Link } from '../../src/index.js';
import { privileged, rawNetns, ipJson, ip, freshHandle } from '../helpers.js';

type IpLink = Record<string, any>;

t.test("an ifb's MTU may be below 68, as `ip link add … mtu 0 type ifb` makes it (ifb_setup clears min_mtu)", privileged, async (t) => {
  const { ns, rt } = freshHandle(t);
  ip(ns.path, ['link', 'add', 'i9', 'mtu', '0', 'type', 'ifb']);
  t.equal(ipJson<IpLink[]>(ns.path, ['-d', 'link', 'show', 'dev', 'i9'])[0]!.min_mtu, 0, "the kernel's minimum for an ifb is 0");
  await rt.link.add({ kind: 'ifb', name: 'i0', mtu: 0 });
  await rt.link.add({ kind: 'ifb', name: 'i1', mtu: 60 });
  t.same(['i0', 'i1'].map((n) => ipJson<IpLink[]>(ns.path, ['link', 'show', 'dev', n])[0]!.mtu), [0, 60]);
  // Kinds whose minimum is ETH_MIN_MTU are still refused before sending.
  const e = await rt.link.add({ kind: 'bridge', name: 'b0', mtu: 67 }).catch((x: unknown) => x);
  t.ok(e instanceof InvalidArgumentError && e.argument === 'mtu', `bridge mtu 67: ${(e as Error).message}`);
});

t.test('echo with netns: the Link as it is in the netns it was moved to or made in', privileged, async (t) => {
  const { rt } = freshHandle(t);
  const other = rawNetns();
  t.teardown(() => other.close());
  await rt.link.add({ kind: 'veth', name: 'v0', peer: { name: 'v1' } });
  const moved: Link = await rt.link.set('v0', { netns: other.fd, name: 'w0', mtu: 1400 }, { echo: true });
  t.ok(moved, 'set with netns resolves with the Link');
  t.same([moved?.name, moved?.mtu], ['w0', 1400], 'as it is there');
  t.equal(moved?.index, ipJson<IpLink[]>(other.path, ['link', 'show', 'dev', 'w0'])[0]!.ifindex, 'its ifindex there');
  const v1 = await rt.link.index('v1');
  const byIndex = await rt.link.set(v1, { netns: other.fd }, { echo: true });
  t.equal(byIndex?.name, 'v1', 'by ifindex, without a new name: read there by its name');
  const made: Link = await rt.link.add({ kind: 'bridge', name: 'br7', netns: other.fd, mtu: 1300 }, { echo: true });
  t.same([made?.name, made?.mtu], ['br7', 1300], 'add with netns resolves with the Link');
  for (const [what, call] of [
    ['add, no name', () => rt.link.add({ kind: 'bridge', netns: other.fd }, { echo: true })],
    ['add, template name', () => rt.link.add({ kind: 'bridge', name: 'b%d', netns: other.fd }, { echo: true })],
    ['set, template name', () => rt.link.set('lo', { name: 'l%d', netns: other.fd }, { echo: true })],
  ] as const) {
    const e = await (call as () => Promise<unknown>)().catch((x: unknown) => x);
    t.ok(e instanceof InvalidArgumentError, `${what}: refused before sending (${(e as Error)?.message})`);
  }
  t.same(ipJson<IpLink[]>(other.path, ['link', 'show', 'type', 'bridge']).map((l) => l.ifname), ['br7'], 'no bridge made by the refused calls');
});

t.test('hardware address and carrier changes a driver does not take: refused before sending, or said why (the kernel says a bare EOPNOTSUPP)', privileged, async (t) => {
  const { ns, rt } = freshHandle(t);
  await rt.link.add({ kind: 'tun', name: 't0' });
  await rt.link.add({ kind: 'ifb', name: 'i0' });
  await rt.link.add({ kind: 'veth', name: 'v0', peer: { name: 'v1' } });
  const sent = rt.sock.stats.requests;
  for (const [what, call, arg] of [
    ['tun address', () => rt.link.set('t0', { address: '02:11:22:33:44:55', mtu: 1400 }), 'address'],
    ['tun broadcast', () => rt.link.set('t0', { broadcast: '02:11:22:33:44:55' }), 'broadcast'],
  ] as const) {
    const e = await (call as () => Promise<unknown>)().catch((x: unknown) => x);
    t.ok(e instanceof InvalidArgumentError && e.argument === arg, `${what}: InvalidArgumentError naming ${arg} (${(e as Error)?.message})`);
    t.match((e as Error)?.message, /no hardware address/);
  }
  t.equal(rt.sock.stats.requests - sent, 2, 'only the lookups of the address length were sent');
  t.equal(ipJson<IpLink[]>(ns.path, ['link', 'show', 'dev', 't0'])[0]!.mtu, 1500, "nothing of the tun's change was applied");
  const addr = await rt.link.set('i0', { address: '02:11:22:33:44:55' }).catch((x: unknown) => x);
  t.match((addr as Error).message, /^EOPNOTSUPP: .* — .*driver.*hardware address/, `ifb address: ${(addr as Error).message}`);
  const carrier = await rt.link.set('v0', { carrier: false }).catch((x: unknown) => x);
  t.match((carrier as Error).message, /^EOPNOTSUPP: .* — .*driver.*carrier/, `veth carrier: ${(carrier as Error).message}`);
});

t.test('set: the GSO/GRO limits and protodown, as `ip link set … gso_max_size N gro_max_size N … protodown on` sets them', privileged, async (t) => {
  const { ns, rt } = freshHandle(t);
  await rt.link.add({ kind: 'veth', name: 'v0', peer: { name: 'v1' } });
  await rt.link.set('v0', { gsoMaxSize: 32768, gsoMaxSegs: 100, groMaxSize: 16384, gsoIpv4MaxSize: 30000, groIpv4MaxSize: 20000 });
  const l = ipJson<IpLink[]>(ns.path, ['-d', 'link', 'show', 'dev', 'v0'])[0]!;
  t.same([l.gso_max_size, l.gso_max_segs, l.gro_max_size], [32768, 100, 16384], 'as ip -d shows them');
  const ours = await rt.link.get('v0');
  t.same([ours.gsoIpv4MaxSize, ours.groIpv4MaxSize], [30000, 20000], 'the IPv4 limits, read back');
  // The kernel's own range check, with its text.
  const big = await rt.link.set('v0', { gsoMaxSize: 0x7fffffff }).catch((x: unknown) => x);
  t.match((big as Error).message, /^EINVAL: .* — too big gso_max_size/, `gso_max_size over the device's TSO limit: ${(big as Error).message}`);
  const sent = rt.sock.stats.requests;
  for (const [key, v] of [['gsoMaxSize', -1], ['gsoMaxSegs', 1.5], ['groMaxSize', '1'], ['protoDown', 1]] as const) {
    const e = await rt.link.set('v0', { [key]: v } as any).catch((x: unknown) => x);
    t.ok(e instanceof InvalidArgumentError && e.argument === key, `${key}: ${String(v)} refused naming it (${(e as Error)?.message})`);
  }
  t.equal(rt.sock.stats.requests, sent, 'nothing sent for them');
  // protodown: a driver with ndo_change_proto_down (macvlan) takes it; a veth's refusal keeps the kernel's text.
  await rt.link.add({ kind: 'macvlan', name: 'm0', link: 'v1' });
  await rt.link.set('m0', { protoDown: true });
  t.equal(ipJson<IpLink[]>(ns.path, ['-d', 'link', 'show', 'dev', 'm0'])[0]!.proto_down, true, 'protodown on');
  t.equal((await rt.link.get('m0')).protoDown, true);
  await rt.link.set('m0', { protoDown: false });
  t.equal((await rt.link.get('m0')).protoDown, false, 'protodown off');
  const pd = await rt.link.set('v0', { protoDown: true }).catch((x: unknown) => x);
  t.match((pd as Error).message, /^EOPNOTSUPP: .* — Protodown not supported by device/, `veth: ${(pd as Error).message}`);
});

t.test('add: the GSO/GRO limits in the create message, on each end of a veth, as `ip link add … gso_max_size N type veth peer … gso_max_size M` sets them', privileged, async (t) => {
  const { ns, rt } = freshHandle(t);
  await rt.link.add({
    kind: 'veth', name: 'v0', gsoMaxSize: 100000, groMaxSize: 90000, gsoMaxSegs: 200,
    peer: { name: 'v1', gsoMaxSize: 80000, gsoIpv4MaxSize: 70000, groIpv4MaxSize: 60000 },
  });
  const [a, b] = ['v0', 'v1'].map((d) => ipJson<IpLink[]>(ns.path, ['-d', 'link', 'show', 'dev', d])[0]!);
  t.same([a!.gso_max_size, a!.gro_max_size, a!.gso_max_segs], [100000, 90000, 200], 'v0 as ip -d shows it');
  t.equal(b!.gso_max_size, 80000, "the peer's own gso_max_size");
  const peer = await rt.link.get('v1');
  t.same([peer.gsoIpv4MaxSize, peer.groIpv4MaxSize], [70000, 60000], "the peer's IPv4 limits, read back");
  // The bytes ip sends for the same create: the limits are plain u32 attributes of each end.
  const mine = await rt.link.add({ kind: 'veth', name: 'w0', gsoMaxSize: 100000, peer: { name: 'w1', groMaxSize: 90000 } });
  t.equal(mine, undefined);
  ip(ns.path, ['link', 'add', 'x0', 'gso_max_size', '100000', 'type', 'veth', 'peer', 'name', 'x1', 'gro_max_size', '90000']);
  const [w0, x0] = ['w0', 'x0'].map((d) => ipJson<IpLink[]>(ns.path, ['-d', 'link', 'show', 'dev', d])[0]!);
  const [w1, x1] = ['w1', 'x1'].map((d) => ipJson<IpLink[]>(ns.path, ['-d', 'link', 'show', 'dev', d])[0]!);
  t.same([w0!.gso_max_size, w1!.gro_max_size], [x0!.gso_max_size, x1!.gro_max_size], 'the same as ip makes');
  const sent = rt.sock.stats.requests;
  for (const [spec, arg] of [
    [{ kind: 'veth', name: 'y0', gsoMaxSize: -1, peer: { name: 'y1' } }, 'gsoMaxSize'],
    [{ kind: 'veth', name: 'y0', peer: { name: 'y1', groMaxSize: 2 ** 32 } }, 'peer.groMaxSize'],
    [{ kind: 'bridge', name: 'y0', gsoMaxSegs: '1' }, 'gsoMaxSegs'],
  ] as const) {
    const e = await rt.link.add(spec as any).catch((x: unknown) => x);
    t.ok(e instanceof InvalidArgumentError && e.argument === arg, `${arg} refused naming it (${(e as Error)?.message})`);
  }
  t.equal(rt.sock.stats.requests, sent, 'nothing sent for them');
});

t.test("linkType is ip's word for the link types ip names (gre6 for an ip6gre, can for a vcan…), the number only for others", async (t) => {
  const { MessageWriter } = await import('../../src/netlink/index.js');
  const { decodeLink } = await import('../../src/rtnl/link/decode.js');
  const C = await import('../../src/rtnl/constants.js');
  const typed = (type: number) => {
    const w = new MessageWriter();
    w.begin(C.RTM_NEWLINK, 0, 1);
    const o = w.reserve(16);
    w.view.setUint16(o + 2, type, true);
    w.view.setInt32(o + 4, 7, true);
    w.putStrz(C.IFLA_IFNAME, 'x0');
    const b = Buffer.from(w.finish());
    return decodeLink(b, new DataView(b.buffer, b.byteOffset, b.byteLength), 0, b.length).linkType;
  };
  t.same(
    [C.ARPHRD_IP6GRE, C.ARPHRD_CAN, C.ARPHRD_IEEE1394, C.ARPHRD_IEEE80211_RADIOTAP, C.ARPHRD_IEEE802154, C.ARPHRD_PHONET, C.ARPHRD_6LOWPAN, C.ARPHRD_ETHER, 1000].map(typed),
    ['gre6', 'can', 'ieee1394', 'ieee802.11/radiotap', 'ieee802.15.4', 'phonet', '6lowpan', 'ether', 1000],
  );
});

t.test('a set the kernel refuses part-way says which of its changes the link now has (do_setlink keeps those before the refusal)', privileged, async (t) => {
  const { ns, rt } = freshHandle(t);
  await rt.link.add({ kind: 'veth', name: 'v0', peer: { name: 'v1' } });
  await rt.link.add({ kind: 'ifb', name: 'i0' });
  // The kernel sets the MTU and the group before it renames: the taken name is refused after them.
  const renamed = await rt.link.set('v0', { mtu: 1300, group: 9, txqlen: 77, name: 'v1' }).catch((x: unknown) => x);
  t.ok(renamed instanceof NetlinkError && renamed.code === 'EEXIST', `EEXIST (${(renamed as Error).message})`);
  const l = ipJson<IpLink[]>(ns.path, ['-d', 'link', 'show', 'dev', 'v0'])[0]!;
  t.same([l.mtu, String(l.group), l.txqlen], [1300, '9', 1000], 'mtu and group applied, txqlen (after the rename) not: as ip leaves it');
  t.match((renamed as Error).message, /v0 now has mtu 1300, group 9 as asked/, 'the error says what was applied');
  t.match((renamed as Error).message, /not: name 'v1', txqlen 77/, 'and what was not');
  // A master that takes no ports, after flags the kernel applied.
  const master = await rt.link.set('v0', { promisc: true, mtu: 1400, master: 'i0' }).catch((x: unknown) => x);
  t.ok(master instanceof NetlinkError && master.code === 'EOPNOTSUPP', `EOPNOTSUPP (${(master as Error).message})`);
  t.match((master as Error).message, /v0 now has mtu 1400, promisc on as asked; not: master 'i0'/);
  // One change alone: nothing else to report.
  const one = await rt.link.set('v0', { name: 'v1' }).catch((x: unknown) => x);
  t.notMatch((one as Error).message, /as asked/, 'a single refused change says nothing more');
  // Nothing applied: said too.
  const none = await rt.link.set('v0', { mtu: 1500, address: '01:00:00:00:00:01' }).catch((x: unknown) => x);
  t.ok(none instanceof NetlinkError && none.code === 'EADDRNOTAVAIL', `EADDRNOTAVAIL (${(none as Error).message})`);
  t.match((none as Error).message, /not: mtu 1500, address 01:00:00:00:00:01/);
});

t.test("the names 'all' and 'default', which the kernel refuses for a link (a bare EINVAL), are said so", privileged, async (t) => {
  const { ns, rt } = freshHandle(t);
  for (const [what, call] of [
    ['add all', () => rt.link.add({ kind: 'ifb', name: 'all' })],
    ['add default', () => rt.link.add({ kind: 'bridge', name: 'default' })],
    ['veth peer all', () => rt.link.add({ kind: 'veth', name: 'v0', peer: { name: 'all' } })],
    ['rename to default', () => rt.link.add({ kind: 'ifb', name: 'i0' }).then(() => rt.link.set('i0', { name: 'default' }))],
  ] as const) {
    const e = await (call as () => Promise<unknown>)().catch((x: unknown) => x);
    t.ok(e instanceof NetlinkError && e.code === 'EINVAL', `${what}: EINVAL`);
    t.match((e as Error).message, /the kernel refuses 'all' and 'default' as interface names/, `${what}: said (${(e as Error).message})`);
  }
  t.same(ipJson<IpLink[]>(ns.path, ['link', 'show']).map((l) => l.ifname).sort(), ['i0', 'lo'], 'nothing left behind');
});
