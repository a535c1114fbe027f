/**
 * Worker threads that live wholly inside a network namespace — for servers that must
 * listen inside a container's netns while the main thread stays at home.
 * @module
 */
import type { Worker, WorkerOptions } from 'node:worker_threads';
import { nodeWorkerThreads } from '../builtins.js';
import { InvalidArgumentError, checkOptionKeys, showValue } from '../netlink/errors.js';
import { withThreadNetns, type NetnsHandle } from '../netlink/netns-switch.js';
import { handleFd } from './handle.js';

/**
 * The keys of Node's `WorkerOptions` (Node 20, @types/node 20), all passed on to
 * `new Worker()` as given. A key Node added later is refused until it is listed here.
 */
const WORKER_OPTION_KEYS: ReadonlySet<string> = new Set([
  'argv', 'env', 'eval', 'execArgv', 'name', 'resourceLimits', 'stderr', 'stdin', 'stdout',
  'trackUnmanagedFds', 'transferList', 'workerData',
]);

/**
 * Start a `worker_threads` Worker whose thread is inside `ns` for its whole life.
 *
 * How: Node creates the worker's OS thread synchronously inside `new Worker()`, and a
 * thread inherits the network namespace of the thread that creates it; so the main
 * thread switches into `ns`, constructs the Worker, and switches straight back. The
 * main thread's netns is unchanged when this returns or throws.
 *
 * Inside the worker, everything its own thread does is in `ns`: `net`/`dgram`/`http`
 * sockets, netlink sockets, sync reads of /proc/thread-self/net and /proc/sys/net,
 * `child_process` children, `Netns.get()`. Not in `ns`: /proc/self/ns/net,
 * /proc/self/net and /proc/net (a link to it), which show the main thread's netns (the
 * process's first thread) — read /proc/thread-self instead; and, because they run on
 * the process-wide libuv threadpool, started in the home netns before any switch:
 * - `dns.lookup()` (and so `listen(port, 'hostname')`, `connect({host: 'name'})`):
 *   the resolver's queries leave from the home netns. Use IP literals or
 *   `dns.Resolver` (c-ares, on the worker's own thread) inside the worker;
 * - asynchronous `fs` reads of /proc/thread-self/net or /proc/sys/net: read them
 *   synchronously.
 * The worker holds the namespace alive; closing `ns` afterwards is fine. An `ns` that is
 * not a netns handle is an InvalidArgumentError naming `ns`; a closed one a ClosedError.
 *
 * `options` are Node's `WorkerOptions`, passed on as given: `argv`, `env`, `eval`,
 * `execArgv`, `name`, `resourceLimits`, `stderr`, `stdin`, `stdout`,
 * `trackUnmanagedFds`, `transferList`, `workerData`. Any other key (a typo such as
 * `evl`, which Node would ignore) is an InvalidArgumentError naming it, like every nlkit
 * options object, as is an `options` that is not an object; both before any switch.
 *
 * Equivalent to: `ip netns exec NAME node worker.js`, as a thread.
 *
 * @example
 * const w = netnsWorker(ns, new URL('./server.js', import.meta.url));
 */
export function netnsWorker(ns: NetnsHandle, filename: string | URL, options?: WorkerOptions): Worker {
  const fd = handleFd(ns, 'ns'); // InvalidArgumentError / ClosedError naming ns, before any switch
  if (options !== undefined) {
    if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new InvalidArgumentError('options', `expected an object, got ${showValue(options)}`);
    checkOptionKeys(options, WORKER_OPTION_KEYS, 'options.');
  }
  const W = nodeWorkerThreads().Worker; // loaded before the switch
  return withThreadNetns(fd, () => new W(filename, options));
}
