/**
 * Delegation to an IPAM plugin, as the spec describes it: find the executable named
 * by `ipam.type` in CNI_PATH, run it with the plugin's own environment (CNI_COMMAND
 * the delegated command) and the network configuration on stdin, and read its result
 * or error from its stdout. Its stderr goes straight to ours.
 *
 * Version negotiation: for ADD, DEL and CHECK the IPAM plugin is called first with the
 * configuration as it is, since nearly every plugin speaks the configuration's
 * cniVersion, and asking VERSION beforehand would start the plugin twice per call.
 * Only when it answers "incompatible CNI version" (code 1; Debian's host-local 1.1.1
 * stops at 1.0.0 while a configuration may say 1.1.0) is it asked for VERSION, and
 * called again with the same configuration in the newest cniVersion both sides speak
 * that is not newer than the configuration's (prevResult converted to it); its result
 * is then read in that version. A plugin checks the version before it does anything,
 * so the refused first call changed nothing. STATUS and GC ask VERSION first (see
 * delegate()).
 * @module
 */
import { nodeChildProcess } from '../builtins.js';
import { accessSync, constants, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  CNI_ERR, CniError, SUPPORTED_VERSIONS, commandSince, compareVersions, formatResult, ifnameProblem, isSupportedVersion, isValidId, isValidPluginName, parseResult,
  type CniResult, type CniVersion,
} from './types.js';
import { parseJsonSafe, type PluginContext } from './runtime.js';
import { InvalidArgumentError, checkOptionKeys, showValue } from '../netlink/errors.js';

/** Largest stdout accepted from a delegated plugin: 16 MiB. */
const MAX_DELEGATE_OUTPUT = 16 * 1024 * 1024;

/** What a delegated plugin did. */
export interface ExecResult {
  /** Exit status, or null when killed by a signal. */
  status: number | null;
  /** The signal that ended it, or null when it exited (then see `status`). */
  signal: NodeJS.Signals | null;
  /** Everything it printed on stdout (its result or error object, as JSON). */
  stdout: Buffer;
}

/**
 * Find plugin `type` in the CNI_PATH directories: the first regular, executable file
 * of that name. `type` must be a plain file name. Empty entries are skipped (as
 * runPlugin drops them from CNI_PATH: they are not the current directory); a relative
 * one is taken from the current directory, and the path returned is absolute, so that
 * {@link execPlugin} runs the file found and not one of that name on PATH.
 *
 * @throws CniError 7 for a name that is not a file name, 50 (plugin not available)
 *   when no directory has it.
 */
export function findPlugin(type: string, path: readonly string[]): string {
  if (!isValidPluginName(type)) throw new CniError(CNI_ERR.INVALID_CONFIG, 'invalid plugin type', `${JSON.stringify(type)} is not a plugin file name`);
  for (const dir of path) {
    if (dir === '') continue;
    // Absolute: spawn() looks a path without '/' up on PATH ('.' + type joins to just type).
    const file = resolve(dir, type);
    try {
      if (!statSync(file).isFile()) continue;
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      /* not here */
    }
  }
  throw new CniError(CNI_ERR.PLUGIN_NOT_AVAILABLE, `failed to find plugin ${JSON.stringify(type)} in path`, `CNI_PATH: [${path.join(' ')}]`);
}

/** Options of {@link execPlugin}. */
export interface ExecPluginOptions {
  /**
   * Milliseconds the plugin may take, from its start to its stdout closing; then it is
   * killed (SIGKILL) and the call rejects with CniError 100 saying so. Defaults to no
   * limit, as the reference plugins' delegation (Go's invoke with context.TODO()).
   */
  readonly timeout?: number | undefined;
  /**
   * Aborting it kills the plugin (SIGKILL) and rejects the call with the signal's
   * reason (an AbortError unless `abort(reason)` gave one); an already aborted signal
   * rejects without starting it.
   */
  readonly signal?: AbortSignal | undefined;
}

