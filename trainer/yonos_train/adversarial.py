"""The "detailed" look: a second decoder fine-tuned with the latent-diffusion autoencoder's adversarial loss.

Rombach et al. 2022 train their autoencoder (and the paper, Sec. 3.3, fine-tunes its decoder) with
`LPIPSWithDiscriminator`: reconstruction + LPIPS + a hinge-loss PatchGAN whose weight is set adaptively from the
gradients at the decoder's last layer (Esser et al. 2021, "Taming Transformers", eq. 7). We keep all of it except
LPIPS: no pretrained network can be downloaded here, so the perceptual term is the discriminator's own
feature-matching loss (Wang et al. 2018, pix2pixHD, eq. 4), computed on the discriminator being trained.

One deviation, on purpose: LDM's `disc_start` switches both the discriminator and its term in the decoder's loss on
after a warm-up of the autoencoder. Our decoder starts from the converged faithful one, so there is nothing left to
warm up on its side; the discriminator instead trains from the first step, and its term reaches the decoder only
after `disc_start` steps, once it has learnt to tell the faithful output from HR (its first gradients are otherwise
noise that the adaptive weight would still scale up to the reconstruction's size).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call

from .losses import amplitude_loss, periodic_excess_loss, reconstruction_loss, stipple_excess_loss
from .models import SRDecoder

LEAKY_SLOPE = 0.2
GRAD_EPS = 1e-4  # LDM's `calculate_adaptive_weight`
MAX_ADAPTIVE_WEIGHT = 1e4


@dataclass(frozen=True)
class DetailSpec:
    """The detailed decoder's fine-tuning: discriminator size, schedule and loss weights."""

    width: int = 64  # the discriminator's first width (pix2pix's ndf)
    layers: int = 3  # stride-2 levels (pix2pix's n_layers): one logit per ~70-px patch at 3
    steps: int = 1500  # per scale
    lr: float = 1e-4
    disc_start: int = 300  # steps before the adversarial term reaches the decoder
    disc_weight: float = 0.5  # LDM's `discriminator_weight`
    feature_weight: float = 1.0  # the feature-matching (perceptual) term, in place of LPIPS's weight of 1
    amplitude_weight: float = 1.0  # the Fourier amplitude term (losses.amplitude_loss): HR's energy at every frequency
    grid_weight: float = 1.0  # the LR-pixel and latent grids kept at HR's level (losses.periodic_excess_loss)
    betas: tuple[float, float] = (0.5, 0.9)  # LDM's Adam betas for autoencoder and discriminator
    # Blur before each stride-2 convolution of the discriminator (Zhang 2019), so the gradient it sends the decoder
    # has no 2-px checkerboard (Odena et al. 2016: a strided convolution's gradient is a transposed one).
    antialias: bool = False
    head_grid: bool = False  # add the SR head's own 2-px cell to the grids the grid-excess term keeps at HR's level
    # The local 2-px tone kept at HR's level per 16-px window (losses.stipple_excess_loss): the stipple along edges
    # that the averaged grid term cannot see. 0 (off) reproduces v0.3.1.
    stipple_weight: float = 0.0


