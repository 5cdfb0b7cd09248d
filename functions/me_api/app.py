"""HTTP: The signed-in caller's profile, wallet, submissions, uploads and inbox."""

from ecopulse.api.app import create_app, lambda_handler
from ecopulse.api.routers import me, submissions, uploads

app = create_app(me.router, uploads.router, submissions.router)
handler = lambda_handler(app)
