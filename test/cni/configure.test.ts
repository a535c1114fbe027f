// configureIface on a real kernel: a veth pair whose v0 end is in a fresh "container"
// netns and v1 in a fresh "host" one (up, so v0 has carrier and IPv6 DAD runs). What
// it sets is read back with `ip -j`; a refusal, or a failure part-way, must leave the
// container netns as `ip -j addr`, `ip -j route show table all` and the IPv6 sysctls
// showed it before.
import t from 'tap';
import { spawn } from 'node:child_process';
import { configureIface, ConfigureIfaceError, CNI_ERR, CniError, type CniResult } from '../../src/cni/index.js';
import { InvalidArgumentError, NetlinkError } from '../../src/netlink/errors.js';
import { Netns, execNetns, sysctlGet, sysctlSet } from '../../src/ns/index.js';
import { Rtnl } from '../../src/rtnl/index.js';
import { ip, ipJson, privileged, rawNetns, netnsEntered } from '../helpers.js';

type Json = Record<string, any>;
type RawNs = ReturnType<typeof rawNetns>;

/** Container netns with v0 (down), host netns with its peer v1 (up); both closed at teardown. */
async function pair(t: { teardown(fn: () => void): void }): Promise<{ ctr: RawNs; host: RawNs }> {
  const ctr = rawNetns();
  const host = rawNetns();
  t.teardown(() => {
    ctr.close();
    host.close();
  });
  const rt = Rtnl.open({ netns: ctr.fd });
  try {
    await rt.link.add({ name: 'v0', kind: 'veth', peer: { name: 'v1', netns: host.fd } });
  } finally {
    rt.close();
  }
  ip(host.path, ['link', 'set', 'v1', 'up']);
  await quiet(ctr);
  return { ctr, host };
}

/** Wait (up to 2 s) until two snapshots 100 ms apart agree: the link watch has applied the peer's carrier. */
async function quiet(ns: RawNs): Promise<void> {
  let last = JSON.stringify(snapshot(ns));
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const now = JSON.stringify(snapshot(ns));
    if (now === last) return;
    last = now;
  }
}

const SYSCTLS = ['net/ipv6/conf/lo/disable_ipv6', 'net/ipv6/conf/v0/disable_ipv6', 'net/ipv6/conf/v0/keep_addr_on_down'];

/** What a call may change in the container netns, as ip and /proc/sys show it. */
function snapshot(ns: RawNs): Json {
  return {
    links: ipJson(ns.path, ['addr']).map((l: Json) => ({ name: l.ifname, flags: l.flags, addrs: l.addr_info })),
    routes4: ipJson(ns.path, ['-4', 'route', 'show', 'table', 'all']),
    routes6: ipJson(ns.path, ['-6', 'route', 'show', 'table', 'all']),
    sysctls: SYSCTLS.map((k) => `${k}=${sysctlGet({ fd: ns.fd }, k)}`),
  };
}

/** Compare with `before`, looking again for up to 3 s (the kernel's link watch settles a link's state a moment later). */
async function sameAsBefore(t: { same(a: unknown, b: unknown, m: string): void }, ns: RawNs, before: Json, msg: string): Promise<void> {
  let now = snapshot(ns);
  for (let i = 0; i < 30 && JSON.stringify(now) !== JSON.stringify(before); i++) {
    await new Promise((r) => setTimeout(r, 100));
    now = snapshot(ns);
  }
  t.same(now, before, msg);
}

/** v0's addresses as [address/len, broadcast] (family order as ip lists them). */
function addrsOf(ns: RawNs, family?: 'inet' | 'inet6'): string[] {
  const [l] = ipJson(ns.path, ['addr', 'show', 'dev', 'v0']);
  return (l.addr_info as Json[]).filter((a) => a.scope === 'global' && (!family || a.family === family)).map((a) => `${a.local}/${a.prefixlen}${a.broadcast ? ` brd ${a.broadcast}` : ''}${a.tentative ? ' tentative' : ''}`);
}

