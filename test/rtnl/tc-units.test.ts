// parseTcRate, parseTcSize and parseTcTime read tc's units as tc does. The oracle is tc
// itself: in a fresh netns, each text goes into a tc command whose message carries the
// parsed number as it is (tbf's rate: TCA_TBF_PARMS's u32 or TCA_TBF_RATE64; fq_codel's
// memory_limit and target: u32 attributes, sent although this kernel has no fq_codel),
// and the message tc sends (captured with strace) must hold nlkit's number. Text tc
// refuses, nlkit refuses, naming the argument; and the few texts tc reads that nlkit
// refuses on purpose are listed with the reason. The pure checks run without root.
import t from 'tap';
import { parseTcRate, parseTcSize, parseTcTime } from '../../src/rtnl/index.js';
import { InvalidArgumentError } from '../../src/netlink/errors.js';
import { ip, privileged, rawNetns } from '../helpers.js';
import { optionAttr, tcSends } from './tc-qdisc-helpers.js';

const TCA_TBF_PARMS = 1;
const TCA_TBF_RATE64 = 4;
const TCA_FQ_CODEL_TARGET = 1;
const TCA_FQ_CODEL_MEMORY_LIMIT = 9;

const RATES = ['1mbit', '10Mbit', '125kbps', '1gbit', '512kbit', '100bit', '8bit', '1bps', '1Bps', '1.5mbit', '2.5Gbit',
  '1Kibit', '3mibit', '1gibit', '1tbit', '1tibit', '1KBps', '1KiBps', '2MBps', '1MiBps', '1GBps', '1GiBps', '1TBps', '1TiBps',
  '100MBIT', '1e3kbit', '.5mbit', '1000001bit', '50gbit', '34.359738368gbit'];
const SIZES = ['1600', '1600b', '15k', '15kb', '1mb', '1m', '32kbit', '1mbit', '1gbit', '1g', '1gb', '2.5k', '1.3b', '0', '3K', '2MB', '4294967294', '1e3', '.5k'];
const TIMES = ['400ms', '25ms', '1s', '500us', '500', '1.5ms', '2sec', '3secs', '4msec', '5msecs', '6usec', '7usecs', '10S', '0', '1e3us', '4294s'];
/** Text tc refuses (get_rate64 / get_size / get_time fail), and nlkit must too. */
const BAD_RATES = ['1 mbit', 'mbit', '1mbits', '1kb', '', '1m bit', '5parsecs'];
const BAD_SIZES = ['1 kb', 'kb', '1kib', '1bit', '5parsecs', '', '1mbps', '4294967296', '5gb'];
const BAD_TIMES = ['1 ms', 'ms', '5parsecs', '1ns', '1min', '', '4295s'];

t.test('a number is taken as it is: bytes per second, bytes, microseconds', async (t) => {
  t.equal(parseTcRate(125000), 125000);
  t.equal(parseTcRate(0), 0);
  t.equal(parseTcRate(6250000000), 6250000000, 'a rate above 2^32 bytes/s (50gbit)');
  t.equal(parseTcSize(4096), 4096);
  t.equal(parseTcSize(0xffffffff), 0xffffffff);
  t.equal(parseTcTime(400000), 400000);
});

t.test('negative, fractional, non-finite and non-number values are refused, naming the argument', async (t) => {
  for (const [f, name] of [[parseTcRate, 'rate'], [parseTcSize, 'size'], [parseTcTime, 'time']] as const) {
    for (const v of [-1, 1.5, NaN, Infinity, -Infinity, '-1', null, true, {}, [], 10n]) {
      t.throws(() => f(v as never, `x.${name}`), { name: 'InvalidArgumentError', argument: `x.${name}` }, `${name} ${String(v)}`);
    }
  }
  t.throws(() => parseTcSize(0x100000000), { name: 'InvalidArgumentError', argument: 'size' }, 'a size above 2^32-1');
  t.throws(() => parseTcTime(0x100000000), { name: 'InvalidArgumentError', argument: 'time' }, 'a time above 2^32-1');
  t.throws(() => parseTcRate(2 ** 53), { name: 'InvalidArgumentError', argument: 'rate' }, 'a rate above 2^53-1');
});

t.test('texts tc would read but nlkit refuses, and why', async (t) => {
  // tc reads a bare number as bits per second; nlkit's numbers are bytes per second.
  const e = t.throws(() => parseTcRate('1000')) as unknown as InvalidArgumentError;
  t.match(e.message, /no unit.*bits per second.*'1000bit'/);
  // strtod's extras: signs, hex floats, inf and nan, leading spaces.
  for (const v of ['-1mbit', '+1mbit', '0x1p3bit', '0x10mbit', 'infbit', 'nanbit', ' 1mbit', '1mbit ']) t.throws(() => parseTcRate(v), { name: 'InvalidArgumentError', argument: 'rate' }, v);
  for (const v of ['-1k', 'inf', 'nan', ' 1k']) t.throws(() => parseTcSize(v), { name: 'InvalidArgumentError', argument: 'size' }, v);
  for (const v of ['-1ms', 'inf', ' 1ms']) t.throws(() => parseTcTime(v), { name: 'InvalidArgumentError', argument: 'time' }, v);
  t.match((t.throws(() => parseTcRate('1 mbit')) as unknown as Error).message, /no space between the number and the unit/);
  t.match((t.throws(() => parseTcTime('5parsecs')) as unknown as Error).message, /unknown time unit 'parsecs'/);
  // tc's `rate 10%` (a share of the device's speed, read from ethtool) is not taken: the
  // refusal says so, where it only listed the forms it takes.
  t.match((t.throws(() => parseTcRate('10%'), { name: 'InvalidArgumentError', argument: 'rate' }) as unknown as Error).message, /tc's percentage of the device's speed.* is not taken/);
});

