"""The service chassis: everything generic, written once, used by every service."""
