// SPDX-License-Identifier: GPL-2.0
/*
 * ctx_scale - the kernel's context handling at scale, without TLS or NTLM
 * (issue 15, item 3; bench/README "ctx_scale"). Run as root in the guest
 * with credssp.ko loaded and no other helper (bench/ctx_scale.sh):
 *
 *   ctx_scale [-n N] [-b BATCH] [-s SOCKETS] [-f delete|close]
 *
 * A forked child registers as the helper (pull model: HELPER_REGISTER,
 * HELPER_NEXT on HELPER_READY, HELPER_DONE) and completes every STEP at
 * once with SEC_E_OK and what credsspd's DONE carries for an NTLM logon:
 * principal, package, CredSSP and TLS versions, TLS cipher, the delegated
 * password (a "credssp" key per context) bound to the principal, and both
 * directions' kTLS keys (AES-128-GCM). The parent acquires one credential
 * per consumer socket and establishes N contexts (token-mode ACCEPT, one
 * step each), round robin over SOCKETS sockets (default 4), keeping them
 * all: one ACCEPT on each socket at once, then their outcomes, so that the
 * helper takes several requests per wake-up. It raises max_owner_contexts
 * and max_net_contexts for that and restores them.
 *
 * At 1, 10, 100, ... live contexts (and at N) it takes the slab and
 * SUnreclaim figures, then times BATCH accepts, each followed by the
 * deletion of the new context, so that the live count stays where it is:
 * median and p99 of those accepts, and the CPU the guest spends while the
 * program sleeps 3 s (the kernel's background work for the live contexts).
 * At N it prints the slab caches that grew, per context. Then it frees
 * them all (DELETE_CTX each, or closing
 * the sockets with -f close), times that and the time until the slab is
 * back, and checks that GET_STATUS, the keys and the slab caches are back
 * to their baseline. RESULT lines are for scripts.
 */
#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>

#include "credssp_nl.h"

#define MAX_SOCKS  64
#define MAX_CACHES 1024

struct cache {
	char name[64];
	long active, num, objsize;
	long bytes; /* num_slabs * pagesperslab * page size */
};

struct snap {
	struct cache c[MAX_CACHES];
	int n;
	long sunreclaim, slab; /* kB */
	long keys;	       /* "credssp:" keys in /proc/keys */
};

/* What the helper child reports. */
struct hstat {
	volatile int registered; /* 0 pending, 1 ok, -1 failed */
	volatile long steps, frees, errors;
};

static struct hstat *hs;
static pid_t hpid;
static struct conn cs[MAX_SOCKS];
static uint64_t creds[MAX_SOCKS];
static int nsock = 4;
static long old_owner = -1, old_net = -1;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "ctx_scale: %s\n", what);
	if (hpid > 0)
		kill(hpid, SIGKILL);
	if (old_owner >= 0)
		param_set("max_owner_contexts", old_owner);
	if (old_net >= 0)
		param_set("max_net_contexts", old_net);
	exit(1);
}

/* ---- the helper ---- */

/* SEC_E_OK for request @id, with all that a completed NTLM logon carries. */
static void h_done_ok(uint64_t id, uint32_t consumed)
{
	struct nl_msg *m = fh_done_msg(id, CREDSSP_SEC_STATUS_OK);
	uint8_t payload[256];
	size_t n = fh_creds(payload, false);

	nla_put(m, CREDSSP_A_H_OUTPUT, 4, "srvF");
	nla_put_u32(m, CREDSSP_A_H_CONSUMED, consumed);
	fh_put_ok_session(m);
	nla_put(m, CREDSSP_A_H_CREDS, (int)n, payload);
	nla_put_u32(m, CREDSSP_A_H_CREDS_BINDING, CREDSSP_CREDS_BINDING_BOUND);
	if (fh_xact(&fh_c, m, NULL, NULL, 0))
		hs->errors++;
}

