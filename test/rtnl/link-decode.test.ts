// decodeLink at the codec level (no sockets): the values it shares between links
// (one 0n for zero counters, one empty Buffer for empty payloads, cached flag names)
// are right, and sharing never leaks from one link into another.
import t from 'tap';
import { MessageWriter, InvalidArgumentError } from '../../src/netlink/index.js';
import { EMPTY_BYTES } from '../../src/netlink/attrs.js';
import { decodeLink, flagNames, macSlot, nameSlot } from '../../src/rtnl/link/decode.js';
import { IFLA_XDP_TABLE, RepeatText, STATS64_FIELDS } from '../../src/rtnl/link/table.js';
import { VXLAN_DATA } from '../../src/rtnl/link/kinds/vxlan.js';
import * as C from '../../src/rtnl/constants.js';

/** An RTM_NEWLINK (ifindex, flags) with attributes written by `attrs`, decoded. */
function link(index: number, flags: number, attrs: (w: MessageWriter) => void) {
  const w = new MessageWriter();
  w.begin(C.RTM_NEWLINK, 0, 1);
  const o = w.reserve(16);
  w.view.setUint16(o + 2, 1, true); // ARPHRD_ETHER
  w.view.setInt32(o + 4, index, true);
  w.view.setUint32(o + 8, flags, true);
  attrs(w);
  const b = Buffer.from(w.finish());
  return decodeLink(b, new DataView(b.buffer, b.byteOffset, b.byteLength), 0, b.length);
}

function stats64(values: readonly bigint[]): Buffer {
  const b = Buffer.alloc(8 * STATS64_FIELDS.length);
  values.forEach((v, i) => b.writeBigUInt64LE(v, i * 8));
  return b;
}

t.test('IFLA_STATS64: zero, small, 2^32 boundary, 2^53 boundary and u64 max counters decode exactly', async (t) => {
  const values = [
    0n, 1n, 0xffffffffn, 0x100000000n, 0x123456789abn, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n,
    0xffffffffffffffffn, 0xfffffffe00000001n, 2n ** 32n * 0x1fffffn + 0xffffffffn, 2n ** 32n * 0x200000n,
  ];
  const all = STATS64_FIELDS.map((_, i) => values[i % values.length]!);
  const l = link(2, 0, (w) => w.putBytes(C.IFLA_STATS64, stats64(all)));
  t.same(Object.keys(l.stats64!), [...STATS64_FIELDS], 'every field, in struct order');
  STATS64_FIELDS.forEach((k, i) => t.equal(l.stats64![k], all[i], `${k} = ${all[i]}`));
  for (const k of STATS64_FIELDS) t.type(l.stats64![k], 'bigint');
});

t.test('IFLA_STATS64 of an older kernel (shorter struct) decodes the fields it has', async (t) => {
  const b = stats64([5n, 0n, 2n ** 40n, 0n, 7n]).subarray(0, 23 * 8);
  const l = link(2, 0, (w) => w.putBytes(C.IFLA_STATS64, b));
  t.same(Object.keys(l.stats64!), STATS64_FIELDS.slice(0, 23));
  t.equal(l.stats64!.rxPackets, 5n);
  t.equal(l.stats64!.txPackets, 0n);
  t.equal(l.stats64!.rxBytes, 2n ** 40n);
  t.equal(l.stats64!.rxCompressed, 0n);
});

t.test('zero counters share one 0n; a non-zero counter in another link is its own value', async (t) => {
  const zero = link(2, 0, (w) => w.putBytes(C.IFLA_STATS64, stats64([])));
  const some = link(3, 0, (w) => w.putBytes(C.IFLA_STATS64, stats64([0n, 0n, 1234n])));
  t.equal(zero.stats64!.rxBytes, 0n);
  t.equal(some.stats64!.rxBytes, 1234n, 'non-zero counter decodes right next to zero ones');
  t.equal(some.stats64!.rxPackets, 0n);
  t.equal(zero.stats64!.rxPackets === some.stats64!.rxPackets, true, 'zero is zero (bigints compare by value)');
  zero.stats64!.rxPackets = 99n;
  t.equal(some.stats64!.rxPackets, 0n, 'replacing a counter in one link changes no other link');
});

