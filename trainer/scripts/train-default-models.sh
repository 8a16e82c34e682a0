#!/usr/bin/env bash
# Trains the built-in "photo" family (native-models/); re-running resumes where it stopped, and re-exports when
# everything is trained. Two runs:
#   runs/photo          autoencoder, ×2 teacher and ×4/×8 scale-distilled U-Nets (half realistic, half bicubic LR;
#                       its own decoders are the 0.5-mix point of the measured sweep, not shipped)
#   runs/mix-rf0.25     the shipped decoders, fine-tuned on those frozen one-step U-Nets with a quarter realistic LR
#                       (the mix chosen by measurement, see native-models/README.md); its models/ are what ships
set -euo pipefail
cd "$(dirname "$0")/.."
data=(--data ../../shared/datasets/photos-train ../../shared/datasets/bsds300-train
      --val ../../shared/datasets/photos-val --preset default --ae-steps 2500 --diffusion-steps 2000)
.venv/bin/yonos-train pipeline "${data[@]}" --scales 2,4,8 --decoder-steps 1000 --out runs/photo
.venv/bin/yonos-train pipeline "${data[@]}" --scales 2,4,8 --decoder-steps 1000 --realistic-fraction 0.25 \
  --ae-from runs/photo --unet-from runs/photo --out runs/mix-rf0.25
