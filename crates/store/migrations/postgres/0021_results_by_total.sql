-- HR's results sorted by total (either direction): PostgreSQL reads the cycle in total order
-- from an index and sorts only ties by 工号 (incremental sort), instead of sorting the whole
-- cycle for every page (131 ms at 100,000). The expressions are exactly those of the query's
-- ORDER BY (crates/store/src/hr.rs, `results_sorted`). SQLite needs no index for this.
CREATE INDEX appraisals_cycle_total_desc ON appraisals
    (cycle_id, (CAST(total AS DOUBLE PRECISION) IS NULL), (CAST(total AS DOUBLE PRECISION)) DESC);
CREATE INDEX appraisals_cycle_total_asc ON appraisals
    (cycle_id, (CAST(total AS DOUBLE PRECISION) IS NULL), (CAST(total AS DOUBLE PRECISION)));
