// NetlinkSocket against the real kernel, each test in a fresh network namespace.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  AF_NETLINK, AttrTable, ClosedError, DumpInterruptedError, InvalidArgumentError, MessageWriter, NETLINK_ROUTE, NLMSG_ERROR,
  NLM_F_ACK, NLM_F_CREATE, NLM_F_ECHO, NLM_F_EXCL, NLM_F_REQUEST, NetlinkError, NetlinkSocket, SysError,
  type FamilyDescriber, type MessageHandler, type NetlinkSocketOptions,
} from '../../src/netlink/index.js';
import * as sys from '../../src/netlink/sys.js';
import { fdCount, inNs, inRawNetns, ipJson, privileged, rawNetns } from '../helpers.js';
import * as L from './linux.js';

const LINKINFO = new AttrTable('IFLA_LINKINFO', [{ type: L.IFLA_INFO_KIND, name: 'IFLA_INFO_KIND', key: 'kind', codec: 'strz' }]);
const LINK = new AttrTable('IFLA', [
  { type: L.IFLA_IFNAME, name: 'IFLA_IFNAME', key: 'name', codec: 'strz' },
  { type: L.IFLA_MTU, name: 'IFLA_MTU', key: 'mtu', codec: 'u32' },
  { type: L.IFLA_TXQLEN, name: 'IFLA_TXQLEN', key: 'txqlen', codec: 'u32' },
  { type: L.IFLA_OPERSTATE, name: 'IFLA_OPERSTATE', key: 'operstate', codec: 'u8' },
  { type: L.IFLA_ADDRESS, name: 'IFLA_ADDRESS', key: 'address', codec: 'mac' },
  { type: L.IFLA_BROADCAST, name: 'IFLA_BROADCAST', key: 'broadcast', codec: 'mac' },
  { type: L.IFLA_GROUP, name: 'IFLA_GROUP', key: 'group', codec: 'u32' },
  { type: L.IFLA_QDISC, name: 'IFLA_QDISC', key: 'qdisc', codec: 'strz' },
  { type: L.IFLA_LINKINFO, name: 'IFLA_LINKINFO', key: 'linkinfo', codec: LINKINFO },
]);
const TYPE_NAMES: Record<number, string> = { [L.RTM_NEWLINK]: 'RTM_NEWLINK', [L.RTM_DELLINK]: 'RTM_DELLINK', [L.RTM_GETLINK]: 'RTM_GETLINK' };
const describer: FamilyDescriber = {
  typeName: (type) => TYPE_NAMES[type] ?? `type ${type}`,
  attributeAt: (req, offset) => LINK.describeOffset(req, 16 + L.IFINFOMSG_LEN, offset),
};

interface Link {
  index: number;
  flags: number;
  name: string;
  mtu: number;
  [k: string]: unknown;
}
/** Decode an RTM_NEWLINK into plain values while the receive buffer is valid. */
const link: MessageHandler<Link> = (buf, v, off, len) => {
  if (v.getUint16(off + 4, true) !== L.RTM_NEWLINK) return undefined;
  const o = LINK.decode(buf, v, off + 32, off + len, ['RTM_NEWLINK']);
  return { index: v.getInt32(off + 20, true), flags: v.getUint32(off + 24, true), ...o } as Link;
};
const ifinfo = (index = 0) => (w: MessageWriter) => {
  const o = w.reserve(L.IFINFOMSG_LEN);
  w.view.setInt32(o + 4, index, true);
};
const newBridge = (name: string) => (w: MessageWriter) => {
  ifinfo(0)(w);
  w.putStrz(L.IFLA_IFNAME, name);
  const li = w.nestStart(L.IFLA_LINKINFO);
  w.putStrz(L.IFLA_INFO_KIND, 'bridge');
  w.nestEnd(li);
};

type Ns = ReturnType<typeof rawNetns>;
function freshNs(t: { teardown(fn: () => void): void }): Ns {
  const ns = rawNetns();
  t.teardown(() => ns.close());
  return ns;
}
function open(t: { teardown(fn: () => void): void }, ns: Ns, opts: NetlinkSocketOptions = {}): NetlinkSocket {
  const s = inRawNetns(ns.fd, () => NetlinkSocket.open(NETLINK_ROUTE, { describer, ...opts }));
  t.teardown(() => s.close());
  return s;
}
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

t.test('a GETLINK dump in a fresh netns lists lo, as `ip -j link show` does', privileged, async (t) => {
  const ns = freshNs(t);
  const s = open(t, ns);
  const links = await s.dump(L.RTM_GETLINK, 0, ifinfo(0), link);
  const ip = ipJson<{ ifindex: number; ifname: string; mtu: number; address: string; txqlen: number; operstate: string }[]>(ns.path, ['link', 'show']);
  t.same(links.map((l) => [l.index, l.name]), [[1, 'lo']]);
  t.same(links.map((l) => [l.index, l.name, l.mtu, l.address, l.txqlen]), ip.map((l) => [l.ifindex, l.ifname, l.mtu, l.address, l.txqlen]));
  t.equal(links[0]!.flags & L.IFF_LOOPBACK, L.IFF_LOOPBACK);
  t.equal(s.stats.waits, 0, 'the whole dump was queued by the time sendto returned');
});

t.test('GETLINK of ifindex 1 resolves with lo\'s reply (no ACK asked)', privileged, async (t) => {
  const ns = freshNs(t);
  const s = open(t, ns);
  const lo = await s.request(L.RTM_GETLINK, 0, ifinfo(1), link, { ack: false });
  const [ip] = ipJson<{ ifname: string; mtu: number; qdisc: string; operstate: string; group: string }[]>(ns.path, ['-d', 'link', 'show', 'lo']);
  t.match(lo, { index: 1, name: ip!.ifname, mtu: ip!.mtu, qdisc: ip!.qdisc, operstate: L.IF_OPER_DOWN, group: 0, address: '00:00:00:00:00:00' });
  t.equal(ip!.operstate, 'DOWN');
  t.equal(ip!.group, 'default');
});

