-- PostgreSQL twin of storage/migrations/0013_staff_roles.sql (same tables, columns and indexes; the why is there too).
-- Titles in the reader's language and the work pair (#10).
-- A staff member without a title of their own is shown with their role's name from the catalogs, in the
-- reader's language; "coordinator" was the English default `add-coordinator --title` wrote for everyone who
-- gave none, so it becomes "no title of their own". A worker's title was copied into their meeting
-- participations the same way.
UPDATE staff SET title = '' WHERE title = 'coordinator';
UPDATE participants SET relation = '' WHERE role = 'worker' AND relation = 'coordinator';
-- An expert by experience (kokemusasiantuntija) working beside a professional, as in the pair model.
ALTER TABLE staff ADD COLUMN expert INTEGER NOT NULL DEFAULT 0;
