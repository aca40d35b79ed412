"""Embed a build's shards in Ray actors that each hold the model: `assistant index build --ray auto|ADDRESS`.

The driver reads, chunks and tokenizes as a plain build does (``index.build.build_index``); only the
embedding is spread. Each shard (``index.shards``) is cut into pieces that the actors embed, one
piece at a time each; the driver joins a shard's pieces and writes it with the plain build's shard
writer, so a Ray build resumes like any other, then merges and writes the index atomically as usual.

A worker that dies mid-piece is restarted by Ray (``max_restarts``); its piece goes back to the
queue, for whichever worker is free first. Ray is imported only when ``RayRunner`` is made.
"""

from __future__ import annotations

import logging
import math
import os
import time
import warnings
from collections import Counter, deque
from collections.abc import Iterator

import numpy as np

from corpus.errors import ClusterError
from index.device import BACKENDS, DEVICE_ENV
from index.encoder import fingerprint, model_name, resolve
from index.shards import Shard, spans

INSTALL_HINT = "--ray needs Ray, which is not installed: pip install '.[cluster]'"
PIECE_MAX = 256  # texts per call to a worker (a multiple of the encoder's batch of 16)
RESTARTS = 3  # Ray restarts of one worker, and tries of one piece
RESTART_SECONDS = 180.0  # a worker not back after this long is given up
START_SECONDS = 600.0  # the workers must have loaded the model by then (else: not enough free CPUs/GPUs?)
TEST_EXIT_ENV = "ASSISTANT_RAY_TEST_EXIT"  # test hook: a marker file path; see Worker.embed
FORWARDED = ("HF_HUB_OFFLINE", "TOKENIZERS_PARALLELISM")  # with the ASSISTANT_* variables but secrets
SECRET = ("_KEY", "_AUTH", "_TOKEN", "_PASSWORD", "_URL")  # never sent to workers (Ray's dashboard shows job env)


class Worker:
    """A Ray actor holding the model; embeds pieces of shards with ``threads`` torch threads."""

    def __init__(self, model: str, device: str, threads: int):
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        import torch

        from index.encoder import Encoder

        torch.set_num_threads(threads)
        self.encoder = Encoder(model, device=device, threads=threads)
        self.encoder.model  # load now: a worker that cannot load the model fails at start, not mid-build

    def info(self) -> dict:
        import socket

        import torch

        return {"fingerprint": self.encoder.fingerprint, "backend": self.encoder.backend,
                "threads": torch.get_num_threads(), "host": socket.gethostname(), "pid": os.getpid()}

    def embed(self, texts: list[str]) -> np.ndarray:
        marker = os.environ.get(TEST_EXIT_ENV)
        if marker:  # the first worker to get here while the marker file is absent dies, as a crash would
            try:
                os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
                os._exit(1)
            except FileExistsError:
                pass
        return self.encoder.encode_passages(texts)


def piece_size(texts: int, workers: int) -> int:
    """About four pieces per worker (for balance), in multiples of 16, at most ``PIECE_MAX``."""
    size = math.ceil(texts / (4 * workers) / 16) * 16
    return max(16, min(PIECE_MAX, size))


def _reachable(address: str, seconds: float = 5.0) -> None:
    """Raise OSError unless a TCP connection to a Ray address ("ray://host:port", "host:port") opens."""
    import socket

    client = address.startswith("ray://")
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        host, port = address.removeprefix("ray://"), "10001" if client else "6379"
    with socket.create_connection((host, int(port)), timeout=seconds):
        pass


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    errors = [line for line in lines if "Error:" in line]
    return (errors[-1] if errors else lines[0] if lines else type(exc).__name__)[:300]


