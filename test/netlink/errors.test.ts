// Errors: one table test per error class (name, code, message shape, fields,
// instanceof), NetlinkError's message shape and codes, errno names and texts like
// strerror(3), and instanceof across two copies of the module (duplicate installs).
import t from 'tap';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as E from '../../src/netlink/errors.js';
import { NetnsRestoreError } from '../../src/netlink/netns-switch.js';

const req = { type: 16, typeName: 'RTM_NEWLINK', seq: 7, subject: 'v0' };

interface Row {
  name: string;
  make: () => Error;
  cls: unknown;
  code: string;
  message: RegExp;
  fields: Record<string, unknown>;
}

const rows: Row[] = [
  {
    name: 'SysError', cls: E.SysError, code: 'EINVAL', make: () => new E.SysError('setns', 22),
    message: /^EINVAL: Invalid argument, setns$/, fields: { errno: 22, syscall: 'setns', path: undefined },
  },
  {
    name: 'SysError', cls: E.SysError, code: 'ENOENT', make: () => new E.SysError('open', 2, '/run/netns/x', 'no such netns'),
    message: /^ENOENT: No such file or directory, open '\/run\/netns\/x' — no such netns$/, fields: { errno: 2, syscall: 'open', path: '/run/netns/x' },
  },
  {
    name: 'NetlinkError', cls: E.NetlinkError, code: 'EEXIST', make: () => new E.NetlinkError(17, req),
    message: /^EEXIST: File exists \(RTM_NEWLINK v0\)$/, fields: { errno: 17, extack: {}, request: req, hint: undefined },
  },
  {
    name: 'NetlinkError', cls: E.NetlinkError, code: 'EOPNOTSUPP',
    make: () => new E.NetlinkError(95, { type: 16, typeName: 'RTM_NEWLINK', seq: 9 }, { message: 'Unknown device type' }),
    message: /^EOPNOTSUPP: Operation not supported — Unknown device type \(RTM_NEWLINK\)$/, fields: { errno: 95, extack: { message: 'Unknown device type' } },
  },
  {
    name: 'NetlinkError', cls: E.NetlinkError, code: 'ERANGE',
    make: () => new E.NetlinkError(34, req, { message: 'Attribute failed policy validation', offset: 32, attribute: 'IFLA_IFNAME' }),
    message: /^ERANGE: Numerical result out of range — Attribute failed policy validation \[at IFLA_IFNAME\] \(RTM_NEWLINK v0\)$/,
    fields: { extack: { offset: 32, attribute: 'IFLA_IFNAME' } },
  },
  {
    name: 'NetlinkError', cls: E.NetlinkError, code: 'EINVAL',
    make: () => new E.NetlinkError(22, req, { missingType: 3, missingAttribute: 'IFLA_IFNAME' }, 'a name is required'),
    message: /^EINVAL: Invalid argument \[missing IFLA_IFNAME\] — a name is required \(RTM_NEWLINK v0\)$/, fields: { extack: { missingType: 3 }, hint: 'a name is required' },
  },
  {
    name: 'NetlinkError', cls: E.NetlinkError, code: 'EINVAL',
    make: () => new E.NetlinkError(22, req, { missingType: 7, missingNest: 40 }),
    message: /^EINVAL: Invalid argument \[missing attribute type 7 in the nest at offset 40\] \(RTM_NEWLINK v0\)$/, fields: { extack: { missingType: 7, missingNest: 40 } },
  },
  {
    name: 'DecodeError', cls: E.DecodeError, code: 'ERR_NETLINK_DECODE', make: () => new E.DecodeError('nla_len 9 past the end', ['RTM_NEWLINK', 'IFLA_LINKINFO'], 12, 9, 4),
    message: /^nla_len 9 past the end at offset 12: needs 9 bytes, 4 available \(in RTM_NEWLINK › IFLA_LINKINFO\)$/, fields: { offset: 12, need: 9, have: 4, path: ['RTM_NEWLINK', 'IFLA_LINKINFO'] },
  },
  {
    name: 'DumpInterruptedError', cls: E.DumpInterruptedError, code: 'ERR_NETLINK_DUMP_INTERRUPTED', make: () => new E.DumpInterruptedError('RTM_GETLINK', 6, [1, 2]),
    message: /^RTM_GETLINK dump was interrupted .*NLM_F_DUMP_INTR.* 6 attempts/, fields: { attempts: 6, partial: [1, 2] },
  },
  {
    name: 'InvalidArgumentError', cls: E.InvalidArgumentError, code: 'ERR_NLKIT_INVALID_ARG', make: () => new E.InvalidArgumentError('peer.mtu', '70000 is above 65535'),
    message: /^invalid peer\.mtu: 70000 is above 65535$/, fields: { argument: 'peer.mtu' },
  },
  {
    name: 'ClosedError', cls: E.ClosedError, code: 'ERR_NLKIT_CLOSED', make: () => new E.ClosedError('NetlinkSocket'),
    message: /^NetlinkSocket is closed$/, fields: {},
  },
  {
    name: 'NetnsRestoreError', cls: NetnsRestoreError, code: 'ERR_NLKIT_NETNS_RESTORE', make: () => new NetnsRestoreError(new E.SysError('setns', 9)),
    message: /^could not switch the thread back .*EBADF: Bad file descriptor, setns.*foreign netns$/, fields: { callbackThrew: false },
  },
];
const classes = [...new Set(rows.map((r) => r.cls))] as (new (...a: never[]) => Error)[];

