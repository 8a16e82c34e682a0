"""`yonos-train`: train YONOS models on a folder of photos and evaluate exported model packages."""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import sys
from pathlib import Path

from .config import PRESETS, load_config
from .datasets import DEFAULT_DATA_DIR, DEFAULT_MANIFEST
from .evaluate import DEGRADATIONS


def _scales(text: str) -> tuple[int, ...]:
    scales = tuple(int(s) for s in text.split(","))
    for previous, current in itertools.pairwise(scales):
        if current != 2 * previous:
            raise argparse.ArgumentTypeError("each scale must double the previous one, e.g. 2,4,8")
    return scales


def _steps(text: str) -> list[int]:
    return [int(s) for s in text.split(",")]


def _strengths(text: str) -> list[float]:
    strengths = [float(s) for s in text.split(",")]
    if not all(0 <= s <= 1 for s in strengths):
        raise argparse.ArgumentTypeError("strengths are from 0 (faithful) to 1 (detailed)")
    return strengths


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="yonos-train", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    pipe = sub.add_parser("pipeline", help="train every stage (AE, teacher, students, decoders) and export ONNX")
    pipe.add_argument("--data", type=Path, nargs="+", required=True, help="folders of training photos (recursive)")
    pipe.add_argument("--val", type=Path, nargs="*", help="validation folders (default: 5%% held out of --data)")
    pipe.add_argument("--out", type=Path, required=True, help="run folder; re-running resumes it")
    pipe.add_argument("--scales", type=_scales, help="scale chain, default 2,4,8")
    pipe.add_argument("--preset", default="default", choices=sorted(PRESETS))
    pipe.add_argument("--config", type=Path, help="TOML file overriding preset fields")
    pipe.add_argument(
        "--name", help="model family name in model ids and labels, yonos-NAME-x4 (default: the run folder's name)"
    )
    pipe.add_argument(
        "--direct",
        action="store_true",
        default=None,
        help="ablation: train each scale with eq. 2 directly, no scale distillation",
    )
    pipe.add_argument(
        "--plain-decoder",
        action="store_true",
        default=None,
        help="ablation: fine-tune the paper's plain decoder instead of bicubic + correction",
    )
    pipe.add_argument("--ae-from", type=Path, help="reuse the autoencoder of another run folder")
    pipe.add_argument("--unet-from", type=Path, help="reuse the U-Nets of another run folder (decoder ablations)")
    pipe.add_argument(
        "--init-from", type=Path, help="fine-tune: start each stage not yet trained from another run's final weights"
    )
    pipe.add_argument("--device", default="auto", help="auto, cpu or cuda (torchrun sets the rank's GPU)")
    pipe.add_argument("--bf16", default="auto", choices=["auto", "on", "off"])
    pipe.add_argument(
        "--decoder-loss",
        choices=["faithful", "detail"],
        help="detail: also fine-tune an adversarial decoder and export a faithful and a detailed look",
    )
    for name in ("ae-steps", "diffusion-steps", "decoder-steps", "detail-steps", "batch", "seed"):
        pipe.add_argument(f"--{name}", type=int)
    pipe.add_argument("--realistic-fraction", type=float)
    pipe.add_argument("--camera-fraction", type=float, help="share of each batch with the camera (JPEG) preset")
    pipe.add_argument("--data-workers", type=int, help="batch-making processes (default: 0 on CPU, most cores on GPU)")

    ev = sub.add_parser("eval", help="score exported models on HR images (PSNR/SSIM-Y vs bicubic)")
    ev.add_argument("--model", type=Path, nargs="+", required=True, help="model package folders")
    ev.add_argument("--hr", type=Path, required=True, help="folder of HR images")
    ev.add_argument("--steps", type=_steps, default=[1], help="comma-separated DDIM step counts, e.g. 1,2,4,16")
    ev.add_argument("--degradation", default="bicubic", choices=DEGRADATIONS)
    ev.add_argument("--crop", type=int, help="centre-crop HR images to this size first (faster)")
    ev.add_argument("--json", type=Path, help="write the report here")
    ev.add_argument("--plot", type=Path, help="write a steps-vs-PSNR PNG here")
    ev.add_argument(
        "--strengths",
        type=_strengths,
        help="look strengths to score, 0 = faithful, 1 = detailed (default 0,0.5,1; faithful-only packages: 0)",
    )
    ev.add_argument("--niqe-model", type=Path, help="a NIQE model from `niqe-fit`: adds NIQE to the report")
    ev.add_argument("--plot-pd", type=Path, help="write a PSNR-vs-NIQE (perception–distortion) PNG here")
    fit = sub.add_parser("niqe-fit", help="fit NIQE's natural-scene model on sharp photos")
    fit.add_argument("--photos", type=Path, nargs="+", required=True, help="folders of pristine (sharp) photos")
    fit.add_argument("--out", type=Path, required=True, help="the model file to write (.npz)")
    fit.add_argument("--patch", type=int, default=96, help="patch side in pixels, even (default 96, as the paper)")
    export = sub.add_parser("niqe-export", help="write a NIQE model as JSON, for the app's `yonos eval`")
    export.add_argument("--model", type=Path, required=True, help="a NIQE model from `niqe-fit` (.npz)")
    export.add_argument("--out", type=Path, required=True, help="the JSON file to write")
    bud = sub.add_parser("budget", help="error budget of a run: AE ceiling, oracle latent, shipped, no U-Net")
    bud.add_argument("--run", type=Path, required=True, help="a trained run folder")
    bud.add_argument("--hr", type=Path, nargs="+", required=True, help="folders of HR images (one table row each)")
    bud.add_argument("--scales", type=_steps, default=[2, 4, 8], help="comma-separated scales, default 2,4,8")
    bud.add_argument("--degradation", default="bicubic", choices=DEGRADATIONS)
    bud.add_argument("--crop", type=int, default=512, help="centre-crop HR images to this size (0: whole image)")
    bud.add_argument("--json", type=Path, help="write the report here")
    crops = sub.add_parser("crops", help="side-by-side crops: bicubic | each model | HR, as one PNG")
    crops.add_argument("--model", type=Path, nargs="+", required=True, help="model packages of one scale")
    crops.add_argument("--hr", type=Path, required=True, help="one HR photo")
    crops.add_argument(
        "--box", type=int, nargs=3, required=True, metavar=("TOP", "LEFT", "SIZE"), help="the crop in HR pixels"
    )
    crops.add_argument("--degradation", default="jpeg75", choices=DEGRADATIONS)
    crops.add_argument("--zoom", type=int, default=1, help="nearest-neighbour enlargement of every panel")
    crops.add_argument(
        "--strengths",
        type=_strengths,
        help="two-look models: one panel per look strength (default 0,1: faithful and detailed)",
    )
    crops.add_argument("--out", type=Path, required=True, help="PNG to write")
    quant = sub.add_parser("quantize", help="write a static int8 copy of exported model packages")
    quant.add_argument("--model", type=Path, nargs="+", required=True, help="float model package folders")
    quant.add_argument(
        "--calibration",
        type=Path,
        nargs="+",
        required=True,
        help="folders of photos to calibrate activation ranges on (training photos)",
    )
    quant.add_argument("--out", type=Path, required=True, help="folder for the int8 packages (same folder names)")
    quant.add_argument("--tiles", type=int, default=24, help="calibration tiles per package")
    _add_data_commands(sub)
    return parser


