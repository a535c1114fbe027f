// Veth pairs for containers: the seed's example flow, collisions, atomic failure
// handling, concurrency, MacAddr, CNI interface objects, teardown.
import t from 'tap';
import { inspect } from 'node:util';
import {
  Netns, setupVeth, teardownVeth, MacAddr, randomVethName, Veth, NetlinkError, InvalidArgumentError, ClosedError, Rtnl,
} from '../../src/index.js';
import { NetlinkSocket } from '../../src/netlink/socket.js';
import { netnsPair, privileged, ip, ipJson, fdCount } from '../helpers.js';

type IpLink = Record<string, any>;

const names = (ns: Netns) => ipJson<IpLink[]>(ns.path, ['link', 'show']).map((l) => l.ifname).sort();

t.test("the seed README's example flow works, verified with ip -j in both netns", privileged, async (t) => {
  const { host, ctr } = netnsPair(t);
  const mac = MacAddr.parse('00:15:5d:1a:1f:1c');
  const veth = await setupVeth('veth0', 'veth1', 1500, mac, host, ctr);
  t.ok(veth instanceof Veth);
  const c = ipJson<IpLink[]>(ctr.path, ['link', 'show', 'dev', 'veth0'])[0]!;
  const h = ipJson<IpLink[]>(host.path, ['link', 'show', 'dev', 'veth1'])[0]!;
  t.equal(c.address, '00:15:5d:1a:1f:1c', 'container MAC set in the create message');
  t.equal(c.mtu, 1500, 'container MTU');
  t.equal(h.mtu, 1500, 'host MTU (the seed left the host end without one)');
  t.ok(c.flags.includes('UP'), 'container end up');
  t.ok(h.flags.includes('UP'), 'host end up');
  t.equal(veth.container.index, c.ifindex, 'container index read back from its own netns');
  t.equal(veth.host.index, h.ifindex, 'host index read back from its own netns');
  t.equal(veth.host.mac.toString(), h.address, 'host MAC read back');
  t.ok(veth.container.mac.equals(mac));
  t.equal(veth.container.netns, ctr);
  t.equal(veth.host.netns, host);
  t.same(veth.toCniInterfaces(), [
    { name: 'veth1', mac: h.address, mtu: h.mtu },
    { name: 'veth0', mac: '00:15:5d:1a:1f:1c', mtu: c.mtu, sandbox: ctr.path },
  ], 'CNI interfaces: host first with no sandbox; the MTU of each end (a CNI 1.1 field)');
  t.same(JSON.parse(JSON.stringify(veth)), {
    container: { name: 'veth0', index: c.ifindex, mac: '00:15:5d:1a:1f:1c', netns: ctr.path },
    host: { name: 'veth1', index: h.ifindex, mac: h.address, netns: host.path },
    mtu: 1500,
  });
  t.same(names(ctr), ['lo', 'veth0'], 'nothing else in the container netns');
  t.same(names(host), ['lo', 'veth1'], 'the peer was born in the host netns (no create-then-move)');
});

t.test('works from any netns: the caller is in neither of them', privileged, async (t) => {
  const { host, ctr } = netnsPair(t);
  const before = Netns.get();
  t.teardown(() => before.close());
  await setupVeth('eth0', '', 9000, null, host, ctr);
  const after = Netns.get();
  t.ok(after.equals(before), 'the calling thread stayed in its own netns');
  after.close();
  t.same(names(ctr), ['eth0', 'lo']);
  t.equal(names(host).length, 2);
  t.match(names(host).find((n) => n !== 'lo'), /^veth[0-9a-f]{8}$/, 'random host name');
});

