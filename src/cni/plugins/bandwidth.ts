/**
 * `nlkit-bandwidth`: the bandwidth CNI plugin on nlkit, a chained plugin that shapes a
 * container's traffic on the host end of its veth with tc's token bucket filter, doing
 * what the reference `bandwidth` plugin (containernetworking/plugins 1.1, the
 * version Debian ships) does, with the same kernel state:
 *
 * - ingress (traffic into the container: the host end's egress): a tbf qdisc `1:` at
 *   the root of the host end;
 * - egress (traffic out of the container: the host end's ingress, which tc cannot
 *   shape): an ifb device `bwp` + 12 hex digits of sha512(network name + container id),
 *   up, with the host end's MTU; an ingress qdisc on the host end with a u32 filter
 *   (priority 1, every protocol, match all, flowid 1:1) that redirects every packet to
 *   the ifb's egress (mirred); a tbf qdisc `1:` at the root of the ifb. The ifb is added
 *   to the result's interfaces.
 *
 * Rates are bits per second and bursts bits, as in the configuration; the tbf gets
 * rate/8 bytes per second, a bucket (buffer) of burst/rate seconds in the kernel's
 * ticks, and a queue limit of 25 ms at the rate plus the burst, computed as the
 * reference plugin computes them (so either plugin's CHECK accepts the other's state).
 *
 * Where it differs from the reference, on purpose:
 * - ADD is atomic: when a step fails, what the ADD made is removed again (the ifb,
 *   the qdiscs) before the error is returned; the reference leaves it.
 * - CHECK compares every qdisc, the filter and the ifb with the configuration; the
 *   reference stops at the first qdisc that is not a tbf and checks no filter.
 * - A rate below 8 bits per second (0 bytes per second once divided, which the
 *   reference divides by), a burst below 8 bits (a bucket of 0 bytes) or one that is a
 *   bucket of 0 ticks at its rate (which the kernel refuses) is refused as invalid
 *   configuration.
 * @module
 */
import { nodeCrypto } from '../../builtins.js';
import { Rtnl } from '../../rtnl/handle.js';
import type { Link } from '../../rtnl/link/decode.js';
import type { Qdisc } from '../../rtnl/tc/qdisc/decode.js';
import { pschedClock } from '../../rtnl/tc/units.js';
import { checkRtnl, isNetlinkErrno, openNetns } from '../netns.js';
import type { PluginContext, PluginHandlers } from '../runtime.js';
import { CNI_ERR, CniError, type CniResult } from '../types.js';

/** nlkit-bandwidth's own error codes (CHECK drift), beside the spec's. */
export const BANDWIDTH_ERR = {
  /** CHECK: a qdisc, filter or the ifb device is missing or differs from the configuration. */
  SHAPING: 120,
} as const;

/** The reference plugin's queue latency for the tbf limit: 25 ms. */
const LATENCY_MS = 25;
/** tc's TIME_UNITS_PER_SEC: times in µs. */
const TIME_UNITS_PER_SEC = 1_000_000;
/** IFNAMSIZ - 1. */
const IFB_NAME_LEN = 15;
const IFB_PREFIX = 'bwp';

/** @internal One direction's limits, as configured (bits per second, bits). */
export interface BandwidthLimits {
  readonly rate: number;
  readonly burst: number;
}

/** @internal The configuration's `bandwidth` entry (top-level fields or runtimeConfig.bandwidth), checked. */
export interface BandwidthConf {
  /** Traffic into the container, or undefined for no limit. */
  readonly ingress: BandwidthLimits | undefined;
  /** Traffic out of the container, or undefined for no limit. */
  readonly egress: BandwidthLimits | undefined;
}

const FIELDS = ['ingressRate', 'ingressBurst', 'egressRate', 'egressBurst'] as const;

function bitsField(o: Record<string, unknown>, k: string, where: string): number {
  const v = o[k];
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new CniError(CNI_ERR.INVALID_CONFIG, `invalid ${k}`, `${where}${k} must be a whole number of bits${k.endsWith('Rate') ? ' per second' : ''} from 0, got ${JSON.stringify(v)}`);
  }
  return v;
}

