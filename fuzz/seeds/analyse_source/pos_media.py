# GIL103: an image thumbnailer, a backup compressor and an embedding job pushing
# GIL-releasing C work (scipy.ndimage, zlib, bz2, lzma, torch) into processes: joblib's
# default and loky backends, multiprocessing.Process, submit, and a class dispatching self._resize.
import bz2
import lzma
import multiprocessing
import zlib
from concurrent.futures import ProcessPoolExecutor

import torch
from joblib import Parallel, delayed
from scipy import ndimage


def make_thumbnail(image, factor=0.25):
    return ndimage.zoom(image, (factor, factor, 1), order=1)


def pack(blob):
    return zlib.compress(blob, 9)


def pack_archive(blob, out):
    out.put(lzma.compress(bz2.compress(blob)))


def embed(batch, weights):
    return torch.relu(torch.matmul(batch, weights))


class Thumbnailer:
    def __init__(self, size):
        self.size = size

    def _resize(self, image):
        return ndimage.zoom(image, (self.size / image.shape[0], self.size / image.shape[1], 1), order=1)

    def resize_all(self, images):
        with ProcessPoolExecutor(max_workers=4) as ex:
            return list(ex.map(self._resize, images, chunksize=4))  # expect: GIL103


def main(images, blobs, batches, weights):
    thumbs = Parallel(n_jobs=4)(delayed(make_thumbnail)(img) for img in images)  # expect: GIL103
    packed = Parallel(n_jobs=4, backend="loky")(delayed(pack)(b) for b in blobs)  # expect: GIL103
    out = multiprocessing.Queue()
    archiver = multiprocessing.Process(target=pack_archive, args=(b"".join(blobs), out))  # expect: GIL103
    archiver.start()
    archive = out.get()
    archiver.join()
    with ProcessPoolExecutor(max_workers=2) as ex:
        embeddings = [ex.submit(embed, b, weights) for b in batches]  # expect: GIL103
    resized = Thumbnailer(128).resize_all(images)
    return thumbs, packed, archive, [e.result() for e in embeddings], resized


if __name__ == "__main__":
    main([], [b"data"], [], None)
