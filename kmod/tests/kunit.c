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
#include <linux/slab.h>
#include <keys/user-type.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/tls.h>
#include <uapi/linux/credssp.h>

#include "../credssp.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

/* Linux 6.1 has no KUNIT_EXPECT_MEMEQ (6.2 added it). */
#ifndef KUNIT_EXPECT_MEMEQ
#define KUNIT_EXPECT_MEMEQ(test, left, right, size) \
	KUNIT_EXPECT_EQ(test, memcmp(left, right, size), 0)
#endif

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
	const struct genl_family *family = &credssp_nl_family;

	KUNIT_EXPECT_STREQ(test, family->name, CREDSSP_FAMILY_NAME);
	KUNIT_EXPECT_EQ(test, family->version, CREDSSP_FAMILY_VERSION);
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
	KUNIT_ASSERT_EQ(test, credssp_nl_fill_status(skb, &init_net, 42, 7), 0);

	/* Assert: one genl message from this family, with the keyring serial */
	nlh = nlmsg_hdr(skb);
	KUNIT_EXPECT_EQ(test, nlh->nlmsg_len, skb->len);
	KUNIT_EXPECT_EQ(test, nlh->nlmsg_type, credssp_nl_family.id);
	KUNIT_EXPECT_EQ(test, nlh->nlmsg_pid, 42);
	KUNIT_EXPECT_EQ(test, nlh->nlmsg_seq, 7);
	gnlh = nlmsg_data(nlh);
	KUNIT_EXPECT_EQ(test, gnlh->cmd, CREDSSP_CMD_GET_STATUS);
	KUNIT_EXPECT_EQ(test, gnlh->version, CREDSSP_FAMILY_VERSION);
	KUNIT_ASSERT_EQ(test, genlmsg_parse(nlh, &credssp_nl_family, tb,
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
	KUNIT_EXPECT_EQ(test, credssp_nl_fill_status(skb, &init_net, 0, 0), -EMSGSIZE);
	KUNIT_EXPECT_EQ(test, skb->len, 0);	/* cancelled, nothing left */
	kfree_skb(skb);
}

/* A password credential: DOMAIN "D", USER "u", PASSWORD "pw" (UTF-16LE). */
static const u8 credssp_test_creds[] = {
	1, CREDSSP_CRED_TYPE_PASSWORD, 3, 0,
	CREDSSP_CRED_FIELD_DOMAIN, 0, 0, 0, 2, 0, 0, 0, 'D', 0,
	CREDSSP_CRED_FIELD_USER, 0, 0, 0, 2, 0, 0, 0, 'u', 0,
	CREDSSP_CRED_FIELD_PASSWORD, 0, 0, 0, 4, 0, 0, 0, 'p', 0, 'w', 0,
};

static int creds_check(const u8 *buf, u32 len)
{
	return credssp_creds_validate(buf, len, NULL);
}

static void credssp_test_creds_good(struct kunit *test)
{
	u8 type = 0;

	KUNIT_EXPECT_EQ(test, credssp_creds_validate(credssp_test_creds,
						     sizeof(credssp_test_creds),
						     &type), 0);
	KUNIT_EXPECT_EQ(test, type, CREDSSP_CRED_TYPE_PASSWORD);
}

static void credssp_test_creds_truncated(struct kunit *test)
{
	u32 len;

	/* Every strict prefix is malformed, down to an empty payload. */
	for (len = 0; len < sizeof(credssp_test_creds); len++)
		KUNIT_EXPECT_EQ_MSG(test,
				    credssp_creds_validate(credssp_test_creds,
							   len, NULL),
				    -EINVAL, "prefix of %u bytes", len);
}

static void credssp_test_creds_overlong(struct kunit *test)
{
	const u32 n = sizeof(credssp_test_creds);
	u8 *buf = kunit_kmalloc(test, sizeof(credssp_test_creds) + 1,
				GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	memcpy(buf, credssp_test_creds, sizeof(credssp_test_creds));
	/* The last field claims one byte more than there is. */
	buf[sizeof(credssp_test_creds) - 4 - 4] = 5;
	KUNIT_EXPECT_EQ(test, creds_check(buf, n), -EINVAL);
	/* Trailing bytes after the last field. */
	memcpy(buf, credssp_test_creds, sizeof(credssp_test_creds));
	buf[sizeof(credssp_test_creds)] = 0;
	KUNIT_EXPECT_EQ(test, creds_check(buf, n + 1), -EINVAL);
	/* A field length near 4 GiB must not wrap the offset. */
	memcpy(buf, credssp_test_creds, sizeof(credssp_test_creds));
	buf[4 + 4] = 0xff;
	buf[4 + 5] = 0xff;
	buf[4 + 6] = 0xff;
	buf[4 + 7] = 0xff;
	KUNIT_EXPECT_EQ(test, creds_check(buf, n), -EINVAL);
}

static void credssp_test_creds_bad_ids(struct kunit *test)
{
	const u32 n = sizeof(credssp_test_creds);
	u8 *buf = kunit_kmalloc(test, sizeof(credssp_test_creds), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	memcpy(buf, credssp_test_creds, sizeof(credssp_test_creds));
	buf[4] = CREDSSP_CRED_FIELD_CRED_BUFFER + 1;	/* unknown field id */
	KUNIT_EXPECT_EQ(test, creds_check(buf, n), -EINVAL);
	buf[4] = 0;				/* field id 0 */
	KUNIT_EXPECT_EQ(test, creds_check(buf, n), -EINVAL);
	memcpy(buf, credssp_test_creds, sizeof(credssp_test_creds));
	buf[0] = 2;				/* wrong version */
	KUNIT_EXPECT_EQ(test, creds_check(buf, n), -EINVAL);
	buf[0] = 1;
	buf[1] = 3;				/* unknown type */
	KUNIT_EXPECT_EQ(test, creds_check(buf, n), -EINVAL);
	buf[1] = CREDSSP_CRED_TYPE_PASSWORD;
	buf[2] = 4;				/* one field more than there is */
	KUNIT_EXPECT_EQ(test, creds_check(buf, n), -EINVAL);
}

static void credssp_test_req_flags(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, credssp_req_flags_ok(0));
	KUNIT_EXPECT_TRUE(test, credssp_req_flags_ok(CREDSSP_REQ_SUPPORTED));
	KUNIT_EXPECT_TRUE(test, credssp_req_flags_ok(ASC_REQ_ALLOCATE_MEMORY |
						     ASC_REQ_DELEGATE));
	KUNIT_EXPECT_FALSE(test, credssp_req_flags_ok(ASC_REQ_PROMPT_FOR_CREDS));
	KUNIT_EXPECT_FALSE(test, credssp_req_flags_ok(ASC_REQ_DATAGRAM));
	KUNIT_EXPECT_FALSE(test, credssp_req_flags_ok(ASC_REQ_USE_DCE_STYLE |
						      ASC_REQ_STREAM));
	KUNIT_EXPECT_FALSE(test, credssp_req_flags_ok(0x80000000U));
}

static void credssp_test_handle(struct kunit *test)
{
	u64 id = credssp_handle_make(0xdeadbeef, 42);

	KUNIT_EXPECT_EQ(test, id, 0xdeadbeef0000002aULL);
	KUNIT_EXPECT_EQ(test, credssp_handle_index(id), 42);
	KUNIT_EXPECT_EQ(test, credssp_handle_gen(id), 0xdeadbeef);
	/* Same slot, another generation: a different handle. */
	KUNIT_EXPECT_NE(test, credssp_handle_make(0xdeadbeee, 42), id);
	KUNIT_EXPECT_EQ(test, credssp_handle_index(credssp_handle_make(0, 1)),
			1);
	KUNIT_EXPECT_NE(test, credssp_handle_make(0, 1), 0);
}

static void credssp_test_handle_lookup(struct kunit *test)
{
	struct credssp_net *cn = credssp_pernet(&init_net);
	struct credssp_caller kernel = {}, other = { .portid = 7,
						     .sk = &other };
	struct credssp_cred *cred, *found;
	u64 expiry;

	KUNIT_ASSERT_NOT_NULL(test, cn);
	KUNIT_ASSERT_EQ(test, credssp_sspi_acquire(cn, &kernel, "credSSP",
						   SECPKG_CRED_INBOUND, NULL, &cred,
						   &expiry), SEC_E_OK);
	KUNIT_EXPECT_EQ(test, expiry, CREDSSP_TIME_NEVER);
	found = credssp_cred_lookup(cn, cred->id, &kernel);
	KUNIT_EXPECT_PTR_EQ(test, found, cred);
	credssp_cred_put(found);
	/* Another owner, another generation, no such slot: nothing. */
	KUNIT_EXPECT_NULL(test, credssp_cred_lookup(cn, cred->id, &other));
	KUNIT_EXPECT_NULL(test, credssp_cred_lookup(cn, cred->id ^ (1ULL << 32),
						    &kernel));
	KUNIT_EXPECT_NULL(test, credssp_cred_lookup(cn, cred->id + 1, &kernel));
	KUNIT_EXPECT_TRUE(test, credssp_cred_unlink(cred));
	KUNIT_EXPECT_FALSE(test, credssp_cred_unlink(cred));
	KUNIT_EXPECT_NULL(test, credssp_cred_lookup(cn, cred->id, &kernel));
	credssp_cred_put(cred);

	KUNIT_EXPECT_EQ(test, credssp_sspi_acquire(cn, &kernel, "NTLM",
						   SECPKG_CRED_INBOUND, NULL, &cred,
						   &expiry),
			SEC_E_SECPKG_NOT_FOUND);
	KUNIT_EXPECT_EQ(test, credssp_sspi_acquire(cn, &kernel, "CredSSP",
						   SECPKG_CRED_BOTH, NULL, &cred,
						   &expiry),
			SEC_E_UNSUPPORTED_FUNCTION);
}

static void credssp_test_stream_sizes(struct kunit *test)
{
	static const struct {
		u32 version, cipher;
		int err;
		u32 hdr, trl;
	} cases[] = {
		{ 0x0303, TLS_CIPHER_AES_GCM_128, 0, 13, 16 },
		{ 0x0303, TLS_CIPHER_AES_GCM_256, 0, 13, 16 },
		{ 0x0303, TLS_CIPHER_CHACHA20_POLY1305, 0, 5, 16 },
		{ 0x0304, TLS_CIPHER_AES_GCM_128, 0, 5, 17 },
		{ 0x0304, TLS_CIPHER_AES_GCM_256, 0, 5, 17 },
		{ 0x0304, TLS_CIPHER_CHACHA20_POLY1305, 0, 5, 17 },
		{ 0x0302, TLS_CIPHER_AES_GCM_128, -EINVAL },
		{ 0x0303, TLS_CIPHER_AES_CCM_128, -EINVAL },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		u32 hdr = 0, trl = 0;
		int err;

		err = credssp_stream_sizes(cases[i].version, cases[i].cipher,
					   &hdr, &trl);
		KUNIT_EXPECT_EQ_MSG(test, err, cases[i].err, "case %u", i);
		if (err)
			continue;
		KUNIT_EXPECT_EQ_MSG(test, hdr, cases[i].hdr, "case %u", i);
		KUNIT_EXPECT_EQ_MSG(test, trl, cases[i].trl, "case %u", i);
	}
}

static void credssp_test_keys_len(struct kunit *test)
{
	u8 k, s, iv;

	KUNIT_EXPECT_EQ(test, credssp_keys_len(TLS_CIPHER_AES_GCM_128, &k, &s,
					       &iv), 0);
	KUNIT_EXPECT_EQ(test, k, 16);
	KUNIT_EXPECT_EQ(test, s, 4);
	KUNIT_EXPECT_EQ(test, iv, 8);
	KUNIT_EXPECT_EQ(test, credssp_keys_len(TLS_CIPHER_AES_GCM_256, &k, &s,
					       &iv), 0);
	KUNIT_EXPECT_EQ(test, k, 32);
	KUNIT_EXPECT_EQ(test, credssp_keys_len(TLS_CIPHER_CHACHA20_POLY1305,
					       &k, &s, &iv), 0);
	KUNIT_EXPECT_EQ(test, k, 32);
	KUNIT_EXPECT_EQ(test, s, 0);
	KUNIT_EXPECT_EQ(test, iv, 12);
	KUNIT_EXPECT_EQ(test, credssp_keys_len(TLS_CIPHER_AES_CCM_128, &k, &s,
					       &iv), -EINVAL);
}

static void credssp_test_status_known(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, credssp_status_known(SEC_E_OK));
	KUNIT_EXPECT_TRUE(test, credssp_status_known(SEC_I_CONTINUE_NEEDED));
	KUNIT_EXPECT_TRUE(test, credssp_status_known(SEC_E_INCOMPLETE_MESSAGE));
	KUNIT_EXPECT_TRUE(test, credssp_status_known(SEC_E_LOGON_DENIED));
	KUNIT_EXPECT_TRUE(test, credssp_status_known(SEC_E_INVALID_TOKEN));
	/* Only the kernel says these. */
	KUNIT_EXPECT_FALSE(test, credssp_status_known(SEC_E_BUFFER_TOO_SMALL));
	KUNIT_EXPECT_FALSE(test, credssp_status_known(SEC_I_COMPLETE_NEEDED));
	KUNIT_EXPECT_FALSE(test, credssp_status_known(0x12345678));
	KUNIT_EXPECT_FALSE(test, credssp_status_known(0xffffffff));
}

static void credssp_test_kernel_api_no_helper(struct kunit *test)
{
	struct credssp_net *cn = credssp_pernet(&init_net);
	struct credssp_buffer ib = { SECBUFFER_TOKEN, 4, "\x16\x03\x01\x00" };
	struct credssp_buffer_desc in = { 1, &ib };
	struct credssp_buffer ob = { SECBUFFER_TOKEN, 0, NULL };
	struct credssp_buffer_desc out = { 1, &ob };
	struct credssp_ctx *ctx = (void *)1;
	struct credssp_ctx_attrs q;
	struct credssp_cred *cred;
	u64 lost, expiry = 0;
	u32 n_ctx, flags = 0;

	KUNIT_ASSERT_NOT_NULL(test, cn);
	if (credssp_helper_present(cn, NULL))
		kunit_skip(test, "a helper serves init_net");
	KUNIT_ASSERT_EQ(test, credssp_acquire_cred(&init_net, "CREDSSP",
						   SECPKG_CRED_INBOUND, &cred,
						   &expiry), SEC_E_OK);
	KUNIT_EXPECT_EQ(test, expiry, CREDSSP_TIME_NEVER);
	n_ctx = READ_ONCE(cn->n_ctx);
	lost = atomic64_read(&cn->stats[CREDSSP_OUTCOME_HELPER_LOST][0]);

	/* Refused before a context exists. */
	KUNIT_EXPECT_EQ(test, credssp_accept(cred, NULL, &in, ASC_REQ_DATAGRAM,
					     SECURITY_NATIVE_DREP, 0, &ctx,
					     &out, &flags, NULL),
			SEC_E_UNSUPPORTED_FUNCTION);
	KUNIT_EXPECT_NULL(test, ctx);
	KUNIT_EXPECT_EQ(test, credssp_accept(cred, NULL, &in, 0, 5, 0, &ctx,
					     &out, &flags, NULL),
			SEC_E_INVALID_PARAMETER);
	KUNIT_EXPECT_EQ(test, credssp_accept(NULL, NULL, &in, 0,
					     SECURITY_NATIVE_DREP, 0, &ctx,
					     &out, &flags, NULL),
			SEC_E_INVALID_HANDLE);

	/* No helper: fails at once, and leaves no context. */
	KUNIT_EXPECT_EQ(test, credssp_accept(cred, NULL, &in,
					     ASC_REQ_ALLOCATE_MEMORY,
					     SECURITY_NATIVE_DREP, 0, &ctx,
					     &out, &flags, NULL),
			SEC_E_NO_AUTHENTICATING_AUTHORITY);
	KUNIT_EXPECT_NULL(test, ctx);
	KUNIT_EXPECT_NULL(test, ob.data);
	KUNIT_EXPECT_EQ(test, READ_ONCE(cn->n_ctx), n_ctx);
	KUNIT_EXPECT_EQ(test,
			atomic64_read(&cn->stats[CREDSSP_OUTCOME_HELPER_LOST][0]),
			lost + 1);

	KUNIT_EXPECT_EQ(test, credssp_query_ctx(NULL, SECPKG_ATTR_SIZES, &q),
			SEC_E_INVALID_HANDLE);
	KUNIT_EXPECT_EQ(test, credssp_delete_ctx(NULL), SEC_E_INVALID_HANDLE);
	KUNIT_EXPECT_EQ(test, credssp_free_cred(cred), SEC_E_OK);
}

/*
 * Review F3: a first ACCEPT that fails unlinks its context, and the call's
 * own put is then the last one. The BUSY bit used to be cleared after that
 * put. With credssp_test_sync_free_task set, this task's last put frees the
 * context before it returns, so a write after it is a KASAN report (which
 * fails this case and the guest run) instead of a race that needs a
 * preemption between the two instructions. (An expiry scan holding a
 * reference at that moment would take the last put instead: the loop.)
 */
static void credssp_test_accept_fail_last_put(struct kunit *test)
{
	struct credssp_net *cn = credssp_pernet(&init_net);
	struct credssp_buffer ib = { SECBUFFER_TOKEN, 4, "\x16\x03\x01\x00" };
	struct credssp_buffer_desc in = { 1, &ib };
	struct credssp_buffer ob = { SECBUFFER_TOKEN, 0, NULL };
	struct credssp_buffer_desc out = { 1, &ob };
	struct credssp_ctx *ctx;
	struct credssp_cred *cred;
	u32 flags = 0;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, cn);
	if (credssp_helper_present(cn, NULL))
		kunit_skip(test, "a helper serves init_net");
	KUNIT_ASSERT_EQ(test, credssp_acquire_cred(&init_net, "CredSSP",
						   SECPKG_CRED_INBOUND, &cred,
						   NULL), SEC_E_OK);
	WRITE_ONCE(credssp_test_sync_free_task, current);
	for (i = 0; i < 4; i++) {
		ctx = (void *)1;
		KUNIT_EXPECT_EQ(test,
				credssp_accept(cred, NULL, &in,
					       ASC_REQ_ALLOCATE_MEMORY,
					       SECURITY_NATIVE_DREP, 0, &ctx,
					       &out, &flags, NULL),
				SEC_E_NO_AUTHENTICATING_AUTHORITY);
		KUNIT_EXPECT_NULL(test, ctx);
	}
	WRITE_ONCE(credssp_test_sync_free_task, NULL);
	KUNIT_EXPECT_EQ(test, credssp_free_cred(cred), SEC_E_OK);
}

