#!/bin/sh
# Set up Lightbox's shared folders with the owner and mode every user of the machine needs.
# Run as root by the package's post-install (and by IT after changing the site file):
#
#   setup-shared-folders.sh [--group NAME] [--audit DIR] [--logs DIR] [--models DIR]...
#                           [--cache DIR]...
#
#   --audit DIR   the shared AI audit folder (default: the site file's audit_dir, else
#                 /var/lib/lightbox/audit): root:GROUP,
#                 mode 3770 (setgid: files inherit the group; sticky: nobody deletes or
#                 renames another account's log). Each account writes its own log in it,
#                 ai-runs-<uid>-<user>.jsonl, mode 0600.
#   --logs DIR    a shared application-log folder (the site's log_dir, e.g.
#                 /var/log/lightbox): root:GROUP 3770; each account writes
#                 lightbox-<uid>-<user>.log and its own crash reports in it.
#   --models DIR  a model folder: root:root 0755, readable by all, written by IT only
#                 (models are signed; users never write them).
#   --cache DIR   a shared cache (the study cache): root:GROUP 3770, like the audit folder.
#   --group NAME  the group of the accounts that run Lightbox (default lightbox); created
#                 as a system group if missing. Add users with: usermod -aG lightbox USER
#
# Existing folders are corrected, never emptied; files inside are left alone. Idempotent.
# Paths must not contain spaces. Installed by the .deb as /usr/lib/lightbox/, run by its
# post-install with no arguments.
set -eu

group=lightbox
audit=""
site=${LIGHTBOX_SITE_FILE:-/etc/lightbox/lightbox.toml}
models=""
caches=""
while [ $# -gt 0 ]; do
    case "$1" in
        --group) group=$2; shift 2 ;;
        --audit) audit=$2; shift 2 ;;
        --logs) caches="$caches $2"; shift 2 ;;
        --models) models="$models $2"; shift 2 ;;
        --cache) caches="$caches $2"; shift 2 ;;
        -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
        *) echo "setup-shared-folders.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done

if [ -z "$audit" ] && [ -r "$site" ]; then
    # audit_dir = "/path" or '/path' on a line of its own, as in lightbox.toml.example
    audit=$(sed -n "s/^[[:space:]]*audit_dir[[:space:]]*=[[:space:]]*[\"']\([^\"']*\)[\"'].*/\1/p" \
        "$site" | tail -n 1)
fi
audit=${audit:-/var/lib/lightbox/audit}

if [ "$(id -u)" != 0 ]; then
    echo "setup-shared-folders.sh: run as root (it sets owners and modes)" >&2
    exit 1
fi

if ! getent group "$group" >/dev/null; then
    groupadd --system "$group"
fi

shared() {  # root:GROUP, setgid + sticky, no access for others
    mkdir -p "$1"
    chown root:"$group" "$1"
    chmod 3770 "$1"
}

shared "$audit"
for dir in $caches; do shared "$dir"; done
for dir in $models; do
    mkdir -p "$dir"
    chown root:root "$dir"
    chmod 0755 "$dir"
done
