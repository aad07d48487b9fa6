-- The grade distribution of a cycle from the index alone (progress and results pages).
CREATE INDEX appraisals_cycle_grade ON appraisals (cycle_id, grade);
-- A cycle's open tasks past their due date (the progress page's late list).
CREATE INDEX tasks_cycle_open ON tasks (cycle_id, status, due);
