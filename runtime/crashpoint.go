package runtime

import (
	"os"

	"golang.org/x/sys/unix"
)

// crashAt is PODD_CRASH_AT, a test hook: podd SIGKILLs itself when it reaches the step of that
// name, so tests can check that a restarted podd finds every pod whole or gone. Unset (always,
// outside tests) crashpoint is one string comparison.
var crashAt = os.Getenv("PODD_CRASH_AT")

// The steps crashpoint knows, in the order apply and delete reach them.
const (
	crashApplyRecorded   = "apply-after-record"   // record and in-progress marker written
	crashApplySandbox    = "apply-after-sandbox"  // cgroups, namespaces, IP, volumes made
	crashApplyFirstClone = "apply-after-clone"    // the first container process cloned
	crashApplyBeforeSave = "apply-before-running" // every container runs; Running not saved
	crashDeleteRecorded  = "delete-after-record"  // deletionTimestamp written and fsynced
	crashDeleteKilled    = "delete-after-kill"    // every container process gone
	crashDeleteNS        = "delete-after-ns"      // namespaces unpinned
	crashDeleteBeforeRm  = "delete-before-rm"     // all gone but the record
	// A container restarted (restartPolicy), its Running status not saved yet.
	crashRestartBeforeSave = "restart-before-running"
)

// crashpoint kills podd (SIGKILL, as a crash would) if PODD_CRASH_AT names step.
func crashpoint(step string) {
	if crashAt == "" || crashAt != step {
		return
	}
	logf("PODD_CRASH_AT=%s: killing podd", step)
	_ = unix.Kill(os.Getpid(), unix.SIGKILL)
	select {} // SIGKILL is not deliverable late; never go on
}
