#!/usr/bin/env bash
# Backup of data-sync: PostgreSQL (pg_dump, custom format) and a snapshot of DATA_DIR (uploaded files, which
# catalog rows point to). Usage:
#   DATABASE_URL=postgres://… DATA_DIR=/var/lib/data-sync scripts/backup.sh /var/backups/data-sync
# Writes BACKUP_ROOT/data-sync-YYYYMMDDTHHMMSSZ/{db.dump,data-dir.tar.gz,SHA256SUMS} and prints that path.
# Order: the database first, then the files. Uploaded files are content-addressed and never changed, so every
# file a dumped row points to is in the snapshot (files uploaded after the dump are harmless extras).
# Safe while the service runs (pg_dump reads one consistent snapshot). Restore: scripts/restore.sh; docs/deployment.md.
set -euo pipefail

root=${1:?usage: backup.sh BACKUP_ROOT}
: "${DATABASE_URL:?DATABASE_URL is required}"
: "${DATA_DIR:?DATA_DIR is required}"
[ -d "$DATA_DIR" ] || { echo "DATA_DIR $DATA_DIR does not exist" >&2; exit 1; }

dest="$root/data-sync-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$root"
mkdir "$dest" # never into an existing backup
umask 077

pg_dump --format=custom --compress=6 --no-owner --no-privileges --file="$dest/db.dump" --dbname="$DATABASE_URL"
# Not the embedded database (pg/, single-process mode only: back it up stopped, or use PostgreSQL), the local
# Redis files, or lock files.
tar -C "$DATA_DIR" --exclude=./pg --exclude=./redis --exclude='./*.lock' -czf "$dest/data-dir.tar.gz" .
(cd "$dest" && sha256sum db.dump data-dir.tar.gz > SHA256SUMS)
echo "$dest"
