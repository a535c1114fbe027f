// Named network namespaces, compatible with `ip netns` both ways (real kernel).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Netns, DEFAULT_NETNS_DIR, netnsDir } from '../../src/ns/index.js';
import { InvalidArgumentError, SysError } from '../../src/netlink/errors.js';
import { withThreadNetns } from '../../src/netlink/netns-switch.js';
import { fdCount, privileged } from '../helpers.js';
import { CAP_SYS_ADMIN, mountsUnder, privateDir, threadIno, uniqueName, withoutCap } from './util.js';

function ipNetns(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync('ip', ['netns', ...args], { encoding: 'utf8' });
}

/** Names `ip netns list` prints (it reads /run/netns, iproute2's fixed directory). */
function ipNetnsNames(): string[] {
  const r = ipNetns(['list']);
  return r.stdout.split('\n').filter(Boolean).map((l) => l.split(' ')[0]!);
}

t.test('newNamed in /run/netns is visible to `ip netns list` and usable by `ip netns exec`', privileged, async (t) => {
  const home = threadIno();
  const name = uniqueName('blue');
  t.teardown(() => Netns.deleteNamed(name));
  const ns = Netns.newNamed(name);
  t.teardown(() => ns.close());
  t.equal(threadIno(), home, 'caller back home');
  t.equal(ns.name, name);
  t.equal(ns.path, join(DEFAULT_NETNS_DIR, name));
  t.not(ns.ino, home);
  t.ok(ipNetnsNames().includes(name), 'ip netns list shows it');
  const r = ipNetns(['exec', name, 'readlink', '/proc/self/ns/net']);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout.trim(), `net:[${ns.ino}]`, 'ip netns exec runs inside it');
  const links = ipNetns(['exec', name, 'ip', '-j', 'link', 'show']);
  t.same(JSON.parse(links.stdout).map((l: { ifname: string }) => l.ifname), ['lo']);
  t.equal(statSync(ns.path).ino, ns.ino, 'the file is the namespace (bind mount)');
  t.ok(mountsUnder(DEFAULT_NETNS_DIR).includes(ns.path), 'a mount point');
  t.ok(Netns.listNamed().includes(name));
});

t.test('a netns made by `ip netns add` is usable by nlkit, and `ip netns del` deletes ours', privileged, async (t) => {
  const home = threadIno();
  const name = uniqueName('ipadd');
  t.teardown(() => void ipNetns(['del', name]));
  const add = ipNetns(['add', name]);
  t.equal(add.status, 0, add.stderr);
  const ns = Netns.getNamed(name);
  t.teardown(() => ns.close());
  t.equal(ns.ino, statSync(join('/run/netns', name)).ino);
  t.equal(withThreadNetns(ns.fd, threadIno), ns.ino, 'the thread really enters it');
  t.equal(threadIno(), home);
  t.ok(Netns.listNamed().includes(name));
  t.equal(Netns.deleteNamed(name), true, 'nlkit deletes what ip made');
  t.notOk(ipNetnsNames().includes(name));

  const mine = uniqueName('mine');
  Netns.newNamed(mine).close();
  const del = ipNetns(['del', mine]);
  t.equal(del.status, 0, del.stderr);
  t.notOk(existsSync(join('/run/netns', mine)), 'ip netns del removes ours');
  t.notOk(mountsUnder('/run/netns').includes(join('/run/netns', mine)));
});

t.test('deleteNamed removes both mount and file; a missing name is not an error', privileged, async (t) => {
  const d = privateDir();
  t.teardown(() => d.cleanup());
  const name = 'gone';
  const ns = Netns.newNamed(name, { dir: d.dir });
  const path = join(d.dir, name);
  t.ok(mountsUnder(d.dir).includes(path));
  t.equal(Netns.deleteNamed(name, { dir: d.dir }), true);
  t.notOk(mountsUnder(d.dir).includes(path), 'mount gone');
  t.notOk(existsSync(path), 'file gone');
  t.equal(Netns.deleteNamed(name, { dir: d.dir }), false, 'second delete: nothing to do');
  t.equal(Netns.deleteNamed('never-was', { dir: d.dir }), false);
  t.equal(withThreadNetns(ns.fd, threadIno), ns.ino, 'an open handle keeps the namespace alive');
  ns.close();
  // A half-made file (not a mount) is removed too.
  writeFileSync(join(d.dir, 'half'), '');
  t.equal(Netns.deleteNamed('half', { dir: d.dir }), true);
});

