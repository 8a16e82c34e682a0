"""The dataset manifest (`trainer/datasets.json`): every file of the training and evaluation sets, where its original
comes from, how that original is pinned (git blob SHA-1 or an archive's sha256), its licence, how it is prepared,
and the sha256 of the prepared file the shipped models were trained on. `fetch.py` downloads by it,
`dataset_manifest.py` writes it."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from PIL import Image

FORMAT = "yonos-datasets/1"
TRAINER_DIR = Path(__file__).resolve().parents[1]
DEFAULT_MANIFEST = TRAINER_DIR / "datasets.json"
DEFAULT_DATA_DIR = TRAINER_DIR / "data"
PHOTO_LONG_SIDE = 1600
PARTIAL_SUFFIX = ".part"
JPEG_SETTINGS = {"quality": 95, "subsampling": 0, "optimize": True}  # 4:4:4, optimised Huffman tables, baseline


def _photo(original: bytes) -> bytes:
    image = Image.open(io.BytesIO(original)).convert("RGB")
    scale = PHOTO_LONG_SIDE / max(image.size)
    if scale < 1:
        image = image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS)
    return _jpeg(image)


def _reencode(original: bytes) -> bytes:
    return _jpeg(Image.open(io.BytesIO(original)).convert("RGB"))


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", **JPEG_SETTINGS)
    return out.getvalue()


@dataclass(frozen=True)
class Preparation:
    describe: str
    run: Callable[[bytes], bytes]
    reencodes: bool  # a re-encoded file may differ byte for byte with another Pillow/libjpeg build; a copy may not


PREPARATIONS = {
    "photo-1600": Preparation(
        "Pillow: decode, convert to RGB (EXIF orientation not applied, no metadata kept), Lanczos-downscale so the "
        "long side is 1600 px (sides rounded to the nearest pixel; smaller originals keep their size), save as "
        "baseline JPEG quality 95, 4:4:4 chroma, optimised Huffman tables",
        _photo,
        reencodes=True,
    ),
    "jpeg-q95": Preparation(
        "Pillow: decode, convert to RGB, save as baseline JPEG quality 95, 4:4:4 chroma, optimised Huffman tables "
        "(same size)",
        _reencode,
        reencodes=True,
    ),
    "copy": Preparation("the original's bytes, unchanged", lambda original: original, reencodes=False),
}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def git_blob_sha1(data: bytes) -> str:
    """The id git gives a file's content, so a download can be checked against the blob a repository holds."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass(frozen=True)
class Archive:
    name: str
    urls: tuple[str, ...]
    sha256: str | None  # None: not pinned (the original archive was not kept); the prepared sha256 is then the check


@dataclass(frozen=True)
class Entry:
    """One prepared file: `path` is `SET/NAME` under the data folder."""

    path: str
    source: str
    licence: str
    prepare: str
    sha256: str
    urls: tuple[str, ...] = ()
    git_blob: str | None = None
    archive: str | None = None
    member: str | None = None

    @property
    def set(self) -> str:
        return self.path.split("/")[0]


@dataclass(frozen=True)
class Manifest:
    entries: tuple[Entry, ...]
    archives: dict[str, Archive]

    @property
    def sets(self) -> list[str]:
        return sorted({entry.set for entry in self.entries})


_HEX = {"sha256": re.compile(r"[0-9a-f]{64}"), "git_blob": re.compile(r"[0-9a-f]{40}")}


def load_manifest(path: Path) -> Manifest:
    if not path.is_file():
        raise FileNotFoundError(f"no dataset manifest at {path} (pass --manifest)")
    raw = json.loads(path.read_text())
    if raw.get("format") != FORMAT:
        raise ValueError(f"{path}: not a {FORMAT} manifest (format {raw.get('format')!r})")
    archives = {
        name: Archive(name, tuple(spec["urls"]), _checked_hex(spec.get("sha256"), "sha256", name))
        for name, spec in raw.get("archives", {}).items()
    }
    entries = tuple(_entry(spec, archives) for spec in raw["files"])
    return Manifest(entries, archives)


def _entry(spec: dict, archives: dict[str, Archive]) -> Entry:
    missing = [name for name in ("path", "source", "licence", "prepare", "sha256") if name not in spec]
    if missing:
        raise ValueError(f"manifest: {spec.get('path', spec)}: no {', '.join(missing)}")
    fields = {name: spec[name] for name in Entry.__dataclass_fields__ if name in spec}
    entry = Entry(**{**fields, "urls": tuple(spec.get("urls", ()))})
    where = entry.path
    parts = PurePosixPath(entry.path).parts
    if len(parts) != 2 or PurePosixPath(entry.path).is_absolute() or ".." in parts or "\\" in entry.path:
        raise ValueError(f"manifest: {where!r} is not a SET/NAME path")
    if entry.prepare not in PREPARATIONS:
        raise ValueError(f"manifest: {where}: unknown preparation {entry.prepare!r} (known: {', '.join(PREPARATIONS)})")
    if bool(entry.urls) == bool(entry.archive):
        raise ValueError(f"manifest: {where}: give either urls or an archive and its member")
    if entry.archive and (entry.archive not in archives or not entry.member):
        raise ValueError(f"manifest: {where}: unknown archive {entry.archive!r} or no member")
    _checked_hex(entry.sha256, "sha256", where)
    _checked_hex(entry.git_blob, "git_blob", where)
    return entry


def _checked_hex(value: str | None, kind: str, where: str) -> str | None:
    if value is not None and not _HEX[kind].fullmatch(value):
        raise ValueError(f"manifest: {where}: {kind} {value!r} is not a lowercase hex digest")
    return value


def write_atomic(path: Path, data: bytes) -> None:
    """Readers see the old file or the whole new one, never a part (temp file + rename in the same folder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}{PARTIAL_SUFFIX}")
    try:
        with open(temporary, "xb") as file:  # not mkstemp: its 0600 would ignore the umask
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
