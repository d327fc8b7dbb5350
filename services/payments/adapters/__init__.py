"""Translation between the payments domain and shared.events."""
