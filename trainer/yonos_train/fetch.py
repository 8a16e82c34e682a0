"""`yonos-train data fetch`: download every original the manifest lists, check it against its pin (git blob SHA-1,
or the archive's sha256), prepare it as documented and write it atomically under the data folder.

Resumable: a file already there with the manifest's sha256 is skipped. A re-encoded file can differ byte for byte
from the manifest's when Pillow's JPEG encoder differs from the one that made the shipped models' data: that is
said in one line, the file is kept (its original was verified) and its sha256 recorded in `.local-sha256.json`, so
a re-run skips it too (`--strict` makes it a failure instead)."""

from __future__ import annotations

import io
import json
import os
import sys
import tarfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from http.client import HTTPException
from pathlib import Path

from PIL import Image
from tqdm import tqdm

from .datasets import PARTIAL_SUFFIX, PREPARATIONS, Archive, Entry, Manifest, git_blob_sha1, sha256, write_atomic

TIMEOUT_S = 60
LEDGER = ".local-sha256.json"


class FetchError(Exception):
    """One file (or archive) could not be fetched; the message is the one line the user sees."""


Check = Callable[[bytes], str | None]  # None when the bytes are right, else what is wrong


@dataclass
class FetchReport:
    present: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    differing: list[str] = field(default_factory=list)  # written, but not byte-identical to the manifest's
    failed: list[str] = field(default_factory=list)

    def summary(self, out: Path) -> str:
        total = len(self.present) + len(self.written) + len(self.failed)
        line = f"{total} files in {out}: {len(self.written)} fetched, {len(self.present)} already there"
        if self.differing:
            line += f", {len(self.differing)} differing from the manifest's sha256 (see above)"
        return line + (f", {len(self.failed)} FAILED" if self.failed else "")


def fetch(manifest: Manifest, out: Path, only: list[str] | None = None, strict: bool = False) -> FetchReport:
    unknown = sorted(set(only or ()) - set(manifest.sets))
    if unknown:
        raise ValueError(f"no set {', '.join(unknown)} in the manifest (sets: {', '.join(manifest.sets)})")
    return _Fetcher(out, strict).run([e for e in manifest.entries if not only or e.set in only], manifest.archives)


class _Fetcher:
    def __init__(self, out: Path, strict: bool):
        self.out, self.strict, self.report = out, strict, FetchReport()
        _remove_partials(out)
        ledger_path = out / LEDGER
        self.ledger: dict[str, str] = json.loads(ledger_path.read_text()) if ledger_path.is_file() else {}

    def run(self, entries: list[Entry], archives: dict[str, Archive]) -> FetchReport:
        todo = []
        for entry in entries:
            if self._is_current(entry):
                self.report.present.append(entry.path)
            else:
                todo.append(entry)
        self.bar = tqdm(total=len(entries), initial=len(entries) - len(todo), unit="file", desc="data fetch")
        with self.bar:
            for entry in todo:
                if entry.urls:
                    self._fetch_one(entry, partial(_download_original, entry))
            for name, archive in archives.items():
                members = [entry for entry in todo if entry.archive == name]
                if members:
                    self._from_archive(archive, members)
        return self.report

    def _is_current(self, entry: Entry) -> bool:
        path = self.out / entry.path
        return path.is_file() and sha256(path.read_bytes()) in {entry.sha256, self.ledger.get(entry.path)}

    def _from_archive(self, archive: Archive, members: list[Entry]) -> None:
        try:
            data = _download_any(archive.urls, _sha256_check(archive.sha256))
            tar = tarfile.open(fileobj=io.BytesIO(data))
        except (FetchError, tarfile.TarError) as error:
            for entry in members:
                self._fail(entry, f"archive {archive.name}: {error}")
                self.bar.update()
            return
        if archive.sha256 is None:
            self._say(
                f"{archive.name}: the manifest pins no sha256 for this archive (got {sha256(data)}); "
                "the prepared files' sha256 are the only check"
            )
        pinned = archive.sha256 is not None
        with tar:
            for entry in members:
                self._fetch_one(entry, partial(_member, tar, entry, pinned))

    def _fetch_one(self, entry: Entry, original: Callable[[], tuple[bytes, bool]]) -> None:
        """`original` gives the original's bytes and whether they were checked against a pin."""
        try:
            self._store(entry, *original())
        except FetchError as error:
            self._fail(entry, str(error))
        except (OSError, ValueError, Image.DecompressionBombError) as error:  # an undecodable original, a full disk…
            self._fail(entry, f"{type(error).__name__}: {error}")
        self.bar.update()

    def _store(self, entry: Entry, original: bytes, verified: bool) -> None:
        preparation = PREPARATIONS[entry.prepare]
        prepared = preparation.run(original)
        digest = sha256(prepared)
        if digest != entry.sha256:
            if not preparation.reencodes or self.strict:
                raise FetchError(f"prepared file's sha256 {digest} differs from the manifest's {entry.sha256}")
            why = "another JPEG encoder build?" if verified else "its original is not pinned, so check it"
            self._say(f"{entry.path}: prepared file's sha256 differs from the manifest's ({why}); kept")
        write_atomic(self.out / entry.path, prepared)
        self._record(entry.path, None if digest == entry.sha256 else digest)
        self.report.written.append(entry.path)
        if digest != entry.sha256:
            self.report.differing.append(entry.path)

    def _record(self, path: str, local_sha256: str | None) -> None:
        if self.ledger.get(path) == local_sha256:
            return
        if local_sha256 is None:
            del self.ledger[path]
        else:
            self.ledger[path] = local_sha256
        write_atomic(self.out / LEDGER, (json.dumps(self.ledger, indent=1, sort_keys=True) + "\n").encode())

    def _fail(self, entry: Entry, reason: str) -> None:
        self._say(f"{entry.path}: {reason}")
        self.report.failed.append(entry.path)

    def _say(self, line: str) -> None:
        tqdm.write(f"yonos-train data fetch: {line}", file=sys.stderr)


