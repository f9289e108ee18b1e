"""Background training jobs shared by every session of one RNN Lab server; nothing here calls Streamlit.

A page starts a job with `start(config, owner)` and afterwards only reads `job.snapshot()`: a worker thread runs
rnnlab.training.train() with callbacks that append each batch and epoch to the job's history under a lock, so
reruns, page switches and other widgets never touch a running training.

Concurrency: at most `RNNLAB_MAX_CONCURRENT_JOBS` trainings run at once (default: one per CPU core, never more);
the rest wait in one first-in, first-out queue and know their position.

Isolation: each running training lives in a child Python process (one per slot, started on first need, importing
TensorFlow once and reused), and a worker thread here relays its batch and epoch events into the job. Measured on
the Train page, a training thread inside the Streamlit server ran 3 to 10 times slower than alone, starved of the
GIL by the page's once-a-second redraws; in its own process it keeps its speed. The trained weights come back and
are rebuilt into a TrainedModel here. `RNNLAB_JOB_ISOLATION=thread` (or passing `train_fn`) trains in the
worker thread instead, as tests with a fake trainer do. Training several architectures is one job
per architecture. Starting a configuration that the same owner already has queued or running returns that job
instead of a second one (a double-clicked Train button). `config_key()` names a configuration by a stable hash,
so identical configurations can later be shared between sessions; `add_listener()` lets a run store save every
job that ends.
"""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import itertools
import json
import logging
import math
import multiprocessing
import numbers
import os
import queue
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Mapping

log = logging.getLogger(__name__)

QUEUED, RUNNING, FINISHED, STOPPED, FAILED = "queued", "running", "finished", "stopped", "failed"
ACTIVE = (QUEUED, RUNNING)

from rnnlab.config import (  # noqa: F401  the schema lives in rnnlab.config; re-exported for old callers
    BOUNDS, DEFAULT_CONFIG, config_key, load_split, train_options, validate_config,
)


# ----------------------------------------------------------------------------------------------------------
# One training job


@dataclasses.dataclass(frozen=True)
class JobSnapshot:
    """An immutable copy of a job's state for drawing: history records are read-only mappings."""

    id: int
    owner: str
    config: Mapping[str, Any]
    key: str
    status: str
    error: str | None
    queue_position: int | None  # 1 = next to start; None unless queued
    batches: tuple[Mapping[str, Any], ...]  # step, epoch, batch (both from 1), loss, accuracy, seconds, time
    epochs: tuple[Mapping[str, Any], ...]  # epoch (from 1), loss, accuracy, val_loss, val_accuracy, seconds
    epoch: int  # the epoch in progress, counted from 1
    batch: int  # batches done in that epoch
    batches_per_epoch: int | None
    elapsed: float  # seconds since the job started running
    eta: float | None  # seconds left, estimated from the time per batch so far
    summary: Mapping[str, Any]  # once ended with a model: seconds, parameters, best_val_accuracy, epochs_done
    stopping: bool = False  # Stop was pressed and the trainer has not ended yet

    @property
    def label(self) -> str:
        return f"{self.config['arch']} #{self.id}"

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def fraction(self) -> float:
        """How much of the planned batches is done, 0..1."""
        if self.status == FINISHED:
            return 1.0
        if not self.batches_per_epoch:
            return 0.0
        return min(1.0, len(self.batches) / (self.batches_per_epoch * self.config["epochs"]))


