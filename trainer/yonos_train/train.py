"""The training stages of Algorithm 1: autoencoder, ×2 teacher, scale-distilled students, decoder fine-tuning.

Every stage writes `<out>/<stage>/checkpoint.safetensors` regularly and `final.safetensors` when done, so
`yonos-train pipeline` resumes exactly where it stopped.
"""

from __future__ import annotations

import copy
import json
import math
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel

from .adversarial import DetailTrainer
from .checkpoint import load_checkpoint, load_matching_weights, load_weights, save_checkpoint
from .config import Config, config_to_dict
from .data import BatchStream, CropSampler
from .degrade import degrade_pair
from .diffusion import ddim_sample, distillation_loss, raw_target_loss, sample_logsnr
from .imaging import resize_like
from .losses import psnr_y, reconstruction_loss
from .models import HEAD_CELLS, Decoder, Encoder, PlainDecoder, SRDecoder, UNet
from .progress import Progress
from .runtime import Runtime, all_reduce_mean

Batch = tuple[torch.Tensor, ...]
MakeBatch = Callable[[torch.Tensor, random.Random], Batch]  # HR crops (CPU) → the step's inputs, in data workers
StepFn = Callable[[nn.Module, Batch], torch.Tensor]  # the step's inputs, on the device → loss


@dataclass
class Run:
    config: Config
    runtime: Runtime
    out: Path
    sampler: CropSampler
    val_hr: torch.Tensor  # fixed centre crops for validation
    data_facts: dict = field(default_factory=dict)
    init_from: Path | None = None  # start each untrained stage from this run's final weights (fine-tuning)

    def stage_dir(self, stage: str) -> Path:
        return self.out / stage

    def to_device(self, x: torch.Tensor) -> torch.Tensor:
        return x.to(self.runtime.device, memory_format=torch.channels_last, non_blocking=True)

    def data_workers(self) -> int:
        """Processes making batches: none on a CPU (they would compete with the step), most cores on a GPU."""
        if self.config.data_workers >= 0:
            return self.config.data_workers
        return 0 if self.runtime.device.type == "cpu" else max(1, min(14, (os.cpu_count() or 2) - 2))


# Stage names.
def ae_stage() -> str:
    return "ae"


def unet_stage(scale: int, direct: bool) -> str:
    return f"unet-{'direct-' if direct else ''}x{scale}"


def decoder_stage(scale: int, direct: bool, plain: bool, detail: bool = False) -> str:
    return f"decoder-{'detail-' if detail else ''}{'plain-' if plain else ''}{'direct-' if direct else ''}x{scale}"


