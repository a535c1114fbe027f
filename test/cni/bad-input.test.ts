// Bad input to nlkit-ptp — malformed JSON, prototype-poisoning keys, missing fields,
// unsupported versions, a CNI_NETNS that is not a network namespace, invalid
// CNI_IFNAME and friends — gives the spec's error object on stdout (and nothing else),
// exit status 1, and changes nothing: not the kernel (links, addresses, routes, rules,
// neighbours, forwarding sysctls of both namespaces) and not the host-local store.
import t from 'tap';
import { writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { privileged, ip } from '../helpers.js';
import { ptp, ptpConf, world, storeSnapshot, kernelState, REF_DIR, NLKIT_PTP, runIn, type World } from './util.js';

const needs = existsSync(`${REF_DIR}/host-local`) ? { ...privileged, timeout: 120_000 } : { skip: `${REF_DIR}/host-local is not installed` };

type Json = Record<string, any>;

interface Case {
  name: string;
  command?: string;
  /** The configuration (object or raw text), from the world's valid one. */
  conf?: (good: Json, w: World) => Json | string;
  env?: (w: World) => Record<string, string | undefined>;
  code: number;
  msg?: RegExp;
}

const cases: Case[] = [
  { name: 'malformed JSON', conf: () => '{"cniVersion": "1.1.0", "name": ', code: 6, msg: /failed to decode/ },
  { name: 'not JSON at all', conf: () => 'cniVersion=1.1.0', code: 6 },
  { name: 'empty stdin', conf: () => '', code: 6, msg: /decode/ },
  { name: 'a JSON array', conf: () => '[]', code: 7 },
  { name: '__proto__ key at the top', conf: (g) => `{"__proto__": {"polluted": true}, ${JSON.stringify(g).slice(1)}`, code: 6, msg: /failed to decode/ },
  { name: '__proto__ key nested in ipam', conf: (g) => JSON.stringify(g).replace('"type":"host-local"', '"type":"host-local","__proto__":{"x":1}'), code: 6 },
  { name: '__proto__ key written with escapes', conf: (g) => JSON.stringify(g).replace('"mtu"', '"\\u005f_proto__":{},"mtu"'), code: 6 },
  { name: 'constructor.prototype key', conf: (g) => JSON.stringify({ ...g, constructor: { prototype: { polluted: true } } }), code: 6, msg: /decode/ },
  { name: 'missing cniVersion', conf: (g) => ({ ...g, cniVersion: undefined }), code: 7, msg: /cniVersion/ },
  { name: 'missing name', conf: (g) => ({ ...g, name: undefined }), code: 7, msg: /network name/ },
  { name: 'bad network name', conf: (g) => ({ ...g, name: '../etc' }), code: 7, msg: /network name/ },
  { name: 'missing type', conf: (g) => ({ ...g, type: undefined }), code: 7, msg: /type/ },
  { name: 'missing ipam', conf: (g) => ({ ...g, ipam: undefined }), code: 7, msg: /ipam/ },
  { name: 'ipam type that is a path', conf: (g) => ({ ...g, ipam: { ...g.ipam, type: '../../bin/true' } }), code: 7 },
  { name: 'cniVersion 0.2.0', conf: (g) => ({ ...g, cniVersion: '0.2.0' }), code: 1, msg: /incompatible CNI versions/ },
  { name: 'cniVersion 2.0.0', conf: (g) => ({ ...g, cniVersion: '2.0.0' }), code: 1 },
  { name: 'cniVersion as a number', conf: (g) => ({ ...g, cniVersion: 1 }), code: 7 },
  { name: 'mtu as a string', conf: (g) => ({ ...g, mtu: '1400' }), code: 7, msg: /mtu/ },
  { name: 'mtu too small', conf: (g) => ({ ...g, mtu: 20 }), code: 7, msg: /mtu/ },
  { name: 'queues 0', conf: (g) => ({ ...g, queues: 0 }), code: 7, msg: /queues/ },
  { name: 'queues over the kernel limit', conf: (g) => ({ ...g, queues: 4097 }), code: 7, msg: /queues/ },
  { name: 'queues as a string', conf: (g) => ({ ...g, queues: '1' }), code: 7, msg: /queues/ },
  { name: 'ipMasq not a boolean', conf: (g) => ({ ...g, ipMasq: 'yes' }), code: 7, msg: /ipMasq/ },
  { name: 'dns nameserver not an IP', conf: (g) => ({ ...g, dns: { nameservers: ['dns.example'] } }), code: 7 },
  { name: 'bad runtimeConfig.mac', conf: (g) => ({ ...g, runtimeConfig: { mac: 'zz:zz' } }), code: 7, msg: /mac/ },
  { name: 'runtimeConfig.mac multicast', conf: (g) => ({ ...g, runtimeConfig: { mac: '01:00:5e:00:00:01' } }), code: 7, msg: /runtimeConfig\.mac/ },
  { name: 'runtimeConfig.mac all zeros', conf: (g) => ({ ...g, runtimeConfig: { mac: '00:00:00:00:00:00' } }), code: 7, msg: /runtimeConfig\.mac/ },
  { name: 'CNI_NETNS is a regular file', env: (w) => ({ CNI_NETNS: join(w.dir, 'file') }), code: 4, msg: /CNI_NETNS/ },
  { name: 'CNI_NETNS is a directory', env: (w) => ({ CNI_NETNS: w.dir }), code: 4, msg: /CNI_NETNS/ },
  { name: 'CNI_NETNS is another namespace type', env: () => ({ CNI_NETNS: '/proc/self/ns/uts' }), code: 4, msg: /CNI_NETNS/ },
  { name: 'CNI_NETNS does not exist', env: (w) => ({ CNI_NETNS: join(w.dir, 'gone') }), code: 3 },
  { name: 'CNI_NETNS missing', env: () => ({ CNI_NETNS: undefined }), code: 4, msg: /CNI_NETNS/ },
  { name: 'CNI_IFNAME with a colon', env: () => ({ CNI_IFNAME: 'eth0:1' }), code: 4, msg: /CNI_IFNAME/ },
  { name: 'CNI_IFNAME with a slash', env: () => ({ CNI_IFNAME: 'a/b' }), code: 4 },
  { name: 'CNI_IFNAME with a space', env: () => ({ CNI_IFNAME: 'eth 0' }), code: 4 },
  { name: 'CNI_IFNAME of 16 bytes', env: () => ({ CNI_IFNAME: 'abcdefghijklmnop' }), code: 4 },
  { name: 'CNI_IFNAME ..', env: () => ({ CNI_IFNAME: '..' }), code: 4 },
  { name: "CNI_IFNAME with a byte the kernel counts as whitespace (0xa0 in 'à')", env: () => ({ CNI_IFNAME: 'eà' }), code: 4, msg: /CNI_IFNAME/ },
  { name: 'CNI_IFNAME empty', env: () => ({ CNI_IFNAME: '' }), code: 4, msg: /CNI_IFNAME/ },
  { name: 'CNI_IFNAME taken in the container', env: () => ({ CNI_IFNAME: 'taken0' }), code: 4, msg: /CNI_IFNAME/ },
  { name: 'CNI_CONTAINERID missing', env: () => ({ CNI_CONTAINERID: undefined }), code: 4, msg: /CNI_CONTAINERID/ },
  { name: 'CNI_CONTAINERID with a space', env: () => ({ CNI_CONTAINERID: 'bad id' }), code: 4, msg: /CNI_CONTAINERID/ },
  { name: 'CNI_CONTAINERID starting with a dot', env: () => ({ CNI_CONTAINERID: '.hidden' }), code: 4 },
  { name: 'CNI_ARGS not KEY=VALUE', env: () => ({ CNI_ARGS: 'IgnoreUnknown=1;junk' }), code: 4, msg: /CNI_ARGS/ },
  { name: 'CNI_COMMAND missing', env: () => ({ CNI_COMMAND: undefined }), code: 4, msg: /CNI_COMMAND/ },
  { name: 'CNI_COMMAND unknown', env: () => ({ CNI_COMMAND: 'add' }), code: 4, msg: /unknown CNI_COMMAND/ },
  { name: 'CNI_PATH without host-local', env: (w) => ({ CNI_PATH: w.dir }), code: 50, msg: /host-local/ },
  { name: 'CHECK with cniVersion 0.3.1', command: 'CHECK', conf: (g) => ({ ...g, cniVersion: '0.3.1' }), code: 1, msg: /CHECK/ },
  { name: 'CHECK without prevResult', command: 'CHECK', code: 7, msg: /prevResult/ },
  { name: 'CHECK with a malformed prevResult', command: 'CHECK', conf: (g) => ({ ...g, prevResult: { ips: [{ address: 'nope' }] } }), code: 7, msg: /prevResult/ },
  { name: 'DEL with CNI_NETNS a regular file', command: 'DEL', env: (w) => ({ CNI_NETNS: join(w.dir, 'file') }), code: 4 },
  { name: 'DEL with malformed JSON', command: 'DEL', conf: () => '{', code: 6 },
  { name: 'STATUS with cniVersion 1.0.0', command: 'STATUS', conf: (g) => ({ ...g, cniVersion: '1.0.0' }), code: 1 },
];

t.test('bad input: spec error JSON, exit 1, nothing changed', needs, async (t) => {
  const w = world(t);
  writeFileSync(join(w.dir, 'file'), 'not a namespace');
  ip(w.ctr.path, ['link', 'add', 'taken0', 'type', 'veth', 'peer', 'name', 'taken1']);
  // A reservation of another container, so the store is not empty to begin with.
  mkdirSync(join(w.dataDir, 'ptpnet'), { recursive: true });
  writeFileSync(join(w.dataDir, 'ptpnet', '10.1.0.9'), 'other\r\neth0');
  const good = ptpConf(w);
  // host-local's empty lock file is not state: a DEL (which releases IPAM even when
  // CNI_NETNS is bad) makes one.
  const store = (): Record<string, string> => Object.fromEntries(Object.entries(storeSnapshot(w.dataDir)).filter(([k, v]) => !(k.endsWith('/lock') && v === '')));
  const snap = () => ({ host: kernelState(w.host.path), ctr: kernelState(w.ctr.path), store: store() });
  const before = snap();

  for (const c of cases) {
    const raw = c.conf ? c.conf(good, w) : good;
    const conf = typeof raw === 'string' ? raw : JSON.parse(JSON.stringify(raw));
    const r = ptp(w, c.command ?? 'ADD', conf, c.env?.(w) ?? {});
    t.equal(r.status, 1, `${c.name}: exit 1`);
    let o: Json | undefined;
    try {
      o = JSON.parse(r.stdout);
    } catch {
      t.fail(`${c.name}: stdout is one JSON document (got ${JSON.stringify(r.stdout)}; stderr ${r.stderr})`);
      continue;
    }
    t.same(Object.keys(o!).filter((k) => !['cniVersion', 'code', 'msg', 'details'].includes(k)), [], `${c.name}: only the error object's keys`);
    t.equal(o!.code, c.code, `${c.name}: code ${c.code} (${o!.msg}${o!.details ? ` — ${o!.details}` : ''})`);
    t.type(o!.msg, 'string');
    t.type(o!.cniVersion, 'string');
    if (c.msg) t.match(`${o!.msg} ${o!.details ?? ''}`, c.msg, `${c.name}: message`);
    t.same(snap(), before, `${c.name}: nothing changed in the kernel or the IPAM store`);
  }
  t.equal(({} as Json).polluted, undefined, 'Object.prototype untouched in the test process too');
});

t.test('DEL with a CNI_NETNS that is no longer a netns still releases the IPAM reservation (and says what failed)', needs, async (t) => {
  const w = world(t);
  writeFileSync(join(w.dir, 'stale'), 'not a namespace any more');
  const conf = ptpConf(w);
  const add = ptp(w, 'ADD', conf);
  t.equal(add.status, 0, `ADD: ${add.stdout} ${add.stderr}`);
  const reserved = (): string[] => Object.keys(storeSnapshot(w.dataDir)).filter((k) => /\/\d+\.\d+\.\d+\.\d+$/.test(k) && !k.endsWith('10.1.0.9'));
  t.equal(reserved().length, 1, 'the ADD reserved one address');
  const del = ptp(w, 'DEL', conf, { CNI_NETNS: join(w.dir, 'stale') });
  t.equal(del.status, 1, 'the DEL reports the bad CNI_NETNS');
  t.match(del.json, { code: 4, msg: /CNI_NETNS/ });
  t.same(reserved(), [], 'the reservation is released all the same (a DEL failing there every time would hold it for ever)');
  // The link in the real container netns is the runtime's to clean up with a good CNI_NETNS.
  const again = ptp(w, 'DEL', conf);
  t.equal(again.status, 0, `a DEL with the real netns then finishes the job: ${again.stdout}`);
});

t.test('a configuration larger than the cap is refused with code 5', needs, async (t) => {
  const w = world(t);
  const good = ptpConf(w);
  const big = JSON.stringify({ ...good, args: { pad: 'x'.repeat(5 * 1024 * 1024) } });
  const before = storeSnapshot(w.dataDir);
  const r = ptp(w, 'ADD', big);
  t.equal(r.status, 1);
  t.match(r.json, { code: 5, msg: 'network configuration too large' });
  t.same(storeSnapshot(w.dataDir), before);
});

t.test('VERSION: supported versions, with or without stdin, no other variable needed', async (t) => {
  for (const input of ['', '{"cniVersion":"1.1.0"}', '{"cniVersion":"0.3.1"}']) {
    const r = runIn(undefined, NLKIT_PTP, { PATH: process.env.PATH, CNI_COMMAND: 'VERSION' }, input);
    t.equal(r.status, 0, `VERSION with stdin ${JSON.stringify(input)}`);
    t.same(r.json, { cniVersion: '1.1.0', supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] });
  }
});
