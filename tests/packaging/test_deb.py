"""The built .deb as IT gets it: lint-clean, its libraries declared, documented, signed,
installable offline from the package alone and from a signed local apt repository, usable
by root and by an ordinary user, and removable without touching users' data; and, as one
scenario, a shared workstation: IT's locked policy (site file and conf.d drop-in) holds
for two unprivileged users against the environment overrides, a typo leaves no model
runnable, both users' runs are in the shared audit and verify, and uninstalling leaves
their data alone.

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

from viewer.audit.log import log_name

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
    redirections, nor its per-user data folder (tests/conftest.py sets XDG_DATA_HOME to a
    folder of root's; another account given it could not write there): the installed
    product must find each user's own folders."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("LIGHTBOX_") and k != "XDG_DATA_HOME"}
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


# --- a shared workstation: policy, two users, the audit, uninstall ---------------------

SITE_DIR = Path("/etc/lightbox")
SHARED_AUDIT = Path("/var/lib/lightbox/audit")  # the package's post-install sets it up
ALLOWED, DISALLOWED = "ct-lesion-cls", "ct-lesion-det"


class Clinicians:
    """Two unprivileged accounts in the package's ``lightbox`` group, a study they can
    read, and what each would set to get around the policy."""

    def __init__(self, base: Path) -> None:
        tag = os.urandom(3).hex()
        self.names = [f"lbxa{tag}", f"lbxb{tag}"]
        self.base = base
        self.study = base / "study"

    def add(self) -> None:
        from viewer.io.demo import write_phantom_series

        for name in self.names:
            run(["useradd", "--create-home", "--home-dir", str(self.base / name),
                 "--shell", "/bin/sh", "--groups", "lightbox", name])
        write_phantom_series(self.study, slices=3, size=128)
        for path in (self.study, *self.study.iterdir()):
            path.chmod(0o755 if path.is_dir() else 0o644)

    def home(self, name: str) -> Path:
        return Path(pwd.getpwnam(name).pw_dir)

    def overrides(self, name: str, site: Path) -> list[str]:
        """A user's shell, with the variables that would move the policy and the audit."""
        return ["env", "-i", f"HOME={self.home(name)}", "PATH=/usr/bin:/bin", f"USER={name}",
                "QT_QPA_PLATFORM=offscreen", f"LIGHTBOX_SITE_CONFIG={site}",
                f"LIGHTBOX_AUDIT_DIR={self.home(name) / 'my-audit'}"]

    def lightbox(self, name: str, *args: str | Path, site: Path,
                 ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["runuser", "-u", name, "--", *self.overrides(name, site),
                               "lightbox", *map(str, args)], capture_output=True, text=True,
                              timeout=600, cwd=self.base)

    def infer(self, name: str, model: str, site: Path) -> subprocess.CompletedProcess[str]:
        return self.lightbox(name, "infer", self.study, "--model", model, "--frame", "1",
                             "--out", self.home(name) / "out" / model, site=site)

    def remove(self) -> None:
        for name in self.names:
            subprocess.run(["userdel", "--remove", name], capture_output=True)


@pytest.fixture
def clinicians(workstation: Path) -> Iterator[Clinicians]:
    """The two accounts; /etc/lightbox, which the test writes, is removed afterwards (the
    test skips on a machine that has one: it is IT's)."""
    if SITE_DIR.exists():
        pytest.skip(f"{SITE_DIR} exists on this machine; the test would change its policy")
    for name in ("useradd", "userdel", "runuser"):
        tool(name, "passwd / util-linux")
    base = Path(tempfile.mkdtemp(prefix="lightbox-clinicians-"))
    base.chmod(0o755)
    people = Clinicians(base)
    audit_before = set(SHARED_AUDIT.glob("*")) if SHARED_AUDIT.is_dir() else set()
    try:
        yield people
    finally:
        people.remove()
        shutil.rmtree(SITE_DIR, ignore_errors=True)
        for path in set(SHARED_AUDIT.glob("*")) - audit_before:
            path.unlink()
        shutil.rmtree(base, ignore_errors=True)


