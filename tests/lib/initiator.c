// SPDX-License-Identifier: GPL-2.0
/*
 * The tests' MIT GSSAPI initiator credentials (initiator.h).
 */
#include <string.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>

#include "initiator.h"

OM_uint32 initiator_init(const char *user, const char *nt_hash, const char *ccache,
			 gss_OID cred_mech, gss_OID neg_mech, const char *target,
			 gss_cred_id_t *cred, gss_name_t *name, OM_uint32 *min, const char **what)
{
	gss_buffer_desc ubuf = {strlen(user), (void *)user};
	gss_buffer_desc tbuf = {strlen(target), (void *)target};
	gss_OID_set_desc mechs = {1, cred_mech}, neg = {1, neg_mech};
	gss_key_value_element_desc element;
	gss_key_value_set_desc store = {1, &element};
	gss_name_t uname = GSS_C_NO_NAME;
	OM_uint32 maj, m;

	*cred = GSS_C_NO_CREDENTIAL;
	*name = GSS_C_NO_NAME;
	element.key = nt_hash ? "ntlmssp_nthash" : "ccache";
	element.value = nt_hash ? nt_hash : ccache;
	*what = "import user";
	maj = gss_import_name(min, &ubuf, GSS_C_NT_USER_NAME, &uname);
	if (GSS_ERROR(maj))
		return maj;
	*what = "client credential";
	maj = gss_acquire_cred_from(min, uname, GSS_C_INDEFINITE, &mechs, GSS_C_INITIATE, &store,
				    cred, NULL, NULL);
	gss_release_name(&m, &uname);
	if (GSS_ERROR(maj))
		return maj;
	if (neg_mech) {
		*what = "gss_set_neg_mechs";
		maj = gss_set_neg_mechs(min, *cred, &neg);
		if (GSS_ERROR(maj))
			return maj;
	}
	*what = "import target";
	return gss_import_name(min, &tbuf, GSS_C_NT_HOSTBASED_SERVICE, name);
}

void initiator_release(gss_ctx_id_t *ctx, gss_cred_id_t *cred, gss_name_t *name)
{
	OM_uint32 min;

	if (ctx && *ctx != GSS_C_NO_CONTEXT)
		gss_delete_sec_context(&min, ctx, GSS_C_NO_BUFFER);
	if (cred && *cred != GSS_C_NO_CREDENTIAL)
		gss_release_cred(&min, cred);
	if (name && *name != GSS_C_NO_NAME)
		gss_release_name(&min, name);
}
