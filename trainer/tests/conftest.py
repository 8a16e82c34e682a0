import numpy as np
import pytest
import torch
from PIL import Image


def smooth_image(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A photo-like test image: low-frequency colour fields plus some edges and mild noise."""
    yy, xx = np.mgrid[0:height, 0:width] / max(height, width)
    channels = []
    for _ in range(3):
        fx, fy, phase = rng.uniform(1, 6, size=3)
        channels.append(0.5 + 0.35 * np.sin(2 * np.pi * (fx * xx + fy * yy) + phase))
    image = np.stack(channels, -1)
    image[height // 3 : height // 2, width // 4 : width // 2] *= 0.5  # a hard-edged block
    image += rng.normal(0, 0.01, image.shape)
    return (np.clip(image, 0, 1) * 255).astype(np.uint8)


@pytest.fixture
def photo_folder(tmp_path):
    """Six small generated photos in nested folders, in several formats."""
    rng = np.random.default_rng(0)
    folder = tmp_path / "photos"
    (folder / "nested").mkdir(parents=True)
    for index, name in enumerate(["a.png", "b.jpg", "nested/c.webp", "nested/d.tiff", "e.png", "f.jpg"]):
        Image.fromarray(smooth_image(rng, 96 + 8 * index, 112)).save(folder / name, quality=95)
    return folder


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)