t.test('a request without ACK that the kernel carries out and answers with nothing resolves with undefined instead of waiting for ever', privileged, async (t) => {
  const ns = freshNs(t);
  const s = open(t, ns);
  let calls = 0;
  // SETLINK of lo with no attributes: rtnetlink does it and, without NLM_F_ACK, sends nothing.
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<string>((r) => (timer = setTimeout(() => r('hung'), 3000)));
  const r = await Promise.race([s.request(L.RTM_SETLINK, 0, ifinfo(1), () => void calls++, { ack: false }), hung]);
  clearTimeout(timer);
  if (r === 'hung') return void t.fail('the request waited for an answer that never comes');
  t.equal(r, undefined, 'resolved with no value');
  t.equal(calls, 0);
  t.equal(s.stats.waits, 0, 'it did not wait on poll');
  // A refusal is always answered, with or without NLM_F_ACK.
  t.match(await rejection(s.request(L.RTM_SETLINK, 0, ifinfo(4242), undefined, { ack: false, subject: 'gone' })), { code: 'ENODEV', request: { type: L.RTM_SETLINK, subject: 'gone' } });
  t.same(await s.request(L.RTM_GETLINK, 0, ifinfo(1), (_b, v, o) => v.getInt32(o + 20, true), { ack: false }), 1, 'the socket is usable after both');
});

t.test('an ACK resolves with undefined; an NLM_F_ECHO reply before it reaches onMessage', privileged, async (t) => {
  const ns = freshNs(t);
  const s = open(t, ns);
  let calls = 0;
  const r = await s.request(L.RTM_NEWLINK, 0, ifinfo(1), () => void calls++);
  t.equal(r, undefined);
  t.equal(calls, 0, 'a bare ACK is not a message for the handler');
  const echoed = await s.request(L.RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ECHO, newBridge('nlkbr0'), link);
  t.match(echoed, { name: 'nlkbr0', linkinfo: { kind: 'bridge' } }, 'the echoed RTM_NEWLINK of the new bridge');
});

t.test('an unknown link kind is refused with the kernel\'s extended-ACK text (EOPNOTSUPP "Unknown device type")', privileged, async (t) => {
  const ns = freshNs(t);
  const s = open(t, ns);
  const build = (w: MessageWriter) => {
    ifinfo(0)(w);
    w.putStrz(L.IFLA_IFNAME, 'nlk0');
    const li = w.nestStart(L.IFLA_LINKINFO);
    w.putStrz(L.IFLA_INFO_KIND, 'nosuchkind');
    w.nestEnd(li);
  };
  const e = (await rejection(s.request(L.RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, build, undefined, { subject: 'nlk0' }))) as NetlinkError;
  t.ok(e instanceof NetlinkError);
  t.match(e, { code: 'EOPNOTSUPP', errno: L.EOPNOTSUPP, extack: { message: 'Unknown device type' }, request: { type: L.RTM_NEWLINK, typeName: 'RTM_NEWLINK', subject: 'nlk0' } });
  t.equal(e.message, 'EOPNOTSUPP: Operation not supported — Unknown device type (RTM_NEWLINK nlk0)');
  t.type(e.request.seq, 'number');
});

for (const capAck of [true, false]) {
  t.test(`a too-long IFLA_IFNAME is refused with ERANGE, the ext-ack text and the offset of IFLA_IFNAME (NETLINK_CAP_ACK ${capAck ? 'on' : 'off: the request is echoed'})`, privileged, async (t) => {
    const ns = freshNs(t);
    const s = open(t, ns, { capAck });
    const build = (w: MessageWriter) => {
      ifinfo(0)(w);
      w.putU32(L.IFLA_MTU, 1500);
      w.putStrz(L.IFLA_IFNAME, 'x'.repeat(20));
    };
    const e = (await rejection(s.request(L.RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, build))) as NetlinkError;
    t.match(e, { code: 'ERANGE', errno: L.ERANGE, extack: { message: 'Attribute failed policy validation', offset: 40, attribute: 'IFLA_IFNAME' } });
    t.strictSame(e.extack.policy, { type: 'string', maxLength: 15 }, "the kernel's policy for IFLA_IFNAME (NLMSGERR_ATTR_POLICY)");
    t.equal(e.message, 'ERANGE: Numerical result out of range — Attribute failed policy validation [at IFLA_IFNAME, policy: string of at most 15 bytes] (RTM_NEWLINK)');
  });
}

t.test('a refusal that echoes a request bigger than the receive slab (NETLINK_CAP_ACK off) rejects with its errno instead of hanging', privileged, async (t) => {
  const ns = freshNs(t);
  const s = open(t, ns, { capAck: false });
  // DELLINK of an ifindex that is not there, carrying 90 KB of attributes the kernel
  // ignores: its ENODEV echoes all of it, a datagram larger than the 64 KiB slab.
  const build = (w: MessageWriter) => {
    ifinfo(4242)(w);
    for (let i = 0; i < 3; i++) w.putBytes(1000 + i, new Uint8Array(30000));
  };
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<string>((r) => (timer = setTimeout(() => r('hung'), 3000)));
  const e = await Promise.race([rejection(s.request(L.RTM_DELLINK, 0, build, undefined, { subject: 'big' })), hung]);
  clearTimeout(timer);
  t.match(e, { code: 'ENODEV', request: { typeName: 'RTM_DELLINK', subject: 'big' } });
  t.equal(s.stats.truncated, 1, 'the error ACK was the truncated datagram');
  t.same(await s.request(L.RTM_GETLINK, 0, ifinfo(1), (_b, v, o) => v.getInt32(o + 20, true), { ack: false }), 1, 'the socket is usable after it');
});

t.test('NEWLINK lo with NLM_F_CREATE|NLM_F_EXCL rejects with code EEXIST', privileged, async (t) => {
  const ns = freshNs(t);
  const s = open(t, ns);
  const build = (w: MessageWriter) => {
    ifinfo(0)(w);
    w.putStrz(L.IFLA_IFNAME, 'lo');
  };
  const e = (await rejection(s.request(L.RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, build, undefined, { subject: 'lo' }))) as NetlinkError;
  t.ok(e instanceof NetlinkError);
  t.match(e, { code: 'EEXIST', errno: L.EEXIST, extack: {} });
  t.equal(e.message, 'EEXIST: File exists (RTM_NEWLINK lo)');
  t.same(await s.request(L.RTM_GETLINK, 0, ifinfo(1), (_b, v, o) => v.getInt32(o + 20, true), { ack: false }), 1, 'the socket is usable after an error');
});

