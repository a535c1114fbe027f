// rt.netconf (`ip netconf`): the per-netns IP configuration sets of a fresh netns,
// cross-checked field by field with `ip -j netconf show` (all families, `-4`, `-6`,
// and `ip netconf show dev X`, `dev all`/`default`) after changing forwarding, rp_filter, proxy_arp/proxy_ndp
// and ignore_routes_with_linkdown there; bc_forwarding (newer than this iproute2) against
// its sysctl; the decoder byte by byte; errors naming the device, the family and the
// netns; bad input refused before anything is sent; and the 'netconf' monitor groups,
// whose events are checked against get() afterwards.
import t from 'tap';
import { Rtnl } from '../../src/rtnl/index.js';
import type { Netconf, MonitorEventOf, MonitorKindOf, MonitorSyncEvent } from '../../src/rtnl/index.js';
import { decodeNetconf } from '../../src/rtnl/netconf/decode.js';
import { MONITOR_GROUPS, monitorGroups } from '../../src/rtnl/monitor.js';
import * as C from '../../src/rtnl/constants.js';
import { ClosedError, DecodeError, InvalidArgumentError, NetlinkError } from '../../src/netlink/errors.js';
import { sysctlGet, sysctlSet } from '../../src/ns/sysctl.js';
import { freshHandle, ip, ipJson, nla, privileged, rawNetns, until } from '../helpers.js';

type Ns = ReturnType<typeof rawNetns>;

