"""Starts `ecopulse local` on free ports and a headless Debian Chromium driven by Playwright's library."""

import json
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from ecopulse_local.runtime import free_port
from tests.support import wait_until

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).parent / "artifacts"
SCREENSHOTS = ROOT / "dashboard" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
# Reviews wait for the admin: a browser test must not race the review timeout.
OVERRIDES = "ReviewTimeoutSeconds=600 RetryIntervalSeconds=1"


@dataclass
class Dashboard:
    url: str
    api: str
    origin: str

    def token(self, user: str, group: str, tenant: str) -> str:
        answer = httpx.post(self.origin + "/local-auth/token", json={"user": user, "group": group, "tenant": tenant})
        answer.raise_for_status()
        return answer.json()["id_token"]


@pytest.fixture(scope="session")
def dashboard(tmp_path_factory):
    if not (ROOT / "dashboard" / "dist" / "index.html").exists():
        pytest.fail("dashboard/dist is missing: run `npm ci && npm run build` in dashboard/")
    state_dir = tmp_path_factory.mktemp("ecopulse-e2e")
    ports = {name: free_port("127.0.0.1") for name in ("aws", "dynamodb", "chain", "api", "dashboard")}
    log_path = state_dir / "ecopulse-local.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "ecopulse_local.cli", "local",
                *(argument for name, port in ports.items() for argument in (f"--{name}-port", str(port))),
                "--state-dir", str(state_dir), "--parameter-overrides", OVERRIDES,
            ],
            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
    try:
        runtime_file = state_dir / "runtime.json"
        wait_until(lambda: runtime_file.exists() or process.poll() is not None, timeout=60)
        if process.poll() is not None:
            pytest.fail(f"ecopulse local exited early:\n{log_path.read_text()}")
        endpoints = json.loads(runtime_file.read_text())["endpoints"]
        wait_until(lambda: httpx.get(endpoints["api"] + "/health").status_code == 200, timeout=30)
        origin = endpoints["dashboard"]
        # The runtime serves the built site at its root once it mounts dashboard/dist; until then it serves
        # dashboard/ itself, where the build sits under /dist/ (the build uses relative asset URLs).
        nested = httpx.get(origin + "/dist/index.html").status_code == 200
        yield Dashboard(origin + ("/dist/" if nested else "/"), endpoints["api"], origin)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        print(f"ecopulse local log: {log_path}")


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def shoot():
    """Saves a full-page screenshot as a test artifact; with ECOPULSE_UPDATE_SCREENSHOTS=1 also the README's
    picture of that view (one viewport, so it stays small)."""
    ARTIFACTS.mkdir(exist_ok=True)
    update = os.environ.get("ECOPULSE_UPDATE_SCREENSHOTS") == "1"

    def take(page, name: str) -> None:
        page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
        if update:
            SCREENSHOTS.mkdir(exist_ok=True)
            page.screenshot(path=SCREENSHOTS / f"{name}.png")

    return take
