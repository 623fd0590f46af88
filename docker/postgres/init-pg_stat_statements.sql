-- Run once by the postgres image's entrypoint when it creates the cluster: the library is
-- preloaded by the server's command line; the extension makes its view queryable in `dharma`.
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
