"""Where and how training runs: threads, device, bf16 autocast, and torchrun/DDP."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class Runtime:
    device: torch.device
    rank: int
    world_size: int
    bf16: bool

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def autocast(self) -> contextlib.AbstractContextManager:
        if not self.bf16:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=torch.bfloat16)


def setup_runtime(device: str = "auto", bf16: str = "auto") -> Runtime:
    """Use every core (torch defaults to one here), pick the device, and join a torchrun group if launched by one."""
    torch.set_num_threads(int(os.environ.get("YONOS_TORCH_THREADS", os.cpu_count() or 1)))
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda":
        local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        torch.cuda.set_device(local_rank)
        torch_device = torch.device("cuda", local_rank)
    else:
        torch_device = torch.device(device)
    if world_size > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if torch_device.type == "cuda" else "gloo")
    use_bf16 = _bf16_supported(torch_device) if bf16 == "auto" else bf16 == "on"
    return Runtime(torch_device, rank, world_size, use_bf16)


def _bf16_supported(device: torch.device) -> bool:
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    # bf16 autocast only pays off on CPUs with native bf16 (AVX-512 BF16 / AMX); elsewhere it is slower.
    mkldnn = bool(getattr(torch.backends.mkldnn, "is_available", lambda: False)())
    return mkldnn and torch.ops.mkldnn._is_mkldnn_bf16_supported()


def all_reduce_mean(value: torch.Tensor, runtime: Runtime) -> torch.Tensor:
    if runtime.world_size > 1:
        dist.all_reduce(value)
        value /= runtime.world_size
    return value
