"""`yonos-train eval`: run exported model packages with onnxruntime on HR images, exactly as shipped, and score them
with the standard SR protocol (PSNR/SSIM on BT.601 Y, border = scale) next to bicubic."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch
import torch.nn.functional as F

from .artifacts import BLOCK, STIPPLE_WINDOW, grid_excess_db, overshoot_pct, stipple_pct
from .data import load_rgb, scan_images
from .degrade import SAMPLERS, camera_jpeg, degrade
from .diffusion import ddim_sample
from .imaging import downscale_bicubic, resize_like, rgb_to_y
from .niqe import NiqeModel, niqe
from .perceptual import colour_shift_delta_e00, hf_energy_ratio, mean_delta_e00


@dataclass
class OnnxModel:
    """One model package, run whole-image (no tiling) on the CPU provider."""

    directory: Path
    manifest: dict
    encoder: ort.InferenceSession
    unet: ort.InferenceSession
    decoder: ort.InferenceSession

    @classmethod
    def load(cls, directory: Path, threads: int = 0) -> OnnxModel:
        manifest = json.loads((directory / "manifest.json").read_text())
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        sessions = {
            part: ort.InferenceSession(str(directory / name), options, providers=["CPUExecutionProvider"])
            for part, name in manifest["files"].items()
        }
        return cls(directory, manifest, **sessions)

    @property
    def scale(self) -> int:
        return int(self.manifest["scale"])

    @property
    def looks(self) -> list[str]:
        """The package's looks: a `yonos-model/1` package has the faithful one only."""
        return list(self.manifest.get("looks", ["faithful"]))

    def _denoise(self, z_t: torch.Tensor, z_l: torch.Tensor, logsnr: torch.Tensor) -> torch.Tensor:
        """The exported U-Net as a Denoiser, so evaluation runs the trainer's own DDIM sampler."""
        feeds = {"z_t": z_t.float().numpy(), "z_l": z_l.numpy(), "logsnr": logsnr.float().numpy()}
        return torch.from_numpy(self.unet.run(None, feeds)[0])

    def upscale(self, lr: np.ndarray, steps: int = 1, seed: int = 0, strength: float = 0.0) -> np.ndarray:
        """LR (N,3,h,w) float32 in [0,1] → HR (N,3,h·s,w·s). Pads to the tile multiple by edge replication.
        `strength` blends the faithful (0) and detailed (1) looks of a package that has both."""
        if strength and "detailed" not in self.looks:
            raise ValueError(f"{self.manifest['id']} has no detailed look (faithful only)")
        multiple = self.manifest["tiling"]["multiple"]
        h, w = lr.shape[-2:]
        pad_h, pad_w = -h % multiple, -w % multiple
        padded = np.pad(lr, ((0, 0), (0, 0), (0, pad_h), (0, pad_w)), mode="edge")
        z_l = torch.from_numpy(self.encoder.run(None, {"lr": padded})[0])
        noise = torch.from_numpy(np.random.default_rng(seed).standard_normal(z_l.shape).astype(np.float32))
        schedule = self.manifest["schedule"]
        z = ddim_sample(self._denoise, z_l, noise, steps, schedule["logsnr_min"], schedule["logsnr_max"])
        feeds = {"z": z.float().numpy(), "lr": padded}
        if "detailed" in self.looks:
            feeds["strength"] = np.array([strength], dtype=np.float32)
        hr = self.decoder.run(None, feeds)[0]
        return hr[..., : h * self.scale, : w * self.scale]


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    mse = float((a - b).pow(2).mean())
    return 10 * np.log10(1.0 / max(mse, 1e-12))