const dual = (): CniResult => ({
  cniVersion: '1.1.0',
  interfaces: [{ name: 'v0', sandbox: '/run/netns/ctr' }],
  ips: [
    { address: '10.1.0.2/24', gateway: '10.1.0.1', interface: 0 },
    { address: 'fd00:1::2/64', gateway: 'fd00:1::1', interface: 0 },
  ],
  routes: [
    { dst: '0.0.0.0/0' },
    { dst: '::/0' },
    { dst: '192.168.0.0/16', gw: '10.1.0.254', priority: 50, table: 100, mtu: 1400, advmss: 1360 },
    { dst: '10.9.0.0/16', scope: 253 },
  ],
});

t.test('an IPv4 + IPv6 result: addresses, link up, IPv6 enabled, DAD done, routes with their 1.1 attributes', privileged, async (t) => {
  const { ctr } = await pair(t);
  const ns = Netns.fromPath(ctr.path);
  t.teardown(() => ns.close());
  // IPv6 off where the Go function turns it on.
  sysctlSet(ns, 'net/ipv6/conf/lo/disable_ipv6', 1);
  sysctlSet(ns, 'net/ipv6/conf/v0/disable_ipv6', 1);
  await configureIface('v0', dual(), { netns: ns });

  const [l] = ipJson(ctr.path, ['link', 'show', 'dev', 'v0']);
  t.ok(l.flags.includes('UP'), 'v0 is up');
  t.same(addrsOf(ctr), ['10.1.0.2/24 brd 10.1.0.255', 'fd00:1::2/64'], 'both addresses, IPv4 with its broadcast, IPv6 no longer tentative');
  t.same(SYSCTLS.map((k) => sysctlGet(ns, k)), ['0', '0', '1'], 'disable_ipv6 cleared on lo and v0, keep_addr_on_down set on v0');

  const r4 = ipJson(ctr.path, ['-4', 'route', 'show', 'table', 'all']).filter((r: Json) => r.table !== 'local')
    .map((r: Json) => JSON.stringify([r.dst, r.gateway ?? null, r.dev, r.table ?? 'main', r.metric ?? 0, r.scope ?? 'global', r.metrics ?? []])).sort();
  t.same(r4, [
    ['default', '10.1.0.1', 'v0', 'main', 0, 'global', []],
    ['10.1.0.0/24', null, 'v0', 'main', 0, 'link', []],
    ['10.9.0.0/16', null, 'v0', 'main', 0, 'link', []],
    ['192.168.0.0/16', '10.1.0.254', 'v0', '100', 50, 'global', [{ mtu: 1400, advmss: 1360 }]],
  ].map((r) => JSON.stringify(r)).sort(), "IPv4 routes: the default one through the address's gateway, table/metric/mtu/advmss, a scope-link route");
  const r6 = ipJson(ctr.path, ['-6', 'route', 'show', 'default']);
  t.same(r6.map((r: Json) => [r.dst, r.gateway, r.dev]), [['default', 'fd00:1::1', 'v0']], 'the IPv6 default route through the IPv6 gateway');
});

