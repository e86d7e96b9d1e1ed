/* global process, URL, console */
/* eslint-disable no-console -- a command-line script reports what it did */
// Captures pgoutput messages from the real server as hex, for the decoder's golden tests
// (src/decode/fixtures.json). Needs wal_level=logical; creates and drops its own table, slot and
// publication. Run: node packages/postgres/scripts/capture-fixtures.mjs [DATABASE_URL]
import { writeFileSync } from 'node:fs';
import pg from 'pg';

const url = process.argv[2] ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const db = new pg.Client({ connectionString: url });
await db.connect();
const slot = 'relais_capture';
const steps = [
  `CREATE TABLE capture_t (id int PRIMARY KEY, big bigint, num numeric, flag boolean, label text, uid uuid,
     doc jsonb, at timestamptz, tags text[], nums int[], blob text)`,
  'CREATE TABLE capture_full (id int PRIMARY KEY, label text)',
  'ALTER TABLE capture_full REPLICA IDENTITY FULL',
  'CREATE PUBLICATION relais_capture FOR TABLE capture_t, capture_full',
  `SELECT pg_create_logical_replication_slot('${slot}', 'pgoutput')`,
];
const changes = [
  `INSERT INTO capture_t VALUES (1, 9007199254740993, 12345678901234567890.125, true, 'it''s', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
     '{"a":[1,2],"b":null}', '2024-01-02 03:04:05.123456+00', '{"a b","c,d",NULL}', '{1,2,3}', (SELECT string_agg(md5(i::text), '') FROM generate_series(1, 200) i))`,
  "UPDATE capture_t SET label = 'changed' WHERE id = 1",
  'DELETE FROM capture_t WHERE id = 1',
  "INSERT INTO capture_full VALUES (7, 'seven')",
  "UPDATE capture_full SET label = 'SEVEN' WHERE id = 7",
  'DELETE FROM capture_full WHERE id = 7',
  'SELECT pg_logical_emit_message(true, \'relais\', \'{"channel":"chat:x","data":1}\')',
  'TRUNCATE capture_full',
];
try {
  await db.query("SET TimeZone = 'UTC'; SET DateStyle = ISO");
  for (const sql of steps) await db.query(sql);
  for (const sql of changes) await db.query(sql);
  const { rows } = await db.query(
    `SELECT lsn::text, encode(data, 'hex') AS hex FROM pg_logical_slot_peek_binary_changes($1, NULL, NULL,
       'proto_version', '1', 'publication_names', 'relais_capture', 'messages', 'true')`,
    [slot],
  );
  const out = { capturedWith: (await db.query('SELECT version()')).rows[0].version, statements: changes, messages: rows.map((r) => r.hex) };
  writeFileSync(new URL('../src/decode/fixtures.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
  console.log(`captured ${rows.length} messages`);
} finally {
  await db.query(`SELECT pg_drop_replication_slot('${slot}') FROM pg_replication_slots WHERE slot_name = '${slot}'`);
  await db.query('DROP PUBLICATION IF EXISTS relais_capture');
  await db.query('DROP TABLE IF EXISTS capture_t, capture_full');
  await db.end();
}