def ssim(a: torch.Tensor, b: torch.Tensor) -> float:
    """SSIM (Wang et al. 2004) with an 11×11 Gaussian window, σ = 1.5, on single-channel images in [0, 1]."""
    coords = torch.arange(11, dtype=torch.float64) - 5
    g = torch.exp(-(coords**2) / (2 * 1.5**2))
    window = (g[:, None] * g[None, :] / g.sum() ** 2)[None, None]
    a, b = a.double()[None, None] * 255, b.double()[None, None] * 255
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mu_a, mu_b = F.conv2d(a, window), F.conv2d(b, window)
    var_a = F.conv2d(a * a, window) - mu_a**2
    var_b = F.conv2d(b * b, window) - mu_b**2
    cov = F.conv2d(a * b, window) - mu_a * mu_b
    value = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
    return float(value.mean())


def score(sr: torch.Tensor, hr: torch.Tensor, border: int) -> tuple[float, float]:
    """PSNR and SSIM on Y with `border` pixels cropped, for one image (3,H,W)."""
    y_sr, y_hr = rgb_to_y(sr[None].clamp(0, 1))[0], rgb_to_y(hr[None])[0]
    crop = (slice(border, -border), slice(border, -border)) if border else (slice(None), slice(None))
    return psnr(y_sr[crop], y_hr[crop]), ssim(y_sr[crop], y_hr[crop])


# The real-input set: a bicubic downscale saved as a 4:2:0 JPEG (quality, Gaussian noise σ before the JPEG).
REAL_INPUT = {"jpeg75": (75, 0.0), "jpeg90": (90, 0.0), "noise-jpeg90": (90, 5 / 255)}
DEGRADATIONS = ("bicubic", "camera", "realistic", *REAL_INPUT)


def make_lr(hr: torch.Tensor, scale: int, degradation: str, seed: int) -> torch.Tensor:
    """A batch (N,3,H,W) of HR images → LR, seeded per image where the degradation is random."""
    if degradation == "bicubic":
        return downscale_bicubic(hr, scale)
    if degradation in REAL_INPUT:
        quality, sigma = REAL_INPUT[degradation]
        return camera_jpeg(downscale_bicubic(hr, scale), quality, sigma)
    rng = random.Random(seed)
    return degrade(hr, scale, degradation, [SAMPLERS[degradation](rng) for _ in range(len(hr))])


