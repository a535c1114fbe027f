// rt.rule: policy routing rules on a real kernel in fresh netns, cross-checked field by
// field with `ip -j rule`; add/del round trips; bad input refused before send.
import t from 'tap';
import { Rtnl } from '../../src/rtnl/index.js';
import type { Rule } from '../../src/rtnl/index.js';
import { InvalidArgumentError, NetlinkError } from '../../src/netlink/errors.js';
import { ip, ipJson, privileged, rawNetns, freshHandle } from '../helpers.js';

function setup(t: { teardown(fn: () => void): void }): { ns: ReturnType<typeof rawNetns>; rt: Rtnl } {
  const { ns, rt } = freshHandle(t);
  ip(ns.path, ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
  return { ns, rt };
}

const num = (v: unknown) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v);
const prefix = (a: unknown, len: unknown) => (a === undefined || a === 'all' ? undefined : len !== undefined ? `${a}/${len}` : a);

const IPPROTO: Record<string, number> = { icmp: 1, tcp: 6, udp: 17, gre: 47, 'ipv6-icmp': 58 };

/** A rule as `ip -j -d rule` prints it, in nlkit's terms. */
function fromIp(r: any): Record<string, unknown> {
  const fwmask = r.fwmask !== undefined ? parseInt(r.fwmask, 16) : undefined;
  return {
    priority: r.priority,
    from: prefix(r.src, r.srclen),
    to: prefix(r.dst, r.dstlen),
    not: 'not' in r,
    fwmark: r.fwmark !== undefined ? parseInt(r.fwmark, 16) : undefined,
    fwmask,
    iif: r.iif,
    oif: r.oif,
    table: r.table !== undefined ? num(r.table) : undefined,
    action: r.action ?? (r.goto !== undefined ? 'goto' : 'nop' in r ? 'nop' : 'lookup'),
    goto: r.goto,
    protocol: num(r.protocol),
    // ip names protocols as /etc/protocols does.
    ipProto: r.ipproto === undefined ? undefined : IPPROTO[r.ipproto] ?? num(r.ipproto),
    // ip prints a one-port range as a single port.
    sport: r.sport_start !== undefined ? { start: r.sport_start, end: r.sport_end } : r.sport !== undefined ? { start: r.sport, end: r.sport } : undefined,
    dport: r.dport_start !== undefined ? { start: r.dport_start, end: r.dport_end } : r.dport !== undefined ? { start: r.dport, end: r.dport } : undefined,
    uidRange: r.uid_start !== undefined ? { start: r.uid_start, end: r.uid_end } : undefined,
    suppressPrefixlen: r.suppress_prefixlen,
    tos: r.tos !== undefined ? Number(r.tos) : 0,
    // ip names group 0 'default' (/etc/iproute2/group).
    suppressIfgroup: r.suppress_ifgroup === 'default' ? 0 : num(r.suppress_ifgroup),
    l3mdev: 'l3mdev' in r ? 1 : undefined,
    // realms: "to" is the low 16 bits of FRA_FLOW, "from" the high ones.
    flow: r.flow_to !== undefined || r.flow_from !== undefined ? Number(r.flow_from ?? 0) * 0x10000 + Number(r.flow_to ?? 0) : undefined,
    tunId: r.tun_id !== undefined ? BigInt(r.tun_id) : undefined,
  };
}

function fromNlkit(r: Rule): Record<string, unknown> {
  return {
    priority: r.priority, from: r.from, to: r.to, not: r.not, fwmark: r.fwmark,
    // ip shows no mask when it is the full 0xffffffff the kernel fills in.
    fwmask: r.fwmask === 0xffffffff ? undefined : r.fwmask,
    iif: r.iif, oif: r.oif, table: r.table, action: r.action, goto: r.goto, protocol: r.protocol,
    ipProto: r.ipProto, sport: r.sport, dport: r.dport, uidRange: r.uidRange, suppressPrefixlen: r.suppressPrefixlen,
    tos: r.tos, suppressIfgroup: r.suppressIfgroup, l3mdev: r.l3mdev, flow: r.flow, tunId: r.tunId,
  };
}

