// Ethtool's decoders on annotated bytes, no privilege needed: bitsets in the kernel's
// compact form (a bit count that is not a multiple of 32, a value with bits the mask has
// not) and verbose form (with a mask: every mask bit listed, the value's flagged; with
// NOMASK: only the value's), and replies too short for what they claim refused with a
// DecodeError instead of read as 0, as fewer bits, or as a string set millions long.
import t from 'tap';
import { DecodeError, Ethtool } from '../../src/index.js';
import { decodeBitset } from '../../src/genl/ethtool.js';
import type { GenlMessage } from '../../src/genl/message.js';
import * as E from '../../src/genl/ethtool-constants.js';
import { nla } from '../helpers.js';

const NESTED = 0x8000;

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};
const strz = (s: string): Buffer => Buffer.from(`${s}\0`);
/** The payload of a bitset attribute, as decodeBitset takes it (a view and the payload's place). */
function bitset(...attrs: Buffer[]): [DataView, number, number] {
  const b = Buffer.concat(attrs);
  return [new DataView(b.buffer, b.byteOffset, b.length), 0, b.length];
}
const isLE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
t.before(() => {
  if (!isLE) throw new Error('these byte arrays are little-endian (host order on x86 and arm64)');
});

t.test('compact: 40 bits in two words; bits above SIZE are not bits; MASK decoded apart from VALUE', async (t) => {
  const bs = decodeBitset(...bitset(
    nla(E.ETHTOOL_A_BITSET_SIZE, u32(40)),
    // value: bits 1, 5, 33 (word 1 bit 1), and bit 45, above SIZE
    nla(E.ETHTOOL_A_BITSET_VALUE, u32(0b100010), u32((1 << 1) | (1 << 13))),
    // mask: bits 0, 1, 5, 39
    nla(E.ETHTOOL_A_BITSET_MASK, u32(0b100011), u32(1 << 7)),
  ));
  t.same(bs, { size: 40, value: [1, 5, 33], mask: [0, 1, 5, 39], names: new Map() });
  const nomask = decodeBitset(...bitset(nla(E.ETHTOOL_A_BITSET_NOMASK), nla(E.ETHTOOL_A_BITSET_SIZE, u32(3)), nla(E.ETHTOOL_A_BITSET_VALUE, u32(0b101))));
  t.same(nomask, { size: 3, value: [0, 2], mask: undefined, names: new Map() }, 'NOMASK: a plain list');
});

t.test('verbose: with a mask every bit of it is listed and the value flagged; with NOMASK only the value', async (t) => {
  const bit = (index: number, name: string, set: boolean): Buffer =>
    nla(E.ETHTOOL_A_BITSET_BITS_BIT | NESTED, nla(E.ETHTOOL_A_BITSET_BIT_INDEX, u32(index)), nla(E.ETHTOOL_A_BITSET_BIT_NAME, strz(name)), ...(set ? [nla(E.ETHTOOL_A_BITSET_BIT_VALUE)] : []));
  const withMask = decodeBitset(...bitset(
    nla(E.ETHTOOL_A_BITSET_SIZE, u32(101)),
    nla(E.ETHTOOL_A_BITSET_BITS | NESTED, bit(100, '10baseT1S_P2MP/Half', true), bit(0, '10baseT/Half', false), bit(5, '1000baseT/Full', true)),
  ));
  t.same(withMask, { size: 101, value: [5, 100], mask: [0, 5, 100], names: new Map([[100, '10baseT1S_P2MP/Half'], [0, '10baseT/Half'], [5, '1000baseT/Full']]) });
  const nomask = decodeBitset(...bitset(
    nla(E.ETHTOOL_A_BITSET_NOMASK),
    nla(E.ETHTOOL_A_BITSET_SIZE, u32(17)),
    nla(E.ETHTOOL_A_BITSET_BITS | NESTED, bit(6, 'software-system-clock', false), bit(0, 'hardware-transmit', false)),
  ));
  t.same([nomask.value, nomask.mask], [[0, 6], undefined], 'NOMASK: the listed bits are the value, no VALUE flag needed');
});