function limits(o: Record<string, unknown>, dir: 'ingress' | 'egress', where: string): BandwidthLimits | undefined {
  const rate = bitsField(o, `${dir}Rate`, where);
  const burst = bitsField(o, `${dir}Burst`, where);
  if (rate === 0 && burst === 0) return undefined;
  if (burst === 0) throw new CniError(CNI_ERR.INVALID_CONFIG, `invalid ${dir}Burst`, `if ${dir}Rate is set, ${dir}Burst must also be set`);
  if (rate === 0) throw new CniError(CNI_ERR.INVALID_CONFIG, `invalid ${dir}Rate`, `if ${dir}Burst is set, ${dir}Rate must also be set`);
  if (burst / 8 >= 0xffffffff) throw new CniError(CNI_ERR.INVALID_CONFIG, `invalid ${dir}Burst`, `${dir}Burst cannot be more than 4GB (${burst} bits)`);
  if (rate < 8) throw new CniError(CNI_ERR.INVALID_CONFIG, `invalid ${dir}Rate`, `${dir}Rate ${rate} is below 8 bits per second, which is 0 bytes per second: the token bucket would never fill`);
  if (burst < 8) throw new CniError(CNI_ERR.INVALID_CONFIG, `invalid ${dir}Burst`, `${dir}Burst ${burst} is below 8 bits, which is a bucket of 0 bytes: no packet would pass`);
  // The bucket in the kernel's ticks: a burst too small for the rate is 0 of them, which the kernel refuses (EINVAL).
  if (tbfParams({ rate, burst }).buffer === 0) throw new CniError(CNI_ERR.INVALID_CONFIG, `invalid ${dir}Burst`, `${dir}Burst ${burst} at ${dir}Rate ${rate} is a bucket of 0 scheduler ticks: no packet would pass`);
  return { rate, burst };
}

/**
 * The shaping the configuration asks for: its top-level ingressRate/ingressBurst/
 * egressRate/egressBurst when it has any of them, else `runtimeConfig.bandwidth` (what a
 * runtime passes with the "bandwidth" capability), as the reference reads them.
 * @internal exported for the tests.
 */
export function bandwidthConf(raw: Readonly<Record<string, unknown>>): BandwidthConf {
  let o: Record<string, unknown> = raw as Record<string, unknown>;
  let where = '';
  if (!FIELDS.some((k) => raw[k] !== undefined)) {
    const rc = raw['runtimeConfig'];
    const bw = rc !== null && typeof rc === 'object' ? (rc as Record<string, unknown>)['bandwidth'] : undefined;
    if (bw === undefined || bw === null) return { ingress: undefined, egress: undefined };
    if (typeof bw !== 'object' || Array.isArray(bw)) throw new CniError(CNI_ERR.INVALID_CONFIG, 'invalid runtimeConfig.bandwidth', `expected an object, got ${JSON.stringify(bw)}`);
    o = bw as Record<string, unknown>;
    where = 'runtimeConfig.bandwidth.';
  }
  return { ingress: limits(o, 'ingress', where), egress: limits(o, 'egress', where) };
}

/**
 * The ifb device's name: 'bwp' and the first 12 hex digits of sha512(network name +
 * container id), as the reference plugin names it (utils.MustFormatHashWithPrefix).
 */
export function ifbName(networkName: string, containerId: string): string {
  return (IFB_PREFIX + nodeCrypto().createHash('sha512').update(networkName + containerId).digest('hex')).slice(0, IFB_NAME_LEN);
}

/** @internal What the tbf gets for one direction: bytes per second, bucket in ticks, limit in bytes (the reference's arithmetic, u32 truncations included). */
export interface TbfParams {
  readonly rate: number;
  readonly buffer: number;
  readonly limit: number;
}

/** @internal exported for the tests. */
export function tbfParams(l: BandwidthLimits): TbfParams {
  const rate = Math.floor(l.rate / 8);
  const burst = Math.floor(l.burst / 8) >>> 0;
  const bufferUs = Math.trunc((burst * TIME_UNITS_PER_SEC) / rate) >>> 0;
  const buffer = Math.trunc(bufferUs * pschedClock().tickInUsec) >>> 0;
  const latency = TIME_UNITS_PER_SEC * (LATENCY_MS / 1000);
  const limit = ((Math.trunc((rate * latency) / TIME_UNITS_PER_SEC) >>> 0) + burst) >>> 0;
  return { rate, buffer, limit };
}

/** The tbf qdisc `1:` at the root of `link` for one direction (the reference's createTBF). */
function tbfSpec(link: number, p: TbfParams) {
  return { link, parent: 'root', handle: '1:', kind: 'tbf', rate: p.rate, buffer: p.buffer, limit: p.limit } as const;
}

/**
 * The host end of the container's veth: the peer of CNI_IFNAME (its IFLA_LINK), found
 * in this netns, and the entry of the result's interfaces without a sandbox that names it
 * (the reference's getHostInterface).
 */
