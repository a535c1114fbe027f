// The controller's family decoder (CTRL_CMD_NEWFAMILY, as `genl ctrl list` reads it) on
// annotated bytes, no privilege needed: a whole family decodes field by field, and an
// attribute shorter than its type — the family id, a u32 field, an operation's id or
// flags, a multicast group's id — is a DecodeError naming it, not a number read out of
// the padding or a RangeError past the end.
import t from 'tap';
import { DecodeError } from '../../src/index.js';
import { decodeFamily } from '../../src/genl/genl.js';
import * as G from '../../src/genl/constants.js';
import { nla } from '../helpers.js';

const NESTED = 0x8000;
const isLE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
t.before(() => {
  if (!isLE) throw new Error('these byte arrays are little-endian (host order on x86 and arm64)');
});

const u16 = (n: number): Buffer => Buffer.from([n & 0xff, n >> 8]);
const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};
const strz = (s: string): Buffer => Buffer.from(`${s}\0`);

/** A CTRL_CMD_NEWFAMILY message (nlmsghdr type GENL_ID_CTRL, genlmsghdr) with these attributes, in an exact-size buffer. */
function message(...attrs: Buffer[]): [Buffer, DataView, number, number] {
  const body = Buffer.concat(attrs);
  const b = Buffer.alloc(16 + G.GENL_HDRLEN + body.length);
  b.writeUInt32LE(b.length, 0);
  b.writeUInt16LE(G.GENL_ID_CTRL, 4);
  b[16] = G.CTRL_CMD_NEWFAMILY;
  b[17] = 2;
  body.copy(b, 20);
  return [b, new DataView(b.buffer, b.byteOffset, b.length), 0, b.length];
}

const op = (i: number, ...a: Buffer[]): Buffer => nla(i | NESTED, ...a);
const whole = [
  nla(G.CTRL_ATTR_FAMILY_NAME, strz('demo')), nla(G.CTRL_ATTR_FAMILY_ID, u16(0x1a)), nla(G.CTRL_ATTR_VERSION, u32(2)),
  nla(G.CTRL_ATTR_HDRSIZE, u32(4)), nla(G.CTRL_ATTR_MAXATTR, u32(9)),
  nla(G.CTRL_ATTR_OPS | NESTED, op(1, nla(G.CTRL_ATTR_OP_ID, u32(3)), nla(G.CTRL_ATTR_OP_FLAGS, u32(0x0e))), op(2, nla(G.CTRL_ATTR_OP_ID, u32(4)), nla(G.CTRL_ATTR_OP_FLAGS, u32(0x13 | 0x100)))),
  nla(G.CTRL_ATTR_MCAST_GROUPS | NESTED, op(1, nla(G.CTRL_ATTR_MCAST_GRP_NAME, strz('events')), nla(G.CTRL_ATTR_MCAST_GRP_ID, u32(7)))),
];

t.test('a whole family: every field, op flags by name (unknown bits in rawFlags only), groups', async (t) => {
  t.same(decodeFamily(...message(...whole)), {
    id: 0x1a, name: 'demo', version: 2, hdrSize: 4, maxAttr: 9,
    ops: [{ id: 3, flags: ['do', 'dump', 'has-policy'], rawFlags: 0x0e }, { id: 4, flags: ['admin-perm', 'do', 'uns-admin-perm'], rawFlags: 0x113 }],
    groups: [{ id: 7, name: 'events' }],
  });
});

t.test('an attribute shorter than its type is a DecodeError naming it', async (t) => {
  const cases: [string, Buffer[], string[]][] = [
    ['a one-byte CTRL_ATTR_FAMILY_ID', [nla(G.CTRL_ATTR_FAMILY_ID, [0x1a])], ['CTRL_CMD_NEWFAMILY', 'CTRL_ATTR_FAMILY_ID']],
    ['an empty CTRL_ATTR_FAMILY_ID (last in the message)', [nla(G.CTRL_ATTR_FAMILY_NAME, strz('x')), nla(G.CTRL_ATTR_FAMILY_ID)], ['CTRL_CMD_NEWFAMILY', 'CTRL_ATTR_FAMILY_ID']],
    ['a two-byte CTRL_ATTR_VERSION', [nla(G.CTRL_ATTR_VERSION, u16(2))], ['CTRL_CMD_NEWFAMILY', 'CTRL_ATTR_VERSION']],
    ['an empty CTRL_ATTR_HDRSIZE', [nla(G.CTRL_ATTR_HDRSIZE)], ['CTRL_CMD_NEWFAMILY', 'CTRL_ATTR_HDRSIZE']],
    ['a three-byte CTRL_ATTR_MAXATTR', [nla(G.CTRL_ATTR_MAXATTR, [9, 0, 0])], ['CTRL_CMD_NEWFAMILY', 'CTRL_ATTR_MAXATTR']],
    ['an empty CTRL_ATTR_OP_ID', [nla(G.CTRL_ATTR_OPS | NESTED, op(1, nla(G.CTRL_ATTR_OP_ID)))], ['CTRL_CMD_NEWFAMILY', 'CTRL_ATTR_OPS', 'op', 'CTRL_ATTR_OP_ID']],
    ['a two-byte CTRL_ATTR_OP_FLAGS', [nla(G.CTRL_ATTR_OPS | NESTED, op(1, nla(G.CTRL_ATTR_OP_ID, u32(1)), nla(G.CTRL_ATTR_OP_FLAGS, u16(2))))], ['CTRL_CMD_NEWFAMILY', 'CTRL_ATTR_OPS', 'op', 'CTRL_ATTR_OP_FLAGS']],
    ['an empty CTRL_ATTR_MCAST_GRP_ID', [nla(G.CTRL_ATTR_MCAST_GROUPS | NESTED, op(1, nla(G.CTRL_ATTR_MCAST_GRP_NAME, strz('g')), nla(G.CTRL_ATTR_MCAST_GRP_ID)))], ['CTRL_CMD_NEWFAMILY', 'CTRL_ATTR_MCAST_GROUPS', 'group', 'CTRL_ATTR_MCAST_GRP_ID']],
  ];
  for (const [what, attrs, path] of cases) {
    const err = (() => {
      try {
        decodeFamily(...message(...attrs));
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    t.ok(err instanceof DecodeError, `${what}: DecodeError (got ${String(err)})`);
    if (err instanceof DecodeError) t.same(err.path, path, `${what}: the path names it`);
  }
});

t.test('not a controller message, or one without its genlmsghdr: not a family', async (t) => {
  const [b, v, o, l] = message(...whole);
  b.writeUInt16LE(0x1b, 4);
  t.equal(decodeFamily(b, v, o, l), undefined, 'another family\'s message');
  const short = Buffer.alloc(18);
  short.writeUInt32LE(18, 0);
  short.writeUInt16LE(G.GENL_ID_CTRL, 4);
  t.equal(decodeFamily(short, new DataView(short.buffer, short.byteOffset, 18), 0, 18), undefined, 'shorter than the genlmsghdr');
});
