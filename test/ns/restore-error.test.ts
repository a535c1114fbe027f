// A switch back that fails (NetnsRestoreError) keeps the callback's own error: `cause`
// and the message carry it, `setnsError` the failed setns. The failure is made real: the
// callback replaces the switch's home fd with /dev/null (see breakSwitchBack), so setns
// back fails with EINVAL and the thread is left in the target, as the error says.
import t from 'tap';
import { Netns, NetnsRestoreError, execNetns, execNetnsSync } from '../../src/ns/index.js';
import { SysError } from '../../src/netlink/errors.js';
import { withThreadNetns } from '../../src/netlink/netns-switch.js';
import { fdCount, privileged } from '../helpers.js';
import { breakSwitchBack, openFds, threadIno } from './util.js';

type Run = (home: Netns, ns: Netns, fn: () => unknown) => unknown;

const runners: [string, Run][] = [
  ['execNetnsSync', (home, ns, fn) => execNetnsSync(home, ns, fn)],
  ['execNetns (fn throws synchronously)', (home, ns, fn) => execNetns(home, ns, fn)],
  ['withThreadNetns', (_home, ns, fn) => withThreadNetns(ns.fd, fn)],
];

/** What `run` throws or rejects with. */
async function failure(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (e) {
    return e;
  }
  return undefined;
}

for (const [name, run] of runners) {
  t.test(`${name}: a failed switch back after fn threw carries fn's error as cause and in the message`, privileged, async (t) => {
    const home = Netns.get();
    const ns = Netns.new();
    t.teardown(() => {
      home.set(); // the thread was left in ns: bring it back
      home.close();
      ns.close();
    });
    const fds = fdCount();
    const boom = new RangeError('the callback failed first');
    const before = openFds();
    const e = await failure(() => run(home, ns, () => {
      breakSwitchBack(before, home.ino);
      throw boom;
    })) as NetnsRestoreError;
    t.ok(e instanceof NetnsRestoreError, `a NetnsRestoreError: ${String(e)}`);
    t.equal(e.code, 'ERR_NLKIT_NETNS_RESTORE');
    t.equal(e.cause, boom, "cause is the callback's own error");
    t.equal(e.callbackThrew, true);
    t.ok(e.setnsError instanceof SysError, 'setnsError is the failed setns');
    t.equal((e.setnsError as SysError).code, 'EINVAL');
    t.match(e.message, /^could not switch the thread back to its original network namespace: EINVAL: .*setns/, 'the message says the switch back failed');
    t.match(e.message, /the callback had thrown first: the callback failed first$/, "and names the callback's error");
    t.equal(threadIno(), ns.ino, 'the thread really is left in the target');
    home.set();
    t.equal(fdCount(), fds, 'the home fd was closed all the same');
  });

  t.test(`${name}: a failed switch back after fn returned: cause is the setns error`, privileged, async (t) => {
    const home = Netns.get();
    const ns = Netns.new();
    t.teardown(() => {
      home.set();
      home.close();
      ns.close();
    });
    const before = openFds();
    const e = await failure(() => run(home, ns, () => {
      breakSwitchBack(before, home.ino);
      return 1;
    })) as NetnsRestoreError;
    t.ok(e instanceof NetnsRestoreError, `a NetnsRestoreError: ${String(e)}`);
    t.equal(e.callbackThrew, false);
    t.equal(e.cause, e.setnsError, 'cause is the setns error');
    t.equal((e.cause as SysError).code, 'EINVAL');
    t.notMatch(e.message, /callback had thrown/);
    t.equal(threadIno(), ns.ino, 'left in the target');
  });
}

t.test('a thrown non-Error (undefined, an object without message) is still carried and named', async (t) => {
  const setns = new SysError('setns', 22);
  const a = new NetnsRestoreError(setns, { error: undefined });
  t.equal(a.callbackThrew, true);
  t.equal(a.cause, undefined);
  t.match(a.message, /the callback had thrown first: undefined$/);
  const b = new NetnsRestoreError(setns, { error: Object.create(null) });
  t.match(b.message, /the callback had thrown first: an unprintable value$/);
  t.equal(new NetnsRestoreError(setns).cause, setns);
});

t.test('a switch back refused with EPERM (a child user namespace entering its own netns) says why', privileged, async (t) => {
  // unshare -U -r: a netns made by a child in the same user namespace can be entered, but
  // the original netns belongs to the parent user namespace, so the switch back fails.
  const url = new URL('../../src/ns/index.js', import.meta.url).href;
  const code = `const { Netns, execNetnsSync } = await import(${JSON.stringify(url)}); const { spawn } = await import('node:child_process');
    const c = spawn('unshare', ['-n', 'sleep', '30'], { stdio: 'ignore' }); await new Promise((r) => setTimeout(r, 300));
    const ns = Netns.fromPid(c.pid);
    try { execNetnsSync(Netns.get(), ns, () => 1); console.log('resolved'); } catch (e) { console.log(e.name + ' ' + e.message); }
    c.kill(); process.exit(0);`;
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync('unshare', ['-U', '-r', process.execPath, '--input-type=module', '-e', code], { encoding: 'utf8' });
  if (r.error || r.stdout === '') return void t.comment(`skipped: unshare -U -r not available (${r.error?.message ?? r.stderr})`);
  const line = r.stdout.trim();
  t.match(line, /^NetnsRestoreError could not switch the thread back to its original network namespace: EPERM: Operation not permitted, setns — /, line);
  t.match(line, /needs CAP_SYS_ADMIN over the user namespace that owns the original network namespace/, 'says why');
});