t.test('list equals ip -j rule field by field after adds by nlkit and by ip', privileged, async (t) => {
  const { ns, rt } = setup(t);
  await rt.rule.add({ from: '10.1.0.0/24', table: 100, priority: 100 });
  await rt.rule.add({ fwmark: 0x10, fwmask: 0xff, table: 100, priority: 200 });
  await rt.rule.add({ iif: 'v0', oif: 'v1', action: 'blackhole', priority: 300 });
  await rt.rule.add({ to: '10.3.0.0/16', goto: 32766, priority: 400 });
  await rt.rule.add({ not: true, from: '1.2.3.4', table: 'main', priority: 500 });
  await rt.rule.add({ from: '10.4.0.0/16' }); // kernel-chosen priority, table main
  await rt.rule.add({ fwmark: 7, action: 'unreachable', priority: 600, protocol: 'static' });
  await rt.rule.add({ to: '10.5.0.0/16', table: 70000, priority: 700, ipProto: 6, dport: [80, 90], sport: 1234, uidRange: [1000, 2000] });
  await rt.rule.add({ table: 'main', suppressPrefixlen: 0, priority: 800 });
  await rt.rule.add({ from: '2001:db8::/32', table: 5000, priority: 100 });
  await rt.rule.add({ family: 6, action: 'prohibit', iif: 'v1', priority: 200 });
  ip(ns.path, ['rule', 'add', 'from', '10.6.0.0/16', 'to', '10.7.0.0/16', 'lookup', '200', 'pref', '900']);
  ip(ns.path, ['rule', 'add', 'fwmark', '0x20/0xf0', 'nop', 'pref', '1000']);
  ip(ns.path, ['rule', 'add', 'not', 'to', '10.8.0.0/16', 'prohibit', 'pref', '1100']);
  ip(ns.path, ['-6', 'rule', 'add', 'to', '2001:db8:1::/48', 'table', '6000', 'pref', '300']);
  const v4 = (await rt.rule.list({ family: 4 })).map(fromNlkit);
  t.same(v4, ipJson(ns.path, ['-d', 'rule']).map(fromIp), `${v4.length} IPv4 rules equal ip -j -d rule, in order`);
  const v6 = (await rt.rule.list({ family: 'inet6' })).map(fromNlkit);
  t.same(v6, ipJson(ns.path, ['-6', '-d', 'rule']).map(fromIp), `${v6.length} IPv6 rules equal ip -j -6 -d rule`);
  t.equal(v4.length, 3 + 12, 'three default rules and twelve added');
  t.equal((await rt.rule.list()).length, v4.length + v6.length, 'no family: both');
  const auto = (await rt.rule.list({ family: 4 })).find((r) => r.from === '10.4.0.0/16')!;
  t.equal(auto.priority, 99, 'the kernel chose the priority below the lowest user one');
  t.equal(auto.table, 'main', 'lookup main by default');
  t.same((await rt.rule.list({ table: 100 })).map((r) => r.priority), [100, 200], 'table filter');
  t.same((await rt.rule.list({ priority: 700 })).map((r) => r.table), [70000], 'a table id above 255 through FRA_TABLE');
  const ur = (await rt.rule.list({ priority: 700 }))[0]!;
  t.match(ur, { ipProto: 6, dport: { start: 80, end: 90 }, sport: { start: 1234, end: 1234 }, uidRange: { start: 1000, end: 2000 }, to: '10.5.0.0/16' });
});

