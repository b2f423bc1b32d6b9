// SPDX-License-Identifier: GPL-2.0
/*
 * credssp_sock_hold.ko - hold a socket's lock from a process, as a thread
 * blocked in send() from memory that faults on a stalled FUSE file or a
 * userfaultfd does (neither is in the tinyconfig test kernels). Writing a
 * file descriptor number to /proc/credssp_sock_hold takes that socket's
 * lock (lock_sock()) and sleeps with it until a signal or 60 s, then lets
 * go; the write returns once the lock is released. Reading the file gives
 * the number of locks held now. Used by
 * tests/selftests/credssp_genl_lock.c (KTLS_ATTACH on a socket whose lock
 * is held must not stall generic netlink).
 */

#include <linux/delay.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/proc_fs.h>
#include <net/sock.h>

#define CREDSSP_HOLD_MS	60000

static atomic_t credssp_hold_n = ATOMIC_INIT(0);

static ssize_t credssp_hold_write(struct file *file, const char __user *buf,
				  size_t len, loff_t *pos)
{
	struct socket *sock;
	int fd, err;

	err = kstrtoint_from_user(buf, len, 10, &fd);
	if (err)
		return err;
	sock = sockfd_lookup(fd, &err);
	if (!sock)
		return err;
	lock_sock(sock->sk);
	atomic_inc(&credssp_hold_n);
	msleep_interruptible(CREDSSP_HOLD_MS);
	atomic_dec(&credssp_hold_n);
	release_sock(sock->sk);
	sockfd_put(sock);
	return len;
}

static ssize_t credssp_hold_read(struct file *file, char __user *buf,
				 size_t len, loff_t *pos)
{
	char num[16];
	int n;

	n = scnprintf(num, sizeof(num), "%d\n", atomic_read(&credssp_hold_n));
	return simple_read_from_buffer(buf, len, pos, num, n);
}

static const struct proc_ops credssp_hold_ops = {
	.proc_read = credssp_hold_read,
	.proc_write = credssp_hold_write,
};

static int __init credssp_hold_init(void)
{
	if (!proc_create("credssp_sock_hold", 0600, NULL, &credssp_hold_ops))
		return -ENOMEM;
	return 0;
}

static void __exit credssp_hold_exit(void)
{
	remove_proc_entry("credssp_sock_hold", NULL);
}

module_init(credssp_hold_init);
module_exit(credssp_hold_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("CredSSP test: hold a socket's lock from a process");
