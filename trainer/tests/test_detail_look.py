"""The detailed look: adversarial fine-tuning, the two-look decoder graph with a strength input, its manifest."""

import dataclasses
import json
from typing import Any

import numpy as np
import onnxruntime as ort
import pytest
import torch

from yonos_train.adversarial import (
    DetailSpec,
    DetailTrainer,
    PatchDiscriminator,
    adaptive_weight,
    feature_matching_loss,
    generator_adversarial_loss,
    hinge_discriminator_loss,
)
from yonos_train.artifacts import VISIBLE_TONE, stipple_pct
from yonos_train.config import PRESETS, load_config, replace_nested
from yonos_train.export import DecoderGraph, export_package
from yonos_train.losses import (
    amplitude_loss,
    harmonic_mask,
    nyquist_amplitudes,
    periodic_excess_loss,
    reconstruction_loss,
    stipple_excess_loss,
)
from yonos_train.models import SRDecoder, UNet
from yonos_train.pipeline import look_facts
from yonos_train.train import Autoencoder, build_decoder, decoder_grids

CONFIG = PRESETS["tiny"]


def test_amplitude_loss_ignores_phase_and_counts_missing_or_periodic_energy():
    texture = torch.rand(1, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    shifted = torch.roll(texture, shifts=(5, 3), dims=(2, 3))  # same amplitude spectrum, other phase
    assert float(amplitude_loss(shifted, texture)) == pytest.approx(0, abs=1e-6)
    assert float(reconstruction_loss(shifted, texture, fft_weight=1)) > 0.1  # the complex spectrum loss does not
    smooth = torch.nn.functional.avg_pool2d(texture, 3, stride=1, padding=1, count_include_pad=False)
    grid = texture + 0.2 * (torch.arange(32) % 4 == 0).float()  # a 4-px periodic line pattern
    assert float(amplitude_loss(smooth, texture)) > 0.01
    assert float(amplitude_loss(grid, texture)) > 0.005


def test_the_grid_loss_sees_a_periodic_pattern_and_nothing_else():
    texture = torch.rand(1, 3, 64, 64, generator=torch.Generator().manual_seed(1))
    cells = (torch.arange(64) % 4 == 0).float()
    gridded = texture + 0.3 * cells[None, :] * cells[:, None]  # a dot every 4 px
    grid = float(periodic_excess_loss(gridded, texture, (4,)))
    assert grid > 0.05
    assert float(periodic_excess_loss(texture, gridded, (4,))) < grid / 10  # less energy than the target: ~no penalty
    assert float(periodic_excess_loss(torch.roll(texture, 7, dims=3), texture, (4,))) == pytest.approx(0, abs=1e-6)
    noisier = texture + 0.3 * torch.rand(1, 3, 64, 64, generator=torch.Generator().manual_seed(2))
    assert float(periodic_excess_loss(noisier, texture, (4,))) < grid / 3


def test_harmonic_mask_marks_each_harmonic_on_axes_and_diagonals():
    mask = harmonic_mask(16, 16, (4,))
    for y, x in ((0, 4), (4, 0), (4, 4), (12, 4), (0, 8), (8, 0), (8, 8)):
        assert mask[y, x]
    assert not mask[2, 2] and not mask[0, 1]


def test_hinge_losses_are_zero_past_the_margin_and_linear_inside_it():
    assert float(hinge_discriminator_loss(torch.full((2, 1, 4, 4), 2.0), torch.full((2, 1, 4, 4), -2.0))) == 0
    assert float(hinge_discriminator_loss(torch.zeros(2, 1, 4, 4), torch.zeros(2, 1, 4, 4))) == 1
    assert float(generator_adversarial_loss(torch.full((1, 1, 2, 2), 3.0))) == -3


def test_feature_matching_is_the_mean_absolute_difference_summed_over_layers():
    real = [torch.zeros(1, 2, 4, 4), torch.zeros(1, 3, 2, 2)]
    fake = [torch.full((1, 2, 4, 4), 0.5), torch.full((1, 3, 2, 2), -1.0)]
    assert float(feature_matching_loss(fake, real)) == pytest.approx(1.5)
    assert float(feature_matching_loss(real, real)) == 0


def test_adaptive_weight_is_the_ratio_of_gradient_norms_at_the_last_layer():
    last = torch.ones(3, 3, requires_grad=True)
    reconstruction, adversarial = (last * 2).sum(), (last * 0.5).sum()
    weight = adaptive_weight(reconstruction, adversarial, last, disc_weight=0.5)
    assert float(weight) == pytest.approx(0.5 * 6 / (1.5 + 1e-4))
    assert not weight.requires_grad


def detail_trainer(**detail: Any) -> tuple[DetailTrainer, tuple[torch.Tensor, ...]]:
    torch.manual_seed(0)
    decoder = build_decoder(CONFIG, Autoencoder(CONFIG), 4)
    assert isinstance(decoder, SRDecoder)
    with torch.no_grad():  # a trained-looking correction head, so every term has a gradient
        decoder.correction.weight.normal_(0, 0.05)
    trainer = DetailTrainer(decoder, dataclasses.replace(CONFIG.detail, **detail), CONFIG.fft_weight, (4,))
    gen = torch.Generator().manual_seed(0)
    inputs = (
        torch.randn(2, 4, 16, 16, generator=gen),
        torch.rand(2, 3, 16, 16, generator=gen),
        torch.rand(2, 3, 64, 64, generator=gen),
    )
    return trainer, inputs


def gradients(module: torch.nn.Module) -> dict[str, torch.Tensor | None]:
    grads = {name: None if p.grad is None else p.grad.clone() for name, p in module.named_parameters()}
    module.zero_grad(set_to_none=True)
    return grads


def assert_same_gradients(actual: dict, expected: dict) -> None:
    for name, grad in expected.items():
        if grad is None:
            assert actual[name] is None or not actual[name].any(), name
        else:
            torch.testing.assert_close(actual[name], grad, msg=name)


def test_one_backward_trains_the_decoder_on_its_loss_and_the_discriminator_on_its_own():
    trainer, (z, lr, hr) = detail_trainer(disc_start=0)
    trainer(z, lr, hr).backward()
    combined = gradients(trainer)
    trainer.step.zero_()
    fake = trainer.decoder(z, lr)
    trainer.decoder_loss(fake, hr, trainer.discriminator(hr)[0]).backward()
    decoder_only = gradients(trainer)
    assert all(grad is None for name, grad in decoder_only.items() if name.startswith("discriminator."))
    _, logits_real = trainer.discriminator(hr)
    _, logits_fake = trainer.discriminator(trainer.decoder(z, lr).detach())
    hinge_discriminator_loss(logits_real, logits_fake).backward()
    discriminator_only = gradients(trainer)
    assert all(grad is None for name, grad in discriminator_only.items() if name.startswith("decoder."))
    assert_same_gradients(
        combined, {**decoder_only, **{k: v for k, v in discriminator_only.items() if k.startswith("discriminator.")}}
    )


def test_the_adversarial_term_reaches_the_decoder_only_after_disc_start():
    def decoder_grad(trainer: DetailTrainer, step: int) -> torch.Tensor:
        trainer.step.fill_(step)
        trainer(*inputs).backward()
        grad = gradients(trainer)["decoder.correction.weight"]
        assert grad is not None
        return grad

    warming, inputs = detail_trainer(disc_start=2)
    without_adversarial, _ = detail_trainer(disc_start=0, disc_weight=0.0)
    torch.testing.assert_close(decoder_grad(warming, 1), decoder_grad(without_adversarial, 1))
    assert not torch.allclose(decoder_grad(warming, 2), decoder_grad(without_adversarial, 2))
    assert int(warming.step) == 3  # counted in a buffer, so a resumed run knows where it is


@pytest.fixture(scope="module")
def two_looks(tmp_path_factory):
    """A two-look ×4 package exported from random networks (the detailed decoder perturbed from the faithful one)."""
    torch.manual_seed(0)
    ae = Autoencoder(CONFIG)
    faithful, detailed = build_decoder(CONFIG, ae, 4), build_decoder(CONFIG, ae, 4)
    with torch.no_grad():
        faithful.correction.weight.normal_(0, 0.02)
        detailed.load_state_dict(faithful.state_dict())
        for p in detailed.parameters():
            p.add_(0.05 * torch.randn_like(p))
    out = tmp_path_factory.mktemp("looks")
    manifest = export_package(
        CONFIG, 4, ae.encoder, UNet(CONFIG.unet), faithful, out / "two", "t-x4", {}, detailed=detailed
    )
    one = export_package(CONFIG, 4, ae.encoder, UNet(CONFIG.unet), faithful, out / "one", "t-x4", {})
    return out, manifest, one, faithful.eval(), detailed.eval()


def test_a_two_look_package_declares_its_looks_and_a_strength_input(two_looks):
    out, manifest, one, _, _ = two_looks
    assert manifest["format"] == "yonos-model/2" and manifest["looks"] == ["faithful", "detailed"]
    strength = manifest["tensors"]["decoder"]["inputs"][2]
    assert strength["name"] == "strength" and strength["shape"] == [1] and strength["range"] == [0, 1]
    assert manifest["parity_max_abs_error"]["decoder"] < 1e-4
    names = [i.name for i in ort.InferenceSession(str(out / "two" / "decoder.onnx")).get_inputs()]
    assert names == ["z", "lr", "strength"]
    # Blending costs elementwise ops only: the convolutions are those of one decoder.
    assert manifest["gflops_per_output_mp"]["decoder"] == one["gflops_per_output_mp"]["decoder"]


def test_a_faithful_only_package_keeps_the_first_format(two_looks):
    out, _, one, _, _ = two_looks
    assert one["format"] == "yonos-model/1" and "looks" not in one
    assert [t["name"] for t in one["tensors"]["decoder"]["inputs"]] == ["z", "lr"]
    assert [i.name for i in ort.InferenceSession(str(out / "one" / "decoder.onnx")).get_inputs()] == ["z", "lr"]


def test_strength_0_and_1_are_the_two_decoders_and_between_is_their_weight_blend(two_looks):
    out, _, _, faithful, detailed = two_looks
    session = ort.InferenceSession(str(out / "two" / "decoder.onnx"))
    gen = torch.Generator().manual_seed(1)
    z, lr = torch.randn(1, 4, 12, 20, generator=gen), torch.rand(1, 3, 12, 20, generator=gen)

    def onnx(strength: float) -> np.ndarray:
        return session.run(None, {"z": z.numpy(), "lr": lr.numpy(), "strength": np.array([strength], np.float32)})[0]

    with torch.no_grad():
        expected_faithful, expected_detailed = DecoderGraph(faithful)(z, lr), DecoderGraph(detailed)(z, lr)
    np.testing.assert_allclose(onnx(0.0), expected_faithful.numpy(), atol=1e-5)
    np.testing.assert_allclose(onnx(1.0), expected_detailed.numpy(), atol=1e-5)
    half = onnx(0.5)
    assert np.abs(half - expected_faithful.numpy()).mean() > 1e-4
    assert np.abs(half - expected_faithful.numpy()).mean() < np.abs(onnx(1.0) - expected_faithful.numpy()).mean()


def test_quantize_refuses_a_two_look_package(two_looks, tmp_path):
    from yonos_train.cli import main

    out, _, _, _, _ = two_looks
    assert (
        main(["quantize", "--model", str(out / "two"), "--calibration", str(tmp_path), "--out", str(tmp_path / "q")])
        == 2
    )


def test_unknown_decoder_loss_is_a_clear_error():
    from yonos_train.config import load_config

    with pytest.raises(ValueError, match="decoder loss 'sharp'"):
        load_config("tiny", decoder_loss="sharp")


def test_the_pipeline_trains_a_detailed_decoder_from_the_faithful_one_and_exports_both_looks(tmp_path):
    from conftest import smooth_image
    from PIL import Image

    from yonos_train.cli import main
    from yonos_train.evaluate import OnnxModel

    photos = tmp_path / "photos"
    photos.mkdir()
    rng = np.random.default_rng(2)
    for index in range(4):
        Image.fromarray(smooth_image(rng, 80, 96)).save(photos / f"p{index}.png")
    out = tmp_path / "out"
    assert (
        main(
            [
                "pipeline",
                "--data",
                str(photos),
                "--scales",
                "2",
                "--preset",
                "tiny",
                "--out",
                str(out),
                "--ae-steps",
                "6",
                "--diffusion-steps",
                "4",
                "--decoder-steps",
                "4",
                "--detail-steps",
                "5",
                "--decoder-loss",
                "detail",
                "--name",
                "photo",
            ]
        )
        == 0
    )
    assert json.loads((out / "decoder-detail-x2" / "done.json").read_text())["steps"] == 5
    package = out / "models" / "yonos-photo-x2"
    manifest = json.loads((package / "manifest.json").read_text())
    assert manifest["looks"] == ["faithful", "detailed"]
    assert {"decoder-x2", "decoder-detail-x2"} <= set(manifest["training"]["stages"])
    assert "feature matching" in manifest["training"]["looks"]["detailed"]["loss"]
    model = OnnxModel.load(package)
    lr = np.random.default_rng(0).random((1, 3, 12, 16), dtype=np.float32)
    assert np.abs(model.upscale(lr, strength=1.0) - model.upscale(lr, strength=0.0)).max() > 0

    # Eval scores every strength, with NIQE fitted on the same photos and the perception–distortion plot.
    niqe_path, report_path, plot_path = tmp_path / "niqe.npz", tmp_path / "report.json", tmp_path / "pd.png"
    assert main(["niqe-fit", "--photos", str(photos), "--out", str(niqe_path), "--patch", "32"]) == 0
    assert (
        main(
            [
                "eval",
                "--model",
                str(package),
                "--hr",
                str(photos),
                "--niqe-model",
                str(niqe_path),
                "--json",
                str(report_path),
                "--plot-pd",
                str(plot_path),
            ]
        )
        == 0
    )
    entry = json.loads(report_path.read_text())["models"][0]
    assert entry["looks"] == ["faithful", "detailed"] and set(entry["strengths"]) == {"0", "0.5", "1"}
    assert {"psnr_y", "ssim_y", "hf_ratio", "niqe"} <= set(entry["strengths"]["0"]) <= set(entry["strengths"]["1"])
    assert "delta_e00_vs_faithful" not in entry["strengths"]["0"]
    assert 0 < entry["strengths"]["1"]["delta_e00_vs_faithful"] < 50
    assert (
        0
        <= entry["strengths"]["1"]["colour_shift_delta_e00_vs_faithful"]
        <= entry["strengths"]["1"]["delta_e00_vs_faithful"]
    )
    assert entry["strengths"]["0"]["psnr_y"] == entry["steps"]["1"]["psnr_y"]
    assert entry["hr"]["niqe"] >= 0 and entry["bicubic"]["hf_ratio"] < 1
    assert plot_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_crops_show_a_two_look_model_faithful_and_detailed_side_by_side(two_looks, tmp_path):
    from PIL import Image

    from yonos_train.crops import crop_panels

    out, _, _, _, _ = two_looks
    hr = tmp_path / "hr.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(hr)
    sheet = crop_panels([out / "two", out / "one"], hr, (0, 0, 32), "bicubic")
    assert sheet.width == 32 * 5  # bicubic | faithful | detailed | the faithful-only model | HR
    halves = crop_panels([out / "two"], hr, (0, 0, 32), "bicubic", strengths=[0.5])
    assert halves.width == 32 * 3


def nyquist_share(gradient: torch.Tensor) -> float:
    """The share of a gradient's energy at the 2-px period (the last row and column of its spectrum)."""
    power = torch.fft.fft2(gradient.double()).abs().pow(2).sum((0, 1))
    half = power.shape[-1] // 2
    return float((power[half, :].sum() + power[:, half].sum()) / power.sum())


@pytest.mark.parametrize("antialias", [False, True])
def test_an_antialiased_discriminator_sends_the_decoder_no_two_pixel_checkerboard(antialias):
    """Odena et al. 2016: a stride-2 convolution's input gradient is a transposed convolution, with a 2-px pattern a
    decoder trained against it learns to draw (the stipple). Blurred first, the gradient has none at that period."""
    torch.manual_seed(0)
    discriminator = PatchDiscriminator(DetailSpec(width=8, layers=2, antialias=antialias))
    image = torch.rand(2, 3, 64, 64, requires_grad=True)
    discriminator(image)[1].sum().backward()
    assert image.grad is not None
    share = nyquist_share(image.grad)
    assert share < 1e-3 if antialias else share > 0.1  # ~2e-5 (the replicated edges) vs 0.3


def test_the_grid_term_covers_the_heads_own_cell_when_asked():
    config = load_config("default")
    assert decoder_grids(config, 8) == (4, 8)
    with_head = replace_nested(config, {"detail": {"head_grid": True}})
    assert decoder_grids(with_head, 8) == (2, 4, 8)
    full_head = replace_nested(with_head, {"sr_head": {"resolution": "full"}})
    assert decoder_grids(full_head, 8) == (4, 8)  # a full-resolution head predicts each pixel: no cell of its own


def test_nyquist_amplitudes_read_a_two_pixel_tone_in_grey_levels_per_window_and_direction():
    columns = torch.arange(48) % 2 * 2 - 1.0
    stripe = 0.5 + 3 / 255 * columns.expand(1, 1, 32, 48)  # vertical stripes: a tone along x only
    along_x, along_y = nyquist_amplitudes(stripe)
    assert along_x.shape == (1, 1, 3, 5)  # 16-px windows, stride 8
    torch.testing.assert_close(along_x, torch.full_like(along_x, 3 / 255))
    assert float(along_y.max()) < 1e-5
    assert float(nyquist_amplitudes(torch.full((1, 1, 32, 32), 0.7))[0].max()) < 1e-5  # a flat image has none


def stippled_photo() -> tuple[torch.Tensor, torch.Tensor]:
    """A photo stand-in (1/f luma, a colour cast, a bright edge), and the same with the ×8 detailed decoder's stipple:
    a 2-px checker a few grey levels strong in a band along the edge (as in test_artifacts)."""
    spectrum = torch.fft.fft2(torch.randn(128, 128, generator=torch.Generator().manual_seed(3)))
    f = torch.fft.fftfreq(128)
    texture = torch.fft.ifft2(spectrum / (f[:, None] ** 2 + f[None, :] ** 2).sqrt().clamp(min=1 / 128)).real
    rows, cols = torch.meshgrid(torch.arange(128), torch.arange(128), indexing="ij")
    y = 0.4 + 0.15 * texture / texture.std() + 0.2 * (rows >= 64)
    photo = torch.stack([y + 0.05, y, y - 0.05])[None].clamp(0, 1)
    checker = ((rows + cols) % 2 * 2 - 1) * (rows - 64).abs().lt(10)
    return photo, (photo + torch.tensor([-1.0, 1.0, 2.0])[:, None, None] * 3 / 255 * checker).clamp(0, 1)


def test_the_stipple_loss_is_the_two_pixel_tone_the_output_has_beyond_the_hr():
    photo, stippled = stippled_photo()
    assert float(stipple_excess_loss(photo, photo)) == 0
    assert float(stipple_excess_loss(stippled, photo)) > 1e-4
    # less tone than the HR's is not stipple (the checker adds to the photo's own 2-px content, or cancels some)
    assert float(stipple_excess_loss(photo, stippled)) < float(stipple_excess_loss(stippled, photo)) / 50
    fabric = 0.5 + 4 / 255 * (torch.arange(64) % 2 * 2 - 1.0).expand(1, 3, 64, 64)  # the HR's own 2-px texture
    assert float(stipple_excess_loss(1 - fabric, fabric)) < 1e-7  # drawn with the other phase: no excess


def test_descending_the_stipple_loss_removes_what_the_stipple_measure_sees_and_leaves_the_rest():
    photo, stippled = stippled_photo()
    assert stipple_pct(stippled[0]) > 8
    image = stippled.clone().requires_grad_(True)
    optimizer = torch.optim.SGD([image], lr=10)
    for _ in range(300):
        optimizer.zero_grad()
        stipple_excess_loss(image, photo).backward()
        optimizer.step()
    assert stipple_pct(image.detach()[0]) < 1
    away = (torch.arange(128) - 64).abs().ge(24)  # beyond the band and the windows that overlap it
    assert float((image.detach() - stippled)[..., away, :].abs().max()) < VISIBLE_TONE  # under one grey level


def test_the_detailed_decoders_loss_adds_the_stipple_term_at_its_weight():
    plain, (z, lr, hr) = detail_trainer(disc_start=10)
    weighted, _ = detail_trainer(disc_start=10, stipple_weight=20.0)  # the same weights: same seed
    fake = weighted.decoder(z, lr)
    features_real = weighted.discriminator(hr)[0]
    expected = plain.decoder_loss(plain.decoder(z, lr), hr, features_real) + 20.0 * stipple_excess_loss(fake, hr)
    torch.testing.assert_close(weighted.decoder_loss(fake, hr, features_real), expected)


def test_the_manifest_names_the_stipple_term_and_the_antialiased_discriminator_when_they_were_on():
    detail = replace_nested(load_config("default"), {"decoder_loss": "detail"})
    plain = look_facts(detail)["detailed"]
    assert "stipple" not in plain["loss"] and "blur" not in plain["discriminator"]
    config = replace_nested(detail, {"detail": {"stipple_weight": 10.0, "antialias": True, "head_grid": True}})
    facts = look_facts(config)["detailed"]
    assert "10.0 × 2-px tone above HR's per 16-px window" in facts["loss"]
    assert "the head's 2-px cell" in facts["loss"]
    assert "[1, 2, 1]² blur before each stride-2 convolution" in facts["discriminator"]