t.test('a failed dump\'s extended ACK arrives in NLMSG_DONE and becomes the NetlinkError', privileged, async (t) => {
  const ns = freshNs(t);
  const s = open(t, ns, { strictCheck: true });
  const e = (await rejection(s.dump(L.RTM_GETLINK, 0, ifinfo(1), link))) as NetlinkError;
  t.match(e, { code: 'EINVAL', extack: { message: 'Filter by device index not supported for link dumps' }, request: { typeName: 'RTM_GETLINK' } });
  t.same(await s.dump(L.RTM_GETLINK, 0, ifinfo(0), (_b, v, o) => v.getInt32(o + 20, true)), [1], 'the next dump works');
});

t.test('a generic netlink request without a required attribute reports the missing type (NLMSGERR_ATTR_MISS_TYPE), named by the describer', privileged, async (t) => {
  const ETHTOOL_A_LINKINFO_HEADER = 1; // linux/ethtool_netlink.h
  const ns = freshNs(t);
  let family = 0;
  const s = inRawNetns(ns.fd, () => NetlinkSocket.open(NETLINK_GENERIC, {
    describer: {
      typeName: (type) => (type === GENL_ID_CTRL ? 'nlctrl' : type === family ? 'ethtool' : `type ${type}`),
      missingAttribute: (type, attr) => (type === family && attr === ETHTOOL_A_LINKINFO_HEADER ? 'ETHTOOL_A_LINKINFO_HEADER' : undefined),
    },
  }));
  t.teardown(() => s.close());
  try {
    family = await ethtoolFamily(s);
  } catch (e) {
    return void t.pass('no ethtool genetlink family', { skip: (e as Error).message });
  }
  const e = (await rejection(s.request(family, 0, genl(ETHTOOL_MSG_LINKINFO_GET)))) as NetlinkError;
  t.match(e, { code: 'EINVAL', extack: { missingType: ETHTOOL_A_LINKINFO_HEADER, missingAttribute: 'ETHTOOL_A_LINKINFO_HEADER' } });
  t.equal(e.message, 'EINVAL: Invalid argument [missing ETHTOOL_A_LINKINFO_HEADER] (ethtool)');
});

t.test('a missing attribute the describer cannot name is still in the message, by its type', privileged, async (t) => {
  // Before: 'EINVAL: Invalid argument (type N)', the kernel's NLMSGERR_ATTR_MISS_TYPE only in extack.missingType.
  const ns = freshNs(t);
  const s = inRawNetns(ns.fd, () => NetlinkSocket.open(NETLINK_GENERIC));
  t.teardown(() => s.close());
  let family: number;
  try {
    family = await ethtoolFamily(s);
  } catch (e) {
    return void t.pass('no ethtool genetlink family', { skip: (e as Error).message });
  }
  const e = (await rejection(s.request(family, 0, genl(ETHTOOL_MSG_LINKINFO_GET)))) as NetlinkError;
  t.match(e, { code: 'EINVAL', extack: { missingType: 1 } });
  t.equal(e.extack.missingAttribute, undefined, 'no name made up');
  t.equal(e.message, `EINVAL: Invalid argument [missing attribute type 1] (type ${family})`);
});
/** linux/genetlink.h: CTRL_ATTR_FAMILY_ID = 1 (u16). */
const CTRL = new AttrTable('CTRL_ATTR', [{ type: 1, name: 'CTRL_ATTR_FAMILY_ID', key: 'id', codec: 'u16' }]);
// From linux/genetlink.h and linux/ethtool_netlink.h.
const NETLINK_GENERIC = 16, GENL_ID_CTRL = 16, CTRL_CMD_GETFAMILY = 3, CTRL_ATTR_FAMILY_NAME = 2, ETHTOOL_MSG_LINKINFO_GET = 2;
/** A builder of struct genlmsghdr { cmd, version 1, reserved }. */
const genl = (cmd: number) => (w: MessageWriter): void => {
  const o = w.reserve(4);
  w.buf[o] = cmd;
  w.buf[o + 1] = 1;
};
/** The ethtool generic netlink family's id, asked of nlctrl on `s` (rejects where there is none). */
async function ethtoolFamily(s: NetlinkSocket): Promise<number> {
  return (await s.request(GENL_ID_CTRL, 0, (w) => {
    genl(CTRL_CMD_GETFAMILY)(w);
    w.putStrz(CTRL_ATTR_FAMILY_NAME, 'ethtool');
  }, (b, v, o, l) => CTRL.decode(b, v, o + 20, o + l, [])['id'] as number, { ack: false }))!;
}

t.test('receiveBufferSize is applied with SO_RCVBUFFORCE (beyond net.core.rmem_max)', privileged, async (t) => {
  const SO_RCVBUF = 8; // asm-generic/socket.h
  const ns = freshNs(t);
  const s = open(t, ns, { receiveBufferSize: 8 << 20 });
  // The kernel doubles the value for its bookkeeping (socket(7)).
  t.equal(sys.getsockoptInt(s.fd, 1 /* SOL_SOCKET */, SO_RCVBUF), 16 << 20);
});

t.test('a request larger than the send buffer is refused with EMSGSIZE naming the request, its size and sendBufferSize; the socket goes on', privileged, async (t) => {
  const ns = freshNs(t);
  const s = open(t, ns, { sendBufferSize: 16384 });
  const big = (w: MessageWriter): void => {
    ifinfo(0)(w);
    for (let i = 0; i < 4; i++) w.putBytes(L.IFLA_IFNAME, new Uint8Array(10_000));
  };
  // Before: 'EMSGSIZE: Message too long, send', with nothing about which request or why.
  const e = await rejection(s.request(L.RTM_NEWLINK, 0, big, undefined, { subject: 'v0' }));
  t.match(e, { name: 'SysError', code: 'EMSGSIZE', syscall: 'send', message: /RTM_NEWLINK \(v0\) of 40048 bytes.*send buffer.*sendBufferSize/ });
  const r = await s.requestBatch([{ type: L.RTM_NEWLINK, flags: 0, build: big, subject: 'v1' }]);
  t.same(r.status, ['unsent']);
  t.match(r.failure, { code: 'EMSGSIZE', message: /RTM_NEWLINK \(v1\) of 40048 bytes.*sendBufferSize/ });
  t.equal(await s.request(L.RTM_GETLINK, 0, ifinfo(1), () => 1, { ack: false }), 1, 'the next request is answered');
});

