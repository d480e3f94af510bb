/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvtool: small helpers the kvtier tools share (kvtierctl, kvtier-bench,
 * the demo client, later the daemon's status output). Built into
 * libkvtool.a, not into libkvtier: they are not part of the client API.
 *
 * Return contract as in libkvtier: 0 or -errno, errno never relied on.
 */
#ifndef KVTOOL_H
#define KVTOOL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Nesting a JSON writer follows: kvtierctl's deepest output is three. */
#define KVTOOL_JSON_DEPTH 16

/**
 * struct kvtool_json - a streaming JSON writer with no allocation.
 * @f: Where the text goes.
 * @depth: Open objects and arrays.
 * @count: Members written so far at each depth (for commas).
 * @is_array: Whether each open level is an array (members have no keys).
 * @err: The first misuse (-EINVAL), or 0.
 *
 * Writes compact JSON (RFC 8259): one value, and a newline when the
 * outermost value closes, so a stream of them is JSON Lines.
 */
struct kvtool_json {
	FILE *f;
	unsigned int depth;
	uint32_t count[KVTOOL_JSON_DEPTH];
	bool is_array[KVTOOL_JSON_DEPTH];
	int err;
};

/* Start writing to @f. */
void kvtool_json_init(struct kvtool_json *j, FILE *f);

/*
 * Every value function takes @key: the member name inside an object, NULL
 * inside an array or for the outermost value. A key where none belongs,
 * or none where one does, is a misuse: nothing is written and
 * kvtool_json_finish() reports -EINVAL.
 */
void kvtool_json_object_begin(struct kvtool_json *j, const char *key);
void kvtool_json_object_end(struct kvtool_json *j);
void kvtool_json_array_begin(struct kvtool_json *j, const char *key);
void kvtool_json_array_end(struct kvtool_json *j);
/* A string, escaped; NULL writes null. */
void kvtool_json_str(struct kvtool_json *j, const char *key, const char *v);
void kvtool_json_u64(struct kvtool_json *j, const char *key, uint64_t v);
void kvtool_json_i64(struct kvtool_json *j, const char *key, int64_t v);
/* NaN and infinities have no JSON form: they are written as null. */
void kvtool_json_double(struct kvtool_json *j, const char *key, double v);
void kvtool_json_bool(struct kvtool_json *j, const char *key, bool v);
void kvtool_json_null(struct kvtool_json *j, const char *key);

/**
 * kvtool_json_finish() - check what was written, and start a new value.
 * @j: The writer.
 *
 * Return: 0, -EINVAL after a misuse or with values still open, -EIO when
 * the stream reported a write error.
 */
int kvtool_json_finish(struct kvtool_json *j);

/**
 * kvtool_json_write_string() - write @s as a quoted JSON string.
 * @f: Where to write.
 * @s: The string, NUL-terminated.
 *
 * Escapes '"', '\\' and every control character below 0x20 (\b \f \n \r
 * \t by name, the rest as \u00XX); other bytes, UTF-8 included, pass as
 * they are.
 */
void kvtool_json_write_string(FILE *f, const char *s);

/**
 * kvtool_parse_size() - parse a count or a size with a binary suffix.
 * @s: Decimal digits, optionally followed by one of K, M, G, T (either
 *     case; powers of 1024).
 * @out: Out. The value.
 *
 * Return: 0, -EINVAL when @s is empty, signed, or has anything else in it,
 * -ERANGE when the value does not fit in 64 bits.
 */
int kvtool_parse_size(const char *s, uint64_t *out);

/**
 * kvtool_parse_u32() - parse a plain decimal number that fits in 32 bits.
 * @s: The text.
 * @out: Out. The value.
 *
 * Return: 0, -EINVAL when @s is not a plain decimal number, -ERANGE when
 * it does not fit.
 */
int kvtool_parse_u32(const char *s, uint32_t *out);

/**
 * kvtool_parse_u64() - parse a plain decimal number that fits in 64 bits.
 * @s: The text.
 * @out: Out. The value.
 *
 * Return: as kvtool_parse_u32().
 */
int kvtool_parse_u64(const char *s, uint64_t *out);

#endif /* KVTOOL_H */
