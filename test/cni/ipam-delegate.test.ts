// How a delegated IPAM call negotiates the version, counted with a scripted IPAM plugin
// that logs every command it is started with: a configuration it speaks costs one start
// (no VERSION first); one it does not speak gets "incompatible CNI version", then
// VERSION, then the call again in the newest version both speak; other errors are
// passed on after one start; STATUS and GC still ask VERSION first.
import t from 'tap';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { CniError, execPlugin, findPlugin, ipamAdd, ipamDel, ipamStatus, parseNetConf, type PluginContext } from '../../src/index.js';

/**
 * A fake IPAM plugin "fakeipam": speaks CNI 0.3.0–1.0.0, logs "COMMAND cniVersion" per
 * start, answers ADD with one address, refuses a configuration it does not speak with
 * code 1 (as skel-based plugins do), and an ADD of a network named "broken" with code 11.
 */
const SCRIPT = `#!/bin/sh
in=$(cat)
v=$(printf '%s' "$in" | sed -n 's/.*"cniVersion" *: *"\\([^"]*\\)".*/\\1/p')
echo "$CNI_COMMAND $v" >> "$FAKE_LOG"
case "$CNI_COMMAND" in
  VERSION) echo '{"cniVersion":"1.0.0","supportedVersions":["0.3.0","0.3.1","0.4.0","1.0.0"]}'; exit 0;;
esac
case "$v" in
  0.3.0|0.3.1|0.4.0|1.0.0) ;;
  *) echo '{"cniVersion":"1.0.0","code":1,"msg":"incompatible CNI versions"}'; exit 1;;
esac
case "$in" in *'"broken"'*) echo '{"cniVersion":"1.0.0","code":11,"msg":"try again later"}'; exit 1;; esac
case "$CNI_COMMAND" in
  ADD) echo "{\\"cniVersion\\":\\"$v\\",\\"ips\\":[{\\"address\\":\\"10.9.0.2/24\\",\\"gateway\\":\\"10.9.0.1\\"}]}";;
esac
exit 0
`;

