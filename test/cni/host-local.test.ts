// nlkit-host-local against the reference host-local IPAM plugin (Debian's
// containernetworking-plugins 1.1.1, /usr/lib/cni/host-local), run side by side on the
// same configurations, each in a temporary dataDir of its own (removed after the test):
// the same stdout and the same store, file by file (names, modes, bytes), after every
// step of a sequence of ADDs, DELs and CHECKs; either plugin's DEL releases the other's
// allocation and the two share one store; concurrent ADDs of both never hand out an
// address twice; the same errors (exhausted range, a requested address taken, bad
// configuration, with nothing written); GC and STATUS (1.1.0, which the reference does
// not speak). The IPAM runs touch no network namespace and run without root; the last
// test, nlkit-ptp on nlkit-host-local with no Go plugin in CNI_PATH, needs it.
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as sys from '../../src/netlink/sys.js';
import { privileged } from '../helpers.js';
import {
  NLKIT_HOST_LOCAL, NLKIT_PTP, REF_DIR, REF_HOST_LOCAL, REF_PTP, cniEnv, normalisedResult, normalisedState, ptpConf, runIn, settle, world, type Run, type World,
} from './util.js';

const haveRef = existsSync(REF_HOST_LOCAL);
const opts = haveRef ? { timeout: 180_000 } : { skip: `the reference host-local plugin is not installed in ${REF_DIR} (apt-get install containernetworking-plugins)` };

type Json = Record<string, any>;
const NET = 'hlnet';

/** A temporary directory, removed when the test ends. */
function tmp(t: { teardown(fn: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'nlkit-hl-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

function conf(dataDir: string, ipam: Json, extra: Json = {}, version = '1.0.0'): Json {
  return { cniVersion: version, name: NET, type: 'ptp', ipam: { type: 'host-local', dataDir, ...ipam }, ...extra };
}

function env(command: string, id = 'ctr1', ifName = 'eth0', cniArgs?: string): Record<string, string | undefined> {
  // CNI_NETNS is required for ADD and CHECK; an IPAM plugin never opens it.
  return { PATH: process.env.PATH, CNI_COMMAND: command, CNI_CONTAINERID: id, CNI_NETNS: '/run/netns/hl-test', CNI_IFNAME: ifName, CNI_PATH: REF_DIR, CNI_ARGS: cniArgs };
}

const hl = (plugin: string, command: string, c: Json, id?: string, ifName?: string, cniArgs?: string): Run => runIn(undefined, plugin, env(command, id, ifName, cniArgs), c);

/** The run without blocking: for runs in parallel. */
function hlAsync(plugin: string, command: string, c: Json, id: string, ifName = 'eth0'): Promise<Run> {
  const e: Record<string, string> = {};
  for (const [k, v] of Object.entries(env(command, id, ifName))) if (v !== undefined) e[k] = v;
  const cmd = plugin.endsWith('.js') ? [process.execPath, plugin] : [plugin];
  return new Promise((resolve, reject) => {
    const c2 = spawn(cmd[0]!, cmd.slice(1), { env: e });
    let out = '';
    let err = '';
    c2.stdout.on('data', (d) => (out += d));
    c2.stderr.on('data', (d) => (err += d));
    c2.on('error', reject);
    c2.on('close', (status) => resolve({ status, stdout: out, stderr: err, get json() { return out.trim() === '' ? undefined : JSON.parse(out); } }));
    c2.stdin.end(JSON.stringify(c));
  });
}

/** The store under `dataDir`: every file and directory with its mode, and each file's bytes (latin1). */
function store(dataDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      const st = lstatSync(p);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isDirectory()) {
        out[`${rel}${n}/`] = mode;
        walk(p, `${rel}${n}/`);
      } else out[`${rel}${n}`] = `${mode} ${JSON.stringify(readFileSync(p, 'latin1'))}`;
    }
  };
  if (existsSync(dataDir)) walk(dataDir, '');
  return out;
}

/** The reservations of a network: address → owner (the file's contents). */
function owners(dataDir: string, network = NET): Record<string, string> {
  const dir = join(dataDir, network);
  const out: Record<string, string> = {};
  for (const n of existsSync(dir) ? readdirSync(dir) : []) if (n !== 'lock' && !n.startsWith('last_reserved_ip')) out[n] = readFileSync(join(dir, n), 'utf8');
  return out;
}

/** What to compare of two runs: the exit status, and stdout exactly for a result, code and message for an error (nlkit's error objects also carry cniVersion). */
function outcome(r: Run): Json {
  if (r.status === 0) return { status: 0, stdout: r.stdout };
  const j = r.json as Json | undefined;
  return { status: r.status, code: j?.code, msg: j?.msg };
}

type Step = [command: string, id: string, ifName?: string, cniArgs?: string];

/** Run `steps` with the reference in one dataDir and with nlkit in another: the same outcome and the same store after each step. */
function sideBySide(t: any, name: string, ipam: (dataDir: string) => Json, steps: Step[], extra: Json = {}, version = '1.0.0'): { ref: string; mine: string } {
  const base = tmp(t);
  const ref = join(base, 'ref');
  const mine = join(base, 'nlkit');
  for (const [command, id, ifName, cniArgs] of steps) {
    const what = `${name}: ${command} ${id}/${ifName ?? 'eth0'}${cniArgs ? ` ${cniArgs}` : ''}`;
    const r = hl(REF_HOST_LOCAL, command, conf(ref, ipam(ref), extra, version), id, ifName, cniArgs);
    const m = hl(NLKIT_HOST_LOCAL, command, conf(mine, ipam(mine), extra, version), id, ifName, cniArgs);
    t.same(outcome(m), outcome(r), `${what}: ${r.status === 0 ? (r.json?.ips?.map((i: Json) => i.address).join(' ') ?? 'ok') : r.json?.msg}`);
    t.same(store(mine), store(ref), `${what}: the same store`);
  }
  return { ref, mine };
}