for (const r of rows) {
  t.test(`${r.name} ${r.code}: name, code, message shape, fields and instanceof`, async (t) => {
    const e = r.make();
    t.ok(e instanceof Error, 'is an Error');
    t.ok(e instanceof (r.cls as typeof Error), `instanceof ${r.name}`);
    for (const c of classes) if (c !== r.cls) t.notOk(e instanceof c, `not instanceof ${c.name}`);
    t.equal(e.name, r.name);
    t.equal((e as { code?: string }).code, r.code);
    t.match(e.message, r.message);
    t.match(e.stack, new RegExp(`^${r.name}: `), 'stack starts with name and message');
    for (const [k, v] of Object.entries(r.fields)) {
      if (v === undefined) t.notOk(k in e, `no ${k}`);
      else t.match((e as unknown as Record<string, unknown>)[k], v as object, k);
    }
  });
}

t.test('errno names and texts read like strerror(3) (numbers from <errno.h>)', async (t) => {
  const table: [number, string, string][] = [
    [1, 'EPERM', 'Operation not permitted'], [2, 'ENOENT', 'No such file or directory'], [3, 'ESRCH', 'No such process'],
    [11, 'EAGAIN', 'Resource temporarily unavailable'], [12, 'ENOMEM', 'Cannot allocate memory'], [13, 'EACCES', 'Permission denied'],
    [16, 'EBUSY', 'Device or resource busy'], [17, 'EEXIST', 'File exists'], [19, 'ENODEV', 'No such device'],
    [22, 'EINVAL', 'Invalid argument'], [28, 'ENOSPC', 'No space left on device'], [34, 'ERANGE', 'Numerical result out of range'],
    [90, 'EMSGSIZE', 'Message too long'], [93, 'EPROTONOSUPPORT', 'Protocol not supported'], [95, 'EOPNOTSUPP', 'Operation not supported'],
    [97, 'EAFNOSUPPORT', 'Address family not supported by protocol'], [99, 'EADDRNOTAVAIL', 'Cannot assign requested address'],
    [101, 'ENETUNREACH', 'Network is unreachable'], [105, 'ENOBUFS', 'No buffer space available'], [39, 'ENOTEMPTY', 'Directory not empty'],
    [9, 'EBADF', 'Bad file descriptor'], [20, 'ENOTDIR', 'Not a directory'], [4, 'EINTR', 'Interrupted system call'],
  ];
  for (const [n, code, text] of table) {
    t.same(E.errnoInfo(n), { code, text }, `${n}`);
    t.same(E.errnoInfo(-n), { code, text }, `${-n} (nlmsgerr sign)`);
  }
  // Errnos the kernel returns to rtnetlink requests whose libuv text differs from what `ip` prints.
  const moreTexts: [number, string, string][] = [
    [113, 'EHOSTUNREACH', 'No route to host'], // an IPv6 route whose gateway no route reaches
    [100, 'ENETDOWN', 'Network is down'], // a route via a link that is down
    [40, 'ELOOP', 'Too many levels of symbolic links'], // a bridge enslaved to a bridge
    [107, 'ENOTCONN', 'Transport endpoint is not connected'], // a veth peer brought up in the create
    [98, 'EADDRINUSE', 'Address already in use'], [5, 'EIO', 'Input/output error'], [71, 'EPROTO', 'Protocol error'],
    [36, 'ENAMETOOLONG', 'File name too long'], [110, 'ETIMEDOUT', 'Connection timed out'],
  ];
  for (const [n, code, text] of moreTexts) t.same(E.errnoInfo(n), { code, text }, `${n} ${code} as strerror words it`);
  t.equal(E.errnoInfo(74).text, 'Bad message', 'an errno libuv does not name still gets its text (EBADMSG)');
  t.equal(E.errnoInfo(74).code, 'EBADMSG', '… and its name, from the kernel headers');
  // Names libuv lacks, which the kernel returns: a socket diagnostics lookup whose cookie is stale, …
  for (const [n, code, text] of [[116, 'ESTALE', 'Stale file handle'], [35, 'EDEADLK', 'Resource deadlock avoided'], [126, 'ENOKEY', 'Required key not available'],
    [95, 'EOPNOTSUPP', 'Operation not supported']] as const) t.same(E.errnoInfo(n), { code, text }, `${n} is ${code}`);
  t.same(E.errnoInfo(4000), { code: 'E4000', text: 'errno 4000' }, 'an errno nobody names');
  const k = new E.NetlinkError(4000, req);
  t.equal(k.code, 'E4000');
});

