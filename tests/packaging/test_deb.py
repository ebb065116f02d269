"""The built .deb as IT gets it: lint-clean, its libraries declared, documented, signed,
installable offline from the package alone and from a signed local apt repository, usable
by root and by an ordinary user, and removable without touching users' data.

Runs against the package named by ``LIGHTBOX_DEB`` (CI sets it after
``python packaging/build.py --deb``); skipped without it. The install tests need root and
apt (CI is root on Debian 12) and run the commands of docs/install.md's section "The .deb
offline, its signature, and a local apt repository" as written, with the repository folder
moved to a temporary one.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import linux_packages
import pytest

from .conftest import ROOT

DEB_ENV = "LIGHTBOX_DEB"
GUIDE = ROOT / "docs" / "install.md"
USER = "clinician"  # the name the guide uses
REPO_IN_GUIDE = "/srv/lightbox-repo"
KEYRING = Path("/usr/share/keyrings/lightbox-repo.gpg")
SOURCES = Path("/etc/apt/sources.list.d/lightbox.list")
REPOS: list[Path] = []  # local repositories the tests made, removed at the end
# Any proxy on a closed port: apt cannot download anything, as on a machine offline.
OFFLINE = ["-o", "Acquire::http::Proxy=http://127.0.0.1:9",
           "-o", "Acquire::https::Proxy=http://127.0.0.1:9"]


@pytest.fixture(scope="module")
def deb() -> Path:
    value = os.environ.get(DEB_ENV)
    if not value:
        pytest.skip(f"no .deb to test: set {DEB_ENV}=dist/lightbox_<version>_amd64.deb")
    path = Path(value).resolve()
    assert path.is_file(), f"{DEB_ENV}={value} is not a file"
    return path


def tool(name: str, package: str) -> str:
    """The path of ``name``; missing is a failure in CI (which installs it), a skip elsewhere."""
    found = shutil.which(name)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must install {package} (for {name})")
        pytest.skip(f"{name} is not installed (apt-get install {package})")
    return found


def guide_blocks() -> dict[str, str]:
    """The guide's fenced shell blocks marked ``<!-- deb-NAME -->``, by name."""
    pattern = re.compile(r"<!-- (deb-[a-z-]+) -->\n```sh\n(.*?)```", re.S)
    return {name: body for name, body in pattern.findall(GUIDE.read_text(encoding="utf-8"))}


