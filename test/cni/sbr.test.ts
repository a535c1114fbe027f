// nlkit-sbr against the reference sbr plugin (Debian's containernetworking-plugins
// 1.1.1, /usr/lib/cni/sbr), each chained after the reference ptp or bridge in its own
// throwaway namespaces: the same result and the same rules and routes of every table in
// the container (IPv4, IPv6, dual stack, two addresses of a family, two interfaces, a
// table taken by a rule); each plugin's DEL on the other's ADD; where nlkit differs on
// purpose (a table holding routes but no rule, the later upstream "table" option, an
// interface with no address of its own, a failure half-way, DEL's idempotency) both are
// run and the difference asserted; CHECK and its drift codes; bad configuration.
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Netns } from '../../src/index.js';
import { runPlugin } from '../../src/cni/runtime.js';
import { sbrPlugin } from '../../src/cni/plugins/sbr.js';
import { RouteApi } from '../../src/rtnl/route/api.js';
import type { Route } from '../../src/rtnl/route/decode.js';
import { RuleApi } from '../../src/rtnl/rule/api.js';
import * as sys from '../../src/netlink/sys.js';
import { ip, ipJson, privileged } from '../helpers.js';
import { NLKIT_SBR, REF_BRIDGE, REF_DIR, REF_PTP, REF_SBR, cniEnv, normalisedResult, ptpConf, runIn, runInAsync, settle, world, type Run, type World } from './util.js';

const haveRef = [REF_SBR, REF_PTP, REF_BRIDGE, `${REF_DIR}/host-local`].every((f) => existsSync(f));
const opts = haveRef ? { ...privileged, timeout: 240_000 } : { skip: `reference plugins not installed in ${REF_DIR} (apt-get install containernetworking-plugins)` };

type Json = Record<string, any>;

function ok(t: any, r: Run, what: string): Json {
  t.equal(r.status, 0, r.status === 0 ? `${what} exits 0` : `${what} exits 0 (stdout: ${r.stdout} stderr: ${r.stderr.slice(-2000)})`);
  return r.json as Json;
}

/** An interface made by a reference plugin before sbr runs: its name, the plugin and its configuration. */
interface Iface {
  name: string;
  plugin: string;
  conf: (w: World) => Json;
}

const ptpIf = (name: string, o: Parameters<typeof ptpConf>[1] = {}): Iface => ({
  name, plugin: REF_PTP, conf: (w) => ptpConf(w, { version: '1.0.0', type: 'ptp', ...o }),
});

const bridgeIf = (name: string): Iface => ({
  name,
  plugin: REF_BRIDGE,
  conf: (w) => ({
    cniVersion: '1.0.0', name: 'brnet', type: 'bridge', bridge: 'cni0', isDefaultGateway: true,
    ipam: { type: 'host-local', dataDir: w.dataDir, ranges: [[{ subnet: '10.1.0.0/24' }], [{ subnet: 'fd00:1::/64' }]] },
  }),
});

/** sbr's configuration, chained after `prev`. */
function sbrConf(type: string, prev: Json | undefined, extra: Json = {}): Json {
  return { cniVersion: '1.0.0', name: 'sbrnet', type, ...extra, ...(prev ? { prevResult: prev } : {}) };
}

/** Run an sbr plugin for `cmd` on interface `ifName` of the world's container. */
function sbr(plugin: string, w: World, cmd: string, ifName: string, prev: Json | undefined, extra: Json = {}, env: Record<string, string | undefined> = {}): Run {
  return runIn(w.host.path, plugin, cniEnv(cmd, w, { CNI_IFNAME: ifName, ...env }), sbrConf(plugin === REF_SBR ? 'sbr' : 'nlkit-sbr', prev, extra));
}

/**
 * Wait (up to 5 s) until the kernel's `fe80::/64` route of `ifName` is in the main
 * table: the kernel adds it once the link has its carrier, asynchronously, and sbr moves
 * it (the reference too), so both plugins must find it there.
 */
