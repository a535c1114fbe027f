// Bridge options the kernel refuses with a bare errno (no extended-ACK text: `ip link add
// … type bridge hello_time 50` prints only "Numerical result out of range"), refused by
// nlkit before sending, naming the option and its range, on add and on set alike:
// - helloTime outside 100..1000 and maxAge outside 600..4000 centiseconds (br_set_hello_time,
//   br_set_max_age: ERANGE);
// - a groupFwdMask with any of bits 0..2 (BR_GROUPFWD_RESTRICTED: STP, MAC pause, LACP),
//   a groupAddr outside 01:80:c2:00:00:00..0f (is_link_local_ether_addr), a mcastRouter
//   above 2, a mcastIgmpVersion other than 2 or 3, a mcastMldVersion other than 1 or 2: EINVAL.
// A forwardDelay outside 200..3000 is refused only while STP is on (br_set_forward_delay),
// which a change cannot know without a look-up: the kernel's ERANGE is explained instead.
import t from 'tap';
import { InvalidArgumentError, NetlinkError } from '../../src/netlink/errors.js';
import { MessageWriter } from '../../src/netlink/writer.js';
import { BRIDGE_DATA } from '../../src/rtnl/link/kinds/bridge.js';
import { VLAN_DATA } from '../../src/rtnl/link/kinds/vlan.js';
import * as C from '../../src/rtnl/constants.js';
import { freshHandle, privileged } from '../helpers.js';

const BAD: Array<[string, unknown, RegExp]> = [
  ['helloTime', 99, /100\.\.1000/],
  ['helloTime', 1001, /100\.\.1000/],
  ['maxAge', 599, /600\.\.4000/],
  ['maxAge', 4001, /600\.\.4000/],
  ['groupFwdMask', 1, /bits 0\.\.2/],
  ['groupFwdMask', 0xfffc, /bits 0\.\.2/],
  ['groupAddr', '01:80:c2:00:00:10', /01:80:c2:00:00:00\.\.0f/],
  ['groupAddr', '02:00:00:00:00:01', /01:80:c2:00:00:00\.\.0f/],
  ['mcastRouter', 3, /0\.\.2/],
  ['mcastIgmpVersion', 1, /2 or 3/],
  ['mcastIgmpVersion', 4, /2 or 3/],
  ['mcastMldVersion', 0, /1 or 2/],
  ['mcastMldVersion', 3, /1 or 2/],
];

t.test('bridge: options the kernel refuses with a bare errno are refused before sending, naming the option', privileged, async (t) => {
  const { rt } = freshHandle(t);
  await rt.link.add({ kind: 'bridge', name: 'br1' });
  for (const [key, value, re] of BAD) {
    const data = { [key]: value };
    const e = await rt.link.add({ kind: 'bridge', name: 'br0', data } as never).catch((x: unknown) => x);
    t.ok(e instanceof InvalidArgumentError, `add ${key} ${String(value)} refused before sending (${(e as Error).message})`);
    t.equal((e as InvalidArgumentError).argument, `data.${key}`);
    t.match((e as Error).message, re);
    const s = await rt.link.set('br1', { kind: 'bridge', data } as never).catch((x: unknown) => x);
    t.ok(s instanceof InvalidArgumentError, `set ${key} ${String(value)} refused before sending`);
    t.equal((s as InvalidArgumentError).argument, `data.${key}`);
  }
  t.notOk((await rt.link.list()).some((l) => l.name === 'br0'), 'nothing made');
  // The limits themselves go through, on add and on set.
  const good = { helloTime: 100, maxAge: 4000, groupFwdMask: 0xfff8, groupAddr: '01:80:c2:00:00:0f', mcastRouter: 2, mcastIgmpVersion: 3, mcastMldVersion: 2 };
  await rt.link.add({ kind: 'bridge', name: 'br0', data: good });
  const d = (await rt.link.get('br0')).linkinfo?.data as Record<string, unknown>;
  t.same(Object.keys(good).map((k) => d[k]), Object.values(good));
  await rt.link.set('br1', { kind: 'bridge', data: { helloTime: 1000, maxAge: 600, groupFwdMask: 8, groupAddr: '01:80:c2:00:00:00', mcastRouter: 0, mcastIgmpVersion: 2, mcastMldVersion: 1 } });
  const d1 = (await rt.link.get('br1')).linkinfo?.data as Record<string, unknown>;
  t.same([d1['helloTime'], d1['maxAge'], d1['groupFwdMask']], [1000, 600, 8]);
});