class RayRunner:
    """Embeds shards in Ray actors (``index.shards.Runner``); a context manager.

    Args:
        address: "auto" starts a local Ray on this machine's cores; else a cluster's address for
            ``ray.init`` (e.g. "ray://head:10001" or "head:6379"). A Ray already initialized in
            this process is used as it is (and left running).
        workers: actors, each holding the model (default: one per GPU when the cluster has GPUs,
            else one per CPU); each gets the cluster's CPUs / workers torch threads.
        model: the embedding model's name (``index.encoder``); every worker must hold the same one.
        device: "auto" (GPUs when the cluster has any), "cpu" or "cuda".

    Raises:
        ClusterError: Ray is not installed (at once), or later cannot be reached or loses every worker.
    """

    def __init__(self, address: str = "auto", workers: int | None = None, model: str | None = None,
                 device: str | None = None):
        try:
            import ray
        except ImportError:
            raise ClusterError(INSTALL_HINT) from None
        if workers is not None and workers < 1:
            raise ClusterError(f"--workers must be at least 1, not {workers}")
        self._ray, self.address, self.workers = ray, address, workers
        self.model = model_name(model)
        self.fingerprint = fingerprint(resolve(self.model))
        self.device = device or os.environ.get(DEVICE_ENV) or "auto"
        self.actors: list = []
        self.infos: list[dict] = []
        self._own = False
        self._backend: str | None = None

    def __enter__(self) -> RayRunner:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def backend(self) -> str:
        self._start()
        return self._backend

    def _start(self) -> None:
        if self.actors:
            return
        ray = self._ray
        if not ray.is_initialized():
            self._init()
        resources = ray.cluster_resources()
        gpus, cpus = float(resources.get("GPU", 0)), float(resources.get("CPU", 1))
        use_gpu = gpus > 0 and self.device != "cpu"
        if self.device == "cuda" and not use_gpu:
            raise ClusterError("--device cuda was asked for, but the Ray cluster has no GPU: use --device cpu or auto")
        n = self.workers or (int(gpus) if use_gpu else max(1, int(cpus)))
        node_cpus = max((node["Resources"].get("CPU", 0) for node in ray.nodes() if node.get("Alive")), default=cpus)
        share = min(cpus / n, node_cpus)  # each worker's CPUs, so that n of them fit (fractions are fine)
        threads = max(1, int(share))
        options = {"num_cpus": 1 if use_gpu else share, "max_restarts": RESTARTS, "max_task_retries": 0}
        if use_gpu:
            options["num_gpus"] = min(1.0, gpus / n)
        env = {k: v for k, v in os.environ.items()
               if (k.startswith("ASSISTANT_") and not k.endswith(SECRET)) or k in FORWARDED}
        if env:
            options["runtime_env"] = {"env_vars": env}
        actor = ray.remote(Worker).options(**options)
        device = "cuda" if use_gpu else "cpu"
        self.actors = [actor.remote(self.model, device, 1 if use_gpu else threads) for _ in range(n)]
        try:
            self.infos = ray.get([a.info.remote() for a in self.actors], timeout=START_SECONDS)
        except ray.exceptions.GetTimeoutError:
            self.close()
            raise ClusterError(f"{n} Ray workers did not start within {START_SECONDS:.0f} s: has the cluster "
                               f"{share:g} free CPUs{' and a GPU' if use_gpu else ''} for each? (--workers)") from None
        except ray.exceptions.RayError as exc:
            self.close()
            raise ClusterError(f"the Ray workers could not load the model {self.model}: {_first_line(exc)}") from None
        other = {i["fingerprint"] for i in self.infos} - {self.fingerprint}
        if other:
            self.close()
            raise ClusterError(f"Ray workers hold another model ({', '.join(sorted(other))}) than this machine "
                               f"({self.fingerprint}): install the same model on every node")
        self._backend = "+".join(sorted({i["backend"] for i in self.infos})) or BACKENDS[device]  # what the workers embed with

    def _init(self) -> None:
        ray = self._ray
        quiet = {"include_dashboard": False, "logging_level": logging.ERROR, "log_to_driver": False}
        try:
            if self.address == "auto":
                ray.init(address="local", num_cpus=len(os.sched_getaffinity(0)), **quiet)
            else:
                _reachable(self.address)  # ray.init retries an unreachable address for minutes, logging each try
                with warnings.catch_warnings():  # the client's timeout warning: our error says it in one line
                    warnings.simplefilter("ignore")
                    ray.init(address=self.address, **quiet)
        except (ConnectionError, ValueError, RuntimeError, OSError) as exc:
            raise ClusterError(f"cannot reach the Ray cluster at {self.address} ({_first_line(exc)}): start one with "
                               "`ray start --head`, or use --ray auto for a local Ray") from None
        self._own = True

    def close(self) -> None:
        ray = self._ray
        for actor in self.actors:
            try:
                ray.kill(actor)
            except Exception:  # already gone, or Ray is down: nothing to free
                pass
        self.actors = []
        if self._own and ray.is_initialized():
            ray.shutdown()
        self._own = False

    def __call__(self, shards: list[Shard], progress: bool = False) -> Iterator[tuple[int, np.ndarray]]:
        """Embed ``shards`` across the workers, yielding each shard as soon as all its pieces are back."""
        if not shards:
            return
        self._start()
        size = piece_size(sum(len(texts) for _, texts in shards), len(self.actors))
        queue = deque((number, j, texts[a:b]) for number, texts in shards
                      for j, (a, b) in enumerate(spans(len(texts), size)))
        wanted = Counter(number for number, _, _ in queue)
        parts: dict[int, dict[int, np.ndarray]] = {number: {} for number in wanted}
        bar = _bar(sum(len(texts) for _, texts in shards), progress)
        for piece, vectors in self._pieces(queue):
            number, j, texts = piece
            parts[number][j] = vectors
            if bar is not None:
                bar.update(len(texts))
            if len(parts[number]) == wanted[number]:
                yield number, np.concatenate([parts[number][i] for i in range(wanted[number])])
                del parts[number]
        if bar is not None:
            bar.close()

    def _pieces(self, queue: deque) -> Iterator[tuple[tuple, np.ndarray]]:
        """Run every piece on a free worker; a piece whose worker died goes back to the queue."""
        ray = self._ray
        idle = deque(range(len(self.actors)))
        running: dict = {}  # ref -> (worker, piece), or (worker, None) for a ping of a lost worker
        lost: dict[int, float] = {}  # worker -> when it was lost
        later: list[tuple[float, int]] = []  # (when, worker): ping it again then
        tries: Counter = Counter()
        while queue or any(piece for _, piece in running.values()):
            while queue and idle:
                k, piece = idle.popleft(), queue.popleft()
                running[self.actors[k].embed.remote(piece[2])] = (k, piece)
            now = time.monotonic()
            for when, k in [item for item in later if item[0] <= now]:
                later.remove((when, k))
                running[self.actors[k].info.remote()] = (k, None)
            if not running and not later:
                raise ClusterError(f"every Ray worker died and none came back within {RESTART_SECONDS:.0f} s")
            ready, _ = ray.wait(list(running), num_returns=1, timeout=0.5) if running else ([], [])
            if not running:
                time.sleep(0.2)
            for ref in ready:
                k, piece = running.pop(ref)
                try:
                    result = ray.get(ref)
                except ray.exceptions.RayActorError as exc:
                    if piece is not None:
                        tries[piece[:2]] += 1
                        if tries[piece[:2]] > RESTARTS:
                            raise ClusterError(f"a piece of shard {piece[0]} killed {RESTARTS + 1} Ray workers: "
                                               f"{_first_line(exc)}") from None
                        queue.appendleft(piece)
                    since = lost.setdefault(k, time.monotonic())
                    if time.monotonic() - since < RESTART_SECONDS:
                        later.append((time.monotonic() + 0.5, k))  # Ray restarts it; ask again shortly
                    continue
                except ray.exceptions.RayError as exc:
                    raise ClusterError(f"a Ray worker failed: {_first_line(exc)}") from None
                lost.pop(k, None)
                idle.append(k)
                if piece is not None:
                    yield piece, result


def _bar(total: int, enabled: bool):
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc="embed (ray)", unit="chunk")
