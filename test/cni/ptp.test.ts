// nlkit-ptp run as a container runtime runs it (child process, CNI_* environment,
// configuration on stdin) with the real host-local IPAM plugin, in throwaway host and
// container namespaces: ADD/CHECK/DEL cycles for IPv4 and dual stack, result formats of
// every spec version, drift found by CHECK, atomic ADD, idempotent DEL, STATUS and GC.
import t from 'tap';
import { existsSync } from 'node:fs';
import { privileged, ipJson, ip } from '../helpers.js';
import { ptp, ptpConf, world, reservations, storeSnapshot, kernelState, readSysctl, runInAsync, cniEnv, NLKIT_PTP, REF_DIR, type World } from './util.js';

const hostRefs = existsSync(`${REF_DIR}/host-local`);
const needs = hostRefs ? privileged : { skip: `${REF_DIR}/host-local is not installed (apt-get install containernetworking-plugins)` };
const long = { ...needs, timeout: 120_000 };

type Json = Record<string, any>;

function addOk(t: any, w: World, conf: object, over: Record<string, string | undefined> = {}): Json {
  const r = ptp(w, 'ADD', conf, over);
  okRun(t, r, 'ADD exits 0');
  return r.json;
}

/** Assert a run exited 0, showing what it printed when not. */
function okRun(t: any, r: { status: number | null; stdout: string; stderr: string }, msg: string): void {
  t.equal(r.status, 0, r.status === 0 ? msg : `${msg} (stdout: ${r.stdout} stderr: ${r.stderr})`);
}

function withPrev(conf: Json, prev: Json): Json {
  return { ...conf, prevResult: prev };
}

const hostVethOf = (res: Json) => res.interfaces[0].name as string;

t.test('IPv4: ADD, CHECK, DEL, DEL again', long, async (t) => {
  const w = world(t);
  const conf = ptpConf(w);
  t.equal(readSysctl(w.host.path, 'net.ipv4.ip_forward'), '0', 'a fresh host netns does not forward');
  const res = addOk(t, w, conf);

  t.equal(res.cniVersion, '1.1.0');
  t.equal(res.interfaces.length, 2, 'host and container interfaces');
  const [hi, ci] = res.interfaces;
  t.match(hi.name, /^veth[0-9a-f]{8}$/, 'random host name');
  t.equal(hi.sandbox, undefined, 'the host interface has no sandbox');
  t.equal(ci.name, 'eth0');
  t.equal(ci.sandbox, w.ctr.path, 'the container interface names CNI_NETNS');
  t.equal(hi.mtu, 1400);
  t.equal(ci.mtu, 1400, 'interface MTU (a 1.1 field)');
  t.same(res.ips, [{ interface: 1, address: '10.1.0.2/24', gateway: '10.1.0.1' }], 'ips point at the container interface');
  t.same(res.routes, [{ dst: '0.0.0.0/0' }]);
  t.same(res.dns, { nameservers: ['10.1.0.1'] }, 'dns from the configuration');

  // Container side, as ip sees it.
  const link = ipJson(w.ctr.path, ['addr', 'show', 'dev', 'eth0'])[0];
  t.equal(link.address, ci.mac, 'container MAC as reported');
  t.equal(link.mtu, 1400);
  t.ok(link.flags.includes('UP'));
  t.same(link.addr_info.filter((a: Json) => a.family === 'inet').map((a: Json) => [a.local, a.prefixlen, a.broadcast, a.scope]), [['10.1.0.2', 24, '10.1.0.255', 'global']]);
  const routes = ipJson(w.ctr.path, ['-4', 'route', 'show']).map((r: Json) => ({ dst: r.dst, gw: r.gateway, dev: r.dev, scope: r.scope, src: r.prefsrc, proto: r.protocol }));
  t.same(routes, [
    { dst: 'default', gw: '10.1.0.1', dev: 'eth0', scope: undefined, src: undefined, proto: undefined },
    { dst: '10.1.0.0/24', gw: '10.1.0.1', dev: 'eth0', scope: undefined, src: '10.1.0.2', proto: undefined },
    { dst: '10.1.0.1', gw: undefined, dev: 'eth0', scope: 'link', src: '10.1.0.2', proto: undefined },
  ], 'the subnet goes through the gateway; the gateway is on-link');

  // Host side.
  const h = ipJson(w.host.path, ['addr', 'show', 'dev', hi.name])[0];
  t.equal(h.address, hi.mac);
  t.equal(h.mtu, 1400, 'host end has the MTU too');
  t.same(h.addr_info.filter((a: Json) => a.family === 'inet').map((a: Json) => `${a.local}/${a.prefixlen}`), ['10.1.0.1/32'], 'gateway /32 on the host end');
  t.same(ipJson(w.host.path, ['-4', 'route', 'show']).map((r: Json) => [r.dst, r.dev, r.scope]), [['10.1.0.2', hi.name, 'host']], 'a host route to the container');
  t.equal(readSysctl(w.host.path, 'net.ipv4.ip_forward'), '1', 'forwarding on in the host netns');
  t.same(reservations(w.dataDir), { '10.1.0.2': 'ctr1\neth0' }, 'host-local reserved the address for ctr1/eth0');

  // Traffic: the container reaches its gateway (the host end) through the pair.
  ip(w.ctr.path, ['link', 'set', 'lo', 'up']);
  const ping = ip(w.ctr.path, ['route', 'get', '10.1.0.1']);
  t.match(ping, /10\.1\.0\.1 dev eth0 src 10\.1\.0\.2/);

  const chk = ptp(w, 'CHECK', withPrev(conf, res));
  okRun(t, chk, 'CHECK passes right after ADD');
  t.equal(chk.stdout, '', 'CHECK prints nothing on success');

  const del = ptp(w, 'DEL', withPrev(conf, res));
  okRun(t, del, 'DEL exits 0');
  t.equal(del.stdout, '');
  t.same(ipJson(w.ctr.path, ['link', 'show']).map((l: Json) => l.ifname), ['lo'], 'container end gone');
  t.same(ipJson(w.host.path, ['link', 'show']).map((l: Json) => l.ifname), ['lo'], 'host end gone with it');
  t.same(reservations(w.dataDir), {}, 'address released');

  const again = ptp(w, 'DEL', withPrev(conf, res));
  okRun(t, again, 'a second DEL succeeds');
  const noPrev = ptp(w, 'DEL', conf);
  okRun(t, noPrev, 'DEL without prevResult succeeds');
});

