"""Translation between the orders domain and shared.events."""
