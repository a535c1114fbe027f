// net.* sysctls per network namespace (real kernel), and key validation (pure).
import t from 'tap';
import { Netns, execNetns, sysctl, sysctlGet, sysctlPath, sysctlSet } from '../../src/ns/index.js';
import { ClosedError, InvalidArgumentError, SysError } from '../../src/netlink/errors.js';
import { fdCount, inNs, privileged, homeAndNew } from '../helpers.js';
import { threadIno } from './util.js';

t.test('keys map to /proc/sys paths like sysctl(8)', async (t) => {
  t.equal(sysctlPath('net.ipv4.ip_forward'), '/proc/sys/net/ipv4/ip_forward');
  t.equal(sysctlPath('net/ipv4/ip_forward'), '/proc/sys/net/ipv4/ip_forward');
  t.equal(sysctlPath('net.ipv4.conf.eth0/100.forwarding'), '/proc/sys/net/ipv4/conf/eth0.100/forwarding', "'/' in a dotted key is a literal '.'");
  t.equal(sysctlPath('net/ipv4/conf/eth0.100/forwarding'), '/proc/sys/net/ipv4/conf/eth0.100/forwarding', 'slash form keeps dots');
  t.equal(sysctlPath('net.ipv6.conf.veth-a_1.accept_dad'), '/proc/sys/net/ipv6/conf/veth-a_1/accept_dad');
  t.equal(sysctl.path, sysctlPath);
});

t.test('bad keys are refused before any file is opened', async (t) => {
  const bad: unknown[] = [
    '', 'net', 'kernel.hostname', 'kernel/hostname', 'fs.file-max', 'net..ipv4', 'net.ipv4.', '.net.ipv4',
    'net/../kernel/hostname', 'net/ipv4/../../kernel/hostname', 'net.ipv4.conf.a b.forwarding',
    'net.ipv4.ip_forward\0', 'net/ipv4/./ip_forward', '/proc/sys/net/ipv4/ip_forward', 'net//ipv4',
    'net.ipv4.ip_forward\n', 'x'.repeat(5000), 5, null, undefined, {},
  ];
  const before = fdCount();
  for (const k of bad) {
    const e = t.throws(() => sysctlPath(k as string), `refuses ${JSON.stringify(k)?.slice(0, 40)}`) as InvalidArgumentError;
    t.ok(e instanceof InvalidArgumentError);
    t.equal(e.argument, 'key');
    t.throws(() => sysctlGet(undefined, k as string), InvalidArgumentError);
    t.throws(() => sysctlSet(undefined, k as string, 1), InvalidArgumentError);
  }
  t.equal(fdCount(), before);
});

t.test('get and set act in the given netns only', privileged, async (t) => {
  const home = threadIno();
  const { host, ns } = homeAndNew(t);
  const hostValue = sysctlGet(host, 'net.ipv4.ip_forward');
  t.equal(sysctlGet(ns, 'net.ipv4.ip_forward'), '0', 'a new netns starts with forwarding off');
  sysctlSet(ns, 'net.ipv4.ip_forward', 1);
  t.equal(sysctlGet(ns, 'net.ipv4.ip_forward'), '1');
  t.equal(inNs(ns.path, 'sysctl', ['-n', 'net.ipv4.ip_forward']).trim(), '1', 'sysctl(8) inside agrees');
  t.equal(sysctlGet(host, 'net.ipv4.ip_forward'), hostValue, 'host unchanged');
  sysctlSet(ns, 'net.ipv6.conf.all.disable_ipv6', true);
  t.equal(sysctl.get(ns, 'net/ipv6/conf/all/disable_ipv6'), '1');
  sysctl.set(ns, 'net.ipv6.conf.all.disable_ipv6', '0');
  t.equal(sysctlGet(ns, 'net.ipv6.conf.default.accept_dad'), inNs(ns.path, 'sysctl', ['-n', 'net.ipv6.conf.default.accept_dad']).trim());
  sysctlSet(ns, 'net.ipv4.ip_local_port_range', [20000, 30000]);
  t.equal(sysctlGet(ns, 'net.ipv4.ip_local_port_range'), '20000\t30000', 'multi-value keys');
  t.equal(threadIno(), home);
});