t.test('empty binary payloads decode to an empty Buffer (the shared EMPTY_BYTES); non-empty ones to their own copy', async (t) => {
  const a = link(2, 0, (w) => {
    w.putBytes(C.IFLA_DEVLINK_PORT, new Uint8Array(0));
    w.putBytes(C.IFLA_PHYS_SWITCH_ID, Uint8Array.of(1, 2, 3, 4));
  });
  const b = link(3, 0, (w) => w.putBytes(C.IFLA_DEVLINK_PORT, new Uint8Array(0)));
  t.same(a['devlinkPort'], Buffer.alloc(0));
  t.equal(a['devlinkPort'], EMPTY_BYTES);
  t.equal(b['devlinkPort'], EMPTY_BYTES);
  t.same(a['physSwitchId'], Buffer.from([1, 2, 3, 4]));
  t.not(a['physSwitchId'], EMPTY_BYTES);
  const c = link(4, 0, (w) => w.putBytes(C.IFLA_PHYS_SWITCH_ID, Uint8Array.of(1, 2, 3, 4)));
  t.not(c['physSwitchId'], a['physSwitchId'], 'each link its own copy of non-empty bytes');
});

t.test('flag names are right for different flag words, from the cache too, and each link gets its own array', async (t) => {
  const cases: [number, string[]][] = [
    [C.IFF_UP | C.IFF_BROADCAST | C.IFF_MULTICAST | C.IFF_RUNNING | C.IFF_LOWER_UP, ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP']],
    [C.IFF_UP | C.IFF_BROADCAST | C.IFF_MULTICAST, ['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'UP']],
    [C.IFF_BROADCAST | C.IFF_MULTICAST, ['BROADCAST', 'MULTICAST']],
    [C.IFF_LOOPBACK | C.IFF_UP | C.IFF_RUNNING | C.IFF_LOWER_UP, ['LOOPBACK', 'UP', 'LOWER_UP']],
    [C.IFF_POINTOPOINT | C.IFF_NOARP | C.IFF_PROMISC | C.IFF_ALLMULTI | C.IFF_MASTER | C.IFF_SLAVE | C.IFF_DORMANT | C.IFF_ECHO, ['POINTOPOINT', 'NOARP', 'ALLMULTI', 'PROMISC', 'MASTER', 'SLAVE', 'DORMANT', 'ECHO']],
    [0, []],
  ];
  for (let round = 0; round < 2; round++) {
    for (const [flags, want] of cases) {
      t.same(flagNames(flags), want, `round ${round}: 0x${flags.toString(16)}`);
      t.same(link(2, flags, () => {}).flags, want, `round ${round}: decoded link 0x${flags.toString(16)}`);
    }
  }
  const a = link(2, cases[0]![0], () => {});
  const b = link(3, cases[0]![0], () => {});
  t.not(a.flags, b.flags, 'two links never share one flags array');
  a.flags.push('CHANGED');
  t.same(b.flags, cases[0]![1], 'changing one link\'s flags leaves the others alone');
  t.same(link(4, cases[0]![0], () => {}).flags, cases[0]![1], 'and later links too');
  for (let i = 0; i < 200; i++) t.equal(flagNames(i << 20 | C.IFF_UP | C.IFF_RUNNING).join(), 'UP', `many distinct flag words (${i})`);
  t.same(flagNames(cases[1]![0]), cases[1]![1], 'still right after the cache was cleared');
});

t.test('IFLA_MAP, IFLA_XDP, IFLA_EVENT, IFLA_MAX_PACING_OFFLOAD_HORIZON, IFLA_DEVLINK_PORT and IFLA_DPLL_PIN decode as their IFLA table rows say', async (t) => {
  const map = Buffer.alloc(32);
  map.writeUInt32LE(0x1000, 0); map.writeUInt32LE(1, 4); // memStart 2^32 + 0x1000
  map.writeUInt32LE(0x2000, 8);
  map.writeUInt32LE(0x3f8, 16);
  map.writeUInt16LE(4, 24); map[26] = 5; map[27] = 6;
  const l = link(2, 0, (w) => {
    w.putBytes(C.IFLA_DPLL_PIN, new Uint8Array(0));
    w.putBytes(C.IFLA_MAP, map);
    const x = w.nestStart(C.IFLA_XDP);
    w.putU8(C.IFLA_XDP_ATTACHED, 0);
    w.nestEnd(x);
    w.putU32(C.IFLA_EVENT, 7);
    w.putU64(C.IFLA_MAX_PACING_OFFLOAD_HORIZON, 2 ** 40);
    w.putBytes(C.IFLA_DEVLINK_PORT, Uint8Array.of(9, 9));
  });
  t.same(l['map'], { memStart: 2 ** 32 + 0x1000, memEnd: 0x2000, baseAddr: 0x3f8, irq: 4, dma: 5, port: 6 });
  t.same(l['xdp'], { attached: 0 });
  t.equal(l['event'], 7);
  t.equal(l['maxPacingOffloadHorizon'], 2 ** 40);
  t.equal(l['dpllPin'], EMPTY_BYTES);
  t.same(l['devlinkPort'], Buffer.from([9, 9]));
  const keys = Object.keys(l);
  t.same(keys.slice(keys.indexOf('unknown')), ['unknown', 'dpllPin', 'devlinkPort'], 'attributes outside the pre-shaped fields follow in wire order');

  const short = link(3, 0, (w) => {
    w.putBytes(C.IFLA_MAP, map.subarray(0, 8));
    w.putU32(C.IFLA_MAX_PACING_OFFLOAD_HORIZON, 1000);
  });
  t.same(short['map'], map.subarray(0, 8), 'a short IFLA_MAP stays raw bytes');
  t.equal(short['maxPacingOffloadHorizon'], 1000, 'a 4-byte NLA_UINT');
  t.equal(short['event'], undefined);
  t.notOk('devlinkPort' in short, 'absent attributes add no key');
  const tiny = link(4, 0, (w) => w.putBytes(C.IFLA_MAX_PACING_OFFLOAD_HORIZON, Uint8Array.of(1, 2)));
  t.equal(tiny['maxPacingOffloadHorizon'], undefined, 'shorter than 4 bytes: not stored');
  t.throws(() => link(5, 0, (w) => w.putBytes(C.IFLA_EVENT, Uint8Array.of(1, 2))), { name: 'DecodeError', message: /IFLA_EVENT payload too short/ });
});

/** A RepeatText over latin1 text that counts its decodes. */
function countingRepeatText(): { rt: RepeatText; decodes: () => number } {
  let n = 0;
  const rt = new RepeatText((b, off, len) => {
    n++;
    return b.toString('latin1', off, off + len);
  });
  return { rt, decodes: () => n };
}

t.test('RepeatText gives the text of the bytes it is handed, repeated or not', async (t) => {
  const { rt, decodes } = countingRepeatText();
  const b = Buffer.from('xxnoqueuexxnoqueuefq_codelnoqueuenoqueuf');
  t.equal(rt.get(b, 2, 7), 'noqueue');
  t.equal(rt.get(b, 11, 7), 'noqueue');
  t.equal(decodes(), 1, 'same bytes: decoded once');
  t.equal(rt.get(b, 18, 8), 'fq_codel');
  t.equal(rt.get(b, 26, 7), 'noqueue');
  t.equal(rt.get(b, 33, 7), 'noqueuf', 'same length, last byte differs');
  t.equal(rt.get(b, 33, 0), '');
  t.equal(rt.get(b, 0, 0), '');
  const long = Buffer.from('a'.repeat(40) + 'b'.repeat(40));
  t.equal(rt.get(long, 0, 40), 'a'.repeat(40), 'longer than it remembers');
  t.equal(rt.get(long, 40, 40), 'b'.repeat(40));
  t.equal(rt.get(b, 2, 7), 'noqueue');
});

t.test('RepeatText keeps two values: two alternating texts are decoded once each', async (t) => {
  const { rt, decodes } = countingRepeatText();
  const b = Buffer.from('noqueuefq_codelnoqueuenoqueuf');
  for (let i = 0; i < 4; i++) {
    t.equal(rt.get(b, 0, 7), 'noqueue');
    t.equal(rt.get(b, 7, 8), 'fq_codel');
  }
  t.equal(decodes(), 2, 'each decoded once');
  t.equal(rt.get(b, 22, 7), 'noqueuf', 'a third value, same length as one kept');
  t.equal(decodes(), 3);
  t.equal(rt.get(b, 7, 8), 'fq_codel', 'the newer of the two kept is still there');
  t.equal(decodes(), 3);
  t.equal(rt.get(b, 15, 7), 'noqueue', 'the older one was replaced');
  t.equal(decodes(), 4);
  t.equal(rt.get(b, 0, 0), '');
  t.equal(rt.get(b, 3, 0), '');
  t.equal(decodes(), 5, 'empty text decoded once');
});

t.test('qdisc, broadcast and kind are right from link to link as they change and repeat', async (t) => {
  const specs = [
    { qdisc: 'noqueue', brd: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff], kind: 'veth' },
    { qdisc: 'noqueue', brd: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff], kind: 'veth' },
    { qdisc: 'fq_codel', brd: [0xff, 0xff, 0xff, 0xff, 0xff, 0xfe], kind: 'bridge' },
    { qdisc: 'noqueue', brd: [0, 0, 0, 0, 0, 0], kind: 'veth' },
    { qdisc: 'noqueuf', brd: [0, 0, 0, 0], kind: 'vethx' },
    { qdisc: 'x'.repeat(40), brd: new Array(40).fill(0xab), kind: 'k'.repeat(40) },
    { qdisc: 'x'.repeat(40), brd: new Array(40).fill(0xab), kind: 'k'.repeat(40) },
    { qdisc: 'noqueue', brd: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff], kind: 'veth' },
  ];
  for (const [i, s] of specs.entries()) {
    const l = link(i + 2, 0, (w) => {
      w.putStrz(C.IFLA_QDISC, s.qdisc);
      w.putBytes(C.IFLA_BROADCAST, Uint8Array.from(s.brd));
      const li = w.nestStart(C.IFLA_LINKINFO);
      w.putStrz(C.IFLA_INFO_KIND, s.kind);
      w.putStrz(C.IFLA_INFO_SLAVE_KIND, s.kind);
      w.nestEnd(li);
    });
    t.equal(l.qdisc, s.qdisc, `link ${i}: qdisc`);
    t.equal(l.broadcast, s.brd.map((x) => x.toString(16).padStart(2, '0')).join(':'), `link ${i}: broadcast`);
    t.equal(l.kind, s.kind, `link ${i}: kind`);
    t.equal(l.linkinfo?.kind, s.kind);
    t.equal(l.linkinfo?.slaveKind, s.kind);
  }
});