/** A fresh netns with lo up and veth v0/v1, and a handle in it. */
function setup(t: { teardown(fn: () => void): void }): { ns: Ns; rt: Rtnl } {
  const { ns, rt } = freshHandle(t);
  ip(ns.path, ['link', 'set', 'lo', 'up']);
  ip(ns.path, ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
  return { ns, rt };
}

/** Change every switch `ip netconf` shows, differently per device and for 'all'/'default'. */
function changeSysctls(ns: Ns): void {
  const set = (k: string, v: number) => sysctlSet(ns, k, v);
  set('net.ipv4.conf.v0.forwarding', 1);
  set('net.ipv4.conf.v0.rp_filter', 1);
  set('net.ipv4.conf.v1.rp_filter', 2);
  set('net.ipv4.conf.default.rp_filter', 2);
  set('net.ipv4.conf.v1.proxy_arp', 1);
  set('net.ipv4.conf.all.ignore_routes_with_linkdown', 1);
  set('net.ipv4.conf.v0.bc_forwarding', 1);
  set('net.ipv6.conf.v1.forwarding', 1);
  set('net.ipv6.conf.v0.proxy_ndp', 1);
  set('net.ipv6.conf.default.ignore_routes_with_linkdown', 1);
}

/** ifindex → name in the netns. */
function names(ns: Ns): Map<number, string> {
  return new Map(ipJson(ns.path, ['link']).map((l: any) => [l.ifindex, l.ifname]));
}

/** nlkit's Netconf in `ip -j netconf show`'s terms (bcForwarding, which iproute2 6.1 does not print, left out). */
function asIp(c: Netconf, ifn: Map<number, string>): Record<string, unknown> {
  const o: Record<string, unknown> = {
    family: c.family === 4 ? 'inet' : c.family === 6 ? 'inet6' : c.family,
    interface: typeof c.dev === 'number' ? ifn.get(c.dev) : c.dev,
  };
  if (c.forwarding !== undefined) o['forwarding'] = c.forwarding;
  if (c.rpFilter !== undefined) o['rp_filter'] = c.rpFilter;
  if (c.mcForwarding !== undefined) o['mc_forwarding'] = c.mcForwarding;
  if (c.proxyNeigh !== undefined) o['proxy_neigh'] = c.proxyNeigh;
  if (c.ignoreRoutesWithLinkdown !== undefined) o['ignore_routes_with_linkdown'] = c.ignoreRoutesWithLinkdown;
  if (c.input !== undefined) o['input'] = c.input;
  return o;
}

/**
 * `ip netconf show dev X`'s line in `ip -j`'s terms: iproute2 6.1 prints that one as
 * text even with -j ("inet v0 forwarding on rp_filter strict …"), so it is parsed.
 */
function ipDevLine(ns: Ns, args: string[]): Record<string, unknown> {
  const words = ip(ns.path, [...args]).trim().split(/\s+/);
  const o: Record<string, unknown> = { family: words[0], interface: words[1] };
  for (let i = 2; i + 1 < words.length; i += 2) o[words[i]!] = words[i + 1] === 'on' ? true : words[i + 1] === 'off' && words[i] !== 'rp_filter' ? false : words[i + 1];
  return o;
}

/** The sysctl directory of a set: conf/all, conf/default or conf/DEV. */
const confKey = (c: Netconf, ifn: Map<number, string>, key: string): string =>
  `net.${c.family === 4 ? 'ipv4' : 'ipv6'}.conf.${typeof c.dev === 'number' ? ifn.get(c.dev) : c.dev}.${key}`;

t.test('list equals ip -j netconf show field by field (all families, -4, -6) after sysctl changes', privileged, async (t) => {
  const { ns, rt } = setup(t);
  changeSysctls(ns);
  const ifn = names(ns);
  const all = await rt.netconf.list();
  t.same(all.map((c) => asIp(c, ifn)), ipJson(ns.path, ['netconf', 'show']), 'ip netconf show');
  t.same((await rt.netconf.list(4)).map((c) => asIp(c, ifn)), ipJson(ns.path, ['-4', 'netconf', 'show']), 'ip -4 netconf show');
  t.same((await rt.netconf.list('inet6')).map((c) => asIp(c, ifn)), ipJson(ns.path, ['-6', 'netconf', 'show']), 'ip -6 netconf show');
  // Every set of both families: the three devices, 'all' and 'default'.
  for (const fam of [4, 6] as const) {
    t.same(all.filter((c) => c.family === fam).map((c) => c.dev).sort(), [...ifn.keys(), 'all', 'default'].sort(), `IPv${fam}: each device, all, default`);
  }
  // What changed reads back changed (not merely what ip prints).
  const find = (fam: 4 | 6, dev: number | string) => all.find((c) => c.family === fam && c.dev === (typeof dev === 'string' && dev !== 'all' && dev !== 'default' ? [...ifn].find(([, n]) => n === dev)![0] : dev))!;
  t.equal(find(4, 'v0').forwarding, true);
  t.equal(find(4, 'v0').rpFilter, 'strict');
  t.equal(find(4, 'v1').rpFilter, 'loose');
  t.equal(find(4, 'default').rpFilter, 'loose');
  t.equal(find(4, 'v1').proxyNeigh, true);
  t.equal(find(4, 'all').ignoreRoutesWithLinkdown, true);
  t.equal(find(6, 'v1').forwarding, true);
  t.equal(find(6, 'v0').proxyNeigh, true);
  t.equal(find(6, 'default').ignoreRoutesWithLinkdown, true);
  t.equal(find(6, 'v0').rpFilter, undefined, 'IPv6 has no rp_filter');
  // bc_forwarding: IPv4 only, each set's as its sysctl holds it.
  for (const c of all) {
    if (c.family === 6) t.equal(c.bcForwarding, undefined, 'IPv6 has no bc_forwarding');
    else t.equal(c.bcForwarding, sysctlGet(ns, confKey(c, ifn, 'bc_forwarding')) !== '0', `bcForwarding of ${String(c.dev)}`);
  }
});

t.test('get equals ip netconf show dev X (by name, by ifindex) and the all/default lines of ip -j netconf show, both families', privileged, async (t) => {
  const { ns, rt } = setup(t);
  changeSysctls(ns);
  const ifn = names(ns);
  const v0 = [...ifn].find(([, n]) => n === 'v0')![0];
  for (const [fam, flag] of [[4, '-4'], [6, '-6']] as const) {
    for (const dev of ['lo', 'v0', 'v1']) {
      const got = await rt.netconf.get(fam, dev);
      t.same(asIp(got, ifn), ipDevLine(ns, [flag, 'netconf', 'show', 'dev', dev]), `${flag} dev ${dev}`);
    }
    // `ip netconf show dev all` is "Device "all" does not exist": 'all' and 'default' are the dump's lines of those names.
    for (const dev of ['all', 'default']) {
      const line = (ipJson(ns.path, [flag, 'netconf', 'show']) as any[]).find((l) => l.interface === dev);
      t.same(asIp(await rt.netconf.get(fam, dev), ifn), line, `${flag} netconf show: ${dev}`);
    }
    t.same(await rt.netconf.get(fam, v0), await rt.netconf.get(fam, 'v0'), `IPv${fam}: by ifindex as by name`);
  }
  t.same(await rt.netconf.get('inet', 'v0'), await rt.netconf.get(4, 'v0'), "'inet' is 4");
  t.same(await rt.netconf.get('inet6', 'v0'), await rt.netconf.get(6, 'v0'), "'inet6' is 6");
  // Key order and shape of a whole answer: family, dev, then what the kernel sent.
  t.strictSame(await rt.netconf.get(4, 'v0'), {
    family: 4, dev: v0, forwarding: true, rpFilter: 'strict', mcForwarding: false, bcForwarding: true, proxyNeigh: false, ignoreRoutesWithLinkdown: false,
  });
  t.strictSame(await rt.netconf.get(6, 'all'), { family: 6, dev: 'all', forwarding: false, mcForwarding: false, proxyNeigh: false, ignoreRoutesWithLinkdown: false });
});

t.test('a handle without strict checking (the kernel parses the request leniently) reads the same', privileged, async (t) => {
  const { ns, rt } = setup(t);
  changeSysctls(ns);
  const lax = Rtnl.open({ netns: ns.fd, strictCheck: false });
  t.teardown(() => lax.close());
  t.same(await lax.netconf.list(), await rt.netconf.list());
  t.same(await lax.netconf.list(6), await rt.netconf.list(6));
  t.same(await lax.netconf.get(4, 'v0'), await rt.netconf.get(4, 'v0'));
  await t.rejects(lax.netconf.get(6, 999), { code: 'ENODEV' });
});

t.test('rp_filter beyond the named modes comes as the number the sysctl holds', privileged, async (t) => {
  const { ns, rt } = setup(t);
  sysctlSet(ns, 'net.ipv4.conf.v0.rp_filter', 3);
  t.equal((await rt.netconf.get(4, 'v0')).rpFilter, 3);
  sysctlSet(ns, 'net.ipv4.conf.v0.rp_filter', -1);
  t.equal((await rt.netconf.get(4, 'v0')).rpFilter, -1, 'as sysctl prints it (ip prints 4294967295)');
  sysctlSet(ns, 'net.ipv4.conf.v0.rp_filter', 0);
  t.equal((await rt.netconf.get(4, 'v0')).rpFilter, 'off');
});

t.test('a missing dev is ENODEV naming it and the netns, in both families (the kernel says EINVAL for IPv6)', privileged, async (t) => {
  const { rt } = setup(t);
  for (const fam of [4, 6] as const) {
    for (const dev of ['nope', 999] as const) {
      const e = await rt.netconf.get(fam, dev).then(() => undefined, (x: unknown) => x);
      t.ok(e instanceof NetlinkError, `IPv${fam} ${dev}: a NetlinkError`);
      t.equal((e as NetlinkError).code, 'ENODEV', `IPv${fam} ${dev}: ENODEV`);
      t.match((e as Error).message, typeof dev === 'string' ? /dev 'nope' does not exist in netns fd \d+/ : /dev ifindex 999 does not exist in netns fd \d+/);
    }
  }
});

t.test('a dev without a configuration of the family says so', privileged, async (t) => {
  const { ns, rt } = setup(t);
  // lo's MTU may go below IPv4's minimum of 68: the kernel drops its IPv4 set.
  ip(ns.path, ['link', 'set', 'lo', 'mtu', '60']);
  const e4 = await rt.netconf.get(4, 'lo').then(() => undefined, (x: unknown) => x);
  t.ok(e4 instanceof NetlinkError);
  t.match((e4 as NetlinkError).hint, /dev 'lo' has no IPv4 configuration \(the kernel drops it from a device whose MTU is below 68\)/);
  t.notOk((await rt.netconf.list(4)).some((c) => c.dev === 1), 'list(4) has no set of lo');
  // A veth below IPv6's 1280: its IPv6 set goes.
  ip(ns.path, ['link', 'set', 'v0', 'mtu', '1000']);
  const e6 = await rt.netconf.get(6, 'v0').then(() => undefined, (x: unknown) => x);
  t.ok(e6 instanceof NetlinkError);
  t.match((e6 as NetlinkError).hint, /dev 'v0' has no IPv6 configuration \(the kernel drops it from a device whose MTU is below 1280\)/);
  t.match((e6 as Error).message, /\(RTM_GETNETCONF inet6 dev v0\)/);
  t.ok(await rt.netconf.get(4, 'v0'), 'its IPv4 set stays');
});

t.test("a family the kernel has no netconf for: get says so, list lists nothing (as ip -M netconf show)", privileged, async (t) => {
  const { ns, rt } = setup(t);
  let hasMpls = true;
  try {
    sysctlGet(ns, 'net.mpls.platform_labels');
  } catch {
    hasMpls = false;
  }
  if (hasMpls) {
    t.comment('this kernel has MPLS routing: its sets are listed');
    t.ok((await rt.netconf.list('mpls')).every((c) => c.family === 'mpls'));
    return;
  }
  const e = await rt.netconf.get('mpls', 'all').then(() => undefined, (x: unknown) => x);
  t.ok(e instanceof NetlinkError);
  t.equal((e as NetlinkError).code, 'EOPNOTSUPP');
  t.match((e as Error).message, /this kernel has no MPLS netconf \(MPLS routing, CONFIG_MPLS_ROUTING \/ the mpls_router module, is not loaded\) \(RTM_GETNETCONF mpls all\)/);
  // The kernel answers the dump of a family it has no handler for with every family's.
  t.same(await rt.netconf.list('mpls'), [], 'none of the other families');
  t.same(ipJson(ns.path, ['-M', 'netconf', 'show']), [], 'ip -M netconf show prints nothing either');
});

t.test('bad input is refused before anything is sent', async (t) => {
  // A closed handle: anything that reached the socket would be a ClosedError.
  const rt = Rtnl.open();
  rt.close();
  const bad: [unknown, unknown, string, RegExp][] = [
    [2, 'all', 'family', /expected 4, 6, 'inet', 'inet6' or 'mpls', got 2 \(AF_INET: give 4\)/],
    [10, 'all', 'family', /AF_INET6: give 6/],
    [28, 'all', 'family', /AF_MPLS: give 'mpls'/],
    [5, 'all', 'family', /got 5/],
    ['bridge', 'all', 'family', /got 'bridge'/],
    [undefined, 'all', 'family', /got undefined/],
    [4, '', 'dev', /dev/],
    [4, 'a/b', 'dev', /dev/],
    [4, 'x'.repeat(200), 'dev', /dev/],
    [4, 0, 'dev', /ifindex must be a positive integer, got 0/],
    [4, -1, 'dev', /got -1/],
    [4, 1.5, 'dev', /got 1\.5/],
    [4, null, 'dev', /dev/],
    [4, undefined, 'dev', /dev/],
    [4, { name: 'v0' }, 'dev', /dev/],
  ];
  for (const [family, dev, arg, re] of bad) {
    const e = await rt.netconf.get(family as never, dev as never).then(() => undefined, (x: unknown) => x);
    t.ok(e instanceof InvalidArgumentError, `get(${String(family)}, ${JSON.stringify(dev)}): InvalidArgumentError`);
    t.equal((e as InvalidArgumentError).argument, arg);
    t.match((e as Error).message, re);
  }
  for (const family of [2, 0, 'all', null, 4.5]) await t.rejects(rt.netconf.list(family as never), InvalidArgumentError, `list(${String(family)})`);
  // Good input on the closed handle: ClosedError, for 'all' (no lookup) and a name alike.
  await t.rejects(rt.netconf.get(4, 'all'), ClosedError);
  await t.rejects(rt.netconf.get(6, 'lo'), ClosedError);
  await t.rejects(rt.netconf.list(), ClosedError);
});

/** An RTM_NEWNETCONF message: nlmsghdr, netconfmsg (family + 3 bytes of padding), attributes. */
function message(family: number, ...attrs: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from([family, 0, 0, 0]), ...attrs]);
  const h = Buffer.alloc(16);
  h.writeUInt32LE(16 + body.length, 0);
  h.writeUInt16LE(C.RTM_NEWNETCONF, 4);
  return Buffer.concat([h, body]);
}
const s32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32LE(n);
  return b;
};
const decode = (m: Buffer) => decodeNetconf(m, new DataView(m.buffer, m.byteOffset, m.length), 0, m.length);