class PatchDiscriminator(nn.Module):
    """pix2pix's N-layer PatchGAN (Isola et al. 2017), LDM's `NLayerDiscriminator`: 4×4 convolutions, `layers` of
    stride 2 then one of stride 1, LeakyReLU 0.2, and a 4×4 head with one logit per patch.

    No normalisation layer: LDM's BatchNorm would mix the statistics of the real and fake batches it sees in separate
    calls; the discriminator is small and shallow enough to train without one. With `antialias`, each stride-2
    convolution sees its input blurred by [1, 2, 1]², which has no response at the 2-px period.
    """

    def __init__(self, spec: DetailSpec):
        super().__init__()
        widths = [spec.width * min(2**i, 8) for i in range(spec.layers + 1)]
        strides = [2] * spec.layers + [1]
        self.blocks = nn.ModuleList(
            nn.Conv2d(c_in, c_out, 4, stride=stride, padding=1)
            for c_in, c_out, stride in zip([3, *widths[:-1]], widths, strides, strict=True)
        )
        self.head = nn.Conv2d(widths[-1], 1, 4, padding=1)
        self.blurred = [spec.antialias and stride == 2 for stride in strides]
        for conv in [*self.blocks, self.head]:
            nn.init.kaiming_normal_(conv.weight, a=LEAKY_SLOPE, nonlinearity="leaky_relu")
            nn.init.zeros_(conv.bias)

    def forward(self, image: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
        """Image in [0, 1] → (every block's features, patch logits)."""
        h, features = image.float() * 2 - 1, []
        for block, blurred in zip(self.blocks, self.blurred, strict=True):
            h = F.leaky_relu(block(blur(h) if blurred else h), LEAKY_SLOPE)
            features.append(h)
        return features, self.head(h)


def blur(h: torch.Tensor) -> torch.Tensor:
    """The [1, 2, 1]² / 16 low-pass per channel (BlurPool's filter, Zhang 2019), edges replicated: zero at the
    2-px period, so nothing downstream of it can ask for that period."""
    taps = torch.tensor([1.0, 2.0, 1.0], device=h.device, dtype=h.dtype)
    kernel = (taps[:, None] * taps[None, :] / 16).expand(h.shape[1], 1, 3, 3)
    return F.conv2d(F.pad(h, (1, 1, 1, 1), mode="replicate"), kernel, groups=h.shape[1])


def hinge_discriminator_loss(logits_real: torch.Tensor, logits_fake: torch.Tensor) -> torch.Tensor:
    """L_D = ½ (E[max(0, 1 − D(x))] + E[max(0, 1 + D(x̂))]): LDM's `hinge_d_loss` (Lim & Ye 2017)."""
    return 0.5 * (F.relu(1 - logits_real).mean() + F.relu(1 + logits_fake).mean())


def generator_adversarial_loss(logits_fake: torch.Tensor) -> torch.Tensor:
    """L_G = −E[D(x̂)]: the decoder's term against the hinge discriminator (LDM's `g_loss`)."""
    return -logits_fake.mean()


def feature_matching_loss(features_fake: list[torch.Tensor], features_real: list[torch.Tensor]) -> torch.Tensor:
    """L_FM = Σ_i E|D_i(x) − D_i(x̂)| over the discriminator's layers i: pix2pixHD eq. 4, our stand-in for LPIPS."""
    return sum(
        ((fake - real.detach()).abs().mean() for fake, real in zip(features_fake, features_real, strict=True)),
        torch.zeros((), device=features_fake[0].device),
    )


def adaptive_weight(
    reconstruction: torch.Tensor, adversarial: torch.Tensor, last_layer: torch.Tensor, disc_weight: float
) -> torch.Tensor:
    """λ = ‖∇_{G_L} L_rec‖ / (‖∇_{G_L} L_G‖ + 10⁻⁴), clamped to [0, 10⁴], times `disc_weight`, with G_L the decoder's
    last layer: Esser et al. 2021 eq. 7 (LDM's `calculate_adaptive_weight`). Balances the two terms whatever their
    scales, without a hand-tuned weight."""
    (rec_grad,) = torch.autograd.grad(reconstruction, last_layer, retain_graph=True)
    (adv_grad,) = torch.autograd.grad(adversarial, last_layer, retain_graph=True)
    weight = rec_grad.norm() / (adv_grad.norm() + GRAD_EPS)
    return weight.clamp(0, MAX_ADAPTIVE_WEIGHT).detach() * disc_weight


def last_layer(decoder: nn.Module) -> torch.Tensor:
    """The weight of the decoder's output convolution (LDM's `get_last_layer`)."""
    head = decoder.correction if isinstance(decoder, SRDecoder) else decoder.get_submodule("decoder.out")
    assert isinstance(head, nn.Conv2d)
    return head.weight


class DetailTrainer(nn.Module):
    """The decoder and its discriminator as one module, so the shared single-optimizer loop trains both.

    `forward` returns L_decoder + L_D. The decoder's terms see the discriminator through detached parameters
    (`functional_call`), and L_D sees a detached output, so one backward gives each part the gradient of its own loss
    only. A step counter buffer (saved in checkpoints) switches the adversarial term on after `disc_start`.
    """

    step: torch.Tensor

    def __init__(self, decoder: nn.Module, spec: DetailSpec, fft_weight: float, grid_periods: tuple[int, ...]):
        super().__init__()
        self.decoder = decoder
        self.discriminator = PatchDiscriminator(spec)
        self.spec, self.fft_weight, self.grid_periods = spec, fft_weight, grid_periods
        self.register_buffer("step", torch.zeros((), dtype=torch.long))

    def forward(self, z: torch.Tensor, lr: torch.Tensor, hr: torch.Tensor) -> torch.Tensor:
        fake = self.decoder(z, lr)
        features_real, logits_real = self.discriminator(hr)
        _, logits_detached_fake = self.discriminator(fake.detach())
        loss = self.decoder_loss(fake, hr, features_real) + hinge_discriminator_loss(logits_real, logits_detached_fake)
        self.step.add_(1)
        return loss

    def decoder_loss(self, fake: torch.Tensor, hr: torch.Tensor, features_real: list[torch.Tensor]) -> torch.Tensor:
        """L1 + FFT + Fourier amplitude + grid excess + stipple excess + feature matching, plus λ·L_G once the
        discriminator has had its head start."""
        frozen = {name: p.detach() for name, p in self.discriminator.named_parameters()}
        features_fake, logits_fake = functional_call(self.discriminator, frozen, (fake,))
        reconstruction = (
            reconstruction_loss(fake, hr, self.fft_weight)
            + self.spec.amplitude_weight * amplitude_loss(fake, hr)
            + self.spec.grid_weight * periodic_excess_loss(fake, hr, self.grid_periods)
            + self.spec.stipple_weight * stipple_excess_loss(fake, hr)
            + self.spec.feature_weight * feature_matching_loss(features_fake, features_real)
        )
        adversarial = generator_adversarial_loss(logits_fake)
        weight = adaptive_weight(reconstruction, adversarial, last_layer(self.decoder), self.spec.disc_weight)
        started = (self.step >= self.spec.disc_start).float()  # a tensor: no host sync on a GPU
        return reconstruction + started * weight * adversarial
