/**
 * The Rtnl handle: one NETLINK_ROUTE socket, bound for its whole life to one network
 * namespace, and the object APIs on it (`link`, `addr`, `route`, `neigh`, `rule`).
 * @module
 */
import { NetlinkSocket, NETLINK_ROUTE, contextNetnsFd, withThreadNetns, InvalidArgumentError, ClosedError, NetlinkError } from '../netlink/index.js';
import * as sys from '../netlink/sys.js';
import type { RtnlCore } from './core.js';
import { rtnlDescriber } from './describer.js';
import { LinkApi } from './link/api.js';
import { AddrApi } from './addr/api.js';
import { RouteApi } from './route/api.js';
import { NeighApi } from './neigh/api.js';
import { RuleApi } from './rule/api.js';
import { resolveNetns, type NetnsTarget } from './netns-target.js';

/** Options for {@link Rtnl.open}. */
export interface RtnlOptions {
  /**
   * Network namespace the handle works in (a Netns, an fd, or `{ pid }`). Defaults to
   * the netns of the enclosing `execNetns` call, else the calling thread's.
   */
  readonly netns?: NetnsTarget;
  /** Socket receive buffer in bytes (SO_RCVBUFFORCE). Defaults to the kernel's default. */
  readonly receiveBufferSize?: number;
  /** NETLINK_GET_STRICT_CHK, which kernel-side dump filters need. Defaults to true. */
  readonly strictCheck?: boolean;
}

/**
 * An rtnetlink handle. Opening is synchronous; every request of the handle goes over
 * its one socket (a socket per call costs `ip` and Go's package functions 6–9 ms per
 * delete here). Close it with `close()` or `using rt = Rtnl.open()`.
 *
 * @example
 * const rt = Rtnl.open({ netns: ns });
 * await rt.link.add({ name: 'v0', kind: 'veth', peer: { name: 'v1', netns: host } });
 */
export class Rtnl implements RtnlCore {
  /** The handle's socket. */
  readonly sock: NetlinkSocket;
  /** Link operations (`ip link`). */
  readonly link: LinkApi;
  /** Address operations (`ip addr`). */
  readonly addr: AddrApi;
  /** Route operations (`ip route`). */
  readonly route: RouteApi;
  /** Neighbour (ARP/NDP) operations (`ip neigh`). */
  readonly neigh: NeighApi;
  /** Policy routing rule operations (`ip rule`). */
  readonly rule: RuleApi;
  /** What the handle was opened in: the netns fd given (not owned) or undefined for the caller's. */
  readonly netnsFd: number | undefined;

  private constructor(sock: NetlinkSocket, netnsFd: number | undefined) {
    this.sock = sock;
    this.netnsFd = netnsFd;
    this.link = new LinkApi(this);
    this.addr = new AddrApi(this);
    this.route = new RouteApi(this);
    this.neigh = new NeighApi(this);
    this.rule = new RuleApi(this);
  }

  /**
   * Open a handle. Synchronous: the socket is created with the thread switched into
   * the target netns and switched straight back, so the handle acts there for its life.
   * @throws InvalidArgumentError for a bad `netns`, ClosedError for a closed Netns,
   *   SysError when the namespace cannot be entered.
   */
  static open(options: RtnlOptions = {}): Rtnl {
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'expected an object');
    const sockOpts = {
      describer: rtnlDescriber,
      strictCheck: options.strictCheck ?? true,
      ...(options.receiveBufferSize !== undefined ? { receiveBufferSize: options.receiveBufferSize } : {}),
    };
    let fd: number | undefined;
    let ownFd = -1;
    if (options.netns !== undefined) {
      const r = resolveNetns(options.netns);
      if ('fd' in r) fd = r.fd;
      else {
        ownFd = sys.open(`/proc/${r.pid}/ns/net`, sys.O_RDONLY | sys.O_CLOEXEC);
        fd = ownFd;
      }
    } else fd = contextNetnsFd();
    try {
      const sock = fd === undefined ? NetlinkSocket.open(NETLINK_ROUTE, sockOpts) : withThreadNetns(fd, () => NetlinkSocket.open(NETLINK_ROUTE, sockOpts));
      return new Rtnl(sock, ownFd >= 0 ? undefined : fd);
    } finally {
      if (ownFd >= 0) sys.close(ownFd);
    }
  }

  /** True once closed. */
  get closed(): boolean {
    return this.sock.closed;
  }

  /** @internal Resolve a link name to its ifindex (ENODEV NetlinkError naming it). */
  async linkIndex(ref: string | number, arg = 'link'): Promise<number> {
    if (this.sock.closed) throw new ClosedError('Rtnl handle');
    try {
      return await this.link.index(ref, arg);
    } catch (e) {
      if (e instanceof NetlinkError && e.code === 'ENODEV' && arg !== 'link') {
        throw new NetlinkError(e.errno, e.request, e.extack, `${arg} '${String(ref)}' does not exist`);
      }
      throw e;
    }
  }

  /** Close the socket (idempotent). */
  close(): void {
    this.sock.close();
  }

  /** Closes the handle. */
  [Symbol.dispose](): void {
    this.close();
  }
}
