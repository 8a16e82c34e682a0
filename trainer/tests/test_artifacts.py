import torch

from yonos_train.artifacts import grid_excess_db, suspect_periods


def photo_y(seed: int = 0, size: int = 512) -> torch.Tensor:
    """Luma with a natural photo's 1/f amplitude spectrum."""
    spectrum = torch.fft.fft2(torch.randn(size, size, generator=torch.Generator().manual_seed(seed)))
    f = torch.fft.fftfreq(size)
    radius = (f[:, None] ** 2 + f[None, :] ** 2).sqrt().clamp(min=1 / size)
    y = torch.fft.ifft2(spectrum / radius).real
    return 0.5 + 0.15 * (y - y.mean()) / y.std()


def test_a_faint_diagonal_cross_hatch_is_found():
    hr = photo_y()
    yy, xx = torch.meshgrid(torch.arange(512), torch.arange(512), indexing="ij")
    hatch = 0.004 * torch.cos(2 * torch.pi * (xx + yy) / 8)  # one grey level, period 8 = the ×8 LR pixel grid
    assert grid_excess_db(hr + hatch, hr, scale=8)["all"] > 3


def test_enlarged_jpeg_block_edges_are_found():
    hr = photo_y()
    yy, xx = torch.meshgrid(torch.arange(512), torch.arange(512), indexing="ij")
    edges = 0.02 * ((xx % 32 == 0) | (yy % 32 == 0)).float()  # 8-px blocks of the LR, ×4
    assert grid_excess_db(hr + edges, hr, scale=4)["all"] > 3


def test_random_noise_or_the_hr_itself_shows_no_grid():
    hr = photo_y()
    noisy = hr + 0.004 * torch.randn(hr.shape, generator=torch.Generator().manual_seed(0))
    assert abs(grid_excess_db(hr, hr, scale=4)["all"]) < 0.01
    assert grid_excess_db(noisy, hr, scale=4)["all"] < 1


def test_periods_cover_the_lr_grid_latent_cells_and_jpeg_blocks():
    assert suspect_periods(8) == [4, 8, 16, 64]
    assert suspect_periods(2) == [2, 4, 16]
