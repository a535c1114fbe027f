// CHECK as a runtime runs it on a chain: nlkit-ptp first, then plugins that may change
// what it made (spec: "the plugin must allow for a later chained plugin to have modified
// networking resources"), and CHECK right after ADD for results that use the 1.1 route
// fields.
import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { privileged, ipJson, ip } from '../helpers.js';
import { REF_DIR, cniEnv, fakeIpam, ptp, ptpConf, runIn, world } from './util.js';

const TUNING = join(REF_DIR, 'tuning');
const hostLocal = existsSync(join(REF_DIR, 'host-local'));
const needs = hostLocal ? { ...privileged, timeout: 120_000 } : { skip: `${REF_DIR}/host-local is not installed` };
const needsTuning = hostLocal && existsSync(TUNING) ? { ...privileged, timeout: 120_000 } : { skip: `${TUNING} is not installed` };

type Json = Record<string, any>;

t.test('CHECK passes when a later plugin of the chain (tuning) changed the MTU', needsTuning, async (t) => {
  const w = world(t);
  const conf = ptpConf(w, { version: '1.0.0' });
  const add = ptp(w, 'ADD', conf);
  t.equal(add.status, 0, `nlkit-ptp ADD (${add.stdout} ${add.stderr})`);
  // The chain [nlkit-ptp, tuning]: tuning gets nlkit-ptp's result and passes it on.
  const tuning = { cniVersion: '1.0.0', name: 'ptpnet', type: 'tuning', mtu: 1300, dataDir: join(w.dir, 'tuning') };
  const tadd = runIn(w.host.path, TUNING, cniEnv('ADD', w), { ...tuning, prevResult: add.json });
  t.equal(tadd.status, 0, `tuning ADD (${tadd.stdout} ${tadd.stderr})`);
  t.equal(ipJson<Json[]>(w.ctr.path, ['link', 'show', 'dev', 'eth0'])[0]!.mtu, 1300, 'tuning set the MTU');
  const final = tadd.json;
  // libcni CHECKs every plugin of the chain with the chain's final result.
  const chk = ptp(w, 'CHECK', { ...conf, prevResult: final });
  t.equal(chk.status, 0, `nlkit-ptp CHECK passes (${chk.stdout})`);
  t.equal(chk.stdout, '');
  const tchk = runIn(w.host.path, TUNING, cniEnv('CHECK', w), { ...tuning, prevResult: final });
  t.equal(tchk.status, 0, `tuning CHECK passes too (${tchk.stdout})`);
  t.equal(ptp(w, 'DEL', { ...conf, prevResult: final }).status, 0);
});

t.test('CHECK right after ADD finds an IPAM route that has a "table" (1.1) in that table', needs, async (t) => {
  const w = world(t);
  const ipam = fakeIpam(w, {
    cniVersion: '1.1.0',
    ips: [{ address: '10.1.0.2/24', gateway: '10.1.0.1' }],
    routes: [{ dst: '0.0.0.0/0' }, { dst: '192.168.0.0/16', table: 100 }],
  });
  const conf = { cniVersion: '1.1.0', name: 'ptpnet', type: 'nlkit-ptp', ipam: { type: 'fakeipam' } };
  const env = { CNI_PATH: ipam.path };
  const add = ptp(w, 'ADD', conf, env);
  t.equal(add.status, 0, `ADD (${add.stdout} ${add.stderr})`);
  t.same(add.json.routes, [{ dst: '0.0.0.0/0' }, { dst: '192.168.0.0/16', table: 100 }], 'the result lists the route with its table');
  t.same(ipJson<Json[]>(w.ctr.path, ['route', 'show', 'table', '100']).map((r) => [r.dst, r.gateway, r.dev]), [['192.168.0.0/16', '10.1.0.1', 'eth0']], 'ADD put it in table 100');
  const chk = ptp(w, 'CHECK', { ...conf, prevResult: add.json }, env);
  t.equal(chk.status, 0, `CHECK passes right after ADD (${chk.stdout})`);
  ip(w.ctr.path, ['route', 'del', '192.168.0.0/16', 'table', '100']);
  const gone = ptp(w, 'CHECK', { ...conf, prevResult: add.json }, env);
  t.match(gone.json, { code: 112, msg: 'route 192.168.0.0/16 via 10.1.0.1 is missing', details: /table 100/ }, 'and a missing one is still found missing, in its table');
  t.equal(ptp(w, 'DEL', { ...conf, prevResult: add.json }, env).status, 0);
});
