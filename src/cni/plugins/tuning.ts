/**
 * `nlkit-tuning`: the tuning meta plugin on nlkit, doing what the reference `tuning`
 * plugin (containernetworking/plugins 1.1) does. Chained after a plugin that made the
 * container's interface, it changes, in the container's network namespace:
 *
 * - `net.*` sysctls (`"sysctl": {"net.ipv4.conf.IFNAME.rp_filter": "2"}`; `IFNAME` in a
 *   key is CNI_IFNAME);
 * - CNI_IFNAME's MAC address, MTU, promiscuous and all-multicast modes, saving the
 *   values it replaces in `<dataDir>/<container ID>_<ifname>.json` (the reference's
 *   file, in its format) so that DEL puts them back.
 *
 * Its result is prevResult, with the interface's new MAC. ADD is atomic: when a step
 * fails, the sysctls it wrote and the link attributes it changed are put back and the
 * saved file removed. DEL restores what the saved file holds and removes it; it succeeds
 * when there is nothing to restore (the reference's DEL never fails). CHECK compares the
 * kernel with the configuration.
 * @module
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError } from '../../netlink/index.js';
import { sysctlGet, sysctlPath, sysctlSet, type Netns } from '../../ns/index.js';
import { Rtnl } from '../../rtnl/handle.js';
import type { LinkChange } from '../../rtnl/link/api.js';
import type { Link } from '../../rtnl/link/decode.js';
import type { MacAddr } from '../../veth/index.js';
import { isNetlinkErrno, openNetns } from '../netns.js';
import type { PluginContext, PluginHandlers } from '../runtime.js';
import { CNI_ERR, CniError, type CniResult } from '../types.js';
import { CHECK_ERR, containerMac, linkOr } from '../veth-plugin.js';

/** nlkit-tuning's CHECK codes: 110 an interface attribute (MAC, MTU, promiscuous, all-multicast) differs; 130 a sysctl differs. */
export const TUNING_ERR = { INTERFACE: CHECK_ERR.INTERFACE, SYSCTL: 130 } as const;

/** Where the values ADD replaces are saved when the configuration names no `dataDir` (the reference's). */
export const DEFAULT_TUNING_DIR = '/run/cni/tuning';

/** tuning's configuration, checked. */
interface TuningConf {
  /** Sysctl keys in slash form (IFNAME substituted) → values, in the configuration's order. */
  sysctl: [key: string, value: string][];
  mac: MacAddr | null;
  promisc: boolean;
  mtu: number | undefined;
  /** undefined: left as it is. */
  allmulti: boolean | undefined;
  dataDir: string;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(field: string, why: string): never {
  throw new CniError(CNI_ERR.INVALID_CONFIG, `invalid ${field}`, why);
}

/** A sysctl key of the configuration as a `/proc/sys` path below net/ (Go: dots to slashes, then the first IFNAME to CNI_IFNAME). */
function sysctlKey(key: string, ifName: string): string {
  const first = key.search(/[./]/);
  const slash = first >= 0 && key[first] === '.' ? key.replace(/[./]/g, (c) => (c === '.' ? '/' : '.')) : key;
  const k = slash.replace('IFNAME', ifName);
  try {
    sysctlPath(k);
  } catch (e) {
    if (e instanceof InvalidArgumentError) bad('sysctl', `${JSON.stringify(key)}: ${e.message.replace(/^[^:]*: /, '')}`);
    throw e;
  }
  return k;
}

function sysctls(v: unknown, field: string, ifName: string, into: Map<string, [string, string]>): void {
  if (v === undefined || v === null) return;
  if (!isObj(v)) bad(field, `"${field}" must be an object of sysctl keys to string values, got ${JSON.stringify(v)}`);
  for (const [key, value] of Object.entries(v)) {
    if (typeof value !== 'string') bad(field, `${field}.${key} must be a string, got ${JSON.stringify(value)}`);
    if (value === '' || value.includes('\0') || /\n./s.test(value)) bad(field, `${field}.${key}: a sysctl value must be one non-empty line, got ${JSON.stringify(value)}`);
    into.set(key, [sysctlKey(key, ifName), value]);
  }
}

function optBool(v: unknown, field: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') bad(field, `"${field}" must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

function optMtu(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null || v === 0) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 68 || v > 65535) bad(field, `"${field}" must be an integer from 68 to 65535, got ${JSON.stringify(v)}`);
  return v;
}

