// nlkit-loopback against the reference loopback plugin (Debian's containernetworking-
// plugins 1.1.1, /usr/lib/cni/loopback): lo up with the same result for every spec
// version, prevResult passed on, lo down again on DEL, CHECK, the non-loopback address
// check, a DEL whose namespace is gone.
import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Rtnl } from '../../src/index.js';
import { ipJson, privileged } from '../helpers.js';
import { NLKIT_LOOPBACK, REF_DIR, REF_LOOPBACK, cniEnv, runIn, world, type Run } from './util.js';

const opts = existsSync(REF_LOOPBACK) ? { ...privileged, timeout: 60_000 } : { skip: `reference plugins not installed in ${REF_DIR} (apt-get install containernetworking-plugins)` };

type Json = Record<string, any>;

const conf = (version: string, type: string, extra: Json = {}): Json => ({ cniVersion: version, name: 'lonet', type, ...extra });
const lo = (nsPath: string): Json => {
  const l = ipJson<Json[]>(nsPath, ['addr', 'show', 'lo'])[0]!;
  return { flags: l.flags, operstate: l.operstate, addrs: (l.addr_info as Json[]).map((a) => `${a.local}/${a.prefixlen}`) };
};
const ok = (t: any, r: Run, what: string): Json => {
  t.equal(r.status, 0, `${what} exits 0 (${r.stdout} ${r.stderr})`);
  return r.json as Json;
};

for (const version of ['0.3.1', '0.4.0', '1.0.0']) {
  t.test(`reference loopback and nlkit-loopback agree, cniVersion ${version}`, opts, async (t) => {
    const ref = world(t);
    const mine = world(t);
    t.same(lo(mine.ctr.path!).flags, ['LOOPBACK'], 'lo starts down');
    const r = ok(t, runIn(ref.host.path, REF_LOOPBACK, cniEnv('ADD', ref), conf(version, 'loopback')), 'reference ADD');
    const m = ok(t, runIn(mine.host.path, NLKIT_LOOPBACK, cniEnv('ADD', mine), conf(version, 'nlkit-loopback')), 'nlkit ADD');
    const sandbox = (x: Json) => JSON.parse(JSON.stringify(x).replaceAll(ref.ctr.path!, 'SANDBOX').replaceAll(mine.ctr.path!, 'SANDBOX'));
    // Spec 0.3.x gives each ips entry its "version"; nlkit prints it, the reference's
    // loopback 1.1.1 leaves it out (its ptp prints it): compared without it.
    const noVersion = (x: Json) => ({ ...x, ips: (x.ips as Json[] | undefined)?.map(({ version: _v, ...rest }) => rest) });
    t.same(noVersion(sandbox(m)), noVersion(sandbox(r)), 'same result');
    if (version.startsWith('0.3')) t.same(m.ips.map((i: Json) => i.version), ['4', '6'], 'with the version 0.3.x has in each ips entry');
    t.same(lo(mine.ctr.path!), lo(ref.ctr.path!), 'same lo: up, 127.0.0.1/8 and ::1');
    t.ok(lo(mine.ctr.path!).flags.includes('UP'));
    if (version !== '0.3.1') ok(t, runIn(mine.host.path, NLKIT_LOOPBACK, cniEnv('CHECK', mine), { ...conf(version, 'nlkit-loopback'), prevResult: m }), 'CHECK');
    ok(t, runIn(ref.host.path, REF_LOOPBACK, cniEnv('DEL', ref), conf(version, 'loopback')), 'reference DEL');
    ok(t, runIn(mine.host.path, NLKIT_LOOPBACK, cniEnv('DEL', mine), conf(version, 'nlkit-loopback')), 'nlkit DEL');
    t.same(lo(mine.ctr.path!), lo(ref.ctr.path!), 'the same after DEL');
    t.same(lo(mine.ctr.path!).flags, ['LOOPBACK'], 'lo down again');
  });
}

t.test('chained: prevResult passed on unchanged; CHECK fails while lo is down; a non-loopback address on lo is an error; DEL of a gone netns', opts, async (t) => {
  const w = world(t);
  const prev = { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:01', sandbox: w.ctr.path }], ips: [{ address: '10.1.0.2/24', interface: 0 }] };
  const m = ok(t, runIn(w.host.path, NLKIT_LOOPBACK, cniEnv('ADD', w), { ...conf('1.0.0', 'nlkit-loopback'), prevResult: prev }), 'ADD with prevResult');
  t.same(m, { ...prev, dns: {} }, 'prevResult, unchanged (printed with its empty dns, as every result is)');
  const ref = ok(t, runIn(w.host.path, REF_LOOPBACK, cniEnv('ADD', w), { ...conf('1.0.0', 'loopback'), prevResult: prev }), 'reference ADD with prevResult');
  t.same(m, ref, 'as the reference passes it');
  const rt = Rtnl.open({ netns: w.ctr });
  try {
    await rt.link.set('lo', { up: false });
    const c = runIn(w.host.path, NLKIT_LOOPBACK, cniEnv('CHECK', w), { ...conf('1.0.0', 'nlkit-loopback'), prevResult: m });
    t.equal(c.json?.code, 110, 'CHECK with lo down: 110');
    await rt.addr.add('lo', '10.9.9.9/32');
    const r = runIn(w.host.path, NLKIT_LOOPBACK, cniEnv('ADD', w), conf('1.0.0', 'nlkit-loopback'));
    t.equal(r.json?.code, 7, 'a non-loopback address on lo: 7');
    t.match(r.json?.msg, /non-loopback address "10\.9\.9\.9"/);
    t.match(runIn(w.host.path, REF_LOOPBACK, cniEnv('ADD', w), conf('1.0.0', 'loopback')).json?.msg, /non-loopback address/, 'the reference refuses it too');
  } finally {
    rt.close();
  }
  ok(t, runIn(w.host.path, NLKIT_LOOPBACK, cniEnv('DEL', w, { CNI_NETNS: join(w.dir, 'gone') }), conf('1.0.0', 'nlkit-loopback')), 'DEL of a netns that is gone');
  ok(t, runIn(w.host.path, NLKIT_LOOPBACK, cniEnv('DEL', w, { CNI_NETNS: '' }), conf('1.0.0', 'nlkit-loopback')), 'DEL without CNI_NETNS');
});
