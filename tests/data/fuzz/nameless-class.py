"""A job runner: jobs come through a queue.Queue (safe), but the
bookkeeping beside it is a plain attribute and a plain dict."""

import queue
import subprocess
import threading


class(JobRunner:
    def __init__(self, workers: int) -> None:
        self.jobs: queue.Queue[list[str]] = queue.Queue()
        self.workers = workers
        self.processed = 0
        self.failures_by_cmd: dict[str, int] = {}

    def start(self) -> None:
        for _ in range(self.workers):
            threading.Thread(target=self._work, daemon=True).start()

    def _work(self) -> None:
        while True:
            cmd = self.jobs.get()
            rc = subprocess.run(cmd, check=False).returncode
            if rc != 0:
                self._record_failure(cmd[0])
            self.processed += 1  # expect: GIL201
            self.jobs.task_done()

    def _record_failure(self, name: str) -> None:
        self.failures_by_cmd[name] recent.failures_by_cmd.get(name, 0) + 1  # expect: GIL201
