/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What another thread of the process sees while one thread impersonates:
 * the impersonation tests of lib/tests/sspi_handshake.c (guest) and
 * tests/unit/sspi.c (host). Start other_thread() with a struct other whose
 * barriers count 2; pass "go" once switched, read euid/fsuid after "done".
 */
#ifndef SSPI_TESTS_OTHER_THREAD_H
#define SSPI_TESTS_OTHER_THREAD_H

#include <pthread.h>
#include <sys/fsuid.h>
#include <unistd.h>

struct other {
	pthread_barrier_t go, done;
	uid_t euid, fsuid;
};

static void *other_thread(void *arg)
{
	struct other *o = arg;

	pthread_barrier_wait(&o->go);
	o->euid = geteuid();
	o->fsuid = (uid_t)setfsuid((uid_t)-1);
	pthread_barrier_wait(&o->done);
	return NULL;
}

#endif