const DUAL = (resolv: string) => ({
  resolvConf: resolv,
  routes: [{ dst: '10.9.9.9/8', gw: '10.1.0.1' }, { dst: '::/0' }],
  ranges: [
    [{ subnet: '10.1.0.0/29' }, { subnet: '10.5.0.0/30' }],
    [{ subnet: 'fd00:1::/120', rangeStart: 'fd00:1::10', gateway: 'fd00:1::11' }],
  ],
});

t.test('the same results and the same store, file by file, through ADDs, DELs and CHECKs', opts, async (t) => {
  const d = tmp(t);
  const resolv = join(d, 'resolv.conf');
  writeFileSync(resolv, '# made by a test\nnameserver 10.1.0.53\nnameserver fe80::1%eth0\n  domain  example.com other\nsearch a.example b.example\nsearch c.example\noptions ndots:2 edns0\noptions rotate\nbogus\n');
  // Range set 0 holds 10.1.0.2–6 and 10.5.0.2 (the gateways .1 skipped): six addresses.
  const steps: Step[] = [
    ['ADD', 'ctr1'],
    ['ADD', 'ctr2', 'eth0', 'IP=10.1.0.6'],
    ['ADD', 'ctr3'],
    ['ADD', 'ctr3', 'eth1'],
    ['ADD', 'ctr3', 'eth1'],
    ['ADD', 'ctr4', 'eth0', 'IgnoreUnknown=1;K8S_POD_NAME=x;IP=fd00:1::30'],
    ['ADD', 'ctr5'],
    ['DEL', 'ctr2'],
    ['ADD', 'ctr6'],
    ['ADD', 'ctr7'],
    ['CHECK', 'ctr1'],
    ['CHECK', 'ctr2'],
    ['CHECK', 'ctr3', 'eth1'],
    ['DEL', 'ctr3', 'eth1'],
    ['DEL', 'ctr3', 'eth1'],
    ['ADD', 'ctr8'],
  ];
  for (const version of ['0.3.1', '0.4.0', '1.0.0']) {
    const { mine } = sideBySide(t, version, () => DUAL(resolv), version === '0.3.1' ? steps.filter((s) => s[0] !== 'CHECK') : steps, {}, version);
    if (version !== '1.0.0') continue;
    // ctr2 asked for .6; ctr3 came after it, in the second range (10.5.0.1 is its
    // gateway); ctr3/eth1 wrapped around to the first free one; ctr6 took .6 again after
    // ctr2's DEL; ctr7 found none; ctr8 took the first free one after the last reserved.
    t.same(owners(mine), {
      '10.1.0.2': 'ctr1\r\neth0', '10.1.0.3': 'ctr8\r\neth0', '10.1.0.4': 'ctr4\r\neth0', '10.1.0.5': 'ctr5\r\neth0', '10.1.0.6': 'ctr6\r\neth0', '10.5.0.2': 'ctr3\r\neth0',
      'fd00:1::10': 'ctr1\r\neth0', 'fd00:1::13': 'ctr3\r\neth0', 'fd00:1::30': 'ctr4\r\neth0', 'fd00:1::31': 'ctr5\r\neth0', 'fd00:1::32': 'ctr6\r\neth0', 'fd00:1::33': 'ctr8\r\neth0',
    }, 'round robin after the last reserved address, gateways skipped, the requested ones taken');
    t.equal(readFileSync(join(mine, NET, 'last_reserved_ip.0'), 'utf8'), '10.1.0.3');
    t.equal(readFileSync(join(mine, NET, 'last_reserved_ip.1'), 'utf8'), 'fd00:1::33');
    const r = hl(NLKIT_HOST_LOCAL, 'ADD', conf(mine, DUAL(resolv)), 'ctr9');
    t.same(r.json, { cniVersion: '1.0.0', code: 999, msg: 'failed to allocate for range 0: no IP addresses available in range set: 10.1.0.1-10.1.0.6,10.5.0.1-10.5.0.2' }, 'exhausted: the reference\'s error');
    const ok = hl(NLKIT_HOST_LOCAL, 'ADD', conf(join(d, 'other'), DUAL(resolv)), 'ctr1');
    t.same(ok.json?.dns, { nameservers: ['10.1.0.53', 'fe80::1%eth0'], domain: 'example.com', search: ['a.example', 'b.example', 'c.example'], options: ['ndots:2', 'edns0', 'rotate'] }, 'dns from resolvConf');
  }
});