t.test('random host names are retried on EEXIST; explicit names fail naming both ends and the netns', privileged, async (t) => {
  const { host, ctr } = netnsPair(t);
  await setupVeth('c0', 'vethtaken', 1500, null, host, ctr);
  // Inject the random source: the first three names clash, the fourth is free.
  const seq = ['vethtaken', 'vethtaken', 'vethtaken', 'vethfresh'];
  let calls = 0;
  const v = await setupVeth('c1', '', 1500, null, host, ctr, { randomName: () => seq[calls++]! });
  t.equal(calls, 4, 'three collisions, then success');
  t.equal(v.host.name, 'vethfresh');
  // Every random name clashes: bounded, then a clear error.
  const err = await setupVeth('c2', '', 1500, null, host, ctr, { randomName: () => 'vethtaken', maxAttempts: 5 }).catch((e) => e);
  t.ok(err instanceof NetlinkError);
  t.equal(err.code, 'EEXIST');
  t.match(err.message, /'vethtaken' already exists in the host netns \(.*\) after 5 random host names/);
  // Explicit host name clash.
  const e2 = await setupVeth('c3', 'vethtaken', 1500, null, host, ctr).catch((e) => e);
  t.match(e2.message, /cannot create veth pair c3 \(container\) \/ vethtaken \(host\): 'vethtaken' already exists in the host netns/);
  // Container name clash: never retried with another host name.
  let rnd = 0;
  const e3 = await setupVeth('c0', '', 1500, null, host, ctr, { randomName: () => `vethr${rnd++}` }).catch((e) => e);
  t.equal(rnd, 1, 'a container-side clash is not retried');
  t.match(e3.message, /'c0' already exists in the container netns \(.*\)/);
  t.same(names(ctr), ['c0', 'c1', 'lo'], 'nothing half-made in the container netns');
  t.same(names(host), ['lo', 'vethfresh', 'vethtaken'], 'nothing half-made in the host netns');
});

t.test('failure at every step leaves both netns as they were, and no fd behind', privileged, async (t) => {
  const { host, ctr } = netnsPair(t);
  await setupVeth('x0', 'hx0', 1500, null, host, ctr);
  const before = { c: names(ctr), h: names(host), fds: fdCount() };
  const closed = Netns.new();
  closed.close();
  const steps: Array<[string, () => Promise<unknown>, (e: any) => boolean]> = [
    ['MTU the kernel refuses', () => setupVeth('y0', 'hy0', 70000, null, host, ctr), (e) => e instanceof NetlinkError && e.code === 'EINVAL'],
    ['clash on the container side', () => setupVeth('x0', 'hy0', 1500, null, host, ctr), (e) => e.code === 'EEXIST'],
    ['clash on the host side', () => setupVeth('y0', 'hx0', 1500, null, host, ctr), (e) => e.code === 'EEXIST'],
    ['closed host netns', () => setupVeth('y0', 'hy0', 1500, null, closed, ctr), (e) => e instanceof ClosedError],
    ['closed container netns', () => setupVeth('y0', 'hy0', 1500, null, host, closed), (e) => e instanceof ClosedError],
    ['a step after the create fails', () => setupVeth('y0', 'hy0', 1500, null, host, ctr, { afterCreate: () => { throw new Error('injected'); } }),
      (e) => /injected \(the pair was deleted\)/.test(e.message)],
  ];
  for (const [what, fn, ok] of steps) {
    const e = await fn().then(() => undefined, (x) => x);
    t.ok(e && ok(e), `${what}: ${e?.message}`);
    t.same(names(ctr), before.c, `${what}: container netns unchanged`);
    t.same(names(host), before.h, `${what}: host netns unchanged`);
  }
  // Host-up failure: inject it at the one request that brings the host end up.
  // setupVeth sends it itself (RTM_NEWLINK, IFF_UP, the host end's name as the request's
  // argument): fail that request, and only that one, as the kernel would.
  const orig = NetlinkSocket.prototype.requestWith;
  let injected = 0;
  NetlinkSocket.prototype.requestWith = function (this: NetlinkSocket, type: number, flags: number, build: any, arg: any, onMessage?: any, opts?: any) {
    if (type === 16 && arg === 'hy0' && (flags & 0x400) === 0) {
      injected++;
      return Promise.reject(new NetlinkError(100, { type: 16, typeName: 'RTM_NEWLINK', seq: 0, subject: 'hy0 up' }, {}, 'injected'));
    }
    return orig.call(this, type, flags, build, arg, onMessage, opts);
  } as typeof orig;
  try {
    const e = await setupVeth('y0', 'hy0', 1500, null, host, ctr).catch((x) => x);
    t.match(e?.message, /ENETDOWN.*injected.*\(the pair was deleted\)/, 'host-up failure reported');
    t.equal(injected, 1, 'the host-up request was the one that failed');
  } finally {
    NetlinkSocket.prototype.requestWith = orig;
  }
  t.same(names(ctr), before.c, 'host-up failure: container netns unchanged');
  t.same(names(host), before.h, 'host-up failure: host netns unchanged');
  // The host end gone before it is set up (deleted by someone else): the kernel's ENODEV
  // names the link and where it was looked for, and the rollback says it found nothing.
  NetlinkSocket.prototype.requestWith = function (this: NetlinkSocket, type: number, flags: number, build: any, arg: any, onMessage?: any, opts?: any) {
    if (type === 16 && arg === 'hy0' && (flags & 0x400) === 0) ip(host.path, ['link', 'del', 'hy0']);
    return orig.call(this, type, flags, build, arg, onMessage, opts);
  } as typeof orig;
  try {
    const e = await setupVeth('y0', 'hy0', 1500, null, host, ctr).catch((x) => x);
    t.match(e, { code: 'ENODEV', message: /^setupVeth y0\/hy0: ENODEV: No such device — link 'hy0' does not exist in netns .*\(RTM_NEWLINK hy0 up\) \(no host end 'hy0' was found in netns .* to delete\)$/ }, `host end gone: ${e?.message}`);
  } finally {
    NetlinkSocket.prototype.requestWith = orig;
  }
  t.same(names(ctr), before.c, 'host end gone: container netns unchanged');
  t.same(names(host), before.h, 'host end gone: host netns unchanged');
  t.equal(fdCount(), before.fds, 'no fd leaked by any failure');
});

