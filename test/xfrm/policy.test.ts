// IPsec policies (the SPD) through NETLINK_XFRM against `ip xfrm policy` (iproute2), live,
// in a fresh netns per test: policies nlkit makes read back with `ip -s xfrm policy list`
// field by field; policies `ip` makes decoded by nlkit as ip prints them; add, update,
// get, del and flush round trips; mark and if_id as part of the key; IPv4 and IPv6;
// templates; the kernel's EEXIST and ENOENT, named; bad input refused before anything is
// sent; and the handle's request bytes equal to ip's (test/fixtures/xfrm).
import t from 'tap';
import { ClosedError, InvalidArgumentError, NetlinkError, Xfrm, type XfrmDir, type XfrmPolicy, type XfrmPolicySpec } from '../../src/index.js';
import { ip, ipJson, privileged, rawNetns } from '../helpers.js';
import { CASES, FIXTURES, diff, withoutSeq } from './fixtures.js';
import { parseIpPolicies, policyAsIp } from './ip-text.js';

function fixture(t: { teardown(fn: () => void): void }): { ns: ReturnType<typeof rawNetns>; xf: Xfrm } {
  const ns = rawNetns();
  const xf = Xfrm.open({ netns: ns.fd });
  t.teardown(() => {
    xf.close();
    ns.close();
  });
  ip(ns.path, ['link', 'set', 'lo', 'up']);
  return { ns, xf };
}

const ipPolicies = (nsPath: string): ReturnType<typeof parseIpPolicies> => parseIpPolicies(ip(nsPath, ['-s', 'xfrm', 'policy', 'list']));
/** ifindex → name in the netns, as ip prints `dev`. */
function devNames(nsPath: string): (i: number) => string {
  const links = ipJson<{ ifindex: number; ifname: string }[]>(nsPath, ['link', 'show']);
  return (i) => links.find((l) => l.ifindex === i)?.ifname ?? `if${i}`;
}

/** nlkit's list and ip's, both in ip's terms, matched by dir and index (unique per policy type). */
function sameAsIp(t: Pick<typeof import('tap').default, 'equal' | 'same' | 'fail'>, ours: XfrmPolicy[], nsPath: string, what: string): void {
  const theirs = ipPolicies(nsPath);
  t.equal(ours.length, theirs.length, `${what}: ${ours.length} policies, as many as ip lists`);
  const names = devNames(nsPath);
  for (const p of ours) {
    const x = theirs.find((q) => q.index === p.index && q.dir === p.dir && q.ptype === p.ptype);
    if (!x) {
      t.fail(`${what}: policy index ${p.index} dir ${p.dir} is not in ip's list`);
      continue;
    }
    t.same(policyAsIp(p, names), x, `${what}: ${x.sel} dir ${x.dir}, field by field`);
  }
}

const err = async (p: Promise<unknown>): Promise<Error> => p.then(() => { throw new Error('no error'); }, (x: Error) => x);

/** The specs of the byte fixtures' add and update commands (dev by name: the handle resolves it). */
const SPECS: XfrmPolicySpec[] = [
  CASES['policy-add-tunnel-mark-if-id']![1] as XfrmPolicySpec,
  CASES['policy-add-ipv6-block-index']![1] as XfrmPolicySpec,
  { ...(CASES['policy-add-icmp-dev-transport']![1] as XfrmPolicySpec), selector: { src: '10.0.0.0/24', dst: '10.1.0.0/24', proto: 'icmp', type: 8, code: 0, dev: 'lo' } },
  CASES['policy-update-two-templates']![1] as XfrmPolicySpec,
];

t.test('policies nlkit adds read back with ip -s xfrm policy list, field by field (IPv4, IPv6, templates, mark, if_id, sub type, limits, dev)', privileged, async (t) => {
  const { ns, xf } = fixture(t);
  for (const s of SPECS) await xf.policy.add(s);
  const all = await xf.policy.list();
  t.equal(all.length, 4, 'four policies');
  sameAsIp(t, all, ns.path, 'nlkit-made');
  const v6 = all.find((p) => p.selector.family === 6)!;
  t.same([v6.index, v6.ptype, v6.action, v6.flags, v6.lifetime.hardAddSeconds, v6.lifetime.softPackets], [8, 'sub', 'block', ['localok', 'icmp'], 60n, 10n], 'the IPv6 one: its given index kept, sub type, block, flags, limits');
  const icmp = all.find((p) => p.dir === 'fwd')!;
  t.same([icmp.selector.ifindex, icmp.selector.sport, icmp.selector.dport, icmp.templates[0]?.level, icmp.templates[0]?.family], [1, 8, 0, 'use', 4], 'dev lo resolved to ifindex 1; ICMP type and code; an optional template of the selector\'s family');
  t.ok(all.every((p) => p.current.addTime > 0n), 'every policy has its add time');
});

