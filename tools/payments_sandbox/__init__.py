"""A test-mode payment gateway for development and tests: `python -m tools.payments_sandbox`."""
