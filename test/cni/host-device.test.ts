// nlkit-host-device against the reference host-device plugin (Debian's
// containernetworking-plugins 1.1.1, /usr/lib/cni/host-device): the same configuration
// run through each, each in its own throwaway host and container namespaces whose host
// has the device to move (hd0: a veth end whose peer hd0p stays in the host, or an ifb;
// up or down; with a set MAC), with its own host-local store. The results are the same,
// and so are the kernels — the moved device (name, MAC, flags, alias), its addresses and
// routes, the host without it — and the same again after DEL, whichever plugin's DEL
// undoes whichever plugin's ADD. Then CHECK (either plugin's attachment, and drift), bad
// configuration, failed ADDs putting the device back, DEL when things are gone, STATUS and GC.
import t from 'tap';
import { existsSync } from 'node:fs';
import { Rtnl } from '../../src/index.js';
import { ip, ipJson, privileged } from '../helpers.js';
import {
  NLKIT_HOST_DEVICE, REF_DIR, REF_HOST_DEVICE, cniEnv, fakeIpam, normalisedResult, normalisedState, reservations, runIn, settle, storeSnapshot, world, type Run, type World,
} from './util.js';

type Json = Record<string, any>;

const haveRef = existsSync(REF_HOST_DEVICE) && existsSync(`${REF_DIR}/host-local`);
const live = { ...privileged, timeout: 120_000 };
const opts = !haveRef ? { skip: `reference plugins not installed in ${REF_DIR} (apt-get install containernetworking-plugins)` } : live;

/** The MAC hd0 is given. */
const MAC = '02:00:00:00:0d:01';

/** How a world's host netns gets its device. */
interface DevOpts {
  /** An ifb rather than a veth end (whose peer hd0p, up, stays in the host). */
  ifb?: boolean;
  /** Set hd0 up. */
  up?: boolean;
  /** An alias on hd0 before the ADD. */
  alias?: string;
}

/** A world whose host netns has hd0 (MAC {@link MAC}) and hd1 (a second veth end, for a second attachment). */
function hdWorld(t: any, o: DevOpts = {}): World {
  const w = world(t);
  const h = w.host.path!;
  if (o.ifb) {
    ip(h, ['link', 'add', 'hd0', 'address', MAC, 'type', 'ifb']);
  } else {
    ip(h, ['link', 'add', 'hd0', 'address', MAC, 'type', 'veth', 'peer', 'name', 'hd0p']);
    ip(h, ['link', 'set', 'hd0p', 'up']);
  }
  ip(h, ['link', 'add', 'hd1', 'type', 'veth', 'peer', 'name', 'hd1p']);
  ip(h, ['link', 'set', 'hd1p', 'up']);
  if (o.alias) ip(h, ['link', 'set', 'hd0', 'alias', o.alias]);
  if (o.up) ip(h, ['link', 'set', 'hd0', 'up']);
  return w;
}

/** A host-device configuration naming hd0 (by name unless `by` says otherwise), host-local IPAM (IPv4 10.1.0.0/24, IPv6 fd00:1::/64 as asked) unless `ipam: false`. */
function hdConf(w: World, type: string, o: { version?: string; by?: Json; v4?: boolean; v6?: boolean; ipam?: boolean; routes?: Json[]; extra?: Json } = {}): Json {
  const ranges: unknown[] = [];
  if (o.v4 !== false) ranges.push([{ subnet: '10.1.0.0/24' }]);
  if (o.v6) ranges.push([{ subnet: 'fd00:1::/64' }]);
  return {
    cniVersion: o.version ?? '1.0.0',
    name: 'hdnet',
    type,
    ...(o.by ?? { device: 'hd0' }),
    ...(o.ipam === false ? {} : { ipam: { type: 'host-local', dataDir: w.dataDir, ranges, routes: o.routes ?? [{ dst: '0.0.0.0/0' }] } }),
    ...o.extra,
  };
}

/** One link's settings as `ip -d link` shows them (ifindex aside), or undefined when it is not there. */
function linkState(path: string, name: string): Json | undefined {
  const l = ipJson<Json[]>(path, ['-d', 'link', 'show']).find((x) => x.ifname === name);
  return l && {
    kind: l.linkinfo?.info_kind, mtu: l.mtu, address: l.address, ifalias: l.ifalias,
    flags: (l.flags as string[]).filter((f) => f !== 'NO-CARRIER'),
  };
}

