-- Keys may expire: NULL (the existing keys) never does.
ALTER TABLE api_keys ADD COLUMN expire_time INTEGER;
