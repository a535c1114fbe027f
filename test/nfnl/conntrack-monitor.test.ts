// Conntrack events (`conntrack -E`) through Conntrack.monitor(): creations, changes and
// destructions made by nlkit and by the conntrack tool, compared with what `conntrack -E`
// printed for the same entries; event types chosen; the final counters of real traffic
// in a destroy event; an overrun after which the next change is the next event; closing.
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { ClosedError, Conntrack, InvalidArgumentError, type ConntrackEvent, type MulticastOverrun } from '../../src/index.js';
import { fdCount, inNs, ip, netlinkGroupsJoined, privileged, rawNetns } from '../helpers.js';

const haveTool = spawnSync('conntrack', ['--version'], { encoding: 'utf8' }).status === 0;
const tool = haveTool ? privileged : { skip: 'needs the conntrack tool (conntrack-tools), the oracle (.ci/run installs it)' };
const NETLINK_NETFILTER = 12;

function fixture(t: { teardown(fn: () => void): void }): { ns: ReturnType<typeof rawNetns>; ct: Conntrack } {
  const ns = rawNetns();
  const ct = Conntrack.open({ netns: ns.fd });
  t.teardown(() => {
    ct.close();
    ns.close();
  });
  return { ns, ct };
}

type Ev = ConntrackEvent | MulticastOverrun;
const show = (ev: Ev): string => (ev.type === 'overrun' ? 'overrun' : `${ev.type} ${ev.entry.id}`);

/** The next `n` events, or what came within `ms`. */
async function take(mon: AsyncIterator<Ev>, n: number, ms = 5000): Promise<Ev[]> {
  const out: Ev[] = [];
  const deadline = Date.now() + ms;
  while (out.length < n) {
    const r = await Promise.race([mon.next(), new Promise<'timeout'>((res) => setTimeout(() => res('timeout'), Math.max(0, deadline - Date.now())))]);
    if (r === 'timeout' || r.done) break;
    out.push(r.value);
  }
  return out;
}

