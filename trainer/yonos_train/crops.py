"""`yonos-train crops`: side-by-side crops for the model card, bicubic | model A | model B … | HR, on one photo.

The LR is made from the HR by the chosen degradation (e.g. `jpeg75`: a bicubic downscale saved as a 4:2:0 JPEG,
what a real photo looks like), every panel is enlarged to the same size with nearest-neighbour so that pixels stay
visible, and a label row names each panel.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

from .evaluate import OnnxModel, load_hr, look_label, make_lr
from .imaging import resize_like

LABEL_HEIGHT = 18


def crop_panels(
    models: list[Path],
    hr_path: Path,
    box: tuple[int, int, int],
    degradation: str,
    zoom: int = 1,
    strengths: list[float] | None = None,
) -> Image.Image:
    """`box` = (top, left, size) in HR pixels; the crop's LR is upscaled by every model, a two-look model once per
    strength (default: faithful and detailed side by side)."""
    loaded = [OnnxModel.load(m) for m in models]
    scale = loaded[0].scale
    top, left, size = box
    hr = load_hr(hr_path, scale, None)[:, top : top + size, left : left + size]
    lr = make_lr(hr[None], scale, degradation, 0)
    panels = [("bicubic", resize_like(lr, scale)[0])]
    for model in loaded:
        name = f"{model.manifest['id']} {model.manifest['version']}"
        for strength in (strengths or [0.0, 1.0]) if "detailed" in model.looks else [0.0]:
            label = name if len(model.looks) == 1 else f"{name} {look_label(strength)}"
            panels.append((label, torch.from_numpy(model.upscale(lr.numpy(), strength=strength))[0]))
    panels.append(("HR", hr))
    return _sheet(panels, zoom, f"x{scale}, {degradation} LR")


def _sheet(panels: list[tuple[str, torch.Tensor]], zoom: int, title: str) -> Image.Image:
    images = [Image.fromarray((p.clamp(0, 1).permute(1, 2, 0).numpy() * 255 + 0.5).astype(np.uint8)) for _, p in panels]
    w, h = images[0].width * zoom, images[0].height * zoom
    sheet = Image.new("RGB", (w * len(images), h + LABEL_HEIGHT), "white")
    draw = ImageDraw.Draw(sheet)
    for index, ((label, _), image) in enumerate(zip(panels, images, strict=True)):
        sheet.paste(image.resize((w, h), Image.Resampling.NEAREST), (index * w, LABEL_HEIGHT))
        draw.text((index * w + 4, 3), label if index else f"{label} ({title})", fill="black")
    return sheet
