-- Effective-dated posts (岗位任职): an employee's main post (主岗) and any second posts
-- (兼岗), each with the department, position and supervisor and the days it is in force
-- (from_date … to_date inclusive, YYYY-MM-DD; NULL = since always / open). A cycle places
-- each member by the posts in force on its period's last day. `employees` keeps the current
-- main post. Each appraisal records the unit it was made for (`department_id`), so results
-- stay with the old unit when the person moves later.
CREATE TABLE employee_posts (
    id            INTEGER PRIMARY KEY,
    employee_id   INTEGER NOT NULL REFERENCES employees (id),
    department_id INTEGER NOT NULL REFERENCES departments (id),
    position_id   INTEGER REFERENCES positions (id),
    supervisor_id INTEGER REFERENCES employees (id),
    kind          TEXT NOT NULL CHECK (kind IN ('main', 'second')),
    from_date     TEXT,
    to_date       TEXT
);
CREATE INDEX employee_posts_employee ON employee_posts (employee_id);

INSERT INTO employee_posts (employee_id, department_id, position_id, supervisor_id, kind)
SELECT id, department_id, position_id, supervisor_id, 'main' FROM employees ORDER BY id;

ALTER TABLE appraisals ADD COLUMN department_id INTEGER REFERENCES departments (id);
UPDATE appraisals SET department_id = (SELECT e.department_id FROM employees e WHERE e.id = appraisals.employee_id);
CREATE INDEX appraisals_cycle_department ON appraisals (cycle_id, department_id);
