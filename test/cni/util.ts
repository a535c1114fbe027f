// Helpers for the CNI tests: throwaway "host" and "container" named namespaces, a
// private host-local data directory, plugins run as a container runtime runs them
// (a child process with the CNI_* environment and the configuration on stdin), and
// kernel-state snapshots taken with `ip -j`.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Netns } from '../../src/index.js';
import { ipJson } from '../helpers.js';

/** The nlkit-ptp plugin as the package ships it: the bundle dist/nlkit-ptp.js (package.json "bin"). */
export const NLKIT_PTP = fileURLToPath(new URL('../../nlkit-ptp.js', import.meta.url));
/** Where Debian's containernetworking-plugins installs the reference plugins. */
export const REF_DIR = '/usr/lib/cni';
export const REF_PTP = join(REF_DIR, 'ptp');
/** The nlkit-bridge plugin as the package ships it (dist/nlkit-bridge.js). */
export const NLKIT_BRIDGE = fileURLToPath(new URL('../../nlkit-bridge.js', import.meta.url));
/** containernetworking-plugins' bridge (1.1.1 in Debian). */
export const REF_BRIDGE = join(REF_DIR, 'bridge');
/** The nlkit-macvlan plugin as the package ships it (dist/nlkit-macvlan.js). */
export const NLKIT_MACVLAN = fileURLToPath(new URL('../../nlkit-macvlan.js', import.meta.url));
/** containernetworking-plugins' macvlan (1.1.1 in Debian). */
export const REF_MACVLAN = join(REF_DIR, 'macvlan');
/** The nlkit-loopback plugin as the package ships it (dist/nlkit-loopback.js). */
export const NLKIT_LOOPBACK = fileURLToPath(new URL('../../nlkit-loopback.js', import.meta.url));
/** containernetworking-plugins' loopback (1.1.1 in Debian). */
export const REF_LOOPBACK = join(REF_DIR, 'loopback');
/** The nlkit-host-device plugin as the package ships it (dist/nlkit-host-device.js). */
export const NLKIT_HOST_DEVICE = fileURLToPath(new URL('../../nlkit-host-device.js', import.meta.url));
/** containernetworking-plugins' host-device (1.1.1 in Debian). */
export const REF_HOST_DEVICE = join(REF_DIR, 'host-device');
/** The nlkit-tuning plugin as the package ships it (dist/nlkit-tuning.js). */
export const NLKIT_TUNING = fileURLToPath(new URL('../../nlkit-tuning.js', import.meta.url));
/** containernetworking-plugins' tuning (1.1.1 in Debian). */
export const REF_TUNING = join(REF_DIR, 'tuning');
/** The nlkit-sbr plugin as the package ships it (dist/nlkit-sbr.js). */
export const NLKIT_SBR = fileURLToPath(new URL('../../nlkit-sbr.js', import.meta.url));
/** containernetworking-plugins' sbr (1.1.1 in Debian). */
export const REF_SBR = join(REF_DIR, 'sbr');
/** The nlkit-static IPAM plugin as the package ships it (dist/nlkit-static.js). */
export const NLKIT_STATIC = fileURLToPath(new URL('../../nlkit-static.js', import.meta.url));
/** containernetworking-plugins' static IPAM (1.1.1 in Debian). */
export const REF_STATIC = join(REF_DIR, 'static');
/** The nlkit-host-local IPAM plugin as the package ships it (dist/nlkit-host-local.js). */
export const NLKIT_HOST_LOCAL = fileURLToPath(new URL('../../nlkit-host-local.js', import.meta.url));
/** containernetworking-plugins' host-local IPAM (1.1.1 in Debian). */
export const REF_HOST_LOCAL = join(REF_DIR, 'host-local');
/** The nlkit-bandwidth plugin as the package ships it (dist/nlkit-bandwidth.js). */
export const NLKIT_BANDWIDTH = fileURLToPath(new URL('../../nlkit-bandwidth.js', import.meta.url));
/** containernetworking-plugins' bandwidth (1.1 in Debian: tbf, ifb and a u32 redirect). */
export const REF_BANDWIDTH = join(REF_DIR, 'bandwidth');

let seq = 0;