t.test('too short for what they claim: a DecodeError naming the attribute, not fewer bits or a 0', async (t) => {
  for (const [what, attrs, re] of [
    ['SIZE of 2 bytes', [nla(E.ETHTOOL_A_BITSET_SIZE, [40, 0]), nla(E.ETHTOOL_A_BITSET_VALUE, u32(1), u32(1))], /ETHTOOL_A_BITSET_SIZE payload too short/],
    ['VALUE of one word for 40 bits', [nla(E.ETHTOOL_A_BITSET_NOMASK), nla(E.ETHTOOL_A_BITSET_SIZE, u32(40)), nla(E.ETHTOOL_A_BITSET_VALUE, u32(1))], /ETHTOOL_A_BITSET_VALUE payload too short.*needs 8 bytes, 4 available/],
    ['MASK of one word for 40 bits', [nla(E.ETHTOOL_A_BITSET_SIZE, u32(40)), nla(E.ETHTOOL_A_BITSET_VALUE, u32(1), u32(0)), nla(E.ETHTOOL_A_BITSET_MASK, u32(1))], /ETHTOOL_A_BITSET_MASK payload too short/],
    ['BIT INDEX of 2 bytes', [nla(E.ETHTOOL_A_BITSET_SIZE, u32(8)), nla(E.ETHTOOL_A_BITSET_BITS | NESTED, nla(E.ETHTOOL_A_BITSET_BITS_BIT | NESTED, nla(E.ETHTOOL_A_BITSET_BIT_INDEX, [3, 0])))], /ETHTOOL_A_BITSET_BIT_INDEX payload too short/],
    ['BIT without INDEX', [nla(E.ETHTOOL_A_BITSET_SIZE, u32(8)), nla(E.ETHTOOL_A_BITSET_BITS | NESTED, nla(E.ETHTOOL_A_BITSET_BITS_BIT | NESTED, nla(E.ETHTOOL_A_BITSET_BIT_NAME, strz('x'))))], /without ETHTOOL_A_BITSET_BIT_INDEX/],
  ] as [string, Buffer[], RegExp][]) {
    let e: unknown;
    try {
      decodeBitset(...bitset(...attrs));
    } catch (x) {
      e = x;
    }
    t.ok(e instanceof DecodeError && re.test(e.message), `${what}: ${String(e)}`);
  }
});

/** An Ethtool whose requests are answered by `answer` (by command) instead of the kernel. */
function fake(t: { teardown(fn: () => void): void }, answer: (cmd: number) => Buffer): Ethtool {
  const et = Ethtool.open();
  t.teardown(() => et.close());
  et.genl.request = async (_family: string | number, cmd: number): Promise<GenlMessage[]> => [{ family: 30, cmd, version: 1, header: Buffer.alloc(0), attrs: answer(cmd) }];
  return et;
}
/** A string set reply: `count`, then strings at the indexes given. */
function strset(count: number, strings: [number, string][]): Buffer {
  return nla(E.ETHTOOL_A_STRSET_STRINGSETS | NESTED, nla(E.ETHTOOL_A_STRINGSETS_STRINGSET | NESTED,
    nla(E.ETHTOOL_A_STRINGSET_ID, u32(E.ETH_SS_LINK_MODES)), nla(E.ETHTOOL_A_STRINGSET_COUNT, u32(count)),
    nla(E.ETHTOOL_A_STRINGSET_STRINGS | NESTED, ...strings.map(([i, s]) => nla(E.ETHTOOL_A_STRINGS_STRING | NESTED, nla(E.ETHTOOL_A_STRING_INDEX, u32(i)), nla(E.ETHTOOL_A_STRING_VALUE, strz(s)))))));
}
const ours = nla(E.ETHTOOL_A_LINKMODES_OURS | NESTED, nla(E.ETHTOOL_A_BITSET_SIZE, u32(2)), nla(E.ETHTOOL_A_BITSET_VALUE, u32(2)), nla(E.ETHTOOL_A_BITSET_MASK, u32(3)));

