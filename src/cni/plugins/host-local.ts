/**
 * `nlkit-host-local`: the host-local IPAM plugin on nlkit, doing what the reference
 * `host-local` IPAM plugin (containernetworking/plugins 1.1.1, plugins/ipam/host-local)
 * does, on the reference's own store, so that either plugin releases what the other
 * allocated and both can serve one network at once:
 *
 * - `<dataDir>/<network>/` (dataDir defaults to /var/lib/cni/networks), made with mode
 *   0755; in it one file per allocated address, named by the address as Go prints it
 *   (`10.1.0.2`, `fd00:1::10`), holding `<container ID>\r\n<ifname>` (mode 0644, made
 *   with O_EXCL: whoever creates it owns the address); `last_reserved_ip.<N>`, the last
 *   address allocated from range set N; and `lock`, an empty file (mode 0750) every
 *   allocation, release and check holds an exclusive flock(2) on;
 * - ranges: `ranges` (a list of range sets, one address from each: dual stack is two
 *   sets), the old single range at the top of `ipam` (`subnet`, `rangeStart`, …) before
 *   them and `runtimeConfig.ipRanges` before that; a range's gateway defaults to the
 *   subnet's first address, its start to the first address, its end to the last (IPv4:
 *   the one before the broadcast); the configuration is checked as the reference checks
 *   it, with its messages;
 * - allocation order: round robin, from the address after `last_reserved_ip.<N>` (when
 *   the set holds it) through the set's ranges in order and around, skipping each
 *   range's gateway; else from the first range's start;
 * - a specific address asked for with CNI_ARGS `IP=`, `args.cni.ips` or
 *   `runtimeConfig.ips`, each taken by the range set that holds it;
 * - DEL releases every address whose file holds the container ID and ifname; CHECK
 *   looks for one; `resolvConf` gives the result's `dns`, read as the reference reads a
 *   resolv.conf.
 *
 * Errors are the reference's, message and code (999: its skel reports every failure of
 * its own so), e.g. "failed to allocate for range 0: no IP addresses available in range
 * set: 10.1.0.1-10.1.0.2". Beyond the reference (which stops at CNI 1.0.0): GC (1.1.0)
 * releases the addresses of attachments not in the valid list, and STATUS reports a
 * range set with no free address (50).
 * @module
 */
import { closeSync, constants, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as sys from '../../netlink/sys.js';
import {
  bitsOf, cidrContains, goCidrString, goErrnoText, goError, goFields, goIpString, goOsError, goParseIp, goParseIpOrCidr, goTrimSpace, ipEqual, jsonArray, jsonCidr, jsonIp, jsonObject,
  jsonRoutes, jsonString, jsonTypeError, loadCniArgs, networkIp, type GoCidr, type GoIp,
} from '../go-compat.js';
import type { PluginContext, PluginHandlers } from '../runtime.js';
import { CNI_ERR, CniError, type CniDns, type CniIpConfig, type CniResult, type CniRoute } from '../types.js';

/** Where the store lives when the configuration names no `ipam.dataDir` (the reference's default). */
export const DEFAULT_HOST_LOCAL_DIR = '/var/lib/cni/networks';

/** The line break between the container ID and the ifname in an address's file. */
const LINE_BREAK = '\r\n';
/** Prefix of the files holding each range set's last allocated address. */
const LAST_IP_PREFIX = 'last_reserved_ip.';

/** A range as written: every field optional. */
interface RawRange {
  subnet: GoCidr | undefined;
  start: GoIp | undefined;
  end: GoIp | undefined;
  gateway: GoIp | undefined;
}

/** A range after the reference's Canonicalize: every field set. */
interface Range {
  subnet: GoCidr;
  start: GoIp;
  end: GoIp;
  gateway: GoIp;
}

/** host-local's configuration (the reference's IPAMConfig), checked. */
interface HostLocalConf {
  /** The network's name: the store's directory under dataDir. */
  name: string;
  /** `ipam.dataDir`, '' for the default. */
  dataDir: string;
  resolvConf: string;
  routes: CniRoute[] | undefined;
  ranges: Range[][];
  /** The addresses asked for (CNI_ARGS IP, args.cni.ips, runtimeConfig.ips), in that order. */
  ipArgs: GoIp[];
}

const next = (ip: GoIp): GoIp => ({ family: ip.family, n: ip.n + 1n });

/** The reference's Range.Contains: of the subnet's family, in it, and within start and end where they are set (compared as numbers, as Go's ip.Cmp does). */
function rangeContains(r: { subnet: GoCidr; start: GoIp | undefined; end: GoIp | undefined }, ip: GoIp): boolean {
  if (ip.family !== r.subnet.ip.family || !cidrContains(r.subnet, ip)) return false;
  if (r.start && ip.n < r.start.n) return false;
  if (r.end && ip.n > r.end.n) return false;
  return true;
}

const rangeString = (r: Range): string => `${goIpString(r.start)}-${goIpString(r.end)}`;
const rangeSetString = (rs: Range[]): string => rs.map(rangeString).join(',');
const rangeFor = (rs: Range[], ip: GoIp): Range | undefined => rs.find((r) => rangeContains(r, ip));

/**
 * Go's os.MkdirAll: `path` and its missing parents made with `mode`; its error names the
 * first part of the path that is not a directory ("mkdir /a/file: not a directory"), or
 * the directory it could not make.
 */
function goMkdirAll(path: string, mode: number): void {
  let isDir: boolean | undefined;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    isDir = undefined;
  }
  if (isDir) return;
  if (isDir === false) throw goError(`mkdir ${path}: not a directory`);
  let i = path.length;
  while (i > 0 && path[i - 1] === '/') i--;
  let j = i;
  while (j > 0 && path[j - 1] !== '/') j--;
  if (j > 1) goMkdirAll(path.slice(0, j - 1), mode);
  try {
    mkdirSync(path, mode);
  } catch (e) {
    try {
      if (lstatSync(path).isDirectory()) return; // made meanwhile
    } catch {
      /* the error below */
    }
    throw goError(goOsError(e));
  }
}