t.test('policies ip adds, decoded by nlkit as ip prints them', privileged, async (t) => {
  const { ns, xf } = fixture(t);
  ip(ns.path, ['xfrm', 'policy', 'add', 'src', '192.168.0.0/16', 'dst', '172.16.1.0/24', 'proto', 'udp', 'sport', '500', 'dport', '4500', 'dir', 'in', 'priority', '7',
    'tmpl', 'src', '198.51.100.1', 'dst', '198.51.100.2', 'proto', 'esp', 'reqid', '11', 'mode', 'tunnel', 'level', 'use']);
  ip(ns.path, ['xfrm', 'policy', 'add', 'src', 'fd00::/8', 'dst', 'fd01::1', 'proto', 'ipv6-icmp', 'type', '135', 'dir', 'out', 'mark', '0x10', 'mask', '0xf0', 'if_id', '0x99',
    'tmpl', 'src', '2001:db8::a', 'dst', '2001:db8::b', 'proto', 'esp', 'spi', '0x1234', 'mode', 'tunnel']);
  ip(ns.path, ['xfrm', 'policy', 'add', 'dir', 'fwd', 'action', 'block', 'ptype', 'sub', 'limit', 'byte-soft', '1000', 'limit', 'time-use-hard', '30']);
  // IPv6 inside an IPv4 tunnel: the template's family differs from the selector's (tunnel mode).
  ip(ns.path, ['xfrm', 'policy', 'add', 'src', '2001:db8:5::/48', 'dst', '2001:db8:6::/48', 'dir', 'out', 'tmpl', 'src', '192.0.2.5', 'dst', '192.0.2.6', 'proto', 'esp', 'mode', 'tunnel']);
  const all = await xf.policy.list();
  sameAsIp(t, all, ns.path, 'ip-made');
  const inner = all.find((p) => p.selector.src === '2001:db8:5::/48')!;
  t.same([inner.selector.family, inner.templates[0]?.family, inner.templates[0]?.src], [6, 4, '192.0.2.5'], 'an IPv6 selector with an IPv4 tunnel template');
  const marked = all.find((p) => p.mark)!;
  t.same([marked.mark, marked.ifId, marked.selector.protoName, marked.selector.sport, marked.templates[0]?.spi], [{ value: 0x10, mask: 0xf0 }, 0x99, 'ipv6-icmp', 135, 0x1234]);
  t.same((await xf.policy.list({ dir: 'in' })).map((p) => p.priority), [7], 'list({ dir }) filters');
  t.same((await xf.policy.list({ ptype: 'sub' })).map((p) => p.action), ['block'], 'list({ ptype })');
  t.same((await xf.policy.list({ family: 6 })).length, 2, 'list({ family })');
  t.same((await xf.policy.list({ mark: { value: 0x10, mask: 0xf0 }, ifId: 0x99 })).length, 1, 'list({ mark, ifId })');
});

