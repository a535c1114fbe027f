/**
 * Thin koffi bindings to the libc calls nlkit needs. Buffers are passed to C by
 * pointer (no copy); `koffi.errno()` is read right after each call and a failure
 * becomes a {@link SysError} shaped like Node's SystemError. EINTR is retried.
 *
 * koffi has no `ssize_t`/`socklen_t`: `long` and `uint32_t` stand in.
 * @module
 */
import koffi from 'koffi';
import { SysError } from './errors.js';

const libc = koffi.load('libc.so.6');

const c = {
  socket: libc.func('int socket(int domain, int type, int protocol)'),
  bind: libc.func('int bind(int fd, const void *addr, uint32_t len)'),
  getsockname: libc.func('int getsockname(int fd, void *addr, void *len)'),
  sendto: libc.func('long sendto(int fd, const void *buf, size_t len, int flags, const void *addr, uint32_t alen)'),
  send: libc.func('long send(int fd, const void *buf, size_t len, int flags)'),
  recv: libc.func('long recv(int fd, void *buf, size_t len, int flags)'),
  recvfrom: libc.func('long recvfrom(int fd, void *buf, size_t len, int flags, void *addr, void *alen)'),
  setsockopt: libc.func('int setsockopt(int fd, int level, int name, const void *val, uint32_t len)'),
  getsockopt: libc.func('int getsockopt(int fd, int level, int name, void *val, void *len)'),
  close: libc.func('int close(int fd)'),
  setns: libc.func('int setns(int fd, int nstype)'),
  unshare: libc.func('int unshare(int flags)'),
  open: libc.func('int open(const char *path, int flags, ...)'),
  mount: libc.func('int mount(const char *src, const char *target, const char *fstype, unsigned long flags, const void *data)'),
  umount2: libc.func('int umount2(const char *target, int flags)'),
  unlink: libc.func('int unlink(const char *path)'),
  mkdir: libc.func('int mkdir(const char *path, uint32_t mode)'),
  flock: libc.func('int flock(int fd, int op)'),
  gettid: libc.func('int gettid()'),
  ioctl: libc.func('int ioctl(int fd, unsigned long req, ...)'),
};

const EINTR = 4;

/** Throw a SysError for the errno just set by `syscall`. */
function fail(syscall: string, path?: string): never {
  throw new SysError(syscall, koffi.errno(), path);
}

/** socket(2). Always pass SOCK_CLOEXEC in `type`. */
export function socket(domain: number, type: number, protocol: number): number {
  for (;;) {
    const fd = c.socket(domain, type, protocol) as number;
    if (fd >= 0) return fd;
    if (koffi.errno() !== EINTR) fail('socket');
  }
}

/** bind(2) with a raw sockaddr buffer. */
export function bind(fd: number, addr: Uint8Array): void {
  if ((c.bind(fd, addr, addr.length) as number) < 0) fail('bind');
}

/**
 * Scratch space for the int and socklen_t arguments of the calls below: each call is
 * synchronous and reads its result before returning, so one of each serves every call
 * (a typed array per call was most of what opening a socket allocated).
 */
const INT_ARG = new Int32Array(1);
const LEN_ARG = new Uint32Array(1);

/** getsockname(2) into `addr`; returns the address length the kernel wrote. */
export function getsockname(fd: number, addr: Uint8Array): number {
  LEN_ARG[0] = addr.length;
  if ((c.getsockname(fd, addr, LEN_ARG) as number) < 0) fail('getsockname');
  return LEN_ARG[0]!;
}

/**
 * send(2). Returns bytes sent, or -errno for EAGAIN/ENOBUFS-style conditions the
 * caller handles (never throws for EAGAIN when `flags` has MSG_DONTWAIT).
 */
export function send(fd: number, buf: Uint8Array, len: number, flags: number): number {
  for (;;) {
    const n = c.send(fd, buf, len, flags) as number;
    if (n >= 0) return n;
    const e = koffi.errno();
    if (e !== EINTR) return -e;
  }
}

/** sendto(2) with a raw sockaddr. Returns bytes sent or -errno. */
export function sendto(fd: number, buf: Uint8Array, len: number, flags: number, addr: Uint8Array): number {
  for (;;) {
    const n = c.sendto(fd, buf, len, flags, addr, addr.length) as number;
    if (n >= 0) return n;
    const e = koffi.errno();
    if (e !== EINTR) return -e;
  }
}