/** Write all of `text` to `fd`: on after a short write, until done or an error is thrown. */
function writeAll(fd: number, text: string): void {
  const b = Buffer.from(text);
  for (let off = 0; off < b.length; ) {
    const n = writeSync(fd, b, off, b.length - off);
    if (n <= 0) throw new Error('short write'); // Go's io.ErrShortWrite
    off += n;
  }
}

/** The reference's Range.Canonicalize; throws an Error with its message. */
function canonicalize(raw: RawRange): Range {
  const subnet = raw.subnet;
  if (!subnet) throw new Error('IP <nil> not v4 nor v6');
  const masklen = bitsOf(subnet.ip.family);
  if (subnet.prefixLen > masklen - 2) throw new Error(`Network ${goCidrString(subnet)} too small to allocate from`);
  const network = networkIp(subnet);
  if (network.n !== subnet.ip.n) throw new Error(`Network has host bits set. For a subnet mask of length ${subnet.prefixLen} the network address is ${goIpString(network)}`);
  const gateway = raw.gateway ?? next(subnet.ip);
  if (gateway.family !== subnet.ip.family) {
    // The reference takes it, and prints an IPv6 gateway for an IPv4 address.
    throw new CniError(CNI_ERR.INVALID_CONFIG, 'invalid range', `gateway ${goIpString(gateway)} is not of subnet ${goCidrString(subnet)}'s IP version`);
  }
  let start = raw.start;
  if (start) {
    if (!rangeContains({ subnet, start: undefined, end: raw.end }, start)) throw new Error(`RangeStart ${goIpString(start)} not in network ${goCidrString(subnet)}`);
  } else start = next(subnet.ip);
  let end = raw.end;
  if (end) {
    if (!rangeContains({ subnet, start, end }, end)) throw new Error(`RangeEnd ${goIpString(end)} not in network ${goCidrString(subnet)}`);
  } else {
    const host = BigInt(masklen - subnet.prefixLen);
    const last = (((subnet.ip.n >> host) + 1n) << host) - 1n;
    end = { family: subnet.ip.family, n: subnet.ip.family === 4 ? last - 1n : last };
  }
  return { subnet, start, end, gateway };
}

/** The reference's RangeSet.Canonicalize. */
function canonicalizeSet(raw: RawRange[]): Range[] {
  if (raw.length === 0) throw new Error('empty range set');
  const out: Range[] = [];
  for (const r of raw) {
    const c = canonicalize(r);
    if (out.length > 0 && out[0]!.start.family !== c.start.family) throw new Error('mixed address families');
    out.push(c);
  }
  for (let i = 0; i < out.length - 1; i++) {
    for (let j = i + 1; j < out.length; j++) {
      if (overlaps(out[i]!, out[j]!)) throw new Error(`subnets ${rangeString(out[i]!)} and ${rangeString(out[j]!)} overlap`);
    }
  }
  return out;
}

