// What a key manager (an IKE daemon) needs from the kernel beyond policies and states, in a
// fresh netns: the ACQUIRE a packet triggers and its answer (allocSpi with the acquire's
// seq completes the kernel's larval state), the acquire's expiry, the default policy
// actions (`ip xfrm policy getdefault/setdefault`) and their event; policy.migrate live;
// REPORT, MAPPING, MIGRATE and an ACQUIRE for a policy's second template decoded from bytes
// a C program lays out with <linux/xfrm.h>'s structs (scripts/gen-xfrm-event-fixtures.py:
// this kernel cannot send them to a test).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { DecodeError, InvalidArgumentError, Rtnl, Xfrm, type XfrmEvent } from '../../src/index.js';
import { MessageWriter } from '../../src/netlink/index.js';
import { decodeXfrmEvent } from '../../src/xfrm/monitor.js';
import { xfrmRequestBytes } from '../../src/xfrm/xfrm.js';
import { inNs, ip, privileged, rawNetns } from '../helpers.js';
import { ipSeq } from './ip-text.js';

function fixture(t: { teardown(fn: () => void): void }): { ns: ReturnType<typeof rawNetns>; xf: Xfrm; rt: Rtnl } {
  const ns = rawNetns();
  const xf = Xfrm.open({ netns: ns.fd });
  const rt = Rtnl.open({ netns: ns.fd });
  t.teardown(() => {
    xf.close();
    rt.close();
    ns.close();
  });
  return { ns, xf, rt };
}

/** The next `n` events, or fail after `ms`. */
async function take(it: AsyncIterator<unknown>, n: number, ms = 5000): Promise<XfrmEvent[]> {
  const out: XfrmEvent[] = [];
  const deadline = Date.now() + ms;
  while (out.length < n) {
    const r = await Promise.race([it.next(), new Promise<'timeout'>((res) => setTimeout(() => res('timeout'), Math.max(0, deadline - Date.now())).unref())]);
    if (r === 'timeout') throw new Error(`${out.length} of ${n} events within ${ms} ms: ${JSON.stringify(out.map((e) => e.type))}`);
    if ((r as IteratorResult<unknown>).done) break;
    out.push((r as IteratorResult<XfrmEvent>).value);
  }
  return out;
}

/** A veth end v0 with 10.9.0.1/24, up, so a datagram to 10.9.0.2 is routed out of it (and through the out policies). */
async function routed(rt: Rtnl): Promise<void> {
  await rt.link.add({ name: 'v0', kind: 'veth', up: true, peer: { name: 'v1' } });
  await rt.link.set('v1', { up: true });
  await rt.addr.add('v0', '10.9.0.1/24');
}

/** One UDP datagram from inside the netns (bash's /dev/udp): its route lookup meets the out policies. */
function sendDatagram(nsPath: string, dst: string, port: number): void {
  spawnSync('nsenter', [`--net=${nsPath}`, 'bash', '-c', `echo x > /dev/udp/${dst}/${port}`]);
}

const TUNNEL = { src: '192.0.2.1', dst: '192.0.2.2', proto: 'esp', mode: 'tunnel', reqid: 7 } as const;