t.test('events of nlkit\'s and the tool\'s changes, as conntrack -E prints them', tool, async (t) => {
  const { ns, ct } = fixture(t);
  const oracle = spawn('nsenter', [`--net=${ns.path}`, 'conntrack', '-E', '-o', 'id'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let printed = '';
  oracle.stdout.on('data', (d: Buffer) => { printed += d.toString(); });
  t.teardown(() => oracle.kill());
  // conntrack -E forks nothing: its pid holds the socket; groups NEW, UPDATE, DESTROY are bits 0-2.
  await netlinkGroupsJoined(oracle.pid!, 0x7, 10_000, NETLINK_NETFILTER);
  const mon = await ct.monitor();
  t.teardown(() => mon.close());
  const key = { protocol: 'tcp', src: '10.0.0.1', dst: '10.0.0.2', srcPort: 1000, dstPort: 80 } as const;
  await ct.add({ ...key, timeout: 100, tcpState: 'syn-sent' });
  await ct.update(key, { tcpState: 'established', mark: 3 });
  inNs(ns.path, 'conntrack', ['-I', '-s', '2001:db8::1', '-d', '2001:db8::2', '-p', 'udp', '--sport', '5', '--dport', '6', '-t', '50']);
  await ct.del(key);
  inNs(ns.path, 'conntrack', ['-D', '-p', 'udp', '-s', '2001:db8::1']);
  const evs = await take(mon, 5);
  t.same(evs.map((e) => (e.type === 'overrun' ? 'overrun' : `${e.type} ${e.entry.protocol} ${e.entry.original.src}`)), [
    'new tcp 10.0.0.1', 'update tcp 10.0.0.1', 'new udp 2001:db8::1', 'destroy tcp 10.0.0.1', 'destroy udp 2001:db8::1',
  ], 'creation, change and destruction of each, in order, whoever made them');
  const upd = evs[1] as ConntrackEvent;
  t.same([upd.entry.tcp?.state, upd.entry.mark], ['established', 3], 'the change carries the entry as changed');
  const deadline = Date.now() + 5000;
  while ((printed.match(/\n/g) ?? []).length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const theirs = printed.trim().split('\n').map((l) => {
    const m = /^\s*\[(NEW|UPDATE|DESTROY)\].* id=(\d+)/.exec(l);
    return m ? `${m[1]!.toLowerCase()} ${m[2]}` : l;
  });
  t.same(evs.map(show), theirs, 'the same events with the same entry ids as conntrack -E -o id');
});

t.test('only the event types asked for; real traffic\'s destroy event carries its final counters', tool, async (t) => {
  const { ns, ct } = fixture(t);
  ip(ns.path, ['link', 'set', 'lo', 'up']);
  inNs(ns.path, 'sysctl', ['-qw', 'net.netfilter.nf_conntrack_acct=1']);
  const ipt = spawnSync('nsenter', [`--net=${ns.path}`, 'iptables', '-A', 'OUTPUT', '-m', 'conntrack', '--ctstate', 'NEW', '-j', 'ACCEPT'], { encoding: 'utf8' });
  const mon = await ct.monitor(['destroy']);
  t.teardown(() => mon.close());
  await ct.add({ protocol: 'udp', src: '10.0.0.1', dst: '10.0.0.2', srcPort: 1, dstPort: 2, timeout: 100 });
  await ct.update({ protocol: 'udp', src: '10.0.0.1', dst: '10.0.0.2', srcPort: 1, dstPort: 2 }, { mark: 1 });
  if (ipt.status === 0) {
    inNs(ns.path, 'python3', ['-c', `
import socket
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind(('127.0.0.1', 40001))
b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(4): b.sendto(b'x' * 10, ('127.0.0.1', 40001))
`]);
  } else t.comment(`iptables cannot add a conntrack rule here (${ipt.stderr.trim()}): no real traffic`);
  await ct.flush();
  const evs = (await take(mon, ipt.status === 0 ? 2 : 1)) as ConntrackEvent[];
  t.ok(evs.every((e) => e.type === 'destroy'), `destroy events only (${evs.map((e) => e.type).join(', ')}): no new or update`);
  t.equal(evs.find((e) => e.entry.original.srcPort === 1)?.entry.mark, 1, 'the added entry, destroyed by the flush, with its mark');
  if (ipt.status === 0) {
    const traffic = evs.find((e) => e.entry.original.dstPort === 40001)?.entry;
    t.same(traffic?.counters?.original, { packets: 4n, bytes: 4n * 38n }, 'the traffic\'s entry: its four packets, in its destroy event');
  }
});

t.test('overrun: what the kernel still held is discarded, so the change made after it is the next event', privileged, async (t) => {
  const { ct } = fixture(t);
  const mon = await ct.monitor(['new'], { receiveBufferSize: 1024, maxQueued: 1 });
  t.teardown(() => mon.close());
  for (let i = 0; i < 60; i++) await ct.add({ protocol: 'udp', src: '10.0.0.1', dst: '10.0.0.2', srcPort: 1000 + i, dstPort: 53, timeout: 100 });
  const before: string[] = [];
  for (let i = 0; i < 65 && before.at(-1) !== 'overrun'; i++) {
    const r = await mon.next();
    if (r.done) break;
    before.push(r.value.type === 'overrun' ? 'overrun' : String(r.value.entry.original.srcPort));
  }
  t.equal(before.at(-1), 'overrun', `an overrun (${before.join(', ')})`);
  await ct.add({ protocol: 'udp', src: '10.0.0.1', dst: '10.0.0.2', srcPort: 9999, dstPort: 53, timeout: 100 });
  const [next] = await take(mon, 1, 2000);
  t.equal(next && next.type !== 'overrun' ? next.entry.original.srcPort : 'nothing within 2 s', 9999, 'the entry added after the overrun is the next event');
});

t.test('closing: by the handle, by the signal; bad input refused before a socket is made', privileged, async (t) => {
  const { ct } = fixture(t);
  const fds0 = fdCount();
  const mon = await ct.monitor(['new']);
  t.equal(fdCount(), fds0 + 1, 'the monitor has its own socket');
  const waiting = mon.next();
  const ac = new AbortController();
  const mon2 = await ct.monitor(['update'], { signal: ac.signal });
  const waiting2 = mon2.next();
  ac.abort(new Error('stop'));
  await t.rejects(waiting2, /stop/, "the signal: the waiting next() rejects with the signal's reason");
  t.ok(mon2.closed, 'and the monitor is closed');
  for (const [what, p, arg] of [
    ['no event type', ct.monitor([]), 'events'],
    ['an unknown event type', ct.monitor(['expire' as never]), 'events'],
    ['maxQueued 0', ct.monitor(['new'], { maxQueued: 0 }), 'maxQueued'],
    ['a tiny receive buffer', ct.monitor(['new'], { receiveBufferSize: 10 }), 'receiveBufferSize'],
    ['an unknown option', ct.monitor(['new'], { queue: 1 } as never), 'queue'],
  ] as [string, Promise<unknown>, string][]) {
    const e = await p.then(() => new Error('no error'), (x: Error) => x);
    t.ok(e instanceof InvalidArgumentError && e.argument === arg, `${what}: InvalidArgumentError naming ${arg} (${e.message})`);
  }
  t.equal(fdCount(), fds0 + 1, 'no socket made for them (the aborted one closed)');
  ct.close();
  t.same(await waiting, { done: true, value: undefined }, "the handle's close() ends its monitors");
  t.ok(mon.closed, 'closed');
  t.equal(fdCount(), fds0 - 1, 'every fd back (the handle\'s too)');
  const late = await ct.monitor(['new']).then(() => undefined, (e: Error) => e);
  t.ok(late instanceof ClosedError, 'a closed handle: ClosedError');
});

/** Update then delete `key` in `ct`'s table while `ct` has a monitor of update and destroy open: the event types that came. */
async function oldEntryEvents(ct: Conntrack, key: Parameters<Conntrack['del']>[0]): Promise<string> {
  const mon = await ct.monitor(['update', 'destroy']);
  try {
    await ct.update(key, { mark: 1 });
    await ct.del(key);
    return (await take(mon, 2, 300)).map((e) => e.type).join(' ');
  } finally {
    mon.close();
  }
}

t.test('nf_conntrack_events: with 2 (auto, the default) an entry made while a ctnetlink listener exists in any netns sends events; with 1 every entry does (as the docs say)', privileged, async (t) => {
  const { ns, ct } = fixture(t);
  const other = fixture(t);
  const key = { protocol: 'udp', src: '10.0.0.1', dst: '10.0.0.2', srcPort: 7, dstPort: 8 } as const;
  inNs(ns.path, 'sysctl', ['-qw', 'net.netfilter.nf_conntrack_events=2']);
  // The kernel's "is anyone listening" is one flag for the whole host (nf_ctnetlink_has_listener:
  // not per netns, for NETLINK_LISTEN_ALL_NSID's sake): a monitor in another netns counts.
  const elsewhere = await other.ct.monitor(['destroy']);
  await ct.add({ ...key, timeout: 100 });
  elsewhere.close();
  t.equal(await oldEntryEvents(ct, key), 'update destroy', '2: made while a monitor of another netns listened: events');
  inNs(ns.path, 'sysctl', ['-qw', 'net.netfilter.nf_conntrack_events=1']);
  await ct.add({ ...key, timeout: 100 });
  t.equal(await oldEntryEvents(ct, key), 'update destroy', '1: every entry sends events');
});