t.test('hardware addresses of every length format as lowercase colon hex, every byte value included', async (t) => {
  const hex = (b: number[]) => b.map((x) => x.toString(16).padStart(2, '0')).join(':');
  const cases: number[][] = [[], [0xab], [10, 0, 0, 1], [0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], new Array(40).fill(0x5a)];
  for (let v = 0; v < 256; v += 6) cases.push([v, v + 1, v + 2, v + 3, v + 4, v + 5].map((x) => x & 0xff));
  cases.push([0xff, 0xff, 0xff, 0xff, 0xff, 0xff], [0, 0, 0, 0, 0, 0], [0xa0, 0x0b, 0xc9, 0xd0, 0x0e, 0xf1]);
  for (const c of cases) {
    const l = link(2, 0, (w) => {
      w.putBytes(C.IFLA_ADDRESS, Uint8Array.from(c));
      w.putBytes(C.IFLA_PERM_ADDRESS, Uint8Array.from(c));
      w.putBytes(C.IFLA_BROADCAST, Uint8Array.from(c));
    });
    t.equal(l.address, hex(c), `address ${hex(c)}`);
    t.equal(l.permaddr, hex(c));
    t.equal(l.broadcast, hex(c));
  }
});

t.test('interface names of every length, ASCII or not, with or without their NUL, decode as UTF-8', async (t) => {
  const names = ['', 'a', 'lo', 'eth0', 'a999', 'veth1234abc', 'veth1234abcd', 'veth1234abcde', 'br-0123456789a', 'x'.repeat(15), 'ñ', 'vé', 'ab\u00ffcd', 'd€v', 'k\u{1f600}'];
  for (const n of names) {
    const withNul = link(2, 0, (w) => w.putStrz(C.IFLA_IFNAME, n));
    t.equal(withNul.name, n, `${JSON.stringify(n)} (${Buffer.byteLength(n)} bytes)`);
    const bare = link(2, 0, (w) => w.putBytes(C.IFLA_IFNAME, Buffer.from(n, 'utf8')));
    t.equal(bare.name, n, `${JSON.stringify(n)} without a NUL`);
  }
  const bad = link(2, 0, (w) => w.putBytes(C.IFLA_IFNAME, Uint8Array.of(0x61, 0xc3, 0x62, 0)));
  t.equal(bad.name, Buffer.from([0x61, 0xc3, 0x62]).toString('utf8'), 'invalid UTF-8 decodes as Buffer#toString does');
});

