"""HTTP: /health, /whoami and /openapi.json, which documents every route of every endpoint group."""

from ecopulse.api.app import create_app, lambda_handler
from ecopulse.api.routers import (
    accounts,
    admin,
    analytics,
    community,
    driver,
    exports,
    fleet,
    impact,
    me,
    open311,
    reports,
    submissions,
    system,
    uploads,
    verifier,
)

app = create_app(
    system.router,
    me.router,
    uploads.router,
    submissions.router,
    reports.router,
    community.router,
    admin.router,
    accounts.router,
    verifier.router,
    fleet.router,
    driver.router,
    exports.router,
    analytics.router,
    open311.router,
    impact.router,
)
handler = lambda_handler(app)