t.test('less common rules equal ip -j -d rule: each by nlkit and by ip', privileged, async (t) => {
  const { ns, rt } = setup(t);
  // nlkit's at priority N, ip's twin at N + 1.
  const pairs: [Parameters<Rtnl['rule']['add']>[0], string][] = [
    [{ iif: 'v0', oif: 'v1', table: 100 }, 'iif v0 oif v1 table 100'],
    [{ uidRange: [100, 200], table: 100 }, 'uidrange 100-200 table 100'],
    [{ ipProto: 6, sport: [1000, 2000], dport: [80, 80], table: 100 }, 'ipproto tcp sport 1000-2000 dport 80 table 100'],
    [{ ipProto: 47, table: 100 }, 'ipproto 47 table 100'],
    [{ suppressPrefixlen: 8, table: 'main' }, 'suppress_prefixlength 8 table main'],
    [{ suppressIfgroup: 5, table: 'main' }, 'suppress_ifgroup 5 table main'],
    [{ suppressIfgroup: 0, table: 'main' }, 'suppress_ifgroup default table main'],
    [{ goto: 32766, from: '10.1.0.0/16' }, 'goto 32766 from 10.1.0.0/16'],
    [{ action: 'nop' }, 'nop'],
    [{ action: 'blackhole', to: '10.9.0.0/16' }, 'blackhole to 10.9.0.0/16'],
    [{ tos: 0x10, table: 100 }, 'tos 0x10 table 100'],
    [{ not: true, fwmark: 5, table: 7 }, 'not fwmark 0x5 table 7'],
    [{ protocol: 'static', table: 100 }, 'protocol static table 100'],
    [{ fwmark: 0x10, fwmask: 0xff, flow: 5, table: 100 }, 'fwmark 0x10/0xff realms 5 table 100'],
    [{ flow: (3 << 16) | 4, table: 100 }, 'realms 3/4 table 100'],
    [{ tunId: 42n, table: 100 }, 'tun_id 42 table 100'],
    [{ from: '10.3.0.0/16', table: 4000000000 }, 'from 10.3.0.0/16 table 4000000000'],
    [{ l3mdev: true }, 'l3mdev'],
    [{ family: 6, ipProto: 58, table: 100 }, 'ipproto ipv6-icmp table 100'],
    [{ from: '2001:db8::/32', iif: 'v0', uidRange: 0, suppressPrefixlen: 0 }, 'from 2001:db8::/32 iif v0 uidrange 0-0 suppress_prefixlength 0'],
    [{ not: true, to: '2001:db8:9::/48', action: 'prohibit' }, 'not to 2001:db8:9::/48 prohibit'],
  ];
  let pref = 100;
  for (const [spec, theirs] of pairs) {
    const family = spec.family === 6 || spec.from?.includes(':') || spec.to?.includes(':') ? '-6' : '-4';
    try {
      await rt.rule.add({ ...spec, priority: pref });
    } catch (e) {
      // l3mdev rules need CONFIG_NET_L3_MASTER_DEV: skipped by the kernel's answer.
      if (e instanceof NetlinkError && e.code === 'EOPNOTSUPP' && spec.l3mdev) {
        t.comment(`skipped: l3mdev rules (${e.message})`);
        continue;
      }
      throw e;
    }
    ip(ns.path, [family, 'rule', 'add', ...theirs.split(' '), 'pref', String(pref + 1)]);
    pref += 10;
  }
  const v4 = (await rt.rule.list({ family: 4 })).map(fromNlkit);
  t.same(v4, ipJson(ns.path, ['-d', 'rule']).map(fromIp), `${v4.length} IPv4 rules equal ip -j -d rule, in order`);
  const v6 = (await rt.rule.list({ family: 6 })).map(fromNlkit);
  t.same(v6, ipJson(ns.path, ['-6', '-d', 'rule']).map(fromIp), `${v6.length} IPv6 rules equal ip -j -6 -d rule`);
  // Twins differ in their priority only.
  const all = await rt.rule.list();
  for (let i = 0; i < all.length - 1; i++) {
    const a = all[i]!;
    const b = all[i + 1]!;
    if (a.priority < 100 || a.priority % 10 !== 0 || b.priority !== a.priority + 1) continue;
    t.same({ ...a, priority: 0, unknown: undefined }, { ...b, priority: 0, unknown: undefined }, `priority ${a.priority} by nlkit as ${b.priority} by ip`);
  }
  // Every rule copied into another netns by its decoded form (as a decoded Route can be):
  // the copies decode the same.
  const copy = setup(t).rt; // with v0 and v1, as iif and oif name them
  const made = all.filter((r) => r.priority >= 100 && r.priority < 32766); // not the default rules a new netns has
  for (const r of made) await copy.rule.add(r);
  t.same((await copy.rule.list()).filter((r) => r.priority >= 100 && r.priority < 32766), made, `${made.length} rules, made again from their decoded form, decode the same`);
});

