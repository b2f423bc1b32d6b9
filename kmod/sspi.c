// SPDX-License-Identifier: GPL-2.0
/*
 * SSPI semantics of the CredSSP package: AcquireCredentialsHandle,
 * AcceptSecurityContext, QueryContextAttributes. One implementation, used
 * by the netlink family (netlink.c, call.c), socket mode (sock.c) and
 * in-kernel consumers (api.c, <net/credssp.h>).
 */

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/net_namespace.h>
#include <net/tls.h>
#include <kunit/visibility.h>

#include "credssp.h"

#define CREDSSP_MAX_SIGNATURE	16
#define CREDSSP_STREAM_MAX_MSG	16384	/* TLS record plaintext */
#define CREDSSP_STREAM_BUFFERS	4	/* header, data, trailer, empty */
#define CREDSSP_STREAM_HDR_MAX	13
#define CREDSSP_STREAM_TRL_MAX	17

/*
 * The inner packages, as SECPKG_ATTR_NEGOTIATION_PACKAGE describes them:
 * the SecPkgInfo values of Windows' own NTLM and Kerberos packages
 * (capabilities, version 1, RPC ids RPC_C_AUTHN_WINNT 10 and
 * RPC_C_AUTHN_GSS_KERBEROS 16, cbMaxToken 2888 and 48000).
 */
struct credssp_pkg_info {
	const char *name;
	const char *comment;
	u32 capabilities;
	u32 version;
	u32 rpcid;
	u32 max_token;
};

static const struct credssp_pkg_info credssp_inner_pkgs[] = {
	[CREDSSP_PACKAGE_NTLM] = {
		.name = "NTLM",
		.comment = "NTLM Security Package",
		.capabilities = 0x00082b37,
		.version = 1,
		.rpcid = 10,
		.max_token = 2888,
	},
	[CREDSSP_PACKAGE_KERBEROS] = {
		.name = "Kerberos",
		.comment = "Microsoft Kerberos V1.0",
		.capabilities = 0x000f3bbf,
		.version = 1,
		.rpcid = 16,
		.max_token = 48000,
	},
};

/**
 * credssp_sspi_acquire - AcquireCredentialsHandle
 * @cn: the netns
 * @caller: the owner of the new handle
 * @package: the package name
 * @cred_use: SECPKG_CRED_*
 * @name: a named credential the caller may use (grant.c), or NULL for the
 *	helper's default
 * @credp: the new credential (table reference plus one for the caller)
 * @expiry: its expiry
 *
 * Return: SEC_E_OK, SEC_E_SECPKG_NOT_FOUND, SEC_E_UNSUPPORTED_FUNCTION or
 * SEC_E_INSUFFICIENT_MEMORY.
 */
u32 credssp_sspi_acquire(struct credssp_net *cn,
			 const struct credssp_caller *caller,
			 const char *package, u32 cred_use, const char *name,
			 struct credssp_cred **credp, u64 *expiry)
{
	u32 status;

	if (!package || strcasecmp(package, CREDSSP_PACKAGE_NAME))
		return SEC_E_SECPKG_NOT_FOUND;
	if (cred_use != SECPKG_CRED_INBOUND)
		return SEC_E_UNSUPPORTED_FUNCTION;
	status = credssp_cred_new(cn, caller, name, credp);
	if (status == SEC_E_OK)
		*expiry = CREDSSP_TIME_NEVER;
	return status;
}
EXPORT_SYMBOL_IF_KUNIT(credssp_sspi_acquire);

static enum credssp_outcome credssp_outcome_of(u32 status)
{
	switch (status) {
	case SEC_E_OK:
		return CREDSSP_OUTCOME_OK;
	case SEC_E_LOGON_DENIED:
		return CREDSSP_OUTCOME_LOGON_DENIED;
	case SEC_E_INVALID_TOKEN:
		return CREDSSP_OUTCOME_INVALID_TOKEN;
	default:
		return CREDSSP_OUTCOME_OTHER_ERROR;
	}
}

