// A first-time user's program, written from the README and the .d.ts only: an audit of a
// big routing table and the neighbour tables. Table 100 gets a few thousand routes from
// `ip -batch` (as a routing daemon would have put them there); route.forEach finds the
// first route matching a predicate and stops there, counts routes per link and metric,
// and deletes what an audit rejects; neigh.forEach counts neighbours per link. Every
// answer is compared with `ip -j` in the same netns.
import t from 'tap';
import { Netns, Rtnl, type Route, type Neigh } from '../../src/index.js';
import { ip, ipJson, inNs, privileged } from '../helpers.js';

const N = 3000;
/** The i-th route of the batch: every third through w0, every seventh with metric 500. */
function routeLine(i: number): string {
  const via = i % 3 === 0 ? 'via 10.0.1.2 dev w0' : 'via 10.0.0.2 dev v0';
  return `route add 10.${100 + (i >> 8)}.${i & 255}.0/24 ${via} table 100 metric ${i % 7 === 0 ? 500 : 100} proto ${i % 5 === 0 ? 'static' : 'boot'}`;
}

t.test('audit a table of 3000 routes and the neighbour tables with forEach', privileged, async (t) => {
  const ns = Netns.new();
  const rt = Rtnl.open({ netns: ns });
  t.teardown(() => {
    rt.close();
    ns.close();
  });
  for (const [a, b, net] of [['v0', 'v1', '10.0.0'], ['w0', 'w1', '10.0.1']] as const) {
    ip(ns.path, ['link', 'add', a, 'type', 'veth', 'peer', 'name', b]);
    // No IPv6 link-local addresses: their routes and MLD reports would come and go while
    // the tables are compared.
    for (const l of [a, b]) ip(ns.path, ['link', 'set', l, 'addrgenmode', 'none']);
    ip(ns.path, ['link', 'set', a, 'up']);
    ip(ns.path, ['link', 'set', b, 'up']);
    ip(ns.path, ['addr', 'add', `${net}.1/24`, 'dev', a]);
  }
  const lines: string[] = [];
  for (let i = 0; i < N; i++) lines.push(routeLine(i));
  inNs(ns.path, 'ip', ['-batch', '-'], lines.join('\n') + '\n');
  const ipRoutes = ipJson<any[]>(ns.path, ['route', 'show', 'table', '100']);
  t.equal(ipRoutes.length, N, 'ip sees the batch');
  const v0 = (await rt.link.get('v0')).index;
  const w0 = (await rt.link.get('w0')).index;

  // 1. The first route through w0 with metric 500 in 10.110.0.0/16: walk, stop at it.
  const wanted = (dst: string, dev: string | number, metric: number | undefined) => dst.startsWith('10.110.') && (dev === 'w0' || dev === w0) && metric === 500;
  const k = ipRoutes.findIndex((r) => wanted(r.dst, r.dev, r.metric));
  t.ok(k > 0 && k < N - 1, `ip's answer is route ${k}, in the middle of the table`);
  let hit: Route | undefined;
  const given = await rt.route.forEach({ table: 100 }, (r) => {
    if (!wanted(r.dst, r.dev!, r.metric)) return;
    hit = r;
    return false;
  });
  t.equal(given, k + 1, 'the walk stopped at the hit: fn was given the routes up to it');
  t.equal(hit?.dst, ipRoutes[k].dst);
  t.equal(hit?.gateway, ipRoutes[k].gateway);
  t.equal(hit?.protocol, ipRoutes[k].protocol ?? 'boot', 'protocol by name (ip -j leaves boot out)');

  // 2. Counts per link and metric over the whole table, and per link with the kernel's filter.
  const counts = new Map<string, number>();
  const total = await rt.route.forEach({ table: 100, family: 4 }, (r) => {
    const key = `${r.dev === v0 ? 'v0' : r.dev === w0 ? 'w0' : r.dev} ${r.metric ?? 0}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  });
  t.equal(total, N);
  const ipCounts = new Map<string, number>();
  for (const r of ipRoutes) ipCounts.set(`${r.dev} ${r.metric ?? 0}`, (ipCounts.get(`${r.dev} ${r.metric ?? 0}`) ?? 0) + 1);
  t.same(Object.fromEntries([...counts].sort()), Object.fromEntries([...ipCounts].sort()), 'per link and metric, as ip -j counts them');
  let viaW0 = 0;
  t.equal(await rt.route.forEach({ table: 100, dev: 'w0' }, () => void viaW0++), ipJson<any[]>(ns.path, ['route', 'show', 'table', '100', 'dev', 'w0']).length);
  t.equal(viaW0, N / 3);
  // The kernel's protocol filter takes the name, as list does.
  t.equal(await rt.route.forEach({ table: 100, protocol: 'static' }, () => {}), ipJson<any[]>(ns.path, ['route', 'show', 'table', '100', 'proto', 'static']).length);
  // forEach and list agree on the whole table (same objects, same order).
  const listed = await rt.route.list({ table: 100 });
  const walked: Route[] = [];
  await rt.route.forEach({ table: 100 }, (r) => void walked.push(r));
  t.same(walked, listed, 'forEach(filter) walks what list(filter) returns');

  // 3. Delete what the audit rejects (metric 500 through v0) from inside the walk: the
  // deletes wait until the walk is over, then go out.
  const dels: Promise<void>[] = [];
  await rt.route.forEach({ table: 100, dev: 'v0' }, (r) => {
    if (r.metric === 500) dels.push(rt.route.del(r));
  });
  await Promise.all(dels);
  const rejected = ipRoutes.filter((r) => r.dev === 'v0' && r.metric === 500).length;
  t.equal(dels.length, rejected);
  t.equal(ipJson<any[]>(ns.path, ['route', 'show', 'table', '100']).length, N - rejected, 'ip sees them gone');

  // 4. Neighbours per link: 200 IPv4 on v0 (permanent and stale), 30 IPv6 and 20 IPv4 on
  // w0, one proxy entry (not a neighbour: neither ip neigh show nor list counts it).
  const nl: string[] = [];
  const mac = (i: number) => `02:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
  for (let i = 0; i < 200; i++) nl.push(`neigh add 10.0.0.${i + 10} lladdr ${mac(i)} dev v0 nud ${i % 2 ? 'stale' : 'permanent'}`);
  for (let i = 0; i < 30; i++) nl.push(`neigh add fd00:1::${(i + 10).toString(16)} lladdr ${mac(1000 + i)} dev w0 nud reachable`);
  for (let i = 0; i < 20; i++) nl.push(`neigh add 10.0.1.${i + 10} lladdr ${mac(2000 + i)} dev w0`);
  nl.push('neigh add proxy 10.0.0.250 dev v0');
  nl.push('neigh add 10.0.0.240 lladdr 02:00:00:00:00:f0 dev v0 nud noarp'); // not in ip neigh show, nor in list()
  inNs(ns.path, 'ip', ['-batch', '-'], nl.join('\n') + '\n');
  const perLink = new Map<number, number>();
  const neighs = await rt.neigh.forEach((n: Neigh) => void perLink.set(n.dev, (perLink.get(n.dev) ?? 0) + 1));
  const ipPerLink = new Map<number, number>();
  const ipNeigh = ipJson<any[]>(ns.path, ['neigh', 'show']);
  const index = new Map(ipJson<any[]>(ns.path, ['link', 'show']).map((l) => [l.ifname, l.ifindex as number]));
  for (const n of ipNeigh) ipPerLink.set(index.get(n.dev)!, (ipPerLink.get(index.get(n.dev)!) ?? 0) + 1);
  t.same(Object.fromEntries([...perLink].sort()), Object.fromEntries([...ipPerLink].sort()), 'neighbours per link, as ip -j neigh show counts them');
  t.equal(neighs, ipNeigh.length);
  t.ok((perLink.get(v0) ?? 0) >= 200 && (perLink.get(w0) ?? 0) >= 50, 'the batch is in the counts');
  // The stale ones on v0 only, and the first IPv6 one on w0 (stop there).
  t.equal(await rt.neigh.forEach({ dev: 'v0', state: 'stale' }, () => {}), ipJson<any[]>(ns.path, ['neigh', 'show', 'dev', 'v0', 'nud', 'stale']).length);
  let first6: Neigh | undefined;
  t.equal(await rt.neigh.forEach({ dev: 'w0', family: 6 }, (n) => {
    first6 = n;
    return false;
  }), 1);
  t.equal(first6?.dst, ipJson<any[]>(ns.path, ['-6', 'neigh', 'show', 'dev', 'w0'])[0].dst);
  // The proxy entry alone with proxy: true.
  const proxies: string[] = [];
  await rt.neigh.forEach({ proxy: true }, (n) => void proxies.push(n.dst));
  t.same(proxies, ['10.0.0.250']);

  // 5. An agent that keeps these tables starts a monitor with listExisting: its listing
  // is what list shows with table 'all' and state 'all' (not list()'s defaults).
  const ac = new AbortController();
  t.teardown(() => ac.abort());
  const mon = rt.monitor(['route', 'neigh'], { listExisting: true, signal: ac.signal });
  const routes: Route[] = [];
  const neighbours: Neigh[] = [];
  for await (const ev of mon) {
    if (ev.type === 'synced') break;
    if (ev.type === 'new' && ev.kind === 'route') routes.push(ev.object);
    else if (ev.type === 'new' && ev.kind === 'neigh') neighbours.push(ev.object);
  }
  const noAges = <T extends object>(o: T) => ({ ...o, cacheinfo: undefined });
  const byKey = (a: object, b: object) => JSON.stringify(noAges(a)).localeCompare(JSON.stringify(noAges(b)));
  t.same(routes.map(noAges).sort(byKey), (await rt.route.list({ table: 'all' })).map(noAges).sort(byKey), "the monitor's routes are list({ table: 'all' })'s");
  t.ok(routes.length > (await rt.route.list()).length + N - rejected, 'more than the main table and table 100: the local table too');
  // (Without the kernel's own multicast entries, which traffic may add at any time.)
  const unicast = (ns: Neigh[]) => ns.filter((n) => !/^(22[4-9]|23\d)\.|^ff/.test(n.dst)).map(noAges).sort(byKey);
  t.same(unicast(neighbours), unicast(await rt.neigh.list({ state: 'all' })), "the monitor's neighbours are list({ state: 'all' })'s");
  t.ok(neighbours.some((n) => n.dst === '10.0.0.240'), 'the noarp entry is listed by the monitor');
  t.notOk((await rt.neigh.list()).some((n) => n.dst === '10.0.0.240'), 'and left out by list()');
});
