// IPsec states (SAs) through NETLINK_XFRM, live in a fresh netns. This kernel (6.18 here)
// has CONFIG_XFRM_USER but no ESP, AH or IPComp: it refuses every state after reading it
// (EPROTONOSUPPORT "Requested type not found", or ENOSYS for an AEAD algorithm its crypto
// API lacks). So: the handle's requests are compared byte for byte with `ip xfrm state`'s
// (test/fixtures/xfrm), the kernel's refusal is checked to be reported clearly, and the
// live round trips (add, get, list against `ip -s xfrm state list`, update, del, flush)
// are skipped by that answer — on a kernel with ESP they run.
import t from 'tap';
import { InvalidArgumentError, NetlinkError, Xfrm, type XfrmAllocSpiSpec, type XfrmState, type XfrmStateSpec } from '../../src/index.js';
import { ip, privileged, rawNetns } from '../helpers.js';
import { CASES, DIFFERENCES, FIXTURES, K16, K32, diff, withoutSeq } from './fixtures.js';
import { parseIpStates, stateAsIpLines, stateHead } from './ip-text.js';

function fixture(t: { teardown(fn: () => void): void }): { ns: ReturnType<typeof rawNetns>; xf: Xfrm } {
  const ns = rawNetns();
  const xf = Xfrm.open({ netns: ns.fd });
  t.teardown(() => {
    xf.close();
    ns.close();
  });
  return { ns, xf };
}

const err = async (p: Promise<unknown>): Promise<Error | undefined> => p.then(() => undefined, (x: Error) => x);
/** The last request the handle sent, from its socket's writer (seq zeroed). */
const lastSent = (xf: Xfrm): string => withoutSeq(xf.sock.writer.buf.subarray(0, xf.sock.writer.buf.readUInt32LE(0)));

const ESP_TUNNEL: XfrmStateSpec = {
  src: '192.0.2.1', dst: '192.0.2.2', proto: 'esp', spi: 0x1000, reqid: 7, mode: 'tunnel', replayWindow: 32,
  algorithms: { crypt: { name: 'cbc(aes)', key: K16 }, auth: { name: 'hmac(sha256)', key: K32, truncLen: 128 } },
};

/**
 * Add a state, or say why this kernel cannot hold it: the refusal's reason when it is a
 * missing protocol or algorithm (asserted to be reported clearly), else undefined.
 */
async function addOrReason(xf: Xfrm, spec: XfrmStateSpec): Promise<string | undefined> {
  const e = await err(xf.state.add(spec));
  if (e === undefined) return undefined;
  if (!(e instanceof NetlinkError) || (e.code !== 'EPROTONOSUPPORT' && e.code !== 'ENOSYS')) throw e;
  return e.message;
}

t.test('ESP on this kernel: refused with EPROTONOSUPPORT, reported with the kernel\'s text and the missing option and module named', privileged, async (t) => {
  const { xf } = fixture(t);
  const e = await err(xf.state.add(ESP_TUNNEL));
  if (e === undefined) {
    t.comment('this kernel has ESP: the refusal is not checked (the round trips below run)');
    await xf.state.flush();
    return;
  }
  t.ok(e instanceof NetlinkError, `a NetlinkError: ${e.message}`);
  const n = e as NetlinkError;
  t.equal(n.code, 'EPROTONOSUPPORT');
  t.equal(n.extack.message, 'Requested type not found', 'the kernel\'s extended ACK text');
  t.match(n.message, /EPROTONOSUPPORT: .* — Requested type not found — this kernel has no ESP for IPv4 \(CONFIG_INET_ESP \/ the esp4 module\) \(XFRM_MSG_NEWSA esp spi 0x00001000 dst 192\.0\.2\.2\)/, 'the message names what is missing and the state');
  const v6 = await err(xf.state.add({ ...ESP_TUNNEL, src: '2001:db8::1', dst: '2001:db8::2' }));
  t.match(v6?.message, /no ESP for IPv6 \(CONFIG_INET6_ESP \/ the esp6 module\)/, 'IPv6: esp6');
  const ah = await err(xf.state.add(CASES['state-add-ah']![1] as XfrmStateSpec));
  t.match(ah?.message, /EPROTONOSUPPORT.*no AH for IPv4 \(CONFIG_INET_AH \/ the ah4 module\)/, 'AH: ah4');
  const comp = await err(xf.state.add(CASES['state-add-comp']![1] as XfrmStateSpec));
  t.match(comp?.message, /EPROTONOSUPPORT.*no IPComp for IPv4 \(CONFIG_INET_IPCOMP \/ the ipcomp module\)/, 'IPComp: ipcomp');
  const aead = await err(xf.state.add(CASES['state-add-esp-aead-rfc4106']![1] as XfrmStateSpec));
  t.ok(aead instanceof NetlinkError && (aead.code === 'ENOSYS' || aead.code === 'EPROTONOSUPPORT'), `AEAD: ${aead?.message}`);
  if (aead instanceof NetlinkError && aead.code === 'ENOSYS') t.match(aead.message, /Requested AEAD algorithm not found — xfrm has no rfc4106\(gcm\(aes\)\) for aead: .*or its crypto module is not built or not loaded/, 'a missing AEAD algorithm is named');
  t.same(await xf.state.list(), [], 'nothing was created');
});

