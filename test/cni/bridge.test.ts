// nlkit-bridge against the reference bridge plugin (Debian's containernetworking-plugins
// 1.1.1, /usr/lib/cni/bridge): the same configuration run through each, each in its own
// throwaway host and container namespaces with its own host-local store. The results
// have the same shape and the kernels end up in the same state — addresses and routes of
// every table on both sides, the bridge and its ports' settings, the sysctls the plugins
// write — and the same after DEL. Then CHECK (either plugin's attachment, and drift), bad
// configuration, a failed ADD leaving nothing behind, and parallel ADDs onto one bridge.
import t from 'tap';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Netns, Rtnl } from '../../src/index.js';
import { ipJson, privileged } from '../helpers.js';
import {
  HAVE_IPTABLES, NLKIT_BRIDGE, REF_BRIDGE, REF_DIR, cniEnv, natState, normalisedResult, normalisedState, readSysctl, reservations, runIn, runInAsync, settle, world, type Run, type World,
} from './util.js';

const haveRef = existsSync(REF_BRIDGE) && existsSync(`${REF_DIR}/host-local`);
const opts = haveRef ? { ...privileged, timeout: 120_000 } : { skip: `reference plugins not installed in ${REF_DIR} (apt-get install containernetworking-plugins)` };

type Json = Record<string, any>;

/** A bridge configuration with host-local IPAM (IPv4 10.1.0.0/24, IPv6 fd00:1::/64 as asked) in the world's data dir. */
function brConf(w: World, type: string, o: { version?: string; v4?: boolean; v6?: boolean; ipam?: boolean; routes?: Json[]; extra?: Json } = {}): Json {
  const ranges: unknown[] = [];
  if (o.v4 !== false) ranges.push([{ subnet: '10.1.0.0/24' }]);
  if (o.v6) ranges.push([{ subnet: 'fd00:1::/64' }]);
  return {
    cniVersion: o.version ?? '1.0.0',
    name: 'brnet',
    type,
    bridge: 'cni0',
    ...(o.ipam === false ? {} : { ipam: { type: 'host-local', dataDir: w.dataDir, ranges, ...(o.routes ? { routes: o.routes } : {}) } }),
    ...o.extra,
  };
}

const VETH = /^veth[0-9a-f]{8}$/;
const hv = (n: unknown) => (typeof n === 'string' && VETH.test(n) ? 'HOSTVETH' : n);

/** The host side: addresses and routes (normalisedState), the bridge's ports as `bridge -d link` shows them, the bridge's own settings, sysctls. */
function hostState(w: World): Json {
  const s = normalisedState(w.host.path);
  const addrs = s.addrs.map((l) => ({ ...l, ifname: hv(l.ifname), addr_info: (l.addr_info as Json[]).map((a) => ({ ...a, label: hv(a.label) })) }));
  // 'linkdown' follows the bridge's carrier (off once its last port is gone), which the
  // kernel's linkwatch updates on its own clock, as normalisedState drops NO-CARRIER.
  const routes = s.routes.map((r) => ({ ...r, dev: hv(r.dev), ...(r.flags ? { flags: (r.flags as string[]).filter((f) => f !== 'linkdown') } : {}) }));
  const r = spawnSync('nsenter', [`--net=${w.host.path}`, 'bridge', '-j', '-d', 'link', 'show'], { encoding: 'utf8' });
  const ports = (r.stdout.trim() ? JSON.parse(r.stdout) as Json[] : []).map((p) => {
    const o: Json = { ...p, ifname: hv(p.ifname) };
    delete o.ifindex;
    delete o.link_netnsid;
    delete o.state; // forwarding once the port has carrier; its timing is the kernel's
    return o;
  });
  const br = ipJson<Json[]>(w.host.path, ['-d', 'link', 'show', 'type', 'bridge']).map((l) => ({
    ifname: l.ifname, mtu: l.mtu, promiscuity: l.promiscuity, flags: (l.flags as string[]).filter((f) => f !== 'NO-CARRIER'),
    vlan_filtering: l.linkinfo?.info_data?.vlan_filtering, stp_state: l.linkinfo?.info_data?.stp_state,
    addr_assign_type: l.addr_assign_type,
  }));
  const veths = ipJson<Json[]>(w.host.path, ['-d', 'link', 'show', 'type', 'veth']).map((l) => l.ifname as string);
  const sysctls = Object.fromEntries([
    'net.ipv4.ip_forward', 'net.ipv6.conf.all.forwarding', 'net.ipv6.conf.cni0.accept_ra',
    ...veths.map((v) => `net.ipv6.conf.${v}.accept_ra`),
  ].map((k) => [k.replace(/veth[0-9a-f]{8}/, 'HOSTVETH'), readSysctl(w.host.path, k)]));
  return { addrs: sortJson(addrs), routes: sortJson(routes), ports: sortJson(ports), bridges: br, sysctls, nat: natState(w.host.path) };
}

