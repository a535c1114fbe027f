/**
 * `ipMasq` for nlkit's CNI plugins: source NAT of a container's traffic leaving its
 * network, set up and torn down exactly as the reference plugins do it
 * (containernetworking/plugins pkg/ip/ipmasq_linux.go, through go-iptables), so that
 * either plugin's DEL removes what the other's ADD made:
 *
 * - a chain `CNI-` + the first 24 hex digits of sha512(network name + container ID) in
 *   the nat table (per family: iptables for IPv4 addresses, ip6tables for IPv6);
 * - in it, `-d SUBNET -j ACCEPT` (traffic within the container's subnet is left alone)
 *   and `! -d 224.0.0.0/4 -j MASQUERADE` (`ff00::/8` for IPv6: multicast is not
 *   masqueraded), each with the comment `name: "NET" id: "ID"`;
 * - in POSTROUTING, `-s ADDRESS -j CHAIN` with the same comment.
 *
 * Netfilter is not rtnetlink: these rules are made by running `iptables`/`ip6tables`
 * (`--wait`, found on PATH or in the usual sbin directories), as the reference plugins
 * do. Everything else nlkit does speaks netlink itself.
 * @module
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { nodeChildProcess, nodeCrypto } from '../builtins.js';
import { formatIp } from '../rtnl/ip.js';
import { CNI_ERR, CniError, parseCidr } from './types.js';

/** Go's utils.MaxChainLength: iptables chain names are at most 28 characters. */
const MAX_CHAIN = 28;

/** The chain of an attachment (Go's utils.FormatChainName): `CNI-` and 24 hex digits of sha512(network + container ID). */
export function masqChain(network: string, containerId: string): string {
  return `CNI-${nodeCrypto().createHash('sha512').update(network + containerId).digest('hex')}`.slice(0, MAX_CHAIN);
}

/** The rules' comment (Go's utils.FormatComment, `name: %q id: %q`). Names and IDs are checked printable ASCII, where %q and JSON quote alike. */
export function masqComment(network: string, containerId: string): string {
  return `name: ${JSON.stringify(network)} id: ${JSON.stringify(containerId)}`;
}

const SBIN = ['/usr/sbin', '/sbin', '/usr/bin', '/bin'];

/** The iptables (or ip6tables; with `suffix` '-restore', its restore tool) executable: on PATH, else in the usual sbin directories; undefined when there is none. */
export function findIptables(family: 4 | 6, env: Readonly<Record<string, string | undefined>>, suffix = ''): string | undefined {
  const name = `${family === 4 ? 'iptables' : 'ip6tables'}${suffix}`;
  for (const dir of [...(env['PATH'] ?? '').split(':').filter((d) => d.startsWith('/')), ...SBIN]) {
    const f = join(dir, name);
    if (existsSync(f)) return f;
  }
  return undefined;
}

interface Run {
  status: number | null;
  stderr: string;
  stdout: string;
}

/** Runs one iptables command of a family; the plugin's environment (minus nothing) is passed on. */
class Iptables {
  constructor(readonly file: string, readonly family: 4 | 6) {}

  run(args: readonly string[], input?: string, file = this.file): Run {
    const r = nodeChildProcess().spawnSync(file, ['--wait', ...args], { encoding: 'utf8', timeout: 60_000, ...(input !== undefined ? { input } : {}) });
    if (r.error) throw new CniError(CNI_ERR.INTERNAL, `cannot run ${file}`, r.error.message, { cause: r.error });
    return { status: r.status, stderr: r.stderr.trim(), stdout: r.stdout };
  }

