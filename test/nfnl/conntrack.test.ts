// The conntrack table over ctnetlink against the `conntrack` tool (conntrack-tools): in
// a fresh netns, entries made by the tool and by nlkit, and by real traffic (an iptables
// rule makes the netns track, accounting and timestamps on), listed by nlkit and
// compared field by field with `conntrack -L -o xml`; get, update, delete and flush
// checked the same way; bad input refused before anything is sent.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClosedError, Conntrack, InvalidArgumentError, NetlinkError, type ConntrackEntry } from '../../src/index.js';
import { inNs, ip, privileged, rawNetns } from '../helpers.js';

const haveTool = spawnSync('conntrack', ['--version'], { encoding: 'utf8' }).status === 0;
const tool = haveTool ? privileged : { skip: 'needs the conntrack tool (conntrack-tools), the oracle (.ci/run installs it)' };

function conntrack(nsPath: string, args: string[]): string {
  const r = spawnSync('nsenter', [`--net=${nsPath}`, 'conntrack', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`conntrack ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

interface XmlFlow {
  family: number; proto: number;
  orig: { src: string; dst: string; sport?: number; dport?: number; type?: number; code?: number; id?: number; packets?: bigint; bytes?: bigint };
  reply: XmlFlow['orig'];
  state?: string; timeout: number; mark: number; zone?: number; use: number; id: number; assured: boolean; unreplied: boolean;
}

/** `conntrack -L -o xml,id` as flows, by id. */
function xmlFlows(nsPath: string, args: string[] = []): Map<number, XmlFlow> {
  const out = new Map<number, XmlFlow>();
  const xml = conntrack(nsPath, ['-L', '-o', 'xml,id', ...args]);
  const tag = (s: string, n: string): string | undefined => new RegExp(`<${n}>([^<]*)</${n}>`).exec(s)?.[1];
  const num = (s: string, n: string): number | undefined => (tag(s, n) === undefined ? undefined : Number(tag(s, n)));
  for (const f of xml.match(/<flow>.*?<\/flow>/g) ?? []) {
    const dir = (d: string): XmlFlow['orig'] => {
      const m = new RegExp(`<meta direction="${d}">(.*?)</meta>`).exec(f)![1]!;
      const c = /<counters>(.*?)<\/counters>/.exec(m)?.[1];
      return {
        src: tag(m, 'src')!, dst: tag(m, 'dst')!, sport: num(m, 'sport'), dport: num(m, 'dport'), type: num(m, 'type'), code: num(m, 'code'), id: num(m, 'id'),
        ...(c ? { packets: BigInt(tag(c, 'packets')!), bytes: BigInt(tag(c, 'bytes')!) } : {}),
      };
    };
    const ind = /<meta direction="independent">(.*?)<\/meta>/.exec(f)![1]!;
    const l3 = /<layer3 protonum="(\d+)"/.exec(f)!;
    const l4 = /<layer4 protonum="(\d+)"/.exec(f)!;
    const flow: XmlFlow = {
      family: Number(l3[1]), proto: Number(l4[1]), orig: dir('original'), reply: dir('reply'), state: tag(ind, 'state'),
      timeout: num(ind, 'timeout')!, mark: num(ind, 'mark')!, zone: num(ind, 'zone'), use: num(ind, 'use')!, id: num(ind, 'id')!,
      assured: ind.includes('<assured/>'), unreplied: ind.includes('<unreplied/>'),
    };
    out.set(flow.id, flow);
  }
  return out;
}

/** An nlkit entry in the XML's terms. */
function asXml(e: ConntrackEntry): Omit<XmlFlow, 'timeout'> {
  const dir = (x: ConntrackEntry['original'], c: { packets: bigint; bytes: bigint } | undefined): XmlFlow['orig'] => ({
    // The XML has no ICMP fields: those are compared with conntrack's text output.
    src: x.src, dst: x.dst, sport: x.srcPort, dport: x.dstPort, type: undefined, code: undefined, id: undefined, ...(c ? { packets: c.packets, bytes: c.bytes } : {}),
  });
  return {
    family: e.family === 4 ? 2 : 10, proto: e.protocolNumber, orig: dir(e.original, e.counters?.original), reply: dir(e.reply, e.counters?.reply),
    state: e.tcp ? e.tcp.state.toUpperCase().replace(/-/g, '_') : undefined, mark: e.mark, zone: e.zone, use: e.use!, id: e.id,
    assured: e.status.includes('assured'), unreplied: !e.status.includes('seen-reply'),
  };
}

function sameAsTool(t: Pick<typeof import('tap').default, 'ok' | 'same' | 'equal' | 'fail'>, ours: ConntrackEntry[], theirs: Map<number, XmlFlow>, what: string): void {
  t.equal(ours.length, theirs.size, `${what}: ${ours.length} entries, as many as conntrack -L`);
  for (const e of ours) {
    const x = theirs.get(e.id);
    if (!x) {
      t.fail(`${what}: entry ${e.id} (${e.protocol} ${e.original.src} → ${e.original.dst}) is not in conntrack -L`);
      continue;
    }
    const { timeout, ...rest } = x;
    t.same(asXml(e), rest, `${what}: ${e.protocol} ${e.original.src} → ${e.original.dst}, field by field`);
    // Listed a moment apart: the timeout may have ticked once.
    t.ok(e.timeout !== undefined && Math.abs(e.timeout - timeout) <= 1, `${what}: timeout ${e.timeout} s (conntrack: ${timeout})`);
  }
}

function fixture(t: { teardown(fn: () => void): void }): { ns: ReturnType<typeof rawNetns>; ct: Conntrack } {
  const ns = rawNetns();
  const ct = Conntrack.open({ netns: ns.fd });
  t.teardown(() => {
    ct.close();
    ns.close();
  });
  return { ns, ct };
}

const err = async (p: Promise<unknown>): Promise<Error> => p.then(() => { throw new Error('no error'); }, (x: Error) => x);

t.test('list: entries the tool made, of every kind, as conntrack -L -o xml shows them', tool, async (t) => {
  const { ns, ct } = fixture(t);
  conntrack(ns.path, ['-I', '-s', '10.0.0.1', '-d', '10.0.0.2', '-p', 'tcp', '--sport', '1000', '--dport', '80', '--state', 'ESTABLISHED', '-t', '100', '-u', 'ASSURED', '-m', '7']);
  conntrack(ns.path, ['-I', '-s', '2001:db8::1', '-d', '2001:db8::2', '-p', 'udp', '--sport', '53', '--dport', '5353', '-t', '60']);
  conntrack(ns.path, ['-I', '-s', '10.0.0.1', '-d', '10.0.0.3', '-p', 'icmp', '--icmp-type', '8', '--icmp-code', '0', '--icmp-id', '77', '-t', '30']);
  conntrack(ns.path, ['-I', '-s', '10.0.0.5', '-d', '10.0.0.6', '-p', 'tcp', '--sport', '1', '--dport', '2', '--state', 'TIME_WAIT', '-t', '50', '--zone', '9']);
  const all = await ct.list();
  sameAsTool(t, all, xmlFlows(ns.path), 'all');
  const tcp = all.find((e) => e.mark === 7)!;
  t.same([tcp.protocol, tcp.tcp?.state, tcp.status.includes('confirmed'), tcp.original.dstPort, tcp.reply.srcPort], ['tcp', 'established', true, 80, 80], 'the TCP entry: its state, confirmed, its ports both ways');
  const icmp = all.find((e) => e.protocol === 'icmp')!;
  t.same([icmp.original.icmp, icmp.reply.icmp], [{ type: 8, code: 0, id: 77 }, { type: 0, code: 0, id: 77 }], 'the echo request and its reply');
  t.match(conntrack(ns.path, ['-L', '-p', 'icmp']), /src=10\.0\.0\.1 dst=10\.0\.0\.3 type=8 code=0 id=77 .*src=10\.0\.0\.3 dst=10\.0\.0\.1 type=0 code=0 id=77/, 'as conntrack prints them');
  t.equal(all.find((e) => e.tcp?.state === 'time-wait')!.zone, 9, 'the zone');
  t.ok(all.every((e) => e.id > 0), 'every entry has its id');
});

t.test('list: real traffic tracked (iptables makes the netns track), with accounting and timestamps', tool, async (t) => {
  const { ns, ct } = fixture(t);
  ip(ns.path, ['link', 'set', 'lo', 'up']);
  inNs(ns.path, 'sysctl', ['-qw', 'net.netfilter.nf_conntrack_acct=1', 'net.netfilter.nf_conntrack_timestamp=1']);
  const ipt = spawnSync('nsenter', [`--net=${ns.path}`, 'iptables', '-A', 'OUTPUT', '-m', 'conntrack', '--ctstate', 'NEW', '-j', 'ACCEPT'], { encoding: 'utf8' });
  if (ipt.status !== 0) {
    t.comment(`iptables cannot add a conntrack rule here (${ipt.stderr.trim()}): real traffic not checked`);
    return;
  }
  const before = BigInt(Date.now()) * 1_000_000n;
  inNs(ns.path, 'python3', ['-c', `
import socket
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind(('127.0.0.1', 40001))
b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); b.bind(('127.0.0.1', 40000))
for i in range(3): b.sendto(b'x' * 10, ('127.0.0.1', 40001))
d, addr = a.recvfrom(100); a.sendto(b'y' * 20, addr)
`]);
  const all = await ct.list();
  sameAsTool(t, all, xmlFlows(ns.path), 'traffic');
  const e = all.find((x) => x.original.dstPort === 40001)!;
  t.same(e.counters && [e.counters.original.packets, e.counters.reply.packets], [3n, 1n], 'three packets one way, one back');
  t.same(e.counters && [e.counters.original.bytes, e.counters.reply.bytes], [3n * 38n, 48n], 'their bytes (IP and UDP headers included)');
  t.ok(e.status.includes('seen-reply'), 'seen-reply');
  const now = BigInt(Date.now()) * 1_000_000n;
  t.ok(e.timestamp && e.timestamp.start >= before - 1_000_000_000n && e.timestamp.start <= now, 'timestamp.start: wall-clock ns, between the traffic\'s start and now');
});

t.test('add: every kind of entry, as conntrack -L then shows it; EEXIST for a second; get and its ENOENT', tool, async (t) => {
  const { ns, ct } = fixture(t);
  await ct.add({ protocol: 'tcp', src: '192.0.2.1', dst: '192.0.2.2', srcPort: 40000, dstPort: 443, timeout: 120, tcpState: 'established', status: ['assured', 'seen-reply'], mark: 0x10, zone: 3 });
  await ct.add({ protocol: 'udp', src: '2001:db8::1', dst: '2001:db8::53', srcPort: 5000, dstPort: 53, timeout: 30 });
  await ct.add({ protocol: 'icmpv6', src: '2001:db8::1', dst: '2001:db8::2', icmp: { type: 128, code: 0, id: 9 }, timeout: 30 });
  await ct.add({ protocol: 'udp', src: '10.1.0.2', dst: '8.8.8.8', srcPort: 1234, dstPort: 53, timeout: 30, reply: { src: '8.8.8.8', dst: '203.0.113.7', srcPort: 53, dstPort: 61000 } });
  const all = await ct.list();
  sameAsTool(t, all, xmlFlows(ns.path), 'added by nlkit');
  t.match(conntrack(ns.path, ['-L', '-p', 'tcp']), /ESTABLISHED src=192\.0\.2\.1 dst=192\.0\.2\.2 sport=40000 dport=443 src=192\.0\.2\.2 dst=192\.0\.2\.1 sport=443 dport=40000 \[ASSURED\] mark=16 zone=3/, 'the TCP entry as conntrack prints it');
  const v6 = all.find((e) => e.protocol === 'icmpv6')!;
  t.same(v6.reply.icmp, { type: 129, code: 0, id: 9 }, 'an echo request\'s reply direction: an echo reply, as conntrack -I makes it');
  t.match(conntrack(ns.path, ['-L', '-p', 'icmpv6']), /type=128 code=0 id=9 .*type=129 code=0 id=9/, 'as conntrack prints it');
  const nat = all.find((e) => e.original.dst === '8.8.8.8')!;
  t.same(nat.reply, { src: '8.8.8.8', dst: '203.0.113.7', srcPort: 53, dstPort: 61000 }, 'a reply direction given');

  const dup = await err(ct.add({ protocol: 'udp', src: '2001:db8::1', dst: '2001:db8::53', srcPort: 5000, dstPort: 53, timeout: 30 }));
  t.ok(dup instanceof NetlinkError && dup.code === 'EEXIST', `the same again: EEXIST (${dup.message})`);
  t.match(dup.message, /an entry with that tuple .* exists.*udp \[2001:db8::1\]:5000 → \[2001:db8::53\]:53/);

  const got = await ct.get({ protocol: 'tcp', src: '192.0.2.1', dst: '192.0.2.2', srcPort: 40000, dstPort: 443, zone: 3 });
  // (use: the kernel holds one more reference while it answers a get)
  t.same({ ...asXml(got), use: 0 }, { ...asXml(all.find((e) => e.protocol === 'tcp')!), use: 0 }, 'get: the same entry');
  t.equal((await ct.get(nat)).id, nat.id, 'get by a listed entry');
  const none = await err(ct.get({ protocol: 'tcp', src: '192.0.2.1', dst: '192.0.2.2', srcPort: 40000, dstPort: 443 }));
  t.ok(none instanceof NetlinkError && none.code === 'ENOENT', 'in zone 0 there is none: ENOENT');
  t.match(none.message, /no such conntrack entry/);
});

t.test('update, del and flush, checked with the tool', tool, async (t) => {
  const { ns, ct } = fixture(t);
  const key = { protocol: 'tcp', src: '10.9.0.1', dst: '10.9.0.2', srcPort: 7, dstPort: 8 } as const;
  await ct.add({ ...key, timeout: 100, tcpState: 'syn-sent', mark: 0xff00 });
  await ct.update(key, { mark: 0x12, timeout: 900, status: ['assured'], tcpState: 'established' });
  let x = [...xmlFlows(ns.path).values()][0]!;
  t.same([x.mark, x.state, x.assured, x.timeout >= 898], [0x12, 'ESTABLISHED', true, true], 'mark, TCP state, assured and timeout changed, as the tool shows');
  await ct.update(key, { mark: { value: 0x0300, mask: 0xff00 } });
  x = [...xmlFlows(ns.path).values()][0]!;
  t.equal(x.mark, 0x0312, 'a masked mark: only the bits of the mask changed');
  const busy = await err(ct.update({ ...key, dstPort: 9 }, { timeout: 5 }));
  t.ok(busy instanceof NetlinkError && busy.code === 'ENOENT', `no such entry: ENOENT (${busy.message})`);

  await ct.add({ protocol: 'udp', src: '10.9.0.1', dst: '10.9.0.3', srcPort: 1, dstPort: 2, timeout: 100, mark: 5 });
  await ct.add({ protocol: 'udp', src: '2001:db8::1', dst: '2001:db8::3', srcPort: 1, dstPort: 2, timeout: 100, mark: 5 });
  await ct.add({ protocol: 'udp', src: '10.9.0.1', dst: '10.9.0.4', srcPort: 1, dstPort: 2, timeout: 100, mark: 6 });
  const listed = (await ct.list({ protocol: 'udp', dst: '10.9.0.4' }))[0]!;
  await ct.del(listed);
  t.notOk([...xmlFlows(ns.path).values()].some((f) => f.orig.dst === '10.9.0.4'), 'del by a listed entry: gone');
  const again = await err(ct.del(listed));
  t.ok(again instanceof NetlinkError && again.code === 'ENOENT', `deleted again: ENOENT (${again.message})`);
  // The same tuple again: a new entry. Its id is the kernel's hash of the entry's memory
  // and tuple, so one made in the deleted entry's memory has the same id: other entries
  // are made first to take that memory, until the new one's id differs.
  const again4 = { protocol: 'udp', src: '10.9.0.1', dst: '10.9.0.4', srcPort: 1, dstPort: 2 } as const;
  let fillers = 0;
  for (;;) {
    await ct.add({ ...again4, timeout: 100, mark: 7 });
    const now = (await ct.list({ protocol: 'udp', dst: '10.9.0.4' }))[0]!;
    if (now.id !== listed.id || fillers >= 20) break;
    await ct.del(again4);
    await ct.add({ protocol: 'udp', src: '10.9.0.1', dst: '10.9.0.5', srcPort: 1 + fillers++, dstPort: 2, timeout: 100 });
  }
  t.ok(fillers < 20, `a new entry with another id (after ${fillers} fillers)`);
  const stale = await err(ct.del(listed));
  t.ok(stale instanceof NetlinkError && stale.code === 'ENOENT', 'a stale listed entry whose tuple another now has: ENOENT (its id is sent)');
  t.equal([...xmlFlows(ns.path).values()].find((f) => f.orig.dst === '10.9.0.4')?.mark, 7, 'and the new entry is still there');
  await ct.del({ protocol: 'udp', src: '10.9.0.1', dst: '10.9.0.4', srcPort: 1, dstPort: 2 });
  t.notOk([...xmlFlows(ns.path).values()].some((f) => f.orig.dst === '10.9.0.4'), 'a key without an id deletes whatever has the tuple');
  for (let i = 0; i < fillers; i++) await ct.del({ protocol: 'udp', src: '10.9.0.1', dst: '10.9.0.5', srcPort: 1 + i, dstPort: 2 });

  for (let i = 0; i < 200; i++) await ct.add({ protocol: 'udp', src: '2001:db8::9', dst: '2001:db8::a', srcPort: 1000 + i, dstPort: 2, timeout: 100 });
  const sent = ct.sock.stats.requests;
  await ct.flush({ family: 6 });
  t.equal(ct.sock.stats.requests - sent, 1, 'flush of IPv6: one request, the kernel deletes the family (nfgen version 1), not a dump and a delete per entry');
  t.same([...xmlFlows(ns.path).values()].map((f) => f.family), [2, 2], 'flush of IPv6: the 201 IPv6 entries are gone, the two IPv4 entries stay');
  await ct.flush({ mark: 5 });
  t.same([...xmlFlows(ns.path).values()].map((f) => f.mark), [0x0312], 'flush by mark 5: only the entry with another mark stays');
  await ct.flush();
  t.equal(xmlFlows(ns.path).size, 0, 'flush: none left');
  t.same(await ct.list(), [], 'and nlkit lists none');
});

t.test('add: the reply direction of ICMP and ICMPv6 entries, inverted as conntrack -I inverts it', tool, async (t) => {
  const { ns, ct } = fixture(t);
  const cases: [string, string, string, number][] = [['icmp', '10.0.0.1', '10.0.0.2', 0], ['icmp', '10.0.0.1', '10.0.0.2', 14], ['icmpv6', '2001:db8::1', '2001:db8::2', 139], ['icmpv6', '2001:db8::1', '2001:db8::2', 129]];
  for (const [i, [p, s, d, type]] of cases.entries()) {
    conntrack(ns.path, ['-I', '-s', s, '-d', d, '-p', p, `--${p}-type`, String(type), `--${p}-code`, '0', `--${p}-id`, String(100 + i), '-t', '100']);
    await ct.add({ protocol: p as 'icmp', src: s, dst: d, icmp: { type, code: 0, id: 200 + i }, timeout: 100 });
  }
  const all = await ct.list();
  for (const [i, [p, , , type]] of cases.entries()) {
    const tools = all.find((e) => e.original.icmp?.id === 100 + i)!;
    const ours = all.find((e) => e.original.icmp?.id === 200 + i)!;
    t.equal(ours.reply.icmp?.type, tools.reply.icmp?.type, `${p} type ${type}: reply type ${ours.reply.icmp?.type}, as the tool's ${tools.reply.icmp?.type}`);
  }
});

