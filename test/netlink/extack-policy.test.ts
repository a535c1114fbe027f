// NLMSGERR_ATTR_POLICY: a policy refusal carries what the kernel's policy for the
// attribute allows (netlink_policy_dump_write_attr), and the error says it in words
// after the attribute. Live refusals of each policy shape the kernel reaches here: a
// string's length (IFLA_IFNAME), a signed minimum (IFLA_NEW_IFINDEX), an unsigned
// minimum (IFLA_GSO_IPV4_MAX_SIZE), and a generic netlink nul-string
// (CTRL_ATTR_FAMILY_NAME) on a socket without a describer.
import t from 'tap';
import { NetlinkSocket, NETLINK_GENERIC } from '../../src/netlink/index.js';
import { Genl } from '../../src/genl/index.js';
import { NetlinkError, describePolicy } from '../../src/netlink/errors.js';
import type { MessageWriter } from '../../src/netlink/writer.js';
import * as C from '../../src/rtnl/constants.js';
import { freshHandle, privileged } from '../helpers.js';

const ifinfomsg = (w: MessageWriter, index = 0): void => {
  const o = w.reserve(16);
  w.buf.fill(0, o, o + 16);
  w.buf.writeInt32LE(index, o + 4);
};
const refusal = async (p: Promise<unknown>): Promise<NetlinkError> => {
  const e = await p.then(() => undefined, (x: unknown) => x);
  if (!(e instanceof NetlinkError)) throw new Error(`expected a NetlinkError, got ${String(e)}`);
  return e;
};

t.test('rtnetlink policy refusals name the policy after the attribute', privileged, async (t) => {
  const { rt } = freshHandle(t);
  await rt.link.add({ name: 'v0', kind: 'veth', peer: { name: 'v1' } });
  const { index } = await rt.link.get('v0');
  const NLM_F = 0x1 | 0x4; // NLM_F_REQUEST | NLM_F_ACK

  const name = await refusal(rt.sock.request(C.RTM_NEWLINK, NLM_F, (w) => {
    ifinfomsg(w, index);
    w.putStrz(C.IFLA_IFNAME, 'abcdefghijklmnopq');
  }));
  t.equal(name.code, 'ERANGE');
  t.strictSame(name.extack.policy, { type: 'string', maxLength: 15 }, 'IFLA_IFNAME: a string of at most IFNAMSIZ - 1');
  t.match(name.message, /Attribute failed policy validation \[at IFLA_IFNAME, policy: string of at most 15 bytes\] \(RTM_NEWLINK\)$/);

  const newIndex = await refusal(rt.sock.request(C.RTM_NEWLINK, NLM_F | 0x400 | 0x200, (w) => {
    ifinfomsg(w);
    w.putStrz(C.IFLA_IFNAME, 'z0');
    w.putS32(C.IFLA_NEW_IFINDEX, -5);
    const li = w.nestStart(C.IFLA_LINKINFO);
    w.putStrz(C.IFLA_INFO_KIND, 'veth');
    w.nestEnd(li);
  }));
  t.strictSame(newIndex.extack.policy, { type: 's32', min: 1n, max: 2147483647n }, 'IFLA_NEW_IFINDEX: NLA_POLICY_MIN(NLA_S32, 1)');
  t.match(newIndex.message, /integer out of range \[at IFLA_NEW_IFINDEX, policy: s32 in 1\.\.2147483647\]/);
  t.notOk((await rt.link.list()).some((l) => l.name === 'z0'), 'nothing made');

  const gso = await refusal(rt.sock.request(C.RTM_NEWLINK, NLM_F, (w) => {
    ifinfomsg(w, index);
    w.putU32(C.IFLA_GSO_IPV4_MAX_SIZE, 0);
  }));
  const p = gso.extack.policy;
  t.equal(p?.type, 'u32');
  t.ok(typeof p?.min === 'bigint' && p.min > 0n, `a minimum above 0 (MAX_TCP_HEADER + 1): ${String(p?.min)}`);
  t.equal(p?.max, 0xffffffffn, 'the u32 maximum');
  t.match(gso.message, new RegExp(`\\[at IFLA_GSO_IPV4_MAX_SIZE, policy: u32 in ${String(p?.min)}\\.\\.4294967295\\]`));
});

