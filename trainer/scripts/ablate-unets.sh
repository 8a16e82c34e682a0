#!/usr/bin/env bash
# U-Net ablations at equal compute: the ×2 teacher fine-tuned from v0.3's for YONOS_ABLATION_STEPS steps (default
# 300) at batch YONOS_ABLATION_BATCH (16) per variant (configs/ablations/VARIANT.toml), each decoded by v0.3's frozen
# ×2 decoder, then the error budget on Set5 and photos-val (bicubic and the real-input JPEG q75 set). Finished runs
# are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/datasets.sh
scripts/restore-weights.sh
use_datasets photos-train bsds300-train photos-val set5
for variant in "$@"; do
  out=runs/ablate-$variant
  mkdir -p "$out" && ln -sfn ../v0.3/decoder-x2 "$out/decoder-x2"  # the same decoder for every variant
  .venv/bin/yonos-train pipeline --data "$datasets/photos-train" "$datasets/bsds300-train" \
    --val "$datasets/photos-val" --preset default --config "configs/ablations/$variant.toml" --scales 2 \
    --diffusion-steps "${YONOS_ABLATION_STEPS:-300}" --batch "${YONOS_ABLATION_BATCH:-16}" --ae-from runs/photo \
    --init-from runs/v0.3 --out "$out" >/dev/null
  for degradation in bicubic jpeg75; do
    [[ -f $out/budget-$degradation.json ]] || .venv/bin/yonos-train budget --run "$out" --scales 2 \
      --hr "$datasets/set5" "$datasets/photos-val" --degradation $degradation --json "$out/budget-$degradation.json"
  done
done