t.test('a zone of one direction (conntrack --orig-zone, --reply-zone): listed in that tuple; get, update and del by the listed entry', tool, async (t) => {
  const { ns, ct } = fixture(t);
  conntrack(ns.path, ['-I', '-s', '10.0.0.1', '-d', '10.0.0.4', '-p', 'udp', '--sport', '1', '--dport', '2', '-t', '100', '--orig-zone', '5']);
  conntrack(ns.path, ['-I', '-s', '10.0.0.1', '-d', '10.0.0.5', '-p', 'udp', '--sport', '1', '--dport', '2', '-t', '100', '--reply-zone', '6']);
  const orig = (await ct.list({ dst: '10.0.0.4' }))[0]!;
  const reply = (await ct.list({ dst: '10.0.0.5' }))[0]!;
  t.same([orig.zone, orig.original.zone, orig.reply.zone], [undefined, 5, undefined], 'the original direction\'s zone, in its tuple');
  t.same([reply.zone, reply.original.zone, reply.reply.zone], [undefined, undefined, 6], 'the reply direction\'s zone, in its tuple');
  for (const e of [orig, reply]) {
    t.equal((await ct.get(e)).id, e.id, `get by the listed entry to ${e.original.dst}`);
    await ct.update(e, { mark: 9, status: ['assured'] });
    t.same([...xmlFlows(ns.path).values()].filter((f) => f.orig.dst === e.original.dst).map((f) => [f.mark, f.assured]), [[9, true]], 'update by it, as the tool shows');
    await ct.del(e);
  }
  t.equal(xmlFlows(ns.path).size, 0, 'del by each: both gone');
});