t.test('an afterCreate failure whose message cannot be rewritten, or a non-Error thrown: the pair is deleted, the error says so and carries the original', privileged, async (t) => {
  const { host, ctr } = netnsPair(t);
  const fds = fdCount();
  const timeout = new DOMException('the operation timed out', 'TimeoutError'); // AbortSignal.timeout's reason: message is a getter only
  const frozen = Object.freeze(new Error('frozen'));
  const cases: Array<[string, unknown, RegExp]> = [
    ['a DOMException (AbortSignal.timeout)', timeout, /^setupVeth c0\/h0: TimeoutError: the operation timed out \(the pair was deleted\)$/],
    ['a frozen Error', frozen, /^setupVeth c0\/h0: frozen \(the pair was deleted\)$/],
    ['a string', 'no address left', /^setupVeth c0\/h0: 'no address left' \(the pair was deleted\)$/],
    ['undefined', undefined, /^setupVeth c0\/h0: undefined \(the pair was deleted\)$/],
  ];
  for (const [what, thrown, re] of cases) {
    const e = await setupVeth('c0', 'h0', 1500, null, host, ctr, { afterCreate: () => { throw thrown; } }).catch((x) => x);
    t.ok(e instanceof Error, `${what}: an Error (${e?.constructor?.name})`);
    t.match(e?.message, re, `${what}: ${e?.message}`);
    if (e !== thrown) t.equal(e?.cause, thrown, `${what}: the thrown value is the cause`);
    t.same(names(ctr), ['lo'], `${what}: container netns unchanged`);
    t.same(names(host), ['lo'], `${what}: host netns unchanged`);
  }
  t.equal(frozen.message, 'frozen', 'the frozen error itself untouched');
  t.equal(fdCount(), fds, 'no fd leaked');
});

t.test('an afterCreate that renamed or moved the host end before it failed: the pair is still deleted (by its container end)', privileged, async (t) => {
  const { host, ctr } = netnsPair(t);
  const other = Netns.new();
  const rt = Rtnl.open({ netns: host });
  t.teardown(() => {
    rt.close();
    other.close();
  });
  const fds = fdCount();
  // Both left the pair behind: 'no host end 'h0' was found in netns … to delete'.
  const cases: Array<[string, () => Promise<unknown>]> = [
    ['renamed', () => rt.link.set('h0', { name: 'renamed0' })],
    ['moved to another netns', () => rt.link.set('h0', { netns: other })],
  ];
  for (const [what, change] of cases) {
    const e = await setupVeth('c0', 'h0', 1500, null, host, ctr, { afterCreate: async () => { await change(); throw new Error('injected'); } }).catch((x) => x);
    t.match(e?.message, /^setupVeth c0\/h0: injected \(the pair was deleted, by its container end: no host end 'h0' in netns .*\)$/, `${what}: ${e?.message}`);
    t.same(names(ctr), ['lo'], `${what}: container netns unchanged`);
    t.same(names(host), ['lo'], `${what}: host netns unchanged`);
    t.same(names(other), ['lo'], `${what}: nothing left in the netns it was moved to`);
  }
  t.equal(fdCount(), fds, 'no fd leaked');
});

