// Netns handles: get, new, fromPath, fromPid, set, close, id/equals (real kernel).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { fstatSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Netns } from '../../src/ns/index.js';
import { Rtnl } from '../../src/rtnl/index.js';
import { ClosedError, InvalidArgumentError, SysError } from '../../src/netlink/errors.js';
import { withThreadNetns } from '../../src/netlink/netns-switch.js';
import { fdCount, ipJson, privileged } from '../helpers.js';
import { threadIno } from './util.js';

t.test('Netns.get() is the calling thread\'s netns, with a dev:ino id', privileged, async (t) => {
  const home = threadIno();
  const ns = Netns.get();
  t.teardown(() => ns.close());
  t.equal(ns.ino, home);
  t.equal(ns.ino, statSync('/proc/self/ns/net').ino);
  t.match(ns.id, /^\d+:\d+$/);
  t.equal(ns.id, `${statSync('/proc/self/ns/net').dev}:${home}`);
  t.equal(fstatSync(ns.fd).ino, home);
  t.equal(ns.path, `/proc/${process.pid}/fd/${ns.fd}`);
  const again = Netns.get();
  t.not(again.fd, ns.fd, 'each call holds its own fd');
  t.ok(ns.equals(again));
  t.ok(ns.equals({ fd: again.fd }), 'equals a raw handle');
  again.close();
});

t.test('Netns.new() makes a new netns and leaves the caller where it was', privileged, async (t) => {
  const home = threadIno();
  const ns = Netns.new();
  t.teardown(() => ns.close());
  t.equal(threadIno(), home, 'main thread netns unchanged');
  t.not(ns.ino, home, 'a different namespace');
  t.equal(withThreadNetns(ns.fd, threadIno), ns.ino, 'the fd enters it');
  const links = ipJson<{ ifname: string }[]>(ns.path, ['link', 'show']);
  t.same(links.map((l) => l.ifname), ['lo'], 'nsenter --net=ns.path sees only lo');
  const other = Netns.new();
  t.not(other.ino, ns.ino, 'two calls make two namespaces');
  t.notOk(other.equals(ns));
  other.close();
  t.equal(threadIno(), home);
});

t.test('the fd is O_CLOEXEC', privileged, async (t) => {
  using ns = Netns.new();
  const flags = /flags:\s+(\d+)/.exec(readFileSync(`/proc/self/fdinfo/${ns.fd}`, 'utf8'))![1]!;
  t.ok(parseInt(flags, 8) & 0o2000000, `fdinfo flags ${flags} include O_CLOEXEC`);
});

t.test('close() is idempotent; a closed handle refuses use with ClosedError', privileged, async (t) => {
  const before = fdCount();
  const ns = Netns.new();
  const id = ns.id;
  t.equal(fdCount(), before + 1);
  ns.close();
  ns.close();
  ns[Symbol.dispose]();
  t.equal(fdCount(), before, 'fd closed exactly once');
  t.ok(ns.closed);
  t.throws(() => ns.fd, ClosedError);
  t.throws(() => ns.set(), ClosedError);
  t.equal(ns.id, id, 'id stays readable');
  t.match(String(ns), /closed/);
});

t.test('Symbol.dispose closes (using)', privileged, async (t) => {
  const before = fdCount();
  {
    using ns = Netns.new();
    t.equal(fdCount(), before + 1);
    void ns;
  }
  t.equal(fdCount(), before);
});

t.test('fromPid opens a process\'s netns; a dead pid is ESRCH', privileged, async (t) => {
  const home = threadIno();
  const self = Netns.fromPid(process.pid);
  t.equal(self.ino, home);
  t.equal(self.path, `/proc/${process.pid}/ns/net`);
  self.close();
  const dead = spawnSync('true').pid!;
  const err = t.throws(() => Netns.fromPid(dead)) as SysError;
  t.ok(err instanceof SysError);
  t.equal(err.code, 'ESRCH');
  t.match(err.message, String(dead));
  t.equal(threadIno(), home);
});

