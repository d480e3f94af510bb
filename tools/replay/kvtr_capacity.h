/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvtr_capacity: the cache sizes a simulation runs at, given on the
 * command line as shares of the trace's distinct blocks ("2%,5%") or as
 * block counts ("1000,4000").
 *
 * Functions return 0 or -errno.
 */
#ifndef KVTR_CAPACITY_H
#define KVTR_CAPACITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The default sizes: the shares of the reference table in the traces'
 * README, from a cache that holds little of the working set to one that
 * holds a quarter of it.
 */
#define KVTR_CAPACITY_DEFAULT "2%,5%,10%,25%"
/* More sizes than anyone reads in one table. */
#define KVTR_CAPACITY_MAX 64

/**
 * struct kvtr_capacity - one cache size.
 * @is_share: Given as a share (@percent) rather than in @blocks.
 * @percent: Share of the distinct blocks, in percent (0 < .. <= 100).
 * @blocks: Blocks, when not a share.
 */
struct kvtr_capacity {
	bool is_share;
	double percent;
	uint64_t blocks;
};

/**
 * kvtr_capacity_parse() - parse a comma-separated list of sizes.
 * @list: "2%,5%" (shares, with @blocks false) or "100,200" (@blocks true).
 * @blocks: Whether the items are block counts.
 * @out: Out. The sizes.
 * @max: Room in @out.
 * @n: Out. How many were parsed.
 *
 * Return: 0; -EINVAL for an empty list or item, a share outside (0, 100]
 * or without its '%', anything that is not a plain decimal number;
 * -E2BIG for more than @max items.
 */
int kvtr_capacity_parse(const char *list, bool blocks,
			struct kvtr_capacity *out, size_t max, size_t *n);

/*
 * Return: @c in blocks for a trace of @distinct blocks; a share is rounded
 * down, as the reference table's capacities are.
 */
uint64_t kvtr_capacity_blocks(const struct kvtr_capacity *c, size_t distinct);

#endif /* KVTR_CAPACITY_H */
