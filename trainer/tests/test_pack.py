"""The GPU pack's initial weights: half the bytes, and they load where `--ae-from`/`--init-from` look."""

import json

import torch

from yonos_train.checkpoint import load_weights, save_checkpoint
from yonos_train.pack import pack_init_weights


def test_init_weights_are_packed_as_bfloat16_in_the_run_layout(tmp_path):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(16, 32, 3), torch.nn.BatchNorm2d(32))
    stage = tmp_path / "runs" / "v0.3" / "unet-x4"
    save_checkpoint(stage / "final.safetensors", model, None, step=250)
    (stage / "done.json").write_text(json.dumps({"steps": 250}))

    written = pack_init_weights(stage, tmp_path / "pack" / "init")

    packed = tmp_path / "pack" / "init" / "v0.3" / "unet-x4"
    assert json.loads((packed / "done.json").read_text()) == {"steps": 250}
    assert written == sum(p.stat().st_size for p in packed.iterdir())
    assert (packed / "final.safetensors").stat().st_size < 0.6 * (stage / "final.safetensors").stat().st_size
    restored = torch.nn.Sequential(torch.nn.Conv2d(16, 32, 3), torch.nn.BatchNorm2d(32))
    load_weights(packed / "final.safetensors", restored)
    for (name, original), (_, loaded) in zip(model.state_dict().items(), restored.state_dict().items(), strict=True):
        assert loaded.dtype == original.dtype, name  # the model keeps its own dtype
        expected = original.to(torch.bfloat16).to(original.dtype) if original.is_floating_point() else original
        assert torch.equal(loaded, expected), name
