// Tunnel and overlay link kinds: ipip and sit, gre and gretap, ip6tnl, ip6gre and
// ip6gretap, geneve, wireguard. This kernel builds none of them (EOPNOTSUPP "Unknown
// device type"), so:
// - the requests are checked byte for byte against what `ip link add NAME type …` (iproute2
//   6.1) sends for the same configuration, captured with
//   `strace -f -e trace=sendmsg -e write=all ip link add …` inside `unshare -n` (the kernel
//   refuses the device, the bytes are sent all the same; `dev u0` is a veth of ifindex 3
//   made first), and, where strace is installed, against what ip sends here and now. nlkit
//   and ip frame IFLA_LINKINFO differently and on purpose — nlkit marks the nests
//   NLA_F_NESTED and ends IFLA_INFO_KIND with a NUL, ip does neither — so nlkit's request
//   is compared after undoing those two, and IFLA_INFO_DATA as it is;
// - decoding is checked on the bytes ip sent and on dumps built as the kernel's
//   fill_info writes them, and what nlkit decodes is checked against what `ip -d monitor
//   file` (ip's own printer, which needs no kernel support) prints for the same bytes;
// - every option survives encode → decode;
// - live creates are attempted and skipped by the kernel's EOPNOTSUPP;
// - bad input is refused before anything is sent, each check with a case.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError, MessageWriter, type Link } from '../../src/index.js';
import { HOST_LE } from '../../src/netlink/index.js';
import { LinkApi, type LinkSpec } from '../../src/rtnl/link/api.js';
import { decodeLink, isLinkKind } from '../../src/rtnl/link/decode.js';
import * as C from '../../src/rtnl/constants.js';
import { flagsCodec, table } from '../../src/rtnl/table-helpers.js';
import { freshHandle, ipJson, privileged } from '../helpers.js';
import { recordedRequests } from './scripted-link-api.js';
import { haveStrace } from './tc-helpers.js';

type Data = Record<string, unknown>;

const E = { encapType: 'none', encapFlags: [], encapSport: 0, encapDport: 0 } as const;
const E6 = { encapType: 'none', encapFlags: ['csum6'], encapSport: 0, encapDport: 0 } as const;

/**
 * `ip link add IP` (iproute2 6.1), the spec that makes the same request, and the
 * attributes ip sent after its nlmsghdr and empty ifinfomsg (hex, captured). The specs
 * give every attribute ip sends, defaults included: ip fills in more than it is told.
 */
const CASES: Array<{ ip: string; spec: LinkSpec; sent: string }> = [
  {
    ip: 't0 type ipip remote 1.2.3.4 local 5.6.7.8 ttl 64',
    spec: { kind: 'ipip', name: 't0', data: { proto: 'any', local: '5.6.7.8', remote: '1.2.3.4', pmtudisc: true, tos: 0, ttl: 64, link: 0, fwmark: 0, ...E } },
    sent: '07000300743000007000120008000100697069706400020005000900000000000800020005060708080003000102030405000a0001000000050005000000000005000400400000000800010000000000080014000000000006000f0000000000060010000000000006001100000000000600120000000000',
  },
  {
    ip: 't0 type ipip remote 1.2.3.4 dev u0 tos 0x10 nopmtudisc fwmark 7 encap fou encap-sport 1000 encap-dport 2000 encap-csum mode ipip',
    spec: { kind: 'ipip', name: 't0', data: { proto: 'ipip', remote: '1.2.3.4', pmtudisc: false, tos: 0x10, ttl: 0, link: 3, fwmark: 7, encapType: 'fou', encapFlags: ['csum'], encapSport: 1000, encapDport: 2000 } },
    sent: '07000300743000006800120008000100697069705c0002000500090004000000080003000102030405000a0000000000050005001000000005000400000000000800010003000000080014000700000006000f000100000006001000010000000600110003e800000600120007d00000',
  },
  {
    ip: 't0 type ipip mode mplsip',
    spec: { kind: 'ipip', name: 't0', data: { proto: 'mplsip', pmtudisc: true, tos: 0, ttl: 0, link: 0, fwmark: 0, ...E } },
    sent: '070003007430000060001200080001006970697054000200050009008900000005000a0001000000050005000000000005000400000000000800010000000000080014000000000006000f0000000000060010000000000006001100000000000600120000000000',
  },
  {
    ip: 't0 type ipip external',
    spec: { kind: 'ipip', name: 't0', data: { proto: 'any', collectMetadata: true } },
    sent: '07000300743000001c001200080001006970697010000200050009000000000004001300',
  },
  {
    ip: 't0 type sit remote 1.2.3.4 mode ip6ip isatap',
    spec: { kind: 'sit', name: 't0', data: { proto: 'ip6ip', remote: '1.2.3.4', pmtudisc: true, tos: 0, ttl: 0, link: 0, fwmark: 0, ...E, flags: ['isatap'] } },
    sent: '0700030074300000700012000700010073697400640002000500090029000000080003000102030405000a0001000000050005000000000005000400000000000800010000000000080014000000000006000f00000000000600100000000000060011000000000006001200000000000600080001000000',
  },
  {
    ip: 't0 type sit local 1.2.3.4 6rd-prefix 2001:db8::/32 6rd-relay_prefix 10.0.0.0/8',
    spec: { kind: 'sit', name: 't0', data: { proto: 'any', local: '1.2.3.4', pmtudisc: true, tos: 0, ttl: 0, link: 0, fwmark: 0, ...E, flags: [], '6rdPrefix': '2001:db8::', '6rdPrefixlen': 32, '6rdRelayPrefix': '10.0.0.0', '6rdRelayPrefixlen': 8 } },
    sent: '07000300743000009c0012000700010073697400900002000500090000000000080002000102030405000a0001000000050005000000000005000400000000000800010000000000080014000000000006000f0000000000060010000000000006001100000000000600120000000000060008000000000014000b0020010db800000000000000000000000006000d002000000008000c000a00000006000e0008000000',
  },
  {
    ip: 't0 type gre remote 1.2.3.4 local 5.6.7.8 key 42',
    spec: { kind: 'gre', name: 't0', data: { ikey: 42, okey: 42, iflags: ['key'], oflags: ['key'], local: '5.6.7.8', remote: '1.2.3.4', pmtudisc: true, tos: 0, ttl: 0, fwmark: 0, ...E } },
    sent: '070003007430000080001200070001006772650074000200080004000000002a080005000000002a060002002000000006000300200000000800060005060708080007000102030405000a000100000005000900000000000500080000000000080014000000000006000e000000000006000f000000000006001000000000000600110000000000',
  },
  {
    ip: 't0 type gre remote 1.2.3.4 dev u0 ignore-df nopmtudisc fwmark 9 encap gue encap-dport 5555 encap-remcsum',
    spec: { kind: 'gre', name: 't0', data: { ikey: 0, okey: 0, iflags: [], oflags: [], remote: '1.2.3.4', pmtudisc: false, ignoreDf: true, tos: 0, link: 3, ttl: 0, fwmark: 9, encapType: 'gue', encapFlags: ['remcsum'], encapSport: 0, encapDport: 5555 } },
    sent: '07000300743000008800120007000100677265007c0002000800040000000000080005000000000006000200000000000600030000000000080007000102030405000a00000000000500130001000000050009000000000008000100030000000500080000000000080014000900000006000e000200000006000f000400000006001000000000000600110015b30000',
  },
  {
    ip: 't0 type gre key 4294967295 seq csum',
    spec: { kind: 'gre', name: 't0', data: { ikey: 4294967295, okey: 4294967295, iflags: ['csum', 'key', 'seq'], oflags: ['csum', 'key', 'seq'], pmtudisc: true, tos: 0, ttl: 0, fwmark: 0, ...E } },
    sent: '07000300743000007000120007000100677265006400020008000400ffffffff08000500ffffffff06000200b000000006000300b000000005000a000100000005000900000000000500080000000000080014000000000006000e000000000006000f000000000006001000000000000600110000000000',
  },
  {
    ip: 't0 type gre external',
    spec: { kind: 'gre', name: 't0', data: { collectMetadata: true } },
    sent: '07000300743000001400120007000100677265000800020004001200',
  },
  {
    ip: 't0 type gretap remote 1.2.3.4 ikey 1 okey 2 iseq ocsum ttl 10 tos 0x10',
    spec: { kind: 'gretap', name: 't0', data: { ikey: 1, okey: 2, iflags: ['key', 'seq'], oflags: ['csum', 'key'], remote: '1.2.3.4', pmtudisc: true, tos: 0x10, ttl: 10, fwmark: 0, ...E } },
    sent: '07000300743000007c0012000a00010067726574617000006c00020008000400000000010800050000000002060002003000000006000300a0000000080007000102030405000a00010000000500090010000000050008000a000000080014000000000006000e000000000006000f000000000006001000000000000600110000000000',
  },
  {
    ip: 't0 type gretap external',
    spec: { kind: 'gretap', name: 't0', data: { collectMetadata: true } },
    sent: '0700030074300000180012000a00010067726574617000000800020004001200',
  },
  {
    ip: 't0 type ip6tnl remote 2001:db8::1 local 2001:db8::2',
    spec: { kind: 'ip6tnl', name: 't0', data: { proto: 'any', local: '2001:db8::2', remote: '2001:db8::1', ttl: 64, encapLimit: 4, flowinfo: 0, flags: [], link: 0, fwmark: 0, ...E6 } },
    sent: '0700030074300000940012000a000100697036746e6c00008400020005000900000000001400020020010db80000000000000000000000021400030020010db800000000000000000000000105000400400000000500060004000000080007000000000008000800000000000800010000000000080014000000000006000f0000000000060010000200000006001100000000000600120000000000',
  },
  {
    ip: 't0 type ip6tnl mode ipip6 encaplimit none tclass 0x20 flowlabel 0x12345 dscp inherit allow-localremote fwmark inherit dev u0 hoplimit 10',
    spec: { kind: 'ip6tnl', name: 't0', data: { proto: 'ipip6', ttl: 10, encapLimit: 4, flowinfo: 0x02012345, flags: ['ign_encap_limit', 'rcv_dscp_copy', 'use_orig_fwmark', 'allow_local_remote'], link: 3, fwmark: 0, ...E6 } },
    sent: '07000300743000006c0012000a000100697036746e6c00005c0002000500090004000000050004000a0000000500060004000000080007000201234508000800710000000800010003000000080014000000000006000f0000000000060010000200000006001100000000000600120000000000',
  },
  {
    ip: 't0 type ip6tnl external',
    spec: { kind: 'ip6tnl', name: 't0', data: { proto: 'any', collectMetadata: true } },
    sent: '0700030074300000200012000a000100697036746e6c000010000200050009000000000004001300',
  },
  {
    ip: 't0 type ip6gre remote 2001:db8::1 local 2001:db8::2 key 5',
    spec: { kind: 'ip6gre', name: 't0', data: { ikey: 5, okey: 5, iflags: ['key'], oflags: ['key'], local: '2001:db8::2', remote: '2001:db8::1', ttl: 64, encapLimit: 4, flowinfo: 0, flags: [], fwmark: 0, erspanVer: 1, ...E6 } },
    sent: '0700030074300000ac0012000a00010069703667726500009c00020008000400000000050800050000000005060002002000000006000300200000001400060020010db80000000000000000000000021400070020010db8000000000000000000000001050008004000000005000b000400000008000c000000000008000d00000000000800140000000000050016000100000006000e000000000006000f000200000006001000000000000600110000000000',
  },
  {
    ip: 't0 type ip6gre remote 2001:db8::1 okey 7 oseq icsum tclass inherit flowlabel inherit encaplimit 2 dev u0 fwmark 3',
    spec: { kind: 'ip6gre', name: 't0', data: { ikey: 0, okey: 7, iflags: ['csum'], oflags: ['key', 'seq'], remote: '2001:db8::1', link: 3, ttl: 64, encapLimit: 2, flowinfo: 0, flags: ['use_orig_tclass', 'use_orig_flowlabel'], fwmark: 3, erspanVer: 1, ...E6 } },
    sent: '0700030074300000a00012000a00010069703667726500009000020008000400000000000800050000000007060002008000000006000300300000001400070020010db80000000000000000000000010800010003000000050008004000000005000b000200000008000c000000000008000d00060000000800140003000000050016000100000006000e000000000006000f000200000006001000000000000600110000000000',
  },
  {
    ip: 't0 type ip6gre key 1.2.3.4',
    spec: { kind: 'ip6gre', name: 't0', data: { ikey: '1.2.3.4', okey: '1.2.3.4', iflags: ['key'], oflags: ['key'], ttl: 64, encapLimit: 4, flowinfo: 0, flags: [], fwmark: 0, erspanVer: 1, ...E6 } },
    sent: '0700030074300000840012000a0001006970366772650000740002000800040001020304080005000102030406000200200000000600030020000000050008004000000005000b000400000008000c000000000008000d00000000000800140000000000050016000100000006000e000000000006000f000200000006001000000000000600110000000000',
  },
  {
    ip: 't0 type ip6gretap local 2001:db8::2 remote 2001:db8::1 noencap',
    spec: { kind: 'ip6gretap', name: 't0', data: { ikey: 0, okey: 0, iflags: [], oflags: [], local: '2001:db8::2', remote: '2001:db8::1', ttl: 64, encapLimit: 4, flowinfo: 0, flags: [], fwmark: 0, erspanVer: 1, ...E6 } },
    sent: '0700030074300000b00012000d0001006970366772657461700000009c00020008000400000000000800050000000000060002000000000006000300000000001400060020010db80000000000000000000000021400070020010db8000000000000000000000001050008004000000005000b000400000008000c000000000008000d00000000000800140000000000050016000100000006000e000000000006000f000200000006001000000000000600110000000000',
  },
  {
    ip: 't0 type ip6gretap remote 2001:db8::1 external',
    spec: { kind: 'ip6gretap', name: 't0', data: { collectMetadata: true } },
    sent: '07000300743000001c0012000d0001006970366772657461700000000800020004001200',
  },
  {
    ip: 't0 type geneve id 5 remote 1.2.3.4',
    spec: { kind: 'geneve', name: 't0', data: { id: 5, remote: '1.2.3.4', label: 0, ttl: 0, tos: 0 } },
    sent: '07000300743000003c0012000a00010067656e65766500002c0002000800010005000000080002000102030408000b000000000005000300000000000500040000000000',
  },
  {
    ip: 't0 type geneve id 5 remote 2001:db8::1 dstport 6081',
    spec: { kind: 'geneve', name: 't0', data: { id: 5, remote6: '2001:db8::1', label: 0, ttl: 0, tos: 0, port: 6081 } },
    sent: '0700030074300000500012000a00010067656e65766500004000020008000100050000001400070020010db800000000000000000000000108000b0000000000050003000000000005000400000000000600050017c10000',
  },
  {
    ip: 't0 type geneve id 100 remote 2001:db8::1 ttl 10 tos 0x20 flowlabel 0x12345 udpcsum udp6zerocsumtx noudp6zerocsumrx',
    spec: { kind: 'geneve', name: 't0', data: { id: 100, remote6: '2001:db8::1', label: 0x12345, ttl: 10, tos: 0x20, udpCsum: true, udpZeroCsum6Tx: true, udpZeroCsum6Rx: false } },
    sent: '0700030074300000600012000a00010067656e65766500005000020008000100640000001400070020010db800000000000000000000000108000b0000012345050003000a00000005000400200000000500080001000000050009000100000005000a0000000000',
  },
  {
    ip: 't0 type geneve id 16777215 remote 10.0.0.1 ttl inherit tos inherit dstport 6081 noudpcsum',
    spec: { kind: 'geneve', name: 't0', data: { ttlInherit: true, id: 16777215, remote: '10.0.0.1', label: 0, ttl: 0, tos: 1, port: 6081, udpCsum: false } },
    sent: '0700030074300000540012000a00010067656e65766500004400020005000c000100000008000100ffffff00080002000a00000108000b0000000000050003000000000005000400010000000600050017c100000500080000000000',
  },
  {
    ip: 't0 type geneve id 1 remote 10.0.0.1 df set innerprotoinherit ttl 5',
    spec: { kind: 'geneve', name: 't0', data: { df: 'set', id: 1, remote: '10.0.0.1', label: 0, ttl: 5, tos: 0, innerProtoInherit: true } },
    sent: '0700030074300000480012000a00010067656e65766500003800020005000d00010000000800010001000000080002000a00000108000b00000000000500030005000000050004000000000004000e00',
  },
  {
    ip: 't0 type geneve external',
    spec: { kind: 'geneve', name: 't0', data: { id: 0, label: 0, ttl: 0, tos: 0, collectMetadata: true } },
    sent: '0700030074300000380012000a00010067656e657665000028000200080001000000000008000b00000000000500030000000000050004000000000004000600',
  },
  {
    ip: 't0 type geneve external dstport 6082',
    spec: { kind: 'geneve', name: 't0', data: { id: 0, label: 0, ttl: 0, tos: 0, port: 6082, collectMetadata: true } },
    sent: '0700030074300000400012000a00010067656e657665000030000200080001000000000008000b0000000000050003000000000005000400000000000600050017c2000004000600',
  },
  {
    ip: 't0 type wireguard',
    spec: { kind: 'wireguard', name: 't0' },
    sent: '0700030074300000140012000d000100776972656775617264000000',
  },
];

