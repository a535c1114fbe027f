/**
 * The modules the Rtnl handle loads on first use (see lazy-api.ts), in one chunk.
 * @internal
 * @module
 */
export { QdiscApi } from './tc/qdisc/api.js';
export { ClassApi } from './tc/class/api.js';
export { FilterApi } from './tc/filter/api.js';
export { NexthopApi } from './nexthop/api.js';