t.test('fromPid (and Rtnl.open({ netns: { pid } })) of a zombie says it exited, not that there is no such process', privileged, async (t) => {
  const { spawn } = await import('node:child_process');
  // `sleep 0` exits at once; its parent, exec'd into `sleep 30`, never reaps it.
  const parent = spawn('sh', ['-c', 'sleep 0 & exec sleep 30'], { stdio: 'ignore' });
  t.teardown(() => parent.kill());
  let zombie: number | undefined;
  for (let i = 0; i < 300 && zombie === undefined; i++) {
    await new Promise((r) => setTimeout(r, 10));
    let kids: string[] = [];
    try {
      kids = readFileSync(`/proc/${parent.pid}/task/${parent.pid}/children`, 'utf8').trim().split(' ').filter(Boolean);
    } catch {
      continue;
    }
    zombie = kids.map(Number).find((k) => {
      const stat = readFileSync(`/proc/${k}/stat`, 'utf8');
      return stat[stat.lastIndexOf(')') + 2] === 'Z';
    });
  }
  if (zombie === undefined) return t.fail('no zombie appeared');
  const before = fdCount();
  const e = t.throws(() => Netns.fromPid(zombie)) as SysError;
  t.ok(e instanceof SysError);
  t.equal(e.code, 'ESRCH', 'still ESRCH: the process is gone but for its exit status');
  t.match(e.message, new RegExp(`process ${zombie} has exited`));
  t.notMatch(e.message, /no process/);
  const r = t.throws(() => Rtnl.open({ netns: { pid: zombie } })) as SysError;
  t.equal(r.code, 'ESRCH');
  t.match(r.message, new RegExp(`process ${zombie} has exited`));
  t.equal(fdCount(), before, 'no fd leaked');
});

t.test('fromPid of a process whose main thread exited but whose other threads run says so and names them, not "has exited"', privileged, async (t) => {
  const { spawn } = await import('node:child_process');
  // The main thread calls pthread_exit: the process lives on in its second thread, its
  // leader shows as a zombie and /proc/PID/ns/net is gone (`ip netns identify` and
  // `nsenter -t PID` fail alike). This said "process PID has exited (a zombie …)".
  const code = 'import threading,time,ctypes,os\nt=threading.Thread(target=time.sleep,args=(30,));t.start()\nprint(os.getpid(),t.native_id,flush=True)\nctypes.CDLL(None).pthread_exit(None)';
  const child = spawn('python3', ['-c', code], { stdio: ['ignore', 'pipe', 'ignore'] });
  t.teardown(() => child.kill('SIGKILL'));
  // The whole line: a pipe may hand it over in more than one chunk (fresh-clone CI once
  // read the pid alone, and fromPid(undefined) failed the test).
  const line = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.once('exit', (c) => reject(new Error(`the python child exited (${String(c)}) after printing ${JSON.stringify(buf)}`)));
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('\n')) resolve(buf.slice(0, buf.indexOf('\n')));
    });
  });
  const [pid, tid] = line.trim().split(' ').map(Number) as [number, number];
  t.ok(Number.isSafeInteger(pid) && Number.isSafeInteger(tid), `pid and thread id read: ${JSON.stringify(line)}`);
  for (let i = 0; i < 300; i++) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (stat[stat.lastIndexOf(')') + 2] === 'Z') break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const before = fdCount();
  const e = t.throws(() => Netns.fromPid(pid)) as SysError;
  t.ok(e instanceof SysError);
  t.equal(e.code, 'ESRCH');
  t.notMatch(e.message, /has exited \(a zombie/, `not "has exited": ${e.message}`);
  t.match(e.message, new RegExp(`main thread of process ${pid} has exited`));
  t.match(e.message, String(tid), 'names the live thread');
  const byTid = Netns.fromPid(tid);
  t.equal(byTid.ino, threadIno(), 'the live thread can be opened, as the message says');
  byTid.close();
  t.equal(fdCount(), before, 'no fd leaked');
});