t.test('the other sources of ranges and addresses: the old single range, runtimeConfig.ipRanges, args.cni.ips, runtimeConfig.ips', opts, async (t) => {
  const old = () => ({ subnet: '10.9.0.0/24', rangeStart: '10.9.0.100', rangeEnd: '10.9.0.102', gateway: '10.9.0.254', ranges: [[{ subnet: '10.1.0.0/29' }]] });
  sideBySide(t, 'old single range first', old, [['ADD', 'a'], ['ADD', 'b'], ['ADD', 'c'], ['ADD', 'd'], ['ADD', 'e'], ['DEL', 'a'], ['ADD', 'f']], {}, '0.3.0');
  sideBySide(t, 'runtimeConfig.ipRanges before them', old, [['ADD', 'a'], ['ADD', 'b', 'eth0', 'IP=10.8.0.77']], { runtimeConfig: { ipRanges: [[{ subnet: '10.8.0.0/24', rangeStart: '10.8.0.200' }]] } });
  const dual = () => ({ ranges: [[{ subnet: '10.1.0.0/29' }], [{ subnet: 'fd00:1::/120' }]] });
  sideBySide(t, 'args.cni.ips', dual, [['ADD', 'a'], ['ADD', 'b']], { args: { cni: { ips: ['10.1.0.5', 'fd00:1::99/64'] } } });
  sideBySide(t, 'runtimeConfig.ips (a CIDR is taken for its address)', dual, [['ADD', 'a'], ['ADD', 'b']], { runtimeConfig: { ips: ['10.1.0.6/24', 'fd00:1::7'] } });
  sideBySide(t, 'CNI_ARGS, args and runtimeConfig together', dual, [['ADD', 'a', 'eth0', 'IP=fd00:1::5/64']], { args: { cni: { ips: ['10.1.0.4'] } } });
  sideBySide(t, 'an address asked for twice, and a later CNI_ARGS IP winning', dual, [['ADD', 'a', 'eth0', 'IP=10.1.0.2;IP=10.1.0.3']], { args: { cni: { ips: ['10.1.0.3', 'fd00:1::3', 'fd00:1::3'] } } });
  const v6 = () => ({ ranges: [[{ subnet: 'FD00:0:0:7::/64', rangeStart: 'fd00:0:0:7::ffff', rangeEnd: 'fd00:0:0:7::1:1' }]], routes: [{ dst: 'FD00::1/8', gw: 'fd00:0:0:7::1' }] });
  sideBySide(t, 'IPv6 spelled oddly, across a 16-bit boundary', v6, [['ADD', 'a'], ['ADD', 'b'], ['ADD', 'c'], ['ADD', 'd']]);
});

t.test("either plugin's DEL releases the other's allocation, and they share one store", opts, async (t) => {
  const d = tmp(t);
  const c = conf(d, { ranges: [[{ subnet: '10.1.0.0/28' }], [{ subnet: 'fd00:1::/120' }]] });
  t.equal(hl(REF_HOST_LOCAL, 'ADD', c, 'a').status, 0, 'reference ADD a');
  t.equal(hl(NLKIT_HOST_LOCAL, 'ADD', c, 'b').status, 0, 'nlkit ADD b');
  t.same(owners(d), { '10.1.0.2': 'a\r\neth0', 'fd00:1::2': 'a\r\neth0', '10.1.0.3': 'b\r\neth0', 'fd00:1::3': 'b\r\neth0' }, "nlkit continues after the reference's allocation");
  t.equal(hl(REF_HOST_LOCAL, 'CHECK', c, 'b').status, 0, "the reference's CHECK finds nlkit's allocation");
  t.equal(hl(NLKIT_HOST_LOCAL, 'CHECK', c, 'a').status, 0, "nlkit's CHECK finds the reference's");
  t.equal(hl(NLKIT_HOST_LOCAL, 'DEL', c, 'a').status, 0, "nlkit DEL of the reference's a");
  t.same(owners(d), { '10.1.0.3': 'b\r\neth0', 'fd00:1::3': 'b\r\neth0' }, "a's addresses released");
  t.equal(hl(REF_HOST_LOCAL, 'DEL', c, 'b').status, 0, "reference DEL of nlkit's b");
  t.same(owners(d), {}, "b's addresses released");
  t.equal(hl(REF_HOST_LOCAL, 'ADD', c, 'c').status, 0);
  t.same(owners(d), { '10.1.0.4': 'c\r\neth0', 'fd00:1::4': 'c\r\neth0' }, "the reference continues after nlkit's last reserved address");
  // A store written before the ifname line: the container ID alone.
  writeFileSync(join(d, NET, '10.1.0.9'), 'old');
  t.equal(hl(NLKIT_HOST_LOCAL, 'CHECK', c, 'old').status, 0, 'CHECK finds an old-format reservation');
  t.equal(hl(NLKIT_HOST_LOCAL, 'DEL', c, 'old').status, 0);
  t.notOk(existsSync(join(d, NET, '10.1.0.9')), 'DEL releases it');

  // Mixed ADDs on one store give the sequence the reference gives alone.
  const mixed = tmp(t);
  const alone = tmp(t);
  for (let i = 0; i < 6; i++) {
    const plugin = i % 2 ? NLKIT_HOST_LOCAL : REF_HOST_LOCAL;
    t.equal(hl(plugin, 'ADD', conf(mixed, { ranges: [[{ subnet: '10.1.0.0/28' }]] }), `c${i}`).status, 0);
    t.equal(hl(REF_HOST_LOCAL, 'ADD', conf(alone, { ranges: [[{ subnet: '10.1.0.0/28' }]] }), `c${i}`).status, 0);
    if (i === 3) {
      hl(NLKIT_HOST_LOCAL, 'DEL', conf(mixed, { ranges: [[{ subnet: '10.1.0.0/28' }]] }), 'c1');
      hl(REF_HOST_LOCAL, 'DEL', conf(alone, { ranges: [[{ subnet: '10.1.0.0/28' }]] }), 'c1');
    }
  }
  t.same(store(mixed), store(alone), 'alternating plugins: the store the reference alone makes');
});

