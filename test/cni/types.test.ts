// CNI types without the kernel: result parsing and conversion between spec versions,
// configuration checks with their error codes, JSON safety, CNI_ARGS, version
// negotiation with delegated plugins.
import t from 'tap';
import {
  CniError, CNI_ERR, SUPPORTED_VERSIONS, convertResult, formatResult, parseNetConf, parseResult, parseJsonSafe, parseCniArgs,
  compareVersions, negotiateVersion, ifnameProblem, isValidId,
} from '../../src/cni/index.js';

const full11 = {
  cniVersion: '1.1.0',
  interfaces: [
    { name: 'veth0a1b2c3d', mac: '02:00:00:00:00:01', mtu: 1400 },
    { name: 'eth0', mac: '02:00:00:00:00:02', mtu: 1400, sandbox: '/run/netns/c1', socketPath: '/run/x.sock', pciID: '0000:00:1f.6' },
  ],
  ips: [
    { interface: 1, address: '10.1.0.2/24', gateway: '10.1.0.1' },
    { interface: 1, address: 'fd00:0001:0000::0002/64', gateway: 'FD00:1::1' },
  ],
  routes: [{ dst: '0.0.0.0/0' }, { dst: '10.9.0.0/16', gw: '10.1.0.1', mtu: 1300, advmss: 1260, priority: 10, table: 100, scope: 0 }],
  dns: { nameservers: ['10.1.0.1'], domain: 'example', search: ['a.example'], options: ['ndots:2'] },
};

