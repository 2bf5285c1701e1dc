-- Each extract attempt starts from an empty staging table.
TRUNCATE staging
