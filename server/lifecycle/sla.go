package lifecycle

import "github.com/supportd/supportd/server/domain"

// SLATrigger is what moves a ticket's initial-response SLA clock
// (domain.SLAState). The triggers are decided by the caller from the
// ticket's times; this table only says which state each leads to.
//
//	RUNNING --warning instant--> WARNING --deadline--> BREACHED
//	   |  ^                         |                     |
//	   |  '----warning withdrawn----'                     |
//	   '--- response in time ---> MET <-- in time --'     '-- response --> BREACHED
//	   (a late response from RUNNING or WARNING is BREACHED)
type SLATrigger string

// SLA triggers.
const (
	// SLAWarningPassed: the warning instant passed without a first response.
	SLAWarningPassed SLATrigger = "warning instant passed"
	// SLADeadlinePassed: the response deadline passed without a first
	// response (after the warning: a ticket is warned before it breaches).
	SLADeadlinePassed SLATrigger = "deadline passed"
	// SLAWarningWithdrawn: a new target (severity change) moved the
	// warning instant after now, before a first response.
	SLAWarningWithdrawn SLATrigger = "warning withdrawn"
	// SLARespondedInTime: the first response came before the deadline.
	SLARespondedInTime SLATrigger = "responded in time"
	// SLARespondedLate: the first response came at or after the deadline.
	SLARespondedLate SLATrigger = "responded late"
)

// InitialSLA is the SLA state of a newly filed ticket: its clock runs.
const InitialSLA = domain.SLARunning

// SLAStates lists every SLA state, in the order a clock moves through them.
var SLAStates = []domain.SLAState{domain.SLARunning, domain.SLAWarning, domain.SLABreached, domain.SLAMet}

// SLATriggers lists every trigger.
var SLATriggers = []SLATrigger{SLAWarningPassed, SLADeadlinePassed, SLAWarningWithdrawn, SLARespondedInTime, SLARespondedLate}

type slaEdge struct {
	from    domain.SLAState
	trigger SLATrigger
}

// slaTransitions is the whole SLA state machine. A breach is final: a
// response after it (even "in time" against a deadline a severity change
// moved later) leaves the ticket BREACHED. MET is final too.
var slaTransitions = map[slaEdge]domain.SLAState{
	{domain.SLARunning, SLAWarningPassed}:    domain.SLAWarning,
	{domain.SLAWarning, SLADeadlinePassed}:   domain.SLABreached,
	{domain.SLAWarning, SLAWarningWithdrawn}: domain.SLARunning,
	{domain.SLARunning, SLARespondedInTime}:  domain.SLAMet,
	{domain.SLAWarning, SLARespondedInTime}:  domain.SLAMet,
	{domain.SLABreached, SLARespondedInTime}: domain.SLABreached,
	{domain.SLARunning, SLARespondedLate}:    domain.SLABreached,
	{domain.SLAWarning, SLARespondedLate}:    domain.SLABreached,
	{domain.SLABreached, SLARespondedLate}:   domain.SLABreached,
}

// NextSLA returns the SLA state trigger moves from to, and whether that
// transition exists; when it does not, the state must not change (a stage
// fires at most once: the sweep's triggers only apply moving forward).
// Every change of a ticket's SLA state goes through it.
func NextSLA(from domain.SLAState, trigger SLATrigger) (domain.SLAState, bool) {
	to, ok := slaTransitions[slaEdge{from, trigger}]
	if !ok {
		return from, false
	}
	return to, true
}