def run_stage(
    run: Run,
    stage: str,
    model: nn.Module,
    make_batch: MakeBatch,
    step_fn: StepFn,
    steps: int,
    lr: float,
    validate: Callable[[], dict[str, float]],
    finalize: Callable[[], None] | None = None,
    betas: tuple[float, float] = (0.9, 0.999),
) -> None:
    """The shared loop: Adam with warmup + cosine decay, grad clipping, checkpoints, validation, progress.

    Batches are made by `make_batch` in DataLoader workers (pinned, copied to the device without blocking), and
    the loss is read back only when it is logged, so the device never waits for the host between steps.
    `finalize` runs once after the last step, before the final weights are written.
    """
    stage_dir = run.stage_dir(stage)
    final = stage_dir / "final.safetensors"
    rt = run.runtime
    if final.exists():
        load_weights(final, model)
        # A reused stage feeds later ones on this device. (torch's stubs omit `memory_format` from Module.to.)
        model.to(rt.device, memory_format=torch.channels_last)  # type: ignore[call-overload]
        return
    model.to(rt.device, memory_format=torch.channels_last).train()  # type: ignore[call-overload]
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(params, lr=lr, betas=betas)
    checkpoint = stage_dir / "checkpoint.safetensors"
    start, meta = load_checkpoint(checkpoint, model, optimizer) if checkpoint.exists() else (0, {})
    if start == 0 and run.init_from is not None and (run.init_from / stage / "final.safetensors").exists():
        load_matching_weights(run.init_from / stage / "final.safetensors", model)
    elapsed_before, started = float(meta.get("elapsed_s", 0.0)), time.monotonic()
    trained = DistributedDataParallel(model) if rt.world_size > 1 else model
    torch.manual_seed(run.config.seed * 1000 + rt.rank + start)
    # A fresh stream per (seed, rank, resume point): a resumed run does not replay the crops it already saw.
    batches = BatchStream(
        run.sampler.images,
        run.config.crop,
        max(1, run.config.batch // rt.world_size),
        make_batch,
        f"{run.config.seed}/{rt.rank}/{start}/{stage}",
    )
    loader = iter(batches.loader(run.data_workers(), pin_memory=rt.device.type == "cuda"))
    progress = Progress(run.out / "progress.jsonl", stage, start, steps, enabled=rt.is_main)
    loss_sum, loss_count = torch.zeros((), device=rt.device), 0
    for step in range(start, steps):
        for group in optimizer.param_groups:
            group["lr"] = lr * _lr_factor(step, steps)
        batch = tuple(run.to_device(t) for t in next(loader))
        with rt.autocast():
            loss = step_fn(trained, batch)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        loss_sum += loss.detach().float()
        loss_count += 1
        done = step + 1
        if done % 10 == 0 or done == steps:
            mean_loss = float(all_reduce_mean(loss_sum / loss_count, rt))  # the only host sync
            progress.update(done, loss=mean_loss, lr=optimizer.param_groups[0]["lr"])
            loss_sum.zero_()
            loss_count = 0
        if rt.is_main and (done % run.config.checkpoint_every == 0 or done == steps):
            elapsed = elapsed_before + time.monotonic() - started
            save_checkpoint(checkpoint, model, optimizer, done, {"elapsed_s": round(elapsed, 1)})
        if rt.is_main and (done % run.config.validate_every == 0 or done == steps):
            model.eval()
            progress.log(step=done, validation=validate())
            model.train()
    progress.close()
    model.eval()
    if finalize is not None:
        finalize()
    if rt.is_main:
        elapsed = round(elapsed_before + time.monotonic() - started, 1)
        save_checkpoint(final, model, None, steps, {"elapsed_s": elapsed})
        (stage_dir / "done.json").write_text(
            json.dumps({"steps": steps, "elapsed_s": elapsed, "device": str(rt.device), "world_size": rt.world_size})
        )


def _lr_factor(step: int, steps: int, warmup: int = 100) -> float:
    warmup = min(warmup, max(1, steps // 10))
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, steps - warmup)
    return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress))


# Autoencoder.


class Autoencoder(nn.Module):
    def __init__(self, config: Config):
        super().__init__()
        self.encoder, self.decoder = Encoder(config.ae), Decoder(config.ae)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))


def train_autoencoder(run: Run) -> Autoencoder:
    config = run.config
    ae = Autoencoder(config)

    def step(model: nn.Module, batch: Batch) -> torch.Tensor:
        (hr,) = batch
        return reconstruction_loss(model(hr), hr, config.fft_weight)

    def validate() -> dict[str, float]:
        with torch.no_grad():
            hr = run.to_device(run.val_hr)
            return {"recon_psnr_y": psnr_y(ae(hr), hr)}

    run_stage(
        run,
        ae_stage(),
        ae,
        hr_only,
        step,
        config.ae_steps,
        config.ae_lr,
        validate,
        finalize=lambda: set_latent_statistics(run, ae),
    )
    return ae.eval().requires_grad_(False)


def hr_only(hr: torch.Tensor, _: random.Random) -> Batch:
    return (hr,)


@torch.no_grad()
def set_latent_statistics(run: Run, ae: Autoencoder, batches: int = 16) -> None:
    """Per-channel mean/std of HR latents, baked into E and D so the diffusion model sees ~unit-variance latents."""
    latents = torch.cat([ae.encoder(run.to_device(run.sampler.batch(run.config.batch))) for _ in range(batches)])
    mean = latents.mean(dim=(0, 2, 3), keepdim=True)
    std = latents.std(dim=(0, 2, 3), keepdim=True).clamp(min=1e-3)
    for module in (ae.encoder, ae.decoder):
        module.latent_mean.copy_(mean)
        module.latent_std.copy_(std)


