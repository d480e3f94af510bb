/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvtier-fuzz: a seeded uAPI fuzzer of kvtier.ko with a model of what its
 * calls did. One process issues every call (forked children run a few calls
 * of their own while it waits), so a seed always gives the same sequence.
 * The whole state - model, random generator, counters - lives in one shared
 * anonymous mapping, so that a forked child's calls update the model the
 * parent goes on with.
 *
 * fuzz.c: options, clients, the calls and their expected outcomes.
 * fuzz_model.c: the model's object life cycle, and the checks of the
 * driver's accounting (STATS, POOL_INFO, TENANT_LIST, OBJ_SCAN) against it.
 */
#ifndef KVTIER_FUZZ_H
#define KVTIER_FUZZ_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "kvtier_drm.h"

#define FZ_MAXC 10		/* clients (open fds) at once */
#define FZ_MAXO 768		/* model objects, live and recently dead */
#define FZ_MAXP 6		/* pools the fuzzer keeps at once */
#define FZ_MAXW 256		/* work items */
#define FZ_MAXF 512		/* fetches */
#define FZ_MAXR 24		/* regions */
#define FZ_MAXM 32		/* mappings */
#define FZ_STALE 64		/* handles of dead objects, for stale calls */
#define FZ_MAXSLOTS 64		/* slots per pool: one bitmap word */
#define FZ_EVENT_ROOM 128	/* DRM event space 4096 / 32-byte events */

enum fz_state { FZ_WRITING, FZ_READY, FZ_EVICTING, FZ_DEAD };

/* Tenants the fuzzer creates: two cgroups and the root cgroup. */
enum { FZ_TA, FZ_TB, FZ_TROOT, FZ_NTEN };

struct fz_client {
	bool open;
	bool admin;
	bool manager;
	int fd;
	int ten;		/* FZ_TA, FZ_TB, FZ_TROOT */
	pid_t owner;		/* a forked child whose exit closes it, or 0 */
	uint32_t ev_used;	/* event space: fetches pending + unread events */
};

struct fz_obj {
	enum fz_state state;
	uint64_t handle;
	struct drm_kvtier_key key;
	int pool;		/* index in pools[] */
	uint64_t tenant;	/* 0: global */
	int ten;		/* tenant index, -1 global */
	uint64_t size;
	uint32_t first, nslots;
	bool slots;		/* holds host slots (charged) */
	bool host;		/* the HOST bit of its tiers */
	bool disk;
	int creator;		/* client index while WRITING, else -1 */
	uint32_t refs;		/* bitmask of clients holding a reference */
	uint16_t pins[FZ_MAXC][KVTIER_TIER_COUNT];
	uint32_t pin_total[KVTIER_TIER_COUNT];
	uint32_t work_refs;
	int host_work;		/* work index of its DISK->HOST copy, or -1 */
};

struct fz_pool {
	bool live;
	uint32_t id;
	uint64_t serial;
	uint64_t slot_size;
	uint32_t slot_count;
	uint64_t used;		/* bitmap of slots held */
	uint32_t objects;
	uint64_t quota[FZ_NTEN + 1];	/* last: the global tenant */
	uint64_t t_used[FZ_NTEN + 1];
	uint32_t t_objects[FZ_NTEN + 1];
};

struct fz_fetch {
	bool live;
	int client;
	uint32_t id;
	uint32_t pending;
	uint32_t completed, failed;
	uint64_t user_data;
};

struct fz_work {
	bool live;
	bool dispatched;
	uint64_t work_id;
	int obj;
	uint32_t src_tier, dst_tier;
	uint32_t region_id, region_gen;
	uint32_t region_seq;	/* which registration (fz_region.seq) */
	int waiters[16];	/* fetch indices */
	int nwait;
};

struct fz_region {
	bool live;
	uint32_t id;
	int owner;		/* client index */
	uint64_t size;
	uint32_t kind;
	int memfd;		/* the owner's memfd, kept by the fuzzer, or -1 */
	uint32_t seq;		/* unique per registration */
	uint32_t gen;		/* the driver's generation, once seen, or 0 */
};

struct fz_map {
	bool live;
	uint8_t *addr;
	uint64_t len;
	int client;
	int pool;		/* pools[] index at mapping time */
	uint32_t pool_id;
	uint64_t serial;	/* the pool it was made for */
	uint64_t off;		/* byte offset in the pool */
	bool manager;		/* a manager's (shmem) mapping */
	pid_t owner;
};

struct fz_opts {
	uint64_t seed;
	uint64_t calls;
	uint32_t check_every;
	bool trace;
};

struct fz {
	struct fz_opts o;
	uint64_t rng;
	uint64_t ncall;
	uint64_t tenant_id[FZ_NTEN];
	struct fz_client c[FZ_MAXC];
	struct fz_obj obj[FZ_MAXO];
	struct fz_pool pool[FZ_MAXP];
	struct fz_work work[FZ_MAXW];
	int queue[FZ_MAXW], nqueue;		/* queued work, in order */
	int disp[FZ_MAXW], ndisp;		/* dispatched, in order */
	struct fz_fetch fetch[FZ_MAXF];
	struct fz_region region[FZ_MAXR];
	struct fz_map map[FZ_MAXM];
	uint64_t stale[FZ_STALE];
	uint32_t nstale;
	uint32_t region_seq;
	uint32_t fetch_seq;
	int checker;			/* client index of the checking fd */
	/* Baselines and cumulative model counters for STATS. */
	struct drm_kvtier_stats base;
	uint64_t allocs, commits, frees;
	/* Outcome counters. */
	uint64_t errs[160];		/* by errno; [0] success */
	uint64_t checks;
	uint64_t touches, sigbus;
	uint64_t forks;
	char last[32][200];		/* the last calls, for a report */
	uint32_t nlast;
};

extern struct fz *F;

/* ---- fuzz.c ---- */
uint64_t fz_rand(void);
uint32_t fz_below(uint32_t n);
bool fz_chance(uint32_t percent);
void fz_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn, format(printf, 1, 2))) void fz_fail(const char *fmt,
							       ...);
int fz_ioctl(int fd, unsigned long req, void *arg);

/* ---- fuzz_model.c ---- */
int fz_obj_new(void);
int fz_obj_by_handle(uint64_t handle);
uint64_t fz_pool_free(const struct fz_pool *p);
void fz_take_slots(struct fz_obj *o);
void fz_maybe_kill(struct fz_obj *o);
void fz_evict(struct fz_obj *o);
void fz_drop_ref(int c, struct fz_obj *o);
void fz_pin(struct fz_obj *o, int c, uint32_t tier);
void fz_unpin(struct fz_obj *o, int c, uint32_t tier);
uint32_t fz_tiers(const struct fz_obj *o);
int fz_charge(struct fz_pool *p, int ten, uint32_t first, uint32_t n);
void fz_work_complete(int w, int32_t status);
void fz_client_closed(int c);
/* Region @r is gone: its queued DEVICE work is cancelled (-ENOENT). */
void fz_region_gone(int r);
void fz_check(const char *when);
void fz_check_final(void);
void fz_kmsg_open(void);
bool fz_kmsg_clean(void);

#endif /* KVTIER_FUZZ_H */
