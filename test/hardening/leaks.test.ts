// Leaks and faults: fd counts, mounts, links and heap stay flat under many operations,
// failures included; a deleted netns, signals during syscalls.
import t from 'tap';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Rtnl, Netns, setupVeth, teardownVeth, NetlinkError, InvalidArgumentError } from '../../src/index.js';
import { privileged, fdCount, ipJson } from '../helpers.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Mounts at or under `dir` (other test files run in parallel in the same mount table). */
const mounts = (dir: string) => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.split(' ')[4]?.startsWith(dir)).length;

t.test('10,000 mixed operations, 1,000 of them failing, leave the fd count unchanged', privileged, async (t) => {
  const ns = Netns.new();
  t.teardown(() => ns.close());
  const fds = fdCount();
  const rt = Rtnl.open({ netns: ns });
  await rt.link.add({ kind: 'veth', name: 'l0', peer: { name: 'l1' } });
  await rt.link.set('l0', { up: true });
  let ok = 0;
  let failed = 0;
  for (let i = 0; i < 10_000; i++) {
    const k = i % 10;
    try {
      switch (k) {
        case 0: await rt.link.get('nope'); break; // ENODEV
        case 1: await rt.link.get('l0'); break;
        case 2: await rt.link.set('l0', { mtu: 1400 + (i % 100) }); break;
        case 3: await rt.addr.add('l0', `10.${(i >> 8) & 0xff}.${i & 0xff}.1/32`); break;
        case 4: await rt.addr.list({ link: 'l0' }); break;
        case 5: await rt.link.list(); break;
        case 6: await rt.route.list(); break;
        case 7: await rt.link.index('l1'); break;
        case 8: await rt.addr.del('l0', `10.${((i - 5) >> 8) & 0xff}.${(i - 5) & 0xff}.1/32`); break;
        case 9: if (i % 20 === 9) await rt.link.add({ kind: 'veth', name: 'l0' }); /* EEXIST */ else await rt.link.set('l0', { name: 'x/y' }); /* bad input */ break;
      }
      ok++;
    } catch (e) {
      if (!(e instanceof NetlinkError || e instanceof InvalidArgumentError)) throw e;
      failed++;
    }
  }
  rt.close();
  t.equal(ok + failed, 10_000);
  t.equal(failed, 2000, 'the failures were 1,000 ENODEV, 500 EEXIST and 500 bad input');
  t.equal(fdCount(), fds, 'fd count back to where it was');
});

t.test('1,000 newNamed/deleteNamed cycles leave no mount, no file, no fd', privileged, async (t) => {
  const dir = `/run/nlkit-leak-${process.pid}`;
  const fds = fdCount();
  // The first creation makes the directory a shared mount: count after it.
  Netns.newNamed('warm', { dir }).close();
  Netns.deleteNamed('warm', { dir });
  const m = mounts(dir);
  t.ok(m >= 1, 'the netns dir itself is a (shared) mount');
  for (let i = 0; i < 1000; i++) {
    const ns = Netns.newNamed(`leak${i % 7}`, { dir });
    ns.close();
    Netns.deleteNamed(`leak${i % 7}`, { dir });
  }
  t.equal(mounts(dir), m, 'no mount left under the netns dir');
  t.same(existsSync(dir) ? readdirSync(dir) : [], [], 'no file left in the netns dir');
  t.equal(fdCount(), fds, 'fd count unchanged');
});

t.test('1,000 setupVeth/teardownVeth cycles leave no link and no fd', privileged, async (t) => {
  const host = Netns.new();
  const ctr = Netns.new();
  t.teardown(() => {
    host.close();
    ctr.close();
  });
  const fds = fdCount();
  for (let i = 0; i < 1000; i++) {
    await setupVeth('eth0', '', 1500, null, host, ctr);
    t.equal(await teardownVeth('eth0', ctr), true) || t.bailout?.('teardown failed');
  }
  t.same(ipJson<any[]>(host.path, ['link', 'show']).map((l) => l.ifname), ['lo'], 'host netns: only lo');
  t.same(ipJson<any[]>(ctr.path, ['link', 'show']).map((l) => l.ifname), ['lo'], 'container netns: only lo');
  t.equal(fdCount(), fds, 'fd count unchanged');
});

