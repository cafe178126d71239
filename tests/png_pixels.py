#!/usr/bin/env python3
"""png_pixels.py FILE.png X,Y ... -- an independent PNG reader for the tests
(struct + zlib only, following the PNG specification): checks the
signature and every chunk's CRC, inflates the IDAT stream, undoes the row
filters (None, Sub, Up, Average, Paeth) and prints "W H COLOURTYPE" and then
"R G B" for each pixel asked for.  Palette (3) and RGB (2) images, 8 bits
per sample.  Exit status 1 with a reason on anything else."""
import struct
import sys
import zlib


def fail(why):
    print("png_pixels: " + why, file=sys.stderr)
    sys.exit(1)


def main():
    data = open(sys.argv[1], "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail("not a PNG signature")
    pos, chunks = 8, []
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        crc, = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        if zlib.crc32(kind + body) & 0xffffffff != crc:
            fail("bad CRC in chunk %r" % kind)
        chunks.append((kind, body))
        pos += 12 + length
    if chunks[0][0] != b"IHDR" or chunks[-1][0] != b"IEND":
        fail("IHDR must come first and IEND last")
    w, h, depth, ctype, comp, filt, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    if depth != 8 or ctype not in (2, 3) or interlace != 0:
        fail("only 8-bit palette or RGB images without interlace")
    palette = b"".join(b for k, b in chunks if k == b"PLTE")
    raw = zlib.decompress(b"".join(b for k, b in chunks if k == b"IDAT"))
    bpp = 1 if ctype == 3 else 3
    stride = w * bpp
    if len(raw) != h * (stride + 1):
        fail("%d bytes of image data, expected %d" % (len(raw), h * (stride + 1)))
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pred) & 255
            elif f != 0:
                fail("unknown filter %d in row %d" % (f, y))
        rows.append(line)
        prev = line
    print(w, h, ctype)
    for spec in sys.argv[2:]:
        x, y = (int(v) for v in spec.split(","))
        if ctype == 3:
            i = rows[y][x]
            if 3 * i + 3 > len(palette):
                fail("index %d outside the palette" % i)
            print(*palette[3 * i:3 * i + 3])
        else:
            print(*rows[y][3 * x:3 * x + 3])


main()
