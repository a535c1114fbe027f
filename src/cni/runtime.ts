/**
 * The CNI plugin side of the execution protocol: read the configuration from stdin,
 * the parameters from the CNI_* environment, run the command, print the result (or
 * the spec's error object) on stdout and exit 0 (or 1).
 *
 * stdout carries nothing but that one JSON document: the plugin's own logging goes to
 * stderr (`ctx.log`), and the bin entry points also send `console.log` there.
 * @module
 */
import { writeSync } from 'node:fs';
import * as Bourne from '@hapi/bourne';
import {
  CNI_ERR, CURRENT_VERSION, CniError, SUPPORTED_VERSIONS, commandSince, compareVersions, formatResult, ifnameProblem, isSupportedVersion, isValidId, parseNetConf,
  type CniNetConf, type CniResult, type CniVersion,
} from './types.js';
import { ClosedError, DumpInterruptedError, InvalidArgumentError, NetlinkError, SysError } from '../netlink/errors.js';

/** The commands of spec 1.1. */
export const CNI_COMMANDS = ['ADD', 'DEL', 'CHECK', 'STATUS', 'GC', 'VERSION'] as const;
/** One of {@link CNI_COMMANDS}. */
export type CniCommand = (typeof CNI_COMMANDS)[number];

/** Environment variables each command requires (spec 1.1, section 2). */
const REQUIRED_ENV: Record<CniCommand, readonly string[]> = {
  ADD: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME'],
  CHECK: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME'],
  DEL: ['CNI_CONTAINERID', 'CNI_IFNAME'],
  GC: ['CNI_PATH'],
  STATUS: [],
  VERSION: [],
};

/** Default cap on the configuration read from stdin: 4 MiB (GC lists and prevResults included). */
export const DEFAULT_MAX_STDIN = 4 * 1024 * 1024;

/** What a command handler gets: the checked parameters and configuration. */
export interface PluginContext {
  /** CNI_COMMAND. */
  readonly command: Exclude<CniCommand, 'VERSION'>;
  /** CNI_CONTAINERID ('' for STATUS and GC). */
  readonly containerId: string;
  /** CNI_NETNS, or undefined when unset or empty (allowed for DEL, STATUS, GC). */
  readonly netns: string | undefined;
  /** CNI_IFNAME ('' for STATUS and GC). */
  readonly ifName: string;
  /** CNI_ARGS as key → value (`FOO=BAR;ABC=123`). */
  readonly args: ReadonlyMap<string, string>;
  /** CNI_PATH split on ':' (empty entries dropped). */
  readonly path: readonly string[];
  /** The checked configuration. */
  readonly conf: CniNetConf;
  /** The configuration bytes exactly as received (what delegated plugins get on stdin). */
  readonly stdin: Buffer;
  /** The environment the plugin was started with (delegated plugins get the same). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Write a line to stderr (never stdout). */
  log(message: string): void;
}

/** A plugin: one handler per command. VERSION is answered by {@link runPlugin}. */
export interface PluginHandlers {
  /** ADD: set up the attachment and return the result (printed in the configuration's cniVersion). */
  add(ctx: PluginContext): Promise<CniResult>;
  /** DEL: release everything; should succeed when things are already gone. */
  del(ctx: PluginContext): Promise<void>;
  /** CHECK: throw a CniError when the attachment differs from `ctx.conf.prevResult`. Defaults to an error (not implemented). */
  check?: ((ctx: PluginContext) => Promise<void>) | undefined;
  /** STATUS: throw CniError 50/51 when ADD cannot be served. Defaults to ready. */
  status?: ((ctx: PluginContext) => Promise<void>) | undefined;
  /** GC: release resources of attachments not in `ctx.conf.validAttachments`. Defaults to nothing to do. */
  gc?: ((ctx: PluginContext) => Promise<void>) | undefined;
  /** Spec versions the plugin accepts. Defaults to {@link SUPPORTED_VERSIONS}. */
  versions?: readonly CniVersion[] | undefined;
}

