#!/usr/bin/env bash
# Trains the built-in "photo" family (native-models/); re-running resumes where it stopped.
cd "$(dirname "$0")/.." && exec .venv/bin/yonos-train pipeline \
  --data ../../shared/datasets/photos-train ../../shared/datasets/bsds300-train \
  --val ../../shared/datasets/photos-val \
  --scales 2,4,8 --preset default --ae-steps 2500 --diffusion-steps 2000 --decoder-steps 1000 \
  --out runs/photo
