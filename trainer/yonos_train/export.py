"""Export one scale as a model package: encoder.onnx, unet.onnx, decoder.onnx and manifest.json.

The contract is written down in native-models/CONTRACT.md; `manifest()` is its single source in the trainer.
"""

from __future__ import annotations

import copy
import json
import warnings
from pathlib import Path
from typing import TypeVar

import numpy as np
import onnxruntime as ort
import torch
import torch.nn as nn
from torch.nn.utils import parametrize

from .config import Config
from .flops import count_gflops
from .imaging import resize_like
from .models import Encoder, UNet
from .schedule import LOGSNR_MAX, LOGSNR_MIN

# A faithful-only package keeps the first format, so older apps still load it; a second look needs the second.
FORMAT = "yonos-model/1"
FORMAT_WITH_LOOKS = "yonos-model/2"
LOOKS = ("faithful", "detailed")
ModuleT = TypeVar("ModuleT", bound=nn.Module)
PARITY_STRENGTHS = (0.0, 0.5, 1.0)
# The built-in family's version; bump it whenever re-exported weights change.
MODEL_VERSION = "0.3.1"
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


def blend(faithful: torch.Tensor, detailed: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
    """θ(α) = (1 − α)·θ_faithful + α·θ_detailed: ESRGAN's network interpolation (Wang et al. 2018, Sec. 3.4)
    between its PSNR-oriented and GAN-trained networks, here between the two looks' decoders."""
    return (1 - alpha) * faithful + alpha * detailed


class _Strength:
    """The strength of the graph call being traced, read by every blended weight."""

    def __init__(self) -> None:
        self.value = torch.zeros(())


class _Interpolated(nn.Module):
    """A parametrization (torch.nn.utils.parametrize) turning a faithful weight into its blend with the detailed one."""

    detailed: torch.Tensor

    def __init__(self, detailed: torch.Tensor, strength: _Strength):
        super().__init__()
        self.register_buffer("detailed", detailed.detach().clone())
        self.strength = strength

    def forward(self, faithful: torch.Tensor) -> torch.Tensor:
        return blend(faithful, self.detailed, self.strength.value)


class BlendedDecoderGraph(nn.Module):
    """(z, LR tile, strength) → HR tile: one decoder whose every weight is blended inside the graph by `strength`
    (shape [1]; 0 = faithful, 1 = detailed), so any strength costs one decoder call plus a few elementwise ops per
    weight tensor. Parametrizations rather than `functional_call`, which refuses to run under the ONNX tracer."""

    def __init__(self, faithful: nn.Module, detailed: nn.Module):
        super().__init__()
        self.decoder, self.strength = copy.deepcopy(faithful), _Strength()
        theta_d = dict(detailed.named_parameters()) | dict(detailed.named_buffers())
        names = [name for name, _ in [*self.decoder.named_parameters(), *self.decoder.named_buffers()]]
        for name in names:
            owner, _, leaf = name.rpartition(".")
            parametrize.register_parametrization(
                self.decoder.get_submodule(owner), leaf, _Interpolated(theta_d[name], self.strength)
            )

    def forward(self, z: torch.Tensor, lr: torch.Tensor, strength: torch.Tensor) -> torch.Tensor:
        self.strength.value = strength.reshape(())
        return self.decoder(z, lr).clamp(0, 1)


def lr_multiple(config: Config, scale: int) -> int:
    """LR tile sides must be multiples of this: the latent (HR/4) must survive the U-Net's two downsamplings."""
    hr_multiple = config.ae.factor * 4
    return max(1, hr_multiple // scale)


def export_package(
    config: Config,
    scale: int,
    encoder: Encoder,
    unet: UNet,
    decoder: nn.Module,
    out_dir: Path,
    model_id: str,
    training: dict,
    metrics: dict | None = None,
    detailed: nn.Module | None = None,
) -> dict:
    """Writes the package; with a `detailed` decoder, decoder.onnx carries both looks and a `strength` input."""
    out_dir.mkdir(parents=True, exist_ok=True)
    # Export and the parity check run on the CPU, from copies: the trained modules may live on a GPU and stay there.
    encoder, unet, decoder = _cpu_copy(encoder), _cpu_copy(unet), _cpu_copy(decoder)
    detailed = _cpu_copy(detailed) if detailed is not None else None
    looks = LOOKS if detailed is not None else LOOKS[:1]
    examples = _example_inputs(config, scale, looks=looks)
    graphs = {
        "encoder": (EncoderGraph(encoder, scale), examples["encoder"]),
        "unet": (unet, examples["unet"]),
        "decoder": (
            DecoderGraph(decoder) if detailed is None else BlendedDecoderGraph(decoder, detailed),
            examples["decoder"],
        ),
    }
    spec = tensor_spec(config, scale, looks)
    cost = gflops_per_output_megapixel(config, scale, graphs, looks)
    parity = {}
    for part, (module, inputs) in graphs.items():
        module = module.float().eval().to(memory_format=torch.contiguous_format)  # type: ignore[call-overload]
        names = [t["name"] for t in spec[part]["inputs"]]
        output = spec[part]["outputs"][0]["name"]
        path = out_dir / FILES[part]
        _export(module, inputs, path, names, output, spec[part])
        parity_inputs = _parity_inputs(config, scale, looks)[part]
        parity[part] = (
            check_parity(module, path, parity_inputs, names)
            if part != "decoder" or detailed is None
            else check_look_parity(module, path, parity_inputs, names, decoder, detailed)
        )
    data = manifest(config, scale, model_id, spec, training, metrics or {}, parity, cost, looks)
    (out_dir / "manifest.json").write_text(json.dumps(data, indent=2) + "\n")
    return data


def _export(module: nn.Module, inputs: tuple, path: Path, names: list[str], output: str, spec: dict) -> None:
    dynamic_axes = {
        t["name"]: {i: str(d) for i, d in enumerate(t["shape"]) if isinstance(d, str)}
        for t in spec["inputs"] + spec["outputs"]
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice
        torch.onnx.export(
            module,
            inputs,
            str(path),
            input_names=names,
            output_names=[output],
            dynamic_axes=dynamic_axes,
            opset_version=OPSET,
            dynamo=False,
        )


def _cpu_copy(module: ModuleT) -> ModuleT:
    return copy.deepcopy(module).cpu()


def check_parity(
    module: nn.Module, path: Path, inputs: tuple, names: list[str], reference: nn.Module | None = None
) -> float:
    """Max abs difference between PyTorch (`reference`, default the exported module itself, called with the same
    inputs) and onnxruntime on inputs of another shape than the export's."""
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    with torch.no_grad():
        expected = (reference or module)(*inputs).numpy()
    actual = session.run(None, {name: t.numpy() for name, t in zip(names, inputs, strict=True)})[0]
    error = float(np.abs(expected - actual).max())
    if error > PARITY_TOLERANCE:
        raise RuntimeError(f"{path.name}: onnxruntime differs from PyTorch by {error:.2e} (> {PARITY_TOLERANCE})")
    return error


def check_look_parity(
    blended: BlendedDecoderGraph, path: Path, inputs: tuple, names: list[str], faithful: nn.Module, detailed: nn.Module
) -> float:
    """The two-look decoder.onnx at strength 0, ½ and 1 against PyTorch: at 0 and 1 against the faithful and detailed
    decoders themselves, not the blend, so the ends are exactly the two trained looks."""
    references = {0.0: _Look(faithful), 0.5: blended, 1.0: _Look(detailed)}
    return max(
        check_parity(blended, path, (*inputs[:2], torch.tensor([alpha])), names, references[alpha].eval())
        for alpha in PARITY_STRENGTHS
    )


class _Look(DecoderGraph):
    """One look's plain decoder graph, called with (z, lr, strength) and ignoring the strength."""

    def forward(self, z: torch.Tensor, lr: torch.Tensor, _strength: torch.Tensor | None = None) -> torch.Tensor:
        return super().forward(z, lr)


def preferred_lr_tile(config: Config, scale: int) -> int:
    """Measured at ×4 on a 2-core CPU (1000×750 photo): 192-px LR tiles 0.94 s per output MP, 128 px 1.08,
    256 px 1.04."""
    multiple = lr_multiple(config, scale)
    return max(config.min_lr_tile, config.hr_tile // scale) // multiple * multiple


def _example_inputs(
    config: Config, scale: int, batch: int = 1, lr_hw: tuple[int, int] | None = None, looks: tuple[str, ...] = LOOKS[:1]
) -> dict:
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
        "decoder": (z, lr) if len(looks) == 1 else (z, lr, torch.tensor([0.5])),
    }


def _parity_inputs(config: Config, scale: int, looks: tuple[str, ...]) -> dict:
    m = lr_multiple(config, scale)
    return _example_inputs(config, scale, batch=2, lr_hw=(3 * m, 5 * m), looks=looks)


def tensor_spec(config: Config, scale: int, looks: tuple[str, ...] = LOOKS[:1]) -> dict:
    """Names, shapes (H, W = LR tile size; N = batch), dtypes and value ranges of every graph's tensors."""
    c, f = config.ae.latent_channels, config.ae.factor
    latent = ["N", c, f"H*{scale}/{f}", f"W*{scale}/{f}"]
    lr = {
        "name": "lr",
        "shape": ["N", 3, "H", "W"],
        "dtype": "float32",
        "range": [0, 1],
        "description": "LR tile, RGB, sRGB-encoded values in [0, 1]",
    }
    return {
        "encoder": {
            "inputs": [lr],
            "outputs": [{"name": "z_l", "shape": latent, "dtype": "float32", "range": "normalised latent (~N(0,1))"}],
        },
        "unet": {
            "inputs": [
                {"name": "z_t", "shape": latent, "dtype": "float32", "range": "normalised latent (~N(0,1))"},
                {"name": "z_l", "shape": latent, "dtype": "float32", "range": "normalised latent (~N(0,1))"},
                {"name": "logsnr", "shape": ["N"], "dtype": "float32", "range": [LOGSNR_MIN, LOGSNR_MAX]},
            ],
            "outputs": [{"name": "v", "shape": latent, "dtype": "float32", "range": "v-prediction"}],
        },
        "decoder": {
            "inputs": [
                {"name": "z", "shape": latent, "dtype": "float32", "range": "normalised latent (~N(0,1))"},
                lr,
                *([STRENGTH_SPEC] if len(looks) > 1 else []),
            ],
            "outputs": [
                {"name": "hr", "shape": ["N", 3, f"H*{scale}", f"W*{scale}"], "dtype": "float32", "range": [0, 1]}
            ],
        },
    }


STRENGTH_SPEC = {
    "name": "strength",
    "shape": [1],
    "dtype": "float32",
    "range": [0, 1],
    "description": "0 = the faithful look, 1 = the detailed look; the decoders' weights are interpolated in between",
}


def gflops_per_output_megapixel(config: Config, scale: int, graphs: dict, looks: tuple[str, ...]) -> dict:
    """Cost of each graph for one step, from a 256×256-output example, per output megapixel."""
    lr_side = 256 // scale
    inputs = _example_inputs(config, scale, lr_hw=(lr_side, lr_side), looks=looks)
    per_mp = 1e6 / 256**2
    cost = {part: round(count_gflops(module, *inputs[part]) * per_mp, 1) for part, (module, _) in graphs.items()}
    cost["total_one_step"] = round(sum(cost.values()), 1)
    return cost


def manifest(
    config: Config,
    scale: int,
    model_id: str,
    spec: dict,
    training: dict,
    metrics: dict,
    parity: dict,
    cost: dict,
    looks: tuple[str, ...] = LOOKS[:1],
) -> dict:
    preset = "bicubic" if config.realistic_fraction == 0 else "realistic" if config.realistic_fraction == 1 else "mixed"
    return {
        "format": FORMAT if len(looks) == 1 else FORMAT_WITH_LOOKS,
        **({} if len(looks) == 1 else {"looks": list(looks)}),
        "id": model_id,
        "name": f"YONOS {config.name} ×{scale}",
        "version": MODEL_VERSION,
        "scale": scale,
        "degradation": {"preset": preset, "realistic_fraction": config.realistic_fraction},
        "latent": {"factor": config.ae.factor, "channels": config.ae.latent_channels},
        "files": FILES,
        "tensors": spec,
        "schedule": {
            "type": "cosine-logsnr",
            "parameterization": "v",
            "logsnr_min": LOGSNR_MIN,
            "logsnr_max": LOGSNR_MAX,
            "default_steps": 1,
        },
        "tiling": {
            "tile": preferred_lr_tile(config, scale),
            "overlap": config.tile_overlap,
            "multiple": lr_multiple(config, scale),
        },
        "training": training,
        "metrics": metrics,
        "parity_max_abs_error": parity,
        "gflops_per_output_mp": cost,
    }
