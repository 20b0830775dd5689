"""The per-series forecast on a dask.distributed cluster: the same chunks of series, the same
`forecast_series` on each, handed to Dask's workers instead of local processes.

`scheduler` is `local` (a LocalCluster of one single-threaded worker process per core of this
machine, started for the run and closed after it) or the address of a running scheduler
(`tcp://HOST:8786`), whose workers must have the same `sop` installed. The LocalCluster is a
lean one (`local_cluster`): its workers are forked from this process, which has imported the
engine already, and run none of the monitors a dashboard would show, since it has none. Series
are independent, so the results do not depend on how they are chunked or where a chunk runs:
they equal the local run's exactly. A task carries a chunk of `DASK_CHUNK_MIN` to
`DASK_CHUNK_MAX` series, so its hand-off (pickling the arrays, scheduling) stays small beside
the fitting; the chunks come back in the order they finish, each reported to `progress`, and
are put back in series order.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

from sop.tools.forecasting.demand_forecast import chunk_size

if TYPE_CHECKING:
    from distributed import Client, LocalCluster

DASK_CHUNK_MIN = 100  # series per task at least: a task costs milliseconds to schedule and ship
DASK_CHUNK_MAX = 1000  # and at most, so every worker gets several tasks and progress moves
LOCAL = "local"
CONNECT_TIMEOUT_S = 10  # how long a scheduler address may take to answer
# Without a dashboard nobody reads the workers' statistical profile (a stack sample every 10 ms)
# or the system monitor, and memory checked each second is soon enough for tasks of a few MB.
# With Dask's defaults these cost a 2-worker cluster about 0.1 CPU-s per second of wall time,
# idle or not, and each spawned worker 2 CPU-s importing the engine (bench/RESULTS.md).
LEAN_CONFIG = {
    "distributed.worker.multiprocessing-method": "fork",
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.admin.tick.interval": "1s",
    "distributed.worker.memory.monitor-interval": "1s",
}

Chunk = TypeVar("Chunk")
Result = TypeVar("Result")


class DaskUnavailable(RuntimeError):
    """The scheduler named cannot be reached; the message names it and what to check."""


def dask_chunk_size(series: int, threads: int) -> int:
    """Series per task: about four tasks per worker thread, within the bounds above."""
    return chunk_size(series, threads, DASK_CHUNK_MIN, DASK_CHUNK_MAX)


@contextmanager
def local_cluster(workers: int) -> Iterator[LocalCluster]:
    """A LocalCluster of `workers` single-threaded processes, forked and without monitors
    (`LEAN_CONFIG`); the settings hold for the cluster's life."""
    import dask
    from distributed import LocalCluster

    with dask.config.set(LEAN_CONFIG), LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                                     dashboard_address=None) as cluster:
        yield cluster


@contextmanager
def dask_client(scheduler: str) -> Iterator[Client]:
    """A client of the named scheduler, or of a LocalCluster started for the run."""
    from distributed import Client

    if scheduler == LOCAL:
        with local_cluster(os.cpu_count() or 1) as cluster, Client(cluster) as client:
            yield client
        return
    try:
        client = Client(scheduler, timeout=f"{CONNECT_TIMEOUT_S}s")
    except (OSError, TimeoutError) as exc:
        raise DaskUnavailable(f"cannot reach the Dask scheduler at {scheduler} ({exc}); check SOP_DASK_SCHEDULER "
                              "or --dask, and that the scheduler and its workers are running") from exc
    with client:
        yield client


def worker_threads(client: Client) -> int:
    """How many tasks the cluster runs at once."""
    return sum(client.nthreads().values())


def run_chunks(
    client: Client, task: Callable[[Chunk], list[Result]], chunks: Sequence[Chunk],
    progress: Callable[[int], None] | None = None,
) -> list[Result]:
    """`task` over every chunk on the cluster; the results concatenated in chunk order, and
    `progress` told how many results each chunk brought as it finishes."""
    from distributed import as_completed

    futures = client.map(task, chunks, pure=False)
    position = {future.key: i for i, future in enumerate(futures)}
    done: list[list[Result] | None] = [None] * len(futures)
    for future in as_completed(futures):
        result = future.result()
        done[position[future.key]] = result
        if progress:
            progress(len(result))
    return [r for chunk in done if chunk is not None for r in chunk]
