"""The issue 19 reference for ingest: raw SQLite WAL commits of the same 100-event transactions, a Python loop.

Usage: raw_sqlite_loop.py DB EVENTS_FILE EVENTS_PER_TXN
EVENTS_FILE holds one JSON array per line: [event_id, origin_ts, room_id, event_json], in order. All of it is read
before the clock starts; the loop then builds each transaction's rows, inserts them into a table shaped like the
bridge's inbox_event (same columns, same unique (origin_ts, event_id) key) and commits (WAL, synchronous=FULL).
Prints one line: "events_per_second p50_ms p99_ms max_ms" (the rate over the whole loop, the latencies of each
transaction's insert and commit).
"""
import json
import sqlite3
import sys
import time

db_path, events_path, per_txn = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(events_path, encoding="utf-8") as f:
    events = [json.loads(line) for line in f]

db = sqlite3.connect(db_path, isolation_level="DEFERRED")
db.execute("PRAGMA journal_mode = WAL")
db.execute("PRAGMA synchronous = FULL")
db.execute("CREATE TABLE inbox_event (seq BIGINT NOT NULL PRIMARY KEY, event_id TEXT, room_id TEXT, "
           "kind TEXT NOT NULL, body TEXT NOT NULL, received_at BIGINT NOT NULL, origin_ts BIGINT NOT NULL DEFAULT 0)")
db.execute("CREATE UNIQUE INDEX inbox_event_key ON inbox_event (origin_ts, event_id)")
db.commit()

sql = "INSERT INTO inbox_event (seq, event_id, origin_ts, room_id, kind, body, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
latencies = []
start = time.perf_counter()
for first in range(0, len(events) - per_txn + 1, per_txn):
    now = int(time.time() * 1000)
    rows = [(first + i + 1, e[0], e[1], e[2], "pdu", e[3], now) for i, e in enumerate(events[first:first + per_txn])]
    t0 = time.perf_counter()
    db.executemany(sql, rows)
    db.commit()
    latencies.append(time.perf_counter() - t0)
elapsed = time.perf_counter() - start
db.close()

latencies.sort()
n = len(latencies)
print("%.0f %.3f %.3f %.3f" % (n * per_txn / elapsed, latencies[n // 2] * 1e3, latencies[int(n * 0.99)] * 1e3,
                               latencies[-1] * 1e3))
