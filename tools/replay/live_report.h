/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The live replay's report: per tenant and in total, as text or as one
 * JSON object. The text ends with `integrity: N verified, N failed`.
 */
#ifndef KVTR_LIVE_REPORT_H
#define KVTR_LIVE_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "live.h"
#include "live_record.h"

/**
 * struct kvtr_live_report - what the report shows.
 * @p: The plan.
 * @tenants: Each tenant's results (latencies sorted).
 * @why: Per tenant, why it failed, or NULL.
 * @total: All tenants together (latencies sorted).
 * @manager: A manager (kvtierd) was attached at the start.
 * @ok: The run's verdict: every tenant finished, nothing failed to verify.
 */
struct kvtr_live_report {
	const struct kvtr_live_plan *p;
	const struct kvtr_live_tenant *tenants;
	const char *const *why;
	const struct kvtr_live_stats *total;
	bool manager;
	bool ok;
};

/* Print the text report to @f. Return: 0, or -EIO on a write error. */
int kvtr_live_report_text(FILE *f, const struct kvtr_live_report *r);

/* Print the JSON report to @f. Return: as kvtool_json_finish(). */
int kvtr_live_report_json(FILE *f, const struct kvtr_live_report *r);

#endif /* KVTR_LIVE_REPORT_H */