/* Hand @res's token to the caller if it fits. Return: whether it did. */
static bool credssp_take_output(struct credssp_result *res,
				struct credssp_accept_args *a)
{
	if (!(a->req_flags & ASC_REQ_ALLOCATE_MEMORY) &&
	    res->output_len > a->output_size)
		return false;
	a->output = res->output;
	a->output_len = res->output_len;
	res->output = NULL;
	res->output_len = 0;
	return true;
}

/*
 * Whether a SEC_E_OK result gets a key: when the client delegated something
 * and the RDP layer did not negotiate restricted admin (whose clients send
 * empty credentials, which the helper does not pass on).
 */
static bool credssp_wants_key(const struct credssp_ctx *ctx,
			      const struct credssp_result *res)
{
	return res->creds && res->creds_len &&
		!(ctx->options & CREDSSP_OPT_RESTRICTED_ADMIN);
}

/* Fail @ctx with @outcome; a first call's context is deleted outright. */
static void credssp_accept_fail(struct credssp_ctx *ctx, bool first,
				enum credssp_outcome outcome, bool tell_helper)
{
	credssp_ctx_fail(ctx, outcome);
	if (!tell_helper)
		clear_bit(CREDSSP_F_HELPER_STATE, &ctx->flags);
	if (first)
		credssp_ctx_unlink(ctx);
	else if (test_and_clear_bit(CREDSSP_F_HELPER_STATE, &ctx->flags))
		credssp_helper_free(ctx->cn, ctx->id, ctx->helper_gen);
}

/* The helper's step @res ended in success: apply it. Return: the status. */
static u32 credssp_accept_success(struct credssp_ctx *ctx,
				  struct credssp_result *res,
				  struct credssp_accept_args *a, bool first)
{
	u64 now = credssp_now(), cap, expiry = 0;
	struct key *key = NULL;
	u32 status = res->status, applied;

	if (!credssp_take_output(res, a)) {
		/* Keep the result for a repeat with a larger buffer. */
		a->output_needed = res->output_len;
		status = credssp_ctx_keep(ctx, res, a->input_len);
		if (status) {
			credssp_result_free(res);
			return status;
		}
		a->why = CREDSSP_R_BUFFER_TOO_SMALL;
		return SEC_E_BUFFER_TOO_SMALL;
	}

	a->extra = a->input_len - res->consumed;
	a->has_extra = true;
	a->ret_flags = res->ret_flags;
	if (a->req_flags & ASC_REQ_ALLOCATE_MEMORY)
		a->ret_flags |= ASC_RET_ALLOCATED_MEMORY;

	if (status == SEC_E_OK) {
		cap = now + READ_ONCE(credssp_max_lifetime);
		expiry = min(res->expiry, cap);
		/*
		 * Made before the context is ESTABLISHED: key_alloc() sleeps.
		 * One that expires at once (max_lifetime 0) gets none.
		 */
		if (credssp_wants_key(ctx, res) && expiry > now) {
			key = credssp_key_new(ctx, res, expiry);
			if (IS_ERR(key)) {
				status = SEC_E_INSUFFICIENT_MEMORY;
				a->why = CREDSSP_R_NO_KEY;
				key = NULL;
				credssp_accept_fail(ctx, first,
						    CREDSSP_OUTCOME_OTHER_ERROR, false);
				goto drop;
			}
		}
	}

	applied = credssp_ctx_step_apply(ctx, &res, key, expiry);
	if (applied) {
		status = applied;
		goto drop;
	}
	if (status == SEC_E_OK)
		a->expiry = expiry;
	credssp_result_free(res);
	return status;

drop:
	credssp_key_drop(key);
	credssp_result_free(res);
	kfree_sensitive(a->output);
	a->output = NULL;
	a->output_len = 0;
	a->has_extra = false;
	return status;
}

