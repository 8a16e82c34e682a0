"""Training configuration: named presets, optionally overridden by a TOML file and command-line flags."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import tomllib

from .adversarial import DetailSpec
from .models import AutoencoderSpec, SRHeadSpec, UNetSpec

DECODER_LOSSES = ("faithful", "detail")


@dataclass(frozen=True)
class Config:
    name: str = "photo"
    seed: int = 0
    scales: tuple[int, ...] = (2, 4, 8)
    direct: bool = False  # the ablation: eq. 2 at each scale, no scale distillation
    crop: int = 128
    batch: int = 32
    val_fraction: float = 0.05
    realistic_fraction: float = 0.5  # share of each batch degraded with the realistic preset
    camera_fraction: float = 0.0  # share degraded with the camera preset (resize chain, sensor noise, JPEG 4:2:0)
    p_pure_noise: float = 0.25
    ae: AutoencoderSpec = field(default_factory=AutoencoderSpec)
    unet: UNetSpec = field(default_factory=UNetSpec)
    sr_head: SRHeadSpec = field(default_factory=SRHeadSpec)
    ae_steps: int = 4000
    ae_lr: float = 1e-3
    fft_weight: float = 0.05
    diffusion_steps: int = 3000  # per scale
    diffusion_lr: float = 5e-4
    decoder_steps: int = 1500  # per scale
    decoder_lr: float = 5e-4
    plain_decoder: bool = False  # fine-tune the paper's plain decoder instead of bicubic + correction
    # "detail": also fine-tune a second, adversarial decoder from the faithful one, and export both looks
    decoder_loss: str = "faithful"
    detail: DetailSpec = field(default_factory=DetailSpec)
    # preferred output tile side: fastest ×4 on a 2-core CPU (192-px LR tiles: 0.94 s/MP vs 1.08 at 128, 1.04 at 256)
    hr_tile: int = 768
    min_lr_tile: int = 128  # smaller LR tiles waste too much on their overlap
    tile_overlap: int = 16
    checkpoint_every: int = 200
    validate_every: int = 200
    data_workers: int = -1  # processes making batches; -1: none on a CPU, most cores on a GPU


PRESETS: dict[str, Config] = {
    "default": Config(),
    # A few minutes end to end on 2 CPU cores: for tests and for checking a setup before a long run.
    "tiny": Config(
        crop=64,
        batch=4,
        ae=AutoencoderSpec(latent_channels=4, widths=(8, 16), blocks=(1, 1)),
        unet=UNetSpec(latent_channels=4, widths=(16, 24, 24), mid_blocks=1, emb_dim=32),
        ae_steps=30,
        diffusion_steps=20,
        decoder_steps=10,
        detail=DetailSpec(width=8, layers=2, steps=10, disc_start=3),
        hr_tile=256,
        min_lr_tile=32,
        tile_overlap=8,
        checkpoint_every=10,
        validate_every=10,
    ),
}


def load_config(preset: str, toml_path: Path | None = None, **overrides: object) -> Config:
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose from {sorted(PRESETS)}")
    config = PRESETS[preset]
    if toml_path is not None:
        with open(toml_path, "rb") as f:
            config = replace_nested(config, tomllib.load(f))
    config = replace_nested(config, {k: v for k, v in overrides.items() if v is not None})
    if config.decoder_loss not in DECODER_LOSSES:
        raise ValueError(f"unknown decoder loss {config.decoder_loss!r}; choose from {list(DECODER_LOSSES)}")
    if config.unet.latent_channels != config.ae.latent_channels:
        raise ValueError(
            f"the U-Net's latent_channels ({config.unet.latent_channels}) must match the autoencoder's "
            f"({config.ae.latent_channels}): set [unet] latent_channels too"
        )
    return config


def replace_nested(config: Config, values: dict) -> Config:
    known = {f.name: f for f in dataclasses.fields(config)}
    changes: dict = {}
    for key, value in values.items():
        if key not in known:
            raise ValueError(f"unknown config key {key!r}")
        current = getattr(config, key)
        if dataclasses.is_dataclass(current) and not isinstance(current, type) and isinstance(value, dict):
            changes[key] = dataclasses.replace(current, **{k: _as_tuple(v) for k, v in value.items()})
        else:
            changes[key] = _as_tuple(value)
    return dataclasses.replace(config, **changes)


def _as_tuple(value: object) -> object:
    return tuple(value) if isinstance(value, list) else value


def config_to_dict(config: Config) -> dict:
    return dataclasses.asdict(config)
