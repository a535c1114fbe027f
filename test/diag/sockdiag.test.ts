// Socket diagnostics against `ss`: a Python process in a fresh netns opens TCP, UDP,
// MPTCP and Unix sockets of every sort (listening, connected, never accepted, dual-stack
// with an IPv4 peer, marked, bound to a device, owned by another uid, bound and idle);
// SockDiag lists them and every field is compared with what `ss -HOe -i -m` prints for
// the same socket (matched by cookie or inode). Kernel-side filters are compared with
// ss's own filter expressions; exact lookups, destroy (the owner sees ECONNABORTED),
// and bad input (refused before anything is sent) are checked too.
import t from 'tap';

/** A tap test (the root one's type: subtests have its methods). */
type Test = Pick<typeof t, 'equal' | 'same' | 'ok' | 'fail' | 'match'>;
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { ClosedError, InvalidArgumentError, NetlinkError, Netns, SockDiag, type InetSocket, type UnixSocket } from '../../src/index.js';
import { inNs, ip, privileged, rawNetns } from '../helpers.js';

/** The fixture's sockets come from a Python process (.ci/run installs python3). */
const live = privileged.skip ? privileged : spawnSync('python3', ['--version']).status === 0 ? privileged : { skip: 'needs python3, whose sockets the tests list' };

const FIXTURE = String.raw`
import json, os, sys, threading
from socket import *
path = sys.argv[1]
def ino(s): return os.fstat(s.fileno()).st_ino
l4 = socket(); l4.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1); l4.bind(('127.0.0.1', 5000)); l4.listen(8)
c4 = create_connection(('127.0.0.1', 5000)); a4, _ = l4.accept(); c4.sendall(b'x' * 100)
c4.setsockopt(SOL_SOCKET, SO_KEEPALIVE, 1)
p4 = create_connection(('127.0.0.1', 5000))  # never accepted
l6 = socket(AF_INET6); l6.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 0); l6.bind(('::', 6000)); l6.listen(8)
c46 = create_connection(('127.0.0.1', 6000)); a46, _ = l6.accept()
c6 = create_connection(('::1', 6000)); a6, _ = l6.accept()
u4 = socket(AF_INET, SOCK_DGRAM); u4.bind(('127.0.0.1', 7000))
u6 = socket(AF_INET6, SOCK_DGRAM); u6.setsockopt(SOL_SOCKET, SO_PRIORITY, 3); u6.bind(('::1', 7000)); u6.connect(('::1', 7001))
mk = socket(AF_INET, SOCK_DGRAM); mk.setsockopt(SOL_SOCKET, SO_MARK, 0x1234); mk.bind(('127.0.0.1', 7002))
dv = socket(AF_INET, SOCK_DGRAM); dv.setsockopt(SOL_SOCKET, SO_BINDTODEVICE, b'lo'); dv.bind(('127.0.0.1', 7003))
bi = socket(); bi.bind(('127.0.0.1', 8000))
r, w = os.pipe()
if os.fork() == 0:
    os.setuid(65534)
    s = socket(AF_INET, SOCK_DGRAM); s.bind(('127.0.0.1', 7004))
    os.write(w, b'%d\n' % ino(s)); sys.stdin.read(); os._exit(0)
nobody = int(os.read(r, 64))
xl = socket(AF_UNIX); xl.bind(path); xl.listen(4)
xc = socket(AF_UNIX); xc.connect(path)
xa, xb = socketpair()
xd = socket(AF_UNIX, SOCK_DGRAM); xd.bind('\0nlkit-abstract')
xs = socket(AF_UNIX, SOCK_SEQPACKET)
try:
    mp = socket(AF_INET, SOCK_STREAM, 262); mp.bind(('127.0.0.1', 9000)); mp.listen(4); mptcp = ino(mp)
except OSError:
    mptcp = 0
print(json.dumps(dict(c4=ino(c4), c4port=c4.getsockname()[1], a4=ino(a4), l4=ino(l4), p4=ino(p4), p4port=p4.getsockname()[1], l6=ino(l6), a46=ino(a46),
    c46port=c46.getsockname()[1], a6=ino(a6), u4=ino(u4), u6=ino(u6), mark=ino(mk), dev=ino(dv), bound=ino(bi), nobody=nobody, xl=ino(xl), xc=ino(xc),
    xa=ino(xa), xb=ino(xb), xd=ino(xd), xs=ino(xs), mptcp=mptcp)), flush=True)
def watch(s, tag):
    try:
        s.recv(10); print(tag, 'ok', flush=True)
    except OSError as e:
        print(tag, 'error', e.errno, flush=True)
threading.Thread(target=watch, args=(c4, 'c4'), daemon=True).start()
threading.Thread(target=watch, args=(u4, 'u4'), daemon=True).start()
sys.stdin.read()
`;

interface Inodes {
  c4: number; c4port: number; a4: number; l4: number; p4: number; p4port: number; l6: number; a46: number; c46port: number; a6: number;
  u4: number; u6: number; mark: number; dev: number; bound: number; nobody: number; xl: number; xc: number; xa: number; xb: number; xd: number; xs: number; mptcp: number;
}

interface Fixture {
  ns: ReturnType<typeof rawNetns>;
  diag: SockDiag;
  ino: Inodes;
  unixPath: string;
  /** Lines the Python process printed after its inodes. */
  lines: string[];
}

async function fixture(t: { teardown(fn: () => void): void }): Promise<Fixture> {
  const ns = rawNetns();
  ip(ns.path, ['link', 'set', 'lo', 'up']);
  const dir = mkdtempSync(join(tmpdir(), 'nlkit-diag-'));
  const unixPath = join(dir, 'x.sock');
  const py: ChildProcessByStdio<Writable, Readable, null> = spawn('nsenter', [`--net=${ns.path}`, 'python3', '-c', FIXTURE, unixPath], { stdio: ['pipe', 'pipe', 'inherit'] });
  const diag = SockDiag.open({ netns: ns.fd });
  t.teardown(() => {
    diag.close();
    py.stdin.end();
    py.kill();
    ns.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const lines: string[] = [];
  let buf = '';
  const first = new Promise<string>((resolve, reject) => {
    py.once('exit', (code) => reject(new Error(`the socket fixture exited (${code})`)));
    py.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith('{')) resolve(line);
        else lines.push(line);
      }
    });
  });
  const ino = JSON.parse(await first) as Inodes;
  return { ns, diag, ino, unixPath, lines };
}

