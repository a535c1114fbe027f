/**
 * What every socket-diagnostics decoder reads the same way: a socket's cookie, its
 * SK_MEMINFO_* array, and the length check of a fixed-size attribute.
 * @module
 */
import { HOST_LE } from '../netlink/index.js';
import * as D from './constants.js';
import type { SkMemInfo } from './diag.js';

/** A socket cookie: two u32 in host order, the low word first (`ss`'s `sk:` in hex). */
export function cookieAt(v: DataView, o: number): bigint {
  return BigInt(v.getUint32(o, HOST_LE)) | (BigInt(v.getUint32(o + 4, HOST_LE)) << 32n);
}

/** The SK_MEMINFO_* array (`ss -m`'s skmem), every slot the kernel sent; a shorter array leaves the rest 0. */
export function skMemInfo(v: DataView, o: number, l: number): SkMemInfo {
  const at = (i: number): number => (i * 4 + 4 <= l ? v.getUint32(o + i * 4, HOST_LE) : 0);
  return {
    rmemAlloc: at(D.SK_MEMINFO_RMEM_ALLOC), rcvbuf: at(D.SK_MEMINFO_RCVBUF), wmemAlloc: at(D.SK_MEMINFO_WMEM_ALLOC), sndbuf: at(D.SK_MEMINFO_SNDBUF),
    fwdAlloc: at(D.SK_MEMINFO_FWD_ALLOC), wmemQueued: at(D.SK_MEMINFO_WMEM_QUEUED), optmem: at(D.SK_MEMINFO_OPTMEM), backlog: at(D.SK_MEMINFO_BACKLOG), drops: at(D.SK_MEMINFO_DROPS),
  };
}

/** A fixed-size attribute's length check: netlink/reader's, shared with the other families' decoders. */
export { need } from '../netlink/index.js';
