/* SPDX-License-Identifier: GPL-2.0 */
/*
 * credsspd's audit trail (issue 16): one log line per authentication
 * attempt, and a rate limit for messages that every failed logon repeats.
 * See credsspd.rst, "Audit".
 */
#ifndef CREDSSPD_AUDIT_H
#define CREDSSPD_AUDIT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "engine.h"

/* What one attempt came to, when it ended (a final status, or abandoned). */
struct audit_attempt {
	uint64_t ctx_id;
	bool abandoned;	 /* freed by the kernel before a final status */
	uint32_t status; /* the final status (not with abandoned) */
	enum cssp_package package;
	bool spnego;
	const char *claimed;		  /* NTLM: whom the client named, or NULL */
	const struct cssp_result *result; /* with CREDSSP_SEC_STATUS_OK */
};

/*
 * The line, without a newline, e.g.
 *   auth ctx=0000000000000007 peer=- package=SPNEGO/NTLM principal="CONTOSO\alice"
 *        status=SEC_E_OK version=6 tls=TLS_AES_128_GCM_SHA256 delegated=password
 *        binding=bound
 *   auth ctx=0000000000000008 peer=- package=NTLM principal=- claimed="CONTOSO\mallory"
 *        status=SEC_E_LOGON_DENIED
 * principal= is only ever the authenticated principal; claimed= is what an
 * NTLM client sent, unauthenticated. Names are quoted with control
 * characters and '"' as '?'. peer= is "-": credsspd is not told the peer.
 */
void audit_format(char *buf, size_t len, const struct audit_attempt *a);

/*
 * A rate limit: at most one message per @interval seconds. Thread-safe;
 * initialise with AUDIT_RATELIMIT_INIT.
 */
struct audit_ratelimit {
	pthread_mutex_t lock;
	time_t last;
	unsigned long suppressed;
	bool any;
};

#define AUDIT_RATELIMIT_INIT                           \
	{                                              \
		PTHREAD_MUTEX_INITIALIZER, 0, 0, false \
	}

/*
 * Whether a message may go out at @now; if so, *@suppressed gets how many
 * were held back since the last one.
 */
bool audit_ratelimit(struct audit_ratelimit *rl, time_t interval, time_t now,
		     unsigned long *suppressed);

#endif /* CREDSSPD_AUDIT_H */