/** `ss -HO ARGS` in the netns, one socket per line. */
function ss(nsPath: string, args: string[]): string[] {
  return inNs(nsPath, 'ss', ['-HO', ...args]).split('\n').filter((l) => l.trim() !== '');
}

const SS_STATE: Record<string, string> = {
  ESTAB: 'established', 'SYN-SENT': 'syn-sent', 'SYN-RECV': 'syn-recv', 'FIN-WAIT-1': 'fin-wait-1', 'FIN-WAIT-2': 'fin-wait-2', 'TIME-WAIT': 'time-wait',
  UNCONN: 'close', 'CLOSE-WAIT': 'close-wait', 'LAST-ACK': 'last-ack', LISTEN: 'listen', CLOSING: 'closing',
};

/** Every state ss -a asks for (iproute2 6.1 has no bound-inactive). */
const SS_A = ['established', 'syn-sent', 'syn-recv', 'fin-wait-1', 'fin-wait-2', 'time-wait', 'close', 'close-wait', 'last-ack', 'listen', 'closing'] as const;

interface SsInet {
  state: string; rq: number; sq: number; local: string; peer: string; kv: Map<string, string>; words: Set<string>; line: string;
}

/** One line of `ss -HOtanei -m`: the columns, then `key:value` tokens and bare words. */
function parseInet(line: string): SsInet {
  const [st, rq, sq, local, peer, ...rest] = line.trim().split(/\s+/);
  const kv = new Map<string, string>();
  const words = new Set<string>();
  for (const tok of rest) {
    const c = tok.indexOf(':');
    if (c > 0) kv.set(tok.slice(0, c), tok.slice(c + 1));
    else words.add(tok);
  }
  return { state: SS_STATE[st!] ?? st!, rq: Number(rq), sq: Number(sq), local: local!, peer: peer!, kv, words, line };
}

/** An nlkit endpoint as ss prints it: IPv6 in brackets, '::' as '*', port 0 as '*', a bound device as %NAME. */
function ssEndpoint(family: 4 | 6, e: { address: string; port: number }, dev = ''): string {
  const a = family === 6 ? (e.address === '::' ? '*' : `[${e.address}]`) : e.address;
  return `${a}${dev ? `%${dev}` : ''}:${e.port === 0 ? '*' : e.port}`;
}

function byCookie(lines: string[]): Map<bigint, SsInet> {
  const m = new Map<bigint, SsInet>();
  for (const l of lines) {
    const p = parseInet(l);
    const sk = p.kv.get('sk');
    if (sk) m.set(BigInt(`0x${sk}`), p);
  }
  return m;
}

/** skmem:(r0,rb131072,…) as { r: 0, rb: 131072, … }. */
function skmem(v: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of (v ?? '').matchAll(/([a-z]+)(\d+)/g)) out[m[1]!] = Number(m[2]);
  return out;
}

/** `s` as listed before ss ran; `later`, the same socket listed after it (a timer counts down in between). */
function sameAsSs(t: Test, s: InetSocket, p: SsInet, what: string, later: InetSocket = s): void {
  t.equal(s.state, p.state, `${what}: state`);
  t.same([s.receiveQueue, s.sendQueue], [p.rq, p.sq], `${what}: Recv-Q and Send-Q`);
  t.equal(ssEndpoint(s.family, s.local, s.interface === 1 ? 'lo' : ''), p.local, `${what}: local end`);
  t.equal(ssEndpoint(s.family, s.remote), p.peer, `${what}: remote end`);
  t.equal(s.inode, Number(p.kv.get('ino')), `${what}: inode`);
  t.equal(s.uid, Number(p.kv.get('uid') ?? 0), `${what}: uid`);
  t.equal(s.mark ?? 0, p.kv.has('fwmark') ? Number(p.kv.get('fwmark')) : 0, `${what}: mark`);
  const m = skmem(p.kv.get('skmem'));
  const k = s.skMemInfo!;
  t.same({ r: k.rmemAlloc, rb: k.rcvbuf, t: k.wmemAlloc, tb: k.sndbuf, f: k.fwdAlloc, w: k.wmemQueued, o: k.optmem, bl: k.backlog, d: k.drops }, m, `${what}: skmem`);
  if (s.family === 6 && p.kv.has('v6only')) t.equal(s.v6only, p.kv.get('v6only') === '1', `${what}: v6only`);
  const timer = p.kv.get('timer');
  if (timer) {
    const [kind, left] = timer.slice(1, -1).split(',');
    t.equal(s.timer.kind, kind, `${what}: timer kind`);
    const min = /^(\d+)min$/.exec(left ?? '');
    // ss prints whole minutes left (floored), read between nlkit's two listings.
    if (min) t.ok(Math.floor(later.timer.expiresMs / 60000) <= Number(min[1]) && Number(min[1]) <= Math.floor(s.timer.expiresMs / 60000), `${what}: timer minutes left (${min[1]}, nlkit ${later.timer.expiresMs}..${s.timer.expiresMs} ms)`);
  } else t.equal(s.timer.kind, 'off', `${what}: no timer`);
  const i = s.tcpInfo;
  if (s.protocol !== 'tcp' || !i) return;
  t.ok(s.congestion && p.words.has(s.congestion), `${what}: congestion control ${s.congestion}`);
  // The fields ss -i prints, each in its unit; ss leaves out what is zero.
  const want: [string, string | undefined][] = [
    ['wscale', i.options & 4 ? `${i.sndWscale},${i.rcvWscale}` : undefined],
    ['rto', i.rto ? String(i.rto / 1000) : undefined],
    ['ato', i.ato ? String(i.ato / 1000) : undefined],
    ['mss', i.sndMss ? String(i.sndMss) : undefined], ['pmtu', i.pmtu ? String(i.pmtu) : undefined],
    ['rcvmss', i.rcvMss ? String(i.rcvMss) : undefined], ['advmss', i.advmss ? String(i.advmss) : undefined],
    ['cwnd', i.sndCwnd ? String(i.sndCwnd) : undefined],
    ['bytes_sent', i.bytesSent ? String(i.bytesSent) : undefined], ['bytes_acked', i.bytesAcked ? String(i.bytesAcked) : undefined],
    ['bytes_received', i.bytesReceived ? String(i.bytesReceived) : undefined],
    ['segs_out', i.segsOut ? String(i.segsOut) : undefined], ['segs_in', i.segsIn ? String(i.segsIn) : undefined],
    ['data_segs_out', i.dataSegsOut ? String(i.dataSegsOut) : undefined], ['data_segs_in', i.dataSegsIn ? String(i.dataSegsIn) : undefined],
    ['rcv_space', i.rcvSpace ? String(i.rcvSpace) : undefined], ['rcv_ssthresh', i.rcvSsthresh ? String(i.rcvSsthresh) : undefined],
    ['snd_wnd', i.sndWnd ? String(i.sndWnd) : undefined], ['unacked', i.unacked ? String(i.unacked) : undefined],
    ['delivered', i.delivered ? String(i.delivered) : undefined],
  ];
  t.same(Object.fromEntries(want.map(([k, v]) => [k, v])), Object.fromEntries(want.map(([k]) => [k, p.kv.get(k)])), `${what}: tcp_info as ss -i prints it`);
  if (i.rtt) t.equal(p.kv.get('rtt'), `${i.rtt / 1000}/${i.rttvar / 1000}`, `${what}: rtt/rttvar`);
  t.equal(p.words.has('ts'), (i.options & 1) !== 0, `${what}: timestamps option`);
  t.equal(p.words.has('sack'), (i.options & 2) !== 0, `${what}: sack option`);
  if (s.ccInfo?.algorithm === 'bbr' && s.ccInfo.pacingGain) {
    t.match(p.kv.get('bbr'), new RegExp(`pacing_gain:${+(s.ccInfo.pacingGain / 256).toFixed(5)}\\b`), `${what}: bbr pacing gain`);
  }
}

