/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An NTLM user file (gss-ntlmssp's format, documented in
 * tests/lib/ntlm-users.sh), checked strictly, held in memory and indexed by
 * user name, so that a logon hands gss-ntlmssp only the lines that can name
 * its user.
 *
 * Why: gss-ntlmssp 1.2 reads the whole file at every logon and compares each
 * line's names with ulc_casecmp() (Unicode case folding, about 3 us a line):
 * with 100 000 users an NTLM accept cost 297 ms of CPU instead of 0.63 ms
 * (bench/bench_engine -U). The engine gives gss-ntlmssp, for each logon, a
 * file of the candidate lines (helper/gss.c), chosen here.
 *
 * Why that cannot change who logs on: gss-ntlmssp takes the first line, in
 * file order, whose user (and domain, when both have one) matches. The
 * candidates are a subset of the lines in file order, and a superset of the
 * lines that can match the user name: every line whose user field equals
 * it ASCII-case-insensitively (for ASCII strings, Unicode case folding in
 * any locale makes no more pairs equal than ASCII folding does: Turkish
 * makes fewer), and every line whose user field is not plain ASCII (the
 * Kelvin sign folds to 'k'). So the first match among the candidates is the
 * first match in the file. A name that is not plain ASCII is not looked up
 * here (the engine lets gss-ntlmssp read the whole file for it).
 */
#ifndef CSSP_NTLM_USERS_H
#define CSSP_NTLM_USERS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct ntlm_users;

/**
 * ntlm_users_load() - check and index the user file open on @fd
 * @fd:     the file, read from its start and closed
 * @path:   its name, for messages
 * @out:    the index, on success
 * @err:    why not, on failure
 * @errlen: size of @err
 *
 * Every line must be a comment ('#'), blank, "DOMAIN:USER:PASSWORD" (user
 * and password not empty, no '\\' in DOMAIN or USER) or
 * "[DOMAIN\\]USER:UID:LM:NT:..." (user not empty, NT 32 hex digits), at most
 * 1022 bytes without its newline, no NUL; and there is at least one user.
 * gss-ntlmssp skips lines it cannot parse and reads a longer line as two, so
 * a typo would silently drop a user or make one up.
 *
 * Return: 0, or -1 (-2 when out of memory) with a message in @err.
 */
int ntlm_users_load(int fd, const char *path, struct ntlm_users **out, char *err, size_t errlen);

/** ntlm_users_free() - free an index, its copy of the file cleansed first */
void ntlm_users_free(struct ntlm_users *u);

/** ntlm_users_count() - Return: the number of user lines */
size_t ntlm_users_count(const struct ntlm_users *u);

/**
 * ntlm_users_name_ok() - whether ntlm_users_select() looks @user up
 * @user: a user name (UTF-8), or NULL
 *
 * Return: true for a name that is not empty and plain ASCII.
 */
bool ntlm_users_name_ok(const char *user);

/**
 * ntlm_users_select() - write the candidate lines for a user name
 * @u:    the index
 * @user: the user name gss-ntlmssp will look up for an AUTHENTICATE
 *        message: plain ASCII, not empty
 * @fd:   a file written from offset 0 and truncated to what was written
 * @size: the size of @fd on entry, or -1 when the caller does not know it;
 *        its size on a successful return. A file that already has the
 *        size of the answer is not truncated: a logon then makes one
 *        system call here (a memfd keeps its page; ftruncate() to 0 and
 *        writing again freed and allocated it at every logon).
 *
 * Return: the number of lines written, or -1 with errno set (EINVAL for a
 * name that is empty or not plain ASCII); on failure *@size is -1.
 */
long ntlm_users_select(const struct ntlm_users *u, const char *user, int fd, off_t *size);

#endif
