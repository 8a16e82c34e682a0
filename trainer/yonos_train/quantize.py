"""Static int8 quantisation of an exported model package (onnxruntime.quantization, QDQ format).

Weights are int8 per output channel, activations uint8 with ranges calibrated on LR tiles of training photos run
through the float package itself: the encoder sees the tiles, the U-Net the one-step inputs (pure noise, the encoded
tiles, λ_min) and the decoder the one-step latents. On a 2-core CPU the ×4 pipeline ran 1.65× faster, but it cost
0.1–0.5 dB (most at ×2), so the built-in models stay float (see native-models/README.md).
"""

import json
import random
import shutil
from pathlib import Path

import numpy as np
import onnx
import torch
from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType, quantize_static

from .data import load_images, scan_images
from .diffusion import ddim_sample
from .evaluate import OnnxModel
from .imaging import downscale_bicubic

SCHEME = "static int8: QDQ, int8 per-channel weights, uint8 activations (MinMax calibration)"


class _Feeds(CalibrationDataReader):
    def __init__(self, feeds: list[dict[str, np.ndarray]]):
        self._feeds = iter(feeds)

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._feeds, None)


def calibration_tiles(
    folders: list[Path], scale: int, tile: int, multiple: int, count: int, seed: int = 0
) -> list[np.ndarray]:
    """`count` random LR tiles (1, 3, t, t) in [0, 1], t = the package's tile or less for small photos:
    HR crops of t·scale px, bicubic-downscaled as in training."""
    rng = random.Random(seed)
    images = load_images(scan_images(folders), multiple * scale)
    tiles = []
    for index in range(count):
        image = images[index % len(images)]
        side = min(tile, min(image.shape[:2]) // scale // multiple * multiple) * scale
        y, x = rng.randrange(image.shape[0] - side + 1), rng.randrange(image.shape[1] - side + 1)
        hr = torch.from_numpy(image[y : y + side, x : x + side].copy()).permute(2, 0, 1)[None].float() / 255
        tiles.append(downscale_bicubic(hr, scale).numpy())
    return tiles


def graph_inputs(model: OnnxModel, tiles: list[np.ndarray], seed: int = 0) -> dict[str, list[dict[str, np.ndarray]]]:
    """What each of the three graphs sees when the float package upscales these tiles in one step."""
    feeds: dict[str, list[dict[str, np.ndarray]]] = {"encoder": [], "unet": [], "decoder": []}
    generator = torch.Generator().manual_seed(seed)

    def recording_denoiser(z_t: torch.Tensor, z_l: torch.Tensor, logsnr: torch.Tensor) -> torch.Tensor:
        feeds["unet"].append({"z_t": z_t.float().numpy(), "z_l": z_l.numpy(), "logsnr": logsnr.float().numpy()})
        return model._denoise(z_t, z_l, logsnr)

    for lr in tiles:
        feeds["encoder"].append({"lr": lr})
        z_l = torch.from_numpy(model.encoder.run(None, {"lr": lr})[0])
        noise = torch.randn(z_l.shape, generator=generator)
        z = ddim_sample(recording_denoiser, z_l, noise, steps=1)
        feeds["decoder"].append({"z": z.float().numpy(), "lr": lr})
    return feeds


def quantize_package(source: Path, out: Path, calibration: list[Path], tiles: int = 24, seed: int = 0) -> dict:
    """Writes the int8 copy of the package `source` to `out`; returns its manifest."""
    model = OnnxModel.load(source)
    manifest = model.manifest
    if "detailed" in model.looks:
        # Its decoder computes its weights from the strength input, so they are no constants to quantise.
        raise ValueError(f"{source}: packages with a detailed look cannot be quantised yet")
    tiling = manifest["tiling"]
    lr_tiles = calibration_tiles(calibration, model.scale, tiling["tile"], tiling["multiple"], tiles, seed)
    feeds = graph_inputs(model, lr_tiles, seed)
    out.mkdir(parents=True, exist_ok=True)
    for part, name in manifest["files"].items():
        quantize_static(
            str(source / name),
            str(out / name),
            _Feeds(feeds[part]),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            calibrate_method=CalibrationMethod.MinMax,
        )
        _drop_unused_initializers(out / name)
    for extra in source.iterdir():
        if extra.name not in manifest["files"].values() and extra.name != "manifest.json" and extra.is_file():
            shutil.copy2(extra, out / extra.name)
    manifest["quantization"] = {
        "scheme": SCHEME,
        "calibration_tiles": len(lr_tiles),
        "calibration_data": [str(folder) for folder in calibration],
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def _drop_unused_initializers(path: Path) -> None:
    """The quantiser leaves the float constants it replaced; onnxruntime would warn about each at every load."""
    model = onnx.load(path)
    used = {name for node in model.graph.node for name in node.input}
    kept = [tensor for tensor in model.graph.initializer if tensor.name in used]
    del model.graph.initializer[:]
    model.graph.initializer.extend(kept)
    onnx.save(model, path)
