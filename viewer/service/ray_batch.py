"""The same job on Ray (``--ray local`` or ``--ray ADDRESS``): one Ray task per study,
running :func:`viewer.batch.worker.run_study`; with viewer.service.ray_serve the only
modules that import Ray (:func:`connect` and :func:`disconnect` serve both).

Each Ray worker process verifies the model before its first study and keeps it (and its
ONNX Runtime session) for the next ones it is given. The study's outputs are written
atomically by the task itself into DIR, so on a cluster DIR (and SOURCE, and the model
folder) must be on storage every node sees at the same path; the audit records and the
ledger are written by the driver, as with the process pool. A worker that dies mid-study
(killed, out of memory, its node lost) is retried once by Ray (``max_retries=1``); if it
dies again the study is failed with the reason and the job goes on.

``--ray local`` starts a private Ray instance on this machine for the job (a few CPUs, no
dashboard, no usage statistics, loopback only) and shuts it down at the end.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import viewer
from viewer.batch.job import OnOutcome, TaskQueue
from viewer.batch.pool import stop_on_ctrl_c
from viewer.batch.tasks import (
    UNEXPECTED,
    WORKER_DIED,
    EngineUnavailableError,
    JobSpec,
    StudyOutcome,
    StudyTask,
)

#: What keeps a local Ray instance off the network and quiet (set before ray is imported).
OFFLINE_ENV = {
    "RAY_USAGE_STATS_ENABLED": "0",
    "RAY_USAGE_STATS_PROMPT_ENABLED": "0",
    "RAY_DISABLE_DOCKER_CPU_WARNING": "1",
    "RAY_ENABLE_UV_RUN_RUNTIME_ENV": "0",
}
#: Ray's own switch that makes a node take the loopback address as its own (meant for
#: laptops): with it, ``--ray local`` binds and talks to 127.0.0.1 only. Not for a cluster.
LOOPBACK_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}

if importlib.util.find_spec("ray") is None:  # the server extra is not installed
    raise ImportError("No module named 'ray'")

#: CPUs of a ``--ray local`` instance unless ``--workers`` says otherwise.
LOCAL_CPUS = 2


def _study(spec: JobSpec, task: StudyTask) -> StudyOutcome:
    import ray

    from viewer.batch.worker import run_study

    outcome = run_study(spec, task)
    outcome.node = ray.get_runtime_context().get_node_id()  # named by the driver
    return outcome


def node_names(ray: Any) -> dict[str, str]:
    """Each node of the cluster (its id) as people name it: ``NAME (id prefix)``, NAME
    being what ``ray start --node-name`` set, else the node's address."""
    return {n["NodeID"]: f"{n.get('NodeName') or n.get('NodeManagerAddress', '?')} "
                         f"({n['NodeID'][:8]})" for n in ray.nodes()}


def _scratch() -> str:
    """A private folder for the local instance's session (sockets, logs), removed after.
    Short: Ray's socket paths must fit in 107 bytes, and TMPDIR may be long."""
    for base in (tempfile.gettempdir(), "/tmp"):
        if len(base) <= 32 and Path(base).is_dir():
            return tempfile.mkdtemp(prefix="lb-ray-", dir=base)
    return tempfile.mkdtemp(prefix="lb-ray-")


def token_env(environ: dict[str, str] | None = None) -> dict[str, str]:
    """What a driver joining ``--ray ADDRESS`` needs for Ray's token authentication.

    Ray 2.5x/2.6x: ``ray start --head`` turns token authentication on when
    ``RAY_AUTH_MODE`` is unset and a token exists (``~/.ray/auth_token``, written by any
    earlier local ``ray.init()``, ``lightbox batch --ray local`` included), but a driver
    given an explicit address never turns it on by itself: it joins without a token and
    the cluster answers ``InvalidAuthToken``. So when IT has not chosen (no
    ``RAY_AUTH_MODE``) and a token is at hand (``RAY_AUTH_TOKEN``, the file named by
    ``RAY_AUTH_TOKEN_PATH``, or ``~/.ray/auth_token``), the driver sends it. A cluster
    without authentication ignores it."""
    env = os.environ if environ is None else environ
    if "RAY_AUTH_MODE" in env:
        return {}
    token_file = env.get("RAY_AUTH_TOKEN_PATH") or str(Path.home() / ".ray" / "auth_token")
    if env.get("RAY_AUTH_TOKEN") or Path(token_file).is_file():
        return {"RAY_AUTH_MODE": "token"}
    return {}


def prepare(address: str) -> None:
    """The environment Ray must find when it is first imported (it reads it then): quiet
    and offline, loopback only for ``local``, the token for a cluster. Call it before
    anything imports ``ray`` (``lightbox serve --ray`` does, before viewer.service.ray_serve)."""
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
    if address == "local":
        os.environ.update(LOOPBACK_ENV)
    else:
        os.environ.update(token_env())


