// rt.addr's one-pass IPv4 prefix parser must accept exactly what parsePrefix accepts
// for IPv4, with the same result, and leave everything else to parsePrefix.
import t from 'tap';
import { parseV4PrefixFast } from '../../src/rtnl/addr/api.js';
import { parsePrefix } from '../../src/rtnl/ip.js';

function general(s: string): string {
  try {
    const p = parsePrefix(s, 'address');
    return p.family === 4 ? JSON.stringify({ family: p.family, bytes: [...p.bytes], prefixLen: p.prefixLen }) : 'v6';
  } catch {
    return 'error';
  }
}

function fast(s: string): string | undefined {
  const p = parseV4PrefixFast(s);
  return p && JSON.stringify({ family: p.family, bytes: [...p.bytes], prefixLen: p.prefixLen });
}

t.test('one-pass IPv4 prefix parser: same result as parsePrefix, or hands over', async (t) => {
  const cases = [
    '10.1.0.2/24', '10.1.0.2', '0.0.0.0/0', '255.255.255.255/32', '198.18.3.250/32', '1.2.3.4/032', '1.2.3.4/000',
    '1.2.3.4/33', '1.2.3.4/', '1.2.3.4/1234', '1.2.3.4/x', '1.2.3.4/3x', '01.2.3.4', '1.2.3.04/8', '1.2.3.00', '256.1.1.1',
    '1.2.3', '1.2.3.4.5', '1.2.3.4 ', ' 1.2.3.4', '1..2.3', '.1.2.3', '1.2.3.', '', '/', '1.2.3.4//8', '1.2.3.٤',
    '1.2.3.4/+8', '1.2.3.4/-1', '2001:db8::1/64', '::ffff:1.2.3.4', '1.2.3.4%eth0', '1000.2.3.4', '1.2.3.4/8/8',
  ];
  // Random strings over the characters that matter.
  let seed = 7;
  const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  const alphabet = '0123456789./:a ';
  for (let i = 0; i < 20000; i++) {
    let s = '';
    const len = 1 + rnd(18);
    for (let k = 0; k < len; k++) s += alphabet[rnd(alphabet.length)];
    cases.push(s);
  }
  for (let i = 0; i < 5000; i++) cases.push(`${rnd(300)}.${rnd(300)}.${rnd(300)}.${rnd(300)}${rnd(3) ? `/${rnd(40)}` : ''}`);
  let accepted = 0;
  for (const s of cases) {
    const f = fast(s);
    const g = general(s);
    if (f === undefined) {
      if (g !== 'error' && g !== 'v6') t.fail(`handed over an IPv4 prefix parsePrefix accepts: '${s}' → ${g}`);
      continue;
    }
    accepted++;
    if (f !== g) t.fail(`'${s}': fast ${f}, parsePrefix ${g}`);
  }
  t.ok(accepted > 1000, `${accepted} of ${cases.length} parsed in one pass, all equal to parsePrefix`);
});