t.test('dual stack: addresses settle (DAD) before routes use them; ADD, CHECK, DEL', long, async (t) => {
  const w = world(t);
  const conf = ptpConf(w, { v6: true });
  const res = addOk(t, w, conf);
  t.same(res.ips, [
    { interface: 1, address: '10.1.0.2/24', gateway: '10.1.0.1' },
    { interface: 1, address: 'fd00:1::2/64', gateway: 'fd00:1::1' },
  ]);
  t.same(res.routes, [{ dst: '0.0.0.0/0' }, { dst: '::/0' }]);
  const a6 = ipJson(w.ctr.path, ['-6', 'addr', 'show', 'dev', 'eth0'])[0].addr_info;
  const global = a6.find((a: Json) => a.scope === 'global');
  t.same([global.local, global.prefixlen], ['fd00:1::2', 64]);
  t.notOk(global.tentative, 'DAD finished');
  const r6 = ipJson(w.ctr.path, ['-6', 'route', 'show']).map((r: Json) => [r.dst, r.gateway, r.dev, r.prefsrc, r.protocol]);
  t.same(r6.filter((r: any[]) => r[0] !== 'fe80::/64'), [
    ['fd00:1::1', undefined, 'eth0', 'fd00:1::2', undefined],
    ['fd00:1::/64', 'fd00:1::1', 'eth0', 'fd00:1::2', undefined],
    ['default', 'fd00:1::1', 'eth0', undefined, undefined],
  ], 'IPv6 routes: gateway on-link, subnet and default through it; the kernel prefix route is gone');
  const hv = hostVethOf(res);
  const h6 = ipJson(w.host.path, ['-6', 'addr', 'show', 'dev', hv])[0].addr_info.filter((a: Json) => a.scope === 'global');
  t.same(h6.map((a: Json) => `${a.local}/${a.prefixlen}`), ['fd00:1::1/128'], 'IPv6 gateway /128 on the host end');
  t.ok(ipJson(w.host.path, ['-6', 'route', 'show']).some((r: Json) => r.dst === 'fd00:1::2' && r.dev === hv), 'host route to the container IPv6 address');
  t.equal(readSysctl(w.host.path, 'net.ipv6.conf.all.forwarding'), '1', 'IPv6 forwarding on');
  t.same(Object.keys(reservations(w.dataDir)).sort(), ['10.1.0.2', 'fd00:1::2']);

  okRun(t, ptp(w, 'CHECK', withPrev(conf, res)), 'CHECK passes');
  okRun(t, ptp(w, 'DEL', withPrev(conf, res)), 'DEL');
  t.same(reservations(w.dataDir), {}, 'both addresses released');
  t.same(ipJson(w.host.path, ['link', 'show']).map((l: Json) => l.ifname), ['lo']);
});

