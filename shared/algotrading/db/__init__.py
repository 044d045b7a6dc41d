"""PostgreSQL access: connection and pool, embedded server, migrations, repositories."""