t.test('200 concurrent setupVeth calls with random host names all succeed with unique names', privileged, async (t) => {
  const host = Netns.new();
  t.teardown(() => host.close());
  const ctrs = Array.from({ length: 200 }, () => Netns.new());
  t.teardown(() => ctrs.forEach((c) => c.close()));
  const fds = fdCount();
  const all = await Promise.all(ctrs.map((c) => setupVeth('eth0', '', 1500, MacAddr.random(), host, c)));
  const hostNames = new Set(all.map((v) => v.host.name));
  t.equal(hostNames.size, 200, 'unique host names');
  t.equal(names(host).length, 201, '200 host ends + lo');
  t.equal(new Set(all.map((v) => v.host.index)).size, 200, 'unique host ifindexes');
  t.equal(fdCount(), fds, 'no fd left open by 200 setups');
});

t.test('teardownVeth is idempotent: missing link, closed or vanished netns are success', privileged, async (t) => {
  const { host, ctr } = netnsPair(t);
  await setupVeth('eth0', 'vh0', 1500, null, host, ctr);
  t.equal(await teardownVeth('eth0', ctr), true, 'deleted');
  t.same(names(host), ['lo'], 'the host end went with it');
  t.equal(await teardownVeth('eth0', ctr), false, 'second DEL: nothing to do');
  const gone = Netns.new();
  gone.close();
  t.equal(await teardownVeth('eth0', gone), false, 'closed netns');
  t.equal(await teardownVeth('eth0', '/run/netns/does-not-exist'), false, 'missing netns path');
  await t.rejects(teardownVeth('bad/name', ctr), InvalidArgumentError);
});

t.test("teardownVeth refuses a relative path: a netns name given for its path said success and left the pair", privileged, async (t) => {
  const { host } = netnsPair(t);
  const red = Netns.newNamed('vt-red');
  t.teardown(() => {
    red.close();
    Netns.deleteNamed('vt-red');
  });
  await setupVeth('eth0', 'vh0', 1500, null, host, red);
  const byName = await teardownVeth('eth0', 'vt-red').then((r) => r, (e: Error) => e);
  t.ok(byName instanceof InvalidArgumentError, 'a name is refused');
  t.match(byName, { argument: 'containerNs', message: /^invalid containerNs: expected a Netns or the absolute path of a netns file \(as CNI_NETNS\), got 'vt-red'; a named netns is at \/run\/netns\/vt-red \(Netns\.getNamed\('vt-red'\)\)$/ });
  await t.rejects(teardownVeth('eth0', 'run/netns/vt-red'), { argument: 'containerNs', message: /got 'run\/netns\/vt-red'$/ }, 'a relative path too');
  await t.rejects(teardownVeth('eth0', ''), { argument: 'containerNs', message: /got ''$/ }, 'an empty one too');
  // A path to something else than a netns is teardownVeth's containerNs that is wrong (it
  // was reported as 'invalid path', an argument teardownVeth does not have).
  await t.rejects(teardownVeth('eth0', '/proc/self/ns/mnt'), { argument: 'containerNs', message: /^invalid containerNs: '\/proc\/self\/ns\/mnt' is not a network namespace \(it is a mount namespace\)$/ }, 'another kind of namespace');
  await t.rejects(teardownVeth('eth0', '/dev/null'), { argument: 'containerNs', message: /^invalid containerNs: '\/dev\/null' is not a network namespace/ }, 'not a namespace file');
  t.same(names(red), ['eth0', 'lo'], 'nothing was deleted');
  t.equal(await teardownVeth('eth0', red.path), true, 'the absolute path deletes it');
  t.same(names(red), ['lo']);
});

