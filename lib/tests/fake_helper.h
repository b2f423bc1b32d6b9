/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A scripted stand-in for credsspd in the guest tests of libcredssp: a
 * thread that registers as the netns's helper, takes the queued requests
 * (HELPER_NEXT) on each HELPER_READY and every 100 ms, and answers each
 * STEP from the first bytes of its input:
 *   "CONT"  CREDSSP_SEC_STATUS_CONTINUE_NEEDED, output "server-token"; if the input holds
 *           a '|', only the bytes up to and including it are consumed
 *   "BIG"   CREDSSP_SEC_STATUS_CONTINUE_NEEDED, output FAKE_BIG_LEN bytes (i & 0xff)
 *   "HOLD"  as "CONT", answered FAKE_HOLD_MS later (a slow helper step: the
 *           other requests are answered meanwhile)
 *   "PART"  CREDSSP_SEC_STATUS_INCOMPLETE_MESSAGE
 *   "DENY"  CREDSSP_SEC_STATUS_LOGON_DENIED, output "alert", package NTLM
 *   "OK"    CREDSSP_SEC_STATUS_OK, output "final", principal FAKE_PRINCIPAL, NTLM, TLS 1.3
 *           AES-128-GCM keys, version 6, delegated password FAKE_CREDS
 *   other   CREDSSP_SEC_STATUS_INVALID_TOKEN
 */
#ifndef FAKE_HELPER_H
#define FAKE_HELPER_H

#include <stddef.h>
#include <stdint.h>

#define FAKE_PRINCIPAL "TEST\\alice"
#define FAKE_BIG_LEN   3000
#define FAKE_OUTPUT    "server-token"
#define FAKE_HOLD_MS   4000

struct fake_helper;

/* Register and start answering; NULL (message on stderr) on failure. */
struct fake_helper *fake_helper_start(void);
/* Steps answered so far, and HELPER_DONE messages the kernel refused. */
unsigned int fake_helper_steps(struct fake_helper *fh);
unsigned int fake_helper_errors(struct fake_helper *fh);
/* The delegated credentials payload the helper hands over on "OK". */
const uint8_t *fake_creds(size_t *len);

#endif