t.test('decodeNetconf: byte by byte', async (t) => {
  t.strictSame(decode(message(2,
    nla(C.NETCONFA_IFINDEX, s32(-1)),            // 'all'
    nla(C.NETCONFA_FORWARDING, s32(1)),
    nla(C.NETCONFA_RP_FILTER, s32(2)),           // loose
    nla(C.NETCONFA_MC_FORWARDING, s32(0)),
    nla(C.NETCONFA_BC_FORWARDING, s32(0)),
    nla(C.NETCONFA_PROXY_NEIGH, s32(5)),         // any non-zero value is on, as ip prints it
    nla(C.NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN, s32(0)),
  )), { family: 4, dev: 'all', forwarding: true, rpFilter: 'loose', mcForwarding: false, bcForwarding: false, proxyNeigh: true, ignoreRoutesWithLinkdown: false });
  t.strictSame(decode(message(10, nla(C.NETCONFA_IFINDEX, s32(-2)), nla(C.NETCONFA_FORWARDING, s32(0)))), { family: 6, dev: 'default', forwarding: false });
  t.strictSame(decode(message(28, nla(C.NETCONFA_IFINDEX, s32(7)), nla(C.NETCONFA_INPUT, s32(1)))), { family: 'mpls', dev: 7, input: true });
  // A change event: the ifindex and the one field that changed.
  t.strictSame(decode(message(2, nla(C.NETCONFA_IFINDEX, s32(3)), nla(C.NETCONFA_RP_FILTER, s32(7)))), { family: 4, dev: 3, rpFilter: 7 });
  // An attribute newer than nlkit: kept raw.
  t.strictSame(decode(message(2, nla(C.NETCONFA_IFINDEX, s32(3)), nla(42, s32(9)))), { family: 4, dev: 3, unknown: [{ type: 42, value: s32(9) }] });
  // The kernel's own framing: nlmsg_len counts one byte of netconfmsg when it has no attributes.
  const del = Buffer.alloc(17);
  del.writeUInt32LE(17, 0);
  del[16] = 2;
  t.throws(() => decode(del), DecodeError, 'no NETCONFA_IFINDEX: a DecodeError');
  t.equal(decode(message(7, nla(C.NETCONFA_IFINDEX, s32(3)))), undefined, 'another family (AF_BRIDGE) is declined');
  const short = Buffer.alloc(16);
  short.writeUInt32LE(16, 0);
  t.throws(() => decode(short), DecodeError, 'shorter than netconfmsg');
  const truncated = message(2, nla(C.NETCONFA_IFINDEX, s32(3)));
  truncated.writeUInt16LE(12, 20); // the attribute claims more than the message has
  t.throws(() => decode(truncated), DecodeError);
});

