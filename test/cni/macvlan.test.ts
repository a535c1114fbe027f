// nlkit-macvlan against the reference macvlan plugin (Debian's containernetworking-plugins
// 1.1.1, /usr/lib/cni/macvlan): the same configuration run through each, each in its own
// throwaway host and container namespaces (the host's master a veth end, up, whose peer
// is up, or a bridge with a port) with its own host-local store. The results have the
// same shape and the kernels end up in the same state — the macvlan (kind, mode, MTU,
// lower device), its addresses and routes of every table, the sysctls, the master's
// promiscuity — and the same after DEL. Then CHECK (either plugin's attachment, and
// drift), the MAC's sources, bad configuration, failed ADDs leaving nothing behind, DEL,
// STATUS and GC, and the old-kernel fallback of the create (a temporary name, renamed).
import t from 'tap';
import { existsSync } from 'node:fs';
import { CniError, MacAddr, Netns, NetlinkError, NetlinkSocket, Rtnl } from '../../src/index.js';
import { NLM_F_CREATE } from '../../src/netlink/index.js';
import { RTM_NEWLINK } from '../../src/rtnl/constants.js';
import { createMacvlan } from '../../src/cni/plugins/macvlan.js';
import { fdCount, ip, ipJson, netnsPair, privileged, unprivileged } from '../helpers.js';
import {
  NLKIT_MACVLAN, REF_DIR, REF_MACVLAN, cniEnv, fakeIpam, normalisedResult, normalisedState, readSysctl, reservations, runIn, settle, storeSnapshot, world, type Run, type World,
} from './util.js';

type Json = Record<string, any>;

/** The kernel's answer to a macvlan create (DESIGN: skip unsupported kinds by it): undefined when it makes one. */
async function macvlanUnsupported(): Promise<string | undefined> {
  if (unprivileged) return undefined;
  const ns = Netns.new();
  const rt = Rtnl.open({ netns: ns });
  try {
    await rt.link.add({ kind: 'veth', name: 'p0', peer: { name: 'p1' } });
    await rt.link.add({ kind: 'macvlan', name: 'mv0', link: 'p0', data: { mode: 'bridge' } });
    return undefined;
  } catch (e) {
    if (e instanceof NetlinkError && e.code === 'EOPNOTSUPP') return `this kernel makes no macvlan (${e.message})`;
    throw e;
  } finally {
    rt.close();
    ns.close();
  }
}

const noMacvlan = await macvlanUnsupported();
const haveRef = existsSync(REF_MACVLAN) && existsSync(`${REF_DIR}/host-local`);
const live = noMacvlan ? { skip: noMacvlan } : { ...privileged, timeout: 120_000 };
const opts = !haveRef ? { skip: `reference plugins not installed in ${REF_DIR} (apt-get install containernetworking-plugins)` } : live;

/** How a world's host netns gets its master. */
interface MasterOpts {
  /** MTU of the master (a veth end, and its peer). Defaults to the kernel's 1500. */
  mtu?: number;
  /** An address on m0 and a default route through it (for a configuration without "master"). */
  defaultRoute?: boolean;
  /** The master is a bridge br0 with a veth port (so that it has carrier), not a veth end. */
  bridge?: boolean;
}

/**
 * A world whose host netns has a master: m0, a veth end whose peer m0p is up (so m0 has
 * carrier and IPv6 duplicate address detection on a macvlan of it can finish), or a
 * bridge br0 with a port.
 */
function mvWorld(t: any, o: MasterOpts = {}): World {
  const w = world(t);
  const h = w.host.path!;
  const mtu = o.mtu ? ['mtu', String(o.mtu)] : [];
  ip(h, ['link', 'add', 'm0', ...mtu, 'type', 'veth', 'peer', 'name', 'm0p', ...mtu]);
  ip(h, ['link', 'set', 'm0p', 'up']);
  if (o.bridge) {
    ip(h, ['link', 'add', 'br0', 'type', 'bridge']);
    ip(h, ['link', 'set', 'm0', 'master', 'br0']);
    ip(h, ['link', 'set', 'br0', 'up']);
  }
  ip(h, ['link', 'set', 'm0', 'up']);
  if (o.defaultRoute) {
    ip(h, ['addr', 'add', '192.168.50.2/24', 'dev', 'm0']);
    ip(h, ['route', 'add', 'default', 'via', '192.168.50.1', 'dev', 'm0']);
  }
  return w;
}

/** A macvlan configuration: master m0 (null: none), host-local IPAM (IPv4 10.1.0.0/24, IPv6 fd00:1::/64 as asked) unless `ipam: false`. */
function mvConf(w: World, type: string, o: { version?: string; master?: string | null; v4?: boolean; v6?: boolean; ipam?: boolean; routes?: Json[]; extra?: Json } = {}): Json {
  const ranges: unknown[] = [];
  if (o.v4 !== false) ranges.push([{ subnet: '10.1.0.0/24' }]);
  if (o.v6) ranges.push([{ subnet: 'fd00:1::/64' }]);
  return {
    cniVersion: o.version ?? '1.0.0',
    name: 'mvnet',
    type,
    ...(o.master === null ? {} : { master: o.master ?? 'm0' }),
    ...(o.ipam === false ? {} : { ipam: { type: 'host-local', dataDir: w.dataDir, ranges, routes: o.routes ?? [{ dst: '0.0.0.0/0' }] } }),
    ...o.extra,
  };
}

