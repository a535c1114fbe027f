/**
 * Network namespaces held by file descriptors: the calling thread's, new anonymous
 * ones, and named ones in a directory shared with iproute2 (`ip netns`).
 *
 * Every fd here is opened O_CLOEXEC and closed exactly once, also on error paths.
 * Creating a namespace switches Node's main thread into it for a few synchronous
 * syscalls and back (no JavaScript of the caller runs in between); the caller is
 * always back in its own netns when a call returns or throws — verified in the tests
 * with the inode of /proc/thread-self/ns/net.
 * @module
 */
import { fstatSync, lstatSync, readdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import * as sys from '../netlink/sys.js';
import { ClosedError, InvalidArgumentError, SysError, checkOptionKeys, showValue } from '../netlink/errors.js';
import { contextNetnsFd, ensureThreadpoolStarted, switchBack, type NetnsHandle } from '../netlink/netns-switch.js';
import { pidNetnsDenied, pidWithoutNetns } from '../netlink/open-in.js';
import { handleFd } from './handle.js';

/** The directory iproute2 keeps named network namespaces in. */
export const DEFAULT_NETNS_DIR = '/run/netns';

const THREAD_NS = '/proc/thread-self/ns/net';
const NAME_MAX = 255;
/** umount2(2) flag: do not follow a symlink at the target (<sys/mount.h>). */
const UMOUNT_NOFOLLOW = 8;
/** Bound on the netns mounts deleteNamed detaches from one name. */
const MAX_STACKED = 64;

/** Options of the functions that work on named namespaces. */
export interface NamedNetnsOptions {
  /**
   * Directory holding the namespace files (bind mounts). Must be absolute: a relative
   * one is refused (InvalidArgumentError naming `dir`), as it would depend on the
   * process's working directory. It is normalised before use — `.` and `..` components,
   * repeated and trailing slashes resolved lexically, as `path.resolve` does (so
   * `/run/x/../netns` is `/run/netns` even where /run/x does not exist or is a symlink)
   * — and every function taking `dir` (newNamed, getNamed, listNamed, deleteNamed,
   * {@link netnsDir}) uses that same normalised path; `Netns.path` and messages show it.
   * Defaults to the environment variable `NLKIT_NETNS_DIR` (checked and normalised the
   * same way), else `/run/netns` (iproute2's `NETNS_RUN_DIR`; `ip netns` only sees
   * namespaces there).
   */
  readonly dir?: string | undefined;
}

const NAMED_OPTION_KEYS: ReadonlySet<string> = new Set(['dir']);

/**
 * The directory named namespaces live in for `options` (option › NLKIT_NETNS_DIR ›
 * /run/netns), absolute and normalised (see {@link NamedNetnsOptions.dir}). The one
 * place every named-namespace function gets its directory from. A relative path, an
 * empty one or one with a NUL byte is an InvalidArgumentError naming `dir` (and saying
 * when the value came from NLKIT_NETNS_DIR). No syscall is made.
 */
export function netnsDir(options: Readonly<Partial<NamedNetnsOptions>> = {}): string {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new InvalidArgumentError('options', `expected an object, got ${showValue(options)}`);
  checkOptionKeys(options, NAMED_OPTION_KEYS, 'options.');
  const fromEnv = options.dir === undefined && !!process.env.NLKIT_NETNS_DIR;
  const dir = options.dir ?? (process.env.NLKIT_NETNS_DIR || DEFAULT_NETNS_DIR);
  if (typeof dir !== 'string' || dir === '' || !isAbsolute(dir) || dir.includes('\0')) {
    throw new InvalidArgumentError('dir', `the netns directory must be an absolute path without NUL bytes, got ${JSON.stringify(dir)}${fromEnv ? ' (from the environment variable NLKIT_NETNS_DIR)' : ''}`);
  }
  // Lexical, like path.resolve: mkdir -p, the mount, the flock and every message then see
  // one path (before, '/a/missing/../b' made /a/missing on the way and failed elsewhere).
  return resolve(dir);
}

/**
 * Check a namespace name the way iproute2 does before it touches the file system:
 * a non-empty string, not '.' or '..', no '/' or NUL, at most 255 bytes (NAME_MAX).
 * Throws InvalidArgumentError (argument 'name'); no syscall is made.
 */
export function validateNetnsName(name: unknown): asserts name is string {
  if (typeof name !== 'string') throw new InvalidArgumentError('name', `a netns name must be a string, got ${showValue(name)}`);
  if (name === '') throw new InvalidArgumentError('name', 'a netns name must not be empty');
  if (name === '.' || name === '..') throw new InvalidArgumentError('name', `'${name}' is not a valid netns name`);
  if (name.includes('/')) throw new InvalidArgumentError('name', `a netns name must not contain '/': ${JSON.stringify(name)}`);
  if (name.includes('\0')) throw new InvalidArgumentError('name', `a netns name must not contain a NUL byte: ${JSON.stringify(name)}`);
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > NAME_MAX) throw new InvalidArgumentError('name', `a netns name must be at most ${NAME_MAX} bytes, got ${bytes}`);
}

