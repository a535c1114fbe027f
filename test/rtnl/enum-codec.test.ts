// Options taken by name or by number (enumCodec: vxlan's and geneve's df, a bridge port's
// state, bond/macvlan/ipvlan modes, a tunnel's proto, a nexthop group's type): a number
// is written as the attribute's width (u8, u16, u32), so one beyond that width must be
// refused before sending — written as is, it was cut to its low bits, and vxlan df 256
// was sent as 0 ('unset') and a bridge port's state 259 as 3 ('forwarding') without a
// word.
import t from 'tap';
import { InvalidArgumentError } from '../../src/index.js';
import { LinkApi, type LinkSpec } from '../../src/rtnl/link/api.js';
import { recordedRequests } from './scripted-link-api.js';

async function addRequest(spec: unknown): Promise<{ bytes: Buffer[]; error?: unknown }> {
  return recordedRequests((core) => LinkApi.of(core), (api) => api.add(spec as LinkSpec));
}

t.test('a number beyond the attribute\'s width is refused, naming the option', async (t) => {
  const bad: Array<[string, unknown, string]> = [
    ['vxlan df 256 (u8)', { kind: 'vxlan', name: 'x0', data: { id: 1, df: 256 } }, 'data.df'],
    ['vxlan df 257 (u8)', { kind: 'vxlan', name: 'x0', data: { id: 1, df: 257 } }, 'data.df'],
    ['vxlan df -255 (u8)', { kind: 'vxlan', name: 'x0', data: { id: 1, df: -255 } }, 'data.df'],
    ['geneve df 258 (u8)', { kind: 'geneve', name: 'x0', data: { id: 1, df: 258 } }, 'data.df'],
    ['ipip proto 260 (u8, sent as 4: ipip)', { kind: 'ipip', name: 'x0', data: { proto: 260 } }, 'data.proto'],
    ['bond mode 256 (u8)', { kind: 'bond', name: 'x0', data: { mode: 256 } }, 'data.mode'],
    ['ipvlan mode 65536 (u16)', { kind: 'ipvlan', name: 'x0', link: 'eth0', data: { mode: 65536 } }, 'data.mode'],
    ['macvlan mode 2^32 + 4 (u32)', { kind: 'macvlan', name: 'x0', link: 'eth0', data: { mode: 2 ** 32 + 4 } }, 'data.mode'],
    ['macvlan mode -1 (u32)', { kind: 'macvlan', name: 'x0', link: 'eth0', data: { mode: -1 } }, 'data.mode'],
    // Within u32 but no MACVLAN_MODE_*: macvlan's own check refuses it too (macvlan_validate answers a bare EINVAL).
    ['macvlan mode 2^32 - 1 (no mode)', { kind: 'macvlan', name: 'x0', link: 'eth0', data: { mode: 2 ** 32 - 1 } }, 'data.mode'],
  ];
  for (const [what, spec, arg] of bad) {
    const { bytes, error } = await addRequest(spec);
    t.ok(error instanceof InvalidArgumentError, `${what}: InvalidArgumentError (${(error as Error | undefined)?.message})`);
    t.equal((error as InvalidArgumentError | undefined)?.argument, arg, `${what}: names ${arg}`);
    t.match((error as Error | undefined)?.message ?? '', /unset|balance-rr|l2|private|ipip/, `${what}: the message lists the names`);
    t.equal(bytes.length, 0, `${what}: nothing sent`);
  }
});

t.test('numbers within the width are still sent as given (the kernel judges them; macvlan takes only its modes)', async (t) => {
  for (const [what, spec] of [
    ['vxlan df 2', { kind: 'vxlan', name: 'x0', data: { id: 1, df: 2 } }],
    ['vxlan df 255', { kind: 'vxlan', name: 'x0', data: { id: 1, df: 255 } }],
    ['ipvlan mode 65535', { kind: 'ipvlan', name: 'x0', link: 'eth0', data: { mode: 65535 } }],
    ['macvlan mode 16 (source, by number)', { kind: 'macvlan', name: 'x0', link: 'eth0', data: { mode: 16 } }],
  ] as Array<[string, unknown]>) {
    const { bytes, error } = await addRequest(spec);
    t.error(error, what);
    t.equal(bytes.length, 1, `${what}: sent`);
  }
});

// A guard: rt.link.set checks a port's state by its own range (0..4) before the codec.
t.test('a bridge port state beyond u8 is refused by rt.link.set', async (t) => {
  const { bytes, error } = await recordedRequests((core) => LinkApi.of(core), (api) => api.set('v0', { bridgePort: { state: 259 } } as never));
  t.ok(error instanceof InvalidArgumentError, `InvalidArgumentError (${(error as Error | undefined)?.message})`);
  t.match((error as InvalidArgumentError | undefined)?.argument ?? '', /state/, 'names the state');
  t.equal(bytes.length, 0, 'nothing sent');
});
