// rt.rule with the selectors newer than this machine's 6.1 headers (FRA_DSCP, FRA_FLOWLABEL
// and its mask, FRA_SPORT_MASK / FRA_DPORT_MASK, FRA_DSCP_MASK): added, decoded back, deleted
// by the decoded rule, and bad combinations refused before sending. This machine's `ip`
// (6.1) neither sends nor prints them, so the kernel's own checks are the cross-check: a
// flow label written in the wrong byte order would be over 20 bits, which it refuses.
import t from 'tap';
import type { Rule } from '../../src/rtnl/index.js';
import { InvalidArgumentError, NetlinkError } from '../../src/netlink/errors.js';
import { freshHandle, privileged } from '../helpers.js';

const NEW_KEYS = ['sport', 'dport', 'sportMask', 'dportMask', 'dscp', 'dscpMask', 'flowlabel', 'flowlabelMask', 'tos', 'table', 'family'] as const;
const pick = (r: Rule | undefined): Record<string, unknown> => Object.fromEntries(NEW_KEYS.filter((k) => r?.[k] !== undefined).map((k) => [k, r![k]]));

t.test('port masks, DSCP and flow label: added, decoded as sent, deleted by the decoded rule', privileged, async (t) => {
  const { rt } = freshHandle(t);
  const probe = await rt.rule.add({ priority: 99, dscp: 1, table: 100 }).catch((e: unknown) => e);
  if (probe instanceof NetlinkError) {
    // A kernel without FRA_DSCP refuses the attribute it does not know.
    t.comment(`this kernel refuses FRA_DSCP: ${probe.message}`);
    t.plan(0, 'kernel without the newer FRA_* selectors');
    return;
  }
  await rt.rule.del({ priority: 99 });
  const cases: [number, Record<string, unknown>, Record<string, unknown>][] = [
    // A plain single port: the kernel reports the full mask it keeps for it.
    [100, { sport: 80 }, { family: 4, sport: { start: 80, end: 80 }, sportMask: 0xffff, tos: 0, table: 100 }],
    [101, { sport: 0x50, sportMask: 0xff0 }, { family: 4, sport: { start: 0x50, end: 0x50 }, sportMask: 0xff0, tos: 0, table: 100 }],
    [102, { dport: 0x1230, dportMask: 0xfff0 }, { family: 4, dport: { start: 0x1230, end: 0x1230 }, dportMask: 0xfff0, tos: 0, table: 100 }],
    // A port range carries no mask.
    [103, { dport: [1000, 2000] }, { family: 4, dport: { start: 1000, end: 2000 }, tos: 0, table: 100 }],
    [104, { dscp: 46 }, { family: 4, dscp: 46, dscpMask: 63, tos: 0, table: 100 }],
    [105, { dscp: 40, dscpMask: 0x38 }, { family: 4, dscp: 40, dscpMask: 0x38, tos: 0, table: 100 }],
    [106, { family: 6, flowlabel: 0x12345 }, { family: 6, flowlabel: 0x12345, flowlabelMask: 0xfffff, tos: 0, table: 100 }],
    [107, { family: 6, flowlabel: 0x12340, flowlabelMask: 0xffff0 }, { family: 6, flowlabel: 0x12340, flowlabelMask: 0xffff0, tos: 0, table: 100 }],
    [108, { family: 6, dscp: 10 }, { family: 6, dscp: 10, dscpMask: 63, tos: 0, table: 100 }],
  ];
  for (const [priority, spec] of cases) await rt.rule.add({ priority, table: 100, ...spec } as never);
  const listed = await rt.rule.list();
  for (const [priority, spec, want] of cases) {
    const r = listed.find((x) => x.priority === priority);
    t.same(pick(r), want, `${JSON.stringify(spec)} decoded`);
    t.equal(r?.unknown, undefined, `${JSON.stringify(spec)}: no attribute left undecoded`);
  }
  // The kernel checks value against mask and names the attribute.
  const bad = await rt.rule.add({ priority: 110, dport: 0x1234, dportMask: 0xfff0, table: 100 }).catch((e: unknown) => e) as NetlinkError;
  t.type(bad, NetlinkError);
  t.equal(bad.code, 'EINVAL');
  t.match(bad.message, /FRA_DPORT_MASK/, 'the refused attribute is named');
  const badLabel = await rt.rule.add({ family: 6, priority: 111, flowlabel: 0x12345, flowlabelMask: 0xffff0, table: 100 }).catch((e: unknown) => e) as NetlinkError;
  t.type(badLabel, NetlinkError);
  t.match(badLabel.message, /[Ff]low label/, "the kernel's reason is in the message");
  // Every rule deleted again by its decoded form (what list gave).
  for (const r of listed.filter((x) => x.priority >= 100 && x.priority < 110)) await rt.rule.del(r);
  t.same((await rt.rule.list()).filter((x) => x.priority >= 100 && x.priority < 120), [], 'all deleted');
});

t.test('the newer selectors: bad input refused before sending', async (t) => {
  const { rt } = freshHandle(t);
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [{ sportMask: 0xff }, 'sportMask', /needs a single sport/],
    [{ sport: [80, 90], sportMask: 0xff }, 'sportMask', /single sport, not the range 80-90/],
    [{ dport: 80, dportMask: 0x10000 }, 'dportMask', /65535|0xffff/],
    [{ dscpMask: 7 }, 'dscpMask', /needs a dscp/],
    [{ dscp: 64 }, 'dscp', /63/],
    [{ dscp: 1, tos: 4 }, 'dscp', /tos or a dscp, not both/],
    [{ flowlabel: 1 }, 'flowlabel', /IPv6 rules only/],
    [{ family: 6, flowlabel: 0x100000 }, 'flowlabel', /1048575|0xfffff/],
    [{ family: 6, flowlabelMask: 0xf }, 'flowlabelMask', /needs a flowlabel/],
  ];
  for (const [spec, arg, msg] of cases) {
    const e = await rt.rule.add({ priority: 200, table: 100, ...spec } as never).catch((x: unknown) => x) as InvalidArgumentError;
    t.type(e, InvalidArgumentError, JSON.stringify(spec));
    t.equal(e.argument, arg, `${JSON.stringify(spec)}: names ${arg}`);
    t.match(e.message, msg, JSON.stringify(spec));
  }
});
