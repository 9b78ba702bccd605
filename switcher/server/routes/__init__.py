"""Endpoint handlers: each takes a Context and returns the JSON body (status 200)."""
