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

/** Operation flags (CTRL_ATTR_OP_FLAGS). */
export const GENL_ADMIN_PERM = 0x01;
export const GENL_CMD_CAP_DO = 0x02;
export const GENL_CMD_CAP_DUMP = 0x04;
export const GENL_CMD_CAP_HASPOL = 0x08;
export const GENL_UNS_ADMIN_PERM = 0x10;

/** Controller commands (enum CTRL_CMD_*). */
export const CTRL_CMD_NEWFAMILY = 1;
export const CTRL_CMD_DELFAMILY = 2;
export const CTRL_CMD_GETFAMILY = 3;
export const CTRL_CMD_NEWMCAST_GRP = 7;
export const CTRL_CMD_DELMCAST_GRP = 8;

/** Controller attributes (enum CTRL_ATTR_*). */
export const CTRL_ATTR_FAMILY_ID = 1;
export const CTRL_ATTR_FAMILY_NAME = 2;
export const CTRL_ATTR_VERSION = 3;
export const CTRL_ATTR_HDRSIZE = 4;
export const CTRL_ATTR_MAXATTR = 5;
export const CTRL_ATTR_OPS = 6;
export const CTRL_ATTR_MCAST_GROUPS = 7;

/** enum CTRL_ATTR_OP_*. */
export const CTRL_ATTR_OP_ID = 1;
export const CTRL_ATTR_OP_FLAGS = 2;

/** enum CTRL_ATTR_MCAST_GRP_*. */
export const CTRL_ATTR_MCAST_GRP_NAME = 1;
export const CTRL_ATTR_MCAST_GRP_ID = 2;
