/**
 * `nlkit-loopback`: the loopback CNI plugin on nlkit, doing what the reference `loopback`
 * plugin (containernetworking/plugins 1.1) does: `lo` of the container's network
 * namespace set up (a new namespace has it down, so 127.0.0.1 and ::1 do not answer),
 * and down again on DEL. CNI_IFNAME is ignored, as by the reference: the plugin only
 * works on `lo`.
 *
 * The result lists `lo` (MAC 00:00:00:00:00:00, the sandbox) and its first IPv4 and
 * first IPv6 address; chained after another plugin, prevResult is passed on unchanged.
 * An address on `lo` that is not a loopback one is an error (the reference's sanity
 * check). DEL succeeds when the namespace is gone. CHECK fails while `lo` is down.
 * @module
 */
import { Rtnl } from '../../rtnl/handle.js';
import { parseIp } from '../../rtnl/ip.js';
import { isNetlinkErrno, openNetns } from '../netns.js';
import type { PluginContext, PluginHandlers } from '../runtime.js';
import { CNI_ERR, CniError, type CniIpConfig, type CniResult } from '../types.js';
import { CHECK_ERR } from '../veth-plugin.js';

/** True for 127.0.0.0/8, ::1 and IPv4-mapped 127/8 (Go's IP.IsLoopback). */
function isLoopback(address: string): boolean {
  const a = parseIp(address);
  if (a.family === 4) return a.bytes[0] === 127;
  const b = a.bytes;
  if (b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return b[12] === 127;
  return b.slice(0, 15).every((x) => x === 0) && b[15] === 1;
}

async function add(ctx: PluginContext): Promise<CniResult> {
  const ns = openNetns(ctx.netns!);
  let rt: Rtnl | undefined;
  const ips: CniIpConfig[] = [];
  try {
    rt = Rtnl.open({ netns: ns });
    const lo = await rt.link.get('lo');
    if (!lo.up) await rt.link.set(lo.index, { up: true });
    for (const family of [4, 6] as const) {
      const addrs = await rt.addr.list({ link: lo.index, family });
      const bad = addrs.find((a) => !isLoopback(a.address));
      if (bad) throw new CniError(CNI_ERR.INVALID_CONFIG, `loopback interface found with non-loopback address "${bad.address}"`, `lo in ${ctx.netns} has ${bad.address}/${bad.prefixLen}`);
      const first = addrs[0];
      if (first) ips.push({ address: `${first.address}/${first.prefixLen}`, interface: 0 });
    }
  } finally {
    rt?.close();
    ns.close();
  }
  const prev = ctx.conf.prevResult;
  if (prev) return { ...prev, cniVersion: ctx.conf.cniVersion };
  return {
    cniVersion: ctx.conf.cniVersion,
    interfaces: [{ name: 'lo', mac: '00:00:00:00:00:00', sandbox: ctx.netns! }],
    ...(ips.length > 0 ? { ips } : {}),
    dns: {},
  };
}

async function del(ctx: PluginContext): Promise<void> {
  if (ctx.netns === undefined) return;
  let ns;
  try {
    ns = openNetns(ctx.netns);
  } catch (e) {
    if (e instanceof CniError && e.code === CNI_ERR.UNKNOWN_CONTAINER) return;
    throw e;
  }
  let rt: Rtnl | undefined;
  try {
    rt = Rtnl.open({ netns: ns });
    await rt.link.set('lo', { up: false });
  } catch (e) {
    if (!isNetlinkErrno(e, 'ENODEV')) throw e;
  } finally {
    rt?.close();
    ns.close();
  }
}

async function check(ctx: PluginContext): Promise<void> {
  const ns = openNetns(ctx.netns!);
  let rt: Rtnl | undefined;
  try {
    rt = Rtnl.open({ netns: ns });
    const lo = await rt.link.get('lo');
    if (!lo.up) throw new CniError(CHECK_ERR.INTERFACE, 'loopback interface is down', `lo in ${ctx.netns}`);
  } finally {
    rt?.close();
    ns.close();
  }
}

/** The nlkit-loopback plugin's handlers, for {@link runPlugin}. */
export const loopbackPlugin: PluginHandlers = { add, del, check };
