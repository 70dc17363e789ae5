"""Stack sample app: a tiny notes service on PostgreSQL with a Redis cache."""
