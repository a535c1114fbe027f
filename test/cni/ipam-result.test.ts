// What nlkit-ptp's ADD does with the IPAM plugin's result, run as a runtime runs it: a
// result it cannot use is refused and the allocation behind it released (IPAM DEL), so
// a failed ADD holds no address.
import t from 'tap';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { privileged, ipJson } from '../helpers.js';
import { REF_DIR, fakeIpam, ptp, ptpConf, reservations, world } from './util.js';

const needs = existsSync(join(REF_DIR, 'host-local')) ? { ...privileged, timeout: 120_000 } : { skip: `${REF_DIR}/host-local is not installed` };

type Json = Record<string, any>;

t.test('an IPAM result that does not decode: ADD fails and the allocation is released', needs, async (t) => {
  const w = world(t);
  const conf = { cniVersion: '1.1.0', name: 'ptpnet', type: 'nlkit-ptp', ipam: { type: 'fakeipam' } };
  for (const [what, result, code] of [
    ['an address without a prefix length', { cniVersion: '1.1.0', ips: [{ address: '10.1.0.2', gateway: '10.1.0.1' }] }, 6],
    ['not JSON', '{"cniVersion": "1.1.0", "ips": [', 6],
    ['an unknown cniVersion', { cniVersion: '7.0.0', ips: [{ address: '10.1.0.2/24', gateway: '10.1.0.1' }] }, 1],
  ] as const) {
    const ipam = fakeIpam(w, result);
    const r = ptp(w, 'ADD', conf, { CNI_PATH: ipam.path });
    t.equal(r.status, 1, `${what}: ADD fails`);
    t.match(r.json, { cniVersion: '1.1.0', code }, `${what}: code ${code} (${r.stdout})`);
    t.same(ipam.log(), ['ADD ctr1 eth0', 'DEL ctr1 eth0'], `${what}: the IPAM plugin was asked to release what it allocated`);
    t.same(ipJson<Json[]>(w.ctr.path, ['link', 'show']).map((l) => l.ifname), ['lo'], `${what}: no link made`);
  }
});

t.test('host-local with a resolv.conf naming a link-local IPv6 nameserver with its zone (fe80::1%eth0)', needs, async (t) => {
  const w = world(t);
  const resolv = join(w.dir, 'resolv.conf');
  writeFileSync(resolv, 'nameserver 10.0.0.53\nnameserver fe80::1%eth0\nsearch example.com\n');
  const conf = ptpConf(w, { extra: { dns: undefined }, ipamExtra: { resolvConf: resolv } });
  const r = ptp(w, 'ADD', conf);
  t.equal(r.status, 0, `ADD (${r.stdout})`);
  t.same(r.json?.dns, { nameservers: ['10.0.0.53', 'fe80::1%eth0'], search: ['example.com'] }, "the IPAM plugin's dns, as resolv.conf says it");
  const chk = ptp(w, 'CHECK', { ...conf, prevResult: r.json });
  t.equal(chk.status, 0, `CHECK with that prevResult (${chk.stdout})`);
  t.equal(ptp(w, 'DEL', { ...conf, prevResult: r.json }).status, 0, 'DEL with that prevResult');
  t.same(reservations(w.dataDir), {}, 'released');
});
