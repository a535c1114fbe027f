/**
 * Names for rtnetlink message types and for the attribute an extended-ACK offset
 * points at. Each object module registers its message types with the size of its
 * fixed header and its attribute table; the socket's error path asks here.
 * @module
 */
import type { AttrTable, FamilyDescriber } from '../netlink/index.js';
import { CONSTANTS } from './constants.js';

/**
 * RTM_* number → name, made on first use: only errors and debug output name message
 * types, and the scan of the generated constants' ~1200 names would cost every process
 * a few ms of start-up.
 */
let typeNames: Map<number, string> | undefined;

function typeNameMap(): Map<number, string> {
  if (typeNames) return typeNames;
  const m = new Map<number, string>();
  for (const [k, v] of Object.entries(CONSTANTS)) {
    if (k.startsWith('RTM_') && typeof v === 'number' && !k.startsWith('RTM_F_') && !k.startsWith('RTM_BASE')) {
      if (!m.has(v)) m.set(v, k);
    }
  }
  return (typeNames = m);
}

interface Layout {
  headerLen: number;
  table: AttrTable;
}
const layouts = new Map<number, Layout>();

/**
 * Register the layout of rtnetlink message types: `headerLen` bytes of fixed header
 * (ifinfomsg: 16, ifaddrmsg: 8, rtmsg: 12, …) then attributes of `table`.
 */
export function registerLayout(types: readonly number[], headerLen: number, table: AttrTable): void {
  for (const t of types) layouts.set(t, { headerLen, table });
}

/** The rtnetlink describer: 'RTM_NEWLINK', 'IFLA_LINKINFO › IFLA_INFO_DATA', … */
export const rtnlDescriber: FamilyDescriber = {
  typeName(type: number): string {
    return typeNameMap().get(type) ?? `RTM#${type}`;
  },
  attributeAt(request: Uint8Array, offset: number): string | undefined {
    if (request.length < 16) return undefined;
    const type = request[4]! | (request[5]! << 8);
    const l = layouts.get(type);
    if (!l) return undefined;
    const start = 16 + ((l.headerLen + 3) & ~3);
    return l.table.describeOffset(request, start, offset);
  },
  missingAttribute(requestType: number, attrType: number, request?: Uint8Array, nestOffset?: number): string | undefined {
    const l = layouts.get(requestType);
    if (!l) return undefined;
    if (nestOffset !== undefined && request) {
      const nest = this.attributeAt!(request, nestOffset);
      return nest ? `${nest} › #${attrType}` : undefined;
    }
    return l.table.nameOf(attrType);
  },
};
