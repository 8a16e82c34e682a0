"""A tiny run of every stage on generated photos, then export, ONNX parity and eval."""

import json
import os

import numpy as np
import onnxruntime as ort
import pytest

from yonos_train.cli import main
from yonos_train.evaluate import OnnxModel


def tiny_pipeline_args(photos, out):
    """Every stage at ×2/×4/×8 on the tiny preset, a few steps each: the run the fixture makes and a re-run resumes."""
    steps = ["--ae-steps", "12", "--diffusion-steps", "8", "--decoder-steps", "6"]
    return ["pipeline", "--data", str(photos), "--scales", "2,4,8", "--preset", "tiny", "--out", str(out), *steps]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    from conftest import smooth_image
    from PIL import Image

    root = tmp_path_factory.mktemp("run")
    photos = root / "photos"
    photos.mkdir()
    rng = np.random.default_rng(1)
    for index in range(5):
        Image.fromarray(smooth_image(rng, 80, 96)).save(photos / f"p{index}.png")
    out = root / "smoke"  # no --name: the ids and labels come from this folder
    assert main(tiny_pipeline_args(photos, out)) == 0
    return root, photos, out


def test_every_stage_ran_and_exported(tiny_run):
    _, _, out = tiny_run
    for stage in ["ae", "unet-x2", "unet-x4", "unet-x8", "decoder-x2", "decoder-x4", "decoder-x8"]:
        assert (out / stage / "final.safetensors").exists(), stage
    progress = [json.loads(line) for line in (out / "progress.jsonl").read_text().splitlines()]
    assert {"stage", "step", "total", "loss", "it_s", "eta_s"} <= set(progress[0])
    for scale in (2, 4, 8):
        manifest = json.loads((out / "models" / f"yonos-smoke-x{scale}" / "manifest.json").read_text())
        assert manifest["scale"] == scale and manifest["format"] == "yonos-model/1"
        assert manifest["id"] == f"yonos-smoke-x{scale}" and manifest["name"] == f"YONOS smoke ×{scale}"
        assert manifest["training"]["method"].startswith("scale distillation")
        assert max(manifest["parity_max_abs_error"].values()) < 2e-3
        cost = manifest["gflops_per_output_mp"]
        assert cost["total_one_step"] == pytest.approx(cost["encoder"] + cost["unet"] + cost["decoder"], abs=0.2)
        assert cost["unet"] > 0


def test_exported_x4_runs_in_onnxruntime_with_the_right_shapes(tiny_run):
    _, _, out = tiny_run
    model = OnnxModel.load(out / "models" / "yonos-smoke-x4")
    lr = np.random.default_rng(0).random((1, 3, 10, 14), dtype=np.float32)  # not a tile multiple: padded inside
    hr = model.upscale(lr, steps=1)
    assert hr.shape == (1, 3, 40, 56) and hr.min() >= 0 and hr.max() <= 1
    names = [i.name for i in ort.InferenceSession(str(out / "models/yonos-smoke-x4/unet.onnx")).get_inputs()]
    assert names == ["z_t", "z_l", "logsnr"]


def test_rerun_resumes_without_retraining(tiny_run):
    root, photos, out = tiny_run
    before = (out / "ae" / "final.safetensors").stat().st_mtime_ns
    assert main(tiny_pipeline_args(photos, out)) == 0
    assert (out / "ae" / "final.safetensors").stat().st_mtime_ns == before


