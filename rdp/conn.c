// SPDX-License-Identifier: GPL-2.0
/*
 * conn: one connection of credssp-rdpd, start to end.
 *
 *   1. X.224 Connection Request; Confirm selecting PROTOCOL_HYBRID, or
 *      RDP_NEG_FAILURE HYBRID_REQUIRED_BY_SERVER (step deadline).
 *   2. CredSSP in the kernel on the socket (credssp_accept_socket(), on a
 *      libcredssp session of this connection), kTLS installed by it
 *      (handshake deadline).
 *   3. Who authenticated, the delegated credentials, the single sign-on
 *      policy: the credentials must name the principal, which maps to a
 *      local account (libcredssp's credssp_principal_to_local(), as
 *      ImpersonateSecurityContext maps it: NTLM the user part of
 *      DOMAIN\user; Kerberos krb5.conf's auth_to_local rules).
 *   4. The backend: connect, X.224 Connection Request asking for
 *      PROTOCOL_RDP (xrdp refuses requestedProtocols > 0xb and can select
 *      only RDP or SSL), its Confirm must select PROTOCOL_RDP.
 *   5. MCS: the client's Connect-Initial must carry serverSelectedProtocol
 *      HYBRID; the backend's Connect-Response gets the client's original
 *      requestedProtocols in clientRequestedProtocols; domain PDUs are
 *      relayed until the client's first Send Data Request, which must be
 *      the Client Info PDU, rebuilt with INFO_AUTOLOGON and the logon.
 *   6. relay.c until the session ends.
 * Each step before 6 has its own deadline (step_timeout) inside the
 * handshake deadline; the audit line is written once the outcome is known.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "credssp.h"
#include "creds.h"
#include "info.h"
#include "mcs.h"
#include "rdpd.h"
#include "x224.h"

/* The payload format of <linux/credssp.h> that creds.c parses. */
_Static_assert(RDP_CREDS_VERSION == CREDSSP_CREDS_VERSION, "payload version");
_Static_assert(RDP_CRED_PASSWORD == CREDSSP_CRED_TYPE_PASSWORD, "password type");
_Static_assert(RDP_CF_DOMAIN == CREDSSP_CRED_FIELD_DOMAIN &&
		       RDP_CF_USER == CREDSSP_CRED_FIELD_USER &&
		       RDP_CF_PASSWORD == CREDSSP_CRED_FIELD_PASSWORD,
	       "field ids");

#define TPKT_BUF 65536

/* One connection's working state. */
struct work {
	struct rdpd_conn *c;
	struct x224_request req;
	uint32_t options;
	struct credssp_handle *h;
	uint64_t cred, ctx;
	bool no_password;
	/* the logon passed to the backend, UTF-16LE */
	uint8_t domain16[128], user16[128], pass16[INFO_CB_MAX + 2];
	size_t domain16_len, user16_len, pass16_len;
	/* client -> front bytes not yet consumed */
	uint8_t *in;
	size_t in_len;
	uint8_t *out; /* a PDU being built */
};

/*
 * Read into @buf (appending) until one whole TPKT is there: its length to
 * *@pdu. @tls: @fd is the kTLS client socket (rdpd_tls_read()).
 */
static int read_tpkt(int fd, bool tls, uint8_t *buf, size_t *have, const struct timespec *until,
		     size_t *pdu, const char **why)
{
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int r = rdp_tpkt_len(buf, *have, TPKT_BUF, pdu);
		ssize_t n;

		if (r == RDP_OK && *have >= *pdu)
			return 0;
		if (r != RDP_OK && r != RDP_SHORT) {
			*why = rdp_status_name(r);
			return -1;
		}
		r = poll(&p, 1, x224_ms_until(until));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			*why = r ? "poll error" : "step deadline passed";
			return -1;
		}
		*why = "";
		if (tls)
			n = rdpd_tls_read(fd, buf + *have, TPKT_BUF - *have, 0, why);
		else
			n = read(fd, buf + *have, TPKT_BUF - *have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!n)
				*why = **why ? "connection closed (TLS close_notify)"
					     : "connection closed";
			else if (!tls || errno != EPROTO)
				*why = strerror(errno);
			return -1;
		}
		*have += (size_t)n;
	}
}

/* Drop the first @n bytes of a buffer of *@have. */
static void consume(uint8_t *buf, size_t *have, size_t n)
{
	memmove(buf, buf + n, *have - n);
	*have -= n;
}

