"""`yonos-train budget`: where the decibels go, per scale, for one trained run.

Each row feeds the run's own networks a different latent, so the gaps between rows say which part caps the quality:

- `ae_ceiling`      D(E(HR)): the autoencoder alone, the best any latent method with this AE could reach with the
                    original decoder.
- `oracle_latent`   the fine-tuned SR decoder fed E(HR) with the LR image: the best the shipped decoder could do if
                    the U-Net predicted the HR latent perfectly.
- `shipped`         the fine-tuned decoder fed the U-Net's one-step latent: what the app runs.
- `no_unet`         the fine-tuned decoder fed z_l = E(bicubic(LR)), i.e. no diffusion at all: the gap to `shipped`
                    is what the U-Net adds.
- `bicubic`         the baseline.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from .checkpoint import load_weights
from .config import Config, replace_nested
from .data import scan_images
from .diffusion import ddim_sample
from .evaluate import load_hr, make_lr, score
from .imaging import resize_like
from .models import Decoder, Encoder, UNet
from .train import build_decoder, decoder_stage, encode_lr, unet_stage

ROWS = ("bicubic", "ae_ceiling", "oracle_latent", "shipped", "no_unet")


class _AE(torch.nn.Module):
    def __init__(self, config: Config):
        super().__init__()
        self.encoder, self.decoder = Encoder(config.ae), Decoder(config.ae)


def load_run_config(run: Path) -> Config:
    return replace_nested(Config(), json.loads((run / "config.json").read_text()))


def load_networks(run: Path, config: Config, scale: int) -> tuple[_AE, UNet, torch.nn.Module]:
    ae = _AE(config)
    load_weights(run / "ae" / "final.safetensors", ae)
    unet = UNet(config.unet)
    load_weights(run / unet_stage(scale, config.direct) / "final.safetensors", unet)
    decoder = build_decoder(config, ae, scale)  # type: ignore[arg-type]
    load_weights(run / decoder_stage(scale, config.direct, config.plain_decoder) / "final.safetensors", decoder)
    return ae.eval(), unet.eval(), decoder.eval()


@torch.no_grad()
def budget_rows(
    ae: _AE, unet: UNet, decoder: torch.nn.Module, hr: torch.Tensor, lr: torch.Tensor, scale: int, seed: int
) -> dict[str, torch.Tensor]:
    """Every row's SR image for one (1,3,H,W) HR image and its LR."""
    z_l = encode_lr(ae.encoder, lr, scale)
    noise = torch.randn(z_l.shape, generator=torch.Generator().manual_seed(seed))
    return {
        "bicubic": resize_like(lr, scale),
        "ae_ceiling": ae.decoder(ae.encoder(hr)),
        "oracle_latent": decoder(ae.encoder(hr), lr),
        "shipped": decoder(ddim_sample(unet, z_l, noise, steps=1), lr),
        "no_unet": decoder(z_l, lr),
    }


def error_budget(
    run: Path, hr_dirs: list[Path], scales: list[int], degradation: str = "bicubic", crop: int | None = 512
) -> dict:
    config = load_run_config(run)
    report: dict = {"run": str(run), "degradation": degradation, "crop": crop, "rows": list(ROWS), "sets": {}}
    for hr_dir in hr_dirs:
        files = scan_images([hr_dir])
        per_scale = {}
        for scale in scales:
            ae, unet, decoder = load_networks(run, config, scale)
            sums = {row: [0.0, 0.0] for row in ROWS}
            for index, path in enumerate(files):
                hr = _mod_crop(load_hr(path, scale, crop), config.ae.factor * 4)[None]
                lr = make_lr(hr, scale, degradation, index)
                for row, sr in budget_rows(ae, unet, decoder, hr, lr, scale, index).items():
                    p, s = score(sr[0], hr[0], scale)
                    sums[row][0] += p / len(files)
                    sums[row][1] += s / len(files)
            per_scale[f"x{scale}"] = {
                row: {"psnr_y": round(v[0], 3), "ssim_y": round(v[1], 4)} for row, v in sums.items()
            }
        report["sets"][hr_dir.name] = per_scale
    return report


def _mod_crop(image: torch.Tensor, multiple: int) -> torch.Tensor:
    """The AE needs sides divisible by its factor, and E(HR) must match the LR's latent grid."""
    h, w = image.shape[-2] // multiple * multiple, image.shape[-1] // multiple * multiple
    return image[..., :h, :w]


def budget_table(report: dict) -> str:
    """Markdown: one line per (set, scale), PSNR-Y per row."""
    lines = ["| set | scale | " + " | ".join(ROWS) + " |", "|---|---|" + "---|" * len(ROWS)]
    for name, per_scale in report["sets"].items():
        for scale, rows in per_scale.items():
            lines.append(f"| {name} | {scale} | " + " | ".join(f"{rows[r]['psnr_y']:.2f}" for r in ROWS) + " |")
    return "\n".join(lines)
