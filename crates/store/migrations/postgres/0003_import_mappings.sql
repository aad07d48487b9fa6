-- The column mapping HR confirmed for importing a form's data from a spreadsheet:
-- header as written in the sheet → input id (or id / name / group); remembered per form.
CREATE TABLE import_mappings (
    form_id     TEXT NOT NULL,
    header      TEXT NOT NULL,
    target      TEXT NOT NULL,
    updated_by  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (form_id, header)
);
