/**
 * Generic netlink constants, from <linux/genetlink.h>.
 * @module
 */

/** sizeof(struct genlmsghdr) (cmd u8, version u8, reserved u16), aligned: GENL_HDRLEN. */
export const GENL_HDRLEN = 4;
/** GENL_NAMSIZ: a family name is at most 15 bytes and a NUL. */
export const GENL_NAMSIZ = 16;
/** The controller's fixed id (GENL_ID_CTRL = NLMSG_MIN_TYPE): family "nlctrl". */
export const GENL_ID_CTRL = 0x10;
/** The highest id a family can have (GENL_MAX_ID). */
export const GENL_MAX_ID = 1023;

// Operation flags (CTRL_ATTR_OP_FLAGS).
/** CAP_NET_ADMIN (in the initial user namespace) needed. */
export const GENL_ADMIN_PERM = 0x01;
/** The command has a `do` (a request). */
export const GENL_CMD_CAP_DO = 0x02;
/** The command has a `dump`. */
export const GENL_CMD_CAP_DUMP = 0x04;
/** The command has an attribute policy. */
export const GENL_CMD_CAP_HASPOL = 0x08;
/** CAP_NET_ADMIN in the netns's user namespace needed. */
export const GENL_UNS_ADMIN_PERM = 0x10;

// Controller commands (enum CTRL_CMD_*).
/** The controller's reply describing a family (and its notification of a new one). */
export const CTRL_CMD_NEWFAMILY = 1;
/** Notification: a family was unregistered. */
export const CTRL_CMD_DELFAMILY = 2;
/** Ask for a family (by id or name) or dump them all. */
export const CTRL_CMD_GETFAMILY = 3;
/** Notification: a multicast group was registered. */
export const CTRL_CMD_NEWMCAST_GRP = 7;
/** Notification: a multicast group was unregistered. */
export const CTRL_CMD_DELMCAST_GRP = 8;

// Controller attributes (enum CTRL_ATTR_*).
/** u16: the family id. */
export const CTRL_ATTR_FAMILY_ID = 1;
/** string: the family name. */
export const CTRL_ATTR_FAMILY_NAME = 2;
/** u32: the family's version. */
export const CTRL_ATTR_VERSION = 3;
/** u32: the family header's size. */
export const CTRL_ATTR_HDRSIZE = 4;
/** u32: the highest attribute type. */
export const CTRL_ATTR_MAXATTR = 5;
/** nest: the operations, each a nest of CTRL_ATTR_OP_*. */
export const CTRL_ATTR_OPS = 6;
/** nest: the multicast groups, each a nest of CTRL_ATTR_MCAST_GRP_*. */
export const CTRL_ATTR_MCAST_GROUPS = 7;

// enum CTRL_ATTR_OP_*.
/** u32: the command number. */
export const CTRL_ATTR_OP_ID = 1;
/** u32: GENL_ADMIN_PERM, GENL_CMD_CAP_*, GENL_UNS_ADMIN_PERM. */
export const CTRL_ATTR_OP_FLAGS = 2;

// enum CTRL_ATTR_MCAST_GRP_*.
/** string: the group's name. */
export const CTRL_ATTR_MCAST_GRP_NAME = 1;
/** u32: the group's number. */
export const CTRL_ATTR_MCAST_GRP_ID = 2;
