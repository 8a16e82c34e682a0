"""`python -m yonos_train.pack DATASETS OUT --budget BYTES`: the photos, smaller, for a GPU machine that cannot reach
the datasets folder. Training photos are Lanczos-downscaled (which also softens their own JPEG artefacts) and saved
as JPEG 4:4:4 at the largest long side (and then the highest quality) whose pack fits the budget; validation photos
become their 512-px centre crops (what eval and validation look at), Set5 is copied as is.
With `--init STAGE…` the final weights a GPU run starts from (`--ae-from`, `--init-from`) go in too, as bfloat16
(half the bytes; they only initialise a fine-tuning run, which trains in bfloat16 autocast anyway)."""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Sequence
from pathlib import Path

import torch
from PIL import Image
from safetensors import safe_open
from safetensors.torch import save_file

from .data import scan_images

# Down to 256 px: a 128-px training crop still fits the short side of a 3:2 photo (170 px).
SETTINGS = [
    (side, quality) for side in (1600, 1280, 1024, 768, 640, 512, 448, 384, 320, 256) for quality in (95, 90, 85)
]
TRAINING = ("photos-train", "bsds300-train")  # the second is dropped first when nothing else fits
VAL_CROP = 512


def pack(datasets: Path, out: Path, budget: int, init_stages: Sequence[Path] = ()) -> tuple[int, int]:
    """Returns the (long side, quality) used; raises if even the smallest does not fit."""
    fixed = _pack_evaluation(datasets, out) + sum(pack_init_weights(stage, out / "init") for stage in init_stages)
    photos = {folder: [(path.stem, _load(path)) for path in scan_images([datasets / folder])] for folder in TRAINING}
    try:
        return _fit(photos, out, budget, fixed)
    except ValueError:
        shutil.rmtree(out / TRAINING[1], ignore_errors=True)
        print(f"nothing fits with {TRAINING[1]}: packing {TRAINING[0]} alone")
        return _fit({TRAINING[0]: photos[TRAINING[0]]}, out, budget, fixed)


def _fit(photos: dict[str, list[tuple[str, Image.Image]]], out: Path, budget: int, fixed: int) -> tuple[int, int]:
    every_tenth = {folder: images[::10] for folder, images in photos.items()}
    share = sum(map(len, every_tenth.values())) / sum(map(len, photos.values()))
    for side, quality in SETTINGS:
        if fixed + _write(every_tenth, out, side, quality) / share > 0.95 * budget:
            continue  # estimated from every tenth photo: too big
        size = fixed + _write(photos, out, side, quality)
        print(f"long side {side}, quality {quality}: {size / 1e6:.1f} MB (budget {budget / 1e6:.1f} MB)")
        if size <= budget:
            return side, quality
    raise ValueError(f"the photos do not fit in {budget / 1e6:.1f} MB; make room beside the repository")


def _write(photos: dict[str, list[tuple[str, Image.Image]]], out: Path, side: int, quality: int) -> int:
    size = 0
    for folder, images in photos.items():
        shutil.rmtree(out / folder, ignore_errors=True)
        (out / folder).mkdir(parents=True)
        for stem, image in images:
            size += _save_downscaled(image, out / folder / f"{stem}.jpg", side, quality)
    return size


def _pack_evaluation(datasets: Path, out: Path) -> int:
    (out / "set5").mkdir(parents=True, exist_ok=True)
    (out / "photos-val").mkdir(parents=True, exist_ok=True)
    for path in scan_images([datasets / "set5"]):
        shutil.copyfile(path, out / "set5" / path.name)
    for path in scan_images([datasets / "photos-val"]):
        with Image.open(path) as image:
            w, h = image.size
            left, top = max(0, (w - VAL_CROP) // 2), max(0, (h - VAL_CROP) // 2)
            image.convert("RGB").crop((left, top, left + VAL_CROP, top + VAL_CROP)).save(
                out / "photos-val" / f"{path.stem}.jpg", quality=95, subsampling=0
            )
    return sum(p.stat().st_size for folder in ("set5", "photos-val") for p in (out / folder).iterdir())


def pack_init_weights(stage: Path, init: Path) -> int:
    """Copies a stage's `final.safetensors` (its floats as bfloat16) and `done.json` to `init/<run>/<stage>`, the
    layout `--ae-from` and `--init-from` read. Returns the bytes written."""
    target = init / stage.resolve().parent.name / stage.name
    target.mkdir(parents=True, exist_ok=True)
    with safe_open(str(stage / "final.safetensors"), "pt") as f:
        metadata = f.metadata()
        tensors = {key: f.get_tensor(key) for key in f.keys()}
    bf16 = {key: t.to(torch.bfloat16) if t.is_floating_point() else t for key, t in tensors.items()}
    save_file(bf16, str(target / "final.safetensors"), metadata=metadata)
    shutil.copyfile(stage / "done.json", target / "done.json")
    return sum(p.stat().st_size for p in target.iterdir())


def _load(path: Path) -> Image.Image:
    with Image.open(path) as image:
        return image.convert("RGB")


def _save_downscaled(image: Image.Image, target: Path, side: int, quality: int) -> int:
    if max(image.size) > side:
        image = image.copy()
        image.thumbnail((side, side), Image.Resampling.LANCZOS)
    image.save(target, quality=quality, subsampling=0)
    return target.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("datasets", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--budget", type=int, required=True, help="bytes")
    parser.add_argument("--init", type=Path, nargs="*", default=[], help="stage folders whose final weights go in")
    args = parser.parse_args()
    pack(args.datasets, args.out, args.budget, args.init)


if __name__ == "__main__":
    main()
