// SPDX-License-Identifier: GPL-2.0
/*
 * Requests to tenants (see live_assign.h).
 */
#include "live_assign.h"

size_t kvtr_live_tenant_requests(size_t nreq, uint32_t ntenants,
				 uint32_t tenant)
{
	if (tenant >= ntenants)
		return 0;
	return nreq / ntenants + (tenant < nreq % ntenants ? 1 : 0);
}

size_t kvtr_live_tenant_max_blocks(const struct kvtr_trace *t, size_t nreq,
				   uint32_t ntenants, uint32_t tenant)
{
	size_t i, most = 0;

	if (nreq > t->nreq)
		nreq = t->nreq;
	for (i = tenant; tenant < ntenants && i < nreq; i += ntenants)
		if (t->req[i].nids > most)
			most = t->req[i].nids;
	return most;
}
