// rt.link.set({ addrGenMode }): the IPv6 address generation mode, as `ip link set …
// addrgenmode` sends it (strace: the IFLA_AF_SPEC attribute byte for byte) and as
// `ip -j -d link show` then reports it; 'none' really makes no link-local address at
// the next up; 'stable_secret' without a secret refused with what it needs, and with one
// taken; bad input refused before anything is sent.
import t from 'tap';
import { spawn } from 'node:child_process';
import { InvalidArgumentError, NetlinkError, type AddrGenMode } from '../../src/index.js';
import { LinkApi } from '../../src/rtnl/link/api.js';
import * as C from '../../src/rtnl/constants.js';
import { freshHandle, inNs, ip, ipJson, privileged, rawNetns } from '../helpers.js';
import { haveStrace, recorded, straceRequests } from './tc-helpers.js';

/** The IFLA_AF_SPEC attribute of an RTM_NEWLINK request (after nlmsghdr and ifinfomsg), hex. */
function afSpec(req: Buffer): string | undefined {
  for (let p = 32; p + 4 <= req.length;) {
    const len = req.readUInt16LE(p);
    if (len < 4) break;
    if ((req.readUInt16LE(p + 2) & 0x3fff) === C.IFLA_AF_SPEC) return req.subarray(p, p + len).toString('hex');
    p += (len + 3) & ~3;
  }
  return undefined;
}

const modeOf = (nsPath: string, dev: string): string => ipJson<{ inet6_addr_gen_mode?: string }[]>(nsPath, ['-d', 'link', 'show', dev])[0]!.inet6_addr_gen_mode ?? '(none shown)';