t.test('a packet an out policy wants protected, with no state: an acquire event, as the kernel\'s larval state; allocSpi with its seq completes that state', privileged, async (t) => {
  const { ns, xf, rt } = fixture(t);
  await routed(rt);
  await xf.policy.add({ selector: { src: '10.9.0.1/32', dst: '10.9.0.0/24' }, dir: 'out', priority: 9, templates: [TUNNEL] });
  const mon = await xf.monitor(['acquire']);
  sendDatagram(ns.path, '10.9.0.2', 9);
  const [ev] = await take(mon, 1);
  t.equal(ev!.type, 'acquire');
  const a = (ev as Extract<XfrmEvent, { type: 'acquire' }>).acquire;
  t.same([a.family, a.src, a.dst, a.proto, a.protoNumber, a.spi], [4, '192.0.2.1', '192.0.2.2', 'esp', 50, 0], 'the state asked for: the template\'s endpoints and protocol');
  t.same([a.selector.src, a.selector.dst, a.selector.protoName, a.selector.dport, a.selector.dportMask], ['10.9.0.1/32', '10.9.0.2/32', 'udp', 9, 0xffff], 'the packet\'s flow');
  t.same([a.policy.dir, a.policy.priority, a.policy.selector.dst, a.policy.templates.map((x) => [x.mode, x.reqid, x.dst])], ['out', 9, '10.9.0.0/24', [['tunnel', 7, '192.0.2.2']]], 'the policy that matched, with its template');
  t.same([a.aalgos, a.ealgos, a.calgos], [0xffffffff, 0xffffffff, 0xffffffff], 'the template\'s algorithm masks');
  t.equal(a.template, a.policy.templates[0], 'the template asked for');
  // The kernel's own record of the acquire: the larval state it holds.
  const larval = await xf.state.list();
  t.equal(larval.length, 1, 'one larval state');
  t.same([larval[0]!.seq, larval[0]!.spi, larval[0]!.src, larval[0]!.dst, larval[0]!.reqid, larval[0]!.mode], [a.seq, 0, a.src, a.dst, 7, 'tunnel'], 'with the acquire\'s seq, SPI 0 and the template\'s endpoints');
  t.same(larval[0]!.selector, a.selector, 'and the acquire\'s selector');
  t.match(ip(ns.path, ['-s', 'xfrm', 'state']), new RegExp(`seq 0x${ipSeq(a.seq)} `), 'ip lists it with that seq (in its decimal-after-0x form)');
  // The answer: an SPI reserved for it completes the same state, not a second one.
  const got = await xf.state.allocSpi({ src: a.src, dst: a.dst, proto: 'esp', seq: a.seq, reqid: 7, mode: 'tunnel' });
  t.not(got.spi, 0, 'an SPI');
  const after = await xf.state.list();
  t.same(after.map((s) => [s.spi, s.seq, s.reqid]), [[got.spi, a.seq, 7]], 'still one state, now with the SPI');
  mon.close();
});

t.test('an acquire nobody answers expires (net.core.xfrm_acq_expires): a hard expire-state event of the larval state', privileged, async (t) => {
  const { ns, xf, rt } = fixture(t);
  await routed(rt);
  inNs(ns.path, 'sysctl', ['-q', '-w', 'net.core.xfrm_acq_expires=1']);
  await xf.policy.add({ selector: { src: '10.9.0.1/32', dst: '10.9.0.2/32' }, dir: 'out', templates: [TUNNEL] });
  const mon = await xf.monitor(['acquire', 'expire']);
  sendDatagram(ns.path, '10.9.0.2', 53);
  const evs = await take(mon, 2, 8000);
  t.same(evs.map((e) => e.type), ['acquire', 'expire-state'], 'acquire, then the expiry');
  const a = (evs[0] as Extract<XfrmEvent, { type: 'acquire' }>).acquire;
  const x = evs[1] as Extract<XfrmEvent, { type: 'expire-state' }>;
  t.same([x.hard, x.state.seq, x.state.spi, x.state.dst], [true, a.seq, 0, '192.0.2.2'], 'hard, of the acquire\'s state');
  t.same(await xf.state.list(), [], 'gone');
  mon.close();
});

t.test('an acquire for an IPv6 tunnel carrying IPv4: the family is the template\'s', privileged, async (t) => {
  const { ns, xf, rt } = fixture(t);
  await routed(rt);
  await xf.policy.add({ selector: { src: '10.9.0.1/32', dst: '10.9.0.2/32' }, dir: 'out', templates: [{ src: '2001:db8::1', dst: '2001:db8::2', proto: 'esp', mode: 'tunnel' }] });
  const mon = await xf.monitor(['acquire']);
  sendDatagram(ns.path, '10.9.0.2', 9);
  const a = ((await take(mon, 1))[0] as Extract<XfrmEvent, { type: 'acquire' }>).acquire;
  t.same([a.family, a.src, a.dst, a.selector.family, a.selector.src], [6, '2001:db8::1', '2001:db8::2', 4, '10.9.0.1/32']);
  const larval = (await xf.state.list())[0]!;
  t.same([larval.family, larval.src, larval.dst, larval.seq], [6, a.src, a.dst, a.seq], 'as the kernel\'s larval state has them');
  mon.close();
});

