/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libcredssp internals shared by libcredssp.c and sspi.c; not installed. */
#ifndef LIBCREDSSP_INTERNAL_H
#define LIBCREDSSP_INTERNAL_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A zeroed buffer that credssp_free_context_buffer() wipes and frees. */
void *credssp__cbuf_alloc(size_t size);

struct credssp_handle;
struct nlmsghdr;

/* Close a session inherited over fork() without touching its mutex. */
void credssp__abandon(struct credssp_handle *h);

/*
 * A thread's identity (lib/account.c): effective and filesystem ids,
 * supplementary groups, effective capabilities.
 */
struct credssp__id {
	uid_t euid, fsuid;
	gid_t egid, fsgid;
	uint32_t caps[2];
	gid_t *groups;
	size_t n_groups;
};

/* The calling thread's identity into @id (free with credssp__id_free()). 0 or -errno. */
int credssp__id_save(struct credssp__id *id);
void credssp__id_free(struct credssp__id *id);
/* Back to @id; 0 or the first -errno (the other steps are still done). */
int credssp__id_restore(const struct credssp__id *id);
/*
 * The calling thread becomes local @account: its groups, group and user ids
 * (effective and filesystem), no effective capability. On failure @saved is
 * restored. 0, -ENOENT (no such account), -EPERM (not allowed), -errno.
 */
int credssp__id_switch(const char *account, const struct credssp__id *saved);

/*
 * ---- the demultiplexer (lib/demux.c): many calls in flight on one socket ----
 *
 * A call registers with its request's sequence number (credssp__demux_add)
 * before the request is sent, takes the messages of that number one at a
 * time (credssp__demux_next) until it has what it waits for, and leaves
 * (credssp__demux_del). Messages of no registered call are dropped.
 */
struct credssp__rx;

struct credssp__call {
	uint32_t seq;
	int efd;			  /* eventfd: a message was queued, or read for us */
	int err;			  /* -errno: the call failed (a message was lost...) */
	bool reader;			  /* this call's thread reads the socket */
	struct credssp__rx *head, **tail; /* messages queued for the call */
	struct credssp__call *next;
};

struct credssp__demux {
	pthread_mutex_t lock;	     /* calls, reading, every call's queue */
	pthread_mutex_t recv_lock;   /* held by the reader in recv(), and by a dump's sender */
	int fd;			     /* the socket */
	bool reading;		     /* one call's thread is the reader */
	struct credssp__call *calls; /* registered calls */
};

void credssp__demux_init(struct credssp__demux *d, int fd);
void credssp__demux_destroy(struct credssp__demux *d);
/* Register @c for the messages of @seq: 0 or -errno (no eventfd). */
int credssp__demux_add(struct credssp__demux *d, struct credssp__call *c, uint32_t seq);
/*
 * The next message for @c, in order, in *@out (free with
 * credssp__demux_free()): 0; -EINTR when a signal interrupted the wait (call
 * again to go on waiting); or the call's failure: -ENOBUFS (the socket lost
 * a message: every call in flight fails), -EPIPE, -ENOMEM, another -errno.
 * Call it with signals blocked: it waits in ppoll() with @wait_mask (the
 * caller's own mask), so that a signal always interrupts a wait.
 */
int credssp__demux_next(struct credssp__demux *d, struct credssp__call *c, struct nlmsghdr **out,
			const sigset_t *wait_mask);
void credssp__demux_free(struct nlmsghdr *hdr);
/* Unregister @c (handing the reader role on) and free what it did not take. */
void credssp__demux_del(struct credssp__demux *d, struct credssp__call *c);
/*
 * Hold off the socket's reads (the reader waits): a dump's request is sent
 * under it, so that the batch the kernel makes in that sendmsg() is queued
 * before any the reader's recvmsg() makes (lib/demux.c).
 */
void credssp__demux_hold_reads(struct credssp__demux *d);
void credssp__demux_release_reads(struct credssp__demux *d);

/* ---- lib/sspi.c's pieces, for tests/unit/sspi.c (include sspi.h first) ---- */
#ifdef LIBCREDSSP_SSPI_H
#include "credssp.h"

/* What credssp_query_context_attributes() fills, for each attribute. */
union credssp__query {
	struct credssp_sizes sizes;
	struct credssp_stream_sizes stream;
	struct credssp_names names;
	struct credssp_lifespan life;
	struct credssp_package_info pkg;
	struct credssp_negotiation_info nego;
	struct credssp_client_creds creds;
};

/* Unix seconds (CREDSSP_TIME_NEVER) as a TimeStamp: local FILETIME units. */
int64_t credssp__filetime(uint64_t unix_secs);
/* Strict conversions; NULL with errno EILSEQ (invalid) or ENOMEM. */
SEC_WCHAR *credssp__utf8_to_utf16(const char *s); /* FreeContextBuffer() */
char *credssp__utf16_to_utf8(const SEC_WCHAR *w); /* free() */
/* fContextReq as passed to credssp.ko; pfContextAttr from the kernel's @got. */
ULONG credssp__asc_req(ULONG req);
ULONG credssp__asc_ret(ULONG req, ULONG got);
/* The attribute credssp.ko is asked for @attr, UINT32_MAX if none. */
uint32_t credssp__query_attr(ULONG attr);
/*
 * The caller's structure for @attr (A or @wide) from the kernel's answer @r
 * to credssp__query_attr(@attr); what @r holds is handed over or freed.
 */
SECURITY_STATUS credssp__query_fill(ULONG attr, int wide, union credssp__query *r, void *pBuffer);
#endif

#endif /* LIBCREDSSP_INTERNAL_H */