/** The configuration, as the reference reads it: `args.cni` overrides, the MAC from CNI_ARGS, runtimeConfig.mac, then args.cni.mac. */
export function tuningConf(ctx: PluginContext): TuningConf {
  const raw = ctx.conf.raw;
  const a = isObj(raw['args']) && isObj(raw['args']['cni']) ? raw['args']['cni'] : {};
  const map = new Map<string, [string, string]>();
  sysctls(raw['sysctl'], 'sysctl', ctx.ifName, map);
  sysctls(a['sysctl'], 'args.cni.sysctl', ctx.ifName, map);
  const macFrom: [unknown, string][] = [[raw['mac'], 'mac'], [ctx.args.get('MAC'), 'CNI_ARGS MAC'], [ctx.conf.runtimeConfig?.['mac'], 'runtimeConfig.mac'], [a['mac'], 'args.cni.mac']];
  let mac: MacAddr | null = null;
  for (const [v, field] of macFrom) {
    const m = containerMac(v, field);
    if (m) mac = m;
  }
  const dataDir = raw['dataDir'];
  if (dataDir !== undefined && dataDir !== null && dataDir !== '' && (typeof dataDir !== 'string' || !dataDir.startsWith('/'))) {
    bad('dataDir', `"dataDir" must be an absolute directory path, got ${JSON.stringify(dataDir)}`);
  }
  return {
    sysctl: [...map.values()],
    mac,
    promisc: optBool(a['promisc'], 'args.cni.promisc') ?? optBool(raw['promisc'], 'promisc') ?? false,
    mtu: optMtu(a['mtu'], 'args.cni.mtu') ?? optMtu(raw['mtu'], 'mtu'),
    allmulti: optBool(a['allmulti'], 'args.cni.allmulti') ?? optBool(raw['allmulti'], 'allmulti'),
    dataDir: typeof dataDir === 'string' && dataDir !== '' ? dataDir : DEFAULT_TUNING_DIR,
  };
}

/** The values ADD replaced, as the reference saves them (its configToRestore: omitted when not changed). */
interface Saved {
  mac?: string;
  promisc?: boolean;
  mtu?: number;
  allmulti?: boolean;
}

function savedPath(conf: TuningConf, ctx: PluginContext): string {
  return join(conf.dataDir, `${ctx.containerId}_${ctx.ifName}.json`);
}

/** Go's json.MarshalIndent(config, "", " ") of configToRestore: the same bytes, so either plugin's DEL reads the other's file. */
function formatSaved(s: Saved): string {
  const keys = (['mac', 'promisc', 'mtu', 'allmulti'] as const).filter((k) => s[k] !== undefined);
  if (keys.length === 0) return '{}';
  return `{\n${keys.map((k) => ` ${JSON.stringify(k)}: ${JSON.stringify(s[k])}`).join(',\n')}\n}`;
}

/** Put the link's saved attributes back, in the reference's order (MTU, MAC, promiscuous, all-multicast); the failures, each named. */
async function restore(rt: Rtnl, ifName: string, s: Saved): Promise<string[]> {
  const errors: string[] = [];
  const step = async (what: string, change: LinkChange) => {
    try {
      await rt.link.set(ifName, change);
    } catch (e) {
      errors.push(`failed to restore ${what}: ${(e as Error).message}`);
    }
  };
  if (s.mtu !== undefined) await step('MTU', { mtu: s.mtu });
  if (s.mac !== undefined) await step('MAC address', { address: s.mac });
  if (s.promisc !== undefined) await step('promiscuous mode', { promisc: s.promisc });
  if (s.allmulti !== undefined) await step('all-multicast mode', { allmulti: s.allmulti });
  return errors;
}