t.test('fromPid of a live child in another netns', privileged, async (t) => {
  const ns = Netns.new();
  t.teardown(() => ns.close());
  const { spawn } = await import('node:child_process');
  const child = spawn('nsenter', [`--net=${ns.path}`, 'sleep', '30'], { stdio: 'ignore' });
  t.teardown(() => child.kill());
  // Wait until nsenter has entered (its netns changes) and exec'd sleep.
  let found: Netns | undefined;
  for (let i = 0; i < 200; i++) {
    const n = Netns.fromPid(child.pid!);
    if (n.equals(ns)) {
      found = n;
      break;
    }
    n.close();
    await new Promise((r) => setTimeout(r, 10));
  }
  t.ok(found, 'the child\'s netns is the one it entered');
  found?.close();
});

t.test('fromPid (and Rtnl.open({ netns: { pid } })) of a process this one may not inspect says it needs ptrace access, not a bare EACCES', privileged, async (t) => {
  // A process whose permitted capabilities are not a subset of ours (here: we lack
  // CAP_SYS_PTRACE, it has every capability): /proc/PID/ns/net is EACCES, as for nsenter.
  const { spawn } = await import('node:child_process');
  const target = spawn('sleep', ['30'], { stdio: 'ignore' });
  t.teardown(() => target.kill());
  const url = new URL('../../src/index.js', import.meta.url).href;
  const code = `const { Netns, Rtnl } = await import(${JSON.stringify(url)});
    for (const f of [() => Netns.fromPid(${target.pid}), () => Rtnl.open({ netns: { pid: ${target.pid} } })]) {
      try { f(); console.log('opened'); } catch (e) { console.log(e.code + ' ' + e.message); }
    }`;
  const r = spawnSync('setpriv', ['--bounding-set=-sys_ptrace', '--inh-caps=-sys_ptrace', process.execPath, '--input-type=module', '-e', code], { encoding: 'utf8' });
  if (r.error || r.stdout === '') return void t.comment(`skipped: setpriv not available (${r.error?.message ?? r.stderr})`);
  const lines = r.stdout.trim().split('\n');
  t.equal(lines.length, 2, r.stdout);
  for (const line of lines) {
    t.match(line, /^EACCES /, line);
    t.match(line, `/proc/${target.pid}/ns/net`, 'names the path');
    t.match(line, /ptrace/, 'says what access is missing');
    t.match(line, /CAP_SYS_PTRACE/, 'and the capability that would do');
  }
});

