// What a user reads when the kernel refuses an rtnl request: the operation and the object
// (link, address, route with its table, netns), the errno, the kernel's extended-ACK text
// and the attribute it points at — each case from the error-message review against
// `ip` and pyroute2, on a real kernel in a fresh netns where it needs one.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { Rtnl, Netns, NetlinkError, InvalidArgumentError, setupVeth, sysctlGet, execNetnsSync, NLM_F_CREATE, NLM_F_EXCL } from '../../src/index.js';
import { rtnlDescriber } from '../../src/rtnl/describer.js';
import * as C from '../../src/rtnl/constants.js';
import { privileged, ip, ipJson, freshHandle } from '../helpers.js';
import { recordedLinkRequests, recordedRequests } from './scripted-link-api.js';
import { LinkApi } from '../../src/rtnl/link/api.js';
import { RouteApi } from '../../src/rtnl/route/api.js';

const fresh = freshHandle;

/** The rejection of `p` (fails the test when it resolves). */
async function refusal(t: { ok(v: unknown, m: string): void; fail(m: string): void }, p: Promise<unknown>): Promise<NetlinkError> {
  try {
    await p;
  } catch (e) {
    t.ok(e instanceof NetlinkError, `a NetlinkError: ${(e as Error).message}`);
    return e as NetlinkError;
  }
  t.fail('expected a refusal');
  throw new Error('resolved');
}

/** The requests `rt.link.<method>` writes, against a recording socket (nothing is sent). */
const written = recordedLinkRequests;

/** Offset of the attribute reached by `path` (attribute types, outermost first) in a request whose attributes start at `start`. */
function offsetOf(req: Buffer, start: number, path: Array<number | { skip: number }>): number {
  let off = start;
  let end = req.length;
  let at = -1;
  for (const step of path) {
    if (typeof step === 'object') {
      off += step.skip;
      continue;
    }
    for (;;) {
      if (off + 4 > end) throw new Error(`attribute ${step} not found`);
      const len = req.readUInt16LE(off);
      if ((req.readUInt16LE(off + 2) & 0x3fff) === step) break;
      off += (len + 3) & ~3;
    }
    at = off;
    end = off + req.readUInt16LE(off);
    off += 4;
  }
  return at;
}

t.test('extended-ACK offsets inside IFLA_INFO_DATA are named by the link kind, through a veth peer and bridge-port options', async (t) => {
  const [vx] = await written((api) => api.add({ name: 'x0', kind: 'vxlan', data: { id: 5, port: 4789, portRange: { low: 1000, high: 2000 } } }));
  t.equal(rtnlDescriber.attributeAt!(vx!, offsetOf(vx!, 32, [C.IFLA_LINKINFO, C.IFLA_INFO_DATA, C.IFLA_VXLAN_PORT_RANGE])),
    'IFLA_LINKINFO › IFLA_INFO_DATA › IFLA_VXLAN_PORT_RANGE', 'a vxlan option by its name, not #10');
  t.equal(rtnlDescriber.attributeAt!(vx!, offsetOf(vx!, 32, [C.IFLA_LINKINFO, C.IFLA_INFO_KIND])), 'IFLA_LINKINFO › IFLA_INFO_KIND');
  const [veth] = await written((api) => api.add({ name: 'c0', kind: 'veth', mtu: 1500, peer: { name: 'h0', mtu: 9000 } }));
  const peer = offsetOf(veth!, 32, [C.IFLA_LINKINFO, C.IFLA_INFO_DATA, C.VETH_INFO_PEER]);
  t.equal(rtnlDescriber.attributeAt!(veth!, peer), 'IFLA_LINKINFO › IFLA_INFO_DATA › VETH_INFO_PEER');
  t.equal(rtnlDescriber.attributeAt!(veth!, offsetOf(veth!, peer + 4 + 16, [C.IFLA_MTU])),
    'IFLA_LINKINFO › IFLA_INFO_DATA › VETH_INFO_PEER › IFLA_MTU', "the peer's own attributes by name");
  t.equal(rtnlDescriber.attributeAt!(veth!, offsetOf(veth!, 32, [C.IFLA_MTU])), 'IFLA_MTU', "the main end's MTU is not the peer's");
  const [port] = await written((api) => api.set(7, { bridgePort: { cost: 5 } }));
  t.equal(rtnlDescriber.attributeAt!(port!, offsetOf(port!, 32, [C.IFLA_PROTINFO, C.IFLA_BRPORT_COST])), 'IFLA_PROTINFO › IFLA_BRPORT_COST', 'AF_BRIDGE port options');
});

t.test('naming an ext-ack offset in a malformed request gives up quietly (undefined or the enclosing name), never throws', async (t) => {
  const [veth] = await written((api) => api.add({ name: 'c0', kind: 'veth', mtu: 1500, peer: { name: 'h0', mtu: 9000 } }));
  const li = offsetOf(veth!, 32, [C.IFLA_LINKINFO]);
  const kind = offsetOf(veth!, 32, [C.IFLA_LINKINFO, C.IFLA_INFO_KIND]);
  const data = offsetOf(veth!, 32, [C.IFLA_LINKINFO, C.IFLA_INFO_DATA]);
  const peer = offsetOf(veth!, 32, [C.IFLA_LINKINFO, C.IFLA_INFO_DATA, C.VETH_INFO_PEER]);
  const peerMtu = offsetOf(veth!, peer + 4 + 16, [C.IFLA_MTU]);
  const at = (req: Buffer, offset: number) => rtnlDescriber.attributeAt!(req, offset);
  t.equal(at(veth!, peerMtu), 'IFLA_LINKINFO › IFLA_INFO_DATA › VETH_INFO_PEER › IFLA_MTU', 'well-formed');
  const broken = (off: number, len: number, req = veth!): Buffer => {
    const b = Buffer.from(req);
    b.writeUInt16LE(len, off);
    return b;
  };
  t.equal(at(broken(li, 0xfff0), peerMtu), undefined, 'IFLA_LINKINFO longer than the request');
  t.equal(at(broken(li, 2), peerMtu), undefined, 'IFLA_LINKINFO shorter than its header');
  t.equal(at(broken(kind, 2), peerMtu), 'IFLA_LINKINFO', 'IFLA_INFO_KIND shorter than its header: the nest is named');
  t.equal(at(broken(data, 0xfff0), peerMtu), 'IFLA_LINKINFO', 'IFLA_INFO_DATA past the end of IFLA_LINKINFO');
  t.equal(at(broken(peer, 0xfff0), peerMtu), 'IFLA_LINKINFO › IFLA_INFO_DATA', 'VETH_INFO_PEER past the end of IFLA_INFO_DATA');
  t.equal(at(broken(peerMtu, 3), peerMtu), 'IFLA_LINKINFO › IFLA_INFO_DATA › VETH_INFO_PEER', "the peer's own attribute malformed");
  const [port] = await written((api) => api.set(7, { bridgePort: { cost: 5 } }));
  const cost = offsetOf(port!, 32, [C.IFLA_PROTINFO, C.IFLA_BRPORT_COST]);
  t.equal(at(port!, cost), 'IFLA_PROTINFO › IFLA_BRPORT_COST', 'well-formed');
  t.equal(at(broken(cost, 1, port!), cost), 'IFLA_PROTINFO', 'a bridge-port attribute malformed');
  t.equal(at(broken(offsetOf(port!, 32, [C.IFLA_PROTINFO]), 0xfff0, port!), cost), undefined, 'IFLA_PROTINFO past the end');
});

