/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvtierd's USDT probes: every probe the daemon fires, in one place.
 *
 * Provider "kvtierd". Each probe is a <sys/sdt.h> site: a nop instruction
 * and an ELF note (.note.stapsdt) naming the probe and where its arguments
 * are, so that nothing runs unless a tracer (bpftrace, a libbpf USDT
 * program, perf) attaches, and kvtierd needs no library at run time. List
 * them with `readelf -n build/kvtierd` or `bpftrace -l 'usdt:build/kvtierd:*'`;
 * scripts/check-usdt.sh (make check) checks that each is there with the
 * arguments below: the eBPF tools rely on their order and sizes.
 *
 * Arguments are cast to fixed widths here, since the note records each
 * argument's size and signedness from its C type: u64 is "8", u32 "4",
 * s32 "-4", a pointer "8". Keys are the object's (lo, hi) and its tenant;
 * tiers are KVTIER_TIER_* values.
 *
 * Each probe fires exactly once per event, where the event happens (see
 * each macro), on failures too; the eBPF tests compare counts exactly.
 * Built without <sys/sdt.h> (systemtap-sdt-dev, `make deps`), the probes
 * compile to nothing, and the probe check fails.
 */
#ifndef KVTD_USDT_H
#define KVTD_USDT_H

#include <stdint.h>

#if defined(__has_include)
#if __has_include(<sys/sdt.h>)
#include <sys/sdt.h>
#define KVTD_HAVE_USDT 1
#endif
#endif

/* The byte-moving paths of transfer_start/transfer_end (@path). */
#define KVTD_PATH_DISK_HOST 0	/* disk read into a pool slot */
#define KVTD_PATH_HOST_DEVICE 1	/* copy from a pool slot into a region */
#define KVTD_PATH_DISK_DEVICE 2	/* disk read into a region (staged or not) */
#define KVTD_PATH_DEVICE_HOST 3	/* reserved: no work moves DEVICE -> HOST */
#define KVTD_PATH_HOST_DISK 4	/* write-back of a host copy */

/*
 * The eviction kinds of evict (@kind): enum kvtd_evict_kind's values
 * (daemon/policy/kvtd_planner.h), restated for tracers that cannot
 * include it; a build-time check in pressure.c keeps them equal.
 */
#define KVTD_USDT_EVICT_SKIP_BUSY 1
#define KVTD_USDT_EVICT_DROP 2
#define KVTD_USDT_EVICT_WAIT_WRITE 3
#define KVTD_USDT_EVICT_WRITE_DROP 4
#define KVTD_USDT_EVICT_DROP_POLICY 5

/* Score of a decision whose policy makes no reuse estimate. */
#define KVTD_USDT_NO_SCORE (-1)

#ifdef KVTD_HAVE_USDT
#define KVTD_USDT6(name, a1, a2, a3, a4, a5, a6) \
	DTRACE_PROBE6(kvtierd, name, a1, a2, a3, a4, a5, a6)
#define KVTD_USDT7(name, a1, a2, a3, a4, a5, a6, a7) \
	DTRACE_PROBE7(kvtierd, name, a1, a2, a3, a4, a5, a6, a7)
#else
#define KVTD_USDT6(name, a1, a2, a3, a4, a5, a6) do { } while (0)
#define KVTD_USDT7(name, a1, a2, a3, a4, a5, a6, a7) do { } while (0)
#endif

/*
 * work_received(u64 work_id, u64 key_lo, u64 key_hi, u64 tenant,
 *		 u32 src_tier, u32 dst_tier, u64 bytes)
 * Each work item WORK_RECV hands the daemon, as it is taken (loop.c);
 * @bytes is the object's size.
 */
#define KVTD_USDT_WORK_RECEIVED(work_id, key_lo, key_hi, tenant, src, dst, \
				bytes)                                      \
	KVTD_USDT7(work_received, (uint64_t)(work_id), (uint64_t)(key_lo), \
		   (uint64_t)(key_hi), (uint64_t)(tenant), (uint32_t)(src), \
		   (uint32_t)(dst), (uint64_t)(bytes))

/*
 * work_completed(u64 work_id, u64 key_lo, u64 key_hi, u64 tenant,
 *		  s32 status, u64 bytes)
 * Each work item's completion as it is queued for WORK_COMPLETE (exec.c):
 * @status 0 or -errno, @bytes as the completion reports them to the
 * driver. Once per item, whatever retries WORK_COMPLETE itself needs.
 */
