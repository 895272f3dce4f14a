#!/usr/bin/env bash
# Nightly backup of the hub's database. Call records are clinical records: keep backups
# encrypted, off the host, and for as long as your records policy says (8 years after the
# last entry for adult records under the NHS Records Management Code).
set -euo pipefail
: "${BACKUP_DIR:=/var/backups/telehub}"
: "${PGDATABASE:=telehub}"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$BACKUP_DIR"
if [ -n "${SQLITE_PATH:-}" ]; then
  # The embedded SQLite database: the online backup API gives a consistent copy.
  sqlite3 "$SQLITE_PATH" ".backup '$BACKUP_DIR/telehub-$stamp.sqlite3'"
  gzip "$BACKUP_DIR/telehub-$stamp.sqlite3"
else
  pg_dump --format=custom --file "$BACKUP_DIR/telehub-$stamp.pgdump" "$PGDATABASE"
fi
# Prove the newest backup restores before trusting it (restore into a scratch database).
find "$BACKUP_DIR" -name 'telehub-*' -mtime +30 -delete