/*
 * Review F11: max_owner_contexts 0 refuses the first context of an owner
 * that has no record yet (over netlink: its credential was freed by another
 * thread in between), not only of an owner that has one. The kernel owner
 * is bounded by the netns limit alone.
 */
static void credssp_test_owner_limit_zero(struct kunit *test)
{
	struct credssp_net *cn = credssp_pernet(&init_net);
	struct credssp_caller kernel = {}, fresh = { .portid = 0x7ffffff1,
						     .sk = &fresh };
	unsigned int saved = READ_ONCE(credssp_max_owner_contexts);
	struct credssp_ctx *ctx = NULL;
	struct credssp_cred *cred;
	u32 n_ctx, st;
	u64 expiry;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, cn);
	KUNIT_ASSERT_EQ(test, credssp_sspi_acquire(cn, &kernel, "CredSSP",
						   SECPKG_CRED_INBOUND, NULL, &cred,
						   &expiry), SEC_E_OK);
	n_ctx = READ_ONCE(cn->n_ctx);
	for (i = 0; i < 2; i++) {
		const struct credssp_caller *who = i ? &kernel : &fresh;

		WRITE_ONCE(credssp_max_owner_contexts, 0);
		st = credssp_ctx_new(cn, who, cred, 0,
				     jiffies + credssp_ctx_timeout(0), &ctx);
		WRITE_ONCE(credssp_max_owner_contexts, saved);
		KUNIT_EXPECT_EQ_MSG(test, st,
				    i ? SEC_E_OK : SEC_E_INSUFFICIENT_MEMORY,
				    "%s owner", i ? "kernel" : "new");
		if (st == SEC_E_OK) {
			clear_bit_unlock(CREDSSP_F_BUSY, &ctx->flags);
			credssp_ctx_unlink(ctx);
			credssp_ctx_put(ctx);
		}
	}
	KUNIT_EXPECT_EQ(test, READ_ONCE(cn->n_ctx), n_ctx);
	KUNIT_EXPECT_TRUE(test, credssp_cred_unlink(cred));
	credssp_cred_put(cred);
}

