// SPDX-License-Identifier: GPL-2.0
/* credsspd's audit line and rate limit (see audit.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <linux/credssp.h>

#include "audit.h"

/* @s for the log: control characters, DEL and '"' as '?', at most @len - 1 bytes. */
static void log_safe(char *out, size_t len, const char *s)
{
	size_t i;

	snprintf(out, len, "%s", s);
	for (i = 0; out[i]; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f || out[i] == '"')
			out[i] = '?';
}

static const char *package_name(enum cssp_package pkg, bool spnego)
{
	switch (pkg) {
	case CSSP_PACKAGE_NTLM: return spnego ? "SPNEGO/NTLM" : "NTLM";
	case CSSP_PACKAGE_KERBEROS: return spnego ? "SPNEGO/Kerberos" : "Kerberos";
	default: return spnego ? "SPNEGO" : "-";
	}
}

static const char *cred_type_name(enum cssp_cred_type t)
{
	switch (t) {
	case CSSP_CRED_PASSWORD: return "password";
	case CSSP_CRED_SMARTCARD: return "smartcard";
	case CSSP_CRED_REMOTE_GUARD: return "remote-guard";
	default: return "?";
	}
}

static const char *binding_name(enum cssp_deleg_binding b)
{
	switch (b) {
	case CSSP_DELEG_NONE: return "none";
	case CSSP_DELEG_BOUND: return "bound";
	case CSSP_DELEG_UNBOUND: return "unbound";
	case CSSP_DELEG_OTHER_USER: return "other-user";
	default: return "?";
	}
}

void audit_format(char *buf, size_t len, const struct audit_attempt *a)
{
	const struct cssp_result *r =
		a->status == CREDSSP_SEC_STATUS_OK && !a->abandoned ? a->result : NULL;
	char name[600], who[sizeof(name) + 32] = "principal=-";
	char deleg[96] = "";

	if (r) {
		log_safe(name, sizeof(name), r->principal);
		snprintf(who, sizeof(who), "principal=\"%s\"", name);
		if (r->creds_dropped)
			snprintf(deleg, sizeof(deleg), " delegated=none binding=%s dropped=%s",
				 binding_name(r->binding), cred_type_name(r->dropped_type));
		else if (r->creds_empty)
			snprintf(deleg, sizeof(deleg), " delegated=none binding=none");
		else
			snprintf(deleg, sizeof(deleg), " delegated=%s binding=%s",
				 cred_type_name(r->creds.type), binding_name(r->binding));
	} else if (a->claimed) {
		log_safe(name, sizeof(name), a->claimed);
		snprintf(who, sizeof(who), "principal=- claimed=\"%s\"", name);
	}
	if (r)
		snprintf(buf, len,
			 "auth ctx=%016" PRIx64 " peer=- package=%s %s status=%s version=%u "
			 "tls=%s%s",
			 a->ctx_id, package_name(r->package, r->spnego), who,
			 cssp_status_name(a->status), r->version, r->tls_cipher, deleg);
	else
		snprintf(buf, len, "auth ctx=%016" PRIx64 " peer=- package=%s %s status=%s",
			 a->ctx_id, package_name(a->package, a->spnego), who,
			 a->abandoned ? "abandoned" : cssp_status_name(a->status));
}

bool audit_ratelimit(struct audit_ratelimit *rl, time_t interval, time_t now,
		     unsigned long *suppressed)
{
	bool ok;

	pthread_mutex_lock(&rl->lock);
	ok = !rl->any || now - rl->last >= interval || now < rl->last;
	if (ok) {
		*suppressed = rl->suppressed;
		rl->suppressed = 0;
		rl->last = now;
		rl->any = true;
	} else {
		rl->suppressed++;
	}
	pthread_mutex_unlock(&rl->lock);
	return ok;
}
