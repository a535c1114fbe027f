// setupVeth's request paths: the default one (one handle, in the host netns; the
// container end born there through IFLA_NET_NS_FD and read back through the host end's
// peer index and netns id), the echoed create over a given container handle, the same
// netns for both ends, and atomicity when a read-back fails.
import t from 'tap';
import { Netns, setupVeth, MacAddr, NetlinkError, Rtnl, NetlinkSocket, InvalidArgumentError } from '../../src/index.js';
import { RTM_GETLINK, RTM_NEWLINK } from '../../src/rtnl/constants.js';
import { NLM_F_CREATE } from '../../src/netlink/index.js';
import { netnsPair, privileged, ipJson, fdCount, ip } from '../helpers.js';

type IpLink = Record<string, any>;

const link = (ns: Netns, name: string): IpLink => ipJson<IpLink[]>(ns.path, ['link', 'show', 'dev', name])[0]!;
const names = (ns: Netns) => ipJson<IpLink[]>(ns.path, ['link', 'show']).map((l) => l.ifname).sort();

/** Both ends of `veth` as `ip -j` sees them in their own netns: index, MAC, MTU, up. */
function checkAgainstIp(t: any, veth: Awaited<ReturnType<typeof setupVeth>>, host: Netns, ctr: Netns, mtu: number): void {
  const c = link(ctr, veth.container.name);
  const h = link(host, veth.host.name);
  t.equal(veth.container.index, c.ifindex, 'container index as the kernel has it');
  t.equal(veth.container.mac.toString(), c.address, 'container MAC as the kernel has it');
  t.equal(veth.host.index, h.ifindex, 'host index as the kernel has it');
  t.equal(veth.host.mac.toString(), h.address, 'host MAC as the kernel has it');
  t.equal(c.mtu, mtu, 'container MTU');
  t.equal(h.mtu, mtu, 'host MTU');
  t.ok(c.flags.includes('UP') && h.flags.includes('UP'), 'both ends up');
  t.ok(c.flags.includes('LOWER_UP') && h.flags.includes('LOWER_UP'), 'carrier on both ends');
}

t.test('a kernel-chosen container MAC is read back (no containerMac)', privileged, async (t) => {
  const { host, ctr } = netnsPair(t);
  const veth = await setupVeth('eth0', 'vk0', 1400, null, host, ctr);
  checkAgainstIp(t, veth, host, ctr, 1400);
  t.same(names(ctr), ['eth0', 'lo'], 'the container end was born in the container netns');
  t.same(names(host), ['lo', 'vk0'], 'the host end was born in the host netns');
});

t.test('a given containerMac is set in the create message and reported', privileged, async (t) => {
  const { host, ctr } = netnsPair(t);
  const mac = MacAddr.parse('02:aa:bb:cc:dd:01');
  const veth = await setupVeth('eth0', 'vk1', 1500, mac, host, ctr);
  checkAgainstIp(t, veth, host, ctr, 1500);
  t.ok(veth.container.mac.equals(mac));
});

t.test('both ends in the same netns', privileged, async (t) => {
  const ns = Netns.new();
  t.teardown(() => ns.close());
  const veth = await setupVeth('s0', 's1', 1500, null, ns, ns);
  checkAgainstIp(t, veth, ns, ns, 1500);
  t.same(names(ns), ['lo', 's0', 's1']);
});

t.test('the default path opens one handle, in the host netns, and closes it', privileged, async (t) => {
  const { host, ctr } = netnsPair(t);
  const orig = Rtnl.open;
  const opened: unknown[] = [];
  Rtnl.open = ((o?: Parameters<typeof Rtnl.open>[0]) => {
    opened.push(o?.netns);
    return orig.call(Rtnl, o);
  }) as typeof Rtnl.open;
  t.teardown(() => {
    Rtnl.open = orig;
  });
  const fds = fdCount();
  await setupVeth('eth0', '', 1500, null, host, ctr);
  t.same(opened, [host], 'one handle, bound to hostNs');
  await setupVeth('eth1', '', 1500, MacAddr.random(), host, ctr);
  t.same(opened, [host, host], 'one handle per call with a containerMac too');
  // A clash is located with a container handle, opened for it and closed.
  const e = await setupVeth('eth0', '', 1500, null, host, ctr).catch((x) => x);
  t.match(e?.message, /'eth0' already exists in the container netns/);
  t.same(opened.slice(2), [host, ctr], 'a container handle only to locate the clash');
  t.equal(fdCount(), fds, 'every handle closed');
});

