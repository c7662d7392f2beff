-- A tracked reel's import time is its product's created_at: a second copy on
-- every link only made large imports slower.
ALTER TABLE product_mappings DROP COLUMN imported_at;