def _add_data_commands(sub: argparse._SubParsersAction) -> None:
    data = sub.add_parser("data", help="the training and evaluation photos: download them by the manifest")
    data_sub = data.add_subparsers(dest="data_command", required=True)
    fetch = data_sub.add_parser(
        "fetch", help="download, verify and prepare every file of the manifest; re-running resumes"
    )
    fetch.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST, help="default: trainer/datasets.json")
    fetch.add_argument("--out", type=Path, default=DEFAULT_DATA_DIR, help="data folder (default: trainer/data)")
    fetch.add_argument(
        "--only", action="append", metavar="SET", help="only this set, e.g. set5 (repeatable; default: all)"
    )
    fetch.add_argument(
        "--strict",
        action="store_true",
        help="fail when a prepared file is not byte-identical to the manifest's (another JPEG encoder build)",
    )
    manifest = data_sub.add_parser("manifest", help="write the manifest from prepared sets and their PROVENANCE.tsv")
    manifest.add_argument(
        "--from", dest="datasets", type=Path, required=True, help="folder of the sets and PROVENANCE.tsv"
    )
    manifest.add_argument("--out", type=Path, default=DEFAULT_MANIFEST, help="default: trainer/datasets.json")


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    args = build_parser().parse_args(argv)
    try:
        commands = {
            "pipeline": _pipeline,
            "eval": _eval,
            "niqe-fit": _niqe_fit,
            "niqe-export": _niqe_export,
            "budget": _budget,
            "crops": _crops,
            "quantize": _quantize,
            "data": _data,
        }
        return commands[args.command](args)
    except (FileNotFoundError, ValueError) as error:
        print(f"yonos-train: error: {error}", file=sys.stderr)
        return 2


