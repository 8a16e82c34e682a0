import pytest
import torch
import torch.nn.functional as F

from yonos_train.imaging import resize_like


@pytest.mark.parametrize("scale", [2, 4, 8])
def test_resize_like_is_torch_bicubic_including_borders(scale):
    lr = torch.rand(2, 3, 7, 11)
    reference = F.interpolate(lr, scale_factor=float(scale), mode="bicubic", align_corners=False)
    torch.testing.assert_close(resize_like(lr, scale), reference, atol=1e-6, rtol=0)


def test_resize_like_exports_without_a_resize_node(tmp_path):
    onnx = pytest.importorskip("onnx")

    class Upsample(torch.nn.Module):
        def forward(self, lr):
            return resize_like(lr, 4)

    path = tmp_path / "upsample.onnx"
    torch.onnx.export(
        Upsample(),
        (torch.rand(1, 3, 8, 8),),
        path,
        input_names=["lr"],
        dynamic_axes={"lr": {2: "H", 3: "W"}},
        dynamo=False,
    )
    ops = {node.op_type for node in onnx.load(path).graph.node}
    assert "Resize" not in ops and "DepthToSpace" in ops