t.test('inet: every TCP and UDP socket of the netns, field by field as ss -e -i -m prints it', live, async (t) => {
  const { ns, diag, ino } = await fixture(t);
  const tcp = await diag.inet({ states: SS_A });
  const theirs = byCookie(ss(ns.path, ['-tanei', '-m']));
  const after = new Map((await diag.inet({ states: SS_A })).map((s) => [s.cookie, s]));
  const tcpOnly = tcp;
  t.notOk(tcp.some((s) => s.inode === ino.bound), 'the bound, inactive socket is not among them');
  t.equal(tcpOnly.length, theirs.size, `${tcpOnly.length} TCP sockets, as many as ss lists`);
  for (const s of tcpOnly) {
    const p = theirs.get(s.cookie);
    if (!p) {
      t.fail(`socket ${s.local.address}:${s.local.port} (sk ${s.cookie.toString(16)}) is not in ss's list`);
      continue;
    }
    sameAsSs(t, s, p, `tcp ${p.local} ${p.peer}`, after.get(s.cookie));
  }
  const find = (inode: number): InetSocket => tcp.find((s) => s.inode === inode)!;
  t.equal(find(ino.l4).state, 'listen', 'the IPv4 listener');
  t.equal(find(ino.l4).receiveQueue, 1, 'its Recv-Q: one connection waiting for accept()');
  t.equal(find(ino.l4).sendQueue, 8, 'its Send-Q: the backlog');
  t.equal(find(ino.a4).receiveQueue, 100, 'the accepted end has the 100 bytes sent to it unread');
  t.equal(find(ino.c4).timer.kind, 'keepalive', 'the client with SO_KEEPALIVE: a keepalive timer');
  t.ok(find(ino.c4).timer.expiresMs > 7_000_000 && find(ino.c4).timer.expiresMs <= 7_200_000, `due in about two hours (${find(ino.c4).timer.expiresMs} ms)`);
  const a46 = find(ino.a46);
  t.same([a46.family, a46.local.address, a46.remote.address], [6, '::ffff:127.0.0.1', '::ffff:127.0.0.1'], 'an IPv4 peer of the dual-stack listener: IPv6, IPv4-mapped');
  t.equal(find(ino.l6).v6only, false, 'the dual-stack listener is not v6only');
  t.ok(tcp.some((s) => s.inode === 0 && s.remote.port === ino.p4port && s.state === 'established'), 'the never-accepted connection\'s server end: established, no inode yet');
  t.ok(tcp.every((s) => typeof s.cookie === 'bigint' && s.cookie > 0n), 'every socket has its cookie');
  t.ok(tcp.every((s) => s.cgroupId !== undefined), 'and its cgroup id');

  const udp = await diag.inet({ protocol: 'udp' });
  const theirsU = byCookie(ss(ns.path, ['-uanei', '-m']));
  t.equal(udp.length, theirsU.size, `${udp.length} UDP sockets, as many as ss lists`);
  for (const s of udp) {
    const p = theirsU.get(s.cookie);
    if (!p) t.fail(`udp socket ${s.local.port} is not in ss's list`);
    else sameAsSs(t, s, p, `udp ${p.local} ${p.peer}`);
  }
  const u = (inode: number): InetSocket => udp.find((s) => s.inode === inode)!;
  t.same([u(ino.u4).state, u(ino.u6).state], ['close', 'established'], 'unconnected UDP: close (ss: UNCONN); connected: established');
  t.equal(u(ino.mark).mark, 0x1234, 'SO_MARK');
  t.equal(u(ino.dev).interface, 1, 'SO_BINDTODEVICE lo: ifindex 1');
  t.equal(u(ino.nobody).uid, 65534, "the socket of the process that became uid 65534: that uid");
  t.equal(u(ino.u4).tcpInfo, undefined, 'UDP has no tcp_info');
  t.same([u(ino.u6).classId, u(ino.u6).tclass], [3, 0], "extension 'tclass' on an IPv6 socket: its class id (here SO_PRIORITY, no net_cls class) besides its traffic class");
  t.same([find(ino.a6).v6only, find(ino.l6).v6only], [undefined, false], 'v6only: reported for a listener, not for a connection');
});

