// nlkit-static against the reference static IPAM plugin (Debian's containernetworking-
// plugins 1.1.1, /usr/lib/cni/static), run side by side on the same configurations and
// CNI_ARGS: the same stdout byte for byte for every result, in each spec version the
// reference speaks; the same error code and message for each configuration it refuses;
// CHECK, DEL, VERSION. An IPAM plugin touches no network namespace and writes no file,
// so these run anywhere (no root needed).
import t from 'tap';
import { existsSync } from 'node:fs';
import { NLKIT_STATIC, REF_DIR, REF_STATIC, runIn, type Run } from './util.js';

const haveRef = existsSync(REF_STATIC);
const opts = haveRef ? { timeout: 120_000 } : { skip: `the reference static plugin is not installed in ${REF_DIR} (apt-get install containernetworking-plugins)` };

type Json = Record<string, any>;
const VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0'];

function env(command: string, cniArgs?: string): Record<string, string | undefined> {
  // CNI_NETNS is required for ADD and CHECK; an IPAM plugin never opens it.
  return { PATH: process.env.PATH, CNI_COMMAND: command, CNI_CONTAINERID: 'ctr1', CNI_NETNS: '/run/netns/static-test', CNI_IFNAME: 'eth0', CNI_PATH: REF_DIR, CNI_ARGS: cniArgs };
}

function conf(ipam: Json | undefined, extra: Json = {}, version = '1.0.0'): Json {
  return { cniVersion: version, name: 'staticnet', type: 'ptp', ...(ipam ? { ipam: { type: 'static', ...ipam } } : {}), ...extra };
}

function both(command: string, c: Json, cniArgs?: string): { ref: Run; mine: Run } {
  return { ref: runIn(undefined, REF_STATIC, env(command, cniArgs), c), mine: runIn(undefined, NLKIT_STATIC, env(command, cniArgs), c) };
}

const FULL: Json = {
  addresses: [
    { address: '10.10.0.1/24', gateway: '10.10.0.254' },
    { address: '3ffe:ffff:0:01ff::1/64', gateway: '3ffe:ffff:0::1' },
    { address: '192.168.7.9/16', gateway: '::ffff:192.168.0.1' },
  ],
  routes: [{ dst: '0.0.0.0/0' }, { dst: '192.168.0.0/16', gw: '10.10.5.1' }, { dst: '3ffe:ffff:0:01ff::1/64' }, { dst: '10.9.9.9/8', gw: '' }],
  dns: { nameservers: ['8.8.8.8', '3ffe:ffff::53'], domain: 'example.com', search: ['example.com', 'example.org'], options: ['ndots:2'] },
};

t.test('the same result, byte for byte, for each spec version the reference speaks', opts, async (t) => {
  const cases: [string, Json, string?][] = [
    ['addresses with gateways, routes (host bits kept), dns', FULL],
    ['no addresses', {}],
    ['IPv6 spelled oddly and an IPv4-compatible address', { addresses: [{ address: 'FD00:0:0::0:5/64' }, { address: '::1.2.3.4/96' }] }],
    ['CNI_ARGS IP and GATEWAY (the gateway goes on the CNI_ARGS address whose subnet holds it)', { addresses: [{ address: '10.10.0.1/24' }] }, 'IP=10.1.1.1/24, 10.2.2.2/16,fd00:9::7/64;GATEWAY=10.1.1.9, 10.10.0.7,fd00:9::1'],
    ['CNI_ARGS with IgnoreUnknown', {}, 'K8S_POD_NAME=p;IgnoreUnknown=true;IP=1.2.3.4/8'],
    ['a later CNI_ARGS IP wins', {}, 'IP=1.2.3.4/8;IP=5.6.7.8/16'],
  ];
  for (const version of VERSIONS) {
    for (const [what, ipam, args] of cases) {
      const { ref, mine } = both('ADD', conf(ipam, {}, version), args);
      t.equal(ref.status, 0, `${version} ${what}: the reference succeeds (${ref.stdout})`);
      t.equal(mine.status, 0, `${version} ${what}: nlkit-static succeeds (${mine.stdout} ${mine.stderr})`);
      t.equal(mine.stdout, ref.stdout, `${version} ${what}: the same stdout`);
    }
  }
  const { mine } = both('ADD', conf(FULL, {}, '0.4.0'));
  t.same(mine.json.ips.map((i: Json) => [i.version, i.address, i.gateway]), [
    ['4', '10.10.0.1/24', '10.10.0.254'], ['6', '3ffe:ffff:0:1ff::1/64', '3ffe:ffff::1'], ['4', '192.168.7.9/16', '192.168.0.1'],
  ], 'what it printed (an IPv4-mapped gateway as IPv4, as Go prints it)');
  t.same(mine.json.routes.map((r: Json) => r.dst), ['0.0.0.0/0', '192.168.0.0/16', '3ffe:ffff:0:1ff::1/64', '10.9.9.9/8']);
});