def machine_env(**extra: str) -> dict[str, str]:
    """The environment of an administrator's shell: none of the test suite's LIGHTBOX_*
    redirections (the installed product must find its own folders)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIGHTBOX_")}
    env.update(HOME=pwd.getpwuid(os.geteuid()).pw_dir, DEBIAN_FRONTEND="noninteractive")
    return {**env, **extra}


def run(command: list[str] | str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    kwargs.setdefault("env", machine_env())
    done = subprocess.run(command, capture_output=True, text=True, timeout=600,
                          shell=isinstance(command, str), **kwargs)  # type: ignore[call-overload]
    assert done.returncode == 0, f"{command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def unpacked(deb: Path, tmp: Path) -> Path:
    run(["dpkg-deb", "-x", str(deb), str(tmp)])
    return tmp


# --- the package itself -----------------------------------------------------------------


def test_lintian_reports_no_error_or_warning(deb: Path) -> None:
    lintian = tool("lintian", "lintian")
    done = subprocess.run([lintian, "--fail-on", "error,warning", str(deb)],
                          capture_output=True, text=True, timeout=900)
    problems = [line for line in done.stdout.splitlines() if line[:2] in ("E:", "W:")]
    assert done.returncode == 0 and not problems, "\n".join(problems) or done.stderr


def test_installed_desktop_entry_validates(deb: Path, tmp_path: Path) -> None:
    validate = tool("desktop-file-validate", "desktop-file-utils")
    entry = unpacked(deb, tmp_path) / "usr/share/applications" / linux_packages.DESKTOP_FILE.name
    done = subprocess.run([validate, str(entry)], capture_output=True, text=True)
    assert done.returncode == 0 and "error" not in done.stdout, done.stdout + done.stderr


def test_control_declares_libraries_and_recommends_nothing_to_download(deb: Path) -> None:
    fields = run(["dpkg-deb", "-f", str(deb)]).stdout
    assert "Recommends:" not in fields  # apt would try to fetch them, and fail offline
    scripts = Path(tempfile.mkdtemp(prefix="lightbox-control-"))
    try:
        run(["dpkg-deb", "-e", str(deb), str(scripts)])
        postinst = (scripts / "postinst").read_text(encoding="utf-8")
    finally:
        shutil.rmtree(scripts)
    # The hook that sets up the shared folders when the package ships their script.
    assert f"[ -x {linux_packages.SHARED_FOLDERS_INSTALLED} ]" in postinst
    depends = fields.split("Depends: ", 1)[1].split("\n", 1)[0]
    for package in ("libwayland-client0", "libwayland-cursor0", "libwayland-egl1",
                    "libxcb-icccm4", "libxcb-keysyms1", "libegl1", "libfontconfig1"):
        assert package in depends


def test_every_system_library_the_build_needs_is_declared(frozen_dir: Path) -> None:
    needed = linux_packages.needed_outside_bundle(frozen_dir)
    assert "libc.so.6" in needed and "libfontconfig.so.1" in needed  # the scan sees them
    assert linux_packages.undeclared_libraries(frozen_dir) == []


def test_copyright_is_machine_readable_and_changelog_ships(deb: Path, tmp_path: Path) -> None:
    docs = unpacked(deb, tmp_path) / "usr/share/doc/lightbox"
    text = (docs / "copyright").read_text(encoding="utf-8")
    assert text.startswith("Format: https://www.debian.org/doc/packaging-manuals/"
                           "copyright-format/1.0/\n")
    paragraphs = text.split("\n\n")
    assert all("License: " in p for p in paragraphs[1:])
    for name in ("Qt 6 and PySide6", "onnxruntime", "pydicom", "numpy", "Python 3.11"):
        assert name in text
    run(f"gzip -t {docs / 'changelog.gz'}")
    changelog = run(["gzip", "-dc", str(docs / "changelog.gz")]).stdout
    assert changelog.startswith(f"lightbox ({linux_packages.bundle.version()}) ")
    assert (tmp_path / "usr/share/man/man1/lightbox.1.gz").is_file()


def test_every_bundled_distribution_is_named_in_the_copyright(frozen_dir: Path) -> None:
    internal = frozen_dir / "_internal"
    named = " ".join(name.lower() for name, _ in linux_packages.BUNDLED_LICENCES)
    for info in internal.glob("*.dist-info"):
        project = info.name.split("-")[0].lower().replace("_", "-")
        assert project in named.replace("_", "-"), f"{project} missing from BUNDLED_LICENCES"


# --- installing it, as the guide says ---------------------------------------------------


def _needs_root_and_apt() -> None:
    if os.geteuid() != 0:
        pytest.skip("installing the .deb needs root (CI runs as root)")
    if shutil.which("apt-get") is None:
        pytest.skip("installing the .deb needs apt (Debian/Ubuntu)")


@pytest.fixture(scope="module")
def workstation(deb: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder holding the package, its signature and the signing key, an unprivileged
    user ``clinician`` (created for the test), and a machine left as found afterwards."""
    _needs_root_and_apt()
    tool("gpg", "gnupg")
    tool("apt-ftparchive", "apt-utils")
    if subprocess.run(["dpkg", "-s", "lightbox"], capture_output=True).returncode == 0:
        pytest.skip("lightbox is already installed here; the test would remove it")
    folder = tmp_path_factory.mktemp("workstation")
    folder.chmod(0o755)
    shutil.copy2(deb, folder / deb.name)
    gnupg = folder / ".gnupg"
    gnupg.mkdir(mode=0o700)
    env = machine_env(GNUPGHOME=str(gnupg))
    # A throw-away key, as CI signs with one: the guide's commands do not care whose.
    run(["gpg", "--batch", "--passphrase", "", "--quick-gen-key",
         "Lightbox CI <ci@lightbox.invalid>", "ed25519", "sign", "never"], env=env)
    run(["gpg", "--batch", "--yes", "--armor", "--detach-sign", "--output",
         str(folder / f"{deb.name}.asc"), str(folder / deb.name)], env=env)
    run(f"gpg --armor --export > {folder / 'lightbox-signing-key.asc'}", env=env)
    created = False
    try:
        pwd.getpwnam(USER)
    except KeyError:
        run(["useradd", "--create-home", "--shell", "/bin/sh", USER])
        created = True
    try:
        yield folder
    finally:
        subprocess.run(["apt-get", "purge", "-y", "-qq", "lightbox"], capture_output=True)
        for path in (SOURCES, KEYRING):
            path.unlink(missing_ok=True)
        for repo in REPOS:
            shutil.rmtree(repo, ignore_errors=True)
        for lists in Path("/var/lib/apt/lists").glob("_tmp_lightbox-repo-*"):
            lists.unlink()  # apt's copy of the local repository's index
        if created:
            subprocess.run(["userdel", "--remove", USER], capture_output=True)