/**
 * credssp_sspi_accept_check - the checks every AcceptSecurityContext gets
 * @a: the arguments
 *
 * Done before anything is looked up or made.
 *
 * Return: SEC_E_OK, SEC_E_UNSUPPORTED_FUNCTION (fContextReq) or
 * SEC_E_INVALID_PARAMETER (data representation, input, options), with
 * @a->why saying why.
 */
u32 credssp_sspi_accept_check(struct credssp_accept_args *a)
{
	if (!credssp_req_flags_ok(a->req_flags)) {
		a->why = CREDSSP_R_REQ_FLAGS;
		return SEC_E_UNSUPPORTED_FUNCTION;
	}
	if (a->data_rep != SECURITY_NATIVE_DREP &&
	    a->data_rep != SECURITY_NETWORK_DREP) {
		a->why = CREDSSP_R_DATA_REP;
		return SEC_E_INVALID_PARAMETER;
	}
	if (a->input_len > CREDSSP_TOKEN_MAX || (a->input_len && !a->input)) {
		a->why = CREDSSP_R_BAD_INPUT;
		return SEC_E_INVALID_PARAMETER;
	}
	if (a->options & ~CREDSSP_OPT_MASK) {
		a->why = CREDSSP_R_BAD_OPTION;
		return SEC_E_INVALID_PARAMETER;
	}
	return SEC_E_OK;
}

/**
 * credssp_sspi_accept_new - make the context of a first AcceptSecurityContext
 * @cn: the netns
 * @caller: the owner of the new context
 * @cred: the credential
 * @a: the arguments; @a->new_ctx receives the context
 *
 * The context is linked, in its handshake, with BUSY held for the call
 * that follows: credssp_sspi_accept() with no @ctx then uses @a->new_ctx
 * instead of making one. The asynchronous netlink ACCEPT makes it in its
 * doit, so that a cancel can find it while the call waits in a worker.
 *
 * Return: SEC_E_OK (a reference in @a->new_ctx), SEC_E_INVALID_HANDLE (no
 * or a deleted credential) or SEC_E_INSUFFICIENT_MEMORY (a limit).
 */
u32 credssp_sspi_accept_new(struct credssp_net *cn,
			    const struct credssp_caller *caller,
			    struct credssp_cred *cred,
			    struct credssp_accept_args *a)
{
	struct credssp_ctx *ctx;
	u32 status;

	if (!cred || test_bit(CREDSSP_F_DEAD, &cred->flags)) {
		a->why = CREDSSP_R_NO_CRED;
		return SEC_E_INVALID_HANDLE;
	}
	status = credssp_ctx_new(cn, caller, cred, a->options,
				 jiffies + credssp_ctx_timeout(0), &ctx);
	if (status) {
		a->why = CREDSSP_R_CTX_LIMIT;
		return status;
	}
	a->new_ctx = ctx;
	return SEC_E_OK;
}

/*
 * The context a call works on: a first call's new one (made now unless
 * credssp_sspi_accept_new() made it already), or @ctxp's, made BUSY.
 */
static u32 credssp_accept_enter(struct credssp_net *cn,
				const struct credssp_caller *caller,
				struct credssp_cred *cred,
				struct credssp_ctx **ctxp,
				struct credssp_accept_args *a)
{
	struct credssp_ctx *ctx = *ctxp;
	u32 status;

	if (!ctx) {
		if (!a->new_ctx) {
			status = credssp_sspi_accept_new(cn, caller, cred, a);
			if (status)
				return status;
		}
		*ctxp = a->new_ctx;
		return SEC_E_OK;
	}
	if (cred && ctx->cred != cred) {
		a->why = CREDSSP_R_WRONG_CRED;
		return SEC_E_INVALID_HANDLE;
	}
	if (test_and_set_bit_lock(CREDSSP_F_BUSY, &ctx->flags)) {
		a->why = CREDSSP_R_BUSY;
		return SEC_E_OUT_OF_SEQUENCE;
	}
	credssp_ctx_check_time(ctx);
	return SEC_E_OK;
}