/** The container side: addresses and routes (normalisedState), the macvlan's own settings, the sysctl both plugins write. */
function ctrState(path: string): Json {
  const s = normalisedState(path);
  const l = ipJson<Json[]>(path, ['-d', 'link', 'show']).find((x) => x.ifname === 'eth0');
  // txqlen left out: the reference makes the link with 0, nlkit with the kernel's default (docs/cni.md).
  const link = l && {
    kind: l.linkinfo?.info_kind, mode: l.linkinfo?.info_data?.mode, mtu: l.mtu, link_index: l.link_index, link_netnsid: l.link_netnsid,
    flags: (l.flags as string[]).filter((f) => f !== 'NO-CARRIER'), promiscuity: l.promiscuity,
  };
  return { ...s, link, arp_notify: readSysctl(path, 'net.ipv4.conf.eth0.arp_notify') };
}

/** The host side: addresses and routes, and the master's settings (passthru makes it promiscuous). */
function hostState(w: World, master: string): Json {
  const m = ipJson<Json[]>(w.host.path!, ['-d', 'link', 'show', master])[0];
  return { ...normalisedState(w.host.path!), master: { mtu: m.mtu, promiscuity: m.promiscuity, flags: m.flags, address: m.address === undefined ? undefined : 'present' } };
}

function ok(t: any, r: Run, what: string): Json {
  t.equal(r.status, 0, `${what} exits 0 (stdout: ${r.stdout} stderr: ${r.stderr.slice(0, 2000)})`);
  return r.json as Json;
}

const code = (r: Run) => (r.json as Json | undefined)?.code;
const names = (path: string) => ipJson<Json[]>(path, ['link', 'show']).map((l) => l.ifname as string).sort();

/** ADD with `plugin` in a fresh world; the result and the settled states. */
async function attach(t: any, plugin: string, conf: (w: World) => Json, m: MasterOpts, env: Record<string, string> = {}) {
  const w = mvWorld(t, m);
  const c = conf(w);
  const res = ok(t, runIn(w.host.path, plugin, cniEnv('ADD', w, env), c), `${plugin} ADD`);
  await settle(w.ctr.path!);
  const master = (c['master'] as string | undefined) ?? 'm0';
  return { w, conf: c, res, host: hostState(w, master), ctr: ctrState(w.ctr.path!), store: reservations(w.dataDir, 'mvnet') };
}

const cases: { name: string; master?: MasterOpts; env?: Record<string, string>; mac?: string; conf: (w: World, type: string) => Json }[] = [
  { name: 'IPv4, mode unset (bridge), dns from the configuration', conf: (w, type) => mvConf(w, type, { extra: { dns: { nameservers: ['10.1.0.1'], search: ['example.org'] } } }) },
  { name: 'dual stack, mode private, mtu 1400, IPAM routes of both families', conf: (w, type) => mvConf(w, type, { v6: true, routes: [{ dst: '0.0.0.0/0' }, { dst: 'fd00:2::/48' }], extra: { mode: 'private', mtu: 1400 } }) },
  { name: 'IPv4, mode vepa, cniVersion 0.4.0', conf: (w, type) => mvConf(w, type, { version: '0.4.0', extra: { mode: 'vepa' } }) },
  { name: 'IPv4, mode passthru (the master goes promiscuous)', conf: (w, type) => mvConf(w, type, { extra: { mode: 'passthru' } }) },
  { name: 'layer 2 only (no ipam), mode bridge', conf: (w, type) => mvConf(w, type, { ipam: false, extra: { mode: 'bridge' } }) },
  { name: 'layer 2 only, "ipam": {} (no type)', conf: (w, type) => mvConf(w, type, { ipam: false, extra: { ipam: {} } }) },
  { name: 'mtu equal to a 9000-byte master', master: { mtu: 9000 }, conf: (w, type) => mvConf(w, type, { extra: { mtu: 9000 } }) },
  { name: 'runtimeConfig.mac', mac: '02:00:00:00:aa:01', conf: (w, type) => mvConf(w, type, { extra: { runtimeConfig: { mac: '02:00:00:00:aa:01' } } }) },
  { name: 'no master: the interface of the host\'s default route', master: { defaultRoute: true }, conf: (w, type) => mvConf(w, type, { master: null }) },
  { name: 'the master is a bridge', master: { bridge: true }, conf: (w, type) => mvConf(w, type, { master: 'br0' }) },
];