function fixture(t: { teardown(fn: () => void): void }): { dir: string; log: string; ctx: (command: 'ADD' | 'DEL' | 'STATUS', version: string, name?: string) => PluginContext; starts: () => string[] } {
  const dir = mkdtempSync(join(os.tmpdir(), 'nlkit-ipam-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const plugin = join(dir, 'fakeipam');
  writeFileSync(plugin, SCRIPT);
  chmodSync(plugin, 0o755);
  const log = join(dir, 'log');
  writeFileSync(log, '');
  const ctx = (command: 'ADD' | 'DEL' | 'STATUS', version: string, name = 'net1'): PluginContext => {
    const raw = { cniVersion: version, name, type: 'nlkit-ptp', ipam: { type: 'fakeipam' } };
    return {
      command, containerId: 'c1', netns: undefined, ifName: 'eth0', args: new Map(), path: [dir],
      conf: parseNetConf(raw), stdin: Buffer.from(JSON.stringify(raw)),
      env: { PATH: process.env['PATH'], FAKE_LOG: log, CNI_CONTAINERID: 'c1', CNI_IFNAME: 'eth0', CNI_PATH: dir },
      log: () => undefined,
    };
  };
  const starts = (): string[] => {
    const lines = readFileSync(log, 'utf8').trim().split('\n').filter(Boolean);
    writeFileSync(log, '');
    return lines;
  };
  return { dir, log, ctx, starts };
}

t.test('a configuration the plugin speaks: one start per call, no VERSION', async (t) => {
  const f = fixture(t);
  const res = await ipamAdd(f.ctx('ADD', '1.0.0'));
  t.same(res.ips?.map((i) => i.address), ['10.9.0.2/24']);
  t.same(f.starts(), ['ADD 1.0.0']);
  await ipamDel(f.ctx('DEL', '0.4.0'));
  t.same(f.starts(), ['DEL 0.4.0']);
});

t.test('a configuration it does not speak: refused, VERSION, then again in the newest common version', async (t) => {
  const f = fixture(t);
  const res = await ipamAdd(f.ctx('ADD', '1.1.0'));
  t.same(res.ips?.map((i) => i.address), ['10.9.0.2/24'], 'the result of the second call, read in 1.0.0');
  t.same(f.starts(), ['ADD 1.1.0', 'VERSION 1.1.0', 'ADD 1.0.0']);
  await ipamDel(f.ctx('DEL', '1.1.0'));
  t.same(f.starts(), ['DEL 1.1.0', 'VERSION 1.1.0', 'DEL 1.0.0']);
});

t.test('any other error of the plugin is passed on after one start', async (t) => {
  const f = fixture(t);
  await t.rejects(ipamAdd(f.ctx('ADD', '1.0.0', 'broken')), { code: 11, message: /try again later/ });
  t.same(f.starts(), ['ADD 1.0.0']);
  const e = await ipamAdd(f.ctx('ADD', '1.1.0', 'broken')).catch((x: unknown) => x);
  t.ok(e instanceof CniError && e.code === 11, 'the error of the negotiated call');
  t.same(f.starts(), ['ADD 1.1.0', 'VERSION 1.1.0', 'ADD 1.0.0']);
});

t.test('STATUS asks VERSION first, and is not sent to a plugin without 1.1.0', async (t) => {
  const f = fixture(t);
  t.equal(await ipamStatus(f.ctx('STATUS', '1.1.0')), false, 'too old to be asked');
  t.same(f.starts(), ['VERSION 1.1.0']);
});

t.test('findPlugin: a relative CNI_PATH entry gives a path that runs the file found, never a PATH lookup; empty entries are skipped', async (t) => {
  const f = fixture(t);
  const cwd = process.cwd();
  t.teardown(() => process.chdir(cwd));
  process.chdir(f.dir);
  for (const dir of ['.', './', '../' + f.dir.split('/').pop()!]) {
    const file = findPlugin('fakeipam', [dir]);
    t.equal(file, join(f.dir, 'fakeipam'), `${JSON.stringify(dir)}: the absolute path of the file found`);
    const r = await execPlugin(file, { FAKE_LOG: f.log, CNI_COMMAND: 'VERSION' }, '{"cniVersion":"1.0.0"}');
    t.equal(r.status, 0, `${JSON.stringify(dir)}: the file found is the one run`);
  }
  t.throws(() => findPlugin('fakeipam', ['']), { code: 50 }, "an empty entry is not the current directory (runtime drops them from CNI_PATH too)");
  t.equal(findPlugin('fakeipam', ['', f.dir]), join(f.dir, 'fakeipam'), 'an empty entry is skipped');
});

/**
 * A plugin that hangs: it writes its pid, then sleeps in a child that holds stdout open
 * (a plugin's own children can keep the pipe open after it is killed).
 */
function hangingPlugin(t: { teardown(fn: () => void): void }): { file: string; pids: () => number[] } {
  const dir = mkdtempSync(join(os.tmpdir(), 'nlkit-hang-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'hang');
  writeFileSync(file, `#!/bin/sh\necho $$ >> ${dir}/pids\nsleep 30 &\necho $! >> ${dir}/pids\nwait\n`);
  chmodSync(file, 0o755);
  const pids = (): number[] => {
    try {
      return readFileSync(join(dir, 'pids'), 'utf8').trim().split('\n').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  };
  t.teardown(() => {
    for (const p of pids()) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  });
  return { file, pids };
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
};

t.test('execPlugin timeout: a plugin that hangs is killed and the call rejects with code 100, at once', async (t) => {
  const h = hangingPlugin(t);
  const start = Date.now();
  const e = await execPlugin(h.file, {}, '{}', { timeout: 300 }).then(() => undefined, (x: unknown) => x);
  const took = Date.now() - start;
  t.ok(e instanceof CniError, 'a CniError');
  t.equal((e as CniError).code, 100);
  t.match((e as CniError).message, new RegExp(`plugin ${h.file} timed out`));
  t.match((e as CniError).details, /no answer within 300 ms; killed/);
  t.ok(took >= 290 && took < 5000, `rejected after the timeout, not when its child's sleep ends (${took} ms)`);
  const [plugin] = h.pids();
  t.ok(plugin !== undefined, 'the plugin ran');
  for (let i = 0; i < 50 && alive(plugin!); i++) await new Promise((r) => setTimeout(r, 20));
  t.notOk(alive(plugin!), 'the plugin itself was killed');
  // A plugin that answers in time is not affected by a timeout.
  const f = fixture(t);
  const r = await execPlugin(join(f.dir, 'fakeipam'), { FAKE_LOG: f.log, CNI_COMMAND: 'VERSION' }, '{"cniVersion":"1.0.0"}', { timeout: 10_000 });
  t.equal(r.status, 0);
  t.match(r.stdout.toString(), /supportedVersions/);
});

t.test('execPlugin signal: aborting kills the plugin and rejects with the reason; an aborted signal starts nothing', async (t) => {
  const h = hangingPlugin(t);
  const ac = new AbortController();
  const p = execPlugin(h.file, {}, '{}', { signal: ac.signal });
  for (let i = 0; i < 100 && h.pids().length < 2; i++) await new Promise((r) => setTimeout(r, 20));
  ac.abort(new Error('container deleted'));
  await t.rejects(p, { message: 'container deleted' }, "the signal's reason");
  const [plugin] = h.pids();
  for (let i = 0; i < 50 && alive(plugin!); i++) await new Promise((r) => setTimeout(r, 20));
  t.notOk(alive(plugin!), 'the plugin was killed');
  const before = h.pids().length;
  const ac2 = new AbortController();
  ac2.abort();
  await t.rejects(execPlugin(h.file, {}, '{}', { signal: ac2.signal }), { name: 'AbortError' }, 'an AbortError without a reason');
  await new Promise((r) => setTimeout(r, 100));
  t.equal(h.pids().length, before, 'nothing started for an aborted signal');
});

t.test('execPlugin options are checked before anything starts', async (t) => {
  const h = hangingPlugin(t);
  for (const [opts, arg] of [
    [{ timeout: 0 }, 'options.timeout'], [{ timeout: -1 }, 'options.timeout'], [{ timeout: 1.5 }, 'options.timeout'], [{ timeout: '100' }, 'options.timeout'],
    [{ timeout: 2 ** 31 }, 'options.timeout'], [{ signal: {} }, 'options.signal'], [{ timout: 100 }, 'options.timout'],
  ] as const) {
    t.throws(() => execPlugin(h.file, {}, '{}', opts as never), { code: 'ERR_NLKIT_INVALID_ARG', argument: arg }, JSON.stringify(opts));
  }
  t.throws(() => execPlugin(h.file, {}, '{}', null as never), { code: 'ERR_NLKIT_INVALID_ARG', argument: 'options' }, 'null');
  await new Promise((r) => setTimeout(r, 100));
  t.same(h.pids(), [], 'nothing was started');
});

t.test('execPlugin: a plugin whose child floods stdout is cut off at 16 MiB at once, even though the child holds stdout open', async (t) => {
  const dir = mkdtempSync(join(os.tmpdir(), 'nlkit-ipam-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'flood');
  // The shell is what execPlugin kills; `yes` is its child and keeps the pipe open.
  const pidFile = join(dir, 'pid');
  writeFileSync(file, `#!/bin/sh\ncat >/dev/null\nyes &\necho $! > ${pidFile}\nwait\n`);
  chmodSync(file, 0o755);
  t.teardown(() => {
    try {
      process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
    } catch {
      /* gone */
    }
  });
  const start = Date.now();
  const e = await Promise.race([
    execPlugin(file, { PATH: process.env['PATH'] }, '{}').then(() => 'resolved', (x: unknown) => x),
    new Promise((r) => setTimeout(() => r('still running after 15 s'), 15_000)),
  ]);
  t.ok(e instanceof CniError, `a CniError (got ${String(e)})`);
  t.equal((e as CniError).code, 100);
  t.match((e as CniError).message, /printed too much/);
  t.ok(Date.now() - start < 15_000, 'rejected at the cap, not when the flood ends');
});

t.test('a failed plugin\'s error object is passed on only with a code a runtime can read (an unsigned integer); anything else is code 100 with its text', async (t) => {
  const dir = mkdtempSync(join(os.tmpdir(), 'nlkit-ipam-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const mk = (code: string) => {
    const raw = { cniVersion: '1.0.0', name: 'net1', type: 'nlkit-ptp', ipam: { type: 'badcode' } };
    writeFileSync(join(dir, 'badcode'), `#!/bin/sh\ncat >/dev/null\necho '{"code":${code},"msg":"oops"}'\nexit 1\n`);
    chmodSync(join(dir, 'badcode'), 0o755);
    return {
      command: 'ADD', containerId: 'c1', netns: undefined, ifName: 'eth0', args: new Map(), path: [dir],
      conf: parseNetConf(raw), stdin: Buffer.from(JSON.stringify(raw)), env: { PATH: process.env['PATH'] }, log: () => undefined,
    } satisfies PluginContext;
  };
  for (const code of ['-5', '1.5', '1e300', '0', '"7"']) {
    const e = await ipamAdd(mk(code)).then(() => undefined, (x: unknown) => x);
    t.ok(e instanceof CniError, code);
    t.equal((e as CniError).code, 100, `code ${code}: 100`);
    t.match((e as CniError).msg, /ADD of plugin badcode failed/, code);
    t.match((e as CniError).details, /oops/, `code ${code}: its output in details`);
  }
  const e = await ipamAdd(mk('11')).then(() => undefined, (x: unknown) => x);
  t.same([(e as CniError).code, (e as CniError).msg], [11, 'oops'], 'a valid code is passed on as it is');
});
