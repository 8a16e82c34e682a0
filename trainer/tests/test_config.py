"""The training configuration: every committed TOML loads, and what cannot train fails at load time, in one line."""

from pathlib import Path

import pytest

from yonos_train.config import load_config

CONFIGS = sorted((Path(__file__).parent.parent / "configs").rglob("*.toml"))


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_every_committed_config_loads(path):
    config = load_config("default", path)
    assert config.ae.latent_channels == config.unet.latent_channels


def test_a_unet_for_another_latent_is_refused_when_the_config_loads(tmp_path):
    toml = tmp_path / "latent.toml"
    toml.write_text("[ae]\nlatent_channels = 16\n")
    with pytest.raises(ValueError, match=r"^the U-Net's latent_channels \(8\) must match the autoencoder's \(16\)"):
        load_config("default", toml)