static void h_main(void)
{
	if (conn_open(&fh_c) || conn_open(&fh_w) || fh_register(&fh_c) || fh_join(&fh_w)) {
		hs->registered = -1;
		_exit(1);
	}
	hs->registered = 1;
	for (;;) {
		struct nlattr *tb[TB_MAX + 1];
		struct nlmsghdr *h;
		int ret = fh_next(&fh_c, &h);

		if (ret == -ENOENT) {
			/* Nothing queued: wait for HELPER_READY (50 ms at most). */
			fh_wait_ready(&fh_w, 50);
			continue;
		}
		if (ret == -EBADF)
			_exit(3);
		if (ret) {
			hs->errors++;
			continue;
		}
		genlmsg_parse(h, 0, tb, TB_MAX, NULL);
		if (a_u32(tb, CREDSSP_A_H_OP, 0) == CREDSSP_HELPER_OP_FREE) {
			hs->frees++;
		} else {
			hs->steps++;
			h_done_ok(a_u64(tb, CREDSSP_A_H_REQ_ID, 0),
				  tb[CREDSSP_A_H_INPUT] ? (uint32_t)nla_len(tb[CREDSSP_A_H_INPUT])
							: 0);
		}
		free(h);
	}
}

static void helper_start(void)
{
	uint64_t t0 = now_ms();

	hs = mmap(NULL, sizeof(*hs), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (hs == MAP_FAILED)
		die("mmap");
	hpid = fork();
	if (hpid < 0)
		die("fork");
	if (hpid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		h_main();
	}
	while (!hs->registered && now_ms() - t0 < 10000)
		usleep(1000);
	if (hs->registered != 1)
		die("the helper did not register (another helper running?)");
}

static void helper_stop(void)
{
	kill(hpid, SIGKILL);
	waitpid(hpid, NULL, 0);
	hpid = 0;
}

/* ---- measurements ---- */

/*
 * Flush every cache's per-CPU and partial slabs back to the page allocator
 * where they are empty (/sys/kernel/slab/CACHE/shrink), so that the slab
 * counts are the objects in use and not what SLUB keeps at hand.
 */
static void slab_shrink(void)
{
	struct dirent *d;
	DIR *dir = opendir("/sys/kernel/slab");
	char path[512];

	while (dir && (d = readdir(dir))) {
		int fd;

		if (d->d_name[0] == '.' || d->d_type == DT_LNK)
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink", d->d_name);
		fd = open(path, O_WRONLY);
		if (fd >= 0) {
			if (write(fd, "1", 1) < 0)
				perror(path);
			close(fd);
		}
	}
	if (dir)
		closedir(dir);
}

static void snap_take(struct snap *s)
{
	char line[512];
	long psz = sysconf(_SC_PAGESIZE);
	FILE *f;

	slab_shrink();
	f = fopen("/proc/slabinfo", "r");
	s->n = 0;
	if (!f)
		die("cannot read /proc/slabinfo (root?)");
	while (fgets(line, sizeof(line), f)) {
		struct cache *c = &s->c[s->n];
		long per, pages, aslabs, nslabs;

		if (line[0] == '#' || !strncmp(line, "slabinfo", 8) || s->n == MAX_CACHES)
			continue;
		if (sscanf(line,
			   "%63s %ld %ld %ld %ld %ld : tunables %*d %*d %*d : slabdata %ld %ld",
			   c->name, &c->active, &c->num, &c->objsize, &per, &pages, &aslabs,
			   &nslabs) != 8)
			continue;
		c->bytes = nslabs * pages * psz;
		s->n++;
	}
	fclose(f);
	s->sunreclaim = s->slab = -1;
	f = fopen("/proc/meminfo", "r");
	while (f && fgets(line, sizeof(line), f)) {
		sscanf(line, "SUnreclaim: %ld", &s->sunreclaim);
		sscanf(line, "Slab: %ld", &s->slab);
	}
	if (f)
		fclose(f);
	s->keys = 0;
	f = fopen("/proc/keys", "r");
	while (f && fgets(line, sizeof(line), f))
		s->keys += strstr(line, " credssp:ctx=") != NULL;
	if (f)
		fclose(f);
}

/*
 * The busy share of all CPUs over @ms of this program's idleness, in
 * percent of one CPU (/proc/stat): what N live contexts cost the kernel
 * when nobody calls (the once-a-second expiry scan, for one).
 */
static double idle_busy(int ms)
{
	unsigned long long v[2][10];
	int r, i;

	for (r = 0; r < 2; r++) {
		FILE *f = fopen("/proc/stat", "r");

		memset(v[r], 0, sizeof(v[r]));
		if (!f || fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
				 &v[r][0], &v[r][1], &v[r][2], &v[r][3], &v[r][4], &v[r][5],
				 &v[r][6], &v[r][7], &v[r][8], &v[r][9]) < 8)
			die("cannot read /proc/stat");
		fclose(f);
		if (!r)
			usleep((useconds_t)ms * 1000);
	}
	/* user nice system idle iowait irq softirq steal: all but idle, iowait */
	for (i = 0, r = 0; i < 8; i++)
		if (i != 3 && i != 4)
			r += (int)(v[1][i] - v[0][i]);
	return 100.0 * r / (double)sysconf(_SC_CLK_TCK) / (ms / 1000.0);
}

