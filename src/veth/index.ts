/**
 * Veth pairs for containers: setupVeth, teardownVeth, Veth, MacAddr, randomVethName.
 * @module
 */
export { MacAddr } from './mac.js';
export { setupVeth, teardownVeth, randomVethName, Veth } from './veth.js';
export type { VethEnd, CniInterface, SetupVethOptions } from './veth.js';
