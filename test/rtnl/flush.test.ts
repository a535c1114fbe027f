// rt.route.flush, rt.addr.flush, rt.neigh.flush, rt.rule.flush: on a real kernel in fresh netns, the
// state before and after compared with `ip -j` (and, where it says what `ip … flush`
// does, with ip's own flush of the same setup); the empty-filter refusal; objects that
// vanish between the dump and the delete (deleted through `ip` by a wrapped socket)
// counted as gone; over a scripted socket, a refusal mid-flush and a flush that never ends.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { Rtnl } from '../../src/rtnl/index.js';
import type { RtnlCore } from '../../src/rtnl/core.js';
import { RouteApi, putRtmsg } from '../../src/rtnl/route/api.js';
import { AddrApi } from '../../src/rtnl/addr/api.js';
import { NeighApi } from '../../src/rtnl/neigh/api.js';
import { RuleApi } from '../../src/rtnl/rule/api.js';
import { ClosedError, InvalidArgumentError, NetlinkError } from '../../src/netlink/errors.js';
import { MessageWriter } from '../../src/netlink/writer.js';
import * as C from '../../src/rtnl/constants.js';
import { ip, ipJson, privileged, freshHandle, rawNetns, ipOrSkip } from '../helpers.js';

type Ns = ReturnType<typeof rawNetns>;

/** How `p` rejected (undefined when it resolved). */
async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  return undefined;
}

/** veth v0/v1 both up (carrier), no IPv6 link-local addresses; addresses on both. */
function setup(t: { teardown(fn: () => void): void }): { ns: Ns; rt: Rtnl } {
  const { ns, rt } = freshHandle(t);
  for (const c of [
    'link add v0 type veth peer name v1', 'link set v0 addrgenmode none', 'link set v1 addrgenmode none',
    'link set lo up', 'link set v0 up', 'link set v1 up',
    'addr add 10.1.0.2/24 dev v0', 'addr add 10.1.0.3/24 dev v0', 'addr add 10.2.0.1/24 dev v1',
    'addr add 2001:db8::1/64 dev v0 nodad', 'addr add 2001:db8:1::1/64 dev v1 nodad',
  ]) ip(ns.path, c.split(' '));
  return { ns, rt };
}

/** Routes as `ip -j [-6] route show table T` prints them (both families), sorted. */
function routes(nsPath: string, table: string): unknown[] {
  const show = (fam: string): string[] => {
    try {
      return ipJson(nsPath, [fam, 'route', 'show', 'table', table]).map((r: any) => JSON.stringify({ fam, ...r }));
    } catch (e) {
      if (/FIB table does not exist/.test(String(e))) return []; // ip -6 on a table never made
      throw e;
    }
  };
  return [...show('-4'), ...show('-6')].sort();
}

/** Addresses of a link as `ip -j addr show dev L` prints them (family, local, prefixlen). */
function addrs(nsPath: string, dev: string): string[] {
  return ipJson(nsPath, ['addr', 'show', 'dev', dev])[0].addr_info.map((a: any) => `${a.local}/${a.prefixlen}`).sort();
}

/** Neighbour entries as `ip -j neigh show nud all` prints them, sorted; NOARP ones (the kernel's, for multicast) only when asked. */
function neighs(nsPath: string, dev?: string, noarp = false): string[] {
  return ipJson(nsPath, ['neigh', 'show', 'nud', 'all', ...(dev ? ['dev', dev] : [])]).map((n: any) => `${n.dst} ${n.dev ?? dev} ${n.state.join(',')}`)
    .filter((n: string) => noarp || !n.endsWith(' NOARP')).sort();
}