t.test('a subclass of an nlkit error matches its own instances only', async (t) => {
  class LinkExists extends E.NetlinkError {}
  const sub = new LinkExists(17, req);
  const plain = new E.NetlinkError(17, req);
  t.ok(sub instanceof LinkExists);
  t.ok(sub instanceof E.NetlinkError, 'a subclass instance is a NetlinkError');
  t.notOk(plain instanceof LinkExists, 'a plain NetlinkError is not a LinkExists');
  t.notOk({} instanceof E.NetlinkError);
  t.notOk((null as unknown) instanceof E.NetlinkError);
  t.notOk(new Error('x') instanceof E.NetlinkError);
});

t.test('instanceof works across two copies of the module (duplicate installs)', async (t) => {
  // A second install: dist/src/netlink copied elsewhere (node_modules linked so koffi resolves).
  const here = fileURLToPath(new URL('../../src/netlink/', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'nlkit-dup-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(here, join(dir, 'netlink'), { recursive: true });
  symlinkSync(fileURLToPath(new URL('../../../node_modules', import.meta.url)), join(dir, 'node_modules'));
  const other = (await import(pathToFileURL(join(dir, 'netlink', 'index.js')).href)) as typeof import('../../src/netlink/index.js');
  t.not(other.NetlinkError, E.NetlinkError, 'really a second class object');

  const pairs: [string, () => Error, () => Error, unknown, unknown][] = [
    ['SysError', () => new E.SysError('bind', 98), () => new other.SysError('bind', 98), E.SysError, other.SysError],
    ['NetlinkError', () => new E.NetlinkError(17, req), () => new other.NetlinkError(17, req), E.NetlinkError, other.NetlinkError],
    ['DecodeError', () => new E.DecodeError('x', [], 0, 1, 0), () => new other.DecodeError('x', [], 0, 1, 0), E.DecodeError, other.DecodeError],
    ['DumpInterruptedError', () => new E.DumpInterruptedError('X', 1, []), () => new other.DumpInterruptedError('X', 1, []), E.DumpInterruptedError, other.DumpInterruptedError],
    ['InvalidArgumentError', () => new E.InvalidArgumentError('a', 'b'), () => new other.InvalidArgumentError('a', 'b'), E.InvalidArgumentError, other.InvalidArgumentError],
    ['ClosedError', () => new E.ClosedError('x'), () => new other.ClosedError('x'), E.ClosedError, other.ClosedError],
    ['NetnsRestoreError', () => new NetnsRestoreError('x'), () => new other.NetnsRestoreError('x'), NetnsRestoreError, other.NetnsRestoreError],
  ];
  for (const [name, mine, theirs, Mine, Theirs] of pairs) {
    t.ok(theirs() instanceof (Mine as typeof Error), `their ${name} instanceof our ${name}`);
    t.ok(mine() instanceof (Theirs as typeof Error), `our ${name} instanceof their ${name}`);
  }
  t.notOk(new other.NetlinkError(17, req) instanceof E.DecodeError, 'brands do not mix');
});
