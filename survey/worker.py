"""The background worker that keeps going: ``ambassador worker`` runs this.

RQ's own worker quits on the first Redis error outside its wait for a job (a job finishing while
Redis is away, a heartbeat), its scheduler process dies on one and is started again only at the
worker's next ten-minute maintenance, and a job whose worker was killed stays "started" until its
timeout (ten minutes for a report file) plus that maintenance. So here:

- the work loop waits and tries again, with back-off, whenever Redis cannot be reached, and never
  quits for it (jobs run in this process, in the app context: no forked database connections);
- the schedule (retries, the hourly housekeeping) is moved to the queue by a thread of the worker
  itself that retries the same way, so it is never down for longer than Redis is;
- a running job holds a short lease (``LEASE_SECONDS``) that a thread renews while it runs; the
  worker that finds a lease expired — its worker died — queues the job again (every job here can
  run twice: see :mod:`survey.jobs`), and every worker looks every ``MAINTENANCE_SECONDS``.
"""

from __future__ import annotations

import logging
import threading
import time

from redis.exceptions import ConnectionError, TimeoutError
from rq import SimpleWorker
from rq.defaults import DEFAULT_LOGGING_DATE_FORMAT, DEFAULT_LOGGING_FORMAT
from rq.exceptions import StopRequested
from rq.executions import Execution, ExecutionRegistry
from rq.logutils import setup_loghandlers
from rq.scheduler import RQScheduler
from rq.worker import WorkerStatus

__all__ = ["LEASE_SECONDS", "MAINTENANCE_SECONDS", "Scheduler", "Worker", "run"]

LEASE_SECONDS = 30  # a job whose worker stopped renewing this is queued again
MAINTENANCE_SECONDS = 15  # how often a worker looks for expired leases (one worker at a time)
WORKER_TTL = 35  # waits for a job at most 20 s (RQ: TTL − 15) and for a reply at most 30 s
LONGEST_WAIT = 10.0  # the back-off's ceiling while Redis is away, in seconds
REDIS_AWAY = (ConnectionError, TimeoutError)

log = logging.getLogger("survey.worker")


class Worker(SimpleWorker):
    """RQ's in-process worker, with the loop, the lease and the back-off described above."""

    max_connection_wait_time = LONGEST_WAIT

    def __init__(self, queues, connection):
        super().__init__(
            queues,
            connection=connection,
            worker_ttl=WORKER_TTL,
            maintenance_interval=MAINTENANCE_SECONDS,
            job_monitoring_interval=LEASE_SECONDS // 3,
        )

    def get_heartbeat_ttl(self, job, working_time: float = 0.0) -> int:
        return LEASE_SECONDS

    def execute_job(self, job, queue):
        """Run the job here, renewing its lease from a thread until it is done."""
        self._forget_lapsed_executions(job)
        execution = self.prepare_execution(job)
        done = threading.Event()
        renewer = threading.Thread(
            target=self._renew_lease, args=(job, execution, done), name="lease", daemon=True
        )
        renewer.start()
        try:
            self.perform_job(job, queue, execution)
        finally:
            done.set()
            renewer.join()
        self.set_state(WorkerStatus.IDLE)

    def _forget_lapsed_executions(self, job) -> None:
        """Drop the runs of a job whose lease lapsed (their worker died) from its list of runs:
        RQ keeps an id there a minute longer than the run's record, and finishing the job looks
        every listed run up — a job run again within that minute would fail at its end."""
        registry = ExecutionRegistry(job.id, connection=self.connection)
        ids = registry.get_execution_ids()
        with self.connection.pipeline() as pipeline:
            for execution_id in ids:
                pipeline.exists(Execution(execution_id, job.id, self.connection).key)
            lapsed = [i for i, kept in zip(ids, pipeline.execute(), strict=True) if not kept]
        if lapsed:
            self.connection.zrem(registry.key, *lapsed)

    def _renew_lease(self, job, execution, done: threading.Event) -> None:
        while not done.wait(self.job_monitoring_interval):
            try:
                self.maintain_heartbeats(job, execution)
            except REDIS_AWAY as exc:  # the next renewal tries again; the lease outlasts two
                log.warning("Could not renew the lease of job %s: %s", job.id, exc)

    def work(self, burst: bool = False, logging_level: str = "INFO", **_options) -> bool:
        """Take jobs until stopped (or, with ``burst``, until the queue is empty). Redis going
        away makes it wait and try again, never quit."""
        wait = 1.0
        worked = False
        while True:  # registering needs Redis too
            try:
                self.bootstrap(logging_level, DEFAULT_LOGGING_DATE_FORMAT, DEFAULT_LOGGING_FORMAT)
                break
            except REDIS_AWAY as exc:
                wait = self._wait_for_redis(exc, wait)
        self._install_signal_handlers()
        try:
            while True:
                try:
                    self.check_for_suspension(burst)
                    if self.should_run_maintenance_tasks:
                        self.run_maintenance_tasks()
                    if self._stop_requested:
                        break
                    timeout = None if burst else self.dequeue_timeout
                    result = self.dequeue_job_and_maintain_ttl(timeout)
                    if result is None:
                        break
                    self.execute_job(*result)
                    worked = True
                    self.heartbeat()
                    wait = 1.0
                except REDIS_AWAY as exc:
                    wait = self._wait_for_redis(exc, wait)
        except StopRequested:
            pass
        finally:
            try:
                self.teardown()
            except REDIS_AWAY as exc:
                log.warning("Redis cannot be reached to sign the worker off: %s", exc)
        return worked

    def _wait_for_redis(self, exc: Exception, wait: float) -> float:
        log.error("Redis cannot be reached (%s): trying again in %.0f s", exc, wait)
        time.sleep(wait)
        return min(wait * 2, LONGEST_WAIT)


