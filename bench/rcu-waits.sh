#!/bin/sh
# How long a W1 veth create's expedited RCU waits take, and why, for C and for Node.
#
# Each create sleeps twice in synchronize_rcu_expedited() (bench/rcu-sleeps.sh). This runs
# W1 as the C libmnl peer (bench/.peers/bench_mnl --mode=seq, the W1 rows' C), as raw koffi
# with C's bytes (bench/warmup.ts mode raw, the "Node floor") and as nlkit's rt.link.add in
# a fresh process (warmup.ts mode fresh), each in its own throwaway netns under
# `perf record -a -e sched:sched_switch -e sched:sched_waking -g`, rounds alternating.
# For every sleep of the program in synchronize_rcu_expedited() under veth_newlink it takes
# the time from the switch out to the sched_waking of the sleeper, and whether the waker
# (the grace-period worker, rcu_exp_gp_kthread_worker) ran on the sleeper's CPU ("same")
# or the other ("cross": on a VM, waking a halted vCPU costs more). Means in µs.
#
#   npm run build && sh bench/rcu-waits.sh [N] [ROUNDS]   (as root; needs perf and bench/peers.sh c; default 1000 pairs, 3 rounds)
set -eu
n=${1:-1000}
rounds=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
mnl="$here/.peers/bench_mnl"
[ -x "$mnl" ] || { echo "rcu-waits: $mnl not built (sh bench/peers.sh c)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
host=$(readlink /proc/self/ns/net)
echo "# sh bench/rcu-waits.sh $n $rounds: $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -r), $(nproc) CPUs, Node $(node -v), cpuidle $(cat /sys/devices/system/cpu/cpuidle/current_driver 2>/dev/null || echo none)"
echo "mode   round  per-pair-us  waits/pair  cross%  same-mean-us  cross-mean-us  rcu-sleep-us/pair"
for r in $(seq 1 "$rounds"); do
	for mode in c raw fresh; do
		case $mode in
		c) cmd="$mnl --mode=seq --n=$n --reps=1 --naddr=10 --del=group --impl=c" comm=bench_mnl ;;
		*) cmd="node $here/../dist/bench/warmup.js child $mode --n $n" comm=node ;;
		esac
		PBENCH_HOST_NETNS=$host unshare -n -- perf record -a -q -o "$tmp/perf.data" -e sched:sched_switch -e sched:sched_waking -g -- $cmd >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
		# The run's own per-pair time: the C peer's W1 RESULT line, warmup.ts's JSON.
		if [ $mode = c ]; then
			us=$(awk '/op=w1_create/ { for (i = 1; i <= NF; i++) if ($i ~ /^per_op_us=/) { sub(/per_op_us=/, "", $i); print $i } }' "$tmp/out")
		else
			us=$(sed -n 's/.*"us":\([0-9.]*\).*/\1/p' "$tmp/out")
		fi
		perf script -i "$tmp/perf.data" 2>/dev/null | awk -v comm="$comm" -v n="$n" -v mode="$mode" -v round="$r" -v us="$us" '
			BEGIN { RS = "" }
			{
				split($0, lines, "\n"); h = lines[1]
				if (!match(h, /\[[0-9]+\]/)) next
				cpu = substr(h, RSTART + 1, RLENGTH - 2) + 0
				if (!match(h, / [0-9]+\.[0-9]+: /)) next
				t = substr(h, RSTART + 1, RLENGTH - 3) + 0
				if (h ~ /sched:sched_switch:/) {
					if (h ~ ("prev_comm=" comm " ") && $0 ~ /synchronize_rcu_expedited/ && $0 ~ /veth_newlink/) {
						match(h, /prev_pid=[0-9]+/); pid = substr(h, RSTART + 9, RLENGTH - 9)
						since[pid] = t; on[pid] = cpu
					}
				} else if (h ~ /sched:sched_waking:/) {
					match(h, / pid=[0-9]+/); pid = substr(h, RSTART + 5, RLENGTH - 5)
					if (pid in since) {
						d = (t - since[pid]) * 1e6
						if (cpu == on[pid]) { ns++; ds += d } else { nc++; dc += d }
						delete since[pid]
					}
				}
			}
			END {
				w = ns + nc
				printf "%-6s %5d  %11.1f  %10.2f  %5.0f%%  %12.1f  %13.1f  %17.1f\n", mode, round, us, w / n, w ? 100 * nc / w : 0, ns ? ds / ns : 0, nc ? dc / nc : 0, (ds + dc) / n
			}'
	done
done