t.test('10,000 socket open/close cycles leave the fd count unchanged', privileged, async (t) => {
  const ns = freshNs(t);
  const before = fdCount();
  inRawNetns(ns.fd, () => {
    for (let i = 0; i < 10_000; i++) NetlinkSocket.open(NETLINK_ROUTE).close();
  });
  t.equal(fdCount(), before);
  // …also with a request on each and failing opens in between.
  for (let i = 0; i < 200; i++) {
    const s = inRawNetns(ns.fd, () => NetlinkSocket.open(NETLINK_ROUTE, { receiveBufferSize: 1 << 20 }));
    await s.request(L.RTM_GETLINK, 0, ifinfo(1), () => 1, { ack: false });
    s.close();
    t.throws(() => NetlinkSocket.open(NETLINK_ROUTE, { groups: [0] }), { name: 'InvalidArgumentError', argument: 'groups' });
  }
  t.equal(fdCount(), before, 'failed opens close their fd');
});

t.test('open refuses bad arguments; an unsupported protocol is a SysError; close is idempotent; use after close is ClosedError', async (t) => {
  t.throws(() => NetlinkSocket.open(32), { name: 'InvalidArgumentError', argument: 'protocol' });
  t.throws(() => NetlinkSocket.open(0, { receiveBufferSize: 10 }), { name: 'InvalidArgumentError', argument: 'receiveBufferSize' });
  // Group numbers are u32s: setsockopt got 1.5 and 2^32 + 1 as an int32, group 1.
  for (const g of [0, 1.5, 2 ** 32 + 1, NaN]) t.throws(() => NetlinkSocket.open(0, { groups: [g] }), { name: 'InvalidArgumentError', argument: 'groups' }, `groups: [${g}]`);
  const m = NetlinkSocket.open(NETLINK_ROUTE);
  for (const g of [1.5, 2 ** 32 + 1]) {
    t.throws(() => m.addMembership(g), { name: 'InvalidArgumentError', argument: 'group' }, `addMembership(${g})`);
    t.throws(() => m.dropMembership(g), { name: 'InvalidArgumentError', argument: 'group' }, `dropMembership(${g})`);
  }
  m.close();
  const e = (() => {
    try {
      NetlinkSocket.open(31);
    } catch (x) {
      return x;
    }
  })() as SysError;
  t.ok(e instanceof SysError);
  t.match(e, { code: 'EPROTONOSUPPORT', syscall: 'socket' });
  const s = NetlinkSocket.open(NETLINK_ROUTE);
  t.ok(s.portId > 0, 'bound to a kernel-assigned port id');
  s.close();
  s.close();
  t.ok(s.closed);
  await t.rejects(s.request(L.RTM_GETLINK, 0, ifinfo(1)), ClosedError);
  t.throws(() => s.addMembership(1), ClosedError);
});

/** Send `bytes` from `from` to netlink port `port` (user-to-user unicast). */
function unicast(from: NetlinkSocket, port: number, bytes: Uint8Array): void {
  const sa = Buffer.alloc(12);
  sa.writeUInt16LE(AF_NETLINK, 0);
  sa.writeUInt32LE(port, 4);
  const n = sys.sendto(from.fd, bytes, bytes.length, 0, sa);
  if (n !== bytes.length) throw new Error(`sendto: ${n}`);
}

t.test('messages unicast to our port by another socket are ignored and counted in stats.foreign, never taken as the reply', privileged, async (t) => {
  const ns = freshNs(t);
  const a = open(t, ns);
  const b = open(t, ns);
  const nextSeq = (a as unknown as { seq: number }).seq + 1;
  // A forged NLMSG_ERROR (-EEXIST) and a forged RTM_NEWLINK 'evil', both with the sequence
  // number a's next request will carry, queued before the kernel's real reply.
  const w = new MessageWriter();
  w.begin(NLMSG_ERROR, 0, nextSeq, b.portId);
  w.view.setInt32(w.reserve(20), -L.EEXIST, true);
  unicast(b, a.portId, w.finish());
  w.reset().begin(L.RTM_NEWLINK, 0, nextSeq, b.portId);
  ifinfo(1)(w);
  w.putStrz(L.IFLA_IFNAME, 'evil');
  unicast(b, a.portId, w.finish());
  w.release();
  const lo = await a.request(L.RTM_GETLINK, 0, ifinfo(1), link, { ack: false });
  t.equal(lo?.name, 'lo', 'the kernel\'s reply, not the forged one');
  t.equal(a.stats.foreign, 2);
  // A forged message for a dump too.
  const w2 = new MessageWriter();
  w2.begin(3 /* NLMSG_DONE */, 2, (a as unknown as { seq: number }).seq + 1, b.portId);
  w2.reserve(4);
  unicast(b, a.portId, w2.finish());
  w2.release();
  t.same((await a.dump(L.RTM_GETLINK, 0, ifinfo(0), link)).map((l) => l.name), ['lo'], 'a forged NLMSG_DONE does not end the dump early');
  t.equal(a.stats.foreign, 3);
});

t.test('a foreign datagram larger than the receive buffer neither fails nor re-issues our request', privileged, async (t) => {
  const ns = freshNs(t);
  const a = open(t, ns);
  const b = open(t, ns);
  const big = Buffer.alloc(70_000); // more than the 64 KiB receive slab
  const nextSeq = (a as unknown as { seq: number }).seq + 1;
  big.writeUInt32LE(big.length, 0);
  big.writeUInt16LE(NLMSG_ERROR, 4);
  big.writeUInt32LE(nextSeq, 8);
  for (const ack of [true, false]) {
    big.writeUInt32LE((a as unknown as { seq: number }).seq + 1, 8);
    unicast(b, a.portId, big);
    const before = a.stats.requests;
    const r = await a.request(L.RTM_GETLINK, 0, ifinfo(1), (_b, v, o) => v.getInt32(o + 20, true), { ack });
    t.equal(r, 1, `request (ack ${ack}) answered`);
    t.equal(a.stats.requests - before, 1, 'sent once, not re-issued');
  }
  t.equal(a.stats.foreign, 2);
});