for (const c of cases) {
  t.test(`reference macvlan and nlkit-macvlan agree: ${c.name}`, opts, async (t) => {
    const ref = await attach(t, REF_MACVLAN, (w) => c.conf(w, 'macvlan'), c.master ?? {}, c.env);
    const mine = await attach(t, NLKIT_MACVLAN, (w) => c.conf(w, 'nlkit-macvlan'), c.master ?? {}, c.env);
    t.same(normalisedResult(mine.res), normalisedResult(ref.res), 'same result (MAC and sandbox path aside)');
    t.same(Object.keys(mine.res), Object.keys(ref.res), 'same top-level keys in the same order');
    t.equal(mine.res.interfaces[0].sandbox, mine.w.ctr.path, 'the sandbox is CNI_NETNS');
    t.equal(mine.res.interfaces[0].mac, ipJson<Json[]>(mine.w.ctr.path!, ['link', 'show', 'eth0'])[0].address, "the result's MAC is eth0's");
    if (c.mac) {
      t.equal(mine.res.interfaces[0].mac, c.mac, `nlkit's eth0 has ${c.mac}`);
      t.equal(ref.res.interfaces[0].mac, c.mac, `the reference's eth0 has ${c.mac}`);
    }
    t.ok(mine.ctr.link, 'eth0 is there');
    t.same(mine.ctr, ref.ctr, 'same container state: the macvlan, addresses, routes of every table, arp_notify');
    const l3 = mine.conf['ipam']?.type !== undefined;
    t.equal(readSysctl(mine.w.ctr.path!, 'net.ipv6.conf.eth0.ndisc_notify'), l3 ? '1' : '0', `ndisc_notify ${l3 ? 'set (as upstream after 1.1.1 sets it)' : 'left alone on a layer-2 attachment'}`);
    t.same(mine.host, ref.host, "same host state: nothing added, the master's promiscuity");
    t.same(mine.store, ref.store, 'same host-local reservations');

    // Each plugin's DEL undoes its own ADD the same way.
    for (const [plugin, a] of [[REF_MACVLAN, ref], [NLKIT_MACVLAN, mine]] as const) {
      ok(t, runIn(a.w.host.path, plugin, cniEnv('DEL', a.w), { ...a.conf, prevResult: a.res }), `${plugin} DEL`);
    }
    t.same(names(mine.w.ctr.path!), ['lo'], 'eth0 gone');
    t.same(ctrState(mine.w.ctr.path!), ctrState(ref.w.ctr.path!), 'same container state after DEL');
    const master = (mine.conf['master'] as string | undefined) ?? 'm0';
    t.same(hostState(mine.w, master), hostState(ref.w, master), 'same host state after DEL');
    t.same(reservations(mine.w.dataDir, 'mvnet'), {}, 'released');
    ok(t, runIn(mine.w.host.path, NLKIT_MACVLAN, cniEnv('DEL', mine.w), mine.conf), 'second DEL');
  });
}

t.test('CHECK: nlkit-macvlan accepts its own and the reference attachment, the reference accepts nlkit\'s, and drift is reported with the codes', opts, async (t) => {
  for (const plugin of [REF_MACVLAN, NLKIT_MACVLAN]) {
    const w = mvWorld(t);
    const conf = mvConf(w, 'nlkit-macvlan', { v6: true, extra: { mode: 'vepa' } });
    const res = ok(t, runIn(w.host.path, plugin, cniEnv('ADD', w), { ...conf, type: plugin === REF_MACVLAN ? 'macvlan' : 'nlkit-macvlan' }), `${plugin} ADD`);
    await settle(w.ctr.path!);
    const check = (over: Json = {}) => runIn(w.host.path, NLKIT_MACVLAN, cniEnv('CHECK', w), { ...conf, prevResult: res, ...over });
    ok(t, check(), `nlkit-macvlan CHECK of ${plugin}'s attachment`);
    if (plugin === NLKIT_MACVLAN) ok(t, runIn(w.host.path, REF_MACVLAN, cniEnv('CHECK', w), { ...conf, type: 'macvlan', prevResult: res }), "the reference's CHECK of nlkit's attachment");

    let r = check({ mode: 'bridge' });
    t.equal(code(r), 110, 'the configuration says another mode: 110');
    t.match(r.json?.msg, /mode vepa, not bridge/);
    r = check({ master: 'nope' });
    t.equal(code(r), 110, 'the master is gone: 110');
    t.match(r.json?.msg, /master "nope" not found/);

    const v4 = res.ips.find((i: Json) => !i.address.includes(':')).address as string;
    const rc = Rtnl.open({ netns: w.ctr });
    try {
      const mac = res.interfaces[0].mac as string;
      await rc.link.set('eth0', { address: '02:00:00:00:00:99' });
      r = check();
      t.equal(code(r), 110, 'another MAC: 110');
      t.match(r.json?.msg, /changed its MAC address/);
      await rc.link.set('eth0', { address: mac });
      ok(t, check(), 'CHECK passes with the MAC back');
      await rc.addr.del('eth0', v4);
      t.equal(code(check()), 111, "the container's address gone: 111");
      await rc.addr.add('eth0', v4, { broadcast: true });
      t.equal(code(check()), 112, 'the default route, gone with the address: 112');
      await rc.route.add({ dst: '0.0.0.0/0', gateway: '10.1.0.1', dev: 'eth0' });
      ok(t, check(), 'CHECK passes again once repaired');
      await rc.link.set('eth0', { up: false });
      r = check();
      t.equal(code(r), 110, 'eth0 down: 110');
      t.match(r.json?.msg, /is down/);
      await rc.link.del('eth0');
      r = check();
      t.equal(code(r), 110, 'eth0 gone: 110');
      t.match(r.json?.msg, /interface eth0 is missing/);
    } finally {
      rc.close();
    }
    t.equal(code(runIn(w.host.path, NLKIT_MACVLAN, cniEnv('CHECK', w), conf)), 7, 'CHECK without prevResult: 7');
  }
  // A link of CNI_IFNAME that is not a macvlan.
  const w = mvWorld(t);
  const conf = mvConf(w, 'nlkit-macvlan', { ipam: false });
  const res = ok(t, runIn(w.host.path, NLKIT_MACVLAN, cniEnv('ADD', w), conf), 'ADD');
  ip(w.ctr.path!, ['link', 'del', 'eth0']);
  ip(w.ctr.path!, ['link', 'add', 'eth0', 'type', 'bridge']);
  const r = runIn(w.host.path, NLKIT_MACVLAN, cniEnv('CHECK', w), { ...conf, prevResult: res });
  t.equal(code(r), 110, 'a bridge in its place: 110');
  t.match(r.json?.msg, /not a macvlan/);
});