t.test('inet: states, families and extensions asked for; bound-inactive; MPTCP', live, async (t) => {
  const { ns, diag, ino } = await fixture(t);
  const listen = await diag.inet({ states: ['listen'] });
  const ssListen = ss(ns.path, ['-tlne']).map((l) => Number(parseInet(l).kv.get('ino'))).sort();
  t.same(listen.map((s) => s.inode).sort(), ssListen, "states ['listen']: the listeners, as ss -tl lists them");
  t.ok(listen.every((s) => s.state === 'listen'), 'all listening');
  const v6 = await diag.inet({ family: 6 });
  t.ok(v6.length > 0 && v6.every((s) => s.family === 6), 'family 6: IPv6 sockets only');
  t.same(v6.map((s) => s.inode).sort(), ss(ns.path, ['-tan6e']).map((l) => Number(parseInet(l).kv.get('ino'))).sort(), 'as ss -6 lists them');
  const bare = await diag.inet({ extensions: [] });
  t.ok(bare.every((s) => s.tcpInfo === undefined && s.memInfo === undefined && s.skMemInfo === undefined && s.congestion === undefined && s.tos === undefined),
    'extensions []: none of the asked-for attributes');
  t.ok(bare.some((s) => s.inode === ino.a4) && bare.filter((s) => s.inode !== 0).every((s) => s.shutdown === 0),
    'but shutdown state (which the kernel sends unasked) for every socket with an inode');
  const info = await diag.inet({ extensions: ['info'] });
  t.ok(info.some((s) => s.tcpInfo !== undefined) && info.every((s) => s.skMemInfo === undefined), "extensions ['info']: tcp_info and not skmem");

  // A TCP socket bound to a port that neither listens nor connects (kernel 6.7+; ss 6.1 cannot ask for it).
  const bound = await diag.inet({ states: ['bound-inactive'] });
  t.same(bound.map((s) => [s.inode, s.state, s.local.port]), [[ino.bound, 'close', 8000]], "states ['bound-inactive']: the socket bound to port 8000, reported in state close");
  t.ok((await diag.inet()).some((s) => s.inode === ino.bound), 'listed by default (every state)');
  t.notOk((await diag.inet({ states: ['close'] })).some((s) => s.inode === ino.bound), 'not reported as close');

  if (ino.mptcp === 0) {
    t.comment('MPTCP sockets cannot be made here: the mptcp listing is not checked');
  } else {
    const mp = await diag.inet({ protocol: 'mptcp' });
    t.same(mp.map((s) => [s.inode, s.state, s.local.port]), [[ino.mptcp, 'listen', 9000]], 'protocol mptcp: the MPTCP listener');
    t.same(mp.map((s) => s.cookie), ss(ns.path, ['-Mane']).map((l) => BigInt(`0x${parseInet(l).kv.get('sk')}`)), 'as ss -M lists it');
    t.same([mp[0]!.tcpInfo, mp[0]!.unknown.some((a) => a.type === 2 /* INET_DIAG_INFO */)], [undefined, true], 'its INET_DIAG_INFO (struct mptcp_info) kept raw, not read as tcp_info');
  }
});

t.test('inet filters run in the kernel and select what ss selects with the same expression', live, async (t) => {
  const { ns, diag, ino } = await fixture(t);
  const cases: [string, Parameters<SockDiag['inet']>[0], string, string][] = [
    ['localPort', { localPort: 5000 }, '-tane', 'sport = :5000'],
    ['remotePort', { remotePort: 5000 }, '-tane', 'dport = :5000'],
    ['a local port range', { localPort: { min: 5001, max: 6000 } }, '-tane', 'sport >= :5001 and sport <= :6000'],
    ['a remote port from', { remotePort: { min: 6000 } }, '-tane', 'dport >= :6000'],
    ['a local prefix', { family: 4, localAddress: '127.0.0.0/8' }, '-tane4', 'src 127.0.0.0/8'],
    // Both families: the kernel matches an IPv4 prefix against an IPv4-mapped IPv6 end too, and ss keeps those as well.
    ['a local IPv4 prefix over both families', { localAddress: '127.0.0.0/8' }, '-tane', 'src 127.0.0.0/8'],
    ['a remote IPv4 address over both families', { remoteAddress: '127.0.0.1' }, '-tane', 'dst 127.0.0.1'],
    ['a remote IPv6 address', { remoteAddress: '::1' }, '-tane', 'dst [::1]'],
    ['a local port and a remote prefix', { family: 4, localPort: 5000, remoteAddress: '127.0.0.1/32' }, '-tane4', 'sport = :5000 and dst 127.0.0.1/32'],
    ['a mark', { protocol: 'udp', mark: 0x1234 }, '-uane', 'fwmark = 0x1234'],
    ['a mark under a mask', { protocol: 'udp', mark: { value: 0x34, mask: 0xff } }, '-uane', 'fwmark = 0x34/0xff'],
    ['a device', { protocol: 'udp', interface: 1 }, '-uane', 'dev = lo'],
  ];
  for (const [what, f, flags, expr] of cases) {
    const ours = (await diag.inet({ ...f, states: SS_A, extensions: [] })).map((s) => s.cookie.toString(16)).sort();
    const theirs = ss(ns.path, [flags, expr]).map((l) => parseInet(l).kv.get('sk')!).sort();
    t.ok(ours.length > 0, `${what}: ${ours.length} sockets`);
    t.same(ours, theirs, `${what}: the sockets ss '${expr}' lists`);
  }
  t.same((await diag.inet({ protocol: 'udp', mark: 0x1234 })).map((s) => s.inode), [ino.mark], 'the mark filter: the marked socket alone');
  t.same(await diag.inet({ localAddress: '10.0.0.0/8' }), [], 'a prefix nothing is in: none');
  const dumps = diag.sock.stats.requests;
  t.same((await diag.inet({ remoteAddress: '::1', extensions: [] })).map((s) => s.family), [6, 6], 'an IPv6 address: the IPv6 sockets it matches');
  t.equal(diag.sock.stats.requests, dumps + 1, 'from one dump: the IPv4 one, which could match nothing, is not made');
  const unbound = await diag.inet({ protocol: 'udp', interface: 0, extensions: [] });
  t.same(unbound.map((s) => s.inode).sort(), (await diag.inet({ protocol: 'udp', extensions: [] })).filter((s) => s.interface === 0).map((s) => s.inode).sort(), 'interface 0: the sockets bound to no device');
  t.notOk(unbound.some((s) => s.inode === ino.dev), 'not the one bound to lo');
  const v4mapped = (await diag.inet({ family: 6, localAddress: '127.0.0.1/32', localPort: 6000 })).map((s) => s.inode);
  t.same(v4mapped, [ino.a46], 'an IPv4 prefix matches the IPv4-mapped end of a dual-stack socket');
  const cg = (await diag.inet({ extensions: [] }))[0]!.cgroupId!;
  const all = await diag.inet({ extensions: [] });
  t.equal((await diag.inet({ cgroupId: cg, extensions: [] })).length, all.filter((s) => s.cgroupId === cg).length, 'cgroupId: the sockets of that cgroup');
  t.same(await diag.inet({ cgroupId: cg + 12345n }), [], 'another cgroup id: none');
});