/** A bridge whose RTM_NEWLINK is 67 KB: 496 alternative names of 124 bytes (the kernel's limit). */
function bigLink(ns: Ns, name: string): number {
  ip(ns, ['link', 'add', name, 'type', 'bridge']);
  let batch = '';
  for (let i = 1; i <= 496; i++) batch += `link property add dev ${name} altname ${'a'.repeat(120)}${String(i).padStart(4, '0')}\n`;
  inNs(ns.path, 'ip', ['-batch', '-'], batch);
  return ipJson<{ ifindex: number }[]>(ns.path, ['link', 'show', name])[0]!.ifindex;
}
function ip(ns: Ns, args: string[]): void {
  inNs(ns.path, 'ip', args);
}
const IFLA_EXT_MASK = 29, RTEXT_FILTER_VF = 1; // linux/if_link.h, linux/rtnetlink.h

t.test('a reply bigger than the 64 KiB receive slab grows the buffer; the GET is re-issued once and answered', privileged, async (t) => {
  const ns = freshNs(t);
  const index = bigLink(ns, 'nlkbig0');
  const s = open(t, ns);
  const len = await s.request(L.RTM_GETLINK, 0, ifinfo(index), (_b, _v, _o, l) => l, { ack: false });
  t.ok(len! > 65536, `the ${len}-byte reply arrived whole`);
  t.same([s.stats.truncated, s.stats.requests], [1, 2], 'one truncated datagram, one re-issue');
  t.equal(await s.request(L.RTM_GETLINK, 0, ifinfo(index), (_b, _v, _o, l) => l, { ack: false }), len);
  t.same([s.stats.truncated, s.stats.requests], [1, 3], 'the grown buffer is kept');
});

t.test('a dump part bigger than the receive slab grows the buffer and the dump is re-issued complete', privileged, async (t) => {
  const ns = freshNs(t);
  bigLink(ns, 'nlkbig0');
  const s = open(t, ns);
  // With IFLA_EXT_MASK the kernel sizes dump parts for the largest link (rtnl_calcit);
  // without it, this kernel leaves a link that does not fit out of the dump silently.
  const build = (w: MessageWriter): void => {
    ifinfo(0)(w);
    w.putU32(IFLA_EXT_MASK, RTEXT_FILTER_VF);
  };
  const links = await s.dump(L.RTM_GETLINK, 0, build, link, { retries: 0 });
  t.same(links.map((l) => l.name), ['lo', 'nlkbig0'], 'complete, even with no NLM_F_DUMP_INTR retries allowed');
  t.same([s.stats.truncated, s.stats.requests, s.stats.dumpRetries], [1, 2, 0], 'one truncated part, one re-issue (not counted as NLM_F_DUMP_INTR)');
});

t.test('a kernel reply with another sequence number is ignored and counted in stats.stale', privileged, async (t) => {
  const ns = freshNs(t);
  const s = open(t, ns);
  // Queue the kernel's answer to a request the socket does not know about.
  const w = new MessageWriter();
  w.begin(L.RTM_GETLINK, NLM_F_REQUEST, 12345);
  ifinfo(4242)(w); // no such link: the kernel answers with one NLMSG_ERROR (ENODEV)
  const raw = w.finish();
  t.equal(sys.send(s.fd, raw, raw.length, 0), raw.length);
  w.release();
  t.same(await s.request(L.RTM_GETLINK, 0, ifinfo(1), (_b, v, o) => v.getInt32(o + 20, true), { ack: false }), 1);
  t.equal(s.stats.stale, 1, 'the stray NLMSG_ERROR for seq 12345 was skipped');
});

t.test('a stray success ACK with another sequence number does not end a request that fails', privileged, async (t) => {
  const ns = freshNs(t);
  const s = open(t, ns);
  // Queue the kernel's success ACK (36 bytes with NETLINK_CAP_ACK: the success-ACK fast
  // path's size) to a request the socket does not know about: a change of lo that changes nothing.
  const w = new MessageWriter();
  w.begin(L.RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, 12345);
  ifinfo(1)(w);
  const raw = w.finish();
  t.equal(sys.send(s.fd, raw, raw.length, 0), raw.length);
  w.release();
  const e = await s.request(L.RTM_NEWLINK, 0, ifinfo(4242)).then(() => undefined, (x: unknown) => x);
  t.match(e, { code: 'ENODEV' }, 'the request\'s own answer (ENODEV), not the stray success');
  t.equal(s.stats.stale, 1, 'the stray ACK for seq 12345 was skipped');
});

/** Make `n` bridges so a link dump needs several datagrams. */
async function bridges(s: NetlinkSocket, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await s.request(L.RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, newBridge(`nlkb${i}`));
}

t.test('a dump interrupted by a link created between its parts (NLM_F_DUMP_INTR, forced live) is retried and comes back complete', privileged, async (t) => {
  const ns = freshNs(t);
  const s = open(t, ns);
  const other = open(t, ns);
  await bridges(other, 60);
  let starts = 0;
  const names = await s.dump(L.RTM_GETLINK, 0, ifinfo(0), (b, v, o, l) => {
    const x = link(b, v, o, l);
    if (x?.index === 1 && ++starts === 1) {
      // Runs between recv() calls: the kernel has queued the next part already, so
      // the part after it sees the changed device list and carries NLM_F_DUMP_INTR.
      void other.request(L.RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, newBridge('nlkextra'));
    }
    return x?.name;
  });
  t.equal(starts, 2, 'the dump ran twice');
  t.equal(s.stats.dumpRetries, 1);
  t.equal(names.length, 62, 'lo, 60 bridges and the one made mid-dump');
  t.ok(names.includes('nlkextra'));
  t.equal(new Set(names).size, names.length, 'no duplicates from the interrupted attempt');
});

