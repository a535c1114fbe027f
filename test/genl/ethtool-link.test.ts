// Ethtool's link settings, link state and time stamping, in a fresh netns: a veth's and a
// tap's port, PHY, speed, duplex, autonegotiation, link modes and link state compared
// field by field with `ethtool DEV`'s text, their time stamping with `ethtool -T DEV`'s
// (ethtool 6.1 has no --json for these); setLinkModes tested both ways on a tap (whose
// driver stores what it is told), against `ethtool tap0` after ours and ours after
// `ethtool -s`; bitsets decoded the same in the kernel's compact and verbose forms; drivers
// without the operation and bad input refused in plain words, nothing sent for the latter;
// supported and link partner modes (which only the ETHTOOL_SLINKSETTINGS ioctl lets a tap
// store), unknown speed and duplex, against ethtool and the kernel's verbose answer.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import koffi from 'koffi';
import { Ethtool, InvalidArgumentError, NetlinkError, type EthtoolLinkInfo, type EthtoolLinkModes, type EthtoolMdix } from '../../src/index.js';
import { decodeBitset } from '../../src/genl/ethtool.js';
import * as E from '../../src/genl/ethtool-constants.js';
import { inRawNetns, ip, privileged, rawNetns } from '../helpers.js';

const haveEthtool = spawnSync('ethtool', ['--version'], { encoding: 'utf8' }).status === 0;

