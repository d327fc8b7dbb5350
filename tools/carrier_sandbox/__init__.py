"""A sandbox carrier for development and tests: sends signed tracking updates to shipping's
webhook (`python -m tools.carrier_sandbox`)."""
