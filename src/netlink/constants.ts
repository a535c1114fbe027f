/**
 * Netlink wire constants, from `/usr/include/linux/netlink.h` and `<sys/socket.h>`.
 * Family-neutral: nothing here names a link or an address.
 * @module
 */

/** `AF_NETLINK` address family. */
export const AF_NETLINK = 16;
/** `SOCK_RAW` socket type. */
export const SOCK_RAW = 3;
/** `SOCK_CLOEXEC` socket flag (same value as O_CLOEXEC on x86/arm). */
export const SOCK_CLOEXEC = 0o2000000;
/** `SOL_SOCKET` option level. */
export const SOL_SOCKET = 1;
/** `SOL_NETLINK` option level. */
export const SOL_NETLINK = 270;
/** `SO_SNDBUF`. */
export const SO_SNDBUF = 7;
/** `SO_RCVBUF`. */
export const SO_RCVBUF = 8;
/** `SO_ERROR`: reads and clears the socket's pending error (an overrun's ENOBUFS). */
export const SO_ERROR = 4;
/** `SO_SNDBUFFORCE` (needs CAP_NET_ADMIN). */
export const SO_SNDBUFFORCE = 32;
/** `SO_RCVBUFFORCE` (needs CAP_NET_ADMIN). */
export const SO_RCVBUFFORCE = 33;

/** recv flag: peek without consuming. */
export const MSG_PEEK = 0x2;
/** recv flag: return the real datagram length even when truncated. */
export const MSG_TRUNC = 0x20;
/** recv/send flag: do not block. */
export const MSG_DONTWAIT = 0x40;

/** Netlink protocol numbers (third argument of socket(2)). NETLINK_ROUTE: routing/device hook (rtnetlink). */
export const NETLINK_ROUTE = 0;
/** Socket monitoring (sock_diag). */
export const NETLINK_SOCK_DIAG = 4;
/** IPsec (xfrm). */
export const NETLINK_XFRM = 6;
/** Auditing. */
export const NETLINK_AUDIT = 9;
/** Netfilter subsystem (nfnetlink). */
export const NETLINK_NETFILTER = 12;
/** Kernel messages to user space (uevents). */
export const NETLINK_KOBJECT_UEVENT = 15;
/** Generic netlink. */
export const NETLINK_GENERIC = 16;

/** nlmsghdr flags. NLM_F_REQUEST: it is a request message. */
export const NLM_F_REQUEST = 0x01;
/** Multipart message, terminated by NLMSG_DONE. */
export const NLM_F_MULTI = 0x02;
/** Reply with an ack, with zero or an error code. */
export const NLM_F_ACK = 0x04;
/** Receive the resulting notifications. */
export const NLM_F_ECHO = 0x08;
/** Dump was inconsistent due to a sequence change (the table changed during the dump). */
export const NLM_F_DUMP_INTR = 0x10;
/** Dump was filtered as requested. */
export const NLM_F_DUMP_FILTERED = 0x20;
/** Modifiers to GET requests. NLM_F_ROOT: specify tree root. */
export const NLM_F_ROOT = 0x100;
/** GET modifier: return all matching. */
export const NLM_F_MATCH = 0x200;
/** GET modifier: atomic GET. */
export const NLM_F_ATOMIC = 0x400;
/** GET modifier: dump the whole table (NLM_F_ROOT | NLM_F_MATCH). */
export const NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;
/** Modifiers to NEW requests. NLM_F_REPLACE: override existing. */
export const NLM_F_REPLACE = 0x100;
/** NEW modifier: do not touch, if it exists. */
export const NLM_F_EXCL = 0x200;
/** NEW modifier: create, if it does not exist. */
export const NLM_F_CREATE = 0x400;
/** NEW modifier: add to end of list. */
export const NLM_F_APPEND = 0x800;
/** Modifiers to DELETE requests. NLM_F_NONREC: do not delete recursively. */
export const NLM_F_NONREC = 0x100;
/** DELETE modifier: delete multiple objects. */
export const NLM_F_BULK = 0x200;
/** Flags for ACK messages. NLM_F_CAPPED: the request was capped. */
export const NLM_F_CAPPED = 0x100;
/** ACK flag: extended ACK TLVs were included. */
export const NLM_F_ACK_TLVS = 0x200;