t.test('flag names for every combination of the common bits, each call a new array', async (t) => {
  // ip's order (print_link_flags), NO-CARRIER first when up without IFF_RUNNING.
  const ORDER: [number, string][] = [
    [C.IFF_LOOPBACK, 'LOOPBACK'], [C.IFF_BROADCAST, 'BROADCAST'], [C.IFF_POINTOPOINT, 'POINTOPOINT'],
    [C.IFF_MULTICAST, 'MULTICAST'], [C.IFF_NOARP, 'NOARP'], [C.IFF_ALLMULTI, 'ALLMULTI'], [C.IFF_PROMISC, 'PROMISC'],
    [C.IFF_UP, 'UP'], [C.IFF_LOWER_UP, 'LOWER_UP'],
  ];
  const bits = [...ORDER.map(([b]) => b), C.IFF_RUNNING];
  let n = 0;
  for (let m = 0; m < 1 << bits.length; m++) {
    let flags = 0;
    bits.forEach((b, i) => { if (m & (1 << i)) flags |= b; });
    const want = [...(flags & C.IFF_UP && !(flags & C.IFF_RUNNING) ? ['NO-CARRIER'] : []), ...ORDER.filter(([b]) => flags & b).map(([, s]) => s)];
    const a = flagNames(flags);
    if (a.join() !== want.join()) t.fail(`0x${flags.toString(16)}: ${a.join()} != ${want.join()}`);
    a.push('MINE');
    if (flagNames(flags).join() !== want.join()) t.fail(`0x${flags.toString(16)}: changed by a caller`);
    n++;
  }
  t.equal(n, 1024, 'every combination compared');
});

