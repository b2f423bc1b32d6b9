// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel API of <net/credssp.h>: AcquireCredentialsHandle,
 * AcceptSecurityContext, DeleteSecurityContext, QueryContextAttributes for
 * kernel consumers (an SMB or RDP server in the kernel), on sspi.c's one
 * implementation; their handles belong to the netns's kernel owner.
 * Socket mode's credssp_accept_sock() is sock.c's, credssp_ctx_key() is
 * ctx.c's and credssp_ktls_attach() is ktls.c's.
 */

#include <linux/module.h>
#include <linux/slab.h>
#include <net/net_namespace.h>
#include <net/credssp.h>

#include "credssp.h"

static const struct credssp_caller credssp_kernel_caller = {};

/**
 * credssp_acquire_cred - AcquireCredentialsHandle for a kernel consumer
 * @net: the network namespace whose helper serves the credential; the
 *	caller keeps a reference on it until the handle is freed
 * @package: "CredSSP" (case-insensitive)
 * @cred_use: SECPKG_CRED_INBOUND
 * @cred: the new handle, owned by the caller until credssp_free_cred()
 * @expiry: its expiry, CREDSSP_TIME_NEVER; may be NULL
 *
 * Context: process context, may sleep.
 * Return: SEC_E_OK, SEC_E_SECPKG_NOT_FOUND, SEC_E_UNSUPPORTED_FUNCTION,
 * SEC_E_INSUFFICIENT_MEMORY or SEC_E_INTERNAL_ERROR (module not set up in
 * @net).
 */
u32 credssp_acquire_cred(struct net *net, const char *package, u32 cred_use,
			 struct credssp_cred **cred, u64 *expiry)
{
	struct credssp_net *cn = credssp_pernet(net);
	u64 exp;
	u32 status;

	might_sleep();
	*cred = NULL;
	if (!cn)
		return SEC_E_INTERNAL_ERROR;
	status = credssp_sspi_acquire(cn, &credssp_kernel_caller, package,
				      cred_use, NULL, cred, &exp);
	if (status == SEC_E_OK && expiry)
		*expiry = exp;
	return status;
}
EXPORT_SYMBOL_GPL(credssp_acquire_cred);

/**
 * credssp_free_cred - FreeCredentialsHandle for a kernel consumer
 * @cred: a handle from credssp_acquire_cred(); invalid afterwards
 *
 * Contexts made with it stay usable.
 *
 * Context: process context, may sleep.
 * Return: SEC_E_OK, or SEC_E_INVALID_HANDLE for NULL.
 */
u32 credssp_free_cred(struct credssp_cred *cred)
{
	might_sleep();
	if (!cred)
		return SEC_E_INVALID_HANDLE;
	if (!test_bit(CREDSSP_F_DEAD, &cred->flags))
		credssp_cred_unlink(cred);
	credssp_cred_put(cred);
	return SEC_E_OK;
}
EXPORT_SYMBOL_GPL(credssp_free_cred);

static struct credssp_buffer *credssp_find_buf(struct credssp_buffer_desc *d,
					       u32 type)
{
	u32 i;

	for (i = 0; d && i < d->count; i++)
		if (d->bufs[i].type == type)
			return &d->bufs[i];
	return NULL;
}

/**
 * credssp_accept - AcceptSecurityContext for a kernel consumer
 * @cred: the credential; required on the first call, optional later (then
 *	it must be the context's)
 * @ctx: NULL on the first call, then the handle it returned
 * @input: a SECBUFFER_TOKEN with the client's bytes, and optionally a
 *	SECBUFFER_EMPTY that becomes SECBUFFER_EXTRA (its @len the number of
 *	unconsumed bytes at the end of the token) on SEC_I_CONTINUE_NEEDED
 *	and SEC_E_OK
 * @req_flags: ASC_REQ_*, within CREDSSP_REQ_SUPPORTED
 * @data_rep: SECURITY_NATIVE_DREP or SECURITY_NETWORK_DREP
 * @options: CREDSSP_OPT_*, first call only
 * @new_ctx: the context handle: the new one after a first call that did
 *	not fail (owned by the caller until credssp_delete_ctx()), @ctx on
 *	later calls, NULL when a first call failed
 * @output: a SECBUFFER_TOKEN: with ASC_REQ_ALLOCATE_MEMORY its @data is set
 *	to a buffer to free with credssp_free_buffer() (or NULL, @len 0);
 *	otherwise @data/@len is the caller's buffer and @len becomes the
 *	token's length (or, with SEC_E_BUFFER_TOO_SMALL, the length needed)
 * @ret_flags: ASC_RET_* on success; may be NULL
 * @expiry: the context's expiry (Unix seconds) on SEC_E_OK; may be NULL
 *
 * Context: process context, may sleep (it waits for the helper daemon).
 * Return: the SECURITY_STATUS, as CREDSSP_CMD_ACCEPT in
 * <uapi/linux/credssp.h>.
 */
