"""The task worker's periodic task: record the SLA breaches every SLA_BREACH_INTERVAL
seconds (sla.breaches).

`record_sla_breaches --schedule` queues the first run. As with the mail's periodic fetch
(mail.tasks), each run queues the next one before it ends, a chain starts only when no
run is queued or running, and a run queues no next one when another is queued already.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Q
from django.tasks import task
from django.utils import timezone

from . import breaches

# A run that started longer ago than this is taken for dead (its worker was killed).
STALE_RUN = datetime.timedelta(hours=1)


@task
def record_breaches() -> str:
    """Record the breaches due now, then queue the next run."""
    try:
        count = breaches.record_due_breaches()
    finally:
        _queue_next_run()
    return f"{count} breaches recorded"


def can_schedule() -> bool:
    """Whether the task backend can run a task later (a worker's can)."""
    return record_breaches.get_backend().supports_defer


def schedule_breach_checks() -> bool:
    """Queue the first run of a chain, unless a run is queued or running already. True when
    it queued one."""
    if _runs(running=True):
        return False
    record_breaches.enqueue()
    return True


def _queue_next_run() -> None:
    if not can_schedule() or _runs(running=False):
        return
    run_after = timezone.now() + datetime.timedelta(seconds=settings.SLA_BREACH_INTERVAL)
    record_breaches.using(run_after=run_after).enqueue()


def _runs(*, running: bool) -> bool:
    """Whether a run is queued (or, with `running`, running) in the database backend."""
    from django_tasks_db import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    backend = record_breaches.get_backend()
    if not isinstance(backend, DatabaseBackend):
        return False
    alive = Q(status="READY")
    if running:
        alive |= Q(status="RUNNING", started_at__gte=timezone.now() - STALE_RUN)
    return DBTaskResult.objects.filter(
        alive, task_path=record_breaches.module_path, backend_name=backend.alias
    ).exists()
