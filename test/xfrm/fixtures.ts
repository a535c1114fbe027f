// The byte-level oracle of the xfrm tests: `ip xfrm` requests captured by
// scripts/capture-xfrm-fixtures.py (test/fixtures/xfrm/ip-requests.json, each with the
// command that produced it), and the nlkit call that must send the same bytes.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { xfrmRequestBytes } from '../../src/xfrm/xfrm.js';

export const K16 = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
export const K32 = '0x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';
export const K20 = '0x00112233445566778899aabbccddeeff01020304';

interface Fixture { command: string; exitCode: number; ipSaid: string; hex: string }
export const FIXTURES: { iproute2: string; kernel: string; cases: Record<string, Fixture> } = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../../test/fixtures/xfrm/ip-requests.json', import.meta.url)), 'utf8'),
);

type Kind = Parameters<typeof xfrmRequestBytes>[1];
/** Each captured `ip xfrm` command as nlkit's call: the request kind and its argument. */
export const CASES: Record<string, [Kind, unknown]> = {
  'state-add-esp-tunnel-cbc-aes-hmac-sha256': ['newsa', {
    src: '192.0.2.1', dst: '192.0.2.2', proto: 'esp', spi: 0x1000, reqid: 7, mode: 'tunnel', replayWindow: 32,
    algorithms: { crypt: { name: 'cbc(aes)', key: K16 }, auth: { name: 'hmac(sha256)', key: K32, truncLen: 128 } },
  }],
  'state-add-esp-aead-rfc4106': ['newsa', { src: '192.0.2.1', dst: '192.0.2.2', proto: 'esp', spi: 0x2000, mode: 'transport', algorithms: { aead: { name: 'rfc4106(gcm(aes))', key: K20, icvLen: 128 } } }],
  'state-add-esp-in-udp': ['newsa', {
    src: '192.0.2.1', dst: '192.0.2.2', proto: 'esp', spi: 0x2001, mode: 'tunnel',
    algorithms: { crypt: { name: 'cbc(aes)', key: K16 }, auth: { name: 'hmac(sha256)', key: K32, truncLen: 128 } },
    encap: { type: 'espinudp', sport: 4500, dport: 4501, oa: '0.0.0.0' },
  }],
  'state-add-mark-if-id-output-mark': ['newsa', {
    src: '192.0.2.1', dst: '192.0.2.2', proto: 'esp', spi: 0x2002, mode: 'tunnel', reqid: 9, algorithms: { aead: { name: 'rfc4106(gcm(aes))', key: K20, icvLen: 128 } },
    mark: { value: 7, mask: 0xff }, outputMark: { value: 9, mask: 0xf }, ifId: 42,
  }],
  'state-add-ipv6-tunnel-selector': ['newsa', {
    src: '2001:db8::1', dst: '2001:db8::2', proto: 'esp', spi: 0x3000, mode: 'tunnel', reqid: 1,
    selector: { src: '2001:db8:1::/64', dst: '2001:db8:2::/64', proto: 'tcp', dport: 443 }, algorithms: { aead: { name: 'rfc4106(gcm(aes))', key: K20, icvLen: 96 } },
  }],
  'state-add-esn-limits-flags': ['newsa', {
    src: '192.0.2.1', dst: '192.0.2.2', proto: 'esp', spi: 0x3001, mode: 'transport', replayWindow: 128, replay: { seq: 5, oseq: 9 }, flags: ['noecn', 'esn'],
    extraFlags: ['dont-encap-dscp'], lifetime: { softAddSeconds: 600, hardAddSeconds: 900, hardBytes: 1000000n },
    algorithms: { crypt: { name: 'cbc(aes)', key: K32 }, auth: { name: 'hmac(sha1)', key: '0x0011223344556677889900112233445566778899' } },
  }],
  'state-add-replay-counters': ['newsa', { src: '192.0.2.1', dst: '192.0.2.2', proto: 'esp', spi: 0x3002, replayWindow: 16, replay: { seq: 3, oseq: 4 }, algorithms: { crypt: { name: 'cbc(aes)', key: K16 } } }],
  'state-add-ah': ['newsa', { src: '192.0.2.1', dst: '192.0.2.2', proto: 'ah', spi: 0x4000, mode: 'transport', algorithms: { auth: { name: 'hmac(sha256)', key: K32, truncLen: 96 } } }],
  'state-add-comp': ['newsa', { src: '192.0.2.1', dst: '192.0.2.2', proto: 'comp', spi: 0x4, mode: 'tunnel', algorithms: { comp: { name: 'deflate' } } }],
  'state-update-esp': ['updsa', { src: '192.0.2.1', dst: '192.0.2.2', proto: 'esp', spi: 0x1000, reqid: 8, mode: 'tunnel', algorithms: { crypt: { name: 'cbc(aes)', key: K16 } } }],
  'state-allocspi': ['allocspi', { src: '192.0.2.1', dst: '192.0.2.2', proto: 'esp', mode: 'tunnel', reqid: 5, mark: { value: 7, mask: 0xff }, min: 0x100, max: 0x200 }],
  'state-allocspi-seq': ['allocspi', { src: '192.0.2.1', dst: '192.0.2.2', proto: 'esp', seq: 3 }],
  'state-allocspi-ipv6-comp': ['allocspi', { src: '2001:db8::1', dst: '2001:db8::2', proto: 'comp' }],
  'state-get-by-id': ['getsa', { src: '192.0.2.1', dst: '192.0.2.2', proto: 'esp', spi: 0x1000, mark: { value: 7, mask: 0xff } }],
  'state-delete-by-id': ['delsa', { dst: '2001:db8::2', proto: 'esp', spi: 0x3000 }],
  'policy-add-tunnel-mark-if-id': ['newpolicy', {
    selector: { src: '10.0.0.0/24', dst: '10.1.0.0/24', proto: 'tcp', dport: 80 }, dir: 'out', priority: 100, mark: { value: 7, mask: 0xff }, ifId: 5,
    templates: [{ src: '192.0.2.1', dst: '192.0.2.2', proto: 'esp', reqid: 3, mode: 'tunnel' }],
  }],
  'policy-add-ipv6-block-index': ['newpolicy', {
    selector: { src: '2001:db8::/64', dst: '::/0' }, dir: 'in', action: 'block', index: 8, ptype: 'sub', flags: ['localok', 'icmp'],
    lifetime: { hardAddSeconds: 60, softPackets: 10 },
  }],
  // `dev lo` is ifindex 1 in ip's fresh netns; the live test resolves the name.
  'policy-add-icmp-dev-transport': ['newpolicy', {
    selector: { src: '10.0.0.0/24', dst: '10.1.0.0/24', proto: 'icmp', type: 8, code: 0, dev: 1 }, dir: 'fwd',
    templates: [{ proto: 'ah', mode: 'transport', level: 'use', reqid: 2 }],
  }],
  'policy-update-two-templates': ['updpolicy', {
    selector: { src: '10.0.0.1', dst: '10.0.0.2' }, dir: 'out', priority: 5,
    templates: [{ proto: 'comp', mode: 'transport' }, { src: '192.0.2.1', dst: '192.0.2.2', proto: 'esp', spi: 0x10, mode: 'tunnel' }],
  }],
  'policy-get-by-selector': ['getpolicy', { selector: { src: '10.0.0.0/24', dst: '10.1.0.0/24', proto: 'tcp', dport: 80 }, dir: 'out', mark: { value: 7, mask: 0xff }, ifId: 5 }],
  'policy-get-by-index': ['getpolicy', { index: 9, dir: 'out' }],
  'policy-delete-by-selector': ['delpolicy', { selector: { src: '2001:db8::/64', dst: '::/0' }, dir: 'in', ptype: 'sub' }],
};

