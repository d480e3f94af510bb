// SPDX-License-Identifier: GPL-2.0
/*
 * A streaming JSON writer: enough for the tools' --json output, with the
 * string escaping done right (tenant paths and driver strings are not ours
 * to trust) and no dependency.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>

#include "kvtool.h"

void kvtool_json_init(struct kvtool_json *j, FILE *f)
{
	*j = (struct kvtool_json){ .f = f };
}

void kvtool_json_write_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	for (; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

/* Writes the comma and key that go before a value; false on misuse. */
static bool kvtool_json_lead(struct kvtool_json *j, const char *key)
{
	bool in_object = j->depth > 0 && !j->is_array[j->depth - 1];

	if (j->err)
		return false;
	/* One outermost value per finish; a key only inside an object. */
	if ((j->depth == 0 && j->count[0] > 0) || (key != NULL) != in_object) {
		j->err = -EINVAL;
		return false;
	}
	if (j->depth > 0 && j->count[j->depth] > 0)
		fputc(',', j->f);
	if (key) {
		kvtool_json_write_string(j->f, key);
		fputc(':', j->f);
	}
	j->count[j->depth]++;
	return true;
}

/* After a value: the outermost one ends its line. */
static void kvtool_json_trail(struct kvtool_json *j)
{
	if (j->depth == 0)
		fputc('\n', j->f);
}

static void kvtool_json_open(struct kvtool_json *j, const char *key,
			     bool array)
{
	if (j->depth + 1 >= KVTOOL_JSON_DEPTH) {
		j->err = -EINVAL;
		return;
	}
	if (!kvtool_json_lead(j, key))
		return;
	fputc(array ? '[' : '{', j->f);
	j->is_array[j->depth] = array;
	j->depth++;
	j->count[j->depth] = 0;
}

static void kvtool_json_close(struct kvtool_json *j, bool array)
{
	if (j->err)
		return;
	if (j->depth == 0 || j->is_array[j->depth - 1] != array) {
		j->err = -EINVAL;
		return;
	}
	fputc(array ? ']' : '}', j->f);
	j->depth--;
	kvtool_json_trail(j);
}

void kvtool_json_object_begin(struct kvtool_json *j, const char *key)
{
	kvtool_json_open(j, key, false);
}

void kvtool_json_object_end(struct kvtool_json *j)
{
	kvtool_json_close(j, false);
}

void kvtool_json_array_begin(struct kvtool_json *j, const char *key)
{
	kvtool_json_open(j, key, true);
}

void kvtool_json_array_end(struct kvtool_json *j)
{
	kvtool_json_close(j, true);
}

void kvtool_json_str(struct kvtool_json *j, const char *key, const char *v)
{
	if (!kvtool_json_lead(j, key))
		return;
	if (v)
		kvtool_json_write_string(j->f, v);
	else
		fputs("null", j->f);
	kvtool_json_trail(j);
}

void kvtool_json_u64(struct kvtool_json *j, const char *key, uint64_t v)
{
	if (!kvtool_json_lead(j, key))
		return;
	fprintf(j->f, "%" PRIu64, v);
	kvtool_json_trail(j);
}

void kvtool_json_i64(struct kvtool_json *j, const char *key, int64_t v)
{
	if (!kvtool_json_lead(j, key))
		return;
	fprintf(j->f, "%" PRId64, v);
	kvtool_json_trail(j);
}

void kvtool_json_double(struct kvtool_json *j, const char *key, double v)
{
	if (!kvtool_json_lead(j, key))
		return;
	if (isfinite(v))
		/* 15 significant digits survive a round trip through any
		 * JSON parser's double. */
		fprintf(j->f, "%.15g", v);
	else
		fputs("null", j->f);
	kvtool_json_trail(j);
}

void kvtool_json_bool(struct kvtool_json *j, const char *key, bool v)
{
	if (!kvtool_json_lead(j, key))
		return;
	fputs(v ? "true" : "false", j->f);
	kvtool_json_trail(j);
}

void kvtool_json_null(struct kvtool_json *j, const char *key)
{
	if (!kvtool_json_lead(j, key))
		return;
	fputs("null", j->f);
	kvtool_json_trail(j);
}

int kvtool_json_finish(struct kvtool_json *j)
{
	int ret = j->err;

	if (!ret && j->depth != 0)
		ret = -EINVAL;
	if (!ret && ferror(j->f))
		ret = -EIO;
	/* Ready for the next line of a JSON Lines stream. */
	j->depth = 0;
	j->count[0] = 0;
	j->err = 0;
	return ret;
}
