"""NIQE (Mittal, Soundararajan and Bovik 2013, "Making a 'completely blind' image quality analyzer"), with its
natural-scene model fitted on our own sharp photos instead of the authors' 125 pristine images.

Features: on the luma at two scales, the MSCN coefficients (mean-subtracted, contrast-normalised with a 7×7 Gaussian,
σ = 7/6) of each P×P patch are summarised by a generalised Gaussian fit (shape, variance) and, for the products of
horizontally, vertically and diagonally adjacent coefficients, four asymmetric generalised Gaussian fits (shape,
mean, left and right variances): 18 numbers per scale, 36 per patch, as the authors' `computefeature.m`.
Model: the multivariate Gaussian (mean, covariance) of the features of the sharpest patches of pristine photos (local
σ above 0.75 of the image's sharpest patch, `estimatemodelparam.m`). Score of an image: the distance between that
model and the Gaussian of all its own patches' features; lower is more natural.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from .data import load_rgb, scan_images
from .imaging import downscale_bicubic

PATCH = 96
SHARPNESS_THRESHOLD = 0.75
SHAPES = torch.arange(0.2, 10.0005, 0.001, dtype=torch.float64)  # the fit's grid of shape parameters
SHIFTS = ((0, 1), (1, 0), (1, 1), (-1, 1))  # horizontal, vertical, main and secondary diagonal neighbours


@dataclass(frozen=True)
class NiqeModel:
    mean: np.ndarray  # (36,)
    cov: np.ndarray  # (36, 36)
    patch: int
    facts: dict

    def save(self, path: Path) -> None:
        with open(path, "wb") as f:  # np.savez would append .npz to a name without it
            np.savez(f, mean=self.mean, cov=self.cov, patch=self.patch, facts=np.array(json.dumps(self.facts)))

    @classmethod
    def load(cls, path: Path) -> NiqeModel:
        with np.load(path) as data:
            return cls(data["mean"], data["cov"], int(data["patch"]), json.loads(str(data["facts"])))

    def to_json(self) -> dict:
        """The model as plain JSON (`yonos-niqe-model/1`) for the app's `yonos eval`, which reads no .npz: the
        doubles are written as Python's shortest round-tripping repr, so the app reads back the very same values."""
        return {
            "schema": "yonos-niqe-model/1",
            "patch": self.patch,
            "mean": self.mean.tolist(),
            "cov": self.cov.tolist(),
            "facts": self.facts,
        }


def luma_255(rgb: torch.Tensor) -> torch.Tensor:
    """(3, H, W) in [0, 1] → (H, W) grey in [0, 255], MATLAB's rgb2gray weights as the reference code uses."""
    r, g, b = rgb.double() * 255
    return 0.2989 * r + 0.5870 * g + 0.1140 * b


