"""Device placement without a GPU: the `meta` device stands in for CUDA. A tensor built on the CPU inside a step
meets the model's meta tensors and raises, exactly as a CPU tensor meeting a CUDA model does."""

import json
import random

import torch

from yonos_train.adversarial import DetailTrainer
from yonos_train.checkpoint import save_checkpoint
from yonos_train.config import PRESETS
from yonos_train.diffusion import ddim_sample
from yonos_train.models import Decoder, Encoder, UNet
from yonos_train.runtime import Runtime
from yonos_train.train import (
    Autoencoder,
    Run,
    build_decoder,
    decoder_step,
    denoiser_step,
    detail_step,
    mixed_degradation,
    run_stage,
)

META = torch.device("meta")
CONFIG = PRESETS["tiny"]


def on_meta(batch):
    return tuple(t.to(META) for t in batch)


def test_one_step_sampling_builds_its_noise_levels_on_the_model_device():
    unet = UNet(CONFIG.unet).to(META)
    z_l = torch.zeros(2, CONFIG.unet.latent_channels, 8, 8, device=META)
    assert ddim_sample(unet, z_l, torch.zeros_like(z_l), steps=2).device == META


def test_teacher_and_student_steps_stay_on_the_model_device():
    encoder, teacher, student = Encoder(CONFIG.ae).to(META), UNet(CONFIG.unet).to(META), UNet(CONFIG.unet).to(META)
    hr = torch.rand(4, 3, 64, 64)
    for scale, distil_from in ((2, None), (4, teacher)):
        batch = mixed_degradation(CONFIG, scale, distil_from is not None)(hr, random.Random(0))
        loss = denoiser_step(CONFIG, encoder, scale, distil_from)(student, on_meta(batch))
        assert loss.device == META
        loss.backward()


def test_decoder_step_stays_on_the_model_device():
    ae = Autoencoder(CONFIG)
    decoder = build_decoder(CONFIG, ae, 4).to(META)
    encoder, unet = ae.encoder.to(META), UNet(CONFIG.unet).to(META)
    batch = mixed_degradation(CONFIG, 4, teacher=False)(torch.rand(2, 3, 64, 64), random.Random(0))
    assert decoder_step(CONFIG, encoder, unet, 4)(decoder, on_meta(batch)).device == META


def test_detail_step_stays_on_the_model_device():
    ae = Autoencoder(CONFIG)
    trainer = DetailTrainer(build_decoder(CONFIG, ae, 4), CONFIG.detail, CONFIG.fft_weight, (4,)).to(META)
    encoder, unet = ae.encoder.to(META), UNet(CONFIG.unet).to(META)
    batch = mixed_degradation(CONFIG, 4, teacher=False)(torch.rand(2, 3, 64, 64), random.Random(0))
    loss = detail_step(encoder, unet, 4)(trainer, on_meta(batch))
    assert loss.device == META
    loss.backward()


def test_a_reused_stage_is_moved_to_the_runtime_device(tmp_path):
    """`--ae-from`/`--unet-from`/resume: a stage loaded from final weights must land on the training device."""
    decoder = Decoder(CONFIG.ae)
    save_checkpoint(tmp_path / "ae" / "final.safetensors", decoder, None, 1)
    (tmp_path / "ae" / "done.json").write_text(json.dumps({"steps": 1}))
    run = Run(CONFIG, Runtime(META, 0, 1, False), tmp_path, None, torch.zeros(1))
    run_stage(run, "ae", decoder, None, None, 1, 1e-3, dict)
    assert {p.device for p in decoder.parameters()} == {META}


def test_mixed_degradation_only_makes_a_teacher_lr_when_distilling():
    hr = torch.rand(4, 3, 64, 64)
    config = CONFIG.__class__(**{**CONFIG.__dict__, "realistic_fraction": 0.25, "camera_fraction": 0.5})
    assert len(mixed_degradation(config, 4, teacher=False)(hr, random.Random(0))) == 2
    hr_, lr, lr_teacher = mixed_degradation(config, 4, teacher=True)(hr, random.Random(0))
    assert lr.shape == (4, 3, 16, 16) and lr_teacher.shape == (4, 3, 32, 32)