t.test('known values: what the units mean', async (t) => {
  t.equal(parseTcRate('1mbit'), 125000);
  t.equal(parseTcRate('1Mbit'), 125000, 'case does not matter');
  t.equal(parseTcRate('1mbps'), 1000000, "'mbps' is megabytes per second, as in tc");
  t.equal(parseTcRate('1Kibit'), 128);
  t.equal(parseTcSize('32kbit'), 4096, 'kbit in a size is 128 bytes');
  t.equal(parseTcSize('1mb'), 1048576);
  t.equal(parseTcSize('4294967295'), 4294967295, 'the largest size (tc takes it; fq_codel would read it as no memory_limit, which rt.qdisc refuses)');
  t.equal(parseTcSize('1.3b'), 1, 'truncated to whole bytes, as tc truncates');
  t.equal(parseTcTime('1.5ms'), 1500);
  t.equal(parseTcTime('500'), 500, 'a bare time is microseconds');
  t.equal(parseTcRate('1000001bit'), 125000, 'truncated to whole bytes per second, as tc truncates');
  t.equal(parseTcRate('7bit'), 0, 'under a byte per second is 0 (which tbf and htb then refuse, as tc does)');
});

t.test('every text reads as tc reads it: the number in the message tc sends', privileged, async (t) => {
  const ns = rawNetns();
  t.teardown(() => ns.close());
  ip(ns.path, ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
  const le = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  const u32 = (b: Buffer, o = 0) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  for (const r of RATES) {
    const { sent, stderr } = tcSends(ns.path, ['qdisc', 'add', 'dev', 'v0', 'root', 'tbf', 'rate', r, 'burst', '1600', 'limit', '1600']);
    t.equal(sent.length, 1, `tc sent ${r} (${stderr})`);
    const r64 = optionAttr(sent[0]!, TCA_TBF_RATE64);
    const tc = r64 ? Number(le ? r64.readBigUInt64LE() : r64.readBigUInt64BE()) : u32(optionAttr(sent[0]!, TCA_TBF_PARMS)!, 8);
    t.equal(parseTcRate(r), tc, `rate '${r}' = ${tc} bytes/s`);
    tcSends(ns.path, ['qdisc', 'del', 'dev', 'v0', 'root']);
  }
  for (const s of SIZES) {
    const { sent } = tcSends(ns.path, ['qdisc', 'add', 'dev', 'v0', 'root', 'fq_codel', 'memory_limit', s]);
    t.equal(sent.length, 1, `tc sent memory_limit ${s}`);
    t.equal(parseTcSize(s), u32(optionAttr(sent[0]!, TCA_FQ_CODEL_MEMORY_LIMIT)!), `size '${s}'`);
  }
  for (const v of TIMES) {
    const { sent } = tcSends(ns.path, ['qdisc', 'add', 'dev', 'v0', 'root', 'fq_codel', 'target', v]);
    t.equal(sent.length, 1, `tc sent target ${v}`);
    const a = optionAttr(sent[0]!, TCA_FQ_CODEL_TARGET);
    // tc leaves a target of 0 out (it reads 0 as not given).
    t.equal(parseTcTime(v), a ? u32(a) : 0, `time '${v}'`);
  }
  for (const r of BAD_RATES) {
    const { status, sent } = tcSends(ns.path, ['qdisc', 'add', 'dev', 'v0', 'root', 'tbf', 'rate', r, 'burst', '1600', 'limit', '1600']);
    t.ok(status !== 0 && sent.length === 0, `tc refuses rate '${r}'`);
    t.throws(() => parseTcRate(r, 'rate'), { name: 'InvalidArgumentError', argument: 'rate' }, `nlkit refuses rate '${r}'`);
  }
  for (const s of BAD_SIZES) {
    const { status, sent } = tcSends(ns.path, ['qdisc', 'add', 'dev', 'v0', 'root', 'fq_codel', 'memory_limit', s]);
    t.ok(status !== 0 && sent.length === 0, `tc refuses size '${s}'`);
    t.throws(() => parseTcSize(s, 'burst'), { name: 'InvalidArgumentError', argument: 'burst' }, `nlkit refuses size '${s}'`);
  }
  for (const v of BAD_TIMES) {
    const { status, sent } = tcSends(ns.path, ['qdisc', 'add', 'dev', 'v0', 'root', 'fq_codel', 'target', v]);
    if (v === '4295s') {
      // tc's get_time does not check for overflow: it sends the truncated number; nlkit refuses it.
      t.equal(sent.length, 1, `tc sends target '${v}' (wrapped around)`);
    } else {
      t.ok(status !== 0 && sent.length === 0, `tc refuses time '${v}'`);
    }
    t.throws(() => parseTcTime(v, 'latency'), { name: 'InvalidArgumentError', argument: 'latency' }, `nlkit refuses time '${v}'`);
  }
});