function validatePath(path: unknown): asserts path is string {
  if (typeof path !== 'string' || path === '') throw new InvalidArgumentError('path', `a netns path must be a non-empty string, got ${typeof path === 'string' ? "''" : typeof path}`);
  if (path.includes('\0')) throw new InvalidArgumentError('path', `a netns path must not contain a NUL byte: ${JSON.stringify(path)}`);
}

/** A failed Node fs call as nlkit's SysError (Node's own error is not one), keeping the path. */
function fsError(e: unknown, syscall: string, path: string | undefined, detail?: string): never {
  const errno = (e as NodeJS.ErrnoException | undefined)?.errno;
  if (typeof errno === 'number') throw new SysError(syscall, Math.abs(errno), path, detail);
  throw e;
}

let nsfsDevCache: number | undefined;

/** st_dev of nsfs: every namespace file (/proc/PID/ns/*, bind mounts of them) has it. */
function nsfsDev(): number {
  nsfsDevCache ??= statSync('/proc/self/ns/net').dev;
  return nsfsDevCache;
}

const NS_TYPES: Record<number, string> = {
  0x00020000: 'a mount namespace',
  0x02000000: 'a cgroup namespace',
  0x04000000: 'a UTS namespace',
  0x08000000: 'an IPC namespace',
  0x10000000: 'a user namespace',
  0x20000000: 'a PID namespace',
  0x00000080: 'a time namespace',
};

function describeFile(st: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (st.isFile()) return 'a regular file';
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a namespace file';
}

/**
 * NS_GET_NSTYPE of the nsfs file at `path` (a CLONE_NEW* flag), or -1 when it cannot be
 * opened or asked (gone meanwhile). Opening an nsfs file has no side effect.
 */
function nsTypeAt(path: string): number {
  try {
    const fd = sys.open(path, sys.O_RDONLY | sys.O_CLOEXEC | sys.O_NOCTTY | sys.O_NONBLOCK);
    try {
      return sys.ioctlNoArg(fd, sys.NS_GET_NSTYPE);
    } finally {
      sys.close(fd);
    }
  } catch {
    return -1;
  }
}

/**
 * stat (or lstat, with `link`) of `path`; undefined when nothing is there (ENOENT), any
 * other failure thrown. Not `{ throwIfNoEntry: false }`: since Node 21 that also answers
 * undefined for ENOTDIR (a path under a file), which would make such a path "no such
 * namespace" on one Node version and an ENOTDIR SysError on another.
 */
