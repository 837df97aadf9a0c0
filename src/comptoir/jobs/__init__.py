"""Background work in the database: a job queue, workers, retries, dead letters."""
