// tc actions: verdicts as tc reads and prints them (action_a2n / action_n2a), the
// action nests gact and bpf send (the bytes tc 6.1 sends, read with strace: this kernel
// has neither module, so no live add), and action lists decoded from the kernel's
// layout — mirred with its counters and times, gact with goto/jump verdicts, a kind nlkit
// does not know kept raw, never dropped.
import t from 'tap';
import { MessageWriter } from '../../src/netlink/index.js';
import { InvalidArgumentError } from '../../src/index.js';
import { FilterApi } from '../../src/rtnl/tc/filter/api.js';
import { decodeFilter } from '../../src/rtnl/tc/filter/decode.js';
import { parseVerdict, verdictOf } from '../../src/rtnl/tc/action/verdict.js';
import * as C from '../../src/rtnl/constants.js';
import { recorded } from './tc-helpers.js';

t.test('verdicts: the names tc reads, their numbers, and back as tc prints them', async (t) => {
  const table: Array<[unknown, number, unknown]> = [
    ['continue', -1, 'continue'], ['pass', 0, 'pass'], ['ok', 0, 'pass'], ['drop', 2, 'drop'], ['shot', 2, 'drop'],
    ['reclassify', 1, 'reclassify'], ['pipe', 3, 'pipe'], ['stolen', 4, 'stolen'], ['trap', 8, 'trap'],
    [{ goto: 4 }, 0x20000004, { goto: 4 }], [{ goto: 0 }, 0x20000000, { goto: 0 }], [{ jump: 2 }, 0x10000002, { jump: 2 }],
  ];
  for (const [input, n, back] of table) {
    t.equal(parseVerdict(input, 'verdict'), n, `${JSON.stringify(input)} is ${n}`);
    t.same(verdictOf(n), back, `${n} prints as ${JSON.stringify(back)}`);
  }
  t.equal(verdictOf(C.TC_ACT_QUEUED), C.TC_ACT_QUEUED, 'a verdict without a name stays a number');
  for (const bad of ['accept', '', 5, { goto: -1 }, { jump: 0 }, { goto: 1, jump: 1 }, null]) {
    t.throws(() => parseVerdict(bad, 'actions[0].verdict'), InvalidArgumentError, `${JSON.stringify(bad)} is refused`);
  }
});

t.test('gact and bpf actions: the bytes tc sends (`action gact pass index 9`, `action bpf object-pinned P pipe`)', async (t) => {
  const api = (core: never) => FilterApi.of(core);
  const r = await recorded(api, { hv: 3 }, (a) => a.add({ link: 'hv', parent: 'ingress', priority: 1, kind: 'u32', match: 'all',
    actions: [{ kind: 'gact', verdict: 'pass', index: 9 }, { kind: 'bpf', fd: 5 }] }));
  t.equal(r.error, undefined);
  const b = r.bytes[0]!;
  // TCA_OPTIONS › TCA_U32_ACT: the list, then action 1 (gact) and action 2 (bpf).
  const act = 16 + C.SIZEOF_TCMSG + 8 + 4; // nlmsghdr, tcmsg, TCA_KIND 'u32', TCA_OPTIONS' header
  const hex = b.subarray(act, act + b.readUInt16LE(act)).toString('hex');
  const gen = (index: number, action: number) => Buffer.from(new Int32Array([index, 0, action, 0, 0]).buffer).toString('hex');
  t.equal(hex,
    '60000700' + // TCA_U32_ACT, no NLA_F_NESTED (m_action.c's addattr_nest)
    '2c000100' + '09000100' + Buffer.from('gact\0\0\0\0').toString('hex') + '1c000280' + '18000200' + gen(9, C.TC_ACT_OK) +
    '30000200' + '08000100' + Buffer.from('bpf\0').toString('hex') + '24000280' + '08000500' + '05000000' + '18000200' + gen(0, C.TC_ACT_PIPE),
    'gact: TCA_GACT_PARMS; bpf: TCA_ACT_BPF_FD, then TCA_ACT_BPF_PARMS with pipe (m_bpf.c\'s default)');
  const bad = await recorded(api, { hv: 3 }, (a) => a.add({ link: 'hv', parent: 'ingress', kind: 'u32', match: 'all', actions: [{ kind: 'bpf', fd: -1 }] }));
  t.ok(bad.error instanceof InvalidArgumentError && bad.error.argument === 'actions[0].fd', String(bad.error));
  t.equal(bad.bytes.length, 0);
});

