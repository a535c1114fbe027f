// Bad input is refused before any syscall, with InvalidArgumentError (pure where possible).
import t from 'tap';
import { existsSync } from 'node:fs';
import { Netns, validateNetnsName, netnsDir } from '../../src/ns/index.js';
import { InvalidArgumentError } from '../../src/netlink/errors.js';
import { fdCount } from '../helpers.js';

const BAD_NAMES: [string, unknown][] = [
  ['empty', ''],
  ['dot', '.'],
  ['dot-dot', '..'],
  ['slash', 'a/b'],
  ['leading slash', '/blue'],
  ['traversal', '../etc'],
  ['NUL', 'blue\0'],
  ['256 bytes', 'x'.repeat(256)],
  ['256 bytes of UTF-8 in 128 chars', 'é'.repeat(128)],
  ['number', 5],
  ['null', null],
  ['undefined', undefined],
  ['object', { toString: () => 'blue' }],
];

t.test('bad netns names are refused before any syscall', async (t) => {
  // A directory that must not come into existence: any syscall would create it.
  const dir = `/run/nlkit-never-${process.pid}`;
  const fds = fdCount();
  for (const [what, name] of BAD_NAMES) {
    for (const [fn, call] of [
      ['newNamed', () => Netns.newNamed(name as string, { dir })],
      ['getNamed', () => Netns.getNamed(name as string, { dir })],
      ['deleteNamed', () => Netns.deleteNamed(name as string, { dir })],
      ['validateNetnsName', () => validateNetnsName(name)],
    ] as const) {
      const e = t.throws(call, `${fn}: ${what}`) as InvalidArgumentError;
      t.ok(e instanceof InvalidArgumentError, `${fn}: ${what} is an InvalidArgumentError`);
      t.equal(e.argument, 'name');
    }
  }
  t.notOk(existsSync(dir), 'nothing was created');
  t.equal(fdCount(), fds);
  t.doesNotThrow(() => validateNetnsName('x'.repeat(255)), '255 bytes is fine');
  t.doesNotThrow(() => validateNetnsName('blue-1_2.3'));
});

t.test('bad directories are refused', async (t) => {
  for (const dir of ['', 'relative/netns', '../netns', './netns', '/run/ne\0tns', 5 as unknown as string]) {
    t.throws(() => netnsDir({ dir }), InvalidArgumentError, `dir ${JSON.stringify(dir)}`);
    t.throws(() => Netns.newNamed('blue', { dir }), InvalidArgumentError);
    t.throws(() => Netns.getNamed('blue', { dir }), InvalidArgumentError);
    t.throws(() => Netns.listNamed({ dir }), InvalidArgumentError);
    t.throws(() => Netns.deleteNamed('blue', { dir }), InvalidArgumentError);
  }
});

t.test('a dir with . and .. components (or extra slashes) is normalised lexically, the same for every function', async (t) => {
  t.equal(netnsDir({ dir: '/run/nlkit-missing/../netns' }), '/run/netns', '.. resolved without looking at the disk');
  t.equal(netnsDir({ dir: '/run/./netns/' }), '/run/netns', '. and a trailing slash');
  t.equal(netnsDir({ dir: '//run///netns' }), '/run/netns', 'repeated slashes');
  t.equal(netnsDir({ dir: '/../run/netns' }), '/run/netns', '.. at the root stays at the root');
  t.equal(netnsDir({ dir: '/run/netns' }), '/run/netns', 'a normal path unchanged');
});

t.test('a bad NLKIT_NETNS_DIR is refused naming dir and saying where the value came from', async (t) => {
  const saved = process.env.NLKIT_NETNS_DIR;
  t.teardown(() => {
    if (saved === undefined) delete process.env.NLKIT_NETNS_DIR;
    else process.env.NLKIT_NETNS_DIR = saved;
  });
  process.env.NLKIT_NETNS_DIR = 'run/netns';
  const e = t.throws(() => Netns.listNamed()) as InvalidArgumentError;
  t.ok(e instanceof InvalidArgumentError);
  t.equal(e.argument, 'dir');
  t.match(e.message, /"run\/netns" \(from the environment variable NLKIT_NETNS_DIR\)$/);
  process.env.NLKIT_NETNS_DIR = '/run/x/../netns';
  t.equal(netnsDir(), '/run/netns', 'normalised like the option');
  const o = t.throws(() => netnsDir({ dir: 'rel' })) as InvalidArgumentError;
  t.notMatch(o.message, /NLKIT_NETNS_DIR/, 'an option value is not blamed on the environment');
});

t.test('bad pids and paths are refused', async (t) => {
  for (const pid of [0, -1, 1.5, NaN, Infinity, '1' as unknown as number, 2 ** 53]) {
    const e = t.throws(() => Netns.fromPid(pid), `pid ${String(pid)}`) as InvalidArgumentError;
    t.ok(e instanceof InvalidArgumentError);
    t.equal(e.argument, 'pid');
  }
  for (const p of ['', 'a\0b', 7 as unknown as string, null as unknown as string]) {
    const e = t.throws(() => Netns.fromPath(p)) as InvalidArgumentError;
    t.ok(e instanceof InvalidArgumentError);
    t.equal(e.argument, 'path');
  }
});

t.test('file-system failures while opening or listing are SysErrors naming the path', async (t) => {
  const { mkdtempSync, rmSync, symlinkSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const { SysError } = await import('../../src/netlink/errors.js');
  const dir = mkdtempSync(join(tmpdir(), 'nlkit-ns-bad-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'file');
  writeFileSync(file, '');
  symlinkSync(join(dir, 'loop'), join(dir, 'loop'));
  const fds = fdCount();
  // These were Node's own errors (not SysError: `instanceof SysError` missed them).
  for (const [what, call, code, path] of [
    ['fromPath under a file', () => Netns.fromPath(join(file, 'x')), 'ENOTDIR', join(file, 'x')],
    ['fromPath too long', () => Netns.fromPath(`/${'x'.repeat(5000)}`), 'ENAMETOOLONG', `/${'x'.repeat(5000)}`],
    ['fromPath symlink loop', () => Netns.fromPath(join(dir, 'loop')), 'ELOOP', join(dir, 'loop')],
    ['getNamed in a file', () => Netns.getNamed('x', { dir: file }), 'ENOTDIR', join(file, 'x')],
    ['listNamed of a file', () => Netns.listNamed({ dir: file }), 'ENOTDIR', file],
    // Node 21+ answers undefined for ENOTDIR under lstat's throwIfNoEntry: false, which made this 'nothing to delete'.
    ['deleteNamed in a file', () => Netns.deleteNamed('x', { dir: file }), 'ENOTDIR', join(file, 'x')],
  ] as const) {
    const e = t.throws(call, what) as InstanceType<typeof SysError>;
    t.ok(e instanceof SysError, `${what}: SysError (got ${e?.constructor?.name}: ${e?.message?.slice(0, 80)})`);
    t.equal(e.code, code, what);
    t.equal(e.path, path, `${what}: path`);
  }
  t.equal(fdCount(), fds);
});