/** The container side: addresses and routes (normalisedState), eth0's settings. */
function ctrState(path: string): Json {
  return { ...normalisedState(path), eth0: linkState(path, 'eth0') };
}

/** The host side: addresses and routes, and hd0's settings (undefined while it is in the container). */
function hostState(w: World): Json {
  return { ...normalisedState(w.host.path!), hd0: linkState(w.host.path!, 'hd0') };
}

function ok(t: any, r: Run, what: string): Json {
  t.equal(r.status, 0, `${what} exits 0 (stdout: ${r.stdout} stderr: ${r.stderr.slice(0, 2000)})`);
  return r.json as Json;
}

const code = (r: Run) => (r.json as Json | undefined)?.code;
const names = (path: string) => ipJson<Json[]>(path, ['link', 'show']).map((l) => l.ifname as string).sort();

/** ADD with `plugin` in a fresh world; the result and the settled states. */
async function attach(t: any, plugin: string, conf: (w: World) => Json, d: DevOpts) {
  const w = hdWorld(t, d);
  const before = hostState(w);
  const c = conf(w);
  const res = ok(t, runIn(w.host.path, plugin, cniEnv('ADD', w), c), `${plugin} ADD`);
  await settle(w.ctr.path!);
  return { w, conf: c, res, before, host: hostState(w), ctr: ctrState(w.ctr.path!), store: reservations(w.dataDir, 'hdnet') };
}

const cases: { name: string; dev?: DevOpts; conf: (w: World, type: string) => Json }[] = [
  { name: 'by device, a veth end that is up, IPv4, dns from the configuration', dev: { up: true }, conf: (w, type) => hdConf(w, type, { extra: { dns: { nameservers: ['10.1.0.1'], search: ['example.org'] } } }) },
  { name: 'by hwaddr (upper case), a veth end that is down, dual stack, IPAM routes of both families', conf: (w, type) => hdConf(w, type, { by: { hwaddr: MAC.toUpperCase() }, v6: true, routes: [{ dst: '0.0.0.0/0' }, { dst: 'fd00:2::/48' }] }) },
  { name: 'layer 2 only (no ipam; the configuration\'s dns not returned), an alias of its own replaced', dev: { up: true, alias: 'uplink' }, conf: (w, type) => hdConf(w, type, { ipam: false, extra: { dns: { nameservers: ['10.1.0.1'] } } }) },
  { name: 'layer 2, "ipam": {} (no type), an ifb, cniVersion 0.4.0', dev: { ifb: true }, conf: (w, type) => hdConf(w, type, { version: '0.4.0', ipam: false, extra: { ipam: {} } }) },
];

