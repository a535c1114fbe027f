// Netns#names(): the names a namespace has in the netns directory, as `ip netns identify
// PID` finds them — one, several (ip netns attach; ip prints only one), none (an unnamed
// netns) — on a closed handle too, with an unreadable entry skipped.
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { Netns } from '../../src/ns/index.js';
import { privileged } from '../helpers.js';
import { privateDir } from './util.js';

const identify = (pid: number): string[] => {
  const r = spawnSync('ip', ['netns', 'identify', String(pid)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip netns identify: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l !== '').sort();
};

t.test('names() lists every name of the namespace, as ip netns identify does', privileged, async (t) => {
  const a = Netns.newNamed('nlkit-names-a');
  const plain = Netns.new();
  const child = spawn('nsenter', [`--net=${a.path}`, 'sleep', '60'], { stdio: 'ignore' });
  t.teardown(() => {
    child.kill();
    a.close();
    plain.close();
    for (const n of ['nlkit-names-a', 'nlkit-names-b', 'nlkit-names-junk']) Netns.deleteNamed(n);
  });
  await new Promise((r) => setTimeout(r, 200)); // nsenter has entered and exec'd sleep
  t.strictSame(a.names(), ['nlkit-names-a']);
  t.strictSame(a.names(), identify(child.pid!), 'as ip netns identify');
  const attach = spawnSync('ip', ['netns', 'attach', 'nlkit-names-b', String(child.pid)], { encoding: 'utf8' });
  t.equal(attach.status, 0, `ip netns attach: ${attach.stderr}`);
  t.strictSame(a.names(), ['nlkit-names-a', 'nlkit-names-b'], 'both names');
  const ipSays = identify(child.pid!);
  t.equal(ipSays.length, 1, 'ip netns identify prints one of them (the last it reads)');
  t.ok(a.names().includes(ipSays[0]!), `ip's ${ipSays[0]} is among them`);
  t.strictSame(plain.names(), [], 'an unnamed netns has none');
  writeFileSync('/run/netns/nlkit-names-junk', ''); // a half-made name: a plain file
  t.strictSame(a.names(), ['nlkit-names-a', 'nlkit-names-b'], 'a plain file is not the namespace');
  a.close();
  t.strictSame(a.names(), ['nlkit-names-a', 'nlkit-names-b'], 'a closed handle still has its identity');
  t.strictSame(Netns.get().names(), identify(process.pid), 'the caller\'s own netns, as ip netns identify of our pid');
});

t.test('names(): a symlink leading to the namespace is one of its names (ip netns identify follows it too); a dangling one, a loop and another namespace type are not; a custom dir', privileged, async (t) => {
  const d = privateDir();
  const { dir } = d;
  const a = Netns.newNamed('nlkit-names-s');
  const b = Netns.newNamed('nlkit-names-other', { dir });
  t.teardown(() => {
    a.close();
    b.close();
    for (const n of ['nlkit-names-s', 'nlkit-names-link', 'nlkit-names-dangling', 'nlkit-names-loop']) Netns.deleteNamed(n);
    spawnSync('umount', ['/run/netns/nlkit-names-uts']);
    rmSync('/run/netns/nlkit-names-uts', { force: true });
    Netns.deleteNamed('nlkit-names-other', { dir });
    d.cleanup();
  });
  symlinkSync('/run/netns/nlkit-names-s', '/run/netns/nlkit-names-link');
  symlinkSync('/nonexistent/nlkit', '/run/netns/nlkit-names-dangling');
  symlinkSync('/run/netns/nlkit-names-loop', '/run/netns/nlkit-names-loop');
  writeFileSync('/run/netns/nlkit-names-uts', '');
  const m = spawnSync('mount', ['--bind', '/proc/self/ns/uts', '/run/netns/nlkit-names-uts'], { encoding: 'utf8' });
  t.equal(m.status, 0, `mount --bind a UTS namespace: ${m.stderr}`);
  const child = spawn('nsenter', [`--net=${a.path}`, 'sleep', '60'], { stdio: 'ignore' });
  t.teardown(() => child.kill());
  await new Promise((r) => setTimeout(r, 200));
  t.strictSame(a.names(), ['nlkit-names-link', 'nlkit-names-s'], 'the bind mount and the symlink to it');
  t.ok(a.names().includes(identify(child.pid!)[0]!), 'ip netns identify names one of them');
  t.strictSame(b.names(), [], 'a namespace named in another dir has no name in the default one');
  t.strictSame(b.names({ dir }), ['nlkit-names-other'], 'its name in its own dir');
  t.strictSame(b.names({ dir: `${dir}/` }), ['nlkit-names-other'], 'the dir normalised');
  t.strictSame(a.names({ dir: '/nonexistent/nlkit' }), [], 'a dir that does not exist: no names');
});
