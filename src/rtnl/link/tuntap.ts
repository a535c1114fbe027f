/**
 * Making a tun or tap device, which the kernel does only through /dev/net/tun (its
 * rtnetlink create is refused): open the file with the calling thread in the target
 * netns — the device is made in the netns of the thread that opened the file (tun_chr_open
 * keeps it), whatever the thread does after — then TUNSETIFF, TUNSETOWNER and TUNSETGROUP,
 * and TUNSETPERSIST once the caller has applied the rest of its spec. Until then the
 * device lives only as long as the file: the kernel unregisters a tun that is not
 * persistent when its last file is closed, so closing without persisting undoes the
 * create, also when the process dies half-way.
 *
 * Equivalent to: `ip tuntap add dev NAME mode tap …` (ip/iptuntap.c tap_add_ioctl, which
 * persists straight away).
 * @module
 */
import { HOST_LE, SysError, withThreadNetns } from '../../netlink/index.js';
import * as sys from '../../netlink/sys.js';
import { IFNAMSIZ, SIZEOF_IFREQ, TUNSETGROUP, TUNSETIFF, TUNSETOWNER, TUNSETPERSIST } from '../constants.js';
import type { PreparedTun } from './kinds/tun.js';

const EPERM = 1;
const ENOENT = 2;
const EACCES = 13;
const EBUSY = 16;
const EEXIST = 17;

/**
 * @internal An fd of the network namespace a socket works in (SIOCGSKNS), to be closed
 * by the caller: where a tun for that socket's handle is made. The kernel asks for
 * CAP_NET_ADMIN there, as it does to create the tun.
 */
export function socketNetns(sockFd: number, where: string): number {
  const fd = sys.ioctlNoArg(sockFd, sys.SIOCGSKNS);
  if (fd < 0) throw new SysError('ioctl(SIOCGSKNS)', -fd, undefined, `reading which netns to make the device in (${where})${-fd === EPERM ? ' needs CAP_NET_ADMIN there, as creating a tun/tap does' : ''}`);
  return fd;
}

/**
 * @internal A new tun or tap device and the /dev/net/tun file attached to it. Not
 * persistent until {@link persist}; {@link close} (always call it) then leaves the
 * device in place, or, before, removes it.
 */
export class TunFile {
  private fd: number;

  private constructor(fd: number, readonly name: string) {
    this.fd = fd;
  }

  /**
   * Make the device in the netns of `nsFd`: opens /dev/net/tun there (the thread
   * switched in and straight back), TUNSETIFF with `tun.flags` (IFF_TUN_EXCL among
   * them: an existing name is EEXIST, never attached to), then the owner and group.
   * Any failure closes the file, which removes the device, and throws a SysError
   * naming the step, the device and `where`.
   */
  static create(nsFd: number, name: string | undefined, tun: PreparedTun, where: string): TunFile {
    const what = `${tun.type} ${name !== undefined ? `'${name}'` : '(a kernel-chosen name)'} in ${where}`;
    let fd: number;
    try {
      fd = withThreadNetns(nsFd, () => sys.open('/dev/net/tun', sys.O_RDWR | sys.O_CLOEXEC));
    } catch (e) {
      // A refused switch into the netns (setns: EPERM without CAP_SYS_ADMIN, a stale fd)
      // says so itself; only the open's own refusal is about /dev/net/tun.
      if (!(e instanceof SysError) || e.syscall !== 'open') throw e;
      const why = e.errno === ENOENT ? 'no such device node: the kernel needs CONFIG_TUN, and /dev/net/tun must exist (mknod /dev/net/tun c 10 200)'
        : e.errno === EACCES || e.errno === EPERM ? 'opening it needs root (or a file mode that lets this user)' : '';
      throw new SysError('open', e.errno, '/dev/net/tun', `creating ${what}${why ? `: ${why}` : ''}`);
    }
    try {
      // struct ifreq: ifr_name (char[IFNAMSIZ], NUL-terminated) first, then the union
      // whose short ifr_flags TUNSETIFF reads. The kernel writes the device's name back.
      const ifr = Buffer.alloc(SIZEOF_IFREQ);
      if (name !== undefined) ifr.write(name, 0, IFNAMSIZ - 1, 'utf8');
      new DataView(ifr.buffer, ifr.byteOffset, ifr.byteLength).setUint16(IFNAMSIZ, tun.flags, HOST_LE);
      const r = sys.ioctlBuf(fd, TUNSETIFF, ifr);
      if (r < 0) {
        // EBUSY is IFF_TUN_EXCL's answer to a name that is taken, by a device of any kind.
        if (-r === EBUSY) throw new SysError('ioctl(TUNSETIFF)', EEXIST, undefined, `cannot create ${what}: '${name ?? ''}' already exists there`);
        throw new SysError('ioctl(TUNSETIFF)', -r, undefined, `creating ${what}${-r === EPERM ? ': it needs CAP_NET_ADMIN there' : ''}`);
      }
      const end = ifr.indexOf(0);
      const made = ifr.toString('utf8', 0, end < 0 || end > IFNAMSIZ ? IFNAMSIZ : end);
      for (const [req, id, step] of [[TUNSETOWNER, tun.owner, 'owner'], [TUNSETGROUP, tun.group, 'group']] as const) {
        if (id === undefined) continue;
        const rr = sys.ioctlInt(fd, req, id);
        if (rr < 0) throw new SysError(`ioctl(TUNSET${step.toUpperCase()})`, -rr, undefined, `setting the ${step} of ${tun.type} '${made}' in ${where} to ${id}; the device was removed again`);
      }
      return new TunFile(fd, made);
    } catch (e) {
      sys.close(fd); // not persistent yet: the kernel removes the device with its last file
      throw e;
    }
  }

  /** TUNSETPERSIST 1: the device now outlives its file. Throws SysError (the caller closes, which removes the device). */
  persist(where: string): void {
    const r = sys.ioctlInt(this.fd, TUNSETPERSIST, 1);
    if (r < 0) throw new SysError('ioctl(TUNSETPERSIST)', -r, undefined, `making '${this.name}' in ${where} persistent; the device was removed again`);
  }

  /** Close the file (once): a persistent device stays, any other is removed by the kernel. */
  close(): void {
    const fd = this.fd;
    if (fd < 0) return;
    this.fd = -1;
    sys.close(fd);
  }
}
