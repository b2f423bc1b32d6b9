/* SPDX-License-Identifier: GPL-2.0 */
/*
 * credssp.ko internal interfaces, shared between its files.
 */
#ifndef _CREDSSP_H
#define _CREDSSP_H

#include <linux/types.h>

struct key;
struct sk_buff;

/* keyring.c: the ".credssp" keyring of delegated credentials */
int credssp_keyring_init(void);
void credssp_keyring_exit(void);
struct key *credssp_keyring(void);

/* netlink.c: the "credssp" generic netlink family */
int credssp_genl_init(void);
void credssp_genl_exit(void);
int credssp_nl_fill_status(struct sk_buff *skb, u32 portid, u32 seq);

#if IS_ENABLED(CONFIG_KUNIT)
extern struct genl_family credssp_genl_family;
#endif

#endif /* _CREDSSP_H */
