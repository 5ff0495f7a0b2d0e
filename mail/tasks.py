"""The task worker's periodic task: read every IMAP mailbox every MAIL_FETCH_INTERVAL seconds.

`fetch_mail --schedule` queues the first run. Each run queues the next one before it ends,
whatever happened during it, so the chain goes on as long as a worker runs tasks (a task
backend that cannot run a task later, like the immediate one of development and tests,
gets no next run). A chain is started only when no run is queued or running, and a run
queues no next one when another is queued already, so that two chains become one.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Q
from django.tasks import task
from django.utils import timezone

from . import imap

# A run that started longer ago than this is taken for dead (its worker was killed), so
# that a new chain may start.
STALE_RUN = datetime.timedelta(hours=1)


@task
def fetch_all_mail() -> str:
    """Read every active IMAP mailbox, then queue the next run."""
    try:
        summaries = imap.fetch_all()
    finally:
        _queue_next_run()
    return "\n".join(str(summary) for summary in summaries) or "No active mailbox reads IMAP."


def can_schedule() -> bool:
    """Whether the task backend can run a task later (a worker's can)."""
    return fetch_all_mail.get_backend().supports_defer


def schedule_fetching() -> bool:
    """Queue the first run of a chain, unless a run is queued or running already. True when
    it queued one."""
    if _runs(running=True):
        return False
    fetch_all_mail.enqueue()
    return True


def _queue_next_run() -> None:
    if not can_schedule() or _runs(running=False):
        return
    run_after = timezone.now() + datetime.timedelta(seconds=settings.MAIL_FETCH_INTERVAL)
    fetch_all_mail.using(run_after=run_after).enqueue()


def _runs(*, running: bool) -> bool:
    """Whether a run of fetch_all_mail is queued (or, with `running`, running) in the
    database backend; other backends keep no list of their tasks to ask."""
    from django_tasks_db import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    backend = fetch_all_mail.get_backend()
    if not isinstance(backend, DatabaseBackend):
        return False
    alive = Q(status="READY")
    if running:
        alive |= Q(status="RUNNING", started_at__gte=timezone.now() - STALE_RUN)
    return DBTaskResult.objects.filter(
        alive, task_path=fetch_all_mail.module_path, backend_name=backend.alias
    ).exists()
