# GIL104: an aiohttp scraper that awaits its downloads correctly (`async with
# aiohttp.ClientSession()`) but then blocks the loop: it writes each page with a sync
# helper that calls open(), and throttles with time.sleep instead of asyncio.sleep.
import asyncio
import sys
import time

import aiohttp


def save_page(path, html):
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(html)


async def scrape(urls, out_dir):
    async with aiohttp.ClientSession() as session:
        for i, url in enumerate(urls):
            async with session.get(url) as resp:
                html = await resp.text()
            save_page(out_dir + "/page" + str(i) + ".html", html)  # expect: GIL104
            time.sleep(0.2)  # expect: GIL104


if __name__ == "__main__":
    asyncio.run(scrape(sys.argv[2:], sys.argv[1]))
