// execNetns: the synchronous part runs in the target, the async rest carries it in the
// context, the thread is always restored (real kernel).
import t from 'tap';
import net from 'node:net';
import { spawnSync } from 'node:child_process';
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { Netns, execNetns, execNetnsSync } from '../../src/ns/index.js';
import { ClosedError, SysError } from '../../src/netlink/errors.js';
import { contextNetnsFd, withThreadNetns } from '../../src/netlink/netns-switch.js';
import { NetlinkSocket } from '../../src/netlink/socket.js';
import { Rtnl } from '../../src/rtnl/index.js';
import { sysctlGet } from '../../src/ns/index.js';
import { fdCount, ipJson, privileged } from '../helpers.js';
import { CAP_SYS_ADMIN, threadIno, withoutCap } from './util.js';

const tick = () => new Promise<void>((r) => setTimeout(r, 5));

/** Inode of the netns the execNetns context names (undefined outside). */
function contextIno(): number | undefined {
  const fd = contextNetnsFd();
  return fd === undefined ? undefined : fstatSync(fd).ino;
}

/** TCP ports listening in the netns of `fd` (from /proc/thread-self/net/tcp{,6} read inside it). */
function listeningPorts(fd: number): number[] {
  return withThreadNetns(fd, () => {
    const ports: number[] = [];
    for (const f of ['/proc/thread-self/net/tcp', '/proc/thread-self/net/tcp6']) {
      let text = '';
      try {
        text = readFileSync(f, 'utf8');
      } catch {
        continue;
      }
      for (const line of text.trim().split('\n').slice(1)) {
        const cols = line.trim().split(/\s+/);
        if (cols[3] === '0A') ports.push(parseInt(cols[1]!.split(':').pop()!, 16));
      }
    }
    return ports;
  });
}

t.test('the sync part runs in target; after an await the thread is home and the context names target', privileged, async (t) => {
  const home = Netns.get();
  const ns = Netns.new();
  t.teardown(() => {
    home.close();
    ns.close();
  });
  const seen: Record<string, number | undefined> = {};
  const result = await execNetns(home, ns, async () => {
    seen.syncThread = threadIno();
    seen.syncContext = contextIno();
    seen.child = Number(/\[(\d+)\]/.exec(spawnSync('readlink', ['/proc/self/ns/net'], { encoding: 'utf8' }).stdout)![1]);
    await tick();
    seen.asyncThread = threadIno();
    seen.asyncContext = contextIno();
    const g = Netns.get();
    seen.asyncGet = g.ino;
    g.close();
    return 42;
  });
  t.equal(result, 42);
  t.equal(seen.syncThread, ns.ino, 'sync part: thread in target');
  t.equal(seen.syncContext, ns.ino, 'sync part: context is target');
  t.equal(seen.child, ns.ino, 'spawnSync child in target');
  t.equal(seen.asyncThread, home.ino, 'after await: thread home (never switched across an await)');
  t.equal(seen.asyncContext, ns.ino, 'after await: context still target');
  t.equal(seen.asyncGet, ns.ino, 'Netns.get() honours the context');
  t.equal(threadIno(), home.ino);
  t.equal(contextIno(), undefined, 'no context outside');
});

t.test('restores when fn throws synchronously or after an await', privileged, async (t) => {
  const home = Netns.get();
  const ns = Netns.new();
  t.teardown(() => {
    home.close();
    ns.close();
  });
  const before = fdCount();
  await t.rejects(execNetns(home, ns, () => {
    throw new Error('sync boom');
  }), /sync boom/);
  t.equal(threadIno(), home.ino, 'home after a sync throw');
  await t.rejects(execNetns(home, ns, async () => {
    await tick();
    throw new Error('async boom');
  }), /async boom/);
  t.equal(threadIno(), home.ino, 'home after an async throw');
  t.equal(fdCount(), before, 'no fd leaked');
});

