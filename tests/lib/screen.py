#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""tests/lib/screen.py XWD [PNG]: judge a screenshot taken with xwd(1).

Prints "session=S login=L": the share of the picture in the colour of alice's
session in the test guest (tests/guest/rdp-guest.sh: her terminal's #307850)
and in the colours of xrdp's login dialog (xrdp.ini: ls_top_window_bg_color
009cb5, ls_bg_color dedede), each channel within 12 (a 16 bpp client rounds
colours). With PNG, also writes the picture there (RGB, 8 bits).

Reads TrueColor ZPixmap dumps of 24 or 32 bits per pixel (what Xvfb gives);
anything else is an error (exit 2), never a guess.
"""
import struct
import sys
import zlib

SESSION = (0x30, 0x78, 0x50)
LOGIN = ((0x00, 0x9C, 0xB5), (0xDE, 0xDE, 0xDE))
TOLERANCE = 12


def die(msg):
    print("screen.py: " + msg, file=sys.stderr)
    sys.exit(2)


def shift_of(mask):
    s = 0
    while mask and not mask & 1:
        mask >>= 1
        s += 1
    return s


def read_xwd(path):
    data = open(path, "rb").read()
    if len(data) < 100:
        die(path + ": too short for an XWD header")
    h = struct.unpack(">25I", data[:100])
    (hsize, version, fmt, _depth, width, height, _xoff, byte_order, _unit,
     _bit_order, _pad, bpp, bpl, vclass, rmask, gmask, bmask, _bits_rgb,
     _cmap, ncolors) = h[:20]
    if version != 7 or fmt != 2 or vclass not in (4, 5) or bpp not in (24, 32):
        die("%s: not a TrueColor ZPixmap of 24/32 bpp (version %d, format %d, "
            "class %d, bpp %d)" % (path, version, fmt, vclass, bpp))
    off = hsize + ncolors * 12
    if width == 0 or height == 0 or off + height * bpl > len(data):
        die(path + ": truncated image")
    step = bpp // 8
    # Each channel a whole byte of the pixel: its index in the pixel's bytes.
    index = []
    for m in (rmask, gmask, bmask):
        s = shift_of(m)
        if m >> s != 0xFF or s % 8 or s // 8 >= step:
            die("%s: channel mask %#x is not one byte" % (path, m))
        index.append(s // 8 if byte_order == 0 else step - 1 - s // 8)
    rgb = bytearray(width * height * 3)
    for y in range(height):
        row = data[off + y * bpl: off + y * bpl + width * step]
        o = y * width * 3
        for c in range(3):
            rgb[o + c: o + width * 3: 3] = row[index[c]::step]
    return width, height, bytes(rgb)


def write_png(path, width, height, rgb):
    raw = b"".join(b"\0" + rgb[y * width * 3:(y + 1) * width * 3]
                   for y in range(height))

    def chunk(kind, body):
        c = struct.pack(">I", len(body)) + kind + body
        return c + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw, 9)))
        f.write(chunk(b"IEND", b""))


def near(r, g, b, c):
    return (abs(r - c[0]) <= TOLERANCE and abs(g - c[1]) <= TOLERANCE
            and abs(b - c[2]) <= TOLERANCE)


def main():
    if len(sys.argv) not in (2, 3):
        die("usage: screen.py XWD [PNG]")
    width, height, rgb = read_xwd(sys.argv[1])
    if len(sys.argv) == 3:
        write_png(sys.argv[2], width, height, rgb)
    counts = {}
    for i in range(0, len(rgb), 3):
        key = rgb[i:i + 3]
        counts[key] = counts.get(key, 0) + 1
    session = login = 0
    for (r, g, b), n in ((tuple(k), n) for k, n in counts.items()):
        if near(r, g, b, SESSION):
            session += n
        elif any(near(r, g, b, c) for c in LOGIN):
            login += n
    total = width * height
    print("session=%.3f login=%.3f" % (session / total, login / total))


if __name__ == "__main__":
    main()