t.test('args.cni.ips replaces the addresses, and runtimeConfig.ips replaces those', opts, async (t) => {
  const ipam = { addresses: [{ address: '10.10.0.1/24', gateway: '10.10.0.254' }] };
  const cases: [string, Json, string?][] = [
    ['args.cni.ips', { args: { cni: { ips: ['10.9.9.9/24', 'fd00::9/64'] } } }, 'IP=1.2.3.4/8'],
    ['runtimeConfig.ips over args.cni.ips', { args: { cni: { ips: ['10.9.9.9/24'] } }, runtimeConfig: { ips: ['10.8.8.8/16', 'fd00::5/64'] } }],
    ['empty lists change nothing', { args: { cni: { ips: [] } }, runtimeConfig: { ips: [] } }],
  ];
  for (const [what, extra, args] of cases) {
    const { ref, mine } = both('ADD', conf(ipam, extra), args);
    t.equal(ref.status, 0, `${what}: the reference succeeds`);
    t.equal(mine.stdout, ref.stdout, `${what}: the same stdout (${mine.stdout})`);
  }
  const { mine } = both('ADD', conf({ addresses: [{ address: 'not-a-cidr' }] }, { runtimeConfig: { ips: ['10.8.8.8/16'] } }));
  t.equal(mine.status, 0, "a replaced configuration address is never read (the reference's order)");
  t.same(mine.json.ips, [{ address: '10.8.8.8/16' }]);
});

t.test('the same error code and message for what the reference refuses', opts, async (t) => {
  const cases: [string, Json, string?][] = [
    ['no ipam', conf(undefined)],
    ['an address without a prefix length', conf({ addresses: [{ address: '10.10.0.1' }] })],
    ['an address that is no address', conf({ addresses: [{ address: 'ten' }] })],
    ['a gateway that is no address', conf({ addresses: [{ address: '10.10.0.1/24', gateway: 'zz' }] })],
    ['an address of the wrong JSON type', conf({ addresses: [{ address: 5 }] })],
    ['a route dst that is no CIDR', conf({ routes: [{ dst: '10.0.0.0' }] })],
    ['a route gw that is no address', conf({ routes: [{ dst: '10.0.0.0/8', gw: 'x' }] })],
    ['args.cni.ips without a prefix length', conf({}, { args: { cni: { ips: ['10.9.9.9'] } } })],
    ['runtimeConfig.ips without a prefix length', conf({}, { runtimeConfig: { ips: ['fd00::1'] } })],
    ['CNI_ARGS: an unknown key', conf({}), 'FOO=bar'],
    ['CNI_ARGS: an empty pair', conf({}), 'IP=1.2.3.4/8;'],
    ['CNI_ARGS: a pair with two =', conf({}), 'IP=1.2.3.4/8=x'],
    ['CNI_ARGS: IP without a prefix length', conf({}), 'IP=1.2.3.4'],
    ['CNI_ARGS: a gateway that is no address', conf({}), 'IP=1.2.3.4/8;GATEWAY=1.2.3.x'],
    ['CNI_ARGS: IgnoreUnknown not a boolean', conf({}), 'IgnoreUnknown=yes'],
  ];
  for (const [what, c, args] of cases) {
    const { ref, mine } = both('ADD', c, args);
    t.equal(ref.status, 1, `${what}: the reference refuses it`);
    t.equal(mine.status, 1, `${what}: nlkit-static refuses it`);
    t.same({ code: mine.json?.code, msg: mine.json?.msg }, { code: ref.json?.code, msg: ref.json?.msg }, `${what}: ${ref.json?.msg}`);
  }
});

t.test('spec 1.1.0, which the reference does not speak: the 1.0.0 result, and the route fields of 1.1', opts, async (t) => {
  const ipam = { ...FULL, routes: [{ dst: '0.0.0.0/0', gw: '10.10.0.254', mtu: 1400, priority: 10 }] };
  const { ref } = both('ADD', conf(ipam, {}, '1.1.0'));
  t.equal(ref.json?.code, 1, 'the reference refuses 1.1.0');
  const { ref: ref100 } = both('ADD', conf(ipam, {}, '1.0.0'));
  const { mine } = both('ADD', conf(ipam, {}, '1.1.0'));
  t.equal(mine.status, 0, mine.stdout);
  t.same({ ...mine.json, cniVersion: '1.0.0', routes: [{ dst: '0.0.0.0/0', gw: '10.10.0.254' }] }, ref100.json, 'the same as the reference at 1.0.0');
  t.same(mine.json.routes, [{ dst: '0.0.0.0/0', gw: '10.10.0.254', mtu: 1400, priority: 10 }], 'with mtu and priority');
  for (const cmd of ['STATUS', 'GC']) {
    const r = runIn(undefined, NLKIT_STATIC, env(cmd), conf(ipam, {}, '1.1.0'));
    t.equal(r.status, 0, `${cmd} succeeds (${r.stdout})`);
  }
});