/** recv(2) into `buf`. Returns the byte count (the real datagram length with MSG_TRUNC) or -errno. */
export function recv(fd: number, buf: Uint8Array, flags: number): number {
  for (;;) {
    const n = c.recv(fd, buf, buf.length, flags) as number;
    if (n >= 0) return n;
    const e = koffi.errno();
    if (e !== EINTR) return -e;
  }
}

/**
 * recvfrom(2) into `buf`, the sender's sockaddr into `addr` (`alen` is a one-element
 * Uint32Array the caller reuses). Returns the byte count or -errno.
 */
export function recvfrom(fd: number, buf: Uint8Array, len: number, flags: number, addr: Uint8Array, alen: Uint32Array): number {
  for (;;) {
    alen[0] = addr.length;
    const n = c.recvfrom(fd, buf, len, flags, addr, alen) as number;
    if (n >= 0) return n;
    const e = koffi.errno();
    if (e !== EINTR) return -e;
  }
}

/** setsockopt(2) with an int value. Throws SysError. */
export function setsockoptInt(fd: number, level: number, name: number, value: number, what = 'setsockopt'): void {
  INT_ARG[0] = value;
  if ((c.setsockopt(fd, level, name, INT_ARG, 4) as number) < 0) fail(what);
}

/** setsockopt(2) with an int value; returns 0 or -errno instead of throwing. */
export function trySetsockoptInt(fd: number, level: number, name: number, value: number): number {
  INT_ARG[0] = value;
  if ((c.setsockopt(fd, level, name, INT_ARG, 4) as number) < 0) return -koffi.errno();
  return 0;
}

/** getsockopt(2) of an int value. */
export function getsockoptInt(fd: number, level: number, name: number): number {
  LEN_ARG[0] = 4;
  if ((c.getsockopt(fd, level, name, INT_ARG, LEN_ARG) as number) < 0) fail('getsockopt');
  return INT_ARG[0]!;
}

/** close(2). EINTR is not retried (Linux closes the fd anyway). */
export function close(fd: number): void {
  if ((c.close(fd) as number) < 0 && koffi.errno() !== EINTR) fail('close');
}

/** setns(2). */
export function setns(fd: number, nstype: number): void {
  if ((c.setns(fd, nstype) as number) < 0) fail('setns');
}

/** unshare(2). */
export function unshare(flags: number): void {
  if ((c.unshare(flags) as number) < 0) fail('unshare');
}

/** open(2); the caller adds O_CLOEXEC. */
export function open(path: string, flags: number, mode = 0): number {
  for (;;) {
    const fd = c.open(path, flags, 'uint32_t', mode) as number;
    if (fd >= 0) return fd;
    if (koffi.errno() !== EINTR) fail('open', path);
  }
}

/** mount(2). */
export function mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null = null): void {
  if ((c.mount(source, target, fstype, flags, data) as number) < 0) fail('mount', target);
}

/** umount2(2). */
export function umount2(target: string, flags: number): void {
  if ((c.umount2(target, flags) as number) < 0) fail('umount2', target);
}

/** unlink(2). */
export function unlink(path: string): void {
  if ((c.unlink(path) as number) < 0) fail('unlink', path);
}

/** mkdir(2). */
export function mkdir(path: string, mode: number): void {
  if ((c.mkdir(path, mode) as number) < 0) fail('mkdir', path);
}

/** flock(2), EINTR retried. */
export function flock(fd: number, op: number): void {
  for (;;) {
    if ((c.flock(fd, op) as number) >= 0) return;
    if (koffi.errno() !== EINTR) fail('flock');
  }
}

/** gettid(2): the calling thread's id. */
export function gettid(): number {
  return c.gettid() as number;
}

/**
 * ioctl(2) with no argument (e.g. NS_GET_NSTYPE); returns the call's result, or
 * -errno instead of throwing.
 */
export function ioctlNoArg(fd: number, request: number): number {
  for (;;) {
    const r = c.ioctl(fd, request) as number;
    if (r >= 0) return r;
    const e = koffi.errno();
    if (e !== EINTR) return -e;
  }
}

/**
 * ioctl(2) whose argument points at `buf` (passed by pointer, no copy: the kernel reads
 * it and may write into it, as TUNSETIFF does with a struct ifreq); returns the call's
 * result, or -errno instead of throwing.
 */
export function ioctlBuf(fd: number, request: number, buf: Uint8Array): number {
  for (;;) {
    const r = c.ioctl(fd, request, 'void *', buf) as number;
    if (r >= 0) return r;
    const e = koffi.errno();
    if (e !== EINTR) return -e;
  }
}