t.test('GRE: its keys ride in the port attributes, as conntrack --srckey/--dstkey; a listed GRE entry is a key', tool, async (t) => {
  const { ns, ct } = fixture(t);
  conntrack(ns.path, ['-I', '-s', '10.0.0.1', '-d', '10.0.0.9', '-p', 'gre', '--srckey', '5', '--dstkey', '6', '-t', '100']);
  await ct.add({ protocol: 'gre', src: '10.0.0.1', dst: '10.0.0.8', srcPort: 0x11, dstPort: 0x22, timeout: 100 });
  t.match(conntrack(ns.path, ['-L', '-p', 'gre', '-d', '10.0.0.8']), /srckey=0x11 dstkey=0x22 .*srckey=0x22 dstkey=0x11/, 'added by nlkit: the keys both ways, as conntrack prints them');
  const theirs = (await ct.list({ protocol: 'gre', dst: '10.0.0.9' }))[0]!;
  t.same([theirs.original.srcPort, theirs.original.dstPort, theirs.reply.srcPort, theirs.reply.dstPort], [5, 6, 6, 5], 'made by the tool: its keys');
  t.equal((await ct.get(theirs)).id, theirs.id, 'get by the listed GRE entry');
  await ct.del(theirs);
  t.same([...xmlFlows(ns.path).values()].map((f) => f.orig.dst), ['10.0.0.8'], 'del by the listed GRE entry: gone, the other stays');
});

