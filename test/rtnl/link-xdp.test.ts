// XDP programs attached to and detached from a link with rt.link.set({ xdp }): the
// IFLA_XDP attribute `ip link set … xdp…` sends (read with strace, the program's fd
// aside), the modes as `ip -j -d link show` reports them, the kernel's refusals (a
// program already attached, native and generic at once, an fd that is no XDP program)
// with what to do, `xdp: null` detaching whatever is attached, bad input refused before
// anything is sent.
import t from 'tap';
import { join } from 'node:path';
import { InvalidArgumentError, MessageWriter, NetlinkError } from '../../src/index.js';
import { LinkApi } from '../../src/rtnl/link/api.js';
import * as sys from '../../src/netlink/sys.js';
import * as C from '../../src/rtnl/constants.js';
import { fdCount, freshHandle, ip, ipJson, privileged } from '../helpers.js';
import { BPF_PROG_TYPE_SCHED_CLS, haveStrace, loadBpfProgram, pinBpfObject, recorded, straceRequests, mountBpffs } from './tc-helpers.js';

const BPF_PROG_TYPE_XDP = 6; // enum bpf_prog_type, <linux/bpf.h>

/** The IFLA_XDP attribute of an RTM_NEWLINK request (after nlmsghdr and ifinfomsg), with a program's IFLA_XDP_FD zeroed (the fd is the sender's own; -1, a detach, is kept). */
function xdpAttr(req: Buffer): string | undefined {
  let p = 16 + 16;
  while (p + 4 <= req.length) {
    const len = req.readUInt16LE(p);
    const type = req.readUInt16LE(p + 2) & 0x3fff;
    if (len < 4) break;
    if (type === C.IFLA_XDP) {
      const a = Buffer.from(req.subarray(p, p + len));
      for (let q = 4; q + 4 <= a.length; q += (a.readUInt16LE(q) + 3) & ~3) if ((a.readUInt16LE(q + 2) & 0x3fff) === C.IFLA_XDP_FD && a.readInt32LE(q + 4) >= 0) a.writeInt32LE(0, q + 4);
      return a.toString('hex');
    }
    p += (len + 3) & ~3;
  }
  return undefined;
}

/** What `ip -j -d link show` says of the link's XDP: the mode and program id of each attachment. */
function ipXdp(nsPath: string, dev: string): { mode: number; id: number }[] {
  const l = ipJson<{ xdp?: { mode: number; prog?: { id: number }; attached?: { mode: number; prog: { id: number } }[] } }[]>(nsPath, ['-d', 'link', 'show', dev])[0]!;
  if (!l.xdp) return [];
  return l.xdp.attached ? l.xdp.attached.map((a) => ({ mode: a.mode, id: a.prog.id })) : [{ mode: l.xdp.mode, id: l.xdp.prog!.id }];
}

