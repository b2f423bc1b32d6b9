#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""ynl-spec-check.py KSRC: check Documentation/netlink/specs/credssp.yaml
against uapi/linux/credssp.h, as TAP.

1. the spec validates against the kernel's genetlink-legacy schema (YNL's
   own loader, from KSRC/tools/net/ynl);
2. every command, attribute, enum entry and constant the spec names has
   the same value in the header (checked by the C compiler: a generated
   file of _Static_asserts compiled against the header);
3. every CREDSSP_CMD_* and CREDSSP_A_* name of the header is in the spec.
"""
import os
import re
import subprocess
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
repo = os.path.dirname(here)
ksrc = sys.argv[1]
spec_path = os.path.join(repo, "Documentation/netlink/specs/credssp.yaml")
header = os.path.join(repo, "uapi/linux/credssp.h")
sys.path.insert(0, os.path.join(ksrc, "tools/net/ynl"))

n = 0
failed = 0


def result(ok, name, diag=""):
    global n, failed
    n += 1
    print(("ok %d - %s" if ok else "not ok %d - %s") % (n, name))
    if not ok:
        failed += 1
        for line in diag.splitlines()[:30]:
            print("# " + line)


def cname(s):
    return s.upper().replace("-", "_")


try:
    from lib import SpecFamily

    family = SpecFamily(spec_path, os.path.join(ksrc, "Documentation/netlink/genetlink-legacy.yaml"))
    result(True, "spec loads and validates against genetlink-legacy.yaml")
except Exception as e:  # noqa: BLE001 - any failure of the loader is the test's result
    result(False, "spec loads and validates against genetlink-legacy.yaml", repr(e))
    print("1..%d" % n)
    sys.exit(1)

names = {}
fam = family.yaml
ops_prefix = fam["operations"].get("name-prefix", fam["name"] + "-cmd-")
for op in family.msgs.values():
    names[cname(ops_prefix + op.name)] = op.value
for aset in family.attr_sets.values():
    prefix = aset.yaml.get("name-prefix", fam["name"] + "-a-" + aset.name + "-")
    for attr in aset.attrs.values():
        names[cname(prefix + attr.name)] = attr.value
for d in fam.get("definitions", []):
    if d["type"] == "const":
        names[cname(fam["name"] + "-" + d["name"])] = d["value"]
    elif d["type"] == "enum":
        prefix = d.get("name-prefix", fam["name"] + "-" + d["name"] + "-")
        for i, e in enumerate(d["entries"]):
            names[cname(prefix + e)] = d.get("value-start", 0) + i
names["CREDSSP_GENL_VERSION"] = fam.get("version", 1)

with tempfile.TemporaryDirectory() as tmp:
    src = os.path.join(tmp, "spec.c")
    with open(src, "w") as f:
        f.write("#include <linux/credssp.h>\n")
        for k, v in sorted(names.items()):
            f.write('_Static_assert(%s == %d, "%s: spec says %d");\n' % (k, v, k, v))
    p = subprocess.run(["cc", "-std=gnu11", "-fsyntax-only", "-I" + os.path.join(repo, "uapi"), src],
                       capture_output=True, text=True)
    result(p.returncode == 0, "%d spec names have the header's values" % len(names), p.stderr)

text = open(header).read()
declared = set(re.findall(r"^\s*(CREDSSP_(?:CMD|A)_[A-Z0-9_]+)\s*[,=]", text, re.M))
declared = {d for d in declared if not re.search(r"_(UNSPEC|MAX)$", d)}
missing = sorted(declared - set(names))
result(not missing, "every command and attribute of the header is in the spec (%d)" % len(declared),
       "missing from the spec: " + " ".join(missing))
print("1..%d" % n)
sys.exit(1 if failed else 0)
