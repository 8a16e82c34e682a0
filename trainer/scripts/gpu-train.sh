#!/usr/bin/env bash
# A short GPU rental turned straight into better models, in two halves:
#
#   trainer/scripts/gpu-train.sh pack [DATASETS]   here: packs the training photos and the v0.3 weights it starts
#                                                  from (bfloat16, 12 MB) into trainer/gpu-pack/ (ignored by git,
#                                                  named in the device tool's `carry`), as large as fits next to the
#                                                  repository in the 64 MiB that travels (at most 55 MB)
#   trainer/scripts/gpu-train.sh run [MINUTES]     there (repo root, $OUT set): trains the heavy stages on CUDA within
#                                                  MINUTES (default 9), logs GPU utilisation, evaluates, and leaves
#                                                  the packages, final weights and reports under $OUT (8 files)
#
# The device tool's call, from the repository root:
#   run(command="bash trainer/scripts/gpu-train.sh run 9", carry=["trainer/gpu-pack"], timeout_s=600)
# Rehearse on a CPU (tiny steps, same code path): YONOS_GPU_REHEARSAL=1 OUT=/tmp/out trainer/scripts/gpu-train.sh run
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/datasets.sh
pack=gpu-pack
limit_bytes=$((64 * 1024 * 1024))

pack_data() {
  if [[ -n ${1:-} ]]; then datasets=$1; else use_datasets photos-train bsds300-train photos-val set5; fi
  local repo_bytes
  repo_bytes=$(cd .. && { git ls-files -z; git ls-files -z --others --exclude-standard; } | xargs -0 du -cb 2>/dev/null | tail -1 | cut -f1)
  local budget=$(( limit_bytes - repo_bytes - 2 * 1024 * 1024 ))
  (( budget > 55000000 )) && budget=55000000
  (( budget < 4000000 )) && { echo "gpu-train: only $((budget / 1000000)) MB left beside the repository; make room first" >&2; exit 2; }
  scripts/restore-weights.sh
  rm -rf "$pack" && mkdir -p "$pack/wheels"
  # The GPU machine has torch, numpy, pillow, safetensors and onnx(runtime), but not tqdm.
  .venv/bin/pip download -q --no-deps --retries 0 -d "$pack/wheels" tqdm
  .venv/bin/python -m yonos_train.pack "$datasets" "$pack" --budget $(( budget - $(du -cb "$pack/wheels" | tail -1 | cut -f1) )) \
    --init runs/photo/ae runs/v0.3/{unet,decoder}-x{2,4,8}
}

run_on_gpu() {
  local minutes=${1:-9}
  : "${OUT:?set OUT to the folder that comes back}"
  export PYTHONUNBUFFERED=1
  export PYTHONPATH=$PWD
  local python=python3 device=cuda workers=14 batch=64
  # Steps per stage sized to the minutes: an H200 made 13-46 steps/s per stage with 14 data workers (see the model
  # card), so 100 steps per minute leaves over half the time for start-up, validation, export and eval.
  local steps=$(( minutes * 100 ))
  if [[ -n "${YONOS_GPU_REHEARSAL:-}" ]]; then
    python=.venv/bin/python device=cpu workers=1 batch=4 steps=4
  else
    "$python" -m pip install -q --no-index --no-deps "$pack"/wheels/*.whl
  fi
  local util=/tmp/gpu-util.csv  # only 8 files come back: its summary goes into throughput.json
  nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader,nounits -l 1 >"$util" 2>/dev/null &
  local smi=$!
  local folders=("$pack/photos-train")
  [[ -d "$pack/bsds300-train" ]] && folders+=("$pack/bsds300-train")
  "$python" -m yonos_train.cli pipeline --device "$device" --data "${folders[@]}" \
    --val "$pack/photos-val" --preset default --name photo --config configs/photo-v0.3.toml --batch "$batch" \
    --data-workers "$workers" --ae-from "$pack/init/photo" --init-from "$pack/init/v0.3" --diffusion-steps "$steps" \
    --decoder-steps "$steps" --out "$OUT/run" 2>&1 | tr '\r' '\n' | grep -v '%|' | tee "$OUT/train.log"
  kill "$smi" 2>/dev/null || true
  "$python" -m yonos_train.cli eval --model "$OUT"/run/models/* --hr "$pack/set5" --json "$OUT/report.json" >/dev/null
  "$python" -m yonos_train.gpu_report "$OUT/run/progress.jsonl" "$util" | tee "$OUT/throughput.json"
  # One archive per package: each file that comes back is at most 16 MiB, and float weights barely compress.
  for package in "$OUT"/run/models/*; do tar -C "$OUT/run/models" -cJf "$OUT/$(basename "$package").tar.xz" "$(basename "$package")"; done
  # Final weights, to commit under runs/ (two archives, for the same reason).
  (cd "$OUT/run" && tar -cJhf "$OUT/checkpoints-1.tar.xz" unet-x2/final.safetensors unet-x4/final.safetensors \
    unet-x2/done.json unet-x4/done.json && tar -cJhf "$OUT/checkpoints-2.tar.xz" --exclude=models \
    --exclude=unet-x2 --exclude=unet-x4 --exclude='checkpoint.safetensors' .)
  rm -rf "$OUT/run"
}

case "${1:-}" in
  pack) pack_data "${2:-}" ;;
  run) run_on_gpu "${2:-9}" ;;
  *) echo "usage: gpu-train.sh pack [DATASETS] | run [MINUTES]" >&2; exit 2 ;;
esac