t.test('an acquire for a tunnel template without a source: src is the source of the route to the template\'s dst, not the packet\'s', privileged, async (t) => {
  const { ns, xf, rt } = fixture(t);
  await routed(rt);
  await rt.addr.add('v0', '10.9.0.7/24');
  ip(ns.path, ['route', 'add', '192.0.2.0/24', 'via', '10.9.0.2', 'src', '10.9.0.7']);
  await xf.policy.add({ selector: { src: '10.9.0.1/32', dst: '10.9.0.2/32' }, dir: 'out', templates: [{ dst: '192.0.2.2', proto: 'esp', mode: 'tunnel' }] });
  const mon = await xf.monitor(['acquire']);
  sendDatagram(ns.path, '10.9.0.2', 9);
  const a = ((await take(mon, 1))[0] as Extract<XfrmEvent, { type: 'acquire' }>).acquire;
  t.same([a.src, a.dst, a.selector.src], ['10.9.0.7', '192.0.2.2', '10.9.0.1/32'], 'the route\'s source; the packet came from 10.9.0.1');
  const larval = (await xf.state.list())[0]!;
  t.same([larval.src, larval.dst, larval.seq], [a.src, a.dst, a.seq], 'as the larval state has them');
  mon.close();
});

t.test('default actions: getDefault/setDefault both ways with ip, a policy-defaults event, bad input refused before sending', privileged, async (t) => {
  const { ns, xf } = fixture(t);
  const ipDefaults = (): string => ip(ns.path, ['xfrm', 'policy', 'getdefault']).replace(/\s+/g, ' ').trim();
  t.same(await xf.policy.getDefault(), { in: 'accept', fwd: 'accept', out: 'accept' }, 'a fresh netns accepts');
  const mon = await xf.monitor(['policy']);
  await xf.policy.setDefault({ in: 'block', out: 'block' });
  t.equal(ipDefaults(), 'Default policies: in: block fwd: accept out: block', 'ip reads what nlkit set; fwd not given, left as it was');
  ip(ns.path, ['xfrm', 'policy', 'setdefault', 'fwd', 'block', 'out', 'accept']);
  t.same(await xf.policy.getDefault(), { in: 'block', fwd: 'block', out: 'accept' }, 'nlkit reads what ip set');
  const evs = await take(mon, 2);
  t.same(evs, [
    { type: 'policy-defaults', defaults: { in: 'block', fwd: 'accept', out: 'block' } },
    { type: 'policy-defaults', defaults: { in: 'block', fwd: 'block', out: 'accept' } },
  ], 'an event per change, with all three as they are after it');
  await t.rejects(xf.policy.setDefault({}), InvalidArgumentError, 'nothing to set');
  await t.rejects(xf.policy.setDefault({ in: 'drop' as never }), { name: 'InvalidArgumentError', argument: 'defaults.in' }, 'an unknown action, named');
  await t.rejects(xf.policy.setDefault({ out: 'accept', input: 'block' } as never), InvalidArgumentError, 'an unknown key');
  await t.rejects(xf.policy.setDefault(null as never), InvalidArgumentError, 'not an object');
  t.same(await xf.policy.getDefault(), { in: 'block', fwd: 'block', out: 'accept' }, 'nothing sent by the refused calls');
  xf.close();
  await t.rejects(xf.policy.getDefault(), { name: 'ClosedError' });
  await t.rejects(xf.policy.setDefault({ in: 'accept' }), { name: 'ClosedError' });
  mon.close();
});

t.test('monitor groups: the key manager\'s are accepted, unknown ones named with the list', privileged, async (t) => {
  const { xf } = fixture(t);
  const mon = await xf.monitor(['acquire', 'report', 'mapping', 'migrate', 'aevents']);
  t.notOk(mon.closed, 'opened');
  mon.close();
  await t.rejects(xf.monitor(['aevent' as never]), /unknown group 'aevent' \('policy', 'state', 'expire', 'acquire', 'report', 'mapping', 'migrate', 'aevents'\)/);
});

// ---------------------------------------------------------------------------------------
// Messages the kernel cannot send here, laid out by the C compiler.

const EVENTS: { cases: Record<string, string> } = JSON.parse(readFileSync(fileURLToPath(new URL('../../../test/fixtures/xfrm/events.json', import.meta.url)), 'utf8'));
const decode = (hex: string): XfrmEvent | undefined => {
  const b = Buffer.from(hex, 'hex');
  return decodeXfrmEvent(b, new DataView(b.buffer, b.byteOffset, b.byteLength), 0, b.readUInt32LE(0));
};

