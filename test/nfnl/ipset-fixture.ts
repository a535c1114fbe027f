// What the IpSet tests share: the ipset tool as the oracle (run inside a test's netns) and
// a handle in a fresh netns, closed with the test.
import { spawnSync } from 'node:child_process';
import { IpSet } from '../../src/index.js';
import { privileged, rawNetns } from '../helpers.js';

const haveTool = spawnSync('ipset', ['--version'], { encoding: 'utf8' }).status === 0;
/** The options of a test that needs root and the ipset tool. */
export const tool = haveTool ? privileged : { skip: 'needs the ipset tool, the oracle (.ci/run installs it)' };

/** `ipset ARGS` inside the netns at `nsPath`; throws on a non-zero exit unless `ok` is false. */
export function ipset(nsPath: string, args: string[], ok = true): { status: number; out: string; err: string } {
  const r = spawnSync('nsenter', [`--net=${nsPath}`, 'ipset', ...args], { encoding: 'utf8' });
  if (ok && r.status !== 0) throw new Error(`ipset ${args.join(' ')}: ${r.stderr}`);
  return { status: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** A fresh netns and an IpSet handle in it, both closed at the test's end. */
export function fixture(t: { teardown(fn: () => void): void }): { ns: ReturnType<typeof rawNetns>; ips: IpSet } {
  const ns = rawNetns();
  const ips = IpSet.open({ netns: ns.fd });
  t.teardown(() => {
    ips.close();
    ns.close();
  });
  return { ns, ips };
}
