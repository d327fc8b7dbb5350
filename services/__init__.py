"""The five Hallmark services; each meets the others only through shared.events."""