async function hostLink(ctx: PluginContext, prev: CniResult, host: Rtnl): Promise<Link> {
  const ifs = prev.interfaces ?? [];
  if (ifs.length === 0) throw new CniError(CNI_ERR.INVALID_CONFIG, 'no interfaces provided', 'prevResult has no interfaces: bandwidth shapes the host end of a veth that a plugin before it made');
  const ns = openNetns(ctx.netns!);
  let peer: number | undefined;
  try {
    const rt = Rtnl.open({ netns: ns });
    try {
      const l = await rt.link.get(ctx.ifName);
      if (l.kind === 'veth') peer = l.link;
      if (!peer) throw new CniError(CNI_ERR.INVALID_CONFIG, `container interface ${ctx.ifName} has no veth peer`, `its kind is ${l.kind ?? 'none'}${l.kind === 'veth' ? ', and its peer is gone' : ''}; bandwidth shapes the host end of a veth pair`);
    } catch (e) {
      if (isNetlinkErrno(e, 'ENODEV')) throw new CniError(CNI_ERR.INVALID_CONFIG, `container interface ${ctx.ifName} has no veth peer`, `there is no ${ctx.ifName} in ${ctx.netns}`);
      throw e;
    } finally {
      rt.close();
    }
  } finally {
    ns.close();
  }
  let link: Link;
  try {
    link = await host.link.get(peer);
  } catch (e) {
    if (isNetlinkErrno(e, 'ENODEV')) throw new CniError(CNI_ERR.INVALID_CONFIG, `veth peer with index ${peer} is not in host ns`, `the peer of ${ctx.ifName} (ifindex ${peer}) is not in this plugin's network namespace`);
    throw e;
  }
  if (!ifs.some((i) => !i.sandbox && i.name === link.name)) throw new CniError(CNI_ERR.INVALID_CONFIG, 'no veth peer of container interface found in host ns', `the peer of ${ctx.ifName} is ${link.name}, which prevResult's interfaces do not list without a sandbox`);
  return link;
}

/** The result to pass on unchanged (no shaping asked for). */
function passOn(ctx: PluginContext): CniResult {
  return ctx.conf.prevResult ?? { cniVersion: ctx.conf.cniVersion };
}

async function add(ctx: PluginContext): Promise<CniResult> {
  const bw = bandwidthConf(ctx.conf.raw);
  if (!bw.ingress && !bw.egress) return passOn(ctx);
  const prev = ctx.conf.prevResult;
  if (!prev) throw new CniError(CNI_ERR.INVALID_CONFIG, 'must be called as chained plugin', 'bandwidth shapes the veth of the plugin before it in the chain, and needs its result as "prevResult"');
  const host = Rtnl.open();
  // What this ADD made, undone in reverse order when a later step fails.
  const undo: { what: string; run: () => Promise<void> }[] = [];
  try {
    const link = await hostLink(ctx, prev, host);
    const result: CniResult = { ...prev, interfaces: [...(prev.interfaces ?? [])] };
    if (bw.ingress) {
      await host.qdisc.add(tbfSpec(link.index, tbfParams(bw.ingress)));
      undo.push({ what: `the tbf qdisc on ${link.name}`, run: () => host.qdisc.del({ link: link.index, parent: 'root' }) });
    }
    if (bw.egress) {
      const name = ifbName(ctx.conf.name, ctx.containerId);
      // The host end's MTU and queue length as they are now, after the ingress tbf (the
      // kernel gives a veth without a queue, as ptp's, its default length when a qdisc
      // goes on), as upstream's plugin reads them; 1.1 left the ifb's queue at 0 packets.
      const now = bw.ingress ? await host.link.get(link.index) : link;
      const ifb = await host.link.add({ name, kind: 'ifb', mtu: now.mtu, ...(now.txqlen !== undefined ? { txqlen: now.txqlen } : {}), up: true }, { echo: true });
      undo.push({ what: `the ifb device ${name}`, run: () => host.link.del(ifb.index) });
      result.interfaces!.push({ name, mac: ifb.address ?? '' });
      await host.qdisc.add({ link: link.index, kind: 'ingress' });
      undo.push({ what: `the ingress qdisc on ${link.name}`, run: () => host.qdisc.del({ link: link.index, kind: 'ingress' }) });
      await host.filter.add({
        link: link.index, parent: 'ffff:', protocol: 'all', priority: 1, kind: 'u32', match: 'all', classid: '1:1',
        actions: [{ kind: 'mirred', action: 'redirect', direction: 'egress', dev: ifb.index }],
      });
      await host.qdisc.add(tbfSpec(ifb.index, tbfParams(bw.egress)));
    }
    return result;
  } catch (e) {
    const failed: string[] = [];
    for (const u of undo.reverse()) {
      try {
        await u.run();
      } catch (d) {
        failed.push(`${u.what}: ${(d as Error).message}`);
      }
    }
    if (failed.length) {
      const first = e instanceof CniError ? e : new CniError(CNI_ERR.INTERNAL, 'ADD failed', (e as Error).message, { cause: e });
      throw new CniError(first.code, first.msg, `${first.details ?? ''}; and undoing it failed: ${failed.join('; ')}`, { cause: e });
    }
    throw e;
  } finally {
    host.close();
  }
}

