/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tlib: the small shared helper of the VM integration tests (tests/vm/t_*.c).
 *
 * The tests talk to kvtier.ko with raw ioctls so that they depend on nothing
 * but the uAPI header and can send malformed requests.
 *
 * Each case runs in its own forked process (its own process group), so that
 * a crash, a hang or a leaked file descriptor stays inside the case: the fd
 * closes when the case ends, which is itself part of what the driver must
 * handle. Results are recorded in a shared anonymous mapping, so children,
 * grandchildren and threads of a case all report into the same record; the
 * first failure wins. The runner prints `PASS <area>:<case>` or
 * `FAIL <area>:<case>: <why>`; tl_finish() gives the exit status (0, or 1
 * when a case failed); tl_skip() prints `SKIP <area>: <why>` and exits 77.
 *
 * Return contract: helpers that return int return 0 (or a non-negative
 * value where stated) or -errno; they never leave errno for the caller.
 */
#ifndef KVTIER_TLIB_H
#define KVTIER_TLIB_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

#include "kvtier_drm.h"

/* For child and thread entry points that ignore their argument. */
#define TL_UNUSED __attribute__((unused))

/* Seconds a case may run (TCG is slow) before the runner kills it. */
#define TL_CASE_TIMEOUT_S 120
/* Milliseconds to wait for an event that must come (a child, a message). */
#define TL_WAIT_MS 30000

/* ---- cases and results ------------------------------------------------ */

/* Set the area name, map the shared result record, check root. */
void tl_init(const char *area);
/* Print `SKIP <area>: <why>` and exit 77. */
__attribute__((noreturn, format(printf, 1, 2))) void tl_skip(const char *fmt,
							       ...);
/* Run @fn as case @name in a forked process and print its result line. */
void tl_run(const char *name, void (*fn)(void));
/* Exit status for main: 0 when every case passed, 1 otherwise. */
int tl_finish(void);
/* Record a failure of the current case (first one wins). Thread safe. */
__attribute__((format(printf, 3, 4))) void tl_fail_at(const char *file,
						      int line,
						      const char *fmt, ...);
/* True when the current case has already failed. */
bool tl_failed(void);

#define tl_fail(...) tl_fail_at(__FILE__, __LINE__, __VA_ARGS__)

/* Check @cond; on failure record the message and return from the caller. */
#define TL_ASSERT(cond, ...)                                                   \
	do {                                                                   \
		if (!(cond)) {                                                 \
			tl_fail_at(__FILE__, __LINE__, __VA_ARGS__);           \
			return;                                                \
		}                                                              \
	} while (0)
/* The same in a function returning a value: return @ret on failure. */
#define TL_ASSERT_R(ret, cond, ...)                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			tl_fail_at(__FILE__, __LINE__, __VA_ARGS__);           \
			return ret;                                            \
		}                                                              \
	} while (0)
/* Compare an expression yielding 0/-errno with the expected value. */
#define TL_EXPECT_RC(expr, want)                                               \
	do {                                                                   \
		long tl_rc_ = (long)(expr);                                    \
		long tl_want_ = (long)(want);                                  \
		if (tl_rc_ != tl_want_) {                                      \
			tl_fail_at(__FILE__, __LINE__,                         \
				   "%s: got %ld (%s), want %ld (%s)", #expr,   \
				   tl_rc_, tl_errname(tl_rc_), tl_want_,       \
				   tl_errname(tl_want_));                      \
			return;                                                \
		}                                                              \
	} while (0)
