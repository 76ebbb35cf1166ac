// Package accounts is Tournée's CRM domain: users, accounts and their revenue,
// contacts, pipeline, activities, tasks and territories, the change feed, the
// Store interface that persists them and the Service that validates every
// write before it reaches a store.
//
// Stores live in subpackages (sqlite, postgres) and speak only the types of
// this package; storetest holds the conformance suite they all pass.
package accounts