t.test('REPORT (build_report): the protocol, the packet\'s flow, the care-of address', async (t) => {
  const ev = decode(EVENTS.cases['report-hao-coa']!) as Extract<XfrmEvent, { type: 'report' }>;
  t.equal(ev.type, 'report');
  t.same([ev.report.proto, ev.report.protoNumber, ev.report.coa, ev.report.unknown], ['hao', 60, '2001:db8:99::1', []]);
  t.same([ev.report.selector.family, ev.report.selector.src, ev.report.selector.dst, ev.report.selector.proto, ev.report.selector.ifindex], [6, '2001:db8:1::10/128', '2001:db8:2::20/128', 135, 4]);
});

t.test('MAPPING (build_mapping): the state and the peer\'s old and new address and port (network order on the wire)', async (t) => {
  const ev = decode(EVENTS.cases['mapping-esp-in-udp']!);
  t.same(ev, {
    type: 'mapping',
    mapping: { family: 4, dst: '192.0.2.2', spi: 0xc0de0001, proto: 'esp', protoNumber: 50, reqid: 42, old: { address: '198.51.100.7', port: 4500 }, new: { address: '198.51.100.8', port: 61001 } },
  });
});

t.test('MIGRATE (build_migrate): selector, dir, type, each move with its own families, kmaddress, encap', async (t) => {
  const ev = decode(EVENTS.cases['migrate-v4-to-v6-kmaddress-encap-sub']!) as Extract<XfrmEvent, { type: 'migrate' }>;
  t.equal(ev.type, 'migrate');
  const m = ev.migrate;
  t.same([m.selector.src, m.selector.dst, m.dir, m.ptype, m.unknown], ['10.1.0.0/24', '10.2.0.0/24', 'out', 'sub', []]);
  t.same(m.migrations, [
    { proto: 'esp', protoNumber: 50, mode: 'tunnel', modeNumber: 1, reqid: 5, old: { family: 4, src: '192.0.2.1', dst: '192.0.2.2' }, new: { family: 6, src: '2001:db8::1', dst: '2001:db8::2' } },
    { proto: 'comp', protoNumber: 108, mode: 'transport', modeNumber: 0, reqid: 6, old: { family: 4, src: '192.0.2.1', dst: '192.0.2.2' }, new: { family: 4, src: '203.0.113.1', dst: '203.0.113.2' } },
  ]);
  t.same(m.kmaddress, { family: 6, local: '2001:db8::1', remote: '2001:db8::2' });
  t.same(m.encap, { type: 'espinudp', typeNumber: 2, sport: 4500, dport: 4501, oa: '2001:db8::77' });
});

t.test('ACQUIRE (build_acquire) for the second of two esp templates of other families: src and dst of the template asked for, not of the first of its protocol', async (t) => {
  const ev = decode(EVENTS.cases['acquire-second-template-v4-after-v6']!) as Extract<XfrmEvent, { type: 'acquire' }>;
  t.equal(ev.type, 'acquire');
  const a = ev.acquire;
  t.same([a.seq, a.family, a.src, a.dst, a.proto, a.spi], [77, 4, '192.0.2.1', '192.0.2.2', 'esp', 0]);
  t.same(a.policy.templates.map((x) => [x.family, x.src, x.reqid]), [[6, '2001:db8::1', 1], [4, '192.0.2.1', 2]], 'both templates');
  t.equal(a.template, a.policy.templates[1], 'the template asked for: the second (reqid 2, for allocSpi)');
});

t.test('truncated key-manager messages are DecodeErrors, not misreads', async (t) => {
  for (const name of ['report-hao-coa', 'mapping-esp-in-udp', 'migrate-v4-to-v6-kmaddress-encap-sub', 'aevent-esn-update']) {
    const b = Buffer.from(EVENTS.cases[name]!, 'hex').subarray(0, 16 + 20);
    b.writeUInt32LE(b.length, 0);
    t.throws(() => decodeXfrmEvent(b, new DataView(b.buffer, b.byteOffset, b.byteLength), 0, b.length), DecodeError, name);
  }
  // An acquire's struct cut short, and a default action the kernel never stores.
  const acq = Buffer.alloc(16 + 100);
  acq.writeUInt32LE(acq.length, 0);
  acq.writeUInt16LE(23 /* XFRM_MSG_ACQUIRE */, 4);
  t.throws(() => decodeXfrmEvent(acq, new DataView(acq.buffer, acq.byteOffset, acq.byteLength), 0, acq.length), DecodeError, 'acquire');
  const def = Buffer.from('1400000028000000000000000000000001070100', 'hex');
  t.throws(() => decodeXfrmEvent(def, new DataView(def.buffer, def.byteOffset, def.byteLength), 0, def.length), /fwd is 7/, 'a default action of 7');
});