t.test('interface names: right for many names, repeated, colliding, long, empty and UTF-8', async (t) => {
  const named = (name: Buffer) => link(2, 0, (w) => w.putBytes(C.IFLA_IFNAME, name)).name;
  const names: Buffer[] = [];
  // More names than the cache has slots, so that slots collide and are replaced.
  for (let i = 0; i < 5000; i++) names.push(Buffer.from(`veth${i.toString(16).padStart(8, '0')}\0`));
  for (const s of ['', 'a', 'eth0', 'abcdefghijklmno', 'abcdefghijklmnop', 'abcdefghijklmnopqrstu', 'éth0', 'ü', 'lo']) {
    names.push(Buffer.from(`${s}\0`), Buffer.from(s), Buffer.from(`${s}\0\0\0`));
  }
  names.push(Buffer.from([0x61, 0xff, 0x62, 0])); // not UTF-8: as strz decodes it
  let bad = 0;
  for (let round = 0; round < 3; round++) {
    for (const b of round === 1 ? [...names].reverse() : names) {
      let e = b.length;
      while (e > 0 && b[e - 1] === 0) e--;
      const want = b.toString('utf8', 0, e);
      if (named(b) !== want) {
        bad++;
        if (bad < 5) t.fail(`round ${round}: ${b.toString('hex')}`);
      }
    }
  }
  t.equal(bad, 0, `${names.length * 3} names decoded`);
  // Names in the same slot: same length, differing in their last byte only, or in their
  // first; decoded in turn, each replacing the other.
  const slotOf = (s: string): number => nameSlot(Buffer.from(s), 0, Buffer.byteLength(s));
  const twin = (base: string, at: number): string | undefined => {
    for (let c = 0x21; c < 0x7f; c++) {
      const other = base.slice(0, at) + String.fromCharCode(c) + base.slice(at + 1);
      if (other !== base && slotOf(other) === slotOf(base)) return other;
    }
    return undefined;
  };
  let pairs = 0;
  for (let i = 0; i < 3000 && pairs < 6; i++) {
    const base = `veth${i.toString(16).padStart(8, '0')}`;
    for (const at of [base.length - 1, 0]) {
      const other = twin(base, at);
      if (other === undefined) continue;
      pairs++;
      for (const s of [base, other, base, other]) t.equal(named(Buffer.from(`${s}\0`)), s, `same slot: ${s}`);
    }
  }
  t.ok(pairs >= 2, `${pairs} pairs of names in one slot`);
});