async function linkLocalRoute(nsPath: string, ifName: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!ipJson<Json[]>(nsPath, ['-6', 'route', 'show', 'table', 'main', 'dev', ifName]).some((r) => r.dst === 'fe80::/64')) {
    if (Date.now() > deadline) throw new Error(`no fe80::/64 route for ${ifName} in ${nsPath} after 5 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A world whose container has `ifs` made by the reference plugins, settled; each interface's result. */
async function chain(t: any, ifs: readonly Iface[]): Promise<{ w: World; prev: Json[] }> {
  const w = world(t);
  const prev = ifs.map((i) => ok(t, runIn(w.host.path, i.plugin, cniEnv('ADD', w, { CNI_IFNAME: i.name }), i.conf(w)), `${i.plugin} ADD ${i.name}`));
  await settle(w.ctr.path!);
  for (const i of ifs) await linkLocalRoute(w.ctr.path!, i.name);
  return { w, prev };
}

function sortJson(a: Json[]): Json[] {
  return a.map((x) => [JSON.stringify(x), x] as const).sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)).map((x) => x[1]);
}

/**
 * What sbr changes in the container: the rules of both families (`ip -j -d rule`) and
 * the routes of every table but `local` (`ip -j -d route show table all`; the local
 * table holds the kernel's routes to the container's own addresses, link-local ones
 * derived from random MACs included, which sbr never touches).
 */
function sbrState(nsPath: string): { rules: Json[]; routes: Json[] } {
  const rules = [4, 6].flatMap((f) => ipJson<Json[]>(nsPath, [`-${f}`, '-d', 'rule', 'show']).map((r) => ({ family: f, ...r })));
  const routes = [4, 6].flatMap((f) => ipJson<Json[]>(nsPath, [`-${f}`, '-d', 'route', 'show', 'table', 'all']).map((r): Json => ({ family: f, ...r })))
    .filter((r) => r.table !== 'local');
  return { rules, routes: sortJson(routes) };
}

/** The rules beyond the kernel's three (`from all lookup local/main/default`), as `priority: from lookup table` lines. */
function sbrRules(nsPath: string): string[] {
  return sbrState(nsPath).rules.filter((r) => r.src !== 'all').map((r) => `${r.family} ${r.priority}: from ${r.src} lookup ${r.table}`);
}

/** The routes of one table, as `dst via gw dev` lines. */
function tableRoutes(nsPath: string, table: string | number): string[] {
  return sbrState(nsPath).routes.filter((r) => String(r.table ?? 'main') === String(table))
    .map((r) => `${r.dst}${r.gateway ? ` via ${r.gateway}` : ''} dev ${r.dev}`).sort();
}

const cases: { name: string; ifs: Iface[]; before?: (w: World) => void; tables: Json }[] = [
  { name: 'IPv4 after ptp', ifs: [ptpIf('eth0')], tables: { 'from 10.1.0.2': '100' } },
  { name: 'IPv6 after ptp', ifs: [ptpIf('eth0', { v4: false, v6: true })], tables: { 'from fd00:1::2': '100' } },
  { name: 'dual stack after ptp', ifs: [ptpIf('eth0', { v6: true })], tables: { 'from 10.1.0.2': '100', 'from fd00:1::2': '101' } },
  { name: 'dual stack after bridge (kernel prefix routes, isDefaultGateway)', ifs: [bridgeIf('eth0')], tables: { 'from 10.1.0.2': '100', 'from fd00:1::2': '101' } },
  {
    name: 'two IPv4 addresses on one interface (a table each)',
    ifs: [ptpIf('eth0', { ipamExtra: { ranges: [[{ subnet: '10.1.0.0/24' }], [{ subnet: '10.3.0.0/24' }]] } })],
    tables: { 'from 10.1.0.2': '100', 'from 10.3.0.2': '101' },
  },
  {
    name: 'two interfaces, each chained to its own sbr',
    ifs: [ptpIf('eth0', { v6: true }), ptpIf('net1', { name: 'ptpnet2', ipamExtra: { ranges: [[{ subnet: '10.2.0.0/24' }]], routes: [{ dst: '192.168.0.0/16' }] } })],
    tables: { 'from 10.1.0.2': '100', 'from fd00:1::2': '101', 'from 10.2.0.2': '102' },
  },
  {
    name: 'tables 100 and 102 taken by rules of other sources',
    ifs: [ptpIf('eth0', { v6: true })],
    before: (w) => {
      ip(w.ctr.path!, ['rule', 'add', 'from', '198.51.100.7', 'lookup', '100']);
      ip(w.ctr.path!, ['-6', 'rule', 'add', 'from', '2001:db8::7', 'lookup', '102']);
    },
    tables: { 'from 10.1.0.2': '101', 'from fd00:1::2': '103', 'from 198.51.100.7': '100', 'from 2001:db8::7': '102' },
  },
];

for (const c of cases) {
  t.test(`reference sbr and nlkit-sbr agree: ${c.name}`, opts, async (t) => {
    const ref = await chain(t, c.ifs);
    const mine = await chain(t, c.ifs);
    c.before?.(ref.w);
    c.before?.(mine.w);
    const before = sbrState(mine.w.ctr.path!);
    t.same(before, sbrState(ref.w.ctr.path!), 'the two containers start alike');
    const refRes = c.ifs.map((i, n) => ok(t, sbr(REF_SBR, ref.w, 'ADD', i.name, ref.prev[n]), `reference sbr ADD ${i.name}`));
    const myRes = c.ifs.map((i, n) => ok(t, sbr(NLKIT_SBR, mine.w, 'ADD', i.name, mine.prev[n]), `nlkit-sbr ADD ${i.name}`));
    c.ifs.forEach((i, n) => {
      t.same(normalisedResult(myRes[n]!), normalisedResult(refRes[n]!), `same result for ${i.name} (names, MACs and sandbox paths aside)`);
      t.same(normalisedResult(myRes[n]!), normalisedResult(mine.prev[n]!), "it is prevResult, passed on");
    });
    const after = sbrState(mine.w.ctr.path!);
    t.same(after, sbrState(ref.w.ctr.path!), 'same rules and routes in every table');
    t.same(Object.fromEntries(after.rules.filter((r) => r.src !== 'all').map((r) => [`from ${r.src}`, r.table])), c.tables, 'a table per address, the first free from 100');
    t.not(after, before, 'and they changed');
    for (const i of c.ifs) {
      t.same(after.routes.filter((r) => r.dev === i.name && (r.table ?? 'main') === 'main'), [], `no route through ${i.name} is left in the main table`);
    }

    // Each plugin's DEL on its own ADD: the rules go, the tables stay with the interface.
    for (const [plugin, a, res] of [[REF_SBR, ref, refRes], [NLKIT_SBR, mine, myRes]] as const) {
      c.ifs.forEach((i, n) => ok(t, sbr(plugin, a.w, 'DEL', i.name, res[n]), `${plugin} DEL ${i.name}`));
    }
    const deleted = sbrState(mine.w.ctr.path!);
    t.same(deleted, sbrState(ref.w.ctr.path!), 'the same state after DEL');
    t.same(deleted.rules, before.rules, 'the rules are gone (the ones made before sbr stay)');
    ok(t, sbr(NLKIT_SBR, mine.w, 'DEL', c.ifs[0]!.name, myRes[0]), 'a second DEL');
  });
}

t.test("each plugin's DEL removes what the other's ADD made", opts, async (t) => {
  const states: Json[] = [];
  for (const [adder, deleter] of [[REF_SBR, NLKIT_SBR], [NLKIT_SBR, REF_SBR]] as const) {
    const { w, prev } = await chain(t, [ptpIf('eth0', { v6: true })]);
    const before = sbrState(w.ctr.path!).rules;
    const res = ok(t, sbr(adder, w, 'ADD', 'eth0', prev[0]), `${adder} ADD`);
    t.same(sbrRules(w.ctr.path!), ['4 32765: from 10.1.0.2 lookup 100', '6 32765: from fd00:1::2 lookup 101'], `${adder}'s rules`);
    ok(t, sbr(deleter, w, 'DEL', 'eth0', res), `${deleter} DEL`);
    t.same(sbrState(w.ctr.path!).rules, before, `${deleter} deleted ${adder}'s rules`);
    states.push(sbrState(w.ctr.path!));
  }
  t.same(states[0], states[1], 'and left the same state');
});

