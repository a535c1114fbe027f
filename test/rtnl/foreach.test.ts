// rt.link/addr/route/neigh.forEach: the objects list() returns, walked as the dump is
// read instead of collected (tables of any size in one receive buffer's memory).
import t from 'tap';
import { DumpInterruptedError, InvalidArgumentError, type LinkFilter, type Route, type Rtnl } from '../../src/index.js';
import { addrFixture, inNs, ip, privileged } from '../helpers.js';

/**
 * Objects without what ticks between two dumps: cache-info ages (used/confirmed/updated)
 * and a link's counters (a link that is up with no carrier counts a dropped packet now
 * and then: txDropped 1 in list, 2 in the walk).
 */
const steady = (xs: unknown[]): unknown[] => xs.map((x) => {
  if (typeof x !== 'object' || x === null || !('cacheinfo' in x || 'stats64' in x)) return x;
  const { cacheinfo: _ages, stats64: _counters, ...rest } = x as Record<string, unknown>;
  return rest;
});

/** 2000 routes in table 100 and 3 in main, through one `ip -batch`. */
function routes(nsPath: string): void {
  let batch = 'route add 10.99.0.0/24 dev v0\nroute add 10.98.0.0/24 dev v0 metric 5\nroute add 2001:db8:99::/48 dev v0\n';
  for (let i = 0; i < 2000; i++) batch += `route add 10.${100 + (i >> 8)}.${i & 255}.0/24 dev v0 table 100\n`;
  inNs(nsPath, 'ip', ['-batch', '-'], batch);
}

t.test('route.forEach walks what route.list returns, filter for filter, and resolves with the count', privileged, async (t) => {
  const { ns, rt } = addrFixture(t);
  routes(ns.path);
  for (const filter of [undefined, { table: 100 }, { table: 'all' as const }, { family: 6 as const }, { table: 100, dst: '10.101.3.0/24' }]) {
    const listed = await rt.route.list(filter);
    const walked: Route[] = [];
    const n = await rt.route.forEach(filter, (r) => void walked.push(r));
    t.same(walked, listed, `forEach(${JSON.stringify(filter)}) = list(${JSON.stringify(filter)})`);
    t.equal(n, listed.length);
  }
  t.equal((await rt.route.list({ table: 100 })).length, 2000, 'the fixture is what the test thinks');
  const walked: Route[] = [];
  await rt.route.forEach((r) => void walked.push(r));
  t.same(walked, await rt.route.list(), 'forEach(fn) is forEach(undefined, fn)');
  t.equal(await rt.route.forEach({ table: 4242 }, () => undefined), 0, 'a table that does not exist holds no routes, as list says');
});

t.test('route.forEach stops when the callback returns false; the handle goes on with the next request', privileged, async (t) => {
  const { ns, rt } = addrFixture(t);
  routes(ns.path);
  const seen: string[] = [];
  const n = await rt.route.forEach({ table: 100 }, (r) => {
    seen.push(r.dst);
    return seen.length < 10;
  });
  t.equal(n, 10);
  t.same(seen, (await rt.route.list({ table: 100 })).slice(0, 10).map((r) => r.dst), 'the first ten, in dump order');
  t.equal(rt.sock.stats.stale, 0, 'nothing of the stopped walk was left for later requests');
});

t.test('forEach rejects with what the callback threw and the handle goes on; an async callback is refused', privileged, async (t) => {
  const { ns, rt } = addrFixture(t);
  routes(ns.path);
  const boom = new Error('boom');
  await t.rejects(rt.route.forEach({ table: 100 }, (r) => {
    if (r.dst === '10.100.5.0/24') throw boom;
  }), boom);
  await t.rejects(rt.link.forEach((async () => undefined) as never), { name: 'InvalidArgumentError', argument: 'fn', message: /returned a promise/ });
  t.equal((await rt.route.list({ table: 100 })).length, 2000);
  t.equal(rt.sock.stats.stale, 0);
});

t.test('forEach checks its arguments before anything is sent', privileged, async (t) => {
  const { rt } = addrFixture(t);
  const before = rt.sock.stats.requests;
  await t.rejects(rt.route.forEach({ table: 100 }, undefined as unknown as () => void), { name: 'InvalidArgumentError', argument: 'fn', message: /expected a callback function, got undefined/ });
  await t.rejects(rt.link.forEach((() => undefined) as never, (() => undefined) as never), { name: 'InvalidArgumentError', argument: 'fn', message: /filter first and the callback second/ });
  await t.rejects(rt.addr.forEach({ bogus: 1 } as never, () => undefined), InvalidArgumentError);
  await t.rejects(rt.neigh.forEach({ state: 'nope' } as never, () => undefined), InvalidArgumentError);
  t.equal(rt.sock.stats.requests, before, 'nothing sent');
});