const EXEC_OPTION_KEYS: ReadonlySet<string> = new Set(['timeout', 'signal']);

/**
 * Run a plugin executable with `env` and `input` on stdin; collect stdout (its stderr
 * is ours). Never rejects for a non-zero exit or a signal (see `status`, `signal`);
 * rejects with CniError 50 when it cannot be started, and with CniError 100 when it
 * prints more than 16 MiB (it is killed). Without `options.timeout` or `options.signal`
 * there is no limit, as in the reference plugins' delegation (Go's invoke with
 * context.TODO()): it resolves when the plugin's stdout closes, so a plugin that hangs
 * holds the call until it is killed.
 *
 * Equivalent to: libcni's `invoke.ExecPluginWithResult` (with a context's deadline for `timeout`).
 * @throws InvalidArgumentError for bad options (before anything is started).
 */
export function execPlugin(file: string, env: Readonly<Record<string, string | undefined>>, input: Buffer | string, options: ExecPluginOptions = {}): Promise<ExecResult> {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', `expected an object, got ${showValue(options)}`);
  checkOptionKeys(options, EXEC_OPTION_KEYS, 'options.');
  const { timeout, signal } = options;
  if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 1 || timeout > 0x7fffffff)) {
    throw new InvalidArgumentError('options.timeout', `expected milliseconds, an integer in 1..2147483647, got ${showValue(timeout)}`);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new InvalidArgumentError('options.signal', `expected an AbortSignal, got ${showValue(signal)}`);
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    const cleanEnv: Record<string, string> = {};
    for (const [k, v] of Object.entries(env)) if (v !== undefined) cleanEnv[k] = v;
    const child = nodeChildProcess().spawn(file, [], { env: cleanEnv, stdio: ['pipe', 'pipe', 'inherit'] });
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (): void => {
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    // Killed by us: the call ends now, not when stdout closes (a plugin's own children
    // can hold it open).
    const stop = (err: unknown): void => {
      if (settled) return;
      finish();
      child.kill('SIGKILL');
      child.stdout.destroy();
      reject(err);
    };
    const onAbort = (): void => stop(abortReason(signal!));
    if (timeout !== undefined) {
      timer = setTimeout(() => stop(new CniError(CNI_ERR.DELEGATE_FAILED, `plugin ${file} timed out`, `no answer within ${timeout} ms; killed`)), timeout);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (d: Buffer) => {
      size += d.length;
      // Ends the call now, as a timeout does: waiting for 'close' would wait for ever
      // when a child of the plugin holds stdout open and keeps writing.
      if (size > MAX_DELEGATE_OUTPUT) stop(new CniError(CNI_ERR.DELEGATE_FAILED, `plugin ${file} printed too much`, `more than ${MAX_DELEGATE_OUTPUT} bytes on stdout; killed`));
      else chunks.push(d);
    });
    // The plugin may exit without reading its stdin: EPIPE is not our failure.
    child.stdin.on('error', () => undefined);
    child.on('error', (e) => {
      if (settled) return;
      finish();
      reject(new CniError(CNI_ERR.PLUGIN_NOT_AVAILABLE, `cannot run plugin ${file}`, e.message));
    });
    child.on('close', (status, sig) => {
      if (settled) return;
      finish();
      resolve({ status, signal: sig, stdout: Buffer.concat(chunks) });
    });
    child.stdin.end(input);
  });
}

/** What an aborted signal rejects with: its reason, or an AbortError as Node's own APIs make. */
function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}