t.test('concurrent ADDs of both plugins never hand out an address twice', opts, async (t) => {
  for (let round = 0; round < 2; round++) {
    const d = tmp(t);
    const c = conf(d, { ranges: [[{ subnet: '10.1.0.0/28' }], [{ subnet: 'fd00:1::/120' }]] });
    const ids = Array.from({ length: 8 }, (_, i) => `r${round}c${i}`);
    const runs = await Promise.all(ids.map((id, i) => hlAsync(i % 2 === round % 2 ? NLKIT_HOST_LOCAL : REF_HOST_LOCAL, 'ADD', c, id)));
    runs.forEach((r, i) => t.equal(r.status, 0, `${ids[i]} ADD (${r.stdout} ${r.stderr})`));
    const got = runs.flatMap((r) => (r.json?.ips ?? []).map((i: Json) => i.address.split('/')[0]));
    t.equal(got.length, 16, 'two addresses each');
    t.equal(new Set(got).size, 16, 'all different');
    const own = owners(d);
    t.equal(Object.keys(own).length, 16, 'one file each');
    runs.forEach((r, i) => {
      for (const ip of r.json?.ips ?? []) t.equal(own[ip.address.split('/')[0]], `${ids[i]}\r\neth0`, `${ids[i]} owns ${ip.address}`);
    });
    const dels = await Promise.all(ids.map((id, i) => hlAsync(i % 2 === round % 2 ? REF_HOST_LOCAL : NLKIT_HOST_LOCAL, 'DEL', c, id)));
    dels.forEach((r, i) => t.equal(r.status, 0, `${ids[i]} DEL`));
    t.same(owners(d), {}, 'every address released');
  }

  // More ADDs than addresses: exactly as many succeed as there are addresses.
  const d = tmp(t);
  const c = conf(d, { ranges: [[{ subnet: '10.1.0.0/29', rangeStart: '10.1.0.2', rangeEnd: '10.1.0.6' }]] });
  const ids = Array.from({ length: 8 }, (_, i) => `x${i}`);
  const runs = await Promise.all(ids.map((id, i) => hlAsync(i % 2 ? NLKIT_HOST_LOCAL : REF_HOST_LOCAL, 'ADD', c, id)));
  const won = runs.filter((r) => r.status === 0);
  t.equal(won.length, 5, 'five ADDs for five addresses');
  t.same(new Set(won.map((r) => r.json.ips[0].address)).size, 5, 'five different addresses');
  for (const r of runs.filter((x) => x.status !== 0)) t.equal(r.json?.msg, 'failed to allocate for range 0: no IP addresses available in range set: 10.1.0.2-10.1.0.6', 'the others: exhausted');
  t.equal(Object.keys(owners(d)).length, 5);
});

t.test("both wait for the store's lock: an exclusive flock(2) on <dataDir>/<network>/lock", opts, async (t) => {
  const d = tmp(t);
  const c = conf(d, { subnet: '10.1.0.0/24' });
  t.equal(hl(NLKIT_HOST_LOCAL, 'ADD', c, 'first').status, 0, 'the store made');
  for (const plugin of [NLKIT_HOST_LOCAL, REF_HOST_LOCAL]) {
    const fd = openSync(join(d, NET, 'lock'), 'r');
    let done = false;
    let run: Promise<Run>;
    try {
      sys.flock(fd, sys.LOCK_EX); // held here, as another plugin's ADD would hold it
      run = hlAsync(plugin, 'ADD', c, plugin === REF_HOST_LOCAL ? 'ref' : 'nlkit');
      void run.then(() => (done = true));
      await new Promise((r) => setTimeout(r, 1500));
      t.notOk(done, `${plugin}: still waiting while the lock is held`);
      t.same(Object.keys(owners(d)).length, plugin === REF_HOST_LOCAL ? 2 : 1, 'nothing allocated meanwhile');
    } finally {
      closeSync(fd); // releases the lock
    }
    const r = await run;
    t.equal(r.status, 0, `${plugin}: done once it is released`);
  }
});

t.test('the reference\'s errors: exhausted range, an address asked for that is taken, the gateway, or in no range', opts, async (t) => {
  const small = () => ({ ranges: [[{ subnet: '10.1.0.0/30' }], [{ subnet: 'fd00:1::/126' }]] });
  sideBySide(t, 'exhausted', small, [['ADD', 'a'], ['ADD', 'b'], ['DEL', 'a'], ['ADD', 'b']]);
  const r24 = () => ({ ranges: [[{ subnet: '10.1.0.0/24' }], [{ subnet: 'fd00:1::/120' }]] });
  sideBySide(t, 'asked for', r24, [
    ['ADD', 'a', 'eth0', 'IP=10.1.0.7'],
    ['ADD', 'b', 'eth0', 'IP=10.1.0.7'],
    ['ADD', 'b', 'eth0', 'IP=fd00:1::7'],
    ['ADD', 'b', 'eth0', 'IP=10.1.0.1'],
    ['ADD', 'b', 'eth0', 'IP=10.2.0.1'],
    ['ADD', 'b', 'eth0', 'IP=fd00:1::1'],
    ['ADD', 'b'],
  ]);
});

