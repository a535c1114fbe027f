// SockDiag's netlink and packet sockets against the kernel's own /proc/net/netlink and
// /proc/net/packet (and `ss -0 -e`): a Python process in a fresh netns opens netlink
// sockets with groups (one past 32), flags and a peer, and packet sockets with a device,
// a membership, a fanout group and a classic BPF filter; every field is compared.
import t from 'tap';
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { InvalidArgumentError, SockDiag } from '../../src/index.js';
import { inNs, ip, privileged, rawNetns } from '../helpers.js';

const live = privileged.skip ? privileged : spawnSync('python3', ['--version']).status === 0 ? privileged : { skip: 'needs python3, whose sockets the tests list' };

const FIXTURE = String.raw`
import ctypes, json, os, socket, struct, sys
from socket import *
def ino(s): return os.fstat(s.fileno()).st_ino
SOL_NETLINK, SOL_PACKET = 270, 263
r = socket(AF_NETLINK, SOCK_RAW, 0); r.bind((0, 1 | 4))         # RTNLGRP_LINK, RTNLGRP_NEIGH
r.setsockopt(SOL_NETLINK, 1, 33)                                # NETLINK_ADD_MEMBERSHIP, group 33 (RTNLGRP_BRVLAN: past the 32 of bind's mask)
for opt in (3, 5, 10): r.setsockopt(SOL_NETLINK, opt, 1)        # NETLINK_PKTINFO, NETLINK_NO_ENOBUFS, NETLINK_CAP_ACK
g = socket(AF_NETLINK, SOCK_DGRAM, 16); g.connect((0, 0))       # NETLINK_GENERIC, connected to the kernel
u = socket(AF_NETLINK, SOCK_RAW, 16); u.connect((0, 0))         # connected, then disconnected (AF_UNSPEC): state NETLINK_UNCONNECTED, 0
assert ctypes.CDLL(None).connect(u.fileno(), struct.pack('HHII', 0, 0, 0, 0), 12) == 0
p = socket(AF_PACKET, SOCK_RAW, htons(0x0003)); p.bind(('lo', 0x0003))
p.setsockopt(SOL_PACKET, 1, struct.pack('IHH8s', 1, 1, 0, b''))  # PACKET_ADD_MEMBERSHIP, PACKET_MR_PROMISC on lo
p.setsockopt(SOL_PACKET, 18, struct.pack('I', 42 | 0x9000 << 16))  # PACKET_FANOUT: group 42, PACKET_FANOUT_HASH | FLAG_ROLLOVER | FLAG_DEFRAG
p.setsockopt(SOL_PACKET, 12, 64)                                # PACKET_RESERVE
code = struct.pack('HBBI', 6, 0, 0, 0xffff)                     # BPF_RET|BPF_K 0xffff: accept all
buf = ctypes.create_string_buffer(code)
p.setsockopt(SOL_SOCKET, 26, struct.pack('HL', 1, ctypes.addressof(buf)))  # SO_ATTACH_FILTER
d = socket(AF_PACKET, SOCK_DGRAM, htons(0x0800))
print(json.dumps(dict(r=ino(r), rport=r.getsockname()[0], g=ino(g), u=ino(u), p=ino(p), d=ino(d), code=code.hex())), flush=True)
sys.stdin.read()
`;

interface Inodes { r: number; rport: number; g: number; u: number; p: number; d: number; code: string }

async function fixture(t: { teardown(fn: () => void): void }): Promise<{ ns: ReturnType<typeof rawNetns>; diag: SockDiag; ino: Inodes }> {
  const ns = rawNetns();
  ip(ns.path, ['link', 'set', 'lo', 'up']);
  const py: ChildProcessByStdio<Writable, Readable, null> = spawn('nsenter', [`--net=${ns.path}`, 'python3', '-c', FIXTURE], { stdio: ['pipe', 'pipe', 'inherit'] });
  const diag = SockDiag.open({ netns: ns.fd });
  t.teardown(() => {
    diag.close();
    py.stdin.end();
    py.kill();
    ns.close();
  });
  let out = '';
  const line = await new Promise<string>((resolve, reject) => {
    py.once('exit', (code) => reject(new Error(`the socket fixture exited (${code})`)));
    py.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl));
    });
  });
  return { ns, diag, ino: JSON.parse(line) as Inodes };
}

/** /proc/net/FILE of the netns, a row per socket by its inode (the last column). */
function proc(nsPath: string, file: string): Map<number, string[]> {
  const rows = inNs(nsPath, 'cat', [`/proc/self/net/${file}`]).trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/));
  return new Map(rows.map((f) => [Number(f.at(-1)), f]));
}