t.test('del of a decoded rule matches its realms and tun_id too: the rule passed is the one deleted; realms, tun_id and l3mdev can be added', privileged, async (t) => {
  const { ns, rt } = setup(t);
  // Same priority and table: the kernel deletes the first rule matching every field
  // sent, so a delete that leaves out what tells them apart removes the first.
  for (const c of ['realms 3', 'realms 4', 'tun_id 7', 'tun_id 8']) ip(ns.path, ['rule', 'add', 'pref', '100', 'table', '5', ...c.split(' ')]);
  const before = (await rt.rule.list({ priority: 100 }));
  t.same(before.map((r) => [r.flow, r.tunId]), [[3, undefined], [4, undefined], [undefined, 7n], [undefined, 8n]]);
  await rt.rule.del(before[1]!);
  await rt.rule.del(before[3]!);
  t.same((await rt.rule.list({ priority: 100 })).map((r) => [r.flow, r.tunId]), [[3, undefined], [undefined, 7n]], 'realms 4 and tun_id 8 deleted, realms 3 and tun_id 7 kept');
  await rt.rule.add({ priority: 200, tunId: 2n ** 64n - 1n, table: 6 });
  t.equal((await rt.rule.list({ priority: 200 }))[0]?.tunId, 2n ** 64n - 1n, 'the largest tun_id, big-endian on the wire');
  t.equal(ipJson(ns.path, ['rule', 'show', 'pref', '200'])[0].tun_id, 2 ** 64 - 1, 'ip reads it so too');
  for (const [spec, re] of [
    [{ l3mdev: true, table: 5 }, /give no table/],
    [{ l3mdev: true, action: 'blackhole' }, /is a lookup/],
    [{ tunId: -1 }, /0\.\.2\^64-1/],
    [{ tunId: 2n ** 64n }, /0\.\.2\^64-1/],
    [{ flow: 2 ** 32 }, /flow/],
    [{ l3mdev: 'yes' }, /l3mdev/],
  ] as const) {
    const e = await rt.rule.add({ priority: 300, ...spec } as never).catch((x: unknown) => x);
    t.ok(e instanceof InvalidArgumentError && re.test(e.message), `${JSON.stringify(spec, (_k, v) => typeof v === 'bigint' ? String(v) : v)}: ${(e as Error).message}`);
  }
});

t.test('add/del round trips: EEXIST for a duplicate, delete by fields or by the decoded rule', privileged, async (t) => {
  const { ns, rt } = setup(t);
  const base = (await rt.rule.list()).length;
  await rt.rule.add({ from: '10.1.0.0/24', table: 100, priority: 100 });
  const dup = await rt.rule.add({ from: '10.1.0.0/24', table: 100, priority: 100 }).catch((e: unknown) => e) as NetlinkError;
  t.equal(dup.code, 'EEXIST', 'add is NLM_F_EXCL');
  await rt.rule.add({ from: '10.2.0.0/24', table: 101, priority: 101 });
  await rt.rule.add({ fwmark: 5, table: 102, priority: 102 });
  await rt.rule.del({ priority: 100 });
  t.same((await rt.rule.list({ family: 4 })).map((r) => r.priority).filter((p) => p >= 100 && p < 200), [101, 102]);
  for (const r of await rt.rule.list({ table: 101 })) await rt.rule.del(r);
  await rt.rule.del({ fwmark: 5, table: 102 });
  t.equal((await rt.rule.list()).length, base, 'back to the defaults');
  t.equal(ipJson(ns.path, ['rule']).length, 3, 'ip agrees');
  const gone = await rt.rule.del({ priority: 100 }).catch((e: unknown) => e) as NetlinkError;
  t.ok(gone instanceof NetlinkError);
  t.equal(gone.code, 'ENOENT');
  // IPv6, and a rule whose iif does not exist yet.
  await rt.rule.add({ family: 6, iif: 'later0', table: 7, priority: 10 });
  const [r6] = await rt.rule.list({ family: 6, priority: 10 });
  t.match(r6, { family: 6, iif: 'later0', table: 7 });
  t.ok(r6!.flags.includes('iif_detached'), 'detached: no such interface yet');
  await rt.rule.del(r6!);
  t.same(await rt.rule.list({ family: 6, priority: 10 }), []);
});