t.test('a table that holds routes but no rule is not free for nlkit-sbr (the reference takes it and mixes its routes in)', opts, async (t) => {
  const picked: Record<string, string[]> = {};
  for (const plugin of [REF_SBR, NLKIT_SBR]) {
    const { w, prev } = await chain(t, [ptpIf('eth0')]);
    ip(w.ctr.path!, ['route', 'add', '192.0.2.0/24', 'dev', 'eth0', 'table', '100']);
    ok(t, sbr(plugin, w, 'ADD', 'eth0', prev[0]), `${plugin} ADD`);
    picked[plugin] = sbrRules(w.ctr.path!);
    if (plugin === NLKIT_SBR) t.same(tableRoutes(w.ctr.path!, 100), ['192.0.2.0/24 dev eth0'], "table 100 keeps its own route alone");
    else t.same(tableRoutes(w.ctr.path!, 100), ['10.1.0.0/24 via 10.1.0.1 dev eth0', '10.1.0.1 dev eth0', '192.0.2.0/24 dev eth0', 'default via 10.1.0.1 dev eth0', 'fe80::/64 dev eth0'], 'the reference put eth0\'s routes beside it');
  }
  t.same(picked[NLKIT_SBR], ['4 32765: from 10.1.0.2 lookup 101'], 'nlkit-sbr: table 101');
  t.same(picked[REF_SBR], ['4 32765: from 10.1.0.2 lookup 100'], 'the reference: table 100');
});

