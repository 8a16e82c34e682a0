"""`yonos-train pipeline`: every stage of Algorithm 1 in order, resuming where a previous run stopped."""

from __future__ import annotations

import json
import logging
import os
import platform
import random
import re
from pathlib import Path

import torch

from .config import Config, config_to_dict
from .data import CropSampler, center_crops, load_images, scan_images, split_train_val
from .export import export_package
from .runtime import Runtime
from .train import (
    Run,
    decoder_stage,
    finetune_decoder,
    finetune_detail_decoder,
    save_run_config,
    train_autoencoder,
    train_denoiser,
    unet_stage,
)

log = logging.getLogger(__name__)
VALIDATION_CROPS = 16


def model_name(name: str | None, out: Path) -> str:
    """The family name in model ids and labels: `--name`, else the run folder's name (runs/smoke → smoke).

    Each run gets its own ids, so a trained model never takes a built-in one by accident.
    """
    if name is not None:
        if not re.fullmatch(r"[a-z0-9._-]+", name):
            raise ValueError(f"--name {name!r}: use lower-case letters, digits, '.', '_' and '-'")
        return name
    return re.sub(r"[^a-z0-9._-]+", "-", out.resolve().name.lower()).strip("-") or "run"


def model_id(config: Config, scale: int) -> str:
    variant = ("-direct" if config.direct else "") + ("-plaindec" if config.plain_decoder else "")
    return f"yonos-{config.name}-x{scale}{variant}"


def prepare_run(
    config: Config, runtime: Runtime, data: list[Path], val: list[Path] | None, out: Path, init_from: Path | None = None
) -> Run:
    files = scan_images(data)
    if val:
        train_files, val_files = files, scan_images(val)
    else:
        train_files, val_files = split_train_val(files, config.val_fraction)
        if not val_files:  # tiny folders: validate on the first training image rather than on nothing
            val_files = train_files[:1]
    log.info("%d training images, %d validation images", len(train_files), len(val_files))
    images = load_images(train_files, config.crop)
    val_images = load_images(val_files[:VALIDATION_CROPS], config.crop)
    sampler = CropSampler(images, config.crop, random.Random(config.seed))
    facts = {
        "train_dirs": [str(d) for d in data],
        "val_dirs": [str(d) for d in val or []],
        "train_images": len(images),
        "val_images": len(val_images),
    }
    if init_from is not None:
        facts["initialised_from"] = str(init_from)
    return Run(config, runtime, out, sampler, center_crops(val_images, config.crop), facts, init_from)


def run_pipeline(run: Run) -> list[Path]:
    """AE → per scale: U-Net (teacher, then students distilled from the previous scale) → decoder → export."""
    config = run.config
    save_run_config(run)
    ae = train_autoencoder(run)
    teacher = None
    exported = []
    for scale in config.scales:
        unet = train_denoiser(run, ae, scale, None if config.direct else teacher, direct=config.direct)
        teacher = unet
        decoder = finetune_decoder(run, ae, unet, scale, config.direct)
        detailed = (
            finetune_detail_decoder(run, ae, unet, decoder, scale, config.direct)
            if config.decoder_loss == "detail"
            else None
        )
        if run.runtime.is_main:
            directory = run.out / "models" / model_id(config, scale)
            export_package(
                config,
                scale,
                ae.encoder,
                unet,
                decoder,
                directory,
                model_id(config, scale),
                training_facts(run, scale),
                detailed=detailed,
            )
            exported.append(directory)
            log.info("exported %s", directory)
    return exported


def training_facts(run: Run, scale: int) -> dict:
    config = run.config
    chain = [s for s in config.scales if s <= scale] if not config.direct else [scale]
    names = ["ae"] + [unet_stage(s, config.direct) for s in chain]
    names.append(decoder_stage(scale, config.direct, config.plain_decoder))
    if config.decoder_loss == "detail":
        names.append(decoder_stage(scale, config.direct, config.plain_decoder, detail=True))
    stages = {
        name: json.loads((run.out / name / "done.json").read_text())
        for name in names
        if (run.out / name / "done.json").exists()
    }
    return {
        "data": run.data_facts,
        "method": "direct (eq. 2 at this scale)"
        if config.direct
        else f"scale distillation {' → '.join(f'×{s}' for s in config.scales if s <= scale)}",
        "decoder": "plain (paper)"
        if config.plain_decoder
        else f"bicubic + zero-initialised correction ({config.sr_head.resolution}-resolution head)",
        "looks": look_facts(config),
        "stages": stages,
        "hardware": _hardware(run.runtime),
        "config": config_to_dict(config),
    }


def look_facts(config: Config) -> dict:
    """How each look's decoder was fine-tuned, for the model card."""
    faithful = {"loss": f"L1 + {config.fft_weight} × L1 of 2D spectra (the autoencoder's own loss)"}
    if config.decoder_loss != "detail":
        return {"faithful": faithful}
    d = config.detail
    return {
        "faithful": faithful,
        "detailed": {
            "initialised_from": "the faithful decoder",
            "loss": f"L1 + FFT + {d.amplitude_weight} × Fourier amplitude L1 (Fuoli et al. 2021)"
            f" + {d.grid_weight} × amplitude above HR's at the LR-pixel and latent grids"
            + (" and the head's 2-px cell" if d.head_grid else "")
            + (f" + {d.stipple_weight} × 2-px tone above HR's per 16-px window" if d.stipple_weight else "")
            + f" + {d.feature_weight} × discriminator feature matching (pix2pixHD eq. 4,"
            " in place of LPIPS: no pretrained network available) + λ × hinge adversarial loss,"
            f" λ adaptive (Esser et al. eq. 7) × {d.disc_weight}",
            "discriminator": f"PatchGAN (pix2pix), {d.layers} stride-2 levels from width {d.width}, no normalisation,"
            + (" [1, 2, 1]² blur before each stride-2 convolution (Zhang 2019)," if d.antialias else "")
            + " trained from scratch",
            "disc_start": d.disc_start,
            "steps": d.steps,
            "lr": d.lr,
            "adam_betas": list(d.betas),
        },
    }


def _hardware(runtime: Runtime) -> str:
    if runtime.device.type == "cuda":
        return f"{runtime.world_size}× {torch.cuda.get_device_name(runtime.device)}"
    return f"{platform.processor() or platform.machine()} CPU, {torch.get_num_threads()} threads" + (
        ", bf16 autocast" if runtime.bf16 else ""
    )


def reuse_stages(out: Path, ae_from: Path | None, unet_from: Path | None) -> None:
    """Link finished stages of other runs into this one, so ablations share the exact same AE or U-Nets."""
    sources = [(ae_from, lambda name: name == "ae"), (unet_from, lambda name: name.startswith("unet-"))]
    for source, wanted in sources:
        if source is None:
            continue
        stages = [d for d in source.iterdir() if d.is_dir() and wanted(d.name) and (d / "final.safetensors").exists()]
        if not stages:
            raise FileNotFoundError(f"no finished stages to reuse in {source}")
        for stage in stages:
            target = out / stage.name
            target.mkdir(parents=True, exist_ok=True)
            for name in ("final.safetensors", "done.json"):
                link = target / name
                if not link.exists():
                    # Relative, so a committed run folder still resolves in another checkout.
                    link.unlink(missing_ok=True)
                    link.symlink_to(os.path.relpath((stage / name).resolve(), target.resolve()))
