"""Hallmark shared code: event contracts (`shared.events`), the service chassis (`shared.runtime`)
and the local launcher (`shared.launcher`)."""