t.test('the netns as an fd number, { fd }, { pid }, or the enclosing execNetns', privileged, async (t) => {
  const { ctr } = await pair(t);
  const one = (address: string): CniResult => ({ cniVersion: '1.1.0', interfaces: [{ name: 'v0' }], ips: [{ address, interface: 0 }] });
  await configureIface('v0', one('10.1.0.2/24'), { netns: ctr.fd });
  await configureIface('v0', one('10.1.0.3/24'), { netns: { fd: ctr.fd } });
  const child = spawn('nsenter', [`--net=${ctr.path}`, 'sleep', '30'], { stdio: 'ignore' });
  t.teardown(() => {
    child.kill();
  });
  await netnsEntered(child.pid!, ctr.path);
  await configureIface('v0', one('10.1.0.4/24'), { netns: { pid: child.pid! } });
  const ns = Netns.fromPath(ctr.path);
  const here = Netns.get();
  t.teardown(() => {
    ns.close();
    here.close();
  });
  await execNetns(here, ns, () => configureIface('v0', one('fd00:1::4/64'), { dadTimeout: 0 }));
  t.same(addrsOf(ctr).map((a) => a.split(' ')[0]), ['10.1.0.2/24', '10.1.0.3/24', '10.1.0.4/24', 'fd00:1::4/64'], 'each landed in the container netns');
  t.notOk(ipJson(here.path, ['link', 'show']).some((l: Json) => l.ifname === 'v0'), 'and nothing in the caller\'s');
});

t.test('only the addresses indexing an interface named ifName are taken; routes without gw go through the first gateway of their family among them', privileged, async (t) => {
  const { ctr } = await pair(t);
  const result: CniResult = {
    cniVersion: '1.1.0',
    interfaces: [{ name: 'br0' }, { name: 'veth1234' }, { name: 'v0', sandbox: '/run/netns/x' }],
    ips: [
      { address: '10.5.0.1/24', gateway: '10.5.0.254', interface: 0 }, // the bridge's: not v0's
      { address: '10.6.0.1/24', gateway: '10.6.0.254' }, // no interface: skipped, as Go does
      { address: '10.1.0.2/24', interface: 2 }, // v0's, no gateway
      { address: '10.1.0.3/24', gateway: '10.1.0.1', interface: 2 }, // v0's first gateway
      { address: '10.1.0.4/24', gateway: '10.1.0.99', interface: 2 },
      { address: 'fd00:1::2/64', gateway: 'fd00:1::1', interface: 2 },
    ],
    routes: [{ dst: '10.20.0.0/16' }, { dst: '10.30.0.0/16', gw: '10.1.0.77' }, { dst: 'fd00:9::/48' }],
  };
  await configureIface('v0', result, { netns: ctr.fd, dadTimeout: 0 });
  t.same(addrsOf(ctr).map((a) => a.replace(' tentative', '')), ['10.1.0.2/24 brd 10.1.0.255', '10.1.0.3/24 brd 10.1.0.255', '10.1.0.4/24 brd 10.1.0.255', 'fd00:1::2/64'], 'v0 got its four addresses and none of the others');
  const via = (dst: string) => ipJson(ctr.path, ['route', 'show', 'table', 'all', 'exact', dst]).map((r: Json) => r.gateway);
  t.same(via('10.20.0.0/16'), ['10.1.0.1'], 'no gw: the first IPv4 gateway of v0\'s addresses (not the bridge\'s, not the skipped one\'s)');
  t.same(via('10.30.0.0/16'), ['10.1.0.77'], 'a gw of its own wins');
  t.same(via('fd00:9::/48'), ['fd00:1::1'], 'IPv6 routes take the IPv6 gateway');
  t.same(ipJson(ctr.path, ['-4', 'route', 'show', 'default']), [], 'no route the result did not list');
});