/** A test's world: a host netns, a container netns (named, under /run/netns) and an IPAM data dir. */
export interface World {
  host: Netns;
  ctr: Netns;
  /** Private directory (host-local's dataDir lives in it). */
  dir: string;
  dataDir: string;
  /** A second container netns, made on demand. */
  newContainer(): Netns;
}

/** Make a World and register its cleanup on `t`. */
export function world(t: { teardown(fn: () => void): void }): World {
  const tag = `cni${process.pid}x${++seq}`;
  const made: Netns[] = [];
  const mk = (n: string) => {
    const ns = Netns.newNamed(`${tag}-${n}`);
    made.push(ns);
    return ns;
  };
  const dir = mkdtempSync(join(tmpdir(), 'nlkit-cni-'));
  const w: World = {
    host: mk('host'),
    ctr: mk('ctr'),
    dir,
    dataDir: join(dir, 'ipam'),
    newContainer: () => mk(`ctr${made.length}`),
  };
  t.teardown(() => {
    for (const ns of made) {
      ns.close();
      Netns.deleteNamed(ns.name!);
    }
    rmSync(dir, { recursive: true, force: true });
  });
  return w;
}

/** A ptp configuration with host-local IPAM in the world's data dir. */
export function ptpConf(w: World, opts: { version?: string; v6?: boolean; v4?: boolean; type?: string; extra?: Record<string, unknown>; ipamExtra?: Record<string, unknown>; name?: string } = {}): Record<string, unknown> {
  const ranges: unknown[] = [];
  const routes: unknown[] = [];
  if (opts.v4 !== false) {
    ranges.push([{ subnet: '10.1.0.0/24' }]);
    routes.push({ dst: '0.0.0.0/0' });
  }
  if (opts.v6) {
    ranges.push([{ subnet: 'fd00:1::/64' }]);
    routes.push({ dst: '::/0' });
  }
  return {
    cniVersion: opts.version ?? '1.1.0',
    name: opts.name ?? 'ptpnet',
    type: opts.type ?? 'nlkit-ptp',
    mtu: 1400,
    ipam: { type: 'host-local', dataDir: w.dataDir, ranges, routes, ...opts.ipamExtra },
    dns: { nameservers: ['10.1.0.1'] },
    ...opts.extra,
  };
}

/** What a plugin run gave back. */
export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed (undefined when empty); throws when stdout is not JSON. */
  json: any;
}

/** CNI_* environment for a command (only PATH is inherited, as a runtime does). */
export function cniEnv(command: string, w: World | undefined, over: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    PATH: process.env.PATH,
    CNI_COMMAND: command,
    CNI_CONTAINERID: 'ctr1',
    CNI_NETNS: w?.ctr.path,
    CNI_IFNAME: 'eth0',
    CNI_PATH: REF_DIR,
    ...over,
  };
}

/**
 * Run a plugin (a JS file run with node, or an executable) in the world's host netns,
 * as a container runtime would: environment, configuration on stdin, stdout read.
 */
export function runIn(hostPath: string | undefined, plugin: string, env: Record<string, string | undefined>, stdin: string | object): Run {
  const input = typeof stdin === 'string' ? stdin : JSON.stringify(stdin);
  const cmd = plugin.endsWith('.js') ? [process.execPath, plugin] : [plugin];
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) clean[k] = v;
  const argv = hostPath ? ['nsenter', `--net=${hostPath}`, ...cmd] : cmd;
  const r = spawnSync(argv[0]!, argv.slice(1), { env: clean, input, encoding: 'utf8', timeout: 60_000 });
  const out = r.stdout ?? '';
  return {
    status: r.status,
    stdout: out,
    stderr: r.stderr ?? '',
    get json() {
      return out.trim() === '' ? undefined : JSON.parse(out);
    },
  };
}

/** {@link runIn}, without blocking: for runs in parallel, as a runtime does for different containers. */
export function runInAsync(hostPath: string, plugin: string, env: Record<string, string | undefined>, stdin: object): Promise<Run> {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) clean[k] = v;
  return new Promise((resolve, reject) => {
    const c = spawn('nsenter', [`--net=${hostPath}`, process.execPath, plugin], { env: clean });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    c.on('error', reject);
    c.on('close', (status) => resolve({ status, stdout: out, stderr: err, get json() { return out.trim() === '' ? undefined : JSON.parse(out); } }));
    c.stdin.end(JSON.stringify(stdin));
  });
}