t.test('a given container handle carries the echoed create; a given host handle the rest', privileged, async (t) => {
  const { host, ctr } = netnsPair(t);
  const handles = { container: Rtnl.open({ netns: ctr }), host: Rtnl.open({ netns: host }) };
  t.teardown(() => {
    handles.container.close();
    handles.host.close();
  });
  const c0 = handles.container.sock.stats.requests;
  const h0 = handles.host.sock.stats.requests;
  const fds = fdCount();
  const veth = await setupVeth('eth0', 'vk2', 1500, null, host, ctr, { handles });
  checkAgainstIp(t, veth, host, ctr, 1500);
  t.equal(handles.container.sock.stats.requests - c0, 1, 'the create, echoed, on the container handle');
  t.equal(handles.host.sock.stats.requests - h0, 2, 'host end up and its read-back on the host handle');
  t.equal(fdCount(), fds, 'no socket opened');
});

t.test('only a host handle given: every request on it, no socket opened', privileged, async (t) => {
  const { host, ctr } = netnsPair(t);
  const hrt = Rtnl.open({ netns: host });
  t.teardown(() => hrt.close());
  const fds = fdCount();
  const r0 = hrt.sock.stats.requests;
  const a = await setupVeth('eth0', '', 1500, null, host, ctr, { handles: { host: hrt } });
  checkAgainstIp(t, a, host, ctr, 1500);
  t.equal(hrt.sock.stats.requests - r0, 4, 'create, up, host read-back, container read-back (kernel-chosen MAC)');
  const b = await setupVeth('eth1', '', 1500, MacAddr.random(), host, ctr, { handles: { host: hrt } });
  checkAgainstIp(t, b, host, ctr, 1500);
  t.equal(hrt.sock.stats.requests - r0, 7, 'no container read-back when the MAC was given');
  t.equal(fdCount(), fds, 'no socket opened');
});

t.test('a failed read-back deletes the pair and says so', privileged, async (t) => {
  const { host, ctr } = netnsPair(t);
  const orig = NetlinkSocket.prototype.request;
  let armed = true;
  NetlinkSocket.prototype.request = function (this: NetlinkSocket, type: number, ...rest: any[]) {
    if (armed && type === RTM_GETLINK) {
      armed = false;
      return Promise.reject(new NetlinkError(5, { type, typeName: 'RTM_GETLINK', seq: 0, subject: 'vk3' }, {}, 'injected'));
    }
    return (orig as any).call(this, type, ...rest);
  } as typeof orig;
  t.teardown(() => {
    NetlinkSocket.prototype.request = orig;
  });
  const fds = fdCount();
  const e = await setupVeth('eth0', 'vk3', 1500, null, host, ctr).catch((x) => x);
  t.ok(e instanceof NetlinkError, 'the read-back error propagates');
  t.match(e?.message, /setupVeth eth0\/vk3: .*injected.*\(the pair was deleted\)/);
  t.same(names(ctr), ['lo'], 'container netns as before');
  t.same(names(host), ['lo'], 'host netns as before');
  t.equal(fdCount(), fds, 'no fd leaked');
});

t.test('a non-ASCII container name is read back as the same name (no containerMac)', privileged, async (t) => {
  const { host, ctr } = netnsPair(t);
  const v = await setupVeth('cé0', '', 1500, null, host, ctr);
  t.equal(v.container.name, 'cé0');
  t.same(names(ctr), ['cé0', 'lo']);
  checkAgainstIp(t, v, host, ctr, 1500);
});

