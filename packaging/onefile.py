"""The Linux single file: a POSIX shell launcher with the folder build appended.

PyInstaller's own single file unpacks itself into ``$TMPDIR`` (else ``/tmp``) at every
start, and its loader cannot be told to go elsewhere at run time (``runtime_tmpdir`` is
fixed at build time and, on Linux, not expanded: no ``~``, no ``$HOME``). Where that
folder is mounted ``noexec`` (many hardened machines) the loader stops before Python
starts with ``libz.so.1: failed to map segment from shared object``, a message no user
can act on.

This single file is instead ``#!/bin/sh`` followed by a gzip-compressed tar of the folder
build. The launcher (:data:`LAUNCHER`) picks the first of these folders that is the user's
own and lets programs run (it runs a two-line probe script there: the kernel's ``noexec``
check on ``execve`` is the same one that stops the loader's ``mmap``):

1. ``$LIGHTBOX_CACHE_DIR``, else ``${XDG_CACHE_HOME:-$HOME/.cache}/lightbox`` (the cache
   folder the app itself uses, ``viewer.host.folders.user_cache_dir``);
2. ``$XDG_RUNTIME_DIR/lightbox`` (a per-user tmpfs, normally not ``noexec``);
3. ``${TMPDIR:-/tmp}/lightbox-<uid>``,

each made mode 0700 and refused when it is a link or another account's. It unpacks the
program there once, into a temporary folder renamed into place only when complete
(``app-<version>-<digest>``), and runs it; later starts run the unpacked copy directly,
so after the first start the single file starts as fast as the folder build. When no
folder qualifies it refuses with exit status 126, naming the folders it tried and the
remedy (``LIGHTBOX_CACHE_DIR``, or the .deb / the archive). Windows and macOS keep
PyInstaller's single file (``lightbox.spec``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import bundle

#: The launcher. ``{skip}`` is its own length in bytes, so ``tail -c +$((skip + 1))``
#: starts at the payload; the rest is filled by :func:`launcher`. POSIX sh (dash).
LAUNCHER = r"""#!/bin/sh
# Lightbox {version} for Linux {arch}: this shell script is followed by the program (a
# gzip-compressed tar of the folder build, {payload_mib} MiB unpacked). On its first start
# it unpacks the program into a folder of the user's own that programs may run from, then
# runs it from there; later starts reuse that copy. See "The single file" in install.md.
set -u
name='app-{version}-{digest}'
skip={skip}
self=$0
tried=''

usable() {{  # $1: a folder; true when it is ours alone and programs may run from it
    [ -n "$1" ] || return 1
    mkdir -p -- "$1" 2>/dev/null || return 1
    [ -d "$1" ] && [ ! -L "$1" ] && [ -O "$1" ] || return 1
    chmod 700 -- "$1" 2>/dev/null || return 1
    probe="$1/.probe-$$"
    printf '#!/bin/sh\nexit 0\n' > "$probe" 2>/dev/null && chmod 700 -- "$probe" \
        && "$probe" 2>/dev/null
    ran=$?
    rm -f -- "$probe"
    return $ran
}}

unpack() {{  # $1: the folder; the program appears as $1/$name only once complete
    work=$(mktemp -d "$1/.unpacking-XXXXXX") || return 1
    if tail -c +$((skip + 1)) -- "$self" | tar -xzf - -C "$work" \
            && [ -x "$work/lightbox/lightbox" ] && [ ! -e "$1/$name" ]; then
        mv -- "$work/lightbox" "$1/$name"
    fi
    rm -rf -- "$work"
    [ -x "$1/$name/lightbox" ]
}}

uid=$(id -u)
cache=${{LIGHTBOX_CACHE_DIR:-}}
if [ -z "$cache" ] && [ -n "${{XDG_CACHE_HOME:-}}${{HOME:-}}" ]; then
    cache=${{XDG_CACHE_HOME:-$HOME/.cache}}/lightbox
