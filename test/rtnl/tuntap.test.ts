// tun/tap devices made by rt.link.add({ kind: 'tap' | 'tun' }): the kernel makes them
// only through /dev/net/tun (its rtnetlink create answers EOPNOTSUPP "tun/tap creation
// via rtnetlink is not supported"), so nlkit does what `ip tuntap add` does — open the
// file in the device's netns, TUNSETIFF, TUNSETOWNER/TUNSETGROUP, TUNSETPERSIST — and
// applies the rest of the spec with one RTM_NEWLINK before persisting. Each device is
// compared with the same one made by `ip tuntap add`, in a fresh netns.
import t from 'tap';
import { Rtnl, NetlinkError, InvalidArgumentError, ClosedError, SysError, Netns, execNetns, type Link, type LinkSpec, type TunOptions } from '../../src/index.js';
import { threadNetnsInode } from '../../src/netlink/netns-switch.js';
import { fdCount, freshHandle, inNs, ip, ipJson, privileged, rawNetns } from '../helpers.js';

type IpLink = Record<string, any>;

const rejection = (p: Promise<unknown>): Promise<any> => p.then(() => undefined, (e: unknown) => e);
const names = (nsPath: string): string[] => ipJson<IpLink[]>(nsPath, ['link', 'show']).map((l) => l.ifname as string).sort();
const ipLink = (nsPath: string, name: string): IpLink => ipJson<IpLink[]>(nsPath, ['-d', 'link', 'show', 'dev', name])[0]!;

/**
 * `ip -j tuntap show` in the netns: it reads each device's flags from
 * /sys/class/net/NAME/tun_flags, so sysfs is mounted afresh for that netns, in a mount
 * namespace of its own (unshare -m: private, gone with the command).
 */
function tuntapShow(nsPath: string): IpLink[] {
  const out = inNs(nsPath, 'unshare', ['-m', 'sh', '-c', 'mount -t sysfs sysfs /sys && exec ip -j tuntap show']);
  return out.trim() ? (JSON.parse(out) as IpLink[]) : [];
}

/** `ip -j -d link show` of a device without what differs between two devices made alike: index, name, random MAC. */
function comparable(l: IpLink): IpLink {
  const { ifindex: _i, ifname: _n, address: _a, ...rest } = l;
  return rest;
}

/** The options of `ip tuntap add` (after `mode M`) and the same as TunOptions. */
const CASES: { mode: 'tap' | 'tun'; args: string[]; data: TunOptions }[] = [
  { mode: 'tap', args: [], data: {} },
  { mode: 'tap', args: ['user', '1000', 'group', '100', 'multi_queue', 'vnet_hdr'], data: { owner: 1000, group: 100, multiQueue: true, vnetHdr: true } },
  { mode: 'tap', args: ['pi', 'user', '0'], data: { pi: true, owner: 0 } },
  { mode: 'tun', args: [], data: {} },
  { mode: 'tun', args: ['pi', 'group', '4294967294', 'multi_queue'], data: { pi: true, group: 4294967294, multiQueue: true } },
  { mode: 'tun', args: ['vnet_hdr', 'user', '65534'], data: { vnetHdr: true, owner: 65534 } },
];

t.test('tap and tun made by nlkit equal the same made by ip tuntap add: ip -j -d link show and ip -j tuntap show, field by field', privileged, async (t) => {
  const { ns, rt } = freshHandle(t);
  CASES.forEach(({ mode, args }, i) => ip(ns.path, ['tuntap', 'add', 'dev', `i${i}`, 'mode', mode, ...args]));
  for (const [i, { mode, data }] of CASES.entries()) await rt.link.add({ name: `n${i}`, kind: mode, data });
  const shown = new Map(tuntapShow(ns.path).map((d) => [d.ifname as string, d]));
  for (const [i, { mode, args }] of CASES.entries()) {
    const what = `${mode} ${args.join(' ') || '(no options)'}`;
    const ours = ipLink(ns.path, `n${i}`);
    const theirs = ipLink(ns.path, `i${i}`);
    t.strictSame(comparable(ours), comparable(theirs), `${what}: ip -j -d link show`);
    t.equal(ours.address === undefined, mode === 'tun', `${what}: a hardware address only on a tap`);
    const { ifname: _a, ...tOurs } = shown.get(`n${i}`)!;
    const { ifname: _b, ...tTheirs } = shown.get(`i${i}`)!;
    t.strictSame(tOurs, tTheirs, `${what}: ip -j tuntap show (${JSON.stringify(tOurs)})`);
  }
});

