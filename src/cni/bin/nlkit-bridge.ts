#!/usr/bin/env node
/**
 * `nlkit-bridge`: the bridge CNI plugin (a veth pair whose host end is a port of a Linux
 * bridge), as an executable a container runtime calls (CNI_* environment, configuration
 * on stdin, result on stdout).
 * @module
 */
import { runPlugin } from '../runtime.js';
import { bridgePlugin } from '../plugins/bridge.js';

// stdout is the protocol channel: anything a library prints goes to stderr instead.
console.log = console.info = console.debug = console.error;

process.exit(await runPlugin(bridgePlugin));
