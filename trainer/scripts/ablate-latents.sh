#!/usr/bin/env bash
# Latent-shape ablations from scratch: per variant (configs/ablations/VARIANT.toml) a new autoencoder, a ×4 U-Net
# trained with eq. 2 on its latents and the ×4 decoder, each YONOS_ABLATION_STEPS steps (default 600; the decoder
# half of that) at batch YONOS_ABLATION_BATCH (16), same seed and data; then the error budget on Set5 and
# photos-val (bicubic and the real-input JPEG q75 set). Finished runs are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/datasets.sh
source scripts/ablations.sh
use_datasets photos-train bsds300-train photos-val set5
steps=${YONOS_ABLATION_STEPS:-600}
for variant in "$@"; do
  ablate 4 "$variant" --ae-steps "$steps" --diffusion-steps "$steps" --decoder-steps $((steps / 2)) \
    --batch "${YONOS_ABLATION_BATCH:-16}"
done
