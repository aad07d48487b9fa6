-- Grade bands a cycle gives a form whose sheet has none (JSON: [{"name":"A","min":"90"}, …, {"name":"D","min":null}]).
ALTER TABLE cycles ADD COLUMN grades TEXT;