def test_eval_on_two_images_writes_json_and_plot(tiny_run, tmp_path):
    root, photos, out = tiny_run
    hr_dir = tmp_path / "hr"
    hr_dir.mkdir()
    for name in ("p0.png", "p1.png"):
        (hr_dir / name).write_bytes((photos / name).read_bytes())
    report_path, plot_path = tmp_path / "report.json", tmp_path / "plot.png"
    assert (
        main(
            [
                "eval",
                "--model",
                str(out / "models/yonos-smoke-x4"),
                "--hr",
                str(hr_dir),
                "--steps",
                "1,2",
                "--json",
                str(report_path),
                "--plot",
                str(plot_path),
            ]
        )
        == 0
    )
    report = json.loads(report_path.read_text())
    entry = report["models"][0]
    assert report["images"] == 2 and entry["scale"] == 4
    assert set(entry["steps"]) == {"1", "2"}
    assert 10 < entry["bicubic"]["psnr_y"] < 60
    assert entry["grid_excess_db"] is entry["bicubic_grid_excess_db"] is None  # 80×96: under one 128-px block
    assert plot_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert entry["looks"] == ["faithful"] and set(entry["strengths"]) == {"0"}  # faithful only: strength 0 only
    assert 0 < entry["strengths"]["0"]["hf_ratio"] and "niqe" not in entry["hr"]  # no NIQE model, no NIQE
    assert 0 <= entry["strengths"]["0"]["overshoot_pct"] <= 100 and "overshoot_pct" in entry["bicubic"]
    assert (
        main(
            [
                "eval",
                "--model",
                str(out / "models/yonos-photo-x4"),
                "--hr",
                str(hr_dir),
                "--plot-pd",
                str(tmp_path / "pd.png"),
            ]
        )
        == 2
    )  # the plot needs NIQE


def test_model_ids_come_from_the_name_or_the_run_folder():
    from pathlib import Path

    from yonos_train.config import load_config
    from yonos_train.pipeline import model_id, model_name

    assert model_name(None, Path("runs/smoke")) == "smoke"
    assert model_id(load_config("tiny", name=model_name(None, Path("runs/My Run 2"))), 4) == "yonos-my-run-2-x4"
    assert model_id(load_config("default", name=model_name("mine", Path("runs/x"))), 2) == "yonos-mine-x2"
    with pytest.raises(ValueError, match="--name 'My Model'"):
        model_name("My Model", Path("runs/x"))


def test_bad_scale_chain_is_a_usage_error():
    with pytest.raises(SystemExit) as exit_info:
        main(["pipeline", "--data", ".", "--out", "x", "--scales", "2,3"])
    assert exit_info.value.code == 2


def test_reused_stages_are_relative_links_that_survive_moving_the_runs(tmp_path):
    from yonos_train.pipeline import reuse_stages

    source = tmp_path / "runs" / "photo" / "ae"
    source.mkdir(parents=True)
    (source / "final.safetensors").write_bytes(b"weights")
    (source / "done.json").write_text("{}")
    reuse_stages(tmp_path / "runs" / "ablation", tmp_path / "runs" / "photo", None)
    link = tmp_path / "runs" / "ablation" / "ae" / "final.safetensors"
    assert not os.path.isabs(os.readlink(link))
    moved = tmp_path / "moved"
    (tmp_path / "runs").rename(moved)
    assert (moved / "ablation" / "ae" / "final.safetensors").read_bytes() == b"weights"


def test_quantize_writes_an_int8_package_close_to_the_float_one(tiny_run, tmp_path):
    import onnx

    root, photos, out = tiny_run
    source = out / "models" / "yonos-smoke-x4"
    assert (
        main(["quantize", "--model", str(source), "--calibration", str(photos), "--out", str(tmp_path), "--tiles", "4"])
        == 0
    )
    quantized = tmp_path / "yonos-smoke-x4"
    manifest = json.loads((quantized / "manifest.json").read_text())
    assert manifest["id"] == "yonos-smoke-x4" and manifest["quantization"]["calibration_tiles"] == 4
    for name in manifest["files"].values():
        ops = {node.op_type for node in onnx.load(quantized / name).graph.node}
        assert {"QuantizeLinear", "DequantizeLinear"} <= ops, name
    lr = np.random.default_rng(0).random((1, 3, 16, 16), dtype=np.float32)
    float_hr = OnnxModel.load(source).upscale(lr)
    int8_hr = OnnxModel.load(quantized).upscale(lr)
    assert int8_hr.shape == float_hr.shape
    assert np.abs(int8_hr - float_hr).mean() < 0.05


def test_error_budget_scores_every_row_against_the_same_bicubic(tiny_run, tmp_path):
    from yonos_train.budget import ROWS, budget_table, error_budget

    _, photos, out = tiny_run
    report = error_budget(out, [photos], [2, 4], "jpeg75", crop=None)
    rows = report["sets"]["photos"]["x4"]
    assert set(rows) == set(ROWS) and all(10 < r["psnr_y"] < 60 for r in rows.values())
    assert "| photos | x2 |" in budget_table(report)
