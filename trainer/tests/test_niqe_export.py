import json
from pathlib import Path

import numpy as np

from yonos_train.cli import main
from yonos_train.niqe import NiqeModel

REPO = Path(__file__).resolve().parents[2]


def test_niqe_export_writes_the_model_as_json_with_the_very_same_doubles(tmp_path):
    rng = np.random.default_rng(3)
    features = rng.standard_normal((50, 36)) / 3
    model = NiqeModel(features.mean(0), np.cov(features, rowvar=False), 96, {"images": 2, "patches": 50})
    model.save(tmp_path / "m.npz")
    out = tmp_path / "m.json"
    assert main(["niqe-export", "--model", str(tmp_path / "m.npz"), "--out", str(out)]) == 0
    exported = json.loads(out.read_text())
    assert exported["schema"] == "yonos-niqe-model/1"
    assert exported["patch"] == 96 and exported["facts"] == {"images": 2, "patches": 50}
    assert np.array_equal(np.array(exported["mean"]), model.mean)
    assert np.array_equal(np.array(exported["cov"]), model.cov)


def test_niqe_export_of_a_missing_model_is_a_clear_error(tmp_path, capsys):
    assert main(["niqe-export", "--model", str(tmp_path / "none.npz"), "--out", str(tmp_path / "m.json")]) == 2
    assert "none.npz" in capsys.readouterr().err
    assert not (tmp_path / "m.json").exists()


def test_the_app_ships_the_export_of_the_committed_model():
    """native-models/niqe/photos-train.json is what `yonos eval` scores with: the export of this very model."""
    shipped = json.loads((REPO / "native-models/niqe/photos-train.json").read_text())
    assert shipped == NiqeModel.load(REPO / "trainer/niqe/photos-train.npz").to_json()