function overlaps(a: Range, b: Range): boolean {
  if (a.start.family !== b.start.family) return false;
  return rangeContains(a, b.start) || rangeContains(a, b.end) || rangeContains(b, a.start) || rangeContains(b, a.end);
}

function rawRange(o: Record<string, unknown>, struct: string): RawRange {
  return {
    subnet: jsonCidr(o['subnet'], `${struct}.subnet`),
    start: jsonIp(o['rangeStart'], `${struct}.rangeStart`),
    end: jsonIp(o['rangeEnd'], `${struct}.rangeEnd`),
    gateway: jsonIp(o['gateway'], `${struct}.gateway`),
  };
}

/** A list of range sets; `path` is the JSON path Go's type errors name ('ipam.ranges'). */
function rangeSets(v: unknown, struct: string, path: string): RawRange[][] | undefined {
  return jsonArray(v, `${struct}.${path}`, '[]allocator.RangeSet')?.map((set) =>
    (jsonArray(set, `${struct}.${path}`, 'allocator.RangeSet') ?? []).map((r) => rawRange(jsonObject(r, `${struct}.${path}`, 'allocator.Range') ?? {}, `Range.${path}`)));
}

/** A list of the CNI plugins' `ip.IP` (args.cni.ips, runtimeConfig.ips): undefined for '' and null (which the reference then refuses). */
function ipList(v: unknown, field: string): (GoIp | undefined)[] | undefined {
  return jsonArray(v, field, '[]*ip.IP')?.map((x) => {
    if (x === null) return undefined; // the reference crashes (a nil pointer)
    if (typeof x !== 'string') throw jsonTypeError(x, field, '*ip.IP');
    try {
      return goParseIpOrCidr(x);
    } catch (e) {
      throw goError((e as Error).message);
    }
  });
}

/**
 * host-local's configuration, read as the reference's LoadIPAMConfig reads it: the same
 * sources in the same order, the same checks and messages.
 * @internal
 */
export function hostLocalConf(ctx: PluginContext): HostLocalConf {
  const raw = ctx.conf.raw;
  if (raw['ipam'] === undefined || raw['ipam'] === null) throw goError("IPAM config missing 'ipam' key");
  const ipam = jsonObject(raw['ipam'], 'Net.ipam', 'allocator.IPAMConfig')!;
  const top = rawRange(ipam, 'Range.ipam');
  const routes = jsonRoutes(ipam['routes'], 'IPAMConfig.ipam.routes');
  const dataDir = jsonString(ipam['dataDir'], 'IPAMConfig.ipam.dataDir') ?? '';
  const resolvConf = jsonString(ipam['resolvConf'], 'IPAMConfig.ipam.resolvConf') ?? '';
  const ranges = rangeSets(ipam['ranges'], 'IPAMConfig', 'ipam.ranges') ?? [];
  const rc = jsonObject(raw['runtimeConfig'], 'Net.runtimeConfig', 'struct { IPRanges []allocator.RangeSet; IPs []*ip.IP }');
  const ipRanges = rangeSets(rc?.['ipRanges'], 'Net', 'runtimeConfig.ipRanges');
  const rcIps = ipList(rc?.['ips'], 'Net.runtimeConfig.ips');
  const args = jsonObject(raw['args'], 'Net.args', 'struct { A *allocator.IPAMArgs }');
  const argIps = ipList(jsonObject(args?.['cni'], 'Net.args.cni', 'allocator.IPAMArgs')?.['ips'], 'IPAMArgs.args.cni.ips');

  let envIp: GoIp | undefined;
  loadCniArgs(ctx.env['CNI_ARGS'], { IP: (v) => (envIp = goParseIpOrCidr(v)) });
  const ipArgs: (GoIp | undefined)[] = [...(envIp ? [envIp] : []), ...(argIps ?? []), ...(rcIps ?? [])];
  if (ipArgs.some((ip) => ip === undefined)) throw goError('cannot understand ip: IP <nil> not v4 nor v6');

  let sets = ranges;
  if (top.subnet) sets = [[top], ...sets];
  if (ipRanges?.length) sets = [...ipRanges, ...sets];
  if (sets.length === 0) throw goError('no IP ranges specified');
  const canon = sets.map((s, i) => {
    try {
      return canonicalizeSet(s);
    } catch (e) {
      if (e instanceof CniError) throw new CniError(e.code, `invalid range set ${i}`, e.details);
      throw goError(`invalid range set ${i}: ${(e as Error).message}`);
    }
  });
  for (let i = 0; i < canon.length - 1; i++) {
    for (let j = i + 1; j < canon.length; j++) {
      if (canon[i]!.some((a) => canon[j]!.some((b) => overlaps(a, b)))) throw goError(`range set ${i} overlaps with ${j}`);
    }
  }
  return { name: ctx.conf.name, dataDir, resolvConf, routes, ranges: canon, ipArgs: ipArgs as GoIp[] };
}

