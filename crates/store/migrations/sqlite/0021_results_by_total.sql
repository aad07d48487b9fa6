-- HR's results sorted by total (either direction): SQLite reads the cycle in total order
-- from an index and sorts only ties by 工号 ("temp b-tree for right part of order by"),
-- instead of sorting the whole cycle for every page (124–169 ms at 100,000, 70 ms with
-- it). The expressions are exactly those of the query's ORDER BY (crates/store/src/hr.rs,
-- `results_sorted`), as in PostgreSQL's migration of the same number.
CREATE INDEX appraisals_cycle_total_desc ON appraisals
    (cycle_id, (CAST(total AS DOUBLE PRECISION) IS NULL), (CAST(total AS DOUBLE PRECISION)) DESC);
CREATE INDEX appraisals_cycle_total_asc ON appraisals
    (cycle_id, (CAST(total AS DOUBLE PRECISION) IS NULL), (CAST(total AS DOUBLE PRECISION)));