t.test('"table" pins the table: rules only, no route moved; DEL deletes the rules of that table alone', opts, async (t) => {
  const { w, prev } = await chain(t, [ptpIf('eth0', { v6: true })]);
  const before = sbrState(w.ctr.path!);
  const res = ok(t, sbr(NLKIT_SBR, w, 'ADD', 'eth0', prev[0], { table: 500 }), 'nlkit-sbr ADD with table 500');
  t.same(normalisedResult(res), normalisedResult(prev[0]!), 'prevResult passed on');
  t.same(sbrRules(w.ctr.path!), ['4 32765: from 10.1.0.2 lookup 500', '6 32765: from fd00:1::2 lookup 500'], 'a rule per address, to table 500');
  t.same(sbrState(w.ctr.path!).routes, before.routes, 'no route moved or added');
  ok(t, sbr(NLKIT_SBR, w, 'CHECK', 'eth0', prev[0], { table: 500 }), 'CHECK with the table');
  t.equal(sbr(NLKIT_SBR, w, 'CHECK', 'eth0', prev[0], { table: 501 }).json?.code, 140, 'CHECK with another table: 140');
  // A rule of the same source to another table is not the plugin's with "table": DEL leaves it.
  ip(w.ctr.path!, ['rule', 'add', 'from', '10.1.0.2', 'lookup', '600', 'pref', '1000']);
  ok(t, sbr(NLKIT_SBR, w, 'DEL', 'eth0', prev[0], { table: 500 }), 'DEL with table 500');
  t.same(sbrRules(w.ctr.path!), ['4 1000: from 10.1.0.2 lookup 600'], 'the rules of table 500 are gone, the other stays');
  // Without "table", DEL takes every rule from the interface's addresses, as the reference 1.1.1 does.
  ok(t, sbr(NLKIT_SBR, w, 'DEL', 'eth0', prev[0]), 'DEL without table');
  t.same(sbrRules(w.ctr.path!), [], 'that one too');

  // The reference 1.1.1 does not know the key: it picks table 100 and moves the routes.
  const ref = await chain(t, [ptpIf('eth0')]);
  ok(t, sbr(REF_SBR, ref.w, 'ADD', 'eth0', ref.prev[0], { table: 500 }), 'reference ADD with table 500');
  t.same(sbrRules(ref.w.ctr.path!), ['4 32765: from 10.1.0.2 lookup 100'], 'the reference 1.1.1 ignores "table"');
});

t.test('CHECK: nlkit-sbr accepts both plugins\' work and reports drift', opts, async (t) => {
  for (const adder of [REF_SBR, NLKIT_SBR]) {
    const { w, prev } = await chain(t, [ptpIf('eth0', { v6: true })]);
    const res = ok(t, sbr(adder, w, 'ADD', 'eth0', prev[0]), `${adder} ADD`);
    const check = () => sbr(NLKIT_SBR, w, 'CHECK', 'eth0', res);
    ok(t, check(), `nlkit-sbr CHECK of ${adder}'s work`);
    ok(t, sbr(REF_SBR, w, 'CHECK', 'eth0', res), `reference CHECK of ${adder}'s work`);
    const ctr = w.ctr.path!;
    ip(ctr, ['rule', 'del', 'from', '10.1.0.2', 'lookup', '100']);
    let r = check();
    t.equal(r.json?.code, 140, 'a rule missing: 140');
    t.match(r.json?.msg, /from 10\.1\.0\.2/);
    ip(ctr, ['rule', 'add', 'from', '10.1.0.2', 'lookup', '100']);
    ok(t, check(), 'CHECK passes with the rule back');
    ip(ctr, ['-6', 'route', 'del', 'default', 'table', '101']);
    r = check();
    t.equal(r.json?.code, 112, "the default route missing from the address's table: 112");
    t.match(r.json?.msg, /fd00:1::1/);
    ip(ctr, ['-6', 'route', 'add', 'default', 'via', 'fd00:1::1', 'dev', 'eth0', 'table', '101']);
    ok(t, check(), 'CHECK passes with the route back');
    t.equal(sbr(NLKIT_SBR, w, 'CHECK', 'eth0', undefined).json?.code, 7, 'no prevResult: 7');
    t.equal(runIn(w.host.path, NLKIT_SBR, cniEnv('CHECK', w), { ...sbrConf('nlkit-sbr', res), cniVersion: '0.3.1' }).json?.code, 1, 'CHECK with cniVersion 0.3.1: 1');
    ip(ctr, ['link', 'del', 'eth0']);
    t.equal(check().json?.code, 110, 'the interface gone: 110');
  }
});

