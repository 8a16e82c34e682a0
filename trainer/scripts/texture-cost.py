"""What texture costs in PSNR when the LR does not fix its phase (the model card's "Why the detail targets conflict").

For each photo, the two-look package's faithful output F, its detailed output D and the HR H (luma, 512-px centre
crops): the energy above the LR's Nyquist frequency of each, and the mean squared errors. Texture n added to F above
that frequency and uncorrelated with the error H − F raises the MSE by exactly n's energy (Blau & Michaeli 2018 make
the general case: a sample of the posterior has twice the MMSE). So the PSNR of F plus uncorrelated texture that
brings its high-frequency energy to r × the HR's is a ceiling for a model whose invented detail is no better than
chance, and D's PSNR against its own "uncorrelated" prediction says how much of its texture is right.

    python scripts/texture-cost.py runs/v0.3-detail2/models/yonos-photo-x4 <photos-val> --degradation jpeg75
"""

import argparse
import json
import math
from pathlib import Path

import torch

from yonos_train.evaluate import OnnxModel, load_hr, make_lr
from yonos_train.imaging import resize_like, rgb_to_y


def high_frequency_energy(y: torch.Tensor, cutoff: float) -> float:
    """Mean squared value per pixel of the part of luma (H, W) above `cutoff` cycles per pixel (Parseval)."""
    spectrum = torch.fft.fft2(y.double())
    fy = torch.fft.fftfreq(y.shape[0], dtype=torch.float64)[:, None]
    fx = torch.fft.fftfreq(y.shape[1], dtype=torch.float64)[None]
    above = (fy**2 + fx**2).sqrt() > cutoff
    return float((spectrum.abs().pow(2) * above).sum() / y.numel() ** 2)


def psnr(mse: float) -> float:
    return 10 * math.log10(1 / mse)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", type=Path, help="a two-look package")
    parser.add_argument("hr", type=Path, help="folder of HR photos")
    parser.add_argument("--degradation", default="jpeg75")
    parser.add_argument("--crop", type=int, default=512)
    args = parser.parse_args()
    torch.set_num_threads(2)
    model = OnnxModel.load(args.model)
    scale, cutoff = model.scale, 0.5 / model.scale
    rows = []
    for seed, path in enumerate(sorted(p for p in args.hr.iterdir() if p.is_file())):
        hr = load_hr(path, scale, args.crop)[None]
        lr = make_lr(hr, scale, args.degradation, seed)
        outputs = {
            "bicubic": resize_like(lr, scale),
            "faithful": torch.from_numpy(model.upscale(lr.numpy())),
            "detailed": torch.from_numpy(model.upscale(lr.numpy(), strength=1.0)),
        }
        y_hr = rgb_to_y(hr)[0]
        row: dict = {"hr_hf": high_frequency_energy(y_hr, cutoff)}
        for name, output in outputs.items():
            y = rgb_to_y(output.clamp(0, 1))[0]
            mse = float((y.double() - y_hr.double()).pow(2).mean())
            row[name] = {"mse": mse, "hf": high_frequency_energy(y, cutoff)}
        rows.append(row)

    def mean_psnr(mse_of) -> float:
        return round(sum(psnr(mse_of(row)) for row in rows) / len(rows), 2)

    def faithful_plus_texture(row: dict, hf: float) -> float:
        """The faithful output's MSE once uncorrelated texture has raised its high-frequency energy to `hf`."""
        return row["faithful"]["mse"] + max(0.0, hf - row["faithful"]["hf"])

    hr_hf = sum(row["hr_hf"] for row in rows)
    report = {
        "photos": len(rows),
        "psnr_y": {name: mean_psnr(lambda row, n=name: row[n]["mse"]) for name in ("bicubic", "faithful", "detailed")},
        "hf_energy_ratio": {n: round(sum(row[n]["hf"] for row in rows) / hr_hf, 3) for n in ("faithful", "detailed")},
        "detailed_if_its_texture_were_uncorrelated": mean_psnr(
            lambda row: faithful_plus_texture(row, row["detailed"]["hf"])
        ),
        "faithful_plus_uncorrelated_texture": {
            str(ratio): mean_psnr(lambda row, r=ratio: faithful_plus_texture(row, r * row["hr_hf"]))
            for ratio in (0.5, 0.85, 1.0)
        },
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
