# GIL101: a web service that "offloads" CPU-bound work from the event loop to the
# default thread pool with asyncio.to_thread and loop.run_in_executor(None, ...),
# including a target imported from parsing.py and a functools.partial.
import asyncio
import functools

from parsing import parse_all


def render_markdown(text):
    out = []
    for line in text.splitlines():
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            out.append("<h%d>%s</h%d>" % (level, line[level:].strip(), level))
        else:
            out.append("<p>" + line + "</p>")
    return "\n".join(out)


async def render_handler(request):
    body = await request.text()
    html = await asyncio.to_thread(render_markdown, body)  # expect: GIL101
    return html


async def stats_handler(request):
    body = await request.text()
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, parse_all, body.splitlines())  # expect: GIL101


async def preview_handler(request):
    body = await request.text()
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, functools.partial(render_markdown, body))  # expect: GIL101
