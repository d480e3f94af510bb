// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for tools/replay/trace.c: the JSON Lines trace reader.
 * Error columns are found in the test's own input (where the bad token
 * is), not copied from the reader's output.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvtr_trace.h"

#define GOOD "{\"timestamp\": 0, \"input_length\": 1024, " \
	     "\"output_length\": 5, \"hash_ids\": [1, 2]}"

static struct kvtr_trace tr;

static void teardown(void)
{
	kvtr_trace_free(&tr);
}

static int parse(const char *text, struct kvtr_error *err)
{
	return kvtr_trace_parse(text, strlen(text), &tr, err);
}

START_TEST(test_good_lines)
{
	const char *text =
		GOOD "\n"
		"{\"hash_ids\":[3],\"output_length\":7,\"input_length\":512,"
		"\"timestamp\":99}\n"
		"  { \"timestamp\" : 5 , \"input_length\" : 1 , "
		"\"output_length\" : 0 , \"hash_ids\" : [ ] }  \n"
		"{\"timestamp\": 18446744073709551615, \"input_length\": 0, "
		"\"output_length\": 0, \"hash_ids\": [18446744073709551615,0]}"
		"\r\n";
	struct kvtr_error err;

	ck_assert_int_eq(parse(text, &err), 0);
	ck_assert_uint_eq(tr.nreq, 4);
	ck_assert_uint_eq(tr.nids, 5);

	ck_assert_uint_eq(tr.req[0].timestamp_ms, 0);
	ck_assert_uint_eq(tr.req[0].input_length, 1024);
	ck_assert_uint_eq(tr.req[0].output_length, 5);
	ck_assert_uint_eq(tr.req[0].nids, 2);
	ck_assert_uint_eq(kvtr_request_ids(&tr, 0)[0], 1);
	ck_assert_uint_eq(kvtr_request_ids(&tr, 0)[1], 2);
	ck_assert_uint_eq(tr.req[0].line, 1);

	/* Members in another order. */
	ck_assert_uint_eq(tr.req[1].timestamp_ms, 99);
	ck_assert_uint_eq(tr.req[1].input_length, 512);
	ck_assert_uint_eq(tr.req[1].output_length, 7);
	ck_assert_uint_eq(tr.req[1].nids, 1);
	ck_assert_uint_eq(kvtr_request_ids(&tr, 1)[0], 3);

	/* White space everywhere, and an empty prompt. */
	ck_assert_uint_eq(tr.req[2].timestamp_ms, 5);
	ck_assert_uint_eq(tr.req[2].nids, 0);

	/* The largest numbers, and a CRLF ending. */
	ck_assert_uint_eq(tr.req[3].timestamp_ms, UINT64_MAX);
	ck_assert_uint_eq(kvtr_request_ids(&tr, 3)[0], UINT64_MAX);
	ck_assert_uint_eq(kvtr_request_ids(&tr, 3)[1], 0);
	ck_assert_uint_eq(tr.req[3].line, 4);
}
END_TEST

START_TEST(test_blank_lines_skipped)
{
	const char *text = "\n  \n" GOOD "\n\t\n\n" GOOD "\n\n";
	struct kvtr_error err;

	ck_assert_int_eq(parse(text, &err), 0);
	ck_assert_uint_eq(tr.nreq, 2);
	/* Lines are still counted in the file's terms. */
	ck_assert_uint_eq(tr.req[0].line, 3);
	ck_assert_uint_eq(tr.req[1].line, 6);
}
END_TEST

START_TEST(test_empty)
{
	struct kvtr_error err;

	ck_assert_int_eq(kvtr_trace_parse("", 0, &tr, &err), 0);
	ck_assert_uint_eq(tr.nreq, 0);
	ck_assert_uint_eq(tr.nids, 0);
}
END_TEST

/* A complete last line with no newline is a line like the others. */
START_TEST(test_last_line_without_newline)
{
	struct kvtr_error err;

	ck_assert_int_eq(parse(GOOD "\n" GOOD, &err), 0);
	ck_assert_uint_eq(tr.nreq, 2);
	ck_assert_uint_eq(tr.nids, 4);
}
END_TEST