t.test('DCCP: a listed entry is a key, with ports where the kernel tracks DCCP and without where it does not (6.16+)', tool, async (t) => {
  const { ns, ct } = fixture(t);
  await ct.add({ protocol: 'dccp', src: '10.0.0.1', dst: '10.0.0.2', srcPort: 7, dstPort: 8, timeout: 100 });
  const e = (await ct.list({ protocol: 'dccp' }))[0]!;
  t.comment(`this kernel lists the DCCP entry ${e.original.srcPort === undefined ? 'without' : 'with'} ports`);
  t.equal((await ct.get(e)).id, e.id, 'get by the listed DCCP entry');
  await ct.del(e);
  t.equal(xmlFlows(ns.path).size, 0, 'del by it: gone');
});

t.test('a table of 3000 entries: one list over many dump parts, calls in parallel on one handle', tool, async (t) => {
  const { ns, ct } = fixture(t);
  const n = 3000;
  for (let i = 0; i < n; i++) await ct.add({ protocol: 'udp', src: `10.${(i >> 8) & 255}.${i & 255}.1`, dst: '10.255.0.1', srcPort: 1000 + (i % 5000), dstPort: 53, timeout: 300, mark: i });
  const sent = ct.sock.stats.datagrams;
  const all = await ct.list();
  t.ok(ct.sock.stats.datagrams - sent > 2, `the dump came in ${ct.sock.stats.datagrams - sent} datagrams`);
  t.equal(all.length, Number(conntrack(ns.path, ['-C']).trim()), `${all.length} entries, as conntrack -C`);
  t.same(all.map((e) => e.mark).sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i), 'each once');
  const [listed, got, stats, marked] = await Promise.all([
    ct.list({ family: 4 }), ct.get(all[17]!), ct.stats(), ct.list({ mark: 1234 }), ct.add({ protocol: 'tcp', src: '10.0.0.1', dst: '10.0.0.2', srcPort: 1, dstPort: 2, timeout: 9 }),
  ]);
  t.same([listed.length >= n, got.id, stats.entries >= n, marked.map((e) => e.mark)], [true, all[17]!.id, true, [1234]], 'list, get, stats, a filtered list and an add at once: each its own answer');
  await ct.flush({ family: 4 });
  t.same(await ct.list(), [], 'flushed: none listed');
});

