"""Tools that stand outside the services: the local launcher (`hallmark`) and the sandboxes of the
providers the services call (payment gateway, carrier). Tools may import services; never the reverse."""
