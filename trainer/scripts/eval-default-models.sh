#!/usr/bin/env bash
# Scores the exported default models (runs/photo/models) the way the model card reports them:
# Set5 and photos-val, bicubic and realistic LR, PSNR/SSIM on Y with border = scale, next to bicubic.
set -euo pipefail
cd "$(dirname "$0")/.."
models=${1:-runs/photo/models}
out=${2:-runs/photo/eval}
source scripts/datasets.sh
use_datasets set5 photos-val
mkdir -p "$out"
yt=.venv/bin/yonos-train
$yt eval --model "$models"/yonos-photo-x{2,4,8} --hr "$datasets"/set5 --steps 1,2,4,16 \
  --json "$out/set5-bicubic.json" --plot "$out/set5-steps.png" > /dev/null
$yt eval --model "$models"/yonos-photo-x{2,4,8} --hr "$datasets"/photos-val --crop 512 --steps 1 \
  --json "$out/photos-val-bicubic.json" > /dev/null
$yt eval --model "$models"/yonos-photo-x{2,4,8} --hr "$datasets"/photos-val --crop 512 --steps 1 --degradation realistic \
  --json "$out/photos-val-realistic.json" > /dev/null
$yt eval --model "$models"/yonos-photo-x{2,4,8} --hr "$datasets"/set5 --steps 1 --degradation realistic \
  --json "$out/set5-realistic.json" > /dev/null
python3 - "$out" <<'PY'
import json, sys, pathlib
for path in sorted(pathlib.Path(sys.argv[1]).glob("*.json")):
    report = json.loads(path.read_text())
    for m in report["models"]:
        steps = " ".join(f"{n}:{v['psnr_y']:.2f}" for n, v in m["steps"].items())
        gain = m["steps"]["1"]["psnr_y"] - m["bicubic"]["psnr_y"]
        print(f"{path.stem:22s} {m['model']:18s} bicubic {m['bicubic']['psnr_y']:.2f}  steps {steps}  (1-step {gain:+.2f} dB)")
PY