t.test('an EEXIST with no clash in either netns (older kernels look the name up in the sender\'s netns): the create is sent again from the container netns', privileged, async (t) => {
  const { host, ctr } = netnsPair(t);
  const orig = NetlinkSocket.prototype.request;
  const creates: NetlinkSocket[] = [];
  NetlinkSocket.prototype.request = function (this: NetlinkSocket, type: number, flags: number, ...rest: any[]) {
    if (type === RTM_NEWLINK && flags & NLM_F_CREATE) {
      creates.push(this);
      // What a pre-2024 kernel answers when the host netns has a link of the container end's name.
      if (creates.length === 1) return Promise.reject(new NetlinkError(17, { type, typeName: 'RTM_NEWLINK', seq: 0, subject: 'eth0' }, {}));
    }
    return (orig as any).call(this, type, flags, ...rest);
  } as typeof orig;
  t.teardown(() => {
    NetlinkSocket.prototype.request = orig;
  });
  const fds = fdCount();
  const v = await setupVeth('eth0', 'vfb0', 1400, MacAddr.parse('02:00:00:00:0f:b0'), host, ctr);
  t.equal(creates.length, 2, 'the create was sent twice');
  t.not(creates[1], creates[0], 'the second time on another socket (the container netns handle)');
  t.equal(v.container.mac.toString(), '02:00:00:00:0f:b0');
  checkAgainstIp(t, v, host, ctr, 1400);
  t.equal(fdCount(), fds, 'the extra handle was closed');
});

t.test('options.queues: that many TX and RX queues on both ends, in the create message; bad values refused before sending', privileged, async (t) => {
  const { host, ctr } = netnsPair(t);
  const detail = (ns: Netns, name: string): IpLink => ipJson<IpLink[]>(ns.path, ['-d', 'link', 'show', 'dev', name])[0]!;
  const one = await setupVeth('eth0', 'vq1', 1500, null, host, ctr, { queues: 1 });
  checkAgainstIp(t, one, host, ctr, 1500);
  for (const [ns, name] of [[ctr, 'eth0'], [host, 'vq1']] as const) {
    const l = detail(ns, name);
    t.equal(l.num_tx_queues, 1, `${name}: one TX queue`);
    t.equal(l.num_rx_queues, 1, `${name}: one RX queue`);
  }
  const four = await setupVeth('eth1', 'vq4', 1500, null, host, ctr, { queues: 4 });
  checkAgainstIp(t, four, host, ctr, 1500);
  for (const [ns, name] of [[ctr, 'eth1'], [host, 'vq4']] as const) {
    t.equal(detail(ns, name).num_tx_queues, 4, `${name}: four TX queues`);
    t.equal(detail(ns, name).num_rx_queues, 4, `${name}: four RX queues`);
  }
  // Without the option the kernel chooses: the same counts as a veth `ip` makes without any.
  await setupVeth('eth2', 'vqd', 1500, null, host, ctr);
  ip(host.path, ['link', 'add', 'ref0', 'type', 'veth', 'peer', 'name', 'ref1']);
  const ref = detail(host, 'ref0');
  for (const [ns, name] of [[ctr, 'eth2'], [host, 'vqd']] as const) {
    const l = detail(ns, name);
    t.same([l.num_tx_queues, l.num_rx_queues], [ref.num_tx_queues, ref.num_rx_queues], `${name}: the kernel's default counts (${ref.num_tx_queues}/${ref.num_rx_queues}), no attribute sent`);
  }
  ip(host.path, ['link', 'del', 'ref0']);
  const before = [names(ctr), names(host)];
  for (const q of [0, 4097, 1.5, NaN, '2' as unknown as number]) {
    const e = await setupVeth('eth9', 'vq9', 1500, null, host, ctr, { queues: q }).then(() => undefined, (x: unknown) => x);
    t.ok(e instanceof InvalidArgumentError && e.argument === 'options.queues', `queues ${String(q)} refused: ${(e as Error)?.message}`);
  }
  t.same([names(ctr), names(host)], before, 'nothing created by the refused calls');
});
