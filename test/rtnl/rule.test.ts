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
    ipProto: r.ipproto === undefined ? undefined : r.ipproto === 'tcp' ? 6 : r.ipproto === 'udp' ? 17 : num(r.ipproto),
    // ip prints a one-port range as a single port.
    sport: r.sport_start !== undefined ? { start: r.sport_start, end: r.sport_end } : r.sport !== undefined ? { start: r.sport, end: r.sport } : undefined,
    dport: r.dport_start !== undefined ? { start: r.dport_start, end: r.dport_end } : r.dport !== undefined ? { start: r.dport, end: r.dport } : undefined,
    uidRange: r.uid_start !== undefined ? { start: r.uid_start, end: r.uid_end } : undefined,
    suppressPrefixlen: r.suppress_prefixlen,
  };
}

function fromNlkit(r: Rule): Record<string, unknown> {
  return {
    priority: r.priority, from: r.from, to: r.to, not: r.not, fwmark: r.fwmark,
    // ip shows no mask when it is the full 0xffffffff the kernel fills in.
    fwmask: r.fwmask === 0xffffffff ? undefined : r.fwmask,
    iif: r.iif, oif: r.oif, table: r.table, action: r.action, goto: r.goto, protocol: r.protocol,
    ipProto: r.ipProto, sport: r.sport, dport: r.dport, uidRange: r.uidRange, suppressPrefixlen: r.suppressPrefixlen,
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