/** The attributes of `b` in `[off, end)`: type (flag bits kept) and payload. */
function attrsOf(b: Buffer, off: number, end: number): Array<{ type: number; body: Buffer }> {
  const out: Array<{ type: number; body: Buffer }> = [];
  while (end - off >= 4) {
    const len = b.readUInt16LE(off);
    out.push({ type: b.readUInt16LE(off + 2), body: b.subarray(off + 4, off + len) });
    off += (len + 3) & ~3;
  }
  return out;
}

/** One attribute, padded. */
function nla(type: number, body: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h.writeUInt16LE(4 + body.length, 0);
  h.writeUInt16LE(type, 2);
  return Buffer.concat([h, body, Buffer.alloc((4 - ((4 + body.length) % 4)) % 4)]);
}

/**
 * nlkit's RTM_NEWLINK framed as ip frames it: IFLA_LINKINFO and IFLA_INFO_DATA without
 * NLA_F_NESTED, IFLA_INFO_KIND without its NUL; everything else, IFLA_INFO_DATA's
 * contents included, byte for byte as nlkit wrote it (sequence number zeroed).
 */
function asIpFramesIt(b: Buffer): Buffer {
  const parts = attrsOf(b, 32, b.length).map((a) => {
    if ((a.type & 0x3fff) !== C.IFLA_LINKINFO) return nla(a.type, a.body);
    return nla(C.IFLA_LINKINFO, Buffer.concat(attrsOf(a.body, 0, a.body.length).map((i) => {
      const type = i.type & 0x3fff;
      if (type !== C.IFLA_INFO_KIND) return nla(type, i.body);
      if (i.body[i.body.length - 1] !== 0) throw new Error('nlkit ends IFLA_INFO_KIND with a NUL');
      return nla(type, i.body.subarray(0, i.body.length - 1));
    })));
  });
  const out = Buffer.concat([b.subarray(0, 32), ...parts]);
  out.writeUInt32LE(out.length, 0);
  out.fill(0, 8, 12);
  return out;
}

/** What ip sent: nlmsghdr (RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE, seq 0), an empty ifinfomsg, then `attrs`. */
function ipRequest(attrs: string): Buffer {
  const body = Buffer.from(attrs, 'hex');
  const h = Buffer.alloc(32);
  h.writeUInt32LE(32 + body.length, 0);
  h.writeUInt16LE(C.RTM_NEWLINK, 4);
  h.writeUInt16LE(0x605, 6);
  return Buffer.concat([h, body]);
}