t.test('a private directory becomes a shared mount point (bound onto itself)', privileged, async (t) => {
  const d = privateDir();
  t.teardown(() => d.cleanup());
  t.notOk(existsSync(d.dir));
  const ns = Netns.newNamed('a', { dir: d.dir });
  ns.close();
  const line = (spawnSync('cat', ['/proc/self/mountinfo'], { encoding: 'utf8' }).stdout.split('\n')).find((l) => l.split(' ')[4] === d.dir);
  t.ok(line, 'the directory is a mount point');
  t.match(line!, /shared:\d+/, 'with shared propagation');
  const again = Netns.newNamed('b', { dir: d.dir });
  again.close();
  t.equal(mountsUnder(d.dir).filter((m) => m === d.dir).length, 1, 'bound onto itself only once');
  t.same(Netns.listNamed({ dir: d.dir }), ['a', 'b']);
});

t.test('getNamed opens the same namespace; a taken name is EEXIST and leaves the original intact', privileged, async (t) => {
  const d = privateDir();
  t.teardown(() => d.cleanup());
  const home = threadIno();
  const ns = Netns.newNamed('dup', { dir: d.dir });
  t.teardown(() => ns.close());
  const byName = Netns.getNamed('dup', { dir: d.dir });
  t.ok(byName.equals(ns));
  t.equal(byName.path, ns.path);
  byName.close();
  const before = fdCount();
  const err = t.throws(() => Netns.newNamed('dup', { dir: d.dir })) as SysError;
  t.equal(err.code, 'EEXIST');
  t.match(err.message, /already exists/);
  t.equal(fdCount(), before);
  t.equal(threadIno(), home);
  const still = Netns.getNamed('dup', { dir: d.dir });
  t.ok(still.equals(ns), 'the existing namespace was not touched');
  still.close();
  const missing = t.throws(() => Netns.getNamed('nope', { dir: d.dir })) as SysError;
  t.equal(missing.code, 'ENOENT');
  t.match(missing.message, join(d.dir, 'nope'));
  writeFileSync(join(d.dir, 'half'), '');
  const half = t.throws(() => Netns.getNamed('half', { dir: d.dir })) as Error;
  t.ok(half instanceof InvalidArgumentError, 'a plain file in the directory is refused');
  t.match(half.message, join(d.dir, 'half'));
});

t.test('newNamed on a taken name says what holds it: a netns, another namespace, a file, a directory, a symlink', privileged, async (t) => {
  const d = privateDir();
  t.teardown(() => d.cleanup());
  const { mkdirSync, symlinkSync } = await import('node:fs');
  const sh = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  };
  const dir = d.dir;
  const ns = Netns.newNamed('net', { dir });
  t.teardown(() => ns.close());
  writeFileSync(join(dir, 'file'), '');
  mkdirSync(join(dir, 'sub'));
  symlinkSync('/etc/hostname', join(dir, 'link'));
  writeFileSync(join(dir, 'uts'), '');
  sh('mount', ['--bind', '/proc/self/ns/uts', join(dir, 'uts')]);
  writeFileSync(join(dir, 'bound'), ''); // a file of another file system (procfs) bound on it
  sh('mount', ['--bind', '/proc/version', join(dir, 'bound')]);
  const rows: [string, RegExp][] = [
    ['net', new RegExp(`a network namespace named 'net' already exists in ${dir}$`)],
    ['file', new RegExp(`'file' already exists in ${dir} as a regular file, not a network namespace \\(a half-made one`)],
    ['sub', new RegExp(`'sub' already exists in ${dir} as a directory that is not a network namespace$`)],
    ['link', new RegExp(`'link' already exists in ${dir} as a symbolic link, not a network namespace$`)],
    ['uts', new RegExp(`'uts' already exists in ${dir} with a UTS namespace mounted on it, not a network namespace$`)],
    ['bound', new RegExp(`'bound' already exists in ${dir} with a file that is not a network namespace mounted on it$`)],
  ];
  const home = threadIno();
  const fds = fdCount();
  for (const [name, message] of rows) {
    const e = t.throws(() => Netns.newNamed(name, { dir }), name) as SysError;
    t.ok(e instanceof SysError, `${name}: ${e?.message}`);
    t.equal(e.code, 'EEXIST');
    t.equal(e.path, join(dir, name));
    t.match(e.message, message, name);
  }
  t.equal(fdCount(), fds, 'no fd left open by the look');
  t.equal(threadIno(), home);
  const again = Netns.getNamed('net', { dir });
  t.ok(again.equals(ns), 'the netns is untouched');
  again.close();
});