t.test("the kernel's refusal of a kind option names that option", privileged, async (t) => {
  const { rt } = fresh(t);
  // vxlan_validate refuses DF values above VXLAN_DF_MAX with "Invalid DF attribute" at that attribute.
  const e = await refusal(t, rt.link.add({ name: 'x0', kind: 'vxlan', data: { id: 5, port: 4789, df: 3 } }));
  if (e.code === 'EOPNOTSUPP') return void t.comment('skipped: no vxlan in this kernel (EOPNOTSUPP)');
  t.equal(e.code, 'EINVAL');
  t.equal(e.extack.attribute, 'IFLA_LINKINFO › IFLA_INFO_DATA › IFLA_VXLAN_DF');
  t.match(e.message, /Invalid DF attribute \[at IFLA_LINKINFO › IFLA_INFO_DATA › IFLA_VXLAN_DF\] \(RTM_NEWLINK x0 type vxlan\)$/);
  // An inverted source port range (low 2000 > high 1000), which the kernel refuses, is
  // refused by nlkit before anything is sent ...
  const early = await rt.link.add({ name: 'x0', kind: 'vxlan', data: { id: 5, port: 4789, portRange: { low: 2000, high: 1000 } } }).then(() => undefined, (x: unknown) => x);
  t.ok(early instanceof InvalidArgumentError && early.argument === 'data.portRange', `refused up front, naming data.portRange: ${String(early)}`);
  // ... and the same bytes written by hand over the handle's socket get the kernel's
  // refusal, its offset named inside the vxlan's options.
  const raw = await refusal(t, rt.sock.request(C.RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, (w) => {
    w.reserve(C.SIZEOF_IFINFOMSG);
    w.putStrz(C.IFLA_IFNAME, 'x0');
    const li = w.nestStart(C.IFLA_LINKINFO);
    w.putStrz(C.IFLA_INFO_KIND, 'vxlan');
    const d = w.nestStart(C.IFLA_INFO_DATA);
    w.putU32(C.IFLA_VXLAN_ID, 5);
    w.putBytes(C.IFLA_VXLAN_PORT_RANGE, Uint8Array.of(0x07, 0xd0, 0x03, 0xe8)); // low 2000, high 1000
    w.nestEnd(d);
    w.nestEnd(li);
  }, undefined, { subject: 'x0 type vxlan' }));
  t.equal(raw.extack.attribute, 'IFLA_LINKINFO › IFLA_INFO_DATA › IFLA_VXLAN_PORT_RANGE');
  t.match(raw.message, /Invalid source port range \[at IFLA_LINKINFO › IFLA_INFO_DATA › IFLA_VXLAN_PORT_RANGE\] \(RTM_NEWLINK x0 type vxlan\)$/);
});