t.test('a dump interrupted on every attempt rejects with DumpInterruptedError carrying the last partial result', privileged, async (t) => {
  const ns = freshNs(t);
  const s = open(t, ns);
  const other = open(t, ns);
  await bridges(other, 60);
  let made = 0;
  const e = (await rejection(s.dump(L.RTM_GETLINK, 0, ifinfo(0), (b, v, o, l) => {
    const x = link(b, v, o, l);
    if (x?.index === 1) void other.request(L.RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, newBridge(`nlkx${made++}`));
    return x?.name;
  }, { retries: 2 }))) as DumpInterruptedError;
  t.ok(e instanceof DumpInterruptedError);
  t.match(e, { code: 'ERR_NETLINK_DUMP_INTERRUPTED', attempts: 3 });
  t.match(e.message, /^RTM_GETLINK dump was interrupted/);
  t.equal(made, 3);
  t.ok(e.partial.length >= 61 && e.partial.includes('lo'), `partial result of the last attempt (${e.partial.length} links)`);
  t.equal(s.stats.dumpRetries, 3);
  // A retry count that never compares greater (NaN) would retry such a dump for ever.
  for (const retries of [NaN, -1, 1.5, Infinity]) {
    await t.rejects(s.dump(L.RTM_GETLINK, 0, ifinfo(0), link, { retries }), { name: 'InvalidArgumentError', argument: 'retries' }, `retries: ${retries}`);
  }
  t.equal(s.stats.requests, 3, 'nothing sent for them');
});

t.test('a socket joined to RTNLGRP_LINK reads the kernel\'s notification with readAvailable after watch() fires', privileged, async (t) => {
  const ns = freshNs(t);
  const RTNLGRP_LINK = 1; // rtnetlink.h
  const mon = open(t, ns, { groups: [RTNLGRP_LINK] });
  const s = open(t, ns);
  const seen: string[] = [];
  const fired = new Promise<void>((resolve) => {
    const h = mon.watch(() => {
      mon.readAvailable((b, v, o, l) => {
        const x = link(b, v, o, l);
        if (x) seen.push(x.name);
      });
      if (seen.includes('nlkmon0')) {
        h.close();
        resolve();
      }
    });
  });
  await s.request(L.RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, newBridge('nlkmon0'));
  await fired;
  t.ok(seen.includes('nlkmon0'));
  t.equal(mon.readAvailable(() => undefined), 0, 'nothing left');
});

t.test('a request on a socket whose multicast groups overran: the request is answered, the overrun goes to the multicast side', privileged, async (t) => {
  // Before: the pending ENOBUFS (notifications of other sockets' changes overflowed the
  // small buffer) failed the NEXT request with ENOBUFS although the kernel made the change.
  const ns = freshNs(t);
  const RTNLGRP_LINK = 1; // rtnetlink.h
  const g = open(t, ns, { groups: [RTNLGRP_LINK], receiveBufferSize: 4096 });
  const s = open(t, ns);
  await bridges(s, 20); // their RTM_NEWLINK notifications overflow g's receive buffer
  t.equal(await g.request(L.RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, newBridge('nlkafter')), undefined, 'the request resolves (its ACK was read)');
  t.ok(ipJson<unknown[]>(ns.path, ['link', 'show', 'nlkafter']).length === 1, 'and the kernel made the change');
  t.equal(g.readAvailable(() => undefined), -105, 'the multicast side reads the overrun (ENOBUFS) the request saw');
  t.ok(g.readAvailable(() => undefined) >= 0, 'once');
  const lo = await g.request(L.RTM_GETLINK, 0, ifinfo(1), link, { ack: false });
  t.equal(lo?.name, 'lo', 'the socket goes on answering');
});

t.test('a request whose answer the kernel dropped after an overrun says the change may have been made; the next request is answered', privileged, async (t) => {
  // Joined behind the socket's back (raw setsockopt): nothing empties the queue before
  // the request, so the kernel, which treats the overrun socket as congested, drops the ACK.
  const ns = freshNs(t);
  const g = open(t, ns, { receiveBufferSize: 4096 });
  sys.setsockoptInt(g.fd, 270 /* SOL_NETLINK */, 1 /* NETLINK_ADD_MEMBERSHIP */, 1 /* RTNLGRP_LINK */);
  const s = open(t, ns);
  await bridges(s, 20);
  const e = (await rejection(g.request(L.RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, newBridge('nlklost'), undefined, { subject: 'nlklost' }))) as NetlinkError;
  t.match(e, { name: 'NetlinkError', code: 'ENOBUFS' });
  t.match(e.message, /dropped its answer: the request may have been carried out; read the state back/);
  t.match(e.message, /nlklost/);
  t.equal(ipJson<unknown[]>(ns.path, ['link', 'show', 'nlklost']).length, 1, 'it was');
  t.equal(await g.request(L.RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, newBridge('nlknext')), undefined, 'the queue was emptied: the next ACK is not dropped');
});

