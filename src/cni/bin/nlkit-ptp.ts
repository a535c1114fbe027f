#!/usr/bin/env node
/**
 * `nlkit-ptp`: the point-to-point CNI plugin, as an executable a container runtime
 * calls (CNI_* environment, configuration on stdin, result on stdout).
 * @module
 */
import { runPlugin } from '../runtime.js';
import { ptpPlugin } from '../plugins/ptp.js';

// stdout is the protocol channel: anything a library prints goes to stderr instead.
console.log = console.info = console.debug = console.error;

process.exit(await runPlugin(ptpPlugin));
