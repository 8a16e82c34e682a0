"""`yonos-train data fetch` against a real local HTTP server serving generated originals and a tiny manifest."""

from __future__ import annotations

import hashlib
import io
import json
import socket
import tarfile
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from conftest import smooth_image
from PIL import Image, JpegImagePlugin

from yonos_train.cli import main
from yonos_train.datasets import DEFAULT_MANIFEST, PREPARATIONS, git_blob_sha1, load_manifest
from yonos_train.fetch import LEDGER, _headers


@dataclass
class Server:
    """Serves `files` by URL path; `truncated` paths promise their whole length but send half, then hang up."""

    port: int = 0
    files: dict[str, bytes] = field(default_factory=dict)
    truncated: set[str] = field(default_factory=set)
    requests: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}"


@pytest.fixture
def server() -> Iterator[Server]:
    state = Server()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = urllib.parse.unquote(self.path.lstrip("/"))
            state.requests.append(path)
            body = state.files.get(path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2] if path in state.truncated else body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()


def _encoded(pixels: np.ndarray, format: str) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format, quality=90)
    return out.getvalue()


@pytest.fixture(scope="module")
def originals() -> dict[str, bytes]:
    rng = np.random.default_rng(3)
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as tar:
        for name in ("1.jpg", "2.jpg"):
            data = _encoded(smooth_image(rng, 48, 72), "JPEG")
            info = tarfile.TarInfo(f"BSDS/train/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return {
        "repo/big photo.png": _encoded(smooth_image(rng, 1000, 1700), "PNG"),  # downscaled to 1600 px
        "repo/small.jpg": _encoded(smooth_image(rng, 200, 300), "JPEG"),  # kept at its size
        "set5/bird.png": _encoded(smooth_image(rng, 64, 64), "PNG"),
        "bsds.tgz": archive.getvalue(),
    }


def _read_member(tar: tarfile.TarFile, name: str) -> bytes:
    stream = tar.extractfile(name)
    assert stream is not None
    return stream.read()


def _prepared_sha256(prepare: str, original: bytes) -> str:
    return hashlib.sha256(PREPARATIONS[prepare].run(original)).hexdigest()


@pytest.fixture
def world(server: Server, originals: dict[str, bytes], tmp_path: Path) -> dict:
    """The originals on the server and a manifest for them; returns the manifest (a dict: tests may tamper with it)."""
    server.files.update(originals)
    with tarfile.open(fileobj=io.BytesIO(originals["bsds.tgz"])) as tar:
        members = {name: _read_member(tar, f"BSDS/train/{name}") for name in ("1.jpg", "2.jpg")}

    def photo(path: str, original: str) -> dict:
        return {
            "path": path,
            "source": "test/repo",
            "licence": "CC0-1.0",
            "urls": [server.url(original.replace(" ", "%20"))],
            "git_blob": git_blob_sha1(originals[original]),
            "prepare": "photo-1600",
            "sha256": _prepared_sha256("photo-1600", originals[original]),
        }

    files = [
        photo("photos-train/big.jpg", "repo/big photo.png"),
        photo("photos-val/small.jpg", "repo/small.jpg"),
        {
            "path": "set5/bird.png",
            "source": "set5",
            "licence": "research use",
            "urls": [server.url("set5/bird.png")],
            "prepare": "copy",
            "sha256": hashlib.sha256(originals["set5/bird.png"]).hexdigest(),
        },
    ] + [
        {
            "path": f"bsds300-train/{name}",
            "source": "bsds",
            "licence": "research use",
            "archive": "bsds.tgz",
            "member": f"BSDS/train/{name}",
            "prepare": "jpeg-q95",
            "sha256": _prepared_sha256("jpeg-q95", data),
        }
        for name, data in members.items()
    ]
    archive = {"urls": [server.url("bsds.tgz")], "sha256": hashlib.sha256(originals["bsds.tgz"]).hexdigest()}
    return {"format": "yonos-datasets/1", "archives": {"bsds.tgz": archive}, "files": files}


def _fetch(manifest: dict, tmp_path: Path, *options: str) -> int:
    path = tmp_path / "datasets.json"
    path.write_text(json.dumps(manifest))
    return main(["data", "fetch", "--manifest", str(path), "--out", str(tmp_path / "data"), *options])


