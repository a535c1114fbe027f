// The main thread's netns is unchanged after every API call, also when it throws; the
// libuv threadpool never starts inside a foreign netns (real kernel).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Netns, execNetns, execNetnsSync, netnsWorker, sysctlGet, sysctlSet } from '../../src/ns/index.js';
import { privileged } from '../helpers.js';
import { privateDir, threadIno } from './util.js';

t.test('every API call, succeeding or throwing, leaves the main thread in its netns', privileged, async (t) => {
  const d = privateDir();
  t.teardown(() => d.cleanup());
  const home = threadIno();
  const host = Netns.get();
  const ns = Netns.new();
  const closed = Netns.new();
  closed.close();
  t.teardown(() => {
    host.close();
    ns.close();
  });
  const opts = { dir: d.dir };
  const calls: [string, () => unknown][] = [
    ['get', () => Netns.get().close()],
    ['new', () => Netns.new().close()],
    ['newNamed', () => Netns.newNamed('x', opts).close()],
    ['newNamed taken', () => Netns.newNamed('x', opts)],
    ['newNamed bad name', () => Netns.newNamed('a/b', opts)],
    ['newNamed unwritable dir', () => Netns.newNamed('y', { dir: '/proc/nlkit-no' })],
    ['getNamed', () => Netns.getNamed('x', opts).close()],
    ['getNamed missing', () => Netns.getNamed('missing', opts)],
    ['listNamed', () => Netns.listNamed(opts)],
    ['deleteNamed', () => Netns.deleteNamed('x', opts)],
    ['deleteNamed missing', () => Netns.deleteNamed('x', opts)],
    ['fromPath', () => Netns.fromPath(ns.path).close()],
    ['fromPath regular file', () => Netns.fromPath('/etc/hostname')],
    ['fromPath mnt ns', () => Netns.fromPath('/proc/self/ns/mnt')],
    ['fromPid', () => Netns.fromPid(process.pid).close()],
    ['fromPid dead', () => Netns.fromPid(spawnSync('true').pid!)],
    ['set closed', () => closed.set()],
    ['execNetnsSync', () => execNetnsSync(host, ns, () => 1)],
    ['execNetnsSync throws', () => execNetnsSync(host, ns, () => {
      throw new Error('x');
    })],
    ['execNetnsSync closed', () => execNetnsSync(host, closed, () => 1)],
    ['sysctlGet', () => sysctlGet(ns, 'net.ipv4.ip_forward')],
    ['sysctlGet missing', () => sysctlGet(ns, 'net.ipv4.nope')],
    ['sysctlSet bad value', () => sysctlSet(ns, 'net.ipv4.ip_forward', 'zz')],
    ['netnsWorker bad', () => netnsWorker(ns, 'x', { execArgv: ['--no-such-flag-nlkit'] })],
  ];
  for (const [what, call] of calls) {
    try {
      call();
    } catch {
      /* throwing is fine; moving the thread is not */
    }
    t.equal(threadIno(), home, what);
  }
  for (const [what, call] of [
    ['execNetns', () => execNetns(host, ns, async () => 1)],
    ['execNetns rejects', () => execNetns(host, ns, async () => {
      throw new Error('x');
    })],
  ] as const) {
    const p = call();
    t.equal(threadIno(), home, `${what} (sync)`);
    await p.catch(() => undefined);
    t.equal(threadIno(), home, `${what} (settled)`);
  }
});

// A CommonJS child (require of nlkit's ESM output loads synchronously, so nothing has
// started the libuv threadpool yet): the first thing it does is move its main thread
// for good, then it asks a threadpool thread (fs.readlink runs there; /proc/thread-self
// is that thread) for its netns.
const CHILD = (body: string) => `
const { readlink, statSync } = require('node:fs');
const ino = () => statSync('/proc/thread-self/ns/net').ino;
const home = ino();
${body}
readlink('/proc/thread-self/ns/net', (err, link) => {
  if (err) throw err;
  process.stdout.write(JSON.stringify({ home, main: ino(), pool: Number(/\\[(\\d+)\\]/.exec(link)[1]) }));
});`;

function runChild(body: string): { home: number; main: number; pool: number } {
  const r = spawnSync(process.execPath, ['--input-type=commonjs', '-e', CHILD(body)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { home: number; main: number; pool: number };
}

t.test('the libuv threadpool stays in the original netns after the first switch', privileged, async (t) => {
  const ns = fileURLToPath(new URL('../../src/ns/index.js', import.meta.url));
  const sys = fileURLToPath(new URL('../../src/netlink/sys.js', import.meta.url));
  const o = runChild(`require(${JSON.stringify(ns)}).Netns.new().set();`);
  t.not(o.main, o.home, 'main thread moved by set()');
  t.equal(o.pool, o.home, 'threadpool thread still in the original netns');
  // Without nlkit's precaution the pool is born where the main thread is (this is what
  // the test guards against; if Node ever starts the pool early, only a comment).
  const raw = runChild(`const s = require(${JSON.stringify(sys)}); s.unshare(s.CLONE_NEWNET);`);
  if (raw.pool === raw.main) t.pass('control: a raw unshare first puts the pool in the new netns');
  else t.comment('control: this Node starts the threadpool before user code; the check above is weaker');
});

t.test('a Promise or thenable returned to withThreadNetns is refused, and its rejection does not crash the process', privileged, async (t) => {
  const sw = fileURLToPath(new URL('../../src/netlink/netns-switch.js', import.meta.url));
  // In a child: an unhandled rejection ends a Node process with status 1.
  const code = `
const { withThreadNetns } = require(${JSON.stringify(sw)});
const fd = require('node:fs').openSync('/proc/self/ns/net', 'r');
for (const fn of [async () => { throw new Error('late boom'); }, () => ({ then(ok, fail) { fail(new Error('thenable')); } })]) {
  try {
    withThreadNetns(fd, fn);
    console.log('returned');
  } catch (e) {
    console.log('threw: ' + e.message);
  }
}
setTimeout(() => console.log('alive'), 50);`;
  const r = spawnSync(process.execPath, ['--input-type=commonjs', '-e', code], { encoding: 'utf8' });
  t.equal(r.status, 0, `child exits normally (stderr: ${r.stderr.split('\n').slice(0, 3).join(' | ')})`);
  const lines = r.stdout.trim().split('\n');
  t.equal(lines.length, 3, r.stdout);
  t.match(lines[0], /^threw: .*Promise/, 'an async fn is refused');
  t.match(lines[1], /^threw: .*Promise/, 'a thenable is refused');
  t.equal(lines[2], 'alive', 'no unhandled rejection ended the process');
});
