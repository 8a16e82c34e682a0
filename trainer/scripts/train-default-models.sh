#!/usr/bin/env bash
# Trains the built-in "photo" family (native-models/); re-running resumes where it stopped.
cd "$(dirname "$0")/.." && exec .venv/bin/yonos-train pipeline \
  --data ../../shared/datasets/photos-train ../../shared/datasets/bsds300-train \
  --val ../../shared/datasets/photos-val \
  --scales 2,4,8 --preset default --ae-steps 5000 --diffusion-steps 3000 --decoder-steps 1500 \
  --out runs/photo