t.test('the MAC: "mac", then CNI_ARGS MAC=, then runtimeConfig.mac, as the reference takes them', opts, async (t) => {
  const cases: [Json, Record<string, string>, string][] = [
    [{ mac: '02:00:00:00:00:0a' }, {}, '02:00:00:00:00:0a'],
    [{ mac: '02:00:00:00:00:0a' }, { CNI_ARGS: 'MAC=02:00:00:00:00:0b' }, '02:00:00:00:00:0b'],
    [{ mac: '02:00:00:00:00:0a', runtimeConfig: { mac: '02:00:00:00:00:0c' } }, { CNI_ARGS: 'MAC=02:00:00:00:00:0b' }, '02:00:00:00:00:0c'],
    [{ runtimeConfig: { mac: '02:00:00:00:00:0c' } }, {}, '02:00:00:00:00:0c'],
  ];
  for (const [extra, env, want] of cases) {
    for (const [plugin, type] of [[REF_MACVLAN, 'macvlan'], [NLKIT_MACVLAN, 'nlkit-macvlan']] as const) {
      const w = mvWorld(t);
      const res = ok(t, runIn(w.host.path, plugin, cniEnv('ADD', w, env), mvConf(w, type, { ipam: false, extra })), `${type} ADD ${JSON.stringify(extra)} ${JSON.stringify(env)}`);
      t.equal(res.interfaces[0].mac, want, `${type}: the result says ${want}`);
      t.equal(ipJson<Json[]>(w.ctr.path!, ['link', 'show', 'eth0'])[0]!.address, want, `${type}: eth0 has ${want}`);
    }
  }
});

t.test('bad configuration is refused before anything is made or allocated', opts, async (t) => {
  const w = mvWorld(t);
  // [extra, nlkit's code, message, the reference refuses it too]
  const bad: [Json, number, RegExp, boolean][] = [
    [{ mode: 'foo' }, 7, /unknown macvlan mode: "foo"/, true],
    [{ mode: 'source' }, 7, /unknown macvlan mode/, true],
    [{ mtu: 1501 }, 7, /invalid MTU 1501, must be \[0, master MTU\(1500\)\]/, true],
    [{ mtu: -1 }, 7, /invalid mtu/, true],
    [{ mtu: 40 }, 7, /invalid mtu/, true],
    [{ mtu: 1400.5 }, 7, /invalid mtu/, true],
    [{ master: 'nope' }, 7, /master "nope" not found/, true],
    [{ master: 'lo' }, 7, /cannot carry a macvlan/, true],
    [{ master: 'a/b' }, 7, /invalid master/, true],
    [{ mac: 'zz' }, 7, /invalid mac/, true],
    [{ mac: '01:00:5e:00:00:01' }, 7, /multicast/, true],
    [{ runtimeConfig: { mac: '00:00:00:00:00:00' } }, 7, /zero/, true],
    [{ linkInContainer: true }, 2, /linkInContainer/, false],
  ];
  const before = names(w.host.path!);
  for (const [extra, want, msg, refToo] of bad) {
    const r = runIn(w.host.path, NLKIT_MACVLAN, cniEnv('ADD', w), mvConf(w, 'nlkit-macvlan', { extra }));
    t.equal(r.status, 1, `${JSON.stringify(extra)}: fails`);
    t.equal(code(r), want, `${JSON.stringify(extra)}: code ${want}`);
    t.match(`${r.json?.msg} ${r.json?.details}`, msg);
    if (refToo) t.not(runIn(w.host.path, REF_MACVLAN, cniEnv('ADD', w), mvConf(w, 'macvlan', { extra })).status, 0, `${JSON.stringify(extra)}: the reference refuses it too`);
  }
  const r = runIn(w.host.path, NLKIT_MACVLAN, cniEnv('ADD', w, { CNI_ARGS: 'MAC=02:00:00:00:00' }), mvConf(w, 'nlkit-macvlan'));
  t.equal(code(r), 7, 'a bad CNI_ARGS MAC: 7');
  t.match(r.json?.msg, /CNI_ARGS MAC/);
  const noDefault = runIn(w.host.path, NLKIT_MACVLAN, cniEnv('ADD', w), mvConf(w, 'nlkit-macvlan', { master: null }));
  t.equal(code(noDefault), 7, 'no master and no default route: 7');
  t.match(noDefault.json?.msg, /no default route interface found/);
  t.same(names(w.ctr.path!), ['lo'], 'nothing made in the container');
  t.same(names(w.host.path!), before, 'nothing made on the host');
  t.same(storeSnapshot(w.dataDir), {}, 'nothing allocated (host-local never ran)');
});

