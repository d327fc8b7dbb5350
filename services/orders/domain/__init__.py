"""Orders domain: orders whose state is only their events, and the local catalogue copy."""
