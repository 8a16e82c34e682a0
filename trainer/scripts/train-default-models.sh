#!/usr/bin/env bash
# Trains the built-in "photo" family (native-models/); re-running resumes where it stopped, and re-exports when
# everything is trained. Three runs:
#   runs/photo          v0.2's autoencoder, ×2 teacher and ×4/×8 scale-distilled U-Nets (half realistic, half
#                       bicubic LR); only its autoencoder is committed now (the rest is in git history at v0.2)
#   runs/mix-rf0.25     v0.2's shipped decoders on those frozen U-Nets (a quarter realistic LR)
#   runs/v0.3           what ships now: the same networks fine-tuned from v0.2 with the camera preset in every batch
#                       (configs/photo-v0.3.toml); its models/ are what native-models/ holds
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/datasets.sh
scripts/restore-weights.sh
use_datasets photos-train bsds300-train photos-val
data=(--data "$datasets/photos-train" "$datasets/bsds300-train" --val "$datasets/photos-val" --preset default)
v02=(--ae-steps 2500 --diffusion-steps 2000 --decoder-steps 1000)
if [[ ! -f runs/mix-rf0.25/decoder-x8/final.safetensors ]]; then
  .venv/bin/yonos-train pipeline "${data[@]}" "${v02[@]}" --scales 2,4,8 --out runs/photo
  .venv/bin/yonos-train pipeline "${data[@]}" "${v02[@]}" --scales 2,4,8 --name photo --realistic-fraction 0.25 \
    --ae-from runs/photo --unet-from runs/photo --out runs/mix-rf0.25
fi
# The ×2 U-Net got 400 fine-tuning steps, the others 250 and every decoder 300 (what the session's CPU allowed):
# a finished stage is skipped, so the second command only matters on a fresh run folder.
v03=(--name photo --config configs/photo-v0.3.toml --scales 2,4,8 --ae-from runs/photo --init-from runs/mix-rf0.25 --out runs/v0.3)
[[ -f runs/v0.3/unet-x2/final.safetensors ]] || \
  .venv/bin/yonos-train pipeline "${data[@]}" "${v03[@]}" --scales 2 --diffusion-steps 400 --decoder-steps 300
.venv/bin/yonos-train pipeline "${data[@]}" "${v03[@]}" --diffusion-steps 250 --decoder-steps 300