t.test('an attribute of a key-manager message too short for its struct is a DecodeError, not a read of the bytes after it', async (t) => {
  // The fixture with one more attribute, of length 0, at its end; the buffer goes on (as a
  // receive buffer holding the next message does) with bytes a misread would take.
  const cut = (name: string, type: number): Buffer => {
    const msg = Buffer.from(EVENTS.cases[name]!, 'hex');
    const b = Buffer.concat([msg, Buffer.from([4, 0, type, 0]), Buffer.alloc(16, 0x01)]);
    b.writeUInt32LE(msg.length + 4, 0);
    return b;
  };
  const cases: [string, number, string][] = [
    ['migrate-v4-to-v6-kmaddress-encap-sub', 16, 'XFRMA_POLICY_TYPE'], ['migrate-v4-to-v6-kmaddress-encap-sub', 17, 'XFRMA_MIGRATE'],
    ['acquire-second-template-v4-after-v6', 16, 'XFRMA_POLICY_TYPE'], ['acquire-second-template-v4-after-v6', 21, 'XFRMA_MARK'], ['acquire-second-template-v4-after-v6', 31, 'XFRMA_IF_ID'],
  ];
  for (const [name, type, what] of cases) {
    const b = cut(name, type);
    t.throws(() => decodeXfrmEvent(b, new DataView(b.buffer, b.byteOffset, b.byteLength), 0, b.readUInt32LE(0)), DecodeError, `${name}: an empty ${what}`);
  }
  // An XFRMA_MIGRATE that is not a whole number of xfrm_user_migrate.
  const msg = Buffer.from(EVENTS.cases['migrate-v4-to-v6-kmaddress-encap-sub']!, 'hex');
  const b = Buffer.concat([msg, Buffer.from([4 + 40, 0, 17, 0]), Buffer.alloc(40, 0x0a)]);
  b.writeUInt32LE(b.length, 0);
  t.throws(() => decodeXfrmEvent(b, new DataView(b.buffer, b.byteOffset, b.byteLength), 0, b.length), DecodeError, 'an XFRMA_MIGRATE of 40 bytes');
});

const root = fileURLToPath(new URL('../../../', import.meta.url));
const haveCc = spawnSync('cc', ['--version']).status === 0 && spawnSync('python3', ['--version']).status === 0 && spawnSync('test', ['-f', '/usr/include/linux/xfrm.h']).status === 0;

t.test('test/fixtures/xfrm/events.json is what scripts/gen-xfrm-event-fixtures.py builds with this machine\'s <linux/xfrm.h>', { skip: !haveCc && 'needs cc, python3 and the kernel headers' }, async (t) => {
  const r = spawnSync('python3', [`${root}scripts/gen-xfrm-event-fixtures.py`], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, readFileSync(`${root}test/fixtures/xfrm/events.json`, 'utf8'), 'the committed fixtures are the generator\'s output');
});

