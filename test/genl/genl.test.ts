// Generic netlink (Genl): the controller's families against `genl ctrl list` / `genl ctrl
// get` (iproute2) in the same fresh netns, field by field; an unknown family; requests
// to a family by name — ethtool's channels of a veth read (ETHTOOL_MSG_CHANNELS_GET),
// changed (CHANNELS_SET) and checked in the netns's own sysfs, dumped over every device,
// and refused with the kernel's words; bad input refused before anything is sent.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { ClosedError, Genl, InvalidArgumentError, NetlinkError, decodeAttributes, type GenlFamily, type MessageWriter } from '../../src/index.js';
import { fdCount, inNs, ip, privileged, rawNetns, sysfsQueues as queues } from '../helpers.js';

// <linux/ethtool_netlink.h>: user→kernel ETHTOOL_MSG_CHANNELS_GET 17, _SET 18; kernel→user
// ETHTOOL_MSG_CHANNELS_GET_REPLY 18; ETHTOOL_A_CHANNELS_HEADER 1 (nest: ETHTOOL_A_HEADER_DEV_NAME 2),
// _RX_MAX 2, _TX_MAX 3, _RX_COUNT 6, _TX_COUNT 7.
const CHANNELS_GET = 17, CHANNELS_SET = 18, CHANNELS_GET_REPLY = 18;
const A_HEADER = 1, A_HEADER_DEV_NAME = 2, A_RX_MAX = 2, A_TX_MAX = 3, A_RX_COUNT = 6, A_TX_COUNT = 7;
const header = (dev: string) => (w: MessageWriter): void => {
  const h = w.nestStart(A_HEADER);
  w.putStrz(A_HEADER_DEV_NAME, dev);
  w.nestEnd(h);
};

/** `genl ctrl list` (or `get name N`) output as GenlFamily objects. */
/** A GenlFamily as this parser fills it in. */
type Parsed = { id: number; name: string; version: number; hdrSize: number; maxAttr: number; ops: { id: number; flags: string[]; rawFlags: number }[]; groups: { id: number; name: string }[] };

