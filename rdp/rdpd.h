/* SPDX-License-Identifier: GPL-2.0 */
/*
 * credssp-rdpd: the RDP NLA front in front of xrdp (credssp-rdpd(8)).
 *
 *   rdpd.c    start-up, signals, logging and audit, the listener, limits
 *             (connections, per source, failed logons per source)
 *   conn.c    one connection: X.224, CredSSP in the kernel (socket mode,
 *             kTLS), single sign-on policy, backend X.224, MCS relay with
 *             the checks and rewrites of mcs.h and info.h
 *   relay.c   session data both ways after the Client Info PDU: splice(2)
 *             through pipes (or read/write), half-close, idle deadline
 */
#ifndef KCREDSSP_RDPD_H
#define KCREDSSP_RDPD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "config.h"

extern struct rdpd_config rdpd_cfg;

/* A client connection, owned by its thread. */
struct rdpd_conn {
	int fd;	     /* the client's TCP socket (kTLS after CredSSP) */
	int backend; /* the backend socket, or -1 */
	struct sockaddr_storage peer;
	char peer_str[64];		/* "ADDR:PORT" */
	void *source;			/* the per-source entry (rdpd.c) */
	struct timespec hs_deadline;	/* CLOCK_MONOTONIC, end of the handshake */
	char principal[256];		/* authenticated, "" before */
	char package[16];		/* "NTLM", "Kerberos", "-" */
	char local_user[64];		/* the account xrdp logs in */
	uint64_t to_backend, to_client; /* bytes relayed after the Client Info PDU */
};

/* Logging: to stderr (with a time stamp) or syslog (authpriv). */
void rdpd_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * The one audit line of an attempt: peer, principal, package, result
 * ("ok", "refused", "failed") and why.
 */
void rdpd_audit(const struct rdpd_conn *c, const char *result, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A failed logon from @c's source, for the per-source limit. */
void rdpd_source_failed(struct rdpd_conn *c);

/* Serve one connection (conn.c); closes c->fd. */
void rdpd_serve(struct rdpd_conn *c);

/* The earlier of now + step_timeout and the handshake deadline. */
struct timespec rdpd_step_deadline(const struct rdpd_conn *c);

/*
 * Relay (relay.c) between the client socket and the backend until both
 * directions ended, or idle_timeout passed without data. @pending /
 * @pending_len: bytes already read from the client to send to the backend
 * first. Return: 0, or -1 on an error (logged).
 */
int rdpd_relay(struct rdpd_conn *c, const uint8_t *pending, size_t pending_len);

/*
 * Read plaintext from the kTLS client socket @fd (relay.c), the way kTLS
 * wants to be read: recvmsg() with room for the TLS_GET_RECORD_TYPE cmsg, so
 * that a record that is not application data is consumed and named instead
 * of failing the read with EIO (read()) or EINVAL (splice()). Return: bytes
 * of application data (> 0); 0 at the end (EOF with *@why "", or the
 * client's close_notify alert with *@why "TLS close_notify"); -1 with errno
 * (EAGAIN, EINTR, a socket error) or, for any other non-data record, errno
 * EPROTO and *@why set to what it was (a fatal alert, a KeyUpdate kTLS
 * cannot follow, ...).
 */
ssize_t rdpd_tls_read(int fd, uint8_t *buf, size_t len, int flags, const char **why);

/* Set when the daemon is stopping: relays end. */
extern volatile int rdpd_stopping;

#endif /* KCREDSSP_RDPD_H */
