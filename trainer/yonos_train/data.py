"""Photo folders → random HR crops. Images are decoded once into RAM (uint8) because decoding a JPEG per crop
would cost more than the training step on a CPU."""

from __future__ import annotations

import hashlib
import logging
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff"}
log = logging.getLogger(__name__)


def scan_images(folders: list[Path]) -> list[Path]:
    """All images under the folders, recursively, in a stable order."""
    files: list[Path] = []
    for folder in folders:
        if not folder.is_dir():
            raise FileNotFoundError(f"data folder not found: {folder}")
        files += [p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES]
    if not files:
        raise FileNotFoundError(f"no images ({', '.join(sorted(IMAGE_SUFFIXES))}) found under {folders}")
    return sorted(files)


def split_train_val(files: list[Path], val_fraction: float) -> tuple[list[Path], list[Path]]:
    """Deterministic split by a hash of the file name, stable as files are added."""

    def in_val(path: Path) -> bool:
        digest = hashlib.sha1(path.name.encode()).digest()
        return int.from_bytes(digest[:4], "big") / 2**32 < val_fraction

    val = [f for f in files if in_val(f)]
    train = [f for f in files if not in_val(f)]
    return train, val


def load_rgb(path: Path) -> np.ndarray:
    """HWC uint8 RGB with EXIF orientation applied."""
    with Image.open(path) as image:
        return np.asarray(ImageOps.exif_transpose(image).convert("RGB"))


def load_images(files: list[Path], min_side: int) -> list[np.ndarray]:
    """Decode every readable image; unreadable or too small files are skipped with a warning."""
    images = []
    for path in files:
        try:
            array = load_rgb(path)
        except (OSError, UnidentifiedImageError, ValueError) as error:
            log.warning("skipping unreadable image %s: %s", path, error)
            continue
        if min(array.shape[:2]) < min_side:
            log.warning("skipping %s: smaller than the %d px crop", path, min_side)
            continue
        images.append(array)
    if not images:
        raise ValueError("no usable training images (all unreadable or too small)")
    return images


@dataclass
class CropSampler:
    """Random crops with random flips and 90° rotations, as float tensors (N,3,S,S) in [0,1]."""

    images: list[np.ndarray]
    crop: int
    rng: random.Random

    def batch(self, n: int) -> torch.Tensor:
        crops = [self._crop() for _ in range(n)]
        return torch.from_numpy(np.stack(crops)).permute(0, 3, 1, 2).float().div_(255)

    def _crop(self) -> np.ndarray:
        image = self.images[self.rng.randrange(len(self.images))]
        h, w = image.shape[:2]
        y, x = self.rng.randint(0, h - self.crop), self.rng.randint(0, w - self.crop)
        crop = image[y : y + self.crop, x : x + self.crop]
        if self.rng.random() < 0.5:
            crop = crop[:, ::-1]
        return np.ascontiguousarray(np.rot90(crop, self.rng.randrange(4)))


def center_crops(images: list[np.ndarray], size: int) -> torch.Tensor:
    """Fixed validation crops, so validation numbers are comparable across steps."""
    crops = []
    for image in images:
        h, w = image.shape[:2]
        y, x = (h - size) // 2, (w - size) // 2
        crops.append(image[y : y + size, x : x + size])
    return torch.from_numpy(np.stack(crops)).permute(0, 3, 1, 2).float().div_(255)


class BatchStream(IterableDataset):
    """Endless batches of `make_batch(random crops, rng)`, each DataLoader worker with its own seeded stream."""

    def __init__(
        self,
        images: list[np.ndarray],
        crop: int,
        batch: int,
        make_batch: Callable[[torch.Tensor, random.Random], tuple[torch.Tensor, ...]],
        seed: str,
    ):
        self.images, self.crop, self.batch, self.make_batch, self.seed = images, crop, batch, make_batch, seed

    def __iter__(self) -> Iterator[tuple[torch.Tensor, ...]]:
        worker = get_worker_info()
        rng = random.Random(f"{self.seed}/{worker.id if worker else 0}")
        sampler = CropSampler(self.images, self.crop, rng)
        while True:
            yield self.make_batch(sampler.batch(self.batch), rng)

    def loader(self, workers: int, pin_memory: bool) -> DataLoader:
        return DataLoader(
            self,
            batch_size=None,
            num_workers=workers,
            pin_memory=pin_memory,
            prefetch_factor=4 if workers else None,
            persistent_workers=False,
        )
