"""Perceptual checks that need no pretrained network: high-frequency energy against HR, and colour shift (ΔE00)."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def radial_power(y: torch.Tensor) -> torch.Tensor:
    """Radially averaged power spectrum of a luma image (H, W): mean |FFT|² of the mean-removed, Hann-windowed image
    over rings one frequency bin (1 / min(H, W) cycles per pixel) wide, up to the Nyquist frequency 0.5."""
    h, w = y.shape
    window = torch.hann_window(h, dtype=torch.float64)[:, None] * torch.hann_window(w, dtype=torch.float64)[None]
    y = y.double() - y.double().mean()
    power = torch.fft.fft2(y * window).abs().pow(2)
    radius = torch.sqrt(
        torch.fft.fftfreq(h, dtype=torch.float64)[:, None] ** 2 + torch.fft.fftfreq(w, dtype=torch.float64)[None] ** 2
    )
    ring = (radius * min(h, w)).round().long()
    inside = radius <= 0.5
    bins = int(ring[inside].max()) + 1
    total = torch.zeros(bins, dtype=torch.float64).index_add_(0, ring[inside], power[inside])
    count = torch.zeros(bins, dtype=torch.float64).index_add_(0, ring[inside], torch.ones_like(power[inside]))
    return total / count.clamp(min=1)


def hf_energy_ratio(sr_y: torch.Tensor, hr_y: torch.Tensor, cutoff: float) -> float:
    """Σ_{f > cutoff} P_sr(f) / Σ_{f > cutoff} P_hr(f) over the radially averaged power spectra, `cutoff` in cycles per
    pixel. With the cut-off at the LR's Nyquist frequency (0.5 / scale), this is the detail the model had to make
    up: < 1 is over-smoothing (the posterior mean's softness), > 1 invented noise or ringing."""
    sr_power, hr_power = radial_power(sr_y), radial_power(hr_y)
    first = int(cutoff * min(hr_y.shape)) + 1
    return float(sr_power[first:].sum() / hr_power[first:].sum().clamp(min=1e-20))


def srgb_to_lab(rgb: torch.Tensor) -> torch.Tensor:
    """sRGB (3, H, W) in [0, 1] → CIELAB (3, H, W) under D65 (IEC 61966-2-1 decoding, then XYZ and CIE 1976 L*a*b*)."""
    rgb = rgb.double().clamp(0, 1)
    linear = torch.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    to_xyz = torch.tensor(
        [[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750], [0.0193339, 0.1191920, 0.9503041]],
        dtype=torch.float64,
    )
    white = torch.tensor([0.95047, 1.0, 1.08883], dtype=torch.float64)[:, None, None]
    xyz = torch.einsum("ij,jhw->ihw", to_xyz, linear) / white
    delta = 6 / 29
    f = torch.where(xyz > delta**3, xyz.clamp(min=1e-12) ** (1 / 3), xyz / (3 * delta**2) + 4 / 29)
    return torch.stack([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def ciede2000(lab1: torch.Tensor, lab2: torch.Tensor) -> torch.Tensor:
    """ΔE00 per pixel between two CIELAB images (3, ...): the CIEDE2000 formula as written by Sharma, Wu and Dalal
    (2005), eqs. 1–24, with k_L = k_C = k_H = 1."""
    (l1, a1, b1), (l2, a2, b2) = lab1.double(), lab2.double()
    c_mean = (torch.hypot(a1, b1) + torch.hypot(a2, b2)) / 2
    g = 0.5 * (1 - torch.sqrt(c_mean**7 / (c_mean**7 + 25.0**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = torch.hypot(a1p, b1), torch.hypot(a2p, b2)
    h1p, h2p = _hue_degrees(b1, a1p), _hue_degrees(b2, a2p)
    dl, dc = l2 - l1, c2p - c1p
    dh = h2p - h1p
    dh = torch.where(dh > 180, dh - 360, torch.where(dh < -180, dh + 360, dh))
    dh = torch.where(c1p * c2p == 0, torch.zeros_like(dh), dh)
    dh_big = 2 * torch.sqrt(c1p * c2p) * torch.sin(torch.deg2rad(dh / 2))
    l_mean, cp_mean = (l1 + l2) / 2, (c1p + c2p) / 2
    h_sum = h1p + h2p
    h_mean = torch.where(
        torch.abs(h1p - h2p) <= 180, h_sum / 2, torch.where(h_sum < 360, (h_sum + 360) / 2, (h_sum - 360) / 2)
    )
    h_mean = torch.where(c1p * c2p == 0, h_sum, h_mean)
    t = (
        1
        - 0.17 * _cos_deg(h_mean - 30)
        + 0.24 * _cos_deg(2 * h_mean)
        + 0.32 * _cos_deg(3 * h_mean + 6)
        - 0.20 * _cos_deg(4 * h_mean - 63)
    )
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / torch.sqrt(20 + (l_mean - 50) ** 2)
    s_c = 1 + 0.045 * cp_mean
    s_h = 1 + 0.015 * cp_mean * t
    r_c = 2 * torch.sqrt(cp_mean**7 / (cp_mean**7 + 25.0**7))
    r_t = -torch.sin(torch.deg2rad(60 * torch.exp(-(((h_mean - 275) / 25) ** 2)))) * r_c
    return torch.sqrt((dl / s_l) ** 2 + (dc / s_c) ** 2 + (dh_big / s_h) ** 2 + r_t * (dc / s_c) * (dh_big / s_h))


def mean_delta_e00(rgb1: torch.Tensor, rgb2: torch.Tensor) -> float:
    """Mean ΔE00 between two sRGB images (3, H, W) in [0, 1]: a colour shift; < 1 is invisible side by side."""
    return float(ciede2000(srgb_to_lab(rgb1), srgb_to_lab(rgb2)).mean())


def colour_shift_delta_e00(rgb1: torch.Tensor, rgb2: torch.Tensor, scale: int) -> float:
    """Mean ΔE00 after a box blur over one LR pixel and its neighbours ((2·scale + 1) output pixels): the colour shift
    alone. Per pixel, ΔE00 also counts texture one look draws and the other does not."""
    side = 2 * scale + 1
    blurred = [F.avg_pool2d(x[None], side, stride=1, padding=scale, count_include_pad=False)[0] for x in (rgb1, rgb2)]
    return mean_delta_e00(*blurred)


def _hue_degrees(b: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
    hue = torch.rad2deg(torch.atan2(b, a))
    return torch.where(hue < 0, hue + 360, hue)


def _cos_deg(x: torch.Tensor) -> torch.Tensor:
    return torch.cos(torch.deg2rad(x))
