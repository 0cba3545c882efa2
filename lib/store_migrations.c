/* store_migrations.c — the device database schema, as an ordered list of
 * migrations. This file is the one source of truth (docs/store.md describes
 * it); a database records every applied version in schema_version, and
 * spa_store_open applies the missing ones in order, each in a transaction.
 * Never edit a released migration: append a new one. */
#include "store_int.h"

static const char m001_initial[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);\n"
    "INSERT INTO meta VALUES('config_gen', 0);\n"
    "CREATE TABLE accounts(\n"
    "  id TEXT PRIMARY KEY,\n"
    "  name TEXT NOT NULL DEFAULT '',\n"
    "  number TEXT NOT NULL DEFAULT '',\n"
    "  password TEXT,\n"
    "  pin TEXT UNIQUE,\n"
    "  pin_used INTEGER NOT NULL DEFAULT 0,\n"
    "  created INTEGER NOT NULL);\n"
    "CREATE TABLE groups(\n"
    "  name TEXT PRIMARY KEY,\n"
    "  description TEXT NOT NULL DEFAULT '',\n"
    "  created INTEGER NOT NULL);\n"
    "CREATE TABLE devices(\n"
    "  mac TEXT PRIMARY KEY CHECK(length(mac) = 12 AND mac NOT GLOB '*[^0-9a-f]*'),\n"
    "  serial TEXT NOT NULL DEFAULT '',\n"
    "  model TEXT NOT NULL,\n"
    "  account TEXT REFERENCES accounts(id) ON DELETE RESTRICT,\n"
    "  grp TEXT REFERENCES groups(name) ON DELETE RESTRICT,\n"
    "  fw_seen TEXT NOT NULL DEFAULT '',\n"
    "  last_contact INTEGER NOT NULL DEFAULT 0,\n"
    "  key TEXT NOT NULL,\n"
    "  path TEXT NOT NULL,\n"
    "  prev_key TEXT,\n"
    "  prev_path TEXT,\n"
    "  key_gen INTEGER NOT NULL DEFAULT 0,\n"
    "  state TEXT NOT NULL DEFAULT 'new'\n"
    "    CHECK(state IN ('new','bootstrap','provisioned','disabled')),\n"
    "  created INTEGER NOT NULL);\n"
    "CREATE INDEX devices_account ON devices(account);\n"
    "CREATE INDEX devices_grp ON devices(grp);\n"
    "CREATE INDEX devices_model ON devices(model);\n"
    "CREATE UNIQUE INDEX devices_path ON devices(path);\n"
    "CREATE TABLE params(\n"
    "  scope INTEGER NOT NULL CHECK(scope BETWEEN 0 AND 4),\n"
    "  target TEXT NOT NULL,\n"
    "  name TEXT NOT NULL,\n"
    "  value TEXT,\n"
    "  access TEXT CHECK(access IS NULL OR access IN ('na','ro','rw')),\n"
    "  PRIMARY KEY(scope, target, name));\n"
    "CREATE TABLE scope_gen(\n"
    "  scope INTEGER NOT NULL,\n"
    "  target TEXT NOT NULL,\n"
    "  gen INTEGER NOT NULL,\n"
    "  PRIMARY KEY(scope, target)) WITHOUT ROWID;\n"
    "CREATE TRIGGER devices_gone AFTER DELETE ON devices BEGIN\n"
    "  DELETE FROM params WHERE scope = 4 AND target = OLD.mac;\n"
    "  DELETE FROM scope_gen WHERE scope = 4 AND target = OLD.mac;\n"
    "END;\n"
    "CREATE TRIGGER accounts_gone AFTER DELETE ON accounts BEGIN\n"
    "  DELETE FROM params WHERE scope = 3 AND target = OLD.id;\n"
    "END;\n"
    "CREATE TRIGGER groups_gone AFTER DELETE ON groups BEGIN\n"
    "  DELETE FROM params WHERE scope = 2 AND target = OLD.name;\n"
    "END;\n"
    "CREATE TABLE firmware(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  model TEXT NOT NULL,\n"
    "  version TEXT NOT NULL,\n"
    "  path TEXT NOT NULL,\n"
    "  size INTEGER NOT NULL,\n"
    "  sha256 TEXT NOT NULL,\n"
    "  staged INTEGER NOT NULL DEFAULT 0,\n"
    "  added INTEGER NOT NULL,\n"
    "  UNIQUE(model, version));\n"
    "CREATE TABLE events(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  time INTEGER NOT NULL,\n"
    "  mac TEXT NOT NULL DEFAULT '',\n"
    "  kind TEXT NOT NULL\n"
    "    CHECK(kind IN ('request','result','syslog','report','security')),\n"
    "  text TEXT NOT NULL,\n"
    "  blob BLOB);\n"
    "CREATE INDEX events_time ON events(time);\n";

