"""Two accounts, one shared audit folder, as IT sets it up with the package's script.

Runs as root (CI is root on a fresh Debian machine): it creates two unprivileged users and
a group, sets up the folder with ``packaging/linux/setup-shared-folders.sh``, runs
``python -m viewer infer`` as each, and checks that both runs are in the audit, each in
its own chain, that one account cannot delete the other's log, and that ``audit verify``
run by root passes for both chains (and ``export --all`` writes both). Everything it
creates is removed afterwards.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from viewer.audit.log import log_name
from viewer.io.demo import write_phantom_series

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "packaging" / "linux" / "setup-shared-folders.sh"
TOOLS = ("useradd", "userdel", "groupdel", "runuser")

pytestmark = pytest.mark.skipif(
    sys.platform != "linux" or not hasattr(os, "getuid") or os.getuid() != 0
    or not all(shutil.which(t) for t in TOOLS),
    reason="needs root on Linux with useradd, userdel, groupdel and runuser (CI has them)")


def run(*args: str | Path, check: bool = True, **kwargs) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True,
                            timeout=300, **kwargs)
    if check and result.returncode != 0:
        raise AssertionError(f"{args} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


class Machine:
    """The test's users, group and folders (under a world-traversable temporary folder:
    pytest's own is private to root)."""

    def __init__(self) -> None:
        tag = uuid.uuid4().hex[:6]
        self.group = f"lbxg{tag}"
        self.users = [f"lbxa{tag}", f"lbxb{tag}"]
        self.base = Path(tempfile.mkdtemp(prefix="lightbox-shared-"))
        os.chmod(self.base, 0o755)
        self.audit = self.base / "var" / "audit"
        self.logs = self.base / "var" / "log"
        self.site = self.base / "lightbox.toml"
        self.site.write_text(f'audit_dir = "{self.audit}"\nlog_dir = "{self.logs}"\n',
                             encoding="utf-8")
        self.created: list[str] = []
        # An installed workstation takes its site file from the administrators' folder only
        # (environment overrides are ignored for an account that cannot change the program):
        # the users run Lightbox through a launcher that makes this test's folder stand in
        # for /etc/lightbox, as the site-policy tests do.
        self.launcher = self.base / "lightbox-as-installed.py"
        self.launcher.write_text(
            "import sys\nfrom pathlib import Path\n"
            "import viewer.host.folders as folders\n"
            f"folders.system_site_dir = lambda: Path({str(self.base)!r})\n"
            "from viewer.cli.main import main\n"
            "sys.exit(main(sys.argv[1:]))\n", encoding="utf-8")
        os.chmod(self.launcher, 0o644)

    @property
    def lightbox(self) -> list[str]:
        """The command line of Lightbox for the test's users."""
        return [sys.executable, str(self.launcher)]

    def add_users(self) -> None:
        for user in self.users:
            run("useradd", "--create-home", "--home-dir", self.base / "home" / user,
                "--shell", "/bin/sh", "--groups", self.group, user)
            self.created.append(user)

    def env(self, user: str) -> list[str]:
        home = pwd.getpwnam(user).pw_dir
        return ["env", "-i", f"HOME={home}", "PATH=/usr/bin:/bin", f"USER={user}",
                f"LIGHTBOX_SITE_CONFIG={self.site}", "QT_QPA_PLATFORM=offscreen"]

    def as_user(self, user: str, *args: str | Path, check: bool = True
                ) -> subprocess.CompletedProcess[str]:
        return run("runuser", "-u", user, "--", *self.env(user), *args, check=check, cwd=ROOT)

    def remove(self) -> None:
        for user in self.created:
            run("userdel", "--remove", user, check=False)
        run("groupdel", self.group, check=False)
        shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture
def machine() -> Iterator[Machine]:
    box = Machine()
    try:
        yield box
    finally:
        box.remove()


