-- The organisation as a tree (总行 → 分行 → 支行 → 部门 → 团队): each department may have a
-- parent department, a head (an employee) and a unit kind. No parent = top level, so a flat
-- organisation is a tree of one level. The import refuses a loop; a grant scoped to a
-- department covers its whole subtree (kaohe-store backend.rs `load_user`).
ALTER TABLE departments ADD COLUMN parent_id INTEGER REFERENCES departments (id);
ALTER TABLE departments ADD COLUMN head_id INTEGER REFERENCES employees (id);
ALTER TABLE departments ADD COLUMN unit TEXT
    CHECK (unit IN ('head_office', 'branch', 'sub_branch', 'department', 'team'));
CREATE INDEX departments_parent ON departments (parent_id);