def _download_original(entry: Entry) -> tuple[bytes, bool]:
    """The original's bytes from the first URL that gives the pinned content, and whether anything pinned it."""
    if entry.git_blob:
        expected = entry.git_blob
        return _download_any(entry.urls, lambda data: _mismatch("git blob", git_blob_sha1(data), expected)), True
    if not PREPARATIONS[entry.prepare].reencodes:  # a copy: the prepared sha256 pins the original
        return _download_any(entry.urls, _sha256_check(entry.sha256)), True
    return _download_any(entry.urls, lambda data: None), False


def _sha256_check(expected: str | None) -> Check:
    return lambda data: None if expected is None else _mismatch("sha256", sha256(data), expected)


def _mismatch(kind: str, actual: str, expected: str) -> str | None:
    return None if actual == expected else f"{kind} {actual} is not the pinned {expected} (changed or tampered with)"


def _member(tar: tarfile.TarFile, entry: Entry, pinned: bool) -> tuple[bytes, bool]:
    assert entry.member is not None  # load_manifest guarantees it for archive entries
    try:
        stream = tar.extractfile(entry.member)
    except KeyError:
        stream = None
    if stream is None:
        raise FetchError(f"archive {entry.archive} has no file {entry.member}")
    return stream.read(), pinned


def _download_any(urls: tuple[str, ...], check: Check) -> bytes:
    """The first download that passes the check; a mirror is tried when a URL fails or gives other bytes (a
    repository's HEAD moves on, the pinned blob stays)."""
    problems = []
    for url in urls:
        try:
            data = download(url)
        except FetchError as error:
            problems.append(str(error))
            continue
        problem = check(data)
        if problem is None:
            return data
        problems.append(f"{url}: {problem}")
    raise FetchError("; ".join(problems))


def download(url: str) -> bytes:
    request = urllib.request.Request(url, headers=_headers(url))
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            length = response.headers.get("Content-Length")
            expected = int(length) if length and length.isdigit() else None
            data = _read_with_progress(
                response, expected, Path(urllib.parse.unquote(urllib.parse.urlsplit(url).path)).name
            )
    except urllib.error.HTTPError as error:
        raise FetchError(f"{url}: HTTP {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        raise FetchError(f"{url}: {error.reason}") from None
    except (OSError, HTTPException) as error:  # a timeout, a reset or a connection closed mid-body
        raise FetchError(f"{url}: {type(error).__name__} {error}".rstrip()) from None
    if expected is not None and len(data) != expected:
        raise FetchError(f"{url}: download cut short ({len(data)} of {expected} bytes)")
    return data


def _read_with_progress(response: io.BufferedIOBase, expected: int | None, name: str) -> bytes:
    buffer = io.BytesIO()
    with tqdm(total=expected, unit="B", unit_scale=True, desc=name, leave=False) as bar:
        while chunk := response.read(1 << 16):
            buffer.write(chunk)
            bar.update(len(chunk))
    return buffer.getvalue()


def _headers(url: str) -> dict[str, str]:
    headers = {"User-Agent": "yonos-train"}
    if urllib.parse.urlsplit(url).hostname == "api.github.com":
        # The blobs API serves a blob by its SHA-1 whatever happened to its path; raw bytes, not base64 JSON.
        headers["Accept"] = "application/vnd.github.raw+json"
        if token := os.environ.get("GITHUB_TOKEN"):  # 60 requests an hour without, 5000 with
            headers["Authorization"] = f"Bearer {token}"
    return headers


def _remove_partials(out: Path) -> None:
    """What a killed run left (a kill skips the cleanup in `write_atomic`)."""
    if out.is_dir():
        for leftover in out.rglob(f".*{PARTIAL_SUFFIX}"):
            leftover.unlink()