static int x224_client(struct work *w)
{
	struct rdpd_conn *c = w->c;
	struct timespec until = rdpd_step_deadline(c);
	uint8_t buf[512];
	bool hybrid;
	int r;

	r = x224_read_request(c->fd, &until, buf, sizeof(buf), &w->req);
	if (r) {
		rdpd_audit(c, "failed", "X.224 Connection Request: %s", x224_status_name(r));
		return -1;
	}
	hybrid = w->req.requested & X224_PROTOCOL_HYBRID;
	if (w->req.restricted_admin && rdpd_cfg.no_password == RDPD_NO_PASSWORD_LOGIN_SCREEN)
		w->options = CREDSSP_OPT_RESTRICTED_ADMIN;
	r = x224_send_confirm(c->fd, &until, hybrid,
			      X224_NEG_RSP_FLAGS |
				      (w->options ? X224_NEG_RSP_RESTRICTED_ADMIN_SUPPORTED : 0));
	if (!hybrid) {
		rdpd_audit(c, "refused",
			   "the client did not offer PROTOCOL_HYBRID (requestedProtocols 0x%x): "
			   "RDP_NEG_FAILURE HYBRID_REQUIRED_BY_SERVER sent",
			   w->req.requested);
		return -1;
	}
	if (r) {
		rdpd_audit(c, "failed", "X.224 Connection Confirm: %s", x224_status_name(r));
		return -1;
	}
	return 0;
}

static int authenticate(struct work *w)
{
	struct rdpd_conn *c = w->c;
	struct credssp_names names = {0};
	struct credssp_negotiation_info nego = {0};
	credssp_status_t s;
	int ms;

	w->h = credssp_open();
	if (!w->h) {
		rdpd_audit(c, "failed", "no libcredssp session: %s (is credssp.ko loaded?)",
			   strerror(errno));
		return -1;
	}
	s = credssp_acquire_credentials_handle(w->h, NULL, "CredSSP", CREDSSP_CRED_USE_INBOUND,
					       &w->cred, NULL);
	if (s != CREDSSP_SEC_STATUS_OK) {
		rdpd_audit(c, "failed", "AcquireCredentialsHandle: %s %s", credssp_status_name(s),
			   credssp_last_message(w->h));
		return -1;
	}
	ms = x224_ms_until(&c->hs_deadline);
	if (ms <= 0) {
		rdpd_audit(c, "failed", "handshake deadline passed before CredSSP");
		return -1;
	}
	s = credssp_accept_socket(w->h, w->cred, c->fd,
				  CREDSSP_REQ_CONFIDENTIALITY | CREDSSP_REQ_STREAM |
					  CREDSSP_REQ_DELEGATE | CREDSSP_REQ_MUTUAL_AUTH,
				  w->options, (uint32_t)ms, &w->ctx, NULL, NULL);
	if (s != CREDSSP_SEC_STATUS_OK) {
		const char *m = credssp_last_message(w->h);

		rdpd_source_failed(c);
		if (credssp_last_error(w->h))
			rdpd_audit(c, "failed", "CredSSP: %s (%s%s%s)", credssp_status_name(s),
				   strerror(credssp_last_error(w->h)), *m ? ": " : "", m);
		else
			rdpd_audit(c, "failed", "CredSSP: %s%s%s", credssp_status_name(s),
				   *m ? ": " : "", m);
		return -1;
	}
	s = credssp_query_context_attributes(w->h, w->ctx, CREDSSP_QUERY_NAMES, &names);
	if (s != CREDSSP_SEC_STATUS_OK || !names.user_name || !*names.user_name) {
		rdpd_audit(c, "failed", "SECPKG_ATTR_NAMES: %s", credssp_status_name(s));
		credssp_free_context_buffer(names.user_name);
		return -1;
	}
	snprintf(c->principal, sizeof(c->principal), "%s", names.user_name);
	credssp_free_context_buffer(names.user_name);
	s = credssp_query_context_attributes(w->h, w->ctx, CREDSSP_QUERY_NEGOTIATION_PACKAGE,
					     &nego);
	if (s == CREDSSP_SEC_STATUS_OK && nego.info && nego.info->name)
		snprintf(c->package, sizeof(c->package), "%s", nego.info->name);
	credssp_free_context_buffer(nego.info);
	return 0;
}