t.test('the options round trip: decoded as given, type tap or tun, persistent', privileged, async (t) => {
  const { ns, rt } = freshHandle(t);
  for (const [i, { mode, data }] of CASES.entries()) {
    await rt.link.add({ name: `n${i}`, kind: mode, data });
    const l = await rt.link.get(`n${i}`);
    t.equal(l.kind, 'tun', 'a tap is a tun device');
    const d = l.linkinfo?.data as Record<string, unknown>;
    t.strictSame({ type: d['type'], persist: d['persist'], pi: d['pi'], vnetHdr: d['vnetHdr'], multiQueue: d['multiQueue'], owner: d['owner'], group: d['group'] },
      { type: mode, persist: true, pi: data.pi ?? false, vnetHdr: data.vnetHdr ?? false, multiQueue: data.multiQueue ?? false, owner: data.owner, group: data.group },
      `${mode} ${JSON.stringify(data)}`);
    // The kernel counts queues for a multi-queue device only: none attached once add returns.
    t.equal(d['numQueues'], data.multiQueue ? 0 : undefined, 'no file is attached once add returns');
    const info = ipLink(ns.path, `n${i}`).linkinfo.info_data;
    t.equal(info.type, mode, 'ip agrees on the type');
  }
});

t.test('made in the handle\'s netns, not the caller\'s: the caller\'s links and netns are unchanged', privileged, async (t) => {
  const { ns, rt } = freshHandle(t);
  const self = threadNetnsInode();
  const here = Rtnl.open();
  t.teardown(() => here.close());
  const before = (await here.link.list()).map((l) => l.name).sort();
  await rt.link.add({ name: 'tap0', kind: 'tap' });
  await rt.link.add({ name: 'tun0', kind: 'tun' });
  t.same(names(ns.path), ['lo', 'tap0', 'tun0'], 'both in the handle\'s netns');
  t.same((await here.link.list()).map((l) => l.name).sort(), before, 'the caller\'s netns has the links it had');
  t.equal(threadNetnsInode(), self, 'the thread is back in its netns');

  // Called while the thread is in a third netns (the synchronous start of an execNetns
  // callback): the device still goes to the handle's netns, read from its socket.
  const host = Netns.get();
  const other = Netns.new();
  t.teardown(() => {
    host.close();
    other.close();
  });
  await execNetns(host, other, async () => {
    await rt.link.add({ name: 'tap1', kind: 'tap' });
  });
  t.same(names(ns.path), ['lo', 'tap0', 'tap1', 'tun0'], 'made in the handle\'s netns from inside execNetns');
  t.same(names(other.path), ['lo'], 'not in the netns the thread was in');
  t.equal(threadNetnsInode(), self);
});

t.test('netns: made directly in another netns, master looked up and settings applied there', privileged, async (t) => {
  const { ns, rt } = freshHandle(t);
  const b = rawNetns();
  t.teardown(() => b.close());
  ip(b.path, ['link', 'add', 'br0', 'type', 'bridge']);
  const l = await rt.link.add({ name: 'tap0', kind: 'tap', netns: b.fd, mtu: 1400, master: 'br0', up: true, data: { vnetHdr: true } }, { echo: true });
  t.same(names(ns.path), ['lo'], 'nothing in the handle\'s netns');
  const theirs = ipLink(b.path, 'tap0');
  t.same([theirs.mtu, theirs.master, theirs.flags.includes('UP'), theirs.linkinfo.info_data.vnet_hdr, theirs.linkinfo.info_data.persist], [1400, 'br0', true, true, true]);
  t.same([l.name, l.index, l.mtu, l.up], ['tap0', theirs.ifindex, 1400, true], 'echo reads it back in its netns');
  // A master that is only in the handle's netns is not the one a device elsewhere can join.
  ip(ns.path, ['link', 'add', 'br9', 'type', 'bridge']);
  const e = await rejection(rt.link.add({ name: 'tap1', kind: 'tap', netns: b.fd, master: 'br9' }));
  t.ok(e instanceof NetlinkError && e.code === 'ENODEV', String(e));
  t.match(e.message, /master 'br9' does not exist in netns fd \d+/);
  t.same(names(b.path), ['br0', 'lo', 'tap0'], 'nothing was made');
  // A tap can move afterwards too: the kernel lets a tun change netns.
  await rt.link.add({ name: 'tap2', kind: 'tap' });
  await rt.link.set('tap2', { netns: b.fd });
  t.same(names(b.path), ['br0', 'lo', 'tap0', 'tap2'], 'moved with rt.link.set');
});

