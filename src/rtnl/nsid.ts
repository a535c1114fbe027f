/**
 * Network namespace ids (NSIDs): the small integer by which one netns names a peer
 * netns in netlink messages (IFLA_LINK_NETNSID, `link-netnsid` in `ip link`).
 * RTM_GETNSID / RTM_NEWNSID with a struct rtgenmsg header and NETNSA_* attributes.
 *
 * Numbers from <linux/rtnetlink.h> and <linux/net_namespace.h>.
 * @module
 */
import { NetlinkSocket } from '../netlink/socket.js';
import { InvalidArgumentError, showValue } from '../netlink/errors.js';
import { handleFd } from '../netlink/netns-switch.js';
import { NETLINK_ROUTE, NLMSG_HDRLEN } from '../netlink/constants.js';
import { findAttr } from '../netlink/reader.js';
import { HOST_LE } from '../netlink/writer.js';

// Numbers from the generated constants (scripts/gen-constants.py reads the headers).
import { RTM_NEWNSID, RTM_DELNSID, RTM_GETNSID, NETNSA_NSID, NETNSA_PID, NETNSA_FD, NETNSA_TARGET_NSID, NETNSA_CURRENT_NSID, NETNSA_NSID_NOT_ASSIGNED } from './constants.js';
export { RTM_NEWNSID, RTM_DELNSID, RTM_GETNSID, NETNSA_NSID, NETNSA_PID, NETNSA_FD, NETNSA_TARGET_NSID, NETNSA_CURRENT_NSID, NETNSA_NSID_NOT_ASSIGNED };

/** struct rtgenmsg: one byte rtgen_family (AF_UNSPEC = 0), padded to 4. */
const RTGENMSG_LEN = 1;
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
