# GIL104: blocking calls made directly in aiohttp handlers: requests.get, `import
# urllib.request`, `from time import sleep`, subprocess.run, and a requests.Session
# created in __init__ and used later in an async method (self.session.get).
import subprocess
import urllib.request
from time import sleep

import requests
from aiohttp import web

EXPECTED_TOKEN = "s3cret"


async def proxy(request):
    url = request.query["url"]
    resp = requests.get(url, timeout=10)  # expect: GIL104
    return web.Response(text=resp.text, status=resp.status_code)


async def health(request):
    with urllib.request.urlopen("http://localhost:9200/_cluster/health", timeout=2) as resp:  # expect: GIL104
        status = resp.status
    return web.json_response({"elasticsearch": status})


async def login(request):
    form = await request.post()
    if form.get("token") != EXPECTED_TOKEN:
        sleep(1.0)  # expect: GIL104
        raise web.HTTPForbidden()
    return web.Response(text="welcome")


async def deploy(request):
    result = subprocess.run(["git", "pull", "--ff-only"], capture_output=True, text=True)  # expect: GIL104
    return web.Response(text=result.stdout)


class GitHubClient:
    def __init__(self, token):
        self.session = requests.Session()
        self.session.headers["Authorization"] = "token " + token

    async def repo(self, name):
        resp = self.session.get("https://api.github.com/repos/" + name, timeout=10)  # expect: GIL104
        return resp.status_code, resp.text


def make_app():
    app = web.Application()
    app.router.add_get("/proxy", proxy)
    app.router.add_get("/health", health)
    app.router.add_post("/login", login)
    app.router.add_post("/deploy", deploy)
    return app


if __name__ == "__main__":
    web.run_app(make_app())
