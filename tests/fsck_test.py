#!/usr/bin/env python3
"""Tests of tools/fsck.c: a clean image passes; each corruption is named.

    python3 tests/fsck_test.py FSCK IMAGE

IMAGE is mkfs's output (root directory, files in it, nothing else).  Each
case corrupts one thing in a fresh copy and expects fsck to exit 1 with a
line containing the text the case names.  tests/run.py runs these as the
results fsck/NAME; run standalone, this prints the same PASS/FAIL lines and
an "N passed, M failed" line.
"""
import os
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import machine  # noqa: E402  (tools/machine.py: standalone())

BSIZE = 1024
NDIRECT = 12
IPB = BSIZE // 64
BPB = BSIZE * 8
ROOTINO = 1


class Image:
    def __init__(self, data):
        self.d = bytearray(data)
        (self.magic, self.size, self.nblocks, self.ninodes, self.nlog,
         self.logstart, self.inodestart, self.bmapstart) = \
            struct.unpack_from("<8I", self.d, BSIZE)

    def u16(self, off, v=None):
        if v is None:
            return struct.unpack_from("<H", self.d, off)[0]
        struct.pack_into("<H", self.d, off, v & 0xffff)

    def u32(self, off, v=None):
        if v is None:
            return struct.unpack_from("<I", self.d, off)[0]
        struct.pack_into("<I", self.d, off, v)

    def inode(self, inum):
        """Byte offset of inode inum."""
        return (self.inodestart + inum // IPB) * BSIZE + (inum % IPB) * 64

    def addr(self, inum, i):
        return self.inode(inum) + 12 + 4 * i

    def dirent(self, slot):
        """Byte offset of entry slot of the root directory."""
        b = self.u32(self.addr(ROOTINO, slot * 16 // BSIZE))
        return b * BSIZE + slot * 16 % BSIZE

    def bit(self, b, v=None):
        off = self.bmapstart * BSIZE + b // 8
        if v is None:
            return self.d[off] >> (b % 8) & 1
        if v:
            self.d[off] |= 1 << (b % 8)
        else:
            self.d[off] &= ~(1 << (b % 8)) & 0xff

    def first_free_block(self):
        return next(b for b in range(self.size) if not self.bit(b))

    def grow_root(self, entry):
        """Gives the root directory one more block, holding entry (16
        bytes) first; the directory's size becomes whole blocks."""
        size = self.u32(self.inode(ROOTINO) + 8)
        nblocks = -(-size // BSIZE)
        b = self.first_free_block()
        self.bit(b, 1)
        self.d[b * BSIZE:(b + 1) * BSIZE] = bytes(entry).ljust(BSIZE, b"\0")
        self.u32(self.addr(ROOTINO, nblocks), b)
        self.u32(self.inode(ROOTINO) + 8, (nblocks + 1) * BSIZE)

    def small_file(self):
        """A file inode of 1 to 11 blocks (README)."""
        for inum in range(2, self.ninodes):
            size = self.u32(self.inode(inum) + 8)
            if self.u16(self.inode(inum)) == 2 and 0 < size <= 11 * BSIZE:
                return inum
        raise RuntimeError("no small file in the image")


# Each case: name, what fsck must print, the corruption.
def cases(img):
    f = img.small_file()
    g = f + 1                     # another file
    free_ino = img.ninodes - 1    # mkfs leaves the last inodes free
    data_of = lambda inum: img.u32(img.addr(inum, 0))
    return [
        ("magic", "superblock magic",
         lambda: img.u32(BSIZE, 0x12345678)),
        ("log-pending", "not yet installed",
         lambda: (img.u32(img.logstart * BSIZE, 1),
                  img.u32(img.logstart * BSIZE + 4, data_of(f)))),
        ("log-too-long", "log header claims",
         lambda: img.u32(img.logstart * BSIZE, 1000)),
        ("log-bad-block", "never logged",
         lambda: (img.u32(img.logstart * BSIZE, 1),
                  img.u32(img.logstart * BSIZE + 4, 1))),
        ("used-not-marked", "but free in the bitmap",
         lambda: img.bit(data_of(f), 0)),
        ("marked-not-used", "marked in the bitmap but nothing uses it",
         lambda: img.bit(img.first_free_block(), 1)),
        ("block-twice", "used twice",
         lambda: img.u32(img.addr(g, 0), data_of(f))),
        ("block-in-inodes", "outside the data area",
         lambda: img.u32(img.addr(f, 0), img.inodestart)),
        ("block-outside", "outside the data area",
         lambda: img.u32(img.addr(f, 0), img.size + 5)),
        ("bad-type", "unknown type 7",
         lambda: img.u16(img.inode(f), 7)),
        ("inode0", "inode 0 is allocated",
         lambda: img.u16(img.inode(0), 2)),
        ("size-over-max", "over the maximum",
         lambda: img.u32(img.inode(f) + 8, (NDIRECT + 256 + 1) * BSIZE)),
        ("size-past-blocks", "but no block",
         lambda: img.u32(img.inode(f) + 8, 12 * BSIZE)),
        ("block-past-size", "beyond its size",
         lambda: (img.u32(img.addr(f, 11), img.first_free_block()),
                  img.bit(img.first_free_block(), 1))),
        ("nlink-high", "nlink 2, but 1",
         lambda: img.u16(img.inode(f) + 6, 2)),
        ("nlink-zero", "nlink 0, but 1",
         lambda: img.u16(img.inode(f) + 6, 0)),
        ("orphan", "orphaned file",
         lambda: img.u16(img.dirent(3), 0)),
        ("entry-free-inode", f"names free inode {free_ino}",
         lambda: img.u16(img.dirent(3), free_ino)),
        ("entry-out-of-range", "out of range",
         lambda: img.u16(img.dirent(3), 60000)),
        ("dot-wrong", "'.' names inode",
         lambda: img.u16(img.dirent(0), f)),
        ("dotdot-wrong", "'..' names inode",
         lambda: img.u16(img.dirent(1), f)),
        ("dot-missing", "entry 0 ('.') is empty",
         lambda: img.u16(img.dirent(0), 0)),
        ("second-dot", "a second '.'",
         lambda: img.d.__setitem__(slice(img.dirent(3) + 2, img.dirent(3) + 16),
                                   b".".ljust(14, b"\0"))),
        ("dup-name", "appears twice",
         lambda: img.d.__setitem__(slice(img.dirent(4) + 2, img.dirent(4) + 16),
                                   img.d[img.dirent(3) + 2:img.dirent(3) + 16])),
        ("dup-name-blocks", "appears twice",
         lambda: img.grow_root(img.d[img.dirent(3):img.dirent(3) + 16])),
        ("dir-size", "not a whole number of entries",
         lambda: img.u32(img.inode(ROOTINO) + 8,
                         img.u32(img.inode(ROOTINO) + 8) - 3)),
        ("root-not-dir", "root inode 1 is not a directory",
         lambda: img.u16(img.inode(ROOTINO), 2)),
        ("device-major", "major 99 out of range",
         lambda: (img.u16(img.inode(f), 3), img.u16(img.inode(f) + 2, 99))),
    ]


def run_fsck(fsck, path):
    p = subprocess.run([fsck, path], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    return p.returncode, p.stdout


def run(fsck, image, add):
    """Runs every case; add(kind, name, reason) records each result."""
    with open(image, "rb") as f:
        clean = f.read()
    with tempfile.TemporaryDirectory(prefix="cowbird-fsck-") as tmp:
        path = os.path.join(tmp, "fs.img")
        with open(path, "wb") as f:
            f.write(clean)
        rc, out = run_fsck(fsck, path)
        if rc == 0:
            add("ok", "fsck/mkfs-clean", "")
        else:
            add("FAIL", "fsck/mkfs-clean", f"exit {rc} on mkfs's image: {out.strip()}")
            return
        for i in range(len(cases(Image(clean)))):
            img = Image(clean)          # each case corrupts a fresh copy
            name, want, corrupt = cases(img)[i]
            corrupt()
            with open(path, "wb") as f:
                f.write(img.d)
            rc, out = run_fsck(fsck, path)
            if rc == 1 and want in out:
                add("ok", "fsck/" + name, "")
            else:
                add("FAIL", "fsck/" + name,
                    f"want exit 1 and {want!r}; got exit {rc}: "
                    + " | ".join(out.strip().split("\n")[:4]))


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    return machine.standalone(lambda add, _: run(sys.argv[1], sys.argv[2], add),
                              "cowbird-fsck-")


if __name__ == "__main__":
    sys.exit(main())
