// SPDX-License-Identifier: GPL-2.0
/*
 * The trace reader. See kvtr_trace.h for the accepted shape.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kvtr_trace.h"

/* Arrays start this big and double: the traces hold thousands of lines. */
#define TRACE_MIN_REQS 256u
#define TRACE_MIN_IDS 4096u

/* The members of a request, one bit each to catch repeats and misses. */
enum trace_member {
	TM_TIMESTAMP = 1u << 0,
	TM_INPUT = 1u << 1,
	TM_OUTPUT = 1u << 2,
	TM_HASH_IDS = 1u << 3,
};

#define TM_ALL (TM_TIMESTAMP | TM_INPUT | TM_OUTPUT | TM_HASH_IDS)

/* One line being parsed; @p is where the cursor is. */
struct trace_cursor {
	const char *p;
	const char *end;
	const char *what;	/* set on the first error */
};

static void trace_skip_ws(struct trace_cursor *c)
{
	while (c->p < c->end &&
	       (*c->p == ' ' || *c->p == '\t' || *c->p == '\r'))
		c->p++;
}

static int trace_fail(struct trace_cursor *c, const char *what)
{
	c->what = what;
	return -EINVAL;
}

static int trace_expect(struct trace_cursor *c, char ch, const char *what)
{
	trace_skip_ws(c);
	if (c->p == c->end || *c->p != ch)
		return trace_fail(c, what);
	c->p++;
	return 0;
}

static int trace_number(struct trace_cursor *c, uint64_t *out)
{
	uint64_t v = 0;
	const char *start;
	unsigned int d;

	trace_skip_ws(c);
	if (c->p == c->end)
		return trace_fail(c, "expected a number, found the end of the line");
	if (*c->p == '-')
		return trace_fail(c, "negative number");
	if (*c->p < '0' || *c->p > '9')
		return trace_fail(c, "expected a number");
	start = c->p;
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		d = (unsigned int)(*c->p - '0');
		if (v > (UINT64_MAX - d) / 10) {
			c->p = start;
			return trace_fail(c, "number does not fit in 64 bits");
		}
		v = v * 10 + d;
		c->p++;
	}
	if (*start == '0' && c->p - start > 1) {
		c->p = start;
		return trace_fail(c, "number with a leading zero");
	}
	if (c->p < c->end &&
	    (*c->p == '.' || *c->p == 'e' || *c->p == 'E')) {
		c->p = start;
		return trace_fail(c, "number is not an integer");
	}
	*out = v;
	return 0;
}

/* A member name: a plain quoted word, as the four names are. */
static int trace_member_name(struct trace_cursor *c, unsigned int *member)
{
	static const struct {
		const char *name;
		unsigned int bit;
	} names[] = {
		{ "timestamp", TM_TIMESTAMP },
		{ "input_length", TM_INPUT },
		{ "output_length", TM_OUTPUT },
		{ "hash_ids", TM_HASH_IDS },
	};
	const char *start, *q;
	size_t i, n;

	if (trace_expect(c, '"', "expected a member name"))
		return -EINVAL;
	start = c->p;
	q = memchr(start, '"', (size_t)(c->end - start));
	if (!q)
		return trace_fail(c, "unterminated member name");
	n = (size_t)(q - start);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strlen(names[i].name) == n &&
		    !memcmp(names[i].name, start, n)) {
			*member = names[i].bit;
			c->p = q + 1;
			return 0;
		}
	}
	return trace_fail(c, "unknown member name");
}

/* Room for one more element in an array of @size-byte elements. */
static int trace_reserve(void **arr, size_t *cap, size_t n, size_t size,
			 size_t min)
{
	size_t want;
	void *a;

	if (n < *cap)
		return 0;
	want = *cap ? *cap * 2 : min;
	if (want < *cap || want > SIZE_MAX / size)
		return -ENOMEM;
	a = realloc(*arr, want * size);
	if (!a)
		return -ENOMEM;
	*arr = a;
	*cap = want;
	return 0;
}

/* Growing arrays behind a trace being built. */
struct trace_builder {
	struct kvtr_trace *t;
	size_t req_cap;
	size_t ids_cap;
};

static int trace_hash_ids(struct trace_cursor *c, struct trace_builder *b)
{
	struct kvtr_trace *t = b->t;
	uint64_t id;
	int ret;

	if (trace_expect(c, '[', "hash_ids is not an array"))
		return -EINVAL;
	trace_skip_ws(c);
	if (c->p < c->end && *c->p == ']') {
		c->p++;
		return 0;
	}
	for (;;) {
		if (trace_number(c, &id))
			return -EINVAL;
		ret = trace_reserve((void **)&t->ids, &b->ids_cap, t->nids,
				    sizeof(*t->ids), TRACE_MIN_IDS);
		if (ret)
			return ret;
		t->ids[t->nids++] = id;
		trace_skip_ws(c);
		if (c->p == c->end)
			return trace_fail(c, "unterminated hash_ids array");
		if (*c->p == ']') {
			c->p++;
			return 0;
		}
		if (*c->p != ',')
			return trace_fail(c, "expected ',' or ']' in hash_ids");
		c->p++;
	}
}