t.test('a generic netlink policy refusal on a socket without a describer still gives the policy', privileged, async (t) => {
  const sock = NetlinkSocket.open(NETLINK_GENERIC);
  t.teardown(() => sock.close());
  // CTRL_CMD_GETFAMILY (3), version 1, CTRL_ATTR_FAMILY_NAME (2) over GENL_NAMSIZ - 1.
  const e = await refusal(sock.request(0x10 /* GENL_ID_CTRL */, 0, (w) => {
    const o = w.reserve(4);
    w.buf.fill(0, o, o + 4);
    w.buf[o] = 3;
    w.buf[o + 1] = 1;
    w.putStrz(2, 'x'.repeat(20));
  }));
  t.strictSame(e.extack.policy, { type: 'nul-string', maxLength: 15 });
  t.match(e.message, /Attribute failed policy validation \[policy: nul-string of at most 15 bytes\]/);
});

t.test('describePolicy words each policy shape', async (t) => {
  t.equal(describePolicy({ type: 'u8', min: 0n, max: 2n }), 'u8 in 0..2');
  t.equal(describePolicy({ type: 's64', min: -5n }), 's64 in -5..…');
  t.equal(describePolicy({ type: 'binary', minLength: 4, maxLength: 16 }), 'binary of 4..16 bytes');
  t.equal(describePolicy({ type: 'binary', minLength: 6, maxLength: 6 }), 'binary of exactly 6 bytes');
  t.equal(describePolicy({ type: 'binary', minLength: 4 }), 'binary of at least 4 bytes');
  t.equal(describePolicy({ type: 'u32', mask: 0x7n }), 'u32 with bits 0x7 only');
  t.equal(describePolicy({ type: 'bitfield32', mask: 0x3n }), 'bitfield32 with bits 0x3 only');
  t.equal(describePolicy({ maxLength: 15 }), 'a value of at most 15 bytes');
});

t.test("an NLA_UINT / NLA_SINT policy (kernel 6.7+) names its type 'uint' / 'sint', not a number", privileged, async (t) => {
  const genl = Genl.open();
  t.teardown(() => genl.close());
  // netdev's NETDEV_CMD_PAGE_POOL_GET (5) takes NETDEV_A_PAGE_POOL_ID (1) as
  // NLA_POLICY_FULL_RANGE(NLA_UINT, 1..U32_MAX) (<linux/netdev.h>, net/core/netdev-genl-gen.c).
  let e: NetlinkError;
  try {
    e = await refusal(genl.request('netdev', 5, { attrs: (w) => w.putU32(1, 0) }));
  } catch (x) {
    t.comment(`no netdev family here, nothing to check: ${String(x)}`);
    return;
  }
  if (e.code === 'ENOENT' || e.code === 'EOPNOTSUPP') {
    t.comment(`no netdev page-pool here (CONFIG_PAGE_POOL), nothing to check: ${e.message}`);
    return;
  }
  t.equal(e.code, 'ERANGE');
  t.strictSame(e.extack.policy, { type: 'uint', min: 1n, max: 0xffffffffn });
  t.match(e.message, /integer out of range \[policy: uint in 1\.\.4294967295\] \(netdev cmd 5\)$/);
});

t.test('describePolicy words the variable-length integer types', async (t) => {
  t.equal(describePolicy({ type: 'sint', min: -3n, max: 3n }), 'sint in -3..3');
  t.equal(describePolicy({ type: 'uint', mask: 0x1n }), 'uint with bits 0x1 only');
});
