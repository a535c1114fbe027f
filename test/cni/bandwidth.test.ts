// nlkit-bandwidth against the reference bandwidth plugin (Debian's containernetworking-
// plugins 1.1, /usr/lib/cni/bandwidth): the same chained configuration after the
// reference ptp, each in its own throwaway host and container namespaces. The results
// and the host's traffic control (qdiscs, the redirect filter, the ifb device) end up the
// same; each plugin's CHECK accepts the other's state; DEL removes the ifb; a failed ADD
// leaves nothing behind; drift is found by CHECK; bad configuration is refused.
import t from 'tap';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { privileged, ipJson } from '../helpers.js';
import { bandwidthConf, ifbName, tbfParams } from '../../src/cni/plugins/bandwidth.js';
import {
  NLKIT_BANDWIDTH, NLKIT_BRIDGE, REF_BANDWIDTH, REF_DIR, REF_PTP, cniEnv, normalisedResult, ptpConf, runIn, world, type World,
} from './util.js';

const haveRef = existsSync(REF_PTP) && existsSync(REF_BANDWIDTH) && existsSync(`${REF_DIR}/host-local`);
const opts = haveRef ? { ...privileged, timeout: 120_000 } : { skip: `reference plugins not installed in ${REF_DIR} (apt-get install containernetworking-plugins)` };

type Json = Record<string, any>;

const SHAPING = { ingressRate: 8_000_000, ingressBurst: 800_000, egressRate: 4_000_000, egressBurst: 1_600_000 };

function bwConf(prevResult: Json | undefined, extra: Json = SHAPING, type = 'bandwidth'): Json {
  return { cniVersion: '1.0.0', name: 'ptpnet', type, ...extra, ...(prevResult ? { prevResult } : {}) };
}

