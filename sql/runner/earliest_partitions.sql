-- The earliest recorded partition of each job: its first day while the source cannot say where its readings start.
SELECT job, to_char(min(day), 'YYYY-MM-DD') AS day FROM partitions GROUP BY job