t.test('inetGet finds one socket exactly (TCP, and UDP whose lookup takes the ends swapped); a cookie naming another socket is refused; a missing one ENOENT', live, async (t) => {
  const { diag, ino } = await fixture(t);
  const all = await diag.inet();
  const c4 = all.find((s) => s.inode === ino.c4)!;
  const got = await diag.inetGet(c4);
  t.same([got.inode, got.cookie, got.tcpInfo !== undefined], [c4.inode, c4.cookie, true], 'a listed socket: the same socket, with tcp_info');
  const byEnds = await diag.inetGet({ local: c4.local, remote: c4.remote }, { extensions: [] });
  t.same([byEnds.inode, byEnds.tcpInfo], [c4.inode, undefined], 'by its two ends alone (TCP by default), no extensions');
  const listener = await diag.inetGet({ local: { address: '127.0.0.1', port: 5000 }, remote: { address: '0.0.0.0', port: 0 } });
  t.equal(listener.inode, ino.l4, 'a listener, by its local end');
  const udp = await diag.inetGet({ protocol: 'udp', local: { address: '::1', port: 7000 }, remote: { address: '::1', port: 7001 } });
  t.equal(udp.inode, ino.u6, 'a connected UDP socket (whose exact lookup takes the ends the other way round: nlkit swaps them)');
  const u4 = await diag.inetGet({ protocol: 'udp', local: { address: '127.0.0.1', port: 7000 }, remote: { address: '0.0.0.0', port: 0 } });
  t.equal(u4.inode, ino.u4, 'an unconnected UDP socket, by its local end');
  const err = async (p: Promise<unknown>): Promise<Error> => p.then(() => { throw new Error('no error'); }, (x: Error) => x);
  const stale = await err(diag.inetGet({ ...c4, cookie: c4.cookie + 1n }));
  t.ok(stale instanceof NetlinkError && stale.code === 'ENOENT', `TCP, the ends of a socket with another cookie: ENOENT (${stale.message})`);
  t.match(stale.message, /with that cookie: the socket it named is gone/, 'saying the cookie named another');
  const uStale = await err(diag.inetGet({ ...udp, cookie: udp.cookie + 1n }));
  t.ok(uStale instanceof NetlinkError && uStale.code === 'ESTALE', `UDP: ESTALE (${uStale.message})`);
  t.match(uStale.message, /not the one the cookie names/);
  const keep = await err(diag.destroy({ ...c4, cookie: c4.cookie + 1n }));
  t.ok(keep instanceof NetlinkError && keep.code === 'ENOENT', 'destroy with another cookie: refused');
  t.equal((await diag.inetGet(c4)).inode, c4.inode, 'and the socket is still there');
  // The kernel's lookup is a packet's: ends no socket has fall back to a listener (TCP) or an unconnected, wildcard socket (UDP).
  const fallback = await err(diag.inetGet({ local: { address: '127.0.0.1', port: 5000 }, remote: { address: '127.0.0.9', port: 4444 } }));
  t.ok(fallback instanceof NetlinkError && fallback.code === 'ENOENT', `TCP ends of no connection: ENOENT, not the listener on that port (${fallback.message})`);
  t.match(fallback.message, /fell back to the listen socket 127\.0\.0\.1:5000 0\.0\.0\.0:0/, 'saying what the kernel found instead');
  const wild = await err(diag.inetGet({ local: { address: '::1', port: 6000 }, remote: { address: '::', port: 0 } }));
  t.ok(wild instanceof NetlinkError && wild.code === 'ENOENT', `a listener on ::1:6000 when only [::]:6000 listens: ENOENT (${wild.message})`);
  const uFallback = await err(diag.inetGet({ protocol: 'udp', local: { address: '127.0.0.1', port: 7000 }, remote: { address: '10.9.9.9', port: 53 } }));
  t.ok(uFallback instanceof NetlinkError && uFallback.code === 'ENOENT', `UDP ends of no connected socket: ENOENT, not the unconnected socket on that port (${uFallback.message})`);
  const mapped = await diag.inetGet({ family: 4, local: { address: '127.0.0.1', port: 6000 }, remote: { address: '127.0.0.1', port: ino.c46port } });
  t.same([mapped.inode, mapped.family, mapped.local.address], [ino.a46, 6, '::ffff:127.0.0.1'], 'IPv4 ends find the dual-stack socket that reports them IPv4-mapped');
  const none = await err(diag.inetGet({ local: { address: '127.0.0.1', port: 5999 }, remote: { address: '127.0.0.1', port: 1 } }));
  t.ok(none instanceof NetlinkError && none.code === 'ENOENT', `no such socket: ENOENT (${none.message})`);
  t.match(none.message, /no such socket.*tcp 127\.0\.0\.1:5999 127\.0\.0\.1:1/);
});