t.test('xdp: attach in each mode, as ip -j -d link show reports it; refusals with what to do; null detaches what is attached', privileged, async (t) => {
  const prog = loadBpfProgram(BPF_PROG_TYPE_XDP, 'nlkit_xdp');
  if (typeof prog === 'string') {
    t.comment(`skipped: ${prog}`);
    return;
  }
  t.teardown(() => sys.close(prog));
  const { ns, rt } = freshHandle(t);
  ip(ns.path, ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
  const err = async (p: Promise<unknown>): Promise<Error> => p.then(() => { throw new Error('no error'); }, (x: Error) => x);

  await rt.link.set('v0', { xdp: { fd: prog, mode: 'generic' } });
  const [generic] = ipXdp(ns.path, 'v0');
  t.equal(generic?.mode, 2, 'generic (XDP_ATTACHED_SKB) as ip shows it');
  t.same((await rt.link.get('v0')).xdp, { attached: 2, progId: generic!.id, skbProgId: generic!.id }, 'and as rt.link.get decodes it');

  const busy = await err(rt.link.set('v0', { xdp: { fd: prog, mode: 'generic' } }));
  t.ok(busy instanceof NetlinkError && busy.code === 'EBUSY', 'a second attach without force: EBUSY');
  t.match(busy.message, /XDP program already attached.*give xdp\.force: true to replace/, "the kernel's words and what to do");
  t.match(busy.message, new RegExp(`\\(RTM_NEWLINK v0 xdpgeneric fd ${prog}\\)$`), 'the request named as ip would write it');
  await rt.link.set('v0', { xdp: { fd: prog, mode: 'generic', force: true } });
  t.equal(ipXdp(ns.path, 'v0').length, 1, 'force: replaced');
  const both = await err(rt.link.set('v0', { xdp: { fd: prog, mode: 'driver' } }));
  t.ok(both instanceof NetlinkError, `driver mode beside generic: refused (${both.message})`);
  t.match(both.message, /native and generic XDP can't be active at the same time/i);

  // { fd: null } without a mode detaches in the kernel's default mode — driver on a veth:
  // the generic program stays (as `ip link set dev v0 xdp off` leaves it).
  await rt.link.set('v0', { xdp: { fd: null } });
  t.equal(ipXdp(ns.path, 'v0')[0]?.mode, 2, '{ fd: null }: the generic program is still there');
  await rt.link.set('v0', { xdp: null });
  t.same(ipXdp(ns.path, 'v0'), [], 'xdp: null detaches it, in the mode it is attached in');
  t.same((await rt.link.get('v0')).xdp, { attached: 0 });

  await rt.link.set('v0', { xdp: { fd: prog, mode: 'driver' }, mtu: 1400 });
  t.same(ipXdp(ns.path, 'v0').map((x) => x.mode), [1], 'driver mode (veth has native XDP), with another change in the same message');
  t.equal((await rt.link.get('v0')).mtu, 1400);
  await rt.link.set('v0', { xdp: { fd: null } });
  t.same(ipXdp(ns.path, 'v0'), [], '{ fd: null }: detached in the default (driver) mode');
  const before = rt.sock.stats.requests;
  await rt.link.set('v0', { xdp: null });
  t.equal(rt.sock.stats.requests, before + 1, 'xdp: null with nothing attached: the lookup, and no empty change after it');

  const cls = loadBpfProgram(BPF_PROG_TYPE_SCHED_CLS, 'nlkit_not_xdp');
  if (typeof cls === 'number') {
    t.teardown(() => sys.close(cls));
    const wrong = await err(rt.link.set('v0', { xdp: { fd: cls } }));
    t.ok(wrong instanceof NetlinkError && wrong.code === 'EINVAL', 'a program of another type: EINVAL');
    t.match(wrong.message, new RegExp(`xdp\\.fd ${cls} is not the fd of a loaded BPF_PROG_TYPE_XDP program \\(it holds a BPF_PROG_TYPE_SCHED_CLS program\\)`));
  }
  // veth has no offload: its driver answers a bare EINVAL, which is about the mode, not the program.
  const off = await err(rt.link.set('v0', { xdp: { fd: prog, mode: 'offload' } }));
  t.ok(off instanceof NetlinkError && off.code === 'EINVAL', `offload mode on a veth: EINVAL (${off.message})`);
  t.notMatch(off.message, /is not the fd of/, 'not blamed on a program that is an XDP program');
  t.match(off.message, /v0 cannot run XDP programs in offload mode/, 'but on the mode');
  const notProg = await err(rt.link.set('v0', { xdp: { fd: 0 } }));
  t.match(notProg.message, /xdp\.fd 0 is not the fd of a loaded BPF_PROG_TYPE_XDP program/, `an fd that is no BPF program (${notProg.message})`);

  const sent = rt.sock.stats.requests;
  for (const [what, change, arg] of [
    ['no fd', { xdp: {} }, 'xdp.fd'],
    ['a negative fd', { xdp: { fd: -1 } }, 'xdp.fd'],
    ['an unknown mode', { xdp: { fd: prog, mode: 'native' } }, 'xdp.mode'],
    ['force not a boolean', { xdp: { fd: prog, force: 'yes' } }, 'xdp.force'],
    ['an unknown key', { xdp: { fd: prog, flags: 2 } }, 'xdp.flags'],
    ['not an object', { xdp: 3 }, 'xdp'],
  ] as [string, unknown, string][]) {
    const e = await err(rt.link.set('v0', change as never));
    t.ok(e instanceof InvalidArgumentError && e.argument === arg, `${what}: InvalidArgumentError naming ${arg} (${e.message})`);
  }
  t.equal(rt.sock.stats.requests, sent, 'nothing sent for them');
});

t.test('xdp: the IFLA_XDP attribute ip link set sends, the fd aside', privileged, async (t) => {
  if (!haveStrace) {
    t.comment('skipped: no strace');
    return;
  }
  const prog = loadBpfProgram(BPF_PROG_TYPE_XDP, 'nlkit_xdp');
  if (typeof prog === 'string') {
    t.comment(`skipped: ${prog}`);
    return;
  }
  t.teardown(() => sys.close(prog));
  const fs = mountBpffs(t);
  if ('why' in fs) {
    t.comment(`skipped: ${fs.why}`);
    return;
  }
  const dir = fs.dir;
  const pin = join(dir, 'xdp');
  t.equal(pinBpfObject(prog, pin), 0, 'pinned');
  const { ns } = freshHandle(t);
  ip(ns.path, ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
  const api = (core: never) => LinkApi.of(core);
  const cases: [string[], Parameters<LinkApi['set']>[1]][] = [
    [['link', 'set', 'dev', 'v0', 'xdpgeneric', 'pinned', pin], { xdp: { fd: prog, mode: 'generic' } }],
    [['-force', 'link', 'set', 'dev', 'v0', 'xdpgeneric', 'pinned', pin], { xdp: { fd: prog, mode: 'generic', force: true } }],
    [['link', 'set', 'dev', 'v0', 'xdpgeneric', 'off'], { xdp: { fd: null, mode: 'generic' } }],
    [['link', 'set', 'dev', 'v0', 'xdpdrv', 'pinned', pin], { xdp: { fd: prog, mode: 'driver' } }],
    [['link', 'set', 'dev', 'v0', 'xdpdrv', 'pinned', pin], { xdp: { pinned: pin, mode: 'driver' } }],
    [['link', 'set', 'dev', 'v0', 'xdp', 'off'], { xdp: { fd: null } }],
    [['link', 'set', 'dev', 'v0', 'xdpoffload', 'off'], { xdp: { fd: null, mode: 'offload' } }],
  ];
  const fds0 = fdCount();
  for (const [args, change] of cases) {
    const theirs = straceRequests(ns.path, 'ip', args, /RTM_NEWLINK/);
    const req = theirs.requests[theirs.requests.length - 1];
    const ours = await recorded(api, { v0: 3 }, (a) => a.set('v0', change));
    t.equal(ours.error, undefined);
    const mine = xdpAttr(ours.bytes[ours.bytes.length - 1]!);
    t.ok(mine !== undefined && mine.length > 16, `IFLA_XDP sent (${String(mine)})`);
    t.equal(mine, req ? xdpAttr(req) : 'no request from ip', `ip ${args.join(' ')}`);
  }
  t.equal(fdCount(), fds0, 'the pinned program was closed after the request');

  // Live, by the pin: attached, the fd closed again; a pin of another program type refused before anything is sent.
  const { rt } = freshHandle(t);
  const fds1 = fdCount(); // with the new handle's netns and socket
  await rt.link.add({ name: 'p0', kind: 'veth', peer: { name: 'p1' } });
  await rt.link.set('p0', { xdp: { pinned: pin, mode: 'generic' } });
  t.equal((await rt.link.get('p0')).xdp?.attached, 2, 'attached by its pinned path (generic)');
  t.equal(fdCount(), fds1, 'and no fd left open');
  const cls = loadBpfProgram(BPF_PROG_TYPE_SCHED_CLS, 'nlkit_not_xdp');
  if (typeof cls === 'number') {
    t.equal(pinBpfObject(cls, join(dir, 'cls')), 0);
    sys.close(cls);
    const before = rt.sock.stats.requests;
    const e = await rt.link.set('p0', { xdp: { pinned: join(dir, 'cls'), force: true } }).then(() => undefined, (x: unknown) => x);
    t.ok(e instanceof InvalidArgumentError && e.argument === 'xdp.pinned', 'a pinned program of another type: InvalidArgumentError naming xdp.pinned');
    t.match((e as Error).message, /holds a BPF_PROG_TYPE_SCHED_CLS program; this takes a BPF_PROG_TYPE_XDP one/);
    t.equal(rt.sock.stats.requests, before, 'nothing sent');
  }
  const off = await rt.link.set('p0', { xdp: { pinned: pin, mode: 'offload' } }).then(() => undefined, (x: unknown) => x);
  t.ok(off instanceof NetlinkError && off.code === 'EINVAL', 'a pinned program in offload mode on a veth: EINVAL');
  t.notMatch((off as Error).message, /xdp\.fd/, 'not said of an fd the caller never gave');
  t.match((off as Error).message, /p0 cannot run XDP programs in offload mode/);
  t.match((off as Error).message, new RegExp(`\\(RTM_NEWLINK p0 xdpoffload pinned ${pin}\\)$`), 'the request named with the pin');
  const both = await rt.link.set('p0', { xdp: { pinned: pin, fd: prog } } as never).then(() => undefined, (x: unknown) => x);
  t.ok(both instanceof InvalidArgumentError && both.argument === 'xdp.pinned', 'fd and pinned: refused');
  t.equal(fdCount(), fds1, 'no fd left open by the refusals');
  t.equal((await rt.link.get('p0')).xdp?.attached, 2, 'and the program attached before is still there');
});

// A program in two modes (driver and offload: XDP_ATTACHED_MULTI, which needs an offload
// NIC) takes one detach per mode. Over a stand-in socket whose GETLINK answers such a
// link: with a netns move (or a rename) in the same call, every detach but the one in the
// main request goes before it, while the link is still where and what `ref` names.
t.test('xdp: null on a link with programs in two modes, moved and renamed in the same call', async (t) => {
  const sent: { type: number; attrs: number[]; xdpFlags: number | undefined }[] = [];
  const w = new MessageWriter();
  const core = {
    sock: {
      async request(type: number, _flags: number, _build: unknown, decode: unknown) {
        if (type === C.RTM_GETLINK && decode) return { index: 7, name: 'v0', xdp: { attached: 4, progId: 0, drvProgId: 11, hwProgId: 12 } };
        return undefined;
      },
      async requestWith(type: number, flags: number, build: (w: MessageWriter, arg: unknown) => void, arg: unknown) {
        w.reset().begin(type, flags, 0, 0);
        build(w, arg);
        const b = Buffer.from(w.finish());
        const attrs: number[] = [];
        let xdpFlags: number | undefined;
        for (let p = 32; p + 4 <= b.length; p += (b.readUInt16LE(p) + 3) & ~3) {
          const type = b.readUInt16LE(p + 2) & 0x3fff;
          attrs.push(type);
          if (type === C.IFLA_XDP) for (let q = p + 4; q < p + b.readUInt16LE(p); q += (b.readUInt16LE(q) + 3) & ~3) if ((b.readUInt16LE(q + 2) & 0x3fff) === C.IFLA_XDP_FLAGS) xdpFlags = b.readUInt32LE(q + 4);
        }
        sent.push({ type, attrs, xdpFlags });
        return undefined;
      },
    },
    linkIndex: async (ref: string | number) => (typeof ref === 'number' ? ref : 7),
    linkHwAddrLen: async (ref: string | number) => ({ index: typeof ref === 'number' ? ref : 7, addrLen: 6 }),
  };
  t.teardown(() => w.release());
  await LinkApi.of(core as never).set('v0', { xdp: null, netns: { pid: 4242 }, name: 'w0' });
  const modes = sent.map((s) => (s.xdpFlags ?? 0) & (C.XDP_FLAGS_DRV_MODE | C.XDP_FLAGS_HW_MODE));
  t.same(modes.sort(), [C.XDP_FLAGS_DRV_MODE, C.XDP_FLAGS_HW_MODE].sort(), 'one detach per mode');
  const move = sent.findIndex((s) => s.attrs.includes(C.IFLA_NET_NS_PID));
  t.equal(move, sent.length - 1, 'the request that moves and renames the link is the last');
  t.same(sent.slice(0, move).map((s) => s.attrs), [[C.IFLA_XDP]], 'the other detach before it, by the ifindex, alone');
});
