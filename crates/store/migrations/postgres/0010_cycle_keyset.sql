-- Keyset paging of a cycle's appraisals in id order (results, imports, exports).
CREATE INDEX appraisals_cycle_id ON appraisals (cycle_id, id);