/* The buffer need not end in NUL: the length is the end. */
START_TEST(test_length_bounds)
{
	const char *text = GOOD "\n{garbage";
	struct kvtr_error err;

	ck_assert_int_eq(kvtr_trace_parse(text, strlen(GOOD) + 1, &tr, &err),
			 0);
	ck_assert_uint_eq(tr.nreq, 1);
}
END_TEST

/*
 * A malformed second line: -EINVAL, line 2, the column where @token
 * starts in @bad (or just past the end for a NULL token), the trace left
 * empty.
 */
static void expect_bad_col(const char *bad, size_t col)
{
	char text[512];
	struct kvtr_error err = { 0 };

	snprintf(text, sizeof(text), "%s\n%s\n", GOOD, bad);
	ck_assert_int_eq(parse(text, &err), -EINVAL);
	ck_assert_uint_eq(err.line, 2);
	ck_assert_msg(err.column == col, "'%s': column %zu, want %zu (%s)",
		      bad, err.column, col, err.what);
	ck_assert_ptr_nonnull(err.what);
	ck_assert_uint_eq(tr.nreq, 0);
	ck_assert_ptr_null(tr.req);
	ck_assert_ptr_null(tr.ids);
}

static void expect_bad(const char *bad, const char *token)
{
	ck_assert(!token || strstr(bad, token));
	expect_bad_col(bad, token ? (size_t)(strstr(bad, token) - bad) + 1 :
				    strlen(bad) + 1);
}

START_TEST(test_bad_numbers)
{
	expect_bad("{\"timestamp\": -1, \"input_length\": 1, "
		   "\"output_length\": 2, \"hash_ids\": [1]}", "-1");
	expect_bad("{\"timestamp\": 1.5, \"input_length\": 1, "
		   "\"output_length\": 2, \"hash_ids\": [1]}", "1.5");
	expect_bad("{\"timestamp\": 1e3, \"input_length\": 1, "
		   "\"output_length\": 2, \"hash_ids\": [1]}", "1e3");
	expect_bad("{\"timestamp\": 01, \"input_length\": 1, "
		   "\"output_length\": 2, \"hash_ids\": [1]}", "01");
	expect_bad("{\"timestamp\": \"5\", \"input_length\": 1, "
		   "\"output_length\": 2, \"hash_ids\": [1]}", "\"5\"");
	/* 2^64 does not fit. */
	expect_bad("{\"timestamp\": 1, \"input_length\": 1, "
		   "\"output_length\": 2, \"hash_ids\": [18446744073709551616]}",
		   "18446744073709551616");
}
END_TEST

START_TEST(test_bad_members)
{
	/* Missing hash_ids: noticed at the end of the object. */
	expect_bad("{\"timestamp\": 0, \"input_length\": 1, "
		   "\"output_length\": 2}", NULL);
	/* Given twice: reported at the second. */
	expect_bad("{\"timestamp\": 0, \"timestamp\": 1, \"input_length\": 1, "
		   "\"output_length\": 2, \"hash_ids\": []}",
		   "\"timestamp\": 1");
	expect_bad("{\"timestamp\": 0, \"foo\": 1, \"input_length\": 1, "
		   "\"output_length\": 2, \"hash_ids\": []}", "foo");
	expect_bad("{}", "}");
	expect_bad("[1, 2]", "[");
	expect_bad("{\"timestamp\": 0 \"input_length\": 1, "
		   "\"output_length\": 2, \"hash_ids\": [1]}",
		   "\"input_length");
}
END_TEST

START_TEST(test_bad_arrays)
{
	expect_bad("{\"timestamp\": 0, \"input_length\": 1, "
		   "\"output_length\": 2, \"hash_ids\": 5}", "5}");
	expect_bad("{\"timestamp\": 0, \"input_length\": 1, "
		   "\"output_length\": 2, \"hash_ids\": [1 2]}", "2]");
	expect_bad("{\"timestamp\": 0, \"input_length\": 1, "
		   "\"output_length\": 2, \"hash_ids\": [1,]}", "]}");
}
END_TEST

START_TEST(test_text_after_request)
{
	expect_bad(GOOD " x", "x");
	/* Two requests on one line: the second one's brace. */
	expect_bad_col(GOOD GOOD, strlen(GOOD) + 1);
}
END_TEST