/** The request rt.link.add(spec) sends (built against a recording socket), and how the call ended. */
async function requestOf(spec: unknown): Promise<{ bytes: Buffer[]; error?: unknown }> {
  return recordedRequests((core) => LinkApi.of(core), (api) => api.add(spec as LinkSpec));
}

/** A decoded RTM_NEWLINK message (as a dump carries it: ifindex 9). */
function decode(msg: Buffer): Link {
  const b = Buffer.from(msg);
  b.writeInt32LE(9, 20);
  return decodeLink(b, new DataView(b.buffer, b.byteOffset, b.byteLength), 0, b.length);
}

/** The decoded data a spec's options come back as: GRE keys given as dotted quads are numbers. */
function canonical(data: Data | undefined): Data | undefined {
  if (!data) return undefined;
  const out: Data = { ...data };
  for (const k of ['ikey', 'okey']) {
    const v = out[k];
    if (typeof v === 'string') out[k] = v.split('.').reduce((n, x) => n * 256 + Number(x), 0);
  }
  return out;
}

t.test('each spec makes the request ip 6.1 sends for its command (captured with strace), but for the framing of IFLA_LINKINFO', async (t) => {
  for (const c of CASES) {
    const { bytes, error } = await requestOf(c.spec);
    t.error(error, c.ip);
    t.equal(bytes.length, 1);
    t.equal(asIpFramesIt(bytes[0]!).toString('hex'), ipRequest(c.sent).toString('hex'), `ip link add ${c.ip}`);
  }
  // The kinds were each covered with more than one option set (wireguard has none).
  const kinds = new Map<string, number>();
  for (const c of CASES) kinds.set(c.spec.kind, (kinds.get(c.spec.kind) ?? 0) + 1);
  t.same([...kinds.keys()].sort(), ['geneve', 'gre', 'gretap', 'ip6gre', 'ip6gretap', 'ip6tnl', 'ipip', 'sit', 'wireguard']);
  for (const [k, n] of kinds) if (k !== 'wireguard') t.ok(n >= 2, `${k}: ${n} option sets`);
});