/** Control message types. NLMSG_NOOP: nothing. */
export const NLMSG_NOOP = 0x1;
/** Control message: error (struct nlmsgerr; error 0 is an ACK). */
export const NLMSG_ERROR = 0x2;
/** Control message: end of a dump. */
export const NLMSG_DONE = 0x3;
/** Control message: data lost. */
export const NLMSG_OVERRUN = 0x4;
/** Types below this are reserved control messages. */
export const NLMSG_MIN_TYPE = 0x10;

/** Length of struct nlmsghdr. */
export const NLMSG_HDRLEN = 16;
/** Length of struct nlattr. */
export const NLA_HDRLEN = 4;
/** Length of struct nlmsgerr without the echoed request body (error + nlmsghdr). */
export const NLMSGERR_LEN = 20;

/** nlattr type flags. NLA_F_NESTED: carries nested attributes. */
export const NLA_F_NESTED = 1 << 15;
/** nlattr type flag: payload stored in network byte order (exclusive with NLA_F_NESTED). */
export const NLA_F_NET_BYTEORDER = 1 << 14;
/** nla_type without the NLA_F_NESTED and NLA_F_NET_BYTEORDER bits: the attribute type. */
export const NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff;

/** Extended ACK attributes (enum nlmsgerr_attrs). */
export const NLMSGERR_ATTR_MSG = 1;
export const NLMSGERR_ATTR_OFFS = 2;
export const NLMSGERR_ATTR_COOKIE = 3;
export const NLMSGERR_ATTR_POLICY = 4;
export const NLMSGERR_ATTR_MISS_TYPE = 5;
export const NLMSGERR_ATTR_MISS_NEST = 6;

/** Attributes inside NLMSGERR_ATTR_POLICY (enum netlink_policy_type_attr). */
export const NL_POLICY_TYPE_ATTR_TYPE = 1;
export const NL_POLICY_TYPE_ATTR_MIN_VALUE_S = 2;
export const NL_POLICY_TYPE_ATTR_MAX_VALUE_S = 3;
export const NL_POLICY_TYPE_ATTR_MIN_VALUE_U = 4;
export const NL_POLICY_TYPE_ATTR_MAX_VALUE_U = 5;
export const NL_POLICY_TYPE_ATTR_MIN_LENGTH = 6;
export const NL_POLICY_TYPE_ATTR_MAX_LENGTH = 7;
export const NL_POLICY_TYPE_ATTR_BITFIELD32_MASK = 10;
export const NL_POLICY_TYPE_ATTR_MASK = 12;

/**
 * enum netlink_attribute_type, by value (NL_ATTR_TYPE_INVALID … NL_ATTR_TYPE_UINT), as
 * nlkit names them. NL_ATTR_TYPE_SINT (16) and NL_ATTR_TYPE_UINT (17) are Linux 6.7's
 * (NLA_SINT / NLA_UINT, the variable-length integers; newer than this system's uapi
 * header), which the kernel reports for netdev's, devlink's, … attributes.
 */
export const NL_ATTR_TYPE_NAMES: readonly string[] = [
  'invalid', 'flag', 'u8', 'u16', 'u32', 'u64', 's8', 's16', 's32', 's64',
  'binary', 'string', 'nul-string', 'nested', 'nested-array', 'bitfield32', 'sint', 'uint',
];

/** Socket options at SOL_NETLINK. */
export const NETLINK_ADD_MEMBERSHIP = 1;
export const NETLINK_DROP_MEMBERSHIP = 2;
export const NETLINK_PKTINFO = 3;
export const NETLINK_BROADCAST_ERROR = 4;
export const NETLINK_NO_ENOBUFS = 5;
export const NETLINK_LISTEN_ALL_NSID = 8;
export const NETLINK_LIST_MEMBERSHIPS = 9;
export const NETLINK_CAP_ACK = 10;
export const NETLINK_EXT_ACK = 11;
export const NETLINK_GET_STRICT_CHK = 12;

/** Round a length up to the 4-byte netlink alignment. */
export function align4(n: number): number {
  return (n + 3) & ~3;
}
