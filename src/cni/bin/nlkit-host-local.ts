#!/usr/bin/env node
/**
 * `nlkit-host-local`: the host-local IPAM plugin (addresses allocated from ranges, kept
 * in the reference's store on disk), as an executable a container runtime or a main
 * plugin calls (CNI_* environment, configuration on stdin, result on stdout).
 * @module
 */
import { runPlugin } from '../runtime.js';
import { hostLocalPlugin } from '../plugins/host-local.js';

// stdout is the protocol channel: anything a library prints goes to stderr instead.
console.log = console.info = console.debug = console.error;

process.exit(await runPlugin(hostLocalPlugin));