// ---------------------------------------------------------------------------------
// The store (the reference's backend/disk)

/**
 * host-local's store for one network, the reference's files byte for byte. Every
 * method but `lock`/`unlock`/`close` expects the lock held (as the reference's
 * allocator holds it) and works synchronously, so that a lock is never held across an
 * await.
 * @internal
 */
export class HostLocalStore {
  /** `<dataDir>/<network>`. */
  readonly dir: string;
  #lockFd: number;

  private constructor(dir: string, lockFd: number) {
    this.dir = dir;
    this.#lockFd = lockFd;
  }

  /**
   * The reference's disk.New: the directory made (0755, parents too, as Go's
   * os.MkdirAll, whose error names the part of the path that failed) and its `lock`
   * file opened (made 0750; go-filemutex reports a failure by its errno alone).
   */
  static open(dataDir: string, network: string): HostLocalStore {
    const dir = join(dataDir === '' ? DEFAULT_HOST_LOCAL_DIR : dataDir, network);
    goMkdirAll(dir, 0o755);
    try {
      return new HostLocalStore(dir, openSync(join(dir, 'lock'), constants.O_CREAT | constants.O_RDONLY, 0o750));
    } catch (e) {
      throw goError(goErrnoText(e as NodeJS.ErrnoException));
    }
  }

