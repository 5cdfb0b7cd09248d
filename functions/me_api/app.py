"""HTTP: The signed-in caller's profile, wallet, submissions, uploads and inbox, and a driver's jobs."""

from ecopulse.api.app import create_app, lambda_handler
from ecopulse.api.routers import driver, me, submissions, uploads

app = create_app(me.router, uploads.router, submissions.router, driver.router)
handler = lambda_handler(app)