t.test('the handle sends ip xfrm state\'s bytes for every captured state request, whatever the kernel answers', privileged, async (t) => {
  const { xf } = fixture(t);
  for (const [name, [kind, spec]] of Object.entries(CASES)) {
    if (!name.startsWith('state-')) continue;
    const s = spec as XfrmStateSpec;
    const call = kind === 'newsa' ? xf.state.add(s) : kind === 'updsa' ? xf.state.update(s) : kind === 'getsa' ? xf.state.get(s)
      : kind === 'allocspi' ? xf.state.allocSpi(spec as XfrmAllocSpiSpec) : xf.state.del(s);
    const e = await err(call);
    const sent = lastSent(xf);
    const fx = FIXTURES.cases[name]!;
    const d = DIFFERENCES[name];
    const expected = d ? fx.hex.slice(0, d.offset * 2) + d.nlkit + fx.hex.slice(d.offset * 2 + 8) : fx.hex;
    t.equal(sent, expected, `${name}: ${fx.command}${d ? ' (but for the documented difference)' : ''}${e ? ` (kernel: ${(e as NetlinkError).code})` : ''}\n${diff(sent, expected)}`);
    if (!e && kind !== 'getsa' && kind !== 'delsa') await xf.state.flush();
  }
});

t.test('flush: accepted; the request is ip\'s but for ip\'s unpadded length (17) against nlkit\'s aligned 20', privileged, async (t) => {
  const { xf } = fixture(t);
  for (const [name, opts] of [['state-flush-esp', { proto: 'esp' }], ['state-flush-all', {}]] as const) {
    await xf.state.flush(opts);
    const ours = Buffer.from(lastSent(xf), 'hex');
    const ip = Buffer.from(FIXTURES.cases[name]!.hex, 'hex');
    t.same([ours.readUInt32LE(0), ip.readUInt32LE(0)], [20, 17], `${name}: nlmsg_len, nlkit's NLMSG_ALIGNed`);
    t.equal(ours.subarray(4, 17).toString('hex'), ip.subarray(4).toString('hex'), `${name}: type, flags, seq, port and xfrm_usersa_flush.proto equal (${FIXTURES.cases[name]!.command})`);
    t.equal(ours.subarray(17).toString('hex'), '000000', `${name}: padding zeroed`);
  }
});

