"""Evidence files on disk, addressed by SHA-256 (DESIGN.md §2; HTTP in ``blobs.py``).

Layout: ``ROOT/ab/abcdef…`` for a complete file, ``ROOT/ab/abcdef….part`` while it is uploaded.
The ``.part`` file's length *is* the upload offset: chunks are appended and fsynced before the
offset is reported, so a client resuming after a dropped connection continues from what is on disk.

Concurrency: ``lock(sha)`` serialises writers of one hash within this process (a per-hash
``threading.Lock``) and across processes (an exclusive ``flock`` on ``ROOT/ab/abcdef….lock``), so
several ``jiefen serve`` processes sharing the blob directory never interleave one upload's chunks.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SHA256_RE = re.compile(r"[0-9a-f]{64}")
CHUNK_MAX = 256 * 1024
"""Largest body of one PUT."""

CONTENT_TYPES = ("image/jpeg", "image/png", "image/webp", "application/pdf")


def is_sha256(value: str) -> bool:
    return SHA256_RE.fullmatch(value) is not None


def sniff(head: bytes) -> str | None:
    """The content type told by a file's first bytes (magic numbers), or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._guard = threading.Lock()
        self._locks: dict[str, tuple[threading.Lock, int]] = {}  # sha -> (lock, holders + waiters)

    # -- paths ------------------------------------------------------------------------------
    def path(self, sha: str) -> Path:
        assert is_sha256(sha)
        return self.root / sha[:2] / sha

    def part_path(self, sha: str) -> Path:
        return self.path(sha).with_suffix(".part")

    # -- locking ----------------------------------------------------------------------------
    @contextmanager
    def lock(self, sha: str) -> Iterator[None]:
        """Hold the per-hash write lock (entries are dropped when nobody holds or waits)."""
        with self._guard:
            lk, n = self._locks.get(sha, (threading.Lock(), 0))
            self._locks[sha] = (lk, n + 1)
        try:
            with lk, self._file_lock(sha):
                yield
        finally:
            with self._guard:
                lk, n = self._locks[sha]
                if n == 1:
                    del self._locks[sha]
                else:
                    self._locks[sha] = (lk, n - 1)

    @contextmanager
    def _file_lock(self, sha: str) -> Iterator[None]:
        """The cross-process half of ``lock``: ``flock`` on ``ROOT/ab/{sha}.lock``.

        The holder unlinks the file before it lets go, so no lock file outlives its upload. A
        waiter that then wins the ``flock`` holds an unlinked inode: it sees the path is gone or is
        another file (a newer writer's) and tries again, so two holders can never coexist."""
        path = self.path(sha).with_suffix(".lock")
        path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                held = os.fstat(fd)
                try:
                    current = os.stat(path)
                except FileNotFoundError:
                    current = None
            except BaseException:
                os.close(fd)
                raise
            if current is not None and (current.st_ino, current.st_dev) == (held.st_ino, held.st_dev):
                break
            os.close(fd)  # we locked a file its holder already removed: take the new one
        try:
            yield
        finally:
            try:
                path.unlink()
            finally:
                os.close(fd)  # closing releases the lock

    # -- partial uploads (call under ``lock``) ----------------------------------------------
    def received(self, sha: str) -> int:
        """Bytes of the partial upload on disk (0 when there is none)."""
        try:
            return self.part_path(sha).stat().st_size
        except FileNotFoundError:
            return 0

    def append(self, sha: str, offset: int, data: bytes) -> int:
        """Append ``data`` at ``offset`` (must equal ``received``), fsync; returns the new length."""
        part = self.part_path(sha)
        part.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            size = os.fstat(fd).st_size
            if size != offset:
                raise ValueError(f"offset {offset} != received {size}")
            view = memoryview(data)
            while view:
                n = os.write(fd, view)
                view = view[n:]
            os.fsync(fd)
            return size + len(data)
        finally:
            os.close(fd)

    def discard(self, sha: str) -> None:
        self.part_path(sha).unlink(missing_ok=True)

    def check(self, sha: str) -> tuple[bool, str | None]:
        """(whether the partial file hashes to ``sha``, its sniffed content type)."""
        h = hashlib.sha256()
        with self.part_path(sha).open("rb") as f:
            head = f.read(16)
            h.update(head)
            while block := f.read(1024 * 1024):
                h.update(block)
        return h.hexdigest() == sha, sniff(head)

    def promote(self, sha: str) -> None:
        """Move the verified partial file into place (atomic rename, directory fsynced)."""
        final = self.path(sha)
        os.replace(self.part_path(sha), final)
        _fsync_dir(final.parent)

    # -- complete files ---------------------------------------------------------------------
    def exists(self, sha: str) -> bool:
        return self.path(sha).is_file()


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover — platforms without directory handles
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


__all__ = ["CHUNK_MAX", "CONTENT_TYPES", "BlobStore", "is_sha256", "sniff"]
