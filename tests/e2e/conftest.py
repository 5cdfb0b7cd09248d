"""Starts `ecopulse local` on free ports and a headless Debian Chromium driven by Playwright's library."""

import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import boto3
import httpx
import pytest

from tests.e2e.seed import Seeder
from tests.support import running_local_system

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).parent / "artifacts"
SCREENSHOTS = ROOT / "dashboard" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
# axe-core from the dashboard's npm packages: @axe-core/playwright drives Node's Playwright, these tests Python's, so
# they inject axe's own script into the page as it does.
AXE = ROOT / "dashboard" / "node_modules" / "axe-core" / "axe.min.js"
# Reviews wait for the admin: a browser test must not race the review timeout.
OVERRIDES = "ReviewTimeoutSeconds=600 RetryIntervalSeconds=1"
ADMIN = "amina"


@dataclass
class Dashboard:
    url: str
    api: str
    origin: str
    aws: str
    app: str

    def token(self, user: str, group: str, tenant: str) -> str:
        answer = httpx.post(self.origin + "/local-auth/token", json={"user": user, "group": group, "tenant": tenant})
        answer.raise_for_status()
        return answer.json()["id_token"]

    def run_scheduled(self, logical_id: str, event: dict) -> dict:
        """Invokes a scheduled function now, as its schedule would, and returns its answer."""
        functions = boto3.client(
            "lambda", endpoint_url=self.aws, region_name="us-east-1", aws_access_key_id="local",
            aws_secret_access_key="local",
        )  # fmt: skip
        name = next(f["FunctionName"] for f in functions.list_functions()["Functions"]
                    if f["FunctionName"].endswith(f"-{logical_id}"))  # fmt: skip
        answer = functions.invoke(FunctionName=name, Payload=json.dumps(event))
        assert "FunctionError" not in answer, answer["Payload"].read()
        result: dict = json.loads(answer["Payload"].read())
        return result


@pytest.fixture(scope="session")
def dashboard(tmp_path_factory):
    for site in ("dashboard", "app"):
        if not (ROOT / site / "dist" / "index.html").exists():
            pytest.fail(f"{site}/dist is missing: run `npm ci && npm run build` in {site}/")
    with running_local_system(tmp_path_factory.mktemp("ecopulse-e2e"), OVERRIDES) as described:
        endpoints = described["endpoints"]
        yield Dashboard(
            endpoints["dashboard"] + "/", endpoints["api"], endpoints["dashboard"], endpoints["aws"], endpoints["app"]
        )


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
def accessible():
    """Asserts that axe-core finds no serious or critical violation of WCAG 2.1 A/AA on the page as it is now."""

    def check(page) -> None:
        page.add_script_tag(path=AXE)
        found = page.evaluate(
            "axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']})"
        )
        serious = [
            f"{violation['id']} ({violation['impact']}): {violation['help']} at {[n['target'] for n in nodes]}"
            for violation in found["violations"]
            if (nodes := violation["nodes"])
            if violation["impact"] in ("serious", "critical")
        ]
        assert serious == [], "\n".join(serious)

    return check


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


@pytest.fixture
def tenant() -> str:
    return f"city-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def seeder(dashboard, tenant) -> Seeder:
    return Seeder(dashboard.api, dashboard.token, tenant, ADMIN)


@pytest.fixture
def open_page(browser, dashboard, seeder):
    """Opens the dashboard at a view, signed in as the city's admin (the sign-in form has a test of its own);
    ``paused`` fakes the page's clock so that it can be stopped once the view has loaded."""
    contexts = []

    def open_at(view: str, paused: bool = False):
        context = browser.new_context(viewport={"width": 1280, "height": 860})
        contexts.append(context)
        context.add_init_script(f"sessionStorage.setItem('ecopulse.id_token', '{seeder.admin}')")
        page = context.new_page()
        if paused:
            page.clock.install()
        page.goto(f"{dashboard.url}#/{view}")
        from playwright.sync_api import expect

        expect(page.locator("#tenant-name")).to_have_text(seeder.tenant)
        return page

    yield open_at
    for context in contexts:
        context.close()