/** An RTM_NEWTFILTER of a u32 node whose TCA_U32_ACT holds what `actions` writes, decoded (`extra` writes attributes after TCA_OPTIONS). */
function withActions(actions: (w: MessageWriter) => void, extra?: (w: MessageWriter) => void) {
  const w = new MessageWriter();
  w.begin(C.RTM_NEWTFILTER, 0x2, 1);
  const o = w.reserve(C.SIZEOF_TCMSG);
  w.view.setInt32(o + 4, 7, true);
  w.view.setUint32(o + 8, 0x80000800, true);
  w.view.setUint32(o + 12, 0xffff0000, true);
  w.view.setUint32(o + 16, (1 << 16 | 0x0300) >>> 0, true);
  w.putStrz(C.TCA_KIND, 'u32');
  w.putU32(C.TCA_CHAIN, 0);
  const opts = w.nestStart(C.TCA_OPTIONS, false);
  const list = w.nestStart(C.TCA_U32_ACT, false);
  actions(w);
  w.nestEnd(list);
  w.nestEnd(opts);
  extra?.(w);
  const b = Buffer.from(w.finish());
  w.release();
  return decodeFilter(b, new DataView(b.buffer, b.byteOffset, b.byteLength), 0, b.length);
}

/** A struct of int32s as bytes. */
const ints = (...v: number[]): Buffer => Buffer.from(new Int32Array(v).buffer);

t.test('action lists decode as tc -j -s prints them; a kind nlkit does not know is kept raw', async (t) => {
  const f = withActions((w) => {
    // 1: mirred egress redirect to ifindex 4, with counters and times, as the kernel dumps it.
    let n = w.nestStart(1, false);
    w.putStrz(C.TCA_ACT_KIND, 'mirred');
    const st = w.nestStart(C.TCA_ACT_STATS, false);
    w.putBytes(C.TCA_STATS_BASIC, Buffer.concat([Buffer.from(new BigUint64Array([1234n]).buffer), ints(17, 0)]));
    w.putBytes(C.TCA_STATS_QUEUE, ints(0, 0, 2, 0, 0));
    w.nestEnd(st);
    w.putU32(C.TCA_ACT_IN_HW_COUNT, 0);
    let op = w.nestStart(C.TCA_ACT_OPTIONS, false);
    w.putBytes(C.TCA_MIRRED_PARMS, ints(1, 0, C.TC_ACT_STOLEN, 1, 1, C.TCA_EGRESS_REDIR, 4));
    w.putBytes(C.TCA_MIRRED_TM, Buffer.from(new BigUint64Array([350n, 120n, 0n, 300n]).buffer));
    w.putBytes(99, Buffer.from([1, 2, 3, 4]));
    w.nestEnd(op);
    w.nestEnd(n);
    // 2: gact goto chain 3.
    n = w.nestStart(2, false);
    w.putStrz(C.TCA_ACT_KIND, 'gact');
    op = w.nestStart(C.TCA_ACT_OPTIONS, false);
    w.putBytes(C.TCA_GACT_PARMS, ints(2, 0, 0x20000003, 1, 1));
    w.nestEnd(op);
    w.nestEnd(n);
    // 3: police, which nlkit does not decode.
    n = w.nestStart(3, false);
    w.putStrz(C.TCA_ACT_KIND, 'police');
    w.putU32(C.TCA_ACT_INDEX, 5);
    op = w.nestStart(C.TCA_ACT_OPTIONS, false);
    w.putBytes(2, Buffer.from([9, 9, 9, 9]));
    w.nestEnd(op);
    w.nestEnd(n);
  });
  t.ok(f.kind === 'u32');
  if (f.kind !== 'u32') return;
  t.same(f.options?.actions, [
    {
      kind: 'mirred', order: 1, index: 1, ref: 1, bind: 1, verdict: 'stolen', rawVerdict: C.TC_ACT_STOLEN, action: 'redirect', direction: 'egress', eaction: C.TCA_EGRESS_REDIR, ifindex: 4,
      installed: 3, lastUsed: 1, firstUsed: 3, expires: 0, inHwCount: 0,
      stats: { bytes: 1234n, packets: 17n, drops: 2, overlimits: 0, requeues: 0, backlog: 0, qlen: 0 },
      unknownOptions: [{ type: 99, value: Buffer.from([1, 2, 3, 4]) }],
    },
    { kind: 'gact', order: 2, index: 2, ref: 1, bind: 1, verdict: { goto: 3 }, rawVerdict: 0x20000003 },
    { kind: 'other', name: 'police', order: 3, raw: Buffer.from([8, 0, 2, 0, 9, 9, 9, 9]), index: 5 },
  ], 'mirred (tc: redirect, egress, stolen, installed 3 sec, used 1 sec), gact (goto chain 3), police raw');
  t.match(f, { index: 7, parent: 'ffff:', protocol: 'all', priority: 1, handle: '800::800', chain: 0 });
});

t.test("a filter's TCA_HW_OFFLOAD is a boolean, as a qdisc's is", async (t) => {
  for (const [byte, want] of [[1, true], [0, false]] as const) {
    const f = withActions(() => {}, (w) => w.putU8(C.TCA_HW_OFFLOAD, byte));
    t.equal(f.hwOffload, want, `TCA_HW_OFFLOAD ${byte}`);
  }
});
