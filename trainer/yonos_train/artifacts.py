"""Artifact check: periodic patterns (JPEG block grids, cross-hatch) that the output has and the HR photo has not.

The image's luma is cut into 128-px blocks and their power spectra averaged (Welch's method). At the harmonics of
each suspect period (the LR pixel grid, the latent grid, the U-Net's stride and the JPEG 8-px block grid enlarged
by the scale), along both axes and both diagonals, we compare the power with the median of the surrounding ring of
frequencies. A periodic pattern shows as a peak; the excess of the output over the HR in dB is the score, on the
whole image and on its flat blocks (where a pattern is most visible).
"""

from __future__ import annotations

import torch

BLOCK = 128
FLAT_STD = 0.02  # HR luma standard deviation below which a block counts as flat


def suspect_periods(scale: int) -> list[int]:
    """Output-pixel periods worth checking: LR pixels, latent cells (f4), U-Net stride (16), JPEG blocks (8·scale)."""
    return sorted({p for p in (scale, 4, 16, 8 * scale) if 2 <= p <= BLOCK})


def blocks(y: torch.Tensor) -> torch.Tensor:
    """(H, W) → (N, BLOCK, BLOCK), dropping the ragged edge."""
    h, w = y.shape[0] // BLOCK * BLOCK, y.shape[1] // BLOCK * BLOCK
    return y[:h, :w].reshape(h // BLOCK, BLOCK, w // BLOCK, BLOCK).permute(0, 2, 1, 3).reshape(-1, BLOCK, BLOCK)


def mean_power(tiles: torch.Tensor) -> torch.Tensor:
    """Welch: the average power spectrum of mean-removed, Hann-windowed blocks."""
    window = torch.hann_window(BLOCK, periodic=True, dtype=torch.float64)
    window = window[:, None] * window[None, :]
    tiles = tiles.double() - tiles.double().mean(dim=(1, 2), keepdim=True)
    return torch.fft.fft2(tiles * window).abs().pow(2).mean(0)


def peaks_db(power: torch.Tensor, period: int) -> torch.Tensor:
    """Per harmonic of the period (both axes, both diagonals): its power over the median of a ring 2–3 bins
    around it, in dB."""
    ratios = []
    for k in range(1, period // 2 + 1):
        f = k * BLOCK // period
        for fy, fx in ((0, f), (f, 0), (f, f), (f, -f)):
            ring = [
                power[(fy + dy) % BLOCK, (fx + dx) % BLOCK]
                for dy in range(-3, 4)
                for dx in range(-3, 4)
                if max(abs(dy), abs(dx)) >= 2 and (fy + dy) % BLOCK and (fx + dx) % BLOCK
            ]
            ratios.append(float(power[fy % BLOCK, fx % BLOCK]) / max(float(torch.stack(ring).median()), 1e-20))
    return 10 * torch.log10(torch.tensor(ratios).clamp(min=1e-20))


def grid_excess_db(sr_y: torch.Tensor, hr_y: torch.Tensor, scale: int) -> dict[str, float]:
    """The worst excess (output minus HR) over the harmonics of the suspect periods, on all blocks and on the HR's
    flat blocks."""
    sr_blocks, hr_blocks = blocks(sr_y), blocks(hr_y)
    flat = hr_blocks.std(dim=(1, 2)) < FLAT_STD
    result = {}
    for name, mask in (("all", torch.ones_like(flat)), ("flat", flat)):
        if not mask.any():
            result[name] = 0.0
            continue
        sr_power, hr_power = mean_power(sr_blocks[mask]), mean_power(hr_blocks[mask])
        result[name] = round(
            max(float((peaks_db(sr_power, p) - peaks_db(hr_power, p)).max()) for p in suspect_periods(scale)), 2
        )
    return result