t.test('bad configuration is refused before anything changes', opts, async (t) => {
  const { w, prev } = await chain(t, [ptpIf('eth0', { v6: true })]);
  const p = prev[0]!;
  const before = sbrState(w.ctr.path!);
  const bad: [string, Json | undefined, Json, RegExp][] = [
    ['no prevResult', undefined, {}, /prevResult/],
    ['prevResult without addresses', { ...p, ips: [] }, {}, /no IP addresses supplied on interface: eth0/],
    ['every address on another interface', { ...p, ips: p.ips.map((i: Json) => ({ ...i, interface: 0 })) }, {}, /another interface/],
    ['table not a number', p, { table: 'x' }, /table/],
    ['table 0', p, { table: 0 }, /table/],
    ['table main', p, { table: 254 }, /table/],
    ['table not an integer', p, { table: 100.5 }, /table/],
  ];
  for (const [what, pr, extra, msg] of bad) {
    const r = sbr(NLKIT_SBR, w, 'ADD', 'eth0', pr, extra);
    t.equal(r.json?.code, 7, `${what}: 7`);
    t.match(`${r.json?.msg} ${r.json?.details}`, msg, `${what}: says why`);
  }
  const missing = sbr(NLKIT_SBR, w, 'ADD', 'net9', { ...p, interfaces: [p.interfaces[0], { ...p.interfaces[1], name: 'net9' }] });
  t.equal(missing.json?.code, 7, 'an interface that does not exist: 7');
  t.match(missing.json?.msg, /cannot find network interface net9/);
  t.same(sbrState(w.ctr.path!), before, 'nothing changed');
  for (const [what, pr, extra] of bad) ok(t, sbr(NLKIT_SBR, w, 'DEL', 'eth0', pr, extra), `DEL of "${what}" succeeds`);
  t.same(sbrState(w.ctr.path!), before, 'and DEL made nothing either');

  // The reference, given addresses of another interface only, empties eth0's main table
  // and routes its addresses nowhere (why nlkit-sbr refuses).
  ok(t, sbr(REF_SBR, w, 'ADD', 'eth0', bad[2]![1]), 'the reference takes it');
  t.same(sbrState(w.ctr.path!).routes.filter((r) => r.dev === 'eth0'), [], "the reference deleted every route through eth0");
  t.same(sbrRules(w.ctr.path!), [], 'and made no rule');
});

t.test('a failure half-way through ADD leaves nothing (the reference leaves rules and a table)', opts, async (t) => {
  // The second address's gateway is not reachable through eth0: its default route is
  // refused after the first address's rule, table and routes were made.
  const left: Record<string, string[]> = {};
  for (const plugin of [REF_SBR, NLKIT_SBR]) {
    const { w, prev } = await chain(t, [ptpIf('eth0')]);
    const p = prev[0]!;
    const before = sbrState(w.ctr.path!);
    const r = sbr(plugin, w, 'ADD', 'eth0', { ...p, ips: [...p.ips, { interface: 1, address: '10.9.0.2/24', gateway: '10.9.0.1' }] });
    t.equal(r.status, 1, `${plugin}: ADD fails`);
    if (plugin === NLKIT_SBR) {
      t.equal(r.json?.code, 999, "the kernel's refusal: 999");
      t.match(r.json?.msg, /default route via 10\.9\.0\.1/);
      t.match(r.json?.details, /ENETUNREACH/);
      t.same(sbrState(w.ctr.path!), before, 'rules and routes of every table as they were');
    }
    left[plugin] = sbrRules(w.ctr.path!);
  }
  t.same(left[NLKIT_SBR], [], 'nlkit-sbr: no rule left');
  t.same(left[REF_SBR], ['4 32764: from 10.9.0.2 lookup 101', '4 32765: from 10.1.0.2 lookup 100'], 'the reference left its rules');
});

