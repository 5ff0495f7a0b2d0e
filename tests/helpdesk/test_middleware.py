import psycopg.errors
import pytest
from django.db import OperationalError, connection
from django.test import override_settings
from django.urls import path

from helpdesk.middleware import BUSY, TOO_SLOW, StatementTimeoutMiddleware
from tickets.views.access import agent_required

pytestmark = pytest.mark.django_db


def stopped_query() -> OperationalError:
    """What Django raises when PostgreSQL cancels a statement at its time limit."""
    error = OperationalError("canceling statement due to statement timeout")
    error.__cause__ = psycopg.errors.QueryCanceled()
    return error


@agent_required
def slow_page(request):
    raise stopped_query()


def slow_api(request):
    raise stopped_query()


def lock_wait_ran_out() -> OperationalError:
    """What Django raises when a wait for a lock outlasts PostgreSQL's lock_timeout."""
    error = OperationalError("canceling statement due to lock timeout")
    error.__cause__ = psycopg.errors.LockNotAvailable()
    return error


@agent_required
def busy_page(request):
    raise lock_wait_ran_out()


def busy_api(request):
    raise lock_wait_ran_out()


def broken(request):
    raise OperationalError("the server closed the connection")


urlpatterns = [
    path("slow/", slow_page),
    path("api/slow", slow_api),
    path("broken/", broken),
    path("busy/", busy_page),
    path("api/busy", busy_api),
]


@override_settings(ROOT_URLCONF=__name__)
def test_a_stopped_page_request_explains_itself(client, agent):
    client.force_login(agent)
    response = client.get("/slow/")
    assert response.status_code == 503
    assert TOO_SLOW in response.text


@override_settings(ROOT_URLCONF=__name__)
def test_a_stopped_api_request_answers_in_the_envelope(client):
    response = client.get("/api/slow")
    assert response.status_code == 503
    assert response.json() == {"message": TOO_SLOW}


@override_settings(ROOT_URLCONF=__name__)
def test_other_database_errors_are_left_alone(client):
    client.raise_request_exception = True
    with pytest.raises(OperationalError, match="closed the connection"):
        client.get("/broken/")


def test_postgresql_raises_what_the_middleware_expects():
    """The shape `stopped_query` imitates is the real one (on SQLite, it is left alone)."""
    middleware = StatementTimeoutMiddleware(lambda request: None)
    if connection.vendor != "postgresql":
        assert middleware.process_exception(None, OperationalError("locked")) is None
        return
    with pytest.raises(OperationalError) as raised, connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = '10ms'")
        cursor.execute("SELECT pg_sleep(1)")
    assert isinstance(raised.value.__cause__, psycopg.errors.QueryCanceled)


@override_settings(ROOT_URLCONF=__name__)
def test_a_lock_wait_that_ran_out_says_to_try_again(client, agent):
    response = client.get("/api/busy")
    assert (response.status_code, response["Retry-After"]) == (503, "5")
    assert response.json() == {"message": BUSY}
    client.force_login(agent)
    response = client.get("/busy/")
    assert (response.status_code, response["Retry-After"]) == (503, "5")
    assert BUSY in response.text


def test_postgresql_gives_up_a_lock_wait_as_the_middleware_expects():
    """The shape `lock_wait_ran_out` imitates is the real one: another connection holds a
    lock this one waits for, past lock_timeout."""
    if connection.vendor != "postgresql":
        return
    import psycopg

    settings = connection.settings_dict
    holder = psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
        autocommit=True,
    )
    try:
        holder.execute("SELECT pg_advisory_lock(4242)")
        with pytest.raises(OperationalError) as raised, connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '50ms'")
            cursor.execute("SELECT pg_advisory_lock(4242)")
    finally:
        holder.close()
    assert isinstance(raised.value.__cause__, psycopg.errors.LockNotAvailable)


def test_the_lock_timeout_is_set_on_postgresql():
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone()[0] == "5s"
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "20s"
