// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for credssp.ko, built as credssp_kunit.ko. Loading it runs the
 * cases; results are in /sys/kernel/debug/kunit/credssp/results.
 */

#include <kunit/test.h>
#include <kunit/visibility.h>
#include <linux/cred.h>
#include <linux/key.h>
#include <linux/key-type.h>
#include <net/genetlink.h>
#include <uapi/linux/credssp.h>

#include "../credssp.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

static void credssp_test_keyring(struct kunit *test)
{
	struct key *keyring = credssp_keyring();

	KUNIT_ASSERT_NOT_NULL(test, keyring);
	KUNIT_EXPECT_PTR_EQ(test, keyring->type, &key_type_keyring);
	KUNIT_EXPECT_STREQ(test, keyring->description, ".credssp");
	KUNIT_EXPECT_TRUE(test, uid_eq(keyring->uid, GLOBAL_ROOT_UID));
	KUNIT_EXPECT_GT(test, key_serial(keyring), 0);

	/* Root may view, search and clear it, but link nothing into it. */
	KUNIT_EXPECT_EQ(test, keyring->perm & KEY_USR_ALL,
			KEY_USR_VIEW | KEY_USR_READ | KEY_USR_SEARCH);
	KUNIT_EXPECT_EQ(test, keyring->perm & (KEY_GRP_ALL | KEY_OTH_ALL), 0);
	KUNIT_EXPECT_TRUE(test, test_bit(KEY_FLAG_ROOT_CAN_CLEAR,
					 &keyring->flags));
	KUNIT_EXPECT_FALSE(test, test_bit(KEY_FLAG_REVOKED, &keyring->flags));
}

static void credssp_test_family(struct kunit *test)
{
	const struct genl_family *family = &credssp_genl_family;

	KUNIT_EXPECT_STREQ(test, family->name, CREDSSP_GENL_NAME);
	KUNIT_EXPECT_EQ(test, family->version, CREDSSP_GENL_VERSION);
	KUNIT_EXPECT_NE(test, family->id, 0);
	KUNIT_EXPECT_TRUE(test, family->netnsok);
	KUNIT_EXPECT_TRUE(test, family->parallel_ops);
	/* Strict attribute validation for every command. */
	KUNIT_EXPECT_EQ(test, family->resv_start_op, 0);
}

static void credssp_test_status_reply(struct kunit *test)
{
	struct nlattr *tb[CREDSSP_A_STATUS_MAX + 1];
	struct genlmsghdr *gnlh;
	struct nlmsghdr *nlh;
	struct sk_buff *skb;

	skb = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);

	/* Act */
	KUNIT_ASSERT_EQ(test, credssp_nl_fill_status(skb, 42, 7), 0);

	/* Assert: one genl message from this family, with the keyring serial */
	nlh = nlmsg_hdr(skb);
	KUNIT_EXPECT_EQ(test, nlh->nlmsg_len, skb->len);
	KUNIT_EXPECT_EQ(test, nlh->nlmsg_type, credssp_genl_family.id);
	KUNIT_EXPECT_EQ(test, nlh->nlmsg_pid, 42);
	KUNIT_EXPECT_EQ(test, nlh->nlmsg_seq, 7);
	gnlh = nlmsg_data(nlh);
	KUNIT_EXPECT_EQ(test, gnlh->cmd, CREDSSP_CMD_GET_STATUS);
	KUNIT_EXPECT_EQ(test, gnlh->version, CREDSSP_GENL_VERSION);
	KUNIT_ASSERT_EQ(test, genlmsg_parse(nlh, &credssp_genl_family, tb,
					    CREDSSP_A_STATUS_MAX, NULL, NULL),
			0);
	KUNIT_ASSERT_NOT_NULL(test, tb[CREDSSP_A_STATUS_KEYRING]);
	KUNIT_EXPECT_EQ(test, nla_get_s32(tb[CREDSSP_A_STATUS_KEYRING]),
			key_serial(credssp_keyring()));
	kfree_skb(skb);
}

static void credssp_test_status_no_room(struct kunit *test)
{
	struct sk_buff *skb;

	skb = alloc_skb(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	/* Leave room for the headers but not for the attribute. */
	skb_reserve(skb, skb_tailroom(skb) - (NLMSG_HDRLEN + GENL_HDRLEN));
	KUNIT_EXPECT_EQ(test, credssp_nl_fill_status(skb, 0, 0), -EMSGSIZE);
	KUNIT_EXPECT_EQ(test, skb->len, 0);	/* cancelled, nothing left */
	kfree_skb(skb);
}

static struct kunit_case credssp_test_cases[] = {
	KUNIT_CASE(credssp_test_keyring),
	KUNIT_CASE(credssp_test_family),
	KUNIT_CASE(credssp_test_status_reply),
	KUNIT_CASE(credssp_test_status_no_room),
	{}
};

static struct kunit_suite credssp_test_suite = {
	.name = "credssp",
	.test_cases = credssp_test_cases,
};

kunit_test_suites(&credssp_test_suite);

MODULE_DESCRIPTION("KUnit tests for credssp.ko");
MODULE_LICENSE("GPL");