t.test('a rule whose selector has host bits (ip rule add from 10.0.0.1/24 keeps them) can be deleted by its decoded form or by the same spec', privileged, async (t) => {
  const { ns, rt } = setup(t);
  // The kernel stores a rule's selector as given and matches a delete's against it
  // exactly (fib4_rule_compare / fib6_rule_compare): 10.0.0.0/24 does not delete it.
  ip(ns.path, ['rule', 'add', 'pref', '115', 'from', '10.0.0.1/24', 'to', '10.9.0.5/16', 'table', '100']);
  ip(ns.path, ['-6', 'rule', 'add', 'pref', '116', 'from', '2001:db8::1/64', 'table', '100']);
  ip(ns.path, ['rule', 'add', 'pref', '117', 'from', '10.0.0.1/24', 'table', '100']);
  const [r4] = await rt.rule.list({ priority: 115 });
  const [r6] = await rt.rule.list({ priority: 116 });
  t.match(r4, { from: '10.0.0.1/24', to: '10.9.0.5/16' }, 'decoded as the kernel keeps it');
  await rt.rule.del(r4!);
  await rt.rule.del(r6!);
  await rt.rule.del({ from: '10.0.0.1/24', table: 100 });
  t.same(ipJson(ns.path, ['rule', 'show', 'table', '100']), [], 'all three deleted (ip agrees)');
  t.same(ipJson(ns.path, ['-6', 'rule', 'show', 'table', '100']), []);
});

t.test('bad input is refused before send and changes nothing', privileged, async (t) => {
  const { ns, rt } = setup(t);
  const snapshot = () => JSON.stringify([ipJson(ns.path, ['rule']), ipJson(ns.path, ['-6', 'rule'])]);
  const before = snapshot();
  const sent = rt.sock.stats.requests;
  const add = (s: unknown) => () => rt.rule.add(s as never);
  const cases: [string, () => Promise<unknown>, RegExp][] = [
    ['malformed from', add({ from: '10.1.0/24', table: 100 }), /not an IPv4 or IPv6 address/],
    ['prefix > 32', add({ from: '10.1.0.0/33', table: 100 }), /exceeds 32/],
    ['prefix > 128', add({ to: '2001:db8::/200', table: 100 }), /exceeds 128/],
    ['host bits', add({ from: '10.1.0.1/24', table: 100 }), /did you mean 10\.1\.0\.0\/24/],
    ['from/to families differ', add({ from: '10.1.0.0/24', to: '2001:db8::/32', table: 100 }), /is IPv6 but the rule is IPv4/],
    ['family ≠ from', add({ family: 6, from: '10.1.0.0/24', table: 100 }), /is IPv4 but the rule is IPv6/],
    ['unknown table name', add({ from: '10.1.0.0/24', table: 'vpn' }), /unknown table 'vpn'/],
    ['table 0', add({ from: '10.1.0.0/24', table: 0 }), /1\.\.4294967295/],
    ['unknown action', add({ action: 'drop', priority: 5 }), /unknown action 'drop'/],
    ['goto without target', add({ action: 'goto', priority: 5 }), /needs the priority to jump to/],
    ['table on a blackhole', add({ action: 'blackhole', table: 100 }), /looks up no table/],
    ['goto with another action', add({ goto: 100, action: 'nop' }), /needs action 'goto'/],
    ['fwmask alone', add({ fwmask: 0xff, table: 100 }), /needs a fwmark/],
    ['fwmark negative', add({ fwmark: -1, table: 100 }), /fwmark/],
    ['bad iif', add({ iif: 'a/b', table: 100 }), /contains "\/"/],
    ['iif too long', add({ iif: 'x'.repeat(16), table: 100 }), /limit is 15/],
    ['port range reversed', add({ dport: [90, 80], table: 100 }), /start 90 is after end 80/],
    ['port too big', add({ sport: 70000, table: 100 }), /0\.\.65535/],
    ['priority negative', add({ priority: -1, table: 100 }), /priority/],
    ['unknown key', add({ src: '10.1.0.0/24', table: 100 }), /unknown option 'src'/],
    ['list: unknown family', () => rt.rule.list({ family: 'ipx' as never }), /expected 4, 6/],
    // The kernel parses a delete as an add (fib_nl2rule): "Missing goto target for action goto".
    ['del: goto without target', () => rt.rule.del({ action: 'goto', priority: 5 }), /needs the priority to jump to/],
  ];
  for (const [name, fn, re] of cases) {
    const e = await fn().then(() => undefined, (x: unknown) => x);
    t.ok(e instanceof InvalidArgumentError, `${name}: InvalidArgumentError`);
    t.match(String((e as Error)?.message), re, `${name}: ${(e as Error)?.message}`);
  }
  t.equal(rt.sock.stats.requests, sent, 'nothing was sent');
  t.equal(snapshot(), before, 'nothing changed');
});