/* A torn last line (the writer died mid-line) is an error, not skipped. */
START_TEST(test_partial_last_line)
{
	const char *bad = "{\"timestamp\": 0, \"input_length\": 1, "
			  "\"output_length\": 2, \"hash_ids\": [1, 2";
	char text[512];
	struct kvtr_error err;

	snprintf(text, sizeof(text), "%s\n%s\n%s", GOOD, GOOD, bad);
	ck_assert_int_eq(parse(text, &err), -EINVAL);
	ck_assert_uint_eq(err.line, 3);
	ck_assert_uint_eq(err.column, strlen(bad) + 1);

	/* Cut right after a member's name. */
	snprintf(text, sizeof(text), "%s\n{\"timestamp\"", GOOD);
	ck_assert_int_eq(parse(text, &err), -EINVAL);
	ck_assert_uint_eq(err.line, 2);
	ck_assert_uint_eq(err.column, strlen("{\"timestamp\"") + 1);

	/* Cut inside a member's name. */
	snprintf(text, sizeof(text), "%s\n{\"times", GOOD);
	ck_assert_int_eq(parse(text, &err), -EINVAL);
	ck_assert_uint_eq(err.line, 2);
}
END_TEST

/* Thousands of lines: the arrays grow, nothing is lost or reordered. */
START_TEST(test_many_lines)
{
	enum { LINES = 5000 };
	size_t cap = (size_t)LINES * 128, off = 0, i, j;
	char *text = malloc(cap);
	struct kvtr_error err;

	ck_assert_ptr_nonnull(text);
	for (i = 0; i < LINES; i++)
		off += (size_t)snprintf(text + off, cap - off,
			"{\"timestamp\": %zu, \"input_length\": %zu, "
			"\"output_length\": 1, \"hash_ids\": [%zu, %zu, %zu]}\n",
			i, i * 512, i, i + 1, i + 2);
	ck_assert_int_eq(kvtr_trace_parse(text, off, &tr, &err), 0);
	free(text);
	ck_assert_uint_eq(tr.nreq, LINES);
	ck_assert_uint_eq(tr.nids, 3 * LINES);
	for (i = 0; i < LINES; i++) {
		ck_assert_uint_eq(tr.req[i].timestamp_ms, i);
		ck_assert_uint_eq(tr.req[i].nids, 3);
		for (j = 0; j < 3; j++)
			ck_assert_uint_eq(kvtr_request_ids(&tr, i)[j], i + j);
	}
}
END_TEST

START_TEST(test_load_file)
{
	char path[] = "/tmp/kvtr_trace_XXXXXX";
	struct kvtr_error err;
	const char *text = GOOD "\n" GOOD "\n";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	ck_assert_int_eq(kvtr_trace_load(path, &tr, &err), 0);
	unlink(path);
	ck_assert_uint_eq(tr.nreq, 2);
	ck_assert_uint_eq(tr.nids, 4);
}
END_TEST

START_TEST(test_load_errors)
{
	char path[] = "/tmp/kvtr_trace_XXXXXX";
	struct kvtr_error err;
	const char *text = GOOD "\n\n{\"timestamp\": x}\n";
	int fd;

	ck_assert_int_eq(kvtr_trace_load("/nonexistent/trace.jsonl", &tr,
					 &err), -ENOENT);
	ck_assert_uint_eq(err.line, 0);
	ck_assert_int_eq(kvtr_trace_load("/", &tr, &err), -EISDIR);

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	ck_assert_int_eq(kvtr_trace_load(path, &tr, &err), -EINVAL);
	unlink(path);
	ck_assert_uint_eq(err.line, 3);
	ck_assert_uint_eq(err.column, strlen("{\"timestamp\": ") + 1);
}
END_TEST

Suite *replay_trace_suite(void)
{
	Suite *s = suite_create("replay_trace");
	TCase *tc;

	tc = tcase_create("good");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_good_lines);
	tcase_add_test(tc, test_blank_lines_skipped);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_last_line_without_newline);
	tcase_add_test(tc, test_length_bounds);
	tcase_add_test(tc, test_many_lines);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_bad_numbers);
	tcase_add_test(tc, test_bad_members);
	tcase_add_test(tc, test_bad_arrays);
	tcase_add_test(tc, test_text_after_request);
	tcase_add_test(tc, test_partial_last_line);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_load_file);
	tcase_add_test(tc, test_load_errors);
	suite_add_tcase(s, tc);
	return s;
}
