// Rendering of the benchmark suite's results: the Markdown tables (targets, all
// workloads with ratios to the fastest peer, memory, micro-benchmarks) and a
// hand-written SVG plot of per-pair W1 and per-link W3 cost by implementation.

/** Median and spread of one (implementation, op) over the rounds. */
export interface Cell {
  median: number;
  min: number;
  max: number;
  runs: number;
  n: number;
  values: number[];
  maxrssKb?: number;
}

export interface Target {
  name: string;
  goal: string;
  /** Highest acceptable ratio to the first reference; null for information only. */
  limit: number | null;
  nlkit: number | null;
  nlkitLabel: string;
  refs: { label: string; value: number | null; ratio: number | null }[];
}

export interface MicroSummary {
  runs: number;
  cases: { name: string; nsPerOp: number; bytesPerOp: number | null; note: string }[];
  getlink?: { rawUs: number; nlkitUs: number; ratio: number; runs: number; nlkitAlloc: string };
}

/** What bench/monitor-latency's monitorLatency() returns (the fields shown). */
interface MonitorRun {
  raw?: { median: number; p99: number };
  monitor?: { median: number; p99: number };
  monitorMinimal?: { median: number; p99: number };
  overheadMedianUs?: number;
  overheadP99Us?: number;
  decodeLinkUs?: number;
  burst?: { rawPerSec: number; monitorPerSec: number; monitorMinimalPerSec: number };
}

export interface RunLog {
  run: number;
  job: string;
  wallMs: number;
  load: string;
  ok: boolean;
}

export interface Report {
  meta: {
    date: string;
    command: string;
    kernel: string;
    cpu: string;
    node: string;
    commit: string;
    n: number;
    runs: number;
    reps: number;
    naddr: number;
    /** D1 TCP connections (2×nconn + 1 sockets); absent in reports from before D1. */
    nconn?: number;
    /** D2 conntrack entries; absent in reports from before D2. */
    nct?: number;
    quick: boolean;
    contextRuns: number;
    loadStart: string;
    loadEnd: string;
    totalSeconds: number;
    hostLinks: { before: number; after: number };
    missing: { name: string; why: string }[];
    failures: { job: string; run: number; error: string }[];
    /**
     * First-touch page fault cost, µs per 4 KiB page, measured before and after the run
     * (a fresh 64 MiB buffer written once per page; a second pass over the same pages for
     * comparison). Optional: reports written before it was measured lack it.
     */
    pageFault?: { startUs: number; endUs: number; retouchUs: number };
  };
  summary: Record<string, Record<string, Cell>>;
  targets: Target[];
  micro: MicroSummary | undefined;
  /** The request-path micro cases under `node --max-opt=1` (unoptimised tiers); absent in older reports. */
  microUnopt?: MicroSummary | undefined;
  monitor: Record<string, unknown>[] | undefined;
  log: RunLog[];
  records: Record<string, string | number>[];
}

interface Column {
  key: string;
  title: string;
}
const COLUMNS: Column[] = [
  { key: 'w1', title: 'W1 create /pair' },
  { key: 'w2', title: 'W2 delete one by one /pair' },
  { key: 'w2g', title: 'W2 delete by group /pair' },
  { key: 'w3', title: 'W3 one dump+decode of N+1 links' },
  { key: 'w4a', title: 'W4 add /addr' },
  { key: 'w4d', title: 'W4 one dump of all addrs' },
];

interface Row {
  label: string;
  impl: string;
  nlkit: boolean;
  cells: Partial<Record<string, string>>;
  /** Shorter labels for the plot's panels. */
  plot?: { w1?: string; w3?: string };
}
const STD = { w1: 'w1_create', w2: 'w2_delete', w3: 'w3_dump_links', w4a: 'w4_addr_add', w4d: 'w4_addr_dump' };
const ROWS: Row[] = [
  { label: '**nlkit** rt.link.add / list / del, rt.addr', impl: 'nlkit', nlkit: true, cells: STD, plot: { w1: 'nlkit rt.link.add (up inline)', w3: 'nlkit rt.link.list() (full decode)' } },
  { label: '**nlkit** W3 5 fields: rt.sock.dump + walkAttrs', impl: 'nlkit', nlkit: true, cells: { w3: 'w3_dump_links_brief' } },
  { label: '**nlkit** setupVeth() ³', impl: 'nlkit-setupveth', nlkit: true, cells: { w1: 'w1_create' } },
  { label: '**nlkit** setupVeth(), kept host handle ³', impl: 'nlkit-setupveth', nlkit: true, cells: { w1: 'w1_create_kept' } },
  { label: '**nlkit** setupVeth(), one queue per end (options.queues: 1) ³', impl: 'nlkit-setupveth', nlkit: true, cells: { w1: 'w1_create_1q' } },
  { label: '**nlkit** rt.link.addMany, rt.addr.addMany (batched)', impl: 'nlkit', nlkit: true, cells: { w1: 'w1_create_batch', w4a: 'w4_addr_add_batch' } },
  { label: '**nlkit** rt.link.del({ group })', impl: 'nlkit-groupdel', nlkit: true, cells: { w2g: 'w2_delete' } },
  { label: 'C libmnl seq, up inline', impl: 'c-libmnl-seq-upinline', nlkit: false, cells: STD },
  { label: 'C libmnl batch, up inline', impl: 'c-libmnl-batch-upinline', nlkit: false, cells: STD },
  { label: 'Node raw koffi send+recv, C seq\'s bytes (the Node floor) ⁴', impl: 'node-raw-koffi', nlkit: false, cells: { w1: 'w1_create', w4a: 'w4_addr_add' }, plot: { w1: 'Node raw koffi (C seq bytes)' } },
  { label: 'C libmnl setupveth_mnl ³', impl: 'c-libmnl-setupveth', nlkit: false, cells: { w1: 'w1_create' } },
  { label: 'C libmnl setupveth_mnl, no read-back ³', impl: 'c-libmnl-setupveth-noreadback', nlkit: false, cells: { w1: 'w1_create' } },
  { label: 'C libmnl setupveth_mnl --queues=1, a socket per pair ³', impl: 'c-libmnl-setupveth-1q', nlkit: false, cells: { w1: 'w1_create' } },
  { label: 'C libmnl setupveth_mnl, a socket per pair ³', impl: 'c-libmnl-setupveth-perpair', nlkit: false, cells: { w1: 'w1_create' } },
  { label: 'C libmnl setupveth_mnl, echoed create (2 sockets) ³', impl: 'c-libmnl-setupveth-echo', nlkit: false, cells: { w1: 'w1_create' } },
  { label: 'C libmnl batch, group delete ¹', impl: 'c-libmnl-batch-groupdel', nlkit: false, cells: { w1: 'w1_create', w2g: 'w2_delete', w3: 'w3_dump_links', w4a: 'w4_addr_add', w4d: 'w4_addr_dump' } },
  { label: 'C libmnl seq ¹', impl: 'c-libmnl-seq', nlkit: false, cells: STD },
  { label: 'C libmnl batch ¹', impl: 'c-libmnl-batch', nlkit: false, cells: STD },
  { label: 'Go vishvananda/netlink Handle ¹', impl: 'go-netlink-handle', nlkit: false, cells: STD },
  { label: 'Go vishvananda/netlink pkg funcs ¹', impl: 'go-netlink-pkg', nlkit: false, cells: STD },
  { label: 'Rust rtnetlink (up inline)', impl: 'rust-rtnetlink', nlkit: false, cells: STD },
  { label: 'Rust rtnetlink ¹', impl: 'rust-rtnetlink-upsep', nlkit: false, cells: STD },
  { label: 'npm netlink 0.3 (up inline)', impl: 'npm-netlink', nlkit: false, cells: STD },
  { label: 'pyroute2 ¹', impl: 'pyroute2', nlkit: false, cells: STD },
  { label: 'iproute2 ip -batch ¹ ²', impl: 'iproute2-batch', nlkit: false, cells: { ...STD, w3: 'w3_dump_links_batch', w4d: 'w4_addr_dump_batch' } },
];

