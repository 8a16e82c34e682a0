"""The autoencoder's reconstruction loss, reused for decoder fine-tuning (paper Sec. 3.3), and PSNR for logging."""

import functools

import torch
import torch.nn.functional as F

from .artifacts import STIPPLE_WINDOW, stipple_channels
from .imaging import rgb_to_y

CPU = torch.device("cpu")
AMPLITUDE_EPS = 1e-6  # keeps the square root differentiable at a window with no tone at all


def reconstruction_loss(prediction: torch.Tensor, target: torch.Tensor, fft_weight: float) -> torch.Tensor:
    """L1 in pixels plus L1 between 2D spectra, which keeps fine detail that plain L1 blurs away."""
    prediction, target = prediction.float(), target.float()
    pixel = (prediction - target).abs().mean()
    spectrum = (torch.fft.rfft2(prediction, norm="ortho") - torch.fft.rfft2(target, norm="ortho")).abs().mean()
    return pixel + fft_weight * spectrum


def amplitude_loss(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """L1 between the 2D amplitude spectra, phase ignored: Fuoli, Van Gool & Timofte 2021 ("Fourier Space Losses for
    Efficient Perceptual Image Super-Resolution"), their amplitude loss. The complex spectrum loss above is minimised,
    for detail whose phase the LR does not fix, by leaving it out (the posterior mean's softness); this term instead
    asks for the HR's energy at every frequency, and penalises a periodic pattern's peak as much as missing texture."""
    return (amplitude_spectrum(prediction) - amplitude_spectrum(target)).abs().mean()


def periodic_excess_loss(prediction: torch.Tensor, target: torch.Tensor, periods: tuple[int, ...]) -> torch.Tensor:
    """The mean amount by which the prediction's amplitude spectrum exceeds the target's at the harmonics of the
    given pixel periods (and the bins beside them), along both axes and both diagonals. With the decoder's own grids
    as periods (the LR pixel and the latent cell), this is the artifact check of artifacts.py as a loss: an
    adversarial decoder otherwise learns to sharpen each cell, which shows as a grid the HR photo does not have."""
    mask = harmonic_mask(prediction.shape[-2], prediction.shape[-1], periods, prediction.device)
    excess = (amplitude_spectrum(prediction) - amplitude_spectrum(target)).clamp(min=0)
    # A weighted mean, not boolean indexing: that would wait for the device (and has no `meta` kernel).
    return (excess * mask).sum((-2, -1)).mean() / mask.sum()


def stipple_excess_loss(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """The mean amount, in intensity units, by which the prediction's 2-px tone exceeds the target's, per 16-px
    window and direction, in luma and colour differences: `artifacts.stipple_pct` as a loss. An adversarial decoder
    draws a 2-px stipple along bright edges that the averaged spectrum of `periodic_excess_loss` cannot see (it
    covers a few % of the image); a window the target has that tone in (fine fabric, foliage) is free to have it
    too, with any phase."""
    amplitudes = nyquist_amplitudes(stipple_channels(prediction)), nyquist_amplitudes(stipple_channels(target))
    excess = [F.relu(out - ref) for out, ref in zip(*amplitudes, strict=True)]
    return (excess[0].mean() + excess[1].mean()) / 2


def nyquist_amplitudes(image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, C, H, W) → per channel and 16-px window (stride 8), the amplitude of the 2-px tone along x and along y:
    the cosine amplitude whose Hann-windowed power at that period (all frequencies across it) is the window's. The
    window's 2D spectrum is separable, so each is a demodulation along one axis and, by Parseval, a windowed sum of
    squares along the other. Elementwise products on strided views, not convolutions, so autocast leaves them in
    float32: a tone of one grey level is below bfloat16's resolution."""
    window = torch.hann_window(STIPPLE_WINDOW, periodic=True, device=image.device)
    alternating = window * (1 - 2 * (torch.arange(STIPPLE_WINDOW, device=image.device) % 2))
    norm = window.sum() ** 2 * window.pow(2).sum()  # a unit cosine's power
    stride = STIPPLE_WINDOW // 2

    def along_rows(channels: torch.Tensor) -> torch.Tensor:
        """(N, H, W) → (N, windows down, windows across): the tone along each row, its square summed down."""
        tone = (channels.unfold(2, STIPPLE_WINDOW, stride) * alternating).sum(-1)
        power = (tone.unfold(1, STIPPLE_WINDOW, stride).pow(2) * window.pow(2)).sum(-1)
        return (power / norm + AMPLITUDE_EPS**2).sqrt()

    channels = image.float().flatten(0, 1)
    along_x, along_y = along_rows(channels), along_rows(channels.transpose(1, 2)).transpose(1, 2)
    return along_x.reshape(*image.shape[:2], *along_x.shape[1:]), along_y.reshape(*image.shape[:2], *along_y.shape[1:])


def amplitude_spectrum(image: torch.Tensor) -> torch.Tensor:
    """|rfft2| with orthonormal scaling, in float32."""
    return torch.fft.rfft2(image.float(), norm="ortho").abs()


@functools.lru_cache(maxsize=16)
def harmonic_mask(height: int, width: int, periods: tuple[int, ...], device: torch.device = CPU) -> torch.Tensor:
    """(height, width // 2 + 1) over an rfft2 spectrum: 1 at the bins within one of k·(height, width)/period, else 0.
    Cached per crop size and device: training asks for the same one every step."""
    mask = torch.zeros(height, width // 2 + 1)
    for period in periods:
        for k in range(1, period // 2 + 1):
            fy, fx = round(k * height / period), round(k * width / period)
            for y, x in ((0, fx), (fy, 0), (fy, fx), (-fy, fx)):
                for dy in (-1, 0, 1):
                    for dx in (-1, 0, 1):
                        if 0 <= x + dx <= width // 2:
                            mask[(y + dy) % height, x + dx] = 1
    return mask.to(device)


def psnr_y(prediction: torch.Tensor, target: torch.Tensor, border: int = 0) -> float:
    """Mean PSNR on BT.601 luma over a batch, with `border` pixels cropped on each side."""
    y_pred, y_true = rgb_to_y(prediction.float().clamp(0, 1)), rgb_to_y(target.float())
    if border:
        y_pred, y_true = y_pred[..., border:-border, border:-border], y_true[..., border:-border, border:-border]
    mse = (y_pred - y_true).pow(2).flatten(1).mean(1).clamp(min=1e-10)
    return float((10 * torch.log10(1 / mse)).mean())