# Denoiser: teacher (eq. 2) and scale-distilled students (eq. 3).


def mixed_degradation(config: Config, scale: int, teacher: bool) -> MakeBatch:
    """DEGRADE of Algorithm 1 for a batch: the first `realistic_fraction` gets the realistic preset, the next
    `camera_fraction` the camera preset, the rest bicubic. Returns (hr, lr) or, for distillation, (hr, lr, lr_teacher)
    with the teacher's less degraded LR from the same draw; nothing computes a teacher LR that no one uses."""

    def make(hr: torch.Tensor, rng: random.Random) -> Batch:
        n_realistic = round(len(hr) * config.realistic_fraction)
        n_camera = round(len(hr) * config.camera_fraction)
        parts = [
            (hr[:n_realistic], "realistic"),
            (hr[n_realistic : n_realistic + n_camera], "camera"),
            (hr[n_realistic + n_camera :], "bicubic"),
        ]
        pairs = [degrade_pair(x, scale, preset, rng, teacher) for x, preset in parts if len(x)]
        lr = torch.cat([p[0] for p in pairs])
        return (hr, lr, torch.cat([p[1] for p in pairs])) if teacher else (hr, lr)  # type: ignore[misc]

    return make


def encode_lr(encoder: Encoder, lr: torch.Tensor, scale: int) -> torch.Tensor:
    """z_l = E(RESIZELIKE(x_l, x_h))."""
    return encoder(resize_like(lr, scale))


def train_denoiser(run: Run, ae: Autoencoder, scale: int, teacher: UNet | None, direct: bool = False) -> UNet:
    """Algorithm 1, one scale: raw targets when `teacher` is None, else distillation from the frozen teacher.

    `direct` only names the stage: the ablation baseline trained with eq. 2 at a scale other than the first.
    """
    config = run.config
    student = copy.deepcopy(teacher).requires_grad_(True) if teacher is not None else UNet(config.unet)

    def validate() -> dict[str, float]:
        return validate_one_step(run, ae, student, None, scale)

    run_stage(
        run,
        unet_stage(scale, direct),
        student,
        mixed_degradation(config, scale, teacher is not None),
        denoiser_step(config, ae.encoder, scale, teacher),
        config.diffusion_steps,
        config.diffusion_lr,
        validate,
    )
    return student.eval().requires_grad_(False)


