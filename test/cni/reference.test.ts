// The same configuration run through the reference ptp plugin (Debian's
// containernetworking-plugins, /usr/lib/cni/ptp) and through nlkit-ptp, each in its own
// throwaway host and container namespaces with its own host-local store: the results
// have the same shape and the kernels end up in the same state — addresses and routes
// of every table, in the container and on the host, normalised for names and MACs.
import t from 'tap';
import { existsSync } from 'node:fs';
import { privileged } from '../helpers.js';
import {
  HAVE_IPTABLES, NLKIT_PTP, REF_DIR, REF_PTP, cniEnv, natState, normalisedResult, normalisedState, ptpConf, readSysctl, reservations, runIn, settle, world,
} from './util.js';

const haveRef = existsSync(REF_PTP) && existsSync(`${REF_DIR}/host-local`);
const opts = haveRef ? { ...privileged, timeout: 120_000 } : { skip: `reference plugins not installed in ${REF_DIR} (apt-get install containernetworking-plugins)` };

type Json = Record<string, any>;

/** ADD with `plugin` in a fresh world; returns the result and the normalised kernel state. */
async function attach(t: any, plugin: string, conf: (w: ReturnType<typeof world>) => Json) {
  const w = world(t);
  const c = conf(w);
  const r = runIn(w.host.path, plugin, cniEnv('ADD', w), c);
  t.equal(r.status, 0, `${plugin} ADD exits 0 (stdout: ${r.stdout} stderr: ${r.stderr})`);
  const res = r.json as Json;
  const hostVeth = res.interfaces[0].name as string;
  await settle(w.ctr.path);
  await settle(w.host.path);
  return {
    w, conf: c, res,
    ctr: normalisedState(w.ctr.path, hostVeth),
    host: normalisedState(w.host.path, hostVeth),
    forward: [readSysctl(w.host.path, 'net.ipv4.ip_forward'), readSysctl(w.host.path, 'net.ipv6.conf.all.forwarding')],
    store: reservations(w.dataDir),
    nat: natState(w.host.path),
  };
}

const cases: { name: string; version: string; v6: boolean; v4?: boolean; extra?: Json; ipamExtra?: Json }[] = [
  { name: 'IPv4, cniVersion 1.0.0', version: '1.0.0', v6: false },
  { name: 'dual stack, cniVersion 1.0.0', version: '1.0.0', v6: true },
  { name: 'IPv6 only, cniVersion 1.0.0', version: '1.0.0', v6: true, v4: false },
  { name: 'IPv4, cniVersion 0.4.0, no dns', version: '0.4.0', v6: false, extra: { dns: undefined } },
  { name: 'dual stack with ipMasq, cniVersion 1.0.0', version: '1.0.0', v6: true, extra: { ipMasq: true } },
  { name: 'dual stack, cniVersion 0.3.1, default MTU, extra routes', version: '0.3.1', v6: true, extra: { mtu: undefined }, ipamExtra: { routes: [{ dst: '0.0.0.0/0' }, { dst: '192.168.0.0/16', gw: '10.1.0.1' }, { dst: 'fd00:2::/48' }] } },
];

