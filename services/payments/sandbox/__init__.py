"""A test-mode payment gateway for development and tests: `python -m services.payments.sandbox`."""