u32 credssp_accept(struct credssp_cred *cred, struct credssp_ctx *ctx,
		   struct credssp_buffer_desc *input, u32 req_flags,
		   u32 data_rep, u32 options, struct credssp_ctx **new_ctx,
		   struct credssp_buffer_desc *output, u32 *ret_flags,
		   u64 *expiry)
{
	struct credssp_accept_args a = {
		.req_flags = req_flags,
		.data_rep = data_rep,
		.options = options,
	};
	struct credssp_buffer *in, *extra, *out;
	struct credssp_net *cn;
	u32 status;

	might_sleep();
	if (new_ctx)
		*new_ctx = NULL;
	in = credssp_find_buf(input, SECBUFFER_TOKEN);
	extra = credssp_find_buf(input, SECBUFFER_EMPTY);
	out = credssp_find_buf(output, SECBUFFER_TOKEN);
	if (!new_ctx || !out || (!in && input && input->count))
		return SEC_E_INVALID_PARAMETER;
	if (ctx ? test_bit(CREDSSP_F_DEAD, &ctx->flags) :
	    !cred || test_bit(CREDSSP_F_DEAD, &cred->flags))
		return SEC_E_INVALID_HANDLE;
	cn = ctx ? ctx->cn : cred->cn;
	if (in) {
		a.input = in->data;
		a.input_len = in->len;
	}
	if (!(req_flags & ASC_REQ_ALLOCATE_MEMORY))
		a.output_size = out->len;

	status = credssp_sspi_accept(cn, &credssp_kernel_caller, cred, ctx,
				     &a);

	*new_ctx = ctx ? ctx : a.new_ctx;
	if (req_flags & ASC_REQ_ALLOCATE_MEMORY) {
		out->data = a.output;
		out->len = a.output_len;
	} else if (status == SEC_E_BUFFER_TOO_SMALL) {
		out->len = a.output_needed;
	} else {
		if (a.output_len)
			memcpy(out->data, a.output, a.output_len);
		out->len = a.output_len;
		kfree_sensitive(a.output);
	}
	if (extra && a.has_extra && a.extra) {
		extra->type = SECBUFFER_EXTRA;
		extra->len = a.extra;
	}
	if (ret_flags && (status == SEC_E_OK ||
			  status == SEC_I_CONTINUE_NEEDED))
		*ret_flags = a.ret_flags;
	if (expiry && status == SEC_E_OK)
		*expiry = a.expiry;
	return status;
}
EXPORT_SYMBOL_GPL(credssp_accept);

/**
 * credssp_delete_ctx - DeleteSecurityContext for a kernel consumer
 * @ctx: a handle from credssp_accept(); invalid afterwards
 *
 * At any stage: a call in progress on it from another thread is abandoned
 * and returns SEC_E_INVALID_HANDLE.
 *
 * Context: process context, may sleep.
 * Return: SEC_E_OK, or SEC_E_INVALID_HANDLE for NULL.
 */
u32 credssp_delete_ctx(struct credssp_ctx *ctx)
{
	might_sleep();
	if (!ctx)
		return SEC_E_INVALID_HANDLE;
	if (!test_bit(CREDSSP_F_DEAD, &ctx->flags))
		credssp_ctx_unlink(ctx);
	credssp_ctx_put(ctx);
	return SEC_E_OK;
}
EXPORT_SYMBOL_GPL(credssp_delete_ctx);

/**
 * credssp_query_ctx - QueryContextAttributes for a kernel consumer
 * @ctx: the context handle
 * @attr: SECPKG_ATTR_*
 * @out: the answer; for SECPKG_ATTR_CREDS(_2), @out->creds.data is the
 *	caller's to free with credssp_free_buffer()
 *
 * Context: process context, may sleep.
 * Return: the SECURITY_STATUS, as CREDSSP_CMD_QUERY_CTX.
 */
u32 credssp_query_ctx(struct credssp_ctx *ctx, u32 attr,
		      struct credssp_ctx_attrs *out)
{
	might_sleep();
	if (!ctx || !out)
		return SEC_E_INVALID_HANDLE;
	return credssp_sspi_query(ctx, attr, out);
}
EXPORT_SYMBOL_GPL(credssp_query_ctx);

/**
 * credssp_free_buffer - free a buffer the API allocated
 * @data: an output token or a credentials payload, or NULL
 *
 * The buffer is wiped first.
 */
void credssp_free_buffer(void *data)
{
	kfree_sensitive(data);
}
EXPORT_SYMBOL_GPL(credssp_free_buffer);
