#!/usr/bin/env node
/**
 * `nlkit-macvlan`: the macvlan CNI plugin (a macvlan of a host interface, the master,
 * in the container), as an executable a container runtime calls (CNI_* environment,
 * configuration on stdin, result on stdout).
 * @module
 */
import { runPlugin } from '../runtime.js';
import { macvlanPlugin } from '../plugins/macvlan.js';

// stdout is the protocol channel: anything a library prints goes to stderr instead.
console.log = console.info = console.debug = console.error;

process.exit(await runPlugin(macvlanPlugin));
