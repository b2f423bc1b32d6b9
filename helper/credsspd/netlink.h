/* SPDX-License-Identifier: GPL-2.0 */
/* credsspd's side of the "credssp" generic netlink family's helper channel. */
#ifndef CREDSSPD_NETLINK_H
#define CREDSSPD_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nl_sock;
struct cssp_result;

/* A genl socket with the credssp family resolved. */
struct cnl {
	struct nl_sock *sk;
	int family;
	int ready_grp; /* the "helper" multicast group */
	uint8_t *rbuf; /* receive buffer, CNL_RBUF_SIZE bytes */
};

#define CNL_RBUF_SIZE (256 * 1024)

/* Open a socket and resolve the family. Returns 0 or -1 with a message in @err. */
int cnl_open(struct cnl *c, char *err, size_t errlen);
void cnl_close(struct cnl *c);
int cnl_fd(const struct cnl *c);

/* Ask for a receive buffer of @bytes (SO_RCVBUFFORCE, else SO_RCVBUF). */
void cnl_set_rcvbuf(struct cnl *c, int bytes);

/* One request taken from the kernel's queue. @input points into the receive buffer. */
struct cnl_request {
	uint64_t req_id;
	uint32_t op; /* CREDSSP_HOP_* */
	uint64_t ctx_id;
	bool first;
	uint32_t req_flags, options;
	const uint8_t *input;
	size_t input_len;
	char cred_name[CREDSSP_CRED_NAME_MAX + 1]; /* a first step's named credential, or "" */
};

/* A named credential and who may acquire it without CAP_NET_ADMIN (HELPER_REGISTER). */
struct cnl_grant {
	const char *name;
	const uint32_t *uids;
	size_t n_uids;
	const uint32_t *gids;
	size_t n_gids;
};

/*
 * Send HELPER_REGISTER on @c and wait for its ACK: the first socket makes
 * the process the helper, each further one becomes a helper socket too
 * (while the process still has CAP_NET_ADMIN). Returns 0 or a negative
 * errno (-EBUSY: another process is the helper; -EPROTO: another helper
 * version). With @n_grants > 0 the registration carries @grants, which
 * replace the kernel's set for this network namespace; without, the set
 * stays as it is.
 */
int cnl_register(struct cnl *c, const struct cnl_grant *grants, size_t n_grants);

/* Join the "helper" multicast group (HELPER_READY). 0 or -1 with @err. */
int cnl_join_ready(struct cnl *c, char *err, size_t errlen);

/*
 * Read what is waiting on a socket that joined the group (non-blocking).
 * Returns how many HELPER_READY notifications came, -ENOBUFS when the
 * kernel dropped some (take requests anyway), or another negative errno.
 */
int cnl_read_ready(struct cnl *c);

/*
 * Take the first queued request with HELPER_NEXT (on a registered socket
 * that did not join the group). Returns 0 with *@req filled (its input
 * valid until the next call on @c), -ENOENT when nothing is queued, or
 * another negative errno.
 */
int cnl_next(struct cnl *c, struct cnl_request *req);

/* What a worker answers a STEP with. */
struct cnl_done {
	uint64_t req_id;
	uint32_t status;
	const uint8_t *output;
	size_t output_len;
	uint32_t consumed;
	uint32_t ret_flags;
	bool has_package;
	uint32_t package;		  /* CREDSSP_PKG_* */
	const struct cssp_result *result; /* with CREDSSP_SEC_STATUS_OK */
};

/*
 * Send HELPER_DONE, on the socket that took the request, and wait for the
 * kernel's ACK. The message, which may hold keys and delegated
 * credentials, is wiped before it is freed. Returns 0 or a negative errno
 * (-ENOENT: the kernel no longer waits for this request); @ext gets the
 * kernel's extack message, if any.
 */
int cnl_send_done(struct cnl *c, const struct cnl_done *d, char *ext, size_t extlen);

/* Map the engine's enum cssp_package to CREDSSP_PKG_*. */
uint32_t cnl_package(int engine_package);

#endif /* CREDSSPD_NETLINK_H */
