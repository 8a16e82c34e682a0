import random

import pytest
import torch

from yonos_train.degrade import degrade, degrade_pair, sample_realistic
from yonos_train.imaging import resize_like


@pytest.fixture
def hr():
    return torch.rand(3, 3, 64, 64)


@pytest.mark.parametrize("preset", ["bicubic", "realistic"])
@pytest.mark.parametrize("scale", [2, 4, 8])
def test_shapes_and_range(hr, preset, scale):
    student, teacher = degrade_pair(hr, scale, preset, random.Random(1))
    assert student.shape == (3, 3, 64 // scale, 64 // scale)
    assert teacher.shape == (3, 3, 128 // scale, 128 // scale)
    for lr in (student, teacher):
        assert lr.dtype == torch.float32 and lr.min() >= 0 and lr.max() <= 1


def test_realistic_is_deterministic_by_seed(hr):
    first = degrade_pair(hr, 4, "realistic", random.Random(7))
    again = degrade_pair(hr, 4, "realistic", random.Random(7))
    other = degrade_pair(hr, 4, "realistic", random.Random(8))
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