/* The logon the backend gets, from the principal and the delegated credentials. */
static int single_sign_on(struct work *w)
{
	struct rdpd_conn *c = w->c;
	struct credssp_client_creds cc = {0};
	enum rdp_package pkg;
	struct rdp_creds cr;
	char domain[512], user[512];
	credssp_status_t s;
	int r, n;

	pkg = strcmp(c->package, "Kerberos") ? RDP_PKG_NTLM : RDP_PKG_KERBEROS;
	if (pkg == RDP_PKG_NTLM && strcmp(c->package, "NTLM")) {
		rdpd_audit(c, "refused", "unknown package '%s'", c->package);
		return -1;
	}
	/* NTLM: the user part; Kerberos: krb5.conf's auth_to_local rules. */
	if (credssp_principal_to_local(c->principal, c->package, c->local_user,
				       sizeof(c->local_user))) {
		rdpd_audit(c, "refused", "the principal maps to no local account");
		return -1;
	}
	n = rdp_utf8_to_utf16(c->local_user, w->user16, sizeof(w->user16));
	r = rdp_utf8_to_utf16(rdpd_cfg.session, w->domain16, sizeof(w->domain16));
	if (n < 0 || r < 0) {
		rdpd_audit(c, "failed", "cannot encode the logon");
		return -1;
	}
	w->user16_len = (size_t)n;
	w->domain16_len = (size_t)r;

	s = credssp_query_context_attributes(w->h, w->ctx, CREDSSP_QUERY_CREDS, &cc);
	if (s == CREDSSP_SEC_STATUS_NO_CREDENTIALS || (s == CREDSSP_SEC_STATUS_OK && !cc.len))
		r = RDP_CREDS_NOT_PASSWORD;
	else if (s != CREDSSP_SEC_STATUS_OK)
		r = RDP_CREDS_MALFORMED;
	else
		r = rdp_creds_parse(cc.data, cc.len, &cr);
	if (r == RDP_CREDS_NOT_PASSWORD || r == RDP_CREDS_NO_USER ||
	    (r == RDP_CREDS_OK && !cr.password_len)) {
		credssp_free_context_buffer(cc.data);
		if (rdpd_cfg.no_password == RDPD_NO_PASSWORD_REFUSE) {
			rdpd_audit(c, "refused",
				   "no delegated password (Restricted Admin, smart card or "
				   "nothing delegated): single sign-on impossible; see "
				   "no_password in credssp-rdpd(8)");
			return -1;
		}
		w->no_password = true;
		return 0;
	}
	if (r != RDP_CREDS_OK) {
		credssp_free_context_buffer(cc.data);
		rdpd_audit(c, "failed", "malformed delegated credentials (%s)",
			   s == CREDSSP_SEC_STATUS_OK ? "payload" : credssp_status_name(s));
		return -1;
	}
	if (rdp_utf16_to_utf8(cr.domain, cr.domain_len, domain, sizeof(domain)) < 0)
		domain[0] = '\0';
	if (!cr.domain_len)
		domain[0] = '\0';
	if (rdp_utf16_to_utf8(cr.user, cr.user_len, user, sizeof(user)) < 0 ||
	    (cr.domain_len && !domain[0]) || !rdp_creds_match(pkg, c->principal, domain, user)) {
		credssp_free_context_buffer(cc.data);
		rdpd_audit(c, "refused",
			   "the delegated credentials name another user than the principal");
		return -1;
	}
	if (cr.password_len > INFO_CB_MAX) {
		credssp_free_context_buffer(cc.data);
		rdpd_audit(c, "refused", "delegated password too long");
		return -1;
	}
	memcpy(w->pass16, cr.password, cr.password_len);
	w->pass16_len = cr.password_len;
	credssp_free_context_buffer(cc.data);
	return 0;
}

