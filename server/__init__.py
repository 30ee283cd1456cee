"""The HTTP layer: the Starlette app, settings, authentication and the GraphiQL page."""