/** Where {@link runPlugin} reads and writes; defaults to the process's own. */
export interface RunPluginOptions {
  /** Environment. Defaults to `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  /** The configuration: bytes, or a stream read to its end. Defaults to `process.stdin`. */
  readonly stdin?: Buffer | string | AsyncIterable<Buffer | string> | undefined;
  /** Receives the stdout document. Defaults to a blocking write on fd 1. */
  readonly stdout?: ((text: string) => void) | undefined;
  /** Receives log lines. Defaults to a write on fd 2. */
  readonly stderr?: ((text: string) => void) | undefined;
  /** Largest configuration accepted, in bytes (more is CniError 5). Defaults to {@link DEFAULT_MAX_STDIN}. */
  readonly maxStdinBytes?: number | undefined;
}

/** Write all of `text` to `fd`, retrying short writes and EAGAIN (stdout may be a non-blocking pipe). */
function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text, 'utf8');
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off, buf.length - off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
    }
  }
}

async function readStdin(src: RunPluginOptions['stdin'], max: number): Promise<Buffer> {
  // A terminal is no configuration: `CNI_COMMAND=VERSION nlkit-ptp` typed by hand must not wait for one.
  if (src === undefined && process.stdin.isTTY) return Buffer.alloc(0);
  const source = src ?? process.stdin;
  if (typeof source === 'string' || Buffer.isBuffer(source)) {
    const b = Buffer.isBuffer(source) ? source : Buffer.from(source, 'utf8');
    if (b.length > max) throw tooLarge(max);
    return b;
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const c of source) {
      const b = typeof c === 'string' ? Buffer.from(c, 'utf8') : c;
      total += b.length;
      if (total > max) {
        if (source === process.stdin) process.stdin.destroy();
        throw tooLarge(max);
      }
      chunks.push(b);
    }
  } catch (e) {
    if (e instanceof CniError) throw e;
    throw new CniError(CNI_ERR.IO_FAILURE, 'failed to read the network configuration from stdin', (e as Error).message);
  }
  return Buffer.concat(chunks, total);
}

function tooLarge(max: number): CniError {
  return new CniError(CNI_ERR.IO_FAILURE, 'network configuration too large', `more than ${max} bytes on stdin`);
}

/**
 * How deep {@link parseJsonSafe} lets arrays and objects nest. JSON.parse takes far
 * deeper text, but what it returns overflows the stack of the recursive code that
 * meets it next (JSON.stringify of a field in an error message, of a configuration
 * passed on), as a RangeError; no CNI document comes near this.
 */
const MAX_JSON_DEPTH = 512;

/**
 * Parse JSON text with @hapi/bourne, which refuses `__proto__` keys anywhere, and
 * also refuse `constructor: { prototype: … }` (bourne 3 does not look for it; a
 * naive deep merge of such an object would reach Object.prototype), and arrays and
 * objects nested more than 512 levels deep (Go's encoding/json stops at 10000).
 *
 * @throws CniError 6 (failed to decode) with the parser's reason.
 */
export function parseJsonSafe(text: string, what = 'network configuration'): unknown {
  let v: unknown;
  try {
    v = Bourne.parse(text, { protoAction: 'error' });
  } catch (e) {
    const why = e instanceof RangeError ? 'nested too deeply' : (e as Error).message;
    throw new CniError(CNI_ERR.DECODE_FAILED, `failed to decode the ${what}`, why);
  }
  const stack: unknown[] = [v];
  const depths: number[] = [1];
  while (stack.length) {
    const node = stack.pop();
    const depth = depths.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > MAX_JSON_DEPTH) throw new CniError(CNI_ERR.DECODE_FAILED, `failed to decode the ${what}`, `nested more than ${MAX_JSON_DEPTH} levels deep`);
    if (!Array.isArray(node) && Object.prototype.hasOwnProperty.call(node, 'constructor')) {
      const c = (node as Record<string, unknown>)['constructor'];
      if (typeof c === 'object' && c !== null && Object.prototype.hasOwnProperty.call(c, 'prototype')) {
        throw new CniError(CNI_ERR.DECODE_FAILED, `failed to decode the ${what}`, 'Object contains forbidden constructor.prototype property');
      }
    }
    for (const x of Object.values(node)) {
      if (typeof x === 'object' && x !== null) {
        stack.push(x);
        depths.push(depth + 1);
      }
    }
  }
  return v;
}

