// SPDX-License-Identifier: GPL-2.0
/*
 * Parsing numbers for the tools' options: plain decimal, nothing that
 * strtoull would quietly accept (signs, spaces, octal, trailing junk).
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <strings.h>

#include "kvtool.h"

/* Parses the leading decimal digits of @s into @out; sets @end past them.
 * Return: 0, -EINVAL when there are none, -ERANGE on overflow. */
static int kvtool_digits(const char *s, uint64_t *out, const char **end)
{
	uint64_t v = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(*p - '0'), &v))
			return -ERANGE;
	}
	*out = v;
	*end = p;
	return 0;
}

int kvtool_parse_u64(const char *s, uint64_t *out)
{
	const char *end;
	uint64_t v;
	int ret;

	ret = kvtool_digits(s, &v, &end);
	if (ret)
		return ret;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

int kvtool_parse_u32(const char *s, uint32_t *out)
{
	uint64_t v;
	int ret;

	ret = kvtool_parse_u64(s, &v);
	if (ret)
		return ret;
	if (v > UINT32_MAX)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

int kvtool_parse_size(const char *s, uint64_t *out)
{
	const char *end;
	unsigned int shift;
	uint64_t v;
	int ret;

	ret = kvtool_digits(s, &v, &end);
	if (ret)
		return ret;
	switch (*end) {
	case '\0':
		shift = 0;
		break;
	case 'k': case 'K':
		shift = 10;
		break;
	case 'm': case 'M':
		shift = 20;
		break;
	case 'g': case 'G':
		shift = 30;
		break;
	case 't': case 'T':
		shift = 40;
		break;
	default:
		return -EINVAL;
	}
	if (shift && end[1] != '\0')
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}