async function add(ctx: PluginContext): Promise<CniResult> {
  const conf = tuningConf(ctx);
  const prev = ctx.conf.prevResult;
  if (!prev) throw new CniError(CNI_ERR.INVALID_CONFIG, 'tuning: required prevResult missing', 'tuning changes the interface of the plugin before it in the chain, and needs its result as "prevResult"');
  const ns = openNetns(ctx.netns!);
  let rt: Rtnl;
  try {
    rt = Rtnl.open({ netns: ns });
  } catch (e) {
    ns.close();
    throw e;
  }
  // What this ADD changed, to put back if a later step fails.
  const written: [key: string, old: string][] = [];
  let saved: Saved | undefined;
  let file: string | undefined;
  try {
    for (const [key, value] of conf.sysctl) {
      let old: string;
      try {
        old = sysctlGet(ns, key);
      } catch (e) {
        throw new CniError(CNI_ERR.INVALID_CONFIG, `cannot read sysctl ${key}`, (e as Error).message, { cause: e });
      }
      try {
        sysctlSet(ns, key, value);
      } catch (e) {
        throw new CniError(CNI_ERR.INTERNAL, `cannot set sysctl ${key}=${value}`, (e as Error).message, { cause: e });
      }
      written.push([key, old]);
    }
    const changesLink = conf.mac !== null || conf.mtu !== undefined || conf.promisc || conf.allmulti !== undefined;
    let mac: string | undefined;
    if (changesLink) {
      let link: Link;
      try {
        link = await rt.link.get(ctx.ifName);
      } catch (e) {
        if (isNetlinkErrno(e, 'ENODEV')) throw new CniError(CNI_ERR.INVALID_CONFIG, `interface ${ctx.ifName} is missing`, `no link named ${ctx.ifName} in ${ctx.netns}: tuning changes an interface a plugin before it made`);
        throw e;
      }
      const s: Saved = {};
      if (conf.mac) s.mac = link.address;
      if (conf.promisc) s.promisc = link.flags.includes('PROMISC');
      if (conf.mtu !== undefined) s.mtu = link.mtu;
      if (conf.allmulti !== undefined) s.allmulti = link.flags.includes('ALLMULTI');
      try {
        mkdirSync(conf.dataDir, { recursive: true, mode: 0o700 });
        file = savedPath(conf, ctx);
        writeFileSync(file, formatSaved(s), { mode: 0o600 });
      } catch (e) {
        file = undefined;
        throw new CniError(CNI_ERR.IO_FAILURE, `cannot save ${ctx.ifName}'s settings`, (e as Error).message, { cause: e });
      }
      saved = s;
      const set = async (what: string, change: LinkChange) => {
        try {
          await rt.link.set(ctx.ifName, change);
        } catch (e) {
          throw new CniError(CNI_ERR.INTERNAL, `failed to set ${what} of ${ctx.ifName}`, (e as Error).message, { cause: e });
        }
      };
      if (conf.mac) {
        await set('the MAC address', { address: conf.mac.toString() });
        mac = conf.mac.toString();
      }
      if (conf.promisc) await set('promiscuous mode', { promisc: true });
      if (conf.mtu !== undefined) await set('the MTU', { mtu: conf.mtu });
      if (conf.allmulti !== undefined) await set('all-multicast mode', { allmulti: conf.allmulti });
    }
    return {
      ...prev,
      cniVersion: ctx.conf.cniVersion,
      ...(prev.interfaces ? { interfaces: prev.interfaces.map((i) => (mac !== undefined && i.name === ctx.ifName ? { ...i, mac } : i)) } : {}),
    };
  } catch (e) {
    const undo: string[] = saved ? await restore(rt, ctx.ifName, saved) : [];
    for (const [key, old] of written.reverse()) {
      try {
        sysctlSet(ns, key, old);
      } catch (u) {
        undo.push(`failed to write ${key}=${old} back: ${(u as Error).message}`);
      }
    }
    if (file !== undefined) rmSync(file, { force: true });
    if (undo.length > 0) {
      ctx.log(`undoing a failed ADD: ${undo.join('; ')}`);
      if (e instanceof CniError) throw new CniError(e.code, e.msg, `${e.details ?? ''}${e.details ? '; ' : ''}and undoing it failed: ${undo.join('; ')}`, { cause: e });
    }
    throw e;
  } finally {
    rt.close();
    ns.close();
  }
}

/** The saved values a file holds, those of the right type only (Go's json.Unmarshal would refuse others). */
function savedOf(j: unknown): Saved | undefined {
  if (!isObj(j)) return undefined;
  const s: Saved = {};
  if (typeof j['mac'] === 'string' && j['mac'] !== '') s.mac = j['mac'];
  if (typeof j['promisc'] === 'boolean') s.promisc = j['promisc'];
  if (typeof j['mtu'] === 'number' && Number.isInteger(j['mtu']) && j['mtu'] > 0) s.mtu = j['mtu'];
  if (typeof j['allmulti'] === 'boolean') s.allmulti = j['allmulti'];
  return s;
}