t.test('destroy aborts a TCP connection and a UDP socket (their owner sees ECONNABORTED); a second destroy is ENOENT', live, async (t) => {
  const { ns, diag, ino, lines } = await fixture(t);
  const err = async (p: Promise<unknown>): Promise<Error> => p.then(() => { throw new Error('no error'); }, (x: Error) => x);
  // Ends of no connection: the kernel's own lookup would find the listener (TCP) or the unconnected socket (UDP) on that port and destroy it.
  const noConn = await err(diag.destroy({ local: { address: '127.0.0.1', port: 5000 }, remote: { address: '127.0.0.9', port: 4444 } }));
  t.ok(noConn instanceof NetlinkError && noConn.code === 'ENOENT', `destroy by the ends of no TCP connection: ENOENT (${noConn.message})`);
  t.ok((await diag.inet({ states: ['listen'] })).some((s) => s.inode === ino.l4), 'and the listener on that port is still there');
  const noUdp = await err(diag.destroy({ protocol: 'udp', local: { address: '127.0.0.1', port: 7000 }, remote: { address: '10.9.9.9', port: 53 } }));
  t.ok(noUdp instanceof NetlinkError && noUdp.code === 'ENOENT', `destroy by the ends of no connected UDP socket: ENOENT (${noUdp.message})`);
  t.ok((await diag.inet({ protocol: 'udp' })).some((s) => s.inode === ino.u4), 'and the unconnected socket on that port is still there');
  const a6 = (await diag.inet()).find((s) => s.inode === ino.a6)!;
  await diag.destroy({ local: a6.local, remote: a6.remote });
  t.notOk((await diag.inet()).some((s) => s.inode === ino.a6), 'destroy by two ends alone: that connection is gone');
  const c4 = (await diag.inet()).find((s) => s.inode === ino.c4)!;
  await diag.destroy(c4);
  const gone = ss(ns.path, ['-tane']).map((l) => Number(parseInet(l).kv.get('ino')));
  t.notOk(gone.includes(ino.c4), 'the client end is gone from ss');
  t.notOk(gone.includes(ino.a4), 'and its peer, reset');
  const u4 = (await diag.inet({ protocol: 'udp' })).find((s) => s.inode === ino.u4)!;
  await diag.destroy(u4);
  const deadline = Date.now() + 5000;
  while (lines.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  t.same(lines.sort(), ['c4 error 103', 'u4 error 103'], "the owner's blocked recv() on each failed with ECONNABORTED (103)");
  const again = await diag.destroy(c4).then(() => undefined, (e: Error) => e);
  t.ok(again instanceof NetlinkError && again.code === 'ENOENT', `destroying it again: ENOENT (${again?.message})`);
});

t.test('unix: every Unix socket as ss -xae -m prints it; one by inode', live, async (t) => {
  const { ns, diag, ino, unixPath } = await fixture(t);
  const ours = await diag.unix();
  const theirs = new Map<number, string[]>();
  for (const l of ss(ns.path, ['-xae', '-m'])) {
    const f = l.trim().split(/\s+/);
    theirs.set(Number(f[5]), f);
  }
  t.equal(ours.length, theirs.size, `${ours.length} Unix sockets, as many as ss lists`);
  const TYPE: Record<string, string> = { u_str: 'stream', u_dgr: 'dgram', u_seq: 'seqpacket' };
  for (const s of ours) {
    const f = theirs.get(s.inode);
    if (!f) {
      t.fail(`unix socket ${s.inode} is not in ss's list`);
      continue;
    }
    const [netid, st, rq, sq, name, , , peer, ...rest] = f;
    const what = `unix ${s.inode}`;
    t.same([s.type, s.state, s.receiveQueue, s.sendQueue], [TYPE[netid!], SS_STATE[st!], Number(rq), Number(sq)], `${what}: type, state, queues`);
    t.equal(s.path ?? (s.abstract !== undefined ? `@${s.abstract}` : '*'), name, `${what}: name`);
    t.equal(s.peer ?? 0, Number(peer), `${what}: peer`);
    const kv = new Map(rest.filter((x) => x.includes(':')).map((x) => [x.slice(0, x.indexOf(':')), x.slice(x.indexOf(':') + 1)] as [string, string]));
    const m = skmem(kv.get('skmem'));
    const k = s.skMemInfo!;
    t.same({ r: k.rmemAlloc, rb: k.rcvbuf, t: k.wmemAlloc, tb: k.sndbuf, f: k.fwdAlloc, w: k.wmemQueued, o: k.optmem, bl: k.backlog, d: k.drops }, m, `${what}: skmem`);
    // ss decodes the kernel's dev_t with glibc's major()/minor() (a userspace dev_t's layout).
    if (s.vfs) t.equal(`ino:${s.vfs.inode} dev:${(s.vfs.dev >>> 8) & 0xfff}/${(s.vfs.dev & 0xff) | ((s.vfs.dev >>> 12) & ~0xff)}`, `ino:${kv.get('ino')} dev:${kv.get('dev')}`, `${what}: the bound file, as ss decodes it`);
    if (s.pending) t.same(s.pending, rest.slice(rest.indexOf('peers:') + 1).map(Number), `${what}: pending connections`);
  }
  const u = (inode: number): UnixSocket => ours.find((s) => s.inode === inode)!;
  t.same([u(ino.xl).state, u(ino.xl).path, u(ino.xl).pending], ['listen', unixPath, [ino.xc]], 'the listener: its path, and the connection waiting for accept()');
  t.same([u(ino.xc).state, u(ino.xc).peer], ['established', 0], 'the connection not accepted yet: connected, its peer (the server end, no inode until accept()) 0');
  const st = statSync(unixPath);
  // Node's stat dev is glibc's dev_t: major in bits 8-19 (and 32+), minor in bits 0-7 and 20-31.
  t.same(u(ino.xl).vfs && [u(ino.xl).vfs!.inode, u(ino.xl).vfs!.major, u(ino.xl).vfs!.minor], [st.ino, (st.dev >>> 8) & 0xfff, (st.dev & 0xff) | ((st.dev >>> 12) & 0xfff00)],
    'its bound file: inode, major and minor as stat() gives them');
  t.same([u(ino.xa).peer, u(ino.xb).peer], [ino.xb, ino.xa], 'a socketpair: each the other\'s peer');
  t.same([u(ino.xd).type, u(ino.xd).abstract, u(ino.xd).path], ['dgram', 'nlkit-abstract', undefined], 'an abstract datagram socket');
  t.same([u(ino.xs).type, u(ino.xs).state], ['seqpacket', 'close'], 'an unbound seqpacket socket');
  t.ok(ours.every((s) => s.uid === 0), 'every owner uid (root)');
  const listeners = await diag.unix({ states: ['listen'] });
  t.same(listeners.map((s) => s.inode), [ino.xl], "states ['listen']: the listener alone");
  const one = await diag.unixGet(ino.xa);
  t.same([one.inode, one.peer], [ino.xa, ino.xb], 'unixGet by inode');
  const none = await diag.unixGet(1).then(() => undefined, (e: Error) => e);
  t.ok(none instanceof NetlinkError && none.code === 'ENOENT', `no socket with that inode: ENOENT (${none?.message})`);
});

t.test('bad input is refused before anything is sent, naming the argument; a closed handle says so', live, async (t) => {
  const { diag } = await fixture(t);
  const before = diag.sock.stats.requests;
  const err = async (p: Promise<unknown>): Promise<Error> => p.then(() => { throw new Error('no error'); }, (x: Error) => x);
  const local = { address: '127.0.0.1', port: 1 };
  for (const [what, p, arg] of [
    ['an unknown protocol', diag.inet({ protocol: 'sctp' as never }), 'protocol'],
    ['a family other than 4 or 6', diag.inet({ family: 5 as never }), 'family'],
    ['an unknown state', diag.inet({ states: ['listening' as never] }), 'states'],
    ['no state', diag.inet({ states: [] }), 'states'],
    ['an unknown extension', diag.inet({ extensions: ['rtt' as never] }), 'extensions'],
    ['an unknown option', diag.inet({ port: 80 } as never), 'port'],
    ['a port over 65535', diag.inet({ localPort: 70000 }), 'localPort'],
    ['a range min above max', diag.inet({ remotePort: { min: 9, max: 1 } }), 'remotePort'],
    ['an empty range', diag.inet({ remotePort: {} }), 'remotePort'],
    ['a malformed prefix', diag.inet({ localAddress: '10.0.0.0/33' }), 'localAddress'],
    ['an IPv6 address with family 4 (no socket could match; ss -4 refuses it too)', diag.inet({ family: 4, remoteAddress: '::ffff:127.0.0.1' }), 'remoteAddress'],
    ['a negative ifindex', diag.inet({ interface: -1 }), 'interface'],
    ['a prefix with a zone', diag.inet({ localAddress: 'fe80::/10%lo' }), 'localAddress'],
    ['a mark with bits outside its mask', diag.inet({ mark: { value: 0x100, mask: 0xff } }), 'mark'],
    ['a cgroup id not a bigint', diag.inet({ cgroupId: 5 as never }), 'cgroupId'],
    ['an id without a remote end', diag.inetGet({ local } as never), 'id.remote'],
    ['an id with ends of two families', diag.inetGet({ local, remote: { address: '::1', port: 2 } }), 'id'],
    ['an id with a bad port', diag.destroy({ local: { address: '127.0.0.1', port: -1 }, remote: local }), 'id.local.port'],
    ['an id with a bad cookie', diag.destroy({ local, remote: local, cookie: -1n }), 'id.cookie'],
    ['an id with a key nobody knows', diag.inetGet({ local, remote: local, prot: 'tcp' } as never), 'id.prot'],
    ['an end with a key nobody knows', diag.inetGet({ local: { ...local, addr: 'x' }, remote: local } as never), 'id.local.addr'],
    ['an MPTCP id (the kernel looks those up by token)', diag.inetGet({ protocol: 'mptcp', local, remote: local }), 'id.protocol'],
    ['a unix states list with a typo', diag.unix({ states: ['establised' as never] }), 'states'],
    ['inode 0', diag.unixGet(0), 'inode'],
  ] as [string, Promise<unknown>, string][]) {
    const e = await err(p);
    t.ok(e instanceof InvalidArgumentError && e.argument === arg, `${what}: InvalidArgumentError naming ${arg} (${e.message})`);
  }
  const zone = await err(diag.inetGet({ local: { address: 'fe80::1%lo', port: 1 }, remote: { address: '::', port: 0 } }));
  t.ok(zone instanceof InvalidArgumentError && zone.argument === 'id.local.address', `an end with a zone: InvalidArgumentError naming it (${zone.message})`);
  t.match(zone.message, /as interface/, "pointing at the id's interface, not at an option SockDiag does not have");
  t.equal(diag.sock.stats.requests, before, 'nothing was sent for any of them');
  t.throws(() => SockDiag.open({ netns: 5, other: 1 } as never), InvalidArgumentError, 'an unknown option of open()');
  diag.close();
  const closed = await err(diag.inet());
  t.ok(closed instanceof ClosedError, 'a closed handle: ClosedError');
  t.ok((await err(diag.unix())) instanceof ClosedError, 'for unix() too');
});

t.test('IPv6 link-local: a connection is found with its interface (from the listing); without it, ENOENT rather than the listener', live, async (t) => {
  const ns = rawNetns();
  const diag = SockDiag.open({ netns: ns.fd });
  // addrgenmode none: no kernel-made link-local address besides fe80::1 and fe80::2. With one,
  // a client that connects after its DAD (a slow, loaded run) may take it as its source
  // (fresh-clone CI: 'fe80::d017:97ff:fe5b:7c1a' where fe80::1 was asserted).
  for (const args of [['link', 'set', 'lo', 'up'], ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1'],
    ['link', 'set', 'v0', 'addrgenmode', 'none'], ['link', 'set', 'v1', 'addrgenmode', 'none'], ['addr', 'add', 'fe80::1/64', 'dev', 'v0', 'nodad'],
    ['addr', 'add', 'fe80::2/64', 'dev', 'v1', 'nodad'], ['link', 'set', 'v0', 'up'], ['link', 'set', 'v1', 'up']]) ip(ns.path, args);
  const src = String.raw`
import sys, time
from socket import *
l = socket(AF_INET6); l.bind(('::', 9000)); l.listen(4)
for i in range(100):
    try:
        c = create_connection(('fe80::2%v0', 9000)); break
    except OSError:
        time.sleep(0.05)
a, _ = l.accept()
print(a.getsockname()[1], c.getsockname()[1], flush=True); sys.stdin.read()
`;
  const py: ChildProcessByStdio<Writable, Readable, null> = spawn('nsenter', [`--net=${ns.path}`, 'python3', '-c', src], { stdio: ['pipe', 'pipe', 'inherit'] });
  t.teardown(() => {
    diag.close();
    py.stdin.end();
    py.kill();
    ns.close();
  });
  const line = await new Promise<string>((resolve, reject) => {
    let buf = '';
    py.once('exit', (code) => reject(new Error(`the link-local fixture exited (${code})`)));
    py.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('\n')) resolve(buf.slice(0, buf.indexOf('\n')));
    });
  });
  const clientPort = Number(line.trim().split(' ')[1]);
  const v1 = Number(JSON.parse(inNs(ns.path, 'ip', ['-j', 'link', 'show', 'v1']))[0].ifindex);
  const server = (await diag.inet({ family: 6 })).find((s) => s.local.port === 9000 && s.remote.port === clientPort)!;
  const got = [server.local.address, server.remote.address, server.interface];
  t.same(got, ['fe80::2', 'fe80::1', v1], `the server end: link-local, bound to v1's ifindex ${v1} (got ${JSON.stringify(got)}, state ${server.state}; ss: ${inNs(ns.path, 'ss', ['-6tanH']).trim().replace(/\s+/g, ' ')})`);
  t.equal((await diag.inetGet(server)).cookie, server.cookie, 'found from the listing (its interface is sent)');
  const noIf = await diag.inetGet({ local: server.local, remote: server.remote }).then(() => undefined, (e: Error) => e);
  t.ok(noIf instanceof NetlinkError && noIf.code === 'ENOENT', `without the interface: ENOENT, not the [::]:9000 listener the lookup falls back to (${noIf?.message})`);
  t.same((await diag.inet({ family: 6, interface: v1 })).map((s) => s.cookie), [server.cookie], 'the interface filter selects it');
});