t.test('get, update, del and flush round trips (by selector, by index, by a listed policy)', privileged, async (t) => {
  const { ns, xf } = fixture(t);
  const spec: XfrmPolicySpec = { selector: { src: '10.0.0.0/24', dst: '10.1.0.0/24', proto: 'tcp', dport: 443 }, dir: 'out', priority: 10, templates: [{ proto: 'esp', mode: 'transport', reqid: 4 }] };
  await xf.policy.add(spec);
  const got = await xf.policy.get({ selector: spec.selector, dir: 'out' });
  t.same([got.priority, got.templates[0]?.reqid, got.selector.dport], [10, 4, 443], 'get by selector');
  t.same(await xf.policy.get({ index: got.index, dir: 'out' }), got, 'get by index: the same policy');
  await xf.policy.update({ ...spec, priority: 20, templates: [{ proto: 'esp', mode: 'transport', reqid: 5 }] });
  const upd = await xf.policy.get(got);
  t.same([upd.index, upd.priority, upd.templates[0]?.reqid], [got.index, 20, 5], 'update replaced it in place (same index)');
  t.equal(ipPolicies(ns.path)[0]!.priority, 20, 'ip sees the update');
  await xf.policy.update({ selector: { src: '10.9.0.0/16' }, dir: 'in' });
  t.equal((await xf.policy.list()).length, 2, 'update of a missing one adds it');
  await xf.policy.del(upd);
  t.same((await xf.policy.list()).map((p) => p.selector.src), ['10.9.0.0/16'], 'del of a listed policy (by its index)');
  await xf.policy.del({ selector: { src: '10.9.0.0/16' }, dir: 'in' });
  t.equal(ip(ns.path, ['xfrm', 'policy', 'list']).trim(), '', 'del by selector: ip lists nothing');
  await xf.policy.add({ dir: 'out', selector: { dst: '10.7.0.0/16' } });
  await xf.policy.add({ dir: 'out', selector: { dst: '10.8.0.0/16' }, ptype: 'sub' });
  await xf.policy.flush({ type: 'sub' });
  t.same((await xf.policy.list()).map((p) => p.ptype), ['main'], 'flush({ type: sub }) leaves the main one');
  await xf.policy.flush();
  t.same(await xf.policy.list(), [], 'flush() empties the main type');
  t.equal(ip(ns.path, ['xfrm', 'policy', 'list']).trim(), '', 'and ip agrees');
});

t.test('a listed policy\'s selector is a key and a spec as it is: its ports with their masks (none, a port, an ICMP type, a GRE key) and its ifindex', privileged, async (t) => {
  const { ns, xf } = fixture(t);
  const sel = ['src', '10.0.0.0/8', 'dst', '0.0.0.0/0'];
  ip(ns.path, ['xfrm', 'policy', 'add', ...sel, 'dir', 'in']);
  ip(ns.path, ['xfrm', 'policy', 'add', ...sel, 'proto', 'tcp', 'dir', 'out']);
  ip(ns.path, ['xfrm', 'policy', 'add', ...sel, 'proto', 'tcp', 'dport', '22', 'dir', 'fwd']);
  ip(ns.path, ['xfrm', 'policy', 'add', ...sel, 'proto', 'icmp', 'type', '8', 'dir', 'fwd']);
  ip(ns.path, ['xfrm', 'policy', 'add', ...sel, 'proto', 'gre', 'key', '0x12345678', 'dir', 'fwd']);
  ip(ns.path, ['xfrm', 'policy', 'add', ...sel, 'dev', 'lo', 'dir', 'fwd']);
  const all = await xf.policy.list();
  t.equal(all.length, 6, 'six policies');
  for (const p of all) {
    const what = `${p.selector.protoName ?? p.selector.proto} sport ${p.selector.sport}/${p.selector.sportMask} dport ${p.selector.dport}/${p.selector.dportMask} ifindex ${p.selector.ifindex} dir ${p.dir}`;
    const got = await xf.policy.get({ selector: p.selector, dir: p.dir as XfrmDir }).catch((e: Error) => e);
    t.equal(got instanceof Error ? got.message : got.index, p.index, `get by the listed selector finds it: ${what}`);
  }
  // The same selectors as specs: the policies of the other direction, which ip reads back alike.
  for (const p of all.filter((q) => q.dir === 'fwd')) await xf.policy.add({ selector: p.selector, dir: 'in', priority: 1 });
  const ins = ipPolicies(ns.path).filter((q) => q.dir === 'in' && q.priority === 1).map((q) => q.sel).sort();
  const fwds = ipPolicies(ns.path).filter((q) => q.dir === 'fwd').map((q) => q.sel).sort();
  t.same(ins, fwds, 'added by the listed selectors: ip prints the same selectors');
  for (const p of all) await xf.policy.del({ selector: p.selector, dir: p.dir as XfrmDir });
  t.equal((await xf.policy.list()).length, 4, 'del by the listed selectors deleted the six');
});

