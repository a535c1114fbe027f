// sys: errno becomes a SysError shaped like Node's SystemError; Buffers reach C by pointer.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { AF_NETLINK, NETLINK_ROUTE, SOCK_CLOEXEC, SOCK_RAW, SysError } from '../../src/netlink/index.js';
import * as sys from '../../src/netlink/sys.js';
import { fdCount } from '../helpers.js';

function thrown(fn: () => unknown): SysError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SysError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

t.test('failed calls throw SysError with code, errno, syscall and path (errno read right after the call)', async (t) => {
  const rows: [string, () => unknown, Record<string, unknown>, RegExp][] = [
    ['open of a missing file', () => sys.open('/nonexistent/nlkit', sys.O_RDONLY | sys.O_CLOEXEC), { code: 'ENOENT', errno: 2, syscall: 'open', path: '/nonexistent/nlkit' }, /^ENOENT: No such file or directory, open '\/nonexistent\/nlkit'$/],
    ['setns on a closed fd', () => sys.setns(987654, sys.CLONE_NEWNET), { code: 'EBADF', errno: 9, syscall: 'setns' }, /^EBADF: Bad file descriptor, setns$/],
    ['close of a closed fd', () => sys.close(987654), { code: 'EBADF', errno: 9, syscall: 'close' }, /^EBADF: Bad file descriptor, close$/],
    ['mkdir of an existing directory', () => sys.mkdir('/', 0o755), { code: 'EEXIST', errno: 17, syscall: 'mkdir', path: '/' }, /^EEXIST: File exists, mkdir '\/'$/],
    ['socket of an unknown netlink protocol', () => sys.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 31), { code: 'EPROTONOSUPPORT', errno: 93, syscall: 'socket' }, /^EPROTONOSUPPORT: Protocol not supported, socket$/],
  ];
  for (const [name, fn, fields, message] of rows) {
    const e = thrown(fn);
    t.match(e, fields, name);
    t.match(e.message, message, name);
    if (!('path' in fields)) t.notOk('path' in e, `${name}: no path key`);
  }
});

t.test('send/recv return -errno instead of throwing (EAGAIN on an empty socket)', async (t) => {
  const fd = sys.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  t.teardown(() => sys.close(fd));
  const sa = Buffer.alloc(12);
  sa.writeUInt16LE(AF_NETLINK, 0);
  sys.bind(fd, sa);
  t.equal(sys.recv(fd, Buffer.alloc(64), 0x40 /* MSG_DONTWAIT */), -11, '-EAGAIN');
  t.equal(sys.send(987654, Buffer.alloc(16), 16, 0), -9, '-EBADF');
});

t.test('Buffers are passed to C by pointer: a subarray at an offset is written in place', async (t) => {
  const fd = sys.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  t.teardown(() => sys.close(fd));
  const sa = Buffer.alloc(12);
  sa.writeUInt16LE(AF_NETLINK, 0);
  sys.bind(fd, sa);
  const big = Buffer.alloc(64, 0xee);
  const n = sys.getsockname(fd, big.subarray(20, 32));
  t.equal(n, 12);
  t.equal(big.readUInt16LE(20), AF_NETLINK, 'sockaddr_nl.nl_family written into the parent buffer at offset 20');
  t.ok(big.readUInt32LE(24) > 0, 'nl_pid');
  t.equal(big[19], 0xee, 'nothing before the view touched');
  t.equal(big[32], 0xee, 'nothing after the view touched');
});

t.test('sockets and fds from sys are O_CLOEXEC and closed exactly once', async (t) => {
  const before = fdCount();
  const fds: number[] = [];
  for (let i = 0; i < 100; i++) fds.push(sys.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  t.equal(fdCount(), before + 100);
  const flags = fds.map((fd) => /flags:\s+(\d+)/.exec(readFdinfo(fd))![1]!);
  t.ok(flags.every((f) => (parseInt(f, 8) & sys.O_CLOEXEC) !== 0), 'O_CLOEXEC set');
  for (const fd of fds) sys.close(fd);
  t.equal(fdCount(), before);
});

function readFdinfo(fd: number): string {
  return readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
}
