#!/usr/bin/env bash
# Decoder ablations at equal compute (×4, YONOS_ABLATION_STEPS steps (default 600), batch YONOS_ABLATION_BATCH (32)) on the frozen autoencoder and v0.3 U-Nets, then the
# error budget of each on Set5 and photos-val (bicubic and the real-input JPEG q75 set). Finished runs are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/datasets.sh
source scripts/ablations.sh
scripts/restore-weights.sh
use_datasets photos-train bsds300-train photos-val set5
for variant in "$@"; do
  ablate 4 "$variant" --decoder-steps "${YONOS_ABLATION_STEPS:-600}" --batch "${YONOS_ABLATION_BATCH:-32}" \
    --ae-from runs/photo --unet-from runs/v0.3
done