t.test('a failed ADD leaves no link and no reservation', opts, async (t) => {
  // A route IPAM gives that cannot be added (its gateway is reachable through nothing):
  // configureIface fails after the addresses are on eth0.
  let w = mvWorld(t);
  let r = runIn(w.host.path, NLKIT_MACVLAN, cniEnv('ADD', w), mvConf(w, 'nlkit-macvlan', { routes: [{ dst: '192.168.0.0/16', gw: '172.16.0.1' }] }));
  t.equal(r.status, 1, 'ADD fails');
  t.equal(code(r), 999, 'code 999 (the kernel refused the route)');
  t.match(`${r.json?.msg} ${r.json?.details}`, /192\.168\.0\.0\/16/, 'the error names the route');
  t.same(names(w.ctr.path!), ['lo'], 'no link left in the container');
  t.same(reservations(w.dataDir, 'mvnet'), {}, 'the address was released');

  // An IPAM result without addresses: refused (100), the link deleted, IPAM DEL called.
  w = mvWorld(t);
  const ipam = fakeIpam(w, { cniVersion: '1.0.0', ips: [] });
  r = runIn(w.host.path, NLKIT_MACVLAN, cniEnv('ADD', w, { CNI_PATH: ipam.path }), { ...mvConf(w, 'nlkit-macvlan', { ipam: false }), ipam: { type: 'fakeipam' } });
  t.equal(code(r), 100, 'IPAM returned no IP config: 100');
  t.match(r.json?.msg, /IPAM plugin returned missing IP config/);
  t.same(ipam.log().filter((l) => !l.startsWith('VERSION')), ['ADD ctr1 eth0', 'DEL ctr1 eth0'], 'the allocation was released');
  t.same(names(w.ctr.path!), ['lo'], 'no link left in the container');

  // CNI_IFNAME taken: refused before IPAM is called.
  w = mvWorld(t);
  const ipam2 = fakeIpam(w, { cniVersion: '1.0.0', ips: [{ address: '10.1.0.2/24', gateway: '10.1.0.1' }] });
  ip(w.ctr.path!, ['link', 'add', 'eth0', 'type', 'bridge']);
  r = runIn(w.host.path, NLKIT_MACVLAN, cniEnv('ADD', w, { CNI_PATH: ipam2.path }), { ...mvConf(w, 'nlkit-macvlan', { ipam: false }), ipam: { type: 'fakeipam' } });
  t.equal(code(r), 4, 'CNI_IFNAME taken in the container: 4');
  t.same(ipam2.log().filter((l) => !l.startsWith('VERSION')), [], 'IPAM never called');
  t.same(names(w.ctr.path!), ['eth0', 'lo'], 'nothing else made');
  t.equal(ipJson<Json[]>(w.ctr.path!, ['-d', 'link', 'show', 'eth0'])[0].linkinfo.info_kind, 'bridge', 'the bridge left as it was');

  // A second passthru macvlan of one master: the kernel refuses the create; no IPAM call.
  w = mvWorld(t);
  const conf = mvConf(w, 'nlkit-macvlan', { extra: { mode: 'passthru' } });
  ok(t, runIn(w.host.path, NLKIT_MACVLAN, cniEnv('ADD', w), conf), 'the first passthru ADD');
  const ctr2 = w.newContainer();
  r = runIn(w.host.path, NLKIT_MACVLAN, cniEnv('ADD', w, { CNI_NETNS: ctr2.path, CNI_CONTAINERID: 'ctr2' }), conf);
  t.equal(code(r), 999, 'the second: 999');
  t.match(r.json?.msg, /failed to create macvlan eth0 on m0/);
  t.same(names(ctr2.path!), ['lo'], 'nothing made in the second container');
  t.same(Object.values(reservations(w.dataDir, 'mvnet')).map((v) => v.split('\n')[0]), ['ctr1'], 'only the first attachment holds an address');
  t.same(names(w.ctr.path!), ['eth0', 'lo'], 'the first attachment untouched');
});