t.test('mark and if_id are part of the key: same selector, different marks and if_ids coexist; get needs them', privileged, async (t) => {
  const { xf } = fixture(t);
  const selector = { src: '10.0.0.0/24', dst: '10.1.0.0/24' };
  await xf.policy.add({ selector, dir: 'out', priority: 1, mark: { value: 1, mask: 0xff } });
  await xf.policy.add({ selector, dir: 'out', priority: 2, mark: { value: 2, mask: 0xff } });
  await xf.policy.add({ selector, dir: 'out', priority: 3, ifId: 7 });
  await xf.policy.add({ selector, dir: 'out', priority: 4 });
  t.equal((await xf.policy.list()).length, 4, 'four policies with one selector');
  t.equal((await xf.policy.get({ selector, dir: 'out', mark: { value: 2, mask: 0xff } })).priority, 2, 'mark 2');
  t.equal((await xf.policy.get({ selector, dir: 'out', mark: { value: 1, mask: 0xff } })).priority, 1, 'mark 1');
  t.equal((await xf.policy.get({ selector, dir: 'out', ifId: 7 })).priority, 3, 'if_id 7');
  t.equal((await xf.policy.get({ selector, dir: 'out' })).priority, 4, 'neither');
  const e = await err(xf.policy.get({ selector, dir: 'out', mark: { value: 3, mask: 0xff } }));
  t.ok(e instanceof NetlinkError && e.code === 'ENOENT', 'an unknown mark: ENOENT');
  await xf.policy.del({ selector, dir: 'out', mark: { value: 1, mask: 0xff } });
  t.same((await xf.policy.list()).map((p) => p.priority).sort(), [2, 3, 4], 'del with mark 1 deleted only that one');
});

