// SPDX-License-Identifier: GPL-2.0
/*
 * Names of the uAPI's enumerations, for tools and logs.
 */
#include <errno.h>
#include <string.h>

#include "kvtier_internal.h"

static const char *const kvtl_kinds[KVTIER_KIND_COUNT] = {
	[KVTIER_KIND_RAW] = "raw",
	[KVTIER_KIND_KV] = "kv",
	[KVTIER_KIND_ADAPTER] = "adapter",
	[KVTIER_KIND_EXPERT] = "expert",
};

static const char *const kvtl_states[KVTIER_STATE_COUNT] = {
	[KVTIER_STATE_WRITING] = "writing",
	[KVTIER_STATE_READY] = "ready",
	[KVTIER_STATE_EVICTING] = "evicting",
};

static const char *const kvtl_tiers[KVTIER_TIER_COUNT] = {
	[KVTIER_TIER_DEVICE] = "device",
	[KVTIER_TIER_HOST] = "host",
	[KVTIER_TIER_DISK] = "disk",
};

const char *kvtier_kind_name(uint32_t kind)
{
	return kind < KVTIER_KIND_COUNT ? kvtl_kinds[kind] : "unknown";
}

int kvtier_kind_parse(const char *name)
{
	int i;

	for (i = 0; i < KVTIER_KIND_COUNT; i++) {
		if (strcmp(name, kvtl_kinds[i]) == 0)
			return i;
	}
	return -EINVAL;
}

const char *kvtier_state_name(uint32_t state)
{
	return state < KVTIER_STATE_COUNT ? kvtl_states[state] : "unknown";
}

const char *kvtier_tier_name(uint32_t tier)
{
	return tier < KVTIER_TIER_COUNT ? kvtl_tiers[tier] : "unknown";
}
