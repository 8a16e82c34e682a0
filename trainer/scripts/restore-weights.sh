#!/usr/bin/env bash
# Restores the built-in family's trainer weights (v0.3's U-Nets and decoders, the autoencoder they share) into
# runs/, where fine-tuning, ablations and gpu-train.sh start from. They are kept out of the working tree, which
# the GPU machine receives whole within 64 MiB, and live in git history under the tag `models-v0.3` (commit 9eec584).
# Files already present are left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
source=$(git rev-parse -q --verify 'models-v0.3^{commit}' || echo 9eec5847740b11f2ea5ef2266ea6b7493b9ea846)
weights=(runs/photo/ae/final.safetensors runs/v0.3/{unet,decoder}-x{2,4,8}/final.safetensors)
missing=()
for file in "${weights[@]}"; do [[ -e $file ]] || missing+=("trainer/$file"); done
(( ${#missing[@]} == 0 )) && exit 0
git -C .. restore --source="$source" --worktree -- "${missing[@]}"
echo "restore-weights: ${#missing[@]} weight files restored from ${source:0:7}"
