/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvtr_trace: serving traces in the JSON Lines format of the Mooncake
 * FAST'25 traces (see tests/data/README.md), one request per line:
 *
 *   {"timestamp": 27482, "input_length": 6955, "output_length": 52,
 *    "hash_ids": [46, 47, 48, 2353]}
 *
 * The parser reads exactly this shape and nothing else: the four members
 * in any order, each once, non-negative integers, an array of them for
 * hash_ids. No JSON library, no escapes, no floats. Lines holding only
 * white space are skipped; a last line with no newline is read like any
 * other (and is an error when it is cut short).
 *
 * Functions return 0 or -errno.
 */
#ifndef KVTR_TRACE_H
#define KVTR_TRACE_H

#include <stddef.h>
#include <stdint.h>

/**
 * struct kvtr_request - one request of a trace.
 * @timestamp_ms: Arrival, in milliseconds from the start of the trace.
 * @input_length: Prompt tokens.
 * @output_length: Completion tokens.
 * @first_id: Index of its first block id in kvtr_trace.ids.
 * @nids: Its block ids, in prompt order.
 * @line: Its line in the file, for messages.
 */
struct kvtr_request {
	uint64_t timestamp_ms;
	uint64_t input_length;
	uint64_t output_length;
	size_t first_id;
	size_t nids;
	size_t line;
};

/**
 * struct kvtr_trace - a whole trace.
 * @req: The requests, in file order.
 * @nreq: How many.
 * @ids: Every request's hash_ids, one after another.
 * @nids: How many (the trace's block references).
 */
struct kvtr_trace {
	struct kvtr_request *req;
	size_t nreq;
	uint64_t *ids;
	size_t nids;
};

/**
 * struct kvtr_error - where and why a trace was refused.
 * @line: 1-based line number (0 when the file could not be read).
 * @column: 1-based byte column within the line.
 * @what: What was wrong, a static string.
 */
struct kvtr_error {
	size_t line;
	size_t column;
	const char *what;
};

/**
 * kvtr_trace_parse() - parse a trace held in memory.
 * @buf: The text (need not be NUL-terminated).
 * @len: Its length.
 * @t: Out. The trace; free it with kvtr_trace_free().
 * @err: Out. On -EINVAL, the first malformed line.
 *
 * Return: 0; -EINVAL for a malformed line (*@t is left empty); -ENOMEM.
 */
int kvtr_trace_parse(const char *buf, size_t len, struct kvtr_trace *t,
		     struct kvtr_error *err);

/**
 * kvtr_trace_load() - read and parse a trace file.
 * @path: The file.
 * @t: Out. As kvtr_trace_parse().
 * @err: Out. As kvtr_trace_parse(); line 0 when reading failed.
 *
 * Return: as kvtr_trace_parse(), or the -errno of opening or reading.
 */
int kvtr_trace_load(const char *path, struct kvtr_trace *t,
		    struct kvtr_error *err);

/* Free what @t holds and leave it empty. */
void kvtr_trace_free(struct kvtr_trace *t);

/* Return: the @i-th request's first block id (its ids run for nids). */
static inline const uint64_t *kvtr_request_ids(const struct kvtr_trace *t,
					       size_t i)
{
	return t->ids + t->req[i].first_id;
}

#endif /* KVTR_TRACE_H */