t.test('no master: default routes that are not unicast through an interface (a blackhole, an IPv6 unreachable naming lo) are passed over', live, async (t) => {
  const w = mvWorld(t);
  const h = w.host.path!;
  ip(h, ['route', 'add', 'blackhole', 'default']);
  ip(h, ['-6', 'addr', 'add', 'fd00:9::2/64', 'dev', 'm0', 'nodad']);
  ip(h, ['-6', 'route', 'add', 'unreachable', 'default', 'metric', '10']);
  ip(h, ['-6', 'route', 'add', 'default', 'via', 'fd00:9::1', 'dev', 'm0', 'metric', '20']);
  t.same(ipJson<Json[]>(h, ['-6', 'route', 'show', 'default']).map((r) => [r.type ?? 'unicast', r.dev]), [['unreachable', 'lo'], ['unicast', 'm0']], 'the unreachable route, through lo, comes first');
  const res = ok(t, runIn(h, NLKIT_MACVLAN, cniEnv('ADD', w), mvConf(w, 'nlkit-macvlan', { master: null, ipam: false })), 'ADD');
  t.equal(res.interfaces[0].name, 'eth0');
  const m0 = ipJson<Json[]>(h, ['link', 'show', 'm0'])[0].ifindex;
  t.equal(ipJson<Json[]>(w.ctr.path!, ['-d', 'link', 'show', 'eth0'])[0].link_index, m0, 'the macvlan is on m0, the interface of the first unicast default route');
  // The reference fails here: its first default route, the IPv4 blackhole, has no interface.
});

t.test('DEL: idempotent, without CNI_NETNS, with the netns gone, with the master gone; IPAM released each time', opts, async (t) => {
  const w = mvWorld(t);
  const conf = mvConf(w, 'nlkit-macvlan');
  ok(t, runIn(w.host.path, NLKIT_MACVLAN, cniEnv('ADD', w), conf), 'ADD');
  ip(w.host.path!, ['link', 'del', 'm0']); // takes its macvlan with it
  ok(t, runIn(w.host.path, NLKIT_MACVLAN, cniEnv('DEL', w), conf), 'DEL with the master gone (the configuration names it)');
  t.same(reservations(w.dataDir, 'mvnet'), {}, 'released');

  const w2 = mvWorld(t);
  const conf2 = mvConf(w2, 'nlkit-macvlan');
  ok(t, runIn(w2.host.path, NLKIT_MACVLAN, cniEnv('ADD', w2), conf2), 'ADD');
  ok(t, runIn(w2.host.path, NLKIT_MACVLAN, cniEnv('DEL', w2, { CNI_NETNS: '/run/netns/nlkit-no-such-netns' }), conf2), 'DEL with a netns that is gone');
  t.same(reservations(w2.dataDir, 'mvnet'), {}, 'released');
  t.same(names(w2.ctr.path!), ['eth0', 'lo'], 'the link in the real netns was not touched by that DEL');
  ok(t, runIn(w2.host.path, NLKIT_MACVLAN, cniEnv('DEL', w2, { CNI_NETNS: undefined }), conf2), 'DEL without CNI_NETNS');
  ok(t, runIn(w2.host.path, NLKIT_MACVLAN, cniEnv('DEL', w2), { ...conf2, mode: 'nonsense' }), 'DEL reads only ipam: a bad mode does not stop it');
  t.same(names(w2.ctr.path!), ['lo'], 'eth0 deleted');
  ok(t, runIn(w2.host.path, NLKIT_MACVLAN, cniEnv('DEL', w2), conf2), 'DEL again');
});

t.test('STATUS and GC go to the IPAM plugin', opts, async (t) => {
  const w = mvWorld(t);
  const conf = { ...mvConf(w, 'nlkit-macvlan'), cniVersion: '1.1.0' };
  ok(t, runIn(w.host.path, NLKIT_MACVLAN, cniEnv('STATUS', w, { CNI_NETNS: undefined, CNI_CONTAINERID: undefined, CNI_IFNAME: undefined }), conf), 'STATUS with host-local');
  const missing = runIn(w.host.path, NLKIT_MACVLAN, cniEnv('STATUS', w, { CNI_NETNS: undefined, CNI_CONTAINERID: undefined, CNI_IFNAME: undefined }), { ...conf, ipam: { type: 'no-such-ipam' } });
  t.equal(code(missing), 50, 'STATUS with an IPAM plugin that is not there: 50');
  ok(t, runIn(w.host.path, NLKIT_MACVLAN, cniEnv('STATUS', w, { CNI_NETNS: undefined, CNI_CONTAINERID: undefined, CNI_IFNAME: undefined }), mvConf(w, 'nlkit-macvlan', { version: '1.1.0', ipam: false })), 'STATUS of a layer-2 configuration');

  const ctr2 = w.newContainer();
  ok(t, runIn(w.host.path, NLKIT_MACVLAN, cniEnv('ADD', w), conf), 'ADD ctr1');
  ok(t, runIn(w.host.path, NLKIT_MACVLAN, cniEnv('ADD', w, { CNI_NETNS: ctr2.path, CNI_CONTAINERID: 'ctr2' }), conf), 'ADD ctr2');
  t.equal(Object.keys(reservations(w.dataDir, 'mvnet')).length, 2, 'two addresses held');
  ok(t, runIn(w.host.path, NLKIT_MACVLAN, cniEnv('GC', w, { CNI_NETNS: undefined, CNI_CONTAINERID: undefined, CNI_IFNAME: undefined }), { ...conf, 'cni.dev/valid-attachments': [{ containerID: 'ctr1', ifname: 'eth0' }] }), 'GC keeping ctr1');
  t.same(Object.values(reservations(w.dataDir, 'mvnet')).map((v) => v.split('\n')[0]), ['ctr1'], "ctr2's address released, ctr1's kept");
});

