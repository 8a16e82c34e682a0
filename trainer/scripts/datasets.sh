# Sourced by the scripts here, which run in trainer/. `use_datasets SET…` sets $datasets to the first folder that
# holds every SET: $YONOS_DATASETS when it is set, else trainer/data (what `yonos-train data fetch` writes), else
# ../shared/datasets beside the repository; when none does, it says how to fetch them and exits.
use_datasets() {
  local candidates=(data ../../shared/datasets) folder set complete
  [[ -n ${YONOS_DATASETS:-} ]] && candidates=("$YONOS_DATASETS")
  for folder in "${candidates[@]}"; do
    complete=yes
    for set in "$@"; do
      [[ -n $(ls -A "$folder/$set" 2>/dev/null) ]] || complete=
    done
    [[ -n $complete ]] && { datasets=$folder; return 0; }
  done
  echo "$(basename "$0"): no folder holds $* (looked in ${candidates[*]}, from trainer/); download them with" \
    "\`trainer/.venv/bin/yonos-train data fetch\` (into trainer/data) or set YONOS_DATASETS" >&2
  exit 2
}
