// Bridge port options (rt.link.set's bridgePort) and bridge options beyond what the
// kernel takes: values outside the kernel's ranges are refused before anything is sent
// (the port options go in a request of their own after the other changes, so a kernel
// refusal left those applied and said only 'ERANGE' or 'EINVAL'); a bridge with
// vlanFiltering on a kernel built without CONFIG_BRIDGE_VLAN_FILTERING says why.
import t from 'tap';
import { InvalidArgumentError, NetlinkError } from '../../src/netlink/errors.js';
import { LinkApi } from '../../src/rtnl/link/api.js';
import { recordedRequests } from './scripted-link-api.js';
import { ip, ipJson, inNs, privileged, freshHandle } from '../helpers.js';

t.test('bridgePort priority, cost and state outside the kernel\'s ranges are refused before anything is sent', async (t) => {
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ priority: 64 }, /bridgePort\.priority.*0\.\.63, got 64/],
    [{ priority: -1 }, /bridgePort\.priority/],
    [{ cost: 0 }, /bridgePort\.cost.*1\.\.65535, got 0/],
    [{ cost: 65536 }, /bridgePort\.cost.*1\.\.65535, got 65536/],
    [{ state: 5 }, /bridgePort\.state.*0\.\.4 .*got 5/],
    [{ state: -1 }, /bridgePort\.state.*got -1/],
  ];
  for (const [bp, re] of bad) {
    const r = await recordedRequests((core) => LinkApi.of(core), (a) => a.set('v0', { mtu: 1400, bridgePort: bp as never }));
    t.ok(r.error instanceof InvalidArgumentError, `${JSON.stringify(bp)}: an InvalidArgumentError: ${String(r.error)}`);
    t.match(String(r.error), re);
    t.same(r.bytes, [], 'nothing sent (not the mtu either)');
  }
  // The bounds themselves are taken.
  for (const bp of [{ priority: 0 }, { priority: 63 }, { cost: 1 }, { cost: 65535 }, { state: 4 }, { state: 'blocking' }]) {
    const r = await recordedRequests((core) => LinkApi.of(core), (a) => a.set('v0', { bridgePort: bp as never }));
    t.equal(r.error, undefined, `${JSON.stringify(bp)} is sent`);
    t.equal(r.bytes.length, 1);
  }
});

t.test('on a real kernel: the bounds are the kernel\'s own (ip link set … type bridge_slave refuses beyond them)', privileged, async (t) => {
  const { ns, rt } = freshHandle(t);
  for (const c of ['link add br0 type bridge', 'link add v0 type veth peer name v1', 'link set v0 master br0']) ip(ns.path, c.split(' '));
  await rt.link.set('v0', { bridgePort: { priority: 63, cost: 65535 } });
  const d = ipJson(ns.path, ['-d', 'link', 'show', 'v0'])[0].linkinfo.info_slave_data;
  t.same([d.priority, d.cost], [63, 65535], 'the upper bounds are taken');
  for (const a of [['priority', '64'], ['cost', '65536'], ['cost', '0'], ['state', '5']]) {
    t.throws(() => inNs(ns.path, 'ip', ['link', 'set', 'v0', 'type', 'bridge_slave', ...a]), `ip refuses ${a.join(' ')} (the kernel does)`);
  }
  await t.rejects(rt.link.set('v0', { mtu: 1400, bridgePort: { priority: 64 } }), InvalidArgumentError);
  t.equal((await rt.link.get('v0')).mtu, 1500, 'the mtu of the refused call was not applied');
});

t.test('a bridge with vlanFiltering on a kernel without bridge VLAN filtering: the error says why, no bridge is left', privileged, async (t) => {
  const { ns, rt } = freshHandle(t);
  let supported = true;
  try {
    inNs(ns.path, 'ip', ['link', 'add', 'brx', 'type', 'bridge', 'vlan_filtering', '1']);
  } catch {
    supported = false;
  }
  if (supported) {
    t.comment('this kernel has bridge VLAN filtering: nothing to refuse');
    return;
  }
  const e = await rt.link.add({ kind: 'bridge', name: 'br9', data: { vlanFiltering: 1 } }).catch((x: unknown) => x);
  t.ok(e instanceof NetlinkError && e.code === 'EOPNOTSUPP', String(e));
  t.match(String((e as Error).message), /CONFIG_BRIDGE_VLAN_FILTERING/);
  t.match(String((e as Error).message), /vlanFiltering/);
  t.equal(ipJson(ns.path, ['link']).filter((l: any) => l.ifname === 'br9').length, 0, 'no half-made bridge');
});