t.test('interface names with dots, like sysctl(8)', privileged, async (t) => {
  const ns = Netns.new();
  t.teardown(() => ns.close());
  inNs(ns.path, 'ip', ['link', 'add', 'v.10', 'type', 'veth', 'peer', 'name', 'p.10']);
  sysctlSet(ns, 'net.ipv6.conf.v/10.accept_ra', 2);
  t.equal(sysctlGet(ns, 'net/ipv6/conf/v.10/accept_ra'), '2');
  t.equal(inNs(ns.path, 'sysctl', ['-n', 'net.ipv6.conf.v/10.accept_ra']).trim(), '2');
  t.equal(sysctlGet(ns, 'net.ipv6.conf.p/10.accept_ra'), '1', 'the peer untouched');
});

t.test("a dotted key that splits a dotted interface name says how to write it, not only that there is no such sysctl", privileged, async (t) => {
  const ns = Netns.new();
  t.teardown(() => ns.close());
  inNs(ns.path, 'ip', ['link', 'add', 'eth0.10', 'type', 'veth', 'peer', 'name', 'a.b.c']);
  // sysctl(8) reads 'net.ipv4.conf.eth0.10.forwarding' as conf/eth0/10/forwarding too; this
  // said only "no sysctl 'net.ipv4.conf.eth0.10.forwarding' in this network namespace".
  for (const [key, fixed] of [
    ['net.ipv4.conf.eth0.10.forwarding', 'net.ipv4.conf.eth0/10.forwarding'],
    ['net.ipv6.conf.a.b.c.accept_ra', 'net.ipv6.conf.a/b/c.accept_ra'],
    ['net.ipv4.neigh.eth0.10.base_reachable_time_ms', 'net.ipv4.neigh.eth0/10.base_reachable_time_ms'],
  ]) {
    const e = t.throws(() => sysctlGet(ns, key!)) as SysError;
    t.ok(e instanceof SysError, `${key}: ${e?.constructor?.name}`);
    t.equal(e.code, 'ENOENT');
    t.match(e.message, key!);
    t.match(e.message, `'${fixed}'`, `${key}: names the key that works`);
    t.equal(sysctlGet(ns, fixed!).length > 0, true, `${fixed} reads`);
    const s = t.throws(() => sysctlSet(ns, key!, 1)) as SysError;
    t.match(s.message, `'${fixed}'`, `${key}: set says it too`);
  }
  // A key that is simply missing says no more than before.
  const plain = t.throws(() => sysctlGet(ns, 'net.ipv4.conf.eth0.11.forwarding')) as SysError;
  t.notMatch(plain.message, /write it as/);
});

t.test('without a netns: the execNetns context, else the thread\'s', privileged, async (t) => {
  const home = Netns.get();
  const ns = Netns.new();
  t.teardown(() => {
    home.close();
    ns.close();
  });
  sysctlSet(ns, 'net.ipv4.ip_default_ttl', 33);
  const homeTtl = sysctlGet(undefined, 'net.ipv4.ip_default_ttl');
  t.not(homeTtl, '33');
  const seen = await execNetns(home, ns, async () => {
    const sync = sysctlGet(undefined, 'net.ipv4.ip_default_ttl');
    await new Promise((r) => setTimeout(r, 5));
    return [sync, sysctlGet(undefined, 'net.ipv4.ip_default_ttl')];
  });
  t.same(seen, ['33', '33'], 'sync part and after an await');
  t.equal(sysctlGet(undefined, 'net.ipv4.ip_default_ttl'), homeTtl);
});

