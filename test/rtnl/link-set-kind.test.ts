// rt.link.set's kind options (`ip link set NAME type KIND OPTIONS`): `kind` and `data`
// in a change, sent as IFLA_LINKINFO { IFLA_INFO_KIND, IFLA_INFO_DATA } in the change's
// RTM_NEWLINK. Before, a change had no `data`: `ip link set br0 type bridge stp_state 1`,
// `… type vxlan ageing 600`, `… type macvlan mode bridge` and the source-mode
// `macaddr add/del/set/flush` had no equivalent (the key was refused as unknown).
import t from 'tap';
import { InvalidArgumentError, NetlinkError } from '../../src/netlink/errors.js';
import { freshHandle, ip, privileged } from '../helpers.js';
import { recordedLinkRequests } from './scripted-link-api.js';

type Json = Record<string, unknown>;
const details = (ns: string, dev: string): Json => {
  const l = (JSON.parse(ip(ns, ['-j', '-d', 'link', 'show', 'dev', dev])) as Json[])[0]!;
  return (l['linkinfo'] as Json)['info_data'] as Json;
};
const mtuOf = (ns: string, dev: string): number => (JSON.parse(ip(ns, ['-j', 'link', 'show', 'dev', dev])) as Json[])[0]!['mtu'] as number;

/** The IFLA_LINKINFO attribute of a recorded RTM_NEWLINK: from its header to the end (set writes it last but for xdp). */
function linkinfoOf(msg: Buffer): string {
  let off = 32;
  while (off + 4 <= msg.length) {
    const len = msg.readUInt16LE(off);
    if ((msg.readUInt16LE(off + 2) & 0x3fff) === 18) return msg.subarray(off, off + ((len + 3) & ~3)).toString('hex');
    off += (len + 3) & ~3;
  }
  return '';
}

t.test('set kind data: the bytes `ip link set … type KIND …` sends (strace of iproute2 6.x)', async (t) => {
  // ip writes IFLA_INFO_KIND without its NUL (length 4+strlen); nlkit writes it with one, as
  // add does (the kernel copies the kind with nla_strscpy, which takes either). `ipKind`
  // turns ip's bytes into nlkit's: the kind's length one more; everything else is ip's.
  const ipKind = (hex: string): string => {
    const b = Buffer.from(hex, 'hex');
    b.writeUInt16LE(b.readUInt16LE(4) + 1, 4);
    return b.toString('hex');
  };
  const one = async (change: Json): Promise<string> => linkinfoOf((await recordedLinkRequests((api) => api.set('x0', change as never)))[0]!);
  // ip link set br0 type bridge forward_delay 400 stp_state 1
  t.equal(await one({ kind: 'bridge', data: { forwardDelay: 400, stpState: 1 } }), ipKind('240012000a000100627269646765000014000200080001009001000008000500' + '01000000'));
  // ip link set m0 type macvlan macaddr add 00:11:22:33:44:55
  t.equal(await one({ kind: 'macvlan', data: { macaddr: { add: '00:11:22:33:44:55' } } }), ipKind('280012000b0001006d6163766c616e00180002000800030000000000' + '0a000400001122334455' + '0000'));
  // ip link set m0 type macvlan macaddr del 00:11:22:33:44:55
  t.equal(await one({ kind: 'macvlan', data: { macaddr: { del: '00:11:22:33:44:55' } } }), ipKind('280012000b0001006d6163766c616e00180002000800030001000000' + '0a000400001122334455' + '0000'));
  // ip link set m0 type macvlan macaddr set 00:11:22:33:44:66 00:11:22:33:44:77
  t.equal(await one({ kind: 'macvlan', data: { macaddr: { set: ['00:11:22:33:44:66', '00:11:22:33:44:77'] } } }),
    ipKind('380012000b0001006d6163766c616e002800020008000300030000001c0005000a0004000011223344660000' + '0a0004000011223344770000'));
  // ip link set m0 type macvlan macaddr flush
  t.equal(await one({ kind: 'macvlan', data: { macaddr: 'flush' } }), ipKind('1c0012000b0001006d6163766c616e000c0002000800030002000000'));
  // Kinds this kernel lacks (encode-only; from linux/if_link.h): ipvlan mode l3
  // (IFLA_IPVLAN_MODE=1, u16 IPVLAN_MODE_L3=1), bond mode active-backup (IFLA_BOND_MODE=1, u8 1).
  t.equal(await one({ kind: 'ipvlan', data: { mode: 'l3' } }), '1c0012000b0001006970766c616e00000c0002000600010001000000');
  t.equal(await one({ kind: 'bond', data: { mode: 'active-backup' } }), '1c001200' + '09000100626f6e6400000000' + '0c000200' + '0500010001000000');
  // With the rest of a change, in the same message, after the other attributes.
  const [msg] = await recordedLinkRequests((api) => api.set('x0', { mtu: 1400, kind: 'bridge', data: { stpState: 0 } }));
  t.equal(msg!.readUInt16LE(4), 16, 'one RTM_NEWLINK');
  t.ok(msg!.toString('hex').includes('08000400780500'), 'IFLA_MTU 1400 in it');
  t.equal(linkinfoOf(msg!), '1c0012000b00010062726964676500000c0002000800050000000000');
});