/** The RTM_NEWLINK requests `ip link add ARGS` sends in the netns, from strace's hex dump of its sendmsg buffers, sequence zeroed. */
function ipLinkAddRequests(nsPath: string, args: string[]): Buffer[] {
  const r = spawnSync('nsenter', [`--net=${nsPath}`, 'strace', '-f', '-qq', '-e', 'trace=sendmsg', '-e', 'write=all', '-e', 'signal=none', 'ip', 'link', 'add', ...args], { encoding: 'utf8' });
  const out: Buffer[] = [];
  let cur: number[] | undefined;
  for (const line of r.stderr.split('\n')) {
    if (/^(\[pid\s+\d+\]\s+)?sendmsg\(/.test(line)) {
      cur = /nlmsg_type=RTM_NEWLINK/.test(line) ? [] : undefined;
      if (cur) out.push(Buffer.alloc(0));
      continue;
    }
    const m = /^ \| [0-9a-f]{5}  ((?:[0-9a-f]{2} {1,2}){1,16})/.exec(line);
    if (m && cur) {
      for (const h of m[1]!.trim().split(/\s+/)) cur.push(parseInt(h, 16));
      const b = Buffer.from(cur);
      b.fill(0, 8, 12);
      out[out.length - 1] = b;
    }
  }
  return out;
}

t.test('and what ip sends here, now (strace), equals what nlkit sends', { skip: privileged.skip || (!haveStrace && 'strace not installed: the recorded requests are checked only') }, async (t) => {
  const { ns, rt } = freshHandle(t);
  await rt.link.add({ kind: 'veth', name: 'u0', peer: { name: 'u1' } });
  const u0 = (await rt.link.get('u0')).index;
  for (const c of CASES) {
    const sent = ipLinkAddRequests(ns.path, c.ip.split(' '));
    t.equal(sent.length, 1, `${c.ip}: ip sent one RTM_NEWLINK`);
    // `dev u0` is IFLA_*_LINK: the spec names ifindex 3, which u0 is in a fresh netns.
    const data = (c.spec as { data?: Data }).data;
    const spec = data?.['link'] === 3 ? { ...c.spec, data: { ...data, link: u0 } } : c.spec;
    const { bytes } = await requestOf(spec);
    t.equal(asIpFramesIt(bytes[0]!).toString('hex'), sent[0]?.toString('hex'), `ip link add ${c.ip}`);
  }
});

t.test("what ip sent decodes to the spec's options (the kind from IFLA_INFO_KIND, the data by its table)", async (t) => {
  for (const c of CASES) {
    const l = decode(ipRequest(c.sent));
    t.equal(l.kind, c.spec.kind, `${c.ip}: kind`);
    t.same(l.linkinfo?.data, canonical((c.spec as { data?: Data }).data), `${c.ip}: data`);
  }
});

/** Round trips: option sets beyond what ip writes (hex flag bits, 'any', every name of each list). */
const ROUND_TRIPS: LinkSpec[] = [
  { kind: 'ipip', name: 'r0', data: { proto: 'ipip', local: 'any', remote: '192.0.2.1', ttl: 255, tos: 1, pmtudisc: false, link: 7, fwmark: 0xffffffff, encapType: 'gue', encapFlags: ['csum', 'csum6', 'remcsum'], encapSport: 65535, encapDport: 1 } },
  { kind: 'sit', name: 'r0', data: { proto: 'mplsip', flags: ['isatap', '0x8000'], '6rdPrefix': '2001:db8::', '6rdPrefixlen': 48, '6rdRelayPrefix': '192.0.0.0', '6rdRelayPrefixlen': 16 } },
  { kind: 'gre', name: 'r0', data: { iflags: ['csum', 'key', 'seq', 'strict', 'ack'], oflags: ['key'], ikey: 0xfffffffe, okey: 1, local: '198.51.100.1', remote: 'any', ignoreDf: true, pmtudisc: false, erspanIndex: 5, erspanVer: 2, erspanDir: 'egress', erspanHwid: 0x3f } },
  { kind: 'gretap', name: 'r0', data: { collectMetadata: true, encapType: 'none' } },
  { kind: 'ip6tnl', name: 'r0', data: { proto: 'ip6ip6', local: '2001:db8::1', remote: 'any', ttl: 0, encapLimit: 0, flowinfo: 0x0fffffff, flags: ['ign_encap_limit', 'use_orig_tclass', 'use_orig_flowlabel', 'mip6_dev', 'rcv_dscp_copy', 'use_orig_fwmark', 'allow_local_remote', '0x30000'] } },
  { kind: 'ip6gre', name: 'r0', data: { local: 'any', remote: '2001:db8::2', encapLimit: 255, flowinfo: 0x00100001, flags: ['use_orig_fwmark'], iflags: ['key'], ikey: '255.255.255.255' } },
  { kind: 'ip6gretap', name: 'r0', data: { remote: '2001:db8::2', erspanVer: 0, encapType: 'fou', encapFlags: ['csum6'], encapDport: 5555 } },
  { kind: 'geneve', name: 'r0', data: { id: 0xffffff, remote6: '2001:db8::9', label: 0xfffff, ttl: 255, tos: 255, port: 0, df: 'inherit', ttlInherit: false, udpCsum: false, udpZeroCsum6Tx: false, udpZeroCsum6Rx: true, innerProtoInherit: true } },
  { kind: 'geneve', name: 'r0', data: { id: 0, remote: '0.0.0.0', df: 'unset', collectMetadata: true } },
];

t.test('encode → decode gives the options back', async (t) => {
  for (const spec of ROUND_TRIPS) {
    const { bytes, error } = await requestOf(spec);
    t.error(error, `${spec.kind} ${JSON.stringify(spec.data)}`);
    t.same(decode(bytes[0]!).linkinfo?.data, canonical(spec.data as Data), `${spec.kind}: ${Object.keys(spec.data ?? {}).join(', ')}`);
  }
});

/** A dump's RTM_NEWLINK of `kind` with IFLA_INFO_DATA written by `data`, in ip's framing (no NLA_F_NESTED, as the kernel's nla_nest_start_noflag). */
function dumpOf(kind: string, data: (w: MessageWriter) => void): Buffer {
  const w = new MessageWriter();
  w.begin(C.RTM_NEWLINK, 0x2, 0);
  const o = w.reserve(16);
  w.view.setInt32(o + 4, 9, true);
  w.putStrz(C.IFLA_IFNAME, 't0');
  const li = w.nestStart(C.IFLA_LINKINFO);
  w.putStrz(C.IFLA_INFO_KIND, kind);
  const d = w.nestStart(C.IFLA_INFO_DATA);
  data(w);
  w.nestEnd(d);
  w.nestEnd(li);
  const b = Buffer.from(w.finish());
  w.release();
  for (const a of attrsOf(b, 32, b.length)) {
    if ((a.type & 0x3fff) !== C.IFLA_LINKINFO) continue;
    const at = a.body.byteOffset - b.byteOffset - 4;
    b.writeUInt16LE(C.IFLA_LINKINFO, at + 2);
    for (const i of attrsOf(a.body, 0, a.body.length)) b.writeUInt16LE(i.type & 0x3fff, i.body.byteOffset - b.byteOffset - 2);
  }
  return b;
}

const ip4 = (s: string) => Uint8Array.from(s.split('.').map(Number));
const ip6 = (s: string) => {
  const [h, tl] = s.split('::');
  const g = (x: string | undefined) => (x ? x.split(':').map((p) => parseInt(p, 16)) : []);
  const head = g(h);
  const tail = g(tl);
  const all = [...head, ...new Array(8 - head.length - tail.length).fill(0), ...tail];
  return Uint8Array.from(all.flatMap((v) => [v >> 8, v & 0xff]));
};
const encapDump = (w: MessageWriter, base: number, type: number, sport: number, dport: number, flags: number) => {
  // fill_info order: ENCAP_TYPE, ENCAP_SPORT, ENCAP_DPORT, ENCAP_FLAGS (base = the kind's ENCAP_TYPE).
  w.putU16(base, type).putBe16(base + 2, sport).putBe16(base + 3, dport).putU16(base + 1, flags);
};

/**
 * Dumps as the kernel's fill_info functions write them (ipip_fill_info, ipip6_fill_info,
 * ipgre_fill_info, ip6_tnl_fill_info, ip6gre_fill_info, geneve_fill_info: every
 * attribute, zeros where unset), what nlkit decodes from each.
 */
const DUMPS: Array<{ what: string; kind: string; dump: (w: MessageWriter) => void; data: Data }> = [
  {
    what: 'an ipip made with `remote 10.0.0.2 local 10.0.0.1 ttl 64` (Calico: one per node)', kind: 'ipip',
    dump: (w) => {
      w.putU32(C.IFLA_IPTUN_LINK, 0).putBytes(C.IFLA_IPTUN_LOCAL, ip4('10.0.0.1')).putBytes(C.IFLA_IPTUN_REMOTE, ip4('10.0.0.2'));
      w.putU8(C.IFLA_IPTUN_TTL, 64).putU8(C.IFLA_IPTUN_TOS, 0).putU8(C.IFLA_IPTUN_PROTO, C.IPPROTO_IPIP).putU8(C.IFLA_IPTUN_PMTUDISC, 1).putU32(C.IFLA_IPTUN_FWMARK, 0);
      encapDump(w, C.IFLA_IPTUN_ENCAP_TYPE, 0, 0, 0, 0);
    },
    data: { link: 0, local: '10.0.0.1', remote: '10.0.0.2', ttl: 64, tos: 0, proto: 'ipip', pmtudisc: true, fwmark: 0, encapType: 'none', encapSport: 0, encapDport: 0, encapFlags: [] },
  },
  {
    what: 'a flow-based ipip (`external`)', kind: 'ipip',
    dump: (w) => {
      w.putU32(C.IFLA_IPTUN_LINK, 0).putBytes(C.IFLA_IPTUN_LOCAL, ip4('0.0.0.0')).putBytes(C.IFLA_IPTUN_REMOTE, ip4('0.0.0.0'));
      w.putU8(C.IFLA_IPTUN_TTL, 0).putU8(C.IFLA_IPTUN_TOS, 0).putU8(C.IFLA_IPTUN_PROTO, 0).putU8(C.IFLA_IPTUN_PMTUDISC, 1).putU32(C.IFLA_IPTUN_FWMARK, 0);
      encapDump(w, C.IFLA_IPTUN_ENCAP_TYPE, 0, 0, 0, 0);
      w.putFlag(C.IFLA_IPTUN_COLLECT_METADATA);
    },
    data: { link: 0, local: 'any', remote: 'any', ttl: 0, tos: 0, proto: 'any', pmtudisc: true, fwmark: 0, encapType: 'none', encapSport: 0, encapDport: 0, encapFlags: [], collectMetadata: true },
  },
  {
    what: 'a 6rd sit over fou', kind: 'sit',
    dump: (w) => {
      w.putU32(C.IFLA_IPTUN_LINK, 2).putBytes(C.IFLA_IPTUN_LOCAL, ip4('192.0.2.1')).putBytes(C.IFLA_IPTUN_REMOTE, ip4('0.0.0.0'));
      w.putU8(C.IFLA_IPTUN_TTL, 0).putU8(C.IFLA_IPTUN_TOS, 1).putU8(C.IFLA_IPTUN_PMTUDISC, 1).putU8(C.IFLA_IPTUN_PROTO, C.IPPROTO_IPV6).putU16(C.IFLA_IPTUN_FLAGS, C.SIT_ISATAP).putU32(C.IFLA_IPTUN_FWMARK, 0x10);
      w.putBytes(C.IFLA_IPTUN_6RD_PREFIX, ip6('2001:db8::')).putBytes(C.IFLA_IPTUN_6RD_RELAY_PREFIX, ip4('10.0.0.0')).putU16(C.IFLA_IPTUN_6RD_PREFIXLEN, 32).putU16(C.IFLA_IPTUN_6RD_RELAY_PREFIXLEN, 8);
      encapDump(w, C.IFLA_IPTUN_ENCAP_TYPE, C.TUNNEL_ENCAP_FOU, 0, 5555, C.TUNNEL_ENCAP_FLAG_CSUM);
    },
    data: { link: 2, local: '192.0.2.1', remote: 'any', ttl: 0, tos: 1, pmtudisc: true, proto: 'ip6ip', flags: ['isatap'], fwmark: 16, '6rdPrefix': '2001:db8::', '6rdRelayPrefix': '10.0.0.0', '6rdPrefixlen': 32, '6rdRelayPrefixlen': 8, encapType: 'fou', encapSport: 0, encapDport: 5555, encapFlags: ['csum'] },
  },
  {
    what: 'a keyed gre with sequence numbers and checksums', kind: 'gre',
    dump: (w) => {
      w.putU32(C.IFLA_GRE_LINK, 0).putBe16(C.IFLA_GRE_IFLAGS, C.GRE_KEY | C.GRE_SEQ).putBe16(C.IFLA_GRE_OFLAGS, C.GRE_KEY | C.GRE_CSUM);
      w.putBe32(C.IFLA_GRE_IKEY, 42).putBe32(C.IFLA_GRE_OKEY, 0x01020304).putBytes(C.IFLA_GRE_LOCAL, ip4('10.1.0.1')).putBytes(C.IFLA_GRE_REMOTE, ip4('10.1.0.2'));
      w.putU8(C.IFLA_GRE_TTL, 0).putU8(C.IFLA_GRE_TOS, 0x1c).putU8(C.IFLA_GRE_PMTUDISC, 0).putU32(C.IFLA_GRE_FWMARK, 0);
      encapDump(w, C.IFLA_GRE_ENCAP_TYPE, 0, 0, 0, 0);
      w.putU8(C.IFLA_GRE_IGNORE_DF, 1);
    },
    data: { link: 0, iflags: ['key', 'seq'], oflags: ['csum', 'key'], ikey: 42, okey: 0x01020304, local: '10.1.0.1', remote: '10.1.0.2', ttl: 0, tos: 0x1c, pmtudisc: false, fwmark: 0, encapType: 'none', encapSport: 0, encapDport: 0, encapFlags: [], ignoreDf: true },
  },
  {
    what: 'a flow-based gretap', kind: 'gretap',
    dump: (w) => {
      w.putU32(C.IFLA_GRE_LINK, 0).putBe16(C.IFLA_GRE_IFLAGS, 0).putBe16(C.IFLA_GRE_OFLAGS, 0).putBe32(C.IFLA_GRE_IKEY, 0).putBe32(C.IFLA_GRE_OKEY, 0);
      w.putBytes(C.IFLA_GRE_LOCAL, ip4('0.0.0.0')).putBytes(C.IFLA_GRE_REMOTE, ip4('0.0.0.0')).putU8(C.IFLA_GRE_TTL, 0).putU8(C.IFLA_GRE_TOS, 0).putU8(C.IFLA_GRE_PMTUDISC, 1).putU32(C.IFLA_GRE_FWMARK, 0);
      encapDump(w, C.IFLA_GRE_ENCAP_TYPE, 0, 0, 0, 0);
      w.putU8(C.IFLA_GRE_IGNORE_DF, 0).putFlag(C.IFLA_GRE_COLLECT_METADATA);
    },
    data: { link: 0, iflags: [], oflags: [], ikey: 0, okey: 0, local: 'any', remote: 'any', ttl: 0, tos: 0, pmtudisc: true, fwmark: 0, encapType: 'none', encapSport: 0, encapDport: 0, encapFlags: [], ignoreDf: false, collectMetadata: true },
  },
  {
    what: 'an ip6tnl in ipip6 mode, with the capability bits the kernel adds to its flags', kind: 'ip6tnl',
    dump: (w) => {
      w.putU32(C.IFLA_IPTUN_LINK, 0).putBytes(C.IFLA_IPTUN_LOCAL, ip6('2001:db8::1')).putBytes(C.IFLA_IPTUN_REMOTE, ip6('2001:db8::2'));
      w.putU8(C.IFLA_IPTUN_TTL, 64).putU8(C.IFLA_IPTUN_ENCAP_LIMIT, 4).putBe32(C.IFLA_IPTUN_FLOWINFO, 0x02012345).putU32(C.IFLA_IPTUN_FLAGS, C.IP6_TNL_F_RCV_DSCP_COPY | 0x30000);
      w.putU8(C.IFLA_IPTUN_PROTO, C.IPPROTO_IPIP).putU32(C.IFLA_IPTUN_FWMARK, 0);
      encapDump(w, C.IFLA_IPTUN_ENCAP_TYPE, 0, 0, 0, C.TUNNEL_ENCAP_FLAG_CSUM6);
    },
    data: { link: 0, local: '2001:db8::1', remote: '2001:db8::2', ttl: 64, encapLimit: 4, flowinfo: 0x02012345, flags: ['rcv_dscp_copy', '0x30000'], proto: 'ipip6', fwmark: 0, encapType: 'none', encapSport: 0, encapDport: 0, encapFlags: ['csum6'] },
  },
  {
    what: 'an ip6gre with an output key and inherited traffic class', kind: 'ip6gre',
    dump: (w) => {
      w.putU32(C.IFLA_GRE_LINK, 0).putBe16(C.IFLA_GRE_IFLAGS, 0).putBe16(C.IFLA_GRE_OFLAGS, C.GRE_KEY).putBe32(C.IFLA_GRE_IKEY, 0).putBe32(C.IFLA_GRE_OKEY, 7);
      w.putBytes(C.IFLA_GRE_LOCAL, ip6('::')).putBytes(C.IFLA_GRE_REMOTE, ip6('2001:db8::2')).putU8(C.IFLA_GRE_TTL, 64).putU8(C.IFLA_GRE_ENCAP_LIMIT, 4);
      w.putBe32(C.IFLA_GRE_FLOWINFO, 0).putU32(C.IFLA_GRE_FLAGS, C.IP6_TNL_F_USE_ORIG_TCLASS).putU32(C.IFLA_GRE_FWMARK, 0);
      encapDump(w, C.IFLA_GRE_ENCAP_TYPE, 0, 0, 0, C.TUNNEL_ENCAP_FLAG_CSUM6);
    },
    data: { link: 0, iflags: [], oflags: ['key'], ikey: 0, okey: 7, local: 'any', remote: '2001:db8::2', ttl: 64, encapLimit: 4, flowinfo: 0, flags: ['use_orig_tclass'], fwmark: 0, encapType: 'none', encapSport: 0, encapDport: 0, encapFlags: ['csum6'] },
  },
  {
    what: 'a geneve over IPv4 (Cilium: id, remote, the default port)', kind: 'geneve',
    dump: (w) => {
      w.putU32(C.IFLA_GENEVE_ID, 2).putBytes(C.IFLA_GENEVE_REMOTE, ip4('192.0.2.7')).putU8(C.IFLA_GENEVE_UDP_CSUM, 0).putU8(C.IFLA_GENEVE_TTL, 0).putU8(C.IFLA_GENEVE_TOS, 0).putBe32(C.IFLA_GENEVE_LABEL, 0);
      w.putU8(C.IFLA_GENEVE_DF, 0).putBe16(C.IFLA_GENEVE_PORT, 6081).putU8(C.IFLA_GENEVE_UDP_ZERO_CSUM6_RX, 0).putU8(C.IFLA_GENEVE_TTL_INHERIT, 0);
    },
    data: { id: 2, remote: '192.0.2.7', udpCsum: false, ttl: 0, tos: 0, label: 0, df: 'unset', port: 6081, udpZeroCsum6Rx: false, ttlInherit: false },
  },
  {
    what: 'a flow-based geneve (Cilium, OVS: `external`)', kind: 'geneve',
    dump: (w) => {
      w.putU32(C.IFLA_GENEVE_ID, 0).putU8(C.IFLA_GENEVE_TTL, 0).putU8(C.IFLA_GENEVE_TOS, 0).putBe32(C.IFLA_GENEVE_LABEL, 0).putU8(C.IFLA_GENEVE_DF, 0).putBe16(C.IFLA_GENEVE_PORT, 6081);
      w.putFlag(C.IFLA_GENEVE_COLLECT_METADATA).putU8(C.IFLA_GENEVE_UDP_ZERO_CSUM6_RX, 0).putU8(C.IFLA_GENEVE_TTL_INHERIT, 0);
    },
    data: { id: 0, ttl: 0, tos: 0, label: 0, df: 'unset', port: 6081, collectMetadata: true, udpZeroCsum6Rx: false, ttlInherit: false },
  },
  {
    what: 'a geneve over IPv6 with a flow label, inheriting the TTL, DF set', kind: 'geneve',
    dump: (w) => {
      w.putU32(C.IFLA_GENEVE_ID, 16777215).putBytes(C.IFLA_GENEVE_REMOTE6, ip6('2001:db8::7')).putU8(C.IFLA_GENEVE_UDP_ZERO_CSUM6_TX, 1).putU8(C.IFLA_GENEVE_TTL, 0).putU8(C.IFLA_GENEVE_TOS, 1);
      w.putBe32(C.IFLA_GENEVE_LABEL, 0x12345).putU8(C.IFLA_GENEVE_DF, C.GENEVE_DF_SET).putBe16(C.IFLA_GENEVE_PORT, 6081).putU8(C.IFLA_GENEVE_UDP_ZERO_CSUM6_RX, 1).putU8(C.IFLA_GENEVE_TTL_INHERIT, 1);
      w.putFlag(C.IFLA_GENEVE_INNER_PROTO_INHERIT);
    },
    data: { id: 16777215, remote6: '2001:db8::7', udpZeroCsum6Tx: true, ttl: 0, tos: 1, label: 0x12345, df: 'set', port: 6081, udpZeroCsum6Rx: true, ttlInherit: true, innerProtoInherit: true },
  },
];

t.test("kernel dumps (as fill_info writes them) decode to the fields ip -d prints", async (t) => {
  for (const d of DUMPS) {
    const l = decode(dumpOf(d.kind, d.dump));
    t.equal(l.kind, d.kind, `${d.what}: kind`);
    t.same(l.linkinfo?.data, d.data, d.what);
    // Narrowed by kind, the data has the kind's type (a compile-time check as much as a run-time one).
    if (isLinkKind(l, 'geneve')) {
      const vni: number | undefined = l.linkinfo.data?.id;
      const df: 'unset' | 'set' | 'inherit' | number | undefined = l.linkinfo.data?.df;
      t.equal(vni, d.data['id'], `${d.what}: isLinkKind(l, 'geneve') gives GeneveData (id ${String(vni)}, df ${String(df)})`);
    } else if (isLinkKind(l, 'gre')) {
      const key: number | undefined = l.linkinfo.data?.okey;
      t.equal(key, d.data['okey'], `${d.what}: isLinkKind(l, 'gre') gives GreData`);
    }
  }
});

const hex = (n: number, width = 0) => `0x${n.toString(16).padStart(width, '0')}`;
const dotted = (n: number) => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join('.');
const has = (v: unknown, name: string) => Array.isArray(v) && v.includes(name);

/** The words of the encapsulation fields as ip 6.1's tnl_print_encap prints them (nothing for 'none'). */
function encapWords(d: Data): string[] {
  if (d['encapType'] === undefined || d['encapType'] === 'none') return [];
  const f = d['encapFlags'];
  return [`encap ${String(d['encapType'])}`, `encap-sport ${d['encapSport'] ? String(d['encapSport']) : 'auto'}`, `encap-dport ${String(d['encapDport'])}`,
    has(f, 'csum') ? 'encap-csum' : 'noencap-csum', has(f, 'csum6') ? 'encap-csum6' : 'noencap-csum6', has(f, 'remcsum') ? 'encap-remcsum' : 'noencap-remcsum'];
}

/** What an IPv6 tunnel's hop limit, encapsulation limit, flowinfo and flags print as (link_ip6tnl.c, link_gre6.c). */
function ip6Words(d: Data): string[] {
  const w: string[] = [];
  const flags = d['flags'];
  const fi = d['flowinfo'] as number | undefined;
  w.push(`hoplimit ${d['ttl'] ? String(d['ttl']) : 'inherit'}`);
  if (has(flags, 'ign_encap_limit')) w.push('encaplimit none');
  else if (d['encapLimit'] !== undefined) w.push(`encaplimit ${String(d['encapLimit'])}`);
  if (has(flags, 'use_orig_tclass')) w.push('tclass inherit');
  else if (fi !== undefined) w.push(`tclass ${hex((fi >>> 20) & 0xff, 2)}`);
  if (has(flags, 'use_orig_flowlabel')) w.push('flowlabel inherit');
  else if (fi !== undefined) w.push(`flowlabel ${hex(fi & 0xfffff, 5)}`);
  if (has(flags, 'rcv_dscp_copy')) w.push('dscp inherit');
  if (has(flags, 'allow_local_remote')) w.push('allow-localremote');
  if (has(flags, 'use_orig_fwmark')) w.push('fwmark inherit');
  return w;
}

/** What a GRE tunnel's keys and header flags print as: ikey/okey as dotted quads where their key flag is set, then iseq, oseq, icsum, ocsum. */
function greWords(d: Data): string[] {
  const w: string[] = [];
  if (has(d['iflags'], 'key') && d['ikey'] !== undefined) w.push(`ikey ${dotted(d['ikey'] as number)}`);
  if (has(d['oflags'], 'key') && d['okey'] !== undefined) w.push(`okey ${dotted(d['okey'] as number)}`);
  if (has(d['iflags'], 'seq')) w.push('iseq');
  if (has(d['oflags'], 'seq')) w.push('oseq');
  if (has(d['iflags'], 'csum')) w.push('icsum');
  if (has(d['oflags'], 'csum')) w.push('ocsum');
  return w;
}

/**
 * The words ip 6.1 prints (`ip -d`, the kind's print_opt) for a link of `kind` with
 * decoded data `d`, made from nlkit's decoded values: when ip prints them all, the
 * values mean what ip reads in the same bytes (the dev of IFLA_*_LINK is left out: ip
 * names it from its own netns).
 */
function ipWords(kind: string, d: Data): string[] {
  const w: string[] = [];
  const ep = (k: string) => `${k} ${String(d[k] ?? 'any')}`;
  const fwmark = typeof d['fwmark'] === 'number' && d['fwmark'] !== 0 ? [`fwmark ${hex(d['fwmark'])}`] : [];
  const tos = typeof d['tos'] === 'number' && d['tos'] !== 0 ? [d['tos'] === 1 ? 'tos inherit' : `tos ${hex(d['tos'])}`] : [];
  if (d['collectMetadata'] === true) w.push('external');
  switch (kind) {
    case 'ipip':
    case 'sit':
      if (d['proto'] !== undefined) w.push(String(d['proto']));
      w.push(ep('remote'), ep('local'), d['ttl'] ? `ttl ${String(d['ttl'])}` : 'ttl inherit', ...tos, d['pmtudisc'] ? 'pmtudisc' : 'nopmtudisc');
      if (has(d['flags'], 'isatap')) w.push('isatap');
      if (d['6rdPrefixlen']) {
        w.push(`6rd-prefix ${String(d['6rdPrefix'])}/${String(d['6rdPrefixlen'])}`);
        if (d['6rdRelayPrefix'] !== undefined && d['6rdRelayPrefix'] !== '0.0.0.0') w.push(`6rd-relay_prefix ${String(d['6rdRelayPrefix'])}/${String(d['6rdRelayPrefixlen'])}`);
      }
      w.push(...fwmark, ...encapWords(d));
      break;
    case 'gre':
    case 'gretap':
      w.push(ep('remote'), ep('local'), d['ttl'] ? `ttl ${String(d['ttl'])}` : 'ttl inherit', ...tos);
      if (d['pmtudisc'] === false) w.push('nopmtudisc');
      if (d['ignoreDf'] === true) w.push('ignore-df');
      w.push(...greWords(d), ...fwmark, ...encapWords(d));
      break;
    case 'ip6tnl':
      if (d['proto'] !== undefined) w.push(String(d['proto']));
      w.push(ep('remote'), ep('local'), ...ip6Words(d));
      if (!has(d['flags'], 'use_orig_fwmark')) w.push(...fwmark);
      w.push(...encapWords(d));
      break;
    case 'ip6gre':
    case 'ip6gretap':
      w.push(ep('remote'), ep('local'), ...ip6Words(d), ...greWords(d));
      if (!has(d['flags'], 'use_orig_fwmark')) w.push(...fwmark);
      if (d['erspanVer'] !== undefined) w.push(`erspan_ver ${String(d['erspanVer'])}`);
      w.push(...encapWords(d));
      break;
    case 'geneve':
      w.push(`id ${String(d['id'])}`);
      if (d['remote'] !== undefined) w.push(`remote ${String(d['remote'])}`);
      if (d['remote6'] !== undefined) w.push(`remote ${String(d['remote6'])}`);
      w.push(d['ttlInherit'] === true ? 'ttl inherit' : d['ttl'] ? `ttl ${String(d['ttl'])}` : 'ttl auto', ...tos);
      if (typeof d['label'] === 'number' && d['label'] !== 0) w.push(`flowlabel ${hex(d['label'])}`);
      if (d['port'] !== undefined) w.push(`dstport ${String(d['port'])}`);
      for (const [k, word] of [['udpCsum', 'udpcsum'], ['udpZeroCsum6Tx', 'udp6zerocsumtx'], ['udpZeroCsum6Rx', 'udp6zerocsumrx']] as const) {
        if (d[k] !== undefined) w.push(d[k] ? word : `no${word}`);
      }
      if (d['df'] !== undefined && d['df'] !== 'unset') w.push(`df ${String(d['df'])}`); // ip leaves the default out
      if (d['innerProtoInherit'] === true) w.push('innerprotoinherit');
      break;
  }
  return w;
}

/** What `ip -d monitor file` prints for `msgs` (RTM_NEWLINK messages written to a file): the kind's line of each. */
function ipPrints(msgs: Buffer[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'nlkit-tnl-'));
  try {
    const file = join(dir, 'links.nl');
    writeFileSync(file, Buffer.concat(msgs));
    const r = spawnSync('ip', ['-d', 'monitor', 'file', file], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ip -d monitor file: ${r.stderr}`);
    // Per link: "9: t0: <…> …", "    link/… ", "    KIND …", more detail lines.
    return r.stdout.split('\n').filter((l) => /^ {4}(ipip|sit|gre|gretap|ip6tnl|ip6gre|ip6gretap|geneve|wireguard)( |$)/.test(l)).map((l) => l.trim());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

t.test('ip 6.1 prints, for the same bytes, what nlkit decodes (ip -d monitor file: ip\'s printer, no kernel needed)', async (t) => {
  const items = [
    ...CASES.map((c) => ({ what: `ip link add ${c.ip}`, kind: c.spec.kind, msg: ipRequestKernelFramed(c.sent) })),
    ...DUMPS.map((d) => ({ what: d.what, kind: d.kind, msg: dumpOf(d.kind, d.dump) })),
  ];
  const lines = ipPrints(items.map((i) => i.msg));
  t.equal(lines.length, items.length, 'ip printed a line for each link');
  items.forEach((item, i) => {
    const line = lines[i] ?? '';
    const data = (decode(item.msg).linkinfo?.data ?? {}) as Data;
    t.equal(line.split(' ')[0], item.kind, `${item.what}: the kind`);
    const words = ipWords(item.kind, data);
    const missing = words.filter((w) => !` ${line} `.includes(` ${w} `));
    t.same(missing, [], `${item.what}: ip prints ${words.join(' | ')} — "${line}"`);
  });
});

/**
 * What ip sent, with IFLA_INFO_KIND ended by a NUL as the kernel's dumps end it: ip's
 * printer reads the kind as a C string, and a kind of exactly 4 bytes (ipip) has no
 * padding byte to end it.
 */
function ipRequestKernelFramed(attrs: string): Buffer {
  const b = ipRequest(attrs);
  const parts = attrsOf(b, 32, b.length).map((a) => {
    if (a.type !== C.IFLA_LINKINFO) return nla(a.type, a.body);
    return nla(a.type, Buffer.concat(attrsOf(a.body, 0, a.body.length).map((i) => nla(i.type, i.type === C.IFLA_INFO_KIND ? Buffer.concat([i.body, Buffer.alloc(1)]) : i.body))));
  });
  const out = Buffer.concat([b.subarray(0, 32), ...parts]);
  out.writeUInt32LE(out.length, 0);
  out.writeInt32LE(9, 20);
  return out;
}

/** One spec per kind for a live create, with what the kernel then reports of it. */
const LIVE: Array<{ spec: LinkSpec; expect: Data }> = [
  { spec: { kind: 'ipip', name: 'ipip1', data: { remote: '192.0.2.2', local: '192.0.2.1', ttl: 64 } }, expect: { remote: '192.0.2.2', local: '192.0.2.1', ttl: 64 } },
  { spec: { kind: 'sit', name: 'sit1', data: { remote: '192.0.2.2', local: '192.0.2.1', ttl: 64 } }, expect: { remote: '192.0.2.2', local: '192.0.2.1', ttl: 64 } },
  { spec: { kind: 'gre', name: 'gre1', data: { remote: '192.0.2.2', local: '192.0.2.1', ikey: 42, okey: 42, iflags: ['key'], oflags: ['key'] } }, expect: { remote: '192.0.2.2', local: '192.0.2.1', ikey: 42, okey: 42, iflags: ['key'], oflags: ['key'] } },
  { spec: { kind: 'gretap', name: 'gretap1', data: { remote: '192.0.2.3', local: '192.0.2.1' } }, expect: { remote: '192.0.2.3', local: '192.0.2.1' } },
  { spec: { kind: 'ip6tnl', name: 'ip6tnl1', data: { remote: '2001:db8::2', local: '2001:db8::1', proto: 'ipip6' } }, expect: { remote: '2001:db8::2', local: '2001:db8::1', proto: 'ipip6' } },
  { spec: { kind: 'ip6gre', name: 'ip6gre1', data: { remote: '2001:db8::3', local: '2001:db8::1' } }, expect: { remote: '2001:db8::3', local: '2001:db8::1' } },
  { spec: { kind: 'ip6gretap', name: 'ip6gretap1', data: { remote: '2001:db8::4', local: '2001:db8::1' } }, expect: { remote: '2001:db8::4', local: '2001:db8::1' } },
  { spec: { kind: 'geneve', name: 'gnv1', data: { id: 42, remote: '192.0.2.2', port: 6081 } }, expect: { id: 42, remote: '192.0.2.2', port: 6081 } },
  { spec: { kind: 'geneve', name: 'gnv2', data: { collectMetadata: true, port: 6082 } }, expect: { collectMetadata: true, port: 6082 } },
  { spec: { kind: 'wireguard', name: 'wg1' }, expect: {} },
];

t.test('live: each kind created where the kernel has it, skipped by its EOPNOTSUPP where not', privileged, async (t) => {
  const { ns, rt } = freshHandle(t);
  for (const { spec, expect } of LIVE) {
    const err = await rt.link.add(spec).then(() => undefined, (e: unknown) => e as { code?: string; message?: string });
    if (err?.code === 'EOPNOTSUPP') {
      t.match(err.message, /Unknown device type/, `${spec.kind}: the kernel says EOPNOTSUPP`);
      t.comment(`${spec.kind}: not built into this kernel — the live check is skipped by the kernel's answer`);
      continue;
    }
    t.error(err, `${spec.kind} created`);
    const l = await rt.link.get(spec.name!);
    t.equal(l.kind, spec.kind, `${spec.kind}: listed as its kind`);
    const data = (l.linkinfo?.data ?? {}) as Data;
    for (const [k, v] of Object.entries(expect)) t.same(data[k], v, `${spec.kind}: ${k} as given`);
    // ip's JSON agrees on the kind and the endpoints.
    const [theirs] = ipJson<Array<Record<string, any>>>(ns.path, ['-d', 'link', 'show', 'dev', spec.name!]);
    t.equal(theirs?.linkinfo?.info_kind, spec.kind, `${spec.kind}: ip -j -d says ${spec.kind}`);
    for (const k of ['remote', 'local'] as const) {
      if (expect[k] !== undefined) t.equal(theirs?.linkinfo?.info_data?.[k], expect[k], `${spec.kind}: ip's ${k}`);
    }
  }
});