t.test('addMany: 500 entries in one call, as conntrack -L shows them; all or none on a clash; bad specs refused before sending', tool, async (t) => {
  const { ns, ct } = fixture(t);
  const specs = Array.from({ length: 500 }, (_, i) => ({ protocol: 'udp' as const, src: `10.9.${i >> 8}.${i & 255}`, dst: '10.255.0.1', srcPort: 2000 + i, dstPort: 53, timeout: 300, mark: i }));
  const req0 = ct.sock.stats.requests;
  await ct.addMany(specs);
  t.equal(ct.sock.stats.requests - req0, 500, 'one IPCTNL_MSG_CT_NEW per entry (requestBatch puts many in each sendmsg: test/netlink/socket-batch)');
  const all = await ct.list();
  sameAsTool(t, all, xmlFlows(ns.path), 'made by addMany');
  t.same(all.map((e) => e.mark).sort((a, b) => a - b), specs.map((x) => x.mark), 'each spec once, with its mark');
  await ct.flush();

  // A clash in the middle: an entry the tool made holds the tuple of specs[3].
  conntrack(ns.path, ['-I', '-p', 'udp', '-s', '10.8.0.3', '-d', '10.255.0.1', '--sport', '2003', '--dport', '53', '-t', '300']);
  const clash = Array.from({ length: 8 }, (_, i) => ({ protocol: 'udp' as const, src: `10.8.0.${i}`, dst: '10.255.0.1', srcPort: 2000 + i, dstPort: 53, timeout: 300 }));
  const e = await err(ct.addMany(clash));
  t.ok(e instanceof NetlinkError && e.code === 'EEXIST', `the clash: EEXIST (${e.message})`);
  t.match(e.message, /udp 10\.8\.0\.3:2003 → 10\.255\.0\.1:53/, 'naming the refused entry');
  const left = await ct.list();
  t.same(left.map((x) => `${x.original.src}:${x.original.srcPort}`), ['10.8.0.3:2003'], 'all or none: only the tool\'s entry is left');
  t.equal(xmlFlows(ns.path).size, 1, 'as conntrack -L shows');

  // Refused before anything is sent, naming specs[i].
  const before = ct.sock.stats.requests;
  const bad = await err(ct.addMany([specs[0]!, { ...specs[1]!, dstPort: 70000 }]));
  t.ok(bad instanceof InvalidArgumentError && bad.argument === 'specs[1].dstPort', `a bad port: ${bad.message}`);
  const twice = await err(ct.addMany([specs[0]!, specs[1]!, { ...specs[0]!, timeout: 9 }]));
  t.ok(twice instanceof InvalidArgumentError && twice.argument === 'specs[2]', `the same tuple twice: ${twice.message}`);
  t.match(twice.message, /repeats specs\[0\]/);
  // The kernel hashes both directions: an entry whose original is another's reply is refused with EEXIST, as a
  // repeat is (it added specs[0], refused this one, and the call undid specs[0]); refused before sending instead.
  const turned = await err(ct.addMany([specs[0]!, { protocol: 'udp', src: '10.255.0.1', dst: '10.9.0.0', srcPort: 53, dstPort: 2000, timeout: 9 }]));
  t.ok(turned instanceof InvalidArgumentError && turned.argument === 'specs[1]', `an original that is another's reply: ${turned.message}`);
  t.match(turned.message, /udp 10\.255\.0\.1:53 → 10\.9\.0\.0:2000 is the reply direction of specs\[0\]/);
  const replyClash = await err(ct.addMany([specs[0]!, { protocol: 'udp', src: '10.7.0.1', dst: '10.7.0.2', srcPort: 1, dstPort: 2, reply: { src: '10.9.0.0', dst: '10.255.0.1', srcPort: 2000, dstPort: 53 }, timeout: 9 }]));
  t.ok(replyClash instanceof InvalidArgumentError && replyClash.argument === 'specs[1]', `a reply that is another's original: ${replyClash.message}`);
  t.match(replyClash.message, /its reply direction udp 10\.9\.0\.0:2000 → 10\.255\.0\.1:53 is the original direction of specs\[0\]/);
  const pong = await err(ct.addMany([
    { protocol: 'icmp', src: '10.6.0.1', dst: '10.6.0.2', icmp: { type: 8, code: 0, id: 7 }, timeout: 9 },
    { protocol: 'icmp', src: '10.6.0.2', dst: '10.6.0.1', icmp: { type: 0, code: 0, id: 7 }, timeout: 9 },
  ]));
  t.ok(pong instanceof InvalidArgumentError && pong.argument === 'specs[1]', `an echo reply entry of an echo request entry: ${pong.message}`);
  const notArray = await err(ct.addMany({} as never));
  t.ok(notArray instanceof InvalidArgumentError && notArray.argument === 'specs', 'not an array');
  const unknownKey = await err(ct.addMany([{ ...specs[0]!, sport: 1 } as never]));
  t.ok(unknownKey instanceof InvalidArgumentError && unknownKey.argument === 'specs[0].sport', `an unknown key: ${unknownKey.message}`);
  t.equal(ct.sock.stats.requests, before, 'nothing sent for any of them');
  t.same((await ct.list()).length, 1, 'and nothing made');
  // In different zones the same tuples are different entries: not refused.
  await ct.addMany([{ ...specs[0]!, zone: 1 }, { protocol: 'udp', src: '10.255.0.1', dst: '10.9.0.0', srcPort: 53, dstPort: 2000, timeout: 9, zone: 2 }]);
  t.equal((await ct.list()).length, 3, 'an original and its reverse in different zones: both made');
  await ct.addMany([]);
  t.pass('an empty list: nothing to do');
  ct.close();
  const closed = await err(ct.addMany([specs[0]!]));
  t.ok(closed instanceof ClosedError, 'a closed handle: ClosedError');
});