def load_hr(path: Path, scale: int, crop: int | None) -> torch.Tensor:
    """HR image as (3,H,W) in [0,1], centre-cropped to `crop` if given, then mod-cropped to the scale."""
    image = torch.from_numpy(load_rgb(path).copy()).permute(2, 0, 1).float() / 255
    if crop:
        h, w = image.shape[1:]
        top, left = max(0, (h - crop) // 2), max(0, (w - crop) // 2)
        image = image[:, top : top + crop, left : left + crop]
    h, w = image.shape[1] // scale * scale, image.shape[2] // scale * scale
    return image[:, :h, :w]


def evaluate(
    models: list[Path],
    hr_dir: Path,
    steps: list[int],
    degradation: str = "bicubic",
    crop: int | None = None,
    seed: int = 0,
    strengths: list[float] | None = None,
    niqe_model: NiqeModel | None = None,
) -> dict:
    """Every model on every HR image: PSNR/SSIM-Y at each step count (faithful look), and at the first step count
    each strength's PSNR/SSIM-Y, high-frequency energy ratio, NIQE (with a model), artifact check and ΔE00 vs the
    faithful output. A faithful-only package is scored at strength 0 only."""
    files = scan_images([hr_dir])
    report: dict = {
        "hr_dir": str(hr_dir),
        "images": len(files),
        "degradation": degradation,
        "crop": crop,
        "protocol": "PSNR/SSIM on BT.601 Y, border = scale, LR by antialiased bicubic"
        + ("" if degradation == "bicubic" else f", then {degradation} (seeded per image)"),
        "hf_ratio": "high-frequency energy over HR's, above the LR's Nyquist frequency (0.5/scale cycles"
        " per HR pixel), geometric mean over images",
        "niqe_model": niqe_model.facts if niqe_model else None,
        "models": [],
    }
    for directory in models:
        model = OnnxModel.load(directory)
        looks = [a for a in (strengths or DEFAULT_STRENGTHS) if a == 0 or "detailed" in model.looks] or [0.0]
        report["models"].append(evaluate_model(model, files, steps, looks, degradation, crop, seed, niqe_model))
    return report


DEFAULT_STRENGTHS = [0.0, 0.5, 1.0]


def evaluate_model(
    model: OnnxModel,
    files: list[Path],
    steps: list[int],
    strengths: list[float],
    degradation: str,
    crop: int | None,
    seed: int,
    niqe_model: NiqeModel | None,
) -> dict:
    s = model.scale
    rows: dict[str, list[dict]] = defaultdict(list)
    for index, path in enumerate(files):
        hr = load_hr(path, s, crop)
        lr = make_lr(hr[None], s, degradation, seed + index)[0]
        rows["bicubic"].append(image_metrics(resize_like(lr[None], s)[0], hr, s, niqe_model))
        rows["hr"].append(reference_metrics(hr, niqe_model))
        outputs = [torch.from_numpy(model.upscale(lr[None].numpy(), steps=n, seed=seed + index))[0] for n in steps]
        for n, sr in zip(steps, outputs, strict=True):
            rows[f"steps/{n}"].append(dict(zip(("psnr_y", "ssim_y"), score(sr, hr, s), strict=True)))
        faithful = outputs[0]
        for strength in strengths:
            sr = (
                faithful
                if strength == 0
                else torch.from_numpy(
                    model.upscale(lr[None].numpy(), steps=steps[0], seed=seed + index, strength=strength)
                )[0]
            )
            rows[f"strength/{strength:g}"].append(
                image_metrics(sr, hr, s, niqe_model, None if strength == 0 else faithful)
            )
    by_strength = {f"{a:g}": summarise(rows[f"strength/{a:g}"]) for a in strengths}
    bicubic = summarise(rows["bicubic"])
    return {
        "model": model.manifest["id"],
        "directory": str(model.directory),
        "scale": s,
        "looks": model.looks,
        "bicubic": bicubic,
        "steps": {str(n): summarise(rows[f"steps/{n}"]) for n in steps},
        # The worst periodic-pattern excess over HR (dB) across the images, faithful look, first step count.
        "grid_excess_db": by_strength["0"].get("grid_excess_db"),
        # Bicubic's: any interpolation has spectral replicas at the LR grid, so a model passes at or below it.
        "bicubic_grid_excess_db": bicubic.get("grid_excess_db"),
        "strengths": by_strength,
        "hr": summarise(rows["hr"]),
    }


def image_metrics(
    sr: torch.Tensor, hr: torch.Tensor, scale: int, niqe_model: NiqeModel | None, faithful: torch.Tensor | None = None
) -> dict:
    """Distortion and perception of one output (3,H,W) against its HR: PSNR/SSIM-Y and the high-frequency energy
    ratio and the halo share (overshoot) on Y with a border of `scale`; NIQE with a model; the grid artifact check on
    images of a block or more; the share of windows with a 2-px stipple; ΔE00 against the faithful output when
    given, per pixel and blurred (the colour shift alone)."""
    sr = sr.clamp(0, 1)
    psnr_y, ssim_y = score(sr, hr, scale)
    y_sr, y_hr = (rgb_to_y(x[None])[0, scale:-scale, scale:-scale] for x in (sr, hr))
    metrics: dict = {"psnr_y": psnr_y, "ssim_y": ssim_y, "hf_ratio": hf_energy_ratio(y_sr, y_hr, 0.5 / scale)}
    metrics["overshoot_pct"] = overshoot_pct(y_sr, y_hr)
    metrics |= reference_metrics(sr, niqe_model)
    if min(hr.shape[1:]) >= BLOCK:
        metrics["grid_excess_db"] = grid_excess_db(rgb_to_y(sr[None])[0], rgb_to_y(hr[None])[0], scale)
    if faithful is not None:
        metrics["delta_e00_vs_faithful"] = mean_delta_e00(sr, faithful)
        metrics["colour_shift_delta_e00_vs_faithful"] = colour_shift_delta_e00(sr, faithful, scale)
    return metrics


def reference_metrics(rgb: torch.Tensor, niqe_model: NiqeModel | None) -> dict:
    """What the HR photo is scored on too: NIQE with a model, and the stipple share on images of a window or more."""
    metrics: dict = {}
    if niqe_model is not None:
        metrics["niqe"] = niqe(rgb, niqe_model)
    if min(rgb.shape[1:]) >= STIPPLE_WINDOW:
        metrics["stipple_pct"] = stipple_pct(rgb)
    return metrics


def summarise(rows: list[dict]) -> dict:
    """Per-image metrics → the set's: means, except the geometric mean of ratios and the worst grid excess."""
    summary: dict = {}
    for key in dict.fromkeys(k for row in rows for k in row):
        values = [row[key] for row in rows if key in row]
        if key == "grid_excess_db":
            summary[key] = {part: max(v[part] for v in values) for part in ("all", "flat")}
        elif key == "hf_ratio":
            summary[key] = round(float(np.exp(np.mean(np.log(np.maximum(values, 1e-12))))), 3)
        else:
            summary[key] = round(float(np.mean(values)), 4 if key == "ssim_y" else 3)
    return summary


def plot_report(report: dict, path: Path) -> None:
    """Steps vs PSNR-Y for every model (e.g. distilled vs direct), with each scale's bicubic as a dashed line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for entry in report["models"]:
        steps = sorted(int(n) for n in entry["steps"])
        (line,) = ax.plot(steps, [entry["steps"][str(n)]["psnr_y"] for n in steps], marker="o", label=entry["model"])
        ax.axhline(entry["bicubic"]["psnr_y"], color=line.get_color(), linestyle="--", linewidth=0.8)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("DDIM steps")
    ax.set_ylabel("PSNR-Y (dB)")
    ax.set_title(f"{Path(report['hr_dir']).name}, {report['degradation']} LR (dashed: bicubic)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def look_label(strength: float) -> str:
    """0 → faithful, 1 → detailed, a blend by its strength."""
    return {0.0: "faithful", 1.0: "detailed"}.get(strength, f"detailed {strength:g}")


def plot_perception_distortion(report: dict, path: Path) -> None:
    """PSNR-Y against NIQE (the perception–distortion plane, Blau & Michaeli 2018): bicubic, every model at each
    strength (a line from faithful to detailed), and HR's NIQE as a vertical line (its PSNR is infinite)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if report["niqe_model"] is None:
        raise ValueError("the perception–distortion plot needs NIQE: pass --niqe-model")
    fig, ax = plt.subplots(figsize=(6, 4))
    for entry in report["models"]:
        points = sorted(entry["strengths"].items(), key=lambda item: float(item[0]))
        (line,) = ax.plot(
            [p["niqe"] for _, p in points], [p["psnr_y"] for _, p in points], marker="o", label=entry["model"]
        )
        for strength, p in points:
            ax.annotate(
                look_label(float(strength)),
                (p["niqe"], p["psnr_y"]),
                fontsize=7,
                xytext=(3, 3),
                textcoords="offset points",
            )
        ax.plot(entry["bicubic"]["niqe"], entry["bicubic"]["psnr_y"], marker="s", color=line.get_color())
        ax.axvline(entry["hr"]["niqe"], color=line.get_color(), linestyle="--", linewidth=0.8)
    ax.set_xlabel("NIQE (lower: more natural)")
    ax.set_ylabel("PSNR-Y (dB)")
    ax.set_title(
        f"{Path(report['hr_dir']).name}, {report['degradation']} LR (■ bicubic, dashed: HR's NIQE)", fontsize=8
    )
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