t.test('MAC addresses: right for many addresses, repeated and colliding, and other lengths', async (t) => {
  const withMac = (b: Uint8Array) => link(2, 0, (w) => {
    w.putBytes(C.IFLA_ADDRESS, b);
    w.putBytes(C.IFLA_PERM_ADDRESS, b);
  });
  const want = (b: Uint8Array): string => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
  const macs: Uint8Array[] = [new Uint8Array(6), new Uint8Array(6).fill(0xff), Uint8Array.of(0, 0, 0, 0, 0xff, 0xff), Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0, 0)];
  for (let i = 0; i < 5000; i++) macs.push(Uint8Array.from({ length: 6 }, (_, j) => (j < 2 ? 0x02 : (i * 2654435761) >>> (8 * (j - 2))) & 0xff));
  macs.push(Uint8Array.of(1, 2, 3, 4), Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), new Uint8Array(0), new Uint8Array(20).fill(7));
  let bad = 0;
  for (let round = 0; round < 3; round++) {
    for (const b of round === 1 ? [...macs].reverse() : macs) {
      const l = withMac(b);
      if (l.address !== want(b) || l.permaddr !== want(b)) {
        bad++;
        if (bad < 5) t.fail(`round ${round}: ${want(b)}: ${l.address} / ${l.permaddr}`);
      }
    }
  }
  t.equal(bad, 0, `${macs.length * 3} addresses decoded`);
  // MACs in the same slot that share their first four bytes, or their last two.
  const lo = (b: Uint8Array): number => b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24);
  const hi = (b: Uint8Array): number => b[4]! | (b[5]! << 8);
  const found = { lo: 0, hi: 0 };
  const base = Uint8Array.of(0x02, 0x42, 0xac, 0x11, 0x00, 0x02);
  for (let v = 0; v < 1 << 16 && (found.lo < 2 || found.hi < 2); v++) {
    const sameLo = Uint8Array.of(base[0]!, base[1]!, base[2]!, base[3]!, v & 0xff, v >> 8);
    const sameHi = Uint8Array.of(v & 0xff, v >> 8, 0x11, 0x22, base[4]!, base[5]!);
    for (const [key, b] of [['lo', sameLo], ['hi', sameHi]] as const) {
      if (found[key] >= 2 || macSlot(lo(b), hi(b)) !== macSlot(lo(base), hi(base)) || want(b) === want(base)) continue;
      found[key]++;
      for (const m of [base, b, base, b]) t.equal(withMac(m).address, want(m), `same slot, same ${key} word: ${want(m)}`);
    }
  }
  t.ok(found.lo >= 1 && found.hi >= 1, `colliding MACs found (${found.lo} sharing the first four bytes, ${found.hi} the last two)`);
});