function ctrState(ns: Netns | string): Json {
  const path = typeof ns === 'string' ? ns : ns.path!;
  const s = normalisedState(path);
  const sysctls = Object.fromEntries(['net.ipv6.conf.eth0.accept_dad', 'net.ipv6.conf.eth0.enhanced_dad', 'net.ipv4.conf.eth0.arp_notify'].map((k) => [k, readSysctl(path, k)]));
  return { ...s, sysctls };
}

function sortJson(a: Json[]): Json[] {
  return a.map((x) => [JSON.stringify(x), x] as const).sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)).map((x) => x[1]);
}

function ok(t: any, r: Run, what: string): Json {
  t.equal(r.status, 0, `${what} exits 0 (stdout: ${r.stdout} stderr: ${r.stderr.slice(0, 2000)})`);
  return r.json as Json;
}

/** ADD with `plugin` in a fresh world, for each container in turn; the results and the settled states. */
async function attach(t: any, plugin: string, conf: (w: World) => Json, containers = 1) {
  const w = world(t);
  const c = conf(w);
  const ctrs = [w.ctr, ...Array.from({ length: containers - 1 }, () => w.newContainer())];
  const res = ctrs.map((ns, i) => ok(t, runIn(w.host.path, plugin, cniEnv('ADD', w, { CNI_NETNS: ns.path, CNI_CONTAINERID: `ctr${i + 1}` }), c), `${plugin} ADD ${i + 1}`));
  for (const ns of ctrs) await settle(ns.path!);
  await settle(w.host.path);
  return { w, conf: c, ctrs, res, host: hostState(w), ctr: ctrs.map(ctrState), store: reservations(w.dataDir, 'brnet') };
}

const cases: { name: string; containers?: number; masq?: boolean; conf: (w: World, type: string) => Json }[] = [
  { name: 'IPv4, isGateway + isDefaultGateway, hairpin, MTU 1400', conf: (w, type) => brConf(w, type, { extra: { isGateway: true, isDefaultGateway: true, hairpinMode: true, mtu: 1400 } }) },
  { name: 'dual stack, isGateway, promiscMode, IPAM routes, cniVersion 0.4.0', conf: (w, type) => brConf(w, type, { version: '0.4.0', v6: true, routes: [{ dst: '192.168.0.0/16' }, { dst: 'fd00:2::/48' }], extra: { isGateway: true, promiscMode: true } }) },
  { name: 'dual stack with ipMasq, isDefaultGateway, two containers', containers: 2, masq: true, conf: (w, type) => brConf(w, type, { v6: true, extra: { isDefaultGateway: true, ipMasq: true } }) },
  { name: 'layer 2 only (no ipam)', conf: (w, type) => brConf(w, type, { ipam: false }) },
  { name: 'IPv6 only, enabledad, isDefaultGateway', conf: (w, type) => brConf(w, type, { v4: false, v6: true, extra: { isDefaultGateway: true, enabledad: true } }) },
  { name: 'two containers on one bridge, no gateway', containers: 2, conf: (w, type) => brConf(w, type, { routes: [{ dst: '0.0.0.0/0' }], extra: { mtu: 9000 } }) },
];

