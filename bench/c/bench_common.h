/* What the bench/c peers share: errors, the clock, the host-netns guard, medians, and
 * --exec (timing whole runs of other programs: `ss`, `conntrack -L`). Included by one
 * program each, so everything is static. */
#ifndef NLKIT_BENCH_COMMON_H
#define NLKIT_BENCH_COMMON_H
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static void die(const char *what) {
	perror(what);
	exit(2);
}

static double now_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void assert_not_host_netns(void) {
	char cur[64] = {0};
	const char *host = getenv("PBENCH_HOST_NETNS");
	if (readlink("/proc/self/ns/net", cur, sizeof cur - 1) < 0) die("readlink ns");
	if (!host || !*host) {
		fprintf(stderr, "PBENCH_HOST_NETNS not set; run through npm run bench (unshare -n)\n");
		exit(3);
	}
	if (!strcmp(cur, host)) {
		fprintf(stderr, "refusing to run in the host network namespace; use unshare -n\n");
		exit(3);
	}
}

static int cmp_double(const void *a, const void *b) {
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
	qsort(v, n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#define MAXCMD 8

/* --exec: argv after the first "--" is one or more groups "OP CMD [ARG...]" separated by
 * "--"; the groups alternate run by run (the order rotates each repetition). */
static int exec_mode(const char *prog, int reps, int n, const char *impl, char **args) {
	char **cmd[MAXCMD];
	const char *op[MAXCMD];
	int nc = 0;
	while (*args) {
		if (nc == MAXCMD) {
			fprintf(stderr, "%s --exec: at most %d commands\n", prog, MAXCMD);
			exit(2);
		}
		op[nc] = args[0];
		cmd[nc] = args + 1;
		char **e = args + 1;
		while (*e && strcmp(*e, "--")) e++;
		if (e == args + 1) {
			fprintf(stderr, "%s --exec: no command after %s\n", prog, args[0]);
			exit(2);
		}
		nc++;
		if (*e) {
			*e = NULL;
			args = e + 1;
		} else
			args = e;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	double *t[MAXCMD], user[MAXCMD] = {0}, sys[MAXCMD] = {0};
	for (int c = 0; c < nc; c++) t[c] = calloc(reps, sizeof(double));
	for (int r = 0; r < reps; r++) {
		for (int k = 0; k < nc; k++) {
			int c = (r + k) % nc;
			struct rusage ru0, ru1;
			getrusage(RUSAGE_CHILDREN, &ru0);
			pid_t pid;
			double t0 = now_ms();
			int e = posix_spawnp(&pid, cmd[c][0], &fa, NULL, cmd[c], environ);
			if (e) {
				errno = e;
				die(cmd[c][0]);
			}
			int st;
			if (waitpid(pid, &st, 0) < 0) die("waitpid");
			t[c][r] = now_ms() - t0;
			getrusage(RUSAGE_CHILDREN, &ru1);
			user[c] += (ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) * 1e3 + (ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1e3;
			sys[c] += (ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) * 1e3 + (ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e3;
			if (!WIFEXITED(st) || WEXITSTATUS(st)) {
				fprintf(stderr, "%s --exec: %s failed (status %d)\n", prog, cmd[c][0], st);
				exit(1);
			}
		}
	}
	for (int c = 0; c < nc; c++) {
		double min = t[c][0];
		for (int r = 1; r < reps; r++) if (t[c][r] < min) min = t[c][r];
		double med = median(t[c], reps);
		printf("RESULT impl=%s op=%s n=%d total_ms=%.3f per_op_us=%.3f user_ms=%.2f sys_ms=%.2f reps=%d min_ms=%.3f whole_process=1\n",
		       impl, op[c], n, med, med * 1e3, user[c] / reps, sys[c] / reps, reps, min);
	}
	return 0;
}

#endif
