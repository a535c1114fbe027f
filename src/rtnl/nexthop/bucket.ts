/**
 * RTM_NEWNEXTHOPBUCKET message → {@link NexthopBucket}: one hash bucket of a resilient
 * nexthop group, the fields `ip -j nexthop bucket show` prints, as plain values. The
 * message is struct nhmsg, NHA_ID (the group) and the NHA_RES_BUCKET nest
 * (NHA_RES_BUCKET_INDEX, _IDLE_TIME, _NH_ID); the same attributes, with NHA_OIF and
 * NHA_MASTER, make the RTM_GETNEXTHOPBUCKET requests.
 * @module
 */
import { DecodeError, HOST_LE, NLMSG_HDRLEN, type AttrTable, type CustomCodec, type RawAttribute } from '../../netlink/index.js';
import { protocolName } from '../route/names.js';
import { routeFlagNames } from '../route/table.js';
import { table } from '../table-helpers.js';
import { NHMSG_LEN, none, secondsU64 } from './table.js';

/**
 * One bucket of a resilient nexthop group (`ip nexthop bucket`): a share of the group's
 * flow hash that goes to one member, `nhId`, until the bucket has been idle for the
 * group's idle timer and the group wants it moved. The kernel sends every field; one it
 * left out would read 0.
 */
export interface NexthopBucket {
  /** NHA_ID: the resilient group's id (`ip -j nexthop bucket`'s "id"). */
  id: number;
  /** NHA_RES_BUCKET_INDEX: the bucket's index in its group, 0..buckets-1 ("bucket"."index"). */
  index: number;
  /**
   * NHA_RES_BUCKET_IDLE_TIME, in seconds: how long since a packet last went through the
   * bucket, or since it moved to its member ("bucket"."idle_time"). The kernel counts it
   * in clock ticks (USER_HZ, hundredths of a second), which `ip` prints divided by 100,
   * as this is.
   */
  idleTime: number;
  /** NHA_RES_BUCKET_NH_ID: the member nexthop the bucket sends its flows to ("bucket"."nhid"). */
  nhId: number;
  /** nh_protocol: the group's protocol — 'unspec', 'zebra', 'static', … (number when unnamed). `ip` does not print it. */
  protocol: string | number;
  /** nh_flags by name, as `ip -j` prints them ("flags"): the bucket's state in hardware, 'offload' and 'trap' (set by a driver that offloads the group). */
  flags: string[];
  /** nh_flags raw (RTNH_F_*). */
  rawFlags: number;
  /** NHA_* attributes nlkit does not know, raw (copies). */
  unknown?: RawAttribute[];
  /** NHA_RES_BUCKET_* attributes nlkit does not know, raw (copies). */
  bucketUnknown?: RawAttribute[];
}

/** The NHA_RES_BUCKET nest: the bucket's index, idle time (seconds) and member. */
export const NHA_RES_BUCKET = table('NHA_RES_BUCKET', 'NHA_RES_BUCKET_', [
  ['NHA_RES_BUCKET_PAD', none, 'pad'],
  ['NHA_RES_BUCKET_INDEX', 'u16'],
  ['NHA_RES_BUCKET_IDLE_TIME', secondsU64],
  ['NHA_RES_BUCKET_NH_ID', 'u32'],
]);

/**
 * NHA_RES_BUCKET → the bucket's fields, set on the decoded bucket itself (`index`,
 * `idleTime`, `nhId`; what the nest does not know in `bucketUnknown`). Stores nothing
 * under its own key. `table`: the nest, for naming extended-ACK offsets.
 */
const bucketCodec: CustomCodec<never> & { table: AttrTable } = {
  table: NHA_RES_BUCKET,
  decode(ctx, off, len) {
    const o = NHA_RES_BUCKET.decode(ctx.buf, ctx.view, off, off + len, ctx.path) as { index?: number; idleTime?: number; nhId?: number; unknown?: RawAttribute[] };
    const p = ctx.parent;
    if (o.index !== undefined) p['index'] = o.index;
    if (o.idleTime !== undefined) p['idleTime'] = o.idleTime;
    if (o.nhId !== undefined) p['nhId'] = o.nhId;
    if (o.unknown !== undefined) p['bucketUnknown'] = o.unknown;
    return undefined;
  },
};

/**
 * The NHA attributes of the bucket messages (RTM_NEWNEXTHOPBUCKET, and the
 * RTM_GETNEXTHOPBUCKET requests): NHA_ID is the group's id; NHA_OIF and NHA_MASTER are
 * dump filters the kernel only reads; NHA_RES_BUCKET is flattened into the bucket.
 */
export const NHA_BUCKET: AttrTable = table('NHA', 'NHA_', [
  ['NHA_ID', 'u32'],
  ['NHA_OIF', none, 'dev'],
  ['NHA_MASTER', none, 'master'],
  ['NHA_RES_BUCKET', bucketCodec, 'bucket'],
]);

/** The path of this message's attributes in errors (one frozen array: the table caches child paths by it). */
const PATH: readonly string[] = Object.freeze(['RTM_NEWNEXTHOPBUCKET']);

/**
 * Decode the RTM_NEWNEXTHOPBUCKET message at `off` (nlmsghdr included) of length `len`.
 * Nothing in the result refers to `buf`.
 */
export function decodeNexthopBucket(buf: Buffer, view: DataView, off: number, len: number): NexthopBucket {
  const h = off + NLMSG_HDRLEN;
  if (len < NLMSG_HDRLEN + NHMSG_LEN) throw new DecodeError('RTM_NEWNEXTHOPBUCKET shorter than nhmsg', PATH, off, NLMSG_HDRLEN + NHMSG_LEN, len);
  const rawFlags = view.getUint32(h + 4, HOST_LE);
  const b: NexthopBucket = { id: 0, index: 0, idleTime: 0, nhId: 0, protocol: protocolName(buf[h + 2]!), flags: routeFlagNames(rawFlags), rawFlags };
  NHA_BUCKET.decode(buf, view, h + NHMSG_LEN, off + len, PATH, b as unknown as Record<string, unknown>);
  return b;
}