t.test('addrGenMode: each mode as ip reports it, the bytes ip sends, none really without a link-local address', privileged, async (t) => {
  const { ns, rt } = freshHandle(t);
  ip(ns.path, ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
  for (const mode of ['none', 'random', 'eui64'] as AddrGenMode[]) {
    await rt.link.set('v0', { addrGenMode: mode });
    t.equal(modeOf(ns.path, 'v0'), mode, `${mode}: as ip -j -d link show reports it`);
    t.equal((await rt.link.get('v0')).afSpec?.inet6AddrGenMode, { eui64: 0, none: 1, stable_secret: 2, random: 3 }[mode], 'and as rt.link.get decodes it');
  }

  // 'none': both ends up, no fe80:: address on v0; v1 (eui64) gets one.
  await rt.link.set('v0', { addrGenMode: 'none', up: true });
  await rt.link.set('v1', { up: true });
  const ll = (dev: string) => ipJson<{ addr_info: { local: string }[] }[]>(ns.path, ['-6', 'addr', 'show', 'dev', dev])[0]?.addr_info.filter((a) => a.local.startsWith('fe80')).length ?? 0;
  t.equal(ll('v0'), 0, "none: no link-local address at up");
  t.equal(ll('v1'), 1, 'eui64 (the default): one');

  const err = await rt.link.set('v0', { addrGenMode: 'stable_secret' }).then(() => undefined, (x: unknown) => x);
  t.ok(err instanceof NetlinkError && err.code === 'EINVAL', 'stable_secret without a secret: EINVAL');
  t.match((err as Error).message, /needs a secret first: sysctl net\.ipv6\.conf\.v0\.stable_secret/, 'saying what it needs');
  t.match((err as Error).message, /\(RTM_NEWLINK v0 addrgenmode stable_secret\)$/, 'the request named as ip would write it');
  t.equal(modeOf(ns.path, 'v0'), 'none', 'and nothing changed');
  // The sysctl is the link's name's, also when the link is given by ifindex or an altname.
  await rt.link.addAltnames('v0', 'v0-alternative');
  for (const ref of [(await rt.link.get('v0')).index, 'v0-alternative']) {
    const e = await rt.link.set(ref, { addrGenMode: 'stable_secret' }).then(() => undefined, (x: unknown) => x);
    t.match((e as Error).message, /needs a secret first: sysctl net\.ipv6\.conf\.v0\.stable_secret/, `by ${JSON.stringify(ref)}: the sysctl of v0 (${(e as Error).message})`);
  }
  inNs(ns.path, 'sysctl', ['-q', '-w', 'net.ipv6.conf.v0.stable_secret=2001:db8::1']);
  await rt.link.set('v0', { addrGenMode: 'stable_secret' });
  t.equal(modeOf(ns.path, 'v0'), 'stable_secret', 'with the secret set: taken');

  const before = rt.sock.stats.requests;
  for (const bad of ['stable-privacy', 'EUI64', 2, null]) {
    const e = await rt.link.set('v0', { addrGenMode: bad as never }).then(() => undefined, (x: unknown) => x);
    t.ok(e instanceof InvalidArgumentError && e.argument === 'addrGenMode', `${JSON.stringify(bad)}: InvalidArgumentError naming addrGenMode`);
  }
  t.equal(rt.sock.stats.requests, before, 'nothing sent for them');

  if (!haveStrace) {
    t.comment('no strace: the byte comparison is skipped');
    return;
  }
  const api = (core: never) => LinkApi.of(core);
  for (const mode of ['none', 'random', 'eui64', 'stable_secret'] as AddrGenMode[]) {
    const theirs = straceRequests(ns.path, 'ip', ['link', 'set', 'dev', 'v1', 'addrgenmode', mode], /RTM_NEWLINK/).requests;
    const ours = await recorded(api, { v1: 3 }, (a) => a.set('v1', { addrGenMode: mode }));
    const mine = afSpec(ours.bytes[0]!);
    t.ok(mine, `${mode}: IFLA_AF_SPEC sent (${String(mine)})`);
    t.equal(mine, theirs.length ? afSpec(theirs[theirs.length - 1]!) : 'no request from ip', `${mode}: the IFLA_AF_SPEC ip link set … addrgenmode ${mode} sends`);
  }
});

// In one RTM_NEWLINK the kernel brings the link up (and makes its link-local address, by
// the mode it has then) before it applies IFLA_AF_SPEC: `ip link set dev X up addrgenmode
// none` leaves an eui64 fe80:: address on a link that is ready at once. A vxlan is (no
// carrier to wait for), so the outcome does not depend on timing.
t.test('addrGenMode with up: true in the same call: the mode governs that up', privileged, async (t) => {
  const { ns, rt } = freshHandle(t);
  const ll = (nsPath: string, dev: string) => ipJson<{ addr_info: { local: string }[] }[]>(nsPath, ['-6', 'addr', 'show', 'dev', dev])[0]?.addr_info.filter((a) => a.local.startsWith('fe80')).length ?? 0;
  ip(ns.path, ['link', 'add', 'vx9', 'type', 'vxlan', 'id', '9', 'dstport', '4799']);
  ip(ns.path, ['link', 'set', 'dev', 'vx9', 'up', 'addrgenmode', 'none']);
  t.equal(ll(ns.path, 'vx9'), 1, 'the control: ip in one message makes an eui64 link-local address');

  await rt.link.add({ name: 'vx0', kind: 'vxlan', data: { id: 1, port: 4789 } });
  await rt.link.set('vx0', { addrGenMode: 'none', up: true });
  t.equal((await rt.link.get('vx0')).up, true, 'up');
  t.equal(modeOf(ns.path, 'vx0'), 'none');
  t.equal(ll(ns.path, 'vx0'), 0, 'no link-local address: the mode was in place at the up');

  await rt.link.add({ name: 'vx1', kind: 'vxlan', data: { id: 2, port: 4790 } });
  const l = await rt.link.set((await rt.link.get('vx1')).index, { addrGenMode: 'none', up: true, mtu: 1400 }, { echo: true });
  t.equal(l.up && l.mtu === 1400 && l.afSpec?.inet6AddrGenMode === 1, true, 'by ifindex, with echo: the link as it is after both requests');
  t.equal(ll(ns.path, 'vx1'), 0, 'no link-local address');

  // Moved to another netns in the same call: the up is sent there, by name.
  const other = rawNetns();
  t.teardown(() => other.close());
  await rt.link.add({ name: 'vx2', kind: 'vxlan', data: { id: 3, port: 4791 } });
  await rt.link.set((await rt.link.get('vx2')).index, { netns: other.fd, name: 'vx2b', addrGenMode: 'none', up: true });
  t.equal(modeOf(other.path, 'vx2b'), 'none', 'moved and renamed: the mode set in the new netns');
  t.equal(ipJson<{ flags: string[] }[]>(other.path, ['link', 'show', 'vx2b'])[0]!.flags.includes('UP'), true, 'and up there');
  t.equal(ll(other.path, 'vx2b'), 0, 'without a link-local address');

  // A refused mode sends no up.
  await rt.link.add({ name: 'vx3', kind: 'vxlan', data: { id: 4, port: 4792 } });
  const e = await rt.link.set('vx3', { addrGenMode: 'stable_secret', up: true }).then(() => undefined, (x: unknown) => x);
  t.ok(e instanceof NetlinkError && e.code === 'EINVAL', 'stable_secret without a secret: EINVAL');
  t.equal((await rt.link.get('vx3')).up, false, 'and the link stays down');

  // A refused up (the vxlan's UDP port held by a socket in the netns): said to come after the mode.
  const holder = spawn('nsenter', [`--net=${ns.path}`, process.execPath, '-e', "require('dgram').createSocket('udp4').bind(4793, () => console.log('bound')); setTimeout(() => {}, 20000)"], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => holder.kill());
  await new Promise<void>((res) => holder.stdout.once('data', () => res()));
  await rt.link.add({ name: 'vx4', kind: 'vxlan', data: { id: 5, port: 4793 } });
  const busy = await rt.link.set('vx4', { addrGenMode: 'none', up: true }).then(() => undefined, (x: unknown) => x);
  t.ok(busy instanceof NetlinkError && busy.code === 'EADDRINUSE', 'the up refused: the NetlinkError of the up');
  t.match((busy as Error).message, /the link was not brought up; the other changes of this call were applied/, 'saying the mode was set');
  t.equal(modeOf(ns.path, 'vx4'), 'none', 'as it was');
});
