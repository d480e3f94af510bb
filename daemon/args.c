// SPDX-License-Identifier: GPL-2.0
/*
 * The command line: every configuration key is also a flag, applied after
 * the file so that flags win. Parsed by hand rather than with getopt so
 * that the key table is the configuration's own (one list of keys, not
 * two kept in step) and so that it can run twice.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kvtd_config.h"

/* "--key=value" or "--key value": the key and the value, or -EINVAL. */
static int arg_split(int argc, char *const argv[], int *i, char *key,
		     size_t keylen, const char **value)
{
	const char *a = argv[*i] + 2, *eq = strchr(a, '=');
	size_t n = eq ? (size_t)(eq - a) : strlen(a);

	if (n == 0 || n >= keylen)
		return -EINVAL;
	memcpy(key, a, n);
	key[n] = '\0';
	if (eq) {
		*value = eq + 1;
		return 0;
	}
	if (*i + 1 >= argc)
		return -EINVAL;
	*value = argv[++*i];
	return 0;
}

static int args_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int args_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int kvtd_args_scan(int argc, char *const argv[], struct kvtd_args *a,
		   char *err, size_t errlen)
{
	const char *value;
	char key[64];
	int i;

	memset(a, 0, sizeof(*a));
	for (i = 1; i < argc; i++) {
		const char *s = argv[i];

		if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
			a->help = true;
			continue;
		}
		if (!strcmp(s, "-V") || !strcmp(s, "--version")) {
			a->version = true;
			continue;
		}
		if (!strcmp(s, "-v") || !strcmp(s, "--verbose")) {
			a->verbose++;
			continue;
		}
		if (strncmp(s, "--", 2))
			return args_fail(err, errlen, "unexpected argument '%s'",
					 s);
		if (arg_split(argc, argv, &i, key, sizeof(key), &value))
			return args_fail(err, errlen, "%s needs a value", s);
		if (!strcmp(key, "config"))
			a->config = value;
	}
	return 0;
}

int kvtd_args_apply(struct kvtd_config *c, int argc, char *const argv[],
		    char *err, size_t errlen)
{
	char key[64], msg[2 * KVTD_CONFIG_STR];
	const char *value;
	int i, ret;

	for (i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--", 2) || !strcmp(argv[i], "--help") ||
		    !strcmp(argv[i], "--version") ||
		    !strcmp(argv[i], "--verbose"))
			continue;
		if (arg_split(argc, argv, &i, key, sizeof(key), &value))
			return args_fail(err, errlen, "%s needs a value",
					 argv[i]);
		if (!strcmp(key, "config"))
			continue;
		ret = kvtd_config_set(c, key, value, msg, sizeof(msg));
		if (ret == -ENOENT)
			snprintf(err, errlen, "--%s: unknown option", key);
		else if (ret)
			/* The message starts with the key already. */
			snprintf(err, errlen, "--%s", msg);
		if (ret)
			return ret;
	}
	return 0;
}