t.test('noEnobufs with groups: a request whose answer the kernel dropped on a full queue rejects with ENOBUFS instead of waiting for ever', privileged, async (t) => {
  // With NETLINK_NO_ENOBUFS the kernel drops a unicast to a full socket without an error
  // or the congested state (netlink_overrun): the answer never comes, and nothing says so.
  // Before, the request waited on poll for ever (and every later one behind it).
  const ns = freshNs(t);
  const RTNLGRP_IPV4_ROUTE = 7; // rtnetlink.h
  const g = open(t, ns, { groups: [RTNLGRP_IPV4_ROUTE], receiveBufferSize: 4096, noEnobufs: true });
  const s = open(t, ns);
  await s.request(L.RTM_NEWLINK, 0, (w) => {
    const o = w.reserve(L.IFINFOMSG_LEN); // lo up: ifi_index 1, ifi_flags and ifi_change IFF_UP
    w.view.setInt32(o + 4, 1, true);
    w.view.setUint32(o + 8, 1, true);
    w.view.setUint32(o + 12, 1, true);
  });
  let next = 0;
  // 500 routes on lo: their RTM_NEWROUTE notifications fill g's receive buffer.
  const fill = async (): Promise<void> => {
    const msgs = Array.from({ length: 500 }, () => {
      const i = next++;
      return {
        type: 24 /* RTM_NEWROUTE */, flags: NLM_F_CREATE | NLM_F_EXCL, build: (w: MessageWriter) => {
          const o = w.reserve(12); // rtmsg: AF_INET /32, table main, proto boot, scope universe, unicast
          w.buf.set([2, 32, 0, 0, 254, 3, 0, 1], o);
          w.putBytes(1 /* RTA_DST */, new Uint8Array([10, 77, i >> 8, i & 255]));
          w.putU32(4 /* RTA_OIF */, 1);
        },
      };
    });
    const r = await s.requestBatch(msgs);
    t.same([r.failure, r.firstRefused, r.errors[r.firstRefused]?.message], [undefined, -1, undefined], 'every route added');
  };
  const hang = <T>(p: Promise<T>): Promise<T | string> => Promise.race([p, new Promise<string>((r) => setTimeout(() => r('hang'), 3000).unref())]);
  await fill();
  t.match(await hang(rejection(g.request(L.RTM_GETLINK, 0, ifinfo(1), link, { ack: false, subject: 'lo' }))), { name: 'NetlinkError', code: 'ENOBUFS', message: /no answer came.*noEnobufs.*\(RTM_GETLINK lo\)/ });
  await fill();
  t.match(await hang(rejection(g.request(L.RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, newBridge('nlkquiet'), undefined, { subject: 'nlkquiet' }))), { name: 'NetlinkError', code: 'ENOBUFS', message: /noEnobufs.*may have been carried out; read the state back/ });
  t.equal(ipJson<unknown[]>(ns.path, ['link', 'show', 'nlkquiet']).length, 1, 'the change was made all the same');
  const lo = await g.request(L.RTM_GETLINK, 0, ifinfo(1), link, { ack: false });
  t.equal(lo?.name, 'lo', 'the queue was read empty: the next request is answered');
  // A request without ACK that the kernel answers with nothing, on that socket with its
  // queue empty: nothing was queued, so nothing was dropped — done, as on any socket
  // (before, it was refused as a dropped answer).
  t.equal(await hang(g.request(L.RTM_SETLINK, 0, ifinfo(1), undefined, { ack: false })), undefined, 'resolves with no value');
  await fill();
  t.match(await hang(rejection(g.request(L.RTM_SETLINK, 0, ifinfo(1), undefined, { ack: false, subject: 'lo' }))), { name: 'NetlinkError', code: 'ENOBUFS', message: /no answer came.*or the request is one it carries out and answers nothing.*lo\)/ }, 'with notifications queued it cannot tell, and says both');
});

