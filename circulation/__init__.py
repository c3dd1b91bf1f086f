"""Readers, loans and the desk of a member library (its own schema): loan rules on the school
calendar, class book corners, stocktaking and ledgers."""
