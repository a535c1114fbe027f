// `ip -s xfrm policy list` and `ip -s xfrm state list` text (iproute2 has no JSON for
// xfrm) parsed into records, and nlkit's decoded objects put in the same terms, so the
// tests compare them field by field.
import type { XfrmPolicy, XfrmState } from '../../src/index.js';

/** One template as `ip -s xfrm policy list` prints it. */
export interface IpTmpl { src: string; dst: string; proto: string; spi: number; reqid: number; mode: string; level: string; share: string; masks: string }

/** One policy as `ip -s xfrm policy list` prints it. */
export interface IpPolicy {
  sel: string; uid: number; dir: string; action: string; index: number; priority: number; ptype: string; share: string;
  flags: string; flagBits: number; limits: string[]; mark?: string; ifId?: number; tmpls: IpTmpl[];
}

const INF = 0xffffffffffffffffn;
const lim = (b: bigint): string => (b === INF ? '(INF)' : String(b));

/** Split ip's output into records: each starts at a line without leading whitespace. */
function records(text: string): string[][] {
  const out: string[][] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    if (/^\S/.test(line)) out.push([line]);
    else out.at(-1)?.push(line);
  }
  return out;
}

/** `ip -s xfrm policy list` as records. */
export function parseIpPolicies(text: string): IpPolicy[] {
  return records(text).filter((r) => r[0]!.startsWith('src ')).map((r) => {
    const head = r[0]!.trim();
    const m = /^(.*) uid (\d+)$/.exec(head)!;
    const d = /dir (\S+) action (\S+) index (\d+) priority (\d+) ptype (\S+) share (\S+) flag ?(.*?) ?\((?:0x)?([01]+)\)/.exec(r[1]!)!;
    const p: IpPolicy = {
      sel: m[1]!, uid: Number(m[2]), dir: d[1]!, action: d[2]!, index: Number(d[3]), priority: Number(d[4]), ptype: d[5]!, share: d[6]!,
      flags: d[7]!.trim(), flagBits: parseInt(d[8]!, 2), limits: [], tmpls: [],
    };
    for (let i = 2; i < r.length; i++) {
      const l = r[i]!.trim();
      let x: RegExpExecArray | null;
      if ((x = /^limit: soft (\S+)\((bytes|packets)\), hard (\S+)\(/.exec(l))) p.limits.push(x[1]!, x[3]!);
      else if ((x = /^expire (add|use): soft (\d+)\(sec\), hard (\d+)\(sec\)/.exec(l))) p.limits.push(x[2]!, x[3]!);
      else if ((x = /^mark (\S+)/.exec(l))) p.mark = x[1]!;
      else if ((x = /^if_id 0x([0-9a-f]+)/.exec(l))) p.ifId = parseInt(x[1]!, 16);
      else if ((x = /^tmpl src (\S+) dst (\S+)$/.exec(l))) {
        const a = /proto (\S+) spi 0x([0-9a-f]+)\(\d+\) reqid (\d+)\(0x[0-9a-f]+\) mode (\S+)/.exec(r[++i]!)!;
        const b = /level (\S+) share (\S+)/.exec(r[++i]!)!;
        const c = r[++i]!.trim();
        p.tmpls.push({ src: x[1]!, dst: x[2]!, proto: a[1]!, spi: parseInt(a[2]!, 16), reqid: Number(a[3]), mode: a[4]!, level: b[1]!, share: b[2]!, masks: c });
      }
    }
    return p;
  });
}

const hex8 = (n: number): string => n.toString(16).padStart(8, '0');

/** nlkit's policy in ip's terms; `devName` names an ifindex as `ip` does. */
export function policyAsIp(p: XfrmPolicy, devName: (i: number) => string): IpPolicy {
  const s = p.selector;
  let sel = `src ${s.src} dst ${s.dst}`;
  if (s.proto) {
    sel += ` proto ${s.protoName ?? s.proto}`;
    if (s.protoName === 'icmp' || s.protoName === 'ipv6-icmp' || s.protoName === 'mobility-header') {
      if (s.sportMask) sel += ` type ${s.sport}`;
      if (s.dportMask) sel += ` code ${s.dport}`;
    } else {
      if (s.sportMask) sel += ` sport ${s.sport}`;
      if (s.dportMask) sel += ` dport ${s.dport}`;
    }
  }
  if (s.ifindex) sel += ` dev ${devName(s.ifindex)}`;
  const l = p.lifetime;
  const out: IpPolicy = {
    sel, uid: s.user, dir: p.dir, action: p.action, index: p.index, priority: p.priority, ptype: p.ptype, share: p.share,
    flags: p.flags.join(' '), flagBits: p.flagBits,
    limits: [lim(l.softBytes), lim(l.hardBytes), lim(l.softPackets), lim(l.hardPackets), String(l.softAddSeconds), String(l.hardAddSeconds), String(l.softUseSeconds), String(l.hardUseSeconds)],
    tmpls: p.templates.map((t) => ({
      src: t.src, dst: t.dst, proto: t.proto, spi: t.spi, reqid: t.reqid, mode: t.mode, level: t.level, share: t.share,
      masks: `enc-mask ${t.ealgos.toString(16)} auth-mask ${t.aalgos.toString(16)} comp-mask ${t.calgos.toString(16)}`,
    })),
  };
  if (p.mark) out.mark = `0x${p.mark.value.toString(16)}/0x${p.mark.mask.toString(16)}`;
  if (p.ifId !== undefined) out.ifId = p.ifId;
  return out;
}


/** `ip -s xfrm state list` as records: its lines, trimmed, by state. */
export function parseIpStates(text: string): string[][] {
  return records(text).filter((r) => r[0]!.startsWith('src ')).map((r) => r.map((l) => l.trim()));
}

/** nlkit's state in `ip xfrm state list`'s first lines' terms: "src S dst D", "proto P spi 0x… reqid R mode M". */
export function stateHead(s: XfrmState): string[] {
  return [`src ${s.src} dst ${s.dst}`, `proto ${s.proto} spi 0x${hex8(s.spi)}(${s.spi}) reqid ${s.reqid}(0x${hex8(s.reqid)}) mode ${s.mode}`];
}

const bin8 = (n: number): string => n.toString(2).padStart(8, '0');
/** A state's seq as `ip -s xfrm state` prints it ("seq 0x%08u" in ip/ipxfrm.c: decimal digits after "0x"). */
export const ipSeq = (n: number): string => String(n).padStart(8, '0');

/**
 * nlkit's state as the lines `ip -s xfrm state list` prints for it (trimmed), without the
 * "add DATE use -" line (local time; compared separately): the fields of a larval state
 * (what `allocspi` makes) and of a full one's head.
 */
export function stateAsIpLines(s: XfrmState): string[] {
  const l = s.lifetime;
  const sel = s.selector;
  const out = [
    `src ${s.src} dst ${s.dst}`,
    `proto ${s.proto} spi 0x${hex8(s.spi)}(${s.spi}) reqid ${s.reqid}(0x${hex8(s.reqid)}) mode ${s.mode}`,
    // iproute2 prints the seq with "seq 0x%08u": decimal digits behind "0x" (seq 18 is "0x00000018").
    `replay-window ${s.replayWindow} seq 0x${ipSeq(s.seq)} flag ${s.flags.join(' ')} (0x${bin8(s.flagBits)})`,
  ];
  if (s.mark) out.push(`mark 0x${s.mark.value.toString(16)}/0x${s.mark.mask.toString(16)}`);
  if (s.replay) out.push(`anti-replay context: seq 0x${s.replay.seq.toString(16)}, oseq 0x${s.replay.oseq.toString(16)}, bitmap 0x${hex8(s.replay.bitmap)}`);
  out.push(`sel src ${sel.src} dst ${sel.dst} uid ${sel.user}`, 'lifetime config:',
    `limit: soft ${lim(l.softBytes)}(bytes), hard ${lim(l.hardBytes)}(bytes)`, `limit: soft ${lim(l.softPackets)}(packets), hard ${lim(l.hardPackets)}(packets)`);
  out.push(`expire add: soft ${l.softAddSeconds}(sec), hard ${l.hardAddSeconds}(sec)`, `expire use: soft ${l.softUseSeconds}(sec), hard ${l.hardUseSeconds}(sec)`);
  out.push('lifetime current:', `${s.current.bytes}(bytes), ${s.current.packets}(packets)`,
    'stats:', `replay-window ${s.stats.replayWindow} replay ${s.stats.replay} failed ${s.stats.integrityFailed}`);
  return out;
}