/**
 * Where nlkit differs from ip on purpose: ip writes an allocspi's `seq` big-endian
 * (iproute2's xfrm_seq_parse is get_be32), but the kernel reads xfrm_usersa_info.seq in
 * host order (xfrm_alloc_userspi matches it against the ACQUIRE's km.seq, which the
 * ACQUIRE message carries in host order): nlkit's `seq: 3` is the kernel's 3.
 * Byte offset in the message, ip's bytes and nlkit's.
 */
export const DIFFERENCES: Record<string, { offset: number; ip: string; nlkit: string }> = {
  'state-allocspi-seq': { offset: 16 + 204 /* nlmsghdr + OFF_XFRM_USERSA_INFO_SEQ */, ip: '00000003', nlkit: '03000000' },
};

/** A request's bytes with nlmsg_seq zeroed (the fixtures' is; ip's was time(NULL)). */
export function withoutSeq(b: Uint8Array): string {
  const c = Buffer.from(b);
  c.writeUInt32LE(0, 8);
  return c.toString('hex');
}

/** Hex of two requests side by side where they differ, for a failure message. */
export function diff(ours: string, theirs: string): string {
  const out: string[] = [];
  for (let i = 0; i < Math.max(ours.length, theirs.length); i += 32) {
    const a = ours.slice(i, i + 32);
    const b = theirs.slice(i, i + 32);
    if (a !== b) out.push(`@${(i / 2).toString(16).padStart(4, '0')} nlkit ${a} ip ${b}`);
  }
  return out.slice(0, 8).join('\n');
}

