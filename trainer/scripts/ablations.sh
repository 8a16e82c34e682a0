# Sourced by ablate-decoders.sh and ablate-unets.sh, after datasets.sh and use_datasets. `ablate SCALE VARIANT
# ARGS…`: trains runs/ablate-VARIANT with configs/ablations/VARIANT.toml (ARGS: which stages, from what), then writes
# its error budget on Set5 and photos-val, bicubic and the real-input JPEG q75 set. Finished runs are skipped.
ablate() {
  local scale=$1 variant=$2 out=runs/ablate-$2 degradation
  shift 2
  .venv/bin/yonos-train pipeline --data "$datasets/photos-train" "$datasets/bsds300-train" \
    --val "$datasets/photos-val" --preset default --config "configs/ablations/$variant.toml" --scales "$scale" \
    --out "$out" "$@" >/dev/null
  for degradation in bicubic jpeg75; do
    [[ -f $out/budget-$degradation.json ]] || .venv/bin/yonos-train budget --run "$out" --scales "$scale" \
      --hr "$datasets/set5" "$datasets/photos-val" --degradation $degradation --json "$out/budget-$degradation.json"
  done
}