static const struct cache *snap_find(const struct snap *s, const char *name)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->c[i].name, name))
			return &s->c[i];
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile @p of @v[0..n) (sorted in place), in µs. */
static double pct_us(uint64_t *v, size_t n, int p)
{
	size_t i = (n * (size_t)p + 99) / 100;

	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_u64);
	return (double)v[i ? i - 1 : 0] / 1000.0;
}

/* Caches whose footprint moved by @min_bytes or more between @a and @b. */
static void slab_diff(const struct snap *a, const struct snap *b, long per, long min_bytes,
		      const char *tag)
{
	long tot_bytes = 0, tot_obj = 0;
	int i;

	printf("# %-24s %10s %9s %8s %10s %10s\n", "cache", "objs", "objs/ctx", "objsize",
	       "B/ctx objs", "B/ctx slab");
	for (i = 0; i < b->n; i++) {
		const struct cache *y = &b->c[i], *x = snap_find(a, y->name);
		long dobj = y->active - (x ? x->active : 0);
		long dbytes = y->bytes - (x ? x->bytes : 0);

		tot_bytes += dbytes;
		tot_obj += dobj * y->objsize;
		if (labs(dbytes) < min_bytes && labs(dobj * y->objsize) < min_bytes)
			continue;
		printf("# %-24s %+10ld %9.3f %8ld %10.1f %10.1f\n", y->name, dobj,
		       (double)dobj / (double)per, y->objsize,
		       (double)(dobj * y->objsize) / (double)per, (double)dbytes / (double)per);
		printf("RESULT %s cache=%s objs=%ld objsize=%ld bytes_per_ctx=%.1f\n", tag, y->name,
		       dobj, y->objsize, (double)dbytes / (double)per);
	}
	printf("# %-24s %10s %9s %8s %10.1f %10.1f\n", "all caches", "", "", "",
	       (double)tot_obj / (double)per, (double)tot_bytes / (double)per);
	printf("# SUnreclaim %+ld kB, Slab %+ld kB: %.1f and %.1f bytes per context\n",
	       b->sunreclaim - a->sunreclaim, b->slab - a->slab,
	       (double)(b->sunreclaim - a->sunreclaim) * 1024 / (double)per,
	       (double)(b->slab - a->slab) * 1024 / (double)per);
}

static long snap_total(const struct snap *s)
{
	long t = 0;
	int i;

	for (i = 0; i < s->n; i++)
		t += s->c[i].bytes;
	return t;
}

/* ---- the consumer ---- */

/* One ACCEPT that establishes a context on socket @k: its handle. */
static uint64_t establish(int k)
{
	struct acc a = {.cred = creds[k], .in = "ok", .inlen = 2};
	struct reply r;
	uint64_t ctx = 0;
	uint32_t st = accept_r(&cs[k], &a, &r);

	if (st == CREDSSP_SEC_STATUS_OK)
		ctx = a_u64(r.tb, CREDSSP_A_CTX_ID, 0);
	else
		fprintf(stderr, "ctx_scale: ACCEPT: status 0x%x %s\n", st, r.ext);
	reply_free(&r);
	return ctx;
}

