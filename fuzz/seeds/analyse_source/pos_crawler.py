# GIL102: a site crawler that fetches pages in process pools: ProcessPoolExecutor map and
# submit (with a helper from net.py), multiprocessing.Pool.imap_unordered over
# `import urllib.request`, and joblib's default (loky, i.e. processes) backend.
import multiprocessing
import urllib.request
from concurrent.futures import ProcessPoolExecutor

import requests
from joblib import Parallel, delayed

from net import fetch_json_text


def fetch_page(url):
    resp = requests.get(url, timeout=10)
    return url, resp.status_code, resp.text


def download(url):
    with urllib.request.urlopen(url, timeout=30) as resp:
        return resp.read()


def main(urls):
    with ProcessPoolExecutor(max_workers=8) as pool:
        pages = list(pool.map(fetch_page, urls, chunksize=4))  # expect: GIL102
        users = pool.submit(fetch_json_text, "/users")  # expect: GIL102
    with multiprocessing.Pool(processes=8) as mpool:
        blobs = list(mpool.imap_unordered(download, urls, chunksize=4))  # expect: GIL102
    statuses = Parallel(n_jobs=8)(delayed(fetch_page)(u) for u in urls)  # expect: GIL102
    return pages, users.result(), blobs, statuses


if __name__ == "__main__":
    main(["https://example.org/", "https://example.org/about"])