def _entry(manifest: dict, path: str) -> dict:
    return next(entry for entry in manifest["files"] if entry["path"] == path)


def _fetch_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("yonos-train data fetch:")]


def test_fetch_downloads_verifies_and_prepares_every_file(world, tmp_path, capsys):
    assert _fetch(world, tmp_path) == 0
    data = tmp_path / "data"
    for entry in world["files"]:
        assert hashlib.sha256((data / entry["path"]).read_bytes()).hexdigest() == entry["sha256"]
    big = Image.open(data / "photos-train/big.jpg")
    assert big.size == (1600, 941)  # Lanczos to 1600 px on the long side, rounded
    assert big.format == "JPEG" and JpegImagePlugin.get_sampling(big) == 0  # 4:4:4
    assert Image.open(data / "photos-val/small.jpg").size == (300, 200)  # never enlarged
    assert sorted(p.name for p in data.rglob(".*")) == []  # no temp files, no ledger: every file as the manifest
    assert capsys.readouterr().out.strip().endswith("5 files in " + str(data) + ": 5 fetched, 0 already there")


def test_a_rerun_skips_present_files_and_refetches_a_damaged_one(world, server, tmp_path, capsys):
    assert _fetch(world, tmp_path) == 0
    server.requests.clear()
    assert _fetch(world, tmp_path) == 0
    assert server.requests == []
    assert "0 fetched, 5 already there" in capsys.readouterr().out

    (tmp_path / "data/photos-val/small.jpg").write_bytes(b"half a file")
    assert _fetch(world, tmp_path) == 0
    assert server.requests == ["repo/small.jpg"]
    assert "1 fetched, 4 already there" in capsys.readouterr().out


def test_a_tampered_original_fails_in_one_line_and_is_not_written(world, server, originals, tmp_path, capsys):
    server.files["repo/small.jpg"] = originals["repo/small.jpg"][:-10] + b"0123456789"
    assert _fetch(world, tmp_path) == 1
    captured = capsys.readouterr()
    [line] = _fetch_lines(captured.err)
    assert line.startswith("yonos-train data fetch: photos-val/small.jpg: " + server.url("repo/small.jpg"))
    assert "git blob" in line and "is not the pinned" in line
    assert not (tmp_path / "data/photos-val/small.jpg").exists()
    assert (tmp_path / "data/photos-train/big.jpg").exists()  # the others still come
    assert "4 fetched, 0 already there, 1 FAILED" in captured.out


def test_a_moved_or_changed_file_falls_back_to_the_next_url(world, server, originals, tmp_path):
    entry = _entry(world, "photos-val/small.jpg")
    server.files["head/small.jpg"] = b"what HEAD holds now"
    entry["urls"] = [server.url("gone/small.jpg"), server.url("head/small.jpg"), *entry["urls"]]
    assert _fetch(world, tmp_path) == 0
    tried = [path for path in server.requests if path.endswith("small.jpg")]
    assert tried == ["gone/small.jpg", "head/small.jpg", "repo/small.jpg"]


def test_a_prepared_file_that_differs_is_said_kept_and_skipped_next_time(world, server, tmp_path, capsys):
    _entry(world, "photos-val/small.jpg")["sha256"] = "0" * 64  # as if made by another JPEG encoder build
    assert _fetch(world, tmp_path) == 0
    captured = capsys.readouterr()
    [line] = _fetch_lines(captured.err)
    assert line.startswith("yonos-train data fetch: photos-val/small.jpg: prepared file's sha256 differs")
    assert "1 differing from the manifest's sha256" in captured.out
    written = (tmp_path / "data/photos-val/small.jpg").read_bytes()
    ledger = json.loads((tmp_path / "data" / LEDGER).read_text())
    assert ledger == {"photos-val/small.jpg": hashlib.sha256(written).hexdigest()}

    server.requests.clear()
    assert _fetch(world, tmp_path) == 0
    assert server.requests == []


def test_strict_fails_on_a_prepared_file_that_differs(world, tmp_path, capsys):
    _entry(world, "photos-val/small.jpg")["sha256"] = "0" * 64
    assert _fetch(world, tmp_path, "--strict") == 1
    assert "prepared file's sha256" in capsys.readouterr().err
    assert not (tmp_path / "data/photos-val/small.jpg").exists()