function statIfExists(path: string, link: boolean): Stats | undefined {
  try {
    return link ? lstatSync(path) : statSync(path);
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * What holds the name `name` in `dir` when creating DIR/NAME said EEXIST, as newNamed's
 * message says it: a network namespace, another namespace type, or a file, directory,
 * symlink… that is not a namespace. Only for that error: an lstat, and for an nsfs file
 * an open + NS_GET_NSTYPE. Never throws.
 */
function takenBy(path: string, name: string, dir: string): string {
  let st;
  try {
    st = statIfExists(path, true);
  } catch {
    return `the name '${name}' is taken in ${dir}`;
  }
  if (!st) return `the name '${name}' was taken in ${dir} (removed again since)`;
  if (st.isSymbolicLink()) return `'${name}' already exists in ${dir} as a symbolic link, not a network namespace`;
  if (st.dev === nsfsDev()) {
    const type = nsTypeAt(path); // -1: could not look; say what is known
    if (type === sys.CLONE_NEWNET) return `a network namespace named '${name}' already exists in ${dir}`;
    if (type < 0) return `'${name}' already exists in ${dir} with a namespace mounted on it`;
    return `'${name}' already exists in ${dir} with ${NS_TYPES[type] ?? `a namespace of type 0x${type.toString(16)}`} mounted on it, not a network namespace`;
  }
  const what = describeFile(st);
  if (st.isFile()) {
    // On the directory's own file system: most likely nothing is mounted on it (a bind
    // mount from that same file system would look alike; deleteNamed tells them apart).
    let bare = false;
    try {
      bare = statSync(dir).dev === st.dev;
    } catch {
      /* unknown */
    }
    if (bare) return `'${name}' already exists in ${dir} as a regular file, not a network namespace (a half-made one, left by a creator that failed or still at work? Netns.deleteNamed removes it)`;
    return `'${name}' already exists in ${dir} with a file that is not a network namespace mounted on it`;
  }
  return `'${name}' already exists in ${dir} as ${what === 'not a namespace file' ? 'something' : what} that is not a network namespace`;
}

/**
 * Open `path` as a network namespace, refusing anything else before it could reach
 * setns: the file must live on nsfs and NS_GET_NSTYPE must say CLONE_NEWNET.
 * Returns an O_CLOEXEC fd the caller owns.
 */
function openNetnsFile(path: string, argument = 'path'): number {
  // stat first so that a FIFO or a device is never opened (open could block or act).
  let st;
  try {
    st = statIfExists(path, false);
  } catch (e) {
    fsError(e, 'stat', path); // ENOTDIR, ELOOP, ENAMETOOLONG, EACCES…
  }
  if (!st) throw new SysError('open', 2 /* ENOENT */, path, 'no such network namespace file');
  if (st.dev !== nsfsDev()) throw new InvalidArgumentError(argument, `'${path}' is not a network namespace (it is ${describeFile(st)}, not an nsfs file)`);
  const fd = sys.open(path, sys.O_RDONLY | sys.O_CLOEXEC | sys.O_NOCTTY | sys.O_NONBLOCK);
  try {
    // Re-check on the fd: the path may have been replaced since the stat.
    if (fstatSync(fd).dev !== nsfsDev()) throw new InvalidArgumentError(argument, `'${path}' is not a network namespace (not an nsfs file)`);
    const type = sys.ioctlNoArg(fd, sys.NS_GET_NSTYPE);
    if (type < 0) throw new SysError('ioctl', -type, path, 'NS_GET_NSTYPE failed');
    if (type !== sys.CLONE_NEWNET) throw new InvalidArgumentError(argument, `'${path}' is not a network namespace (it is ${NS_TYPES[type] ?? `a namespace of type 0x${type.toString(16)}`})`);
    return fd;
  } catch (e) {
    sys.close(fd);
    throw e;
  }
}

/**
 * The path a Netns opened from `path` (fd `fd`) shows as its `path`: one that names the
 * same namespace for any process of this mount namespace and after a chdir. `path` itself
 * when absolute and not through /proc/self or /proc/thread-self (which mean the reader);
 * a relative path made absolute when that names the same file; else `/proc/PID/fd/FD`.
 */
function portablePath(path: string, fd: number): string {
  try {
    const abs = resolve(path); // process.cwd() throws when the working directory was removed
    const selfish = /^\/proc\/(?:self|thread-self)(?:\/|$)/.test(abs);
    if (isAbsolute(path) && !selfish) return path;
    if (!selfish) {
      const st = statSync(abs);
      const own = fstatSync(fd);
      if (st.dev === own.dev && st.ino === own.ino) return abs;
    }
  } catch {
    /* no name that is surely the same file: the fd path below */
  }
  return `/proc/${process.pid}/fd/${fd}`;
}

/** <linux/capability.h> */
const CAP_SYS_ADMIN = 21;

/** Whether CAP_SYS_ADMIN is in this process's effective set (/proc/self/status); true when unknown. Read only on an EPERM. */
function hasSysAdmin(): boolean {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? (BigInt(`0x${m[1]}`) >> BigInt(CAP_SYS_ADMIN) & 1n) === 1n : true;
  } catch {
    return true;
  }
}

/**
 * Run `fn` with the calling thread in a brand-new network namespace (unshare), then
 * put the thread back where it was (setns to an fd saved first) — also when `fn`
 * throws. `fn` is synchronous. A failed switch back is a NetnsRestoreError (with
 * `fn`'s error as its cause when `fn` threw).
 */
function inFreshNetns<T>(fn: () => T): T {
  ensureThreadpoolStarted();
  const self = sys.open(THREAD_NS, sys.O_RDONLY | sys.O_CLOEXEC);
  try {
    // The switch back needs CAP_SYS_ADMIN over the user namespace that owns this netns,
    // which a process in a child user namespace (`unshare -U -r`) lacks although unshare
    // works for it: a setns to where the thread already is makes the same check, before
    // the thread moves, rather than a NetnsRestoreError after it, left in the new netns.
    try {
      sys.setns(self, sys.CLONE_NEWNET);
    } catch (e) {
      if (e instanceof SysError && e.code === 'EPERM') {
        // Without CAP_SYS_ADMIN at all, unshare would be refused first: say that, as it did.
        if (!hasSysAdmin()) throw new SysError('unshare', e.errno, undefined, 'creating a network namespace needs CAP_SYS_ADMIN');
        throw new SysError('setns', e.errno, undefined, 'making a network namespace here means switching the thread back afterwards, which needs ' +
          'CAP_SYS_ADMIN over the user namespace that owns this network namespace: this process lacks it (as in a child user namespace, ' +
          '`unshare -U`, acting from its parent\'s netns); make the netns from a process whose user namespace owns this one');
      }
      throw e;
    }
    try {
      sys.unshare(sys.CLONE_NEWNET); // on failure the thread has not moved
    } catch (e) {
      if (e instanceof SysError && e.code === 'EPERM') throw new SysError('unshare', e.errno, undefined, 'creating a network namespace needs CAP_SYS_ADMIN');
      throw e;
    }
    let result: T;
    try {
      result = fn();
    } catch (e) {
      switchBack(self, { error: e }); // a NetnsRestoreError carries e as its cause
      throw e;
    }
    switchBack(self);
    return result;
  } finally {
    sys.close(self);
  }
}

/**
 * mkdir -p with mode 0755, one component at a time from the root. (Not
 * `fs.mkdirSync(…, {recursive: true})`: libuv loops for ever when mkdir says ENOENT
 * under an existing parent, as in /proc.)
 */
function makeDirs(dir: string): void {
  let p = '';
  for (const part of dir.split('/')) {
    if (part === '') continue;
    p += `/${part}`;
    try {
      sys.mkdir(p, 0o755);
    } catch (e) {
      if (!(e instanceof SysError) || e.code !== 'EEXIST') throw e;
    }
  }
}

/**
 * Make `dir` a shared mount point, as `ip netns add` does, so that unmounting a
 * namespace file in one mount namespace unmounts it in all of them: mount
 * --make-rshared, and when the kernel refuses with EINVAL (not a mount point yet) bind
 * the directory onto itself first. An exclusive flock on the directory serialises this
 * with other creators (iproute2 takes the same lock; a failed flock is not fatal,
 * as in iproute2).
 */
function prepareNetnsDir(dir: string): void {
  makeDirs(dir);
  const lock = sys.open(dir, sys.O_RDONLY | sys.O_DIRECTORY | sys.O_CLOEXEC);
  try {
    try {
      sys.flock(lock, sys.LOCK_EX);
    } catch {
      /* proceed without the lock, like iproute2 */
    }
    let madeMount = false;
    for (;;) {
      try {
        sys.mount('', dir, 'none', sys.MS_SHARED | sys.MS_REC);
        break;
      } catch (e) {
        if (e instanceof SysError && e.code === 'EPERM') throw new SysError('mount', e.errno, dir, `making ${dir} a shared mount point (as \`ip netns add\` does) needs CAP_SYS_ADMIN`);
        if (!(e instanceof SysError) || e.code !== 'EINVAL' || madeMount) throw e;
        sys.mount(dir, dir, 'none', sys.MS_BIND | sys.MS_REC);
        madeMount = true;
      }
    }
  } finally {
    sys.close(lock); // closing releases the flock
  }
}

/**
 * A network namespace held by an open file descriptor (O_CLOEXEC). The namespace
 * lives at least as long as the handle is open. Close it with {@link Netns.close}
 * or `using ns = Netns.new()`.
 *
 * Obtain one with {@link Netns.get}, {@link Netns.new}, {@link Netns.newNamed},
 * {@link Netns.getNamed}, {@link Netns.fromPath} or {@link Netns.fromPid}.
 */
export class Netns implements NetnsHandle, Disposable {
  #fd: number;
  /**
   * A path that names this namespace: the namespace file for named and path-opened
   * namespaces (absolute; see {@link Netns.fromPath} for /proc/self paths), else `/proc/PID/fd/FD` (valid only while this handle is open) — usable
   * as `nsenter --net=PATH` or `ip netns exec`-style tools while open.
   */
  readonly path: string;
  /** The name in the netns directory, for namespaces made or opened by name. */
  readonly name: string | undefined;
  /** st_dev of the namespace file (the nsfs device). */
  readonly dev: number;
  /** Inode number of the namespace: what `ls -l /proc/PID/ns/net` shows as net:[INODE]. */
  readonly ino: number;

  private constructor(fd: number, path: string | undefined, name: string | undefined) {
    const st = fstatSync(fd);
    this.#fd = fd;
    this.dev = st.dev;
    this.ino = st.ino;
    this.path = path ?? `/proc/${process.pid}/fd/${fd}`;
    this.name = name;
  }

  /** Wrap an fd we own; closes it if the wrapper cannot be built. */
  private static adopt(fd: number, path?: string, name?: string): Netns {
    try {
      return new Netns(fd, path, name);
    } catch (e) {
      sys.close(fd);
      throw e;
    }
  }

  /**
   * The network namespace nlkit operations act in right now: inside
   * {@link execNetns} (also after an await) the context's target, elsewhere the
   * calling thread's own. Returns a new handle (its own fd); close it when done.
   * Inside a context whose target Netns was closed meanwhile, a ClosedError naming the
   * execNetns target; whose raw target fd was closed (or its number reused for another
   * file), a SysError saying so.
   *
   * Equivalent to: `ip netns identify` (which names it) / opening
   * /proc/thread-self/ns/net (not /proc/self/ns/net: that is the main thread's, which
   * differs in a `netnsWorker`'s thread).
   */
  static get(): Netns {
    const ctx = contextNetnsFd();
    if (ctx !== undefined) {
      // Reopen the context's namespace file: a new fd of the same namespace — unless the
      // caller closed that fd meanwhile (its number may now be another file's).
      const link = `/proc/self/fd/${ctx}`;
      const gone = `the execNetns target's fd ${ctx} no longer refers to a network namespace (closed, or reused for another file)`;
      let fd: number;
      try {
        fd = sys.open(link, sys.O_RDONLY | sys.O_CLOEXEC);
      } catch (e) {
        if (e instanceof SysError && e.code === 'ENOENT') throw new SysError('open', e.errno, link, gone);
        throw e;
      }
      const ns = Netns.adopt(fd);
      if (ns.dev !== nsfsDev() || sys.ioctlNoArg(fd, sys.NS_GET_NSTYPE) !== sys.CLONE_NEWNET) {
        ns.close();
        throw new SysError('open', 22 /* EINVAL */, link, gone);
      }
      return ns;
    }
    return Netns.adopt(sys.open(THREAD_NS, sys.O_RDONLY | sys.O_CLOEXEC));
  }

  /**
   * Create a new anonymous network namespace (only `lo`, down) held by the returned
   * handle; it disappears when the last fd, process and mount referring to it is
   * gone. The caller stays in its own netns: the main thread unshares, opens the new
   * namespace and switches straight back within this synchronous call. Where the
   * switch back would be refused (a process in a child user namespace, `unshare -U -r`,
   * acting from its parent's netns), a SysError 'EPERM' from `setns` says so before
   * anything is made, and the thread stays where it is.
   *
   * Equivalent to: `unshare --net` (but the caller does not move).
   */
  static new(): Netns {
    let fd = -1;
    try {
      inFreshNetns(() => {
        fd = sys.open(THREAD_NS, sys.O_RDONLY | sys.O_CLOEXEC);
      });
    } catch (e) {
      if (fd >= 0) sys.close(fd);
      throw e;
    }
    return Netns.adopt(fd);
  }

  /**
   * Create a named network namespace, exactly as `ip netns add NAME` does, so each
   * side sees and can use the other's: the directory (default /run/netns) is created
   * and made a shared mount (bound onto itself first where needed) under an flock;
   * the file DIR/NAME is created with O_EXCL (SysError 'EEXIST' when the name is taken,
   * whose message says by what: a network namespace, another namespace type, or a file,
   * directory or symlink that is not a namespace); a new
   * namespace is unshared and its /proc/thread-self/ns/net bind-mounted onto the
   * file — through the fd of the file just made, so that a racing `deleteNamed` (and
   * another creator's file of the same name) makes this call fail with SysError
   * 'ENOENT' rather than mount onto a file that is not its own; then the thread
   * switches back. On any failure the file (and a mount made) are removed — only while
   * they are still this call's own — and the thread is back in its own netns.
   *
   * Equivalent to: `ip netns add NAME`.
   */
  static newNamed(name: string, options: Readonly<Partial<NamedNetnsOptions>> = {}): Netns {
    validateNetnsName(name);
    const dir = netnsDir(options);
    const path = join(dir, name);
    prepareNetnsDir(dir);
    let created: number;
    try {
      created = sys.open(path, sys.O_RDONLY | sys.O_CREAT | sys.O_EXCL | sys.O_CLOEXEC, 0);
    } catch (e) {
      if (e instanceof SysError && e.code === 'EEXIST') throw new SysError('open', e.errno, path, takenBy(path, name, dir));
      throw e;
    }
    // The file is held open until the namespace is mounted on it, and the mount goes
    // through that fd, not the name: if another process deletes the name meanwhile (and
    // a third makes a new file of that name), the kernel refuses the mount (ENOENT)
    // instead of binding our namespace onto someone else's file; and the clean-up
    // removes the name only while it is still our file.
    let fd = -1;
    let nsIno: number | undefined;
    let mounted = false;
    let file: { dev: number; ino: number } | undefined;
    try {
      file = fstatSync(created);
      inFreshNetns(() => {
        fd = sys.open(THREAD_NS, sys.O_RDONLY | sys.O_CLOEXEC);
        nsIno = fstatSync(fd).ino;
        sys.mount(THREAD_NS, `/proc/self/fd/${created}`, 'none', sys.MS_BIND);
        mounted = true;
      });
    } catch (e) {
      if (fd >= 0) sys.close(fd);
      cleanupNamed(path, file, mounted ? nsIno : undefined);
      if (e instanceof SysError && e.syscall === 'mount') {
        // Name the file, not the /proc/self/fd link the mount went through.
        throw new SysError('mount', e.errno, path, e.code === 'ENOENT' ? `'${path}' was removed while the namespace was being made (a concurrent deleteNamed?); nothing was mounted`
          : e.code === 'EPERM' ? 'binding the new network namespace onto its name needs CAP_SYS_ADMIN' : undefined);
      }
      throw e;
    } finally {
      sys.close(created);
    }
    try {
      return Netns.adopt(fd, path, name); // closes fd itself on failure
    } catch (e) {
      cleanupNamed(path, file, nsIno);
      throw e;
    }
  }

  /**
   * Open the named network namespace DIR/NAME (made by `ip netns add` or
   * {@link Netns.newNamed}). ENOENT when there is none; InvalidArgumentError when the
   * file is not a network namespace (e.g. half-made by a crashed creator).
   *
   * Equivalent to: what `ip netns exec NAME` opens.
   */
  static getNamed(name: string, options: Readonly<Partial<NamedNetnsOptions>> = {}): Netns {
    validateNetnsName(name);
    const path = join(netnsDir(options), name);
    return Netns.adopt(openNetnsFile(path, 'name'), path, name);
  }

  /**
   * Open the network namespace at `path` (a bind-mounted namespace file, or
   * /proc/PID/ns/net, /proc/PID/task/TID/ns/net). A file that is not a network
   * namespace — a regular file, a directory, another namespace type — is refused
   * with an InvalidArgumentError naming the path, before any setns could see it. A path
   * that cannot be looked up is a SysError with its `path` (ENOENT, ENOTDIR, ELOOP, …).
   *
   * `path` of the handle is `path` as given, except where that would name another
   * namespace for another process or after a chdir: a relative path is made absolute
   * (from the working directory at the call), and a path through /proc/self or
   * /proc/thread-self becomes `/proc/PID/fd/FD` (valid while the handle is open), as
   * for {@link Netns.get}.
   *
   * Equivalent to: `nsenter --net=PATH` (the opening part).
   */
  static fromPath(path: string): Netns {
    validatePath(path);
    const fd = openNetnsFile(path);
    return Netns.adopt(fd, portablePath(path, fd));
  }

  /**
   * Open the network namespace of process (or thread) `pid`. A pid that does not
   * exist fails with SysError code 'ESRCH', and so does a process that has exited but
   * was not reaped yet (a zombie: it has no namespaces left), its message saying so; so
   * does a process whose main thread exited while others run on (its /proc/PID/ns is
   * gone too), its message naming those threads, each of which opens by its id. A
   * process this one may not inspect (another user's, one with a capability this one
   * lacks) is SysError 'EACCES' saying that ptrace access or CAP_SYS_PTRACE is needed.
   *
   * Equivalent to: `ip netns identify PID` / `nsenter --net --target PID` (the opening part).
   */
  static fromPid(pid: number): Netns {
    if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0) throw new InvalidArgumentError('pid', `a pid must be a positive integer, got ${showValue(pid)}`);
    const path = `/proc/${pid}/ns/net`;
    try {
      return Netns.adopt(openNetnsFile(path, 'pid'), path);
    } catch (e) {
      if (e instanceof SysError && e.code === 'ENOENT') throw pidWithoutNetns(pid, path);
      if (e instanceof SysError && e.code === 'EACCES') throw pidNetnsDenied(pid, path, e.errno, e.syscall);
      throw e;
    }
  }

  /**
   * Names of the namespace files in the netns directory, sorted; [] when the
   * directory does not exist (any other failure is a SysError naming it). Like iproute2, every entry is listed (a file another
   * creator is still setting up included).
   *
   * Equivalent to: `ip netns list`.
   */
  static listNamed(options: Readonly<Partial<NamedNetnsOptions>> = {}): string[] {
    const dir = netnsDir(options);
    try {
      return readdirSync(dir).sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      fsError(e, 'scandir', dir);
    }
  }

  /**
   * Delete the named namespace DIR/NAME: detach its bind mount (umount2 MNT_DETACH;
   * all of them when several were stacked on the name) and remove the file. The
   * namespace itself lives on while anything still holds it (an open Netns, a process
   * inside). A missing name is not an error. Returns true when a file was removed.
   * A half-made file (not a mount) and a symlink are removed without unmounting
   * anything (a symlink's target is never touched); a directory is refused with
   * InvalidArgumentError, and a file with something else than a network namespace
   * mounted on it (another namespace type included) with SysError 'EBUSY', both left as
   * they were (`ip netns delete` unmounts and removes whatever is there). A name still busy after
   * its netns mount was detached (a mount of it hidden under the directory's own bind
   * mount, made before the directory became a mount point) is SysError 'EBUSY' saying so,
   * as `ip netns del` fails there.
   *
   * Equivalent to: `ip netns delete NAME`.
   */
  static deleteNamed(name: string, options: Readonly<Partial<NamedNetnsOptions>> = {}): boolean {
    validateNetnsName(name);
    const path = join(netnsDir(options), name);
    const lstat = () => {
      try {
        return statIfExists(path, true);
      } catch (e) {
        fsError(e, 'lstat', path);
      }
    };
    // A creator racing with us can mount its namespace on the name between our look and
    // our unlink (EBUSY), another deleter detach it: look again then, a few times.
    let detached = 0;
    for (let attempt = 0; ; attempt++) {
      let st = lstat();
      if (!st) return false;
      if (st.isDirectory()) throw new InvalidArgumentError('name', `'${path}' is a directory, not a network namespace; left alone`);
      // Only a network namespace bound onto the name is unmounted — every one, when
      // racing creators stacked two — and never through a symlink: umount2 follows one
      // unless told not to, and would unmount whatever it points at.
      for (let i = 0; st && st.dev === nsfsDev() && i < MAX_STACKED; i++) {
        // nsfs holds every namespace type: another one bound onto the name is not ours to unmount.
        const type = nsTypeAt(path);
        if (type >= 0 && type !== sys.CLONE_NEWNET) throw new SysError('umount2', 16 /* EBUSY */, path, `${NS_TYPES[type] ?? `a namespace of type 0x${type.toString(16)}`} is mounted there, not a network namespace; left alone`);
        try {
          sys.umount2(path, sys.MNT_DETACH | UMOUNT_NOFOLLOW);
          detached++;
        } catch (e) {
          // EINVAL: not a mount point; ENOENT: gone meanwhile.
          if (e instanceof SysError && e.code === 'EPERM') throw new SysError('umount2', e.errno, path, 'detaching the network namespace from its name needs CAP_SYS_ADMIN; nothing was deleted');
          if (!(e instanceof SysError) || (e.code !== 'EINVAL' && e.code !== 'ENOENT')) throw e;
          break;
        }
        st = lstat();
      }
      if (!st) return false;
      // What is left is the file: a former mount point, a half-made file, a symlink.
      try {
        sys.unlink(path);
        return true;
      } catch (e) {
        if (e instanceof SysError && e.code === 'ENOENT') return false;
        if (!(e instanceof SysError) || e.code !== 'EBUSY') throw e;
        // Racing creators and deleters: look again (a namespace mounted meanwhile is
        // deleted like any other; one detached meanwhile leaves a plain file).
        if (attempt < 8) continue;
        const now = lstat();
        if (now && now.dev !== nsfsDev()) {
          // What we detached was the only mount visible there: the file is a mount point
          // in a mount hidden under the directory's own (a name mounted before the
          // directory was bound onto itself); `ip netns del` fails alike.
          if (detached > 0) throw new SysError('unlink', e.errno, path, 'the network namespace mounted there was detached, but the file is still a mount point hidden under the directory\'s own mount (mounted before the directory became a mount point?); not removed');
          throw new SysError('unlink', e.errno, path, 'something that is not a network namespace is mounted there; left alone');
        }
        throw new SysError('unlink', e.errno, path, 'other processes keep mounting network namespaces on this name');
      }
    }
  }

  /**
   * The names this namespace has in the netns directory: the DIR/NAME files it is
   * mounted on, and the symbolic links there that lead to it (`ln -s /proc/PID/ns/net
   * DIR/NAME`, which {@link Netns.getNamed} opens too; a dangling link is no name), as
   * `ip netns identify` follows them (a namespace can have several names, or none),
   * sorted. A name that cannot be
   * read (a file another creator is still setting up, one removed meanwhile) is not this
   * namespace's. Works on a closed handle too (it compares the identity, {@link id}).
   *
   * Equivalent to: `ip netns identify [PID]` (with `Netns.fromPid(PID)`), which prints
   * only one name where a namespace has several.
   */
  names(options: Readonly<Partial<NamedNetnsOptions>> = {}): string[] {
    const dir = netnsDir(options);
    return Netns.listNamed(options).filter((name) => {
      let st: Stats | undefined;
      try {
        st = statSync(join(dir, name));
      } catch {
        return false;
      }
      return st.dev === this.dev && st.ino === this.ino;
    });
  }

  /** The namespace's fd. Throws ClosedError once the handle is closed. */
  get fd(): number {
    if (this.#fd < 0) throw new ClosedError(`Netns ${this.id}`);
    return this.#fd;
  }

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.#fd < 0;
  }

  /**
   * The namespace's identity, `${dev}:${ino}` of its nsfs file — equal for two handles
   * of the same namespace however they were opened. Stays readable after close.
   */
  get id(): string {
    return `${this.dev}:${this.ino}`;
  }

  /**
   * True when `other` refers to the same network namespace (compares dev and inode). A
   * Netns is compared by its identity (closed ones too); any other handle by an fstat of
   * its fd. Something that is not a handle is an InvalidArgumentError naming `other`.
   */
  equals(other: Netns | NetnsHandle): boolean {
    if (other instanceof Netns) return other.dev === this.dev && other.ino === this.ino;
    const fd = handleFd(other, 'other');
    let st;
    try {
      st = fstatSync(fd);
    } catch (e) {
      fsError(e, 'fstat', undefined, `other.fd ${fd}`);
    }
    return st.dev === this.dev && st.ino === this.ino;
  }

  /**
   * Move the calling thread into this namespace for good (setns), like Go's
   * `netns.Set`. Prefer {@link execNetns} or a handle bound to the namespace
   * (`Rtnl.open({ netns })`): on Node's main thread this is a hazard —
   * - every socket the thread creates from now on (net, dgram, http, netlink) is in
   *   this namespace, including those of unrelated libraries;
   * - the libuv threadpool (started before, by nlkit) stays in the old namespace, so
   *   `dns.lookup` traffic, and async reads of /proc/thread-self/net or
   *   /proc/sys/net, still see the old one — the thread is split across namespaces;
   * - Worker threads started afterwards are born in this namespace;
   * - nothing switches back: keep a handle of the old namespace (`Netns.get()`
   *   before) and call its `set()` to return.
   *
   * Equivalent to: `nsenter --net=PATH` for the current thread.
   */
  set(): void {
    const fd = this.fd;
    ensureThreadpoolStarted();
    try {
      sys.setns(fd, sys.CLONE_NEWNET);
    } catch (e) {
      if (e instanceof SysError) {
        throw new SysError('setns', e.errno, this.path, `could not enter network namespace ${this.id}${e.code === 'EPERM' ? ': entering it needs CAP_SYS_ADMIN (over the user namespace that owns it)' : ''}`);
      }
      throw e;
    }
  }

  /** Close the fd (idempotent). The namespace goes away when nothing else holds it. */
  close(): void {
    if (this.#fd < 0) return;
    const fd = this.#fd;
    this.#fd = -1;
    sys.close(fd);
  }

  /** Closes the handle. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** `Netns(net:[INODE])`, with the name of a named namespace after the inode and ` closed` once closed. */
  toString(): string {
    return `Netns(net:[${this.ino}]${this.name !== undefined ? ` ${this.name}` : ''}${this.#fd < 0 ? ' closed' : ''})`;
  }
}

/**
 * Undo a half-made named namespace at `path`, touching only what this call made: the
 * namespace mount when it is ours (inode `nsIno`), and the file while it is still the
 * one made (`file`: its dev and inode); anything a racing process put there is left.
 */
function cleanupNamed(path: string, file: { dev: number; ino: number } | undefined, nsIno: number | undefined): void {
  const at = () => {
    try {
      return statIfExists(path, true);
    } catch {
      return undefined;
    }
  };
  let st = at();
  if (st && nsIno !== undefined && st.dev === nsfsDev() && st.ino === nsIno) {
    try {
      sys.umount2(path, sys.MNT_DETACH | UMOUNT_NOFOLLOW);
    } catch {
      /* best effort: the original error is what the caller needs */
    }
    st = at();
  }
  if (st && file && st.dev === file.dev && st.ino === file.ino) {
    try {
      sys.unlink(path);
    } catch {
      /* best effort */
    }
  }
}