/*
 * What a helper step on @ctx ended in (status, and the result @res unless
 * the call failed before one came), turned into the call's status; the
 * result is consumed (credssp_sspi_accept()).
 */
static u32 credssp_accept_step_done(struct credssp_ctx *ctx, bool first,
				    u32 status, struct credssp_result *res,
				    enum credssp_outcome outcome,
				    struct credssp_accept_args *a)
{
	if (!res) {
		if (status == SEC_E_INVALID_HANDLE) {
			/* Abandoned: deleted, or failed by its deadline. */
			status = credssp_ctx_status(ctx);
			if (first && !test_bit(CREDSSP_F_DEAD, &ctx->flags))
				credssp_ctx_unlink(ctx);
			a->why = CREDSSP_R_ABANDONED;
			return status ?: SEC_E_OUT_OF_SEQUENCE;
		}
		a->why = status == SEC_E_INTERNAL_ERROR ? CREDSSP_R_BAD_REPLY :
			 status == SEC_E_INSUFFICIENT_MEMORY ?
			 CREDSSP_R_QUEUE_FULL : CREDSSP_R_NO_HELPER;
		credssp_accept_fail(ctx, first, outcome,
				    outcome != CREDSSP_OUTCOME_HELPER_LOST);
		return status;
	}

	switch (status) {
	case SEC_E_INCOMPLETE_MESSAGE:
		/* Nothing consumed, the context unchanged. */
		credssp_result_free(res);
		a->why = CREDSSP_R_INCOMPLETE;
		break;
	case SEC_I_CONTINUE_NEEDED:
	case SEC_E_OK:
		status = credssp_accept_success(ctx, res, a, first);
		break;
	default:
		/* The helper dropped its engine context itself. */
		credssp_ctx_set_package(ctx, res->package);
		credssp_take_output(res, a);
		credssp_result_free(res);
		a->why = CREDSSP_R_AUTH_FAILED;
		credssp_accept_fail(ctx, first, credssp_outcome_of(status),
				    false);
		break;
	}
	return status;
}

/*
 * Run one step in the helper: queued under the context (ctx.c), waited for
 * (helper.c), unlinked from the context. Return: as credssp_helper_wait().
 */
static u32 credssp_sspi_step(struct credssp_ctx *ctx,
			     struct credssp_accept_args *a,
			     struct credssp_result **resp,
			     enum credssp_outcome *outcome)
{
	struct credssp_helper_req req;
	bool started, notify = false;
	u32 status;

	*resp = NULL;
	started = test_and_set_bit(CREDSSP_F_STARTED, &ctx->flags);
	credssp_helper_step_init(&req, ctx, a->input, a->input_len,
				 a->req_flags, !started);
	status = credssp_ctx_step_queue(ctx, &req, &notify, outcome);
	if (status)
		return status;
	status = credssp_helper_wait(&req, notify, resp, outcome);
	credssp_ctx_step_end(ctx, &req);
	return status;
}

/**
 * credssp_sspi_accept - AcceptSecurityContext
 * @cn: the netns
 * @caller: the owner of a new context
 * @cred: the credential (first call), or NULL
 * @ctx: the context (later calls, referenced by the caller), or NULL
 * @a: the other arguments and the results; on a first call, @a->new_ctx
 *	may already hold the context from credssp_sspi_accept_new()
 *
 * Sleeps while the helper runs the step: never called from a netlink
 * handler (those queue the call, see call.c). On a first call that does
 * not fail, @a->new_ctx is the new context with a reference for the caller.
 *
 * Return: the SECURITY_STATUS (see CREDSSP_CMD_ACCEPT in
 * <uapi/linux/credssp.h>).
 */
