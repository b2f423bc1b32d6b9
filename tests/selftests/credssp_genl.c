// SPDX-License-Identifier: GPL-2.0
/*
 * Selftests of the "credssp" generic netlink family (kselftest harness),
 * run in the guest with credssp.ko loaded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/credssp.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"

struct status {
	int replies;
	int32_t keyring;
};

static int status_cb(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[CREDSSP_A_STATUS_MAX + 1];
	struct status *st = arg;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, CREDSSP_A_STATUS_MAX, NULL))
		return NL_SKIP;
	st->replies++;
	if (tb[CREDSSP_A_STATUS_KEYRING])
		st->keyring = (int32_t)nla_get_u32(tb[CREDSSP_A_STATUS_KEYRING]);
	return NL_OK;
}

/*
 * Send CREDSSP_CMD_GET_STATUS, with an attribute of type @extra_attr when it
 * is not zero. Returns 0 or a negative errno from the kernel's ACK.
 */
static int get_status(int extra_attr, struct status *st)
{
	struct nl_sock *sk;
	struct nl_msg *msg;
	int family, err;

	memset(st, 0, sizeof(*st));
	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	err = genl_connect(sk);
	if (err)
		goto out_sock;
	family = genl_ctrl_resolve(sk, CREDSSP_FAMILY_NAME);
	if (family < 0) {
		err = family;
		goto out_sock;
	}
	msg = nlmsg_alloc();
	if (!msg) {
		err = -NLE_NOMEM;
		goto out_sock;
	}
	genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, NLM_F_ACK, CREDSSP_CMD_GET_STATUS,
		    CREDSSP_FAMILY_VERSION);
	if (extra_attr)
		nla_put_u32(msg, extra_attr, 1);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, status_cb, st);
	err = nl_send_auto(sk, msg);
	nlmsg_free(msg);
	if (err >= 0)
		err = nl_recvmsgs_default(sk);
	if (err >= 0 && st->replies)
		err = nl_wait_for_ack(sk);
out_sock:
	nl_socket_free(sk);
	if (err >= 0)
		return 0;
	/* libnl maps kernel errnos to its own codes; map back the ones we test. */
	switch (-err) {
	case NLE_INVAL: return -EINVAL;
	case NLE_PERM: return -EPERM;
	case NLE_OBJ_NOTFOUND: return -ENOENT;
	default: return -EIO;
	}
}

/* The serial of ".credssp" as /proc/keys shows it, or 0. */
static int32_t proc_keys_serial(void)
{
	char line[512];
	unsigned int serial = 0;
	FILE *f = fopen("/proc/keys", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, " keyring   .credssp:")) {
			sscanf(line, "%x", &serial);
			break;
		}
	}
	fclose(f);
	return (int32_t)serial;
}

TEST(family_resolves)
{
	struct nl_sock *sk = nl_socket_alloc();

	ASSERT_NE(NULL, sk);
	ASSERT_EQ(0, genl_connect(sk));
	EXPECT_LT(0, genl_ctrl_resolve(sk, CREDSSP_FAMILY_NAME));
	nl_socket_free(sk);
}

TEST(status_reports_keyring)
{
	struct status st;

	ASSERT_EQ(0, get_status(0, &st));
	EXPECT_EQ(1, st.replies);
	EXPECT_LT(0, st.keyring);
	EXPECT_EQ(proc_keys_serial(), st.keyring);
}

TEST(unknown_attribute_rejected)
{
	struct status st;

	EXPECT_EQ(-EINVAL, get_status(CREDSSP_A_STATUS_MAX + 1, &st));
	EXPECT_EQ(0, st.replies);
	/* Known to the family but not accepted by this command either. */
	EXPECT_EQ(-EINVAL, get_status(CREDSSP_A_STATUS_KEYRING, &st));
	EXPECT_EQ(0, st.replies);
}

/*
 * Review F9: GET_STATUS takes no attribute at all, whatever its type: 1
 * (the NLA_REJECT slot of genetlink's reject-all policy) up to past the
 * largest attribute of the family.
 */
TEST(status_stray_attribute_rejected)
{
	struct status st;
	int type;

	for (type = 1; type <= CREDSSP_A_MAX + 1; type++) {
		EXPECT_EQ(-EINVAL, get_status(type, &st))
		TH_LOG("attribute type %d", type);
		EXPECT_EQ(0, st.replies);
	}
}

static int drop_net_admin(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = {};

	return syscall(SYS_capset, &hdr, data);
}

TEST(status_needs_net_admin)
{
	struct status st;

	/* The harness forks per test: dropping capabilities stays here. */
	ASSERT_EQ(0, drop_net_admin());
	EXPECT_EQ(-EPERM, get_status(0, &st));
	EXPECT_EQ(0, st.replies);
}

TEST(family_in_new_netns)
{
	struct status st;

	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, get_status(0, &st));
	EXPECT_EQ(1, st.replies);
	EXPECT_EQ(proc_keys_serial(), st.keyring);
}

TEST_HARNESS_MAIN
