package models

// ClaimPostgresSQL is the claim's statement, whose plan a test checks.
const ClaimPostgresSQL = claimPostgresSQL