t.test('bridge: a forwardDelay out of range while STP is on is explained', privileged, async (t) => {
  const { rt } = freshHandle(t);
  // At creation STP is off when forwardDelay is applied (the kernel reads it before stpState): taken.
  await rt.link.add({ kind: 'bridge', name: 'br0', data: { stpState: 1, forwardDelay: 100 } });
  const e = await rt.link.set('br0', { kind: 'bridge', data: { forwardDelay: 100 } }).catch((x: unknown) => x);
  t.ok(e instanceof NetlinkError && e.code === 'ERANGE', 'the kernel refuses it');
  t.match((e as Error).message, /forwardDelay is 200\.\.3000.*STP/);
  await rt.link.set('br0', { kind: 'bridge', data: { stpState: 0 } });
  await rt.link.set('br0', { kind: 'bridge', data: { forwardDelay: 100 } });
  t.equal(((await rt.link.get('br0')).linkinfo?.data as Record<string, unknown>)['forwardDelay'], 100, 'taken with STP off');
});

t.test('bridge vlanProtocol: by the name ip takes and prints (802.1Q, 802.1ad), and no other protocol', async (t) => {
  // `ip link add br0 type bridge vlan_protocol 802.1ad` sends IFLA_BR_VLAN_PROTOCOL 88 a8 (a
  // __be16); `ip -j -d link show` prints "vlan_protocol": "802.1ad". nlkit took only a number
  // (the name was 'not an integer in 0..65535') and decoded 34984, and sent any number:
  // br_vlan_set_proto() answers anything but 802.1Q/802.1ad with a bare EPROTONOSUPPORT, and
  // a kernel without bridge VLAN filtering drops it without a word.
  const enc = (d: Record<string, unknown>): string => {
    const w = new MessageWriter();
    w.begin(C.RTM_NEWLINK, 0, 1);
    BRIDGE_DATA.encode(w, d as never, 'data.');
    return Buffer.from(w.finish()).subarray(16).toString('hex');
  };
  t.equal(enc({ vlanProtocol: '802.1ad' }), '0600080088a80000');
  t.equal(enc({ vlanProtocol: '802.1Q' }), '0600080081000000');
  t.equal(enc({ vlanProtocol: 0x88a8 }), '0600080088a80000', 'the number is still taken');
  for (const bad of [0x1234, 0x10000, '802.1x', -1]) {
    const e = (() => { try { enc({ vlanProtocol: bad }); return undefined; } catch (x) { return x; } })();
    t.ok(e instanceof InvalidArgumentError, `${String(bad)} refused`);
    t.equal((e as InvalidArgumentError).argument, 'data.vlanProtocol');
    t.match((e as Error).message, /802\.1Q.*802\.1ad/);
  }
  const b = Buffer.from('0600080088a80000', 'hex');
  t.same(BRIDGE_DATA.decode(b, new DataView(b.buffer, b.byteOffset, b.byteLength), 0, b.length, []), { vlanProtocol: '802.1ad' }, 'decoded as ip -j -d prints it');
  // A vlan's protocol is the same codec: an unknown one names data.protocol.
  const w = new MessageWriter();
  w.begin(C.RTM_NEWLINK, 0, 1);
  const ve = (() => { try { VLAN_DATA.encode(w, { protocol: 0x1234 } as never, 'data.'); return undefined; } catch (x) { return x; } })();
  t.equal((ve as InvalidArgumentError | undefined)?.argument, 'data.protocol');
});

t.test('bridge vlanProtocol: an unknown protocol is refused before sending (the kernel would drop it here)', privileged, async (t) => {
  const { rt } = freshHandle(t);
  const e = await rt.link.add({ kind: 'bridge', name: 'br0', data: { vlanProtocol: 0x1234 } }).catch((x: unknown) => x);
  t.ok(e instanceof InvalidArgumentError, 'refused');
  t.notOk((await rt.link.list()).some((l) => l.name === 'br0'), 'nothing made');
  await rt.link.add({ kind: 'bridge', name: 'br0', data: { vlanProtocol: '802.1Q' } });
});