function errOf(fn: () => unknown): CniError {
  try {
    fn();
  } catch (e) {
    if (e instanceof CniError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

t.test('a 1.1 result prints as every spec version', async (t) => {
  const r = parseResult(full11, '1.1.0');
  t.equal(r.ips![1]!.address, 'fd00:1::2/64', 'IPv6 in canonical form (RFC 5952)');
  t.equal(r.ips![1]!.gateway, 'fd00:1::1');
  const v11 = formatResult(r, '1.1.0');
  t.same(v11, { ...full11, ips: [full11.ips[0], { interface: 1, address: 'fd00:1::2/64', gateway: 'fd00:1::1' }] }, '1.1.0 keeps every field');
  const v10 = formatResult(r, '1.0.0');
  t.same((v10['interfaces'] as any[])[1], { name: 'eth0', mac: '02:00:00:00:00:02', sandbox: '/run/netns/c1' }, '1.0.0: no mtu, socketPath, pciID');
  t.same((v10['routes'] as any[])[1], { dst: '10.9.0.0/16', gw: '10.1.0.1' }, '1.0.0: routes without the 1.1 attributes');
  t.same((v10['ips'] as any[]).map((i) => i.version), [undefined, undefined], '1.0.0: no ips[].version');
  for (const v of ['0.3.0', '0.3.1', '0.4.0'] as const) {
    const o = formatResult(r, v);
    t.equal(o['cniVersion'], v);
    t.same((o['ips'] as any[]).map((i) => [i.version, i.interface]), [['4', 1], ['6', 1]], `${v}: ips[].version from the address`);
    t.same(Object.keys((o['ips'] as any[])[0]), ['version', 'interface', 'address', 'gateway'], `${v}: key order as libcni prints it`);
  }
  t.same(Object.keys(v10), ['cniVersion', 'interfaces', 'ips', 'routes', 'dns']);
});

t.test('conversion round trips: 0.4.0 → 1.1.0 → 0.4.0', async (t) => {
  const v04 = {
    cniVersion: '0.4.0',
    interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:02', sandbox: '/proc/1/ns/net' }],
    ips: [{ version: '4', interface: 0, address: '10.1.0.2/24', gateway: '10.1.0.1' }],
    routes: [{ dst: '0.0.0.0/0', gw: '10.1.0.1' }],
    dns: {},
  };
  const up = convertResult(v04, '0.4.0', '1.1.0');
  t.same(up['ips'], [{ interface: 0, address: '10.1.0.2/24', gateway: '10.1.0.1' }], 'version dropped going up');
  t.same(convertResult(up, '1.1.0', '0.4.0'), v04, 'and restored coming down');
  t.same(formatResult(parseResult({ cniVersion: '1.0.0' }, '1.0.0'), '1.0.0'), { cniVersion: '1.0.0', dns: {} }, 'an empty result still has dns: {} (as libcni prints it)');
});

t.test('malformed results are refused with the field named', async (t) => {
  const bad: [unknown, RegExp][] = [
    [[], /expected a JSON object/],
    [{ ips: {} }, /'ips' must be a list/],
    [{ ips: [{ address: '10.1.0.2' }] }, /prefix length/],
    [{ ips: [{ address: '10.1.0.2/33' }] }, /prefix length/],
    [{ ips: [{ address: 'fe80::1%eth0/64' }] }, /prefix length/],
    [{ ips: [{ address: '10.1.0.2/24', gateway: 'fd00::1' }] }, /different IP versions/],
    [{ ips: [{ address: '10.1.0.2/24', version: '6' }] }, /'version' is "6"/],
    [{ ips: [{ address: '10.1.0.2/24', interface: 3 }], interfaces: [{ name: 'eth0' }] }, /not an index/],
    [{ interfaces: [{ mac: 'x' }] }, /'name' is required/],
    [{ routes: [{ dst: 'default' }] }, /'dst' must be a prefix/],
    [{ routes: [{ dst: '0.0.0.0/0', gw: 'fd00::1' }] }, /different IP versions/],
    [{ routes: [{ dst: '0.0.0.0/0', scope: 256 }] }, /'scope' must be an integer in 0\.\.255, got 256/],
    [{ dns: { nameservers: 'x' } }, /list of strings/],
    [{ dns: { nameservers: ['dns.example'] } }, /not an IP address/],
    [{ dns: { nameservers: ['10.0.0.53%eth0'] } }, /not an IP address/],
    [{ dns: { nameservers: ['fe80::1%'] } }, /not an IP address/],
    [{ dns: { nameservers: ['fe80::1%eth 0'] } }, /not an IP address/],
  ];
  for (const [v, re] of bad) {
    const e = errOf(() => parseResult(v, '1.0.0', CNI_ERR.DECODE_FAILED));
    t.equal(e.code, 6, JSON.stringify(v));
    t.match(e.message, re);
  }
  t.equal(parseResult({ routes: [{ dst: '10.9.8.7/16' }] }, '1.0.0').routes![0]!.dst, '10.9.0.0/16', 'route dst masked to its network, as Go\'s ParseCIDR does');
  t.same(parseResult({ dns: { nameservers: ['10.0.0.53', 'fe80::1%eth0', 'fe80::2%2'] } }, '1.0.0').dns, { nameservers: ['10.0.0.53', 'fe80::1%eth0', 'fe80::2%2'] },
    'an IPv6 nameserver may carry its zone, as resolv.conf writes it (kept as given)');
});

t.test('network configuration checks and their codes', async (t) => {
  const good = { cniVersion: '1.1.0', name: 'net-1', type: 'nlkit-ptp', ipam: { type: 'host-local' }, extra: { kept: true } };
  const c = parseNetConf(good);
  t.equal(c.cniVersion, '1.1.0');
  t.equal(c.ipam?.type, 'host-local');
  t.same(c.raw['extra'], { kept: true }, 'plugin-specific fields kept');
  const cases: [Record<string, unknown>, number, RegExp][] = [
    [{ ...good, cniVersion: undefined }, 7, /missing cniVersion/],
    [{ ...good, cniVersion: '0.2.0' }, 1, /incompatible CNI versions/],
    [{ ...good, cniVersion: '1.2.0' }, 1, /supports \["0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"\]/],
    [{ ...good, name: undefined }, 7, /missing network name/],
    [{ ...good, name: '-x' }, 7, /network name/],
    [{ ...good, type: 'a/b' }, 7, /not a plugin file name/],
    [{ ...good, ipam: { type: '..' } }, 7, /not a plugin file name/],
    [{ ...good, ipam: [] }, 7, /'ipam' must be an object/],
    [{ ...good, ipMasq: 'yes' }, 7, /ipMasq/],
    [{ ...good, capabilities: { mac: 1 } }, 7, /capabilities/],
    [{ ...good, args: 'x' }, 7, /'args' must be an object/],
    [{ ...good, 'cni.dev/valid-attachments': [{ containerID: 1 }] }, 7, /valid-attachments\[0\]/],
    [{ ...good, prevResult: { ips: 'x' } }, 7, /prevResult/],
  ];
  for (const [v, code, re] of cases) {
    const e = errOf(() => parseNetConf(v));
    t.equal(e.code, code, `${JSON.stringify(v).slice(0, 90)} → ${code}`);
    t.match(e.message, re);
  }
  const only10 = errOf(() => parseNetConf(good, ['1.0.0']));
  t.equal(only10.code, 1, "a plugin's own version list is honoured");
  const prev = parseNetConf({ ...good, cniVersion: '0.4.0', prevResult: { cniVersion: '0.4.0', ips: [{ version: '4', address: '10.1.0.2/24' }] } });
  t.same(prev.prevResult?.ips, [{ address: '10.1.0.2/24' }], 'prevResult read in the configuration\'s version, kept in the current form');
  const gc = parseNetConf({ ...good, 'cni.dev/attachments': [{ containerID: 'a', ifname: 'eth0' }] });
  t.same(gc.validAttachments, [{ containerID: 'a', ifname: 'eth0' }], "libcni's alternative GC key");
});

t.test('JSON safety: __proto__ and constructor.prototype are refused, deep nesting too', async (t) => {
  for (const text of [
    '{"__proto__": {"x": 1}}',
    '{"a": [{"b": {"__proto__": {}}}]}',
    '{"\\u005f\\u005fproto__": {}}',
    '{"constructor": {"prototype": {"x": 1}}}',
    '{"a": {"constructor": {"prototype": null}}}',
    '{"a": ',
    '['.repeat(200_000),
  ]) {
    const e = errOf(() => parseJsonSafe(text));
    t.equal(e.code, 6, text.slice(0, 40));
  }
  t.same(parseJsonSafe('{"constructor": "fine", "prototype": {}}'), { constructor: 'fine', prototype: {} }, 'the names alone are fine');
  t.equal(({} as Record<string, unknown>)['x'], undefined, 'Object.prototype untouched');
});

t.test('CNI_ARGS, identifiers, interface names, versions', async (t) => {
  t.same([...parseCniArgs('IgnoreUnknown=1;K8S_POD_NAME=web-0;;EMPTY=')], [['IgnoreUnknown', '1'], ['K8S_POD_NAME', 'web-0'], ['EMPTY', '']]);
  t.same([...parseCniArgs(undefined)], []);
  t.equal(errOf(() => parseCniArgs('a=1;b')).code, 4);
  t.equal(errOf(() => parseCniArgs('=1')).code, 4);
  t.ok(isValidId('abc-1.2_3'));
  t.notOk(isValidId('_abc'));
  t.notOk(isValidId(''));
  t.equal(ifnameProblem('eth0'), undefined);
  for (const bad of ['', '.', '..', 'a:b', 'a/b', 'a b', 'a\tb', 'abcdefghijklmnop']) t.type(ifnameProblem(bad), 'string', JSON.stringify(bad));
  // The kernel's isspace() (dev_valid_name) also counts the byte 0xa0, which UTF-8 has in
  // 'à' (c3 a0), 'Ġ' (c4 a0) and U+00A0 itself: such names are EINVAL to the kernel.
  for (const bad of ['eà', 'xĠ', 'a\u00a0b']) t.match(ifnameProblem(bad), /whitespace/, `${JSON.stringify(bad)}: a byte the kernel counts as whitespace`);
  t.equal(ifnameProblem('é0'), undefined, 'other UTF-8 names the kernel takes are fine');
  t.ok(compareVersions('0.10.0', '0.4.0') > 0, 'numeric, not lexical');
  t.equal(compareVersions('1.1.0', '1.1.0'), 0);
  t.same([...SUPPORTED_VERSIONS], ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0']);
});

t.test('version negotiation with a delegated plugin', async (t) => {
  const hostLocal111 = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0'];
  t.equal(negotiateVersion('1.0.0', hostLocal111, 'ADD'), '1.0.0', 'spoken: unchanged');
  t.equal(negotiateVersion('1.1.0', hostLocal111, 'ADD'), '1.0.0', 'newest common version not newer than the configuration');
  t.equal(negotiateVersion('1.1.0', hostLocal111, 'CHECK'), '1.0.0');
  t.equal(negotiateVersion('1.1.0', hostLocal111, 'GC'), undefined, 'GC needs 1.1.0 on both sides');
  t.equal(negotiateVersion('1.1.0', undefined, 'ADD'), '1.1.0', 'a plugin that will not say gets the configuration as is');
  t.equal(negotiateVersion('0.4.0', ['1.0.0'], 'ADD'), undefined, 'never newer than the configuration');
  // A configuration older than the command has no version to send it in, spoken or not.
  t.equal(negotiateVersion('0.3.1', hostLocal111, 'CHECK'), undefined, 'CHECK needs 0.4.0: not sent as 0.3.1');
  t.equal(negotiateVersion('1.0.0', [...hostLocal111, '1.1.0'], 'STATUS'), undefined, 'STATUS needs 1.1.0: not sent as 1.0.0');
  t.equal(negotiateVersion('1.0.0', undefined, 'GC'), undefined, 'not to a plugin that will not say either');
});

t.test('a result field given as undefined prints as one left out (what CniResult\'s `?: T | undefined` promises)', async (t) => {
  // A plugin compiled with exactOptionalPropertyTypes returns `{ ...ipam, ips: ipam.ips?.map(…) }`
  // or `{ address, gateway: conf.gateway }`: undefined is absent, never a key in the output.
  const undef = {
    cniVersion: '1.1.0',
    interfaces: [
      { name: 'veth0a1b2c3d', mac: '02:00:00:00:00:01', mtu: undefined, sandbox: undefined, socketPath: undefined, pciID: undefined },
      { name: 'eth0', mac: undefined, sandbox: '/run/netns/c1' },
    ],
    ips: [{ address: '10.1.0.2/24', gateway: undefined, interface: undefined }],
    routes: [{ dst: '0.0.0.0/0', gw: undefined, mtu: undefined, advmss: undefined, priority: undefined, table: undefined, scope: undefined }],
    dns: { nameservers: undefined, domain: undefined, search: undefined, options: undefined },
  };
  const plain = {
    cniVersion: '1.1.0',
    interfaces: [{ name: 'veth0a1b2c3d', mac: '02:00:00:00:00:01' }, { name: 'eth0', sandbox: '/run/netns/c1' }],
    ips: [{ address: '10.1.0.2/24' }],
    routes: [{ dst: '0.0.0.0/0' }],
    dns: {},
  };
  for (const v of SUPPORTED_VERSIONS) {
    t.same(formatResult(undef, v), formatResult(plain, v), `${v}: undefined fields left out`);
    t.same(formatResult({ cniVersion: '1.1.0', interfaces: undefined, ips: undefined, routes: undefined, dns: undefined }, v), formatResult({ cniVersion: '1.1.0' }, v), `${v}: undefined lists left out`);
  }
  t.notOk(JSON.stringify(formatResult(undef, '1.1.0')).includes('undefined'), 'nothing undefined printed');
});

t.test('null in an optional result field is that field left out, as Go reads it (as gateway, gw and dns lists already were)', async (t) => {
  const withNulls = {
    cniVersion: '1.0.0',
    interfaces: [{ name: 'eth0', mac: null, mtu: null, sandbox: null, socketPath: null, pciID: null }],
    ips: [{ address: '10.1.0.2/24', gateway: null, interface: null, version: null }, { address: '10.2.0.2/24', interface: 0 }],
    routes: [{ dst: '0.0.0.0/0', gw: null, mtu: null, advmss: null, priority: null, table: null, scope: null }],
    dns: { nameservers: null, domain: null, search: null, options: null },
  };
  t.same(parseResult(withNulls, '1.0.0'), {
    cniVersion: '1.0.0',
    interfaces: [{ name: 'eth0' }],
    ips: [{ address: '10.1.0.2/24' }, { address: '10.2.0.2/24', interface: 0 }],
    routes: [{ dst: '0.0.0.0/0' }],
    dns: {},
  });
  t.equal(errOf(() => parseResult({ interfaces: [{ name: null }] }, '1.0.0')).code, 6, 'a name is still required');
});

t.test('a result version nlkit does not read or write is refused (code 1), not converted as if it were 0.3/1.0', async (t) => {
  // 0.2.0 results have ip4/ip6 instead of ips: read as 0.3.0, everything was dropped silently.
  const r020 = { cniVersion: '0.2.0', ip4: { ip: '10.0.0.2/24', gateway: '10.0.0.1' }, dns: {} };
  t.match(errOf(() => convertResult(r020, '0.2.0', '1.0.0')), { code: CNI_ERR.INCOMPATIBLE_VERSION, message: /0\.2\.0/ });
  t.match(errOf(() => parseResult(r020, '0.2.0')), { code: CNI_ERR.INCOMPATIBLE_VERSION });
  t.match(errOf(() => convertResult({ ips: [{ address: '10.0.0.2/24' }] }, 'bogus', '1.0.0')), { code: CNI_ERR.INCOMPATIBLE_VERSION });
  // Printed as 0.2.0 or 9.9.9, a 0.3/1.0-shaped result was labelled with a version whose readers expect another shape.
  t.match(errOf(() => convertResult({ ips: [{ address: '10.0.0.2/24' }] }, '1.0.0', '0.2.0' as never)), { code: CNI_ERR.INCOMPATIBLE_VERSION, message: /0\.2\.0/ });
  t.match(errOf(() => formatResult({ cniVersion: '1.0.0' }, '9.9.9' as never)), { code: CNI_ERR.INCOMPATIBLE_VERSION });
});
