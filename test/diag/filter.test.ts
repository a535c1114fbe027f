// The inet_diag filter compiler, byte by byte (no privileges needed): the program for a
// port and a prefix, annotated op by op, in host byte order as the kernel reads it; and
// every program obeys the rules of the kernel's audit (inet_diag_bc_audit).
import t from 'tap';
import { HOST_LE } from '../../src/netlink/index.js';
import { compileFilter, type InetSocketFilter } from '../../src/diag/filter.js';

/** A u16 / u32 in host order, as hex. */
const u16 = (v: number): string => {
  const b = Buffer.alloc(2);
  if (HOST_LE) b.writeUInt16LE(v);
  else b.writeUInt16BE(v);
  return b.toString('hex');
};
const u32 = (v: number): string => {
  const b = Buffer.alloc(4);
  if (HOST_LE) b.writeUInt32LE(v >>> 0);
  else b.writeUInt32BE(v >>> 0);
  return b.toString('hex');
};

t.test("localPort 80 and remoteAddress 10.0.0.0/8: ss's 'sport = :80 and dst 10.0.0.0/8', op by op", async (t) => {
  const bc = compileFilter({ localPort: 80, remoteAddress: '10.0.0.0/8' })!;
  const want = [
    // op 0: INET_DIAG_BC_S_EQ (11), yes 8 (to op 1), no 28 (the program's 24 bytes + 4: past the end, reject)
    '0b08', u16(28),
    //   its operand: an op whose `no` holds the port (host order)
    '0000', u16(80),
    // op 1: INET_DIAG_BC_D_COND (8), yes 16 (to the end: accept), no 20 (16 left + 4)
    '0810', u16(20),
    //   struct inet_diag_hostcond: family AF_INET (2), prefix_len 8, 2 bytes pad, port -1 (any)
    '0208', '0000', u32(-1),
    //   the address, network order
    '0a000000',
  ].join('');
  t.equal(Buffer.from(bc).toString('hex'), want);
});

t.test('interface, mark and cgroup operands are in host order', async (t) => {
  t.equal(Buffer.from(compileFilter({ interface: 3 })!).toString('hex'), `0908${u16(12)}${u32(3)}`, 'INET_DIAG_BC_DEV_COND, ifindex');
  t.equal(Buffer.from(compileFilter({ mark: { value: 0x10, mask: 0xff } })!).toString('hex'), `0a0c${u16(16)}${u32(0x10)}${u32(0xff)}`, 'INET_DIAG_BC_MARK_COND, mark then mask');
  const cg = Buffer.alloc(8);
  if (HOST_LE) cg.writeBigUInt64LE(0x1122334455667788n);
  else cg.writeBigUInt64BE(0x1122334455667788n);
  t.equal(Buffer.from(compileFilter({ cgroupId: 0x1122334455667788n })!).toString('hex'), `0d0c${u16(16)}${cg.toString('hex')}`, 'INET_DIAG_BC_CGROUP_COND, u64');
});

t.test("every program passes the kernel's audit: yes and no multiples of 4, at least the op's size, at most 4 past the end", async (t) => {
  const filters: InetSocketFilter[] = [
    { localPort: 1 }, { remotePort: { min: 1, max: 2 } }, { localAddress: '::1' }, { remoteAddress: '2001:db8::/32', localAddress: '10.0.0.1' },
    { localPort: { min: 1024 }, remotePort: { max: 80 }, localAddress: 'fe80::/10', remoteAddress: '::/0', interface: 7, mark: 5, cgroupId: 1n },
  ];
  for (const f of filters) {
    const bc = compileFilter(f)!;
    const v = new DataView(bc.buffer, bc.byteOffset, bc.byteLength);
    let o = 0;
    let ok = true;
    while (o < bc.length) {
      const len = bc.length - o;
      const yes = bc[o + 1]!;
      const no = v.getUint16(o + 2, HOST_LE);
      if (yes < 8 || yes & 3 || yes > len || no & 3 || no !== len + 4) ok = false;
      o += yes;
    }
    t.ok(ok && o === bc.length, `${JSON.stringify(f, (_, x: unknown) => (typeof x === 'bigint' ? String(x) : x))}: ${bc.length} bytes`);
  }
  t.equal(compileFilter({}), undefined, 'no condition: no program');
});
