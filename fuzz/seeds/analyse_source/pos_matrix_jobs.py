# GIL103: NumPy matrix jobs sent to process pools, where pickling the arrays costs more
# than the GIL-free BLAS/FFT work gains: ProcessPoolExecutor map/submit,
# multiprocessing.Pool map/apply_async, a spawn-context pool, and helpers from linalg_utils.py.
import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from linalg_utils import principal_axes, whiten


def invert_block(a):
    return np.linalg.inv(a)


def spectrum(signal):
    return np.abs(np.fft.rfft(signal))


def covariance(x):
    return np.dot(x.T, x) / x.shape[0]


def main():
    rng = np.random.default_rng(42)
    blocks = [rng.standard_normal((512, 512)) for _ in range(8)]
    with ProcessPoolExecutor(max_workers=4) as pool:
        inverses = list(pool.map(invert_block, blocks, chunksize=2))  # expect: GIL103
        covs = [pool.submit(covariance, b) for b in blocks]  # expect: GIL103
        axes = pool.submit(principal_axes, blocks[0], 3)  # expect: GIL103
    with mp.Pool(4) as mpool:
        spectra = mpool.map(spectrum, [b.ravel() for b in blocks], chunksize=2)  # expect: GIL103
        pending = [mpool.apply_async(whiten, (b,)) for b in blocks]  # expect: GIL103
        white = [w.get() for w in pending]
    with mp.get_context("spawn").Pool(2) as spool:
        again = list(spool.imap(invert_block, blocks, chunksize=4))  # expect: GIL103
    return inverses, [c.result() for c in covs], axes.result(), spectra, white, again


if __name__ == "__main__":
    main()
