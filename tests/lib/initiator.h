/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The MIT GSSAPI initiator side of the tests (tests/unit/gss.c, and the
 * CredSSP client of cssp_client.c): a credential for a user from an NT hash
 * (gss-ntlmssp) or from the TGT in a ccache (krb5), optionally limited to
 * one mechanism under SPNEGO, and the target's host-based service name.
 * Neither asks gss-ntlmssp for NTOWFv1(), whose MD4 leaks in gss-ntlmssp 1.2.
 */
#ifndef KCREDSSP_TEST_INITIATOR_H
#define KCREDSSP_TEST_INITIATOR_H

#include <gssapi/gssapi.h>

/*
 * Acquire *@cred for @user (NTLM: the NT hash @nt_hash, 32 hex digits;
 * @nt_hash NULL: Kerberos from @ccache, "FILE:...") for @cred_mech; under
 * SPNEGO, @neg_mech (if set) is the only mechanism offered. Import @target
 * ("service@host") into *@name. Returns the GSS major status; on failure
 * *@min is the minor status and *@what names the call that failed. The
 * caller releases what was made with initiator_release(), also on failure.
 */
OM_uint32 initiator_init(const char *user, const char *nt_hash, const char *ccache,
			 gss_OID cred_mech, gss_OID neg_mech, const char *target,
			 gss_cred_id_t *cred, gss_name_t *name, OM_uint32 *min, const char **what);

/* Delete the context and release the credential and name; each may be empty. */
void initiator_release(gss_ctx_id_t *ctx, gss_cred_id_t *cred, gss_name_t *name);

#endif /* KCREDSSP_TEST_INITIATOR_H */
