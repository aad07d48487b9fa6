-- Sorting by total and the grade counts come from the cycle's ranking, which the server
-- computes once per change of the audit log anyway (crates/store/src/hr.rs, `cycle_ranks`):
-- these indexes only slowed every write of new figures (PostgreSQL's migration of the same
-- number says more).
DROP INDEX appraisals_cycle_total_desc;
DROP INDEX appraisals_cycle_total_asc;
DROP INDEX appraisals_cycle_grade;
