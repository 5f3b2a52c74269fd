package models

// ClaimPostgresSQL is the claim's statement, whose plan a test checks.
const ClaimPostgresSQL = claimPostgresSQL

// PromoteHeadsSQL is the hand-on's statement, whose plan a test checks.
var PromoteHeadsSQL = promoteHeadsSQL
