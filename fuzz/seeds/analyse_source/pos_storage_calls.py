# GIL104 through sync helpers: a coroutine calling a local helper that calls
# storage.load() (open() two calls down), `from storage import save`, a nested plain def
# called directly, asyncio.to_thread(fetch(url)) that calls fetch in the coroutine, and
# an awaited coroutine that blocks (reported inside it, not at the await).
import asyncio

import requests

import storage
from storage import save


def render_report(path):
    template = storage.load(path)
    return template.replace("{{title}}", "Daily report")


def fetch(url):
    return requests.get(url, timeout=10).text


async def report_handler(request):
    body = render_report("templates/report.html")  # expect: GIL104
    return body


async def save_handler(request):
    text = await request.text()
    save("data/latest.txt", text)  # expect: GIL104
    return "saved"


async def import_feed(url):
    def pull():
        return requests.get(url, timeout=30).content

    payload = pull()  # expect: GIL104
    return len(payload)


async def prefetch(url):
    html = await asyncio.to_thread(fetch(url))  # expect: GIL104
    return html


async def load_config(path):
    return storage.load(path)  # expect: GIL104


async def startup(app):
    app["config"] = await load_config("config.toml")
    app["feed"] = await import_feed("https://example.org/feed.xml")
