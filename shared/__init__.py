"""Hallmark shared code that services import: event contracts (`shared.events`), the service chassis
(`shared.runtime`) and the business calendar (`shared.calendar`)."""