def _pipeline(args: argparse.Namespace) -> int:
    from .pipeline import model_name, prepare_run, reuse_stages, run_pipeline
    from .runtime import setup_runtime

    name = model_name(args.name, args.out)
    config = load_config(
        args.preset,
        args.config,
        scales=args.scales,
        name=name,
        direct=args.direct,
        plain_decoder=args.plain_decoder,
        ae_steps=args.ae_steps,
        diffusion_steps=args.diffusion_steps,
        decoder_steps=args.decoder_steps,
        batch=args.batch,
        seed=args.seed,
        realistic_fraction=args.realistic_fraction,
        camera_fraction=args.camera_fraction,
        data_workers=args.data_workers,
        decoder_loss=args.decoder_loss,
        detail=None if args.detail_steps is None else {"steps": args.detail_steps},
    )
    runtime = setup_runtime(args.device, args.bf16)
    reuse_stages(args.out, args.ae_from, args.unet_from)
    run = prepare_run(config, runtime, args.data, args.val, args.out, args.init_from)
    for directory in run_pipeline(run):
        print(directory)
    return 0


def _eval(args: argparse.Namespace) -> int:
    from .evaluate import evaluate, plot_perception_distortion, plot_report
    from .niqe import NiqeModel

    if args.plot_pd and not args.niqe_model:
        raise ValueError("--plot-pd needs --niqe-model (NIQE is its axis)")
    niqe_model = NiqeModel.load(args.niqe_model) if args.niqe_model else None
    report = evaluate(
        args.model, args.hr, args.steps, args.degradation, args.crop, strengths=args.strengths, niqe_model=niqe_model
    )
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    if args.plot:
        plot_report(report, args.plot)
    if args.plot_pd:
        plot_perception_distortion(report, args.plot_pd)
    return 0


def _niqe_fit(args: argparse.Namespace) -> int:
    from .niqe import fit_model

    if args.patch < 8 or args.patch % 2:
        raise ValueError("--patch must be an even number of pixels, 8 or more")
    model = fit_model(args.photos, args.patch)
    model.save(args.out)
    print(json.dumps(model.facts))
    return 0


def _niqe_export(args: argparse.Namespace) -> int:
    from .niqe import NiqeModel

    args.out.write_text(json.dumps(NiqeModel.load(args.model).to_json()) + "\n")
    print(args.out)
    return 0


def _budget(args: argparse.Namespace) -> int:
    from .budget import budget_table, error_budget
    from .runtime import setup_runtime

    setup_runtime("cpu", "off")  # threads
    report = error_budget(args.run, args.hr, args.scales, args.degradation, args.crop or None)
    print(budget_table(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


def _crops(args: argparse.Namespace) -> int:
    from .crops import crop_panels

    crop_panels(args.model, args.hr, tuple(args.box), args.degradation, args.zoom, args.strengths).save(
        args.out, optimize=True
    )
    print(args.out)
    return 0


def _quantize(args: argparse.Namespace) -> int:
    from .quantize import quantize_package

    for source in args.model:
        quantize_package(source, args.out / source.name, args.calibration, args.tiles)
        print(args.out / source.name)
    return 0


def _data(args: argparse.Namespace) -> int:
    from .dataset_manifest import build_manifest, manifest_text
    from .datasets import load_manifest, write_atomic
    from .fetch import fetch

    if args.data_command == "manifest":
        manifest = build_manifest(args.datasets)
        write_atomic(args.out, manifest_text(manifest).encode())
        print(f"{args.out}: {len(manifest['files'])} files")
        return 0
    report = fetch(load_manifest(args.manifest), args.out, args.only, args.strict)
    print(report.summary(args.out))
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