for (const c of cases) {
  t.test(`reference bridge and nlkit-bridge agree: ${c.name}`, c.masq && !HAVE_IPTABLES ? { skip: 'iptables not installed (ipMasq)' } : opts, async (t) => {
    const ref = await attach(t, REF_BRIDGE, (w) => c.conf(w, 'bridge'), c.containers);
    const mine = await attach(t, NLKIT_BRIDGE, (w) => c.conf(w, 'nlkit-bridge'), c.containers);
    for (let i = 0; i < ref.res.length; i++) {
      t.same(normalisedResult(mine.res[i]!), normalisedResult(ref.res[i]!), `same result ${i + 1} (names, MACs and sandbox paths aside)`);
      t.same(Object.keys(mine.res[i]!), Object.keys(ref.res[i]!), 'same top-level keys in the same order');
      t.same(mine.ctr[i], ref.ctr[i], `same container ${i + 1} state: addresses, routes of every table, sysctls`);
    }
    t.same(mine.host, ref.host, 'same host state: bridge, ports and their options, addresses, routes, sysctls, nat table');
    t.same(mine.store, ref.store, 'same host-local reservations');
    // The bridge's MAC is its own (pinned) when it has a gateway address, and the result says which.
    const brMac = ipJson<Json[]>(mine.w.host.path, ['link', 'show', 'cni0'])[0]!.address;
    t.equal(mine.res.at(-1)!.interfaces[0].mac, brMac, "the result's bridge MAC is the bridge's");

    // Each plugin's DEL undoes its own ADDs the same way, and leaves the bridge.
    for (const [plugin, a] of [[REF_BRIDGE, ref], [NLKIT_BRIDGE, mine]] as const) {
      a.ctrs.forEach((ns, i) => ok(t, runIn(a.w.host.path, plugin, cniEnv('DEL', a.w, { CNI_NETNS: ns.path, CNI_CONTAINERID: `ctr${i + 1}` }), { ...a.conf, prevResult: a.res[i] }), `${plugin} DEL ${i + 1}`));
    }
    t.same(hostState(mine.w), hostState(ref.w), 'same host state after DEL');
    t.same(mine.ctrs.map((ns) => normalisedState(ns.path!).addrs.map((l) => l.ifname)), mine.ctrs.map(() => ['lo']), 'container ends gone');
    t.same(ipJson<Json[]>(mine.w.host.path, ['link', 'show', 'type', 'veth']), [], 'host ends gone');
    t.same(ipJson<Json[]>(mine.w.host.path, ['link', 'show', 'cni0']).length, 1, 'the bridge stays');
    t.same(reservations(mine.w.dataDir, 'brnet'), {}, 'released');
    // DEL again: idempotent.
    ok(t, runIn(mine.w.host.path, NLKIT_BRIDGE, cniEnv('DEL', mine.w), mine.conf), 'second DEL');
  });
}

