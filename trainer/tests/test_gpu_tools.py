"""The GPU rental's two helpers: packing photos into what travels, and reading throughput back."""

import json

import numpy as np
import pytest
from PIL import Image

from yonos_train.gpu_report import throughput
from yonos_train.pack import pack


@pytest.fixture
def datasets(tmp_path):
    from conftest import smooth_image

    rng = np.random.default_rng(0)
    for folder, count, size in (
        ("photos-train", 4, 700),
        ("bsds300-train", 2, 300),
        ("photos-val", 2, 600),
        ("set5", 1, 200),
    ):
        (tmp_path / folder).mkdir()
        for index in range(count):
            Image.fromarray(smooth_image(rng, size, size)).save(tmp_path / folder / f"{index}.png")
    return tmp_path


def test_pack_picks_the_largest_photos_that_fit(datasets, tmp_path):
    out = tmp_path / "pack"
    assert pack(datasets, out, budget=10_000_000) == (1600, 95)  # everything fits at full size

    def size(*folders):
        return sum(p.stat().st_size for folder in folders for p in (out / folder).iterdir())

    tight = pack(datasets, out, budget=size("set5", "photos-val") + size("photos-train", "bsds300-train") // 2)
    assert tight < (1600, 95)
    assert max(Image.open(p).size[0] for p in (out / "photos-train").iterdir()) <= tight[0]
    assert Image.open(out / "photos-val" / "0.jpg").size == (512, 512)  # validation: centre crops


def test_pack_refuses_a_budget_nothing_fits(datasets, tmp_path):
    with pytest.raises(ValueError, match="make room"):
        pack(datasets, tmp_path / "pack", budget=1000)


def test_throughput_reads_steps_per_second_and_gpu_utilisation(tmp_path):
    progress = tmp_path / "progress.jsonl"
    progress.write_text(
        "\n".join(
            json.dumps(r)
            for r in [
                {"stage": "unet-x2", "step": 10, "it_s": 20.0},
                {"stage": "unet-x2", "step": 20, "it_s": 30.0},
                {"stage": "unet-x2", "step": 20, "validation": {}},
                {"stage": "decoder-x2", "step": 10, "it_s": 40.0},
            ]
        )
    )
    (tmp_path / "util.csv").write_text("40, 1000\n60, 1200\n")
    report = throughput(progress, tmp_path / "util.csv")
    assert report["steps_per_s"] == {"unet-x2": 30.0, "decoder-x2": 40.0}
    assert report["gpu_utilisation_pct"] == {"mean": 50.0, "max": 60.0, "samples": 2}