/*
 * One ACCEPT on each socket at once, then their outcomes: @nsock new
 * contexts in @ids. Filling is pipelined so; the timed batches are not.
 */
static void establish_all(uint64_t *ids)
{
	uint32_t seq[MAX_SOCKS];
	int k;

	for (k = 0; k < nsock; k++) {
		struct nl_msg *m = cmsg(&cs[k], CREDSSP_CMD_ACCEPT, 0);

		nla_put_u64(m, CREDSSP_A_CRED_ID, creds[k]);
		nla_put(m, CREDSSP_A_INPUT, 2, "ok");
		nla_put_u32(m, CREDSSP_A_OUTPUT_SIZE, CREDSSP_TOKEN_MAX);
		seq[k] = send_only(&cs[k], m);
		if (!seq[k])
			die("ACCEPT not sent");
	}
	for (k = 0; k < nsock; k++) {
		struct reply r = {0};
		bool acked = false;
		int err = 0, type;

		/* The ACK and the outcome, which may come first. */
		while (!acked || !r.n) {
			type = next_msg(&cs[k], seq[k], 25000, &err, &r);
			if (!type || (type == NLMSG_ERROR && err))
				die("ACCEPT refused");
			acked |= type == NLMSG_ERROR;
		}
		if (r_status(&r) != CREDSSP_SEC_STATUS_OK)
			die("ACCEPT failed");
		ids[k] = a_u64(r.tb, CREDSSP_A_CTX_ID, 0);
		reply_free(&r);
	}
}

static void wait_quiet(int ms)
{
	/* RCU frees and the key garbage collector (a work) catch up. */
	usleep((useconds_t)ms * 1000);
}

/*
 * BATCH accepts at @live live contexts, each new context deleted right
 * after (untimed): median and p99 of the accepts (not printed for the
 * warm-up, @live < 0).
 */
static void batch(long live, int nb, uint64_t *lat)
{
	int i;

	for (i = 0; i < nb; i++) {
		int k = i % nsock;
		uint64_t t0 = now_ns(), ctx = establish(k);

		lat[i] = now_ns() - t0;
		if (!ctx || delete_ctx(&cs[k], ctx) != CREDSSP_SEC_STATUS_OK)
			die("batch accept or delete failed");
	}
	if (live < 0)
		return;
	printf("RESULT accept live=%ld n=%d median_us=%.1f p99_us=%.1f", live, nb,
	       pct_us(lat, (size_t)nb, 50), pct_us(lat, (size_t)nb, 99));
	printf(" max_us=%.1f\n", (double)lat[nb - 1] / 1000.0);
}

