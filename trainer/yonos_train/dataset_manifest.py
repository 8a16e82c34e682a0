"""`yonos-train data manifest --from DATASETS`: writes the dataset manifest from the prepared sets (photos-train,
photos-val, bsds300-train, set5) and their PROVENANCE.tsv (file, source_repository, path_in_repository, git_blob,
original_size), hashing every prepared file. The sources' licences and the non-GitHub origins are defined here."""

from __future__ import annotations

import csv
import json
import urllib.parse
from pathlib import Path

from .datasets import FORMAT, PREPARATIONS, sha256

PHOTO_SETS = ("photos-train", "photos-val")
BSDS_SET, SET5 = "bsds300-train", "set5"
GITHUB_LICENCES = {
    "BuddiesOfBudgie/budgie-backgrounds": "CC0-1.0",
    "pop-os/wallpapers": "Unsplash and NASA photos, public domain per the repository's README",
    "elementary/wallpapers": "Unsplash (CC0 if published before 2017-06-08, the Unsplash License after), Pexels "
    "License, some CC-BY-SA; per photo: the repository's debian/copyright",
    "linuxdeepin/deepin-wallpapers": "CC-BY-4.0 or the Unsplash License (nonfree/unsplash.com/)",
    "ubuntu-mate/ubuntu-mate-artwork": "mostly CC-BY-SA-3.0/4.0; per photo: the repository's debian/copyright",
    "KDE/plasma-workspace-wallpapers": "mostly LGPL-3.0, one CC-BY-SA-4.0; per wallpaper: its metadata",
}
BSDS = {
    "url": "https://www2.eecs.berkeley.edu/Research/Projects/CS/vision/bsds/",
    "licence": "Berkeley Segmentation Dataset (Martin et al., ICCV 2001): research use",
}
BSDS_ARCHIVE = "BSDS300-images.tgz"
BSDS_ARCHIVE_NOTE = "not kept when bsds300-train was made, so its sha256 is unknown: fetch prints the one it gets"
BSDS_MEMBER = "BSDS300/images/train/{name}"
SET5_SOURCE = {
    "url": "https://github.com/majedelhelou/denoising_datasets/tree/HEAD/Set5",
    "licence": "Set5 benchmark (Bevilacqua et al., BMVC 2012): research use; the images' own rights are not stated",
    "note": "this copy was chosen without network access: fetch checks its bytes against sha256 (prepare: copy)",
}
SET5_URL = "https://raw.githubusercontent.com/majedelhelou/denoising_datasets/HEAD/Set5/{name}"
ABOUT = (
    "Every file of the training and evaluation sets under trainer/data/ (`yonos-train data fetch`). For GitHub "
    "originals the first URL is the file at the repository's HEAD, which may drift; git_blob pins the exact content "
    "and the second URL (GitHub's blobs API) serves that blob whatever its path became. sha256 is the prepared file "
    "the shipped models were trained on; a re-encoded file can differ with another Pillow/libjpeg build."
)


def build_manifest(datasets: Path) -> dict:
    return {
        "format": FORMAT,
        "about": ABOUT,
        "preparations": {name: preparation.describe for name, preparation in PREPARATIONS.items()},
        "sources": {
            **{repo: {"url": f"https://github.com/{repo}", "licence": text} for repo, text in GITHUB_LICENCES.items()},
            "bsds300": BSDS,
            SET5: SET5_SOURCE,
        },
        "archives": {BSDS_ARCHIVE: {"urls": [BSDS["url"] + BSDS_ARCHIVE], "sha256": None, "note": BSDS_ARCHIVE_NOTE}},
        "files": _photo_entries(datasets) + _bsds_entries(datasets) + _set5_entries(datasets),
    }


def _photo_entries(datasets: Path) -> list[dict]:
    with open(datasets / "PROVENANCE.tsv", newline="") as f:
        rows = sorted(csv.DictReader(f, delimiter="\t"), key=lambda row: row["file"])
    listed = {row["file"] for row in rows}
    on_disk = {f"{name}/{path.name}" for name in PHOTO_SETS for path in _files(datasets / name)}
    if listed != on_disk:
        differences = sorted(listed ^ on_disk)
        more = f" and {len(differences) - 3} more" if len(differences) > 3 else ""
        raise ValueError(f"PROVENANCE.tsv and the photo folders disagree on {', '.join(differences[:3])}{more}")
    entries = []
    for row in rows:
        repo, path, blob = row["source_repository"], row["path_in_repository"], row["git_blob"]
        if repo not in GITHUB_LICENCES:
            raise ValueError(f"{row['file']}: no licence known for {repo} (add it to GITHUB_LICENCES)")
        entries.append(
            {
                "path": row["file"],
                "source": repo,
                "urls": [
                    f"https://raw.githubusercontent.com/{repo}/HEAD/{urllib.parse.quote(path)}",
                    f"https://api.github.com/repos/{repo}/git/blobs/{blob}",
                ],
                "git_blob": blob,
                "original_size": row["original_size"],
                "licence": GITHUB_LICENCES[repo],
                "prepare": "photo-1600",
                "sha256": sha256((datasets / row["file"]).read_bytes()),
            }
        )
    return entries


def _bsds_entries(datasets: Path) -> list[dict]:
    return [
        {
            "path": f"{BSDS_SET}/{path.name}",
            "source": "bsds300",
            "archive": BSDS_ARCHIVE,
            "member": BSDS_MEMBER.format(name=path.name),
            "licence": BSDS["licence"],
            "prepare": "jpeg-q95",
            "sha256": sha256(path.read_bytes()),
        }
        for path in _files(datasets / BSDS_SET)
    ]


def _set5_entries(datasets: Path) -> list[dict]:
    return [
        {
            "path": f"{SET5}/{path.name}",
            "source": SET5,
            "urls": [SET5_URL.format(name=urllib.parse.quote(path.name))],
            "licence": SET5_SOURCE["licence"],
            "prepare": "copy",
            "sha256": sha256(path.read_bytes()),
        }
        for path in _files(datasets / SET5)
    ]


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise FileNotFoundError(f"no {folder.name} folder in {folder.parent}")
    return sorted(path for path in folder.iterdir() if path.is_file() and not path.name.startswith("."))


def manifest_text(manifest: dict) -> str:
    """Indented JSON with one line per file, so a changed file is a one-line diff."""
    head = json.dumps({key: value for key, value in manifest.items() if key != "files"}, indent=2)
    files = ",\n".join("    " + json.dumps(entry, ensure_ascii=False) for entry in manifest["files"])
    return f'{head[:-2]},\n  "files": [\n{files}\n  ]\n}}\n'
