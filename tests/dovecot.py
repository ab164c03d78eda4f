"""A real IMAP server for tests: Debian's Dovecot, started with its own config in a temp dir.

Own ``base_dir``, a free port on 127.0.0.1, one user from a passwd-file,
maildir storage in the temp dir, plaintext login allowed (loopback only). As
root the mail files belong to the ``dovecot`` user (Dovecot refuses uid 0);
otherwise everything runs as the current user. ``.ci/run`` installs
``dovecot-imapd`` when it is missing; the system service is never used.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from imapclient import IMAPClient  # type: ignore[import-untyped]

DOVECOT = Path("/usr/sbin/dovecot")
USER, PASSWORD = "nef", "test-password"


@dataclass(frozen=True)
class Dovecot:
    port: int
    root: Path

    @property
    def url(self) -> str:
        return f"imap://{USER}@127.0.0.1:{self.port}/INBOX"

    @contextmanager
    def client(self, folder: str = "INBOX") -> Iterator[IMAPClient]:
        c = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=30)
        c.login(USER, PASSWORD)
        c.select_folder(folder)
        try:
            yield c
        finally:
            c.logout()

    def append(self, messages: list[bytes], folder: str = "INBOX") -> None:
        with self.client(folder) as c:
            for raw in messages:
                c.append(folder, raw)

    def count(self, folder: str, criteria: list[object] | None = None) -> int:
        with self.client() as c:
            if not c.folder_exists(folder):
                return 0
            c.select_folder(folder)
            return len(c.search(criteria or ["NOT", "DELETED"]))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def dovecot() -> Iterator[Dovecot]:
    """Start Dovecot in the foreground (``-F``) and stop it at the end."""
    root = Path(tempfile.mkdtemp(prefix="docketline-dovecot-"))
    os.chmod(root, 0o755)  # the mail user must reach its maildir
    if os.getuid() == 0:
        mail_user, internal, login = "dovecot", "dovecot", "dovenull"
    else:
        mail_user = internal = login = pwd.getpwuid(os.getuid()).pw_name
    uid, gid = pwd.getpwnam(mail_user).pw_uid, pwd.getpwnam(mail_user).pw_gid
    (root / "mail").mkdir()
    os.chown(root / "mail", uid, gid)
    port = _free_port()
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    conf = root / "dovecot.conf"
    conf.write_text(
        f"""
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
instance_name = docketline-test-{port}
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
mail_uid = {uid}
mail_gid = {gid}
first_valid_uid = {min(uid, 1) if uid else 0}
default_internal_user = {internal}
default_login_user = {login}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""
    )
    proc = subprocess.Popen([str(DOVECOT), "-F", "-c", str(conf)], stderr=subprocess.PIPE)
    server = Dovecot(port, root)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
                raise RuntimeError(f"dovecot exited with {proc.returncode}: {err}\n{log}")
            try:
                with server.client():
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        shutil.rmtree(root, ignore_errors=True)