t.test('results are printed in the configuration\'s cniVersion', long, async (t) => {
  for (const version of ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0']) {
    const w = world(t);
    const conf = ptpConf(w, { version, v6: true });
    const res = addOk(t, w, conf);
    t.equal(res.cniVersion, version, `${version}: cniVersion`);
    const v0 = version.startsWith('0.');
    t.same(res.ips.map((i: Json) => i.version), v0 ? ['4', '6'] : [undefined, undefined], `${version}: ips[].version ${v0 ? 'present' : 'absent'}`);
    t.same(res.interfaces.map((i: Json) => i.mtu), version === '1.1.0' ? [1400, 1400] : [undefined, undefined], `${version}: interfaces[].mtu only in 1.1.0`);
    t.same(res.ips.map((i: Json) => i.interface), [1, 1]);
    if (version !== '0.3.0' && version !== '0.3.1') okRun(t, ptp(w, 'CHECK', withPrev(conf, res)), `${version}: CHECK`);
    okRun(t, ptp(w, 'DEL', withPrev(conf, res)), `${version}: DEL`);
  }
});

t.test('CHECK reports drift with a clear code', long, async (t) => {
  const w = world(t);
  const conf = ptpConf(w);
  const res = addOk(t, w, conf);
  const check = () => ptp(w, 'CHECK', withPrev(conf, res));
  t.equal(check().status, 0);

  ip(w.ctr.path, ['route', 'del', 'default']);
  let r = check();
  t.equal(r.status, 1);
  t.match(r.json, { code: 112, msg: 'route 0.0.0.0/0 via 10.1.0.1 is missing' }, 'missing IPAM route');
  ip(w.ctr.path, ['route', 'add', 'default', 'via', '10.1.0.1', 'dev', 'eth0']);
  t.equal(check().status, 0, 'route restored: CHECK passes again');

  ip(w.host.path, ['route', 'del', '10.1.0.2', 'dev', hostVethOf(res)]);
  r = check();
  t.match(r.json, { code: 112, msg: 'host route to 10.1.0.2 is missing' }, 'missing host route');
  ip(w.host.path, ['route', 'add', '10.1.0.2', 'dev', hostVethOf(res), 'scope', 'host']);

  ip(w.ctr.path, ['link', 'set', 'eth0', 'mtu', '1300']);
  t.equal(check().status, 0, 'a changed MTU is not drift: a later plugin of the chain (tuning) may set it');
  ip(w.ctr.path, ['link', 'set', 'eth0', 'mtu', '1400']);

  ip(w.ctr.path, ['link', 'set', 'eth0', 'down']);
  r = check();
  t.match(r.json, { code: 110, msg: 'interface eth0 is down' });
  ip(w.ctr.path, ['link', 'set', 'eth0', 'up']);

  ip(w.ctr.path, ['link', 'set', 'eth0', 'address', '02:00:00:00:00:01']);
  r = check();
  t.match(r.json, { code: 110, msg: 'interface eth0 changed its MAC address' });
  ip(w.ctr.path, ['link', 'set', 'eth0', 'address', res.interfaces[1].mac]);

  ip(w.ctr.path, ['addr', 'del', '10.1.0.2/24', 'dev', 'eth0']);
  r = check();
  t.match(r.json, { cniVersion: '1.1.0', code: 111, msg: 'address 10.1.0.2/24 is missing' }, 'missing address');

  ip(w.ctr.path, ['link', 'del', 'eth0']);
  r = check();
  t.match(r.json, { code: 110, msg: 'interface eth0 is missing' }, 'missing interface');

  const noPrev = ptp(w, 'CHECK', conf);
  t.match(noPrev.json, { code: 7, msg: 'ptp: required prevResult missing' });

  // host-local's own CHECK: the reservation must still be there.
  okRun(t, ptp(w, 'DEL', conf), 'exit 0');
  ip(w.ctr.path, ['link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'x0']);
  r = check();
  t.equal(r.status, 1, 'the IPAM reservation is gone: CHECK fails');
  t.match(r.stdout, /host-local|Failed to find address/);
});

t.test('ADD is atomic: a failure after the pair exists deletes it and releases the address', long, async (t) => {
  const w = world(t);
  // The gateway of this route is reachable through nothing: the route add fails after
  // the pair exists and the addresses are on it.
  const conf = ptpConf(w, { ipamExtra: { routes: [{ dst: '192.168.0.0/16', gw: '172.16.0.1' }] } });
  const before = { host: kernelState(w.host.path), ctr: kernelState(w.ctr.path) };
  const r = ptp(w, 'ADD', conf);
  t.equal(r.status, 1, 'ADD fails');
  t.match(r.json, { cniVersion: '1.1.0', code: 999 });
  t.match(r.json.msg, /192\.168\.0\.0\/16|unreachable|ENETUNREACH/i, `the error names the failing step (${r.json.msg})`);
  t.match(r.json.msg, /the pair was deleted/);
  t.same(reservations(w.dataDir), {}, 'the address was released');
  const after = { host: kernelState(w.host.path), ctr: kernelState(w.ctr.path) };
  delete (after.host as Json).forward4; // ip_forward is turned on before the pair is made, as ptp does
  delete (before.host as Json).forward4;
  t.same(after, before, 'no link, address or route left in either netns');
});

t.test('DEL is idempotent: missing netns, missing link, no prevResult', long, async (t) => {
  const w = world(t);
  const conf = ptpConf(w);
  const res = addOk(t, w, conf);
  ip(w.ctr.path, ['link', 'del', 'eth0']);
  let r = ptp(w, 'DEL', withPrev(conf, res));
  okRun(t, r, 'DEL with the link already gone');
  t.same(reservations(w.dataDir), {}, 'address released anyway');

  const res2 = addOk(t, w, conf);
  r = ptp(w, 'DEL', withPrev(conf, res2), { CNI_NETNS: '/run/netns/no-such-netns' });
  okRun(t, r, 'DEL with a netns that no longer exists');
  t.same(reservations(w.dataDir), {}, 'address released');
  r = ptp(w, 'DEL', conf, { CNI_NETNS: undefined });
  okRun(t, r, 'DEL without CNI_NETNS');
  r = ptp(w, 'DEL', conf, { CNI_NETNS: '' });
  okRun(t, r, 'DEL with an empty CNI_NETNS');
  // The pair of res2 is still in the container netns: a DEL with the right netns removes it.
  r = ptp(w, 'DEL', conf);
  t.equal(r.status, 0);
  t.same(ipJson(w.ctr.path, ['link', 'show']).map((l: Json) => l.ifname), ['lo']);
});

t.test('DEL with a prevResult it cannot read still deletes and releases, and succeeds', long, async (t) => {
  const w = world(t);
  const conf = ptpConf(w);
  addOk(t, w, conf);
  // DEL does not need prevResult; one that does not check (here an address without its
  // prefix length) must not keep the attachment for ever.
  const r = ptp(w, 'DEL', withPrev(conf, { cniVersion: '1.1.0', ips: [{ address: '10.1.0.2' }] }));
  okRun(t, r, 'DEL exits 0');
  t.equal(r.stdout, '', 'and prints nothing');
  t.match(r.stderr, /prevResult/, 'what was ignored is logged on stderr');
  t.same(reservations(w.dataDir), {}, 'address released');
  t.same(ipJson(w.ctr.path, ['link', 'show']).map((l: Json) => l.ifname), ['lo'], 'pair deleted');
  const bad = ptp(w, 'DEL', withPrev({ ...conf, name: '../x' }, { ips: [{ address: '10.1.0.2' }] }));
  t.match(bad.json, { code: 7, msg: 'invalid network name' }, 'the rest of the configuration is still checked');
});

t.test('two containers on one host: separate pairs and addresses, one DEL leaves the other intact', long, async (t) => {
  const w = world(t);
  const conf = ptpConf(w);
  const c2 = w.newContainer();
  const a = addOk(t, w, conf);
  const b = addOk(t, w, conf, { CNI_CONTAINERID: 'ctr2', CNI_NETNS: c2.path });
  t.same([a.ips[0].address, b.ips[0].address], ['10.1.0.2/24', '10.1.0.3/24']);
  t.not(hostVethOf(a), hostVethOf(b));
  const hostRoutes = () => ipJson(w.host.path, ['-4', 'route', 'show']).map((r: Json) => `${r.dst} ${r.dev}`).sort();
  t.same(hostRoutes(), [`10.1.0.2 ${hostVethOf(a)}`, `10.1.0.3 ${hostVethOf(b)}`].sort());
  okRun(t, ptp(w, 'DEL', conf), 'exit 0');
  t.same(hostRoutes(), [`10.1.0.3 ${hostVethOf(b)}`]);
  okRun(t, ptp(w, 'CHECK', withPrev(conf, b), { CNI_CONTAINERID: 'ctr2', CNI_NETNS: c2.path }), 'the other attachment still checks');
  okRun(t, ptp(w, 'DEL', conf, { CNI_CONTAINERID: 'ctr2', CNI_NETNS: c2.path }), 'exit 0');
});

t.test('parallel ADDs and DELs for different containers, as runtimes may run them', long, async (t) => {
  const w = world(t);
  const conf = ptpConf(w, { v6: true });
  const n = 8;
  const ctrs = Array.from({ length: n }, () => w.newContainer());
  const env = (i: number, cmd: string) => cniEnv(cmd, w, { CNI_CONTAINERID: `par${i}`, CNI_NETNS: ctrs[i]!.path });
  const adds = await Promise.all(ctrs.map((_, i) => runInAsync(w.host.path, NLKIT_PTP, env(i, 'ADD'), conf)));
  for (const [i, r] of adds.entries()) okRun(t, r, `ADD par${i}`);
  const v4 = adds.map((r) => r.json.ips[0].address);
  t.equal(new Set(v4).size, n, 'distinct IPv4 addresses');
  t.equal(new Set(adds.map((r) => r.json.interfaces[0].name)).size, n, 'distinct host veths');
  t.equal(Object.keys(reservations(w.dataDir)).length, 2 * n, 'host-local holds every address once');
  t.equal(ipJson(w.host.path, ['-4', 'route', 'show']).length, n, 'one host route per container');
  const dels = await Promise.all(ctrs.map((_, i) => runInAsync(w.host.path, NLKIT_PTP, env(i, 'DEL'), { ...conf, prevResult: adds[i]!.json })));
  for (const [i, r] of dels.entries()) okRun(t, r, `DEL par${i}`);
  t.same(reservations(w.dataDir), {}, 'all released');
  t.same(ipJson(w.host.path, ['link', 'show']).map((l: Json) => l.ifname), ['lo'], 'no host veth left');
});

t.test('runtimeConfig.mac sets the container MAC', long, async (t) => {
  const w = world(t);
  const conf = ptpConf(w, { extra: { runtimeConfig: { mac: '02:42:ac:11:00:07' } } });
  const res = addOk(t, w, conf);
  t.equal(res.interfaces[1].mac, '02:42:ac:11:00:07');
  t.equal(ipJson(w.ctr.path, ['link', 'show', 'dev', 'eth0'])[0].address, '02:42:ac:11:00:07');
  okRun(t, ptp(w, 'DEL', conf), 'exit 0');
});

t.test('queues sets the TX and RX queues of both veth ends', long, async (t) => {
  const w = world(t);
  const conf = ptpConf(w, { extra: { queues: 1 } });
  const res = addOk(t, w, conf);
  const c = ipJson(w.ctr.path, ['-d', 'link', 'show', 'dev', 'eth0'])[0];
  const h = ipJson(w.host.path, ['-d', 'link', 'show', 'dev', hostVethOf(res)])[0];
  t.same([c.num_tx_queues, c.num_rx_queues, h.num_tx_queues, h.num_rx_queues], [1, 1, 1, 1], 'one queue each way on both ends');
  okRun(t, ptp(w, 'DEL', conf), 'exit 0');
});

t.test('STATUS: ready with host-local in CNI_PATH; 50 without', needs, async (t) => {
  const w = world(t);
  const conf = ptpConf(w);
  let r = ptp(w, 'STATUS', conf, { CNI_CONTAINERID: undefined, CNI_NETNS: undefined, CNI_IFNAME: undefined });
  okRun(t, r, 'STATUS ok');
  t.equal(r.stdout, '', 'STATUS prints nothing on success');
  r = ptp(w, 'STATUS', conf, { CNI_CONTAINERID: undefined, CNI_NETNS: undefined, CNI_IFNAME: undefined, CNI_PATH: w.dir });
  t.equal(r.status, 1);
  t.match(r.json, { cniVersion: '1.1.0', code: 50, msg: 'failed to find plugin "host-local" in path' });
  r = ptp(w, 'STATUS', ptpConf(w, { version: '1.0.0' }), { CNI_CONTAINERID: undefined, CNI_NETNS: undefined, CNI_IFNAME: undefined });
  t.match(r.json, { cniVersion: '1.0.0', code: 1, msg: 'config version does not allow STATUS' }, 'STATUS is a 1.1.0 command');
});

t.test('GC releases the addresses of attachments not in cni.dev/valid-attachments', long, async (t) => {
  const w = world(t);
  const conf = ptpConf(w);
  const c2 = w.newContainer();
  const c3 = w.newContainer();
  addOk(t, w, conf);
  addOk(t, w, conf, { CNI_CONTAINERID: 'ctr2', CNI_NETNS: c2.path });
  addOk(t, w, conf, { CNI_CONTAINERID: 'ctr3', CNI_NETNS: c3.path, CNI_IFNAME: 'net1' });
  t.same(reservations(w.dataDir), { '10.1.0.2': 'ctr1\neth0', '10.1.0.3': 'ctr2\neth0', '10.1.0.4': 'ctr3\nnet1' });
  const gcEnv = { CNI_CONTAINERID: undefined, CNI_NETNS: undefined, CNI_IFNAME: undefined };
  const gcConf = { ...conf, 'cni.dev/valid-attachments': [{ containerID: 'ctr1', ifname: 'eth0' }, { containerID: 'ctr3', ifname: 'net1' }] };
  const r = ptp(w, 'GC', gcConf, gcEnv);
  okRun(t, r, 'GC exits 0');
  t.equal(r.stdout, '');
  t.same(reservations(w.dataDir), { '10.1.0.2': 'ctr1\neth0', '10.1.0.4': 'ctr3\nnet1' }, 'only the stale reservation is gone');
  okRun(t, ptp(w, 'GC', gcConf, gcEnv), 'GC again: nothing to do');
  const libcniKey = { ...conf, 'cni.dev/attachments': [{ containerID: 'ctr1', ifname: 'eth0' }] };
  okRun(t, ptp(w, 'GC', libcniKey, gcEnv), "libcni's cni.dev/attachments spelling is read too");
  t.same(reservations(w.dataDir), { '10.1.0.2': 'ctr1\neth0' });
  const noPath = ptp(w, 'GC', gcConf, { ...gcEnv, CNI_PATH: undefined });
  t.match(noPath.json, { code: 4, msg: 'required env variables [CNI_PATH] missing' });
  const old = ptp(w, 'GC', { ...gcConf, cniVersion: '1.0.0' }, gcEnv);
  t.match(old.json, { code: 1, msg: 'config version does not allow GC' });
  t.same(Object.keys(storeSnapshot(w.dataDir)).length > 0, true);
});