t.test('a second interface with its own default route: added beside the first (IPv6: one multipath route), as Go\'s RouteAddEcmp does', privileged, async (t) => {
  const { ctr, host } = await pair(t);
  const rt = Rtnl.open({ netns: ctr.fd });
  t.teardown(() => rt.close());
  await rt.link.add({ name: 'w0', kind: 'veth', peer: { name: 'w1', netns: host.fd } });
  ip(host.path, ['link', 'set', 'w1', 'up']);
  const res = (name: string, n: number): CniResult => ({
    cniVersion: '1.1.0',
    interfaces: [{ name }],
    ips: [{ address: `10.${n}.0.2/24`, gateway: `10.${n}.0.1`, interface: 0 }, { address: `fd00:${n}::2/64`, gateway: `fd00:${n}::1`, interface: 0 }],
    routes: [{ dst: '0.0.0.0/0' }, { dst: '::/0' }],
  });
  // (No DAD wait: routes need no settled address.)
  await configureIface('v0', res('v0', 1), { netns: ctr.fd, dadTimeout: 0 });
  await configureIface('w0', res('w0', 2), { netns: ctr.fd, dadTimeout: 0 });
  t.same(ipJson(ctr.path, ['-4', 'route', 'show', 'default']).map((r: Json) => [r.gateway, r.dev]), [['10.2.0.1', 'w0'], ['10.1.0.1', 'v0']], 'IPv4: both, the later first (ip route prepend)');
  const [r6] = ipJson(ctr.path, ['-6', 'route', 'show', 'default']);
  t.same(r6.nexthops.map((n: Json) => [n.gateway, n.dev]), [['fd00:1::1', 'v0'], ['fd00:2::1', 'w0']], 'IPv6: one route, two nexthops');
});

t.test('IPv6 DAD: the call returns once the addresses are usable; a short dadTimeout, or an address in use on the link, fails and undoes', privileged, async (t) => {
  const { ctr, host } = await pair(t);
  const v6: CniResult = { cniVersion: '1.1.0', interfaces: [{ name: 'v0' }], ips: [{ address: 'fd00:1::2/64', gateway: 'fd00:1::1', interface: 0 }], routes: [{ dst: 'fd00:9::/48' }] };
  const before = snapshot(ctr);
  const e = await configureIface('v0', v6, { netns: ctr.fd, dadTimeout: 1 }).catch((x: unknown) => x) as ConfigureIfaceError;
  t.ok(e instanceof ConfigureIfaceError, `rejects (${String(e)})`);
  t.equal(e.step, 'settle');
  t.equal(e.code, CNI_ERR.TRY_AGAIN_LATER, 'code 11: try again later');
  t.ok(e.cause instanceof CniError);
  t.same(e.undoFailures, []);
  await sameAsBefore(t, ctr, before, 'nothing left behind');

  const start = Date.now();
  await configureIface('v0', v6, { netns: ctr.fd });
  t.ok(Date.now() - start >= 200, `waited for DAD (${Date.now() - start} ms)`);
  const [l] = ipJson(ctr.path, ['addr', 'show', 'dev', 'v0']);
  t.same((l.addr_info as Json[]).filter((a) => a.tentative || a.dadfailed).map((a) => a.local), [], 'no address is tentative any more, the link-local one included');
  t.same(ipJson(ctr.path, ['-6', 'route', 'show', 'fd00:9::/48']).map((r: Json) => r.gateway), ['fd00:1::1'], 'the route through it is there');

  // The host end holds the address: DAD fails, and the call says so (code 7) at once.
  ip(host.path, ['addr', 'add', 'fd00:1::7/64', 'dev', 'v1', 'nodad']);
  const taken: CniResult = { cniVersion: '1.1.0', interfaces: [{ name: 'v0' }], ips: [{ address: 'fd00:1::7/64', interface: 0 }] };
  const mid = snapshot(ctr);
  const d = await configureIface('v0', taken, { netns: ctr.fd }).catch((x: unknown) => x) as ConfigureIfaceError;
  t.ok(d instanceof ConfigureIfaceError, `rejects (${String(d)})`);
  t.equal(d.step, 'settle');
  t.equal(d.code, CNI_ERR.INVALID_CONFIG, 'code 7: the address is in use');
  t.match(d.message, /fd00:1::7\/64 on v0 is already in use/);
  await sameAsBefore(t, ctr, mid, 'the failed address is gone again, the earlier call\'s state kept');
});

