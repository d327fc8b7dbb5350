"""The local launcher: Kafka (KRaft, from Maven Central's jars), a throwaway PostgreSQL cluster,
and the five services, as local processes bound to 127.0.0.1."""