/** Run nlkit-ptp for `command` in world `w`. */
export function ptp(w: World, command: string, conf: string | object, over: Record<string, string | undefined> = {}): Run {
  return runIn(w.host.path, NLKIT_PTP, cniEnv(command, w, over), conf);
}

/** Files of the IPAM data dir with their contents (the host-local store). */
export function storeSnapshot(dataDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names.sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p, `${rel}${n}/`);
      else out[`${rel}${n}`] = readFileSync(p, 'utf8');
    }
  };
  walk(dataDir, '');
  return out;
}

/** Reserved addresses in the store (files named after an IP) → their owner line(s). */
export function reservations(dataDir: string, network = 'ptpnet'): Record<string, string> {
  const all = storeSnapshot(join(dataDir, network));
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(all)) if (k !== 'lock' && !k.startsWith('last_reserved_ip')) out[k] = v.replace(/\r/g, '');
  return out;
}

/**
 * The whole kernel state of a netns as `ip -j` shows it (links and addresses, routes of
 * every table, rules, neighbours) and its forwarding sysctls, raw — in one nsenter.
 */
export function kernelState(nsPath: string): Record<string, unknown> {
  const parts = [
    'ip -j -d addr show', 'ip -j -4 route show table all', 'ip -j -6 route show table all', 'ip -j rule show', 'ip -j neigh show',
    'cat /proc/sys/net/ipv4/ip_forward', 'cat /proc/sys/net/ipv6/conf/all/forwarding',
  ];
  const r = spawnSync('nsenter', [`--net=${nsPath}`, 'sh', '-c', parts.join('; echo "@@"; ')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`kernel state of ${nsPath}: ${r.stderr}`);
  const out = r.stdout.split('@@\n').map((x) => x.trim());
  const j = (x: string | undefined) => (x ? JSON.parse(x) : []);
  return { addr: j(out[0]), route4: j(out[1]), route6: j(out[2]), rule: j(out[3]), neigh: j(out[4]), forward4: out[5], forward6: out[6] };
}

export function readSysctl(nsPath: string, key: string): string {
  const r = spawnSync('nsenter', [`--net=${nsPath}`, 'cat', `/proc/sys/${key.replace(/\./g, '/')}`], { encoding: 'utf8' });
  return r.stdout.trim();
}

/**
 * Wait (up to 5 s) until the kernel has finished with the links of a netns: every link
 * but lo has its carrier (operstate UP; veth carrier reaches the other end through
 * linkwatch, asynchronously) and no address is still in DAD. A plugin may return
 * before that; comparisons of two plugins' results are made after it.
 */
export async function settle(nsPath: string): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const links = ipJson<Record<string, any>[]>(nsPath, ['addr', 'show']).filter((l) => l.ifname !== 'lo');
    const busy = links.some((l) => l.operstate !== 'UP' || (l.addr_info ?? []).some((a: Record<string, unknown>) => a.tentative));
    if (!busy || Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

type Json = Record<string, any>;

/**
 * Addresses and routes of a netns, normalised so two attachments made by different
 * plugins compare equal when they configured the same thing: the host veth's name
 * becomes HOSTVETH, kernel-made IPv6 link-local addresses (derived from random MACs)
 * become LINKLOCAL, ifindexes and DAD progress ('tentative') are dropped, lists sorted.
 */
export function normalisedState(nsPath: string, hostVeth?: string): { addrs: Json[]; routes: Json[] } {
  // What the plugins configure is compared exactly. What the kernel derives later and on
  // its own clock is left out: the operational state (linkwatch can take seconds to mark
  // a veth end up; seen with the reference ptp's container end staying NO-CARRIER for
  // over 5 s in a sandbox with sysfs remounted) and what follows from it — the IPv6
  // link-local address the kernel adds once the link is up, and its fe80::/64,
  // local and multicast routes. Link-local addresses a plugin sets itself are kept.
  const name = (n: unknown) => (hostVeth !== undefined && n === hostVeth ? 'HOSTVETH' : n);
  const isLL = (a: unknown) => typeof a === 'string' && a.startsWith('fe80:');
  const addrs = ipJson<Json[]>(nsPath, ['addr', 'show']).map((l) => ({
    ifname: name(l.ifname),
    mtu: l.mtu,
    flags: (l.flags as string[]).filter((f) => f !== 'NO-CARRIER'),
    addr_info: (l.addr_info ?? [])
      .filter((a: Json) => !(isLL(a.local) && a.prefixlen === 64 && a.scope === 'link'))
      .map((a: Json) => {
        const o: Json = { ...a };
        if (o.label !== undefined) o.label = name(o.label);
        delete o.tentative;
        return o;
      }).sort(byJson),
  })).sort(byJson);
  const routes = [
    ...ipJson<Json[]>(nsPath, ['-4', 'route', 'show', 'table', 'all']),
    ...ipJson<Json[]>(nsPath, ['-6', 'route', 'show', 'table', 'all']),
  ].filter((r) => !(r.dst === 'fe80::/64' || isLL(r.dst) || (r.type === 'multicast' && r.dst === 'ff00::/8')))
    .map((r) => ({ ...r, dev: name(r.dev) }))
    .sort(byJson);
  return { addrs, routes };
}

function byJson(a: unknown, b: unknown): number {
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A CNI result with the attachment-specific values (host veth name, MACs, sandbox path) replaced by placeholders. */
export function normalisedResult(r: Json): Json {
  const o = JSON.parse(JSON.stringify(r)) as Json;
  for (const i of o.interfaces ?? []) {
    if (i.sandbox !== undefined) i.sandbox = 'SANDBOX';
    else if (/^veth[0-9a-f]{8}$/.test(i.name)) i.name = 'HOSTVETH';
    if (typeof i.mac === 'string' && /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(i.mac)) i.mac = 'MAC';
  }
  return o;
}

/**
 * A scripted IPAM plugin "fakeipam" in `<w.dir>/bin`, speaking CNI 0.3.0–1.1.0: it logs
 * "COMMAND CONTAINERID IFNAME" per start to `<w.dir>/fakeipam.log` and answers ADD with
 * `result` (printed as given, so it may be malformed on purpose). Returns the CNI_PATH
 * to run nlkit-ptp with (the fake first, then the reference plugins) and a reader of
 * the log.
 */
export function fakeIpam(w: World, result: object | string): { path: string; log: () => string[] } {
  const bin = join(w.dir, 'bin');
  const log = join(w.dir, 'fakeipam.log');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(w.dir, 'fakeipam.result'), typeof result === 'string' ? result : JSON.stringify(result));
  writeFileSync(log, '');
  writeFileSync(join(bin, 'fakeipam'), [
    '#!/bin/sh',
    'cat >/dev/null',
    `echo "$CNI_COMMAND $CNI_CONTAINERID $CNI_IFNAME" >> '${log}'`,
    'case "$CNI_COMMAND" in',
    `  VERSION) echo '{"cniVersion":"1.1.0","supportedVersions":["0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]}';;`,
    `  ADD) cat '${join(w.dir, 'fakeipam.result')}';;`,
    'esac',
    'exit 0',
    '',
  ].join('\n'));
  chmodSync(join(bin, 'fakeipam'), 0o755);
  return { path: `${bin}:${REF_DIR}`, log: () => readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

/** iptables and ip6tables (with their -save tools) are installed: ipMasq's rules can be made and compared. */
export const HAVE_IPTABLES = ['iptables', 'ip6tables', 'iptables-save', 'ip6tables-save'].every((c) => spawnSync(c, ['--version'], { encoding: 'utf8' }).status === 0);

/**
 * The nat table of a netns as `iptables-save -t nat` and `ip6tables-save -t nat` print it,
 * without the comment lines (dates) and packet counters: where ipMasq's rules are.
 * Empty lists without iptables ({@link HAVE_IPTABLES}).
 */
export function natState(nsPath: string): { v4: string[]; v6: string[] } {
  const save = (cmd: string) => {
    if (!HAVE_IPTABLES) return [];
    const r = spawnSync('nsenter', [`--net=${nsPath}`, cmd, '-t', 'nat'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} in ${nsPath}: ${r.stderr}`);
    return r.stdout.split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.replace(/ \[\d+:\d+\]$/, ''));
  };
  return { v4: save('iptables-save'), v6: save('ip6tables-save') };
}