/**
 * Parse CNI_ARGS (`FOO=BAR;ABC=123`). Empty segments are skipped; a segment without
 * '=' or with an empty key is an error (CniError 4 naming CNI_ARGS).
 */
export function parseCniArgs(s: string | undefined): Map<string, string> {
  const m = new Map<string, string>();
  if (!s) return m;
  for (const part of s.split(';')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw new CniError(CNI_ERR.INVALID_ENV, 'invalid CNI_ARGS', `CNI_ARGS: invalid pair ${JSON.stringify(part)} (expected KEY=VALUE pairs separated by ';')`);
    m.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return m;
}

/**
 * DEL's configuration: a prevResult that does not check is left out of `prevResult`
 * (and logged) instead of failing the DEL, whose job is to release what it can; the
 * spec has a DEL without prevResult clean up and succeed. Everything else is checked
 * as for the other commands; `raw` keeps the prevResult as received.
 */
function parseDelConf(value: unknown, versions: readonly CniVersion[], log: (s: string) => void): CniNetConf {
  try {
    return parseNetConf(value, versions);
  } catch (e) {
    if (!(e instanceof CniError) || typeof value !== 'object' || value === null || Array.isArray(value)) throw e;
    const raw = value as Record<string, unknown>;
    if (raw['prevResult'] === undefined || raw['prevResult'] === null) throw e;
    const { prevResult: _ignored, ...rest } = raw;
    let conf: CniNetConf;
    try {
      conf = parseNetConf(rest, versions);
    } catch {
      throw e;
    }
    log(`DEL: prevResult ignored: ${e.message}`);
    return { ...conf, raw };
  }
}

/** The cniVersion to print an error with: the configuration's when it is one we speak. */
function sniffVersion(stdin: Buffer | undefined): string {
  if (!stdin || stdin.length === 0) return CURRENT_VERSION;
  try {
    const v = (JSON.parse(stdin.toString('utf8')) as { cniVersion?: unknown } | null)?.cniVersion;
    return isSupportedVersion(v) ? v : CURRENT_VERSION;
  } catch {
    return CURRENT_VERSION;
  }
}

function toCniError(e: unknown, log: (s: string) => void): CniError {
  if (e instanceof CniError) return e;
  const err = e as Error;
  // nlkit's own errors say what went wrong in their message (the kernel's answer, the
  // field refused): that line on stderr, not a stack trace labelled as a bug. Anything
  // else is unexpected: keep the whole story on stderr, a one-line message on stdout.
  if (err instanceof NetlinkError || err instanceof SysError || err instanceof InvalidArgumentError || err instanceof ClosedError || err instanceof DumpInterruptedError) {
    log(`${err.name}: ${err.message}`);
  } else log(`internal error: ${err?.stack ?? String(e)}`);
  return new CniError(CNI_ERR.INTERNAL, err?.message ?? String(e));
}

/**
 * Run a plugin the way a container runtime invokes it: check the CNI_* environment
 * and the configuration on stdin, answer VERSION, call the handler for
 * ADD/DEL/CHECK/STATUS/GC, and print the result (ADD) or nothing (others) on stdout.
 * Any failure is printed as the spec's error object `{cniVersion, code, msg,
 * details}`: a CniError as it is; any other error as code 999 with its message, and on
 * stderr nlkit's own errors (NetlinkError, SysError, InvalidArgumentError…) as one line,
 * anything else with its stack. Returns the exit code (0 or 1); the caller exits with it.
 *
 * Checks, in order: reading stdin, at most `maxStdinBytes` (5); CNI_COMMAND (4);
 * the variables the command requires, CNI_CONTAINERID and CNI_IFNAME syntax, CNI_ARGS
 * pairs (4, naming them); JSON, refusing prototype-poisoning keys (6); the
 * configuration's fields (7; for DEL, a prevResult that does not check is left out and
 * logged instead) and cniVersion (1, also for a command newer than it).
 *
 * @example
 * process.exitCode = await runPlugin({ add, del, check });
 */
export async function runPlugin(handlers: PluginHandlers, options: RunPluginOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const out = options.stdout ?? ((s: string) => writeAll(1, s));
  const errOut = options.stderr ?? ((s: string) => writeAll(2, s));
  const log = (s: string) => errOut(s.endsWith('\n') ? s : `${s}\n`);
  const versions = handlers.versions ?? SUPPORTED_VERSIONS;
  let stdin: Buffer | undefined;
  try {
    stdin = await readStdin(options.stdin, options.maxStdinBytes ?? DEFAULT_MAX_STDIN);
    const command = env['CNI_COMMAND'];
    if (!command) throw new CniError(CNI_ERR.INVALID_ENV, 'required env variables [CNI_COMMAND] missing');
    if (!(CNI_COMMANDS as readonly string[]).includes(command)) throw new CniError(CNI_ERR.INVALID_ENV, `unknown CNI_COMMAND: ${command}`);
    if (command === 'VERSION') {
      out(JSON.stringify({ cniVersion: CURRENT_VERSION, supportedVersions: [...versions] }));
      return 0;
    }
    const cmd = command as Exclude<CniCommand, 'VERSION'>;
    const missing = REQUIRED_ENV[cmd].filter((k) => !env[k]);
    if (missing.length) throw new CniError(CNI_ERR.INVALID_ENV, `required env variables [${missing.join(',')}] missing`);
    const containerId = env['CNI_CONTAINERID'] ?? '';
    if (containerId !== '' && !isValidId(containerId)) {
      throw new CniError(CNI_ERR.INVALID_ENV, 'invalid CNI_CONTAINERID', `${JSON.stringify(containerId)}: a container ID starts with a letter or digit, followed by letters, digits, '_', '.' or '-'`);
    }
    const ifName = env['CNI_IFNAME'] ?? '';
    if (ifName !== '' || REQUIRED_ENV[cmd].includes('CNI_IFNAME')) {
      const why = ifnameProblem(ifName);
      if (why) throw new CniError(CNI_ERR.INVALID_ENV, 'invalid CNI_IFNAME', why);
    }
    const args = parseCniArgs(env['CNI_ARGS']);
    const path = (env['CNI_PATH'] ?? '').split(':').filter((p) => p !== '');
    const text = stdin.toString('utf8');
    if (text.trim() === '') throw new CniError(CNI_ERR.DECODE_FAILED, 'failed to decode the network configuration', 'stdin is empty');
    const json = parseJsonSafe(text);
    const conf = cmd === 'DEL' ? parseDelConf(json, versions, log) : parseNetConf(json, versions);
    const since = commandSince(cmd);
    if (compareVersions(conf.cniVersion, since) < 0) {
      throw new CniError(CNI_ERR.INCOMPATIBLE_VERSION, `config version does not allow ${cmd}`, `${cmd} needs cniVersion ${since} or later, the configuration says ${conf.cniVersion}`);
    }
    const ctx: PluginContext = {
      command: cmd, containerId, netns: env['CNI_NETNS'] || undefined, ifName, args, path, conf, stdin, env, log,
    };
    switch (cmd) {
      case 'ADD': {
        const result = await handlers.add(ctx);
        out(JSON.stringify(formatResult(result, conf.cniVersion), null, 4));
        break;
      }
      case 'DEL':
        await handlers.del(ctx);
        break;
      case 'CHECK':
        if (!handlers.check) throw new CniError(CNI_ERR.INVALID_ENV, 'CHECK is not implemented by this plugin');
        await handlers.check(ctx);
        break;
      case 'STATUS':
        if (handlers.status) await handlers.status(ctx);
        break;
      case 'GC':
        if (handlers.gc) await handlers.gc(ctx);
        break;
    }
    return 0;
  } catch (e) {
    const err = toCniError(e, log);
    try {
      out(JSON.stringify(err.toObject(sniffVersion(stdin)), null, 4));
    } catch (w) {
      log(`cannot write the error to stdout: ${(w as Error).message}; the error was: ${err.message}`);
    }
    return 1;
  }
}