t.test('list filters: family, mark, zone and status in the kernel; protocol, addresses and ports on the entries', tool, async (t) => {
  const { ns, ct } = fixture(t);
  await ct.add({ protocol: 'tcp', src: '10.0.0.1', dst: '10.0.1.1', srcPort: 1, dstPort: 80, timeout: 100, mark: 0x101, status: ['assured'] });
  await ct.add({ protocol: 'tcp', src: '10.0.0.2', dst: '10.0.2.1', srcPort: 2, dstPort: 443, timeout: 100, mark: 0x201, zone: 4 });
  await ct.add({ protocol: 'udp', src: '10.0.0.3', dst: '10.0.1.2', srcPort: 3, dstPort: 53, timeout: 100, mark: 0x102 });
  await ct.add({ protocol: 'udp', src: '2001:db8::1', dst: '2001:db8::2', srcPort: 4, dstPort: 53, timeout: 100 });
  const ids = async (f: Parameters<Conntrack['list']>[0]): Promise<number[]> => (await ct.list(f)).map((e) => e.id).sort();
  const tool = (args: string[]): number[] => [...xmlFlows(ns.path, args).keys()].sort();
  t.same(await ids({ family: 4 }), tool(['-f', 'ipv4']), 'family 4, as conntrack -L -f ipv4');
  t.same(await ids({ family: 6 }), tool(['-f', 'ipv6']), 'family 6');
  t.same(await ids({ mark: 0x101 }), tool(['-m', '0x101']), 'a mark');
  t.same(await ids({ mark: { value: 0x100, mask: 0xf00 } }), tool(['-m', '0x100/0xf00']), 'a mark under a mask');
  t.equal((await ct.list({ mark: { value: 0x100, mask: 0xf00 } })).length, 2, '(two entries)');
  t.same(await ids({ zone: 4 }), tool(['--zone', '4']), 'a zone');
  t.same(await ids({ status: ['assured'] }), tool(['-u', 'ASSURED']), 'a status');
  // Entries with all of no bits: every entry. Sent as CTA_STATUS_MASK 0 the kernel
  // answered a bare EINVAL (ctnetlink_filter_parse_status: the mask must be non-zero).
  t.same(await ids({ status: [] }), tool([]), 'an empty status list filters nothing');
  t.same(await ids({ protocol: 'udp' }), tool(['-p', 'udp']), 'a protocol');
  t.same(await ids({ protocol: 'tcp', dstPort: 443 }), tool(['-p', 'tcp', '--dport', '443']), 'a protocol and a port');
  t.same(await ids({ dst: '10.0.1.0/24' }), (await ct.list()).filter((e) => e.original.dst.startsWith('10.0.1.')).map((e) => e.id).sort(), 'a destination prefix');
  t.same(await ids({ src: '2001:db8::1' }), tool(['-s', '2001:db8::1']), 'a source address');
  t.equal((await ids({ dst: '10.0.1.0/24' })).length, 2, '(two entries)');
});

t.test('stats: the table\'s size and each CPU\'s counters, as conntrack -C and -S', tool, async (t) => {
  const { ns, ct } = fixture(t);
  await ct.add({ protocol: 'udp', src: '10.0.0.1', dst: '10.0.0.2', srcPort: 1, dstPort: 2, timeout: 100 });
  await ct.add({ protocol: 'udp', src: '10.0.0.1', dst: '10.0.0.3', srcPort: 1, dstPort: 2, timeout: 100 });
  const s = await ct.stats();
  t.equal(s.entries, Number(conntrack(ns.path, ['-C']).trim()), `${s.entries} entries, as conntrack -C`);
  t.equal(s.maxEntries, Number(inNs(ns.path, 'sysctl', ['-n', 'net.netfilter.nf_conntrack_max']).trim()), 'the limit, as net.netfilter.nf_conntrack_max');
  const theirs = conntrack(ns.path, ['-S']).trim().split('\n').map((l) => Object.fromEntries([...l.matchAll(/(\w+)=(\d+)/g)].map((m) => [m[1]!.replace(/_/g, ''), Number(m[2])])));
  t.same(s.cpus.map((c) => Object.fromEntries(Object.entries(c).map(([k, v]) => [k.replace(/_/g, ''), v]))), theirs, 'per CPU, as conntrack -S (its names without underscores)');
  t.ok(s.cpus.reduce((n, c) => n + (c['insert'] ?? 0), 0) >= 2, 'the two inserts counted');
});