/** Specs refused before anything is sent: [what, spec, the argument the error names]. */
const BAD: Array<[string, unknown, string]> = [
  // The endpoints' family is the kind's.
  ['ipip: an IPv6 remote', { kind: 'ipip', name: 'x0', data: { local: '192.0.2.1', remote: '2001:db8::1' } }, 'data.remote'],
  ['ipip: an IPv6 local', { kind: 'ipip', name: 'x0', data: { local: '2001:db8::1', remote: '192.0.2.1' } }, 'data.local'],
  ['sit: an IPv6 local', { kind: 'sit', name: 'x0', data: { local: '2001:db8::1' } }, 'data.local'],
  ['gre: an IPv6 remote', { kind: 'gre', name: 'x0', data: { remote: '2001:db8::1' } }, 'data.remote'],
  ['gretap: an IPv6 local', { kind: 'gretap', name: 'x0', data: { local: '2001:db8::1', remote: '192.0.2.1' } }, 'data.local'],
  ['ip6tnl: an IPv4 remote', { kind: 'ip6tnl', name: 'x0', data: { local: '2001:db8::1', remote: '192.0.2.1' } }, 'data.remote'],
  ['ip6gre: an IPv4 local', { kind: 'ip6gre', name: 'x0', data: { local: '192.0.2.1', remote: '2001:db8::1' } }, 'data.local'],
  ['ip6gretap: an IPv4 remote', { kind: 'ip6gretap', name: 'x0', data: { remote: '192.0.2.1' } }, 'data.remote'],
  ['geneve: IPv6 in remote', { kind: 'geneve', name: 'x0', data: { id: 1, remote: '2001:db8::1' } }, 'data.remote'],
  ['geneve: IPv4 in remote6', { kind: 'geneve', name: 'x0', data: { id: 1, remote6: '192.0.2.1' } }, 'data.remote6'],
  ['geneve: remote and remote6', { kind: 'geneve', name: 'x0', data: { id: 1, remote: '192.0.2.1', remote6: '2001:db8::1' } }, 'data.remote6'],
  ['ipip: not an address', { kind: 'ipip', name: 'x0', data: { remote: '1.2.3' } }, 'data.remote'],
  // ttl and tos are a byte.
  ['ipip: ttl 256', { kind: 'ipip', name: 'x0', data: { ttl: 256 } }, 'data.ttl'],
  ['gre: ttl -1', { kind: 'gre', name: 'x0', data: { ttl: -1 } }, 'data.ttl'],
  ['ip6tnl: ttl 1.5', { kind: 'ip6tnl', name: 'x0', data: { ttl: 1.5 } }, 'data.ttl'],
  ['ip6gre: ttl "64"', { kind: 'ip6gre', name: 'x0', data: { ttl: '64' } }, 'data.ttl'],
  ['geneve: ttl 300', { kind: 'geneve', name: 'x0', data: { id: 1, ttl: 300 } }, 'data.ttl'],
  ['sit: tos 256', { kind: 'sit', name: 'x0', data: { tos: 256 } }, 'data.tos'],
  ['gretap: tos -1', { kind: 'gretap', name: 'x0', data: { tos: -1 } }, 'data.tos'],
  ['geneve: tos 256', { kind: 'geneve', name: 'x0', data: { id: 1, tos: 256 } }, 'data.tos'],
  // Ports are 16 bits.
  ['ipip: encapSport 65536', { kind: 'ipip', name: 'x0', data: { encapType: 'fou', encapSport: 65536 } }, 'data.encapSport'],
  ['gre: encapDport -1', { kind: 'gre', name: 'x0', data: { encapType: 'gue', encapDport: -1 } }, 'data.encapDport'],
  ['ip6tnl: encapDport 70000', { kind: 'ip6tnl', name: 'x0', data: { encapDport: 70000 } }, 'data.encapDport'],
  ['ip6gretap: encapSport 1.5', { kind: 'ip6gretap', name: 'x0', data: { encapSport: 1.5 } }, 'data.encapSport'],
  ['geneve: port 65536', { kind: 'geneve', name: 'x0', data: { id: 1, port: 65536 } }, 'data.port'],
  // Keys are 32 bits (or a dotted quad) and need their flag.
  ['gre: ikey 2^32', { kind: 'gre', name: 'x0', data: { ikey: 2 ** 32, iflags: ['key'] } }, 'data.ikey'],
  ['gre: okey -1', { kind: 'gre', name: 'x0', data: { okey: -1, oflags: ['key'] } }, 'data.okey'],
  ['gretap: ikey "abc"', { kind: 'gretap', name: 'x0', data: { ikey: 'abc', iflags: ['key'] } }, 'data.ikey'],
  ['ip6gre: okey 256.0.0.1', { kind: 'ip6gre', name: 'x0', data: { okey: '256.0.0.1', oflags: ['key'] } }, 'data.okey'],
  ['gre: ikey without the key flag', { kind: 'gre', name: 'x0', data: { ikey: 42 } }, 'data.ikey'],
  ['ip6gre: okey with oflags [seq] only', { kind: 'ip6gre', name: 'x0', data: { okey: 7, oflags: ['seq'] } }, 'data.okey'],
  // GRE header flags.
  ['gre: the routing flag', { kind: 'gre', name: 'x0', data: { iflags: ['routing'] } }, 'data.iflags'],
  ['gre: version bits', { kind: 'gre', name: 'x0', data: { oflags: ['0x1'] } }, 'data.oflags'],
  ['gre: a flag not named', { kind: 'gre', name: 'x0', data: { iflags: ['keyed'] } }, 'data.iflags'],
  ['gre: flags not a list', { kind: 'gre', name: 'x0', data: { iflags: 'key' } }, 'data.iflags'],
  ['gre: ignoreDf with pmtudisc on', { kind: 'gre', name: 'x0', data: { ignoreDf: true } }, 'data.ignoreDf'],
  ['gre: collectMetadata with fou', { kind: 'gre', name: 'x0', data: { collectMetadata: true, encapType: 'fou' } }, 'data.encapType'],
  ['gretap: remote any', { kind: 'gretap', name: 'x0', data: { remote: 'any' } }, 'data.remote'],
  ['gretap: remote 0.0.0.0', { kind: 'gretap', name: 'x0', data: { remote: '0.0.0.0' } }, 'data.remote'],
  ['ip6gretap: remote ::', { kind: 'ip6gretap', name: 'x0', data: { remote: '::' } }, 'data.remote'],
  // Modes.
  ['ipip: mode ip6ip (a sit\'s)', { kind: 'ipip', name: 'x0', data: { proto: 'ip6ip' } }, 'data.proto'],
  ['ipip: protocol 47', { kind: 'ipip', name: 'x0', data: { proto: 47 } }, 'data.proto'],
  ['ip6tnl: protocol 47', { kind: 'ip6tnl', name: 'x0', data: { proto: 47 } }, 'data.proto'],
  ['ip6tnl: mode ip6ip (a sit\'s)', { kind: 'ip6tnl', name: 'x0', data: { proto: 'ip6ip' } }, 'data.proto'],
  ['sit: an unknown mode', { kind: 'sit', name: 'x0', data: { proto: 'gre' } }, 'data.proto'],
  // sit's 6rd.
  ['sit: 6rdRelayPrefixlen 33', { kind: 'sit', name: 'x0', data: { '6rdRelayPrefix': '10.0.0.0', '6rdRelayPrefixlen': 33 } }, 'data.6rdRelayPrefixlen'],
  ['sit: 6rd prefix /40 without relay bits (72 > 64)', { kind: 'sit', name: 'x0', data: { '6rdPrefix': '2001:db8::', '6rdPrefixlen': 40 } }, 'data.6rdPrefixlen'],
  ['sit: 6rd prefix with host bits', { kind: 'sit', name: 'x0', data: { '6rdPrefix': '2001:db8::1', '6rdPrefixlen': 32 } }, 'data.6rdPrefix'],
  ['sit: an IPv6 relay prefix', { kind: 'sit', name: 'x0', data: { '6rdRelayPrefix': '2001:db8::', '6rdRelayPrefixlen': 8 } }, 'data.6rdRelayPrefix'],
  // ip6 fields.
  ['ip6tnl: flowinfo with the version nibble', { kind: 'ip6tnl', name: 'x0', data: { flowinfo: 0x10000000 } }, 'data.flowinfo'],
  ['ip6gre: encapLimit 256', { kind: 'ip6gre', name: 'x0', data: { encapLimit: 256 } }, 'data.encapLimit'],
  ['ip6tnl: an unknown flag', { kind: 'ip6tnl', name: 'x0', data: { flags: ['isatap'] } }, 'data.flags'],
  ['ipip: fwmark 2^32', { kind: 'ipip', name: 'x0', data: { fwmark: 2 ** 32 } }, 'data.fwmark'],
  // geneve's VNI, label, remote, and what a flow-based geneve cannot have.
  ['geneve: no VNI', { kind: 'geneve', name: 'x0', data: { remote: '192.0.2.1' } }, 'data.id'],
  ['geneve: no data at all', { kind: 'geneve', name: 'x0' }, 'data.id'],
  ['geneve: VNI 2^24', { kind: 'geneve', name: 'x0', data: { id: 2 ** 24 } }, 'data.id'],
  ['geneve: VNI -1', { kind: 'geneve', name: 'x0', data: { id: -1 } }, 'data.id'],
  ['geneve: VNI "5"', { kind: 'geneve', name: 'x0', data: { id: '5' } }, 'data.id'],
  ['geneve: label 0x100000', { kind: 'geneve', name: 'x0', data: { id: 1, remote6: '2001:db8::1', label: 0x100000 } }, 'data.label'],
  ['geneve: a label on IPv4', { kind: 'geneve', name: 'x0', data: { id: 1, remote: '192.0.2.1', label: 5 } }, 'data.label'],
  ['geneve: a multicast remote', { kind: 'geneve', name: 'x0', data: { id: 1, remote: '239.1.1.1' } }, 'data.remote'],
  ['geneve: a multicast remote6', { kind: 'geneve', name: 'x0', data: { id: 1, remote6: 'ff02::1' } }, 'data.remote6'],
  ['geneve: a link-local remote6', { kind: 'geneve', name: 'x0', data: { id: 1, remote6: 'fe80::1' } }, 'data.remote6'],
  ['geneve: external with a VNI', { kind: 'geneve', name: 'x0', data: { collectMetadata: true, id: 5 } }, 'data.id'],
  ['geneve: external with a remote', { kind: 'geneve', name: 'x0', data: { collectMetadata: true, remote: '192.0.2.1' } }, 'data.remote'],
  ['geneve: external with remote6 ::', { kind: 'geneve', name: 'x0', data: { collectMetadata: true, remote6: '::' } }, 'data.remote6'],
  ['geneve: external with udpCsum', { kind: 'geneve', name: 'x0', data: { collectMetadata: true, udpCsum: true } }, 'data.udpCsum'],
  ['geneve: external with a ttl', { kind: 'geneve', name: 'x0', data: { collectMetadata: true, ttl: 5 } }, 'data.ttl'],
  ['geneve: df by a wrong name', { kind: 'geneve', name: 'x0', data: { id: 1, df: 'on' } }, 'data.df'],
  // Options that are not the kind's.
  ['ipip: an option it does not have', { kind: 'ipip', name: 'x0', data: { ikey: 1 } }, 'data.ikey'],
  ['ip6tnl: tos (an IPv6 tunnel has flowinfo)', { kind: 'ip6tnl', name: 'x0', data: { tos: 1 } }, 'data.tos'],
  ['wireguard: data', { kind: 'wireguard', name: 'x0', data: { privateKey: 'x' } }, 'data'],
];

