"""Training progress as a tqdm bar and as JSON lines {stage, step, total, loss, it_s, eta_s} for the app."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tqdm import tqdm


class Progress:
    def __init__(self, log_path: Path, stage: str, start: int, total: int, enabled: bool = True):
        self.log_path, self.stage, self.total = log_path, stage, total
        self.enabled = enabled
        self.start_step, self.start_time = start, time.monotonic()
        self.bar = tqdm(total=total, initial=start, desc=stage, disable=not enabled, dynamic_ncols=True)

    def update(self, step: int, **metrics: float) -> None:
        if not self.enabled:
            return
        elapsed = time.monotonic() - self.start_time
        rate = (step - self.start_step) / elapsed if elapsed > 0 else 0.0
        eta = (self.total - step) / rate if rate > 0 else None
        self.bar.n = step
        self.bar.set_postfix({k: f"{v:.4g}" for k, v in metrics.items()}, refresh=False)
        self.bar.refresh()
        self.log(step=step, total=self.total, it_s=round(rate, 3), eta_s=round(eta, 1) if eta else None, **metrics)

    def log(self, **record: object) -> None:
        if not self.enabled:
            return
        with open(self.log_path, "a") as f:
            f.write(json.dumps({"stage": self.stage, "time": round(time.time(), 3), **record}) + "\n")

    def close(self) -> None:
        self.bar.close()