#define KVTD_USDT_WORK_COMPLETED(work_id, key_lo, key_hi, tenant, status, \
				 bytes)                                    \
	KVTD_USDT6(work_completed, (uint64_t)(work_id), (uint64_t)(key_lo), \
		   (uint64_t)(key_hi), (uint64_t)(tenant), (int32_t)(status), \
		   (uint64_t)(bytes))

/*
 * transfer_start(u64 xfer_id, u32 path, u64 bytes, u64 key_lo,
 *		  u64 key_hi, u64 tenant)
 * transfer_end(u64 xfer_id, u32 path, u64 bytes, u64 key_lo, u64 key_hi,
 *		u64 tenant, s32 status)
 * One object's bytes moving on @path (KVTD_PATH_*); @xfer_id is a
 * counter, unique in the daemon's life, the same on both. Start fires
 * when the operation is issued (a disk read or write queued, a copy
 * batch begun: each object of a batch is a transfer of its own), end when
 * its bytes are in place or it failed (@status 0 or -errno). An operation
 * refused before it started (queue full, no such disk copy) is no
 * transfer. A work item served by another's disk read of the same object
 * is a transfer of its own, from the read's issue (or its joining it) to
 * the copy of the bytes into its destination. @bytes as the stats line
 * counts them: the object's bytes for reads and copies, the bytes
 * written (rounded to 4 KiB) for write-back.
 */
#define KVTD_USDT_TRANSFER_START(xfer_id, path, bytes, key_lo, key_hi, \
				 tenant)                              \
	KVTD_USDT6(transfer_start, (uint64_t)(xfer_id), (uint32_t)(path), \
		   (uint64_t)(bytes), (uint64_t)(key_lo), (uint64_t)(key_hi), \
		   (uint64_t)(tenant))
#define KVTD_USDT_TRANSFER_END(xfer_id, path, bytes, key_lo, key_hi, tenant, \
			       status)                                      \
	KVTD_USDT7(transfer_end, (uint64_t)(xfer_id), (uint32_t)(path),     \
		   (uint64_t)(bytes), (uint64_t)(key_lo), (uint64_t)(key_hi), \
		   (uint64_t)(tenant), (int32_t)(status))

/*
 * evict(u64 key_lo, u64 key_hi, u64 tenant, u32 tier, u32 kind,
 *	 s32 score, const char *policy)
 * Each eviction the daemon carries out, when the copy actually goes:
 *  - @tier KVTIER_TIER_HOST: a host copy dropped (RESIDENCY DROP HOST
 *    succeeded), @kind the planner's (DROP, DROP_POLICY, WRITE_DROP,
 *    WAIT_WRITE; the last two once the write to disk completed, or
 *    WRITE_DROP for want of disk space); or, @kind SKIP_BUSY, a drop
 *    refused with -EBUSY (a client holds the object) or, in a pass's
 *    drops, -ENOENT (freed meanwhile): exactly what the stats line's
 *    evict_busy counts.
 *  - @tier KVTIER_TIER_DISK: a disk copy dropped: an unclaimed copy
 *    reclaimed for room, or the copy of an object freed while it was
 *    written; @kind DROP.
 * @score is the policy's reuse estimate of the victim in per-mille,
 * taken as it was named, or -1 where the policy makes none (LRU) or
 * there was no policy decision (disk drops). @policy the eviction
 * policy's name.
 */
#define KVTD_USDT_EVICT(key_lo, key_hi, tenant, tier, kind, score, policy) \
	KVTD_USDT7(evict, (uint64_t)(key_lo), (uint64_t)(key_hi),         \
		   (uint64_t)(tenant), (uint32_t)(tier), (uint32_t)(kind),  \
		   (int32_t)(score), (const char *)(policy))

/*
 * admit(u64 key_lo, u64 key_hi, u64 tenant, u32 tier, s32 score,
 *	 const char *policy)
 * Each object the write policy puts in the disk tier, when its write is
 * queued (write-through, selective, or write on eviction), once per
 * write issued; @tier KVTIER_TIER_DISK, @score and @policy as for evict.
 */
#define KVTD_USDT_ADMIT(key_lo, key_hi, tenant, tier, score, policy)      \
	KVTD_USDT6(admit, (uint64_t)(key_lo), (uint64_t)(key_hi),         \
		   (uint64_t)(tenant), (uint32_t)(tier), (int32_t)(score),  \
		   (const char *)(policy))

#endif /* KVTD_USDT_H */