for (const c of cases) {
  t.test(`reference host-device and nlkit-host-device agree: ${c.name}`, opts, async (t) => {
    const ref = await attach(t, REF_HOST_DEVICE, (w) => c.conf(w, 'host-device'), c.dev ?? {});
    const mine = await attach(t, NLKIT_HOST_DEVICE, (w) => c.conf(w, 'nlkit-host-device'), c.dev ?? {});
    t.same(normalisedResult(mine.res), normalisedResult(ref.res), 'same result (sandbox path aside)');
    t.same(Object.keys(mine.res), Object.keys(ref.res), 'same top-level keys in the same order');
    t.equal(mine.res.interfaces[0].sandbox, mine.w.ctr.path, 'the sandbox is CNI_NETNS');
    t.equal(mine.res.interfaces[0].mac, MAC, "the result's MAC is hd0's");
    t.match(mine.ctr.eth0, { address: MAC, ifalias: 'hd0' }, 'eth0 is hd0, its name in the alias');
    t.ok(mine.ctr.eth0.flags.includes('UP'), 'eth0 is up');
    t.same(mine.ctr, ref.ctr, 'same container state: eth0, addresses, routes of every table');
    t.equal(mine.host.hd0, undefined, 'hd0 left the host');
    t.same(mine.host, ref.host, 'same host state');
    t.same(mine.store, ref.store, 'same host-local reservations');

    // Each plugin's DEL undoes its own ADD the same way.
    for (const [plugin, a] of [[REF_HOST_DEVICE, ref], [NLKIT_HOST_DEVICE, mine]] as const) {
      ok(t, runIn(a.w.host.path, plugin, cniEnv('DEL', a.w), { ...a.conf, prevResult: a.res }), `${plugin} DEL`);
    }
    t.same(names(mine.w.ctr.path!), ['lo'], 'eth0 gone from the container');
    t.same(ctrState(mine.w.ctr.path!), ctrState(ref.w.ctr.path!), 'same container state after DEL');
    const after = hostState(mine.w);
    t.match(after.hd0, { address: MAC, ifalias: 'hd0', kind: c.dev?.ifb ? 'ifb' : 'veth' }, 'hd0 back in the host under its name, the alias left');
    t.notOk(after.hd0.flags.includes('UP'), 'hd0 down, as the reference leaves it');
    t.same(after, hostState(ref.w), 'same host state after DEL');
    t.same(reservations(mine.w.dataDir, 'hdnet'), {}, 'released');
    ok(t, runIn(mine.w.host.path, NLKIT_HOST_DEVICE, cniEnv('DEL', mine.w), mine.conf), 'second DEL');
    t.same(hostState(mine.w), after, 'the second DEL changed nothing');
  });
}

t.test("each plugin's DEL undoes the other's ADD", opts, async (t) => {
  const states: Json[] = [];
  for (const [adder, deller] of [[REF_HOST_DEVICE, NLKIT_HOST_DEVICE], [NLKIT_HOST_DEVICE, REF_HOST_DEVICE], [REF_HOST_DEVICE, REF_HOST_DEVICE]] as const) {
    const w = hdWorld(t, { up: true });
    const conf = hdConf(w, 'host-device', { v6: true });
    const res = ok(t, runIn(w.host.path, adder, cniEnv('ADD', w), conf), `${adder} ADD`);
    await settle(w.ctr.path!);
    ok(t, runIn(w.host.path, deller, cniEnv('DEL', w), { ...conf, prevResult: res }), `${deller} DEL of ${adder}'s ADD`);
    t.same(names(w.ctr.path!), ['lo'], 'eth0 gone from the container');
    t.same(reservations(w.dataDir, 'hdnet'), {}, 'released');
    states.push({ host: hostState(w), ctr: ctrState(w.ctr.path!) });
  }
  t.match(states[0]!.host.hd0, { address: MAC, ifalias: 'hd0' }, 'hd0 back');
  t.same(states[0], states[2], "nlkit's DEL of the reference's ADD: as the reference's own DEL");
  t.same(states[1], states[2], "the reference's DEL of nlkit's ADD: as the reference's own DEL");
});

t.test('CHECK: nlkit-host-device accepts its own and the reference attachment, the reference accepts nlkit\'s, and drift is reported with the codes', opts, async (t) => {
  for (const plugin of [REF_HOST_DEVICE, NLKIT_HOST_DEVICE]) {
    const w = hdWorld(t);
    const conf = hdConf(w, 'nlkit-host-device', { v6: true });
    const res = ok(t, runIn(w.host.path, plugin, cniEnv('ADD', w), { ...conf, type: plugin === REF_HOST_DEVICE ? 'host-device' : 'nlkit-host-device' }), `${plugin} ADD`);
    await settle(w.ctr.path!);
    const check = (over: Json = {}) => runIn(w.host.path, NLKIT_HOST_DEVICE, cniEnv('CHECK', w), { ...conf, prevResult: res, ...over });
    ok(t, check(), `nlkit-host-device CHECK of ${plugin}'s attachment`);
    if (plugin === NLKIT_HOST_DEVICE) ok(t, runIn(w.host.path, REF_HOST_DEVICE, cniEnv('CHECK', w), { ...conf, type: 'host-device', prevResult: res }), "the reference's CHECK of nlkit's attachment");

    const v4 = res.ips.find((i: Json) => !i.address.includes(':')).address as string;
    const rc = Rtnl.open({ netns: w.ctr });
    try {
      await rc.link.set('eth0', { address: '02:00:00:00:00:99' });
      let r = check();
      t.equal(code(r), 110, 'another MAC: 110');
      t.match(r.json?.msg, /changed its MAC address/);
      t.not(runIn(w.host.path, REF_HOST_DEVICE, cniEnv('CHECK', w), { ...conf, type: 'host-device', prevResult: res }).status, 0, 'the reference reports it too');
      await rc.link.set('eth0', { address: MAC });
      ok(t, check(), 'CHECK passes with the MAC back');
      await rc.addr.del('eth0', v4);
      t.equal(code(check()), 111, "the container's address gone: 111");
      await rc.addr.add('eth0', v4, { broadcast: true });
      t.equal(code(check()), 112, 'the default route, gone with the address: 112');
      await rc.route.add({ dst: '0.0.0.0/0', gateway: '10.1.0.1', dev: 'eth0' });
      ok(t, check(), 'CHECK passes again once repaired');
      await rc.link.set('eth0', { up: false });
      await rc.link.set('eth0', { name: 'eth9' });
      r = check();
      t.equal(code(r), 110, 'eth0 gone: 110');
      t.match(r.json?.msg, /interface eth0 is missing/);
    } finally {
      rc.close();
    }
    t.equal(code(runIn(w.host.path, NLKIT_HOST_DEVICE, cniEnv('CHECK', w), conf)), 7, 'CHECK without prevResult: 7');
  }
});

