"""Real mail servers on loopback for the email channel's tests (and its benchmark).

`running_dovecot()` starts a throwaway Dovecot IMAP server (Debian's `dovecot-imapd`):
its configuration, user, mail and self-signed certificate live in a temporary directory,
it listens on 127.0.0.1 only, on free ports, and it is stopped and removed on exit. It
needs no system service. `smtp_server` is an aiosmtpd server that keeps what it receives.
"""

from __future__ import annotations

import contextlib
import email.message
import grp
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from email import policy
from pathlib import Path
from typing import Any

import pytest
from imapclient import IMAPClient

DOVECOT_CONF = """\
# Throwaway Dovecot 2.3 for tests: loopback only, everything in {root}.
instance_name = helpdesk-test-{imap_port}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/users
}}
userdb {{
  driver = passwd-file
  args = {root}/users
}}
mail_location = maildir:~/Maildir
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
# No chroot: the same configuration runs as root and unprivileged.
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {imap_port}
  }}
  inet_listener imaps {{
    port = {imaps_port}
    ssl = yes
  }}
}}
"""

USER = "agent@example.test"
PASSWORD = "secret-Pa55word"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dovecot exited with status {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"dovecot did not listen on port {port}")


@dataclass
class Dovecot:
    """A running Dovecot: where it listens, its one user, and the CA file of its certificate."""

    host: str
    port: int
    ssl_port: int
    cafile: str
    user: str
    password: str
    log: Path

    def client(self, *, tls: bool = False) -> IMAPClient:
        """A logged-in client, over plain IMAP or IMAPS."""
        context = ssl.create_default_context(cafile=self.cafile)
        client = IMAPClient(
            self.host,
            port=self.ssl_port if tls else self.port,
            ssl=tls,
            ssl_context=context,
            timeout=30,
        )
        client.login(self.user, self.password)
        return client

    def new_folder(self) -> str:
        """An empty folder of its own: tests share one server, never a folder."""
        name = f"test-{uuid.uuid4().hex[:12]}"
        with self.client() as client:
            client.create_folder(name)
        return name

    def append(self, folder: str, messages: Iterable[bytes]) -> None:
        """Put messages in `folder` (IMAP APPEND), unread."""
        client = self.client()
        try:
            for raw in messages:
                client.append(folder, raw)
        finally:
            client.logout()

    def flags(self, folder: str) -> dict[int, set[bytes]]:
        """Each message's flags, by UID."""
        client = self.client()
        try:
            client.select_folder(folder, readonly=True)
            uids = client.search("ALL")
            fetched = client.fetch(uids, ["FLAGS"]) if uids else {}
            return {uid: set(data[b"FLAGS"]) for uid, data in fetched.items()}
        finally:
            client.logout()


def _mail_user() -> tuple[pwd.struct_passwd, str, str, str]:
    """Who owns the mail, and Dovecot's login, internal user and group."""
    if os.geteuid() == 0:
        # Dovecot refuses UID 0 for mail; the Debian package made its own system users.
        return pwd.getpwnam("nobody"), "dovenull", "dovecot", "dovecot"
    mail = pwd.getpwuid(os.geteuid())
    return mail, mail.pw_name, mail.pw_name, grp.getgrgid(mail.pw_gid).gr_name


@contextlib.contextmanager
def running_dovecot() -> Iterator[Dovecot]:
    """Start a throwaway Dovecot, and stop and remove it on exit."""
    binary = shutil.which("dovecot") or (
        "/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None
    )
    if binary is None:
        raise RuntimeError("Dovecot is not installed: apt-get install dovecot-imapd")
    # Not under pytest's tmp_path: its parent is private, and the mail user must enter it.
    root = Path(tempfile.mkdtemp(prefix="helpdesk-dovecot-"))
    try:
        mail, login_user, internal_user, internal_group = _mail_user()
        (root / "mail").mkdir()
        os.chown(root / "mail", mail.pw_uid, mail.pw_gid)
        root.chmod(0o755)
        openssl = shutil.which("openssl") or "/usr/bin/openssl"
        subprocess.run(  # noqa: S603 (our own arguments)
            [
                openssl,
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=localhost",
                "-addext",
                "subjectAltName=DNS:localhost,IP:127.0.0.1",
                "-keyout",
                str(root / "key.pem"),
                "-out",
                str(root / "cert.pem"),
            ],
            check=True,
            capture_output=True,
        )
        (root / "users").write_text(
            f"{USER}:{{PLAIN}}{PASSWORD}:{mail.pw_uid}:{mail.pw_gid}::{root}/mail/agent\n"
        )
        imap_port, imaps_port = free_port(), free_port()
        conf = root / "dovecot.conf"
        conf.write_text(
            DOVECOT_CONF.format(
                root=root,
                imap_port=imap_port,
                imaps_port=imaps_port,
                login_user=login_user,
                internal_user=internal_user,
                internal_group=internal_group,
            )
        )
        with open(root / "stderr.log", "wb") as stderr:  # configuration errors land here
            process = subprocess.Popen(  # noqa: S603 (our own arguments)
                [binary, "-F", "-c", str(conf)], stdout=stderr, stderr=stderr
            )
        try:
            _wait_for_port(imap_port, process)
            _wait_for_port(imaps_port, process)
            yield Dovecot(
                host="127.0.0.1",
                port=imap_port,
                ssl_port=imaps_port,
                cafile=str(root / "cert.pem"),
                user=USER,
                password=PASSWORD,
                log=root / "dovecot.log",
            )
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """One Dovecot per test process (each xdist worker has its own, on its own ports)."""
    with running_dovecot() as server:
        yield server


@dataclass
class SmtpServer:
    host: str
    port: int
    messages: list[email.message.EmailMessage] = field(default_factory=list)

    def mailers(self) -> dict:
        """A MAILERS setting that sends through this server."""
        return {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": self.host, "port": self.port, "timeout": 10},
            }
        }


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """An SMTP server on loopback (aiosmtpd); `messages` holds what it received, parsed with
    the modern policy, each with its envelope in X-MailFrom and X-RcptTo."""
    from aiosmtpd.controller import Controller

    server = SmtpServer(host="127.0.0.1", port=free_port())

    class Collect:
        async def handle_DATA(self, smtp: object, session: object, envelope: Any) -> str:
            message = email.message_from_bytes(envelope.content, policy=policy.default)
            assert isinstance(message, email.message.EmailMessage)
            message["X-MailFrom"] = envelope.mail_from
            message["X-RcptTo"] = ", ".join(envelope.rcpt_tos)
            server.messages.append(message)
            return "250 OK"

    controller = Controller(Collect(), hostname=server.host, port=server.port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()