fi
runtime=${{XDG_RUNTIME_DIR:+$XDG_RUNTIME_DIR/lightbox}}
for base in "$cache" "$runtime" "${{TMPDIR:-/tmp}}/lightbox-$uid"; do
    [ -n "$base" ] || continue
    if usable "$base"; then
        if [ -x "$base/$name/lightbox" ] || unpack "$base"; then
            exec "$base/$name/lightbox" "$@"
        fi
        printf '%s\n' "Lightbox could not unpack itself into $base (see the message" \
            "above): the disk may be full (it needs about {payload_mib} MiB there; or set" \
            "LIGHTBOX_CACHE_DIR to another folder of yours), or $self is incomplete" \
            "(copy or download it again)." >&2
        exit 1
    fi
    tried="$tried
  $base"
done
printf '%s\n' "Lightbox cannot start: it unpacks itself into a folder of yours and runs" \
    "from there, and none of these lets programs run (a file system mounted noexec, or a" \
    "folder that is not yours):$tried" \
    "Set LIGHTBOX_CACHE_DIR to a folder of yours that programs may run from, e.g." \
    "  mkdir -p \"\$HOME/lightbox-run\"; LIGHTBOX_CACHE_DIR=\"\$HOME/lightbox-run\" $self" \
    "or install the .deb, or unpack the portable archive (see install.md)." >&2
exit 126
"""


def single_file_name() -> str:
    return f"{bundle.EXE_NAME}-{bundle.version()}-linux-{os.uname().machine}"


def launcher(version: str, arch: str, digest: str, payload_bytes: int) -> bytes:
    """The launcher's text, with ``skip`` equal to its own length in bytes."""
    fields = {"version": version, "arch": arch, "digest": digest,
              "payload_mib": max(1, round(payload_bytes / 2**20))}
    skip = 0
    while True:  # the number's own digits count: settle on a fixed point
        text = LAUNCHER.format(skip=skip, **fields).encode("utf-8")
        if len(text) == skip:
            return text
        skip = len(text)


def _tree_bytes(folder: Path) -> int:
    return sum(p.lstat().st_size for p in folder.rglob("*") if not p.is_dir())


def build_single_file(folder: Path, out_dir: Path, name: str | None = None) -> Path:
    """``<out_dir>/lightbox-<version>-linux-<arch>``: the launcher, then ``folder`` (which
    must hold an executable ``lightbox``) as a tar.gz. Written beside, then renamed."""
    program = folder / bundle.EXE_NAME
    if not (program.is_file() and os.access(program, os.X_OK)):
        raise OSError(f"{folder} holds no executable {bundle.EXE_NAME}")
    target = out_dir / (name or single_file_name())
    with tempfile.TemporaryDirectory(prefix=".single-file-", dir=out_dir) as tmp:
        payload = Path(tmp) / "payload.tar.gz"
        # tar and gzip as the launcher's tar will read them; numeric owner 0, so an
        # unprivileged user's unpacked copy is simply theirs.
        with payload.open("wb") as out:
            tar = subprocess.Popen(
                ["tar", "-c", "--owner=0", "--group=0", "--numeric-owner", "-C",
                 str(folder.parent), "--transform", f"s,^{folder.name},lightbox,",
                 folder.name], stdout=subprocess.PIPE)
            assert tar.stdout is not None
            gzip = subprocess.run(["gzip", "-6", "-n"], stdin=tar.stdout, stdout=out)
            tar.stdout.close()
            if tar.wait() != 0 or gzip.returncode != 0:
                raise OSError(f"tar | gzip of {folder} failed")
        digest = hashlib.sha256()
        with payload.open("rb") as source:
            for block in iter(lambda: source.read(1 << 20), b""):
                digest.update(block)
        head = launcher(bundle.version(), os.uname().machine, digest.hexdigest()[:16],
                        _tree_bytes(folder))
        partial = Path(tmp) / target.name
        with partial.open("wb") as out, payload.open("rb") as source:
            out.write(head)
            shutil.copyfileobj(source, out, 1 << 20)
        partial.chmod(0o755)
        partial.replace(target)
    return target