t.test('linkModes on bytes: decoded and named; a short SPEED or LANES a DecodeError, not "speed unknown"', async (t) => {
  const reply = (speed: Buffer, lanes: Buffer): Buffer => Buffer.concat([nla(E.ETHTOOL_A_LINKMODES_AUTONEG, [1]), ours, nla(E.ETHTOOL_A_LINKMODES_SPEED, speed), nla(E.ETHTOOL_A_LINKMODES_DUPLEX, [1]), nla(E.ETHTOOL_A_LINKMODES_LANES, lanes)]);
  const good = fake(t, (cmd) => (cmd === E.ETHTOOL_MSG_STRSET_GET ? strset(2, [[0, '10baseT/Half'], [1, '10baseT/Full']]) : reply(u32(10), u32(1))));
  t.same(await good.linkModes('eth0'), { autoneg: true, supported: ['10baseT/Half', '10baseT/Full'], advertised: ['10baseT/Full'], peer: [], speed: 10, duplex: 'full', lanes: 1 });
  const unknown = fake(t, (cmd) => (cmd === E.ETHTOOL_MSG_STRSET_GET ? strset(2, [[0, '10baseT/Half'], [1, '10baseT/Full']]) : reply(u32(0xffffffff), u32(1))));
  t.equal((await unknown.linkModes('eth0')).speed, undefined, 'SPEED_UNKNOWN: left out');
  for (const [what, speed, lanes] of [['SPEED of 2 bytes', Buffer.from([10, 0]), u32(1)], ['LANES of 1 byte', u32(10), Buffer.from([1])]] as const) {
    const et = fake(t, (cmd) => (cmd === E.ETHTOOL_MSG_STRSET_GET ? strset(2, [[0, '10baseT/Half'], [1, '10baseT/Full']]) : reply(speed, lanes)));
    await t.rejects(et.linkModes('eth0'), DecodeError, what);
  }
});

t.test('string sets on bytes: an index at or past COUNT, or a short INDEX, is a DecodeError (not a list grown to the index)', async (t) => {
  for (const [what, answer] of [
    ['index 5000000 of a set of 2', strset(2, [[0, '10baseT/Half'], [5_000_000, 'x']])],
    ['a 2-byte INDEX', nla(E.ETHTOOL_A_STRSET_STRINGSETS | NESTED, nla(E.ETHTOOL_A_STRINGSETS_STRINGSET | NESTED, nla(E.ETHTOOL_A_STRINGSET_COUNT, u32(2)),
      nla(E.ETHTOOL_A_STRINGSET_STRINGS | NESTED, nla(E.ETHTOOL_A_STRINGS_STRING | NESTED, nla(E.ETHTOOL_A_STRING_INDEX, [1, 0]), nla(E.ETHTOOL_A_STRING_VALUE, strz('x'))))))],
  ] as const) {
    const et = fake(t, (cmd) => (cmd === E.ETHTOOL_MSG_STRSET_GET ? answer : ours));
    await t.rejects(et.linkModes('eth0'), DecodeError, what);
  }
});

t.test('channels on bytes: decoded; a count shorter than a u32 is a DecodeError, not a number read from the padding', async (t) => {
  const good = fake(t, () => Buffer.concat([nla(E.ETHTOOL_A_CHANNELS_RX_MAX, u32(4)), nla(E.ETHTOOL_A_CHANNELS_RX_COUNT, u32(2))]));
  t.same(await good.channels('eth0'), { rxMax: 4, rx: 2 });
  const short = fake(t, () => Buffer.concat([nla(E.ETHTOOL_A_CHANNELS_RX_MAX, [4, 0]), nla(E.ETHTOOL_A_CHANNELS_RX_COUNT, u32(2))]));
  await t.rejects(short.channels('eth0'), DecodeError, 'RX_MAX of 2 bytes');
});
