/**
 * Network namespace ids (NSIDs): the small integer by which one netns names a peer
 * netns in netlink messages (IFLA_LINK_NETNSID, `link-netnsid` in `ip link`).
 * RTM_GETNSID / RTM_NEWNSID with a struct rtgenmsg header and NETNSA_* attributes; the
 * kernel's RTM_NEWNSID / RTM_DELNSID events (`ip monitor nsid`) decoded by {@link decodeNsid}.
 *
 * Numbers from <linux/rtnetlink.h> and <linux/net_namespace.h>.
 * @module
 */
import { NetlinkSocket } from '../netlink/socket.js';
import { DecodeError, InvalidArgumentError, showValue } from '../netlink/errors.js';
import { handleFd } from '../netlink/netns-switch.js';
import { NETLINK_ROUTE, NLMSG_HDRLEN } from '../netlink/constants.js';
import { findAttr } from '../netlink/reader.js';
import { HOST_LE } from '../netlink/writer.js';
import type { RawAttribute } from '../netlink/attrs.js';
import type { MessageWriter } from '../netlink/writer.js';
import { table } from './table-helpers.js';

// Numbers from the generated constants (scripts/gen-constants.py reads the headers).
import { RTM_NEWNSID, RTM_DELNSID, RTM_GETNSID, NETNSA_NSID, NETNSA_PID, NETNSA_FD, NETNSA_TARGET_NSID, NETNSA_CURRENT_NSID, NETNSA_NSID_NOT_ASSIGNED } from './constants.js';
export { RTM_NEWNSID, RTM_DELNSID, RTM_GETNSID, NETNSA_NSID, NETNSA_PID, NETNSA_FD, NETNSA_TARGET_NSID, NETNSA_CURRENT_NSID, NETNSA_NSID_NOT_ASSIGNED };

/** struct rtgenmsg: one byte rtgen_family (AF_UNSPEC = 0), padded to 4. */
const RTGENMSG_LEN = 1;
/** struct rtgenmsg as it sits in a message, padded to 4: where the attributes start. */
const RTGENMSG_HDRLEN = 4;
const INT32_MAX = 0x7fffffff;

/**
 * `sock` if it is a NETLINK_ROUTE NetlinkSocket; else an InvalidArgumentError naming
 * `sock` (another protocol's socket would carry RTM_*NSID to another subsystem, which
 * answers a bare errno; null or a plain object would fail as a TypeError).
 */
function checkRouteSock(sock: unknown): NetlinkSocket {
  if (sock instanceof NetlinkSocket && sock.protocol === NETLINK_ROUTE) return sock;
  const got = sock instanceof NetlinkSocket
    ? `a socket of netlink protocol ${sock.protocol}`
    : typeof sock === 'object' && sock !== null && (sock as { sock?: unknown }).sock instanceof NetlinkSocket ? 'an object with a .sock (an Rtnl handle? pass rt.sock)' : showValue(sock);
  throw new InvalidArgumentError('sock', `expected a NETLINK_ROUTE NetlinkSocket (an Rtnl handle's rt.sock, or NetlinkSocket.open(NETLINK_ROUTE)), got ${got}`);
}

/**
 * The id the socket's netns has assigned to the netns `target`, or undefined when
 * none is assigned. The socket is a NETLINK_ROUTE NetlinkSocket (an Rtnl handle's
 * `rt.sock`; anything else is an InvalidArgumentError naming `sock`); its netns is the
 * one asked (create it inside a namespace — e.g. with execNetnsSync — to ask there).
 * A `target` that is not a netns handle (null, a name, a raw fd number — wrap it as
 * `{ fd }` — or an fd outside 0..2^31-1) is an InvalidArgumentError naming `target`
 * (or `target.fd`), a closed Netns a ClosedError naming `target`; nothing is sent.
 *
 * Equivalent to: `ip netns list-id` / the id `ip netns list` shows for a name.
 */
export async function getNsid(sock: NetlinkSocket, target: { readonly fd: number }): Promise<number | undefined> {
  const route = checkRouteSock(sock);
  const fd = handleFd(target, 'target'); // a closed Netns: ClosedError naming target
  const id = await route.request<number>(
    RTM_GETNSID,
    0,
    (w) => {
      w.reserve(RTGENMSG_LEN);
      w.putU32(NETNSA_FD, fd);
    },
    (_buf, v, off, len) => {
      const a = findAttr(v, off + NLMSG_HDRLEN + 4, off + len, NETNSA_NSID, ['RTM_NEWNSID']);
      return a < 0 ? NETNSA_NSID_NOT_ASSIGNED : v.getInt32(a, HOST_LE);
    },
    { ack: false, subject: `fd ${fd}` },
  );
  return id === undefined || id < 0 ? undefined : id;
}