t.test('by index the kernel matches the type, mark and if_id too (ip xfrm policy get index I answers ENOENT alike): the error says so', privileged, async (t) => {
  const { ns, xf } = fixture(t);
  await xf.policy.add({ selector: { src: '10.0.0.0/8' }, dir: 'in', index: 256, mark: 7, ifId: 4 });
  await xf.policy.add({ selector: { src: '10.1.0.0/16' }, dir: 'in', index: 264, ptype: 'sub' });
  t.throws(() => ip(ns.path, ['xfrm', 'policy', 'get', 'index', '256', 'dir', 'in']), /No such file or directory/, 'ip does not find it by index alone');
  for (const index of [256, 264]) {
    const e = await err(xf.policy.get({ index, dir: 'in' }));
    t.equal((e as NetlinkError).code, 'ENOENT', `index ${index} alone: ENOENT`);
    t.match((e as NetlinkError).hint ?? '', /by index the kernel also matches the policy's type, mark and if_id/, `the hint says why: ${e.message}`);
    const listed = (await xf.policy.list({ index }))[0]!;
    t.equal((await xf.policy.get({ index, dir: 'in', mark: listed.mark, ifId: listed.ifId, ptype: listed.ptype as 'main' | 'sub' })).index, index, 'found with them');
  }
  const del = await err(xf.policy.del({ index: 256, dir: 'in', mark: 7 }));
  t.match(del.message, /by index the kernel also matches.*XFRM_MSG_DELPOLICY index 256 dir in/, `del too: ${del.message}`);
  const bySel = await err(xf.policy.get({ selector: { src: '10.9.0.0/16' }, dir: 'in' }));
  t.notMatch(bySel.message, /by index/, `by selector, the hint says nothing of an index: ${bySel.message}`);
});

t.test('the kernel\'s refusals, named: EEXIST on a duplicate add, ENOENT on get/del of a missing policy', privileged, async (t) => {
  const { ns, xf } = fixture(t);
  const spec: XfrmPolicySpec = { selector: { src: '10.0.0.0/24', dst: '10.1.0.0/24' }, dir: 'out' };
  await xf.policy.add(spec);
  const dup = await err(xf.policy.add({ ...spec, priority: 9 }));
  t.ok(dup instanceof NetlinkError, 'a NetlinkError');
  t.equal((dup as NetlinkError).code, 'EEXIST');
  t.match(dup.message, /EEXIST.*a policy with that selector.*XFRM_MSG_NEWPOLICY src 10\.0\.0\.0\/24 dst 10\.1\.0\.0\/24 dir out/, `message: ${dup.message}`);
  const gone = await err(xf.policy.get({ selector: { src: '10.9.9.0/24' }, dir: 'in' }));
  t.equal((gone as NetlinkError).code, 'ENOENT');
  t.match(gone.message, /no such policy.*XFRM_MSG_GETPOLICY src 10\.9\.9\.0\/24 dst 0\.0\.0\.0\/0 dir in/, `message: ${gone.message}`);
  // The subject names the selector as ip writes it: two policies differing only in a port, an ICMP type or a dev have different names.
  for (const [selector, text] of [
    [{ src: '10.2.0.0/16', proto: 'tcp', sport: 1024, dport: 443, dev: 'lo' }, 'src 10.2.0.0/16 dst 0.0.0.0/0 proto tcp sport 1024 dport 443 dev lo dir out'],
    [{ dst: '2001:db8::/32', proto: 'ipv6-icmp', type: 135, code: 0 }, 'src ::/0 dst 2001:db8::/32 proto ipv6-icmp type 135 code 0 dir out'],
    [{ src: '10.3.0.0/16', proto: 'gre', key: 0x12345678 }, 'src 10.3.0.0/16 dst 0.0.0.0/0 proto gre key 305419896 dir out'],
    [{ src: '10.4.0.0/16', proto: 99 }, 'src 10.4.0.0/16 dst 0.0.0.0/0 proto 99 dir out'],
  ] as const) {
    await xf.policy.add({ selector, dir: 'out' });
    const again = await err(xf.policy.add({ selector, dir: 'out' }));
    t.ok(again.message.endsWith(`(XFRM_MSG_NEWPOLICY ${text})`), `named as ip writes it: ${again.message}`);
  }
  const del = await err(xf.policy.del({ index: 12345, dir: 'fwd' }));
  t.equal((del as NetlinkError).code, 'ENOENT');
  t.match(del.message, /XFRM_MSG_DELPOLICY index 12345 dir fwd/, `message: ${del.message}`);
  // The kernel's EINVAL for an optional tunnel template in an out policy names no template:
  // nlkit refuses it before sending, naming the template (the kernel's text is ip's, below).
  const tmpl = await err(xf.policy.add({ dir: 'out', selector: { dst: '10.5.0.0/16' }, templates: [{ mode: 'tunnel', level: 'use', dst: '192.0.2.1', src: '192.0.2.2' }] }));
  t.equal((tmpl as InvalidArgumentError).argument, 'spec.templates[0].level', `refused before sending, naming the template: ${tmpl.message}`);
  t.throws(() => ip(ns.path, ['xfrm', 'policy', 'add', 'dst', '10.5.0.0/16', 'dir', 'out', 'tmpl', 'src', '192.0.2.2', 'dst', '192.0.2.1', 'proto', 'esp', 'mode', 'tunnel', 'level', 'use']),
    /Mode in optional template not allowed in outbound policy/, 'which the kernel refuses (ip gets its extended ACK text)');
});

t.test('the handle sends ip\'s bytes (the fixtures\' requests, read back from the socket\'s writer)', privileged, async (t) => {
  const { xf } = fixture(t);
  for (const name of ['policy-add-tunnel-mark-if-id', 'policy-add-ipv6-block-index', 'policy-add-icmp-dev-transport', 'policy-update-two-templates', 'policy-get-by-selector', 'policy-get-by-index', 'policy-delete-by-selector']) {
    const [kind, spec] = CASES[name]!;
    const s = spec as XfrmPolicySpec;
    const call = kind === 'newpolicy' ? xf.policy.add(s) : kind === 'updpolicy' ? xf.policy.update(s) : kind === 'getpolicy' ? xf.policy.get(s) : xf.policy.del(s);
    await call.catch(() => undefined); // get/del of what is not there: ENOENT, after the request was sent
    const w = xf.sock.writer;
    const sent = withoutSeq(w.buf.subarray(0, w.buf.readUInt32LE(0)));
    t.equal(sent, FIXTURES.cases[name]!.hex, `${name}: ${FIXTURES.cases[name]!.command}\n${diff(sent, FIXTURES.cases[name]!.hex)}`);
  }
});

t.test('bad input is refused before anything is sent, and nothing is created', privileged, async (t) => {
  const { ns, xf } = fixture(t);
  const bad: [string, unknown][] = [
    ['malformed CIDR', { selector: { src: '10.0.0.0/33' }, dir: 'out' }],
    ['not an address', { selector: { dst: '10.0.0.256/24' }, dir: 'out' }],
    ['leading-zero prefix', { selector: { src: '10.0.0.0/010' }, dir: 'out' }],
    ['IPv6 prefix too long', { selector: { src: '2001:db8::/129' }, dir: 'out' }],
    ['family mismatch in the selector', { selector: { src: '10.0.0.0/8', dst: '2001:db8::/32' }, dir: 'out' }],
    ['family mismatch in a template', { dir: 'out', templates: [{ src: '192.0.2.1', dst: '2001:db8::1', mode: 'tunnel' }] }],
    ['transport template of another family', { selector: { src: '10.0.0.0/8' }, dir: 'out', templates: [{ src: '2001:db8::1', dst: '2001:db8::2', mode: 'transport' }] }],
    ['unknown dir', { dir: 'sideways' }],
    ['missing dir', { selector: { src: '10.0.0.0/8' } }],
    ['unknown action', { dir: 'out', action: 'drop' }],
    ['unknown template proto', { dir: 'out', templates: [{ proto: 'gre' }] }],
    ['unknown mode', { dir: 'out', templates: [{ mode: 'tunnle' }] }],
    ['unknown level', { dir: 'out', templates: [{ level: 'optional' }] }],
    ['spi out of range', { dir: 'out', templates: [{ spi: 2 ** 32 }] }],
    ['negative spi', { dir: 'out', templates: [{ spi: -1 }] }],
    // A comp state's SPI is its 16-bit CPI (verify_newsa_info): a template asking for a larger one matches no state.
    ['a comp template CPI over 16 bits', { dir: 'out', templates: [{ proto: 'comp', spi: 0x10000 }] }],
    ['ports without a port protocol', { selector: { src: '10.0.0.0/8', dport: 80 }, dir: 'out' }],
    ['ports on icmp', { selector: { proto: 'icmp', sport: 1 }, dir: 'out' }],
    ['type on tcp', { selector: { proto: 'tcp', type: 8 }, dir: 'out' }],
    ['icmp on IPv6', { selector: { src: '2001:db8::/32', proto: 'icmp', type: 128 }, dir: 'out' }],
    // The kernel puts no code in an MH flow (xfrm_flowi_dport: 0): a code would make the selector miss every packet.
    ['code on mobility-header', { selector: { src: '2001:db8::/32', proto: 'mobility-header', type: 5, code: 1 }, dir: 'out' }],
    // An upper protocol of the other IP version never matches.
    ['icmp with IPv6 prefixes, without type', { selector: { src: '2001:db8::/32', proto: 'icmp' }, dir: 'out' }],
    ['ipv6-icmp with IPv4 prefixes', { selector: { dst: '10.0.0.0/8', proto: 'ipv6-icmp' }, dir: 'out' }],
    ['mobility-header with IPv4 prefixes', { selector: { dst: '10.0.0.0/8', proto: 'mobility-header' }, dir: 'out' }],
    ['port out of range', { selector: { proto: 'udp', dport: 65536 }, dir: 'out' }],
    ['unknown upper protocol', { selector: { proto: 'tcpp' }, dir: 'out' }],
    ['unknown flag', { dir: 'out', flags: ['fast'] }],
    ['unknown ptype', { dir: 'out', ptype: 'aux' }],
    ['unknown key', { dir: 'out', prio: 1 }],
    ['an index of another direction (its low 3 bits are the dir: 8 is in)', { dir: 'out', index: 8 }],
    ['an index of a socket policy\'s direction (4: out + 3)', { dir: 'in', index: 4 }],
    // The kernel keys a policy on the selector's raw bytes: 10.4.0.1/16 would be a second policy beside 10.4.0.0/16
    // matching the same packets, and get/del with 10.4.0.0/16 would not find it.
    ['a selector prefix with host bits', { selector: { dst: '10.4.0.1/16' }, dir: 'in' }],
    ['an IPv6 selector prefix with host bits', { selector: { src: '2001:db8::1/64' }, dir: 'in' }],
    ['seven templates', { dir: 'out', templates: Array.from({ length: 7 }, () => ({})) }],
    // validate_tmpl: "Mode in optional template not allowed in outbound policy" (EINVAL), naming no template.
    ['an optional tunnel template in an out policy', { dir: 'out', templates: [{ src: '192.0.2.1', dst: '192.0.2.2', mode: 'tunnel', level: 'use' }] }],
    ['an optional beet template in an out policy', { dir: 'out', templates: [{ proto: 'ah' }, { src: '192.0.2.1', dst: '192.0.2.2', mode: 'beet', level: 'use' }] }],
    ['bad mark', { dir: 'out', mark: { value: 1 } }],
    // The kernel keeps such a mark but can never match it again: del/get with the same mark answer ENOENT.
    ['a mark value with bits outside its mask', { dir: 'out', selector: { dst: '10.3.0.0/16' }, mark: { value: 0x11, mask: 0x1 } }],
    ['a mark value with a zero mask', { dir: 'out', mark: { value: 5, mask: 0 } }],
    ['bad lifetime', { dir: 'out', lifetime: { hardBytes: -1 } }],
    ['bad dev', { dir: 'out', selector: { dev: 'a b' } }],
    ['missing dev', { dir: 'out', selector: { dev: 'nosuch0' } }],
  ];
  const before = xf.sock.stats.requests;
  for (const [what, spec] of bad) {
    const e = await err(xf.policy.add(spec as XfrmPolicySpec));
    t.ok(e instanceof InvalidArgumentError, `${what}: InvalidArgumentError (${e.message})`);
  }
  t.equal(xf.sock.stats.requests, before, 'no request was sent on the xfrm socket');
  const opt = await err(xf.policy.update({ dir: 'out', templates: [{ proto: 'ah' }, { src: '192.0.2.1', dst: '192.0.2.2', mode: 'tunnel', level: 'use' }] }));
  t.equal((opt as InvalidArgumentError).argument, 'spec.templates[1].level', `the optional tunnel template is named: ${opt.message}`);
  t.match(opt.message, /out policy/, 'and what is wrong with it');
  t.equal(xf.sock.stats.requests, before, 'update sent nothing either');
  const k = await err(xf.policy.get({ dir: 'up' } as never));
  t.ok(k instanceof InvalidArgumentError, `a bad key: ${k.message}`);
  const km = await err(xf.policy.del({ dir: 'out', selector: { dst: '10.3.0.0/16' }, mark: { value: 0x11, mask: 0x1 } }));
  t.ok(km instanceof InvalidArgumentError, `a key's mark with value bits outside its mask: ${km.message}`);
  t.ok(await err(xf.policy.list({ mark: { value: 2, mask: 1 } })) instanceof InvalidArgumentError, 'a list filter\'s mark likewise (it could match nothing)');
  t.equal(ip(ns.path, ['xfrm', 'policy', 'list']).trim(), '', 'nothing was created');
});

t.test('count: the SPD\'s counters as ip -s -s xfrm policy count prints them', privileged, async (t) => {
  const { ns, xf } = fixture(t);
  for (const s of SPECS) await xf.policy.add(s);
  const c = await xf.policy.count();
  const text = ip(ns.path, ['-s', '-s', 'xfrm', 'policy', 'count']);
  const m = /SPD IN\s+(\d+) OUT (\d+) FWD (\d+) \(Sock: IN (\d+) OUT (\d+) FWD (\d+)\)/.exec(text)!;
  t.same([c.in, c.out, c.fwd, c.inSocket, c.outSocket, c.fwdSocket], m.slice(1).map(Number), `counts: ${m[0]}`);
  const b = /SPD buckets: count (\d+) Max (\d+)/.exec(text)!;
  t.same([c.hashCount, c.hashMax], b.slice(1).map(Number), b[0]);
  const h = /SPD IPv4 thresholds: local (\d+) remote (\d+)/.exec(text)!;
  t.same(c.hthresh4, { lbits: Number(h[1]), rbits: Number(h[2]) }, h[0]);
});

t.test('a closed handle refuses, and open() refuses unknown options', privileged, async (t) => {
  const ns = rawNetns();
  const xf = Xfrm.open({ netns: ns.fd });
  xf.close();
  xf.close();
  t.ok(xf.closed, 'closed, twice without error');
  t.ok(await err(xf.policy.list()) instanceof ClosedError, 'list: ClosedError');
  t.ok(await err(xf.state.flush()) instanceof ClosedError, 'state.flush: ClosedError');
  ns.close();
  t.throws(() => Xfrm.open({ netns: 3, recvBuf: 1 } as never), InvalidArgumentError, 'unknown option');
});
