"""Small, ONNX-friendly networks: the f4 autoencoder E/D, the denoiser U-Net ẑθ(z_t, z_l, λ_t) and the SR decoder.

No layer normalises over space (no GroupNorm/BatchNorm): the app runs these in overlapping tiles, and a statistic
taken over a tile would make each tile's output depend on its neighbours' absence, i.e. visible seams. Training
stays stable without it thanks to He init and damped residual branches (see docs/model-design-findings.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from .imaging import resize_like
from .schedule import LOGSNR_MAX

RESIDUAL_DAMPING = 0.1


def conv3(c_in: int, c_out: int, stride: int = 1) -> nn.Conv2d:
    conv = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1)
    nn.init.kaiming_normal_(conv.weight, nonlinearity="relu")
    nn.init.zeros_(_bias(conv))
    return conv


def zero_conv(c_in: int, c_out: int) -> nn.Conv2d:
    conv = nn.Conv2d(c_in, c_out, 3, padding=1)
    nn.init.zeros_(conv.weight)
    nn.init.zeros_(_bias(conv))
    return conv


def _bias(conv: nn.Conv2d) -> torch.Tensor:
    assert conv.bias is not None  # every convolution here is built with a bias
    return conv.bias


class ResBlock(nn.Module):
    """x + damped(conv(silu(conv(silu(x))))), optionally modulated by an embedding (FiLM)."""

    def __init__(self, channels: int, emb_dim: int = 0):
        super().__init__()
        self.conv1 = conv3(channels, channels)
        self.conv2 = conv3(channels, channels)
        self.conv2.weight.data *= RESIDUAL_DAMPING
        self.film = nn.Linear(emb_dim, 2 * channels) if emb_dim else None
        if self.film is not None:
            nn.init.zeros_(self.film.weight)
            nn.init.zeros_(self.film.bias)

    def forward(self, x: torch.Tensor, emb: torch.Tensor | None = None) -> torch.Tensor:
        h = self.conv1(F.silu(x))
        if self.film is not None and emb is not None:
            scale, shift = self.film(emb)[:, :, None, None].chunk(2, dim=1)
            h = h * (1 + scale) + shift
        return x + self.conv2(F.silu(h))


@dataclass(frozen=True)
class AutoencoderSpec:
    latent_channels: int = 8
    widths: tuple[int, int] = (32, 64)  # at H/2 and H/4 (f4 latent)
    blocks: tuple[int, int] = (1, 2)

    factor: int = 4


class Encoder(nn.Module):
    """x (N,3,H,W) → z (N,C,H/4,W/4). Space-to-depth first, so no convolution runs at full resolution."""

    latent_mean: torch.Tensor
    latent_std: torch.Tensor

    def __init__(self, spec: AutoencoderSpec):
        super().__init__()
        w0, w1 = spec.widths
        self.stem = conv3(12, w0)
        self.level0 = nn.Sequential(*[ResBlock(w0) for _ in range(spec.blocks[0])])
        self.down = conv3(w0, w1, stride=2)
        self.level1 = nn.Sequential(*[ResBlock(w1) for _ in range(spec.blocks[1])])
        self.out = conv3(w1, spec.latent_channels)
        # Per-channel latent statistics, set after autoencoder training, so the U-Net sees unit-variance latents.
        self.register_buffer("latent_mean", torch.zeros(1, spec.latent_channels, 1, 1))
        self.register_buffer("latent_std", torch.ones(1, spec.latent_channels, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.level0(self.stem(F.pixel_unshuffle(x * 2 - 1, 2)))
        z = self.out(F.silu(self.level1(self.down(h))))
        return (z - self.latent_mean) / self.latent_std


class Decoder(nn.Module):
    """z (N,C,H/4,W/4) → x (N,3,H,W). Ends in depth-to-space, for the same reason as the encoder."""

    latent_mean: torch.Tensor
    latent_std: torch.Tensor

    def __init__(self, spec: AutoencoderSpec):
        super().__init__()
        w0, w1 = spec.widths
        self.stem = conv3(spec.latent_channels, w1)
        self.level1 = nn.Sequential(*[ResBlock(w1) for _ in range(spec.blocks[1])])
        self.up = conv3(w1, 4 * w0)
        self.level0 = nn.Sequential(*[ResBlock(w0) for _ in range(spec.blocks[0] + 1)])
        self.out = conv3(w0, 12)
        self.register_buffer("latent_mean", torch.zeros(1, spec.latent_channels, 1, 1))
        self.register_buffer("latent_std", torch.ones(1, spec.latent_channels, 1, 1))

    def latent_features(self, z: torch.Tensor) -> torch.Tensor:
        """Features at the latent cells (H/4), shared with an SR head that runs there."""
        return self.level1(self.stem(z * self.latent_std + self.latent_mean))

    def features(self, z: torch.Tensor) -> torch.Tensor:
        """Half-resolution features, shared with the SR decoder."""
        return self.level0(F.pixel_shuffle(self.up(F.silu(self.latent_features(z))), 2))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return (F.pixel_shuffle(self.out(F.silu(self.features(z))), 2) + 1) / 2


# Where the SR head runs, as the side of one of its cells in output pixels.
HEAD_CELLS = {"latent": 4, "half": 2, "full": 1}


@dataclass(frozen=True)
class SRHeadSpec:
    """The SR decoder's correction head: width (0 = the AE's first width), ResBlocks, and where it runs: on the
    latent cells (H/4), at half resolution (H/2, after the AE decoder's last features) or at full resolution."""

    width: int = 0
    blocks: int = 1
    resolution: str = "half"


class SRDecoder(nn.Module):
    """The product decoder: bicubic(LR) + a zero-initialised correction predicted from z and the LR image.

    At initialisation it outputs exactly the bicubic upscale, so fine-tuning (paper Sec. 3.3) can only learn upward
    from bicubic quality. Wherever the head runs, it sees the bicubic image folded into its cells (space-to-depth)
    and unfolds its correction the same way.
    """

    def __init__(self, decoder: Decoder, spec: AutoencoderSpec, head: SRHeadSpec, scale: int):
        super().__init__()
        if head.resolution not in HEAD_CELLS:
            raise ValueError(f"unknown SR head resolution {head.resolution!r}; choose from {list(HEAD_CELLS)}")
        w0, w1 = spec.widths
        width = head.width or w0
        self.scale = scale
        self.cell = HEAD_CELLS[head.resolution]
        self.decoder = decoder
        self.decoder.out.requires_grad_(False)  # the plain RGB head is unused here; DDP needs every trained param used
        if self.cell == 4:  # the decoder's upsampling and half-resolution blocks are skipped
            self.decoder.up.requires_grad_(False)
            self.decoder.level0.requires_grad_(False)
        features = {4: w1, 2: w0, 1: width}[self.cell]
        if self.cell == 1:  # half-resolution features to full resolution: a 1×1 convolution, then depth-to-space
            self.lift = nn.Conv2d(w0, 4 * width, 1)
        pixels = 3 * self.cell**2
        self.merge = conv3(features + pixels, width)
        # One block keeps v0.2's parameter names (`refine`), so its decoders still load.
        self.refine = ResBlock(width)
        self.refine_more = nn.Sequential(*[ResBlock(width) for _ in range(head.blocks - 1)])
        self.correction = zero_conv(width, pixels)

    def head_features(self, z: torch.Tensor) -> torch.Tensor:
        if self.cell == 4:
            return self.decoder.latent_features(z)
        if self.cell == 2:
            return self.decoder.features(z)
        return F.pixel_shuffle(self.lift(F.silu(self.decoder.features(z))), 2)

    def forward(self, z: torch.Tensor, lr: torch.Tensor) -> torch.Tensor:
        upscaled = resize_like(lr, self.scale)
        h = torch.cat([self.head_features(z), _fold(upscaled * 2 - 1, self.cell)], dim=1)
        h = self.refine_more(self.refine(self.merge(F.silu(h))))
        return upscaled + _unfold(self.correction(F.silu(h)), self.cell)


def _fold(x: torch.Tensor, cell: int) -> torch.Tensor:
    return F.pixel_unshuffle(x, cell) if cell > 1 else x


def _unfold(x: torch.Tensor, cell: int) -> torch.Tensor:
    return F.pixel_shuffle(x, cell) if cell > 1 else x


class PlainDecoder(nn.Module):
    """The paper's decoder, fine-tuned as is (for the ablation); takes the same inputs as SRDecoder."""

    def __init__(self, decoder: Decoder):
        super().__init__()
        self.decoder = decoder

    def forward(self, z: torch.Tensor, lr: torch.Tensor) -> torch.Tensor:
        # `lr` is unused, but the ONNX exporter drops unused inputs and the contract wants the same inputs for
        # every decoder; a zero-weighted use keeps it in the graph at negligible cost.
        return self.decoder(z) + 0.0 * lr.mean()


@dataclass(frozen=True)
class UNetSpec:
    latent_channels: int = 8
    widths: tuple[int, int, int] = (64, 96, 96)
    mid_blocks: int = 2
    emb_dim: int = 128


def logsnr_embedding(logsnr: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal features of λ/λ_max ∈ [−1, 1] at geometrically spaced frequencies."""
    half = dim // 2
    freqs = torch.exp(torch.linspace(0, math.log(200.0), half, device=logsnr.device))
    angles = (logsnr.float() / LOGSNR_MAX)[:, None] * freqs[None] * math.pi
    return torch.cat([angles.sin(), angles.cos()], dim=1)


class UNet(nn.Module):
    """ẑθ(z_t, z_l, λ_t): predicts v from concat(z_t, z_l), three levels, FiLM-conditioned on λ."""

    def __init__(self, spec: UNetSpec):
        super().__init__()
        c, (w0, w1, w2), e = spec.latent_channels, spec.widths, spec.emb_dim
        self.emb_dim = e
        self.embed = nn.Sequential(nn.Linear(e, e), nn.SiLU(), nn.Linear(e, e))
        self.stem = conv3(2 * c, w0)
        self.enc0 = ResBlock(w0, e)
        self.down0 = conv3(w0, w1, stride=2)
        self.enc1 = ResBlock(w1, e)
        self.down1 = conv3(w1, w2, stride=2)
        self.mid = nn.ModuleList([ResBlock(w2, e) for _ in range(spec.mid_blocks)])
        self.up1 = conv3(w2, w1)
        self.merge1 = conv3(2 * w1, w1)
        self.dec1 = ResBlock(w1, e)
        self.up0 = conv3(w1, w0)
        self.merge0 = conv3(2 * w0, w0)
        self.dec0 = ResBlock(w0, e)
        self.out = conv3(w0, c)
        self.out.weight.data *= RESIDUAL_DAMPING

    def forward(self, z_t: torch.Tensor, z_l: torch.Tensor, logsnr: torch.Tensor) -> torch.Tensor:
        emb = self.embed(logsnr_embedding(logsnr, self.emb_dim))
        h0 = self.enc0(self.stem(torch.cat([z_t, z_l], dim=1)), emb)
        h1 = self.enc1(self.down0(F.silu(h0)), emb)
        h = self.down1(F.silu(h1))
        for block in self.mid:
            h = block(h, emb)
        h = self.dec1(self.merge1(F.silu(torch.cat([_upsample(self.up1, h), h1], dim=1))), emb)
        h = self.dec0(self.merge0(F.silu(torch.cat([_upsample(self.up0, h), h0], dim=1))), emb)
        return self.out(F.silu(h))


def _upsample(conv: nn.Conv2d, h: torch.Tensor) -> torch.Tensor:
    return conv(F.silu(F.interpolate(h, scale_factor=2.0, mode="nearest")))


def count_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