t.test('bad input is refused before anything is sent', privileged, async (t) => {
  const { host, ctr } = netnsPair(t);
  const hostAgain = Netns.fromPath(host.path);
  t.teardown(() => hostAgain.close());
  const bad: Array<[string, () => Promise<unknown>]> = [
    ['container name too long', () => setupVeth('x'.repeat(16), '', 1500, null, host, ctr)],
    ['container name empty', () => setupVeth('', '', 1500, null, host, ctr)],
    ['host name with /', () => setupVeth('eth0', 'a/b', 1500, null, host, ctr)],
    ['MTU NaN', () => setupVeth('eth0', '', NaN, null, host, ctr)],
    ['MTU 0', () => setupVeth('eth0', '', 0, null, host, ctr)],
    ['MAC as a string', () => setupVeth('eth0', '', 1500, '00:11:22:33:44:55' as any, host, ctr)],
    ['netns not a Netns', () => setupVeth('eth0', '', 1500, null, {} as any, ctr)],
    ['random name source returns junk', () => setupVeth('eth0', '', 1500, null, host, ctr, { randomName: () => 'way-too-long-name-for-linux' })],
    ['maxAttempts 0', () => setupVeth('eth0', '', 1500, null, host, ctr, { maxAttempts: 0 })],
    // A '%d' template is filled in by the kernel: the container end was reported under the
    // template, and a host end made so was left behind (set up and deleted by 'h%d').
    ["container name a '%d' template", () => setupVeth('eth%d', 'vh0', 1500, MacAddr.parse('02:00:00:00:00:01'), host, ctr)],
    ["host name a '%d' template", () => setupVeth('eth0', 'vh%d', 1500, null, host, ctr)],
    ["random name source returns a '%d' template", () => setupVeth('eth0', '', 1500, null, host, ctr, { randomName: () => 'vh%d' })],
    // Both ends in one netns under one name: the kernel's EEXIST, which setupVeth took for a
    // clash and sent again from a container handle before saying 'one of the names is taken'.
    ['one netns, one name for both ends', () => setupVeth('e0', 'e0', 1500, null, host, host)],
    ['one netns (two Netns of it), one name for both ends', () => setupVeth('e0', 'e0', 1500, null, host, hostAgain)],
    // Checked when called: afterCreate: 5 made the pair, then failed with 'options.afterCreate
    // is not a function' (a TypeError) and deleted it; randomName: 5 threw a bare TypeError.
    ['afterCreate not a function', () => setupVeth('eth0', 'vh0', 1500, null, host, ctr, { afterCreate: 5 as any })],
    ['randomName not a function', () => setupVeth('eth0', '', 1500, null, host, ctr, { randomName: 'vh0' as any })],
  ];
  for (const [what, fn] of bad) {
    const e = await fn().then(() => undefined, (x) => x);
    t.ok(e instanceof InvalidArgumentError, `${what}: ${e?.message}`);
  }
  t.same(names(ctr), ['lo']);
  t.same(names(host), ['lo']);
});

t.test('MacAddr: parse, format, random, equality, validation', async (t) => {
  const m = MacAddr.parse('00:15:5D:1a:1f:1C');
  t.equal(m.toString(), '00:15:5d:1a:1f:1c', 'lowercase colon form');
  t.ok(MacAddr.parse('00-15-5d-1a-1f-1c').equals(m), 'dash form');
  t.ok(m.equals('00:15:5d:1a:1f:1c'));
  t.notOk(m.equals(MacAddr.parse('00:15:5d:1a:1f:1d')));
  t.same([...new MacAddr([1, 2, 3, 4, 5, 6]).bytes], [1, 2, 3, 4, 5, 6]);
  const b = m.bytes;
  b[0] = 0xff;
  t.equal(m.toString(), '00:15:5d:1a:1f:1c', 'bytes is a copy');
  t.equal(JSON.stringify({ m }), '{"m":"00:15:5d:1a:1f:1c"}');
  for (let i = 0; i < 100; i++) {
    const r = MacAddr.random();
    t.ok(r.isLocal && !r.isMulticast, 'random: locally administered unicast');
  }
  for (const s of ['', '00:15:5d:1a:1f', '00:15:5d:1a:1f:1c:00', '0:15:5d:1a:1f:1c', '00:15-5d:1a:1f:1c', 'zz:15:5d:1a:1f:1c', '00155d1a1f1c']) {
    t.throws(() => MacAddr.parse(s), InvalidArgumentError, `refuses '${s}'`);
  }
  t.throws(() => MacAddr.parse(42 as any), InvalidArgumentError);
  t.throws(() => new MacAddr([1, 2, 3]), InvalidArgumentError);
  // A string given to the constructor said only 'expected 6 bytes'.
  t.throws(() => new MacAddr('00:11:22:33:44:55' as any), { message: "invalid mac: expected 6 bytes, got '00:11:22:33:44:55' (a string is read with MacAddr.parse)" });
  t.throws(() => new MacAddr(null as any), { message: 'invalid mac: expected 6 bytes, got null' });
  t.throws(() => new MacAddr([1, 2, 3, 4, 5, 256]), InvalidArgumentError);
  t.throws(() => new MacAddr([1, 2, 3, 4, 5, 1.5]), InvalidArgumentError);
  // The refused input is shown as other errors show values: quoted and cut at 64 characters
  // (a 100 kB string was echoed whole), a bigint with its 'n' ('byte 0 is 1, not an integer').
  t.throws(() => MacAddr.parse('a'.repeat(100000)), { message: /^invalid mac: 'a{64}\.\.\.' is not a MAC address/ });
  t.throws(() => new MacAddr([1n, 2, 3, 4, 5, 6] as any), { message: 'invalid mac: byte 0 is 1n, not an integer 0..255' });
});

