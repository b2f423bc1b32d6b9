// SPDX-License-Identifier: GPL-2.0
/* Unit tests of helper/buf.c, the engine's owned byte buffers. */
#include <string.h>

#include "buf.h"
#include "kselftest_harness.h"

TEST(set_append_consume)
{
	struct cssp_buf b = {0};

	ASSERT_EQ(0, cssp_buf_set(&b, "abc", 3));
	ASSERT_EQ(3, b.len);
	ASSERT_EQ(0, cssp_buf_append(&b, "defg", 4));
	ASSERT_EQ(7, b.len);
	EXPECT_EQ(0, memcmp(b.data, "abcdefg", 7));
	cssp_buf_consume(&b, 2);
	ASSERT_EQ(5, b.len);
	EXPECT_EQ(0, memcmp(b.data, "cdefg", 5));
	ASSERT_EQ(0, cssp_buf_set(&b, "xy", 2));
	EXPECT_EQ(0, memcmp(b.data, "xy", 2));
	cssp_buf_consume(&b, 5);
	EXPECT_EQ(0, b.len);
	EXPECT_EQ(NULL, b.data);
}

TEST(empty_append_allocates_nothing)
{
	struct cssp_buf b = {0};

	ASSERT_EQ(0, cssp_buf_append(&b, "", 0));
	EXPECT_EQ(NULL, b.data);
	EXPECT_EQ(0, b.len);
	cssp_buf_free(&b);
	cssp_buf_free(&b); /* idempotent */
	EXPECT_EQ(NULL, b.data);
}

TEST(append_refuses_overflow)
{
	struct cssp_buf b = {0};

	ASSERT_EQ(0, cssp_buf_set(&b, "a", 1));
	EXPECT_EQ(-1, cssp_buf_append(&b, "b", SIZE_MAX));
	EXPECT_EQ(1, b.len);
	cssp_buf_free(&b);
}

TEST_HARNESS_MAIN