t.test('a repeated ADD that fails releases only what it reserved itself, not the earlier ADD\'s addresses (the reference releases them)', opts, async (t) => {
  // ctr1/eth0 is added; the runtime repeats the ADD with an address asked for in range
  // set 0: set 0 reserves it, set 1 refuses the duplicate, and the failed ADD undoes.
  const ipam = { ranges: [[{ subnet: '10.1.0.0/24' }], [{ subnet: 'fd00:1::/120' }]] };
  const first = { '10.1.0.2': 'ctr1\r\neth0', 'fd00:1::2': 'ctr1\r\neth0' };
  const base = tmp(t);
  const dirs = { ref: join(base, 'ref'), mine: join(base, 'nlkit') };
  const runs: Record<string, Run> = {};
  for (const [who, plugin] of [['ref', REF_HOST_LOCAL], ['mine', NLKIT_HOST_LOCAL]] as const) {
    const c = conf(dirs[who], ipam);
    t.equal(hl(plugin, 'ADD', c, 'ctr1').status, 0, `${who}: the first ADD`);
    t.same(owners(dirs[who]), first);
    runs[who] = hl(plugin, 'ADD', c, 'ctr1', 'eth0', 'IP=10.1.0.50');
  }
  t.same(outcome(runs['mine']!), outcome(runs['ref']!), `the reference's error: ${runs['ref']!.json?.msg}`);
  t.equal(runs['mine']!.json?.msg, 'failed to allocate for range 1: fd00:1::2 has been allocated to ctr1, duplicate allocation is not allowed');
  t.same(owners(dirs.ref), {}, 'the reference released the first ADD\'s addresses too (a bug: the container still uses them)');
  t.same(owners(dirs.mine), first, 'nlkit released only 10.1.0.50; the first ADD\'s addresses stay reserved');
  t.equal(hl(NLKIT_HOST_LOCAL, 'ADD', conf(dirs.mine, ipam), 'ctr2').json?.ips?.[0]?.address, '10.1.0.51/24', 'the next container does not get 10.1.0.2');
  t.equal(hl(REF_HOST_LOCAL, 'CHECK', conf(dirs.mine, ipam), 'ctr1').status, 0, "the reference's CHECK still finds ctr1's addresses");
});

t.test('an address file written in part (a short write at a file size limit) fails the ADD and is removed, as in the reference', { ...opts, skip: (opts as { skip?: string }).skip ?? (existsSync('/usr/bin/prlimit') ? undefined : 'no prlimit') }, async (t) => {
  // RLIMIT_FSIZE of 10 bytes: the address file's 'longcontainerid\r\neth0' is cut at 10
  // (Node and Go ignore SIGXFSZ: the write returns short, the next one fails EFBIG), while
  // last_reserved_ip.0's '10.1.0.2' fits.
  const base = tmp(t);
  const runs: Record<string, Json> = {};
  for (const [who, plugin] of [['ref', REF_HOST_LOCAL], ['nlkit', NLKIT_HOST_LOCAL]] as const) {
    const d = join(base, who);
    const e: Record<string, string> = {};
    for (const [k, v] of Object.entries(env('ADD', 'longcontainerid'))) if (v !== undefined) e[k] = v;
    const cmd = plugin.endsWith('.js') ? [process.execPath, plugin] : [plugin];
    const r = spawnSync('/usr/bin/prlimit', ['--fsize=10', ...cmd], { input: JSON.stringify(conf(d, { subnet: '10.1.0.0/24' })), env: e, encoding: 'utf8' });
    const j = r.stdout.trim() === '' ? undefined : JSON.parse(r.stdout);
    runs[who] = { status: r.status, code: j?.code, msg: typeof j?.msg === 'string' ? j.msg.replace(d, '<dataDir>') : j?.msg };
    t.same(owners(d), {}, `${who}: no address file left, whole or in part`);
  }
  t.same(runs['nlkit'], runs['ref'], `the reference's error: ${runs['ref']!['msg']}`);
  t.equal(runs['nlkit']!['msg'], 'failed to allocate for range 0: write <dataDir>/hlnet/10.1.0.2: file too large');
});

