/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * credssp_types.h - what the "credssp" family's YNL spec cannot express
 *
 * <linux/credssp.h> is generated from the YNL spec
 * (Documentation/netlink/specs/credssp.yaml); a genetlink spec has no
 * structures and no 64-bit constants, so these two live here:
 * CREDSSP_TIME_NEVER, and the delegated-credentials payload.
 *
 * CREDSSP_TIME_NEVER: the expiry (u64 attributes *_EXPIRY, Unix seconds) of
 * something that does not expire.
 *
 * The delegated-credentials payload, version 1 (CREDSSP_CREDS_VERSION): what
 * the helper hands the kernel when a client delegated credentials
 * (CREDSSP_A_H_CREDS), kept as the payload of the context's key in the
 * keyring and returned to the owner by CREDSSP_QUERY_CREDS
 * (CREDSSP_A_Q_CREDS). Little-endian, no padding:
 *
 *   struct credssp_creds_hdr, then hdr.n_fields times:
 *   struct credssp_creds_field, then field.len bytes of data.
 *
 * hdr.type is an enum credssp_cred_type, field.id an enum credssp_cred_field
 * (<linux/credssp.h>, generated from the YNL spec). Strings are UTF-16LE as
 * the client sent them, without terminating NULs; CREDSSP_CRED_FIELD_KEY_SPEC
 * is 4 bytes, little-endian signed. Fields of a remote guard credential
 * carry .index 0 for the logon credential and 1..n for the supplemental
 * ones; other fields have index 0. The whole payload is at most
 * CREDSSP_CREDS_MAX bytes.
 */
#ifndef _UAPI_LINUX_CREDSSP_TYPES_H
#define _UAPI_LINUX_CREDSSP_TYPES_H

#include <linux/types.h>

#define CREDSSP_TIME_NEVER	(~(__u64)0)

struct credssp_creds_hdr {
	__u8	version;
	__u8	type;		/* enum credssp_cred_type */
	__le16	n_fields;
};

struct credssp_creds_field {
	__le16	id;		/* enum credssp_cred_field */
	__le16	index;
	__le32	len;
};

#endif /* _UAPI_LINUX_CREDSSP_TYPES_H */
