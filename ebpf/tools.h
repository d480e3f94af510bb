/* SPDX-License-Identifier: GPL-2.0 */
/* The kvtier-trace subcommands, one per loader (x.c). */
#ifndef KVTIER_EBPF_TOOLS_H
#define KVTIER_EBPF_TOOLS_H

#include "trace_util.h"

extern const struct kvt_tool kvt_tool_latency;
extern const struct kvt_tool kvt_tool_tenants;
extern const struct kvt_tool kvt_tool_transfers;
extern const struct kvt_tool kvt_tool_evictions;

#endif /* KVTIER_EBPF_TOOLS_H */