u32 credssp_sspi_accept(struct credssp_net *cn,
			const struct credssp_caller *caller,
			struct credssp_cred *cred, struct credssp_ctx *ctx,
			struct credssp_accept_args *a)
{
	enum credssp_outcome outcome = CREDSSP_OUTCOME_OTHER_ERROR;
	struct credssp_result *res = NULL;
	bool first = !ctx;
	u32 status;

	might_sleep();
	status = credssp_sspi_accept_check(a);
	if (status)
		goto out_new;

	status = credssp_accept_enter(cn, caller, cred, &ctx, a);
	if (status)
		return status;

	status = credssp_ctx_step_begin(ctx, a->input_len, &res, &a->why);
	if (status)
		goto out;
	if (res) {
		status = credssp_accept_success(ctx, res, a, first);
		goto out;
	}

	status = credssp_sspi_step(ctx, a, &res, &outcome);
	status = credssp_accept_step_done(ctx, first, status, res, outcome, a);

out:
	/*
	 * Before the put below, which may drop the last reference of a
	 * first call's context that was unlinked (review F3): the context
	 * may be freed as soon as it returns. The caller's reference keeps
	 * it alive until then.
	 */
	clear_bit_unlock(CREDSSP_F_BUSY, &ctx->flags);
	if (first && !test_bit(CREDSSP_F_DEAD, &ctx->flags)) {
		a->new_ctx = ctx;	/* the caller's reference */
	} else if (first) {
		a->new_ctx = NULL;
		credssp_ctx_put(ctx);
	}
	return status;

out_new:
	/* A context made for this call by credssp_sspi_accept_new() goes. */
	if (first && a->new_ctx) {
		ctx = a->new_ctx;
		a->new_ctx = NULL;
		credssp_ctx_unlink(ctx);
		clear_bit_unlock(CREDSSP_F_BUSY, &ctx->flags);
		credssp_ctx_put(ctx);
	}
	return status;
}

static void credssp_pkg_credssp(struct credssp_ctx_attrs *out)
{
	out->pkg.name = CREDSSP_PACKAGE_NAME;
	out->pkg.comment = CREDSSP_PKG_COMMENT;
	out->pkg.capabilities = CREDSSP_PKG_CAPABILITIES;
	out->pkg.version = CREDSSP_PKG_VERSION;
	out->pkg.rpcid = CREDSSP_PKG_RPCID;
	out->pkg.max_token = CREDSSP_TOKEN_MAX;
	out->pkg.nego_state = SECPKG_NEGOTIATION_COMPLETE;
}

/*
 * The attributes of an established context, from its view @v (for
 * SECPKG_ATTR_NAMES the view already copied the principal into @out).
 */
static u32 credssp_query_established(struct credssp_ctx *ctx,
				     const struct credssp_ctx_view *v,
				     u32 attr, struct credssp_ctx_attrs *out)
{
	const struct credssp_pkg_info *p;

	switch (attr) {
	case SECPKG_ATTR_NAMES:
		return SEC_E_OK;
	case SECPKG_ATTR_LIFESPAN:
		out->lifespan.start = v->created;
		out->lifespan.expiry = v->expiry;
		return SEC_E_OK;
	case SECPKG_ATTR_STREAM_SIZES:
		if (credssp_stream_sizes(v->tls_version, v->cipher,
					 &out->stream.header,
					 &out->stream.trailer))
			return SEC_E_INTERNAL_ERROR;
		out->stream.max_message = CREDSSP_STREAM_MAX_MSG;
		out->stream.buffers = CREDSSP_STREAM_BUFFERS;
		out->stream.block_size = 1;
		return SEC_E_OK;
	case SECPKG_ATTR_NEGOTIATION_PACKAGE:
		if (v->package != CREDSSP_PACKAGE_NTLM &&
		    v->package != CREDSSP_PACKAGE_KERBEROS)
			return SEC_E_INTERNAL_ERROR;
		p = &credssp_inner_pkgs[v->package];
		out->pkg.name = p->name;
		out->pkg.comment = p->comment;
		out->pkg.capabilities = p->capabilities;
		out->pkg.version = p->version;
		out->pkg.rpcid = p->rpcid;
		out->pkg.max_token = p->max_token;
		out->pkg.nego_state = SECPKG_NEGOTIATION_COMPLETE;
		return SEC_E_OK;
	default:	/* SECPKG_ATTR_CREDS, SECPKG_ATTR_CREDS_2 */
		return credssp_ctx_take_creds(ctx, &out->creds.data,
					      &out->creds.len,
					      &out->creds.binding);
	}
}

