package accounts

import (
	"context"
	"time"

	"github.com/tournee/tournee/geo"
)

// Timed returns s with every call reported to observe with the method name
// and its duration, for the store timings of /metrics.
func Timed(s Store, observe func(method string, d time.Duration)) Store {
	return timed{s, observe}
}

type timed struct {
	Store
	observe func(string, time.Duration)
}

func (tm timed) since(method string, start time.Time) { tm.observe(method, time.Since(start)) }

func (tm timed) CreateUser(ctx context.Context, u User) (User, error) {
	defer tm.since("CreateUser", time.Now())
	return tm.Store.CreateUser(ctx, u)
}

func (tm timed) GetUser(ctx context.Context, id int64) (User, error) {
	defer tm.since("GetUser", time.Now())
	return tm.Store.GetUser(ctx, id)
}

func (tm timed) UserByEmail(ctx context.Context, email string) (User, error) {
	defer tm.since("UserByEmail", time.Now())
	return tm.Store.UserByEmail(ctx, email)
}

func (tm timed) UpdateUser(ctx context.Context, u User, version int64) (User, error) {
	defer tm.since("UpdateUser", time.Now())
	return tm.Store.UpdateUser(ctx, u, version)
}

func (tm timed) DeleteUser(ctx context.Context, id, version int64) error {
	defer tm.since("DeleteUser", time.Now())
	return tm.Store.DeleteUser(ctx, id, version)
}

func (tm timed) ListUsers(ctx context.Context, f UserFilter) ([]User, error) {
	defer tm.since("ListUsers", time.Now())
	return tm.Store.ListUsers(ctx, f)
}

func (tm timed) CreateAccount(ctx context.Context, a Account) (Account, error) {
	defer tm.since("CreateAccount", time.Now())
	return tm.Store.CreateAccount(ctx, a)
}

func (tm timed) CreateAccounts(ctx context.Context, as []Account) ([]Account, error) {
	defer tm.since("CreateAccounts", time.Now())
	return tm.Store.CreateAccounts(ctx, as)
}

func (tm timed) GetAccount(ctx context.Context, id int64) (Account, error) {
	defer tm.since("GetAccount", time.Now())
	return tm.Store.GetAccount(ctx, id)
}

func (tm timed) AccountsByID(ctx context.Context, ids []int64) ([]Account, error) {
	defer tm.since("AccountsByID", time.Now())
	return tm.Store.AccountsByID(ctx, ids)
}

func (tm timed) UpdateAccount(ctx context.Context, a Account, version int64) (Account, error) {
	defer tm.since("UpdateAccount", time.Now())
	return tm.Store.UpdateAccount(ctx, a, version)
}

func (tm timed) DeleteAccount(ctx context.Context, id, version int64) error {
	defer tm.since("DeleteAccount", time.Now())
	return tm.Store.DeleteAccount(ctx, id, version)
}

func (tm timed) ListAccounts(ctx context.Context, f AccountFilter) ([]Account, error) {
	defer tm.since("ListAccounts", time.Now())
	return tm.Store.ListAccounts(ctx, f)
}

func (tm timed) PutRevenue(ctx context.Context, rs []Revenue) error {
	defer tm.since("PutRevenue", time.Now())
	return tm.Store.PutRevenue(ctx, rs)
}

func (tm timed) ListRevenue(ctx context.Context, accountID int64) ([]Revenue, error) {
	defer tm.since("ListRevenue", time.Now())
	return tm.Store.ListRevenue(ctx, accountID)
}

func (tm timed) CreateContact(ctx context.Context, c Contact) (Contact, error) {
	defer tm.since("CreateContact", time.Now())
	return tm.Store.CreateContact(ctx, c)
}

func (tm timed) CreateContacts(ctx context.Context, cs []Contact) ([]Contact, error) {
	defer tm.since("CreateContacts", time.Now())
	return tm.Store.CreateContacts(ctx, cs)
}

func (tm timed) GetContact(ctx context.Context, id int64) (Contact, error) {
	defer tm.since("GetContact", time.Now())
	return tm.Store.GetContact(ctx, id)
}

func (tm timed) UpdateContact(ctx context.Context, c Contact, version int64) (Contact, error) {
	defer tm.since("UpdateContact", time.Now())
	return tm.Store.UpdateContact(ctx, c, version)
}

func (tm timed) DeleteContact(ctx context.Context, id, version int64) error {
	defer tm.since("DeleteContact", time.Now())
	return tm.Store.DeleteContact(ctx, id, version)
}

func (tm timed) ListContacts(ctx context.Context, f ContactFilter) ([]Contact, error) {
	defer tm.since("ListContacts", time.Now())
	return tm.Store.ListContacts(ctx, f)
}

