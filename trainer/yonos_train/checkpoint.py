"""Resumable checkpoints in safetensors: model weights, Adam state and the step, written atomically."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

log = logging.getLogger(__name__)


def save_checkpoint(
    path: Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer | None, step: int, meta: dict | None = None
) -> None:
    tensors = {f"model.{k}": v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
    if optimizer is not None:
        for index, state in optimizer.state_dict()["state"].items():
            for name, value in state.items():
                tensors[f"optim.{index}.{name}"] = torch.as_tensor(value).contiguous().cpu()
    metadata = {"step": str(step), "meta": json.dumps(meta or {})}
    tmp = path.with_suffix(".tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(tmp), metadata=metadata)
    os.replace(tmp, path)  # a crash mid-write never leaves a truncated checkpoint


def load_checkpoint(
    path: Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer | None = None
) -> tuple[int, dict]:
    """Restore in place; returns the step the checkpoint was taken at and its metadata."""
    tensors = load_file(str(path))
    model.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")})
    if optimizer is not None:
        state_dict = optimizer.state_dict()
        for key, value in tensors.items():
            if key.startswith("optim."):
                _, index, name = key.split(".", 2)
                state_dict["state"].setdefault(int(index), {})[name] = value
        optimizer.load_state_dict(state_dict)
    with safe_open(str(path), "pt") as f:
        metadata = f.metadata()
    return int(metadata["step"]), json.loads(metadata.get("meta", "{}"))


def load_weights(path: Path, model: torch.nn.Module) -> None:
    load_checkpoint(path, model, None)


def load_matching_weights(path: Path, model: torch.nn.Module) -> int:
    """Initialise from another run's weights, tensor by tensor where names and shapes agree (fine-tuning a stage
    whose head changed keeps the rest). Returns how many tensors were taken."""
    source = {k[6:]: v for k, v in load_file(str(path)).items() if k.startswith("model.")}
    own = model.state_dict()
    taken = {k: v for k, v in source.items() if k in own and own[k].shape == v.shape}
    model.load_state_dict(taken, strict=False)
    log.info("initialised %d of %d tensors from %s", len(taken), len(own), path)
    return len(taken)