/* SECPKG_ATTR_SIZES, at any stage of the context. */
static void credssp_query_sizes(const struct credssp_ctx_view *v,
				struct credssp_ctx_attrs *out)
{
	u32 hdr, trl;

	out->sizes.max_token = CREDSSP_TOKEN_MAX;
	out->sizes.max_signature = CREDSSP_MAX_SIGNATURE;
	out->sizes.block_size = 1;
	/* Before the TLS session is known: the largest overhead. */
	if (v->state != CREDSSP_CTX_STATE_ESTABLISHED || !v->done ||
	    credssp_stream_sizes(v->tls_version, v->cipher, &hdr, &trl)) {
		hdr = CREDSSP_STREAM_HDR_MAX;
		trl = CREDSSP_STREAM_TRL_MAX;
	}
	out->sizes.security_trailer = hdr + trl;
}

/**
 * credssp_sspi_query - QueryContextAttributes
 * @ctx: the context, referenced
 * @attr: SECPKG_ATTR_*
 * @out: the answer
 *
 * SECPKG_ATTR_CREDS and SECPKG_ATTR_CREDS_2 hand over the delegated
 * credentials once: @out->creds.data is then the caller's to free with
 * kfree_sensitive(), and the context forgets them.
 *
 * Return: the SECURITY_STATUS (see CREDSSP_CMD_QUERY_CTX).
 */
u32 credssp_sspi_query(struct credssp_ctx *ctx, u32 attr,
		       struct credssp_ctx_attrs *out)
{
	struct credssp_ctx_view v;
	u32 status = SEC_E_OK;

	memset(out, 0, sizeof(*out));
	switch (attr) {
	case SECPKG_ATTR_SIZES:
	case SECPKG_ATTR_PACKAGE_INFO:
	case SECPKG_ATTR_NAMES:
	case SECPKG_ATTR_LIFESPAN:
	case SECPKG_ATTR_STREAM_SIZES:
	case SECPKG_ATTR_NEGOTIATION_PACKAGE:
	case SECPKG_ATTR_CREDS:
	case SECPKG_ATTR_CREDS_2:
		break;
	default:
		return SEC_E_UNSUPPORTED_FUNCTION;
	}
	if (test_bit(CREDSSP_F_DEAD, &ctx->flags))
		return SEC_E_INVALID_HANDLE;
	if (attr == SECPKG_ATTR_PACKAGE_INFO) {
		credssp_pkg_credssp(out);
		return SEC_E_OK;
	}
	credssp_ctx_check_time(ctx);

	if (attr == SECPKG_ATTR_NAMES)
		credssp_ctx_view(ctx, &v, out->names.name,
				 sizeof(out->names.name));
	else
		credssp_ctx_view(ctx, &v, NULL, 0);
	if (attr == SECPKG_ATTR_SIZES)
		credssp_query_sizes(&v, out);
	else if (v.dead)
		status = SEC_E_INVALID_HANDLE;
	else if (v.state == CREDSSP_CTX_STATE_EXPIRED)
		status = SEC_E_CONTEXT_EXPIRED;
	else if (v.state != CREDSSP_CTX_STATE_ESTABLISHED || !v.done)
		status = SEC_E_OUT_OF_SEQUENCE;
	else
		status = credssp_query_established(ctx, &v, attr, out);
	/* A failed NAMES leaves nothing behind (the view copied it first). */
	if (status)
		memset(out, 0, sizeof(*out));
	return status;
}