t.test('two execNetns in flight at once each act in their own netns', privileged, async (t) => {
  const home = Netns.get();
  const a = Netns.new();
  const b = Netns.new();
  const servers: net.Server[] = [];
  t.teardown(() => {
    for (const s of servers) s.close();
    home.close();
    a.close();
    b.close();
  });
  async function job(ns: Netns, delays: number[]) {
    const log: { thread: number; context: number | undefined; port?: number }[] = [];
    // Sync part: a Node TCP server socket is created (listen(0) without a host binds synchronously).
    const server = net.createServer().listen(0);
    servers.push(server);
    log.push({ thread: threadIno(), context: contextIno(), port: (server.address() as net.AddressInfo).port });
    for (const d of delays) {
      await new Promise((r) => setTimeout(r, d));
      log.push({ thread: threadIno(), context: contextIno() });
      // A nested execNetns after an await: its sync part is in the context's netns.
      const inner = await execNetns(home, Netns.get(), () => threadIno());
      t.equal(inner, ns.ino, 'nested sync part in own netns');
    }
    return log;
  }
  const [la, lb] = await Promise.all([
    execNetns(home, a, () => job(a, [10, 1, 7, 3])),
    execNetns(home, b, () => job(b, [2, 9, 1, 8])),
  ]);
  t.equal(la[0]!.thread, a.ino, 'A sync part in A');
  t.equal(lb[0]!.thread, b.ino, 'B sync part in B');
  for (const e of la) t.equal(e.context, a.ino, 'A context A');
  for (const e of lb) t.equal(e.context, b.ino, 'B context B');
  for (const e of [...la.slice(1), ...lb.slice(1)]) t.equal(e.thread, home.ino, 'thread home after awaits');
  const pa = la[0]!.port!;
  const pb = lb[0]!.port!;
  t.ok(listeningPorts(a.fd).includes(pa), 'A\'s server listens in A');
  t.notOk(listeningPorts(b.fd).includes(pa), '… not in B');
  t.ok(listeningPorts(b.fd).includes(pb), 'B\'s server listens in B');
  t.notOk(listeningPorts(a.fd).includes(pb), '… not in A');
  t.notOk(listeningPorts(home.fd).includes(pa) || listeningPorts(home.fd).includes(pb), 'neither at home');
  t.equal(threadIno(), home.ino);
});

/** RTM_NEWLINK of a bridge (numbers from <linux/rtnetlink.h>, <linux/if_link.h>). */
async function addBridge(sock: NetlinkSocket, name: string): Promise<void> {
  const RTM_NEWLINK = 16, NLM_F_EXCL = 0x200, NLM_F_CREATE = 0x400, IFLA_IFNAME = 3, IFLA_LINKINFO = 18, IFLA_INFO_KIND = 1;
  await sock.request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, (w) => {
    w.reserve(16); // struct ifinfomsg
    w.putStrz(IFLA_IFNAME, name);
    const n = w.nestStart(IFLA_LINKINFO);
    w.putStrz(IFLA_INFO_KIND, 'bridge');
    w.nestEnd(n);
  }, undefined, { subject: name });
}

t.test('a link created by a socket bound to netns A appears in A only', privileged, async (t) => {
  const home = Netns.get();
  const a = Netns.new();
  const b = Netns.new();
  t.teardown(() => {
    home.close();
    a.close();
    b.close();
  });
  // In the sync part, and after an await through the context (what Rtnl.open() does).
  await execNetns(home, a, async () => {
    const s1 = NetlinkSocket.open(0);
    try {
      await addBridge(s1, 'br-sync');
    } finally {
      s1.close();
    }
    await tick();
    const s2 = withThreadNetns(contextNetnsFd()!, () => NetlinkSocket.open(0));
    try {
      await addBridge(s2, 'br-ctx');
    } finally {
      s2.close();
    }
  });
  const names = (p: string) => ipJson<{ ifname: string }[]>(p, ['link', 'show']).map((l) => l.ifname).sort();
  t.same(names(a.path), ['br-ctx', 'br-sync', 'lo'], 'both links in A');
  t.same(names(b.path), ['lo'], 'none in B');
  t.notOk(names(home.path).some((n) => n.startsWith('br-')), 'none at home');
});

t.test('closed or non-netns handles are refused before any switch', privileged, async (t) => {
  const home = Netns.get();
  const ns = Netns.new();
  t.teardown(() => {
    home.close();
    ns.close();
  });
  const closed = Netns.new();
  closed.close();
  let ran = false;
  await t.rejects(execNetns(home, closed, () => (ran = true)), ClosedError);
  await t.rejects(execNetns(closed, ns, () => (ran = true)), ClosedError);
  t.throws(() => execNetnsSync(home, closed, () => (ran = true)), ClosedError);
  const fd = openSync('/etc/hostname', 'r');
  t.teardown(() => closeSync(fd));
  const e = await execNetns(home, { fd }, () => (ran = true)).catch((x: unknown) => x) as SysError;
  t.ok(e instanceof SysError);
  t.equal(e.code, 'EINVAL');
  t.match(e.message, /not a network namespace/);
  t.notOk(ran, 'fn never ran');
  t.equal(threadIno(), home.ino);
});

