"""The entry points of `seed_demo`'s worker processes.

A spawned worker imports this module before Django is set up, so it imports
nothing from the project or Django's models at module level.
"""

import os


def start(settings_module: str, database: dict) -> None:
    """Set Django up in a new worker process, writing to the parent's database.

    The parent may use another database than its settings name (a test database,
    say), so the worker takes the parent's connection settings.
    """
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    import django
    from django.conf import settings

    # Django's settings of a database, which the stubs know as dj_database_url's DBConfig.
    settings.DATABASES["default"] = dict(database)  # type: ignore[assignment]
    django.setup()


def write_tickets(job: tuple) -> int:
    from tickets import demo

    return demo.write_tickets(*job)