t.test('as documented: the same rule added twice without a priority makes two, with one the second is EEXIST', privileged, async (t) => {
  const { ns, rt } = setup(t);
  await rt.rule.add({ from: '10.40.0.0/16', table: 100 });
  await rt.rule.add({ from: '10.40.0.0/16', table: 100 });
  t.equal((await rt.rule.list({ table: 100 })).length, 2, 'two rules, at priorities the kernel chose');
  t.equal(ipJson(ns.path, ['rule', 'show', 'table', '100']).length, 2, 'ip agrees');
  await rt.rule.add({ priority: 500, from: '10.41.0.0/16', table: 101 });
  await t.rejects(rt.rule.add({ priority: 500, from: '10.41.0.0/16', table: 101 }), { code: 'EEXIST' });
});

t.test('flush keeps only the default rules themselves: a rule of its own at a default priority and table, with another selector, is flushed', privileged, async (t) => {
  const { ns, rt } = setup(t);
  for (const c of ['rule add uidrange 1000-2000 table main pref 32766', 'rule add ipproto udp dport 53 table default pref 32767', 'rule add suppress_prefixlength 0 table local pref 0',
    'rule add l3mdev pref 0', 'rule add sport 1000-2000 table main pref 32766', '-6 rule add fwmark 0x3/0xff table main pref 32766']) ip(ns.path, c.split(' '));
  t.equal(await rt.rule.flush(), 6, 'the six rules added, none of them a default rule');
  const left = (f: string) => ipJson(ns.path, [f, 'rule']).map((r: any) => `${r.priority} ${r.src} ${r.table}${Object.keys(r).filter((k) => !['priority', 'src', 'table', 'protocol'].includes(k)).map((k) => ` ${k}`).join('')}`);
  t.same(left('-4'), ['0 all local', '32766 all main', '32767 all default'], 'IPv4: the default rules only');
  t.same(left('-6'), ['0 all local', '32766 all main'], 'IPv6: the default rules only');
});

t.test("a rule's errors name its family: a delete of the IPv6 rule at a priority only the IPv4 table has", privileged, async (t) => {
  const { rt } = setup(t);
  await rt.rule.add({ priority: 303, action: 'blackhole', from: '10.3.0.0/16' });
  const e = await rt.rule.del({ family: 6, priority: 303 }).catch((x: unknown) => x);
  t.ok(e instanceof NetlinkError && e.code === 'ENOENT', 'ENOENT');
  t.match((e as Error).message, /pref 303 \(IPv6\)/, 'naming the family it looked in');
  const dup = await rt.rule.add({ priority: 303, action: 'blackhole', from: '10.3.0.0/16' }).catch((x: unknown) => x);
  t.match((dup as Error).message, /pref 303 from 10\.3\.0\.0\/16 \(IPv4\)/, 'and an IPv4 one its own');
});
