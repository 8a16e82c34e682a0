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
VISIBLE_TONE = 1 / 255  # a periodic tone weaker than one 8-bit grey level can neither be seen nor survive 8 bits


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


def harmonics(period: int) -> list[tuple[int, int]]:
    """The spectrum bins of a period's harmonics in a block: both axes and both diagonals."""
    bins = []
    for k in range(1, period // 2 + 1):
        f = k * BLOCK // period
        bins += [(0, f), (f, 0), (f, f), (f, -f)]
    return bins


def peaks_db(power: torch.Tensor, period: int) -> torch.Tensor:
    """Per harmonic of the period: its power over the median of a ring 2–3 bins around it, in dB."""
    ratios = []
    for fy, fx in harmonics(period):
        ring = [
            power[(fy + dy) % BLOCK, (fx + dx) % BLOCK]
            for dy in range(-3, 4)
            for dx in range(-3, 4)
            if max(abs(dy), abs(dx)) >= 2 and (fy + dy) % BLOCK and (fx + dx) % BLOCK
        ]
        ratios.append(float(power[fy % BLOCK, fx % BLOCK]) / max(float(torch.stack(ring).median()), 1e-20))
    return 10 * torch.log10(torch.tensor(ratios).clamp(min=1e-20))


def tone_amplitudes(power: torch.Tensor, period: int) -> torch.Tensor:
    """Per harmonic of the period: the amplitude of the cosine that has that bin's power under the Hann window, in
    luma units. A bin that is its own mirror (at the 2-px period) holds the whole cosine, any other bin half of it."""
    window_sum = float(torch.hann_window(BLOCK, periodic=True, dtype=torch.float64).sum()) ** 2
    amplitudes = []
    for fy, fx in harmonics(period):
        own_mirror = fy % (BLOCK // 2) == 0 and fx % (BLOCK // 2) == 0
        amplitudes.append(float(power[fy % BLOCK, fx % BLOCK]) ** 0.5 / window_sum * (1 if own_mirror else 2))
    return torch.tensor(amplitudes)


def grid_excess_db(sr_y: torch.Tensor, hr_y: torch.Tensor, scale: int) -> dict[str, float]:
    """The worst excess (output minus HR) over the harmonics of the suspect periods, on all blocks and on the HR's
    flat blocks. On flat blocks only tones of at least one grey level count: around their harmonics the spectrum is
    nearly empty, so an invisible residue would otherwise read as a peak of tens of dB."""
    sr_blocks, hr_blocks = blocks(sr_y), blocks(hr_y)
    flat = hr_blocks.std(dim=(1, 2)) < FLAT_STD
    result = {}
    for name, mask in (("all", torch.ones_like(flat)), ("flat", flat)):
        if not mask.any():
            result[name] = 0.0
            continue
        sr_power, hr_power = mean_power(sr_blocks[mask]), mean_power(hr_blocks[mask])
        excesses = []
        for period in suspect_periods(scale):
            excess = peaks_db(sr_power, period) - peaks_db(hr_power, period)
            if name == "flat":
                excess = excess[tone_amplitudes(sr_power, period) >= VISIBLE_TONE]
            excesses += excess.tolist()
        result[name] = round(max(excesses), 2) if excesses else 0.0  # no visible tone: nothing in excess
    return result


STIPPLE_WINDOW = 16
# Power at the 2-px period over the band just below it. Natural spectra fall with frequency (< 1), white noise is
# flat (~1, rarely over 3), a pure 2-px tone gives 8 under the Hann window.
STIPPLE_TONE = 3.0


def nyquist_tone(channel: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per 16-px window (stride 8) of one channel (H, W): the power at the 2-px period along rows or columns
    (whichever is stronger), and that power over the mean power of the two frequencies just below it."""
    win, half = STIPPLE_WINDOW, STIPPLE_WINDOW // 2
    patches = channel.double().unfold(0, win, half).unfold(1, win, half)
    patches = patches - patches.mean(dim=(-2, -1), keepdim=True)
    window = torch.hann_window(win, periodic=True, dtype=torch.float64)
    power = torch.fft.fft2(patches * (window[:, None] * window[None, :]), norm="ortho").abs().pow(2)
    along_x, below_x = power[..., :, half].sum(-1), power[..., :, half - 2 : half].sum((-2, -1)) / 2
    along_y, below_y = power[..., half, :].sum(-1), power[..., half - 2 : half, :].sum((-2, -1)) / 2
    tone = torch.maximum(along_x, along_y)
    ratio = torch.maximum(along_x / below_x.clamp(min=1e-20), along_y / below_y.clamp(min=1e-20))
    return tone, ratio


def _visible_tone_power() -> float:
    """The tone power of a 2-px stripe one 8-bit level in amplitude: weaker stipple cannot be seen."""
    stripe = (torch.arange(STIPPLE_WINDOW) % 2 * 2 - 1).double().expand(STIPPLE_WINDOW, -1) * VISIBLE_TONE
    return float(nyquist_tone(stripe)[0].flatten()[0])


VISIBLE_TONE_POWER = _visible_tone_power()


def stipple_channels(rgb: torch.Tensor) -> torch.Tensor:
    """(…, 3, H, W) RGB → (…, 3, H, W) luma, B − Y and R − Y: where a stipple is looked for, in luma or in colour."""
    y = 0.299 * rgb[..., 0, :, :] + 0.587 * rgb[..., 1, :, :] + 0.114 * rgb[..., 2, :, :]
    return torch.stack([y, rgb[..., 2, :, :] - y, rgb[..., 0, :, :] - y], dim=-3)


def stipple_pct(rgb: torch.Tensor) -> float:
    """Stipple, a 2-px checker or stripe such as a head that predicts 2×2 cells (pixel shuffle) can draw when pushed
    to add texture: the share of 16-px windows, in %, worst of Y, Cb and Cr, with a visible tone at the 2-px period
    that stands out of the spectrum below it (`STIPPLE_TONE`). Local, so a stipple only along edges counts, which
    the averaged spectrum of `grid_excess_db` misses; natural photos score a few %."""
    shares = []
    for channel in stipple_channels(rgb):
        tone, ratio = nyquist_tone(channel)
        shares.append(float(((tone >= VISIBLE_TONE_POWER) & (ratio > STIPPLE_TONE)).double().mean()))
    return round(100 * max(shares), 2)


OVERSHOOT_NEIGHBOURHOOD = 7  # px: an edge's halo lies within 2–3 px of it
OVERSHOOT_TOLERANCE = 4 / 255  # a few grey levels: JPEG noise and rounding stay under it, a halo does not


def overshoot_pct(sr_y: torch.Tensor, hr_y: torch.Tensor) -> float:
    """Halos: the share of pixels, in %, whose luma (H, W) leaves the HR's range over their 7×7 neighbourhood by more
    than `OVERSHOOT_TOLERANCE`. A soft output stays inside that range; sharpening (a decoder pushed towards the HR's
    high-frequency energy) overshoots it in a dark and a bright band along each edge, which the spectral checks
    count as detail."""
    pad = OVERSHOOT_NEIGHBOURHOOD // 2
    hr = hr_y.double()[None, None]
    highest = torch.nn.functional.max_pool2d(hr, OVERSHOOT_NEIGHBOURHOOD, stride=1, padding=pad)[0, 0]
    lowest = -torch.nn.functional.max_pool2d(-hr, OVERSHOOT_NEIGHBOURHOOD, stride=1, padding=pad)[0, 0]
    sr = sr_y.double()
    outside = (sr > highest + OVERSHOOT_TOLERANCE) | (sr < lowest - OVERSHOOT_TOLERANCE)
    return round(100 * float(outside.double().mean()), 2)