t.test('bad input is refused before anything changes', privileged, async (t) => {
  const { ctr } = await pair(t);
  const before = snapshot(ctr);
  const base = dual();
  const cases: [string, string, unknown, Json?][] = [
    ['an interface index past the list', 'result.ips[1].interface', { ...base, ips: [base.ips![0], { address: '10.1.0.3/24', interface: 1 }] }],
    ['a negative interface index', 'result.ips[0].interface', { ...base, ips: [{ address: '10.1.0.3/24', interface: -1 }] }],
    ['an interface index that is not an integer', 'result.ips[0].interface', { ...base, ips: [{ address: '10.1.0.3/24', interface: '0' }] }],
    ['no interfaces', 'result.interfaces', { ...base, interfaces: [] }],
    ['no interface named ifName', 'result.interfaces', { ...base, interfaces: [{ name: 'eth0' }] }],
    ['an address without its length', 'result.ips[1].address', { ...base, ips: [base.ips![0], { address: 'fd00:1::2', interface: 0 }] }],
    ['a gateway of the other family', 'result.ips[0].gateway', { ...base, ips: [{ address: '10.1.0.2/24', gateway: 'fd00::1', interface: 0 }] }],
    ['an address given twice', 'result.ips[1].address', { ...base, ips: [base.ips![0], { address: '10.1.0.2/24', interface: 0 }] }],
    ['a route destination with host bits', 'result.routes[2].dst', { ...base, routes: [base.routes![0], base.routes![1], { dst: '10.7.0.1/16' }] }],
    ['a malformed route gw', 'result.routes[3].gw', { ...base, routes: [...base.routes!.slice(0, 3), { dst: '10.7.0.0/16', gw: '10.1.0' }] }],
    ['a route table out of range', 'result.routes[0].table', { ...base, routes: [{ dst: '10.7.0.0/16', table: -1 }] }],
    ['a scope past 255', 'result.routes[0].scope', { ...base, routes: [{ dst: '10.7.0.0/16', scope: 256 }] }],
    ['an IPv6 route with no gw and no IPv6 gateway', 'result.routes[1].gw', { ...base, ips: [base.ips![0], { address: 'fd00:1::2/64', interface: 0 }], routes: [base.routes![0], { dst: '::/0' }] }],
    ['a route without gw when the only gateway is another interface\'s', 'result.routes[0].gw', { ...base, interfaces: [{ name: 'v0' }, { name: 'x' }], ips: [{ address: '10.1.0.2/24', interface: 0 }, { address: '10.2.0.2/24', gateway: '10.2.0.1', interface: 1 }], routes: [{ dst: '10.7.0.0/16' }] }],
    ['routes that are not a list', 'result.routes', { ...base, routes: { dst: '0.0.0.0/0' } }],
    ['an unknown option', 'options.netnss', base, { netnss: ctr.fd }],
    ['a negative dadTimeout', 'options.dadTimeout', base, { dadTimeout: -1 }],
    ['a netns that is a path', 'options.netns', base, { netns: ctr.path }],
  ];
  for (const [what, arg, result, opts] of cases) {
    const e = await configureIface('v0', result as CniResult, (opts ?? { netns: ctr.fd }) as never).catch((x: unknown) => x) as InvalidArgumentError;
    t.ok(e instanceof InvalidArgumentError, `${what}: InvalidArgumentError (${String(e)})`);
    t.equal(e.argument, arg, `${what}: names ${arg}`);
  }
  const e = await configureIface('v0/', base, { netns: ctr.fd }).catch((x: unknown) => x) as InvalidArgumentError;
  t.equal(e.argument, 'ifName', 'an invalid interface name');
  await sameAsBefore(t, ctr, before, 'the container netns is as it was');
});

