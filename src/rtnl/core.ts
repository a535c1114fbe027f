/**
 * What every rtnetlink object API (link, addr, route, neigh, rule) shares: the
 * handle's one socket and link-name resolution.
 * @module
 */
import { NetlinkError, type NetlinkSocket } from '../netlink/index.js';

/** The part of an Rtnl handle the object APIs use. */
export interface RtnlCore {
  /** The handle's socket (one for the handle's life). */
  readonly sock: NetlinkSocket;
  /** Resolve a link name (or altname) to its ifindex in the handle's netns; ENODEV NetlinkError when missing. */
  linkIndex(ref: string | number, arg?: string): Promise<number>;
  /** A link's ifindex and hardware address length (undefined without one); ENODEV NetlinkError naming `arg` when missing. */
  linkHwAddrLen(ref: string | number, arg: string): Promise<{ index: number; addrLen: number | undefined }>;
  /** The netns the handle acts in, as a message names it ('netns blue', "the caller's netns"); for errors. */
  where?(): string;
}

/** "'w0' does not exist in netns blue": the hint of a lookup's ENODEV, naming where it looked. */
export function missingLink(core: RtnlCore, arg: string, ref: string | number): string {
  const where = core.where?.();
  return `${arg} ${typeof ref === 'number' ? `ifindex ${ref}` : `'${ref}'`} does not exist${where ? ` in ${where}` : ''}`;
}

/**
 * A GET that the kernel acknowledged without the reply it owes: EPROTO naming the request
 * and the reply that did not come ('EPROTO: Protocol error — no RTM_NEWLINK in the answer
 * (RTM_GETLINK w0)'). Not the caller's input, so not an InvalidArgumentError.
 */
export function noReply(type: number, typeName: string, replyName: string, subject: string): NetlinkError {
  return new NetlinkError(71 /* EPROTO */, { type, typeName, seq: 0, subject }, {}, `no ${replyName} in the answer`);
}
