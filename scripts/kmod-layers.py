#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""scripts/kmod-layers.py: the shape of credssp.ko's sources, as TAP.

1. Layers: the file list in kmod/credssp.h's head comment is an order;
   each kmod/*.c may call non-static functions of files below it only
   (no call cycle between files, the accept path goes down once).
2. One owner: ctx->lock is taken (spin_lock) in kmod/ctx.c only.
3. No kmod function body over 80 lines.
"""
import glob
import os
import re
import sys

repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
kmod = os.path.join(repo, "kmod")
n = failed = 0


def tap(ok, name, why=""):
    global n, failed
    n += 1
    print(("ok" if ok else "not ok") + f" {n} {name}")
    if not ok:
        failed += 1
        for line in why.splitlines():
            print("# " + line)


def code(path):
    with open(path, encoding="utf-8") as f:
        s = f.read()
    return re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), s, flags=re.S)


head = open(os.path.join(kmod, "credssp.h"), encoding="utf-8").read()
order = re.findall(r"^ \*   (\w+\.c) ", head.split("Locking,")[0], re.M)
rank = {f: i for i, f in enumerate(order)}
files = sorted(os.path.basename(p) for p in glob.glob(os.path.join(kmod, "*.c")))
generated = {"netlink-gen.c", "netlink-compat.c"}
missing = [f for f in files if f not in rank and f not in generated]
tap(not missing, "every kmod file is in credssp.h's list", "not listed: " + " ".join(missing))

defs = {}
for f in files:
    for m in re.finditer(r"^(?!static)[a-z][\w \*]*?\b(credssp_\w+)\(", code(os.path.join(kmod, f)), re.M):
        defs[m.group(1)] = f
bad = []
for f in files:
    if f in generated:
        continue
    for name in sorted(set(re.findall(r"\b(credssp_\w+)\(", code(os.path.join(kmod, f))))):
        d = defs.get(name)
        if d and d != f and d not in generated and rank.get(d, -1) <= rank.get(f, -1):
            bad.append(f"{f} calls {name}() of {d}, not below it")
tap(not bad, "each file calls only files below it (no cycle)", "\n".join(bad))

lockers = sorted(f for f in files if re.search(r"spin_lock(_bh|_irq\w*)?\(&\w*ctx->lock\)", code(os.path.join(kmod, f))))
tap(lockers == ["ctx.c"], "ctx->lock is taken in ctx.c only", "taken in: " + " ".join(lockers))

long_fns = []
for f in files:
    if f in generated:
        continue
    name, start = None, None
    for i, line in enumerate(code(os.path.join(kmod, f)).splitlines(), 1):
        m = re.match(r"^[a-z].*?\b(\w+)\(", line)
        if m and not line.rstrip().endswith(";"):
            name = m.group(1)
        if line.startswith("{"):
            start = i
        elif line.startswith("}") and start:
            if i - start - 1 > 80:
                long_fns.append(f"{f}: {name}() has {i - start - 1} lines")
            start = None
tap(not long_fns, "no kmod function over 80 lines", "\n".join(long_fns))
print(f"1..{n}")
sys.exit(1 if failed else 0)