t.test('an algorithm the kernel does not find (ENOSYS, before any ESP): the hint names the one of the role the kernel names, and does not claim the crypto API lacks it', privileged, async (t) => {
  const { xf } = fixture(t);
  // xfrm_state_construct attaches auth before crypt: hmac(nope) is what is missing, not cbc(aes).
  const a = await err(xf.state.add({ ...ESP_TUNNEL, algorithms: { crypt: { name: 'cbc(aes)', key: K16 }, auth: { name: 'hmac(nope)', key: K32 } } }));
  t.ok(a instanceof NetlinkError && a.code === 'ENOSYS', `ENOSYS: ${a?.message}`);
  t.equal((a as NetlinkError).extack.message, 'Requested AUTH algorithm not found', 'the kernel names the role');
  t.match((a as NetlinkError).hint, /hmac\(nope\)/, 'the hint names the missing auth algorithm');
  t.notMatch((a as NetlinkError).hint, /cbc\(aes\)/, 'and not the encryption one, which the kernel found');
  // xfrm finds an algorithm in its own table (net/xfrm/xfrm_algo.c) before it asks the crypto
  // API: ecb(aes) is not an ESP cipher there, whatever /proc/crypto lists.
  const e = await err(xf.state.add({ ...ESP_TUNNEL, algorithms: { crypt: { name: 'ecb(aes)', key: K16 }, auth: { name: 'hmac(sha256)', key: K32 } } }));
  t.ok(e instanceof NetlinkError && e.code === 'ENOSYS', `ENOSYS: ${e?.message}`);
  t.match((e as NetlinkError).hint, /ecb\(aes\).*xfrm_algo/, 'the hint says xfrm may not know the name at all');
  t.same(await xf.state.list(), [], 'nothing was created');
});

t.test('get and del of a missing state: the kernel\'s ESRCH, named', privileged, async (t) => {
  const { xf } = fixture(t);
  const g = await err(xf.state.get({ dst: '192.0.2.2', proto: 'esp', spi: 0x99 }));
  t.ok(g instanceof NetlinkError && g.code === 'ESRCH', `get: ${g?.message}`);
  t.match(g?.message, /no such state .*XFRM_MSG_GETSA esp spi 0x00000099 dst 192\.0\.2\.2/);
  const d = await err(xf.state.del({ dst: '2001:db8::2', proto: 'ah', spi: 1 }));
  t.ok(d instanceof NetlinkError && d.code === 'ESRCH', `del: ${d?.message}`);
  t.match(d?.message, /XFRM_MSG_DELSA ah spi 0x00000001 dst 2001:db8::2\)/, "an IPv6 address as ip writes it");
});

t.test('allocSpi makes larval states (no transform needed): listed by nlkit as ip -s xfrm state list prints them, field by field; get, del, flush, count', privileged, async (t) => {
  const { ns, xf } = fixture(t);
  const a = await xf.state.allocSpi({ src: '192.0.2.1', dst: '192.0.2.2', proto: 'esp', mode: 'tunnel', reqid: 5, mark: { value: 7, mask: 0xff }, min: 0x100, max: 0x200 });
  t.ok(a.spi >= 0x100 && a.spi <= 0x200, `an SPI in [0x100, 0x200]: 0x${a.spi.toString(16)}`);
  t.same([a.proto, a.mode, a.reqid, a.mark, a.lifetime.hardAddSeconds], ['esp', 'tunnel', 5, { value: 7, mask: 0xff }, 30n], 'the larval state: 30 s to live');
  const b = await xf.state.allocSpi({ src: '2001:db8::1', dst: '2001:db8::2', proto: 'comp' });
  t.ok(b.spi >= 0x100 && b.spi <= 0xffff, `an IPComp CPI: 0x${b.spi.toString(16)}`);
  ip(ns.path, ['xfrm', 'state', 'allocspi', 'src', '198.51.100.1', 'dst', '198.51.100.2', 'proto', 'ah', 'reqid', '77']);
  const all = await xf.state.list();
  const theirs = parseIpStates(ip(ns.path, ['-s', 'xfrm', 'state', 'list']));
  t.equal(all.length, 3, 'three larval states');
  t.equal(theirs.length, 3, 'ip lists three');
  for (const s of all) {
    const x = theirs.find((l) => l[0] === `src ${s.src} dst ${s.dst}`);
    t.same(x?.filter((l) => !l.startsWith('add ')), stateAsIpLines(s), `${s.proto} spi 0x${s.spi.toString(16)}: field by field`);
    t.ok(s.current.addTime > 0n && x?.some((l) => l.startsWith('add ')), 'its add time');
  }
  t.same(await xf.state.get(a), all.find((s) => s.spi === a.spi), 'get of a listed state');
  t.same((await xf.state.get({ dst: '198.51.100.2', proto: 'ah', spi: all.find((s) => s.proto === 'ah')!.spi })).reqid, 77, 'get of ip\'s, by its id');
  const nomark = await err(xf.state.get({ dst: a.dst, proto: 'esp', spi: a.spi }));
  t.ok(nomark instanceof NetlinkError && nomark.code === 'ESRCH', 'a marked state is not found without its mark');
  t.same((await xf.state.list({ proto: 'comp' })).map((s) => s.family), [6], 'list({ proto }): the kernel filters');
  t.same((await xf.state.list({ dst: '192.0.2.0/24' })).map((s) => s.spi), [a.spi], 'list({ dst }): the kernel\'s address filter');
  t.same((await xf.state.list({ reqid: 77 })).map((s) => s.proto), ['ah'], 'list({ reqid })');
  t.equal((await xf.state.count()).count, 3, 'count: 3');
  await xf.state.del(a);
  t.equal(parseIpStates(ip(ns.path, ['xfrm', 'state', 'list'])).length, 2, 'del of a listed state (with its mark)');
  await xf.state.flush({ proto: 'comp' });
  t.same((await xf.state.list()).map((s) => s.proto), ['ah'], 'flush({ proto: comp }) left the AH one');
  await xf.state.flush();
  t.equal(ip(ns.path, ['xfrm', 'state', 'list']).trim(), '', 'flush()');
  const full = await err(xf.state.allocSpi({ src: '192.0.2.1', dst: '192.0.2.9', proto: 'esp', min: 0x300, max: 0x300 }).then(() => xf.state.allocSpi({ src: '192.0.2.1', dst: '192.0.2.9', proto: 'esp', min: 0x300, max: 0x300 })));
  t.ok(full instanceof NetlinkError, `a range with no free SPI: ${full?.message}`);
});

