// SPDX-License-Identifier: GPL-2.0
/*
 * The parent of a live replay: checks the device and the pool, starts one
 * process per tenant, starts them together, collects their records,
 * reports and gives the verdict (see live.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "live.h"
#include "live_assign.h"
#include "live_record.h"
#include "live_report.h"

/* One tenant process as the parent tracks it. */
struct kvtr_live_child {
	pid_t pid;
	int out_fd;	/* its records */
	int go_fd;	/* its start time */
	int wstatus;
	int proto;	/* -EPROTO and the like from its stream */
};

struct kvtr_live_parent {
	struct kvtr_live_plan plan;
	struct kvtr_live_child *kids;
	struct kvtr_live_tenant *tenants;
	const char **why;
	bool manager;
};

static int kvtr_live_load_trace(const char *path, struct kvtr_trace *t)
{
	struct kvtr_error err;
	int ret;

	ret = kvtr_trace_load(path, t, &err);
	if (ret == -EINVAL)
		fprintf(stderr, "kvtier-replay: %s:%zu:%zu: %s\n", path,
			err.line, err.column, err.what);
	else if (ret)
		fprintf(stderr, "kvtier-replay: %s: %s\n", path,
			strerror(-ret));
	return ret;
}

/* The device, the pool and the block size, checked once for all tenants. */
static int kvtr_live_probe(struct kvtr_live_parent *pa)
{
	struct kvtr_live_plan *p = &pa->plan;
	struct drm_kvtier_pool_info info;
	struct kvtier *kv;
	const char *why;
	uint64_t attached = 0;
	int ret;

	ret = kvtier_open(&kv);
	if (ret) {
		fprintf(stderr, "kvtier-replay: cannot open the kvtier device: "
			"%s%s\n", strerror(-ret), ret == -ENODEV ?
			" (is kvtier.ko loaded?)" : "");
		return ret;
	}
	ret = kvtr_live_pool_pick(kv, p->o->pool_id, p->o->block_size,
				  &p->pool_id, &p->block_size, &info, &why);
	if (ret) {
		fprintf(stderr, "kvtier-replay: pool: %s\n",
			why ? why : strerror(-ret));
		goto out;
	}
	kvtier_get_param(kv, KVTIER_PARAM_MANAGER_ATTACHED, &attached);
	pa->manager = attached;
	if (!attached)
		fprintf(stderr, "kvtier-replay: no manager (kvtierd) is "
			"attached: fetches that need one (disk hits; every "
			"DEVICE fetch) will time out after %u ms each\n",
			p->o->fetch_timeout_ms);
	if (!p->isolate)
		fprintf(stderr, "kvtier-replay: not root: the %u tenant "
			"process(es) share this process's tenant %llu\n",
			p->ntenants,
			(unsigned long long)kvtier_params(kv)->tenant_id);
out:
	kvtier_close(kv);
	return ret;
}

/* In the child: keep only its own ends of its own pipes, then run. */
static void kvtr_live_child_run(struct kvtr_live_parent *pa, uint32_t i,
				int out_w, int go_r)
{
	uint32_t j;

	signal(SIGPIPE, SIG_DFL);
	for (j = 0; j < i; j++) {
		close(pa->kids[j].out_fd);
		close(pa->kids[j].go_fd);
	}
	_exit(kvtr_live_client_main(&pa->plan, i, out_w, go_r));
}

static int kvtr_live_spawn(struct kvtr_live_parent *pa, uint32_t i)
{
	struct kvtr_live_child *k = &pa->kids[i];
	int out[2], go[2];
	pid_t pid;

	if (pipe2(out, O_CLOEXEC))
		return -errno;
	if (pipe2(go, O_CLOEXEC)) {
		close(out[0]);
		close(out[1]);
		return -errno;
	}
	pid = fork();
	if (pid == 0) {
		close(out[0]);
		close(go[1]);
		kvtr_live_child_run(pa, i, out[1], go[0]);
	}
	close(out[1]);
	close(go[0]);
	if (pid < 0) {
		close(out[0]);
		close(go[1]);
		return -errno;
	}
	k->pid = pid;
	k->out_fd = out[0];
	k->go_fd = go[1];
	return 0;
}

/* Read records from child @i until its READY, or to the end of its stream. */
static void kvtr_live_collect(struct kvtr_live_parent *pa, uint32_t i,
			      bool until_ready)
{
	struct kvtr_live_child *k = &pa->kids[i];
	struct kvtr_live_rec rec;
	int ret;

	while (!k->proto && k->out_fd >= 0) {
		ret = kvtr_live_rec_recv(k->out_fd, &rec);
		if (ret <= 0) {
			k->proto = ret;
			break;
		}
		ret = kvtr_live_rec_apply(&pa->tenants[i], i, &rec);
		if (ret) {
			k->proto = ret;
			break;
		}
		if (until_ready && rec.type == KVTR_REC_READY)
			return;
	}
	close(k->out_fd);
	k->out_fd = -1;
}

/* Start every process that got ready at the same moment. */
static void kvtr_live_go(struct kvtr_live_parent *pa)
{
	uint64_t start = kvtier_now_ns();
	uint32_t i;

	for (i = 0; i < pa->plan.ntenants; i++) {
		if (pa->kids[i].go_fd < 0)
			continue;
		/*
		 * A process that died before reading it (EPIPE) shows up
		 * as one with no END record.
		 */
		if (write(pa->kids[i].go_fd, &start, sizeof(start)) < 0)
			fprintf(stderr, "kvtier-replay: starting tenant %u: "
				"%s\n", i, strerror(errno));
		close(pa->kids[i].go_fd);
		pa->kids[i].go_fd = -1;
	}
}

