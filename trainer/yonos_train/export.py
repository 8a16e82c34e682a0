"""Export one scale as a model package: encoder.onnx, unet.onnx, decoder.onnx and manifest.json.

The contract is written down in native-models/CONTRACT.md; `manifest()` is its single source in the trainer.
"""

from __future__ import annotations

import copy
import json
import warnings
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch
import torch.nn as nn

from .config import Config
from .flops import count_gflops
from .imaging import resize_like
from .models import Encoder, UNet
from .schedule import LOGSNR_MAX, LOGSNR_MIN

FORMAT = "yonos-model/1"
# The built-in family's version; bump it whenever re-exported weights change.
MODEL_VERSION = "0.3.0"
OPSET = 17
PARITY_TOLERANCE = 2e-3
FILES = {"encoder": "encoder.onnx", "unet": "unet.onnx", "decoder": "decoder.onnx"}


class EncoderGraph(nn.Module):
    """LR tile → z_l, with RESIZELIKE inside the graph so the app resizes exactly as training did."""

    def __init__(self, encoder: Encoder, scale: int):
        super().__init__()
        self.encoder, self.scale = encoder, scale

    def forward(self, lr: torch.Tensor) -> torch.Tensor:
        return self.encoder(resize_like(lr, self.scale))


class DecoderGraph(nn.Module):
    """(z, LR tile) → HR tile in [0, 1]."""

    def __init__(self, decoder: nn.Module):
        super().__init__()
        self.decoder = decoder

    def forward(self, z: torch.Tensor, lr: torch.Tensor) -> torch.Tensor:
        return self.decoder(z, lr).clamp(0, 1)


