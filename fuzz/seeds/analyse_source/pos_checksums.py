# GIL101: pure-Python checksums (Adler-32, FNV-1a) in thread pools: `import
# concurrent.futures as cf`, a class that keeps its executor in self.pool and submits
# self._digest, functools.partial with a keyword, and a plain submit.
import concurrent.futures as cf
import functools
import sys

MOD_ADLER = 65521


def adler32_py(data, start=1):
    a = start & 0xFFFF
    b = (start >> 16) & 0xFFFF
    for byte in data:
        a = (a + byte) % MOD_ADLER
        b = (b + a) % MOD_ADLER
    return (b << 16) | a


def fnv1a_64(data, seed=0xCBF29CE484222325):
    h = seed
    for byte in data:
        h ^= byte
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


class ChecksumIndex:
    def __init__(self, workers=4):
        self.pool = cf.ThreadPoolExecutor(max_workers=workers)

    def _digest(self, blob):
        return adler32_py(blob), fnv1a_64(blob)

    def index(self, blobs):
        futures = [self.pool.submit(self._digest, blob) for blob in blobs]  # expect: GIL101
        return [f.result() for f in futures]

    def close(self):
        self.pool.shutdown(wait=True)


def read_blobs(paths):
    blobs = []
    for p in paths:
        with open(p, "rb") as fh:
            blobs.append(fh.read())
    return blobs


def main(paths):
    blobs = read_blobs(paths)
    idx = ChecksumIndex(workers=4)
    try:
        sums = idx.index(blobs)
    finally:
        idx.close()
    with cf.ThreadPoolExecutor(max_workers=4) as ex:
        seeded = list(ex.map(functools.partial(fnv1a_64, seed=0x84222325), blobs))  # expect: GIL101
        first = ex.submit(adler32_py, blobs[0], 7)  # expect: GIL101
    return sums, seeded, first.result()


if __name__ == "__main__":
    print(main(sys.argv[1:]))
