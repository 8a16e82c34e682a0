import random

import pytest
import torch

from yonos_train.degrade import camera_jpeg, degrade, degrade_pair, sample_realistic
from yonos_train.imaging import resize_like


@pytest.fixture
def hr():
    return torch.rand(3, 3, 64, 64)


@pytest.mark.parametrize("preset", ["bicubic", "camera", "realistic"])
@pytest.mark.parametrize("scale", [2, 4, 8])
def test_shapes_and_range(hr, preset, scale):
    student, teacher = degrade_pair(hr, scale, preset, random.Random(1))
    assert student.shape == (3, 3, 64 // scale, 64 // scale)
    assert teacher.shape == (3, 3, 128 // scale, 128 // scale)
    for lr in (student, teacher):
        assert lr.dtype == torch.float32 and lr.min() >= 0 and lr.max() <= 1


@pytest.mark.parametrize("preset", ["camera", "realistic"])
def test_random_presets_are_deterministic_by_seed(hr, preset):
    first = degrade_pair(hr, 4, preset, random.Random(7))
    again = degrade_pair(hr, 4, preset, random.Random(7))
    other = degrade_pair(hr, 4, preset, random.Random(8))
    torch.testing.assert_close(first[0], again[0])
    torch.testing.assert_close(first[1], again[1])
    assert not torch.allclose(first[0], other[0])


def test_realistic_degrades_more_than_bicubic(hr):
    smooth = resize_like(torch.rand(4, 3, 16, 16), 4).clamp(0, 1)  # a smooth HR image
    bicubic = degrade(smooth, 4, "bicubic")
    realistic = degrade(smooth, 4, "realistic", [sample_realistic(random.Random(i)) for i in range(4)])
    reference = torch.nn.functional.interpolate(smooth, size=(16, 16), mode="area")
    assert (realistic - reference).abs().mean() > (bicubic - reference).abs().mean()


def test_unknown_preset_is_a_clear_error(hr):
    with pytest.raises(ValueError, match="unknown degradation preset"):
        degrade(hr, 4, "jpeg-only")


def test_no_teacher_lr_is_made_when_none_is_wanted(hr):
    assert degrade_pair(hr, 4, "camera", random.Random(0), teacher=False)[1] is None


def test_camera_jpeg_subsamples_chroma_more_than_luma():
    """4:2:0: a one-pixel colour checkerboard loses its chroma, a grey one keeps much more of its luma."""
    checker = (torch.arange(32)[:, None] + torch.arange(32)[None]) % 2
    colour = torch.stack([checker, 1 - checker, checker]).float()[None]  # magenta/green: chroma only
    grey = checker.float().expand(1, 3, 32, 32)
    colour_loss = (camera_jpeg(colour, 95) - colour).abs().mean()
    grey_loss = (camera_jpeg(grey, 95) - grey).abs().mean()
    assert colour_loss > 2 * grey_loss
