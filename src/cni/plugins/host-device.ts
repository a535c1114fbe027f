/**
 * `nlkit-host-device`: the host-device CNI plugin on nlkit, doing what the reference
 * `host-device` plugin (containernetworking/plugins 1.1.1) does, with the same kernel
 * state:
 *
 * Host netns: the device named by exactly one of `"device"` (its name), `"hwaddr"` (its
 * MAC) or `"kernelpath"` (its sysfs device directory) is looked up there, and leaves it.
 * Container netns, on CNI_IFNAME:
 * - that device, moved and renamed in one RTM_NEWLINK (IFLA_NET_NS_FD with IFLA_IFNAME),
 *   its original name kept in its alias (IFLA_IFALIAS, where the reference keeps it, so
 *   that DEL can give it back), set up;
 * - with `ipam`: the IPAM addresses and routes on it (configureIface); without, a
 *   layer-2 attachment.
 *
 * ADD is atomic: on any failure after the move the device goes back to the host netns
 * under its original name, with its alias and up state of before (the addresses the
 * kernel dropped on the way out are not restored), and the IPAM allocation is released.
 * DEL releases IPAM, then moves the device back to the host netns, down, under the name
 * in its alias; idempotent. CHECK compares the kernel with prevResult.
 *
 * PCI devices (`"pciBusID"`, `runtimeConfig.deviceID`; DPDK) are not supported: CniError 2.
 * @module
 */
import { readdirSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { Netns } from '../../ns/index.js';
import { Rtnl } from '../../rtnl/handle.js';
import type { Link } from '../../rtnl/link/decode.js';
import { MacAddr } from '../../veth/index.js';

import { ipamAdd, ipamCheck, ipamDel, ipamGc, ipamStatus } from '../ipam.js';
import { checkRtnl, isNetlinkErrno, openNetns, openNetnsForDel, withHostAndContainer } from '../netns.js';
import type { PluginContext, PluginHandlers } from '../runtime.js';
import {
  CNI_ERR, CniError, ifnameProblem,
  type CniIpConfig, type CniResult, type CniRoute,
} from '../types.js';
import { CHECK_ERR, checkAddresses, prevAttachment, checkRoutes, configureIfaceAsReference, linkOr, refuseTakenIfname, releaseIpam, step } from '../veth-plugin.js';

/** nlkit-host-device's CHECK codes: the same as the other interface plugins' ({@link CHECK_ERR}): 110 interface, 111 address, 112 route. */
export const HOST_DEVICE_ERR = CHECK_ERR;

/** How the configuration names the host device: exactly one of these. */
type DeviceRef =
  | { readonly by: 'device'; readonly name: string }
  | { readonly by: 'hwaddr'; readonly mac: MacAddr }
  | { readonly by: 'kernelpath'; readonly path: string };

/** host-device's own configuration fields, checked (no I/O). */
interface HostDeviceConf {
  ref: DeviceRef;
  /** The IPAM plugin; undefined: a layer-2 attachment (no addresses). */
  ipam: string | undefined;
}

function isSet(v: unknown): boolean {
  return v !== undefined && v !== null && v !== '';
}

/** The IPAM plugin's type, or undefined for none (an `ipam` without `type` too, as the reference reads it). Never throws: DEL, STATUS and GC read only this. */
function ipamOf(ctx: PluginContext): string | undefined {
  const t = ctx.conf.ipam?.type;
  return typeof t === 'string' && t !== '' ? t : undefined;
}

/** The configuration's fields, checked before anything is looked at, moved or allocated (ADD and CHECK). */
function hostDeviceConf(ctx: PluginContext): HostDeviceConf {
  const raw = ctx.conf.raw;
  // PCI first: the reference takes runtimeConfig.deviceID over pciBusID, and either one
  // means a PCI device (and perhaps DPDK), which nlkit-host-device does not handle.
  const deviceId = ctx.conf.runtimeConfig?.['deviceID'];
  for (const [field, v] of [['runtimeConfig.deviceID', deviceId], ['pciBusID', raw['pciBusID']]] as const) {
    if (isSet(v)) {
      throw new CniError(CNI_ERR.UNSUPPORTED_FIELD, `unsupported field: ${field}=${JSON.stringify(v)}`, 'nlkit-host-device moves network interfaces named by "device", "hwaddr" or "kernelpath"; PCI devices (and DPDK) are not supported');
    }
  }
  const given = (['device', 'hwaddr', 'kernelpath'] as const).filter((k) => isSet(raw[k]));
  if (given.length === 0) throw new CniError(CNI_ERR.INVALID_CONFIG, 'specify either "device", "hwaddr", "kernelpath" or "pciBusID"', 'the configuration names no host device');
  if (given.length > 1) throw new CniError(CNI_ERR.INVALID_CONFIG, `specify only one of "device", "hwaddr" and "kernelpath"`, `the configuration names the device by ${given.map((k) => `"${k}"`).join(' and ')}`);
  const key = given[0]!;
  const v = raw[key];
  if (typeof v !== 'string') throw new CniError(CNI_ERR.INVALID_CONFIG, `invalid ${key}`, `"${key}" must be a string, got ${JSON.stringify(v)}`);
  let ref: DeviceRef;
  if (key === 'device') {
    const bad = ifnameProblem(v);
    if (bad) throw new CniError(CNI_ERR.INVALID_CONFIG, 'invalid device', `"device": ${bad}`);
    ref = { by: 'device', name: v };
  } else if (key === 'hwaddr') {
    let mac: MacAddr;
    try {
      mac = MacAddr.parse(v);
    } catch (e) {
      throw new CniError(CNI_ERR.INVALID_CONFIG, `failed to parse MAC address ${JSON.stringify(v)}`, (e as Error).message);
    }
    ref = { by: 'hwaddr', mac };
  } else {
    if (!isAbsolute(v) || !v.startsWith('/sys/devices/')) throw new CniError(CNI_ERR.INVALID_CONFIG, `kernel device path ${JSON.stringify(v)} must be absolute and begin with /sys/devices/`);
    ref = { by: 'kernelpath', path: v };
  }
  return { ref, ipam: ipamOf(ctx) };
}

/** How `ref` reads in messages. */
function refText(ref: DeviceRef): string {
  return ref.by === 'device' ? `"${ref.name}"` : ref.by === 'hwaddr' ? `with MAC ${ref.mac.toString()}` : `at ${ref.path}`;
}

/**
 * The device `ref` names in the host netns of `rh`, as the reference finds it: by name;
 * by MAC, the first link of the dump with it; by kernel path, the first entry (by name)
 * of `<kernelpath>/net` that is a link of this netns. CniError `missing` when none is.
 */
async function findDevice(rh: Rtnl, ref: DeviceRef, missing: number): Promise<Link> {
  const where = 'the host network namespace';
  if (ref.by === 'device') {
    try {
      return await rh.link.get(ref.name);
    } catch (e) {
      if (isNetlinkErrno(e, 'ENODEV')) throw new CniError(missing, `failed to find host device ${refText(ref)}`, `no link named ${ref.name} in ${where}`);
      throw e;
    }
  }
  const links = await rh.link.list();
  if (ref.by === 'hwaddr') {
    const want = ref.mac.toString();
    const l = links.find((x) => x.address === want);
    if (l) return l;
    throw new CniError(missing, `failed to find host device ${refText(ref)}`, `no link in ${where} has the MAC ${want}`);
  }
  const netDir = join(ref.path, 'net');
  let entries: string[];
  try {
    entries = readdirSync(netDir).sort();
  } catch (e) {
    throw new CniError(missing, `failed to find network devices at ${JSON.stringify(netDir)}`, (e as Error).message);
  }
  for (const n of entries) {
    const l = links.find((x) => x.name === n);
    if (l) return l;
  }
  throw new CniError(missing, `failed to find host device ${refText(ref)}`, `no entry of ${netDir} is a link in ${where}`);
}

/**
 * Move the container's link `link` back to the host netns `host` under `name`: down
 * first (as the reference; the move would take it down anyway), renamed in the container,
 * then moved, `alias` set in the move when given ('' clears it). Two messages because
 * the kernel does not make a move with IFLA_IFNAME one step: it moves the link under its
 * current name when that is free in the target (and takes IFLA_IFNAME only when it is
 * not), then renames it, which can fail after the move; renamed first, the move either
 * happens under `name` or not at all (EEXIST when the host has `name`). When either
 * step fails, the link gets its container name back, and is set up again when it was.
 */
async function moveOut(rc: Rtnl, link: Link, host: Netns, name: string, alias?: string): Promise<void> {
  if (link.up) await rc.link.set(link.index, { up: false });
  try {
    if (name !== link.name) await rc.link.set(link.index, { name });
    await rc.link.set(link.index, { netns: host, name, ...(alias !== undefined ? { alias } : {}) });
  } catch (e) {
    // Best effort: the move's error is the one to report.
    if (name !== link.name) await rc.link.set(link.index, { name: link.name }).catch(() => undefined);
    if (link.up) await rc.link.set(link.index, { up: true }).catch(() => undefined);
    throw e;
  }
}

async function add(ctx: PluginContext): Promise<CniResult> {
  const conf = hostDeviceConf(ctx);
  const netns = ctx.netns!;
  const ifName = ctx.ifName;
  return withHostAndContainer(netns, async ({ ns, host: hostNs, rh: hostRt, rc: ctrRt }) => {
    const dev = await step('failed to find host device', () => findDevice(hostRt, conf.ref, CNI_ERR.INVALID_CONFIG));
    await refuseTakenIfname(ctrRt, ifName, netns);
    // DEL renames the device back to its host name inside the container before moving it
    // out: a link of that name in the container would make every DEL fail. Refused here,
    // before anything moves (the reference fails the move itself then).
    let clash = false;
    try {
      await ctrRt.link.get(dev.name);
      clash = true;
    } catch (e) {
      if (!isNetlinkErrno(e, 'ENODEV')) throw e;
    }
    if (clash) throw new CniError(CNI_ERR.INVALID_CONFIG, `a link named ${dev.name} exists in the container`, `${netns} has a link named ${dev.name}, the host device's name, which DEL needs to move it back; rename or remove that link`);
    // One message: into the container under CNI_IFNAME (the kernel takes the name in the
    // target netns), the original name in the alias. It goes down on the way.
    try {
      await hostRt.link.set(dev.index, { netns: ns, name: ifName, alias: dev.name });
    } catch (e) {
      // The kernel moves first (under the device's own name when the container does not
      // have it), then renames and sets the alias, either of which can fail after the
      // move: a device that made it into the container goes back.
      const moved = (await ctrRt.link.list().catch(() => [] as Link[]))
        .find((l) => l.address === dev.address && (l.index === dev.index || l.name === ifName || l.name === dev.name));
      if (moved) await putBack(ctx, ctrRt, hostNs, moved, dev, e);
      // CNI_IFNAME taken between the check and the move (a concurrent ADD): as the check says it.
      if (isNetlinkErrno(e, 'EEXIST')) throw new CniError(CNI_ERR.INVALID_ENV, 'invalid CNI_IFNAME', `an interface named ${ifName} already exists in ${netns}`, { cause: e });
      throw new CniError(CNI_ERR.INTERNAL, `failed to move link ${dev.name} into ${netns} as ${ifName}`, (e as Error).message, { cause: e });
    }
    // The device is in the container: from here on, any failure puts it back.
    let allocated = false;
    let link: Link | undefined;
    try {
      link = await step(`failed to find ${ifName} in ${netns}`, () => ctrRt.link.get(ifName));
      const index = link.index;
      await step(`failed to set ${ifName} up`, () => ctrRt.link.set(index, { up: true }));
      const result: CniResult = {
        cniVersion: ctx.conf.cniVersion,
        interfaces: [{ name: ifName, ...(link.address !== undefined ? { mac: link.address } : {}), sandbox: netns }],
      };
      if (conf.ipam === undefined) return result;
      const ipam = await ipamAdd(ctx, conf.ipam);
      allocated = true;
      if (!ipam.ips || ipam.ips.length === 0) throw new CniError(CNI_ERR.DELEGATE_FAILED, 'IPAM plugin returned missing IP config', 'the IPAM result has no ips');
      // Every address is the moved device's, interface 0 of the result.
      const ips: CniIpConfig[] = ipam.ips.map((ip) => ({ address: ip.address, ...(ip.gateway !== undefined ? { gateway: ip.gateway } : {}), interface: 0 }));
      const routes: CniRoute[] = ipam.routes ?? [];
      await configureIfaceAsReference(ctx, ifName, { cniVersion: ctx.conf.cniVersion, interfaces: [{ name: ifName, sandbox: netns }], ips, routes }, ns);
      return {
        ...result,
        ips,
        ...(routes.length ? { routes } : {}),
        // The configuration's dns, as the reference returns it (not the IPAM plugin's).
        ...(ctx.conf.dns ? { dns: ctx.conf.dns } : {}),
      };
    } catch (e) {
      let err = e;
      try {
        // As it is now (up, addresses); gone, there is nothing to put back.
        const now = await (link ? ctrRt.link.get(link.index) : ctrRt.link.get(ifName)).catch(() => undefined);
        if (now) await putBack(ctx, ctrRt, hostNs, now, dev, e);
      } catch (p) {
        err = p;
      }
      if (allocated) await releaseIpam(ctx, conf.ipam!, err);
      throw err;
    }
  });
}

/**
 * A failed ADD's undo of the move: the container's `link` back to the host under the
 * name `dev` had, with its alias of before, and up again when it was. A failure of that
 * is logged and thrown added to `e` (the device may be stuck in the container).
 */
async function putBack(ctx: PluginContext, rc: Rtnl, host: Netns, link: Link, dev: Link, e: unknown): Promise<void> {
  try {
    await moveOut(rc, link, host, dev.name, dev.alias ?? '');
    if (dev.up) {
      const rh = Rtnl.open({ netns: host });
      try {
        await rh.link.set(dev.name, { up: true });
      } finally {
        rh.close();
      }
    }
  } catch (u) {
    const undo = `moving ${dev.name} back to the host failed: ${(u as Error).message}`;
    ctx.log(`ADD failed and undoing it failed too: ${undo}`);
    if (e instanceof CniError) throw new CniError(e.code, e.msg, `${e.details ?? ''}${e.details ? '; ' : ''}and ${undo}`, { cause: e });
    throw new AggregateError([e, u], `${(e as Error).message}; and ${undo}`);
  }
}

/**
 * DEL: the IPAM reservation released, then the device CNI_IFNAME of the container moved
 * back to the host netns, down, under the name its alias holds (the alias is left, as
 * the reference leaves it); both tried whatever the other gave. Idempotent: no
 * CNI_NETNS, a netns that is gone or no such link in it is success. Only `ipam.type` of
 * the configuration is read: a runtime retries a failed DEL, so nothing ADD alone
 * checks (the device's naming, PCI fields) may fail it.
 */
async function del(ctx: PluginContext): Promise<void> {
  const errors: Error[] = [];
  const ipam = ipamOf(ctx);
  if (ipam !== undefined) {
    try {
      await ipamDel(ctx, ipam);
    } catch (e) {
      errors.push(e as Error);
    }
  }
  const ns = openNetnsForDel(ctx.netns, errors);
  if (ns) {
    let host: Netns | undefined;
    let rc: Rtnl | undefined;
    try {
      host = Netns.get();
      rc = Rtnl.open({ netns: ns });
      let link: Link | undefined;
      try {
        link = await rc.link.get(ctx.ifName);
      } catch (e) {
        if (!isNetlinkErrno(e, 'ENODEV')) throw e;
      }
      if (link && (link.alias === undefined || link.alias === '')) {
        // Without an alias host-device did not move it in (an ADD refused CNI_IFNAME as
        // another plugin's link, say): not ours to move; left where it is.
        ctx.log(`DEL: ${ctx.ifName} in ${ctx.netns} has no alias, so host-device did not move it in; left in place`);
      } else if (link) {
        const name = link.alias!;
        try {
          await moveOut(rc, link, host, name);
        } catch (e) {
          if (isNetlinkErrno(e, 'EEXIST')) throw new CniError(CNI_ERR.INTERNAL, `failed to restore ${ctx.ifName} to original name ${name}`, `a link named ${name} exists already (in the host network namespace, or in the container); ${ctx.ifName} is left in the container for a retry`, { cause: e });
          throw new CniError(CNI_ERR.INTERNAL, `failed to move ${ctx.ifName} back to the host as ${name}`, (e as Error).message, { cause: e });
        }
      }
    } catch (e) {
      errors.push(e as Error);
    } finally {
      rc?.close();
      host?.close();
      ns.close();
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) {
    const first = errors[0]!;
    throw new CniError(first instanceof CniError ? first.code : CNI_ERR.INTERNAL, 'DEL failed', errors.map((e) => e.message).join('; '));
  }
}

async function check(ctx: PluginContext): Promise<void> {
  const conf = hostDeviceConf(ctx);
  const netns = ctx.netns!;
  const ns = openNetns(netns);
  try {
    if (conf.ipam !== undefined) await ipamCheck(ctx, conf.ipam);
    const prev = ctx.conf.prevResult;
    if (!prev) throw new CniError(CNI_ERR.INVALID_CONFIG, 'host-device: required prevResult missing', 'CHECK needs the result of the ADD in "prevResult"');
    const { want, ips } = prevAttachment(prev, ctx.ifName, netns);
    const rt = Rtnl.open({ netns: ns });
    try {
      const link = await linkOr(rt, ctx.ifName, netns);
      if (want.mac && link.address?.toLowerCase() !== want.mac.toLowerCase()) throw new CniError(HOST_DEVICE_ERR.INTERFACE, `interface ${ctx.ifName} changed its MAC address`, `prevResult says ${want.mac}, the kernel ${link.address}`);
      await checkAddresses(rt, link, ips, netns);
      await checkRoutes(rt, link, prev.routes ?? [], ips, netns);
    } finally {
      rt.close();
    }
  } finally {
    ns.close();
  }
}

async function status(ctx: PluginContext): Promise<void> {
  const ipam = ipamOf(ctx);
  if (ipam !== undefined) await ipamStatus(ctx, ipam);
  checkRtnl();
}

async function gc(ctx: PluginContext): Promise<void> {
  const ipam = ipamOf(ctx);
  if (ipam !== undefined) await ipamGc(ctx, ipam);
}

/** The nlkit-host-device plugin's handlers, for {@link runPlugin}. */
export const hostDevicePlugin: PluginHandlers = { add, del, check, status, gc };
