"""`python -m yonos_train.gpu_report PROGRESS.jsonl GPU-UTIL.csv`: steps/s per stage and GPU utilisation, as JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def throughput(progress: Path, utilisation: Path | None) -> dict:
    """Steps/s per stage from the last progress record of each stage; mean and peak GPU utilisation (nvidia-smi
    samples, one per second, taken while training ran)."""
    records = [json.loads(line) for line in progress.read_text().splitlines()]
    stages = {r["stage"]: r["it_s"] for r in records if "it_s" in r}
    report: dict = {"steps_per_s": stages}
    if utilisation is not None and utilisation.exists():
        samples = [float(line.split(",")[0]) for line in utilisation.read_text().splitlines() if line.strip()]
        if samples:
            report["gpu_utilisation_pct"] = {
                "mean": round(sum(samples) / len(samples), 1),
                "max": max(samples),
                "samples": len(samples),
            }
    return report


if __name__ == "__main__":
    print(json.dumps(throughput(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else None), indent=2))
