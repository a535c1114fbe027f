#!/usr/bin/env node
/**
 * `nlkit-tuning`: the tuning meta plugin (sysctls, MAC, MTU, promiscuous and
 * all-multicast modes of a container's interface), as an executable a container runtime
 * calls (CNI_* environment, configuration on stdin, result on stdout).
 * @module
 */
import { runPlugin } from '../runtime.js';
import { tuningPlugin } from '../plugins/tuning.js';

// stdout is the protocol channel: anything a library prints goes to stderr instead.
console.log = console.info = console.debug = console.error;

process.exit(await runPlugin(tuningPlugin));