t.test('the directory comes from the option, else NLKIT_NETNS_DIR, else /run/netns', privileged, async (t) => {
  const d = privateDir();
  t.teardown(() => d.cleanup());
  const saved = process.env.NLKIT_NETNS_DIR;
  t.teardown(() => {
    if (saved === undefined) delete process.env.NLKIT_NETNS_DIR;
    else process.env.NLKIT_NETNS_DIR = saved;
  });
  delete process.env.NLKIT_NETNS_DIR;
  t.equal(netnsDir(), '/run/netns');
  process.env.NLKIT_NETNS_DIR = d.dir;
  t.equal(netnsDir(), d.dir);
  t.equal(netnsDir({ dir: '/elsewhere' }), '/elsewhere');
  const ns = Netns.newNamed('viaenv');
  t.equal(ns.path, join(d.dir, 'viaenv'));
  ns.close();
  t.same(Netns.listNamed(), ['viaenv']);
  t.equal(Netns.deleteNamed('viaenv'), true);
  t.same(Netns.listNamed({ dir: join(d.root, 'does-not-exist') }), [], 'missing directory lists nothing');
});

t.test('a dir with .. is used normalised by every function: nothing made on the way, one path in names and messages', privileged, async (t) => {
  const d = privateDir();
  t.teardown(() => d.cleanup());
  const home = threadIno();
  // `missing` does not exist: the kernel would refuse 'root/missing/../netns' (ENOENT),
  // and mkdir -p of it would make `missing` first.
  const dir = `${d.root}/missing/../netns/`;
  const missing = join(d.root, 'missing');
  const ns = Netns.newNamed('dotdot', { dir });
  t.teardown(() => ns.close());
  t.equal(ns.path, join(d.dir, 'dotdot'), 'Netns.path is the normalised path');
  t.notOk(existsSync(missing), 'no directory was made for the .. to climb out of');
  t.equal(threadIno(), home);
  t.ok(mountsUnder(d.dir).includes(ns.path), 'the namespace is mounted in the normalised directory');
  t.same(Netns.listNamed({ dir }), ['dotdot'], 'listNamed sees it (it listed nothing: ENOENT on the way)');
  const again = Netns.getNamed('dotdot', { dir });
  t.ok(again.equals(ns), 'getNamed opens it');
  t.equal(again.path, ns.path);
  again.close();
  const taken = t.throws(() => Netns.newNamed('dotdot', { dir })) as SysError;
  t.equal(taken.code, 'EEXIST');
  t.equal(taken.path, ns.path, 'the error names the normalised path');
  t.notMatch(taken.message, /\.\./, 'no .. in the message');
  t.equal(Netns.deleteNamed('dotdot', { dir }), true, 'deleteNamed removes it (it found nothing before)');
  t.same(Netns.listNamed({ dir: d.dir }), []);
  t.notOk(existsSync(missing));
});

t.test('the netns stays after the handle closes, until deleted', privileged, async (t) => {
  const d = privateDir();
  t.teardown(() => d.cleanup());
  const ns = Netns.newNamed('keep', { dir: d.dir });
  const ino = ns.ino;
  ns.close();
  const again = Netns.getNamed('keep', { dir: d.dir });
  t.equal(again.ino, ino);
  again.close();
});

t.test('a directory that cannot be made fails fast with the path (no mkdir -p loop)', privileged, async (t) => {
  const home = threadIno();
  const e = t.throws(() => Netns.newNamed('x', { dir: '/proc/nlkit-cannot/netns' })) as SysError;
  t.ok(e instanceof SysError);
  t.equal(e.code, 'ENOENT');
  t.equal(e.path, '/proc/nlkit-cannot');
  t.equal(threadIno(), home);
});

