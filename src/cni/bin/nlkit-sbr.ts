#!/usr/bin/env node
/**
 * `nlkit-sbr`: the source-based routing meta plugin (a policy rule and a routing table
 * per address of the container's interface, its routes moved there from the main
 * table), the reference `sbr`'s equivalent, as an executable a container runtime calls
 * (CNI_* environment, configuration on stdin, result on stdout).
 * @module
 */
import { runPlugin } from '../runtime.js';
import { sbrPlugin } from '../plugins/sbr.js';

// stdout is the protocol channel: anything a library prints goes to stderr instead.
console.log = console.info = console.debug = console.error;

process.exit(await runPlugin(sbrPlugin));