for (const c of cases) {
  t.test(`reference ptp and nlkit-ptp agree: ${c.name}`, c.extra?.ipMasq && !HAVE_IPTABLES ? { skip: 'iptables not installed (ipMasq)' } : opts, async (t) => {
    const conf = (type: string) => (w: ReturnType<typeof world>) => {
      const o = ptpConf(w, { version: c.version, v6: c.v6, v4: c.v4, type, ...(c.ipamExtra ? { ipamExtra: c.ipamExtra } : {}) });
      for (const [k, v] of Object.entries(c.extra ?? {})) {
        if (v === undefined) delete o[k];
        else o[k] = v;
      }
      return o;
    };
    const ref = await attach(t, REF_PTP, conf('ptp'));
    const mine = await attach(t, NLKIT_PTP, conf('nlkit-ptp'));

    t.same(normalisedResult(mine.res), normalisedResult(ref.res), 'same result (names, MACs and sandbox paths aside)');
    t.same(Object.keys(mine.res), Object.keys(ref.res), 'same top-level keys in the same order');
    t.same(mine.res.interfaces.map((i: Json) => Object.keys(i)), ref.res.interfaces.map((i: Json) => Object.keys(i)), 'same interface keys');
    t.same(mine.res.ips.map((i: Json) => Object.keys(i)), ref.res.ips.map((i: Json) => Object.keys(i)), 'same ips keys in the same order');
    t.same(mine.ctr.addrs, ref.ctr.addrs, 'same container addresses (ip -j addr)');
    t.same(mine.ctr.routes, ref.ctr.routes, 'same container routes, every table (ip -j route show table all)');
    t.same(mine.host.addrs, ref.host.addrs, 'same host-side addresses');
    t.same(mine.host.routes, ref.host.routes, 'same host-side routes');
    t.same(mine.forward, ref.forward, 'same forwarding sysctls in the host netns');
    t.same(mine.store, ref.store, 'same host-local reservations');
    t.same(mine.nat, ref.nat, 'same nat table, both families (ipMasq: iptables-save -t nat)');
    if (c.extra?.ipMasq) t.ok(mine.nat.v4.some((l) => / -j MASQUERADE$/.test(l)) && mine.nat.v6.some((l) => / -j MASQUERADE$/.test(l)), 'masquerading rules in both families');

    // Each plugin's DEL undoes its own ADD the same way.
    for (const [plugin, a] of [[REF_PTP, ref], [NLKIT_PTP, mine]] as const) {
      const r = runIn(a.w.host.path, plugin, cniEnv('DEL', a.w), { ...a.conf, prevResult: a.res });
      t.equal(r.status, 0, `${plugin} DEL (${r.stdout} ${r.stderr})`);
    }
    t.same(normalisedState(mine.w.ctr.path), normalisedState(ref.w.ctr.path), 'same container state after DEL');
    t.same(normalisedState(mine.w.host.path), normalisedState(ref.w.host.path), 'same host state after DEL');
    t.same(reservations(mine.w.dataDir), {}, 'released');
    t.same(reservations(ref.w.dataDir), {});
    t.same(natState(mine.w.host.path), natState(ref.w.host.path), 'same nat table after DEL');
    t.notOk(natState(mine.w.host.path).v4.some((l) => l.includes('CNI-')), 'no CNI- chain or rule left');
  });
}

t.test('each plugin DELs what the other ADDed (same names, same state, masquerading included)', opts, async (t) => {
  for (const [adder, deleter] of [[REF_PTP, NLKIT_PTP], [NLKIT_PTP, REF_PTP]]) {
    const w = world(t);
    const conf = ptpConf(w, { version: '1.0.0', v6: true, extra: HAVE_IPTABLES ? { ipMasq: true } : {} });
    const add = runIn(w.host.path, adder!, cniEnv('ADD', w), conf);
    t.equal(add.status, 0, `${adder} ADD (${add.stdout} ${add.stderr})`);
    if (HAVE_IPTABLES) t.ok(natState(w.host.path).v4.some((l) => l.startsWith('-A POSTROUTING') && l.includes('-j CNI-')), `${adder} made its masquerading rule`);
    const del = runIn(w.host.path, deleter!, cniEnv('DEL', w), { ...conf, prevResult: add.json });
    t.equal(del.status, 0, `${deleter} DEL (${del.stdout} ${del.stderr})`);
    t.same(normalisedState(w.ctr.path).addrs.map((l) => l.ifname), ['lo'], 'container end gone');
    t.same(normalisedState(w.host.path).addrs.map((l) => l.ifname), ['lo'], 'host end gone');
    t.same(reservations(w.dataDir), {}, 'released');
    const nat = natState(w.host.path);
    t.notOk([...nat.v4, ...nat.v6].some((l) => l.includes('CNI-')), `${deleter} removed ${adder}'s masquerading chain and rules`);
  }
});

t.test("nlkit-ptp's CHECK passes on an attachment the reference ptp made", opts, async (t) => {
  const w = world(t);
  const conf = ptpConf(w, { version: '1.0.0' });
  const add = runIn(w.host.path, REF_PTP, cniEnv('ADD', w), conf);
  t.equal(add.status, 0);
  const chk = runIn(w.host.path, NLKIT_PTP, cniEnv('CHECK', w), { ...conf, mtu: 1400, prevResult: add.json });
  t.equal(chk.status, 0, `nlkit-ptp CHECK (${chk.stdout})`);
  // The reference CHECK compares a route without "gw" against the kernel's route that
  // has one, and so fails on its own default route (plugins 1.1.1).
  const ref = runIn(w.host.path, REF_PTP, cniEnv('CHECK', w), { ...conf, prevResult: add.json });
  t.comment(`reference ptp CHECK on its own attachment: exit ${ref.status} ${ref.stdout.replace(/\s+/g, ' ')}`);
});