t.test("monitor groups: 'netconf' is IPv4's and IPv6's, and yields kind 'netconf'", async (t) => {
  t.same(MONITOR_GROUPS.netconf, [C.RTNLGRP_IPV4_NETCONF, C.RTNLGRP_IPV6_NETCONF]);
  t.same(MONITOR_GROUPS['ipv4-netconf'], [C.RTNLGRP_IPV4_NETCONF]);
  t.same(MONITOR_GROUPS['ipv6-netconf'], [C.RTNLGRP_IPV6_NETCONF]);
  t.same(monitorGroups(['netconf', 'ipv4-netconf']), [C.RTNLGRP_IPV4_NETCONF, C.RTNLGRP_IPV6_NETCONF]);
  // Type level (checked when the tests compile): a monitor of 'netconf' yields Netconf objects without testing the kind.
  const objectOf = (ev: MonitorEventOf<{}, MonitorKindOf<'netconf'>>): Netconf | undefined => (ev.type === 'overrun' ? undefined : ev.object);
  t.equal(typeof objectOf, 'function');
});

const label = (ev: MonitorSyncEvent): string => (ev.type === 'overrun' || ev.type === 'synced' ? ev.type : `${ev.type} ${ev.kind} ${JSON.stringify(ev.object)}`);

t.test('a sysctl change comes as a netconf event that equals get() afterwards, field for field', privileged, async (t) => {
  const { ns, rt } = setup(t);
  const ifn = names(ns);
  const m = rt.monitor(['netconf']);
  t.teardown(() => m.close());
  const changes: [string, number, (c: Netconf) => boolean][] = [
    ['net.ipv4.conf.v0.rp_filter', 2, (c) => c.family === 4 && c.rpFilter !== undefined],
    ['net.ipv4.conf.v0.proxy_arp', 1, (c) => c.family === 4 && c.proxyNeigh !== undefined],
    ['net.ipv6.conf.v1.proxy_ndp', 1, (c) => c.family === 6 && c.proxyNeigh !== undefined],
    ['net.ipv4.conf.v1.forwarding', 1, (c) => c.family === 4 && c.forwarding !== undefined],
    ['net.ipv6.conf.v0.forwarding', 1, (c) => c.family === 6 && c.forwarding !== undefined],
    ['net.ipv4.conf.default.ignore_routes_with_linkdown', 1, (c) => c.family === 4 && c.dev === 'default' && c.ignoreRoutesWithLinkdown !== undefined],
    ['net.ipv6.conf.all.ignore_routes_with_linkdown', 1, (c) => c.family === 6 && c.dev === 'all' && c.ignoreRoutesWithLinkdown !== undefined],
  ];
  for (const [key, value, match] of changes) {
    sysctlSet(ns, key, value);
    const evs = await until(m, (ev) => ev.type === 'new' && ev.kind === 'netconf' && match(ev.object), label);
    const ev = evs[evs.length - 1]!;
    if (ev.type === 'overrun') throw new Error('overrun');
    const got = ev.object;
    t.equal(ev.kind, 'netconf');
    t.equal(typeof got.dev === 'number' ? ifn.get(got.dev) : got.dev, key.split('.')[3], `${key}: the event names its set`);
    t.equal(Object.keys(got).length, 3, `${key}: family, dev and the field that changed (${JSON.stringify(got)})`);
    const now = await rt.netconf.get(got.family as 4 | 6, got.dev);
    for (const [k, v] of Object.entries(got)) t.same(v, (now as unknown as Record<string, unknown>)[k], `${key}: ${k} as get() has it`);
  }
  // A device made: a 'new' per family with every field, as get() returns it; deleted: a 'del' with the ifindex only.
  ip(ns.path, ['link', 'add', 'v2', 'type', 'veth', 'peer', 'name', 'v3']);
  const v2 = (ipJson(ns.path, ['link', 'show', 'v2']) as any[])[0].ifindex as number;
  const made = await until(m, (ev) => ev.type === 'new' && ev.kind === 'netconf' && ev.object.family === 6 && ev.object.dev === v2, label);
  for (const fam of [4, 6] as const) {
    const ev = made.find((e) => e.type === 'new' && e.kind === 'netconf' && e.object.family === fam && e.object.dev === v2);
    t.ok(ev, `IPv${fam}: new set of v2`);
    if (ev && ev.type !== 'overrun') t.same(ev.object, await rt.netconf.get(fam, 'v2'), `IPv${fam}: the new set equals get()`);
  }
  // IPv6 leaves a device whose MTU goes below 1280 ('del'), and comes back with every field ('new').
  ip(ns.path, ['link', 'set', 'v2', 'mtu', '1000']);
  const left = await until(m, (ev) => ev.type === 'del' && ev.object.family === 6 && ev.object.dev === v2, label);
  t.strictSame(left[left.length - 1], { type: 'del', kind: 'netconf', object: { family: 6, dev: v2 } }, 'IPv6 set of v2 removed by its MTU');
  ip(ns.path, ['link', 'set', 'v2', 'mtu', '1500']);
  const back = await until(m, (ev) => ev.type === 'new' && ev.object.family === 6 && ev.object.dev === v2, label);
  t.same((back[back.length - 1] as { object: Netconf }).object, await rt.netconf.get(6, 'v2'), 'and made again, every field');
  ip(ns.path, ['link', 'del', 'v2']);
  const gone = await until(m, (ev) => ev.type === 'del' && ev.kind === 'netconf' && ev.object.family === 6 && ev.object.dev === v2, label);
  t.strictSame(gone[gone.length - 1]!.type === 'del' ? (gone[gone.length - 1] as { object: Netconf }).object : undefined, { family: 6, dev: v2 });
  t.ok(gone.some((e) => e.type === 'del' && e.kind === 'netconf' && e.object.family === 4 && e.object.dev === v2), 'IPv4 del too');
});

t.test("'ipv4-netconf' yields IPv4 only; listExisting lists list(4) then 'synced'", privileged, async (t) => {
  const { ns, rt } = setup(t);
  changeSysctls(ns);
  const m = rt.monitor(['ipv4-netconf'], { listExisting: true });
  t.teardown(() => m.close());
  const listed = await until(m, (ev) => ev.type === 'synced', label);
  t.same(listed.slice(0, -1).map((ev) => (ev.type === 'new' && ev.existing ? ev.object : ev)), await rt.netconf.list(4), 'the listing is list(4)');
  sysctlSet(ns, 'net.ipv6.conf.v0.forwarding', 1);
  sysctlSet(ns, 'net.ipv4.conf.v1.forwarding', 1);
  const evs = await until(m, (ev) => ev.type === 'new' && ev.kind === 'netconf', label);
  t.equal(evs.length, 1, 'the IPv6 change did not come');
  t.match(evs[0], { type: 'new', kind: 'netconf', object: { family: 4, forwarding: true } });
});
