/**
 * A generic netlink family's multicast notifications as an async iterator: the
 * monitor's own socket joins the family's groups (by name), and every message the
 * kernel multicasts there comes out as a {@link GenlMessage}, in order, with an overrun
 * event where the kernel dropped some: a {@link MulticastMonitor} of generic netlink
 * messages.
 * @module
 */
import { MulticastMonitor, type MulticastMonitorOptions, type MulticastOverrun, type NetlinkSocket } from '../netlink/index.js';
import { messageOf, type GenlMessage } from './message.js';

/** A notification of the family: one message it multicast. */
export interface GenlNotification {
  /** Always 'message' (tells it from a {@link GenlOverrun}). */
  readonly type: 'message';
  /** The message as the family sent it (its `cmd` says what happened: ETHTOOL_MSG_CHANNELS_NTF, …). */
  readonly message: GenlMessage;
}

/**
 * The kernel dropped notifications (the socket's receive buffer was full): what was
 * missed is gone; read the state again. What the kernel still held when the overrun was
 * read predates it and is discarded with the lost ones, so every event after this one is
 * a change the consumer has not missed (consecutive overruns come as one).
 */
export type GenlOverrun = MulticastOverrun;

/** What a {@link GenlMonitor} yields. */
export type GenlEvent = GenlNotification | GenlOverrun;

/** Options of {@link Genl.monitor}. */
export interface GenlMonitorOptions extends MulticastMonitorOptions {
  /** SO_RCVBUF(FORCE) of the monitor's socket, bytes. Defaults to the kernel's. */
  readonly receiveBufferSize?: number | undefined;
}

/**
 * The notifications of a family's multicast groups (`genl.monitor(family, groups)`).
 * Iterate with `for await`; `break`, `close()`, `using` or the `signal` stop it and close
 * its socket.
 */
export class GenlMonitor extends MulticastMonitor<GenlNotification> {
  /** The group ids joined, by name. */
  readonly groups: ReadonlyMap<string, number>;

  /** @internal How `genl.monitor()` makes one, its socket already in the groups. */
  static of(sock: NetlinkSocket, groups: ReadonlyMap<string, number>, hdrSize: number, options: GenlMonitorOptions, onClose?: () => void): GenlMonitor {
    return new GenlMonitor(sock, groups, hdrSize, options, onClose);
  }

  private constructor(sock: NetlinkSocket, groups: ReadonlyMap<string, number>, hdrSize: number, options: GenlMonitorOptions, onClose?: () => void) {
    super(sock, (buf, view, off, len) => ({ type: 'message', message: messageOf(buf, view, off, len, hdrSize) }), options, onClose);
    this.groups = groups;
  }
}