t.test('bad input is refused before anything is sent, naming the argument; a closed handle says so', privileged, async (t) => {
  const { ct } = fixture(t);
  const before = ct.sock.stats.requests;
  const k = { protocol: 'tcp', src: '10.0.0.1', dst: '10.0.0.2', srcPort: 1, dstPort: 2 } as const;
  for (const [what, p, arg] of [
    ['an unknown protocol', ct.add({ ...k, protocol: 'quic' as never, timeout: 1 }), 'spec.protocol'],
    ['no timeout', ct.add({ ...k } as never), 'spec.timeout'],
    ['a negative timeout', ct.add({ ...k, timeout: -1 }), 'spec.timeout'],
    ['a TCP entry without ports', ct.add({ protocol: 'tcp', src: '10.0.0.1', dst: '10.0.0.2', timeout: 1 }), 'spec.srcPort'],
    ['ports on an ICMP entry', ct.add({ protocol: 'icmp', src: '10.0.0.1', dst: '10.0.0.2', srcPort: 1, dstPort: 2, icmp: { type: 8, code: 0, id: 1 }, timeout: 1 }), 'spec'],
    ['an ICMP type the kernel does not track (an error)', ct.add({ protocol: 'icmp', src: '10.0.0.1', dst: '10.0.0.2', icmp: { type: 3, code: 1, id: 0 }, timeout: 1 }), 'spec.icmp.type'],
    ['an ICMPv6 type the kernel does not track (MLD)', ct.get({ protocol: 'icmpv6', src: '::1', dst: '::2', icmp: { type: 130, code: 0, id: 0 } }), 'key.icmp.type'],
    ['icmp with IPv6 addresses', ct.add({ protocol: 'icmp', src: '::1', dst: '::2', icmp: { type: 8, code: 0, id: 1 }, timeout: 1 }), 'spec'],
    ['ends of two families', ct.add({ ...k, dst: '::2', timeout: 1 }), 'spec'],
    ['a reply of another family', ct.add({ ...k, timeout: 1, reply: { src: '::2', dst: '::1', srcPort: 2, dstPort: 1 } }), 'spec.reply'],
    ["a status that is the kernel's", ct.add({ ...k, timeout: 1, status: ['dying'] }), 'spec.status'],
    ['an unknown status', ct.add({ ...k, timeout: 1, status: ['ok' as never] }), 'spec.status'],
    ['a TCP state on UDP', ct.add({ ...k, protocol: 'udp', timeout: 1, tcpState: 'established' }), 'spec.tcpState'],
    ['a zone over 65535', ct.get({ ...k, zone: 70000 }), 'key.zone'],
    ['a malformed address', ct.del({ ...k, src: '10.0.0' }), 'key.src'],
    ['an update with nothing to change', ct.update(k, {}), 'change'],
    ['a masked mark with bits outside the mask', ct.update(k, { mark: { value: 0x100, mask: 0xff } }), 'change.mark'],
    ['a filter key nobody knows', ct.list({ port: 80 } as never), 'port'],
    ['a filter prefix too long', ct.list({ src: '10.0.0.0/33' }), 'src'],
    ['a flush family of 5', ct.flush({ family: 5 as never }), 'family'],
  ] as [string, Promise<unknown>, string][]) {
    const e = await err(p);
    t.ok(e instanceof InvalidArgumentError && e.argument === arg, `${what}: InvalidArgumentError naming ${arg} (${e.message})`);
  }
  t.equal(ct.sock.stats.requests, before, 'nothing was sent for any of them');
  t.throws(() => Conntrack.open({ netns: 3, x: 1 } as never), InvalidArgumentError, 'an unknown option of open()');
  ct.close();
  t.ok((await err(ct.list())) instanceof ClosedError, 'a closed handle: ClosedError');
  t.ok((await err(ct.flush())) instanceof ClosedError, 'for flush too');
});

// A filter no entry can meet — a source of one family and a destination of the other, an
// address of the family the filter excludes, a port with a protocol that has none — came
// back as an empty list, the same answer as "no such connections". `conntrack -L` refuses
// the first two ('mismatched address family') and has no --sport for ICMP.
t.test('list: a filter that contradicts itself is refused, not answered with an empty list', privileged, async (t) => {
  const { ct } = fixture(t);
  await ct.add({ protocol: 'icmp', src: '10.0.0.1', dst: '10.0.0.2', icmp: { type: 8, code: 0, id: 5 }, timeout: 100 });
  const before = ct.sock.stats.requests;
  for (const [what, f, arg] of [
    ['a source of IPv4 and a destination of IPv6', { src: '10.0.0.0/8', dst: '2001:db8::/32' }, 'dst'],
    ['family 6 and an IPv4 source', { family: 6, src: '10.0.0.1' }, 'src'],
    ['family 4 and an IPv6 destination', { family: 4, dst: '::1' }, 'dst'],
    ['a source port with icmp', { protocol: 'icmp', srcPort: 5 }, 'srcPort'],
    ['a destination port with protocol 253', { protocol: 253, dstPort: 5 }, 'dstPort'],
  ] as [string, Parameters<Conntrack['list']>[0], string][]) {
    const e = await err(ct.list(f));
    t.ok(e instanceof InvalidArgumentError && e.argument === arg, `${what}: InvalidArgumentError naming ${arg} (${e.message})`);
  }
  t.equal(ct.sock.stats.requests, before, 'nothing was sent for any of them');
  t.equal((await ct.list({ family: 4, src: '10.0.0.0/8', dst: '10.0.0.2' })).length, 1, 'a consistent filter still finds the entry');
  t.equal((await ct.list({ srcPort: 5 })).length, 0, 'a port without a protocol stays a match on any protocol with ports');
});

