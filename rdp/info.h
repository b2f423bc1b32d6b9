/* SPDX-License-Identifier: GPL-2.0 */
/*
 * info: the Client Info PDU ([MS-RDPBCGR] 2.2.1.11): the user data of an MCS
 * Send Data Request, a Basic Security Header with SEC_INFO_PKT, then a
 * TS_INFO_PACKET. Parsed from the client, then rebuilt for the backend with
 * INFO_AUTOLOGON and the logon the front decided (domain, user, password):
 * nothing the client typed in this PDU can name the user that logs in.
 * Pure functions on buffers, no I/O.
 */
#ifndef KCREDSSP_RDP_INFO_H
#define KCREDSSP_RDP_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Basic Security Header flags ([MS-RDPBCGR] 2.2.8.1.1.2.1) */
#define SEC_INFO_PKT	0x0040
#define SEC_LICENSE_PKT 0x0080

/* TS_INFO_PACKET flags */
#define INFO_MOUSE		0x00000001U
#define INFO_DISABLECTRLALTDEL	0x00000002U
#define INFO_AUTOLOGON		0x00000008U
#define INFO_UNICODE		0x00000010U
#define INFO_MAXIMIZESHELL	0x00000020U
#define INFO_PASSWORD_IS_SC_PIN 0x00040000U
#define INFO_USING_SAVED_CREDS	0x00100000U

/*
 * The largest cbDomain, cbUserName, cbPassword, cbAlternateShell and
 * cbWorkingDir this codec accepts or writes: xrdp 0.9.21 refuses 512 or
 * more (INFO_CLIENT_MAX_CB_LEN), [MS-RDPBCGR] allows 512 with the NUL.
 */
#define INFO_CB_MAX 510

/* A parsed Client Info PDU: pointers into the parsed buffer. */
struct rdp_info {
	uint16_t sec_flags;
	uint16_t sec_flags_hi;
	uint32_t code_page;
	uint32_t flags;
	const uint8_t *domain, *user, *password, *shell, *workdir; /* UTF-16LE, no NUL */
	size_t domain_len, user_len, password_len, shell_len, workdir_len;
	const uint8_t *extra; /* TS_EXTENDED_INFO_PACKET and anything after it */
	size_t extra_len;
};

/*
 * Parse the user data @p of @len bytes of a Send Data Request as a Client
 * Info PDU. RDP_BAD_INFO unless SEC_INFO_PKT is set, INFO_UNICODE is set,
 * every cb* is even, at most INFO_CB_MAX, and its string and NUL are there.
 */
int rdp_info_parse(const uint8_t *p, size_t len, struct rdp_info *info);

/* What the backend is told: UTF-16LE strings without NUL. */
struct rdp_logon {
	const uint8_t *domain, *user, *password;
	size_t domain_len, user_len, password_len;
	bool keep_shell; /* pass the client's AlternateShell and WorkingDir */
	bool autologon;	 /* INFO_AUTOLOGON with the password, else no password */
};

/*
 * Build the user data of the Client Info PDU for the backend into @out of
 * @size bytes (its length to *@out_len): the client's code page, flags
 * (INFO_MOUSE, INFO_DISABLECTRLALTDEL, INFO_UNICODE, INFO_MAXIMIZESHELL
 * forced on, INFO_AUTOLOGON as @logon says, INFO_PASSWORD_IS_SC_PIN and
 * INFO_USING_SAVED_CREDS off) and extra info, @logon's strings. The output
 * holds the password: the caller wipes it.
 */
int rdp_info_build(const struct rdp_info *in, const struct rdp_logon *logon, uint8_t *out,
		   size_t size, size_t *out_len);

#endif /* KCREDSSP_RDP_INFO_H */
