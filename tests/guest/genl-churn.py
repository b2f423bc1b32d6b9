#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""genl-churn.py NETNS WORKERS STOPFILE: generic netlink sockets coming and
going in many network namespaces, for tests/guest/suite-reload.sh.

Makes NETNS network namespaces (unshare(CLONE_NEWNET), kept by their fds),
then WORKERS processes loop over them until STOPFILE exists: in each netns,
open a NETLINK_GENERIC socket (bound: a portid), send CTRL_CMD_GETFAMILY
"nlctrl", read the answer and close the socket. (Not "credssp": while the
module is unloaded, every lookup of a missing family runs modprobe for its
alias, which throttles the churn to a few closes a second.)
Every close runs the NETLINK_URELEASE notifiers of every module in that
netns, credssp.ko's included (credssp_netlink_notify() ->
credssp_pernet()). One process does thousands of these a second, where a
shell loop of genl(8) does tens. Prints "ready" once the namespaces exist,
and at the end "closes N".
"""
import ctypes
import os
import socket
import struct
import sys
import time

CLONE_NEWNET = 0x40000000
NETLINK_GENERIC = 16
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_NAME = 2
NLM_F_REQUEST = 1
NLM_F_ACK = 4

libc = ctypes.CDLL(None, use_errno=True)


def check(ret, what):
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, "%s: %s" % (what, os.strerror(err)))


def getfamily(seq):
    name = b"nlctrl\0"
    attr = struct.pack("=HH", 4 + len(name), CTRL_ATTR_FAMILY_NAME) + name
    attr += b"\0" * (-len(attr) % 4)
    genl = struct.pack("=BBH", CTRL_CMD_GETFAMILY, 1, 0)
    length = 16 + len(genl) + len(attr)
    hdr = struct.pack("=IHHII", length, GENL_ID_CTRL,
                      NLM_F_REQUEST | NLM_F_ACK, seq, 0)
    return hdr + genl + attr


def main():
    n_netns, workers, stop = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    nets = []
    for _ in range(n_netns):
        check(libc.unshare(CLONE_NEWNET), "unshare")
        nets.append(os.open("/proc/self/ns/net", os.O_RDONLY))
    print("ready", flush=True)

    pids = []
    for w in range(workers):
        pid = os.fork()
        if pid:
            pids.append(pid)
            continue
        mine = nets[w::workers]
        t0 = time.monotonic()
        closes = seq = 0
        while not os.path.exists(stop):
            for fd in mine:
                check(libc.setns(fd, CLONE_NEWNET), "setns")
                s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                  NETLINK_GENERIC)
                s.bind((0, 0))
                seq += 1
                s.send(getfamily(seq))
                s.recv(65536)
                s.close()
                closes += 1
        # The count goes through a file: an exit status holds 8 bits.
        with open("%s.%d" % (stop, w), "w") as f:
            f.write("%d %.1f\n" % (closes, time.monotonic() - t0))
        os._exit(0)
    status = 0
    for pid in pids:
        _, st = os.waitpid(pid, 0)
        status |= st
    total, secs = 0, 0.0
    for w in range(workers):
        with open("%s.%d" % (stop, w)) as f:
            n, t = f.read().split()
            total += int(n)
            secs = max(secs, float(t))
    print("closes %d in %.1f s" % (total, secs), flush=True)
    return 1 if status else 0


if __name__ == "__main__":
    sys.exit(main())
