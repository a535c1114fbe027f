/**
 * What `rt.route.flush`, `rt.addr.flush`, `rt.neigh.flush` and `rt.rule.flush` share:
 * dump, delete what matched (many deletes per sendmsg), and dump again until nothing
 * matches, as `ip … flush` does.
 * @module
 */
import { ClosedError, NLMSG_HDRLEN, NetlinkError, type BatchRequest, type MessageWriter, type NetlinkSocket } from '../netlink/index.js';

/** Rounds of deletions before a flush gives up, as iproute2's MAX_ROUNDS (10). */
export const FLUSH_ROUNDS = 10;

/** A dumped object and its message's body (after the nlmsghdr), copied out of the receive buffer. */
export interface Dumped<T> {
  readonly obj: T;
  readonly body: Buffer;
}

/**
 * A dump callback's copy of one message's body: the delete request is the very message
 * the kernel dumped, with its type changed (what `ip … flush` sends), so it selects
 * exactly that object, every attribute included.
 */
export function bodyOf(buf: Buffer, off: number, len: number): Buffer {
  return Buffer.from(buf.subarray(off + NLMSG_HDRLEN, off + len));
}

/** The batch builder of a flush's delete: the dumped body as is. */
function writeBody(this: Buffer, w: MessageWriter): void {
  const o = w.reserve(this.length);
  w.buf.set(this, o);
}

/** What one kind of object's flush needs. */
export interface FlushPlan<T> {
  /** The objects that match now, in the order to delete them. */
  readonly dump: () => Promise<Dumped<T>[]>;
  /** RTM_DEL* type and its name. */
  readonly delType: number;
  readonly delTypeName: string;
  /** Noun for messages, singular and plural: ['route', 'routes'], ['address', 'addresses'], … */
  readonly noun: readonly [string, string];
  /** Codes of a delete that means the object is gone already (deleted in between). */
  readonly gone: ReadonlySet<string>;
  /** An object as a message names it ('10.9.0.0/24 dev ifindex 3 table 100'); made only for an error. */
  readonly subjectOf: (obj: T) => string;
  /** The filter as a message names it, for the error of a flush that never ends. */
  readonly filterText: () => string;
}

const count = (n: number, noun: readonly [string, string]): string => `${n} ${noun[n === 1 ? 0 : 1]}`;

/**
 * Flush: dump, delete every match in as few sendmsg calls as the socket's buffers allow
 * (NetlinkSocket.requestBatch, one ACK each), and dump again, until a dump matches
 * nothing — deleting one object can make or remove others (an address's prefix route) —
 * or {@link FLUSH_ROUNDS} rounds of deletions have run. Resolves with the number of
 * matching objects removed: deleted at this call's request, or gone already when their
 * delete arrived (`plan.gone`: deleted in between by a cascade or by someone else).
 * @throws NetlinkError of the first delete the kernel refused otherwise, its hint saying
 *   how many were deleted; EIO when answers were lost; EAGAIN when objects still match
 *   after the last round.
 */
export async function flushRounds<T>(sock: NetlinkSocket, plan: FlushPlan<T>): Promise<number> {
  let deleted = 0;
  for (let round = 0; ; round++) {
    const matched = await plan.dump();
    if (matched.length === 0) return deleted;
    if (round === FLUSH_ROUNDS) {
      throw new NetlinkError(11 /* EAGAIN */, { type: plan.delType, typeName: plan.delTypeName, seq: 0, subject: plan.filterText() }, {},
        `${count(matched.length, plan.noun)} still matched after ${FLUSH_ROUNDS} rounds of deletions (${count(deleted, plan.noun)} deleted): something keeps adding them`);
    }
    const dels: BatchRequest[] = matched.map((m) => ({ type: plan.delType, flags: 0, build: writeBody.bind(m.body) as (w: MessageWriter) => void }));
    const r = await sock.requestBatch(dels, { stopOnError: true });
    let refused = -1;
    let unknown = 0;
    for (let i = 0; i < matched.length; i++) {
      const s = r.status[i];
      if (s === 'ok' || (s === 'refused' && plan.gone.has(r.errors[i]!.code))) deleted++;
      else if (s === 'refused' && refused < 0) refused = i;
      else if (s === 'unknown') unknown++;
    }
    if (refused >= 0) {
      const e = r.errors[refused]!;
      const notes = [`the flush deleted ${count(deleted, plan.noun)} and stopped at this one`];
      if (e.hint) notes.unshift(e.hint);
      throw new NetlinkError(e.errno, { ...e.request, subject: plan.subjectOf(matched[refused]!.obj) }, e.extack, notes.join('; '));
    }
    // The handle closed under the batch: say that, as every other call on it does.
    if (r.failure instanceof ClosedError) throw r.failure;
    if (r.failure !== undefined || unknown > 0) {
      const errno = (r.failure as { errno?: unknown } | undefined)?.errno;
      throw new NetlinkError(typeof errno === 'number' ? errno : 5 /* EIO */, { type: plan.delType, typeName: plan.delTypeName, seq: 0, subject: plan.filterText() }, {},
        `the flush's deletes did not complete (${r.failure?.message ?? 'answers lost'}): ${count(deleted, plan.noun)} deleted, the outcome of ${unknown} unknown`);
    }
  }
}