  must(args: readonly string[], what: string): Run {
    const r = this.run(args);
    if (r.status !== 0) throw new CniError(CNI_ERR.INTERNAL, `failed to ${what}`, `${this.file} ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
    return r;
  }

  /** go-iptables' AppendUnique: `-C` first, `-A` when the rule is not there. */
  appendUnique(chain: string, rule: readonly string[]): void {
    const c = this.run(['-t', 'nat', '-C', chain, ...rule]);
    if (c.status === 0) return;
    this.must(['-t', 'nat', '-A', chain, ...rule], `add a masquerading rule to ${chain}`);
  }
}

function tool(family: 4 | 6, env: Readonly<Record<string, string | undefined>>): Iptables {
  const f = findIptables(family, env);
  if (f === undefined) {
    throw new CniError(CNI_ERR.INTERNAL, `ipMasq needs ${family === 4 ? 'iptables' : 'ip6tables'}`, `not found on PATH or in ${SBIN.join(', ')} (install the iptables package, or leave ipMasq out)`);
  }
  return new Iptables(f, family);
}

/**
 * Masquerade what `address` ('10.1.0.2/24', the container's address with its subnet's
 * prefix length) sends out of its subnet, as Go's `ip.SetupIPMasq(&ipc.Address, chain,
 * comment)`. Idempotent: rules already there are not added again.
 *
 * Equivalent to: `iptables -t nat -N CHAIN; iptables -t nat -A CHAIN -d SUBNET -j ACCEPT
 * -m comment --comment C; … ! -d 224.0.0.0/4 -j MASQUERADE …; iptables -t nat -A
 * POSTROUTING -s ADDR -j CHAIN …`.
 */
export function setupIpMasq(address: string, chain: string, comment: string, env: Readonly<Record<string, string | undefined>>): void {
  const p = parseCidr(address);
  if (!p) throw new CniError(CNI_ERR.INTERNAL, 'bad address for ipMasq', address);
  const ipt = tool(p.family, env);
  const n = ipt.run(['-t', 'nat', '-N', chain]);
  if (n.status !== 0 && !/exists/i.test(n.stderr)) throw new CniError(CNI_ERR.INTERNAL, `failed to create the nat chain ${chain}`, `${ipt.file}: exit ${n.status}: ${n.stderr}`);
  const cmt = ['-m', 'comment', '--comment', comment];
  ipt.appendUnique(chain, ['-d', address, '-j', 'ACCEPT', ...cmt]);
  ipt.appendUnique(chain, ['!', '-d', p.family === 4 ? '224.0.0.0/4' : 'ff00::/8', '-j', 'MASQUERADE', ...cmt]);
  ipt.appendUnique('POSTROUTING', ['-s', formatIp(p.bytes), '-j', chain, ...cmt]);
}

/**
 * Remove an attachment's masquerading in both families: every POSTROUTING rule that
 * jumps to `chain` (whatever its source address: a DEL need not know the addresses, and
 * finds rules the reference plugins made too), then the chain. Idempotent; a family
 * whose tool is not installed has nothing to remove.
 *
 * The rules are deleted by their whole spec, never by position: other DELs, and other
 * programs (docker, kube-proxy, firewalld), insert and delete POSTROUTING rules at the
 * same time, and a rule number read a moment ago may name someone else's rule by now.
 * `iptables -S` gives each rule's spec, quoted; `iptables-restore --noflush` takes it
 * back with `-D` for `-A` and parses that quoting itself, all rules in one transaction.
 *
 * Equivalent to: `iptables -t nat -S POSTROUTING | grep -- '-j CHAIN' | sed 's/^-A/-D/'`
 * fed to `iptables-restore --noflush` in a `*nat … COMMIT` block, then
 * `iptables -t nat -F CHAIN; iptables -t nat -X CHAIN` (and the same with ip6tables).
 */
export function teardownIpMasq(chain: string, env: Readonly<Record<string, string | undefined>>): void {
  for (const family of [4, 6] as const) {
    const f = findIptables(family, env);
    if (f === undefined) continue;
    const ipt = new Iptables(f, family);
    for (let attempt = 1; ; attempt++) {
      const list = ipt.run(['-t', 'nat', '-S', 'POSTROUTING']);
      if (list.status !== 0) {
        // No nat table for the family here (IPv6 off, no module): nothing of ours in it.
        if (/can't initialize|table does not exist|not supported/i.test(list.stderr)) break;
        throw new CniError(CNI_ERR.INTERNAL, 'failed to list the nat POSTROUTING chain', `${ipt.file}: exit ${list.status}: ${list.stderr}`);
      }
      const ours = list.stdout.split('\n').filter((l) => l.startsWith('-A POSTROUTING ') && l.split(' ').some((w, i, a) => w === chain && a[i - 1] === '-j'));
      if (ours.length === 0) break;
      const restore = findIptables(family, env, '-restore');
      if (restore === undefined) throw new CniError(CNI_ERR.INTERNAL, `ipMasq needs ${family === 4 ? 'iptables' : 'ip6tables'}-restore`, 'to delete POSTROUTING rules by their spec; install the iptables package');
      const r = ipt.run(['--noflush'], `*nat\n${ours.map((l) => l.replace(/^-A /, '-D ')).join('\n')}\nCOMMIT\n`, restore);
      if (r.status === 0) break;
      // A concurrent DEL of the same attachment may have deleted one first: look again.
      if (attempt === 3) throw new CniError(CNI_ERR.INTERNAL, `failed to delete the POSTROUTING rules to ${chain}`, `${restore}: exit ${r.status}: ${r.stderr}`);
    }
    const fl = ipt.run(['-t', 'nat', '-F', chain]);
    if (fl.status !== 0) {
      if (/no chain|does not exist|doesn't exist/i.test(fl.stderr)) continue;
      throw new CniError(CNI_ERR.INTERNAL, `failed to flush the nat chain ${chain}`, `${ipt.file}: exit ${fl.status}: ${fl.stderr}`);
    }
    const x = ipt.run(['-t', 'nat', '-X', chain]);
    if (x.status !== 0 && !/no chain|does not exist|doesn't exist/i.test(x.stderr)) {
      throw new CniError(CNI_ERR.INTERNAL, `failed to delete the nat chain ${chain}`, `${ipt.file}: exit ${x.status}: ${x.stderr}`);
    }
  }
}
