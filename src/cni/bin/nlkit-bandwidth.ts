#!/usr/bin/env node
/**
 * `nlkit-bandwidth`: the bandwidth CNI plugin (tc shaping of a container's veth), as an
 * executable a container runtime calls (CNI_* environment, configuration on stdin, result
 * on stdout).
 * @module
 */
import { runPlugin } from '../runtime.js';
import { bandwidthPlugin } from '../plugins/bandwidth.js';

// stdout is the protocol channel: anything a library prints goes to stderr instead.
console.log = console.info = console.debug = console.error;

process.exit(await runPlugin(bandwidthPlugin));