t.test('bad configuration: the reference\'s error, and nothing written', opts, async (t) => {
  const cases: [string, Json, Json?, string?][] = [
    ['no ranges', {}],
    ['an empty range set', { ranges: [[]] }],
    ['a range without subnet', { ranges: [[{ rangeStart: '10.1.0.5' }]] }],
    ['a subnet that is no CIDR', { subnet: '10.1.0.0' }],
    ['a subnet of the wrong JSON type', { ranges: [[{ subnet: 5 }]] }],
    ['a subnet too small', { subnet: '10.3.0.0/31' }],
    ['an IPv6 subnet too small', { subnet: 'fd00::/127' }],
    ['host bits set', { subnet: '10.1.0.5/24' }],
    ['rangeStart after rangeEnd', { ranges: [[{ subnet: '10.2.0.0/24', rangeStart: '10.2.0.9', rangeEnd: '10.2.0.3' }]] }],
    ['rangeEnd out of the subnet', { ranges: [[{ subnet: '10.2.0.0/24', rangeEnd: '10.3.0.3' }]] }],
    ['rangeStart of the other family', { ranges: [[{ subnet: '10.2.0.0/24', rangeStart: 'fd00::1' }]] }],
    ['a gateway that is no address', { subnet: '10.1.0.0/24', gateway: 'zz' }],
    ['overlapping ranges in a set', { ranges: [[{ subnet: '10.2.0.0/24' }, { subnet: '10.2.0.0/25' }]] }],
    ['overlapping range sets', { ranges: [[{ subnet: '10.2.0.0/24' }], [{ subnet: '10.2.0.0/25' }]] }],
    ['mixed families in a set', { ranges: [[{ subnet: '10.2.0.0/24' }, { subnet: 'fd00::/64' }]] }],
    ['a route that is no CIDR', { subnet: '10.1.0.0/24', routes: [{ dst: '10.0.0.1' }] }],
    ['a resolvConf that is missing', { subnet: '10.1.0.0/24', resolvConf: '/nonexistent/resolv.conf' }],
    ['runtimeConfig.ipRanges overlapping ranges', { subnet: '10.1.0.0/24' }, { runtimeConfig: { ipRanges: [[{ subnet: '10.1.0.0/25' }]] } }],
    ['args.cni.ips not addresses', { subnet: '10.1.0.0/24' }, { args: { cni: { ips: ['zz'] } } }],
    ['args.cni.ips of the wrong JSON type', { subnet: '10.1.0.0/24' }, { args: { cni: { ips: [5] } } }],
    ['args.cni.ips with an empty address', { subnet: '10.1.0.0/24' }, { args: { cni: { ips: [''] } } }],
    ['CNI_ARGS IP not an address', { subnet: '10.1.0.0/24' }, {}, 'IP=10.1.0.3,10.1.0.4'],
    ['CNI_ARGS with an unknown key', { subnet: '10.1.0.0/24' }, {}, 'K8S_POD_NAME=x'],
    ['CNI_ARGS ending in ;', { subnet: '10.1.0.0/24' }, {}, 'IP=10.1.0.3;'],
    ['no ipam', {}, { ipam: null }],
  ];
  for (const [what, ipam, extra, cniArgs] of cases) {
    const base = tmp(t);
    const dirs = { ref: join(base, 'ref'), mine: join(base, 'nlkit') };
    const mk = (d: string) => ({ ...conf(d, ipam), ...extra });
    const r = hl(REF_HOST_LOCAL, 'ADD', mk(dirs.ref), 'a', 'eth0', cniArgs);
    const m = hl(NLKIT_HOST_LOCAL, 'ADD', mk(dirs.mine), 'a', 'eth0', cniArgs);
    t.equal(r.status, 1, `${what}: the reference refuses it`);
    t.same(outcome(m), outcome(r), `${what}: ${r.json?.msg}`);
    t.notOk(existsSync(dirs.mine), `${what}: nothing written`);
    t.notOk(existsSync(dirs.ref), `${what}: (nor by the reference)`);
  }
  // Refused by nlkit where the reference hands out an unusable result.
  const base = tmp(t);
  for (const [what, ipam] of [
    ['a gateway of the other family', { subnet: '10.1.0.0/24', gateway: 'fd00::1' }],
    ['a route without dst', { subnet: '10.1.0.0/24', routes: [{ gw: '10.1.0.1' }] }],
    ['an IPv4-mapped IPv6 route', { subnet: '10.1.0.0/24', routes: [{ dst: '::ffff:10.0.0.0/104' }] }],
  ] as const) {
    const m = hl(NLKIT_HOST_LOCAL, 'ADD', conf(base, ipam), 'a');
    t.equal(m.json?.code, 7, `${what}: 7 (${m.json?.msg}: ${m.json?.details})`);
  }
  t.same(readdirSync(base), [], 'nothing written');
});

t.test("the file system's errors in the reference's words: a dataDir under a file, the lock a directory, resolvConf a directory", opts, async (t) => {
  const cases: [string, (d: string) => void, (d: string) => Json][] = [
    ['a dataDir under a file', (d) => writeFileSync(join(d, 'f'), ''), (d) => ({ subnet: '10.1.0.0/24', dataDir: join(d, 'f', 'sub') })],
    ['a dataDir that is a file', (d) => writeFileSync(join(d, 'f'), ''), (d) => ({ subnet: '10.1.0.0/24', dataDir: join(d, 'f') })],
    ['the lock a directory', (d) => mkdirSync(join(d, NET, 'lock'), { recursive: true }), () => ({ subnet: '10.1.0.0/24' })],
    ['resolvConf a directory', () => {}, (d) => ({ subnet: '10.1.0.0/24', resolvConf: d })],
  ];
  for (const [what, setup, ipam] of cases) {
    const base = tmp(t);
    const got: Record<string, Json> = {};
    for (const [who, plugin] of [['ref', REF_HOST_LOCAL], ['nlkit', NLKIT_HOST_LOCAL]] as const) {
      const d = join(base, who);
      mkdirSync(d);
      setup(d);
      const o = outcome(hl(plugin, 'ADD', conf(d, ipam(d))));
      got[who] = { ...o, msg: typeof o['msg'] === 'string' ? o['msg'].replaceAll(d, '<dir>') : o['msg'] };
    }
    t.same(got['nlkit'], got['ref'], `${what}: ${got['ref']!['msg']}`);
  }
});

t.test('DEL releases even for a configuration that is refused (the reference\'s DEL fails for ever)', opts, async (t) => {
  const d = tmp(t);
  t.equal(hl(NLKIT_HOST_LOCAL, 'ADD', conf(d, { subnet: '10.1.0.0/24' }), 'a').status, 0);
  const bad = conf(d, { subnet: '10.1.0.0/24', rangeStart: '10.9.9.9' });
  t.equal(hl(REF_HOST_LOCAL, 'DEL', bad, 'a').status, 1, 'the reference refuses the DEL');
  const r = hl(NLKIT_HOST_LOCAL, 'DEL', bad, 'a');
  t.equal(r.status, 0, 'nlkit releases');
  t.match(r.stderr, /configuration is refused/, 'and logs why the configuration was refused');
  t.same(owners(d), {});
  t.equal(hl(NLKIT_HOST_LOCAL, 'ADD', conf(d, { subnet: '10.1.0.0/24' }), 'a').status, 0);
  const noDir = hl(NLKIT_HOST_LOCAL, 'DEL', { ...conf(d, { subnet: '10.1.0.0/24' }), ipam: { type: 'host-local', subnet: '10.1.0.0/24', dataDir: 5 } }, 'a');
  t.equal(noDir.json?.code, 999, `a dataDir that cannot be read: the error (${noDir.json?.msg})`);
  t.same(Object.keys(owners(d)), ['10.1.0.3'], 'and nothing released anywhere');
});