// xfrm_alloc_userspi finds or makes the larval state (xfrm_find_acq) before it looks for an
// SPI, and keeps it when none is free: `ip xfrm state allocspi` leaves the same state behind.
// It has SPI 0, so no get or del finds it; a later allocSpi of the same endpoints, proto,
// mode and reqid takes it again. The error said only 'No SPI available in the requested range'.
t.test('allocSpi with no free SPI: the larval state the kernel made stays, and the error says so', privileged, async (t) => {
  const { ns, xf } = fixture(t);
  await xf.state.allocSpi({ src: '192.0.2.1', dst: '192.0.2.2', proto: 'esp', reqid: 5, min: 0x200, max: 0x200 });
  const spec = { src: '192.0.2.1', dst: '192.0.2.3', proto: 'esp', reqid: 6 } as const;
  // This kernel (6.18) takes an SPI in use for any destination of the protocol as taken.
  const e = await err(xf.state.allocSpi({ ...spec, min: 0x200, max: 0x200 }));
  t.ok(e instanceof NetlinkError && e.code === 'ENOENT', `no free SPI: ENOENT (${e?.message})`);
  t.match(e?.message, /larval state .*stays/, 'the error says the kernel kept a larval state');
  const left = parseIpStates(ip(ns.path, ['xfrm', 'state', 'list'])).filter((l) => l[0] === 'src 192.0.2.1 dst 192.0.2.3');
  t.equal(left.length, 1, 'ip lists the state left behind');
  t.match(left[0]?.[1], /spi 0x00000000/, 'with SPI 0');
  // nlkit lists it too; del and get of the listed state cannot find it (not hashed by SPI 0).
  const listed = (await xf.state.list({ dst: '192.0.2.3' }))[0];
  t.equal(listed?.spi, 0, 'state.list shows it with SPI 0');
  const d = await err(xf.state.del(listed!));
  t.ok(d instanceof NetlinkError && d.code === 'ESRCH', `del of the listed SPI-0 state: ESRCH (${d?.message})`);
  t.match((d as NetlinkError).hint, /SPI 0.*flush/, 'the hint says why a listed state is not found, and what removes it');
  const g = await err(xf.state.get(listed!));
  t.match((g as NetlinkError).hint, /SPI 0/, 'get likewise');
  const again = await xf.state.allocSpi({ ...spec, min: 0x300, max: 0x300 });
  t.same([again.spi, (await xf.state.count()).count], [0x300, 2], 'a later allocSpi of the same endpoints, proto and reqid takes it: still two states');
});