t.test('a setns refused for want of CAP_SYS_ADMIN says so, as every other switch does', privileged, async (t) => {
  const home = Netns.get();
  const ns = Netns.new();
  t.teardown(() => {
    home.close();
    ns.close();
  });
  const fds = fdCount();
  let ran = false;
  const e = withoutCap(CAP_SYS_ADMIN, () => {
    try {
      execNetnsSync(home, ns, () => (ran = true));
      return undefined;
    } catch (x) {
      return x as SysError;
    }
  });
  t.ok(e instanceof SysError, `${e?.constructor?.name}: ${e?.message}`);
  t.equal(e?.code, 'EPERM');
  t.match(e?.message, /CAP_SYS_ADMIN/, 'names the capability');
  t.match(e?.message, String(ns.fd), 'names the target fd');
  t.notOk(ran, 'fn never ran');
  t.equal(threadIno(), home.ino);
  t.equal(fdCount(), fds, 'no fd leaked');
});

t.test('execNetnsSync runs in target and refuses a Promise-returning fn', privileged, async (t) => {
  const home = Netns.get();
  const ns = Netns.new();
  t.teardown(() => {
    home.close();
    ns.close();
  });
  t.equal(execNetnsSync(home, ns, () => threadIno()), ns.ino);
  t.equal(execNetnsSync(home, ns, () => contextIno()), ns.ino);
  t.throws(() => execNetnsSync(home, ns, async () => 1), TypeError);
  t.throws(() => execNetnsSync(home, ns, () => {
    throw new RangeError('x');
  }), RangeError);
  t.equal(threadIno(), home.ino);
});

t.test('Netns.get() inside execNetns refuses a context fd that no longer is a netns (closed, or reused for another file)', privileged, async (t) => {
  const home = Netns.get();
  const ns = Netns.new();
  t.teardown(() => {
    home.close();
    ns.close();
  });
  const raw = { fd: openSync(ns.path, 'r') };
  const fds = fdCount();
  const seen = await execNetns(home, raw, async () => {
    await tick();
    closeSync(raw.fd);
    const other = openSync('/etc/hostname', 'r'); // takes the lowest free fd: the context's
    try {
      t.equal(other, raw.fd, 'the fd number was reused');
      // Before: a Netns wrapping /etc/hostname, with its inode as the netns id.
      const e = t.throws(() => Netns.get()) as SysError;
      t.ok(e instanceof SysError, `${e?.constructor?.name}: ${e?.message}`);
      t.match(e.message, /no longer refers to a network namespace/);
      return 'done';
    } finally {
      closeSync(other);
    }
  });
  t.equal(seen, 'done');
  t.equal(fdCount(), fds - 1, 'no fd leaked (the raw one was closed by the test)');
});

