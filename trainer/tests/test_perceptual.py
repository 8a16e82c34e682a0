"""Perceptual metrics without pretrained weights: high-frequency energy ratio, ΔE00, and NIQE fitted on our photos."""

import numpy as np
import pytest
import torch
from PIL import Image

from yonos_train.cli import main
from yonos_train.imaging import downscale_bicubic, resize_like
from yonos_train.niqe import NiqeModel, fit_model, image_features, niqe
from yonos_train.perceptual import ciede2000, colour_shift_delta_e00, hf_energy_ratio, mean_delta_e00


def natural_rgb(seed: int, size: int = 192) -> torch.Tensor:
    """A photo-like (3, H, W) image in [0, 1]: a 1/f amplitude spectrum, like natural scenes, per channel."""
    gen = torch.Generator().manual_seed(seed)
    f = torch.fft.fftfreq(size)
    radius = (f[:, None] ** 2 + f[None, :] ** 2).sqrt().clamp(min=1 / size)
    base = torch.fft.ifft2(torch.fft.fft2(torch.randn(size, size, generator=gen)) / radius).real
    channels = [
        base + 0.3 * torch.fft.ifft2(torch.fft.fft2(torch.randn(size, size, generator=gen)) / radius).real
        for _ in range(3)
    ]
    image = torch.stack(channels)
    return (0.5 + 0.18 * (image - image.mean()) / image.std()).clamp(0, 1)


def blurred(image: torch.Tensor, factor: int = 4) -> torch.Tensor:
    return resize_like(downscale_bicubic(image[None], factor), factor)[0].clamp(0, 1)


def test_hf_ratio_is_one_for_hr_below_one_when_smoothed_and_above_one_with_noise():
    hr = natural_rgb(0)[1]
    assert hf_energy_ratio(hr, hr, 0.125) == pytest.approx(1.0)
    assert hf_energy_ratio(blurred(natural_rgb(0))[1], hr, 0.125) < 0.5
    noisy = hr + 0.05 * torch.randn(hr.shape, generator=torch.Generator().manual_seed(1))
    assert hf_energy_ratio(noisy, hr, 0.125) > 1.1


# Sharma, Wu and Dalal (2005), Table 1: pairs of CIELAB colours and their ΔE00.
SHARMA_PAIRS = [
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 3.1571, -77.2803), (50.0, 0.0, -82.7485), 2.8615),
    ((50.0, 2.8361, -74.0200), (50.0, 0.0, -82.7485), 3.4412),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((50.0, 2.5, 0.0), (61.0, -5.0, 29.0), 22.8977),
    ((50.0, 2.5, 0.0), (56.0, -27.0, -3.0), 31.9030),
    ((50.0, 2.5, 0.0), (58.0, 24.0, 15.0), 19.4535),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
]


def test_ciede2000_matches_sharma_wu_dalal_reference_pairs():
    lab1 = torch.tensor([p[0] for p in SHARMA_PAIRS], dtype=torch.float64).T
    lab2 = torch.tensor([p[1] for p in SHARMA_PAIRS], dtype=torch.float64).T
    expected = torch.tensor([p[2] for p in SHARMA_PAIRS], dtype=torch.float64)
    torch.testing.assert_close(ciede2000(lab1, lab2), expected, atol=1e-4, rtol=0)
    torch.testing.assert_close(ciede2000(lab2, lab1), expected, atol=1e-4, rtol=0)


def test_mean_delta_e00_is_zero_for_the_same_image_and_grows_with_a_colour_cast():
    image = natural_rgb(3, 64)
    assert mean_delta_e00(image, image) == 0
    cast = image.clone()
    cast[0] = (cast[0] + 0.03).clamp(0, 1)
    assert 0.5 < mean_delta_e00(cast, image) < 5


def test_niqe_features_are_36_per_patch_at_two_scales():
    features, sharpness = image_features(natural_rgb(4), 32)
    assert features.shape == (36, 36) and sharpness.shape == (36,)
    assert torch.isfinite(features).all()


@pytest.fixture(scope="module")
def niqe_model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pristine")
    for seed in range(10, 16):
        array = (natural_rgb(seed).permute(1, 2, 0).numpy() * 255 + 0.5).astype(np.uint8)
        Image.fromarray(array).save(folder / f"p{seed}.png")
    return folder, fit_model([folder], patch=32)


def test_niqe_scores_blurred_and_noisy_photos_as_less_natural(niqe_model):
    _, model = niqe_model
    sharp = natural_rgb(99)
    noisy = (sharp + 0.15 * torch.randn(sharp.shape, generator=torch.Generator().manual_seed(2))).clamp(0, 1)
    assert niqe(blurred(sharp), model) > niqe(sharp, model) + 1
    assert niqe(noisy, model) > niqe(sharp, model) + 1


def test_niqe_fit_cli_writes_a_small_model_that_loads_back(niqe_model, tmp_path):
    folder, fitted = niqe_model
    out = tmp_path / "niqe.npz"
    assert main(["niqe-fit", "--photos", str(folder), "--out", str(out), "--patch", "32"]) == 0
    model = NiqeModel.load(out)
    assert out.stat().st_size < 20_000
    assert model.patch == 32 and model.facts["images"] == 6 and model.facts["patches"] > 36
    np.testing.assert_allclose(model.mean, fitted.mean)


def test_niqe_fit_on_photos_smaller_than_a_patch_is_a_clear_error(tmp_path, capsys):
    Image.fromarray(np.zeros((20, 20, 3), np.uint8)).save(tmp_path / "small.png")
    assert main(["niqe-fit", "--photos", str(tmp_path), "--out", str(tmp_path / "m.npz")]) == 2
    assert "too few sharp 96-px patches" in capsys.readouterr().err


def test_colour_shift_counts_a_colour_cast_but_not_fine_texture():
    image = torch.full((3, 64, 64), 0.5)
    checker = ((torch.arange(64)[:, None] + torch.arange(64)[None]) % 2).float() * 0.1 - 0.05  # 1-px texture, mean 0
    textured = (image + checker).clamp(0, 1)
    cast = image * torch.tensor([1.08, 1.0, 0.95])[:, None, None]
    assert mean_delta_e00(textured, image) > 2  # per pixel, texture counts
    assert colour_shift_delta_e00(textured, image, scale=4) < 0.3
    assert colour_shift_delta_e00(cast, image, scale=4) == pytest.approx(mean_delta_e00(cast, image), rel=1e-3)
