/**
 * The one check of a netns handle argument (a `Netns`, or anything with an open `fd`)
 * that every function of src/ns runs before it switches or opens anything. It lives in
 * src/netlink/netns-switch.ts so that src/rtnl (nsid) runs the same check.
 * @module
 */
export { handleFd } from '../netlink/netns-switch.js';