function fmtUs(v: number): string {
  if (!Number.isFinite(v)) return '–';
  if (v >= 10_000) return v.toFixed(0);
  if (v >= 100) return v.toFixed(1);
  return v.toFixed(2);
}
const fmtRatio = (r: number | null): string => (r === null || !Number.isFinite(r) ? '–' : `${r.toFixed(2)}×`);
const mib = (kb: number | undefined): string => (kb === undefined ? '–' : (kb / 1024).toFixed(1));

function cellOf(r: Report, impl: string, op: string | undefined): Cell | undefined {
  return op ? r.summary[impl]?.[op] : undefined;
}

/**
 * Fastest peer (non-nlkit row) per column. Rows marked ³ (setupVeth's requests in the W1
 * column: other work per pair, some with one queue per end) are not W1 and never count.
 */
function fastestPeers(r: Report): Record<string, { label: string; v: number } | undefined> {
  const out: Record<string, { label: string; v: number } | undefined> = {};
  for (const col of COLUMNS) {
    for (const row of ROWS) {
      if (row.nlkit || row.label.includes('³')) continue;
      const c = cellOf(r, row.impl, row.cells[col.key]);
      if (c && (!out[col.key] || c.median < out[col.key]!.v)) out[col.key] = { label: row.label, v: c.median };
    }
  }
  return out;
}

/**
 * The setupVeth Node floor, round by round: per round (records of the same `run`), nlkit's
 * setupVeth against the raw-koffi program sending the C row's requests (bench/raw-koffi.ts
 * --work setupveth) and that program against C (setupveth_mnl --sockets=per-pair). '' when
 * the run has no floor records (reports from before it existed).
 */
function setupVethFloor(r: Report): string {
  const perRun = (impl: string): Map<number, number> => new Map(r.records.filter((x) => x['impl'] === impl && x['op'] === 'w1_create' && typeof x['per_op_us'] === 'number').map((x) => [Number(x['run']), x['per_op_us'] as number]));
  const nl = perRun('nlkit-setupveth'), fl = perRun('node-raw-koffi-setupveth'), c = perRun('c-libmnl-setupveth-perpair');
  const floor = r.summary['node-raw-koffi-setupveth']?.['w1_create'];
  const cMed = r.summary['c-libmnl-setupveth-perpair']?.['w1_create'];
  if (!floor || !cMed || fl.size === 0) return '';
  const range = (a: Map<number, number>, b: Map<number, number>): string => {
    const q = [...a.keys()].filter((k) => b.has(k)).map((k) => a.get(k)! / b.get(k)!);
    return q.length ? `${fmtRatio(Math.min(...q))} to ${fmtRatio(Math.max(...q))}` : '–';
  };
  return ` The Node floor of setupVeth (bench/raw-koffi.ts --work setupveth: the C row's requests, sockets and loop sent raw by koffi from a fresh Node process, no nlkit code) took ${fmtUs(floor.median)} µs per pair, ${fmtRatio(floor.median / cMed.median)} C's; round by round the floor was ${range(fl, c)} C and nlkit ${range(nl, fl)} the floor.`;
}