def guide_commands(name: str, folder: Path) -> str:
    body = guide_blocks()[name]
    version = linux_packages.bundle.version()
    return body.replace("lightbox_0.1.0_amd64.deb",
                        f"lightbox_{version}_{linux_packages.deb_architecture()}.deb")


def test_guide_has_the_blocks_this_test_runs() -> None:
    assert {"deb-verify", "deb-install", "deb-repo", "deb-repo-client"} <= set(guide_blocks())


def test_signature_check_from_the_guide(workstation: Path) -> None:
    run(guide_commands("deb-verify", workstation), cwd=workstation)
    tampered = workstation / "tampered.deb"
    shutil.copy2(next(workstation.glob("*.deb")), tampered)
    with tampered.open("ab") as handle:
        handle.write(b"\0")
    done = subprocess.run(["gpgv", "--keyring", "./lightbox-keyring.gpg",
                           next(workstation.glob("lightbox_*.asc")).name, tampered.name],
                          cwd=workstation, capture_output=True, text=True)
    assert done.returncode != 0
    tampered.unlink()


def test_offline_install_two_users_and_remove_keeps_user_data(workstation: Path) -> None:
    script = guide_commands("deb-install", workstation)
    install, rest = script.split("\n", 1)
    assert install.startswith("apt-get install -y ./")
    # Offline: apt may download nothing, Recommends included (apt installs them by default).
    run(install.replace("apt-get install", "apt-get " + " ".join(OFFLINE) + " install"),
        cwd=workstation)
    assert Path("/usr/bin/lightbox").resolve() == Path("/opt/lightbox/lightbox")
    home = Path(pwd.getpwnam(USER).pw_dir)
    before = {p for p in home.rglob("*")}
    self_tests, remove = rest.rsplit("\n", 2)[0], rest.rsplit("\n", 2)[1]
    run(self_tests, cwd=workstation)
    # The self-test creates nothing; the user's first real use does (the log of a listing).
    run(["runuser", "-u", USER, "--", "env", f"HOME={home}", "lightbox", "models"],
        cwd=workstation)
    user_data = {p for p in home.rglob("*")} - before
    assert user_data, "the user's first use of the installed package left nothing at home"
    run(remove, cwd=workstation)
    assert not Path("/opt/lightbox/lightbox").exists()
    assert all(p.exists() for p in user_data), "apt-get remove touched a user's files"


def test_signed_local_repository_from_the_guide(workstation: Path) -> None:
    # Outside pytest's private temporary folder: apt reads the repository as its own
    # unprivileged user (_apt), as it would read /srv/lightbox-repo.
    repo = Path(tempfile.mkdtemp(prefix="lightbox-repo-"))
    repo.chmod(0o755)
    REPOS.append(repo)
    env = machine_env(GNUPGHOME=str(workstation / ".gnupg"), KEY="ci@lightbox.invalid")
    server = guide_commands("deb-repo", workstation).replace(REPO_IN_GUIDE, str(repo))
    run(server, cwd=workstation, env=env)
    assert (repo / "InRelease").is_file() and KEYRING.is_file()
    client = guide_commands("deb-repo-client", workstation).replace(REPO_IN_GUIDE, str(repo))
    run(client, cwd=workstation, env=env)
    assert "file:" in run(["apt-cache", "policy", "lightbox"]).stdout
    run(["apt-get", "purge", "-y", "lightbox"])
    assert not Path("/usr/bin/lightbox").exists()