def mscn(y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(MSCN coefficients (y − μ) / (σ + 1), local σ), with μ and σ from a 7×7 Gaussian window, σ_w = 7/6."""
    coords = torch.arange(7, dtype=torch.float64) - 3
    g = torch.exp(-(coords**2) / (2 * (7 / 6) ** 2))
    window = (g[:, None] * g[None] / g.sum() ** 2)[None, None]
    padded = F.pad(y[None, None], (3, 3, 3, 3), mode="replicate")
    mu = F.conv2d(padded, window)[0, 0]
    sigma = (F.conv2d(padded**2, window)[0, 0] - mu**2).abs().sqrt()
    return (y - mu) / (sigma + 1), sigma


def ggd_fit(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Generalised Gaussian fit per row of x (N, n) by moment matching (`estimateggdparam.m`): the shape α whose
    Γ(1/α)Γ(3/α)/Γ(2/α)² is nearest E[x²]/E[|x|]², and the variance E[x²]."""
    ratio = torch.exp(torch.lgamma(1 / SHAPES) + torch.lgamma(3 / SHAPES) - 2 * torch.lgamma(2 / SHAPES))
    variance = x.pow(2).mean(1)
    rho = variance / x.abs().mean(1).pow(2).clamp(min=1e-20)
    return SHAPES[(rho[:, None] - ratio[None]).abs().argmin(1)], variance


def aggd_fit(x: torch.Tensor) -> torch.Tensor:
    """Asymmetric generalised Gaussian fit per row (`estimateaggdparam.m`), returned as (N, 4): shape ν, mean η,
    left variance σ_l², right variance σ_r²."""
    left = _masked_mean(x.pow(2), x < 0).sqrt()
    right = _masked_mean(x.pow(2), x > 0).sqrt()
    gamma_hat = left / right.clamp(min=1e-20)
    r_hat = x.abs().mean(1).pow(2) / x.pow(2).mean(1).clamp(min=1e-20)
    r_norm = r_hat * (gamma_hat**3 + 1) * (gamma_hat + 1) / (gamma_hat**2 + 1) ** 2
    ratio = torch.exp(2 * torch.lgamma(2 / SHAPES) - torch.lgamma(1 / SHAPES) - torch.lgamma(3 / SHAPES))
    shape = SHAPES[(ratio[None] - r_norm[:, None]).pow(2).argmin(1)]
    mean = (right - left) * torch.exp(
        torch.lgamma(2 / shape) - 0.5 * torch.lgamma(1 / shape) - 0.5 * torch.lgamma(3 / shape)
    )
    return torch.stack([shape, mean, left**2, right**2], 1)


def _masked_mean(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return (x * mask).sum(1) / mask.sum(1).clamp(min=1)


def patches(x: torch.Tensor, size: int) -> torch.Tensor:
    """(H, W) → (N, size, size), row-major, the ragged edge dropped."""
    h, w = x.shape[0] // size * size, x.shape[1] // size * size
    return x[:h, :w].reshape(h // size, size, w // size, size).permute(0, 2, 1, 3).reshape(-1, size, size)


def patch_features(coefficients: torch.Tensor) -> torch.Tensor:
    """(N, P, P) MSCN patches → (N, 18): GGD (shape, variance), then per neighbour direction the AGGD of the products
    of neighbouring coefficients, rolled within each patch as `computefeature.m`'s circshift does."""
    flat = coefficients.flatten(1)
    shape, variance = ggd_fit(flat)
    products = [(coefficients * coefficients.roll(shift, dims=(1, 2))).flatten(1) for shift in SHIFTS]
    return torch.cat([shape[:, None], variance[:, None], *[aggd_fit(p) for p in products]], 1)


def image_features(rgb: torch.Tensor, patch: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(3, H, W) → (features (N, 36) of every patch at two scales, sharpness (N,): each patch's mean local σ)."""
    y = luma_255(rgb)
    h, w = y.shape[0] // patch * patch, y.shape[1] // patch * patch
    if h == 0 or w == 0:
        raise ValueError(f"image of {tuple(y.shape)} px is smaller than one {patch}-px NIQE patch")
    y = y[:h, :w]
    coefficients, sigma = mscn(y)
    fine = patch_features(patches(coefficients, patch))
    half = downscale_bicubic((y / 255)[None, None].float(), 2)[0, 0].double() * 255
    coarse = patch_features(patches(mscn(half)[0], patch // 2))
    return torch.cat([fine, coarse], 1), patches(sigma, patch).mean((1, 2))


def fit_model(photos: list[Path], patch: int = PATCH) -> NiqeModel:
    """The pristine model from a set of sharp photos: the Gaussian of their sharpest patches' features."""
    selected, images = [], 0
    for path in tqdm(scan_images(photos), desc="niqe-fit", unit="photo"):
        rgb = torch.from_numpy(load_rgb(path).copy()).permute(2, 0, 1).double() / 255
        if min(rgb.shape[1:]) < patch:
            continue
        features, sharpness = image_features(rgb, patch)
        selected.append(features[sharpness > SHARPNESS_THRESHOLD * sharpness.max()])
        images += 1
    features = torch.cat(selected) if selected else torch.zeros(0, 36)
    if len(features) < 2:
        raise ValueError(f"too few sharp {patch}-px patches to fit a NIQE model ({len(features)})")
    facts = {
        "photos": [str(p) for p in photos],
        "images": images,
        "patches": len(features),
        "patch": patch,
        "sharpness_threshold": SHARPNESS_THRESHOLD,
    }
    return NiqeModel(features.mean(0).numpy(), np.cov(features.numpy(), rowvar=False), patch, facts)


def niqe(rgb: torch.Tensor, model: NiqeModel) -> float:
    """NIQE = √((ν₁ − ν₂)ᵀ ((Σ₁ + Σ₂) / 2)⁺ (ν₁ − ν₂)) between the pristine model (ν₁, Σ₁) and the Gaussian (ν₂, Σ₂)
    of the image's own patch features (Mittal et al. 2013, eq. 10); the pseudo-inverse as in `computequality.m`."""
    features = image_features(rgb, model.patch)[0].numpy()
    cov = np.cov(features, rowvar=False) if len(features) > 1 else np.zeros_like(model.cov)
    difference = model.mean - features.mean(0)
    return float(math.sqrt(max(0.0, difference @ np.linalg.pinv((model.cov + cov) / 2) @ difference)))
