// Go vishvananda/netlink (Debian's golang-github-vishvananda-netlink-dev, 1.1.0.125) for
// the conntrack workload D2 of bench/suite.ts, on one Handle (one NETLINK_NETFILTER
// socket, opened once):
//
//	h.ConntrackTableList(ConntrackTable, AF_INET)  -> op=d2_ct_dump, median of -reps
//	    ([]*ConntrackFlow: family, both tuples' addresses, ports and protocol, mark,
//	    timeout, counters and timestamps when present; status, id, use, protoinfo skipped)
//	h.ConntrackDeleteFilter(…, a filter matching every flow) -> op=d2_ct_delete_filter,
//	    per_op_us = the whole call / entries: one dump, then per entry one
//	    IPCTNL_MSG_CT_DELETE (the dumped message sent back) with its ACK awaited
//
// This version has no ConntrackCreate or ConntrackDelete of one entry (later versions
// do), so it neither creates entries nor deletes one by one: the entries are made by the
// runner (bench/conntrack.ts hold) in this netns before this program starts.
//
//	ct_netlink [-reps R] [-expect M]
//
// Built by bench/peers.sh in GOPATH mode against /usr/share/gocode (offline).
// Refuses the host netns (PBENCH_HOST_NETNS, set by the runner).
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"syscall"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

func cpuMs() (float64, float64) {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()) / 1e6, float64(ru.Stime.Nano()) / 1e6
}

func median(xs []float64) (float64, float64) {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2], s[0]
	}
	return (s[n/2-1] + s[n/2]) / 2, s[0]
}

type all struct{}

func (all) MatchConntrackFlow(*netlink.ConntrackFlow) bool { return true }

func main() {
	reps := flag.Int("reps", 20, "dumps")
	expect := flag.Int("expect", -1, "entries each dump must return")
	flag.Int("n", 0, "ignored")
	flag.Int("naddr", 0, "ignored")
	flag.Parse()
	host := os.Getenv("PBENCH_HOST_NETNS")
	cur, err := os.Readlink("/proc/self/ns/net")
	if host == "" || err != nil || cur == host {
		fmt.Fprintln(os.Stderr, "ct_netlink: refusing to run outside a fresh netns (PBENCH_HOST_NETNS; use npm run bench)")
		os.Exit(3)
	}
	h, err := netlink.NewHandle(unix.NETLINK_NETFILTER)
	if err != nil {
		fmt.Fprintln(os.Stderr, "NewHandle:", err)
		os.Exit(1)
	}
	defer h.Delete()
	times := make([]float64, *reps)
	var cpuU, cpuS float64
	count := 0
	for r := 0; r < *reps; r++ {
		u0, s0 := cpuMs()
		t0 := time.Now()
		flows, err := h.ConntrackTableList(netlink.ConntrackTable, unix.AF_INET)
		times[r] = float64(time.Since(t0).Nanoseconds()) / 1e6
		u1, s1 := cpuMs()
		cpuU += u1 - u0
		cpuS += s1 - s0
		if err != nil {
			fmt.Fprintln(os.Stderr, "ConntrackTableList:", err)
			os.Exit(1)
		}
		n := len(flows)
		if *expect >= 0 && n != *expect {
			fmt.Fprintf(os.Stderr, "ct_netlink: expected %d entries, got %d\n", *expect, n)
			os.Exit(1)
		}
		if n > 0 && (flows[n-1].Forward.Protocol != unix.IPPROTO_UDP || flows[n-1].Forward.DstPort != 53 || flows[n-1].TimeOut == 0) {
			fmt.Fprintln(os.Stderr, "ct_netlink: an entry is not decoded as made")
			os.Exit(1)
		}
		count = n
	}
	u0, s0 := cpuMs()
	t0 := time.Now()
	deleted, err := h.ConntrackDeleteFilter(netlink.ConntrackTable, unix.AF_INET, all{})
	delMs := float64(time.Since(t0).Nanoseconds()) / 1e6
	u1, s1 := cpuMs()
	if err != nil {
		fmt.Fprintln(os.Stderr, "ConntrackDeleteFilter:", err)
		os.Exit(1)
	}
	if int(deleted) != count {
		fmt.Fprintf(os.Stderr, "ct_netlink: ConntrackDeleteFilter deleted %d of %d entries\n", deleted, count)
		os.Exit(1)
	}
	if left, err := h.ConntrackTableList(netlink.ConntrackTable, unix.AF_INET); err != nil || len(left) != 0 {
		fmt.Fprintf(os.Stderr, "ct_netlink: %d entries left after ConntrackDeleteFilter (%v)\n", len(left), err)
		os.Exit(1)
	}
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	med, min := median(times)
	fmt.Printf("RESULT impl=go-netlink-ct op=d2_ct_dump n=%d total_ms=%.3f per_op_us=%.3f user_ms=%.2f sys_ms=%.2f reps=%d min_ms=%.3f maxrss_kb=%d\n",
		count, med, med*1e3, cpuU/float64(*reps), cpuS/float64(*reps), *reps, min, ru.Maxrss)
	if count > 0 {
		fmt.Printf("RESULT impl=go-netlink-ct op=d2_ct_delete_filter n=%d total_ms=%.3f per_op_us=%.3f user_ms=%.2f sys_ms=%.2f maxrss_kb=%d\n",
			count, delMs, delMs*1e3/float64(count), u1-u0, s1-s0, ru.Maxrss)
	}
}