/* Why tenant @i failed, or NULL. */
static const char *kvtr_live_verdict(const struct kvtr_live_parent *pa,
				     uint32_t i)
{
	const struct kvtr_live_child *k = &pa->kids[i];
	const struct kvtr_live_tenant *t = &pa->tenants[i];

	if (!k->pid)
		return "could not start its process";
	if (k->proto == -EPROTO)
		return "sent a malformed record";
	if (k->proto)
		return "its record stream failed";
	if (!t->ready)
		return "died during setup";
	if (t->setup_status)
		return "setup failed (see above)";
	if (!t->ended || !t->counted)
		return "died before it finished";
	if (t->status)
		return "stopped on an error (see above)";
	if (!WIFEXITED(k->wstatus) || WEXITSTATUS(k->wstatus))
		return "exited with a failure";
	if (kvtr_live_stats_check(&t->stats))
		return "its counts do not add up";
	return NULL;
}

static int kvtr_live_finish(struct kvtr_live_parent *pa)
{
	struct kvtr_live_plan *p = &pa->plan;
	struct kvtr_live_stats total = { 0 };
	struct kvtr_live_report rep = {
		.p = p, .tenants = pa->tenants, .why = pa->why,
		.total = &total, .manager = pa->manager, .ok = true,
	};
	bool failed_tenant = false;
	uint32_t i;
	int ret = 0, wret;

	for (i = 0; i < p->ntenants; i++) {
		pa->why[i] = kvtr_live_verdict(pa, i);
		if (pa->why[i]) {
			failed_tenant = true;
			fprintf(stderr, "kvtier-replay: tenant %u %s\n", i,
				pa->why[i]);
		}
		if (pa->tenants[i].counted &&
		    kvtr_live_stats_merge(&total, &pa->tenants[i].stats))
			ret = -ENOMEM;
		kvtr_live_stats_sort(&pa->tenants[i].stats);
	}
	kvtr_live_stats_sort(&total);
	rep.ok = !ret && !failed_tenant && !total.c[KVTR_C_CORRUPT];
	if (p->o->json)
		wret = kvtr_live_report_json(stdout, &rep);
	else
		wret = kvtr_live_report_text(stdout, &rep);
	if (fflush(stdout) || wret) {
		fprintf(stderr, "kvtier-replay: writing the report failed\n");
		ret = ret ? ret : -EIO;
	}
	kvtr_live_stats_free(&total);
	if (ret)
		return ret;
	if (failed_tenant)
		return -ECHILD;
	return rep.ok ? 0 : -EBADMSG;
}

static int kvtr_live_run_children(struct kvtr_live_parent *pa)
{
	struct kvtr_live_plan *p = &pa->plan;
	uint32_t i;
	int ret = 0;

	fflush(stdout);
	fflush(stderr);
	for (i = 0; i < p->ntenants; i++) {
		pa->kids[i].out_fd = pa->kids[i].go_fd = -1;
		ret = kvtr_live_spawn(pa, i);
		if (ret) {
			fprintf(stderr, "kvtier-replay: starting tenant %u: "
				"%s\n", i, strerror(-ret));
			break;
		}
	}
	for (i = 0; i < p->ntenants; i++)
		if (pa->kids[i].pid)
			kvtr_live_collect(pa, i, true);
	kvtr_live_go(pa);
	for (i = 0; i < p->ntenants; i++) {
		if (!pa->kids[i].pid)
			continue;
		kvtr_live_collect(pa, i, false);
		while (waitpid(pa->kids[i].pid, &pa->kids[i].wstatus, 0) < 0 &&
		       errno == EINTR)
			;
		if (p->isolate)
			kvtr_live_cgroup_remove(i);
	}
	return kvtr_live_finish(pa);
}

int kvtr_live_run(const struct kvtr_live_opts *o)
{
	struct kvtr_live_parent pa = { 0 };
	struct kvtr_live_plan *p = &pa.plan;
	struct kvtr_trace t;
	uint32_t i;
	size_t r;
	int ret;

	ret = kvtr_live_load_trace(o->trace, &t);
	if (ret)
		return ret;
	p->o = o;
	p->t = &t;
	p->nreq = o->limit && o->limit < t.nreq ? o->limit : t.nreq;
	p->ntenants = o->tenants;
	/* The driver's tenant is the cgroup: only root can make new ones. */
	p->isolate = geteuid() == 0 &&
		     access("/sys/fs/cgroup/cgroup.procs", W_OK) == 0;
	p->t0_ms = p->nreq ? t.req[0].timestamp_ms : 0;
	for (r = 1; r < p->nreq; r++)
		if (t.req[r].timestamp_ms < p->t0_ms)
			p->t0_ms = t.req[r].timestamp_ms;
	ret = kvtr_live_probe(&pa);
	if (ret)
		goto out_free_trace;
	pa.kids = calloc(p->ntenants, sizeof(*pa.kids));
	pa.tenants = calloc(p->ntenants, sizeof(*pa.tenants));
	pa.why = calloc(p->ntenants, sizeof(*pa.why));
	if (!pa.kids || !pa.tenants || !pa.why) {
		ret = -ENOMEM;
		goto out_free;
	}
	/* A process that dies early must not take the parent with it. */
	signal(SIGPIPE, SIG_IGN);
	ret = kvtr_live_run_children(&pa);
	for (i = 0; i < p->ntenants; i++)
		kvtr_live_tenant_free(&pa.tenants[i]);
out_free:
	free(pa.kids);
	free(pa.tenants);
	free(pa.why);
out_free_trace:
	kvtr_trace_free(&t);
	return ret;
}
