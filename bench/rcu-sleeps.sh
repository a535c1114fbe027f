#!/bin/sh
# Where a veth create sleeps: runs one bench/warmup.ts child (raw koffi, C's W1 request
# bytes, default queues) under `perf record -e sched:sched_switch -g` in a throwaway netns
# and counts the main process's switches out, those inside synchronize_rcu_expedited(),
# and those of them under sendto; then prints one such stack.
#
#   npm run build && sh bench/rcu-sleeps.sh [N] [MODE]   (as root; needs perf; N pairs, default 1000; MODE default raw)
set -eu
n=${1:-1000}
mode=${2:-raw}
here=$(dirname "$0")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
PBENCH_HOST_NETNS=$(readlink /proc/self/ns/net) unshare -n -- perf record -q -o "$tmp/perf.data" -e sched:sched_switch -g -- \
  node "$here/../dist/bench/warmup.js" child "$mode" --n "$n" >"$tmp/child.json"
echo "# sh bench/rcu-sleeps.sh $n $mode: $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -r), $(nproc) CPUs, Node $(node -v)"
echo "child: $(cat "$tmp/child.json")"
perf script -i "$tmp/perf.data" 2>/dev/null | awk -v n="$n" 'BEGIN { RS = "" }
  /prev_comm=node/ { all++; if (/synchronize_rcu_expedited/) { rcu++; if (/sendto/) send++ } }
  END { printf "%d pairs: the node process switched out %d times, %d of them in synchronize_rcu_expedited() (%.2f per pair), %d of those under sendto\n", n, all, rcu, rcu / n, send }'
echo "one of those stacks:"
perf script -i "$tmp/perf.data" 2>/dev/null | awk 'BEGIN { RS = "" } /prev_comm=node/ && /synchronize_rcu_expedited/ { print; exit }'