t.test('mtu, address, txqlen, group, alias, master and up are applied by one RTM_NEWLINK; echo returns the link', privileged, async (t) => {
  const { ns, rt } = freshHandle(t);
  ip(ns.path, ['link', 'add', 'br0', 'type', 'bridge']);
  const l = await rt.link.add({ name: 'tap0', kind: 'tap', mtu: 9000, address: '02:00:00:00:aa:01', txqlen: 123, group: 7, alias: 'vm0 nic', master: 'br0', up: true, data: { multiQueue: true } }, { echo: true });
  const theirs = ipLink(ns.path, 'tap0');
  t.same([theirs.mtu, theirs.address, theirs.txqlen, theirs.group, theirs.ifalias, theirs.master, theirs.flags.includes('UP')], [9000, '02:00:00:00:aa:01', 123, '7', 'vm0 nic', 'br0', true]);
  t.same(theirs.linkinfo.info_data.persist, true);
  t.same(theirs.linkinfo.info_slave_kind, 'bridge');
  t.same([l.index, l.mtu, l.address, l.txqlen, l.group, l.alias, l.up], [theirs.ifindex, 9000, '02:00:00:00:aa:01', 123, 7, 'vm0 nic', true]);
  t.equal(l.master, ipLink(ns.path, 'br0').ifindex);
  // The same made with ip: ip tuntap add, then ip link set.
  ip(ns.path, ['tuntap', 'add', 'dev', 'tap1', 'mode', 'tap', 'multi_queue']);
  ip(ns.path, ['link', 'set', 'dev', 'tap1', 'mtu', '9000', 'address', '02:00:00:00:aa:02', 'txqueuelen', '123', 'group', '7', 'alias', 'vm0 nic', 'master', 'br0', 'up']);
  const a = comparable(ipLink(ns.path, 'tap0'));
  const b = comparable(ipLink(ns.path, 'tap1'));
  for (const x of [a, b]) delete x.linkinfo.info_slave_data; // port ids and timers differ
  t.strictSame(a, b, 'equal to ip tuntap add + ip link set, field by field');
  const tun = await rt.link.add({ name: 'tun0', kind: 'tun', mtu: 1280, up: true }, { echo: true });
  t.same([tun.mtu, tun.up, tun.address], [1280, true, undefined], 'a tun');
});

t.test('without a name the kernel picks one (tapN / tunN), as ip tuntap add does', privileged, async (t) => {
  const { ns, rt } = freshHandle(t);
  const l = await rt.link.add({ kind: 'tap', mtu: 1400 }, { echo: true });
  t.equal(l.name, 'tap0');
  t.equal(l.mtu, 1400, 'the settings went to the device the kernel named');
  await rt.link.add({ kind: 'tun' });
  t.same(names(ns.path), ['lo', 'tap0', 'tun0']);
});