t.test('CHECK: nlkit-bridge accepts its own and the reference attachment, and reports drift with its codes', opts, async (t) => {
  for (const plugin of [REF_BRIDGE, NLKIT_BRIDGE]) {
    const w = world(t);
    const conf = brConf(w, plugin === REF_BRIDGE ? 'bridge' : 'nlkit-bridge', { v6: true, extra: { isDefaultGateway: true } });
    const res = ok(t, runIn(w.host.path, plugin, cniEnv('ADD', w), conf), `${plugin} ADD`);
    await settle(w.ctr.path!);
    const check = () => runIn(w.host.path, NLKIT_BRIDGE, cniEnv('CHECK', w), { ...conf, type: 'nlkit-bridge', prevResult: res });
    ok(t, check(), `nlkit-bridge CHECK of ${plugin}'s attachment`);

    const hostVeth = res.interfaces[1].name as string;
    const code = (r: Run) => (r.json as Json | undefined)?.code;
    const rh = Rtnl.open({ netns: w.host });
    const rc = Rtnl.open({ netns: w.ctr });
    try {
      await rh.link.set('cni0', { promisc: true });
      t.equal(code(check()), 110, 'a promiscuous bridge the configuration does not ask for: 110');
      await rh.link.set('cni0', { promisc: false });
      await rh.addr.del('cni0', '10.1.0.1/24');
      t.equal(code(check()), 111, 'the gateway address gone from the bridge: 111');
      await rh.addr.add('cni0', '10.1.0.1/24', { broadcast: true });
      await rc.route.del({ dst: '0.0.0.0/0', gateway: '10.1.0.1' });
      t.equal(code(check()), 112, 'the default route gone: 112');
      await rc.route.add({ dst: '0.0.0.0/0', gateway: '10.1.0.1', dev: 'eth0' });
      await rc.addr.del('eth0', res.ips[0].address);
      t.equal(code(check()), 111, "the container's address gone: 111");
      await rc.addr.add('eth0', res.ips[0].address, { broadcast: true });
      await rc.route.add({ dst: '0.0.0.0/0', gateway: '10.1.0.1', dev: 'eth0' }).catch(() => undefined);
      ok(t, check(), 'CHECK passes again once repaired');
      await rh.link.set(hostVeth, { master: null });
      const r = check();
      t.equal(code(r), 110, 'the host end out of the bridge: 110');
      t.match(r.json.msg, /not a port of cni0/);
    } finally {
      rh.close();
      rc.close();
    }
    const noPrev = runIn(w.host.path, NLKIT_BRIDGE, cniEnv('CHECK', w), { ...conf, type: 'nlkit-bridge' });
    t.equal(code(noPrev), 7, 'CHECK without prevResult: 7');
  }
});

