"""HTTP chassis: app factory, identity dependencies, health, metrics and admin routers."""