t.test('a refused setting removes the device again: nothing left, no fd left open, the error says which step', privileged, async (t) => {
  const { ns, rt } = freshHandle(t);
  ip(ns.path, ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
  const before = names(ns.path);
  await rt.link.add({ name: 'warm', kind: 'tap' }); // the handle's lazily made state, before counting fds
  await rt.link.del('warm');
  const fds = fdCount();
  const cases: [string, LinkSpec, string, RegExp][] = [
    ['an MTU above the tap maximum', { name: 't0', kind: 'tap', mtu: 70000 }, 'EINVAL', /mtu greater than device maximum/],
    ['a master that cannot take ports', { name: 't1', kind: 'tap', master: 'v0' }, 'EOPNOTSUPP', /cannot take ports/],
    ['a multicast MAC', { name: 't2', kind: 'tap', address: '01:00:5e:00:00:01', up: true }, 'EADDRNOTAVAIL', /t2 address 01:00:5e:00:00:01/],
    ['a tun with settings and a master that cannot take ports', { name: 't3', kind: 'tun', mtu: 1400, txqlen: 5, master: 'v0' }, 'EOPNOTSUPP', /cannot take ports/],
  ];
  for (const [what, spec, code, re] of cases) {
    const e = await rejection(rt.link.add(spec));
    t.ok(e instanceof NetlinkError, `${what}: ${String(e)}`);
    t.equal(e.code, code, what);
    t.match(e.message, re, what);
    t.match(e.message, new RegExp(`${spec.kind} '${spec.name}' was made \\(in netns fd \\d+\\) but these settings were refused, so it was removed again`), `${what}: says which step`);
    t.same(names(ns.path), before, `${what}: no device left`);
    t.equal(fdCount(), fds, `${what}: no fd left open`);
  }
  const { ns: ns2, rt: rt2 } = freshHandle(t);
  const e = await rejection(rt2.link.add({ name: 't4', kind: 'tap', master: 'nosuch' }));
  t.ok(e instanceof NetlinkError && e.code === 'ENODEV', 'a missing master is found before anything is made');
  t.match(e.message, /master 'nosuch' does not exist/);
  const e2 = await rejection(rt2.link.add({ name: 't4', kind: 'tap', master: 99999 }));
  t.ok(e2 instanceof NetlinkError && e2.code === 'ENODEV', 'so is one given by a missing ifindex');
  t.match(e2.message, /master ifindex 99999 does not exist/);
  t.same(names(ns2.path), ['lo'], 'nothing was made');
});

t.test('EEXIST naming the link and the netns, for a tap, a tun and a link of another kind; the existing one is not attached to', privileged, async (t) => {
  const { ns, rt } = freshHandle(t);
  ip(ns.path, ['tuntap', 'add', 'dev', 'tap0', 'mode', 'tap']);
  ip(ns.path, ['tuntap', 'add', 'dev', 'tun0', 'mode', 'tun']);
  ip(ns.path, ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
  const before = ipJson<IpLink[]>(ns.path, ['-d', 'link', 'show']);
  const fds = fdCount();
  for (const [name, kind] of [['tap0', 'tap'], ['tun0', 'tun'], ['tap0', 'tun'], ['v0', 'tap'], ['v1', 'tun']] as const) {
    const e = await rejection(rt.link.add({ name, kind, mtu: 1400, up: true }));
    t.ok(e instanceof SysError, `${kind} ${name}: ${String(e)}`);
    t.equal(e.code, 'EEXIST');
    t.equal(e.syscall, 'ioctl(TUNSETIFF)');
    t.match(e.message, new RegExp(`cannot create ${kind} '${name}' in netns fd \\d+: '${name}' already exists there`));
  }
  t.strictSame(ipJson<IpLink[]>(ns.path, ['-d', 'link', 'show']), before, 'every link as it was (mtu, flags, queues)');
  t.equal(fdCount(), fds, 'no fd left open');
  // Without IFF_TUN_EXCL the kernel attaches to a tap of the same type and flags: ip's own
  // tuntap add sets it too, and refuses.
  t.throws(() => ip(ns.path, ['tuntap', 'add', 'dev', 'tap0', 'mode', 'tap']), /Device or resource busy/);
});

t.test('rt.link.del deletes them (RTM_DELLINK), by name and by ifindex', privileged, async (t) => {
  const { ns, rt } = freshHandle(t);
  await rt.link.add({ name: 'tap0', kind: 'tap', data: { multiQueue: true } });
  const tun = await rt.link.add({ name: 'tun0', kind: 'tun' }, { echo: true });
  await rt.link.del('tap0');
  await rt.link.del(tun.index);
  t.same(names(ns.path), ['lo']);
  const e = await rejection(rt.link.del('tap0'));
  t.ok(e instanceof NetlinkError && e.code === 'ENODEV');
});

t.test('bad input is refused before anything is made', privileged, async (t) => {
  const { ns, rt } = freshHandle(t);
  const fds = fdCount();
  const bad: [unknown, string, RegExp?][] = [
    [{ kind: 'tap', name: 'a-name-too-long-for-it' }, 'name', /15/],
    [{ kind: 'tap', name: 'a/b' }, 'name'],
    [{ kind: 'tap', name: '' }, 'name'],
    [{ kind: 'tap', name: 't0', data: { owner: -1 } }, 'data.owner'],
    [{ kind: 'tap', name: 't0', data: { owner: 4294967295 } }, 'data.owner', /no user/],
    [{ kind: 'tap', name: 't0', data: { owner: 1.5 } }, 'data.owner'],
    [{ kind: 'tap', name: 't0', data: { group: '100' } }, 'data.group'],
    [{ kind: 'tun', name: 't0', data: { group: 4294967295 } }, 'data.group', /no group/],
    [{ kind: 'tap', name: 't0', data: { multiQueue: 'yes' } }, 'data.multiQueue'],
    [{ kind: 'tap', name: 't0', data: { vnetHdr: 1 } }, 'data.vnetHdr'],
    [{ kind: 'tap', name: 't0', data: { pi: null } }, 'data.pi'],
    [{ kind: 'tap', name: 't0', data: { persist: false } }, 'data.persist'],
    [{ kind: 'tap', name: 't0', data: { type: 'tun' } }, 'data.type'],
    [{ kind: 'tap', name: 't0', data: [] }, 'data'],
    [{ kind: 'tap', name: 't0', data: 'multi_queue' }, 'data'],
    [{ kind: 'tap', name: 't0', mode: 'tap' }, 'mode'],
    [{ kind: 'tun', name: 't0', address: '02:00:00:00:00:01' }, 'address', /no hardware address/],
    [{ kind: 'tun', name: 't0', broadcast: 'ff:ff:ff:ff:ff:ff' }, 'broadcast', /no hardware address/],
    [{ kind: 'tap', name: 't0', address: '02:00:00:00:01' }, 'address'],
    [{ kind: 'tap', name: 't0', peer: { name: 't1' } }, 'peer', /only a veth/],
    [{ kind: 'tap', name: 't0', link: 'lo' }, 'link', /no parent link/],
    [{ kind: 'tap', name: 't0', numTxQueues: 4 }, 'numTxQueues', /sizes/],
    [{ kind: 'tun', name: 't0', numRxQueues: 4 }, 'numRxQueues', /sizes/],
    [{ kind: 'tap', name: 't0', mtu: 10 }, 'mtu'],
    [{ kind: 'tap', name: 't0', txqlen: -1 }, 'txqlen'],
    [{ kind: 'tap', name: 't0', up: 'yes' }, 'up'],
    [{ kind: 'tap', name: 't0', master: 0 }, 'master'],
    [{ kind: 'tap', name: 't0', netns: 'blue' }, 'netns'],
    [{ kind: 'tap', name: 't0', alias: 'x'.repeat(256) }, 'alias'],
  ];
  for (const [spec, arg, re] of bad) {
    const e = await rejection(rt.link.add(spec as LinkSpec));
    t.ok(e instanceof InvalidArgumentError, `${JSON.stringify(spec)}: ${String(e)}`);
    t.equal(e?.argument, arg, `${JSON.stringify(spec)} names ${arg}`);
    if (re) t.match(e?.message, re);
  }
  const o = await rejection(rt.link.add({ kind: 'tap', name: 't0' }, { ecoh: true } as never));
  t.equal(o?.argument, 'options.ecoh');
  const m = await rejection(rt.link.addMany([{ kind: 'bridge', name: 'b0' }, { kind: 'tap', name: 't0' }]));
  t.ok(m instanceof InvalidArgumentError && m.argument === 'specs[1].kind', String(m));
  t.match(m.message, /rt\.link\.add/);
  t.same(names(ns.path), ['lo'], 'nothing was made');
  t.equal(fdCount(), fds, 'no fd left open');
  const closed = Rtnl.open({ netns: ns.fd });
  closed.close();
  t.ok((await rejection(closed.link.add({ kind: 'tap', name: 't0' }))) instanceof ClosedError, 'a closed handle');
  t.same(names(ns.path), ['lo']);
});

t.test('the types: data is TunOptions for tap and tun; a tun spec takes no peer (compile-time)', async (t) => {
  const ok: LinkSpec[] = [
    { kind: 'tap', name: 'vm0', data: { owner: 1000, group: 100, multiQueue: true, vnetHdr: true, pi: false }, master: 'br0', up: true },
    { kind: 'tun', data: { pi: true }, mtu: 1400, netns: 3 },
  ];
  // @ts-expect-error: an option of another kind
  const a: LinkSpec = { kind: 'tap', data: { mode: 'bridge' } };
  // @ts-expect-error: no peer
  const b: LinkSpec = { kind: 'tun', peer: { name: 'x' } };
  // A parent link or queue counts still compile (a spec of a kind typed as string may have
  // them): they are refused at run time, before anything is made (see above).
  const c: LinkSpec = { kind: 'tun', numTxQueues: 2 } as LinkSpec;
  // @ts-expect-error: owner is a uid number
  const d: LinkSpec = { kind: 'tap', data: { owner: 'root' } };
  const l = undefined as unknown as Link;
  void [a, b, c, d, l];
  t.equal(ok.length, 2);
});
