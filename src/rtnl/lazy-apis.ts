/**
 * The modules the Rtnl handle loads on first use (see lazy-api.ts), and what a monitor
 * of traffic control or of the bridge MDB loads when it is opened (see monitor.ts), in
 * one chunk.
 * @internal
 * @module
 */
export { QdiscApi } from './tc/qdisc/api.js';
export { ClassApi } from './tc/class/api.js';
export { FilterApi } from './tc/filter/api.js';
export { NexthopApi } from './nexthop/api.js';
export { MdbApi } from './mdb/api.js';
// What a monitor of the 'tc' group loads (monitor.ts): the decoders, and its listing.
export { decodeQdisc } from './tc/qdisc/decode.js';
export { decodeTcClass } from './tc/class/decode.js';
export { decodeFilter } from './tc/filter/decode.js';
/** @internal */
export { listTc } from './tc/listing.js';
// What a monitor of the 'mdb' group loads (monitor.ts): the decoder rt.mdb uses, and its dump.
export { decodeMdb } from './mdb/decode.js';
/** @internal */
export { dumpMdb } from './mdb/api.js';
