package podstatus

import "time"

// State is where a container is in its life, as podd observed it.
type State int

const (
	// Creating: not started yet (waiting, ContainerCreating).
	Creating State = iota
	// Running: its process runs.
	Running
	// Exited: its last run ended and no restart is under way (yet).
	Exited
	// Waiting: waiting to run again, in a restart back-off or after a failed create.
	Waiting
)

// Exit is how one run of a container ended.
type Exit struct {
	Code        int32 // the exit status, or 128+signal
	Signal      int32 // the signal that ended it; 0 when it exited by itself
	OOMKilled   bool  // the container's cgroup saw an OOM kill during the run
	Lost        bool  // podd lost track of the process: code and signal are unknown
	StartedAt   time.Time
	FinishedAt  time.Time
	ContainerID string
	// Message is the run's termination message (terminationMessagePath, or its log's tail
	// with FallbackToLogsOnError); a lost run has kubelet's MessageLost instead.
	Message string
}

// Container is what podd observed of one container.
type Container struct {
	State        State
	StartedAt    time.Time // when the current run started (Running)
	Exit         *Exit     // how the current run ended (Exited)
	LastExit     *Exit     // how the run before ended (a restarted container)
	RestartCount int32
	Reason       string // why it waits (Creating, Waiting)
	Message      string
	ContainerID  string // the current or, once it ended, the last run
	ImageID      string
	// What the probes say of the current run: Unstarted while a startup probe has not
	// succeeded, Unready while the container is not ready by its probes (readiness, or not
	// started yet). A run starts with neither: the runtime sets the probes' initial verdict
	// (Probed) as it records the run.
	Unstarted bool
	Unready   bool
}

// Eviction is podd's decision to evict the pod (kubelet's ShouldEvict result).
type Eviction struct {
	Reason  string // ReasonEvicted when empty
	Message string
}

// Pod is what podd observed of a pod: its sandbox and its containers, in spec order.
type Pod struct {
	SandboxReady bool      // the pinned namespaces and network exist
	StartTime    time.Time // when its first container started; zero before
	PodIPs       []string
	Eviction     *Eviction // nil unless evicted
	Containers   []Container
	// InitContainers are the init containers' observations, in spec order.
	InitContainers []Container
}

// Run is the observation once the container (re)started at the given time: a run that had
// ended becomes the last termination.
func (c Container) Run(at time.Time, containerID, imageID string, restarts int32) Container {
	c.retire()
	c.State, c.StartedAt = Running, at
	c.Reason, c.Message = "", ""
	c.Unstarted, c.Unready = false, false
	c.RestartCount, c.ContainerID, c.ImageID = restarts, containerID, imageID
	return c
}

// Probed is the observation of the probes' verdict on the running container: started (its
// startup probe succeeded, or it has none) and ready (started, and its readiness probe
// succeeded or it has none).
func (c Container) Probed(started, ready bool) Container {
	c.Unstarted, c.Unready = !started, !(started && ready)
	return c
}

// End is the observation once the current run ended; the run's start and container id are
// filled in from the observation.
func (c Container) End(e Exit) Container {
	if c.State == Running {
		e.StartedAt = c.StartedAt
	}
	e.ContainerID = c.ContainerID
	c.State, c.Exit, c.StartedAt = Exited, &e, time.Time{}
	c.Reason, c.Message = "", ""
	c.Unstarted, c.Unready = false, false
	return c
}

// Wait is the observation once the container waits to run again (back-off, failed create).
func (c Container) Wait(reason, message string, restarts int32) Container {
	c.retire()
	c.State, c.StartedAt = Waiting, time.Time{}
	c.Reason, c.Message, c.RestartCount = reason, message, restarts
	c.Unstarted, c.Unready = false, false
	return c
}

// retire moves an ended run to LastExit.
func (c *Container) retire() {
	if c.State == Exited && c.Exit != nil {
		c.LastExit = c.Exit
	}
	c.Exit = nil
}