t.test('deleteNamed never unmounts what is not a netns, and detaches stacked netns mounts', privileged, async (t) => {
  const d = privateDir();
  t.teardown(() => d.cleanup());
  const { mkdirSync, symlinkSync, readFileSync } = await import('node:fs');
  Netns.newNamed('warm', { dir: d.dir }).close(); // makes d.dir
  const sh = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  };
  // A directory mount point in the netns dir: it was unmounted, then unlink said EISDIR.
  const sub = join(d.dir, 'sub');
  mkdirSync(sub);
  sh('mount', ['-t', 'tmpfs', 'nlkit-sub', sub]);
  const e1 = t.throws(() => Netns.deleteNamed('sub', { dir: d.dir })) as InvalidArgumentError;
  t.ok(e1 instanceof InvalidArgumentError, `a directory: ${e1?.constructor?.name}: ${e1?.message}`);
  t.same(mountsUnder(sub), [sub], 'the directory\'s mount is untouched');
  // A symlink to a mount point elsewhere: umount2 followed it and unmounted the target.
  const victim = join(d.root, 'victim');
  mkdirSync(victim);
  sh('mount', ['-t', 'tmpfs', 'nlkit-victim', victim]);
  symlinkSync(victim, join(d.dir, 'link'));
  t.equal(Netns.deleteNamed('link', { dir: d.dir }), true, 'the symlink (a name in the dir) is removed');
  t.notOk(existsSync(join(d.dir, 'link')));
  t.same(mountsUnder(victim), [victim], 'its target\'s mount is untouched');
  // A regular file with something else bind-mounted on it (not a netns).
  const conf = join(d.dir, 'conf');
  writeFileSync(conf, 'under');
  writeFileSync(join(d.root, 'src'), 'bound');
  sh('mount', ['--bind', join(d.root, 'src'), conf]);
  const e3 = t.throws(() => Netns.deleteNamed('conf', { dir: d.dir })) as SysError;
  t.ok(e3 instanceof SysError, `a foreign bind mount: ${e3?.constructor?.name}: ${e3?.message}`);
  t.match(e3.message, /not a network namespace/);
  t.same(mountsUnder(conf), [conf], 'the foreign mount is untouched');
  t.equal(readFileSync(conf, 'utf8'), 'bound');
  // Another namespace type bound onto a name (nsfs too): it was unmounted and removed.
  const uts = join(d.dir, 'uts');
  writeFileSync(uts, '');
  sh('mount', ['--bind', '/proc/self/ns/uts', uts]);
  const e4 = t.throws(() => Netns.deleteNamed('uts', { dir: d.dir })) as SysError;
  t.ok(e4 instanceof SysError, `a UTS namespace: ${e4?.constructor?.name}: ${e4?.message}`);
  t.equal(e4.code, 'EBUSY');
  t.match(e4.message, /a UTS namespace is mounted there, not a network namespace; left alone/);
  t.same(mountsUnder(uts), [uts], 'the UTS namespace mount is untouched');
  // Two netns mounts stacked on one name (racing creators, or a manual bind): the first
  // delete left one behind and failed with EBUSY.
  const ns = Netns.newNamed('st', { dir: d.dir });
  t.teardown(() => ns.close());
  const other = Netns.new();
  t.teardown(() => other.close());
  sh('mount', ['--bind', other.path, join(d.dir, 'st')]);
  t.equal(mountsUnder(join(d.dir, 'st')).length, 2);
  t.equal(Netns.deleteNamed('st', { dir: d.dir }), true);
  t.same(mountsUnder(join(d.dir, 'st')), [], 'both mounts detached');
  t.notOk(existsSync(join(d.dir, 'st')), 'file removed');
});

