// Kernel numbers the netlink tests use, printed by a C program compiled against this
// machine's /usr/include/linux/{netlink,rtnetlink,if_link,if_arp,if,audit}.h — never
// guessed. (src/netlink knows no link numbers; these are test-side only.)

/** rtnetlink.h */
export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_SETLINK = 19;
/** sizeof(struct ifinfomsg) */
export const IFINFOMSG_LEN = 16;

/** if_link.h (this header's IFLA_MAX is 61; kernel 6.18 sends types up to 69). */
export const IFLA_ADDRESS = 1;
export const IFLA_BROADCAST = 2;
export const IFLA_IFNAME = 3;
export const IFLA_MTU = 4;
export const IFLA_QDISC = 6;
export const IFLA_STATS = 7;
export const IFLA_TXQLEN = 13;
export const IFLA_MAP = 14;
export const IFLA_OPERSTATE = 16;
export const IFLA_LINKMODE = 17;
export const IFLA_LINKINFO = 18;
export const IFLA_STATS64 = 23;
export const IFLA_AF_SPEC = 26;
export const IFLA_GROUP = 27;
export const IFLA_NET_NS_FD = 28;
export const IFLA_PROMISCUITY = 30;
export const IFLA_NUM_TX_QUEUES = 31;
export const IFLA_NUM_RX_QUEUES = 32;
export const IFLA_CARRIER = 33;
export const IFLA_CARRIER_CHANGES = 35;
export const IFLA_PROTO_DOWN = 39;
export const IFLA_GSO_MAX_SEGS = 40;
export const IFLA_GSO_MAX_SIZE = 41;
export const IFLA_XDP = 43;
export const IFLA_CARRIER_UP_COUNT = 47;
export const IFLA_CARRIER_DOWN_COUNT = 48;
export const IFLA_MIN_MTU = 50;
export const IFLA_MAX_MTU = 51;
export const IFLA_PROP_LIST = 52;
export const IFLA_ALT_IFNAME = 53;
export const IFLA_GRO_MAX_SIZE = 58;
export const IFLA_TSO_MAX_SIZE = 59;
export const IFLA_TSO_MAX_SEGS = 60;
export const IFLA_ALLMULTI = 61;
export const IFLA_INFO_KIND = 1;
export const IFLA_INFO_DATA = 2;
export const VETH_INFO_PEER = 1;
export const IFLA_XDP_ATTACHED = 2;
export const IFLA_INET_CONF = 1;
export const IFLA_INET6_FLAGS = 1;
export const IFLA_INET6_CONF = 2;
export const IFLA_INET6_STATS = 3;
export const IFLA_INET6_CACHEINFO = 5;
export const IFLA_INET6_ICMP6STATS = 6;
export const IFLA_INET6_TOKEN = 7;
export const IFLA_INET6_ADDR_GEN_MODE = 8;
/** <sys/socket.h> */
export const AF_INET = 2;
export const AF_INET6 = 10;

/** if_arp.h, if.h */
export const ARPHRD_LOOPBACK = 772;
export const IFF_UP = 1;
export const IFF_LOOPBACK = 8;
/** IF_OPER_DOWN (enum in if.h) */
export const IF_OPER_DOWN = 2;

/** netlink.h */
export const NLMSGERR_ATTR_MSG = 1;
export const NLMSGERR_ATTR_OFFS = 2;
export const NLMSGERR_ATTR_POLICY = 4;
export const NL_POLICY_TYPE_ATTR_TYPE = 1;
export const NL_POLICY_TYPE_ATTR_MAX_LENGTH = 7;
/** NL_ATTR_TYPE_STRING (enum netlink_attribute_type) */
export const NL_ATTR_TYPE_STRING = 11;

/** audit.h */
export const NETLINK_AUDIT = 9;
export const AUDIT_GET = 1000;

/** errno */
export const EEXIST = 17;
export const EINVAL = 22;
export const ERANGE = 34;
export const EOPNOTSUPP = 95;