t.test('bridgePort state refused by the kernel says why: the port down (ENETDOWN), the kernel STP in charge (EBUSY)', privileged, async (t) => {
  // br_set_port_state(): -ENETDOWN unless the port is up, and operationally up for any state
  // but disabled; -EBUSY while the bridge runs the kernel's STP. Both without text: before,
  // 'ENETDOWN: Network is down (RTM_SETLINK p0)' and 'EBUSY: Device or resource busy'.
  const { ns, rt } = freshHandle(t);
  ip(ns.path, ['link', 'add', 'br0', 'type', 'bridge']);
  ip(ns.path, ['link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'p1']);
  ip(ns.path, ['link', 'set', 'p0', 'master', 'br0']);
  const down = await rt.link.set('p0', { bridgePort: { state: 'forwarding' } }).catch((x: unknown) => x);
  t.ok(down instanceof NetlinkError && down.code === 'ENETDOWN');
  t.match((down as Error).message, /port's STP state is set only while the port is up.*operationally up.*disabled/);
  ip(ns.path, ['link', 'set', 'p0', 'up']); // up, but no carrier: the peer is down
  const noCarrier = await rt.link.set('p0', { bridgePort: { state: 'forwarding' } }).catch((x: unknown) => x);
  t.match((noCarrier as Error).message, /port's STP state is set only while the port is up.*operationally up.*disabled/);
  await rt.link.set('p0', { bridgePort: { state: 'disabled' } });
  ip(ns.path, ['link', 'set', 'p1', 'up']);
  await rt.link.set('p0', { bridgePort: { state: 'blocking' } });
  ip(ns.path, ['link', 'set', 'br0', 'type', 'bridge', 'stp_state', '1']);
  const busy = await rt.link.set('p0', { bridgePort: { state: 'forwarding' } }).catch((x: unknown) => x);
  t.ok(busy instanceof NetlinkError && busy.code === 'EBUSY');
  t.match((busy as Error).message, /kernel's STP.*stpState/);
});

t.test('bridgePort: locked, groupFwdMask, multicastRouter, mcastToUcast, vlanTunnel, rootBlock, proxyarpWifi, mcastEhtHostsLimit and backupPort set as ip link set … type bridge_slave sets them', privileged, async (t) => {
  const { ns, rt } = freshHandle(t);
  for (const c of ['link add br0 type bridge', 'link add v0 type veth peer name v1', 'link add v4 type veth peer name v5', 'link add v2 type veth peer name v3',
    'link set v0 master br0', 'link set v4 master br0']) ip(ns.path, c.split(' '));
  const slave = (n: string) => ipJson(ns.path, ['-d', 'link', 'show', n])[0].linkinfo.info_slave_data;
  await rt.link.set('v0', { bridgePort: { locked: true, groupFwdMask: 0x4000, multicastRouter: 2, mcastToUcast: true, vlanTunnel: true, rootBlock: true, proxyarpWifi: true, mcastEhtHostsLimit: 100, backupPort: 'v4' } });
  const d = slave('v0');
  t.same([d.locked, d.group_fwd_mask, d.multicast_router, d.mcast_to_unicast, d.vlan_tunnel, d.root_block, d.proxy_arp_wifi, d.backup_port],
    [true, '0x4000', 2, true, true, true, true, 'v4'], 'ip -j -d shows each');
  const v4 = (await rt.link.get('v4')).index;
  const got = (await rt.link.get('v0')).linkinfo?.slaveData as Record<string, unknown>;
  t.match(got, { locked: true, groupFwdMask: 0x4000, multicastRouter: 2, mcastToUcast: true, vlanTunnel: true, rootBlock: true, proxyarpWifi: true, mcastEhtHostsLimit: 100, backupPort: v4 }, 'and nlkit decodes what it set');
  // The same settings by ip, on v4: the two ports read alike.
  inNs(ns.path, 'ip', ['link', 'set', 'v4', 'type', 'bridge_slave', 'locked', 'on', 'group_fwd_mask', '0x4000', 'mcast_router', '2', 'mcast_to_unicast', 'on', 'vlan_tunnel', 'on', 'root_block', 'on', 'proxy_arp_wifi', 'on']);
  const e = slave('v4');
  t.same([e.locked, e.group_fwd_mask, e.multicast_router, e.mcast_to_unicast, e.vlan_tunnel, e.root_block, e.proxy_arp_wifi], [d.locked, d.group_fwd_mask, d.multicast_router, d.mcast_to_unicast, d.vlan_tunnel, d.root_block, d.proxy_arp_wifi]);
  await rt.link.set('v0', { bridgePort: { backupPort: null, locked: false, multicastRouter: 0 } });
  const f = slave('v0');
  t.same([f.backup_port, f.locked, f.multicast_router], [undefined, false, 0], 'null removes the backup port (nobackup_port)');
  await rt.link.set('v0', { bridgePort: { backupPort: v4 } });
  t.equal(slave('v0').backup_port, 'v4', 'by ifindex');
  // A backup port that is no port of the bridge: the kernel's refusal, nothing else of the call lost.
  const notPort = await rt.link.set('v0', { bridgePort: { backupPort: 'v2' } }).catch((x: unknown) => x);
  t.ok(notPort instanceof NetlinkError, String(notPort));
  t.match(notPort, { code: 'ENOENT', message: /the backup port 'v2' is no bridge port: it must be a port of the same bridge/ }, "the kernel's bare ENOENT said in words");
  t.match(await rt.link.set('v0', { bridgePort: { backupPort: 'v0' } }).catch((x: unknown) => x), { code: 'EINVAL', message: /a port cannot be its own backup/ });
  ip(ns.path, ['link', 'add', 'br1', 'type', 'bridge']);
  ip(ns.path, ['link', 'set', 'v2', 'master', 'br1']);
  t.match(await rt.link.set('v0', { bridgePort: { backupPort: 'v2' } }).catch((x: unknown) => x), { code: 'EINVAL', message: /'v2' is a port of another bridge: it must be a port of the same bridge as 'v0'/ });
  const missing = await rt.link.set('v0', { mtu: 1400, bridgePort: { backupPort: 'nope' } }).catch((x: unknown) => x);
  t.match(missing, { code: 'ENODEV', message: /nope/ }, 'a missing backup port is named');
  t.equal((await rt.link.get('v0')).mtu, 1500, 'and nothing of that call was applied');
});

t.test('bridgePort: the new options are checked before anything is sent', async (t) => {
  const bad: [Record<string, unknown>, string, RegExp][] = [
    [{ groupFwdMask: 1 }, 'bridgePort.groupFwdMask', /bits 0\.\.2 .*never forwarded, got 0x1/],
    [{ groupFwdMask: 0x10000 }, 'bridgePort.groupFwdMask', /./],
    [{ multicastRouter: 4 }, 'bridgePort.multicastRouter', /0\.\.3, got 4/],
    [{ mcastEhtHostsLimit: 0 }, 'bridgePort.mcastEhtHostsLimit', /1\.\.4294967295, got 0/],
    [{ locked: 'yes' }, 'bridgePort.locked', /./],
    [{ backupPort: {} }, 'bridgePort.backupPort', /./],
    [{ backupPort: '' }, 'bridgePort.backupPort', /./],
  ];
  for (const [bp, arg, re] of bad) {
    const r = await recordedRequests((core) => LinkApi.of(core), (a) => a.set('v0', { mtu: 1400, bridgePort: bp as never }));
    t.ok(r.error instanceof InvalidArgumentError, `${JSON.stringify(bp)}: ${String(r.error)}`);
    t.match(r.error, { argument: arg, message: re }, JSON.stringify(bp));
    t.same(r.bytes, [], 'nothing sent');
  }
});