class Job:
    """One training run in the background. Read it through snapshot(); the worker alone writes to it."""

    def __init__(self, job_id: int, owner: str, config: Mapping[str, Any], position_of: Callable[[int], int | None]):
        self.id = job_id
        self.owner = owner
        self.config: Mapping[str, Any] = MappingProxyType(validate_config(config))
        self.key = config_key(self.config)
        self.stop_event = threading.Event()
        self.status = QUEUED
        self.error: str | None = None
        self.traceback: str | None = None
        self._result = None  # the TrainedModel, once finished or stopped (see `result`)
        self._trained_payload: dict | None = None  # what a training process sent back, until it is rebuilt
        self._result_lock = threading.Lock()
        self.stored_run_id: str | None = None  # the run store's id, once a training process has saved it
        self.store_error: str | None = None  # why that save failed
        self.worker_pid: int | None = None  # the process that trains it (this one in thread isolation)
        self._process: _TrainingProcess | None = None  # while a training process works on it
        self.created_at = time.time()
        self.started_at: float | None = None
        self.finished_at: float | None = None
        self._position_of = position_of
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._batches: list[Mapping[str, Any]] = []
        self._epochs: list[Mapping[str, Any]] = []
        self._progress = dict(epoch=1, batch=0, batches_per_epoch=None)
        self._summary: Mapping[str, Any] = MappingProxyType({})

    # The training callbacks: called from the worker thread, they only append under the lock. rnnlab.training
    # counts epochs and batches from 0; the records count them from 1, as the page says "epoch 1 of 10".
    def on_batch(self, step: int, logs: Mapping[str, Any]) -> None:
        record = MappingProxyType(
            dict(
                step=int(step),
                epoch=int(logs.get("epoch", 0)) + 1,
                batch=int(logs.get("batch", 0)) + 1,
                loss=float(logs["loss"]),
                accuracy=float(logs["accuracy"]),
                seconds=float(logs.get("seconds", time.time() - (self.started_at or time.time()))),
                time=float(logs.get("time", time.time())),  # when the trainer finished it (wall clock)
            )
        )
        with self._lock:
            self._batches.append(record)
            self._progress = dict(
                epoch=record["epoch"], batch=record["batch"], batches_per_epoch=logs.get("batches_per_epoch")
            )

    def on_epoch(self, epoch: int, logs: Mapping[str, Any]) -> None:
        values = {k: float(v) for k, v in logs.items() if k != "epoch" and isinstance(v, numbers.Real)}
        record = MappingProxyType(dict(epoch=int(epoch) + 1, **values))
        with self._lock:
            self._epochs.append(record)

    def snapshot(self) -> JobSnapshot:
        position = self._position_of(self.id)  # asks the manager; never while holding our own lock
        with self._lock:
            elapsed = ((self.finished_at or time.time()) - self.started_at) if self.started_at else 0.0
            planned = (self._progress["batches_per_epoch"] or 0) * self.config["epochs"]
            done = len(self._batches)
            eta = None
            if self.status == RUNNING and done >= 3 and planned and not self.stop_event.is_set():
                # The pace since the first batch (not since the start, which includes loading TensorFlow).
                first, last = self._batches[0]["time"], self._batches[-1]["time"]
                eta = max(0.0, (last - first) / (done - 1) * (planned - done))
            return JobSnapshot(
                id=self.id,
                owner=self.owner,
                config=self.config,
                key=self.key,
                status=self.status,
                error=self.error,
                queue_position=position if self.status == QUEUED else None,
                batches=tuple(self._batches),
                epochs=tuple(self._epochs),
                epoch=self._progress["epoch"],
                batch=self._progress["batch"],
                batches_per_epoch=self._progress["batches_per_epoch"],
                elapsed=elapsed,
                eta=eta,
                summary=self._summary,
                stopping=self.status in ACTIVE and self.stop_event.is_set(),
            )

    @property
    def result(self):
        """The TrainedModel of a finished or stopped job, else None. A model trained in a child process is
        rebuilt here on first use (this loads TensorFlow into the server the first time), not when the job
        ends, so pages that only draw curves and tables never wait for TensorFlow."""
        if self._result is None and self._trained_payload is not None:
            with self._result_lock:
                if self._result is None and self._trained_payload is not None:
                    self._result = _rebuild_trained_model(self._trained_payload)
                    self._trained_payload = None
        return self._result

    @property
    def has_model(self) -> bool:
        """Did the job end with a model (finished, or stopped after at least one batch)?"""
        return self._result is not None or self._trained_payload is not None

    @property
    def result_ready(self) -> bool:
        """Is `result` there without building anything?"""
        return self._result is not None or self._trained_payload is None

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job has ended (finished, stopped or failed); False if the timeout came first."""
        return self._done.wait(timeout)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    def _set_running(self) -> None:
        with self._lock:
            self.status, self.started_at = RUNNING, time.time()

    def _set_ended(self, status: str, result=None, error: str | None = None, trace: str | None = None,
                   payload: dict | None = None) -> None:
        """End the job with a TrainedModel (`result`), or with what a training process sent (`payload`)."""
        summary = {}
        if result is not None:
            val_accuracy = list(getattr(result, "history", {}).get("val_accuracy", []))
            summary = dict(
                seconds=float(getattr(result, "seconds", float("nan"))),
                parameters=int(result.model.count_params()),
                best_val_accuracy=max(val_accuracy) if val_accuracy else None,
                epochs_done=int(getattr(result, "epochs_done", len(val_accuracy))),
            )
        elif payload is not None:
            val_accuracy = list(payload["history"].get("val_accuracy", []))
            summary = dict(
                seconds=float(payload["seconds"]),
                parameters=int(payload["parameters"]),
                best_val_accuracy=max(val_accuracy) if val_accuracy else None,
                epochs_done=len(val_accuracy),
            )
        with self._lock:
            self.status, self._result, self._trained_payload = status, result, payload
            self.error, self.traceback = error, trace
            self.finished_at = time.time()
            self._summary = MappingProxyType(summary)
        self._done.set()


# ----------------------------------------------------------------------------------------------------------
# The manager: a FIFO queue and at most max_concurrent worker threads


def default_max_concurrent() -> int:
    """RNNLAB_MAX_CONCURRENT_JOBS if set, else one training per CPU core; never more than the cores."""
    cores = os.cpu_count() or 1
    wanted = os.environ.get("RNNLAB_MAX_CONCURRENT_JOBS", "").strip()
    if wanted:
        try:
            return max(1, min(cores, int(wanted)))
        except ValueError:
            log.warning("RNNLAB_MAX_CONCURRENT_JOBS=%r is not a whole number; using %d", wanted, cores)
    return cores


class JobManager:
    """Starts, queues, stops and remembers training jobs; one per process (see `manager()`).

    `train_fn` and `load_data` default to rnnlab.training.train and `load_split`; tests pass their own.
    """

    def __init__(self, max_concurrent: int | None = None, train_fn: Callable | None = None,
                 load_data: Callable | None = None, isolation: str | None = None):
        self.max_concurrent = max_concurrent or default_max_concurrent()
        self._train_fn = train_fn
        self._load_data = load_data or load_split
        default_isolation = "thread" if train_fn or load_data else os.environ.get("RNNLAB_JOB_ISOLATION", "process")
        self.isolation = isolation or default_isolation
        if self.isolation not in ("process", "thread"):
            raise ValueError(f"isolation must be 'process' or 'thread', got {self.isolation!r}")
        # Set by rnnlab.classroom.install: a training process then saves each model it trains into the run store
        # itself, so the server does not load TensorFlow to save it.
        self.store_runs = False
        self._idle_processes: list[_TrainingProcess] = []
        self._process_count = 0
        self._lock = threading.Lock()
        self._jobs: dict[int, Job] = {}
        self._queue: collections.deque[Job] = collections.deque()
        self._workers = 0
        self._ids = itertools.count(1)
        self._listeners: list[Callable[[Job], None]] = []

    def start(self, config: Mapping[str, Any], owner: str) -> Job:
        """Queue a training of `config` for `owner` and return its job. If the owner already has this exact
        configuration queued or running, that job is returned instead: no duplicate from a double click."""
        key = config_key(config)  # validates: a bad config raises ValueError before anything is queued
        with self._lock:
            for job in self._jobs.values():
                if job.owner == owner and job.key == key and job.active:
                    return job
            job = Job(next(self._ids), owner, config, self.queue_position)
            self._jobs[job.id] = job
            self._queue.append(job)
            if self._workers < self.max_concurrent:
                self._workers += 1
                threading.Thread(target=self._work, name=f"rnnlab-job-worker-{job.id}", daemon=True).start()
        return job

    def get(self, job_id: int) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def jobs_for(self, owner: str) -> list[Job]:
        """The owner's jobs, oldest first."""
        with self._lock:
            return [job for job in self._jobs.values() if job.owner == owner]

    def find_by_key(self, key: str) -> list[Job]:
        """Every job of this configuration, whoever started it, oldest first (rnnlab.classroom shares them)."""
        with self._lock:
            return [job for job in self._jobs.values() if job.key == key]

    def find_active(self, key: str) -> Job | None:
        """A queued or running job of this configuration, whoever started it (for sharing identical runs)."""
        with self._lock:
            return next((job for job in self._jobs.values() if job.key == key and job.active), None)

    def stop(self, job_id: int) -> bool:
        """Stop a job: a queued one leaves the queue at once; a running one stops after its current batch and
        keeps what it learned. False if there is no such job or it has already ended."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or not job.active:
                return False
            job.stop_event.set()
            process = job._process
            if process is not None:
                process.stop_job(job)  # straight to the child: it stops after the batch it is on
            if job in self._queue:
                self._queue.remove(job)
                dequeued = True
            else:
                dequeued = False
        if dequeued:
            job._set_ended(STOPPED)
            self._notify(job)
        return True

    def queue_position(self, job_id: int) -> int | None:
        with self._lock:
            for position, job in enumerate(self._queue, start=1):
                if job.id == job_id:
                    return position
        return None

    def running(self) -> list[Job]:
        with self._lock:
            return [job for job in self._jobs.values() if job.status == RUNNING]

    def add_listener(self, listener: Callable[[Job], None]) -> None:
        """Call `listener(job)` in the worker thread whenever a job ends (finished, stopped or failed)."""
        with self._lock:
            self._listeners.append(listener)

    def _work(self) -> None:
        while True:
            with self._lock:
                if not self._queue:
                    self._workers -= 1
                    return
                job = self._queue.popleft()
                job._set_running()
            self._run(job)
            self._notify(job)

    def prewarm(self) -> None:
        """Start a training process in the background if none is idle, so the next job skips TensorFlow's
        import (the Train page calls this: whoever opens it is about to train)."""
        if self.isolation != "process":
            return
        with self._lock:
            if self._idle_processes or self._process_count >= self.max_concurrent:
                return
            self._process_count += 1
        try:
            process = _TrainingProcess()
        except Exception:
            with self._lock:
                self._process_count -= 1
            log.exception("could not start a training process")
            return
        with self._lock:
            self._idle_processes.append(process)

    def _take_process(self) -> _TrainingProcess:
        with self._lock:
            while self._idle_processes:
                process = self._idle_processes.pop()
                if process.alive():
                    return process
                self._process_count -= 1
            self._process_count += 1
        try:
            return _TrainingProcess()
        except Exception:
            with self._lock:
                self._process_count -= 1
            raise

    def _give_back(self, process: _TrainingProcess) -> None:
        with self._lock:
            if process.alive():
                self._idle_processes.append(process)
                return
            self._process_count -= 1
        process.close()

    def _run(self, job: Job) -> None:
        if self.isolation == "process":
            self._run_in_process(job)
        else:
            self._run_in_thread(job)

    def _run_in_process(self, job: Job) -> None:
        """Send the job to a training process and relay its events until it reports the end."""
        try:
            process = self._take_process()
        except Exception as error:
            log.exception("no training process for job %s", job.id)
            job._set_ended(FAILED, error=f"Could not start a training process: {error}", trace=traceback.format_exc())
            return
        job.worker_pid = process.pid
        try:
            ended = process.train(job, save_run=self.store_runs)
        except (EOFError, OSError) as error:  # the child died (killed, out of memory) or its pipe broke
            trace = traceback.format_exc()
            process.close()
            self._give_back(process)  # a dead process is dropped; the next job starts a fresh one
            job._set_ended(
                FAILED,
                error=f"The training process ended unexpectedly (exit code {process.exitcode}): {error}",
                trace=trace,
            )
            return
        self._give_back(process)
        kind, payload = ended
        if kind == "failed":
            job._set_ended(FAILED, error=payload["error"], trace=payload["traceback"])
            return
        job.stored_run_id, job.store_error = payload.get("stored_run_id"), payload.get("store_error")
        job._set_ended(STOPPED if payload["stopped"] else FINISHED, payload=payload)

    def _run_in_thread(self, job: Job) -> None:
        config = job.config
        job.worker_pid = os.getpid()
        try:
            train_df, val_df = self._load_data(config)
            if job.stop_event.is_set():  # stopped while its data loaded: nothing learned, nothing to keep
                job._set_ended(STOPPED)
                return
            train = self._train_fn
            if train is None:
                from rnnlab.training import train  # lazily: TensorFlow loads with the first training
            result = train(
                config["arch"], train_df, val_df,
                epochs=config["epochs"], batch_size=config["batch_size"], embed_dim=config["embed_dim"],
                units=config["units"], learning_rate=config["learning_rate"], seed=config["seed"],
                on_batch=job.on_batch, on_epoch=job.on_epoch, stop=job.stop_event, **train_options(config),
            )
        except Exception as error:  # a failed training must never take the worker or the server down
            log.exception("training job %s (%s) failed", job.id, config["arch"])
            job._set_ended(FAILED, error=f"{type(error).__name__}: {error}", trace=traceback.format_exc())
            return
        stopped = bool(getattr(result, "stopped", job.stop_event.is_set()))
        job._set_ended(STOPPED if stopped else FINISHED, result=result)

    def _notify(self, job: Job) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(job)
            except Exception:
                log.exception("job listener %r failed for job %s", listener, job.id)


# ----------------------------------------------------------------------------------------------------------
# Training processes: a child imports TensorFlow once and trains one job at a time for the parent


class _TrainingProcess:
    """A child Python process, connected by a socket pair, that trains one job at a time for the parent.

    Started with subprocess, not multiprocessing: Streamlit runs each page as `__main__`, and multiprocessing's
    spawn would run that page again in the child. Messages, in order: parent -> child ('train', config, options),
    ('stop',), None (exit); child -> parent ('batch', step, logs), ('epoch', epoch, logs), then ('done', payload)
    or ('failed', payload).
    """

    def __init__(self):
        self._conn, child_conn = multiprocessing.Pipe(duplex=True)
        root = str(Path(__file__).resolve().parents[1])
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        self._popen = subprocess.Popen(
            [sys.executable, "-c", "import sys; from rnnlab.jobs import _training_process_main; "
             "_training_process_main(int(sys.argv[1]))", str(child_conn.fileno())],
            pass_fds=(child_conn.fileno(),), cwd=root, env=env, stdin=subprocess.DEVNULL,
        )
        child_conn.close()
        self._send_lock = threading.Lock()
        self._current: Job | None = None
        self._current_lock = threading.Lock()  # a late Stop for the previous job must not stop the next one

    @property
    def pid(self) -> int:
        return self._popen.pid

    @property
    def exitcode(self) -> int | None:
        return self._popen.poll()

    def alive(self) -> bool:
        return self._popen.poll() is None and not self._conn.closed

    def _send(self, message) -> None:
        with self._send_lock:
            self._conn.send(message)

    def train(self, job: Job, save_run: bool = False) -> tuple[str, dict]:
        """Train `job` in the child, relaying its events into the job; returns the child's last message,
        ('done', payload) or ('failed', payload). With `save_run` the child also saves the model in the run
        store. Raises EOFError or OSError if the child dies."""
        from rnnlab.runs import store_dir

        # The run store (where uploaded data sets live too) as this process sees it now: a pooled child may
        # have been started under another RNNLAB_RUNS_DIR.
        options = dict(runs_dir=str(store_dir()), save_run=bool(save_run))
        with self._current_lock:
            self._current = job
            job._process = self
            self._send(("train", dict(job.config), options))
            if job.stop_event.is_set():  # stopped while it waited for this process
                self._send(("stop",))
        try:
            while True:
                if not self._conn.poll(0.5):
                    if self._popen.poll() is not None:
                        raise EOFError("the training process exited")
                    continue
                kind, *payload = self._conn.recv()
                if kind == "batch":
                    job.on_batch(*payload)
                elif kind == "epoch":
                    job.on_epoch(*payload)
                elif kind in ("done", "failed"):
                    return kind, payload[0]
        finally:
            with self._current_lock:
                self._current = None
                job._process = None

    def stop_job(self, job: Job) -> None:
        """Tell the child to stop, if it is still training `job`."""
        with self._current_lock:
            if self._current is job:
                try:
                    self._send(("stop",))
                except OSError:
                    pass  # the child is gone; its job fails on its own

    def close(self) -> None:
        try:
            if self._popen.poll() is None:
                self._send(None)  # asks the child to exit
                self._popen.wait(2)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            pass
        if self._popen.poll() is None:
            self._popen.terminate()
            try:
                self._popen.wait(2)
            except subprocess.TimeoutExpired:
                self._popen.kill()
        self._conn.close()


def _training_process_main(fd: int) -> None:
    """The child: a reader thread takes the parent's messages (a stop must arrive while training runs), the
    main thread trains each config with callbacks that send events back, then replies."""
    from multiprocessing.connection import Connection

    import keras  # noqa: F401  TensorFlow loads here, once per child, before the first job arrives

    from rnnlab.training import train

    conn = Connection(fd)
    send_lock = threading.Lock()
    stop = threading.Event()
    configs: queue.Queue = queue.Queue()

    def send(message) -> None:
        with send_lock:
            conn.send(message)

    def read() -> None:
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                message = None  # the parent has gone
            if message is None:
                configs.put(None)
                return
            if message[0] == "train":
                stop.clear()  # messages arrive in order: a stop after this one is meant for this job
                configs.put((message[1], message[2] if len(message) > 2 else {}))
            elif message[0] == "stop":
                stop.set()

    threading.Thread(target=read, name="rnnlab-training-reader", daemon=True).start()
    while (message := configs.get()) is not None:
        config, options = message
        if options.get("runs_dir"):
            os.environ["RNNLAB_RUNS_DIR"] = options["runs_dir"]
        try:
            train_df, val_df = load_split(config)
            run = train(
                config["arch"], train_df, val_df,
                epochs=config["epochs"], batch_size=config["batch_size"], embed_dim=config["embed_dim"],
                units=config["units"], learning_rate=config["learning_rate"], seed=config["seed"],
                on_batch=lambda step, logs: send(("batch", step, dict(logs, time=time.time()))),
                on_epoch=lambda epoch, logs: send(("epoch", epoch, dict(logs))),
                stop=stop, **train_options(config),
            )
            payload = dict(
                arch=run.arch, config=dict(run.config), weights=run.model.get_weights(), vocabulary=list(run.vocabulary),
                history={name: list(values) for name, values in run.history.items()},
                batch_history=[dict(record) for record in run.batch_history], seconds=float(run.seconds),
                stopped=bool(run.stopped), batches_per_epoch=int(run.batches_per_epoch),
                embed_dim=config["embed_dim"], units=config["units"], seed=config["seed"],
                parameters=int(run.model.count_params()),
            )
            if options.get("save_run"):
                try:
                    from rnnlab import runs

                    payload["stored_run_id"] = runs.save(run, config).id
                except Exception as error:  # the model still goes back to the server, which can retry
                    payload["store_error"] = f"{type(error).__name__}: {error}"
            reply = ("done", payload)
        except Exception as error:
            reply = ("failed", dict(error=f"{type(error).__name__}: {error}", traceback=traceback.format_exc()))
        try:
            send(reply)
        except (OSError, ValueError):
            return


def _rebuild_trained_model(payload: dict):
    """The child's trained weights in a model built here, with the same architecture, vocabulary and history."""
    import keras

    from rnnlab.models import build_model
    from rnnlab.training import TrainedModel

    vocabulary = payload["vocabulary"]
    model = build_model(payload["arch"], len(vocabulary), payload["embed_dim"], payload["units"], seed=payload["seed"],
                        dropout=payload["config"].get("dropout", 0.0))  # the same layers as the child's model
    model.set_weights(payload["weights"])
    # The lesson's vectorizer settings with the trained vocabulary ('' and '[UNK]' first, as get_vocabulary gives).
    vectorizer = keras.layers.TextVectorization(
        standardize="lower_and_strip_punctuation", split="whitespace", output_mode="int", vocabulary=vocabulary
    )
    return TrainedModel(
        arch=payload["arch"], config=payload["config"], model=model, vectorizer=vectorizer, vocabulary=vocabulary,
        history=payload["history"], batch_history=payload["batch_history"], seconds=payload["seconds"],
        stopped=payload["stopped"], batches_per_epoch=payload["batches_per_epoch"],
    )


# ----------------------------------------------------------------------------------------------------------
# The process-wide manager: Streamlit reruns page scripts, but imports this module once per server process.

_manager: JobManager | None = None
_manager_lock = threading.Lock()


def manager() -> JobManager:
    global _manager
    with _manager_lock:
        if _manager is None:
            _manager = JobManager()
        return _manager


def start(config: Mapping[str, Any], owner: str) -> Job:
    return manager().start(config, owner)


def get(job_id: int) -> Job | None:
    return manager().get(job_id)


def jobs_for(owner: str) -> list[Job]:
    return manager().jobs_for(owner)


def stop(job_id: int) -> bool:
    return manager().stop(job_id)