t.test('heap stays flat after warm-up', privileged, async (t) => {
  const ns = Netns.new();
  const rt = Rtnl.open({ netns: ns });
  t.teardown(() => {
    rt.close();
    ns.close();
  });
  await rt.link.add({ kind: 'veth', name: 'h0', peer: { name: 'h1' } });
  const round = async (n: number) => {
    for (let i = 0; i < n; i++) {
      await rt.link.get('h0');
      await rt.link.list();
      await rt.link.get('none').catch(() => undefined);
    }
  };
  await round(3000);
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  await round(20_000);
  gc();
  gc();
  const grew = process.memoryUsage().heapUsed - before;
  t.comment(`heap growth over 60,000 operations after warm-up: ${(grew / 1024).toFixed(0)} KiB`);
  t.ok(grew < 2 * 1024 * 1024, 'less than 2 MiB growth (no per-operation retention)');
});

t.test('a handle bound to a named netns keeps working after the name is deleted, and closes cleanly', privileged, async (t) => {
  const dir = `/run/nlkit-del-${process.pid}`;
  const ns = Netns.newNamed('doomed', { dir });
  const rt = Rtnl.open({ netns: ns });
  ns.close();
  Netns.deleteNamed('doomed', { dir });
  // The socket holds the namespace alive: requests still work there.
  await rt.link.add({ kind: 'veth', name: 'z0', peer: { name: 'z1' } });
  t.same((await rt.link.list()).map((l) => l.name).sort(), ['lo', 'z0', 'z1']);
  rt.close();
  rt.close();
  await t.rejects(rt.link.list(), { code: 'ERR_NLKIT_CLOSED' }, 'a closed handle says so');
  t.throws(() => Rtnl.open({ netns: ns }), { code: 'ERR_NLKIT_CLOSED' }, 'a closed Netns says so');
});

t.test('a signal storm during 6,000 requests breaks none of them (EINTR is retried where a syscall sees it)', privileged, async (t) => {
  // In a child process of its own (tap's own signal handling must stay out of it).
  const index = new URL('../../src/index.js', import.meta.url).href;
  const script = `
    import { Rtnl, Netns } from ${JSON.stringify(index)};
    import { spawn } from 'node:child_process';
    let got = 0;
    process.on('SIGWINCH', () => got++);
    const ns = Netns.new();
    const rt = Rtnl.open({ netns: ns });
    await rt.link.add({ kind: 'veth', name: 's0', peer: { name: 's1' } });
    const storm = spawn('sh', ['-c', 'while kill -WINCH ' + process.pid + ' 2>/dev/null; do :; done'], { stdio: 'ignore' });
    while (got === 0) await new Promise((r) => setTimeout(r, 5));
    let done = 0;
    for (let i = 0; i < 3000; i++) {
      await rt.link.set('s0', { mtu: 1300 + (i % 100) });
      await rt.link.list();
      done++;
      if (i % 50 === 0) await new Promise((r) => setImmediate(r)); // let signal handlers run
    }
    const during = got;
    storm.kill('SIGKILL');
    const mtu = (await rt.link.get('s0')).mtu;
    rt.close(); ns.close();
    console.log(JSON.stringify({ got: during, done, mtu }));
  `;
  const r = await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const c = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    c.on('close', (code) => resolve({ code, out, err }));
  });
  t.equal(r.code, 0, r.err);
  const res = JSON.parse(r.out.trim().split('\n').pop()!);
  t.ok(res.got > 0, `${res.got} signals were delivered during the run`);
  t.equal(res.done, 3000, 'every request completed');
  t.equal(res.mtu, 1300 + (2999 % 100), 'and took effect');
});

t.test('the runner gives test files a temporary directory of its own run, which it removes', privileged, async (t) => {
  // Privileged tests run under scripts/test.mjs (see helpers.ts), which sets TMPDIR to a
  // fresh /tmp/nlkit-test-XXXXXX: what a killed test file leaves there goes with the run.
  const { tmpdir } = await import('node:os');
  t.match(process.env['TMPDIR'] ?? '', /\/nlkit-test-[^/]+$/, 'TMPDIR is the run\'s directory');
  t.equal(tmpdir(), process.env['TMPDIR'], 'os.tmpdir() follows it');
  t.ok(existsSync(tmpdir()), 'and it exists');
});
