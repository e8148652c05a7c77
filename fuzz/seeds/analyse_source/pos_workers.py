# GIL101: other thread dispatchers: a threading.Thread subclass whose run() is CPU-bound
# (reported where it is instantiated), a nested closure as target, recursion, and
# multiprocessing.pool.ThreadPool, multiprocessing.dummy.Pool and joblib with threads.
import queue
import threading
from multiprocessing.dummy import Pool as DummyPool
from multiprocessing.pool import ThreadPool

from joblib import Parallel, delayed


def is_prime(n):
    if n < 2:
        return False
    i = 2
    while i * i <= n:
        if n % i == 0:
            return False
        i += 1
    return True


def count_primes(lo, hi):
    found = 0
    for n in range(lo, hi):
        if is_prime(n):
            found += 1
    return found


class PrimeWorker(threading.Thread):
    def __init__(self, lo, hi, results):
        super().__init__(daemon=True)
        self.lo = lo
        self.hi = hi
        self.results = results

    def run(self):
        self.results.put(count_primes(self.lo, self.hi))


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def edit_distance(a, b):
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def spawn_counters(limit, n_threads):
    results = queue.Queue()
    step = limit // n_threads

    def count_range(start):
        results.put(count_primes(start, start + step))

    threads = []
    for k in range(n_threads):
        threads.append(threading.Thread(target=count_range, args=(k * step,)))  # expect: GIL101
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [results.get() for _ in threads]


def main(words):
    results = queue.Queue()
    workers = [PrimeWorker(lo, lo + 50_000, results) for lo in range(0, 200_000, 50_000)]  # expect: GIL101
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    counted = spawn_counters(100_000, 4)

    with ThreadPool(4) as tp:
        fibs = tp.map(fib, [25, 26, 27, 28])  # expect: GIL101
    pairs = [(a, b) for a in words for b in words]
    with DummyPool(4) as dp:
        dists = dp.map(lambda pair: edit_distance(pair[0], pair[1]), pairs)  # expect: GIL101
    more = Parallel(n_jobs=4, prefer="threads")(delayed(edit_distance)(a, b) for a, b in pairs)  # expect: GIL101
    big = Parallel(n_jobs=2, backend="threading")(delayed(fib)(n) for n in (24, 25))  # expect: GIL101
    return [results.get() for _ in workers], counted, fibs, dists, more, big


if __name__ == "__main__":
    print(main(["kitten", "sitting", "mitten"]))