def test_two_users_write_their_own_chains_and_root_verifies_both(machine):
    run("sh", SCRIPT, "--group", machine.group, "--audit", machine.audit, "--logs",
        machine.logs)
    mode = machine.audit.stat()
    assert stat.S_IMODE(mode.st_mode) == 0o3770 and mode.st_uid == 0
    assert grp.getgrgid(mode.st_gid).gr_name == machine.group
    run("sh", SCRIPT, "--group", machine.group, "--audit", machine.audit)  # idempotent
    machine.add_users()
    first, second = machine.users
    probe = machine.as_user(first, sys.executable, "-c", "import viewer, onnxruntime",
                            check=False)
    if probe.returncode != 0:
        pytest.skip(f"this interpreter ({sys.executable}) or the checkout is not readable by "
                    f"another user: {probe.stderr.strip().splitlines()[-1:]}")
    study = machine.base / "study"
    write_phantom_series(study, slices=3, size=128)
    for path in (study, *study.iterdir()):
        os.chmod(path, 0o755 if path.is_dir() else 0o644)

    for user in machine.users:
        out = machine.base / "home" / user / "out"
        result = machine.as_user(user, *machine.lightbox, "infer", study,
                                 "--model", "ct-lesion-cls", "--frame", "1", "--out", out)
        assert "ct-lesion-cls-frame-0001.json" in result.stdout

    logs = {}
    for user in machine.users:
        entry = pwd.getpwnam(user)
        log = machine.audit / log_name(entry.pw_uid, user)
        info = log.stat()
        assert info.st_uid == entry.pw_uid and stat.S_IMODE(info.st_mode) == 0o600
        assert grp.getgrgid(info.st_gid).gr_name == machine.group  # setgid folder
        assert log.with_name(log.name + ".head").is_file()
        logs[user] = log
        app_log = machine.logs / f"lightbox-{entry.pw_uid}-{user}.log"
        assert f"started on {os.uname().nodename} by {user}" in app_log.read_text()
        assert stat.S_IMODE(machine.logs.stat().st_mode) == 0o3770
    # The sticky bit: the second account cannot remove or replace the first one's log.
    machine.as_user(second, "rm", "-f", logs[first], check=False)
    machine.as_user(second, "mv", logs[second], logs[first], check=False)
    assert logs[first].is_file() and logs[second].is_file()

    # Root (IT) verifies every chain in the folder, each named.
    admin = {**os.environ, "LIGHTBOX_SITE_CONFIG": str(machine.site),
             "LIGHTBOX_CONFIG_DIR": str(machine.base / "root-config"),
             "LIGHTBOX_LOG_DIR": str(machine.base / "root-logs")}
    admin.pop("LIGHTBOX_AUDIT_DIR", None)
    verified = run(sys.executable, "-m", "viewer", "audit", "verify", env=admin, cwd=ROOT)
    for user in machine.users:
        assert f"{logs[user].name}: intact, 1 signed record(s) of {user}, chain " \
            in verified.stdout, verified.stdout
    exported = machine.base / "collected"
    run(sys.executable, "-m", "viewer", "audit", "export", "--from", "2000-01-01",
        "--to", "2100-01-01", "--all", "--out", exported, env=admin, cwd=ROOT)
    for user in machine.users:
        export = exported / (logs[user].name.removesuffix(".jsonl") + ".export.jsonl")
        checked = run(sys.executable, "-m", "viewer", "audit", "verify", "--export", export,
                      env=admin, cwd=ROOT)
        assert "intact, 1 signed record(s) of " + user in checked.stdout

    # A user verifies their own chain and is told the other one is not theirs to read.
    own = machine.as_user(first, *machine.lightbox, "audit", "verify")
    assert f"{logs[first].name}: intact, 1 signed record(s) of {first}" in own.stdout
    assert f"note: {logs[second].name} not checked: not readable by you" in own.stdout

    # The self-test of each account passes its per-file checks in the shared folder.
    for user in machine.users:
        report = machine.as_user(user, *machine.lightbox, "--self-test",
                                 "--no-qt", check=False)
        lines = [line for line in report.stdout.splitlines() if line.startswith(
            ("OK    audit", "FAIL  audit", "OK    log file", "FAIL  log file"))]
        assert lines and all(line.startswith("OK") for line in lines), report.stdout


def test_the_setup_script_corrects_existing_folders_and_leaves_their_files(machine):
    audit, models, cache = (machine.base / name for name in ("audit", "models", "cache"))
    audit.mkdir(mode=0o700)
    (audit / "ai-runs-1000-someone.jsonl").write_text("kept\n")
    run("sh", SCRIPT, "--group", machine.group, "--audit", audit, "--models", models,
        "--cache", cache)
    assert stat.S_IMODE(audit.stat().st_mode) == 0o3770
    assert stat.S_IMODE(cache.stat().st_mode) == 0o3770
    assert stat.S_IMODE(models.stat().st_mode) == 0o755 and models.stat().st_uid == 0
    assert (audit / "ai-runs-1000-someone.jsonl").read_text() == "kept\n"
    # Without --audit, the site file's audit_dir (as the .deb's post-install runs it).
    from_site = machine.base / "site-audit"
    site = machine.base / "site.toml"
    site.write_text(f"language = 'en'\naudit_dir = '{from_site}'  # shared\n")
    run("sh", SCRIPT, "--group", machine.group, env={**os.environ, "LIGHTBOX_SITE_FILE": str(site)})
    assert stat.S_IMODE(from_site.stat().st_mode) == 0o3770
    bad = run("sh", SCRIPT, "--frobnicate", check=False)
    assert bad.returncode == 2 and "unknown argument --frobnicate" in bad.stderr
    machine.add_users()
    refused = machine.as_user(machine.users[0], "sh", SCRIPT, check=False)
    assert refused.returncode == 1 and "run as root" in refused.stderr


def test_the_commands_in_install_md_run_as_written(machine):
    """docs/install.md "Shared workstations": its setup commands, with the installed
    script's path pointing at the source and the folders under the test's own."""
    text = (ROOT / "docs" / "install.md").read_text(encoding="utf-8")
    section = text.split("## Shared workstations", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [c.split("#")[0].strip() for c in block.replace("\\\n", " ").splitlines()]
    assert commands[0].startswith("/usr/lib/lightbox/setup-shared-folders.sh --audit ")
    run("groupadd", machine.group)
    machine.add_users()
    audit, models = machine.base / "audit", machine.base / "models"
    for command in filter(None, commands):
        command = (command.replace("/usr/lib/lightbox/setup-shared-folders.sh",
                                   f"sh {SCRIPT} --group {machine.group}")
                   .replace("/var/lib/lightbox/audit", str(audit))
                   .replace("/var/log/lightbox", str(machine.base / "logs"))
                   .replace("/opt/hospital/lightbox-models", str(models))
                   .replace("lightbox alice", f"{machine.group} {machine.users[0]}"))
        run("sh", "-c", command)
    assert stat.S_IMODE(audit.stat().st_mode) == 0o3770
    assert stat.S_IMODE(models.stat().st_mode) == 0o755
    assert stat.S_IMODE((machine.base / "logs").stat().st_mode) == 0o3770
    assert machine.users[0] in grp.getgrnam(machine.group).gr_mem