t.test('a failure while the main table is emptied puts every route back as it was, those through a gateway after the routes that reach it', opts, async (t) => {
  // Only the last step (deleting the moved routes from main) leaves routes to put back,
  // and only a refusal other than ESRCH gets there: made here by failing the delete of
  // eth0's fe80::/64, after every IPv4 route is gone. The main table lists 192.168.5.0/24
  // (through 10.1.0.1) after 10.1.0.1/32, the route that reaches that gateway.
  const { w, prev } = await chain(t, [ptpIf('eth0')]);
  const ctr = w.ctr.path!;
  ip(ctr, ['route', 'add', '192.168.5.0/24', 'via', '10.1.0.1', 'dev', 'eth0', 'metric', '77', 'mtu', '1300', 'proto', 'static']);
  const before = sbrState(ctr);
  const orig = RouteApi.prototype.del;
  RouteApi.prototype.del = async function (this: RouteApi, spec) {
    if ((spec as Route).dst === 'fe80::/64') throw new Error('refused for the test');
    return orig.call(this, spec);
  };
  t.teardown(() => {
    RouteApi.prototype.del = orig;
  });
  const out: string[] = [];
  const err: string[] = [];
  const code = await runPlugin(sbrPlugin, { env: cniEnv('ADD', w), stdin: JSON.stringify(sbrConf('nlkit-sbr', prev[0])), stdout: (x) => out.push(x), stderr: (x) => err.push(x) });
  RouteApi.prototype.del = orig;
  t.equal(code, 1, 'ADD fails');
  const res = JSON.parse(out.join('')) as Json;
  t.equal(res.code, 999, "the delete's refusal: 999");
  t.match(res.details, /refused for the test/);
  t.notMatch(res.details ?? '', /undoing it failed/, `the undo put everything back (${res.details})`);
  t.same(err.filter((l) => /undoing/.test(l)), [], 'and logged no failure of its own');
  t.same(sbrState(ctr), before, 'rules and routes of every table as they were, metric, mtu and protocol included');
});

/** An attachment with two addresses: 10.1.0.2/24 (nlkit-sbr's table 100) and 10.3.0.2/24 (table 101) on eth0. */
const twoAddresses = ptpIf('eth0', { ipamExtra: { ranges: [[{ subnet: '10.1.0.0/24' }], [{ subnet: '10.3.0.0/24' }]] } });

/** What the container held when an injected refusal came: the rules beyond the kernel's, and the routes of some tables. */
interface AtFailure {
  rules: string[];
  tables: Record<string, string[]>;
}

/**
 * Make `proto[name]` (a method taking one spec, as RouteApi's and RuleApi's do) throw
 * 'refused for the test' for the calls `when` picks, until the test ends. `seen.at` is
 * then what the container held at the first refusal: its rules and the routes of `tables`.
 */
function refuse(t: any, ctr: string, proto: object, name: string, when: (spec: Json) => boolean, tables: (number | string)[]): { at?: AtFailure } {
  const p = proto as Record<string, (this: unknown, spec: Json) => Promise<unknown>>;
  const orig = p[name]!;
  const seen: { at?: AtFailure } = {};
  p[name] = async function (this: unknown, spec: Json) {
    if (when(spec)) {
      seen.at ??= { rules: sbrRules(ctr), tables: Object.fromEntries(tables.map((n) => [String(n), tableRoutes(ctr, n)])) };
      throw new Error('refused for the test');
    }
    return orig.call(this, spec);
  };
  t.teardown(() => {
    p[name] = orig;
  });
  return seen;
}

/**
 * Run nlkit-sbr's ADD in this process (so that it calls the method a test patched) and
 * check that it failed with the injected refusal and undid everything without a failure
 * of its own: exit code 1, code 999, the refusal alone in `details` (no "and undoing it
 * failed"), nothing logged about the undo. The CNI error, for its `msg`.
 */
async function failedAdd(t: any, w: World, prev: Json, extra: Json = {}): Promise<Json> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runPlugin(sbrPlugin, { env: cniEnv('ADD', w), stdin: JSON.stringify(sbrConf('nlkit-sbr', prev, extra)), stdout: (x) => out.push(x), stderr: (x) => err.push(x) });
  t.equal(code, 1, 'ADD fails');
  const res = JSON.parse(out.join('')) as Json;
  t.equal(res.code, 999, "the step's refusal: 999");
  t.equal(res.details, 'refused for the test', 'details: the refusal, and no "undoing it failed"');
  t.same(err.filter((l) => /undoing/.test(l)), [], 'the undo logged no failure of its own');
  return res;
}

t.test("a failure copying a route into the first address's table takes back its rule, default route and copies", opts, async (t) => {
  // fe80::/64 comes last in the dump of eth0's main routes (IPv4 first): the default
  // route and the IPv4 copies are in table 100 when its copy is refused.
  const { w, prev } = await chain(t, [twoAddresses]);
  const ctr = w.ctr.path!;
  const before = sbrState(ctr);
  const seen = refuse(t, ctr, RouteApi.prototype, 'replace', (r) => r.table === 100 && r.dst === 'fe80::/64', [100, 101]);
  const res = await failedAdd(t, w, prev[0]!);
  t.equal(res.msg, 'failed to copy the route to fe80::/64 dev eth0 into table 100', 'msg names the step');
  t.same(seen.at, {
    rules: ['4 32765: from 10.1.0.2 lookup 100'],
    tables: { 100: ['10.1.0.0/24 via 10.1.0.1 dev eth0', '10.1.0.1 dev eth0', 'default via 10.1.0.1 dev eth0'], 101: [] },
  }, "when it was refused: the first address's rule, default route and IPv4 copies");
  t.same(sbrState(ctr), before, 'rules and routes of every table as they were');
});