t.test('deleteNamed of a name whose netns mount is also under the directory\'s own bind mount says so, not "not a network namespace; left alone"', privileged, async (t) => {
  // A name mounted before the directory was a mount point: newNamed's bind of the
  // directory onto itself (as `ip netns add` does) copies that mount on top. Deleting the
  // name detaches the copy; the original, now hidden under the directory's mount, keeps
  // the file busy — `ip netns del` fails the same way ("Device or resource busy").
  const d = privateDir();
  t.teardown(() => d.cleanup());
  const { mkdirSync } = await import('node:fs');
  mkdirSync(d.dir);
  const early = join(d.dir, 'early');
  writeFileSync(early, '');
  const other = Netns.new();
  t.teardown(() => other.close());
  const r = spawnSync('mount', ['--bind', other.path, early], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  Netns.newNamed('late', { dir: d.dir }).close();
  t.equal(mountsUnder(early).length, 2, 'the early mount, and its copy in the directory\'s bind mount');
  const e = t.throws(() => Netns.deleteNamed('early', { dir: d.dir })) as SysError;
  t.ok(e instanceof SysError, `${e?.constructor?.name}: ${e?.message}`);
  t.equal(e.code, 'EBUSY');
  t.notMatch(e.message, /not a network namespace is mounted there; left alone/, 'a netns was mounted there, and it was detached');
  t.match(e.message, /detached/);
  t.match(e.message, /hidden/);
  t.equal(mountsUnder(early).length, 1, 'the visible copy was detached');
});

t.test('newNamed mounts onto the very file it made: a file put in its place meanwhile is neither mounted on nor removed', privileged, async (t) => {
  const d = privateDir();
  t.teardown(() => d.cleanup());
  const { readFileSync } = await import('node:fs');
  const { Worker } = await import('node:worker_threads');
  Netns.newNamed('warm', { dir: d.dir }).close();
  Netns.deleteNamed('warm', { dir: d.dir });
  const path = join(d.dir, 'r');
  const nsfs = statSync('/proc/self/ns/net').dev;
  // A second thread plays a racing `deleteNamed r` + `newNamed r` of another process: as
  // soon as the file newNamed made (O_EXCL) appears, and before a namespace is mounted on
  // it, it is removed and another file takes the name.
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const w = new Worker(`
const { parentPort, workerData: { path, nsfs, flag } } = require('node:worker_threads');
const fs = require('node:fs');
for (;;) {
  Atomics.wait(flag, 0, 0);
  if (flag[0] === 2) break;
  let res = 'none';
  for (const until = Date.now() + 2000; Date.now() < until;) {
    let st;
    try { st = fs.lstatSync(path); } catch { continue; }
    if (st.dev === nsfs) { res = 'late'; break; }
    try { fs.unlinkSync(path); } catch (e) { res = 'late'; break; }
    fs.writeFileSync(path, 'other', { flag: 'wx' });
    res = 'swapped';
    break;
  }
  Atomics.store(flag, 0, 0);
  parentPort.postMessage(res);
}`, { eval: true, workerData: { path, nsfs, flag } });
  t.teardown(() => {
    Atomics.store(flag, 0, 2);
    Atomics.notify(flag, 0);
    return w.terminate();
  });
  const home = threadIno();
  let fds = -1; // counted after the first round: the worker's event loop opens its fds late
  let swapped = 0;
  for (let round = 0; round < 100 && swapped < 5; round++) {
    if (round === 1) fds = fdCount();
    const reply = new Promise<string>((r) => w.once('message', r));
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    await new Promise((r) => setTimeout(r, 5)); // the worker is polling now
    let made: Netns | undefined;
    let err: unknown;
    try {
      made = Netns.newNamed('r', { dir: d.dir });
    } catch (e) {
      err = e;
    }
    const res = await reply;
    if (res === 'swapped') {
      swapped++;
      // Before: the namespace was bind-mounted onto the other file and newNamed
      // succeeded (or, when the mount failed, its clean-up deleted the other file).
      t.notOk(made, 'newNamed did not succeed on a file that is not its own');
      t.ok(err instanceof SysError && err.code === 'ENOENT', `it says its file went away (${(err as Error)?.message})`);
      t.same(mountsUnder(path), [], 'nothing mounted on the other file');
      const left = !existsSync(path) ? 'gone' : statSync(path).dev === nsfs ? 'a netns' : readFileSync(path, 'utf8');
      t.equal(left, 'other', 'the other file is left as it was');
    } else {
      t.ok(made, `round ${round}: ${res}: made normally`);
    }
    made?.close();
    while (Netns.deleteNamed('r', { dir: d.dir }));
  }
  t.ok(swapped > 0, `the race was won ${swapped} times`);
  t.equal(fdCount(), fds, 'no fd leaked');
  t.equal(threadIno(), home);
});

t.test('processes racing newNamed/deleteNamed of one name: only EEXIST/ENOENT from newNamed, no error from deleteNamed, nothing left', privileged, async (t) => {
  const d = privateDir();
  t.teardown(() => d.cleanup());
  const { spawn } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  Netns.newNamed('warm', { dir: d.dir }).close();
  Netns.deleteNamed('warm', { dir: d.dir });
  const mod = fileURLToPath(new URL('../../src/ns/index.js', import.meta.url));
  const code = `
import { Netns } from ${JSON.stringify(mod)};
const dir = ${JSON.stringify(d.dir)};
const out = { made: 0, newErrors: {}, delErrors: {} };
const count = (o, k) => { o[k] = (o[k] || 0) + 1; };
for (let i = 0; i < 300; i++) {
  try { Netns.newNamed('r', { dir }).close(); out.made++; } catch (e) { count(out.newErrors, e.code + ' ' + e.syscall); }
  try { Netns.deleteNamed('r', { dir }); } catch (e) { count(out.delErrors, e.message); }
}
console.log(JSON.stringify(out));`;
  const runs = await Promise.all([0, 1, 2, 3].map(() => new Promise<string>((resolve) => {
    const c = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    let s = '';
    c.stdout.on('data', (b: Buffer) => (s += b));
    c.on('close', () => resolve(s));
  })));
  for (const r of runs) {
    const o = JSON.parse(r) as { made: number; newErrors: Record<string, number>; delErrors: Record<string, number> };
    t.ok(o.made > 0, `made ${o.made}`);
    // Before: deleteNamed failed with EBUSY when a creator mounted between its look and its unlink.
    t.same(o.delErrors, {}, 'deleteNamed never failed');
    for (const k of Object.keys(o.newErrors)) t.match(k, /^(EEXIST open|ENOENT (mount|open))$/, `newNamed error ${k} (${o.newErrors[k]}x)`);
  }
  t.same(Netns.listNamed({ dir: d.dir }), [], 'no file left');
  t.same(mountsUnder(d.dir).filter((m) => m !== d.dir), [], 'no mount left');
});

t.test('without CAP_SYS_ADMIN, newNamed and deleteNamed say so and change nothing', privileged, async (t) => {
  const d = privateDir();
  t.teardown(() => d.cleanup());
  // A fresh directory (made a shared mount point first) and one already prepared.
  const fresh = privateDir();
  t.teardown(() => fresh.cleanup());
  for (const dir of [fresh.dir, d.dir]) {
    if (dir === d.dir) Netns.newNamed('keep', { dir }).close();
    const fds = fdCount();
    let err: unknown;
    withoutCap(CAP_SYS_ADMIN, () => {
      try {
        Netns.newNamed('n', { dir });
      } catch (x) {
        err = x;
      }
    });
    t.type(err, SysError);
    t.equal((err as SysError).code, 'EPERM');
    t.match((err as SysError).message, /CAP_SYS_ADMIN/, `names the capability (${dir === d.dir ? 'prepared dir' : 'fresh dir'})`);
    t.notOk(existsSync(join(dir, 'n')), 'no file left');
    t.equal(fdCount(), fds, 'no fd left');
  }
  let del: unknown;
  withoutCap(CAP_SYS_ADMIN, () => {
    try {
      Netns.deleteNamed('keep', { dir: d.dir });
    } catch (x) {
      del = x;
    }
  });
  t.type(del, SysError);
  t.equal((del as SysError).code, 'EPERM');
  t.match((del as SysError).message, /CAP_SYS_ADMIN/, 'deleteNamed names the capability');
  t.ok(mountsUnder(d.dir).includes(join(d.dir, 'keep')), 'the name is still mounted');
  t.equal(Netns.deleteNamed('keep', { dir: d.dir }), true, 'and deletes with the capability');
});