t.test('link.forEach, addr.forEach and neigh.forEach walk what their list returns', privileged, async (t) => {
  const { ns, rt } = addrFixture(t);
  let batch = '';
  for (let i = 0; i < 30; i++) batch += `link add b${i} group ${i % 2 ? 7 : 0} type bridge\n`;
  for (let i = 0; i < 300; i++) batch += `addr add 10.5.${i >> 8}.${i & 255}/32 dev v0\n`;
  batch += 'addr add 2001:db8::5/64 dev v0 nodad\n';
  for (let i = 0; i < 50; i++) batch += `neigh add 10.6.0.${i + 1} lladdr 02:00:00:00:00:${(i + 16).toString(16)} dev v0 nud permanent\n`;
  batch += 'neigh add 2001:db8::9 lladdr 02:00:00:00:01:01 dev v0 nud reachable\n';
  inNs(ns.path, 'ip', ['-batch', '-'], batch);
  ip(ns.path, ['link', 'set', 'v1', 'master', 'b0']);
  const pairs: [string, unknown, (f: any, fn: (x: unknown) => void) => Promise<number>, (f: any) => Promise<unknown[]>][] = [
    ['link', undefined, (f, fn) => rt.link.forEach(f, fn), (f) => rt.link.list(f)],
    ['link', { kind: 'bridge' }, (f, fn) => rt.link.forEach(f, fn), (f) => rt.link.list(f)],
    ['link', { group: 7 }, (f, fn) => rt.link.forEach(f, fn), (f) => rt.link.list(f)],
    ['link', { master: 'b0' }, (f, fn) => rt.link.forEach(f, fn), (f) => rt.link.list(f)],
    ['addr', undefined, (f, fn) => rt.addr.forEach(f, fn), (f) => rt.addr.list(f)],
    ['addr', { link: 'v0', family: 6 }, (f, fn) => rt.addr.forEach(f, fn), (f) => rt.addr.list(f)],
    ['addr', { scope: 'host' }, (f, fn) => rt.addr.forEach(f, fn), (f) => rt.addr.list(f)],
    ['neigh', undefined, (f, fn) => rt.neigh.forEach(f, fn), (f) => rt.neigh.list(f)],
    ['neigh', { family: 6 }, (f, fn) => rt.neigh.forEach(f, fn), (f) => rt.neigh.list(f)],
    ['neigh', { state: 'permanent' }, (f, fn) => rt.neigh.forEach(f, fn), (f) => rt.neigh.list(f)],
  ];
  for (const [what, filter, each, list] of pairs) {
    const listed = await list(filter);
    const walked: unknown[] = [];
    const n = await each(filter, (x) => void walked.push(x));
    t.same(steady(walked), steady(listed), `${what}.forEach(${JSON.stringify(filter)}) = ${what}.list(…): ${listed.length}`);
    t.equal(n, listed.length);
  }
  t.equal((await rt.addr.list({ family: 4 })).length, 300, 'the fixture is what the test thinks');
  t.equal((await rt.link.list({ group: 7 })).length, 15);
  t.equal((await rt.link.list({ master: 'b0' })).length, 1);
});

/**
 * link.forEach(filter) whose first callback adds a bridge with `ip`: between two parts of
 * the dump, so the next part is flagged NLM_F_DUMP_INTR. What the walk rejected with
 * (undefined if it resolved) and how often fn ran.
 */
async function interruptedWalk(rt: Rtnl, nsPath: string, filter: LinkFilter | undefined): Promise<{ e: unknown; calls: number }> {
  let calls = 0;
  const e = await rt.link.forEach(filter, () => {
    if (calls++ === 0) ip(nsPath, ['link', 'add', 'bx', 'type', 'bridge']);
  }).then(() => undefined, (x: unknown) => x);
  return { e, calls };
}

t.test('a forEach walk that a concurrent change interrupts rejects with DumpInterruptedError after the walk', privileged, async (t) => {
  const { ns, rt } = addrFixture(t);
  let batch = '';
  for (let i = 0; i < 60; i++) batch += `link add b${i} type bridge\n`;
  inNs(ns.path, 'ip', ['-batch', '-'], batch);
  const { e, calls } = await interruptedWalk(rt, ns.path, undefined);
  t.ok(e instanceof DumpInterruptedError, 'DumpInterruptedError');
  t.match(e, { attempts: 1, delivered: calls });
  t.ok(calls >= 62, `the walk went to the end (${calls} links)`);
});

