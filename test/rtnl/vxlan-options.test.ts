// vxlan options as `ip link add … type vxlan` takes them, compared with ip -j -d:
// - `link` (the underlay, ip's `dev`) goes in IFLA_VXLAN_LINK: the vxlan driver reads
//   no IFLA_LINK, so sent there the underlay was dropped without a word;
// - a flow-based vxlan (`collectMetadata`, ip's `external`) needs no VNI, as with ip;
// - IPv4 and IPv6 of the same endpoint (group and group6, local and local6) at once:
//   the kernel keeps the IPv4 one and drops the other without a word (vxlan_nl2conf's
//   else-if), so nlkit refuses the pair before sending.
import t from 'tap';
import { InvalidArgumentError } from '../../src/netlink/errors.js';
import { freshHandle, ip, ipJson, privileged } from '../helpers.js';

t.test('vxlan link: the underlay by name or ifindex, as ip link add … dev', privileged, async (t) => {
  const { ns, rt } = freshHandle(t);
  ip(ns.path, ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
  const v0 = await rt.link.index('v0');
  await rt.link.add({ kind: 'vxlan', name: 'vx0', link: 'v0', data: { id: 5, port: 4789 } });
  await rt.link.add({ kind: 'vxlan', name: 'vx1', link: v0, data: { id: 6, port: 4789, group: '239.1.1.1' } });
  for (const name of ['vx0', 'vx1']) {
    const data = (await rt.link.get(name)).linkinfo?.data as Record<string, unknown> | undefined;
    t.equal(data?.['link'], v0, `${name}: the underlay is v0`);
    const [theirs] = ipJson(ns.path, ['-d', 'link', 'show', name]) as { linkinfo: { info_data: { link?: string } } }[];
    t.equal(theirs?.linkinfo.info_data.link, 'v0', `${name}: ip -j -d reads link v0`);
  }
  const e = await rt.link.add({ kind: 'vxlan', name: 'vx2', link: 'v0', data: { id: 7, link: v0 } }).catch((x: unknown) => x);
  t.ok(e instanceof InvalidArgumentError, 'link and data.link at once refused');
  t.equal((e as InvalidArgumentError).argument, 'data.link');
  t.notOk((await rt.link.list()).some((l) => l.name === 'vx2'), 'nothing made');
});

t.test('vxlan collectMetadata: no VNI needed (ip link add … type vxlan external)', privileged, async (t) => {
  const { ns, rt } = freshHandle(t);
  await rt.link.add({ kind: 'vxlan', name: 'vxe', data: { collectMetadata: true, port: 4789 } });
  const [theirs] = ipJson(ns.path, ['-d', 'link', 'show', 'vxe']) as { linkinfo: { info_data: { external?: boolean; id?: number } } }[];
  t.equal(theirs?.linkinfo.info_data.external, true, 'ip -j -d: external');
  t.equal(theirs?.linkinfo.info_data.id, 0);
  const e = await rt.link.add({ kind: 'vxlan', name: 'vxf', data: { port: 4789 } }).catch((x: unknown) => x);
  t.ok(e instanceof InvalidArgumentError, 'without collectMetadata a VNI is still needed');
  t.match((e as Error).message, /needs a VNI in 0\.\.16777215 \(or collectMetadata\)/);
});

t.test('vxlan: an endpoint in IPv4 and IPv6 at once is refused (the kernel drops one without a word)', privileged, async (t) => {
  const { rt } = freshHandle(t);
  for (const [a, b, data] of [
    ['group', 'group6', { id: 1, group: '10.0.0.1', group6: '2001:db8::2' }],
    ['local', 'local6', { id: 1, local: '10.0.0.1', local6: '2001:db8::1' }],
  ] as const) {
    const e = await rt.link.add({ kind: 'vxlan', name: 'vx0', data }).catch((x: unknown) => x);
    t.ok(e instanceof InvalidArgumentError, `${a} with ${b} refused`);
    t.equal((e as InvalidArgumentError).argument, `data.${b}`);
    t.match((e as Error).message, new RegExp(`not both data\\.${a} and data\\.${b}`));
  }
  t.notOk((await rt.link.list()).some((l) => l.name === 'vx0'), 'nothing made');
});