t.test('netlink sockets as /proc/net/netlink shows them; groups past 32, flags, a connected peer', live, async (t) => {
  const { ns, diag, ino } = await fixture(t);
  const ours = await diag.netlink();
  const theirs = proc(ns.path, 'netlink');
  // Our own NETLINK_SOCK_DIAG socket is in both (its dump running in ours, finished in theirs).
  t.same(ours.map((s) => s.inode).sort(), [...theirs.keys()].sort(), `${ours.length} netlink sockets: the same inodes as /proc/net/netlink`);
  for (const s of ours) {
    const f = theirs.get(s.inode);
    if (!f) continue;
    // sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode
    const mask32 = s.groups.filter((g) => g <= 32).reduce((m, g) => (m | (1 << (g - 1))) >>> 0, 0);
    t.same([s.protocol, s.portId, mask32, s.skMemInfo?.drops], [Number(f[1]), Number(f[2]), parseInt(f[3]!, 16), Number(f[8])], `inode ${s.inode}: protocol, port id, first 32 groups, drops`);
  }
  t.equal(new Set(ours.map((s) => s.cookie)).size, ours.length, 'each socket once (the kernel sends one with groups twice: ss prints both)');
  const r = ours.find((s) => s.inode === ino.r)!;
  t.same([r.protocol, r.type, r.portId, r.state], [0, 3, ino.rport, 'close'], 'the rtnetlink socket: protocol 0, SOCK_RAW, its port id, unconnected');
  t.same(r.groups, [1, 3, 33], 'its groups: 1 and 3 from bind, 33 from NETLINK_ADD_MEMBERSHIP (past what /proc shows)');
  t.same(r.flags, ['pktinfo', 'no-enobufs', 'cap-ack'], 'its flags, as set');
  const g = ours.find((s) => s.inode === ino.g)!;
  t.same([g.protocol, g.type, g.state, g.peerPortId, g.peerGroup], [16, 2, 'established', 0, 0], 'the generic netlink socket connected to the kernel: established, peer port 0');
  const u = ours.find((s) => s.inode === ino.u)!;
  t.same([u.state, u.peerPortId], ['close', 0], 'a socket disconnected (connect AF_UNSPEC: sk_state NETLINK_UNCONNECTED, 0) is unconnected, not unknown');
  t.ok(ours.some((s) => s.portId === 0 && s.protocol === 0), "the kernel's own rtnetlink socket (port id 0)");
  const route = await diag.netlink({ protocol: 0 });
  t.ok(route.length >= 2 && route.every((s) => s.protocol === 0), `protocol 0 only: ${route.length} sockets`);
  t.same(route.map((s) => s.inode).sort(), ours.filter((s) => s.protocol === 0).map((s) => s.inode).sort(), 'the same as filtering the full list');
  for (const [what, opts, arg] of [
    ['protocol 255 (the kernel reads it as "all")', { protocol: 255 }, 'protocol'],
    ['protocol 32 (MAX_LINKS: the kernel answers ENOENT, as if it had no netlink_diag)', { protocol: 32 }, 'protocol'],
    ['a protocol by name', { protocol: 'route' }, 'protocol'],
    ['an unknown option', { proto: 0 }, 'proto'],
  ] as [string, object, string][]) {
    const e = await diag.netlink(opts as never).then(() => undefined, (x: Error) => x);
    t.ok(e instanceof InvalidArgumentError && e.argument === arg, `${what}: InvalidArgumentError naming ${arg}`);
  }
});

t.test('packet sockets as /proc/net/packet and ss -0 -e show them; membership, fanout and filter', live, async (t) => {
  const { ns, diag, ino } = await fixture(t);
  const ours = await diag.packet();
  const theirs = proc(ns.path, 'packet');
  t.same(ours.map((s) => s.inode).sort(), [...theirs.keys()].sort(), `${ours.length} packet sockets: the same inodes as /proc/net/packet`);
  for (const s of ours) {
    const f = theirs.get(s.inode)!;
    // sk RefCnt Type Proto Iface R Rmem User Inode
    t.same([s.type, s.protocol, s.interface, s.flags.includes('running') ? 1 : 0, s.skMemInfo?.rmemAlloc, s.uid],
      [Number(f[2]), parseInt(f[3]!, 16), Number(f[4]), Number(f[5]), Number(f[6]), Number(f[7])], `inode ${s.inode}: type, ethertype, device, running, rmem, uid`);
  }
  const p = ours.find((s) => s.inode === ino.p)!;
  t.same([p.type, p.protocol, p.interface, p.flags], [3, 0x0003, 1, ['running']], 'the raw ETH_P_ALL socket on lo, running');
  t.same(p.memberships, [{ interface: 1, count: 1, type: 1, address: '' }], 'its promiscuous membership on lo');
  t.same(p.fanout, { id: 42, type: 0 }, 'its fanout group 42, hash: the mode only (the kernel does not report the rollover and defrag flags)');
  t.equal(p.reserve, 64, 'its PACKET_RESERVE (pdi_reserve)');
  t.equal(Buffer.from(p.filter ?? []).toString('hex'), ino.code, 'its classic BPF filter, the instruction as attached');
  const d = ours.find((s) => s.inode === ino.d)!;
  t.same([d.type, d.protocol, d.interface, d.flags, d.fanout, d.filter], [2, 0x0800, 0, ['running'], undefined, undefined], 'the unbound IPv4 dgram socket: every device, no fanout, no filter');
  const line = inNs(ns.path, 'ss', ['-HOa0e']).split('\n').find((l) => l.includes(`ino:${ino.p}`)) ?? '';
  t.match(line, new RegExp(`sk:${p.cookie.toString(16)} ver:${p.version} cpy_thresh:${p.copyThreshold} flags\\( running \\) fanout\\(id:42,type:hash\\)`), 'as ss -0 -e prints it: cookie, version, copy threshold, flags, fanout');
});
