/**
 * Node built-ins that only a few calls need, loaded on the first of those calls instead
 * of when nlkit is imported: node:crypto (random names and MACs), node:child_process
 * (the CNI plugin's IPAM delegation) and node:worker_threads (netnsWorker) each add a few
 * ms to the start of every process that imports nlkit (bench start-up rows), and a
 * short-lived process may never call what needs them. Internal; no nlkit imports here,
 * so any layer may use it.
 * @module
 */
import { createRequire } from 'node:module';

/**
 * A loader of built-ins that needs no `import.meta` (a user may bundle nlkit into
 * CommonJS, where `import.meta.url` is empty): process.getBuiltinModule where Node has
 * it (20.16 and later), else a require made for the file system root (built-ins resolve
 * from anywhere).
 */
const getBuiltin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
const load: (id: string) => unknown = typeof getBuiltin === 'function' ? (id) => getBuiltin.call(process, id) : createRequire('/');

let crypto: typeof import('node:crypto') | undefined;
let childProcess: typeof import('node:child_process') | undefined;
let workerThreads: typeof import('node:worker_threads') | undefined;

/** node:crypto, loaded on first use. */
export function nodeCrypto(): typeof import('node:crypto') {
  return (crypto ??= load('node:crypto') as typeof import('node:crypto'));
}

/** node:child_process, loaded on first use. */
export function nodeChildProcess(): typeof import('node:child_process') {
  return (childProcess ??= load('node:child_process') as typeof import('node:child_process'));
}

/** node:worker_threads, loaded on first use. */
export function nodeWorkerThreads(): typeof import('node:worker_threads') {
  return (workerThreads ??= load('node:worker_threads') as typeof import('node:worker_threads'));
}
