#!/usr/bin/env bash
# Restore of a scripts/backup.sh backup into an EMPTY (or to-be-replaced) database and DATA_DIR. Usage:
#   DATABASE_URL=postgres://… DATA_DIR=/var/lib/data-sync scripts/restore.sh /var/backups/data-sync/data-sync-…Z
# Stop the API and workers first. DATA_DIR must be the same path as when the backup was taken: catalog rows
# store absolute file paths. The checksums are verified before anything is touched; the database is restored in
# one transaction (--clean --if-exists replaces existing objects), then the files are unpacked.
# Afterwards: start the service; re-syncing a restored file inserts nothing (rows are keyed by content).
set -euo pipefail

src=${1:?usage: restore.sh BACKUP_DIR}
: "${DATABASE_URL:?DATABASE_URL is required}"
: "${DATA_DIR:?DATA_DIR is required}"

(cd "$src" && sha256sum --check --quiet SHA256SUMS) || { echo "checksum mismatch in $src: not restoring" >&2; exit 1; }

pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction --exit-on-error \
  --dbname="$DATABASE_URL" "$src/db.dump"
mkdir -p "$DATA_DIR"
tar -C "$DATA_DIR" -xzf "$src/data-dir.tar.gz"
echo "restored $src into the database and $DATA_DIR"
