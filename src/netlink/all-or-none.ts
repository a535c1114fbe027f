/**
 * The end of an all-or-none batch (`addMany` of addresses, routes, neighbours, conntrack
 * entries): which messages the kernel took, and the one error a call rejects with once
 * it has deleted them again.
 * @module
 */
import { errnoInfo, NetlinkError } from './errors.js';
import type { BatchResult } from './socket.js';

/** Indexes of the messages the kernel took ('ok'), in order. */
export function tookIndexes(r: BatchResult): number[] {
  const out: number[] = [];
  for (let i = 0; i < r.status.length; i++) if (r.status[i] === 'ok') out.push(i);
  return out;
}

/** What {@link allOrNoneError} is told. */
export interface AllOrNoneOutcome {
  /** The batch's result. */
  readonly batch: BatchResult;
  /** The undo batch's result (undefined when nothing was to undo), one entry per `undone` index. */
  readonly undo: BatchResult | undefined;
  /** The batch's indexes the undo batch deleted, in the undo's order. */
  readonly undone: readonly number[];
  /** An undo refusal that means "gone already" (ENOENT, ESRCH…): not left behind. */
  readonly gone: (e: NetlinkError) => boolean;
  /** Each message's subject, for the lists in the error. */
  readonly subjects: readonly string[];
  /** What the items are, singular and plural ('route', 'routes'). */
  readonly noun: readonly [string, string];
  /** The request an error without any refusal names (the batch's message type). */
  readonly type: number;
  readonly typeName: string;
  /** The first refusal as the caller explains it (defaults to the batch's own). */
  readonly first?: NetlinkError | undefined;
}

/**
 * The error of an all-or-none call whose batch was refused or cut short and
 * whose undo has run: the first refusal as it is when the undo removed everything this
 * call made and no outcome is unknown; otherwise one NetlinkError (the refusal's errno,
 * or the failure's, or EIO) whose hint also says what the undo left in place and which
 * outcomes are unknown, naming up to five of each.
 */
export function allOrNoneError(o: AllOrNoneOutcome): NetlinkError {
  const { batch: r, undo: d, subjects } = o;
  const left = o.undone.filter((_, k) => d!.status[k] !== 'ok' && !(d!.status[k] === 'refused' && o.gone(d!.errors[k]!)));
  const unknown: number[] = [];
  for (let i = 0; i < r.status.length; i++) if (r.status[i] === 'unknown') unknown.push(i);
  const first = o.first ?? (r.firstRefused >= 0 ? r.errors[r.firstRefused] : undefined);
  if (first && left.length === 0 && unknown.length === 0) return first;
  const [one, many] = o.noun;
  const count = (k: number): string => `${k} ${k === 1 ? one : many}`;
  const names = (xs: number[]): string => xs.slice(0, 5).map((k) => subjects[k]).join(', ') + (xs.length > 5 ? ` and ${xs.length - 5} more` : '');
  const notes: string[] = [];
  if (!first) notes.push(`the batch did not complete (${r.failure?.message ?? 'no reason given'})`);
  else if (first.hint) notes.push(first.hint);
  if (left.length) notes.push(`the rollback left ${count(left.length)} of this call in place: ${names(left)}`);
  if (unknown.length) notes.push(`the outcome of ${count(unknown.length)} is unknown: ${names(unknown)}`);
  const failErrno = (r.failure as { errno?: unknown } | undefined)?.errno;
  const errno = first ? first.errno : typeof failErrno === 'number' ? failErrno : 5; /* EIO */
  return new NetlinkError(errno, first ? first.request : { type: o.type, typeName: o.typeName, seq: 0, subject: subjects[0]! }, first ? first.extack : {}, notes.join('; '), first ? familyName(first) : undefined);
}

/**
 * The code and text of a refusal named by its family (ipset's 'IPSET_ERR_NAME: no set
 * named zz …') rather than by its errno, or undefined for a plain errno. NetlinkError keeps
 * the text in its message only: `${code}: ${text}` and then what its extack, hint and
 * request add, which a copy with an empty text shows alone. Error path only.
 */
function familyName(e: NetlinkError): { code: string; text: string } | undefined {
  if (e.code === errnoInfo(e.errno).code) return undefined;
  const head = e.code.length + 2;
  const tail = new NetlinkError(e.errno, e.request, e.extack, e.hint, { code: e.code, text: '' }).message.length - head;
  return { code: e.code, text: e.message.slice(head, e.message.length - tail) };
}
