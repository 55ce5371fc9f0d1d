"""Running the training loops under `torchrun`: one process per GPU (or CPU worker), gradients averaged.

With no torchrun (WORLD_SIZE unset) everything here is a no-op and training is a plain single process.
"""

from __future__ import annotations

import os

import torch


def init_from_environment() -> None:
    """Join the process group torchrun describes in the environment (NCCL on GPUs, Gloo on CPUs)."""
    if int(os.environ.get("WORLD_SIZE", "1")) > 1 and not torch.distributed.is_initialized():
        torch.distributed.init_process_group(backend="nccl" if torch.cuda.is_available() else "gloo")


def rank_and_world() -> tuple[int, int]:
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return 0, 1


def is_main_process() -> bool:
    return rank_and_world()[0] == 0


def wrap(model: torch.nn.Module) -> torch.nn.Module:
    """The module to call in the training loop: DistributedDataParallel when there are several processes."""
    if rank_and_world()[1] > 1:
        # static_graph: the same graph every step; it also lets unused parameters (the pooler) be skipped.
        return torch.nn.parallel.DistributedDataParallel(model, static_graph=True)
    return model


def from_main_process(value):
    """Rank 0's `value`, on every process (e.g. the scratch directory rank 0 writes a model to)."""
    if rank_and_world()[1] == 1:
        return value
    box = [value]
    torch.distributed.broadcast_object_list(box, src=0)
    return box[0]


def barrier() -> None:
    if rank_and_world()[1] > 1:
        torch.distributed.barrier()
