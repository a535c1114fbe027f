// Ethtool over generic netlink: a veth's channels and offload features read and changed
// in a fresh netns, checked against `ethtool -l` / `ethtool --json -k` (when the ethtool
// binary is installed) and against the netns's own sysfs; a wish the device cannot
// follow reported as unapplied; fixed and unknown features, counts over the maximum, a
// device without channels or without existence refused in plain words.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { Ethtool, InvalidArgumentError, NetlinkError } from '../../src/index.js';
import { ip, privileged, rawNetns, sysfsQueues as queues } from '../helpers.js';

const haveEthtool = spawnSync('ethtool', ['--version'], { encoding: 'utf8' }).status === 0;

function ethtool(nsPath: string, args: string[]): string {
  const r = spawnSync('nsenter', [`--net=${nsPath}`, 'ethtool', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ethtool ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** `ethtool -l DEV` as { rxMax, txMax, …, rx, tx, … } (n/a left out), the shape Ethtool.channels returns. */
function ethtoolChannels(nsPath: string, dev: string): Record<string, number> {
  const out: Record<string, number> = {};
  let section = '';
  for (const line of ethtool(nsPath, ['-l', dev]).split('\n')) {
    if (/Pre-set maximums/.test(line)) section = 'Max';
    else if (/Current hardware settings/.test(line)) section = '';
    const m = /^(RX|TX|Other|Combined):\s+(\d+)/.exec(line);
    if (m) out[m[1]!.toLowerCase() + section] = Number(m[2]);
  }
  return out;
}


function fixture(t: { teardown(fn: () => void): void }): { ns: ReturnType<typeof rawNetns>; et: Ethtool } {
  const ns = rawNetns();
  ip(ns.path, ['link', 'add', 'v0', 'numtxqueues', '4', 'numrxqueues', '4', 'type', 'veth', 'peer', 'name', 'v1']);
  const et = Ethtool.open({ netns: ns.fd });
  t.teardown(() => {
    et.close();
    ns.close();
  });
  return { ns, et };
}

t.test('channels: read as ethtool -l shows them, changed as sysfs then shows, refused in plain words', privileged, async (t) => {
  const { ns, et } = fixture(t);
  const ch = await et.channels('v0');
  t.same(ch, { rxMax: 4, txMax: 4, rx: 4, tx: 4 }, 'a veth with four queues each way (no other or combined channels)');
  if (haveEthtool) t.same(ch, ethtoolChannels(ns.path, 'v0'), 'as ethtool -l shows them');
  const index = Number(ip(ns.path, ['-o', 'link', 'show', 'v0']).split(':')[0]);
  t.same(await et.channels(index), ch, 'by ifindex too');

  await et.setChannels('v0', { rx: 2, tx: 1 });
  t.equal(queues(ns.path, 'v0'), 'rx-0 rx-1 tx-0', 'the kernel changed the queues');
  t.same(await et.channels('v0'), { rxMax: 4, txMax: 4, rx: 2, tx: 1 }, 'and says so');
  await et.setChannels('v0', { tx: 3 });
  t.same(await et.channels('v0'), { rxMax: 4, txMax: 4, rx: 2, tx: 3 }, 'a count not given stays');

  const err = async (p: Promise<unknown>): Promise<Error> => p.then(() => { throw new Error('no error'); }, (x: Error) => x);
  const over = await err(et.setChannels('v0', { rx: 9 }));
  t.ok(over instanceof NetlinkError && over.code === 'EINVAL', 'more channels than the maximum: EINVAL');
  t.match(over.message, /requested channel count exceeds maximum/, "in the kernel's words");
  // The kernel points at the count it refused: the error names it and the device, not only 'ethtool cmd 18'.
  t.equal((over as NetlinkError).extack.attribute, 'ETHTOOL_A_CHANNELS_RX_COUNT', 'the attribute the kernel pointed at, named');
  t.match(over.message, /\[at ETHTOOL_A_CHANNELS_RX_COUNT\] — 'v0' refused counts\.rx 9 /, 'the device and the count it refused');
  const combined = await err(et.setChannels('v0', { rx: 2, combined: 1 }));
  t.ok(combined instanceof NetlinkError && combined.code === 'EINVAL', 'combined channels on a veth (it has none): EINVAL');
  t.match(combined.message, /\[at ETHTOOL_A_CHANNELS_COMBINED_COUNT\] — 'v0' refused counts\.combined 1 /, 'naming the second count given, the one refused');
  const none = await err(et.setChannels(index, { rx: 0, tx: 0 }));
  t.match(none.message, /would result in no RX or TX channel.*— ifindex \d+ refused counts\.rx 0 /, 'by ifindex: the device as given');
  const lo = await err(et.channels('lo'));
  t.ok(lo instanceof NetlinkError && lo.code === 'EOPNOTSUPP', 'lo has no channels: EOPNOTSUPP');
  t.match(lo.message, /'lo': its driver cannot read the channels/, 'said in terms of the device');
  const gone = await err(et.channels('nope0'));
  t.ok(gone instanceof NetlinkError && gone.code === 'ENODEV', 'no such device: ENODEV');
  t.match(gone.message, /no device 'nope0' in the handle's netns/);
  // The request is named by its command and device, not 'ethtool cmd 17'.
  t.match(gone.message, / \(ethtool ETHTOOL_MSG_CHANNELS_GET dev nope0\)$/, `the command and device named: ${gone.message}`);
  t.equal((gone as NetlinkError).request.subject, 'ETHTOOL_MSG_CHANNELS_GET dev nope0');
  t.match((over as NetlinkError).message, / \(ethtool ETHTOOL_MSG_CHANNELS_SET dev v0\)$/, 'a SET too');

  const before = et.genl.sock.stats.requests;
  for (const [what, p, arg] of [
    ['no count', et.setChannels('v0', {}), 'counts'],
    ['a negative count', et.setChannels('v0', { rx: -1 }), 'counts.rx'],
    ['a count not an integer', et.setChannels('v0', { tx: 1.5 }), 'counts.tx'],
    ['an unknown key', et.setChannels('v0', { queues: 2 } as never), 'counts.queues'],
    ['an empty device name', et.channels(''), 'dev'],
    ['ifindex 0', et.channels(0), 'dev'],
  ] as [string, Promise<unknown>, string][]) {
    const e = await err(p);
    t.ok(e instanceof InvalidArgumentError && e.argument === arg, `${what}: InvalidArgumentError naming ${arg} (${e.message})`);
  }
  t.equal(et.genl.sock.stats.requests, before, 'nothing sent for them');
  t.equal(queues(ns.path, 'v0'), 'rx-0 rx-1 tx-0 tx-1 tx-2', 'and nothing changed');
});

t.test('without CAP_NET_ADMIN, a change says which capability it needs; reading needs none', privileged, async (t) => {
  // A child as nobody, without capabilities, in the runner's netns: every ethtool SET is a bare EPERM from the kernel.
  const url = new URL('../../src/index.js', import.meta.url).href;
  const code = `const { Ethtool } = await import(${JSON.stringify(url)}); const et = Ethtool.open();
    for (const f of [() => et.setChannels('lo', { rx: 1 }), () => et.setLinkModes('lo', { speed: 10 }), () => et.setFeatures('lo', { 'rx-gro': false })]) {
      try { await f(); console.log('resolved'); } catch (e) { console.log(e.code + ' ' + e.message); } }
    console.log('features ' + Object.keys(await et.features('lo')).length); et.close();`;
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', process.execPath, '--input-type=module', '-e', code], { encoding: 'utf8' });
  if (r.error) return void t.comment(`skipped: setpriv not available (${r.error.message})`);
  const lines = r.stdout.trim().split('\n');
  t.equal(lines.length, 4, `four answers: ${r.stdout}${r.stderr}`);
  t.match(lines[0], /^EPERM EPERM: Operation not permitted — setting the channels of 'lo' needs CAP_NET_ADMIN in the user namespace that owns the handle's netns /);
  t.match(lines[1], /^EPERM .* — setting the link modes of 'lo' needs CAP_NET_ADMIN/);
  t.match(lines[2], /^EPERM .* — setting the features of 'lo' needs CAP_NET_ADMIN/);
  t.match(lines[3], /^features \d+$/, 'a read needs no capability');
});

t.test('features: as ethtool -k shows them; turned off and on; a wish the device cannot follow is reported; fixed and unknown names refused', privileged, async (t) => {
  const { ns, et } = fixture(t);
  const f = await et.features('v0');
  t.ok(Object.keys(f).length > 40, `${Object.keys(f).length} features, by the kernel's names`);
  t.same(f['tx-checksum-ipv4'], { active: false, wanted: false, changeable: false }, "a veth's tx-checksum-ipv4: off, fixed");
  t.same(f['tx-checksum-ip-generic'], { active: true, wanted: true, changeable: true }, 'tx-checksum-ip-generic: on, changeable');
  if (haveEthtool) {
    const theirs = (JSON.parse(ethtool(ns.path, ['--json', '-k', 'v0'])) as Record<string, { active: boolean; fixed: boolean; requested: boolean }>[])[0]!;
    const common = Object.keys(f).filter((k) => theirs[k] !== undefined);
    t.ok(common.length > 40, `${common.length} features ethtool prints by the same name`);
    t.same(Object.fromEntries(common.map((k) => [k, { active: f[k]!.active, fixed: !f[k]!.changeable, requested: f[k]!.wanted }])),
      Object.fromEntries(common.map((k) => [k, { active: theirs[k]!.active, fixed: theirs[k]!.fixed, requested: theirs[k]!.requested }])),
      'active, fixed and requested of each, as ethtool --json -k prints them');
  }

  const r = await et.setFeatures('v0', { 'tx-checksum-ip-generic': false, 'rx-gro': true });
  t.same(r.unapplied, [], 'both applied');
  t.same([r.features['tx-checksum-ip-generic']!.active, r.features['rx-gro']!.active], [false, true], 'and the features say so');
  if (haveEthtool) t.match(ethtool(ns.path, ['-k', 'v0']), /tx-checksum-ip-generic: off[\s\S]*generic-receive-offload: on/, 'as ethtool -k shows');
  const untouched = Object.keys(f).filter((k) => k !== 'tx-checksum-ip-generic' && k !== 'rx-gro' && f[k]!.wanted !== r.features[k]!.wanted);
  t.same(untouched, [], 'no other wish changed');

  // TSO needs scatter-gather: with it off, the kernel keeps the wish for TSO but turns it off.
  const sg = await et.setFeatures('v0', { 'tx-scatter-gather': false });
  t.same([sg.features['tx-tcp-segmentation']!.wanted, sg.features['tx-tcp-segmentation']!.active], [true, false], 'scatter-gather off: TSO wanted, not active');
  const tso = await et.setFeatures('v0', { 'tx-tcp-segmentation': true });
  t.same(tso.unapplied, ['tx-tcp-segmentation'], 'asking for TSO then: reported unapplied');
  // Scatter-gather itself needs a checksum offload, turned off above: on again, both.
  const back = await et.setFeatures('v0', { 'tx-scatter-gather': true, 'tx-checksum-ip-generic': true });
  t.same(back.unapplied, [], 'scatter-gather and checksumming on again: applied');
  t.equal(back.features['tx-tcp-segmentation']!.active, true, 'and TSO follows');

  const now = await et.features('v0');
  for (const [what, p, arg, re] of [
    ['a fixed feature', et.setFeatures('v0', { 'tx-checksum-ipv4': true }), 'changes.tx-checksum-ipv4', /is fixed off on 'v0'/],
    ["ethtool's group name", et.setFeatures('v0', { 'tx-checksumming': false }), 'changes.tx-checksumming', /no feature 'tx-checksumming'.*group names/],
    ['a name of Object.prototype', et.setFeatures('v0', { toString: true }), 'changes.toString', /no feature 'toString'/],
    ['a value not a boolean', et.setFeatures('v0', { 'rx-gro': 'off' as never }), 'changes.rx-gro', /expected true or false/],
    ['no change', et.setFeatures('v0', {}), 'changes', /no feature to change/],
  ] as [string, Promise<unknown>, string, RegExp][]) {
    const e = await p.then(() => undefined, (x: unknown) => x);
    t.ok(e instanceof InvalidArgumentError && e.argument === arg, `${what}: InvalidArgumentError naming ${arg}`);
    t.match((e as Error).message, re, `${what}: ${(e as Error).message}`);
  }
  t.same(await et.features('v0'), now, 'nothing changed');
  t.same(await et.setFeatures('v0', { 'tx-checksum-ipv4': false }).then((x) => x.unapplied), [], 'a fixed feature asked for as it is: nothing to refuse');
});

t.test("a kernel without ethtool's family (before 5.6, or no CONFIG_ETHTOOL_NETLINK): the lookup's refusal, not a GET said to have gone to nlctrl", privileged, async (t) => {
  const { et } = fixture(t);
  // The controller asked for a family this kernel lacks stands in for 'ethtool' on such a kernel.
  const family = et.genl.family.bind(et.genl);
  (et.genl as { family: typeof family }).family = (name, options) => family(name === 'ethtool' ? 'nosuchfamily' : name, options);
  for (const [what, p] of [
    ['channels', et.channels('v0')], ['setChannels', et.setChannels('v0', { rx: 1 })], ['features', et.features('v0')], ['linkModes', et.linkModes('v0')],
  ] as [string, Promise<unknown>][]) {
    const e = await p.then(() => undefined, (x: unknown) => x);
    t.ok(e instanceof NetlinkError && e.code === 'ENOENT', `${what}: ENOENT`);
    const ne = e as NetlinkError;
    t.equal(ne.request.typeName, 'nlctrl', `${what}: the request refused was the controller's`);
    t.match(ne.request.subject, /^ctrl get name /, `${what}: and is named as such, not as an ethtool command: ${ne.message}`);
    t.match(ne.message, /ethtool over netlink needs Linux 5\.6 or later built with CONFIG_ETHTOOL_NETLINK/, `${what}: says what the kernel lacks`);
  }
});

t.test('string sets are read once per handle, also by concurrent calls', privileged, async (t) => {
  const { et } = fixture(t);
  const before = et.genl.sock.stats.requests;
  await Promise.all([et.features('v0'), et.features('v1'), et.linkModes('v0'), et.linkModes('v1')]);
  // One family lookup, ETH_SS_FEATURES and ETH_SS_LINK_MODES once each, then the four GETs.
  t.equal(et.genl.sock.stats.requests - before, 7, 'one request per string set');
});