class Scheduler(threading.Thread):
    """Moves due jobs from the schedule to the queue every second, for as long as the worker
    runs. One worker's scheduler holds the lock at a time (RQ's lock: it lapses a minute after
    its holder died); an error makes it wait and try again, never stop."""

    def __init__(self, queues, connection):
        super().__init__(name="scheduler", daemon=True)
        self.scheduler = RQScheduler(queues, connection=connection)
        self.stopping = threading.Event()

    def tick(self) -> None:
        """Take (or keep) the lock and, holding it, queue what is due."""
        if self.scheduler.acquire_locks():
            self.scheduler.register_birth()  # its record, with a heartbeat that lapses
            self.scheduler.enqueue_scheduled_jobs()

    def run(self) -> None:
        wait = 1.0
        while not self.stopping.wait(self.scheduler.interval):
            try:
                self.tick()
                wait = 1.0
            except Exception as exc:  # noqa: BLE001 — the schedule must outlive any one error
                log.error("The scheduler failed (%r): trying again in %.0f s", exc, wait,
                          exc_info=not isinstance(exc, REDIS_AWAY))
                self.stopping.wait(wait)
                wait = min(wait * 2, LONGEST_WAIT)
        try:
            self.scheduler.release_locks()
            self.scheduler.register_death()
        except REDIS_AWAY:
            pass  # the lock lapses by itself

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=15)


def run(queue, burst: bool = False) -> bool:
    """Run a worker on ``queue`` with its scheduler (without one in ``burst`` mode, which
    queues what is due once and stops when the queue is empty)."""
    setup_loghandlers("INFO", DEFAULT_LOGGING_DATE_FORMAT, DEFAULT_LOGGING_FORMAT, name=log.name)
    scheduler = Scheduler([queue], queue.connection)
    if burst:
        try:
            scheduler.tick()
            scheduler.scheduler.release_locks()  # a running worker's scheduler may take it now
        except REDIS_AWAY as exc:
            log.warning("Redis cannot be reached to queue what is due: %s", exc)
        return Worker([queue], connection=queue.connection).work(burst=True)
    scheduler.start()
    try:
        return Worker([queue], connection=queue.connection).work()
    finally:
        scheduler.stop()