/*
 * The expiry work is armed for @cn's next due time, in [@lo, @hi] (jiffies),
 * since @since: its timer fires by then, early by at most an eighth of the
 * delay (the timer wheel's slack, credssp_expire_at()).
 */
static void credssp_test_expire_armed(struct kunit *test, struct credssp_net *cn,
				      unsigned long lo, unsigned long hi,
				      unsigned long since)
{
	unsigned long next, fires;
	bool armed;

	spin_lock(&cn->lock);
	armed = cn->expire_armed;
	next = cn->expire_next;
	fires = READ_ONCE(cn->expire_work.timer.expires);
	spin_unlock(&cn->lock);
	KUNIT_EXPECT_TRUE(test, armed);
	KUNIT_EXPECT_TRUE(test, delayed_work_pending(&cn->expire_work));
	KUNIT_EXPECT_TRUE_MSG(test, time_after_eq(next, lo) && time_before_eq(next, hi),
			      "next run in %ld jiffies, want %ld to %ld",
			      (long)(next - jiffies), (long)(lo - jiffies),
			      (long)(hi - jiffies));
	KUNIT_EXPECT_TRUE_MSG(test, time_before_eq(fires, next) &&
			      time_after_eq(fires, next - (next - since) / 8 - 1),
			      "timer in %ld jiffies, next run in %ld",
			      (long)(fires - jiffies), (long)(next - jiffies));
}

/*
 * Issue 15: the expiry work walked every context once a second while any
 * existed (10.7% of a CPU idle at 100 000 established contexts). It now
 * runs only when a context is due: by a new context's deadline, rounded up
 * to a whole second, the earliest one winning; after a walk, by the
 * earliest deadline left; never later than a minute on; and not at all
 * when nothing is due.
 */
static void credssp_test_expire_arming(struct kunit *test)
{
	static const unsigned int secs[] = { 10, 40, 3, 1000 };
	struct credssp_net *cn = credssp_pernet(&init_net);
	struct credssp_caller kernel = {};
	struct credssp_ctx *ctx[ARRAY_SIZE(secs)];
	unsigned long deadline[ARRAY_SIZE(secs)], since;
	struct credssp_cred *cred;
	bool armed;
	u64 expiry;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, cn);
	if (READ_ONCE(cn->n_ctx))
		kunit_skip(test, "init_net has contexts: their times would interleave");
	KUNIT_ASSERT_EQ(test, credssp_sspi_acquire(cn, &kernel, "CredSSP",
						   SECPKG_CRED_INBOUND, NULL, &cred,
						   &expiry), SEC_E_OK);
	/* No run of the real work from an earlier case in between. */
	cancel_delayed_work_sync(&cn->expire_work);

	/* Nothing due: a walk leaves the work unarmed. */
	credssp_expire_work(&cn->expire_work.work);
	spin_lock(&cn->lock);
	armed = cn->expire_armed;
	spin_unlock(&cn->lock);
	KUNIT_EXPECT_FALSE(test, armed);

	since = jiffies;
	for (i = 0; i < ARRAY_SIZE(secs); i++) {
		deadline[i] = jiffies + secs[i] * HZ;
		KUNIT_ASSERT_EQ(test, credssp_ctx_new(cn, &kernel, cred, 0, deadline[i],
						      &ctx[i]), SEC_E_OK);
		clear_bit_unlock(CREDSSP_F_BUSY, &ctx[i]->flags);
	}
	/* 10 s, then 40 s (later: no change), 3 s (earlier), 1000 s (later) */
	credssp_test_expire_armed(test, cn, deadline[2], deadline[2] + HZ, since);

	/* A walk finds the earliest left: 10 s once the 3 s one is gone. */
	credssp_ctx_unlink(ctx[2]);
	since = jiffies;
	credssp_expire_work(&cn->expire_work.work);
	credssp_test_expire_armed(test, cn, deadline[0], deadline[0] + HZ, since);

	/* At most a minute on, even if the earliest is 1000 s away. */
	credssp_ctx_unlink(ctx[0]);
	credssp_ctx_unlink(ctx[1]);
	since = jiffies;
	credssp_expire_work(&cn->expire_work.work);
	credssp_test_expire_armed(test, cn, since + 60 * HZ, jiffies + 61 * HZ, since);

	/* None left: the walk does not arm it again. */
	credssp_ctx_unlink(ctx[3]);
	credssp_expire_work(&cn->expire_work.work);
	spin_lock(&cn->lock);
	armed = cn->expire_armed;
	spin_unlock(&cn->lock);
	KUNIT_EXPECT_FALSE(test, armed);

	for (i = 0; i < ARRAY_SIZE(secs); i++)
		credssp_ctx_put(ctx[i]);
	cancel_delayed_work_sync(&cn->expire_work);
	KUNIT_EXPECT_TRUE(test, credssp_cred_unlink(cred));
	credssp_cred_put(cred);
}

static void credssp_test_key_describe(struct kunit *test)
{
	char *buf = kunit_kzalloc(test, CREDSSP_KEY_DESC_MAX, GFP_KERNEL);
	char *longp = kunit_kzalloc(test, CREDSSP_PRINCIPAL_MAX + 1, GFP_KERNEL);
	static const char want[] =
		"credssp:ctx=0x1234abcd00000007;user=KCREDSSP\\alice;pkg=NTLM";
	int n;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, longp);
	n = credssp_key_describe(buf, CREDSSP_KEY_DESC_MAX, 0x1234abcd00000007ULL,
				 "KCREDSSP\\alice", CREDSSP_PACKAGE_NTLM, 0);
	KUNIT_EXPECT_EQ(test, n, (int)strlen(want));
	KUNIT_EXPECT_STREQ(test, buf, want);

	n = credssp_key_describe(buf, CREDSSP_KEY_DESC_MAX, 1, "bob@REALM",
				 CREDSSP_PACKAGE_KERBEROS, 4026532180U);
	KUNIT_EXPECT_GT(test, n, 0);
	KUNIT_EXPECT_STREQ(test, buf,
			   "credssp:ctx=0x0000000000000001;user=bob@REALM;pkg=Kerberos;net=4026532180");

	/* A client-chosen name cannot add fields. */
	n = credssp_key_describe(buf, CREDSSP_KEY_DESC_MAX, 2,
				 "x;pkg=Kerberos%\n\x7f", CREDSSP_PACKAGE_NTLM, 0);
	KUNIT_EXPECT_GT(test, n, 0);
	KUNIT_EXPECT_STREQ(test, buf,
			   "credssp:ctx=0x0000000000000002;user=x%3Bpkg%3DKerberos%25%0A%7F;pkg=NTLM");

	/* The longest principal, every byte escaped, fits. */
	memset(longp, ';', CREDSSP_PRINCIPAL_MAX);
	n = credssp_key_describe(buf, CREDSSP_KEY_DESC_MAX, ~0ULL, longp,
				 CREDSSP_PACKAGE_KERBEROS, ~0U);
	KUNIT_EXPECT_GT(test, n, 3 * CREDSSP_PRINCIPAL_MAX);
	KUNIT_EXPECT_LT(test, n, CREDSSP_KEY_DESC_MAX);

	/* Refusals leave an empty string. */
	KUNIT_EXPECT_EQ(test, credssp_key_describe(buf, 40, 1, "someone",
						   CREDSSP_PACKAGE_NTLM, 0), -E2BIG);
	KUNIT_EXPECT_STREQ(test, buf, "");
	KUNIT_EXPECT_EQ(test, credssp_key_describe(buf, CREDSSP_KEY_DESC_MAX, 1,
						   "u", 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, credssp_key_describe(buf, CREDSSP_KEY_DESC_MAX, 1,
						   "u", 3, 0), -EINVAL);
}

/* Only the module makes keys of its type (the cifs.spnego lesson). */
static void credssp_test_key_vet_foreign(struct kunit *test)
{
	static const char desc[] = "credssp:ctx=0x1;user=X\\y;pkg=NTLM";
	struct key *keyring = credssp_keyring();
	key_ref_t ref;
	struct key *key;

	KUNIT_EXPECT_EQ(test, credssp_key_vet(desc), -EPERM);
	KUNIT_EXPECT_EQ(test, credssp_key_vet("other"), -EPERM);
	KUNIT_EXPECT_NULL(test, credssp_key_type.read);
	KUNIT_EXPECT_NULL(test, credssp_key_type.update);
	KUNIT_EXPECT_NOT_NULL(test, credssp_key_type.destroy);

	key = key_alloc(&credssp_key_type, desc, GLOBAL_ROOT_UID,
			GLOBAL_ROOT_GID, current_cred(), CREDSSP_KEY_PERM,
			KEY_ALLOC_NOT_IN_QUOTA, NULL);
	KUNIT_EXPECT_TRUE(test, IS_ERR(key));
	if (!IS_ERR(key))
		key_put(key);
	else
		KUNIT_EXPECT_EQ(test, PTR_ERR(key), -EPERM);

	/* Even into .credssp with possession, and a well-formed payload. */
	ref = key_create_or_update(make_key_ref(keyring, true),
				   CREDSSP_KEY_TYPE, desc, credssp_test_creds,
				   sizeof(credssp_test_creds), CREDSSP_KEY_PERM,
				   KEY_ALLOC_NOT_IN_QUOTA);
	KUNIT_EXPECT_TRUE(test, IS_ERR(ref));
	if (!IS_ERR(ref))
		key_ref_put(ref);
	else
		KUNIT_EXPECT_EQ(test, PTR_ERR(ref), -EPERM);
}

