"""Resizing shared by training, export and evaluation, so every stage sees identical pixels."""

import torch
import torch.nn.functional as F


def downscale_bicubic(x: torch.Tensor, factor: int) -> torch.Tensor:
    """Antialiased bicubic downscale by an integer factor (the `bicubic` degradation)."""
    h, w = x.shape[-2] // factor, x.shape[-1] // factor
    return F.interpolate(x, size=(h, w), mode="bicubic", antialias=True, align_corners=False).clamp(0, 1)


def resize_like(x_l: torch.Tensor, scale: int) -> torch.Tensor:
    """RESIZELIKE of Algorithm 1: bicubic upsampling of the LR image back to HR size.

    Uses a scale factor rather than a target size so that the exported ONNX encoder keeps symbolic H/W.
    """
    return F.interpolate(x_l, scale_factor=float(scale), mode="bicubic", align_corners=False)


def rgb_to_y(x: torch.Tensor) -> torch.Tensor:
    """BT.601 luma in [16, 235]/255 from RGB in [0, 1], as in the standard SR protocol."""
    r, g, b = x[:, 0], x[:, 1], x[:, 2]
    return (16.0 + 65.481 * r + 128.553 * g + 24.966 * b) / 255.0