def connect(address: str, cpus: int, env_vars: dict[str, str] | None = None) -> tuple[Any, str | None]:
    """``ray.init`` for ``address`` (``local``: a private instance with ``cpus`` CPUs, off
    the network; else the cluster there): the ``ray`` module and the local instance's
    scratch folder (None for a cluster), for :func:`disconnect`. ``env_vars`` go to every
    worker (the runtime environment of the job)."""
    prepare(address)
    import ray
    from ray.job_config import JobConfig

    # The workers import this very Lightbox (not another one on their path).
    root = str(Path(viewer.__file__).resolve().parents[1])
    job = JobConfig(code_search_path=[root],
                    runtime_env={"env_vars": env_vars} if env_vars else None)
    scratch = None
    try:
        if address == "local":
            scratch = _scratch()
            ray.init(num_cpus=cpus, include_dashboard=False,
                     _node_ip_address="127.0.0.1", log_to_driver=False,
                     configure_logging=False, job_config=job, _temp_dir=scratch)
        else:
            ray.init(address=address, log_to_driver=False,
                     configure_logging=False, job_config=job)
    except (ConnectionError, RuntimeError, ValueError, ray.exceptions.RayError) as exc:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
        where = "a local Ray instance" if address == "local" else (
            f"the Ray cluster at {address}")
        raise EngineUnavailableError(
            f"cannot start or reach {where} ({type(exc).__name__}: {exc}); nothing "
            "ran. Check the address and that this machine may join it ('ray status' "
            "there; a cluster with token authentication needs its token here: "
            "RAY_AUTH_TOKEN_PATH or ~/.ray/auth_token), or run without --ray") from None
    return ray, scratch


def disconnect(ray: Any, scratch: str | None) -> None:
    """Leave the cluster; a local instance is shut down and its scratch folder removed."""
    ray.shutdown()
    if scratch is not None:
        shutil.rmtree(scratch, ignore_errors=True)


class RayEngine:
    """One Ray task per study, twice ``workers`` handed to Ray at a time (the next study
    is queued before a CPU frees). ``workers``: the CPUs of a local instance (default 2);
    on a cluster, default the cluster's CPUs when the job starts (a machine added to the
    cluster is used by the next job: nothing to change in the command)."""

    def __init__(self, address: str, workers: int | None = None) -> None:
        self.address = address
        self.limit = workers
        self.workers = workers or LOCAL_CPUS
        self.window = max(2, 2 * self.workers)  # queued at Ray ahead of the free CPUs
        where = "a local Ray instance" if address == "local" else f"the Ray cluster {address}"
        self.name = f"{where} ({self.workers} task(s) at a time)" if address == "local" \
            else where

    def run(self, spec: JobSpec, tasks: Iterable[StudyTask], on_outcome: OnOutcome) -> None:
        ray, scratch = connect(self.address, self.workers)
        try:
            if self.address != "local":
                cpus = int(ray.cluster_resources().get("CPU", 1))
                self.workers = self.limit or max(cpus, 1)
                self.window = max(2, 2 * self.workers)
            self._run(ray, spec, tasks, on_outcome)
        finally:
            disconnect(ray, scratch)

    def _run(self, ray: Any, spec: JobSpec, tasks: Iterable[StudyTask],
             on_outcome: OnOutcome) -> None:
        remote = ray.remote(num_cpus=1, max_retries=1, retry_exceptions=False)(_study)
        running: dict[Any, StudyTask] = {}
        with stop_on_ctrl_c() as stop:
            self._loop(ray, remote, spec, TaskQueue(tasks), running, self.window,
                       on_outcome, stop)
        if stop.is_set():
            raise KeyboardInterrupt

    def _loop(self, ray: Any, remote: Any, spec: JobSpec, queue: TaskQueue,
              running: dict[Any, StudyTask], window: int, on_outcome: OnOutcome,
              stop: Any) -> None:
        names: dict[str, str] = {}
        lost = (ray.exceptions.WorkerCrashedError, ray.exceptions.NodeDiedError,
                ray.exceptions.LocalRayletDiedError)
        while True:
            while (not stop.is_set() and len(running) < window
                   and (task := queue.take()) is not None):
                running[remote.remote(spec, task)] = task
            if not running:
                return
            ready, _ = ray.wait(list(running), num_returns=1)
            for ref in ready:
                task = running.pop(ref)
                try:
                    outcome = ray.get(ref)
                    if outcome.node and outcome.node not in names:  # a node new to us
                        names = node_names(ray)
                    outcome.node = names.get(outcome.node, outcome.node)
                except lost as exc:
                    outcome = StudyOutcome(task.study_uid, "failed", WORKER_DIED,
                                           "the Ray worker running it (or its node) died "
                                           f"twice (retried once; {type(exc).__name__})")
                except ray.exceptions.RayError as exc:
                    outcome = StudyOutcome(task.study_uid, "failed", UNEXPECTED,
                                           f"Ray: {type(exc).__name__}")
                on_outcome(outcome)