t.test('fdb.forEach walks what fdb.list returns, filter for filter', privileged, async (t) => {
  const { ns, rt } = addrFixture(t);
  for (const c of ['link add br0 type bridge', 'link set v0 master br0', 'link add vx0 type vxlan id 42 dstport 4789 local 10.0.0.1', 'link set br0 up']) ip(ns.path, c.split(' '));
  let batch = '';
  for (let i = 0; i < 200; i++) batch += `fdb add 02:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')} dev v0 master static\n`;
  for (let i = 0; i < 100; i++) batch += `fdb append 00:00:00:00:00:00 dev vx0 dst 10.0.1.${i + 1}\n`;
  inNs(ns.path, 'bridge', ['-batch', '-'], batch);
  for (const filter of [undefined, { master: 'br0' }, { link: 'vx0' }, { state: 'static' as const }, { link: 'v0', state: 'static' as const }]) {
    const listed = await rt.fdb.list(filter);
    const walked: unknown[] = [];
    const n = await rt.fdb.forEach(filter, (e) => void walked.push(e));
    t.same(steady(walked), steady(listed), `fdb.forEach(${JSON.stringify(filter)}) = fdb.list(…): ${listed.length}`);
    t.equal(n, listed.length);
  }
  t.equal((await rt.fdb.list({ link: 'vx0' })).length, 100, 'the fixture is what the test thinks');
  t.equal((await rt.fdb.list({ link: 'v0', state: 'static' })).length, 200);
});

t.test('rule.forEach walks what rule.list returns, filter for filter', privileged, async (t) => {
  const { ns, rt } = addrFixture(t);
  let batch = '';
  for (let i = 0; i < 40; i++) batch += `rule add pref ${1000 + i} from 10.7.${i}.0/24 table ${100 + (i % 4)}\n`;
  inNs(ns.path, 'ip', ['-batch', '-'], batch);
  ip(ns.path, ['-6', 'rule', 'add', 'pref', '900', 'to', '2001:db8::/32', 'table', '100']);
  for (const filter of [undefined, { family: 4 as const }, { table: 101 }, { priority: 1005 }, { family: 6 as const, table: 100 }]) {
    const listed = await rt.rule.list(filter);
    const walked: unknown[] = [];
    const n = await rt.rule.forEach(filter, (r) => void walked.push(r));
    t.same(walked, listed, `rule.forEach(${JSON.stringify(filter)}) = rule.list(…): ${listed.length}`);
    t.equal(n, listed.length);
  }
  t.equal((await rt.rule.list({ table: 101 })).length, 10, 'the fixture is what the test thinks');
});

t.test("an interrupted walk's delivered counts what fn was given, not the parts list's filter dropped", privileged, async (t) => {
  const { ns, rt } = addrFixture(t);
  let batch = '';
  // group 7 is filtered here, not by the kernel: every other link is read and dropped.
  for (let i = 0; i < 60; i++) batch += `link add b${i} group ${i % 4 === 0 ? 7 : 0} type bridge\n`;
  inNs(ns.path, 'ip', ['-batch', '-'], batch);
  const { e, calls } = await interruptedWalk(rt, ns.path, { group: 7 });
  t.ok(e instanceof DumpInterruptedError, 'DumpInterruptedError');
  t.equal(calls, 15, 'fn saw the group-7 links');
  t.match(e, { attempts: 1, delivered: 15 });
  t.match((e as Error).message, /after 15 objects went to the callback/);
});

t.test('forEach refuses the filters list refuses: null is not a filter for any of them', privileged, async (t) => {
  const { rt } = addrFixture(t);
  const before = rt.sock.stats.requests;
  for (const [what, list, each] of [
    ['link', () => rt.link.list(null as never), () => rt.link.forEach(null as never, () => undefined)],
    ['addr', () => rt.addr.list(null as never), () => rt.addr.forEach(null as never, () => undefined)],
    ['route', () => rt.route.list(null as never), () => rt.route.forEach(null as never, () => undefined)],
    ['neigh', () => rt.neigh.list(null as never), () => rt.neigh.forEach(null as never, () => undefined)],
    ['fdb', () => rt.fdb.list(null as never), () => rt.fdb.forEach(null as never, () => undefined)],
    ['filter', () => rt.filter.list(null as never), () => rt.filter.forEach(null as never, () => undefined)],
    ['rule', () => rt.rule.list(null as never), () => rt.rule.forEach(null as never, () => undefined)],
  ] as const) {
    const l = await list().then(() => undefined, (x: unknown) => x);
    const f = await each().then(() => undefined, (x: unknown) => x);
    t.ok(l instanceof InvalidArgumentError, `${what}.list(null) is refused`);
    t.ok(f instanceof InvalidArgumentError, `${what}.forEach(null, fn) is refused as well (${String(f)})`);
    t.equal((f as InvalidArgumentError | undefined)?.argument, (l as InvalidArgumentError).argument, `${what}: the same argument named`);
    // In the same words for all seven (rt.link's said 'expected an object' without what it got).
    t.equal((l as Error).message, 'invalid filter: expected an object, got null', `${what}.list(null)'s message`);
    t.equal((f as Error | undefined)?.message, 'invalid filter: expected an object, got null', `${what}.forEach(null)'s message`);
  }
  t.equal(rt.sock.stats.requests, before, 'nothing sent');
});
