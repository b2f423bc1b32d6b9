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
	uint8_t *rbuf; /* receive buffer, CNL_RBUF_SIZE bytes */
};

#define CNL_RBUF_SIZE (256 * 1024)

/* Open a socket and resolve the family. Returns 0 or -1 with a message in @err. */
int cnl_open(struct cnl *c, char *err, size_t errlen);
void cnl_close(struct cnl *c);
int cnl_fd(const struct cnl *c);

/* Ask for a receive buffer of @bytes (SO_RCVBUFFORCE, else SO_RCVBUF). */
void cnl_set_rcvbuf(struct cnl *c, int bytes);

/* One HELPER_REQUEST from the kernel. @input points into the receive buffer. */
struct cnl_request {
	uint64_t req_id;
	uint32_t op; /* CREDSSP_HOP_* */
	uint64_t ctx_id;
	bool first;
	uint32_t req_flags, options;
	const uint8_t *input;
	size_t input_len;
};

typedef void (*cnl_request_fn)(const struct cnl_request *req, void *arg);

/*
 * Send HELPER_REGISTER on @c and wait for its ACK; HELPER_REQUESTs that
 * arrive meanwhile go to @fn. Returns 0 or a negative errno (-EBUSY: another
 * helper is registered; -EPROTO: another helper version).
 */
int cnl_register(struct cnl *c, cnl_request_fn fn, void *arg);

/*
 * Receive what is waiting on the registered socket (non-blocking) and pass
 * each HELPER_REQUEST to @fn. Returns 0, -EAGAIN when nothing was there,
 * -ENOBUFS when the kernel dropped messages, or another negative errno.
 */
int cnl_receive(struct cnl *c, cnl_request_fn fn, void *arg);

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
	const struct cssp_result *result; /* with SEC_E_OK */
};

/*
 * Send HELPER_DONE and wait for the kernel's ACK. The message, which may
 * hold keys and delegated credentials, is wiped before it is freed. Returns
 * 0 or a negative errno (-ENOENT: the kernel no longer waits for this
 * request); @ext gets the kernel's extack message, if any.
 */
int cnl_send_done(struct cnl *c, const struct cnl_done *d, char *ext, size_t extlen);

/* Map the engine's enum cssp_package to CREDSSP_PKG_*. */
uint32_t cnl_package(int engine_package);

#endif /* CREDSSPD_NETLINK_H */
