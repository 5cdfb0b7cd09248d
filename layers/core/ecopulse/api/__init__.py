"""HTTP API: FastAPI routers, each endpoint group served by its own Lambda through Mangum."""
