// A vxlan's IPv6 flow label (IFLA_VXLAN_LABEL) is 20 bits: the kernel masks a larger
// value to 20 bits without a word (vxlan_nl2conf), so nlkit refuses it before sending,
// as ip does ("invalid flowlabel"); masked, a label on an IPv4 vxlan even passed the
// kernel's IPv6-only check. The largest label round-trips, compared with ip -j -d.
import t from 'tap';
import { InvalidArgumentError } from '../../src/netlink/errors.js';
import { freshHandle, ipJson, privileged } from '../helpers.js';

t.test('vxlan label: over 20 bits refused before anything is made; 0xfffff kept as given', privileged, async (t) => {
  const { ns, rt } = freshHandle(t);
  const e = await rt.link.add({ name: 'x0', kind: 'vxlan', data: { id: 5, port: 4789, local6: '2001:db8::1', label: 0x100000 } }).then(() => undefined, (x: unknown) => x);
  t.ok(e instanceof InvalidArgumentError, 'refused');
  t.equal((e as InvalidArgumentError).argument, 'data.label');
  t.match((e as Error).message, /label \(an IPv6 flow label\) is an integer in 0\.\.1048575, got 1048576/);
  t.notOk((await rt.link.list()).some((l) => l.name === 'x0'), 'nothing made');

  await rt.link.add({ name: 'x0', kind: 'vxlan', data: { id: 5, port: 4789, local6: '2001:db8::1', label: 0xfffff } });
  const data = (await rt.link.get('x0')).linkinfo?.data as Record<string, unknown> | undefined;
  t.equal(data?.['label'], 0xfffff, 'decoded as sent');
  const [ip] = ipJson(ns.path, ['-d', 'link', 'show', 'x0']) as { linkinfo?: { info_data?: { label?: string } } }[];
  t.equal(ip?.linkinfo?.info_data?.label, '0xfffff', 'ip -j -d reads the same label');
});
