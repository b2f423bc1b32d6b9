/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * credssp.h - the "credssp" generic netlink family of credssp.ko
 *
 * kcredssp implements the server side of Microsoft's CredSSP security
 * package ([MS-CSSP], AcceptSecurityContext (CredSSP)). The kernel module
 * holds credential and context handles; a privileged helper (credsspd)
 * does TLS, SPNEGO/NTLM/Kerberos and ASN.1 over this family.
 *
 * Family
 * ------
 *
 * Name CREDSSP_GENL_NAME ("credssp"), version CREDSSP_GENL_VERSION. The
 * family is registered in every network namespace (netnsok); every command
 * acts on the namespace of the sending socket. All commands validate their
 * attributes strictly: an unknown attribute, a wrong type or a wrong length
 * fails the request with -EINVAL and an extended ACK naming the attribute.
 *
 * Commands
 * --------
 *
 * CREDSSP_CMD_GET_STATUS (do)
 *   Permission: CAP_NET_ADMIN in the user namespace owning the network
 *   namespace.
 *   Request: no attributes.
 *   Reply (CREDSSP_CMD_GET_STATUS), attributes CREDSSP_A_STATUS_*:
 *     CREDSSP_A_STATUS_HELPER   (u8)  1 if a helper serves this netns, else 0
 *     CREDSSP_A_STATUS_CONTEXTS (u32) context handles alive in this netns
 *     CREDSSP_A_STATUS_KEYRING  (s32) serial of the ".credssp" keyring that
 *                                     holds delegated credentials, as shown
 *                                     by /proc/keys and keyctl(1)
 */
#ifndef _UAPI_LINUX_CREDSSP_H
#define _UAPI_LINUX_CREDSSP_H

#define CREDSSP_GENL_NAME	"credssp"
#define CREDSSP_GENL_VERSION	1

enum {
	CREDSSP_CMD_UNSPEC,
	CREDSSP_CMD_GET_STATUS,

	__CREDSSP_CMD_MAX,
	CREDSSP_CMD_MAX = (__CREDSSP_CMD_MAX - 1)
};

enum {
	CREDSSP_A_STATUS_UNSPEC,
	CREDSSP_A_STATUS_HELPER,
	CREDSSP_A_STATUS_CONTEXTS,
	CREDSSP_A_STATUS_KEYRING,

	__CREDSSP_A_STATUS_MAX,
	CREDSSP_A_STATUS_MAX = (__CREDSSP_A_STATUS_MAX - 1)
};

#endif /* _UAPI_LINUX_CREDSSP_H */
