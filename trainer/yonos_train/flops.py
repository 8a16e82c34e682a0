"""Multiply-add cost of the exported graphs, counted from the convolutions and linear layers actually run."""

from __future__ import annotations

import torch
import torch.nn as nn


def count_gflops(module: nn.Module, *inputs: torch.Tensor) -> float:
    """GFLOPs (2 per multiply-add) of one forward pass; elementwise ops are ignored (they are ~1 % here)."""
    total = 0

    def conv_hook(layer: nn.Conv2d, _inputs: tuple, output: torch.Tensor) -> None:
        nonlocal total
        kernel = layer.in_channels // layer.groups * layer.kernel_size[0] * layer.kernel_size[1]
        total += 2 * kernel * output.numel()

    def linear_hook(layer: nn.Linear, _inputs: tuple, output: torch.Tensor) -> None:
        nonlocal total
        total += 2 * layer.in_features * output.numel()

    handles = [m.register_forward_hook(conv_hook) for m in module.modules() if isinstance(m, nn.Conv2d)]
    handles += [m.register_forward_hook(linear_hook) for m in module.modules() if isinstance(m, nn.Linear)]
    try:
        with torch.no_grad():
            module(*inputs)
    finally:
        for handle in handles:
            handle.remove()
    return total / 1e9
