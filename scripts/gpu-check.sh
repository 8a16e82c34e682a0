#!/usr/bin/env bash
# The GPU check of issue #19, for a Linux x64 machine with a GPU but no Node,
# no Vulkan loader and no internet.
#
#   scripts/gpu-check.sh pack   here: builds the CLI and packs, into out/gpu-check/
#                               (gitignored), Node (xz), the app with linux-x64
#                               native modules and one model (tar.xz), and the
#                               Vulkan loader + glvnd .deb files; < 60 MB in all.
#   scripts/gpu-check.sh run    there (from a checkout with out/gpu-check/ beside
#                               it): unpacks, installs the .debs (dpkg -x +
#                               ldconfig), runs `yonos upscale --device webgpu`
#                               and --device cpu, a device lost mid-job, and
#                               `yonos bench`, then prints parity with the CPU and
#                               MP/s. Results (JSON, markdown) go to $OUT, else
#                               out/gpu-check/results.
#
# Run settings (environment): GPU_CHECK_SIZE (input size, default 768x512),
# GPU_CHECK_PREFIX (where the .debs go: default / as root, else a folder in the
# work dir, which is also how to rehearse without touching the system),
# GPU_CHECK_WORK (work dir, default a new one in /tmp).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
pack_dir=${GPU_CHECK_DIR:-$repo/out/gpu-check}
model=yonos-photo-x4
limit_mb=60

