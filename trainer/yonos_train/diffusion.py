"""The YONOS objectives (eqs. 2 and 3) and the DDIM sampler.

Both losses are written in v-space. That is the paper's weighted x-space loss exactly: with
x̂ = α z_t − σ v̂, we get ω(λ)‖x̂ − x̃‖² = (1/σ²)·σ²‖v̂ − ṽ‖² = ‖v̂ − ṽ‖², and the v-form avoids dividing by
σ → 0 near t = 0. A test checks the identity numerically.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from .schedule import LOGSNR_MAX, LOGSNR_MIN, diffuse, eps_from_v, logsnr_cosine, v_from_x_eps, x_from_v

Denoiser = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]


def sample_logsnr(
    n: int, p_pure_noise: float, generator: torch.Generator | None = None, device: torch.device | str | None = None
) -> torch.Tensor:
    """t ~ U[0, 1], with a fraction pinned to t = 1, the only point the one-step sampler ever queries."""
    t = torch.rand(n, generator=generator, device=device)
    t = torch.where(torch.rand(n, generator=generator, device=device) < p_pure_noise, torch.ones_like(t), t)
    return logsnr_cosine(t)


def raw_target_loss(
    model: Denoiser, z_h: torch.Tensor, z_l: torch.Tensor, logsnr: torch.Tensor, noise: torch.Tensor
) -> torch.Tensor:
    """Eq. (2): E[ω(λ_t)‖ẑθ(z_t, z_l, λ_t) − z_h‖²], the teacher's (and the "direct" baseline's) objective."""
    z_t = diffuse(z_h, noise, logsnr)
    target_v = v_from_x_eps(z_h, noise, logsnr)
    return (model(z_t, z_l, logsnr).float() - target_v).pow(2).mean()


def distillation_loss(
    student: Denoiser,
    teacher: Denoiser,
    z_h: torch.Tensor,
    z_l: torch.Tensor,
    z_l_teacher: torch.Tensor,
    logsnr: torch.Tensor,
    noise: torch.Tensor,
) -> torch.Tensor:
    """Eq. (3): E[ω(λ_t)‖ẑθ(z_t, z_l, λ_t) − ẑφ(z_t, z′_l, λ_t)‖²] with the teacher φ frozen.

    Same z_t and λ_t for both; the teacher sees the less degraded z′_l. Its v-prediction is the v-space target.
    """
    z_t = diffuse(z_h, noise, logsnr)
    with torch.no_grad():
        target_v = teacher(z_t, z_l_teacher, logsnr).float()
    return (student(z_t, z_l, logsnr).float() - target_v).pow(2).mean()


def ddim_timesteps(steps: int) -> torch.Tensor:
    """t_0 = 1 > t_1 > … > t_steps = 0, evenly spaced."""
    return torch.linspace(1.0, 0.0, steps + 1)


@torch.no_grad()
def ddim_sample(
    model: Denoiser,
    z_l: torch.Tensor,
    noise: torch.Tensor,
    steps: int = 1,
    logsnr_min: float = LOGSNR_MIN,
    logsnr_max: float = LOGSNR_MAX,
) -> torch.Tensor:
    """Deterministic DDIM from z_1 = noise; with steps = 1 this is the YONOS one-step inference."""
    z = noise
    times = ddim_timesteps(steps).to(noise.device)
    for i in range(steps):
        logsnr = logsnr_cosine(times[i : i + 1], logsnr_min, logsnr_max).expand(len(z))
        v = model(z, z_l, logsnr).float()
        x = x_from_v(z, v, logsnr)
        if i == steps - 1:
            return x
        eps = eps_from_v(z, v, logsnr)
        z = diffuse(x, eps, logsnr_cosine(times[i + 1 : i + 2], logsnr_min, logsnr_max).expand(len(z)))
    return z
