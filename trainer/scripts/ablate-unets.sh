#!/usr/bin/env bash
# U-Net ablations at equal compute: the ×2 teacher fine-tuned from v0.3's for YONOS_ABLATION_STEPS steps (default
# 300) at batch YONOS_ABLATION_BATCH (16) per variant (configs/ablations/VARIANT.toml), each decoded by v0.3's frozen
# ×2 decoder, then the error budget on Set5 and photos-val (bicubic and the real-input JPEG q75 set). Finished runs
# are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/datasets.sh
source scripts/ablations.sh
scripts/restore-weights.sh
use_datasets photos-train bsds300-train photos-val set5
for variant in "$@"; do
  mkdir -p "runs/ablate-$variant" && ln -sfn ../v0.3/decoder-x2 "runs/ablate-$variant/decoder-x2"  # one decoder for all
  ablate 2 "$variant" --diffusion-steps "${YONOS_ABLATION_STEPS:-300}" --batch "${YONOS_ABLATION_BATCH:-16}" \
    --ae-from runs/photo --init-from runs/v0.3
done