t.test('kernel refusals are SysErrors naming the key; bad values and closed handles are refused', privileged, async (t) => {
  const home = threadIno();
  const ns = Netns.new();
  t.teardown(() => ns.close());
  const before = fdCount();
  const missing = t.throws(() => sysctlGet(ns, 'net.ipv4.no_such_key')) as SysError;
  t.ok(missing instanceof SysError);
  t.equal(missing.code, 'ENOENT');
  t.match(missing.message, 'net.ipv4.no_such_key');
  const noIf = t.throws(() => sysctlGet(ns, 'net.ipv4.conf.eth9.forwarding')) as SysError;
  t.equal(noIf.code, 'ENOENT', 'interfaces of another netns are not visible');
  const bad = t.throws(() => sysctlSet(ns, 'net.ipv4.ip_default_ttl', 'abc')) as SysError;
  t.equal(bad.code, 'EINVAL');
  t.equal(bad.syscall, 'write');
  t.throws(() => sysctlSet(ns, 'net.ipv4.ip_forward', NaN), InvalidArgumentError);
  t.throws(() => sysctlSet(ns, 'net.ipv4.ip_forward', '1\0'), InvalidArgumentError);
  t.throws(() => sysctlSet(ns, 'net.ipv4.ip_forward', {} as never), InvalidArgumentError);
  t.equal(fdCount(), before, 'no fd leaked on errors');
  const closed = Netns.new();
  closed.close();
  t.throws(() => sysctlGet(closed, 'net.ipv4.ip_forward'), ClosedError);
  t.throws(() => sysctlSet(closed, 'net.ipv4.ip_forward', 1), ClosedError);
  t.equal(threadIno(), home);
});

t.test('an ns that is not a netns handle is refused naming ns, and never read as "the caller\'s netns"', privileged, async (t) => {
  const home = threadIno();
  const ttl = sysctlGet(undefined, 'net.ipv4.ip_default_ttl');
  const other = ttl === '61' ? 62 : 61;
  const before = fdCount();
  // A plain object, a path string or a raw fd number have no usable `.fd`: these used to
  // read or write the caller's own netns; null threw a TypeError.
  for (const ns of [{}, '/run/netns/blue', 5, null, { fd: '3' }, { fd: -1 }, { fd: 1.5 }, { fd: 2 ** 32 + 3 }]) {
    const g = t.throws(() => sysctlGet(ns as never, 'net.ipv4.ip_default_ttl'), `get ${JSON.stringify(ns)}`) as InvalidArgumentError;
    t.ok(g instanceof InvalidArgumentError, `get ${JSON.stringify(ns)}: InvalidArgumentError (${g?.constructor?.name}: ${g?.message})`);
    t.match(g.argument, /^ns/);
    const s = t.throws(() => sysctlSet(ns as never, 'net.ipv4.ip_default_ttl', other)) as InvalidArgumentError;
    t.ok(s instanceof InvalidArgumentError, `set ${JSON.stringify(ns)}: InvalidArgumentError (${s?.constructor?.name}: ${s?.message})`);
  }
  t.equal(sysctlGet(undefined, 'net.ipv4.ip_default_ttl'), ttl, 'the caller\'s netns was not written');
  const closed = Netns.new();
  closed.close();
  const c = t.throws(() => sysctlGet(closed, 'net.ipv4.ip_forward')) as ClosedError;
  t.ok(c instanceof ClosedError);
  t.match(c.message, /^ns \(Netns [\d:]+\) is closed/, 'the ClosedError names the argument');
  t.equal(fdCount(), before);
  t.equal(threadIno(), home);
});

