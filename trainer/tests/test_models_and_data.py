import logging
import random

import pytest
import torch

from yonos_train.checkpoint import load_checkpoint, save_checkpoint
from yonos_train.data import CropSampler, load_images, scan_images, split_train_val
from yonos_train.imaging import resize_like
from yonos_train.models import AutoencoderSpec, Decoder, SRDecoder, SRHeadSpec, UNet, UNetSpec


@pytest.mark.parametrize("resolution", ["latent", "half", "full"])
def test_sr_decoder_starts_exactly_at_bicubic_wherever_its_head_runs(resolution):
    spec = AutoencoderSpec(latent_channels=4, widths=(8, 16), blocks=(1, 1))
    decoder = SRDecoder(Decoder(spec), spec, SRHeadSpec(resolution=resolution), scale=4)
    lr = torch.rand(2, 3, 8, 12)
    z = torch.randn(2, 4, 8, 12)
    torch.testing.assert_close(decoder(z, lr), resize_like(lr, 4))


def test_sr_head_learns_at_its_resolution_and_freezes_what_it_skips():
    """One step moves the output off bicubic; a latent-cell head leaves the decoder's half-resolution part untrained
    (so every trained parameter is used, which DDP needs)."""
    spec = AutoencoderSpec(latent_channels=4, widths=(8, 16), blocks=(1, 1))
    lr, z = torch.rand(1, 3, 8, 8), torch.randn(1, 4, 8, 8)
    for resolution in ("latent", "full"):
        decoder = SRDecoder(Decoder(spec), spec, SRHeadSpec(resolution=resolution), scale=4)
        trained = [p for p in decoder.parameters() if p.requires_grad]
        decoder(z, lr).square().mean().backward()
        assert all(p.grad is not None for p in trained)
        skipped = {n for n, p in decoder.named_parameters() if not p.requires_grad}
        assert any(n.startswith("decoder.level0") for n in skipped) == (resolution == "latent")
    with pytest.raises(ValueError, match="unknown SR head resolution 'quarter'"):
        SRDecoder(Decoder(spec), spec, SRHeadSpec(resolution="quarter"), scale=4)


def test_unet_output_is_tile_local():
    """No spatial normalisation: a far-away change must not alter the output here (what makes tiles seamless)."""
    unet = UNet(UNetSpec(latent_channels=4, widths=(8, 8, 8), mid_blocks=1, emb_dim=16)).eval()
    z = torch.randn(1, 4, 64, 64)
    changed = z.clone()
    changed[..., 48:, 48:] += 5
    with torch.no_grad():
        a = unet(z, z, torch.zeros(1))
        b = unet(changed, changed, torch.zeros(1))
    torch.testing.assert_close(a[..., :16, :16], b[..., :16, :16])
    assert not torch.allclose(a[..., 48:, 48:], b[..., 48:, 48:])


def test_scan_finds_nested_formats_and_skips_unreadable(photo_folder, caplog):
    (photo_folder / "broken.jpg").write_bytes(b"not a jpeg")
    (photo_folder / "notes.txt").write_text("ignored")
    files = scan_images([photo_folder])
    assert len(files) == 7 and all(f.suffix != ".txt" for f in files)
    with caplog.at_level(logging.WARNING):
        images = load_images(files, min_side=64)
    assert len(images) == 6
    assert "broken.jpg" in caplog.text


def test_missing_folder_and_empty_folder_are_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        scan_images([tmp_path / "nope"])
    with pytest.raises(FileNotFoundError, match="no images"):
        scan_images([tmp_path])


def test_split_is_deterministic_and_disjoint(photo_folder):
    files = scan_images([photo_folder])
    train, val = split_train_val(files, 0.5)
    assert split_train_val(files, 0.5) == (train, val)
    assert set(train).isdisjoint(val) and len(train) + len(val) == len(files)


def test_crops_have_the_right_shape_and_range(photo_folder):
    sampler = CropSampler(load_images(scan_images([photo_folder]), 64), 64, random.Random(0))
    batch = sampler.batch(5)
    assert batch.shape == (5, 3, 64, 64) and 0 <= batch.min() and batch.max() <= 1


def test_checkpoint_round_trip_restores_weights_optimizer_and_step(tmp_path):
    model = torch.nn.Linear(4, 3)
    optimizer = torch.optim.Adam(model.parameters())
    model(torch.randn(2, 4)).sum().backward()
    optimizer.step()
    save_checkpoint(tmp_path / "c.safetensors", model, optimizer, 17, {"elapsed_s": 3.5})
    restored, restored_optimizer = torch.nn.Linear(4, 3), None
    restored_optimizer = torch.optim.Adam(restored.parameters())
    step, meta = load_checkpoint(tmp_path / "c.safetensors", restored, restored_optimizer)
    assert (step, meta) == (17, {"elapsed_s": 3.5})
    torch.testing.assert_close(restored.weight, model.weight)
    torch.testing.assert_close(
        restored_optimizer.state_dict()["state"][0]["exp_avg"], optimizer.state_dict()["state"][0]["exp_avg"]
    )


def test_flop_count_of_a_single_convolution():
    from yonos_train.flops import count_gflops

    conv = torch.nn.Conv2d(3, 8, 3, padding=1)
    assert count_gflops(conv, torch.rand(1, 3, 10, 10)) == pytest.approx(2 * 3 * 9 * 8 * 100 / 1e9)
