// A bridge's boolean options (IFLA_BR_MULTI_BOOLOPT, struct br_boolopt_multi) are
// decoded as ip -j -d prints them (no_linklocal_learn, mcast_vlan_snooping, and
// mst_enabled in a newer ip) — they came back as a raw 8-byte Buffer — and encoded from
// booleans: only the options given go in the mask, as ip sends them.
import t from 'tap';
import { InvalidArgumentError, NetlinkError } from '../../src/netlink/errors.js';
import { MessageWriter } from '../../src/netlink/writer.js';
import { BRIDGE_DATA } from '../../src/rtnl/link/kinds/bridge.js';
import * as C from '../../src/rtnl/constants.js';
import { freshHandle, ip, ipJson, privileged } from '../helpers.js';

const bytes = (multiBoolopt: unknown): string => {
  const w = new MessageWriter();
  w.begin(C.RTM_NEWLINK, 0, 1);
  BRIDGE_DATA.encode(w, { multiBoolopt } as never, 'data.');
  return Buffer.from(w.finish()).subarray(16).toString('hex');
};
const attr = (optval: number, optmask: number): string => {
  const b = Buffer.alloc(12);
  b.writeUInt16LE(12, 0);
  b.writeUInt16LE(C.IFLA_BR_MULTI_BOOLOPT, 2);
  b.writeUInt32LE(optval, 4);
  b.writeUInt32LE(optmask, 8);
  return b.toString('hex');
};

t.test('encoded from booleans: the options given, and only those, in the mask', async (t) => {
  t.equal(bytes({ noLinklocalLearn: true }), attr(1, 1));
  t.equal(bytes({ noLinklocalLearn: false }), attr(0, 1), 'false clears the option: in the mask, not in the value');
  t.equal(bytes({ mcastVlanSnooping: true, mstEnabled: false }), attr(2, 6));
  t.equal(bytes({ noLinklocalLearn: undefined, mstEnabled: true }), attr(4, 4), 'undefined leaves the option alone');
  for (const [bad, re] of [
    [{ foo: true }, /unknown option 'foo'/],
    [{ value: 1 }, /unknown option 'value'.*read-only/],
    [{ noLinklocalLearn: 1 }, /noLinklocalLearn must be a boolean, got 1/],
    [Buffer.alloc(8), /expected \{ noLinklocalLearn\?/],
    [null, /expected \{ noLinklocalLearn\?/],
  ] as const) {
    let err: unknown;
    try {
      bytes(bad);
    } catch (e) {
      err = e;
    }
    t.ok(err instanceof InvalidArgumentError && err.argument === 'data.multiBoolopt', `${String(JSON.stringify(bad))}: refused naming data.multiBoolopt`);
    t.match(String(err), re);
  }
});

t.test('decoded as ip -j -d reads them, for bridges made by ip and by nlkit', privileged, async (t) => {
  const { ns, rt } = freshHandle(t);
  ip(ns.path, ['link', 'add', 'br0', 'type', 'bridge', 'no_linklocal_learn', '1']);
  await rt.link.add({ name: 'br1', kind: 'bridge', data: { multiBoolopt: { noLinklocalLearn: true } } });
  await rt.link.add({ name: 'br2', kind: 'bridge' });
  for (const [name, want] of [['br0', true], ['br1', true], ['br2', false]] as const) {
    const got = (await rt.link.get(name)).linkinfo?.data as Record<string, any> | undefined;
    const bo = got?.['multiBoolopt'];
    const [d] = ipJson<{ linkinfo: { info_data: Record<string, number> } }[]>(ns.path, ['-d', 'link', 'show', name]);
    const id = d!.linkinfo.info_data;
    t.equal(bo?.noLinklocalLearn, want, `${name}: noLinklocalLearn`);
    t.equal(bo?.noLinklocalLearn, id['no_linklocal_learn'] === 1, `${name}: as ip reads no_linklocal_learn`);
    t.equal(bo?.mcastVlanSnooping, id['mcast_vlan_snooping'] === 1, `${name}: as ip reads mcast_vlan_snooping`);
    t.equal(typeof bo?.mstEnabled, 'boolean', `${name}: mstEnabled reported (this kernel knows BR_BOOLOPT_MST_ENABLE)`);
    t.equal(bo?.mask & 7, 7, `${name}: the mask the kernel sent holds the three options`);
  }
  // Bad input: nothing made.
  await t.rejects(rt.link.add({ name: 'br3', kind: 'bridge', data: { multiBoolopt: { noLinklocalLearn: 'yes' } as never } }), { name: 'InvalidArgumentError' });
  t.notOk((await rt.link.list()).some((l) => l.name === 'br3'), 'nothing made');
  // MST needs bridge VLAN filtering; a kernel without it refuses with EOPNOTSUPP and no text.
  const mst = await rt.link.add({ name: 'br4', kind: 'bridge', data: { multiBoolopt: { mstEnabled: true } } }).then(() => undefined, (e: unknown) => e);
  if (mst === undefined) {
    t.equal(((await rt.link.get('br4')).linkinfo?.data as Record<string, any>)['multiBoolopt']?.mstEnabled, true, 'mstEnabled set where the kernel has it');
  } else {
    t.ok(mst instanceof NetlinkError && mst.code === 'EOPNOTSUPP', `refused: ${String(mst)}`);
    t.match(String(mst), /this kernel refuses multiBoolopt\.mstEnabled: multiple spanning trees need bridge VLAN filtering/);
    t.notOk((await rt.link.list()).some((l) => l.name === 'br4'), 'nothing made');
  }
});
