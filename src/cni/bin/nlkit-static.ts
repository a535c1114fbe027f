#!/usr/bin/env node
/**
 * `nlkit-static`: the static IPAM plugin (the configured addresses, routes and DNS), as
 * an executable a container runtime or a main plugin calls (CNI_* environment,
 * configuration on stdin, result on stdout).
 * @module
 */
import { runPlugin } from '../runtime.js';
import { staticPlugin } from '../plugins/static.js';

// stdout is the protocol channel: anything a library prints goes to stderr instead.
console.log = console.info = console.debug = console.error;

process.exit(await runPlugin(staticPlugin));