t.test('empty and multi-line values are refused: the kernel would set nothing, or only the first line', privileged, async (t) => {
  const ns = Netns.new();
  t.teardown(() => ns.close());
  sysctlSet(ns, 'net.ipv4.ip_default_ttl', 33);
  sysctlSet(ns, 'net.ipv4.tcp_congestion_control', 'reno');
  const before = fdCount();
  // '' and [] were written as a 0-byte write, which the kernel takes as a no-op: the call
  // succeeded and nothing was set. '5\n6' set 5 and 'cubic\nbogus' set cubic, silently.
  for (const [key, value] of [
    ['net.ipv4.ip_default_ttl', ''],
    ['net.ipv4.ip_default_ttl', []],
    ['net.ipv4.ip_default_ttl', ['']],
    ['net.ipv4.ip_default_ttl', '5\n6'],
    ['net.ipv4.ip_default_ttl', '5\n\n'],
    ['net.ipv4.tcp_congestion_control', 'cubic\nbogus'],
    ['net.ipv4.ip_local_port_range', ['20000\n', 30000]],
    ['net.ipv4.ip_local_port_range', [[20000, 30000]]],
  ] as [string, never][]) {
    const e = t.throws(() => sysctlSet(ns, key, value), `${key} = ${JSON.stringify(value)}`) as InvalidArgumentError;
    t.ok(e instanceof InvalidArgumentError, `${JSON.stringify(value)}: ${e?.constructor?.name}: ${e?.message}`);
    t.match(e.argument, /^value/);
  }
  t.equal(sysctlGet(ns, 'net.ipv4.ip_default_ttl'), '33', 'nothing was written');
  t.equal(sysctlGet(ns, 'net.ipv4.tcp_congestion_control'), 'reno');
  // One trailing newline is what `echo` writes: accepted.
  sysctlSet(ns, 'net.ipv4.ip_default_ttl', '44\n');
  t.equal(sysctlGet(ns, 'net.ipv4.ip_default_ttl'), '44');
  t.equal(fdCount(), before);
});

t.test('an array element that is empty, a hole or holds whitespace is refused: the kernel would shift the values into other slots', privileged, async (t) => {
  const ns = Netns.new();
  t.teardown(() => ns.close());
  sysctlSet(ns, 'net.ipv4.ip_local_port_range', [32768, 60999]);
  sysctlSet(ns, 'net.ipv4.tcp_rmem', [4096, 131072, 6291456]);
  const before = fdCount();
  // The kernel skips whitespace between numbers: ['', 40000] was written as '\t40000' and
  // set the LOW end of the range to 40000; a hole (new Array(3) with [1] set) did the same
  // to tcp_rmem's minimum; ['4000 5000', 6000] set three values out of two elements.
  const holes: unknown[] = new Array(3);
  holes[1] = 99999;
  for (const [key, value, argument] of [
    ['net.ipv4.ip_local_port_range', ['', 40000], 'value[0]'],
    ['net.ipv4.ip_local_port_range', [40000, ''], 'value[1]'],
    ['net.ipv4.tcp_rmem', holes, 'value[0]'],
    ['net.ipv4.tcp_rmem', ['4000 5000', 6000], 'value[0]'],
    ['net.ipv4.tcp_rmem', [4000, '5000\t6000'], 'value[1]'],
    ['net.ipv4.ip_local_port_range', [' 40000', 50000], 'value[0]'],
  ] as [string, never, string][]) {
    const e = t.throws(() => sysctlSet(ns, key, value), `${key} = ${JSON.stringify(value)}`) as InvalidArgumentError;
    t.ok(e instanceof InvalidArgumentError, `${JSON.stringify(value)}: ${e?.constructor?.name}: ${e?.message}`);
    t.equal(e.argument, argument);
  }
  t.equal(sysctlGet(ns, 'net.ipv4.ip_local_port_range'), '32768\t60999', 'nothing was written');
  t.equal(sysctlGet(ns, 'net.ipv4.tcp_rmem'), '4096\t131072\t6291456');
  // Numbers, bigints and plain strings of one value each still work.
  sysctlSet(ns, 'net.ipv4.tcp_rmem', ['4096', 87380n, 6291456]);
  t.equal(sysctlGet(ns, 'net.ipv4.tcp_rmem'), '4096\t87380\t6291456');
  t.equal(fdCount(), before);
});