/* Parse one non-blank line into a new request. */
static int trace_line(struct trace_cursor *c, struct trace_builder *b,
		      size_t lineno)
{
	struct kvtr_trace *t = b->t;
	struct kvtr_request r = { .first_id = t->nids, .line = lineno };
	unsigned int seen = 0, m;
	const char *name;
	uint64_t *num;
	int ret;

	if (trace_expect(c, '{', "expected '{' to open a request"))
		return -EINVAL;
	for (;;) {
		trace_skip_ws(c);
		name = c->p;
		ret = trace_member_name(c, &m);
		if (ret)
			return ret;
		if (seen & m) {
			c->p = name;
			return trace_fail(c, "member given twice");
		}
		seen |= m;
		if (trace_expect(c, ':', "expected ':' after a member name"))
			return -EINVAL;
		if (m == TM_HASH_IDS) {
			ret = trace_hash_ids(c, b);
			if (ret)
				return ret;
		} else {
			num = m == TM_TIMESTAMP ? &r.timestamp_ms :
			      m == TM_INPUT	? &r.input_length :
						  &r.output_length;
			if (trace_number(c, num))
				return -EINVAL;
		}
		trace_skip_ws(c);
		if (c->p == c->end)
			return trace_fail(c, "line ends inside a request");
		if (*c->p == '}')
			break;
		if (*c->p != ',')
			return trace_fail(c, "expected ',' or '}' after a member");
		c->p++;
	}
	c->p++;
	if (seen != TM_ALL)
		return trace_fail(c, "request lacks a member");
	trace_skip_ws(c);
	if (c->p != c->end)
		return trace_fail(c, "text after the request");
	r.nids = t->nids - r.first_id;
	ret = trace_reserve((void **)&t->req, &b->req_cap, t->nreq,
			    sizeof(*t->req), TRACE_MIN_REQS);
	if (ret)
		return ret;
	t->req[t->nreq++] = r;
	return 0;
}

static bool trace_blank(const char *p, const char *end)
{
	for (; p < end; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r')
			return false;
	return true;
}

int kvtr_trace_parse(const char *buf, size_t len, struct kvtr_trace *t,
		     struct kvtr_error *err)
{
	struct trace_builder b = { .t = t };
	const char *line = buf, *end = buf + len, *nl;
	struct trace_cursor c;
	size_t lineno = 0;
	int ret = 0;

	memset(t, 0, sizeof(*t));
	while (line < end) {
		nl = memchr(line, '\n', (size_t)(end - line));
		lineno++;
		c = (struct trace_cursor){ .p = line, .end = nl ? nl : end };
		if (!trace_blank(c.p, c.end)) {
			ret = trace_line(&c, &b, lineno);
			if (ret)
				break;
		}
		if (!nl)
			break;
		line = nl + 1;
	}
	if (ret == -EINVAL) {
		err->line = lineno;
		err->column = (size_t)(c.p - line) + 1;
		err->what = c.what;
	}
	if (ret)
		kvtr_trace_free(t);
	return ret;
}

/* A pipe's first read buffer; it doubles as it fills. */
#define TRACE_PIPE_BUF (1u << 16)

/* Read all of @fd into a new buffer. */
static int trace_slurp(int fd, char **out, size_t *len)
{
	size_t cap = TRACE_PIPE_BUF, n = 0;
	struct stat st;
	ssize_t got;
	char *buf;
	int ret;

	/* A regular file in one read (the +1 sees its end at once). */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
		cap = (size_t)st.st_size + 1;
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ret = trace_reserve((void **)&buf, &cap, n, 1, TRACE_PIPE_BUF);
		if (ret)
			goto err_free;
		got = read(fd, buf + n, cap - n);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			ret = errno ? -errno : -EIO;
			goto err_free;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	*out = buf;
	*len = n;
	return 0;

err_free:
	free(buf);
	return ret;
}

int kvtr_trace_load(const char *path, struct kvtr_trace *t,
		    struct kvtr_error *err)
{
	size_t len = 0;
	char *buf = NULL;
	int fd, ret;

	memset(t, 0, sizeof(*t));
	*err = (struct kvtr_error){ .what = "cannot read the file" };
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = trace_slurp(fd, &buf, &len);
	close(fd);
	if (ret)
		return ret;
	ret = kvtr_trace_parse(buf, len, t, err);
	free(buf);
	return ret;
}

void kvtr_trace_free(struct kvtr_trace *t)
{
	free(t->req);
	free(t->ids);
	memset(t, 0, sizeof(*t));
}