async function del(ctx: PluginContext): Promise<void> {
  // Only dataDir, and without ADD's checks: a runtime retries a failed DEL until it
  // succeeds, and a configuration ADD refused saved nothing to restore. As the
  // reference's, this DEL never fails: what goes wrong is logged for the runtime's log,
  // and the file is kept wherever another DEL could still restore from it.
  const d = ctx.conf.raw['dataDir'];
  const file = join(typeof d === 'string' && d.startsWith('/') ? d : DEFAULT_TUNING_DIR, `${ctx.containerId}_${ctx.ifName}.json`);
  const drop = () => {
    try {
      rmSync(file, { force: true });
    } catch (e) {
      ctx.log(`DEL: cannot remove ${file}: ${(e as Error).message}`);
    }
  };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') ctx.log(`DEL: cannot read ${file}: ${(e as Error).message}; nothing restored`);
    return;
  }
  let s: Saved | undefined;
  try {
    s = savedOf(JSON.parse(text));
  } catch {
    // Not JSON: nothing any DEL could restore from it (the reference does the same).
  }
  if (s === undefined) {
    ctx.log(`DEL: ${file} holds no saved values; removed`);
    drop();
    return;
  }
  if (ctx.netns === undefined) return; // the runtime may DEL again with the namespace
  let ns: Netns;
  try {
    ns = openNetns(ctx.netns);
  } catch (e) {
    if (e instanceof CniError && e.code === CNI_ERR.UNKNOWN_CONTAINER) drop(); // gone, and the interface with it
    else ctx.log(`DEL: ${(e as Error).message}; ${file} kept for another DEL`);
    return;
  }
  let rt: Rtnl | undefined;
  try {
    rt = Rtnl.open({ netns: ns });
    try {
      await rt.link.get(ctx.ifName);
    } catch (e) {
      if (isNetlinkErrno(e, 'ENODEV')) {
        drop(); // the interface is gone: nothing left to restore
        return;
      }
      throw e;
    }
    const errors = await restore(rt, ctx.ifName, s);
    if (errors.length > 0) ctx.log(`DEL: ${errors.join('; ')}; ${file} kept for another DEL`);
    else drop();
  } catch (e) {
    ctx.log(`DEL: ${(e as Error).message}; ${file} kept for another DEL`);
  } finally {
    rt?.close();
    ns.close();
  }
}

async function check(ctx: PluginContext): Promise<void> {
  const conf = tuningConf(ctx);
  if (!ctx.conf.prevResult) throw new CniError(CNI_ERR.INVALID_CONFIG, 'tuning: required prevResult missing', 'CHECK needs the result of the ADD in "prevResult"');
  const ns = openNetns(ctx.netns!);
  let rt: Rtnl | undefined;
  try {
    rt = Rtnl.open({ netns: ns });
    for (const [key, want] of conf.sysctl) {
      const have = sysctlGet(ns, key);
      if (have !== want.replace(/\n$/, '')) throw new CniError(TUNING_ERR.SYSCTL, `sysctl ${key} is ${have}`, `the configuration sets it to ${want}`);
    }
    const link = await linkOr(rt, ctx.ifName, ctx.netns!);
    const differs = (what: string, want: unknown, have: unknown) => {
      throw new CniError(TUNING_ERR.INTERFACE, `${what} of ${ctx.ifName} is ${String(have)}`, `the configuration sets it to ${String(want)}`);
    };
    if (conf.mac && link.address !== conf.mac.toString()) differs('the MAC address', conf.mac, link.address);
    const promisc = link.flags.includes('PROMISC');
    if (promisc !== conf.promisc) differs('promiscuous mode', conf.promisc, promisc);
    if (conf.mtu !== undefined && link.mtu !== conf.mtu) differs('the MTU', conf.mtu, link.mtu);
    const allmulti = link.flags.includes('ALLMULTI');
    if (conf.allmulti !== undefined && allmulti !== conf.allmulti) differs('all-multicast mode', conf.allmulti, allmulti);
  } finally {
    rt?.close();
    ns.close();
  }
}

/** The nlkit-tuning plugin's handlers, for {@link runPlugin}. */
export const tuningPlugin: PluginHandlers = { add, del, check };