def denoiser_step(config: Config, encoder: Encoder, scale: int, teacher: UNet | None) -> StepFn:
    """One loss evaluation of eq. 2 (no teacher) or eq. 3; every tensor it makes follows the batch's device."""

    def step(model: nn.Module, batch: Batch) -> torch.Tensor:
        hr, lr = batch[:2]
        with torch.no_grad():
            z_h = encoder(hr)
            z_l = encode_lr(encoder, lr, scale)
        logsnr = sample_logsnr(len(hr), config.p_pure_noise, device=z_h.device)
        noise = torch.randn_like(z_h)
        if teacher is None:
            return raw_target_loss(model, z_h, z_l, logsnr, noise)
        with torch.no_grad():
            z_l_teacher = encode_lr(encoder, batch[2], scale // 2)
        return distillation_loss(model, teacher, z_h, z_l, z_l_teacher, logsnr, noise)

    return step


@torch.no_grad()
def validate_one_step(run: Run, ae: Autoencoder, unet: UNet, decoder: nn.Module | None, scale: int) -> dict[str, float]:
    """One-step SR of the fixed validation crops (bicubic LR), next to bicubic itself."""
    hr = run.to_device(run.val_hr)
    lr = run.to_device(degrade_pair(hr.cpu(), scale, "bicubic", random.Random(0), teacher=False)[0])
    factor = run.config.ae.factor
    noise = torch.randn(
        hr.shape[0],
        run.config.ae.latent_channels,
        hr.shape[2] // factor,
        hr.shape[3] // factor,
        generator=torch.Generator().manual_seed(0),
    ).to(hr.device)
    z = ddim_sample(unet, encode_lr(ae.encoder, lr, scale), noise, steps=1)
    sr = decoder(z, lr) if decoder is not None else ae.decoder(z)
    return {
        "psnr_y": psnr_y(sr, hr, border=scale),
        "bicubic_psnr_y": psnr_y(resize_like(lr, scale), hr, border=scale),
    }


# Decoder fine-tuning on top of the frozen one-step U-Net (Sec. 3.3).


def build_decoder(config: Config, ae: Autoencoder, scale: int) -> nn.Module:
    decoder = copy.deepcopy(ae.decoder).requires_grad_(True)
    return PlainDecoder(decoder) if config.plain_decoder else SRDecoder(decoder, config.ae, config.sr_head, scale)


def finetune_decoder(run: Run, ae: Autoencoder, unet: UNet, scale: int, direct: bool) -> nn.Module:
    config = run.config
    decoder = build_decoder(config, ae, scale)

    def validate() -> dict[str, float]:
        return validate_one_step(run, ae, unet, decoder, scale)

    run_stage(
        run,
        decoder_stage(scale, direct, config.plain_decoder),
        decoder,
        mixed_degradation(config, scale, teacher=False),
        decoder_step(config, ae.encoder, unet, scale),
        config.decoder_steps,
        config.decoder_lr,
        validate,
    )
    return decoder.eval().requires_grad_(False)


def decoder_step(config: Config, encoder: Encoder, unet: UNet, scale: int) -> StepFn:
    """The autoencoder's own loss on the decoder's output from the frozen one-step U-Net's latent (Sec. 3.3)."""

    def step(model: nn.Module, batch: Batch) -> torch.Tensor:
        hr, lr = batch
        return reconstruction_loss(model(one_step_latent(encoder, unet, lr, scale), lr), hr, config.fft_weight)

    return step


def finetune_detail_decoder(
    run: Run, ae: Autoencoder, unet: UNet, faithful: nn.Module, scale: int, direct: bool
) -> nn.Module:
    """The detailed look: a copy of the faithful decoder fine-tuned against a discriminator (see adversarial.py)."""
    config = run.config
    decoder = build_decoder(config, ae, scale)
    decoder.load_state_dict(faithful.state_dict())
    trainer = DetailTrainer(decoder, config.detail, config.fft_weight, decoder_grids(config, scale))

    def validate() -> dict[str, float]:
        return validate_one_step(run, ae, unet, decoder, scale)

    run_stage(
        run,
        decoder_stage(scale, direct, config.plain_decoder, detail=True),
        trainer,
        mixed_degradation(config, scale, teacher=False),
        detail_step(ae.encoder, unet, scale),
        config.detail.steps,
        config.detail.lr,
        validate,
        betas=config.detail.betas,
    )
    return decoder.eval().requires_grad_(False)


def decoder_grids(config: Config, scale: int) -> tuple[int, ...]:
    """The periods, in HR pixels, of the grids the decoder is built on: the LR pixel and the latent cell, and with
    `detail.head_grid` the cell its head predicts (2 px at half resolution, through a pixel shuffle)."""
    head_cell = HEAD_CELLS[config.sr_head.resolution] if config.detail.head_grid and not config.plain_decoder else 1
    return tuple(sorted({scale, config.ae.factor} | ({head_cell} if head_cell > 1 else set())))


def detail_step(encoder: Encoder, unet: UNet, scale: int) -> StepFn:
    """The detail trainer's loss on the frozen one-step U-Net's latent, as `decoder_step` does for the faithful one."""

    def step(model: nn.Module, batch: Batch) -> torch.Tensor:
        hr, lr = batch
        return model(one_step_latent(encoder, unet, lr, scale), lr, hr)

    return step


@torch.no_grad()
def one_step_latent(encoder: Encoder, unet: UNet, lr: torch.Tensor, scale: int) -> torch.Tensor:
    """What the app feeds the decoder: one DDIM step of the frozen U-Net from pure noise."""
    z_l = encode_lr(encoder, lr, scale)
    return ddim_sample(unet, z_l, torch.randn_like(z_l), steps=1)


def save_run_config(run: Run) -> None:
    if run.runtime.is_main:
        run.out.mkdir(parents=True, exist_ok=True)
        (run.out / "config.json").write_text(json.dumps(config_to_dict(run.config), indent=2))