t.test('errno texts read as `ip` prints them (strerror), not as libuv words them', privileged, async (t) => {
  const { ns, rt } = fresh(t);
  ip(ns.path, ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
  ip(ns.path, ['link', 'set', 'v0', 'up']);
  // No route reaches the gateway: IPv6 answers EHOSTUNREACH without an extended ACK, `ip` prints "No route to host".
  const e = await refusal(t, rt.route.add({ dst: '2001:db8:9::/64', gateway: '2001:db8:1::1' }));
  t.equal(e.code, 'EHOSTUNREACH');
  t.match(e.message, /^EHOSTUNREACH: No route to host/);
  ip(ns.path, ['link', 'add', 'br0', 'type', 'bridge']);
  const loop = await refusal(t, rt.link.set('br0', { master: 'br0' }));
  t.match(loop.message, /^ELOOP: Too many levels of symbolic links — Can not enslave a bridge to a bridge/);
});

t.test("a route's refusal names its table (when not main), type and metric, as ip route writes them", privileged, async (t) => {
  const { ns, rt } = fresh(t);
  ip(ns.path, ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
  ip(ns.path, ['link', 'set', 'v0', 'up']);
  ip(ns.path, ['route', 'add', '10.9.0.0/24', 'dev', 'v0', 'table', '100']);
  const exists = await refusal(t, rt.route.add({ dst: '10.9.0.0/24', dev: 'v0', table: 100 }));
  t.equal(exists.code, 'EEXIST');
  t.equal(exists.request.subject, '10.9.0.0/24 dev v0 table 100', 'the table that has the route, not (as it read) main');
  t.match(exists.message, /\(RTM_NEWROUTE 10\.9\.0\.0\/24 dev v0 table 100\)$/);
  const missing = await refusal(t, rt.route.del({ dst: '10.8.0.0/24', table: 100 }));
  t.equal(missing.code, 'ESRCH');
  t.match(missing.message, /\(RTM_DELROUTE 10\.8\.0\.0\/24 table 100\)$/);
  await rt.route.add({ dst: '10.7.0.0/24', type: 'blackhole', table: 'local', metric: 5 });
  const dup = await refusal(t, rt.route.add({ dst: '10.7.0.0/24', type: 'blackhole', table: 'local', metric: 5 }));
  t.match(dup.message, /\(RTM_NEWROUTE blackhole 10\.7\.0\.0\/24 table local metric 5\)$/);
  const main = await refusal(t, rt.route.add({ dst: '10.9.0.0/24', gateway: '10.1.0.1' }));
  t.match(main.message, /\(RTM_NEWROUTE 10\.9\.0\.0\/24 via 10\.1\.0\.1\)$/, 'main is not named');
});

t.test("a route given its link by ifindex names it 'ifindex N' in the refusal, as the address and neighbour subjects do", privileged, async (t) => {
  const { ns, rt } = fresh(t);
  ip(ns.path, ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
  ip(ns.path, ['link', 'set', 'v0', 'up']);
  const v0 = (await rt.link.get('v0')).index;
  // `dev 2` read as a link named "2" (configureIface adds its routes by ifindex).
  const unreachable = await refusal(t, rt.route.add({ dst: '10.50.0.0/16', gateway: '10.91.0.1', dev: v0 }));
  t.equal(unreachable.request.subject, `10.50.0.0/16 via 10.91.0.1 dev ifindex ${v0}`);
  const mp = await refusal(t, rt.route.add({ dst: '10.51.0.0/16', nexthops: [{ gateway: '10.91.0.1', dev: v0 }, { gateway: '10.91.0.2', dev: 'v0' }] }));
  t.equal(mp.request.subject, `10.51.0.0/16 nexthop via 10.91.0.1 dev ifindex ${v0} nexthop via 10.91.0.2 dev v0`);
});

t.test("a link's refusal names the change and, for a veth, the peer: the name that clashed is in the message", privileged, async (t) => {
  const { ns, rt } = fresh(t);
  const other = Netns.new();
  t.teardown(() => other.close());
  ip(ns.path, ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
  ip(ns.path, ['link', 'add', 'v2', 'type', 'veth', 'peer', 'name', 'v3']);
  ip(other.path, ['link', 'add', 'w0', 'type', 'veth', 'peer', 'name', 'w1']);
  const peer = await refusal(t, rt.link.add({ name: 'n9', kind: 'veth', peer: { name: 'v1' } }));
  t.equal(peer.code, 'EEXIST');
  t.match(peer.message, /\(RTM_NEWLINK n9 type veth peer v1\)$/, 'the peer whose name is taken is named (it read: RTM_NEWLINK n9)');
  const there = await refusal(t, rt.link.add({ name: 'n9', kind: 'veth', peer: { name: 'w0', netns: other } }));
  t.equal(there.request.subject, `n9 type veth peer w0 netns ${other.path}`, "and the netns it is made in");
  const rename = await refusal(t, rt.link.set('v0', { name: 'v2' }));
  t.equal(rename.code, 'EEXIST');
  t.match(rename.message, /\(RTM_NEWLINK v0 name v2\)$/, 'the new name that is taken (it read: RTM_NEWLINK v0)');
  const pid = await refusal(t, rt.link.set('v0', { netns: { pid: 0x3ffffff } }));
  t.equal(pid.code, 'ESRCH');
  t.match(pid.message, /\(RTM_NEWLINK v0 netns pid 67108863\)$/, 'the pid that has no process');
  const master = await refusal(t, rt.link.set('v0', { master: 'v2', up: true }));
  t.equal(master.code, 'EOPNOTSUPP');
  t.match(master.message, /\(RTM_NEWLINK v0 master v2 up\)$/);
  const mtu = await refusal(t, rt.link.set(Number(ip(ns.path, ['-o', 'link', 'show', 'v0']).split(':')[0]), { mtu: 70000 }));
  t.match(mtu.message, /mtu greater than device maximum — v0 takes MTUs 68\.\.65535 \(RTM_NEWLINK ifindex \d+ mtu 70000\)$/, 'the range, named by the link read back');
});

t.test('an MTU below 68 goes to the kernel, which checks each device\'s own range: lo takes 50 as `ip link set lo mtu 50` does; a set below a veth\'s minimum names its range; a new Ethernet link is refused before sending', privileged, async (t) => {
  // Before: InvalidArgumentError 'MTU must be an integer from 68 (the IPv4 minimum)' for
  // every link, though lo's minimum is 0 and `ip` sets it.
  const { ns, rt } = fresh(t);
  ip(ns.path, ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
  await rt.link.set('lo', { mtu: 50 });
  t.equal((await rt.link.get('lo')).mtu, 50);
  t.equal(ipJson<{ mtu: number }[]>(ns.path, ['link', 'show', 'lo'])[0]!.mtu, 50, 'as ip reads it');
  const small = await refusal(t, rt.link.set('v0', { mtu: 50 }));
  t.equal(small.code, 'EINVAL');
  t.match(small.message, /^EINVAL: Invalid argument — mtu less than device minimum — v0 takes MTUs 68\.\.65535 \(RTM_NEWLINK v0 mtu 50\)$/, 'the link, the value and its range');
  // A new Ethernet link's minimum is known before sending (the kernel would say only EINVAL for a veth).
  await t.rejects(rt.link.add({ name: 'm0', kind: 'veth', mtu: 50, peer: { name: 'm1' } }), { name: 'InvalidArgumentError', argument: 'mtu', message: /an Ethernet link's MTU is at least 68, got 50/ });
  await t.rejects(rt.link.add({ name: 'm0', kind: 'veth', peer: { name: 'm1', mtu: 67 } }), { name: 'InvalidArgumentError', argument: 'peer.mtu', message: /at least 68, got 67/ });
  t.equal(ipJson<unknown[]>(ns.path, ['link', 'show']).length, 3, 'nothing made');
  // What no device takes is still refused before anything is sent: the kernel holds an MTU in an int.
  for (const mtu of [-1, 2 ** 31, 2 ** 32 - 1, 1.5, NaN]) {
    await t.rejects(rt.link.set('lo', { mtu }), { name: 'InvalidArgumentError', argument: 'mtu', message: /0 to 2147483647/ }, `mtu ${mtu}`);
  }
});

t.test('a refusal the kernel gives no text for says what it means for that request', privileged, async (t) => {
  const { ns, rt } = fresh(t);
  const ctr = Netns.new();
  const host = Netns.fromPath(ns.path);
  t.teardown(() => {
    ctr.close();
    host.close();
  });
  ip(ns.path, ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
  ip(ns.path, ['link', 'add', 'v2', 'type', 'veth', 'peer', 'name', 'v3']);
  ip(ns.path, ['link', 'set', 'v0', 'up']);
  ip(ns.path, ['route', 'add', '10.8.0.0/24', 'dev', 'v0', 'table', '100']);
  const cases: Array<[string, () => Promise<unknown>, string, RegExp]> = [
    // ESRCH "No such process" / ENOENT "No such file or directory" are what the kernel says for "not found".
    ['a route that is not there', () => rt.route.del({ dst: '10.9.0.0/24', table: 100 }), 'ESRCH', /^ESRCH: No such process — no route matches \(RTM_DELROUTE/],
    // IPv6 answers ENOENT when the lookup lands on the tree's empty root (fib6_del of the null entry).
    ['an IPv6 default route that is not there', () => rt.route.del({ dst: 'default', family: 6 }), 'ENOENT', /^ENOENT: No such file or directory — no route matches \(RTM_DELROUTE default\)$/],
    ['an IPv6 route whose gateway no route reaches', () => rt.route.add({ dst: '2001:db8:9::/64', gateway: '2001:db8:1::1' }), 'EHOSTUNREACH', / — no route reaches the gateway \(/],
    ['a rule that is not there', () => rt.rule.del({ from: '10.1.0.0/24', table: 100 }), 'ENOENT', /^ENOENT: No such file or directory — no rule matches \(RTM_DELRULE/],
    ['a neighbour that is not there', () => rt.neigh.del({ dst: '10.1.0.9', dev: 'v0' }), 'ENOENT', / — no such neighbour entry \(RTM_DELNEIGH 10\.1\.0\.9 dev v0\)$/],
    ['lo', () => rt.link.del('lo'), 'EOPNOTSUPP', / — the kernel deletes only devices made through rtnetlink \(loopback and hardware NICs cannot be deleted\) \(RTM_DELLINK lo\)$/],
    ['a master that takes no ports', () => rt.link.set('v0', { master: 'v2' }), 'EOPNOTSUPP', / — the master \(ifindex \d+\) cannot take ports: a bridge, bond, team or vrf can \(RTM_NEWLINK v0 master v2\)$/],
    ['bridge-port options on a link with no bridge', () => rt.link.set('v0', { bridgePort: { hairpin: true } }), 'EOPNOTSUPP', / — the link is not a bridge port: bridge-port options need a bridge as its master \(RTM_SETLINK v0\)$/],
    // veth_validate() answers a bare EINVAL for an MTU above ETH_MAX_MTU.
    ['a veth MTU above 65535', () => rt.link.add({ name: 'm0', kind: 'veth', mtu: 70000, peer: { name: 'm1' } }), 'EINVAL', /^EINVAL: Invalid argument — a veth's MTU is at most 65535, got 70000 \(/],
    ["a veth peer's MTU above 65535", () => rt.link.add({ name: 'm0', kind: 'veth', peer: { name: 'm1', mtu: 65536 } }), 'EINVAL', /a veth's MTU is at most 65535, got 65536/],
    ['setupVeth with an MTU above 65535', () => setupVeth('eth0', 'vh0', 70000, null, host, ctr), 'EINVAL', /a veth's MTU is at most 65535, got 70000/],
    ['a multicast MAC', () => rt.link.set('v0', { address: '01:00:5e:00:00:01' }), 'EADDRNOTAVAIL', / — 01:00:5e:00:00:01 is a multicast address; a link's address must be unicast \(/],
    ["a veth peer's multicast MAC", () => rt.link.add({ name: 'm0', kind: 'veth', peer: { name: 'm1', address: '03:00:00:00:00:01' } }), 'EADDRNOTAVAIL', /the peer's address 03:00:00:00:00:01 is a multicast address/],
    ['a rename onto a taken name', () => rt.link.set('v0', { name: 'v1' }), 'EEXIST', / — a link named 'v1' already exists \(RTM_NEWLINK v0 name v1\)$/],
    ['a veth whose peer name is taken', () => rt.link.add({ name: 'n9', kind: 'veth', peer: { name: 'v3' } }), 'EEXIST', / — a link named 'n9', or one named 'v3' where the peer is made, already exists \(/],
    ['a move to a pid that is gone', () => rt.link.set('v2', { netns: { pid: 0x3ffffff } }), 'ESRCH', / — no process 67108863 to take the network namespace of \(/],
  ];
  for (const [what, call, code, message] of cases) {
    const e = await refusal(t, call());
    t.equal(e.code, code, `${what}: ${code}`);
    t.match(e.message, message, `${what}: says why`);
  }
  t.equal(ip(ns.path, ['-o', 'link', 'show']).split('\n').filter(Boolean).length, 5, 'nothing was made (lo and the two pairs)');
});

t.test('a macvlan or macvtap on a device that cannot carry one says so; other EINVALs claim nothing', privileged, async (t) => {
  const { ns, rt } = fresh(t);
  ip(ns.path, ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
  ip(ns.path, ['tuntap', 'add', 'tun0', 'mode', 'tun']); // ARPHRD_NONE
  // macvlan_port_create() answers a bare EINVAL for a lower device that is loopback or not Ethernet.
  const cases: Array<[string, () => Promise<unknown>, string]> = [
    ['a macvlan on lo', () => rt.link.add({ name: 'm0', kind: 'macvlan', link: 'lo' }), "EINVAL: Invalid argument — a macvlan's lower device (link) must be an Ethernet device; lo is loopback (RTM_NEWLINK m0 link lo type macvlan)"],
    ['a macvtap on lo', () => rt.link.add({ name: 'm0', kind: 'macvtap', link: 'lo', data: { mode: 'bridge' } }), "EINVAL: Invalid argument — a macvtap's lower device (link) must be an Ethernet device; lo is loopback (RTM_NEWLINK m0 link lo type macvtap)"],
    ['a macvlan on lo by ifindex', () => rt.link.add({ name: 'm0', kind: 'macvlan', link: 1 }), "a macvlan's lower device (link) must be an Ethernet device; lo is loopback (RTM_NEWLINK m0 link 1 type macvlan)"],
    ['a macvlan on a tun device', () => rt.link.add({ name: 'm0', kind: 'macvlan', link: 'tun0' }), "a macvlan's lower device (link) must be an Ethernet device; tun0 is not one (link type none)"],
  ];
  for (const [what, call, text] of cases) {
    const e = await refusal(t, call());
    t.equal(e.code, 'EINVAL', `${what}: EINVAL`);
    t.ok(e.message.includes(text), `${what}: ${e.message}`);
  }
  const many = await refusal(t, rt.link.addMany([{ name: 'a0', kind: 'veth', peer: { name: 'a1' } }, { name: 'm0', kind: 'macvlan', link: 'lo' }]));
  t.equal(many.hint, "a macvlan's lower device (link) must be an Ethernet device; lo is loopback; specs[1]; the 1 link(s) this call created were deleted again", 'addMany too');
  // An MTU above v0's 1500: said with both MTUs, nothing claimed about the device's type.
  const mtu = await refusal(t, rt.link.add({ name: 'm0', kind: 'macvlan', link: 'v0', mtu: 9000 }));
  t.equal(mtu.code, 'EINVAL');
  t.equal(mtu.hint, "a macvlan's MTU is at most its lower device's: v0's is 1500, got 9000", 'the MTU, read back, named');
  // An Ethernet lower device refused for another reason (a second passthru macvlan): no claim about the device,
  // the passthru macvlan already there named instead.
  ip(ns.path, ['link', 'add', 'p0', 'link', 'v0', 'type', 'macvlan', 'mode', 'passthru']);
  const other = await refusal(t, rt.link.add({ name: 'm0', kind: 'macvlan', link: 'v0', data: { mode: 'passthru' } }));
  t.equal(other.code, 'EINVAL');
  t.equal(other.hint, 'v0 has a passthru macvlan (p0): a passthru macvlan or macvtap is the only one on its lower device', 'v0 is Ethernet: nothing said of it');
  ip(ns.path, ['link', 'del', 'p0']);
  t.equal(ip(ns.path, ['-o', 'link', 'show']).split('\n').filter(Boolean).length, 4, 'nothing was made (lo, the pair, tun0)');
});

t.test('without CAP_NET_ADMIN, a change says the process lacks it', privileged, async (t) => {
  // A child as nobody, without capabilities, in the runner's netns: any change is refused with a bare EPERM.
  const url = new URL('../../src/index.js', import.meta.url).href;
  const code = `const { Rtnl } = await import(${JSON.stringify(url)}); const rt = Rtnl.open();
    for (const f of [() => rt.link.add({ name: 'u0', kind: 'veth' }), () => rt.route.add({ dst: '10.9.0.0/24', dev: 'lo' })]) {
      try { await f(); console.log('resolved'); } catch (e) { console.log(e.code + ' ' + e.message); } }
    console.log('list ' + (await rt.link.list()).length); rt.close();`;
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', process.execPath, '--input-type=module', '-e', code], { encoding: 'utf8' });
  if (r.error) return void t.comment(`skipped: setpriv not available (${r.error.message})`);
  const lines = r.stdout.trim().split('\n');
  t.equal(lines.length, 3, `three answers: ${r.stdout}${r.stderr}`);
  t.match(lines[0], /^EPERM EPERM: Operation not permitted — this process does not have CAP_NET_ADMIN, which changing the network configuration needs \(RTM_NEWLINK u0 type veth\)$/);
  t.match(lines[1], /^EPERM .* — this process does not have CAP_NET_ADMIN, .*\(RTM_NEWROUTE 10\.9\.0\.0\/24 dev lo\)$/);
  t.match(lines[2], /^list \d+$/, 'a dump needs no capability and says nothing of one');
});

t.test('in a child user namespace, a change to the netns it does not own says why', privileged, async (t) => {
  // unshare -U -r: CAP_NET_ADMIN in full, but in a user namespace that does not own the
  // runner's netns; the kernel refuses every change with a bare EPERM.
  const url = new URL('../../src/index.js', import.meta.url).href;
  const code = `const { Rtnl } = await import(${JSON.stringify(url)}); const rt = Rtnl.open();
    for (const f of [() => rt.link.add({ name: 'u0', kind: 'veth' }), () => rt.route.add({ dst: '10.9.0.0/24', dev: 'lo' })]) {
      try { await f(); console.log('resolved'); } catch (e) { console.log(e.code + ' ' + e.message); } }
    rt.close();`;
  const r = spawnSync('unshare', ['-U', '-r', process.execPath, '--input-type=module', '-e', code], { encoding: 'utf8' });
  if (r.error || r.status !== 0 && r.stdout === '') return void t.comment(`skipped: unshare -U -r not available (${r.error?.message ?? r.stderr})`);
  const lines = r.stdout.trim().split('\n');
  t.equal(lines.length, 2, `two answers: ${r.stdout}${r.stderr}`);
  t.match(lines[0], /^EPERM EPERM: Operation not permitted — this process has CAP_NET_ADMIN only in a user namespace that does not own this network namespace: .* \(RTM_NEWLINK u0 type veth\)$/);
  t.match(lines[1], /^EPERM .* — this process has CAP_NET_ADMIN only in a user namespace that does not own .*\(RTM_NEWROUTE 10\.9\.0\.0\/24 dev lo\)$/);
});

t.test('in a child user namespace, Netns.new is refused before the thread moves', privileged, async (t) => {
  // The switch back to a netns the process's user namespace does not own fails: Netns.new
  // used to unshare first and then throw NetnsRestoreError, the thread left in the new netns.
  const url = new URL('../../src/index.js', import.meta.url).href;
  const code = `const { Netns } = await import(${JSON.stringify(url)}); const { readlinkSync } = await import('node:fs');
    const before = readlinkSync('/proc/thread-self/ns/net');
    for (const f of [() => Netns.new(), () => Netns.newNamed('u5x', { dir: '/tmp/u5-netns-' + process.pid })]) {
      try { f(); console.log('resolved'); } catch (e) { console.log(e.name + ' ' + e.code + ' ' + e.message); } }
    console.log(readlinkSync('/proc/thread-self/ns/net') === before ? 'same netns' : 'moved');`;
  const r = spawnSync('unshare', ['-U', '-r', process.execPath, '--input-type=module', '-e', code], { encoding: 'utf8' });
  if (r.error || r.status !== 0 && r.stdout === '') return void t.comment(`skipped: unshare -U -r not available (${r.error?.message ?? r.stderr})`);
  const lines = r.stdout.trim().split('\n');
  t.equal(lines.length, 3, `three lines: ${r.stdout}${r.stderr}`);
  t.match(lines[0], /^SysError EPERM EPERM: Operation not permitted, setns — .*CAP_SYS_ADMIN over the user namespace that owns this network namespace/);
  t.notMatch(lines[1], /NetnsRestoreError|resolved/, `newNamed too: ${lines[1]}`);
  t.equal(lines[2], 'same netns', 'the thread never left its netns');
});

t.test('without CAP_SYS_ADMIN, entering or making a netns says which capability it needs', privileged, async (t) => {
  const url = new URL('../../src/index.js', import.meta.url).href;
  const code = `const { Rtnl, Netns, setupVeth } = await import(${JSON.stringify(url)}); const home = Netns.get();
    for (const f of [() => Rtnl.open({ netns: home }), () => Netns.new(), () => setupVeth('eth0', '', 1500, null, home, home)]) {
      try { await f(); console.log('resolved'); } catch (e) { console.log(e.code + ' ' + e.message); } }
    home.close();`;
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', process.execPath, '--input-type=module', '-e', code], { encoding: 'utf8' });
  if (r.error) return void t.comment(`skipped: setpriv not available (${r.error.message})`);
  const lines = r.stdout.trim().split('\n');
  t.equal(lines.length, 3, `three answers: ${r.stdout}${r.stderr}`);
  t.match(lines[0], /^EPERM EPERM: Operation not permitted, setns — entering the network namespace of fd \d+ needs CAP_SYS_ADMIN/);
  t.match(lines[1], /^EPERM EPERM: Operation not permitted, unshare — creating a network namespace needs CAP_SYS_ADMIN$/);
  t.match(lines[2], /^EPERM .*, setns — entering the network namespace of fd \d+ needs CAP_SYS_ADMIN/, 'setupVeth');
});

t.test('a link looked up and not found is named with the netns the handle looked in', privileged, async (t) => {
  const { ns, rt } = fresh(t);
  const other = Netns.new();
  t.teardown(() => other.close());
  // The link is in another netns than the handle's: the user meant that one.
  ip(other.path, ['link', 'add', 'w0', 'type', 'veth', 'peer', 'name', 'w1']);
  const e = await refusal(t, rt.route.add({ dst: '10.9.0.0/24', dev: 'w0', table: 100 }));
  t.equal(e.code, 'ENODEV');
  t.match(e.message, new RegExp(`— dev 'w0' does not exist in netns fd ${ns.fd} \\(RTM_GETLINK w0\\)$`));
  const o = Rtnl.open({ netns: other });
  t.teardown(() => o.close());
  const byIndex = await refusal(t, o.addr.list({ link: 4242 }));
  t.match(byIndex.message, `filter.link ifindex 4242 does not exist in netns ${other.path}`);
  const master = await refusal(t, o.link.set('w0', { master: 'br9' }));
  t.match(master.message, `master 'br9' does not exist in netns ${other.path}`);
  const home = Rtnl.open();
  t.teardown(() => home.close());
  const here = await refusal(t, home.neigh.add({ dst: '10.1.0.9', dev: 'nope9', lladdr: '02:00:00:00:00:09' }));
  t.match(here.message, "dev 'nope9' does not exist in the caller's netns");
});

t.test('rt.link.get, del, set and index of a missing link name the netns they looked in', privileged, async (t) => {
  const { ns, rt } = fresh(t);
  const other = Netns.new();
  t.teardown(() => other.close());
  // w0 exists, but in another netns than the handle's: the ENODEV said only 'No such device'.
  ip(other.path, ['link', 'add', 'w0', 'type', 'veth', 'peer', 'name', 'w1']);
  const here = `netns fd ${ns.fd}`;
  const cases: Array<[string, () => Promise<unknown>, string]> = [
    ['get by name', () => rt.link.get('w0'), `— link 'w0' does not exist in ${here} (RTM_GETLINK w0)`],
    ['get by ifindex', () => rt.link.get(4242), `— link ifindex 4242 does not exist in ${here} (RTM_GETLINK ifindex 4242)`],
    ['del', () => rt.link.del('w0'), `— link 'w0' does not exist in ${here} (RTM_DELLINK w0)`],
    ['del by ifindex', () => rt.link.del(4242), `— link ifindex 4242 does not exist in ${here} (RTM_DELLINK ifindex 4242)`],
    ['set', () => rt.link.set('w0', { mtu: 1400 }), `— link 'w0' does not exist in ${here} (RTM_NEWLINK w0 mtu 1400)`],
    ['set by ifindex', () => rt.link.set(4242, { up: true }), `— link ifindex 4242 does not exist in ${here} (RTM_NEWLINK ifindex 4242 up)`],
    ['set bridge-port options only (looked up first)', () => rt.link.set('w0', { bridgePort: { cost: 5 } }), `— link 'w0' does not exist in ${here} (RTM_GETLINK w0)`],
    ['index', () => rt.link.index('w0'), `— link 'w0' does not exist in ${here} (RTM_GETLINK w0)`],
  ];
  for (const [what, call, tail] of cases) {
    const e = await refusal(t, call());
    t.equal(e.code, 'ENODEV', `${what}: ENODEV`);
    t.ok(e.message.endsWith(tail), `${what}: ${e.message}`);
  }
  // A master that is missing is still named as the master, not as the link.
  const master = await refusal(t, rt.link.set('lo', { master: 'br9' }));
  t.match(master.message, `master 'br9' does not exist in ${here}`);
  // By netns as opened, and the caller's own.
  const o = Rtnl.open({ netns: other });
  t.teardown(() => o.close());
  t.match((await refusal(t, o.link.del('nope9'))).message, `link 'nope9' does not exist in netns ${other.path} (RTM_DELLINK nope9)`);
  const home = Rtnl.open();
  t.teardown(() => home.close());
  t.match((await refusal(t, home.link.get('nope9'))).message, "link 'nope9' does not exist in the caller's netns (RTM_GETLINK nope9)");
  t.ok(ip(other.path, ['-o', 'link', 'show', 'w0']).includes('w0'), 'w0 untouched');
});

t.test('calls that add to an error keep what it meant: addMany and bridgePort with other changes', privileged, async (t) => {
  const { ns, rt } = fresh(t);
  ip(ns.path, ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
  const many = await refusal(t, rt.link.addMany([{ name: 'a0', kind: 'veth', peer: { name: 'a1' } }, { name: 'b0', kind: 'veth', mtu: 70000, peer: { name: 'b1' } }]));
  t.equal(many.code, 'EINVAL');
  t.equal(many.hint, "a veth's MTU is at most 65535, got 70000; specs[1] (peer b1); the 1 link(s) this call created were deleted again");
  t.match(many.message, /^EINVAL: Invalid argument — a veth's MTU is at most 65535, got 70000; specs\[1\] \(peer b1\); the 1 link\(s\)/);
  const port = await refusal(t, rt.link.set('v0', { mtu: 1400, bridgePort: { hairpin: true } }));
  t.equal(port.code, 'EOPNOTSUPP');
  t.match(port.message, / — the link is not a bridge port: bridge-port options need a bridge as its master; the bridgePort options were refused; the other changes of this call were applied \(RTM_SETLINK v0\)$/);
  const plain = await refusal(t, rt.link.add({ name: 'v0', kind: 'bridge' }));
  t.equal(plain.hint, "a link named 'v0' already exists", 'the hint is a field too');
  // (An MTU above the maximum was the example here; its error now gives the link's range as a hint.)
  const noHint = await refusal(t, rt.link.add({ name: 'x0', kind: 'vxlan', data: { id: 5, port: 4789, df: 3 } }));
  t.match(noHint.message, /Invalid DF attribute/, 'the kernel said why');
  t.equal(noHint.hint, undefined, 'none where the kernel said why (extended ACK)');
  t.notOk('hint' in noHint, 'and no hint key then');
});

t.test("a kind the kernel lacks is named: 'Unknown device type' said nothing of which", privileged, async (t) => {
  const { rt } = fresh(t);
  // This machine's kernel has none of these; one that has a kind makes the link, and there is nothing to say.
  for (const kind of ['dummy', 'bond', 'wireguard']) {
    const made = await rt.link.add({ name: 'k0', kind } as never).then(() => undefined, (e: NetlinkError) => e);
    if (made === undefined) {
      await rt.link.del('k0');
      continue;
    }
    if (made.code === 'ERR_NLKIT_INVALID_ARG') continue; // a kind nlkit does not encode
    t.match(made.message, new RegExp(`^EOPNOTSUPP: Operation not supported — Unknown device type \\(RTM_NEWLINK k0 type ${kind}\\)$`), kind);
    const unnamed = await refusal(t, rt.link.add({ kind } as never));
    t.match(unnamed.message, new RegExp(`\\(RTM_NEWLINK \\(a kernel-chosen name\\) type ${kind}\\)$`), `${kind}, no name`);
  }
});

t.test('a GET acknowledged without its reply is a protocol error, not bad input', async (t) => {
  // A recording socket answers every request as ACKed with no message: what a kernel (or
  // a proxy in between) that broke the protocol would do. The argument was fine.
  const link = await recordedRequests((core) => LinkApi.of(core), (api) => api.get('w0'));
  t.ok(link.error instanceof NetlinkError, 'a NetlinkError');
  t.equal((link.error as NetlinkError).code, 'EPROTO');
  t.equal((link.error as Error).message, 'EPROTO: Protocol error — no RTM_NEWLINK in the answer (RTM_GETLINK w0)');
  t.notOk(link.error instanceof InvalidArgumentError, 'not an InvalidArgumentError');
  const route = await recordedRequests((core) => RouteApi.of(core), (api) => api.get('10.0.0.1', { mark: 7 }));
  t.equal((route.error as NetlinkError).code, 'EPROTO');
  t.equal((route.error as Error).message, 'EPROTO: Protocol error — no RTM_NEWROUTE in the answer (RTM_GETROUTE 10.0.0.1 mark 0x7)');
});

t.test('a route lookup that fails is named as ip route get writes it, and an iif lookup says what the kernel wants', privileged, async (t) => {
  const { ns, rt } = fresh(t);
  for (const c of ['link add up0 type veth peer name up0p', 'link set up0 up', 'link set up0p up', 'addr add 192.168.10.2/24 dev up0', 'route add default via 192.168.10.1']) ip(ns.path, c.split(' '));
  const fwdOff = await refusal(t, rt.route.get('203.0.113.7', { from: '10.99.3.4', iif: 'up0p', mark: 0x164 }));
  t.equal(fwdOff.code, 'EHOSTUNREACH');
  const up0p = await rt.link.index('up0p');
  t.equal(fwdOff.message, 'EHOSTUNREACH: No route to host — a lookup with iif is for a packet to be forwarded, and IPv4 forwarding is off on the input ' +
    `link (ifindex ${up0p}): set net.ipv4.ip_forward (or net.ipv4.conf.LINK.forwarding) to 1 in this netns; or the lookup ended at an unreachable route (RTM_GETROUTE 203.0.113.7 from 10.99.3.4 iif up0p mark 0x164)`);
  ip(ns.path, ['link', 'set', 'lo', 'up']);
  spawnSync('nsenter', [`--net=${ns.path}`, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
  const noFrom = await refusal(t, rt.route.get('203.0.113.7', { iif: up0p }));
  t.equal(noFrom.code, 'EINVAL');
  t.equal(noFrom.message, "EINVAL: Invalid argument — a lookup with iif needs the packet's source address (from): the kernel drops a packet from 0.0.0.0 as martian (RTM_GETROUTE 203.0.113.7 iif " + up0p + ')');
  const own = await refusal(t, rt.route.get('203.0.113.7', { from: '192.168.10.2', iif: 'up0p' }));
  t.match(own.message, /^EINVAL: Invalid argument — the kernel takes the packet for a martian: arriving on a link, its source must be a unicast address that is not this netns's own .* \(RTM_GETROUTE 203\.0\.113\.7 from 192\.168\.10\.2 iif up0p\)$/);
  // Without iif these errnos mean what they say: no hint.
  ip(ns.path, ['route', 'del', 'default']);
  const plain = await refusal(t, rt.route.get('203.0.113.7', { mark: 7, uid: 0, tos: 0x10, fibMatch: true }));
  t.equal(plain.message, 'ENETUNREACH: Network is unreachable (RTM_GETROUTE 203.0.113.7 mark 0x7 uid 0 tos 0x10 fibmatch)');
  t.equal(plain.hint, undefined);
});

t.test('a lookup that ends at a blackhole, prohibit or unreachable route or rule says so, not just "Invalid argument" / "Permission denied"', privileged, async (t) => {
  const { ns, rt } = fresh(t);
  for (const c of ['link set lo up', 'link add up0 type veth peer name up0p', 'link set up0 up', 'addr add 192.168.10.2/24 dev up0',
    '-6 addr add 2001:db8::2/64 dev up0 nodad',
    'route add blackhole 10.60.0.0/16', 'route add prohibit 10.62.0.0/16', 'route add unreachable 10.61.0.0/16',
    '-6 route add blackhole 2001:db8:60::/48', '-6 route add prohibit 2001:db8:62::/48', '-6 route add unreachable 2001:db8:61::/48',
    'rule add to 10.99.0.0/16 blackhole pref 10', 'rule add to 10.98.0.0/16 prohibit pref 11']) ip(ns.path, c.split(' '));
  const blackhole = 'the lookup ended at a blackhole route (or a blackhole rule or nexthop): the kernel answers EINVAL for a destination it discards';
  const prohibit = 'the lookup ended at a prohibit route or rule: the kernel answers EACCES for a destination it refuses';
  const unreachable = 'the lookup ended at an unreachable route: the kernel answers EHOSTUNREACH for a destination it rejects';
  const cases: Array<[string, Record<string, unknown>, string, string]> = [
    ['10.60.0.1', {}, 'EINVAL', blackhole],
    ['10.60.0.1', { fibMatch: true }, 'EINVAL', blackhole],
    ['10.99.0.1', { mark: 7 }, 'EINVAL', blackhole],
    ['10.62.0.1', {}, 'EACCES', prohibit],
    ['10.98.0.1', {}, 'EACCES', prohibit],
    ['10.61.0.1', {}, 'EHOSTUNREACH', unreachable],
    ['2001:db8:60::1', {}, 'EINVAL', blackhole],
    ['2001:db8:62::1', {}, 'EACCES', prohibit],
    ['2001:db8:61::1', {}, 'EHOSTUNREACH', unreachable],
    // A source that is no unicast address is the other EINVAL of a lookup without iif.
    ['10.1.2.3', { from: '224.0.0.1' }, 'EINVAL', "the source (from) 224.0.0.1 is not a unicast address: a packet's source must be one"],
    ['10.1.2.3', { from: '255.255.255.255' }, 'EINVAL', "the source (from) 255.255.255.255 is not a unicast address: a packet's source must be one"],
    // With iif (IPv4 forwarding on): the same route types, beside what an iif lookup may also mean.
    ['10.62.0.1', { from: '192.168.20.9', iif: 'up0p' }, 'EACCES', prohibit],
    ['10.60.0.1', { from: '192.168.20.9', iif: 'up0p' }, 'EINVAL', 'the kernel takes the packet for a martian: arriving on a link, its source must be a unicast address that is not ' +
      "this netns's own and passes the reverse-path filter (rp_filter) there, and its destination not 0.0.0.0 or a loopback address; or the lookup ended at a blackhole route (or rule, or nexthop)"],
    ['10.61.0.1', { from: '192.168.20.9', iif: 'up0p' }, 'EHOSTUNREACH', 'a lookup with iif is for a packet to be forwarded, and IPv4 forwarding is off on the input link ' +
      '(ifindex IIF): set net.ipv4.ip_forward (or net.ipv4.conf.LINK.forwarding) to 1 in this netns; or the lookup ended at an unreachable route'],
    ['2001:db8:60::1', { from: '2001:db8:20::9', iif: 'up0p' }, 'EINVAL', blackhole],
    // IPv4: a lookup without iif is for a packet sent from here, so its source must be ours.
    ['192.168.10.9', { from: '10.77.0.1' }, 'ENETUNREACH', 'no route matches, or the source (from) 10.77.0.1 is not an address of this netns: a lookup without iif is for a packet sent from here'],
  ];
  spawnSync('nsenter', [`--net=${ns.path}`, 'sysctl', '-qw', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.up0p.rp_filter=0']);
  ip(ns.path, ['link', 'set', 'up0p', 'up']);
  ip(ns.path, ['addr', 'add', '192.168.20.2/24', 'dev', 'up0p']);
  const iifIndex = String(await rt.link.index('up0p'));
  for (const [dst, o, code, hintIn] of cases) {
    const hint = hintIn.replace('IIF', iifIndex);
    const e = await refusal(t, rt.route.get(dst, o));
    t.equal(e.code, code, `${dst} ${JSON.stringify(o)}: code`);
    t.equal(e.hint, hint, `${dst} ${JSON.stringify(o)}: hint`);
    t.match(e.message, new RegExp(`^${code}: .* — ${hint.replace(/[()]/g, '\\$&')} \\(RTM_GETROUTE ${dst}`), `${dst}: message`);
  }
});

t.test('a netns given as a path or a name says how to open it, in every function that takes one', privileged, async (t) => {
  const host = Netns.get();
  t.teardown(() => host.close());
  const byPath = " expected a Netns(?:, an fd number or \\{ pid \\}| or \\{ fd \\})?, got '/run/netns/blue' \\(open a netns file with Netns\\.fromPath\\('/run/netns/blue'\\)\\)$";
  const byName = " expected a Netns(?:, an fd number or \\{ pid \\}| or \\{ fd \\})?, got 'blue' \\(open a named netns with Netns\\.getNamed\\('blue'\\)\\)$";
  for (const [v, tail] of [['/run/netns/blue', byPath], ['blue', byName]] as const) {
    const cases: [string, string, () => unknown][] = [
      ['Rtnl.open', 'netns', () => Rtnl.open({ netns: v as never })],
      ['sysctlGet', 'ns', () => sysctlGet(v as never, 'net.ipv4.ip_forward')],
      ['execNetnsSync', 'target', () => execNetnsSync(host, v as never, () => 1)],
      ['setupVeth', 'containerNs', () => setupVeth('eth0', '', 1500, null, host, v as never)],
    ];
    for (const [fn, arg, call] of cases) {
      let e: unknown;
      try {
        await call();
      } catch (x) {
        e = x;
      }
      t.ok(e instanceof InvalidArgumentError, `${fn}(${v}): InvalidArgumentError`);
      t.match((e as Error).message, new RegExp(`^invalid ${arg}:${tail}`), `${fn}(${v}): ${(e as Error).message}`);
    }
  }
  t.throws(() => Rtnl.open({ netns: {} as never }), { message: /^invalid netns: expected a Netns, an fd number or \{ pid \}, got an object$/ }, 'anything else: what it got');
});

t.test("a route add that clashes says a route's key is its destination and metric, not its path", privileged, async (t) => {
  const { ns, rt } = fresh(t);
  for (const c of ['link add a0 type veth peer name a1', 'link set a0 up', 'link set a1 up', 'addr add 10.1.0.1/24 dev a0', 'addr add 2001:db8::1/64 dev a0 nodad']) ip(ns.path, c.split(' '));
  await rt.route.add({ dst: '10.9.0.0/16', dev: 'a0' });
  await rt.route.add({ dst: '2001:db8:9::/48', dev: 'a0' });
  const key = ' — the table already has a route to this destination with the same metric (and TOS), whatever its gateway or link: replace it (ip route replace), or add with another metric';
  for (const [spec, subject] of [
    [{ dst: '10.9.0.0/16', dev: 'a1' }, '10.9.0.0/16 dev a1'],
    [{ dst: '10.9.0.0/16', gateway: '10.1.0.5' }, '10.9.0.0/16 via 10.1.0.5'],
    [{ dst: '2001:db8:9::/48', dev: 'a1' }, '2001:db8:9::/48 dev a1'],
    [{ dst: '10.1.0.0/24', dev: 'a0' }, '10.1.0.0/24 dev a0'],
  ] as const) {
    const e = await refusal(t, rt.route.add(spec));
    t.equal(e.message, `EEXIST: File exists${key} (RTM_NEWROUTE ${subject})`, subject);
  }
  const same = await refusal(t, rt.route.append({ dst: '10.9.0.0/16', dev: 'a0' }));
  t.equal(same.message, 'EEXIST: File exists — the table already has this route, with the same path (RTM_NEWROUTE 10.9.0.0/16 dev a0)', 'append of the very same route');
  await rt.route.add({ dst: '10.9.0.0/16', dev: 'a1', metric: 10 });
  await rt.route.replace({ dst: '10.9.0.0/16', dev: 'a1' });
  t.same(ipJson(ns.path, ['-4', 'route', 'show', '10.9.0.0/16']).map((r: any) => `${r.dev} ${r.metric ?? 0}`).sort(), ['a1 0', 'a1 10'], 'what the hint says works');
});

t.test('bare refusals that ip prints as "File exists" or "Invalid argument" say what they mean', privileged, async (t) => {
  const { rt } = fresh(t);
  await rt.link.add({ name: 'v0', kind: 'veth', peer: { name: 'v1' } });
  await rt.link.set('v0', { up: true });
  await rt.addr.add('v0', '10.0.0.1/24');
  // neigh add of an entry that exists: EEXIST, no text.
  await rt.neigh.add({ dst: '10.0.0.5', lladdr: '02:00:00:00:00:05', dev: 'v0' });
  const neigh = await refusal(t, rt.neigh.add({ dst: '10.0.0.5', lladdr: '02:00:00:00:00:05', dev: 'v0' }));
  t.equal(neigh.code, 'EEXIST');
  t.equal(neigh.hint, 'the neighbour table already has an entry for this address on this link: replace it (ip neigh replace)', neigh.message);
  // rule add of a rule that exists: EEXIST, no text.
  await rt.rule.add({ priority: 556, table: 100 });
  const rule = await refusal(t, rt.rule.add({ priority: 556, table: 100 }));
  t.equal(rule.code, 'EEXIST');
  t.equal(rule.hint, 'a rule with the same priority, selectors and action already exists', rule.message);
  // A netns fd that is no netns: EINVAL, no text.
  const notNs = await refusal(t, rt.link.set('v1', { netns: 0 }));
  t.equal(notNs.code, 'EINVAL');
  t.match(notNs.hint, /^netns fd 0 is not a network namespace \(it is .+\)$/, notNs.message);
});

t.test("a veth create whose netns fd (either end's) is not open or no netns says which fd, not a bare EBADF or EINVAL", privileged, async (t) => {
  const { rt } = fresh(t);
  const other = Netns.new();
  const { openSync, closeSync } = await import('node:fs');
  const mnt = openSync('/proc/self/ns/mnt', 'r');
  t.teardown(() => {
    other.close();
    closeSync(mnt);
  });
  // The peer's IFLA_NET_NS_FD is no netns while the end's own is one: the hint looked at the
  // end's only (a netns) and said nothing.
  const e1 = await refusal(t, rt.link.add({ name: 'x0', kind: 'veth', netns: other, peer: { name: 'x1', netns: { fd: mnt } } }));
  t.match(e1.message, new RegExp(`^EINVAL: Invalid argument — netns fd ${mnt} is not a network namespace \\(it is mnt:\\[\\d+\\]\\)`));
  // An fd that is not open: the kernel's bare EBADF.
  const e2 = await refusal(t, rt.link.add({ name: 'x0', kind: 'veth', netns: other, peer: { name: 'x1', netns: { fd: 999999 } } }));
  t.match(e2.message, /^EBADF: Bad file descriptor — netns fd 999999 is not open/);
  const e3 = await refusal(t, rt.link.add({ name: 'x0', kind: 'veth', netns: { fd: 999999 }, peer: { name: 'x1' } }));
  t.match(e3.message, /^EBADF: Bad file descriptor — netns fd 999999 is not open/);
});
