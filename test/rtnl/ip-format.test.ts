// formatIp must write an IPv6 address as `ip` does (glibc's inet_ntop): lowercase, the
// first longest run of two or more zero groups as '::', the last 32 bits dotted where
// inet_ntop dots them (::ffff:a.b.c.d; ::a.b.c.d when the seventh group is not zero).
// The oracle is `ip` itself: routes to many addresses made in a throwaway netns, printed
// by `ip -j` and decoded by rt.route.list(). (An `ip` built on musl would differ: musl
// dots only the ::ffff: form.)
import t from 'tap';
import { Rtnl } from '../../src/rtnl/index.js';
import { formatIp, parseIp } from '../../src/rtnl/ip.js';
import { inNs, ipJson, privileged, rawNetns } from '../helpers.js';

/** [as written, as `ip` prints it] (the unicast ones but :: and ::1 also checked against ip by the privileged test below). */
const KNOWN: readonly (readonly [string, string])[] = [
  ['::', '::'],
  ['::1', '::1'],
  ['1::', '1::'],
  ['2001:DB8::1', '2001:db8::1'],
  ['fe80::1', 'fe80::1'],
  ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
  ['1:0:2:3:4:5:6:7', '1:0:2:3:4:5:6:7'], // one zero group is not compressed
  ['1:0:0:2:0:0:0:3', '1:0:0:2::3'], // the longest run
  ['1:0:0:2:0:0:3:4', '1::2:0:0:3:4'], // the first of two equal runs
  ['0:0:1::', '0:0:1::'], // the longer run wins, after a shorter one
  ['0:0:1:2:3:4:0:0', '::1:2:3:4:0:0'], // the first of two equal runs, the second ending the address
  ['1:0:0:2:3:4:0:0', '1::2:3:4:0:0'],
  ['::0.0.1.2', '::102'], // six zero groups but the seventh zero too: not dotted
  ['64:ff9b::1.2.3.4', '64:ff9b::102:304'], // NAT64: not dotted
  ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
  ['::ffff:0:0', '::ffff:0.0.0.0'],
  ['::ffff:1:2', '::ffff:0.1.0.2'],
  ['::1.2.3.4', '::1.2.3.4'],
  ['::6:b', '::0.6.0.11'],
  ['::ffff:ffff', '::255.255.255.255'],
  ['::1:0:0:0', '::1:0:0:0'],
  ['0:0:0:0:0:1:0:0', '::1:0:0'],
  ['ffff::ffff:1:2', 'ffff::ffff:1:2'],
  ['abcd:ef01:2345:6789:abcd:ef01:2345:6789', 'abcd:ef01:2345:6789:abcd:ef01:2345:6789'],
  ['1:2:3:4:5:6:0:0', '1:2:3:4:5:6::'],
  ['0:0:0:0:0:0:0:1', '::1'],
];

t.test('IPv6 addresses are written as ip writes them', async (t) => {
  for (const [written, want] of KNOWN) {
    const b = parseIp(written, 'a').bytes;
    t.equal(formatIp(b), want, written);
    // At an offset inside a larger buffer, as the decoders call it.
    const big = new Uint8Array(40).fill(0xee);
    big.set(b, 11);
    t.equal(formatIp(big, 11, 16), want, `${written} at an offset`);
  }
});

/** Addresses with many zero groups, 0xffff groups and short groups: the cases that differ. */
function randomV6(): Uint8Array {
  const b = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const r = Math.random();
    const v = r < 0.5 ? 0 : r < 0.6 ? 0xffff : r < 0.8 ? Math.floor(Math.random() * 16) : Math.floor(Math.random() * 65536);
    b[i * 2] = v >> 8;
    b[i * 2 + 1] = v & 0xff;
  }
  return b;
}

t.test('IPv6 text parses back to the same bytes', async (t) => {
  let bad = 0;
  for (let k = 0; k < 20000; k++) {
    const b = randomV6();
    const s = formatIp(b);
    const back = parseIp(s, 'a').bytes;
    if (Buffer.compare(Buffer.from(back), Buffer.from(b)) !== 0) {
      bad++;
      if (bad < 5) t.fail(`${Buffer.from(b).toString('hex')} -> ${s} -> ${Buffer.from(back).toString('hex')}`);
    }
  }
  t.equal(bad, 0, '20000 addresses');
});

t.test('IPv6 route destinations: the same text as ip -j, for known and random addresses', privileged, async (t) => {
  const ns = rawNetns();
  const rt = Rtnl.open({ netns: ns.fd });
  t.teardown(() => {
    rt.close();
    ns.close();
  });
  inNs(ns.path, 'ip', ['link', 'set', 'lo', 'up']);
  const addrs = new Set<string>(KNOWN.map(([, want]) => want).filter((a) => a !== '::' && a !== '::1'));
  while (addrs.size < 300) addrs.add(formatIp(randomV6()));
  addrs.delete('::');
  addrs.delete('::1');
  // ff00::/8 multicast destinations go to table local's multicast handling; keep unicast.
  const wanted = [...addrs].filter((a) => !/^ff[0-9a-f]{2}:/.test(a));
  inNs(ns.path, 'ip', ['-6', '-batch', '-'], wanted.map((a) => `route add ${a}/128 dev lo`).join('\n') + '\n');
  const fromIp = ipJson<{ dst: string }[]>(ns.path, ['-6', 'route', 'show']).map((r) => r.dst.replace(/\/128$/, ''));
  const fromNlkit = (await rt.route.list({ family: 6 })).filter((r) => r.table === 'main').map((r) => r.dst.replace(/\/128$/, ''));
  const only = (xs: string[]): string[] => xs.filter((x) => wanted.includes(x)).sort();
  t.same(wanted.filter((a) => !fromIp.includes(a)), [], `ip lists all ${wanted.length} routes under the text nlkit wrote`);
  t.same(only(fromNlkit), only(fromIp), 'nlkit decodes every destination to the same text as ip');
});
