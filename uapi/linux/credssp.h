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
 *
 * SSPI values
 * -----------
 *
 * Statuses (SECURITY_STATUS, u32) are those of Windows SSPI for the CredSSP
 * package, with the values of the project's protocol brief. Success codes
 * have the top bit clear:
 *
 *   SEC_E_OK                    the context is established
 *   SEC_I_CONTINUE_NEEDED       send the output token (it may be empty) and
 *                               call again with the peer's next bytes
 *   SEC_E_INCOMPLETE_MESSAGE    the input ends inside a TLS record; nothing
 *                               was consumed: call again with more bytes
 *   SEC_E_INVALID_TOKEN         malformed input (TLS, DER, mechanism token)
 *   SEC_E_LOGON_DENIED          wrong password, unknown user, policy refusal
 *   SEC_E_NO_CREDENTIALS        the server credential cannot be used
 *   SEC_E_INVALID_HANDLE        no such handle, or not the caller's
 *   SEC_E_UNSUPPORTED_FUNCTION  a request the package cannot honour
 *   SEC_E_NO_AUTHENTICATING_AUTHORITY  no helper, KDC or keytab trouble
 *   SEC_E_INTERNAL_ERROR        a bug or an unexpected library failure
 *   SEC_E_INSUFFICIENT_MEMORY   allocation failure or a limit was reached
 *   SEC_E_BUFFER_TOO_SMALL      a caller-sized output buffer is too small
 *
 * ASC_REQ_* are the fContextReq flags of AcceptSecurityContext, ASC_RET_*
 * the pfContextAttr flags it returns (same bit positions, except
 * ALLOCATED_MEMORY, CALL_LEVEL and THIRD_LEG_FAILED).
 */
#ifndef _UAPI_LINUX_CREDSSP_H
#define _UAPI_LINUX_CREDSSP_H

#include <linux/types.h>

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

/*
 * Delegated credentials payload, version 1 (CREDSSP_CREDS_VERSION): what the
 * helper hands the kernel when a client delegated credentials, kept as the
 * payload of the context's key and returned to the owner by
 * SECPKG_ATTR_CREDS. Little-endian, no padding:
 *
 *   struct credssp_creds_hdr, then hdr.n_fields times:
 *   struct credssp_creds_field, then field.len bytes of data.
 *
 * Strings are UTF-16LE as the client sent them, without terminating NULs.
 * Fields of a remote guard credential carry .index 0 for the logon
 * credential and 1..n for the supplemental ones; other fields have index 0.
 * The whole payload is at most CREDSSP_CREDS_MAX bytes.
 */
#define CREDSSP_CREDS_VERSION	1
#define CREDSSP_CREDS_MAX	65536

enum credssp_cred_type {
	CREDSSP_CRED_PASSWORD = 1,	/* TSPasswordCreds */
	CREDSSP_CRED_SMARTCARD = 2,	/* TSSmartCardCreds */
	CREDSSP_CRED_REMOTE_GUARD = 6,	/* TSRemoteGuardCreds */
};

enum credssp_cred_field {
	CREDSSP_CF_DOMAIN = 1,
	CREDSSP_CF_USER,
	CREDSSP_CF_PASSWORD,
	CREDSSP_CF_PIN,
	CREDSSP_CF_KEY_SPEC,		/* 4 bytes, little-endian signed */
	CREDSSP_CF_CARD_NAME,
	CREDSSP_CF_READER_NAME,
	CREDSSP_CF_CONTAINER_NAME,
	CREDSSP_CF_CSP_NAME,
	CREDSSP_CF_USER_HINT,
	CREDSSP_CF_DOMAIN_HINT,
	CREDSSP_CF_PACKAGE_NAME,
	CREDSSP_CF_CRED_BUFFER,
};

struct credssp_creds_hdr {
	__u8	version;
	__u8	type;		/* enum credssp_cred_type */
	__u16	n_fields;
};

struct credssp_creds_field {
	__u16	id;		/* enum credssp_cred_field */
	__u16	index;
	__u32	len;
};

/* SSPI statuses (SECURITY_STATUS) */
#define SEC_E_OK				0x00000000U
#define SEC_I_CONTINUE_NEEDED			0x00090312U
#define SEC_I_COMPLETE_NEEDED			0x00090313U
#define SEC_I_COMPLETE_AND_CONTINUE		0x00090314U
#define SEC_E_INSUFFICIENT_MEMORY		0x80090300U
#define SEC_E_INVALID_HANDLE			0x80100003U
#define SEC_E_UNSUPPORTED_FUNCTION		0x80090302U
#define SEC_E_INTERNAL_ERROR			0x80090304U
#define SEC_E_INVALID_TOKEN			0x80090308U
#define SEC_E_LOGON_DENIED			0x8009030CU
#define SEC_E_NO_CREDENTIALS			0x8009030EU
#define SEC_E_NO_AUTHENTICATING_AUTHORITY	0x80090311U
#define SEC_E_INCOMPLETE_MESSAGE		0x80090318U
#define SEC_E_BUFFER_TOO_SMALL			0x80090321U

/* AcceptSecurityContext fContextReq */
#define ASC_REQ_DELEGATE			0x00000001U
#define ASC_REQ_MUTUAL_AUTH			0x00000002U
#define ASC_REQ_REPLAY_DETECT			0x00000004U
#define ASC_REQ_SEQUENCE_DETECT			0x00000008U
#define ASC_REQ_CONFIDENTIALITY			0x00000010U
#define ASC_REQ_USE_SESSION_KEY			0x00000020U
#define ASC_REQ_ALLOCATE_MEMORY			0x00000100U
#define ASC_REQ_CONNECTION			0x00000800U
#define ASC_REQ_EXTENDED_ERROR			0x00008000U
#define ASC_REQ_STREAM				0x00010000U
#define ASC_REQ_INTEGRITY			0x00020000U
#define ASC_REQ_ALLOW_MISSING_BINDINGS		0x10000000U

/* AcceptSecurityContext pfContextAttr */
#define ASC_RET_DELEGATE			0x00000001U
#define ASC_RET_MUTUAL_AUTH			0x00000002U
#define ASC_RET_REPLAY_DETECT			0x00000004U
#define ASC_RET_SEQUENCE_DETECT			0x00000008U
#define ASC_RET_CONFIDENTIALITY			0x00000010U
#define ASC_RET_USE_SESSION_KEY			0x00000020U
#define ASC_RET_ALLOCATED_MEMORY		0x00000100U
#define ASC_RET_CONNECTION			0x00000800U
#define ASC_RET_CALL_LEVEL			0x00002000U
#define ASC_RET_THIRD_LEG_FAILED		0x00004000U
#define ASC_RET_EXTENDED_ERROR			0x00008000U
#define ASC_RET_STREAM				0x00010000U
#define ASC_RET_INTEGRITY			0x00020000U

#endif /* _UAPI_LINUX_CREDSSP_H */
