"""Continuous-time cosine log-SNR schedule and the v-parameterisation (paper Sec. 3.1).

λ_t = log(α_t² / σ_t²) falls monotonically from λ_max at t=0 to λ_min at t=1, with α_t² + σ_t² = 1
(variance preserving), so α_t² = sigmoid(λ_t) and σ_t² = sigmoid(−λ_t).
"""

import math

import torch

LOGSNR_MIN = -20.0
LOGSNR_MAX = 20.0


def logsnr_cosine(t: torch.Tensor, logsnr_min: float = LOGSNR_MIN, logsnr_max: float = LOGSNR_MAX) -> torch.Tensor:
    """λ(t) = −2 log tan(a t + b), the cosine schedule clipped to [logsnr_min, logsnr_max]."""
    b = math.atan(math.exp(-0.5 * logsnr_max))
    a = math.atan(math.exp(-0.5 * logsnr_min)) - b
    return -2.0 * torch.log(torch.tan(a * t + b))


def alpha_sigma(logsnr: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.sigmoid(logsnr).sqrt(), torch.sigmoid(-logsnr).sqrt()


def weighting(logsnr: torch.Tensor) -> torch.Tensor:
    """ω(λ) = 1 + α²/σ² = 1 + e^λ, the weighting the paper uses with v-parameterisation."""
    return 1.0 + torch.exp(logsnr)


def diffuse(x: torch.Tensor, noise: torch.Tensor, logsnr: torch.Tensor) -> torch.Tensor:
    """Eq. (1): z_t = α_t z_h + σ_t ε."""
    alpha, sigma = _broadcast(alpha_sigma(logsnr), x)
    return alpha * x + sigma * noise


def v_from_x_eps(x: torch.Tensor, eps: torch.Tensor, logsnr: torch.Tensor) -> torch.Tensor:
    alpha, sigma = _broadcast(alpha_sigma(logsnr), x)
    return alpha * eps - sigma * x


def x_from_v(z_t: torch.Tensor, v: torch.Tensor, logsnr: torch.Tensor) -> torch.Tensor:
    alpha, sigma = _broadcast(alpha_sigma(logsnr), z_t)
    return alpha * z_t - sigma * v


def eps_from_v(z_t: torch.Tensor, v: torch.Tensor, logsnr: torch.Tensor) -> torch.Tensor:
    alpha, sigma = _broadcast(alpha_sigma(logsnr), z_t)
    return sigma * z_t + alpha * v


def _broadcast(pair: tuple[torch.Tensor, torch.Tensor], like: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    shape = (-1,) + (1,) * (like.dim() - 1)
    return pair[0].reshape(shape), pair[1].reshape(shape)