t.test('per-interface keys work for every name the kernel gives a link (#, =, ~, comma, UTF-8), not only [A-Za-z0-9_.@+-]', privileged, async (t) => {
  const { ns } = homeAndNew(t);
  for (const name of ['e#0', 'a=b~c', 'vé,1', 'x*y']) {
    inNs(ns.path, 'ip', ['link', 'add', name, 'type', 'bridge']);
    const dotted = `net.ipv4.conf.${name}.forwarding`;
    t.equal(sysctlPath(dotted), `/proc/sys/net/ipv4/conf/${name}/forwarding`);
    t.equal(sysctlGet(ns, dotted), '0', `read ${dotted}`);
    sysctlSet(ns, `net/ipv4/conf/${name}/forwarding`, 1);
    t.equal(inNs(ns.path, 'cat', [`/proc/sys/net/ipv4/conf/${name}/forwarding`]).trim(), '1', `set ${name}'s forwarding`);
  }
  // What no interface name holds, and what could leave /proc/sys/net, stays refused.
  for (const k of ['net.ipv4.conf.a b.forwarding', 'net.ipv4.conf.a\tb.forwarding', 'net/ipv4/conf/a\x7fb/forwarding', 'net/ipv4/conf/../../kernel/hostname', 'net.ipv4.conf.a/../../kernel.hostname', 'net.ipv4.conf.//.//.//.kernel.hostname']) {
    t.throws(() => sysctlPath(k), InvalidArgumentError, `refuses ${JSON.stringify(k)}`);
  }
});