async function del(ctx: PluginContext): Promise<void> {
  // The ifb is the only thing ADD made that outlives the container's veth (the qdiscs on
  // the host end go with it), as the reference's DEL assumes.
  const rt = Rtnl.open();
  try {
    await rt.link.del(ifbName(ctx.conf.name, ctx.containerId));
  } catch (e) {
    if (!isNetlinkErrno(e, 'ENODEV')) throw e;
  } finally {
    rt.close();
  }
}

/** The root tbf of `link` must be the one ADD made for `l`. */
function checkTbf(qdiscs: readonly Qdisc[], l: BandwidthLimits, dev: string): void {
  const want = tbfParams(l);
  const root = qdiscs.find((q) => q.parent === 'root');
  if (!root || root.options.kind !== 'tbf') {
    throw new CniError(BANDWIDTH_ERR.SHAPING, 'Failed to find qdisc', `${dev} has ${root ? `the ${root.kind} qdisc` : 'no qdisc'} at its root, not a tbf`);
  }
  const o = root.options;
  if (o.rate !== want.rate) throw new CniError(BANDWIDTH_ERR.SHAPING, "Rate doesn't match", `the tbf on ${dev} has ${o.rate} bytes/s, the configuration asks for ${want.rate}`);
  if (o.limit !== want.limit) throw new CniError(BANDWIDTH_ERR.SHAPING, "Limit doesn't match", `the tbf on ${dev} has a limit of ${o.limit} bytes, the configuration asks for ${want.limit}`);
  if (o.buffer !== want.buffer) throw new CniError(BANDWIDTH_ERR.SHAPING, "Buffer doesn't match", `the tbf on ${dev} has a bucket of ${o.buffer} ticks, the configuration asks for ${want.buffer}`);
}

async function check(ctx: PluginContext): Promise<void> {
  const bw = bandwidthConf(ctx.conf.raw);
  const prev = ctx.conf.prevResult;
  if (!prev) throw new CniError(CNI_ERR.INVALID_CONFIG, 'must be called as a chained plugin', 'CHECK needs the result of the ADD in "prevResult"');
  const host = Rtnl.open();
  try {
    const link = await hostLink(ctx, prev, host);
    const qdiscs = await host.qdisc.list({ link: link.index });
    if (bw.ingress) checkTbf(qdiscs, bw.ingress, link.name);
    if (bw.egress) {
      const name = ifbName(ctx.conf.name, ctx.containerId);
      let ifb: Link;
      try {
        ifb = await host.link.get(name);
      } catch (e) {
        if (isNetlinkErrno(e, 'ENODEV')) throw new CniError(BANDWIDTH_ERR.SHAPING, `get ifb device: ${name} is missing`, 'the egress shaping device ADD made is gone');
        throw e;
      }
      checkTbf(await host.qdisc.list({ link: ifb.index }), bw.egress, name);
      if (!qdiscs.some((q) => q.kind === 'ingress')) throw new CniError(BANDWIDTH_ERR.SHAPING, 'Failed to find ingress qdisc', `${link.name} has no ingress qdisc to redirect its traffic to ${name}`);
      const filters = await host.filter.list({ link: link.index, parent: 'ffff:' });
      const redirects = filters.some((f) => f.kind === 'u32' && (f.options?.actions ?? []).some((a) => a.kind === 'mirred' && a.action === 'redirect' && a.direction === 'egress' && a.ifindex === ifb.index));
      if (!redirects) throw new CniError(BANDWIDTH_ERR.SHAPING, 'Failed to find redirect filter', `no u32 filter on ${link.name}'s ingress redirects to ${name}`);
    }
  } finally {
    host.close();
  }
}

async function status(): Promise<void> {
  checkRtnl();
}

/** The nlkit-bandwidth plugin's handlers, for {@link runPlugin}. */
export const bandwidthPlugin: PluginHandlers = { add, del, check, status };