func (tm timed) CreateStage(ctx context.Context, s Stage) (Stage, error) {
	defer tm.since("CreateStage", time.Now())
	return tm.Store.CreateStage(ctx, s)
}

func (tm timed) UpdateStage(ctx context.Context, s Stage) (Stage, error) {
	defer tm.since("UpdateStage", time.Now())
	return tm.Store.UpdateStage(ctx, s)
}

func (tm timed) DeleteStage(ctx context.Context, id int64) error {
	defer tm.since("DeleteStage", time.Now())
	return tm.Store.DeleteStage(ctx, id)
}

func (tm timed) ListStages(ctx context.Context) ([]Stage, error) {
	defer tm.since("ListStages", time.Now())
	return tm.Store.ListStages(ctx)
}

func (tm timed) CreateOpportunity(ctx context.Context, o Opportunity) (Opportunity, error) {
	defer tm.since("CreateOpportunity", time.Now())
	return tm.Store.CreateOpportunity(ctx, o)
}

func (tm timed) GetOpportunity(ctx context.Context, id int64) (Opportunity, error) {
	defer tm.since("GetOpportunity", time.Now())
	return tm.Store.GetOpportunity(ctx, id)
}

func (tm timed) UpdateOpportunity(ctx context.Context, o Opportunity, version int64) (Opportunity, error) {
	defer tm.since("UpdateOpportunity", time.Now())
	return tm.Store.UpdateOpportunity(ctx, o, version)
}

func (tm timed) DeleteOpportunity(ctx context.Context, id, version int64) error {
	defer tm.since("DeleteOpportunity", time.Now())
	return tm.Store.DeleteOpportunity(ctx, id, version)
}

func (tm timed) ListOpportunities(ctx context.Context, f OpportunityFilter) ([]Opportunity, error) {
	defer tm.since("ListOpportunities", time.Now())
	return tm.Store.ListOpportunities(ctx, f)
}

func (tm timed) CreateActivity(ctx context.Context, a Activity) (Activity, error) {
	defer tm.since("CreateActivity", time.Now())
	return tm.Store.CreateActivity(ctx, a)
}

func (tm timed) GetActivity(ctx context.Context, id int64) (Activity, error) {
	defer tm.since("GetActivity", time.Now())
	return tm.Store.GetActivity(ctx, id)
}

func (tm timed) UpdateActivity(ctx context.Context, a Activity, version int64) (Activity, error) {
	defer tm.since("UpdateActivity", time.Now())
	return tm.Store.UpdateActivity(ctx, a, version)
}

func (tm timed) DeleteActivity(ctx context.Context, id, version int64) error {
	defer tm.since("DeleteActivity", time.Now())
	return tm.Store.DeleteActivity(ctx, id, version)
}

func (tm timed) BookActivities(ctx context.Context, as []Activity) ([]Activity, error) {
	defer tm.since("BookActivities", time.Now())
	return tm.Store.BookActivities(ctx, as)
}

func (tm timed) ListActivities(ctx context.Context, f ActivityFilter) ([]Activity, error) {
	defer tm.since("ListActivities", time.Now())
	return tm.Store.ListActivities(ctx, f)
}

func (tm timed) SearchReports(ctx context.Context, q ReportQuery) ([]ReportHit, error) {
	defer tm.since("SearchReports", time.Now())
	return tm.Store.SearchReports(ctx, q)
}

func (tm timed) CreateTask(ctx context.Context, t Task) (Task, error) {
	defer tm.since("CreateTask", time.Now())
	return tm.Store.CreateTask(ctx, t)
}

func (tm timed) GetTask(ctx context.Context, id int64) (Task, error) {
	defer tm.since("GetTask", time.Now())
	return tm.Store.GetTask(ctx, id)
}

func (tm timed) UpdateTask(ctx context.Context, t Task, version int64) (Task, error) {
	defer tm.since("UpdateTask", time.Now())
	return tm.Store.UpdateTask(ctx, t, version)
}

func (tm timed) DeleteTask(ctx context.Context, id, version int64) error {
	defer tm.since("DeleteTask", time.Now())
	return tm.Store.DeleteTask(ctx, id, version)
}

func (tm timed) ListTasks(ctx context.Context, f TaskFilter) ([]Task, error) {
	defer tm.since("ListTasks", time.Now())
	return tm.Store.ListTasks(ctx, f)
}

func (tm timed) CreateTerritories(ctx context.Context, ts []Territory) ([]Territory, error) {
	defer tm.since("CreateTerritories", time.Now())
	return tm.Store.CreateTerritories(ctx, ts)
}

func (tm timed) CreateTerritory(ctx context.Context, t Territory) (Territory, error) {
	defer tm.since("CreateTerritory", time.Now())
	return tm.Store.CreateTerritory(ctx, t)
}