t.test('bad tunnel options are refused before anything is sent, naming the option', async (t) => {
  for (const [what, spec, arg] of BAD) {
    const { bytes, error } = await requestOf(spec);
    t.ok(error instanceof InvalidArgumentError, `${what}: InvalidArgumentError (${(error as Error | undefined)?.message})`);
    t.equal((error as InvalidArgumentError | undefined)?.argument, arg, `${what}: names ${arg}`);
    t.equal(bytes.length, 0, `${what}: nothing sent`);
  }
});

t.test('each check refuses only what it names: the same specs with the one field fixed are sent', async (t) => {
  // A refusal must come from the rule its case names, not from something else in the spec.
  const fixed: Array<[unknown, string]> = [
    [{ kind: 'gre', name: 'x0', data: { ikey: 42, iflags: ['key'] } }, 'gre: ikey with its flag'],
    [{ kind: 'gre', name: 'x0', data: { ikey: 42, iflags: ['0x2000'] } }, 'gre: ikey with its flag as a hex word (as decoded bits come back)'],
    [{ kind: 'gre', name: 'x0', data: { ignoreDf: true, pmtudisc: false } }, 'gre: ignoreDf with pmtudisc off'],
    [{ kind: 'gre', name: 'x0', data: { collectMetadata: true, encapType: 'none' } }, 'gre: collectMetadata without encapsulation'],
    [{ kind: 'gretap', name: 'x0', data: { remote: '192.0.2.1' } }, 'gretap: a remote'],
    [{ kind: 'geneve', name: 'x0', data: { collectMetadata: true } }, 'geneve: external alone'],
    [{ kind: 'geneve', name: 'x0', data: { collectMetadata: true, id: 0, remote: '0.0.0.0', ttl: 0, tos: 0, label: 0, udpCsum: false } }, 'geneve: external with zeros'],
    [{ kind: 'geneve', name: 'x0', data: { id: 16777215, remote6: '2001:db8::1', label: 0xfffff } }, 'geneve: the largest VNI and label'],
    [{ kind: 'sit', name: 'x0', data: { '6rdPrefix': '2001:db8::', '6rdPrefixlen': 32, '6rdRelayPrefix': '0.0.0.0', '6rdRelayPrefixlen': 0 } }, 'sit: 6rd /32 with no relay bits (64)'],
    [{ kind: 'ipip', name: 'x0', data: { proto: 'mplsip', remote: 'any', local: '0.0.0.0' } }, 'ipip: mplsip, any endpoints'],
    [{ kind: 'ip6tnl', name: 'x0', data: { proto: 0, flowinfo: 0x0fffffff } }, 'ip6tnl: any (0), the largest flowinfo'],
    [{ kind: 'wireguard', name: 'x0' }, 'wireguard: by name alone'],
  ];
  for (const [spec, what] of fixed) {
    const { bytes, error } = await requestOf(spec);
    t.error(error, what);
    t.equal(bytes.length, 1, `${what}: sent`);
  }
});