t.test('IFLA_XDP: the no-program shape as a literal, anything else through the table, the same result', async (t) => {
  /** IFLA_XDP's payload bytes (nested attributes), decoded by decodeLink and by the table. */
  const both = (payload: Buffer): { fast: unknown; table: unknown } => {
    const fast = link(2, 0, (w) => w.putBytes(C.IFLA_XDP, payload))['xdp'];
    const v = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    let table: unknown;
    try {
      table = IFLA_XDP_TABLE.decode(payload, v, 0, payload.length, ['x']);
    } catch (e) {
      table = `throws ${(e as Error).name}`;
    }
    return { fast, table };
  };
  const attr = (len: number, type: number, value: number[]): Buffer => {
    const b = Buffer.alloc((len + 3) & ~3);
    b.writeUInt16LE(len, 0);
    b.writeUInt16LE(type, 2);
    Buffer.from(value).copy(b, 4);
    return b;
  };
  const cases: [string, Buffer][] = [
    ['attached 0 (no program)', attr(5, C.IFLA_XDP_ATTACHED, [0])],
    ['attached 3', attr(5, C.IFLA_XDP_ATTACHED, [3])],
    ['attached with nla_len 6', attr(6, C.IFLA_XDP_ATTACHED, [1, 9])],
    ['attached with nla_len 8', attr(8, C.IFLA_XDP_ATTACHED, [1, 9, 9, 9])],
    ['attached with NLA_F_NET_BYTEORDER', attr(5, C.IFLA_XDP_ATTACHED | 0x4000, [1])],
    ['attached with NLA_F_NESTED', attr(5, C.IFLA_XDP_ATTACHED | 0x8000, [1])],
    ['attached and a program id', Buffer.concat([attr(5, C.IFLA_XDP_ATTACHED, [1]), attr(8, C.IFLA_XDP_PROG_ID, [42, 0, 0, 0])])],
    ['a program id alone', attr(8, C.IFLA_XDP_PROG_ID, [7, 0, 0, 0])],
    ['empty', Buffer.alloc(0)],
  ];
  for (const [name, payload] of cases) {
    const r = both(payload);
    t.strictSame(r.fast, r.table, name);
  }
  t.strictSame(both(cases[0]![1]).fast, { attached: 0 });
  const a = both(cases[0]![1]).fast;
  const b = both(cases[0]![1]).fast;
  t.not(a, b, 'each link its own object');
});