/** A core over rt whose requestBatch first runs `before()` once: a deletion through ip between the dump and nlkit's deletes. */
function racingCore(rt: Rtnl, before: () => void): RtnlCore {
  let done = false;
  const sock = new Proxy(rt.sock, {
    get(target, p) {
      if (p === 'requestBatch') {
        return (msgs: never, opts: never) => {
          if (!done) {
            done = true;
            before();
          }
          return target.requestBatch(msgs, opts);
        };
      }
      const v = Reflect.get(target, p, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { sock, linkIndex: (r, a) => rt.linkIndex(r, a), linkHwAddrLen: (r, a) => rt.linkHwAddrLen(r, a) };
}

t.test('route.flush of table 100 deletes its routes of both families and leaves main as it was', privileged, async (t) => {
  const { ns, rt } = setup(t);
  for (const c of [
    'route add 10.9.0.0/24 via 10.1.0.1 table 100', 'route add default via 10.2.0.2 table 100', 'route add 10.8.0.0/16 dev v1 table 100 metric 7',
    'route add 2001:db8:9::/48 via 2001:db8::2 table 100', 'route add 10.7.0.0/24 via 10.1.0.1', 'route add 2001:db8:7::/48 via 2001:db8::2',
    'route add 10.6.0.0/24 via 10.1.0.1 table 101',
  ]) ip(ns.path, c.split(' '));
  const main = routes(ns.path, 'main');
  const t101 = routes(ns.path, '101');
  const local = routes(ns.path, 'local');
  const before = routes(ns.path, '100');
  t.equal(before.length, 4, 'ip shows 4 routes in table 100');
  t.equal(await rt.route.flush({ table: 100 }), 4, 'resolves with the number deleted');
  t.same(routes(ns.path, '100'), [], 'ip shows table 100 empty');
  t.same(routes(ns.path, 'main'), main, 'main as it was');
  t.same(routes(ns.path, '101'), t101, 'table 101 as it was');
  t.same(routes(ns.path, 'local'), local, 'local as it was');
  t.equal(await rt.route.flush({ table: 100 }), 0, 'a second flush finds nothing');
  t.equal(await rt.route.flush({ table: 4242 }), 0, 'a table that does not exist holds nothing to flush');
});

t.test('route.flush with a family, a dev and table all: the scope of list(filter), the local table left out of all', privileged, async (t) => {
  const { ns, rt } = setup(t);
  for (const c of ['route add 10.9.0.0/24 via 10.1.0.1 table 100', 'route add 2001:db8:9::/48 via 2001:db8::2 table 100', 'route add 2001:db8:8::/48 dev v1 table 100']) ip(ns.path, c.split(' '));
  const v4 = ipJson(ns.path, ['-4', 'route', 'show', 'table', '100']);
  const want6 = (await rt.route.list({ table: 100, family: 6 })).length;
  t.equal(want6, 2);
  t.equal(await rt.route.flush({ table: 100, family: 6 }), want6, 'the IPv6 routes of table 100');
  t.same(ipJson(ns.path, ['-6', 'route', 'show', 'table', '100']), [], 'no IPv6 route left in table 100');
  t.same(ipJson(ns.path, ['-4', 'route', 'show', 'table', '100']), v4, 'its IPv4 route untouched');

  // dev v0 in every table: main's and table 100's routes through v0, not local's.
  const local = routes(ns.path, 'local');
  const v1main = ipJson(ns.path, ['route', 'show', 'dev', 'v1']);
  const expected = (await rt.route.list({ table: 'all', dev: 'v0' })).filter((r) => r.table !== 'local').length;
  t.ok(expected >= 3, `${expected} routes through v0 outside local`);
  t.equal(await rt.route.flush({ table: 'all', dev: 'v0' }), expected);
  t.same(await rt.route.list({ table: 'all', dev: 'v0' }).then((rs) => rs.filter((r) => r.table !== 'local')), [], 'none left outside local');
  t.same(routes(ns.path, 'local'), local, 'the local table as it was (table all does not name it)');
  t.same(ipJson(ns.path, ['route', 'show', 'dev', 'v1']), v1main, "v1's routes untouched");
  // Named, the local table is flushed too: its routes through v1.
  const v1local = (await rt.route.list({ table: 'local', dev: 'v1' })).length;
  t.ok(v1local > 0);
  t.equal(await rt.route.flush({ table: 'local', dev: 'v1' }), v1local, 'table local, named, is flushed');
});

t.test('route.flush deletes routes through nexthop objects (nhid), and only those that match', privileged, async (t) => {
  const { ns, rt } = setup(t);
  if (!ipOrSkip(t, ns.path, ['nexthop', 'add', 'id', '10', 'via', '10.1.0.1', 'dev', 'v0'], 'nexthop objects')) return;
  // The kernel dumps such a route with the object's gateway and link beside RTA_NH_ID,
  // and refuses a delete that sends both ("Nexthop specification and nexthop id are
  // mutually exclusive"): the delete must go by the id.
  for (const c of [
    'nexthop add id 11 via 10.2.0.2 dev v1', 'nexthop add id 12 group 10/11', 'nexthop add id 20 via 2001:db8::2 dev v0',
    'route add 10.30.0.0/16 nhid 10 table 100', 'route add 10.31.0.0/16 nhid 12 table 100 metric 7', '-6 route add 2001:db8:30::/48 nhid 20 table 100',
    'route add 10.32.0.0/16 via 10.1.0.1 table 100', 'route add 10.30.0.0/16 nhid 11 table 101', 'route add 10.30.0.0/16 nhid 10',
    // Dumped as type blackhole, though added as unicast: an IPv4 delete must match the latter.
    'nexthop add id 30 blackhole', 'route add 10.35.0.0/16 nhid 30 table 100', '-6 nexthop add id 31 blackhole', '-6 route add 2001:db8:35::/48 nhid 31 table 100',
  ]) ip(ns.path, c.split(' '));
  const main = routes(ns.path, 'main');
  const t101 = routes(ns.path, '101');
  const nexthops = ipJson(ns.path, ['nexthop', 'show']);
  t.equal(await rt.route.flush({ table: 100 }), 6, 'the five routes through objects (two blackhole) and the plain one');
  t.same(routes(ns.path, '100'), [], 'ip shows table 100 empty');
  t.same(routes(ns.path, 'main'), main, 'main as it was (the same prefix through nhid 10 stays)');
  t.same(routes(ns.path, '101'), t101, 'table 101 as it was (the same prefix through nhid 11 stays)');
  t.same(ipJson(ns.path, ['nexthop', 'show']), nexthops, 'the nexthop objects stay');
  t.equal(await rt.route.flush({ table: 101, family: 4 }), 1, 'a table holding only a route through an object');
  t.same(routes(ns.path, '101'), []);
});

t.test('flush refuses a filter that selects nothing, as ip does, before anything is sent', privileged, async (t) => {
  const { ns, rt } = setup(t);
  ip(ns.path, ['neigh', 'add', '10.1.0.9', 'lladdr', '02:00:00:00:00:09', 'dev', 'v0', 'nud', 'stale']);
  const state = () => [routes(ns.path, 'main'), addrs(ns.path, 'v0'), neighs(ns.path)];
  const before = state();
  // ip itself: each refuses without a selector (a family is no selector).
  for (const args of [['route', 'flush'], ['-6', 'route', 'flush'], ['addr', 'flush'], ['-4', 'addr', 'flush'], ['neigh', 'flush']]) {
    const r = spawnSync('nsenter', [`--net=${ns.path}`, 'ip', ...args], { encoding: 'utf8' });
    t.not(r.status, 0, `ip ${args.join(' ')} refuses: ${r.stderr.trim()}`);
  }
  for (const [what, call] of [
    ['route.flush({})', () => rt.route.flush({})],
    ['route.flush()', () => rt.route.flush(undefined as never)],
    ['route.flush({ family: 4 })', () => rt.route.flush({ family: 4 })],
    ['route.flush({ table: undefined })', () => rt.route.flush({ table: undefined })],
    ['addr.flush({})', () => rt.addr.flush({})],
    ['addr.flush({ family: 6 })', () => rt.addr.flush({ family: 6 })],
    ['neigh.flush()', () => rt.neigh.flush(undefined as never)],
    ['neigh.flush({ family: 4, proxy: false })', () => rt.neigh.flush({ family: 4, proxy: false })],
  ] as const) {
    const e = await caught(call());
    t.ok(e instanceof InvalidArgumentError && e.argument === 'filter' && /selector/.test(e.message), `${what} is an InvalidArgumentError naming filter: ${String(e)}`);
  }
  const misspelt = await caught(rt.route.flush({ tabel: 100 } as never));
  t.ok(misspelt instanceof InvalidArgumentError && misspelt.argument === 'filter.tabel', `a misspelt key is named: ${String(misspelt)}`);
  const missing = await caught(rt.addr.flush({ link: 'nope0' }));
  t.ok(missing instanceof NetlinkError && missing.code === 'ENODEV', `a missing link is ENODEV: ${String(missing)}`);
  t.same(state(), before, 'nothing changed');
});

t.test('addr.flush of one link deletes its addresses of both families and leaves the other link as it was', privileged, async (t) => {
  const { ns, rt } = setup(t);
  ip(ns.path, ['addr', 'add', '10.1.5.1/16', 'dev', 'v0']);
  const v1 = addrs(ns.path, 'v1');
  const v1routes = ipJson(ns.path, ['route', 'show', 'dev', 'v1']);
  const before = addrs(ns.path, 'v0');
  t.same(before, ['10.1.0.2/24', '10.1.0.3/24', '10.1.5.1/16', '2001:db8::1/64'], 'a primary, its secondary, another primary and an IPv6 address');
  t.equal(await rt.addr.flush({ link: 'v0' }), 4, 'all four, the secondary counted once');
  t.same(addrs(ns.path, 'v0'), [], 'ip shows v0 without addresses');
  t.same(addrs(ns.path, 'v1'), v1, 'v1 as it was');
  t.same(ipJson(ns.path, ['route', 'show', 'dev', 'v0']), [], "v0's prefix routes went with them (the kernel's doing)");
  t.same(ipJson(ns.path, ['route', 'show', 'dev', 'v1']), v1routes, "v1's routes as they were");
  t.equal(await rt.addr.flush({ link: 'v0' }), 0, 'a second flush finds nothing');
});

t.test('addr.flush with family 6 deletes only IPv6 addresses, as ip -6 addr flush does', privileged, async (t) => {
  const { ns, rt } = setup(t);
  ip(ns.path, ['addr', 'add', '2001:db8:2::1/64', 'dev', 'v0', 'nodad']);
  // The same setup flushed by ip, for the oracle.
  const other = setup(t);
  ip(other.ns.path, ['addr', 'add', '2001:db8:2::1/64', 'dev', 'v0', 'nodad']);
  ip(other.ns.path, ['-6', 'addr', 'flush', 'dev', 'v0']);
  t.equal(await rt.addr.flush({ link: 'v0', family: 6 }), 2);
  t.same(addrs(ns.path, 'v0'), ['10.1.0.2/24', '10.1.0.3/24'], 'the IPv4 addresses stay');
  t.same(addrs(ns.path, 'v0'), addrs(other.ns.path, 'v0'), 'what ip -6 addr flush dev v0 leaves');
  t.same(addrs(ns.path, 'v1'), addrs(other.ns.path, 'v1'), 'v1 as ip leaves it');
  t.same(routes(ns.path, 'main'), routes(other.ns.path, 'main'), 'main as ip leaves it');
});

t.test('neigh.flush of one link keeps permanent entries unless state names them, as ip neigh flush does', privileged, async (t) => {
  const { ns, rt } = setup(t);
  const other = setup(t);
  for (const p of [ns.path, other.ns.path]) {
    for (const c of [
      'neigh add 10.1.0.9 lladdr 02:00:00:00:00:09 dev v0 nud stale', 'neigh add 10.1.0.10 lladdr 02:00:00:00:00:0a dev v0 nud reachable',
      'neigh add 10.1.0.11 lladdr 02:00:00:00:00:0b dev v0 nud permanent', 'neigh add 2001:db8::9 lladdr 02:00:00:00:00:19 dev v0 nud stale',
      'neigh add 10.2.0.9 lladdr 02:00:00:00:00:29 dev v1 nud stale',
    ]) ip(p, c.split(' '));
  }
  ip(other.ns.path, ['neigh', 'flush', 'dev', 'v0']);
  const v1 = neighs(ns.path, 'v1');
  t.equal(await rt.neigh.flush({ dev: 'v0' }), 3, 'the three non-permanent entries');
  t.same(neighs(ns.path, 'v0'), neighs(other.ns.path, 'v0'), 'v0 as ip neigh flush dev v0 leaves it');
  t.same(neighs(ns.path, 'v0'), ['10.1.0.11 v0 PERMANENT'], 'the permanent entry stays');
  t.same(neighs(ns.path, 'v1'), v1, 'v1 as it was');
  const noarp = neighs(ns.path, 'v0', true).filter((n) => n.endsWith(' NOARP'));
  ip(other.ns.path, ['neigh', 'flush', 'dev', 'v0', 'nud', 'all']);
  t.equal(await rt.neigh.flush({ dev: 'v0', state: 'all' }), 1, "state 'all' takes the permanent entry too");
  t.same(neighs(ns.path, 'v0', true), noarp, "none left on v0 but the kernel's noarp entries, as ip neigh flush nud all leaves them");
  t.same(neighs(ns.path, 'v0'), neighs(other.ns.path, 'v0'), 'as ip leaves v0');

  ip(ns.path, ['neigh', 'add', '2001:db8:1::9', 'lladdr', '02:00:00:00:00:39', 'dev', 'v1', 'nud', 'permanent']);
  t.equal(await rt.neigh.flush({ dev: 'v1', family: 6, state: 'permanent' }), 1, 'family 6, state permanent');
  t.same(neighs(ns.path, 'v1'), v1, "v1's IPv4 entry stays");

  // Proxy entries: flushed with proxy: true, and only then.
  for (const c of ['neigh add proxy 10.1.0.50 dev v0', 'neigh add proxy 2001:db8::50 dev v0', 'neigh add proxy 10.2.0.50 dev v1']) ip(ns.path, c.split(' '));
  const proxies = () => ipJson(ns.path, ['neigh', 'show', 'proxy']).map((n: any) => `${n.dst} ${n.dev}`).sort();
  t.equal(await rt.neigh.flush({ dev: 'v1', state: 'all' }), 1, 'a neighbour flush leaves proxy entries');
  t.same(proxies(), ['10.1.0.50 v0', '10.2.0.50 v1', '2001:db8::50 v0']);
  t.equal(await rt.neigh.flush({ dev: 'v0', proxy: true }), 2, "v0's proxy entries");
  t.same(proxies(), ['10.2.0.50 v1'], "v1's proxy entry stays");
});

t.test("neigh.flush of one link deletes entries in state 'none' too, as ip neigh flush dev does (its filter has the bit for them)", privileged, async (t) => {
  const { ns, rt } = setup(t);
  const other = setup(t);
  for (const p of [ns.path, other.ns.path]) {
    for (const c of [
      'neigh add 10.1.0.9 lladdr 02:00:00:00:00:09 dev v0 nud stale', 'neigh add 10.1.0.12 dev v0 nud none',
      'neigh add 10.1.0.11 lladdr 02:00:00:00:00:0b dev v0 nud permanent', 'neigh add 10.2.0.12 dev v1 nud none',
    ]) ip(p, c.split(' '));
  }
  // ip prints no state for NUD_NONE.
  const all = (nsPath: string, dev: string) => ipJson(nsPath, ['neigh', 'show', 'nud', 'all', 'dev', dev])
    .map((n: any) => `${n.dst} ${(n.state ?? ['NONE']).join(',')}`).filter((n: string) => !n.endsWith(' NOARP')).sort();
  ip(other.ns.path, ['neigh', 'flush', 'dev', 'v0']);
  t.same(all(other.ns.path, 'v0'), ['10.1.0.11 PERMANENT'], 'ip neigh flush dev v0 leaves the permanent entry alone');
  t.equal(await rt.neigh.flush({ dev: 'v0' }), 2, "the stale entry and the one in state 'none'");
  t.same(all(ns.path, 'v0'), all(other.ns.path, 'v0'), 'v0 as ip neigh flush dev v0 leaves it');
  t.same(all(ns.path, 'v1'), ['10.2.0.12 NONE'], 'v1 as it was');
  t.equal(await rt.neigh.flush({ dev: 'v1', state: 'stale' }), 0, "a state filter that does not name 'none' leaves such entries, as ip's does");
  t.same(all(ns.path, 'v1'), ['10.2.0.12 NONE']);
});

t.test('objects that vanish between the dump and the delete count as gone, not as errors', privileged, async (t) => {
  const { ns, rt } = setup(t);
  for (const c of ['route add 10.9.0.0/24 via 10.1.0.1 table 100', 'route add 10.8.0.0/24 via 10.1.0.1 table 100', 'route add 2001:db8:9::/48 via 2001:db8::2 table 100']) ip(ns.path, c.split(' '));
  const routeApi = RouteApi.of(racingCore(rt, () => ip(ns.path, ['route', 'del', '10.8.0.0/24', 'table', '100'])));
  t.equal(await routeApi.flush({ table: 100 }), 3, 'the route ip deleted meanwhile (ESRCH) is counted');
  t.same(routes(ns.path, '100'), []);

  ip(ns.path, ['addr', 'add', '10.1.7.1/24', 'dev', 'v0']);
  const addrApi = AddrApi.of(racingCore(rt, () => ip(ns.path, ['addr', 'del', '10.1.7.1/24', 'dev', 'v0'])));
  t.equal(await addrApi.flush({ link: 'v0' }), 4, 'the address ip deleted meanwhile (EADDRNOTAVAIL) is counted');
  t.same(addrs(ns.path, 'v0'), []);

  for (const c of ['neigh add 10.2.0.9 lladdr 02:00:00:00:00:29 dev v1 nud stale', 'neigh add 10.2.0.10 lladdr 02:00:00:00:00:2a dev v1 nud stale']) ip(ns.path, c.split(' '));
  const neighApi = NeighApi.of(racingCore(rt, () => ip(ns.path, ['neigh', 'del', '10.2.0.10', 'dev', 'v1'])));
  t.equal(await neighApi.flush({ dev: 'v1' }), 2, 'the entry ip deleted meanwhile (ENOENT) is counted');
  t.same(neighs(ns.path, 'v1'), []);
});

/** Rules as `ip -j -4` and `ip -j -6 rule show` print them: 'family priority selector table'. */
function rules(nsPath: string): string[] {
  const show = (fam: string): string[] => ipJson(nsPath, [fam, 'rule', 'show']).map((r: any) =>
    `${fam} ${r.priority} ${r.src ?? 'all'}${r.srclen !== undefined ? `/${r.srclen}` : ''}${r.fwmark !== undefined ? ` fwmark ${r.fwmark}` : ''} ${r.table}`);
  return [...show('-4'), ...show('-6')];
}

const DEFAULTS = ['-4 0 all local', '-4 32766 all main', '-4 32767 all default', '-6 0 all local', '-6 32766 all main'];

t.test('rule.flush deletes the rules list returns, both families, and keeps the default rules unless priority names one', privileged, async (t) => {
  const { ns, rt } = freshHandle(t);
  const add = (p: string) => {
    for (const c of ['rule add from 10.0.0.0/8 table 100 pref 100', 'rule add fwmark 7 table 100 pref 200', 'rule add to 10.9.0.0/16 table 101 pref 300', '-6 rule add from 2001:db8::/32 table 100 pref 100']) ip(p, c.split(' '));
  };
  add(ns.path);
  t.same(rules(ns.path), ['-4 0 all local', '-4 100 10.0.0.0/8 100', '-4 200 all fwmark 0x7 100', '-4 300 all 101', '-4 32766 all main', '-4 32767 all default', '-6 0 all local', '-6 100 2001:db8::/32 100', '-6 32766 all main']);
  t.equal(await rt.rule.flush({ table: 100 }), 3, 'the three rules of table 100, IPv4 and IPv6');
  t.same(rules(ns.path), ['-4 0 all local', '-4 300 all 101', '-4 32766 all main', '-4 32767 all default', '-6 0 all local', '-6 32766 all main'], 'table 101 and the defaults stay');

  // Everything else, both families; ip rule flush of the same rules (IPv4: ip's default
  // family) leaves only priority 0, main and default lookups gone.
  const other = freshHandle(t);
  add(other.ns.path);
  ip(other.ns.path, ['rule', 'flush']);
  t.same(rules(other.ns.path).filter((r) => r.startsWith('-4')), ['-4 0 all local'], 'ip rule flush deletes 32766 and 32767 too');
  t.equal(await rt.rule.flush(), 1, 'the table 101 rule');
  t.same(rules(ns.path), DEFAULTS, 'only the default rules left');
  t.equal(await rt.rule.flush({}), 0, 'nothing more to flush');

  // Named by priority, a default rule is flushed.
  t.equal(await rt.rule.flush({ family: 4, priority: 32767 }), 1, 'priority 32767 named');
  t.same(rules(ns.path), DEFAULTS.filter((r) => r !== '-4 32767 all default'));

  // A rule deleted through ip between the dump and the delete counts as removed.
  add(ns.path);
  const api = RuleApi.of(racingCore(rt, () => ip(ns.path, ['rule', 'del', 'pref', '200'])));
  t.equal(await api.flush({ family: 4 }), 3, 'the rule ip deleted meanwhile (ENOENT) is counted');
  t.same(rules(ns.path).filter((r) => r.startsWith('-4')), ['-4 0 all local', '-4 32766 all main']);
});

/** An RTM_NEWROUTE for 10.N.0.0/24 via 10.1.0.1 dev ifindex 3 in table 100, as a dump part. */
function routeMessage(n: number): Buffer {
  const w = new MessageWriter();
  w.begin(C.RTM_NEWROUTE, 2 /* NLM_F_MULTI */, 1, 0);
  putRtmsg(w, 2, 24, 0, 0, 100, C.RTPROT_BOOT, 0, C.RTN_UNICAST, 0);
  w.putBytes(C.RTA_DST, Uint8Array.of(10, n, 0, 0));
  w.putBytes(C.RTA_GATEWAY, Uint8Array.of(10, 1, 0, 1));
  w.putU32(C.RTA_OIF, 3);
  const b = Buffer.from(w.finish());
  w.release();
  return b;
}

/** A RouteApi over a socket whose dumps give `dumps()` routes and whose batches answer `answer(n)`. */
function scripted(dumps: () => number[], answer: (n: number) => { status: string[]; errors: unknown[]; failure?: Error }): { api: RouteApi; counts: { dumps: number; batches: number; sent: number[][] } } {
  const counts = { dumps: 0, batches: 0, sent: [] as number[][] };
  const core = {
    sock: {
      async dump(_type: number, _flags: number, _build: unknown, onMessage: (buf: Buffer, view: DataView, off: number, len: number) => unknown) {
        counts.dumps++;
        return dumps().map((n) => {
          const m = routeMessage(n);
          return onMessage(m, new DataView(m.buffer, m.byteOffset, m.byteLength), 0, m.length);
        });
      },
      async requestBatch(msgs: Array<{ type: number; build(w: MessageWriter): void }>) {
        counts.batches++;
        counts.sent.push(msgs.map((m) => m.type));
        const r = answer(msgs.length);
        return { failure: undefined, ...r, firstRefused: r.status.indexOf('refused') };
      },
    },
    linkIndex: async () => 3,
    linkHwAddrLen: async () => ({ index: 3, addrLen: 6 }),
  };
  return { api: RouteApi.of(core as never), counts };
}

const refusedBy = (errno: number) => new NetlinkError(errno, { type: C.RTM_DELROUTE, typeName: 'RTM_DELROUTE', seq: 9, subject: undefined }, { message: 'the kernel says no' });

t.test('a refusal that is not a race stops the flush and says how many were deleted before it', async (t) => {
  const { api, counts } = scripted(() => [9, 8, 7], (n) => ({ status: ['ok', 'refused', 'unsent'].slice(0, n), errors: [undefined, refusedBy(1 /* EPERM */), undefined] }));
  const e = await api.flush({ table: 100 }).then(() => undefined, (x: unknown) => x);
  t.ok(e instanceof NetlinkError, String(e));
  const ne = e as NetlinkError;
  t.equal(ne.code, 'EPERM');
  t.match(ne.message, /the kernel says no/, "the kernel's text");
  t.match(ne.message, /the flush deleted 1 route and stopped at this one/, 'how many were deleted');
  t.match(ne.message, /\(RTM_DELROUTE 10\.8\.0\.0\/24 via 10\.1\.0\.1 dev ifindex 3 table 100\)$/, 'the route it refused');
  t.same(counts.sent, [[C.RTM_DELROUTE, C.RTM_DELROUTE, C.RTM_DELROUTE]], 'one batch of deletes, nothing after the refusal');

  // A race (ESRCH) in the same place is no error.
  const ok = scripted(((k = 0) => () => (k++ === 0 ? [9, 8, 7] : []))(), (n) => ({ status: ['ok', 'refused', 'ok'].slice(0, n), errors: [undefined, refusedBy(3 /* ESRCH */), undefined] }));
  t.equal(await ok.api.flush({ table: 100 }), 3);
  t.equal(ok.counts.dumps, 2, 'dumped again to see that nothing matches');
});

t.test('a flush whose routes keep coming back gives up after 10 rounds, as ip does', async (t) => {
  const { api, counts } = scripted(() => [9], (n) => ({ status: new Array(n).fill('ok'), errors: new Array(n).fill(undefined) }));
  const e = await caught(api.flush({ table: 100, dev: 'v9' }));
  t.ok(e instanceof NetlinkError && e.code === 'EAGAIN', `EAGAIN: ${String(e)}`);
  t.match((e as Error).message, /1 route still matched after 10 rounds of deletions \(10 routes deleted\)/);
  t.match((e as Error).message, /\(RTM_DELROUTE flush table 100 dev v9\)$/, 'naming the filter');
  t.equal(counts.batches, 10, '10 rounds of deletions');
  t.equal(counts.dumps, 11, 'and the dump that found them back');
});

t.test("a handle closed under a flush's deletes is a ClosedError, as for any other call on it", async (t) => {
  const closed = new ClosedError('Rtnl handle');
  const { api } = scripted(() => [9, 8], (n) => ({ status: ['ok', 'unknown'].slice(0, n), errors: [undefined, undefined], failure: closed }));
  const e = await caught(api.flush({ table: 100 }));
  t.equal(e, closed, `the ClosedError itself: ${String(e)}`);
});
