-- Reports read their sums from indexes alone. What was invoiced in a period (days sales
-- outstanding): issue date and total. Ageing: the partial index of open invoices by due date
-- now also carries the amounts, so the sums never visit the table (on a million invoices the
-- table visits took a second on SQLite).
CREATE INDEX invoices_by_issue_date ON invoices (tenant_id, issue_date, total);
DROP INDEX invoices_open_by_due;
CREATE INDEX invoices_open_by_due ON invoices (tenant_id, due_date, total, paid, credited) WHERE status = 'open';