t.test('dumps that span many parts: 2000 UDP and 600 Unix sockets, each listed once, filters and all', live, async (t) => {
  const ns = rawNetns();
  const diag = SockDiag.open({ netns: ns.fd });
  ip(ns.path, ['link', 'set', 'lo', 'up']);
  const src = String.raw`
import resource, sys
from socket import *
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4096)), hard))
keep = []
for i in range(2000):
    s = socket(AF_INET, SOCK_DGRAM); s.bind(('127.0.0.1', 20000 + i)); keep.append(s)
for i in range(300):
    keep.extend(socketpair())
print('ready', flush=True); sys.stdin.read()
`;
  const py: ChildProcessByStdio<Writable, Readable, null> = spawn('nsenter', [`--net=${ns.path}`, 'python3', '-c', src], { stdio: ['pipe', 'pipe', 'inherit'] });
  t.teardown(() => {
    diag.close();
    py.stdin.end();
    py.kill();
    ns.close();
  });
  await new Promise<void>((resolve, reject) => {
    py.once('exit', (code) => reject(new Error(`the fixture exited (${code})`)));
    py.stdout.once('data', () => resolve());
  });
  const before = diag.sock.stats.requests;
  const [udp, unix] = await Promise.all([diag.inet({ protocol: 'udp' }), diag.unix()]);
  t.equal(udp.length, 2000, '2000 UDP sockets (with every extension: many dump parts)');
  t.equal(new Set(udp.map((s) => s.cookie)).size, 2000, 'each once');
  t.same(udp.map((s) => s.local.port).sort((a, b) => a - b), Array.from({ length: 2000 }, (_, i) => 20000 + i), 'every port');
  t.equal(udp.length, ss(ns.path, ['-uan']).length, 'as many as ss lists');
  t.equal(diag.sock.stats.requests - before, 3, 'one request per dump (IPv4, IPv6, Unix), the two calls side by side on one handle');
  t.equal(new Set(unix.map((s) => s.inode)).size, 600, '600 Unix sockets, each once');
  t.equal(unix.length, ss(ns.path, ['-xa']).length, 'as many as ss -xa lists');
  const range = await diag.inet({ protocol: 'udp', localPort: { min: 20500, max: 21499 }, extensions: [] });
  t.same(range.map((s) => s.local.port).sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => 20500 + i), 'a port range: those 1000 exactly');
});