def lr_multiple(config: Config, scale: int) -> int:
    """LR tile sides must be multiples of this: the latent (HR/4) must survive the U-Net's two downsamplings."""
    hr_multiple = config.ae.factor * 4
    return max(1, hr_multiple // scale)


def export_package(config: Config, scale: int, encoder: Encoder, unet: UNet, decoder: nn.Module, out_dir: Path,
                   model_id: str, training: dict, metrics: dict | None = None) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    # Export and the parity check run on the CPU, from copies: the trained modules may live on a GPU and stay there.
    encoder, unet, decoder = (copy.deepcopy(m).cpu() for m in (encoder, unet, decoder))
    graphs = {
        "encoder": (EncoderGraph(encoder, scale), _example_inputs(config, scale)["encoder"]),
        "unet": (unet, _example_inputs(config, scale)["unet"]),
        "decoder": (DecoderGraph(decoder), _example_inputs(config, scale)["decoder"]),
    }
    spec = tensor_spec(config, scale)
    cost = gflops_per_output_megapixel(config, scale, graphs)
    parity = {}
    for part, (module, inputs) in graphs.items():
        module = module.float().eval().to(memory_format=torch.contiguous_format)
        names = [t["name"] for t in spec[part]["inputs"]]
        output = spec[part]["outputs"][0]["name"]
        path = out_dir / FILES[part]
        _export(module, inputs, path, names, output, spec[part])
        parity[part] = check_parity(module, path, _parity_inputs(config, scale)[part], names)
    data = manifest(config, scale, model_id, spec, training, metrics or {}, parity, cost)
    (out_dir / "manifest.json").write_text(json.dumps(data, indent=2) + "\n")
    return data


def _export(module: nn.Module, inputs: tuple, path: Path, names: list[str], output: str, spec: dict) -> None:
    dynamic_axes = {t["name"]: {i: str(d) for i, d in enumerate(t["shape"]) if isinstance(d, str)}
                    for t in spec["inputs"] + spec["outputs"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice
        torch.onnx.export(module, inputs, str(path), input_names=names, output_names=[output],
                          dynamic_axes=dynamic_axes, opset_version=OPSET, dynamo=False)


def check_parity(module: nn.Module, path: Path, inputs: tuple, names: list[str]) -> float:
    """Max abs difference between PyTorch and onnxruntime on inputs of another shape than the export's."""
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    with torch.no_grad():
        expected = module(*inputs).numpy()
    actual = session.run(None, {name: t.numpy() for name, t in zip(names, inputs)})[0]
    error = float(np.abs(expected - actual).max())
    if error > PARITY_TOLERANCE:
        raise RuntimeError(f"{path.name}: onnxruntime differs from PyTorch by {error:.2e} (> {PARITY_TOLERANCE})")
    return error


def preferred_lr_tile(config: Config, scale: int) -> int:
    """Measured at ×4 on a 2-core CPU (1000×750 photo): 192-px LR tiles 0.94 s per output MP, 128 px 1.08, 256 px 1.04."""
    multiple = lr_multiple(config, scale)
    return max(config.min_lr_tile, config.hr_tile // scale) // multiple * multiple


def _example_inputs(config: Config, scale: int, batch: int = 1, lr_hw: tuple[int, int] | None = None) -> dict:
    m = lr_multiple(config, scale)
    h, w = lr_hw or (4 * m, 4 * m)
    c = config.ae.latent_channels
    lh, lw = h * scale // config.ae.factor, w * scale // config.ae.factor
    gen = torch.Generator().manual_seed(0)
    lr = torch.rand(batch, 3, h, w, generator=gen)
    z = torch.randn(batch, c, lh, lw, generator=gen)
    return {
        "encoder": (lr,),
        "unet": (torch.randn(batch, c, lh, lw, generator=gen), z, torch.linspace(LOGSNR_MIN, 5.0, batch)),
        "decoder": (z, lr),
    }


def _parity_inputs(config: Config, scale: int) -> dict:
    m = lr_multiple(config, scale)
    return _example_inputs(config, scale, batch=2, lr_hw=(3 * m, 5 * m))


def tensor_spec(config: Config, scale: int) -> dict:
    """Names, shapes (H, W = LR tile size; N = batch), dtypes and value ranges of every graph's tensors."""
    c, f = config.ae.latent_channels, config.ae.factor
    latent = ["N", c, f"H*{scale}/{f}", f"W*{scale}/{f}"]
    lr = {"name": "lr", "shape": ["N", 3, "H", "W"], "dtype": "float32", "range": [0, 1],
          "description": "LR tile, RGB, sRGB-encoded values in [0, 1]"}
    return {
        "encoder": {"inputs": [lr], "outputs": [
            {"name": "z_l", "shape": latent, "dtype": "float32", "range": "normalised latent (~N(0,1))"}]},
        "unet": {"inputs": [
            {"name": "z_t", "shape": latent, "dtype": "float32", "range": "normalised latent (~N(0,1))"},
            {"name": "z_l", "shape": latent, "dtype": "float32", "range": "normalised latent (~N(0,1))"},
            {"name": "logsnr", "shape": ["N"], "dtype": "float32", "range": [LOGSNR_MIN, LOGSNR_MAX]},
        ], "outputs": [{"name": "v", "shape": latent, "dtype": "float32", "range": "v-prediction"}]},
        "decoder": {"inputs": [
            {"name": "z", "shape": latent, "dtype": "float32", "range": "normalised latent (~N(0,1))"}, lr],
            "outputs": [{"name": "hr", "shape": ["N", 3, f"H*{scale}", f"W*{scale}"], "dtype": "float32",
                         "range": [0, 1]}]},
    }


def gflops_per_output_megapixel(config: Config, scale: int, graphs: dict) -> dict:
    """Cost of each graph for one step, from a 256×256-output example, per output megapixel."""
    lr_side = 256 // scale
    inputs = _example_inputs(config, scale, lr_hw=(lr_side, lr_side))
    per_mp = 1e6 / 256**2
    cost = {part: round(count_gflops(module, *inputs[part]) * per_mp, 1) for part, (module, _) in graphs.items()}
    cost["total_one_step"] = round(sum(cost.values()), 1)
    return cost


def manifest(config: Config, scale: int, model_id: str, spec: dict, training: dict, metrics: dict,
             parity: dict, cost: dict) -> dict:
    preset = "bicubic" if config.realistic_fraction == 0 else "realistic" if config.realistic_fraction == 1 else "mixed"
    return {
        "format": FORMAT,
        "id": model_id,
        "name": f"YONOS {config.name} ×{scale}",
        "version": MODEL_VERSION,
        "scale": scale,
        "degradation": {"preset": preset, "realistic_fraction": config.realistic_fraction},
        "latent": {"factor": config.ae.factor, "channels": config.ae.latent_channels},
        "files": FILES,
        "tensors": spec,
        "schedule": {"type": "cosine-logsnr", "parameterization": "v", "logsnr_min": LOGSNR_MIN,
                     "logsnr_max": LOGSNR_MAX, "default_steps": 1},
        "tiling": {"tile": preferred_lr_tile(config, scale), "overlap": config.tile_overlap,
                   "multiple": lr_multiple(config, scale)},
        "training": training,
        "metrics": metrics,
        "parity_max_abs_error": parity,
        "gflops_per_output_mp": cost,
    }
