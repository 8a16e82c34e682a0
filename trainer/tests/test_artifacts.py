import torch

from yonos_train.artifacts import grid_excess_db, overshoot_pct, stipple_pct, suspect_periods
from yonos_train.evaluate import reference_metrics


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


def photo_rgb(seed: int = 0) -> torch.Tensor:
    """A 256-px colour photo stand-in: 1/f luma, a smooth colour cast, a bright step edge across the middle."""
    y = photo_y(seed, 256)
    rows = torch.arange(256)[:, None].expand(256, 256)
    y = y + 0.3 * (rows >= 128)
    return torch.stack([y + 0.05, y, y - 0.05 + 0.1 * rows / 256]).clamp(0, 1)


def test_a_stipple_along_an_edge_is_found_and_natural_texture_is_not():
    """The ×8 detailed decoder's artifact: a 2-px checker a few grey levels strong in a band along a bright edge.
    It covers ~10 % of the image, which the averaged spectrum does not see as a peak."""
    photo = photo_rgb()
    rows, cols = torch.meshgrid(torch.arange(256), torch.arange(256), indexing="ij")
    checker = ((rows + cols) % 2 * 2 - 1) * (rows - 128).abs().lt(12)
    stippled = (photo + torch.tensor([-1.0, 1.0, 2.0])[:, None, None] * 3 / 255 * checker).clamp(0, 1)
    assert stipple_pct(photo) < 1
    assert stipple_pct(stippled) > 8
    luma = torch.tensor([0.299, 0.587, 0.114])[:, None, None]
    assert grid_excess_db((stippled * luma).sum(0), (photo * luma).sum(0), 2)["all"] < 3


def test_stipple_below_one_grey_level_or_broadband_noise_does_not_count():
    photo = photo_rgb()
    rows, cols = torch.meshgrid(torch.arange(256), torch.arange(256), indexing="ij")
    faint = photo + 0.3 / 255 * ((rows + cols) % 2 * 2 - 1)
    noisy = photo + 4 / 255 * torch.randn(photo.shape, generator=torch.Generator().manual_seed(1))
    assert stipple_pct(faint) < 1 and stipple_pct(noisy) < 1


def test_eval_scores_stipple_only_on_images_of_a_window_or_more():
    assert reference_metrics(photo_rgb()[:, :12, :40], None) == {}
    assert reference_metrics(photo_rgb()[:, :16, :40], None) == {"stipple_pct": 0.0}


def test_on_flat_blocks_only_a_tone_that_can_be_seen_counts():
    """Around a flat block's harmonics the spectrum is nearly empty, so a residue far below one 8-bit grey level
    would read as a peak of tens of dB; it cannot be seen, and does not survive an 8-bit output."""
    flat = 0.5 + 0.003 * (photo_y(1, 256) - 0.5)  # luma σ ≈ 0.0005: every 128-px block is flat
    yy, xx = torch.meshgrid(torch.arange(256), torch.arange(256), indexing="ij")
    grid = torch.cos(2 * torch.pi * xx / 4)  # the latent cells' period
    assert grid_excess_db(flat + 0.05 / 255 * grid, flat, scale=4)["flat"] == 0.0
    assert grid_excess_db(flat + 2 / 255 * grid, flat, scale=4)["flat"] > 10


def test_halos_along_a_sharpened_edge_count_as_overshoot_and_a_blurred_edge_does_not():
    hr = photo_y(2, 128) * 0.5 + 0.25 * (torch.arange(128) >= 64).float()  # texture and a step edge
    blurred = torch.nn.functional.avg_pool2d(hr[None, None], 5, stride=1, padding=2, count_include_pad=False)[0, 0]
    sharpened = hr + 1.5 * (hr - blurred)  # unsharp masking: a bright and a dark band along the edge
    assert overshoot_pct(hr, hr) == 0
    assert overshoot_pct(blurred, hr) < 0.5
    assert overshoot_pct(sharpened, hr) > 5