/* Queries by device over a time window are the common case (`spaprov events
 * --mac M --since T`); the plain MAC index of a first draft was not enough. */
static const char m002_events_mac_time[] =
    "CREATE INDEX events_mac_time ON events(mac, time);\n";

/* SEC-PRV-2 requests name a device by its current or previous random
 * directory (spa_store_device_by_path); prev_path needs its own index. */
static const char m_prev_path_index[] =
    "CREATE INDEX devices_prev_path ON devices(prev_path);\n";

/* Retail binding PINs (docs/flows-retail-reports.md): the PIN is kept as its
 * SHA-256 ("sha256:HEX"), with an expiry and the device that used it. PINs
 * written in the clear by earlier builds are dropped (they never matched a
 * hashed lookup); the operator issues new ones with `spaprov account pin`. */
static const char m_pins_hashed[] =
    "ALTER TABLE accounts ADD COLUMN pin_expires INTEGER NOT NULL DEFAULT 0;\n"
    "ALTER TABLE accounts ADD COLUMN pin_mac TEXT;\n"
    "ALTER TABLE accounts ADD COLUMN pin_used_at INTEGER NOT NULL DEFAULT 0;\n"
    "UPDATE accounts SET pin = NULL, pin_used = 0\n"
    "  WHERE pin IS NOT NULL AND pin NOT LIKE 'sha256:%';\n";

/* Firmware flows (issue 7, flow 5): per-model / per-group firmware targets
 * with their required intermediate versions, and `upgrade` events (the
 * events table is rebuilt: SQLite cannot change a CHECK constraint).
 * Remote customization (flow 7): the companies a vendor-mode spaprovd
 * customizes units for, and which unit (MAC) belongs to which company. */
static const char m003_firmware_rc[] =
    "CREATE TABLE fw_targets(\n"
    "  scope INTEGER NOT NULL CHECK(scope IN (1, 2)),\n"
    "  target TEXT NOT NULL,\n"
    "  model TEXT NOT NULL,\n"
    "  version TEXT NOT NULL,\n"
    "  via TEXT NOT NULL DEFAULT '',\n"
    "  PRIMARY KEY(scope, target, model));\n"
    "CREATE TRIGGER groups_gone_fw AFTER DELETE ON groups BEGIN\n"
    "  DELETE FROM fw_targets WHERE scope = 2 AND target = OLD.name;\n"
    "END;\n"
    "CREATE TABLE events_v3(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  time INTEGER NOT NULL,\n"
    "  mac TEXT NOT NULL DEFAULT '',\n"
    "  kind TEXT NOT NULL\n"
    "    CHECK(kind IN ('request','result','syslog','report','security','upgrade')),\n"
    "  text TEXT NOT NULL,\n"
    "  blob BLOB);\n"
    "INSERT INTO events_v3(id, time, mac, kind, text, blob)\n"
    "  SELECT id, time, mac, kind, text, blob FROM events;\n"
    "DROP TABLE events;\n"
    "ALTER TABLE events_v3 RENAME TO events;\n"
    "CREATE INDEX events_time ON events(time);\n"
    "CREATE INDEX events_mac_time ON events(mac, time);\n"
    "CREATE TABLE rc_companies(\n"
    "  name TEXT PRIMARY KEY,\n"
    "  domains TEXT NOT NULL DEFAULT '',\n"
    "  dns TEXT NOT NULL DEFAULT '',\n"
    "  url TEXT NOT NULL,\n"
    "  created INTEGER NOT NULL);\n"
    "CREATE TABLE rc_units(\n"
    "  mac TEXT PRIMARY KEY CHECK(length(mac) = 12 AND mac NOT GLOB '*[^0-9a-f]*'),\n"
    "  company TEXT NOT NULL REFERENCES rc_companies(name) ON DELETE RESTRICT,\n"
    "  key TEXT,\n"
    "  assigned INTEGER NOT NULL);\n"
    "CREATE INDEX rc_units_company ON rc_units(company);\n";

static const spa_migration migrations[] = {
    { 1, "initial schema", m001_initial },
    { 2, "events by device and time", m002_events_mac_time },
    { 3, "devices by previous profile directory", m_prev_path_index },
    { 4, "binding PINs hashed, with expiry", m_pins_hashed },
    { 5, "firmware targets, upgrade events, remote customization", m003_firmware_rc },
};

const spa_migration *spa_store_migrations(size_t *n)
{
    *n = sizeof migrations / sizeof migrations[0];
    return migrations;
}
