"""Degradations: DEGRADE(x_h, s) of Algorithm 1, in three presets.

`bicubic` is the classic antialiased bicubic downscale. `camera` is what phones, cameras and the web do to a photo:
a resize chain with the common resampling filters (box, bilinear, bicubic, Lanczos), a little sensor noise, and
8-bit JPEG at quality 60–95 with 4:2:0 chroma, so the model learns to remove 8-px block edges and ringing instead
of enlarging them. `realistic` is a milder Real-ESRGAN-style second-order pipeline (blur → resize → noise → JPEG,
twice, with a final sinc filter): slightly soft, a little noisy, JPEG-compressed.

The teacher's LR (factor s/2) and the student's LR (factor s) must come from the same HR crop with the *same*
degradation, so that the teacher only differs by seeing more pixels. We therefore draw one parameter set per
image (`RealisticParams`, `CameraParams`) and replay it at both factors: kernels, noise levels, noise seed, resize
ratios, JPEG qualities and the order of the final steps are shared; only the final output size differs (and with
it the noise field's shape, which is drawn from the same seed).
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from .imaging import downscale_bicubic

PRESETS = ("bicubic", "camera", "realistic")


@dataclass(frozen=True)
class RealisticParams:
    kernel1: np.ndarray
    kernel2: np.ndarray | None
    final_sinc: np.ndarray | None
    resize1: float
    resize2: float
    noise1: tuple[str, float, bool]  # (gaussian|poisson, strength, gray)
    noise2: tuple[str, float, bool]
    jpeg1: int
    jpeg2: int
    sinc_before_jpeg: bool
    seed: int


@dataclass(frozen=True)
class CameraParams:
    filters: tuple[int, ...]  # PIL resampling filter of each resize in the chain
    intermediate: float | None  # the chain's first step, as a fraction of the way from HR to LR size (log scale)
    noise: tuple[str, float, bool] | None
    jpeg: int
    chroma_420: bool
    seed: int


def degrade(
    x_h: torch.Tensor, scale: int, preset: str, params: Sequence[DegradationParams] | None = None
) -> torch.Tensor:
    """Degrade a batch of HR images (N,3,H,W in [0,1]) by `scale`. `params` replays camera/realistic draws."""
    if preset == "bicubic":
        return downscale_bicubic(x_h, scale)
    if preset not in SAMPLERS:
        raise ValueError(f"unknown degradation preset {preset!r}; expected one of {PRESETS}")
    params = params if params is not None else [SAMPLERS[preset](random.Random()) for _ in range(len(x_h))]
    apply = _apply_camera if preset == "camera" else _apply_realistic
    return torch.cat([apply(x[None], scale, p) for x, p in zip(x_h, params, strict=True)])  # type: ignore[arg-type]


def degrade_pair(
    x_h: torch.Tensor, scale: int, preset: str, rng: random.Random, teacher: bool = True
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The student's LR (1/scale) and, if `teacher`, the teacher's less degraded LR (2/scale) from the same draw."""
    params = [SAMPLERS[preset](rng) for _ in range(len(x_h))] if preset in SAMPLERS else None
    student = degrade(x_h, scale, preset, params)
    return student, degrade(x_h, max(scale // 2, 1), preset, params) if teacher else None


def sample_realistic(rng: random.Random) -> RealisticParams:
    return RealisticParams(
        kernel1=random_kernel(rng, sigma_range=(0.2, 1.6)),
        kernel2=random_kernel(rng, sigma_range=(0.2, 1.0)) if rng.random() < 0.6 else None,
        final_sinc=sinc_kernel(rng.uniform(math.pi / 3, math.pi), 2 * rng.randint(3, 10) + 1)
        if rng.random() < 0.5
        else None,
        resize1=rng.uniform(0.5, 1.0),
        resize2=rng.uniform(0.8, 1.2),
        noise1=_random_noise(rng, gaussian_max=8 / 255, poisson_max=1.0),
        noise2=_random_noise(rng, gaussian_max=5 / 255, poisson_max=0.6),
        jpeg1=rng.randint(50, 95),
        jpeg2=rng.randint(60, 95),
        sinc_before_jpeg=rng.random() < 0.5,
        seed=rng.randrange(2**31),
    )


def sample_camera(rng: random.Random) -> CameraParams:
    filters = (Image.Resampling.BOX, Image.Resampling.BILINEAR, Image.Resampling.BICUBIC, Image.Resampling.LANCZOS)
    steps = 2 if rng.random() < 0.4 else 1
    return CameraParams(
        filters=tuple(int(rng.choice(filters)) for _ in range(steps)),
        intermediate=rng.uniform(0.2, 0.8) if steps == 2 else None,
        noise=_random_noise(rng, gaussian_max=4 / 255, poisson_max=0.5) if rng.random() < 0.5 else None,
        jpeg=rng.randint(60, 95),
        chroma_420=rng.random() < 0.8,
        seed=rng.randrange(2**31),
    )


def _apply_camera(x: torch.Tensor, scale: int, p: CameraParams) -> torch.Tensor:
    """Resize chain on 8-bit pixels (as image software does), optional sensor noise, then one JPEG save."""
    h, w = x.shape[-2:]
    out_h, out_w = h // scale, w // scale
    image = _to_pil(x)
    sizes = [(out_w, out_h)]
    if p.intermediate is not None:
        ratio = scale ** (-p.intermediate)
        sizes.insert(0, (max(out_w, round(w * ratio)), max(out_h, round(h * ratio))))
    for size, resample in zip(sizes, p.filters, strict=True):
        image = image.resize(size, resample=Image.Resampling(resample))
    lr = _from_pil(image)
    if p.noise is not None:
        lr = _add_noise(lr, p.noise, torch.Generator().manual_seed(p.seed))
    return _jpeg(lr, p.jpeg, 2 if p.chroma_420 else 0)


def camera_jpeg(lr: torch.Tensor, quality: int, noise_sigma: float = 0.0) -> torch.Tensor:
    """The real-input evaluation set: an LR batch saved as a 4:2:0 JPEG, optionally after Gaussian noise."""
    out = []
    for index, x in enumerate(lr):
        x = x[None]
        if noise_sigma:
            x = _add_noise(x, ("gaussian", noise_sigma, False), torch.Generator().manual_seed(index))
        out.append(_jpeg(x, quality, 2))
    return torch.cat(out)


def _random_noise(rng: random.Random, gaussian_max: float, poisson_max: float) -> tuple[str, float, bool]:
    gray = rng.random() < 0.4
    if rng.random() < 0.5:
        return "gaussian", rng.uniform(0.5 / 255, gaussian_max), gray
    return "poisson", rng.uniform(0.05, poisson_max), gray


def _apply_realistic(x: torch.Tensor, scale: int, p: RealisticParams) -> torch.Tensor:
    gen = torch.Generator().manual_seed(p.seed)
    h, w = x.shape[-2:]
    out_h, out_w = h // scale, w // scale
    # Round 1 at HR, then shrink toward the target size; ratios are relative so both scales share them.
    x = _filter(x, p.kernel1)
    x = _resize(x, max(out_h, round(h * p.resize1)), max(out_w, round(w * p.resize1)))
    x = _add_noise(x, p.noise1, gen)
    x = _jpeg(x, p.jpeg1)
    # Round 2.
    if p.kernel2 is not None:
        x = _filter(x, p.kernel2)
    mid_h = max(out_h, round(x.shape[-2] * p.resize2 * 0.5 + out_h * 0.5))
    mid_w = max(out_w, round(x.shape[-1] * p.resize2 * 0.5 + out_w * 0.5))
    x = _resize(x, mid_h, mid_w)
    x = _add_noise(x, p.noise2, gen)
    # Final: resize to the target size with an optional sinc (ringing), before or after the last JPEG.
    if p.sinc_before_jpeg:
        x = _jpeg(_sinc_resize(x, out_h, out_w, p.final_sinc), p.jpeg2)
    else:
        x = _sinc_resize(_jpeg(x, p.jpeg2), out_h, out_w, p.final_sinc)
    return x.clamp(0, 1)


def _sinc_resize(x: torch.Tensor, h: int, w: int, sinc: np.ndarray | None) -> torch.Tensor:
    x = _resize(x, h, w)
    return _filter(x, sinc) if sinc is not None else x


def _resize(x: torch.Tensor, h: int, w: int) -> torch.Tensor:
    if (h, w) == tuple(x.shape[-2:]):
        return x
    return F.interpolate(x, size=(h, w), mode="bicubic", antialias=True, align_corners=False).clamp(0, 1)


def _filter(x: torch.Tensor, kernel: np.ndarray) -> torch.Tensor:
    k = torch.from_numpy(kernel).float().to(x.device)
    pad = k.shape[-1] // 2
    x = F.pad(x, (pad, pad, pad, pad), mode="replicate")  # reflect fails on LR tiles smaller than the kernel
    return F.conv2d(x, k.expand(3, 1, *k.shape), groups=3)


def _add_noise(x: torch.Tensor, noise: tuple[str, float, bool], gen: torch.Generator) -> torch.Tensor:
    kind, strength, gray = noise
    shape = (1, 1, *x.shape[-2:]) if gray else x.shape
    if kind == "gaussian":
        return (x + torch.randn(shape, generator=gen) * strength).clamp(0, 1)
    # Poisson (shot) noise: photon counts at a random exposure, approximated by a Gaussian of matching variance.
    peak = 255.0 / strength
    base = x.mean(1, keepdim=True) if gray else x
    std = (base.clamp(min=0) / peak).sqrt()
    return (x + torch.randn(shape, generator=gen) * std).clamp(0, 1)


def _jpeg(x: torch.Tensor, quality: int, subsampling: int = 2) -> torch.Tensor:
    """One JPEG save and load; `subsampling` is PIL's: 2 = 4:2:0 (cameras, the web), 0 = 4:4:4."""
    buffer = io.BytesIO()
    _to_pil(x).save(buffer, format="JPEG", quality=quality, subsampling=subsampling)
    return _from_pil(Image.open(buffer).convert("RGB"))


def _to_pil(x: torch.Tensor) -> Image.Image:
    return Image.fromarray((x[0].permute(1, 2, 0).clamp(0, 1).numpy() * 255 + 0.5).astype(np.uint8))


def _from_pil(image: Image.Image) -> torch.Tensor:
    return torch.from_numpy(np.asarray(image, dtype=np.float32) / 255).permute(2, 0, 1)[None]


# Blur kernels (Real-ESRGAN's families), all normalised to sum 1.


def random_kernel(rng: random.Random, sigma_range: tuple[float, float]) -> np.ndarray:
    size = 2 * rng.randint(3, 10) + 1
    if rng.random() < 0.1:
        return sinc_kernel(rng.uniform(math.pi / 3, math.pi) if size < 13 else rng.uniform(math.pi / 5, math.pi), size)
    sx, sy = rng.uniform(*sigma_range), rng.uniform(*sigma_range)
    isotropic = rng.random() < 0.5
    if isotropic:
        sy = sx
    theta = 0.0 if isotropic else rng.uniform(-math.pi, math.pi)
    family = rng.choices(["gaussian", "generalized", "plateau"], weights=[0.7, 0.15, 0.15])[0]
    beta = rng.uniform(0.5, 4.0) if family == "generalized" else rng.uniform(1.0, 2.0)
    return anisotropic_kernel(size, sx, sy, theta, family, beta)


def anisotropic_kernel(size: int, sx: float, sy: float, theta: float, family: str, beta: float = 2.0) -> np.ndarray:
    rot = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    cov = rot @ np.diag([sx**2, sy**2]) @ rot.T
    inv = np.linalg.inv(cov)
    r = np.arange(size) - size // 2
    grid = np.stack(np.meshgrid(r, r, indexing="xy"), -1)
    mahalanobis = np.einsum("...i,ij,...j->...", grid, inv, grid)
    if family == "gaussian":
        k = np.exp(-0.5 * mahalanobis)
    elif family == "generalized":
        k = np.exp(-0.5 * np.power(mahalanobis, beta))
    elif family == "plateau":
        k = 1.0 / (np.power(mahalanobis, beta) + 1.0)
    else:
        raise ValueError(f"unknown kernel family {family!r}")
    return (k / k.sum()).astype(np.float32)


def sinc_kernel(cutoff: float, size: int) -> np.ndarray:
    """2D circular low-pass (sinc) kernel, which causes the ringing seen in over-sharpened photos."""
    r = np.arange(size) - size // 2
    xx, yy = np.meshgrid(r, r)
    dist = np.hypot(xx, yy)
    with np.errstate(divide="ignore", invalid="ignore"):
        k = cutoff * _bessel_j1(cutoff * dist) / (2 * np.pi * dist)
    k[size // 2, size // 2] = cutoff**2 / (4 * np.pi)
    return (k / k.sum()).astype(np.float32)


def _bessel_j1(x: np.ndarray) -> np.ndarray:
    # Numerical J1 by integral representation (avoids a scipy dependency); accurate to ~1e-6 here.
    tau = np.linspace(0, np.pi, 257)
    integrand = np.cos(tau[None, :] - np.multiply.outer(x.ravel(), np.sin(tau)))
    return (np.trapezoid(integrand, tau, axis=1) / np.pi).reshape(x.shape)


DegradationParams = RealisticParams | CameraParams
SAMPLERS: dict[str, Callable[[random.Random], DegradationParams]] = {
    "camera": sample_camera,
    "realistic": sample_realistic,
}
