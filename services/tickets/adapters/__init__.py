"""Translation between the tickets domain and shared.events."""