static int connect_backend(struct work *w)
{
	struct rdpd_conn *c = w->c;
	struct timespec until = rdpd_step_deadline(c);
	struct sockaddr_storage ss = {0};
	socklen_t sl;
	struct pollfd p;
	int fd, r, err = 0;

	if (rdpd_cfg.backend_unix) {
		struct sockaddr_un *un = (struct sockaddr_un *)&ss;

		un->sun_family = AF_UNIX;
		memcpy(un->sun_path, rdpd_cfg.backend_path, strlen(rdpd_cfg.backend_path) + 1);
		sl = sizeof(*un);
	} else {
		struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		if (inet_pton(AF_INET, rdpd_cfg.backend_addr, &in4->sin_addr) == 1) {
			in4->sin_family = AF_INET;
			in4->sin_port = htons(rdpd_cfg.backend_port);
			sl = sizeof(*in4);
		} else {
			inet_pton(AF_INET6, rdpd_cfg.backend_addr, &in6->sin6_addr);
			in6->sin6_family = AF_INET6;
			in6->sin6_port = htons(rdpd_cfg.backend_port);
			sl = sizeof(*in6);
		}
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	/*
	 * xrdp listens with a backlog of 2 (g_sck_listen()): a non-blocking
	 * connect to a unix socket whose backlog is full fails with EAGAIN at
	 * once (TCP would queue the SYN). Retry until the step deadline, with
	 * a short back-off, while xrdp accepts the others.
	 */
	for (unsigned int ms = 5;; ms = ms < 200 ? ms * 2 : 200) {
		r = connect(fd, (struct sockaddr *)&ss, sl);
		if (!r || errno != EAGAIN || !rdpd_cfg.backend_unix)
			break;
		if (x224_ms_until(&until) <= (int)ms || rdpd_stopping) {
			errno = ETIMEDOUT;
			break;
		}
		poll(NULL, 0, (int)ms);
	}
	if (r && errno == EINPROGRESS) {
		socklen_t el = sizeof(err);

		p = (struct pollfd){.fd = fd, .events = POLLOUT};
		r = poll(&p, 1, x224_ms_until(&until));
		if (r == 1 && !getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) && !err)
			r = 0;
		else
			r = -1, errno = err ? err : ETIMEDOUT;
	}
	if (r) {
		rdpd_audit(c, "failed", "backend %s: %s%s", rdpd_cfg.backend_unix ? "unix" : "tcp",
			   strerror(errno),
			   errno == ETIMEDOUT && rdpd_cfg.backend_unix
				   ? " (its listen backlog stayed full until the step deadline)"
				   : "");
		close(fd);
		return -1;
	}
	if (!rdpd_cfg.backend_unix) {
		int one = 1;

		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	/* back to blocking: every read and write below is after a poll() */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	c->backend = fd;
	return 0;
}

/* X.224 with the backend: ask for PROTOCOL_RDP, it must select it. */
static int x224_backend(struct work *w)
{
	struct rdpd_conn *c = w->c;
	struct timespec until = rdpd_step_deadline(c);
	struct x224_confirm cc;
	uint8_t buf[64];
	size_t n, have = 0, pdu = 0;
	const char *why = "";
	int r;

	n = x224_build_request(buf, sizeof(buf), X224_PROTOCOL_RDP);
	if (x224_send_all(c->backend, &until, buf, n)) {
		rdpd_audit(c, "failed", "backend: cannot send its X.224 Connection Request");
		return -1;
	}
	for (;;) {
		struct pollfd p = {.fd = c->backend, .events = POLLIN};
		ssize_t k;

		r = x224_ms_until(&until);
		if (have >= 4) {
			pdu = (size_t)(buf[2] << 8 | buf[3]);
			if (buf[0] != 3 || pdu < 11 || pdu > sizeof(buf)) {
				why = "not a TPKT";
				break;
			}
			if (have >= pdu)
				break;
		}
		if (!r || poll(&p, 1, r) != 1) {
			why = "step deadline passed";
			break;
		}
		/* exactly the Confirm: nothing after it is sent before our next PDU */
		k = read(c->backend, buf + have, (have < 4 ? 4 : pdu) - have);
		if (k <= 0) {
			why = k ? strerror(errno) : "connection closed";
			break;
		}
		have += (size_t)k;
	}
	if (*why) {
		rdpd_audit(c, "failed", "backend X.224 Connection Confirm: %s", why);
		return -1;
	}
	r = x224_parse_confirm(buf, pdu, &cc);
	if (r || !cc.have_neg || cc.failure || cc.value != X224_PROTOCOL_RDP) {
		rdpd_audit(c, "failed",
			   "backend X.224 Connection Confirm: %s, %s 0x%x (the backend must be "
			   "xrdp with security_layer=rdp and crypt_level=none)",
			   x224_status_name(r), cc.failure ? "failureCode" : "selectedProtocol",
			   cc.value);
		return -1;
	}
	return 0;
}

/* The MCS connection up to and including the Client Info PDU. */
static int mcs(struct work *w)
{
	struct rdpd_conn *c = w->c;
	struct mcs_connect_initial ci;
	struct mcs_send_data sd;
	struct rdp_info info;
	struct rdp_logon logon;
	uint8_t *bk = NULL, *data = NULL;
	size_t bk_have = 0, pdu, data_len, out_len;
	struct timespec until;
	const char *why = "";
	int r, ret = -1;

	/* the client's Connect-Initial */
	until = rdpd_step_deadline(c);
	if (read_tpkt(c->fd, true, w->in, &w->in_len, &until, &pdu, &why)) {
		rdpd_audit(c, "failed", "MCS Connect-Initial: %s", why);
		return -1;
	}
	r = mcs_parse_connect_initial(w->in, pdu, &ci);
	if (r) {
		rdpd_audit(c, "refused", "MCS Connect-Initial: %s", rdp_status_name(r));
		return -1;
	}
	if (!ci.have_selected || ci.selected != X224_PROTOCOL_HYBRID) {
		rdpd_audit(c, "refused",
			   "downgrade: serverSelectedProtocol %s0x%x in the client's Core Data, "
			   "PROTOCOL_HYBRID was selected",
			   ci.have_selected ? "" : "absent, ", ci.selected);
		return -1;
	}
	until = rdpd_step_deadline(c);
	if (x224_send_all(c->backend, &until, w->in, pdu)) {
		rdpd_audit(c, "failed", "backend: cannot relay the Connect-Initial");
		return -1;
	}
	consume(w->in, &w->in_len, pdu);

	/* the backend's Connect-Response, with the client's requestedProtocols */
	bk = malloc(TPKT_BUF);
	data = malloc(TPKT_BUF);
	if (!bk || !data)
		goto out;
	until = rdpd_step_deadline(c);
	if (read_tpkt(c->backend, false, bk, &bk_have, &until, &pdu, &why)) {
		rdpd_audit(c, "failed", "backend MCS Connect-Response: %s", why);
		goto out;
	}
	r = mcs_patch_requested_protocols(bk, pdu, w->req.requested);
	if (r) {
		rdpd_audit(c, "failed", "backend MCS Connect-Response: %s", rdp_status_name(r));
		goto out;
	}
	until = rdpd_step_deadline(c);
	if (x224_send_all(c->fd, &until, bk, bk_have)) {
		rdpd_audit(c, "failed", "cannot send the Connect-Response to the client");
		goto out;
	}
	bk_have = 0;

	/*
	 * Domain PDUs both ways (Erect Domain, Attach User, Channel Joins)
	 * until the client's first Send Data Request: its Client Info PDU.
	 */
	for (;;) {
		struct pollfd p[2] = {{.fd = c->fd, .events = POLLIN},
				      {.fd = c->backend, .events = POLLIN}};
		unsigned int choice;
		int ms;

		r = rdp_tpkt_len(w->in, w->in_len, TPKT_BUF, &pdu);
		if (r == RDP_OK && w->in_len >= pdu) {
			r = mcs_domain_choice(w->in, pdu, &choice);
			if (r) {
				rdpd_audit(c, "refused", "before the Client Info PDU: %s",
					   rdp_status_name(r));
				goto out;
			}
			if (choice == MCS_SEND_DATA_REQUEST)
				break;
			if (choice != MCS_ERECT_DOMAIN_REQUEST &&
			    choice != MCS_ATTACH_USER_REQUEST &&
			    choice != MCS_CHANNEL_JOIN_REQUEST) {
				rdpd_audit(c, "refused", "MCS PDU %u before the Client Info PDU",
					   choice);
				goto out;
			}
			until = rdpd_step_deadline(c);
			if (x224_send_all(c->backend, &until, w->in, pdu)) {
				rdpd_audit(c, "failed", "backend: cannot relay MCS");
				goto out;
			}
			consume(w->in, &w->in_len, pdu);
			continue;
		}
		if (r != RDP_OK && r != RDP_SHORT) {
			rdpd_audit(c, "refused", "before the Client Info PDU: %s",
				   rdp_status_name(r));
			goto out;
		}
		until = rdpd_step_deadline(c);
		ms = x224_ms_until(&until);
		r = ms ? poll(p, 2, ms) : 0;
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			rdpd_audit(c, "failed", "MCS: step deadline passed");
			goto out;
		}
		if (p[0].revents) {
			ssize_t n = rdpd_tls_read(c->fd, w->in + w->in_len, TPKT_BUF - w->in_len, 0,
						  &why);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				rdpd_audit(c, "failed", "client: %s during MCS",
					   !n && *why	     ? "closed (TLS close_notify)"
					   : !n		     ? "closed"
					   : errno == EPROTO ? why
							     : strerror(errno));
				goto out;
			}
			w->in_len += (size_t)n;
		}
		if (p[1].revents) {
			ssize_t n = read(c->backend, bk, TPKT_BUF);

			if (n <= 0 || x224_send_all(c->fd, &until, bk, (size_t)n)) {
				rdpd_audit(c, "failed", "backend: %s during MCS",
					   n ? "error" : "closed");
				goto out;
			}
		}
	}

	/* the Client Info PDU, rebuilt */
	r = mcs_parse_send_data(w->in, pdu, &sd);
	if (!r)
		r = rdp_info_parse(w->in + sd.data_off, sd.data_len, &info);
	if (r) {
		rdpd_audit(c, "refused", "Client Info PDU: %s", rdp_status_name(r));
		goto out;
	}
	logon = (struct rdp_logon){
		.domain = w->domain16,
		.domain_len = w->domain16_len,
		.user = w->user16,
		.user_len = w->no_password ? 0 : w->user16_len,
		.password = w->pass16,
		.password_len = w->pass16_len,
		.keep_shell = rdpd_cfg.keep_shell,
		.autologon = !w->no_password,
	};
	if (w->no_password) {
		/* xrdp's login dialog, with the authenticated account filled in */
		logon.user_len = w->user16_len;
	}
	r = rdp_info_build(&info, &logon, data, TPKT_BUF, &data_len);
	if (!r)
		r = mcs_build_send_data(&sd, data, data_len, w->out, TPKT_BUF, &out_len);
	explicit_bzero(data, TPKT_BUF);
	explicit_bzero(w->in, pdu); /* what the client typed, password included */
	if (r) {
		rdpd_audit(c, "refused", "Client Info PDU: cannot rebuild it (%s)",
			   rdp_status_name(r));
		goto out;
	}
	until = rdpd_step_deadline(c);
	r = x224_send_all(c->backend, &until, w->out, out_len);
	explicit_bzero(w->out, out_len);
	if (r) {
		rdpd_audit(c, "failed", "backend: cannot send the Client Info PDU");
		goto out;
	}
	consume(w->in, &w->in_len, pdu);
	ret = 0;