t.test('set kind data: bad input refused before sending, naming the option and the kind', async (t) => {
  for (const [change, arg, re] of [
    [{ data: { stpState: 1 } }, 'kind', /needed with data/],
    [{ kind: 'bridge' }, 'data', /needed with kind 'bridge'/],
    [{ kind: 'bridge', data: { nope: 1 } }, 'data.nope', /./],
    [{ kind: 'bridge', data: { stpState: -1 } }, 'data.stpState', /0\.\.4294967295/],
    [{ kind: 'bridge', data: { priority: 70000 } }, 'data.priority', /0\.\.65535/],
    [{ kind: 'bridge', data: { rootId: '8000.00:00:00:00:00:01' } }, 'data.rootId', /read-only/],
    [{ kind: 'bridge', data: { helloTimer: 5 } }, 'data.helloTimer', /bridge's helloTimer is read-only/],
    [{ kind: 'vxlan', data: { port: 4790 } }, 'data.port', /vxlan's port is fixed when a vxlan is created/],
    [{ kind: 'vxlan', data: { proxy: true } }, 'data.proxy', /fixed/],
    [{ kind: 'vxlan', mtu: 1400, data: { ageing: 5 } }, 'mtu', /Cannot change mtu/],
    [{ kind: 'vxlan', data: { local: 'fe80::1' } }, 'data.local', /IPv6 address/],
    [{ kind: 'macvlan', data: { mode: 'passthru' } }, 'data.mode', /passthru/],
    [{ kind: 'macvlan', data: { mode: 'bridge', macaddr: { add: '00:11:22:33:44:55' } } }, 'data.macaddr', /mode 'source'/],
    [{ kind: 'macvlan', data: { macaddr: { add: '00:11:22' } } }, 'data.macaddr', /add: expected a MAC address/],
    [{ kind: 'macvlan', data: { macaddr: { set: ['00:11:22:33:44:55', 'x'] } } }, 'data.macaddr', /set\[1\]: expected a MAC address/],
    [{ kind: 'macvlan', data: { macaddr: { add: '00:11:22:33:44:55', del: '00:11:22:33:44:55' } } }, 'data.macaddr', /\{ add: MAC \}/],
    [{ kind: 'macvlan', data: { macaddr: 'flush', macaddrMode: 2 } }, 'data.macaddr', /not with data.macaddrMode/],
    [{ kind: 'veth', data: {} }, 'data', /a veth has no options to change/],
    [{ kind: 'ifb', data: {} }, 'data', /no options/],
    [{ kind: 'tun', data: {} }, 'kind', /\/dev\/net\/tun/],
    [{ kind: 'nosuch', data: {} }, 'kind', /unknown link kind 'nosuch'/],
    [{ kind: 'bridge', data: [] }, 'data', /expected an object/],
  ] as const) {
    const r = await recordedLinkRequests((api) => api.set('x0', change as never)).then((b) => b, (e: unknown) => e);
    t.ok(r instanceof InvalidArgumentError, `${JSON.stringify(change)} refused`);
    t.equal((r as InvalidArgumentError).argument, arg, `names ${arg}`);
    t.match((r as Error).message, re);
  }
});

t.test('set kind data: a live bridge, as ip -d shows it', privileged, async (t) => {
  const { ns, rt } = freshHandle(t);
  ip(ns.path, ['link', 'add', 'br0', 'type', 'bridge']);
  ip(ns.path, ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
  await rt.link.set('br0', { kind: 'bridge', data: { stpState: 1, forwardDelay: 400, ageingTime: 12300, multiBoolopt: { noLinklocalLearn: true } } });
  const d = details(ns.path, 'br0');
  t.same([d['stp_state'], d['forward_delay'], d['ageing_time'], d['no_linklocal_learn']], [1, 400, 12300, 1]);
  // With bridgePort in the same call (on the port) and with mtu: both still right.
  await rt.link.set('v0', { master: 'br0', bridgePort: { cost: 7 } });
  await rt.link.set('br0', { mtu: 1400, kind: 'bridge', data: { stpState: 0 } });
  t.equal(details(ns.path, 'br0')['stp_state'], 0);
  t.equal(mtuOf(ns.path, 'br0'), 1400);
  const port = (JSON.parse(ip(ns.path, ['-j', '-d', 'link', 'show', 'dev', 'v0'])) as Json[])[0]!;
  t.equal(((port['linkinfo'] as Json)['info_slave_data'] as Json)['cost'], 7, 'bridgePort untouched');
  // echo returns the link as it is after.
  const l = await rt.link.set('br0', { kind: 'bridge', data: { priority: 4096 } }, { echo: true });
  t.equal((l.linkinfo?.data as Json)['priority'], 4096);
});

t.test('set kind data: the kernel refusing the data leaves the mtu of the same message unapplied', privileged, async (t) => {
  const { ns, rt } = freshHandle(t);
  ip(ns.path, ['link', 'add', 'br0', 'type', 'bridge', 'stp_state', '1']);
  // With STP on, forward_delay is 200..3000: br_changelink refuses 100 (ERANGE) before do_setlink applies IFLA_MTU.
  const e = await rt.link.set('br0', { mtu: 1400, kind: 'bridge', data: { forwardDelay: 100 } }).catch((x: unknown) => x);
  t.ok(e instanceof NetlinkError, 'refused by the kernel');
  t.equal(mtuOf(ns.path, 'br0'), 1500, 'mtu not applied');
  // group_address must be 01:80:c2:00:00:0X (br_changelink's bare EINVAL): refused before sending, nothing applied either.
  const g = await rt.link.set('br0', { mtu: 1400, kind: 'bridge', data: { groupAddr: '01:00:00:00:00:01' } }).catch((x: unknown) => x);
  t.ok(g instanceof InvalidArgumentError, 'refused before sending');
  t.equal(mtuOf(ns.path, 'br0'), 1500, 'mtu not applied');
  // A link of another kind: EOPNOTSUPP, said with what the link is; nothing applied.
  ip(ns.path, ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
  const w = await rt.link.set('v0', { mtu: 1400, kind: 'bridge', data: { stpState: 1 } }).catch((x: unknown) => x);
  t.ok(w instanceof NetlinkError);
  t.equal((w as NetlinkError).code, 'EOPNOTSUPP');
  t.match((w as NetlinkError).message, /v0 is a veth, not a bridge/);
  t.match((w as NetlinkError).message, /type bridge stpState/, 'the subject names the kind');
  t.equal(mtuOf(ns.path, 'v0'), 1500, 'mtu not applied');
});

t.test('set kind data: vxlan (what it takes; what the kernel refuses, named)', privileged, async (t) => {
  const { ns, rt } = freshHandle(t);
  ip(ns.path, ['link', 'add', 'vx0', 'type', 'vxlan', 'id', '42', 'dstport', '4789', 'local', '10.0.0.1']);
  await rt.link.set('vx0', { kind: 'vxlan', data: { ageing: 600, ttl: 5, tos: 4, learning: false, local: '10.0.0.2', group: '10.0.0.9', df: 'set', id: 42 } });
  const d = details(ns.path, 'vx0');
  t.same([d['ageing'], d['ttl'], d['tos'], d['learning'], d['local'], d['remote'], d['df']], [600, 5, '0x4', false, '10.0.0.2', '10.0.0.9', 'set']);
  const e = await rt.link.set('vx0', { kind: 'vxlan', data: { id: 43 } }).catch((x: unknown) => x);
  t.ok(e instanceof NetlinkError);
  t.match((e as NetlinkError).message, /Cannot change VNI/);
  t.match((e as NetlinkError).message, /RTM_NEWLINK vx0 type vxlan id\)/, 'the subject names the option');
  t.equal(details(ns.path, 'vx0')['id'], 42);
});

t.test('set kind data: macvlan and macvtap mode, flags, bcqueuelen, source addresses', privileged, async (t) => {
  const { ns, rt } = freshHandle(t);
  ip(ns.path, ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
  for (const kind of ['macvlan', 'macvtap'] as const) {
    ip(ns.path, ['link', 'add', 'link', 'v0', 'name', 'm0', 'type', kind, 'mode', 'private']);
    await rt.link.set('m0', { kind, data: { mode: 'bridge', flags: 1, bcQueueLen: 300 } });
    let d = details(ns.path, 'm0');
    t.same([d['mode'], d['bcqueuelen']], ['bridge', 300], kind);
    t.equal(((await rt.link.get('m0')).linkinfo?.data as Json)['flags'], 1, 'flags nopromisc');
    // macaddr on a link not in source mode: the kernel's bare EINVAL, explained.
    const e = await rt.link.set('m0', { kind, data: { macaddr: { add: '00:11:22:33:44:55' } } }).catch((x: unknown) => x);
    t.ok(e instanceof NetlinkError);
    t.match((e as Error).message, /m0 is in mode bridge: a list of source addresses/);
    await rt.link.set('m0', { kind, data: { mode: 'source', macaddr: { add: '00:11:22:33:44:55' } } });
    t.same(details(ns.path, 'm0')['macaddr_data'], ['00:11:22:33:44:55']);
    await rt.link.set('m0', { kind, data: { macaddr: { set: ['00:11:22:33:44:66', '00:11:22:33:44:77'] } } });
    t.same([...(details(ns.path, 'm0')['macaddr_data'] as string[])].sort(), ['00:11:22:33:44:66', '00:11:22:33:44:77']);
    await rt.link.set('m0', { kind, data: { macaddr: { del: '00:11:22:33:44:66' } } });
    t.same(details(ns.path, 'm0')['macaddr_data'], ['00:11:22:33:44:77']);
    await rt.link.set('m0', { kind, data: { macaddr: 'flush' } });
    d = details(ns.path, 'm0');
    t.notOk((d['macaddr_data'] as unknown[] | undefined)?.length, 'flushed');
    // A change's macaddrMode goes by the link's mode (source here), not by a mode in data:
    // the create-time check (a source list needs mode 'source' in the same data) is not applied.
    await rt.link.set('m0', { kind, data: { macaddrMode: 2 } });
    t.pass('macaddrMode flush on a source-mode link, without a mode in the change');
    // The wrong one of the pair: the kernel's EOPNOTSUPP, said.
    const other = kind === 'macvlan' ? 'macvtap' : 'macvlan';
    const w = await rt.link.set('m0', { kind: other, data: { mode: 'vepa' } }).catch((x: unknown) => x);
    t.match((w as Error).message, new RegExp(`m0 is a ${kind}, not a ${other}`));
    ip(ns.path, ['link', 'del', 'm0']);
  }
});
