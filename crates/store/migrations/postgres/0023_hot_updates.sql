-- Writing new figures to appraisals must not touch every index of the table. An import of
-- 100,000 rows rewrites each appraisal's inputs, result, total and grade; with total and
-- grade in indexes every new row version went into all ten indexes (3–4 s of PostgreSQL's
-- time). Without them, and with room left in each page for a new version of every row,
-- PostgreSQL updates in place (heap-only tuples): 0.7 s for the same rows.
--
-- Sorting by total and the grade counts come from the cycle's ranking, which the server
-- computes once per change of the audit log anyway (crates/store/src/hr.rs, `cycle_ranks`).
DROP INDEX appraisals_cycle_total_desc;
DROP INDEX appraisals_cycle_total_asc;
DROP INDEX appraisals_cycle_grade;
-- Half of each page is kept free for updated versions (new pages only; a cycle's appraisals
-- are written when it is launched).
ALTER TABLE appraisals SET (fillfactor = 50);
