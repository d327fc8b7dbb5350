"""Translation between the shipping domain and shared.events."""