t.test('bad configuration is refused before anything is made or allocated', opts, async (t) => {
  const w = world(t);
  const bad: [Json, number, RegExp][] = [
    [{ ipMasq: 1 }, 7, /ipMasq/],
    [{ macspoofchk: true }, 2, /macspoofchk/],
    [{ hairpinMode: true, promiscMode: true }, 7, /hairpin mode and promiscuous mode/],
    [{ vlan: 4095 }, 7, /vlan/],
    [{ vlan: -1 }, 7, /vlan/],
    [{ mtu: 40 }, 7, /mtu/],
    [{ bridge: 'a/b' }, 7, /bridge/],
    [{ bridge: 'averyverylongbridgename' }, 7, /bridge/],
    [{ bridge: 'br-longname1', vlan: 100, isGateway: true }, 7, /longer than the kernel's 15 bytes/],
    [{ isGateway: 'yes' }, 7, /isGateway/],
    [{ runtimeConfig: { mac: '01:00:5e:00:00:01' } }, 7, /multicast/],
    [{ args: { cni: { mac: 'zz' } } }, 7, /args\.cni\.mac/],
  ];
  for (const [extra, code, msg] of bad) {
    const r = runIn(w.host.path, NLKIT_BRIDGE, cniEnv('ADD', w), brConf(w, 'nlkit-bridge', { extra }));
    t.equal(r.status, 1, `${JSON.stringify(extra)}: fails`);
    t.equal(r.json?.code, code, `${JSON.stringify(extra)}: code ${code}`);
    t.match(`${r.json?.msg} ${r.json?.details}`, msg);
  }
  t.same(ipJson<Json[]>(w.host.path, ['link', 'show']).map((l) => l.ifname), ['lo'], 'no bridge, no veth made');
  t.same(reservations(w.dataDir, 'brnet'), {}, 'nothing allocated');
});

t.test('DEL, STATUS and GC do not refuse what only ADD checks (a runtime retries a failed DEL for ever)', opts, async (t) => {
  const w = world(t);
  for (const extra of [{ macspoofchk: true }, { hairpinMode: true, promiscMode: true }, { mtu: 20 }, { runtimeConfig: { mac: '01:00:5e:00:00:01' } }, { bridge: 'br-longname1', vlan: 100, isGateway: true }]) {
    const conf = brConf(w, 'nlkit-bridge', { extra });
    t.equal(runIn(w.host.path, NLKIT_BRIDGE, cniEnv('ADD', w), conf).status, 1, `${JSON.stringify(extra)}: ADD refuses it`);
    ok(t, runIn(w.host.path, NLKIT_BRIDGE, cniEnv('DEL', w), conf), `${JSON.stringify(extra)}: DEL`);
    ok(t, runIn(w.host.path, NLKIT_BRIDGE, cniEnv('STATUS', w, { CNI_CONTAINERID: '', CNI_IFNAME: '', CNI_NETNS: '' }), { ...conf, cniVersion: '1.1.0' }), `${JSON.stringify(extra)}: STATUS`);
  }
});

t.test('CHECK of a bridge without a gateway does not compare its MAC, which follows its ports', opts, async (t) => {
  const w = world(t);
  const conf = brConf(w, 'nlkit-bridge');
  const res = ok(t, runIn(w.host.path, NLKIT_BRIDGE, cniEnv('ADD', w), conf), 'ADD 1');
  // More ports: the bridge takes the lowest port MAC, whatever the first result said.
  for (let i = 2; i <= 4; i++) {
    const ns = w.newContainer();
    ok(t, runIn(w.host.path, NLKIT_BRIDGE, cniEnv('ADD', w, { CNI_NETNS: ns.path, CNI_CONTAINERID: `c${i}` }), conf), `ADD ${i}`);
  }
  ok(t, runIn(w.host.path, NLKIT_BRIDGE, cniEnv('CHECK', w), { ...conf, prevResult: res }), 'CHECK of the first attachment passes');
});

t.test('a failed ADD leaves nothing of the attachment behind: a taken name, a bridge that is not one, a conflicting gateway', opts, async (t) => {
  const w = world(t);
  const rh = Rtnl.open({ netns: w.host });
  const rc = Rtnl.open({ netns: w.ctr });
  try {
    const links = () => [ipJson<Json[]>(w.host.path, ['link', 'show']).map((l) => l.ifname).sort(), ipJson<Json[]>(w.ctr.path!, ['link', 'show']).map((l) => l.ifname).sort()];

    await rc.link.add({ kind: 'bridge', name: 'eth0' });
    let r = runIn(w.host.path, NLKIT_BRIDGE, cniEnv('ADD', w), brConf(w, 'nlkit-bridge'));
    t.equal(r.json?.code, 4, 'CNI_IFNAME taken in the container: 4');
    await rc.link.del('eth0');

    await rh.link.add({ kind: 'veth', name: 'cni0', peer: { name: 'cni0p' } });
    r = runIn(w.host.path, NLKIT_BRIDGE, cniEnv('ADD', w), brConf(w, 'nlkit-bridge'));
    t.equal(r.json?.code, 7, 'a "bridge" that is a veth: 7');
    t.match(r.json?.msg, /already exists but is not a bridge/);
    t.same(links(), [['cni0', 'cni0p', 'lo'], ['lo']], 'nothing made');
    t.same(reservations(w.dataDir, 'brnet'), {}, 'nothing allocated');
    await rh.link.del('cni0');

    // The bridge has another IPv4 address: refused after IPAM, which is released.
    await rh.link.add({ kind: 'bridge', name: 'cni0', up: true });
    await rh.addr.add('cni0', '10.9.0.1/24');
    const before = links();
    r = runIn(w.host.path, NLKIT_BRIDGE, cniEnv('ADD', w), brConf(w, 'nlkit-bridge', { extra: { isGateway: true } }));
    t.equal(r.json?.code, 7, 'a bridge with another address: 7');
    t.match(r.json?.msg, /already has an IP address different from 10\.1\.0\.1\/24/);
    t.same(links(), before, 'no veth left in either netns');
    t.same(reservations(w.dataDir, 'brnet'), {}, 'the IPAM allocation released');
    // The reference fails the same way (and leaves its veth pair behind).
    const ref = runIn(w.host.path, REF_BRIDGE, cniEnv('ADD', w, { CNI_CONTAINERID: 'refctr' }), brConf(w, 'bridge', { extra: { isGateway: true } }));
    t.match(ref.json?.msg, /already has an IP address different from 10\.1\.0\.1\/24/, 'the reference refuses it too');
    runIn(w.host.path, REF_BRIDGE, cniEnv('DEL', w, { CNI_CONTAINERID: 'refctr' }), brConf(w, 'bridge'));

    // forceAddress replaces it.
    const res = ok(t, runIn(w.host.path, NLKIT_BRIDGE, cniEnv('ADD', w), brConf(w, 'nlkit-bridge', { extra: { isGateway: true, forceAddress: true } })), 'ADD with forceAddress');
    t.same((await rh.addr.list({ link: 'cni0', family: 4 })).map((a) => `${a.address}/${a.prefixLen}`), ['10.1.0.1/24'], 'the old address replaced by the gateway');
    t.equal(res.ips[0].gateway, '10.1.0.1');
  } finally {
    rh.close();
    rc.close();
  }
});

t.test('the container MAC: CNI_ARGS MAC, then args.cni.mac, then runtimeConfig.mac', opts, async (t) => {
  const cases: [Json, Record<string, string>, string][] = [
    [{}, { CNI_ARGS: 'IgnoreUnknown=1;MAC=02:00:00:00:00:0a' }, '02:00:00:00:00:0a'],
    [{ args: { cni: { mac: '02:00:00:00:00:0b' } } }, { CNI_ARGS: 'MAC=02:00:00:00:00:0a' }, '02:00:00:00:00:0b'],
    [{ args: { cni: { mac: '02:00:00:00:00:0b' } }, runtimeConfig: { mac: '02:00:00:00:00:0c' } }, { CNI_ARGS: 'MAC=02:00:00:00:00:0a' }, '02:00:00:00:00:0c'],
  ];
  for (const [extra, env, want] of cases) {
    const w = world(t);
    const res = ok(t, runIn(w.host.path, NLKIT_BRIDGE, cniEnv('ADD', w, env), brConf(w, 'nlkit-bridge', { ipam: false, extra })), `ADD ${JSON.stringify(extra)}`);
    t.equal(res.interfaces[2].mac, want, `the result says ${want}`);
    t.equal(ipJson<Json[]>(w.ctr.path!, ['link', 'show', 'eth0'])[0]!.address, want, `eth0 has ${want}`);
  }
});

t.test('parallel ADDs onto one bridge that does not exist yet all succeed; parallel DELs leave the bridge alone', { ...opts, timeout: 180_000 }, async (t) => {
  const w = world(t);
  const n = 6;
  const ctrs = [w.ctr, ...Array.from({ length: n - 1 }, () => w.newContainer())];
  const conf = brConf(w, 'nlkit-bridge', { extra: { isGateway: true } });
  const runs = await Promise.all(ctrs.map((ns, i) => runInAsync(w.host.path!, NLKIT_BRIDGE, cniEnv('ADD', w, { CNI_NETNS: ns.path, CNI_CONTAINERID: `c${i}` }), conf)));
  runs.forEach((r, i) => t.equal(r.status, 0, `ADD ${i} (${r.stdout} ${r.stderr.slice(0, 500)})`));
  const ips = runs.map((r) => (r.json as Json | undefined)?.ips?.[0]?.address);
  t.equal(new Set(ips).size, n, 'each got its own address');
  const ports = ipJson<Json[]>(w.host.path, ['link', 'show', 'master', 'cni0']);
  t.equal(ports.length, n, 'every host end is a port of cni0');
  t.same((await (async () => {
    const rh = Rtnl.open({ netns: w.host });
    try {
      return (await rh.addr.list({ link: 'cni0', family: 4 })).map((a) => `${a.address}/${a.prefixLen}`);
    } finally {
      rh.close();
    }
  })()), ['10.1.0.1/24'], 'the gateway once on the bridge');
  const dels = await Promise.all(ctrs.map((ns, i) => runInAsync(w.host.path!, NLKIT_BRIDGE, cniEnv('DEL', w, { CNI_NETNS: ns.path, CNI_CONTAINERID: `c${i}` }), conf)));
  dels.forEach((r, i) => t.equal(r.status, 0, `DEL ${i} (${r.stdout} ${r.stderr.slice(0, 500)})`));
  t.same(ipJson<Json[]>(w.host.path, ['link', 'show', 'type', 'veth']), [], 'no host end left');
  t.same(reservations(w.dataDir, 'brnet'), {}, 'every address released');
});

t.test('ipMasq: parallel DELs remove their own rules and no one else\'s', HAVE_IPTABLES ? { ...opts, timeout: 180_000 } : { skip: 'iptables not installed' }, async (t) => {
  const w = world(t);
  const n = 8;
  const ctrs = [w.ctr, ...Array.from({ length: n - 1 }, () => w.newContainer())];
  const conf = brConf(w, 'nlkit-bridge', { extra: { isGateway: true, ipMasq: true } });
  ctrs.forEach((ns, i) => ok(t, runIn(w.host.path, NLKIT_BRIDGE, cniEnv('ADD', w, { CNI_NETNS: ns.path, CNI_CONTAINERID: `c${i}` }), conf), `ADD ${i}`));
  const jumps = () => natState(w.host.path).v4.filter((l) => l.startsWith('-A POSTROUTING') && l.includes('-j CNI-'));
  const all = jumps();
  t.equal(all.length, n, 'a POSTROUTING rule per container');
  const gone = ctrs.filter((_, i) => i % 2 === 0);
  const dels = await Promise.all(gone.map((ns) => runInAsync(w.host.path!, NLKIT_BRIDGE, cniEnv('DEL', w, { CNI_NETNS: ns.path, CNI_CONTAINERID: `c${ctrs.indexOf(ns)}` }), conf)));
  dels.forEach((r, i) => t.equal(r.status, 0, `DEL ${i} (${r.stdout} ${r.stderr.slice(0, 300)})`));
  const left = jumps();
  const comment = (i: number) => `id: \\"c${i}\\"`;
  t.equal(left.length, n / 2, 'half the rules left');
  for (let i = 1; i < n; i += 2) t.ok(left.some((l) => l.includes(comment(i))), `c${i}'s rule kept`);
  for (let i = 0; i < n; i += 2) t.notOk(left.some((l) => l.includes(comment(i))), `c${i}'s rule gone`);
});

t.test('vlan: an access port of the VLAN where the kernel filters VLANs, else refused as unsupported with nothing made', opts, async (t) => {
  const w = world(t);
  const rh = Rtnl.open({ netns: w.host });
  let filtering = true;
  try {
    await rh.link.add({ kind: 'bridge', name: 'probe0', data: { vlanFiltering: 1 } });
    await rh.link.del('probe0');
  } catch (e) {
    if ((e as { code?: string }).code !== 'EOPNOTSUPP') throw e;
    filtering = false;
  } finally {
    rh.close();
  }
  const conf = brConf(w, 'nlkit-bridge', { extra: { vlan: 100, isGateway: true } });
  const r = runIn(w.host.path, NLKIT_BRIDGE, cniEnv('ADD', w), conf);
  if (!filtering) {
    t.equal(r.json?.code, 2, 'this kernel has no bridge VLAN filtering: unsupported field (2)');
    t.match(r.json?.msg, /vlan=100/);
    t.match(r.json?.details, /CONFIG_BRIDGE_VLAN_FILTERING/);
    t.same(ipJson<Json[]>(w.host.path, ['link', 'show']).map((l) => l.ifname), ['lo'], 'nothing made');
    t.same(reservations(w.dataDir, 'brnet'), {}, 'nothing allocated');
    const ref = runIn(w.host.path, REF_BRIDGE, cniEnv('ADD', w), { ...conf, type: 'bridge' });
    t.match(ref.json?.msg, /operation not supported/, 'the reference fails here too');
    // A bridge that exists already (without VLAN filtering): the port's VLAN is refused.
    const rh2 = Rtnl.open({ netns: w.host });
    try {
      await rh2.link.add({ kind: 'bridge', name: 'cni0', up: true });
    } finally {
      rh2.close();
    }
    const r2 = runIn(w.host.path, NLKIT_BRIDGE, cniEnv('ADD', w), brConf(w, 'nlkit-bridge', { extra: { vlan: 100 } }));
    t.equal(r2.json?.code, 2, 'on an existing bridge too: unsupported field (2)');
    t.match(r2.json?.details, /CONFIG_BRIDGE_VLAN_FILTERING/);
    t.same(ipJson<Json[]>(w.host.path, ['link', 'show', 'type', 'veth']), [], 'the pair deleted');
    t.same(reservations(w.dataDir, 'brnet'), {}, 'the allocation released');
    return;
  }
  const res = ok(t, r, 'ADD with vlan 100');
  const vlans = JSON.parse(spawnSync('nsenter', [`--net=${w.host.path}`, 'bridge', '-j', 'vlan', 'show'], { encoding: 'utf8' }).stdout) as Json[];
  const port = vlans.find((v) => v.ifname === res.interfaces[1].name);
  t.same(port?.vlans.find((v: Json) => v.vlan === 100)?.flags?.sort(), ['Egress Untagged', 'PVID'], 'the host end is the access port of VLAN 100');
  t.ok(ipJson<Json[]>(w.host.path, ['addr', 'show', 'cni0.100'])[0].addr_info.some((a: Json) => a.local === '10.1.0.1'), 'the gateway is on cni0.100');
});

t.test('ipMasq: each plugin DELs the other\'s masquerading; a rule that cannot be made fails ADD with nothing left', HAVE_IPTABLES ? opts : { skip: 'iptables not installed' }, async (t) => {
  for (const [adder, deleter] of [[REF_BRIDGE, NLKIT_BRIDGE], [NLKIT_BRIDGE, REF_BRIDGE]] as const) {
    const w = world(t);
    const conf = brConf(w, 'bridge', { extra: { isGateway: true, ipMasq: true } });
    ok(t, runIn(w.host.path, adder, cniEnv('ADD', w), { ...conf, type: adder === REF_BRIDGE ? 'bridge' : 'nlkit-bridge' }), `${adder} ADD`);
    t.ok(natState(w.host.path).v4.some((l) => l.startsWith('-A POSTROUTING') && l.includes('-j CNI-')), `${adder} made its rule`);
    ok(t, runIn(w.host.path, deleter, cniEnv('DEL', w), { ...conf, type: deleter === REF_BRIDGE ? 'bridge' : 'nlkit-bridge' }), `${deleter} DEL`);
    t.notOk(natState(w.host.path).v4.some((l) => l.includes('CNI-')), `${deleter} removed ${adder}'s chain and rule`);
  }

  // An iptables that refuses the POSTROUTING rule: the chain's rules were made, then the
  // ADD fails; the chain, the pair and the allocation are gone again.
  const w = world(t);
  const bin = join(w.dir, 'fakebin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'iptables'), [
    '#!/bin/sh',
    'case " $* " in *" -A POSTROUTING "*) echo "fake iptables: refused" >&2; exit 4;; esac',
    'exec /usr/sbin/iptables "$@"',
    '',
  ].join('\n'));
  chmodSync(join(bin, 'iptables'), 0o755);
  const r = runIn(w.host.path, NLKIT_BRIDGE, cniEnv('ADD', w, { PATH: `${bin}:${process.env.PATH}` }), brConf(w, 'nlkit-bridge', { extra: { ipMasq: true } }));
  t.equal(r.json?.code, 999, 'the refusal fails ADD');
  t.match(r.json?.details, /fake iptables: refused/, "with iptables' own message");
  t.notOk(natState(w.host.path).v4.some((l) => l.includes('CNI-')), 'no chain or rule left');
  t.same(ipJson<Json[]>(w.host.path, ['link', 'show', 'type', 'veth']), [], 'no veth left');
  t.same(ipJson<Json[]>(w.ctr.path!, ['link', 'show']).map((l) => l.ifname), ['lo'], 'no container end left');
  t.same(reservations(w.dataDir, 'brnet'), {}, 'the allocation released');
});