t.test('a result whose addresses carry no interface index (an IPAM result as it comes) is refused when that leaves ifName none; the messages name what was skipped', privileged, async (t) => {
  const { ctr } = await pair(t);
  const before = snapshot(ctr);
  const interfaces = [{ name: 'veth1234' }, { name: 'v0', sandbox: '/run/netns/x' }];
  // Go skips them all and configures nothing but the link state: a no-op that looks like success.
  for (const routes of [[], [{ dst: '0.0.0.0/0' }]]) {
    const e = await configureIface('v0', { cniVersion: '1.1.0', interfaces, ips: [{ address: '10.1.0.2/24', gateway: '10.1.0.1' }], routes }, { netns: ctr.fd }).catch((x: unknown) => x) as InvalidArgumentError;
    t.ok(e instanceof InvalidArgumentError, `${routes.length} routes: refused (${String(e)})`);
    t.equal(e.argument, 'result.ips[0].interface');
    t.equal(e.message, "invalid result.ips[0].interface: none of result.ips is v0's: 10.1.0.2/24 has no 'interface' (set it to 1, the index of v0 in result.interfaces)");
  }
  // A gateway-less route whose only gateway is on a skipped address names that address.
  const other = await configureIface('v0', { cniVersion: '1.1.0', interfaces, ips: [{ address: '10.1.0.2/24', interface: 1 }, { address: '10.2.0.2/24', gateway: '10.2.0.1', interface: 0 }], routes: [{ dst: '0.0.0.0/0' }] }, { netns: ctr.fd }).catch((x: unknown) => x) as InvalidArgumentError;
  t.equal(other.message, "invalid result.routes[0].gw: 0.0.0.0/0 has no gw, and no IPv4 address of v0 in result.ips has a gateway to route it through (result.ips[1] 10.2.0.2/24 has one, but is veth1234's); give gw, or scope 253 for a route on the link");
  const none = await configureIface('v0', { cniVersion: '1.1.0', interfaces, ips: [{ address: '10.1.0.2/24', gateway: '10.1.0.1', interface: 1 }], routes: [{ dst: '::/0' }] }, { netns: ctr.fd }).catch((x: unknown) => x) as InvalidArgumentError;
  t.equal(none.message, "invalid result.routes[0].gw: ::/0 has no gw, and no IPv6 address of v0 in result.ips has a gateway to route it through; give gw, or scope 253 for a route on the link", 'nothing skipped: nothing blamed');
  await sameAsBefore(t, ctr, before, 'nothing changed');
  // Addresses of other interfaces alone (and none without an index) are no mistake: v0 has none in this result.
  await configureIface('v0', { cniVersion: '1.1.0', interfaces, ips: [{ address: '10.2.0.2/24', interface: 0 }] }, { netns: ctr.fd, dadTimeout: 0 });
  t.same(addrsOf(ctr), [], 'no address for v0');
});