t.test('a refusal says what was refused: a value the kernel refuses is never "no sysctl", a directory is not a key, read-only and write-only keys say so', privileged, async (t) => {
  const home = threadIno();
  const ns = Netns.new();
  t.teardown(() => ns.close());
  const before = fdCount();
  // The key exists; the kernel answers ENOENT for an unknown algorithm. This said "no
  // sysctl 'net.ipv4.tcp_congestion_control' in this network namespace".
  const algo = t.throws(() => sysctlSet(ns, 'net.ipv4.tcp_congestion_control', 'nlkit_none')) as SysError;
  t.equal(algo.code, 'ENOENT');
  t.equal(algo.syscall, 'write');
  t.notMatch(algo.message, /no sysctl/, `not "no sysctl": ${algo.message}`);
  t.match(algo.message, /refused the value 'nlkit_none'/);
  t.match(algo.message, 'net.ipv4.tcp_congestion_control');
  const inval = t.throws(() => sysctlSet(ns, 'net.ipv4.ip_default_ttl', 'abc')) as SysError;
  t.equal(inval.code, 'EINVAL');
  t.match(inval.message, /net\.ipv4\.ip_default_ttl.*refused the value 'abc'/);
  // A directory: EISDIR from read (get) or open (set), said as "a directory, not a key".
  const dirGet = t.throws(() => sysctlGet(ns, 'net.ipv4')) as SysError;
  t.equal(dirGet.code, 'EISDIR');
  t.match(dirGet.message, /'net\.ipv4' is a directory of sysctls, not a key/);
  const dirSet = t.throws(() => sysctlSet(ns, 'net.ipv4.conf', 1)) as SysError;
  t.equal(dirSet.code, 'EISDIR');
  t.match(dirSet.message, /'net\.ipv4\.conf' is a directory of sysctls, not a key/);
  // net.core.rmem_max is read-only outside the initial netns; route.flush is write-only.
  const ro = t.throws(() => sysctlSet(ns, 'net.core.rmem_max', 1 << 20)) as SysError;
  t.equal(ro.code, 'EACCES');
  t.match(ro.message, /'net\.core\.rmem_max' cannot be written \(read-only/);
  const wo = t.throws(() => sysctlGet(ns, 'net.ipv4.route.flush')) as SysError;
  t.equal(wo.code, 'EACCES');
  t.match(wo.message, /'net\.ipv4\.route\.flush' cannot be read \(write-only/);
  t.equal(fdCount(), before, 'no fd leaked');
  t.equal(threadIno(), home);
});

t.test('a write the kernel refuses with EPERM (no CAP_NET_ADMIN over the netns) says so, not that the value was refused', privileged, async (t) => {
  // In a child user namespace (unshare -U -r) the file opens (euid 0 maps to root), but
  // devinet_sysctl_forward() checks CAP_NET_ADMIN in the netns's user namespace: EPERM.
  const url = new URL('../../src/ns/index.js', import.meta.url).href;
  const code = `const { sysctlSet } = await import(${JSON.stringify(url)});
    try { sysctlSet(undefined, 'net.ipv4.ip_forward', '1'); console.log('resolved'); } catch (e) { console.log(e.code + ' ' + e.message); }`;
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync('unshare', ['-U', '-r', process.execPath, '--input-type=module', '-e', code], { encoding: 'utf8' });
  if (r.error || r.stdout === '') return void t.comment(`skipped: unshare -U -r not available (${r.error?.message ?? r.stderr})`);
  const line = r.stdout.trim();
  t.match(line, /^EPERM /, line);
  t.notMatch(line, /refused the value/, 'the value is not what was refused');
  t.match(line, /sysctl 'net\.ipv4\.ip_forward': writing it needs CAP_NET_ADMIN in the user namespace that owns the network namespace$/);
});

t.test('a congestion control the kernel keeps to the initial netns (not in tcp_allowed_congestion_control) says so, not "needs CAP_NET_ADMIN"', privileged, async (t) => {
  // tcp_set_default_congestion_control(): outside init_net, an algorithm without
  // TCP_CONG_NON_RESTRICTED (one not listed in the global allowed list) is EPERM, as root.
  const words = (k: string) => sysctlGet(undefined, k).split(/\s+/).filter(Boolean);
  const allowed = words('net.ipv4.tcp_allowed_congestion_control');
  const restricted = words('net.ipv4.tcp_available_congestion_control').find((a) => !allowed.includes(a));
  if (restricted === undefined) return void t.comment('skipped: every available congestion control is allowed');
  const ns = Netns.new();
  t.teardown(() => ns.close());
  const home = threadIno();
  const e = t.throws(() => sysctlSet(ns, 'net.ipv4.tcp_congestion_control', restricted)) as SysError;
  t.equal(e.code, 'EPERM');
  t.notMatch(e.message, /CAP_NET_ADMIN/, `not a capability: ${e.message}`);
  t.match(e.message, `'${restricted}'`);
  t.match(e.message, /tcp_allowed_congestion_control/);
  t.match(e.message, allowed.join(' '), 'names the allowed ones');
  t.equal(threadIno(), home);
});

t.test('reading a stable_secret that was never set says so, not a bare EIO', privileged, async (t) => {
  // addrconf_sysctl_stable_secret() answers a read with EIO until a secret is written.
  const ns = Netns.new();
  t.teardown(() => ns.close());
  const before = fdCount();
  const e = t.throws(() => sysctlGet(ns, 'net.ipv6.conf.default.stable_secret')) as SysError;
  t.equal(e.code, 'EIO');
  t.equal(e.syscall, 'read');
  t.match(e.message, /no stable_secret is set/, e.message);
  sysctlSet(ns, 'net.ipv6.conf.default.stable_secret', '2001:db8::1');
  t.equal(sysctlGet(ns, 'net.ipv6.conf.default.stable_secret'), '2001:0db8:0000:0000:0000:0000:0000:0001', 'readable once set');
  t.equal(fdCount(), before, 'no fd leaked');
});