t.test('flagsCodec (the lists of GRE, ip6 tunnel, sit and encapsulation flags): width, byte order, bit 31, bits without a name', async (t) => {
  // Two tables over rows of existing constants (the numbers do not matter here, the codecs do).
  const be16 = table('T', 'IFLA_GRE_', [['IFLA_GRE_IFLAGS', flagsCodec(2, true, { a: 0x8000, b: 0x0001 })]]);
  const u32 = table('T', 'IFLA_GRE_', [['IFLA_GRE_FLAGS', flagsCodec(4, false, { top: 0x80000000, low: 1 })]]);
  const enc = (tb: typeof be16 | typeof u32, v: Data) => {
    const w = new MessageWriter();
    w.begin(0, 0, 0);
    tb.encode(w, v);
    const b = Buffer.from(w.finish()).subarray(16);
    w.release();
    return b;
  };
  const dec = (tb: typeof be16 | typeof u32, b: Buffer) => tb.decode(b, new DataView(b.buffer, b.byteOffset, b.byteLength), 0, b.length, []);
  const a = enc(be16, { iflags: ['a', 'b', '0x10'] });
  t.equal(a.subarray(4, 6).toString('hex'), '8011', 'big-endian: the named bits and the hex ones');
  t.same(dec(be16, a), { iflags: ['a', 'b', '0x10'] }, 'decoded in the order of the names, the rest as hex');
  const b = enc(u32, { flags: ['top', 'low'] });
  t.equal(b.subarray(4, 8).toString('hex'), HOST_LE ? '01000080' : '80000001', 'host order, bit 31 set');
  t.same(dec(u32, b), { flags: ['top', 'low'] }, 'bit 31 decodes to its name, not a negative number');
  t.same(dec(u32, enc(u32, { flags: [] })), { flags: [] }, 'no flags: an empty list');
  t.throws(() => enc(be16, { iflags: ['0x10000'] }), InvalidArgumentError, 'hex beyond the width is refused');
  t.throws(() => enc(be16, { iflags: 0x8000 }), InvalidArgumentError, 'a number is not a list');
});