function genlFamilies(nsPath: string, args: string[]): GenlFamily[] {
  const out = inNs(nsPath, 'genl', ['ctrl', ...args]);
  const fams: Parsed[] = [];
  let f: Parsed | undefined;
  let section: 'ops' | 'groups' | undefined;
  for (const line of out.split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^Name: (\S+)/.exec(line))) {
      f = { id: 0, name: m[1]!, version: 0, hdrSize: 0, maxAttr: 0, ops: [], groups: [] };
      fams.push(f);
      section = undefined;
    } else if (f && (m = /ID: (0x[0-9a-f]+)\s+Version: (0x[0-9a-f]+)\s+header size: (\d+)\s+max attribs: (\d+)/.exec(line))) {
      f.id = Number(m[1]);
      f.version = Number(m[2]);
      f.hdrSize = Number(m[3]);
      f.maxAttr = Number(m[4]);
    } else if (/commands supported/.test(line)) section = 'ops';
    else if (/multicast groups/.test(line)) section = 'groups';
    else if (f && section === 'ops' && (m = /#\d+:\s+ID-(0x[0-9a-f]+)/.exec(line))) f.ops.push({ id: Number(m[1]), flags: [], rawFlags: 0 });
    else if (f && section === 'ops' && (m = /Capabilities \((0x[0-9a-f]+)\)/.exec(line))) f.ops[f.ops.length - 1]!.rawFlags = Number(m[1]);
    else if (f && section === 'groups' && (m = /#\d+:\s+ID-(0x[0-9a-f]+)\s+name: (\S+)/.exec(line))) f.groups.push({ id: Number(m[1]), name: m[2]! });
  }
  return fams;
}

/**
 * What genl prints of a family: everything but the op flag names — and the op flags only
 * for families of version 2 or later (iproute2's genl prints no "Capabilities" for the
 * others here, though the kernel sends CTRL_ATTR_OP_FLAGS for them too: ethtool's ops
 * come with theirs, checked below by what they must be).
 */
const printed = (f: GenlFamily) => ({ ...f, ops: f.ops.map((o) => ({ id: o.id, rawFlags: f.version >= 2 ? o.rawFlags : 0 })) });


/** A decoded reply's u32 attributes by type (others as hex). */
function u32s(attrs: Buffer): Record<number, number | string> {
  const out: Record<number, number | string> = {};
  for (const a of decodeAttributes(attrs)) out[a.type] = a.value.length === 4 ? Buffer.from(a.value).readUInt32LE(0) : Buffer.from(a.value).toString('hex');
  return out;
}

function fixture(t: { teardown(fn: () => void): void }): { ns: ReturnType<typeof rawNetns>; genl: Genl } {
  const ns = rawNetns();
  const genl = Genl.open({ netns: ns.fd });
  t.teardown(() => {
    genl.close();
    ns.close();
  });
  return { ns, genl };
}

t.test('families(): every family as `genl ctrl list` prints it, in the same netns', privileged, async (t) => {
  const { ns, genl } = fixture(t);
  const mine = await genl.families();
  const theirs = genlFamilies(ns.path, ['list']);
  t.ok(mine.length >= 2, `${mine.length} families`);
  t.same(mine.map(printed), theirs.map(printed), 'ids, versions, header sizes, max attributes, operations with their flags, multicast groups');
  const ctrl = mine.find((f) => f.name === 'nlctrl')!;
  t.equal(ctrl.id, 0x10, 'nlctrl has the fixed id GENL_ID_CTRL');
  t.same(ctrl.ops.find((o) => o.id === 3)?.flags, ['do', 'dump', 'has-policy'], 'op flags by name (CTRL_CMD_GETFAMILY: 0xe)');
});

t.test('family(name): one family as `genl ctrl get name` prints it, asked once per handle', privileged, async (t) => {
  const { ns, genl } = fixture(t);
  const before = genl.sock.stats.requests;
  const e = await genl.family('ethtool');
  t.same(printed(e), printed(genlFamilies(ns.path, ['get', 'name', 'ethtool'])[0]!), 'as genl prints it');
  t.ok(e.groups.some((g) => g.name === 'monitor'), "ethtool's multicast group 'monitor'");
  t.same(e.ops.find((o) => o.id === 17)?.flags, ['do', 'dump', 'has-policy'], 'ETHTOOL_MSG_CHANNELS_GET: do, dump, with a policy');
  t.same(e.ops.find((o) => o.id === 18)?.flags, ['do', 'has-policy', 'uns-admin-perm'], 'ETHTOOL_MSG_CHANNELS_SET: do only, CAP_NET_ADMIN in the netns\'s user namespace');
  t.equal(genl.sock.stats.requests, before + 1, 'one request');
  t.equal(await genl.family('ethtool'), e, 'asked again: the remembered object');
  t.equal(genl.sock.stats.requests, before + 1, 'and no request');
  t.ok(Object.isFrozen(e) && Object.isFrozen(e.ops) && Object.isFrozen(e.ops[0]!.flags) && Object.isFrozen(e.groups[0]), 'the family handed out is frozen (later lookups get the same object)');
  t.throws(() => { (e.groups as { id: number; name: string }[]).push({ id: 1, name: 'x' }); }, TypeError, 'so a caller cannot change it for the next one');
  t.same(await genl.family('ethtool', { refresh: true }), e, 'refresh: asked again');
  t.equal(genl.sock.stats.requests, before + 2, 'one more request');

  const err = await genl.family('nlkit_nope').then(() => undefined, (x: unknown) => x);
  t.ok(err instanceof NetlinkError, 'an unknown family: NetlinkError');
  t.equal((err as NetlinkError).code, 'ENOENT');
  t.match((err as NetlinkError).message, /no generic netlink family 'nlkit_nope' \(not built in, or its module not loaded\)/);
  t.not(spawnSync('nsenter', [`--net=${ns.path}`, 'genl', 'ctrl', 'get', 'name', 'nlkit_nope']).status, 0, 'genl fails there too');
});

t.test('concurrent lookups of one family: one request, one object; a failed lookup is not remembered', privileged, async (t) => {
  const { genl } = fixture(t);
  const before = genl.sock.stats.requests;
  const all = await Promise.all([genl.family('ethtool'), genl.family('ethtool'), genl.request('ethtool', 17, { attrs: header('lo') }).catch(() => undefined), genl.family('ethtool')]);
  t.equal(genl.sock.stats.requests, before + 2, 'one lookup for the four callers (and the request itself)');
  t.ok(all[1] === all[0] && all[3] === all[0], 'every concurrent caller gets the same object');
  t.equal(await genl.family('ethtool'), all[0], 'and so does a later one');
  const r = genl.sock.stats.requests;
  const refreshed = await genl.family('ethtool', { refresh: true });
  t.equal(genl.sock.stats.requests, r + 1, 'refresh: asked again');
  t.equal(await genl.family('ethtool'), refreshed, 'and the refreshed object is the one remembered');
  const misses = await Promise.allSettled([genl.family('nlkit_nope'), genl.family('nlkit_nope')]);
  t.same(misses.map((m) => m.status === 'rejected' && (m.reason as NetlinkError).code), ['ENOENT', 'ENOENT'], 'a missing family: each caller gets ENOENT');
  const n = genl.sock.stats.requests;
  await t.rejects(genl.family('nlkit_nope'), { code: 'ENOENT' }, 'asked again after the failure: ENOENT');
  t.equal(genl.sock.stats.requests, n + 1, 'with a new request (a failure is not remembered: the module may be loaded since)');
});

t.test("request/dump to a family by name: ethtool's channels of a veth read, changed and checked in sysfs, dumped, refused", privileged, async (t) => {
  const { ns, genl } = fixture(t);
  ip(ns.path, ['link', 'add', 'v0', 'numtxqueues', '3', 'numrxqueues', '3', 'type', 'veth', 'peer', 'name', 'v1']);
  t.equal(queues(ns.path, 'v0'), 'rx-0 rx-1 rx-2 tx-0 tx-1 tx-2', 'three queues each way (the queue counts given: the kernel keeps them all)');

  const got = await genl.request('ethtool', CHANNELS_GET, { attrs: header('v0') });
  t.equal(got.length, 1, 'one reply before the ACK');
  const r = got[0]!;
  t.same({ family: r.family, cmd: r.cmd, version: r.version, header: r.header.length }, { family: (await genl.family('ethtool')).id, cmd: CHANNELS_GET_REPLY, version: 1, header: 0 }, 'ETHTOOL_MSG_CHANNELS_GET_REPLY of family ethtool');
  const a = u32s(r.attrs);
  t.same([a[A_RX_MAX], a[A_TX_MAX], a[A_RX_COUNT], a[A_TX_COUNT]], [3, 3, 3, 3], 'max and count of each, as sysfs shows');

  // ETHTOOL_MSG_CHANNELS_SET: a command that only acts answers with the ACK alone.
  t.same(await genl.request('ethtool', CHANNELS_SET, { attrs: (w) => { header('v0')(w); w.putU32(A_RX_COUNT, 2); w.putU32(A_TX_COUNT, 1); } }), [], 'CHANNELS_SET: no reply, acknowledged');
  t.equal(queues(ns.path, 'v0'), 'rx-0 rx-1 tx-0', 'the kernel changed the queues');
  const again = u32s((await genl.request('ethtool', CHANNELS_GET, { attrs: header('v0') }))[0]!.attrs);
  t.same([again[A_RX_COUNT], again[A_TX_COUNT]], [2, 1], 'and says so');

  // A dump over every device of the netns that has channels: both veth ends, lo not.
  const all = await genl.dump('ethtool', CHANNELS_GET);
  const devs = all.map((m) => {
    const h = decodeAttributes(m.attrs).find((x) => x.type === A_HEADER)!;
    const name = decodeAttributes(h.value).find((x) => x.type === A_HEADER_DEV_NAME)!;
    return Buffer.from(name.value).toString('utf8').replace(/\0.*$/, '');
  });
  t.same(devs.sort(), ['v0', 'v1'], 'a reply per device with channels');

  // By id, the same.
  const byId = await genl.request((await genl.family('ethtool')).id, CHANNELS_GET, { attrs: header('v1') });
  t.equal(byId[0]?.cmd, CHANNELS_GET_REPLY, 'a family given by id');

  // The kernel's refusals, in its words, naming the family and the command.
  const e1 = await genl.request('ethtool', CHANNELS_GET, { attrs: header('nope0') }).then(() => undefined, (x: unknown) => x);
  t.ok(e1 instanceof NetlinkError && e1.code === 'ENODEV', `no such device: ${(e1 as Error).message}`);
  t.match((e1 as Error).message, /no device matches name.*\(ethtool cmd 17\)/, "the extended ACK's text, the family and command");
  const e2 = await genl.request('ethtool', CHANNELS_SET, { attrs: (w) => { header('v0')(w); w.putU32(A_RX_COUNT, 9); } }).then(() => undefined, (x: unknown) => x);
  t.ok(e2 instanceof NetlinkError && e2.code === 'EINVAL', `more channels than the device has: ${(e2 as Error).message}`);
  t.equal(queues(ns.path, 'v0'), 'rx-0 rx-1 tx-0', 'and nothing changed');
});

t.test('request flags: NLM_F_EXCL, NLM_F_CREATE and NLM_F_REPLACE are a request\'s (the docs name them); only both dump bits make a dump', privileged, async (t) => {
  const { genl } = fixture(t);
  const getNlctrl = (w: MessageWriter): void => {
    w.putStrz(2 /* CTRL_ATTR_FAMILY_NAME */, 'nlctrl');
  };
  // NLM_F_REPLACE 0x100 is NLM_F_ROOT's bit and NLM_F_EXCL 0x200 NLM_F_MATCH's: the kernel dumps only when both are set.
  for (const [name, flags] of [['NLM_F_EXCL', 0x200], ['NLM_F_CREATE|NLM_F_EXCL', 0x600], ['NLM_F_REPLACE', 0x100]] as const) {
    const r = await genl.request('nlctrl', 3, { flags, attrs: getNlctrl }).catch((e: unknown) => e);
    t.ok(Array.isArray(r) && r.length === 1 && r[0]!.cmd === 1, `${name}: sent as a request, one CTRL_CMD_NEWFAMILY back (got ${r instanceof Error ? r.message : JSON.stringify(r)})`);
  }
  await t.rejects(genl.request('nlctrl', 3, { flags: 0x300 }), { name: 'InvalidArgumentError', argument: 'flags' }, 'NLM_F_DUMP (both bits): refused, call dump()');
});

t.test('bad input is refused before anything is sent, naming the argument; a closed handle says so', privileged, async (t) => {
  const { genl } = fixture(t);
  await genl.family('ethtool');
  const before = genl.sock.stats.requests;
  const cases: [string, () => Promise<unknown>, string][] = [
    ['an empty family name', () => genl.request('', 1), 'family'],
    ['a family name too long', () => genl.request('a_very_long_family_name', 1), 'family'],
    ['a family id below GENL_ID_CTRL', () => genl.request(3, 1), 'family'],
    ['a family id past GENL_MAX_ID', () => genl.request(1024, 1), 'family'],
    ['a command past 255', () => genl.request('ethtool', 256), 'cmd'],
    ['a negative command', () => genl.request('ethtool', -1), 'cmd'],
    ['attrs not a function', () => genl.request('ethtool', 17, { attrs: 'x' as never }), 'attrs'],
    ['a version past 255', () => genl.request('ethtool', 17, { version: 300 }), 'version'],
    ['a header for a family without one', () => genl.request('ethtool', 17, { header: Buffer.alloc(4) }), 'header'],
    ['flags not a number', () => genl.request('ethtool', 17, { flags: '1' as never }), 'flags'],
    ['an unknown option', () => genl.request('ethtool', 17, { atrs: () => undefined } as never), 'atrs'],
    ['an unknown family option', () => genl.family('ethtool', { refersh: true } as never), 'refersh'],
    ['NLM_F_DUMP in a request', () => genl.request('ethtool', 17, { flags: 0x300 }), 'flags'],
    ['refresh not a boolean', () => genl.family('ethtool', { refresh: 'no' as never }), 'refresh'],
    ['a dump with a bad command', () => genl.dump('ethtool', 1.5), 'cmd'],
  ];
  for (const [what, call, arg] of cases) {
    const e = await call().then(() => undefined, (x: unknown) => x);
    t.ok(e instanceof InvalidArgumentError, `${what}: InvalidArgumentError (${(e as Error)?.message})`);
    t.equal((e as InvalidArgumentError).argument, arg, `${what}: names ${arg}`);
  }
  t.equal(genl.sock.stats.requests, before, 'no request left the handle');
  t.throws(() => Genl.open({ netsn: 3 } as never), InvalidArgumentError, 'Genl.open refuses an unknown option');
  genl.close();
  const e = await genl.families().then(() => undefined, (x: unknown) => x);
  t.ok(e instanceof ClosedError, 'a closed handle: ClosedError');
  t.match((e as Error).message, /Genl handle/, 'naming the Genl handle');
  const remembered = await genl.family('ethtool').then(() => undefined, (x: unknown) => x);
  t.ok(remembered instanceof ClosedError, 'family() of a family the closed handle remembers: ClosedError too, not the remembered answer');
  await t.rejects(genl.request('ethtool', 17), ClosedError, 'and request() to it');
  genl.close();
  t.pass('close twice is fine');
});

t.test("monitor(family, groups): ethtool's notifications of channel changes, in order, none lost before the first next(); the ways it ends", privileged, async (t) => {
  const { ns, genl } = fixture(t);
  ip(ns.path, ['link', 'add', 'v0', 'numtxqueues', '4', 'numrxqueues', '4', 'type', 'veth', 'peer', 'name', 'v1']);
  const fds0 = fdCount();
  const other = Genl.open({ netns: ns.fd });
  t.teardown(() => other.close());
  const CHANNELS_NTF = 19; // kernel→user ETHTOOL_MSG_CHANNELS_NTF
  const setRx = (dev: string, n: number) => other.request('ethtool', CHANNELS_SET, { attrs: (w) => { header(dev)(w); w.putU32(A_RX_COUNT, n); } });
  const devOf = (attrs: Buffer): string => {
    const h = decodeAttributes(attrs).find((x) => x.type === A_HEADER)!;
    return Buffer.from(decodeAttributes(h.value).find((x) => x.type === A_HEADER_DEV_NAME)!.value).toString('utf8').replace(/\0.*$/, '');
  };

  const mon = await genl.monitor('ethtool', ['monitor']);
  t.same([...mon.groups.keys()], ['monitor'], 'joined by name');
  t.equal(mon.groups.get('monitor'), (await genl.family('ethtool')).groups.find((g) => g.name === 'monitor')!.id, 'the id the controller gave');
  // Three changes made before anything is read: queued by the kernel, yielded in order.
  await setRx('v0', 3);
  await setRx('v0', 2);
  await setRx('v1', 1);
  const seen: string[] = [];
  for await (const ev of mon) {
    if (ev.type !== 'message') {
      t.fail(`unexpected ${ev.type}`);
      break;
    }
    t.equal(ev.message.cmd, CHANNELS_NTF, 'ETHTOOL_MSG_CHANNELS_NTF');
    seen.push(`${devOf(ev.message.attrs)} rx ${String(u32s(ev.message.attrs)[A_RX_COUNT])}`);
    if (seen.length === 3) break;
  }
  t.same(seen, ['v0 rx 3', 'v0 rx 2', 'v1 rx 1'], 'each change, in order, with the new count');
  t.ok(mon.closed, 'break closed the monitor');
  t.same(await mon.next(), { done: true, value: undefined }, 'and next() says done');

  // Overrun: the test after this one.

  // The signal: next() rejects with its reason, the socket is closed.
  const ac = new AbortController();
  const watched = await genl.monitor('ethtool', ['monitor'], { signal: ac.signal });
  const pending = watched.next();
  ac.abort();
  const err = await pending.then(() => undefined, (x: unknown) => x);
  t.equal((err as Error)?.name, 'AbortError', 'aborting rejects the waiting next() with the reason');
  t.ok(watched.closed, 'and closes the monitor');
  t.same(await watched.next(), { done: true, value: undefined }, 'the error once, then done (as rt.monitor)');
  const ac2 = new AbortController();
  const idle = await genl.monitor('ethtool', ['monitor'], { signal: ac2.signal });
  ac2.abort();
  await t.rejects(idle.next(), { name: 'AbortError' }, 'aborted with nobody waiting: the next next() gets the reason');
  t.same(await idle.next(), { done: true, value: undefined }, 'then done');
  await t.rejects(genl.monitor('ethtool', ['monitor'], { signal: ac.signal }), { name: 'AbortError' }, 'an aborted signal opens nothing');

  // Bad input, before any socket is made.
  const before = fdCount();
  for (const [what, call, arg] of [
    ['a group the family lacks', () => genl.monitor('ethtool', ['nope']), 'groups'],
    ['no groups', () => genl.monitor('ethtool', []), 'groups'],
    ['a group not a string', () => genl.monitor('ethtool', [6 as never]), 'groups'],
    ['a bad family name', () => genl.monitor('', ['monitor']), 'family'],
    ['maxQueued 0', () => genl.monitor('ethtool', ['monitor'], { maxQueued: 0 }), 'maxQueued'],
    ['a signal that is not one', () => genl.monitor('ethtool', ['monitor'], { signal: {} as never }), 'signal'],
    ['an unknown option', () => genl.monitor('ethtool', ['monitor'], { maxQueue: 3 } as never), 'maxQueue'],
  ] as [string, () => Promise<unknown>, string][]) {
    const e = await call().then(() => undefined, (x: unknown) => x);
    t.ok(e instanceof InvalidArgumentError && e.argument === arg, `${what}: InvalidArgumentError naming ${arg} (${(e as Error)?.message})`);
  }
  t.match(((await genl.monitor('ethtool', ['nope']).catch((x: unknown) => x)) as Error).message, /has no multicast group 'nope' \(it has 'monitor'\)/, 'the groups it has are named');
  t.equal(fdCount(), before, 'no socket was made for them');
  // A handle that has not looked the family up yet: a bad option sends nothing either.
  const fresh = Genl.open({ netns: ns.fd });
  const rbe = await fresh.monitor('ethtool', ['monitor'], { receiveBufferSize: 10 }).then(() => undefined, (x: unknown) => x);
  t.ok(rbe instanceof InvalidArgumentError && rbe.argument === 'receiveBufferSize', `a receive buffer too small: InvalidArgumentError naming receiveBufferSize (${(rbe as Error)?.message})`);
  t.equal(fresh.sock.stats.requests, 0, 'refused before the family was looked up (no request)');
  fresh.close();

  // Closing the handle closes its monitors; every fd is back.
  const last = await genl.monitor('ethtool', ['monitor']);
  const waiting = last.next();
  genl.close();
  t.ok(last.closed, "the handle's close() closed its monitor");
  t.same(await waiting, { done: true, value: undefined }, 'and its waiting next() ends');
  other.close();
  t.equal(fdCount(), fds0 - 1, "every fd back (the fixture's handle closed too)");
});

t.test('monitor overrun: what the kernel still held is discarded, so the first change after the overrun is the next event, not lost', privileged, async (t) => {
  const { ns, genl } = fixture(t);
  ip(ns.path, ['link', 'add', 'v0', 'numtxqueues', '4', 'numrxqueues', '4', 'type', 'veth', 'peer', 'name', 'v1', 'numtxqueues', '4', 'numrxqueues', '4']);
  const other = Genl.open({ netns: ns.fd });
  t.teardown(() => other.close());
  const setRx = (dev: string, n: number) => other.request('ethtool', CHANNELS_SET, { attrs: (w) => { header(dev)(w); w.putU32(A_RX_COUNT, n); } });
  const what = (ev: { type: string; message?: { attrs: Buffer } }): string => {
    if (ev.type !== 'message') return ev.type;
    const h = decodeAttributes(ev.message!.attrs).find((x) => x.type === A_HEADER)!;
    const dev = Buffer.from(decodeAttributes(h.value).find((x) => x.type === A_HEADER_DEV_NAME)!.value).toString('utf8').replace(/\0.*$/, '');
    return `${dev} rx ${String(u32s(ev.message!.attrs)[A_RX_COUNT])}`;
  };
  // One event held, a receive buffer of a few messages: 40 changes of v0 overflow it.
  const mon = await genl.monitor('ethtool', ['monitor'], { receiveBufferSize: 1024, maxQueued: 1 });
  t.teardown(() => mon.close());
  for (let i = 0; i < 40; i++) await setRx('v0', 1 + (i % 4));
  const before: string[] = [];
  for (let i = 0; i < 45 && before.at(-1) !== 'overrun'; i++) before.push(what((await mon.next()).value!));
  t.equal(before.at(-1), 'overrun', `an overrun (${before.join(', ')})`);
  // The consumer resyncs here; the next change must reach it.
  await setRx('v1', 2);
  const timer = setTimeout(() => mon.close(), 2000);
  const next = await mon.next();
  clearTimeout(timer);
  t.equal(next.done ? 'nothing within 2 s' : what(next.value), 'v1 rx 2', 'the change made after the overrun is the next event (the older ones were discarded with the kernel\'s queue)');
});

t.test('a bare EOPNOTSUPP or EPERM of a raw request says what the family lacks or needs, from its ops', privileged, async (t) => {
  const genl = Genl.open();
  t.teardown(() => genl.close());
  const err = (p: Promise<unknown>): Promise<NetlinkError> => p.then(() => { throw new Error('resolved'); }, (e: NetlinkError) => e);
  // No such command: it read 'EOPNOTSUPP: Operation not supported (nlctrl cmd 250)'.
  const none = await err(genl.request('ethtool', 250, {}));
  t.equal(none.code, 'EOPNOTSUPP');
  t.equal(none.hint, "family 'ethtool' has no command 250", none.message);
  // A command that is there: nothing claimed about the family's ops.
  const eth = await genl.family('ethtool');
  const dumpOnly = eth.ops.find((o) => o.flags.includes('dump') && !o.flags.includes('do'));
  if (dumpOnly) {
    const d = await err(genl.request('ethtool', dumpOnly.id, {}));
    t.equal(d.hint, `family 'ethtool' has command ${dumpOnly.id} as a dump only: dump it`, d.message);
  }
  // Without CAP_NET_ADMIN: a SET of ethtool (uns-admin-perm) refused with a bare EPERM.
  const url = new URL('../../src/index.js', import.meta.url).href;
  const code = `const { Genl } = await import(${JSON.stringify(url)}); const g = Genl.open();
    try { await g.request('ethtool', ${CHANNELS_SET}, {}); console.log('resolved'); } catch (e) { console.log(e.code + ' ' + e.message); } g.close();`;
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', process.execPath, '--input-type=module', '-e', code], { encoding: 'utf8' });
  if (r.error) return void t.comment(`skipped: setpriv not available (${r.error.message})`);
  t.match(r.stdout.trim(), /^EPERM EPERM: Operation not permitted — command 18 of 'ethtool' needs CAP_NET_ADMIN in the user namespace that owns the handle's netns \(ethtool cmd 18\)$/, r.stdout + r.stderr);
});
