package wire

// CommandPath is where podctl sends the commands podd runs for it (POST, a CommandRequest):
// the ones that print what podd knows, whose printing links k8s.io/api. The answer (200) is
// frames as an exec connection's server sends them: stdout, stderr, then the exit status.
const CommandPath = "/podd/v1/podctl"

// CommandRequest is one podctl command line for podd to run, with what it reads on podctl's
// side: stdin (when a -f names "-") and each file a -f names, as podctl read it.
type CommandRequest struct {
	Args  []string        `json:"args"` // the command line, program name first, without --socket
	Stdin []byte          `json:"stdin,omitempty"`
	Files map[string]File `json:"files,omitempty"`
	// TZ is podctl's TZ variable: podd prints times in podctl's zone, not its own.
	TZ string `json:"tz,omitempty"`
}

// File is a file podctl read for a command: its bytes, or the error reading it gave.
type File struct {
	Data  []byte `json:"data,omitempty"`
	Error string `json:"error,omitempty"`
	// Entries, for a directory, are the paths of its manifest files (.yaml, .yml, .json, in
	// order; with -R those of its subdirectories too), each sent as a File of its own.
	Entries []string `json:"entries,omitempty"`
}
