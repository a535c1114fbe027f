// macvlan and macvtap options the kernel refuses with a bare EINVAL, refused or explained
// by nlkit instead:
// - the read-only attributes (macaddrCount, bcQueueLenUsed: the kernel reports them) were
//   accepted as options and sent (a bare EINVAL, or 'Attribute failed policy validation');
// - flags beyond nopromisc|nodst, and a macaddrMode of add/del (which needs an address
//   nlkit cannot send) or beyond 'set', were a bare EINVAL;
// - an MTU above the lower device's was a bare EINVAL: the error now names both MTUs.
import t from 'tap';
import { InvalidArgumentError, NetlinkError } from '../../src/netlink/errors.js';
import { freshHandle, ip, privileged } from '../helpers.js';

t.test('macvlan/macvtap: read-only attributes, bad flags and macaddrMode refused before sending', privileged, async (t) => {
  const { ns, rt } = freshHandle(t);
  ip(ns.path, ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
  for (const kind of ['macvlan', 'macvtap'] as const) {
    for (const [key, data, re] of [
      ['macaddrCount', { mode: 'source', macaddrCount: 2 }, /read-only/],
      ['bcQueueLenUsed', { mode: 'bridge', bcQueueLenUsed: 100 }, /read-only/],
      ['flags', { mode: 'bridge', flags: 4 }, /nopromisc \(1\) and nodst \(2\)/],
      ['macaddrMode', { mode: 'source', macaddrMode: 0 }, /needs an address/],
      ['macaddrMode', { mode: 'source', macaddrMode: 7 }, /0\.\.3/],
    ] as const) {
      const e = await rt.link.add({ kind, name: 'm0', link: 'v0', data } as never).catch((x: unknown) => x);
      t.ok(e instanceof InvalidArgumentError, `${kind} ${key} ${JSON.stringify(data)} refused before sending`);
      t.equal((e as InvalidArgumentError).argument, `data.${key}`);
      t.match((e as Error).message, re);
    }
  }
  t.notOk((await rt.link.list()).some((l) => l.name === 'm0'), 'nothing made');
  // What the kernel takes still goes through: flush, nopromisc, bcQueueLen.
  await rt.link.add({ kind: 'macvlan', name: 'm0', link: 'v0', data: { mode: 'source', macaddrMode: 2, flags: 1, bcQueueLen: 200 } });
  const d = (await rt.link.get('m0')).linkinfo?.data as Record<string, unknown> | undefined;
  t.same([d?.['mode'], d?.['flags'], d?.['bcQueueLen']], ['source', 1, 200]);
});

t.test('macvlan/macvtap: an MTU above the lower device\'s is explained', privileged, async (t) => {
  const { ns, rt } = freshHandle(t);
  ip(ns.path, ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
  for (const kind of ['macvlan', 'macvtap'] as const) {
    const e = await rt.link.add({ kind, name: 'm0', link: 'v0', mtu: 9000, data: { mode: 'bridge' } }).catch((x: unknown) => x);
    t.ok(e instanceof NetlinkError, `${kind}: refused by the kernel`);
    t.equal((e as NetlinkError).code, 'EINVAL');
    t.match((e as Error).message, new RegExp(`a ${kind}'s MTU is at most its lower device's: v0's is 1500, got 9000`));
  }
  t.notOk((await rt.link.list()).some((l) => l.name === 'm0'), 'nothing made');
});

t.test('macvlan: macaddrData is refused pointing at data.macaddr, not as a value the kernel never takes', privileged, async (t) => {
  // The kernel does take source addresses in a request: ip's `macaddr set ADDR…` sends
  // IFLA_MACVLAN_MACADDR_DATA with IFLA_MACVLAN_MACADDR_MODE set. The refusal said
  // "read-only: the kernel reports it, and takes no value for it", which is untrue.
  const { ns, rt } = freshHandle(t);
  ip(ns.path, ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
  ip(ns.path, ['link', 'add', 'mi', 'link', 'v0', 'type', 'macvlan', 'mode', 'source', 'macaddr', 'set', '02:00:00:00:00:0c']);
  const theirs = (await rt.link.get('mi')).linkinfo?.data as Record<string, unknown> | undefined;
  t.same(theirs?.['macaddrData'], ['02:00:00:00:00:0c'], 'the kernel took the address ip sent');
  const e = await rt.link.add({ kind: 'macvlan', name: 'm0', link: 'v0', data: { mode: 'source', macaddrMode: 3, macaddrData: ['02:00:00:00:00:0d'] } } as never).catch((x: unknown) => x);
  t.ok(e instanceof InvalidArgumentError, 'refused before sending');
  t.equal((e as InvalidArgumentError).argument, 'data.macaddrData');
  t.notMatch((e as Error).message, /takes no value/, 'does not claim the kernel takes none');
  t.match((e as Error).message, /sent by data\.macaddr: \{ set: \[MAC/, 'names the option that sends the list');
  t.match((e as Error).message, /macaddr set/, "names ip's equivalent");
  t.notOk((await rt.link.list()).some((l) => l.name === 'm0'), 'nothing made');
});

t.test('macvlan/macvtap: a macaddrMode without mode source is refused before sending', privileged, async (t) => {
  // macvlan_common_newlink takes IFLA_MACVLAN_MACADDR_MODE on a source-mode device only:
  // any other mode (vepa when none is given) was the kernel's bare EINVAL.
  const { ns, rt } = freshHandle(t);
  ip(ns.path, ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
  for (const kind of ['macvlan', 'macvtap'] as const) {
    for (const data of [{ mode: 'bridge', macaddrMode: 2 }, { macaddrMode: 3 }, { mode: 8, macaddrMode: 2 }]) {
      const e = await rt.link.add({ kind, name: 'm0', link: 'v0', data } as never).catch((x: unknown) => x);
      t.ok(e instanceof InvalidArgumentError, `${kind} ${JSON.stringify(data)}: refused before sending (${(e as Error).message})`);
      t.equal((e as InvalidArgumentError).argument, 'data.macaddrMode');
      t.match((e as Error).message, /mode 'source'/);
    }
  }
  t.notOk((await rt.link.list()).some((l) => l.name === 'm0'), 'nothing made');
  // By name or by number, source mode takes it.
  for (const mode of ['source', 16] as const) {
    await rt.link.add({ kind: 'macvlan', name: 'm0', link: 'v0', data: { mode, macaddrMode: 3 } });
    t.equal((await rt.link.get('m0')).linkinfo?.data?.['mode' as never], 'source', `mode ${mode}: made`);
    await rt.link.del('m0');
  }
});

t.test('macvlan/macvtap: a mode number that is no MACVLAN_MODE_* is refused before sending, naming data.mode', privileged, async (t) => {
  // macvlan_validate() takes 1, 2, 4, 8, 16 only: 3 (private|vepa) or 0 was a bare EINVAL.
  const { ns, rt } = freshHandle(t);
  ip(ns.path, ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
  ip(ns.path, ['link', 'add', 'm1', 'link', 'v0', 'type', 'macvlan', 'mode', 'vepa']);
  for (const mode of [0, 3, 32]) {
    const e = await rt.link.add({ kind: 'macvtap', name: 'm0', link: 'v0', data: { mode } }).catch((x: unknown) => x);
    t.ok(e instanceof InvalidArgumentError, `add mode ${mode} refused before sending`);
    t.equal((e as InvalidArgumentError).argument, 'data.mode');
    t.match((e as Error).message, /private \(1\), vepa \(2\), bridge \(4\), passthru \(8\), source \(16\)/);
    const s = await rt.link.set('m1', { kind: 'macvlan', data: { mode } }).catch((x: unknown) => x);
    t.ok(s instanceof InvalidArgumentError, `set mode ${mode} refused before sending`);
  }
  t.notOk((await rt.link.list()).some((l) => l.name === 'm0'), 'nothing made');
  // A mode by its number still goes through.
  await rt.link.add({ kind: 'macvlan', name: 'm0', link: 'v0', data: { mode: 4 } });
  await rt.link.set('m1', { kind: 'macvlan', data: { mode: 16 } });
  t.same([(await rt.link.get('m0')).linkinfo?.data?.['mode' as never], (await rt.link.get('m1')).linkinfo?.data?.['mode' as never]], ['bridge', 'source']);
});

t.test('macvlan/macvtap: passthru beside other macvlans on the lower device is explained', privileged, async (t) => {
  // macvlan_common_newlink(): a passthru macvlan must be the only macvlan/macvtap on its
  // lower device, and none is made beside one: both a bare EINVAL before, naming nothing.
  const { ns, rt } = freshHandle(t);
  ip(ns.path, ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
  ip(ns.path, ['link', 'add', 'm1', 'link', 'v0', 'type', 'macvlan', 'mode', 'bridge']);
  const e = await rt.link.add({ kind: 'macvlan', name: 'm0', link: 'v0', data: { mode: 'passthru' } }).catch((x: unknown) => x);
  t.ok(e instanceof NetlinkError && e.code === 'EINVAL');
  t.match((e as Error).message, /passthru.*the only one on its lower device.*v0 already has m1/);
  ip(ns.path, ['link', 'add', 'p0', 'link', 'v1', 'type', 'macvtap', 'mode', 'passthru']);
  for (const kind of ['macvlan', 'macvtap'] as const) {
    const x = await rt.link.add({ kind, name: 'm2', link: 'v1', data: { mode: 'vepa' } }).catch((y: unknown) => y);
    t.ok(x instanceof NetlinkError && x.code === 'EINVAL', `${kind} beside a passthru refused`);
    t.match((x as Error).message, /v1 has a passthru macvtap \(p0\).*the only one/);
  }
  t.notOk((await rt.link.list()).some((l) => l.name === 'm0' || l.name === 'm2'), 'nothing made');
});
