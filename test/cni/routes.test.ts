// The IPAM routes as nlkit-ptp's ADD sets them in the container: every route of the
// result is in the kernel, 1.1 attributes included (a scripted 1.1 IPAM plugin supplies
// them; Debian's host-local stops at 1.0.0).
import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { privileged, ipJson } from '../helpers.js';
import { REF_DIR, fakeIpam, ptp, world } from './util.js';

const needs = existsSync(join(REF_DIR, 'host-local')) ? { ...privileged, timeout: 120_000 } : { skip: `${REF_DIR}/host-local is not installed` };

type Json = Record<string, any>;

t.test('routes that differ only in table or priority are all added', needs, async (t) => {
  const w = world(t);
  const routes = [{ dst: '192.168.0.0/16' }, { dst: '192.168.0.0/16', table: 100 }, { dst: '192.168.0.0/16', priority: 50 }];
  const ipam = fakeIpam(w, { cniVersion: '1.1.0', ips: [{ address: '10.1.0.2/24', gateway: '10.1.0.1' }], routes });
  const conf = { cniVersion: '1.1.0', name: 'ptpnet', type: 'nlkit-ptp', ipam: { type: 'fakeipam' } };
  const add = ptp(w, 'ADD', conf, { CNI_PATH: ipam.path });
  t.equal(add.status, 0, `ADD (${add.stdout} ${add.stderr})`);
  t.same(add.json.routes, routes, 'the result lists the three routes');
  const inKernel = ipJson<Json[]>(w.ctr.path, ['-4', 'route', 'show', 'table', 'all'])
    .filter((r) => r.dst === '192.168.0.0/16')
    .map((r) => [r.table ?? 'main', r.metric ?? 0, r.gateway, r.dev])
    .sort();
  t.same(inKernel, [['100', 0, '10.1.0.1', 'eth0'], ['main', 0, '10.1.0.1', 'eth0'], ['main', 50, '10.1.0.1', 'eth0']].sort(), 'and the kernel has the three');
  t.equal(ptp(w, 'DEL', conf, { CNI_PATH: ipam.path }).status, 0);
});

t.test('table 0 and priority 0 mean unset, as in the Go plugins: the route goes to the main table with the default metric', needs, async (t) => {
  const w = world(t);
  const routes = [{ dst: '192.168.0.0/16', table: 0, priority: 0, mtu: 0, advmss: 0 }];
  const ipam = fakeIpam(w, { cniVersion: '1.1.0', ips: [{ address: '10.1.0.2/24', gateway: '10.1.0.1' }], routes });
  const conf = { cniVersion: '1.1.0', name: 'ptpnet', type: 'nlkit-ptp', ipam: { type: 'fakeipam' } };
  const add = ptp(w, 'ADD', conf, { CNI_PATH: ipam.path });
  t.equal(add.status, 0, `ADD (${add.stdout} ${add.stderr})`);
  const inKernel = ipJson<Json[]>(w.ctr.path, ['-4', 'route', 'show', 'table', 'all'])
    .filter((r) => r.dst === '192.168.0.0/16')
    .map((r) => [r.table ?? 'main', r.metric ?? 0, r.gateway, r.dev, r.metrics ?? []]);
  t.same(inKernel, [['main', 0, '10.1.0.1', 'eth0', []]], 'one route, in main, metric 0, no metrics');
  t.equal(ptp(w, 'DEL', conf, { CNI_PATH: ipam.path }).status, 0);
});