t.test('MacAddr shows its address in console.log and util.inspect (a Veth printed showed mac: MacAddr {})', async (t) => {
  const m = MacAddr.parse('00:15:5D:1a:1f:1C');
  t.equal(inspect(m), 'MacAddr(00:15:5d:1a:1f:1c)');
  t.equal(inspect({ mac: m }), '{ mac: MacAddr(00:15:5d:1a:1f:1c) }');
  const v = Veth.of(
    { name: 'eth0', index: 2, mac: m, netns: { path: '/x' } as unknown as Netns },
    { name: 'veth1', index: 7, mac: MacAddr.parse('02:00:00:00:00:01'), netns: { path: '/y' } as unknown as Netns },
    1500,
  );
  t.match(inspect(v, { depth: 4 }), /mac: MacAddr\(00:15:5d:1a:1f:1c\)[^]*mac: MacAddr\(02:00:00:00:00:01\)/);
  t.match(inspect(m, { colors: true }), /\x1b\[/, 'styled like a value when colours are on');
});

t.test('randomVethName: veth + 8 hex digits', async (t) => {
  const seen = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const n = randomVethName();
    t.match(n, /^veth[0-9a-f]{8}$/);
    seen.add(n);
  }
  t.ok(seen.size > 990, 'names are random');
});

t.test('an Rtnl handle bound to the container netns sees the container end only', privileged, async (t) => {
  const { host, ctr } = netnsPair(t);
  await setupVeth('eth0', 'vh1', 1500, null, host, ctr);
  const rt = Rtnl.open({ netns: ctr });
  t.teardown(() => rt.close());
  t.same((await rt.link.list()).map((l) => l.name).sort(), ['eth0', 'lo']);
});

t.test('setupVeth reuses handles it is given and leaves them open', privileged, async (t) => {
  const { host, ctr } = netnsPair(t);
  const handles = { container: Rtnl.open({ netns: ctr }), host: Rtnl.open({ netns: host }) };
  t.teardown(() => {
    handles.container.close();
    handles.host.close();
  });
  const fds = fdCount();
  const before = handles.container.sock.stats.requests;
  for (let i = 0; i < 5; i++) await setupVeth(`k${i}`, '', 1500, null, host, ctr, { handles });
  t.equal(fdCount(), fds, 'no socket opened per call');
  t.ok(handles.container.sock.stats.requests - before >= 5, 'the given container handle sent the creates');
  t.notOk(handles.container.closed || handles.host.closed, 'handles left open');
  t.equal(names(ctr).length, 6, 'five pairs made');
});

t.test('options given as undefined are options not given (exactOptionalPropertyTypes callers pass what they have)', privileged, async (t) => {
  const { host, ctr } = netnsPair(t);
  const veth = await setupVeth('eth0', '', 1500, undefined, host, ctr, {
    randomName: undefined, maxAttempts: undefined, afterCreate: undefined, queues: undefined, handles: { host: undefined, container: undefined },
  });
  t.match(veth.host.name, /^veth[0-9a-f]{8}$/, 'randomName: undefined is randomVethName');
  const c = ipJson<IpLink[]>(ctr.path, ['-d', 'link', 'show', 'dev', 'eth0'])[0]!;
  const h = ipJson<IpLink[]>(host.path, ['-d', 'link', 'show', 'dev', veth.host.name])[0]!;
  t.ok(c.flags.includes('UP') && h.flags.includes('UP'), 'both ends up, as without options');
  t.equal(c.num_tx_queues, h.num_tx_queues, 'queues: undefined is the kernel\'s choice on both ends');
  t.same(names(ctr), ['eth0', 'lo']);
  await setupVeth('eth1', '', 1500, null, host, ctr, { handles: undefined });
  t.same(names(ctr), ['eth0', 'eth1', 'lo'], 'handles: undefined opens its own');
});