t.test('NODE_DEBUG=nlkit logs requests, replies and errors', privileged, async (t) => {
  const socketJs = fileURLToPath(new URL('../../src/netlink/socket.js', import.meta.url));
  const script = `
    const { NetlinkSocket } = await import(${JSON.stringify(socketJs)});
    const s = NetlinkSocket.open(0);
    const ifi = (i) => (w) => { const o = w.reserve(16); w.view.setInt32(o + 4, i, true); };
    await s.request(18, 0, ifi(1), () => 1, { ack: false });
    await s.request(18, 0, ifi(4242), () => 1, { ack: false }).catch(() => {});
    s.close();`;
  const r = spawnSync('unshare', ['-n', process.execPath, '--input-type=module', '-e', script], { env: { ...process.env, NODE_DEBUG: 'nlkit' }, encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stderr, /NLKIT \d+: send type 18 seq=\d+ flags=0x1 len=32/);
  t.match(r.stderr, /NLKIT \d+: recv type 16 seq=\d+/);
  t.match(r.stderr, /NLKIT \d+: recv NLMSG_ERROR/);
});


// dumpEach: the parts of a dump go to a callback as they are read, not into an array.

t.test('dumpEach gives the callback every part dump() returns, in order, and resolves with the count', privileged, async (t) => {
  const ns = freshNs(t);
  const s = open(t, ns);
  await bridges(s, 60);
  const listed = (await s.dump(L.RTM_GETLINK, 0, ifinfo(0), link)).map((l) => l.name);
  const walked: string[] = [];
  const n = await s.dumpEach(L.RTM_GETLINK, 0, ifinfo(0), link, (l) => void walked.push(l.name!));
  t.equal(listed.length, 61);
  t.same(walked, listed);
  t.equal(n, 61);
  t.ok(s.stats.datagrams > s.stats.requests + 1, `several parts (${s.stats.datagrams} datagrams for ${s.stats.requests} requests)`);
});

t.test('dumpEach stops delivering when the callback returns false, reads the rest of the dump, and the socket goes on', privileged, async (t) => {
  const ns = freshNs(t);
  const s = open(t, ns);
  await bridges(s, 60);
  let decoded = 0;
  const seen: string[] = [];
  const n = await s.dumpEach(L.RTM_GETLINK, 0, ifinfo(0), (b, v, o, l) => (decoded++, link(b, v, o, l)), (l) => {
    seen.push(l.name!);
    return seen.length < 5;
  });
  t.equal(n, 5);
  t.equal(seen.length, 5);
  t.equal(decoded, 5, 'the parts after the stop are not decoded');
  const stale = s.stats.stale;
  t.equal((await s.dump(L.RTM_GETLINK, 0, ifinfo(0), link)).length, 61, 'the next dump is whole');
  t.equal(s.stats.stale, stale, 'nothing of the stopped dump was left queued');
});

t.test('dumpEach rejects with what the callback threw, after reading the dump to its end', privileged, async (t) => {
  const ns = freshNs(t);
  const s = open(t, ns);
  await bridges(s, 60);
  const boom = new Error('boom');
  let calls = 0;
  const e = await rejection(s.dumpEach(L.RTM_GETLINK, 0, ifinfo(0), link, () => {
    if (++calls === 3) throw boom;
  }));
  t.equal(e, boom);
  t.equal(calls, 3, 'no part after the throw');
  const stale = s.stats.stale;
  t.equal((await s.dump(L.RTM_GETLINK, 0, ifinfo(0), link)).length, 61);
  t.equal(s.stats.stale, stale);
});

t.test('dumpEach refuses a callback that returns a promise (it would not be awaited)', privileged, async (t) => {
  const ns = freshNs(t);
  const s = open(t, ns);
  await bridges(s, 10);
  let calls = 0;
  const e = (await rejection(s.dumpEach(L.RTM_GETLINK, 0, ifinfo(0), link, async () => {
    calls++;
    await Promise.resolve();
    throw new Error('not seen as unhandled');
  }))) as InvalidArgumentError;
  t.ok(e instanceof InvalidArgumentError);
  t.match(e.message, /fn: returned a promise: the callback runs inside the receive loop/);
  t.equal(calls, 1);
  t.equal((await s.dump(L.RTM_GETLINK, 0, ifinfo(0), link)).length, 11);
  const notFn = await rejection(s.dumpEach(L.RTM_GETLINK, 0, ifinfo(0), link, 'x' as unknown as () => void));
  t.ok(notFn instanceof InvalidArgumentError);
});

t.test('a request made from a dumpEach callback runs after the dump', privileged, async (t) => {
  const ns = freshNs(t);
  const s = open(t, ns);
  await bridges(s, 20);
  const order: string[] = [];
  let got: Promise<Link | undefined> | undefined;
  await s.dumpEach(L.RTM_GETLINK, 0, ifinfo(0), link, (l) => {
    order.push(l.name!);
    if (l.index === 1) got = s.request(L.RTM_GETLINK, 0, ifinfo(1), link, { ack: false }).then((x) => (order.push('get'), x));
  });
  t.equal(order.length, 21, 'the whole dump came first');
  t.equal((await got)?.name, 'lo');
  t.equal(order[21], 'get');
});

t.test('a dumpEach part bigger than the receive slab: the dump is re-issued and the parts already delivered are skipped', privileged, async (t) => {
  const ns = freshNs(t);
  const s = open(t, ns);
  // A few small links first: with the big one sizing the kernel's parts, they fill the
  // first part (delivered whole) and the big link comes in the second (truncated).
  await bridges(s, 5);
  bigLink(ns, 'nlkbig0');
  const build = (w: MessageWriter): void => {
    ifinfo(0)(w);
    w.putU32(IFLA_EXT_MASK, RTEXT_FILTER_VF);
  };
  const listed = (await open(t, ns).dump(L.RTM_GETLINK, 0, build, link)).map((l) => l.name);
  const walked: string[] = [];
  const r0 = s.stats.requests;
  let firstAttempt = 0;
  const n = await s.dumpEach(L.RTM_GETLINK, 0, build, link, (l) => {
    if (s.stats.requests === r0 + 1) firstAttempt++;
    walked.push(l.name!);
  });
  t.equal(s.stats.truncated, 1, 'one truncated part');
  t.equal(s.stats.requests, r0 + 2, 'one re-issue');
  t.equal(firstAttempt, 6, 'lo and the 5 bridges were delivered before the truncated part');
  t.same(walked, listed, 'every link once, in order');
  t.equal(n, listed.length);
  t.equal(new Set(walked).size, walked.length, 'no duplicates from the re-issue');
});

t.test('a dumpEach interrupted by a change (NLM_F_DUMP_INTR) is not retried: it rejects after the walk, saying how many parts were delivered', privileged, async (t) => {
  const ns = freshNs(t);
  const s = open(t, ns);
  const other = open(t, ns);
  await bridges(other, 60);
  let calls = 0;
  const e = (await rejection(s.dumpEach(L.RTM_GETLINK, 0, ifinfo(0), link, (l) => {
    calls++;
    if (l.index === 1) void other.request(L.RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, newBridge('nlkextra'));
  }))) as DumpInterruptedError;
  t.ok(e instanceof DumpInterruptedError);
  t.match(e, { code: 'ERR_NETLINK_DUMP_INTERRUPTED', attempts: 1, delivered: calls });
  t.ok(calls >= 61, `the walk went on to the end (${calls} parts)`);
  t.match(e.message, new RegExp(`^RTM_GETLINK dump was interrupted by concurrent changes \\(NLM_F_DUMP_INTR\\) after ${calls} objects went to the callback`));
  t.same(e.partial, []);
  t.equal(s.stats.dumpRetries, 0);
});

t.test('a dumpEach callback may return anything but false and a promise: null, a number, an object go on', privileged, async (t) => {
  const ns = freshNs(t);
  const s = open(t, ns);
  await bridges(s, 10);
  for (const ret of [null, 0, 'x', {}, [], () => undefined]) {
    let calls = 0;
    const n = await s.dumpEach(L.RTM_GETLINK, 0, ifinfo(0), link, () => (calls++, ret));
    t.equal(n, 11, `returning ${typeof ret === 'function' ? 'a function' : JSON.stringify(ret)}: every link`);
    t.equal(calls, 11);
  }
});

t.test('close() from a dumpEach callback: the callback gets no further part, and the walk rejects with ClosedError', privileged, async (t) => {
  // 3 links: the whole dump, NLMSG_DONE included, comes in one datagram; 60: in several.
  for (const n of [3, 60]) {
    const ns = freshNs(t);
    const s = open(t, ns);
    await bridges(s, n);
    let calls = 0;
    const e = await rejection(s.dumpEach(L.RTM_GETLINK, 0, ifinfo(0), link, () => {
      calls++;
      s.close();
    }));
    t.ok(e instanceof ClosedError, `${n} links: ClosedError (${String(e)})`);
    t.equal(calls, 1, `${n} links: no part after the close`);
  }
});

t.test('a dumpEach stopped by false is not failed by NLM_F_DUMP_INTR on the parts after the stop', privileged, async (t) => {
  const ns = freshNs(t);
  const s = open(t, ns);
  const other = open(t, ns);
  await bridges(other, 60);
  let calls = 0;
  // The change is made while the first part is read: the kernel flags the next parts,
  // none of which the callback sees.
  const n = await s.dumpEach(L.RTM_GETLINK, 0, ifinfo(0), link, () => {
    calls++;
    void other.request(L.RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, newBridge('nlkextra'));
    return false;
  });
  t.equal(n, 1);
  t.equal(calls, 1);
  // The same change, not stopped: the walk does see the flag (the test would pass vacuously otherwise).
  const e = await rejection(s.dumpEach(L.RTM_GETLINK, 0, ifinfo(0), link, (l) => {
    if (l.index === 1) void other.request(L.RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, newBridge('nlkextra2'));
  }));
  t.ok(e instanceof DumpInterruptedError, 'a whole walk across the change is interrupted');
});
