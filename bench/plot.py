#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""bench/plot.py RESULTS PNG: authentications per second against concurrency,
one line per server, from the RESULT lines of bench/peers.sh (e.g.
bench/results/peers.txt, which `make bench-peers` writes), and a second
panel with the server CPU per authentication (net of the idle rate).

bench/plot.py --ctx LABEL=RESULTS... PNG: accept latency (median and p99)
and the idle guest's CPU against the live contexts, one line per run, from
the RESULT lines of bench/ctx_scale.sh (e.g. bench/results/ctx-after.txt).

Needs python3-matplotlib (apt-get install python3-matplotlib). Not a test.
"""
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

LABELS = {
    "socket": "kcredssp socket mode (credssp-gate)",
    "token": "kcredssp token mode (sspi_front)",
    "shadow2": "FreeRDP 2 freerdp-shadow-cli",
    "shadow3": "FreeRDP 3 freerdp-shadow-cli3",
}


def read(path):
    """{server: [(conc, fields)]} from the RESULT lines of PATH."""
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.startswith("RESULT "):
                continue
            kv = dict(re.findall(r"(\w+)=(\S+)", line))
            out.setdefault(kv["server"], []).append((int(kv["conc"]), kv))
    return out


def read_ctx(path):
    """{live: fields} of the accept and idle RESULT lines of a ctx_scale run."""
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"RESULT (accept|idle) (.*)", line)
            if m:
                kv = dict(re.findall(r"(\w+)=(\S+)", m.group(2)))
                out.setdefault(int(kv["live"]), {}).update(kv)
    return out


def main_ctx(runs, png):
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.5))
    for arg in runs:
        label, _, path = arg.partition("=")
        data = read_ctx(path)
        live = sorted(n for n in data if n > 0 and "median_us" in data[n])
        if not live:
            sys.exit("plot.py: no accept RESULT lines in " + path)
        line = ax1.plot(live, [float(data[n]["median_us"]) / 1e3 for n in live], "-o",
                        label=label + ": median")
        ax1.plot(live, [float(data[n]["p99_us"]) / 1e3 for n in live], "--^",
                 color=line[0].get_color(), label=label + ": p99")
        idle = sorted(n for n in data if n > 0 and "busy_pct_of_a_cpu" in data[n])
        ax2.plot(idle, [float(data[n]["busy_pct_of_a_cpu"]) for n in idle], "-o", label=label)
    for ax in (ax1, ax2):
        ax.set_xscale("log")
        ax.set_xlabel("live established contexts")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    ax1.set_yscale("log")
    ax1.set_ylabel("ACCEPT round trip, ms (200 per point)")
    ax1.set_title("accept latency against live contexts")
    ax2.set_ylabel("% of a CPU, guest idle for 3 s")
    ax2.set_title("the kernel's background work")
    fig.suptitle("credssp.ko in a QEMU TCG guest (Debian 6.12), bench/ctx_scale: compare by ratios",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(png, dpi=100)


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "--ctx":
        main_ctx(sys.argv[2:-1], sys.argv[-1])
        return
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    data = read(sys.argv[1])
    if not data:
        sys.exit("plot.py: no RESULT lines in " + sys.argv[1])
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.5))
    for server in [s for s in LABELS if s in data] + [s for s in data if s not in LABELS]:
        rows = sorted(data[server], key=lambda r: r[0])
        conc = [c for c, _ in rows]
        rate = [float(kv["rate"]) for _, kv in rows]
        low = [max(0.0, float(kv["rate"]) - float(kv["rate_min"])) for _, kv in rows]
        high = [max(0.0, float(kv["rate_max"]) - float(kv["rate"])) for _, kv in rows]
        net = [float(kv.get("net_ms", kv["server_ms"])) for _, kv in rows]
        style = "-o" if server in ("socket", "token") else "--s"
        ax1.errorbar(conc, rate, yerr=[low, high], fmt=style, capsize=3,
                     label=LABELS.get(server, server))
        ax2.plot(conc, net, style, label=LABELS.get(server, server))
    for ax in (ax1, ax2):
        ax.set_xscale("log", base=2)
        ax.set_xticks(sorted({c for rows in data.values() for c, _ in rows}))
        ax.get_xaxis().set_major_formatter(matplotlib.ticker.ScalarFormatter())
        ax.set_xlabel("concurrent clients")
        ax.grid(True, alpha=0.3)
    ax1.set_ylabel("authentications per second (median of rounds, min-max)")
    ax1.set_title("NLA (NTLM, TLS 1.3) authentications per second")
    ax2.set_yscale("log")
    ax2.set_ylabel("server CPU ms per authentication, net of idle")
    ax2.set_title("server CPU per authentication")
    ax1.legend(fontsize=8)
    fig.suptitle("QEMU TCG guest (Debian 6.12), xfreerdp 2 on the host: compare by ratios",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=100)


if __name__ == "__main__":
    main()