t.test('STATUS is not ready (50) while the master ADD would use is missing', opts, async (t) => {
  const w = mvWorld(t);
  const env = cniEnv('STATUS', w, { CNI_NETNS: undefined, CNI_CONTAINERID: undefined, CNI_IFNAME: undefined });
  const st = (conf: Json) => runIn(w.host.path, NLKIT_MACVLAN, env, conf);
  const gone = st(mvConf(w, 'nlkit-macvlan', { version: '1.1.0', master: 'nic9' }));
  t.equal(code(gone), 50, 'a master that is not there: 50');
  t.equal(gone.json?.msg, 'master "nic9" not found', 'the error names the master');
  const noDefault = st(mvConf(w, 'nlkit-macvlan', { version: '1.1.0', master: null }));
  t.equal(code(noDefault), 50, 'no master and no default route to take one from: 50');
  t.equal(noDefault.json?.msg, 'no default route interface found', 'the error says why');
  // ADD reads an empty or null master as none (the default route's interface), so STATUS must too.
  for (const m of ['', null]) {
    const r = st(mvConf(w, 'nlkit-macvlan', { version: '1.1.0', master: null, extra: { master: m } }));
    t.equal(code(r), 50, `master ${JSON.stringify(m)} and no default route: 50, as ADD would fail`);
    t.equal(r.json?.msg, 'no default route interface found', `master ${JSON.stringify(m)}: the error says why`);
  }
  ip(w.host.path!, ['addr', 'add', '192.168.50.2/24', 'dev', 'm0']);
  ip(w.host.path!, ['route', 'add', 'default', 'via', '192.168.50.1', 'dev', 'm0']);
  ok(t, st(mvConf(w, 'nlkit-macvlan', { version: '1.1.0', master: null })), 'ready once a default route names an interface');
  ok(t, st(mvConf(w, 'nlkit-macvlan', { version: '1.1.0', master: null, extra: { master: '' } })), 'and so with an empty master');
  ip(w.host.path!, ['link', 'add', 'nic9', 'type', 'veth', 'peer', 'name', 'nic9p']);
  ok(t, st(mvConf(w, 'nlkit-macvlan', { version: '1.1.0', master: 'nic9' })), 'ready once the master appears');
  ok(t, st(mvConf(w, 'nlkit-macvlan', { version: '1.1.0', extra: { master: 42 } })), 'a master of the wrong type is left to ADD to refuse');
});