/** The attributes of a request's top level and of its IFLA_INFO_DATA, by type (flag bits off; the first of each). */
function levelsOf(req: Buffer): { top: Map<number, Buffer>; data: Map<number, Buffer> } {
  const byType = (list: Array<{ type: number; body: Buffer }>): Map<number, Buffer> => {
    const m = new Map<number, Buffer>();
    for (const a of list) if (!m.has(a.type & 0x3fff)) m.set(a.type & 0x3fff, a.body);
    return m;
  };
  const top = byType(attrsOf(req, 32, req.length));
  const li = top.get(C.IFLA_LINKINFO);
  const data = li ? byType(attrsOf(li, 0, li.length)).get(C.IFLA_INFO_DATA) : undefined;
  return { top, data: data ? byType(attrsOf(data, 0, data.length)) : new Map() };
}

t.test("a tunnel's `link` (ip's dev) goes in its own data, where ip_tunnel reads it, not in IFLA_LINK, which it ignores", async (t) => {
  for (const [kind, attr, remote] of [
    ['gre', C.IFLA_GRE_LINK, '1.2.3.4'], ['gretap', C.IFLA_GRE_LINK, '1.2.3.4'], ['ipip', C.IFLA_IPTUN_LINK, '1.2.3.4'], ['sit', C.IFLA_IPTUN_LINK, '1.2.3.4'],
    ['ip6tnl', C.IFLA_IPTUN_LINK, '2001:db8::1'], ['ip6gre', C.IFLA_GRE_LINK, '2001:db8::1'], ['ip6gretap', C.IFLA_GRE_LINK, '2001:db8::1'],
  ] as const) {
    // By ifindex: the recording socket needs no lookup. The same as ip's `dev u0` (data.link).
    const viaLink = await requestOf({ kind, name: 't0', link: 3, data: { remote } });
    t.error(viaLink.error, `${kind}: sent`);
    const a = levelsOf(viaLink.bytes[0]!);
    t.notOk(a.top.has(C.IFLA_LINK), `${kind}: no IFLA_LINK (the driver would drop it)`);
    t.equal(a.data.get(attr)?.readUInt32LE(0), 3, `${kind}: the underlay in its data's LINK attribute`);
    const viaData = await requestOf({ kind, name: 't0', data: { remote, link: 3 } });
    t.equal(levelsOf(viaData.bytes[0]!).data.get(attr)?.readUInt32LE(0), 3, `${kind}: as data.link gives it`);
    const both = await requestOf({ kind, name: 't0', link: 3, data: { remote, link: 3 } });
    t.ok(both.error instanceof InvalidArgumentError && both.error.argument === 'data.link', `${kind}: link and data.link both refused, naming data.link`);
    t.equal(both.bytes.length, 0, `${kind}: nothing sent`);
  }
});

t.test('a kind whose driver has no parent link refuses `link` instead of sending an IFLA_LINK the kernel drops', async (t) => {
  for (const spec of [
    { kind: 'bridge', name: 'b0' }, { kind: 'bond', name: 'b0' }, { kind: 'ifb', name: 'i0' }, { kind: 'dummy', name: 'd0' },
    { kind: 'wireguard', name: 'w0' }, { kind: 'geneve', name: 'g0', data: { id: 5, remote: '1.2.3.4' } }, { kind: 'veth', name: 'v0', peer: { name: 'v1' } },
  ]) {
    const r = await requestOf({ ...spec, link: 3 });
    t.ok(r.error instanceof InvalidArgumentError && r.error.argument === 'link', `${spec.kind}: refused, naming link`);
    t.match((r.error as Error).message, new RegExp(`a ${spec.kind} has no parent link`));
    t.equal(r.bytes.length, 0, `${spec.kind}: nothing sent`);
    const ok = await requestOf(spec);
    t.error(ok.error, `${spec.kind}: without link, sent`);
  }
  // Kinds that read IFLA_LINK keep it there.
  for (const kind of ['macvlan', 'macvtap', 'vlan', 'ipvlan']) {
    const r = await requestOf({ kind, name: 'm0', link: 3, ...(kind === 'vlan' ? { data: { id: 5 } } : {}) });
    t.error(r.error, `${kind}: sent`);
    t.equal(levelsOf(r.bytes[0]!).top.get(C.IFLA_LINK)?.readUInt32LE(0), 3, `${kind}: IFLA_LINK`);
  }
});