def test_shared_workstation_policy_holds_for_two_users_whose_runs_are_audited(
        workstation: Path, clinicians: Clinicians) -> None:
    deb = next(workstation.glob("lightbox_*.deb"))
    run(["apt-get", *OFFLINE, "install", "-y", f"./{deb.name}"], cwd=workstation)
    # IT's policy: the main file sets the shared audit and locks identity; a drop-in (what
    # a central tool writes) allows one model.
    (SITE_DIR / "conf.d").mkdir(parents=True, mode=0o755)
    (SITE_DIR / "lightbox.toml").write_text(
        f'audit_dir = "{SHARED_AUDIT}"\nhide_identity = true\nlocked = ["hide_identity"]\n',
        encoding="utf-8")
    dropin = SITE_DIR / "conf.d" / "10-models.toml"
    dropin.write_text(f'allowed_models = ["{ALLOWED}"]\n', encoding="utf-8")
    for path in (SITE_DIR / "lightbox.toml", dropin):
        path.chmod(0o644)
    clinicians.add()
    # What a user would point the site file at to get every model: a missing file.
    escape = clinicians.base / "no-policy.toml"

    for name in clinicians.names:
        refused = clinicians.infer(name, DISALLOWED, escape)
        assert refused.returncode == 1, refused.stderr
        assert (f"model {DISALLOWED} is unavailable: not allowed by the site configuration"
                in refused.stderr)
        done = clinicians.infer(name, ALLOWED, escape)
        assert done.returncode == 0, done.stderr
        assert f"{ALLOWED}-frame-0001.json" in done.stdout
        report = clinicians.lightbox(name, "--self-test", "--no-qt", site=escape)
        assert report.returncode == 0, report.stdout + report.stderr
        line = next(x for x in report.stdout.splitlines() if " configuration: " in x)
        assert "ignored (not developer mode): LIGHTBOX_SITE_CONFIG, LIGHTBOX_AUDIT_DIR" in line
        assert not (clinicians.home(name) / "my-audit").exists()  # the audit did not move

    # Both runs are in the shared audit, each account's in its own chain, and verify.
    verified = subprocess.run(["lightbox", "audit", "verify"], capture_output=True,
                              text=True, env=machine_env(), timeout=300, cwd=workstation)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    for name in clinicians.names:
        log = log_name(pwd.getpwnam(name).pw_uid, name)
        assert (SHARED_AUDIT / log).is_file()
        assert f"{log}: intact, 1 signed record(s) of {name}" in verified.stdout, \
            verified.stdout

    # A typo in the drop-in fails closed for both users, whichever site file they name:
    # no model runs, not even the allowed one, and each command says why.
    dropin.write_text(f'allowed_models = ["{ALLOWED}"\n', encoding="utf-8")
    permissive = clinicians.base / "permissive.toml"
    permissive.write_text("hide_identity = false\n", encoding="utf-8")
    permissive.chmod(0o644)
    for name in clinicians.names:
        for model in (ALLOWED, DISALLOWED):
            blocked = clinicians.infer(name, model, permissive)
            assert blocked.returncode == 1
            assert f"model {model} is unavailable: the site configuration has a mistake" \
                in blocked.stderr, blocked.stderr
        listing = clinicians.lightbox(name, "models", site=permissive)
        assert listing.returncode == 1
        assert f"lightbox models: {dropin}: line " in listing.stderr
        assert "fails closed" in listing.stderr
        report = clinicians.lightbox(name, "--self-test", "--no-qt", site=permissive)
        assert report.returncode == 1
        assert f"FAIL  configuration: {dropin}: line " in report.stdout
    dropin.write_text(f'allowed_models = ["{ALLOWED}"]\n', encoding="utf-8")

    # Uninstalling (remove, then purge) leaves the users' results, keys and audit alone.
    kept = [*(clinicians.home(n) / "out" / ALLOWED for n in clinicians.names),
            *(clinicians.home(n) / ".config" / "lightbox" for n in clinicians.names),
            *SHARED_AUDIT.glob("ai-runs-*"), SITE_DIR / "lightbox.toml", dropin]
    before = {path: sorted(p.name for p in path.rglob("*")) if path.is_dir()
              else path.read_bytes() for path in kept}
    run(["apt-get", "remove", "-y", "lightbox"])
    run(["apt-get", "purge", "-y", "lightbox"])
    assert not Path("/opt/lightbox").exists() and not Path("/usr/bin/lightbox").exists()
    after = {path: sorted(p.name for p in path.rglob("*")) if path.is_dir()
             else path.read_bytes() for path in kept}
    assert after == before
