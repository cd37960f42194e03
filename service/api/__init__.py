"""The HTTP layer: Litestar app, middleware and error mapping. No model logic here."""
