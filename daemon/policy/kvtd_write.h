/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Write policies: when an object in the host tier is written to the disk
 * tier, and whether evicting it from the host may drop it unwritten.
 * Chosen per pool. A pure decision over plain structs; the daemon queues
 * the writes and drops that it is told to.
 *
 * - write-through: every committed object is written at once; evicting
 *   it never loses it. Most disk bandwidth, least risk.
 * - write-back: written only when it is evicted from the host; every
 *   object survives, but eviction waits for the write.
 * - selective: written once it has been hit N times; an evicted object
 *   that never earned it is dropped unwritten. Keeps the disk for blocks
 *   that are reused, since most blocks of a serving trace never are.
 *
 * Functions return 0 or -errno.
 */
#ifndef KVTD_WRITE_H
#define KVTD_WRITE_H

#include <stdbool.h>
#include <stdint.h>

enum kvtd_write_mode {
	KVTD_WRITE_THROUGH,
	KVTD_WRITE_BACK,
	KVTD_WRITE_SELECTIVE,
};

/*
 * Selective: write on the first hit. One reuse is what tells a shared
 * prefix from a one-off prompt tail, and one-offs are most blocks: 58% of
 * the distinct blocks of the Mooncake synthetic trace and 78% of the
 * conversation trace's first 3,000 requests are referenced once, so they
 * are never written, while every block that was ever reused is kept.
 */
#define KVTD_WRITE_SELECTIVE_HITS_DEFAULT 1u

enum kvtd_write_event {
	KVTD_WRITE_EV_COMMIT,	/* the object became ready in the host tier */
	KVTD_WRITE_EV_HIT,	/* a lookup found it */
	KVTD_WRITE_EV_EVICT,	/* the host tier wants its slots back */
};

/**
 * struct kvtd_write_policy - one pool's write policy.
 * @mode: One of enum kvtd_write_mode.
 * @hits: For KVTD_WRITE_SELECTIVE: hits after which it is written
 *        (0 writes at commit, like write-through).
 */
struct kvtd_write_policy {
	enum kvtd_write_mode mode;
	uint32_t hits;
};

/**
 * struct kvtd_write_object - what the decision needs to know of an object.
 * @on_disk: A complete copy is in the disk tier.
 * @writing: A write to the disk tier is queued or in flight.
 * @hits: Hits so far, the one being reported included.
 */
struct kvtd_write_object {
	bool on_disk;
	bool writing;
	uint32_t hits;
};

/**
 * struct kvtd_write_decision - what to do.
 * @write: Queue a write to the disk tier now.
 * @drop: (KVTD_WRITE_EV_EVICT only) the host copy may be dropped now.
 *        False on eviction means: drop it once its write has completed.
 */
struct kvtd_write_decision {
	bool write;
	bool drop;
};

/**
 * kvtd_write_decide() - the write policy's answer to one event.
 * @pol: The pool's policy.
 * @ev: What happened.
 * @obj: The object's state.
 * @out: Out. The decision.
 *
 * Return: 0, -EINVAL for an unknown mode or event.
 */
int kvtd_write_decide(const struct kvtd_write_policy *pol,
		      enum kvtd_write_event ev,
		      const struct kvtd_write_object *obj,
		      struct kvtd_write_decision *out);

#endif /* KVTD_WRITE_H */