t.test('list and count of the empty SAD, as ip sees it', privileged, async (t) => {
  const { ns, xf } = fixture(t);
  t.same(await xf.state.list(), [], 'list: none');
  t.same(await xf.state.list({ proto: 'esp', src: '10.0.0.0/8', dst: '10.0.0.0/8' }), [], 'list with the kernel-side filter (XFRMA_PROTO, XFRMA_ADDRESS_FILTER) is accepted');
  t.equal(ip(ns.path, ['xfrm', 'state', 'list']).trim(), '', 'ip: none');
  const c = await xf.state.count();
  const m = /SAD count (\d+) \(buckets count (\d+) Max (\d+)\)/.exec(ip(ns.path, ['-s', '-s', 'xfrm', 'state', 'count']))!;
  t.same([c.count, c.hashCount, c.hashMax], m.slice(1).map(Number), `count: ${m[0]}`);
});

/** Why this kernel holds no ESP state (its answer to one, in a throwaway netns), or undefined. */
async function espMissing(): Promise<string | undefined> {
  const ns = rawNetns();
  const xf = Xfrm.open({ netns: ns.fd });
  try {
    return await addOrReason(xf, ESP_TUNNEL);
  } finally {
    xf.close();
    ns.close();
  }
}
const noEsp = privileged.skip ? undefined : await espMissing();

t.test('round trip on a kernel with ESP: add, get, list against ip -s xfrm state list, update, del, flush', { skip: privileged.skip || (noEsp && `the kernel refuses ESP states: ${noEsp}`) }, async (t) => {
  const { ns, xf } = fixture(t);
  await xf.state.add(ESP_TUNNEL);
  const got: XfrmState = await xf.state.get({ dst: '192.0.2.2', proto: 'esp', spi: 0x1000 });
  t.same([got.src, got.dst, got.proto, got.spi, got.reqid, got.mode, got.replayWindow], ['192.0.2.1', '192.0.2.2', 'esp', 0x1000, 7, 'tunnel', 32]);
  t.same(got.algorithms.crypt, { name: 'cbc(aes)', key: K16 });
  t.equal(got.algorithms.auth?.truncLen, 128);
  const theirs = parseIpStates(ip(ns.path, ['-s', 'xfrm', 'state', 'list']));
  t.equal(theirs.length, 1, 'ip lists one');
  t.same(theirs[0]!.slice(0, 2), stateHead(got), 'its first lines');
  t.ok(theirs[0]!.some((l) => l === `enc cbc(aes) 0x${K16.toString('hex')}`), 'ip prints the key nlkit decoded');
  // xfrm_state_update: a complete state takes the new lifetimes (and encap, coaddr, output
  // mark, if_id) but keeps its reqid, algorithms and keys.
  await xf.state.update({ ...ESP_TUNNEL, reqid: 8, lifetime: { hardAddSeconds: 3600 } });
  const upd = await xf.state.get(got);
  t.same([upd.lifetime.hardAddSeconds, upd.reqid], [3600n, 7], 'update: the new lifetime, the reqid kept');
  const missing = await err(xf.state.update({ ...ESP_TUNNEL, spi: 0x1001 }));
  t.ok(missing instanceof NetlinkError && missing.code === 'ESRCH', `update of a missing state adds nothing: ESRCH (${missing?.message})`);
  await xf.state.del(got);
  t.same(await xf.state.list(), [], 'del');
  await xf.state.add(ESP_TUNNEL);
  await xf.state.flush({ proto: 'esp' });
  t.equal(ip(ns.path, ['xfrm', 'state', 'list']).trim(), '', 'flush');
});

