#!/usr/bin/env bash
# Regenerates test/fixtures/models-looks/yonos-tiny-looks-x4: a tiny ×4 package with two looks (faithful and
# detailed, `yonos-model/2`), trained by this checkout's trainer with the `tiny` preset on generated photos, for the
# app's tests of --look and --strength. A few minutes on 2 CPU cores; barely trained, never a quality reference.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
python=${PYTHON:-$root/trainer/.venv/bin/python}
export PYTHONPATH="$root/trainer${PYTHONPATH:+:$PYTHONPATH}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# Photo-like images: smooth colour fields, hard edges and fine stripes, so the detailed decoder has texture to learn.
"$python" - <<'PY'
from pathlib import Path

import numpy as np
from PIL import Image

rng = np.random.default_rng(7)
Path("photos").mkdir()
yy, xx = np.mgrid[0:128, 0:128] / 128
for index in range(12):
    image = np.stack([0.5 + 0.3 * np.sin(2 * np.pi * (rng.uniform(1, 4) * xx + rng.uniform(1, 4) * yy)
                                         + rng.uniform(0, 6)) for _ in range(3)], -1)
    image += 0.08 * np.sin(2 * np.pi * rng.uniform(12, 30) * (xx * np.cos(index) + yy * np.sin(index)))[..., None]
    image[32:64, 40:96] *= 0.6
    image += rng.normal(0, 0.02, image.shape)
    Image.fromarray((np.clip(image, 0, 1) * 255).astype(np.uint8)).save(f"photos/p{index:02d}.png")
PY

# A higher fine-tuning rate than the default, so 40 steps move the detailed decoder visibly away from the faithful one.
printf '[detail]\nlr = 0.002\n' > detail.toml
"$python" -m yonos_train.cli pipeline --data photos --scales 2,4 --preset tiny --name tiny-looks --config detail.toml \
    --decoder-loss detail --ae-steps 100 --diffusion-steps 40 --decoder-steps 40 --detail-steps 40 --out run

target="$root/test/fixtures/models-looks"
rm -rf "$target/yonos-tiny-looks-x4"
mkdir -p "$target"
cp -r run/models/yonos-tiny-looks-x4 "$target/"
echo "wrote $target/yonos-tiny-looks-x4"