t.test('policy.migrate moves a tunnel template to new endpoints (another family too); the migrate event; ENOENT / ENODATA named; bad specs refused before sending', privileged, async (t) => {
  const { ns, xf } = fixture(t);
  const sel = { src: '10.1.0.0/24', dst: '10.2.0.0/24' };
  await xf.policy.add({ selector: sel, dir: 'out', ifId: 9, templates: [{ proto: 'comp', mode: 'transport' }, { src: '192.0.2.1', dst: '192.0.2.2', proto: 'esp', mode: 'tunnel', reqid: 5 }] });
  const before = await xf.policy.list();
  const mon = await xf.monitor(['migrate']);
  const move = { reqid: 5, old: { src: '192.0.2.1', dst: '192.0.2.2' }, new: { src: '2001:db8::1', dst: '2001:db8::2' } };
  await t.rejects(xf.policy.migrate({ selector: sel, dir: 'out', migrations: [move] }), { code: 'ENOENT' }, 'the policy has if_id 9: without it, no such policy');
  await xf.policy.migrate({ selector: sel, dir: 'out', ifId: 9, migrations: [move], kmaddress: { local: '2001:db8::1', remote: '2001:db8::2' } });
  const after = (await xf.policy.list())[0]!;
  t.same(after.templates.map((x) => [x.proto, x.mode, x.family, x.src, x.dst, x.reqid]), [['comp', 'transport', 4, '0.0.0.0', '0.0.0.0', 0], ['esp', 'tunnel', 6, '2001:db8::1', '2001:db8::2', 5]], 'the tunnel template moved, the transport one kept');
  t.match(ip(ns.path, ['xfrm', 'policy']), /tmpl src 2001:db8::1 dst 2001:db8::2\s+proto esp reqid 5 mode tunnel/, 'as ip lists it');
  t.same({ ...after, templates: before[0]!.templates, current: before[0]!.current }, before[0], 'nothing else of the policy changed');
  const [ev] = await take(mon, 1);
  t.same(ev, {
    type: 'migrate',
    migrate: {
      selector: after.selector, dir: 'out', dirNumber: 1, ptype: 'main', unknown: [],
      migrations: [{ proto: 'esp', protoNumber: 50, mode: 'tunnel', modeNumber: 1, reqid: 5, old: { family: 4, src: '192.0.2.1', dst: '192.0.2.2' }, new: { family: 6, src: '2001:db8::1', dst: '2001:db8::2' } }],
      kmaddress: { family: 6, local: '2001:db8::1', remote: '2001:db8::2' },
    },
  }, 'the event says what moved (this kernel multicasts it in the namespace that migrated)');
  const again = await xf.policy.migrate({ selector: sel, dir: 'out', ifId: 9, migrations: [move] }).catch((e: unknown) => e);
  t.match(again, { code: 'ENODATA', message: /no template of the policy has the old endpoints/ }, 'no template has the old endpoints any more: ENODATA, explained');

  const bad = (migrations: unknown, extra: object = {}): Promise<void> => xf.policy.migrate({ selector: sel, dir: 'out', ifId: 9, migrations, ...extra } as never);
  await t.rejects(bad([]), { name: 'InvalidArgumentError', argument: 'spec.migrations' }, 'no move');
  await t.rejects(bad(Array.from({ length: 7 }, (_, i) => ({ old: { src: `192.0.2.${i + 1}`, dst: '192.0.2.99' }, new: { src: '198.51.100.1', dst: '198.51.100.2' } }))), /1 to 6 moves/, 'more than XFRM_MAX_DEPTH');
  await t.rejects(bad([{ ...move, new: { src: '0.0.0.0', dst: '198.51.100.2' } }]), { name: 'InvalidArgumentError', argument: 'spec.migrations[0].new.src' }, 'a new endpoint that is any');
  await t.rejects(bad([{ ...move, new: { src: '198.51.100.1', dst: '2001:db8::2' } }]), { name: 'InvalidArgumentError', argument: 'spec.migrations[0].new' }, 'new endpoints of two families');
  await t.rejects(bad([move, { ...move, new: { src: '198.51.100.1', dst: '198.51.100.2' } }]), { name: 'InvalidArgumentError', argument: 'spec.migrations[1]' }, 'two moves of the same old endpoints, proto, mode and reqid');
  await t.rejects(bad([{ ...move, mode: 'tunel' }]), { name: 'InvalidArgumentError', argument: 'spec.migrations[0].mode' }, 'an unknown mode');
  await t.rejects(bad([{ ...move, spi: 1 }]), { name: 'InvalidArgumentError', argument: 'spec.migrations[0]' }, 'an unknown key of a move');
  await t.rejects(bad([move], { kmaddress: { local: '192.0.2.1', remote: '2001:db8::2' } }), { name: 'InvalidArgumentError', argument: 'spec.kmaddress' }, 'kmaddress of two families');
  await t.rejects(bad([move], { encap: { type: 'espinudp', sport: 4500, dport: 4500, oa: '192.0.2.9' } }), { name: 'InvalidArgumentError', argument: 'spec.encap.oa' }, 'an encap address of the old family');
  await t.rejects(bad('x'), { name: 'InvalidArgumentError', argument: 'spec.migrations' }, 'not an array');
  t.same((await xf.policy.list())[0]!.templates, after.templates, 'the refused calls changed nothing');
  mon.close();
});