/*
 * A context of the test's own with @id in init_net, and in *@res a
 * successful NTLM result for D\\u carrying credssp_test_creds.
 */
static struct credssp_ctx *credssp_test_key_ctx(struct kunit *test, u64 id,
						struct credssp_result **res)
{
	struct credssp_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	*res = kunit_kzalloc(test, sizeof(**res), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	KUNIT_ASSERT_NOT_NULL(test, *res);
	spin_lock_init(&ctx->lock);
	ctx->cn = credssp_pernet(&init_net);
	KUNIT_ASSERT_NOT_NULL(test, ctx->cn);
	ctx->id = id;
	(*res)->principal = "D\\u";
	(*res)->package = CREDSSP_PACKAGE_NTLM;
	(*res)->creds = (u8 *)credssp_test_creds;
	(*res)->creds_len = sizeof(credssp_test_creds);
	return ctx;
}

/* The module's own key: made, readable in-kernel, wiped when dropped. */
static void credssp_test_key_lifecycle(struct kunit *test)
{
	u64 now = ktime_get_real_seconds();
	const struct user_key_payload *up;
	struct credssp_result *res;
	struct credssp_ctx *ctx;
	struct key *key, *keep;

	ctx = credssp_test_key_ctx(test, 0xfeedf00d00000042ULL, &res);
	key = credssp_key_new(ctx, res, now + 100);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(key));
	KUNIT_EXPECT_PTR_EQ(test, key->type, &credssp_key_type);
	KUNIT_EXPECT_STREQ(test, key->description,
			   "credssp:ctx=0xfeedf00d00000042;user=D\\u;pkg=NTLM");
	KUNIT_EXPECT_EQ(test, key->perm, CREDSSP_KEY_PERM);
	KUNIT_EXPECT_TRUE(test, test_bit(KEY_FLAG_KEEP, &key->flags));
	KUNIT_EXPECT_TRUE(test, uid_eq(key->uid, GLOBAL_ROOT_UID));
	KUNIT_EXPECT_NE(test, key->expiry, 0);
	KUNIT_EXPECT_LE(test, key->expiry, now + 101);
	KUNIT_EXPECT_EQ(test, key_validate(key), 0);

	down_read(&key->sem);
	up = user_key_payload_locked(key);
	KUNIT_EXPECT_NOT_NULL(test, up);
	if (up) {
		KUNIT_EXPECT_EQ(test, up->datalen, sizeof(credssp_test_creds));
		KUNIT_EXPECT_EQ(test, memcmp(up->data, credssp_test_creds,
					     sizeof(credssp_test_creds)), 0);
	}
	up_read(&key->sem);

	/* Already expired: no key. */
	KUNIT_EXPECT_TRUE(test, IS_ERR(credssp_key_new(ctx, res, now)));

	keep = key_get(key);
	credssp_key_drop(key);
	KUNIT_EXPECT_TRUE(test, test_bit(KEY_FLAG_REVOKED, &keep->flags));
	/* Revoked and invalidated: -ENOKEY, whatever the order of checks. */
	KUNIT_EXPECT_LT(test, key_validate(keep), 0);
	KUNIT_EXPECT_TRUE(test, test_bit(KEY_FLAG_INVALIDATED, &keep->flags));
	down_read(&keep->sem);
	KUNIT_EXPECT_NULL(test, user_key_payload_locked(keep));
	up_read(&keep->sem);
	key_put(keep);
}

/*
 * An established context whose expiry has come, before the expiry work
 * (up to a second late) or a call made it EXPIRED: what only looks at it
 * already sees it expired and gets no key; the context itself is left for
 * credssp_ctx_check_time() to end.
 */
static void credssp_test_key_past_expiry(struct kunit *test)
{
	u64 now = ktime_get_real_seconds();
	struct credssp_result *res;
	struct credssp_ctx_view v;
	struct credssp_ctx *ctx;
	struct key *key, *got;

	ctx = credssp_test_key_ctx(test, 0xfeedf00d00000043ULL, &res);
	key = credssp_key_new(ctx, res, now + 100);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(key));
	ctx->res = res;
	ctx->key = key;
	ctx->state = CREDSSP_CTX_STATE_ESTABLISHED;

	ctx->expiry = now + 100;
	got = credssp_ctx_key(ctx);
	KUNIT_EXPECT_PTR_EQ(test, got, key);
	if (got)
		key_put(got);
	credssp_ctx_view(ctx, &v, NULL, 0);
	KUNIT_EXPECT_EQ(test, v.state, CREDSSP_CTX_STATE_ESTABLISHED);
	KUNIT_EXPECT_EQ(test, v.key, key_serial(key));

	ctx->expiry = ktime_get_real_seconds();
	KUNIT_EXPECT_NULL(test, credssp_ctx_key(ctx));
	credssp_ctx_view(ctx, &v, NULL, 0);
	KUNIT_EXPECT_EQ(test, v.state, CREDSSP_CTX_STATE_EXPIRED);
	KUNIT_EXPECT_EQ(test, v.key, 0);
	KUNIT_EXPECT_EQ(test, ctx->state, CREDSSP_CTX_STATE_ESTABLISHED);

	ctx->key = NULL;
	credssp_key_drop(key);
}

/*
 * wire.c: HELPER_DONE answers. One good SEC_E_OK answer, then each check
 * broken on its own: the parse must refuse it, name the attribute and say
 * why. The attributes are put in an skb as the helper would and indexed
 * by type (the HELPER_DONE policy, which checks types and lengths, ran
 * before credssp_result_parse() in the module; these inputs all pass it).
 */
enum credssp_test_done_fault {
	DONE_GOOD,
	DONE_STATUS,
	DONE_CONSUMED,
	DONE_RET_FLAGS,
	DONE_PACKAGE,
	DONE_OUTPUT,
	DONE_NO_PRINCIPAL,
	DONE_PRINCIPAL_NUL,
	DONE_OK_PACKAGE,
	DONE_TLS_VERSION,
	DONE_TLS_CIPHER,
	DONE_NO_KEYS,
	DONE_KEYS_INCOMPLETE,
	DONE_KEYS_CIPHER,
	DONE_KEYS_LENGTH,
	DONE_KEYS_DIFFER,
	DONE_NO_VERSION,
	DONE_VERSION,
	DONE_CREDS,
	DONE_BINDING_NONE,
	DONE_NO_BINDING,	/* good: an older helper's, unbound */
	DONE_NR
};

static const struct {
	enum credssp_reason why;
	int attr;		/* the attribute named, 0 for none */
} credssp_test_done_want[DONE_NR] = {
	[DONE_STATUS] = { CREDSSP_R_DONE_STATUS, CREDSSP_A_H_SEC_STATUS },
	[DONE_CONSUMED] = { CREDSSP_R_DONE_CONSUMED, CREDSSP_A_H_CONSUMED },
	[DONE_RET_FLAGS] = { CREDSSP_R_DONE_RET_FLAGS, CREDSSP_A_H_RET_FLAGS },
	[DONE_PACKAGE] = { CREDSSP_R_DONE_PACKAGE, CREDSSP_A_H_PACKAGE },
	[DONE_OUTPUT] = { CREDSSP_R_DONE_OUTPUT, CREDSSP_A_H_OUTPUT },
	[DONE_NO_PRINCIPAL] = { CREDSSP_R_DONE_PRINCIPAL, 0 },
	[DONE_PRINCIPAL_NUL] = { CREDSSP_R_DONE_PRINCIPAL,
				 CREDSSP_A_H_PRINCIPAL },
	[DONE_OK_PACKAGE] = { CREDSSP_R_DONE_OK_PACKAGE, CREDSSP_A_H_PACKAGE },
	[DONE_TLS_VERSION] = { CREDSSP_R_DONE_TLS_VERSION,
			       CREDSSP_A_H_TLS_VERSION },
	[DONE_TLS_CIPHER] = { CREDSSP_R_DONE_TLS_CIPHER,
			      CREDSSP_A_H_TLS_CIPHER },
	[DONE_NO_KEYS] = { CREDSSP_R_DONE_NO_KEYS, 0 },
	[DONE_KEYS_INCOMPLETE] = { CREDSSP_R_DONE_KEYS_INCOMPLETE,
				   CREDSSP_A_H_KEYS_TX },
	[DONE_KEYS_CIPHER] = { CREDSSP_R_DONE_KEYS_CIPHER,
			       CREDSSP_A_K_CIPHER },
	[DONE_KEYS_LENGTH] = { CREDSSP_R_DONE_KEYS_LENGTH,
			       CREDSSP_A_H_KEYS_RX },
	[DONE_KEYS_DIFFER] = { CREDSSP_R_DONE_KEYS_DIFFER,
			       CREDSSP_A_H_KEYS_RX },
	[DONE_NO_VERSION] = { CREDSSP_R_DONE_NO_VERSION, 0 },
	[DONE_VERSION] = { CREDSSP_R_DONE_VERSION,
			   CREDSSP_A_H_VERSION_NEGOTIATED },
	[DONE_CREDS] = { CREDSSP_R_DONE_CREDS, CREDSSP_A_H_CREDS },
	[DONE_BINDING_NONE] = { CREDSSP_R_DONE_CREDS_BINDING,
				CREDSSP_A_H_CREDS_BINDING },
};

