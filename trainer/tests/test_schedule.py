import pytest
import torch

from yonos_train.schedule import (
    LOGSNR_MAX,
    LOGSNR_MIN,
    alpha_sigma,
    diffuse,
    eps_from_v,
    logsnr_cosine,
    v_from_x_eps,
    weighting,
    x_from_v,
)


def test_logsnr_spans_the_configured_range_and_decreases():
    t = torch.linspace(0, 1, 101, dtype=torch.float64)
    logsnr = logsnr_cosine(t)
    assert logsnr[0].item() == pytest.approx(LOGSNR_MAX, abs=1e-3)
    assert logsnr[-1].item() == pytest.approx(LOGSNR_MIN, abs=1e-3)
    assert torch.all(logsnr[1:] < logsnr[:-1])


def test_alpha_sigma_are_variance_preserving_and_match_logsnr():
    logsnr = torch.linspace(-15, 15, 31, dtype=torch.float64)
    alpha, sigma = alpha_sigma(logsnr)
    torch.testing.assert_close(alpha**2 + sigma**2, torch.ones_like(alpha))
    torch.testing.assert_close(torch.log(alpha**2 / sigma**2), logsnr)


def test_v_x_eps_conversions_round_trip():
    x, eps = torch.randn(4, 8, 5, 5, dtype=torch.float64), torch.randn(4, 8, 5, 5, dtype=torch.float64)
    logsnr = torch.tensor([-10.0, -1.0, 2.0, 12.0], dtype=torch.float64)
    z_t = diffuse(x, eps, logsnr)
    v = v_from_x_eps(x, eps, logsnr)
    torch.testing.assert_close(x_from_v(z_t, v, logsnr), x)
    torch.testing.assert_close(eps_from_v(z_t, v, logsnr), eps)


def test_weighted_x_loss_equals_v_loss():
    """ω(λ)‖x̂ − x‖² = ‖v̂ − v‖², the identity the v-space losses rely on."""
    x, eps = torch.randn(3, 4, 6, 6, dtype=torch.float64), torch.randn(3, 4, 6, 6, dtype=torch.float64)
    logsnr = torch.tensor([-5.0, 0.0, 5.0], dtype=torch.float64)
    z_t = diffuse(x, eps, logsnr)
    v_hat = v_from_x_eps(x, eps, logsnr) + 0.1 * torch.randn_like(x)
    x_hat = x_from_v(z_t, v_hat, logsnr)
    weighted_x = (weighting(logsnr)[:, None, None, None] * (x_hat - x) ** 2).mean()
    torch.testing.assert_close(weighted_x, ((v_hat - v_from_x_eps(x, eps, logsnr)) ** 2).mean())