/**
 * ioctl(2) whose argument is an integer value rather than a pointer (TUNSETPERSIST,
 * TUNSETOWNER, TUNSETGROUP); returns the call's result, or -errno instead of throwing.
 */
export function ioctlInt(fd: number, request: number, value: number): number {
  for (;;) {
    const r = c.ioctl(fd, request, 'unsigned long', value) as number;
    if (r >= 0) return r;
    const e = koffi.errno();
    if (e !== EINTR) return -e;
  }
}

/**
 * __NR_bpf by architecture (node's `process.arch`): x86-64's table (asm/unistd_64.h:
 * 321) and the generic table of arm64, riscv64 and loongarch64 (asm-generic/unistd.h:
 * 280). glibc has no bpf() wrapper, so it goes through syscall(2).
 */
const NR_BPF: Readonly<Partial<Record<string, number>>> = { x64: 321, arm64: 280, riscv64: 280, loong64: 280 };
/** BPF_OBJ_GET, from enum bpf_cmd in <linux/bpf.h>. */
const BPF_OBJ_GET = 7;
let bpfObjCall: ((nr: number, cmd: number, attr: { pathname: string; bpf_fd: number; file_flags: number }, size: number) => number) | undefined;

/**
 * bpf(BPF_OBJ_GET): an fd (O_CLOEXEC, as every bpf fd) of the BPF object pinned at `path`
 * on a bpf filesystem, opened read-write (a program fd must be). Not a hot path: the
 * attribute struct (a pathname pointer, bpf_fd, file_flags: 16 bytes on a 64-bit
 * machine, the union bpf_attr's BPF_OBJ_* member) is marshalled by koffi.
 * @throws SysError (syscall 'bpf(BPF_OBJ_GET)', the path) — ENOENT nothing there,
 *   EACCES/EPERM not allowed or not a bpf filesystem, ENOSYS an architecture nlkit has
 *   no syscall number for.
 */
export function bpfObjGet(path: string): number {
  const nr = NR_BPF[process.arch];
  if (nr === undefined) throw new SysError('bpf(BPF_OBJ_GET)', 38 /* ENOSYS */, path, `nlkit knows no bpf(2) syscall number for ${process.arch}`);
  if (!bpfObjCall) {
    koffi.struct('nlkit_bpf_attr_obj', { pathname: 'const char *', bpf_fd: 'uint32_t', file_flags: 'uint32_t' });
    const f = libc.func('long syscall(long nr, long cmd, nlkit_bpf_attr_obj *attr, uint32_t size)');
    bpfObjCall = (n, cmd, attr, size) => f(n, cmd, attr, size) as number;
  }
  for (;;) {
    const fd = bpfObjCall(nr, BPF_OBJ_GET, { pathname: path, bpf_fd: 0, file_flags: 0 }, 16);
    if (fd >= 0) return fd;
    const e = koffi.errno();
    if (e !== EINTR) throw new SysError('bpf(BPF_OBJ_GET)', e, path);
  }
}

/** Namespace and mount constants used by src/ns (from <sched.h>, <sys/mount.h>). */
export const CLONE_NEWNS = 0x00020000;
export const CLONE_NEWNET = 0x40000000;
export const MS_BIND = 4096;
export const MS_REC = 16384;
export const MS_SHARED = 1 << 20;
export const MS_PRIVATE = 1 << 18;
export const MS_SLAVE = 1 << 19;
export const MNT_DETACH = 2;
export const O_RDONLY = 0;
export const O_RDWR = 2;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_CLOEXEC = 0o2000000;
export const O_DIRECTORY = 0o200000;
export const O_NONBLOCK = 0o4000;
export const O_NOCTTY = 0o400;
/** SIOCGSKNS from <linux/sockios.h>: ioctl on a socket giving an fd of the network namespace it works in (needs CAP_NET_ADMIN). */
export const SIOCGSKNS = 0x894c;

/** NS_GET_NSTYPE = _IO(NSIO 0xb7, 3) from <linux/nsfs.h>: the CLONE_NEW* type of a namespace fd. */
export const NS_GET_NSTYPE = 0xb703;
export const LOCK_EX = 2;
export const LOCK_UN = 8;

/** libuv poll handle over an fd (no threads); see DESIGN.md for the real callback shape. */
export const poll = koffi.node.poll;
export type PollHandle = ReturnType<typeof koffi.node.poll>;