t.test('the netns: a closed Netns is refused at open; a handle outlives the Netns it was opened with', privileged, async (t) => {
  const gone = Netns.new();
  gone.close();
  t.throws(() => SockDiag.open({ netns: gone }), ClosedError, 'open() with a closed Netns: ClosedError');
  const ns = Netns.new();
  const diag = SockDiag.open({ netns: ns });
  t.teardown(() => diag.close());
  ns.close();
  // A listening Unix socket in the caller's netns: its own handle sees it, the other one must not.
  const dir = mkdtempSync(join(tmpdir(), 'nlkit-diag-'));
  const server = createServer().listen(join(dir, 's'));
  await once(server, 'listening');
  t.teardown(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  using here = SockDiag.open();
  t.ok((await here.unix()).some((s) => s.path === join(dir, 's')), "the caller's netns: its listening socket is listed");
  t.notOk((await diag.unix()).some((s) => s.path === join(dir, 's')), 'the Netns closed, the handle still lists its own namespace, not the caller\'s');
  t.same(await diag.inet({ extensions: [] }), [], 'inet too: no socket in the new namespace');
  diag.close();
  diag.close();
  t.ok(diag.closed, 'close() twice: closed, no error');
  const e = await diag.unixGet(1).then(() => undefined, (x: Error) => x);
  t.ok(e instanceof ClosedError, 'unixGet on a closed handle: ClosedError');
});

t.test('unix names that are not UTF-8 (binary abstract names, a path in another charset) are kept as bytes too, so each can be told apart and reached', live, async (t) => {
  const ns = rawNetns();
  const diag = SockDiag.open({ netns: ns.fd });
  const dir = mkdtempSync(join(tmpdir(), 'nlkit-diag-'));
  const src = String.raw`
import os, sys, json
from socket import *
d = sys.argv[1].encode()
def ino(s): return os.fstat(s.fileno()).st_ino
a = socket(AF_UNIX); a.bind(b'\0nlkit\xff\x00x'); a.listen(1)
b = socket(AF_UNIX); b.bind(b'\0nlkit\xfe\x00x'); b.listen(1)
p = socket(AF_UNIX); p.bind(d + b'/caf\xe9')
q = socket(AF_UNIX); q.bind('\0nlkit-caf\u00e9'.encode())
print(json.dumps(dict(a=ino(a), b=ino(b), p=ino(p), q=ino(q))), flush=True); sys.stdin.read()
`;
  const py: ChildProcessByStdio<Writable, Readable, null> = spawn('nsenter', [`--net=${ns.path}`, 'python3', '-c', src, dir], { stdio: ['pipe', 'pipe', 'inherit'] });
  t.teardown(() => {
    diag.close();
    py.stdin.end();
    py.kill();
    ns.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const ino = JSON.parse(await new Promise<string>((resolve, reject) => {
    py.once('exit', (code) => reject(new Error(`the fixture exited (${code})`)));
    py.stdout.once('data', (d: Buffer) => resolve(d.toString()));
  })) as { a: number; b: number; p: number; q: number };
  const all = await diag.unix();
  const u = (inode: number): UnixSocket => all.find((s) => s.inode === inode)!;
  const hex = (b: Uint8Array | undefined): string | undefined => (b ? Buffer.from(b).toString('hex') : undefined);
  t.same([hex(u(ino.a).nameBytes), hex(u(ino.b).nameBytes)], [Buffer.from('nlkit\xff\x00x', 'latin1').toString('hex'), Buffer.from('nlkit\xfe\x00x', 'latin1').toString('hex')],
    'two abstract names that differ in a byte that is not UTF-8: their bytes, without the leading NUL, each its own');
  t.equal(u(ino.a).abstract, 'nlkit\ufffd\0x', 'the string has U+FFFD where the byte was (and the NUL inside the name)');
  t.equal(hex(u(ino.p).nameBytes), Buffer.concat([Buffer.from(`${dir}/caf`), Buffer.from([0xe9])]).toString('hex'), 'a Latin-1 path: its bytes');
  t.same([u(ino.q).abstract, u(ino.q).nameBytes], ['nlkit-café', undefined], 'a UTF-8 name: the string alone, no bytes');
});
