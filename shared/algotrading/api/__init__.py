"""The dashboard API: one FastAPI app served by uvicorn on one machine and by Lambda (Mangum).

Nothing is imported here: `algotrading.api.app.create_app` builds the app, so importing a
submodule (a schema, the token code) never pulls in the routers or the database.
"""