t.test('getAe: a state\'s counters and thresholds (a larval one here), as the state itself has them; setAe refused by the kernel for a larval state, bad counters refused before sending', privileged, async (t) => {
  const { xf } = fixture(t);
  const st = await xf.state.allocSpi({ src: '192.0.2.1', dst: '192.0.2.2', proto: 'esp', reqid: 3, mark: { value: 5, mask: 0xff } });
  const ae = await xf.state.getAe(st);
  const again = await xf.state.get(st);
  t.same([ae.family, ae.src, ae.dst, ae.spi, ae.proto, ae.reqid, ae.mark], [4, again.src, again.dst, again.spi, 'esp', 3, again.mark], 'the state\'s id, reqid and mark');
  t.same(ae.current, again.current, 'its lifetime counters (add time included)');
  t.same(ae.replay, { oseq: 0, seq: 0, bitmap: 0 }, 'a fresh replay state');
  t.equal(ae.cause, undefined, 'no cause in an answer');
  t.type(ae.replayThreshold, 'number', 'both thresholds asked and answered');
  t.type(ae.eventTimer, 'number');
  await t.rejects(xf.state.getAe({ dst: '192.0.2.2', proto: 'esp', spi: 0x999 }), { code: 'ESRCH', message: /no such state/ }, 'a missing state');
  await t.rejects(xf.state.setAe(st, { replay: { seq: 5 } }), { code: 'EINVAL', message: /VALID state|complete state/ }, 'the kernel sets only a complete state\'s counters');
  const bad = (c: unknown): Promise<void> => xf.state.setAe(st, c as never);
  await t.rejects(bad({}), { name: 'InvalidArgumentError', argument: 'counters' }, 'nothing to set');
  await t.rejects(bad({ replay: { seq: 1 }, replayEsn: { replayWindow: 32, bitmap: [0] } }), { name: 'InvalidArgumentError', argument: 'counters' }, 'both kinds of replay state');
  await t.rejects(bad({ replayEsn: { replayWindow: 64, bitmap: [0] } }), { name: 'InvalidArgumentError', argument: 'counters.replayEsn.bitmap' }, 'a window longer than the bitmap');
  await t.rejects(bad({ replay: { seq: -1 } }), { name: 'InvalidArgumentError', argument: 'counters.replay.seq' }, 'a negative counter');
  await t.rejects(bad({ current: { bytes: 5 } }), { name: 'InvalidArgumentError', argument: 'counters.current.bytes' }, 'a u64 that is not a bigint');
  await t.rejects(bad({ replayThreshold: 1.5 }), { name: 'InvalidArgumentError', argument: 'counters.replayThreshold' }, 'a fraction');
  await t.rejects(bad({ replay: { seq: 1, window: 3 } }), { name: 'InvalidArgumentError', argument: 'counters.replay' }, 'an unknown key');
  t.same(await xf.state.getAe(st), ae, 'nothing changed');
});

t.test('NEWAE and GETAE requests are byte-equal to a C program\'s (the kernel refuses NEWAE of a larval state, so not sent live)', async (t) => {
  const w = new MessageWriter(4096);
  const body = (b: Buffer): string => Buffer.concat([b.subarray(0, 8), b.subarray(16)]).toString('hex'); // length, type, flags, payload; not seq or pid
  const fromC = (name: string): string => body(Buffer.from(EVENTS.cases[name]!, 'hex'));
  const newae = xfrmRequestBytes(w, 'newae', { dst: '192.0.2.2', src: '192.0.2.1', proto: 'esp', spi: 0x1000, mark: { value: 7, mask: 0xff } },
    { replay: { oseq: 500, seq: 400, bitmap: 0xf0f0f0f0 }, current: { bytes: 1n << 40n, packets: 77n, addTime: 1700000000n }, replayThreshold: 10, eventTimer: 50 });
  t.equal(body(newae), fromC('newae-request'), 'NEWAE');
  const getae = xfrmRequestBytes(w, 'getae', { dst: '2001:db8::2', proto: 'ah', spi: 0xabcdef01 });
  t.equal(body(getae), fromC('getae-request'), 'GETAE');
});