def test_a_copied_file_must_match_byte_for_byte(world, server, tmp_path, capsys):
    server.files["set5/bird.png"] = b"\x89PNG something else"
    assert _fetch(world, tmp_path) == 1
    [line] = _fetch_lines(capsys.readouterr().err)
    assert line.startswith("yonos-train data fetch: set5/bird.png:") and "sha256" in line


def test_an_interrupted_download_leaves_no_partial_file(world, server, tmp_path, capsys):
    stale = tmp_path / "data/photos-train/.big.jpg.dead.part"  # what a killed run leaves
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"half")
    server.truncated.add("repo/big photo.png")
    assert _fetch(world, tmp_path) == 1
    [line] = _fetch_lines(capsys.readouterr().err)
    assert line.startswith("yonos-train data fetch: photos-train/big.jpg:") and "cut short" in line
    assert list((tmp_path / "data/photos-train").iterdir()) == []


def test_archive_members_are_checked_against_the_archive(world, server, originals, tmp_path, capsys):
    server.files["bsds.tgz"] = originals["bsds.tgz"] + b"tampered"
    assert _fetch(world, tmp_path) == 1
    lines = _fetch_lines(capsys.readouterr().err)
    assert [line.split(": ")[1] for line in lines] == ["bsds300-train/1.jpg", "bsds300-train/2.jpg"]
    assert all("archive bsds.tgz" in line and "sha256" in line for line in lines)

    world["archives"]["bsds.tgz"]["sha256"] = None  # unpinned: said, and the prepared sha256 is the check
    server.files["bsds.tgz"] = originals["bsds.tgz"]
    assert _fetch(world, tmp_path) == 0
    [line] = _fetch_lines(capsys.readouterr().err)
    assert "pins no sha256" in line and hashlib.sha256(originals["bsds.tgz"]).hexdigest() in line


def test_network_failures_are_one_line_each_and_exit_nonzero(world, tmp_path, capsys):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    for entry in world["files"]:
        entry["urls"] = [url.replace(url.split("/")[2], f"127.0.0.1:{closed}") for url in entry.get("urls", [])]
    world["archives"]["bsds.tgz"]["urls"] = [f"http://127.0.0.1:{closed}/bsds.tgz"]
    assert _fetch(world, tmp_path) == 1
    captured = capsys.readouterr()
    lines = _fetch_lines(captured.err)
    assert len(lines) == 5 and all("refused" in line.lower() for line in lines)
    assert "5 FAILED" in captured.out


def test_only_fetches_the_named_sets(world, server, tmp_path, capsys):
    assert _fetch(world, tmp_path, "--only", "set5", "--only", "photos-val") == 0
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["photos-val", "set5"]
    assert _fetch(world, tmp_path, "--only", "set14") == 2
    assert (
        "no set set14 in the manifest (sets: bsds300-train, photos-train, photos-val, set5)" in capsys.readouterr().err
    )


def test_the_manifest_may_not_write_outside_the_data_folder(world, tmp_path):
    world["files"][0]["path"] = "../escape.jpg"
    path = tmp_path / "m.json"
    path.write_text(json.dumps(world))
    with pytest.raises(ValueError, match="not a SET/NAME path"):
        load_manifest(path)


def test_github_blob_requests_ask_for_raw_bytes_and_carry_the_token_only_there(monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "t0k")
    api = _headers("https://api.github.com/repos/o/r/git/blobs/" + "a" * 40)
    assert api["Accept"] == "application/vnd.github.raw+json" and api["Authorization"] == "Bearer t0k"
    assert "Authorization" not in _headers("https://raw.githubusercontent.com/o/r/HEAD/x.jpg")


def test_the_committed_manifest_lists_every_set_with_its_pins():
    manifest = load_manifest(DEFAULT_MANIFEST)
    counts = {name: sum(entry.set == name for entry in manifest.entries) for name in manifest.sets}
    assert counts == {"bsds300-train": 200, "photos-train": 216, "photos-val": 20, "set5": 5}
    for entry in manifest.entries:
        if entry.set.startswith("photos-"):
            assert entry.git_blob and entry.urls[0].startswith("https://raw.githubusercontent.com/")
            assert entry.urls[1].endswith(f"/git/blobs/{entry.git_blob}")
        assert entry.licence
