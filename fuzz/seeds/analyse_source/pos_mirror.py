# GIL102: a mirror tool whose class dispatches its own bound method (self.fetch) to
# `ProcessPoolExecutor as Executor`, plus a file-reading helper from storage.py.
import sys
import urllib.request
from concurrent.futures import ProcessPoolExecutor as Executor

from storage import read_blob


class Mirror:
    def __init__(self, base, workers=4):
        self.base = base
        self.workers = workers

    def fetch(self, name):
        with urllib.request.urlopen(self.base + name, timeout=20) as resp:
            return name, resp.read()

    def sync(self, names):
        with Executor(max_workers=self.workers) as ex:
            return list(ex.map(self.fetch, names, chunksize=8))  # expect: GIL102


def load_inputs(paths):
    with Executor(max_workers=2) as ex:
        futures = [ex.submit(read_blob, p) for p in paths]  # expect: GIL102
    return [f.result() for f in futures]


def main(base, names, paths):
    mirror = Mirror(base)
    return mirror.sync(names), load_inputs(paths)


if __name__ == "__main__":
    main("https://mirror.example.org/pub/", sys.argv[1:], sys.argv[1:])