t.test("a failure copying a route into the second address's table takes back both addresses' rules and tables", opts, async (t) => {
  const { w, prev } = await chain(t, [twoAddresses]);
  const ctr = w.ctr.path!;
  const before = sbrState(ctr);
  const seen = refuse(t, ctr, RouteApi.prototype, 'replace', (r) => r.table === 101 && r.dst === 'fe80::/64', [100, 101]);
  const res = await failedAdd(t, w, prev[0]!);
  t.equal(res.msg, 'failed to copy the route to fe80::/64 dev eth0 into table 101', 'msg names the step');
  t.same(seen.at, {
    rules: ['4 32764: from 10.3.0.2 lookup 101', '4 32765: from 10.1.0.2 lookup 100'],
    tables: {
      100: ['10.1.0.0/24 via 10.1.0.1 dev eth0', '10.1.0.1 dev eth0', 'default via 10.1.0.1 dev eth0', 'fe80::/64 dev eth0'],
      101: ['10.3.0.0/24 via 10.3.0.1 dev eth0', '10.3.0.1 dev eth0', 'default via 10.3.0.1 dev eth0'],
    },
  }, "when it was refused: the first address's rule and full table, the second's rule, default route and IPv4 copies");
  t.same(sbrState(ctr), before, 'rules and routes of every table as they were');
});

t.test("a failure adding the second address's rule takes back the first address's rule and table", opts, async (t) => {
  const { w, prev } = await chain(t, [twoAddresses]);
  const ctr = w.ctr.path!;
  const before = sbrState(ctr);
  const seen = refuse(t, ctr, RuleApi.prototype, 'add', (r) => r.from === '10.3.0.2', [100, 101]);
  const res = await failedAdd(t, w, prev[0]!);
  t.equal(res.msg, 'failed to add the rule from 10.3.0.2 lookup 101', 'msg names the step');
  t.same(seen.at, {
    rules: ['4 32765: from 10.1.0.2 lookup 100'],
    tables: { 100: ['10.1.0.0/24 via 10.1.0.1 dev eth0', '10.1.0.1 dev eth0', 'default via 10.1.0.1 dev eth0', 'fe80::/64 dev eth0'], 101: [] },
  }, "when it was refused: the first address's rule and full table");
  t.same(sbrState(ctr), before, 'rules and routes of every table as they were');
});

t.test("a failure reading back the rule just added (for its priority) still takes the rule back", opts, async (t) => {
  // rule.list runs before and after each rule add: the second list of table 100 (after
  // the first address's rule was made) is refused.
  const { w, prev } = await chain(t, [twoAddresses]);
  const ctr = w.ctr.path!;
  const before = sbrState(ctr);
  let lists = 0;
  const seen = refuse(t, ctr, RuleApi.prototype, 'list', (f) => f?.table === 100 && ++lists === 2, [100]);
  const res = await failedAdd(t, w, prev[0]!);
  t.equal(res.msg, 'failed to read back the rule from 10.1.0.2 lookup 100', 'msg names the step');
  t.same(seen.at?.rules, ['4 32765: from 10.1.0.2 lookup 100'], 'when it was refused: the rule was there');
  t.same(sbrState(ctr), before, 'rules and routes of every table as they were');
});

t.test('with "table", a failure adding the second address\'s rule deletes the first\'s rule alone: the table\'s routes and the rules already there stay', opts, async (t) => {
  // Table 500 is the configuration's, its routes another plugin's (sbr moves none
  // there): the undo takes back the rule ADD made and leaves the table, and the rule
  // of the same source and table that was there before, alone.
  const { w, prev } = await chain(t, [twoAddresses]);
  const ctr = w.ctr.path!;
  ip(ctr, ['route', 'add', '192.0.2.0/24', 'via', '10.1.0.1', 'dev', 'eth0', 'table', '500']);
  ip(ctr, ['rule', 'add', 'from', '10.1.0.2', 'lookup', '500', 'pref', '1000']);
  const before = sbrState(ctr);
  const seen = refuse(t, ctr, RuleApi.prototype, 'add', (r) => r.from === '10.3.0.2', [500]);
  const res = await failedAdd(t, w, prev[0]!, { table: 500 });
  t.equal(res.msg, 'failed to add the rule from 10.3.0.2 lookup 500', 'msg names the step');
  t.same(seen.at, {
    rules: ['4 999: from 10.1.0.2 lookup 500', '4 1000: from 10.1.0.2 lookup 500'],
    tables: { 500: ['192.0.2.0/24 via 10.1.0.1 dev eth0'] },
  }, "when it was refused: the first address's rule, beside the one that was there");
  t.same(sbrState(ctr), before, 'rules and routes of every table as they were: table 500 keeps its route');
});