#define TL_EXPECT_EQ(a, b)                                                     \
	do {                                                                   \
		unsigned long long tl_a_ = (unsigned long long)(a);            \
		unsigned long long tl_b_ = (unsigned long long)(b);            \
		if (tl_a_ != tl_b_) {                                          \
			tl_fail_at(__FILE__, __LINE__,                         \
				   "%s == %llu (0x%llx), want %s == %llu",     \
				   #a, tl_a_, tl_a_, #b, tl_b_);               \
			return;                                                \
		}                                                              \
	} while (0)

/* "ENOENT" for -ENOENT or ENOENT, "0" for 0, a number otherwise. */
const char *tl_errname(long err);

/* ---- the device ------------------------------------------------------- */

/*
 * The kvtier render node's path, found by driver name through libdrm
 * (drmGetDevices2 + drmGetVersion). Returns 0 and fills @path, or -ENODEV.
 */
int tl_find_device(char *path, size_t len);
/* Forget the cached device path (the module was reloaded). */
void tl_forget_device(void);
/* Open a new client of the device. Returns the fd or -errno. */
int tl_open(void);
/* tl_open(), recording a failure of the running case when it fails. */
int tl_open_admin(void);
/* ioctl with EINTR retried. Returns 0 or -errno. */
int tl_ioctl(int fd, unsigned long req, void *arg);
/* The value of KVTIER_PARAM_@param, or a failed case (returns ~0). */
uint64_t tl_param(int fd, uint32_t param);

/* ---- the module ------------------------------------------------------- */

/* True when kvtier.ko is loaded (/sys/module/kvtier exists). */
bool tl_module_loaded(void);
/*
 * Unload kvtier.ko without waiting for its users (delete_module with
 * O_NONBLOCK). Returns 0, or -errno: -EWOULDBLOCK (what 6.1 says) or
 * -EBUSY while an fd or a client's mapping holds it.
 */
int tl_module_unload(void);
/*
 * Load $KVTIER_KO (finit_module) and find its device again: the cached
 * path is forgotten first, since the new instance may have another node.
 * Returns 0; -ENOENT without KVTIER_KO; -ENODEV when the module loaded
 * but no device came; or the -errno of the open or of finit_module.
 */
int tl_module_load(void);

/* ---- roles ------------------------------------------------------------ */

/*
 * Drop CAP_SYS_ADMIN from the effective, permitted and inheritable sets and
 * the bounding set of the calling process (call it in a forked child, before
 * opening the device: the driver reads the capability at open). Returns 0
 * or -errno.
 */
int tl_drop_admin(void);
/* Open a non-admin client: tl_drop_admin() then tl_open(). fd or -errno. */
int tl_open_user(void);

/* ---- cgroups (tenants) ------------------------------------------------ */

/* Create /sys/fs/cgroup/kvtier-@name (existing is fine); *id its cgroup id. */
int tl_cg_create(const char *name, uint64_t *id);
/* Move the calling process into that cgroup (do it before tl_open()). */
int tl_cg_enter(const char *name);
/* Move the caller back to the root cgroup. */
int tl_cg_leave(void);
/* Remove the cgroup (it must be empty). */
int tl_cg_remove(const char *name);
/* The cgroup id of the calling process's cgroup, or 0 on error. */
uint64_t tl_cg_self_id(void);

/* ---- pools ------------------------------------------------------------ */

/* Create a pool of @slot_count slots of @slot_size bytes, kind RAW. */
int tl_pool_create(int fd, uint64_t slot_size, uint64_t slot_count,
		   uint32_t *pool_id);
int tl_pool_destroy(int fd, uint32_t pool_id);
int tl_pool_info(int fd, uint32_t pool_id, struct drm_kvtier_pool_info *out);
/* slots_used of the pool, or ~0 when the info ioctl fails. */
uint64_t tl_pool_used(int fd, uint32_t pool_id);
/* Map the whole pool MAP_SHARED read/write; NULL on failure. */
void *tl_pool_map(int fd, const struct drm_kvtier_pool_info *pi);
/*
 * POOL_INFO of @pool into *@pi, then tl_pool_map(); records a failure of
 * the running case and returns NULL when either fails.
 */
uint8_t *tl_map_pool(int fd, uint32_t pool, struct drm_kvtier_pool_info *pi);

/* ---- objects ---------------------------------------------------------- */

/*
 * A key unique to this case: (@n, a salt drawn when the case started), so
 * that leftovers of a failed case never collide with the next case's keys.
 */
struct drm_kvtier_key tl_key(uint64_t n);
/* The salt of tl_key(), for children that must share keys. */
uint64_t tl_key_salt(void);

/* OBJ_ALLOC of @n items. Returns the ioctl's 0/-errno; *failed_index. */
int tl_alloc(int fd, uint32_t pool_id, uint32_t flags,
	     struct drm_kvtier_alloc_item *items, uint32_t n,
	     uint32_t *failed_index);
/* Allocate one object of @size bytes under @key; fills *out. */
int tl_alloc1(int fd, uint32_t pool_id, uint32_t flags,
	      struct drm_kvtier_key key, uint64_t size,
	      struct drm_kvtier_alloc_item *out);
/*
 * One OBJ_BATCH item. Returns the ioctl's -errno when the ioctl failed,
 * otherwise the item's result (0 or -errno).
 */
int tl_op1(int fd, uint32_t op, uint64_t handle, uint32_t tier);
/* Alloc one object and commit it. */
int tl_make_ready(int fd, uint32_t pool_id, struct drm_kvtier_key key,
		  uint64_t size, struct drm_kvtier_alloc_item *out);
/* LOOKUP of one key. Returns the ioctl's 0/-errno. */
int tl_lookup1(int fd, struct drm_kvtier_key key, uint32_t flags,
	       struct drm_kvtier_lookup_result *out);
/* FETCH of one item. Returns the ioctl's 0/-errno; *req and *item filled. */
int tl_fetch1(int fd, uint64_t handle, uint32_t tier, uint32_t region_id,
	      uint64_t offset, uint64_t user_data,
	      struct drm_kvtier_fetch *req, struct drm_kvtier_fetch_item *item);
int tl_stats(int fd, struct drm_kvtier_stats *out);
/* TENANT_INFO of @tenant (0: the caller's) in @pool_id. */
int tl_tenant_info(int fd, uint64_t tenant, uint32_t pool_id,
		   struct drm_kvtier_tenant_usage *out);

/*
 * A snapshot of everything a refused request must leave alone: the driver's
 * stats and one pool's info. tl_snap_diff() returns NULL when equal, else
 * the name of the first field that changed.
 */
struct tl_snap {
	struct drm_kvtier_stats st;
	struct drm_kvtier_pool_info pi;
};
int tl_snap_take(int fd, uint32_t pool_id, struct tl_snap *s);
const char *tl_snap_diff(int fd, uint32_t pool_id, const struct tl_snap *s);

/*
 * Issue @req on @fd and expect @want, with nothing changed in the driver's
 * stats or in pool @pool (a refused request has no side effects).
 */
#define TL_REFUSED(fd, pool, req, arg, want)                                   \
	do {                                                                   \
		struct tl_snap tl_s_;                                          \
		const char *tl_d_;                                             \
		TL_EXPECT_RC(tl_snap_take(fd, pool, &tl_s_), 0);               \
		TL_EXPECT_RC(tl_ioctl(fd, req, arg), want);                    \
		tl_d_ = tl_snap_diff(fd, pool, &tl_s_);                        \
		TL_ASSERT(!tl_d_, "state changed by a refused request: %s",    \
			  tl_d_);                                              \
	} while (0)

/* ---- processes, time, messages ----------------------------------------- */

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t tl_now_ns(void);
/* Fork; the child runs @fn(@arg) and exits 0, or 1 when the case failed. */
pid_t tl_spawn(void (*fn)(void *), void *arg);
/*
 * Wait for child @pid at most @ms milliseconds (pidfd + poll, no sleeping).
 * Returns 0 and the wait status, or -ETIMEDOUT (the child is then killed
 * and reaped) or -errno.
 */
int tl_wait(pid_t pid, int ms, int *status);
/* tl_wait() and check that the child exited 0; records a failure if not. */
bool tl_join(pid_t pid, const char *who);
/*
 * Fork a child that touches the byte at @addr (reads it, or writes it when
 * @write) and exits. The child shares the caller's fds and mappings, so it
 * is the same client. Returns 0 when the access worked, the signal number
 * that killed the child (SIGBUS...), or -errno.
 */
int tl_probe(volatile void *addr, bool write);

/* A one-way message channel between processes (a pipe). */
struct tl_chan {
	int rd, wr;
};
int tl_chan_init(struct tl_chan *c);
/* Send a 64-bit word. */
int tl_chan_send(struct tl_chan *c, uint64_t v);
/* Receive one word, waiting at most @ms ms. -ETIMEDOUT, -EPIPE at EOF. */
int tl_chan_recv(struct tl_chan *c, uint64_t *v, int ms);
void tl_chan_close(struct tl_chan *c);

/* Shared anonymous memory (visible to forked children), zeroed; or NULL. */
void *tl_shared_alloc(size_t len);

/*
 * Wait at most @ms ms for a DRM event on @fd and read it as a fetch
 * completion. Returns 0, -ETIMEDOUT, -EPROTO (wrong type or length) or
 * -errno.
 */
int tl_read_fetch_event(int fd, int ms, struct drm_kvtier_event_fetch *ev);
/* True when @fd has nothing to read right now. */
bool tl_no_event(int fd);

/*
 * The program's shared pool, created by the runner (admin) before the
 * cases and destroyed after them: cases share it and free what they made.
 * tl_setup_pool() prints a FAIL setup line and exits 1 when it cannot.
 * tl_teardown_pool() fails (as case "teardown") when the pool cannot be
 * destroyed although every case passed: a case or the driver leaked.
 */
uint32_t tl_setup_pool(uint64_t slot_size, uint64_t slot_count);
void tl_teardown_pool(uint32_t pool_id);
/* The page size, as the tests expect the driver to report it. */
uint64_t tl_page(void);
/* An address that faults on access (a PROT_NONE page), or NULL. */
void *tl_bad_ptr(void);

/* MemFree from /proc/meminfo in KiB, or 0 when unreadable. */
uint64_t tl_mem_free_kib(void);

#endif /* KVTIER_TLIB_H */
