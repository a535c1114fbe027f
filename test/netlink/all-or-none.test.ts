// allOrNoneError: the one error an all-or-none addMany rejects with after its undo, from
// batch results made up here (no kernel): what it says was left, what is unknown, and
// which errno and request it carries.
import t from 'tap';
import { allOrNoneError, tookIndexes } from '../../src/netlink/all-or-none.js';
import { NetlinkError } from '../../src/netlink/errors.js';
import type { BatchResult, BatchStatus } from '../../src/netlink/socket.js';

const req = (subject: string) => ({ type: 24, typeName: 'RTM_NEWROUTE', seq: 7, subject });
const refusal = (errno: number, subject: string, hint?: string) => new NetlinkError(errno, req(subject), {}, hint);
function result(status: BatchStatus[], errors: Record<number, NetlinkError> = {}, failure?: Error): BatchResult {
  const errs = status.map((_, i) => errors[i]);
  return { status, errors: errs, firstRefused: status.indexOf('refused'), failure };
}
const subjects = ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7'];
const base = { subjects, noun: ['route', 'routes'] as const, type: 24, typeName: 'RTM_NEWROUTE', gone: (e: NetlinkError) => e.code === 'ESRCH' };

t.test('tookIndexes: the messages the kernel took, in order', async (t) => {
  t.same(tookIndexes(result(['ok', 'refused', 'ok', 'unsent', 'unknown', 'ok'])), [0, 2, 5]);
});

t.test('everything undone: the first refusal itself', async (t) => {
  const eexist = refusal(17, 'r2');
  const batch = result(['ok', 'ok', 'refused', 'unsent'], { 2: eexist });
  const undo = result(['ok', 'refused'], { 1: refusal(3, 'r1') }); // ESRCH: gone already
  t.equal(allOrNoneError({ ...base, batch, undo, undone: [0, 1] }), eexist, 'the same object, unchanged');
  t.equal(allOrNoneError({ ...base, batch, undo: undefined, undone: [] }), eexist, 'nothing to undo');
});

t.test('an undo refused for another reason: left in place, named, with the refusal\'s errno and request', async (t) => {
  const batch = result(['ok', 'ok', 'refused'], { 2: refusal(17, 'r2', 'route exists') });
  const undo = result(['refused', 'ok'], { 0: refusal(16, 'r0') });
  const e = allOrNoneError({ ...base, batch, undo, undone: [0, 1] });
  t.equal(e.errno, 17);
  t.equal(e.request.subject, 'r2');
  t.match(e.message, /route exists; the rollback left 1 route of this call in place: r0 \(RTM_NEWROUTE r2\)$/);
});

t.test('answers lost: their outcome is unknown, named, more than five summed up', async (t) => {
  const batch = result(['ok', 'unknown', 'unknown', 'unknown', 'unknown', 'unknown', 'unknown', 'unknown'], {}, Object.assign(new Error('overrun'), { errno: 105 }));
  const undo = result(['ok']);
  const e = allOrNoneError({ ...base, batch, undo, undone: [0] });
  t.equal(e.errno, 105, 'the failure\'s errno, as there is no refusal');
  t.equal(e.request.typeName, 'RTM_NEWROUTE');
  t.equal(e.request.subject, 'r0', 'the request named after the first message');
  t.match(e.message, /the batch did not complete \(overrun\); the outcome of 7 routes is unknown: r1, r2, r3, r4, r5 and 2 more \(RTM_NEWROUTE r0\)$/);
  const eio = allOrNoneError({ ...base, batch: result(['unknown'], {}, new Error('closed')), undo: undefined, undone: [] });
  t.equal(eio.errno, 5, 'EIO without an errno of the failure');
});

t.test('a caller\'s explained first refusal replaces the batch\'s own', async (t) => {
  const batch = result(['refused'], { 0: refusal(101, 'r0') });
  const enodev = refusal(19, 'r0', 'dev ifindex 999 does not exist');
  t.equal(allOrNoneError({ ...base, batch, undo: undefined, undone: [], first: enodev }), enodev);
});

t.test('with something left in place, a family-named first refusal keeps its code and text', async (t) => {
  // Before, the error was rebuilt from the errno alone: ipset's IPSET_ERR_NAME 'no set named
  // zz' came out as 'E4352: errno 4352', its explanation gone.
  const named = new NetlinkError(4352, req('L zz'), { message: 'ext' }, 'a hint', { code: 'IPSET_ERR_NAME', text: 'no set named zz (the member to add to set L)' });
  const batch = result(['ok', 'refused'], { 1: named });
  const undo = result(['refused'], { 0: refusal(16, 'r0') });
  const e = allOrNoneError({ ...base, batch, undo, undone: [0], first: named });
  t.equal(e.code, 'IPSET_ERR_NAME');
  t.equal(e.errno, 4352);
  t.equal(e.message, 'IPSET_ERR_NAME: no set named zz (the member to add to set L) — ext — a hint; the rollback left 1 route of this call in place: r0 (RTM_NEWROUTE L zz)');
});