function tcJson(nsPath: string, args: string[]): Json[] {
  const r = spawnSync('nsenter', [`--net=${nsPath}`, 'tc', '-j', '-d', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tc ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim() ? JSON.parse(r.stdout) : [];
}

/** The host's traffic control as tc shows it, with the veth's name and the ifb's MAC normalised. */
function tcState(nsPath: string, hostVeth: string): { qdiscs: Json[]; filters: Json[]; ifb: Json[] } {
  const name = (n: unknown) => (n === hostVeth ? 'HOSTVETH' : n);
  const qdiscs = tcJson(nsPath, ['qdisc', 'show']).filter((q) => q.dev !== 'lo').map((q) => ({ ...q, dev: name(q.dev) }))
    .sort((a, b) => JSON.stringify(a) < JSON.stringify(b) ? -1 : 1);
  const filters = tcJson(nsPath, ['filter', 'show', 'dev', hostVeth, 'parent', 'ffff:']);
  const ifb = ipJson<Json[]>(nsPath, ['-d', 'link', 'show', 'type', 'ifb']).map((l) => ({
    ifname: l.ifname, mtu: l.mtu, flags: l.flags, operstate: l.operstate, txqlen: l.txqlen, linkinfo: l.linkinfo,
  }));
  return { qdiscs, filters, ifb };
}

/** ptp ADD (the reference) then `plugin` ADD chained on its result, in a fresh world. */
function attach(t: any, plugin: string): { w: World; ptpRes: Json; res: Json; conf: Json; hostVeth: string } {
  const w = world(t);
  const pconf = ptpConf(w, { version: '1.0.0', type: 'ptp' });
  const p = runIn(w.host.path, REF_PTP, cniEnv('ADD', w), pconf);
  t.equal(p.status, 0, `ptp ADD (${p.stdout} ${p.stderr})`);
  const ptpRes = p.json as Json;
  const conf = bwConf(ptpRes, SHAPING, plugin === REF_BANDWIDTH ? 'bandwidth' : 'nlkit-bandwidth');
  const r = runIn(w.host.path, plugin, cniEnv('ADD', w), conf);
  t.equal(r.status, 0, `${plugin} ADD exits 0 (stdout: ${r.stdout} stderr: ${r.stderr})`);
  return { w, ptpRes, res: r.json as Json, conf, hostVeth: ptpRes.interfaces[0].name };
}

t.test('reference bandwidth and nlkit-bandwidth agree: result, qdiscs, redirect filter, ifb; each CHECK accepts the other; DEL', opts, async (t) => {
  const ref = attach(t, REF_BANDWIDTH);
  const mine = attach(t, NLKIT_BANDWIDTH);
  const ifb = ifbName('ptpnet', 'ctr1');
  t.match(ifb, /^bwp[0-9a-f]{12}$/, 'ifb name: bwp and 12 hex digits');
  const norm = (r: Json) => {
    const o = normalisedResult(r);
    return o;
  };
  t.same(norm(mine.res), norm(ref.res), 'same result (names, MACs and sandbox paths aside): the ifb appended to the interfaces');
  t.equal(mine.res.interfaces.at(-1).name, ifb, 'the ifb is the last interface, named as the reference names it');
  t.same(mine.res.interfaces.at(-1).mac, ipJson<Json[]>(mine.w.host.path, ['link', 'show', 'dev', ifb])[0]!.address, "and carries the ifb's MAC");

  const a = tcState(ref.w.host.path, ref.hostVeth);
  const b = tcState(mine.w.host.path, mine.hostVeth);
  // The reference (1.1) makes the ifb with a queue of 0 packets (its LinkAttrs literal
  // leaves TxQLen 0, which vishvananda/netlink sends); upstream later gave it the host
  // veth's queue length as it is after the ingress tbf went on (the kernel gives a veth
  // that had none, as ptp's has, its default 1000 then), as nlkit-bandwidth does.
  const hostQlen = ipJson<Json[]>(mine.w.host.path, ['-d', 'link', 'show']).find((l) => l.ifname === mine.hostVeth)?.txqlen;
  const noQlen = (ls: Json[]) => ls.map((l) => ({ ...l, txqlen: undefined }));
  t.same(noQlen(b.ifb), noQlen(a.ifb), 'the same ifb device (name, MTU of the host veth, up)');
  t.equal(b.ifb[0]?.txqlen, hostQlen, `nlkit's ifb has the host veth's queue length (${hostQlen ?? 0})`);
  t.equal(a.ifb[0]?.txqlen, undefined, "(the reference's ifb has a queue of 0 packets)");
  // The reference's filter carries the redirect twice: vishvananda/netlink prepends one
  // for U32.RedirIndex (verdict stolen) to the plugin's own (verdict pass), which no packet
  // reaches, since the first takes every packet. nlkit-bandwidth sends the one that acts.
  const acts = (fs: Json[]) => fs.flatMap((f) => f.options?.actions ?? []);
  t.same(acts(a.filters).map((x: Json) => [x.order, x.control_action.type]), [[1, 'stolen'], [2, 'pass']], "the reference's two redirects");
  const firstOnly = a.filters.map((f: Json) => (f.options?.actions ? { ...f, options: { ...f.options, actions: f.options.actions.slice(0, 1) } } : f));
  t.same(b.filters, firstOnly, 'the same u32 redirect filter on the host veth (tc -j -d filter show … parent ffff:), its acting redirect');
  // vishvananda/netlink sends the rate with link layer 0 (unaware), tc and nlkit with
  // ethernet: the kernel shapes the same (only ATM changes its arithmetic), and tc prints
  // the link layer of one and not the other.
  const noLinklayer = (qs: Json[]) => qs.map((q) => (q.kind === 'tbf' ? { ...q, options: { ...q.options, linklayer: undefined } } : q));
  t.same(noLinklayer(b.qdiscs), noLinklayer(a.qdiscs), 'the same qdiscs: tbf 1: on the host veth and on the ifb (rate, burst, limit, latency), ingress on the host veth');
  t.ok(b.qdiscs.some((q) => q.kind === 'tbf' && q.dev === 'HOSTVETH' && q.options.rate === SHAPING.ingressRate / 8), 'ingress shaping: the host veth sends at ingressRate/8 bytes/s');
  t.ok(b.qdiscs.some((q) => q.kind === 'tbf' && q.dev === ifb && q.options.rate === SHAPING.egressRate / 8), 'egress shaping: the ifb sends at egressRate/8 bytes/s');

  // Each CHECK against the other plugin's state.
  for (const [plugin, x, type] of [[REF_BANDWIDTH, mine, 'bandwidth'], [NLKIT_BANDWIDTH, ref, 'nlkit-bandwidth']] as const) {
    const conf = { ...bwConf(x.res, SHAPING, type) };
    const c = runIn(x.w.host.path, plugin, cniEnv('CHECK', x.w), conf);
    t.equal(c.status, 0, `${plugin} CHECK accepts the other plugin's state (${c.stdout} ${c.stderr})`);
  }

  for (const [plugin, x] of [[REF_BANDWIDTH, ref], [NLKIT_BANDWIDTH, mine]] as const) {
    const d = runIn(x.w.host.path, plugin, cniEnv('DEL', x.w), x.conf);
    t.equal(d.status, 0, `${plugin} DEL (${d.stdout} ${d.stderr})`);
    t.same(ipJson<Json[]>(x.w.host.path, ['link', 'show', 'type', 'ifb']), [], `${plugin} DEL removed the ifb`);
  }
  const again = runIn(mine.w.host.path, NLKIT_BANDWIDTH, cniEnv('DEL', mine.w), mine.conf);
  t.equal(again.status, 0, 'a second DEL succeeds (nothing left to remove)');
  const late = runIn(mine.w.host.path, NLKIT_BANDWIDTH, cniEnv('DEL', mine.w, { CNI_NETNS: undefined }), mine.conf);
  t.equal(late.status, 0, 'a DEL without CNI_NETNS succeeds');
});

t.test('ADD with only one direction, or none: only that shaping; no shaping passes prevResult on', opts, async (t) => {
  const w = world(t);
  const p = runIn(w.host.path, REF_PTP, cniEnv('ADD', w), ptpConf(w, { version: '1.0.0', type: 'ptp' }));
  t.equal(p.status, 0);
  const prev = p.json as Json;
  const hostVeth = prev.interfaces[0].name;
  const none = runIn(w.host.path, NLKIT_BANDWIDTH, cniEnv('ADD', w), bwConf(prev, {}, 'nlkit-bandwidth'));
  t.equal(none.status, 0);
  t.same(none.json, prev, 'no limits: the result is prevResult, unchanged');
  t.same(tcState(w.host.path, hostVeth).qdiscs.filter((q) => q.kind === 'tbf' || q.kind === 'ingress'), [], 'and nothing is shaped');
  const ing = runIn(w.host.path, NLKIT_BANDWIDTH, cniEnv('ADD', w), bwConf(prev, { runtimeConfig: { bandwidth: { ingressRate: 1_000_000, ingressBurst: 100_000 } } }, 'nlkit-bandwidth'));
  t.equal(ing.status, 0, `runtimeConfig.bandwidth ingress only (${ing.stdout})`);
  const s = tcState(w.host.path, hostVeth);
  t.same(s.qdiscs.filter((q) => q.kind === 'tbf').map((q) => [q.dev, q.options.rate]), [['HOSTVETH', 125000]], 'one tbf, on the host veth');
  t.same(s.ifb, [], 'no ifb');
  t.same((ing.json as Json).interfaces, prev.interfaces, 'no interface added');
});

t.test('a failed ADD leaves nothing it made: the ifb, the tbf and the ingress qdisc are removed again', opts, async (t) => {
  const w = world(t);
  const p = runIn(w.host.path, REF_PTP, cniEnv('ADD', w), ptpConf(w, { version: '1.0.0', type: 'ptp' }));
  t.equal(p.status, 0);
  const prev = p.json as Json;
  const hostVeth = prev.interfaces[0].name;
  // An ingress qdisc already on the host veth: the egress step fails after the tbf and
  // the ifb were made (the reference leaves both behind here).
  spawnSync('nsenter', [`--net=${w.host.path}`, 'tc', 'qdisc', 'add', 'dev', hostVeth, 'ingress']);
  const before = tcState(w.host.path, hostVeth);
  const r = runIn(w.host.path, NLKIT_BANDWIDTH, cniEnv('ADD', w), bwConf(prev, SHAPING, 'nlkit-bandwidth'));
  t.not(r.status, 0, 'ADD fails');
  t.match(r.json, { code: 999, msg: /ingress|exists|qdisc/i }, `the error says what failed (${r.stdout})`);
  t.same(tcState(w.host.path, hostVeth), before, 'the host is as it was: no ifb, no tbf, the ingress qdisc that was there kept');
});

t.test('CHECK finds drift: a changed rate, a missing ifb, a missing redirect', opts, async (t) => {
  const x = attach(t, NLKIT_BANDWIDTH);
  const check = () => runIn(x.w.host.path, NLKIT_BANDWIDTH, cniEnv('CHECK', x.w), bwConf(x.res, SHAPING, 'nlkit-bandwidth'));
  t.equal(check().status, 0, 'CHECK passes on what ADD made');
  const tc = (...args: string[]) => spawnSync('nsenter', [`--net=${x.w.host.path}`, 'tc', ...args], { encoding: 'utf8' });
  tc('filter', 'del', 'dev', x.hostVeth, 'parent', 'ffff:');
  t.match(check().json, { code: 120, msg: 'Failed to find redirect filter' }, 'the redirect filter is gone');
  tc('qdisc', 'replace', 'dev', x.hostVeth, 'root', 'handle', '1:', 'tbf', 'rate', '2mbit', 'burst', '100kb', 'latency', '25ms');
  t.match(check().json, { code: 120, msg: "Rate doesn't match" }, 'another rate on the host veth');
  const ifb = ifbName('ptpnet', 'ctr1');
  spawnSync('nsenter', [`--net=${x.w.host.path}`, 'ip', 'link', 'del', ifb]);
  const c = runIn(x.w.host.path, NLKIT_BANDWIDTH, cniEnv('CHECK', x.w), bwConf(x.res, { egressRate: 4_000_000, egressBurst: 1_600_000 }, 'nlkit-bandwidth'));
  t.match(c.json, { code: 120, msg: /ifb device/ }, 'the ifb is gone');
  const noPrev = runIn(x.w.host.path, NLKIT_BANDWIDTH, cniEnv('CHECK', x.w), bwConf(undefined, SHAPING, 'nlkit-bandwidth'));
  t.match(noPrev.json, { code: 7, msg: /chained/ }, 'CHECK without prevResult');
});

t.test('ADD refuses what it cannot shape: no prevResult, a container interface that is not a veth', opts, async (t) => {
  const w = world(t);
  const r = runIn(w.host.path, NLKIT_BANDWIDTH, cniEnv('ADD', w), bwConf(undefined, SHAPING, 'nlkit-bandwidth'));
  t.match(r.json, { code: 7, msg: 'must be called as chained plugin' });
  spawnSync('nsenter', [`--net=${w.ctr.path}`, 'ip', 'link', 'add', 'eth0', 'type', 'ifb']);
  const prev = { cniVersion: '1.0.0', interfaces: [{ name: 'vethdeadbeef' }, { name: 'eth0', sandbox: w.ctr.path }] };
  const r2 = runIn(w.host.path, NLKIT_BANDWIDTH, cniEnv('ADD', w), bwConf(prev, SHAPING, 'nlkit-bandwidth'));
  t.match(r2.json, { code: 7, msg: 'container interface eth0 has no veth peer', details: /kind is ifb/ });
  t.same(ipJson<Json[]>(w.host.path, ['link', 'show', 'type', 'ifb']), [], 'nothing made');
});

t.test('configuration: rates and bursts in pairs, whole bits, bursts under 4 GB, rates of 8 bit/s and more, a bucket of a tick or more; top level before runtimeConfig', async (t) => {
  t.same(bandwidthConf({}), { ingress: undefined, egress: undefined });
  t.same(bandwidthConf({ ingressRate: 800, ingressBurst: 80 }), { ingress: { rate: 800, burst: 80 }, egress: undefined });
  t.same(bandwidthConf({ runtimeConfig: { bandwidth: { egressRate: 800, egressBurst: 80 } } }), { ingress: undefined, egress: { rate: 800, burst: 80 } });
  t.same(bandwidthConf({ egressRate: 0, runtimeConfig: { bandwidth: { egressRate: 800, egressBurst: 80 } } }), { ingress: undefined, egress: undefined }, 'a top-level field, even 0, wins over runtimeConfig (as the reference reads it)');
  const bad: [Json, RegExp][] = [
    [{ ingressRate: 800 }, /if ingressRate is set, ingressBurst must also be set/],
    [{ egressBurst: 80 }, /if egressBurst is set, egressRate must also be set/],
    [{ ingressRate: 800, ingressBurst: 8 * 2 ** 32 }, /cannot be more than 4GB/],
    [{ ingressRate: 7, ingressBurst: 80 }, /below 8 bits per second/],
    [{ egressRate: 800, egressBurst: 7 }, /below 8 bits, which is a bucket of 0 bytes/],
    // 1250 bytes at 12.5 GB/s: 0.1 µs, no tick at all (the kernel refuses the tbf: EINVAL).
    [{ ingressRate: 99_999_999_999, ingressBurst: 10_000 }, /ingressBurst 10000 at ingressRate 99999999999 is a bucket of 0 scheduler ticks/],
    [{ ingressRate: -1, ingressBurst: 80 }, /whole number/],
    [{ ingressRate: 1.5, ingressBurst: 80 }, /whole number/],
    [{ ingressRate: '800', ingressBurst: 80 }, /whole number/],
    [{ runtimeConfig: { bandwidth: 5 } }, /expected an object/],
  ];
  for (const [conf, re] of bad) {
    t.throws(() => bandwidthConf(conf), { name: 'CniError', code: 7, message: re }, JSON.stringify(conf));
  }
  // The reference's arithmetic: 1 Mbit/s, 800 kbit of burst → 125000 bytes/s, a bucket of
  // 800000 µs (12500000 ticks of 64 ns), a limit of 25 ms at the rate plus the burst.
  const p = tbfParams({ rate: 1_000_000, burst: 800_000 });
  t.same({ rate: p.rate, limit: p.limit }, { rate: 125000, limit: 3125 + 100000 });
  t.equal(p.buffer, 12_500_000, 'buffer in ticks (with /proc/net/psched giving 64 ns ticks)');
});

t.test('a bad configuration through the plugin: error 7, nothing made', opts, async (t) => {
  const w = world(t);
  const r = runIn(w.host.path, NLKIT_BANDWIDTH, cniEnv('ADD', w), bwConf({ cniVersion: '1.0.0', interfaces: [] }, { ingressRate: 1000 }, 'nlkit-bandwidth'));
  t.match(r.json, { code: 7, msg: 'invalid ingressBurst' });
  t.same(ipJson<Json[]>(w.host.path, ['link', 'show', 'type', 'ifb']), []);
});

t.test('chained after nlkit-bridge (the host end a bridge port, listed second): the same shaping as the reference bandwidth gives there; CHECK both ways; DEL', opts, async (t) => {
  const made: { w: World; res: Json; hostVeth: string; conf: Json }[] = [];
  for (const [plugin, type] of [[REF_BANDWIDTH, 'bandwidth'], [NLKIT_BANDWIDTH, 'nlkit-bandwidth']] as const) {
    const w = world(t);
    const brConf = { cniVersion: '1.0.0', name: 'ptpnet', type: 'nlkit-bridge', isGateway: true, ipam: { type: 'host-local', dataDir: w.dataDir, ranges: [[{ subnet: '10.1.0.0/24' }]] } };
    const b = runIn(w.host.path, NLKIT_BRIDGE, cniEnv('ADD', w), brConf);
    t.equal(b.status, 0, `nlkit-bridge ADD (${b.stdout} ${b.stderr})`);
    const prev = b.json as Json;
    const conf = bwConf(prev, SHAPING, type);
    const r = runIn(w.host.path, plugin, cniEnv('ADD', w), conf);
    t.equal(r.status, 0, `${plugin} ADD after nlkit-bridge (${r.stdout} ${r.stderr})`);
    made.push({ w, res: r.json as Json, hostVeth: prev.interfaces[1].name, conf });
  }
  const [ref, mine] = made as [typeof made[0], typeof made[0]];
  t.same(normalisedResult(mine.res), normalisedResult(ref.res), 'same result: the bridge, the host end, the container end, then the ifb');
  const a = tcState(ref.w.host.path, ref.hostVeth);
  const b = tcState(mine.w.host.path, mine.hostVeth);
  const noLinklayer = (qs: Json[]) => qs.map((q) => (q.kind === 'tbf' ? { ...q, options: { ...q.options, linklayer: undefined } } : q));
  t.same(noLinklayer(b.qdiscs), noLinklayer(a.qdiscs), 'the same qdiscs on the bridge port and the ifb');
  t.ok(b.qdiscs.some((q) => q.kind === 'tbf' && q.dev === 'HOSTVETH' && q.options.rate === SHAPING.ingressRate / 8), "ingress shaping on the bridge port (the host end of the container's veth)");
  t.equal(b.filters.length, a.filters.length, 'the redirect filter on the port');
  for (const [plugin, x, type] of [[REF_BANDWIDTH, mine, 'bandwidth'], [NLKIT_BANDWIDTH, ref, 'nlkit-bandwidth']] as const) {
    const c = runIn(x.w.host.path, plugin, cniEnv('CHECK', x.w), bwConf(x.res, SHAPING, type));
    t.equal(c.status, 0, `${plugin} CHECK accepts the other plugin's state (${c.stdout} ${c.stderr})`);
  }
  const d = runIn(mine.w.host.path, NLKIT_BANDWIDTH, cniEnv('DEL', mine.w), mine.conf);
  t.equal(d.status, 0, `DEL (${d.stdout} ${d.stderr})`);
  t.same(ipJson<Json[]>(mine.w.host.path, ['link', 'show', 'type', 'ifb']), [], 'the ifb removed');
});