t.test('fromPath accepts namespace files and refuses anything else, naming the path', privileged, async (t) => {
  const home = threadIno();
  const ns = Netns.new();
  t.teardown(() => ns.close());
  const byPath = Netns.fromPath(ns.path);
  t.ok(byPath.equals(ns), '/proc/PID/fd/FD of a netns');
  byPath.close();
  const thread = Netns.fromPath('/proc/thread-self/ns/net');
  t.equal(thread.ino, home);
  thread.close();

  const dir = mkdtempSync(join(tmpdir(), 'nlkit-ns-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'plain');
  writeFileSync(file, 'not a namespace');
  const before = fdCount();
  const e1 = t.throws(() => Netns.fromPath(file)) as Error;
  t.ok(e1 instanceof InvalidArgumentError);
  t.match(e1.message, file);
  t.match(e1.message, /not a network namespace/);
  t.match(e1.message, /regular file/);
  const e2 = t.throws(() => Netns.fromPath('/proc/self/ns/mnt')) as Error;
  t.ok(e2 instanceof InvalidArgumentError);
  t.match(e2.message, /mount namespace/);
  t.match(e2.message, '/proc/self/ns/mnt');
  const e3 = t.throws(() => Netns.fromPath(dir)) as Error;
  t.match(e3.message, /directory/);
  const e4 = t.throws(() => Netns.fromPath(join(dir, 'missing'))) as SysError;
  t.equal(e4.code, 'ENOENT');
  t.match(e4.message, join(dir, 'missing'));
  // A FIFO must not be opened (open would block).
  const fifo = join(dir, 'fifo');
  spawnSync('mkfifo', [fifo]);
  t.throws(() => Netns.fromPath(fifo), InvalidArgumentError);
  t.equal(fdCount(), before, 'no fd leaked on refusals');
  t.equal(threadIno(), home);
});

t.test('set() moves the calling thread for good; the old handle brings it back', privileged, async (t) => {
  const home = Netns.get();
  const ns = Netns.new();
  t.teardown(() => {
    home.set();
    home.close();
    ns.close();
  });
  ns.set();
  t.equal(threadIno(), ns.ino, 'thread moved');
  t.ok(Netns.get().equals(ns), 'Netns.get() sees the new one');
  home.set();
  t.equal(threadIno(), home.ino, 'thread back');
});

t.test('fromPath of a path that means something else to another process (/proc/self, /proc/thread-self, relative) gives a path that still names this netns', privileged, async (t) => {
  const home = Netns.get();
  const a = Netns.new();
  const cwd = process.cwd();
  t.teardown(() => {
    process.chdir(cwd);
    home.close();
    a.close();
  });
  // What another process (nsenter, a CNI result's sandbox reader) sees at ns.path.
  const inoFor = (p: string) => Number(spawnSync('stat', ['-L', '-c', '%i', p], { encoding: 'utf8' }).stdout.trim());
  const opened = [
    withThreadNetns(a.fd, () => Netns.fromPath('/proc/thread-self/ns/net')),
    withThreadNetns(a.fd, () => Netns.fromPath('/proc//self/../thread-self/ns/./net')),
    Netns.fromPath('/proc/self/fd/' + String(a.fd)),
  ];
  for (const ns of opened) {
    t.ok(ns.equals(a), `${ns.path} is a`);
    t.equal(inoFor(ns.path), a.ino, `another process reads a at ${ns.path} (before: its own netns at a /proc/self path)`);
    ns.close();
  }
  // A relative path is made absolute when opened: a later chdir does not change what it names.
  const dir = mkdtempSync(join(tmpdir(), 'nlkit-rel-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'x'), '');
  t.equal(spawnSync('mount', ['--bind', a.path, join(dir, 'x')]).status, 0);
  t.teardown(() => spawnSync('umount', [join(dir, 'x')]));
  process.chdir(dir);
  const rel = Netns.fromPath('x');
  process.chdir(cwd);
  t.equal(rel.path, join(dir, 'x'), 'absolute');
  t.ok(rel.equals(a));
  t.equal(inoFor(rel.path), a.ino);
  rel.close();
  // A named file and /proc/PID/ns/net keep the path given.
  const byPid = Netns.fromPath(`/proc/${process.pid}/ns/net`);
  t.equal(byPid.path, `/proc/${process.pid}/ns/net`);
  byPid.close();
  const byFile = Netns.fromPath(join(dir, 'x'));
  t.equal(byFile.path, join(dir, 'x'));
  byFile.close();
  t.equal(threadIno(), home.ino);
});

t.test('set() refused for want of CAP_SYS_ADMIN says so, as every other switch does', privileged, async (t) => {
  const { withoutCap, CAP_SYS_ADMIN } = await import('./util.js');
  const home = threadIno();
  const ns = Netns.new();
  t.teardown(() => ns.close());
  const e = withoutCap(CAP_SYS_ADMIN, () => {
    try {
      ns.set();
      return undefined;
    } catch (x) {
      return x as SysError;
    }
  });
  t.ok(e instanceof SysError, `${e?.constructor?.name}: ${e?.message}`);
  t.equal(e?.code, 'EPERM');
  t.match(e?.message, /CAP_SYS_ADMIN/, 'names the capability');
  t.match(e?.message, ns.id, 'names the namespace');
  t.equal(threadIno(), home, 'the thread did not move');
});