t.test('DEL is idempotent: a second DEL, no CNI_NETNS, a namespace that is gone, an interface that is gone', opts, async (t) => {
  const { w, prev } = await chain(t, [ptpIf('eth0', { v6: true })]);
  const res = ok(t, sbr(NLKIT_SBR, w, 'ADD', 'eth0', prev[0]), 'ADD');
  ok(t, sbr(NLKIT_SBR, w, 'DEL', 'eth0', res, {}, { CNI_NETNS: undefined }), 'no CNI_NETNS: DEL succeeds');
  const gone = join(w.dir, 'gone');
  ok(t, sbr(NLKIT_SBR, w, 'DEL', 'eth0', res, {}, { CNI_NETNS: gone }), 'a namespace that is gone: DEL succeeds');
  t.notOk(existsSync(gone), 'and no file is made there (the reference creates its lock file)');
  t.equal(sbr(REF_SBR, w, 'DEL', 'eth0', res, {}, { CNI_NETNS: join(w.dir, 'gone2') }).status, 1, 'the reference fails there');
  t.equal(sbrRules(w.ctr.path!).length, 2, 'the rules are still there');
  // The interface goes before sbr's DEL: its addresses are read from prevResult.
  ip(w.ctr.path!, ['link', 'del', 'eth0']);
  t.equal(sbr(REF_SBR, w, 'DEL', 'eth0', res).status, 1, 'the reference fails without the interface');
  ok(t, sbr(NLKIT_SBR, w, 'DEL', 'eth0', res), 'nlkit-sbr DEL without the interface');
  t.same(sbrRules(w.ctr.path!), [], "the rules of prevResult's addresses are gone");
  ok(t, sbr(NLKIT_SBR, w, 'DEL', 'eth0', res), 'a second DEL');
  ok(t, sbr(NLKIT_SBR, w, 'DEL', 'eth0', undefined), 'a DEL without prevResult');
});

t.test("ADD waits for the reference's lock on the namespace file, so concurrent runs never share a table", opts, async (t) => {
  const { w, prev } = await chain(t, [ptpIf('eth0')]);
  const held = Netns.fromPath(w.ctr.path!);
  try {
    sys.flock(held.fd, sys.LOCK_EX);
    const run = runInAsync(w.host.path!, NLKIT_SBR, cniEnv('ADD', w), sbrConf('nlkit-sbr', prev[0]));
    let finished = false;
    void run.then(() => (finished = true));
    // /proc/locks lists a process blocked in flock as "-> FLOCK … MAJ:MIN:INODE": wait
    // (up to 20 s, a loaded machine starts node slowly) until nlkit-sbr waits there.
    const waiting = () => readFileSync('/proc/locks', 'utf8').split('\n').some((l) => /-> FLOCK/.test(l) && l.includes(`:${held.ino} `));
    const deadline = Date.now() + 20_000;
    while (!waiting() && !finished && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    t.ok(waiting(), 'nlkit-sbr waits for the lock on the namespace file');
    t.notOk(finished, 'ADD has not finished while another holds the lock');
    t.same(sbrRules(w.ctr.path!), [], 'and has made nothing');
    sys.flock(held.fd, sys.LOCK_UN);
    const r = await run;
    t.equal(r.status, 0, `ADD finishes once the lock is released (${r.stdout} ${r.stderr})`);
    t.same(sbrRules(w.ctr.path!), ['4 32765: from 10.1.0.2 lookup 100']);
  } finally {
    held.close();
  }
});

t.test('VERSION and STATUS', opts, async (t) => {
  const v = runIn(undefined, NLKIT_SBR, { CNI_COMMAND: 'VERSION' }, '');
  t.same(v.json?.supportedVersions, ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0']);
  const w = world(t);
  t.equal(runIn(w.host.path, NLKIT_SBR, { PATH: process.env.PATH, CNI_COMMAND: 'STATUS' }, { cniVersion: '1.1.0', name: 'sbrnet', type: 'nlkit-sbr' }).status, 0, 'STATUS: ready');
});
