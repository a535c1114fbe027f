/**
 * The netlink protocol core: family-neutral sockets, framing, attribute codec, pool,
 * errors. Usable for any netlink family (generic netlink, nfnetlink, …).
 * @module
 */
export * from './constants.js';
export * from './errors.js';
export { MessageWriter, HOST_LE } from './writer.js';
export { decodeMessages, decodeAttributes, walkAttrs, findAttr, checkMessage, checkAttr, need, viewOf } from './reader.js';
export type { DecodedMessage, DecodedAttribute } from './reader.js';
export { AttrTable, childPath, copyBytes, decodeRow, hexColon, parseHexColon } from './attrs.js';
export type { AttrSpec, Codec, CustomCodec, DecodeContext, PrimitiveCodec, RawAttribute } from './attrs.js';
export { NetlinkSocket, emitNetlinkWarning } from './socket.js';
export type { BatchOptions, BatchRequest, BatchResult, BatchStatus, FamilyDescriber, MessageHandler, NetlinkSocketOptions, RequestBuilder, RequestBuilderWith, RequestOptions, RequestWithOptions, SocketStats } from './socket.js';
export { acquireSlab, releaseSlab, poolStats, SLAB_SIZE } from './pool.js';
export { netnsContext, ensureThreadpoolStarted, withThreadNetns, threadNetnsInode, contextNetnsFd, NetnsRestoreError } from './netns-switch.js';
export type { NetnsHandle } from './netns-switch.js';
export { openBeside, openHandleSocket, openSiblingSocket, openSocketIn, resolveNetns } from './open-in.js';
export { MulticastMonitor, checkMonitorOptions, trackMonitor } from './multicast.js';
export type { MulticastMonitorOptions, MulticastOverrun } from './multicast.js';
export type { NetnsTarget, SocketPlace } from './open-in.js';
export { allOrNoneError, tookIndexes, type AllOrNoneOutcome } from './all-or-none.js';