t.test('GC (1.1.0): the addresses of attachments not in the valid list are released', opts, async (t) => {
  const d = tmp(t);
  const c = (extra: Json = {}) => conf(d, { ranges: [[{ subnet: '10.1.0.0/24' }], [{ subnet: 'fd00:1::/120' }]] }, extra, '1.1.0');
  for (const [id, ifName] of [['a', 'eth0'], ['b', 'eth0'], ['c', 'eth0'], ['c', 'eth1']]) t.equal(hl(NLKIT_HOST_LOCAL, 'ADD', c(), id, ifName).status, 0, `ADD ${id}/${ifName}`);
  writeFileSync(join(d, NET, '10.1.0.200'), 'old1'); // a reservation of a store older than the ifname line
  writeFileSync(join(d, NET, '10.1.0.201'), 'old2');
  const gc = (valid: Json[]) => runIn(undefined, NLKIT_HOST_LOCAL, { ...env('GC'), CNI_CONTAINERID: undefined, CNI_IFNAME: undefined, CNI_NETNS: undefined }, c({ 'cni.dev/valid-attachments': valid }));
  const r = gc([{ containerID: 'a', ifname: 'eth0' }, { containerID: 'c', ifname: 'eth1' }, { containerID: 'old1', ifname: 'eth0' }]);
  t.equal(r.status, 0, `GC (${r.stdout} ${r.stderr})`);
  t.same(owners(d), {
    '10.1.0.2': 'a\r\neth0', 'fd00:1::2': 'a\r\neth0', '10.1.0.5': 'c\r\neth1', 'fd00:1::5': 'c\r\neth1', '10.1.0.200': 'old1',
  }, "b's, c/eth0's and old2's addresses released; the old-format reservation of a valid container kept");
  t.ok(existsSync(join(d, NET, 'lock')) && existsSync(join(d, NET, 'last_reserved_ip.0')) && existsSync(join(d, NET, 'last_reserved_ip.1')), 'lock and last_reserved_ip files kept');
  t.equal(hl(REF_HOST_LOCAL, 'ADD', conf(d, { ranges: [[{ subnet: '10.1.0.0/24' }], [{ subnet: 'fd00:1::/120' }]] }), 'd').status, 0, 'the reference allocates on after GC');
  t.equal(gc([]).status, 0);
  t.same(owners(d), {}, 'an empty list releases everything');
});

t.test('STATUS (1.1.0): 50 when a range set has no free address', opts, async (t) => {
  const d = tmp(t);
  const c = conf(d, { ranges: [[{ subnet: '10.1.0.0/29', rangeStart: '10.1.0.1', rangeEnd: '10.1.0.3' }]] }, {}, '1.1.0');
  const status = () => runIn(undefined, NLKIT_HOST_LOCAL, { ...env('STATUS'), CNI_CONTAINERID: undefined, CNI_IFNAME: undefined, CNI_NETNS: undefined }, c);
  t.equal(status().status, 0, 'no store yet: ready');
  t.equal(hl(NLKIT_HOST_LOCAL, 'ADD', c, 'a').status, 0);
  t.equal(status().status, 0, 'one address left: ready');
  t.equal(hl(NLKIT_HOST_LOCAL, 'ADD', c, 'b').status, 0);
  t.equal(hl(NLKIT_HOST_LOCAL, 'ADD', c, 'c').status, 1, 'the gateway .1 is not handed out');
  const s = status();
  t.same({ code: s.json?.code, msg: s.json?.msg }, { code: 50, msg: 'no IP addresses available in range set: 10.1.0.1-10.1.0.3' }, 'exhausted: 50');
  t.equal(hl(NLKIT_HOST_LOCAL, 'DEL', c, 'a').status, 0);
  t.equal(status().status, 0, 'ready again after a DEL');
  t.equal(runIn(undefined, NLKIT_HOST_LOCAL, { ...env('STATUS') }, conf(d, {}, {}, '1.1.0')).json?.msg, 'no IP ranges specified', 'a bad configuration: its error');
});

t.test('VERSION: what the reference speaks that nlkit speaks, and 1.1.0', opts, async (t) => {
  const ref = runIn(undefined, REF_HOST_LOCAL, env('VERSION'), '{}').json.supportedVersions as string[];
  const mine = runIn(undefined, NLKIT_HOST_LOCAL, env('VERSION'), '{}').json.supportedVersions as string[];
  t.same(mine, [...ref.filter((v) => !['0.1.0', '0.2.0'].includes(v)), '1.1.0']);
  const d = tmp(t);
  const r = hl(REF_HOST_LOCAL, 'ADD', conf(d, { subnet: '10.1.0.0/24' }, {}, '1.1.0'));
  t.equal(r.json?.code, 1, 'the reference refuses 1.1.0');
  const m = hl(NLKIT_HOST_LOCAL, 'ADD', conf(d, { subnet: '10.1.0.0/24', routes: [{ dst: '0.0.0.0/0', mtu: 1400 }] }, {}, '1.1.0'));
  t.same(m.json, { cniVersion: '1.1.0', ips: [{ address: '10.1.0.2/24', gateway: '10.1.0.1' }], routes: [{ dst: '0.0.0.0/0', mtu: 1400 }], dns: {} }, 'nlkit speaks it, route fields of 1.1 kept');
});