t.test('bad state input is refused before anything is sent', privileged, async (t) => {
  const { xf } = fixture(t);
  const ok = ESP_TUNNEL;
  const bad: [string, unknown][] = [
    ['family mismatch', { ...ok, dst: '2001:db8::2' }],
    ['not an address', { ...ok, src: '192.0.2.300' }],
    ['a prefix as an address', { ...ok, src: '192.0.2.0/24' }],
    ['unknown proto', { ...ok, proto: 'gre' }],
    ['unknown mode', { ...ok, mode: 'tunel' }],
    ['ro mode for esp', { ...ok, mode: 'ro' }],
    ['spi out of range', { ...ok, spi: 2 ** 32 }],
    ['spi not an integer', { ...ok, spi: 1.5 }],
    // A state of SPI 0 is not hashed by SPI: get and del could never find it (ESRCH).
    ['spi 0 for esp', { ...ok, spi: 0 }],
    ['CPI 0 for comp', { ...(CASES['state-add-comp']![1] as object), spi: 0 }],
    ['comp CPI over 16 bits', { ...(CASES['state-add-comp']![1] as object), spi: 0x10000 }],
    ['cbc(aes) key of 15 bytes', { ...ok, algorithms: { crypt: { name: 'cbc(aes)', key: Buffer.alloc(15) } } }],
    ['rfc4106 key without its salt', { ...ok, algorithms: { aead: { name: 'rfc4106(gcm(aes))', key: K16, icvLen: 128 } } }],
    ['rfc4106 ICV of 100 bits', { ...ok, algorithms: { aead: { name: 'rfc4106(gcm(aes))', key: '0x' + '00'.repeat(20), icvLen: 100 } } }],
    ['truncation longer than the digest', { ...ok, algorithms: { crypt: { name: 'cbc(aes)', key: K16 }, auth: { name: 'hmac(sha256)', key: K32, truncLen: 512 } } }],
    ['key not hex', { ...ok, algorithms: { crypt: { name: 'cbc(aes)', key: 'secretsecretsecr' } } }],
    ['key of odd hex digits', { ...ok, algorithms: { crypt: { name: 'cbc(aes)', key: '0x123' } } }],
    ['esp without encryption', { ...ok, algorithms: { auth: { name: 'hmac(sha256)', key: K32 } } }],
    // Without any algorithms object the checks of each protocol's algorithms were skipped: sent, EINVAL.
    ['esp without algorithms', { ...ok, algorithms: undefined }],
    ['ah without algorithms', { ...(CASES['state-add-ah']![1] as object), algorithms: undefined }],
    ['comp without algorithms', { ...(CASES['state-add-comp']![1] as object), algorithms: undefined }],
    ['aead with crypt', { ...ok, algorithms: { crypt: { name: 'cbc(aes)', key: K16 }, aead: { name: 'rfc4106(gcm(aes))', key: '0x' + '00'.repeat(20), icvLen: 128 } } }],
    ['ah with encryption', { ...ok, proto: 'ah', algorithms: { crypt: { name: 'cbc(aes)', key: K16 } } }],
    ['encap on ah', { ...(CASES['state-add-ah']![1] as object), encap: { type: 'espinudp', sport: 4500, dport: 4500 } }],
    ['unknown encap', { ...ok, encap: { type: 'espinsctp', sport: 1, dport: 2 } }],
    ['encap port out of range', { ...ok, encap: { type: 'espinudp', sport: 70000, dport: 2 } }],
    // encap_oa is read in the state's family: an IPv6 one on an IPv4 state would be cut to its first 4 bytes.
    ['encap oa of another family', { ...ok, encap: { type: 'espinudp', sport: 4500, dport: 4500, oa: '2001:db8::1' } }],
    ['esn without a replay window', { ...ok, replayWindow: 0, flags: ['esn'] }],
    ['replay window over 4096', { ...ok, replayWindow: 5000 }],
    // Sent as XFRMA_REPLAY_ESN_VAL, which verify_replay takes for ESP and AH only.
    ['a replay window over 32 for comp', { ...(CASES['state-add-comp']![1] as object), replayWindow: 64 }],
    ['the esn flag for comp', { ...(CASES['state-add-comp']![1] as object), replayWindow: 32, flags: ['esn'] }],
    ['unknown flag', { ...ok, flags: ['fast'] }],
    ['ports without a port protocol in the selector', { ...ok, selector: { src: '10.0.0.0/8', sport: 1 } }],
    ['selector prefix too long', { ...ok, selector: { dst: '10.0.0.0/40' } }],
    // __xfrm_init_state: EPROTONOSUPPORT "Only tunnel modes can accommodate a change of family",
    // which reads like a missing module (the code of "Requested type not found").
    ['a transport state with an IPv6 selector on IPv4 addresses', { ...ok, mode: 'transport', selector: { src: '2001:db8::/32' } }],
    ['a transport state with an IPv4 selector on IPv6 addresses', { ...ok, src: '2001:db8::1', dst: '2001:db8::2', mode: 'transport', selector: { dst: '10.0.0.0/8' } }],
    ['unknown key', { ...ok, spii: 1 }],
    // The kernel keeps such a mark but never finds the state with it (get/del: ESRCH).
    ['a mark value with bits outside its mask', { ...ok, mark: { value: 0x11, mask: 0x1 } }],
    ['algorithm name too long', { ...ok, algorithms: { crypt: { name: 'x'.repeat(64), key: K16 } } }],
  ];
  const before = xf.sock.stats.requests;
  for (const [what, spec] of bad) {
    const e = await err(xf.state.add(spec as XfrmStateSpec));
    t.ok(e instanceof InvalidArgumentError, `${what}: InvalidArgumentError (${e?.message})`);
  }
  for (const [what, key] of [['spi out of range', { dst: '192.0.2.1', proto: 'esp', spi: -1 }], ['family mismatch', { dst: '192.0.2.1', src: '::1', proto: 'esp', spi: 1 }], ['unknown proto', { dst: '192.0.2.1', proto: 'ipip', spi: 1 }],
    ['a mark value with bits outside its mask', { dst: '192.0.2.1', proto: 'esp', spi: 1, mark: { value: 0x11, mask: 0x1 } }],
    // route2/hao states are found by src and dst (xfrm_state_lookup_byaddr): without src the lookup is for ::.
    ['route2 without src', { dst: '2001:db8::2', proto: 'route2', spi: 0 }]] as const) {
    t.ok(await err(xf.state.get(key as never)) instanceof InvalidArgumentError, `get, ${what}`);
    t.ok(await err(xf.state.del(key as never)) instanceof InvalidArgumentError, `del, ${what}`);
  }
  const fam = await err(xf.state.update({ ...ok, mode: 'transport', selector: { src: '2001:db8::/32', dst: '2001:db8:1::/48' } }));
  t.equal((fam as InvalidArgumentError).argument, 'spec.selector', `update names the selector: ${fam?.message}`);
  t.match(fam?.message, /IPv6 but the state is IPv4.*tunnel or beet/, 'and says which modes take another family');
  t.ok(await err(xf.state.flush({ proto: 'gre' } as never)) instanceof InvalidArgumentError, 'flush of an unknown proto');
  // The kernel takes min 0: with max 0 it answers ENOENT "No SPI available" yet leaves a larval
  // state of SPI 0 behind that get and del cannot find (seen on 6.18); with max > 0 it may pick 0.
  const a0 = await err(xf.state.allocSpi({ src: '192.0.2.1', dst: '192.0.2.4', proto: 'esp', min: 0, max: 0 }));
  t.ok(a0 instanceof InvalidArgumentError, `allocSpi with min 0: ${a0?.message}`);
  const ah = await err(xf.state.allocSpi({ src: '2001:db8::1', dst: '2001:db8::2', proto: 'hao' } as never));
  t.ok(ah instanceof InvalidArgumentError, `allocSpi of a protocol without SPIs (hao, route2): ${ah?.message}`);
  const am = await err(xf.state.allocSpi({ src: '192.0.2.1', dst: '192.0.2.4', proto: 'esp', mark: { value: 0x11, mask: 0x1 } }));
  t.ok(am instanceof InvalidArgumentError, `allocSpi with a mark value outside its mask (its larval state could not be found with it): ${am?.message}`);
  t.equal(xf.sock.stats.requests, before, 'no request was sent');
});
