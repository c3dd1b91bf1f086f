"""Read-only figures and reports for coordinators and libraries, checked against the school
library standards."""
