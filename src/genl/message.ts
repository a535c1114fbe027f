/**
 * A generic netlink message as nlkit hands it out: the genlmsghdr's fields, and copies
 * of the family header and the attributes.
 * @module
 */
import { HOST_LE } from '../netlink/index.js';
import { GENL_HDRLEN } from './constants.js';

/** A message of a generic netlink family. */
export interface GenlMessage {
  /** The family's id (nlmsg_type). */
  family: number;
  /** genlmsghdr.cmd. */
  cmd: number;
  /** genlmsghdr.version. */
  version: number;
  /** The family's own header (`hdrSize` bytes; empty for most families), a copy. */
  header: Buffer;
  /** The attributes, a copy: decode with `decodeAttributes(msg.attrs)` or walk them with `walkAttrs`. */
  attrs: Buffer;
}

/** @internal A message read off a socket as a GenlMessage: header fields, and copies of the family header and the attributes. */
export function messageOf(buf: Buffer, view: DataView, off: number, len: number, hdrSize: number): GenlMessage {
  const g = off + 16;
  const end = off + len;
  const a = Math.min(end, g + GENL_HDRLEN + hdrSize);
  return {
    family: view.getUint16(off + 4, HOST_LE),
    cmd: len >= 16 + GENL_HDRLEN ? buf[g]! : 0,
    version: len >= 16 + GENL_HDRLEN ? buf[g + 1]! : 0,
    header: Buffer.from(buf.subarray(Math.min(end, g + GENL_HDRLEN), a)),
    attrs: Buffer.from(buf.subarray(a, end)),
  };
}