func (tm timed) GetTerritory(ctx context.Context, id int64) (Territory, error) {
	defer tm.since("GetTerritory", time.Now())
	return tm.Store.GetTerritory(ctx, id)
}

func (tm timed) UpdateTerritory(ctx context.Context, t Territory, version int64) (Territory, error) {
	defer tm.since("UpdateTerritory", time.Now())
	return tm.Store.UpdateTerritory(ctx, t, version)
}

func (tm timed) DeleteTerritory(ctx context.Context, id, version int64) error {
	defer tm.since("DeleteTerritory", time.Now())
	return tm.Store.DeleteTerritory(ctx, id, version)
}

func (tm timed) ListTerritories(ctx context.Context, f TerritoryFilter) ([]Territory, error) {
	defer tm.since("ListTerritories", time.Now())
	return tm.Store.ListTerritories(ctx, f)
}

func (tm timed) Changes(ctx context.Context, after int64, limit int) ([]Change, error) {
	defer tm.since("Changes", time.Now())
	return tm.Store.Changes(ctx, after, limit)
}

func (tm timed) LastChangeSeq(ctx context.Context) (int64, error) {
	defer tm.since("LastChangeSeq", time.Now())
	return tm.Store.LastChangeSeq(ctx)
}

func (tm timed) ClaimIdempotencyKey(ctx context.Context, key, fingerprint string) (*IdempotentResponse, error) {
	defer tm.since("ClaimIdempotencyKey", time.Now())
	return tm.Store.ClaimIdempotencyKey(ctx, key, fingerprint)
}

func (tm timed) SaveIdempotentResponse(ctx context.Context, key string, status int, body []byte) error {
	defer tm.since("SaveIdempotentResponse", time.Now())
	return tm.Store.SaveIdempotentResponse(ctx, key, status, body)
}

func (tm timed) ReleaseIdempotencyKey(ctx context.Context, key string) error {
	defer tm.since("ReleaseIdempotencyKey", time.Now())
	return tm.Store.ReleaseIdempotencyKey(ctx, key)
}

func (tm timed) Ready(ctx context.Context) error {
	defer tm.since("Ready", time.Now())
	return tm.Store.Ready(ctx)
}

func (tm timed) TerritoriesIn(ctx context.Context, layer string, b geo.Bounds) ([]Territory, error) {
	defer tm.since("TerritoriesIn", time.Now())
	return tm.Store.TerritoriesIn(ctx, layer, b)
}

func (tm timed) LocatedIn(ctx context.Context, b geo.Bounds) ([]Located, error) {
	defer tm.since("LocatedIn", time.Now())
	return tm.Store.LocatedIn(ctx, b)
}

func (tm timed) AssignmentsIn(ctx context.Context, layer string, b geo.Bounds) ([]Assignment, error) {
	defer tm.since("AssignmentsIn", time.Now())
	return tm.Store.AssignmentsIn(ctx, layer, b)
}

func (tm timed) PinAccount(ctx context.Context, accountID int64, layer string, userID int64) (Assignment, error) {
	defer tm.since("PinAccount", time.Now())
	return tm.Store.PinAccount(ctx, accountID, layer, userID)
}

func (tm timed) UnpinAccount(ctx context.Context, accountID int64, layer string) (Assignment, error) {
	defer tm.since("UnpinAccount", time.Now())
	return tm.Store.UnpinAccount(ctx, accountID, layer)
}

func (tm timed) TerritoryFigures(ctx context.Context, layer string, revenueSince Month) ([]TerritoryFigure, error) {
	defer tm.since("TerritoryFigures", time.Now())
	return tm.Store.TerritoryFigures(ctx, layer, revenueSince)
}

func (tm timed) CreateRule(ctx context.Context, r Rule) (Rule, error) {
	defer tm.since("CreateRule", time.Now())
	return tm.Store.CreateRule(ctx, r)
}

func (tm timed) GetRule(ctx context.Context, id int64) (Rule, error) {
	defer tm.since("GetRule", time.Now())
	return tm.Store.GetRule(ctx, id)
}

func (tm timed) UpdateRule(ctx context.Context, r Rule, version int64) (Rule, error) {
	defer tm.since("UpdateRule", time.Now())
	return tm.Store.UpdateRule(ctx, r, version)
}

func (tm timed) DeleteRule(ctx context.Context, id, version int64) error {
	defer tm.since("DeleteRule", time.Now())
	return tm.Store.DeleteRule(ctx, id, version)
}

func (tm timed) ListRules(ctx context.Context, f RuleFilter) ([]Rule, error) {
	defer tm.since("ListRules", time.Now())
	return tm.Store.ListRules(ctx, f)
}