/** The error a failed delegated plugin reported, passed on with its code, or a DELEGATE_FAILED one. */
function delegateError(type: string, command: string, r: ExecResult): CniError {
  const text = r.stdout.toString('utf8');
  try {
    const o = JSON.parse(text) as Record<string, unknown>;
    // Passed on only with a code the runtime can read back: Go's types.Error has `Code uint`,
    // and libcni fails to decode an error object whose code is negative or fractional.
    if (o && typeof o === 'object' && Number.isSafeInteger(o['code']) && (o['code'] as number) > 0 && typeof o['msg'] === 'string') {
      return new CniError(o['code'] as number, o['msg'], typeof o['details'] === 'string' && o['details'] !== '' ? o['details'] : undefined);
    }
  } catch {
    /* not an error object */
  }
  const how = r.signal ? `killed by ${r.signal}` : `exit status ${r.status}`;
  const said = text.trim() ? `; stdout: ${text.trim().slice(0, 300)}` : '';
  return new CniError(CNI_ERR.DELEGATE_FAILED, `${command} of plugin ${type} failed`, `${how}${said}`);
}

/** The spec versions a plugin says it speaks (VERSION), or undefined when it will not say. */
export async function pluginVersions(file: string, env: Readonly<Record<string, string | undefined>>, cniVersion: string): Promise<string[] | undefined> {
  const r = await execPlugin(file, { ...env, CNI_COMMAND: 'VERSION' }, JSON.stringify({ cniVersion }));
  if (r.status !== 0) return undefined;
  try {
    const o = JSON.parse(r.stdout.toString('utf8')) as { supportedVersions?: unknown };
    const sv = o?.supportedVersions;
    return Array.isArray(sv) && sv.every((x) => typeof x === 'string') ? (sv as string[]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The cniVersion to talk to a plugin in: the configuration's when it speaks it (or
 * will not say what it speaks), else the newest version both sides speak that is not
 * newer than the configuration's and has `command`; undefined when there is none,
 * which includes a configuration older than `command` (CHECK before 0.4.0, STATUS and
 * GC before 1.1.0).
 */
export function negotiateVersion(confVersion: CniVersion, theirs: readonly string[] | undefined, command: string): CniVersion | undefined {
  const since = commandSince(command);
  if (compareVersions(confVersion, since) < 0) return undefined;
  if (theirs === undefined || theirs.includes(confVersion)) return confVersion;
  const common = SUPPORTED_VERSIONS.filter((v) => theirs.includes(v) && compareVersions(v, confVersion) <= 0 && compareVersions(v, since) >= 0);
  return common[common.length - 1];
}

/** A delegated call, ready to run. */
interface Prepared {
  file: string;
  version: CniVersion;
  input: Buffer;
}

/**
 * Find the plugin, negotiate the version (VERSION) and build its stdin. Undefined when
 * it speaks no version that has `command` (for ADD/DEL/CHECK that is an error instead).
 */
async function prepare(ctx: PluginContext, type: string, command: string, file = findPlugin(type, ctx.path)): Promise<Prepared | undefined> {
  const theirs = await pluginVersions(file, ctx.env, ctx.conf.cniVersion);
  const version = negotiateVersion(ctx.conf.cniVersion, theirs, command);
  if (version === undefined) {
    if (command === 'STATUS' || command === 'GC') return undefined;
    const since = commandSince(command);
    if (compareVersions(ctx.conf.cniVersion, since) < 0) throw new CniError(CNI_ERR.INCOMPATIBLE_VERSION, `config version does not allow ${command}`, `${command} needs cniVersion ${since} or later, the configuration says ${ctx.conf.cniVersion}`);
    throw new CniError(CNI_ERR.INCOMPATIBLE_VERSION, `incompatible CNI versions with plugin ${type}`, `config is ${JSON.stringify(ctx.conf.cniVersion)}, ${type} supports ${JSON.stringify(theirs)}`);
  }
  let input = ctx.stdin;
  if (version !== ctx.conf.cniVersion) {
    const o: Record<string, unknown> = { ...ctx.conf.raw, cniVersion: version };
    if (ctx.conf.prevResult) o['prevResult'] = formatResult(ctx.conf.prevResult, version);
    input = Buffer.from(JSON.stringify(o), 'utf8');
  }
  return { file, version, input };
}

async function run(ctx: PluginContext, type: string, command: string, p: Prepared, extraEnv: Record<string, string | undefined> = {}): Promise<ExecResult> {
  const r = await execPlugin(p.file, { ...ctx.env, ...extraEnv, CNI_COMMAND: command }, p.input);
  if (r.status !== 0 || r.signal) throw delegateError(type, command, r);
  return r;
}

/** The `code` of the error a failed plugin printed, if it printed one. */
function errorCode(r: ExecResult): number | undefined {
  try {
    const o = JSON.parse(r.stdout.toString('utf8')) as { code?: unknown } | null;
    return typeof o?.code === 'number' ? o.code : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Delegate `command` (see the module comment): ADD, DEL and CHECK first with the
 * configuration as it is, and on "incompatible CNI version" negotiated with VERSION
 * and called again; STATUS and GC negotiated first. Returns what ran and in which
 * version, or undefined when the plugin speaks no version that has `command` (STATUS,
 * GC; for ADD/DEL/CHECK that is an error).
 */
async function delegate(ctx: PluginContext, type: string, command: string): Promise<{ r: ExecResult; version: CniVersion } | undefined> {
  const file = findPlugin(type, ctx.path);
  if (command === 'STATUS' || command === 'GC') {
    // Commands of CNI 1.1.0: a plugin older than that does not answer them with
    // "incompatible CNI version" but with whatever its other checks say (host-local:
    // code 3, "missing containerID"), so for these VERSION is asked first.
    const p = await prepare(ctx, type, command, file);
    return p && { r: await run(ctx, type, command, p), version: p.version };
  }
  const first = await execPlugin(file, { ...ctx.env, CNI_COMMAND: command }, ctx.stdin);
  if (first.status === 0 && !first.signal) return { r: first, version: ctx.conf.cniVersion };
  if (first.signal || errorCode(first) !== CNI_ERR.INCOMPATIBLE_VERSION) throw delegateError(type, command, first);
  const p = await prepare(ctx, type, command, file);
  if (p === undefined) return undefined;
  // It says it speaks the configuration's version, yet refused it: its error stands.
  if (p.version === ctx.conf.cniVersion) throw delegateError(type, command, first);
  return { r: await run(ctx, type, command, p), version: p.version };
}

/** `ipam.type` of the configuration, or a CniError 7 when the plugin needs one and there is none. */
export function ipamType(ctx: PluginContext): string {
  const t = ctx.conf.ipam?.type;
  if (!t) throw new CniError(CNI_ERR.INVALID_CONFIG, 'missing ipam type', `network ${ctx.conf.name} has no "ipam": {"type": …}`);
  return t;
}

/**
 * IPAM ADD: allocate and return the IPAM plugin's result in the current (1.1) form.
 * When the plugin succeeded but its output cannot be used, what it allocated is
 * released (IPAM DEL) before the error is thrown: a failed ipamAdd holds nothing.
 * @throws the IPAM plugin's own error (its code kept), CniError 6 for output that
 *   is not a result, 1 for a result in a version nlkit does not speak.
 */
export async function ipamAdd(ctx: PluginContext, type = ipamType(ctx)): Promise<CniResult> {
  const { r, version } = (await delegate(ctx, type, 'ADD'))!;
  try {
    const o = parseJsonSafe(r.stdout.toString('utf8'), `result of IPAM plugin ${type}`);
    const v = (o as { cniVersion?: unknown } | null)?.cniVersion;
    if (v !== undefined && !isSupportedVersion(v)) {
      throw new CniError(CNI_ERR.INCOMPATIBLE_VERSION, `IPAM plugin ${type} answered in an unsupported version`, `its result says cniVersion ${JSON.stringify(v)}`);
    }
    return parseResult(o, typeof v === 'string' ? v : version, CNI_ERR.DECODE_FAILED, `result of IPAM plugin ${type}`);
  } catch (e) {
    try {
      await delegate(ctx, type, 'DEL');
    } catch (d) {
      ctx.log(`the result of IPAM plugin ${type} was refused, and releasing its allocation failed too: ${(d as Error).message}`);
      if (e instanceof CniError) throw new CniError(e.code, e.msg, `${e.details ?? ''}${e.details ? '; ' : ''}and the IPAM release failed: ${(d as Error).message}`, { cause: e });
    }
    throw e;
  }
}

/** IPAM DEL: release what ADD allocated (the IPAM plugin decides what a second DEL means). */
export async function ipamDel(ctx: PluginContext, type = ipamType(ctx)): Promise<void> {
  await delegate(ctx, type, 'DEL');
}

/** IPAM CHECK: the IPAM plugin checks its reservation against prevResult. */
export async function ipamCheck(ctx: PluginContext, type = ipamType(ctx)): Promise<void> {
  await delegate(ctx, type, 'CHECK');
}

/**
 * IPAM STATUS: CniError 50 when the IPAM plugin is not in CNI_PATH; its own error when
 * it speaks 1.1.0 and says it is not ready. Returns false when it is too old to be
 * asked (found, but STATUS is newer than it).
 */
export async function ipamStatus(ctx: PluginContext, type = ipamType(ctx)): Promise<boolean> {
  return (await delegate(ctx, type, 'STATUS')) !== undefined;
}

/**
 * IPAM GC: delegate GC with the valid attachments when the IPAM plugin speaks 1.1.0.
 * A host-local too old for GC gets the equivalent: its reservations whose
 * (containerID, ifname) is not in the valid list are released with a DEL for that
 * attachment — the host-local store is only read here, host-local does the release.
 * Returns how it was done.
 */
export async function ipamGc(ctx: PluginContext, type = ipamType(ctx)): Promise<'delegated' | 'host-local-del' | 'unsupported'> {
  if (await delegate(ctx, type, 'GC')) return 'delegated';
  if (type !== 'host-local') {
    ctx.log(`GC: IPAM plugin ${type} does not speak CNI 1.1.0; nothing to delegate`);
    return 'unsupported';
  }
  const del = (await prepare(ctx, type, 'DEL'))!;
  const keep = new Set((ctx.conf.validAttachments ?? []).map((a) => `${a.containerID}\n${a.ifname}`));
  const stale = hostLocalAttachments(ctx).filter((a) => !keep.has(`${a.containerID}\n${a.ifname}`));
  const errors: CniError[] = [];
  for (const a of stale) {
    try {
      await run(ctx, type, 'DEL', del, { CNI_CONTAINERID: a.containerID, CNI_IFNAME: a.ifname, CNI_NETNS: undefined });
    } catch (e) {
      errors.push(e instanceof CniError ? e : new CniError(CNI_ERR.INTERNAL, (e as Error).message));
    }
  }
  if (errors.length) {
    const first = errors[0]!;
    throw new CniError(first.code, `GC: ${errors.length} of ${stale.length} stale host-local reservations could not be released`, errors.map((e) => e.message).join('; '));
  }
  return 'host-local-del';
}

/**
 * The attachments host-local holds addresses for, from its store
 * (`<dataDir>/<network name>/<ip>` files holding "containerID\r\nifname").
 */
export function hostLocalAttachments(ctx: PluginContext): { containerID: string; ifname: string }[] {
  const dataDir = typeof ctx.conf.ipam?.['dataDir'] === 'string' && ctx.conf.ipam['dataDir'] !== '' ? ctx.conf.ipam['dataDir'] : '/var/lib/cni/networks';
  const dir = join(dataDir, ctx.conf.name);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const seen = new Map<string, { containerID: string; ifname: string }>();
  for (const n of names) {
    if (n === 'lock' || n.startsWith('last_reserved_ip')) continue;
    let text: string;
    try {
      const f = join(dir, n);
      if (!statSync(f).isFile() || statSync(f).size > 4096) continue;
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    const [id, ifname] = text.split(/\r?\n/).map((s) => s.trim());
    // Entries of stores older than the ifname line are left alone.
    if (!id || !ifname || !isValidId(id) || ifnameProblem(ifname)) continue;
    seen.set(`${id}\n${ifname}`, { containerID: id, ifname });
  }
  return [...seen.values()];
}
