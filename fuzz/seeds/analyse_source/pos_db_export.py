# GIL102: a nightly DB export job: `import multiprocessing as mp` with starmap,
# apply_async and functools.partial targets, mp.Process running subprocess, and a
# spawn-context pool; clients are psycopg2, sqlite3, boto3, redis and `from time import sleep`.
import functools
import multiprocessing as mp
import sqlite3
import subprocess
from time import sleep

import boto3
import psycopg2
import redis


def export_table(dsn, table):
    conn = psycopg2.connect(dsn)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT * FROM " + table)
            return cur.fetchall()
    finally:
        conn.close()


def snapshot_sqlite(src, dest):
    with sqlite3.connect(src) as conn:
        conn.execute("VACUUM INTO ?", (dest,))
    return dest


def upload(path, bucket, prefix="exports/"):
    s3 = boto3.client("s3")
    s3.upload_file(path, bucket, prefix + path)
    return path


def dump_with_pg_dump(dsn, out_path):
    subprocess.run(["pg_dump", "--dbname", dsn, "--file", out_path], check=True)


def wait_until_ready(host, attempts=60):
    client = redis.Redis(host=host)
    for _ in range(attempts):
        if client.ping():
            return True
        sleep(1)
    return False


def main(dsn, tables, sqlite_files, bucket):
    with mp.Pool(processes=4) as pool:
        rows = pool.starmap(export_table, [(dsn, t) for t in tables], chunksize=1)  # expect: GIL102
        snaps = [pool.apply_async(snapshot_sqlite, (p, p + ".bak")) for p in sqlite_files]  # expect: GIL102
        uploaded = pool.map(functools.partial(upload, bucket=bucket), sqlite_files, chunksize=1)  # expect: GIL102
        snapped = [s.get() for s in snaps]
    dumper = mp.Process(target=dump_with_pg_dump, args=(dsn, "/tmp/db.sql"))  # expect: GIL102
    dumper.start()
    dumper.join()
    with mp.get_context("spawn").Pool(2) as spool:
        ready = spool.map(wait_until_ready, ["cache-a", "cache-b"], chunksize=1)  # expect: GIL102
    return rows, snapped, uploaded, ready


if __name__ == "__main__":
    main("dbname=shop", ["orders", "customers"], ["local.db"], "nightly-exports")
