"""The autoencoder's reconstruction loss, reused for decoder fine-tuning (paper Sec. 3.3), and PSNR for logging."""

import functools

import torch

from .imaging import rgb_to_y

CPU = torch.device("cpu")


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
