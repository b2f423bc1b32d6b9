// SPDX-License-Identifier: GPL-2.0
/*
 * hold N CMD [ARG]...: with the scripted helper (fake_helper.h), make N
 * contexts in one session (the first established, as FAKE_PRINCIPAL; the
 * others authenticating), run CMD with CTX_IDS (decimal ids, space
 * separated) and CTX_OK (the established one) in its environment, close the
 * session, and exit with CMD's status (125 if the setup failed). For
 * tests/guest/suite-lib.sh: credsspctl against live contexts.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "credssp.h"
#include "fake_helper.h"

static credssp_status_t step(struct credssp_handle *h, uint64_t cred, uint64_t *ctx, const char *in)
{
	size_t len = 0;
	void *out = NULL;
	credssp_status_t st = credssp_accept(h, cred, ctx, in, strlen(in), &out, &len, NULL);

	credssp_free_context_buffer(out);
	return st;
}

int main(int argc, char **argv)
{
	struct credssp_handle *h;
	char ids[4096] = "", one[32];
	uint64_t cred, ctx;
	int n, i, status;
	pid_t pid;

	if (argc < 3 || (n = atoi(argv[1])) < 1 || n > 100) {
		fprintf(stderr, "usage: hold N CMD [ARG]...\n");
		return 125;
	}
	if (!fake_helper_start())
		return 125;
	h = credssp_open();
	if (!h || credssp_acquire_credentials_handle(h, NULL, "CredSSP", CREDSSP_CRED_USE_INBOUND,
						     &cred, NULL) != CREDSSP_SEC_STATUS_OK) {
		fprintf(stderr, "hold: cannot acquire a credential\n");
		return 125;
	}
	for (i = 0; i < n; i++) {
		ctx = 0;
		if (step(h, cred, &ctx, "CONT") != CREDSSP_SEC_STATUS_CONTINUE_NEEDED ||
		    (i == 0 && step(h, 0, &ctx, "OK") != CREDSSP_SEC_STATUS_OK)) {
			fprintf(stderr, "hold: handshake step failed: %s\n",
				credssp_last_message(h));
			return 125;
		}
		snprintf(one, sizeof(one), "%s%" PRIu64, i ? " " : "", ctx);
		strncat(ids, one, sizeof(ids) - strlen(ids) - 1);
		if (i == 0) {
			snprintf(one, sizeof(one), "%" PRIu64, ctx);
			setenv("CTX_OK", one, 1);
		}
	}
	setenv("CTX_IDS", ids, 1);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		perror(argv[2]);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 125;
	credssp_close(h);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 125;
}