func (tm timed) RecordFiring(ctx context.Context, f Firing) (bool, error) {
	defer tm.since("RecordFiring", time.Now())
	return tm.Store.RecordFiring(ctx, f)
}

func (tm timed) ClearFirings(ctx context.Context, ruleID int64, accountIDs []int64) error {
	defer tm.since("ClearFirings", time.Now())
	return tm.Store.ClearFirings(ctx, ruleID, accountIDs)
}

func (tm timed) RuleInputsByID(ctx context.Context, ids []int64, revenue []MonthRange) (map[int64]RuleInputs, error) {
	defer tm.since("RuleInputsByID", time.Now())
	return tm.Store.RuleInputsByID(ctx, ids, revenue)
}

func (tm timed) SetRuleScores(ctx context.Context, scores map[int64][]ScorePart) error {
	defer tm.since("SetRuleScores", time.Now())
	return tm.Store.SetRuleScores(ctx, scores)
}

func (tm timed) ListAlerts(ctx context.Context, f AlertFilter) ([]Alert, error) {
	defer tm.since("ListAlerts", time.Now())
	return tm.Store.ListAlerts(ctx, f)
}

func (tm timed) MarkAlertRead(ctx context.Context, id, userID int64, at time.Time) (Alert, error) {
	defer tm.since("MarkAlertRead", time.Now())
	return tm.Store.MarkAlertRead(ctx, id, userID, at)
}

func (tm timed) ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Delivery, error) {
	defer tm.since("ClaimDeliveries", time.Now())
	return tm.Store.ClaimDeliveries(ctx, now, lease, limit)
}

func (tm timed) NextDeliveryAt(ctx context.Context) (time.Time, bool, error) {
	defer tm.since("NextDeliveryAt", time.Now())
	return tm.Store.NextDeliveryAt(ctx)
}

func (tm timed) MarkSent(ctx context.Context, id int64, attempt int, at time.Time) error {
	defer tm.since("MarkSent", time.Now())
	return tm.Store.MarkSent(ctx, id, attempt, at)
}

func (tm timed) MarkFailed(ctx context.Context, id int64, attempt int, nextAt time.Time, lastErr string) error {
	defer tm.since("MarkFailed", time.Now())
	return tm.Store.MarkFailed(ctx, id, attempt, nextAt, lastErr)
}

func (tm timed) MarkDead(ctx context.Context, id int64, attempt int, at time.Time, lastErr string) error {
	defer tm.since("MarkDead", time.Now())
	return tm.Store.MarkDead(ctx, id, attempt, at, lastErr)
}

func (tm timed) SetPasswordHash(ctx context.Context, userID int64, hash string) error {
	defer tm.since("SetPasswordHash", time.Now())
	return tm.Store.SetPasswordHash(ctx, userID, hash)
}

func (tm timed) PasswordHash(ctx context.Context, email string) (User, string, error) {
	defer tm.since("PasswordHash", time.Now())
	return tm.Store.PasswordHash(ctx, email)
}

func (tm timed) CreateCredential(ctx context.Context, c Credential) (Credential, error) {
	defer tm.since("CreateCredential", time.Now())
	return tm.Store.CreateCredential(ctx, c)
}

func (tm timed) CredentialByHash(ctx context.Context, hash string) (Credential, User, error) {
	defer tm.since("CredentialByHash", time.Now())
	return tm.Store.CredentialByHash(ctx, hash)
}

func (tm timed) TouchCredential(ctx context.Context, id int64, at time.Time) error {
	defer tm.since("TouchCredential", time.Now())
	return tm.Store.TouchCredential(ctx, id, at)
}

func (tm timed) RevokeCredential(ctx context.Context, userID, id int64, at time.Time) error {
	defer tm.since("RevokeCredential", time.Now())
	return tm.Store.RevokeCredential(ctx, userID, id, at)
}

func (tm timed) RevokeCredentials(ctx context.Context, userID int64, at time.Time) error {
	defer tm.since("RevokeCredentials", time.Now())
	return tm.Store.RevokeCredentials(ctx, userID, at)
}

func (tm timed) ListCredentials(ctx context.Context, userID int64, now time.Time) ([]Credential, error) {
	defer tm.since("ListCredentials", time.Now())
	return tm.Store.ListCredentials(ctx, userID, now)
}

func (tm timed) DueReminders(ctx context.Context, now time.Time, limit int) ([]Task, error) {
	defer tm.since("DueReminders", time.Now())
	return tm.Store.DueReminders(ctx, now, limit)
}

func (tm timed) RecordReminder(ctx context.Context, r Reminder) (bool, error) {
	defer tm.since("RecordReminder", time.Now())
	return tm.Store.RecordReminder(ctx, r)
}
