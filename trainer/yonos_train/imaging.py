"""Resizing shared by training, export and evaluation, so every stage sees identical pixels."""

import contextlib
import math

import torch
import torch.nn.functional as F


def downscale_bicubic(x: torch.Tensor, factor: int) -> torch.Tensor:
    """Antialiased bicubic downscale by an integer factor (the `bicubic` degradation)."""
    h, w = x.shape[-2] // factor, x.shape[-1] // factor
    return F.interpolate(x, size=(h, w), mode="bicubic", antialias=True, align_corners=False).clamp(0, 1)


def resize_like(x_l: torch.Tensor, scale: int) -> torch.Tensor:
    """RESIZELIKE of Algorithm 1: bicubic upsampling of the LR image back to HR size.

    Exactly F.interpolate(mode="bicubic", align_corners=False), written as edge padding, one depthwise 5×5
    convolution per output phase and a pixel shuffle: onnxruntime's cubic Resize kernel took 60% of the
    encoder's and 40% of the decoder's CPU time, the convolution form is a few percent.
    """
    channels = int(x_l.shape[1])  # a constant when exporting: ONNX needs the kernel's shape
    weight = _bicubic_phase_kernels(scale).repeat(channels, 1, 1, 1).to(device=x_l.device)
    # fp32 even under bf16 autocast: the decoder adds its correction to these pixels.
    with _no_autocast(x_l.device):
        phases = F.conv2d(F.pad(x_l.float(), (2, 2, 2, 2), mode="replicate"), weight, groups=channels)
    return F.pixel_shuffle(phases, scale)


def _no_autocast(device: torch.device) -> contextlib.AbstractContextManager:
    if not torch.amp.is_autocast_available(device.type):  # e.g. `meta` in the device-placement tests
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, enabled=False)


def _cubic_weights(t: float, a: float = -0.75) -> list[float]:
    """Keys' cubic convolution weights (PyTorch's A = -0.75) of the 4 taps around a point `t` in [0, 1) past a tap."""

    def near(d: float) -> float:
        return ((a + 2) * d - (a + 3)) * d * d + 1

    def far(d: float) -> float:
        return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a

    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def _bicubic_phase_kernels(scale: int) -> torch.Tensor:
    """(scale², 1, 5, 5) kernels over LR offsets -2..2: output phase p of LR pixel k samples LR coordinate
    k + (p + 0.5) / scale - 0.5 (half-pixel centres), whose 4 taps all fall within k-2..k+2."""
    taps_1d = []
    for phase in range(scale):
        t = (phase + 0.5) / scale - 0.5
        first = -2 if t < 0 else -1  # offset of the leftmost tap
        row = [0.0] * 5
        for i, w in enumerate(_cubic_weights(t - math.floor(t))):
            row[first + 2 + i] = w
        taps_1d.append(torch.tensor(row, dtype=torch.float64))
    kernels = [torch.outer(taps_1d[py], taps_1d[px]) for py in range(scale) for px in range(scale)]
    return torch.stack(kernels)[:, None].float()


def rgb_to_y(x: torch.Tensor) -> torch.Tensor:
    """BT.601 luma in [16, 235]/255 from RGB in [0, 1], as in the standard SR protocol."""
    r, g, b = x[:, 0], x[:, 1], x[:, 2]
    return (16.0 + 65.481 * r + 128.553 * g + 24.966 * b) / 255.0
