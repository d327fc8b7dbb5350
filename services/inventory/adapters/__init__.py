"""Translation between the inventory domain and shared.events."""