t.test('inside execNetns, a target Netns closed meanwhile is named as the execNetns target', privileged, async (t) => {
  const home = Netns.get();
  const ns = Netns.new();
  t.teardown(() => home.close());
  const fds = fdCount();
  const errors = await execNetns(home, ns, async () => {
    await tick();
    ns.close();
    const out: unknown[] = [];
    for (const f of [() => Netns.get(), () => sysctlGet(undefined, 'net.ipv4.ip_forward'), () => Rtnl.open()]) {
      try {
        f();
        out.push(undefined);
      } catch (e) {
        out.push(e);
      }
    }
    return out;
  });
  for (const [i, e] of errors.entries()) {
    t.ok(e instanceof ClosedError, `call ${i}: ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    t.match((e as Error).message, /^the execNetns target \(Netns [\d:]+\) is closed$/, `call ${i} says which handle is closed`);
  }
  t.equal(fdCount(), fds - 1, 'no fd leaked (ns was closed by the test)');
  t.equal(threadIno(), home.ino);
});

t.test('what the docs say of Node sockets in the sync part holds: listen(port) binds in target; listen(port, IP), dgram bind and connect run on a later tick, at home', privileged, async (t) => {
  const home = Netns.get();
  const ns = Netns.new();
  const closers: (() => void)[] = [];
  t.teardown(() => {
    for (const c of closers) c();
    home.close();
    ns.close();
  });
  const dgram = await import('node:dgram');
  const udpPorts = (fd: number) => withThreadNetns(fd, () => {
    const ports: number[] = [];
    for (const f of ['/proc/thread-self/net/udp', '/proc/thread-self/net/udp6']) {
      for (const line of readFileSync(f, 'utf8').trim().split('\n').slice(1)) ports.push(parseInt(line.trim().split(/\s+/)[1]!.split(':').pop()!, 16));
    }
    return ports;
  });
  let bare = 0;
  execNetnsSync(home, ns, () => {
    const s = net.createServer().listen(0);
    closers.push(() => s.close());
    bare = (s.address() as net.AddressInfo).port;
  });
  // The deferred ones: their port is known only once bound (a later tick).
  const srvIp = await execNetns(home, ns, () => new Promise<net.Server>((r) => { const s = net.createServer().listen(0, '127.0.0.1', () => r(s)); }));
  closers.push(() => srvIp.close());
  const udp = await execNetns(home, ns, () => new Promise<import('node:dgram').Socket>((r) => { const s = dgram.createSocket('udp4'); s.bind(0, () => r(s)); }));
  closers.push(() => udp.close());
  const ipPort = (srvIp.address() as net.AddressInfo).port;
  const udpPort = udp.address().port;
  t.ok(listeningPorts(ns.fd).includes(bare), 'listen(port) without a host: in target');
  t.ok(listeningPorts(home.fd).includes(ipPort), 'listen(port, \'127.0.0.1\'): at home');
  t.notOk(listeningPorts(ns.fd).includes(ipPort), '… not in target');
  t.ok(udpPorts(home.fd).includes(udpPort), 'dgram bind: at home');
  t.notOk(udpPorts(ns.fd).includes(udpPort), '… not in target');
  // connect() to 127.0.0.1 from the sync part reaches the home server, not one in target.
  const reached = await execNetns(home, ns, () => new Promise<string>((r) => {
    const c = net.connect(ipPort, '127.0.0.1');
    c.on('connect', () => { c.destroy(); r('home'); });
    c.on('error', () => r('not home'));
  }));
  t.equal(reached, 'home', 'connect: from home');
  t.equal(threadIno(), home.ino);
});

t.test('a thenable fn returns is adopted inside the context: its then() acts in target, like an async fn\'s rest', privileged, async (t) => {
  const home = Netns.get();
  const ns = Netns.new();
  t.teardown(() => {
    home.close();
    ns.close();
  });
  const ctxIno = () => {
    const g = Netns.get();
    const i = g.ino;
    g.close();
    return i;
  };
  // Before: await adopted the thenable outside netnsContext.run, so then() (and what it
  // started later) saw no context and acted at home.
  // A hand-written thenable (as query builders return), typed loosely on purpose.
  const thenable = (then: (res: (v: number) => void, rej: (e: unknown) => void) => void) => ({ then }) as unknown as PromiseLike<number>;
  t.equal(await execNetns(home, ns, () => thenable((res) => res(ctxIno()))), ns.ino, 'then() itself');
  t.equal(await execNetns(home, ns, () => thenable((res) => setTimeout(() => res(ctxIno()), 2))), ns.ino, 'work then() schedules');
  const e = await execNetns(home, ns, () => thenable((_, rej) => rej(new Error('no')))).catch((x: unknown) => x) as Error;
  t.equal(e.message, 'no', 'a rejecting thenable rejects');
  t.equal(threadIno(), home.ino);
});

t.test('/sys/class/net in the sync part is the netns sysfs was mounted in, not target (unlike ip netns exec, which remounts /sys), as the docs say', privileged, async (t) => {
  const home = Netns.get();
  const ns = Netns.new();
  t.teardown(() => {
    home.close();
    ns.close();
  });
  const rt = Rtnl.open({ netns: ns });
  t.teardown(() => rt.close());
  const name = `sysonly${process.pid % 10000}`;
  await rt.link.add({ name, kind: 'bridge' });
  const { readdirSync } = await import('node:fs');
  const seen = execNetnsSync(home, ns, () => ({ sys: readdirSync('/sys/class/net'), proc: readFileSync('/proc/thread-self/net/dev', 'utf8') }));
  t.notOk(seen.sys.includes(name), '/sys/class/net does not show target\'s link');
  t.match(seen.proc, name, '/proc/thread-self/net does');
});