// The kernel's zone filter (ctnetlink_filter_match: nf_ct_zone_equal_any) compares the
// entry's zone id whatever its direction; `conntrack -L --zone` compares the zone of both
// directions only (CTA_ZONE, absent: 0). The docs said `zone` was `--zone`; they say which now.
t.test('list: the zone filter matches a zone of one direction too (unlike conntrack --zone)', tool, async (t) => {
  const { ns, ct } = fixture(t);
  conntrack(ns.path, ['-I', '-p', 'udp', '-s', '10.0.0.1', '-d', '10.0.0.2', '--sport', '1', '--dport', '2', '-t', '100', '--orig-zone', '3']);
  conntrack(ns.path, ['-I', '-p', 'udp', '-s', '10.0.0.1', '-d', '10.0.0.2', '--sport', '3', '--dport', '4', '-t', '100', '--reply-zone', '3']);
  conntrack(ns.path, ['-I', '-p', 'udp', '-s', '10.0.0.1', '-d', '10.0.0.2', '--sport', '5', '--dport', '6', '-t', '100', '--zone', '3']);
  const ports = async (zone: number): Promise<number[]> => (await ct.list({ zone })).map((e) => e.original.srcPort!).sort();
  t.same(await ports(3), [1, 3, 5], 'zone 3: the entries with zone 3 in either direction or both');
  t.same(await ports(0), [], 'zone 0: none of them');
  t.same([...xmlFlows(ns.path, ['--zone', '3']).keys()].length, 1, 'conntrack -L --zone 3: the both-direction one only');
});

// The doc comments name the `conntrack` command each call stands for. Two named options
// the tool refuses with that command: the class example's flush by mark was
// `conntrack -F --mark 7` (-F takes no --mark: 'Illegal option'), and get() was
// `conntrack -G … [--zone Z]` (-G takes no zone). Every command named is run here, its
// placeholders filled, and must get past the tool's option parser.
t.test('every conntrack command the doc comments name is one the tool takes', tool, (t) => {
  const ns = rawNetns();
  t.teardown(() => ns.close());
  const root = fileURLToPath(new URL('../../..', import.meta.url)); // dist/test/nfnl/ -> the package
  const text = ['src/nfnl/conntrack.ts', 'src/nfnl/monitor.ts'].map((f) => readFileSync(join(root, f), 'utf8')).join('\n');
  // The commands of each 'Equivalent to:' paragraph and of the examples' comments; not a
  // mention of one option ('`conntrack -o id`'), of a command alone ('a failed `conntrack -I`')
  // or of one with its arguments elided (…).
  const cmds = new Set<string>();
  const places = [...text.matchAll(/Equivalent to:[^]*?(?=\n\s*\*\s*(?:@|\n))/g)].map((m) => m[0]);
  for (const m of text.matchAll(/^\s*\*.*\/\/ (conntrack -[A-Za-z][^\n(]*)/gm)) places.push(`\`${m[1]!.trim()}\``);
  for (const p of places) for (const m of p.replace(/\n\s*\*/g, ' ').matchAll(/`(conntrack -[A-Za-z][^`]*)`/g)) if (!m[1]!.includes('…') && !/^conntrack -[IGUD]$/.test(m[1]!)) cmds.add(m[1]!.trim());
  t.ok(cmds.size >= 10, `${cmds.size} commands named`);
  // A value for each option that takes one, whatever the placeholder's name.
  const VALUE: Record<string, string> = {
    '-p': 'tcp', '-s': '10.0.0.1', '-d': '10.0.0.2', '--sport': '1', '--dport': '2', '-t': '100', '-u': 'ASSURED', '--status': 'ASSURED',
    '-m': '7', '--mark': '7', '--state': 'ESTABLISHED', '--zone': '3', '--orig-zone': '3', '--reply-zone': '3', '-f': 'ipv4', '-o': 'extended', '-e': 'NEW',
  };
  for (const cmd of cmds) {
    const words = cmd.replace(/[[\]…]/g, ' ').split(/\s+/).filter(Boolean).slice(1);
    const args: string[] = [];
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      args.push(w);
      const v = VALUE[w];
      if (v === undefined) continue;
      const next = words[i + 1];
      if (next !== undefined && !next.startsWith('-')) {
        // A placeholder (upper case, 'M/MASK') takes the option's value; a real value stays.
        args.push(/^[A-Z]/.test(next) ? (next.includes('/') ? `${v}/0xff` : v) : next);
        i++;
      } else args.push(v);
    }
    // -E waits for events: one that got past the parser is still running when the timeout ends it.
    const r = spawnSync('nsenter', [`--net=${ns.path}`, 'timeout', '1', 'conntrack', ...args], { encoding: 'utf8' });
    t.notMatch(r.stderr, /Illegal option|requires an argument|Bad parameter|unknown|invalid/i, `${cmd}: the tool takes 'conntrack ${args.join(' ')}'`);
    t.not(r.status, 2, `${cmd}: not the tool's parameter problem (exit 2)`);
  }
  t.end();
});

// CTA_LABELS is the kernel's bitmap of unsigned longs as they lie in memory: the docs say
// which bit is which label, as nft (`ct label set N`) and connlabel.conf number them.
t.test('labels: label N is bit N % 8 of byte N >> 3, as nft ct label set N numbers it', privileged, async (t) => {
  const { ns, ct } = fixture(t);
  ip(ns.path, ['link', 'set', 'lo', 'up']);
  const nft = spawnSync('nsenter', [`--net=${ns.path}`, 'nft', '-f', '-'], {
    encoding: 'utf8',
    input: 'table inet t {\n chain o {\n  type filter hook output priority 0;\n  ct label set 5\n  ct label set 100\n }\n}\n',
  });
  if (nft.status !== 0) {
    t.comment(`nft cannot add a ct label rule here (${(nft.stderr || nft.error?.message || '').trim()}): labels not checked`);
    return;
  }
  inNs(ns.path, 'python3', ['-c', `
import socket
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind(('127.0.0.1', 40001))
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('127.0.0.1', 40001))
`]);
  const e = (await ct.list({ protocol: 'udp', dstPort: 40001 }))[0];
  const set: number[] = [];
  for (const [i, b] of (e?.labels ?? new Uint8Array()).entries()) for (let bit = 0; bit < 8; bit++) if (b & (1 << bit)) set.push(i * 8 + bit);
  t.same(set, [5, 100], `labels 5 and 100 (bytes ${Buffer.from(e?.labels ?? []).toString('hex')})`);
});