t.test('nlkit-ptp on nlkit-host-local, no Go plugin in CNI_PATH: the same as the reference ptp on the reference host-local', { ...(haveRef && existsSync(REF_PTP) ? privileged : { skip: 'reference plugins not installed' }), timeout: 180_000 }, async (t) => {
  // A CNI bin directory holding only nlkit-host-local, as a runtime finds it (`type` as
  // the file name): a wrapper naming node by its path.
  const bin = tmp(t);
  writeFileSync(join(bin, 'nlkit-host-local'), `#!/bin/sh\nexec '${process.execPath}' '${NLKIT_HOST_LOCAL}' "$@"\n`);
  chmodSync(join(bin, 'nlkit-host-local'), 0o755);
  const attach = async (w: World, plugin: string, type: string, ipamType: string, path: string, id: string) => {
    const c = ptpConf(w, { version: '1.0.0', v6: true, type, ipamExtra: { type: ipamType } });
    const r = runIn(w.host.path, plugin, cniEnv('ADD', w, { CNI_PATH: path, CNI_CONTAINERID: id }), c);
    t.equal(r.status, 0, `${type} on ${ipamType} ADD (${r.stdout} ${r.stderr})`);
    await settle(w.ctr.path);
    return { c, res: r.json as Json, hostVeth: (r.json as Json).interfaces[0].name as string };
  };
  const refW = world(t);
  const myW = world(t);
  const ref = await attach(refW, REF_PTP, 'ptp', 'host-local', REF_DIR, 'ctr1');
  const mine = await attach(myW, NLKIT_PTP, 'nlkit-ptp', 'nlkit-host-local', bin, 'ctr1');
  t.same(normalisedResult(mine.res), normalisedResult(ref.res), 'the same result');
  t.same(normalisedState(myW.ctr.path, mine.hostVeth), normalisedState(refW.ctr.path, ref.hostVeth), 'the same addresses and routes in the container');
  await settle(myW.host.path);
  await settle(refW.host.path);
  t.same(normalisedState(myW.host.path, mine.hostVeth), normalisedState(refW.host.path, ref.hostVeth), 'and on the host');
  t.same(store(myW.dataDir), store(refW.dataDir), 'the same store');
  const chk = runIn(myW.host.path, NLKIT_PTP, cniEnv('CHECK', myW, { CNI_PATH: bin }), { ...mine.c, prevResult: mine.res });
  t.equal(chk.status, 0, `CHECK (${chk.stdout})`);

  for (const [w, plugin, path, c] of [[refW, REF_PTP, REF_DIR, ref.c], [myW, NLKIT_PTP, bin, mine.c]] as const) {
    const r = runIn(w.host.path, plugin, cniEnv('DEL', w, { CNI_PATH: path }), c);
    t.equal(r.status, 0, `${plugin} DEL (${r.stdout} ${r.stderr})`);
  }
  t.same(store(myW.dataDir), store(refW.dataDir), 'the same store after DEL');
  t.same(owners(myW.dataDir, 'ptpnet'), {}, 'everything released');

  // GC through nlkit-ptp at 1.1.0: delegated to nlkit-host-local, which speaks it.
  t.equal(runIn(myW.host.path, NLKIT_PTP, cniEnv('ADD', myW, { CNI_PATH: bin }), mine.c).status, 0, 'ctr1 again');
  const c2 = myW.newContainer();
  const second = runIn(myW.host.path, NLKIT_PTP, cniEnv('ADD', myW, { CNI_PATH: bin, CNI_CONTAINERID: 'ctr2', CNI_NETNS: c2.path }), mine.c);
  t.equal(second.status, 0, 'a second attachment');
  t.equal(Object.keys(owners(myW.dataDir, 'ptpnet')).length, 4, 'two addresses each');
  const gc = runIn(myW.host.path, NLKIT_PTP, { ...cniEnv('GC', myW, { CNI_PATH: bin }), CNI_CONTAINERID: undefined, CNI_IFNAME: undefined, CNI_NETNS: undefined },
    { ...mine.c, cniVersion: '1.1.0', 'cni.dev/valid-attachments': [{ containerID: 'ctr1', ifname: 'eth0' }] });
  t.equal(gc.status, 0, `GC (${gc.stdout} ${gc.stderr})`);
  t.same(Object.values(owners(myW.dataDir, 'ptpnet')), ['ctr1\r\neth0', 'ctr1\r\neth0'], "ctr2's addresses released by GC");
  for (const [id, ns] of [['ctr1', myW.ctr.path], ['ctr2', c2.path]] as const) {
    t.equal(runIn(myW.host.path, NLKIT_PTP, cniEnv('DEL', myW, { CNI_PATH: bin, CNI_CONTAINERID: id, CNI_NETNS: ns }), mine.c).status, 0, `DEL ${id}`);
  }
});

// A store made by hand for the tests above must never be the host's.
t.test('the tests use their own dataDir', async (t) => {
  t.notOk(existsSync('/var/lib/cni/networks/hlnet'), 'nothing written to the default dataDir');
});
