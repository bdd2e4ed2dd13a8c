-- Server-wide settings, such as the key that signs page and resume tokens.
CREATE TABLE settings (
  name  TEXT PRIMARY KEY,
  value BLOB NOT NULL
) STRICT;