t.test('an aevent (build_aevent after a NEWAE): cause, ESN counters, lifetime counters, thresholds, mark, if_id', async (t) => {
  const ev = decode(EVENTS.cases['aevent-esn-update']!);
  t.same(ev, {
    type: 'aevent',
    ae: {
      family: 6, dst: '2001:db8::2', src: '2001:db8::1', spi: 0x1234, proto: 'esp', protoNumber: 50, reqid: 9, cause: 'update', flagBits: 64 | 1 | 8, unknown: [],
      replayEsn: { oseq: 100, seq: 90, oseqHi: 1, seqHi: 2, replayWindow: 64, bitmap: [0xffff0000, 1] },
      current: { bytes: 123456789012n, packets: 4242n, addTime: 1700000000n, useTime: 1700000100n },
      replayThreshold: 32, eventTimer: 100, mark: { value: 7, mask: 0xff }, ifId: 3,
    },
  });
});

t.test('policy.migrate: moves of the same old endpoints but another protocol (an AH and an ESP template of one tunnel) are one migration, as the kernel accepts it', privileged, async (t) => {
  const { xf } = fixture(t);
  const sel = { src: '10.1.0.0/24', dst: '10.2.0.0/24' };
  const ends = { src: '192.0.2.1', dst: '192.0.2.2' };
  await xf.policy.add({ selector: sel, dir: 'out', templates: [{ ...ends, proto: 'ah', mode: 'tunnel', reqid: 5 }, { ...ends, proto: 'esp', mode: 'tunnel', reqid: 5 }] });
  const to = { src: '198.51.100.1', dst: '198.51.100.2' };
  await xf.policy.migrate({ selector: sel, dir: 'out', migrations: [{ proto: 'ah', reqid: 5, old: ends, new: to }, { proto: 'esp', reqid: 5, old: ends, new: to }] });
  t.same((await xf.policy.list())[0]!.templates.map((x) => [x.proto, x.src, x.dst]), [['ah', to.src, to.dst], ['esp', to.src, to.dst]], 'both templates moved');
  // The same endpoints, proto and mode, other reqids: also unique to the kernel.
  await xf.policy.migrate({ selector: sel, dir: 'out', migrations: [{ proto: 'esp', reqid: 5, old: to, new: ends }, { proto: 'esp', reqid: 6, old: to, new: ends }] });
  t.same((await xf.policy.list())[0]!.templates.map((x) => [x.proto, x.src, x.dst]), [['ah', to.src, to.dst], ['esp', ends.src, ends.dst]], 'the esp template of reqid 5 moved back');
});

t.test('policy.migrate finds the policy as a packet between the selector\'s addresses would (Linux 6.12+): a broader policy of higher priority is the one moved', privileged, async (t) => {
  const { xf } = fixture(t);
  const ends = { src: '192.0.2.1', dst: '192.0.2.2' };
  const to = { src: '198.51.100.1', dst: '198.51.100.2' };
  await xf.policy.add({ selector: { src: '10.1.0.0/24', dst: '10.2.0.0/24' }, dir: 'out', priority: 10, templates: [{ ...ends, proto: 'esp', mode: 'tunnel' }] });
  await xf.policy.add({ selector: { src: '10.0.0.0/8', dst: '10.0.0.0/8' }, dir: 'out', priority: 5, templates: [{ ...ends, proto: 'esp', mode: 'tunnel' }] });
  await xf.policy.migrate({ selector: { src: '10.1.0.0/24', dst: '10.2.0.0/24' }, dir: 'out', migrations: [{ old: ends, new: to }] });
  const moved = (await xf.policy.list()).map((p) => [p.selector.src, p.templates[0]!.dst]).sort();
  t.same(moved, [['10.0.0.0/8', to.dst], ['10.1.0.0/24', ends.dst]], 'the /8 policy (priority 5) moved, not the one with the selector given');
  const e = await xf.policy.migrate({ selector: { src: '172.16.0.0/12', dst: '10.2.0.0/24' }, dir: 'out', migrations: [{ old: ends, new: to }] }).catch((x: unknown) => x);
  t.match(e, { code: 'ENOENT' }, 'no policy covers those addresses: ENOENT');
});