t.test('a netns given as a plain { fd }: a bad fd is refused before sending, and errors, toJSON and the CNI sandbox name it by a path', privileged, async (t) => {
  const { host, ctr } = netnsPair(t);
  // { fd: 'x' } and { fd: 1.5 } were sent as fds 0 and 1 (stdin, stdout), { fd: -1 } as a
  // bare EBADF: the netns checks of Rtnl.open and execNetns refuse them (handleFd).
  for (const [what, v] of [['a string fd', { fd: 'x' }], ['a fractional fd', { fd: 1.5 }], ['a negative fd', { fd: -1 }]] as const) {
    const e = await setupVeth('eth0', 'vh0', 1500, null, host, v as any).then(() => undefined, (x) => x);
    t.ok(e instanceof InvalidArgumentError && e.argument === 'containerNs.fd', `${what}: ${e?.message}`);
    const e2 = await setupVeth('eth0', 'vh0', 1500, null, v as any, ctr).then(() => undefined, (x) => x);
    t.ok(e2 instanceof InvalidArgumentError && e2.argument === 'hostNs.fd', `${what} as hostNs: ${e2?.message}`);
  }
  // An integer fd that is not open: the kernel's bare EBADF, now with what it means.
  const notOpen = await setupVeth('eth0', 'vh0', 1500, null, host, { fd: 999999 } as any).then(() => undefined, (x) => x);
  t.match(notOpen, { code: 'EBADF', message: /netns fd 999999 is not open/ }, 'EBADF says which fd');
  t.same(names(ctr), ['lo']);
  t.same(names(host), ['lo']);
  const raw = { fd: ctr.fd };
  const v = await setupVeth('eth0', 'vh0', 1500, null, host, raw as any);
  const path = `/proc/${process.pid}/fd/${ctr.fd}`;
  t.equal(v.toCniInterfaces()[1].sandbox, path, 'the container end has a sandbox (it was left out: a host interface to CNI)');
  t.equal((v.toJSON() as any).container.netns, path, 'toJSON names the netns');
  const clash = await setupVeth('eth0', 'vh1', 1500, null, host, raw as any).then(() => undefined, (x) => x);
  t.match(clash, { code: 'EEXIST', message: new RegExp(`'eth0' already exists in the container netns \\(${path}\\)`) }, "no '(undefined)'");
  // One name for both ends in one netns, the host side given as { fd }: refused before sending.
  const same = await setupVeth('e0', 'e0', 1500, null, { fd: host.fd } as any, host).then(() => undefined, (x) => x);
  t.ok(same instanceof InvalidArgumentError, `one netns, one name: ${same?.message}`);
  t.match(same?.message, `both ends go to the same netns (/proc/${process.pid}/fd/${host.fd})`, "no '(undefined)' there either");
  // What was given is shown, as other refusals show it.
  await t.rejects(setupVeth('eth0', '', 1500, '00:11:22:33:44:55' as any, host, ctr), { argument: 'containerMac', message: /got '00:11:22:33:44:55'/ });
  await t.rejects(setupVeth('eth0', '', 1500, null, host, ctr, { maxAttempts: 1.5 }), { argument: 'options.maxAttempts', message: /got 1\.5$/ });
  t.same(names(host), ['lo', 'vh0']);
});

t.test('teardownVeth refuses what is no netns handle with an InvalidArgumentError naming containerNs', privileged, async (t) => {
  const { ctr } = netnsPair(t);
  // null/undefined threw a TypeError ('reading closed'); 5 was taken as fd 5 (the doc says
  // anything but a Netns or a string is refused); {} was 'invalid netns: ... or { pid }'.
  for (const v of [null, undefined, 5, {}, { fd: -1 }, { pid: 1 }]) {
    const e = await teardownVeth('eth0', v as any).then(() => undefined, (x) => x);
    t.ok(e instanceof InvalidArgumentError && /^containerNs/.test(e.argument), `${inspect(v)}: ${e?.message}`);
  }
  t.equal(await teardownVeth('eth0', { fd: ctr.fd } as any), false, 'a plain { fd } of a netns works');
});
