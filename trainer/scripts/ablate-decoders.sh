#!/usr/bin/env bash
# Decoder ablations at equal compute (×4, YONOS_ABLATION_STEPS steps (default 600), batch YONOS_ABLATION_BATCH (32)) on the frozen autoencoder and v0.3 U-Nets, then the
# error budget of each on Set5 and photos-val (bicubic and the real-input JPEG q75 set). Finished runs are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/datasets.sh
scripts/restore-weights.sh
use_datasets photos-train bsds300-train photos-val set5
for variant in "$@"; do
  out=runs/ablate-$variant
  .venv/bin/yonos-train pipeline --data "$datasets/photos-train" "$datasets/bsds300-train" \
    --val "$datasets/photos-val" --preset default --config "configs/ablations/$variant.toml" --scales 4 \
    --decoder-steps "${YONOS_ABLATION_STEPS:-600}" --batch "${YONOS_ABLATION_BATCH:-32}" --ae-from runs/photo --unet-from runs/v0.3 --out "$out" >/dev/null
  for degradation in bicubic jpeg75; do
    [[ -f $out/budget-$degradation.json ]] || .venv/bin/yonos-train budget --run "$out" --scales 4 \
      --hr "$datasets/set5" "$datasets/photos-val" --degradation $degradation --json "$out/budget-$degradation.json"
  done
done