t.test('vxlan ttlInherit: read from its byte (none: set), written as a flag only when true', async (t) => {
  const withTtlInherit = (payload: number[] | undefined) => link(2, 0, (w) => {
    const li = w.nestStart(C.IFLA_LINKINFO);
    w.putStrz(C.IFLA_INFO_KIND, 'vxlan');
    const d = w.nestStart(C.IFLA_INFO_DATA);
    if (payload) w.putBytes(C.IFLA_VXLAN_TTL_INHERIT, Uint8Array.from(payload));
    w.nestEnd(d);
    w.nestEnd(li);
  }).linkinfo?.data as Record<string, unknown> | undefined;
  t.equal(withTtlInherit([0])?.['ttlInherit'], false, 'u8 0');
  t.equal(withTtlInherit([1])?.['ttlInherit'], true, 'u8 1');
  t.equal(withTtlInherit([])?.['ttlInherit'], true, 'no payload (a flag)');
  t.equal(withTtlInherit(undefined)?.['ttlInherit'], undefined, 'absent');
  const enc = (v: boolean): string => {
    const w = new MessageWriter();
    w.begin(C.RTM_NEWLINK, 0, 1);
    VXLAN_DATA.encode(w, { ttlInherit: v });
    return Buffer.from(w.finish()).subarray(16).toString('hex');
  };
  t.equal(enc(false), '', 'false: nothing written');
  t.equal(enc(true), `0400${(C.IFLA_VXLAN_TTL_INHERIT).toString(16).padStart(2, '0')}00`, 'true: a flag, no payload');
});

t.test('vxlan portRange: { low, high } both ways (two __be16, as ip -j -d prints port_range), checked before anything is written', async (t) => {
  const enc = (portRange: unknown): Buffer => {
    const w = new MessageWriter();
    w.begin(C.RTM_NEWLINK, 0, 1);
    VXLAN_DATA.encode(w, { portRange } as never, 'data.');
    return Buffer.from(w.finish()).subarray(16);
  };
  const type = C.IFLA_VXLAN_PORT_RANGE.toString(16).padStart(2, '0');
  // srcport 1000 2000: 0x03e8 0x07d0, network order.
  t.equal(enc({ low: 1000, high: 2000 }).toString('hex'), `0800${type}0003e807d0`, 'low then high, big-endian');
  t.equal(enc({ low: 0, high: 65535 }).toString('hex'), `0800${type}000000ffff`, 'the whole range');
  const decoded = (bytes: number[]) => link(2, 0, (w) => {
    const li = w.nestStart(C.IFLA_LINKINFO);
    w.putStrz(C.IFLA_INFO_KIND, 'vxlan');
    const d = w.nestStart(C.IFLA_INFO_DATA);
    w.putBytes(C.IFLA_VXLAN_PORT_RANGE, Uint8Array.from(bytes));
    w.nestEnd(d);
    w.nestEnd(li);
  }).linkinfo?.data as Record<string, unknown> | undefined;
  t.strictSame(decoded([0x03, 0xe8, 0x07, 0xd0])?.['portRange'], { low: 1000, high: 2000 }, 'decoded to numbers');
  t.strictSame(decoded([0xff, 0xff, 0xff, 0xff])?.['portRange'], { low: 65535, high: 65535 });
  t.strictSame(decoded([...enc({ low: 40000, high: 50000 }).subarray(4)])?.['portRange'], { low: 40000, high: 50000 }, 'round trip');
  for (const [what, bad, message] of [
    ['low above high', { low: 2000, high: 1000 }, /low 2000 is above high 1000/],
    ['raw bytes (the old form)', new Uint8Array([3, 232, 7, 208]), /expected \{ low, high \}/],
    ['a port above 65535', { low: 1, high: 65536 }, /high must be a port in 0\.\.65535, got 65536/],
    ['a negative port', { low: -1, high: 5 }, /low must be a port/],
    ['a fraction', { low: 1.5, high: 5 }, /low must be a port/],
    ['a missing bound', { low: 1000 }, /high must be a port in 0\.\.65535, got undefined/],
    ['a string', { low: '1000', high: 2000 }, /low must be a port/],
    ['null', null, /expected \{ low, high \}/],
  ] as const) {
    let err: unknown;
    try {
      enc(bad);
    } catch (e) {
      err = e;
    }
    t.ok(err instanceof InvalidArgumentError, `${what}: refused`);
    t.equal((err as InvalidArgumentError).argument, 'data.portRange', `${what}: names data.portRange`);
    t.match((err as Error).message, message, what);
  }
});