t.test('a kernel refusal part-way undoes everything: addresses, routes, link state, sysctls', privileged, async (t) => {
  const { ctr } = await pair(t);
  sysctlSet({ fd: ctr.fd }, 'net/ipv6/conf/v0/disable_ipv6', 1);
  const before = snapshot(ctr);
  t.same(before.sysctls, ['net/ipv6/conf/lo/disable_ipv6=0', 'net/ipv6/conf/v0/disable_ipv6=1', 'net/ipv6/conf/v0/keep_addr_on_down=0'], 'the starting point: IPv6 off on v0');
  const result = dual();
  result.routes!.push({ dst: '10.60.0.0/16', gw: '192.168.99.1' }); // routes[4]: no route reaches that gateway
  const e = await configureIface('v0', result, { netns: ctr.fd }).catch((x: unknown) => x) as ConfigureIfaceError;
  t.ok(e instanceof ConfigureIfaceError, `rejects (${String(e)})`);
  t.equal(e.step, 'route');
  t.equal(e.item, 'routes[4] 10.60.0.0/16 via 192.168.99.1');
  t.ok(e.cause instanceof NetlinkError, 'the kernel\'s error is the cause');
  t.equal((e.cause as NetlinkError).code, 'ENETUNREACH');
  t.equal(e.code, CNI_ERR.INTERNAL, 'code 999, as a Go plugin reports it');
  t.match(e.message, /routes\[4\] 10\.60\.0\.0\/16 via 192\.168\.99\.1/, 'the message names the route');
  t.match(e.message, /was undone/, 'and says it was undone');
  t.same(e.undoFailures, []);
  await sameAsBefore(t, ctr, before, 'the container netns is as it was: no address, no route, v0 down, IPv6 off');

  // An address the link has already: that add fails (EEXIST), the one before it is
  // taken back, the existing one stays.
  ip(ctr.path, ['addr', 'add', '10.1.0.3/24', 'dev', 'v0']);
  ip(ctr.path, ['link', 'set', 'v0', 'up']);
  for (let i = 0; i < 50 && ipJson(ctr.path, ['link', 'show', 'dev', 'v0'])[0].flags.includes('NO-CARRIER'); i++) await new Promise((r) => setTimeout(r, 50));
  const before2 = snapshot(ctr);
  const clash: CniResult = { cniVersion: '1.1.0', interfaces: [{ name: 'v0' }], ips: [{ address: '10.1.0.2/24', interface: 0 }, { address: '10.1.0.3/24', interface: 0 }] };
  const c = await configureIface('v0', clash, { netns: ctr.fd }).catch((x: unknown) => x) as ConfigureIfaceError;
  t.equal(c.step, 'address');
  t.equal(c.item, 'ips[1] 10.1.0.3/24');
  t.equal((c.cause as NetlinkError).code, 'EEXIST');
  await sameAsBefore(t, ctr, before2, 'the address that was there is kept, the new one removed, v0 still up');
});

t.test('a missing link: an error naming the link and the netns, nothing changed', privileged, async (t) => {
  const { ctr } = await pair(t);
  const ns = Netns.fromPath(ctr.path);
  t.teardown(() => ns.close());
  const before = snapshot(ctr);
  const e = await configureIface('eth7', { ...dual(), interfaces: [{ name: 'eth7' }] }, { netns: ns }).catch((x: unknown) => x) as ConfigureIfaceError;
  t.ok(e instanceof ConfigureIfaceError, `rejects (${String(e)})`);
  t.equal(e.step, 'link');
  t.equal((e.cause as NetlinkError).code, 'ENODEV');
  t.match(e.message, /eth7/);
  t.ok(e.message.includes(ctr.path), `names the netns (${e.message})`);
  t.match(e.message, /nothing had been changed/);
  await sameAsBefore(t, ctr, before, 'nothing changed');
});

t.test('the link deleted while DAD runs: ENODEV from the settle step, and nothing to undo is not an undo failure', privileged, async (t) => {
  const { ctr, host } = await pair(t);
  ip(host.path, ['link', 'set', 'v1', 'down']); // no carrier: the addresses stay tentative
  const before = snapshot(ctr);
  t.equal(before.sysctls[2], 'net/ipv6/conf/v0/keep_addr_on_down=0', 'configureIface will set keep_addr_on_down');
  const v6: CniResult = { cniVersion: '1.1.0', interfaces: [{ name: 'v0' }], ips: [{ address: 'fd00:1::2/64', gateway: 'fd00:1::1', interface: 0 }] };
  const call = configureIface('v0', v6, { netns: ctr.fd, dadTimeout: 5000 }).catch((x: unknown) => x) as Promise<ConfigureIfaceError>;
  await new Promise((r) => setTimeout(r, 300));
  ip(ctr.path, ['link', 'del', 'v0']);
  const e = await call;
  t.ok(e instanceof ConfigureIfaceError, `rejects (${String(e)})`);
  t.equal(e.step, 'settle');
  t.equal((e.cause as NetlinkError).code, 'ENODEV');
  t.same(e.undoFailures.map((x) => x.message), [], 'the link\'s sysctls went with it: no failure to write them back');
  t.match(e.message, /was undone/);
  t.equal(sysctlGet({ fd: ctr.fd }, 'net/ipv6/conf/lo/disable_ipv6'), '0');
});