t.test('bad configuration is refused before anything is moved or allocated', opts, async (t) => {
  const w = hdWorld(t, { up: true });
  const none = { device: undefined };
  // [how the device is named (with the configuration's other fields), nlkit's code, message, the reference refuses it too]
  const bad: [Json, number, RegExp, boolean][] = [
    [none, 7, /specify either "device", "hwaddr", "kernelpath" or "pciBusID"/, true],
    [{ device: 'hd0', hwaddr: MAC }, 7, /only one of/, false],
    [{ device: 'hd0', kernelpath: '/sys/devices/virtual' }, 7, /only one of/, false],
    [{ device: 'nope' }, 7, /failed to find host device "nope"/, true],
    [{ device: 'a/b' }, 7, /invalid device/, true],
    [{ device: undefined, hwaddr: '02:00:00:00:ff:ff' }, 7, /failed to find host device with MAC 02:00:00:00:ff:ff/, true],
    [{ device: undefined, hwaddr: 'zz' }, 7, /failed to parse MAC address/, true],
    [{ device: undefined, kernelpath: 'sys/devices/x' }, 7, /must be absolute and begin with \/sys\/devices\//, true],
    [{ device: undefined, kernelpath: '/tmp/x' }, 7, /must be absolute and begin with \/sys\/devices\//, true],
    [{ device: undefined, kernelpath: '/sys/devices/nlkit-no-such' }, 7, /failed to find network devices/, true],
    [{ device: undefined, pciBusID: '0000:00:19.0' }, 2, /pciBusID/, true],
    [{ runtimeConfig: { deviceID: '0000:00:19.0' } }, 2, /runtimeConfig.deviceID/, true],
  ];
  const host = hostState(w);
  for (const [extra, want, msg, refToo] of bad) {
    const r = runIn(w.host.path, NLKIT_HOST_DEVICE, cniEnv('ADD', w), hdConf(w, 'nlkit-host-device', { extra }));
    t.equal(r.status, 1, `${JSON.stringify(extra)}: fails`);
    t.equal(code(r), want, `${JSON.stringify(extra)}: code ${want}`);
    t.match(`${r.json?.msg} ${r.json?.details}`, msg);
    if (refToo) t.not(runIn(w.host.path, REF_HOST_DEVICE, cniEnv('ADD', w), hdConf(w, 'host-device', { extra })).status, 0, `${JSON.stringify(extra)}: the reference refuses it too`);
  }
  t.same(names(w.ctr.path!), ['lo'], 'nothing moved into the container');
  t.same(hostState(w), host, 'the host as it was: hd0 there, up, no alias');
  t.same(storeSnapshot(w.dataDir), {}, 'nothing allocated (host-local never ran)');

  // CNI_IFNAME taken in the container: refused before the move and before IPAM.
  ip(w.ctr.path!, ['link', 'add', 'eth0', 'type', 'bridge']);
  const ipam = fakeIpam(w, { cniVersion: '1.0.0', ips: [{ address: '10.1.0.2/24', gateway: '10.1.0.1' }] });
  const r = runIn(w.host.path, NLKIT_HOST_DEVICE, cniEnv('ADD', w, { CNI_PATH: ipam.path }), { ...hdConf(w, 'nlkit-host-device', { ipam: false }), ipam: { type: 'fakeipam' } });
  t.equal(code(r), 4, 'CNI_IFNAME taken in the container: 4');
  t.same(ipam.log().filter((l) => !l.startsWith('VERSION')), [], 'IPAM never called');
  t.same(names(w.ctr.path!), ['eth0', 'lo'], 'nothing moved');
  t.equal(ipJson<Json[]>(w.ctr.path!, ['-d', 'link', 'show', 'eth0'])[0].linkinfo.info_kind, 'bridge', 'the bridge left as it was');
  t.same(hostState(w), host, 'hd0 still in the host as it was');
});

t.test('a failure after the move puts the device back in the host as it was and releases IPAM', opts, async (t) => {
  // A route IPAM gives that cannot be added (its gateway is reachable through nothing):
  // configureIface fails after the addresses are on eth0.
  let w = hdWorld(t, { up: true, alias: 'uplink' });
  let before = hostState(w);
  let r = runIn(w.host.path, NLKIT_HOST_DEVICE, cniEnv('ADD', w), hdConf(w, 'nlkit-host-device', { routes: [{ dst: '192.168.0.0/16', gw: '172.16.0.1' }] }));
  t.equal(r.status, 1, 'ADD fails');
  t.equal(code(r), 999, 'code 999 (the kernel refused the route)');
  t.match(`${r.json?.msg} ${r.json?.details}`, /192\.168\.0\.0\/16/, 'the error names the route');
  t.same(names(w.ctr.path!), ['lo'], 'nothing left in the container');
  t.same(hostState(w), before, 'hd0 back in the host: its name, MAC, alias, up');
  t.same(reservations(w.dataDir, 'hdnet'), {}, 'the address was released');

  // The same with a scripted IPAM plugin: its DEL called.
  w = hdWorld(t);
  before = hostState(w);
  let ipam = fakeIpam(w, { cniVersion: '1.0.0', ips: [{ address: '10.1.0.2/24', gateway: '10.1.0.1' }], routes: [{ dst: '192.168.0.0/16', gw: '172.16.0.1' }] });
  r = runIn(w.host.path, NLKIT_HOST_DEVICE, cniEnv('ADD', w, { CNI_PATH: ipam.path }), { ...hdConf(w, 'nlkit-host-device', { ipam: false, by: { hwaddr: MAC } }), ipam: { type: 'fakeipam' } });
  t.equal(code(r), 999, 'a route that cannot be added: 999');
  t.same(ipam.log().filter((l) => !l.startsWith('VERSION')), ['ADD ctr1 eth0', 'DEL ctr1 eth0'], 'the allocation was released');
  t.same(names(w.ctr.path!), ['lo'], 'nothing left in the container');
  t.same(hostState(w), before, 'hd0 back in the host, down as it was, no alias');

  // An IPAM result without addresses: refused (100), the device put back, IPAM DEL called.
  w = hdWorld(t, { up: true });
  before = hostState(w);
  ipam = fakeIpam(w, { cniVersion: '1.0.0', ips: [] });
  r = runIn(w.host.path, NLKIT_HOST_DEVICE, cniEnv('ADD', w, { CNI_PATH: ipam.path }), { ...hdConf(w, 'nlkit-host-device', { ipam: false }), ipam: { type: 'fakeipam' } });
  t.equal(code(r), 100, 'IPAM returned no IP config: 100');
  t.match(r.json?.msg, /IPAM plugin returned missing IP config/);
  t.same(ipam.log().filter((l) => !l.startsWith('VERSION')), ['ADD ctr1 eth0', 'DEL ctr1 eth0'], 'the allocation was released');
  t.same(names(w.ctr.path!), ['lo'], 'nothing left in the container');
  t.same(hostState(w), before, 'hd0 back in the host as it was');
});

t.test('DEL: idempotent, without CNI_NETNS, with the netns gone, with the device gone, with a configuration ADD refuses; IPAM released each time', opts, async (t) => {
  let w = hdWorld(t);
  let conf = hdConf(w, 'nlkit-host-device');
  ok(t, runIn(w.host.path, NLKIT_HOST_DEVICE, cniEnv('ADD', w), conf), 'ADD');
  ip(w.ctr.path!, ['link', 'del', 'eth0']); // hd0 and its peer gone
  ok(t, runIn(w.host.path, NLKIT_HOST_DEVICE, cniEnv('DEL', w), conf), 'DEL with the device gone');
  t.same(reservations(w.dataDir, 'hdnet'), {}, 'released');

  w = hdWorld(t);
  conf = hdConf(w, 'nlkit-host-device');
  ok(t, runIn(w.host.path, NLKIT_HOST_DEVICE, cniEnv('ADD', w), conf), 'ADD');
  ok(t, runIn(w.host.path, NLKIT_HOST_DEVICE, cniEnv('DEL', w, { CNI_NETNS: '/run/netns/nlkit-no-such-netns' }), conf), 'DEL with a netns that is gone');
  t.same(reservations(w.dataDir, 'hdnet'), {}, 'released');
  t.same(names(w.ctr.path!), ['eth0', 'lo'], 'the device in the real netns was not touched by that DEL');
  ok(t, runIn(w.host.path, NLKIT_HOST_DEVICE, cniEnv('DEL', w, { CNI_NETNS: undefined }), conf), 'DEL without CNI_NETNS');
  t.same(names(w.ctr.path!), ['eth0', 'lo'], 'nor by that one');
  const { device: _d, ...unnamed } = conf;
  ok(t, runIn(w.host.path, NLKIT_HOST_DEVICE, cniEnv('DEL', w), { ...unnamed, pciBusID: '0000:00:19.0', hwaddr: 'zz' }), 'DEL reads only ipam: no device, a PCI address and a bad hwaddr do not stop it');
  t.same(names(w.ctr.path!), ['lo'], 'eth0 moved out');
  t.match(linkState(w.host.path!, 'hd0'), { address: MAC, ifalias: 'hd0' }, 'hd0 back in the host');
  ok(t, runIn(w.host.path, NLKIT_HOST_DEVICE, cniEnv('DEL', w), conf), 'DEL again');

  // The original name taken on the host meanwhile: reported, the device left where a retry finds it.
  w = hdWorld(t, { up: true });
  conf = hdConf(w, 'nlkit-host-device', { ipam: false });
  ok(t, runIn(w.host.path, NLKIT_HOST_DEVICE, cniEnv('ADD', w), conf), 'ADD');
  ip(w.host.path!, ['link', 'add', 'hd0', 'type', 'bridge']);
  const r = runIn(w.host.path, NLKIT_HOST_DEVICE, cniEnv('DEL', w), conf);
  t.equal(code(r), 999, 'hd0 taken on the host: 999');
  t.match(`${r.json?.msg} ${r.json?.details}`, /original name hd0/);
  t.match(linkState(w.ctr.path!, 'eth0'), { address: MAC }, 'eth0 still in the container');
  t.ok(linkState(w.ctr.path!, 'eth0')!.flags.includes('UP'), 'and up again, as it was');
  ip(w.host.path!, ['link', 'del', 'hd0']);
  ok(t, runIn(w.host.path, NLKIT_HOST_DEVICE, cniEnv('DEL', w), conf), 'the retry succeeds');
  t.match(linkState(w.host.path!, 'hd0'), { address: MAC, kind: 'veth' }, 'hd0 back');
});

t.test('STATUS and GC go to the IPAM plugin', opts, async (t) => {
  const w = hdWorld(t);
  const conf = { ...hdConf(w, 'nlkit-host-device'), cniVersion: '1.1.0' };
  const noCtr = { CNI_NETNS: undefined, CNI_CONTAINERID: undefined, CNI_IFNAME: undefined };
  ok(t, runIn(w.host.path, NLKIT_HOST_DEVICE, cniEnv('STATUS', w, noCtr), conf), 'STATUS with host-local');
  t.equal(code(runIn(w.host.path, NLKIT_HOST_DEVICE, cniEnv('STATUS', w, noCtr), { ...conf, ipam: { type: 'no-such-ipam' } })), 50, 'STATUS with an IPAM plugin that is not there: 50');
  ok(t, runIn(w.host.path, NLKIT_HOST_DEVICE, cniEnv('STATUS', w, noCtr), { ...conf, pciBusID: '0000:00:19.0' }), 'STATUS does not refuse what only ADD refuses');
  ok(t, runIn(w.host.path, NLKIT_HOST_DEVICE, cniEnv('STATUS', w, noCtr), hdConf(w, 'nlkit-host-device', { version: '1.1.0', ipam: false })), 'STATUS of a layer-2 configuration');

  const ctr2 = w.newContainer();
  ok(t, runIn(w.host.path, NLKIT_HOST_DEVICE, cniEnv('ADD', w), conf), 'ADD ctr1 (hd0)');
  ok(t, runIn(w.host.path, NLKIT_HOST_DEVICE, cniEnv('ADD', w, { CNI_NETNS: ctr2.path, CNI_CONTAINERID: 'ctr2' }), { ...conf, device: 'hd1' }), 'ADD ctr2 (hd1)');
  t.equal(Object.keys(reservations(w.dataDir, 'hdnet')).length, 2, 'two addresses held');
  ok(t, runIn(w.host.path, NLKIT_HOST_DEVICE, cniEnv('GC', w, noCtr), { ...conf, 'cni.dev/valid-attachments': [{ containerID: 'ctr1', ifname: 'eth0' }] }), 'GC keeping ctr1');
  t.same(Object.values(reservations(w.dataDir, 'hdnet')).map((v) => v.split('\n')[0]), ['ctr1'], "ctr2's address released, ctr1's kept");
});

t.test('the container has a link named as the host device: refused before anything moves (DEL could never rename it back), as the reference fails there', opts, async (t) => {
  const w = hdWorld(t, { up: true });
  ip(w.ctr.path!, ['link', 'add', 'hd0', 'type', 'bridge']);
  const host = hostState(w);
  const conf = hdConf(w, 'nlkit-host-device');
  const r = runIn(w.host.path, NLKIT_HOST_DEVICE, cniEnv('ADD', w), conf);
  t.equal(code(r), 7, 'ADD: 7');
  t.match(`${r.json?.msg} ${r.json?.details}`, /a link named hd0 exists in the container/);
  t.same(hostState(w), host, 'hd0 still in the host as it was');
  t.equal(linkState(w.ctr.path!, 'hd0')?.kind, 'bridge', "the container's hd0 untouched");
  t.same(reservations(w.dataDir, 'hdnet'), {}, 'nothing allocated');
  const ref = runIn(w.host.path, REF_HOST_DEVICE, cniEnv('ADD', w, { CNI_CONTAINERID: 'refctr' }), { ...conf, type: 'host-device', ipam: undefined });
  t.not(ref.status, 0, `the reference fails too (${ref.stdout.replace(/\s+/g, ' ').slice(0, 200)})`);
});

t.test('DEL leaves a CNI_IFNAME that host-device did not move in (no alias) where it is', opts, async (t) => {
  const w = hdWorld(t, { up: true });
  ip(w.ctr.path!, ['link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'ethp']);
  const conf = hdConf(w, 'nlkit-host-device', { ipam: false });
  t.equal(code(runIn(w.host.path, NLKIT_HOST_DEVICE, cniEnv('ADD', w), conf)), 4, 'ADD refuses the taken CNI_IFNAME: 4');
  const d = runIn(w.host.path, NLKIT_HOST_DEVICE, cniEnv('DEL', w), conf);
  t.equal(d.status, 0, `the DEL that follows succeeds (${d.stdout} ${d.stderr})`);
  t.match(d.stderr, /no alias/, 'and says why it left eth0');
  t.ok(linkState(w.ctr.path!, 'eth0'), 'eth0 still in the container');
  t.notOk(linkState(w.host.path!, 'eth0'), 'not moved to the host');
  t.ok(linkState(w.host.path!, 'hd0'), 'hd0 untouched in the host');
});
