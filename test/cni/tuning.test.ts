// nlkit-tuning against the reference tuning plugin (Debian's containernetworking-plugins
// 1.1.1, /usr/lib/cni/tuning), each chained after the reference ptp in its own throwaway
// namespaces: the same result, the same interface attributes and sysctls in the
// container, the same saved file; each plugin's DEL restores what the other's ADD
// changed; CHECK; bad configuration; a failed ADD puts everything back.
import t from 'tap';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rtnl } from '../../src/index.js';
import { ipJson, privileged } from '../helpers.js';
import { NLKIT_TUNING, REF_DIR, REF_PTP, REF_TUNING, cniEnv, ptpConf, readSysctl, runIn, world, type Run, type World } from './util.js';

const haveRef = existsSync(REF_TUNING) && existsSync(REF_PTP) && existsSync(`${REF_DIR}/host-local`);
const opts = haveRef ? { ...privileged, timeout: 120_000 } : { skip: `reference plugins not installed in ${REF_DIR} (apt-get install containernetworking-plugins)` };

type Json = Record<string, any>;

const SYSCTLS = { 'net.ipv4.conf.IFNAME.rp_filter': '2', 'net.ipv4.conf.all.arp_ignore': '1', 'net/ipv6/conf/eth0/accept_ra': '0' };
const TUNED = { sysctl: SYSCTLS, mac: '02:aa:bb:cc:dd:01', mtu: 1300, promisc: true, allmulti: true };

function tuningConf(w: World, type: string, prevResult: Json | undefined, extra: Json = TUNED): Json {
  return { cniVersion: '1.0.0', name: 'tunenet', type, dataDir: join(w.dir, 'tuning'), ...extra, ...(prevResult ? { prevResult } : {}) };
}

function ok(t: any, r: Run, what: string): Json {
  t.equal(r.status, 0, `${what} exits 0 (stdout: ${r.stdout} stderr: ${r.stderr.slice(0, 1000)})`);
  return r.json as Json;
}

/** eth0 in the container as ip shows it, and the sysctls the tests set. */
function ctrState(w: World): Json {
  const l = ipJson<Json[]>(w.ctr.path!, ['-d', 'link', 'show', 'eth0'])[0]!;
  return {
    address: l.address, mtu: l.mtu, flags: l.flags, promiscuity: l.promiscuity, allmulti: l.allmulti,
    sysctls: ['net.ipv4.conf.eth0.rp_filter', 'net.ipv4.conf.all.arp_ignore', 'net.ipv6.conf.eth0.accept_ra'].map((k) => readSysctl(w.ctr.path!, k)),
  };
}

/** A world with the reference ptp's eth0 in the container; its result. */
function withEth0(t: any): { w: World; prev: Json } {
  const w = world(t);
  const prev = ok(t, runIn(w.host.path, REF_PTP, cniEnv('ADD', w), ptpConf(w, { version: '1.0.0', type: 'ptp' })), 'ptp ADD');
  return { w, prev };
}

const savedFiles = (w: World): Record<string, string> => {
  const dir = join(w.dir, 'tuning');
  return existsSync(dir) ? Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')])) : {};
};