out:
	free(bk);
	free(data);
	return ret;
}

void rdpd_serve(struct rdpd_conn *c)
{
	struct work w = {.c = c};

	c->backend = -1;
	snprintf(c->package, sizeof(c->package), "-");
	w.in = malloc(TPKT_BUF);
	w.out = malloc(TPKT_BUF);
	if (!w.in || !w.out) {
		rdpd_audit(c, "failed", "out of memory");
		goto out;
	}
	if (x224_client(&w) || authenticate(&w) || single_sign_on(&w) || connect_backend(&w) ||
	    x224_backend(&w) || mcs(&w))
		goto out;
	explicit_bzero(w.pass16, sizeof(w.pass16));
	rdpd_audit(c, "ok", "%s as local user %s",
		   w.no_password ? "login screen" : "single sign-on", c->local_user);
	rdpd_relay(c, w.in, w.in_len);
	rdpd_log(LOG_INFO, "%s: session of %s ended: %llu bytes to the backend, %llu to the client",
		 c->peer_str, c->local_user, (unsigned long long)c->to_backend,
		 (unsigned long long)c->to_client);
out:
	explicit_bzero(w.pass16, sizeof(w.pass16));
	if (w.in)
		explicit_bzero(w.in, TPKT_BUF);
	free(w.in);
	free(w.out);
	if (w.h) {
		if (w.ctx)
			credssp_delete_security_context(w.h, w.ctx);
		if (w.cred)
			credssp_free_credentials_handle(w.h, w.cred);
		credssp_close(w.h);
	}
	if (c->backend >= 0)
		close(c->backend);
	close(c->fd);
}