  /** Take the store's exclusive flock (waits for other holders: either plugin, any process). */
  lock(): void {
    sys.flock(this.#lockFd, sys.LOCK_EX);
  }

  /** Release the flock (the reference's FileLock.Unlock). */
  unlock(): void {
    sys.flock(this.#lockFd, sys.LOCK_UN);
  }

  /** Close the lock's file, which releases the flock too (the reference's Store.Close). */
  close(): void {
    if (this.#lockFd >= 0) closeSync(this.#lockFd);
    this.#lockFd = -1;
  }

  /** The reference's Reserve: the address's file made with O_EXCL (false: someone has it) and written, then `last_reserved_ip.<rangeId>`. */
  reserve(id: string, ifName: string, ip: GoIp, rangeId: number): boolean {
    const file = join(this.dir, goIpString(ip));
    let fd: number;
    try {
      fd = openSync(file, constants.O_RDWR | constants.O_EXCL | constants.O_CREAT, 0o644);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw new Error(goOsError(e));
    }
    try {
      // All of it, or an error (a short write, as at a file size limit, is written on
      // from where it stopped, as Go's WriteString does): a file holding part of the
      // owner would be an address nobody can release.
      writeAll(fd, goTrimSpace(id) + LINE_BREAK + ifName);
    } catch (e) {
      closeSync(fd);
      try {
        unlinkSync(file);
      } catch {
        /* the reference ignores it too */
      }
      throw new Error(goOsError(e, file));
    }
    closeSync(fd);
    const lastFile = join(this.dir, LAST_IP_PREFIX + rangeId);
    try {
      writeFileSync(lastFile, goIpString(ip), { mode: 0o644 });
    } catch (e) {
      throw new Error(goOsError(e, lastFile));
    }
    return true;
  }

  /** The address in `last_reserved_ip.<rangeId>`, if it holds one (exactly: Go's net.ParseIP of the whole file). */
  lastReservedIp(rangeId: number): GoIp | undefined {
    try {
      return goParseIp(readFileSync(join(this.dir, LAST_IP_PREFIX + rangeId), 'utf8'));
    } catch {
      return undefined;
    }
  }

  /** Remove the file of an address this process reserved under the lock it still holds (a failed ADD undoing its own reservations). */
  release(ip: GoIp): void {
    try {
      unlinkSync(join(this.dir, goIpString(ip)));
    } catch {
      /* gone already: nothing to undo */
    }
  }

  /** Every file under the directory, in the order Go's filepath.Walk visits them (lexical, depth first, symbolic links not followed into). */
  files(): string[] {
    const out: string[] = [];
    const walk = (dir: string) => {
      let names: string[];
      try {
        names = readdirSync(dir).sort();
      } catch {
        return;
      }
      for (const n of names) {
        const p = join(dir, n);
        try {
          if (lstatSync(p).isDirectory()) walk(p);
          else out.push(p);
        } catch {
          /* gone meanwhile */
        }
      }
    };
    walk(this.dir);
    return out;
  }

  /** Each file's trimmed contents (unreadable files left out), as the reference compares them. */
  private contents(): [path: string, text: string][] {
    const out: [string, string][] = [];
    for (const p of this.files()) {
      try {
        out.push([p, goTrimSpace(readFileSync(p, 'utf8'))]);
      } catch {
        /* a directory behind a link, a file gone: skipped, as in the reference */
      }
    }
    return out;
  }

  /** Remove the files holding exactly `match`; whether any was removed. */
  private releaseByKey(match: string): boolean {
    let found = false;
    for (const [p, text] of this.contents()) {
      if (text !== match) continue;
      try {
        unlinkSync(p);
        found = true;
      } catch {
        /* the reference goes on */
      }
    }
    return found;
  }

  /** The reference's ReleaseByID: the attachment's files, or else (files of stores older than the ifname line) those holding only the container ID. */
  releaseById(id: string, ifName: string): void {
    if (!this.releaseByKey(goTrimSpace(id) + LINE_BREAK + ifName)) this.releaseByKey(goTrimSpace(id));
  }

  /** The reference's GetByID: the addresses whose files hold the attachment (or only its container ID). */
  getById(id: string, ifName: string): GoIp[] {
    const match = goTrimSpace(id) + LINE_BREAK + ifName;
    const old = goTrimSpace(id);
    const out: GoIp[] = [];
    for (const [p, text] of this.contents()) {
      if (text !== match && text !== old) continue;
      const ip = goParseIp(basename(p));
      if (ip) out.push(ip);
    }
    return out;
  }

  /** The reference's FindByID: a file holds the attachment, or else one holds only its container ID. */
  findById(id: string, ifName: string): boolean {
    const c = this.contents();
    const match = goTrimSpace(id) + LINE_BREAK + ifName;
    return c.some(([, t]) => t === match) || c.some(([, t]) => t === goTrimSpace(id));
  }

  /**
   * Release the addresses of attachments not in `valid` (GC): every file named by an
   * address whose contents are neither `<ID>\r\n<ifname>` of a valid attachment nor
   * (stores older than the ifname line) a valid attachment's bare container ID. `lock`,
   * `last_reserved_ip.*` and other files are left. Returns the addresses released.
   */
  gc(valid: readonly { containerID: string; ifname: string }[]): string[] {
    const keep = new Set<string>();
    for (const a of valid) {
      keep.add(goTrimSpace(a.containerID) + LINE_BREAK + a.ifname);
      keep.add(goTrimSpace(a.containerID));
    }
    const released: string[] = [];
    for (const [p, text] of this.contents()) {
      const name = basename(p);
      if (!goParseIp(name) || keep.has(text)) continue;
      try {
        unlinkSync(p);
        released.push(name);
      } catch {
        /* gone meanwhile */
      }
    }
    return released;
  }
}

// ---------------------------------------------------------------------------------
// Allocation (the reference's allocator)

/**
 * The reference's RangeIter: the next address to try, round robin. Starts after `last`
 * when the set holds it (trying `last` itself last), else at the first range's start;
 * goes through each range up to its end, then the next range (around to the first), and
 * skips each range's gateway; undefined once back where it started.
 */
function rangeIter(rs: Range[], last: GoIp | undefined): () => [GoIp, Range] | undefined {
  let idx = 0;
  let cur: GoIp | undefined;
  let startIp: GoIp | undefined;
  const from = last && rangeFor(rs, last);
  if (from) {
    idx = rs.indexOf(from);
    cur = last;
  } else startIp = rs[0]!.start;
  return () => {
    for (;;) {
      let r = rs[idx]!;
      if (cur === undefined) {
        cur = r.start;
        startIp = cur;
        if (ipEqual(cur, r.gateway)) continue;
        return [cur, r];
      }
      if (ipEqual(cur, r.end)) {
        idx = (idx + 1) % rs.length;
        r = rs[idx]!;
        cur = r.start;
      } else cur = next(cur);
      if (startIp === undefined) startIp = cur;
      else if (ipEqual(cur, startIp)) return undefined;
      if (ipEqual(cur, r.gateway)) continue;
      return [cur, r];
    }
  };
}

const ipConfig = (ip: GoIp, r: Range): CniIpConfig => ({ address: `${goIpString(ip)}/${r.subnet.prefixLen}`, gateway: goIpString(r.gateway) });

/** The reference's IPAllocator.Get for range set `rangeId`: the address reserved and its configuration; throws an Error with its message. */
function allocate(store: HostLocalStore, rs: Range[], rangeId: number, id: string, ifName: string, requested: GoIp | undefined): [GoIp, CniIpConfig] {
  if (requested) {
    const r = rangeFor(rs, requested)!;
    if (ipEqual(requested, r.gateway)) throw new Error(`requested ip ${goIpString(requested)} is subnet's gateway`);
    if (!store.reserve(id, ifName, requested, rangeId)) throw new Error(`requested IP address ${goIpString(requested)} is not available in range set ${rangeSetString(rs)}`);
    return [requested, ipConfig(requested, r)];
  }
  // One address per attachment and range set: the spec forbids a second.
  for (const ip of store.getById(id, ifName)) {
    if (rangeFor(rs, ip)) throw new Error(`${goIpString(ip)} has been allocated to ${id}, duplicate allocation is not allowed`);
  }
  const nextIp = rangeIter(rs, store.lastReservedIp(rangeId));
  for (let c = nextIp(); c; c = nextIp()) if (store.reserve(id, ifName, c[0], rangeId)) return [c[0], ipConfig(c[0], c[1])];
  throw new Error(`no IP addresses available in range set: ${rangeSetString(rs)}`);
}

/** A resolv.conf as the reference reads it for `resolvConf`: nameserver, domain, search and options lines, anything else skipped. */
function parseResolvConf(file: string): CniDns {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw goError(goOsError(e, file)); // a directory fails the read, which names no file
  }
  const dns: Required<CniDns> = { nameservers: [], domain: '', search: [], options: [] };
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (const l of lines) {
    // bufio.Scanner's limit on a line (64 KiB), which fails the reference's read.
    if (Buffer.byteLength(l) >= 64 * 1024) throw goError('bufio.Scanner: token too long');
    const line = goTrimSpace(l);
    if (line === '' || line[0] === '#' || line[0] === ';') continue;
    const f = goFields(line);
    if (f.length < 2) continue;
    if (f[0] === 'nameserver') dns.nameservers.push(f[1]!);
    else if (f[0] === 'domain') dns.domain = f[1]!;
    else if (f[0] === 'search') dns.search.push(...f.slice(1));
    else if (f[0] === 'options') dns.options.push(...f.slice(1));
  }
  return dns;
}

/** Open the store and run `fn` with its lock held; the store is closed after. */
function withStore<T>(dataDir: string, name: string, fn: (s: HostLocalStore) => T): T {
  const store = HostLocalStore.open(dataDir, name);
  try {
    store.lock();
    return fn(store);
  } finally {
    store.close(); // closing the lock's file releases the flock
  }
}

async function add(ctx: PluginContext): Promise<CniResult> {
  const conf = hostLocalConf(ctx);
  const dns = conf.resolvConf !== '' ? parseResolvConf(conf.resolvConf) : undefined;
  const ips = withStore(conf.dataDir, conf.name, (store) => {
    // The addresses asked for, each once, in the order given (Go keeps them in a map
    // and tries them in its random order: when a range set holds two, which one it
    // takes varies; nlkit takes the first).
    const requested = new Map<string, GoIp>();
    for (const ip of conf.ipArgs) requested.set(goIpString(ip), ip);
    const out: CniIpConfig[] = [];
    // The addresses this ADD reserved, released again when it fails. Only these: the
    // reference releases everything the container ID and ifname hold (and, from its
    // second range set on, every file holding the bare container ID), so a repeated ADD
    // that fails frees the addresses of the ADD before it, which the container still
    // uses, for the next container to take.
    const reserved: GoIp[] = [];
    const releaseAll = () => {
      for (const ip of reserved) store.release(ip);
    };
    conf.ranges.forEach((rs, idx) => {
      let want: GoIp | undefined;
      for (const [k, ip] of requested) {
        if (rangeFor(rs, ip)) {
          want = ip;
          requested.delete(k);
          break;
        }
      }
      try {
        const [ip, config] = allocate(store, rs, idx, ctx.containerId, ctx.ifName, want);
        reserved.push(ip);
        out.push(config);
      } catch (e) {
        releaseAll();
        throw goError(`failed to allocate for range ${idx}: ${(e as Error).message}`);
      }
    });
    if (requested.size > 0) {
      releaseAll();
      throw goError(`failed to allocate all requested IPs: ${[...requested.keys()].join(' ')}`);
    }
    return out;
  });
  return { cniVersion: ctx.conf.cniVersion, ips, routes: conf.routes, dns };
}

async function del(ctx: PluginContext): Promise<void> {
  if (ctx.conf.raw['ipam'] === undefined || ctx.conf.raw['ipam'] === null) throw goError("IPAM config missing 'ipam' key");
  let dataDir: string;
  let rounds: number;
  try {
    const conf = hostLocalConf(ctx);
    dataDir = conf.dataDir;
    rounds = conf.ranges.length;
  } catch (e) {
    // A DEL that fails is retried by the runtime for ever: the addresses are released
    // all the same, which needs only the store's place (the reference's DEL fails here).
    const d = (ctx.conf.raw['ipam'] as Record<string, unknown>)['dataDir'];
    if (d !== undefined && d !== null && typeof d !== 'string') throw e;
    ctx.log(`DEL: the configuration is refused (${(e as Error).message}); releasing what ${ctx.containerId}/${ctx.ifName} holds all the same`);
    dataDir = d ?? '';
    rounds = 1;
  }
  // The reference releases once per range set; a second round also takes the files of
  // stores older than the ifname line, which the first leaves when it found new ones.
  withStore(dataDir, ctx.conf.name, (store) => {
    for (let i = 0; i < rounds; i++) store.releaseById(ctx.containerId, ctx.ifName);
  });
}

async function check(ctx: PluginContext): Promise<void> {
  const conf = hostLocalConf(ctx);
  const found = withStore(conf.dataDir, conf.name, (store) => store.findById(ctx.containerId, ctx.ifName));
  if (!found) throw goError(`host-local: Failed to find address added by container ${ctx.containerId}`);
}

async function gc(ctx: PluginContext): Promise<void> {
  const conf = hostLocalConf(ctx);
  const released = withStore(conf.dataDir, conf.name, (store) => store.gc(ctx.conf.validAttachments ?? []));
  if (released.length > 0) ctx.log(`GC: released ${released.join(', ')}`);
}

async function status(ctx: PluginContext): Promise<void> {
  const conf = hostLocalConf(ctx);
  let names: string[];
  try {
    names = readdirSync(join(conf.dataDir === '' ? DEFAULT_HOST_LOCAL_DIR : conf.dataDir, conf.name));
  } catch {
    names = [];
  }
  const reserved = names.map(goParseIp).filter((ip): ip is GoIp => ip !== undefined);
  for (const rs of conf.ranges) {
    // Free when some range has more addresses (its gateway aside) than files in it.
    const free = rs.some((r) => {
      const inRange = (ip: GoIp) => ip.family === r.start.family && ip.n >= r.start.n && ip.n <= r.end.n;
      const size = r.end.n - r.start.n + 1n - (inRange(r.gateway) ? 1n : 0n);
      return size > BigInt(reserved.filter((ip) => inRange(ip) && !ipEqual(ip, r.gateway)).length);
    });
    if (!free) throw new CniError(CNI_ERR.PLUGIN_NOT_AVAILABLE, `no IP addresses available in range set: ${rangeSetString(rs)}`, 'every address of the range set is allocated');
  }
}

/**
 * The `nlkit-host-local` IPAM plugin (equivalent to the reference `host-local` IPAM
 * plugin of containernetworking/plugins 1.1.1, on the same store): ADD allocates one
 * address per range set, DEL releases the attachment's, CHECK finds one, GC releases
 * those of attachments not in the valid list, STATUS reports an exhausted range set.
 */
export const hostLocalPlugin: PluginHandlers = { add, del, check, gc, status };