t.test('reference tuning and nlkit-tuning agree: result, interface, sysctls, saved file; each DEL restores', opts, async (t) => {
  const ref = withEth0(t);
  const mine = withEth0(t);
  const before = ctrState(mine.w);
  // eth0's own MAC is random in each world: compared as ORIGMAC.
  const orig = (w: World, prev: Json) => (x: unknown): Json => JSON.parse(JSON.stringify(x).replaceAll(prev.interfaces[1].mac, 'ORIGMAC'));
  const r0 = orig(ref.w, ref.prev);
  const m0 = orig(mine.w, mine.prev);
  t.same(m0(before), r0(ctrState(ref.w)), 'the two worlds start alike');
  const refRes = ok(t, runIn(ref.w.host.path, REF_TUNING, cniEnv('ADD', ref.w), tuningConf(ref.w, 'tuning', ref.prev)), 'reference tuning ADD');
  const myRes = ok(t, runIn(mine.w.host.path, NLKIT_TUNING, cniEnv('ADD', mine.w), tuningConf(mine.w, 'nlkit-tuning', mine.prev)), 'nlkit-tuning ADD');
  const norm = (r: Json, prev: Json) => JSON.parse(JSON.stringify(r).replaceAll(prev.interfaces[0].name, 'HOSTVETH').replaceAll(prev.interfaces[0].mac, 'HOSTMAC').replace(/\/run\/netns\/[^"]+/g, 'SANDBOX'));
  t.same(norm(myRes, mine.prev), norm(refRes, ref.prev), 'same result');
  t.equal(myRes.interfaces[1].mac, TUNED.mac, "the result carries eth0's new MAC");
  const after = ctrState(mine.w);
  t.same(after, ctrState(ref.w), 'same interface attributes and sysctls');
  t.same({ address: after.address, mtu: after.mtu, promisc: after.flags.includes('PROMISC'), allmulti: after.flags.includes('ALLMULTI'), sysctls: after.sysctls },
    { address: TUNED.mac, mtu: 1300, promisc: true, allmulti: true, sysctls: ['2', '1', '0'] }, 'what the configuration asks for');
  t.same(m0(savedFiles(mine.w)), r0(savedFiles(ref.w)), 'the same saved file, byte for byte (the MAC it saved aside)');
  t.match(savedFiles(mine.w)['ctr1_eth0.json'], mine.prev.interfaces[1].mac, "it saved eth0's own MAC");
  t.same(Object.keys(savedFiles(mine.w)), ['ctr1_eth0.json']);

  ok(t, runIn(ref.w.host.path, REF_TUNING, cniEnv('DEL', ref.w), tuningConf(ref.w, 'tuning', refRes)), 'reference DEL');
  ok(t, runIn(mine.w.host.path, NLKIT_TUNING, cniEnv('DEL', mine.w), tuningConf(mine.w, 'nlkit-tuning', myRes)), 'nlkit DEL');
  const restored = ctrState(mine.w);
  t.same(m0(restored), r0(ctrState(ref.w)), 'the same state after DEL');
  t.same({ ...restored, sysctls: undefined }, { ...before, sysctls: undefined }, 'MAC, MTU, promiscuous and all-multicast modes restored (sysctls are not, as in the reference)');
  t.same(savedFiles(mine.w), {}, 'the saved file removed');
  ok(t, runIn(mine.w.host.path, NLKIT_TUNING, cniEnv('DEL', mine.w), tuningConf(mine.w, 'nlkit-tuning', myRes)), 'a second DEL');
});

t.test("each plugin's DEL restores what the other's ADD changed", opts, async (t) => {
  for (const [adder, deleter] of [[REF_TUNING, NLKIT_TUNING], [NLKIT_TUNING, REF_TUNING]]) {
    const { w, prev } = withEth0(t);
    const before = ctrState(w);
    const res = ok(t, runIn(w.host.path, adder!, cniEnv('ADD', w), tuningConf(w, 'tuning', prev)), `${adder} ADD`);
    t.not(ctrState(w).address, before.address, 'changed');
    ok(t, runIn(w.host.path, deleter!, cniEnv('DEL', w), tuningConf(w, 'tuning', res)), `${deleter} DEL`);
    const now = ctrState(w);
    t.same({ ...now, sysctls: undefined }, { ...before, sysctls: undefined }, `${deleter} restored ${adder}'s changes`);
    t.same(savedFiles(w), {}, 'and removed the file');
  }
});

t.test('CHECK: nlkit-tuning accepts both plugins\' work and reports drift', opts, async (t) => {
  for (const adder of [REF_TUNING, NLKIT_TUNING]) {
    const { w, prev } = withEth0(t);
    const conf = tuningConf(w, 'nlkit-tuning', prev);
    const res = ok(t, runIn(w.host.path, adder, cniEnv('ADD', w), conf), `${adder} ADD`);
    const check = () => runIn(w.host.path, NLKIT_TUNING, cniEnv('CHECK', w), { ...conf, prevResult: res });
    ok(t, check(), `CHECK of ${adder}'s work`);
    const rt = Rtnl.open({ netns: w.ctr });
    try {
      await rt.link.set('eth0', { mtu: 1400 });
      t.equal(check().json?.code, 110, 'MTU changed: 110');
      await rt.link.set('eth0', { mtu: 1300, promisc: false });
      t.equal(check().json?.code, 110, 'promiscuous mode off: 110');
      await rt.link.set('eth0', { promisc: true });
      ok(t, check(), 'CHECK passes again');
    } finally {
      rt.close();
    }
    const sx = runIn(w.host.path, NLKIT_TUNING, cniEnv('CHECK', w), { ...conf, sysctl: { 'net.ipv4.conf.all.arp_ignore': '2' }, prevResult: res });
    t.equal(sx.json?.code, 130, 'a sysctl that differs: 130');
    t.match(sx.json?.msg, /net\/ipv4\/conf\/all\/arp_ignore is 1/);
    t.equal(runIn(w.host.path, NLKIT_TUNING, cniEnv('CHECK', w), { ...conf, prevResult: undefined }).json?.code, 7, 'no prevResult: 7');
  }
});

t.test('bad configuration is refused before anything changes', opts, async (t) => {
  const { w, prev } = withEth0(t);
  const before = ctrState(w);
  const bad: [Json, RegExp][] = [
    [{ sysctl: { 'kernel.hostname': 'x' } }, /only net\.\* sysctl keys/],
    [{ sysctl: { 'net.ipv4.conf.../../x': '1' } }, /sysctl/],
    [{ sysctl: { 'net.ipv4.ip_forward': 1 } }, /must be a string/],
    [{ sysctl: { 'net.ipv4.ip_forward': '1\n0' } }, /one non-empty line/],
    [{ sysctl: ['net.ipv4.ip_forward'] }, /object of sysctl keys/],
    [{ mac: '01:00:5e:00:00:01' }, /multicast/],
    [{ mac: 'nope' }, /mac/],
    [{ mtu: 20 }, /mtu/],
    [{ promisc: 'yes' }, /promisc/],
    [{ allmulti: 1 }, /allmulti/],
    [{ dataDir: 'relative/dir' }, /dataDir/],
    [{ args: { cni: { mtu: 'big' } } }, /args\.cni\.mtu/],
  ];
  for (const [extra, msg] of bad) {
    const r = runIn(w.host.path, NLKIT_TUNING, cniEnv('ADD', w), tuningConf(w, 'nlkit-tuning', prev, extra));
    t.equal(r.json?.code, 7, `${JSON.stringify(extra)}: 7`);
    t.match(`${r.json?.msg} ${r.json?.details}`, msg);
  }
  t.equal(runIn(w.host.path, NLKIT_TUNING, cniEnv('ADD', w), tuningConf(w, 'nlkit-tuning', undefined)).json?.code, 7, 'no prevResult: 7');
  t.same(ctrState(w), before, 'nothing changed');
  t.same(savedFiles(w), {}, 'nothing saved');
  for (const [extra] of bad) ok(t, runIn(w.host.path, NLKIT_TUNING, cniEnv('DEL', w), tuningConf(w, 'nlkit-tuning', prev, extra)), `DEL of ${JSON.stringify(extra)} succeeds (a runtime retries a failed DEL for ever)`);
});

t.test('a failed ADD puts back the sysctls and attributes it changed and removes the saved file', opts, async (t) => {
  // eth0 a macvlan on a 1500-byte veth: its MTU cannot go above 1500, so the MTU step
  // fails after the sysctls and the MAC were changed.
  const w = world(t);
  const rt = Rtnl.open({ netns: w.ctr });
  try {
    await rt.link.add({ kind: 'veth', name: 'low0', peer: { name: 'low1' }, up: true });
    await rt.link.add({ kind: 'macvlan', name: 'eth0', link: 'low0', data: { mode: 'bridge' }, up: true });
  } finally {
    rt.close();
  }
  const prev = { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: w.ctr.path }] };
  const before = ctrState(w);
  const r = runIn(w.host.path, NLKIT_TUNING, cniEnv('ADD', w), tuningConf(w, 'nlkit-tuning', prev, { sysctl: SYSCTLS, mac: '02:aa:bb:cc:dd:02', mtu: 9000 }));
  t.equal(r.json?.code, 999, 'the MTU refused by the kernel fails ADD');
  t.match(r.json?.msg, /failed to set the MTU of eth0/);
  t.same(ctrState(w), before, 'the sysctls and the MAC are back');
  t.same(savedFiles(w), {}, 'no saved file left');
});

t.test('DEL never fails, as the reference\'s: an unreadable saved file, values of the wrong type, a namespace that is gone', opts, async (t) => {
  const { w, prev } = withEth0(t);
  const dir = join(w.dir, 'tuning');
  mkdirSync(join(dir, 'ctr1_eth0.json'), { recursive: true }); // a directory where the file would be: EISDIR
  let r = runIn(w.host.path, NLKIT_TUNING, cniEnv('DEL', w), tuningConf(w, 'nlkit-tuning', prev));
  t.equal(r.status, 0, `an unreadable file: DEL succeeds (${r.stdout})`);
  t.match(r.stderr, /cannot read/, 'and logs it');
  rmSync(join(dir, 'ctr1_eth0.json'), { recursive: true });
  writeFileSync(join(dir, 'ctr1_eth0.json'), '{\n "mtu": "x",\n "promisc": 1\n}');
  const before = ctrState(w);
  r = runIn(w.host.path, NLKIT_TUNING, cniEnv('DEL', w), tuningConf(w, 'nlkit-tuning', prev));
  t.equal(r.status, 0, 'values of the wrong type: DEL succeeds');
  t.same(ctrState(w), before, 'nothing changed from them');
  t.same(savedFiles(w), {}, 'and the file is gone (nothing could ever be restored from it)');
  writeFileSync(join(dir, 'ctr1_eth0.json'), '{\n "mtu": 1280\n}');
  r = runIn(w.host.path, NLKIT_TUNING, cniEnv('DEL', w, { CNI_NETNS: join(w.dir, 'gone') }), tuningConf(w, 'nlkit-tuning', prev));
  t.equal(r.status, 0, 'a namespace that is gone: DEL succeeds');
  t.same(savedFiles(w), {}, 'the file removed with it');
});
