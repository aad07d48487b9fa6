//! payroll
