// SPDX-License-Identifier: GPL-2.0
/*
 * ebpf/tp_layout.c: the layout check kvtier-trace runs before it loads,
 * against format files as the guest kernel writes them: the real one
 * passes, a moved, resized, re-signed or missing field is refused with a
 * message naming the event, the field and both layouts.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_suites.h"
#include "tp_layout.h"

/* /sys/kernel/tracing/events/kvtier/kvtier_fetch_done/format, 6.1 guest */
static const char fetch_done_format[] =
	"name: kvtier_fetch_done\n"
	"ID: 1344\n"
	"format:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
	"\n"
	"\tfield:u64 tenant;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:u64 key_lo;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:u64 key_hi;\toffset:24;\tsize:8;\tsigned:0;\n"
	"\tfield:u64 handle;\toffset:32;\tsize:8;\tsigned:0;\n"
	"\tfield:u64 work_id;\toffset:40;\tsize:8;\tsigned:0;\n"
	"\tfield:u64 fetch;\toffset:48;\tsize:8;\tsigned:0;\n"
	"\tfield:u64 bytes;\toffset:56;\tsize:8;\tsigned:0;\n"
	"\tfield:u32 pool;\toffset:64;\tsize:4;\tsigned:0;\n"
	"\tfield:u32 src;\toffset:68;\tsize:4;\tsigned:0;\n"
	"\tfield:u32 dst;\toffset:72;\tsize:4;\tsigned:0;\n"
	"\tfield:s32 status;\toffset:76;\tsize:4;\tsigned:1;\n"
	"\n"
	"print fmt: \"tenant=%llu ...\", REC->tenant\n";

static char msg[512];

/* The format text with the first @from replaced by @to, checked. */
static int check_doctored(const char *from, const char *to)
{
	char buf[sizeof(fetch_done_format) + 64], *p;

	snprintf(buf, sizeof(buf), "%s", fetch_done_format);
	p = strstr(buf, from);
	ck_assert_ptr_nonnull(p);
	memmove(p + strlen(to), p + strlen(from), strlen(p + strlen(from)) + 1);
	memcpy(p, to, strlen(to));
	msg[0] = 0;
	return kvt_tp_check_text("kvtier_fetch_done", buf, "F", msg,
				 sizeof(msg));
}

START_TEST(real_format_passes)
{
	ck_assert_int_eq(kvt_tp_check_text("kvtier_fetch_done",
					   fetch_done_format, "F", msg,
					   sizeof(msg)), 0);
	/* A field the programs do not read may be added. */
	ck_assert_int_eq(check_doctored("\n\nprint fmt",
					"\n\tfield:u64 extra;\toffset:80;\tsize:8;\tsigned:0;\n\nprint fmt"),
			 0);
}
END_TEST

START_TEST(moved_field_refused)
{
	ck_assert_int_eq(check_doctored("src;\toffset:68;", "src;\toffset:72;"),
			 -EPROTO);
	ck_assert_str_eq(msg,
			 "kvtier_fetch_done: field 'src' is at offset 72, size 4, signed 0 in F; this kvtier-trace reads it at offset 68, size 4, signed 0 (kvtier.ko and kvtier-trace are from different versions)");
}
END_TEST

START_TEST(resized_field_refused)
{
	ck_assert_int_eq(check_doctored("fetch;\toffset:48;\tsize:8;",
					"fetch;\toffset:48;\tsize:4;"),
			 -EPROTO);
	ck_assert_ptr_nonnull(strstr(msg, "field 'fetch' is at offset 48, size 4"));
}
END_TEST

START_TEST(signedness_refused)
{
	ck_assert_int_eq(check_doctored("status;\toffset:76;\tsize:4;\tsigned:1;",
					"status;\toffset:76;\tsize:4;\tsigned:0;"),
			 -EPROTO);
	ck_assert_ptr_nonnull(strstr(msg, "field 'status'"));
}
END_TEST

START_TEST(missing_field_refused)
{
	ck_assert_int_eq(check_doctored("u32 pool;", "u32 pools;"), -EPROTO);
	ck_assert_ptr_nonnull(strstr(msg, "field 'pool' is missing from F"));
	/* The common header is checked too. */
	ck_assert_int_eq(check_doctored("int common_pid;\toffset:4;",
					"int common_pid;\toffset:8;"),
			 -EPROTO);
}
END_TEST

START_TEST(unknown_event_and_file)
{
	unsigned int n;

	ck_assert_ptr_null(kvt_tp_fields("kvtier_nope", &n));
	ck_assert_ptr_nonnull(kvt_tp_fields("kvtier_lookup_pool", &n));
	ck_assert_uint_gt(n, 4);
	ck_assert_int_eq(kvt_tp_check("/nonexistent", "kvtier_fetch_done", msg,
				      sizeof(msg)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(msg,
		"/nonexistent/events/kvtier/kvtier_fetch_done/format"));
}
END_TEST

Suite *ebpf_tp_layout_suite(void)
{
	Suite *s = suite_create("ebpf_tp_layout");
	TCase *tc = tcase_create("check");

	tcase_add_test(tc, real_format_passes);
	tcase_add_test(tc, moved_field_refused);
	tcase_add_test(tc, resized_field_refused);
	tcase_add_test(tc, signedness_refused);
	tcase_add_test(tc, missing_field_refused);
	tcase_add_test(tc, unknown_event_and_file);
	suite_add_tcase(s, tc);
	return s;
}
