#!/usr/bin/env node
/**
 * `nlkit-host-device`: the host-device CNI plugin (a host interface moved into the
 * container), as an executable a container runtime calls (CNI_* environment,
 * configuration on stdin, result on stdout).
 * @module
 */
import { runPlugin } from '../runtime.js';
import { hostDevicePlugin } from '../plugins/host-device.js';

// stdout is the protocol channel: anything a library prints goes to stderr instead.
console.log = console.info = console.debug = console.error;

process.exit(await runPlugin(hostDevicePlugin));
