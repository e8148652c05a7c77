# GIL101: CPU-bound log parsing sent to threads: threading.Thread whose target calls
# `from parsing import parse_all`, a per-line loop over an open() file (cpu, not io),
# the alias `ThreadPoolExecutor as Pool`, and a lambda whose subject is parse_file.
import queue
import sys
import threading
from concurrent.futures import ThreadPoolExecutor as Pool

from parsing import parse_all


def parse_file(path, encoding="utf-8"):
    """Sum response bytes per status; the per-line Python work dominates the reads."""
    totals = {}
    with open(path, encoding=encoding, errors="replace") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) < 10 or not parts[9].isdigit():
                continue
            status = int(parts[8])
            totals[status] = totals.get(status, 0) + int(parts[9])
    return totals


def parse_worker(lines, out):
    out.put(parse_all(lines))


def split_chunks(lines, n):
    size = max(1, len(lines) // n)
    return [lines[i:i + size] for i in range(0, len(lines), size)]


def merge(dicts):
    merged = {}
    for d in dicts:
        for status, size in d.items():
            merged[status] = merged.get(status, 0) + size
    return merged


def main(paths, legacy_paths):
    with open(paths[0], encoding="utf-8") as fh:
        lines = fh.readlines()
    out = queue.Queue()
    threads = [threading.Thread(target=parse_worker, args=(chunk, out)) for chunk in split_chunks(lines, 4)]  # expect: GIL101
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    partials = [out.get() for _ in threads]

    with Pool(max_workers=4) as pool:
        per_file = list(pool.map(parse_file, paths))  # expect: GIL101
        legacy = list(pool.map(lambda p: parse_file(p, encoding="latin-1"), legacy_paths))  # expect: GIL101
    return merge(partials + per_file + legacy)


if __name__ == "__main__":
    print(main(sys.argv[1:], []))