static void usage(void)
{
	fprintf(stderr, "usage: ctx_scale [-n N] [-b BATCH] [-s SOCKETS] [-f delete|close]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct snap s0, s1, s2, sc;
	long n = 100000, per_sock, i, next_cp = 1;
	int nb = 200, opt, k;
	bool close_mode = false;
	uint64_t *ids, *lat, *dlat, t0, t1;
	struct gstatus g0, g1, g2;
	long kept_ok;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "n:b:s:f:")) != -1) {
		switch (opt) {
		case 'n': n = atol(optarg); break;
		case 'b': nb = atoi(optarg); break;
		case 's': nsock = atoi(optarg); break;
		case 'f': close_mode = !strcmp(optarg, "close"); break;
		default: usage();
		}
	}
	if (n < 1 || nb < 1 || nsock < 1 || nsock > MAX_SOCKS)
		usage();
	ids = calloc((size_t)n, sizeof(*ids));
	lat = calloc((size_t)(n > nb ? n : nb), sizeof(*lat));
	dlat = calloc((size_t)n, sizeof(*dlat));
	if (!ids || !lat || !dlat)
		die("out of memory");

	/* Room for N live contexts plus one batch's, spread over the sockets. */
	per_sock = (n + nsock - 1) / nsock + nb + 16;
	old_owner = param_get("max_owner_contexts");
	old_net = param_get("max_net_contexts");
	if (old_owner < 0 || old_net < 0)
		die("credssp.ko is not loaded");
	if (param_set("max_owner_contexts", per_sock) || param_set("max_net_contexts", n + nb + 64))
		die("cannot raise the context limits");
	printf("# ctx_scale: N=%ld contexts over %d consumer socket(s), batches of %d;"
	       " max_owner_contexts %ld -> %ld, max_net_contexts %ld -> %ld\n",
	       n, nsock, nb, old_owner, per_sock, old_net, n + nb + 64);

	for (k = 0; k < nsock; k++)
		if (conn_open(&cs[k]))
			die("no credssp family");
	if (get_status(&cs[0], &g0))
		die("GET_STATUS failed");
	if (g0.helper)
		die("a helper is registered already");
	helper_start();
	for (k = 0; k < nsock; k++) {
		creds[k] = cred_new(&cs[k]);
		if (!creds[k])
			die("ACQUIRE_CRED failed");
	}
	/* Warm up: the first accepts allocate what every later one reuses. */
	batch(-1, nb, lat);
	wait_quiet(2000);
	printf("RESULT idle live=0 busy_pct_of_a_cpu=%.1f\n", idle_busy(3000));
	snap_take(&s0);
	printf("# baseline: %u contexts, %u creds, SUnreclaim %ld kB, %ld credssp keys\n",
	       g0.contexts, g0.creds, s0.sunreclaim, s0.keys);

	t0 = now_ns();
	for (i = 0; i < n; i++) {
		uint64_t a = now_ns();

		if (i % nsock == 0 && i + nsock <= n && i + nsock <= next_cp) {
			/* A group, one per socket; its time shared out. */
			establish_all(ids + i);
			for (k = 0; k < nsock; k++)
				lat[i + k] = (now_ns() - a) / (uint64_t)nsock;
			i += nsock - 1;
		} else {
			ids[i] = establish((int)(i % nsock));
			lat[i] = now_ns() - a;
		}
		if (!ids[i])
			die("establishing failed");
		if (i + 1 == next_cp || i + 1 == n) {
			long live = i + 1;

			wait_quiet(live >= 1000 ? 1000 : 100);
			snap_take(&sc);
			printf("# %ld live: %.1f s since the first, SUnreclaim %+ld kB (%.0f "
			       "B/ctx),"
			       " slab %+ld B (%.0f B/ctx), %ld keys\n",
			       live, (double)(now_ns() - t0) / 1e9, sc.sunreclaim - s0.sunreclaim,
			       (double)(sc.sunreclaim - s0.sunreclaim) * 1024 / (double)live,
			       snap_total(&sc) - snap_total(&s0),
			       (double)(snap_total(&sc) - snap_total(&s0)) / (double)live,
			       sc.keys - s0.keys);
			printf("RESULT mem live=%ld sunreclaim_per_ctx=%.1f slab_per_ctx=%.1f\n",
			       live, (double)(sc.sunreclaim - s0.sunreclaim) * 1024 / (double)live,
			       (double)(snap_total(&sc) - snap_total(&s0)) / (double)live);
			printf("RESULT idle live=%ld busy_pct_of_a_cpu=%.1f\n", live,
			       idle_busy(3000));
			batch(live, nb, dlat);
			while (next_cp <= live)
				next_cp *= 10;
		}
	}
	t1 = now_ns();
	/* The establishing accepts themselves, by tenth of the run. */
	for (k = 0; k < 10 && n >= 10; k++) {
		long a = n * k / 10, b = n * (k + 1) / 10;

		memcpy(dlat, lat + a, (size_t)(b - a) * sizeof(*lat));
		printf("RESULT bulk from=%ld to=%ld median_us=%.1f p99_us=%.1f\n", a, b,
		       pct_us(dlat, (size_t)(b - a), 50), pct_us(dlat, (size_t)(b - a), 99));
	}
	printf("# established %ld contexts in %.2f s (%.0f/s, checkpoint batches and"
	       " pauses included)\n",
	       n, (double)(t1 - t0) / 1e9, (double)n / ((double)(t1 - t0) / 1e9));

	wait_quiet(3000);
	snap_take(&s1);
	get_status(&cs[0], &g1);
	printf("\n# at %ld live contexts: GET_STATUS %u contexts (%+ld), %ld credssp keys;"
	       " slab caches that grew:\n",
	       n, g1.contexts, (long)g1.contexts - (long)g0.contexts, s1.keys - s0.keys);
	slab_diff(&s0, &s1, n, n * 4, "slab");
	printf("RESULT total live=%ld sunreclaim_per_ctx=%.1f slab_per_ctx=%.1f keys=%ld\n", n,
	       (double)(s1.sunreclaim - s0.sunreclaim) * 1024 / (double)n,
	       (double)(snap_total(&s1) - snap_total(&s0)) / (double)n, s1.keys - s0.keys);

	/* Free them all. */
	t0 = now_ns();
	if (close_mode) {
		for (k = 0; k < nsock; k++)
			conn_close(&cs[k]);
		if (conn_open(&cs[0]))
			die("reopen");
		do {
			get_status(&cs[0], &g2);
		} while (g2.contexts != g0.contexts && now_ns() - t0 < 600e9);
		t1 = now_ns();
		printf("RESULT free mode=close n=%ld total_s=%.3f per_ctx_us=%.2f\n", n,
		       (double)(t1 - t0) / 1e9, (double)(t1 - t0) / 1e3 / (double)n);
	} else {
		for (i = 0; i < n; i++) {
			uint64_t a = now_ns();

			if (delete_ctx(&cs[i % nsock], ids[i]) != CREDSSP_SEC_STATUS_OK)
				die("DELETE_CTX failed");
			dlat[i] = now_ns() - a;
		}
		t1 = now_ns();
		printf("RESULT free mode=delete n=%ld total_s=%.3f median_us=%.1f p99_us=%.1f\n", n,
		       (double)(t1 - t0) / 1e9, pct_us(dlat, (size_t)n, 50),
		       pct_us(dlat, (size_t)n, 99));
	}
	/* Until the slab is back (RCU, the key garbage collector). */
	kept_ok = 0;
	for (;;) {
		snap_take(&s2);
		if (s2.sunreclaim - s0.sunreclaim < (s1.sunreclaim - s0.sunreclaim) / 50 &&
		    s2.keys == s0.keys)
			kept_ok = 1;
		if (kept_ok || now_ns() - t1 > 120e9)
			break;
		usleep(50000);
	}
	printf("RESULT reclaim after_free_s=%.3f sunreclaim_left_kB=%ld (of %+ld)\n",
	       (double)(now_ns() - t1) / 1e9, s2.sunreclaim - s0.sunreclaim,
	       s1.sunreclaim - s0.sunreclaim);

	/* Everything the run made goes: credentials, sockets, the helper. */
	if (!close_mode) {
		for (k = 0; k < nsock; k++)
			free_cred(&cs[k], creds[k]);
		for (k = 1; k < nsock; k++)
			conn_close(&cs[k]);
	}
	helper_stop();
	wait_quiet(3000);
	get_status(&cs[0], &g2);
	snap_take(&s2);
	printf("\n# after: GET_STATUS contexts %u -> %u -> %u, creds %u -> %u, helper %u -> %u,"
	       " credssp keys %+ld; helper: %ld steps, %ld frees, %ld errors\n",
	       g0.contexts, g1.contexts, g2.contexts, g0.creds, g2.creds, g0.helper, g2.helper,
	       s2.keys - s0.keys, hs->steps, hs->frees, hs->errors);
	printf("# slab against the baseline (caches that moved by %ld bytes or more):\n", n);
	slab_diff(&s0, &s2, n, n, "left");
	printf("RESULT baseline contexts=%s creds=%s helper=%s keys=%s\n",
	       g2.contexts == g0.contexts ? "ok" : "DIFFER", g2.creds == g0.creds ? "ok" : "DIFFER",
	       g2.helper == g0.helper ? "ok" : "DIFFER", s2.keys == s0.keys ? "ok" : "DIFFER");
	conn_close(&cs[0]);
	param_set("max_owner_contexts", old_owner);
	param_set("max_net_contexts", old_net);
	return g2.contexts == g0.contexts && g2.creds == g0.creds && g2.helper == g0.helper &&
			       s2.keys == s0.keys
		       ? 0
		       : 1;
}