/**
 * Assign `id` (0..2^31-1, or 'auto' for the lowest free one) to the netns `target` in
 * the socket's netns, and return the id now assigned. The kernel refuses with
 * EEXIST when the peer already has an id or the id is taken. `target` is checked as
 * for {@link getNsid}, and `id` too (InvalidArgumentError naming `id`), before sending.
 *
 * Equivalent to: `ip netns set NAME ID` (`ip netns set NAME auto`).
 */
export async function setNsid(sock: NetlinkSocket, target: { readonly fd: number }, id: number | 'auto'): Promise<number> {
  const route = checkRouteSock(sock);
  if (id !== 'auto' && (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > INT32_MAX)) {
    throw new InvalidArgumentError('id', `an nsid must be an integer 0..${INT32_MAX} or 'auto', got ${showValue(id)}`);
  }
  const fd = handleFd(target, 'target'); // a closed Netns: ClosedError naming target
  await route.request(
    RTM_NEWNSID,
    0,
    (w) => {
      w.reserve(RTGENMSG_LEN);
      w.putU32(NETNSA_FD, fd);
      w.putS32(NETNSA_NSID, id === 'auto' ? NETNSA_NSID_NOT_ASSIGNED : id);
    },
    undefined,
    { subject: `fd ${fd} nsid ${id}` },
  );
  const got = await getNsid(route, target);
  if (got === undefined) throw new Error(`nlkit: RTM_NEWNSID was acknowledged but no nsid is assigned to fd ${fd}`);
  return got;
}

/**
 * A peer netns's id in the netns a message came from: what the kernel announces on
 * RTNLGRP_NSID (`rt.monitor(['nsid'])`, `ip monitor nsid`) and answers an RTM_GETNSID dump
 * with (`ip netns list-id`). The kernel's message names the peer by its id only (no pid,
 * fd or name: `ip monitor nsid`'s "(iproute2 netns name: NAME)" is iproute2 asking, of
 * each name in /run/netns, which id it has); to tell which netns it is, ask
 * {@link getNsid} of the netns handles at hand.
 */
export interface Nsid {
  /** The id (NETNSA_NSID; `ip monitor nsid`'s "nsid N", `ip -j netns list-id`'s "nsid"). */
  nsid: number;
  /**
   * The same peer's id in the netns a dump asked about with NETNSA_TARGET_NSID
   * (NETNSA_CURRENT_NSID; `ip netns list-id target-nsid ID`'s "current-nsid"; -1,
   * NETNSA_NSID_NOT_ASSIGNED, when it has none there: "current-nsid unassigned"). The
   * kernel's events and a plain dump never carry it.
   */
  currentNsid?: number;
  /** Attributes nlkit does not decode, raw (copies). */
  unknown?: RawAttribute[];
}

/** The NETNSA attributes the kernel sends (the request-only ones — PID, FD, TARGET_NSID — are kept raw if ever sent). */
export const NETNSA = table('NSID', 'NETNSA_', [
  ['NETNSA_NSID', 's32'],
  ['NETNSA_CURRENT_NSID', 's32'],
]);

/** The path of this message's attributes in errors (one frozen array: the table caches child paths by it). */
const PATH: readonly string[] = Object.freeze(['RTM_NEWNSID']);

/**
 * Decode the RTM_NEWNSID / RTM_DELNSID message at `off` (nlmsghdr included) of length
 * `len`. Nothing in the result refers to `buf`. What `rt.monitor(['nsid'])` yields.
 * @throws DecodeError for a message shorter than its rtgenmsg, a malformed attribute,
 *   or one without NETNSA_NSID (every kernel sends it; ip: "BUG: NETNSA_NSID is missing").
 */
export function decodeNsid(buf: Buffer, view: DataView, off: number, len: number): Nsid {
  const h = off + NLMSG_HDRLEN;
  if (len < NLMSG_HDRLEN + RTGENMSG_HDRLEN) throw new DecodeError('RTM_NEWNSID shorter than rtgenmsg', PATH, off, NLMSG_HDRLEN + RTGENMSG_HDRLEN, len);
  const n = NETNSA.decode(buf, view, h + RTGENMSG_HDRLEN, off + len, PATH) as Partial<Nsid>;
  if (n.nsid === undefined) throw new DecodeError('RTM_NEWNSID without NETNSA_NSID', PATH, off, NLMSG_HDRLEN + RTGENMSG_HDRLEN + 8, len);
  return n as Nsid;
}

/** Write the RTM_GETNSID dump request's header (`ip netns list-id`): a struct rtgenmsg of AF_UNSPEC. */
export function putRtgenmsg(w: MessageWriter): void {
  w.reserve(RTGENMSG_LEN);
}
