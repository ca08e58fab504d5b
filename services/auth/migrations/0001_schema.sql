-- auth schema: created by the migration runner; tables arrive in later migrations.
SELECT 1;