pack() {
  (cd "$repo" && node esbuild.config.mjs)
  rm -rf "$pack_dir/debs" "$pack_dir/node.xz" "$pack_dir/app.tar.xz"
  mkdir -p "$pack_dir/debs"
  (cd "$pack_dir/debs" && apt-get download libvulkan1 libglvnd0 libglx0 libegl1 >/dev/null)
  node "$repo/scripts/gpu-check-pack.mjs" "$pack_dir/stage" "$model"
  echo "compressing (xz -9e; a few minutes)…"
  xz -9e -T0 -c "$(command -v node)" >"$pack_dir/node.xz"
  tar -C "$pack_dir/stage" -cf - app | xz -9e -T0 >"$pack_dir/app.tar.xz"
  rm -rf "$pack_dir/stage"
  local bytes
  bytes=$(du -cb "$pack_dir/node.xz" "$pack_dir/app.tar.xz" "$pack_dir"/debs/*.deb | tail -1 | cut -f1)
  du -h "$pack_dir/node.xz" "$pack_dir/app.tar.xz" "$pack_dir/debs"
  echo "total $((bytes / 1000000)) MB (limit ${limit_mb} MB), in $pack_dir"
  if ((bytes >= limit_mb * 1000000)); then
    echo "gpu-check: the pack is over ${limit_mb} MB" >&2
    exit 1
  fi
}

# xz may be missing on a bare machine; Python's lzma can stand in.
unxz_to() {
  if command -v xz >/dev/null; then
    xz -dc "$1" >"$2"
  else
    python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2],"wb"))' "$1" "$2"
  fi
}

install_debs() {
  local prefix=$1
  mkdir -p "$prefix"
  for deb in "$pack_dir"/debs/*.deb; do
    if command -v dpkg >/dev/null; then
      dpkg -x "$deb" "$prefix"
    else
      (cd "$prefix" && ar p "$deb" "$(ar t "$deb" | grep '^data.tar')" | tar -xJ)
    fi
  done
  if [[ $prefix == / ]]; then
    # Containers often leave /sbin out of PATH.
    PATH=$PATH:/sbin:/usr/sbin ldconfig
  else
    export LD_LIBRARY_PATH="$prefix/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  fi
}

# The NVIDIA container toolkit puts the Vulkan ICD outside the loader's search path.
find_vulkan_icd() {
  local standard
  for standard in /usr/share/vulkan/icd.d /etc/vulkan/icd.d; do
    if compgen -G "$standard/*.json" >/dev/null; then return; fi
  done
  local icd
  for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/local/share/vulkan/icd.d/*.json; do
    if [[ -f $icd ]]; then
      export VK_ICD_FILENAMES=$icd
      echo "Vulkan ICD: $icd"
      return
    fi
  done
  echo "Vulkan ICD: none found (WebGPU will say why it is not available)"
}

run() {
  local work=${GPU_CHECK_WORK:-$(mktemp -d /tmp/yonos-gpu-check.XXXXXX)}
  local results=${OUT:-$pack_dir/results}
  local size=${GPU_CHECK_SIZE:-768x512}
  local prefix=${GPU_CHECK_PREFIX:-}
  if [[ -z $prefix ]]; then
    if [[ $(id -u) == 0 ]]; then prefix=/; else prefix=$work/sysroot; fi
  fi
  mkdir -p "$work" "$results"
  echo "work: $work; results: $results; input $size; .debs into $prefix"

  unxz_to "$pack_dir/node.xz" "$work/node"
  chmod +x "$work/node"
  unxz_to "$pack_dir/app.tar.xz" "$work/app.tar"
  tar -C "$work" -xf "$work/app.tar"
  rm "$work/app.tar"
  install_debs "$prefix"
  find_vulkan_icd

  local node=$work/node app=$work/app
  export YONOS_DATA_DIR=$work/data
  yonos() { "$node" "$app/dist/cli/yonos.mjs" "$@"; }
  report() { (cd "$app" && "$node" gpu-check-report.mjs "$@"); }
  # stderr is kept per step and searched for native traces (Dawn's warnings, C++ source lines).
  step() {
    local name=$1
    shift
    echo "== $name" >&2
    local started=$SECONDS
    if "$@" 2> >(tee "$results/$name.stderr" >&2); then
      echo "   ($((SECONDS - started)) s)" >&2
    else
      echo "   FAILED ($((SECONDS - started)) s)" >&2
    fi
  }

  step models yonos models --json >"$results/models.json"
  report image "$work/in.png" "$size"
  cp "$work/in.png" "$work/in2.png"
  step upscale-webgpu yonos upscale "$work/in.png" "$work/in2.png" --scale 4 --device webgpu \
    --out "$work/webgpu" --json >"$results/upscale-webgpu.jsonl"
  step upscale-webgpu-tile yonos upscale "$work/in.png" --scale 4 --device webgpu --tile 192 \
    --out "$work/webgpu-tile" --json >"$results/upscale-webgpu-tile.jsonl"
  step upscale-cpu yonos upscale "$work/in.png" --scale 4 --device cpu \
    --out "$work/cpu" --json >"$results/upscale-cpu.jsonl"
  step upscale-lost env YONOS_GPU_LOSS_AFTER_RUNS=4 "$node" "$app/dist/cli/yonos.mjs" upscale \
    "$work/in.png" --scale 4 --device webgpu --out "$work/lost" --json >"$results/upscale-lost.jsonl"
  report parity "$work/webgpu/in_x4.png" "$work/cpu/in_x4.png" >"$results/parity-default.json" || true
  report parity "$work/webgpu-tile/in_x4.png" "$work/cpu/in_x4.png" >"$results/parity-tile.json" || true
  report parity "$work/lost/in_x4.png" "$work/cpu/in_x4.png" >"$results/parity-lost.json" || true

  step bench-webgpu yonos bench --device webgpu --scales 4 --size "$size" --runs 3 \
    --out "$results/bench-webgpu.json" >/dev/null
  if report uses-webgpu "$results/models.json"; then
    step bench-webgpu-host env YONOS_WEBGPU_RESIDENCY=host "$node" "$app/dist/cli/yonos.mjs" bench \
      --device webgpu --scales 4 --size "$size" --runs 2 --out "$results/bench-webgpu-host.json" >/dev/null
  fi
  step bench-cpu yonos bench --device cpu --scales 4 --size "$size" --runs 1 \
    --out "$results/bench-cpu.json" >/dev/null

  grep -hE 'BackendVk|\.cpp:[0-9]+|operator\(\)|onnxruntime_src' "$results"/*.stderr >"$results/native-stderr.txt" || true
  cp "$YONOS_DATA_DIR"/*.json "$results/" 2>/dev/null || true
  report summary "$results" | tee "$results/summary.md"
}

case ${1:-} in
pack) pack ;;
run) run ;;
*)
  sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
  ;;
esac
