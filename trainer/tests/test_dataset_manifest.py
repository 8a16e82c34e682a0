"""`yonos-train data manifest` (the manifest from prepared sets + PROVENANCE.tsv) and the scripts' choice of
datasets folder."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from yonos_train.cli import main
from yonos_train.datasets import TRAINER_DIR, git_blob_sha1, load_manifest

PROVENANCE = (
    "file\tsource_repository\tpath_in_repository\tgit_blob\toriginal_size\n"
    "photos-train/elementary-a.jpg\telementary/wallpapers\tbackgrounds/A b ł.jpg\t{blob}\t4000x3000\n"
    "photos-val/kde-b.jpg\tKDE/plasma-workspace-wallpapers\tB/contents/images/1920x1080.png\t{blob}\t1920x1080\n"
)


@pytest.fixture
def datasets(tmp_path: Path) -> Path:
    root = tmp_path / "datasets"
    for path in ("photos-train/elementary-a.jpg", "photos-val/kde-b.jpg", "bsds300-train/1.jpg", "set5/bird.png"):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(path.encode())  # content only matters for its hash here
    (root / "PROVENANCE.tsv").write_text(PROVENANCE.format(blob=git_blob_sha1(b"original")))
    return root


def _write(datasets: Path, out: Path) -> int:
    return main(["data", "manifest", "--from", str(datasets), "--out", str(out)])


def test_the_manifest_pins_sources_licences_and_prepared_files(datasets, tmp_path):
    out = tmp_path / "datasets.json"
    assert _write(datasets, out) == 0
    manifest = load_manifest(out)
    entries = {entry.path: entry for entry in manifest.entries}
    assert sorted(entries) == [
        "bsds300-train/1.jpg",
        "photos-train/elementary-a.jpg",
        "photos-val/kde-b.jpg",
        "set5/bird.png",
    ]
    photo = entries["photos-train/elementary-a.jpg"]
    assert photo.urls == (
        "https://raw.githubusercontent.com/elementary/wallpapers/HEAD/backgrounds/A%20b%20%C5%82.jpg",
        f"https://api.github.com/repos/elementary/wallpapers/git/blobs/{git_blob_sha1(b'original')}",
    )
    assert photo.git_blob == git_blob_sha1(b"original") and photo.prepare == "photo-1600"
    assert photo.sha256 == hashlib.sha256(b"photos-train/elementary-a.jpg").hexdigest()
    assert "CC0" in photo.licence and "LGPL" in entries["photos-val/kde-b.jpg"].licence
    bsds = entries["bsds300-train/1.jpg"]
    assert (bsds.archive, bsds.member, bsds.prepare) == ("BSDS300-images.tgz", "BSDS300/images/train/1.jpg", "jpeg-q95")
    assert entries["set5/bird.png"].prepare == "copy"
    raw = json.loads(out.read_text())
    assert raw["preparations"]["photo-1600"].startswith("Pillow: decode")
    assert "research use" in raw["sources"]["bsds300"]["licence"]
    one_line_each = [line for line in out.read_text().splitlines() if line.startswith('    {"path": ')]
    assert len(one_line_each) == 4  # a changed file is a one-line diff


def test_a_photo_without_provenance_is_refused(datasets, tmp_path, capsys):
    (datasets / "photos-train/unknown.jpg").write_bytes(b"?")
    assert _write(datasets, tmp_path / "datasets.json") == 2
    assert "PROVENANCE.tsv and the photo folders disagree on photos-train/unknown.jpg" in capsys.readouterr().err
    assert not (tmp_path / "datasets.json").exists()


def _choose(trainer: Path, *sets: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    script = f'source scripts/datasets.sh && use_datasets {" ".join(sets)} && echo "$datasets"'
    environment = {key: value for key, value in os.environ.items() if key != "YONOS_DATASETS"} | (env or {})
    return subprocess.run(["bash", "-c", script], cwd=trainer, env=environment, capture_output=True, text=True)


def test_scripts_use_fetched_data_then_the_shared_folder_then_say_how_to_fetch(tmp_path):
    trainer = tmp_path / "repo/trainer"
    (trainer / "scripts").mkdir(parents=True)
    shutil.copy(TRAINER_DIR / "scripts/datasets.sh", trainer / "scripts")

    missing = _choose(trainer, "set5")
    assert missing.returncode == 2 and "yonos-train data fetch" in missing.stderr

    shared = tmp_path / "shared/datasets"
    for folder in (shared / "set5", shared / "photos-val", trainer / "data/set5"):
        folder.mkdir(parents=True)
        (folder / "a.png").write_bytes(b"png")
    assert _choose(trainer, "set5").stdout.strip() == "data"  # fetched data first
    assert _choose(trainer, "set5", "photos-val").stdout.strip() == "../../shared/datasets"  # data lacks photos-val
    assert _choose(trainer, "set5", env={"YONOS_DATASETS": str(shared)}).stdout.strip() == str(shared)
    assert _choose(trainer, "bsds300-train", env={"YONOS_DATASETS": str(shared)}).returncode == 2