t.test('createMacvlan: an EEXIST the container does not explain (a kernel that looks the name up in the sender\'s netns) falls back to a temporary name and a rename', live, async (t) => {
  const orig = NetlinkSocket.prototype.requestWith;
  t.teardown(() => {
    NetlinkSocket.prototype.requestWith = orig;
  });
  /** Names of the creates sent; the real name refused as such a kernel refuses it, and a rename refused when `failRename`. */
  const sent: string[] = [];
  let failRename = false;
  const injecting = function (this: NetlinkSocket, type: number, flags: number, build: any, arg: any, ...rest: any[]) {
    const name = arg?.attrs?.name as string | undefined;
    if (type === RTM_NEWLINK && flags & NLM_F_CREATE && arg?.kind === 'macvlan') {
      sent.push(name!);
      if (name === 'eth0') return Promise.reject(new NetlinkError(17, { type, typeName: 'RTM_NEWLINK', seq: 0, subject: name }, {}));
    } else if (type === RTM_NEWLINK && !(flags & NLM_F_CREATE) && name === 'eth0' && failRename) {
      return Promise.reject(new NetlinkError(16, { type, typeName: 'RTM_NEWLINK', seq: 0, subject: name }, {}));
    }
    return (orig as any).call(this, type, flags, build, arg, ...rest);
  } as typeof orig;
  NetlinkSocket.prototype.requestWith = injecting;

  const setup = (tt: any) => {
    const { host, ctr } = netnsPair(tt);
    ip(host.path!, ['link', 'add', 'm0', 'type', 'veth', 'peer', 'name', 'm0p']);
    ip(host.path!, ['link', 'set', 'm0', 'up']);
    const rh = Rtnl.open({ netns: host });
    const rc = Rtnl.open({ netns: ctr });
    tt.teardown(() => {
      rh.close();
      rc.close();
    });
    return { host, ctr, rh, rc };
  };

  t.test('this kernel looks the name up in the target netns: one create, under the final name, though the host has an eth0', async (t) => {
    const { host, ctr, rh, rc } = setup(t);
    ip(host.path!, ['link', 'add', 'eth0', 'type', 'bridge']);
    NetlinkSocket.prototype.requestWith = function (this: NetlinkSocket, type: number, flags: number, build: any, arg: any, ...rest: any[]) {
      if (type === RTM_NEWLINK && flags & NLM_F_CREATE && arg?.kind === 'macvlan') sent.push(arg.attrs.name);
      return (orig as any).call(this, type, flags, build, arg, ...rest);
    } as typeof orig;
    t.teardown(() => {
      NetlinkSocket.prototype.requestWith = injecting;
    });
    sent.length = 0;
    const l = await createMacvlan(rh, rc, ctr, ctr.path!, 'eth0', (await rh.link.get('m0')).index, 'bridge', { randomName: () => t.fail('no temporary name') as never });
    t.same(sent, ['eth0'], 'one create, with the final name');
    t.equal(l.name, 'eth0');
    t.same(names(ctr.path!), ['eth0', 'lo'], 'eth0 in the container');
    t.equal(ipJson<Json[]>(host.path!, ['-d', 'link', 'show', 'eth0'])[0].linkinfo.info_kind, 'bridge', "the host's eth0 untouched");
  });

  t.test('created as tmp1 (tmp0 is taken in the container), renamed to eth0', async (t) => {
    const { host, ctr, rh, rc } = setup(t);
    ip(ctr.path!, ['link', 'add', 'tmp0', 'type', 'bridge']);
    const master = (await rh.link.get('m0')).index;
    const fds = fdCount();
    sent.length = 0;
    let n = 0;
    const l = await createMacvlan(rh, rc, ctr, ctr.path!, 'eth0', master, 'vepa', { mtu: 1400, mac: MacAddr.parse('02:00:00:00:0f:b0'), randomName: () => `tmp${n++}` });
    t.same(sent, ['eth0', 'tmp0', 'tmp1'], 'the real name, then temporary names until one is free');
    t.equal(l.name, 'eth0');
    t.equal(l.address, '02:00:00:00:0f:b0');
    const d = ipJson<Json[]>(ctr.path!, ['-d', 'link', 'show', 'eth0'])[0];
    t.match(d, { mtu: 1400, address: '02:00:00:00:0f:b0', linkinfo: { info_kind: 'macvlan', info_data: { mode: 'vepa' } }, link_index: master }, 'eth0 is the macvlan of m0, as asked');
    t.notOk((d.flags as string[]).includes('UP'), 'made down');
    t.same(names(ctr.path!), ['eth0', 'lo', 'tmp0'], 'no temporary name left in the container');
    t.same(names(host.path!), ['lo', 'm0', 'm0p'], 'nothing made on the host');
    t.equal(fdCount(), fds, 'no fd leaked');
  });

  t.test('a rename that fails deletes the link under its temporary name', async (t) => {
    const { host, ctr, rh, rc } = setup(t);
    failRename = true;
    t.teardown(() => {
      failRename = false;
    });
    const master = (await rh.link.get('m0')).index;
    const e = await createMacvlan(rh, rc, ctr, ctr.path!, 'eth0', master, 'bridge', { randomName: () => 'tmpx' }).catch((x: unknown) => x);
    t.ok(e instanceof NetlinkError && e.code === 'EBUSY', `the rename's error propagates (${String(e)})`);
    t.same(names(ctr.path!), ['lo'], 'nothing left in the container');
    t.same(names(host.path!), ['lo', 'm0', 'm0p'], 'nothing left on the host');
  });

  t.test('an EEXIST the container explains is CniError 4, with no other create', async (t) => {
    const { ctr, rh, rc } = setup(t);
    ip(ctr.path!, ['link', 'add', 'eth0', 'type', 'bridge']);
    NetlinkSocket.prototype.requestWith = orig; // the kernel's own EEXIST
    t.teardown(() => {
      NetlinkSocket.prototype.requestWith = injecting;
    });
    const master = (await rh.link.get('m0')).index;
    const e = await createMacvlan(rh, rc, ctr, ctr.path!, 'eth0', master, 'bridge', { randomName: () => t.fail('no temporary name') as never }).catch((x: unknown) => x);
    t.ok(e instanceof CniError && e.code === 4, `CniError 4 (${String(e)})`);
    t.same(names(ctr.path!), ['eth0', 'lo'], 'nothing made');
  });
});

t.test('IPv6 on a master without carrier: DAD never finishes, and ADD goes on after its 10 s wait, as the reference does', { ...live, timeout: 60_000 }, async (t) => {
  const w = mvWorld(t);
  ip(w.host.path!, ['link', 'set', 'm0p', 'down']); // m0 loses its carrier: so do its macvlans
  const conf = mvConf(w, 'nlkit-macvlan', { v6: true, routes: [{ dst: '::/0' }] });
  const started = Date.now();
  const r = runIn(w.host.path, NLKIT_MACVLAN, cniEnv('ADD', w), conf);
  t.equal(r.status, 0, `ADD succeeds (${r.stdout} ${r.stderr.slice(0, 300)})`);
  t.ok(Date.now() - started >= 9_000, 'after waiting for DAD (it has an IPv6 gateway)');
  t.match(r.stderr, /still tentative|did not settle|going on/i, 'the unfinished DAD logged');
  const addrs = ipJson<Json[]>(w.ctr.path!, ['addr', 'show', 'eth0'])[0]!.addr_info.map((a: Json) => a.local);
  t.ok(addrs.includes('10.1.0.2') && addrs.includes('fd00:1::2'), 'both addresses on eth0');
  t.ok(ipJson<Json[]>(w.ctr.path!, ['-6', 'route', 'show', 'default']).length === 1, 'and the IPv6 default route');
});