export function renderMarkdown(r: Report, svgName: string): string {
  const m = r.meta;
  const L: string[] = [];
  L.push('# nlkit benchmarks');
  L.push('');
  L.push(`\`${m.command}\` — ${m.date.slice(0, 16).replace('T', ' ')} UTC, nlkit ${m.commit}; Linux ${m.kernel}, ${m.cpu}, Node ${m.node}.`);
  L.push(`N = ${m.n} veth pairs (W3 dumps N+1 links), ${m.naddr} addresses (W4), dumps: median of ${m.reps} per run; ${m.runs} round${m.runs > 1 ? 's' : ''} interleaved across implementations${m.contextRuns < m.runs ? ` (pyroute2, iproute2, npm netlink and the micro, monitor and start-up benchmarks, which repeat inside: ${m.contextRuns})` : ''}, every run in a fresh \`unshare -n\` netns. Load average (1/5/15 min) at start ${m.loadStart}, at end ${m.loadEnd}; ${Math.round(m.totalSeconds)} s in all.`);
  if (m.pageFault) L.push(`First touch of a fresh page costs ${m.pageFault.startUs.toFixed(2)} µs per 4 KiB on this machine at the start of the run and ${m.pageFault.endUs.toFixed(2)} µs at the end (${m.pageFault.retouchUs.toFixed(3)} µs to write a page again; measured by the suite on a fresh 64 MiB buffer): memory a process touches for the first time — a Node process's heap while it grows, the kernel's new pages — is expensive here, which weighs on fresh-process rows.`);
  const peak = Math.max(...r.log.map((x) => Number(x.load.split(' ')[0])).filter(Number.isFinite), Number(m.loadStart.split(' ')[0]));
  const ncpu = Number(/(\d+) CPUs/.exec(m.cpu)?.[1] ?? 1);
  if (peak > ncpu) L.push(`\n**Busy machine:** the 1-minute load average reached ${peak.toFixed(1)} on ${ncpu} CPUs during this run (other work was running), so absolute times are inflated and noisier; implementations were interleaved, so ratios are less affected, but re-run on a quiet machine before trusting a close call.`);
  L.push('');
  L.push('## Targets (ratios to peers measured in the same run; medians over the rounds)');
  L.push('');
  L.push('| target | goal | nlkit µs | reference | ref µs | ratio | |');
  L.push('|---|---|--:|---|--:|--:|---|');
  for (const t of r.targets) {
    t.refs.forEach((ref, i) => {
      const verdict = i === 0 && t.limit !== null && ref.ratio !== null ? (ref.ratio <= t.limit ? '✅ met' : '❌ missed') : i === 0 && t.limit === null ? 'info' : '';
      L.push(`| ${i === 0 ? t.name : ''} | ${i === 0 ? t.goal : ''} | ${i === 0 && t.nlkit !== null ? fmtUs(t.nlkit) : ''} | ${ref.label} | ${ref.value !== null ? fmtUs(ref.value) : 'not run'} | ${fmtRatio(ref.ratio)} | ${verdict} |`);
    });
  }
  L.push('');
  L.push('The verdict is against the first reference of each target (the like-for-like one); the others are for context.');
  L.push('');
  L.push('## All workloads (median µs; in parentheses the ratio to the fastest peer of the column)');
  L.push('');
  const fastest = fastestPeers(r);
  L.push(`| implementation | ${COLUMNS.map((c) => c.title).join(' | ')} | peak RSS MiB |`);
  L.push(`|---|${COLUMNS.map(() => '--:').join('|')}|--:|`);
  for (const row of ROWS) {
    const cells = COLUMNS.map((col) => {
      const c = cellOf(r, row.impl, row.cells[col.key]);
      if (!c) return '';
      const f = fastest[col.key];
      return `${fmtUs(c.median)}${f ? ` (${fmtRatio(c.median / f.v)})` : ''}`;
    });
    if (cells.every((c) => c === '')) continue;
    const ops = r.summary[row.impl] ?? {};
    const rss = row.nlkit
      ? Math.max(...Object.entries(ops).filter(([op]) => Object.values(row.cells).includes(op)).map(([, c]) => c.maxrssKb ?? 0))
      : ops['process']?.maxrssKb;
    L.push(`| ${row.label} | ${cells.join(' | ')} | ${rss ? mib(rss) : '–'} |`);
  }
  L.push('');
  L.push('Fastest peer per column: ' + COLUMNS.map((c) => `${c.title}: ${fastest[c.key] ? `${fastest[c.key]!.label.replace(/ [¹²³]+/g, '')} ${fmtUs(fastest[c.key]!.v)} µs` : '–'}`).join('; ') + '.');
  L.push('');
  L.push('⁴ bench/raw-koffi.ts: a fresh Node process sends the C seq peer\'s request bytes with koffi `send` and reads each ACK with `recv` (nlkit\'s syscall bindings only); W4 first (on d0, as C after its deletes), then W1. ¹ up set in a second request (LinkSetUp / `ip link set up`); C "group delete" also creates in batch with IFLA_GROUP. ² iproute2 dumps: amortized inside one `ip -batch` (text output included); see the JSON for one `ip` process per dump. ³ W1 column, but setupVeth\'s work per pair: MTU and MAC in the create, and the peer set up from its own netns, which turns carrier on at both ends (linkwatch, IPv6 addrconf) — more kernel work than W1, where the peer stays down; setupveth_mnl (bench/c) sends the same requests as setupVeth from C.');
  L.push('W1–W3 and W4 are the workloads of ../shared/peers: W1 creates a<i>/b<i> with b<i> born in a second netns (IFLA_NET_NS_FD in VETH_INFO_PEER) and a<i> up; W3 is one RTM_GETLINK dump (C decodes 5 fields: index, name, MTU, MAC, operstate; Go, Rust, pyroute2, npm netlink and nlkit `rt.link.list()` decode everything); W2 deletes by name; W4 adds /32s to one veth end and dumps AF_INET addresses. nlkit awaits each request (one request in flight), as C seq does.');
  L.push('');

  renderD1(r, L);
  renderD2(r, L);

  // Diagnostics: nlkit against raw syscalls from the same process.
  const nk = r.summary['nlkit'] ?? {};
  const sv = r.summary['nlkit-setupveth'] ?? {};
  const ab = (a: string, b: string, label: string): string | undefined => {
    const x = nk[a], y = nk[b];
    return x && y ? `| ${label} | ${fmtUs(x.median)} | ${fmtUs(y.median)} | ${(x.median - y.median >= 0 ? '+' : '') + fmtUs(x.median - y.median)} (${fmtRatio(x.median / y.median)}) |` : undefined;
  };
  const abRows = [ab('ab_w1_nlkit', 'ab_w1_raw', 'W1 create a veth pair (peer in netns 2, up inline)'), ab('ab_w4_nlkit', 'ab_w4_raw', 'W4 add a /32')].filter((x): x is string => !!x);
  if (abRows.length || sv['w1_peerup']) {
    L.push('## Where the time goes (diagnostics)');
    L.push('');
    if (abRows.length) {
      L.push('Same process, alternating request by request after a warm-up: nlkit against the same request as hand-built bytes sent with koffi `send` + `recv` (no nlkit code); median per request. The difference is nlkit\'s own cost per request; the rest of any gap to C is the kernel serving a Node process, JIT warm-up and pauses (the workload rows above are totals / N, like the peers\').');
      L.push('');
      L.push('| request | nlkit µs | raw koffi µs | nlkit − raw |');
      L.push('|---|--:|--:|--:|');
      L.push(...abRows);
      L.push('');
    }
    const s1 = sv['w1_create'], sk = sv['w1_create_kept'], s2 = sv['w1_peerup'];
    if (s1 && s2) {
      // What a handle costs by itself is measured in the micro table; the difference of
      // two workload medians is not (this machine's noise is larger than a handle).
      const hOpen = r.micro?.cases.find((c) => c.name.startsWith('Rtnl.open({ netns })'))?.nsPerOp;
      const own = hOpen !== undefined ? `; opening and closing a handle in another netns costs ${fmtUs(hOpen / 1000)} µs by itself in a warm process (micro table); what is left of the difference is the same work done unoptimised and cold in a fresh process, once per call (\`node dist/bench/request-phases.js --only setupveth,setupveth-kept\` times the phases of both)` : '';
      const kept = !sk ? '' : sk.median < s1.median
        ? `; with a kept host handle ${fmtUs(sk.median)} µs, ${fmtUs(s1.median - sk.median)} µs less${hOpen !== undefined && s1.median - sk.median > hOpen / 1000 ? own : ''}`
        : `; with a kept host handle ${fmtUs(sk.median)} µs — not faster, so this run's noise exceeds the cost of opening a handle${hOpen !== undefined ? ` (${fmtUs(hOpen / 1000)} µs in the micro table)` : ''}`;
      L.push(`setupVeth ${fmtUs(s1.median)} µs per pair${kept}; the kernel part alone (rt.link.add, then the peer set up through a handle kept in its netns, no read-back) ${fmtUs(s2.median)} µs. The rest is the read-back (a GETLINK of the host end, which also gives the container end's index; one of the container end when the kernel chose its MAC) and nlkit's per-request cost. C's W1 leaves the peer down, so it has none of the carrier-up/addrconf work; setupveth_mnl does the same work as setupVeth.${setupVethFloor(r)}`);
      L.push('');
    }
  }

  // Memory.
  L.push('## Memory: peak RSS (MiB)');
  L.push('');
  const nl = r.summary['nlkit'] ?? {};
  const memRows: [string, Cell | undefined][] = [
    ['baseline: node + nlkit loaded, one handle, one GETLINK', nl['idle']],
    [`W1 create ${m.n} pairs`, nl['w1_create']],
    [`W3 full decode (rt.link.list), ${m.reps} dumps of ${m.n + 1} links`, nl['w3_dump_links']],
    [`W3 5-field decode, ${m.reps} dumps`, nl['w3_dump_links_brief']],
    [`W2 delete ${m.n} one by one`, nl['w2_delete']],
    [`W4 ${m.naddr} adds + ${m.reps} dumps`, nl['w4_addr_add']],
    [`setupVeth × ${m.n}`, r.summary['nlkit-setupveth']?.['w1_create']],
    [`setupVeth × ${m.n}, kept host handle`, r.summary['nlkit-setupveth']?.['w1_create_kept']],
    ['delete by group', r.summary['nlkit-groupdel']?.['w2_delete']],
  ];
  L.push('Each nlkit workload runs in its own node process (`process.resourceUsage().maxRSS`); peers: the whole program (GNU time), all workloads in one process.');
  L.push('');
  L.push('| nlkit workload | peak RSS |');
  L.push('|---|--:|');
  for (const [label, c] of memRows) if (c?.maxrssKb) L.push(`| ${label} | ${mib(c.maxrssKb)} |`);
  const peerRss = ROWS.filter((row) => !row.nlkit).map((row) => [row.label, r.summary[row.impl]?.['process']?.maxrssKb] as const).filter(([, v]) => v);
  if (peerRss.length) L.push(`\nPeers, whole program: ${peerRss.map(([l, v]) => `${l.replace(/ [¹²³]+/g, '')} ${mib(v)}`).join('; ')}.`);
  L.push('');

  // Micro.
  if (r.micro) {
    L.push(`## Encoder / decoder micro-benchmarks (bench/netlink-micro, median of ${r.micro.runs} run${r.micro.runs > 1 ? 's' : ''})`);
    L.push('');
    const un = r.microUnopt;
    L.push(un ? '| case | ns/msg | ns/msg unoptimised † | heap bytes allocated/msg |' : '| case | ns/msg | heap bytes allocated/msg |');
    L.push(un ? '|---|--:|--:|--:|' : '|---|--:|--:|');
    for (const c of r.micro.cases) {
      const u = un?.cases.find((x) => x.name === c.name);
      const uCol = un ? ` ${u ? `${u.nsPerOp.toFixed(0)} (${(u.nsPerOp / c.nsPerOp).toFixed(1)}×)` : '–'} |` : '';
      L.push(`| ${c.name} | ${c.nsPerOp.toFixed(0)} |${uCol} ${c.bytesPerOp === null ? '?' : c.bytesPerOp.toFixed(1)} |`);
    }
    L.push('');
    L.push('Allocation target on the encode path: 0 bytes per message in steady state.');
    const g = r.micro.getlink;
    if (g) L.push(`GETLINK round trip: NetlinkSocket.request ${g.nlkitUs.toFixed(2)} µs, raw koffi send+recv ${g.rawUs.toFixed(2)} µs → ${g.ratio.toFixed(2)}× (${g.nlkitAlloc}).`);
    const gu = un?.getlink;
    if (gu) L.push(`GETLINK round trip, unoptimised †: NetlinkSocket.request ${gu.nlkitUs.toFixed(2)} µs, raw koffi send+recv ${gu.rawUs.toFixed(2)} µs → ${gu.ratio.toFixed(2)}×.`);
    if (un) L.push(`† The same case in a second process run as \`node --max-opt=1\` (median of ${un.runs} run${un.runs > 1 ? 's' : ''}; in brackets, times the optimised figure): the flag stops V8 at Sparkplug, the faster of its two unoptimised tiers (Ignition first, then Sparkplug). V8 optimises a function only once it has executed enough bytecode (an interrupt budget spent several times over, not a fixed call count), and during W1's 1000 creates V8 optimised some of nlkit's small functions but not rt.link.add's main ones (add, prepareSpec, transact, drainLoop; \`node dist/bench/request-phases.js --trace-opt --n 1000\`, bench/results/trace-opt-2026-12-01.txt), so a program making that many requests or fewer — a CNI plugin, or the W1, W4 and setupVeth workloads of N = 1000 above, each in a fresh process — runs nlkit's request code at these speeds, not at the optimised ones of the first column.`);
    L.push('');
  }
  if (r.monitor && r.monitor.length) {
    const runs = r.monitor as unknown as MonitorRun[];
    const med = (f: (x: MonitorRun) => number | undefined): number => {
      const xs = runs.map(f).filter((x): x is number => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
      return xs.length === 0 ? NaN : xs.length % 2 ? xs[xs.length >> 1]! : (xs[xs.length / 2 - 1]! + xs[xs.length / 2]!) / 2;
    };
    L.push(`## Monitor latency (bench/monitor-latency, median of ${runs.length} run${runs.length > 1 ? 's' : ''})`);
    L.push('');
    L.push('Kernel change (link MTU set by this process) → event in the consumer\'s hands, µs; burst: events/s when the events are already queued.');
    L.push('');
    L.push('| consumer | median µs | p99 µs | burst events/s |');
    L.push('|---|--:|--:|--:|');
    L.push(`| raw poll + recv on the same socket setup (floor) | ${med((x) => x.raw?.median).toFixed(2)} | ${med((x) => x.raw?.p99).toFixed(2)} | ${Math.round(med((x) => x.burst?.rawPerSec))} |`);
    L.push(`| rt.monitor(), events decoded with decodeLink | ${med((x) => x.monitor?.median).toFixed(2)} | ${med((x) => x.monitor?.p99).toFixed(2)} | ${Math.round(med((x) => x.burst?.monitorPerSec))} |`);
    L.push(`| rt.monitor(), minimal decoder (the monitor's own cost) | ${med((x) => x.monitorMinimal?.median).toFixed(2)} | ${med((x) => x.monitorMinimal?.p99).toFixed(2)} | ${Math.round(med((x) => x.burst?.monitorMinimalPerSec))} |`);
    L.push('');
    L.push(`Overhead over the floor: median +${med((x) => x.overheadMedianUs).toFixed(2)} µs, p99 +${med((x) => x.overheadP99Us).toFixed(2)} µs (bench/monitor-latency's target: median ≤ +10 µs); decodeLink alone ${med((x) => x.decodeLinkUs).toFixed(2)} µs per event.`);
    L.push('');
  }
  const su = r.summary['startup'];
  if (su && su['node_e0']) {
    const ms = (c: Cell | undefined): string => (c ? (c.median / 1000).toFixed(1) : 'not run');
    const k = su['node_e0'].n;
    L.push(`## Start-up: a new process per call (bench/startup.ts, median of ${k} processes each, interleaved)`);
    L.push('');
    L.push('A CNI runtime starts its plugin anew for every container ADD and DEL, so there the process start is most of the wait. Milliseconds, wall time of the whole process seen from its parent unless the row says otherwise.');
    L.push('');
    L.push('| case | ms |');
    L.push('|---|--:|');
    L.push(`| \`node -e 0\`: Node's own start, the floor of every Node row | ${ms(su['node_e0'])} |`);
    L.push(`| \`await import()\` of the package entry, the bundle dist/nlkit.js (koffi and Node built-ins included), inside the process | ${ms(su['import_bundle'])} |`);
    L.push(`| the same, of tsc's module tree dist/src/index.js (a file per source module) | ${ms(su['import_tree'])} |`);
    if (su['import_bundle_2byte']) L.push(`| the same, of a copy of the bundle with one '—' in a comment (V8 then holds the whole source two bytes per character; scripts/bundle.mjs makes the bundle's comments ASCII) | ${ms(su['import_bundle_2byte'])} |`);
    L.push(`| whole process: node, import of the bundle, exit | ${ms(su['proc_bundle'])} |`);
    L.push(`| whole process: node, import of the module tree, exit | ${ms(su['proc_tree'])} |`);
    const ratio = (a: string, b: string): string => (su[a] && su[b] ? ` (${fmtRatio(su[a]!.median / su[b]!.median)} Go ptp)` : '');
    // The plugin files' sizes (bytes= on the ADD records, bench/startup.ts).
    const size = (op: string): string => {
      const b = r.records.find((x) => x['impl'] === 'startup' && x['op'] === op && typeof x['bytes'] === 'number')?.['bytes'];
      return typeof b === 'number' ? `${(b / 1024).toFixed(0)} KiB` : '';
    };
    L.push(`| CNI ADD, nlkit-ptp as shipped (dist/nlkit-ptp.js, bundled and minified${size('cni_add_nlkit') && `, ${size('cni_add_nlkit')}`}) | ${ms(su['cni_add_nlkit'])}${ratio('cni_add_nlkit', 'cni_add_go')} |`);
    L.push(`| CNI DEL, nlkit-ptp as shipped | ${ms(su['cni_del_nlkit'])}${ratio('cni_del_nlkit', 'cni_del_go')} |`);
    if (su['cni_add_nlkit_unminified']) {
      L.push(`| CNI ADD, nlkit-ptp bundled the same way but not minified${size('cni_add_nlkit_unminified') && ` (${size('cni_add_nlkit_unminified')})`} | ${ms(su['cni_add_nlkit_unminified'])}${ratio('cni_add_nlkit_unminified', 'cni_add_go')} |`);
      L.push(`| CNI DEL, nlkit-ptp not minified | ${ms(su['cni_del_nlkit_unminified'])}${ratio('cni_del_nlkit_unminified', 'cni_del_go')} |`);
    }
    L.push(`| CNI ADD, nlkit-ptp from tsc's module tree | ${ms(su['cni_add_nlkit_tree'])}${ratio('cni_add_nlkit_tree', 'cni_add_go')} |`);
    L.push(`| CNI DEL, nlkit-ptp from tsc's module tree | ${ms(su['cni_del_nlkit_tree'])}${ratio('cni_del_nlkit_tree', 'cni_del_go')} |`);
    L.push(`| CNI ADD, reference ptp (Go, containernetworking/plugins) | ${ms(su['cni_add_go'])} |`);
    L.push(`| CNI DEL, reference ptp (Go) | ${ms(su['cni_del_go'])} |`);
    if (su['cni_add_bridge_nlkit']) {
      const bratio = (a: string, b: string): string => (su[a] && su[b] ? ` (${fmtRatio(su[a]!.median / su[b]!.median)} Go bridge)` : '');
      L.push(`| CNI ADD, nlkit-bridge as shipped (dist/nlkit-bridge.js; bridge with its gateway already there) | ${ms(su['cni_add_bridge_nlkit'])}${bratio('cni_add_bridge_nlkit', 'cni_add_bridge_go')} |`);
      L.push(`| CNI DEL, nlkit-bridge as shipped | ${ms(su['cni_del_bridge_nlkit'])}${bratio('cni_del_bridge_nlkit', 'cni_del_bridge_go')} |`);
      if (su['cni_add_bridge_go']) {
        L.push(`| CNI ADD, reference bridge (Go) | ${ms(su['cni_add_bridge_go'])} |`);
        L.push(`| CNI DEL, reference bridge (Go) | ${ms(su['cni_del_bridge_go'])} |`);
      }
    }
    L.push('');
    const diff = su['cni_add_nlkit'] && su['proc_bundle'] ? (su['cni_add_nlkit'].median - su['proc_bundle'].median) / 1000 : undefined;
    const work = diff === undefined ? ''
      : diff > 0 ? ` nlkit-ptp's ADD took ${diff.toFixed(1)} ms more than a process that only imports the bundle: that is its work (the IPAM plugin's run included); the rest is the start of Node and the import.`
        : ` nlkit-ptp's ADD took no longer than a process that only imports the bundle (${(-diff).toFixed(1)} ms less, the noise of these medians): its work (the IPAM plugin's run included) is lost in that noise; the time is the start of Node and the import.`;
    L.push(`The CNI rows are one ADD then its DEL of the same ptp configuration (host-local IPAM, one IPv4 range, a default route; the IPAM plugin is Go's host-local for both), container netns held by a child process; the bridge rows the same with a bridge configuration (isGateway).${work}`);
    L.push('');
  }
  L.push('## Plot');
  L.push('');
  L.push(`![W1 µs per pair and W3 µs per link by implementation](${svgName})`);
  L.push('');
  L.push('## Run log');
  L.push('');
  if (m.missing.length) L.push(`Not run (missing): ${m.missing.map((x) => `${x.name} (${x.why})`).join('; ')}.`);
  if (m.failures.length) L.push(`Failures: ${m.failures.map((f) => `${f.job} round ${f.run}: ${f.error}`).join('; ')}.`);
  if (m.hostLinks.before !== m.hostLinks.after) L.push(`WARNING: host link count changed ${m.hostLinks.before} → ${m.hostLinks.after}.`);
  L.push('');
  L.push('| round | program | wall s | load at start |');
  L.push('|--:|---|--:|---|');
  for (const x of r.log) L.push(`| ${x.run} | ${x.job}${x.ok ? '' : ' (failed)'} | ${(x.wallMs / 1000).toFixed(1)} | ${x.load} |`);
  L.push('');
  return L.join('\n');
}

const D1_COLUMNS = [
  { op: 'd1_tcp_dump', title: 'no extension' },
  { op: 'd1_tcp_dump_info', title: 'tcp_info (INET_DIAG_INFO)' },
  { op: 'd1_tcp_dump_all', title: 'every extension' },
];
const D1_ROWS: { impl: string; label: string; suffix?: string }[] = [
  { impl: 'nlkit-diag', label: '**nlkit** `diag.inet({ family: 4, extensions })`: `[]`, `[\'info\']`, default (all); fresh process' },
  { impl: 'nlkit-diag', label: '**nlkit**, warm: the same series again in the same process', suffix: '_warm' },
  { impl: 'c-libmnl-diag', label: 'C libmnl diag_mnl (bench/c)' },
  { impl: 'go-netlink-diag', label: 'Go vishvananda/netlink SocketDiagTCP, SocketDiagTCPInfo ⁵' },
  { impl: 'pyroute2-diag', label: 'pyroute2 DiagSocket.get_sock_stats' },
  { impl: 'iproute2-ss', label: '`ss -4 -tan`, `ss -4 -tanei -m`: whole process ⁶' },
];

/** D1, socket diagnostics: one IPv4 TCP dump + decode per implementation and request, ratios to C. */
function renderD1(r: Report, L: string[]): void {
  const c = r.summary['c-libmnl-diag'] ?? {};
  if (!D1_ROWS.some((row) => r.summary[row.impl])) return;
  const n = D1_ROWS.map((row) => D1_COLUMNS.map((col) => r.summary[row.impl]?.[col.op]?.n)).flat().find((x) => x !== undefined && x > 1);
  L.push(`## D1 socket diagnostics: one IPv4 TCP dump + decode of ${n ?? '?'} sockets (median µs; in parentheses the ratio to C libmnl of the column)`);
  L.push('');
  L.push(`| implementation | ${D1_COLUMNS.map((col) => col.title).join(' | ')} |`);
  L.push(`|---|${D1_COLUMNS.map(() => '--:').join('|')}|`);
  for (const row of D1_ROWS) {
    const ops = r.summary[row.impl];
    if (!ops) continue;
    const cells = D1_COLUMNS.map((col) => {
      const v = ops[`${col.op}${row.suffix ?? ''}`];
      if (!v) return '';
      const ref = c[col.op];
      return `${fmtUs(v.median)}${ref && row.impl !== 'c-libmnl-diag' ? ` (${fmtRatio(v.median / ref.median)})` : ''}`;
    });
    if (cells.some((x) => x !== '')) L.push(`| ${row.label} | ${cells.join(' | ')} |`);
  }
  L.push('');
  L.push(`${r.meta.nconn ?? '?'} TCP connections over loopback in a fresh netns (lo up), made and held open by one helper process (bench/diag.ts hold): both ends of each and the listener. Each program runs in its own netns with its own sockets, one socket opened once (Go's package functions open one per dump), its requests alternating dump by dump; every state asked for. Every extension is what \`diag.inet()\` asks by default (MEMINFO, INFO, VEGASINFO, CONG, TOS, TCLASS, SKMEMINFO, SHUTDOWN); C copies each attribute out, nlkit decodes it all (tcp_info's u64 as bigint). C keeps addresses as bytes; nlkit, Go and pyroute2 make address objects or strings. ⁵ SocketDiagTCP asks the kernel for INET_DIAG_INFO and VEGASINFO too (the library's fixed request) and decodes only the basics. ⁶ \`ss\` timed by diag_mnl --exec (posix_spawn to waitpid, output to /dev/null): its start, the dump, formatting and writing every line; \`-tanei -m\` asks MEMINFO, INFO, VEGASINFO, CONG and SKMEMINFO (not TOS, TCLASS, SHUTDOWN).`);
  L.push('');
}

const D2_COLUMNS = [
  { op: 'd2_ct_create', title: 'create /entry' },
  { op: 'd2_ct_dump', title: 'one dump + decode of the table' },
  { op: 'd2_ct_delete', title: 'delete /entry' },
];
const D2_ROWS: { impl: string; label: string; ops?: Partial<Record<string, string>> }[] = [
  { impl: 'nlkit-ct', label: '**nlkit** `ct.add()`, `ct.list()`, `ct.del()`; fresh process' },
  { impl: 'nlkit-ct', label: '**nlkit**, warm: the dumps again in the same process', ops: { d2_ct_dump: 'd2_ct_dump_warm' } },
  { impl: 'c-libmnl-ct', label: 'C libmnl ct_mnl (bench/c)' },
  { impl: 'c-libmnl-ct', label: 'C libmnl ct_mnl, the dump of the empty table (the kernel\'s floor) ⁷', ops: { d2_ct_dump: 'd2_ct_dump_empty' } },
  { impl: 'go-netlink-ct', label: 'Go vishvananda/netlink Handle.ConntrackTableList; ConntrackDeleteFilter ⁸', ops: { d2_ct_dump: 'd2_ct_dump', d2_ct_delete: 'd2_ct_delete_filter' } },
  { impl: 'pyroute2-ct', label: 'pyroute2 Conntrack: entry(\'add\'), dump_entries(), entry(\'del\')' },
  { impl: 'conntrack-tool', label: '`conntrack -L`: whole process ⁹' },
];

/** D2, connection tracking: create, one dump + decode, delete per implementation, ratios to C. */
function renderD2(r: Report, L: string[]): void {
  const c = r.summary['c-libmnl-ct'] ?? {};
  if (!D2_ROWS.some((row) => r.summary[row.impl])) return;
  const n = D2_ROWS.map((row) => D2_COLUMNS.map((col) => r.summary[row.impl]?.[col.op]?.n)).flat().find((x) => x !== undefined && x > 0);
  const floor = c['d2_ct_dump_empty'];
  L.push(`## D2 connection tracking: ${n ?? r.meta.nct ?? '?'} entries created one by one, one dump + decode of the table, deleted one by one (median µs; in parentheses the ratio to C libmnl of the column)`);
  L.push('');
  L.push(`| implementation | ${D2_COLUMNS.map((col) => col.title).join(' | ')} | dump over the floor ⁷ |`);
  L.push(`|---|${D2_COLUMNS.map(() => '--:').join('|')}|--:|`);
  for (const row of D2_ROWS) {
    const ops = r.summary[row.impl];
    if (!ops) continue;
    const opOf = (op: string): string | undefined => (row.ops ? row.ops[op] : op);
    const isRef = (op: string): boolean => row.impl === 'c-libmnl-ct' && opOf(op) === op;
    const cells = D2_COLUMNS.map((col) => {
      const key = opOf(col.op);
      const v = key ? ops[key] : undefined;
      if (!v) return '';
      const ref = c[col.op];
      return `${fmtUs(v.median)}${ref && !isRef(col.op) ? ` (${fmtRatio(v.median / ref.median)})` : ''}`;
    });
    const dumpKey = opOf('d2_ct_dump');
    const d = dumpKey && dumpKey !== 'd2_ct_dump_empty' ? ops[dumpKey] : undefined;
    const over = d && floor ? d.median - floor.median : undefined;
    // No ratio: for C this is the difference of two close medians, mostly noise.
    const overCell = over === undefined ? '' : fmtUs(over);
    if (cells.some((x) => x !== '')) L.push(`| ${row.label} | ${cells.join(' | ')} | ${overCell} |`);
  }
  L.push('');
  L.push(`${r.meta.nct ?? n ?? '?'} UDP IPv4 entries, 198.18.0.1:(1024+i) → 198.19.0.1:53, the reply the original inverted, timeout 3600 s, in a fresh netns per program. nlkit, C and pyroute2 make them themselves, one request and its ACK at a time, dump the table (one socket opened once; every entry decoded) and delete them one at a time by the original tuple; Go and \`conntrack -L\` dump a table bench/conntrack.ts hold filled the same way. nlkit and C ask the dump for AF_UNSPEC (what \`ct.list()\` sends), Go and pyroute2 for AF_INET (the same entries). ⁷ The kernel walks every bucket of its conntrack hash table (one table for all netns, nf_conntrack_buckets) in every dump, whatever the netns holds: C's dump of the still empty table, in the same process before the creates, is that floor, so the dump column's ratios are close to 1 by construction; the last column is each dump's median less that floor's (the decode and the entries' share of the kernel's work; a difference of two medians, so noisy, and shown without a ratio). ⁸ Vishvananda/netlink 1.1.0 has no ConntrackCreate or per-entry ConntrackDelete; its ConntrackDeleteFilter (with a filter matching every entry) is one dump, then a DELETE + ACK per entry, shown per entry in the delete column. ConntrackTableList decodes the tuples, mark and timeout (it skips status, id, use and protoinfo). ⁹ \`conntrack -L\` timed by ct_mnl --exec (posix_spawn to waitpid, output to /dev/null): its start, the dump, formatting and writing every line.`);
  L.push('');
}

// ------------------------------------------------------------------ SVG

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Two panels of horizontal bars on a log scale: W1 µs per pair, W3 µs per link. */
export function renderSvg(r: Report): string {
  const panels: { title: string; bars: { label: string; v: number; nlkit: boolean }[] }[] = [
    { title: 'W1 create: µs per veth pair', bars: [] },
    { title: `W3 dump + decode: µs per link (${r.meta.n + 1} links)`, bars: [] },
  ];
  for (const row of ROWS) {
    const w1 = cellOf(r, row.impl, row.cells['w1']);
    if (w1) panels[0]!.bars.push({ label: row.plot?.w1 ?? row.label.replace(/\*\*/g, '').replace(/ [¹²³]+/g, ''), v: w1.median, nlkit: row.nlkit });
    const w3 = cellOf(r, row.impl, row.cells['w3']);
    if (w3) panels[1]!.bars.push({ label: row.plot?.w3 ?? row.label.replace(/\*\*/g, '').replace(/ [¹²³]+/g, ''), v: w3.median / w3.n, nlkit: row.nlkit });
  }
  for (const p of panels) p.bars.sort((a, b) => a.v - b.v);
  const W = 900, labelW = 330, barW = W - labelW - 90, rowH = 20, top = 50;
  let y = top;
  const parts: string[] = [];
  for (const p of panels) {
    if (p.bars.length === 0) continue;
    const vals = p.bars.map((b) => b.v);
    const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...vals)))), hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...vals))));
    const x = (v: number): number => labelW + (barW * Math.log10(v / lo)) / Math.log10(hi / lo);
    parts.push(`<text x="10" y="${y}" font-weight="bold">${esc(p.title)} (log scale; shorter is faster)</text>`);
    y += 12;
    const y0 = y;
    for (const b of p.bars) {
      const w = Math.max(1, x(b.v) - labelW);
      parts.push(`<text x="${labelW - 8}" y="${y + 14}" text-anchor="end">${esc(b.label)}</text>`);
      parts.push(`<rect x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="${b.nlkit ? '#d9480f' : '#4c6ef5'}"/>`);
      parts.push(`<text x="${(labelW + w + 5).toFixed(1)}" y="${y + 14}">${fmtUs(b.v)}</text>`);
      y += rowH;
    }
    for (let d = lo; d <= hi * 1.0001; d *= 10) {
      const gx = x(d).toFixed(1);
      parts.push(`<line x1="${gx}" y1="${y0}" x2="${gx}" y2="${y}" stroke="#ccc" stroke-dasharray="2,3"/>`);
      parts.push(`<text x="${gx}" y="${y + 13}" text-anchor="middle" fill="#666">${d >= 1 ? d.toFixed(0) : d.toString()} µs</text>`);
    }
    y += 45;
  }
  const H = y;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="10" y="22" font-size="14">nlkit vs peers — N=${r.meta.n}, medians of ${r.meta.runs} round(s), ${esc(r.meta.kernel)}, ${esc(r.meta.cpu)} (nlkit in orange)</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