t.test('CHECK: the reference\'s comparison of prevResult', opts, async (t) => {
  const ipam = { addresses: [{ address: '10.10.0.1/24', gateway: '10.10.0.254' }, { address: 'fd00::1/64' }] };
  const prev = (ips: Json[]) => ({ prevResult: { cniVersion: '1.0.0', ips } });
  const cases: [string, Json, number][] = [
    ['no prevResult', conf(ipam), 1],
    ['the same addresses and gateway', conf(ipam, prev([{ address: '10.10.0.1/24', gateway: '10.10.0.254' }, { address: 'fd00::1/64' }])), 0],
    ['another gateway', conf(ipam, prev([{ address: '10.10.0.1/16', gateway: '10.10.0.253' }])), 1],
    ['no gateway where one is configured', conf(ipam, prev([{ address: '10.10.0.1/24' }])), 1],
    ['an address prevResult does not hold (passes, as in the reference)', conf(ipam, prev([{ address: '10.10.0.2/24' }])), 0],
    ['a configured address without gateway, prevResult with one', conf(ipam, prev([{ address: 'fd00::1/64', gateway: 'fd00::9' }])), 0],
    ['a config version before CHECK', conf(ipam, prev([]), '0.3.1'), 1],
  ];
  for (const [what, c, status] of cases) {
    const { ref, mine } = both('CHECK', c);
    t.equal(ref.status, status, `${what}: the reference exits ${status}`);
    t.equal(mine.status, status, `${what}: nlkit-static exits ${status}`);
    t.same({ code: mine.json?.code, msg: mine.json?.msg }, { code: ref.json?.code, msg: ref.json?.msg }, `${what}: ${ref.json?.msg ?? 'no error'}`);
  }
});

t.test('DEL releases nothing and succeeds, as the reference\'s', opts, async (t) => {
  for (const c of [conf(FULL), conf(undefined), conf({ addresses: [{ address: 'bad' }] })]) {
    const { ref, mine } = both('DEL', c);
    t.equal(ref.status, 0);
    t.equal(mine.status, 0, mine.stdout);
    t.equal(mine.stdout, '', 'nothing on stdout');
  }
});

t.test('VERSION: every version the reference speaks that nlkit speaks, and 1.1.0', opts, async (t) => {
  const ref = runIn(undefined, REF_STATIC, env('VERSION'), '{}').json.supportedVersions as string[];
  const mine = runIn(undefined, NLKIT_STATIC, env('VERSION'), '{}').json.supportedVersions as string[];
  t.same(ref.filter((v) => !['0.1.0', '0.2.0'].includes(v)), VERSIONS, 'the reference speaks these (and 0.1.0, 0.2.0, which nlkit does not)');
  t.same(mine, [...VERSIONS, '1.1.0']);
});

t.test('what nlkit refuses and the reference prints: a route without dst, a gateway of the other family', opts, async (t) => {
  const cases: [string, Json, RegExp][] = [
    ['a route without dst', conf({ routes: [{ gw: '10.0.0.1' }] }), /needs "dst"/],
    ['an IPv6 gateway for an IPv4 address', conf({ addresses: [{ address: '10.10.0.1/24', gateway: 'fd00::1' }] }), /different IP versions/],
    ['an IPv4-mapped IPv6 address', conf({ addresses: [{ address: '::ffff:10.10.0.1/120' }] }), /IPv4-mapped/],
    ['an IPv4-mapped IPv6 route', conf({ routes: [{ dst: '::ffff:10.0.0.0/104' }] }), /IPv4-mapped/],
  ];
  for (const [what, c, msg] of cases) {
    const { ref, mine } = both('ADD', c);
    t.equal(ref.status, 0, `${what}: the reference prints it (${ref.stdout.replace(/\s+/g, ' ')})`);
    t.equal(mine.json?.code, 7, `${what}: nlkit-static refuses it with 7`);
    t.match(`${mine.json?.msg}: ${mine.json?.details}`, msg);
  }
});
