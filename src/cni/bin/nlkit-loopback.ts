#!/usr/bin/env node
/**
 * `nlkit-loopback`: the loopback CNI plugin (`lo` of the container's namespace up), as an
 * executable a container runtime calls (CNI_* environment, configuration on stdin, result
 * on stdout).
 * @module
 */
import { runPlugin } from '../runtime.js';
import { loopbackPlugin } from '../plugins/loopback.js';

// stdout is the protocol channel: anything a library prints goes to stderr instead.
console.log = console.info = console.debug = console.error;

process.exit(await runPlugin(loopbackPlugin));