function ethtool(nsPath: string, args: string[]): string {
  const r = spawnSync('nsenter', [`--net=${nsPath}`, 'ethtool', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ethtool ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/**
 * ethtool's text as { key: value }: each "\tKey: value" line; a line with no "key:" of its
 * own (link mode lists wrap onto such lines, and -T lists its capabilities under a
 * "Capabilities:" line) is added to the key before it, one item per line, space-joined.
 */
function parseEthtool(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let last = '';
  for (const raw of text.split('\n').slice(1)) {
    const line = raw.trim();
    if (line === '') continue;
    const m = /^([A-Za-z][A-Za-z -]*?):\s*(.*)$/.exec(line);
    if (m && !/^(software|hardware|raw)-/.test(line)) {
      last = m[1]!;
      out[last] = m[2]!;
    } else if (last) out[last] = out[last] ? `${out[last]} ${line}` : line;
  }
  return out;
}

/** The link modes ethtool lists as "Supported/Advertised link modes" (its "real" class: not the port, pause, autoneg and FEC bits). */
function realModes(names: string[]): string {
  const real = names.filter((n) => /^\d+base/.test(n));
  return real.length ? real.join(' ') : 'Not reported';
}

/** ethtool's "MDI-X:" line from the two values (its dump_mdix). */
function mdixLine(mdix: EthtoolMdix | number | undefined, ctrl: EthtoolMdix | number | undefined): string {
  if (ctrl === 'off') return 'off (forced)';
  if (ctrl === 'on') return 'on (forced)';
  const now = mdix === 'off' ? 'off' : mdix === 'on' ? 'on' : 'Unknown';
  return ctrl === 'auto' ? `${now} (auto)` : now;
}

/** What `ethtool DEV` prints of these, by its words. */
function asEthtoolPrints(info: EthtoolLinkInfo, modes: EthtoolLinkModes, link: boolean | undefined): Record<string, string> {
  const out: Record<string, string> = {
    'Supported link modes': realModes(modes.supported),
    'Advertised link modes': realModes(modes.advertised),
    'Supports auto-negotiation': modes.supported.includes('Autoneg') ? 'Yes' : 'No',
    'Advertised auto-negotiation': modes.advertised.includes('Autoneg') ? 'Yes' : 'No',
    Speed: modes.speed === undefined ? 'Unknown!' : `${modes.speed}Mb/s`,
    Duplex: modes.duplex === 'half' ? 'Half' : modes.duplex === 'full' ? 'Full' : `Unknown! (${modes.duplex === 'unknown' ? 255 : String(modes.duplex)})`,
    'Auto-negotiation': modes.autoneg ? 'on' : 'off',
    Port: String(info.port),
    PHYAD: String(info.phyAddress),
    Transceiver: String(info.transceiver),
  };
  if (info.port === 'Twisted Pair') out['MDI-X'] = mdixLine(info.tpMdix, info.tpMdixCtrl);
  if (link !== undefined) out['Link detected'] = link ? 'yes' : 'no';
  return out;
}

function pick(all: Record<string, string>, keys: string[]): Record<string, string | undefined> {
  return Object.fromEntries(keys.map((k) => [k, all[k]]));
}

async function compareWithEthtool(t: { same(found: unknown, wanted: unknown, message: string): unknown }, et: Ethtool, nsPath: string, dev: string, what: string): Promise<EthtoolLinkModes> {
  const [info, modes, state] = [await et.linkInfo(dev), await et.linkModes(dev), await et.linkState(dev)];
  if (haveEthtool) {
    const ours = asEthtoolPrints(info, modes, state.link);
    t.same(pick(parseEthtool(ethtool(nsPath, [dev])), Object.keys(ours)), ours, `${what}: every line as ethtool ${dev} prints it`);
  }
  return modes;
}

const err = async (p: Promise<unknown>): Promise<Error> => p.then(() => { throw new Error('no error'); }, (x: Error) => x);

function fixture(t: { teardown(fn: () => void): void }): { ns: ReturnType<typeof rawNetns>; et: Ethtool } {
  const ns = rawNetns();
  ip(ns.path, ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
  ip(ns.path, ['tuntap', 'add', 'dev', 'tap0', 'mode', 'tap']);
  const et = Ethtool.open({ netns: ns.fd });
  t.teardown(() => {
    et.close();
    ns.close();
  });
  return { ns, et };
}

t.test("linkInfo, linkModes, linkState: a veth's as ethtool DEV prints them, link detected following the carrier", privileged, async (t) => {
  const { ns, et } = fixture(t);
  t.same(await et.linkInfo('v0'), { port: 'Twisted Pair', phyAddress: 0, tpMdix: 'unknown', tpMdixCtrl: 'unknown', transceiver: 'internal' }, "a veth's port and PHY (veth_get_link_ksettings)");
  const modes = await et.linkModes('v0');
  t.same(modes, { autoneg: false, speed: 10000, duplex: 'full', rateMatching: 'none', supported: [], advertised: [], peer: [] }, 'speed 10000, full duplex, no link modes, no autonegotiation');
  t.same(await et.linkState('v0'), { link: false }, 'both ends down: no link');
  await compareWithEthtool(t, et, ns.path, 'v0', 'down');
  ip(ns.path, ['link', 'set', 'v0', 'up']);
  ip(ns.path, ['link', 'set', 'v1', 'up']);
  t.same(await et.linkState('v0'), { link: true }, 'both ends up: link detected');
  await compareWithEthtool(t, et, ns.path, 'v0', 'up');
  const index = Number(ip(ns.path, ['-o', 'link', 'show', 'v0']).split(':')[0]);
  t.same([await et.linkModes(index), await et.linkState(index)], [modes, { link: true }], 'by ifindex too');
  t.same(await et.linkState('lo'), { link: false }, 'lo (down) has a link state though no link settings');
});

t.test('setLinkModes on a tap: ours seen by ethtool tap0, ethtool -s seen by ours; advertise by name; the kernel and driver refusals in their words', privileged, async (t) => {
  const { ns, et } = fixture(t);
  t.same(await et.linkModes('tap0'), { autoneg: false, speed: 10000, duplex: 'full', rateMatching: 'none', supported: [], advertised: [], peer: [] }, "a new tap: tun's defaults");

  await et.setLinkModes('tap0', { speed: 1000, duplex: 'half' });
  const m1 = await compareWithEthtool(t, et, ns.path, 'tap0', 'after setLinkModes speed 1000 duplex half');
  t.same([m1.speed, m1.duplex, m1.autoneg], [1000, 'half', false], 'speed and duplex changed, autoneg stayed');
  if (haveEthtool) {
    ethtool(ns.path, ['-s', 'tap0', 'speed', '100', 'duplex', 'full', 'autoneg', 'on']);
    const m2 = await compareWithEthtool(t, et, ns.path, 'tap0', 'after ethtool -s tap0 speed 100 duplex full autoneg on');
    t.same([m2.speed, m2.duplex, m2.autoneg], [100, 'full', true], 'read back as ethtool -s set them');
  }
  await et.setLinkModes('tap0', { autoneg: false, speed: 10000 });
  t.same((await et.linkModes('tap0')).autoneg, false, 'autoneg off again');

  await et.setLinkModes('tap0', { advertise: ['1000baseT/Full', '100baseT/Half'] });
  const adv = await et.linkModes('tap0');
  t.same([adv.advertised, adv.supported], [['100baseT/Half', '1000baseT/Full'], []], 'advertised by name, in bit order (tun keeps modes it does not support)');
  if (haveEthtool) {
    // ethtool asks for verbose bitsets, which list only the mask's (supported) bits.
    t.equal(parseEthtool(ethtool(ns.path, ['tap0']))['Advertised link modes'], 'Not reported', 'ethtool cannot see them: the verbose form lists only supported bits');
  }
  await et.setLinkModes('tap0', { advertise: ['10baseT/Half'] });
  t.same((await et.linkModes('tap0')).advertised, ['10baseT/Half'], 'advertise replaces the whole set');
  await et.setLinkModes('tap0', { advertise: [] });
  t.same((await et.linkModes('tap0')).advertised, [], 'and [] clears it');

  const lanes = await err(et.setLinkModes('tap0', { lanes: 2 }));
  t.ok(lanes instanceof NetlinkError && lanes.code === 'EOPNOTSUPP', 'lanes on a tap: EOPNOTSUPP');
  t.match(lanes.message, /lanes configuration not supported by device/, "in the kernel's words");
  t.match(lanes.message, /'tap0' cannot set the link modes as asked/, 'naming the device and the operation');
  t.match(lanes.message, /\[at ETHTOOL_A_LINKMODES_LANES\].*refused change\.lanes 2/, 'and the setting the kernel pointed at');
  t.notMatch(lanes.message, /no ethtool support/, 'not saying the driver cannot set link modes at all: it can, the kernel refused one setting');
  const veth = await err(et.setLinkModes('v0', { speed: 1000 }));
  t.ok(veth instanceof NetlinkError && veth.code === 'EOPNOTSUPP', 'veth has no set_link_ksettings: EOPNOTSUPP');
  t.match(veth.message, /'v0': its driver cannot set the link modes/, 'naming the device and the operation');
  for (const [what, p] of [['linkInfo', et.linkInfo('lo')], ['linkModes', et.linkModes('lo')]] as const) {
    const e = await err(p);
    t.ok(e instanceof NetlinkError && e.code === 'EOPNOTSUPP', `${what} of lo (no get_link_ksettings): EOPNOTSUPP`);
    t.match(e.message, /failed to retrieve link settings.*'lo': its driver cannot read the link (info|modes)/, `${what}: the kernel's words, the device and the operation (${e.message})`);
  }
  const gone = await err(et.linkState('nope0'));
  t.ok(gone instanceof NetlinkError && gone.code === 'ENODEV' && /no device 'nope0'/.test(gone.message), 'no such device: ENODEV naming it');

  const before = et.genl.sock.stats.requests;
  const now = await et.linkModes('tap0');
  const afterRead = et.genl.sock.stats.requests;
  t.equal(afterRead - before, 1, 'a read is one request (the link mode names are read once per handle)');
  for (const [what, p, arg] of [
    ['no field', et.setLinkModes('tap0', {}), 'change'],
    ['speed 0', et.setLinkModes('tap0', { speed: 0 }), 'change.speed'],
    ['speed not an integer', et.setLinkModes('tap0', { speed: 1000.5 }), 'change.speed'],
    ['speed as a string', et.setLinkModes('tap0', { speed: '1000' as never }), 'change.speed'],
    ["duplex 'Full'", et.setLinkModes('tap0', { duplex: 'Full' as never }), 'change.duplex'],
    ["autoneg 'on'", et.setLinkModes('tap0', { autoneg: 'on' as never }), 'change.autoneg'],
    ['lanes 3', et.setLinkModes('tap0', { lanes: 3 }), 'change.lanes'],
    ['an unknown link mode', et.setLinkModes('tap0', { speed: 1000, advertise: ['1000baseT/Fast'] }), 'change.advertise'],
    ['advertise not an array', et.setLinkModes('tap0', { advertise: '1000baseT/Full' as never }), 'change.advertise'],
    ['an unknown key', et.setLinkModes('tap0', { mdix: 'auto' } as never), 'change.mdix'],
    ['no change object', et.setLinkModes('tap0', null as never), 'change'],
    ['a bad device', et.setLinkModes('', { speed: 1000 }), 'dev'],
  ] as [string, Promise<unknown>, string][]) {
    const e = await err(p);
    t.ok(e instanceof InvalidArgumentError && e.argument === arg, `${what}: InvalidArgumentError naming ${arg} (${e.message})`);
  }
  t.equal(et.genl.sock.stats.requests, afterRead, 'nothing sent for them');
  t.same(await et.linkModes('tap0'), now, 'and nothing changed');
});

t.test('tsInfo: as ethtool -T prints it; bitsets the same in compact and verbose form', privileged, async (t) => {
  const { ns, et } = fixture(t);
  for (const dev of ['v0', 'tap0', 'lo']) {
    const ts = await et.tsInfo(dev);
    t.same(ts, { timestamping: ['software-transmit', 'software-receive', 'software-system-clock'], txTypes: [], rxFilters: [] }, `${dev}: software time stamping only, no PHC`);
    if (haveEthtool) {
      const theirs = parseEthtool(ethtool(ns.path, ['-T', dev]));
      t.same(pick(theirs, ['Capabilities', 'PTP Hardware Clock', 'Hardware Transmit Timestamp Modes', 'Hardware Receive Filter Modes']), {
        Capabilities: ts.timestamping.join(' '),
        'PTP Hardware Clock': ts.phcIndex === undefined ? 'none' : String(ts.phcIndex),
        'Hardware Transmit Timestamp Modes': ts.txTypes.length ? ts.txTypes.join(' ') : 'none',
        'Hardware Receive Filter Modes': ts.rxFilters.length ? ts.rxFilters.join(' ') : 'none',
      }, `${dev}: as ethtool -T prints it`);
    }
  }
  // The kernel's own answers in both forms, decoded by the one decoder.
  const reply = async (flags: number): Promise<ReturnType<typeof decodeBitset>> => {
    const [m] = await et.genl.request('ethtool', E.ETHTOOL_MSG_TSINFO_GET, {
      attrs: (w) => {
        const h = w.nestStart(E.ETHTOOL_A_TSINFO_HEADER);
        w.putStrz(E.ETHTOOL_A_HEADER_DEV_NAME, 'v0');
        if (flags) w.putU32(E.ETHTOOL_A_HEADER_FLAGS, flags);
        w.nestEnd(h);
      },
    });
    const view = new DataView(m!.attrs.buffer, m!.attrs.byteOffset, m!.attrs.length);
    let found: ReturnType<typeof decodeBitset> | undefined;
    for (let o = 0; o + 4 <= view.byteLength;) {
      const len = view.getUint16(o, true);
      if ((view.getUint16(o + 2, true) & 0x3fff) === E.ETHTOOL_A_TSINFO_TIMESTAMPING) found = decodeBitset(view, o + 4, len - 4);
      o += (len + 3) & ~3;
    }
    return found!;
  };
  const verbose = await reply(0);
  const compact = await reply(E.ETHTOOL_FLAG_COMPACT_BITSETS);
  t.same(verbose.value, compact.value, 'the same bits set in both forms');
  t.same([verbose.mask, compact.mask], [undefined, undefined], 'both sent with NOMASK (a plain list)');
  t.same([...verbose.names.values()], (await et.tsInfo('v0')).timestamping, "verbose names are the string set's");
  t.equal(compact.names.size, 0, 'compact carries no names');
});

const libc = koffi.load('libc.so.6');
const cSocket = libc.func('int socket(int domain, int type, int protocol)');
const cClose = libc.func('int close(int fd)');
const cIoctl = libc.func('int ioctl(int fd, unsigned long req, void *arg)');
const cAddress = libc.func('uintptr_t memmove(void *dst, void *src, size_t n)');

/**
 * Store a tap's link settings with the ioctl ETHTOOL_SLINKSETTINGS, which (unlike
 * LINKMODES_SET) also takes the supported and link partner modes — tun keeps whatever it
 * is given — so the kernel's replies carry a non-empty mask and a PEER set.
 */
function storeLinkSettings(nsFd: number, dev: string, s: { supported: number[]; advertising: number[]; peer: number[]; speed: number; duplex: number; autoneg: number }): void {
  inRawNetns(nsFd, () => {
    const fd = cSocket(2 /* AF_INET */, 2 /* SOCK_DGRAM */, 0) as number;
    try {
      const data = Buffer.alloc(48 + 3 * 4 * 127);
      const ifr = Buffer.alloc(40);
      ifr.write(dev);
      ifr.writeBigUInt64LE(BigInt(cAddress(data, data, 0) as number | bigint), 16);
      const call = (): void => {
        if ((cIoctl(fd, 0x8946 /* SIOCETHTOOL */, ifr) as number) < 0) throw new Error(`SIOCETHTOOL on ${dev} failed`);
      };
      data.writeUInt32LE(0x4c /* ETHTOOL_GLINKSETTINGS */, 0);
      call(); // link_mode_masks_nwords 0: the kernel answers -(its word count)
      const nwords = -data.readInt8(15);
      data.writeInt8(nwords, 15);
      call();
      for (const [k, bits] of [s.supported, s.advertising, s.peer].entries()) {
        for (let w = 0; w < nwords; w++) data.writeUInt32LE(0, 48 + (k * nwords + w) * 4);
        for (const b of bits) {
          const at = 48 + (k * nwords + (b >>> 5)) * 4;
          data.writeUInt32LE((data.readUInt32LE(at) | (1 << (b & 31))) >>> 0, at);
        }
      }
      data.writeUInt32LE(s.speed >>> 0, 4);
      data.writeUInt8(s.duplex, 8);
      data.writeUInt8(s.autoneg, 11);
      data.writeUInt32LE(0x4d /* ETHTOOL_SLINKSETTINGS */, 0);
      call();
    } finally {
      cClose(fd);
    }
  });
}

t.test("supported and peer modes (a mask, a PEER set, bits past 96), SPEED_UNKNOWN and DUPLEX_UNKNOWN: as ethtool DEV prints them, and the kernel's verbose reply decoded alike", privileged, async (t) => {
  const { ns, et } = fixture(t);
  // 10baseT/Half 0, 10baseT/Full 1, 1000baseT/Full 5, Autoneg 6, Pause 13, 25000baseSR/Full 33, 50000baseSR2/Full 40, bit 101
  const stored = { supported: [0, 1, 5, 6, 13, 40, 101], advertising: [5, 6, 13, 101], peer: [1, 5, 6], speed: 0xffffffff, duplex: 0xff, autoneg: 1 };
  storeLinkSettings(ns.fd, 'tap0', stored);
  const modes = await compareWithEthtool(t, et, ns.path, 'tap0', 'stored by ETHTOOL_SLINKSETTINGS');
  t.same([modes.speed, modes.duplex, modes.autoneg], [undefined, 'unknown', true], 'SPEED_UNKNOWN left out, DUPLEX_UNKNOWN said, autoneg on');
  t.same([modes.supported.length, modes.advertised.length, modes.peer], [7, 4, ['10baseT/Full', '1000baseT/Full', 'Autoneg']], 'seven supported, four advertised, three of the partner');
  storeLinkSettings(ns.fd, 'tap0', { ...stored, advertising: [5, 6, 13, 33, 101] });
  const plus = await et.linkModes('tap0');
  t.same(plus.advertised, [...modes.advertised.slice(0, 3), '25000baseSR/Full', modes.advertised[3]], 'an advertised mode outside the supported ones is kept, in bit order');
  if (haveEthtool) {
    const theirs = parseEthtool(ethtool(ns.path, ['tap0']));
    t.equal(theirs['Link partner advertised link modes'], realModes(modes.peer), "the partner's modes as ethtool prints them");
  }
  // The kernel's own LINKMODES reply in both forms: OURS with a mask, PEER without.
  const raw = async (flags: number): Promise<Map<number, ReturnType<typeof decodeBitset>>> => {
    const [m] = await et.genl.request('ethtool', E.ETHTOOL_MSG_LINKMODES_GET, {
      attrs: (w) => {
        const h = w.nestStart(E.ETHTOOL_A_LINKMODES_HEADER);
        w.putStrz(E.ETHTOOL_A_HEADER_DEV_NAME, 'tap0');
        if (flags) w.putU32(E.ETHTOOL_A_HEADER_FLAGS, flags);
        w.nestEnd(h);
      },
    });
    const view = new DataView(m!.attrs.buffer, m!.attrs.byteOffset, m!.attrs.length);
    const out = new Map<number, ReturnType<typeof decodeBitset>>();
    for (let o = 0; o + 4 <= view.byteLength;) {
      const len = view.getUint16(o, true);
      const type = view.getUint16(o + 2, true) & 0x3fff;
      if (type === E.ETHTOOL_A_LINKMODES_OURS || type === E.ETHTOOL_A_LINKMODES_PEER) out.set(type, decodeBitset(view, o + 4, len - 4));
      o += (len + 3) & ~3;
    }
    return out;
  };
  const [verbose, compact] = [await raw(0), await raw(E.ETHTOOL_FLAG_COMPACT_BITSETS)];
  const vOurs = verbose.get(E.ETHTOOL_A_LINKMODES_OURS)!;
  const cOurs = compact.get(E.ETHTOOL_A_LINKMODES_OURS)!;
  t.same([vOurs.mask, cOurs.mask], [[0, 1, 5, 6, 13, 40, 101], [0, 1, 5, 6, 13, 40, 101]], 'the mask (supported) the same in both forms');
  t.same([vOurs.value, cOurs.value], [[5, 6, 13, 101], [5, 6, 13, 33, 101]], 'the value: the verbose form lists only bits of the mask, so 33 is missing there');
  t.equal(vOurs.size, cOurs.size, 'the same size');
  t.ok(cOurs.size > 101, `a size past bit 101 (${cOurs.size}; the kernel's bit count, not a multiple of 32 on 6.18)`);
  t.same([verbose.get(E.ETHTOOL_A_LINKMODES_PEER)!.value, verbose.get(E.ETHTOOL_A_LINKMODES_PEER)!.mask, compact.get(E.ETHTOOL_A_LINKMODES_PEER)!.value], [[1, 5, 6], undefined, [1, 5, 6]], 'PEER: a plain list (NOMASK) in both');
  t.same([...vOurs.names.values()], modes.supported, "verbose names (the mask's bits, in order) are the string set's");
});