static int credssp_test_put_keys(struct sk_buff *skb, int type, u32 cipher,
				 int key_len, bool rec_seq)
{
	static const u8 zero[32];
	struct nlattr *nest = nla_nest_start(skb, type);

	if (!nest || nla_put_u32(skb, CREDSSP_A_K_CIPHER, cipher) ||
	    nla_put(skb, CREDSSP_A_K_KEY, key_len, zero) ||
	    nla_put(skb, CREDSSP_A_K_SALT, 4, zero) ||
	    nla_put(skb, CREDSSP_A_K_IV, 8, zero) ||
	    (rec_seq && nla_put(skb, CREDSSP_A_K_REC_SEQ, 8, zero)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* A SEC_E_OK answer to a 100-byte input, with @f broken. */
static int credssp_test_put_done(struct sk_buff *skb,
				 enum credssp_test_done_fault f)
{
	const char *principal = f == DONE_PRINCIPAL_NUL ? "a\0b" : "DOM\\alice";
	int plen = f == DONE_PRINCIPAL_NUL ? 4 : strlen(principal) + 1;
	u32 out_len = f == DONE_OUTPUT ? CREDSSP_TOKEN_MAX + 1 : 5;
	u32 pkg = f == DONE_PACKAGE ? CREDSSP_NR_PACKAGES :
		  f == DONE_OK_PACKAGE ? 0 : CREDSSP_PACKAGE_NTLM;
	/* One byte short: a field that does not fit. */
	u32 creds_len = sizeof(credssp_test_creds) - (f == DONE_CREDS ? 1 : 0);
	struct nlattr *out;

	if (nla_put_u32(skb, CREDSSP_A_H_SEC_STATUS,
			f == DONE_STATUS ? 0x8009ffff : SEC_E_OK) ||
	    nla_put_u32(skb, CREDSSP_A_H_CONSUMED,
			f == DONE_CONSUMED ? 101 : 100) ||
	    nla_put_u32(skb, CREDSSP_A_H_RET_FLAGS,
			f == DONE_RET_FLAGS ? BIT(31) : ASC_RET_CONFIDENTIALITY) ||
	    nla_put_u32(skb, CREDSSP_A_H_PACKAGE, pkg) ||
	    (f != DONE_NO_PRINCIPAL &&
	     nla_put(skb, CREDSSP_A_H_PRINCIPAL, plen, principal)) ||
	    nla_put_u32(skb, CREDSSP_A_H_TLS_VERSION,
			f == DONE_TLS_VERSION ? 0x0302 : 0x0304) ||
	    nla_put(skb, CREDSSP_A_H_TLS_CIPHER, f == DONE_TLS_CIPHER ? 3 : 4,
		    f == DONE_TLS_CIPHER ? "AES" : "AES") ||
	    (f != DONE_NO_VERSION &&
	     nla_put_u32(skb, CREDSSP_A_H_VERSION_NEGOTIATED,
			 f == DONE_VERSION ? 7 : 6)) ||
	    nla_put(skb, CREDSSP_A_H_CREDS, creds_len, credssp_test_creds) ||
	    (f != DONE_NO_BINDING &&
	     nla_put_u32(skb, CREDSSP_A_H_CREDS_BINDING,
			 f == DONE_BINDING_NONE ? CREDSSP_CREDS_BINDING_NONE :
			 CREDSSP_CREDS_BINDING_BOUND)))
		return -EMSGSIZE;
	out = nla_reserve(skb, CREDSSP_A_H_OUTPUT, out_len);
	if (!out)
		return -EMSGSIZE;
	memset(nla_data(out), 0x16, out_len);
	if (f == DONE_NO_KEYS)
		return 0;
	if (credssp_test_put_keys(skb, CREDSSP_A_H_KEYS_TX,
				  f == DONE_KEYS_CIPHER ? 0xffff :
				  TLS_CIPHER_AES_GCM_128, 16,
				  f != DONE_KEYS_INCOMPLETE))
		return -EMSGSIZE;
	if (f == DONE_KEYS_DIFFER)
		return credssp_test_put_keys(skb, CREDSSP_A_H_KEYS_RX,
					     TLS_CIPHER_AES_GCM_256, 32, true);
	return credssp_test_put_keys(skb, CREDSSP_A_H_KEYS_RX,
				     TLS_CIPHER_AES_GCM_128,
				     f == DONE_KEYS_LENGTH ? 15 : 16, true);
}

static void credssp_test_done_one(struct kunit *test,
				  enum credssp_test_done_fault f)
{
	struct nlattr *tb[CREDSSP_A_H_MAX + 1] = {};
	struct credssp_result *res = NULL;
	struct credssp_bad bad = {};
	struct sk_buff *skb;
	struct nlattr *attr;
	int rem, err;

	skb = alloc_skb(CREDSSP_TOKEN_MAX + 4096, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_ASSERT_EQ(test, credssp_test_put_done(skb, f), 0);
	nla_for_each_attr(attr, (struct nlattr *)skb->data, skb->len, rem)
		tb[nla_type(attr)] = attr;

	err = credssp_result_parse(tb, 100, &res, &bad);
	if (f == DONE_GOOD || f == DONE_NO_BINDING) {
		KUNIT_ASSERT_EQ(test, err, 0);
		KUNIT_ASSERT_NOT_NULL(test, res);
		KUNIT_EXPECT_EQ(test, res->status, SEC_E_OK);
		KUNIT_EXPECT_EQ(test, res->consumed, 100);
		KUNIT_EXPECT_EQ(test, res->output_len, 5);
		KUNIT_EXPECT_STREQ(test, res->principal, "DOM\\alice");
		KUNIT_EXPECT_EQ(test, res->tls_version, 0x0304);
		KUNIT_EXPECT_EQ(test, res->tx.cipher, TLS_CIPHER_AES_GCM_128);
		KUNIT_EXPECT_TRUE(test, res->has_keys);
		KUNIT_EXPECT_EQ(test, res->version, 6);
		KUNIT_EXPECT_EQ(test, res->expiry, CREDSSP_TIME_NEVER);
		KUNIT_EXPECT_EQ(test, res->creds_len, sizeof(credssp_test_creds));
		KUNIT_EXPECT_EQ(test, res->creds_binding,
				f == DONE_GOOD ? CREDSSP_CREDS_BINDING_BOUND :
				CREDSSP_CREDS_BINDING_UNBOUND);
	} else {
		KUNIT_EXPECT_EQ_MSG(test, err, -EINVAL, "fault %d", f);
		KUNIT_EXPECT_NULL(test, res);
		KUNIT_EXPECT_EQ_MSG(test, bad.why, credssp_test_done_want[f].why,
				    "fault %d", f);
		if (credssp_test_done_want[f].attr && bad.attr)
			KUNIT_EXPECT_EQ_MSG(test, nla_type(bad.attr),
					    credssp_test_done_want[f].attr,
					    "fault %d", f);
		else
			KUNIT_EXPECT_EQ_MSG(test, !!bad.attr,
					    !!credssp_test_done_want[f].attr,
					    "fault %d", f);
	}
	credssp_result_free(res);
	kfree_skb(skb);
}

static void credssp_test_result_parse(struct kunit *test)
{
	int f;

	for (f = DONE_GOOD; f < DONE_NR; f++)
		credssp_test_done_one(test, f);
}

/* A failure answer needs no SEC_E_OK parts; INCOMPLETE consumes nothing. */
static void credssp_test_result_parse_failure(struct kunit *test)
{
	struct nlattr *tb[CREDSSP_A_H_MAX + 1] = {};
	struct credssp_result *res = NULL;
	struct credssp_bad bad = {};
	struct sk_buff *skb;
	struct nlattr *attr;
	int rem;

	skb = alloc_skb(256, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_ASSERT_EQ(test, nla_put_u32(skb, CREDSSP_A_H_SEC_STATUS,
					  SEC_E_INCOMPLETE_MESSAGE), 0);
	KUNIT_ASSERT_EQ(test, nla_put_u32(skb, CREDSSP_A_H_CONSUMED, 7), 0);
	nla_for_each_attr(attr, (struct nlattr *)skb->data, skb->len, rem)
		tb[nla_type(attr)] = attr;
	KUNIT_ASSERT_EQ(test, credssp_result_parse(tb, 10, &res, &bad), 0);
	KUNIT_EXPECT_EQ(test, res->consumed, 0);
	KUNIT_EXPECT_FALSE(test, res->has_keys);
	KUNIT_EXPECT_NULL(test, res->output);
	credssp_result_free(res);
	kfree_skb(skb);
}

/* Every reason has its own words (netlink.c's table is complete). */
static void credssp_test_reason_text(struct kunit *test)
{
	const char *fallback = credssp_reason_text(CREDSSP_R_NONE, 0);
	int r;

	for (r = CREDSSP_R_NONE + 1; r < __CREDSSP_R_MAX; r++)
		KUNIT_EXPECT_PTR_NE_MSG(test, credssp_reason_text(r, 0),
					fallback, "reason %d", r);
}

/*
 * Record protection (record.c): known answers. TLS 1.3 AES-128-GCM from
 * RFC 8448 section 3 (the server's application data record, sequence
 * number 1, plaintext 00..31); the others computed on the host with
 * OpenSSL (pyca/cryptography AESGCM, ChaCha20Poly1305).
 */
static const u8 rfc8448_s_ap_key[] = {
	0x9f, 0x02, 0x28, 0x3b, 0x6c, 0x9c, 0x07, 0xef,
	0xc2, 0x6b, 0xb9, 0xf2, 0xac, 0x92, 0xe3, 0x56,
};

static const u8 rfc8448_s_ap_iv[] = {
	0xcf, 0x78, 0x2b, 0x88, 0xdd, 0x83, 0x54, 0x9a,
	0xad, 0xf1, 0xe9, 0x84,
};

static const u8 rfc8448_s_ap_record[] = {
	0x17, 0x03, 0x03, 0x00, 0x43, 0x2e, 0x93, 0x7e, 0x11, 0xef, 0x4a, 0xc7,
	0x40, 0xe5, 0x38, 0xad, 0x36, 0x00, 0x5f, 0xc4, 0xa4, 0x69, 0x32, 0xfc,
	0x32, 0x25, 0xd0, 0x5f, 0x82, 0xaa, 0x1b, 0x36, 0xe3, 0x0e, 0xfa, 0xf9,
	0x7d, 0x90, 0xe6, 0xdf, 0xfc, 0x60, 0x2d, 0xcb, 0x50, 0x1a, 0x59, 0xa8,
	0xfc, 0xc4, 0x9c, 0x4b, 0xf2, 0xe5, 0xf0, 0xa2, 0x1c, 0x00, 0x47, 0xc2,
	0xab, 0xf3, 0x32, 0x54, 0x0d, 0xd0, 0x32, 0xe1, 0x67, 0xc2, 0x95, 0x5d,
};

static const u8 kat13_chacha_key[] = {
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b,
	0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27,
	0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
};

static const u8 kat13_chacha_iv[] = {
	0x5d, 0x31, 0x3e, 0xb2, 0x67, 0x12, 0x76, 0xee, 0x13, 0x00, 0x0b, 0x30,
};

static const u8 kat13_chacha_rec_seq5[] = {
	0x17, 0x03, 0x03, 0x00, 0x25, 0x17, 0x4f, 0xeb, 0xf8, 0xa0, 0xc7, 0xf7,
	0xc1, 0x30, 0x38, 0x73, 0x46, 0x90, 0xbe, 0x00, 0xc2, 0x38, 0x6d, 0x81,
	0x05, 0x25, 0x61, 0x3b, 0xdc, 0x5f, 0x97, 0x9d, 0x05, 0xdb, 0xc8, 0xf1,
	0x38, 0x68, 0x12, 0x2a, 0x29, 0x77,
};

static const u8 kat12_gcm256_key[] = {
	0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b,
	0x4c, 0x4d, 0x4e, 0x4f, 0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57,
	0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f,
};

static const u8 kat12_gcm256_salt[] = {
	0xa1, 0xb2, 0xc3, 0xd4,
};

static const u8 kat12_gcm256_explicit[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
};

static const u8 kat12_gcm256_rec_seq7[] = {
	0x17, 0x03, 0x03, 0x00, 0x2c, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
	0x77, 0x99, 0x27, 0xb1, 0xb9, 0x2d, 0xb0, 0xdb, 0x84, 0x34, 0x35, 0xbb,
	0x1f, 0x8d, 0x59, 0xea, 0x95, 0xf9, 0x13, 0x16, 0xee, 0x06, 0x18, 0x48,
	0x7e, 0xd3, 0xb5, 0xc8, 0xd3, 0xa2, 0x1d, 0xf4, 0xec, 0x41, 0xc8, 0xbe,
	0xe5,
};

static const u8 kat12_chacha_rec_seq3[] = {
	0x17, 0x03, 0x03, 0x00, 0x24, 0xc2, 0x4f, 0xc4, 0x53, 0x25, 0x02, 0xae,
	0xce, 0xa6, 0xfb, 0x0a, 0x59, 0x8d, 0x98, 0xec, 0x6c, 0x39, 0xdb, 0x4b,
	0x63, 0xf5, 0x50, 0xf6, 0xb9, 0xb2, 0x4e, 0x61, 0x2f, 0x5f, 0x6f, 0x88,
	0x9d, 0x0e, 0xe7, 0x70, 0x30,
};

static const u8 kat13_close_notify_seq3[] = {
	0x17, 0x03, 0x03, 0x00, 0x13, 0x10, 0x71, 0x19, 0xf6, 0x11, 0x98, 0x51,
	0x90, 0xb7, 0x64, 0x94, 0xe5, 0x6d, 0xf5, 0xa1, 0xb8, 0xd6, 0x4f, 0xd9,
};

static const u8 kat13_keyupdate_seq2[] = {
	0x17, 0x03, 0x03, 0x00, 0x16, 0xac, 0x8f, 0xc3, 0xf1, 0x66, 0x83, 0xa2,
	0x18, 0x7f, 0x76, 0x81, 0xea, 0xd8, 0x42, 0xe4, 0xb0, 0x6c, 0x55, 0xff,
	0xc8, 0xa0, 0x59,
};

static const u8 kat_msg[] = "kcredssp record test";	/* 20 bytes used */

static void credssp_test_set_seq(struct credssp_tls_keys *k, u64 seq)
{
	int i;

	for (i = 7; i >= 0; i--, seq >>= 8)
		k->rec_seq[i] = seq;
}

static void credssp_test_keys(struct credssp_tls_keys *k, u32 cipher,
			      const u8 *key, const u8 *iv, u64 seq)
{
	memset(k, 0, sizeof(*k));
	k->cipher = cipher;
	credssp_keys_len(cipher, &k->key_len, &k->salt_len, &k->iv_len);
	memcpy(k->key, key, k->key_len);
	if (cipher == TLS_CIPHER_CHACHA20_POLY1305) {
		memcpy(k->iv, iv, 12);
	} else {
		memcpy(k->salt, iv, 4);
		memcpy(k->iv, iv + 4, 8);
	}
	credssp_test_set_seq(k, seq);
}

/* TLS 1.2 AES-256-GCM: the explicit nonce is the transmit iv. */
static void credssp_test_gcm12_keys(struct credssp_tls_keys *k)
{
	memset(k, 0, sizeof(*k));
	k->cipher = TLS_CIPHER_AES_GCM_256;
	credssp_keys_len(k->cipher, &k->key_len, &k->salt_len, &k->iv_len);
	memcpy(k->key, kat12_gcm256_key, 32);
	memcpy(k->salt, kat12_gcm256_salt, 4);
	memcpy(k->iv, kat12_gcm256_explicit, 8);
	credssp_test_set_seq(k, 7);
}

/* Seal @len bytes of @data and compare with @want; open it back. */
static void credssp_test_kat(struct kunit *test, const struct credssp_tls_keys *k,
			     u32 version, const u8 *data, u32 len,
			     const u8 *want, u32 want_len)
{
	u8 *out = kunit_kzalloc(test, want_len + 64, GFP_KERNEL);
	u32 plain_len = 0;
	u8 type = 0;
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, out);
	ret = credssp_record_seal_keys(k, version, data, len, out);
	KUNIT_ASSERT_EQ(test, ret, (int)want_len);
	KUNIT_EXPECT_MEMEQ(test, out, want, want_len);

	ret = credssp_record_open_keys(k, version, out, want_len, &type,
				       &plain_len);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, type, 23);
	KUNIT_ASSERT_EQ(test, plain_len, len);
	KUNIT_EXPECT_MEMEQ(test, out, data, len);

	/* Tampered: any flipped bit of the record fails authentication. */
	memcpy(out, want, want_len);
	out[want_len - 1] ^= 1;
	KUNIT_EXPECT_EQ(test, credssp_record_open_keys(k, version, out, want_len,
						       &type, &plain_len),
			-EBADMSG);
	memcpy(out, want, want_len);
	out[want_len / 2] ^= 0x80;
	KUNIT_EXPECT_EQ(test, credssp_record_open_keys(k, version, out, want_len,
						       &type, &plain_len),
			-EBADMSG);
	/* A record shorter than its header says is malformed. */
	memcpy(out, want, want_len);
	KUNIT_EXPECT_EQ(test, credssp_record_open_keys(k, version, out,
						       want_len - 1, &type,
						       &plain_len),
			-EINVAL);
}

static void credssp_test_record_kat(struct kunit *test)
{
	struct credssp_tls_keys k;
	u8 data[50], *big;
	int i, ret;

	for (i = 0; i < sizeof(data); i++)
		data[i] = i;
	credssp_test_keys(&k, TLS_CIPHER_AES_GCM_128, rfc8448_s_ap_key,
			  rfc8448_s_ap_iv, 1);
	credssp_test_kat(test, &k, TLS_1_3_VERSION, data, sizeof(data),
			 rfc8448_s_ap_record, sizeof(rfc8448_s_ap_record));

	credssp_test_keys(&k, TLS_CIPHER_CHACHA20_POLY1305, kat13_chacha_key,
			  kat13_chacha_iv, 5);
	credssp_test_kat(test, &k, TLS_1_3_VERSION, kat_msg, 20,
			 kat13_chacha_rec_seq5, sizeof(kat13_chacha_rec_seq5));

	credssp_test_keys(&k, TLS_CIPHER_CHACHA20_POLY1305, kat13_chacha_key,
			  kat13_chacha_iv, 3);
	credssp_test_kat(test, &k, TLS_1_2_VERSION, kat_msg, 20,
			 kat12_chacha_rec_seq3, sizeof(kat12_chacha_rec_seq3));

	credssp_test_gcm12_keys(&k);
	credssp_test_kat(test, &k, TLS_1_2_VERSION, kat_msg, 20,
			 kat12_gcm256_rec_seq7, sizeof(kat12_gcm256_rec_seq7));

	/* Bounds: 16384 bytes make a record, 16385 do not. */
	big = kunit_kzalloc(test, 16384 + 64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, big);
	ret = credssp_record_seal_keys(&k, TLS_1_2_VERSION, big, 16384, big);
	KUNIT_EXPECT_EQ(test, ret, 16384 + 29);
	ret = credssp_record_seal_keys(&k, TLS_1_2_VERSION, big, 16385, big);
	KUNIT_EXPECT_EQ(test, ret, -EINVAL);
}

/* An established context holding @k for both directions (a loopback). */
static struct credssp_ctx *credssp_test_rec_ctx(struct kunit *test,
						const struct credssp_tls_keys *k)
{
	struct credssp_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	struct credssp_result *res = kunit_kzalloc(test, sizeof(*res),
						   GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	KUNIT_ASSERT_NOT_NULL(test, res);
	spin_lock_init(&ctx->lock);
	ctx->state = CREDSSP_CTX_STATE_ESTABLISHED;
	ctx->expiry = CREDSSP_TIME_NEVER;
	res->tls_version = TLS_1_3_VERSION;
	res->has_keys = true;
	res->tx = *k;
	res->rx = *k;
	ctx->res = res;
	return ctx;
}

/* Sequence numbers: advanced per record, kept for KTLS_ATTACH. */
static void credssp_test_record_ctx(struct kunit *test)
{
	enum credssp_reason why = CREDSSP_R_NONE;
	struct credssp_tls_keys k, tx, rx;
	struct credssp_rec_open o;
	struct credssp_ctx *ctx;
	u8 data[50], in[128];
	u32 len, version;
	u8 *rec;
	int i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = i;
	credssp_test_keys(&k, TLS_CIPHER_AES_GCM_128, rfc8448_s_ap_key,
			  rfc8448_s_ap_iv, 1);
	ctx = credssp_test_rec_ctx(test, &k);

	KUNIT_ASSERT_EQ(test, credssp_record_seal(ctx, data, sizeof(data), &rec,
						  &len, &why), SEC_E_OK);
	KUNIT_EXPECT_EQ(test, len, sizeof(rfc8448_s_ap_record));
	KUNIT_EXPECT_MEMEQ(test, rec, rfc8448_s_ap_record, len);
	kfree(rec);
	/* The same plaintext again: sequence number 2, another record. */
	KUNIT_ASSERT_EQ(test, credssp_record_seal(ctx, data, sizeof(data), &rec,
						  &len, &why), SEC_E_OK);
	KUNIT_EXPECT_NE(test, memcmp(rec, rfc8448_s_ap_record, len), 0);
	kfree(rec);
	KUNIT_EXPECT_EQ(test, credssp_record_seal(ctx, data, 16385, &rec, &len,
						  &why), SEC_E_INVALID_PARAMETER);

	/* Incomplete, then whole with extra bytes after it. */
	memcpy(in, rfc8448_s_ap_record, sizeof(rfc8448_s_ap_record));
	KUNIT_EXPECT_EQ(test, credssp_record_open(ctx, in, 3, &o),
			SEC_E_INCOMPLETE_MESSAGE);
	KUNIT_EXPECT_EQ(test, o.missing, 2);
	KUNIT_EXPECT_EQ(test, credssp_record_open(ctx, in, 40, &o),
			SEC_E_INCOMPLETE_MESSAGE);
	KUNIT_EXPECT_EQ(test, o.missing, sizeof(rfc8448_s_ap_record) - 40);
	/* Tampered: refused, the sequence number stays. */
	in[20] ^= 1;
	KUNIT_EXPECT_EQ(test, credssp_record_open(ctx, in,
						  sizeof(rfc8448_s_ap_record), &o),
			SEC_E_DECRYPT_FAILURE);
	in[20] ^= 1;
	memcpy(in + sizeof(rfc8448_s_ap_record), "\x17\x03", 2);
	KUNIT_ASSERT_EQ(test, credssp_record_open(ctx, in,
						  sizeof(rfc8448_s_ap_record) + 2,
						  &o), SEC_E_OK);
	KUNIT_EXPECT_EQ(test, o.len, sizeof(data));
	KUNIT_EXPECT_MEMEQ(test, o.data, data, sizeof(data));
	KUNIT_EXPECT_EQ(test, o.extra, 2);
	kfree_sensitive(o.data);
	/* Replayed: sequence number 2 now. */
	KUNIT_EXPECT_EQ(test, credssp_record_open(ctx, in,
						  sizeof(rfc8448_s_ap_record), &o),
			SEC_E_DECRYPT_FAILURE);
	/* A KeyUpdate (2), then close_notify (3). */
	KUNIT_EXPECT_EQ(test, credssp_record_open(ctx, kat13_keyupdate_seq2,
						  sizeof(kat13_keyupdate_seq2),
						  &o), SEC_E_UNSUPPORTED_FUNCTION);
	KUNIT_EXPECT_EQ(test, o.type, 22);
	KUNIT_EXPECT_NULL(test, o.data);
	KUNIT_EXPECT_EQ(test, credssp_record_open(ctx, kat13_close_notify_seq3,
						  sizeof(kat13_close_notify_seq3),
						  &o), SEC_I_CONTEXT_EXPIRED);
	KUNIT_EXPECT_EQ(test, o.type, 21);
	KUNIT_EXPECT_EQ(test, o.alert, 0x0100);
	/* Not a record. */
	KUNIT_EXPECT_EQ(test, credssp_record_open(ctx, "GET /", 5, &o),
			SEC_E_ILLEGAL_MESSAGE);

	/* KTLS_ATTACH takes the numbers where the records left them. */
	KUNIT_ASSERT_EQ(test, credssp_ctx_take_keys(ctx, &tx, &rx, &version,
						    &why), 0);
	KUNIT_EXPECT_EQ(test, version, TLS_1_3_VERSION);
	credssp_test_set_seq(&k, 3);
	KUNIT_EXPECT_MEMEQ(test, tx.rec_seq, k.rec_seq, 8);
	credssp_test_set_seq(&k, 4);
	KUNIT_EXPECT_MEMEQ(test, rx.rec_seq, k.rec_seq, 8);
	KUNIT_EXPECT_MEMEQ(test, tx.key, rfc8448_s_ap_key, 16);
	/* Then the keys are kTLS's: refused. */
	KUNIT_EXPECT_EQ(test, credssp_record_seal(ctx, data, 1, &rec, &len,
						  &why), SEC_E_UNSUPPORTED_FUNCTION);
	KUNIT_EXPECT_EQ(test, why, CREDSSP_R_KEYS_TAKEN);
	KUNIT_EXPECT_EQ(test, credssp_record_open(ctx, kat13_close_notify_seq3,
						  sizeof(kat13_close_notify_seq3),
						  &o), SEC_E_UNSUPPORTED_FUNCTION);
	memzero_explicit(&tx, sizeof(tx));
	memzero_explicit(&rx, sizeof(rx));
}

/* TLS 1.2 AES-GCM transmit: the explicit nonce advances with the number. */
static void credssp_test_record_gcm12_seq(struct kunit *test)
{
	enum credssp_reason why = CREDSSP_R_NONE;
	struct credssp_tls_keys k;
	struct credssp_ctx *ctx;
	u8 *rec;
	u32 len;

	credssp_test_gcm12_keys(&k);
	ctx = credssp_test_rec_ctx(test, &k);
	ctx->res->tls_version = TLS_1_2_VERSION;
	KUNIT_ASSERT_EQ(test, credssp_record_seal(ctx, kat_msg, 20, &rec, &len,
						  &why), SEC_E_OK);
	KUNIT_EXPECT_EQ(test, len, sizeof(kat12_gcm256_rec_seq7));
	KUNIT_EXPECT_MEMEQ(test, rec, kat12_gcm256_rec_seq7, len);
	kfree(rec);
	KUNIT_EXPECT_EQ(test, ctx->res->tx.rec_seq[7], 8);
	KUNIT_EXPECT_EQ(test, ctx->res->tx.iv[7], 0x78);
	KUNIT_EXPECT_EQ(test, ctx->res->rx.rec_seq[7], 7);
}

static void credssp_test_seq_inc(struct kunit *test)
{
	u8 a[8] = { 0, 0, 0, 0, 0, 0, 0x01, 0xff };
	u8 b[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	KUNIT_EXPECT_TRUE(test, credssp_seq_inc(a, 8));
	KUNIT_EXPECT_EQ(test, a[6], 2);
	KUNIT_EXPECT_EQ(test, a[7], 0);
	KUNIT_EXPECT_FALSE(test, credssp_seq_inc(b, 8));
	KUNIT_EXPECT_EQ(test, b[0], 0);
}

/* Named credentials (grant.c) */

static void credssp_test_cred_name(struct kunit *test)
{
	static const char *const good[] = { "web", "a", "Web-1.prod_x", "0" };
	static const char *const bad[] = { "", ".hidden", "-x", "a b", "a/b",
					   "caf\xc3\xa9", "x\n" };
	char longest[CREDSSP_CRED_NAME_MAX + 2];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(good); i++)
		KUNIT_EXPECT_TRUE_MSG(test, credssp_cred_name_ok(good[i]),
				      "%s", good[i]);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_FALSE_MSG(test, credssp_cred_name_ok(bad[i]),
				       "%s", bad[i]);
	memset(longest, 'n', sizeof(longest));
	longest[CREDSSP_CRED_NAME_MAX] = '\0';
	KUNIT_EXPECT_TRUE(test, credssp_cred_name_ok(longest));
	longest[CREDSSP_CRED_NAME_MAX] = 'n';
	longest[CREDSSP_CRED_NAME_MAX + 1] = '\0';
	KUNIT_EXPECT_FALSE(test, credssp_cred_name_ok(longest));
}

/* A HELPER_REGISTER carrying @n grants "g<i>" (or all named @same). */
static struct sk_buff *credssp_test_register_msg(struct kunit *test,
						 unsigned int n,
						 const char *same, u32 uid)
{
	struct sk_buff *skb = nlmsg_new(NLMSG_GOODSIZE * 4, GFP_KERNEL);
	struct nlattr *nest;
	unsigned int i;
	char name[16];

	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_ASSERT_NOT_NULL(test, nlmsg_put(skb, 0, 0, GENL_ID_CTRL,
					      GENL_HDRLEN, 0));
	KUNIT_ASSERT_EQ(test, nla_put_u32(skb, CREDSSP_A_H_VERSION,
					  CREDSSP_HELPER_VERSION), 0);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "g%u", i);
		nest = nla_nest_start(skb, CREDSSP_A_H_GRANT);
		KUNIT_ASSERT_NOT_NULL(test, nest);
		KUNIT_ASSERT_EQ(test, nla_put_string(skb, CREDSSP_A_G_NAME,
						     same ?: name), 0);
		KUNIT_ASSERT_EQ(test, nla_put_u32(skb, CREDSSP_A_G_UID, uid),
				0);
		KUNIT_ASSERT_EQ(test, nla_put_u32(skb, CREDSSP_A_G_GID, 4242),
				0);
		nla_nest_end(skb, nest);
	}
	nlmsg_end(skb, nlmsg_hdr(skb));
	return skb;
}

static int credssp_test_parse(struct kunit *test, unsigned int n,
			      const char *same, u32 uid,
			      struct credssp_grants **gs)
{
	struct sk_buff *skb = credssp_test_register_msg(test, n, same, uid);
	int err;

	err = credssp_grants_parse(nlmsg_hdr(skb), GENL_HDRLEN, gs, NULL);
	kfree_skb(skb);
	return err;
}

static void credssp_test_grants_parse(struct kunit *test)
{
	struct credssp_grants *gs;

	KUNIT_EXPECT_EQ(test, credssp_test_parse(test, 0, NULL, 7, &gs), 0);
	KUNIT_EXPECT_NULL(test, gs);
	KUNIT_EXPECT_EQ(test, credssp_test_parse(test, 2, NULL, 7, &gs), 0);
	KUNIT_EXPECT_NOT_NULL(test, gs);
	credssp_grants_free(gs);
	KUNIT_EXPECT_EQ(test, credssp_test_parse(test, CREDSSP_GRANTS_MAX, NULL,
						 7, &gs), 0);
	credssp_grants_free(gs);
	/* Refused whole, nothing kept: one too many, twice, bad, no id. */
	KUNIT_EXPECT_EQ(test, credssp_test_parse(test, CREDSSP_GRANTS_MAX + 1,
						 NULL, 7, &gs), -E2BIG);
	KUNIT_EXPECT_NULL(test, gs);
	KUNIT_EXPECT_EQ(test, credssp_test_parse(test, 2, "web", 7, &gs),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, credssp_test_parse(test, 1, "../x", 7, &gs),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, credssp_test_parse(test, 1, NULL, (u32)-1, &gs),
			-EINVAL);
	KUNIT_EXPECT_NULL(test, gs);
}

/*
 * The check against the running task (KUnit's: uid and gid 0, the initial
 * user namespace) on a netns of the test's own, never init_net's.
 */
static void credssp_test_grant_check(struct kunit *test)
{
	struct credssp_net *cn = kunit_kzalloc(test, sizeof(*cn), GFP_KERNEL);
	struct sk_buff *skb;
	struct credssp_grants *gs;
	struct nlattr *nest;
	struct group_info *gi;
	struct cred *other;
	struct net *fake;

	KUNIT_ASSERT_NOT_NULL(test, cn);
	spin_lock_init(&cn->lock);
	cn->net = &init_net;
	KUNIT_EXPECT_EQ(test, credssp_grant_check(cn, NULL, current_cred()), -ENOENT);
	KUNIT_EXPECT_EQ(test, credssp_grant_check(cn, "web", NULL), -ENOENT);

	/* "g0": uid 1234, gid 4242; "root-users": gid 0; "me": uid 0. */
	skb = credssp_test_register_msg(test, 1, NULL, 1234);
	nest = nla_nest_start(skb, CREDSSP_A_H_GRANT);
	nla_put_string(skb, CREDSSP_A_G_NAME, "root-users");
	nla_put_u32(skb, CREDSSP_A_G_GID, 0);
	nla_nest_end(skb, nest);
	nest = nla_nest_start(skb, CREDSSP_A_H_GRANT);
	nla_put_string(skb, CREDSSP_A_G_NAME, "me");
	nla_put_u32(skb, CREDSSP_A_G_UID, 0);
	nla_nest_end(skb, nest);
	nlmsg_end(skb, nlmsg_hdr(skb));
	KUNIT_ASSERT_EQ(test, credssp_grants_parse(nlmsg_hdr(skb), GENL_HDRLEN,
						   &gs, NULL), 0);
	kfree_skb(skb);
	spin_lock(&cn->lock);
	credssp_grants_replace_locked(cn, gs);
	spin_unlock(&cn->lock);

	KUNIT_EXPECT_EQ(test, credssp_grant_check(cn, "g0", current_cred()), -EACCES);
	KUNIT_EXPECT_EQ(test, credssp_grant_check(cn, "g0", NULL), 0);
	KUNIT_EXPECT_EQ(test, credssp_grant_check(cn, "root-users", current_cred()), 0);
	KUNIT_EXPECT_EQ(test, credssp_grant_check(cn, "me", current_cred()), 0);
	KUNIT_EXPECT_EQ(test, credssp_grant_check(cn, "ME", current_cred()), -ENOENT);
	KUNIT_EXPECT_EQ(test, credssp_grant_check(cn, "web", NULL), -ENOENT);
	KUNIT_EXPECT_EQ(test, credssp_grant_check(cn, NULL, current_cred()), 0);

	/*
	 * A netns owned by another user namespace than the task's: the task
	 * is nobody there, whatever ids it has.
	 */
	fake = kunit_kzalloc(test, sizeof(*fake), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fake);
	cn->net = fake;
	KUNIT_EXPECT_EQ(test, credssp_grant_check(cn, "me", current_cred()), -EACCES);
	KUNIT_EXPECT_EQ(test, credssp_grant_check(cn, NULL, current_cred()), -ENOENT);
	KUNIT_EXPECT_EQ(test, credssp_grant_check(cn, "me", NULL), 0);
	cn->net = &init_net;

	/* Another identity (a socket opener's): its fsuid, fsgid, groups. */
	other = prepare_creds();
	KUNIT_ASSERT_NOT_NULL(test, other);
	other->fsuid = KUIDT_INIT(1234);
	other->fsgid = KGIDT_INIT(77);
	KUNIT_EXPECT_EQ(test, credssp_grant_check(cn, "g0", other), 0);
	KUNIT_EXPECT_EQ(test, credssp_grant_check(cn, "me", other), -EACCES);
	other->fsuid = KUIDT_INIT(999);
	KUNIT_EXPECT_EQ(test, credssp_grant_check(cn, "g0", other), -EACCES);
	KUNIT_EXPECT_EQ(test, credssp_grant_check(cn, NULL, other), -ENOENT);
	gi = groups_alloc(1);
	KUNIT_ASSERT_NOT_NULL(test, gi);
	gi->gid[0] = KGIDT_INIT(4242);
	set_groups(other, gi);
	put_group_info(gi);
	KUNIT_EXPECT_EQ(test, credssp_grant_check(cn, "g0", other), 0);
	KUNIT_EXPECT_EQ(test, credssp_grant_check(cn, "root-users", other),
			-EACCES);
	other->fsgid = KGIDT_INIT(0);
	KUNIT_EXPECT_EQ(test, credssp_grant_check(cn, "root-users", other), 0);
	abort_creds(other);

	/* The helper goes: no grants. */
	spin_lock(&cn->lock);
	credssp_grants_replace_locked(cn, NULL);
	spin_unlock(&cn->lock);
	KUNIT_EXPECT_EQ(test, credssp_grant_check(cn, "me", current_cred()), -ENOENT);
	rcu_barrier();
}

static struct kunit_case credssp_test_cases[] = {
	KUNIT_CASE(credssp_test_keyring),
	KUNIT_CASE(credssp_test_family),
	KUNIT_CASE(credssp_test_status_reply),
	KUNIT_CASE(credssp_test_status_no_room),
	KUNIT_CASE(credssp_test_creds_good),
	KUNIT_CASE(credssp_test_creds_truncated),
	KUNIT_CASE(credssp_test_creds_overlong),
	KUNIT_CASE(credssp_test_creds_bad_ids),
	KUNIT_CASE(credssp_test_req_flags),
	KUNIT_CASE(credssp_test_handle),
	KUNIT_CASE(credssp_test_handle_lookup),
	KUNIT_CASE(credssp_test_stream_sizes),
	KUNIT_CASE(credssp_test_keys_len),
	KUNIT_CASE(credssp_test_status_known),
	KUNIT_CASE(credssp_test_kernel_api_no_helper),
	KUNIT_CASE(credssp_test_accept_fail_last_put),
	KUNIT_CASE(credssp_test_owner_limit_zero),
	KUNIT_CASE(credssp_test_expire_arming),
	KUNIT_CASE(credssp_test_key_describe),
	KUNIT_CASE(credssp_test_key_vet_foreign),
	KUNIT_CASE(credssp_test_key_lifecycle),
	KUNIT_CASE(credssp_test_key_past_expiry),
	KUNIT_CASE(credssp_test_result_parse),
	KUNIT_CASE(credssp_test_result_parse_failure),
	KUNIT_CASE(credssp_test_reason_text),
	KUNIT_CASE(credssp_test_record_kat),
	KUNIT_CASE(credssp_test_record_ctx),
	KUNIT_CASE(credssp_test_record_gcm12_seq),
	KUNIT_CASE(credssp_test_seq_inc),
	KUNIT_CASE(credssp_test_cred_name),
	KUNIT_CASE(credssp_test_grants_parse),
	KUNIT_CASE(credssp_test_grant_check),
	{}
};

static struct kunit_suite credssp_test_suite = {
	.name = "credssp",
	.test_cases = credssp_test_cases,
};

kunit_test_suites(&credssp_test_suite);

MODULE_DESCRIPTION("KUnit tests for credssp.ko");
MODULE_LICENSE("GPL");
